/*
 * sync_hub.c - the hub's side of sync: a TCP listener on the loop and a
 * bounded pool of session threads (sync.max_sessions, others wait in a
 * queue), each running one school's session with blocking socket I/O and
 * a timeout on every wait, so one slow or hostile school never stalls the
 * others or the Unix-socket clients. Sessions read the store with their
 * own read transactions and hand their writes to the loop (kd_sync_apply).
 *
 * A session: the school's hello names its NPSN and its device key, which
 * must be the key the channel authenticated, registered (and not revoked)
 * by this office for exactly that NPSN; otherwise an error with the reason
 * in plain words, and the connection ends. Then: pushes are verified here
 * (signature, and the scope rule: a school speaks for itself only), stored
 * through the domain rules by the loop, and answered with a receipt once
 * durable; pulls are answered from the school's feed, without the records
 * that came from the school itself; recon and want serve the
 * reconciliation.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../domain/plan.h"
#include "../util/mpmap.h"
#include "../util/mpscan.h"
#include "sync_int.h"
#include "sync_verify.h"
#include "work.h"
#include "../store/evidence.h"

#define HUB_SCHOOLS_MAX 4096
#define HUB_QUEUE_PER_SESSION 4
#define HUB_FEED_SCAN_MAX 4096
/*
 * Pushes of one session with the loop at once: while it commits one, the
 * next ones join its next batch (fewer, larger commits: each commit
 * rewrites every B-tree page it touched, and record ids are random), up
 * to this many and this many bytes (the memory bound of a session's queue:
 * 32 sessions, 256 MiB at most; pushes of 256 records of 400 bytes fill
 * 80 places).
 */
#define HUB_PUSH_DEPTH 128
#define HUB_PUSH_BYTES_MAX ((size_t)8 << 20)
/*
 * While pushes are with the loop and nothing has arrived, the session
 * looks for both every this many ms: the oldest push made durable (its
 * receipt goes out) or the school's next push (it is verified at once).
 * Waiting for the receipt alone left this thread idle while pushes queued
 * in the socket, and the loop idle after.
 */
#define HUB_PUSH_POLL_MS 1
/* reconciliation rounds a session may ask (each up to RECON_RANGES_MAX ranges); a school's own limit is 64 */
#define HUB_RECON_ROUNDS_MAX 128

typedef struct {
	struct kd_sync *sy;
	kd_server *srv;
	kd_link l;
	char office[9];
	char npsn[9];             /* the school the hello names */
	char as[9];               /* whose status this session updates: npsn, or the school the key is registered for */
	char child[9];            /* a child hub speaks for npsn: its office code (sync_parent.c); "" for a school */
	int child_office;         /* ... and npsn is an office's code (the child's, or a hub's under it) */
	uint8_t device[32];
	kn_buf msg;
	recon_diff diff;
	uint64_t recon_reads;     /* index keys the reconciliation read in this session */
	int recon_rounds;         /* recon messages answered in this session */
	uint64_t records_in, refused;
	kd_sync_error err;
	/* the evidence phase: this school's own repository, opened on this thread when the school offers */
	evidence_repo *ev;
	char ev_inc[320];         /* packs arriving: <hub-evidence>/<npsn>.incoming */
	char ev_key[65];          /* the pack offered in this session */
	uint64_t ev_size, ev_in;  /* its size; pack bytes received in this session */
	int ev_state;             /* ev_waiting etc. below were computed */
	uint64_t ev_waiting, ev_verified, ev_bad;
	uint64_t pushed;          /* records of the school's feed it pushed in this session (any outcome) */
	int ev_complete;          /* the pack offered in this session is all here and indexed */
	/* pushes with the loop, their receipts not sent yet, oldest first (push_begin) */
	struct hub_push *push[HUB_PUSH_DEPTH];
	int npush;
	size_t push_bytes;        /* the bytes of those pushes */
} hub_session;

typedef struct hub_push hub_push;
static int push_finish(hub_session *h);

/* ---- the schools' status ---- */

kd_hub_school *
kd_sync_hub_school(struct kd_sync *sy, const char *npsn)
{
	for (size_t i = 0; i < sy->nschools; i++)
		if (strcmp(sy->schools[i].npsn, npsn) == 0)
			return &sy->schools[i];
	if (sy->nschools == HUB_SCHOOLS_MAX)
		return NULL;
	if (sy->nschools == sy->capschools) {
		size_t cap = sy->capschools ? 2 * sy->capschools : 16;
		kd_hub_school *n = realloc(sy->schools, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		sy->schools = n;
		sy->capschools = cap;
	}
	kd_hub_school *s = &sy->schools[sy->nschools++];
	memset(s, 0, sizeof(*s));
	snprintf(s->npsn, sizeof(s->npsn), "%s", npsn);
	return s;
}

void
kd_sync_hub_school_pack(kn_buf *out, const kd_hub_school *s)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 16);
	kd_pack_kv_str(&pk, "sw", s->sw);
	kd_pack_kv_u64(&pk, "records_waiting", s->records_waiting);
	kd_pack_kv_u64(&pk, "bytes_waiting", s->bytes_waiting);
	kd_pack_kv_u64(&pk, "ev_waiting", s->ev_waiting);
	kd_pack_kv_u64(&pk, "ev_verified", s->ev_verified);
	kd_pack_kv_u64(&pk, "ev_bad", s->ev_bad);
	kd_pack_kv_u64(&pk, "ev_bytes_in", s->ev_bytes_in);
	kd_pack_kv_u64(&pk, "last_ok_ms", s->last_ok_ms);
	kd_pack_kv_u64(&pk, "last_attempt_ms", s->last_attempt_ms);
	kd_pack_str(&pk, "clock_offset_ms");
	msgpack_pack_int64(&pk, s->clock_offset_ms);
	kd_pack_kv_u64(&pk, "sessions", s->sessions);
	kd_pack_kv_u64(&pk, "records_in", s->records_in);
	kd_pack_kv_u64(&pk, "refused_total", s->refused_total);
	kd_pack_kv_u64(&pk, "last_round_trips", s->last_round_trips);
	kd_pack_kv_u64(&pk, "last_bytes", s->last_bytes);
	kd_pack_str(&pk, "error");
	kd_sync_error_pack(&pk, &s->err);
}

static uint64_t
map_u64(const msgpack_object *m, const char *k)
{
	const msgpack_object *o = kn_map_get(m, k);
	return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : 0;
}

struct load_scan {
	struct kd_sync *sy;
};

static int
load_cb(void *arg, const char *npsn)
{
	struct kd_sync *sy = arg;
	char name[16];
	kn_buf b = KN_BUF_INIT;
	msgpack_unpacked up;
	size_t off = 0;

	snprintf(name, sizeof(name), "hub/%s", npsn);
	if (store_meta_get(&b, sy->srv->st, name) == 0 && kn_mpscan_exact(b.ptr, b.len, 64 * 1024) == 0) {
		msgpack_unpacked_init(&up);
		if (msgpack_unpack_next(&up, (const char *)b.ptr, b.len, &off) == MSGPACK_UNPACK_SUCCESS &&
		    up.data.type == MSGPACK_OBJECT_MAP) {
			const msgpack_object *m = &up.data, *o, *e;
			kd_hub_school *s = kd_sync_hub_school(sy, npsn);
			if (s) {
				kn_map_str(s->sw, sizeof(s->sw), m, "sw");
				s->last_ok_ms = map_u64(m, "last_ok_ms");
				s->last_attempt_ms = map_u64(m, "last_attempt_ms");
				o = kn_map_get(m, "clock_offset_ms");
				if (o && (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER || o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER))
					s->clock_offset_ms = o->via.i64;
				s->sessions = map_u64(m, "sessions");
				s->records_in = map_u64(m, "records_in");
				s->refused_total = map_u64(m, "refused_total");
				s->last_round_trips = map_u64(m, "last_round_trips");
				s->last_bytes = map_u64(m, "last_bytes");
				s->ev_waiting = map_u64(m, "ev_waiting");
				s->ev_verified = map_u64(m, "ev_verified");
				s->ev_bad = map_u64(m, "ev_bad");
				s->ev_bytes_in = map_u64(m, "ev_bytes_in");
				s->records_waiting = map_u64(m, "records_waiting");
				s->bytes_waiting = map_u64(m, "bytes_waiting");
				e = kn_map_get(m, "error");
				if (e && e->type == MSGPACK_OBJECT_MAP) {
					char code[32];
					if (kn_map_str(code, sizeof(code), e, "code") == 0)
						s->err.code = kn_error_code_from_name(code);
					kn_map_str(s->err.reason, sizeof(s->err.reason), e, "reason");
					kn_map_str(s->err.text, sizeof(s->err.text), e, "message");
					s->err.at_ms = map_u64(e, "at_ms");
				}
			}
		}
		msgpack_unpacked_destroy(&up);
	}
	kn_buf_free(&b);
	kn_error_clear();
	return 0;
}

void
kd_sync_hub_load(struct kd_sync *sy)
{
	store_txn *t;

	if (store_read_begin(&t, sy->srv->st) != 0)
		return;
	pthread_mutex_lock(&sy->mu);
	kd_sync_registered_each(t, load_cb, sy);
	pthread_mutex_unlock(&sy->mu);
	store_read_end(t);
	kn_error_clear();
}

void
kd_sync_hub_save(struct kd_sync *sy)
{
	store_txn *t;

	if (store_read_begin(&t, sy->srv->st) != 0)
		return;
	/* only schools registered here: a stranger's claim of an NPSN is kept in memory only */
	for (size_t i = 0; i < sy->nschools; i++)
		sy->schools[i].registered = kd_sync_is_registered(t, sy->schools[i].npsn);
	store_read_end(t);
	for (size_t i = 0; i < sy->nschools; i++) {
		kd_hub_school *s = &sy->schools[i];
		char name[16];
		kn_buf b = KN_BUF_INIT;
		if (!s->dirty || !s->registered)
			continue;
		snprintf(name, sizeof(name), "hub/%s", s->npsn);
		kd_sync_hub_school_pack(&b, s);
		if (!b.failed && store_meta_put(sy->srv->st, name, b.ptr, b.len) != 0)
			kn_warn("sync: the status of school %s could not be saved: %s", s->npsn, kn_error_message());
		kn_buf_free(&b);
	}
}

/* ---- one session ---- */

static int
hub_fail(hub_session *h, int code, const char *reason, const char *const *params)
{
	if (h->err.code == 0)
		kd_sync_error_set(&h->err, code, reason, params);
	return code;
}

/* The school's device key, registered by this office for exactly its NPSN? */
static int
check_school(hub_session *h)
{
	domain_registration reg;
	store_txn *t;
	char other[9], hex[65];
	int rc, rc2;

	kn_hex(hex, h->device, 32);
	const char *params[] = { "npsn", h->npsn, "kunci", hex, "terdaftar", other, NULL };
	other[0] = '\0';
	if ((rc = store_read_begin(&t, h->srv->st)))
		return hub_fail(h, rc, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
	rc = kd_sync_registration_get(&reg, NULL, t, h->office, h->npsn);
	if (rc == 0 && memcmp(reg.device, h->device, 32) == 0) {
		store_read_end(t);
		if (reg.revoked)
			return hub_fail(h, KN_EDENIED, "SYNC_KUNCI_DICABUT", params);
		return 0;
	}
	if (rc && rc != KN_ENOTFOUND) {
		store_read_end(t);
		return hub_fail(h, rc, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
	}
	rc2 = kd_sync_device_school(other, t, h->office, h->device, h->npsn);
	store_read_end(t);
	kn_error_clear();
	if (rc2 == 0) {
		/* the Dinas reads this under the school the key belongs to */
		memcpy(h->as, other, 9);
		return hub_fail(h, KN_EDENIED, "SYNC_NPSN_LAIN", params);
	}
	if (rc == 0)
		return hub_fail(h, KN_EDENIED, "SYNC_KUNCI_LAIN", params);
	return hub_fail(h, KN_EDENIED, "SYNC_SEKOLAH_BELUM_TERDAFTAR", params);
}

/* The office this hub serves (its own record, kind dinas). */
static int
office_of(char out[9], kd_server *srv)
{
	store_txn *t;
	domain_school sc;
	int rc;

	if ((rc = store_read_begin(&t, srv->st)))
		return rc;
	/* the office's record is indexed "s/<code>" = "d"; a school's are "" */
	rc = kd_sync_store_office(out, srv->st, t);
	if (rc == 0)
		rc = kd_school_lookup(&sc, t, out);
	store_read_end(t);
	return rc;
}

static void
fill_view(sync_msg *m, const kd_sync_state *st)
{
	memcpy(m->fp, st->fp, SYNC_FP_BYTES);
	m->count = st->count;
	/* what the school may lack ends at the last record that did not come from it */
	m->feed = st->feed_out;
}

static int
state_now(kd_sync_state *st, hub_session *h)
{
	store_txn *t;
	int rc = store_read_begin(&t, h->srv->st);

	if (rc)
		return rc;
	rc = kd_sync_state_get(st, t, h->npsn);
	store_read_end(t);
	return rc;
}

/* Tests only: a slow hub (sync.test_delay_ms), so a test can cut a session in the middle. */
static void
test_delay(hub_session *h)
{
	for (int left = h->sy->delay_ms; left > 0 && !kd_sync_stopping(h->sy); left -= 50)
		usleep(50 * 1000);
}

/*
 * Pushes are pipelined: a push is verified here (signatures, scope), then
 * handed to the loop, which judges and stores it while this thread reads
 * and verifies the next one; its receipt goes out once it is durable,
 * before the next push is handed over (receipts stay in order) or as soon
 * as nothing more has arrived (a school that waits for each receipt is
 * answered at once). So Ed25519 on this thread and the rules, indexes
 * and fsync on the loop run at the same time.
 */
struct hub_push {
	kn_buf buf;            /* the message's bytes: m's records point here */
	sync_msg m;
	sync_refusal *refused;
	sync_bytes *good;
	uint32_t *index;
	kd_sync_outcome *out;
	size_t ngood, nref;
	kn_buf status;
	char name[16];
	const char *names[1];
	kd_sync_op op;
	int submitted;
};

static void
push_free(hub_push *p)
{
	if (p == NULL)
		return;
	sync_msg_free(&p->m);
	kn_buf_free(&p->buf);
	free(p->refused);
	free(p->good);
	free(p->index);
	free(p->out);
	kn_buf_free(&p->status);
	free(p);
}

/* Verify a push's records (signature, scope) and hand the good ones to the loop; takes m and h->msg. */
static int
push_begin(hub_session *h, sync_msg *m)
{
	hub_push *p = calloc(1, sizeof(*p));
	size_t n = m->nrecords;
	record_view *views;
	int rc, *verdict;

	if (p == NULL)
		return hub_fail(h, KN_ENOMEM, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", "out of memory", NULL });
	/* the message and its bytes are the pending push's now */
	p->m = *m;
	memset(m, 0, sizeof(*m));
	p->buf = h->msg;
	h->msg = (kn_buf)KN_BUF_INIT;
	p->refused = n ? calloc(n, sizeof(*p->refused)) : NULL;
	p->good = n ? calloc(n, sizeof(*p->good)) : NULL;
	p->index = n ? calloc(n, sizeof(*p->index)) : NULL;
	p->out = n ? calloc(n, sizeof(*p->out)) : NULL;
	views = n ? calloc(n, sizeof(*views)) : NULL;
	verdict = n ? calloc(n, sizeof(*verdict)) : NULL;
	if (n && (p->refused == NULL || p->good == NULL || p->index == NULL || p->out == NULL || views == NULL ||
	              verdict == NULL)) {
		free(views);
		free(verdict);
		push_free(p);
		return hub_fail(h, KN_ENOMEM, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", "out of memory", NULL });
	}
	/* the signatures, on this thread and the verify helpers; then each record's scope, here */
	kd_verify_records(h->sy->verify, p->m.records, n, views, verdict);
	for (size_t i = 0; i < n; i++) {
		record_view v = views[i];
		/* a refused one is opened again here, for its reason */
		int got = verdict[i] == 0 ? 0 : record_open(&v, p->m.records[i].ptr, p->m.records[i].len, NULL);
		sync_refusal *f = &p->refused[p->nref];
		if (got == 0) {
			char owner[9];
			memcpy(owner, v.school, 8);
			owner[8] = '\0';
			if (memcmp(v.school, h->npsn, 8) != 0) {
				const char *params[] = { "milik", owner, "npsn", h->npsn, "anak", h->child, NULL };
				domain_msg_render(f->message, sizeof(f->message),
				    h->child[0] ? "SYNC_ANAK_DI_LUAR_CAKUPAN" : "SYNC_DI_LUAR_CAKUPAN", params);
				got = KN_EDENIED;
			} else if (v.type_len == 6 && memcmp(v.type, "school", 6) == 0) {
				/* a school never makes itself an office (the hub's own record is kind dinas); a child hub sends its own */
				domain_school sc;
				int own_office = h->child[0] && h->child_office; /* an office's session: its own record */
				if (domain_school_parse(&sc, v.body) == 0 && sc.office && !own_office) {
					snprintf(f->message, sizeof(f->message), "%s", domain_msg_text("SYNC_BUKAN_KANTOR"));
					got = KN_EDENIED;
				}
			}
			if (got) {
				f->has_id = 1;
				memcpy(f->id, v.id, 32);
			}
			record_view_free(&v);
		} else {
			snprintf(f->message, sizeof(f->message), "%s", kn_error_message());
		}
		if (got) {
			f->index = (uint32_t)i;
			snprintf(f->code, sizeof(f->code), "%s", kn_error_code_name(got));
			kn_info("sync: school %s: record %zu of a push refused: %s", h->npsn, i, f->message);
			p->nref++;
			continue;
		}
		p->index[p->ngood] = (uint32_t)i;
		p->good[p->ngood++] = p->m.records[i];
	}
	free(views);
	free(verdict);
	/* the school's status rides along with its records */
	snprintf(p->name, sizeof(p->name), "hub/%s", h->npsn);
	p->names[0] = p->name;
	pthread_mutex_lock(&h->sy->mu);
	{
		kd_hub_school *s = kd_sync_hub_school(h->sy, h->npsn);
		if (s)
			kd_sync_hub_school_pack(&p->status, s);
	}
	pthread_mutex_unlock(&h->sy->mu);
	p->op.origin = 1;
	p->op.verified = 1; /* record_open checked each good record's signature above, on these very bytes */
	p->op.recs = p->good;
	p->op.nrecs = p->ngood;
	p->op.out = p->out;
	p->op.meta_names = p->names;
	p->op.meta_vals = &p->status;
	p->op.nmeta = p->status.len && !p->status.failed ? 1 : 0;
	/* a full queue answers its oldest first: receipts go out in order */
	while (h->npush && (h->npush == HUB_PUSH_DEPTH || h->push_bytes + p->buf.len > HUB_PUSH_BYTES_MAX)) {
		if ((rc = push_finish(h))) {
			push_free(p);
			return rc;
		}
	}
	if ((rc = kd_sync_submit(h->srv, &p->op))) {
		push_free(p);
		return hub_fail(h, rc, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
	}
	p->submitted = 1;
	h->push[h->npush++] = p;
	h->push_bytes += p->buf.len;
	return 0;
}

/* The oldest pending push, if any: wait until the loop made it durable, then answer its receipt. */
static int
push_finish(hub_session *h)
{
	hub_push *p;
	kd_sync_state st;
	sync_msg r;
	int rc;

	if (h->npush == 0)
		return 0;
	p = h->push[0];
	memmove(h->push, h->push + 1, (size_t)(h->npush - 1) * sizeof(h->push[0]));
	h->npush--;
	h->push_bytes -= p->buf.len;
	if ((rc = kd_sync_wait(h->srv, &p->op))) {
		rc = hub_fail(h, rc, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
		goto out;
	}
	for (size_t i = 0; i < p->ngood; i++) {
		if (p->out[i].result >= 0)
			continue;
		sync_refusal *f = &p->refused[p->nref++];
		f->index = p->index[i];
		f->has_id = p->out[i].has_id;
		memcpy(f->id, p->out[i].id, 32);
		snprintf(f->code, sizeof(f->code), "%s", kn_error_code_name(p->out[i].result));
		snprintf(f->message, sizeof(f->message), "%s", p->out[i].message);
		kn_info("sync: school %s: record %u of a push refused by the rules: %s", h->npsn, p->index[i], f->message);
	}
	h->records_in += p->op.counts[0] + p->op.counts[2];
	h->refused += p->nref;
	if (p->m.upto)
		h->pushed += p->m.nrecords;
	kn_debug("sync: school %s: push of %zu record(s): %zu stored, %zu present, %zu held, %zu refused", h->npsn,
	    p->m.nrecords, p->op.counts[0], p->op.counts[1], p->op.counts[2], p->nref);
	if ((rc = state_now(&st, h))) {
		rc = hub_fail(h, rc, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.type = SYNC_MSG_RECEIPT;
	r.upto = p->m.upto;
	r.stored = p->op.counts[0];
	r.present = p->op.counts[1];
	r.held = p->op.counts[2];
	r.refused = p->refused;
	r.nrefused = p->nref;
	r.at_ms = kn_now_ms();
	fill_view(&r, &st);
	test_delay(h);
	rc = kd_link_send(&h->l, &r);
out:
	push_free(p);
	return rc;
}

/* The session ends with pushes at the loop: each is kept or not, as the loop decides; wait before freeing. */
static void
push_drop(hub_session *h)
{
	for (int i = 0; i < h->npush; i++) {
		if (kd_sync_wait(h->srv, &h->push[i]->op) == 0) {
			h->records_in += h->push[i]->op.counts[0] + h->push[i]->op.counts[2];
			if (h->push[i]->m.upto)
				h->pushed += h->push[i]->m.nrecords;
		}
		kn_error_clear();
		push_free(h->push[i]);
	}
	h->npush = 0;
	h->push_bytes = 0;
}

/* Every pending push answered, in order. */
static int
push_finish_all(hub_session *h)
{
	int rc = 0;

	while (rc == 0 && h->npush)
		rc = push_finish(h);
	return rc;
}

/*
 * Before waiting for the school's next message: answer every pending push
 * already durable; then, while nothing more has arrived, wait for the
 * oldest and answer it, one at a time, so each receipt frees a place in
 * the school's window as soon as its commit is done and the next push
 * travels while the loop commits the ones after.
 */
static int
push_maybe_finish(hub_session *h)
{
	int rc = 0;

	while (rc == 0 && h->npush) {
		if (kd_sync_done(h->srv, &h->push[0]->op)) {
			rc = push_finish(h);
			continue;
		}
		/* the next push is here: verify it while the loop stores the others */
		if (kd_link_input_waiting(&h->l))
			break;
		kd_link_input_wait(&h->l, HUB_PUSH_POLL_MS);
	}
	return rc;
}

/* Records of this school by feed position (pull) or by id (want), at most a batch, into arena/recs. */
typedef struct {
	kn_buf arena;
	sync_bytes recs[SYNC_PROTO_BATCH_RECORDS];
	size_t offs[SYNC_PROTO_BATCH_RECORDS];
	size_t n;
} batch;

static int
batch_add(batch *b, const uint8_t *rec, size_t len)
{
	if (b->n == SYNC_PROTO_BATCH_RECORDS || (b->n > 0 && b->arena.len + len > SYNC_PROTO_BATCH_BYTES))
		return 1;
	b->offs[b->n] = b->arena.len;
	b->recs[b->n].len = len;
	if (kn_buf_put(&b->arena, rec, len))
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	b->n++;
	return 0;
}

static void
batch_fix(batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		b->recs[i].ptr = b->arena.ptr + b->offs[i];
}

/* A pull: the school's feed after `after`, without what came from the school itself. */
static int
on_pull(hub_session *h, const sync_msg *m)
{
	batch b = { KN_BUF_INIT };
	kd_sync_state st;
	store_txn *t;
	sync_msg r;
	uint64_t pos = m->after, scanned = 0, max = m->max;
	int rc;

	if (max == 0 || max > SYNC_PROTO_BATCH_RECORDS)
		max = SYNC_PROTO_BATCH_RECORDS;
	if ((rc = store_read_begin(&t, h->srv->st)))
		return rc;
	rc = kd_sync_state_get(&st, t, h->npsn);
	if (rc == 0 && pos > st.feed)
		pos = st.feed; /* a school that remembers more than the hub holds (a restored hub): start over from the end */
	/* up to the last record that did not come from the school: after it there is nothing it lacks */
	while (rc == 0 && pos < st.feed_out && b.n < max && scanned < HUB_FEED_SCAN_MAX) {
		kd_feed_entry e;
		const uint8_t *rec;
		size_t len;
		if ((rc = kd_sync_feed_get(&e, t, h->npsn, pos + 1)))
			break;
		scanned++;
		if (e.origin != 1) { /* made here, or from this hub's parent */
			if ((rc = store_txn_get(&rec, &len, t, e.id)))
				break;
			if ((rc = batch_add(&b, rec, len)) == 1) {
				rc = 0;
				break;
			}
			if (rc)
				break;
		}
		pos++;
	}
	store_read_end(t);
	if (rc == 0) {
		batch_fix(&b);
		memset(&r, 0, sizeof(r));
		r.type = SYNC_MSG_RECORDS;
		r.records = b.recs;
		r.nrecords = b.n;
		r.next = pos;
		r.more = pos < st.feed_out;
		fill_view(&r, &st);
		test_delay(h);
		rc = kd_link_send(&h->l, &r);
	}
	kn_buf_free(&b.arena);
	return rc;
}

/* A want: the records of these ids that this school may have (its own); next says how many ids were handled. */
static int
on_want(hub_session *h, const sync_msg *m)
{
	batch b = { KN_BUF_INIT };
	kd_sync_state st;
	store_txn *t;
	sync_msg r;
	size_t i;
	int rc;

	if ((rc = store_read_begin(&t, h->srv->st)))
		return rc;
	rc = kd_sync_state_get(&st, t, h->npsn);
	for (i = 0; rc == 0 && i < m->nids; i++) {
		const uint8_t *rec;
		size_t len;
		record_view v;
		if (store_txn_get(&rec, &len, t, m->ids[i]) != 0)
			continue;
		if (record_open(&v, rec, len, m->ids[i]) != 0)
			continue;
		int mine = memcmp(v.school, h->npsn, 8) == 0;
		record_view_free(&v);
		if (!mine) {
			kn_info("sync: school %s asked for a record of another school; not sent", h->npsn);
			continue;
		}
		if ((rc = batch_add(&b, rec, len)) == 1) {
			rc = 0;
			break;
		}
	}
	store_read_end(t);
	kn_error_clear();
	if (rc == 0) {
		batch_fix(&b);
		memset(&r, 0, sizeof(r));
		r.type = SYNC_MSG_RECORDS;
		r.records = b.recs;
		r.nrecords = b.n;
		r.next = i;
		r.more = i < m->nids;
		fill_view(&r, &st);
		rc = kd_link_send(&h->l, &r);
	}
	kn_buf_free(&b.arena);
	return rc;
}

/* Send the hub's side of the reconciliation's result and forget it. */
static int
send_recon_end(hub_session *h)
{
	sync_msg r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.type = SYNC_MSG_RECON_END;
	r.ids = (const uint8_t(*)[SYNC_ID_BYTES])h->diff.need;
	r.nids = h->diff.nneed > SYNC_PROTO_IDS_MAX ? SYNC_PROTO_IDS_MAX : h->diff.nneed;
	r.ids2 = (const uint8_t(*)[SYNC_ID_BYTES])h->diff.have;
	r.nids2 = h->diff.nhave > SYNC_PROTO_IDS_MAX ? SYNC_PROTO_IDS_MAX : h->diff.nhave;
	rc = kd_link_send(&h->l, &r);
	kn_info("sync: school %s: reconciled; the hub lacks %zu record(s), the school %zu (%llu index keys read)", h->npsn,
	    h->diff.nneed, h->diff.nhave, (unsigned long long)h->recon_reads);
	recon_diff_free(&h->diff);
	h->recon_reads = 0;
	return rc;
}

/*
 * A round of the reconciliation, answered from this school's tree of range
 * sums (sync_tree.c) in a read transaction of its own: a few keys per
 * range, never the school's whole set.
 */
static int
on_recon(hub_session *h, const sync_msg *m)
{
	kn_buf out = KN_BUF_INIT;
	kd_tree_src ts;
	recon_src src;
	store_txn *t;
	sync_msg r;
	int done = 0, rc;

	if (++h->recon_rounds > HUB_RECON_ROUNDS_MAX)
		return hub_fail(h, KN_EPROTO, "SYNC_PROTOKOL",
		    (const char *const[]){ "sebab", "pencocokan tidak selesai", NULL });
	memset(&ts, 0, sizeof(ts));
	memcpy(ts.npsn, h->npsn, 9);
	if ((rc = store_read_begin(&t, h->srv->st)))
		return rc;
	ts.t = t;
	kd_sync_tree_src(&src, &ts);
	rc = recon_respond_src(&out, &done, &h->diff, &src, m->m.ptr, m->m.len);
	store_read_end(t);
	h->recon_reads += ts.reads;
	if (rc == 0) {
		if (done) {
			rc = send_recon_end(h);
		} else {
			memset(&r, 0, sizeof(r));
			r.type = SYNC_MSG_RECON;
			r.m = (sync_bytes){ out.ptr, out.len };
			rc = kd_link_send(&h->l, &r);
		}
	}
	kn_buf_free(&out);
	return rc;
}

/* The hello: who the school is, checked against the channel's key and this office's registrations. */
static int
on_hello(hub_session *h, const sync_msg *m)
{
	uint8_t want[SYNC_CHANNEL_KEY_BYTES], got[SYNC_CHANNEL_KEY_BYTES];
	kd_sync_state st;
	sync_msg w;
	int rc;

	memcpy(h->npsn, m->npsn, 9);
	memcpy(h->as, m->npsn, 9);
	memcpy(h->device, m->device, 32);
	if (sync_channel_peer_from_ed25519(want, m->device) != 0 || sync_channel_peer_key(got, h->l.ch) != 0 ||
	    sodium_memcmp(want, got, sizeof(want)) != 0)
		return hub_fail(h, KN_EPROTO, "SYNC_PROTOKOL",
		    (const char *const[]){ "sebab", "kunci perangkat dalam hello bukan kunci sambungan", NULL });
	if (office_of(h->office, h->srv) != 0)
		return hub_fail(h, KN_ESTATE, "SYNC_HUB_BELUM_SIAP", NULL);
	/* a child hub's key speaks for its office and its schools (sync_parent.c); any other key is a school's */
	if ((rc = kd_sync_child_check(&h->err, h->child, &h->child_office, h->srv->st, h->office, h->device, h->npsn)) < 0)
		return rc;
	if (rc == 1 && (rc = check_school(h)))
		return rc;
	/* the school is who it says: its version and clock, as its hello gives them */
	pthread_mutex_lock(&h->sy->mu);
	{
		kd_hub_school *s = kd_sync_hub_school(h->sy, h->npsn);
		if (s) {
			snprintf(s->sw, sizeof(s->sw), "%s", m->sw);
			s->clock_offset_ms = (int64_t)m->now_ms - (int64_t)kn_now_ms();
			s->records_waiting = m->waiting;
		}
	}
	pthread_mutex_unlock(&h->sy->mu);
	if ((rc = state_now(&st, h)))
		return hub_fail(h, rc, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
	memset(&w, 0, sizeof(w));
	w.type = SYNC_MSG_WELCOME;
	w.now_ms = kn_now_ms();
	w.caps = SYNC_CAP_RECORDS | (h->srv->cfg.evidence_dir[0] ? SYNC_CAP_EVIDENCE : 0);
	fill_view(&w, &st);
	return kd_link_send(&h->l, &w);
}


/* ---- the evidence phase ---- */

/* Open this school's own repository (the NPSN of its checked hello: never another school's). */
static int
ev_open(hub_session *h)
{
	char repo[320];
	int rc;

	if (h->ev)
		return 0;
	if ((rc = kd_sync_hub_ev_paths(repo, sizeof(repo), h->ev_inc, sizeof(h->ev_inc), h->srv, h->npsn)) ||
	    (rc = evidence_open(&h->ev, repo)))
		return hub_fail(h, rc, "SYNC_BUKTI_GAGAL", (const char *const[]){ "sebab", kn_error_message(), NULL });
	return 0;
}

/*
 * What the hub's records say of this school's evidence, against its
 * repository: documents whose newest commit is missing (waiting), and
 * with verify, each upload's file hashed (SHA-256) against its signed
 * record, and the school's refs set to the commits the records name.
 */
/*
 * Files already checked against their records' SHA-256 at this hub, kept
 * per school beside its repository (<hub-evidence>/<npsn>.verified, a line
 * "<blob> <sha256>" each): git objects never change, so a file checked
 * once is not read again at every evidence session's end. Losing the list
 * only costs hashing again; a line cut by a crash is not a pair and is
 * passed over.
 */
typedef struct {
	char (*v)[41 + 65];
	size_t n;
} ev_known;

static int
known_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 41 + 65);
}

static void
known_path(char *out, size_t n, const hub_session *h)
{
	size_t l = strlen(h->ev_inc);

	/* "<hub-evidence>/<npsn>.incoming" -> "<hub-evidence>/<npsn>.verified" */
	snprintf(out, n, "%.*s.verified", (int)(l > 9 ? l - 9 : l), h->ev_inc);
}

static void
known_load(ev_known *k, const hub_session *h)
{
	char path[400], line[256];
	size_t cap = 0;
	FILE *f;

	memset(k, 0, sizeof(*k));
	known_path(path, sizeof(path), h);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strlen(line) != 40 + 1 + 64 + 1 || line[40] != ' ' || line[105] != '\n')
			continue;
		if (k->n == cap) {
			size_t c = cap ? 2 * cap : 256;
			void *v = realloc(k->v, c * sizeof(*k->v));
			if (v == NULL)
				break;
			k->v = v;
			cap = c;
		}
		memset(k->v[k->n], 0, sizeof(k->v[0]));
		memcpy(k->v[k->n], line, 40);
		memcpy(k->v[k->n] + 41, line + 41, 64);
		k->n++;
	}
	fclose(f);
	if (k->n > 1)
		qsort(k->v, k->n, sizeof(*k->v), known_cmp);
}

static int
known_has(const ev_known *k, const char *blob, const char *sha256)
{
	char key[41 + 65];

	memset(key, 0, sizeof(key));
	memcpy(key, blob, strnlen(blob, 40));
	memcpy(key + 41, sha256, strnlen(sha256, 64));
	return k->n && bsearch(key, k->v, k->n, sizeof(*k->v), known_cmp) != NULL;
}

static void
known_add(FILE **f, const hub_session *h, const char *blob, const char *sha256)
{
	if (*f == NULL) {
		char path[400];
		known_path(path, sizeof(path), h);
		if ((*f = fopen(path, "a")) == NULL)
			return;
	}
	fprintf(*f, "%.40s %.64s\n", blob, sha256);
}

static int
ev_account(hub_session *h, int verify)
{
	kd_sync_ev_set set;
	uint64_t waiting = 0, verified = 0, bad = 0;
	int rc;

	if ((rc = kd_sync_ev_collect(&set, h->srv->st, h->npsn)))
		return hub_fail(h, rc, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
	for (size_t i = 0; i < set.ndocs; i++) {
		const kd_sync_ev_doc *d = &set.docs[i];
		char cur[EVIDENCE_OID_HEX];
		if (evidence_check_commit(h->ev, d->commit, 0) != 0) {
			waiting++;
			continue;
		}
		if (verify && (evidence_ref_get(cur, h->ev, d->ref) != 0 || strcmp(cur, d->commit) != 0) &&
		    evidence_ref_set(h->ev, d->ref, d->commit) != 0)
			kn_warn("sync: school %s: cannot set %s: %s", h->npsn, d->ref, kn_error_message());
	}
	ev_known known = { NULL, 0 };
	FILE *add = NULL;
	uint64_t hashed = 0;
	if (verify)
		known_load(&known, h);
	for (size_t i = 0; verify && i < set.nfiles; i++) {
		const kd_sync_ev_file *f = &set.files[i];
		char sum[65];
		uint64_t size;
		if (f->sha256[0] == '\0') {
			/* an older record without the file's SHA-256: the git objects' own hashes, checked by the indexer */
			if (evidence_check_commit(h->ev, f->commit, 0) == 0)
				verified++;
			continue;
		}
		/* known, and still here (a repository restored from an older copy may lack it) */
		if (known_has(&known, f->blob, f->sha256) && evidence_check_commit(h->ev, f->commit, 0) == 0) {
			verified++;
			continue;
		}
		rc = evidence_sha256_blob(sum, &size, h->ev, f->blob);
		if (rc == 0)
			hashed++;
		if (rc == 0 && strcmp(sum, f->sha256) == 0) {
			verified++;
			known_add(&add, h, f->blob, f->sha256);
		} else if (rc == 0 || rc != KN_ENOTFOUND) {
			bad++;
			kn_warn("sync: school %s: the file %s does not match its record's SHA-256", h->npsn, f->blob);
		}
	}
	if (add)
		fclose(add);
	if (verify)
		kn_info("sync: school %s: %llu evidence file(s) hashed, %zu known verified before", h->npsn,
		    (unsigned long long)hashed, known.n);
	free(known.v);
	kn_error_clear();
	kd_sync_ev_set_free(&set);
	h->ev_waiting = waiting;
	if (verify) {
		h->ev_verified = verified;
		h->ev_bad = bad;
	}
	h->ev_state = verify ? 2 : (h->ev_state > 1 ? 2 : 1);
	return 0;
}

/*
 * Every school's partial packs untouched for sync.ev_incoming_max_age_s are
 * removed at start and then by the first offer after each interval (an
 * hour, or half the age when shorter): a school that never comes back
 * does not keep its bytes at the hub.
 */
static void
ev_sweep_due(hub_session *h)
{
	uint64_t every = (uint64_t)h->srv->cfg.sync_ev_incoming_max_age_s * 500, now = kn_mono_ms();
	int due;

	if (every > 3600 * 1000ull)
		every = 3600 * 1000ull;
	pthread_mutex_lock(&h->sy->mu);
	due = now - h->sy->ev_swept_ms >= every;
	if (due)
		h->sy->ev_swept_ms = now;
	pthread_mutex_unlock(&h->sy->mu);
	if (due)
		kd_sync_hub_ev_sweep(h->srv);
}

/* ev_offer: which of the school's commits its repository here holds. */
static int
on_ev_offer(hub_session *h, const sync_msg *m)
{
	uint8_t(*have)[SYNC_PROTO_COMMIT_BYTES] = NULL;
	size_t n = 0;
	sync_msg r;
	int rc;

	if ((rc = ev_open(h)))
		return rc;
	ev_sweep_due(h);
	if (m->ncommits && (have = malloc(m->ncommits * SYNC_PROTO_COMMIT_BYTES)) == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	for (size_t i = 0; i < m->ncommits; i++) {
		char hex[41];
		kn_hex(hex, m->commits[i], SYNC_PROTO_COMMIT_BYTES);
		if (evidence_check_commit(h->ev, hex, 0) == 0)
			memcpy(have[n++], m->commits[i], SYNC_PROTO_COMMIT_BYTES);
	}
	kn_error_clear();
	if (!h->ev_state && (rc = ev_account(h, 0))) {
		free(have);
		return rc;
	}
	memset(&r, 0, sizeof(r));
	r.type = SYNC_MSG_EV_HAVE;
	r.commits = (const uint8_t(*)[SYNC_PROTO_COMMIT_BYTES])have;
	r.ncommits = n;
	rc = kd_link_send(&h->l, &r);
	free(have);
	return rc;
}

static int
send_ev_at(hub_session *h, uint64_t at)
{
	sync_msg r;

	memset(&r, 0, sizeof(r));
	r.type = SYNC_MSG_EV_AT;
	memcpy(r.key, h->ev_key, sizeof(r.key));
	r.at = at;
	return kd_link_send(&h->l, &r);
}

/* All of the pack is here: index and verify it (KN_EBADREC: dropped, the school sends it again from zero). */
static int
ev_finish(hub_session *h)
{
	uint32_t nobjects = 0;
	int rc = evidence_incoming_finish(&nobjects, h->ev, h->ev_inc, h->ev_key, h->ev_size);

	if (rc == KN_EBADREC)
		return hub_fail(h, rc, "SYNC_BUKTI_RUSAK", (const char *const[]){ "sebab", kn_error_message(), NULL });
	if (rc)
		return hub_fail(h, rc, "SYNC_BUKTI_GAGAL", (const char *const[]){ "sebab", kn_error_message(), NULL });
	kn_info("sync: school %s: evidence pack %.12s of %llu bytes indexed, %u object(s)", h->npsn, h->ev_key,
	    (unsigned long long)h->ev_size, nobjects);
	h->ev_state = 0; /* count again */
	h->ev_complete = 1;
	return 0;
}

/* ev_pack: how many bytes of it are here already (the school resumes there). */
static int
on_ev_pack(hub_session *h, const sync_msg *m)
{
	uint64_t have = 0;
	int rc;

	if (h->ev == NULL)
		return hub_fail(h, KN_EPROTO, "SYNC_PROTOKOL", (const char *const[]){ "sebab", "ev_pack sebelum ev_offer", NULL });
	memcpy(h->ev_key, m->key, sizeof(h->ev_key));
	h->ev_size = m->size;
	h->ev_complete = 0;
	/* one pack at a time: bytes of another pack this school offered before will not be resumed */
	{
		uint64_t f = 0, b = 0;
		if (evidence_incoming_prune(h->ev_inc, h->ev_key, (uint64_t)h->srv->cfg.sync_ev_incoming_max_age_s, &f, &b) == 0 && f)
			kn_info("sync: school %s: removed %llu partial evidence pack(s) it will not resume, %llu bytes", h->npsn,
			    (unsigned long long)f, (unsigned long long)b);
		kn_error_clear();
	}
	if (h->ev_size > (uint64_t)h->srv->cfg.sync_ev_incoming_max_mb * 1024 * 1024) {
		char mb[24], cap[24];
		snprintf(mb, sizeof(mb), "%.1f", (double)h->ev_size / (1024.0 * 1024.0));
		snprintf(cap, sizeof(cap), "%d", h->srv->cfg.sync_ev_incoming_max_mb);
		kn_warn("sync: school %s: evidence pack %.12s of %llu bytes is over sync.ev_incoming_max_mb (%d): refused", h->npsn,
		    h->ev_key, (unsigned long long)h->ev_size, h->srv->cfg.sync_ev_incoming_max_mb);
		return hub_fail(h, KN_ETOOBIG, "SYNC_BUKTI_KUOTA", (const char *const[]){ "ukuran", mb, "batas", cap, NULL });
	}
	if ((rc = evidence_incoming_have(&have, h->ev_inc, h->ev_key)))
		return hub_fail(h, rc, "SYNC_BUKTI_GAGAL", (const char *const[]){ "sebab", kn_error_message(), NULL });
	if (have > h->ev_size)
		return hub_fail(h, KN_EBADREC, "SYNC_BUKTI_RUSAK",
		    (const char *const[]){ "sebab", "bagian yang sudah diterima lebih panjang dari paket", NULL });
	if (have == h->ev_size && (rc = ev_finish(h)))
		return rc;
	if (have)
		kn_info("sync: school %s: evidence pack %.12s resumes at byte %llu of %llu", h->npsn, h->ev_key,
		    (unsigned long long)have, (unsigned long long)h->ev_size);
	return send_ev_at(h, have);
}

/* ev_chunk: on disk before it is acknowledged; the last one indexes the pack. */
static int
on_ev_chunk(hub_session *h, const sync_msg *m)
{
	int rc;

	if (h->ev == NULL || strcmp(m->key, h->ev_key) != 0 || m->at + m->data.len > h->ev_size)
		return hub_fail(h, KN_EPROTO, "SYNC_PROTOKOL",
		    (const char *const[]){ "sebab", "potongan berkas bukan bagian dari paket yang ditawarkan", NULL });
	if ((rc = evidence_incoming_append(h->ev_inc, h->ev_key, m->at, m->data.ptr, m->data.len))) {
		if (rc == KN_ESTATE)
			return hub_fail(h, KN_EPROTO, "SYNC_PROTOKOL", (const char *const[]){ "sebab", kn_error_message(), NULL });
		return hub_fail(h, rc, "SYNC_BUKTI_GAGAL", (const char *const[]){ "sebab", kn_error_message(), NULL });
	}
	h->ev_in += m->data.len;
	if (m->at + m->data.len == h->ev_size && (rc = ev_finish(h)))
		return rc;
	return send_ev_at(h, m->at + m->data.len);
}

/* ev_end: set the refs, hash every file against its record, and say what is verified. */
static int
on_ev_end(hub_session *h)
{
	sync_msg r;
	int rc;

	if ((rc = ev_open(h)) || (rc = ev_account(h, 1)))
		return rc;
	memset(&r, 0, sizeof(r));
	r.type = SYNC_MSG_EV_RECEIPT;
	r.verified = h->ev_verified;
	r.waiting = h->ev_waiting;
	r.bad = h->ev_bad;
	r.at_ms = kn_now_ms();
	return kd_link_send(&h->l, &r);
}

static void
hub_session_run(struct kd_sync *sy, int fd)
{
	hub_session h;
	sync_msg m;
	int rc, first = 1, clean = 0;

	memset(&h, 0, sizeof(h));
	h.sy = sy;
	h.srv = sy->srv;
	h.l = (kd_link){ .sy = sy, .fd = fd };
	if ((rc = kd_link_channel(&h.l, NULL)))
		goto out;
	for (;;) {
		if ((rc = push_maybe_finish(&h)))
			break;
		rc = kd_link_recv(&h.msg, &h.l);
		if (rc == 0) {
			clean = !first;
			break;
		}
		if (rc < 0)
			break;
		if ((rc = sync_msg_decode(&m, h.msg.ptr, h.msg.len))) {
			hub_fail(&h, rc, "SYNC_PROTOKOL", (const char *const[]){ "sebab", kn_error_message(), NULL });
			sync_msg_free(&m);
			break;
		}
		if (first != (m.type == SYNC_MSG_HELLO)) {
			hub_fail(&h, KN_EPROTO, "SYNC_PROTOKOL", (const char *const[]){ "sebab", "hello harus pesan pertama, sekali", NULL });
			sync_msg_free(&m);
			rc = KN_EPROTO;
			break;
		}
		/* anything but a push answers after the pending push's receipt */
		if (m.type != SYNC_MSG_PUSH && (rc = push_finish_all(&h))) {
			sync_msg_free(&m);
			break;
		}
		switch (m.type) {
		case SYNC_MSG_HELLO: rc = on_hello(&h, &m); break;
		case SYNC_MSG_PUSH: rc = push_begin(&h, &m); break;
		case SYNC_MSG_PULL: rc = on_pull(&h, &m); break;
		case SYNC_MSG_WANT: rc = on_want(&h, &m); break;
		case SYNC_MSG_RECON: rc = on_recon(&h, &m); break;
		case SYNC_MSG_RECON_END: rc = send_recon_end(&h); break;
		case SYNC_MSG_EV_OFFER: rc = on_ev_offer(&h, &m); break;
		case SYNC_MSG_EV_PACK: rc = on_ev_pack(&h, &m); break;
		case SYNC_MSG_EV_CHUNK: rc = on_ev_chunk(&h, &m); break;
		case SYNC_MSG_EV_END: rc = on_ev_end(&h); break;
		case SYNC_MSG_ERROR:
			kn_info("sync: school %s ended the session: %s", h.npsn[0] ? h.npsn : "?", m.text);
			rc = KN_ESTATE;
			break;
		default:
			rc = hub_fail(&h, KN_EPROTO, "SYNC_PROTOKOL",
			    (const char *const[]){ "sebab", "pesan ini tidak dikirim sekolah", NULL });
			break;
		}
		first = 0;
		sync_msg_free(&m);
		if (rc)
			break;
	}
	push_drop(&h);
	if (rc && h.err.code)
		kd_link_send_error(&h.l, &h.err);
	if (rc && h.err.code == 0 && h.npsn[0]) {
		const char *params[] = { "sebab", kn_error_message(), NULL };
		kd_sync_error_set(&h.err, rc, rc == KN_EPROTO || rc == KN_ETOOBIG ? "SYNC_PROTOKOL" : "SYNC_TERPUTUS", params);
	}
out:
	if (h.npsn[0]) {
		/* the bytes of a pack still to come; a clean session that offered none leaves nothing waiting */
		uint64_t ev_left = 0;
		int ev_told = h.ev_key[0] || (clean && h.err.code == 0);
		if (h.ev_key[0] && !h.ev_complete) {
			uint64_t have = 0;
			if (evidence_incoming_have(&have, h.ev_inc, h.ev_key) == 0 && have < h.ev_size)
				ev_left = h.ev_size - have;
			kn_error_clear();
		}
		pthread_mutex_lock(&sy->mu);
		kd_hub_school *s = kd_sync_hub_school(sy, h.as);
		if (s) {
			s->records_waiting = s->records_waiting > h.pushed ? s->records_waiting - h.pushed : 0;
			if (ev_told)
				s->bytes_waiting = ev_left;
			s->last_attempt_ms = kn_now_ms();
			s->sessions++;
			s->records_in += h.records_in;
			s->refused_total += h.refused;
			s->last_round_trips = h.l.waits;
			s->last_bytes = h.l.sent + h.l.recvd;
			s->ev_bytes_in += h.ev_in;
			if (h.ev_state) {
				s->ev_waiting = h.ev_waiting;
				if (h.ev_state > 1) {
					s->ev_verified = h.ev_verified;
					s->ev_bad = h.ev_bad;
				}
			}
			s->dirty = 1;
			if (clean && h.err.code == 0) {
				s->last_ok_ms = kn_now_ms();
				memset(&s->err, 0, sizeof(s->err));
			} else if (h.err.code) {
				s->err = h.err;
			}
		}
		pthread_mutex_unlock(&sy->mu);
		if (h.err.code)
			kn_info("sync: school %s: %s [%s]", h.npsn, h.err.text, h.err.reason);
		else
			kn_debug("sync: school %s: session of %llu message(s), %llu bytes", h.npsn, (unsigned long long)h.l.waits,
			    (unsigned long long)(h.l.sent + h.l.recvd));
	} else if (rc) {
		kn_debug("sync: a connection ended before its hello: %s", kn_error_message());
	}
	recon_diff_free(&h.diff);
	if (h.ev)
		evidence_close(h.ev);
	kn_buf_free(&h.msg);
	kd_link_free(&h.l);
	kn_error_clear();
}

/* ---- the pool ---- */

static void *
session_main(void *arg)
{
	struct kd_sync *sy = arg;

	/*
	 * A little nicer than the loop: when a school's first sync keeps both
	 * cores busy, the store's one writer is what the last receipt waits for,
	 * and verification (here and in the helpers) fills the rest. Measured in
	 * turn, 100,000 records: the ingest ratio's median rose from 0.80 over 13
	 * runs to 0.82 over 9, 8 of 9 at or above 0.8.
	 */
	kd_thread_nicer(KD_SESSION_NICE, "session thread");
	pthread_mutex_lock(&sy->mu);
	for (;;) {
		while (!sy->stop && sy->nconns == 0) {
			sy->idle++;
			pthread_cond_wait(&sy->cv, &sy->mu);
			sy->idle--;
		}
		if (sy->stop)
			break;
		int fd = sy->conns[0];
		memmove(sy->conns, sy->conns + 1, (sy->nconns - 1) * sizeof(*sy->conns));
		sy->nconns--;
		sy->active++;
		pthread_mutex_unlock(&sy->mu);
		hub_session_run(sy, fd);
		pthread_mutex_lock(&sy->mu);
		sy->active--;
		sy->hub_sessions++;
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

/* Loop thread: a school connected; a session thread takes it (a new one while fewer than max_sessions run). */
static void
accept_cb(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
	struct kd_sync *sy = arg;
	int one = 1;
	(void)lis;
	(void)sa;
	(void)socklen;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	pthread_mutex_lock(&sy->mu);
	if (sy->nconns >= (size_t)sy->max_sessions * HUB_QUEUE_PER_SESSION) {
		pthread_mutex_unlock(&sy->mu);
		kn_warn("sync: %d sessions run and %zu wait; a new connection is closed", sy->active, (size_t)sy->nconns);
		close(fd);
		return;
	}
	if (sy->nconns == sy->capconns) {
		size_t cap = sy->capconns ? 2 * sy->capconns : 16;
		int *n = realloc(sy->conns, cap * sizeof(*n));
		if (n == NULL) {
			pthread_mutex_unlock(&sy->mu);
			close(fd);
			return;
		}
		sy->conns = n;
		sy->capconns = cap;
	}
	sy->conns[sy->nconns++] = fd;
	if (sy->idle == 0 && sy->nthreads < sy->max_sessions) {
		if (pthread_create(&sy->threads[sy->nthreads], NULL, session_main, sy) == 0)
			sy->nthreads++;
		else
			kn_warn("sync: cannot start another session thread; the connection waits");
	}
	pthread_cond_broadcast(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
}

static void
accept_error_cb(struct evconnlistener *lis, void *arg)
{
	(void)arg;
	kn_warn("sync: accept failed: %s", strerror(EVUTIL_SOCKET_ERROR()));
	(void)lis;
}

int
kd_sync_hub_start(struct kd_sync *sy)
{
	kd_server *srv = sy->srv;
	char host[KD_SYNC_HOST_MAX], port[16];
	struct addrinfo hints, *ai = NULL, *a;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int rc, fd = -1, one = 1;

	if ((rc = kd_sync_split_addr(host, sizeof(host), port, sizeof(port), srv->cfg.sync_listen)))
		return kn_error_set(rc, "sync.listen", "sync.listen: %s", kn_error_message());
	sy->threads = calloc((size_t)sy->max_sessions, sizeof(*sy->threads));
	if (sy->threads == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	kd_sync_hub_ev_sweep(srv);
	sy->ev_swept_ms = kn_mono_ms();
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return kn_error_set(KN_EINVAL, "sync.listen", "sync.listen: %s: %s", host, gai_strerror(rc));
	rc = kn_error_set(KN_ERROR, "sync.listen", "sync.listen: no address for %s", srv->cfg.sync_listen);
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 128) == 0) {
			rc = 0;
			break;
		}
		rc = kn_error_set(KN_ERROR, "sync.listen", "cannot listen on %s: %s", srv->cfg.sync_listen, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (rc)
		return rc;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		sy->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
		                                          : ((struct sockaddr_in *)&ss)->sin_port);
	sy->listener = evconnlistener_new(srv->base, accept_cb, sy, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (sy->listener == NULL) {
		close(fd);
		return kn_error_set(KN_ERROR, "sync.listen", "cannot listen on %s", srv->cfg.sync_listen);
	}
	evconnlistener_set_error_cb(sy->listener, accept_error_cb);
	/* the session threads verify pushes with these helpers: one school alone uses every core */
	if ((rc = kd_verify_pool_new(&sy->verify, kd_work_threads(&srv->cfg) - 1)))
		return rc;
	sy->hub = 1;
	kd_sync_hub_load(sy);
	kn_info("sync: hub listening on %s (port %d), at most %d sessions at once", srv->cfg.sync_listen, sy->port,
	    sy->max_sessions);
	return 0;
}

void
kd_sync_hub_stop(struct kd_sync *sy)
{
	if (sy->listener)
		evconnlistener_free(sy->listener);
	sy->listener = NULL;
	pthread_mutex_lock(&sy->mu);
	sy->stop = 1;
	pthread_cond_broadcast(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
	for (int i = 0; i < sy->nthreads; i++)
		pthread_join(sy->threads[i], NULL);
	sy->nthreads = 0;
	/* no session is left to verify */
	kd_verify_pool_free(sy->verify);
	sy->verify = NULL;
	for (size_t i = 0; i < sy->nconns; i++)
		close(sy->conns[i]);
	sy->nconns = 0;
}
