/*
 * work.c - the worker pool (see work.h): one queue per lane, pool threads
 * that take CPU and READ jobs, one writer thread that takes WRITE jobs in
 * order, a list of finished jobs, and a pipe that wakes the loop when one
 * is finished.
 */
#include "work.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../domain/messages.h"

typedef struct {
	kd_job *head, **tail;
	int queued;  /* waiting to run */
	int running;
	int cap;     /* threads it may occupy at once */
} kd_lane_q;

typedef struct {
	struct kd_work *w;
	pthread_t thread;
	evidence_repo *ev; /* this thread's own handle */
	int writer;        /* takes KD_LANE_WRITE only; pool threads take the others */
	int started;
} kd_worker;

struct kd_work {
	pthread_mutex_t mu;
	pthread_cond_t pool_cv;   /* a CPU or READ job may be taken */
	pthread_cond_t writer_cv; /* a WRITE job may be taken */
	kd_lane_q lane[KD_LANES];
	int rr;                   /* the pool lane looked at first next time */
	kd_job *finished;         /* newest first */
	int stop;
	int pipe[2];
	struct event *wake;
	int nworkers;             /* pool threads + the writer */
	kd_worker *workers;
};

/* Pool size: what the machine has, never fewer than 2 so that logins and reads each keep a thread. */
void
kd_thread_nicer(int by, const char *who)
{
	errno = 0;
	int nice_now = getpriority(PRIO_PROCESS, 0);
	if (errno == 0 && setpriority(PRIO_PROCESS, (id_t)gettid(), nice_now + by) != 0)
		kn_debug("%s: cannot lower its priority: %s", who, strerror(errno));
}

int
kd_work_threads(const kd_config *cfg)
{
	long n = cfg->workers;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 2)
		n = 2;
	return n > KD_WORKERS_MAX ? KD_WORKERS_MAX : (int)n;
}

/*
 * Under w->mu: the next job this thread may take, or NULL. A pool thread
 * looks at CPU and READ in turn, starting with the lane after the one it
 * served last, and skips a lane that occupies its share of threads.
 */
static kd_job *
take(struct kd_work *w, const kd_worker *self)
{
	static const int pool[] = { KD_LANE_CPU, KD_LANE_READ };
	int lanes[2], n = 0;

	if (self->writer) {
		lanes[n++] = KD_LANE_WRITE;
	} else {
		lanes[n++] = pool[w->rr % 2];
		lanes[n++] = pool[(w->rr + 1) % 2];
	}
	for (int i = 0; i < n; i++) {
		kd_lane_q *q = &w->lane[lanes[i]];
		if (q->head == NULL || q->running >= q->cap)
			continue;
		kd_job *j = q->head;
		q->head = j->next;
		if (q->head == NULL)
			q->tail = &q->head;
		q->queued--;
		q->running++;
		if (!self->writer)
			w->rr = lanes[i] == KD_LANE_CPU ? 1 : 0;
		return j;
	}
	return NULL;
}

/* One thread of the pool, or the writer: take, run, hand back, wake the loop. */
static void *
worker(void *arg)
{
	kd_worker *self = arg;
	struct kd_work *w = self->w;
	pthread_cond_t *cv = self->writer ? &w->writer_cv : &w->pool_cv;
	kd_job *j = NULL;

	/*
	 * Long work yields the CPU to the loop: on a busy machine the loop's
	 * short turns (every client's cheap requests) are scheduled before a
	 * worker's long ones. Linux applies nice to the calling thread alone.
	 */
	kd_thread_nicer(KD_WORKER_NICE, "worker thread");
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && (j = take(w, self)) == NULL)
			pthread_cond_wait(cv, &w->mu);
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->mu);
		/* Nobody to answer: skip the slow part (done() still runs and frees). */
		if (!j->always_run && kd_client_gone(j->req.client)) {
			j->rc = KN_EBUSY;
			snprintf(j->err_msg, sizeof(j->err_msg), "the client hung up");
			j->err_field[0] = '\0';
		} else {
			j->ev = self->ev;
			j->run(j);
			j->ev = NULL;
		}
		pthread_mutex_lock(&w->mu);
		w->lane[j->lane].running--;
		/* a lane at its share may take another thread now */
		if (!self->writer)
			pthread_cond_broadcast(&w->pool_cv);
		j->next = w->finished;
		w->finished = j;
		char one = 1;
		ssize_t n = write(w->pipe[1], &one, 1);
		(void)n; /* a full pipe already means "wake up" */
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Loop thread: deliver finished jobs in the order they finished. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	kd_server *srv = arg;
	struct kd_work *w = srv->work;
	char buf[64];
	(void)what;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&w->mu);
	kd_job *list = w->finished, *rev = NULL;
	w->finished = NULL;
	pthread_mutex_unlock(&w->mu);
	while (list) {
		kd_job *n = list->next;
		list->next = rev;
		rev = list;
		list = n;
	}
	while (rev) {
		kd_job *n = rev->next;
		rev->done(rev);
		rev = n;
	}
}

/* Fail jobs that never ran, politely; done() frees each. */
static void
drop_all(kd_job *j)
{
	while (j) {
		kd_job *n = j->next;
		j->rc = domain_msg_error(KN_ESTATE, "", "DAEMON_BERHENTI", NULL);
		kd_job_keep_error(j, j->rc);
		j->done(j); /* its writes go nowhere: no batch commits after stop */
		j = n;
	}
}

/* Free what kd_work_start built; the threads must have been joined. */
static void
work_free(struct kd_work *w)
{
	for (int i = 0; i < w->nworkers; i++)
		evidence_close(w->workers[i].ev);
	free(w->workers);
	if (w->wake)
		event_free(w->wake);
	close(w->pipe[0]);
	close(w->pipe[1]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->pool_cv);
	pthread_cond_destroy(&w->writer_cv);
	free(w);
}

/* Ask every thread to stop and wait for each that was started. */
static void
join_all(struct kd_work *w)
{
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->pool_cv);
	pthread_cond_broadcast(&w->writer_cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->nworkers; i++)
		if (w->workers[i].started)
			pthread_join(w->workers[i].thread, NULL);
}

/* Build the lanes, open one repository handle per thread, then start the threads. */
int
kd_work_start(kd_server *srv)
{
	struct kd_work *w = calloc(1, sizeof(*w));
	int npool = kd_work_threads(&srv->cfg), rc = 0;

	if (w == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(w);
		return kn_error_set(KN_ERROR, "", "pipe: %s", strerror(errno));
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->pool_cv, NULL);
	pthread_cond_init(&w->writer_cv, NULL);
	for (int i = 0; i < KD_LANES; i++)
		w->lane[i].tail = &w->lane[i].head;
	/* each pool lane leaves at least one thread to the other */
	w->lane[KD_LANE_CPU].cap = npool > 1 ? npool - 1 : 1;
	w->lane[KD_LANE_READ].cap = npool > 1 ? npool - 1 : 1;
	w->lane[KD_LANE_WRITE].cap = 1;
	w->nworkers = npool + 1;
	w->workers = calloc((size_t)w->nworkers, sizeof(*w->workers));
	w->wake = event_new(srv->base, w->pipe[0], EV_READ | EV_PERSIST, wake_cb, srv);
	if (w->workers == NULL || w->wake == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out_free;
	}
	/* Handles are opened here, on one thread, before any worker runs. */
	for (int i = 0; i < w->nworkers; i++) {
		w->workers[i].w = w;
		w->workers[i].writer = i == npool;
		if ((rc = evidence_open(&w->workers[i].ev, evidence_path(srv->ev))))
			goto out_free;
	}
	event_add(w->wake, NULL);
	srv->work = w;
	for (int i = 0; i < w->nworkers; i++) {
		if (pthread_create(&w->workers[i].thread, NULL, worker, &w->workers[i]) != 0) {
			rc = kn_error_set(KN_ERROR, "", "cannot start worker thread %d of %d", i + 1, w->nworkers);
			join_all(w);
			srv->work = NULL;
			goto out_free;
		}
		w->workers[i].started = 1;
	}
	kn_debug("worker pool: %d threads for logins and reads, 1 for evidence writes", npool);
	return 0;

out_free:
	work_free(w);
	return rc;
}

/* Join the threads, deliver what they finished, and fail what they never started. */
void
kd_work_stop(kd_server *srv)
{
	struct kd_work *w = srv->work;

	if (w == NULL)
		return;
	join_all(w);
	/* Finished jobs are delivered; jobs never run fail politely. */
	wake_cb(w->pipe[0], EV_READ, srv);
	/* a done() may queue a job (a rollback): drop until every lane is empty */
	for (int i = 0; i < KD_LANES; i++) {
		kd_job *j = w->lane[i].head;
		if (j == NULL)
			continue;
		w->lane[i].head = NULL;
		w->lane[i].tail = &w->lane[i].head;
		w->lane[i].queued = 0;
		drop_all(j);
		i = -1;
	}
	work_free(w);
	srv->work = NULL;
}

/*
 * Queue a job in its lane, after the per-client limit (refused there: the
 * client has enough running) and the lane's bound (a full lane refuses
 * only jobs of its kind).
 */
int
kd_work_submit(kd_server *srv, kd_job *j)
{
	struct kd_work *w = srv->work;
	int rc = kd_client_job_begin(j->req.client, j->always_run ? 1 << 20 : KD_JOBS_PER_CLIENT);

	if (rc) {
		/* done() answers with the error and frees the job; it must not release what was not taken */
		kd_job_keep_error(j, rc);
		j->no_ref = 1;
		j->done(j);
		return KD_ASYNC;
	}
	if (j->lane < 0 || j->lane >= KD_LANES)
		j->lane = KD_LANE_CPU;
	j->next = NULL;
	pthread_mutex_lock(&w->mu);
	kd_lane_q *q = &w->lane[j->lane];
	if (q->queued >= KD_JOBS_MAX && !j->always_run) {
		pthread_mutex_unlock(&w->mu);
		kd_job_keep_error(j, domain_msg_error(KN_EBUSY, "", "DAEMON_ANTREAN_PENUH", "jumlah", domain_msg_num(KD_JOBS_MAX).s, NULL));
		j->done(j);
		return KD_ASYNC;
	}
	q->queued++;
	*q->tail = j;
	q->tail = &j->next;
	if (j->lane == KD_LANE_WRITE)
		pthread_cond_signal(&w->writer_cv);
	else
		pthread_cond_broadcast(&w->pool_cv);
	pthread_mutex_unlock(&w->mu);
	return KD_ASYNC;
}

void
kd_job_keep_error(kd_job *j, int rc)
{
	j->rc = rc;
	snprintf(j->err_msg, sizeof(j->err_msg), "%s", kn_error_message());
	snprintf(j->err_field, sizeof(j->err_field), "%s", kn_error_field());
}

int
kd_job_error(const kd_job *j)
{
	return kn_error_set(j->rc, j->err_field, "%s", j->err_msg);
}

void
kd_job_release(kd_job *j)
{
	if (!j->no_ref)
		kd_client_job_end(j->req.client);
	j->no_ref = 1;
}

void
kd_job_answer(kd_job *j)
{
	kn_buf res = KN_BUF_INIT;
	msgpack_packer pk;
	int rc = j->rc ? kd_job_error(j) : 0;

	if (rc == 0) {
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		j->pack(j, &pk);
	}
	kd_respond(&j->req, rc, &res);
	kn_buf_free(&res);
	if (j->cleanup)
		j->cleanup(j);
	kd_job_release(j);
	free(j);
}

/* A read job of kd_work_read: the function, the answer it packed, and its argument (copied). */
typedef struct {
	kd_job j;
	store *st;
	kd_read_fn fn;
	kn_buf res;
	max_align_t arg[]; /* argsz bytes */
} kd_read_job;

/* Worker thread: fn in a read transaction of the job's own, its answer packed into the job. */
static void
read_run(kd_job *j)
{
	kd_read_job *rj = (kd_read_job *)j;
	msgpack_packer pk;
	store_txn *t;
	int rc;

	if ((rc = store_read_begin(&t, rj->st)) == 0) {
		msgpack_packer_init(&pk, &rj->res, kn_buf_msgpack_write);
		rc = rj->fn(&pk, t, rj->arg);
		store_read_end(t);
		if (rc == 0 && rj->res.failed)
			rc = kn_error_set(KN_ENOMEM, "", "out of memory packing the answer");
	}
	if (rc)
		kd_job_keep_error(j, rc);
}

/* Loop thread: the answer, packed by the worker already. */
static void
read_pack(kd_job *j, msgpack_packer *pk)
{
	kd_read_job *rj = (kd_read_job *)j;

	kn_buf_put(pk->data, rj->res.ptr, rj->res.len);
}

/* Free what the job owns (kd_job_answer frees the job). */
static void
read_cleanup(kd_job *j)
{
	kd_read_job *rj = (kd_read_job *)j;

	kn_buf_free(&rj->res);
}

/* See work.h: the job carries a copy of arg; it answers through kd_job_answer. */
int
kd_work_read(kd_req *req, kd_read_fn fn, const void *arg, size_t argsz)
{
	kd_read_job *rj = calloc(1, sizeof(*rj) + argsz);

	if (rj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	rj->st = req->srv->st;
	rj->fn = fn;
	if (argsz)
		memcpy(rj->arg, arg, argsz);
	rj->j.lane = KD_LANE_READ;
	rj->j.run = read_run;
	rj->j.done = kd_job_answer;
	rj->j.pack = read_pack;
	rj->j.cleanup = read_cleanup;
	rj->j.req = *req;
	return kd_work_submit(req->srv, &rj->j);
}
