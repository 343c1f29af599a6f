/*
 * bundle.c - the sneakernet bundle's bytes (bundle.h): written in memory,
 * parsed and checked whole from untrusted bytes before anything of it is
 * used.
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

int
bundle_begin(kn_buf *out, const bundle_header *h)
{
	msgpack_packer pk;

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
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory") : 0;
}

int
bundle_add_record(kn_buf *out, const uint8_t *rec, size_t len)
{
	msgpack_packer pk;

	if (len > BUNDLE_RECORD_MAX)
		return kn_error_set(KN_ETOOBIG, "records", "a record of %zu bytes does not fit a bundle", len);
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_bin(&pk, len);
	msgpack_pack_bin_body(&pk, rec, len);
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory") : 0;
}

int
bundle_add_pack(kn_buf *out, const uint8_t *pack, size_t len, uint32_t objects, const char *const *heads,
    size_t nheads)
{
	msgpack_packer pk;

	if (nheads > BUNDLE_HEADS_MAX)
		return kn_error_set(KN_ETOOBIG, "heads", "too many evidence heads for one bundle");
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 3);
	pstr(&pk, "pack");
	msgpack_pack_bin(&pk, len);
	msgpack_pack_bin_body(&pk, pack, len);
	pstr(&pk, "objects");
	msgpack_pack_uint32(&pk, objects);
	pstr(&pk, "heads");
	msgpack_pack_array(&pk, nheads);
	for (size_t i = 0; i < nheads; i++)
		pstr(&pk, heads[i]);
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory") : 0;
}

/* What the device key signs: the context, then the hash. */
static void
sig_message(uint8_t m[sizeof(BUNDLE_SIG_CONTEXT) - 1 + 32], const uint8_t sum[32])
{
	memcpy(m, BUNDLE_SIG_CONTEXT, sizeof(BUNDLE_SIG_CONTEXT) - 1);
	memcpy(m + sizeof(BUNDLE_SIG_CONTEXT) - 1, sum, 32);
}

int
bundle_end(kn_buf *out, size_t records, uint32_t pack_objects, uint64_t pack_bytes, const unsigned char *sk)
{
	uint8_t sum[32], sig[64], m[sizeof(BUNDLE_SIG_CONTEXT) - 1 + 32];
	msgpack_packer pk;

	if (out->failed)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	crypto_generichash(sum, sizeof(sum), out->ptr, out->len, NULL, 0);
	sig_message(m, sum);
	crypto_sign_detached(sig, NULL, m, sizeof(m), sk);
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5);
	pstr(&pk, "end");
	msgpack_pack_uint64(&pk, records);
	pstr(&pk, "pack_objects");
	msgpack_pack_uint32(&pk, pack_objects);
	pstr(&pk, "pack_bytes");
	msgpack_pack_uint64(&pk, pack_bytes);
	pstr(&pk, "blake2b");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, sum, 32);
	pstr(&pk, "sig");
	msgpack_pack_bin(&pk, 64);
	msgpack_pack_bin_body(&pk, sig, 64);
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory") : 0;
}

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

int
bundle_parse(bundle_view *out, const uint8_t *data, size_t size)
{
	size_t off = 0, cap = 0;
	int state = 0, rc = 0; /* 0 header, 1 records, 2 after the pack, 3 after the trailer */
	msgpack_unpacked up;

	memset(out, 0, sizeof(*out));
	if (size > BUNDLE_BYTES_MAX)
		return kn_error_set(KN_ETOOBIG, "file", "a bundle holds at most 1 GiB");
	msgpack_unpacked_init(&up);
	while (off < size && rc == 0) {
		size_t flen = 0, pos = 0;
		kn_mpscan scan;
		kn_mpscan_init(&scan, state == 0 ? 4096 : size);
		int got = kn_mpscan_feed(&scan, data + off, size - off, &flen);
		if (got != 1) {
			rc = kn_error_set(KN_EBADREC, "file", "the bundle is cut short or damaged at byte %zu", off);
			break;
		}
		if (msgpack_unpack_next(&up, (const char *)data + off, flen, &pos) != MSGPACK_UNPACK_SUCCESS || pos != flen) {
			rc = kn_error_set(KN_EBADREC, "file", "the bundle is damaged at byte %zu", off);
			break;
		}
		const msgpack_object *o = &up.data;
		if (state == 0) {
			rc = parse_header(&out->h, o);
			state = 1;
		} else if (state == 1 && o->type == MSGPACK_OBJECT_BIN) {
			if (o->via.bin.size > BUNDLE_RECORD_MAX || out->n == BUNDLE_RECORDS_MAX) {
				rc = kn_error_set(KN_EBADREC, "file", "record %zu of the bundle is too large", out->n + 1);
				break;
			}
			if (out->n == cap) {
				size_t ncap = cap ? 2 * cap : 256;
				const uint8_t **nr = realloc(out->rec, ncap * sizeof(*nr));
				if (nr)
					out->rec = nr;
				size_t *nl = nr ? realloc(out->len, ncap * sizeof(*nl)) : NULL;
				if (nr == NULL || nl == NULL) {
					rc = kn_error_set(KN_ENOMEM, "", "out of memory");
					break;
				}
				out->len = nl;
				cap = ncap;
			}
			out->rec[out->n] = (const uint8_t *)o->via.bin.ptr;
			out->len[out->n++] = o->via.bin.size;
		} else if (state == 1 && o->type == MSGPACK_OBJECT_MAP && kn_map_get(o, "pack")) {
			const msgpack_object *p = kn_map_get(o, "pack"), *hs = kn_map_get(o, "heads");
			uint64_t objs = 0;
			if (o->via.map.size != 3 || p->type != MSGPACK_OBJECT_BIN || p->via.bin.size == 0 ||
			    map_u64(&objs, o, "objects") != 0 || objs > UINT32_MAX || hs == NULL ||
			    hs->type != MSGPACK_OBJECT_ARRAY || hs->via.array.size == 0 || hs->via.array.size > BUNDLE_HEADS_MAX) {
				rc = kn_error_set(KN_EBADREC, "file", "the bundle's evidence pack is damaged (byte %zu)", off);
				break;
			}
			if ((out->heads = calloc(hs->via.array.size, sizeof(*out->heads))) == NULL) {
				rc = kn_error_set(KN_ENOMEM, "", "out of memory");
				break;
			}
			for (uint32_t k = 0; k < hs->via.array.size && rc == 0; k++) {
				const msgpack_object *e = &hs->via.array.ptr[k];
				if (e->type != MSGPACK_OBJECT_STR || e->via.str.size != 40 ||
				    strspn(e->via.str.ptr, "0123456789abcdef") < 40)
					rc = kn_error_set(KN_EBADREC, "file", "the bundle's evidence heads are damaged (byte %zu)", off);
				else
					memcpy(out->heads[out->nheads++], e->via.str.ptr, 40);
			}
			if (rc)
				break;
			out->pack = (const uint8_t *)p->via.bin.ptr;
			out->pack_len = p->via.bin.size;
			out->pack_objects = (uint32_t)objs;
			state = 2;
		} else if ((state == 1 || state == 2) && o->type == MSGPACK_OBJECT_MAP && kn_map_get(o, "end")) {
			uint64_t end = 0, objs = 0, bytes = 0;
			const uint8_t *sum = map_bin(o, "blake2b", 32), *sig = map_bin(o, "sig", 64);
			uint8_t mine[32];
			if (o->via.map.size != 5 || map_u64(&end, o, "end") != 0 || map_u64(&objs, o, "pack_objects") != 0 ||
			    map_u64(&bytes, o, "pack_bytes") != 0 || sum == NULL || sig == NULL) {
				rc = kn_error_set(KN_EBADREC, "file", "the bundle's end (counts, checksum, signature) is damaged");
			} else if (end != out->n || objs != out->pack_objects || bytes != out->pack_len) {
				rc = kn_error_set(KN_EBADREC, "file",
				    "the bundle should hold %llu records and a pack of %llu bytes but holds %zu and %zu: it was altered",
				    (unsigned long long)end, (unsigned long long)bytes, out->n, out->pack_len);
			} else {
				crypto_generichash(mine, sizeof(mine), data, off, NULL, 0);
				if (sodium_memcmp(mine, sum, 32) != 0)
					rc = kn_error_set(KN_EBADREC, "file", "the bundle's checksum does not match its contents: it was altered");
				memcpy(out->sum, mine, 32);
				memcpy(out->sig, sig, 64);
			}
			state = 3;
		} else {
			rc = kn_error_set(KN_EBADREC, "file", "the bundle holds something unexpected at byte %zu", off);
		}
		off += flen;
		if (state == 3 && rc == 0 && off != size)
			rc = kn_error_set(KN_EBADREC, "file", "the bundle has bytes after its end");
	}
	msgpack_unpacked_destroy(&up);
	if (rc == 0 && state != 3)
		rc = kn_error_set(KN_EBADREC, "file", "the bundle is cut short: its end (counts, checksum, signature) is missing");
	if (rc)
		bundle_view_free(out);
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

void
bundle_view_free(bundle_view *v)
{
	free(v->rec);
	free(v->len);
	free(v->heads);
	memset(v, 0, sizeof(*v));
}
