/*
 * store.h - the LMDB record store of a school or hub.
 *
 * One LMDB environment in a directory, with these named databases:
 *   records     record id (32 B)             -> record bytes [payload, sig]
 *   log         sequence (u64 big-endian)    -> record id: the change feed
 *   docs        document key (dupsort)       -> record ids of the document
 *   heads       document key (dupsort)       -> current head record id(s)
 *   superseded  record id                    -> "" : some record replaces it
 *   idx         secondary index key          -> value (written by hooks)
 *   keys        public key (32 B)            -> sealed secret key (keys.h)
 *   peers       peer key                     -> sync checkpoint (later)
 *   meta        name                         -> value ("schema", "hlc", ...; the
 *                                                daemon's per-person "login/<key hex>",
 *                                                "recovery/<key hex>", "must_change/<key hex>")
 *   held        missing id || record id      -> record bytes: waits for missing
 *
 * Every record is opened with record_open() (signature, id, schema) and
 * passed to the check hook (domain rules) before anything is written; so
 * records read back are trusted, not verified again (store_record_open).
 * Writes go through a batch: one LMDB write transaction that may carry many
 * records from many requests, made durable by one commit (group commit).
 * Nothing added to a batch is acknowledged until store_batch_commit()
 * returned 0; after that it survives a crash (fsync, unless nosync).
 *
 * A store directory is held by one process at a time: store_open() takes
 * an exclusive lock and fails with KN_ELOCKED when another process has it.
 *
 * Single-threaded use: one store handle is used by one thread at a time.
 */
#ifndef KN_STORE_H
#define KN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"
#include "record.h"

#define STORE_SCHEMA_VERSION 2
/* At most this many records wait for others at once (see store_batch_add). */
#define STORE_HELD_MAX 100000

typedef struct store store;
typedef struct store_txn store_txn;     /* a read view, or a batch's txn */
typedef struct store_batch store_batch;

typedef struct {
	size_t map_size; /* bytes; 0 = default (4 GiB) */
	int nosync;      /* 1: no fsync on commit (benchmarks/tests only) */
} store_opts;

/*
 * Hooks the owner of the store installs (domain rules). check decides
 * whether a verified record may be stored: return 0, or a KN_E* code with
 * the last error set (nothing is written then). index adds secondary index
 * entries with store_idx_put() after the record was accepted. Both see the
 * batch's transaction, so they see records added earlier in the batch.
 */
typedef struct {
	int (*check)(void *ctx, store_txn *t, const record_view *v);
	int (*index)(void *ctx, store_txn *t, const record_view *v);
	void *ctx;
} store_hooks;

/*
 * Open (creating if needed, mode 0700) the store in dir. Runs pending
 * schema migrations. Returns KN_ELOCKED when another process holds it,
 * KN_EINVAL when the store was written by a newer schema, and KN_EINVAL
 * field "store_dir" when dir, or its data.mdb or lock.mdb, is open to
 * group or others (any of the mode bits 077; LMDB creates the files 0600):
 * the message names the path and the chmod that fixes it.
 */
int store_open(store **out, const char *dir, const store_opts *opts);
/* Close; NULL-safe. Any open batch must have been committed or aborted. */
void store_close(store *s);
void store_set_hooks(store *s, const store_hooks *hooks);

/* Begin a batch (one write transaction). Only one batch at a time. */
int store_batch_begin(store_batch **out, store *s);
/*
 * Verify rec, run the hooks, and add it. Returns 0 when added, 1 when the
 * store already holds it (nothing changes), 2 when it is held: a record it
 * depends on (a parent or an auth record) is not here yet, so it waits in
 * the `held` table and is added (checked then) when that one is; or an
 * error: KN_EBADREC, KN_EBADSIG, the check hook's code, KN_EFULL (too many
 * held) or KN_EFULL/KN_ERROR from LMDB. An LMDB error poisons the batch:
 * commit then fails and nothing is stored. A check error does not: the
 * batch goes on without that record. Records released by this one are
 * added in the same batch; one of them that the check hook refuses is
 * logged and dropped. id (may be NULL) receives the record id.
 */
int store_batch_add(store_batch *b, const uint8_t *rec, size_t len, uint8_t id[RECORD_ID_BYTES]);
/*
 * store_batch_add for bytes whose signature the caller checked with
 * record_open() in this process and has not let go of since (a hub's
 * session thread checks every pushed record before the loop stores it):
 * every other check and rule runs as in store_batch_add, the Ed25519
 * verification is not done a second time. Records it releases from
 * `held` are verified as usual.
 */
int store_batch_add_verified(store_batch *b, const uint8_t *rec, size_t len, uint8_t id[RECORD_ID_BYTES]);
/* Store a sealed secret key (keys.h) in the batch. */
int store_batch_key_put(store_batch *b, const uint8_t pk[RECORD_KEY_BYTES], const uint8_t *blob, size_t len);
/*
 * Meta values written inside the batch (and its open sub-transaction), so
 * they commit with it: for small per-person state of the owner's that is
 * not a record and is never synced. put overwrites; del of an absent name
 * is not an error. Read them back with store_meta_get() once committed.
 */
int store_batch_meta_put(store_batch *b, const char *name, const void *val, size_t len);
int store_batch_meta_del(store_batch *b, const char *name);
/* The batch's transaction, for reads that must see the batch's writes. */
store_txn *store_batch_txn(store_batch *b);
/*
 * Sub-transactions make one request's writes atomic inside a shared batch:
 * after store_batch_sub_begin(), adds go to a nested LMDB transaction that
 * store_batch_sub_end(b, keep) merges into the batch (keep = 1) or drops
 * (keep = 0). One level only.
 */
int store_batch_sub_begin(store_batch *b);
int store_batch_sub_end(store_batch *b, int keep);
/* Commit durably and free the batch. On error nothing of it is stored. */
int store_batch_commit(store_batch *b);
/* Discard and free; NULL-safe. */
void store_batch_abort(store_batch *b);
/* Number of records added to the batch so far. */
size_t store_batch_count(const store_batch *b);

/* Convenience: one record in its own durable batch. Same returns as add. */
int store_put(store *s, const uint8_t *rec, size_t len, uint8_t id[RECORD_ID_BYTES]);

/* A read transaction; never blocks writers. */
int store_read_begin(store_txn **out, store *s);
/* End a read transaction; NULL-safe. Do not call on a batch's txn. */
void store_read_end(store_txn *t);

/*
 * Record bytes by id, borrowed until the transaction ends.
 * KN_ENOTFOUND when absent.
 */
int store_txn_get(const uint8_t **out, size_t *len, store_txn *t, const uint8_t id[RECORD_ID_BYTES]);
/* Copy of a record by id into out (appended). */
int store_get(kn_buf *out, store *s, const uint8_t id[RECORD_ID_BYTES]);

/*
 * Open the stored record id for reading: the view borrows from t, so free
 * it with record_view_free() before t ends. KN_ENOTFOUND when absent.
 *
 * Its signature is not checked again. The trust rule: a record in the
 * records table was verified (record_open: signature, id, schema) and
 * judged by the check hook (the domain rules) before it was written, by
 * store_batch_add, the only way in; the store's files are the daemon's
 * own (store_open refuses a directory or file open to group or others),
 * so whoever could change a stored record could as well change the
 * program that reads it. What reads the store to show or fold its state
 * (views, heads, the rules' look-ups of what a record names) opens
 * records with this, and pays no Ed25519 verification per record read.
 * Everything that arrives from outside (a request's record, an import,
 * sync) still goes through store_batch_add and record_open. Still checked
 * here: the structure, the schema, and that id is the hash of the payload
 * (a damaged row is refused with KN_EBADSIG, as a forged record is).
 */
int store_record_open(record_view *out, store_txn *t, const uint8_t id[RECORD_ID_BYTES])
    __attribute__((warn_unused_result));
/*
 * store_record_open for records that many others name (auth records: a
 * school, an enrollment, an assignment; an author's enrollment history).
 * Inside the open batch (its writable or check view) the record is parsed
 * once per batch and kept, and out borrows that parse: it stays valid
 * until the batch is committed or aborted, as a view of LMDB's memory
 * does, and record_view_free on it is still right (it frees nothing).
 * Outside a batch, once the batch keeps STORE_SHARED_MAX records, and
 * after a sub-transaction of the batch was dropped (what was kept may
 * name records that are gone), it is store_record_open. A record is
 * immutable under its id, so the kept parse is what a fresh one gives.
 */
#define STORE_SHARED_MAX 1024
int store_record_open_shared(record_view *out, store_txn *t, const uint8_t id[RECORD_ID_BYTES])
    __attribute__((warn_unused_result));

/* Callbacks return 0 to go on, 1 to stop early, or a negative error. */
typedef int (*store_id_cb)(void *ctx, const uint8_t id[RECORD_ID_BYTES]);
typedef int (*store_kv_cb)(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen);
typedef int (*store_log_cb)(void *ctx, uint64_t seq, const uint8_t id[RECORD_ID_BYTES]);

/* Current head ids of a document (records no other record replaces). */
int store_heads(store_txn *t, const char *doc, size_t doclen, store_id_cb cb, void *ctx);
/* Every record id of a document, in id order. */
int store_doc_records(store_txn *t, const char *doc, size_t doclen, store_id_cb cb, void *ctx);
/* Has some stored record named id as its parent? 1 yes, 0 no. */
int store_is_superseded(store_txn *t, const uint8_t id[RECORD_ID_BYTES]);

/* Secondary index: put (only inside a batch; overwrites), get, prefix scan. */
int store_idx_put(store_txn *t, const void *key, size_t klen, const void *val, size_t vlen);
int store_idx_get(const uint8_t **out, size_t *len, store_txn *t, const void *key, size_t klen);
int store_idx_scan(store_txn *t, const void *prefix, size_t plen, store_kv_cb cb, void *ctx);

/* The same from the first key >= start (start begins with prefix). */
int store_idx_scan_from(store_txn *t, const void *prefix, size_t plen, const void *start, size_t slen, store_kv_cb cb,
    void *ctx);
/*
 * The greatest key <= key that begins with prefix, with its value
 * (borrowed until the transaction ends or writes); KN_ENOTFOUND (no
 * error message set) when there is none.
 */
int store_idx_floor(const uint8_t **okey, size_t *oklen, const uint8_t **oval, size_t *ovlen, store_txn *t,
    const void *prefix, size_t plen, const void *key, size_t klen);

/* Change feed: records with sequence > after, in order. */
int store_log_scan(store_txn *t, uint64_t after, store_log_cb cb, void *ctx);

/* Sealed secret key of pk, appended to out; KN_ENOTFOUND when absent. */
int store_key_get(kn_buf *out, store *s, const uint8_t pk[RECORD_KEY_BYTES]);

/* Meta values (small strings/blobs). get appends to out. */
int store_meta_get(kn_buf *out, store *s, const char *name);
int store_meta_put(store *s, const char *name, const void *val, size_t len);

typedef struct {
	uint64_t records;    /* records stored */
	uint64_t held;       /* records waiting for a record they depend on */
	uint64_t last_seq;   /* last change-feed sequence */
	uint64_t size_bytes; /* bytes in use by the store file */
	uint64_t map_bytes;  /* configured map size */
	unsigned schema;     /* schema version */
} store_stats;
int store_stat(store_stats *out, store *s);

/* Next hybrid-logical-clock time for a new record (never goes back). */
uint64_t store_hlc_next(store *s);

#endif
