/*
 * store.c - the LMDB record store: records, change feed, document heads,
 * secondary index, sealed keys and meta values, written in group-committed
 * batches (see store.h for the contract and the table layout).
 *
 * LMDB codes never leave this file: store__err() maps them to KN_E* codes
 * with a message a person can act on.
 */
#include "store.h"
#include "record_int.h"
#include "../domain/messages.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define STORE__DEFAULT_MAP ((size_t)4 << 30)
#define STORE__MAXDBS 16
#define STORE__SEQ_BYTES 8

/* The named databases; index into store->dbi and store__dbs. */
enum {
	STORE__RECORDS,
	STORE__LOG,
	STORE__DOCS,
	STORE__HEADS,
	STORE__SUPERSEDED,
	STORE__IDX,
	STORE__KEYS,
	STORE__PEERS,
	STORE__META,
	STORE__HELD,
	STORE__NDBS
};

/*
 * Every table, its LMDB flags and the schema version that created it. A
 * schema change that adds a table adds a row here with its `since`, and a
 * step to store__steps that calls store__create_tables() for that version.
 */
static const struct {
	const char *name;
	unsigned flags;
	unsigned since;
} store__dbs[STORE__NDBS] = {
	[STORE__RECORDS] = { "records", 0, 1 },
	[STORE__LOG] = { "log", 0, 1 },
	[STORE__DOCS] = { "docs", MDB_DUPSORT | MDB_DUPFIXED, 1 },
	[STORE__HEADS] = { "heads", MDB_DUPSORT | MDB_DUPFIXED, 1 },
	[STORE__SUPERSEDED] = { "superseded", 0, 1 },
	[STORE__IDX] = { "idx", 0, 1 },
	[STORE__KEYS] = { "keys", 0, 1 },
	[STORE__PEERS] = { "peers", 0, 1 },
	[STORE__META] = { "meta", 0, 1 },
	[STORE__HELD] = { "held", 0, 2 },
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE__NDBS];
	int lock_fd;          /* dir/LOCK, flock'ed exclusively; -1 when not */
	char *dir;
	unsigned schema;
	uint64_t hlc;         /* highest hlc issued or seen */
	uint64_t hlc_saved;   /* hlc as written in meta by the last commit */
	store_hooks hooks;
	store_batch *batch;   /* the open batch, or NULL */
};

/* A transaction: a read view (owned by the caller) or a batch's. */
struct store_txn {
	MDB_txn *txn;
	store *s;
	int writable;
};

/* A record parsed once for the batch (store_record_open_shared): its own copy of the bytes, and their view. */
typedef struct {
	uint8_t *raw;         /* NULL: a free slot */
	record_view v;
} store__shared;

#define STORE__SHARED_SLOTS (2 * STORE_SHARED_MAX) /* open addressing, at most half full */
#define STORE__SHARED_BYTES ((size_t)8 << 20)      /* record bytes kept, at most */

/* The first error that makes a batch (or a sub-transaction) unusable. */
typedef struct {
	int code;             /* 0: none */
	char field[64];
	char msg[400];
} store__fault;

/*
 * A batch is one LMDB write transaction. While a sub-transaction is open,
 * t and check_t point at the nested transaction and `outer` holds the
 * batch's own; the fields saved in `sub` are restored when it is dropped.
 */
struct store_batch {
	store *s;
	store_txn t;          /* writable view: index hook and store_batch_txn() */
	store_txn check_t;    /* same transaction, read-only view: check hook */
	uint64_t seq;         /* last change-feed sequence used */
	size_t count;         /* records added */
	int dirty;            /* something was written */
	store__fault poison;     /* of the batch: commit then fails */
	MDB_txn *outer;       /* the batch's transaction while a sub is open, else NULL */
	store__shared *shared; /* STORE__SHARED_SLOTS, or NULL (store_record_open_shared) */
	size_t nshared, shared_bytes;
	int shared_stale;     /* a sub-transaction was dropped: shared opens are plain ones until the batch ends */
	struct {
		uint64_t seq;
		size_t count;
		int dirty;
		store__fault poison; /* of the sub only: the batch goes on */
	} sub;
};

/* Free the records parsed for the batch, at its end (views lent out of them die with the batch, as LMDB's do). */
static void
store__shared_clear(store_batch *b)
{
	if (b->shared == NULL)
		return;
	for (size_t i = 0; i < STORE__SHARED_SLOTS; i++) {
		if (b->shared[i].raw == NULL)
			continue;
		record_view_free(&b->shared[i].v);
		free(b->shared[i].raw);
	}
	free(b->shared);
	b->shared = NULL;
	b->nshared = b->shared_bytes = 0;
}

/*
 * Map an LMDB (or errno) code to a KN_E* code and set the last error.
 * what says what the store was doing, for the message.
 */
static int
store__err(int rc, const char *what)
{
	switch (rc) {
	case MDB_MAP_FULL:
		return domain_msg_error(KN_EFULL, "map_size", "PENYIMPANAN_PENUH", NULL);
	case ENOSPC:
		kn_info("store: the disk is full while %s", what);
		return domain_msg_error(KN_EFULL, "", "PENYIMPANAN_DISK_PENUH", NULL);
	case MDB_NOTFOUND:
		return kn_error_set(KN_ENOTFOUND, "", "%s: not found", what);
	case ENOMEM:
		return kn_error_set(KN_ENOMEM, "", "out of memory while %s", what);
	default:
		return kn_error_set(KN_ERROR, "", "store error while %s: %s", what, mdb_strerror(rc));
	}
}

/*
 * Remember the first error that poisons the current level: an LMDB
 * failure, or an index hook failure after the record was written. Inside
 * a sub-transaction only the sub is poisoned (it is dropped whole, and
 * LMDB leaves the batch's transaction intact). Returns rc.
 */
static int
store__poison(store_batch *b, int rc)
{
	store__fault *p = b->outer ? &b->sub.poison : &b->poison;

	if (p->code == 0) {
		p->code = rc;
		snprintf(p->field, sizeof(p->field), "%s", kn_error_field());
		snprintf(p->msg, sizeof(p->msg), "%s", kn_error_message());
	}
	return rc;
}

/*
 * The error of the current level, set again as the last error, or 0 when
 * neither the batch nor an open sub-transaction is poisoned.
 */
static int
store__poisoned(const store_batch *b)
{
	if (b->poison.code)
		return domain_msg_error(b->poison.code, b->poison.field, "PENYIMPANAN_TIDAK_TERSIMPAN", "sebab", b->poison.msg, NULL);
	if (b->outer && b->sub.poison.code)
		return domain_msg_error(b->sub.poison.code, b->sub.poison.field, "PENYIMPANAN_TIDAK_TERSIMPAN", "sebab",
		    b->sub.poison.msg, NULL);
	return 0;
}

/* Is the key length usable as an LMDB key? */
static int
store__key_ok(store *s, size_t klen)
{
	return klen > 0 && klen <= (size_t)mdb_env_get_maxkeysize(s->env);
}

/* Set the error for a key of bad length: field names it, what describes it. */
static int
store__bad_key(store *s, const char *field, const char *what)
{
	return kn_error_set(KN_EINVAL, field, "%s must be 1-%d bytes", what, mdb_env_get_maxkeysize(s->env));
}

/*
 * Read an unsigned decimal meta value (schema, hlc) in txn; dflt when the
 * name is absent. KN_ERROR when the stored value is not a number.
 */
static int
store__meta_u64(uint64_t *out, MDB_txn *txn, store *s, const char *name, uint64_t dflt)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	uint64_t n = 0;
	int rc;

	rc = mdb_get(txn, s->dbi[STORE__META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		*out = dflt;
		return 0;
	}
	if (rc)
		return store__err(rc, "reading the store's meta values");
	if (v.mv_size == 0 || v.mv_size > 20)
		goto out_corrupt;
	for (size_t i = 0; i < v.mv_size; i++) {
		uint8_t c = ((const uint8_t *)v.mv_data)[i];
		if (c < '0' || c > '9' || n > (UINT64_MAX - (c - '0')) / 10)
			goto out_corrupt;
		n = n * 10 + (c - '0');
	}
	*out = n;
	return 0;

out_corrupt:
	return kn_error_set(KN_ERROR, "store", "store %s is damaged: meta value '%s' is not a number",
	    s->dir, name);
}

/* Write an unsigned decimal meta value in txn. */
static int
store__meta_put_u64(MDB_txn *txn, store *s, const char *name, uint64_t n)
{
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "%" PRIu64, n);
	MDB_val k = { strlen(name), (void *)name }, v = { (size_t)len, buf };
	int rc;

	rc = mdb_put(txn, s->dbi[STORE__META], &k, &v, 0);
	if (rc)
		return store__err(rc, "writing the store's meta values");
	return 0;
}

/*
 * Last change-feed sequence in txn (0 for an empty log): the last key of
 * the log table, which is appended in order.
 */
static int
store__last_seq(uint64_t *out, MDB_txn *txn, store *s)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	*out = 0;
	rc = mdb_cursor_open(txn, s->dbi[STORE__LOG], &cur);
	if (rc)
		return store__err(rc, "reading the change feed");
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND) {
		rc = 0;
		goto out_close_cursor;
	}
	if (rc) {
		rc = store__err(rc, "reading the change feed");
		goto out_close_cursor;
	}
	if (k.mv_size != STORE__SEQ_BYTES) {
		rc = kn_error_set(KN_ERROR, "store", "store %s is damaged: bad change-feed key", s->dir);
		goto out_close_cursor;
	}
	*out = kn_be64_get(k.mv_data);
	rc = 0;
out_close_cursor:
	mdb_cursor_close(cur);
	return rc;
}

/*
 * Take the store directory's lock: an exclusive, non-blocking flock on
 * dir/LOCK, which then holds our pid for the message another process
 * shows. The lock dies with the process, so a crash never leaves it held.
 */
static int
store__lock(int *out, const char *dir)
{
	char path[PATH_MAX];
	char pid[32];
	int fd, rc, len;
	ssize_t n;

	*out = -1;
	if (snprintf(path, sizeof(path), "%s/LOCK", dir) >= (int)sizeof(path))
		return kn_error_set(KN_EINVAL, "store", "store path %s is too long", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return kn_error_set(KN_ERROR, "store", "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK) {
			rc = kn_error_set(KN_ERROR, "store", "cannot lock %s: %s", path, strerror(errno));
			goto out_close_fd;
		}
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		if (n < 0)
			n = 0;
		pid[n] = '\0';
		pid[strspn(pid, "0123456789")] = '\0';
		rc = kn_error_set(KN_ELOCKED, "store",
		    "store %s is in use by another kinerjad (pid %s); stop it or use another --store",
		    dir, pid[0] ? pid : "unknown");
		goto out_close_fd;
	}
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		rc = kn_error_set(KN_ERROR, "store", "cannot write %s: %s", path, strerror(errno));
		goto out_close_fd;
	}
	*out = fd;
	return 0;

out_close_fd:
	close(fd);
	return rc;
}

/* Create (MDB_CREATE) the tables that schema version `version` introduced. */
static int
store__create_tables(MDB_txn *txn, store *s, unsigned version)
{
	int rc;

	for (int i = 0; i < STORE__NDBS; i++) {
		if (store__dbs[i].since != version)
			continue;
		rc = mdb_dbi_open(txn, store__dbs[i].name, store__dbs[i].flags | MDB_CREATE, &s->dbi[i]);
		if (rc)
			return store__err(rc, "creating the store's tables");
	}
	return 0;
}

/* Migration 0 -> 1: a new store; create the tables of schema 1. */
static int
store__step_create(MDB_txn *txn, store *s)
{
	return store__create_tables(txn, s, 1);
}

/* Migration 1 -> 2: records that wait for a parent or an auth record are held, not refused. */
static int
store__step_held(MDB_txn *txn, store *s)
{
	return store__create_tables(txn, s, 2);
}

typedef int (*store__step_fn)(MDB_txn *txn, store *s);

/*
 * Schema migrations: one row per schema change, the step that brings a
 * store from schema `from` to `from + 1`. To change the schema, raise
 * STORE_SCHEMA_VERSION in store.h and add a row here. Every step runs in
 * the one open transaction, so a store is migrated wholly or not at all.
 */
static const struct {
	unsigned from;
	store__step_fn fn;
	const char *what;
} store__steps[] = {
	{ 0, store__step_create, "create the tables" },
	{ 1, store__step_held, "add the table of records waiting for others" },
};

/* Run the steps from schema `from` up to STORE_SCHEMA_VERSION in txn. */
static int
store__migrate(MDB_txn *txn, store *s, unsigned from)
{
	int rc;

	for (unsigned v = from; v < STORE_SCHEMA_VERSION; v++) {
		size_t i;

		for (i = 0; i < sizeof(store__steps) / sizeof(store__steps[0]); i++)
			if (store__steps[i].from == v)
				break;
		if (i == sizeof(store__steps) / sizeof(store__steps[0]))
			return kn_error_set(KN_ERROR, "store", "no migration of store %s from schema %u", s->dir, v);
		rc = store__steps[i].fn(txn, s);
		if (rc)
			return rc;
		if (v > 0)
			kn_info("store %s: migrated schema %u to %u (%s)", s->dir, v, v + 1, store__steps[i].what);
	}
	return store__meta_put_u64(txn, s, "schema", STORE_SCHEMA_VERSION);
}

/*
 * In one write transaction: read the schema, refuse a newer one, run the
 * pending migrations, open every table and load the hlc.
 */
static int
store__setup(store *s)
{
	MDB_txn *txn;
	uint64_t schema;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return store__err(rc, "opening the store");
	rc = mdb_dbi_open(txn, store__dbs[STORE__META].name, MDB_CREATE, &s->dbi[STORE__META]);
	if (rc) {
		rc = store__err(rc, "opening the store's meta table");
		goto out_abort_txn;
	}
	rc = store__meta_u64(&schema, txn, s, "schema", 0);
	if (rc)
		goto out_abort_txn;
	if (schema > STORE_SCHEMA_VERSION) {
		rc = kn_error_set(KN_EINVAL, "store",
		    "store %s was written by a newer Kinerja (schema %" PRIu64 ", this one knows up to %d): "
		    "upgrade Kinerja to open it", s->dir, schema, STORE_SCHEMA_VERSION);
		goto out_abort_txn;
	}
	if (schema < STORE_SCHEMA_VERSION) {
		rc = store__migrate(txn, s, (unsigned)schema);
		if (rc)
			goto out_abort_txn;
	}
	for (int i = 0; i < STORE__NDBS; i++) {
		rc = mdb_dbi_open(txn, store__dbs[i].name, store__dbs[i].flags, &s->dbi[i]);
		if (rc == MDB_NOTFOUND) {
			rc = kn_error_set(KN_ERROR, "store", "store %s is damaged: table %s is missing",
			    s->dir, store__dbs[i].name);
			goto out_abort_txn;
		}
		if (rc) {
			rc = store__err(rc, "opening the store's tables");
			goto out_abort_txn;
		}
	}
	rc = store__meta_u64(&s->hlc, txn, s, "hlc", 0);
	if (rc)
		goto out_abort_txn;
	s->hlc_saved = s->hlc;
	s->schema = STORE_SCHEMA_VERSION;
	rc = mdb_txn_commit(txn);
	if (rc)
		return store__err(rc, "opening the store");
	return 0;

out_abort_txn:
	mdb_txn_abort(txn);
	return rc;
}

/* Release everything a (possibly half-opened) store holds. */
static void
store__free(store *s)
{
	if (s->env)
		mdb_env_close(s->env);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->dir);
	free(s);
}

/*
 * Is path private to the daemon's user: no permission bit for group or
 * others? The store holds every signed record and the sealed person keys,
 * and a directory open to others lets them read a copy of data.mdb.
 * dir: path must be a directory (fix: chmod 700); else a file, which may
 * be absent (fix: chmod 600). 0, or KN_EINVAL field "store_dir" with a
 * message that names the path and the command that fixes it.
 */
static int
store__private_check(const char *path, int dir)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT && !dir)
			return 0;
		return kn_error_set(KN_ERROR, "store_dir", "cannot stat %s: %s", path, strerror(errno));
	}
	if (dir && !S_ISDIR(st.st_mode))
		return kn_error_set(KN_EINVAL, "store_dir", "store directory %s is not a directory", path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return kn_error_set(KN_EINVAL, "store_dir",
		    "store %s %s has mode %04o and is open to group or others: run chmod %s %s",
		    dir ? "directory" : "file", path, (unsigned)(st.st_mode & 07777), dir ? "700" : "600", path);
	return 0;
}

/*
 * LMDB creates data.mdb and lock.mdb with the mode store_open() passes
 * (0600), but files copied or restored into the directory keep their
 * own: refuse them when open to group or others, as the directory.
 */
static int
store__files_check(const char *dir)
{
	static const char *const names[] = { "data.mdb", "lock.mdb" };
	char path[PATH_MAX];
	int rc;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
			return kn_error_set(KN_EINVAL, "store", "store path %s is too long", dir);
		rc = store__private_check(path, 0);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Open the store in dir: directory (created 0700; refused when open to
 * group or others), process lock, data files (refused likewise), LMDB
 * environment (files created 0600), then schema check and migrations in
 * one transaction (store__setup).
 */
int
store_open(store **out, const char *dir, const store_opts *opts)
{
	size_t map = opts && opts->map_size ? opts->map_size : STORE__DEFAULT_MAP;
	unsigned flags = MDB_NOTLS | (opts && opts->nosync ? MDB_NOSYNC : 0);
	store *s;
	int rc, dead;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return kn_error_set(KN_EINVAL, "store", "no store directory given");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return kn_error_set(KN_ERROR, "store", "cannot create store directory %s: %s",
		    dir, strerror(errno));
	rc = store__private_check(dir, 1);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory opening store %s", dir);
	s->lock_fd = -1;
	s->dir = strdup(dir);
	if (s->dir == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory opening store %s", dir);
		goto out_free_store;
	}
	rc = store__lock(&s->lock_fd, dir);
	if (rc)
		goto out_free_store;
	rc = store__files_check(dir);
	if (rc)
		goto out_free_store;
	rc = mdb_env_create(&s->env);
	if (rc) {
		s->env = NULL;
		rc = store__err(rc, "opening the store");
		goto out_free_store;
	}
	if ((rc = mdb_env_set_maxdbs(s->env, STORE__MAXDBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, map)) != 0) {
		rc = store__err(rc, "configuring the store");
		goto out_free_store;
	}
	rc = mdb_env_open(s->env, dir, flags, 0600);
	if (rc) {
		rc = kn_error_set(rc == ENOSPC ? KN_EFULL : KN_ERROR, "store", "cannot open store %s: %s",
		    dir, mdb_strerror(rc));
		goto out_free_store;
	}
	/* Free reader slots left by processes that died (we hold the lock). */
	mdb_reader_check(s->env, &dead);
	rc = store__setup(s);
	if (rc)
		goto out_free_store;
	*out = s;
	return 0;

out_free_store:
	store__free(s);
	return rc;
}

/*
 * Write the in-memory hlc to meta in its own transaction, so a restart
 * never issues a time already handed out. Best effort (used at close).
 */
static void
store__save_hlc(store *s)
{
	MDB_txn *txn;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc) {
		store__err(rc, "saving the clock");
		goto out_warn;
	}
	rc = store__meta_put_u64(txn, s, "hlc", s->hlc);
	if (rc) {
		mdb_txn_abort(txn);
		goto out_warn;
	}
	rc = mdb_txn_commit(txn);
	if (rc) {
		store__err(rc, "saving the clock");
		goto out_warn;
	}
	s->hlc_saved = s->hlc;
	return;

out_warn:
	kn_warn("store %s: %s", s->dir, kn_error_message());
}

/*
 * Close the store: discard a forgotten batch, keep the clock, release the
 * environment and the lock. NULL-safe.
 */
void
store_close(store *s)
{
	if (s == NULL)
		return;
	if (s->batch) {
		kn_warn("store %s closed with a batch open: its records are discarded", s->dir);
		store_batch_abort(s->batch);
	}
	if (s->hlc != s->hlc_saved)
		store__save_hlc(s);
	store__free(s);
}

/* Install the domain hooks (copied); NULL removes them. */
void
store_set_hooks(store *s, const store_hooks *hooks)
{
	if (hooks)
		s->hooks = *hooks;
	else
		memset(&s->hooks, 0, sizeof(s->hooks));
}

/*
 * Start the one write transaction of a batch and read the last change-feed
 * sequence, which the batch continues.
 */
int
store_batch_begin(store_batch **out, store *s)
{
	store_batch *b;
	MDB_txn *txn;
	int rc;

	*out = NULL;
	if (s->batch)
		return kn_error_set(KN_ESTATE, "", "a store batch is already open: commit or abort it first");
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory starting a store batch");
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc) {
		rc = store__err(rc, "starting a batch");
		goto out_free_batch;
	}
	rc = store__last_seq(&b->seq, txn, s);
	if (rc)
		goto out_abort_txn;
	b->s = s;
	b->t = (store_txn){ txn, s, 1 };
	b->check_t = (store_txn){ txn, s, 0 };
	s->batch = b;
	*out = b;
	return 0;

out_abort_txn:
	mdb_txn_abort(txn);
out_free_batch:
	free(b);
	return rc;
}

/*
 * Write a verified, new record into the batch: the record, its change-feed
 * entry, its document membership, and the heads. A record's parents stop
 * being heads and are marked superseded; the record becomes a head only if
 * no record already stored names it as a parent, so heads come out the
 * same whatever order records arrive in (children may come first in sync).
 * Heads are kept per document: parents are expected in the same document.
 */
static int
store__batch_write(store_batch *b, const record_view *v)
{
	store *s = b->s;
	MDB_txn *txn = b->t.txn;
	char doc[RECORD_DOC_KEY_MAX];
	uint8_t seq[STORE__SEQ_BYTES];
	MDB_val id = { RECORD_ID_BYTES, (void *)v->id };
	MDB_val k, d;
	int rc;

	d = (MDB_val){ v->raw_len, (void *)v->raw };
	rc = mdb_put(txn, s->dbi[STORE__RECORDS], &id, &d, MDB_NOOVERWRITE);
	if (rc)
		return store__err(rc, "storing a record");
	kn_be64_put(seq, b->seq + 1);
	k = (MDB_val){ sizeof(seq), seq };
	rc = mdb_put(txn, s->dbi[STORE__LOG], &k, &id, MDB_APPEND);
	if (rc)
		return store__err(rc, "appending to the change feed");
	b->seq++;

	k = (MDB_val){ record_doc_key(doc, v), doc };
	rc = mdb_put(txn, s->dbi[STORE__DOCS], &k, &id, 0);
	if (rc)
		return store__err(rc, "indexing a record's document");
	for (size_t i = 0; i < record_nparents(v); i++) {
		MDB_val p = { RECORD_ID_BYTES, (void *)record_parent(v, i) };
		MDB_val empty = { 0, "" };

		rc = mdb_put(txn, s->dbi[STORE__SUPERSEDED], &p, &empty, 0);
		if (rc)
			return store__err(rc, "marking a replaced record");
		rc = mdb_del(txn, s->dbi[STORE__HEADS], &k, &p);
		if (rc && rc != MDB_NOTFOUND)
			return store__err(rc, "updating a document's heads");
	}
	rc = mdb_get(txn, s->dbi[STORE__SUPERSEDED], &id, &d);
	if (rc == MDB_NOTFOUND) {
		rc = mdb_put(txn, s->dbi[STORE__HEADS], &k, &id, 0);
		if (rc)
			return store__err(rc, "updating a document's heads");
	} else if (rc) {
		return store__err(rc, "updating a document's heads");
	}
	return 0;
}

/*
 * The first record this one depends on (a parent or an auth record) that
 * is not stored: 1 with *missing set, 0 when all are here, or an error.
 */
static int
store__missing_dep(const uint8_t **missing, store_batch *b, const record_view *v)
{
	MDB_val k, d;
	size_t np = record_nparents(v), na = record_nauth(v);

	for (size_t i = 0; i < np + na; i++) {
		const uint8_t *dep = i < np ? record_parent(v, i) : record_auth(v, i - np);
		k = (MDB_val){ RECORD_ID_BYTES, (void *)dep };
		int rc = mdb_get(b->t.txn, b->s->dbi[STORE__RECORDS], &k, &d);
		if (rc == MDB_NOTFOUND) {
			*missing = dep;
			return 1;
		}
		if (rc)
			return store__err(rc, "looking up a record's dependencies");
	}
	return 0;
}

/* Hold v until missing arrives: held[missing || id] = record. */
static int
store__hold(store_batch *b, const record_view *v, const uint8_t *missing)
{
	uint8_t key[2 * RECORD_ID_BYTES];
	MDB_stat st;
	MDB_val k = { sizeof(key), key }, d = { v->raw_len, (void *)v->raw };
	int rc;

	rc = mdb_stat(b->t.txn, b->s->dbi[STORE__HELD], &st);
	if (rc)
		return store__err(rc, "counting held records");
	if (st.ms_entries >= STORE_HELD_MAX)
		return domain_msg_error(KN_EFULL, "record", "PENYIMPANAN_TERTAHAN_PENUH", "jumlah",
		    domain_msg_num((unsigned long long)st.ms_entries).s, NULL);
	memcpy(key, missing, RECORD_ID_BYTES);
	memcpy(key + RECORD_ID_BYTES, v->id, RECORD_ID_BYTES);
	b->dirty = 1;
	rc = mdb_put(b->t.txn, b->s->dbi[STORE__HELD], &k, &d, 0);
	if (rc)
		return store__poison(b, store__err(rc, "holding a record"));
	return 0;
}

/*
 * Add one verified-on-open record: skip it when stored already, hold it
 * when a record it depends on is missing, else ask the check hook before
 * any write, write it, then let the index hook index it. Returns 0 added,
 * 1 present, 2 held, or an error. LMDB and index failures poison the
 * batch (or only the open sub-transaction); a refusal does not.
 */
static int
store__add_one(store_batch *b, const uint8_t *rec, size_t len, uint8_t id[RECORD_ID_BYTES], int verified)
{
	store *s = b->s;
	record_view v;
	const uint8_t *missing = NULL;
	MDB_val k, d;
	int rc;

	/* verified: the caller checked the signature of these very bytes with record_open (store_batch_add_verified) */
	rc = verified ? record_open_stored(&v, rec, len, NULL) : record_open(&v, rec, len, NULL);
	if (rc)
		return rc;
	if (id)
		memcpy(id, v.id, RECORD_ID_BYTES);

	k = (MDB_val){ RECORD_ID_BYTES, v.id };
	rc = mdb_get(b->t.txn, s->dbi[STORE__RECORDS], &k, &d);
	if (rc == 0) {
		rc = 1;
		goto out_free_view;
	}
	if (rc != MDB_NOTFOUND) {
		rc = store__poison(b, store__err(rc, "looking up a record"));
		goto out_free_view;
	}
	rc = store__missing_dep(&missing, b, &v);
	if (rc == 1) {
		rc = store__hold(b, &v, missing);
		if (rc == 0)
			rc = 2;
		goto out_free_view;
	}
	if (rc)
		goto out_free_view;
	/* The check hook gets a read-only view: a refusal leaves nothing. */
	if (s->hooks.check) {
		rc = s->hooks.check(s->hooks.ctx, &b->check_t, &v);
		if (rc > 0)
			rc = kn_error_set(KN_ERROR, "", "store check hook returned %d", rc);
		if (rc)
			goto out_free_view;
	}
	b->dirty = 1;
	rc = store__batch_write(b, &v);
	if (rc) {
		store__poison(b, rc);
		goto out_free_view;
	}
	/* The record is written: an index failure leaves the batch (or sub) unusable. */
	if (s->hooks.index) {
		rc = s->hooks.index(s->hooks.ctx, &b->t, &v);
		if (rc > 0)
			rc = kn_error_set(KN_ERROR, "", "store index hook returned %d", rc);
		if (rc) {
			store__poison(b, rc);
			goto out_free_view;
		}
	}
	b->count++;
	if (v.hlc > s->hlc)
		s->hlc = v.hlc;
	rc = 0;
out_free_view:
	record_view_free(&v);
	return rc;
}

/*
 * Take out of `held` every record that waited for id, into out (as
 * length-prefixed records), removing them. The caller adds them again.
 */
static int
store__take_held(kn_buf *out, store_batch *b, const uint8_t id[RECORD_ID_BYTES])
{
	MDB_cursor *cur;
	MDB_val k = { RECORD_ID_BYTES, (void *)id }, d;
	int rc = mdb_cursor_open(b->t.txn, b->s->dbi[STORE__HELD], &cur);

	if (rc)
		return store__poison(b, store__err(rc, "reading held records"));
	rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == 2 * RECORD_ID_BYTES && memcmp(k.mv_data, id, RECORD_ID_BYTES) == 0) {
		uint32_t n = (uint32_t)d.mv_size;
		if (kn_buf_put(out, &n, sizeof(n)) || kn_buf_put(out, d.mv_data, d.mv_size)) {
			mdb_cursor_close(cur);
			return KN_ENOMEM;
		}
		rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
		b->dirty = 1;
		rc = mdb_cursor_get(cur, &k, &d, MDB_GET_CURRENT);
		if (rc == MDB_NOTFOUND || rc == EINVAL)
			rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc && rc != MDB_NOTFOUND)
		return store__poison(b, store__err(rc, "releasing held records"));
	return 0;
}

/*
 * Add a record (see store.h). When it is stored, the records held for it
 * are added too, and those held for them, breadth first: a refusal of one
 * of those is logged and dropped (it was never acknowledged to anyone),
 * and does not undo the record that released it.
 */
static int
store__batch_add(store_batch *b, const uint8_t *rec, size_t len, uint8_t id[RECORD_ID_BYTES], int verified)
{
	uint8_t first[RECORD_ID_BYTES];
	kn_buf queue = KN_BUF_INIT, waiting = KN_BUF_INIT;
	size_t qpos = 0;
	int rc;

	rc = store__poisoned(b);
	if (rc)
		return rc;
	rc = store__add_one(b, rec, len, first, verified);
	if (id)
		memcpy(id, first, RECORD_ID_BYTES);
	if (rc != 0)
		return rc;
	/* queue: ids stored whose waiting records must be tried again */
	if (kn_buf_put(&queue, first, RECORD_ID_BYTES))
		return KN_ENOMEM;
	while (qpos < queue.len) {
		int rc2;
		kn_buf_clear(&waiting);
		rc2 = store__take_held(&waiting, b, queue.ptr + qpos);
		qpos += RECORD_ID_BYTES;
		if (rc2) {
			rc = rc2;
			break;
		}
		for (size_t off = 0; off + 4 <= waiting.len;) {
			uint32_t n;
			uint8_t got[RECORD_ID_BYTES];
			memcpy(&n, waiting.ptr + off, sizeof(n));
			off += 4;
			rc2 = store__add_one(b, waiting.ptr + off, n, got, 0);
			off += n;
			if (rc2 == 0) {
				if (kn_buf_put(&queue, got, RECORD_ID_BYTES)) {
					rc = KN_ENOMEM;
					break;
				}
			} else if (rc2 < 0) {
				if (store__poisoned(b)) {
					rc = rc2;
					break;
				}
				kn_warn("a record that waited for others was refused when they came: %s", kn_error_message());
			}
		}
		if (rc)
			break;
	}
	kn_buf_free(&queue);
	kn_buf_free(&waiting);
	if (rc == 0)
		kn_error_clear();
	return rc;
}

int
store_batch_add(store_batch *b, const uint8_t *rec, size_t len, uint8_t id[RECORD_ID_BYTES])
{
	return store__batch_add(b, rec, len, id, 0);
}

int
store_batch_add_verified(store_batch *b, const uint8_t *rec, size_t len, uint8_t id[RECORD_ID_BYTES])
{
	return store__batch_add(b, rec, len, id, 1);
}

/* Put a sealed secret key in the batch (overwrites the previous one). */
int
store_batch_key_put(store_batch *b, const uint8_t pk[RECORD_KEY_BYTES], const uint8_t *blob, size_t len)
{
	MDB_val k = { RECORD_KEY_BYTES, (void *)pk }, v = { len, (void *)blob };
	int rc;

	rc = store__poisoned(b);
	if (rc)
		return rc;
	if (blob == NULL || len == 0)
		return kn_error_set(KN_EINVAL, "key", "sealed key is empty");
	b->dirty = 1;
	rc = mdb_put(b->t.txn, b->s->dbi[STORE__KEYS], &k, &v, 0);
	if (rc)
		return store__poison(b, store__err(rc, "storing a sealed key"));
	return 0;
}

/*
 * Put a small value of the owner's own in the meta table, inside the batch
 * (and its open sub-transaction), so that it becomes durable with the
 * records of the same requests. The daemon keeps per-person state there
 * that is not a record and is never synced (login throttle, recovery copy
 * of a key). Overwrites; an LMDB failure poisons like any other write.
 */
int
store_batch_meta_put(store_batch *b, const char *name, const void *val, size_t len)
{
	MDB_val k, v = { len, (void *)val };
	int rc;

	rc = store__poisoned(b);
	if (rc)
		return rc;
	if (name == NULL || !store__key_ok(b->s, strlen(name)))
		return store__bad_key(b->s, "name", "meta name");
	if (val == NULL && len > 0)
		return kn_error_set(KN_EINVAL, "value", "meta value %s has a length but no bytes", name);
	k = (MDB_val){ strlen(name), (void *)name };
	b->dirty = 1;
	rc = mdb_put(b->t.txn, b->s->dbi[STORE__META], &k, &v, 0);
	if (rc)
		return store__poison(b, store__err(rc, "writing a meta value"));
	return 0;
}

/*
 * Delete a meta value inside the batch; deleting one that is absent is
 * not an error (the caller wants it gone, and it is).
 */
int
store_batch_meta_del(store_batch *b, const char *name)
{
	MDB_val k;
	int rc;

	rc = store__poisoned(b);
	if (rc)
		return rc;
	if (name == NULL || !store__key_ok(b->s, strlen(name)))
		return store__bad_key(b->s, "name", "meta name");
	k = (MDB_val){ strlen(name), (void *)name };
	rc = mdb_del(b->t.txn, b->s->dbi[STORE__META], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return 0;
	b->dirty = 1;
	if (rc)
		return store__poison(b, store__err(rc, "deleting a meta value"));
	return 0;
}

/* The batch's writable transaction view; ends with the batch. */
store_txn *
store_batch_txn(store_batch *b)
{
	return &b->t;
}

/* Point the batch's views at txn (the batch's own, or a nested one). */
static void
store__batch_use(store_batch *b, MDB_txn *txn)
{
	b->t.txn = txn;
	b->check_t.txn = txn;
}

/*
 * Open a sub-transaction: a nested LMDB transaction, so that one request's
 * writes join the batch whole or not at all. KN_ESTATE when one is open.
 */
int
store_batch_sub_begin(store_batch *b)
{
	MDB_txn *sub;
	int rc;

	if (b->outer)
		return kn_error_set(KN_ESTATE, "", "a store sub-transaction is already open: end it first");
	rc = store__poisoned(b);
	if (rc)
		return rc;
	rc = mdb_txn_begin(b->s->env, b->t.txn, 0, &sub);
	if (rc)
		return store__err(rc, "starting a sub-transaction");
	b->outer = b->t.txn;
	b->sub.seq = b->seq;
	b->sub.count = b->count;
	b->sub.dirty = b->dirty;
	memset(&b->sub.poison, 0, sizeof(b->sub.poison));
	store__batch_use(b, sub);
	return 0;
}

/*
 * End the sub-transaction: keep = 1 merges its writes into the batch,
 * keep = 0 drops them. A poisoned sub is dropped even when keep = 1 and
 * its error returned; the batch goes on either way. Only a failed merge
 * poisons the batch itself.
 */
int
store_batch_sub_end(store_batch *b, int keep)
{
	MDB_txn *sub = b->t.txn;
	int rc;

	if (b->outer == NULL)
		return kn_error_set(KN_ESTATE, "", "no store sub-transaction is open");
	store__batch_use(b, b->outer);
	b->outer = NULL;
	if (keep && b->sub.poison.code == 0) {
		/* mdb_txn_commit frees the nested transaction, also on failure. */
		rc = mdb_txn_commit(sub);
		if (rc) {
			b->shared_stale = 1;
			return store__poison(b, store__err(rc, "merging a sub-transaction"));
		}
		return 0;
	}
	mdb_txn_abort(sub);
	/* what it parsed may name records that are gone now: no more look-ups (lent views stay valid) */
	b->shared_stale = 1;
	b->seq = b->sub.seq;
	b->count = b->sub.count;
	b->dirty = b->sub.dirty;
	if (!keep)
		return 0;
	return kn_error_set(b->sub.poison.code, b->sub.poison.field, "not stored: %s", b->sub.poison.msg);
}

/*
 * The durable point: write the clock, commit (fsync unless nosync) and free
 * the batch. A poisoned batch is aborted and its first error returned; a
 * batch that wrote nothing is simply ended.
 */
int
store_batch_commit(store_batch *b)
{
	store *s;
	int rc;

	if (b == NULL)
		return kn_error_set(KN_EINVAL, "", "no store batch to commit");
	s = b->s;
	if (b->outer) {
		/* Its request never heard of success: drop it, keep the rest. */
		kn_warn("store %s: a batch was committed with a sub-transaction open; its writes are dropped",
		    s->dir);
		store_batch_sub_end(b, 0);
	}
	if (b->poison.code) {
		rc = store__poisoned(b);
		goto out_abort_txn;
	}
	if (!b->dirty) {
		rc = 0;
		goto out_abort_txn;
	}
	if (s->hlc != s->hlc_saved) {
		rc = store__meta_put_u64(b->t.txn, s, "hlc", s->hlc);
		if (rc)
			goto out_abort_txn;
	}
	/* mdb_txn_commit frees the transaction, also when it fails. */
	rc = mdb_txn_commit(b->t.txn);
	if (rc) {
		rc = store__err(rc, "committing a batch");
		goto out_free_batch;
	}
	s->hlc_saved = s->hlc;
	goto out_free_batch;

out_abort_txn:
	mdb_txn_abort(b->t.txn);
out_free_batch:
	s->batch = NULL;
	store__shared_clear(b);
	free(b);
	return rc;
}

/* Discard the batch's writes and free it; NULL-safe. */
void
store_batch_abort(store_batch *b)
{
	if (b == NULL)
		return;
	if (b->outer) {
		mdb_txn_abort(b->t.txn);
		store__batch_use(b, b->outer);
	}
	mdb_txn_abort(b->t.txn);
	b->s->batch = NULL;
	store__shared_clear(b);
	free(b);
}

/* Records added to the batch (duplicates and refusals not counted). */
size_t
store_batch_count(const store_batch *b)
{
	return b ? b->count : 0;
}

/* One record in a batch of its own: begin, add, commit. */
int
store_put(store *s, const uint8_t *rec, size_t len, uint8_t id[RECORD_ID_BYTES])
{
	store_batch *b;
	int rc;

	rc = store_batch_begin(&b, s);
	if (rc)
		return rc;
	rc = store_batch_add(b, rec, len, id);
	if (rc < 0 || rc == 1)
		goto out_abort_batch;
	/* added (0) or held (2): either way it is kept */
	int crc = store_batch_commit(b);
	return crc ? crc : rc;

out_abort_batch:
	store_batch_abort(b);
	return rc;
}

/* Start a read-only transaction (MDB_NOTLS: any number per thread). */
int
store_read_begin(store_txn **out, store *s)
{
	store_txn *t;
	int rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory starting a store read");
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
	if (rc) {
		rc = store__err(rc, "starting a store read");
		goto out_free_txn;
	}
	t->s = s;
	t->writable = 0;
	*out = t;
	return 0;

out_free_txn:
	free(t);
	return rc;
}

/* End a read transaction; NULL-safe, and a no-op on a batch's view. */
void
store_read_end(store_txn *t)
{
	store_batch *b;

	if (t == NULL)
		return;
	/* A batch's transaction ends with its batch, never here. */
	b = t->s->batch;
	if (b && (t == &b->t || t == &b->check_t))
		return;
	mdb_txn_abort(t->txn);
	free(t);
}

/* Record bytes by id, borrowed from LMDB until the transaction ends. */
int
store_txn_get(const uint8_t **out, size_t *len, store_txn *t, const uint8_t id[RECORD_ID_BYTES])
{
	MDB_val k = { RECORD_ID_BYTES, (void *)id }, v;
	int rc;

	rc = mdb_get(t->txn, t->s->dbi[STORE__RECORDS], &k, &v);
	if (rc == MDB_NOTFOUND) {
		char hex[2 * RECORD_ID_BYTES + 1];
		return kn_error_set(KN_ENOTFOUND, "id", "record %s is not in the store",
		    kn_hex(hex, id, RECORD_ID_BYTES));
	}
	if (rc)
		return store__err(rc, "reading a record");
	*out = v.mv_data;
	*len = v.mv_size;
	return 0;
}

/* Copy of a record by id, appended to out, read in a transaction of its own. */
int
store_get(kn_buf *out, store *s, const uint8_t id[RECORD_ID_BYTES])
{
	store_txn *t;
	const uint8_t *p;
	size_t len;
	int rc;

	rc = store_read_begin(&t, s);
	if (rc)
		return rc;
	rc = store_txn_get(&p, &len, t, id);
	if (rc == 0)
		rc = kn_buf_put(out, p, len);
	store_read_end(t);
	return rc;
}

/*
 * A stored record, opened without its signature checked again: see the
 * trust rule in store.h. record_open_stored() checks all the rest.
 */
int
store_record_open(record_view *out, store_txn *t, const uint8_t id[RECORD_ID_BYTES])
{
	const uint8_t *rec;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_txn_get(&rec, &len, t, id);
	if (rc)
		return rc;
	return record_open_stored(out, rec, len, id);
}

int
store_record_open_shared(record_view *out, store_txn *t, const uint8_t id[RECORD_ID_BYTES])
{
	store_batch *b = t->s->batch;
	store__shared *e;
	const uint8_t *rec;
	size_t len, i;
	int rc;

	if (b == NULL || (t != &b->t && t != &b->check_t) || b->shared_stale)
		return store_record_open(out, t, id);
	if (b->shared == NULL && (b->shared = calloc(STORE__SHARED_SLOTS, sizeof(*b->shared))) == NULL)
		return store_record_open(out, t, id);
	/* an id is a hash: its first bytes spread the slots */
	i = (((size_t)id[0] << 8 | id[1]) << 8 | id[2]) % STORE__SHARED_SLOTS;
	for (e = &b->shared[i]; e->raw; e = &b->shared[i = (i + 1) % STORE__SHARED_SLOTS])
		if (memcmp(e->v.id, id, RECORD_ID_BYTES) == 0)
			goto found;
	memset(out, 0, sizeof(*out));
	if ((rc = store_txn_get(&rec, &len, t, id)))
		return rc;
	if (b->nshared >= STORE_SHARED_MAX || b->shared_bytes + len > STORE__SHARED_BYTES || (e->raw = malloc(len)) == NULL)
		return record_open_stored(out, rec, len, id);
	memcpy(e->raw, rec, len);
	if ((rc = record_open_stored(&e->v, e->raw, len, id))) {
		free(e->raw);
		e->raw = NULL;
		return rc;
	}
	b->nshared++;
	b->shared_bytes += len;
found:
	*out = e->v;
	out->up.zone = NULL; /* borrowed: record_view_free leaves the kept parse alone */
	return 0;
}

/*
 * Call cb for every value (a record id) of doc in a dupsort table, in id
 * order. Empty when doc has no entry.
 */
static int
store__dup_ids(store_txn *t, int db, const char *doc, size_t doclen, store_id_cb cb, void *ctx)
{
	MDB_cursor *cur;
	MDB_val k = { doclen, (void *)doc }, v;
	int rc, op = MDB_SET;

	if (doclen == 0 || doclen >= RECORD_DOC_KEY_MAX)
		return kn_error_set(KN_EINVAL, "doc", "document key must be 1-%d bytes", RECORD_DOC_KEY_MAX - 1);
	rc = mdb_cursor_open(t->txn, t->s->dbi[db], &cur);
	if (rc)
		return store__err(rc, "reading a document");
	for (;;) {
		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc) {
			rc = store__err(rc, "reading a document");
			break;
		}
		if (v.mv_size != RECORD_ID_BYTES) {
			rc = kn_error_set(KN_ERROR, "store", "store %s is damaged: bad id in %s",
			    t->s->dir, store__dbs[db].name);
			break;
		}
		rc = cb(ctx, v.mv_data);
		if (rc) {
			rc = rc > 0 ? 0 : rc;
			break;
		}
		op = MDB_NEXT_DUP;
	}
	mdb_cursor_close(cur);
	return rc;
}

/* Heads of a document: its records that no stored record replaces. */
int
store_heads(store_txn *t, const char *doc, size_t doclen, store_id_cb cb, void *ctx)
{
	return store__dup_ids(t, STORE__HEADS, doc, doclen, cb, ctx);
}

/* Every record id of a document, in id order. */
int
store_doc_records(store_txn *t, const char *doc, size_t doclen, store_id_cb cb, void *ctx)
{
	return store__dup_ids(t, STORE__DOCS, doc, doclen, cb, ctx);
}

/* 1 when a stored record names id as a parent, 0 when none does. */
int
store_is_superseded(store_txn *t, const uint8_t id[RECORD_ID_BYTES])
{
	MDB_val k = { RECORD_ID_BYTES, (void *)id }, v;
	int rc;

	rc = mdb_get(t->txn, t->s->dbi[STORE__SUPERSEDED], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store__err(rc, "reading the superseded table");
	return 1;
}

/*
 * Put a secondary index entry; only through the batch's writable view, so
 * read views and the check hook cannot write. An LMDB failure poisons.
 */
int
store_idx_put(store_txn *t, const void *key, size_t klen, const void *val, size_t vlen)
{
	store_batch *b = t->s->batch;
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	int rc;

	if (!t->writable || b == NULL || t != &b->t)
		return kn_error_set(KN_EINVAL, "", "the index is written only inside a store batch (index hook)");
	if (!store__key_ok(t->s, klen))
		return store__bad_key(t->s, "key", "index key");
	rc = store__poisoned(b);
	if (rc)
		return rc;
	b->dirty = 1;
	rc = mdb_put(t->txn, t->s->dbi[STORE__IDX], &k, &v, 0);
	if (rc)
		return store__poison(b, store__err(rc, "writing the index"));
	return 0;
}

/* Index value of key, borrowed until the transaction ends. */
int
store_idx_get(const uint8_t **out, size_t *len, store_txn *t, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	if (!store__key_ok(t->s, klen))
		return store__bad_key(t->s, "key", "index key");
	rc = mdb_get(t->txn, t->s->dbi[STORE__IDX], &k, &v);
	if (rc == MDB_NOTFOUND)
		return kn_error_set(KN_ENOTFOUND, "key", "index entry not found");
	if (rc)
		return store__err(rc, "reading the index");
	*out = v.mv_data;
	*len = v.mv_size;
	return 0;
}

/*
 * Call cb for every index entry whose key starts with prefix, in key order,
 * from the first key >= start (slen 0: from the first key of all; an empty
 * prefix is all, as LMDB refuses an empty key for SET_RANGE).
 */
static int
store__idx_walk(store_txn *t, const void *prefix, size_t plen, const void *start, size_t slen, store_kv_cb cb, void *ctx)
{
	MDB_cursor *cur;
	MDB_val k = { slen, (void *)start }, v;
	int rc, op = slen ? MDB_SET_RANGE : MDB_FIRST;

	rc = mdb_cursor_open(t->txn, t->s->dbi[STORE__IDX], &cur);
	if (rc)
		return store__err(rc, "scanning the index");
	for (;;) {
		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc) {
			rc = store__err(rc, "scanning the index");
			break;
		}
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0) {
			rc = 0;
			break;
		}
		rc = cb(ctx, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
		if (rc) {
			rc = rc > 0 ? 0 : rc;
			break;
		}
		op = MDB_NEXT;
	}
	mdb_cursor_close(cur);
	return rc;
}

/* Call cb for every index entry whose key starts with prefix, in key order. */
int
store_idx_scan(store_txn *t, const void *prefix, size_t plen, store_kv_cb cb, void *ctx)
{
	if (plen > (size_t)mdb_env_get_maxkeysize(t->s->env))
		return kn_error_set(KN_EINVAL, "prefix", "index prefix is longer than any key");
	return store__idx_walk(t, prefix, plen, prefix, plen, cb, ctx);
}

/*
 * store_idx_scan from the first key >= start (which begins with prefix):
 * an ordered index read from a point, without visiting what lies before.
 */
int
store_idx_scan_from(store_txn *t, const void *prefix, size_t plen, const void *start, size_t slen, store_kv_cb cb,
    void *ctx)
{
	if (plen == 0 || slen < plen || memcmp(start, prefix, plen) != 0 || !store__key_ok(t->s, slen))
		return kn_error_set(KN_EINVAL, "prefix", "an index scan starts at a key that has its prefix");
	return store__idx_walk(t, prefix, plen, start, slen, cb, ctx);
}

/*
 * The greatest index key <= key that begins with prefix, and its value,
 * borrowed until the transaction ends or writes; KN_ENOTFOUND when none.
 */
int
store_idx_floor(const uint8_t **okey, size_t *oklen, const uint8_t **oval, size_t *ovlen, store_txn *t,
    const void *prefix, size_t plen, const void *key, size_t klen)
{
	MDB_cursor *cur;
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	if (plen == 0 || klen < plen || memcmp(key, prefix, plen) != 0 || !store__key_ok(t->s, klen))
		return kn_error_set(KN_EINVAL, "prefix", "an index look-up of a key that lacks its prefix");
	rc = mdb_cursor_open(t->txn, t->s->dbi[STORE__IDX], &cur);
	if (rc)
		return store__err(rc, "reading the index");
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && (k.mv_size != klen || memcmp(k.mv_data, key, klen) != 0))
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc == 0 && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
		rc = MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND)
		return KN_ENOTFOUND;
	if (rc)
		return store__err(rc, "reading the index");
	*okey = k.mv_data;
	*oklen = k.mv_size;
	*oval = v.mv_data;
	*ovlen = v.mv_size;
	return 0;
}

/* Call cb for every change-feed entry with sequence > after, in order. */
int
store_log_scan(store_txn *t, uint64_t after, store_log_cb cb, void *ctx)
{
	MDB_cursor *cur;
	uint8_t start[STORE__SEQ_BYTES];
	MDB_val k = { sizeof(start), start }, v;
	int rc, op = MDB_SET_RANGE;

	if (after == UINT64_MAX)
		return 0;
	kn_be64_put(start, after + 1);
	rc = mdb_cursor_open(t->txn, t->s->dbi[STORE__LOG], &cur);
	if (rc)
		return store__err(rc, "reading the change feed");
	for (;;) {
		rc = mdb_cursor_get(cur, &k, &v, op);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			break;
		}
		if (rc) {
			rc = store__err(rc, "reading the change feed");
			break;
		}
		if (k.mv_size != STORE__SEQ_BYTES || v.mv_size != RECORD_ID_BYTES) {
			rc = kn_error_set(KN_ERROR, "store", "store %s is damaged: bad change-feed entry",
			    t->s->dir);
			break;
		}
		rc = cb(ctx, kn_be64_get(k.mv_data), v.mv_data);
		if (rc) {
			rc = rc > 0 ? 0 : rc;
			break;
		}
		op = MDB_NEXT;
	}
	mdb_cursor_close(cur);
	return rc;
}

/*
 * Append the value of key in table db to out, in a read transaction of
 * its own. what names the thing for the not-found message.
 */
static int
store__get_copy(kn_buf *out, store *s, int db, const void *key, size_t klen, const char *what)
{
	MDB_txn *txn;
	MDB_val k = { klen, (void *)key }, v;
	int rc;

	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return store__err(rc, "starting a store read");
	rc = mdb_get(txn, s->dbi[db], &k, &v);
	if (rc == MDB_NOTFOUND)
		rc = kn_error_set(KN_ENOTFOUND, "", "%s not found in the store", what);
	else if (rc)
		rc = store__err(rc, "reading the store");
	else
		rc = kn_buf_put(out, v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	return rc;
}

/* Sealed secret key of pk, appended to out. */
int
store_key_get(kn_buf *out, store *s, const uint8_t pk[RECORD_KEY_BYTES])
{
	return store__get_copy(out, s, STORE__KEYS, pk, RECORD_KEY_BYTES, "sealed key");
}

/* Meta value of name, appended to out. */
int
store_meta_get(kn_buf *out, store *s, const char *name)
{
	if (name == NULL || !store__key_ok(s, strlen(name)))
		return store__bad_key(s, "name", "meta name");
	return store__get_copy(out, s, STORE__META, name, strlen(name), name);
}

/*
 * Write a meta value in a transaction of its own (durable on return).
 * KN_ESTATE while a batch is open: LMDB has one writer at a time.
 */
int
store_meta_put(store *s, const char *name, const void *val, size_t len)
{
	MDB_txn *txn;
	MDB_val k, v = { len, (void *)val };
	int rc;

	if (name == NULL || !store__key_ok(s, strlen(name)))
		return store__bad_key(s, "name", "meta name");
	if (s->batch)
		return kn_error_set(KN_ESTATE, "",
		    "a store batch is open: commit or abort it before writing meta values");
	k = (MDB_val){ strlen(name), (void *)name };
	rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return store__err(rc, "writing a meta value");
	rc = mdb_put(txn, s->dbi[STORE__META], &k, &v, 0);
	if (rc) {
		rc = store__err(rc, "writing a meta value");
		goto out_abort_txn;
	}
	rc = mdb_txn_commit(txn);
	if (rc)
		return store__err(rc, "writing a meta value");
	return 0;

out_abort_txn:
	mdb_txn_abort(txn);
	return rc;
}

/* Counts and sizes of the store, from one read transaction. */
int
store_stat(store_stats *out, store *s)
{
	MDB_txn *txn;
	MDB_stat st;
	MDB_envinfo info;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return store__err(rc, "starting a store read");
	rc = mdb_stat(txn, s->dbi[STORE__RECORDS], &st);
	if (rc) {
		rc = store__err(rc, "reading store statistics");
		goto out_abort_txn;
	}
	out->records = st.ms_entries;
	rc = mdb_stat(txn, s->dbi[STORE__HELD], &st);
	if (rc) {
		rc = store__err(rc, "reading store statistics");
		goto out_abort_txn;
	}
	out->held = st.ms_entries;
	rc = store__last_seq(&out->last_seq, txn, s);
	if (rc)
		goto out_abort_txn;
	if ((rc = mdb_env_stat(s->env, &st)) != 0 || (rc = mdb_env_info(s->env, &info)) != 0) {
		rc = store__err(rc, "reading store statistics");
		goto out_abort_txn;
	}
	out->size_bytes = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	out->map_bytes = info.me_mapsize;
	out->schema = s->schema;
	rc = 0;
out_abort_txn:
	mdb_txn_abort(txn);
	return rc;
}

/*
 * Next clock time for a new record: after every time issued or seen in a
 * stored record. Saved in meta by the next commit (or at close).
 */
uint64_t
store_hlc_next(store *s)
{
	/* Saturate rather than wrap if a record carried the largest time. */
	if (s->hlc != UINT64_MAX)
		s->hlc = record_hlc_next(s->hlc, kn_now_ms());
	return s->hlc;
}
