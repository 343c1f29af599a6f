/*
 * work.c - one worker thread, a queue in, a queue out, and a pipe that
 * wakes the loop when a job is finished.
 */
#include "work.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kd_work {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	kd_job *todo, **todo_tail;
	kd_job *finished;
	int queued;          /* jobs waiting to run */
	int stop;
	int pipe[2];
	struct event *wake;
};

static void *
worker(void *arg)
{
	struct kd_work *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && w->todo == NULL)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		kd_job *j = w->todo;
		w->todo = j->next;
		if (w->todo == NULL)
			w->todo_tail = &w->todo;
		w->queued--;
		pthread_mutex_unlock(&w->mu);
		/* Nobody to answer: skip the slow part (done() still runs and frees). */
		if (!j->always_run && kd_client_gone(j->req.client)) {
			j->rc = KN_EBUSY;
			snprintf(j->err_msg, sizeof(j->err_msg), "the client hung up");
			j->err_field[0] = '\0';
		} else {
			j->run(j);
		}
		pthread_mutex_lock(&w->mu);
		j->next = w->finished;
		w->finished = j;
		char one = 1;
		ssize_t n = write(w->pipe[1], &one, 1);
		(void)n; /* a full pipe already means "wake up" */
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Loop thread: deliver finished jobs in the order they were queued. */
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

int
kd_work_start(kd_server *srv)
{
	struct kd_work *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	if (pipe2(w->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(w);
		return kn_error_set(KN_ERROR, "", "pipe: %s", strerror(errno));
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->todo_tail = &w->todo;
	w->wake = event_new(srv->base, w->pipe[0], EV_READ | EV_PERSIST, wake_cb, srv);
	event_add(w->wake, NULL);
	if (pthread_create(&w->thread, NULL, worker, w) != 0) {
		event_free(w->wake);
		close(w->pipe[0]);
		close(w->pipe[1]);
		free(w);
		return kn_error_set(KN_ERROR, "", "cannot start the worker thread");
	}
	srv->work = w;
	return 0;
}

static void
drop_all(kd_job *j)
{
	while (j) {
		kd_job *n = j->next;
		j->rc = kn_error_set(KN_ESTATE, "", "kinerjad is shutting down; try again when it is back");
		kd_job_keep_error(j, j->rc);
		j->done(j); /* done() frees; its writes go nowhere: no batch commits after stop */
		j = n;
	}
}

void
kd_work_stop(kd_server *srv)
{
	struct kd_work *w = srv->work;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	/* Finished jobs are delivered; jobs never run fail politely. */
	wake_cb(w->pipe[0], EV_READ, srv);
	drop_all(w->todo);
	event_free(w->wake);
	close(w->pipe[0]);
	close(w->pipe[1]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
	srv->work = NULL;
}

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
	j->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->queued >= KD_JOBS_MAX && !j->always_run) {
		pthread_mutex_unlock(&w->mu);
		kd_job_keep_error(j, kn_error_set(KN_EBUSY, "", "kinerjad is busy with %d slow requests; try again in a moment",
		    KD_JOBS_MAX));
		j->done(j);
		return KD_ASYNC;
	}
	w->queued++;
	*w->todo_tail = j;
	w->todo_tail = &j->next;
	pthread_cond_signal(&w->cv);
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
