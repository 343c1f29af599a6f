/*
 * test_sync_apply.c - how the loop applies the sync ops queued since its
 * last wake (kd_sync_apply_queued in daemon/sync.c): together in one
 * sub-transaction, and, when one of them spoils it, each again alone, so
 * that the others are kept and only the spoiler fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <event2/event.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/server.h"
#include "../../daemon/sync_int.h"
#include "../lib/kntest.h"

#define NPSN "20100001"

typedef struct {
	char dir[64];
	uint8_t pk[32];
	unsigned char *sk;
	kd_server srv;
	struct kd_sync sy;
	struct event_base *base;
	unsigned n;
} fixture;

/* The store's index hook: a record of subject "boom" fails after it is written, which spoils its sub-transaction. */
static int
index_boom(void *ctx, store_txn *t, const record_view *v)
{
	(void)ctx;
	(void)t;
	if (v->subject_len == 4 && memcmp(v->subject, "boom", 4) == 0)
		return kn_error_set(KN_ERROR, "", "index failed on purpose");
	return 0;
}

static void
noop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static int
setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	store_opts o = { 0, 1 };
	store_hooks h = { NULL, index_boom, NULL };

	assert_non_null(f);
	assert_int_equal(kntest_tmpdir(f->dir, sizeof(f->dir), "/tmp/kn-apply-XXXXXX"), 0);
	f->sk = sodium_malloc(64);
	assert_non_null(f->sk);
	crypto_sign_keypair(f->pk, f->sk);
	assert_int_equal(store_open(&f->srv.st, f->dir, &o), 0);
	store_set_hooks(f->srv.st, &h);
	f->base = event_base_new();
	assert_non_null(f->base);
	f->srv.flush_ev = event_new(f->base, -1, 0, noop_cb, NULL);
	assert_non_null(f->srv.flush_ev);
	pthread_mutex_init(&f->sy.mu, NULL);
	pthread_cond_init(&f->sy.cv, NULL);
	f->sy.srv = &f->srv;
	f->srv.sync = &f->sy;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture *f = *state;

	if (f->srv.batch)
		store_batch_abort(f->srv.batch);
	store_close(f->srv.st);
	event_free(f->srv.flush_ev);
	event_base_free(f->base);
	pthread_cond_destroy(&f->sy.cv);
	pthread_mutex_destroy(&f->sy.mu);
	kntest_rm_rf(f->dir);
	sodium_free(f->sk);
	free(f);
	return 0;
}

/* An op of n records of the given subjects, each signed here (its bytes in raw). */
typedef struct {
	kd_sync_op op;
	kn_buf raw;
	sync_bytes recs[4];
	kd_sync_outcome out[4];
	uint8_t ids[4][32];
} test_op;

static void
op_make(test_op *t, fixture *f, const char *const *subjects, size_t n)
{
	size_t off[4];

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		uint8_t body[3] = { 0x81, 0xa1, 'n' };
		record_fields fl = { .type = "plan", .school = NPSN, .subject = subjects[i],
			.hlc = (1700000000000ULL << 16) + ++f->n, .body = body, .body_len = 0 };
		kn_buf b = KN_BUF_INIT;
		msgpack_packer pk;
		msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 1);
		msgpack_pack_str(&pk, 1);
		msgpack_pack_str_body(&pk, "n", 1);
		msgpack_pack_uint32(&pk, f->n);
		fl.body = b.ptr;
		fl.body_len = b.len;
		off[i] = t->raw.len;
		assert_int_equal(record_sign(&t->raw, t->ids[i], &fl, f->pk, f->sk), 0);
		kn_buf_free(&b);
	}
	for (size_t i = 0; i < n; i++) {
		t->recs[i].ptr = t->raw.ptr + off[i];
		t->recs[i].len = (i + 1 < n ? off[i + 1] : t->raw.len) - off[i];
	}
	t->op.recs = t->recs;
	t->op.nrecs = n;
	t->op.out = t->out;
}

/* Commit the loop's batch as flush_batch does, and tell the ops in it. */
static void
commit(fixture *f)
{
	int rc = store_batch_commit(f->srv.batch);

	f->srv.batch = NULL;
	kd_sync_flushed(&f->srv, rc);
	assert_int_equal(rc, 0);
}

static int
stored(fixture *f, const uint8_t id[32])
{
	kn_buf b = KN_BUF_INIT;
	int rc = store_get(&b, f->srv.st, id);

	kn_buf_free(&b);
	return rc == 0;
}

static void
test_sync_apply__together(void **state)
{
	fixture *f = *state;
	test_op a, b, c;
	const char *sa[] = { "a1", "a2" }, *sb[] = { "b1" }, *sc[] = { "c1", "c2", "c3" };

	op_make(&a, f, sa, 2);
	op_make(&b, f, sb, 1);
	op_make(&c, f, sc, 3);
	a.op.next = &b.op;
	b.op.next = &c.op;
	kd_sync_apply_queued(&f->srv, &a.op);
	/* all in the batch, none finished before the commit */
	assert_false(a.op.done || b.op.done || c.op.done);
	assert_int_equal(store_batch_count(f->srv.batch), 6);
	commit(f);
	assert_true(a.op.done && b.op.done && c.op.done);
	assert_int_equal(a.op.rc, 0);
	assert_int_equal(b.op.rc, 0);
	assert_int_equal(c.op.rc, 0);
	assert_int_equal(a.op.counts[0], 2);
	assert_int_equal(c.op.counts[0], 3);
	assert_true(stored(f, a.ids[1]) && stored(f, b.ids[0]) && stored(f, c.ids[2]));
	kn_buf_free(&a.raw);
	kn_buf_free(&b.raw);
	kn_buf_free(&c.raw);
}

static void
test_sync_apply__one_spoils_only_itself(void **state)
{
	fixture *f = *state;
	test_op a, b, c;
	const char *sa[] = { "a1", "a2" }, *sb[] = { "b1", "boom", "b3" }, *sc[] = { "c1" };

	op_make(&a, f, sa, 2);
	op_make(&b, f, sb, 3);
	op_make(&c, f, sc, 1);
	a.op.next = &b.op;
	b.op.next = &c.op;
	kd_sync_apply_queued(&f->srv, &a.op);
	/* b failed at once, with nothing of it kept; a and c wait for the commit */
	assert_true(b.op.done);
	assert_int_not_equal(b.op.rc, 0);
	assert_non_null(strstr(b.op.err, "index failed on purpose"));
	assert_false(a.op.done || c.op.done);
	assert_int_equal(store_batch_count(f->srv.batch), 3);
	commit(f);
	assert_true(a.op.done && c.op.done);
	assert_int_equal(a.op.rc, 0);
	assert_int_equal(c.op.rc, 0);
	assert_int_equal(a.op.counts[0], 2); /* counted once, though applied twice */
	assert_int_equal(c.op.counts[0], 1);
	assert_true(stored(f, a.ids[0]) && stored(f, a.ids[1]) && stored(f, c.ids[0]));
	assert_false(stored(f, b.ids[0]) || stored(f, b.ids[2]));
	kn_buf_free(&a.raw);
	kn_buf_free(&b.raw);
	kn_buf_free(&c.raw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sync_apply__together, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_apply__one_spoils_only_itself, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	kn_log_init("test_sync_apply", KN_LOG_ERROR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
