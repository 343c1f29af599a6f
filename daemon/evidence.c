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
 *
 * The methods are split along their seams: evidence_upload.c (uploads and
 * Kumpulkan, expiry of idle uploads), evidence_query.c (list, history,
 * read), evidence_verify.c (verify, and the repair at start). This file
 * holds what they share, and the end of the module.
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

void
kd_ev_pack_bool(msgpack_packer *pk, int v)
{
	if (v)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

/* The caller's session and enrollment, as the dispatcher found them (KD_MEMBER). */
int
kd_ev_session_user(kd_session **s, domain_user *u, kd_req *req)
{
	*s = req->sess;
	*u = req->me;
	return 0;
}

/* period argument, or the current one. */
int
kd_ev_period_arg(char period[8], const kd_req *req)
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
int
kd_ev_subject_arg(uint8_t pk[32], domain_user *subject, kd_req *req, const kd_session *s, const domain_user *me)
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
	/* the atasan by a Dinas assignment (a Plt) reads what a principal reads */
	int by_post = rc == 0 && kd_plan_is_atasan(t, req->srv->school, s->key->pk, pk, subject);
	store_read_end(t);
	if (rc == KN_ENOTFOUND)
		return domain_msg_error(KN_ENOTFOUND, "teacher", "PEGAWAI_TIDAK_TERDAFTAR", "nomor", ident, NULL);
	if (rc)
		return rc;
	if (by_post && domain_may_use(me) == 0)
		return 0;
	return domain_person_may_read(me, s->key->pk, subject, pk);
}

void
kd_ev_doc_key(char *out, size_t outsz, const char *npsn, const uint8_t pk[32], const char *period)
{
	char hex[65];
	snprintf(out, outsz, "evidence/%s/%s.%s", npsn, kn_hex(hex, pk, 32), period);
}

void
kd_ev_ref_name(char *out, size_t outsz, const char *npsn, const uint8_t pk[32], const char *period)
{
	char hex[65];
	snprintf(out, outsz, "refs/kinerja/%s/%s/%s", npsn, kn_hex(hex, pk, 32), period);
}

/* Newest evidence record of a document; KN_ENOTFOUND when none. */
int
kd_ev_head(domain_evidence *out, store_txn *t, const char *doc)
{
	record_view v;
	int rc = kd_doc_head(&v, t, doc);

	if (rc)
		return rc;
	rc = domain_evidence_parse(out, v.body);
	record_view_free(&v);
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
			kd_ev_upload_free(srv, u);
		}
	}
}

void
kd_evidence_free(kd_server *srv)
{
	while (srv->uploads)
		kd_ev_upload_free(srv, srv->uploads);
	evidence_close(srv->ev);
	srv->ev = NULL;
}

