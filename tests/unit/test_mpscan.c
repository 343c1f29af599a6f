/*
 * test_mpscan.c - unit tests of util/mpscan.c, the bounded resumable scan
 * that finds where one MessagePack object ends before msgpack-c sees it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../util/kn.h"
#include "../../util/mpscan.h"

#define BIG_MAX (16u * 1024 * 1024)

/* One sample object. */
typedef struct {
	const char *name;
	kn_buf b;
} sample;

enum { N_SAMPLES = 40 };

typedef struct {
	sample s[N_SAMPLES];
	size_t n;
} samples;

static msgpack_packer *
new_sample(samples *all, const char *name, msgpack_packer *p)
{
	assert_true(all->n < N_SAMPLES);
	sample *s = &all->s[all->n++];
	s->name = name;
	msgpack_packer_init(p, &s->b, kn_buf_msgpack_write);
	return p;
}

/* A sample given as raw bytes (non-minimal or unusual encodings). */
static void
raw_sample(samples *all, const char *name, const void *bytes, size_t len)
{
	msgpack_packer p;

	new_sample(all, name, &p);
	assert_int_equal(kn_buf_put(&all->s[all->n - 1].b, bytes, len), 0);
}

static void
pack_cstr(msgpack_packer *p, const char *s)
{
	msgpack_pack_str(p, strlen(s));
	msgpack_pack_str_body(p, s, strlen(s));
}

/* Every kind of MessagePack element, alone and nested. */
static int
setup_samples(void **state)
{
	samples *all = calloc(1, sizeof(*all));
	msgpack_packer p;
	char text[400];
	static const uint8_t ext_data[300];

	assert_non_null(all);
	memset(text, 'k', sizeof(text));

	new_sample(all, "positive fixint", &p);
	msgpack_pack_uint8(&p, 7);
	new_sample(all, "negative fixint", &p);
	msgpack_pack_int8(&p, -3);
	new_sample(all, "nil", &p);
	msgpack_pack_nil(&p);
	new_sample(all, "true", &p);
	msgpack_pack_true(&p);
	new_sample(all, "uint8", &p);
	msgpack_pack_uint8(&p, 200);
	new_sample(all, "uint16", &p);
	msgpack_pack_uint16(&p, 60000);
	new_sample(all, "uint32", &p);
	msgpack_pack_uint32(&p, 4000000000u);
	new_sample(all, "uint64", &p);
	msgpack_pack_uint64(&p, UINT64_MAX);
	new_sample(all, "int8", &p);
	msgpack_pack_int8(&p, -100);
	new_sample(all, "int16", &p);
	msgpack_pack_int16(&p, -30000);
	new_sample(all, "int32", &p);
	msgpack_pack_int32(&p, -2000000000);
	new_sample(all, "int64", &p);
	msgpack_pack_int64(&p, INT64_MIN);
	new_sample(all, "float32", &p);
	msgpack_pack_float(&p, 1.5f);
	new_sample(all, "float64", &p);
	msgpack_pack_double(&p, -2.25);
	new_sample(all, "fixstr", &p);
	pack_cstr(&p, "guru");
	new_sample(all, "empty fixstr", &p);
	msgpack_pack_str(&p, 0);
	new_sample(all, "str8", &p);
	msgpack_pack_str(&p, 40);
	msgpack_pack_str_body(&p, text, 40);
	new_sample(all, "str16", &p);
	msgpack_pack_str(&p, 300);
	msgpack_pack_str_body(&p, text, 300);
	raw_sample(all, "str32", "\xdb\x00\x00\x00\x03" "abc", 8);
	new_sample(all, "bin8", &p);
	msgpack_pack_bin(&p, 5);
	msgpack_pack_bin_body(&p, "\x00\x01\x02\x03\x04", 5);
	new_sample(all, "bin16", &p);
	msgpack_pack_bin(&p, 256);
	msgpack_pack_bin_body(&p, text, 256);
	raw_sample(all, "bin32", "\xc6\x00\x00\x00\x02\xff\xfe", 7);
	raw_sample(all, "empty bin8", "\xc4\x00", 2);
	new_sample(all, "fixext1", &p);
	msgpack_pack_ext(&p, 1, 5);
	msgpack_pack_ext_body(&p, ext_data, 1);
	new_sample(all, "fixext16", &p);
	msgpack_pack_ext(&p, 16, -1);
	msgpack_pack_ext_body(&p, ext_data, 16);
	raw_sample(all, "fixext2, 4, 8 in an array",
	    "\x93" "\xd5\x01\xaa\xbb" "\xd6\x02\x01\x02\x03\x04" "\xd7\x03\x01\x02\x03\x04\x05\x06\x07\x08", 21);
	new_sample(all, "ext8", &p);
	msgpack_pack_ext(&p, 3, 7);
	msgpack_pack_ext_body(&p, ext_data, 3);
	new_sample(all, "ext16", &p);
	msgpack_pack_ext(&p, 300, 7);
	msgpack_pack_ext_body(&p, ext_data, 300);
	raw_sample(all, "ext32", "\xc9\x00\x00\x00\x02\x09\x01\x02", 8);
	raw_sample(all, "empty ext8", "\xc7\x00\x09", 3);
	raw_sample(all, "empty containers",
	    "\x96" "\x90" "\x80" "\xdc\x00\x00" "\xdd\x00\x00\x00\x00" "\xde\x00\x00" "\xdf\x00\x00\x00\x00", 19);
	raw_sample(all, "array16 and map32 with elements",
	    "\xdc\x00\x02" "\x01" "\xdf\x00\x00\x00\x01" "\xa1k" "\xc3", 12);

	new_sample(all, "nested maps and arrays", &p);
	msgpack_pack_map(&p, 3);
	pack_cstr(&p, "a");
	msgpack_pack_array(&p, 3);
	msgpack_pack_uint8(&p, 1);
	msgpack_pack_map(&p, 1);
	pack_cstr(&p, "b");
	msgpack_pack_array(&p, 3);
	msgpack_pack_nil(&p);
	msgpack_pack_true(&p);
	msgpack_pack_false(&p);
	msgpack_pack_array(&p, 0);
	pack_cstr(&p, "c");
	msgpack_pack_map(&p, 0);
	msgpack_pack_array(&p, 2); /* a key that is an array */
	msgpack_pack_double(&p, 3.0);
	msgpack_pack_bin(&p, 2);
	msgpack_pack_bin_body(&p, "\x01\x02", 2);
	msgpack_pack_map(&p, 1);
	msgpack_pack_uint64(&p, 1ull << 40);
	msgpack_pack_ext(&p, 2, 9);
	msgpack_pack_ext_body(&p, ext_data, 2);

	new_sample(all, "array of 20 mixed", &p);
	msgpack_pack_array(&p, 20);
	for (int i = 0; i < 20; i++) {
		if (i % 3 == 0)
			msgpack_pack_int64(&p, -(int64_t)i * 100000);
		else if (i % 3 == 1)
			pack_cstr(&p, "x");
		else
			msgpack_pack_array(&p, 0);
	}

	*state = all;
	return 0;
}

static int
teardown_samples(void **state)
{
	samples *all = *state;

	for (size_t i = 0; i < all->n; i++)
		kn_buf_free(&all->s[i].b);
	free(all);
	return 0;
}

/* One-shot scan of buf[0..len); returns the code, *out the length. */
static int
scan_once(const uint8_t *buf, size_t len, size_t max, size_t *out)
{
	kn_mpscan s;

	kn_mpscan_init(&s, max);
	*out = 0;
	return kn_mpscan_feed(&s, buf, len, out);
}

static void
test_mpscan__one_shot_lengths(void **state)
{
	samples *all = *state;

	for (size_t i = 0; i < all->n; i++) {
		size_t n;
		int rc = scan_once(all->s[i].b.ptr, all->s[i].b.len, BIG_MAX, &n);
		if (rc != 1 || n != all->s[i].b.len)
			fail_msg("%s: rc %d, length %zu, want 1, %zu", all->s[i].name, rc, n, all->s[i].b.len);
		assert_int_equal(kn_mpscan_exact(all->s[i].b.ptr, all->s[i].b.len, BIG_MAX), 0);
		/* msgpack-c agrees on where it ends. */
		msgpack_unpacked up;
		size_t off = 0;
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, (const char *)all->s[i].b.ptr, all->s[i].b.len, &off),
		    MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(off, n);
		msgpack_unpacked_destroy(&up);
	}
}

/*
 * Feed each sample one byte at a time, the buffer growing as bytes come, in
 * a heap block of exactly the bytes so far (so ASan sees any over-read).
 */
static void
test_mpscan__byte_by_byte(void **state)
{
	samples *all = *state;

	for (size_t i = 0; i < all->n; i++) {
		const kn_buf *b = &all->s[i].b;
		kn_mpscan s;
		size_t n = 0;

		kn_mpscan_init(&s, BIG_MAX);
		for (size_t k = 0; k <= b->len; k++) {
			uint8_t *part = malloc(k ? k : 1);
			assert_non_null(part);
			memcpy(part, b->ptr, k);
			int rc = kn_mpscan_feed(&s, part, k, &n);
			free(part);
			if (k < b->len && rc != 0)
				fail_msg("%s: after %zu of %zu bytes rc %d, want 0", all->s[i].name, k, b->len, rc);
			if (k == b->len && (rc != 1 || n != b->len))
				fail_msg("%s: at the end rc %d length %zu, want 1, %zu", all->s[i].name, rc, n, b->len);
		}
	}
}

/* The same, in uneven steps, over all samples packed in one array. */
static void
test_mpscan__uneven_steps(void **state)
{
	samples *all = *state;
	kn_buf b = KN_BUF_INIT;
	msgpack_packer p;

	msgpack_packer_init(&p, &b, kn_buf_msgpack_write);
	msgpack_pack_array(&p, all->n);
	for (size_t i = 0; i < all->n; i++)
		assert_int_equal(kn_buf_put(&b, all->s[i].b.ptr, all->s[i].b.len), 0);
	for (size_t step = 1; step < 40; step += 3) {
		kn_mpscan s;
		size_t n = 0, k = 0;
		int rc;

		kn_mpscan_init(&s, BIG_MAX);
		for (;;) {
			k = k + step > b.len ? b.len : k + step;
			rc = kn_mpscan_feed(&s, b.ptr, k, &n);
			if (rc != 0 || k == b.len)
				break;
		}
		assert_int_equal(rc, 1);
		assert_int_equal(k, b.len);
		assert_int_equal(n, b.len);
	}
	kn_buf_free(&b);
}

static void
test_mpscan__concatenated_gives_first(void **state)
{
	samples *all = *state;

	for (size_t i = 0; i + 1 < all->n; i++) {
		kn_buf b = KN_BUF_INIT;
		size_t n;

		assert_int_equal(kn_buf_put(&b, all->s[i].b.ptr, all->s[i].b.len), 0);
		assert_int_equal(kn_buf_put(&b, all->s[i + 1].b.ptr, all->s[i + 1].b.len), 0);
		assert_int_equal(scan_once(b.ptr, b.len, BIG_MAX, &n), 1);
		assert_int_equal(n, all->s[i].b.len);
		/* Re-initialised, the scanner finds the second from where it starts. */
		assert_int_equal(scan_once(b.ptr + n, b.len - n, BIG_MAX, &n), 1);
		assert_int_equal(n, all->s[i + 1].b.len);
		/* exact() refuses the pair. */
		kn_error_clear();
		assert_int_equal(kn_mpscan_exact(b.ptr, b.len, BIG_MAX), KN_EPROTO);
		assert_non_null(strstr(kn_error_message(), "unexpected bytes after"));
		kn_buf_free(&b);
	}
}

static void
test_mpscan__never_used_byte(void **state)
{
	static const uint8_t alone[] = { 0xc1 };
	static const uint8_t inside[] = { 0x92, 0x01, 0xc1 };
	static const uint8_t as_key[] = { 0x81, 0xc1, 0x01 };
	static const uint8_t early[] = { 0x93, 0x01, 0xc1 }; /* a third element would follow */
	size_t n;

	(void)state;
	assert_int_equal(scan_once(alone, sizeof(alone), BIG_MAX, &n), KN_EPROTO);
	assert_non_null(strstr(kn_error_message(), "0xc1"));
	assert_int_equal(scan_once(inside, sizeof(inside), BIG_MAX, &n), KN_EPROTO);
	assert_int_equal(scan_once(as_key, sizeof(as_key), BIG_MAX, &n), KN_EPROTO);
	assert_int_equal(kn_mpscan_exact(alone, sizeof(alone), BIG_MAX), KN_EPROTO);
	/* Detected as soon as the byte arrives, before the rest. */
	assert_int_equal(scan_once(early, sizeof(early), BIG_MAX, &n), KN_EPROTO);
}

/*
 * `depth` arrays nested inside each other; the innermost holds one 0 when
 * `filled`, nothing otherwise.
 */
static void
nested(kn_buf *b, int depth, int filled, int maps)
{
	kn_buf_clear(b);
	for (int i = 0; i < depth; i++) {
		int last = i == depth - 1;
		if (maps) {
			assert_int_equal(kn_buf_put(b, last && !filled ? "\x80" : "\x81\x00", last && !filled ? 1 : 2), 0);
		} else {
			assert_int_equal(kn_buf_put(b, last && !filled ? "\x90" : "\x91", 1), 0);
		}
	}
	if (filled)
		assert_int_equal(kn_buf_put(b, "\x00", 1), 0);
}

/* Does msgpack-c itself decode b? */
static int
msgpack_c_accepts(const kn_buf *b)
{
	msgpack_unpacked up;
	size_t off = 0;
	int ok;

	msgpack_unpacked_init(&up);
	ok = msgpack_unpack_next(&up, (const char *)b->ptr, b->len, &off) == MSGPACK_UNPACK_SUCCESS;
	msgpack_unpacked_destroy(&up);
	return ok;
}

/*
 * The depth limit, exactly: KN_MP_MAX_DEPTH (32) containers nested inside
 * each other are fine, the outermost counting as 1; a 33rd container inside
 * them is refused even when empty. That is msgpack-c's own limit
 * (MSGPACK_EMBED_STACK_SIZE, 32), so whatever the scanner passes, msgpack-c
 * can decode. Scalars inside the 32nd container are fine.
 */
static void
test_mpscan__depth_boundary(void **state)
{
	kn_buf b = KN_BUF_INIT;
	size_t n;

	(void)state;
	for (int maps = 0; maps <= 1; maps++) {
		for (int filled = 0; filled <= 1; filled++) {
			nested(&b, KN_MP_MAX_DEPTH, filled, maps);
			assert_int_equal(scan_once(b.ptr, b.len, BIG_MAX, &n), 1);
			assert_int_equal(n, b.len);
			assert_true(msgpack_c_accepts(&b));

			nested(&b, KN_MP_MAX_DEPTH + 1, filled, maps);
			kn_error_clear();
			assert_int_equal(scan_once(b.ptr, b.len, BIG_MAX, &n), KN_EPROTO);
			assert_non_null(strstr(kn_error_message(), "nested deeper than 32"));
			assert_false(msgpack_c_accepts(&b));
		}
	}
	/* Found as soon as the 33rd header arrives, before the rest. */
	nested(&b, 200, 1, 0);
	assert_int_equal(scan_once(b.ptr, KN_MP_MAX_DEPTH + 1, BIG_MAX, &n), KN_EPROTO);

	/* Many containers side by side at depth 32 are fine: depth is not a count. */
	nested(&b, KN_MP_MAX_DEPTH - 1, 0, 0);
	b.len--;
	assert_int_equal(kn_buf_put(&b, "\x93\x90\x91\x00\x80", 5), 0);
	assert_int_equal(scan_once(b.ptr, b.len, BIG_MAX, &n), 1);
	assert_int_equal(n, b.len);
	assert_true(msgpack_c_accepts(&b));
	kn_buf_free(&b);
}

static void
test_mpscan__too_big_as_soon_as_header_shows(void **state)
{
	static const uint8_t bin32[] = { 0xc6, 0x40, 0x00, 0x00, 0x00 };        /* 1 GiB */
	static const uint8_t arr32[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };        /* 2^32-1 */
	static const uint8_t map32[] = { 0xdf, 0x80, 0x00, 0x00, 0x00 };        /* 2^31 pairs */
	static const uint8_t str8[] = { 0xd9, 0xc8 };                           /* 200 */
	static const uint8_t nested_bin[] = { 0x92, 0x01, 0xc6, 0x40, 0x00, 0x00, 0x00 };
	kn_mpscan s;
	size_t n;

	(void)state;
	/* bin32 declaring 1 GiB: needs more until its 5-byte header is in. */
	kn_mpscan_init(&s, 1024);
	for (size_t k = 0; k < sizeof(bin32); k++)
		assert_int_equal(kn_mpscan_feed(&s, bin32, k, &n), 0);
	kn_error_clear();
	assert_int_equal(kn_mpscan_feed(&s, bin32, sizeof(bin32), &n), KN_ETOOBIG);
	assert_non_null(strstr(kn_error_message(), "1024"));

	/* array32 of 2^32-1 elements against 1 MiB. */
	kn_mpscan_init(&s, 1024 * 1024);
	for (size_t k = 0; k < sizeof(arr32); k++)
		assert_int_equal(kn_mpscan_feed(&s, arr32, k, &n), 0);
	assert_int_equal(kn_mpscan_feed(&s, arr32, sizeof(arr32), &n), KN_ETOOBIG);

	assert_int_equal(scan_once(map32, sizeof(map32), 1024 * 1024, &n), KN_ETOOBIG);
	assert_int_equal(scan_once(str8, sizeof(str8), 100, &n), KN_ETOOBIG);
	assert_int_equal(scan_once(nested_bin, sizeof(nested_bin), 1024, &n), KN_ETOOBIG);
	assert_int_equal(kn_mpscan_exact(arr32, sizeof(arr32), 1024 * 1024), KN_ETOOBIG);
}

static void
test_mpscan__limit_is_inclusive(void **state)
{
	samples *all = *state;

	for (size_t i = 0; i < all->n; i++) {
		const kn_buf *b = &all->s[i].b;
		size_t n;

		assert_int_equal(scan_once(b->ptr, b->len, b->len, &n), 1);
		assert_int_equal(n, b->len);
		if (scan_once(b->ptr, b->len, b->len - 1, &n) != KN_ETOOBIG)
			fail_msg("%s: %zu bytes accepted under a limit of %zu", all->s[i].name, b->len, b->len - 1);
	}
}

static void
test_mpscan__exact(void **state)
{
	static const uint8_t obj[] = { 0x92, 0x01, 0xa2, 'o', 'k' };
	static const uint8_t more[] = { 0x92, 0x01, 0xa2, 'o', 'k', 0xc0 };

	(void)state;
	assert_int_equal(kn_mpscan_exact(obj, sizeof(obj), 1024), 0);
	kn_error_clear();
	assert_int_equal(kn_mpscan_exact(more, sizeof(more), 1024), KN_EPROTO);
	assert_non_null(strstr(kn_error_message(), "1 unexpected bytes"));
	for (size_t k = 0; k < sizeof(obj); k++) {
		kn_error_clear();
		assert_int_equal(kn_mpscan_exact(obj, k, 1024), KN_EPROTO);
		assert_non_null(strstr(kn_error_message(), "truncated"));
	}
	assert_int_equal(kn_mpscan_exact(obj, sizeof(obj), sizeof(obj) - 1), KN_ETOOBIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mpscan__one_shot_lengths, setup_samples, teardown_samples),
		cmocka_unit_test_setup_teardown(test_mpscan__byte_by_byte, setup_samples, teardown_samples),
		cmocka_unit_test_setup_teardown(test_mpscan__uneven_steps, setup_samples, teardown_samples),
		cmocka_unit_test_setup_teardown(test_mpscan__concatenated_gives_first, setup_samples, teardown_samples),
		cmocka_unit_test(test_mpscan__never_used_byte),
		cmocka_unit_test(test_mpscan__depth_boundary),
		cmocka_unit_test(test_mpscan__too_big_as_soon_as_header_shows),
		cmocka_unit_test_setup_teardown(test_mpscan__limit_is_inclusive, setup_samples, teardown_samples),
		cmocka_unit_test(test_mpscan__exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
