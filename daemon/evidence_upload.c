/*
 * evidence_upload.c - uploads of Bukti Dukung (begin, chunk, status,
 * cancel, finish on the writer lane), Kumpulkan (evidence.submit), and the
 * expiry of idle uploads. See evidence.c.
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
#include "../domain/messages.h"
#include "../domain/skp.h"
#include "evidence_int.h"
#include "methods.h"
#include "server.h"
#include "work.h"

/*
 * Bukti Dukung follows the plan (DOMAIN.md §5.9): an RHK or Tugas Tambahan
 * slot takes files only while the person's SKP of the period is agreed
 * and holds that item (domain_evidence_slot_allowed). Only new uploads are
 * gated; files already uploaded stay readable whatever the plan does.
 */
static int
slot_in_plan(kd_server *srv, const uint8_t pk[32], const char *period, const char *slot)
{
	char doc[RECORD_DOC_KEY_MAX], subject[DOMAIN_SKP_SUBJECT_LEN + 1];
	domain_skp_body *skp = NULL;
	record_view v;
	store_txn *t;
	int rc;

	if (domain_evidence_slot_allowed(NULL, slot, period, NULL) == 0)
		return 0; /* a slot the plan does not gate (a Praktik Kinerja step) */
	kn_error_clear();
	if ((rc = store_read_begin(&t, srv->st)))
		return rc;
	domain_skp_subject(subject, sizeof(subject), pk, period);
	snprintf(doc, sizeof(doc), "skp/%s/%s", srv->school, subject);
	rc = kd_doc_head(&v, t, doc);
	if (rc == 0) {
		if ((skp = calloc(1, sizeof(*skp))) == NULL)
			rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		else if (domain_skp_body_parse(skp, v.body) != 0) {
			free(skp);
			skp = NULL;
		}
		record_view_free(&v);
	}
	if (rc == 0 || rc == KN_ENOTFOUND)
		rc = domain_evidence_slot_allowed(NULL, slot, period, skp);
	free(skp);
	store_read_end(t);
	return rc;
}

/* Largest chunk: 256 KiB, or less when requests are limited to less (max_frame_kb). */
static size_t
chunk_max(const kd_server *srv)
{
	size_t frame = (size_t)srv->cfg.max_frame_kb * 1024;
	size_t room = frame > 2048 ? frame - 1024 : 1024;
	return room < UPLOAD_CHUNK_MAX ? room : UPLOAD_CHUNK_MAX;
}

void
kd_ev_upload_free(kd_server *srv, kd_upload *u)
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
				return domain_msg_error(KN_ESTATE, "upload_id", "UNGGAH_SEDANG_DISIMPAN", NULL);
			u->touched_ms = kn_mono_ms();
			*out = u;
			return 0;
		}
	}
	return domain_msg_error(KN_ENOTFOUND, "upload_id", "UNGGAH_TIDAK_ADA", "id", id, NULL);
}

int
kd_m_evidence_upload_begin(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	kd_session *s;
	domain_user me;
	char period[8], slot[EVIDENCE_SLOT_MAX + 1], name[EVIDENCE_NAME_MAX + 1];
	int rc, n = 0;

	if ((rc = kd_ev_session_user(&s, &me, req)) || (rc = domain_evidence_may_write(&me, s->key->pk, s->key->pk)) ||
	    (rc = kd_ev_period_arg(period, req)) || (rc = kd_arg_str(slot, sizeof(slot), req, "slot", 1)) ||
	    (rc = evidence_slot_check(slot)) || (rc = kd_arg_str(name, sizeof(name), req, "name", 1)) ||
	    (rc = evidence_name_check(name)) || (rc = slot_in_plan(req->srv, s->key->pk, period, slot)))
		return rc;
	const msgpack_object *sz = kd_arg(req, "size");
	if (sz == NULL || sz->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return domain_msg_error(KN_EINVAL, "size", "UNGGAH_UKURAN_WAJIB", NULL);
	uint64_t max = (uint64_t)srv->cfg.evidence_max_mb * 1000 * 1000;
	if (sz->via.u64 == 0)
		return domain_msg_error(KN_EINVAL, "file", "BERKAS_KOSONG", NULL);
	if (sz->via.u64 > max) {
		char have[32], limit[32];
		snprintf(have, sizeof(have), "%.1f MB", (double)sz->via.u64 / 1e6);
		snprintf(limit, sizeof(limit), "%d MB", srv->cfg.evidence_max_mb);
		return domain_msg_error(KN_ETOOBIG, "file", "BERKAS_TERLALU_BESAR", "ukuran", have, "batas", limit, "saran",
		    "kompres atau pecah berkasnya", NULL);
	}
	for (kd_upload *u = srv->uploads; u; u = u->next)
		n += memcmp(u->owner, s->key->pk, 32) == 0;
	if (n >= UPLOADS_PER_PERSON)
		return domain_msg_error(KN_EBUSY, "upload_id", "UNGGAH_TERLALU_BANYAK_MILIK", "jumlah", domain_msg_num((unsigned)n).s, NULL);
	int all = 0;
	for (kd_upload *v = srv->uploads; v; v = v->next)
		all++;
	if (all >= UPLOADS_MAX)
		return domain_msg_error(KN_EBUSY, "upload_id", "UNGGAH_TERLALU_BANYAK", "jumlah", domain_msg_num((unsigned)all).s, NULL);

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
		return domain_msg_error(KN_EINVAL, "offset", "UNGGAH_OFFSET_WAJIB", NULL);
	if (data == NULL || data->type != MSGPACK_OBJECT_BIN || data->via.bin.size == 0)
		return domain_msg_error(KN_EINVAL, "data", "UNGGAH_DATA_WAJIB", NULL);
	if (data->via.bin.size > chunk_max(srv))
		return domain_msg_error(KN_ETOOBIG, "data", "UNGGAH_POTONGAN_BESAR", "maks", domain_msg_num(chunk_max(srv)).s, NULL);
	if (off->via.u64 != u->received)
		return domain_msg_error(KN_ESTATE, "offset", "UNGGAH_OFFSET_SALAH", "harap", domain_msg_num(u->received).s, "dapat",
		    domain_msg_num(off->via.u64).s, NULL);
	if (u->received + data->via.bin.size > u->size)
		return domain_msg_error(KN_ETOOBIG, "data", "UNGGAH_MELEWATI_UKURAN", "ukuran", domain_msg_num(u->size).s, NULL);
	const uint8_t *p = (const uint8_t *)data->via.bin.ptr;
	size_t left = data->via.bin.size;
	uint64_t at = u->received;
	while (left) {
		ssize_t w = pwrite(u->fd, p, left, (off_t)at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == ENOSPC)
			return domain_msg_error(KN_EFULL, "", "UNGGAH_DISK_PENUH", NULL);
		if (w <= 0)
			return kn_error_set(KN_ERROR, "", "cannot write the staging file: %s", strerror(errno));
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
			rc = evidence_type_refuse(head, n > 0 ? (size_t)n : 0, srv->ev_types);
			kd_ev_upload_free(srv, u);
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
	kd_ev_upload_free(req->srv, u);
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
	char sha256[65];              /* the file's identity, computed before it is stored */
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
		rc = evidence_sha256_fd(fj->sha256, fj->u->fd);
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
	msgpack_pack_map(&pk, upload ? 12 : 4);
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
	kd_pack_kv_str(&pk, "sha256", e->sha256);
	kd_pack_kv_str(&pk, "type", e->type);
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
	kd_ev_doc_key(doc, sizeof(doc), srv->school, s->key->pk, e->period);
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
		memcpy(e.sha256, fj->sha256, sizeof(e.sha256));
		snprintf(e.type, sizeof(e.type), "%s", evidence_type_mime(fj->type));
		rc = write_evidence(req, s, &e);
	}
	if (rc == 0) {
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 12);
		kd_pack_kv_str(&pk, "sha256", fj->sha256);
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
		kd_ev_pack_bool(&pk, fj->res.dedup != 0);
		kd_pack_str(&pk, "unchanged");
		kd_ev_pack_bool(&pk, fj->res.unchanged != 0);
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
		kd_ev_upload_free(srv, fj->u);
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
		return domain_msg_error(KN_ESTATE, "file", "UNGGAH_BELUM_LENGKAP", "diterima", domain_msg_num(u->received).s, "ukuran",
		    domain_msg_num(u->size).s, NULL);
	if ((rc = domain_evidence_may_write(&me, s->key->pk, s->key->pk)))
		return rc;
	finish_job *fj = calloc(1, sizeof(*fj));
	if (fj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	fj->u = u;
	fj->allowed = srv->ev_types;
	fj->max = (uint64_t)srv->cfg.evidence_max_mb * 1000 * 1000;
	kd_ev_ref_name(fj->ref, sizeof(fj->ref), srv->school, s->key->pk, u->period);
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

	if ((rc = kd_ev_session_user(&s, &me, req)) || (rc = domain_evidence_may_write(&me, s->key->pk, s->key->pk)) ||
	    (rc = kd_ev_period_arg(period, req)) || (rc = store_read_begin(&t, srv->st)))
		return rc;
	kd_ev_doc_key(doc, sizeof(doc), srv->school, s->key->pk, period);
	rc = kd_ev_head(&e, t, doc);
	store_read_end(t);
	if (rc == KN_ENOTFOUND)
		return domain_msg_error(KN_ESTATE, "period", "BUKTI_KUMPUL_KOSONG", "periode", period, NULL);
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
	kd_ev_pack_bool(pk, already);
	return 0;
}

