/*
 * evidence_verify.c - evidence.verify, and at start the repair of refs
 * from the records (the records are the truth, the refs a cache). See
 * evidence.c.
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
#include "evidence_int.h"
#include "methods.h"
#include "server.h"
#include "work.h"

/* Verification: every commit named by a record, and every ref. */
typedef struct {
	char ref[200];
	char commit[EVIDENCE_OID_HEX]; /* newest */
} verify_doc;

/* A file's identity as its upload record states it. */
typedef struct {
	char blob[EVIDENCE_OID_HEX];
	char sha256[65];
} verify_file;

struct collect_ctx {
	const char *school;
	store_txn *t;
	kn_buf docs; /* verify_doc[] */
	kn_buf commits;
	kn_buf files; /* verify_file[] */
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
	kd_ev_doc_key(doc, sizeof(doc), cc->school, pk, period);
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
		if (rc == 0 && strcmp(e.action, "upload") == 0 && e.sha256[0]) {
			verify_file f;
			memcpy(f.blob, e.blob, sizeof(f.blob));
			memcpy(f.sha256, e.sha256, sizeof(f.sha256));
			rc = kn_buf_put(&cc->files, &f, sizeof(f));
		}
		if (rc == 0 && i == h.n - 1) {
			verify_doc d;
			kd_ev_ref_name(d.ref, sizeof(d.ref), cc->school, pk, period);
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
	size_t nfiles;   /* files whose SHA-256 was checked (deep) */
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
		kn_buf_free(&cc.files);
		return;
	}
	/* deep: every file is the one its record's signed SHA-256 names */
	for (size_t i = 0; vj->deep && i < cc.files.len / sizeof(verify_file); i++) {
		const verify_file *f = (const verify_file *)cc.files.ptr + i;
		char sum[65];
		vj->nfiles++;
		if (evidence_sha256_blob(sum, NULL, j->ev, f->blob) != 0)
			problem(vj, "blob %s: %s", f->blob, kn_error_message());
		else if (strcmp(sum, f->sha256) != 0)
			problem(vj, "blob %s is not the file its record names (SHA-256 %s)", f->blob, f->sha256);
	}
	kn_buf_free(&cc.files);
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

	msgpack_pack_map(pk, 6);
	kd_pack_kv_u64(pk, "files_hashed", vj->nfiles);
	kd_pack_kv_str(pk, "repository", vj->path);
	kd_pack_kv_u64(pk, "documents", vj->ndocs);
	kd_pack_kv_u64(pk, "commits", vj->ncommits);
	kd_pack_str(pk, "deep");
	kd_ev_pack_bool(pk, vj->deep);
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
	if ((rc = kd_ev_session_user(&s, &me, req)))
		return rc;
	if (srv->verifying)
		return domain_msg_error(KN_EBUSY, "", "BUKTI_PERIKSA_BERJALAN", NULL);
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
	kn_buf_free(&cc.files);
	return rc;
}

