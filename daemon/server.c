/*
 * server.c - the event loop, the Unix socket, MessagePack-RPC framing,
 * dispatch, and group commit of writes (see server.h).
 */
#include "server.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../domain/messages.h"
#include "../util/mpscan.h"
#include "sync.h"
#include "work.h"

struct kd_client {
	kd_client *next, **pprev;
	kd_server *srv;
	struct bufferevent *bev;
	kn_buf in;           /* requests read, at most in_max() bytes */
	size_t off;          /* bytes of `in` already handled */
	kn_mpscan scan;
	int refs;
	int inflight;        /* replies owed: held for a commit, or jobs running */
	int jobs;            /* worker jobs queued or running for this client */
	kd_client *rnext;    /* next in srv->ready */
	int queued;          /* in srv->ready (holds a reference) */
	int closed;
	int eof;             /* the client has finished sending: serve what it sent, then close */
	int closing;         /* serve nothing more; close once the output is written */
	int paused;          /* not served: output over max_output_kb */
	uint64_t stall_ms;   /* since when it has left its replies unread (paused, or closing with output), 0 if not */
	uint64_t id;
};

typedef struct kd_pending {
	struct kd_pending *next;
	kd_client *client;
	uint32_t msgid;
	kn_buf reply;
} kd_pending;

static void client_ready(kd_client *c);

/* Drop one reference; the last one frees the client (never while a callback of it runs: see client_close). */
static void
client_unref(kd_client *c)
{
	if (--c->refs > 0)
		return;
	kn_buf_free(&c->in);
	free(c);
}

/*
 * Hang up: free the connection and take the client off the server's list.
 * The struct lives on while jobs, held replies or the ready list hold a
 * reference, so callers may close a client from its own callbacks.
 */
static void
client_close(kd_client *c)
{
	if (c->closed)
		return;
	__atomic_store_n(&c->closed, 1, __ATOMIC_RELEASE);
	if (c->bev)
		bufferevent_free(c->bev);
	c->bev = NULL;
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->srv->nclients--;
	kn_debug("client %llu disconnected", (unsigned long long)c->id);
	client_unref(c);
}

/* A client that is closing goes once nothing is owed to it any more. */
static void
client_maybe_close(kd_client *c)
{
	if (!c->closed && c->closing && c->inflight == 0 &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		client_close(c);
}

/*
 * Queue bytes to a client. Past max_output_kb of unread replies it is
 * paused: its socket is not read and none of its requests is served until
 * it has read them all, and if it has not within output_stall_s,
 * client_cron drops it.
 */
static void
client_send(kd_client *c, const kn_buf *b)
{
	if (c->closed)
		return;
	bufferevent_write(c->bev, b->ptr, b->len);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (!c->paused && evbuffer_get_length(out) > (size_t)c->srv->cfg.max_output_kb * 1024) {
		c->paused = 1;
		bufferevent_disable(c->bev, EV_READ);
		if (c->stall_ms == 0)
			c->stall_ms = kn_mono_ms();
		kn_debug("client %llu paused: %zu bytes of replies unread", (unsigned long long)c->id, evbuffer_get_length(out));
	}
}

/* [1, msgid, error, nil] for the current last error with code rc. */
static void
pack_error_reply(kn_buf *out, uint32_t msgid, int rc)
{
	msgpack_packer pk;
	size_t dlen;
	const uint8_t *details = kn_error_details(&dlen);

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_uint32(&pk, msgid);
	msgpack_pack_map(&pk, details ? 4 : 3);
	kd_pack_kv_str(&pk, "code", kn_error_code_name(rc));
	kd_pack_kv_str(&pk, "message", kn_error_message());
	kd_pack_kv_str(&pk, "field", kn_error_field());
	if (details) {
		/* an error that is a list (every problem a check found), packed already as an array */
		kd_pack_str(&pk, "problems");
		kn_buf_put(out, details, dlen);
	}
	msgpack_pack_nil(&pk);
}

static void
send_error(kd_client *c, uint32_t msgid, int rc)
{
	kn_buf b = KN_BUF_INIT;

	pack_error_reply(&b, msgid, rc);
	client_send(c, &b);
	kn_buf_free(&b);
}

/* A stream we can no longer follow: say why, then hang up. */
static void
client_fail(kd_client *c, int rc)
{
	kn_info("client %llu: %s; closing the connection", (unsigned long long)c->id, kn_error_message());
	send_error(c, 0, rc);
	c->closing = 1;
	if (!c->closed) {
		bufferevent_disable(c->bev, EV_READ);
		client_maybe_close(c);
	}
}

void
kd_respond(kd_req *req, int rc, const kn_buf *res)
{
	kd_client *c = req->client;
	kn_buf reply = KN_BUF_INIT;
	msgpack_packer pk;

	if (rc == 0 && res->failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while building the answer; try again");
	/* Every error carries its own message; a code without one is a bug of ours, said plainly. */
	if (rc && kn_error_last_code() != rc) {
		kn_err("bug: a method answered %s without a message", kn_error_code_name(rc));
		kn_error_set(rc, "", "%s: kinerjad has no details for this error (a bug: please report it)", kn_error_code_name(rc));
	}
	if (rc == 0 && !req->notify) {
		msgpack_packer_init(&pk, &reply, kn_buf_msgpack_write);
		msgpack_pack_array(&pk, 4);
		msgpack_pack_uint8(&pk, 1);
		msgpack_pack_uint32(&pk, req->msgid);
		msgpack_pack_nil(&pk);
		if (kn_buf_put(&reply, res->ptr, res->len) || reply.failed)
			rc = kn_error_set(KN_ENOMEM, "", "out of memory while building the answer; try again");
	}
	if (rc == 0 && req->wrote) {
		kd_pending *p = calloc(1, sizeof(*p));
		if (p == NULL) {
			/* The writes stay in the batch; the client is told of a failure it can retry safely. */
			rc = kn_error_set(KN_ENOMEM, "", "out of memory after the change was made: it may be saved; check before you try again");
		} else {
			p->client = c;
			p->msgid = req->msgid;
			p->reply = reply;
			reply = (kn_buf)KN_BUF_INIT;
			c->refs++;
			c->inflight++;
			*req->srv->pending_tail = p;
			req->srv->pending_tail = &p->next;
		}
	} else if (rc == 0 && !req->notify) {
		client_send(c, &reply);
	}
	if (rc) {
		kn_debug("client %llu: %s: %s", (unsigned long long)c->id, kn_error_code_name(rc), kn_error_message());
		if (!req->notify)
			send_error(c, req->msgid, rc);
	}
	kn_buf_free(&reply);
}

int
kd_client_job_begin(kd_client *c, int max_jobs)
{
	if (c->jobs >= max_jobs)
		return domain_msg_error(KN_EBUSY, "", "PERMINTAAN_LAMBAT_PENUH", "jumlah", domain_msg_num((unsigned long long)c->jobs).s, NULL);
	c->refs++;
	c->jobs++;
	c->inflight++;
	return 0;
}

/* A job of c ended: it may be served again (its next requests waited for a free job slot). */
void
kd_client_job_end(kd_client *c)
{
	c->jobs--;
	c->inflight--;
	client_maybe_close(c);
	client_ready(c);
	client_unref(c);
}

int
kd_client_gone(const kd_client *c)
{
	return __atomic_load_n(&c->closed, __ATOMIC_ACQUIRE);
}

/*
 * The uid and pid of the process on the other end of a client's socket,
 * as the kernel recorded them when it connected (SO_PEERCRED): for the
 * log of failed logins. Loop thread only.
 */
int
kd_client_peer(kd_peer *out, const kd_client *c)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (c->closed || c->bev == NULL)
		return kn_error_set(KN_ESTATE, "", "the client hung up");
	if (getsockopt(bufferevent_getfd(c->bev), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return kn_error_set(KN_ERROR, "", "cannot read the peer's credentials: %s", strerror(errno));
	out->uid = cred.uid;
	out->pid = cred.pid;
	return 0;
}

static const msgpack_object empty_map = { .type = MSGPACK_OBJECT_MAP };

/*
 * Deny by default: the access level of the method's table row decides
 * before the method runs. For KD_MEMBER the caller's enrollment is read
 * now (a deactivated person's session stops working at once) and the
 * row's domain/ gate judges it.
 */
/*
 * At an education office, which holds the records of many schools, a
 * request is about the school its "school" argument names (default: the
 * office itself); the school must be one whose records the office holds.
 */
static int
office_school(kd_req *req)
{
	char npsn[16];
	domain_school sc;
	store_txn *t;
	int rc = kd_arg_str(npsn, sizeof(npsn), req, "school", 0);

	if (rc || !npsn[0])
		return rc;
	if (!req->srv->office) {
		if (strcmp(npsn, req->srv->school) != 0)
			return domain_msg_error(KN_EINVAL, "school", "SEKOLAH_HANYA_INI", "npsn", req->srv->school, "diminta", npsn, NULL);
		return 0;
	}
	if (domain_check_npsn(npsn) != 0)
		return domain_msg_error(KN_EINVAL, "school", "FORMAT_NPSN", "nilai", npsn, NULL);
	if ((rc = store_read_begin(&t, req->srv->st)))
		return rc;
	rc = kd_school_lookup(&sc, t, npsn);
	store_read_end(t);
	if (rc == KN_ENOTFOUND)
		return domain_msg_error(KN_ENOTFOUND, "school", "KANTOR_BELUM_ADA_SEKOLAH", "npsn", npsn, NULL);
	if (rc)
		return rc;
	memcpy(req->school, npsn, 9);
	return 0;
}

static int
authorize(kd_req *req, const kd_method *m)
{
	kd_server *srv = req->srv;
	store_txn *t;
	int rc;

	switch (m->access) {
	case KD_OPEN:
		return 0;
	case KD_INIT:
		if (srv->school[0])
			return domain_msg_error(KN_EEXISTS, "npsn", "SEKOLAH_SUDAH_ADA", "npsn", srv->school, "nama", srv->school_name, NULL);
		return 0;
	case KD_TOKEN:
	case KD_MEMBER:
		break;
	default:
		return domain_msg_error(KN_EDENIED, "method", "METODE_TANPA_ATURAN", NULL);
	}
	if (!srv->school[0])
		return domain_msg_error(KN_ENOTFOUND, "npsn", "SEKOLAH_BELUM_ADA", NULL);
	if ((rc = kd_session_find(&req->sess, srv, req)))
		return rc;
	memcpy(req->school, srv->school, sizeof(req->school));
	if (m->access == KD_TOKEN)
		return 0;
	if ((rc = office_school(req)))
		return rc;
	if (req->sess->must_change)
		return domain_msg_error(KN_EDENIED, "token", "SANDI_SEKALI_PAKAI", NULL);
	if (m->gate == NULL)
		return domain_msg_error(KN_EDENIED, "method", "METODE_TANPA_ATURAN", NULL);
	if ((rc = store_read_begin(&t, srv->st)))
		return rc;
	rc = kd_user_lookup(&req->me, t, srv->school, req->sess->key->pk);
	store_read_end(t);
	if (rc == KN_ENOTFOUND)
		return domain_msg_error(KN_EDENIED, "session", "SESI_KEANGGOTAAN_HILANG", NULL);
	if (rc)
		return rc;
	return m->gate(&req->me);
}

/*
 * Serve one complete message. Replies immediately, or holds the reply
 * until the batch its writes joined is committed.
 */
static void
handle_message(kd_client *c, const uint8_t *data, size_t len)
{
	kd_server *srv = c->srv;
	msgpack_unpacked up;
	size_t off = 0;
	uint32_t msgid = 0;
	int rc, notify = 0;
	kn_buf res = KN_BUF_INIT;

	kn_error_clear();
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, (const char *)data, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		rc = domain_msg_error(KN_EPROTO, "", "PERMINTAAN_BUKAN_MSGPACK", NULL);
		goto out_error;
	}
	const msgpack_object *o = &up.data;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 3 ||
	    o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		rc = domain_msg_error(KN_EPROTO, "", "PERMINTAAN_BENTUK", NULL);
		goto out_error;
	}
	const msgpack_object *a = o->via.array.ptr, *method, *params;
	if (a[0].via.u64 == 2 && o->via.array.size == 3) {
		notify = 1;
		method = &a[1];
		params = &a[2];
	} else if (a[0].via.u64 == 0 && o->via.array.size == 4) {
		if (a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[1].via.u64 > UINT32_MAX) {
			rc = domain_msg_error(KN_EPROTO, "msgid", "PERMINTAAN_MSGID", NULL);
			goto out_error;
		}
		msgid = (uint32_t)a[1].via.u64;
		method = &a[2];
		params = &a[3];
	} else {
		rc = domain_msg_error(KN_EPROTO, "", "PERMINTAAN_BENTUK", NULL);
		goto out_error;
	}
	if (method->type != MSGPACK_OBJECT_STR) {
		rc = domain_msg_error(KN_EPROTO, "method", "PERMINTAAN_METODE_TEKS", NULL);
		goto out_error;
	}
	const kd_method *m = kd_method_find(method->via.str.ptr, method->via.str.size);
	if (m == NULL) {
		/* the name is not echoed: it is raw request bytes */
		rc = domain_msg_error(KN_ENOMETHOD, "method", "PERMINTAAN_METODE_TIDAK_DIKENAL", NULL);
		goto out_error;
	}
	const msgpack_object *args = &empty_map;
	if (params->type != MSGPACK_OBJECT_ARRAY || params->via.array.size > 1 ||
	    (params->via.array.size == 1 && params->via.array.ptr[0].type != MSGPACK_OBJECT_MAP)) {
		rc = domain_msg_error(KN_EINVAL, "params", "PERMINTAAN_PARAMS", NULL);
		goto out_error;
	}
	if (params->via.array.size == 1)
		args = &params->via.array.ptr[0];

	kd_req req = { .srv = srv, .client = c, .msgid = msgid, .args = args, .notify = notify };
	msgpack_packer pk;
	msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
	rc = authorize(&req, m);
	if (rc == 0)
		rc = m->fn(&req, &pk);
	if (rc == 0 && res.failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while building the answer; try again");
	if (rc != KD_ASYNC)
		kd_respond(&req, rc, &res);
	goto out_free;

out_error:
	if (rc != KN_EPROTO || msgid || notify)
		kn_debug("client %llu: %s: %s", (unsigned long long)c->id, kn_error_code_name(rc), kn_error_message());
	if (!notify)
		send_error(c, msgid, rc);
out_free:
	kn_buf_free(&res);
	msgpack_unpacked_destroy(&up);
}

/*
 * Fair serving. Requests are not served from a client's read callback:
 * the callback only moves bytes into the client's buffer and puts the
 * client at the tail of srv->ready. A turn (turn_cb) then takes the
 * clients that were ready when it began, in order, and serves at most
 * KD_FRAMES_PER_TURN requests of each; a client with more goes back to the
 * tail. Cheap requests are answered at once, slow ones become jobs
 * (work.h), and a client is not served while it has KD_JOBS_PER_CLIENT jobs
 * or is paused for unread replies.
 *
 * What bounds what, given libevent's loop (event.c, event_base_loop):
 * each iteration polls the sockets, moves expired timers to the active
 * queue (timeout_process) and then runs active callbacks until the queue
 * is empty (event_process_active_single_queue takes TAILQ_FIRST again after
 * every callback). So an event activated with event_active() from inside a
 * callback runs again in the same iteration, before any socket is polled:
 * the old "re-activate the client after 32 frames" bounded nothing, a
 * client with 10,000 requests buffered was served to the end while every
 * other socket waited. Here the first turn after a quiet spell is
 * activated with event_active (it runs in the same iteration, after the
 * read callbacks that made clients ready), but a turn that leaves clients
 * ready re-arms itself as a zero-timeout timer, and a timer only becomes
 * active after the next poll. Hence, between two turns every socket is
 * polled and its bytes read; in one turn each client is served at most
 * KD_FRAMES_PER_TURN requests; a request is cheap (slow work is a job),
 * so one turn costs at most about (ready clients) x KD_FRAMES_PER_TURN
 * cheap requests, and a client that becomes ready waits at most for the
 * turn in progress. turn_armed makes sure at most one turn is pending.
 *
 * Memory per client: requests buffered in c->in, at most in_max() (one
 * largest frame) plus the 256 KiB read watermark of its bufferevent, after
 * which libevent stops reading its socket; replies up to max_output_kb
 * plus those of requests already being served (at most KD_FRAMES_PER_TURN
 * held for a commit and KD_JOBS_PER_CLIENT jobs, each reply bounded: pages
 * of KD_PAGE_BYTES, evidence reads of 256 KiB); then it is paused, and
 * dropped after output_stall_s if it does not read.
 */
#define KD_FRAMES_PER_TURN 16
#define KD_READ_WATERMARK (256 * 1024)

/* The most request bytes a client's buffer holds: one largest frame. */
static size_t
in_max(const kd_server *srv)
{
	return (size_t)srv->cfg.max_frame_kb * 1024;
}

/* May c's next request be served now? */
static int
client_can_serve(const kd_client *c)
{
	return !c->closed && !c->closing && !c->paused && c->jobs < KD_JOBS_PER_CLIENT;
}

/* Ask for a turn: now (later in this loop iteration) unless one is running or pending. */
static void
turn_arm(kd_server *srv)
{
	if (srv->turn_armed || srv->in_turn)
		return;
	srv->turn_armed = 1;
	event_active(srv->turn_ev, EV_TIMEOUT, 0);
}

/*
 * Put c at the tail of the ready list when it has bytes to serve and may
 * be served. A client that has finished sending and has nothing left to
 * serve is closed once its replies are out.
 */
static void
client_ready(kd_client *c)
{
	if (c->queued || !client_can_serve(c))
		return;
	if (c->off >= c->in.len && evbuffer_get_length(bufferevent_get_input(c->bev)) == 0) {
		if (c->eof) {
			c->closing = 1;
			client_maybe_close(c);
		}
		return;
	}
	c->queued = 1;
	c->refs++;
	c->rnext = NULL;
	*c->srv->ready_tail = c;
	c->srv->ready_tail = &c->rnext;
	turn_arm(c->srv);
}

/* Move bytes from libevent's input buffer into c->in, up to in_max(); 1 if any moved. */
static int
client_fill(kd_client *c)
{
	struct evbuffer *input = bufferevent_get_input(c->bev);
	size_t n = evbuffer_get_length(input), max = in_max(c->srv);

	if (n == 0 || c->in.len >= max)
		return 0;
	if (n > max - c->in.len)
		n = max - c->in.len;
	if (kn_buf_grow(&c->in, n)) {
		client_fail(c, KN_ENOMEM);
		return 0;
	}
	int got = evbuffer_remove(input, c->in.ptr + c->in.len, n);
	if (got <= 0)
		return 0;
	c->in.len += (size_t)got;
	return 1;
}

/*
 * Serve at most KD_FRAMES_PER_TURN complete requests buffered for c.
 * Returns 1 when c may have more to serve now (it stopped at the limit,
 * or more bytes came in from libevent's buffer), 0 when it waits for
 * bytes, for its jobs or for its reader.
 */
static int
client_serve(kd_client *c)
{
	size_t max = in_max(c->srv);
	int served = 0, more = 0, starved = 0;

	for (;;) {
		size_t flen = 0;
		if (!client_can_serve(c))
			break;
		if (c->off >= c->in.len) {
			starved = 1;
			break;
		}
		if (served == KD_FRAMES_PER_TURN) {
			more = 1;
			break;
		}
		int rc = kn_mpscan_feed(&c->scan, c->in.ptr + c->off, c->in.len - c->off, &flen);
		if (rc == 0) {
			starved = 1;
			break;
		}
		if (rc < 0) {
			/* the scanner's detail (byte, offset) is for the log; the person reads the catalog's text */
			kn_info("client %llu: %s", (unsigned long long)c->id, kn_error_message());
			if (rc == KN_ETOOBIG)
				domain_msg_error(rc, "max_frame_kb", "PERMINTAAN_TERLALU_BESAR", "maks",
				    domain_msg_num((unsigned long long)c->srv->cfg.max_frame_kb).s, NULL);
			else if (rc == KN_EPROTO)
				domain_msg_error(rc, "", "PERMINTAAN_BUKAN_MSGPACK", NULL);
			client_fail(c, rc);
			break;
		}
		handle_message(c, c->in.ptr + c->off, flen);
		/* the request may hold a passphrase */
		sodium_memzero(c->in.ptr + c->off, flen);
		c->off += flen;
		served++;
		kn_mpscan_init(&c->scan, max);
	}
	if (c->closed)
		return 0;
	kn_buf_consume(&c->in, c->off);
	c->off = 0;
	if (!c->closing && client_fill(c))
		more = 1;
	else if (starved && c->eof && !c->closing) {
		/* everything it sent is served (a partial request is dropped): close once answered */
		c->closing = 1;
		client_maybe_close(c);
		return 0;
	}
	/* only a request cut short is the client's delay; complete ones wait for us */
	struct timeval tv = { starved && c->in.len ? c->srv->cfg.request_timeout_s : c->srv->cfg.idle_timeout_s, 0 };
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	return more && client_can_serve(c);
}

/* One turn: each client that was ready when it began is served once, in order. */
static void
turn_cb(evutil_socket_t fd, short what, void *arg)
{
	kd_server *srv = arg;
	int n = 0;
	(void)fd;
	(void)what;

	srv->turn_armed = 0;
	srv->in_turn = 1;
	for (kd_client *c = srv->ready; c; c = c->rnext)
		n++;
	while (n-- > 0 && srv->ready) {
		kd_client *c = srv->ready;
		srv->ready = c->rnext;
		if (srv->ready == NULL)
			srv->ready_tail = &srv->ready;
		c->queued = 0;
		if (!c->closed && client_serve(c))
			client_ready(c);
		client_unref(c);
	}
	srv->in_turn = 0;
	/* the next turn comes after the next poll of every socket */
	if (srv->ready && !srv->turn_armed) {
		struct timeval now = { 0, 0 };
		srv->turn_armed = 1;
		event_add(srv->turn_ev, &now);
	}
}

/* Bytes arrived: keep them (bounded) and queue the client for a turn. */
static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	kd_client *c = arg;
	(void)bev;

	if (c->closing)
		return;
	client_fill(c);
	if (!c->closed)
		client_ready(c);
}

/* Output written: a closing client may go, a paused one is served again once it has read everything. */
static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	kd_client *c = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	c->stall_ms = 0;
	if (c->closing) {
		client_maybe_close(c);
		return;
	}
	if (c->paused) {
		c->paused = 0;
		if (!c->eof)
			bufferevent_enable(c->bev, EV_READ);
		client_ready(c);
	}
}

static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	kd_client *c = arg;
	(void)bev;

	if (what & BEV_EVENT_TIMEOUT) {
		kn_info("client %llu: %s; closing the connection", (unsigned long long)c->id,
		    c->in.len ? "a request stopped half way" : "idle too long");
		client_close(c);
	} else if (what & BEV_EVENT_ERROR) {
		client_close(c);
	} else if (what & BEV_EVENT_EOF) {
		/* The client finished sending; its requests are still served and it gets every reply it is owed. */
		c->eof = 1;
		bufferevent_disable(c->bev, EV_READ);
		client_fill(c);
		if (!c->closed)
			client_ready(c);
	}
}

/*
 * Once a second: a client that has left its replies unread for
 * output_stall_s (paused over max_output_kb, or closing with replies
 * still queued) is dropped. Its read timeout cannot do this: reading is
 * suspended while its buffers are full. Runs outside every client's
 * callbacks, so closing here frees nothing that is in use.
 */
static void
client_cron(evutil_socket_t fd, short what, void *arg)
{
	kd_server *srv = arg;
	uint64_t now = kn_mono_ms(), limit = (uint64_t)srv->cfg.output_stall_s * 1000;
	kd_client *c, *next;
	(void)fd;
	(void)what;

	for (c = srv->clients; c; c = next) {
		next = c->next;
		size_t held = evbuffer_get_length(bufferevent_get_output(c->bev));
		if (!(c->paused || (c->closing && held > 0))) {
			c->stall_ms = 0;
			continue;
		}
		if (c->stall_ms == 0)
			c->stall_ms = now;
		if (now - c->stall_ms < limit)
			continue;
		kn_warn("client %llu: %zu bytes of replies unread for %llu s (output_stall_s = %d); closing the connection",
		    (unsigned long long)c->id, held, (unsigned long long)((now - c->stall_ms) / 1000), srv->cfg.output_stall_s);
		client_close(c);
	}
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
	kd_server *srv = arg;
	static uint64_t next_id;
	(void)l;
	(void)sa;
	(void)socklen;

	if (srv->nclients >= srv->cfg.max_clients) {
		kn_warn("refusing a client: %d clients connected (max_clients)", srv->nclients);
		domain_msg_error(KN_EBUSY, "", "DAEMON_KLIEN_PENUH", "jumlah", domain_msg_num((unsigned long long)srv->nclients).s, NULL);
		kn_buf b = KN_BUF_INIT;
		pack_error_reply(&b, 0, KN_EBUSY);
		ssize_t w = write(fd, b.ptr, b.len);
		(void)w;
		kn_buf_free(&b);
		close(fd);
		return;
	}
	kd_client *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		close(fd);
		return;
	}
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	c->srv = srv;
	c->refs = 1;
	c->id = ++next_id;
	kn_mpscan_init(&c->scan, (size_t)srv->cfg.max_frame_kb * 1024);
	c->next = srv->clients;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &srv->clients;
	srv->clients = c;
	srv->nclients++;
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb, client_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, KD_READ_WATERMARK);
	struct timeval idle = { srv->cfg.idle_timeout_s, 0 };
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	kn_debug("client %llu connected", (unsigned long long)c->id);
}

static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	kd_server *srv = arg;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { 1, 0 };

	kn_warn("accept failed: %s; pausing new connections for a second", strerror(err));
	evconnlistener_disable(l);
	evtimer_add(srv->accept_ev, &tv);
}

static void
accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	kd_server *srv = arg;
	(void)fd;
	(void)what;
	evconnlistener_enable(srv->listener);
}

/* Commit the open batch and deliver (or fail) every held reply. */
static void
flush_batch(kd_server *srv)
{
	kd_pending *p, *next;
	int rc = 0;
	size_t n = 0;

	if (srv->batch) {
		n = store_batch_count(srv->batch);
		rc = store_batch_commit(srv->batch);
		srv->batch = NULL;
		if (rc) {
			kn_err("commit of %zu records failed: %s", n, kn_error_message());
		} else {
			srv->commits++;
			srv->committed_records += n;
		}
		/* the sync sessions whose writes joined this batch learn that they are durable (or not) */
		kd_sync_flushed(srv, rc);
	}
	p = srv->pending;
	srv->pending = NULL;
	srv->pending_tail = &srv->pending;
	for (; p; p = next) {
		next = p->next;
		if (rc == 0) {
			client_send(p->client, &p->reply);
		} else {
			kn_buf b = KN_BUF_INIT;
			pack_error_reply(&b, p->msgid, rc);
			client_send(p->client, &b);
			kn_buf_free(&b);
		}
		p->client->inflight--;
		client_maybe_close(p->client);
		client_unref(p->client);
		kn_buf_free(&p->reply);
		free(p);
	}
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	kd_server *srv = arg;
	char npsn[9];
	(void)fd;
	(void)what;

	snprintf(npsn, sizeof(npsn), "%s", srv->school);
	flush_batch(srv);
	/* Only school.init changes which school this store holds. */
	if (npsn[0])
		return;
	kd_refresh_school(srv);
	if (srv->school[0])
		kn_info("school %s (%s) initialised", srv->school, srv->school_name);
}

int
kd_write_begin(store_batch **out, kd_req *req)
{
	kd_server *srv = req->srv;
	int rc;

	if (srv->batch == NULL) {
		rc = store_batch_begin(&srv->batch, srv->st);
		if (rc)
			return rc;
		event_active(srv->flush_ev, EV_TIMEOUT, 0);
	}
	rc = store_batch_sub_begin(srv->batch);
	if (rc)
		return rc;
	req->wrote = 1;
	*out = srv->batch;
	return 0;
}

int
kd_write_end(kd_req *req, int rc)
{
	int rc2 = store_batch_sub_end(req->srv->batch, rc == 0);

	if (rc)
		req->wrote = 0; /* nothing of it stays: the error can be sent now */
	return rc ? rc : rc2;
}

static void
sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	kd_session_sweep(arg);
	kd_evidence_sweep(arg);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	kd_server *srv = arg;
	(void)what;

	if (sig == SIGHUP) {
		kn_info("SIGHUP: configuration reload is not supported yet; restart kinerjad to apply changes");
		return;
	}
	kn_info("%s received: finishing writes and shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopexit(srv->base, NULL);
}

/* Create the socket: refuse when a live daemon answers on it, else replace a stale one. */
static int
listen_socket(int *out, const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return kn_error_set(KN_EINVAL, "socket", "socket path %s is too long (at most %zu characters)", path,
		    sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);

	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return kn_error_set(KN_EEXISTS, "socket", "%s exists and is not a socket: remove it or choose another socket path", path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int crc = fd >= 0 ? connect(fd, (struct sockaddr *)&sa, sizeof(sa)) : -1;
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (crc == 0)
			return kn_error_set(KN_ELOCKED, "socket", "another kinerjad is listening on %s: stop it first", path);
		if (e != ECONNREFUSED)
			return kn_error_set(KN_ERROR, "socket", "cannot tell whether %s is in use (%s): remove it if no kinerjad runs",
			    path, strerror(e));
		unlink(path);
		kn_info("removed stale socket %s", path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return kn_error_set(KN_ERROR, "socket", "socket: %s", strerror(errno));
	/*
	 * Bind under a temporary name, listen, then rename into place: a
	 * client that finds the socket can connect at once (bind alone makes
	 * the file appear before the daemon accepts).
	 */
	struct sockaddr_un tsa = sa;
	const char *bound = path;
	if ((size_t)snprintf(tsa.sun_path, sizeof(tsa.sun_path), "%s.%ld", path, (long)getpid()) < sizeof(tsa.sun_path)) {
		unlink(tsa.sun_path);
		bound = tsa.sun_path;
	} else {
		tsa = sa;
	}
	mode_t old = umask(0117);
	int brc = bind(fd, (struct sockaddr *)&tsa, sizeof(tsa));
	umask(old);
	if (brc != 0) {
		int e = errno;
		close(fd);
		return kn_error_set(KN_ERROR, "socket", "cannot bind %s: %s", bound, strerror(e));
	}
	if (chmod(bound, 0660) != 0 || listen(fd, 64) != 0 || (bound != path && rename(bound, path) != 0)) {
		int e = errno;
		close(fd);
		unlink(bound);
		return kn_error_set(KN_ERROR, "socket", "cannot listen on %s: %s", path, strerror(e));
	}
	*out = fd;
	return 0;
}

static int
mkdir_parent(const char *path)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return kn_error_set(KN_ERROR, "", "cannot create directory %s: %s", dir, strerror(errno));
	return 0;
}

/* libevent's buffers hold requests (passphrases among them): wipe on free. */
static void
wiping_free(void *p)
{
	if (p) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

static void *
wiping_realloc(void *p, size_t n)
{
	void *q;

	if (p == NULL)
		return malloc(n);
	if (n == 0) {
		wiping_free(p);
		return NULL;
	}
	q = malloc(n);
	if (q == NULL)
		return NULL;
	size_t old = malloc_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	wiping_free(p);
	return q;
}

int
kd_server_init(kd_server **out, const kd_config *cfg)
{
	static int mem_set;
	if (!mem_set) {
		event_set_mem_functions(malloc, wiping_realloc, wiping_free);
		mem_set = 1;
	}
	kd_server *srv = calloc(1, sizeof(*srv));
	int rc, fd = -1;

	if (srv == NULL)
		return KN_ENOMEM;
	srv->cfg = *cfg;
	srv->pending_tail = &srv->pending;
	srv->ready_tail = &srv->ready;
	srv->started_ms = kn_mono_ms();
	if (strcmp(cfg->pwhash, "min") == 0) {
		srv->cost = KEYS_COST_TEST;
		kn_warn("pwhash = min: passphrases are weakly protected; use this for tests only");
	} else if (strcmp(cfg->pwhash, "moderate") == 0) {
		srv->cost = (keys_cost){ crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE };
	} else {
		srv->cost = KEYS_COST_DEFAULT;
	}

	store_opts so = { (size_t)cfg->map_size_mb << 20, cfg->nosync };
	if ((rc = mkdir_parent(cfg->store_dir)) || (rc = store_open(&srv->st, cfg->store_dir, &so)))
		goto out_free;
	if ((rc = mkdir_parent(cfg->device_key)) || (rc = keys_device_load(&srv->device, cfg->device_key)))
		goto out_free;
	if ((rc = kd_rules_install(srv)))
		goto out_free;
	kd_refresh_school(srv);
	if ((rc = kd_evidence_init(srv)))
		goto out_free;

	srv->base = event_base_new();
	if (srv->base == NULL) {
		rc = kn_error_set(KN_ERROR, "", "cannot create the event loop");
		goto out_free;
	}
	/*
	 * The signals before the socket: a client may see the socket (and send
	 * SIGTERM) as soon as it listens, and the default action would kill the
	 * daemon instead of stopping it cleanly. A signal that comes during the
	 * rest of the set-up is handled when the loop starts.
	 */
	int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	for (int i = 0; i < 3; i++) {
		srv->sig_ev[i] = evsignal_new(srv->base, sigs[i], signal_cb, srv);
		if (srv->sig_ev[i] == NULL || event_add(srv->sig_ev[i], NULL) != 0) {
			rc = kn_error_set(KN_ERROR, "", "cannot set up the signal handlers");
			goto out_free;
		}
	}
	if ((rc = kd_work_start(srv)))
		goto out_free;
	if ((rc = mkdir_parent(cfg->socket_path)) || (rc = listen_socket(&fd, cfg->socket_path)))
		goto out_free;
	srv->listener = evconnlistener_new(srv->base, accept_cb, srv, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (srv->listener == NULL) {
		close(fd);
		unlink(cfg->socket_path);
		rc = kn_error_set(KN_ERROR, "socket", "cannot listen on %s", cfg->socket_path);
		goto out_free;
	}
	evconnlistener_set_error_cb(srv->listener, accept_error_cb);
	srv->accept_ev = evtimer_new(srv->base, accept_retry_cb, srv);
	srv->flush_ev = event_new(srv->base, -1, 0, flush_cb, srv);
	srv->sweep_ev = event_new(srv->base, -1, EV_PERSIST, sweep_cb, srv);
	srv->turn_ev = event_new(srv->base, -1, 0, turn_cb, srv);
	srv->cron_ev = event_new(srv->base, -1, EV_PERSIST, client_cron, srv);
	if (srv->accept_ev == NULL || srv->flush_ev == NULL || srv->sweep_ev == NULL || srv->turn_ev == NULL ||
	    srv->cron_ev == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory setting up the event loop");
		goto out_free;
	}
	/* sync last: its threads may hand writes to the loop as soon as they run */
	if ((rc = kd_sync_start(srv)))
		goto out_free;
	struct timeval sweep = { 30, 0 }, cron = { 1, 0 };
	event_add(srv->sweep_ev, &sweep);
	event_add(srv->cron_ev, &cron);
	signal(SIGPIPE, SIG_IGN);
	*out = srv;
	return 0;

out_free:
	kd_server_free(srv);
	return rc;
}

int
kd_server_run(kd_server *srv)
{
	store_stats ss;

	store_stat(&ss, srv->st);
	kn_info("kinerjad %s listening on %s (store %s: %llu records%s%s)", KD_VERSION, srv->cfg.socket_path,
	    srv->cfg.store_dir, (unsigned long long)ss.records, srv->school[0] ? ", school " : "", srv->school);
	if (event_base_dispatch(srv->base) < 0)
		return kn_error_set(KN_ERROR, "", "event loop failed");
	/* Stop taking work, finish what was taken, and deliver the replies. */
	evconnlistener_disable(srv->listener);
	for (kd_client *c = srv->clients; c; c = c->next) {
		c->closing = 1;
		bufferevent_disable(c->bev, EV_READ);
	}
	kd_work_stop(srv);
	flush_batch(srv);
	kd_sync_stop(srv);
	uint64_t until = kn_mono_ms() + 2000;
	while (srv->clients && kn_mono_ms() < until) {
		int owed = 0;
		for (kd_client *c = srv->clients; c; c = c->next)
			owed |= evbuffer_get_length(bufferevent_get_output(c->bev)) != 0;
		if (!owed)
			break;
		event_base_loop(srv->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		usleep(1000);
	}
	return 0;
}

void
kd_server_free(kd_server *srv)
{
	if (srv == NULL)
		return;
	kd_work_stop(srv);
	if (srv->batch || srv->pending)
		flush_batch(srv);
	kd_sync_stop(srv);
	kd_evidence_free(srv);
	kd_catalog_cache_clear();
	while (srv->clients)
		client_close(srv->clients);
	while (srv->ready) {
		kd_client *c = srv->ready;
		srv->ready = c->rnext;
		client_unref(c);
	}
	if (srv->listener) {
		evconnlistener_free(srv->listener);
		unlink(srv->cfg.socket_path);
	}
	if (srv->flush_ev)
		event_free(srv->flush_ev);
	if (srv->sweep_ev)
		event_free(srv->sweep_ev);
	if (srv->accept_ev)
		event_free(srv->accept_ev);
	if (srv->turn_ev)
		event_free(srv->turn_ev);
	if (srv->cron_ev)
		event_free(srv->cron_ev);
	for (int i = 0; i < 3; i++)
		if (srv->sig_ev[i])
			event_free(srv->sig_ev[i]);
	if (srv->base)
		event_base_free(srv->base);
	kd_session_free_all(srv);
	keys_secret_free(srv->device);
	kd_sync_waiting_forget(srv->st);
	store_close(srv->st);
	free(srv);
}

void
kd_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

void
kd_pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	kd_pack_str(pk, k);
	kd_pack_str(pk, v);
}

void
kd_pack_kv_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	kd_pack_str(pk, k);
	msgpack_pack_uint64(pk, v);
}

void
kd_pack_kv_hex(msgpack_packer *pk, const char *k, const uint8_t *bin, size_t len)
{
	char hex[2 * 64 + 1];
	kd_pack_str(pk, k);
	kd_pack_str(pk, kn_hex(hex, bin, len > 64 ? 64 : len));
}

const msgpack_object *
kd_arg(const kd_req *req, const char *name)
{
	const msgpack_object *o = kn_map_get(req->args, name);
	return (o && o->type != MSGPACK_OBJECT_NIL) ? o : NULL;
}

int
kd_arg_str(char *out, size_t outsz, const kd_req *req, const char *name, int required)
{
	const msgpack_object *o = kd_arg(req, name);

	out[0] = '\0';
	if (o == NULL) {
		if (required)
			return domain_msg_error(KN_EINVAL, name, "FORMAT_TEKS_WAJIB", "kolom", name, "maks", domain_msg_num(outsz - 1).s,
			    NULL);
		return 0;
	}
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size >= outsz || memchr(o->via.str.ptr, 0, o->via.str.size))
		return domain_msg_error(KN_EINVAL, name, "FORMAT_TEKS_PANJANG", "kolom", name, "maks", domain_msg_num(outsz - 1).s, NULL);
	/* arguments may be quoted back in messages: they must be text */
	if (!kn_utf8_valid(o->via.str.ptr, o->via.str.size))
		return domain_msg_error(KN_EINVAL, name, "FORMAT_TEKS_UTF8", "kolom", name, NULL);
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return 0;
}

/* Page arguments of a listing (server.h): checked here once for the three listings. */
int
kd_page_args(kd_page *out, const kd_req *req)
{
	const msgpack_object *lim = kd_arg(req, "limit");
	char hex[80];
	int rc;

	memset(out, 0, sizeof(*out));
	out->limit = KD_PAGE_DEFAULT;
	if (lim) {
		if (lim->type != MSGPACK_OBJECT_POSITIVE_INTEGER || lim->via.u64 == 0 || lim->via.u64 > KD_PAGE_MAX)
			return domain_msg_error(KN_EINVAL, "limit", "BATAS_HALAMAN", "maks", domain_msg_num(KD_PAGE_MAX).s, NULL);
		out->limit = (size_t)lim->via.u64;
	}
	if ((rc = kd_arg_str(hex, sizeof(hex), req, "cursor", 0)))
		return rc;
	if (!hex[0])
		return 0;
	if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64 || kn_unhex(out->cursor, 32, hex, 64) != 0)
		return kd_page_bad_cursor();
	out->has_cursor = 1;
	return 0;
}

/* One message for every cursor a listing cannot follow: it says what to send instead. */
int
kd_page_bad_cursor(void)
{
	return domain_msg_error(KN_EINVAL, "cursor", "HALAMAN_KURSOR", NULL);
}

/* "next" of a page: the last item's id while more follow, so the next page starts after it. */
void
kd_pack_next(msgpack_packer *pk, const uint8_t last[32], int more)
{
	char hex[65];

	kd_pack_str(pk, "next");
	if (more)
		kd_pack_str(pk, kn_hex(hex, last, 32));
	else
		msgpack_pack_nil(pk);
}
