/*
 * verify.c - the CLI checks a record's signature itself. kinerjad sends
 * each record it shows with its "raw" bytes, the MessagePack array
 * [payload, signature] (both bin) as stored and signed; this file checks
 * the Ed25519 signature over exactly the payload bytes with the author
 * key named inside the payload, that the record id is the payload's
 * BLAKE2b-256, and that the fields the daemon decoded for display are the
 * signed ones. It uses libsodium and msgpack-c directly: the CLI does not
 * link the store's record code, so a fault there cannot vouch for itself.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../util/mpmap.h"
#include "../util/mpscan.h"
#include "cli.h"

#define VERIFY_RECORD_MAX (64 * 1024) /* the store's largest record */
#define VERIFY_KEY_BYTES crypto_sign_PUBLICKEYBYTES
#define VERIFY_ID_BYTES 32

/* Is o the bin of exactly n bytes (n = 0: any length)? */
static int
verify__bin(const msgpack_object *o, size_t n)
{
	return o && o->type == MSGPACK_OBJECT_BIN && (n == 0 || o->via.bin.size == n);
}

/* Does the str value of key in shown equal the str value of key in signed? */
static int
verify__same_str(const msgpack_object *shown, const msgpack_object *signd, const char *key)
{
	const msgpack_object *a = kn_map_get(shown, key), *b = kn_map_get(signd, key);

	return a && b && a->type == MSGPACK_OBJECT_STR && b->type == MSGPACK_OBJECT_STR &&
	    a->via.str.size == b->via.str.size && memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size) == 0;
}

/* Is the str value of key in shown the hex of the n bytes at bin? */
static int
verify__same_hex(const msgpack_object *shown, const char *key, const uint8_t *bin, size_t n)
{
	const msgpack_object *a = kn_map_get(shown, key);
	char hex[2 * 64 + 1];

	if (n > 64 || a == NULL || a->type != MSGPACK_OBJECT_STR || a->via.str.size != 2 * n)
		return 0;
	kn_hex(hex, bin, n);
	return memcmp(a->via.str.ptr, hex, 2 * n) == 0;
}

/* The shown parents (hex strings) are the signed ones (bin 32), in order. */
static int
verify__same_parents(const msgpack_object *shown, const msgpack_object *signd)
{
	const msgpack_object *a = kn_map_get(shown, "parents"), *b = kn_map_get(signd, "parents");

	if (a == NULL || b == NULL || a->type != MSGPACK_OBJECT_ARRAY || b->type != MSGPACK_OBJECT_ARRAY ||
	    a->via.array.size != b->via.array.size)
		return 0;
	for (uint32_t i = 0; i < a->via.array.size; i++) {
		const msgpack_object *h = &a->via.array.ptr[i], *p = &b->via.array.ptr[i];
		char hex[2 * VERIFY_ID_BYTES + 1];
		if (!verify__bin(p, VERIFY_ID_BYTES) || h->type != MSGPACK_OBJECT_STR || h->via.str.size != 2 * VERIFY_ID_BYTES)
			return 0;
		kn_hex(hex, (const uint8_t *)p->via.bin.ptr, VERIFY_ID_BYTES);
		if (memcmp(h->via.str.ptr, hex, 2 * VERIFY_ID_BYTES) != 0)
			return 0;
	}
	return 1;
}

/* Is the shown "doc" the signed type/school/subject? */
static int
verify__doc_is(const msgpack_object *shown, const msgpack_object *signd)
{
	const msgpack_object *doc = kn_map_get(shown, "doc");
	const char *keys[] = { "type", "school", "subject" };
	size_t off = 0;

	if (doc == NULL || doc->type != MSGPACK_OBJECT_STR)
		return 0;
	for (int i = 0; i < 3; i++) {
		const msgpack_object *f = kn_map_get(signd, keys[i]);
		if (f == NULL || f->type != MSGPACK_OBJECT_STR || off + f->via.str.size > doc->via.str.size ||
		    memcmp(doc->via.str.ptr + off, f->via.str.ptr, f->via.str.size) != 0)
			return 0;
		off += f->via.str.size;
		if (i < 2) {
			if (off >= doc->via.str.size || doc->via.str.ptr[off] != '/')
				return 0;
			off++;
		}
	}
	return off == doc->via.str.size;
}

/*
 * Unpack one bounded MessagePack object into up: scanned with kn_mpscan
 * first, so a declared size cannot make msgpack-c allocate more than the
 * bytes justify.
 */
static int
verify__unpack(msgpack_unpacked *up, const uint8_t *p, size_t n)
{
	size_t off = 0;

	if (kn_mpscan_exact(p, n, VERIFY_RECORD_MAX) != 0)
		return -1;
	return msgpack_unpack_next(up, (const char *)p, n, &off) == MSGPACK_UNPACK_SUCCESS ? 0 : -1;
}

/* See cli.h. Every check that fails says which, in why. */
int
client_record_verify(char *why, size_t whysz, const msgpack_object *rec)
{
	const msgpack_object *raw = kn_map_get(rec, "raw"), *pay, *sig, *author, *hlc, *shown_hlc;
	msgpack_unpacked outer, inner;
	uint8_t id[VERIFY_ID_BYTES];
	const char *bad = NULL; /* the message code of the first check that fails */

	msgpack_unpacked_init(&outer);
	msgpack_unpacked_init(&inner);
	if (!verify__bin(raw, 0)) {
		bad = "VERIFIKASI_TANPA_BYTE";
		goto out;
	}
	if (verify__unpack(&outer, (const uint8_t *)raw->via.bin.ptr, raw->via.bin.size) != 0 ||
	    outer.data.type != MSGPACK_OBJECT_ARRAY || outer.data.via.array.size != 2) {
		bad = "VERIFIKASI_BUKAN_PASANGAN";
		goto out;
	}
	pay = &outer.data.via.array.ptr[0];
	sig = &outer.data.via.array.ptr[1];
	if (!verify__bin(pay, 0) || !verify__bin(sig, crypto_sign_BYTES)) {
		bad = "VERIFIKASI_TANDA_TANGAN_64";
		goto out;
	}
	if (verify__unpack(&inner, (const uint8_t *)pay->via.bin.ptr, pay->via.bin.size) != 0 ||
	    inner.data.type != MSGPACK_OBJECT_MAP) {
		bad = "VERIFIKASI_PAYLOAD_MAP";
		goto out;
	}
	author = kn_map_get(&inner.data, "author");
	if (!verify__bin(author, VERIFY_KEY_BYTES)) {
		bad = "VERIFIKASI_TANPA_PENULIS";
		goto out;
	}
	if (crypto_sign_verify_detached((const unsigned char *)sig->via.bin.ptr, (const unsigned char *)pay->via.bin.ptr,
	    pay->via.bin.size, (const unsigned char *)author->via.bin.ptr) != 0) {
		bad = "VERIFIKASI_TANDA_TANGAN";
		goto out;
	}
	crypto_generichash(id, sizeof(id), (const unsigned char *)pay->via.bin.ptr, pay->via.bin.size, NULL, 0);
	if (!verify__same_hex(rec, "id", id, sizeof(id))) {
		bad = "VERIFIKASI_ID";
		goto out;
	}
	if (!verify__same_hex(rec, "author", (const uint8_t *)author->via.bin.ptr, VERIFY_KEY_BYTES)) {
		bad = "VERIFIKASI_PENULIS";
		goto out;
	}
	hlc = kn_map_get(&inner.data, "hlc");
	shown_hlc = kn_map_get(rec, "hlc");
	if (!verify__same_str(rec, &inner.data, "type") || !verify__same_str(rec, &inner.data, "school") ||
	    !verify__same_str(rec, &inner.data, "subject") || hlc == NULL || shown_hlc == NULL ||
	    hlc->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    !msgpack_object_equal(*hlc, *shown_hlc) || !verify__same_parents(rec, &inner.data)) {
		bad = "VERIFIKASI_KEPALA";
		goto out;
	}
	if (client_u64(rec, "time_ms") != hlc->via.u64 >> 16 || !verify__doc_is(rec, &inner.data)) {
		bad = "VERIFIKASI_WAKTU_DOKUMEN";
		goto out;
	}
	const msgpack_object *body = kn_map_get(&inner.data, "body"), *shown_body = kn_map_get(rec, "body");
	if (body == NULL || shown_body == NULL || !msgpack_object_equal(*body, *shown_body)) {
		bad = "VERIFIKASI_ISI";
		goto out;
	}
out:
	msgpack_unpacked_destroy(&inner);
	msgpack_unpacked_destroy(&outer);
	if (bad == NULL)
		return 0;
	domain_msg_error(KN_EBADSIG, "record", bad, NULL);
	snprintf(why, whysz, "%s", kn_error_message());
	return KN_EBADSIG;
}
