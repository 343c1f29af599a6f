/*
 * bundle.c - the sneakernet bundle's bytes (bundle.h): written piece by
 * piece, read piece by piece from untrusted bytes, one object of the
 * stream in memory at a time; the caller uses nothing of a bundle before
 * the whole of it was read and its trailer checked.
 */
#include <msgpack.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mpmap.h"
#include "../util/mpscan.h"
#include "bundle.h"

static void
pstr(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* After appending to out from byte `from`: hash what was appended, or say out of memory. */
static int
w_done(bundle_writer *w, kn_buf *out, size_t from)
{
	if (out->failed)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	crypto_generichash_update(&w->hs, out->ptr + from, out->len - from);
	return 0;
}

static int
w_order(const char *what)
{
	return kn_error_set(KN_ESTATE, "", "bundle writer: %s out of order", what);
}

int
bundle_begin(bundle_writer *w, kn_buf *out, const bundle_header *h)
{
	msgpack_packer pk;
	size_t from = out->len;

	memset(w, 0, sizeof(*w));
	crypto_generichash_init(&w->hs, NULL, 0, 32);
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 8);
	pstr(&pk, "format");
	pstr(&pk, BUNDLE_FORMAT);
	pstr(&pk, "v");
	msgpack_pack_uint8(&pk, BUNDLE_VERSION);
	pstr(&pk, "dir");
	pstr(&pk, h->up ? "up" : "down");
	pstr(&pk, "npsn");
	pstr(&pk, h->npsn);
	pstr(&pk, "device");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, h->device, 32);
	pstr(&pk, "created_ms");
	msgpack_pack_uint64(&pk, h->created_ms);
	pstr(&pk, "from");
	msgpack_pack_uint64(&pk, h->from);
	pstr(&pk, "to");
	msgpack_pack_uint64(&pk, h->to);
	w->state = h->up ? 2 : 1; /* an up bundle carries no receipt */
	return w_done(w, out, from);
}

int
bundle_add_receipt(bundle_writer *w, kn_buf *out, const bundle_receipt *r)
{
	msgpack_packer pk;
	size_t from = out->len;

	if (w->state != 1)
		return w_order("the receipt");
	if (r->ncommits > BUNDLE_HEADS_MAX)
		return kn_error_set(KN_ETOOBIG, "commits", "too many commits for one receipt");
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 10);
	pstr(&pk, "receipt");
	msgpack_pack_uint64(&pk, r->upto);
	pstr(&pk, "from");
	msgpack_pack_uint64(&pk, r->from);
	pstr(&pk, "at_ms");
	msgpack_pack_uint64(&pk, r->at_ms);
	pstr(&pk, "stored");
	msgpack_pack_uint64(&pk, r->stored);
	pstr(&pk, "present");
	msgpack_pack_uint64(&pk, r->present);
	pstr(&pk, "held");
	msgpack_pack_uint64(&pk, r->held);
	pstr(&pk, "refused");
	msgpack_pack_uint64(&pk, r->refused);
	pstr(&pk, "verified");
	msgpack_pack_uint64(&pk, r->verified);
	pstr(&pk, "bad");
	msgpack_pack_uint64(&pk, r->bad);
	pstr(&pk, "commits");
	msgpack_pack_array(&pk, r->ncommits);
	for (size_t i = 0; i < r->ncommits; i++) {
		msgpack_pack_bin(&pk, 20);
		msgpack_pack_bin_body(&pk, r->commits[i], 20);
	}
	w->state = 2;
	return w_done(w, out, from);
}

int
bundle_add_record(bundle_writer *w, kn_buf *out, const uint8_t *rec, size_t len)
{
	msgpack_packer pk;
	size_t from = out->len;

	if (w->state < 1 || w->state > 3)
		return w_order("a record");
	if (len > BUNDLE_RECORD_MAX)
		return kn_error_set(KN_ETOOBIG, "records", "a record of %zu bytes does not fit a bundle", len);
	if (w->records == BUNDLE_RECORDS_MAX)
		return kn_error_set(KN_ETOOBIG, "records", "a bundle holds at most %d records", BUNDLE_RECORDS_MAX);
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_bin(&pk, len);
	msgpack_pack_bin_body(&pk, rec, len);
	w->state = 3;
	w->records++;
	return w_done(w, out, from);
}

int
bundle_pack_begin(bundle_writer *w, kn_buf *out, uint64_t size, uint32_t objects, const char *const *heads,
    size_t nheads)
{
	msgpack_packer pk;
	size_t from = out->len;

	if (w->state < 1 || w->state > 3)
		return w_order("the pack");
	if (nheads == 0 || nheads > BUNDLE_HEADS_MAX || size == 0)
		return kn_error_set(KN_ETOOBIG, "heads", "a pack needs bytes and 1 to %d heads", BUNDLE_HEADS_MAX);
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 3);
	pstr(&pk, "pack");
	msgpack_pack_uint64(&pk, size);
	pstr(&pk, "objects");
	msgpack_pack_uint32(&pk, objects);
	pstr(&pk, "heads");
	msgpack_pack_array(&pk, nheads);
	for (size_t i = 0; i < nheads; i++)
		pstr(&pk, heads[i]);
	w->state = 4;
	w->pack_size = size;
	w->pack_objects = objects;
	return w_done(w, out, from);
}

int
bundle_pack_data(bundle_writer *w, kn_buf *out, const uint8_t *data, size_t len)
{
	msgpack_packer pk;
	size_t from = out->len;

	if (w->state != 4 || len > w->pack_size - w->pack_at)
		return w_order("pack data");
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	while (len) {
		size_t n = len < BUNDLE_CHUNK_MAX ? len : BUNDLE_CHUNK_MAX;
		msgpack_pack_bin(&pk, n);
		msgpack_pack_bin_body(&pk, data, n);
		data += n;
		len -= n;
		w->pack_at += n;
	}
	if (w->pack_at == w->pack_size)
		w->state = 5;
	return w_done(w, out, from);
}

/* What the device key signs: the context, then the hash. */
static void
sig_message(uint8_t m[sizeof(BUNDLE_SIG_CONTEXT) - 1 + 32], const uint8_t sum[32])
{
	memcpy(m, BUNDLE_SIG_CONTEXT, sizeof(BUNDLE_SIG_CONTEXT) - 1);
	memcpy(m + sizeof(BUNDLE_SIG_CONTEXT) - 1, sum, 32);
}

int
bundle_end(bundle_writer *w, kn_buf *out, const unsigned char *sk)
{
	uint8_t sum[32], sig[64], m[sizeof(BUNDLE_SIG_CONTEXT) - 1 + 32];
	msgpack_packer pk;

	if (w->state < 1 || w->state == 4 || w->state == 6)
		return w_order("the end");
	crypto_generichash_final(&w->hs, sum, sizeof(sum));
	sig_message(m, sum);
	crypto_sign_detached(sig, NULL, m, sizeof(m), sk);
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5);
	pstr(&pk, "end");
	msgpack_pack_uint64(&pk, w->records);
	pstr(&pk, "pack_objects");
	msgpack_pack_uint32(&pk, w->pack_objects);
	pstr(&pk, "pack_bytes");
	msgpack_pack_uint64(&pk, w->pack_size);
	pstr(&pk, "blake2b");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, sum, 32);
	pstr(&pk, "sig");
	msgpack_pack_bin(&pk, 64);
	msgpack_pack_bin_body(&pk, sig, 64);
	w->state = 6;
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory") : 0;
}

/* ---- reading ---- */

struct bundle_reader {
	bundle_event_fn cb;
	void *arg;
	kn_buf buf;             /* bytes of objects not yet whole */
	size_t head;            /* buf's bytes before head are consumed */
	kn_mpscan scan;         /* on the object at head */
	uint64_t off;           /* file offset of buf[head] */
	int state;              /* 0 header, 1 after it (receipt allowed), 2 records, 3 pack bytes, 4 after the pack, 5 ended */
	int failed;
	crypto_generichash_state hs;
	bundle_view v;
	uint64_t pack_at;
	msgpack_unpacked up;
};

/* An unsigned integer entry of a map, or -1 when absent or not one. */
static int
map_u64(uint64_t *out, const msgpack_object *m, const char *key)
{
	const msgpack_object *o = kn_map_get(m, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -1;
	*out = o->via.u64;
	return 0;
}

/* A bin entry of exactly n bytes, or NULL. */
static const uint8_t *
map_bin(const msgpack_object *m, const char *key, size_t n)
{
	const msgpack_object *o = kn_map_get(m, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_BIN || (n && o->via.bin.size != n))
		return NULL;
	return (const uint8_t *)o->via.bin.ptr;
}

static int
parse_header(bundle_header *h, const msgpack_object *o)
{
	char fmt[32] = "", dir[8] = "", npsn[16] = "";
	const uint8_t *dev;
	uint64_t v = 0;

	if (o->type != MSGPACK_OBJECT_MAP || o->via.map.size != 8 || kn_map_str(fmt, sizeof(fmt), o, "format") != 0 ||
	    strcmp(fmt, BUNDLE_FORMAT) != 0)
		return kn_error_set(KN_EBADREC, "file", "this is not a Kinerja sync bundle ('kinerja sync export' makes them)");
	if (map_u64(&v, o, "v") != 0 || v != BUNDLE_VERSION)
		return kn_error_set(KN_EBADREC, "file", "the bundle is of version %llu; this kinerjad reads version %d",
		    (unsigned long long)v, BUNDLE_VERSION);
	if (kn_map_str(dir, sizeof(dir), o, "dir") != 0 || (strcmp(dir, "up") != 0 && strcmp(dir, "down") != 0) ||
	    kn_map_str(npsn, sizeof(npsn), o, "npsn") != 0 || strlen(npsn) != 8 || (dev = map_bin(o, "device", 32)) == NULL ||
	    map_u64(&h->created_ms, o, "created_ms") != 0 || map_u64(&h->from, o, "from") != 0 ||
	    map_u64(&h->to, o, "to") != 0)
		return kn_error_set(KN_EBADREC, "file", "the bundle's header is damaged");
	for (int i = 0; i < 8; i++)
		if (npsn[i] < '0' || npsn[i] > '9')
			return kn_error_set(KN_EBADREC, "file", "the bundle's header names no NPSN (8 digits)");
	h->up = strcmp(dir, "up") == 0;
	memcpy(h->npsn, npsn, 9);
	memcpy(h->device, dev, 32);
	return 0;
}

static int
parse_receipt(bundle_reader *r, const msgpack_object *o, uint64_t at)
{
	static const char *const keys[] = { "from", "at_ms", "stored", "present", "held", "refused", "verified", "bad" };
	bundle_receipt rc;
	uint64_t *vals[] = { &rc.from, &rc.at_ms, &rc.stored, &rc.present, &rc.held, &rc.refused, &rc.verified, &rc.bad };
	const msgpack_object *cs = kn_map_get(o, "commits");
	int ret;

	memset(&rc, 0, sizeof(rc));
	if (r->v.h.up || o->via.map.size != 10 || map_u64(&rc.upto, o, "receipt") != 0 || cs == NULL ||
	    cs->type != MSGPACK_OBJECT_ARRAY || cs->via.array.size > BUNDLE_HEADS_MAX)
		return kn_error_set(KN_EBADREC, "file", "the bundle's receipt is damaged (byte %llu)", (unsigned long long)at);
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (map_u64(vals[k], o, keys[k]) != 0)
			return kn_error_set(KN_EBADREC, "file", "the bundle's receipt is damaged (byte %llu)", (unsigned long long)at);
	if (rc.from > rc.upto)
		return kn_error_set(KN_EBADREC, "file", "the bundle's receipt is damaged (byte %llu)", (unsigned long long)at);
	if (cs->via.array.size && (rc.commits = malloc(cs->via.array.size * sizeof(*rc.commits))) == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	for (uint32_t k = 0; k < cs->via.array.size; k++) {
		const msgpack_object *e = &cs->via.array.ptr[k];
		if (e->type != MSGPACK_OBJECT_BIN || e->via.bin.size != 20) {
			free(rc.commits);
			return kn_error_set(KN_EBADREC, "file", "the bundle's receipt is damaged (byte %llu)", (unsigned long long)at);
		}
		memcpy(rc.commits[rc.ncommits++], e->via.bin.ptr, 20);
	}
	ret = 0;
	if (r->cb) {
		bundle_event ev = { .kind = BUNDLE_EV_RECEIPT, .h = &r->v.h, .receipt = &rc };
		ret = r->cb(r->arg, &ev);
	}
	free(rc.commits);
	r->v.has_receipt = 1;
	return ret;
}

static int
parse_pack(bundle_reader *r, const msgpack_object *o, uint64_t at)
{
	const msgpack_object *hs = kn_map_get(o, "heads");
	char(*heads)[41] = NULL;
	uint64_t size = 0, objs = 0;
	size_t n = 0;
	int ret = 0;

	if (o->via.map.size != 3 || map_u64(&size, o, "pack") != 0 || size == 0 || size > BUNDLE_BYTES_MAX ||
	    map_u64(&objs, o, "objects") != 0 || objs > UINT32_MAX || hs == NULL || hs->type != MSGPACK_OBJECT_ARRAY ||
	    hs->via.array.size == 0 || hs->via.array.size > BUNDLE_HEADS_MAX)
		return kn_error_set(KN_EBADREC, "file", "the bundle's evidence pack is damaged (byte %llu)", (unsigned long long)at);
	if ((heads = calloc(hs->via.array.size, sizeof(*heads))) == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	for (uint32_t k = 0; k < hs->via.array.size; k++) {
		const msgpack_object *e = &hs->via.array.ptr[k];
		if (e->type != MSGPACK_OBJECT_STR || e->via.str.size != 40 || strspn(e->via.str.ptr, "0123456789abcdef") < 40) {
			free(heads);
			return kn_error_set(KN_EBADREC, "file", "the bundle's evidence heads are damaged (byte %llu)",
			    (unsigned long long)at);
		}
		memcpy(heads[n++], e->via.str.ptr, 40);
	}
	r->v.pack_len = size;
	r->v.pack_objects = (uint32_t)objs;
	r->v.nheads = n;
	if (r->cb) {
		bundle_event ev = { .kind = BUNDLE_EV_PACK, .h = &r->v.h, .pack_size = size, .pack_objects = (uint32_t)objs,
			.heads = (const char(*)[41])heads, .nheads = n };
		ret = r->cb(r->arg, &ev);
	}
	free(heads);
	return ret;
}

static int
parse_end(bundle_reader *r, const msgpack_object *o)
{
	uint64_t end = 0, objs = 0, bytes = 0;
	const uint8_t *sum = map_bin(o, "blake2b", 32), *sig = map_bin(o, "sig", 64);
	uint8_t mine[32];

	if (o->via.map.size != 5 || map_u64(&end, o, "end") != 0 || map_u64(&objs, o, "pack_objects") != 0 ||
	    map_u64(&bytes, o, "pack_bytes") != 0 || sum == NULL || sig == NULL)
		return kn_error_set(KN_EBADREC, "file", "the bundle's end (counts, checksum, signature) is damaged");
	if (end != r->v.records || objs != r->v.pack_objects || bytes != r->v.pack_len)
		return kn_error_set(KN_EBADREC, "file",
		    "the bundle should hold %llu records and a pack of %llu bytes but holds %llu and %llu: it was altered",
		    (unsigned long long)end, (unsigned long long)bytes, (unsigned long long)r->v.records,
		    (unsigned long long)r->v.pack_len);
	crypto_generichash_final(&r->hs, mine, sizeof(mine));
	if (sodium_memcmp(mine, sum, 32) != 0)
		return kn_error_set(KN_EBADREC, "file", "the bundle's checksum does not match its contents: it was altered");
	memcpy(r->v.sum, mine, 32);
	memcpy(r->v.sig, sig, 64);
	if (r->cb) {
		bundle_event ev = { .kind = BUNDLE_EV_END, .h = &r->v.h };
		return r->cb(r->arg, &ev);
	}
	return 0;
}

/*
 * How many MessagePack objects the bytes p[0..n) hold (scanned well-formed
 * already), counting at most max + 1: msgpack-c allocates room for every
 * element a container declares, 24 bytes each, so a 4 MiB list of nils
 * would cost about 100 MB. No object of a bundle needs more than a heads
 * list's worth (BUNDLE_OBJECTS_MAX).
 */
#define BUNDLE_OBJECTS_MAX (BUNDLE_HEADS_MAX + 64)
static size_t
mp_objects(const uint8_t *p, size_t n, size_t max)
{
	size_t at = 0, count = 0;

	while (at < n && count <= max) {
		uint8_t b = p[at];
		uint64_t skip = 0;
		size_t head = 1;
		count++;
		if (b <= 0x7f || b >= 0xe0 || (b >= 0x80 && b <= 0x9f) || b == 0xc0 || b == 0xc2 || b == 0xc3) {
			/* fixint, fixmap, fixarray, nil, false, true: the header is the object (children follow) */
		} else if (b >= 0xa0 && b <= 0xbf) {
			skip = b & 0x1f;
		} else {
			static const uint8_t lens[] = {
				/* c4 bin8 */ 1, /* c5 */ 2, /* c6 */ 4, /* c7 ext8 */ 1, /* c8 */ 2, /* c9 */ 4, /* ca float */ 0,
				/* cb */ 0, /* cc uint8 */ 0, /* cd */ 0, /* ce */ 0, /* cf */ 0, /* d0 int8 */ 0, /* d1 */ 0, /* d2 */ 0,
				/* d3 */ 0, /* d4 fixext1 */ 0, /* d5 */ 0, /* d6 */ 0, /* d7 */ 0, /* d8 */ 0, /* d9 str8 */ 1,
				/* da */ 2, /* db */ 4, /* dc array16 */ 2, /* dd */ 4, /* de map16 */ 2, /* df */ 4,
			};
			static const uint8_t fixed[] = {
				/* c4..c9 */ 0, 0, 0, 1, 1, 1, /* ca float32 */ 4, /* cb */ 8, /* cc..cf */ 1, 2, 4, 8,
				/* d0..d3 */ 1, 2, 4, 8, /* d4..d8 fixext */ 2, 3, 5, 9, 17, /* d9..df */ 0, 0, 0, 0, 0, 0, 0,
			};
			if (b < 0xc4)
				return max + 1; /* 0xc1 is never used: the scanner refused it already */
			size_t k = b - 0xc4, l = lens[k];
			if (at + 1 + l > n)
				return max + 1;
			for (size_t i = 0; i < l; i++)
				skip = skip << 8 | p[at + 1 + i];
			head = 1 + l;
			if (b >= 0xdc)
				skip = 0; /* a container's count, not bytes */
			skip += fixed[k];
		}
		if (skip > n - at - head)
			return max + 1;
		at += head + (size_t)skip;
	}
	return count;
}

/* One whole object of flen bytes at p (file offset at). */
static int
take(bundle_reader *r, const uint8_t *p, size_t flen, uint64_t at)
{
	size_t pos = 0;
	int rc;

	if (r->state == 5)
		return kn_error_set(KN_EBADREC, "file", "the bundle has bytes after its end");
	if (p[0] < 0xc4 || p[0] > 0xc6) {
		/* not a bin (a record or a pack piece): a map, whose elements msgpack-c allocates room for */
		if (mp_objects(p, flen, BUNDLE_OBJECTS_MAX) > BUNDLE_OBJECTS_MAX)
			return kn_error_set(KN_EBADREC, "file", "the bundle holds an object of too many parts at byte %llu",
			    (unsigned long long)at);
	}
	if (msgpack_unpack_next(&r->up, (const char *)p, flen, &pos) != MSGPACK_UNPACK_SUCCESS || pos != flen)
		return kn_error_set(KN_EBADREC, "file", "the bundle is damaged at byte %llu", (unsigned long long)at);
	const msgpack_object *o = &r->up.data;
	int is_end = o->type == MSGPACK_OBJECT_MAP && kn_map_get(o, "end") != NULL;

	if (!is_end)
		crypto_generichash_update(&r->hs, p, flen);
	if (r->state == 0) {
		if ((rc = parse_header(&r->v.h, o)))
			return rc;
		r->state = 1;
		if (r->cb) {
			bundle_event ev = { .kind = BUNDLE_EV_HEADER, .h = &r->v.h };
			return r->cb(r->arg, &ev);
		}
		return 0;
	}
	if (r->state == 3) {
		if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size == 0 || o->via.bin.size > BUNDLE_CHUNK_MAX ||
		    o->via.bin.size > r->v.pack_len - r->pack_at)
			return kn_error_set(KN_EBADREC, "file", "the bundle's evidence pack is cut or damaged at byte %llu",
			    (unsigned long long)at);
		uint64_t pat = r->pack_at;
		r->pack_at += o->via.bin.size;
		if (r->pack_at == r->v.pack_len)
			r->state = 4;
		if (r->cb) {
			bundle_event ev = { .kind = BUNDLE_EV_PACK_DATA, .h = &r->v.h, .data = (const uint8_t *)o->via.bin.ptr,
				.len = o->via.bin.size, .index = pat };
			return r->cb(r->arg, &ev);
		}
		return 0;
	}
	if ((r->state == 1 || r->state == 2) && o->type == MSGPACK_OBJECT_BIN) {
		if (o->via.bin.size > BUNDLE_RECORD_MAX || r->v.records == BUNDLE_RECORDS_MAX)
			return kn_error_set(KN_EBADREC, "file", "record %llu of the bundle is too large",
			    (unsigned long long)r->v.records + 1);
		r->state = 2;
		uint64_t i = r->v.records++;
		if (r->cb) {
			bundle_event ev = { .kind = BUNDLE_EV_RECORD, .h = &r->v.h, .data = (const uint8_t *)o->via.bin.ptr,
				.len = o->via.bin.size, .index = i };
			return r->cb(r->arg, &ev);
		}
		return 0;
	}
	if (r->state == 1 && o->type == MSGPACK_OBJECT_MAP && kn_map_get(o, "receipt")) {
		r->state = 2;
		return parse_receipt(r, o, at);
	}
	if ((r->state == 1 || r->state == 2) && o->type == MSGPACK_OBJECT_MAP && kn_map_get(o, "pack")) {
		r->state = 3;
		return parse_pack(r, o, at);
	}
	if (r->state != 3 && is_end) {
		r->state = 5;
		return parse_end(r, o);
	}
	return kn_error_set(KN_EBADREC, "file", "the bundle holds something unexpected at byte %llu", (unsigned long long)at);
}

int
bundle_reader_new(bundle_reader **out, bundle_event_fn cb, void *arg)
{
	bundle_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (r == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	r->cb = cb;
	r->arg = arg;
	crypto_generichash_init(&r->hs, NULL, 0, 32);
	kn_mpscan_init(&r->scan, 4096);
	msgpack_unpacked_init(&r->up);
	*out = r;
	return 0;
}

/* Scan and take the whole objects of p[0..len) (p starts at an object, at file offset off); *used = bytes taken. */
static int
take_all(bundle_reader *r, const uint8_t *p, size_t len, size_t *used)
{
	size_t done = 0;

	while (done < len) {
		size_t flen = 0;
		int got = kn_mpscan_feed(&r->scan, p + done, len - done, &flen);
		if (got == 0)
			break;
		if (got != 1)
			return kn_error_set(KN_EBADREC, "file", "the bundle is damaged at byte %llu", (unsigned long long)r->off);
		int rc = take(r, p + done, flen, r->off);
		if (rc)
			return rc;
		done += flen;
		r->off += flen;
		kn_mpscan_init(&r->scan, BUNDLE_OBJECT_MAX);
	}
	*used = done;
	return 0;
}

int
bundle_reader_feed(bundle_reader *r, const uint8_t *data, size_t len)
{
	size_t used = 0;
	int rc;

	if (r->failed)
		return kn_error_set(KN_EBADREC, "file", "the bundle was refused already");
	if (r->off + len + (r->buf.len - r->head) > BUNDLE_BYTES_MAX) {
		r->failed = 1;
		return kn_error_set(KN_ETOOBIG, "file", "a bundle holds at most 1 TiB");
	}
	/* the pending part of an object first: add bytes until it is whole, then go on in place */
	while (len && r->buf.len > r->head) {
		size_t flen = 0, n;
		if (r->head) {
			kn_buf_consume(&r->buf, r->head);
			r->head = 0;
		}
		/* add at most what this object can still need: never more than a chunk at a time */
		n = len < 65536 ? len : 65536;
		if ((rc = kn_buf_put(&r->buf, data, n))) {
			r->failed = 1;
			return rc;
		}
		data += n;
		len -= n;
		int got = kn_mpscan_feed(&r->scan, r->buf.ptr, r->buf.len, &flen);
		if (got == 0)
			continue;
		if (got != 1) {
			r->failed = 1;
			return kn_error_set(KN_EBADREC, "file", "the bundle is damaged at byte %llu", (unsigned long long)r->off);
		}
		/* the object is whole: take it, then the rest of what was added is taken in place */
		if ((rc = take(r, r->buf.ptr, flen, r->off))) {
			r->failed = 1;
			return rc;
		}
		r->off += flen;
		kn_mpscan_init(&r->scan, BUNDLE_OBJECT_MAX);
		size_t extra = r->buf.len - flen;
		/* the bytes after the object came from data: give them back */
		data -= extra;
		len += extra;
		r->buf.len = flen;
		r->head = flen;
	}
	if (r->head == r->buf.len) {
		kn_buf_clear(&r->buf);
		r->head = 0;
	}
	if (len == 0)
		return 0;
	if ((rc = take_all(r, data, len, &used))) {
		r->failed = 1;
		return rc;
	}
	/* keep the start of the next object; the scanner resumes on it */
	if (used < len && (rc = kn_buf_put(&r->buf, data + used, len - used))) {
		r->failed = 1;
		return rc;
	}
	return 0;
}

int
bundle_reader_finish(bundle_reader *r, bundle_view *out)
{
	memset(out, 0, sizeof(*out));
	if (r->failed)
		return kn_error_set(KN_EBADREC, "file", "the bundle was refused");
	if (r->state == 0 && r->buf.len == r->head)
		return kn_error_set(KN_EBADREC, "file", "the bundle is empty");
	if (r->buf.len > r->head)
		return kn_error_set(KN_EBADREC, "file", "the bundle is cut short or damaged at byte %llu", (unsigned long long)r->off);
	if (r->state != 5)
		return kn_error_set(KN_EBADREC, "file", "the bundle is cut short: its end (counts, checksum, signature) is missing");
	*out = r->v;
	return 0;
}

void
bundle_reader_free(bundle_reader *r)
{
	if (r == NULL)
		return;
	kn_buf_free(&r->buf);
	msgpack_unpacked_destroy(&r->up);
	free(r);
}

int
bundle_parse(bundle_view *out, const uint8_t *data, size_t size, bundle_event_fn cb, void *arg)
{
	bundle_reader *r;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = bundle_reader_new(&r, cb, arg)))
		return rc;
	rc = bundle_reader_feed(r, data, size);
	if (rc == 0)
		rc = bundle_reader_finish(r, out);
	bundle_reader_free(r);
	return rc;
}

int
bundle_check_sig(const bundle_view *v, const uint8_t pk[32])
{
	uint8_t m[sizeof(BUNDLE_SIG_CONTEXT) - 1 + 32];

	if (sodium_memcmp(v->h.device, pk, 32) != 0)
		return kn_error_set(KN_EBADSIG, "file", "the bundle was made by another device than the one expected");
	sig_message(m, v->sum);
	if (crypto_sign_verify_detached(v->sig, m, sizeof(m), pk) != 0)
		return kn_error_set(KN_EBADSIG, "file", "the bundle's signature does not verify: it was altered or forged");
	return 0;
}
