/*
 * domain.h - the rules of the performance cycle, as pure functions.
 *
 * Nothing here does I/O: callers fetch what a rule needs (the author's
 * current enrollment, the school record) and pass it in. The same functions
 * run in the school daemon before a record is stored and, later, at the hub
 * on every record it receives.
 *
 * Record types defined so far:
 *   "school"  subject = NPSN. body {"name": str, "operator": bin32}
 *   "user"    subject = hex of the person's public key. body
 *             {"name", "role", "status", "nip"?, "nuptk"?, "golongan"?,
 *              "pangkat"?, "jenjang"?, "jenis_ptk"?, "naungan"?,
 *              "seconded_private"?, "active": bool}; strict (an unknown
 *             or repeated key is refused). The last three are the inputs
 *             of eligibility (identity.h, I4): absent in enrollments made
 *             before them, which stay valid.
 *   "evidence" subject = "<person key hex>.<period>". body
 *             {"period": "2026-1", "commit": hex40 (git commit of the files),
 *              "state": "draf"|"dikumpulkan", "action": "upload"|"submit",
 *              "slot"?, "name"?, "blob"?, "size"?, "replaced"?, "dedup"?}
 *             Written only by the person it is about (Bukti Dukung).
 *   "catalog" subject = the catalog version (catalog.h: BLAKE2b-256 of the
 *             JSON bytes, 64 lower-case hex). body {"json": bin, the
 *             catalog file's exact bytes}. Written by an active Operator
 *             Sekolah; never replaced (a correction is a new version).
 *   "period"  subject = "2026-1": the school's semester opened (skp.h).
 *   "skp"     subject = "<person key hex>.<period>": one version of a
 *             person's SKP (skp.h).
 *   "identity" subject = hex of the person's key: the person's own
 *             confirmation of their data, "Data sudah sesuai" (identity.h).
 *   "registration" subject = the NPSN of a school an office's hub serves;
 *             school = the office's code. body {"device": bin32, "revoked":
 *             bool}: the school daemon's device key (registration.c).
 * Roles: "operator" (Operator Sekolah), "guru", "kepala_sekolah".
 * Status kepegawaian: "PNS", "PPPK", "NON_ASN".
 */
#ifndef KN_DOMAIN_H
#define KN_DOMAIN_H

#include <msgpack.h>
#include <stdint.h>

#include "../util/kn.h"

#define DOMAIN_NAME_MAX 100

typedef struct {
	char name[DOMAIN_NAME_MAX + 1];
	uint8_t operator_pk[32];
	int has_authority;          /* "authority" present: the Dinas key whose acts the school accepts */
	uint8_t authority_pk[32];
	int office;                 /* "kind": "dinas": the store of an education office, not a school */
} domain_school;

typedef struct {
	char name[DOMAIN_NAME_MAX + 1];
	char role[16];
	char status[8];
	char nip[19];      /* 18 digits, ASN only; "" when absent */
	char nuptk[17];    /* 16 digits; "" when absent */
	char golongan[8];  /* e.g. "III/a" (PNS), "IX" (PPPK) */
	char pangkat[41];  /* e.g. "Penata Muda" */
	char jenjang[32];  /* e.g. "Guru Ahli Pertama" */
	char jenis_ptk[41]; /* Jenis PTK in Dapodik, e.g. "Guru Kelas"; "" when not recorded */
	char naungan[8];   /* "pemda" or "kemenag"; "" when not recorded (taken as pemda) */
	int seconded_private; /* an ASN dipekerjakan (seconded) to a private school */
	int active;
} domain_user;

typedef struct {
	char period[8];    /* "2026-1" */
	char commit[41];
	char state[16];
	char action[8];
	char slot[33];
	char name[129];
	char blob[41];
	char replaced[129];
	uint64_t size;
	int dedup;
	char sha256[65];   /* the file's identity: SHA-256 of its raw bytes, lower-case hex; "" in older records */
	char type[96];     /* its media type, e.g. "application/pdf"; "" in older records */
} domain_evidence;

/* Parse and check an evidence body. KN_EINVAL with the field at fault. */
int domain_evidence_parse(domain_evidence *out, const msgpack_object *body);
/* May author (enrolled as author_user, NULL if not) write evidence about subject_pk? */
int domain_evidence_may_write(const domain_user *author_user, const uint8_t author_pk[32], const uint8_t subject_pk[32]);
/* A period "YYYY-S" (S = 1: Jan-Jun, 2: Jul-Dec). */
int domain_check_period(const char *period);
/* The period a time (ms since the epoch, WIB) falls in. out holds 8. */
void domain_period_of(char *out, uint64_t ms);

/* Parse and check a school body. KN_EINVAL with the field at fault. */
int domain_school_parse(domain_school *out, const msgpack_object *body);
/* Parse and check a user body (strict keys). KN_EINVAL with the field at fault. */
int domain_user_parse(domain_user *out, const msgpack_object *body);
/* Append the body of a "user" record for u to out (absent fields as nil). 0 or KN_ENOMEM. */
int domain_user_pack(kn_buf *out, const domain_user *u);

/*
 * May author (whose own enrollment in the school is author_user, or NULL
 * when the author has none) write the enrollment `user` for the person
 * whose key is subject_pk, in a school whose record is `school` (NULL when
 * the school record is absent)? Returns 0 or KN_EDENIED with a reason.
 */
int domain_user_may_write(const domain_user *author_user, const uint8_t author_pk[32],
    const domain_school *school, const domain_user *user, const uint8_t subject_pk[32]);

/* May this author change an existing school record? */
int domain_school_may_edit(const domain_user *author_user);

/* Checks of single fields, reused by the CLI for early messages. */
int domain_check_npsn(const char *npsn);
int domain_check_nip(const char *nip);
int domain_check_nuptk(const char *nuptk);
int domain_check_role(const char *role);
/* A person's name: 2 to DOMAIN_NAME_MAX bytes, no control characters; field names it in the error. */
int domain_check_name(const char *name, const char *field);
/* A golongan that fits status kepegawaian status (III/a for PNS, IX for PPPK, none for non-ASN). */
int domain_check_golongan(const char *status, const char *golongan);
/* A jenjang jabatan: one of the four Guru Ahli ..., and for an ASN only. */
int domain_check_jenjang(const char *jenjang, int asn);
/* Naungan: "pemda" or "kemenag". */
int domain_check_naungan(const char *naungan);

/*
 * Access (access.c). Each returns 0 or KN_EDENIED with a message that says
 * who may. me is the caller's enrollment now (NULL when none).
 *   domain_may_use              any active person of the school
 *   domain_may_administer       the Operator Sekolah (people, device, resets)
 *   domain_may_list_people      Operator Sekolah, Kepala Sekolah
 *   domain_may_keep_evidence    Guru, Kepala Sekolah (they have Bukti Dukung)
 *   domain_may_check_repository Operator Sekolah, Kepala Sekolah
 */
int domain_may_use(const domain_user *me);
int domain_may_administer(const domain_user *me);
int domain_may_list_people(const domain_user *me);
int domain_may_keep_evidence(const domain_user *me);
int domain_may_check_repository(const domain_user *me);
/*
 * Planning (skp.h):
 *   domain_may_open_periods     the Kepala Sekolah (R10; the Dinas path comes later)
 *   domain_may_plan             Guru, Kepala Sekolah (they have an SKP)
 *   domain_may_judge_plans      the Kepala Sekolah (the atasan of the school's teachers)
 *   domain_may_read_plans       Guru, Kepala Sekolah: never the Operator Sekolah
 */
int domain_may_open_periods(const domain_user *me);
int domain_may_plan(const domain_user *me);
int domain_may_judge_plans(const domain_user *me);
/* The Dinas's acts at an education office: its Operator or Kepala Dinas. */
int domain_may_act_for_dinas(const domain_user *me);
/*
 * Sneakernet bundles (sync export/import): an Operator (the Operator
 * Sekolah at a school, the office's Operator at a hub) or the Kepala
 * Dinas; the method narrows it by the daemon's role (a school: its
 * Operator only, domain_may_administer).
 */
int domain_may_carry_bundles(const domain_user *me);
int domain_may_read_plans(const domain_user *me);
/* Is reader the atasan (evaluator) of subject? 1 or 0. */
int domain_is_atasan_of(const domain_user *reader, const uint8_t reader_pk[32], const domain_user *subject,
    const uint8_t subject_pk[32]);
/* May reader read subject's records and files (self, or the atasan)? */
int domain_person_may_read(const domain_user *reader, const uint8_t reader_pk[32], const domain_user *subject,
    const uint8_t subject_pk[32]);
/* May reader read subject's SKP (the owner, or the atasan; never the operator)? */
int domain_plan_may_read(const domain_user *reader, const uint8_t reader_pk[32], const domain_user *subject,
    const uint8_t subject_pk[32]);
/*
 * May reader read a record of type about subject (NULL, with subject_pk
 * NULL, when the record is about no person, or about someone not enrolled)?
 */
int domain_record_may_read(const domain_user *reader, const uint8_t reader_pk[32], const char *type,
    const domain_user *subject, const uint8_t subject_pk[32]);

/*
 * Acceptance (accept.c). A record as the rules see it: the daemon fills
 * this from a verified record (store/record.h); pointers are borrowed.
 */
typedef struct {
	const uint8_t *id;           /* 32 bytes */
	const char *type;
	size_t type_len;
	const char *school;          /* 8 digits */
	const char *subject;
	size_t subject_len;
	const uint8_t *author;       /* 32 bytes */
	uint64_t hlc;                /* ms << 16 | counter */
	size_t nparents;
	const msgpack_object *body;  /* map */
} domain_rec;

/* What acceptance depends on besides the records: fixed for a store, and the time. */
typedef struct domain_catalog domain_catalog;
typedef struct {
	char school[9];              /* the school this store holds, "" before its school record (and at an office) */
	uint64_t now_ms;             /* wall clock */
	/*
	 * Optional: parse a catalog record's bytes, e.g. from a cache of parsed
	 * versions; it must give exactly what domain_catalog_parse gives for
	 * those bytes (*out is the caller's to free). NULL: parsed here.
	 */
	int (*catalog_parse)(domain_catalog **out, const uint8_t *json, size_t len, void *arg);
	void *catalog_arg;
} domain_ctx;

/*
 * May record r join the set? parents are the records r replaces and auth
 * the records r names as giving its author the right to act, all present
 * (the store holds a record until they are). The decision depends only on
 * r, those records and ctx, so it is the same whatever order records
 * arrive in. Rules: not dated more than a day ahead; of this store's
 * school; parents are older versions of the same document; a new school
 * record is signed by the operator it names; the operator's first
 * enrollment rests on the school record; every other record names exactly
 * one auth record, the author's enrollment (older than r) in this school,
 * which must give the right: an active operator for people and the school
 * (never demoting or deactivating oneself), the person themselves, an
 * active Guru or Kepala Sekolah, for Bukti Dukung, an active operator for
 * a catalog version, whose subject must be the version of its JSON bytes,
 * which must parse (domain_catalog_parse), and which replaces nothing.
 * Returns 0 or the reason (KN_EBADREC, KN_EDENIED, KN_ESTATE, or the
 * parser's KN_EINVAL naming the field) with the field at fault.
 */
int domain_record_accept(const domain_ctx *ctx, const domain_rec *r, const domain_rec *parents, size_t nparents,
    const domain_rec *auth, size_t nauth);

/*
 * Does the accepted act take effect? author_versions are the effective
 * versions of the author's enrollment in the set; the act counts when the
 * newest of them older than the act still gives the right it needs. A
 * revocation that reached a store after the act, or before it, is thus
 * settled the same way everywhere. 1 or 0.
 */
int domain_act_effective(const domain_rec *act, const domain_rec *auth, size_t nauth, const domain_rec *author_versions,
    size_t n);

/*
 * A hub's enrolment of a school (registration.c): the school daemon's
 * device key (Ed25519), and whether the office has withdrawn it.
 */
typedef struct {
	uint8_t device[32];
	int revoked;
	int hub;            /* the registered code is a child hub's office (optional key "hub", packed only when true) */
} domain_registration;

/* Parse a registration body (strict: exactly device and revoked, and hub: true at most once). KN_EBADREC naming the field. */
int domain_registration_body_parse(domain_registration *out, const msgpack_object *body);
/* Append a registration body to out. 0 or KN_ENOMEM. */
int domain_registration_body_pack(kn_buf *out, const domain_registration *reg);
/*
 * Acceptance of a "registration" record (accept.c calls it): subject an
 * NPSN other than the office's code; body well-formed; at most one parent;
 * auth = [the office's school record (kind dinas)], whose authority is the
 * record's author. The same in any arrival order.
 */
int domain_registration_accept(const domain_rec *r, const domain_rec *parents, size_t nparents, const domain_rec *auth,
    size_t nauth);

/* The person key that a "user" or "evidence" subject starts with. */
int domain_subject_key(uint8_t out[32], const char *subject, size_t n);

/* Indonesian label of a role, for texts people read. */
const char *domain_role_label(const char *role);

#endif
