/*
 * test_dinas.c - the Dinas's acts (domain/assign.c, the "assignment" and
 * authority branches of domain/accept.c, domain_skp_decide with posts):
 * who may assign, who is whose atasan by an assignment on the act's day,
 * and records that forge the Dinas's acts, each refused with its reason
 * while the rest of the same import is kept, and the same views whatever
 * order the records arrive in.
 *
 * The catalog is the test fixture tests/data/catalog-ks-fixture.json (the
 * shipped catalog serves Guru SKPs only; the fixture lets a principal's
 * SKP be planned on the Guru lists). Dates are fixed as in test_skp.c: the
 * period 2026-1 opens on 5 January 2026.
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

#include "../../daemon/methods.h"
#include "../../daemon/server.h"
#include "../../domain/catalog.h"
#include "../../domain/domain.h"
#include "../../domain/plan.h"
#include "../../domain/skp.h"
#include "../../store/record.h"
#include "../../store/store.h"
#include "../../util/kn.h"
#include "../../util/mpmap.h"
#include "../lib/kntest.h"
#include "../lib/recmake.h"

typedef kt_key key;
typedef kt_made made;
#define key_new kt_key_new
#define made_free kt_made_free
#define pack_s kt_pack_s

#define NPSN "20100001"
#define NPSN_B "20100002"
#define PERIOD "2026-1"
#define CATALOG_FILE "tests/data/catalog-ks-fixture.json"
#define DAY_MS 86400000ULL
#define MS_OPEN 1767582000000ULL  /* 5 Jan 2026, 10:00 WIB */
#define MS_JAN 1768014000000ULL   /* 10 Jan 2026 */
#define MS_JAN20 (MS_JAN + 10 * DAY_MS)
#define MS_BASE (MS_OPEN - DAY_MS)
#define NOW_MS 1796094000000ULL   /* 1 Dec 2026 */
#define HLC(ms, n) (((uint64_t)(ms) << 16) | (uint64_t)(n))

/* operator, principal, Budi, Ani (Plt), authority, Pengawas, Kepala Dinas, a stranger, school B's operator and principal */
static key ko, kk, kg, ka_, ka, kp, kd, kx, kob, kkb;
static made S, O1, K1, G1, G2, CAT, P, A_PLT, A_PW, A_KD, SB, OB, KB;
static kn_buf body;
static uint8_t *catalog_bytes;
static size_t catalog_len;
static domain_catalog *cat;
static const domain_ctx ctx = { NPSN, NOW_MS };

/* Sign and open a record of this school (tests/lib/recmake.c). */
static void
make(made *m, const key *author, const char *type, const char *subject, uint64_t hlc, const made *parent,
    const made *const *auth, size_t nauth, const kn_buf *b)
{
	kt_make(m, NPSN, author, type, subject, hlc, parent, auth, nauth, b);
}

/* Accept m against the parent and auth records it was made with. */
static int
accept_made(const made *m)
{
	return kt_accept(&ctx, m);
}

/* A record of another school. */
static void
make_in(made *m, const char *school, const key *author, const char *type, const char *subject, uint64_t hlc,
    const made *parent, const made *const *auth, size_t nauth, const kn_buf *b)
{
	kt_make(m, school, author, type, subject, hlc, parent, auth, nauth, b);
}

/* A school's body naming its operator and, when not NULL, the Dinas's authority key. */
static void
school_body(kn_buf *b, const char *name, const key *op, const key *authority)
{
	msgpack_packer pk;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, authority ? 3 : 2);
	pack_s(&pk, "name");
	pack_s(&pk, name);
	pack_s(&pk, "operator");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, op->pk, 32);
	if (authority) {
		pack_s(&pk, "authority");
		msgpack_pack_bin(&pk, 32);
		msgpack_pack_bin_body(&pk, authority->pk, 32);
	}
}

static void
user_body(kn_buf *b, const char *name, const char *role, const char *nip, int active)
{
	msgpack_packer pk;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5);
	pack_s(&pk, "name");
	pack_s(&pk, name);
	pack_s(&pk, "role");
	pack_s(&pk, role);
	pack_s(&pk, "status");
	pack_s(&pk, "PNS");
	pack_s(&pk, "nip");
	pack_s(&pk, nip);
	pack_s(&pk, "active");
	if (active)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
}

static void
catalog_body(kn_buf *b)
{
	msgpack_packer pk;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 1);
	pack_s(&pk, "json");
	msgpack_pack_bin(&pk, catalog_len);
	msgpack_pack_bin_body(&pk, catalog_bytes, catalog_len);
}

static void
period_body(kn_buf *b)
{
	domain_period_body pb;

	kn_buf_clear(b);
	snprintf(pb.catalog, sizeof(pb.catalog), "%s", cat->version);
	assert_int_equal(domain_period_body_pack(b, &pb), 0);
}

/* An assignment of person to role in NPSN from start to end ("" = open). */
static void
assign_body(kn_buf *b, const key *person, domain_assignment_role role, const char *sk, const char *start, const char *end)
{
	domain_assignment_body ab;

	memset(&ab, 0, sizeof(ab));
	memcpy(ab.a.person, person->pk, 32);
	ab.a.role = role;
	snprintf(ab.a.school, sizeof(ab.a.school), "%s", NPSN);
	snprintf(ab.nama, sizeof(ab.nama), "Pejabat");
	snprintf(ab.sk, sizeof(ab.sk), "%s", sk);
	assert_int_equal(domain_day_parse(&ab.a.start_day, start), 0);
	ab.a.end_day = DOMAIN_DAY_OPEN;
	if (end[0])
		assert_int_equal(domain_day_parse(&ab.a.end_day, end), 0);
	kn_buf_clear(b);
	assert_int_equal(domain_assignment_body_pack(b, &ab), 0);
}

static void
make_assign(made *m, const key *author, const key *person, domain_assignment_role role, const char *sk, const char *start,
    const char *end, const made *const *auth, size_t nauth, uint64_t hlc)
{
	char subject[DOMAIN_ASSIGNMENT_SUBJECT_LEN + 1];

	assign_body(&body, person, role, sk, start, end);
	domain_assignment_subject(subject, sizeof(subject), person->pk, role);
	make(m, author, "assignment", subject, hlc, NULL, auth, nauth, &body);
}

/* A plan on the fixture: 32 points, one sub-indicator, every aspect. */
static domain_plan *
good_plan(domain_jabatan j)
{
	domain_plan *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	snprintf(p->period, sizeof(p->period), "%s", PERIOD);
	snprintf(p->catalog, sizeof(p->catalog), "%s", cat->version);
	p->jabatan = j;
	p->npraktik = 1;
	snprintf(p->praktik[0], sizeof(p->praktik[0]), "keteraturan_suasana_kelas");
	p->nrhk = 2;
	p->rhk[0] = (domain_plan_rhk){ 1, 2 };
	p->rhk[1] = (domain_plan_rhk){ 5, 4 };
	for (size_t i = 0; i < cat->naspects; i++) {
		snprintf(p->perilaku[i].aspek, sizeof(p->perilaku[i].aspek), "%s", cat->aspects[i].id);
		p->perilaku[i].has_index = 1;
	}
	p->nperilaku = cat->naspects;
	return p;
}

static domain_skp_body *
body_of(const made *m)
{
	domain_skp_body *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	assert_int_equal(domain_skp_body_parse(b, m->r.body), 0);
	return b;
}

/*
 * An act, decided as the daemon decides it and made when allowed: the
 * author acts on basis (his enrollment, or a Dinas assignment), naming
 * [basis, period, catalog, owner's enrollment, owner's Plt assignment].
 */
static int
act(made *out, const key *author, const made *basis, const key *owner, const made *owner_enr, const made *owner_plt,
    const made *parent, domain_skp_action action, const domain_plan *plan, uint64_t hlc)
{
	domain_skp_outcome *o = calloc(1, sizeof(*o));
	domain_skp_body *prev = parent ? body_of(parent) : NULL;
	domain_assignment_body ab;
	domain_assignment posts[2];
	domain_period_body pb;
	domain_user au, ou;
	const domain_user *actor_user = NULL;
	size_t np = 0;
	char subject[80];
	int rc;

	assert_non_null(o);
	if (basis->v.type_len == 4) {
		assert_int_equal(domain_user_parse(&au, basis->r.body), 0);
		actor_user = &au;
	} else {
		assert_int_equal(domain_assignment_body_parse(&ab, basis->r.body), 0);
		posts[np++] = ab.a;
	}
	if (owner_plt) {
		domain_assignment_body ob;
		assert_int_equal(domain_assignment_body_parse(&ob, owner_plt->r.body), 0);
		posts[np++] = ob.a;
	}
	assert_int_equal(domain_user_parse(&ou, owner_enr->r.body), 0);
	assert_int_equal(domain_period_body_parse(&pb, P.r.body), 0);
	domain_skp_input in = { action, author->pk, actor_user, basis->r.hlc >> 16, owner->pk, &ou, NPSN, hlc >> 16, prev, plan,
		NULL, cat, PERIOD, &pb, P.r.author, P.r.hlc >> 16, posts, np };
	rc = domain_skp_decide(o, &in);
	if (rc == 0) {
		const made *auth[5] = { basis, &P, &CAT };
		size_t n = 3;
		if (author != owner)
			auth[n++] = owner_enr;
		if (owner_plt)
			auth[n++] = owner_plt;
		kn_buf_clear(&body);
		assert_int_equal(domain_skp_body_pack(&body, &o->body), 0);
		domain_skp_subject(subject, sizeof(subject), owner->pk, PERIOD);
		make(out, author, "skp", subject, hlc, parent, auth, n, &body);
	}
	free(prev);
	free(o);
	return rc;
}

static int
setup(void **state)
{
	const char *path = getenv("KINERJA_CATALOG_FIXTURE") ? getenv("KINERJA_CATALOG_FIXTURE") : CATALOG_FILE;
	FILE *f = fopen(path, "rb");
	const made *a[2];

	(void)state;
	if (f == NULL) {
		fprintf(stderr, "test_dinas: cannot open %s (run from the repository root)\n", path);
		return -1;
	}
	catalog_bytes = malloc(DOMAIN_CATALOG_BYTES_MAX);
	catalog_len = fread(catalog_bytes, 1, DOMAIN_CATALOG_BYTES_MAX, f);
	fclose(f);
	if (domain_catalog_parse(&cat, catalog_bytes, catalog_len) != 0) {
		fprintf(stderr, "test_dinas: catalog: %s\n", kn_error_message());
		return -1;
	}
	key_new(&ko);
	key_new(&kk);
	key_new(&kg);
	key_new(&ka_);
	key_new(&ka);
	key_new(&kp);
	key_new(&kd);
	key_new(&kx);
	key_new(&kob);
	key_new(&kkb);
	school_body(&body, "SD Negeri 1 Contoh", &ko, &ka);
	make(&S, &ko, "school", NPSN, HLC(MS_BASE, 1), NULL, NULL, 0, &body);
	user_body(&body, "Siti Aminah", "operator", "198001012005012001", 1);
	a[0] = &S;
	make(&O1, &ko, "user", ko.hex, HLC(MS_BASE, 2), NULL, a, 1, &body);
	a[0] = &O1;
	user_body(&body, "Dewi Lestari", "kepala_sekolah", "197803152005012002", 1);
	make(&K1, &ko, "user", kk.hex, HLC(MS_BASE, 3), NULL, a, 1, &body);
	user_body(&body, "Budi Santoso", "guru", "198501012010011001", 1);
	make(&G1, &ko, "user", kg.hex, HLC(MS_BASE, 4), NULL, a, 1, &body);
	user_body(&body, "Ani Rahayu", "guru", "199002022015012003", 1);
	make(&G2, &ko, "user", ka_.hex, HLC(MS_BASE, 5), NULL, a, 1, &body);
	catalog_body(&body);
	make(&CAT, &ko, "catalog", cat->version, HLC(MS_BASE, 6), NULL, a, 1, &body);
	/* the Dinas: Ani Plt for January, a Pengawas and a Kepala Dinas from January on */
	{
		const made *sa[2] = { &S, &G2 };
		make_assign(&A_PLT, &ka, &ka_, DOMAIN_ROLE_PLT_KEPALA_SEKOLAH, "800/1/2026", "2026-01-01", "2026-01-15", sa, 2,
		    HLC(MS_BASE, 7));
		make_assign(&A_PW, &ka, &kp, DOMAIN_ROLE_PENGAWAS, "", "2026-01-01", "", sa, 1, HLC(MS_BASE, 8));
		make_assign(&A_KD, &ka, &kd, DOMAIN_ROLE_KEPALA_DINAS, "", "2026-01-01", "", sa, 1, HLC(MS_BASE, 9));
	}
	period_body(&body);
	a[0] = &K1;
	a[1] = &CAT;
	make(&P, &kk, "period", PERIOD, HLC(MS_OPEN, 1), NULL, a, 2, &body);
	/* another school, with its own principal */
	school_body(&body, "SD Negeri 2 Contoh", &kob, &ka);
	make_in(&SB, NPSN_B, &kob, "school", NPSN_B, HLC(MS_BASE, 1), NULL, NULL, 0, &body);
	user_body(&body, "Operator B", "operator", "198001012005012009", 1);
	a[0] = &SB;
	make_in(&OB, NPSN_B, &kob, "user", kob.hex, HLC(MS_BASE, 2), NULL, a, 1, &body);
	user_body(&body, "Kepala B", "kepala_sekolah", "197803152005012009", 1);
	a[0] = &OB;
	make_in(&KB, NPSN_B, &kob, "user", kkb.hex, HLC(MS_BASE, 3), NULL, a, 1, &body);
	return 0;
}

static int
teardown(void **state)
{
	made *all[] = { &S, &O1, &K1, &G1, &G2, &CAT, &P, &A_PLT, &A_PW, &A_KD, &SB, &OB, &KB };
	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		made_free(all[i]);
	kn_buf_free(&body);
	domain_catalog_free(cat);
	free(catalog_bytes);
	return 0;
}

/* Only the authority the school record names assigns; a Plt is an active Guru with an SK; the body is the subject. */
static void
test_dinas__assignments(void **state)
{
	made m, s2;
	const made *sa[2] = { &S, &G2 };
	(void)state;

	assert_int_equal(accept_made(&A_PLT), 0);
	assert_int_equal(accept_made(&A_PW), 0);
	assert_int_equal(accept_made(&A_KD), 0);
	/* signed by someone else than the school's authority (a forged Plt assignment) */
	make_assign(&m, &kx, &ka_, DOMAIN_ROLE_PLT_KEPALA_SEKOLAH, "800/1/2026", "2026-01-01", "", sa, 2, HLC(MS_BASE, 10));
	assert_int_equal(accept_made(&m), KN_EDENIED);
	assert_string_equal(kn_error_field(), "author");
	made_free(&m);
	/* by the school's operator: no more an authority than anyone else */
	make_assign(&m, &ko, &kp, DOMAIN_ROLE_PENGAWAS, "", "2026-01-01", "", sa, 1, HLC(MS_BASE, 10));
	assert_int_equal(accept_made(&m), KN_EDENIED);
	made_free(&m);
	/* a school that knows no authority accepts none */
	school_body(&body, "SD Negeri 1 Contoh", &ko, NULL);
	make(&s2, &ko, "school", NPSN, HLC(MS_BASE, 1), NULL, NULL, 0, &body);
	{
		const made *a2[1] = { &s2 };
		make_assign(&m, &ka, &kp, DOMAIN_ROLE_PENGAWAS, "", "2026-01-01", "", a2, 1, HLC(MS_BASE, 10));
		assert_int_equal(accept_made(&m), KN_EDENIED);
		assert_string_equal(kn_error_field(), "authority");
		assert_non_null(strstr(kn_error_message(), "--authority-key"));
		made_free(&m);
	}
	made_free(&s2);
	/* a Plt needs his SK, and is an active Guru of the school, named as auth */
	make_assign(&m, &ka, &ka_, DOMAIN_ROLE_PLT_KEPALA_SEKOLAH, "", "2026-01-01", "", sa, 2, HLC(MS_BASE, 10));
	assert_int_equal(accept_made(&m), KN_EINVAL);
	assert_string_equal(kn_error_field(), "sk");
	made_free(&m);
	make_assign(&m, &ka, &ka_, DOMAIN_ROLE_PLT_KEPALA_SEKOLAH, "800/1/2026", "2026-01-01", "", sa, 1, HLC(MS_BASE, 10));
	assert_int_equal(accept_made(&m), KN_EDENIED);
	assert_string_equal(kn_error_field(), "auth");
	made_free(&m);
	{
		const made *sk[2] = { &S, &K1 };
		make_assign(&m, &ka, &kk, DOMAIN_ROLE_PLT_KEPALA_SEKOLAH, "800/1/2026", "2026-01-01", "", sk, 2, HLC(MS_BASE, 10));
		assert_int_equal(accept_made(&m), KN_EDENIED);
		assert_string_equal(kn_error_field(), "person");
		made_free(&m);
	}
	/* a definitive principal is never assigned: his post is his enrollment */
	{
		domain_assignment_body ab;
		memset(&ab, 0, sizeof(ab));
		msgpack_packer pk;
		kn_buf_clear(&body);
		msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 5);
		pack_s(&pk, "person");
		msgpack_pack_bin(&pk, 32);
		msgpack_pack_bin_body(&pk, kp.pk, 32);
		pack_s(&pk, "role");
		pack_s(&pk, "kepala_sekolah");
		pack_s(&pk, "school");
		pack_s(&pk, NPSN);
		pack_s(&pk, "nama");
		pack_s(&pk, "X");
		pack_s(&pk, "mulai");
		pack_s(&pk, "2026-01-01");
		make(&m, &ka, "assignment", "x", HLC(MS_BASE, 10), NULL, sa, 1, &body);
		assert_int_equal(accept_made(&m), KN_EINVAL);
		assert_string_equal(kn_error_field(), "role");
		made_free(&m);
	}
	/* the end is not before the start; the subject is the body's person and role */
	assign_body(&body, &kp, DOMAIN_ROLE_PENGAWAS, "", "2026-02-01", "");
	{
		char subject[DOMAIN_ASSIGNMENT_SUBJECT_LEN + 1];
		domain_assignment_subject(subject, sizeof(subject), kd.pk, DOMAIN_ROLE_PENGAWAS);
		make(&m, &ka, "assignment", subject, HLC(MS_BASE, 10), NULL, sa, 1, &body);
		assert_int_equal(accept_made(&m), KN_EBADREC);
		assert_string_equal(kn_error_field(), "subject");
		made_free(&m);
	}
	{
		domain_assignment_body ab;
		msgpack_unpacked up;
		size_t off = 0;
		assign_body(&body, &kp, DOMAIN_ROLE_PENGAWAS, "", "2026-01-01", "2026-01-15");
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, (const char *)body.ptr, body.len, &off), MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(domain_assignment_body_parse(&ab, &up.data), 0);
		msgpack_unpacked_destroy(&up);
		assert_int_equal(domain_day_parse(&ab.a.end_day, "2025-12-31"), 0);
		kn_buf_clear(&body);
		assert_int_equal(domain_assignment_body_pack(&body, &ab), 0);
		off = 0;
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, (const char *)body.ptr, body.len, &off), MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(domain_assignment_body_parse(&ab, &up.data), KN_EINVAL);
		assert_string_equal(kn_error_field(), "selesai");
		msgpack_unpacked_destroy(&up);
	}
	/* the school record named is this school's */
	{
		const made *sb[1] = { &SB };
		make_assign(&m, &ka, &kp, DOMAIN_ROLE_PENGAWAS, "", "2026-01-01", "", sb, 1, HLC(MS_BASE, 10));
		assert_int_equal(accept_made(&m), KN_EDENIED);
		made_free(&m);
	}
}

/* A catalog version the Dinas adds for the school: signed by the school record's authority, on that record; nobody else. */
static void
test_dinas__authority_adds_a_catalog(void **state)
{
	made m, s2;
	const made *a[1] = { &S };
	(void)state;

	catalog_body(&body);
	make(&m, &ka, "catalog", cat->version, HLC(MS_BASE, 20), NULL, a, 1, &body);
	assert_int_equal(accept_made(&m), 0);
	made_free(&m);
	/* a stranger's key on the school record: refused, naming the author */
	make(&m, &kx, "catalog", cat->version, HLC(MS_BASE, 20), NULL, a, 1, &body);
	assert_int_equal(accept_made(&m), KN_EDENIED);
	assert_string_equal(kn_error_field(), "author");
	made_free(&m);
	/* the school's operator is no authority: on the school record, refused (his way is his enrollment) */
	make(&m, &ko, "catalog", cat->version, HLC(MS_BASE, 20), NULL, a, 1, &body);
	assert_int_equal(accept_made(&m), KN_EDENIED);
	made_free(&m);
	/* a school that names no authority takes no catalog that way */
	school_body(&body, "SD Negeri 1 Contoh", &ko, NULL);
	make(&s2, &ko, "school", NPSN, HLC(MS_BASE, 1), NULL, NULL, 0, &body);
	{
		const made *a2[1] = { &s2 };
		catalog_body(&body);
		make(&m, &ka, "catalog", cat->version, HLC(MS_BASE, 20), NULL, a2, 1, &body);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		made_free(&m);
	}
	made_free(&s2);
}

/* R10: the Dinas opens the period with its authority key, on the school record and the catalog; nobody else that way. */
static void
test_dinas__authority_opens_the_period(void **state)
{
	made m;
	const made *a[2] = { &S, &CAT };
	(void)state;

	period_body(&body);
	make(&m, &ka, "period", PERIOD, HLC(MS_OPEN, 2), NULL, a, 2, &body);
	assert_int_equal(accept_made(&m), 0);
	made_free(&m);
	make(&m, &kx, "period", PERIOD, HLC(MS_OPEN, 2), NULL, a, 2, &body);
	assert_int_equal(accept_made(&m), KN_EDENIED);
	assert_string_equal(kn_error_field(), "author");
	made_free(&m);
	/* a period opened by the Dinas takes plans like one the principal opened (S3) */
	{
		domain_plan *p = good_plan(DOMAIN_JABATAN_GURU);
		made d, open;
		make(&open, &ka, "period", PERIOD, HLC(MS_OPEN, 2), NULL, a, 2, &body);
		assert_int_equal(accept_made(&open), 0);
		made_free(&open);
		assert_int_equal(act(&d, &kg, &G1, &kg, &G1, NULL, NULL, DOMAIN_SKP_AJUKAN, p, HLC(MS_JAN, 1)), 0);
		assert_int_equal(accept_made(&d), 0);
		made_free(&d);
		free(p);
	}
}

/* Who is the atasan by an assignment, on the act's day (R3, R4); and what each forged act gets. */
static void
test_dinas__atasan_by_assignment(void **state)
{
	domain_plan *pg = good_plan(DOMAIN_JABATAN_GURU), *pk = good_plan(DOMAIN_JABATAN_KEPALA_SEKOLAH);
	made b1, b2, d1, d2, a1, a2, x;
	(void)state;

	/* Budi submits; the Plt approves him while her assignment runs */
	assert_int_equal(act(&b1, &kg, &G1, &kg, &G1, NULL, NULL, DOMAIN_SKP_AJUKAN, pg, HLC(MS_JAN, 1)), 0);
	assert_int_equal(accept_made(&b1), 0);
	assert_int_equal(act(&b2, &ka_, &A_PLT, &kg, &G1, NULL, &b1, DOMAIN_SKP_SETUJUI, pg, HLC(MS_JAN, 2)), 0);
	assert_int_equal(accept_made(&b2), 0);
	/* ... and not after it ended (15 January) */
	assert_int_equal(act(&x, &ka_, &A_PLT, &kg, &G1, NULL, &b1, DOMAIN_SKP_SETUJUI, pg, HLC(MS_JAN20, 1)), KN_EDENIED);
	/* a Pengawas does not judge a Guru's SKP */
	assert_int_equal(act(&x, &kp, &A_PW, &kg, &G1, NULL, &b1, DOMAIN_SKP_SETUJUI, pg, HLC(MS_JAN, 2)), KN_EDENIED);

	/* the principal's own SKP: the Pengawas approves it; the principal never does */
	assert_int_equal(act(&d1, &kk, &K1, &kk, &K1, NULL, NULL, DOMAIN_SKP_AJUKAN, pk, HLC(MS_JAN, 3)), 0);
	assert_int_equal(accept_made(&d1), 0);
	assert_int_equal(act(&x, &kk, &K1, &kk, &K1, NULL, &d1, DOMAIN_SKP_SETUJUI, pk, HLC(MS_JAN, 4)), KN_EDENIED);
	assert_int_equal(act(&d2, &kp, &A_PW, &kk, &K1, NULL, &d1, DOMAIN_SKP_SETUJUI, pk, HLC(MS_JAN, 4)), 0);
	assert_int_equal(accept_made(&d2), 0);
	/* a Plt is no atasan of the definitive principal */
	assert_int_equal(act(&x, &ka_, &A_PLT, &kk, &K1, NULL, &d1, DOMAIN_SKP_SETUJUI, pk, HLC(MS_JAN, 4)), KN_EDENIED);

	/* the Plt's own Guru SKP, naming her Plt assignment: the Kepala Dinas, not the principal (R3) */
	assert_int_equal(act(&a1, &ka_, &G2, &ka_, &G2, NULL, NULL, DOMAIN_SKP_AJUKAN, pg, HLC(MS_JAN, 5)), 0);
	assert_int_equal(accept_made(&a1), 0);
	assert_int_equal(act(&x, &kk, &K1, &ka_, &G2, &A_PLT, &a1, DOMAIN_SKP_SETUJUI, pg, HLC(MS_JAN, 6)), KN_EDENIED);
	assert_int_equal(act(&a2, &kd, &A_KD, &ka_, &G2, &A_PLT, &a1, DOMAIN_SKP_SETUJUI, pg, HLC(MS_JAN, 6)), 0);
	assert_int_equal(accept_made(&a2), 0);
	/* the Kepala Dinas without the owner's Plt assignment named has no ground to judge a Guru */
	assert_int_equal(act(&x, &kd, &A_KD, &ka_, &G2, NULL, &a1, DOMAIN_SKP_SETUJUI, pg, HLC(MS_JAN, 6)), KN_EDENIED);

	/* an act resting on an assignment takes effect in the fold (no enrollment of the author here) */
	{
		domain_rec auth[5];
		for (size_t i = 0; i < d2.nauth; i++)
			auth[i] = d2.auth[i]->r;
		assert_int_equal(domain_act_effective(&d2.r, auth, d2.nauth, NULL, 0), 1);
	}
	made *all[] = { &b1, &b2, &d1, &d2, &a1, &a2 };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		made_free(all[i]);
	free(pg);
	free(pk);
}

/* Signed act records that forge their ground: each refused with its reason, by the rules, not by the maker. */
static void
test_dinas__forged_acts(void **state)
{
	domain_plan *pg = good_plan(DOMAIN_JABATAN_GURU);
	domain_skp_body *sb;
	made b1, x;
	char subject[80];
	(void)state;

	assert_int_equal(act(&b1, &kg, &G1, &kg, &G1, NULL, NULL, DOMAIN_SKP_AJUKAN, pg, HLC(MS_JAN, 1)), 0);
	sb = body_of(&b1);
	sb->action = DOMAIN_SKP_SETUJUI;
	sb->state = DOMAIN_SKP_DISETUJUI;
	sb->has_adjustments = 1;
	sb->nadjustments = 0;
	kn_buf_clear(&body);
	assert_int_equal(domain_skp_body_pack(&body, sb), 0);
	domain_skp_subject(subject, sizeof(subject), kg.pk, PERIOD);
	/* a teacher approving his own plan */
	{
		const made *a[3] = { &G1, &P, &CAT };
		make(&x, &kg, "skp", subject, HLC(MS_JAN, 2), &b1, a, 3, &body);
		assert_int_equal(accept_made(&x), KN_EDENIED);
		made_free(&x);
	}
	/* the principal of another school, on his own enrollment there */
	{
		const made *a[4] = { &KB, &P, &CAT, &G1 };
		make(&x, &kkb, "skp", subject, HLC(MS_JAN, 2), &b1, a, 4, &body);
		assert_int_equal(accept_made(&x), KN_EDENIED);
		assert_string_equal(kn_error_field(), "auth");
		made_free(&x);
	}
	/* someone naming another person's assignment as his ground */
	{
		const made *a[4] = { &A_PLT, &P, &CAT, &G1 };
		make(&x, &kx, "skp", subject, HLC(MS_JAN, 2), &b1, a, 4, &body);
		assert_int_equal(accept_made(&x), KN_EDENIED);
		assert_string_equal(kn_error_field(), "auth");
		made_free(&x);
	}
	/* an enrollment and an assignment both: one ground only */
	{
		const made *a[5] = { &K1, &A_PLT, &P, &CAT, &G1 };
		make(&x, &ka_, "skp", subject, HLC(MS_JAN, 2), &b1, a, 5, &body);
		assert_int_equal(accept_made(&x), KN_EDENIED);
		made_free(&x);
	}
	made_free(&b1);
	free(sb);
	free(pg);
}

/* The made records in order into a fresh store; returns the store (with its directory in dir). */
static store *
fill(char *dir, size_t dirsz, made *const *m, size_t n, const int *order, int *refused)
{
	store *st;
	store_opts so = { 0 };
	store_hooks h;

	assert_int_equal(kntest_tmpdir(dir, dirsz, "/tmp/kinerja-dinas.XXXXXX"), 0);
	assert_int_equal(store_open(&st, dir, &so), 0);
	kd_rules_hooks(&h, NULL);
	store_set_hooks(st, &h);
	for (size_t i = 0; i < n; i++) {
		int rc = store_put(st, m[order[i]]->raw.ptr, m[order[i]]->raw.len, NULL);
		refused[order[i]] = rc < 0 ? 1 : rc == 2 ? 2 : 0; /* 2: held, waiting for records it names */
	}
	return st;
}

/*
 * An import that mixes good records with forged ones (a Plt assignment not
 * signed by the authority, a teacher approving his own plan, an approval by
 * another school's principal): each forged one is refused, every good one
 * is kept; and the same good records in several orders give the same views.
 */
static void
test_dinas__import_and_order(void **state)
{
	domain_plan *pg = good_plan(DOMAIN_JABATAN_GURU), *pk = good_plan(DOMAIN_JABATAN_KEPALA_SEKOLAH);
	made b1, b2, d1, d2, f_plt, f_self, f_other;
	kn_buf first_b = KN_BUF_INIT, first_d = KN_BUF_INIT;
	domain_skp_body *sb;
	char subject[80];
	(void)state;

	assert_int_equal(act(&b1, &kg, &G1, &kg, &G1, NULL, NULL, DOMAIN_SKP_AJUKAN, pg, HLC(MS_JAN, 1)), 0);
	assert_int_equal(act(&b2, &ka_, &A_PLT, &kg, &G1, NULL, &b1, DOMAIN_SKP_SETUJUI, pg, HLC(MS_JAN, 2)), 0);
	assert_int_equal(act(&d1, &kk, &K1, &kk, &K1, NULL, NULL, DOMAIN_SKP_AJUKAN, pk, HLC(MS_JAN, 3)), 0);
	assert_int_equal(act(&d2, &kp, &A_PW, &kk, &K1, NULL, &d1, DOMAIN_SKP_SETUJUI, pk, HLC(MS_JAN, 4)), 0);
	{
		const made *sa[2] = { &S, &G1 };
		make_assign(&f_plt, &kx, &kg, DOMAIN_ROLE_PLT_KEPALA_SEKOLAH, "800/9/2026", "2026-01-01", "", sa, 2, HLC(MS_BASE, 11));
	}
	sb = body_of(&b2);
	kn_buf_clear(&body);
	assert_int_equal(domain_skp_body_pack(&body, sb), 0);
	domain_skp_subject(subject, sizeof(subject), kg.pk, PERIOD);
	{
		const made *a[3] = { &G1, &P, &CAT };
		make(&f_self, &kg, "skp", subject, HLC(MS_JAN, 5), &b1, a, 3, &body);
	}
	{
		const made *a[4] = { &KB, &P, &CAT, &G1 };
		make(&f_other, &kkb, "skp", subject, HLC(MS_JAN, 6), &b1, a, 4, &body);
	}
	made *m[] = { &S, &O1, &K1, &G1, &G2, &CAT, &A_PLT, &A_PW, &A_KD, &P, &b1, &b2, &d1, &d2, &f_plt, &f_self, &f_other };
	const size_t N = sizeof(m) / sizeof(m[0]), NGOOD = N - 3;
	unsigned seed = 7;

	for (int round = 0; round < 6; round++) {
		int order[32], refused[32];
		char dir[128], doc[160];
		kn_buf vb = KN_BUF_INIT, vd = KN_BUF_INIT;
		msgpack_packer pkr;
		store_txn *t;
		store *st;

		for (size_t i = 0; i < N; i++)
			order[i] = (int)i;
		for (size_t i = N - 1; round > 0 && i > 0; i--) {
			int j = (int)(rand_r(&seed) % (unsigned)(i + 1)), tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		st = fill(dir, sizeof(dir), m, N, order, refused);
		for (size_t i = 0; i < NGOOD; i++)
			if (refused[i] == 1)
				fail_msg("round %d: good record %zu refused", round, i);
		/*
		 * The forged Plt assignment and the self-approval are refused. The
		 * other school's principal names his enrollment there, which a
		 * school's store never takes: his record is held (never shown,
		 * never carried as accepted); an office, which holds both schools,
		 * judges and refuses it (test_dinas__forged_acts).
		 */
		assert_int_equal(refused[N - 1], 2);
		store_stats ss;
		assert_int_equal(store_stat(&ss, st), 0);
		assert_int_equal(ss.held, 1);
		assert_int_equal(ss.records, NGOOD);
		assert_int_equal(store_read_begin(&t, st), 0);
		/* refused at once, or held and refused when what they name arrived: never stored */
		for (size_t i = NGOOD; i < N; i++) {
			const uint8_t *rec;
			size_t len;
			assert_int_equal(store_txn_get(&rec, &len, t, m[i]->id), KN_ENOTFOUND);
		}
		/* the heads are the approvals by the Plt and by the Pengawas */
		{
			record_view head;
			domain_skp_subject(subject, sizeof(subject), kg.pk, PERIOD);
			snprintf(doc, sizeof(doc), "skp/%s/%s", NPSN, subject);
			assert_int_equal(kd_doc_head(&head, t, doc), 0);
			assert_memory_equal(head.id, b2.id, 32);
			record_view_free(&head);
			domain_skp_subject(subject, sizeof(subject), kk.pk, PERIOD);
			snprintf(doc, sizeof(doc), "skp/%s/%s", NPSN, subject);
			assert_int_equal(kd_doc_head(&head, t, doc), 0);
			assert_memory_equal(head.id, d2.id, 32);
			record_view_free(&head);
		}
		msgpack_packer_init(&pkr, &vb, kn_buf_msgpack_write);
		assert_int_equal(kd_plan_view(&pkr, t, NPSN, kg.pk, PERIOD, MS_JAN + DAY_MS), 0);
		msgpack_packer_init(&pkr, &vd, kn_buf_msgpack_write);
		assert_int_equal(kd_plan_view(&pkr, t, NPSN, kk.pk, PERIOD, MS_JAN + DAY_MS), 0);
		if (round == 0) {
			kn_buf_put(&first_b, vb.ptr, vb.len);
			kn_buf_put(&first_d, vd.ptr, vd.len);
			/* the principal's plan names the Pengawas, by the name in the assignment, as its atasan */
			assert_non_null(memmem(vd.ptr, vd.len, "Pejabat", 7));
		} else {
			assert_int_equal(vb.len, first_b.len);
			assert_memory_equal(vb.ptr, first_b.ptr, vb.len);
			assert_int_equal(vd.len, first_d.len);
			assert_memory_equal(vd.ptr, first_d.ptr, vd.len);
		}
		kn_buf_free(&vb);
		kn_buf_free(&vd);
		store_read_end(t);
		store_close(st);
		assert_int_equal(kntest_rm_rf(dir), 0);
	}
	made *mine[] = { &b1, &b2, &d1, &d2, &f_plt, &f_self, &f_other };
	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++)
		made_free(mine[i]);
	kn_buf_free(&first_b);
	kn_buf_free(&first_d);
	free(sb);
	free(pg);
	free(pk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dinas__assignments),
		cmocka_unit_test(test_dinas__authority_opens_the_period),
		cmocka_unit_test(test_dinas__authority_adds_a_catalog),
		cmocka_unit_test(test_dinas__atasan_by_assignment),
		cmocka_unit_test(test_dinas__forged_acts),
		cmocka_unit_test(test_dinas__import_and_order),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
