/*
 * skp.h - the planning records and the one decision that both makes and
 * judges an act on an SKP (DOMAIN.md §3 SKP, §4.1, §4.2, §5, §5.9, R10,
 * R12, R14). Built on plan.h (the plan body, the check, the state machine,
 * atasan, periods); pure like it: the caller passes the records an act
 * stands on, already read.
 *
 * Records:
 *
 *   "period"  subject = the period ("2026-1"). body {"catalog": hex64,
 *             "state": "dibuka"}. Opening the semester for the school
 *             (R10). auth = [the author's enrollment, the catalog record
 *             the body names]: the store holds an opening until its
 *             catalog is there, and the dates and deadlines of the period
 *             are that catalog's calendar (domain_period_get). Written by
 *             the school's active Kepala Sekolah, or by the Dinas's
 *             authority (R10) with auth = [the school record, the catalog].
 *
 *   "skp"     subject = "<owner key hex>.<period>". One version of a
 *             person's SKP: body {"action", "state", "plan", "note"?,
 *             "adjustments"?, "late"?} (below). parents = the version it
 *             replaces (none for the first), so the state machine is
 *             judged against exactly that version. auth = the author's
 *             enrollment, the period record, the catalog record, and, when
 *             the author is the atasan, the owner's enrollment; a Plt,
 *             Pengawas or Kepala Dinas names his assignment instead of an
 *             enrollment, and an act on a Plt's own SKP also names the
 *             owner's Plt assignment (assign.c).
 *
 * The skp body:
 *   "action"      str  simpan | ajukan | setujui | tinjau_ulang | sepakati | buka_kembali
 *   "state"       str  the state the act leads to (draf, diajukan, ...)
 *   "plan"        map  the plan body of plan.h (period, catalog, jabatan, ...)
 *   "note"        str  tinjau_ulang: the atasan's note; buka_kembali: the reason
 *   "adjustments" array  setujui only (may be empty): the atasan's changes
 *                 against the submitted plan, each {"code", "field", "ref",
 *                 "before", "after"} as domain_plan_adjustments_get gives
 *   "late"        map  present exactly when the act came after its
 *                 deadline: {"deadline": "plan_due" | "approve_due" |
 *                 "evaluation_due", "by": "rule"} ("rule": a soft deadline
 *                 lets it through, flagged; a dispensation record will be
 *                 the other kind)
 * The rule recomputes state, adjustments and late flag from the parent,
 * the plan, the catalog and the act's own time and refuses a record whose
 * body says otherwise.
 *
 * ---- Decisions made here where DOMAIN.md and plan.h are silent ----
 *  S1. One SKP per person and period for now: subject "<key>.<period>",
 *      jabatan = the enrollment's role (a Guru SKP for a guru, a Kepala
 *      Sekolah SKP for a principal). A Plt's second SKP will take the
 *      subject "<key>.<period>.kepala_sekolah".
 *  S2. The identity confirmation of §4.2 (R9) is a record of its own
 *      (identity.h); the first owner act needs it, checked where the act
 *      is made (domain_plan_may_start), not here: an skp record names four
 *      auth records at most. Here identity_confirmed is always 1.
 *  S3. An opening is trusted as it was accepted: the rule that accepted
 *      the period record checked its author's post, so an SKP act takes
 *      the opener as holding that post from the opening's day.
 *  S4. Setujui, Tinjau Ulang, Sepakati and Buka Kembali carry the plan
 *      they act on; only Setujui may change it (the adjustments). The
 *      others carry the parent's plan unchanged.
 *  S5. Every act, Simpan included, needs the period open (§4.1: "Teachers
 *      may create SKPs only in DIBUKA") and the plan made with the
 *      period's catalog.
 *  S6. Bukti Dukung slots: "rhk-N" is RHK N of the agreed plan,
 *      "tugas-N" its N-th Tugas Tambahan (Tugas Tambahan ids do not fit a
 *      slot name). Other slots (persiapan, refleksi, ...) are the
 *      Praktik Kinerja steps and are not gated by the plan.
 */
#ifndef KN_DOMAIN_SKP_H
#define KN_DOMAIN_SKP_H

#include <msgpack.h>
#include <stdint.h>

#include "../util/kn.h"
#include "catalog.h"
#include "domain.h"
#include "plan.h"

/* ---- "period" ---- */

typedef struct {
	char catalog[DOMAIN_CATALOG_VERSION_HEX + 1]; /* the catalog version the period runs on */
} domain_period_body;

/* Parse a period body (strict: exactly "catalog" and "state": "dibuka"). KN_EINVAL naming the field. */
int domain_period_body_parse(domain_period_body *out, const msgpack_object *body);
/* Append a period body to out. 0 or KN_ENOMEM. */
int domain_period_body_pack(kn_buf *out, const domain_period_body *p);

/*
 * The definitive principal's post that an enrollment gives: when u is an
 * active Kepala Sekolah, fill out with his assignment in school from
 * since_day on (open-ended) and return 1; else return 0. This is how the
 * enrollment becomes the input of domain_atasan_resolve and
 * domain_period_may_open until the Dinas records assignments.
 */
int domain_enrollment_post(domain_assignment *out, const domain_user *u, const uint8_t pk[32], const char *school,
    int64_t since_day);

/* ---- "assignment": the Dinas's acts (assign.c) ---- */

/*
 * "assignment" subject = "<person key hex>.<role>" (one document per
 * person, role and school; a new version changes the dates or ends it).
 * body {"person": bin 32, "role": plt_kepala_sekolah | pengawas |
 * kepala_dinas, "school": NPSN, "nama", "nip"?, "sk"? (required for a
 * Plt), "mulai": "YYYY-MM-DD", "selesai"?: "YYYY-MM-DD" (absent: open)}.
 * author = the Dinas authority key the school record names; auth = [the
 * school record] and, for a Plt, [.., the teacher's enrollment].
 * A definitive Kepala Sekolah's post comes from his enrollment, never from
 * an assignment.
 */
#define DOMAIN_ASSIGNMENT_SUBJECT_LEN (64 + 1 + 18)

typedef struct {
	domain_assignment a;          /* person, role, school, start_day, end_day */
	char nama[101];
	char nip[19];
	char sk[101];
} domain_assignment_body;

int domain_assignment_body_parse(domain_assignment_body *out, const msgpack_object *body);
int domain_assignment_body_pack(kn_buf *out, const domain_assignment_body *b);
/* "<person hex>.<role name>" into out (DOMAIN_ASSIGNMENT_SUBJECT_LEN + 1 bytes). */
void domain_assignment_subject(char *out, size_t outsz, const uint8_t person[32], domain_assignment_role role);
/* "YYYY-MM-DD" to a day; KN_EINVAL (field "date") in Indonesian otherwise. */
int domain_day_parse(int64_t *out, const char *s);
/* A day as "YYYY-MM-DD". */
void domain_day_iso(char out[11], int64_t day);
/*
 * The authority key a school record a names, for record r of that school
 * (a must be r's school record, older than r, naming an authority).
 */
int domain_authority_of(uint8_t out[32], const domain_rec *a, const domain_rec *r);
/* Is r an act of its school's authority (auth[0] its school record, naming r's author)? 1 or 0. */
int domain_is_authority_act(const domain_rec *r, const domain_rec *auth, size_t nauth);
/* The assignment an auth record holds (an "assignment" record of school). */
int domain_assignment_of(domain_assignment_body *out, const domain_rec *a, const char *school);
/* Acceptance of an "assignment" record (accept.c calls it). */
int domain_assignment_accept(const domain_rec *r, const domain_rec *auth, size_t nauth);

/* ---- "skp" ---- */

#define DOMAIN_SKP_SUBJECT_LEN (64 + 1 + 6)
/* Dinas assignments an skp act may name: the actor's post and the owner's Plt post. */
#define DOMAIN_SKP_POSTS_MAX 2

typedef struct {
	char code[40];
	char field[64];
	char ref[DOMAIN_PLAN_ID_MAX + 1];
	int64_t before, after;
} domain_skp_adjustment;

/* A parsed skp body (about 90 KB: allocate it). */
typedef struct {
	domain_skp_action action;
	domain_skp_state state;
	domain_plan plan;
	int has_note;
	char note[DOMAIN_PLAN_TEXT_BYTES + 1];
	int has_adjustments;
	size_t nadjustments;
	domain_skp_adjustment adjustments[DOMAIN_PLAN_ADJUSTMENTS_MAX];
	int late;
	char late_deadline[16];
	char late_by[16];
} domain_skp_body;

/* Parse an skp body (strict). KN_EINVAL / KN_ETOOBIG naming the field. */
int domain_skp_body_parse(domain_skp_body *out, const msgpack_object *body);
/* Append an skp body to out (keys in the order above). 0 or KN_ENOMEM. */
int domain_skp_body_pack(kn_buf *out, const domain_skp_body *b);

/* "<owner hex>.<period>" into out (at least DOMAIN_SKP_SUBJECT_LEN + 1 bytes). */
void domain_skp_subject(char *out, size_t outsz, const uint8_t owner[32], const char *period);
/* The owner and period of an skp subject; KN_EBADREC (field "subject") when it is not one. */
int domain_skp_subject_parse(uint8_t owner[32], char period[8], const char *subject, size_t n);

/* ---- one act on an SKP, decided ---- */

typedef struct {
	domain_skp_action action;
	const uint8_t *actor;              /* 32 bytes: who acts */
	const domain_user *actor_user;     /* the actor's enrollment the act names */
	uint64_t actor_user_ms;            /* when that enrollment was recorded (the post's first day) */
	const uint8_t *owner;              /* 32 bytes: whose SKP */
	const domain_user *owner_user;     /* the owner's enrollment */
	const char *school;                /* NPSN */
	uint64_t at_ms;                    /* the act's own time (its hlc >> 16): deadlines and the period use its day */
	const domain_skp_body *prev;       /* the version it replaces; NULL for the first */
	const domain_plan *plan;           /* the plan the act carries */
	const char *note;                  /* tinjau_ulang: note; buka_kembali: reason; NULL otherwise */
	const domain_catalog *catalog;     /* the period's catalog */
	const char *period;                /* "2026-1" */
	const domain_period_body *opening; /* the period record */
	const uint8_t *opened_by;          /* its author */
	uint64_t opened_ms;                /* its time */
	const domain_assignment *posts;    /* the Dinas's assignments the act names (the actor's Plt, Pengawas or
	                                      Kepala Dinas post; the owner's Plt post), beside the enrollments */
	size_t nposts;
} domain_skp_input;

/* What an act leads to, or why it is refused (about 200 KB: allocate it). */
typedef struct {
	domain_skp_event event;            /* the transition (plan.h): code, field, Indonesian message */
	domain_skp_body body;              /* the body of the record the act makes */
	domain_period period;              /* dates and deadlines */
	domain_period_state period_state;
	domain_atasan_set atasan;          /* the SKP's atasan on the day (when one resolves) */
	int atasan_rc;                     /* domain_atasan_resolve's answer */
	domain_timing timing;
	domain_plan_report report;         /* ajukan, setujui: the check of the plan */
	domain_plan_adjustments adjustments; /* setujui: the atasan's changes */
} domain_skp_outcome;

/*
 * Decide an act: the period open on the act's day (S5), the plan of this
 * period and catalog and of the owner's jabatan, the atasan (for acts of
 * the atasan: the actor's post as the only assignment), the deadline of
 * the action (a soft one passed: flagged late; a hard one: refused), the
 * check (ajukan, setujui: every problem at once in out->report), the
 * adjustments (setujui), the transition from the parent's state, and the
 * plan unchanged where S4 says so. Returns 0 with out->body the record to
 * write, or the refusal (KN_EDENIED, KN_ESTATE, KN_EINVAL) with the last
 * error set in Indonesian and out->event.code / field / message alike.
 */
int domain_skp_decide(domain_skp_outcome *out, const domain_skp_input *in);

/*
 * Apply the edits of a request (a map) to a plan: "sub" (str: the one
 * Praktik Kinerja sub-indicator; "" clears), "rhk" ([{id, target_kuantitas}]:
 * set the quantity, adding the line when absent; 0 drops it),
 * "tugas_tambahan" ([{id, sk}]: set, adding when absent), "tugas_hapus"
 * ([id]: drop), "perilaku" ([{aspek, perilaku}]: the behaviour index
 * (0-based) or own wording, setting or adding the aspect's line),
 * "ekspektasi" ([{aspek, teks}]: the atasan's ekspektasi khusus on an
 * aspect's line; "" clears) and "rangkuman" (str). Other keys are
 * ignored. Returns 0, or KN_EINVAL / KN_ETOOBIG naming the edit at fault
 * (e.g. "rhk[1].target_kuantitas"); p may be partly edited then.
 * *nedits counts the edits applied.
 */
int domain_plan_apply_edits(domain_plan *p, size_t *nedits, const msgpack_object *edits);

/*
 * May Bukti Dukung go to slot in period, given the person's SKP of that
 * period as it stands (NULL when there is none)? See S6: "rhk-N" and
 * "tugas-N" need the plan DISEPAKATI and holding that item (DOMAIN.md
 * §5.9); other slots are allowed. 0, or KN_ESTATE (not agreed) /
 * KN_ENOTFOUND (not in the plan) with why (when not NULL) and the last
 * error set, field "slot".
 */
int domain_evidence_slot_allowed(domain_problem *why, const char *slot, const char *period, const domain_skp_body *skp);

#endif
