/*
 * evidence_int.h - what the files of the evidence methods share (evidence.c,
 * evidence_upload.c, evidence_query.c, evidence_verify.c). Private to daemon/.
 */
#ifndef KD_EVIDENCE_INT_H
#define KD_EVIDENCE_INT_H

#include "../domain/domain.h"
#include "server.h"

#define UPLOAD_CHUNK_MAX (256 * 1024)

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

/* Pack a msgpack boolean. */
void kd_ev_pack_bool(msgpack_packer *pk, int v);
/* The caller's session and enrollment, as the dispatcher found them (KD_MEMBER). */
int kd_ev_session_user(kd_session **s, domain_user *u, kd_req *req);
/* The "period" argument, or the current period. */
int kd_ev_period_arg(char period[8], const kd_req *req);
/* Whose evidence a request is about ("teacher" NIP/NUPTK, or the caller), checked for reading. */
int kd_ev_subject_arg(uint8_t pk[32], domain_user *subject, kd_req *req, const kd_session *s, const domain_user *me);
/* Document key and git ref of a person's evidence in a period. */
void kd_ev_doc_key(char *out, size_t outsz, const char *npsn, const uint8_t pk[32], const char *period);
void kd_ev_ref_name(char *out, size_t outsz, const char *npsn, const uint8_t pk[32], const char *period);
/* Newest evidence record of a document; KN_ENOTFOUND when none. */
int kd_ev_head(domain_evidence *out, store_txn *t, const char *doc);
/* Forget an upload: close and remove its staging file (evidence_upload.c). */
void kd_ev_upload_free(kd_server *srv, kd_upload *u);

#endif
