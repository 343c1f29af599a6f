/*
 * sync.c - sync between a school and its hub, the parts both roles share
 * (see sync.h): the hand-off of a sync thread's writes to the loop, the
 * blocking link over a socket, start and stop, and the methods sync.status
 * and sync.now.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../domain/plan.h"
#include "../util/mpmap.h"
#include "../util/mpscan.h"
#include "methods.h"
#include "sync_int.h"
#include "work.h"

#define KD_LINK_SLICE_MS 200

/* ---- texts ---- */

void
kd_sync_error_set(kd_sync_error *e, int code, const char *reason, const char *const *params)
{
	e->code = code;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	domain_msg_render(e->text, sizeof(e->text), reason, params);
	e->at_ms = kn_now_ms();
}

void
kd_sync_error_pack(msgpack_packer *pk, const kd_sync_error *e)
{
	if (e->code == 0) {
		msgpack_pack_nil(pk);
		return;
	}
	msgpack_pack_map(pk, 4);
	kd_pack_kv_str(pk, "code", kn_error_code_name(e->code));
	kd_pack_kv_str(pk, "reason", e->reason);
	kd_pack_kv_str(pk, "message", e->text);
	kd_pack_kv_u64(pk, "at_ms", e->at_ms);
}

int
kd_sync_stopping(struct kd_sync *sy)
{
	int stop;

	pthread_mutex_lock(&sy->mu);
	stop = sy->stop;
	pthread_mutex_unlock(&sy->mu);
	return stop;
}

void
kd_sync_wake_loop(struct kd_sync *sy)
{
	char one = 1;
	ssize_t n = write(sy->pipe[1], &one, 1);
	(void)n; /* a full pipe already means "wake up" */
}

/* ---- the link ---- */

/* Wait for fd to be ready for events, in slices, up to the timeout; 0, KN_EBUSY (timeout), KN_ESTATE (stopping). */
static int
link_wait(kd_link *l, short events)
{
	int waited = 0;

	for (;;) {
		struct pollfd p = { l->fd, events, 0 };
		int n = poll(&p, 1, KD_LINK_SLICE_MS);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return kn_error_set(KN_ERROR, "hub", "poll: %s", strerror(errno));
		if (kd_sync_stopping(l->sy))
			return domain_msg_error(KN_ESTATE, "", "DAEMON_BERHENTI", NULL);
		waited += KD_LINK_SLICE_MS;
		if (waited >= (l->timeout_ms ? l->timeout_ms : l->sy->timeout_ms))
			return domain_msg_error(KN_EBUSY, "", "SYNC_PIHAK_DIAM", "detik",
			    domain_msg_num((unsigned long long)(l->timeout_ms ? l->timeout_ms : l->sy->timeout_ms) / 1000).s, NULL);
	}
}

int
kd_link_flush(kd_link *l)
{
	const uint8_t *p;
	size_t n;
	int rc;

	while ((n = sync_channel_pending(&p, l->ch)) > 0) {
		ssize_t w = write(l->fd, p, n);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if ((rc = link_wait(l, POLLOUT)))
				return rc;
			continue;
		}
		if (w < 0)
			return kn_error_set(KN_ERROR, "", "sending: %s", strerror(errno));
		if (sync_channel_ready(l->ch))
			l->sent += (uint64_t)w;
		else
			l->hs_bytes += (uint64_t)w;
		sync_channel_sent(l->ch, (size_t)w);
	}
	return 0;
}

int
kd_link_recv(kn_buf *msg, kd_link *l)
{
	uint8_t buf[SYNC_CHANNEL_FEED_MAX];
	int rc;

	kn_buf_clear(msg);
	for (;;) {
		rc = sync_channel_recv(msg, l->ch);
		if (rc == 1) {
			l->waits++;
			return 1;
		}
		if (rc < 0)
			return rc;
		if (sync_channel_peer_closed(l->ch))
			return 0;
		if ((rc = kd_link_flush(l)))
			return rc;
		if ((rc = link_wait(l, POLLIN)))
			return rc;
		ssize_t n = read(l->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;
		if (n < 0)
			return kn_error_set(KN_ERROR, "", "receiving: %s", strerror(errno));
		if (n == 0) {
			if ((rc = sync_channel_eof(l->ch)))
				return rc;
			return 0;
		}
		if (sync_channel_ready(l->ch))
			l->recvd += (uint64_t)n;
		else
			l->hs_bytes += (uint64_t)n;
		/* at most SYNC_CHANNEL_FEED_MAX between draining: KN_EBUSY cannot happen */
		if ((rc = sync_channel_feed(l->ch, buf, (size_t)n)))
			return rc;
	}
}

int
kd_link_input_waiting(kd_link *l)
{
	struct pollfd p = { l->fd, POLLIN, 0 };

	if (l->ch && sync_channel_has_input(l->ch))
		return 1;
	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

void
kd_link_input_wait(kd_link *l, int ms)
{
	struct pollfd p = { l->fd, POLLIN, 0 };

	if (l->ch && sync_channel_has_input(l->ch))
		return;
	(void)poll(&p, 1, ms);
}

int
kd_link_send(kd_link *l, const sync_msg *m)
{
	kn_buf b = KN_BUF_INIT;
	int rc = sync_msg_encode(&b, m);

	if (rc == 0)
		rc = sync_channel_send(l->ch, b.ptr, b.len);
	kn_buf_free(&b);
	if (rc == 0)
		rc = kd_link_flush(l);
	return rc;
}

void
kd_link_send_error(kd_link *l, const kd_sync_error *e)
{
	sync_msg m;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_ERROR;
	snprintf(m.code, sizeof(m.code), "%s", kn_error_code_name(e->code ? e->code : KN_ERROR));
	snprintf(m.reason, sizeof(m.reason), "%s", e->reason);
	snprintf(m.text, sizeof(m.text), "%s", e->text);
	if (sync_channel_ready(l->ch) && kd_link_send(l, &m) == 0)
		kd_link_close(l);
	kn_error_clear();
}

void
kd_link_close(kd_link *l)
{
	if (l->ch && sync_channel_ready(l->ch) && sync_channel_close(l->ch) == 0)
		(void)kd_link_flush(l);
	kn_error_clear();
}

void
kd_link_free(kd_link *l)
{
	sync_channel_free(l->ch);
	l->ch = NULL;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

int
kd_sync_split_addr(char *host, size_t hostsz, char *port, size_t portsz, const char *addr)
{
	const char *colon, *h = addr;
	size_t hn;

	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (close == NULL || close[1] != ':')
			goto bad;
		h = addr + 1;
		hn = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL || strchr(addr, ':') != colon)
			goto bad;
		hn = (size_t)(colon - addr);
	}
	if (hn == 0 || hn >= hostsz || strlen(colon + 1) == 0 || strlen(colon + 1) >= portsz ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || atoi(colon + 1) > 65535)
		goto bad;
	memcpy(host, h, hn);
	host[hn] = '\0';
	snprintf(port, portsz, "%s", colon + 1);
	return 0;
bad:
	return kn_error_set(KN_EINVAL, "sync", "'%s' is not HOST:PORT (e.g. 192.0.2.10:7447, hub.example.id:7447, [2001:db8::1]:7447)",
	    addr);
}

int
kd_link_channel(kd_link *l, const uint8_t *peer_x25519)
{
	uint8_t *sk = sodium_malloc(SYNC_CHANNEL_KEY_BYTES);
	int rc;

	if (sk == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of secure memory");
	rc = sync_channel_key_from_ed25519(sk, l->sy->srv->device->sk);
	if (rc == 0) {
		sync_channel_config cfg = { peer_x25519 != NULL, sk, peer_x25519, SYNC_PROTO_MESSAGE_MAX, NULL, NULL };
		rc = sync_channel_new(&l->ch, &cfg);
	}
	sodium_free(sk);
	return rc;
}

/* TCP to addr, without blocking longer than the timeout, looking at the stop flag. */
int
kd_sync_tcp_connect(kd_link *l, const char *addr)
{
	char host[KD_SYNC_HOST_MAX], port[16];
	struct addrinfo hints, *ai = NULL, *a;
	int rc, one = 1;

	if ((rc = kd_sync_split_addr(host, sizeof(host), port, sizeof(port), addr)))
		return rc;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return kn_error_set(KN_ERROR, "hub", "alamat %s tidak dikenal: %s", host, gai_strerror(rc));
	rc = kn_error_set(KN_ERROR, "hub", "no address for %s", addr);
	for (a = ai; a; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			rc = kn_error_set(KN_ERROR, "hub", "socket: %s", strerror(errno));
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
			rc = kn_error_set(KN_ERROR, "hub", "%s", strerror(errno));
			close(fd);
			continue;
		}
		l->fd = fd;
		if ((rc = link_wait(l, POLLOUT)) == 0) {
			int err = 0;
			socklen_t len = sizeof(err);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
				err = errno;
			if (err == 0) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				rc = 0;
				break;
			}
			rc = kn_error_set(KN_ERROR, "hub", "%s", strerror(err));
		} else if (rc == KN_EBUSY) {
			rc = kn_error_set(KN_ERROR, "hub", "tidak ada jawaban dalam %d detik",
			    (l->timeout_ms ? l->timeout_ms : l->sy->timeout_ms) / 1000);
		}
		close(fd);
		l->fd = -1;
		if (rc == KN_ESTATE)
			break;
	}
	freeaddrinfo(ai);
	return rc;
}

int
kd_sync_connect(kd_link *l, const char *addr, const uint8_t hub_x25519[SYNC_CHANNEL_KEY_BYTES])
{
	uint8_t buf[SYNC_CHANNEL_FEED_MAX];
	int rc;

	if ((rc = kd_sync_tcp_connect(l, addr)) || (rc = kd_link_channel(l, hub_x25519)))
		return rc;
	/* IK: our first message out, the hub's answer in; then the channel is ready */
	while (!sync_channel_ready(l->ch)) {
		if ((rc = kd_link_flush(l)) || (rc = link_wait(l, POLLIN)))
			return rc == KN_EBUSY ? kn_error_set(KN_ERROR, "hub", "hub tidak menjawab jabat tangan dalam %d detik",
			    l->sy->timeout_ms / 1000) : rc;
		ssize_t n = read(l->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;
		if (n < 0)
			return kn_error_set(KN_ERROR, "hub", "%s", strerror(errno));
		if (n == 0)
			return kn_error_set(KN_EBADSIG, "hub", "hub menutup sambungan saat jabat tangan");
		l->hs_bytes += (uint64_t)n;
		if ((rc = sync_channel_feed(l->ch, buf, (size_t)n)))
			return rc;
	}
	return 0;
}

/* ---- the loop hand-off ---- */

int
kd_sync_submit(kd_server *srv, kd_sync_op *op)
{
	struct kd_sync *sy = srv->sync;

	op->done = 0;
	op->rc = 0;
	op->next = NULL;
	memset(op->counts, 0, sizeof(op->counts));
	pthread_mutex_lock(&sy->mu);
	if (sy->stop) {
		pthread_mutex_unlock(&sy->mu);
		return domain_msg_error(KN_ESTATE, "", "DAEMON_BERHENTI", NULL);
	}
	*sy->queue_tail = op;
	sy->queue_tail = &op->next;
	pthread_mutex_unlock(&sy->mu);
	kd_sync_wake_loop(sy);
	return 0;
}

int
kd_sync_wait(kd_server *srv, kd_sync_op *op)
{
	struct kd_sync *sy = srv->sync;

	pthread_mutex_lock(&sy->mu);
	/* the loop, or kd_sync_stop, always ends it: its memory is ours only then */
	while (!op->done)
		pthread_cond_wait(&sy->cv, &sy->mu);
	pthread_mutex_unlock(&sy->mu);
	if (op->rc)
		return kn_error_set(op->rc, "", "%s", op->err);
	return 0;
}

int
kd_sync_done(kd_server *srv, const kd_sync_op *op)
{
	int done;

	pthread_mutex_lock(&srv->sync->mu);
	done = op->done;
	pthread_mutex_unlock(&srv->sync->mu);
	return done;
}

int
kd_sync_apply(kd_server *srv, kd_sync_op *op)
{
	int rc = kd_sync_submit(srv, op);

	return rc ? rc : kd_sync_wait(srv, op);
}

/* Mark op finished with rc and why (the loop's last error when why is NULL); mu held. */
static void
op_finish(kd_sync_op *op, int rc, const char *why)
{
	op->rc = rc;
	if (rc)
		snprintf(op->err, sizeof(op->err), "%s", why ? why : kn_error_message());
	op->done = 1;
}

/*
 * Loop thread: add op's records and meta rows to b, in the open
 * sub-transaction; 0, or the error that spoils it (a refused record does
 * not: it is op's outcome).
 */
static int
op_add(kd_server *srv, store_batch *b, kd_sync_op *op)
{
	int rc = 0;

	memset(op->counts, 0, sizeof(op->counts));
	srv->sync_origin = op->origin;
	for (size_t i = 0; i < op->nrecs; i++) {
		kd_sync_outcome *o = &op->out[i];
		int got;
		kn_error_clear();
		memset(o, 0, sizeof(*o));
		got = op->verified ? store_batch_add_verified(b, op->recs[i].ptr, op->recs[i].len, o->id) :
		    store_batch_add(b, op->recs[i].ptr, op->recs[i].len, o->id);
		o->result = got;
		o->has_id = got >= 0 || (got != KN_EBADREC && got != KN_EBADSIG);
		if (got >= 0) {
			op->counts[got]++;
			continue;
		}
		/* an LMDB failure poisons the sub: nothing of this op can be kept */
		if (got == KN_EFULL || got == KN_ERROR || got == KN_ENOMEM) {
			rc = got;
			break;
		}
		snprintf(o->message, sizeof(o->message), "%s", kn_error_message());
		op->counts[3]++;
	}
	srv->sync_origin = 0;
	for (size_t i = 0; rc == 0 && i < op->nmeta; i++)
		rc = store_batch_meta_put(b, op->meta_names[i], op->meta_vals[i].ptr, op->meta_vals[i].len);
	return rc;
}

/* op is in the batch: it finishes when the batch is committed (kd_sync_flushed); mu held. */
static void
op_join(struct kd_sync *sy, kd_sync_op *op)
{
	op->next = sy->joined;
	sy->joined = op;
}

/* Loop thread: apply op in a sub-transaction of its own. */
static void
apply_op(kd_server *srv, kd_sync_op *op)
{
	kd_req r = { .srv = srv };
	store_batch *b;
	int rc = kd_write_begin(&b, &r);

	if (rc == 0)
		rc = kd_write_end(&r, op_add(srv, b, op));
	pthread_mutex_lock(&srv->sync->mu);
	if (rc) {
		op_finish(op, rc, NULL);
		pthread_cond_broadcast(&srv->sync->cv);
	} else {
		op_join(srv->sync, op);
	}
	pthread_mutex_unlock(&srv->sync->mu);
}

/*
 * Loop thread: apply the ops queued since the last wake, in order, in one
 * sub-transaction. A sub-transaction per op cost a hub about a third of
 * its ingest: each nested LMDB transaction copies every page it touches
 * that the batch has dirtied already, then merges its dirty list into the
 * batch's, so with 30 pushes of 256 records in a commit the same pages
 * were copied 30 times. When something spoils the shared one (a full
 * store, an index failure), it is dropped and each op is applied again
 * in its own, as before, so one op's failure still costs only that op.
 */
void
kd_sync_apply_queued(kd_server *srv, kd_sync_op *list)
{
	kd_sync_op *op, *next;

	if (list && list->next) {
		kd_req r = { .srv = srv };
		store_batch *b;
		size_t n = 0;
		int rc = kd_write_begin(&b, &r);

		if (rc == 0) {
			for (op = list; rc == 0 && op; op = op->next, n++)
				rc = op_add(srv, b, op);
			rc = kd_write_end(&r, rc);
		}
		if (rc == 0) {
			pthread_mutex_lock(&srv->sync->mu);
			for (op = list; op; op = next) {
				next = op->next;
				op_join(srv->sync, op);
			}
			pthread_mutex_unlock(&srv->sync->mu);
			return;
		}
		kn_info("sync: %zu queued writes failed together (%s); applying each alone", n, kn_error_message());
	}
	for (op = list; op; op = next) {
		next = op->next;
		apply_op(srv, op);
	}
}

void
kd_sync_flushed(kd_server *srv, int rc)
{
	struct kd_sync *sy = srv->sync;
	kd_sync_op *op, *next;

	if (sy == NULL || sy->joined == NULL)
		return;
	pthread_mutex_lock(&sy->mu);
	for (op = sy->joined; op; op = next) {
		next = op->next;
		op_finish(op, rc, NULL);
	}
	sy->joined = NULL;
	pthread_cond_broadcast(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
}

/* Pack the outcome of the last session for sync.now (mu held). */
static void
pack_result(msgpack_packer *pk, const kd_sync_result *r)
{
	char hex[2 * SYNC_FP_BYTES + 1];

	msgpack_pack_map(pk, 27);
	kd_pack_str(pk, "ok");
	if (r->ok)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	kd_pack_kv_u64(pk, "started_ms", r->started_ms);
	kd_pack_kv_u64(pk, "ms", r->ms);
	kd_pack_kv_u64(pk, "pushed", r->pushed + r->pushed_recon);
	kd_pack_kv_u64(pk, "stored", r->stored);
	kd_pack_kv_u64(pk, "present", r->present);
	kd_pack_kv_u64(pk, "held", r->held);
	kd_pack_kv_u64(pk, "refused", r->refused);
	kd_pack_kv_u64(pk, "pulled", r->pulled + r->fetched);
	kd_pack_str(pk, "reconciled");
	if (r->reconciled)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	kd_pack_kv_u64(pk, "recon_keys_read", r->recon_reads);
	kd_pack_kv_u64(pk, "round_trips", r->round_trips);
	kd_pack_kv_u64(pk, "window_max", r->window_max);
	kd_pack_kv_u64(pk, "bytes_sent", r->bytes_sent);
	kd_pack_kv_u64(pk, "bytes_received", r->bytes_received);
	kd_pack_kv_u64(pk, "handshake_bytes", r->handshake_bytes);
	kd_pack_str(pk, "fp_match");
	if (r->fp_match)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	kd_pack_kv_str(pk, "fp", kn_hex(hex, r->fp, SYNC_FP_BYTES));
	kd_pack_kv_u64(pk, "count", r->count);
	kd_pack_kv_str(pk, "hub_fp", kn_hex(hex, r->hub_fp, SYNC_FP_BYTES));
	kd_pack_kv_u64(pk, "hub_count", r->hub_count);
	kd_pack_kv_u64(pk, "ev_bytes_sent", r->ev_bytes_sent);
	kd_pack_kv_u64(pk, "ev_packs", r->ev_packs);
	kd_pack_kv_u64(pk, "ev_pack_bytes", r->ev_pack_bytes);
	kd_pack_kv_u64(pk, "ev_resumed_at", r->ev_resumed_at);
	kd_pack_kv_u64(pk, "ev_chunks", r->ev_chunks);
	kd_pack_kv_u64(pk, "ev_inflight_max", r->ev_inflight_max);
}

/* Loop thread: answer the sync.now requests whose session has finished. */
static void
answer_waiters(struct kd_sync *sy)
{
	kd_sync_waiter **pp = &sy->waiters, *w;
	kd_sync_result res;
	uint64_t done;

	pthread_mutex_lock(&sy->mu);
	done = sy->done;
	res = sy->last;
	pthread_mutex_unlock(&sy->mu);
	while ((w = *pp) != NULL) {
		kn_buf out = KN_BUF_INIT;
		msgpack_packer pk;
		int rc = 0;
		if (done <= w->after && !kd_sync_stopping(sy)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		if (done <= w->after) {
			rc = kn_error_set(KN_ESTATE, "", "%s", domain_msg_text("SYNC_DIBERHENTIKAN"));
		} else if (!res.ok) {
			rc = kn_error_set(res.err.code ? res.err.code : KN_ERROR, "hub", "%s", res.err.text);
		} else {
			msgpack_packer_init(&pk, &out, kn_buf_msgpack_write);
			pack_result(&pk, &res);
		}
		kd_respond(&w->req, rc, &out);
		kd_client_job_end(w->req.client);
		kn_buf_free(&out);
		free(w);
	}
}

/* Loop thread: apply the ops the sync threads queued, answer finished sync.now requests. */
static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	kd_server *srv = arg;
	struct kd_sync *sy = srv->sync;
	kd_sync_op *list;
	char buf[64];
	(void)what;

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&sy->mu);
	list = sy->queue;
	sy->queue = NULL;
	sy->queue_tail = &sy->queue;
	pthread_mutex_unlock(&sy->mu);
	kd_sync_apply_queued(srv, list);
	answer_waiters(sy);
}

/* ---- start and stop ---- */

int
kd_sync_start(kd_server *srv)
{
	struct kd_sync *sy = calloc(1, sizeof(*sy));
	int rc;

	if (sy == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory starting sync");
	sy->srv = srv;
	sy->listen_fd = -1;
	sy->pipe[0] = sy->pipe[1] = -1;
	sy->queue_tail = &sy->queue;
	sy->timeout_ms = srv->cfg.sync_timeout_s * 1000;
	sy->max_sessions = srv->cfg.sync_max_sessions;
	sy->interval_s = srv->cfg.sync_interval_s;
	sy->retry_min_s = srv->cfg.sync_retry_min_s;
	sy->probe_s = srv->cfg.sync_probe_s;
	sy->batch_records = srv->cfg.sync_batch_records;
	sy->push_window = srv->cfg.sync_push_window;
	sy->delay_ms = srv->cfg.sync_test_delay_ms;
	pthread_mutex_init(&sy->mu, NULL);
	{
		/* timed waits (the school's schedule) count on the monotonic clock */
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&sy->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	srv->sync = sy;
	if (pipe2(sy->pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return kn_error_set(KN_ERROR, "", "pipe: %s", strerror(errno));
	sy->wake = event_new(srv->base, sy->pipe[0], EV_READ | EV_PERSIST, wake_cb, srv);
	if (sy->wake == NULL || event_add(sy->wake, NULL) != 0)
		return kn_error_set(KN_ENOMEM, "", "out of memory starting sync");
	if ((rc = kd_sync_index_backfill(srv)))
		return rc;
	if (strcmp(srv->cfg.role, "hub") == 0) {
		if ((rc = kd_sync_hub_start(sy)))
			return rc;
		return srv->cfg.sync_parent[0] ? kd_sync_parent_start(sy) : 0;
	}
	if (strcmp(srv->cfg.role, "school") == 0 && srv->cfg.sync_hub[0])
		return kd_sync_school_start(sy);
	return 0;
}

void
kd_sync_stop(kd_server *srv)
{
	struct kd_sync *sy = srv->sync;
	kd_sync_op *op;

	if (sy == NULL)
		return;
	pthread_mutex_lock(&sy->mu);
	sy->stop = 1;
	/* ops the loop will never apply, and ops whose batch will never commit (the last error is left alone) */
	for (op = sy->queue; op; op = op->next)
		op_finish(op, KN_ESTATE, domain_msg_text("DAEMON_BERHENTI"));
	for (op = sy->joined; op; op = op->next)
		op_finish(op, KN_ESTATE, domain_msg_text("DAEMON_BERHENTI"));
	sy->queue = sy->joined = NULL;
	sy->queue_tail = &sy->queue;
	pthread_cond_broadcast(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
	kd_sync_hub_stop(sy);
	kd_sync_school_stop(sy);
	answer_waiters(sy);
	if (sy->hub)
		kd_sync_hub_save(sy);
	if (sy->wake)
		event_free(sy->wake);
	if (sy->pipe[0] >= 0)
		close(sy->pipe[0]);
	if (sy->pipe[1] >= 0)
		close(sy->pipe[1]);
	free(sy->conns);
	free(sy->threads);
	free(sy->schools);
	free(sy->pcodes);
	pthread_mutex_destroy(&sy->mu);
	pthread_cond_destroy(&sy->cv);
	free(sy);
	srv->sync = NULL;
}

/* ---- status and the methods ---- */

static const char *
phase_code(kd_sync_phase p)
{
	static const char *const codes[] = { "SYNC_FASE_DIAM", "SYNC_FASE_MENGHUBUNGI", "SYNC_FASE_MENGIRIM",
		"SYNC_FASE_MENERIMA", "SYNC_FASE_MENCOCOKKAN", "SYNC_FASE_BUKTI" };
	return codes[p];
}

static const char *const phase_names[] = { "idle", "connect", "push", "pull", "reconcile", "evidence" };

void
kd_sync_pack_status(msgpack_packer *pk, kd_server *srv)
{
	struct kd_sync *sy = srv->sync;

	if (sy == NULL || (!sy->hub && !sy->school)) {
		msgpack_pack_map(pk, 1);
		kd_pack_kv_str(pk, "mode", "off");
		return;
	}
	pthread_mutex_lock(&sy->mu);
	if (sy->hub) {
		msgpack_pack_map(pk, 6);
		kd_pack_kv_str(pk, "mode", "hub");
		kd_pack_kv_str(pk, "listen", srv->cfg.sync_listen);
		kd_pack_kv_str(pk, "parent", sy->parent ? sy->hub_addr : "");
		kd_pack_kv_u64(pk, "listen_port", (uint64_t)sy->port);
		kd_pack_kv_u64(pk, "sessions_active", (uint64_t)sy->active);
		kd_pack_kv_u64(pk, "sessions_served", sy->hub_sessions);
	} else {
		msgpack_pack_map(pk, 4);
		kd_pack_kv_str(pk, "mode", "school");
		kd_pack_kv_str(pk, "hub", sy->hub_addr);
		kd_pack_kv_str(pk, "phase", phase_names[sy->phase]);
		kd_pack_kv_u64(pk, "last_ok_ms", sy->last_ok_ms);
	}
	pthread_mutex_unlock(&sy->mu);
}

uint64_t
kd_sync_meta_u64(kd_server *srv, const char *name)
{
	kn_buf b = KN_BUF_INIT;
	uint64_t v = 0;

	if (store_meta_get(&b, srv->st, name) == 0 && b.len == 8)
		for (int i = 0; i < 8; i++)
			v = v << 8 | b.ptr[i];
	kn_buf_free(&b);
	kn_error_clear();
	return v;
}

/* Entries of npsn's feed at positions lo+1 .. hi whose origin is below from; *whole = 0 when one could not be read. */
static uint64_t
waiting_count(store_txn *t, const char *npsn, uint64_t lo, uint64_t hi, int from, int *whole)
{
	uint64_t n = 0;

	for (uint64_t i = lo + 1; i <= hi; i++) {
		kd_feed_entry e;
		if (kd_sync_feed_get(&e, t, npsn, i) != 0) {
			*whole = 0;
			break;
		}
		n += e.origin < from;
	}
	return n;
}

/*
 * The last count per feed and origin bound, so that `sync status`, polled
 * while a large sync runs, reads only the positions acknowledged or added
 * since (a feed's entries never change once written), not the whole
 * waiting range each time: that scan, up to 100,000 reads on the loop,
 * was most of a school's CPU while its first sync of a large store ran.
 */
#define WAITING_CACHE 8
#define WAITING_SCAN_MAX 100000
static struct {
	const store *st;
	char npsn[9];
	int from;
	uint64_t acked, feed, n;
} waiting_cache[WAITING_CACHE];
static size_t waiting_next;
static pthread_mutex_t waiting_mu = PTHREAD_MUTEX_INITIALIZER;

void
kd_sync_waiting_forget(const store *st)
{
	pthread_mutex_lock(&waiting_mu);
	for (int i = 0; i < WAITING_CACHE; i++)
		if (waiting_cache[i].st == st)
			memset(&waiting_cache[i], 0, sizeof(waiting_cache[i]));
	pthread_mutex_unlock(&waiting_mu);
}

/* Records of the school's feed after acked that were made here (what waits to go); a new range counted up to a bound. */
uint64_t
kd_sync_waiting(const store *st, store_txn *t, const char *npsn, uint64_t acked, uint64_t feed, int from)
{
	uint64_t n = 0;
	int whole = 1, slot = -1;

	pthread_mutex_lock(&waiting_mu);
	for (int i = 0; i < WAITING_CACHE; i++)
		if (waiting_cache[i].st == st && waiting_cache[i].from == from && strcmp(waiting_cache[i].npsn, npsn) == 0)
			slot = i;
	if (slot >= 0 && waiting_cache[slot].acked <= acked && acked < waiting_cache[slot].feed &&
	    waiting_cache[slot].feed <= feed) {
		/* the old count, less what was acknowledged since, plus what was added since */
		n = waiting_cache[slot].n - waiting_count(t, npsn, waiting_cache[slot].acked, acked, from, &whole);
		n += waiting_count(t, npsn, waiting_cache[slot].feed, feed, from, &whole);
	} else if (acked < feed) {
		uint64_t hi = feed - acked > WAITING_SCAN_MAX ? acked + WAITING_SCAN_MAX : feed;
		n = waiting_count(t, npsn, acked, hi, from, &whole);
		whole &= hi == feed;
	}
	if (whole) {
		if (slot < 0) {
			slot = (int)(waiting_next++ % WAITING_CACHE);
			snprintf(waiting_cache[slot].npsn, sizeof(waiting_cache[slot].npsn), "%s", npsn);
			waiting_cache[slot].from = from;
			waiting_cache[slot].st = st;
		}
		waiting_cache[slot].acked = acked;
		waiting_cache[slot].feed = feed;
		waiting_cache[slot].n = n;
	} else if (slot >= 0) {
		waiting_cache[slot].npsn[0] = '\0'; /* counted in part: the next call counts afresh */
	}
	pthread_mutex_unlock(&waiting_mu);
	kn_error_clear();
	return n;
}

/*
 * sync.status: what people at the school need to know: when the last
 * sync succeeded, what waits to go, what is moving now, the last receipt
 * of the hub, the last error and what to do about it.
 */
int
kd_m_sync_status(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	struct kd_sync *sy = srv->sync;
	kd_sync_state st;
	kd_sync_result last;
	kd_sync_error err;
	store_txn *t;
	kn_buf receipt = KN_BUF_INIT, ev_receipt = KN_BUF_INIT;
	uint64_t acked, pulled, waiting = 0, last_ok, last_attempt, next, phase_ms;
	uint64_t ev_size = 0, ev_at = 0, ev_waiting = 0, ev_total = 0;
	char ev_key[65] = "";
	kd_sync_phase phase;
	int fails, rc, configured = sy && sy->school;
	char hex[65], msg[SYNC_PROTO_TEXT_MAX + 1];

	if (sy && sy->hub) {
		msgpack_pack_map(pk, 5);
		kd_pack_kv_str(pk, "mode", "hub");
		kd_pack_kv_str(pk, "message", domain_msg_text("SYNC_BUKAN_SEKOLAH"));
		kd_pack_kv_u64(pk, "listen_port", (uint64_t)sy->port);
		pthread_mutex_lock(&sy->mu);
		kd_pack_kv_u64(pk, "sessions_active", (uint64_t)sy->active);
		pthread_mutex_unlock(&sy->mu);
		/* its link up to a parent hub (sync_parent.c) */
		kd_pack_str(pk, "parent");
		kd_sync_parent_pack(pk, sy);
		return 0;
	}
	if (srv->office)
		return kn_error_set(KN_EINVAL, "role", "%s", domain_msg_text("SYNC_BUKAN_SEKOLAH"));
	acked = kd_sync_meta_u64(srv, "sync/acked");
	pulled = kd_sync_meta_u64(srv, "sync/pulled");
	if ((rc = store_read_begin(&t, srv->st)))
		return rc;
	rc = kd_sync_state_get(&st, t, req->school);
	if (rc == 0)
		waiting = kd_sync_waiting(srv->st, t, req->school, acked, st.feed, 1);
	store_read_end(t);
	if (rc)
		return rc;
	if (store_meta_get(&receipt, srv->st, "sync/receipt") != 0)
		kn_buf_clear(&receipt);
	if (store_meta_get(&ev_receipt, srv->st, "sync/ev_receipt") != 0)
		kn_buf_clear(&ev_receipt);
	kn_error_clear();
	memset(&last, 0, sizeof(last));
	memset(&err, 0, sizeof(err));
	last_ok = kd_sync_meta_u64(srv, "sync/last_ok");
	last_attempt = next = phase_ms = 0;
	phase = KD_PHASE_IDLE;
	fails = 0;
	uint64_t probes = 0, probe_wakes = 0;
	if (sy) {
		pthread_mutex_lock(&sy->mu);
		last = sy->last;
		err = sy->last.ok ? (kd_sync_error){ 0 } : sy->last.err;
		if (sy->last_ok_ms > last_ok)
			last_ok = sy->last_ok_ms;
		last_attempt = sy->last_attempt_ms;
		next = sy->next_ms;
		phase = sy->phase;
		phase_ms = sy->phase_ms;
		fails = sy->fails;
		probes = sy->probes;
		probe_wakes = sy->probe_wakes;
		memcpy(ev_key, sy->ev_key, sizeof(ev_key));
		ev_size = sy->ev_size;
		ev_at = sy->ev_at;
		ev_waiting = sy->ev_waiting;
		ev_total = sy->ev_bytes_total;
		pthread_mutex_unlock(&sy->mu);
	}
	if (!configured) {
		kd_sync_error_set(&err, KN_ESTATE, "SYNC_BELUM_DIATUR", NULL);
		err.at_ms = 0;
	}
	/* one sentence for people */
	if (err.code)
		snprintf(msg, sizeof(msg), "%s", err.text);
	else if (last_ok)
		snprintf(msg, sizeof(msg), "Sinkronisasi terakhir berhasil; %llu catatan menunggu dikirim.",
		    (unsigned long long)waiting);
	else
		snprintf(msg, sizeof(msg), "Belum pernah sinkron dengan hub; %llu catatan menunggu dikirim.",
		    (unsigned long long)waiting);

	msgpack_pack_map(pk, 23);
	kd_pack_kv_str(pk, "mode", "school");
	kd_pack_kv_str(pk, "message", msg);
	kd_pack_str(pk, "configured");
	if (configured)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	kd_pack_kv_str(pk, "hub", sy && sy->school ? sy->hub_addr : "");
	kd_pack_kv_str(pk, "hub_key", sy && sy->school ? kn_hex(hex, sy->hub_key, 32) : "");
	kd_pack_kv_str(pk, "npsn", req->school);
	kd_pack_kv_str(pk, "phase", phase_names[phase]);
	kd_pack_kv_str(pk, "phase_text", domain_msg_text(phase_code(phase)));
	kd_pack_kv_u64(pk, "phase_ms", phase_ms);
	kd_pack_kv_u64(pk, "last_ok_ms", last_ok);
	kd_pack_kv_u64(pk, "last_attempt_ms", last_attempt);
	kd_pack_kv_u64(pk, "next_ms", next);
	kd_pack_kv_u64(pk, "fails", (uint64_t)fails);
	kd_pack_kv_u64(pk, "probes", probes);
	kd_pack_kv_u64(pk, "probe_wakes", probe_wakes);
	kd_pack_kv_u64(pk, "waiting", waiting);
	kd_pack_str(pk, "checkpoints");
	msgpack_pack_map(pk, 3);
	kd_pack_kv_u64(pk, "acked", acked);
	kd_pack_kv_u64(pk, "pulled", pulled);
	kd_pack_kv_u64(pk, "feed", st.feed);
	kd_pack_kv_str(pk, "fp", kn_hex(hex, st.fp, SYNC_FP_BYTES));
	kd_pack_kv_u64(pk, "count", st.count);
	kd_pack_str(pk, "receipt");
	if (receipt.len && kn_mpscan_exact(receipt.ptr, receipt.len, 64 * 1024) == 0)
		kn_buf_put(pk->data, receipt.ptr, receipt.len);
	else
		msgpack_pack_nil(pk);
	kd_pack_str(pk, "last");
	if (last.started_ms)
		pack_result(pk, &last);
	else
		msgpack_pack_nil(pk);
	kd_pack_str(pk, "error");
	kd_sync_error_pack(pk, &err);
	/* the evidence: documents the hub lacked at the last offer, the pack moving now, the hub's last receipt */
	kd_pack_str(pk, "evidence");
	msgpack_pack_map(pk, 4);
	kd_pack_kv_u64(pk, "waiting", ev_waiting);
	kd_pack_str(pk, "moving");
	if (ev_key[0]) {
		msgpack_pack_map(pk, 3);
		kd_pack_kv_str(pk, "key", ev_key);
		kd_pack_kv_u64(pk, "size", ev_size);
		kd_pack_kv_u64(pk, "sent", ev_at);
	} else {
		msgpack_pack_nil(pk);
	}
	kd_pack_kv_u64(pk, "bytes_sent_total", ev_total);
	kd_pack_str(pk, "receipt");
	if (ev_receipt.len && kn_mpscan_exact(ev_receipt.ptr, ev_receipt.len, 64 * 1024) == 0)
		kn_buf_put(pk->data, ev_receipt.ptr, ev_receipt.len);
	else
		msgpack_pack_nil(pk);
	kn_buf_free(&receipt);
	kn_buf_free(&ev_receipt);
	return 0;
}

/* sync.now: start a session at once and answer when it has finished (KD_ASYNC). */
int
kd_m_sync_now(kd_req *req, msgpack_packer *pk)
{
	struct kd_sync *sy = req->srv->sync;
	kd_sync_waiter *w;
	int rc;
	(void)pk;

	if (sy && sy->hub && !sy->parent)
		return kn_error_set(KN_ESTATE, "parent", "%s", domain_msg_text("SYNC_INDUK_BELUM_DIATUR"));
	if (req->srv->office && !(sy && sy->parent))
		return kn_error_set(KN_EINVAL, "role", "%s", domain_msg_text("SYNC_BUKAN_SEKOLAH"));
	if (sy == NULL || (!sy->school && !sy->parent))
		return kn_error_set(KN_ESTATE, "hub", "%s", domain_msg_text("SYNC_BELUM_DIATUR"));
	if ((rc = kd_client_job_begin(req->client, KD_JOBS_PER_CLIENT)))
		return rc;
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		kd_client_job_end(req->client);
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	}
	w->req = *req;
	w->req.args = NULL;
	w->req.sess = NULL;
	pthread_mutex_lock(&sy->mu);
	w->after = sy->started;
	sy->wake_now = 1;
	pthread_cond_broadcast(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
	w->next = sy->waiters;
	sy->waiters = w;
	return KD_ASYNC;
}
