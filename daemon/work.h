/*
 * work.h - slow work off the event loop, on a pool of worker threads.
 *
 * Argon2id (login, new keys) takes a tenth of a second or more by design;
 * git work, listings of thousands of records and evidence verification
 * take as long. None of it runs on the loop, which only parses requests,
 * answers cheap ones and commits writes, so that a cheap request (status,
 * a small read) never waits behind a slow one.
 *
 * Lanes. A job names the lane it runs in:
 *   KD_LANE_CPU    Argon2id and other pure CPU work (the default: 0)
 *   KD_LANE_READ   reads that may be long: listings, histories, git reads,
 *                  evidence.verify, the planning views of a whole school
 *                  (kd_work_read)
 *   KD_LANE_WRITE  git writes that must keep their order (upload finish
 *                  and its rollback): one dedicated thread runs them one at
 *                  a time in the order they were queued, so a new upload's
 *                  parent is what the ref holds and uploads of one person
 *                  and period chain instead of racing
 * The pool has kd_work_threads() threads (online CPUs, at least 2, or
 * daemon.workers) shared by CPU and READ; each of the two may occupy at
 * most all but one of them, so a flood of logins leaves a thread for the
 * reads and a flood of listings leaves one for the logins. Each lane has
 * its own queue bound (KD_JOBS_MAX): a full login queue refuses logins,
 * not other people's reads. Within a lane jobs run in the order queued;
 * each client has at most KD_JOBS_PER_CLIENT jobs in all (the server does
 * not read a client's next request while it has that many), so a client
 * waits behind at most that many jobs of each other client.
 *
 * Every thread has its own evidence_repo handle (store/evidence.h: one
 * handle, one thread at a time), given to the job in j->ev just before
 * run(). The store is read from worker threads with read transactions of
 * their own, which LMDB allows across threads (the store opens it with
 * MDB_NOTLS); only the loop writes. One caveat, for store/: ending a read
 * (store_read_end) looks at the store's open batch pointer, which the loop
 * sets; it only compares it with the transaction, never dereferences it,
 * and a worker's read is never the batch's, but a flag in the transaction
 * would make that read unnecessary.
 *
 * A job's run() executes on a worker thread and must touch nothing but the
 * job, its j->ev and read transactions of its own; done() executes later
 * on the loop thread, where it may use the server, the store and
 * kd_respond(). The job holds a reference to its client, so a client that
 * hangs up meanwhile is still valid (but gone).
 */
#ifndef KD_WORK_H
#define KD_WORK_H

#include "server.h"

enum kd_lane {
	KD_LANE_CPU = 0, /* Argon2id: login, new keys */
	KD_LANE_READ,    /* listings, histories, git reads, verification */
	KD_LANE_WRITE,   /* git writes, one at a time, in order */
	KD_LANES
};

typedef struct kd_job kd_job;
struct kd_job {
	kd_job *next;
	void (*run)(kd_job *j);   /* worker thread; sets rc and err */
	void (*done)(kd_job *j);  /* loop thread; must free the job */
	/* for done = kd_job_answer: pack the result; free what the job owns */
	void (*pack)(kd_job *j, msgpack_packer *pk);
	void (*cleanup)(kd_job *j);
	kd_req req;               /* args is not valid in run() or done() */
	int lane;                 /* enum kd_lane */
	evidence_repo *ev;        /* in run(): the running thread's own handle */
	int rc;
	int no_ref;               /* refused at submit: holds no client reference */
	int always_run;           /* run even when the client hung up (repairs) */
	char err_msg[512];
	char err_field[64];
};

#define KD_JOBS_PER_CLIENT 2  /* slow requests one client may have queued or running */
#define KD_JOBS_MAX 64        /* jobs waiting in one lane */
#define KD_WORKERS_MAX 64
#define KD_WORKER_NICE 5      /* workers run this much nicer than the loop */
#define KD_SESSION_NICE 3     /* a hub's session threads: nicer than the loop, less than the workers */

/*
 * Start the pool (and the writer thread), each thread with its own handle
 * on the evidence repository srv->ev names.
 */
int kd_work_start(kd_server *srv);
/* Stop every thread after its current job; jobs not run fail with KN_ESTATE. */
void kd_work_stop(kd_server *srv);
/* Pool threads: daemon.workers, or the online CPUs (at least 2) when it is 0. */
int kd_work_threads(const kd_config *cfg);
/*
 * Run the calling thread `by` nice levels below the process (Linux applies
 * nice per thread): the work pool's threads and the verify helpers take
 * KD_WORKER_NICE, a hub's session threads KD_SESSION_NICE. who names the
 * thread in the debug line when the priority cannot be changed.
 */
void kd_thread_nicer(int by, const char *who);
/*
 * Queue j in its lane. It reaches done() exactly once; when refused
 * (KN_EBUSY: too many jobs) done() runs at once with the error. Returns
 * KD_ASYNC.
 */
int kd_work_submit(kd_server *srv, kd_job *j);
/* In run(): keep the thread's last error in the job for done(). */
void kd_job_keep_error(kd_job *j, int rc);
/* In done(): make the job's error the loop's last error again. */
int kd_job_error(const kd_job *j);
/*
 * A done() for jobs that only answer: the error, or the result j->pack
 * packs; then j->cleanup (may be NULL), the client reference, free(j).
 */
void kd_job_answer(kd_job *j);
/* Release the job's client reference; call at the end of done(). */
void kd_job_release(kd_job *j);

/*
 * A method whose answer is only a read of the store runs it on the read
 * lane with this: fn runs on a worker thread, in a read transaction of its
 * own, and packs the answer (one object) into pk, or returns a KN_E* code
 * with the last error set; the loop then answers the request. arg (argsz
 * bytes, copied into the job) carries what fn needs from the request: the
 * request itself, its session and its arguments are not valid there. fn
 * must touch nothing but t, arg and what is thread-safe (the catalog
 * cache is). Returns KD_ASYNC, or KN_ENOMEM when the job cannot be made.
 */
typedef int (*kd_read_fn)(msgpack_packer *pk, store_txn *t, const void *arg);
int kd_work_read(kd_req *req, kd_read_fn fn, const void *arg, size_t argsz);

#endif
