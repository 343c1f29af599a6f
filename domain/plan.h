/*
 * plan.h - the SKP (Perencanaan Kinerja) as pure functions (DOMAIN.md §3
 * SKP, §4.1, §4.2, §5, §8 R3 R4 R7 R9 R10 R12 R13 R14).
 *
 *   plan.c      the plan body (parse, pack), the check before Ajukan, the
 *               live point total, the atasan's adjustments, the state
 *               machine of §4.2
 *   people.c    who is whose atasan at a given day, eligibility, the one
 *               identity edit
 *   period.c    days, a period's dates and deadlines, opening, late acts
 *   messages.c  every text a teacher or principal reads, with its code
 *
 * Nothing here does I/O or reads a clock: the caller passes the records it
 * read (assignments, openings, earlier confirmations), the catalog and the
 * day or time. A daemon wires them as: eligibility -> period open ->
 * atasan set -> deadline (timing) -> check of the plan -> transition.
 *
 * Messages. Every text a person reads is Indonesian and comes from one
 * table (messages.c) under a stable code ("SKP_POIN_KURANG"), so a GUI can
 * show the same words or its own for the same code. Templates name their
 * parameters, e.g. "kurang {kurang} poin dari minimal {min}".
 *
 * Days. A day is a calendar day in WIB (UTC+7), counted from 1970-01-01;
 * deadlines are the last day on which an act is on time.
 *
 * ---- Decisions made here where DOMAIN.md is silent ----
 *  P1. The plan body is strict (unknown keys refused, like records);
 *      praktik_kinerja is an array so that none and two can be written in a
 *      draft and refused at Ajukan with a clear message.
 *  P2. Simpan (draft) checks only the structure; Ajukan and Setujui run the
 *      full check, which reports every problem at once.
 *  P3. An RHK whose points are missing or in conflict (RHK 2: 8 or 16)
 *      cannot be submitted: the total must be a number the atasan approves
 *      and e-Kinerja receives. The live total shows the range meanwhile.
 *  P4. One line per RHK and per Tugas Tambahan: a repeated id is refused
 *      (raise the quantity; several SK numbers go in one reference).
 *  P5. Perilaku: "perilaku" is a 0-based index into the catalog's
 *      behaviours of the aspect, or the teacher's own wording (PMM's option
 *      texts are not known). "ekspektasi_khusus" is the atasan's text.
 *  P6. Setujui carries the atasan's version of the plan; the adjustments
 *      are the differences (quantity changed, RHK or Tugas Tambahan added
 *      or removed, SK changed, behaviour or ekspektasi khusus changed). The
 *      atasan may not change the sub-indicator, rangkuman, period, catalog
 *      or jabatan (Tinjau Ulang asks the teacher to); the adjusted plan
 *      must pass the same check.
 *  P7. States BELUM (no plan yet), DRAF, DIAJUKAN, PERLU_REVISI, DISETUJUI,
 *      DISEPAKATI. Ajukan is allowed from BELUM ("Mulai" and "Lanjut
 *      ajukan" at once); the first act needs the identity confirmed. Simpan
 *      keeps PERLU_REVISI. The teacher cannot withdraw a submitted plan nor
 *      refuse an approved one (as in PMM); the atasan's Buka Kembali, from
 *      DISETUJUI or DISEPAKATI and before evaluation starts, returns it to
 *      PERLU_REVISI with a required reason kept in the history. Sync states
 *      (SINKRON) belong to a separate sync record, not to this machine.
 *  P8. A refused act is judged on the person first: someone who may never
 *      do it gets KN_EDENIED even when the state is wrong too.
 *  P9. Assignments count on their first and last day (inclusive). When a
 *      definitive and a Plt principal are both valid, both are atasan (the
 *      record says who acted). A Guru SKP of someone who is Kepala Sekolah
 *      or Plt of the same school that day goes to the Kepala Dinas. A
 *      Kepala Sekolah SKP (definitive or Plt) goes to the Pengawas of the
 *      school and the Kepala Dinas. The owner is never in his own set. A
 *      Guru SKP needs the enrollment role guru (a definitive principal has
 *      only his Kepala Sekolah SKP); a Kepala Sekolah SKP needs a valid
 *      definitive or Plt post in the school that day.
 * P10. Eligibility is judged in this order: naungan Kemenag, secondment to
 *      a private school, status kepegawaian, Jenis PTK (checked for a Guru
 *      only: no list for principals is sourced). A non-ASN teacher is
 *      eligible, not obliged, and not synced. While the Operator Sekolah
 *      fixes Jenis PTK or status, the teacher may keep a draft (R7).
 * P11. The identity may be edited once per account, across all periods;
 *      confirming unchanged data is always allowed.
 * P12. An opening counts only when its author was Kepala Sekolah, Plt or
 *      Kepala Dinas for that school on the day it was made; a period
 *      closes after a hard evaluation deadline (a soft one never closes it).
 * P13. Deadlines per act: Simpan none; Ajukan plan_due; Setujui, Tinjau
 *      Ulang and Sepakati approve_due; Buka Kembali evaluation_due. After a
 *      soft deadline the act is accepted and flagged late "by the rule";
 *      after a hard one only with a dispensation for that deadline, granted
 *      with a reason by the atasan or the Kepala Dinas (never the owner).
 * P14. Text limits count Unicode characters of UTF-8; control characters
 *      other than newline and tab are refused.
 * P15. "rangkuman" is an optional free text (SD4's Rangkuman is the page
 *      that reviews the whole plan before Lanjut ajukan); it is kept and
 *      limited like the other texts but never required.
 * P16. Messages name an RHK by its number ("RHK 3"), not its text: most
 *      official texts are missing from the catalog, and the rest are long.
 * P17. Quantities above the catalog's quantity_max are refused on their
 *      own, besides the total; the parse bounds every number to
 *      +-DOMAIN_PLAN_QUANTITY_MAX so no product can overflow.
 */
#ifndef KN_DOMAIN_PLAN_H
#define KN_DOMAIN_PLAN_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"
#include "catalog.h"
#include "messages.h"

/* ---- messages: see messages.h ---- */

/* A problem, a warning or a refusal: the code, the field at fault and the text. */
typedef struct {
	const char *code;
	char field[64];     /* e.g. "rhk[1].target_kuantitas"; "" when no single field */
	char message[DOMAIN_MSG_MAX];
} domain_problem;

/* ---- days (period.c) ---- */

#define DOMAIN_DAY_OPEN INT64_MAX

/* The WIB calendar day of a time in ms since the epoch. */
int64_t domain_day_of_ms(uint64_t ms);
/* The day of a date; KN_EINVAL when it is not a date (year 1970..9999). */
int domain_day_from_ymd(int64_t *out, int year, int month, int day);
/* The date of a day. */
void domain_day_to_ymd(int *year, int *month, int *day, int64_t d);
/* "31 Januari 2026" into out (outsz bytes). */
void domain_day_format(char *out, size_t outsz, int64_t day);

/* ---- the plan body (plan.c) ---- */

/*
 * The body of the future "skp" record (one per pegawai, period and jabatan;
 * suggested subject "<person key hex>.<period>.<jabatan>"), a msgpack map
 * with exactly these keys:
 *
 *   "period"          str   "2026-1" (YEAR-SEMESTER)
 *   "catalog"         str   the catalog version the plan was made with (64 hex)
 *   "jabatan"         str   "guru" | "kepala_sekolah": which SKP (a Plt has both)
 *   "praktik_kinerja" array of str: sub-indicator ids; exactly one to submit
 *   "rhk"             array of map {"id": int (RHK number), "target_kuantitas": int}
 *   "tugas_tambahan"  array of map {"id": str (catalog id), "sk": str (SK / Surat Tugas reference)}
 *   "perilaku"        array of map {"aspek": str (aspect id),
 *                                   "perilaku": int (0-based behaviour index) | str (own wording),
 *                                   "ekspektasi_khusus"?: str (the atasan's special expectation)}
 *   "rangkuman"       str   (may be "")
 *
 * Texts are UTF-8 of at most limits.text_max_chars characters (checked at
 * Ajukan); the parser keeps up to DOMAIN_PLAN_TEXT_BYTES bytes of each.
 */
#define DOMAIN_PLAN_TEXT_BYTES 2000   /* 500 characters of up to 4 bytes */
#define DOMAIN_PLAN_ID_MAX 48
#define DOMAIN_PLAN_PRAKTIK_MAX 8
#define DOMAIN_PLAN_RHK_MAX 32
#define DOMAIN_PLAN_TUGAS_MAX 10
#define DOMAIN_PLAN_PERILAKU_MAX 10
#define DOMAIN_PLAN_QUANTITY_MAX 1000000 /* a parse bound; the catalog's quantity_max is the rule */

typedef enum {
	DOMAIN_JABATAN_GURU,
	DOMAIN_JABATAN_KEPALA_SEKOLAH,
} domain_jabatan;

/* "guru", "kepala_sekolah" (static). */
const char *domain_jabatan_name(domain_jabatan j);
int domain_jabatan_parse(domain_jabatan *out, const char *name);

/*
 * A free text of the plan. A text that is too long to keep or not valid
 * UTF-8 is not an error of the parse: it is kept empty and flagged, so the
 * check reports it with every other problem.
 */
typedef struct {
	char s[DOMAIN_PLAN_TEXT_BYTES + 1]; /* NUL-terminated UTF-8; "" when over or bad */
	size_t chars;       /* characters (code points) of the text as sent */
	int over;           /* longer than DOMAIN_PLAN_TEXT_BYTES bytes */
	int bad;            /* not valid UTF-8, or holds a NUL or control character */
} domain_plan_text;

typedef struct {
	int64_t id;                 /* RHK number */
	int64_t target_kuantitas;   /* may be < 1 in a draft; the check refuses it */
} domain_plan_rhk;

typedef struct {
	char id[DOMAIN_PLAN_ID_MAX + 1];
	domain_plan_text sk;
} domain_plan_tugas;

typedef struct {
	char aspek[DOMAIN_PLAN_ID_MAX + 1];
	int has_index;              /* 1: behaviour index; 0: own wording in text */
	int64_t index;
	domain_plan_text text;
	domain_plan_text ekspektasi_khusus;
} domain_plan_perilaku;

/* A parsed plan: plain data, no pointers (about 64 KB: allocate it, or keep it off small stacks). */
typedef struct {
	char period[8];
	char catalog[DOMAIN_CATALOG_VERSION_HEX + 1];
	domain_jabatan jabatan;
	size_t npraktik;
	char praktik[DOMAIN_PLAN_PRAKTIK_MAX][DOMAIN_PLAN_ID_MAX + 1];
	size_t nrhk;
	domain_plan_rhk rhk[DOMAIN_PLAN_RHK_MAX];
	size_t ntugas;
	domain_plan_tugas tugas[DOMAIN_PLAN_TUGAS_MAX];
	size_t nperilaku;
	domain_plan_perilaku perilaku[DOMAIN_PLAN_PERILAKU_MAX];
	domain_plan_text rangkuman;
} domain_plan;

/*
 * Parse a plan body (the msgpack map above) into out. Structure only:
 * completeness and the catalog are domain_plan_check()'s. Returns 0, or
 * KN_EINVAL / KN_ETOOBIG with the field at fault (e.g. "rhk[2].id") and an
 * Indonesian message.
 */
int domain_plan_parse(domain_plan *out, const msgpack_object *body);

/* Append the body of p to out, in the layout above (keys in that order). 0 or KN_ENOMEM. */
int domain_plan_pack(kn_buf *out, const domain_plan *p);

/* Set a plan text from a C string (for callers building a plan, e.g. tests and the CLI). */
void domain_plan_text_set(domain_plan_text *out, const char *s);

/* ---- the live point total (R12) ---- */

typedef enum {
	DOMAIN_POINTS_KURANG,       /* below the minimum */
	DOMAIN_POINTS_CUKUP,        /* within min..max */
	DOMAIN_POINTS_LEBIH,        /* above the maximum */
	DOMAIN_POINTS_BELUM_PASTI,  /* depends on points that are missing or in conflict */
} domain_points_verdict;

typedef struct {
	int64_t rhk_id;
	int64_t target_kuantitas;
	int64_t per_unit;           /* 0 when unknown */
	int64_t subtotal;           /* per_unit x quantity; 0 when unknown */
	int64_t subtotal_min, subtotal_max; /* over the candidates of a conflict */
	int certain;                /* points known */
} domain_points_item;

typedef struct {
	int64_t total;              /* sum of the items whose points are known */
	int64_t total_min, total_max; /* with every candidate of a conflict; missing points count 0 */
	int64_t min, max;           /* the catalog's limits */
	size_t nuncertain;          /* items whose points are missing, in conflict or not in the catalog */
	domain_points_verdict verdict;
	const char *code;
	char guidance[DOMAIN_MSG_MAX]; /* Indonesian: the total and what is missing */
	size_t nitems;
	domain_points_item items[DOMAIN_PLAN_RHK_MAX];
} domain_plan_points;

/*
 * The point total of the plan's RHK (points per unit x target quantity,
 * DOMAIN.md §5.4) and the guidance text a teacher sees while choosing,
 * e.g. "Total 24 poin: kurang 8 poin dari minimal 32." Returns 0.
 */
int domain_plan_points_get(domain_plan_points *out, const domain_plan *p, const domain_catalog *c);

/* ---- the check before Ajukan (and Setujui) ---- */

#define DOMAIN_PLAN_PROBLEMS_MAX 48
#define DOMAIN_PLAN_WARNINGS_MAX 8

/* About 30 KB. */
typedef struct {
	size_t nproblems;           /* what blocks submission */
	size_t more;                /* problems found beyond DOMAIN_PLAN_PROBLEMS_MAX */
	domain_problem problems[DOMAIN_PLAN_PROBLEMS_MAX];
	size_t nwarnings;           /* worth knowing, blocks nothing */
	domain_problem warnings[DOMAIN_PLAN_WARNINGS_MAX];
	domain_plan_points points;
} domain_plan_report;

/*
 * Check a plan for submission against the catalog and report EVERY
 * problem, each with its field and a message saying what to do: the
 * catalog version and jabatan; exactly one known sub-indicator; RHK from
 * the catalog, not missing, with known points, quantity 1..quantity_max,
 * no repeats; the point total within points_min..points_max ("kurang 8
 * poin dari minimal 32"); Tugas Tambahan only in a Guru SKP, from the
 * catalog, each with its SK/Surat Tugas; every Perilaku Kerja aspect
 * filled once with a valid behaviour; every text within text_max_chars
 * characters. Returns 0 when nothing blocks, else KN_EINVAL (the last
 * error says how many problems). out is filled either way.
 */
int domain_plan_check(domain_plan_report *out, const domain_plan *p, const domain_catalog *c);

/* ---- the atasan's adjustments at Setujui ---- */

typedef enum {
	DOMAIN_ADJ_RHK_DITAMBAH,
	DOMAIN_ADJ_RHK_DIHAPUS,
	DOMAIN_ADJ_RHK_KUANTITAS,
	DOMAIN_ADJ_TUGAS_DITAMBAH,
	DOMAIN_ADJ_TUGAS_DIHAPUS,
	DOMAIN_ADJ_TUGAS_SK,
	DOMAIN_ADJ_PERILAKU,
	DOMAIN_ADJ_EKSPEKTASI,
} domain_adjustment_kind;

typedef struct {
	domain_adjustment_kind kind;
	const char *code;
	char field[64];             /* in the approved plan; for a removal, in the submitted one */
	char ref[DOMAIN_PLAN_ID_MAX + 1]; /* RHK number, Tugas Tambahan id or aspect id */
	int64_t before, after;      /* target quantities (RHK); 0 otherwise */
	char message[DOMAIN_MSG_MAX];
} domain_adjustment;

#define DOMAIN_PLAN_ADJUSTMENTS_MAX (2 * DOMAIN_PLAN_RHK_MAX + 3 * DOMAIN_PLAN_TUGAS_MAX + 2 * DOMAIN_PLAN_PERILAKU_MAX)

/* About 62 KB. */
typedef struct {
	size_t n;
	domain_adjustment items[DOMAIN_PLAN_ADJUSTMENTS_MAX];
} domain_plan_adjustments;

/*
 * The differences between the plan the teacher submitted and the version
 * the atasan approves, one per change, so the teacher sees each one before
 * Sepakati ("Ada Penyesuaian Dari Atasan"). Returns 0; KN_EDENIED (with
 * why filled, when not NULL) if the atasan changed what only the teacher
 * may (sub-indicator, rangkuman, period, catalog, jabatan). out lists the
 * adjustments either way.
 */
int domain_plan_adjustments_get(domain_plan_adjustments *out, domain_problem *why, const domain_plan *submitted,
    const domain_plan *approved, const domain_catalog *c);

/* ---- assignments and the atasan (people.c) ---- */

typedef enum {
	DOMAIN_ROLE_KEPALA_SEKOLAH,       /* definitive principal (from the enrollment) */
	DOMAIN_ROLE_PLT_KEPALA_SEKOLAH,   /* acting principal (a teacher with a Plt SK) */
	DOMAIN_ROLE_PENGAWAS,             /* Pengawas Sekolah of the school */
	DOMAIN_ROLE_KEPALA_DINAS,         /* Kepala Dinas Pendidikan over the school */
} domain_assignment_role;

/* "kepala_sekolah", "plt_kepala_sekolah", "pengawas", "kepala_dinas" (static). */
const char *domain_assignment_role_name(domain_assignment_role r);
/* "Kepala Sekolah", "Plt Kepala Sekolah", "Pengawas Sekolah", "Kepala Dinas Pendidikan" (static). */
const char *domain_assignment_role_label(domain_assignment_role r);
int domain_assignment_role_parse(domain_assignment_role *out, const char *name);

typedef struct {
	uint8_t person[32];         /* the person's key */
	char school[9];             /* NPSN; "" only for a Kepala Dinas over every school of the list */
	domain_assignment_role role;
	int64_t start_day;          /* first day of duty */
	int64_t end_day;            /* last day of duty; DOMAIN_DAY_OPEN when open-ended */
} domain_assignment;

/* Is a valid on day (start_day <= day <= end_day) for school? 1 or 0. */
int domain_assignment_valid(const domain_assignment *a, const char *school, int64_t day);

#define DOMAIN_ATASAN_MAX 16

/* Who may act as atasan (Pejabat Penilai) of one SKP on one day. */
typedef struct {
	size_t n;
	uint8_t keys[DOMAIN_ATASAN_MAX][32];
	domain_assignment_role roles[DOMAIN_ATASAN_MAX];
	const char *code;           /* why these people, or why nobody */
	char message[DOMAIN_MSG_MAX];
} domain_atasan_set;

typedef struct {
	const uint8_t *owner;       /* the pegawai whose SKP it is (32 bytes) */
	const char *owner_role;     /* the owner's enrollment role: "guru", "kepala_sekolah" */
	const char *school;         /* NPSN of the owner's school */
	domain_jabatan jabatan;     /* which SKP */
	int64_t day;
	const domain_assignment *assignments;
	size_t nassignments;
} domain_atasan_query;

/*
 * The atasan of an SKP on a day (DOMAIN.md §1, §4.5, R3, R4): for a Guru
 * SKP the definitive or Plt principal of the school valid that day, but
 * the Kepala Dinas when the owner is himself principal or Plt of that
 * school; for a Kepala Sekolah SKP the Pengawas of the school or the
 * Kepala Dinas. An assignment whose last day has passed gives nothing;
 * the owner is never his own atasan. Returns 0 with out->n >= 1;
 * KN_ENOTFOUND when nobody holds the post that day; KN_EDENIED when the
 * owner cannot have this SKP (a Kepala Sekolah SKP without the post).
 * out->code and out->message say why, in every case.
 */
int domain_atasan_resolve(domain_atasan_set *out, const domain_atasan_query *q);
/* Is key in the set? 1 or 0. */
int domain_atasan_has(const domain_atasan_set *s, const uint8_t key[32]);

/* ---- eligibility (R7, R13) ---- */

typedef struct {
	const char *status;         /* status kepegawaian: "PNS", "PPPK", "NON_ASN" */
	const char *jenis_ptk;      /* Jenis PTK in Dapodik */
	const char *naungan;        /* "pemda" or "kemenag" */
	int seconded_private;       /* an ASN seconded (dipekerjakan) to a private school */
	const char *role;           /* enrollment role: "guru", "kepala_sekolah" */
} domain_eligibility_query;

typedef struct {
	int eligible;               /* may use Pengelolaan Kinerja here */
	int mandatory;              /* wajib (ASN) rather than dianjurkan */
	int ekinerja_sync;          /* the agreed SKP goes to e-Kinerja */
	int may_draft;              /* may keep a draft while the data is fixed */
	const char *fix_by;         /* "operator_sekolah" when the Operator must fix Dapodik; "" */
	const char *code;
	char message[DOMAIN_MSG_MAX]; /* the reason and what to do */
} domain_eligibility;

/*
 * May this person use Pengelolaan Kinerja here (DOMAIN.md §1, §5.1)? Fills
 * out with the answer, the reason and who must fix what. Returns 0.
 */
int domain_eligibility_get(domain_eligibility *out, const domain_eligibility_query *q, const domain_catalog *c);

/* ---- identity (R9) ---- */

typedef struct {
	char nama[101];
	char nip[19];
	char status[8];
	char pangkat[41];
	char golongan[8];
	char jenjang[32];
	char satuan_pendidikan[101];
	char jenis_ptk[41];
} domain_identity;

typedef struct {
	int64_t day;
	int edited;                 /* the person changed data against Dapodik */
} domain_identity_confirmation;

typedef struct {
	size_t n;
	const char *fields[8];      /* "nama", "nip", ... (static) */
} domain_identity_changes;

/* The fields the person changed against Dapodik's data. Returns 0. */
int domain_identity_changes_get(domain_identity_changes *out, const domain_identity *dapodik,
    const domain_identity *confirmed);

/*
 * May the person confirm their identity now, given their earlier
 * confirmations (every period)? edits: this confirmation changes data.
 * Data may be edited once; later corrections go through Dapodik. 0, or
 * KN_EDENIED with why (when not NULL) filled.
 */
int domain_identity_may_confirm(domain_problem *why, const domain_identity_confirmation *prev, size_t n, int edits);

/* ---- periods and deadlines (period.c) ---- */

typedef struct {
	const char *id;             /* "plan_due", "approve_due", "evaluation_due" */
	int64_t day;                /* last day on time */
	int hard;
	domain_status status;
	const char *source;         /* borrowed from the catalog */
} domain_deadline;

typedef struct {
	char period[8];
	int year, semester;
	int64_t start_day, end_day;
	domain_deadline plan_due, approve_due, evaluation_due;
} domain_period;

/* A period "YYYY-S" (S = 1: Jan-Jun, 2: Jul-Dec): 0, or KN_EINVAL (field "period"). */
int domain_period_parse(int *year, int *semester, const char *period);

/*
 * A period's dates and deadlines from the catalog's calendar. A deployment
 * that makes the planning deadline hard sets out->plan_due.hard after.
 * Returns 0, or KN_EINVAL for a malformed period.
 */
int domain_period_get(domain_period *out, const domain_catalog *c, const char *period);

/* Someone started (opened) a period for a school. */
typedef struct {
	char period[8];
	char school[9];
	uint8_t by[32];
	int64_t day;
} domain_period_opening;

typedef enum {
	DOMAIN_PERIOD_BELUM_DIBUKA,
	DOMAIN_PERIOD_DIBUKA,
	DOMAIN_PERIOD_DITUTUP,
} domain_period_state;

/* "belum_dibuka", "dibuka", "ditutup" (static). */
const char *domain_period_state_name(domain_period_state s);

/*
 * May actor open (start) periods for school on day? The Kepala Sekolah or
 * Plt of the school, or a Kepala Dinas over it (R10). 0 or KN_EDENIED with
 * why filled (when not NULL).
 */
int domain_period_may_open(domain_problem *why, const uint8_t actor[32], const char *school, int64_t day,
    const domain_assignment *a, size_t n);

/*
 * The state of period p for school on day, from the openings recorded
 * (those by someone who could not open it are ignored). Returns 0 when
 * DIBUKA, else KN_ESTATE with why filled (when not NULL); *out always.
 */
int domain_period_state_get(domain_period_state *out, domain_problem *why, const domain_period *p, const char *school,
    const domain_period_opening *o, size_t no, const domain_assignment *a, size_t na, int64_t day);

/* A dispensation: someone lets an act pass a hard deadline (R14). */
typedef struct {
	char deadline[16];          /* the deadline id it lifts */
	uint8_t by[32];
	int64_t day;                /* when it was granted */
	char reason[DOMAIN_PLAN_TEXT_BYTES + 1];
} domain_dispensation;

typedef enum {
	DOMAIN_TIMING_TEPAT_WAKTU,  /* on time, or the act has no deadline */
	DOMAIN_TIMING_TERLAMBAT,    /* after a soft deadline: accepted, flagged, allowed by the rule */
	DOMAIN_TIMING_DISPENSASI,   /* after a deadline, allowed by a named person */
} domain_timing_kind;

typedef struct {
	domain_timing_kind kind;
	int late;
	const char *deadline;       /* id, or NULL */
	int64_t due_day;
	uint8_t allowed_by[32];     /* DISPENSASI: who granted it; zero otherwise */
	const char *code;
	char message[DOMAIN_MSG_MAX];
} domain_timing;

typedef struct {
	const domain_deadline *deadline; /* NULL: the act has none */
	int64_t day;                /* the day of the act */
	const uint8_t *owner;       /* the SKP's owner (never grants his own) */
	const char *school;
	const domain_atasan_set *atasan; /* may grant; NULL for none */
	const domain_assignment *assignments; /* a Kepala Dinas over the school may grant too */
	size_t nassignments;
	const domain_dispensation *dispensation; /* NULL for none */
} domain_timing_query;

/*
 * Is an act on time? On time or after a soft deadline: 0 (late flagged).
 * After a hard deadline: 0 with a valid dispensation for that deadline
 * (granted by the atasan or a Kepala Dinas of the school, with a reason),
 * else KN_ESTATE. A dispensation given by anyone else is refused
 * (KN_EDENIED). out is filled in every case.
 */
int domain_timing_check(domain_timing *out, const domain_timing_query *q);

/* ---- the SKP state machine (§4.2; plan.c) ---- */

/* Longest note of Tinjau Ulang and reason of Buka Kembali, in characters. */
#define DOMAIN_SKP_NOTE_MAX_CHARS 500

typedef enum {
	DOMAIN_SKP_BELUM,           /* no plan yet */
	DOMAIN_SKP_DRAF,
	DOMAIN_SKP_DIAJUKAN,
	DOMAIN_SKP_PERLU_REVISI,
	DOMAIN_SKP_DISETUJUI,
	DOMAIN_SKP_DISEPAKATI,      /* locked; execution unlocked */
} domain_skp_state;

typedef enum {
	DOMAIN_SKP_SIMPAN,          /* Simpan Draf (owner) */
	DOMAIN_SKP_AJUKAN,          /* Lanjut ajukan (owner) */
	DOMAIN_SKP_SETUJUI,         /* Setujui, with adjustments (atasan) */
	DOMAIN_SKP_TINJAU_ULANG,    /* return with a note (atasan) */
	DOMAIN_SKP_SEPAKATI,        /* agree to the approved plan (owner) */
	DOMAIN_SKP_BUKA_KEMBALI,    /* reopen before evaluation, with a reason (atasan) */
} domain_skp_action;

/* Wire names: "belum", "draf", "diajukan", "perlu_revisi", "disetujui", "disepakati". */
const char *domain_skp_state_name(domain_skp_state s);
/* Labels people read: "Draf", "Diajukan", "Perlu Revisi", ... */
const char *domain_skp_state_label(domain_skp_state s);
int domain_skp_state_parse(domain_skp_state *out, const char *name);
/* Wire names: "simpan", "ajukan", "setujui", "tinjau_ulang", "sepakati", "buka_kembali". */
const char *domain_skp_action_name(domain_skp_action a);
/* Labels: "Simpan Draf", "Ajukan", "Setujui", "Tinjau Ulang", "Sepakati", "Buka Kembali". */
const char *domain_skp_action_label(domain_skp_action a);
int domain_skp_action_parse(domain_skp_action *out, const char *name);
/* 1 when the atasan does the action, 0 when the plan's owner does. */
int domain_skp_action_by_atasan(domain_skp_action a);
/* The state an action leads to from `from` (the table alone): 0, or KN_ESTATE. */
int domain_skp_next(domain_skp_state *out, domain_skp_state from, domain_skp_action a);
/* The deadline that applies to an action (*out NULL when none). Returns 0. */
int domain_skp_action_deadline(const domain_deadline **out, const domain_period *p, domain_skp_action a);

typedef struct {
	domain_skp_state state;     /* the plan's state now */
	domain_skp_action action;
	const uint8_t *actor;       /* 32 bytes */
	const uint8_t *owner;       /* 32 bytes: the pegawai the SKP belongs to */
	const domain_atasan_set *atasan; /* the SKP's atasan on the day of the act; NULL for none */
	int identity_confirmed;     /* the owner confirmed "Data sudah sesuai" (needed from BELUM) */
	const domain_plan_report *check; /* ajukan, setujui: the check of the plan the act carries */
	const domain_plan_adjustments *adjustments; /* setujui: the atasan's adjustments, or NULL */
	const char *note;           /* tinjau_ulang: note; buka_kembali: reason; else NULL */
	int evaluation_started;     /* buka_kembali is refused once evaluation has begun */
	const domain_timing *timing; /* the deadline check of the act, or NULL */
	uint64_t at_ms;
} domain_skp_act;

/* What a transition did (for the history), or why it was refused. */
typedef struct {
	domain_skp_state from, to;
	domain_skp_action action;
	int by_atasan;
	uint64_t at_ms;
	int late;                   /* from timing: accepted after a deadline */
	size_t nadjustments;
	const char *code;           /* the event's code, or the refusal's */
	char field[64];             /* refusal: the field at fault */
	char message[DOMAIN_MSG_MAX]; /* Indonesian */
	char note[DOMAIN_PLAN_TEXT_BYTES + 1]; /* the note or reason, kept in the history */
} domain_skp_event;

/*
 * Apply an action to an SKP (DOMAIN.md §4.2). Owner: simpan, ajukan,
 * sepakati; atasan (a member of act->atasan, never the owner): setujui,
 * tinjau_ulang (note required), buka_kembali (reason required; refused
 * once evaluation started). Ajukan and Setujui need act->check without
 * problems. An act whose timing check refused it (late after a hard
 * deadline without a dispensation) is refused here too. Returns 0 with out
 * describing the event; KN_EDENIED for the wrong person, KN_ESTATE for a
 * state that does not allow the action (or a deadline), KN_EINVAL for a
 * missing note or a plan with problems; out->code and out->message say
 * why, and the last error is set the same. The period being open
 * (domain_period_state_get) is the caller's check, made before.
 */
int domain_skp_transition(domain_skp_event *out, const domain_skp_act *act);

/*
 * Shared by plan.c and skp.c: an error whose message is the catalog
 * message msg_code rendered with {kolom} = field and {jenis} = what; and a
 * strict check of a map's keys (each one of names[], none twice, every
 * required one present), 0 or KN_EINVAL naming the key under path.
 */
int domain_plan_format_error(int code, const char *field, const char *msg_code, const char *what);
int domain_plan_map_keys(const msgpack_object *map, const char *path, const char *const *names, const int *required);
/* An array of at most max entries under field: 0, KN_EINVAL (not an array) or KN_ETOOBIG. */
int domain_plan_array_check(const msgpack_object *o, const char *field, size_t max);

#endif
