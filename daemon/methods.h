/*
 * methods.h - the RPC methods of kinerjad, one function each. They are
 * reached only through the method table (table.c), which says who may
 * call each; a method does not check the session itself, it uses
 * req->sess and req->me filled by the dispatcher, and applies the
 * per-object domain/ predicate its table row names.
 */
#ifndef KD_METHODS_H
#define KD_METHODS_H

#include "../domain/plan.h"
#include "server.h"

/* methods.c */
int kd_m_status(kd_req *req, msgpack_packer *pk);
int kd_m_school_init(kd_req *req, msgpack_packer *pk);
int kd_m_user_add(kd_req *req, msgpack_packer *pk);
int kd_m_user_list(kd_req *req, msgpack_packer *pk);
int kd_m_session_logout(kd_req *req, msgpack_packer *pk);
int kd_m_session_info(kd_req *req, msgpack_packer *pk);
int kd_m_record_get(kd_req *req, msgpack_packer *pk);
int kd_m_record_history(kd_req *req, msgpack_packer *pk);

/* login.c */
int kd_m_session_login(kd_req *req, msgpack_packer *pk);
int kd_m_session_passwd(kd_req *req, msgpack_packer *pk);
int kd_m_user_reset_passphrase(kd_req *req, msgpack_packer *pk);
int kd_m_user_unlock(kd_req *req, msgpack_packer *pk);
/*
 * Store a person's sealed key in the caller's open write, with a new
 * recovery copy when recovery is not NULL, and set or clear the mark that
 * they must choose a new passphrase (school.init, user.add, and login.c).
 */
int kd_key_store(store_batch *b, const uint8_t pk[32], const kn_buf *sealed, const kn_buf *recovery, int must_change);

/*
 * A person as a result map: key, name, role, status, the Dapodik fields
 * and "eligibility" (kd_pack_eligibility_of with c; nil when c is NULL).
 */
void kd_pack_user(msgpack_packer *pk, const domain_user *u, const uint8_t key[32], const domain_catalog *c);

/* May the caller (a KD_MEMBER request) read the record v (domain_record_may_read)? */
int kd_view_access(kd_req *req, store_txn *t, const record_view *v);

/* records.c */
int kd_m_record_export(kd_req *req, msgpack_packer *pk);
int kd_m_record_import(kd_req *req, msgpack_packer *pk);

/* catalog.c */
int kd_m_catalog_add(kd_req *req, msgpack_packer *pk);
int kd_m_catalog_show(kd_req *req, msgpack_packer *pk);
int kd_m_catalog_list(kd_req *req, msgpack_packer *pk);

/* plan.c */
int kd_m_period_open(kd_req *req, msgpack_packer *pk);
int kd_m_dinas_period_open(kd_req *req, msgpack_packer *pk);
int kd_m_dinas_assign(kd_req *req, msgpack_packer *pk);
int kd_m_assignment_list(kd_req *req, msgpack_packer *pk);
int kd_m_sync_acts(kd_req *req, msgpack_packer *pk);

/*
 * Is reader the atasan of owner's SKP today, by any post of the school (a
 * principal's enrollment, or a Dinas assignment: Plt, Pengawas, Kepala
 * Dinas)? 1 or 0. For reading what the atasan reads (plan.c).
 */
int kd_plan_is_atasan(store_txn *t, const char *school, const uint8_t reader[32], const uint8_t owner[32],
    const domain_user *owner_u);

/* dinas.c: the education office's authority key, opened from its device-sealed copy (the caller frees it). */
int kd_authority_open(keys_secret **out, kd_server *srv);
/* At an office, a request must name the school it acts on (--sekolah); KN_EINVAL otherwise. */
int kd_office_school_needed(const kd_req *req);
/*
 * Sign a record of school at clock hlc naming parent (or none) and
 * auth[0..nauth), and add it to the batch, where the store's rules judge it
 * again.
 */
int kd_record_add_auth(uint8_t id[32], kd_server *srv, store_batch *b, const char *type, const char *school,
    const char *subject, uint64_t hlc, const uint8_t *parent, const uint8_t (*auth)[32], size_t nauth, const kn_buf *body,
    const keys_secret *signer);
int kd_m_period_show(kd_req *req, msgpack_packer *pk);
int kd_m_plan_save(kd_req *req, msgpack_packer *pk);
int kd_m_plan_submit(kd_req *req, msgpack_packer *pk);
int kd_m_plan_approve(kd_req *req, msgpack_packer *pk);
int kd_m_plan_return(kd_req *req, msgpack_packer *pk);
int kd_m_plan_agree(kd_req *req, msgpack_packer *pk);
int kd_m_plan_reopen(kd_req *req, msgpack_packer *pk);
int kd_m_plan_show(kd_req *req, msgpack_packer *pk);
int kd_m_plan_inbox(kd_req *req, msgpack_packer *pk);
int kd_m_plan_tasks(kd_req *req, msgpack_packer *pk);
/*
 * The plan view of owner's SKP for period, as plan.show answers it, packed
 * into pk: folded from the records in t (the current version by
 * kd_doc_head, the history by kd_history_load), so every store holding the
 * same records gives the same bytes for the same now_ms, which decides
 * only the period's state (open or closed) and the atasan of today.
 */
int kd_plan_view(msgpack_packer *pk, store_txn *t, const char *school, const uint8_t owner[32], const char *period,
    uint64_t now_ms);

/* people.c */
int kd_m_user_edit(kd_req *req, msgpack_packer *pk);
int kd_m_eligibility_show(kd_req *req, msgpack_packer *pk);
int kd_m_identity_show(kd_req *req, msgpack_packer *pk);
int kd_m_identity_confirm(kd_req *req, msgpack_packer *pk);
/*
 * The eligibility fields of a user.add or user.edit request into u: those
 * given replace u's ("jenis_ptk", "naungan" pemda or kemenag in any case,
 * "seconded_private" yes/ya/true or no/tidak/false); *n counts them.
 * KN_EINVAL naming the argument that is malformed.
 */
int kd_user_args_eligibility(domain_user *u, const kd_req *req, size_t *n);
/*
 * u's eligibility on catalog c as {eligible, mandatory, ekinerja_sync,
 * may_draft, fix_by, code, message} (domain_eligibility_get with
 * identity.h's defaults); nil when c is NULL (no catalog stored).
 */
void kd_pack_eligibility_of(msgpack_packer *pk, const domain_user *u, const domain_catalog *c);
/*
 * The identity view of owner, as identity.show answers it: every field
 * with Dapodik's value (the enrollment, the school's name) beside the
 * confirmed one, whether it may be edited and differs, the state, the
 * edit left, and eligibility on the newest catalog.
 */
int kd_identity_view(msgpack_packer *pk, store_txn *t, const char *school, const uint8_t owner[32]);
/*
 * The one check plan.c makes before an act (in the request's write, t):
 * for the owner's acts on their own SKP of period, their eligibility on
 * the period's catalog and, before the first act, their identity
 * confirmed (domain_plan_may_start). 0 for the atasan's acts.
 */
int kd_plan_may_start(kd_req *req, store_txn *t, domain_skp_action action, const char *period);

/* evidence.c */
int kd_m_evidence_upload_begin(kd_req *req, msgpack_packer *pk);
int kd_m_evidence_upload_chunk(kd_req *req, msgpack_packer *pk);
int kd_m_evidence_upload_status(kd_req *req, msgpack_packer *pk);
int kd_m_evidence_upload_cancel(kd_req *req, msgpack_packer *pk);
int kd_m_evidence_upload_finish(kd_req *req, msgpack_packer *pk);
int kd_m_evidence_submit(kd_req *req, msgpack_packer *pk);
int kd_m_evidence_list(kd_req *req, msgpack_packer *pk);
int kd_m_evidence_history(kd_req *req, msgpack_packer *pk);
int kd_m_evidence_read(kd_req *req, msgpack_packer *pk);
int kd_m_evidence_verify(kd_req *req, msgpack_packer *pk);

#endif
