/*
 * test_plan.c - the SKP rules of domain/plan.h, each with the case it
 * refuses: the body layout, the point bounds (31/32/128/129), one
 * sub-indicator, all Perilaku Kerja aspects, Tugas Tambahan, the
 * 500-character limit counted in characters, several problems reported at
 * once, the atasan's adjustments, every transition allowed and refused,
 * who is whose atasan on a day (Plt, Plt in the same school, an ended
 * assignment, a principal's own plan), eligibility, the one identity edit,
 * periods and deadlines.
 *
 * Two catalogs: the shipped catalog/pmm-2024.1.json (run from the
 * repository root, or set $KINERJA_CATALOG) for the real rules, and a
 * small test catalog whose points (1, 8, 31, 32, 128) reach the exact
 * bounds the real points (multiples of 4) cannot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>
#include <sodium.h>

#include "../../domain/catalog.h"
#include "../../domain/plan.h"
#include "../../util/kn.h"

#define CATALOG_FILE "catalog/pmm-2024.1.json"
#define NPSN "20100001"
#define NPSN_B "20100002"

static domain_catalog *real, *test;

/* People: a teacher, another teacher, the principal, a Plt, a Pengawas, the Kepala Dinas. */
static uint8_t GURU[32], GURU2[32], KS[32], PLT[32], PENGAWAS[32], DINAS[32];

static const char test_catalog[] =
    "{\"format\": 1, \"name\": \"uji-1\", \"title\": \"Katalog uji\","
    " \"jabatan\": {\"value\": [\"guru\"], \"status\": \"known\", \"source\": \"T\"},"
    " \"sources\": [{\"tag\": \"T\", \"title\": \"test\"}, {\"tag\": \"INF\", \"title\": \"inferred\"}],"
    " \"limits\": {"
    "  \"points_min\": {\"value\": 32, \"status\": \"known\", \"source\": \"T\"},"
    "  \"points_max\": {\"value\": 128, \"status\": \"known\", \"source\": \"T\"},"
    "  \"text_max_chars\": {\"value\": 500, \"status\": \"known\", \"source\": \"T\"},"
    "  \"sub_indicators_per_plan\": {\"value\": 1, \"status\": \"known\", \"source\": \"T\"},"
    "  \"quantity_max\": {\"value\": 32, \"status\": \"inferred\", \"source\": \"INF\"},"
    "  \"evidence_types\": {\"value\": [\"pdf\"], \"status\": \"known\", \"source\": \"T\"},"
    "  \"evidence_max_mb\": {\"value\": 10, \"status\": \"known\", \"source\": \"T\"}},"
    " \"calendar\": {\"semesters\": ["
    "   {\"semester\": 1, \"start\": \"01-01\", \"end\": \"06-30\", \"status\": \"known\", \"source\": \"T\"},"
    "   {\"semester\": 2, \"start\": \"07-01\", \"end\": \"12-31\", \"status\": \"known\", \"source\": \"T\"}],"
    "  \"deadlines\": ["
    "   {\"id\": \"plan_due\", \"semester\": 1, \"date\": \"01-31\", \"kind\": \"soft\", \"status\": \"known\", \"source\": \"T\", \"kind_source\": \"T\"},"
    "   {\"id\": \"approve_due\", \"semester\": 1, \"date\": \"02-15\", \"kind\": \"soft\", \"status\": \"known\", \"source\": \"T\", \"kind_source\": \"T\"},"
    "   {\"id\": \"evaluation_due\", \"semester\": 1, \"date\": \"06-30\", \"kind\": \"hard\", \"status\": \"known\", \"source\": \"T\", \"kind_source\": \"T\"},"
    "   {\"id\": \"plan_due\", \"semester\": 2, \"date\": \"07-31\", \"kind\": \"hard\", \"status\": \"known\", \"source\": \"T\", \"kind_source\": \"T\"},"
    "   {\"id\": \"approve_due\", \"semester\": 2, \"date\": \"08-15\", \"kind\": \"soft\", \"status\": \"known\", \"source\": \"T\", \"kind_source\": \"T\"},"
    "   {\"id\": \"evaluation_due\", \"semester\": 2, \"date\": \"12-31\", \"kind\": \"hard\", \"status\": \"known\", \"source\": \"T\", \"kind_source\": \"T\"}]},"
    " \"jenis_ptk\": {\"value\": [\"Guru Kelas\"], \"status\": \"known\", \"source\": \"T\"},"
    " \"rhk_list\": {\"expected_count\": 8, \"status\": \"known\", \"source\": \"T\", \"point_values_seen\": [],"
    "  \"point_values_source\": \"T\"},"
    " \"rhk\": ["
    "  {\"id\": 1, \"status\": \"known\", \"source\": \"T\", \"text\": \"satu\", \"rule\": \"r\", \"evidence\": \"e\", \"points\": 1},"
    "  {\"id\": 2, \"status\": \"known\", \"source\": \"T\", \"text\": \"dua\", \"rule\": \"r\", \"evidence\": \"e\", \"points\": 8},"
    "  {\"id\": 3, \"status\": \"known\", \"source\": \"T\", \"text\": \"tiga\", \"rule\": \"r\", \"evidence\": \"e\", \"points\": 31},"
    "  {\"id\": 4, \"status\": \"known\", \"source\": \"T\", \"text\": \"empat\", \"rule\": \"r\", \"evidence\": \"e\", \"points\": 32},"
    "  {\"id\": 5, \"status\": \"known\", \"source\": \"T\", \"text\": \"lima\", \"rule\": \"r\", \"evidence\": \"e\", \"points\": 128},"
    "  {\"id\": 6, \"status\": \"missing\", \"source\": \"T\"},"
    "  {\"id\": 7, \"status\": \"conflict\", \"source\": \"T\", \"text\": \"t\", \"rule\": \"r\", \"evidence\": \"e\","
    "   \"points_conflict\": [{\"value\": 4, \"source\": \"T\"}, {\"value\": 8, \"source\": \"T\"}]},"
    "  {\"id\": 8, \"status\": \"partial\", \"source\": \"T\", \"text\": \"t\", \"rule\": \"r\", \"evidence\": \"e\"}],"
    " \"tugas_tambahan\": {\"status\": \"known\", \"source\": \"T\", \"items\": ["
    "  {\"id\": \"kepala_perpustakaan\", \"name\": \"Kepala Perpustakaan\", \"status\": \"known\", \"source\": \"T\"}]},"
    " \"sub_indicators\": ["
    "  {\"id\": \"lengkap\", \"name\": \"Lengkap\", \"status\": \"known\", \"source\": \"T\", \"success\": \"s\","
    "   \"targets\": [{\"text\": \"a\", \"dianjurkan\": [\"x\"], \"dihindari\": [\"y\"]}]},"
    "  {\"id\": \"kedua\", \"name\": \"Kedua\", \"status\": \"known\", \"source\": \"T\", \"success\": \"s\","
    "   \"targets\": [{\"text\": \"b\", \"dianjurkan\": [\"x\"], \"dihindari\": [\"y\"]}]}],"
    " \"observation_scale\": [{\"id\": \"a\", \"label\": \"A\", \"text\": \"d\", \"status\": \"known\", \"source\": \"T\"}],"
    " \"perilaku_kerja\": ["
    "  {\"id\": \"a1\", \"name\": \"Aspek Satu\", \"status\": \"known\", \"source\": \"T\", \"behaviours\": [{\"text\": \"p\"}, {\"text\": \"q\"}]},"
    "  {\"id\": \"a2\", \"name\": \"Aspek Dua\", \"status\": \"known\", \"source\": \"T\", \"behaviours\": [{\"text\": \"p\"}]}]}";

static int
setup(void **state)
{
	const char *path = getenv("KINERJA_CATALOG") ? getenv("KINERJA_CATALOG") : CATALOG_FILE;
	FILE *f = fopen(path, "rb");
	static char buf[DOMAIN_CATALOG_BYTES_MAX];
	size_t n;

	(void)state;
	if (f == NULL) {
		fprintf(stderr, "test_plan: cannot open %s (run from the repository root or set KINERJA_CATALOG)\n", path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (domain_catalog_parse(&real, (const uint8_t *)buf, n) != 0 ||
	    domain_catalog_parse(&test, (const uint8_t *)test_catalog, strlen(test_catalog)) != 0) {
		fprintf(stderr, "test_plan: catalog: %s (%s)\n", kn_error_message(), kn_error_field());
		return -1;
	}
	memset(GURU, 1, 32);
	memset(GURU2, 2, 32);
	memset(KS, 3, 32);
	memset(PLT, 4, 32);
	memset(PENGAWAS, 5, 32);
	memset(DINAS, 6, 32);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	domain_catalog_free(real);
	domain_catalog_free(test);
	return 0;
}

/* ---- helpers ---- */

static int64_t
D(int month, int day)
{
	int64_t d;

	assert_int_equal(domain_day_from_ymd(&d, 2026, month, day), 0);
	return d;
}

/* A message a person reads has every parameter filled. */
static void
assert_rendered(const char *msg)
{
	if (strchr(msg, '{') != NULL)
		fprintf(stderr, "unfilled parameter in: %s\n", msg);
	assert_null(strchr(msg, '{'));
	assert_true(strlen(msg) > 0);
	assert_true(kn_utf8_valid(msg, strlen(msg)));
}

/* A complete plan for catalog c: its first sub-indicator, RHK rhk x qty, the first behaviour of every aspect. */
static void
plan_base(domain_plan *p, const domain_catalog *c, int64_t rhk, int64_t qty)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->period, sizeof(p->period), "2026-1");
	snprintf(p->catalog, sizeof(p->catalog), "%s", c->version);
	p->jabatan = DOMAIN_JABATAN_GURU;
	p->npraktik = 1;
	snprintf(p->praktik[0], sizeof(p->praktik[0]), "%s", c->sub[0].id);
	p->nrhk = 1;
	p->rhk[0].id = rhk;
	p->rhk[0].target_kuantitas = qty;
	p->nperilaku = c->naspects;
	for (size_t i = 0; i < c->naspects; i++) {
		snprintf(p->perilaku[i].aspek, sizeof(p->perilaku[i].aspek), "%s", c->aspects[i].id);
		p->perilaku[i].has_index = 1;
		p->perilaku[i].index = 0;
	}
}

static void
plan_add_rhk(domain_plan *p, int64_t id, int64_t qty)
{
	p->rhk[p->nrhk].id = id;
	p->rhk[p->nrhk].target_kuantitas = qty;
	p->nrhk++;
}

static void
plan_add_tugas(domain_plan *p, const char *id, const char *sk)
{
	snprintf(p->tugas[p->ntugas].id, sizeof(p->tugas[p->ntugas].id), "%s", id);
	domain_plan_text_set(&p->tugas[p->ntugas].sk, sk);
	p->ntugas++;
}

/* The problem with this code (and field, when not NULL), or NULL. */
static const domain_problem *
problem(const domain_plan_report *r, const char *code, const char *field)
{
	for (size_t i = 0; i < r->nproblems; i++)
		if (strcmp(r->problems[i].code, code) == 0 && (field == NULL || strcmp(r->problems[i].field, field) == 0))
			return &r->problems[i];
	return NULL;
}

static void
assert_all_rendered(const domain_plan_report *r)
{
	for (size_t i = 0; i < r->nproblems; i++)
		assert_rendered(r->problems[i].message);
	for (size_t i = 0; i < r->nwarnings; i++)
		assert_rendered(r->warnings[i].message);
	assert_rendered(r->points.guidance);
}

/* Check a plan that must have exactly one problem, code at field. */
static const domain_problem *
only_problem(domain_plan_report *r, const domain_plan *p, const domain_catalog *c, const char *code, const char *field)
{
	assert_int_equal(domain_plan_check(r, p, c), KN_EINVAL);
	if (r->nproblems != 1 || strcmp(r->problems[0].code, code) != 0)
		for (size_t i = 0; i < r->nproblems; i++)
			fprintf(stderr, "problem %s at %s: %s\n", r->problems[i].code, r->problems[i].field, r->problems[i].message);
	assert_int_equal(r->nproblems, 1);
	assert_string_equal(r->problems[0].code, code);
	if (field)
		assert_string_equal(r->problems[0].field, field);
	assert_all_rendered(r);
	return &r->problems[0];
}

static void
no_problem(domain_plan_report *r, const domain_plan *p, const domain_catalog *c)
{
	int rc = domain_plan_check(r, p, c);

	for (size_t i = 0; i < r->nproblems; i++)
		fprintf(stderr, "problem %s at %s: %s\n", r->problems[i].code, r->problems[i].field, r->problems[i].message);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nproblems, 0);
	assert_all_rendered(r);
}

/* ---- the body ---- */

/* Pack p and parse it back into q through real msgpack bytes. */
static void
roundtrip(domain_plan *q, const domain_plan *p)
{
	kn_buf b = KN_BUF_INIT;
	msgpack_unpacked up;
	size_t off = 0;

	assert_int_equal(domain_plan_pack(&b, p), 0);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)b.ptr, b.len, &off), MSGPACK_UNPACK_SUCCESS);
	if (domain_plan_parse(q, &up.data) != 0)
		fprintf(stderr, "parse: %s (%s)\n", kn_error_message(), kn_error_field());
	assert_int_equal(domain_plan_parse(q, &up.data), 0);
	msgpack_unpacked_destroy(&up);
	kn_buf_free(&b);
}

static void
test_plan__body_roundtrip(void **state)
{
	static domain_plan p, q;

	(void)state;
	plan_base(&p, real, 1, 2);
	plan_add_rhk(&p, 3, 1);
	plan_add_tugas(&p, "kepala_perpustakaan", "800/12/SDN1/2026");
	p.perilaku[2].has_index = 0;
	domain_plan_text_set(&p.perilaku[2].text, "Mengikuti pelatihan daring setiap bulan");
	domain_plan_text_set(&p.perilaku[3].ekspektasi_khusus, "Membimbing rekan guru baru");
	domain_plan_text_set(&p.rangkuman, "Fokus pada keteraturan kelas.\nDua baris.");
	roundtrip(&q, &p);
	assert_string_equal(q.period, "2026-1");
	assert_string_equal(q.catalog, real->version);
	assert_int_equal(q.jabatan, DOMAIN_JABATAN_GURU);
	assert_int_equal(q.npraktik, 1);
	assert_string_equal(q.praktik[0], real->sub[0].id);
	assert_int_equal(q.nrhk, 2);
	assert_int_equal(q.rhk[0].id, 1);
	assert_int_equal(q.rhk[0].target_kuantitas, 2);
	assert_int_equal(q.ntugas, 1);
	assert_string_equal(q.tugas[0].sk.s, "800/12/SDN1/2026");
	assert_int_equal(q.nperilaku, 7);
	assert_false(q.perilaku[2].has_index);
	assert_string_equal(q.perilaku[2].text.s, "Mengikuti pelatihan daring setiap bulan");
	assert_string_equal(q.perilaku[3].ekspektasi_khusus.s, "Membimbing rekan guru baru");
	assert_true(q.perilaku[1].has_index);
	assert_string_equal(q.rangkuman.s, p.rangkuman.s);
	assert_int_equal(q.rangkuman.chars, strlen(p.rangkuman.s));
}

/* The key object named name in a decoded map (to damage a body in place). */
static msgpack_object_kv *
kv_of(msgpack_object *map, const char *name)
{
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		msgpack_object *k = &map->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(name) &&
		    memcmp(k->via.str.ptr, name, k->via.str.size) == 0)
			return &map->via.map.ptr[i];
	}
	fail_msg("no key %s", name);
	return NULL;
}

typedef void (*damage_fn)(msgpack_object *body);

/* A good body damaged by fn must be refused with code at field. */
static void
body_refused(damage_fn fn, int code, const char *field)
{
	static domain_plan p, q;
	kn_buf b = KN_BUF_INIT;
	msgpack_unpacked up;
	size_t off = 0;
	int rc;

	plan_base(&p, real, 1, 4);
	plan_add_tugas(&p, "kepala_perpustakaan", "SK 1");
	assert_int_equal(domain_plan_pack(&b, &p), 0);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)b.ptr, b.len, &off), MSGPACK_UNPACK_SUCCESS);
	fn(&up.data);
	rc = domain_plan_parse(&q, &up.data);
	if (rc != code || strcmp(kn_error_field(), field) != 0)
		fprintf(stderr, "rc %d field '%s': %s\n", rc, kn_error_field(), kn_error_message());
	assert_int_equal(rc, code);
	assert_string_equal(kn_error_field(), field);
	assert_rendered(kn_error_message());
	msgpack_unpacked_destroy(&up);
	kn_buf_free(&b);
}

static void
dmg_unknown_key(msgpack_object *body)
{
	kv_of(body, "rangkuman")->key.via.str.ptr = "ringkasan";
}

static void
dmg_duplicate_key(msgpack_object *body)
{
	msgpack_object *k = &kv_of(body, "rangkuman")->key;
	k->via.str.ptr = "jabatan";
	k->via.str.size = 7;
}

static void
dmg_missing_key(msgpack_object *body)
{
	body->via.map.size--; /* drops "rangkuman", packed last */
}

static void
dmg_period(msgpack_object *body)
{
	kv_of(body, "period")->val.via.str.ptr = "2026-3";
}

static void
dmg_catalog(msgpack_object *body)
{
	kv_of(body, "catalog")->val.via.str.size = 12;
}

static void
dmg_jabatan(msgpack_object *body)
{
	msgpack_object *v = &kv_of(body, "jabatan")->val;
	v->via.str.ptr = "dosen";
	v->via.str.size = 5;
}

static void
dmg_rhk_id(msgpack_object *body)
{
	msgpack_object *e = &kv_of(body, "rhk")->val.via.array.ptr[0];
	msgpack_object *id = &kv_of(e, "id")->val;
	id->type = MSGPACK_OBJECT_STR;
	id->via.str.ptr = "1";
	id->via.str.size = 1;
}

static void
dmg_rhk_too_many(msgpack_object *body)
{
	kv_of(body, "rhk")->val.via.array.size = DOMAIN_PLAN_RHK_MAX + 1;
}

static void
dmg_perilaku_bool(msgpack_object *body)
{
	msgpack_object *e = &kv_of(body, "perilaku")->val.via.array.ptr[4];
	msgpack_object *v = &kv_of(e, "perilaku")->val;
	v->type = MSGPACK_OBJECT_BOOLEAN;
	v->via.boolean = true;
}

static void
dmg_tugas_sk_int(msgpack_object *body)
{
	msgpack_object *e = &kv_of(body, "tugas_tambahan")->val.via.array.ptr[0];
	msgpack_object *v = &kv_of(e, "sk")->val;
	v->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
	v->via.u64 = 800;
}

static void
dmg_not_map(msgpack_object *body)
{
	body->type = MSGPACK_OBJECT_NIL;
}

static void
test_plan__body_refused(void **state)
{
	(void)state;
	body_refused(dmg_unknown_key, KN_EINVAL, "ringkasan");
	body_refused(dmg_missing_key, KN_EINVAL, "rangkuman");
	body_refused(dmg_duplicate_key, KN_EINVAL, "jabatan");
	assert_string_equal(kn_error_message(), "Kolom jabatan muncul lebih dari sekali dalam rencana SKP.");
	body_refused(dmg_period, KN_EINVAL, "period");
	body_refused(dmg_catalog, KN_EINVAL, "catalog");
	body_refused(dmg_jabatan, KN_EINVAL, "jabatan");
	body_refused(dmg_rhk_id, KN_EINVAL, "rhk[0].id");
	body_refused(dmg_rhk_too_many, KN_ETOOBIG, "rhk");
	body_refused(dmg_perilaku_bool, KN_EINVAL, "perilaku[4].perilaku");
	body_refused(dmg_tugas_sk_int, KN_EINVAL, "tugas_tambahan[0].sk");
	body_refused(dmg_not_map, KN_EINVAL, "body");
}

/* ---- points ---- */

static void
test_plan__points_bounds(void **state)
{
	static domain_plan p;
	static domain_plan_report r;
	const domain_problem *e;

	(void)state;
	/* 31: one short */
	plan_base(&p, test, 3, 1);
	e = only_problem(&r, &p, test, "SKP_POIN_KURANG", "rhk");
	assert_non_null(strstr(e->message, "kurang 1 poin dari minimal 32"));
	assert_int_equal(r.points.total, 31);
	assert_int_equal(r.points.verdict, DOMAIN_POINTS_KURANG);
	/* 32 and 128: the bounds themselves pass */
	plan_base(&p, test, 4, 1);
	no_problem(&r, &p, test);
	assert_int_equal(r.points.total, 32);
	assert_int_equal(r.points.verdict, DOMAIN_POINTS_CUKUP);
	plan_base(&p, test, 5, 1);
	no_problem(&r, &p, test);
	assert_int_equal(r.points.total, 128);
	/* 129: one over */
	plan_add_rhk(&p, 1, 1);
	e = only_problem(&r, &p, test, "SKP_POIN_LEBIH", "rhk");
	assert_non_null(strstr(e->message, "lebih 1 poin dari maksimal 128"));
	assert_int_equal(r.points.total, 129);
	/* the real catalog: 3 x RHK 1 (8) = 24; 3 x RHK 3 (36) + 3 x RHK 4 (8) = 132 */
	plan_base(&p, real, 1, 3);
	e = only_problem(&r, &p, real, "SKP_POIN_KURANG", "rhk");
	assert_non_null(strstr(e->message, "kurang 8 poin dari minimal 32"));
	plan_base(&p, real, 3, 3);
	plan_add_rhk(&p, 4, 3);
	e = only_problem(&r, &p, real, "SKP_POIN_LEBIH", "rhk");
	assert_non_null(strstr(e->message, "lebih 4 poin dari maksimal 128"));
	/* 4 x RHK 1 + 1 x RHK 5 (4) = 36 */
	plan_base(&p, real, 1, 4);
	plan_add_rhk(&p, 5, 1);
	no_problem(&r, &p, real);
	assert_int_equal(r.points.total, 36);
	/* no RHK at all: the whole minimum is missing */
	plan_base(&p, real, 1, 1);
	p.nrhk = 0;
	e = only_problem(&r, &p, real, "SKP_POIN_KURANG", "rhk");
	assert_non_null(strstr(e->message, "kurang 32 poin dari minimal 32"));
}

static void
test_plan__points_live(void **state)
{
	static domain_plan p;
	domain_plan_points pt;

	(void)state;
	plan_base(&p, real, 1, 2);
	assert_int_equal(domain_plan_points_get(&pt, &p, real), 0);
	assert_int_equal(pt.total, 16);
	assert_int_equal(pt.verdict, DOMAIN_POINTS_KURANG);
	assert_string_equal(pt.guidance, "Total 16 poin: kurang 16 poin dari minimal 32.");
	assert_int_equal(pt.nitems, 1);
	assert_int_equal(pt.items[0].per_unit, 8);
	assert_int_equal(pt.items[0].subtotal, 16);
	/* SD4's example: 2 x RHK 1 and 1 x RHK 2: 24 or 32 depending on RHK 2's points */
	plan_add_rhk(&p, 2, 1);
	assert_int_equal(domain_plan_points_get(&pt, &p, real), 0);
	assert_int_equal(pt.verdict, DOMAIN_POINTS_BELUM_PASTI);
	assert_int_equal(pt.total, 16);
	assert_int_equal(pt.total_min, 24);
	assert_int_equal(pt.total_max, 32);
	assert_int_equal(pt.nuncertain, 1);
	assert_false(pt.items[1].certain);
	assert_non_null(strstr(pt.guidance, "Total sementara 24-32 poin: poin RHK 2 belum pasti"));
	assert_rendered(pt.guidance);
	/* missing points: only a lower bound */
	plan_add_rhk(&p, 6, 1);
	assert_int_equal(domain_plan_points_get(&pt, &p, real), 0);
	assert_int_equal(pt.verdict, DOMAIN_POINTS_BELUM_PASTI);
	assert_non_null(strstr(pt.guidance, "24 atau lebih"));
	assert_non_null(strstr(pt.guidance, "RHK 2, 6"));
	/* over the maximum whatever RHK 2 turns out to be */
	plan_base(&p, real, 3, 4);
	plan_add_rhk(&p, 2, 1);
	assert_int_equal(domain_plan_points_get(&pt, &p, real), 0);
	assert_int_equal(pt.verdict, DOMAIN_POINTS_LEBIH);
	assert_string_equal(pt.guidance, "Total 152 poin: lebih 24 poin dari maksimal 128.");
	/* within bounds */
	plan_base(&p, real, 3, 1);
	assert_int_equal(domain_plan_points_get(&pt, &p, real), 0);
	assert_string_equal(pt.guidance, "Total 36 poin: sudah sesuai ketentuan (minimal 32, maksimal 128).");
}

/* ---- the sections ---- */

static void
test_plan__one_sub_indicator(void **state)
{
	static domain_plan p;
	static domain_plan_report r;
	const domain_problem *e;

	(void)state;
	plan_base(&p, test, 4, 1);
	no_problem(&r, &p, test);
	assert_int_equal(r.nwarnings, 0);
	p.npraktik = 0;
	only_problem(&r, &p, test, "SKP_PRAKTIK_KOSONG", "praktik_kinerja");
	p.npraktik = 2;
	snprintf(p.praktik[1], sizeof(p.praktik[1]), "kedua");
	e = only_problem(&r, &p, test, "SKP_PRAKTIK_LEBIH", "praktik_kinerja");
	assert_non_null(strstr(e->message, "hanya boleh memuat 1 sub-indikator"));
	assert_non_null(strstr(e->message, "memilih 2"));
	p.npraktik = 1;
	snprintf(p.praktik[0], sizeof(p.praktik[0]), "tidak_ada");
	only_problem(&r, &p, test, "SKP_PRAKTIK_TIDAK_DIKENAL", "praktik_kinerja[0]");
	/* the real catalog: a sub-indicator without its rubric may be chosen, with a warning */
	plan_base(&p, real, 3, 1);
	snprintf(p.praktik[0], sizeof(p.praktik[0]), "umpan_balik_konstruktif");
	no_problem(&r, &p, real);
	assert_int_equal(r.nwarnings, 1);
	assert_string_equal(r.warnings[0].code, "SKP_PRAKTIK_RUBRIK_BELUM_ADA");
	assert_non_null(strstr(r.warnings[0].message, "Umpan Balik Konstruktif"));
	assert_non_null(strstr(r.warnings[0].message, "(22 teks"));
}

static void
test_plan__perilaku_all_aspects(void **state)
{
	static domain_plan p;
	static domain_plan_report r;
	const domain_problem *e;

	(void)state;
	plan_base(&p, real, 3, 1);
	assert_int_equal(p.nperilaku, 7);
	no_problem(&r, &p, real);
	/* 6 of 7: the missing aspect is named */
	p.perilaku[4] = p.perilaku[6];
	p.nperilaku = 6;
	e = only_problem(&r, &p, real, "SKP_PERILAKU_BELUM_DIISI", "perilaku");
	assert_non_null(strstr(e->message, "aspek Loyal belum diisi"));
	assert_non_null(strstr(e->message, "(7 aspek)"));
	/* 7 entries, one twice: one aspect missing and one repeated */
	plan_base(&p, real, 3, 1);
	snprintf(p.perilaku[6].aspek, sizeof(p.perilaku[6].aspek), "loyal");
	assert_int_equal(domain_plan_check(&r, &p, real), KN_EINVAL);
	assert_int_equal(r.nproblems, 2);
	assert_non_null(problem(&r, "SKP_PERILAKU_GANDA", "perilaku[6].aspek"));
	assert_non_null(problem(&r, "SKP_PERILAKU_BELUM_DIISI", "perilaku"));
	/* an index beyond the 3 behaviours; an unknown aspect; own wording, empty and filled */
	plan_base(&p, real, 3, 1);
	p.perilaku[0].index = 3;
	e = only_problem(&r, &p, real, "SKP_PERILAKU_PILIHAN", "perilaku[0].perilaku");
	assert_non_null(strstr(e->message, "nomor 1 sampai 3"));
	plan_base(&p, real, 3, 1);
	snprintf(p.perilaku[0].aspek, sizeof(p.perilaku[0].aspek), "jujur");
	assert_int_equal(domain_plan_check(&r, &p, real), KN_EINVAL);
	assert_non_null(problem(&r, "SKP_PERILAKU_TIDAK_DIKENAL", "perilaku[0].aspek"));
	assert_non_null(problem(&r, "SKP_PERILAKU_BELUM_DIISI", "perilaku"));
	plan_base(&p, real, 3, 1);
	p.perilaku[1].has_index = 0;
	domain_plan_text_set(&p.perilaku[1].text, "  ");
	only_problem(&r, &p, real, "SKP_PERILAKU_KOSONG", "perilaku[1].perilaku");
	domain_plan_text_set(&p.perilaku[1].text, "Menjaga kejujuran dalam penilaian");
	no_problem(&r, &p, real);
}

static void
test_plan__rhk_rules(void **state)
{
	static domain_plan p;
	static domain_plan_report r;
	const domain_problem *e;

	(void)state;
	plan_base(&p, real, 3, 1);
	plan_add_rhk(&p, 19, 1);
	only_problem(&r, &p, real, "SKP_RHK_TIDAK_DIKENAL", "rhk[1].id");
	plan_base(&p, real, 3, 1);
	plan_add_rhk(&p, 7, 1);
	e = only_problem(&r, &p, real, "SKP_RHK_BELUM_TERSEDIA", "rhk[1].id");
	assert_non_null(strstr(e->message, "RHK 7 belum tersedia"));
	plan_base(&p, real, 3, 1);
	plan_add_rhk(&p, 6, 1);
	only_problem(&r, &p, real, "SKP_RHK_POIN_TIDAK_DIKETAHUI", "rhk[1].id");
	/* RHK 2: blocked while the sources disagree, and the message says on what */
	plan_base(&p, real, 3, 1);
	plan_add_rhk(&p, 2, 1);
	e = only_problem(&r, &p, real, "SKP_RHK_POIN_KONFLIK", "rhk[1].id");
	assert_non_null(strstr(e->message, "8 atau 16 poin"));
	/* quantities */
	plan_base(&p, real, 3, 0);
	plan_add_rhk(&p, 1, 4);
	only_problem(&r, &p, real, "SKP_RHK_KUANTITAS_KURANG", "rhk[0].target_kuantitas");
	plan_base(&p, test, 1, 33); /* 33 points: only the quantity is wrong */
	e = only_problem(&r, &p, test, "SKP_RHK_KUANTITAS_LEBIH", "rhk[0].target_kuantitas");
	assert_non_null(strstr(e->message, "paling banyak 32"));
	plan_base(&p, real, 5, 32);
	no_problem(&r, &p, real);
	/* the same RHK twice */
	plan_base(&p, real, 1, 2);
	plan_add_rhk(&p, 1, 2);
	only_problem(&r, &p, real, "SKP_RHK_GANDA", "rhk[1].id");
}

static void
test_plan__tugas_tambahan(void **state)
{
	static domain_plan p;
	static domain_plan_report r;
	const domain_problem *e;

	(void)state;
	plan_base(&p, real, 3, 1);
	plan_add_tugas(&p, "kepala_perpustakaan", "800/12/SDN1/2026");
	plan_add_tugas(&p, "pembimbing_khusus", "Surat Tugas 5/2026");
	no_problem(&r, &p, real);
	/* each needs its SK or Surat Tugas */
	domain_plan_text_set(&p.tugas[1].sk, " ");
	e = only_problem(&r, &p, real, "SKP_TUGAS_TANPA_SK", "tugas_tambahan[1].sk");
	assert_non_null(strstr(e->message, "Pembimbing khusus"));
	/* only from the catalog, once */
	plan_base(&p, real, 3, 1);
	plan_add_tugas(&p, "bendahara_bos", "SK 1");
	only_problem(&r, &p, real, "SKP_TUGAS_TIDAK_DIKENAL", "tugas_tambahan[0].id");
	plan_base(&p, real, 3, 1);
	plan_add_tugas(&p, "guru_piket", "SK 1");
	plan_add_tugas(&p, "guru_piket", "SK 2");
	only_problem(&r, &p, real, "SKP_TUGAS_GANDA", "tugas_tambahan[1].id");
	/* only in a Guru SKP (checked with a catalog that serves both jabatan) */
	plan_base(&p, test, 4, 1);
	p.jabatan = DOMAIN_JABATAN_KEPALA_SEKOLAH;
	plan_add_tugas(&p, "kepala_perpustakaan", "SK 1");
	assert_int_equal(domain_plan_check(&r, &p, test), KN_EINVAL);
	assert_non_null(problem(&r, "SKP_TUGAS_BUKAN_GURU", "tugas_tambahan"));
	assert_non_null(problem(&r, "SKP_JABATAN_TIDAK_DILAYANI", "jabatan"));
	assert_int_equal(r.nproblems, 2);
}

static void
test_plan__catalog_and_jabatan(void **state)
{
	static domain_plan p;
	static domain_plan_report r;
	const domain_problem *e;

	(void)state;
	plan_base(&p, real, 3, 1);
	memset(p.catalog, 'a', DOMAIN_CATALOG_VERSION_HEX);
	e = only_problem(&r, &p, real, "SKP_KATALOG_BEDA", "catalog");
	assert_non_null(strstr(e->message, "aaaaaaaaaaaa"));
	assert_non_null(strstr(e->message, "pmm-2024.1"));
	/* pmm-2024.1 has no Kepala Sekolah RHK yet */
	plan_base(&p, real, 3, 1);
	p.jabatan = DOMAIN_JABATAN_KEPALA_SEKOLAH;
	only_problem(&r, &p, real, "SKP_JABATAN_TIDAK_DILAYANI", "jabatan");
}

/* A string of n copies of the UTF-8 character ch. */
static char *
repeat(const char *ch, size_t n)
{
	size_t l = strlen(ch);
	char *s = malloc(l * n + 1);

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * l, ch, l);
	s[l * n] = '\0';
	return s;
}

static void
test_plan__text_limit_in_characters(void **state)
{
	static domain_plan p;
	static domain_plan_report r;
	const domain_problem *e;
	char *s;

	(void)state;
	plan_base(&p, real, 3, 1);
	/* 500 characters of 4 bytes each (2000 bytes) pass */
	s = repeat("\xf0\x9f\x93\x9a", 500);
	domain_plan_text_set(&p.rangkuman, s);
	assert_int_equal(p.rangkuman.chars, 500);
	assert_false(p.rangkuman.over);
	no_problem(&r, &p, real);
	free(s);
	/* 500 two-byte characters pass; 501 do not */
	s = repeat("\xc3\xa9", 500);
	domain_plan_text_set(&p.rangkuman, s);
	no_problem(&r, &p, real);
	free(s);
	s = repeat("\xc3\xa9", 501);
	domain_plan_text_set(&p.rangkuman, s);
	e = only_problem(&r, &p, real, "SKP_TEKS_PANJANG", "rangkuman");
	assert_string_equal(e->message, "Rangkuman berisi 501 karakter, paling banyak 500 karakter. Persingkat tulisannya.");
	free(s);
	/* 600 ASCII characters: 600 bytes, still too many characters */
	s = repeat("a", 600);
	domain_plan_text_set(&p.rangkuman, s);
	only_problem(&r, &p, real, "SKP_TEKS_PANJANG", "rangkuman");
	free(s);
	/* 501 four-byte characters do not even fit the buffer: flagged, still counted */
	s = repeat("\xf0\x9f\x93\x9a", 501);
	domain_plan_text_set(&p.rangkuman, s);
	assert_true(p.rangkuman.over);
	assert_int_equal(p.rangkuman.chars, 501);
	e = only_problem(&r, &p, real, "SKP_TEKS_PANJANG", "rangkuman");
	assert_non_null(strstr(e->message, "501 karakter"));
	free(s);
	/* not UTF-8; a control character; newlines are fine */
	domain_plan_text_set(&p.rangkuman, "rusak \xc3");
	only_problem(&r, &p, real, "SKP_TEKS_TIDAK_SAH", "rangkuman");
	domain_plan_text_set(&p.rangkuman, "bel \x07");
	only_problem(&r, &p, real, "SKP_TEKS_TIDAK_SAH", "rangkuman");
	domain_plan_text_set(&p.rangkuman, "baris satu\nbaris dua\ttab");
	no_problem(&r, &p, real);
	/* the same limit on the other texts */
	plan_base(&p, real, 3, 1);
	s = repeat("\xe2\x82\xac", 501);
	plan_add_tugas(&p, "kepala_perpustakaan", s);
	domain_plan_text_set(&p.perilaku[6].ekspektasi_khusus, s);
	assert_int_equal(domain_plan_check(&r, &p, real), KN_EINVAL);
	assert_non_null(problem(&r, "SKP_TEKS_PANJANG", "tugas_tambahan[0].sk"));
	e = problem(&r, "SKP_TEKS_PANJANG", "perilaku[6].ekspektasi_khusus");
	assert_non_null(e);
	assert_non_null(strstr(e->message, "Ekspektasi khusus aspek Kolaboratif berisi 501 karakter"));
	free(s);
}

static void
test_plan__every_problem_at_once(void **state)
{
	static domain_plan p;
	static domain_plan_report r;
	char *s;

	(void)state;
	plan_base(&p, real, 7, 1);  /* RHK 7: not retrieved */
	p.npraktik = 0;             /* no sub-indicator */
	plan_add_rhk(&p, 1, 0);     /* quantity 0 */
	p.nperilaku = 5;            /* two aspects missing */
	plan_add_tugas(&p, "kepala_perpustakaan", ""); /* no SK */
	s = repeat("x", 501);
	domain_plan_text_set(&p.rangkuman, s);
	free(s);
	assert_int_equal(domain_plan_check(&r, &p, real), KN_EINVAL);
	assert_non_null(problem(&r, "SKP_PRAKTIK_KOSONG", "praktik_kinerja"));
	assert_non_null(problem(&r, "SKP_RHK_BELUM_TERSEDIA", "rhk[0].id"));
	assert_non_null(problem(&r, "SKP_RHK_KUANTITAS_KURANG", "rhk[1].target_kuantitas"));
	assert_non_null(problem(&r, "SKP_TUGAS_TANPA_SK", "tugas_tambahan[0].sk"));
	assert_non_null(problem(&r, "SKP_TEKS_PANJANG", "rangkuman"));
	assert_int_equal(r.nproblems, 7); /* and two SKP_PERILAKU_BELUM_DIISI */
	assert_int_equal(r.more, 0);
	/* the total cannot be judged while RHK 7's points are unknown: no point problem on top */
	assert_null(problem(&r, "SKP_POIN_KURANG", NULL));
	assert_all_rendered(&r);
	assert_string_equal(kn_error_field(), "praktik_kinerja");
	assert_non_null(strstr(kn_error_message(), "masih ada 7 hal"));
}

/* ---- adjustments ---- */

static const domain_adjustment *
adjustment(const domain_plan_adjustments *a, domain_adjustment_kind kind, const char *ref)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->items[i].kind == kind && strcmp(a->items[i].ref, ref) == 0)
			return &a->items[i];
	return NULL;
}

static void
test_plan__adjustments(void **state)
{
	static domain_plan s, a;
	static domain_plan_adjustments adj;
	const domain_adjustment *x;
	domain_problem why;

	(void)state;
	plan_base(&s, real, 3, 1);
	plan_add_rhk(&s, 1, 2);
	plan_add_rhk(&s, 5, 2);
	plan_add_tugas(&s, "kepala_perpustakaan", "SK 1");
	plan_add_tugas(&s, "guru_piket", "ST 2");
	a = s;
	assert_int_equal(domain_plan_adjustments_get(&adj, &why, &s, &a, real), 0);
	assert_int_equal(adj.n, 0);
	/* the atasan: RHK 1 from 2 to 3, drops RHK 5, adds RHK 4, corrects an SK, drops a Tugas Tambahan,
	 * picks another Adaptif behaviour and writes an ekspektasi khusus for Kolaboratif */
	a.rhk[1].target_kuantitas = 3;
	a.rhk[2].id = 4;
	a.rhk[2].target_kuantitas = 1;
	domain_plan_text_set(&a.tugas[0].sk, "SK 1 (perbaikan)");
	a.ntugas = 1;
	a.perilaku[5].index = 2;
	domain_plan_text_set(&a.perilaku[6].ekspektasi_khusus, "Memimpin komunitas belajar sekolah");
	assert_int_equal(domain_plan_adjustments_get(&adj, &why, &s, &a, real), 0);
	assert_int_equal(adj.n, 7);
	x = adjustment(&adj, DOMAIN_ADJ_RHK_KUANTITAS, "1");
	assert_non_null(x);
	assert_int_equal(x->before, 2);
	assert_int_equal(x->after, 3);
	assert_string_equal(x->field, "rhk[1].target_kuantitas");
	assert_string_equal(x->message, "Atasan mengubah target kuantitas RHK 1 dari 2 menjadi 3.");
	x = adjustment(&adj, DOMAIN_ADJ_RHK_DIHAPUS, "5");
	assert_non_null(x);
	assert_string_equal(x->message, "Atasan menghapus RHK 5 (target kuantitas semula 2).");
	x = adjustment(&adj, DOMAIN_ADJ_RHK_DITAMBAH, "4");
	assert_non_null(x);
	assert_string_equal(x->field, "rhk[2]");
	assert_non_null(x = adjustment(&adj, DOMAIN_ADJ_TUGAS_SK, "kepala_perpustakaan"));
	assert_non_null(strstr(x->message, "SK 1 (perbaikan)"));
	assert_non_null(x = adjustment(&adj, DOMAIN_ADJ_TUGAS_DIHAPUS, "guru_piket"));
	assert_string_equal(x->message, "Atasan menghapus Tugas Tambahan Guru piket.");
	assert_non_null(x = adjustment(&adj, DOMAIN_ADJ_PERILAKU, "adaptif"));
	assert_string_equal(x->message, "Atasan mengubah pilihan perilaku aspek Adaptif.");
	assert_non_null(x = adjustment(&adj, DOMAIN_ADJ_EKSPEKTASI, "kolaboratif"));
	assert_string_equal(x->message,
	    "Ada Penyesuaian Dari Atasan: ekspektasi khusus aspek Kolaboratif: Memimpin komunitas belajar sekolah");
	for (size_t i = 0; i < adj.n; i++)
		assert_rendered(adj.items[i].message);
	/* what only the teacher may change */
	a = s;
	snprintf(a.praktik[0], sizeof(a.praktik[0]), "aktivitas_interaktif");
	assert_int_equal(domain_plan_adjustments_get(&adj, &why, &s, &a, real), KN_EDENIED);
	assert_string_equal(why.code, "SKP_UBAH_TIDAK_BOLEH");
	assert_string_equal(why.field, "praktik_kinerja");
	assert_non_null(strstr(why.message, "tetapi tidak sub-indikator Praktik Kinerja"));
	a = s;
	domain_plan_text_set(&a.rangkuman, "diubah atasan");
	assert_int_equal(domain_plan_adjustments_get(&adj, NULL, &s, &a, real), KN_EDENIED);
	assert_string_equal(kn_error_field(), "rangkuman");
}

/* ---- the state machine ---- */

/* An atasan set of one person. */
static void
set_of(domain_atasan_set *s, const uint8_t *key, domain_assignment_role role)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->keys[0], key, 32);
	s->roles[0] = role;
	s->n = 1;
}

/* An act that satisfies every requirement of its action, by the right person. */
static domain_skp_act
act_ok(domain_skp_state st, domain_skp_action a, const domain_atasan_set *set, const domain_plan_report *clean)
{
	domain_skp_act act = { 0 };

	act.state = st;
	act.action = a;
	act.owner = GURU;
	act.actor = domain_skp_action_by_atasan(a) ? KS : GURU;
	act.atasan = set;
	act.identity_confirmed = 1;
	act.check = clean;
	act.note = a == DOMAIN_SKP_TINJAU_ULANG ? "RHK 3 terlalu berat untuk semester ini" :
	    a == DOMAIN_SKP_BUKA_KEMBALI ? "Mutasi ke sekolah lain" : NULL;
	act.at_ms = 1767225600000ULL;
	return act;
}

static void
test_plan__transitions_allowed(void **state)
{
	static const struct {
		domain_skp_state from;
		domain_skp_action a;
		domain_skp_state to;
		const char *code;
	} table[] = {
		{ DOMAIN_SKP_BELUM, DOMAIN_SKP_SIMPAN, DOMAIN_SKP_DRAF, "SKP_EV_SIMPAN" },
		{ DOMAIN_SKP_BELUM, DOMAIN_SKP_AJUKAN, DOMAIN_SKP_DIAJUKAN, "SKP_EV_AJUKAN" },
		{ DOMAIN_SKP_DRAF, DOMAIN_SKP_SIMPAN, DOMAIN_SKP_DRAF, "SKP_EV_SIMPAN" },
		{ DOMAIN_SKP_DRAF, DOMAIN_SKP_AJUKAN, DOMAIN_SKP_DIAJUKAN, "SKP_EV_AJUKAN" },
		{ DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_SETUJUI, DOMAIN_SKP_DISETUJUI, "SKP_EV_SETUJUI" },
		{ DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_TINJAU_ULANG, DOMAIN_SKP_PERLU_REVISI, "SKP_EV_TINJAU_ULANG" },
		{ DOMAIN_SKP_PERLU_REVISI, DOMAIN_SKP_SIMPAN, DOMAIN_SKP_PERLU_REVISI, "SKP_EV_SIMPAN" },
		{ DOMAIN_SKP_PERLU_REVISI, DOMAIN_SKP_AJUKAN, DOMAIN_SKP_DIAJUKAN, "SKP_EV_AJUKAN" },
		{ DOMAIN_SKP_DISETUJUI, DOMAIN_SKP_SEPAKATI, DOMAIN_SKP_DISEPAKATI, "SKP_EV_SEPAKATI" },
		{ DOMAIN_SKP_DISETUJUI, DOMAIN_SKP_BUKA_KEMBALI, DOMAIN_SKP_PERLU_REVISI, "SKP_EV_BUKA_KEMBALI" },
		{ DOMAIN_SKP_DISEPAKATI, DOMAIN_SKP_BUKA_KEMBALI, DOMAIN_SKP_PERLU_REVISI, "SKP_EV_BUKA_KEMBALI" },
	};
	static domain_plan_report clean;
	domain_atasan_set set;
	domain_skp_event ev;

	(void)state;
	set_of(&set, KS, DOMAIN_ROLE_KEPALA_SEKOLAH);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		domain_skp_act act = act_ok(table[i].from, table[i].a, &set, &clean);
		int rc = domain_skp_transition(&ev, &act);
		if (rc != 0)
			fprintf(stderr, "%s from %s: %s\n", domain_skp_action_name(table[i].a),
			    domain_skp_state_name(table[i].from), ev.message);
		assert_int_equal(rc, 0);
		assert_int_equal(ev.from, table[i].from);
		assert_int_equal(ev.to, table[i].to);
		assert_string_equal(ev.code, table[i].code);
		assert_int_equal(ev.by_atasan, domain_skp_action_by_atasan(table[i].a));
		assert_rendered(ev.message);
	}
	/* the reason of a reopening and the note of a return are kept for the history */
	{
		domain_skp_act act = act_ok(DOMAIN_SKP_DISEPAKATI, DOMAIN_SKP_BUKA_KEMBALI, &set, &clean);
		assert_int_equal(domain_skp_transition(&ev, &act), 0);
		assert_string_equal(ev.note, "Mutasi ke sekolah lain");
		assert_string_equal(ev.message, "Atasan membuka kembali SKP: Mutasi ke sekolah lain");
	}
	/* approval with adjustments says how many; a late act is flagged */
	{
		static domain_plan_adjustments adj;
		domain_timing late = { 0 };
		domain_skp_act act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_SETUJUI, &set, &clean);
		adj.n = 2;
		late.late = 1;
		late.kind = DOMAIN_TIMING_TERLAMBAT;
		act.adjustments = &adj;
		act.timing = &late;
		assert_int_equal(domain_skp_transition(&ev, &act), 0);
		assert_int_equal(ev.nadjustments, 2);
		assert_true(ev.late);
		assert_non_null(strstr(ev.message, "dengan 2 penyesuaian"));
	}
	/* names round-trip */
	for (int s = DOMAIN_SKP_BELUM; s <= DOMAIN_SKP_DISEPAKATI; s++) {
		domain_skp_state back;
		assert_int_equal(domain_skp_state_parse(&back, domain_skp_state_name((domain_skp_state)s)), 0);
		assert_int_equal(back, s);
		assert_non_null(domain_skp_state_label((domain_skp_state)s));
	}
	for (int a = DOMAIN_SKP_SIMPAN; a <= DOMAIN_SKP_BUKA_KEMBALI; a++) {
		domain_skp_action back;
		assert_int_equal(domain_skp_action_parse(&back, domain_skp_action_name((domain_skp_action)a)), 0);
		assert_int_equal(back, a);
	}
	assert_int_equal(domain_skp_state_parse(&(domain_skp_state){ 0 }, "sinkron"), KN_EINVAL);
	assert_string_equal(kn_error_message(), "Status SKP 'sinkron' tidak dikenal.");
	assert_int_equal(domain_skp_action_parse(&(domain_skp_action){ 0 }, "tolak"), KN_EINVAL);
	{
		domain_assignment_role r;
		assert_int_equal(domain_assignment_role_parse(&r, "plt_kepala_sekolah"), 0);
		assert_int_equal(r, DOMAIN_ROLE_PLT_KEPALA_SEKOLAH);
		assert_int_equal(domain_assignment_role_parse(&r, "wakasek"), KN_EINVAL);
		assert_rendered(kn_error_message());
	}
}

static void
test_plan__transitions_refused(void **state)
{
	static domain_plan_report clean, dirty;
	domain_atasan_set set;
	domain_skp_event ev;
	domain_skp_act act;
	domain_skp_state to;
	int refused = 0;

	(void)state;
	set_of(&set, KS, DOMAIN_ROLE_KEPALA_SEKOLAH);
	/* every (state, action) outside the table: KN_ESTATE, even for the right person */
	for (int s = DOMAIN_SKP_BELUM; s <= DOMAIN_SKP_DISEPAKATI; s++)
		for (int a = DOMAIN_SKP_SIMPAN; a <= DOMAIN_SKP_BUKA_KEMBALI; a++) {
			if (domain_skp_next(&to, (domain_skp_state)s, (domain_skp_action)a) == 0)
				continue;
			act = act_ok((domain_skp_state)s, (domain_skp_action)a, &set, &clean);
			assert_int_equal(domain_skp_transition(&ev, &act), KN_ESTATE);
			assert_string_equal(ev.code, "SKP_STATUS_SALAH");
			assert_int_equal(ev.to, s);
			assert_rendered(ev.message);
			refused++;
		}
	assert_int_equal(refused, 6 * 6 - 11);
	act = act_ok(DOMAIN_SKP_DISEPAKATI, DOMAIN_SKP_SIMPAN, &set, &clean);
	assert_int_equal(domain_skp_transition(&ev, &act), KN_ESTATE);
	assert_string_equal(ev.message,
	    "SKP berstatus Disepakati; Simpan Draf hanya dapat dilakukan saat SKP berstatus Belum Dibuat, Draf atau Perlu "
	    "Revisi.");
	/* the wrong person: KN_EDENIED first, whatever the state */
	act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_SETUJUI, &set, &clean);
	act.actor = GURU2;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	assert_string_equal(ev.code, "SKP_HANYA_ATASAN");
	act.actor = GURU;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	assert_string_equal(ev.code, "SKP_ATASAN_SENDIRI");
	act = act_ok(DOMAIN_SKP_DRAF, DOMAIN_SKP_SETUJUI, &set, &clean);
	act.actor = GURU;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	act = act_ok(DOMAIN_SKP_DRAF, DOMAIN_SKP_AJUKAN, &set, &clean);
	act.actor = KS;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	assert_string_equal(ev.code, "SKP_HANYA_PEMILIK");
	act = act_ok(DOMAIN_SKP_DISETUJUI, DOMAIN_SKP_SEPAKATI, &set, &clean);
	act.actor = KS;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_TINJAU_ULANG, NULL, &clean);
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	/* a principal's own plan: he is not in his own atasan set, and even if he were, he is refused */
	act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_SETUJUI, &set, &clean);
	act.owner = KS;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	assert_string_equal(ev.code, "SKP_ATASAN_SENDIRI");
	/* what the act must carry */
	act = act_ok(DOMAIN_SKP_BELUM, DOMAIN_SKP_SIMPAN, &set, &clean);
	act.identity_confirmed = 0;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_ESTATE);
	assert_string_equal(ev.code, "SKP_IDENTITAS_BELUM");
	act = act_ok(DOMAIN_SKP_DRAF, DOMAIN_SKP_AJUKAN, &set, NULL);
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EINVAL);
	assert_string_equal(ev.code, "SKP_PEMERIKSAAN_WAJIB");
	dirty.nproblems = 2;
	dirty.problems[0].code = "SKP_PRAKTIK_KOSONG";
	snprintf(dirty.problems[0].field, sizeof(dirty.problems[0].field), "praktik_kinerja");
	act = act_ok(DOMAIN_SKP_DRAF, DOMAIN_SKP_AJUKAN, &set, &dirty);
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EINVAL);
	assert_string_equal(ev.code, "SKP_BELUM_LENGKAP");
	assert_string_equal(ev.field, "praktik_kinerja");
	assert_string_equal(ev.message, "Ajukan belum dapat dilakukan: masih ada 2 hal yang perlu diperbaiki pada SKP.");
	act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_SETUJUI, &set, &dirty);
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EINVAL);
	act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_TINJAU_ULANG, &set, &clean);
	act.note = " \n";
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EINVAL);
	assert_string_equal(ev.code, "SKP_CATATAN_WAJIB");
	act.note = NULL;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EINVAL);
	act = act_ok(DOMAIN_SKP_DISEPAKATI, DOMAIN_SKP_BUKA_KEMBALI, &set, &clean);
	act.note = "";
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EINVAL);
	assert_string_equal(ev.code, "SKP_ALASAN_WAJIB");
	assert_string_equal(kn_error_field(), "alasan");
	{
		/* a refused deadline check (late, hard, no dispensation) refuses the act */
		domain_timing refused_t = { 0 };
		refused_t.late = 1;
		refused_t.code = "TENGGAT_DITUTUP";
		snprintf(refused_t.message, sizeof(refused_t.message), "Batas pengajuan SKP sudah lewat.");
		act = act_ok(DOMAIN_SKP_DRAF, DOMAIN_SKP_AJUKAN, &set, &clean);
		act.timing = &refused_t;
		assert_int_equal(domain_skp_transition(&ev, &act), KN_ESTATE);
		assert_string_equal(ev.code, "TENGGAT_DITUTUP");
		assert_string_equal(ev.field, "tenggat");
	}
	act = act_ok(DOMAIN_SKP_DISEPAKATI, DOMAIN_SKP_BUKA_KEMBALI, &set, &clean);
	act.evaluation_started = 1;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_ESTATE);
	assert_string_equal(ev.code, "SKP_SUDAH_DIEVALUASI");
	{
		char *s = repeat("\xc3\xa9", 501);
		act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_TINJAU_ULANG, &set, &clean);
		act.note = s;
		assert_int_equal(domain_skp_transition(&ev, &act), KN_EINVAL);
		assert_string_equal(ev.code, "SKP_TEKS_PANJANG");
		assert_string_equal(ev.message, "Catatan berisi 501 karakter, paling banyak 500 karakter. Persingkat tulisannya.");
		s[1000] = '\0'; /* 500 characters */
		assert_int_equal(domain_skp_transition(&ev, &act), 0);
		free(s);
	}
}

/* ---- the atasan ---- */

static domain_assignment
asg(const uint8_t *who, const char *school, domain_assignment_role role, int64_t start, int64_t end)
{
	domain_assignment a;

	memset(&a, 0, sizeof(a));
	memcpy(a.person, who, 32);
	snprintf(a.school, sizeof(a.school), "%s", school);
	a.role = role;
	a.start_day = start;
	a.end_day = end;
	return a;
}

static int
resolve(domain_atasan_set *out, const uint8_t *owner, const char *owner_role, domain_jabatan j, int64_t day,
    const domain_assignment *a, size_t n)
{
	domain_atasan_query q = { owner, owner_role, NPSN, j, day, a, n };
	int rc = domain_atasan_resolve(out, &q);

	assert_rendered(out->message);
	return rc;
}

static void
test_plan__atasan(void **state)
{
	const domain_assignment a[] = {
		asg(KS, NPSN, DOMAIN_ROLE_KEPALA_SEKOLAH, D(1, 1), D(3, 31)),       /* definitive until 31 Mar */
		asg(PLT, NPSN, DOMAIN_ROLE_PLT_KEPALA_SEKOLAH, D(3, 15), D(5, 31)), /* Plt from 15 Mar to 31 May */
		asg(PENGAWAS, NPSN, DOMAIN_ROLE_PENGAWAS, D(1, 1), DOMAIN_DAY_OPEN),
		asg(PENGAWAS, NPSN_B, DOMAIN_ROLE_PENGAWAS, D(1, 1), DOMAIN_DAY_OPEN),
		asg(DINAS, "", DOMAIN_ROLE_KEPALA_DINAS, D(1, 1), DOMAIN_DAY_OPEN),
		asg(GURU2, NPSN_B, DOMAIN_ROLE_PLT_KEPALA_SEKOLAH, D(1, 1), DOMAIN_DAY_OPEN), /* Plt elsewhere */
	};
	const size_t n = sizeof(a) / sizeof(a[0]);
	domain_atasan_set s;
	domain_skp_event ev;
	domain_skp_act act;
	static domain_plan_report clean;

	(void)state;
	/* February: the definitive principal */
	assert_int_equal(resolve(&s, GURU, "guru", DOMAIN_JABATAN_GURU, D(2, 10), a, n), 0);
	assert_int_equal(s.n, 1);
	assert_memory_equal(s.keys[0], KS, 32);
	assert_int_equal(s.roles[0], DOMAIN_ROLE_KEPALA_SEKOLAH);
	assert_string_equal(s.code, "ATASAN_KEPALA_SEKOLAH");
	/* 15-31 March: both are valid, both may act; the first and the last day count */
	assert_int_equal(resolve(&s, GURU, "guru", DOMAIN_JABATAN_GURU, D(3, 15), a, n), 0);
	assert_int_equal(s.n, 2);
	assert_true(domain_atasan_has(&s, KS));
	assert_true(domain_atasan_has(&s, PLT));
	assert_int_equal(resolve(&s, GURU, "guru", DOMAIN_JABATAN_GURU, D(3, 31), a, n), 0);
	assert_int_equal(s.n, 2);
	/* April: only the Plt; the principal whose assignment ended may no longer approve */
	assert_int_equal(resolve(&s, GURU, "guru", DOMAIN_JABATAN_GURU, D(4, 1), a, n), 0);
	assert_int_equal(s.n, 1);
	assert_memory_equal(s.keys[0], PLT, 32);
	act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_SETUJUI, &s, &clean);
	act.actor = KS;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	assert_string_equal(ev.code, "SKP_HANYA_ATASAN");
	act.actor = PLT;
	assert_int_equal(domain_skp_transition(&ev, &act), 0);
	/* June: the Plt's assignment ended too: nobody, and the Plt is refused */
	assert_int_equal(resolve(&s, GURU, "guru", DOMAIN_JABATAN_GURU, D(6, 1), a, n), KN_ENOTFOUND);
	assert_int_equal(s.n, 0);
	assert_string_equal(s.code, "ATASAN_TIDAK_ADA_KS");
	assert_non_null(strstr(s.message, "1 Juni 2026"));
	act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_SETUJUI, &s, &clean);
	act.actor = PLT;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	/* the Plt's own Guru SKP while Plt in the same school: the Kepala Dinas, never himself */
	assert_int_equal(resolve(&s, PLT, "guru", DOMAIN_JABATAN_GURU, D(4, 1), a, n), 0);
	assert_int_equal(s.n, 1);
	assert_memory_equal(s.keys[0], DINAS, 32);
	assert_string_equal(s.code, "ATASAN_DINAS_SEKOLAH_SAMA");
	assert_non_null(strstr(s.message, "Plt Kepala Sekolah"));
	/* ... and after his Plt assignment ended, his Guru SKP is the principal's again (none here in June) */
	assert_int_equal(resolve(&s, PLT, "guru", DOMAIN_JABATAN_GURU, D(6, 1), a, n), KN_ENOTFOUND);
	assert_int_equal(resolve(&s, PLT, "guru", DOMAIN_JABATAN_GURU, D(2, 1), a, n), 0);
	assert_memory_equal(s.keys[0], KS, 32);
	/* a Plt of another school is not the atasan here; his own Guru SKP here goes to this principal */
	assert_int_equal(resolve(&s, GURU, "guru", DOMAIN_JABATAN_GURU, D(2, 1), a, n), 0);
	assert_false(domain_atasan_has(&s, GURU2));
	assert_int_equal(resolve(&s, GURU2, "guru", DOMAIN_JABATAN_GURU, D(2, 1), a, n), 0);
	assert_memory_equal(s.keys[0], KS, 32);
	/* the Plt's Kepala Sekolah SKP: Pengawas or Kepala Dinas */
	assert_int_equal(resolve(&s, PLT, "guru", DOMAIN_JABATAN_KEPALA_SEKOLAH, D(4, 1), a, n), 0);
	assert_int_equal(s.n, 2);
	assert_true(domain_atasan_has(&s, PENGAWAS));
	assert_true(domain_atasan_has(&s, DINAS));
	assert_string_equal(s.code, "ATASAN_PENGAWAS_DINAS");
	/* the principal's own plan: never himself; he cannot approve it */
	assert_int_equal(resolve(&s, KS, "kepala_sekolah", DOMAIN_JABATAN_KEPALA_SEKOLAH, D(2, 1), a, n), 0);
	assert_false(domain_atasan_has(&s, KS));
	assert_int_equal(s.n, 2);
	act = act_ok(DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_SETUJUI, &s, &clean);
	act.owner = KS;
	act.actor = KS;
	assert_int_equal(domain_skp_transition(&ev, &act), KN_EDENIED);
	act.actor = PENGAWAS;
	assert_int_equal(domain_skp_transition(&ev, &act), 0);
	/* a principal has no Guru SKP; a teacher without the post has no Kepala Sekolah SKP */
	assert_int_equal(resolve(&s, KS, "kepala_sekolah", DOMAIN_JABATAN_GURU, D(2, 1), a, n), KN_EDENIED);
	assert_string_equal(s.code, "ATASAN_BUKAN_GURU");
	assert_int_equal(resolve(&s, GURU, "guru", DOMAIN_JABATAN_KEPALA_SEKOLAH, D(2, 1), a, n), KN_EDENIED);
	assert_string_equal(s.code, "ATASAN_BUKAN_KS");
	/* the principal's SKP after his post ended: refused as well */
	assert_int_equal(resolve(&s, KS, "kepala_sekolah", DOMAIN_JABATAN_KEPALA_SEKOLAH, D(4, 1), a, n), KN_EDENIED);
	/* no Kepala Dinas recorded: the Plt-in-same-school case says whom to ask */
	assert_int_equal(resolve(&s, PLT, "guru", DOMAIN_JABATAN_GURU, D(4, 1), a, 2), KN_ENOTFOUND);
	assert_string_equal(s.code, "ATASAN_TIDAK_ADA_DINAS");
}

/* ---- eligibility ---- */

static void
eligibility(domain_eligibility *out, const char *status, const char *ptk, const char *naungan, int seconded,
    const char *role)
{
	domain_eligibility_query q = { status, ptk, naungan, seconded, role };

	assert_int_equal(domain_eligibility_get(out, &q, real), 0);
	assert_rendered(out->message);
}

static void
test_plan__eligibility(void **state)
{
	domain_eligibility e;

	(void)state;
	eligibility(&e, "PNS", "Guru Kelas", "pemda", 0, "guru");
	assert_true(e.eligible);
	assert_true(e.mandatory);
	assert_true(e.ekinerja_sync);
	assert_string_equal(e.code, "KELAYAKAN_ASN");
	eligibility(&e, "PPPK", "Guru Mapel", "Pemda", 0, "guru");
	assert_true(e.eligible && e.mandatory && e.ekinerja_sync);
	/* non-ASN: recommended, not obliged, no e-Kinerja */
	eligibility(&e, "NON_ASN", "Guru Kelas", "pemda", 0, "guru");
	assert_true(e.eligible);
	assert_false(e.mandatory);
	assert_false(e.ekinerja_sync);
	assert_non_null(strstr(e.message, "dianjurkan"));
	/* Kemenag and seconded staff: e-Kinerja */
	eligibility(&e, "PNS", "Guru Kelas", "kemenag", 0, "guru");
	assert_false(e.eligible);
	assert_false(e.may_draft);
	assert_string_equal(e.code, "KELAYAKAN_KEMENAG");
	assert_non_null(strstr(e.message, "e-Kinerja BKN"));
	eligibility(&e, "PNS", "Guru Kelas", "pemda", 1, "guru");
	assert_false(e.eligible);
	assert_string_equal(e.code, "KELAYAKAN_DIPEKERJAKAN");
	assert_non_null(strstr(e.message, "e-Kinerja"));
	/* a wrong Jenis PTK: the Operator Sekolah fixes Dapodik; the teacher may draft meanwhile */
	eligibility(&e, "PNS", "Tenaga Administrasi Sekolah", "pemda", 0, "guru");
	assert_false(e.eligible);
	assert_true(e.may_draft);
	assert_string_equal(e.fix_by, "operator_sekolah");
	assert_string_equal(e.code, "KELAYAKAN_JENIS_PTK");
	assert_non_null(strstr(e.message, "(Tenaga Administrasi Sekolah)"));
	assert_non_null(strstr(e.message, "Operator Sekolah"));
	assert_non_null(strstr(e.message, "Dapodik"));
	eligibility(&e, "PNS", NULL, "pemda", 0, "guru");
	assert_false(e.eligible);
	/* an unknown status or naungan, an operator */
	eligibility(&e, "HONORER", "Guru Kelas", "pemda", 0, "guru");
	assert_false(e.eligible);
	assert_string_equal(e.code, "KELAYAKAN_STATUS");
	assert_string_equal(e.fix_by, "operator_sekolah");
	eligibility(&e, "PNS", "Guru Kelas", "", 0, "guru");
	assert_string_equal(e.code, "KELAYAKAN_NAUNGAN");
	eligibility(&e, "PNS", "", "pemda", 0, "operator");
	assert_false(e.eligible);
	assert_string_equal(e.code, "KELAYAKAN_PERAN");
	/* a principal: no Jenis PTK list is sourced for principals */
	eligibility(&e, "PNS", "Kepala Sekolah", "pemda", 0, "kepala_sekolah");
	assert_true(e.eligible);
}

/* ---- identity ---- */

static void
test_plan__identity_once(void **state)
{
	domain_identity dapodik, mine;
	domain_identity_changes ch;
	domain_identity_confirmation prev[2] = { { D(1, 5), 0 }, { D(1, 6), 1 } };
	domain_problem why;

	(void)state;
	memset(&dapodik, 0, sizeof(dapodik));
	snprintf(dapodik.nama, sizeof(dapodik.nama), "Budi Santoso");
	snprintf(dapodik.nip, sizeof(dapodik.nip), "198501012010011001");
	snprintf(dapodik.pangkat, sizeof(dapodik.pangkat), "Penata Muda");
	mine = dapodik;
	assert_int_equal(domain_identity_changes_get(&ch, &dapodik, &mine), 0);
	assert_int_equal(ch.n, 0);
	snprintf(mine.pangkat, sizeof(mine.pangkat), "Penata Muda Tingkat I");
	snprintf(mine.nama, sizeof(mine.nama), "Budi Santoso, S.Pd.");
	assert_int_equal(domain_identity_changes_get(&ch, &dapodik, &mine), 0);
	assert_int_equal(ch.n, 2);
	assert_string_equal(ch.fields[0], "nama");
	assert_string_equal(ch.fields[1], "pangkat");
	/* the first edit is allowed; confirming unchanged data always is */
	assert_int_equal(domain_identity_may_confirm(&why, prev, 1, 1), 0);
	assert_int_equal(domain_identity_may_confirm(&why, prev, 2, 0), 0);
	/* a second edit is not */
	assert_int_equal(domain_identity_may_confirm(&why, prev, 2, 1), KN_EDENIED);
	assert_string_equal(why.code, "IDENTITAS_SUDAH_DIUBAH");
	assert_non_null(strstr(why.message, "6 Januari 2026"));
	assert_non_null(strstr(why.message, "Dapodik"));
	assert_int_equal(domain_identity_may_confirm(NULL, prev, 2, 1), KN_EDENIED);
	assert_string_equal(kn_error_field(), "identitas");
}

/* ---- days, periods, deadlines ---- */

static void
test_plan__days(void **state)
{
	int64_t d;
	int y, m, dd;
	char s[40];

	(void)state;
	assert_int_equal(domain_day_from_ymd(&d, 1970, 1, 1), 0);
	assert_int_equal(d, 0);
	assert_int_equal(domain_day_from_ymd(&d, 2000, 3, 1), 0);
	assert_int_equal(d, 11017);
	assert_int_equal(domain_day_from_ymd(&d, 2028, 2, 29), 0);
	domain_day_to_ymd(&y, &m, &dd, d);
	assert_int_equal(y, 2028);
	assert_int_equal(m, 2);
	assert_int_equal(dd, 29);
	assert_int_equal(domain_day_from_ymd(&d, 2026, 2, 29), KN_EINVAL);
	assert_int_equal(domain_day_from_ymd(&d, 2100, 2, 29), KN_EINVAL);
	for (int64_t k = 0; k < 60000; k += 7) {
		int64_t back;
		domain_day_to_ymd(&y, &m, &dd, k);
		assert_int_equal(domain_day_from_ymd(&back, y, m, dd), 0);
		assert_int_equal(back, k);
	}
	/* 31 Jan 2026 17:30 UTC is 1 Feb 00:30 in WIB */
	assert_int_equal(domain_day_of_ms(1769880600000ULL), D(2, 1));
	assert_int_equal(domain_day_of_ms(1769880600000ULL - 3600 * 1000), D(1, 31));
	domain_day_format(s, sizeof(s), D(1, 31));
	assert_string_equal(s, "31 Januari 2026");
}

static void
test_plan__periods(void **state)
{
	domain_period p;

	(void)state;
	assert_int_equal(domain_period_get(&p, real, "2026-1"), 0);
	assert_int_equal(p.start_day, D(1, 1));
	assert_int_equal(p.end_day, D(6, 30));
	assert_int_equal(p.plan_due.day, D(1, 31));
	assert_false(p.plan_due.hard);
	assert_int_equal(p.approve_due.day, D(1, 31));
	assert_int_equal(p.evaluation_due.day, D(6, 30));
	assert_true(p.evaluation_due.hard);
	assert_int_equal(domain_period_get(&p, real, "2026-2"), 0);
	assert_int_equal(p.start_day, D(7, 1));
	assert_int_equal(p.end_day, D(12, 31));
	assert_int_equal(p.plan_due.day, D(7, 31));
	assert_int_equal(p.plan_due.status, DOMAIN_STATUS_INFERRED);
	assert_int_equal(domain_period_get(&p, real, "2026-3"), KN_EINVAL);
	assert_rendered(kn_error_message());
	assert_int_equal(domain_period_get(&p, real, "26-1"), KN_EINVAL);
}

static domain_period_opening
opening(const char *period, const char *school, const uint8_t *by, int64_t day)
{
	domain_period_opening o;

	memset(&o, 0, sizeof(o));
	snprintf(o.period, sizeof(o.period), "%s", period);
	snprintf(o.school, sizeof(o.school), "%s", school);
	memcpy(o.by, by, 32);
	o.day = day;
	return o;
}

static void
test_plan__period_open(void **state)
{
	const domain_assignment a[] = {
		asg(KS, NPSN, DOMAIN_ROLE_KEPALA_SEKOLAH, D(1, 1), DOMAIN_DAY_OPEN),
		asg(PENGAWAS, NPSN, DOMAIN_ROLE_PENGAWAS, D(1, 1), DOMAIN_DAY_OPEN),
		asg(DINAS, NPSN_B, DOMAIN_ROLE_KEPALA_DINAS, D(1, 1), DOMAIN_DAY_OPEN),
	};
	domain_period p;
	domain_period_state st;
	domain_problem why;
	domain_period_opening o[2];

	(void)state;
	assert_int_equal(domain_period_get(&p, real, "2026-2"), 0);
	/* nobody opened it: teachers cannot plan yet (R10) */
	assert_int_equal(domain_period_state_get(&st, &why, &p, NPSN, NULL, 0, a, 3, D(7, 2)), KN_ESTATE);
	assert_int_equal(st, DOMAIN_PERIOD_BELUM_DIBUKA);
	assert_string_equal(why.code, "PERIODE_BELUM_DIBUKA");
	assert_rendered(why.message);
	/* an opening by a teacher or a Pengawas counts for nothing */
	o[0] = opening("2026-2", NPSN, GURU, D(7, 1));
	o[1] = opening("2026-2", NPSN, PENGAWAS, D(7, 1));
	assert_int_equal(domain_period_state_get(&st, &why, &p, NPSN, o, 2, a, 3, D(7, 2)), KN_ESTATE);
	assert_int_equal(domain_period_may_open(&why, GURU, NPSN, D(7, 1), a, 3), KN_EDENIED);
	assert_string_equal(why.code, "PERIODE_BUKAN_PEMBUKA");
	assert_int_equal(domain_period_may_open(NULL, PENGAWAS, NPSN, D(7, 1), a, 3), KN_EDENIED);
	/* the principal opens it; not before the day he did */
	o[0] = opening("2026-2", NPSN, KS, D(7, 3));
	assert_int_equal(domain_period_state_get(&st, &why, &p, NPSN, o, 1, a, 3, D(7, 2)), KN_ESTATE);
	assert_int_equal(domain_period_state_get(&st, &why, &p, NPSN, o, 1, a, 3, D(7, 3)), 0);
	assert_int_equal(st, DOMAIN_PERIOD_DIBUKA);
	assert_string_equal(domain_period_state_name(st), "dibuka");
	/* another period or school is not opened by it */
	assert_int_equal(domain_period_state_get(&st, NULL, &p, NPSN_B, o, 1, a, 3, D(7, 3)), KN_ESTATE);
	/* the Dinas opens it for a school (school B has no principal here) */
	o[1] = opening("2026-2", NPSN_B, DINAS, D(7, 10));
	assert_int_equal(domain_period_may_open(NULL, DINAS, NPSN_B, D(7, 10), a, 3), 0);
	assert_int_equal(domain_period_state_get(&st, NULL, &p, NPSN_B, o, 2, a, 3, D(7, 10)), 0);
	/* after the hard evaluation deadline it is closed */
	assert_int_equal(domain_day_from_ymd(&p.start_day, 2026, 7, 1), 0);
	{
		int64_t jan1;
		assert_int_equal(domain_day_from_ymd(&jan1, 2027, 1, 1), 0);
		assert_int_equal(domain_period_state_get(&st, &why, &p, NPSN, o, 1, a, 3, jan1), KN_ESTATE);
		assert_int_equal(st, DOMAIN_PERIOD_DITUTUP);
		assert_non_null(strstr(why.message, "31 Desember 2026"));
	}
}

static domain_dispensation
dispensation(const char *deadline, const uint8_t *by, int64_t day, const char *reason)
{
	domain_dispensation d;

	memset(&d, 0, sizeof(d));
	snprintf(d.deadline, sizeof(d.deadline), "%s", deadline);
	memcpy(d.by, by, 32);
	d.day = day;
	snprintf(d.reason, sizeof(d.reason), "%s", reason);
	return d;
}

static void
test_plan__deadlines(void **state)
{
	const domain_assignment a[] = {
		asg(KS, NPSN, DOMAIN_ROLE_KEPALA_SEKOLAH, D(1, 1), DOMAIN_DAY_OPEN),
		asg(DINAS, "", DOMAIN_ROLE_KEPALA_DINAS, D(1, 1), DOMAIN_DAY_OPEN),
	};
	domain_period p;
	domain_atasan_set set;
	domain_timing t;
	domain_dispensation dp;
	const domain_deadline *dl;
	domain_timing_query q = { 0 };

	(void)state;
	assert_int_equal(domain_period_get(&p, real, "2026-1"), 0);
	set_of(&set, KS, DOMAIN_ROLE_KEPALA_SEKOLAH);
	/* which deadline each act answers to */
	assert_int_equal(domain_skp_action_deadline(&dl, &p, DOMAIN_SKP_SIMPAN), 0);
	assert_null(dl);
	assert_int_equal(domain_skp_action_deadline(&dl, &p, DOMAIN_SKP_SETUJUI), 0);
	assert_ptr_equal(dl, &p.approve_due);
	assert_int_equal(domain_skp_action_deadline(&dl, &p, DOMAIN_SKP_BUKA_KEMBALI), 0);
	assert_ptr_equal(dl, &p.evaluation_due);
	assert_int_equal(domain_skp_action_deadline(&dl, &p, DOMAIN_SKP_AJUKAN), 0);
	assert_ptr_equal(dl, &p.plan_due);
	q.deadline = dl;
	q.owner = GURU;
	q.school = NPSN;
	q.atasan = &set;
	q.assignments = a;
	q.nassignments = 2;
	/* no deadline */
	q.deadline = NULL;
	assert_int_equal(domain_timing_check(&t, &q), 0);
	assert_string_equal(t.code, "TENGGAT_TANPA");
	q.deadline = dl;
	/* on the last day: on time */
	q.day = D(1, 31);
	assert_int_equal(domain_timing_check(&t, &q), 0);
	assert_false(t.late);
	assert_int_equal(t.kind, DOMAIN_TIMING_TEPAT_WAKTU);
	assert_rendered(t.message);
	/* the next day, soft (the default): accepted, flagged late, allowed by the rule */
	q.day = D(2, 1);
	assert_int_equal(domain_timing_check(&t, &q), 0);
	assert_true(t.late);
	assert_int_equal(t.kind, DOMAIN_TIMING_TERLAMBAT);
	assert_string_equal(t.code, "TENGGAT_TERLAMBAT");
	assert_non_null(strstr(t.message, "31 Januari 2026"));
	/* hard: refused without a dispensation */
	p.plan_due.hard = 1;
	assert_int_equal(domain_timing_check(&t, &q), KN_ESTATE);
	assert_string_equal(t.code, "TENGGAT_DITUTUP");
	assert_rendered(t.message);
	/* the atasan's dispensation, with a reason: allowed, and who allowed it is kept */
	dp = dispensation("plan_due", KS, D(2, 1), "Sakit selama Januari");
	q.dispensation = &dp;
	assert_int_equal(domain_timing_check(&t, &q), 0);
	assert_true(t.late);
	assert_int_equal(t.kind, DOMAIN_TIMING_DISPENSASI);
	assert_memory_equal(t.allowed_by, KS, 32);
	assert_non_null(strstr(t.message, "dispensasi dari Kepala Sekolah: Sakit selama Januari"));
	/* the Kepala Dinas may grant it too */
	dp = dispensation("plan_due", DINAS, D(2, 2), "Sekolah terdampak banjir");
	assert_int_equal(domain_timing_check(&t, &q), 0);
	assert_non_null(strstr(t.message, "Kepala Dinas Pendidikan"));
	/* not the owner, not a colleague, not without a reason, not for another deadline */
	dp = dispensation("plan_due", GURU, D(2, 1), "lupa");
	assert_int_equal(domain_timing_check(&t, &q), KN_EDENIED);
	assert_string_equal(t.code, "TENGGAT_DISPENSASI_DITOLAK");
	dp = dispensation("plan_due", GURU2, D(2, 1), "teman");
	assert_int_equal(domain_timing_check(&t, &q), KN_EDENIED);
	dp = dispensation("plan_due", KS, D(2, 1), "  ");
	assert_int_equal(domain_timing_check(&t, &q), KN_EINVAL);
	assert_string_equal(t.code, "TENGGAT_DISPENSASI_TANPA_ALASAN");
	dp = dispensation("approve_due", KS, D(2, 1), "salah batas");
	assert_int_equal(domain_timing_check(&t, &q), KN_EDENIED);
	assert_string_equal(t.code, "TENGGAT_DISPENSASI_LAIN");
	assert_rendered(t.message);
}

/* ---- the message table ---- */

static void
test_plan__messages(void **state)
{
	size_t n;
	const domain_msg *m = domain_msg_table(&n);
	char out[DOMAIN_MSG_MAX], tiny[8];
	const char *params[] = { "total", "24", "kurang", "8", "min", "32", NULL };

	(void)state;
	assert_true(n > 50);
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(m[i].code) > 3);
		assert_true(strlen(m[i].text) > 0);
		assert_true(kn_utf8_valid(m[i].text, strlen(m[i].text)));
		assert_ptr_equal(domain_msg_text(m[i].code), m[i].text);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(m[i].code, m[j].code);
	}
	assert_int_equal(domain_msg_render(out, sizeof(out), "SKP_POIN_PANDUAN_KURANG", params), 0);
	assert_string_equal(out, "Total 24 poin: kurang 8 poin dari minimal 32.");
	/* a missing parameter stays visible rather than silently empty */
	assert_int_equal(domain_msg_render(out, sizeof(out), "SKP_POIN_PANDUAN_KURANG", NULL), 0);
	assert_string_equal(out, "Total {total} poin: kurang {kurang} poin dari minimal {min}.");
	assert_int_equal(domain_msg_render(out, sizeof(out), "TIDAK_ADA", NULL), KN_ENOTFOUND);
	assert_string_equal(out, "TIDAK_ADA");
	assert_null(domain_msg_text("TIDAK_ADA"));
	/* cut output stays valid UTF-8 */
	{
		const char *p2[] = { "aspek", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL };
		domain_msg_render(tiny, sizeof(tiny), "LABEL_PERILAKU_TEKS", p2);
		assert_true(kn_utf8_valid(tiny, strlen(tiny)));
	}
	/* labels used by the rules exist */
	assert_string_equal(domain_assignment_role_label(DOMAIN_ROLE_PLT_KEPALA_SEKOLAH), "Plt Kepala Sekolah");
	assert_string_equal(domain_skp_action_label(DOMAIN_SKP_TINJAU_ULANG), "Tinjau Ulang");
	assert_string_equal(domain_jabatan_name(DOMAIN_JABATAN_KEPALA_SEKOLAH), "kepala_sekolah");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan__body_roundtrip),
		cmocka_unit_test(test_plan__body_refused),
		cmocka_unit_test(test_plan__points_bounds),
		cmocka_unit_test(test_plan__points_live),
		cmocka_unit_test(test_plan__one_sub_indicator),
		cmocka_unit_test(test_plan__perilaku_all_aspects),
		cmocka_unit_test(test_plan__rhk_rules),
		cmocka_unit_test(test_plan__tugas_tambahan),
		cmocka_unit_test(test_plan__catalog_and_jabatan),
		cmocka_unit_test(test_plan__text_limit_in_characters),
		cmocka_unit_test(test_plan__every_problem_at_once),
		cmocka_unit_test(test_plan__adjustments),
		cmocka_unit_test(test_plan__transitions_allowed),
		cmocka_unit_test(test_plan__transitions_refused),
		cmocka_unit_test(test_plan__atasan),
		cmocka_unit_test(test_plan__eligibility),
		cmocka_unit_test(test_plan__identity_once),
		cmocka_unit_test(test_plan__days),
		cmocka_unit_test(test_plan__periods),
		cmocka_unit_test(test_plan__period_open),
		cmocka_unit_test(test_plan__deadlines),
		cmocka_unit_test(test_plan__messages),
	};

	if (sodium_init() < 0)
		return 1;
	kn_log_init("test_plan", KN_LOG_ERROR, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
