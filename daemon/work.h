/*
 * work.h - slow work off the event loop. Argon2id (login, new keys) takes
 * a tenth of a second or more by design; it runs on one worker thread so
 * that the loop keeps serving everyone else, and a flood of login attempts
 * only queues behind itself.
 *
 * A job's run() executes on the worker thread and must touch nothing but
 * the job; done() executes later on the loop thread, where it may use the
 * server, the store and kd_respond(). The job holds a reference to its
 * client, so a client that hangs up meanwhile is still valid (but gone).
 */
#ifndef KD_WORK_H
#define KD_WORK_H

#include "server.h"

typedef struct kd_job kd_job;
struct kd_job {
	kd_job *next;
	void (*run)(kd_job *j);   /* worker thread; sets rc and err */
	void (*done)(kd_job *j);  /* loop thread; must free the job */
	/* for done = kd_job_answer: pack the result; free what the job owns */
	void (*pack)(kd_job *j, msgpack_packer *pk);
	void (*cleanup)(kd_job *j);
	kd_req req;               /* args is not valid in done() */
	int rc;
	int no_ref;               /* refused at submit: holds no client reference */
	int always_run;           /* run even when the client hung up (repairs) */
	char err_msg[512];
	char err_field[64];
};

#define KD_JOBS_PER_CLIENT 2  /* slow requests one client may have running */
#define KD_JOBS_MAX 64        /* jobs queued in all */

int kd_work_start(kd_server *srv);
/* Stop the worker after its current job; jobs not run are dropped. */
void kd_work_stop(kd_server *srv);
/*
 * Queue j. It reaches done() exactly once; when refused (KN_EBUSY: too
 * many jobs) done() runs at once with the error. Returns KD_ASYNC.
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

#endif
