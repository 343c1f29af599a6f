/*
 * evidence_query.c - reading Bukti Dukung: evidence.list, evidence.history
 * and evidence.read, on the pool's reader lane. See evidence.c.
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
#include "evidence_int.h"
#include "methods.h"
#include "server.h"
#include "work.h"

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
	if ((rc = kd_ev_session_user(&s, &me, req)) || (rc = kd_ev_period_arg(period, req)) ||
	    (rc = kd_ev_subject_arg(spk, &who, req, s, &me)) || (rc = store_read_begin(&t, srv->st)))
		return rc;
	kd_ev_doc_key(doc, sizeof(doc), srv->school, spk, period);
	rc = kd_ev_head(&e, t, doc);
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
	kd_ev_pack_bool(pk, e->dedup != 0);
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
	if ((rc = kd_ev_session_user(&s, &me, req)) || (rc = kd_ev_period_arg(period, req)) ||
	    (rc = kd_ev_subject_arg(spk, &who, req, s, &me)) || (rc = kd_arg_str(slot, sizeof(slot), req, "slot", 0)) ||
	    (rc = kd_page_args(&page, req)))
		return rc;
	ev_history_job *hj = calloc(1, sizeof(*hj));
	if (hj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	hj->st = srv->st;
	snprintf(hj->school, sizeof(hj->school), "%s", srv->school);
	kd_ev_doc_key(hj->doc, sizeof(hj->doc), srv->school, spk, period);
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
		rc = want ? domain_msg_error(KN_ENOTFOUND, "commit", "BUKTI_VERSI_TIDAK_ADA", "versi", rj->commit, NULL) :
		    domain_msg_error(KN_ENOTFOUND, "period", "BUKTI_BELUM_ADA", "periode", rj->period, NULL);
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
	if ((rc = kd_ev_session_user(&s, &me, req)) || (rc = kd_ev_period_arg(period, req)) ||
	    (rc = kd_ev_subject_arg(spk, &who, req, s, &me)) || (rc = kd_arg_str(slot, sizeof(slot), req, "slot", 1)) ||
	    (rc = kd_arg_str(name, sizeof(name), req, "name", 1)) ||
	    (rc = kd_arg_str(commit, sizeof(commit), req, "commit", 0)))
		return rc;
	if (commit[0] && (strlen(commit) < 7 || strspn(commit, "0123456789abcdef") != strlen(commit)))
		return domain_msg_error(KN_EINVAL, "commit", "BUKTI_VERSI_FORMAT", NULL);
	const msgpack_object *off = kd_arg(req, "offset"), *len = kd_arg(req, "length");
	if (off && off->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return domain_msg_error(KN_EINVAL, "offset", "UNDUH_OFFSET", NULL);
	if (len && (len->type != MSGPACK_OBJECT_POSITIVE_INTEGER || len->via.u64 == 0))
		return domain_msg_error(KN_EINVAL, "length", "UNDUH_PANJANG", NULL);
	uint64_t offset = off ? off->via.u64 : 0;
	uint64_t length = len ? len->via.u64 : UPLOAD_CHUNK_MAX;
	if (length > UPLOAD_CHUNK_MAX)
		length = UPLOAD_CHUNK_MAX;
	read_job *rj = calloc(1, sizeof(*rj));
	if (rj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	rj->j.lane = KD_LANE_READ;
	rj->st = srv->st;
	kd_ev_doc_key(rj->doc, sizeof(rj->doc), srv->school, spk, period);
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

