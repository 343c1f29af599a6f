/*
 * test_store.c - unit tests of the LMDB record store (store/store.c).
 *
 * Every test gets a fresh directory under /tmp (removed afterwards) and a
 * fresh Ed25519 key pair to sign its records with. The crash test kills a
 * writing child with SIGKILL and checks that every acknowledged record
 * (commit returned 0) survived.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>

#include "../../store/store.h"
#include "../lib/kntest.h"

#define SCHOOL "20100001"
#define TYPE "plan"
#define MAX_IDS 64

typedef struct {
	char dir[64];
	uint8_t pk[RECORD_KEY_BYTES];
	unsigned char *sk;
	unsigned counter;
} fixture;

/* A list of ids collected by a callback. */
typedef struct {
	uint8_t ids[MAX_IDS][RECORD_ID_BYTES];
	size_t n;
	size_t stop_after; /* 0: never stop */
} idlist;

/* Fresh temporary directory (the store is created inside it) and key pair. */
static int
setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (kntest_tmpdir(f->dir, sizeof(f->dir), "/tmp/kn-store-XXXXXX") != 0) {
		free(f);
		return -1;
	}
	f->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (f->sk == NULL || crypto_sign_keypair(f->pk, f->sk) != 0) {
		kntest_rm_rf(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

/* Remove the directory and wipe the key. */
static int
teardown(void **state)
{
	fixture *f = *state;

	kntest_rm_rf(f->dir);
	sodium_free(f->sk);
	free(f);
	return 0;
}

/*
 * Sign a record of document plan/SCHOOL/subject with the given parents;
 * the body is {"n": counter} plus a "pad" string of pad bytes. hlc 0 picks
 * a past time that differs per record. Does not assert: the crash test's
 * child uses it too.
 */
static int
make_record_rc(kn_buf *out, uint8_t id[RECORD_ID_BYTES], fixture *f, const char *subject, uint64_t hlc,
    const uint8_t (*parents)[RECORD_ID_BYTES], size_t np, size_t pad)
{
	char xs[4096];
	kn_buf body = KN_BUF_INIT;
	msgpack_packer pk;
	record_fields fields;
	int rc;

	memset(xs, 'x', sizeof(xs));
	if (pad > sizeof(xs))
		pad = sizeof(xs);
	msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, pad ? 2 : 1);
	msgpack_pack_str(&pk, 1);
	msgpack_pack_str_body(&pk, "n", 1);
	msgpack_pack_uint32(&pk, f->counter++);
	if (pad) {
		msgpack_pack_str(&pk, 3);
		msgpack_pack_str_body(&pk, "pad", 3);
		msgpack_pack_str(&pk, pad);
		msgpack_pack_str_body(&pk, xs, pad);
	}
	fields = (record_fields){
		.type = TYPE,
		.school = SCHOOL,
		.subject = subject,
		.hlc = hlc ? hlc : (1700000000000ULL << 16) + f->counter,
		.parents = parents,
		.nparents = np,
		.body = body.ptr,
		.body_len = body.len,
	};
	rc = record_sign(out, id, &fields, f->pk, f->sk);
	kn_buf_free(&body);
	return rc;
}

/* make_record_rc for the tests themselves: fresh buffer, must succeed. */
static void
make_record(kn_buf *out, uint8_t id[RECORD_ID_BYTES], fixture *f, const char *subject,
    const uint8_t (*parents)[RECORD_ID_BYTES], size_t np)
{
	kn_buf_clear(out);
	assert_int_equal(make_record_rc(out, id, f, subject, 0, parents, np, 0), 0);
}

/* Make a record and store it on its own; returns its id in id. */
static void
put_new(store *s, fixture *f, uint8_t id[RECORD_ID_BYTES], const char *subject,
    const uint8_t (*parents)[RECORD_ID_BYTES], size_t np)
{
	kn_buf rec = KN_BUF_INIT;
	uint8_t got[RECORD_ID_BYTES];

	make_record(&rec, id, f, subject, parents, np);
	assert_int_equal(store_put(s, rec.ptr, rec.len, got), 0);
	assert_memory_equal(got, id, RECORD_ID_BYTES);
	kn_buf_free(&rec);
}

/* Open the fixture's store with nosync (fast) unless told otherwise. */
static store *
open_store(fixture *f)
{
	store_opts o = { 0, 1 };
	store *s = NULL;

	assert_int_equal(store_open(&s, f->dir, &o), 0);
	assert_non_null(s);
	return s;
}

/* store_id_cb: collect ids into an idlist. */
static int
collect_id(void *ctx, const uint8_t id[RECORD_ID_BYTES])
{
	idlist *l = ctx;

	if (l->n >= MAX_IDS)
		return KN_ERROR;
	memcpy(l->ids[l->n++], id, RECORD_ID_BYTES);
	return l->stop_after && l->n >= l->stop_after ? 1 : 0;
}

/* Heads of document plan/SCHOOL/subject. */
static void
heads_of(idlist *out, store *s, const char *subject)
{
	char doc[RECORD_DOC_KEY_MAX];
	store_txn *t;
	int n = snprintf(doc, sizeof(doc), "%s/%s/%s", TYPE, SCHOOL, subject);

	memset(out, 0, sizeof(*out));
	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_heads(t, doc, (size_t)n, collect_id, out), 0);
	store_read_end(t);
}

/* Record ids of document plan/SCHOOL/subject. */
static void
records_of(idlist *out, store *s, const char *subject)
{
	char doc[RECORD_DOC_KEY_MAX];
	store_txn *t;
	int n = snprintf(doc, sizeof(doc), "%s/%s/%s", TYPE, SCHOOL, subject);

	memset(out, 0, sizeof(*out));
	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_doc_records(t, doc, (size_t)n, collect_id, out), 0);
	store_read_end(t);
}

/* Does the list hold id? */
static int
has_id(const idlist *l, const uint8_t id[RECORD_ID_BYTES])
{
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(l->ids[i], id, RECORD_ID_BYTES) == 0)
			return 1;
	return 0;
}

/* 1 when the store holds id, 0 when not. */
static int
store_has(store *s, const uint8_t id[RECORD_ID_BYTES])
{
	kn_buf b = KN_BUF_INIT;
	int rc = store_get(&b, s, id);

	kn_buf_free(&b);
	assert_true(rc == 0 || rc == KN_ENOTFOUND);
	return rc == 0;
}

/* A stored record comes back byte for byte, verifies, and survives a reopen. */
static void
test_store__put_then_get(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT, got = KN_BUF_INIT;
	uint8_t id[RECORD_ID_BYTES], out_id[RECORD_ID_BYTES], missing[RECORD_ID_BYTES] = { 0 };
	store *s = open_store(f);
	store_txn *t;
	store_stats st;
	record_view v;
	const uint8_t *p;
	size_t len;

	make_record(&rec, id, f, "t1", NULL, 0);
	assert_int_equal(store_put(s, rec.ptr, rec.len, out_id), 0);
	assert_memory_equal(out_id, id, RECORD_ID_BYTES);

	assert_int_equal(store_get(&got, s, id), 0);
	assert_int_equal(got.len, rec.len);
	assert_memory_equal(got.ptr, rec.ptr, rec.len);
	assert_int_equal(record_open(&v, got.ptr, got.len, id), 0);
	assert_memory_equal(v.author, f->pk, RECORD_KEY_BYTES);
	record_view_free(&v);

	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_txn_get(&p, &len, t, id), 0);
	assert_int_equal(len, rec.len);
	assert_memory_equal(p, rec.ptr, len);
	assert_int_equal(store_txn_get(&p, &len, t, missing), KN_ENOTFOUND);
	store_read_end(t);

	kn_buf_clear(&got);
	assert_int_equal(store_get(&got, s, missing), KN_ENOTFOUND);
	assert_int_equal(got.len, 0);

	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.last_seq, 1);
	assert_int_equal(st.schema, STORE_SCHEMA_VERSION);
	assert_true(st.map_bytes == ((uint64_t)4 << 30));
	assert_true(st.size_bytes > 0 && st.size_bytes <= st.map_bytes);

	/* Still there after a reopen. */
	store_close(s);
	s = open_store(f);
	kn_buf_clear(&got);
	assert_int_equal(store_get(&got, s, id), 0);
	assert_memory_equal(got.ptr, rec.ptr, rec.len);
	store_close(s);
	kn_buf_free(&rec);
	kn_buf_free(&got);
}

/* Adding a stored record again returns 1 and the change feed does not grow. */
static void
test_store__duplicate_returns_1(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t id[RECORD_ID_BYTES];
	store *s = open_store(f);
	store_batch *b;
	store_stats st;

	make_record(&rec, id, f, "dup", NULL, 0);
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), 0);
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), 1);
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.last_seq, 1);

	/* Within one batch too. */
	make_record(&rec, id, f, "dup2", NULL, 0);
	assert_int_equal(store_batch_begin(&b, s), 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 1);
	assert_int_equal(store_batch_count(b), 1);
	assert_int_equal(store_batch_commit(b), 0);
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.last_seq, 2);
	store_close(s);
	kn_buf_free(&rec);
}

/* Forged or malformed records are refused and nothing is written. */
static void
test_store__bad_signature_refused(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t id[RECORD_ID_BYTES], junk[8] = { 0x92, 0xc4, 1, 0, 0xc4, 0, 0, 0 };
	store *s = open_store(f);
	store_stats before, after;
	store_batch *b;

	put_new(s, f, id, "good", NULL, 0);
	assert_int_equal(store_stat(&before, s), 0);

	/* Flip one bit of the signature (the last 64 bytes). */
	make_record(&rec, id, f, "forged", NULL, 0);
	rec.ptr[rec.len - 10] ^= 0x04;
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), KN_EBADSIG);
	assert_string_equal(kn_error_field(), "signature");
	assert_false(store_has(s, id));

	/* A flipped payload bit changes the content the signature covers. */
	rec.ptr[rec.len - 10] ^= 0x04;
	rec.ptr[rec.len - RECORD_SIG_BYTES - 8] ^= 0x01;
	assert_int_not_equal(store_put(s, rec.ptr, rec.len, NULL), 0);

	/* Garbage is a structural fault; the batch is not poisoned by it. */
	assert_int_equal(store_batch_begin(&b, s), 0);
	assert_int_equal(store_batch_add(b, junk, sizeof(junk), NULL), KN_EBADREC);
	assert_int_equal(store_batch_count(b), 0);
	assert_int_equal(store_batch_commit(b), 0);

	assert_int_equal(store_stat(&after, s), 0);
	assert_int_equal(after.records, before.records);
	assert_int_equal(after.last_seq, before.last_seq);
	assert_int_equal(after.size_bytes, before.size_bytes);
	store_close(s);
	kn_buf_free(&rec);
}

/*
 * Change the stored bytes of record id behind the store's back (the store
 * closed, LMDB opened directly): flip bit `mask` of the byte at offset
 * from the end. Stands for a store file changed by someone else.
 */
static void
tamper_stored(const char *dir, const uint8_t id[RECORD_ID_BYTES], size_t from_end, uint8_t mask)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { RECORD_ID_BYTES, (void *)id }, v;
	uint8_t buf[RECORD_MAX_BYTES];

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "records", 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	assert_true(v.mv_size <= sizeof(buf) && from_end < v.mv_size);
	memcpy(buf, v.mv_data, v.mv_size);
	buf[v.mv_size - 1 - from_end] ^= mask;
	v.mv_data = buf;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

/*
 * The trust rule (store.h, store_record_open): a stored record is read
 * back without its signature checked again, because nothing gets into the
 * table unverified; the rest (structure, id = hash of the payload) is
 * still checked, so a damaged row is refused. Records from outside are
 * verified: test_store__bad_signature_refused.
 */
static void
test_store__stored_records_are_trusted(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT, got = KN_BUF_INIT;
	uint8_t id[RECORD_ID_BYTES], id2[RECORD_ID_BYTES], missing[RECORD_ID_BYTES] = { 0 };
	store *s = open_store(f);
	store_txn *t;
	record_view v;

	make_record(&rec, id, f, "t1", NULL, 0);
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), 0);
	put_new(s, f, id2, "t2", NULL, 0);
	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_record_open(&v, t, id), 0);
	assert_memory_equal(v.id, id, RECORD_ID_BYTES);
	assert_memory_equal(v.author, f->pk, RECORD_KEY_BYTES);
	assert_int_equal(v.raw_len, rec.len);
	record_view_free(&v);
	assert_int_equal(store_record_open(&v, t, missing), KN_ENOTFOUND);
	store_read_end(t);
	store_close(s);

	/* a signature bit of a stored record changed: the store's read does not look; record_open does */
	tamper_stored(f->dir, id, 9, 0x04);
	/* a payload bit of another: its id no longer names its content */
	tamper_stored(f->dir, id2, RECORD_SIG_BYTES + 2 + 4, 0x01);
	s = open_store(f);
	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_record_open(&v, t, id), 0);
	record_view_free(&v);
	assert_int_not_equal(store_record_open(&v, t, id2), 0);
	store_read_end(t);
	assert_int_equal(store_get(&got, s, id), 0);
	assert_int_equal(record_open(&v, got.ptr, got.len, id), KN_EBADSIG);
	/* and such bytes offered to the store from outside are refused */
	assert_int_equal(store_put(s, got.ptr, got.len, NULL), KN_EBADSIG);
	make_record(&rec, id, f, "t3", NULL, 0);
	rec.ptr[rec.len - 10] ^= 0x04;
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), KN_EBADSIG);
	store_close(s);
	kn_buf_free(&rec);
	kn_buf_free(&got);
}

/* Context of the check hook: refuses subject "refuse", counts calls. */
typedef struct {
	int calls;
	int idx_put_rc;
} check_ctx;

/* store check hook: refuse records about "refuse"; try to write (must fail). */
static int
check_refuse(void *ctx, store_txn *t, const record_view *v)
{
	check_ctx *c = ctx;

	c->calls++;
	c->idx_put_rc = store_idx_put(t, "k", 1, "v", 1);
	if (v->subject_len == 6 && memcmp(v->subject, "refuse", 6) == 0)
		return kn_error_set(KN_EDENIED, "subject", "refused by the test");
	return 0;
}

/* A check-hook refusal writes nothing; the batch goes on with the others. */
static void
test_store__check_hook_refusal(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t a[RECORD_ID_BYTES], r[RECORD_ID_BYTES], bb[RECORD_ID_BYTES];
	check_ctx c = { 0, 0 };
	store_hooks hooks = { check_refuse, NULL, &c };
	store *s = open_store(f);
	store_batch *b;
	store_stats st;
	idlist l;

	store_set_hooks(s, &hooks);
	assert_int_equal(store_batch_begin(&b, s), 0);
	make_record(&rec, a, f, "a", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	make_record(&rec, r, f, "refuse", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), KN_EDENIED);
	assert_string_equal(kn_error_field(), "subject");
	make_record(&rec, bb, f, "b", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	assert_int_equal(store_batch_count(b), 2);
	assert_int_equal(store_batch_commit(b), 0);

	assert_int_equal(c.calls, 3);
	assert_int_equal(c.idx_put_rc, KN_EINVAL); /* the check hook may not write */
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.last_seq, 2);
	assert_true(store_has(s, a));
	assert_true(store_has(s, bb));
	assert_false(store_has(s, r));
	records_of(&l, s, "refuse");
	assert_int_equal(l.n, 0);
	heads_of(&l, s, "refuse");
	assert_int_equal(l.n, 0);

	/* store_put returns the hook's code too. */
	make_record(&rec, r, f, "refuse", NULL, 0);
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), KN_EDENIED);
	store_set_hooks(s, NULL);
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), 0);
	store_close(s);
	kn_buf_free(&rec);
}

/* store index hook: "s:<subject>" -> record id. */
static int
index_subject(void *ctx, store_txn *t, const record_view *v)
{
	char key[2 + 128];

	(void)ctx;
	memcpy(key, "s:", 2);
	memcpy(key + 2, v->subject, v->subject_len);
	return store_idx_put(t, key, 2 + v->subject_len, v->id, RECORD_ID_BYTES);
}

/* Entries seen by a prefix scan. */
typedef struct {
	char keys[8][32];
	int n;
	int stop_after;
	int fail;
} kvlist;

/* store_kv_cb: collect keys (as strings); may stop or fail on request. */
static int
collect_kv(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	kvlist *l = ctx;

	(void)val;
	if (l->fail)
		return l->fail;
	if (l->n >= 8 || klen >= 32 || vlen != RECORD_ID_BYTES)
		return KN_ERROR;
	memcpy(l->keys[l->n], key, klen);
	l->keys[l->n][klen] = '\0';
	l->n++;
	return l->stop_after && l->n >= l->stop_after ? 1 : 0;
}

/* Index-hook entries are visible by get and prefix scan, in the batch and after. */
static void
test_store__index_hook(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t a1[RECORD_ID_BYTES], a2[RECORD_ID_BYTES], b1[RECORD_ID_BYTES];
	store_hooks hooks = { NULL, index_subject, NULL };
	store *s = open_store(f);
	store_batch *b;
	store_txn *t;
	const uint8_t *p;
	size_t len;
	kvlist l;

	store_set_hooks(s, &hooks);
	assert_int_equal(store_batch_begin(&b, s), 0);
	make_record(&rec, a2, f, "a2", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	make_record(&rec, b1, f, "b1", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	make_record(&rec, a1, f, "a1", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	/* The batch's transaction sees its own entries before commit. */
	assert_int_equal(store_idx_get(&p, &len, store_batch_txn(b), "s:b1", 4), 0);
	assert_int_equal(len, RECORD_ID_BYTES);
	assert_memory_equal(p, b1, RECORD_ID_BYTES);
	assert_int_equal(store_batch_commit(b), 0);

	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_idx_get(&p, &len, t, "s:a1", 4), 0);
	assert_memory_equal(p, a1, RECORD_ID_BYTES);
	assert_int_equal(store_idx_get(&p, &len, t, "s:zz", 4), KN_ENOTFOUND);
	assert_int_equal(store_idx_get(&p, &len, t, "", 0), KN_EINVAL);
	assert_int_equal(store_idx_put(t, "x", 1, "y", 1), KN_EINVAL);

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_idx_scan(t, "s:a", 3, collect_kv, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.keys[0], "s:a1");
	assert_string_equal(l.keys[1], "s:a2");

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_idx_scan(t, "", 0, collect_kv, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.keys[2], "s:b1");

	memset(&l, 0, sizeof(l));
	assert_int_equal(store_idx_scan(t, "s:c", 3, collect_kv, &l), 0);
	assert_int_equal(l.n, 0);

	memset(&l, 0, sizeof(l));
	l.stop_after = 1;
	assert_int_equal(store_idx_scan(t, "s:", 2, collect_kv, &l), 0);
	assert_int_equal(l.n, 1);

	memset(&l, 0, sizeof(l));
	l.fail = -42;
	assert_int_equal(store_idx_scan(t, "s:", 2, collect_kv, &l), -42);
	store_read_end(t);
	store_close(s);
	kn_buf_free(&rec);
}

/* store index hook that fails for subject "boom". */
static int
index_boom(void *ctx, store_txn *t, const record_view *v)
{
	(void)ctx;
	(void)t;
	if (v->subject_len == 4 && memcmp(v->subject, "boom", 4) == 0)
		return kn_error_set(KN_ERROR, "", "index failed in the test");
	return 0;
}

/* An index-hook failure (after the write) poisons the whole batch. */
static void
test_store__index_failure_poisons_batch(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t id[RECORD_ID_BYTES];
	store_hooks hooks = { NULL, index_boom, NULL };
	store *s = open_store(f);
	store_batch *b;
	store_stats st;

	store_set_hooks(s, &hooks);
	assert_int_equal(store_batch_begin(&b, s), 0);
	make_record(&rec, id, f, "ok", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	make_record(&rec, id, f, "boom", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), KN_ERROR);
	make_record(&rec, id, f, "later", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), KN_ERROR);
	assert_int_equal(store_batch_commit(b), KN_ERROR);
	assert_non_null(strstr(kn_error_message(), "index failed"));
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, 0);
	assert_int_equal(st.last_seq, 0);
	store_close(s);
	kn_buf_free(&rec);
}

/* A then B (parent A): B is the only head and A is superseded. */
static void
test_store__heads_parent_first(void **state)
{
	fixture *f = *state;
	uint8_t a[RECORD_ID_BYTES], b[1][RECORD_ID_BYTES];
	store *s = open_store(f);
	store_txn *t;
	idlist l;

	put_new(s, f, a, "doc", NULL, 0);
	heads_of(&l, s, "doc");
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.ids[0], a, RECORD_ID_BYTES);

	put_new(s, f, b[0], "doc", (const uint8_t (*)[RECORD_ID_BYTES])&a, 1);
	heads_of(&l, s, "doc");
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.ids[0], b[0], RECORD_ID_BYTES);

	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_is_superseded(t, a), 1);
	assert_int_equal(store_is_superseded(t, b[0]), 0);
	store_read_end(t);
	store_close(s);
}

/* B (parent A) before A: still only B is head, across commits and in one batch. */
static void
test_store__heads_child_first(void **state)
{
	fixture *f = *state;
	kn_buf ra = KN_BUF_INIT, rb = KN_BUF_INIT;
	uint8_t a[1][RECORD_ID_BYTES], b[RECORD_ID_BYTES], c[1][RECORD_ID_BYTES], d[RECORD_ID_BYTES];
	store *s = open_store(f);
	store_batch *bt;
	store_txn *t;
	idlist l;

	/* B (parent A) arrives before A, in separate commits: B waits for A, then both are stored. */
	store_stats st;
	make_record(&ra, a[0], f, "doc", NULL, 0);
	make_record(&rb, b, f, "doc", a, 1);
	assert_int_equal(store_put(s, rb.ptr, rb.len, NULL), 2);
	assert_int_equal(store_put(s, rb.ptr, rb.len, NULL), 2); /* again: still waiting, held once */
	heads_of(&l, s, "doc");
	assert_int_equal(l.n, 0);
	assert_false(store_has(s, b));
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.held, 1);
	assert_int_equal(store_put(s, ra.ptr, ra.len, NULL), 0);
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.held, 0);
	assert_true(store_has(s, b));
	heads_of(&l, s, "doc");
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.ids[0], b, RECORD_ID_BYTES);
	records_of(&l, s, "doc");
	assert_int_equal(l.n, 2);
	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_is_superseded(t, a[0]), 1);
	store_read_end(t);

	/* The same within one batch. */
	make_record(&ra, c[0], f, "doc2", NULL, 0);
	make_record(&rb, d, f, "doc2", c, 1);
	assert_int_equal(store_batch_begin(&bt, s), 0);
	assert_int_equal(store_batch_add(bt, rb.ptr, rb.len, NULL), 2);
	assert_int_equal(store_batch_add(bt, ra.ptr, ra.len, NULL), 0);
	assert_int_equal(store_batch_count(bt), 2);
	assert_int_equal(store_batch_commit(bt), 0);
	heads_of(&l, s, "doc2");
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.ids[0], d, RECORD_ID_BYTES);
	store_close(s);
	kn_buf_free(&ra);
	kn_buf_free(&rb);
}

/*
 * Records that wait for others are released in a chain when the missing
 * one comes (C waits for B, B for A; an auth dependency counts like a
 * parent); a released record that the rules refuse is dropped alone.
 */
static void
test_store__held_chain_released(void **state)
{
	fixture *f = *state;
	kn_buf ra = KN_BUF_INIT, rb = KN_BUF_INIT, rc = KN_BUF_INIT, rx = KN_BUF_INIT, ry = KN_BUF_INIT;
	uint8_t a[1][RECORD_ID_BYTES], b[1][RECORD_ID_BYTES], c[RECORD_ID_BYTES], x[RECORD_ID_BYTES], y[RECORD_ID_BYTES];
	check_ctx cc = { 0, 0 };
	store_hooks hooks = { check_refuse, NULL, &cc };
	store *s = open_store(f);
	store_stats st;
	idlist l;

	store_set_hooks(s, &hooks);
	make_record(&ra, a[0], f, "doc", NULL, 0);
	make_record(&rb, b[0], f, "doc", a, 1);
	make_record(&rc, c, f, "doc", b, 1);
	make_record(&rx, x, f, "refuse", a, 1);
	/* y names A as its auth record, not as a parent */
	record_fields fy = { TYPE, SCHOOL, "other", (1700000000000ULL << 16) + 999, NULL, 0,
		(const uint8_t *)"\x80", 1, (const uint8_t(*)[RECORD_ID_BYTES])a, 1 };
	assert_int_equal(record_sign(&ry, y, &fy, f->pk, f->sk), 0);
	assert_int_equal(store_put(s, rc.ptr, rc.len, NULL), 2);
	assert_int_equal(store_put(s, rx.ptr, rx.len, NULL), 2);
	assert_int_equal(store_put(s, ry.ptr, ry.len, NULL), 2);
	assert_int_equal(store_put(s, rb.ptr, rb.len, NULL), 2);
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.held, 4);
	assert_int_equal(st.records, 0);
	assert_int_equal(cc.calls, 0); /* the rules never saw a record whose dependencies were missing */
	assert_int_equal(store_put(s, ra.ptr, ra.len, NULL), 0);
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.held, 0);
	assert_int_equal(st.records, 4);
	assert_true(store_has(s, c));
	assert_true(store_has(s, y));
	assert_false(store_has(s, x));
	heads_of(&l, s, "doc");
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.ids[0], c, RECORD_ID_BYTES);
	store_close(s);
	kn_buf_free(&ra);
	kn_buf_free(&rb);
	kn_buf_free(&rc);
	kn_buf_free(&rx);
	kn_buf_free(&ry);
}

/* Two children of A are two heads; a record replacing both is the one head. */
static void
test_store__heads_two_children(void **state)
{
	fixture *f = *state;
	uint8_t a[1][RECORD_ID_BYTES], bc[2][RECORD_ID_BYTES], d[RECORD_ID_BYTES];
	store *s = open_store(f);
	idlist l;

	put_new(s, f, a[0], "doc", NULL, 0);
	put_new(s, f, bc[0], "doc", a, 1);
	put_new(s, f, bc[1], "doc", a, 1);
	heads_of(&l, s, "doc");
	assert_int_equal(l.n, 2);
	assert_true(has_id(&l, bc[0]));
	assert_true(has_id(&l, bc[1]));
	assert_true(memcmp(l.ids[0], l.ids[1], RECORD_ID_BYTES) < 0);

	/* A merge of both replaces both. */
	put_new(s, f, d, "doc", bc, 2);
	heads_of(&l, s, "doc");
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.ids[0], d, RECORD_ID_BYTES);
	store_close(s);
}

/* store_doc_records lists every record of a document, in id order, and only those. */
static void
test_store__doc_records(void **state)
{
	fixture *f = *state;
	uint8_t x[3][RECORD_ID_BYTES], y[RECORD_ID_BYTES];
	store *s = open_store(f);
	store_txn *t;
	idlist l;

	put_new(s, f, x[0], "x", NULL, 0);
	put_new(s, f, y, "y", NULL, 0);
	put_new(s, f, x[1], "x", (const uint8_t (*)[RECORD_ID_BYTES])x[0], 1);
	put_new(s, f, x[2], "x", (const uint8_t (*)[RECORD_ID_BYTES])x[1], 1);

	records_of(&l, s, "x");
	assert_int_equal(l.n, 3);
	for (int i = 0; i < 3; i++)
		assert_true(has_id(&l, x[i]));
	assert_false(has_id(&l, y));
	for (size_t i = 1; i < l.n; i++)
		assert_true(memcmp(l.ids[i - 1], l.ids[i], RECORD_ID_BYTES) < 0);
	records_of(&l, s, "y");
	assert_int_equal(l.n, 1);
	records_of(&l, s, "nothing");
	assert_int_equal(l.n, 0);

	/* Stop early; bad document keys. */
	assert_int_equal(store_read_begin(&t, s), 0);
	memset(&l, 0, sizeof(l));
	l.stop_after = 2;
	assert_int_equal(store_doc_records(t, "plan/" SCHOOL "/x", strlen("plan/" SCHOOL "/x"), collect_id, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(store_doc_records(t, "", 0, collect_id, &l), KN_EINVAL);
	store_read_end(t);
	store_close(s);
}

/* What a change-feed scan saw: the next sequence expected, and the ids. */
typedef struct {
	uint64_t next;
	idlist ids;
} logscan;

/* store_log_cb: check sequences are consecutive from l->next, collect ids. */
static int
collect_log(void *ctx, uint64_t seq, const uint8_t id[RECORD_ID_BYTES])
{
	logscan *l = ctx;

	if (seq != l->next)
		return KN_ERROR;
	l->next++;
	return collect_id(&l->ids, id);
}

/* The change feed runs in sequence order from `after`, and stops or fails on request. */
static void
test_store__log_scan(void **state)
{
	fixture *f = *state;
	uint8_t ids[5][RECORD_ID_BYTES];
	store *s = open_store(f);
	store_txn *t;
	logscan l;
	char subj[32];

	for (int i = 0; i < 5; i++) {
		snprintf(subj, sizeof(subj), "l%d", i);
		put_new(s, f, ids[i], subj, NULL, 0);
	}
	assert_int_equal(store_read_begin(&t, s), 0);

	memset(&l, 0, sizeof(l));
	l.next = 1;
	assert_int_equal(store_log_scan(t, 0, collect_log, &l), 0);
	assert_int_equal(l.ids.n, 5);
	for (int i = 0; i < 5; i++)
		assert_memory_equal(l.ids.ids[i], ids[i], RECORD_ID_BYTES);

	memset(&l, 0, sizeof(l));
	l.next = 4;
	assert_int_equal(store_log_scan(t, 3, collect_log, &l), 0);
	assert_int_equal(l.ids.n, 2);
	assert_memory_equal(l.ids.ids[0], ids[3], RECORD_ID_BYTES);
	assert_memory_equal(l.ids.ids[1], ids[4], RECORD_ID_BYTES);

	memset(&l, 0, sizeof(l));
	l.next = 6;
	assert_int_equal(store_log_scan(t, 5, collect_log, &l), 0);
	assert_int_equal(l.ids.n, 0);
	assert_int_equal(store_log_scan(t, UINT64_MAX, collect_log, &l), 0);
	assert_int_equal(l.ids.n, 0);

	memset(&l, 0, sizeof(l));
	l.next = 2;
	l.ids.stop_after = 2;
	assert_int_equal(store_log_scan(t, 1, collect_log, &l), 0);
	assert_int_equal(l.ids.n, 2);

	/* A callback error is returned as is. */
	memset(&l, 0, sizeof(l));
	l.next = 99;
	assert_int_equal(store_log_scan(t, 0, collect_log, &l), KN_ERROR);
	store_read_end(t);
	store_close(s);
}

/* 1000 records in one batch: invisible until its one commit, all there after reopen. */
static void
test_store__group_commit(void **state)
{
	enum { N = 1000 };
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t (*ids)[RECORD_ID_BYTES] = calloc(N, RECORD_ID_BYTES);
	store_opts o = { 0, 0 };
	store *s;
	store_batch *b;
	store_txn *t;
	store_stats st;
	const uint8_t *p;
	size_t len;
	char subj[32];

	assert_non_null(ids);
	assert_int_equal(store_open(&s, f->dir, &o), 0);
	assert_int_equal(store_batch_begin(&b, s), 0);
	for (int i = 0; i < N; i++) {
		snprintf(subj, sizeof(subj), "g%d", i % 50);
		make_record(&rec, ids[i], f, subj, NULL, 0);
		assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	}
	assert_int_equal(store_batch_count(b), N);

	/* Nothing is visible outside the batch before its one commit. */
	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_txn_get(&p, &len, t, ids[0]), KN_ENOTFOUND);
	store_read_end(t);
	assert_int_equal(store_txn_get(&p, &len, store_batch_txn(b), ids[N - 1]), 0);
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, 0);

	assert_int_equal(store_batch_commit(b), 0);
	store_close(s);

	assert_int_equal(store_open(&s, f->dir, &o), 0);
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, N);
	assert_int_equal(st.last_seq, N);
	assert_int_equal(store_read_begin(&t, s), 0);
	for (int i = 0; i < N; i++) {
		record_view v;

		assert_int_equal(store_txn_get(&p, &len, t, ids[i]), 0);
		assert_int_equal(record_open(&v, p, len, ids[i]), 0);
		record_view_free(&v);
	}
	store_read_end(t);
	store_close(s);
	kn_buf_free(&rec);
	free(ids);
}

/* A full map fails the batch with KN_EFULL, stores none of it, and the store recovers. */
static void
test_store__map_full(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t id[RECORD_ID_BYTES], small[3][RECORD_ID_BYTES];
	store_opts o = { 1 << 20, 1 };
	store *s;
	store_batch *b;
	store_stats before, st;
	char subj[32];
	int rc = 0, i;

	assert_int_equal(store_open(&s, f->dir, &o), 0);
	put_new(s, f, small[0], "before0", NULL, 0);
	put_new(s, f, small[1], "before1", NULL, 0);
	assert_int_equal(store_stat(&before, s), 0);
	assert_true(before.map_bytes <= (2u << 20));

	assert_int_equal(store_batch_begin(&b, s), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(subj, sizeof(subj), "full%d", i);
		kn_buf_clear(&rec);
		assert_int_equal(make_record_rc(&rec, id, f, subj, 0, NULL, 0, 2000), 0);
		rc = store_batch_add(b, rec.ptr, rec.len, NULL);
		if (rc != 0)
			break;
	}
	assert_int_equal(rc, KN_EFULL);
	assert_true(i > 10);
	assert_non_null(strstr(kn_error_message(), "map_size"));
	/* The batch is poisoned: more adds and the commit fail. */
	kn_buf_clear(&rec);
	assert_int_equal(make_record_rc(&rec, id, f, "tiny", 0, NULL, 0, 0), 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), KN_EFULL);
	assert_int_equal(store_batch_commit(b), KN_EFULL);
	assert_non_null(strstr(kn_error_message(), "store.map_size_mb"));

	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, before.records);
	assert_int_equal(st.last_seq, before.last_seq);
	store_close(s);

	/* It still opens and takes a fresh small batch. */
	assert_int_equal(store_open(&s, f->dir, &o), 0);
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, before.records);
	assert_true(store_has(s, small[0]));
	assert_int_equal(store_batch_begin(&b, s), 0);
	for (i = 0; i < 3; i++) {
		snprintf(subj, sizeof(subj), "after%d", i);
		make_record(&rec, small[i], f, subj, NULL, 0);
		assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	}
	assert_int_equal(store_batch_commit(b), 0);
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, before.records + 3);
	assert_true(store_has(s, small[2]));
	store_close(s);
	kn_buf_free(&rec);
}

/* A second open, in-process or from another process, gets KN_ELOCKED until close. */
static void
test_store__lock(void **state)
{
	fixture *f = *state;
	store *s1, *s2 = NULL;
	char want[64];
	pid_t pid;
	int status;

	s1 = open_store(f);
	assert_int_equal(store_open(&s2, f->dir, NULL), KN_ELOCKED);
	assert_null(s2);
	snprintf(want, sizeof(want), "in use by another kinerjad (pid %ld)", (long)getpid());
	assert_non_null(strstr(kn_error_message(), want));
	assert_non_null(strstr(kn_error_message(), f->dir));

	/* Another process is refused too. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		store *c = NULL;
		_exit(store_open(&c, f->dir, NULL) == KN_ELOCKED && c == NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	store_close(s1);
	assert_int_equal(store_open(&s2, f->dir, NULL), 0);
	store_close(s2);
}

/* Assert that path exists with exactly the permission bits mode. */
static void
assert_mode(const char *path, unsigned mode)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	if ((st.st_mode & 07777) != mode)
		fail_msg("%s has mode %04o, want %04o", path, (unsigned)(st.st_mode & 07777), mode);
}

/* store_open(dir) is refused with exactly this message, field "store_dir". */
static void
assert_open_refused(const char *dir, const char *what, const char *path, unsigned mode, const char *fix)
{
	char want[512];
	store *s = NULL;

	snprintf(want, sizeof(want), "store %s %s has mode %04o and is open to group or others: run chmod %s %s",
	    what, path, mode, fix, path);
	assert_int_equal(store_open(&s, dir, NULL), KN_EINVAL);
	assert_null(s);
	assert_string_equal(kn_error_field(), "store_dir");
	assert_string_equal(kn_error_message(), want);
}

/*
 * The store directory is created 0700 and its LMDB files 0600; a directory
 * or file open to group or others is refused, naming it and the fix, and
 * the store opens again once the mode is fixed.
 */
static void
test_store__private_modes(void **state)
{
	static const unsigned dir_modes[] = { 0750, 0710, 0705, 0701, 0755, 0777 };
	static const unsigned file_modes[] = { 0640, 0604, 0660, 0644 };
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	fixture *f = *state;
	char dir[128], path[160];
	store *s = NULL;

	snprintf(dir, sizeof(dir), "%s/store", f->dir);
	assert_int_equal(store_open(&s, dir, NULL), 0);
	store_close(s);
	s = NULL;
	assert_mode(dir, 0700);
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		assert_mode(path, 0600);
	}

	for (size_t i = 0; i < sizeof(dir_modes) / sizeof(dir_modes[0]); i++) {
		assert_int_equal(chmod(dir, dir_modes[i]), 0);
		assert_open_refused(dir, "directory", dir, dir_modes[i], "700");
	}
	assert_int_equal(chmod(dir, 0700), 0);

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		for (size_t j = 0; j < sizeof(file_modes) / sizeof(file_modes[0]); j++) {
			assert_int_equal(chmod(path, file_modes[j]), 0);
			assert_open_refused(dir, "file", path, file_modes[j], "600");
		}
		assert_int_equal(chmod(path, 0600), 0);
	}
	/* The refusals released the lock: fixed, it opens. */
	assert_int_equal(store_open(&s, dir, NULL), 0);
	store_close(s);

	/* A file where the directory should be is named as such. */
	snprintf(path, sizeof(path), "%s/plain", f->dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	s = NULL;
	assert_int_equal(store_open(&s, path, NULL), KN_EINVAL);
	assert_non_null(strstr(kn_error_message(), "is not a directory"));
}

/* A store written by a newer schema is refused with KN_EINVAL. */
static void
test_store__schema_newer_refused(void **state)
{
	fixture *f = *state;
	store *s = open_store(f);
	kn_buf v = KN_BUF_INIT;

	assert_int_equal(store_meta_get(&v, s, "schema"), 0);
	assert_int_equal(v.len, 1);
	assert_int_equal(v.ptr[0], '0' + STORE_SCHEMA_VERSION);
	assert_int_equal(store_meta_put(s, "schema", "99", 2), 0);
	store_close(s);

	s = NULL;
	assert_int_equal(store_open(&s, f->dir, NULL), KN_EINVAL);
	assert_null(s);
	assert_non_null(strstr(kn_error_message(), "newer Kinerja"));
	/* The failed open released the lock: same answer, not KN_ELOCKED. */
	assert_int_equal(store_open(&s, f->dir, NULL), KN_EINVAL);
	kn_buf_free(&v);
}

/* An older schema is migrated on open; a damaged one is an error. */
static void
test_store__schema_migrates_older(void **state)
{
	fixture *f = *state;
	uint8_t id[RECORD_ID_BYTES];
	store *s = open_store(f);
	kn_buf v = KN_BUF_INIT;
	store_stats st;

	put_new(s, f, id, "kept", NULL, 0);
	for (char from = '0'; from < '0' + STORE_SCHEMA_VERSION; from++) {
		assert_int_equal(store_meta_put(s, "schema", &from, 1), 0);
		store_close(s);

		s = open_store(f);
		assert_int_equal(store_stat(&st, s), 0);
		assert_int_equal(st.schema, STORE_SCHEMA_VERSION);
		assert_int_equal(st.held, 0);
		assert_int_equal(store_meta_get(&v, s, "schema"), 0);
		assert_int_equal(v.len, 1);
		assert_int_equal(v.ptr[0], '0' + STORE_SCHEMA_VERSION);
		kn_buf_clear(&v);
		assert_true(store_has(s, id));
	}
	store_close(s);

	/* A damaged schema value is an error, not a silent reset. */
	s = open_store(f);
	assert_int_equal(store_meta_put(s, "schema", "one", 3), 0);
	store_close(s);
	s = NULL;
	assert_int_equal(store_open(&s, f->dir, NULL), KN_ERROR);
	assert_null(s);
	kn_buf_free(&v);
}

/* Meta values round-trip, append to out, persist, and wait for an open batch. */
static void
test_store__meta_round_trip(void **state)
{
	fixture *f = *state;
	store *s = open_store(f);
	kn_buf v = KN_BUF_INIT;
	store_batch *b;

	assert_int_equal(store_meta_put(s, "greeting", "halo", 4), 0);
	assert_int_equal(kn_buf_put(&v, "<", 1), 0);
	assert_int_equal(store_meta_get(&v, s, "greeting"), 0);
	assert_int_equal(v.len, 5);
	assert_memory_equal(v.ptr, "<halo", 5); /* appended */
	assert_int_equal(store_meta_put(s, "greeting", "selamat pagi", 12), 0);
	kn_buf_clear(&v);
	assert_int_equal(store_meta_get(&v, s, "greeting"), 0);
	assert_int_equal(v.len, 12);
	assert_int_equal(store_meta_get(&v, s, "absent"), KN_ENOTFOUND);
	assert_int_equal(store_meta_get(&v, s, ""), KN_EINVAL);
	assert_int_equal(store_meta_put(s, "", "x", 1), KN_EINVAL);

	/* One writer at a time. */
	assert_int_equal(store_batch_begin(&b, s), 0);
	assert_int_equal(store_meta_put(s, "greeting", "x", 1), KN_ESTATE);
	store_batch_abort(b);

	store_close(s);
	s = open_store(f);
	kn_buf_clear(&v);
	assert_int_equal(store_meta_get(&v, s, "greeting"), 0);
	assert_int_equal(v.len, 12);
	assert_memory_equal(v.ptr, "selamat pagi", 12);
	store_close(s);
	kn_buf_free(&v);
}

/* The clock only goes forward: past records with future times and restarts. */
static void
test_store__hlc_monotonic(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t id[RECORD_ID_BYTES];
	store *s = open_store(f);
	uint64_t h1, h2, h3, h4, future;

	h1 = store_hlc_next(s);
	h2 = store_hlc_next(s);
	assert_true(h1 >= (kn_now_ms() - 1000) << 16);
	assert_true(h2 > h1);

	/* A record from a clock a day ahead pulls ours forward. */
	future = (kn_now_ms() + 86400000ULL) << 16;
	assert_int_equal(make_record_rc(&rec, id, f, "future", future, NULL, 0, 0), 0);
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), 0);
	h3 = store_hlc_next(s);
	assert_true(h3 > future);
	assert_true(store_hlc_next(s) > h3);
	h3 = store_hlc_next(s);
	store_close(s);

	/* And it never goes back across a restart. */
	s = open_store(f);
	h4 = store_hlc_next(s);
	assert_true(h4 > h3);
	store_close(s);
	kn_buf_free(&rec);
}

/* Sealed keys stored in a batch come back, overwrite, and persist. */
static void
test_store__key_round_trip(void **state)
{
	fixture *f = *state;
	static const uint8_t blob1[] = "sealed-key-1", blob2[] = "sealed-key-two";
	uint8_t other[RECORD_KEY_BYTES] = { 1 };
	store *s = open_store(f);
	kn_buf v = KN_BUF_INIT;
	store_batch *b;

	assert_int_equal(store_batch_begin(&b, s), 0);
	assert_int_equal(store_batch_key_put(b, f->pk, blob1, sizeof(blob1)), 0);
	assert_int_equal(store_batch_key_put(b, f->pk, NULL, 0), KN_EINVAL);
	assert_int_equal(store_batch_commit(b), 0);
	assert_int_equal(store_key_get(&v, s, f->pk), 0);
	assert_int_equal(v.len, sizeof(blob1));
	assert_memory_equal(v.ptr, blob1, sizeof(blob1));
	assert_int_equal(store_key_get(&v, s, other), KN_ENOTFOUND);

	/* Overwrite; persists across a reopen. */
	assert_int_equal(store_batch_begin(&b, s), 0);
	assert_int_equal(store_batch_key_put(b, f->pk, blob2, sizeof(blob2)), 0);
	assert_int_equal(store_batch_commit(b), 0);
	store_close(s);
	s = open_store(f);
	kn_buf_clear(&v);
	assert_int_equal(store_key_get(&v, s, f->pk), 0);
	assert_int_equal(v.len, sizeof(blob2));
	assert_memory_equal(v.ptr, blob2, sizeof(blob2));
	store_close(s);
	kn_buf_free(&v);
}

/* One batch at a time; abort discards; free functions are NULL-safe. */
static void
test_store__one_batch_at_a_time(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t id[RECORD_ID_BYTES];
	store *s = open_store(f);
	store_batch *b1, *b2 = NULL;
	store_stats st;

	make_record(&rec, id, f, "one", NULL, 0);
	assert_int_equal(store_batch_begin(&b1, s), 0);
	assert_int_equal(store_batch_begin(&b2, s), KN_ESTATE);
	assert_null(b2);
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), KN_ESTATE);
	assert_int_equal(store_batch_add(b1, rec.ptr, rec.len, NULL), 0);
	/* store_read_end on a batch's transaction is ignored. */
	store_read_end(store_batch_txn(b1));
	store_batch_abort(b1);

	/* The aborted record was never stored: it can be added anew. */
	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, 0);
	assert_false(store_has(s, id));
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), 0);

	/* An empty batch commits as a no-op. */
	assert_int_equal(store_batch_begin(&b1, s), 0);
	assert_int_equal(store_batch_commit(b1), 0);

	/* Free functions are NULL-safe. */
	store_batch_abort(NULL);
	store_read_end(NULL);
	store_close(NULL);
	assert_int_equal(store_batch_count(NULL), 0);
	store_close(s);
	kn_buf_free(&rec);
}

/* Sub-transactions: kept ones join the batch, dropped ones leave no trace. */
static void
test_store__sub_keep_and_drop(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t a[RECORD_ID_BYTES], bb[RECORD_ID_BYTES], c[RECORD_ID_BYTES], r[RECORD_ID_BYTES];
	check_ctx cc = { 0, 0 };
	store_hooks hooks = { check_refuse, index_boom, &cc };
	store *s = open_store(f);
	store_batch *b;
	store_stats st;
	logscan l;
	store_txn *t;

	store_set_hooks(s, &hooks);
	assert_int_equal(store_batch_begin(&b, s), 0);
	assert_int_equal(store_batch_sub_end(b, 1), KN_ESTATE);

	/* Kept: A, even though a refused record was tried in the same sub. */
	assert_int_equal(store_batch_sub_begin(b), 0);
	assert_int_equal(store_batch_sub_begin(b), KN_ESTATE);
	make_record(&rec, a, f, "a", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	make_record(&rec, r, f, "refuse", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), KN_EDENIED);
	assert_int_equal(store_batch_sub_end(b, 1), 0);

	/* Dropped by the caller: B. */
	assert_int_equal(store_batch_sub_begin(b), 0);
	make_record(&rec, bb, f, "b", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	assert_int_equal(store_batch_count(b), 2);
	assert_int_equal(store_batch_sub_end(b, 0), 0);
	assert_int_equal(store_batch_count(b), 1);

	/* Poisoned by the index hook: dropped even with keep, batch goes on. */
	assert_int_equal(store_batch_sub_begin(b), 0);
	make_record(&rec, c, f, "c", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	make_record(&rec, r, f, "boom", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), KN_ERROR);
	make_record(&rec, r, f, "after-boom", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), KN_ERROR);
	assert_int_equal(store_batch_sub_end(b, 1), KN_ERROR);
	assert_non_null(strstr(kn_error_message(), "index failed"));

	/* The batch's reads see A only; a sub left open at commit is dropped. */
	assert_int_equal(store_batch_sub_begin(b), 0);
	make_record(&rec, r, f, "left-open", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	assert_int_equal(store_batch_commit(b), 0);

	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.last_seq, 1); /* no gaps left by dropped subs */
	assert_true(store_has(s, a));
	assert_false(store_has(s, bb));
	assert_false(store_has(s, c));
	assert_false(store_has(s, r));

	/* The dropped records can be stored later, continuing the feed. */
	store_set_hooks(s, NULL);
	make_record(&rec, bb, f, "b2", NULL, 0);
	assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), 0);
	assert_int_equal(store_read_begin(&t, s), 0);
	memset(&l, 0, sizeof(l));
	l.next = 1;
	assert_int_equal(store_log_scan(t, 0, collect_log, &l), 0);
	assert_int_equal(l.ids.n, 2);
	store_read_end(t);

	/* Abort with a sub open frees both. */
	assert_int_equal(store_batch_begin(&b, s), 0);
	assert_int_equal(store_batch_sub_begin(b), 0);
	store_batch_abort(b);
	store_close(s);
	kn_buf_free(&rec);
}

/*
 * store_record_open_shared: inside a batch a record is parsed once and
 * lent out, a dropped sub-transaction forgets what it held, past
 * STORE_SHARED_MAX records it opens as store_record_open does, and outside
 * a batch it is store_record_open.
 */
static void
test_store__shared_open(void **state)
{
	fixture *f = *state;
	enum { N = STORE_SHARED_MAX + 5 };
	kn_buf rec = KN_BUF_INIT;
	uint8_t a[RECORD_ID_BYTES], bb[RECORD_ID_BYTES], (*ids)[RECORD_ID_BYTES] = calloc(N, RECORD_ID_BYTES);
	record_view v1, v2, plain;
	store *s = open_store(f);
	store_batch *b;
	store_txn *t;
	size_t kept = 0;

	assert_non_null(ids);
	put_new(s, f, a, "a", NULL, 0);

	/* lent out: the same parse twice, the bytes stored, and a free that frees nothing of it */
	assert_int_equal(store_batch_begin(&b, s), 0);
	t = store_batch_txn(b);
	assert_int_equal(store_record_open_shared(&v1, t, a), 0);
	assert_int_equal(store_record_open_shared(&v2, t, a), 0);
	assert_ptr_equal(v1.raw, v2.raw);
	assert_null(v1.up.zone);
	assert_int_equal(store_record_open(&plain, t, a), 0);
	assert_int_equal(plain.raw_len, v1.raw_len);
	assert_memory_equal(plain.raw, v1.raw, plain.raw_len);
	assert_memory_equal(plain.id, v1.id, RECORD_ID_BYTES);
	record_view_free(&plain);
	record_view_free(&v1);
	record_view_free(&v2);
	assert_int_equal(store_record_open_shared(&v1, t, a), 0);
	assert_int_equal(v1.body->type, MSGPACK_OBJECT_MAP);
	record_view_free(&v1);

	/*
	 * a record of a dropped sub-transaction is gone, also from what the
	 * batch kept; a view lent before the drop is still whole after it
	 */
	assert_int_equal(store_record_open_shared(&v2, t, a), 0);
	assert_int_equal(store_batch_sub_begin(b), 0);
	make_record(&rec, bb, f, "b", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	assert_int_equal(store_record_open_shared(&v1, store_batch_txn(b), bb), 0);
	record_view_free(&v1);
	assert_int_equal(store_batch_sub_end(b, 0), 0);
	assert_int_equal(store_record_open_shared(&v1, store_batch_txn(b), bb), KN_ENOTFOUND);
	assert_int_equal(v2.body->type, MSGPACK_OBJECT_MAP);
	assert_memory_equal(v2.id, a, RECORD_ID_BYTES);
	record_view_free(&v2);
	assert_int_equal(store_record_open_shared(&v1, store_batch_txn(b), a), 0);
	assert_non_null(v1.up.zone); /* after a drop: an ordinary open */
	record_view_free(&v1);

	/* more records than it keeps: each still opens, the ones past the bound as store_record_open does */
	for (size_t i = 0; i < N; i++) {
		char subj[32];
		snprintf(subj, sizeof(subj), "many-%zu", i);
		make_record(&rec, ids[i], f, subj, NULL, 0);
		assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	}
	assert_int_equal(store_batch_commit(b), 0);
	assert_int_equal(store_batch_begin(&b, s), 0);
	t = store_batch_txn(b);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(store_record_open_shared(&v1, t, ids[i]), 0);
		assert_memory_equal(v1.id, ids[i], RECORD_ID_BYTES);
		kept += v1.up.zone == NULL;
		record_view_free(&v1);
	}
	assert_int_equal(kept, STORE_SHARED_MAX);
	store_batch_abort(b);

	/* outside a batch: an ordinary open */
	assert_int_equal(store_read_begin(&t, s), 0);
	assert_int_equal(store_record_open_shared(&v1, t, ids[N - 1]), 0);
	assert_non_null(v1.up.zone);
	assert_memory_equal(v1.id, ids[N - 1], RECORD_ID_BYTES);
	record_view_free(&v1);
	store_read_end(t);

	store_close(s);
	kn_buf_free(&rec);
	free(ids);
}

/* A full map inside a sub fails only that sub; the batch still commits. */
static void
test_store__sub_map_full_contained(void **state)
{
	fixture *f = *state;
	kn_buf rec = KN_BUF_INIT;
	uint8_t x[RECORD_ID_BYTES], y[RECORD_ID_BYTES], id[RECORD_ID_BYTES];
	store_opts o = { 1 << 20, 1 };
	store *s;
	store_batch *b;
	store_stats st;
	char subj[32];
	int rc = 0, i;

	assert_int_equal(store_open(&s, f->dir, &o), 0);
	assert_int_equal(store_batch_begin(&b, s), 0);
	assert_int_equal(store_batch_sub_begin(b), 0);
	make_record(&rec, x, f, "x", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	assert_int_equal(store_batch_sub_end(b, 1), 0);

	assert_int_equal(store_batch_sub_begin(b), 0);
	for (i = 0; i < 5000 && rc == 0; i++) {
		snprintf(subj, sizeof(subj), "big%d", i);
		kn_buf_clear(&rec);
		assert_int_equal(make_record_rc(&rec, id, f, subj, 0, NULL, 0, 2000), 0);
		rc = store_batch_add(b, rec.ptr, rec.len, NULL);
	}
	assert_int_equal(rc, KN_EFULL);
	assert_int_equal(store_batch_sub_end(b, 1), KN_EFULL);
	assert_int_equal(store_batch_count(b), 1);

	assert_int_equal(store_batch_sub_begin(b), 0);
	make_record(&rec, y, f, "y", NULL, 0);
	assert_int_equal(store_batch_add(b, rec.ptr, rec.len, NULL), 0);
	assert_int_equal(store_batch_sub_end(b, 1), 0);
	assert_int_equal(store_batch_commit(b), 0);

	assert_int_equal(store_stat(&st, s), 0);
	assert_int_equal(st.records, 2);
	assert_int_equal(st.last_seq, 2);
	assert_true(store_has(s, x));
	assert_true(store_has(s, y));
	store_close(s);
	kn_buf_free(&rec);
}

/*
 * The crash test's writer: batches of 1-20 fresh records, committed
 * durably; only after a commit returned 0 are their ids written to wfd,
 * which is the acknowledgement. Runs until killed.
 */
static void
crash_child(fixture *f, int wfd, unsigned round)
{
	store_opts o = { 0, 0 };
	kn_buf rec = KN_BUF_INIT;
	uint8_t ids[20][RECORD_ID_BYTES];
	unsigned n = 0;
	store *s;

	if (store_open(&s, f->dir, &o) != 0)
		_exit(3);
	for (;;) {
		unsigned k = 1 + randombytes_uniform(20);
		store_batch *b;
		char subj[32];

		if (store_batch_begin(&b, s) != 0)
			_exit(4);
		for (unsigned i = 0; i < k; i++) {
			snprintf(subj, sizeof(subj), "crash-%u-%u", round, n++);
			kn_buf_clear(&rec);
			if (make_record_rc(&rec, ids[i], f, subj, 0, NULL, 0, randombytes_uniform(600)) != 0)
				_exit(5);
			if (store_batch_add(b, rec.ptr, rec.len, NULL) != 0)
				_exit(6);
		}
		if (store_batch_commit(b) != 0)
			_exit(7);
		/* At most 640 bytes: one atomic pipe write. */
		if (kn_write_full(wfd, ids, k * RECORD_ID_BYTES) != 0)
			_exit(8);
	}
}

/* Read what is available from fd into acked; 0 at end of file. */
static ssize_t
read_some(int fd, kn_buf *acked)
{
	uint8_t buf[4096];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0)
		assert_int_equal(kn_buf_put(acked, buf, (size_t)n), 0);
	return n;
}

/* SIGKILL a committing writer at random: every acknowledged record survives. */
static void
test_store__crash_keeps_acknowledged(void **state)
{
	fixture *f = *state;
	kn_buf acked = KN_BUF_INIT, rec = KN_BUF_INIT;
	store_opts o = { 0, 0 };
	uint8_t id[RECORD_ID_BYTES];
	char subj[32];

	for (unsigned round = 0; round < 6; round++) {
		uint64_t end = kn_mono_ms() + 50 + randombytes_uniform(251);
		int p[2], status;
		store_txn *t;
		store_stats st;
		store *s;
		pid_t pid;

		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_child(f, p[1], round);
		}
		close(p[1]);
		for (uint64_t now = kn_mono_ms(); now < end; now = kn_mono_ms()) {
			struct pollfd pfd = { p[0], POLLIN, 0 };

			if (poll(&pfd, 1, (int)(end - now)) > 0 && read_some(p[0], &acked) == 0)
				break; /* the child died on its own */
		}
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status))
			fail_msg("writer child exited with %d before it was killed", WEXITSTATUS(status));
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		/* Acknowledgements still in the pipe count too. */
		while (read_some(p[0], &acked) > 0)
			;
		close(p[0]);
		assert_int_equal(acked.len % RECORD_ID_BYTES, 0);

		/* The holder died, so the lock is free; every ack survived. */
		assert_int_equal(store_open(&s, f->dir, &o), 0);
		assert_int_equal(store_read_begin(&t, s), 0);
		for (size_t off = 0; off < acked.len; off += RECORD_ID_BYTES) {
			const uint8_t *r;
			record_view v;
			size_t len;

			assert_int_equal(store_txn_get(&r, &len, t, acked.ptr + off), 0);
			assert_int_equal(record_open(&v, r, len, acked.ptr + off), 0);
			record_view_free(&v);
		}
		store_read_end(t);
		assert_int_equal(store_stat(&st, s), 0);
		assert_true(st.records >= acked.len / RECORD_ID_BYTES);
		assert_int_equal(st.records, st.last_seq);

		/* And it takes new writes. */
		snprintf(subj, sizeof(subj), "after-crash-%u", round);
		make_record(&rec, id, f, subj, NULL, 0);
		assert_int_equal(store_put(s, rec.ptr, rec.len, NULL), 0);
		store_close(s);
	}
	assert_true(acked.len > 0);
	kn_buf_free(&acked);
	kn_buf_free(&rec);
}

/* Run every store test; libsodium must be initialised first. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store__put_then_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__shared_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__duplicate_returns_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__bad_signature_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__stored_records_are_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__check_hook_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__index_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__index_failure_poisons_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__heads_parent_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__heads_child_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__heads_two_children, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__held_chain_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__doc_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__log_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__map_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__private_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__schema_newer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__schema_migrates_older, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__meta_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__hlc_monotonic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__key_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__one_batch_at_a_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__sub_keep_and_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__sub_map_full_contained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store__crash_keeps_acknowledged, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	kn_log_init("test_store", KN_LOG_WARN, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
