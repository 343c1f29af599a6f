/*
 * record.c - build, sign, verify and open signed records.
 */
#include "record.h"
#include "record_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/messages.h"
#include "../util/mpscan.h"

static int
pack_cstr(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	return msgpack_pack_str(pk, n) | msgpack_pack_str_body(pk, s, n);
}

static int
check_type(const char *s, size_t n)
{
	if (n < 1 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int
check_school(const char *s, size_t n)
{
	if (n != 8)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
check_subject(const char *s, size_t n)
{
	if (n < 1 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f || s[i] == '/')
			return 0;
	return 1;
}

void
record_id_of(uint8_t id[RECORD_ID_BYTES], const uint8_t *payload, size_t len)
{
	crypto_generichash(id, RECORD_ID_BYTES, payload, len, NULL, 0);
}

int
record_sign(kn_buf *out, uint8_t id[RECORD_ID_BYTES], const record_fields *f,
    const uint8_t pk[RECORD_KEY_BYTES], const unsigned char *sk)
{
	kn_buf payload = KN_BUF_INIT;
	msgpack_packer p;
	uint8_t sig[RECORD_SIG_BYTES];
	int rc, bad = 0;

	if (!check_type(f->type, strlen(f->type)))
		return kn_error_set(KN_EINVAL, "type", "record type '%s' must be 1-32 of a-z, 0-9, '_' or '.'", f->type);
	if (!check_school(f->school, strlen(f->school)))
		return kn_error_set(KN_EINVAL, "npsn", "NPSN '%s' must be exactly 8 digits", f->school);
	if (!check_subject(f->subject, strlen(f->subject)))
		return kn_error_set(KN_EINVAL, "subject", "record subject must be 1-128 visible characters without '/'");
	if (f->nparents > RECORD_MAX_PARENTS)
		return kn_error_set(KN_EINVAL, "parents", "a record may replace at most %d others", RECORD_MAX_PARENTS);
	if (f->nauth > RECORD_MAX_AUTH)
		return kn_error_set(KN_EINVAL, "auth", "a record may name at most %d records that give its author the right to act",
		    RECORD_MAX_AUTH);
	if (f->body_len == 0 || !((f->body[0] & 0xf0) == 0x80 || f->body[0] == 0xde || f->body[0] == 0xdf) ||
	    kn_mpscan_exact(f->body, f->body_len, RECORD_MAX_BYTES) != 0)
		return kn_error_set(KN_EINVAL, "body", "record body must be one MessagePack map");

	msgpack_packer_init(&p, &payload, kn_buf_msgpack_write);
	bad |= msgpack_pack_map(&p, 9);
	bad |= pack_cstr(&p, "v");
	bad |= msgpack_pack_uint8(&p, RECORD_FORMAT);
	bad |= pack_cstr(&p, "type");
	bad |= pack_cstr(&p, f->type);
	bad |= pack_cstr(&p, "school");
	bad |= pack_cstr(&p, f->school);
	bad |= pack_cstr(&p, "subject");
	bad |= pack_cstr(&p, f->subject);
	bad |= pack_cstr(&p, "author");
	bad |= msgpack_pack_bin(&p, RECORD_KEY_BYTES);
	bad |= msgpack_pack_bin_body(&p, pk, RECORD_KEY_BYTES);
	bad |= pack_cstr(&p, "hlc");
	bad |= msgpack_pack_uint64(&p, f->hlc);
	bad |= pack_cstr(&p, "parents");
	bad |= msgpack_pack_array(&p, f->nparents);
	for (size_t i = 0; i < f->nparents; i++) {
		bad |= msgpack_pack_bin(&p, RECORD_ID_BYTES);
		bad |= msgpack_pack_bin_body(&p, f->parents[i], RECORD_ID_BYTES);
	}
	bad |= pack_cstr(&p, "auth");
	bad |= msgpack_pack_array(&p, f->nauth);
	for (size_t i = 0; i < f->nauth; i++) {
		bad |= msgpack_pack_bin(&p, RECORD_ID_BYTES);
		bad |= msgpack_pack_bin_body(&p, f->auth[i], RECORD_ID_BYTES);
	}
	bad |= pack_cstr(&p, "body");
	rc = kn_buf_put(&payload, f->body, f->body_len);
	if (rc)
		goto out_free;
	if (bad || payload.ptr == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while encoding a record");
		goto out_free;
	}
	if (payload.len + RECORD_SIG_BYTES + 16 > RECORD_MAX_BYTES) {
		rc = kn_error_set(KN_ETOOBIG, "body", "record of %zu bytes exceeds the limit of %d bytes",
		    payload.len, RECORD_MAX_BYTES);
		goto out_free;
	}
	crypto_sign_detached(sig, NULL, payload.ptr, payload.len, sk);
	if (id)
		record_id_of(id, payload.ptr, payload.len);

	size_t start = out->len;
	msgpack_packer_init(&p, out, kn_buf_msgpack_write);
	bad |= msgpack_pack_array(&p, 2);
	bad |= msgpack_pack_bin(&p, payload.len);
	bad |= msgpack_pack_bin_body(&p, payload.ptr, payload.len);
	bad |= msgpack_pack_bin(&p, RECORD_SIG_BYTES);
	bad |= msgpack_pack_bin_body(&p, sig, RECORD_SIG_BYTES);
	if (bad) {
		out->len = start;
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while encoding a record");
		goto out_free;
	}
	rc = 0;
out_free:
	kn_buf_free(&payload);
	return rc;
}

/* KN_EBADREC: an Indonesian sentence (REKAMAN_RUSAK) around the technical detail, for whoever repairs the sender. */
static int
bad(const char *what)
{
	return domain_msg_error(KN_EBADREC, "record", "REKAMAN_RUSAK", "sebab", what, NULL);
}

/*
 * KN_EBADREC carrying the scanner's message. The message is copied first:
 * passing kn_error_message() straight to kn_error_set() would format the
 * last-error buffer into itself.
 */
static int
bad_scan(const char *what)
{
	char why[300];

	snprintf(why, sizeof(why), "%s: %s", what, kn_error_message());
	return domain_msg_error(KN_EBADREC, "record", "REKAMAN_RUSAK", "sebab", why, NULL);
}

/*
 * Find the author key inside an unverified payload: the only field read
 * before the signature is checked, because it names the key to check with.
 */
static int
find_author(const msgpack_object *map, const uint8_t **out)
{
	const msgpack_object *a = kn_map_get(map, "author");

	if (a == NULL || a->type != MSGPACK_OBJECT_BIN || a->via.bin.size != RECORD_KEY_BYTES)
		return bad("author must be a 32-byte Ed25519 public key");
	*out = (const uint8_t *)a->via.bin.ptr;
	return 0;
}

/*
 * qsort order of string keys: by length, then by bytes. Any total order
 * will do; it only has to put equal keys next to each other.
 */
static int
key_cmp(const void *a, const void *b)
{
	const msgpack_object *ka = *(const msgpack_object *const *)a;
	const msgpack_object *kb = *(const msgpack_object *const *)b;

	if (ka->via.str.size != kb->via.str.size)
		return ka->via.str.size < kb->via.str.size ? -1 : 1;
	return memcmp(ka->via.str.ptr, kb->via.str.ptr, ka->via.str.size);
}

/*
 * One meaning per signed record: no string key twice in the body map.
 * The string keys are sorted and neighbours compared, O(n log n): a body
 * near the record limit holds thousands of keys, and comparing every pair
 * took a fifth of a second per record. Keys of other types are not
 * compared (the domain reads string keys only). Returns 0, KN_EBADREC for
 * a duplicate, or KN_ENOMEM.
 */
static int
check_body_keys(const msgpack_object *body)
{
	const msgpack_object **keys;
	uint32_t n = 0;
	int rc = 0;

	if (body->via.map.size < 2)
		return 0;
	keys = malloc(body->via.map.size * sizeof(*keys));
	if (keys == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory while checking a record body");
	for (uint32_t i = 0; i < body->via.map.size; i++)
		if (body->via.map.ptr[i].key.type == MSGPACK_OBJECT_STR)
			keys[n++] = &body->via.map.ptr[i].key;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (uint32_t i = 1; i < n; i++) {
		if (key_cmp(&keys[i - 1], &keys[i]) == 0) {
			rc = bad("duplicate key in body");
			goto out_free;
		}
	}
out_free:
	free(keys);
	return rc;
}

/*
 * A MessagePack header at rec[*off]: a fixarray (fix = 0x90, first = 0xdc:
 * array16, array32) or a bin (fix = 0, first = 0xc4: bin8, bin16, bin32).
 * Its count or length into *n, *off past the header; -1 when it is not one.
 */
static int
mp_head(const uint8_t *rec, size_t len, size_t *off, uint8_t fix, uint8_t first, size_t *n)
{
	static const size_t width[3] = { 1, 2, 4 };
	size_t o = *off, w;
	uint8_t b;

	if (o >= len)
		return -1;
	b = rec[o++];
	if (fix && (b & 0xf0) == fix) {
		*n = b & 0x0f;
		*off = o;
		return 0;
	}
	if (b < first || b > first + (fix ? 1 : 2))
		return -1;
	w = fix ? width[b - first + 1] : width[b - first];
	if (len - o < w)
		return -1;
	*n = 0;
	for (size_t i = 0; i < w; i++)
		*n = *n << 8 | rec[o + i];
	*off = o + w;
	return 0;
}

/*
 * Open a record: every check of record_open() when verify is set. Without
 * it (record_open_stored(): bytes that passed all of them before they were
 * stored) the signature, the bounded-structure scan and the duplicate body
 * key check are left out; the id, the schema and the exact length are
 * still checked, so damaged bytes are refused as altered, not trusted.
 */
static int
record__open(record_view *out, const uint8_t *rec, size_t len, const uint8_t want_id[RECORD_ID_BYTES], int verify)
{
	size_t off = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > RECORD_MAX_BYTES)
		return domain_msg_error(KN_EBADREC, "record", "REKAMAN_TERLALU_BESAR", "ukuran", domain_msg_num(len).s, "maks",
		    domain_msg_num(RECORD_MAX_BYTES).s, NULL);
	/* bounded structure (depth, sizes, UTF-8): once, before a record is trusted; see record_open_stored */
	if (verify && kn_mpscan_exact(rec, len, RECORD_MAX_BYTES) != 0)
		return bad_scan("malformed record");
	/* [payload, signature]: read by hand, no zone for an array of two bins (any of their encodings) */
	size_t n2, plen, slen;
	if (mp_head(rec, len, &off, 0x90, 0xdc, &n2) != 0 || mp_head(rec, len, &off, 0, 0xc4, &plen) != 0 ||
	    plen > len - off) {
		return bad("not a MessagePack object");
	}
	out->payload = rec + off;
	out->payload_len = plen;
	off += plen;
	if (n2 != 2 || mp_head(rec, len, &off, 0, 0xc4, &slen) != 0 || slen != RECORD_SIG_BYTES || len - off != slen)
		return bad("a record is [payload, signature] with a 64-byte signature");
	out->sig = rec + off;

	record_id_of(out->id, out->payload, out->payload_len);
	if (want_id && sodium_memcmp(out->id, want_id, RECORD_ID_BYTES) != 0)
		return domain_msg_error(KN_EBADSIG, "record", "REKAMAN_ID_TIDAK_COCOK", NULL);

	if (verify && (rc = kn_mpscan_exact(out->payload, out->payload_len, RECORD_MAX_BYTES)))
		return bad_scan("malformed record payload");
	msgpack_unpacked_init(&out->up);
	off = 0;
	if (msgpack_unpack_next(&out->up, (const char *)out->payload, out->payload_len, &off) != MSGPACK_UNPACK_SUCCESS ||
	    off != out->payload_len) {
		rc = bad("payload is not MessagePack");
		goto out_destroy;
	}
	const msgpack_object *map = &out->up.data;
	if (map->type != MSGPACK_OBJECT_MAP) {
		rc = bad("payload must be a map");
		goto out_destroy;
	}
	rc = find_author(map, &out->author);
	if (rc)
		goto out_destroy;
	if (verify && crypto_sign_verify_detached(out->sig, out->payload, out->payload_len, out->author) != 0) {
		rc = domain_msg_error(KN_EBADSIG, "signature", "REKAMAN_TANDA_TANGAN_TIDAK_SAH", NULL);
		goto out_destroy;
	}

	/* Signed: now check the schema, strictly. Format 1 had no "auth". */
	if (map->via.map.size < 8 || map->via.map.size > 9) {
		rc = bad("payload must have exactly the keys v, type, school, subject, author, hlc, parents, auth, body");
		goto out_destroy;
	}
	unsigned seen = 0, version = 0;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key, *v = &map->via.map.ptr[i].val;
		unsigned bit;
		if (kn_map_key_is(k, "v")) {
			bit = 1;
			if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 < 1 || v->via.u64 > RECORD_FORMAT) {
				rc = bad("unsupported format version v");
				goto out_destroy;
			}
			version = (unsigned)v->via.u64;
		} else if (kn_map_key_is(k, "type")) {
			bit = 2;
			if (v->type != MSGPACK_OBJECT_STR || !check_type(v->via.str.ptr, v->via.str.size)) {
				rc = bad("type must be 1-32 of a-z, 0-9, '_' or '.'");
				goto out_destroy;
			}
			out->type = v->via.str.ptr;
			out->type_len = v->via.str.size;
		} else if (kn_map_key_is(k, "school")) {
			bit = 4;
			if (v->type != MSGPACK_OBJECT_STR || !check_school(v->via.str.ptr, v->via.str.size)) {
				rc = bad("school must be an 8-digit NPSN");
				goto out_destroy;
			}
			out->school = v->via.str.ptr;
			out->school_len = v->via.str.size;
		} else if (kn_map_key_is(k, "subject")) {
			bit = 8;
			if (v->type != MSGPACK_OBJECT_STR || !check_subject(v->via.str.ptr, v->via.str.size)) {
				rc = bad("subject must be 1-128 visible characters without '/'");
				goto out_destroy;
			}
			out->subject = v->via.str.ptr;
			out->subject_len = v->via.str.size;
		} else if (kn_map_key_is(k, "author")) {
			bit = 16;
		} else if (kn_map_key_is(k, "hlc")) {
			bit = 32;
			if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
				rc = bad("hlc must be an unsigned integer");
				goto out_destroy;
			}
			out->hlc = v->via.u64;
		} else if (kn_map_key_is(k, "parents")) {
			bit = 64;
			if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > RECORD_MAX_PARENTS) {
				rc = bad("parents must be an array of at most 16 record ids");
				goto out_destroy;
			}
			for (uint32_t j = 0; j < v->via.array.size; j++) {
				if (v->via.array.ptr[j].type != MSGPACK_OBJECT_BIN ||
				    v->via.array.ptr[j].via.bin.size != RECORD_ID_BYTES) {
					rc = bad("each parent must be a 32-byte record id");
					goto out_destroy;
				}
			}
			out->parents = v;
		} else if (kn_map_key_is(k, "auth")) {
			bit = 256;
			if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > RECORD_MAX_AUTH) {
				rc = bad("auth must be an array of at most 6 record ids");
				goto out_destroy;
			}
			for (uint32_t j = 0; j < v->via.array.size; j++) {
				if (v->via.array.ptr[j].type != MSGPACK_OBJECT_BIN ||
				    v->via.array.ptr[j].via.bin.size != RECORD_ID_BYTES) {
					rc = bad("each auth entry must be a 32-byte record id");
					goto out_destroy;
				}
			}
			out->auth = v;
		} else if (kn_map_key_is(k, "body")) {
			bit = 128;
			if (v->type != MSGPACK_OBJECT_MAP) {
				rc = bad("body must be a map");
				goto out_destroy;
			}
			if (verify && (rc = check_body_keys(v)))
				goto out_destroy;
			out->body = v;
		} else {
			rc = bad("unknown key in payload");
			goto out_destroy;
		}
		if (seen & bit) {
			rc = bad("duplicate key in payload");
			goto out_destroy;
		}
		seen |= bit;
	}
	/* every key once: format 1 without auth, format 2 with it */
	if (seen != (version == 1 ? 255u : 511u)) {
		rc = bad(version == 1 ? "payload must have exactly the keys v, type, school, subject, author, hlc, parents, body (format 1)" :
		    "payload must have exactly the keys v, type, school, subject, author, hlc, parents, auth, body");
		goto out_destroy;
	}
	out->raw = rec;
	out->raw_len = len;
	return 0;

out_destroy:
	msgpack_unpacked_destroy(&out->up);
	memset(out, 0, sizeof(*out));
	return rc;
}

/* See record.h: everything checked, the signature first. */
int
record_open(record_view *out, const uint8_t *rec, size_t len, const uint8_t want_id[RECORD_ID_BYTES])
{
	return record__open(out, rec, len, want_id, 1);
}

/* See record_int.h: the same checks but the signature's, for bytes the store verified before writing them. */
int
record_open_stored(record_view *out, const uint8_t *rec, size_t len, const uint8_t id[RECORD_ID_BYTES])
{
	return record__open(out, rec, len, id, 0);
}

void
record_view_free(record_view *v)
{
	if (v == NULL || v->payload == NULL)
		return;
	msgpack_unpacked_destroy(&v->up);
	memset(v, 0, sizeof(*v));
}

size_t
record_doc_key(char *out, const record_view *v)
{
	size_t n = 0;

	memcpy(out + n, v->type, v->type_len);
	n += v->type_len;
	out[n++] = '/';
	memcpy(out + n, v->school, v->school_len);
	n += v->school_len;
	out[n++] = '/';
	memcpy(out + n, v->subject, v->subject_len);
	n += v->subject_len;
	out[n] = '\0';
	return n;
}

size_t
record_nparents(const record_view *v)
{
	return v->parents ? v->parents->via.array.size : 0;
}

const uint8_t *
record_parent(const record_view *v, size_t i)
{
	return (const uint8_t *)v->parents->via.array.ptr[i].via.bin.ptr;
}

size_t
record_nauth(const record_view *v)
{
	return v->auth ? v->auth->via.array.size : 0;
}

const uint8_t *
record_auth(const record_view *v, size_t i)
{
	return (const uint8_t *)v->auth->via.array.ptr[i].via.bin.ptr;
}

uint64_t
record_hlc_next(uint64_t last, uint64_t now_ms)
{
	uint64_t wall = now_ms << 16;

	return wall > last ? wall : last + 1;
}
