/*
 * sync_school.c - the school's side of sync: one thread that opens a
 * session with the hub at start, every sync.interval_s after a success,
 * with exponential backoff and jitter after a failure (at most 5 min), and
 * at once when sync.now asks. It never blocks local clients: it reads the
 * store with its own read transactions and hands its writes to the loop
 * (kd_sync_apply).
 *
 * A session (docs/design.md, "Sync"): IK handshake with the configured
 * hub key; hello -> welcome; push the feed after the last receipt, in
 * batches, each checkpoint stored only once its receipt came back; pull
 * the hub's feed for this school after the stored position, each batch
 * stored with its position in one commit; push again (what was made
 * meanwhile; the checkpoint passes over what came from the hub); then, if
 * the fingerprints still differ, reconcile and exchange what each lacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../domain/plan.h"
#include "sync_int.h"
#include "../sync/bundle.h"
#include "../store/evidence.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define BACKOFF_BASE_MS 2000ull
#define BACKOFF_CAP_MS (5 * 60 * 1000ull)
#define RECON_ROUNDS_MAX 64
#define LAST_OK_PERSIST_MS (10 * 60 * 1000ull)

/* What a session works with. */
typedef struct {
	struct kd_sync *sy;
	kd_server *srv;
	const kd_sync_peer *p;   /* whom it syncs with, for which code, under which meta names */
	char m_acked[48], m_pulled[48], m_receipt[48], m_receipts[48], m_last_ok[48];
	kd_link l;
	kd_sync_result *res;
	char npsn[9];
	uint64_t acked, pulled;
	/* the hub's view of this school, as its last message said */
	uint8_t hub_fp[SYNC_FP_BYTES];
	uint64_t hub_count, hub_feed;
	int wrote;               /* something was committed here */
	kn_buf msg;              /* the last message received */
	uint32_t hub_caps;       /* the welcome's */
} school_session;

static void
set_phase(struct kd_sync *sy, kd_sync_phase p)
{
	pthread_mutex_lock(&sy->mu);
	sy->phase = p;
	sy->phase_ms = kn_now_ms();
	pthread_mutex_unlock(&sy->mu);
}

/* Fail the session with a message code; returns code. */
static int
fail(school_session *s, int code, const char *reason, const char *const *params)
{
	if (s->res->err.code == 0)
		kd_sync_error_set(&s->res->err, code, reason, params);
	return code;
}

/* The link failed (a cut, a timeout, the hub's own channel error): say so in the words for people. */
static int
fail_link(school_session *s, int rc)
{
	const char *params[] = { "sebab", kn_error_message(), "hub", s->p->addr, NULL };

	if (rc == KN_ESTATE && kd_sync_stopping(s->sy))
		return fail(s, rc, "SYNC_DIBERHENTIKAN", NULL);
	return fail(s, rc, "SYNC_TERPUTUS", params);
}

static int
fail_proto(school_session *s, const char *why)
{
	const char *params[] = { "sebab", why, NULL };
	return fail(s, KN_EPROTO, "SYNC_PROTOKOL", params);
}

/* Local storage failed. */
static int
fail_store(school_session *s, int rc)
{
	const char *params[] = { "sebab", kn_error_message(), NULL };

	if (rc == KN_ESTATE && kd_sync_stopping(s->sy))
		return fail(s, rc, "SYNC_DIBERHENTIKAN", NULL);
	return fail(s, rc, "SYNC_SEKOLAH_GAGAL_MENYIMPAN", params);
}

/* Receive the next message, decoded into m; an error message of the hub ends the session with its reason. */
static int
recv_msg(sync_msg *m, school_session *s, sync_msg_type want1, sync_msg_type want2)
{
	int rc = kd_link_recv(&s->msg, &s->l);

	memset(m, 0, sizeof(*m));
	if (rc == 0) {
		domain_msg_error(KN_EPROTO, "", "SYNC_HUB_BERHENTI_AWAL", NULL);
		return fail_link(s, KN_EPROTO);
	}
	if (rc < 0)
		return fail_link(s, rc);
	if ((rc = sync_msg_decode(m, s->msg.ptr, s->msg.len)))
		return fail_proto(s, kn_error_message());
	if (m->type == SYNC_MSG_ERROR) {
		/* the hub's reason, in the words it rendered (the same table as ours) */
		s->res->err.code = kn_error_code_from_name(m->code);
		if (s->res->err.code >= 0)
			s->res->err.code = KN_ERROR;
		snprintf(s->res->err.reason, sizeof(s->res->err.reason), "%s", m->reason);
		snprintf(s->res->err.text, sizeof(s->res->err.text), "%s", m->text);
		s->res->err.at_ms = kn_now_ms();
		return s->res->err.code;
	}
	if (m->type != want1 && m->type != want2) {
		char why[80];
		snprintf(why, sizeof(why), "pesan %s datang saat menunggu %s", sync_msg_type_name(m->type),
		    sync_msg_type_name(want1));
		return fail_proto(s, why);
	}
	return 0;
}

static void
hub_view(school_session *s, const sync_msg *m)
{
	memcpy(s->hub_fp, m->fp, SYNC_FP_BYTES);
	s->hub_count = m->count;
	s->hub_feed = m->feed;
}

static void
be64_buf(kn_buf *b, uint64_t v)
{
	uint8_t p[8];

	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
	kn_buf_clear(b);
	kn_buf_put(b, p, 8);
}

/* Hand records and meta rows to the loop and wait until they are durable. */
static int
store_op(school_session *s, const sync_bytes *recs, size_t n, kd_sync_outcome *out, const char *const *names,
    const kn_buf *vals, size_t nmeta, size_t counts[4])
{
	kd_sync_op op;
	int rc;

	memset(&op, 0, sizeof(op));
	op.origin = s->p->origin;
	op.recs = recs;
	op.nrecs = n;
	op.out = out;
	op.meta_names = names;
	op.meta_vals = vals;
	op.nmeta = nmeta;
	if ((rc = kd_sync_apply(s->srv, &op)))
		return fail_store(s, rc);
	if (counts)
		memcpy(counts, op.counts, sizeof(op.counts));
	s->wrote = 1;
	return 0;
}

/* Records the hub sent, stored here through the same checks as every write; refusals logged. */
static int
store_received(school_session *s, const sync_msg *m, const char *meta, uint64_t pos, uint64_t *stored)
{
	kd_sync_outcome *out = m->nrecords ? calloc(m->nrecords, sizeof(*out)) : NULL;
	kn_buf val = KN_BUF_INIT;
	const char *names[1] = { meta };
	size_t counts[4] = { 0 };
	int rc;

	if (m->nrecords == 0 && meta == NULL)
		return 0;
	if (m->nrecords && out == NULL)
		return fail_store(s, kn_error_set(KN_ENOMEM, "", "out of memory"));
	be64_buf(&val, pos);
	rc = store_op(s, m->records, m->nrecords, out, names, &val, meta ? 1 : 0, counts);
	for (size_t i = 0; rc == 0 && i < m->nrecords; i++)
		if (out[i].result < 0)
			kn_warn("sync: a record from the hub was refused here: %s", out[i].message);
	*stored += counts[0] + counts[2];
	kn_buf_free(&val);
	free(out);
	return rc;
}

/* The receipt as this school keeps it (meta "sync/receipt"), for sync.status. */
static void
pack_receipt(kn_buf *out, const sync_msg *r)
{
	msgpack_packer pk;
	char hex[65];
	size_t n = r->nrefused > 16 ? 16 : r->nrefused;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 7);
	kd_pack_kv_u64(&pk, "at_ms", r->at_ms);
	kd_pack_kv_u64(&pk, "upto", r->upto);
	kd_pack_kv_u64(&pk, "stored", r->stored);
	kd_pack_kv_u64(&pk, "present", r->present);
	kd_pack_kv_u64(&pk, "held", r->held);
	kd_pack_kv_u64(&pk, "refused", r->nrefused);
	kd_pack_str(&pk, "refusals");
	msgpack_pack_array(&pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_map(&pk, 3);
		kd_pack_kv_str(&pk, "id", r->refused[i].has_id ? kn_hex(hex, r->refused[i].id, 32) : "");
		kd_pack_kv_str(&pk, "code", r->refused[i].code);
		kd_pack_kv_str(&pk, "message", r->refused[i].message);
	}
}

/*
 * Receipts not yet written here: the checkpoint (sync/acked), the last
 * receipt (sync/receipt) and the (upto, at_ms) pairs of the receipts log
 * (sync_acts.c). Losing them in a crash costs only a push again (the hub
 * answers "present"), so they are written after several receipts, not
 * one commit per receipt; and while the pushes go on: the write of one
 * group is with the loop while the next receipts come (at most one group
 * at a time), since waiting for it stopped the pushes for a commit of
 * this store every 8 receipts.
 */
typedef struct {
	kn_buf last;          /* the last receipt, packed */
	kn_buf pairs;         /* (upto, at_ms) pairs not written yet */
	uint64_t acked;       /* the checkpoint they move to (0: none) */
	int n;                /* receipts held */
	/* the group being written: its op and values stay alive until the loop is done with them */
	kd_sync_op op;
	kn_buf vals[3];
	const char *names[3];
	uint64_t op_acked;
	int writing;
} receipts_due;

#define RECEIPTS_DUE_INIT { KN_BUF_INIT, KN_BUF_INIT, 0, 0, { 0 }, { KN_BUF_INIT, KN_BUF_INIT, KN_BUF_INIT }, { NULL }, 0, 0 }
#define RECEIPTS_DUE_MAX 8

/* Wait for the group being written, if any; the checkpoint moves once it is durable. */
static int
receipts_wait(school_session *s, receipts_due *d)
{
	int rc;

	if (!d->writing)
		return 0;
	rc = kd_sync_wait(s->srv, &d->op);
	d->writing = 0;
	for (int i = 0; i < 3; i++)
		kn_buf_free(&d->vals[i]);
	if (rc)
		return fail_store(s, rc);
	if (d->op_acked)
		s->acked = d->op_acked;
	return 0;
}

/* The end of d: a group still being written is waited for (the loop holds its values), without a new error. */
static void
receipts_due_free(school_session *s, receipts_due *d)
{
	if (d->writing) {
		if (kd_sync_wait(s->srv, &d->op) == 0 && d->op_acked)
			s->acked = d->op_acked;
		d->writing = 0;
		for (int i = 0; i < 3; i++)
			kn_buf_free(&d->vals[i]);
	}
	kn_buf_free(&d->last);
	kn_buf_free(&d->pairs);
}

/* Write what d holds: handed to the loop, and waited for when wait is set (the end of a phase). */
static int
receipts_flush(school_session *s, receipts_due *d, int wait)
{
	kn_buf *vals = d->vals;
	int rc;

	/* the receipts log below is read from the store: the group before must be in it */
	if ((rc = receipts_wait(s, d)))
		return rc;
	if (d->n == 0)
		return 0;
	d->names[0] = s->m_receipt;
	d->names[1] = s->m_acked;
	d->names[2] = s->m_receipts;
	kn_buf_put(&vals[0], d->last.ptr, d->last.len);
	be64_buf(&vals[1], d->acked);
	if (d->acked) {
		/* the receipts log: the pairs appended, the oldest dropped past KD_SYNC_RECEIPTS_MAX */
		if (store_meta_get(&vals[2], s->srv->st, s->m_receipts) != 0 || vals[2].len % 16)
			kn_buf_clear(&vals[2]);
		kn_error_clear();
		kn_buf_put(&vals[2], d->pairs.ptr, d->pairs.len);
		if (vals[2].len > 16 * KD_SYNC_RECEIPTS_MAX) {
			size_t drop = vals[2].len - 16 * KD_SYNC_RECEIPTS_MAX;
			memmove(vals[2].ptr, vals[2].ptr + drop, vals[2].len - drop);
			vals[2].len -= drop;
		}
	}
	if (vals[0].failed || vals[1].failed || vals[2].failed) {
		for (int i = 0; i < 3; i++)
			kn_buf_free(&vals[i]);
		return fail_store(s, kn_error_set(KN_ENOMEM, "", "out of memory"));
	}
	memset(&d->op, 0, sizeof(d->op));
	d->op.origin = s->p->origin;
	d->op.meta_names = d->names;
	d->op.meta_vals = vals;
	d->op.nmeta = d->acked ? 3 : 1;
	if ((rc = kd_sync_submit(s->srv, &d->op))) {
		for (int i = 0; i < 3; i++)
			kn_buf_free(&vals[i]);
		return fail_store(s, rc);
	}
	s->wrote = 1;
	d->writing = 1;
	d->op_acked = d->acked;
	d->n = 0;
	d->acked = 0;
	kn_buf_clear(&d->pairs);
	return wait ? receipts_wait(s, d) : 0;
}

static int
push_send(school_session *s, const sync_bytes *recs, size_t n, uint64_t upto)
{
	sync_msg m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_PUSH;
	m.upto = upto;
	m.records = (sync_bytes *)recs;
	m.nrecords = n;
	if ((rc = kd_link_send(&s->l, &m)))
		return fail_link(s, rc);
	return 0;
}

/* The receipt of the oldest push in flight (upto, n records), held in d; written when d is full. */
static int
push_receipt(school_session *s, receipts_due *d, uint64_t upto, size_t n)
{
	sync_msg r;
	int rc;

	if ((rc = recv_msg(&r, s, SYNC_MSG_RECEIPT, SYNC_MSG_RECEIPT)))
		goto out;
	if (r.upto != upto || r.stored + r.present + r.held + r.nrefused != n) {
		rc = fail_proto(s, "tanda terima tidak cocok dengan kiriman");
		goto out;
	}
	hub_view(s, &r);
	s->res->stored += r.stored;
	s->res->present += r.present;
	s->res->held += r.held;
	s->res->refused += r.nrefused;
	if (r.nrefused && !s->res->first_refusal.code[0])
		s->res->first_refusal = r.refused[0];
	for (size_t i = 0; i < r.nrefused; i++)
		kn_warn("sync: the hub refused a record of this school: %s", r.refused[i].message);
	kn_buf_clear(&d->last);
	pack_receipt(&d->last, &r);
	if (upto) {
		uint8_t pair[16];
		for (int i = 0; i < 8; i++) {
			pair[i] = (uint8_t)(upto >> (56 - 8 * i));
			pair[8 + i] = (uint8_t)(r.at_ms >> (56 - 8 * i));
		}
		kn_buf_put(&d->pairs, pair, sizeof(pair));
		d->acked = upto;
	}
	d->n++;
	if (d->n >= RECEIPTS_DUE_MAX)
		rc = receipts_flush(s, d, 0);
out:
	sync_msg_free(&r);
	return rc;
}

/* Push records, wait for the receipt, store it and the checkpoint (upto > 0). */
static int
push_batch(school_session *s, const sync_bytes *recs, size_t n, uint64_t upto)
{
	receipts_due d = RECEIPTS_DUE_INIT;
	int rc = push_send(s, recs, n, upto);

	if (rc == 0)
		rc = push_receipt(s, &d, upto, n);
	if (rc == 0)
		rc = receipts_flush(s, &d, 1);
	receipts_due_free(s, &d);
	return rc;
}

/* A push in flight: where the feed stood after it, and how many records it carried. */
typedef struct {
	uint64_t upto;
	size_t n;
} push_sent;

/*
 * Push what this school's feed holds after the checkpoint, in batches,
 * up to sync.push_window of them before the first receipt: the hub
 * verifies one while it stores the one before. Entries that came from the
 * hub are passed over (the checkpoint moves past them, stored without a
 * round trip when no record goes with them).
 */
static int
push_phase(school_session *s)
{
	kn_buf arena = KN_BUF_INIT;
	sync_bytes recs[SYNC_PROTO_BATCH_RECORDS];
	size_t offs[SYNC_PROTO_BATCH_RECORDS];
	size_t max = (size_t)s->sy->batch_records;
	push_sent win[128]; /* sync.push_window is at most 128 */
	size_t window = s->sy->push_window < 1 ? 1 : (size_t)s->sy->push_window, head = 0, inflight = 0;
	receipts_due d = RECEIPTS_DUE_INIT;
	uint64_t sent = s->acked;
	int rc = 0, more = 1, drain = 0;

	if (window > sizeof(win) / sizeof(win[0]))
		window = sizeof(win) / sizeof(win[0]);
	while (more || inflight) {
		kd_sync_state st;
		store_txn *t;
		uint64_t pos = sent;
		size_t n = 0;

		if (!more || inflight == window) {
			/* the oldest push's receipt */
			push_sent *p = &win[head];
			if ((rc = push_receipt(s, &d, p->upto, p->n)))
				break;
			head = (head + 1) % window;
			inflight--;
			if (drain && inflight == 0) {
				drain = 0;
				more = 1;
			}
			continue;
		}
		kn_buf_clear(&arena);
		if ((rc = store_read_begin(&t, s->srv->st)))
			return fail_store(s, rc);
		rc = kd_sync_state_get(&st, t, s->npsn);
		while (rc == 0 && pos < st.feed && n < max) {
			kd_feed_entry e;
			const uint8_t *rec;
			size_t len;
			if ((rc = kd_sync_feed_get(&e, t, s->npsn, pos + 1)))
				break;
			if (e.origin >= s->p->origin) {
				/* it came from this peer (or, at a child hub, from the parent): not sent back */
				pos++;
				continue;
			}
			if ((rc = store_txn_get(&rec, &len, t, e.id)))
				break;
			if (n > 0 && arena.len + len > SYNC_PROTO_BATCH_BYTES)
				break;
			offs[n] = arena.len;
			recs[n].len = len;
			if (kn_buf_put(&arena, rec, len)) {
				rc = kn_error_set(KN_ENOMEM, "", "out of memory");
				break;
			}
			n++;
			pos++;
		}
		store_read_end(t);
		if (rc) {
			rc = fail_store(s, rc);
			break;
		}
		if (pos == sent) {
			more = 0;
			continue;
		}
		if (n == 0) {
			/* only records from the hub: once every push before is answered, move the checkpoint here */
			if (inflight) {
				more = 0; /* drain the window, then come back for these */
				drain = 1;
				continue;
			}
			if ((rc = receipts_flush(s, &d, 1)))
				break;
			kn_buf val = KN_BUF_INIT;
			const char *names[1] = { s->m_acked };
			be64_buf(&val, pos);
			rc = store_op(s, NULL, 0, NULL, names, &val, 1, NULL);
			kn_buf_free(&val);
			if (rc)
				break;
			s->acked = sent = pos;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			recs[i].ptr = arena.ptr + offs[i];
		set_phase(s->sy, KD_PHASE_PUSH);
		s->res->pushed += n;
		if ((rc = push_send(s, recs, n, pos)))
			break;
		win[(head + inflight) % window] = (push_sent){ pos, n };
		inflight++;
		if (inflight > s->res->window_max)
			s->res->window_max = inflight;
		sent = pos;
	}
	if (rc == 0)
		rc = receipts_flush(s, &d, 1);
	receipts_due_free(s, &d);
	kn_buf_free(&arena);
	return rc;
}

/* Pull the hub's feed for this school after the stored position. */
static int
pull_phase(school_session *s)
{
	int more = s->pulled < s->hub_feed, rc = 0;

	while (more) {
		sync_msg m, r;
		set_phase(s->sy, KD_PHASE_PULL);
		memset(&m, 0, sizeof(m));
		m.type = SYNC_MSG_PULL;
		m.after = s->pulled;
		m.max = (uint64_t)s->sy->batch_records;
		if ((rc = kd_link_send(&s->l, &m)))
			return fail_link(s, rc);
		if ((rc = recv_msg(&r, s, SYNC_MSG_RECORDS, SYNC_MSG_RECORDS))) {
			sync_msg_free(&r);
			return rc;
		}
		if (r.next < s->pulled || (r.next == s->pulled && r.more)) {
			sync_msg_free(&r);
			return fail_proto(s, "posisi umpan hub mundur");
		}
		hub_view(s, &r);
		if (r.nrecords || r.next != s->pulled)
			rc = store_received(s, &r, s->m_pulled, r.next, &s->res->pulled);
		if (rc == 0)
			s->pulled = r.next;
		more = r.more;
		sync_msg_free(&r);
		if (rc)
			return rc;
	}
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* a ∪ b, sorted, without repeats, into *out (malloc'd); *n set. */
static int
ids_union(uint8_t (**out)[32], size_t *n, const uint8_t (*a)[32], size_t na, const uint8_t (*b)[32], size_t nb)
{
	uint8_t(*u)[32] = malloc((na + nb + 1) * 32);
	size_t w = 0;

	if (u == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	if (na)
		memcpy(u, a, na * 32);
	if (nb)
		memcpy(u + na, b, nb * 32);
	if (na + nb > 1)
		qsort(u, na + nb, 32, id_cmp);
	for (size_t i = 0; i < na + nb; i++)
		if (w == 0 || memcmp(u[w - 1], u[i], 32) != 0)
			memcpy(u[w++], u[i], 32);
	*out = u;
	*n = w;
	return 0;
}

/* Fetch the records of ids from the hub (want -> records), in batches. */
static int
fetch_ids(school_session *s, const uint8_t (*ids)[32], size_t n)
{
	int rc = 0;

	/* the hub answers as many ids as fit in one message and says how many (next) */
	for (size_t i = 0; i < n && rc == 0;) {
		sync_msg m, r;
		memset(&m, 0, sizeof(m));
		m.type = SYNC_MSG_WANT;
		m.ids = ids + i;
		m.nids = n - i > SYNC_PROTO_WANT_MAX ? SYNC_PROTO_WANT_MAX : n - i;
		if ((rc = kd_link_send(&s->l, &m)))
			return fail_link(s, rc);
		if ((rc = recv_msg(&r, s, SYNC_MSG_RECORDS, SYNC_MSG_RECORDS)) == 0) {
			if (r.next == 0 || r.next > m.nids) {
				rc = fail_proto(s, "jawaban atas permintaan catatan tidak cocok");
			} else {
				hub_view(s, &r);
				rc = store_received(s, &r, NULL, 0, &s->res->fetched);
				i += r.next;
			}
		}
		sync_msg_free(&r);
	}
	return rc;
}

/* Push the records of ids (outside the feed's order: no checkpoint), in batches. */
static int
push_ids(school_session *s, const uint8_t (*ids)[32], size_t n)
{
	kn_buf arena = KN_BUF_INIT;
	sync_bytes recs[SYNC_PROTO_BATCH_RECORDS];
	size_t offs[SYNC_PROTO_BATCH_RECORDS];
	size_t i = 0;
	int rc = 0;

	while (i < n && rc == 0) {
		store_txn *t;
		size_t k = 0;
		kn_buf_clear(&arena);
		if ((rc = store_read_begin(&t, s->srv->st)))
			return fail_store(s, rc);
		for (; i < n && k < SYNC_PROTO_BATCH_RECORDS; i++) {
			const uint8_t *rec;
			size_t len;
			if (store_txn_get(&rec, &len, t, ids[i]) != 0)
				continue; /* held here, or gone: nothing to send */
			if (k > 0 && arena.len + len > SYNC_PROTO_BATCH_BYTES)
				break;
			offs[k] = arena.len;
			recs[k].len = len;
			if (kn_buf_put(&arena, rec, len))
				break;
			k++;
		}
		store_read_end(t);
		kn_error_clear();
		if (arena.failed) {
			rc = fail_store(s, kn_error_set(KN_ENOMEM, "", "out of memory"));
			break;
		}
		for (size_t j = 0; j < k; j++)
			recs[j].ptr = arena.ptr + offs[j];
		if (k == 0)
			continue;
		s->res->pushed_recon += k;
		rc = push_batch(s, recs, k, 0);
	}
	kn_buf_free(&arena);
	return rc;
}

/*
 * The fingerprints differ after push and pull: reconcile (sync/recon.h)
 * over the two sets of this school, then fetch what this side lacks and
 * push what the hub lacks. Each round is answered from the school's tree
 * of range sums (sync_tree.c) in a read transaction of its own, never held
 * across a network wait: a few index keys per range, never a scan.
 */
static int
recon_round(school_session *s, kn_buf *out, int *done, recon_diff *mine, const sync_msg *r)
{
	kd_tree_src ts;
	recon_src src;
	store_txn *t;
	int rc;

	memset(&ts, 0, sizeof(ts));
	memcpy(ts.npsn, s->npsn, 9);
	if ((rc = store_read_begin(&t, s->srv->st)))
		return rc;
	ts.t = t;
	kd_sync_tree_src(&src, &ts);
	rc = r ? recon_respond_src(out, done, mine, &src, r->m.ptr, r->m.len) : recon_initiate_src(out, &src);
	store_read_end(t);
	s->res->recon_reads += ts.reads;
	return rc;
}

static int
recon_phase(school_session *s)
{
	recon_diff mine = { 0 };
	kn_buf out = KN_BUF_INIT;
	uint8_t(*fetch)[32] = NULL, (*push)[32] = NULL;
	size_t nfetch = 0, npush = 0;
	sync_msg m, r;
	int rc, rounds = 0, done = 0;

	set_phase(s->sy, KD_PHASE_RECON);
	s->res->reconciled = 1;
	memset(&r, 0, sizeof(r));
	if ((rc = recon_round(s, &out, &done, &mine, NULL))) {
		rc = fail_store(s, rc);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_RECON;
	for (;;) {
		if (done) {
			memset(&m, 0, sizeof(m));
			m.type = SYNC_MSG_RECON_END;
		} else {
			m.m = (sync_bytes){ out.ptr, out.len };
		}
		if ((rc = kd_link_send(&s->l, &m))) {
			rc = fail_link(s, rc);
			goto out;
		}
		sync_msg_free(&r);
		if ((rc = recv_msg(&r, s, SYNC_MSG_RECON, SYNC_MSG_RECON_END)))
			goto out;
		if (r.type == SYNC_MSG_RECON_END)
			break;
		if (done || ++rounds > RECON_ROUNDS_MAX) {
			rc = fail_proto(s, "pencocokan tidak selesai");
			goto out;
		}
		kn_buf_clear(&out);
		if ((rc = recon_round(s, &out, &done, &mine, &r))) {
			rc = rc == KN_EPROTO ? fail_proto(s, kn_error_message()) : fail_store(s, rc);
			goto out;
		}
	}
	s->res->recon_rounds = rounds + 1;
	/* what this side lacks: its own need and the hub's have; what the hub lacks: the reverse */
	if ((rc = ids_union(&fetch, &nfetch, (const uint8_t(*)[32])mine.need, mine.nneed, r.ids2, r.nids2)) ||
	    (rc = ids_union(&push, &npush, (const uint8_t(*)[32])mine.have, mine.nhave, r.ids, r.nids))) {
		rc = fail_store(s, rc);
		goto out;
	}
	kn_info("sync: reconciliation with the hub in %d round(s): %zu record(s) to fetch, %zu to send (%llu index keys read)",
	    rounds + 1, nfetch, npush, (unsigned long long)s->res->recon_reads);
	if ((rc = fetch_ids(s, (const uint8_t(*)[32])fetch, nfetch)) == 0)
		rc = push_ids(s, (const uint8_t(*)[32])push, npush);
out:
	sync_msg_free(&r);
	recon_diff_free(&mine);
	kn_buf_free(&out);
	free(fetch);
	free(push);
	return rc;
}


/* ---- the evidence phase ---- */

#define EV_CHUNK (64 * 1024) /* bytes per ev_chunk: what a cut can cost, at most, besides the bytes in flight */
#define EV_ROUNDS 16         /* offers in one session (packs of at most sync.ev_pack_max_mb, then what was uploaded meanwhile) */

/* The spool of packs under the store: <store>/sync-spool; "current" names the pack on its way ("<key> <size>"). */
static void
ev_spool_dir(char *out, size_t n, kd_server *srv)
{
	snprintf(out, n, "%s/sync-spool", srv->cfg.store_dir);
}

static int
ev_current_get(char key[65], uint64_t *size, const char *spool)
{
	char path[600], line[128], pack[700];
	unsigned long long sz = 0;
	struct stat stb;
	FILE *f;
	int ok = 0;

	snprintf(path, sizeof(path), "%s/current", spool);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) && sscanf(line, "%64s %llu", key, &sz) == 2 && strlen(key) == 64) {
		snprintf(pack, sizeof(pack), "%s/%s.pack", spool, key);
		ok = stat(pack, &stb) == 0 && (uint64_t)stb.st_size == sz;
	}
	fclose(f);
	*size = sz;
	return ok;
}

static int
ev_current_set(const char *spool, const char *key, uint64_t size)
{
	char path[600], tmp[620];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/current", spool);
	snprintf(tmp, sizeof(tmp), "%s/current.tmp", spool);
	if ((f = fopen(tmp, "we")) == NULL)
		return kn_error_set(KN_ERROR, "spool", "cannot write %s", tmp);
	ok = fprintf(f, "%s %llu\n", key, (unsigned long long)size) > 0;
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0)
		return kn_error_set(KN_ERROR, "spool", "cannot write %s", path);
	return 0;
}

/* The pack was acknowledged in full (or is to be sent again from zero): forget it. */
static void
ev_current_drop(const char *spool, const char *key)
{
	char path[600];

	evidence_spool_drop(spool, key);
	snprintf(path, sizeof(path), "%s/current", spool);
	unlink(path);
}

static void
ev_progress(struct kd_sync *sy, const char *key, uint64_t size, uint64_t at)
{
	pthread_mutex_lock(&sy->mu);
	snprintf(sy->ev_key, sizeof(sy->ev_key), "%s", key);
	sy->ev_size = size;
	sy->ev_at = at;
	pthread_mutex_unlock(&sy->mu);
}

/*
 * Send pack key of size bytes from where the hub says it holds them: up to
 * sync.ev_window_kb of chunks sent before waiting, each acknowledged in
 * order by an ev_at that says the bytes the hub holds on disk. A cut loses
 * at most the window; the next session asks the hub where to resume.
 */
static int
ev_send_pack(school_session *s, const char *spool, const char *key, uint64_t size)
{
	kn_buf chunk = KN_BUF_INIT;
	uint64_t window = (uint64_t)s->srv->cfg.sync_ev_window_kb * 1024;
	uint64_t *ends = NULL; /* the end of each chunk in flight, oldest first (a ring) */
	size_t cap = (size_t)(window / EV_CHUNK) + 2, head = 0, inflight = 0;
	sync_msg m, r;
	uint64_t at, next;
	int rc;

	memset(&r, 0, sizeof(r));
	if (window < EV_CHUNK)
		window = EV_CHUNK;
	/*
	 * The window is what may be unacknowledged, not what waits unsent in
	 * this machine's socket buffer: the kernel takes more only when less
	 * than a quarter chunk of it waits to go out, so a cut loses what was
	 * on the link, not the whole window, and the bytes counted as sent
	 * are bytes that left.
	 */
	{
		int lowat = EV_CHUNK / 4;
		(void)setsockopt(s->l.fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
	}
	if ((ends = calloc(cap, sizeof(*ends))) == NULL)
		return fail_store(s, kn_error_set(KN_ENOMEM, "", "out of memory"));
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_PACK;
	snprintf(m.key, sizeof(m.key), "%s", key);
	m.size = size;
	if ((rc = kd_link_send(&s->l, &m))) {
		rc = fail_link(s, rc);
		goto out;
	}
	if ((rc = recv_msg(&r, s, SYNC_MSG_EV_AT, SYNC_MSG_EV_AT)))
		goto out;
	at = r.at;
	if (strcmp(r.key, key) != 0 || at > size) {
		rc = fail_proto(s, "hub menjawab untuk paket lain");
		goto out;
	}
	if (at) {
		s->res->ev_resumed_at = at;
		kn_info("sync: evidence pack %.12s resumes at byte %llu of %llu (the hub holds them)", key,
		    (unsigned long long)at, (unsigned long long)size);
	}
	ev_progress(s->sy, key, size, at);
	next = at;
	while (at < size) {
		/* fill the window: whole chunks, at least one */
		while (next < size && inflight < cap && (inflight == 0 || next - at + EV_CHUNK <= window)) {
			size_t n = size - next > EV_CHUNK ? EV_CHUNK : (size_t)(size - next);
			kn_buf_clear(&chunk);
			if ((rc = evidence_spool_read(&chunk, spool, key, next, n)) || chunk.len != n) {
				rc = fail_store(s, rc ? rc : kn_error_set(KN_ERROR, "spool", "the spooled pack is shorter than offered"));
				goto out;
			}
			memset(&m, 0, sizeof(m));
			m.type = SYNC_MSG_EV_CHUNK;
			snprintf(m.key, sizeof(m.key), "%s", key);
			m.at = next;
			m.data = (sync_bytes){ chunk.ptr, chunk.len };
			if ((rc = kd_link_send(&s->l, &m))) {
				rc = fail_link(s, rc);
				goto out;
			}
			next += n;
			ends[(head + inflight) % cap] = next;
			inflight++;
			s->res->ev_chunks++;
			if (inflight > s->res->ev_inflight_max)
				s->res->ev_inflight_max = inflight;
		}
		sync_msg_free(&r);
		if ((rc = recv_msg(&r, s, SYNC_MSG_EV_AT, SYNC_MSG_EV_AT)))
			goto out;
		if (inflight == 0 || strcmp(r.key, key) != 0 || r.at != ends[head]) {
			rc = fail_proto(s, "hub mengakui bagian paket yang tidak dikirim");
			goto out;
		}
		head = (head + 1) % cap;
		inflight--;
		at = r.at;
		ev_progress(s->sy, key, size, at);
	}
	s->res->ev_packs++;
	s->res->ev_pack_bytes += size;
	rc = 0;
out:
	sync_msg_free(&r);
	kn_buf_free(&chunk);
	free(ends);
	return rc;
}

/* The SHA-256 of the sorted commits offered (what a receipt with nothing waiting covered). */
static void
ev_digest(char out[65], const kd_sync_ev_set *set)
{
	crypto_hash_sha256_state h;
	uint8_t sum[32];

	crypto_hash_sha256_init(&h);
	for (size_t i = 0; i < set->ndocs; i++) {
		crypto_hash_sha256_update(&h, (const uint8_t *)set->docs[i].ref, strlen(set->docs[i].ref) + 1);
		crypto_hash_sha256_update(&h, (const uint8_t *)set->docs[i].commit, 41);
	}
	crypto_hash_sha256_final(&h, sum);
	kn_hex(out, sum, 32);
}

static void
pack_ev_receipt(kn_buf *out, const sync_msg *r, uint64_t docs)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5);
	kd_pack_kv_u64(&pk, "at_ms", r->at_ms);
	kd_pack_kv_u64(&pk, "documents", docs);
	kd_pack_kv_u64(&pk, "verified", r->verified);
	kd_pack_kv_u64(&pk, "waiting", r->waiting);
	kd_pack_kv_u64(&pk, "bad", r->bad);
}

/*
 * The commits the next pack goes up to, into sel: for each document the
 * hub lacks, in order, its uploads after the last one the hub holds,
 * oldest first, while their files' sizes (as the records say) add up to
 * at most pack_max; a document that fits whole goes up to its newest
 * commit, one that does not up to its last upload that fits, and there
 * the pack ends. At least one upload goes, however large: a school back
 * after weeks sends packs under the hub's cap, one a round.
 */
static size_t
ev_select(const char **sel, const kd_sync_ev_set *set, const size_t *fidx, const uint8_t *held, uint64_t pack_max)
{
	size_t nsel = 0;
	uint64_t est = 0;
	int full = 0;

	for (size_t d = 0; d < set->ndocs && !full; d++) {
		size_t a = set->docs[d].f0, b = a + set->docs[d].nf, k = b, last = SIZE_MAX;
		if (held[d])
			continue;
		while (k > a && !(fidx[k - 1] != SIZE_MAX && held[fidx[k - 1]]))
			k--;
		for (size_t m = k; m < b; m++) {
			if (est + set->files[m].size > pack_max && (nsel > 0 || last != SIZE_MAX)) {
				full = 1;
				break;
			}
			est += set->files[m].size;
			last = m;
		}
		if (!full)
			sel[nsel++] = set->docs[d].commit;
		else if (last != SIZE_MAX)
			sel[nsel++] = set->files[last].commit;
	}
	return nsel;
}

/*
 * After the records: offer the newest commit of every evidence document;
 * send one pack of what the hub lacks, resumably (the spooled pack is
 * offered again after a cut, from the byte the hub holds); then ev_end,
 * and keep the hub's receipt. Skipped without a round trip when the
 * documents are those of the last receipt with nothing waiting.
 */
static int
ev_phase_run(school_session *s, evidence_repo **repo, const kd_sync_ev_set *set, const char *spool)
{
	uint8_t(*offer)[SYNC_PROTO_COMMIT_BYTES] = NULL;
	char **wants = NULL, **haves = NULL;
	const char **sel = NULL;   /* the commits a pack goes up to: within sync.ev_pack_max_mb */
	size_t *fidx = NULL;       /* the offer's index of each upload's commit (SIZE_MAX: not offered) */
	uint8_t *held = NULL;      /* by offer index: the hub holds it */
	const uint64_t pack_max = (uint64_t)s->srv->cfg.sync_ev_pack_max_mb * 1024 * 1024;
	sync_msg m, r;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	/*
	 * The offer: the newest commit of each document (what the hub must
	 * hold), then every older commit the upload records name (what the
	 * hub may hold already: the pack leaves out what they reach).
	 */
	size_t ntot = set->ndocs + set->nfiles, noffer = 0;
	const char **hexes = calloc(ntot + 1, sizeof(char *));
	offer = malloc((ntot + 1) * SYNC_PROTO_COMMIT_BYTES);
	wants = calloc(ntot + 1, sizeof(char *));
	haves = calloc(ntot + 1, sizeof(char *));
	sel = calloc(ntot + 1, sizeof(char *));
	fidx = malloc((set->nfiles + 1) * sizeof(size_t));
	held = calloc(ntot + 1, 1);
	if (hexes == NULL || sel == NULL || fidx == NULL || held == NULL) {
		rc = fail_store(s, kn_error_set(KN_ENOMEM, "", "out of memory"));
		goto out;
	}
	if (offer == NULL || wants == NULL || haves == NULL) {
		rc = fail_store(s, kn_error_set(KN_ENOMEM, "", "out of memory"));
		goto out;
	}
	for (size_t i = 0; i < set->nfiles; i++)
		fidx[i] = SIZE_MAX;
	for (size_t i = 0; i < ntot && noffer < SYNC_PROTO_COMMITS_MAX; i++) {
		const char *c = i < set->ndocs ? set->docs[i].commit : set->files[i - set->ndocs].commit;
		int dup = 0;
		for (size_t k = 0; i >= set->ndocs && k < noffer && !dup; k++)
			if ((dup = strcmp(hexes[k], c) == 0))
				fidx[i - set->ndocs] = k;
		if (dup)
			continue;
		if (i >= set->ndocs)
			fidx[i - set->ndocs] = noffer;
		if (kn_unhex(offer[noffer], SYNC_PROTO_COMMIT_BYTES, c, 40) != 0) {
			rc = fail_store(s, kn_error_set(KN_EBADREC, "commit", "a record names a commit that is not 40 hex digits"));
			goto out;
		}
		hexes[noffer++] = c;
	}
	for (int round = 0; round < EV_ROUNDS; round++) {
		size_t nw = 0, nh = 0, j = 0;
		char key[65];
		uint64_t size = 0;
		uint32_t nobj = 0;

		memset(&m, 0, sizeof(m));
		m.type = SYNC_MSG_EV_OFFER;
		m.commits = (const uint8_t(*)[SYNC_PROTO_COMMIT_BYTES])offer;
		m.ncommits = noffer;
		if ((rc = kd_link_send(&s->l, &m))) {
			rc = fail_link(s, rc);
			goto out;
		}
		sync_msg_free(&r);
		if ((rc = recv_msg(&r, s, SYNC_MSG_EV_HAVE, SYNC_MSG_EV_HAVE)))
			goto out;
		/* the hub's answer is a subset of the offer, in its order */
		for (size_t i = 0; i < noffer; i++) {
			held[i] = 0;
			if (j < r.ncommits && memcmp(r.commits[j], offer[i], SYNC_PROTO_COMMIT_BYTES) == 0) {
				haves[nh++] = (char *)hexes[i];
				held[i] = 1;
				j++;
			} else if (i < set->ndocs) {
				wants[nw++] = (char *)hexes[i];
			}
		}
		if (j != r.ncommits) {
			rc = fail_proto(s, "hub menyebut commit yang tidak ditawarkan");
			goto out;
		}
		pthread_mutex_lock(&s->sy->mu);
		s->sy->ev_waiting = nw;
		pthread_mutex_unlock(&s->sy->mu);
		if (nw == 0) {
			if (ev_current_get(key, &size, spool))
				ev_current_drop(spool, key);
			break;
		}
		if (*repo == NULL && (rc = evidence_open(repo, s->srv->cfg.evidence_dir))) {
			rc = fail_store(s, rc);
			goto out;
		}
		if (!ev_current_get(key, &size, spool)) {
			size_t nsel = ev_select(sel, set, fidx, held, pack_max);
			if ((rc = evidence_spool_pack(key, &size, &nobj, *repo, spool, sel, nsel,
			         (const char *const *)haves, nh)) ||
			    (rc = ev_current_set(spool, key, size))) {
				rc = fail_store(s, rc);
				goto out;
			}
			kn_info("sync: evidence pack %.12s of %llu bytes, %u object(s), up to %zu commit(s) of the %zu document(s) "
			        "the hub lacks",
			    key, (unsigned long long)size, nobj, nsel, nw);
		}
		rc = ev_send_pack(s, spool, key, size);
		if (rc && strcmp(s->res->err.reason, "SYNC_BUKTI_RUSAK") == 0) {
			kn_warn("sync: the hub found evidence pack %.12s damaged; it is built again", key);
			ev_current_drop(spool, key);
			ev_progress(s->sy, "", 0, 0);
		}
		if (rc)
			goto out;
		ev_current_drop(spool, key);
		ev_progress(s->sy, "", 0, 0);
	}
	sync_msg_free(&r);
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_END;
	if ((rc = kd_link_send(&s->l, &m))) {
		rc = fail_link(s, rc);
		goto out;
	}
	if ((rc = recv_msg(&r, s, SYNC_MSG_EV_RECEIPT, SYNC_MSG_EV_RECEIPT)))
		goto out;
	{
		kn_buf vals[3] = { KN_BUF_INIT, KN_BUF_INIT, KN_BUF_INIT };
		const char *names[3] = { "sync/ev_receipt", "sync/ev_done", "sync/ev_acked" };
		char dig[65];
		int done = r.waiting == 0 && r.bad == 0;
		pack_ev_receipt(&vals[0], &r, set->ndocs);
		ev_digest(dig, set);
		if (done) {
			/* the digest, and when: a day later the documents are offered again (a hub restored from a backup) */
			uint64_t now = kn_now_ms();
			uint8_t t8[8];
			for (int i = 7; i >= 0; i--, now >>= 8)
				t8[i] = (uint8_t)now;
			kn_buf_put(&vals[1], dig, 64);
			kn_buf_put(&vals[1], t8, 8);
			/*
			 * The evidence checkpoint a bundle export starts from (daemon/bundle.c): every
			 * document's commit is at the hub and verified, so a later bundle leaves out all
			 * they reach (the whole of this school's evidence, so what was kept before is
			 * replaced), bounded as a bundle's heads.
			 */
			for (size_t i = 0; i < set->ndocs && vals[2].len / 20 < BUNDLE_HEADS_MAX; i++) {
				uint8_t c[20];
				if (kn_unhex(c, 20, set->docs[i].commit, 40) == 0)
					kn_buf_put(&vals[2], c, 20);
			}
		}
		if (vals[0].failed || vals[1].failed || vals[2].failed)
			rc = fail_store(s, kn_error_set(KN_ENOMEM, "", "out of memory"));
		else
			rc = store_op(s, NULL, 0, NULL, names, vals, done && vals[2].len ? 3 : 2, NULL);
		kn_buf_free(&vals[0]);
		kn_buf_free(&vals[1]);
		kn_buf_free(&vals[2]);
		kn_info("sync: the hub verified %llu evidence file(s); %llu document(s) wait for files, %llu file(s) damaged",
		    (unsigned long long)r.verified, (unsigned long long)r.waiting, (unsigned long long)r.bad);
	}
out:
	sync_msg_free(&r);
	free(hexes);
	free(offer);
	free(wants);
	free(haves);
	free(sel);
	free(fidx);
	free(held);
	return rc;
}

/* A receipt with nothing waiting, older than a day: offer again (the hub may have lost files since). */
#define EV_RECHECK_MS (24 * 60 * 60 * 1000ull)
static int
ev_done_stale(const uint8_t *t8)
{
	uint64_t t = 0;

	for (int i = 0; i < 8; i++)
		t = t << 8 | t8[i];
	return kn_now_ms() - t > EV_RECHECK_MS;
}

static int
evidence_phase(school_session *s)
{
	kd_sync_ev_set set;
	evidence_repo *repo = NULL;
	char spool[400], dig[65];
	kn_buf done = KN_BUF_INIT;
	uint64_t sent0 = s->l.sent;
	int rc;

	if (!(s->hub_caps & SYNC_CAP_EVIDENCE) || !s->srv->cfg.evidence_dir[0])
		return 0;
	if ((rc = kd_sync_ev_collect(&set, s->srv->st, s->npsn)))
		return fail_store(s, rc);
	ev_digest(dig, &set);
	if (store_meta_get(&done, s->srv->st, "sync/ev_done") != 0 || done.len != 72)
		kn_buf_clear(&done);
	if (set.ndocs == 0 || (done.len == 72 && memcmp(done.ptr, dig, 64) == 0 && !ev_done_stale(done.ptr + 64))) {
		kn_error_clear();
		kn_buf_free(&done);
		kd_sync_ev_set_free(&set);
		pthread_mutex_lock(&s->sy->mu);
		s->sy->ev_waiting = 0;
		pthread_mutex_unlock(&s->sy->mu);
		return 0;
	}
	kn_error_clear();
	kn_buf_free(&done);
	set_phase(s->sy, KD_PHASE_EVIDENCE);
	s->res->ev_ran = 1;
	ev_spool_dir(spool, sizeof(spool), s->srv);
	rc = ev_phase_run(s, &repo, &set, spool);
	if (repo)
		evidence_close(repo);
	kd_sync_ev_set_free(&set);
	s->res->ev_bytes_sent = s->l.sent - sent0;
	pthread_mutex_lock(&s->sy->mu);
	s->sy->ev_bytes_total += s->l.sent - sent0;
	pthread_mutex_unlock(&s->sy->mu);
	return rc;
}

/* This store's school, checkpoints, fingerprint and what waits, for hello. */
static int
read_state(school_session *s, kd_sync_state *st, uint64_t *waiting)
{
	store_txn *t;
	int rc;

	s->acked = kd_sync_meta_u64(s->srv, s->m_acked);
	s->pulled = kd_sync_meta_u64(s->srv, s->m_pulled);
	if ((rc = store_read_begin(&t, s->srv->st)))
		return fail_store(s, rc);
	if (s->p->npsn[0])
		memcpy(s->npsn, s->p->npsn, 9);
	else
		rc = kd_sync_store_school(s->npsn, t);
	if (rc == 0)
		rc = kd_sync_state_get(st, t, s->npsn);
	if (rc == 0)
		*waiting = kd_sync_waiting(s->srv->st, t, s->npsn, s->acked, st->feed, s->p->origin);
	store_read_end(t);
	if (rc == KN_ENOTFOUND)
		return fail(s, KN_ESTATE, "SYNC_SEKOLAH_BELUM_ADA", NULL);
	if (rc)
		return fail_store(s, rc);
	return 0;
}

/* Connect, handshake (IK with the peer's key), and run the session for p->npsn (a school: its own). */
int
kd_sync_session(struct kd_sync *sy, const kd_sync_peer *p, kd_sync_result *res)
{
	school_session s;
	kd_sync_state st;
	sync_msg m, w;
	uint64_t waiting = 0;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&w, 0, sizeof(w));
	s.sy = sy;
	s.srv = sy->srv;
	s.p = p;
	snprintf(s.m_acked, sizeof(s.m_acked), "%sacked", p->meta);
	snprintf(s.m_pulled, sizeof(s.m_pulled), "%spulled", p->meta);
	snprintf(s.m_receipt, sizeof(s.m_receipt), "%sreceipt", p->meta);
	snprintf(s.m_receipts, sizeof(s.m_receipts), "%sreceipts", p->meta);
	snprintf(s.m_last_ok, sizeof(s.m_last_ok), "%slast_ok", p->meta);
	s.res = res;
	s.l = (kd_link){ .sy = sy, .fd = -1 };
	if ((rc = read_state(&s, &st, &waiting)))
		return rc;
	set_phase(sy, KD_PHASE_CONNECT);
	if ((rc = kd_sync_connect(&s.l, p->addr, p->x25519))) {
		const char *params[] = { "hub", p->addr, "sebab", kn_error_message(), NULL };
		if (rc == KN_ESTATE && kd_sync_stopping(sy))
			fail(&s, rc, "SYNC_DIBERHENTIKAN", NULL);
		else
			fail(&s, rc, rc == KN_EBADSIG ? "SYNC_KUNCI_HUB_SALAH" : "SYNC_HUB_TIDAK_TERJANGKAU", params);
		goto out;
	}
	res->handshake_bytes = s.l.hs_bytes;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_HELLO;
	memcpy(m.npsn, s.npsn, 9);
	memcpy(m.device, s.srv->device->pk, 32);
	snprintf(m.sw, sizeof(m.sw), "%s", KD_VERSION);
	m.now_ms = kn_now_ms();
	m.caps = SYNC_CAP_RECORDS | (p->evidence && s.srv->cfg.evidence_dir[0] ? SYNC_CAP_EVIDENCE : 0);
	m.pulled = s.pulled;
	m.waiting = waiting;
	memcpy(m.fp, st.fp, SYNC_FP_BYTES);
	m.count = st.count;
	if ((rc = kd_link_send(&s.l, &m))) {
		rc = fail_link(&s, rc);
		goto out;
	}
	if ((rc = recv_msg(&w, &s, SYNC_MSG_WELCOME, SYNC_MSG_WELCOME)))
		goto out;
	hub_view(&s, &w);
	s.hub_caps = w.caps;
	res->clock_offset_ms = (int64_t)w.now_ms - (int64_t)kn_now_ms();
	if (w.feed < s.pulled) {
		/*
		 * The hub's feed for us is shorter than what we pulled: it lost
		 * records (a restored backup) and numbers new ones where we have
		 * been. Follow it from where it is now; the fingerprints differ,
		 * and the reconciliation below finds whatever the feed skips.
		 */
		kn_buf val = KN_BUF_INIT;
		const char *names[1] = { s.m_pulled };
		kn_warn("sync: the hub's feed for this school ends at %llu, before %llu pulled here: the hub lost records; "
		    "reconciling", (unsigned long long)w.feed, (unsigned long long)s.pulled);
		be64_buf(&val, w.feed);
		rc = store_op(&s, NULL, 0, NULL, names, &val, 1, NULL);
		kn_buf_free(&val);
		if (rc)
			goto out;
		s.pulled = w.feed;
	}
	if (memcmp(w.fp, st.fp, SYNC_FP_BYTES) == 0 && waiting == 0 && s.pulled >= w.feed)
		goto evidence; /* no record moved on either side: one round trip, unless evidence waits */
	if ((rc = push_phase(&s)) || (rc = pull_phase(&s)) || (rc = push_phase(&s)))
		goto out;
	{
		store_txn *t;
		if ((rc = store_read_begin(&t, s.srv->st))) {
			rc = fail_store(&s, rc);
			goto out;
		}
		rc = kd_sync_state_get(&st, t, s.npsn);
		store_read_end(t);
		if (rc) {
			rc = fail_store(&s, rc);
			goto out;
		}
	}
	if (memcmp(st.fp, s.hub_fp, SYNC_FP_BYTES) != 0 && (rc = recon_phase(&s)))
		goto out;
evidence:
	if (p->evidence && (rc = evidence_phase(&s)))
		goto out;
	kd_link_close(&s.l);
	res->ok = 1;
	rc = 0;
	{
		store_txn *t;
		if (store_read_begin(&t, s.srv->st) == 0) {
			if (kd_sync_state_get(&st, t, s.npsn) == 0) {
				memcpy(res->fp, st.fp, SYNC_FP_BYTES);
				res->count = st.count;
			}
			store_read_end(t);
		}
		memcpy(res->hub_fp, s.hub_fp, SYNC_FP_BYTES);
		res->hub_count = s.hub_count;
		res->fp_match = memcmp(res->fp, res->hub_fp, SYNC_FP_BYTES) == 0;
	}
	/* when the last success was (kept across restarts; written with the session's own writes, or now and then) */
	if (s.wrote || kn_now_ms() - kd_sync_meta_u64(s.srv, s.m_last_ok) > LAST_OK_PERSIST_MS) {
		kn_buf val = KN_BUF_INIT;
		const char *names[1] = { s.m_last_ok };
		be64_buf(&val, kn_now_ms());
		(void)store_op(&s, NULL, 0, NULL, names, &val, 1, NULL);
		kn_buf_free(&val);
		kn_error_clear();
	}
out:
	res->round_trips = s.l.waits;
	res->bytes_sent = s.l.sent;
	res->bytes_received = s.l.recvd;
	if (!res->handshake_bytes)
		res->handshake_bytes = s.l.hs_bytes;
	kd_link_free(&s.l);
	sync_msg_free(&w);
	kn_buf_free(&s.msg);
	if (!res->ok && res->err.code == 0)
		kd_sync_error_set(&res->err, rc ? rc : KN_ERROR, "SYNC_TERPUTUS", (const char *const[]){ "sebab", kn_error_message(), NULL });
	return res->ok ? 0 : res->err.code;
}

/* A school's session with its hub: its own school, meta "sync/...", records from the hub marked origin 1. */
static int
school_round(struct kd_sync *sy, kd_sync_result *res)
{
	kd_sync_peer p;

	memset(&p, 0, sizeof(p));
	p.addr = sy->hub_addr;
	p.x25519 = sy->hub_x25519;
	snprintf(p.meta, sizeof(p.meta), "sync/");
	p.origin = 1;
	p.evidence = 1;
	return kd_sync_session(sy, &p, res);
}

/* The wait after n failures in a row: sync.retry_min_s (2 s) doubling to 5 min, with jitter (half to all of it). */
static uint64_t
backoff_ms(const struct kd_sync *sy, int n)
{
	uint64_t d = sy->retry_min_s > 0 ? (uint64_t)sy->retry_min_s * 1000 : BACKOFF_BASE_MS;

	for (int i = 1; i < n && d < BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > BACKOFF_CAP_MS)
		d = BACKOFF_CAP_MS;
	return d / 2 + randombytes_uniform((uint32_t)(d / 2) + 1);
}

static void
deadline(struct timespec *ts, uint64_t mono_ms)
{
	ts->tv_sec = (time_t)(mono_ms / 1000);
	ts->tv_nsec = (long)(mono_ms % 1000) * 1000000L;
}

/*
 * Is the hub's port answering? A bare TCP connect, closed at once (the hub
 * sees a connection that ends before the handshake and forgets it), at
 * most 2 s. Called without sy->mu.
 */
static int
hub_answers(struct kd_sync *sy)
{
	kd_link l;
	int ok;

	memset(&l, 0, sizeof(l));
	l.sy = sy;
	l.fd = -1;
	l.timeout_ms = sy->timeout_ms < 2000 ? sy->timeout_ms : 2000;
	ok = kd_sync_tcp_connect(&l, sy->hub_addr) == 0;
	if (l.fd >= 0)
		close(l.fd);
	kn_error_clear();
	return ok;
}

static void *
school_main(void *arg)
{
	struct kd_sync *sy = arg;
	uint64_t next = kn_mono_ms(); /* the first session at once */
	int unreachable = 0;

	pthread_mutex_lock(&sy->mu);
	for (;;) {
		while (!sy->stop && !sy->wake_now && kn_mono_ms() < next) {
			struct timespec ts;
			uint64_t until = next;
			/* while the hub is unreachable, look every probe_s whether it answers again */
			if (unreachable && sy->probe_s > 0 && kn_mono_ms() + (uint64_t)sy->probe_s * 1000 < next)
				until = kn_mono_ms() + (uint64_t)sy->probe_s * 1000;
			deadline(&ts, until);
			pthread_cond_timedwait(&sy->cv, &sy->mu, &ts);
			if (unreachable && until < next && kn_mono_ms() >= until && !sy->stop && !sy->wake_now) {
				pthread_mutex_unlock(&sy->mu);
				int up = hub_answers(sy);
				pthread_mutex_lock(&sy->mu);
				sy->probes++;
				if (up) {
					kn_info("sync: hub %s answers again: syncing now instead of in %llu s", sy->hub_addr,
					    (unsigned long long)((next - kn_mono_ms()) / 1000));
					sy->probe_wakes++;
					next = kn_mono_ms();
				}
			}
		}
		unreachable = 0;
		if (sy->stop)
			break;
		sy->wake_now = 0;
		uint64_t gen = ++sy->started;
		sy->last_attempt_ms = kn_now_ms();
		pthread_mutex_unlock(&sy->mu);

		kd_sync_result res;
		uint64_t t0 = kn_mono_ms();
		memset(&res, 0, sizeof(res));
		res.started_ms = kn_now_ms();
		int rc = sy->round(sy, &res);
		res.ms = kn_mono_ms() - t0;
		if (rc == 0)
			kn_info("sync: with hub %s in %llu ms: %llu record(s) sent (%llu stored, %llu present, %llu held, %llu refused), "
			    "%llu received%s; %llu round trip(s), %llu bytes sent, %llu received after the handshake (%llu)",
			    sy->hub_addr, (unsigned long long)res.ms, (unsigned long long)(res.pushed + res.pushed_recon),
			    (unsigned long long)res.stored, (unsigned long long)res.present, (unsigned long long)res.held,
			    (unsigned long long)res.refused, (unsigned long long)(res.pulled + res.fetched),
			    res.reconciled ? ", after a reconciliation" : "", (unsigned long long)res.round_trips,
			    (unsigned long long)res.bytes_sent, (unsigned long long)res.bytes_received,
			    (unsigned long long)res.handshake_bytes);
		else
			kn_warn("sync: with hub %s: %s [%s]", sy->hub_addr, res.err.text, res.err.reason);

		pthread_mutex_lock(&sy->mu);
		sy->last = res;
		sy->done = gen;
		sy->phase = KD_PHASE_IDLE;
		sy->phase_ms = kn_now_ms();
		if (rc == 0) {
			sy->fails = 0;
			sy->last_ok_ms = kn_now_ms();
			next = kn_mono_ms() + (uint64_t)sy->interval_s * 1000;
		} else {
			sy->fails++;
			next = kn_mono_ms() + backoff_ms(sy, sy->fails);
			unreachable = strcmp(res.err.reason, "SYNC_HUB_TIDAK_TERJANGKAU") == 0;
		}
		sy->next_ms = kn_now_ms() + (next - kn_mono_ms());
		pthread_mutex_unlock(&sy->mu);
		kd_sync_wake_loop(sy);
		pthread_mutex_lock(&sy->mu);
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

int
kd_sync_school_start(struct kd_sync *sy)
{
	kd_server *srv = sy->srv;
	int rc;

	snprintf(sy->hub_addr, sizeof(sy->hub_addr), "%s", srv->cfg.sync_hub);
	if (kn_unhex(sy->hub_key, 32, srv->cfg.sync_hub_key, strlen(srv->cfg.sync_hub_key)) != 0 ||
	    sync_channel_peer_from_ed25519(sy->hub_x25519, sy->hub_key) != 0)
		return kn_error_set(KN_EINVAL, "sync.hub_key",
		    "sync.hub_key must be the hub's device key, 64 hex digits (device_key in the hub's 'kinerja status')");
	sy->school = 1;
	sy->round = school_round;
	if ((rc = kd_sync_client_thread(sy)))
		return rc;
	kn_info("sync: this school syncs with hub %s every %d s", sy->hub_addr, sy->interval_s);
	return 0;
}

int
kd_sync_client_thread(struct kd_sync *sy)
{
	int rc;

	if ((rc = pthread_create(&sy->thread, NULL, school_main, sy)) != 0)
		return kn_error_set(KN_ERROR, "", "cannot start the sync thread: %s", strerror(rc));
	sy->have_thread = 1;
	return 0;
}

void
kd_sync_school_stop(struct kd_sync *sy)
{
	if (!sy->have_thread)
		return;
	pthread_mutex_lock(&sy->mu);
	sy->stop = 1;
	pthread_cond_broadcast(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
	pthread_join(sy->thread, NULL);
	sy->have_thread = 0;
}
