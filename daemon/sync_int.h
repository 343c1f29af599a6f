/*
 * sync_int.h - what sync.c, sync_hub.c, sync_school.c and hub.c share:
 * the state of sync in a daemon (struct kd_sync), the blocking link over
 * a socket, and the texts people read.
 *
 * Locking: kd_sync.mu guards every field below that a sync thread and the
 * loop both touch (marked "mu"); fields marked "loop" are the loop
 * thread's alone, "const" are set before any thread starts.
 */
#ifndef KD_SYNC_INT_H
#define KD_SYNC_INT_H

#include <pthread.h>
#include <stdint.h>

#include "../sync/channel.h"
#include "sync.h"

#define KD_SYNC_HOST_MAX 256

/* A failure as people at the school (or the Dinas at the hub) read it. */
typedef struct {
	int code;                               /* KN_E*, 0: none */
	char reason[40];                        /* a code of domain/messages.c */
	char text[SYNC_PROTO_TEXT_MAX + 1];     /* rendered, Indonesian */
	uint64_t at_ms;
} kd_sync_error;

/* What one session did (the school's view; the hub keeps the same per school). */
typedef struct {
	int ok;
	kd_sync_error err;
	uint64_t started_ms, ms;                /* wall clock at start, duration */
	uint64_t pushed, stored, present, held, refused; /* records pushed and what the hub did with them */
	uint64_t pulled, fetched;               /* records received from the hub's feed, and by reconciliation */
	uint64_t pushed_recon;                  /* records pushed after a reconciliation */
	int reconciled;                         /* the fingerprints differed after push and pull */
	int recon_rounds;
	uint64_t recon_reads;                   /* index keys the reconciliation read here (its tree) */
	uint64_t round_trips;                   /* messages waited for after the handshake */
	uint64_t window_max;                    /* most pushes in flight at once (sync.push_window) */
	uint64_t bytes_sent, bytes_received;    /* on the socket after the handshake */
	uint64_t handshake_bytes;
	int fp_match;                           /* the sets were equal at the end */
	uint8_t fp[SYNC_FP_BYTES], hub_fp[SYNC_FP_BYTES];
	uint64_t count, hub_count;
	sync_refusal first_refusal;             /* the first refused record, when any */
	int64_t clock_offset_ms;                /* hub clock minus ours, from welcome */
	/* the evidence phase */
	int ev_ran;                             /* it ran (the hub offers it, something to send or to verify) */
	uint64_t ev_bytes_sent;                 /* on the socket during it */
	uint64_t ev_packs, ev_pack_bytes;       /* packs completed, their bytes */
	uint64_t ev_resumed_at;                 /* a pack resumed at this byte (0: none) */
	uint64_t ev_chunks, ev_inflight_max;    /* ev_chunk messages sent; most of them unacknowledged at once */
} kd_sync_result;

/* A school as the hub sees it (hub.schools). */
typedef struct {
	char npsn[9];
	int registered;                         /* a registration (unrevoked) names its key: filled when listed */
	char sw[SYNC_PROTO_SW_MAX + 1];
	uint64_t last_ok_ms, last_attempt_ms;
	int64_t clock_offset_ms;                /* the school's clock minus the hub's, at its last hello */
	uint64_t sessions, records_in, refused_total;
	uint64_t last_round_trips, last_bytes;
	uint64_t ev_waiting, ev_verified, ev_bad; /* evidence documents waiting for files; files verified, files damaged */
	uint64_t ev_bytes_in;                   /* pack bytes received, all sessions */
	/* what waits at the school, as its last session left it: records its hello counted and the hub
	 * did not receive; bytes of an evidence pack offered and not all here yet */
	uint64_t records_waiting, bytes_waiting;
	kd_sync_error err;                      /* the last session's failure, or code 0 */
	int dirty;                              /* changed since last saved to meta "hub/<npsn>" */
} kd_hub_school;

/* A sync.now request waiting for the session that starts after it (loop). */
typedef struct kd_sync_waiter {
	struct kd_sync_waiter *next;
	kd_req req;                             /* args not valid */
	uint64_t after;                         /* answered by a session numbered above this */
} kd_sync_waiter;

typedef enum {
	KD_PHASE_IDLE = 0,
	KD_PHASE_CONNECT,
	KD_PHASE_PUSH,
	KD_PHASE_PULL,
	KD_PHASE_RECON,
	KD_PHASE_EVIDENCE,
} kd_sync_phase;

struct kd_sync {
	struct kd_verify_pool *verify;          /* const: a hub's verify helpers (sync_verify.h), or NULL */
	kd_server *srv;                         /* const */
	pthread_mutex_t mu;
	pthread_cond_t cv;                      /* an op was applied; a school wake-up; a hub connection queued */
	int stop;                               /* mu */
	int timeout_ms;                         /* const: a peer silent this long is dropped */
	/* the loop hand-off */
	kd_sync_op *queue, **queue_tail;        /* mu: waiting for the loop */
	kd_sync_op *joined;                     /* loop: in the open batch, waiting for its commit */
	int pipe[2];                            /* wakes the loop */
	struct event *wake;                     /* loop */

	/* the hub */
	int hub;                                /* const: this daemon listens */
	int listen_fd;
	struct evconnlistener *listener;        /* loop */
	int port;                               /* const: the bound port */
	int *conns;                             /* mu: accepted sockets waiting for a session thread */
	size_t nconns, capconns;
	pthread_t *threads;                     /* mu: session threads started (at most max_sessions) */
	int nthreads, idle, active;             /* mu */
	int max_sessions;                       /* const */
	kd_hub_school *schools;                 /* mu */
	size_t nschools, capschools;
	uint64_t hub_sessions;                  /* mu: sessions served since start */
	uint64_t ev_swept_ms;                   /* mu: the last sweep of stale partial packs (monotonic) */

	/* the school, or a hub's link to its parent hub (the same thread and schedule) */
	int school;                             /* const: this daemon syncs to a hub */
	int parent;                             /* const: this hub syncs up to a parent hub (sync.parent) */
	int (*round)(struct kd_sync *sy, kd_sync_result *res); /* const: one round of the thread */
	struct kd_parent_code *pcodes;          /* mu: the parent link's codes and their last session */
	size_t npcodes;
	char hub_addr[KD_SYNC_HOST_MAX];        /* const: sync.hub */
	uint8_t hub_key[32];                    /* const: the hub's Ed25519 device key */
	uint8_t hub_x25519[SYNC_CHANNEL_KEY_BYTES]; /* const: its Noise static key */
	int interval_s;                         /* const */
	int retry_min_s, probe_s;               /* const: sync.retry_min_s, sync.probe_s */
	uint64_t probes, probe_wakes;           /* reachability probes tried, and those that started a session */
	int batch_records;                      /* const: records per push (sync.batch_records) */
	int push_window;                        /* const: pushes in flight (sync.push_window) */
	pthread_t thread;
	int have_thread;
	int wake_now;                           /* mu: sync.now asked for a session */
	uint64_t started, done;                 /* mu: sessions started and finished, numbered from 1 */
	kd_sync_phase phase;                    /* mu */
	uint64_t phase_ms;                      /* mu: when the phase began (wall clock) */
	uint64_t last_ok_ms, last_attempt_ms, next_ms; /* mu: wall clock */
	int fails;                              /* mu: failures in a row */
	kd_sync_result last;                    /* mu: the last session's */
	kd_sync_waiter *waiters;                /* loop */
	int delay_ms;                           /* const: tests only (sync.test_delay_ms) */
	/* the school's evidence phase (mu) */
	char ev_key[65];                        /* the pack moving now ("" when none) */
	uint64_t ev_size, ev_at;                /* its size, the bytes the hub acknowledged */
	uint64_t ev_waiting;                    /* documents whose newest commit the hub lacked at the last offer */
	uint64_t ev_bytes_total;                /* bytes sent in evidence phases since start */
};

/* ---- sync_evidence.c ---- */

/* An evidence document of a school: its ref and newest commit; a file an upload record names. */
typedef struct {
	char ref[200];
	char commit[41];
	size_t f0, nf;                          /* its uploads: files[f0 .. f0 + nf), oldest first */
} kd_sync_ev_doc;
typedef struct {
	char commit[41];
	char blob[41];
	char sha256[65];                        /* "" in older records */
	uint64_t size;
} kd_sync_ev_file;
typedef struct {
	kd_sync_ev_doc *docs;
	size_t ndocs;
	kd_sync_ev_file *files;
	size_t nfiles;
} kd_sync_ev_set;
/* The evidence documents of npsn and their files, from the records in st (a read transaction of its own). */
int kd_sync_ev_collect(kd_sync_ev_set *out, store *st, const char *npsn);
void kd_sync_ev_set_free(kd_sync_ev_set *s);
/* Where a hub keeps npsn's evidence: its own bare repository, and the directory of packs arriving. */
int kd_sync_hub_ev_paths(char *repo, size_t repo_sz, char *incoming, size_t inc_sz, kd_server *srv, const char *npsn);
/* Remove every school's partial packs untouched for sync.ev_incoming_max_age_s (at start, then hourly). */
void kd_sync_hub_ev_sweep(kd_server *srv);

/* ---- sync.c ---- */

/* Set e from a message code and its parameters (name, value, ..., NULL), with code. */
void kd_sync_error_set(kd_sync_error *e, int code, const char *reason, const char *const *params);
/* Pack e as {code, reason, message, at_ms} or nil when e->code is 0. */
void kd_sync_error_pack(msgpack_packer *pk, const kd_sync_error *e);

/*
 * A session's end of a socket: the channel, a poll-based blocking I/O
 * with a timeout per wait, and the bytes counted. The stop flag is looked
 * at every 200 ms, so a stopping daemon never waits for a silent peer.
 */
typedef struct {
	struct kd_sync *sy;
	int fd;
	sync_channel *ch;
	uint64_t hs_bytes;       /* before the channel was ready */
	uint64_t sent, recvd;    /* after */
	uint64_t waits;          /* messages received after the handshake (a round trip each, for the initiator) */
	int timeout_ms;           /* this link's wait limit; 0: the sync's (sync.timeout_s) */
} kd_link;

/* Write everything pending. 0, KN_ERROR (socket, with why), KN_EBUSY (timeout), KN_ESTATE (stopping). */
int kd_link_flush(kd_link *l);
/* Connect l->fd to addr (HOST:PORT), non-blocking, within the link's timeout; KN_ERROR with why (in Indonesian). */
int kd_sync_tcp_connect(kd_link *l, const char *addr);
/*
 * The next message into msg (cleared first), flushing what the channel
 * answers meanwhile: 1 with a message, 0 when the peer closed the channel
 * properly, or an error (the channel's, the socket's, timeout, stopping).
 */
int kd_link_recv(kn_buf *msg, kd_link *l);
/*
 * 1 when part of a next message has arrived (buffered in the channel or
 * readable on the socket), without waiting: a hub that answers a push
 * late, to verify the next one first, asks this before it waits.
 */
int kd_link_input_waiting(kd_link *l);
/* Wait up to ms for input on l (no error: the caller looks again). */
void kd_link_input_wait(kd_link *l, int ms);
/* Encode and send m, then flush. */
int kd_link_send(kd_link *l, const sync_msg *m);
/* Send an error message (best effort) built from e. */
void kd_link_send_error(kd_link *l, const kd_sync_error *e);
/* Close the channel properly and flush (best effort). */
void kd_link_close(kd_link *l);
/* Free the channel and close the socket. */
void kd_link_free(kd_link *l);

/*
 * The school's side of a connection: TCP to addr ("HOST:PORT"), then the
 * Noise IK handshake with the hub's key (X25519); l->fd and l->ch set.
 * KN_EBADSIG when the hub ended the handshake (its key is not the one
 * configured), KN_ERROR when it cannot be reached (the message says why).
 */
int kd_sync_connect(kd_link *l, const char *addr, const uint8_t hub_x25519[SYNC_CHANNEL_KEY_BYTES]);
/* A channel for this daemon's device key on l (initiator when peer_x25519 is set). */
int kd_link_channel(kd_link *l, const uint8_t *peer_x25519);
/* "HOST:PORT" (or "[v6]:PORT") into its parts; KN_EINVAL. */
int kd_sync_split_addr(char *host, size_t hostsz, char *port, size_t portsz, const char *addr);
/* A meta row of 8 bytes (big-endian), 0 when absent. */
uint64_t kd_sync_meta_u64(kd_server *srv, const char *name);
/*
 * Records of npsn's feed after acked whose origin is below `from` (1 at a
 * school: made here; 2 toward a parent). The last count per store, feed
 * and bound is kept, so a call reads only the positions acknowledged or
 * added since (a range first seen is read up to 100,000 positions).
 */
uint64_t kd_sync_waiting(const store *st, store_txn *t, const char *npsn, uint64_t acked, uint64_t feed, int from);

/* Is the daemon stopping? */
int kd_sync_stopping(struct kd_sync *sy);
/* Wake the loop (a session finished: answer sync.now). */
void kd_sync_wake_loop(struct kd_sync *sy);

/* ---- sync_hub.c ---- */
int kd_sync_hub_start(struct kd_sync *sy);
void kd_sync_hub_stop(struct kd_sync *sy);
/* Load the schools' status from meta (at start), save the dirty ones (at stop; loop thread, no batch open). */
void kd_sync_hub_load(struct kd_sync *sy);
void kd_sync_hub_save(struct kd_sync *sy);
/* The status of npsn (mu held), created when absent (NULL when out of memory or the table is full). */
kd_hub_school *kd_sync_hub_school(struct kd_sync *sy, const char *npsn);
/* The meta row of a school's status at the hub (packed). */
void kd_sync_hub_school_pack(kn_buf *out, const kd_hub_school *s);

/* ---- sync_school.c ---- */
int kd_sync_school_start(struct kd_sync *sy);
void kd_sync_school_stop(struct kd_sync *sy);
/* Start the thread that runs sy->round at start, every interval_s after a success, with backoff after a failure. */
int kd_sync_client_thread(struct kd_sync *sy);

/*
 * One session with an upper peer, as its client: a school with its hub,
 * or a child hub with its parent for one code it speaks for (its own
 * office, or a school registered at it).
 */
typedef struct {
	const char *addr;                       /* HOST:PORT */
	const uint8_t *x25519;                  /* the peer's Noise static key */
	char npsn[9];                           /* the code this session is about; "" = this store's school */
	char meta[40];                          /* prefix of its checkpoints in meta ("sync/", "parent/<code>/") */
	int origin;                             /* records received are marked so in the feed (1 at a school, 2 at a
	                                           child hub); feed entries of this origin or above are not pushed */
	int evidence;                           /* offer the evidence phase */
} kd_sync_peer;
int kd_sync_session(struct kd_sync *sy, const kd_sync_peer *p, kd_sync_result *res);

/* ---- sync_parent.c ---- */
/* A hub with sync.parent: its link to the parent hub (the school thread's schedule, one session per code). */
int kd_sync_parent_start(struct kd_sync *sy);
/*
 * At a parent hub, a hello whose device key is registered here as a child
 * hub's (registration with "hub"): 1 when it is not (a school: check it
 * as one), 0 when the child may speak for npsn (its own office, or a code
 * registered by it or by a hub under it, not one registered here directly)
 * with child set to its office code and *office when npsn is an office's,
 * or an error with e set (refused, with reason).
 */
int kd_sync_child_check(kd_sync_error *e, char child[9], int *office, store *st, const char *office_here,
    const uint8_t device[32], const char *npsn);
/*
 * Is code registered (current, not revoked) by child, or by a hub office
 * under child (each step a registration with "hub"), at most a few steps
 * up? *office set when code is itself a hub's office. depth: 0.
 */
int kd_sync_under(store_txn *t, const char *child, const char *code, int depth, int *office);
/* Pack the parent link's state for sync.status at a hub (a map; mu not held). */
void kd_sync_parent_pack(msgpack_packer *pk, struct kd_sync *sy);

/*
 * Loop thread (wake_cb): add the ops of list, in order, to the open batch
 * in one sub-transaction; each ends in the batch's commit
 * (kd_sync_flushed), or at once with its error. When the shared
 * sub-transaction is spoiled, each op is applied again in its own, so
 * one op's failure fails only that op.
 */
void kd_sync_apply_queued(kd_server *srv, kd_sync_op *list);

#endif
