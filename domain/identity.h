/*
 * identity.h - who may use Pengelolaan Kinerja here, read from the
 * enrollment the Operator Sekolah made from Dapodik, and the person's own
 * confirmation of their data, "Data sudah sesuai" (DOMAIN.md §1, §3
 * Pegawai, §4.2, §5.1, §5.2, R7, R9, R13). Built on plan.h's
 * domain_eligibility_get and domain_identity_*; pure like them: the
 * caller passes the records, already read.
 *
 * Record:
 *
 *   "identity" subject = the person's key in lower-case hex. One
 *             confirmation by the person themselves: body {"nama",
 *             "nip", "status", "pangkat", "golongan", "jenjang",
 *             "satuan_pendidikan", "jenis_ptk": str ("" when empty),
 *             "edited": [the fields this version changed, in that order],
 *             "edit_ms": when the one edit of this chain was made, or nil}.
 *             Strict: every key present once, no other. parents = the
 *             confirmation it replaces (none for the first, at most one);
 *             auth = [the author's enrollment, the school record]: the
 *             Dapodik data it is compared with, as the person saw it.
 *
 * The acceptance rule (domain_identity_accept) recomputes "edited" and
 * "edit_ms" from the parent and the enrollment named, and refuses a body
 * that says otherwise, a second edit, a change of a field only Dapodik
 * sets, and a confirmation by anyone but the person.
 *
 * ---- Decisions made here where DOMAIN.md is silent ----
 *  I1. The person may edit nama, pangkat, golongan and jenjang (what their
 *      SK says, and what the SKP shows). NIP, status kepegawaian, Jenis PTK
 *      and the satuan pendidikan are Dapodik's and only the Operator
 *      Sekolah corrects them: they decide the login, the match with SIASN
 *      and eligibility, and a teacher must not make themselves eligible
 *      (R7: the Operator fixes Jenis PTK in Dapodik).
 *  I2. A version edits a field when the value differs both from Dapodik's
 *      (the enrollment named) and from the version it replaces: keeping
 *      one's earlier edit, or taking Dapodik's value, is never an edit. A
 *      version that edits any field uses the account's one edit (plan.h
 *      P11); every later version carries that edit's time, so acceptance
 *      needs only the parent, whatever order records arrive in. Two first
 *      confirmations made at once on two machines are two heads (the fold
 *      shows one), as for every document.
 *  I3. A new confirmation starts from the last one (Dapodik's data the
 *      first time); the Dapodik fields always come from the enrollment.
 *  I4. Enrollments made before the eligibility fields existed stay valid:
 *      naungan absent is taken as pemda (Kinerja runs for the schools of a
 *      Pemda's Dinas; the operator marks Kemenag-managed staff), secondment
 *      absent as none, and Jenis PTK absent as not recorded: a Guru may
 *      keep a draft, and the Operator Sekolah records it before the plan
 *      can be submitted (R7's "allow offline draft meanwhile").
 *  I5. Eligibility and the identity are required where an owner's act on
 *      an SKP is made (domain_plan_may_start, called by plan.save,
 *      plan.submit and plan.agree), not by the acceptance of skp records;
 *      docs/design.md says why.
 *  I6. Reading: a person's identity record is theirs alone; eligibility is
 *      read by the person, the Operator Sekolah (who fixes Dapodik) and
 *      the person's atasan (domain_eligibility_may_read).
 */
#ifndef KN_DOMAIN_IDENTITY_H
#define KN_DOMAIN_IDENTITY_H

#include <msgpack.h>
#include <stdint.h>

#include "../util/kn.h"
#include "catalog.h"
#include "domain.h"
#include "plan.h"

/* ---- eligibility of an enrolled person ---- */

/* The query of domain_eligibility_get from an enrollment, with I4's defaults. Borrows u's strings. */
void domain_eligibility_query_of(domain_eligibility_query *out, const domain_user *u);

/*
 * May reader see subject's eligibility: themselves, the Operator Sekolah,
 * or the subject's atasan (domain_is_atasan_of)? 0 or KN_EDENIED.
 */
int domain_eligibility_may_read(const domain_user *reader, const uint8_t reader_pk[32], const domain_user *subject,
    const uint8_t subject_pk[32]);

/*
 * May the owner make act a on their own SKP now? e is their eligibility,
 * plan_exists whether the SKP of the period has a version already,
 * identity_confirmed whether they have confirmed their data. Judged on the
 * person first (plan.h P8): Simpan needs e->may_draft and every other act
 * e->eligible (KN_EDENIED, field "kelayakan", with e's reason and who
 * fixes what); then the first act needs the identity confirmed (P7;
 * KN_ESTATE, field "identitas"). The atasan's acts are not judged here
 * (0). why (when not NULL) and the last error say why.
 */
int domain_plan_may_start(domain_problem *why, const domain_eligibility *e, domain_skp_action a, int plan_exists,
    int identity_confirmed);

/* ---- the identity record ---- */

#define DOMAIN_IDENTITY_NFIELDS 8

/* The wire name of field i ("nama", "nip", ...), its label ("Nama", ...), whether the person may edit it (I1). */
const char *domain_identity_field_name(size_t i);
const char *domain_identity_field_label(size_t i);
int domain_identity_field_editable(size_t i);
/* Field i of id (borrowed). */
const char *domain_identity_field(const domain_identity *id, size_t i);
/* Set field i of id; KN_ETOOBIG naming the field when value does not fit. */
int domain_identity_field_set(domain_identity *id, size_t i, const char *value);
/* The index of a field name, or -1. */
int domain_identity_field_index(const char *name, size_t n);

/* Dapodik's data of a person: their enrollment and the school's name. */
void domain_identity_of(domain_identity *out, const domain_user *u, const char *school_name);

typedef struct {
	domain_identity data;       /* what the person confirmed */
	size_t nedited;
	const char *edited[DOMAIN_IDENTITY_NFIELDS]; /* static names, in field order */
	uint64_t edit_ms;           /* when the one edit of this chain was made; 0: never */
} domain_identity_body;

/* Parse an identity body (strict). KN_EINVAL naming the field. */
int domain_identity_body_parse(domain_identity_body *out, const msgpack_object *body);
/* Append an identity body to out. 0 or KN_ENOMEM. */
int domain_identity_body_pack(kn_buf *out, const domain_identity_body *b);

typedef struct {
	const domain_user *owner;          /* the enrollment it is compared with (Dapodik's data) */
	const char *school_name;           /* the school record's name (satuan pendidikan) */
	const domain_identity_body *prev;  /* the confirmation it replaces; NULL for the first */
	const domain_identity *confirmed;  /* what the person confirms */
	uint64_t at_ms;                    /* the confirmation's own time */
} domain_identity_input;

/*
 * Decide a confirmation: the Dapodik fields unchanged (I1), the edited
 * fields well formed, which fields this version edits (I2) and whether
 * the one edit is still there (domain_identity_may_confirm). Returns 0
 * with *out the body to write, or KN_EDENIED / KN_EINVAL with why (when
 * not NULL) and the last error in Indonesian, naming the field.
 */
int domain_identity_decide(domain_identity_body *out, domain_problem *why, const domain_identity_input *in);

/*
 * May author, enrolled as author_user, confirm the identity of subject_pk?
 * Only the person themselves, an active Guru or Kepala Sekolah. 0 or
 * KN_EDENIED (Indonesian).
 */
int domain_identity_may_write(const domain_user *author_user, const uint8_t author_pk[32], const uint8_t subject_pk[32]);

/*
 * The acceptance branch of "identity" records (domain_record_accept): the
 * subject is the author, auth is exactly the author's enrollment and the
 * school record (both of this school, older than r), the author may write
 * it, and the body is what domain_identity_decide makes of the parent, the
 * enrollment and the data it carries at r's own time.
 */
int domain_identity_accept(const domain_rec *r, const domain_rec *parents, size_t nparents, const domain_rec *auth,
    size_t nauth);

#endif
