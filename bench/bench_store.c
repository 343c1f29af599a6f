/*
 * bench_store.c - signed records written per second through the store with
 * durable group commits, against a baseline of raw LMDB in the same process.
 *
 * Store side (timed): record_sign() a record with a fresh Ed25519 key, then
 * store_batch_add() it (which verifies the signature, checks the schema and
 * writes records, log, docs and heads); store_batch_commit() every `batch`
 * records, with fsync (nosync = 0), and no hooks installed.
 *
 * Baseline (timed): crypto_sign_detached() over the same payload bytes, then
 * mdb_put() of the same record bytes under their 32-byte id into one plain
 * LMDB database, mdb_txn_commit() every `batch` records, with fsync.
 *
 * Both run twice: grouped (100 records per commit) and ungrouped (one commit
 * per record). Each writes a fresh directory under /tmp (ext4 there, so the
 * fsyncs are real), removed at the end. After each run the environment is
 * reopened and must hold every record. Speed is reported, never asserted:
 * the exit status is 1 only for a functional failure.
 *
 * Usage: bench_store [BUILD_DIR]   (the argument is accepted and ignored)
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../store/store.h"
#include "../tests/lib/kntest.h"

#define BENCH_SCHOOL "20100001"
#define BENCH_TYPE "plan"
#define BENCH_HLC0 (1700000000000ULL << 16)
#define BENCH_MAP (1024UL * 1024 * 1024)

/* The author key: a fresh pair per run; sk is sodium_malloc'd. */
typedef struct {
	uint8_t pk[RECORD_KEY_BYTES];
	unsigned char *sk;
} bench_key;

/*
 * The records of one run, made before timing for the baseline: the record
 * bytes back to back in bytes, record i at off[i] with length len[i], its
 * payload at pay_off[i] (from the record's start) with length pay_len[i].
 */
typedef struct {
	size_t n;
	kn_buf bytes;
	size_t *off, *len, *pay_off, *pay_len;
	uint8_t (*id)[RECORD_ID_BYTES];
} bench_set;

/*
 * Sign record number i into out (cleared first): document plan/SCHOOL/
 * student-i with no parents, body {"n": i, "note": "..."}, a distinct hlc.
 * The same i and key give the same bytes (Ed25519 is deterministic).
 * Returns 0 or record_sign()'s error.
 */
static int
make_record(kn_buf *out, uint8_t id[RECORD_ID_BYTES], const bench_key *k, size_t i)
{
	static const char note[] = "attendance and lesson-plan score, term 1";
	uint8_t body[96];
	size_t blen = 0;
	char subject[32];
	record_fields f;

	/* {"n": uint32 i, "note": str} packed by hand: no allocation per record. */
	body[blen++] = 0x82;
	body[blen++] = 0xa1;
	body[blen++] = 'n';
	body[blen++] = 0xce;
	body[blen++] = (uint8_t)(i >> 24);
	body[blen++] = (uint8_t)(i >> 16);
	body[blen++] = (uint8_t)(i >> 8);
	body[blen++] = (uint8_t)i;
	body[blen++] = 0xa4;
	memcpy(body + blen, "note", 4);
	blen += 4;
	body[blen++] = 0xd9; /* str8 */
	body[blen++] = (uint8_t)(sizeof(note) - 1);
	memcpy(body + blen, note, sizeof(note) - 1);
	blen += sizeof(note) - 1;
	snprintf(subject, sizeof(subject), "student-%zu", i);
	f = (record_fields){
		.type = BENCH_TYPE,
		.school = BENCH_SCHOOL,
		.subject = subject,
		.hlc = BENCH_HLC0 + i,
		.parents = NULL,
		.nparents = 0,
		.body = body,
		.body_len = blen,
	};
	kn_buf_clear(out);
	return record_sign(out, id, &f, k->pk, k->sk);
}

/* Free a set's memory; NULL-safe. */
static void
set_free(bench_set *set)
{
	if (set == NULL)
		return;
	kn_buf_free(&set->bytes);
	free(set->off);
	free(set->len);
	free(set->pay_off);
	free(set->pay_len);
	free(set->id);
	memset(set, 0, sizeof(*set));
}

/*
 * Make records 0..n-1 into out (untimed), and locate each payload with
 * record_open(), which also proves the records valid. Returns 0 or -1.
 */
static int
set_make(bench_set *out, const bench_key *k, size_t n)
{
	kn_buf rec = KN_BUF_INIT;
	record_view v;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->n = n;
	out->off = calloc(n, sizeof(*out->off));
	out->len = calloc(n, sizeof(*out->len));
	out->pay_off = calloc(n, sizeof(*out->pay_off));
	out->pay_len = calloc(n, sizeof(*out->pay_len));
	out->id = calloc(n, sizeof(*out->id));
	if (!out->off || !out->len || !out->pay_off || !out->pay_len || !out->id) {
		fprintf(stderr, "bench_store: out of memory for %zu records\n", n);
		goto out_free;
	}
	for (size_t i = 0; i < n; i++) {
		if (make_record(&rec, out->id[i], k, i) != 0) {
			fprintf(stderr, "bench_store: record_sign: %s\n", kn_error_message());
			goto out_free;
		}
		if (record_open(&v, rec.ptr, rec.len, out->id[i]) != 0) {
			fprintf(stderr, "bench_store: record_open: %s\n", kn_error_message());
			goto out_free;
		}
		out->off[i] = out->bytes.len;
		out->len[i] = rec.len;
		out->pay_off[i] = (size_t)(v.payload - rec.ptr);
		out->pay_len[i] = v.payload_len;
		record_view_free(&v);
		if (kn_buf_put(&out->bytes, rec.ptr, rec.len) != 0) {
			fprintf(stderr, "bench_store: %s\n", kn_error_message());
			goto out_free;
		}
	}
	rc = 0;
	goto out_free_rec;

out_free:
	set_free(out);
out_free_rec:
	kn_buf_free(&rec);
	return rc;
}

/* Reopen the store in dir and check it holds exactly n records. */
static int
store_verify(const char *dir, const bench_set *set)
{
	store_opts o = { BENCH_MAP, 0 };
	store_stats st;
	store *s = NULL;
	kn_buf got = KN_BUF_INIT;
	size_t last = set->n - 1;
	int rc;

	rc = store_open(&s, dir, &o);
	if (rc) {
		fprintf(stderr, "bench_store: reopen %s: %s\n", dir, kn_error_message());
		return -1;
	}
	rc = store_stat(&st, s);
	if (rc == 0 && st.records != set->n) {
		fprintf(stderr, "bench_store: reopened store holds %llu records, wrote %zu\n",
		    (unsigned long long)st.records, set->n);
		rc = -1;
	}
	/* the last record of the last batch, byte for byte */
	if (rc == 0) {
		rc = store_get(&got, s, set->id[last]);
		if (rc == 0 && (got.len != set->len[last] ||
		    memcmp(got.ptr, set->bytes.ptr + set->off[last], got.len) != 0))
			rc = -1;
		if (rc)
			fprintf(stderr, "bench_store: last record missing or different after reopen\n");
	}
	kn_buf_free(&got);
	store_close(s);
	return rc ? -1 : 0;
}

/*
 * Timed store run: sign and add set->n records, committing durably every
 * batch records, into a new store at dir. *out = records per second.
 */
static int
run_store(double *out, const char *dir, const bench_key *k, const bench_set *set, size_t batch)
{
	store_opts o = { BENCH_MAP, 0 };
	store *s = NULL;
	store_batch *b = NULL;
	kn_buf rec = KN_BUF_INIT;
	uint8_t id[RECORD_ID_BYTES];
	double t0, t1;
	int rc;

	rc = store_open(&s, dir, &o);
	if (rc) {
		fprintf(stderr, "bench_store: store_open %s: %s\n", dir, kn_error_message());
		return -1;
	}
	if (kn_buf_grow(&rec, 1024) != 0)
		goto out_fail;
	t0 = kntest_now_s();
	for (size_t i = 0; i < set->n; i++) {
		if (b == NULL && store_batch_begin(&b, s) != 0) {
			fprintf(stderr, "bench_store: store_batch_begin: %s\n", kn_error_message());
			goto out_fail;
		}
		if (make_record(&rec, id, k, i) != 0) {
			fprintf(stderr, "bench_store: record_sign: %s\n", kn_error_message());
			goto out_fail;
		}
		rc = store_batch_add(b, rec.ptr, rec.len, id);
		if (rc != 0) {
			fprintf(stderr, "bench_store: store_batch_add of record %zu returned %d: %s\n",
			    i, rc, kn_error_message());
			goto out_fail;
		}
		if (store_batch_count(b) == batch || i + 1 == set->n) {
			rc = store_batch_commit(b);
			b = NULL;
			if (rc) {
				fprintf(stderr, "bench_store: store_batch_commit: %s\n", kn_error_message());
				goto out_fail;
			}
		}
	}
	t1 = kntest_now_s();
	/* the timed bytes must be the baseline's bytes */
	if (memcmp(id, set->id[set->n - 1], RECORD_ID_BYTES) != 0) {
		fprintf(stderr, "bench_store: re-signed record differs from the prepared one\n");
		goto out_fail;
	}
	store_close(s);
	kn_buf_free(&rec);
	*out = (double)set->n / (t1 - t0);
	return store_verify(dir, set);

out_fail:
	store_batch_abort(b);
	store_close(s);
	kn_buf_free(&rec);
	return -1;
}

/* Open a plain LMDB environment in dir (created) with fsync on commit. */
static int
lmdb_open(MDB_env **out, const char *dir)
{
	MDB_env *env = NULL;
	int rc;

	*out = NULL;
	if (mkdir(dir, 0700) != 0) {
		perror(dir);
		return -1;
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, BENCH_MAP)) != 0 ||
	    (rc = mdb_env_open(env, dir, MDB_NOTLS, 0600)) != 0) {
		fprintf(stderr, "bench_store: lmdb %s: %s\n", dir, mdb_strerror(rc));
		if (env)
			mdb_env_close(env);
		return -1;
	}
	*out = env;
	return 0;
}

/* Reopen the raw LMDB environment in dir and check it holds n entries. */
static int
lmdb_verify(const char *dir, size_t n)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_stat st;
	int rc;

	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, BENCH_MAP)) != 0 ||
	    (rc = mdb_env_open(env, dir, MDB_NOTLS | MDB_RDONLY, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0 ||
	    (rc = mdb_stat(txn, dbi, &st)) != 0) {
		fprintf(stderr, "bench_store: reopen lmdb %s: %s\n", dir, mdb_strerror(rc));
		rc = -1;
	} else if (st.ms_entries != n) {
		fprintf(stderr, "bench_store: reopened lmdb holds %zu entries, wrote %zu\n",
		    (size_t)st.ms_entries, n);
		rc = -1;
	}
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	return rc;
}

/*
 * Timed baseline: per record, Ed25519-sign the payload and put the record
 * bytes under its id; commit durably every batch records. The signature
 * must equal the one in the prepared record (same key, same payload).
 */
static int
run_lmdb(double *out, const char *dir, const bench_key *k, const bench_set *set, size_t batch)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi = 0;
	int have_dbi = 0;
	uint8_t sig[RECORD_SIG_BYTES];
	size_t in_txn = 0;
	double t0, t1;
	int rc;

	if (lmdb_open(&env, dir) != 0)
		return -1;
	t0 = kntest_now_s();
	for (size_t i = 0; i < set->n; i++) {
		const uint8_t *rec = set->bytes.ptr + set->off[i];
		MDB_val key = { RECORD_ID_BYTES, set->id[i] };
		MDB_val val = { set->len[i], (void *)rec };

		if (txn == NULL) {
			rc = mdb_txn_begin(env, NULL, 0, &txn);
			if (rc == 0 && !have_dbi)
				rc = mdb_dbi_open(txn, NULL, 0, &dbi);
			have_dbi = rc == 0;
			if (rc) {
				fprintf(stderr, "bench_store: lmdb begin: %s\n", mdb_strerror(rc));
				goto out_fail;
			}
		}
		crypto_sign_detached(sig, NULL, rec + set->pay_off[i], set->pay_len[i], k->sk);
		/* the signature follows the payload: bin8 header (2 bytes), 64 bytes */
		if (memcmp(sig, rec + set->len[i] - RECORD_SIG_BYTES, RECORD_SIG_BYTES) != 0) {
			fprintf(stderr, "bench_store: baseline signature differs from record %zu's\n", i);
			goto out_fail;
		}
		rc = mdb_put(txn, dbi, &key, &val, MDB_NOOVERWRITE);
		if (rc) {
			fprintf(stderr, "bench_store: mdb_put of record %zu: %s\n", i, mdb_strerror(rc));
			goto out_fail;
		}
		if (++in_txn == batch || i + 1 == set->n) {
			rc = mdb_txn_commit(txn);
			txn = NULL;
			in_txn = 0;
			if (rc) {
				fprintf(stderr, "bench_store: mdb_txn_commit: %s\n", mdb_strerror(rc));
				goto out_fail;
			}
		}
	}
	t1 = kntest_now_s();
	mdb_env_close(env);
	*out = (double)set->n / (t1 - t0);
	return lmdb_verify(dir, set->n);

out_fail:
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return -1;
}

/*
 * One comparison: n records in batches of batch, store then baseline, each
 * in its own subdirectory of root. Prints the pair and their ratio;
 * *out = the baseline's rate.
 */
static int
compare(double *out, const char *root, const bench_key *k, size_t n, size_t batch)
{
	char sdir[256], ldir[256];
	bench_set set;
	double srate = 0, lrate = 0;
	int rc = -1;

	snprintf(sdir, sizeof(sdir), "%s/store-%zu", root, batch);
	snprintf(ldir, sizeof(ldir), "%s/lmdb-%zu", root, batch);
	if (set_make(&set, k, n) != 0)
		return -1;
	if (run_store(&srate, sdir, k, &set, batch) != 0)
		goto out_free_set;
	if (run_lmdb(&lrate, ldir, k, &set, batch) != 0)
		goto out_free_set;
	printf("store: signed records, durable group commit (%zu/commit): %.0f rec/s  [%zu records]\n",
	    batch, srate, n);
	printf("baseline: raw LMDB put + Ed25519 sign, same batches:      %.0f rec/s\n", lrate);
	printf("ratio store/baseline: %.2f\n", srate / lrate);
	fflush(stdout);
	*out = lrate;
	rc = 0;

out_free_set:
	kntest_rm_rf(sdir);
	kntest_rm_rf(ldir);
	set_free(&set);
	return rc;
}

/*
 * For reading the ratio: the store verifies every signature it accepts
 * (record_open), which the baseline does not. Time n verifies alone.
 */
static int
verify_rate(double *out, const bench_key *k, size_t n)
{
	bench_set set;
	double t0, t1;
	int rc = 0;

	if (set_make(&set, k, n) != 0)
		return -1;
	t0 = kntest_now_s();
	for (size_t i = 0; i < n && rc == 0; i++) {
		const uint8_t *rec = set.bytes.ptr + set.off[i];
		rc = crypto_sign_verify_detached(rec + set.len[i] - RECORD_SIG_BYTES,
		    rec + set.pay_off[i], set.pay_len[i], k->pk);
	}
	t1 = kntest_now_s();
	set_free(&set);
	if (rc) {
		fprintf(stderr, "bench_store: a prepared signature does not verify\n");
		return -1;
	}
	*out = (double)n / (t1 - t0);
	return 0;
}

int
main(int argc, char **argv)
{
	char root[64];
	bench_key k;
	double vrate = 0, lrate = 0, lrate1 = 0;
	int rc = 1;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_store: sodium_init failed\n");
		return 1;
	}
	k.sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (k.sk == NULL || crypto_sign_keypair(k.pk, k.sk) != 0) {
		fprintf(stderr, "bench_store: cannot make a key pair\n");
		return 1;
	}
	if (kntest_tmpdir(root, sizeof(root), "/tmp/kn-bench-store.XXXXXX") != 0) {
		perror("mkdtemp");
		goto out_free_key;
	}
	printf("bench_store: durable commits (fsync) under %s\n", root);
	if (compare(&lrate, root, &k, 20000, 100) != 0)
		goto out_rm_root;
	if (compare(&lrate1, root, &k, 500, 1) != 0)
		goto out_rm_root;
	if (verify_rate(&vrate, &k, 5000) != 0)
		goto out_rm_root;
	/* rates add as times: 1/(1/a + 1/b) */
	printf("note: the store also verifies each signature (Ed25519 verify alone: %.0f/s);\n"
	    "      baseline + verify would be %.0f rec/s (100/commit), %.0f rec/s (1/commit)\n",
	    vrate, 1 / (1 / lrate + 1 / vrate), 1 / (1 / lrate1 + 1 / vrate));
	rc = 0;

out_rm_root:
	kntest_rm_rf(root);
out_free_key:
	sodium_free(k.sk);
	return rc;
}
