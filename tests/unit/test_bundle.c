/*
 * test_bundle.c - the sneakernet bundle's bytes (sync/bundle.h): a bundle
 * written and read back gives the same header, records, pack and heads;
 * its signature verifies with the device key and with no other; and the
 * reader refuses, before anything is used: every cut, every flipped byte,
 * bytes after the end, wrong counts, a second pack, records after the
 * pack, a foreign format or version, a damaged header, and a trailer
 * whose checksum was recomputed over altered bytes but not re-signed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>
#include <sodium.h>

#include "../../sync/bundle.h"
#include "../../util/kn.h"

static uint8_t pk_[32], sk_[64], other_pk[32], other_sk[64];

static void
header(bundle_header *h, int up)
{
	memset(h, 0, sizeof(*h));
	h->up = up;
	memcpy(h->npsn, "20100001", 9);
	memcpy(h->device, pk_, 32);
	h->created_ms = 1700000000000ull;
	h->from = 3;
	h->to = 9;
}

/* A bundle of n records ("record i" bytes), with a pack when pack is set. */
static void
make(kn_buf *out, size_t n, int pack, const unsigned char *sk)
{
	bundle_header h;
	const char *heads[2] = { "0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef" };
	char rec[64];

	header(&h, 1);
	assert_int_equal(bundle_begin(out, &h), 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(rec, sizeof(rec), "record %zu", i);
		assert_int_equal(bundle_add_record(out, (const uint8_t *)rec, strlen(rec)), 0);
	}
	if (pack)
		assert_int_equal(bundle_add_pack(out, (const uint8_t *)"PACK....", 8, 3, heads, 2), 0);
	assert_int_equal(bundle_end(out, n, pack ? 3 : 0, pack ? 8 : 0, sk), 0);
}

static void
test_bundle__round_trip(void **state)
{
	kn_buf b = KN_BUF_INIT;
	bundle_view v;
	(void)state;

	make(&b, 5, 1, sk_);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), 0);
	assert_int_equal(v.h.up, 1);
	assert_string_equal(v.h.npsn, "20100001");
	assert_memory_equal(v.h.device, pk_, 32);
	assert_int_equal(v.h.from, 3);
	assert_int_equal(v.h.to, 9);
	assert_int_equal(v.h.created_ms, 1700000000000ull);
	assert_int_equal(v.n, 5);
	assert_int_equal(v.len[4], strlen("record 4"));
	assert_memory_equal(v.rec[4], "record 4", v.len[4]);
	assert_int_equal(v.pack_len, 8);
	assert_memory_equal(v.pack, "PACK....", 8);
	assert_int_equal(v.pack_objects, 3);
	assert_int_equal(v.nheads, 2);
	assert_string_equal(v.heads[1], "89abcdef0123456789abcdef0123456789abcdef");
	assert_int_equal(bundle_check_sig(&v, pk_), 0);
	/* another key: neither the header's device nor the signer */
	assert_int_equal(bundle_check_sig(&v, other_pk), KN_EBADSIG);
	bundle_view_free(&v);

	/* no records and no pack is a bundle too (nothing to carry) */
	kn_buf_clear(&b);
	make(&b, 0, 0, sk_);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), 0);
	assert_int_equal(v.n, 0);
	assert_null(v.pack);
	bundle_view_free(&v);
	kn_buf_free(&b);
}

/* Signed by another key than the header names: the signature check refuses it. */
static void
test_bundle__wrong_signer(void **state)
{
	kn_buf b = KN_BUF_INIT;
	bundle_view v;
	(void)state;

	make(&b, 2, 0, other_sk);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), 0);
	assert_int_equal(bundle_check_sig(&v, pk_), KN_EBADSIG);
	bundle_view_free(&v);
	kn_buf_free(&b);
}

/* Every cut and every flipped byte is refused by the parser or by the signature. */
static void
test_bundle__cut_and_flipped(void **state)
{
	kn_buf b = KN_BUF_INIT;
	bundle_view v;
	(void)state;

	make(&b, 4, 1, sk_);
	for (size_t cut = 0; cut < b.len; cut++) {
		assert_int_not_equal(bundle_parse(&v, b.ptr, cut), 0);
		assert_null(v.rec);
	}
	uint8_t *copy = malloc(b.len);
	assert_non_null(copy);
	for (size_t i = 0; i < b.len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			memcpy(copy, b.ptr, b.len);
			copy[i] ^= (uint8_t)(1u << bit);
			int rc = bundle_parse(&v, copy, b.len);
			if (rc == 0) {
				/* only the signature's own bytes (or the device key) can change and still parse: it must fail */
				assert_int_equal(bundle_check_sig(&v, pk_), KN_EBADSIG);
				bundle_view_free(&v);
			}
		}
	}
	free(copy);
	/* bytes after the end */
	kn_buf_put(&b, "\xc0", 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	kn_buf_free(&b);
}

static void
pstr(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* A trailer written by hand over b (hash recomputed), with these counts. */
static void
trailer(kn_buf *b, uint64_t end, uint64_t objs, uint64_t bytes)
{
	uint8_t sum[32], sig[64] = { 0 };
	msgpack_packer pk;

	crypto_generichash(sum, 32, b->ptr, b->len, NULL, 0);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5);
	pstr(&pk, "end");
	msgpack_pack_uint64(&pk, end);
	pstr(&pk, "pack_objects");
	msgpack_pack_uint64(&pk, objs);
	pstr(&pk, "pack_bytes");
	msgpack_pack_uint64(&pk, bytes);
	pstr(&pk, "blake2b");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, sum, 32);
	pstr(&pk, "sig");
	msgpack_pack_bin(&pk, 64);
	msgpack_pack_bin_body(&pk, sig, 64);
}

static void
test_bundle__structure_refused(void **state)
{
	const char *heads[1] = { "0123456789abcdef0123456789abcdef01234567" };
	kn_buf b = KN_BUF_INIT;
	bundle_header h;
	bundle_view v;
	msgpack_packer pk;
	(void)state;

	header(&h, 0);
	/* a count that does not match */
	bundle_begin(&b, &h);
	bundle_add_record(&b, (const uint8_t *)"r", 1);
	trailer(&b, 2, 0, 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "altered"));
	/* the right counts and checksum, but signed by no one: parses, the signature refuses */
	kn_buf_clear(&b);
	bundle_begin(&b, &h);
	bundle_add_record(&b, (const uint8_t *)"r", 1);
	trailer(&b, 1, 0, 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), 0);
	assert_int_equal(bundle_check_sig(&v, pk_), KN_EBADSIG);
	bundle_view_free(&v);
	/* two packs */
	kn_buf_clear(&b);
	bundle_begin(&b, &h);
	bundle_add_pack(&b, (const uint8_t *)"P", 1, 1, heads, 1);
	bundle_add_pack(&b, (const uint8_t *)"P", 1, 1, heads, 1);
	trailer(&b, 0, 1, 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	/* a record after the pack */
	kn_buf_clear(&b);
	bundle_begin(&b, &h);
	bundle_add_pack(&b, (const uint8_t *)"P", 1, 1, heads, 1);
	bundle_add_record(&b, (const uint8_t *)"r", 1);
	trailer(&b, 1, 1, 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	/* a pack whose bytes differ from the trailer's */
	kn_buf_clear(&b);
	bundle_begin(&b, &h);
	bundle_add_pack(&b, (const uint8_t *)"PP", 2, 1, heads, 1);
	trailer(&b, 0, 1, 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	/* a pack with a head that is not a commit id */
	kn_buf_clear(&b);
	bundle_begin(&b, &h);
	bundle_add_pack(&b, (const uint8_t *)"P", 1, 1, (const char *const[]){ "../../etc/passwd" }, 1);
	trailer(&b, 0, 1, 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	/* a record over 64 KiB */
	kn_buf_clear(&b);
	bundle_begin(&b, &h);
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_bin(&pk, BUNDLE_RECORD_MAX + 1);
	kn_buf_grow(&b, BUNDLE_RECORD_MAX + 1);
	memset(b.ptr + b.len, 'x', BUNDLE_RECORD_MAX + 1);
	b.len += BUNDLE_RECORD_MAX + 1;
	trailer(&b, 1, 0, 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	/* no trailer at all */
	kn_buf_clear(&b);
	bundle_begin(&b, &h);
	bundle_add_record(&b, (const uint8_t *)"r", 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "cut short"));
	/* another format; another version; a bad NPSN; something else first */
	static const struct {
		const char *key, *val;
	} bad[] = { { "format", "kinerja-records" }, { "npsn", "2010000x" }, { "dir", "sideways" }, { "v", "2" } };
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		kn_buf_clear(&b);
		msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 8);
		pstr(&pk, "format");
		pstr(&pk, strcmp(bad[k].key, "format") == 0 ? bad[k].val : BUNDLE_FORMAT);
		pstr(&pk, "v");
		msgpack_pack_uint8(&pk, strcmp(bad[k].key, "v") == 0 ? 2 : 1);
		pstr(&pk, "dir");
		pstr(&pk, strcmp(bad[k].key, "dir") == 0 ? bad[k].val : "up");
		pstr(&pk, "npsn");
		pstr(&pk, strcmp(bad[k].key, "npsn") == 0 ? bad[k].val : "20100001");
		pstr(&pk, "device");
		msgpack_pack_bin(&pk, 32);
		msgpack_pack_bin_body(&pk, pk_, 32);
		pstr(&pk, "created_ms");
		msgpack_pack_uint64(&pk, 1);
		pstr(&pk, "from");
		msgpack_pack_uint64(&pk, 0);
		pstr(&pk, "to");
		msgpack_pack_uint64(&pk, 0);
		trailer(&b, 0, 0, 0);
		assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	}
	kn_buf_clear(&b);
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_bin(&pk, 1);
	msgpack_pack_bin_body(&pk, "r", 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len), KN_EBADREC);
	assert_int_equal(bundle_parse(&v, (const uint8_t *)"", 0), KN_EBADREC);
	kn_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle__round_trip),
		cmocka_unit_test(test_bundle__wrong_signer),
		cmocka_unit_test(test_bundle__cut_and_flipped),
		cmocka_unit_test(test_bundle__structure_refused),
	};
	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(pk_, sk_);
	crypto_sign_keypair(other_pk, other_sk);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
