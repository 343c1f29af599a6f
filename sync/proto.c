/*
 * proto.c - encoding and checking the messages of a sync session (see
 * proto.h for the table of types and keys).
 *
 * One table says which keys each type has; the encoder writes them in the
 * table's order and the decoder accepts a map whose keys are exactly that
 * set, each once, each value of its kind and within its bounds.
 */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

#include "../util/mpmap.h"
#include "../util/mpscan.h"

enum {
	K_T, K_V, K_NPSN, K_DEVICE, K_SW, K_NOW, K_CAPS, K_PULLED, K_WAITING, K_FP, K_COUNT, K_FEED, K_CODE, K_REASON,
	K_TEXT, K_UPTO, K_RECORDS, K_STORED, K_PRESENT, K_HELD, K_REFUSED, K_AT, K_AFTER, K_MAX, K_NEXT, K_MORE, K_IDS,
	K_M, K_NEED, K_HAVE, K_COMMITS, K_KEY, K_SIZE, K_OFF, K_DATA, K_VERIFIED, K_BAD, K_N
};

static const char *const knames[K_N] = {
	"t", "v", "npsn", "device", "sw", "now_ms", "caps", "pulled", "waiting", "fp", "count", "feed", "code", "reason",
	"text", "upto", "records", "stored", "present", "held", "refused", "at_ms", "after", "max", "next", "more", "ids",
	"m", "need", "have", "commits", "key", "size", "at", "data", "verified", "bad",
};

#define B(k) (1ull << (k))
static const struct {
	const char *name;
	uint64_t keys;
} types[SYNC_MSG_NTYPES] = {
	[SYNC_MSG_HELLO] = { "hello", B(K_T) | B(K_V) | B(K_NPSN) | B(K_DEVICE) | B(K_SW) | B(K_NOW) | B(K_CAPS) |
		B(K_PULLED) | B(K_WAITING) | B(K_FP) | B(K_COUNT) },
	[SYNC_MSG_WELCOME] = { "welcome", B(K_T) | B(K_NOW) | B(K_CAPS) | B(K_FP) | B(K_COUNT) | B(K_FEED) },
	[SYNC_MSG_ERROR] = { "error", B(K_T) | B(K_CODE) | B(K_REASON) | B(K_TEXT) },
	[SYNC_MSG_PUSH] = { "push", B(K_T) | B(K_UPTO) | B(K_RECORDS) },
	[SYNC_MSG_RECEIPT] = { "receipt", B(K_T) | B(K_UPTO) | B(K_STORED) | B(K_PRESENT) | B(K_HELD) | B(K_REFUSED) |
		B(K_AT) | B(K_FP) | B(K_COUNT) | B(K_FEED) },
	[SYNC_MSG_PULL] = { "pull", B(K_T) | B(K_AFTER) | B(K_MAX) },
	[SYNC_MSG_RECORDS] = { "records", B(K_T) | B(K_RECORDS) | B(K_NEXT) | B(K_MORE) | B(K_FP) | B(K_COUNT) | B(K_FEED) },
	[SYNC_MSG_WANT] = { "want", B(K_T) | B(K_IDS) },
	[SYNC_MSG_RECON] = { "recon", B(K_T) | B(K_M) },
	[SYNC_MSG_RECON_END] = { "recon_end", B(K_T) | B(K_NEED) | B(K_HAVE) },
	[SYNC_MSG_EV_OFFER] = { "ev_offer", B(K_T) | B(K_COMMITS) },
	[SYNC_MSG_EV_HAVE] = { "ev_have", B(K_T) | B(K_COMMITS) },
	[SYNC_MSG_EV_PACK] = { "ev_pack", B(K_T) | B(K_KEY) | B(K_SIZE) },
	[SYNC_MSG_EV_AT] = { "ev_at", B(K_T) | B(K_KEY) | B(K_OFF) },
	[SYNC_MSG_EV_CHUNK] = { "ev_chunk", B(K_T) | B(K_KEY) | B(K_OFF) | B(K_DATA) },
	[SYNC_MSG_EV_END] = { "ev_end", B(K_T) },
	[SYNC_MSG_EV_RECEIPT] = { "ev_receipt", B(K_T) | B(K_VERIFIED) | B(K_WAITING) | B(K_BAD) | B(K_AT) },
};

static const struct {
	const char *name;
	uint32_t bit;
} caps[] = {
	{ "records", SYNC_CAP_RECORDS },
	{ "evidence", SYNC_CAP_EVIDENCE },
};
#define NCAPS (sizeof(caps) / sizeof(caps[0]))

const char *
sync_msg_type_name(sync_msg_type t)
{
	return t > 0 && t < SYNC_MSG_NTYPES ? types[t].name : "?";
}

/* ---- checks shared by both directions ---- */

static int
npsn_ok(const char *s, size_t n)
{
	if (n != 8)
		return 0;
	for (size_t i = 0; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Printable ASCII of the given set: [a-z_] (codes) or [A-Z0-9_] (reasons) or any printable (versions). */
static int
word_ok(const char *s, size_t n, int kind)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (kind == 0 && !((c >= 'a' && c <= 'z') || c == '_'))
			return 0;
		if (kind == 1 && !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
		if (kind == 2 && (c < 0x21 || c > 0x7e))
			return 0;
	}
	return 1;
}

static int
text_ok(const char *s, size_t n)
{
	return n <= SYNC_PROTO_TEXT_MAX && kn_utf8_valid(s, n) && memchr(s, 0, n) == NULL;
}

/* A pack's key: its SHA-256, 64 lower-case hex digits. */
static int
key_ok(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* ---- encoding ---- */

static void
pk_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void
pk_bin(msgpack_packer *pk, const uint8_t *p, size_t n)
{
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, p, n);
}

static void
pk_ids(msgpack_packer *pk, const uint8_t (*ids)[SYNC_ID_BYTES], size_t n)
{
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++)
		pk_bin(pk, ids[i], SYNC_ID_BYTES);
}

/* The limits a receiver holds the message to, checked before it is sent. */
static int
encode_check(const sync_msg *m)
{
	size_t bytes = 0;

	if (m->type <= 0 || m->type >= SYNC_MSG_NTYPES)
		return kn_error_set(KN_EINVAL, "t", "unknown sync message type %d", (int)m->type);
	switch (m->type) {
	case SYNC_MSG_HELLO:
		if (!npsn_ok(m->npsn, strlen(m->npsn)))
			return kn_error_set(KN_EINVAL, "npsn", "a hello names the school's NPSN, 8 digits");
		if (strlen(m->sw) > SYNC_PROTO_SW_MAX || !word_ok(m->sw, strlen(m->sw), 2))
			return kn_error_set(KN_EINVAL, "sw", "a software version is 1 to %d printable characters", SYNC_PROTO_SW_MAX);
		break;
	case SYNC_MSG_ERROR:
		if (strlen(m->code) >= sizeof(m->code) || !word_ok(m->code, strlen(m->code), 0) ||
		    !word_ok(m->reason, strlen(m->reason), 1) || !text_ok(m->text, strlen(m->text)))
			return kn_error_set(KN_EINVAL, "text", "an error is a code, a reason code and a UTF-8 text of at most %d bytes",
			    SYNC_PROTO_TEXT_MAX);
		break;
	case SYNC_MSG_PUSH:
	case SYNC_MSG_RECORDS:
		if (m->nrecords > SYNC_PROTO_BATCH_RECORDS)
			return kn_error_set(KN_EINVAL, "records", "at most %d records in one message", SYNC_PROTO_BATCH_RECORDS);
		for (size_t i = 0; i < m->nrecords; i++) {
			if (m->records[i].len == 0 || m->records[i].len > SYNC_PROTO_RECORD_MAX)
				return kn_error_set(KN_EINVAL, "records", "a record is 1 to %d bytes", SYNC_PROTO_RECORD_MAX);
			bytes += m->records[i].len;
		}
		if (bytes > SYNC_PROTO_BATCH_BYTES)
			return kn_error_set(KN_EINVAL, "records", "at most %d bytes of records in one message", SYNC_PROTO_BATCH_BYTES);
		break;
	case SYNC_MSG_RECEIPT:
		if (m->nrefused > SYNC_PROTO_BATCH_RECORDS)
			return kn_error_set(KN_EINVAL, "refused", "at most %d refusals in one receipt", SYNC_PROTO_BATCH_RECORDS);
		for (size_t i = 0; i < m->nrefused; i++)
			if (!word_ok(m->refused[i].code, strlen(m->refused[i].code), 0) ||
			    !text_ok(m->refused[i].message, strlen(m->refused[i].message)))
				return kn_error_set(KN_EINVAL, "refused", "a refusal is a code and a UTF-8 text");
		break;
	case SYNC_MSG_WANT:
		if (m->nids > SYNC_PROTO_WANT_MAX)
			return kn_error_set(KN_EINVAL, "ids", "at most %d ids in one want", SYNC_PROTO_WANT_MAX);
		break;
	case SYNC_MSG_RECON_END:
		if (m->nids > SYNC_PROTO_IDS_MAX || m->nids2 > SYNC_PROTO_IDS_MAX)
			return kn_error_set(KN_EINVAL, "need", "at most %d ids in each list", SYNC_PROTO_IDS_MAX);
		break;
	case SYNC_MSG_EV_OFFER:
	case SYNC_MSG_EV_HAVE:
		if (m->ncommits > SYNC_PROTO_COMMITS_MAX)
			return kn_error_set(KN_EINVAL, "commits", "at most %d commits in one message", SYNC_PROTO_COMMITS_MAX);
		break;
	case SYNC_MSG_EV_PACK:
	case SYNC_MSG_EV_AT:
	case SYNC_MSG_EV_CHUNK:
		if (!key_ok(m->key, strlen(m->key)))
			return kn_error_set(KN_EINVAL, "key", "a pack is named by its SHA-256, 64 lower-case hex digits");
		if (m->type == SYNC_MSG_EV_PACK && (m->size == 0 || m->size > SYNC_PROTO_PACK_MAX))
			return kn_error_set(KN_EINVAL, "size", "a pack is 1 byte to 1 TiB");
		if (m->type == SYNC_MSG_EV_CHUNK && (m->data.len == 0 || m->data.len > SYNC_PROTO_CHUNK_MAX))
			return kn_error_set(KN_EINVAL, "data", "a chunk is 1 to %d bytes", SYNC_PROTO_CHUNK_MAX);
		break;
	case SYNC_MSG_RECON:
		if (m->m.len == 0 || kn_mpscan_exact(m->m.ptr, m->m.len, SYNC_PROTO_MESSAGE_MAX - 64) != 0)
			return kn_error_set(KN_EINVAL, "m", "a reconciliation payload is one MessagePack object");
		break;
	default:
		break;
	}
	return 0;
}

int
sync_msg_encode(kn_buf *out, const sync_msg *m)
{
	msgpack_packer pk;
	uint64_t keys;
	size_t n = 0;
	int rc;

	if ((rc = encode_check(m)))
		return rc;
	keys = types[m->type].keys;
	for (int k = 0; k < K_N; k++)
		n += (keys >> k) & 1;
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, n);
	for (int k = 0; k < K_N; k++) {
		if (!((keys >> k) & 1))
			continue;
		pk_str(&pk, knames[k]);
		switch (k) {
		case K_T: pk_str(&pk, types[m->type].name); break;
		case K_V: msgpack_pack_uint64(&pk, SYNC_PROTO_VERSION); break;
		case K_NPSN: pk_str(&pk, m->npsn); break;
		case K_DEVICE: pk_bin(&pk, m->device, SYNC_KEY_BYTES); break;
		case K_SW: pk_str(&pk, m->sw); break;
		case K_NOW: msgpack_pack_uint64(&pk, m->now_ms); break;
		case K_CAPS: {
			size_t nc = 0;
			for (size_t i = 0; i < NCAPS; i++)
				nc += (m->caps & caps[i].bit) != 0;
			msgpack_pack_array(&pk, nc);
			for (size_t i = 0; i < NCAPS; i++)
				if (m->caps & caps[i].bit)
					pk_str(&pk, caps[i].name);
			break;
		}
		case K_PULLED: msgpack_pack_uint64(&pk, m->pulled); break;
		case K_WAITING: msgpack_pack_uint64(&pk, m->waiting); break;
		case K_FP: pk_bin(&pk, m->fp, SYNC_FP_BYTES); break;
		case K_COUNT: msgpack_pack_uint64(&pk, m->count); break;
		case K_FEED: msgpack_pack_uint64(&pk, m->feed); break;
		case K_CODE: pk_str(&pk, m->code); break;
		case K_REASON: pk_str(&pk, m->reason); break;
		case K_TEXT: pk_str(&pk, m->text); break;
		case K_UPTO: msgpack_pack_uint64(&pk, m->upto); break;
		case K_RECORDS:
			msgpack_pack_array(&pk, m->nrecords);
			for (size_t i = 0; i < m->nrecords; i++)
				pk_bin(&pk, m->records[i].ptr, m->records[i].len);
			break;
		case K_STORED: msgpack_pack_uint64(&pk, m->stored); break;
		case K_PRESENT: msgpack_pack_uint64(&pk, m->present); break;
		case K_HELD: msgpack_pack_uint64(&pk, m->held); break;
		case K_REFUSED:
			msgpack_pack_array(&pk, m->nrefused);
			for (size_t i = 0; i < m->nrefused; i++) {
				const sync_refusal *r = &m->refused[i];
				msgpack_pack_map(&pk, 4);
				pk_str(&pk, "i");
				msgpack_pack_uint32(&pk, r->index);
				pk_str(&pk, "id");
				if (r->has_id)
					pk_bin(&pk, r->id, SYNC_ID_BYTES);
				else
					msgpack_pack_nil(&pk);
				pk_str(&pk, "code");
				pk_str(&pk, r->code);
				pk_str(&pk, "message");
				pk_str(&pk, r->message);
			}
			break;
		case K_AT: msgpack_pack_uint64(&pk, m->at_ms); break;
		case K_AFTER: msgpack_pack_uint64(&pk, m->after); break;
		case K_MAX: msgpack_pack_uint64(&pk, m->max); break;
		case K_NEXT: msgpack_pack_uint64(&pk, m->next); break;
		case K_MORE:
			if (m->more)
				msgpack_pack_true(&pk);
			else
				msgpack_pack_false(&pk);
			break;
		case K_IDS:
		case K_NEED: pk_ids(&pk, m->ids, m->nids); break;
		case K_HAVE: pk_ids(&pk, m->ids2, m->nids2); break;
		case K_M: pk_bin(&pk, m->m.ptr, m->m.len); break;
		case K_COMMITS:
			msgpack_pack_array(&pk, m->ncommits);
			for (size_t i = 0; i < m->ncommits; i++)
				pk_bin(&pk, m->commits[i], SYNC_PROTO_COMMIT_BYTES);
			break;
		case K_KEY: pk_str(&pk, m->key); break;
		case K_SIZE: msgpack_pack_uint64(&pk, m->size); break;
		case K_OFF: msgpack_pack_uint64(&pk, m->at); break;
		case K_DATA: pk_bin(&pk, m->data.ptr, m->data.len); break;
		case K_VERIFIED: msgpack_pack_uint64(&pk, m->verified); break;
		case K_BAD: msgpack_pack_uint64(&pk, m->bad); break;
		default: break;
		}
	}
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory encoding a sync message") : 0;
}

/* ---- decoding ---- */

static int
bad(const char *key, const char *what)
{
	return kn_error_set(KN_EPROTO, key, "sync message: %s %s", key, what);
}

static int
get_u64(uint64_t *out, const msgpack_object *o, const char *key)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return bad(key, "must be a whole number, 0 or more");
	*out = o->via.u64;
	return 0;
}

static int
get_str(char *out, size_t outsz, const msgpack_object *o, const char *key)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size >= outsz || memchr(o->via.str.ptr, 0, o->via.str.size))
		return bad(key, "must be a short string");
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return 0;
}

static int
get_bin(uint8_t *out, size_t n, const msgpack_object *o, const char *key)
{
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n)
		return bad(key, "has the wrong length");
	memcpy(out, o->via.bin.ptr, n);
	return 0;
}

/* A list of 32-byte ids, borrowed in place when the decoded bins are contiguous, else copied into slot. */
static int
get_ids(const uint8_t (**out)[SYNC_ID_BYTES], size_t *n, void **slot, const msgpack_object *o, const char *key,
    size_t max)
{
	uint8_t(*ids)[SYNC_ID_BYTES];

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return bad(key, "must be a list of ids");
	if (o->via.array.size > max)
		return kn_error_set(KN_ETOOBIG, key, "sync message: %s holds more than %zu ids", key, max);
	*n = o->via.array.size;
	if (*n == 0)
		return 0;
	ids = malloc(*n * SYNC_ID_BYTES);
	if (ids == NULL)
		return kn_error_set(KN_ENOMEM, key, "out of memory decoding a sync message");
	*slot = ids;
	for (size_t i = 0; i < *n; i++) {
		const msgpack_object *e = &o->via.array.ptr[i];
		if (e->type != MSGPACK_OBJECT_BIN || e->via.bin.size != SYNC_ID_BYTES)
			return bad(key, "holds an id that is not 32 bytes");
		memcpy(ids[i], e->via.bin.ptr, SYNC_ID_BYTES);
	}
	*out = (const uint8_t(*)[SYNC_ID_BYTES])ids;
	return 0;
}

/* A list of commit ids (20 bytes each), copied into slot. */
static int
get_commits(sync_msg *m, const msgpack_object *o)
{
	uint8_t(*c)[SYNC_PROTO_COMMIT_BYTES];

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return bad("commits", "must be a list of commit ids");
	if (o->via.array.size > SYNC_PROTO_COMMITS_MAX)
		return kn_error_set(KN_ETOOBIG, "commits", "sync message: more than %d commits", SYNC_PROTO_COMMITS_MAX);
	m->ncommits = o->via.array.size;
	if (m->ncommits == 0)
		return 0;
	c = malloc(m->ncommits * SYNC_PROTO_COMMIT_BYTES);
	if (c == NULL)
		return kn_error_set(KN_ENOMEM, "commits", "out of memory decoding a sync message");
	m->alloc_[2] = c;
	for (size_t i = 0; i < m->ncommits; i++) {
		const msgpack_object *e = &o->via.array.ptr[i];
		if (e->type != MSGPACK_OBJECT_BIN || e->via.bin.size != SYNC_PROTO_COMMIT_BYTES)
			return bad("commits", "holds an id that is not 20 bytes");
		memcpy(c[i], e->via.bin.ptr, SYNC_PROTO_COMMIT_BYTES);
	}
	m->commits = (const uint8_t(*)[SYNC_PROTO_COMMIT_BYTES])c;
	return 0;
}

static int
get_records(sync_msg *m, const msgpack_object *o)
{
	size_t bytes = 0;

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return bad("records", "must be a list of signed records");
	if (o->via.array.size > SYNC_PROTO_BATCH_RECORDS)
		return kn_error_set(KN_ETOOBIG, "records", "sync message: more than %d records in one message",
		    SYNC_PROTO_BATCH_RECORDS);
	m->nrecords = o->via.array.size;
	if (m->nrecords == 0)
		return 0;
	m->records = calloc(m->nrecords, sizeof(*m->records));
	if (m->records == NULL)
		return kn_error_set(KN_ENOMEM, "records", "out of memory decoding a sync message");
	m->alloc_[0] = m->records;
	for (size_t i = 0; i < m->nrecords; i++) {
		const msgpack_object *e = &o->via.array.ptr[i];
		if (e->type != MSGPACK_OBJECT_BIN || e->via.bin.size == 0 || e->via.bin.size > SYNC_PROTO_RECORD_MAX)
			return bad("records", "holds an element that is not a signed record (bin, at most 64 KiB)");
		m->records[i] = (sync_bytes){ (const uint8_t *)e->via.bin.ptr, e->via.bin.size };
		bytes += e->via.bin.size;
	}
	if (bytes > SYNC_PROTO_BATCH_BYTES)
		return kn_error_set(KN_ETOOBIG, "records", "sync message: more than %d bytes of records in one message",
		    SYNC_PROTO_BATCH_BYTES);
	return 0;
}

static int
get_refused(sync_msg *m, const msgpack_object *o)
{
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return bad("refused", "must be a list");
	if (o->via.array.size > SYNC_PROTO_BATCH_RECORDS)
		return kn_error_set(KN_ETOOBIG, "refused", "sync message: more than %d refusals", SYNC_PROTO_BATCH_RECORDS);
	m->nrefused = o->via.array.size;
	if (m->nrefused == 0)
		return 0;
	m->refused = calloc(m->nrefused, sizeof(*m->refused));
	if (m->refused == NULL)
		return kn_error_set(KN_ENOMEM, "refused", "out of memory decoding a sync message");
	m->alloc_[1] = m->refused;
	for (size_t i = 0; i < m->nrefused; i++) {
		const msgpack_object *e = &o->via.array.ptr[i], *v;
		sync_refusal *r = &m->refused[i];
		uint64_t idx = 0;
		if (e->type != MSGPACK_OBJECT_MAP || e->via.map.size != 4 || (v = kn_map_get(e, "i")) == NULL ||
		    get_u64(&idx, v, "refused") || idx >= SYNC_PROTO_BATCH_RECORDS)
			return bad("refused", "holds an entry that is not {i, id, code, message}");
		r->index = (uint32_t)idx;
		if ((v = kn_map_get(e, "id")) == NULL)
			return bad("refused", "holds an entry without an id");
		if (v->type != MSGPACK_OBJECT_NIL) {
			if (get_bin(r->id, SYNC_ID_BYTES, v, "refused"))
				return KN_EPROTO;
			r->has_id = 1;
		}
		if ((v = kn_map_get(e, "code")) == NULL || get_str(r->code, sizeof(r->code), v, "refused") ||
		    !word_ok(r->code, strlen(r->code), 0))
			return bad("refused", "holds an entry without a code");
		if ((v = kn_map_get(e, "message")) == NULL || v->type != MSGPACK_OBJECT_STR ||
		    !text_ok(v->via.str.ptr, v->via.str.size))
			return bad("refused", "holds an entry without a UTF-8 message of at most 400 bytes");
		memcpy(r->message, v->via.str.ptr, v->via.str.size);
		r->message[v->via.str.size] = '\0';
	}
	return 0;
}

static int
get_caps(uint32_t *out, const msgpack_object *o)
{
	*out = 0;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size > 16)
		return bad("caps", "must be a list of at most 16 names");
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		const msgpack_object *e = &o->via.array.ptr[i];
		if (e->type != MSGPACK_OBJECT_STR || e->via.str.size > 32)
			return bad("caps", "holds something that is not a short name");
		for (size_t c = 0; c < NCAPS; c++)
			if (kn_map_key_is(e, caps[c].name))
				*out |= caps[c].bit;
		/* a name this version does not know: a later phase the peer offers, ignored */
	}
	return 0;
}

/* One key's value into m. */
static int
decode_key(sync_msg *m, int k, const msgpack_object *v)
{
	const char *key = knames[k];
	uint64_t u = 0;
	int rc;

	switch (k) {
	case K_V:
		if ((rc = get_u64(&u, v, key)))
			return rc;
		if (u != SYNC_PROTO_VERSION)
			return bad(key, "is a protocol version this daemon does not speak");
		return 0;
	case K_NPSN:
		if ((rc = get_str(m->npsn, sizeof(m->npsn), v, key)))
			return rc;
		return npsn_ok(m->npsn, strlen(m->npsn)) ? 0 : bad(key, "must be 8 digits");
	case K_DEVICE: return get_bin(m->device, SYNC_KEY_BYTES, v, key);
	case K_SW:
		if ((rc = get_str(m->sw, sizeof(m->sw), v, key)))
			return rc;
		return word_ok(m->sw, strlen(m->sw), 2) ? 0 : bad(key, "must be printable");
	case K_NOW: return get_u64(&m->now_ms, v, key);
	case K_CAPS: return get_caps(&m->caps, v);
	case K_PULLED: return get_u64(&m->pulled, v, key);
	case K_WAITING: return get_u64(&m->waiting, v, key);
	case K_FP: return get_bin(m->fp, SYNC_FP_BYTES, v, key);
	case K_COUNT: return get_u64(&m->count, v, key);
	case K_FEED: return get_u64(&m->feed, v, key);
	case K_CODE:
		if ((rc = get_str(m->code, sizeof(m->code), v, key)))
			return rc;
		return word_ok(m->code, strlen(m->code), 0) ? 0 : bad(key, "must be an error code name");
	case K_REASON:
		if ((rc = get_str(m->reason, sizeof(m->reason), v, key)))
			return rc;
		return word_ok(m->reason, strlen(m->reason), 1) ? 0 : bad(key, "must be a message code");
	case K_TEXT:
		if (v->type != MSGPACK_OBJECT_STR || !text_ok(v->via.str.ptr, v->via.str.size))
			return bad(key, "must be UTF-8 text of at most 400 bytes");
		memcpy(m->text, v->via.str.ptr, v->via.str.size);
		m->text[v->via.str.size] = '\0';
		return 0;
	case K_UPTO: return get_u64(&m->upto, v, key);
	case K_RECORDS: return get_records(m, v);
	case K_STORED: return get_u64(&m->stored, v, key);
	case K_PRESENT: return get_u64(&m->present, v, key);
	case K_HELD: return get_u64(&m->held, v, key);
	case K_REFUSED: return get_refused(m, v);
	case K_AT: return get_u64(&m->at_ms, v, key);
	case K_AFTER: return get_u64(&m->after, v, key);
	case K_MAX: return get_u64(&m->max, v, key);
	case K_NEXT: return get_u64(&m->next, v, key);
	case K_MORE:
		if (v->type != MSGPACK_OBJECT_BOOLEAN)
			return bad(key, "must be true or false");
		m->more = v->via.boolean;
		return 0;
	case K_IDS:
		return get_ids(&m->ids, &m->nids, &m->alloc_[2], v, key, m->type == SYNC_MSG_WANT ? SYNC_PROTO_WANT_MAX : SYNC_PROTO_IDS_MAX);
	case K_NEED: return get_ids(&m->ids, &m->nids, &m->alloc_[2], v, key, SYNC_PROTO_IDS_MAX);
	case K_HAVE: return get_ids(&m->ids2, &m->nids2, &m->alloc_[3], v, key, SYNC_PROTO_IDS_MAX);
	case K_M:
		if (v->type != MSGPACK_OBJECT_BIN || v->via.bin.size == 0 ||
		    kn_mpscan_exact((const uint8_t *)v->via.bin.ptr, v->via.bin.size, SYNC_PROTO_MESSAGE_MAX) != 0)
			return bad(key, "must be one reconciliation message (MessagePack)");
		m->m = (sync_bytes){ (const uint8_t *)v->via.bin.ptr, v->via.bin.size };
		return 0;
	case K_COMMITS: return get_commits(m, v);
	case K_KEY:
		if ((rc = get_str(m->key, sizeof(m->key), v, key)))
			return rc;
		return key_ok(m->key, strlen(m->key)) ? 0 : bad(key, "must be a SHA-256, 64 lower-case hex digits");
	case K_SIZE:
		if ((rc = get_u64(&m->size, v, key)))
			return rc;
		return m->size > 0 && m->size <= SYNC_PROTO_PACK_MAX ? 0 : bad(key, "must be 1 byte to 1 TiB");
	case K_OFF:
		if ((rc = get_u64(&m->at, v, key)))
			return rc;
		return m->at <= SYNC_PROTO_PACK_MAX ? 0 : bad(key, "is past the largest pack");
	case K_DATA:
		if (v->type != MSGPACK_OBJECT_BIN)
			return bad(key, "must be bytes");
		if (v->via.bin.size > SYNC_PROTO_CHUNK_MAX)
			return kn_error_set(KN_ETOOBIG, key, "sync message: a chunk of more than %d bytes", SYNC_PROTO_CHUNK_MAX);
		if (v->via.bin.size == 0)
			return bad(key, "must not be empty");
		m->data = (sync_bytes){ (const uint8_t *)v->via.bin.ptr, v->via.bin.size };
		return 0;
	case K_VERIFIED: return get_u64(&m->verified, v, key);
	case K_BAD: return get_u64(&m->bad, v, key);
	default:
		return bad(key, "is not known");
	}
}

int
sync_msg_decode(sync_msg *out, const uint8_t *buf, size_t len)
{
	const msgpack_object *map, *t;
	uint64_t seen = 0, want;
	size_t off = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > SYNC_PROTO_MESSAGE_MAX)
		return kn_error_set(KN_ETOOBIG, "", "sync message of %zu bytes is over the limit of %d", len, SYNC_PROTO_MESSAGE_MAX);
	if ((rc = kn_mpscan_exact(buf, len, SYNC_PROTO_MESSAGE_MAX)) != 0)
		return kn_error_set(rc == KN_ETOOBIG ? KN_ETOOBIG : KN_EPROTO, "", "a sync message is one MessagePack object");
	msgpack_unpacked_init(&out->up_);
	out->has_up_ = 1;
	if (msgpack_unpack_next(&out->up_, (const char *)buf, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
		return kn_error_set(KN_EPROTO, "", "a sync message is one MessagePack object");
	map = &out->up_.data;
	if (map->type != MSGPACK_OBJECT_MAP || map->via.map.size > K_N)
		return kn_error_set(KN_EPROTO, "", "a sync message is a map of at most %d keys", K_N);
	t = kn_map_get(map, "t");
	if (t == NULL || t->type != MSGPACK_OBJECT_STR)
		return kn_error_set(KN_EPROTO, "t", "a sync message names its type in \"t\"");
	for (int i = 1; i < SYNC_MSG_NTYPES; i++)
		if (kn_map_key_is(t, types[i].name))
			out->type = (sync_msg_type)i;
	if (out->type == 0)
		return kn_error_set(KN_EPROTO, "t", "unknown sync message type");
	want = types[out->type].keys;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		int found = -1;
		for (int j = 0; j < K_N; j++)
			if (kn_map_key_is(k, knames[j]))
				found = j;
		if (found < 0 || !((want >> found) & 1))
			return kn_error_set(KN_EPROTO, "", "sync message %s: a key it does not have", types[out->type].name);
		if ((seen >> found) & 1)
			return kn_error_set(KN_EPROTO, knames[found], "sync message %s: key %s twice", types[out->type].name,
			    knames[found]);
		seen |= 1ull << found;
		if (found != K_T && (rc = decode_key(out, found, &map->via.map.ptr[i].val)))
			return rc;
	}
	if (seen != want)
		for (int j = 0; j < K_N; j++)
			if (((want >> j) & 1) && !((seen >> j) & 1))
				return kn_error_set(KN_EPROTO, knames[j], "sync message %s: key %s is missing", types[out->type].name,
				    knames[j]);
	return 0;
}

void
sync_msg_free(sync_msg *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < 4; i++)
		free(m->alloc_[i]);
	if (m->has_up_)
		msgpack_unpacked_destroy(&m->up_);
	memset(m, 0, sizeof(*m));
}
