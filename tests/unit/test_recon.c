/*
 * test_recon.c - range-based set reconciliation (sync/recon.h): two sets
 * with a common part and parts of their own find exactly the difference,
 * whatever its size, in a few round trips; equal sets agree in one; the
 * running sum gives the same fingerprint as the set; malformed messages
 * are refused. The store's persistent tree of range sums
 * (daemon/sync_tree.c): its sums equal a recount for random sets and
 * ranges, any insertion order gives the same tree, and a reconciliation
 * answered from it reads a few keys per range, never the whole set.
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

#include "../../daemon/server.h"
#include "../../daemon/sync.h"
#include "../../daemon/sync_int.h"
#include "../../store/store.h"
#include "../../sync/recon.h"
#include "../../util/kn.h"
#include "../lib/kntest.h"

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

/* ---- the persistent tree (daemon/sync_tree.c) ---- */

#define TNPSN "20100001"

typedef struct {
	char dir[256];
	store *st;
} tstore;

static void
tstore_open(tstore *ts)
{
	store_opts o = { 0, 1 };

	assert_int_equal(kntest_tmpdir(ts->dir, sizeof(ts->dir), "/tmp/kn-recon-XXXXXX"), 0);
	assert_int_equal(store_open(&ts->st, ts->dir, &o), 0);
}

static void
tstore_close(tstore *ts)
{
	store_close(ts->st);
	kntest_rm_rf(ts->dir);
}

/* Add items[order[i]] for i < n to the tree, in batches of 1,000 (as the index hook would). */
static void
tree_fill(tstore *ts, const recon_item *items, const size_t *order, size_t n)
{
	for (size_t i = 0; i < n;) {
		store_batch *b;
		assert_int_equal(store_batch_begin(&b, ts->st), 0);
		for (size_t e = i + 1000; i < n && i < e; i++) {
			const recon_item *it = &items[order ? order[i] : i];
			assert_int_equal(kd_sync_tree_add(store_batch_txn(b), TNPSN, it->ts, it->id), 0);
		}
		assert_int_equal(store_batch_commit(b), 0);
	}
}

/* n random items: times drawn from a small range so that many share one (the order then goes by id) */
static recon_item *
random_items(size_t n, unsigned *seed, uint64_t tspan)
{
	recon_item *v = calloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].ts = ((uint64_t)(rand_r(seed) % tspan) << 16) | (uint64_t)(rand_r(seed) % 4);
		uint64_t x = ((uint64_t)rand_r(seed) << 32) ^ (uint64_t)rand_r(seed) ^ ((uint64_t)i << 48);
		id_of(v[i].id, x);
	}
	return v;
}

static void
random_bound(recon_bound *b, const recon_set *s, unsigned *seed)
{
	int r = rand_r(seed) % 10;

	memset(b, 0, sizeof(*b));
	if (r == 0) {
		b->inf = 1;
	} else if (r < 5 && s->n) {
		/* exactly an item */
		const recon_item *it = &s->items[(size_t)rand_r(seed) % s->n];
		b->ts = it->ts;
		memcpy(b->id, it->id, 32);
	} else {
		b->ts = s->n ? s->items[(size_t)rand_r(seed) % s->n].ts + (uint64_t)(rand_r(seed) % 3) - 1 : 5;
		for (int i = 0; i < 32; i++)
			b->id[i] = (uint8_t)rand_r(seed);
	}
}

static void
test_tree__sums_equal_a_recount(void **state)
{
	unsigned seed = 77;
	(void)state;

	for (int round = 0; round < 6; round++) {
		size_t n = round == 0 ? 0 : round == 1 ? 1 : (size_t)(rand_r(&seed) % 6000) + 2;
		recon_item *items = random_items(n, &seed, round % 2 ? 50 : 100000);
		recon_set set;
		recon_src bs, tsrc;
		kd_tree_src tree = { 0 };
		store_txn *t;
		tstore ts;

		tstore_open(&ts);
		tree_fill(&ts, items, NULL, n);
		recon_set_init(&set);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(recon_set_add(&set, items[i].ts, items[i].id), 0);
		assert_int_equal(recon_set_seal(&set), 0);
		recon_set_src(&bs, &set);
		assert_int_equal(store_read_begin(&t, ts.st), 0);
		tree.t = t;
		memcpy(tree.npsn, TNPSN, 9);
		kd_sync_tree_src(&tsrc, &tree);
		for (int k = 0; k < 400; k++) {
			recon_bound b;
			recon_acc x, y;
			random_bound(&b, &set, &seed);
			assert_int_equal(bs.prefix(bs.ctx, &b, &x), 0);
			assert_int_equal(tsrc.prefix(tsrc.ctx, &b, &y), 0);
			assert_int_equal(x.count, y.count);
			assert_memory_equal(x.sum, y.sum, 32);
		}
		/* ranges [lo, hi): the recount of each, and the tree's cut of the large ones */
		for (int k = 0; k < 200; k++) {
			recon_bound lo, hi, bounds[RECON_BRANCH - 1];
			recon_acc plo, phi, accs[RECON_BRANCH], whole, sum;
			size_t parts;
			random_bound(&lo, &set, &seed);
			random_bound(&hi, &set, &seed);
			if (lo.inf || recon_bound_cmp(&lo, &hi) > 0) {
				recon_bound tmp = lo;
				lo = hi;
				hi = tmp;
			}
			if (lo.inf)
				continue;
			assert_int_equal(tsrc.prefix(tsrc.ctx, &lo, &plo), 0);
			assert_int_equal(tsrc.prefix(tsrc.ctx, &hi, &phi), 0);
			recon_acc_sub(&whole, &phi, &plo);
			if (whole.count <= RECON_IDS_MAX)
				continue;
			assert_int_equal(tsrc.split(tsrc.ctx, &lo, &hi, &plo, &phi, bounds, accs, &parts), 0);
			assert_true(parts >= 2 && parts <= RECON_BRANCH);
			/* each part is what a recount of it says, non-empty and smaller than the whole */
			for (size_t p = 0; p < parts; p++) {
				const recon_bound *a = p ? &bounds[p - 1] : &lo, *z = p + 1 < parts ? &bounds[p] : &hi;
				recon_acc pa, pz, part;
				assert_true(recon_bound_cmp(a, z) < 0);
				assert_int_equal(bs.prefix(bs.ctx, a, &pa), 0);
				assert_int_equal(bs.prefix(bs.ctx, z, &pz), 0);
				recon_acc_sub(&part, &pz, &pa);
				assert_int_equal(part.count, accs[p].count);
				assert_memory_equal(part.sum, accs[p].sum, 32);
				assert_true(part.count > 0 && part.count < whole.count);
			}
			memset(&sum, 0, sizeof(sum));
			(void)sum;
		}
		printf("# %zu items: %llu keys read for %llu prefix sums\n", n, (unsigned long long)tree.reads,
		    (unsigned long long)tree.prefixes);
		store_read_end(t);
		recon_set_free(&set);
		tstore_close(&ts);
		free(items);
	}
}

/* Every "rt/" key and value of a store, in order, into out. */
static int
dump_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	kn_buf *out = arg;

	kn_buf_put(out, key, klen);
	kn_buf_put(out, val, vlen);
	kn_buf_put(out, "|", 1);
	return 0;
}

static void
tree_dump(kn_buf *out, tstore *ts)
{
	store_txn *t;

	assert_int_equal(store_read_begin(&t, ts->st), 0);
	assert_int_equal(store_idx_scan(t, "rt/", 3, dump_cb, out), 0);
	store_read_end(t);
}

static void
test_tree__any_order_same_tree(void **state)
{
	unsigned seed = 5;
	size_t n = 3000;
	recon_item *items = random_items(n, &seed, 2000);
	size_t *order = calloc(n, sizeof(*order));
	kn_buf first = KN_BUF_INIT;
	(void)state;

	for (int round = 0; round < 4; round++) {
		kn_buf dump = KN_BUF_INIT;
		tstore ts;
		for (size_t i = 0; i < n; i++)
			order[i] = round == 1 ? n - 1 - i : i;
		if (round >= 2)
			for (size_t i = n - 1; i > 0; i--) {
				size_t j = (size_t)rand_r(&seed) % (i + 1), tmp = order[i];
				order[i] = order[j];
				order[j] = tmp;
			}
		tstore_open(&ts);
		tree_fill(&ts, items, order, n);
		/* adding an item again changes nothing */
		tree_fill(&ts, items, order, n / 10);
		tree_dump(&dump, &ts);
		if (round == 0)
			kn_buf_put(&first, dump.ptr, dump.len);
		else
			assert_true(dump.len == first.len && memcmp(dump.ptr, first.ptr, dump.len) == 0);
		kn_buf_free(&dump);
		tstore_close(&ts);
	}
	kn_buf_free(&first);
	free(order);
	free(items);
}

/* The feed of items as the index hook writes it ("f/<npsn>/<n>" -> id, hlc, origin); with_tree: the tree beside it. */
static void
feed_fill(tstore *ts, const recon_item *items, size_t n, int with_tree)
{
	store_batch *b;

	assert_int_equal(store_batch_begin(&b, ts->st), 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t key[19], val[KD_SYNC_FEED_VALUE] = { 0 };
		memcpy(key, "f/" TNPSN "/", 11);
		for (int k = 0; k < 8; k++) {
			key[11 + k] = (uint8_t)((i + 1) >> (56 - 8 * k));
			val[32 + k] = (uint8_t)(items[i].ts >> (56 - 8 * k));
		}
		memcpy(val, items[i].id, 32);
		assert_int_equal(store_idx_put(store_batch_txn(b), key, sizeof(key), val, sizeof(val)), 0);
		if (with_tree)
			assert_int_equal(kd_sync_tree_add(store_batch_txn(b), TNPSN, items[i].ts, items[i].id), 0);
	}
	assert_int_equal(store_batch_commit(b), 0);
}

/* Put feed position pos of TNPSN with origin, in a batch of its own. */
static void
feed_put(tstore *ts, uint64_t pos, int origin)
{
	uint8_t key[19], val[KD_SYNC_FEED_VALUE] = { 0 };
	store_batch *b;

	memcpy(key, "f/" TNPSN "/", 11);
	for (int k = 0; k < 8; k++)
		key[11 + k] = (uint8_t)(pos >> (56 - 8 * k));
	val[0] = (uint8_t)pos;
	val[1] = (uint8_t)(pos >> 8);
	val[40] = (uint8_t)origin;
	assert_int_equal(store_batch_begin(&b, ts->st), 0);
	assert_int_equal(store_idx_put(store_batch_txn(b), key, sizeof(key), val, sizeof(val)), 0);
	assert_int_equal(store_batch_commit(b), 0);
}

/*
 * What waits to go (kd_sync_waiting, which `sync status` polls): counted
 * again only over the positions acknowledged or added since its last call,
 * it equals a recount at every step, whatever moves: the feed grows, the
 * acknowledged point moves inside the range, past its end, or back (a
 * restored backup); and a second store's feed with the same school is its
 * own.
 */
static void
test_waiting__incremental_equals_recount(void **state)
{
	unsigned seed = 5;
	int origins[700];
	uint64_t feed = 0, acked = 0;
	tstore ts, other;
	(void)state;

	tstore_open(&ts);
	tstore_open(&other);
	feed_put(&other, 1, 0);
	for (int step = 0; step < 400; step++) {
		unsigned r = (unsigned)rand_r(&seed);
		store_txn *t;
		uint64_t want = 0;
		if (r % 3 == 0 && feed < 690) {
			for (unsigned k = 0; k <= r % 4; k++) {
				origins[feed + 1] = (int)(rand_r(&seed) % 3);
				feed_put(&ts, feed + 1, origins[feed + 1]);
				feed++;
			}
		} else if (r % 3 == 1 && acked < feed) {
			acked += 1 + (uint64_t)rand_r(&seed) % (feed - acked);
		} else if (r % 29 == 2 && acked > 0) {
			acked -= 1 + (uint64_t)rand_r(&seed) % acked;
		}
		for (uint64_t i = acked + 1; i <= feed; i++)
			want += origins[i] < 1;
		assert_int_equal(store_read_begin(&t, ts.st), 0);
		assert_int_equal(kd_sync_waiting(ts.st, t, TNPSN, acked, feed, 1), want);
		store_read_end(t);
		/* the other store: one entry of origin 0 at position 1, whatever this one's cache holds */
		assert_int_equal(store_read_begin(&t, other.st), 0);
		assert_int_equal(kd_sync_waiting(other.st, t, TNPSN, 0, 1, 1), 1);
		store_read_end(t);
	}
	kd_sync_waiting_forget(ts.st);
	kd_sync_waiting_forget(other.st);
	tstore_close(&ts);
	tstore_close(&other);
}

/*
 * The migration: a store whose feed was written before the tree existed
 * gets, from kd_sync_tree_backfill at start, exactly the tree the index
 * hook builds record by record; a second start changes nothing.
 */
static void
test_tree__backfill_equals_incremental(void **state)
{
	unsigned seed = 31;
	size_t n = 2500;
	recon_item *items = random_items(n, &seed, 1500);
	kn_buf want = KN_BUF_INIT, got = KN_BUF_INIT, again = KN_BUF_INIT;
	kd_server srv;
	tstore hooked, old;
	(void)state;

	tstore_open(&hooked);
	feed_fill(&hooked, items, n, 1);
	tree_dump(&want, &hooked);
	assert_true(want.len > 0);
	tstore_close(&hooked);

	tstore_open(&old);
	feed_fill(&old, items, n, 0);
	tree_dump(&got, &old);
	assert_int_equal(got.len, 0);
	memset(&srv, 0, sizeof(srv));
	srv.st = old.st;
	assert_int_equal(kd_sync_tree_backfill(&srv), 0);
	tree_dump(&got, &old);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.ptr, want.ptr, want.len);
	/* marked (meta sync/tree): the next start leaves it as it is */
	assert_int_equal(kd_sync_tree_backfill(&srv), 0);
	tree_dump(&again, &old);
	assert_int_equal(again.len, want.len);
	assert_memory_equal(again.ptr, want.ptr, want.len);

	kn_buf_free(&want);
	kn_buf_free(&got);
	kn_buf_free(&again);
	tstore_close(&old);
	free(items);
}

/*
 * Reconcile two stores' trees as the school and hub do, round by round,
 * over n common items with 6 + 2 differences: the difference found
 * exactly; returns the keys read on both sides.
 */
static uint64_t
tree_reconcile(size_t n, unsigned seed)
{
	recon_item *items = random_items(n + 5, &seed, 1000000);
	tstore a, b;
	kd_tree_src ta = { 0 }, tb = { 0 };
	recon_src sa, sb;
	recon_diff da = { 0 }, db = { 0 };
	kn_buf msg = KN_BUF_INIT, reply = KN_BUF_INIT;
	store_txn *t;
	int done = 0, side = 1, rounds = 1;
	size_t order[3] = { n, n + 1, n + 2 };

	/* a: items 0..n+2; b: items 3..n-1, n+3, n+4 (6 only at a, 2 only at b) */
	tstore_open(&a);
	tstore_open(&b);
	double t0 = kntest_now_s();
	tree_fill(&a, items, NULL, n);
	printf("# %zu items added to a tree in %.3f s (batches of 1,000, no fsync)\n", n, kntest_now_s() - t0);
	tree_fill(&a, items, order, 3);
	tree_fill(&b, items + 3, NULL, n - 3);
	tree_fill(&b, items + n + 3, NULL, 2);
	memcpy(ta.npsn, TNPSN, 9);
	memcpy(tb.npsn, TNPSN, 9);
	kd_sync_tree_src(&sa, &ta);
	kd_sync_tree_src(&sb, &tb);
	assert_int_equal(store_read_begin(&t, a.st), 0);
	ta.t = t;
	assert_int_equal(recon_initiate_src(&msg, &sa), 0);
	store_read_end(t);
	while (!done) {
		tstore *ts = side ? &b : &a;
		kd_tree_src *tr = side ? &tb : &ta;
		kn_buf_clear(&reply);
		assert_int_equal(store_read_begin(&t, ts->st), 0);
		tr->t = t;
		tr->f.valid = 0;
		assert_int_equal(recon_respond_src(&reply, &done, side ? &db : &da, side ? &sb : &sa, msg.ptr, msg.len), 0);
		store_read_end(t);
		if (done)
			break;
		rounds++;
		kn_buf_clear(&msg);
		kn_buf_put(&msg, reply.ptr, reply.len);
		side = !side;
		assert_true(rounds < 64);
	}
	assert_int_equal(da.nhave + db.nneed, 6);
	assert_int_equal(da.nneed + db.nhave, 2);
	printf("# 6 + 2 differences in %zu items: %d messages, index keys read %llu + %llu\n", n, rounds,
	    (unsigned long long)ta.reads, (unsigned long long)tb.reads);
	recon_diff_free(&da);
	recon_diff_free(&db);
	kn_buf_free(&msg);
	kn_buf_free(&reply);
	tstore_close(&a);
	tstore_close(&b);
	free(items);
	return ta.reads + tb.reads;
}

/*
 * A mismatch reads a few keys per range, not the set: at 8 times the
 * items, the same difference reads less than twice the keys, and far
 * fewer keys than the set holds (a scan of the feed, as before the tree,
 * reads every one on each side).
 */
static void
test_tree__mismatch_reads_few_keys(void **state)
{
	(void)state;
	uint64_t small = tree_reconcile(8000, 9), large = tree_reconcile(64000, 9);
	assert_true(large < 2 * small);
	assert_true(large < 64000 / 8);
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
		cmocka_unit_test(test_tree__sums_equal_a_recount),
		cmocka_unit_test(test_tree__any_order_same_tree),
		cmocka_unit_test(test_tree__backfill_equals_incremental),
		cmocka_unit_test(test_tree__mismatch_reads_few_keys),
		cmocka_unit_test(test_waiting__incremental_equals_recount),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
