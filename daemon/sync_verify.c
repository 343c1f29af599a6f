/*
 * sync_verify.c - a push's records verified by the session thread and a
 * pool of helpers together (see sync_verify.h).
 *
 * One mutex guards the queue of batches and every batch's counters. A
 * batch is claimed in chunks: whoever claims a chunk (the caller or a
 * helper) verifies it and then counts it done, so the caller, once no
 * chunk is left to claim, only waits for chunks already being verified.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../store/record.h"
#include "../util/kn.h"
#include "sync_verify.h"
#include "work.h"

#define VERIFY_CHUNK 16   /* records claimed at a time: about a millisecond of work */
#define VERIFY_MIN 2      /* chunks a batch must have before helpers are asked */

typedef struct vbatch {
	struct vbatch *next;
	const sync_bytes *recs;
	record_view *views;
	int *rc;
	size_t n;
	size_t claimed;       /* records handed out */
	size_t done;          /* records verified */
	int queued;           /* still in the pool's queue (has chunks to claim) */
	pthread_cond_t cv;    /* done == n */
} vbatch;

struct kd_verify_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;    /* a batch was queued, or stop */
	vbatch *head, **tail;
	int stop;
	int nthreads;
	pthread_t *threads;
	unsigned long long helped;
};

static void
verify_range(const vbatch *b, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		b->rc[i] = record_open(&b->views[i], b->recs[i].ptr, b->recs[i].len, NULL);
		if (b->rc[i])
			kn_error_clear();
	}
}

/* Under mu: claim the next chunk of b into [*from, *to); 0 when none is left. */
static int
claim(kd_verify_pool *p, vbatch *b, size_t *from, size_t *to)
{
	if (b->claimed >= b->n)
		return 0;
	*from = b->claimed;
	*to = b->claimed + VERIFY_CHUNK < b->n ? b->claimed + VERIFY_CHUNK : b->n;
	b->claimed = *to;
	if (b->claimed == b->n && b->queued) {
		/* nothing left to hand out: out of the queue (it may not be the head) */
		vbatch **pp = &p->head;
		while (*pp != b)
			pp = &(*pp)->next;
		*pp = b->next;
		if (p->tail == &b->next)
			p->tail = pp;
		b->queued = 0;
	}
	return 1;
}

/* Under mu: count [from, to) of b done; wake its caller when it is the last. */
static void
finish(vbatch *b, size_t from, size_t to)
{
	b->done += to - from;
	if (b->done == b->n)
		pthread_cond_signal(&b->cv);
}

static void *
helper(void *arg)
{
	kd_verify_pool *p = arg;
	size_t from, to;

	/* as the work pool's threads: the loop (commits, local clients) comes first */
	kd_thread_nicer(KD_WORKER_NICE, "verify helper");
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && p->head == NULL)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		vbatch *b = p->head;
		if (!claim(p, b, &from, &to))
			continue;
		pthread_mutex_unlock(&p->mu);
		verify_range(b, from, to);
		pthread_mutex_lock(&p->mu);
		p->helped += to - from;
		finish(b, from, to);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
kd_verify_pool_new(kd_verify_pool **out, int helpers)
{
	kd_verify_pool *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL || (helpers > 0 && (p->threads = calloc((size_t)helpers, sizeof(pthread_t))) == NULL)) {
		free(p);
		return kn_error_set(KN_ENOMEM, "", "out of memory starting the verify helpers");
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->tail = &p->head;
	for (; p->nthreads < helpers; p->nthreads++) {
		int rc = pthread_create(&p->threads[p->nthreads], NULL, helper, p);
		if (rc) {
			kd_verify_pool_free(p);
			return kn_error_set(KN_ERROR, "", "cannot start a verify helper: %s", strerror(rc));
		}
	}
	*out = p;
	return 0;
}

void
kd_verify_pool_free(kd_verify_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p);
}

void
kd_verify_records(kd_verify_pool *p, const sync_bytes *recs, size_t n, record_view *views, int *rc)
{
	vbatch b = { .recs = recs, .views = views, .rc = rc, .n = n };
	size_t from, to;

	if (p == NULL || p->nthreads == 0 || n < VERIFY_MIN * VERIFY_CHUNK) {
		verify_range(&b, 0, n);
		return;
	}
	pthread_cond_init(&b.cv, NULL);
	pthread_mutex_lock(&p->mu);
	b.queued = 1;
	*p->tail = &b;
	p->tail = &b.next;
	pthread_cond_broadcast(&p->cv);
	while (claim(p, &b, &from, &to)) {
		pthread_mutex_unlock(&p->mu);
		verify_range(&b, from, to);
		pthread_mutex_lock(&p->mu);
		finish(&b, from, to);
	}
	/* every chunk is claimed: wait for those the helpers are verifying */
	while (b.done < b.n)
		pthread_cond_wait(&b.cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
	pthread_cond_destroy(&b.cv);
}

unsigned long long
kd_verify_pool_helped(kd_verify_pool *p)
{
	unsigned long long n;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&p->mu);
	n = p->helped;
	pthread_mutex_unlock(&p->mu);
	return n;
}
