/*
 * evidence.c - Bukti Dukung over RPC: chunked uploads into a staging file,
 * checks, then git (store/evidence.h) on the writer thread (work.h) and a
 * signed "evidence" record naming the commit on the loop. Lists, reads,
 * histories and verification run on the pool's reader lane, each thread
 * with its own repository handle (j->ev).
 *
 * Upload: evidence.upload.begin -> .chunk (offset must equal what was
 * received: a client that lost its connection asks .status and resumes)
 * -> .finish. The file is never held whole in memory: chunks go to a
 * staging file of mode 0600, and git reads it in pieces.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../domain/domain.h"
#include "methods.h"
#include "server.h"
#include "work.h"

#define UPLOAD_CHUNK_MAX (256 * 1024)

static void
pack_bool(msgpack_packer *pk, int v)
{
	if (v)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}
#define UPLOADS_PER_PERSON 4
#define UPLOADS_MAX 64
#define UPLOAD_IDLE_MS (60 * 60 * 1000)

typedef struct kd_upload {
	struct kd_upload *next;
	char id[33];
	uint8_t owner[32];
	char period[8];
	char slot[EVIDENCE_SLOT_MAX + 1];
	char name[EVIDENCE_NAME_MAX + 1];
	char path[300];
	int fd;
	uint64_t size, received;
	uint64_t touched_ms;
	int busy; /* a finish job holds it */
} kd_upload;

/* Largest chunk: 256 KiB, or less when requests are limited to less (max_frame_kb). */
static size_t
chunk_max(const kd_server *srv)
{
	size_t frame = (size_t)srv->cfg.max_frame_kb * 1024;
	size_t room = frame > 2048 ? frame - 1024 : 1024;
	return room < UPLOAD_CHUNK_MAX ? room : UPLOAD_CHUNK_MAX;
}

static void
upload_free(kd_server *srv, kd_upload *u)
{
	for (kd_upload **pp = &srv->uploads; *pp; pp = &(*pp)->next) {
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	}
	if (u->fd >= 0)
		close(u->fd);
	unlink(u->path);
	free(u);
}

static int
upload_find(kd_upload **out, kd_server *srv, const kd_req *req, const uint8_t owner[32])
{
	char id[40];
	int rc = kd_arg_str(id, sizeof(id), req, "upload_id", 1);

	if (rc)
		return rc;
	for (kd_upload *u = srv->uploads; u; u = u->next) {
		if (strcmp(u->id, id) == 0 && memcmp(u->owner, owner, 32) == 0) {
			if (u->busy)
				return kn_error_set(KN_ESTATE, "upload_id", "this upload is being stored already; wait for its result");
			u->touched_ms = kn_mono_ms();
			*out = u;
			return 0;
		}
	}
	return kn_error_set(KN_ENOTFOUND, "upload_id",
	    "no upload %s in progress (finished, cancelled, idle for an hour, or the daemon restarted): start the upload again", id);
}

/* The caller's session and enrollment, as the dispatcher found them (KD_MEMBER). */
static int
session_user(kd_session **s, domain_user *u, kd_req *req)
{
	*s = req->sess;
	*u = req->me;
	return 0;
}

/* period argument, or the current one. */
static int
period_arg(char period[8], const kd_req *req)
{
	char p[16];
	int rc = kd_arg_str(p, sizeof(p), req, "period", 0);

	if (rc)
		return rc;
	if (!p[0]) {
		domain_period_of(period, kn_now_ms());
		return 0;
	}
	if ((rc = domain_check_period(p)))
		return rc;
	memcpy(period, p, 7);
	period[7] = '\0';
	return 0;
}

/*
 * Whose evidence a request is about: the "teacher" argument (NIP/NUPTK)
 * or the caller. Checks the caller may read it.
 */
static int
subject_arg(uint8_t pk[32], domain_user *subject, kd_req *req, const kd_session *s, const domain_user *me)
{
	char ident[32];
	store_txn *t;
	int rc = kd_arg_str(ident, sizeof(ident), req, "teacher", 0);

	if (rc)
		return rc;
	if (!ident[0]) {
		memcpy(pk, s->key->pk, 32);
		*subject = *me;
		return domain_may_keep_evidence(me);
	}
	if ((rc = store_read_begin(&t, req->srv->st)))
		return rc;
	rc = kd_ident_lookup(pk, t, req->srv->school, ident);
	if (rc == 0)
		rc = kd_user_lookup(subject, t, req->srv->school, pk);
	store_read_end(t);
	if (rc == KN_ENOTFOUND)
		return kn_error_set(KN_ENOTFOUND, "teacher", "no one with NIP/NUPTK %s is enrolled in this school", ident);
	if (rc)
		return rc;
	return domain_person_may_read(me, s->key->pk, subject, pk);
}

static void
doc_key(char *out, size_t outsz, const char *npsn, const uint8_t pk[32], const char *period)
{
	char hex[65];
	snprintf(out, outsz, "evidence/%s/%s.%s", npsn, kn_hex(hex, pk, 32), period);
}

static void
ref_name(char *out, size_t outsz, const char *npsn, const uint8_t pk[32], const char *period)
{
	char hex[65];
	snprintf(out, outsz, "refs/kinerja/%s/%s/%s", npsn, kn_hex(hex, pk, 32), period);
}

/* Newest evidence record of a document; KN_ENOTFOUND when none. */
static int
evidence_head(domain_evidence *out, store_txn *t, const char *doc)
{
	record_view v;
	int rc = kd_doc_head(&v, t, doc);

	if (rc)
		return rc;
	rc = domain_evidence_parse(out, v.body);
	record_view_free(&v);
	return rc;
}

int
kd_m_evidence_upload_begin(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	kd_session *s;
	domain_user me;
	char period[8], slot[EVIDENCE_SLOT_MAX + 1], name[EVIDENCE_NAME_MAX + 1];
	int rc, n = 0;

	if ((rc = session_user(&s, &me, req)) || (rc = domain_evidence_may_write(&me, s->key->pk, s->key->pk)) ||
	    (rc = period_arg(period, req)) || (rc = kd_arg_str(slot, sizeof(slot), req, "slot", 1)) ||
	    (rc = evidence_slot_check(slot)) || (rc = kd_arg_str(name, sizeof(name), req, "name", 1)) ||
	    (rc = evidence_name_check(name)))
		return rc;
	const msgpack_object *sz = kd_arg(req, "size");
	if (sz == NULL || sz->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return kn_error_set(KN_EINVAL, "size", "size (the file's length in bytes) is required");
	uint64_t max = (uint64_t)srv->cfg.evidence_max_mb * 1000 * 1000;
	if (sz->via.u64 == 0)
		return kn_error_set(KN_EINVAL, "file", "the file is empty: choose the right file and upload again");
	if (sz->via.u64 > max)
		return kn_error_set(KN_ETOOBIG, "file", "the file is %.1f MB; the limit is %d MB: compress or split it, then upload again",
		    (double)sz->via.u64 / 1e6, srv->cfg.evidence_max_mb);
	for (kd_upload *u = srv->uploads; u; u = u->next)
		n += memcmp(u->owner, s->key->pk, 32) == 0;
	if (n >= UPLOADS_PER_PERSON)
		return kn_error_set(KN_EBUSY, "upload_id", "you have %d uploads in progress: finish or cancel one first", n);
	int all = 0;
	for (kd_upload *v = srv->uploads; v; v = v->next)
		all++;
	if (all >= UPLOADS_MAX)
		return kn_error_set(KN_EBUSY, "upload_id", "%d uploads are in progress on this machine; try again in a moment", all);

	kd_upload *u = calloc(1, sizeof(*u));
	if (u == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	uint8_t rnd[16];
	randombytes_buf(rnd, sizeof(rnd));
	kn_hex(u->id, rnd, sizeof(rnd));
	memcpy(u->owner, s->key->pk, 32);
	memcpy(u->period, period, sizeof(period));
	memcpy(u->slot, slot, sizeof(slot));
	memcpy(u->name, name, sizeof(name));
	snprintf(u->path, sizeof(u->path), "%s/%s.part", srv->cfg.staging_dir, u->id);
	u->size = sz->via.u64;
	u->touched_ms = kn_mono_ms();
	u->fd = open(u->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (u->fd < 0) {
		rc = kn_error_set(KN_ERROR, "", "cannot create a staging file in %s: %s", srv->cfg.staging_dir, strerror(errno));
		free(u);
		return rc;
	}
	u->next = srv->uploads;
	srv->uploads = u;
	msgpack_pack_map(pk, 4);
	kd_pack_kv_str(pk, "upload_id", u->id);
	kd_pack_kv_u64(pk, "chunk_max", chunk_max(srv));
	kd_pack_kv_u64(pk, "size", u->size);
	kd_pack_kv_str(pk, "period", u->period);
	return 0;
}

static void
pack_progress(msgpack_packer *pk, const kd_upload *u)
{
	msgpack_pack_map(pk, 3);
	kd_pack_kv_str(pk, "upload_id", u->id);
	kd_pack_kv_u64(pk, "received", u->received);
	kd_pack_kv_u64(pk, "size", u->size);
}

int
kd_m_evidence_upload_chunk(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	kd_session *s;
	kd_upload *u;
	int rc;

	s = req->sess;
	if ((rc = upload_find(&u, srv, req, s->key->pk)))
		return rc;
	const msgpack_object *off = kd_arg(req, "offset"), *data = kd_arg(req, "data");
	if (off == NULL || off->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return kn_error_set(KN_EINVAL, "offset", "offset (where this chunk starts in the file) is required");
	if (data == NULL || data->type != MSGPACK_OBJECT_BIN || data->via.bin.size == 0)
		return kn_error_set(KN_EINVAL, "data", "data must be the chunk's bytes (bin)");
	if (data->via.bin.size > chunk_max(srv))
		return kn_error_set(KN_ETOOBIG, "data", "a chunk holds at most %zu bytes (chunk_max)", chunk_max(srv));
	if (off->via.u64 != u->received)
		return kn_error_set(KN_ESTATE, "offset", "expected the chunk at offset %llu (received so far), not %llu",
		    (unsigned long long)u->received, (unsigned long long)off->via.u64);
	if (u->received + data->via.bin.size > u->size)
		return kn_error_set(KN_ETOOBIG, "data", "the data runs past the declared size of %llu bytes",
		    (unsigned long long)u->size);
	const uint8_t *p = (const uint8_t *)data->via.bin.ptr;
	size_t left = data->via.bin.size;
	uint64_t at = u->received;
	while (left) {
		ssize_t w = pwrite(u->fd, p, left, (off_t)at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return kn_error_set(errno == ENOSPC ? KN_EFULL : KN_ERROR, "", "cannot write the staging file: %s",
			    strerror(errno));
		p += w;
		at += (uint64_t)w;
		left -= (size_t)w;
	}
	/* Refuse a wrong type as soon as its first bytes are in. */
	uint64_t had = u->received;
	u->received = at;
	if (had < 16 && (u->received >= 16 || u->received == u->size)) {
		uint8_t head[16];
		ssize_t n = pread(u->fd, head, sizeof(head), 0);
		unsigned t = n > 0 ? evidence_sniff(head, (size_t)n) : 0;
		if ((t & srv->ev_types) == 0) {
			rc = kn_error_set(KN_EINVAL, "file", "the file is not %s (it looks like %s): choose the right file; accepted types: %s",
			    srv->ev_types == EVIDENCE_PDF ? "a PDF" : "an accepted type", t ? evidence_type_name(t) : "something else",
			    srv->cfg.evidence_types);
			upload_free(srv, u);
			return rc;
		}
	}
	pack_progress(pk, u);
	return 0;
}

int
kd_m_evidence_upload_status(kd_req *req, msgpack_packer *pk)
{
	kd_session *s;
	kd_upload *u;
	int rc;

	s = req->sess;
	if ((rc = upload_find(&u, req->srv, req, s->key->pk)))
		return rc;
	pack_progress(pk, u);
	return 0;
}

int
kd_m_evidence_upload_cancel(kd_req *req, msgpack_packer *pk)
{
	kd_session *s;
	kd_upload *u;
	int rc;

	s = req->sess;
	if ((rc = upload_find(&u, req->srv, req, s->key->pk)))
		return rc;
	upload_free(req->srv, u);
	msgpack_pack_map(pk, 1);
	kd_pack_str(pk, "ok");
	msgpack_pack_true(pk);
	return 0;
}

typedef struct {
	kd_job j;
	kd_upload *u;
	unsigned allowed;
	uint64_t max;
	char ref[200];
	char expected[EVIDENCE_OID_HEX];
	evidence_who who;
	char message[600];
	uint8_t token[32];
	evidence_put_result res;
	unsigned type;
	int moved; /* the ref now names res.commit */
} finish_job;

/*
 * Writer thread (KD_LANE_WRITE): check the file, then commit it on top of
 * what the ref holds. Only jobs of the writer lane move refs, one at a
 * time and in the order they were queued, so finishes of one person and
 * period chain instead of racing; the ref equals the newest record's
 * commit except while a record is on its way (or failed: see finish_done).
 */
static void
finish_run(kd_job *j)
{
	finish_job *fj = (finish_job *)j;
	int rc = evidence_check_file(&fj->type, fj->u->fd, fj->max, fj->allowed);

	if (rc == 0) {
		rc = evidence_ref_get(fj->expected, j->ev, fj->ref);
		if (rc == KN_ENOTFOUND) {
			fj->expected[0] = '\0';
			rc = 0;
		}
	}
	if (rc == 0)
		rc = evidence_put(&fj->res, j->ev, fj->ref, fj->expected, fj->u->slot, fj->u->name, fj->u->fd, &fj->who,
		    fj->message);
	if (rc)
		kd_job_keep_error(j, rc);
	else
		fj->moved = !fj->res.unchanged;
}

/* Put a ref back where it was when the record naming its new commit could not be written. */
typedef struct {
	kd_job j;
	char ref[200];
	char from[EVIDENCE_OID_HEX];
	char to[EVIDENCE_OID_HEX]; /* "" = remove the ref */
} rollback_job;

/* Writer thread: after every finish queued before it, so it sees the ref as they left it. */
static void
rollback_run(kd_job *j)
{
	rollback_job *rj = (rollback_job *)j;
	char have[EVIDENCE_OID_HEX];

	/* Only if nothing chained on it meanwhile. */
	if (evidence_ref_get(have, j->ev, rj->ref) != 0 || strcmp(have, rj->from) != 0)
		return;
	if (rj->to[0] ? evidence_ref_set(j->ev, rj->ref, rj->to) : evidence_ref_delete(j->ev, rj->ref))
		kn_warn("evidence: cannot move %s back to %s: %s (repaired at the next start)", rj->ref,
		    rj->to[0] ? rj->to : "nothing", kn_error_message());
}

static void
rollback_done(kd_job *j)
{
	kd_job_release(j);
	free(j);
}

static void
rollback_submit(kd_req *req, const finish_job *fj)
{
	rollback_job *rj = calloc(1, sizeof(*rj));

	if (rj == NULL)
		return; /* the start-up repair will do it */
	memcpy(rj->ref, fj->ref, sizeof(rj->ref));
	memcpy(rj->from, fj->res.commit, sizeof(rj->from));
	memcpy(rj->to, fj->expected, sizeof(rj->to));
	rj->j.run = rollback_run;
	rj->j.done = rollback_done;
	rj->j.req = *req;
	rj->j.req.notify = 1; /* no reply of its own */
	rj->j.always_run = 1;
	rj->j.lane = KD_LANE_WRITE;
	kd_work_submit(req->srv, &rj->j);
}

static void
pack_evidence_body(kn_buf *out, const domain_evidence *e)
{
	msgpack_packer pk;
	int upload = strcmp(e->action, "upload") == 0;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, upload ? 10 : 4);
	kd_pack_kv_str(&pk, "period", e->period);
	kd_pack_kv_str(&pk, "commit", e->commit);
	kd_pack_kv_str(&pk, "state", e->state);
	kd_pack_kv_str(&pk, "action", e->action);
	if (!upload)
		return;
	kd_pack_kv_str(&pk, "slot", e->slot);
	kd_pack_kv_str(&pk, "name", e->name);
	kd_pack_kv_str(&pk, "blob", e->blob);
	kd_pack_kv_u64(&pk, "size", e->size);
	kd_pack_kv_str(&pk, "replaced", e->replaced);
	kd_pack_str(&pk, "dedup");
	if (e->dedup)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
}

struct heads_ctx {
	uint8_t ids[RECORD_MAX_PARENTS][RECORD_ID_BYTES];
	size_t n;
};

static int
heads_cb(void *arg, const uint8_t id[RECORD_ID_BYTES])
{
	struct heads_ctx *h = arg;
	if (h->n == RECORD_MAX_PARENTS)
		return 1;
	memcpy(h->ids[h->n++], id, RECORD_ID_BYTES);
	return 0;
}

/* Sign an evidence record replacing the document's heads, in the request's batch. */
static int
write_evidence(kd_req *req, const kd_session *s, const domain_evidence *e)
{
	kd_server *srv = req->srv;
	char doc[RECORD_DOC_KEY_MAX], subject[80], hex[65];
	kn_buf body = KN_BUF_INIT;
	struct heads_ctx h = { .n = 0 };
	store_batch *b;
	int rc = kd_write_begin(&b, req);

	if (rc)
		return rc;
	doc_key(doc, sizeof(doc), srv->school, s->key->pk, e->period);
	snprintf(subject, sizeof(subject), "%s.%s", kn_hex(hex, s->key->pk, 32), e->period);
	rc = store_heads(store_batch_txn(b), doc, strlen(doc), heads_cb, &h);
	if (rc == 0) {
		pack_evidence_body(&body, e);
		rc = kd_record_add(NULL, srv, b, "evidence", srv->school, subject, (const uint8_t(*)[RECORD_ID_BYTES])h.ids,
		    h.n, &body, s->key);
	}
	kn_buf_free(&body);
	return kd_write_end(req, rc);
}

static void
finish_done(kd_job *j)
{
	finish_job *fj = (finish_job *)j;
	kd_req *req = &j->req;
	kd_server *srv = req->srv;
	kn_buf res = KN_BUF_INIT;
	msgpack_packer pk;
	kd_session *s = NULL;
	int rc = j->rc ? kd_job_error(j) : 0;

	if (rc == 0)
		rc = kd_session_by_token(&s, srv, fj->token);
	if (rc == 0 && !fj->res.unchanged) {
		domain_evidence e = { .dedup = fj->res.dedup, .size = fj->res.size };
		memcpy(e.period, fj->u->period, sizeof(e.period));
		memcpy(e.commit, fj->res.commit, sizeof(e.commit));
		snprintf(e.state, sizeof(e.state), "%s", "draf");
		snprintf(e.action, sizeof(e.action), "%s", "upload");
		memcpy(e.slot, fj->u->slot, sizeof(e.slot));
		memcpy(e.name, fj->u->name, sizeof(e.name));
		memcpy(e.blob, fj->res.blob, sizeof(e.blob));
		memcpy(e.replaced, fj->res.replaced, sizeof(e.replaced));
		rc = write_evidence(req, s, &e);
	}
	if (rc == 0) {
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 11);
		kd_pack_kv_str(&pk, "period", fj->u->period);
		kd_pack_kv_str(&pk, "slot", fj->u->slot);
		kd_pack_kv_str(&pk, "name", fj->u->name);
		kd_pack_kv_str(&pk, "type", evidence_type_name(fj->type));
		kd_pack_kv_u64(&pk, "size", fj->res.size);
		kd_pack_kv_str(&pk, "commit", fj->res.commit);
		kd_pack_kv_str(&pk, "blob", fj->res.blob);
		kd_pack_kv_str(&pk, "replaced", fj->res.replaced);
		kd_pack_kv_str(&pk, "state", "draf");
		kd_pack_str(&pk, "dedup");
		pack_bool(&pk, fj->res.dedup != 0);
		kd_pack_str(&pk, "unchanged");
		pack_bool(&pk, fj->res.unchanged != 0);
		kn_info("evidence: %s uploaded %s/%s (%llu bytes%s) for %s", s->name, fj->u->slot, fj->u->name,
		    (unsigned long long)fj->res.size, fj->res.dedup ? ", stored once already" : "", fj->u->period);
	}
	if (rc && fj->moved)
		rollback_submit(req, fj);
	kd_respond(req, rc, &res);
	kn_buf_free(&res);
	/* A conflict may be retried with the same upload; anything else ends it. */
	if (rc == KN_ESTATE || rc == KN_EBUSY)
		fj->u->busy = 0;
	else
		upload_free(srv, fj->u);
	kd_job_release(j);
	free(fj);
}

int
kd_m_evidence_upload_finish(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	kd_session *s;
	domain_user me;
	kd_upload *u;
	int rc;

	(void)pk;
	s = req->sess;
	me = req->me;
	if ((rc = upload_find(&u, srv, req, s->key->pk)))
		return rc;
	if (u->received != u->size)
		return kn_error_set(KN_ESTATE, "file", "the upload is incomplete: %llu of %llu bytes arrived; send the rest, then finish",
		    (unsigned long long)u->received, (unsigned long long)u->size);
	if ((rc = domain_evidence_may_write(&me, s->key->pk, s->key->pk)))
		return rc;
	finish_job *fj = calloc(1, sizeof(*fj));
	if (fj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	fj->u = u;
	fj->allowed = srv->ev_types;
	fj->max = (uint64_t)srv->cfg.evidence_max_mb * 1000 * 1000;
	ref_name(fj->ref, sizeof(fj->ref), srv->school, s->key->pk, u->period);
	snprintf(fj->who.name, sizeof(fj->who.name), "%s", me.name);
	snprintf(fj->who.email, sizeof(fj->who.email), "%s@%s.kinerja.invalid", me.nip[0] ? me.nip : me.nuptk, srv->school);
	fj->who.when = (int64_t)(kn_now_ms() / 1000);
	snprintf(fj->message, sizeof(fj->message),
	    "Unggah Bukti Dukung %s: %s\n\nPeriode %s. %s (%s %s), sekolah %s.\n", u->slot, u->name, u->period, me.name,
	    me.nip[0] ? "NIP" : "NUPTK", me.nip[0] ? me.nip : me.nuptk, srv->school);
	memcpy(fj->token, s->token, 32);
	fj->j.run = finish_run;
	fj->j.done = finish_done;
	fj->j.req = *req;
	fj->j.lane = KD_LANE_WRITE;
	u->busy = 1;
	return kd_work_submit(srv, &fj->j);
}

int
kd_m_evidence_submit(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	kd_session *s;
	domain_user me;
	domain_evidence e;
	store_txn *t;
	char doc[RECORD_DOC_KEY_MAX], period[8];
	int rc;

	if ((rc = session_user(&s, &me, req)) || (rc = domain_evidence_may_write(&me, s->key->pk, s->key->pk)) ||
	    (rc = period_arg(period, req)) || (rc = store_read_begin(&t, srv->st)))
		return rc;
	doc_key(doc, sizeof(doc), srv->school, s->key->pk, period);
	rc = evidence_head(&e, t, doc);
	store_read_end(t);
	if (rc == KN_ENOTFOUND)
		return kn_error_set(KN_ESTATE, "period", "you have uploaded no Bukti Dukung for %s yet: upload first, then submit", period);
	if (rc)
		return rc;
	int already = strcmp(e.state, "dikumpulkan") == 0;
	if (!already) {
		domain_evidence sub = { 0 };
		memcpy(sub.period, period, sizeof(sub.period));
		memcpy(sub.commit, e.commit, sizeof(sub.commit));
		snprintf(sub.state, sizeof(sub.state), "%s", "dikumpulkan");
		snprintf(sub.action, sizeof(sub.action), "%s", "submit");
		if ((rc = write_evidence(req, s, &sub)))
			return rc;
		kn_info("evidence: %s submitted Bukti Dukung for %s", s->name, period);
	}
	msgpack_pack_map(pk, 4);
	kd_pack_kv_str(pk, "period", period);
	kd_pack_kv_str(pk, "commit", e.commit);
	kd_pack_kv_str(pk, "state", "dikumpulkan");
	kd_pack_str(pk, "already");
	pack_bool(pk, already);
	return 0;
}

typedef struct {
	kd_job j;
	char commit[EVIDENCE_OID_HEX];
	kn_buf files; /* packed array elements */
	size_t nfiles;
	/* result header */
	char period[8], state[24], name[DOMAIN_NAME_MAX + 1], key[65];
} list_job;

/* Index callback: a key after the cursor joins the page; stop once the page and one more are in. */
static int
list_cb(void *ctx, const evidence_entry *e)
{
	list_job *lj = ctx;
	msgpack_packer pk;

	msgpack_packer_init(&pk, &lj->files, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 4);
	kd_pack_kv_str(&pk, "slot", e->slot);
	kd_pack_kv_str(&pk, "name", e->name);
	kd_pack_kv_u64(&pk, "size", e->size);
	kd_pack_kv_str(&pk, "blob", e->blob);
	lj->nfiles++;
	return 0;
}

static void
list_run(kd_job *j)
{
	list_job *lj = (list_job *)j;
	int rc = lj->commit[0] ? evidence_list(j->ev, lj->commit, list_cb, lj) : 0;

	if (rc)
		kd_job_keep_error(j, rc);
}

static void
list_pack(kd_job *j, msgpack_packer *pk)
{
	list_job *lj = (list_job *)j;

	msgpack_pack_map(pk, 6);
	kd_pack_kv_str(pk, "period", lj->period);
	kd_pack_kv_str(pk, "teacher", lj->name);
	kd_pack_kv_str(pk, "key", lj->key);
	kd_pack_kv_str(pk, "state", lj->state);
	kd_pack_kv_str(pk, "commit", lj->commit);
	kd_pack_str(pk, "files");
	msgpack_pack_array(pk, lj->nfiles);
	kn_buf_put(pk->data, lj->files.ptr, lj->files.len); /* elements packed already */
}

static void
list_cleanup(kd_job *j)
{
	list_job *lj = (list_job *)j;

	kn_buf_free(&lj->files);
}

int
kd_m_evidence_list(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	kd_session *s;
	domain_user me, who;
	domain_evidence e;
	uint8_t spk[32];
	store_txn *t;
	char doc[RECORD_DOC_KEY_MAX], period[8];
	int rc;

	(void)pk;
	if ((rc = session_user(&s, &me, req)) || (rc = period_arg(period, req)) ||
	    (rc = subject_arg(spk, &who, req, s, &me)) || (rc = store_read_begin(&t, srv->st)))
		return rc;
	doc_key(doc, sizeof(doc), srv->school, spk, period);
	rc = evidence_head(&e, t, doc);
	store_read_end(t);
	if (rc && rc != KN_ENOTFOUND)
		return rc;
	list_job *lj = calloc(1, sizeof(*lj));
	if (lj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	if (rc == 0) {
		memcpy(lj->commit, e.commit, sizeof(lj->commit));
		memcpy(lj->state, e.state, sizeof(lj->state));
	} else {
		snprintf(lj->state, sizeof(lj->state), "%s", "belum_dikumpulkan");
	}
	memcpy(lj->period, period, sizeof(period));
	snprintf(lj->name, sizeof(lj->name), "%s", who.name);
	kn_hex(lj->key, spk, 32);
	lj->j.lane = KD_LANE_READ;
	lj->j.run = list_run;
	lj->j.done = kd_job_answer;
	lj->j.pack = list_pack;
	lj->j.cleanup = list_cleanup;
	lj->j.req = *req;
	return kd_work_submit(srv, &lj->j);
}

/*
 * evidence.history, one page: every version of a person's Bukti Dukung
 * in a period (uploads, optionally of one slot, and submits), oldest
 * first, with the author's name. Read on a worker thread (KD_LANE_READ):
 * each record and each author's enrollment is verified. The cursor is the
 * record id of the last version of the previous page.
 */
typedef struct {
	kd_job j;
	store *st;
	char school[9];
	char doc[RECORD_DOC_KEY_MAX];
	char slot[64];     /* "" = every slot */
	kd_page page;
	/* result header */
	char period[8], name[DOMAIN_NAME_MAX + 1], key[65];
	kn_buf versions;   /* packed version maps */
	size_t n;
	int more;
	uint8_t last[32];  /* record id of the last version packed */
} ev_history_job;

/* Is this version listed when the listing is of slot ("" = all)? Submits always are. */
static int
version_listed(const domain_evidence *e, const char *slot)
{
	return !slot[0] || strcmp(e->action, "upload") != 0 || strcmp(e->slot, slot) == 0;
}

/* Pack one version; the author's name is looked up once per run of versions by the same person. */
static void
pack_version(msgpack_packer *pk, const record_view *v, const domain_evidence *e, const char *author)
{
	int upload = strcmp(e->action, "upload") == 0;

	msgpack_pack_map(pk, upload ? 12 : 6);
	kd_pack_kv_u64(pk, "time_ms", v->hlc >> 16);
	kd_pack_kv_str(pk, "author", author);
	kd_pack_kv_str(pk, "action", e->action);
	kd_pack_kv_str(pk, "state", e->state);
	kd_pack_kv_str(pk, "commit", e->commit);
	kd_pack_kv_hex(pk, "record", v->id, 32);
	if (!upload)
		return;
	kd_pack_kv_str(pk, "slot", e->slot);
	kd_pack_kv_str(pk, "name", e->name);
	kd_pack_kv_u64(pk, "size", e->size);
	kd_pack_kv_str(pk, "blob", e->blob);
	kd_pack_kv_str(pk, "replaced", e->replaced);
	kd_pack_str(pk, "dedup");
	pack_bool(pk, e->dedup != 0);
}

/* Worker thread: load and verify the document, then pack the versions after the cursor. */
static void
ev_history_run(kd_job *j)
{
	ev_history_job *hj = (ev_history_job *)j;
	kd_history h = { 0 };
	domain_evidence e;
	domain_user au;
	msgpack_packer pk;
	store_txn *t;
	uint8_t author_pk[32];
	char author[DOMAIN_NAME_MAX + 1] = "";
	size_t i = 0;
	int rc, have_author = 0;

	if ((rc = store_read_begin(&t, hj->st)))
		goto out_keep_error;
	if ((rc = kd_history_load(&h, t, hj->doc)))
		goto out_free_history;
	if (hj->page.has_cursor) {
		while (i < h.n && memcmp(h.v[i].id, hj->page.cursor, 32) != 0)
			i++;
		if (i == h.n) {
			rc = kd_page_bad_cursor();
			goto out_free_history;
		}
		i++;
	}
	msgpack_packer_init(&pk, &hj->versions, kn_buf_msgpack_write);
	for (; i < h.n; i++) {
		if ((rc = domain_evidence_parse(&e, h.v[i].body)))
			goto out_free_history;
		if (!version_listed(&e, hj->slot))
			continue;
		if (hj->n == hj->page.limit || hj->versions.len >= KD_PAGE_BYTES) {
			hj->more = 1;
			break;
		}
		if (!have_author || memcmp(author_pk, h.v[i].author, 32) != 0) {
			memcpy(author_pk, h.v[i].author, 32);
			have_author = 1;
			snprintf(author, sizeof(author), "%s", kd_user_lookup(&au, t, hj->school, h.v[i].author) == 0 ? au.name : "?");
		}
		pack_version(&pk, &h.v[i], &e, author);
		memcpy(hj->last, h.v[i].id, 32);
		hj->n++;
	}
	if (hj->versions.failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while reading the history; try a smaller limit");
out_free_history:
	kd_history_free(&h);
	store_read_end(t);
out_keep_error:
	if (rc)
		kd_job_keep_error(j, rc);
}

/* The page, in the answer map; the versions were packed by the worker already. */
static void
ev_history_pack(kd_job *j, msgpack_packer *pk)
{
	ev_history_job *hj = (ev_history_job *)j;

	msgpack_pack_map(pk, 5);
	kd_pack_kv_str(pk, "period", hj->period);
	kd_pack_kv_str(pk, "teacher", hj->name);
	kd_pack_kv_str(pk, "key", hj->key);
	kd_pack_str(pk, "versions");
	msgpack_pack_array(pk, hj->n);
	kn_buf_put(pk->data, hj->versions.ptr, hj->versions.len); /* elements packed already */
	kd_pack_next(pk, hj->last, hj->more);
}

/* Free what the job owns (kd_job_answer frees the job). */
static void
ev_history_cleanup(kd_job *j)
{
	ev_history_job *hj = (ev_history_job *)j;

	kn_buf_free(&hj->versions);
}

/* Whose history, and may the caller read it: decided here; the versions are read by a job. */
int
kd_m_evidence_history(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	kd_session *s;
	domain_user me, who;
	uint8_t spk[32];
	char period[8], slot[64];
	kd_page page;
	int rc;

	(void)pk;
	if ((rc = session_user(&s, &me, req)) || (rc = period_arg(period, req)) ||
	    (rc = subject_arg(spk, &who, req, s, &me)) || (rc = kd_arg_str(slot, sizeof(slot), req, "slot", 0)) ||
	    (rc = kd_page_args(&page, req)))
		return rc;
	ev_history_job *hj = calloc(1, sizeof(*hj));
	if (hj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	hj->st = srv->st;
	snprintf(hj->school, sizeof(hj->school), "%s", srv->school);
	doc_key(hj->doc, sizeof(hj->doc), srv->school, spk, period);
	memcpy(hj->slot, slot, sizeof(slot));
	hj->page = page;
	memcpy(hj->period, period, sizeof(period));
	snprintf(hj->name, sizeof(hj->name), "%s", who.name);
	kn_hex(hj->key, spk, 32);
	hj->j.lane = KD_LANE_READ;
	hj->j.run = ev_history_run;
	hj->j.done = kd_job_answer;
	hj->j.pack = ev_history_pack;
	hj->j.cleanup = ev_history_cleanup;
	hj->j.req = *req;
	return kd_work_submit(srv, &hj->j);
}

/*
 * evidence.read: a piece of one file of one version, on a worker thread
 * (KD_LANE_READ): the version is found among the person's records (every
 * one verified: a document of many versions takes a while), then read
 * with this thread's repository handle.
 */
typedef struct {
	kd_job j;
	store *st;
	char doc[RECORD_DOC_KEY_MAX];
	char period[8];
	char commit[48];   /* asked: a prefix, or "" for the newest; then the version found */
	char slot[EVIDENCE_SLOT_MAX + 1];
	char name[EVIDENCE_NAME_MAX + 1];
	uint64_t offset;
	size_t len;
	kn_buf data;
	uint64_t total;
	char blob[EVIDENCE_OID_HEX];
} read_job;

/* The commit of the version asked for; only commits this person's records name may be read. */
static int
read_find(read_job *rj)
{
	kd_history h = { 0 };
	domain_evidence e;
	store_txn *t;
	size_t want = strlen(rj->commit);
	int rc, found = 0;

	if ((rc = store_read_begin(&t, rj->st)))
		return rc;
	rc = kd_history_load(&h, t, rj->doc);
	for (size_t i = 0; rc == 0 && i < h.n; i++) {
		if ((rc = domain_evidence_parse(&e, h.v[i].body)))
			break;
		/* a version may be named by a prefix of its id, as history shows it */
		if (want ? strncmp(e.commit, rj->commit, want) == 0 : i == h.n - 1) {
			memcpy(rj->commit, e.commit, sizeof(e.commit));
			found = 1;
		}
	}
	kd_history_free(&h);
	store_read_end(t);
	if (rc == 0 && !found)
		rc = kn_error_set(KN_ENOTFOUND, want ? "commit" : "period",
		    want ? "no Bukti Dukung version %s of this person and period" : "no Bukti Dukung for %s yet",
		    want ? rj->commit : rj->period);
	return rc;
}

/* Worker thread: find the version, then read the piece from git. */
static void
read_run(kd_job *j)
{
	read_job *rj = (read_job *)j;
	int rc = read_find(rj);

	if (rc == 0)
		rc = evidence_read(&rj->data, &rj->total, rj->blob, j->ev, rj->commit, rj->slot, rj->name, rj->offset, rj->len);
	if (rc)
		kd_job_keep_error(j, rc);
}

/* The piece and where it lies in the file. */
static void
read_pack(kd_job *j, msgpack_packer *pk)
{
	read_job *rj = (read_job *)j;

	msgpack_pack_map(pk, 5);
	kd_pack_kv_u64(pk, "offset", rj->offset);
	kd_pack_kv_u64(pk, "total", rj->total);
	kd_pack_kv_str(pk, "blob", rj->blob);
	kd_pack_kv_str(pk, "commit", rj->commit);
	kd_pack_str(pk, "data");
	msgpack_pack_bin(pk, rj->data.len);
	msgpack_pack_bin_body(pk, rj->data.ptr, rj->data.len);
}

/* Free what the job owns (kd_job_answer frees the job). */
static void
read_cleanup(kd_job *j)
{
	read_job *rj = (read_job *)j;

	kn_buf_free(&rj->data);
}

int
kd_m_evidence_read(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	kd_session *s;
	domain_user me, who;
	uint8_t spk[32];
	char period[8], slot[EVIDENCE_SLOT_MAX + 1], name[EVIDENCE_NAME_MAX + 1], commit[48];
	int rc;

	(void)pk;
	if ((rc = session_user(&s, &me, req)) || (rc = period_arg(period, req)) ||
	    (rc = subject_arg(spk, &who, req, s, &me)) || (rc = kd_arg_str(slot, sizeof(slot), req, "slot", 1)) ||
	    (rc = kd_arg_str(name, sizeof(name), req, "name", 1)) ||
	    (rc = kd_arg_str(commit, sizeof(commit), req, "commit", 0)))
		return rc;
	if (commit[0] && (strlen(commit) < 7 || strspn(commit, "0123456789abcdef") != strlen(commit)))
		return kn_error_set(KN_EINVAL, "commit", "a version is named by at least 7 hex characters of its id (see evidence history)");
	const msgpack_object *off = kd_arg(req, "offset"), *len = kd_arg(req, "length");
	if (off && off->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return kn_error_set(KN_EINVAL, "offset", "offset must be a whole number of bytes, 0 or more");
	if (len && (len->type != MSGPACK_OBJECT_POSITIVE_INTEGER || len->via.u64 == 0))
		return kn_error_set(KN_EINVAL, "length", "length must be a whole number of bytes, 1 or more");
	uint64_t offset = off ? off->via.u64 : 0;
	uint64_t length = len ? len->via.u64 : UPLOAD_CHUNK_MAX;
	if (length > UPLOAD_CHUNK_MAX)
		length = UPLOAD_CHUNK_MAX;
	read_job *rj = calloc(1, sizeof(*rj));
	if (rj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	rj->j.lane = KD_LANE_READ;
	rj->st = srv->st;
	doc_key(rj->doc, sizeof(rj->doc), srv->school, spk, period);
	memcpy(rj->period, period, sizeof(period));
	memcpy(rj->commit, commit, sizeof(commit));
	memcpy(rj->slot, slot, sizeof(slot));
	memcpy(rj->name, name, sizeof(name));
	rj->offset = offset;
	rj->len = (size_t)length;
	rj->j.run = read_run;
	rj->j.done = kd_job_answer;
	rj->j.pack = read_pack;
	rj->j.cleanup = read_cleanup;
	rj->j.req = *req;
	return kd_work_submit(srv, &rj->j);
}

/* Verification: every commit named by a record, and every ref. */
typedef struct {
	char ref[200];
	char commit[EVIDENCE_OID_HEX]; /* newest */
} verify_doc;

struct collect_ctx {
	const char *school;
	store_txn *t;
	kn_buf docs; /* verify_doc[] */
	kn_buf commits;
	int rc;
};

/* One evidence document of the index: every upload commit its records name, and its newest commit and ref. */
static int
collect_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct collect_ctx *cc = arg;
	char doc[RECORD_DOC_KEY_MAX];
	kd_history h = { 0 };
	domain_evidence e;
	uint8_t pk[32];
	(void)val;
	(void)vlen;

	/* key "ev/<npsn>/<pkhex>.<period>" */
	if (klen != 3 + 8 + 1 + 64 + 1 + 6 || kn_unhex(pk, 32, (const char *)key + 12, 64) != 0)
		return 0;
	char period[8];
	memcpy(period, key + 12 + 65, 6);
	period[6] = '\0';
	doc_key(doc, sizeof(doc), cc->school, pk, period);
	int rc = kd_history_load(&h, cc->t, doc);
	if (rc) {
		kn_err("evidence: cannot read the records of %s: %s; skipped", doc, kn_error_message());
		kd_history_free(&h);
		return 0;
	}
	for (size_t i = 0; rc == 0 && i < h.n; i++) {
		if ((rc = domain_evidence_parse(&e, h.v[i].body))) {
			kn_err("evidence: a record of %s does not parse: %s; skipped", doc, kn_error_message());
			rc = 0;
			break;
		}
		if (strcmp(e.action, "upload") == 0)
			rc = kn_buf_put(&cc->commits, e.commit, EVIDENCE_OID_HEX);
		if (rc == 0 && i == h.n - 1) {
			verify_doc d;
			ref_name(d.ref, sizeof(d.ref), cc->school, pk, period);
			memcpy(d.commit, e.commit, sizeof(d.commit));
			rc = kn_buf_put(&cc->docs, &d, sizeof(d));
		}
	}
	kd_history_free(&h);
	return rc;
}

/*
 * Every commit the evidence records of school name, and the newest commit
 * of each document with its ref, in a read transaction of its own: at
 * start on the loop, for evidence.verify on a worker thread.
 */
static int
collect(struct collect_ctx *cc, store *st, const char *school)
{
	char prefix[16];
	int rc;

	memset(cc, 0, sizeof(*cc));
	cc->school = school;
	if (!school[0])
		return 0;
	if ((rc = store_read_begin(&cc->t, st)))
		return rc;
	snprintf(prefix, sizeof(prefix), "ev/%s/", school);
	rc = store_idx_scan(cc->t, prefix, strlen(prefix), collect_cb, cc);
	store_read_end(cc->t);
	return rc;
}

typedef struct {
	kd_job j;
	store *st;
	char school[9];
	char path[256];
	char prefix[32]; /* refs/kinerja/<npsn>/ */
	int deep;
	char (*commits)[EVIDENCE_OID_HEX];
	size_t ncommits;
	verify_doc *docs;
	size_t ndocs;
	kn_buf problems; /* packed strings */
	size_t nproblems;
} verify_job;

static void
problem(verify_job *vj, const char *fmt, const char *a, const char *b)
{
	char msg[700];
	msgpack_packer pk;

	snprintf(msg, sizeof(msg), fmt, a, b);
	msgpack_packer_init(&pk, &vj->problems, kn_buf_msgpack_write);
	kd_pack_str(&pk, msg);
	vj->nproblems++;
}

static int
is_known_ref(const verify_doc *docs, size_t n, const char *ref)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(docs[i].ref, ref) == 0)
			return 1;
	return 0;
}

static int
orphan_cb(void *ctx, const char *ref)
{
	verify_job *vj = ctx;
	if (!is_known_ref(vj->docs, vj->ndocs, ref))
		problem(vj, "%s names files no record names%s", ref, " (an interrupted upload; removed at the next start)");
	return 0;
}

/*
 * Worker thread (KD_LANE_READ): read which commits the records name (in a
 * store read of its own: a store of many documents takes a while), then
 * check each commit and ref with this thread's repository handle.
 */
static void
verify_run(kd_job *j)
{
	verify_job *vj = (verify_job *)j;
	struct collect_ctx cc;
	char have[EVIDENCE_OID_HEX];
	int rc = collect(&cc, vj->st, vj->school);

	if (rc) {
		kd_job_keep_error(j, rc);
		kn_buf_free(&cc.docs);
		kn_buf_free(&cc.commits);
		return;
	}
	vj->commits = (char(*)[EVIDENCE_OID_HEX])cc.commits.ptr;
	vj->ncommits = cc.commits.len / EVIDENCE_OID_HEX;
	vj->docs = (verify_doc *)cc.docs.ptr;
	vj->ndocs = cc.docs.len / sizeof(verify_doc);
	for (size_t i = 0; i < vj->ncommits; i++)
		if (evidence_check_commit(j->ev, vj->commits[i], vj->deep) != 0)
			problem(vj, "commit %s: %s", vj->commits[i], kn_error_message());
	for (size_t i = 0; i < vj->ndocs; i++) {
		rc = evidence_ref_get(have, j->ev, vj->docs[i].ref);
		if (rc)
			problem(vj, "%s is missing (records name %s)", vj->docs[i].ref, vj->docs[i].commit);
		else if (strcmp(have, vj->docs[i].commit) != 0)
			problem(vj, "%s does not point at %s, the commit its newest record names (or an upload is being saved)",
			    vj->docs[i].ref, vj->docs[i].commit);
	}
	if (vj->prefix[0])
		evidence_ref_foreach(j->ev, vj->prefix, orphan_cb, vj);
}

static void
verify_pack(kd_job *j, msgpack_packer *pk)
{
	verify_job *vj = (verify_job *)j;

	msgpack_pack_map(pk, 5);
	kd_pack_kv_str(pk, "repository", vj->path);
	kd_pack_kv_u64(pk, "documents", vj->ndocs);
	kd_pack_kv_u64(pk, "commits", vj->ncommits);
	kd_pack_str(pk, "deep");
	pack_bool(pk, vj->deep);
	kd_pack_str(pk, "problems");
	msgpack_pack_array(pk, vj->nproblems);
	kn_buf_put(pk->data, vj->problems.ptr, vj->problems.len);
}

static void
verify_cleanup(kd_job *j)
{
	verify_job *vj = (verify_job *)j;

	kn_buf_free(&vj->problems);
	free(vj->commits);
	free(vj->docs);
	j->req.srv->verifying = 0;
}

/* evidence.verify: one at a time; everything but the arguments is read on a worker thread. */
int
kd_m_evidence_verify(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	int rc;

	kd_session *s;
	domain_user me;

	(void)pk;
	if ((rc = session_user(&s, &me, req)))
		return rc;
	if (srv->verifying)
		return kn_error_set(KN_EBUSY, "", "a check of the evidence repository is running already; wait for it");
	const msgpack_object *deep = kd_arg(req, "deep");
	verify_job *vj = calloc(1, sizeof(*vj));
	if (vj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	vj->st = srv->st;
	snprintf(vj->school, sizeof(vj->school), "%s", srv->school);
	snprintf(vj->path, sizeof(vj->path), "%s", srv->cfg.evidence_dir);
	snprintf(vj->prefix, sizeof(vj->prefix), "refs/kinerja/%s/", srv->school);
	srv->verifying = 1;
	vj->deep = deep == NULL || deep->type != MSGPACK_OBJECT_BOOLEAN || deep->via.boolean;
	vj->j.lane = KD_LANE_READ;
	vj->j.run = verify_run;
	vj->j.done = kd_job_answer;
	vj->j.pack = verify_pack;
	vj->j.cleanup = verify_cleanup;
	vj->j.req = *req;
	return kd_work_submit(srv, &vj->j);
}

/* Remove what a crash left in the staging directory. */
static int
clean_staging(const char *dir)
{
	DIR *d;
	struct dirent *de;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return kn_error_set(KN_ERROR, "staging_dir", "cannot create %s: %s", dir, strerror(errno));
	d = opendir(dir);
	if (d == NULL)
		return kn_error_set(KN_ERROR, "staging_dir", "cannot read %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n > 5 && strcmp(de->d_name + n - 5, ".part") == 0) {
			unlinkat(dirfd(d), de->d_name, 0);
			kn_info("removed an unfinished upload %s/%s", dir, de->d_name);
		}
	}
	closedir(d);
	return 0;
}

static int
stale_lock_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);
	(void)st;
	(void)ftw;

	if (type == FTW_F && n > 5 && strcmp(path + n - 5, ".lock") == 0) {
		if (unlink(path) == 0)
			kn_warn("evidence: removed %s, left by a daemon that was stopped while moving a ref", path);
	}
	return 0;
}

/* A half-written loose object of libgit2 (objects/tmp_object_git2_*), left by a killed daemon. */
static int
stale_tmp_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type == FTW_F && strncmp(path + ftw->base, "tmp_object_git2_", 16) == 0 && unlink(path) == 0)
		kn_warn("evidence: removed %s, a half-written object left by a daemon that was stopped", path);
	return 0;
}

/*
 * Ref locks and half-written objects left by a killed daemon. This daemon
 * holds the store lock, so no other kinerjad writes this repository: every
 * ref lock and temporary object now is stale.
 */
static void
clean_ref_locks(const char *repo)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/refs/kinerja", repo);
	nftw(path, stale_lock_cb, 16, FTW_PHYS);
	snprintf(path, sizeof(path), "%s/packed-refs.lock", repo);
	if (unlink(path) == 0)
		kn_warn("evidence: removed a stale %s", path);
	snprintf(path, sizeof(path), "%s/objects", repo);
	nftw(path, stale_tmp_cb, 16, FTW_PHYS);
}

struct orphan_ctx {
	kd_server *srv;
	const verify_doc *docs;
	size_t n;
};

/* A ref no record names: an upload whose record was never saved. */
static int
orphan_remove_cb(void *ctx, const char *ref)
{
	struct orphan_ctx *oc = ctx;

	if (is_known_ref(oc->docs, oc->n, ref))
		return 0;
	if (evidence_ref_delete(oc->srv->ev, ref) == 0)
		kn_warn("evidence: removed %s: an upload was interrupted before its record was saved", ref);
	else
		oc->srv->ev_problems++;
	return 0;
}

int
kd_evidence_init(kd_server *srv)
{
	struct collect_ctx cc;
	int rc;

	if ((rc = evidence_types_parse(&srv->ev_types, srv->cfg.evidence_types)) ||
	    (rc = evidence_open(&srv->ev, srv->cfg.evidence_dir)) || (rc = clean_staging(srv->cfg.staging_dir)))
		return rc;
	clean_ref_locks(evidence_path(srv->ev));
	/* The records are the truth; the refs follow them (cheap check at start). */
	if ((rc = collect(&cc, srv->st, srv->school)) == 0) {
		verify_doc *docs = (verify_doc *)cc.docs.ptr;
		for (size_t i = 0; i < cc.docs.len / sizeof(verify_doc); i++) {
			char have[EVIDENCE_OID_HEX];
			if (evidence_check_commit(srv->ev, docs[i].commit, 0) != 0) {
				kn_err("evidence: %s: commit %s named by a record is missing or damaged: %s; restore the repository from a backup or a sync",
				    docs[i].ref, docs[i].commit, kn_error_message());
				srv->ev_problems++;
				continue;
			}
			if (evidence_ref_get(have, srv->ev, docs[i].ref) == 0 && strcmp(have, docs[i].commit) == 0)
				continue;
			if (evidence_ref_set(srv->ev, docs[i].ref, docs[i].commit) == 0)
				kn_warn("evidence: %s repaired to %s (an upload was interrupted before it was saved)", docs[i].ref,
				    docs[i].commit);
			else
				srv->ev_problems++;
		}
	}
	if (rc == 0 && srv->school[0]) {
		struct orphan_ctx oc = { srv, (verify_doc *)cc.docs.ptr, cc.docs.len / sizeof(verify_doc) };
		char prefix[32];
		snprintf(prefix, sizeof(prefix), "refs/kinerja/%s/", srv->school);
		rc = evidence_ref_foreach(srv->ev, prefix, orphan_remove_cb, &oc);
	}
	kn_buf_free(&cc.docs);
	kn_buf_free(&cc.commits);
	return rc;
}

void
kd_evidence_sweep(kd_server *srv)
{
	uint64_t now = kn_mono_ms();
	kd_upload *u = srv->uploads, *next;

	for (; u; u = next) {
		next = u->next;
		if (!u->busy && now - u->touched_ms > UPLOAD_IDLE_MS) {
			kn_info("evidence: upload %s idle for an hour, removed", u->id);
			upload_free(srv, u);
		}
	}
}

void
kd_evidence_free(kd_server *srv)
{
	while (srv->uploads)
		upload_free(srv, srv->uploads);
	evidence_close(srv->ev);
	srv->ev = NULL;
}
