/*
 * test_recon.c - range-based set reconciliation (sync/recon.h): two sets
 * with a common part and parts of their own find exactly the difference,
 * whatever its size, in a few round trips; equal sets agree in one; the
 * running sum gives the same fingerprint as the set; malformed messages
 * are refused.
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

#include "../../sync/recon.h"
#include "../../util/kn.h"

/* A deterministic id from a number. */
static void
id_of(uint8_t id[32], uint64_t n)
{
	crypto_generichash(id, 32, (const uint8_t *)&n, sizeof(n), NULL, 0);
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

typedef struct {
	int rounds;     /* messages sent, both ways */
	size_t bytes;   /* their total size */
} traffic;

/*
 * Reconcile a (initiator) and b until one side's reply holds only skips.
 * Fills what a lacks (a.need + b.have) and what b lacks (a.have + b.need).
 */
static void
run(const recon_set *a, const recon_set *b, recon_diff *da, recon_diff *db, traffic *tr)
{
	kn_buf msg = KN_BUF_INIT, reply = KN_BUF_INIT;
	int done = 0, side = 1;

	memset(tr, 0, sizeof(*tr));
	assert_int_equal(recon_initiate(&msg, a), 0);
	tr->rounds = 1;
	tr->bytes = msg.len;
	while (!done) {
		kn_buf_clear(&reply);
		assert_int_equal(recon_respond(&reply, &done, side ? db : da, side ? b : a, msg.ptr, msg.len), 0);
		if (done)
			break;
		tr->rounds++;
		tr->bytes += reply.len;
		kn_buf_clear(&msg);
		kn_buf_put(&msg, reply.ptr, reply.len);
		side = !side;
		assert_true(tr->rounds < 64);
	}
	kn_buf_free(&msg);
	kn_buf_free(&reply);
}

/* Collect the ids of two lists into one sorted array. */
static size_t
merged(uint8_t (*out)[32], uint8_t (*x)[32], size_t nx, uint8_t (*y)[32], size_t ny)
{
	if (nx)
		memcpy(out, x, nx * 32);
	if (ny)
		memcpy(out + nx, y, ny * 32);
	qsort(out, nx + ny, 32, id_cmp);
	return nx + ny;
}

/* common items shared, then only_a and only_b of their own; checks the difference found is exactly that. */
static traffic
check(size_t common, size_t only_a, size_t only_b, unsigned seed)
{
	recon_set a, b;
	recon_diff da = { 0 }, db = { 0 };
	traffic tr;
	uint8_t id[32];
	uint64_t n = (uint64_t)seed << 40;

	recon_set_init(&a);
	recon_set_init(&b);
	for (size_t i = 0; i < common; i++, n++) {
		id_of(id, n);
		uint64_t ts = (n % 100000) << 16;
		assert_int_equal(recon_set_add(&a, ts, id), 0);
		assert_int_equal(recon_set_add(&b, ts, id), 0);
	}
	uint8_t(*wa)[32] = calloc(only_a + 1, 32), (*wb)[32] = calloc(only_b + 1, 32);
	for (size_t i = 0; i < only_a; i++, n++) {
		id_of(wa[i], n);
		assert_int_equal(recon_set_add(&a, (n % 100000) << 16, wa[i]), 0);
	}
	for (size_t i = 0; i < only_b; i++, n++) {
		id_of(wb[i], n);
		assert_int_equal(recon_set_add(&b, (n % 100000) << 16, wb[i]), 0);
	}
	assert_int_equal(recon_set_seal(&a), 0);
	assert_int_equal(recon_set_seal(&b), 0);
	run(&a, &b, &da, &db, &tr);

	/* what b lacks: a's own items; what a lacks: b's own items; nothing else */
	qsort(wa, only_a, 32, id_cmp);
	qsort(wb, only_b, 32, id_cmp);
	uint8_t(*got)[32] = calloc(da.nhave + db.nneed + da.nneed + db.nhave + 1, 32);
	size_t ng = merged(got, da.have, da.nhave, db.need, db.nneed);
	assert_int_equal(ng, only_a);
	if (ng)
		assert_memory_equal(got, wa, ng * 32);
	ng = merged(got, da.need, da.nneed, db.have, db.nhave);
	assert_int_equal(ng, only_b);
	if (ng)
		assert_memory_equal(got, wb, ng * 32);
	free(got);
	free(wa);
	free(wb);
	recon_diff_free(&da);
	recon_diff_free(&db);
	recon_set_free(&a);
	recon_set_free(&b);
	return tr;
}

static void
test_recon__equal_sets_agree_at_once(void **state)
{
	(void)state;
	traffic tr = check(100000, 0, 0, 1);
	/* one message out, the reply is all skip: one round trip, a few dozen bytes */
	assert_int_equal(tr.rounds, 1);
	assert_true(tr.bytes < 64);
	tr = check(0, 0, 0, 2);
	assert_int_equal(tr.rounds, 1);
}

static void
test_recon__differences_found_exactly(void **state)
{
	(void)state;
	check(0, 5, 0, 3);
	check(0, 0, 5, 4);
	check(0, 1000, 1000, 5);
	check(100000, 1, 0, 6);
	check(100000, 0, 1, 7);
	check(100000, 37, 41, 8);
	check(50000, 5000, 20, 9);
	check(1000, 0, 20000, 10);
	for (unsigned s = 11; s < 31; s++)
		check((size_t)(rand_r(&s) % 20000), (size_t)(rand_r(&s) % 300), (size_t)(rand_r(&s) % 300), s);
}

static void
test_recon__few_round_trips(void **state)
{
	(void)state;
	/* one record missing in 100,000: logarithmic in the set, a handful of round trips and a few KB */
	traffic tr = check(100000, 1, 0, 40);
	printf("# 1 of 100,000 missing: %d messages, %zu bytes\n", tr.rounds, tr.bytes);
	assert_true(tr.rounds <= 10);
	assert_true(tr.bytes < 32 * 1024);
}

static void
test_recon__running_sum_is_the_fingerprint(void **state)
{
	recon_set s;
	uint8_t sum[32] = { 0 }, id[32], f1[RECON_FP_BYTES], f2[RECON_FP_BYTES];
	(void)state;

	recon_set_init(&s);
	for (uint64_t i = 0; i < 1000; i++) {
		id_of(id, i);
		assert_int_equal(recon_set_add(&s, 1000 - i, id), 0);
		recon_sum_add(sum, id);
	}
	assert_int_equal(recon_set_seal(&s), 0);
	recon_fingerprint(f1, &s, 0, s.n);
	recon_fingerprint_of(f2, sum, 1000);
	assert_memory_equal(f1, f2, RECON_FP_BYTES);
	/* an item twice counts once */
	assert_int_equal(recon_set_add(&s, 1000, (id_of(id, 0), id)), 0);
	assert_int_equal(recon_set_seal(&s), 0);
	assert_int_equal(s.n, 1000);
	recon_set_free(&s);
}

static void
test_recon__malformed_refused(void **state)
{
	recon_set s;
	recon_diff d = { 0 };
	kn_buf out = KN_BUF_INIT, m = KN_BUF_INIT;
	msgpack_packer pk;
	uint8_t id[32] = { 0 };
	int done;
	(void)state;

	recon_set_init(&s);
	assert_int_equal(recon_set_seal(&s), 0);
	/* not an array */
	msgpack_packer_init(&pk, &m, kn_buf_msgpack_write);
	msgpack_pack_uint8(&pk, 1);
	assert_int_equal(recon_respond(&out, &done, &d, &s, m.ptr, m.len), KN_EPROTO);
	/* a range that does not end the order last */
	kn_buf_clear(&m);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint64(&pk, 5);
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, id, 32);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_nil(&pk);
	assert_int_equal(recon_respond(&out, &done, &d, &s, m.ptr, m.len), KN_EPROTO);
	/* ranges out of order */
	kn_buf_clear(&m);
	msgpack_pack_array(&pk, 3);
	for (int k = 0; k < 2; k++) {
		msgpack_pack_array(&pk, 3);
		msgpack_pack_array(&pk, 2);
		msgpack_pack_uint64(&pk, (uint64_t)(10 - k));
		msgpack_pack_bin(&pk, 32);
		msgpack_pack_bin_body(&pk, id, 32);
		msgpack_pack_uint8(&pk, 0);
		msgpack_pack_nil(&pk);
	}
	msgpack_pack_array(&pk, 3);
	msgpack_pack_nil(&pk);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_nil(&pk);
	assert_int_equal(recon_respond(&out, &done, &d, &s, m.ptr, m.len), KN_EPROTO);
	/* a fingerprint of the wrong size, an unknown mode, trailing bytes */
	kn_buf_clear(&m);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_nil(&pk);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_bin(&pk, 15);
	msgpack_pack_bin_body(&pk, id, 15);
	assert_int_equal(recon_respond(&out, &done, &d, &s, m.ptr, m.len), KN_EPROTO);
	kn_buf_clear(&m);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_nil(&pk);
	msgpack_pack_uint8(&pk, 3);
	msgpack_pack_nil(&pk);
	assert_int_equal(recon_respond(&out, &done, &d, &s, m.ptr, m.len), KN_EPROTO);
	kn_buf_clear(&m);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_nil(&pk);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_nil(&pk);
	msgpack_pack_uint8(&pk, 0);
	assert_int_equal(recon_respond(&out, &done, &d, &s, m.ptr, m.len), KN_EPROTO);
	/* and a well-formed one is answered */
	kn_buf_clear(&m);
	assert_int_equal(recon_initiate(&m, &s), 0);
	assert_int_equal(recon_respond(&out, &done, &d, &s, m.ptr, m.len), 0);
	assert_true(done);
	kn_buf_free(&m);
	kn_buf_free(&out);
	recon_diff_free(&d);
	recon_set_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recon__equal_sets_agree_at_once),
		cmocka_unit_test(test_recon__differences_found_exactly),
		cmocka_unit_test(test_recon__few_round_trips),
		cmocka_unit_test(test_recon__running_sum_is_the_fingerprint),
		cmocka_unit_test(test_recon__malformed_refused),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
