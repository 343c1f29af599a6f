/*
 * catalog.h - the versioned catalog of the performance cycle, as data.
 *
 * DOMAIN.md §0 and §9: the RHK list, the Praktik Kinerja sub-indicators,
 * the Perilaku Kerja aspects, the limits and the calendar change from one
 * version of the official rules to the next, and several are only partly
 * known. They therefore live in a JSON file per version (catalog/NAME.json,
 * described in catalog/README.md), never in code. This module parses such
 * a file, strictly, into a domain_catalog, and answers lookups.
 *
 * Nothing is invented to fill a gap: every entry carries a status (known,
 * partial, conflict, inferred, missing) and the source it comes from, and
 * a text or number that is not known is absent (NULL or 0 here).
 * domain_catalog_gaps() lists what is missing so a client can show it.
 *
 * A catalog version is the BLAKE2b-256 of the file's exact bytes, in hex:
 * a plan names the version it was made with, so changing one byte of a
 * published file makes a new version.
 *
 * Pure: parsing bytes (jansson) and hashing them (libsodium); no I/O.
 */
#ifndef KN_DOMAIN_CATALOG_H
#define KN_DOMAIN_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"

#define DOMAIN_CATALOG_FORMAT 1
#define DOMAIN_CATALOG_BYTES_MAX (1024 * 1024)
#define DOMAIN_CATALOG_VERSION_HEX 64

#define DOMAIN_CATALOG_SOURCES_MAX 48
#define DOMAIN_CATALOG_RHK_MAX 64
#define DOMAIN_CATALOG_CANDIDATES_MAX 4
#define DOMAIN_CATALOG_POINT_VALUES_MAX 16
#define DOMAIN_CATALOG_TUGAS_MAX 32
#define DOMAIN_CATALOG_JENJANG_MAX 6
#define DOMAIN_CATALOG_SUB_MAX 16
#define DOMAIN_CATALOG_TARGETS_MAX 6
#define DOMAIN_CATALOG_EXAMPLES_MAX 6
#define DOMAIN_CATALOG_SCALE_MAX 6
#define DOMAIN_CATALOG_ASPECTS_MAX 16
#define DOMAIN_CATALOG_BEHAVIOURS_MAX 6
#define DOMAIN_CATALOG_DEADLINES_MAX 16
#define DOMAIN_CATALOG_PTK_MAX 32
#define DOMAIN_CATALOG_JABATAN_MAX 4
#define DOMAIN_CATALOG_TYPES_MAX 4
/* Longest string id (sub-indicator, aspect, Tugas Tambahan, ...), in bytes. */
#define DOMAIN_CATALOG_ID_MAX 48
/* Largest points per unit (a bound that keeps points x quantity far from overflow). */
#define DOMAIN_CATALOG_POINTS_MAX 1000000
/* Longest text in a catalog, in bytes. */
#define DOMAIN_CATALOG_TEXT_MAX 2000

/*
 * How much of an entry is known. In the JSON: "known", "partial",
 * "conflict", "inferred", "missing" (catalog/README.md).
 */
typedef enum {
	DOMAIN_STATUS_MISSING = 0,  /* not retrieved: only the slot is known */
	DOMAIN_STATUS_PARTIAL,      /* some of it known, the rest absent */
	DOMAIN_STATUS_CONFLICT,     /* sources disagree; candidates kept, none chosen */
	DOMAIN_STATUS_INFERRED,     /* a design decision or inference [INF], not a source */
	DOMAIN_STATUS_KNOWN,        /* from a named source */
} domain_status;

/* "missing", "partial", ... (static). */
const char *domain_status_name(domain_status s);

/*
 * Every pointer below points into memory the catalog owns: valid until
 * domain_catalog_free(). NULL means absent (missing) unless said otherwise.
 */
typedef struct {
	const char *tag;     /* "SD4", "P16", "INF", ... */
	const char *title;
	const char *where;   /* NULL when none */
} domain_catalog_source;

typedef struct {
	int64_t value;
	const char *source;
} domain_catalog_candidate;

/* A numeric limit with its provenance. */
typedef struct {
	int64_t value;
	domain_status status;
	const char *source;
	const char *note;
} domain_catalog_limit;

typedef struct {
	domain_catalog_limit points_min;              /* total RHK points per semester */
	domain_catalog_limit points_max;
	domain_catalog_limit text_max_chars;          /* free-text fields, in characters */
	domain_catalog_limit sub_indicators_per_plan; /* Praktik Kinerja */
	domain_catalog_limit quantity_max;            /* target kuantitas of one RHK */
	domain_catalog_limit evidence_max_mb;         /* one Bukti Dukung file */
	size_t nevidence_types;
	const char *evidence_types[DOMAIN_CATALOG_TYPES_MAX]; /* "pdf" */
	domain_status evidence_types_status;
	const char *evidence_types_source;
} domain_catalog_limits;

/* A semester's days within its year ("MM-DD" in the JSON). */
typedef struct {
	int semester;                 /* 1 or 2 */
	int start_month, start_day;
	int end_month, end_day;
	domain_status status;
	const char *source;
} domain_catalog_semester;

/* A deadline of a semester: "plan_due", "approve_due", "evaluation_due". */
typedef struct {
	const char *id;
	int semester;
	int month, day;               /* in the period's year */
	int hard;                     /* 1 = refused after it without a dispensation; 0 = soft (late, flagged) */
	domain_status status;
	const char *source;
	const char *kind_source;      /* where soft/hard comes from */
	const char *note;
} domain_catalog_deadline;

/* One RHK (Rencana Hasil Kerja) of Pengembangan Kompetensi. */
typedef struct {
	int64_t id;                   /* 1..18 */
	domain_status status;
	const char *source;
	const char *note;
	const char *summary;          /* DOMAIN.md's short form (not official wording) */
	const char *text;             /* verbatim official wording */
	const char *rule;             /* what one unit is */
	const char *evidence;         /* Bukti Dukung type */
	int64_t points;               /* per unit; 0 when missing or in conflict */
	size_t ncandidates;           /* > 0 only for a conflict on the points */
	domain_catalog_candidate candidates[DOMAIN_CATALOG_CANDIDATES_MAX];
} domain_catalog_rhk;

typedef struct {
	const char *id;
	const char *name;
	size_t njenjang;              /* 0 = unknown */
	const char *jenjang[DOMAIN_CATALOG_JENJANG_MAX]; /* "SD", "SMP", "SMA", "SMK", "semua" */
	domain_status status;
	const char *source;
	const char *note;
} domain_catalog_tugas;

/* A target behaviour (Fokus Perilaku / Fokus Observasi) of a sub-indicator. */
typedef struct {
	const char *text;             /* verbatim */
	const char *summary;          /* abridged form, when only that is known */
	size_t ndianjurkan, ndihindari;
	/* Recommended and avoided behaviours; an entry is NULL when its text is missing. */
	const char *dianjurkan[DOMAIN_CATALOG_EXAMPLES_MAX];
	const char *dihindari[DOMAIN_CATALOG_EXAMPLES_MAX];
} domain_catalog_target;

/* A Praktik Kinerja sub-indicator (Rapor Pendidikan D1). */
typedef struct {
	const char *id;
	const char *name;
	domain_status status;
	const char *source;
	const char *note;
	const char *success;          /* success criterion */
	size_t ntargets;
	domain_catalog_target targets[DOMAIN_CATALOG_TARGETS_MAX];
} domain_catalog_sub;

/* A level of the observation scale. */
typedef struct {
	const char *id;
	const char *label;
	const char *text;             /* verbatim definition */
	const char *summary;          /* abridged definition */
	domain_status status;
	const char *source;
} domain_catalog_level;

typedef struct {
	const char *text;             /* verbatim option text */
	const char *summary;
} domain_catalog_behaviour;

/* A Perilaku Kerja (BerAKHLAK) aspect and its behaviours. */
typedef struct {
	const char *id;
	const char *name;
	domain_status status;
	const char *source;
	const char *note;
	size_t nbehaviours;
	domain_catalog_behaviour behaviours[DOMAIN_CATALOG_BEHAVIOURS_MAX];
} domain_catalog_aspect;

typedef struct domain_catalog {
	char version[DOMAIN_CATALOG_VERSION_HEX + 1]; /* BLAKE2b-256 of the bytes, hex */
	const char *name;             /* "pmm-2024.1" */
	const char *title;
	size_t njabatan;              /* which SKPs it serves: "guru", "kepala_sekolah" */
	const char *jabatan[DOMAIN_CATALOG_JABATAN_MAX];
	domain_status jabatan_status;
	const char *jabatan_source;
	const char *jabatan_note;
	size_t nsources;
	domain_catalog_source sources[DOMAIN_CATALOG_SOURCES_MAX];
	domain_catalog_limits limits;
	domain_catalog_semester semesters[2]; /* [0] = semester 1 */
	size_t ndeadlines;
	domain_catalog_deadline deadlines[DOMAIN_CATALOG_DEADLINES_MAX];
	size_t nptk;                  /* Jenis PTK allowed for a Guru */
	const char *ptk[DOMAIN_CATALOG_PTK_MAX];
	domain_status ptk_status;
	const char *ptk_source;
	int64_t rhk_expected;         /* how many RHK the official list has */
	domain_status rhk_list_status;
	const char *rhk_list_source;
	size_t npoint_values;         /* point values seen in sources, not all tied to an RHK */
	int64_t point_values[DOMAIN_CATALOG_POINT_VALUES_MAX];
	size_t nrhk;
	domain_catalog_rhk rhk[DOMAIN_CATALOG_RHK_MAX];
	domain_status tugas_status;
	const char *tugas_source;
	const char *tugas_note;
	size_t ntugas;
	domain_catalog_tugas tugas[DOMAIN_CATALOG_TUGAS_MAX];
	size_t nsub;
	domain_catalog_sub sub[DOMAIN_CATALOG_SUB_MAX];
	size_t nlevels;
	domain_catalog_level levels[DOMAIN_CATALOG_SCALE_MAX];
	size_t naspects;
	domain_catalog_aspect aspects[DOMAIN_CATALOG_ASPECTS_MAX];
	void *doc;                    /* internal: the parsed JSON the strings point into */
} domain_catalog;

/*
 * The version of catalog bytes: BLAKE2b-256 (crypto_generichash, no key)
 * of exactly bytes[0..len), as 64 lower-case hex characters and a NUL.
 * Returns 0, or KN_ERROR if libsodium fails.
 */
int domain_catalog_version(char out[DOMAIN_CATALOG_VERSION_HEX + 1], const uint8_t *bytes, size_t len);

/*
 * Parse catalog bytes (at most DOMAIN_CATALOG_BYTES_MAX) into a new
 * catalog, *out, which the caller frees with domain_catalog_free(). The
 * check is strict: unknown keys, wrong types, duplicate ids, a status that
 * contradicts what is present (a "missing" RHK with a text or points, a
 * "conflict" without two candidates), a source naming no tag of "sources",
 * and bad dates are refused. Returns 0, KN_ETOOBIG, KN_ENOMEM, or KN_EINVAL
 * with the JSON path at fault as the error field and in the message, e.g.
 * "rhk[3].points must be a whole number >= 1 or absent". *out is NULL on
 * failure.
 */
int domain_catalog_parse(domain_catalog **out, const uint8_t *bytes, size_t len);

/* Free a catalog and everything it points to; NULL-safe. */
void domain_catalog_free(domain_catalog *c);
/*
 * A copy of c for another owner, sharing c's parsed text (nothing is
 * parsed again): *out is freed with domain_catalog_free(), independently
 * of c, on any thread. Returns 0 or KN_ENOMEM (*out NULL).
 */
int domain_catalog_dup(domain_catalog **out, const domain_catalog *c);

/*
 * Lookups. *out is borrowed from the catalog. KN_ENOTFOUND (with a
 * message naming the id) when the id is not in it.
 */
int domain_catalog_rhk_find(const domain_catalog_rhk **out, const domain_catalog *c, int64_t id);
int domain_catalog_sub_find(const domain_catalog_sub **out, const domain_catalog *c, const char *id);
int domain_catalog_aspect_find(const domain_catalog_aspect **out, const domain_catalog *c, const char *id);
int domain_catalog_tugas_find(const domain_catalog_tugas **out, const domain_catalog *c, const char *id);
/* The deadline id ("plan_due", ...) of a semester (1 or 2). */
int domain_catalog_deadline_find(const domain_catalog_deadline **out, const domain_catalog *c, const char *id,
    int semester);
/* Does the catalog serve SKPs of this jabatan ("guru", "kepala_sekolah")? 1 or 0. */
int domain_catalog_serves(const domain_catalog *c, const char *jabatan);
/* Is jenis_ptk one of the allowed Jenis PTK of a Guru (case and outer blanks ignored)? 1 or 0. */
int domain_catalog_ptk_allowed(const domain_catalog *c, const char *jenis_ptk);

/* One gap of the catalog: something absent, in conflict, partial or inferred. */
typedef struct {
	char path[96];                /* JSON path, e.g. "rhk[6].points" */
	domain_status status;
	const char *what;             /* "text", "points", "dianjurkan", ... (static) */
	size_t count;                 /* how many texts the gap holds (e.g. 3 dianjurkan) */
	const char *source;           /* borrowed from the catalog; never NULL */
	const char *note;             /* borrowed; NULL when none */
} domain_catalog_gap;

/*
 * What the catalog does not know, for the CLI to show: every absent text
 * and number that a known entry should have, every conflict, every
 * inferred limit or deadline, and the jabatan it does not serve. Fills
 * out[0..cap) in catalog order and stores the total count in *total
 * (which may exceed cap: call again with more room). Returns 0.
 */
int domain_catalog_gaps(domain_catalog_gap *out, size_t *total, size_t cap, const domain_catalog *c);

#endif
