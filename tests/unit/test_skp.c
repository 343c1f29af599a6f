/*
 * test_skp.c - the planning records of domain/skp.h: the acceptance
 * branches of "period" and "skp" (domain_record_accept), each with the
 * case it refuses; the edits a request applies to a plan; which Bukti
 * Dukung slots the plan opens; and the property the rules exist for: the
 * same records, arriving in any order, give the same plan views.
 *
 * Records are made for real (record_sign, record_open) with real keys and
 * the shipped catalog (catalog/pmm-2024.1.json, read from the repository
 * root or $KINERJA_CATALOG), so what the rules see is what a store sees.
 * Dates are fixed: the period 2026-1 opens on 5 January 2026; its plan_due
 * (31 January) is soft and its evaluation_due (30 June) hard.
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
#define PERIOD "2026-1"
#define CATALOG_FILE "catalog/pmm-2024.1.json"
#define DAY_MS 86400000ULL
#define MS_OPEN 1767582000000ULL  /* 5 Jan 2026, 10:00 WIB: the period opens */
#define MS_JAN 1768014000000ULL   /* 10 Jan 2026: before plan_due and approve_due */
#define MS_FEB 1770692400000ULL   /* 10 Feb 2026: after the soft plan_due */
#define MS_JUL 1783220400000ULL   /* 5 Jul 2026: after the hard evaluation_due */
#define MS_BASE (MS_OPEN - DAY_MS) /* people and the catalog are recorded the day before */
#define NOW_MS 1796094000000ULL   /* 1 Dec 2026 */
#define HLC(ms, n) (((uint64_t)(ms) << 16) | (uint64_t)(n))

static key ko, kk, kg, kg2;
static made S, O1, K1, G1, G2, CAT, P;
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

/* The school's body, naming the operator. */
static void
school_body(kn_buf *b)
{
	msgpack_packer pk;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "name");
	pack_s(&pk, "SD Negeri 1 Contoh");
	pack_s(&pk, "operator");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, ko.pk, 32);
}

/* An enrollment's body. */
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

/* A catalog record's body: the shipped file's bytes. */
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

/* A period record's body on catalog version. */
static void
period_body(kn_buf *b, const char *version)
{
	domain_period_body pb;

	kn_buf_clear(b);
	snprintf(pb.catalog, sizeof(pb.catalog), "%s", version);
	assert_int_equal(domain_period_body_pack(b, &pb), 0);
}

/* A plan of the period, on the catalog: 32 points, one sub-indicator, every aspect. */
static domain_plan *
good_plan(void)
{
	domain_plan *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	snprintf(p->period, sizeof(p->period), "%s", PERIOD);
	snprintf(p->catalog, sizeof(p->catalog), "%s", cat->version);
	p->jabatan = DOMAIN_JABATAN_GURU;
	p->npraktik = 1;
	snprintf(p->praktik[0], sizeof(p->praktik[0]), "keteraturan_suasana_kelas");
	p->nrhk = 2;
	p->rhk[0] = (domain_plan_rhk){ 1, 2 }; /* 8 x 2 */
	p->rhk[1] = (domain_plan_rhk){ 5, 4 }; /* 4 x 4 */
	for (size_t i = 0; i < cat->naspects; i++) {
		snprintf(p->perilaku[i].aspek, sizeof(p->perilaku[i].aspek), "%s", cat->aspects[i].id);
		p->perilaku[i].has_index = 1;
	}
	p->nperilaku = cat->naspects;
	return p;
}

/* The parsed body of an skp record (freed by the caller). */
static domain_skp_body *
body_of(const made *m)
{
	domain_skp_body *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	assert_int_equal(domain_skp_body_parse(b, m->r.body), 0);
	return b;
}

/*
 * Decide an act as the daemon would (domain_skp_decide) and, when it is
 * allowed, make its record, naming [author's enrollment, period, catalog,
 * the owner's enrollment when the author is not the owner]. Returns
 * decide's answer; tamper, when not NULL, changes the body before signing.
 */
static int
act_full(made *out, const key *author, const made *author_enr, const key *owner, const made *owner_enr,
    const made *parent, domain_skp_action action, const domain_plan *plan, const char *note, uint64_t hlc,
    void (*tamper)(domain_skp_body *))
{
	domain_skp_outcome *o = calloc(1, sizeof(*o));
	domain_skp_body *prev = parent ? body_of(parent) : NULL;
	domain_period_body pb;
	domain_user au, ou;
	char subject[80];
	int rc;

	assert_non_null(o);
	assert_int_equal(domain_user_parse(&au, author_enr->r.body), 0);
	assert_int_equal(domain_user_parse(&ou, owner_enr->r.body), 0);
	assert_int_equal(domain_period_body_parse(&pb, P.r.body), 0);
	domain_skp_input in = { action, author->pk, &au, author_enr->r.hlc >> 16, owner->pk, &ou, NPSN, hlc >> 16, prev,
		plan, note, cat, PERIOD, &pb, kk.pk, P.r.hlc >> 16 };
	rc = domain_skp_decide(o, &in);
	if (rc == 0) {
		const made *auth[4] = { author_enr, &P, &CAT, owner_enr };
		if (tamper)
			tamper(&o->body);
		kn_buf_clear(&body);
		assert_int_equal(domain_skp_body_pack(&body, &o->body), 0);
		domain_skp_subject(subject, sizeof(subject), owner->pk, PERIOD);
		make(out, author, "skp", subject, hlc, parent, auth, author == owner ? 3 : 4, &body);
	}
	free(prev);
	free(o);
	return rc;
}

/* The owner's own act. */
static int
act_own(made *out, const made *parent, domain_skp_action action, const domain_plan *plan, uint64_t hlc)
{
	return act_full(out, &kg, &G1, &kg, &G1, parent, action, plan, NULL, hlc, NULL);
}

/* The principal's act on the guru's plan. */
static int
act_ks(made *out, const made *parent, domain_skp_action action, const domain_plan *plan, const char *note, uint64_t hlc)
{
	return act_full(out, &kk, &K1, &kg, &G1, parent, action, plan, note, hlc, NULL);
}

/* The shipped catalog, four people and their records, the catalog record and the opening of 2026-1. */
static int
setup(void **state)
{
	const char *path = getenv("KINERJA_CATALOG") ? getenv("KINERJA_CATALOG") : CATALOG_FILE;
	FILE *f = fopen(path, "rb");
	const made *a[2];

	(void)state;
	if (f == NULL) {
		fprintf(stderr, "test_skp: cannot open %s (run from the repository root or set KINERJA_CATALOG)\n", path);
		return -1;
	}
	catalog_bytes = malloc(DOMAIN_CATALOG_BYTES_MAX);
	catalog_len = fread(catalog_bytes, 1, DOMAIN_CATALOG_BYTES_MAX, f);
	fclose(f);
	if (domain_catalog_parse(&cat, catalog_bytes, catalog_len) != 0) {
		fprintf(stderr, "test_skp: catalog: %s\n", kn_error_message());
		return -1;
	}
	key_new(&ko);
	key_new(&kk);
	key_new(&kg);
	key_new(&kg2);
	school_body(&body);
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
	make(&G2, &ko, "user", kg2.hex, HLC(MS_BASE, 5), NULL, a, 1, &body);
	catalog_body(&body);
	make(&CAT, &ko, "catalog", cat->version, HLC(MS_BASE, 6), NULL, a, 1, &body);
	period_body(&body, cat->version);
	a[0] = &K1;
	a[1] = &CAT;
	make(&P, &kk, "period", PERIOD, HLC(MS_OPEN, 1), NULL, a, 2, &body);
	return 0;
}

/* Free what setup made. */
static int
teardown(void **state)
{
	(void)state;
	made_free(&S);
	made_free(&O1);
	made_free(&K1);
	made_free(&G1);
	made_free(&G2);
	made_free(&CAT);
	made_free(&P);
	kn_buf_free(&body);
	domain_catalog_free(cat);
	free(catalog_bytes);
	return 0;
}

/* ---- "period" ---- */

/* The principal opens the period on a stored catalog; nobody else, and never a period that is over. */
static void
test_skp__period_opened_by_the_principal(void **state)
{
	made m;
	const made *a[3];
	(void)state;

	assert_int_equal(accept_made(&P), 0);
	/* a teacher does not open the period */
	period_body(&body, cat->version);
	a[0] = &G1;
	a[1] = &CAT;
	make(&m, &kg, "period", PERIOD, HLC(MS_OPEN, 2), NULL, a, 2, &body);
	assert_int_equal(accept_made(&m), KN_EDENIED);
	made_free(&m);
	/* a deactivated principal does not either */
	made k2;
	user_body(&body, "Dewi Lestari", "kepala_sekolah", "197803152005012002", 0);
	a[0] = &O1;
	make(&k2, &ko, "user", kk.hex, HLC(MS_BASE, 7), &K1, a, 1, &body);
	period_body(&body, cat->version);
	a[0] = &k2;
	a[1] = &CAT;
	make(&m, &kk, "period", PERIOD, HLC(MS_OPEN, 2), NULL, a, 2, &body);
	assert_int_equal(accept_made(&m), KN_EDENIED);
	made_free(&m);
	made_free(&k2);
	/* the catalog it runs on is named as auth */
	a[0] = &K1;
	make(&m, &kk, "period", PERIOD, HLC(MS_OPEN, 2), NULL, a, 1, &body);
	assert_int_equal(accept_made(&m), KN_EDENIED);
	assert_string_equal(kn_error_field(), "auth");
	made_free(&m);
	/* ... and it is the catalog the body names */
	period_body(&body, "00000000000000000000000000000000000000000000000000000000000000aa");
	a[1] = &CAT;
	make(&m, &kk, "period", PERIOD, HLC(MS_OPEN, 2), NULL, a, 2, &body);
	assert_int_equal(accept_made(&m), KN_EDENIED);
	assert_string_equal(kn_error_field(), "auth");
	made_free(&m);
	/* nothing else is named */
	period_body(&body, cat->version);
	a[2] = &G1;
	make(&m, &kk, "period", PERIOD, HLC(MS_OPEN, 2), NULL, a, 3, &body);
	assert_int_equal(accept_made(&m), KN_EDENIED);
	made_free(&m);
	/* the subject is a period */
	make(&m, &kk, "period", "2026-3", HLC(MS_OPEN, 2), NULL, a, 2, &body);
	assert_int_equal(accept_made(&m), KN_EBADREC);
	assert_string_equal(kn_error_field(), "subject");
	made_free(&m);
	/* a period that is over (after its hard evaluation deadline) is not opened */
	make(&m, &kk, "period", PERIOD, HLC(MS_JUL, 1), NULL, a, 2, &body);
	assert_int_equal(accept_made(&m), KN_ESTATE);
	assert_non_null(strstr(kn_error_message(), "ditutup"));
	made_free(&m);
	/* the body holds exactly the catalog and the state "dibuka" */
	{
		msgpack_packer pk;
		kn_buf_clear(&body);
		msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 2);
		pack_s(&pk, "catalog");
		pack_s(&pk, cat->version);
		pack_s(&pk, "state");
		pack_s(&pk, "ditutup");
	}
	make(&m, &kk, "period", PERIOD, HLC(MS_OPEN, 2), NULL, a, 2, &body);
	assert_int_equal(accept_made(&m), KN_EINVAL);
	assert_string_equal(kn_error_field(), "state");
	made_free(&m);
}

/* ---- "skp" ---- */

/* A whole cycle, each act accepted: simpan, ajukan, tinjau ulang, ajukan, setujui, sepakati, buka kembali. */
static void
test_skp__cycle_accepted(void **state)
{
	made v[7];
	domain_plan *p = good_plan(), *adj = good_plan();
	domain_skp_body *b;
	(void)state;

	p->rhk[1].target_kuantitas = 1; /* 20 points: a draft may be short */
	assert_int_equal(act_own(&v[0], NULL, DOMAIN_SKP_SIMPAN, p, HLC(MS_JAN, 1)), 0);
	assert_int_equal(accept_made(&v[0]), 0);
	p->rhk[1].target_kuantitas = 4;
	assert_int_equal(act_own(&v[1], &v[0], DOMAIN_SKP_AJUKAN, p, HLC(MS_JAN, 2)), 0);
	assert_int_equal(accept_made(&v[1]), 0);
	assert_int_equal(act_ks(&v[2], &v[1], DOMAIN_SKP_TINJAU_ULANG, p, "Tambahkan RHK komunitas belajar.", HLC(MS_JAN, 3)), 0);
	assert_int_equal(accept_made(&v[2]), 0);
	b = body_of(&v[2]);
	assert_int_equal(b->state, DOMAIN_SKP_PERLU_REVISI);
	assert_string_equal(b->note, "Tambahkan RHK komunitas belajar.");
	free(b);
	assert_int_equal(act_own(&v[3], &v[2], DOMAIN_SKP_AJUKAN, p, HLC(MS_JAN, 4)), 0);
	assert_int_equal(accept_made(&v[3]), 0);
	adj->rhk[0].target_kuantitas = 3; /* the atasan raises RHK 1 to 3: 40 points */
	assert_int_equal(act_ks(&v[4], &v[3], DOMAIN_SKP_SETUJUI, adj, NULL, HLC(MS_JAN, 5)), 0);
	assert_int_equal(accept_made(&v[4]), 0);
	b = body_of(&v[4]);
	assert_int_equal(b->state, DOMAIN_SKP_DISETUJUI);
	assert_int_equal(b->nadjustments, 1);
	assert_string_equal(b->adjustments[0].code, "SKP_UBAH_RHK_KUANTITAS");
	assert_int_equal(b->adjustments[0].before, 2);
	assert_int_equal(b->adjustments[0].after, 3);
	assert_false(b->late);
	free(b);
	assert_int_equal(act_own(&v[5], &v[4], DOMAIN_SKP_SEPAKATI, adj, HLC(MS_JAN, 6)), 0);
	assert_int_equal(accept_made(&v[5]), 0);
	assert_int_equal(act_ks(&v[6], &v[5], DOMAIN_SKP_BUKA_KEMBALI, adj, "Mutasi tugas mengajar.", HLC(MS_JAN, 7)), 0);
	assert_int_equal(accept_made(&v[6]), 0);
	b = body_of(&v[6]);
	assert_int_equal(b->state, DOMAIN_SKP_PERLU_REVISI);
	free(b);
	for (int i = 0; i < 7; i++)
		made_free(&v[i]);
	free(p);
	free(adj);
}

/* Tampers: each changes one thing the rule recomputes. */
static void
tamper_state(domain_skp_body *b)
{
	b->state = DOMAIN_SKP_DISEPAKATI;
}

static void
tamper_no_adjustments(domain_skp_body *b)
{
	b->nadjustments = 0;
}

static void
tamper_adjustment_value(domain_skp_body *b)
{
	b->adjustments[0].after = 2;
}

static void
tamper_no_late(domain_skp_body *b)
{
	b->late = 0;
	b->late_deadline[0] = b->late_by[0] = '\0';
}

static void
tamper_late(domain_skp_body *b)
{
	b->late = 1;
	snprintf(b->late_deadline, sizeof(b->late_deadline), "plan_due");
	snprintf(b->late_by, sizeof(b->late_by), "rule");
}

static void
tamper_note(domain_skp_body *b)
{
	b->has_note = 1;
	snprintf(b->note, sizeof(b->note), "catatan yang tidak diminta");
}

/* Mutation guard: the body must be what the act leads to (state, adjustments, late flag, note). */
static void
test_skp__body_is_what_the_act_leads_to(void **state)
{
	made v0, v1, m;
	domain_plan *p = good_plan(), *adj = good_plan();
	(void)state;

	assert_int_equal(act_own(&v0, NULL, DOMAIN_SKP_AJUKAN, p, HLC(MS_JAN, 1)), 0);
	assert_int_equal(accept_made(&v0), 0);
	/* a simpan that says it is agreed */
	assert_int_equal(act_full(&m, &kg, &G1, &kg, &G1, NULL, DOMAIN_SKP_SIMPAN, p, NULL, HLC(MS_JAN, 2), tamper_state), 0);
	assert_int_equal(accept_made(&m), KN_EBADREC);
	assert_string_equal(kn_error_field(), "state");
	made_free(&m);
	/* an approval hiding its adjustments, or lying about one */
	adj->rhk[0].target_kuantitas = 3;
	assert_int_equal(act_full(&m, &kk, &K1, &kg, &G1, &v0, DOMAIN_SKP_SETUJUI, adj, NULL, HLC(MS_JAN, 3),
	    tamper_no_adjustments), 0);
	assert_int_equal(accept_made(&m), KN_EBADREC);
	assert_string_equal(kn_error_field(), "adjustments");
	made_free(&m);
	assert_int_equal(act_full(&m, &kk, &K1, &kg, &G1, &v0, DOMAIN_SKP_SETUJUI, adj, NULL, HLC(MS_JAN, 3),
	    tamper_adjustment_value), 0);
	assert_int_equal(accept_made(&m), KN_EBADREC);
	made_free(&m);
	/* a late act (after the soft plan_due) must say so; an act on time must not */
	assert_int_equal(act_full(&m, &kg, &G1, &kg, &G1, NULL, DOMAIN_SKP_AJUKAN, p, NULL, HLC(MS_FEB, 1), NULL), 0);
	assert_int_equal(accept_made(&m), 0);
	{
		domain_skp_body *b = body_of(&m);
		assert_true(b->late);
		assert_string_equal(b->late_deadline, "plan_due");
		assert_string_equal(b->late_by, "rule");
		free(b);
	}
	made_free(&m);
	assert_int_equal(act_full(&m, &kg, &G1, &kg, &G1, NULL, DOMAIN_SKP_AJUKAN, p, NULL, HLC(MS_FEB, 1), tamper_no_late), 0);
	assert_int_equal(accept_made(&m), KN_EBADREC);
	assert_string_equal(kn_error_field(), "late");
	made_free(&m);
	assert_int_equal(act_full(&m, &kg, &G1, &kg, &G1, NULL, DOMAIN_SKP_AJUKAN, p, NULL, HLC(MS_JAN, 2), tamper_late), 0);
	assert_int_equal(accept_made(&m), KN_EBADREC);
	assert_string_equal(kn_error_field(), "late");
	made_free(&m);
	/* a note only where the act has one */
	assert_int_equal(act_full(&m, &kg, &G1, &kg, &G1, NULL, DOMAIN_SKP_SIMPAN, p, NULL, HLC(MS_JAN, 2), tamper_note), 0);
	assert_int_equal(accept_made(&m), KN_EBADREC);
	assert_string_equal(kn_error_field(), "note");
	made_free(&m);
	/* the state machine is judged against the parent: approving a draft is refused */
	assert_int_equal(act_own(&v1, NULL, DOMAIN_SKP_SIMPAN, p, HLC(MS_JAN, 2)), 0);
	assert_int_equal(act_ks(&m, &v1, DOMAIN_SKP_SETUJUI, p, NULL, HLC(MS_JAN, 3)), KN_ESTATE);
	{
		/* forge it anyway: the body of a real approval, hung on the draft */
		made ok;
		const made *a[4] = { &K1, &P, &CAT, &G1 };
		char subject[80];
		assert_int_equal(act_ks(&ok, &v0, DOMAIN_SKP_SETUJUI, p, NULL, HLC(MS_JAN, 3)), 0);
		domain_skp_subject(subject, sizeof(subject), kg.pk, PERIOD);
		kn_buf_clear(&body);
		{
			msgpack_packer pk;
			msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
			msgpack_pack_object(&pk, *ok.v.body);
		}
		make(&m, &kk, "skp", subject, HLC(MS_JAN, 3), &v1, a, 4, &body);
		assert_int_equal(accept_made(&m), KN_ESTATE);
		assert_string_equal(kn_error_field(), "state");
		made_free(&m);
		made_free(&ok);
	}
	made_free(&v0);
	made_free(&v1);
	free(p);
	free(adj);
}

/* Mutation guard: who acts. The owner saves, submits, agrees; the principal approves; nobody else. */
static void
test_skp__who_acts(void **state)
{
	made v0, v1, m;
	domain_plan *p = good_plan();
	char subject[80];
	(void)state;

	assert_int_equal(act_own(&v0, NULL, DOMAIN_SKP_AJUKAN, p, HLC(MS_JAN, 1)), 0);
	/* another teacher does not act on Budi's plan, not even as "atasan" */
	assert_int_equal(act_full(&m, &kg2, &G2, &kg, &G1, &v0, DOMAIN_SKP_SETUJUI, p, NULL, HLC(MS_JAN, 2), NULL),
	    KN_EDENIED);
	{
		/* made with a body the principal's act would have: the rule refuses the colleague */
		made ok;
		const made *a[4] = { &G2, &P, &CAT, &G1 };
		assert_int_equal(act_ks(&ok, &v0, DOMAIN_SKP_SETUJUI, p, NULL, HLC(MS_JAN, 2)), 0);
		kn_buf_clear(&body);
		msgpack_packer pk;
		msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
		msgpack_pack_object(&pk, *ok.v.body);
		domain_skp_subject(subject, sizeof(subject), kg.pk, PERIOD);
		make(&m, &kg2, "skp", subject, HLC(MS_JAN, 2), &v0, a, 4, &body);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		made_free(&m);
		/* nor on his own authority as if it were his plan */
		{
			const made *a3[3] = { &G2, &P, &CAT };
			make(&m, &kg2, "skp", subject, HLC(MS_JAN, 2), &v0, a3, 3, &body);
			assert_int_equal(accept_made(&m), KN_EDENIED);
			made_free(&m);
		}
		made_free(&ok);
	}
	/* the principal does not agree in the teacher's place */
	{
		made v2;
		assert_int_equal(act_ks(&v1, &v0, DOMAIN_SKP_SETUJUI, p, NULL, HLC(MS_JAN, 2)), 0);
		assert_int_equal(act_ks(&v2, &v1, DOMAIN_SKP_SEPAKATI, p, NULL, HLC(MS_JAN, 3)), KN_EDENIED);
		assert_int_equal(act_own(&v2, &v1, DOMAIN_SKP_SEPAKATI, p, HLC(MS_JAN, 3)), 0);
		assert_int_equal(accept_made(&v2), 0);
		made_free(&v2);
		made_free(&v1);
	}
	/* the teacher does not approve his own plan */
	assert_int_equal(act_own(&m, &v0, DOMAIN_SKP_SETUJUI, p, HLC(MS_JAN, 2)), KN_EDENIED);
	assert_string_equal(kn_error_field(), "atasan");
	/* the principal never acts as atasan on his own plan */
	{
		domain_plan *kp = good_plan();
		made k0;
		kp->jabatan = DOMAIN_JABATAN_KEPALA_SEKOLAH;
		assert_int_equal(act_full(&k0, &kk, &K1, &kk, &K1, NULL, DOMAIN_SKP_SIMPAN, kp, NULL, HLC(MS_JAN, 1), NULL), 0);
		assert_int_equal(accept_made(&k0), 0);
		assert_int_equal(act_full(&m, &kk, &K1, &kk, &K1, &k0, DOMAIN_SKP_SETUJUI, kp, NULL, HLC(MS_JAN, 2), NULL),
		    KN_EDENIED);
		assert_non_null(strstr(kn_error_message(), "sendiri"));
		/* ... and his SKP is a Kepala Sekolah SKP, not a Guru SKP */
		kp->jabatan = DOMAIN_JABATAN_GURU;
		assert_int_equal(act_full(&m, &kk, &K1, &kk, &K1, NULL, DOMAIN_SKP_SIMPAN, kp, NULL, HLC(MS_JAN, 1), NULL),
		    KN_EINVAL);
		assert_string_equal(kn_error_field(), "jabatan");
		made_free(&k0);
		free(kp);
	}
	/* a teacher whose enrollment was deactivated does not plan on it */
	{
		made g1off;
		const made *o[1] = { &O1 };
		user_body(&body, "Budi Santoso", "guru", "198501012010011001", 0);
		make(&g1off, &ko, "user", kg.hex, HLC(MS_BASE, 9), &G1, o, 1, &body);
		assert_int_equal(act_full(&m, &kg, &g1off, &kg, &g1off, NULL, DOMAIN_SKP_SIMPAN, p, NULL, HLC(MS_JAN, 1), NULL), 0);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		assert_string_equal(kn_error_field(), "session");
		made_free(&m);
		made_free(&g1off);
	}
	/* the operator has no SKP */
	{
		const made *a3[3] = { &O1, &P, &CAT };
		domain_skp_subject(subject, sizeof(subject), ko.pk, PERIOD);
		kn_buf_clear(&body);
		msgpack_packer pk;
		msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
		msgpack_pack_object(&pk, *v0.v.body);
		make(&m, &ko, "skp", subject, HLC(MS_JAN, 2), NULL, a3, 3, &body);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		made_free(&m);
	}
	made_free(&v0);
	free(p);
}

/* Mutation guard: what an SKP version names as auth, and what those records must be. */
static void
test_skp__what_it_stands_on(void **state)
{
	made v0, m, other_period, late_period;
	domain_plan *p = good_plan();
	domain_rec auth[4];
	const made *a[3];
	(void)state;

	assert_int_equal(act_own(&v0, NULL, DOMAIN_SKP_SIMPAN, p, HLC(MS_JAN, 1)), 0);
	assert_int_equal(accept_made(&v0), 0);
	/* without the period, the catalog, or the author's enrollment */
	for (size_t skip = 0; skip < 3; skip++) {
		size_t n = 0;
		for (size_t i = 0; i < 3; i++)
			if (i != skip)
				auth[n++] = v0.auth[i]->r;
		assert_int_equal(domain_record_accept(&ctx, &v0.r, NULL, 0, auth, n), KN_EDENIED);
		assert_string_equal(kn_error_field(), "auth");
	}
	/* the atasan's act names the owner's enrollment */
	{
		made v1;
		assert_int_equal(act_own(&v1, &v0, DOMAIN_SKP_AJUKAN, p, HLC(MS_JAN, 2)), 0);
		assert_int_equal(act_ks(&m, &v1, DOMAIN_SKP_SETUJUI, p, NULL, HLC(MS_JAN, 3)), 0);
		for (size_t i = 0; i < 3; i++)
			auth[i] = m.auth[i]->r;
		assert_int_equal(domain_record_accept(&ctx, &m.r, &v1.r, 1, auth, 3), KN_EDENIED);
		/* ... and not a colleague's in its place */
		auth[3] = G2.r;
		assert_int_equal(domain_record_accept(&ctx, &m.r, &v1.r, 1, auth, 4), KN_EDENIED);
		auth[3] = G1.r;
		assert_int_equal(domain_record_accept(&ctx, &m.r, &v1.r, 1, auth, 4), 0);
		made_free(&m);
		made_free(&v1);
	}
	/* the period must be this SKP's period */
	period_body(&body, cat->version);
	a[0] = &K1;
	a[1] = &CAT;
	make(&other_period, &kk, "period", "2026-2", HLC(MS_OPEN, 5), NULL, a, 2, &body);
	for (size_t i = 0; i < 3; i++)
		auth[i] = v0.auth[i]->r;
	auth[1] = other_period.r;
	assert_int_equal(domain_record_accept(&ctx, &v0.r, NULL, 0, auth, 3), KN_EDENIED);
	assert_string_equal(kn_error_field(), "auth");
	/* and opened before the act: a plan made before the principal opened the period is refused */
	make(&late_period, &kk, "period", PERIOD, HLC(MS_FEB, 9), NULL, a, 2, &body);
	auth[1] = late_period.r;
	assert_int_equal(domain_record_accept(&ctx, &v0.r, NULL, 0, auth, 3), KN_EDENIED);
	/* the catalog must be the period's (and hold its bytes) */
	{
		made fake;
		const made *o[1] = { &O1 };
		msgpack_packer pk;
		kn_buf_clear(&body);
		msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 1);
		pack_s(&pk, "json");
		msgpack_pack_bin(&pk, 2);
		msgpack_pack_bin_body(&pk, "{}", 2);
		make(&fake, &ko, "catalog", cat->version, HLC(MS_BASE, 8), NULL, o, 1, &body);
		auth[1] = P.r;
		auth[2] = fake.r;
		assert_int_not_equal(domain_record_accept(&ctx, &v0.r, NULL, 0, auth, 3), 0);
		made_free(&fake);
		/* a real catalog, one byte longer: another version under this one's name */
		kn_buf_clear(&body);
		msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 1);
		pack_s(&pk, "json");
		msgpack_pack_bin(&pk, catalog_len + 1);
		msgpack_pack_bin_body(&pk, catalog_bytes, catalog_len);
		msgpack_pack_bin_body(&pk, "\n", 1);
		make(&fake, &ko, "catalog", cat->version, HLC(MS_BASE, 8), NULL, o, 1, &body);
		auth[2] = fake.r;
		assert_int_equal(domain_record_accept(&ctx, &v0.r, NULL, 0, auth, 3), KN_EDENIED);
		assert_string_equal(kn_error_field(), "auth");
		made_free(&fake);
	}
	/* nothing else may be named */
	for (size_t i = 0; i < 3; i++)
		auth[i] = v0.auth[i]->r;
	auth[3] = S.r;
	assert_int_equal(domain_record_accept(&ctx, &v0.r, NULL, 0, auth, 4), KN_EDENIED);
	/* one parent at most */
	{
		made v1;
		domain_rec two[2] = { v0.r, v0.r };
		assert_int_equal(act_own(&v1, &v0, DOMAIN_SKP_SIMPAN, p, HLC(MS_JAN, 2)), 0);
		for (size_t i = 0; i < 3; i++)
			auth[i] = v1.auth[i]->r;
		assert_int_equal(domain_record_accept(&ctx, &v1.r, two, 2, auth, 3), KN_ESTATE);
		assert_string_equal(kn_error_field(), "parents");
		made_free(&v1);
	}
	made_free(&other_period);
	made_free(&late_period);
	made_free(&v0);
	free(p);
}

/* Mutation guard: the period open, the plan of this period and catalog, the deadline, the check. */
static void
test_skp__period_plan_and_deadlines(void **state)
{
	made v0, m;
	domain_plan *p = good_plan();
	(void)state;

	/* after the hard evaluation deadline the period is closed: nothing is planned */
	assert_int_equal(act_own(&m, NULL, DOMAIN_SKP_SIMPAN, p, HLC(MS_JUL, 1)), KN_ESTATE);
	assert_string_equal(kn_error_field(), "period");
	assert_non_null(strstr(kn_error_message(), "ditutup"));
	/* the plan is of the SKP's period and on the period's catalog */
	snprintf(p->period, sizeof(p->period), "2026-2");
	assert_int_equal(act_own(&m, NULL, DOMAIN_SKP_SIMPAN, p, HLC(MS_JAN, 1)), KN_EINVAL);
	assert_string_equal(kn_error_field(), "period");
	snprintf(p->period, sizeof(p->period), "%s", PERIOD);
	memset(p->catalog, 'a', 64);
	assert_int_equal(act_own(&m, NULL, DOMAIN_SKP_SIMPAN, p, HLC(MS_JAN, 1)), KN_EINVAL);
	assert_string_equal(kn_error_field(), "catalog");
	snprintf(p->catalog, sizeof(p->catalog), "%s", cat->version);
	/* Ajukan: a plan with problems is refused, every problem found */
	p->npraktik = 0;
	p->nrhk = 1;
	{
		domain_skp_outcome *o = calloc(1, sizeof(*o));
		domain_period_body pb;
		domain_user gu;
		assert_int_equal(domain_user_parse(&gu, G1.r.body), 0);
		assert_int_equal(domain_period_body_parse(&pb, P.r.body), 0);
		domain_skp_input in = { DOMAIN_SKP_AJUKAN, kg.pk, &gu, G1.r.hlc >> 16, kg.pk, &gu, NPSN, MS_JAN, NULL, p, NULL,
			cat, PERIOD, &pb, kk.pk, P.r.hlc >> 16 };
		assert_int_equal(domain_skp_decide(o, &in), KN_EINVAL);
		assert_int_equal(o->report.nproblems, 2); /* no sub-indicator; 16 points, 16 short */
		assert_string_equal(o->report.problems[0].field, "praktik_kinerja");
		assert_string_equal(o->report.problems[1].code, "SKP_POIN_KURANG");
		free(o);
	}
	/* ... but saved as a draft */
	assert_int_equal(act_own(&v0, NULL, DOMAIN_SKP_SIMPAN, p, HLC(MS_JAN, 1)), 0);
	assert_int_equal(accept_made(&v0), 0);
	/* Tinjau Ulang needs its note, and carries the plan unchanged (S4) */
	{
		domain_plan *q = good_plan();
		made v1;
		assert_int_equal(act_own(&v1, &v0, DOMAIN_SKP_AJUKAN, q, HLC(MS_JAN, 2)), 0);
		assert_int_equal(act_ks(&m, &v1, DOMAIN_SKP_TINJAU_ULANG, q, NULL, HLC(MS_JAN, 3)), KN_EINVAL);
		assert_string_equal(kn_error_field(), "catatan");
		assert_int_equal(act_ks(&m, &v1, DOMAIN_SKP_TINJAU_ULANG, q, "   ", HLC(MS_JAN, 3)), KN_EINVAL);
		q->rhk[0].target_kuantitas = 3;
		assert_int_equal(act_ks(&m, &v1, DOMAIN_SKP_TINJAU_ULANG, q, "ubah", HLC(MS_JAN, 3)), KN_EINVAL);
		assert_string_equal(kn_error_field(), "plan");
		/* the atasan may not change the sub-indicator at Setujui */
		q->rhk[0].target_kuantitas = 2;
		snprintf(q->praktik[0], sizeof(q->praktik[0]), "penerapan_disiplin_positif");
		assert_int_equal(act_ks(&m, &v1, DOMAIN_SKP_SETUJUI, q, NULL, HLC(MS_JAN, 3)), KN_EDENIED);
		assert_string_equal(kn_error_field(), "praktik_kinerja");
		made_free(&v1);
		free(q);
	}
	made_free(&v0);
	free(p);
}

/* Mutation guard: a period and an SKP act take effect by their author's enrollment (the fold). */
static void
test_skp__act_effective(void **state)
{
	made v0, k2;
	domain_plan *p = good_plan();
	const made *a[1] = { &O1 };
	(void)state;

	assert_int_equal(act_own(&v0, NULL, DOMAIN_SKP_SIMPAN, p, HLC(MS_JAN, 1)), 0);
	domain_rec gv[1] = { G1.r };
	assert_true(domain_act_effective(&v0.r, NULL, 0, gv, 1));
	/* the teacher deactivated before his act: it does not take effect */
	{
		made g1off;
		user_body(&body, "Budi Santoso", "guru", "198501012010011001", 0);
		make(&g1off, &ko, "user", kg.hex, HLC(MS_BASE, 9), &G1, a, 1, &body);
		domain_rec gv2[2] = { G1.r, g1off.r };
		assert_false(domain_act_effective(&v0.r, NULL, 0, gv2, 2));
		made_free(&g1off);
	}
	/* ... nor after he was made the operator: an operator has no SKP */
	{
		made g1op;
		user_body(&body, "Budi Santoso", "operator", "198501012010011001", 1);
		make(&g1op, &ko, "user", kg.hex, HLC(MS_BASE, 9), &G1, a, 1, &body);
		domain_rec gv2[2] = { G1.r, g1op.r };
		assert_false(domain_act_effective(&v0.r, NULL, 0, gv2, 2));
		made_free(&g1op);
	}
	/* the principal's act on the teacher's plan takes effect by his enrollment */
	{
		made v1, v2;
		assert_int_equal(act_own(&v1, &v0, DOMAIN_SKP_AJUKAN, p, HLC(MS_JAN, 2)), 0);
		assert_int_equal(act_ks(&v2, &v1, DOMAIN_SKP_TINJAU_ULANG, p, "perbaiki", HLC(MS_JAN, 3)), 0);
		domain_rec kv1[1] = { K1.r };
		assert_true(domain_act_effective(&v2.r, NULL, 0, kv1, 1));
		domain_rec gv1[1] = { G2.r };
		assert_false(domain_act_effective(&v2.r, NULL, 0, gv1, 1)); /* a teacher's enrollment gives no such right */
		made_free(&v1);
		made_free(&v2);
	}
	domain_rec kv[1] = { K1.r };
	assert_true(domain_act_effective(&P.r, NULL, 0, kv, 1));
	/* the principal deactivated before he opened the period: the opening does not take effect */
	user_body(&body, "Dewi Lestari", "kepala_sekolah", "197803152005012002", 0);
	make(&k2, &ko, "user", kk.hex, HLC(MS_OPEN - 1000, 1), &K1, a, 1, &body);
	domain_rec kv2[2] = { K1.r, k2.r };
	assert_false(domain_act_effective(&P.r, NULL, 0, kv2, 2));
	made_free(&k2);
	made_free(&v0);
	free(p);
}

/* ---- reading ---- */

/* Who reads an SKP: the owner and the atasan; never the operator or a colleague. */
static void
test_skp__who_reads(void **state)
{
	domain_user op = { .role = "operator", .active = 1 }, g = { .role = "guru", .active = 1 },
		    g2 = { .role = "guru", .active = 1 }, ks = { .role = "kepala_sekolah", .active = 1 },
		    ks_off = { .role = "kepala_sekolah", .active = 0 };
	uint8_t a[32] = { 1 }, b[32] = { 2 }, c[32] = { 3 }, d[32] = { 4 };
	(void)state;

	assert_int_equal(domain_record_may_read(&g, a, "skp", &g, a), 0);
	assert_int_equal(domain_record_may_read(&ks, c, "skp", &g, a), 0);
	assert_int_equal(domain_record_may_read(&ks_off, c, "skp", &g, a), KN_EDENIED);
	assert_int_equal(domain_record_may_read(&g2, b, "skp", &g, a), KN_EDENIED);
	assert_int_equal(domain_record_may_read(&op, d, "skp", &g, a), KN_EDENIED);
	assert_non_null(strstr(kn_error_message(), "tidak membaca SKP"));
	assert_int_equal(domain_record_may_read(&g, a, "skp", NULL, NULL), KN_EDENIED);
	/* a principal is not the atasan of another principal's SKP */
	assert_int_equal(domain_record_may_read(&ks, c, "skp", &ks, d), KN_EDENIED);
	/* periods concern everyone of the school */
	assert_int_equal(domain_record_may_read(&g, a, "period", NULL, NULL), 0);
	assert_int_equal(domain_record_may_read(&op, d, "period", NULL, NULL), 0);
	assert_int_equal(domain_may_read_plans(&op), KN_EDENIED);
	/* a Guru passes the gate (he may be Plt Kepala Sekolah): domain_skp_decide judges each plan */
	assert_int_equal(domain_may_judge_plans(&g), 0);
	assert_int_equal(domain_may_judge_plans(&op), KN_EDENIED);
	assert_int_equal(domain_may_judge_plans(&ks), 0);
	assert_int_equal(domain_may_act_for_dinas(&op), 0);
	assert_int_equal(domain_may_act_for_dinas(&ks), KN_EDENIED);
	assert_int_equal(domain_may_act_for_dinas(&g), KN_EDENIED);
	assert_int_equal(domain_may_open_periods(&g), KN_EDENIED);
	assert_int_equal(domain_may_plan(&op), KN_EDENIED);
	assert_int_equal(domain_may_plan(&g), 0);
}

/* ---- edits and slots ---- */

/* A request's edits: RHK set, added and dropped; sub-indicator, Tugas Tambahan, behaviour, ekspektasi. */
static void
test_skp__edits(void **state)
{
	domain_plan *p = good_plan();
	kn_buf e = KN_BUF_INIT;
	msgpack_packer pk;
	msgpack_unpacked up;
	size_t off = 0, n;
	(void)state;

	msgpack_packer_init(&pk, &e, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 6);
	pack_s(&pk, "rhk");
	msgpack_pack_array(&pk, 2);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "id");
	msgpack_pack_int(&pk, 5);
	pack_s(&pk, "target_kuantitas");
	msgpack_pack_int(&pk, 0); /* drops RHK 5 */
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "id");
	msgpack_pack_int(&pk, 3);
	pack_s(&pk, "target_kuantitas");
	msgpack_pack_int(&pk, 1); /* adds RHK 3 */
	pack_s(&pk, "sub");
	pack_s(&pk, "penerapan_disiplin_positif");
	pack_s(&pk, "tugas_tambahan");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "id");
	pack_s(&pk, "kepala_perpustakaan");
	pack_s(&pk, "sk");
	pack_s(&pk, "800/12/2026");
	pack_s(&pk, "perilaku");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "aspek");
	pack_s(&pk, "akuntabel");
	pack_s(&pk, "perilaku");
	pack_s(&pk, "Menyelesaikan tugas tepat waktu");
	pack_s(&pk, "ekspektasi");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "aspek");
	pack_s(&pk, "loyal");
	pack_s(&pk, "teks");
	pack_s(&pk, "Menjaga nama baik sekolah");
	pack_s(&pk, "token");
	pack_s(&pk, "ignored");
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)e.ptr, e.len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(domain_plan_apply_edits(p, &n, &up.data), 0);
	assert_int_equal(n, 5);
	assert_int_equal(p->nrhk, 2);
	assert_int_equal(p->rhk[0].id, 1);
	assert_int_equal(p->rhk[1].id, 3);
	assert_string_equal(p->praktik[0], "penerapan_disiplin_positif");
	assert_int_equal(p->ntugas, 1);
	assert_string_equal(p->tugas[0].sk.s, "800/12/2026");
	for (size_t i = 0; i < p->nperilaku; i++) {
		if (strcmp(p->perilaku[i].aspek, "akuntabel") == 0) {
			assert_false(p->perilaku[i].has_index);
			assert_string_equal(p->perilaku[i].text.s, "Menyelesaikan tugas tepat waktu");
		}
		if (strcmp(p->perilaku[i].aspek, "loyal") == 0)
			assert_string_equal(p->perilaku[i].ekspektasi_khusus.s, "Menjaga nama baik sekolah");
	}
	msgpack_unpacked_destroy(&up);

	/* an edit that is malformed is refused naming it */
	kn_buf_clear(&e);
	msgpack_packer_init(&pk, &e, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 1);
	pack_s(&pk, "rhk");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "id");
	msgpack_pack_int(&pk, 1);
	pack_s(&pk, "target_kuantitas");
	msgpack_pack_int(&pk, -2);
	off = 0;
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)e.ptr, e.len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(domain_plan_apply_edits(p, &n, &up.data), KN_EINVAL);
	assert_string_equal(kn_error_field(), "rhk[0].target_kuantitas");
	msgpack_unpacked_destroy(&up);
	/* an ekspektasi on an aspect the plan lacks */
	kn_buf_clear(&e);
	msgpack_packer_init(&pk, &e, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 1);
	pack_s(&pk, "ekspektasi");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "aspek");
	pack_s(&pk, "tidak_ada");
	pack_s(&pk, "teks");
	pack_s(&pk, "x");
	off = 0;
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)e.ptr, e.len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(domain_plan_apply_edits(p, &n, &up.data), KN_EINVAL);
	assert_string_equal(kn_error_field(), "ekspektasi[0].aspek");
	msgpack_unpacked_destroy(&up);
	kn_buf_free(&e);
	free(p);
}

/* Mutation guard: Bukti Dukung for an RHK or a Tugas Tambahan needs the agreed plan holding it (§5.9). */
static void
test_skp__evidence_slots_follow_the_plan(void **state)
{
	domain_skp_body *b = calloc(1, sizeof(*b));
	domain_plan *p = good_plan();
	domain_problem why;
	(void)state;

	b->plan = *p;
	b->plan.ntugas = 1;
	snprintf(b->plan.tugas[0].id, sizeof(b->plan.tugas[0].id), "kepala_perpustakaan");
	/* the Praktik Kinerja steps are not gated by the plan */
	assert_int_equal(domain_evidence_slot_allowed(&why, "persiapan", PERIOD, NULL), 0);
	/* no plan, or not agreed yet */
	assert_int_equal(domain_evidence_slot_allowed(&why, "rhk-1", PERIOD, NULL), KN_ESTATE);
	assert_string_equal(why.code, "BUKTI_SKP_BELUM_DISEPAKATI");
	b->state = DOMAIN_SKP_DISETUJUI;
	assert_int_equal(domain_evidence_slot_allowed(&why, "rhk-1", PERIOD, b), KN_ESTATE);
	assert_non_null(strstr(why.message, "Disetujui"));
	b->state = DOMAIN_SKP_DISEPAKATI;
	assert_int_equal(domain_evidence_slot_allowed(&why, "rhk-1", PERIOD, b), 0);
	assert_int_equal(domain_evidence_slot_allowed(&why, "rhk-5", PERIOD, b), 0);
	assert_int_equal(domain_evidence_slot_allowed(&why, "rhk-3", PERIOD, b), KN_ENOTFOUND);
	assert_non_null(strstr(why.message, "rhk-1, rhk-5"));
	assert_int_equal(domain_evidence_slot_allowed(&why, "tugas-1", PERIOD, b), 0);
	assert_int_equal(domain_evidence_slot_allowed(&why, "tugas-2", PERIOD, b), KN_ENOTFOUND);
	assert_int_equal(domain_evidence_slot_allowed(&why, "rhk-01", PERIOD, b), KN_EINVAL);
	assert_int_equal(domain_evidence_slot_allowed(&why, "rhk-", PERIOD, b), KN_EINVAL);
	assert_string_equal(kn_error_field(), "slot");
	/* reopened (Buka Kembali): uploads wait for the plan to be agreed again */
	b->state = DOMAIN_SKP_PERLU_REVISI;
	assert_int_equal(domain_evidence_slot_allowed(&why, "rhk-1", PERIOD, b), KN_ESTATE);
	free(b);
	free(p);
}

/* The bodies round-trip, and their parsers are strict. */
static void
test_skp__bodies_roundtrip(void **state)
{
	made v0;
	domain_plan *p = good_plan();
	domain_skp_body *b;
	kn_buf again = KN_BUF_INIT;
	(void)state;

	assert_int_equal(act_own(&v0, NULL, DOMAIN_SKP_AJUKAN, p, HLC(MS_FEB, 1)), 0);
	b = body_of(&v0);
	assert_int_equal(domain_skp_body_pack(&again, b), 0);
	{
		kn_buf orig = KN_BUF_INIT;
		msgpack_packer pk;
		msgpack_packer_init(&pk, &orig, kn_buf_msgpack_write);
		msgpack_pack_object(&pk, *v0.v.body);
		assert_int_equal(orig.len, again.len);
		assert_memory_equal(orig.ptr, again.ptr, orig.len);
		kn_buf_free(&orig);
	}
	/* an unknown key is refused */
	{
		msgpack_packer pk;
		msgpack_unpacked up;
		size_t off = 0;
		kn_buf_clear(&again);
		msgpack_packer_init(&pk, &again, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 4);
		pack_s(&pk, "action");
		pack_s(&pk, "simpan");
		pack_s(&pk, "state");
		pack_s(&pk, "draf");
		pack_s(&pk, "plan");
		msgpack_pack_object(&pk, *kn_map_get(v0.v.body, "plan"));
		pack_s(&pk, "catatan");
		pack_s(&pk, "x");
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, (const char *)again.ptr, again.len, &off), MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(domain_skp_body_parse(b, &up.data), KN_EINVAL);
		assert_string_equal(kn_error_field(), "catatan");
		msgpack_unpacked_destroy(&up);
	}
	kn_buf_free(&again);
	made_free(&v0);
	free(b);
	free(p);
}


/* ---- the fold ---- */

/*
 * Fold order: the same records put into fresh stores (with the daemon's
 * rules) in many shuffled orders give identical plan views (kd_plan_view,
 * what plan.show answers) byte for byte. The set holds a whole cycle, two
 * acts of the atasan that raced on one submitted version (Tinjau Ulang and
 * Setujui: two heads, the newer one counts), a second teacher's draft, and
 * an act the rules refuse (a colleague "approving").
 */
static void
test_skp__any_arrival_order(void **state)
{
	enum { N = 17 };
	made m[N];
	int want[N];
	domain_plan *p = good_plan(), *adj = good_plan(), *ani = good_plan();
	kn_buf first_budi = KN_BUF_INIT, first_ani = KN_BUF_INIT;
	char dir[64];
	unsigned seed = 11;
	(void)state;

	memcpy(&m[0], &S, sizeof(made));
	memcpy(&m[1], &O1, sizeof(made));
	memcpy(&m[2], &K1, sizeof(made));
	memcpy(&m[3], &G1, sizeof(made));
	memcpy(&m[4], &G2, sizeof(made));
	memcpy(&m[5], &CAT, sizeof(made));
	memcpy(&m[6], &P, sizeof(made));
	p->rhk[1].target_kuantitas = 1;
	assert_int_equal(act_own(&m[7], NULL, DOMAIN_SKP_SIMPAN, p, HLC(MS_JAN, 1)), 0);
	p->rhk[1].target_kuantitas = 4;
	assert_int_equal(act_own(&m[8], &m[7], DOMAIN_SKP_AJUKAN, p, HLC(MS_JAN, 2)), 0);
	assert_int_equal(act_ks(&m[9], &m[8], DOMAIN_SKP_TINJAU_ULANG, p, "Tambahkan RHK 4.", HLC(MS_JAN, 3)), 0);
	p->nrhk = 3;
	p->rhk[2] = (domain_plan_rhk){ 4, 1 };
	assert_int_equal(act_own(&m[10], &m[9], DOMAIN_SKP_AJUKAN, p, HLC(MS_FEB, 1)), 0); /* late, by the rule */
	*adj = *p;
	adj->rhk[0].target_kuantitas = 3;
	assert_int_equal(act_ks(&m[11], &m[10], DOMAIN_SKP_TINJAU_ULANG, p, "Nanti dulu.", HLC(MS_FEB, 2)), 0);
	assert_int_equal(act_ks(&m[12], &m[10], DOMAIN_SKP_SETUJUI, adj, NULL, HLC(MS_FEB, 3)), 0); /* raced m[11] */
	assert_int_equal(act_own(&m[13], &m[12], DOMAIN_SKP_SEPAKATI, adj, HLC(MS_FEB, 4)), 0);
	ani->nrhk = 1;
	assert_int_equal(act_full(&m[14], &kg2, &G2, &kg2, &G2, NULL, DOMAIN_SKP_SIMPAN, ani, NULL, HLC(MS_JAN, 5), NULL), 0);
	{
		/* a colleague's "approval" of Budi's plan: refused wherever it arrives */
		made ok;
		const made *a[4] = { &G2, &P, &CAT, &G1 };
		char subject[80];
		msgpack_packer pk;
		assert_int_equal(act_ks(&ok, &m[8], DOMAIN_SKP_SETUJUI, p, NULL, HLC(MS_JAN, 6)), 0);
		kn_buf_clear(&body);
		msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
		msgpack_pack_object(&pk, *ok.v.body);
		domain_skp_subject(subject, sizeof(subject), kg.pk, PERIOD);
		make(&m[15], &kg2, "skp", subject, HLC(MS_JAN, 6), &m[8], a, 4, &body);
		made_free(&ok);
	}
	/* Ani saves again on her draft */
	ani->rhk[0].target_kuantitas = 3;
	assert_int_equal(act_full(&m[16], &kg2, &G2, &kg2, &G2, &m[14], DOMAIN_SKP_SIMPAN, ani, NULL, HLC(MS_FEB, 5), NULL), 0);
	for (int i = 0; i < N; i++)
		want[i] = i != 15;

	for (int round = 0; round < 16; round++) {
		int order[N];
		store *st;
		store_hooks h;
		store_opts so = { 0, 1 };
		store_txn *t;
		kn_buf vb = KN_BUF_INIT, va = KN_BUF_INIT;
		msgpack_packer pk;
		record_view head;
		char doc[RECORD_DOC_KEY_MAX], subject[80];

		/* in time order; reversed (everything held, then released at once); the raced act last; shuffled */
		for (int i = 0; i < N; i++)
			order[i] = round == 1 ? N - 1 - i : i;
		if (round == 2) {
			for (int i = 11; i < N - 1; i++)
				order[i] = i + 1;
			order[N - 1] = 11;
		}
		for (int i = N - 1; round > 2 && i > 0; i--) {
			int j = (int)(rand_r(&seed) % (unsigned)(i + 1)), tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-skp.XXXXXX"), 0);
		assert_int_equal(store_open(&st, dir, &so), 0);
		kd_rules_hooks(&h, NULL);
		store_set_hooks(st, &h);
		for (int i = 0; i < N; i++) {
			int rc = store_put(st, m[order[i]].raw.ptr, m[order[i]].raw.len, NULL);
			if (rc < 0 && want[order[i]])
				fail_msg("round %d: record %d refused: %s", round, order[i], kn_error_message());
			assert_true(rc == 0 || rc == 2 || !want[order[i]]);
		}
		store_stats ss;
		assert_int_equal(store_stat(&ss, st), 0);
		assert_int_equal(ss.held, 0);
		assert_int_equal(ss.records, N - 1);
		assert_int_equal(store_read_begin(&t, st), 0);
		/* the current version of Budi's plan is the agreed one, on the newer of the two raced acts */
		domain_skp_subject(subject, sizeof(subject), kg.pk, PERIOD);
		snprintf(doc, sizeof(doc), "skp/%s/%s", NPSN, subject);
		assert_int_equal(kd_doc_head(&head, t, doc), 0);
		assert_memory_equal(head.id, m[13].id, 32);
		record_view_free(&head);
		msgpack_packer_init(&pk, &vb, kn_buf_msgpack_write);
		assert_int_equal(kd_plan_view(&pk, t, NPSN, kg.pk, PERIOD, NOW_MS), 0);
		msgpack_packer_init(&pk, &va, kn_buf_msgpack_write);
		assert_int_equal(kd_plan_view(&pk, t, NPSN, kg2.pk, PERIOD, NOW_MS), 0);
		if (round == 0) {
			msgpack_unpacked up;
			size_t off = 0;
			const msgpack_object *o;
			kn_buf_put(&first_budi, vb.ptr, vb.len);
			kn_buf_put(&first_ani, va.ptr, va.len);
			/* and the view is the plan as agreed: the adjustment as a difference, the history whole */
			msgpack_unpacked_init(&up);
			assert_int_equal(msgpack_unpack_next(&up, (const char *)vb.ptr, vb.len, &off), MSGPACK_UNPACK_SUCCESS);
			char st_name[24];
			assert_int_equal(kn_map_str(st_name, sizeof(st_name), &up.data, "state"), 0);
			assert_string_equal(st_name, "disepakati");
			o = kn_map_get(&up.data, "adjustments");
			assert_int_equal(o->via.array.size, 1);
			o = kn_map_get(&up.data, "history");
			assert_int_equal(o->via.array.size, 7);
			{
				/* oldest first, by the acts' own clocks */
				static const char *acts[7] = { "simpan", "ajukan", "tinjau_ulang", "ajukan", "tinjau_ulang", "setujui",
					"sepakati" };
				for (uint32_t i = 0; i < 7; i++) {
					char a[24];
					assert_int_equal(kn_map_str(a, sizeof(a), &o->via.array.ptr[i], "action"), 0);
					assert_string_equal(a, acts[i]);
					/* the raced Tinjau Ulang (the 5th) is kept, shown, and marked not in effect, naming the Setujui */
					const msgpack_object *ie = kn_map_get(&o->via.array.ptr[i], "in_effect");
					assert_non_null(ie);
					assert_int_equal(ie->type, MSGPACK_OBJECT_BOOLEAN);
					assert_int_equal(ie->via.boolean, i != 4);
					char why[512];
					assert_int_equal(kn_map_str(why, sizeof(why), &o->via.array.ptr[i], "conflict"), i == 4 ? 0 : KN_EINVAL);
					if (i == 4)
						assert_non_null(strstr(why, "Setujui oleh"));
				}
			}
			o = kn_map_get(kn_map_get(&up.data, "conflicts"), "count");
			assert_non_null(o);
			assert_int_equal(o->via.u64, 1);
			o = kn_map_get(kn_map_get(&up.data, "points"), "total");
			assert_int_equal(o->via.u64, 3 * 8 + 4 * 4 + 8);
			msgpack_unpacked_destroy(&up);
		} else {
			assert_int_equal(vb.len, first_budi.len);
			assert_memory_equal(vb.ptr, first_budi.ptr, vb.len);
			assert_int_equal(va.len, first_ani.len);
			assert_memory_equal(va.ptr, first_ani.ptr, va.len);
		}
		kn_buf_free(&vb);
		kn_buf_free(&va);
		store_read_end(t);
		store_close(st);
		assert_int_equal(kntest_rm_rf(dir), 0);
	}
	for (int i = 7; i < N; i++)
		made_free(&m[i]);
	kn_buf_free(&first_budi);
	kn_buf_free(&first_ani);
	free(p);
	free(adj);
	free(ani);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skp__period_opened_by_the_principal),
		cmocka_unit_test(test_skp__cycle_accepted),
		cmocka_unit_test(test_skp__body_is_what_the_act_leads_to),
		cmocka_unit_test(test_skp__who_acts),
		cmocka_unit_test(test_skp__what_it_stands_on),
		cmocka_unit_test(test_skp__period_plan_and_deadlines),
		cmocka_unit_test(test_skp__act_effective),
		cmocka_unit_test(test_skp__who_reads),
		cmocka_unit_test(test_skp__edits),
		cmocka_unit_test(test_skp__evidence_slots_follow_the_plan),
		cmocka_unit_test(test_skp__bodies_roundtrip),
		cmocka_unit_test(test_skp__any_arrival_order),
	};

	if (sodium_init() < 0)
		return 1;
	kn_log_init("test_skp", KN_LOG_ERROR, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
