/*
 * test_catalog.c - domain/catalog.c against the shipped catalog file
 * (catalog/pmm-2024.1.json, read from the repository root where
 * scripts/run-tests.sh runs the tests, or from $KINERJA_CATALOG): the
 * counts, the known points, the conflict and the missing markers are what
 * DOMAIN.md says, and broken variants of the same file are refused with
 * the JSON path at fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../domain/catalog.h"
#include "../../util/kn.h"

#define CATALOG_FILE "catalog/pmm-2024.1.json"
/*
 * The version of the published file. A published catalog never changes:
 * plans name this version. A correction is a new file (pmm-2024.2.json),
 * so this constant changes only when the file is first published.
 */
#define CATALOG_VERSION "70afff776e750a084f6ce4c6c50539ac4f8184bf31793f43a192947f86c48ead"

static char *shipped;
static size_t shipped_len;

/* Read the shipped catalog once for all tests. */
static int
setup(void **state)
{
	const char *path = getenv("KINERJA_CATALOG") ? getenv("KINERJA_CATALOG") : CATALOG_FILE;
	FILE *f = fopen(path, "rb");
	long n;

	(void)state;
	if (f == NULL) {
		fprintf(stderr, "test_catalog: cannot open %s (run from the repository root or set KINERJA_CATALOG)\n", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	shipped = malloc((size_t)n + 1);
	if (shipped == NULL || fread(shipped, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	shipped[n] = '\0';
	shipped_len = (size_t)n;
	fclose(f);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(shipped);
	return 0;
}

static domain_catalog *
load_shipped(void)
{
	domain_catalog *c = NULL;
	int rc = domain_catalog_parse(&c, (const uint8_t *)shipped, shipped_len);

	if (rc != 0)
		fprintf(stderr, "parse: %s (field %s)\n", kn_error_message(), kn_error_field());
	assert_int_equal(rc, 0);
	assert_non_null(c);
	return c;
}

/* The shipped text with the one occurrence of from replaced by to (malloc'd). */
static char *
variant(const char *from, const char *to)
{
	const char *at = strstr(shipped, from);
	size_t nf = strlen(from), nt = strlen(to);
	char *out;

	assert_non_null(at);
	assert_null(strstr(at + 1, from));
	out = malloc(shipped_len - nf + nt + 1);
	assert_non_null(out);
	memcpy(out, shipped, (size_t)(at - shipped));
	memcpy(out + (at - shipped), to, nt);
	strcpy(out + (at - shipped) + nt, at + nf);
	return out;
}

/* Parse a variant: it must fail with KN_EINVAL, the field `field` and a message containing `says`. */
static void
refused(const char *from, const char *to, const char *field, const char *says)
{
	char *text = variant(from, to);
	domain_catalog *c = (domain_catalog *)1;
	int rc = domain_catalog_parse(&c, (const uint8_t *)text, strlen(text));

	if (rc != KN_EINVAL || strcmp(kn_error_field(), field) != 0 || strstr(kn_error_message(), says) == NULL)
		fprintf(stderr, "variant %s -> %s: rc %d field '%s' message '%s'\n", from, to, rc, kn_error_field(),
		    kn_error_message());
	assert_int_equal(rc, KN_EINVAL);
	assert_null(c);
	assert_string_equal(kn_error_field(), field);
	assert_non_null(strstr(kn_error_message(), says));
	free(text);
}

static void
test_catalog__counts(void **state)
{
	domain_catalog *c = load_shipped();

	(void)state;
	assert_string_equal(c->name, "pmm-2024.1");
	assert_int_equal(c->nrhk, 18);
	assert_int_equal(c->rhk_expected, 18);
	assert_int_equal(c->nsub, 8);
	assert_int_equal(c->naspects, 7);
	for (size_t i = 0; i < c->naspects; i++)
		assert_int_equal(c->aspects[i].nbehaviours, 3);
	assert_int_equal(c->nlevels, 3);
	assert_string_equal(c->levels[0].label, "Belum dilakukan");
	assert_string_equal(c->levels[2].label, "Dilakukan dan efektif");
	for (size_t i = 0; i < c->nsub; i++) {
		assert_int_equal(c->sub[i].ntargets, 3);
		for (size_t j = 0; j < 3; j++) {
			assert_int_equal(c->sub[i].targets[j].ndianjurkan, 3);
			assert_int_equal(c->sub[i].targets[j].ndihindari, 3);
		}
	}
	assert_true(c->ntugas >= 5);
	assert_int_equal(c->tugas_status, DOMAIN_STATUS_PARTIAL);
	assert_int_equal(c->limits.points_min.value, 32);
	assert_int_equal(c->limits.points_max.value, 128);
	assert_int_equal(c->limits.text_max_chars.value, 500);
	assert_int_equal(c->limits.sub_indicators_per_plan.value, 1);
	assert_int_equal(c->limits.evidence_max_mb.value, 10);
	assert_int_equal(c->limits.nevidence_types, 1);
	assert_string_equal(c->limits.evidence_types[0], "pdf");
	assert_int_equal(c->limits.quantity_max.status, DOMAIN_STATUS_INFERRED);
	assert_true(domain_catalog_serves(c, "guru"));
	assert_false(domain_catalog_serves(c, "kepala_sekolah"));
	domain_catalog_free(c);
}

static void
test_catalog__known_points_and_conflict(void **state)
{
	domain_catalog *c = load_shipped();
	const domain_catalog_rhk *r;
	static const struct {
		int id, points;
	} known[] = { { 1, 8 }, { 3, 36 }, { 4, 8 }, { 5, 4 } };

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_int_equal(domain_catalog_rhk_find(&r, c, known[i].id), 0);
		assert_int_equal(r->points, known[i].points);
		assert_int_equal(r->ncandidates, 0);
	}
	/* RHK 1's wording is SD4's, verbatim */
	assert_int_equal(domain_catalog_rhk_find(&r, c, 1), 0);
	assert_int_equal(r->status, DOMAIN_STATUS_KNOWN);
	assert_string_equal(r->text, "Meningkatnya kinerja satuan pendidikan dan/atau karier melalui pelatihan mandiri "
	    "sesuai model kompetensi guru/kepala sekolah/pengawas sekolah");
	/* RHK 2: 8 (P2, P16) against 16 (SD4); no value chosen */
	assert_int_equal(domain_catalog_rhk_find(&r, c, 2), 0);
	assert_int_equal(r->status, DOMAIN_STATUS_CONFLICT);
	assert_int_equal(r->points, 0);
	assert_int_equal(r->ncandidates, 2);
	assert_int_equal(r->candidates[0].value, 8);
	assert_non_null(strstr(r->candidates[0].source, "P16"));
	assert_int_equal(r->candidates[1].value, 16);
	assert_non_null(strstr(r->candidates[1].source, "SD4"));
	/* RHK 6: known entry, points not retrieved */
	assert_int_equal(domain_catalog_rhk_find(&r, c, 6), 0);
	assert_int_equal(r->status, DOMAIN_STATUS_PARTIAL);
	assert_int_equal(r->points, 0);
	assert_non_null(r->summary);
	assert_null(r->text);
	domain_catalog_free(c);
}

static void
test_catalog__missing_markers(void **state)
{
	domain_catalog *c = load_shipped();
	const domain_catalog_rhk *r;
	const domain_catalog_sub *s;

	(void)state;
	for (int id = 7; id <= 18; id++) {
		assert_int_equal(domain_catalog_rhk_find(&r, c, id), 0);
		assert_int_equal(r->status, DOMAIN_STATUS_MISSING);
		assert_null(r->text);
		assert_null(r->summary);
		assert_null(r->rule);
		assert_null(r->evidence);
		assert_int_equal(r->points, 0);
	}
	/* Keteraturan Suasana Kelas: SD4's success criterion and targets; no dianjurkan/dihindari */
	assert_int_equal(domain_catalog_sub_find(&s, c, "keteraturan_suasana_kelas"), 0);
	assert_non_null(strstr(s->success, "Terwujudnya suasana kelas yang kondusif"));
	assert_string_equal(s->targets[1].text,
	    "Guru melakukan strategi pengelompokkan untuk mengaktifkan keterlibatan peserta didik");
	assert_null(s->targets[0].dianjurkan[0]);
	assert_null(s->targets[2].dihindari[2]);
	/* Penerapan Disiplin Positif: DOMAIN.md's abridged targets, no verbatim text, no success criterion */
	assert_int_equal(domain_catalog_sub_find(&s, c, "penerapan_disiplin_positif"), 0);
	assert_null(s->success);
	assert_null(s->targets[0].text);
	assert_non_null(strstr(s->targets[2].summary, "restitusi"));
	/* the other six: names only */
	assert_int_equal(domain_catalog_sub_find(&s, c, "instruksi_pembelajaran"), 0);
	assert_null(s->success);
	for (size_t j = 0; j < s->ntargets; j++) {
		assert_null(s->targets[j].text);
		assert_null(s->targets[j].summary);
	}
	/* Perilaku Kerja: PMM's option texts not retrieved */
	for (size_t i = 0; i < c->naspects; i++) {
		assert_int_equal(c->aspects[i].status, DOMAIN_STATUS_PARTIAL);
		assert_null(c->aspects[i].behaviours[0].text);
		assert_non_null(c->aspects[i].behaviours[0].summary);
	}
	domain_catalog_free(c);
}

static void
test_catalog__lookups(void **state)
{
	domain_catalog *c = load_shipped();
	const domain_catalog_rhk *r;
	const domain_catalog_sub *s;
	const domain_catalog_aspect *a;
	const domain_catalog_tugas *t;
	const domain_catalog_deadline *d;

	(void)state;
	assert_int_equal(domain_catalog_rhk_find(&r, c, 19), KN_ENOTFOUND);
	assert_null(r);
	/* a look-up that misses is said in Indonesian with its field (domain/messages.c) */
	assert_string_equal(kn_error_field(), "rhk");
	assert_non_null(strstr(kn_error_message(), "RHK 19 tidak ada di katalog "));
	assert_non_null(strstr(kn_error_message(), "Pilih RHK dari daftar"));
	assert_int_equal(domain_catalog_sub_find(&s, c, "aktivitas_interaktif"), 0);
	assert_string_equal(s->name, "Aktivitas Interaktif");
	assert_int_equal(domain_catalog_sub_find(&s, c, "tidak_ada"), KN_ENOTFOUND);
	assert_non_null(strstr(kn_error_message(), "Sub-indikator Praktik Kinerja 'tidak_ada' tidak ada di katalog"));
	assert_int_equal(domain_catalog_aspect_find(&a, c, "kolaboratif"), 0);
	assert_string_equal(a->name, "Kolaboratif");
	assert_int_equal(domain_catalog_aspect_find(&a, c, "jujur"), KN_ENOTFOUND);
	assert_non_null(strstr(kn_error_message(), "Aspek Perilaku Kerja 'jujur' tidak ada di katalog"));
	assert_int_equal(domain_catalog_tugas_find(&t, c, "kepala_perpustakaan"), 0);
	assert_string_equal(t->name, "Kepala Perpustakaan");
	assert_int_equal(domain_catalog_tugas_find(&t, c, "bendahara"), KN_ENOTFOUND);
	assert_non_null(strstr(kn_error_message(), "Tugas Tambahan 'bendahara' tidak ada di katalog"));
	assert_int_equal(domain_catalog_deadline_find(&d, c, "plan_due", 1), 0);
	assert_int_equal(d->month, 1);
	assert_int_equal(d->day, 31);
	assert_false(d->hard);
	assert_int_equal(domain_catalog_deadline_find(&d, c, "evaluation_due", 2), 0);
	assert_int_equal(d->month, 12);
	assert_true(d->hard);
	assert_int_equal(domain_catalog_deadline_find(&d, c, "plan_due", 3), KN_ENOTFOUND);
	assert_string_equal(kn_error_field(), "deadline");
	assert_non_null(strstr(kn_error_message(), "tidak memuat tenggat plan_due untuk semester 3"));
	assert_true(domain_catalog_ptk_allowed(c, "Guru Kelas"));
	assert_true(domain_catalog_ptk_allowed(c, " guru bk "));
	assert_false(domain_catalog_ptk_allowed(c, "Tenaga Administrasi Sekolah"));
	assert_false(domain_catalog_ptk_allowed(c, "Guru"));
	domain_catalog_free(c);
}

static const domain_catalog_gap *
gap_at(const domain_catalog_gap *g, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].path, path) == 0)
			return &g[i];
	return NULL;
}

static void
test_catalog__gaps(void **state)
{
	domain_catalog *c = load_shipped();
	domain_catalog_gap gaps[256];
	const domain_catalog_gap *g;
	size_t total = 0, total0 = 0;

	(void)state;
	assert_int_equal(domain_catalog_gaps(NULL, &total0, 0, c), 0);
	assert_int_equal(domain_catalog_gaps(gaps, &total, 256, c), 0);
	assert_int_equal(total, total0);
	assert_true(total > 12 && total <= 256);
	assert_non_null(g = gap_at(gaps, total, "rhk[1].points"));
	assert_int_equal(g->status, DOMAIN_STATUS_CONFLICT);
	assert_int_equal(g->count, 2);
	assert_non_null(g = gap_at(gaps, total, "rhk[5].points"));
	assert_int_equal(g->status, DOMAIN_STATUS_MISSING);
	for (int i = 6; i < 18; i++) {
		char p[24];
		snprintf(p, sizeof(p), "rhk[%d]", i);
		assert_non_null(g = gap_at(gaps, total, p));
		assert_int_equal(g->status, DOMAIN_STATUS_MISSING);
	}
	assert_null(gap_at(gaps, total, "rhk[0].points"));
	assert_non_null(g = gap_at(gaps, total, "limits.quantity_max"));
	assert_int_equal(g->status, DOMAIN_STATUS_INFERRED);
	assert_non_null(gap_at(gaps, total, "jabatan"));
	assert_non_null(gap_at(gaps, total, "tugas_tambahan.items"));
	assert_non_null(gap_at(gaps, total, "sub_indicators[2].success"));
	assert_null(gap_at(gaps, total, "sub_indicators[1].success"));
	assert_non_null(g = gap_at(gaps, total, "sub_indicators[1].targets[0].dianjurkan"));
	assert_int_equal(g->count, 3);
	assert_non_null(g = gap_at(gaps, total, "perilaku_kerja[6].behaviours"));
	assert_int_equal(g->count, 3);
	for (size_t i = 0; i < total; i++)
		assert_non_null(gaps[i].source);
	/* a short buffer still reports the full total */
	assert_int_equal(domain_catalog_gaps(gaps, &total0, 3, c), 0);
	assert_int_equal(total0, total);
	domain_catalog_free(c);
}

static void
test_catalog__version(void **state)
{
	char v[65], v2[65];
	domain_catalog *c = load_shipped();
	char *text;

	(void)state;
	assert_int_equal(domain_catalog_version(v, (const uint8_t *)shipped, shipped_len), 0);
	assert_int_equal(strlen(v), 64);
	assert_int_equal(strspn(v, "0123456789abcdef"), 64);
	assert_string_equal(c->version, v);
	assert_string_equal(v, CATALOG_VERSION);
	/* one byte more (a space) is another version, though the content reads the same */
	text = variant("\"format\": 1,", "\"format\": 1, ");
	assert_int_equal(domain_catalog_version(v2, (const uint8_t *)text, strlen(text)), 0);
	assert_string_not_equal(v, v2);
	free(text);
	domain_catalog_free(c);
}

static void
test_catalog__refuses_broken(void **state)
{
	domain_catalog *c = (domain_catalog *)1;
	char *big;

	(void)state;
	/* not JSON */
	assert_int_equal(domain_catalog_parse(&c, (const uint8_t *)shipped, shipped_len / 2), KN_EINVAL);
	assert_null(c);
	assert_string_equal(kn_error_field(), "catalog");
	assert_non_null(strstr(kn_error_message(), "Berkas ini bukan katalog JSON yang sah (baris "));
	/* a duplicate key */
	refused("\"format\": 1,", "\"format\": 1, \"format\": 1,", "catalog", "duplicate");
	/* a catalog for a newer Kinerja says to update it */
	refused("\"format\": 1,", "\"format\": 2,", "format", "berformat 2, sedangkan Kinerja ini membaca format 1: perbarui Kinerja");
	/* negative, real and textual points */
	refused("\"points\": 36", "\"points\": -36", "rhk[2].points", "rhk[2].points must be a whole number >= 1 or absent");
	refused("\"points\": 36", "\"points\": 36.0", "rhk[2].points", "must be a whole number");
	refused("\"points\": 36", "\"points\": \"36\"", "rhk[2].points", "must be a whole number");
	refused("\"points\": 36", "\"points\": 36000000", "rhk[2].points", "must be at most 1000000");
	/* missing fields */
	refused("\"id\": \"kompeten\", \"name\": \"Kompeten\",", "\"id\": \"kompeten\",", "perilaku_kerja[2].name",
	    "is required");
	refused("{ \"id\": 9, \"status\": \"missing\",", "{ \"id\": 9,", "rhk[8].status", "is required");
	refused("\"format\": 1,", "", "format", "is required");
	/* duplicate ids */
	refused("{ \"id\": 18,", "{ \"id\": 17,", "rhk[17].id", "repeats RHK id 17");
	refused("\"id\": \"loyal\"", "\"id\": \"adaptif\"", "perilaku_kerja[5].id", "repeats the id adaptif");
	refused("\"id\": \"guru_piket\"", "\"id\": \"pembimbing_khusus\"", "tugas_tambahan.items[5].id", "repeats");
	/* a typo in a key does not read as "missing" */
	refused("\"points\": 36", "\"point\": 36", "rhk[2].point", "is not a field");
	/* status against content: nothing invented under "missing", nothing hidden under "known" */
	refused("{ \"id\": 7, \"status\": \"missing\",", "{ \"id\": 7, \"status\": \"missing\", \"points\": 12,",
	    "rhk[6].status", "must hold no text");
	refused("\"id\": 3,\n\t\t\t\"status\": \"partial\"", "\"id\": 3,\n\t\t\t\"status\": \"known\"", "rhk[2].status",
	    "needs text, rule, evidence and points");
	refused(" },\n\t\t\t\t{ \"value\": 16, \"source\": \"SD4 (Bukti Dukung table: '... bersama rekan sejawat (16 poin)')\" }",
	    " }",
	    "rhk[1].points_conflict", "2 to 4 candidates");
	refused("\"status\": \"conflict\"", "\"status\": \"partial\"", "rhk[1].status", "must be conflict");
	/* a count that disagrees */
	refused("\"expected_count\": 18", "\"expected_count\": 19", "rhk", "has 18 entries");
	/* provenance */
	refused("\"source\": \"P12\",\n\t\t\t\"note\": \"behaviours are DOMAIN.md's English summary of P12; PMM's "
	    "teacher-specific option texts were not retrieved\",\n\t\t\t\"behaviours\": [ { \"summary\": \"let others",
	    "\"source\": \"somewhere\",\n\t\t\t\"behaviours\": [ { \"summary\": \"let others", "perilaku_kerja[6].source",
	    "names no tag");
	/* limits and dates */
	refused("\"points_max\": { \"value\": 128", "\"points_max\": { \"value\": 16", "limits.points_max",
	    "must not be below");
	refused("\"date\": \"06-30\"", "\"date\": \"07-30\"", "calendar.deadlines[2].date", "outside semester 1");
	refused("\"date\": \"07-31\", \"kind\": \"soft\", \"status\": \"inferred\", \"source\": \"INF (DOMAIN.md",
	    "\"date\": \"02-30\", \"kind\": \"soft\", \"status\": \"inferred\", \"source\": \"INF (DOMAIN.md",
	    "calendar.deadlines[3].date", "not a day of the year");
	refused("\"kind\": \"hard\", \"status\": \"known\", \"source\": \"P1 (periodic evaluation by 31 Dec)\"",
	    "\"kind\": \"firm\", \"status\": \"known\", \"source\": \"P1 (periodic evaluation by 31 Dec)\"",
	    "calendar.deadlines[5].kind", "soft or hard");
	refused("\"quantity_max\": { \"value\": 32, \"status\": \"inferred\"",
	    "\"quantity_max\": { \"value\": 32, \"status\": \"missing\"", "limits.quantity_max.status", "inferred, known");
	/* too big to read */
	big = calloc(1, DOMAIN_CATALOG_BYTES_MAX + 2);
	assert_non_null(big);
	assert_int_equal(domain_catalog_parse(&c, (const uint8_t *)big, DOMAIN_CATALOG_BYTES_MAX + 1), KN_ETOOBIG);
	assert_null(c);
	assert_non_null(strstr(kn_error_message(), "Berkas katalog ini "));
	free(big);
	domain_catalog_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog__counts),
		cmocka_unit_test(test_catalog__known_points_and_conflict),
		cmocka_unit_test(test_catalog__missing_markers),
		cmocka_unit_test(test_catalog__lookups),
		cmocka_unit_test(test_catalog__gaps),
		cmocka_unit_test(test_catalog__version),
		cmocka_unit_test(test_catalog__refuses_broken),
	};

	if (sodium_init() < 0)
		return 1;
	kn_log_init("test_catalog", KN_LOG_ERROR, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
