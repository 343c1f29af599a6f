/*
 * sync.h - sync between a school daemon and its hub, inside kinerjad
 * (docs/design.md, "Sync"). The protocol's messages are sync/proto.h, the
 * channel sync/channel.h, reconciliation sync/recon.h; this is the wiring:
 *
 *   sync_index.c   the index hook's part: per school a change feed, a
 *                  running fingerprint, and the hub's registrations
 *   sync.c         shared: the loop hand-off of writes, the blocking link
 *                  over a socket, state, start and stop, the RPC methods
 *   sync_hub.c     the hub: TCP listener, a bounded pool of session threads
 *   sync_school.c  the school: one sync thread, schedule and backoff
 *   hub.c          hub.register, hub.revoke, hub.schools
 *
 * Threads. Only the loop writes the store (work.h): a sync thread reads
 * with read transactions of its own (never held across a network wait)
 * and hands its writes (records received, checkpoints) to the loop
 * (kd_sync_apply), which adds them to its group-commit batch and wakes the
 * thread once that batch is durable. So a write of a sync session costs
 * the loop one short turn and never blocks it on a socket.
 */
#ifndef KD_SYNC_H
#define KD_SYNC_H

#include <stdint.h>

#include "../sync/proto.h"
#include "../sync/recon.h"
#include "server.h"

/* ---- sync_index.c ---- */

/*
 * Index keys (store idx table), for every record stored:
 *   "f/<npsn>/<n be64>"  -> id (32) || hlc (be64) || origin (1)
 *                           the school's change feed: n counts the records
 *                           of that school this store holds, from 1;
 *                           origin 1 = arrived from a sync peer below
 *                           (a school, a child hub), 2 = from this hub's
 *                           parent hub (daemon/sync_parent.c)
 *   "fc/<npsn>"          -> n (be64): the feed's last position
 *   "fo/<npsn>"          -> n (be64): the last position of a record that did
 *                           not come from a peer below (what such a peer may lack)
 *   "fp/<npsn>"          -> sum (32) || count (be64): the running sum of the
 *                           school's record ids (recon_sum_add), whose
 *                           fingerprint is recon_fingerprint_of(sum, count)
 *   "rt/<npsn>/..."      -> the tree of range sums (sync_tree.c, below)
 * and for a "registration" record (an office's enrolment of a school):
 *   "rg/<device hex>/<npsn>" -> ""  a registration naming that device key
 *   "rn/<npsn>"              -> ""  a school registered here (ever)
 *   "ro/<npsn>/<office>"     -> ""  registered by that office (a parent hub
 *                                   holds its child hubs' registrations too)
 */
#define KD_SYNC_FEED_VALUE 41
/* receipts kept in meta "sync/receipts" (upto, at_ms; 16 bytes each) for sync.acts */
#define KD_SYNC_RECEIPTS_MAX 4096

/*
 * The index hook's part (rules.c calls it first for every record): ctx is
 * the server (or NULL in tests), whose sync_origin marks records that
 * arrive from a sync peer.
 */
int kd_sync_index(void *ctx, store_txn *t, const record_view *v);
/*
 * At start: index the records a store held before these keys existed
 * (once; meta "sync/index" marks it done), then build the tree of range
 * sums if the store has none yet (kd_sync_tree_backfill, meta
 * "sync/tree"). Loop thread, before serving.
 */
int kd_sync_index_backfill(kd_server *srv);

/* A school's feed position, running sum and count as a store holds them now. */
typedef struct {
	uint64_t feed;          /* last feed position ("fc/<npsn>"), 0 when none */
	uint64_t feed_out;      /* last position not received from a peer ("fo/<npsn>") */
	uint8_t sum[32];
	uint64_t count;
	uint8_t fp[SYNC_FP_BYTES];
} kd_sync_state;
/* Drop what kd_sync_waiting (sync_int.h) keeps of st, before st is closed (another store may open at its address). */
void kd_sync_waiting_forget(const store *st);
int kd_sync_state_get(kd_sync_state *out, store_txn *t, const char *npsn);

/* One feed entry: 0 when found, KN_ENOTFOUND past the end. */
typedef struct {
	uint8_t id[32];
	uint64_t hlc;
	int origin;
} kd_feed_entry;
int kd_sync_feed_get(kd_feed_entry *out, store_txn *t, const char *npsn, uint64_t n);

/* ---- sync_tree.c: the persistent tree of range fingerprints per school ---- */

/*
 * Index keys "rt/<npsn>/<level>[<ts be64><id>]" (sync_tree.c describes
 * them): every record of a school by (hlc, id), and the sums of ranges of
 * them at KD_TREE_LEVELS levels, kept by the index hook.
 */
#define KD_TREE_LEVELS 4
/* The tree's level of an item: the leading zero nibbles of its id, at most KD_TREE_LEVELS. */
int kd_sync_tree_level(const uint8_t id[32]);
/* Add one item (inside a store batch: the index hook); an item already there is a no-op. */
int kd_sync_tree_add(store_txn *t, const char *npsn, uint64_t ts, const uint8_t id[32]);
/* At start, once (meta "sync/tree"): build the tree of a store written before it, from the feeds. */
int kd_sync_tree_backfill(kd_server *srv);

/*
 * A school's tree as a reconciliation source (sync/recon.h): zero it, set t
 * (a read transaction, or a batch's) and npsn, then kd_sync_tree_src; zero
 * f.valid when t changes. reads counts the index keys it visited,
 * prefixes the prefix sums it computed.
 */
typedef struct {
	store_txn *t;
	char npsn[9];
	uint64_t reads, prefixes;
	/* the path of the last prefix sum (a finger: the next one, further on, starts there); private */
	struct {
		int valid;
		recon_bound x;
		recon_bound cur[KD_TREE_LEVELS + 1]; /* inf: the level's head */
		recon_acc before[KD_TREE_LEVELS + 1];
	} f;
} kd_tree_src;
void kd_sync_tree_src(recon_src *out, kd_tree_src *src);

/* The registration of npsn at office (its current version); KN_ENOTFOUND when none. */
int kd_sync_registration_get(domain_registration *out, uint8_t id[32], store_txn *t, const char *office,
    const char *npsn);
/*
 * The school a device key is registered (and not revoked) for, other than
 * `except`: *npsn filled and 0, or KN_ENOTFOUND.
 */
int kd_sync_device_school(char npsn[9], store_txn *t, const char *office, const uint8_t device[32], const char *except);
/* Every NPSN ever registered at this office, in order: cb(arg, npsn) until it returns non-zero. */
int kd_sync_registered_each(store_txn *t, int (*cb)(void *arg, const char *npsn), void *arg);
/* The school of a school's store (its one "s/" entry); KN_ENOTFOUND before school init. */
int kd_sync_store_school(char npsn[9], store_txn *t);
/* The office of an office's store (its "s/" entry marked "d"); KN_ENOTFOUND before dinas init. */
int kd_sync_store_office(char npsn[9], store *st, store_txn *t);
/* Has npsn ever been registered here? 1 or 0. */
int kd_sync_is_registered(store_txn *t, const char *npsn);

/* ---- sync.c: the loop hand-off ---- */

/* What became of one record handed to the loop. */
typedef struct {
	int result;        /* 0 stored, 1 present, 2 held, < 0 refused (KN_E*) */
	uint8_t id[32];
	int has_id;
	char message[SYNC_PROTO_TEXT_MAX + 1];
} kd_sync_outcome;

/*
 * Writes of a sync session, applied by the loop in one sub-transaction of
 * its batch and acknowledged once that batch is durable: records (each
 * through store_batch_add: signature, domain rules, held when waiting)
 * and meta rows (checkpoints, receipts, a school's status at the hub).
 */
typedef struct kd_sync_op {
	struct kd_sync_op *next;
	/* in */
	int origin;                 /* records come from a sync peer (the feed's origin flag) */
	int verified;               /* the sender's thread record_open'ed these very bytes: store_batch_add_verified */
	const sync_bytes *recs;     /* borrowed while the op waits */
	size_t nrecs;
	const char *const *meta_names;
	const kn_buf *meta_vals;
	size_t nmeta;
	/* out */
	kd_sync_outcome *out;       /* nrecs entries, filled by the loop */
	size_t counts[4];           /* stored, present, held, refused */
	int rc;                     /* 0 once durable, or why nothing of it was kept */
	char err[SYNC_PROTO_TEXT_MAX + 1];
	int done;
} kd_sync_op;

/*
 * From a sync thread: have the loop apply op and wait until it is durable
 * or failed (op->rc). KN_ESTATE when the daemon is stopping.
 */
int kd_sync_apply(kd_server *srv, kd_sync_op *op);
/*
 * kd_sync_apply in two steps, so a sync thread works on while the loop
 * applies: submit queues op (KN_ESTATE when stopping: op is not queued);
 * wait blocks until it is durable or failed. Ops of one thread are
 * applied in the order submitted. op and what it borrows stay untouched
 * until wait returns.
 */
int kd_sync_submit(kd_server *srv, kd_sync_op *op);
int kd_sync_wait(kd_server *srv, kd_sync_op *op);
/* 1 when a submitted op is finished (kd_sync_wait would not block). */
int kd_sync_done(kd_server *srv, const kd_sync_op *op);
/* server.c's flush_batch, after each commit: acknowledge the ops that joined it (loop thread). */
void kd_sync_flushed(kd_server *srv, int rc);

/* ---- sync.c: start, stop, status ---- */

/* Start the hub's listener or the school's sync thread, per role and config (after kd_work_start). */
int kd_sync_start(kd_server *srv);
/* Stop every sync thread (after the loop has ended and the batch was flushed); idempotent. */
void kd_sync_stop(kd_server *srv);
/* Pack the "sync" entry of status (a map). */
void kd_sync_pack_status(msgpack_packer *pk, kd_server *srv);

/* RPC methods (table.c). */
int kd_m_sync_status(kd_req *req, msgpack_packer *pk);
int kd_m_sync_now(kd_req *req, msgpack_packer *pk);
int kd_m_hub_register(kd_req *req, msgpack_packer *pk);
int kd_m_hub_register_child(kd_req *req, msgpack_packer *pk);
int kd_m_hub_revoke(kd_req *req, msgpack_packer *pk);
int kd_m_hub_schools(kd_req *req, msgpack_packer *pk);

#endif
