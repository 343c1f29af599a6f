/*
 * test_identity.c - eligibility and the identity confirmation
 * (domain/identity.h): the enrollment's eligibility fields and its strict
 * body; the gate before an owner's act on an SKP (an ineligible person is
 * told why and who fixes what; the first act needs the identity); the
 * acceptance branch of "identity" records, each with the case it refuses
 * (a second edit, someone else's confirmation, an unknown field, a
 * Dapodik field changed, a body that misstates its edit); who reads what;
 * and the same records in any arrival order giving the same identity.
 *
 * Records are made for real (record_sign, record_open) with real keys and
 * the shipped catalog (catalog/pmm-2024.1.json, from the repository root
 * or $KINERJA_CATALOG), so what the rules see is what a store sees.
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
#include "../../domain/identity.h"
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
#define SCHOOL_NAME "SD Negeri 1 Contoh"
#define CATALOG_FILE "catalog/pmm-2024.1.json"
#define MS_BASE 1767495600000ULL  /* 4 Jan 2026, 10:00 WIB: the school and its people */
#define MS_JAN 1768014000000ULL   /* 10 Jan 2026 */
#define MS_FEB 1770692400000ULL   /* 10 Feb 2026 */
#define NOW_MS 1796094000000ULL   /* 1 Dec 2026 */
#define HLC(ms, n) (((uint64_t)(ms) << 16) | (uint64_t)(n))

static key ko, kk, kg, kg2;
static made S, O1, K1, G1, G2;
static kn_buf body;
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
	pack_s(&pk, SCHOOL_NAME);
	pack_s(&pk, "operator");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, ko.pk, 32);
}

/* An enrollment's body through domain_user_pack (the daemon's way). */
static void
user_body(kn_buf *b, const char *name, const char *role, const char *nip, const char *ptk, const char *naungan, int active)
{
	domain_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.role, sizeof(u.role), "%s", role);
	snprintf(u.status, sizeof(u.status), "PNS");
	snprintf(u.nip, sizeof(u.nip), "%s", nip);
	snprintf(u.golongan, sizeof(u.golongan), "III/b");
	snprintf(u.pangkat, sizeof(u.pangkat), "Penata Muda Tingkat I");
	snprintf(u.jenjang, sizeof(u.jenjang), "Guru Ahli Pertama");
	snprintf(u.jenis_ptk, sizeof(u.jenis_ptk), "%s", ptk);
	snprintf(u.naungan, sizeof(u.naungan), "%s", naungan);
	u.active = active;
	kn_buf_clear(b);
	assert_int_equal(domain_user_pack(b, &u), 0);
}

/* Parse a packed body. */
static int
parse_user(domain_user *out, const kn_buf *b)
{
	msgpack_unpacked up;
	size_t off = 0;
	int rc;

	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)b->ptr, b->len, &off), MSGPACK_UNPACK_SUCCESS);
	rc = domain_user_parse(out, &up.data);
	msgpack_unpacked_destroy(&up);
	return rc;
}

/* Budi's data as Dapodik has it (his enrollment G1 and the school). */
static void
dapodik_budi(domain_identity *out)
{
	domain_user u;

	user_body(&body, "Budi Santoso", "guru", "198501012010011001", "Guru Kelas", "", 1);
	assert_int_equal(parse_user(&u, &body), 0);
	domain_identity_of(out, &u, SCHOOL_NAME);
}

/* A confirmation of owner's identity by author, enrolled as enr, decided as the daemon does; returns its rc. */
static int
confirm(made *out, const key *author, const made *enr, const key *owner, const made *parent, const domain_identity *data,
    uint64_t hlc)
{
	domain_identity_body b, prev;
	domain_user u;
	domain_school sc;
	const made *a[2] = { enr, &S };
	int rc;

	assert_int_equal(domain_user_parse(&u, enr->v.body), 0);
	assert_int_equal(domain_school_parse(&sc, S.v.body), 0);
	if (parent)
		assert_int_equal(domain_identity_body_parse(&prev, parent->v.body), 0);
	domain_identity_input in = { &u, sc.name, parent ? &prev : NULL, data, hlc >> 16 };
	if ((rc = domain_identity_decide(&b, NULL, &in)))
		return rc;
	kn_buf_clear(&body);
	assert_int_equal(domain_identity_body_pack(&body, &b), 0);
	make(out, author, "identity", owner->hex, hlc, parent, a, 2, &body);
	return 0;
}

/* The school, an operator, a principal and two teachers (Budi with Jenis PTK, Ani from before the field). */
static int
setup(void **state)
{
	const char *path = getenv("KINERJA_CATALOG") ? getenv("KINERJA_CATALOG") : CATALOG_FILE;
	FILE *f = fopen(path, "rb");
	uint8_t *bytes;
	size_t len;
	const made *a[1];

	(void)state;
	if (f == NULL) {
		fprintf(stderr, "test_identity: cannot open %s (run from the repository root or set KINERJA_CATALOG)\n", path);
		return -1;
	}
	bytes = malloc(DOMAIN_CATALOG_BYTES_MAX);
	len = fread(bytes, 1, DOMAIN_CATALOG_BYTES_MAX, f);
	fclose(f);
	if (domain_catalog_parse(&cat, bytes, len) != 0) {
		fprintf(stderr, "test_identity: catalog: %s\n", kn_error_message());
		free(bytes);
		return -1;
	}
	free(bytes);
	key_new(&ko);
	key_new(&kk);
	key_new(&kg);
	key_new(&kg2);
	school_body(&body);
	make(&S, &ko, "school", NPSN, HLC(MS_BASE, 1), NULL, NULL, 0, &body);
	user_body(&body, "Siti Aminah", "operator", "198001012005012001", "", "", 1);
	a[0] = &S;
	make(&O1, &ko, "user", ko.hex, HLC(MS_BASE, 2), NULL, a, 1, &body);
	a[0] = &O1;
	user_body(&body, "Dewi Lestari", "kepala_sekolah", "197803152005012002", "", "", 1);
	make(&K1, &ko, "user", kk.hex, HLC(MS_BASE, 3), NULL, a, 1, &body);
	user_body(&body, "Budi Santoso", "guru", "198501012010011001", "Guru Kelas", "", 1);
	make(&G1, &ko, "user", kg.hex, HLC(MS_BASE, 4), NULL, a, 1, &body);
	user_body(&body, "Ani Rahayu", "guru", "199002022015012003", "", "", 1);
	make(&G2, &ko, "user", kg2.hex, HLC(MS_BASE, 5), NULL, a, 1, &body);
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
	kn_buf_free(&body);
	domain_catalog_free(cat);
	return 0;
}

/* ---- the enrollment's eligibility fields ---- */

/*
 * The three fields are optional (an enrollment from before them parses,
 * and means what I4 says), round-trip through domain_user_pack, and are
 * checked; the body is strict: an unknown or repeated key is refused.
 */
static void
test_identity__enrollment_fields(void **state)
{
	domain_user u, back;
	kn_buf b = KN_BUF_INIT;
	msgpack_packer pk;
	(void)state;

	/* an old enrollment: five keys, no eligibility fields */
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5);
	pack_s(&pk, "name");
	pack_s(&pk, "Budi Santoso");
	pack_s(&pk, "role");
	pack_s(&pk, "guru");
	pack_s(&pk, "status");
	pack_s(&pk, "PNS");
	pack_s(&pk, "nip");
	pack_s(&pk, "198501012010011001");
	pack_s(&pk, "active");
	msgpack_pack_true(&pk);
	assert_int_equal(parse_user(&u, &b), 0);
	assert_string_equal(u.jenis_ptk, "");
	assert_string_equal(u.naungan, "");
	assert_false(u.seconded_private);

	/* the new fields round-trip */
	snprintf(u.jenis_ptk, sizeof(u.jenis_ptk), "Guru Mapel");
	snprintf(u.naungan, sizeof(u.naungan), "kemenag");
	u.seconded_private = 1;
	kn_buf_clear(&b);
	assert_int_equal(domain_user_pack(&b, &u), 0);
	assert_int_equal(parse_user(&back, &b), 0);
	assert_memory_equal(&u, &back, sizeof(u));

	/* checked: naungan is pemda or kemenag; only an ASN is seconded */
	snprintf(back.naungan, sizeof(back.naungan), "swasta");
	kn_buf_clear(&b);
	assert_int_equal(domain_user_pack(&b, &back), 0);
	assert_int_equal(parse_user(&u, &b), KN_EINVAL);
	assert_string_equal(kn_error_field(), "naungan");
	memset(&back, 0, sizeof(back));
	snprintf(back.name, sizeof(back.name), "Rina Wati");
	snprintf(back.role, sizeof(back.role), "guru");
	snprintf(back.status, sizeof(back.status), "NON_ASN");
	snprintf(back.nuptk, sizeof(back.nuptk), "9876543210987654");
	back.active = 1;
	back.seconded_private = 1;
	kn_buf_clear(&b);
	assert_int_equal(domain_user_pack(&b, &back), 0);
	assert_int_equal(parse_user(&u, &b), KN_EINVAL);
	assert_string_equal(kn_error_field(), "seconded_private");

	/* strict: an unknown key, and a key twice */
	kn_buf_clear(&b);
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 6);
	pack_s(&pk, "name");
	pack_s(&pk, "Budi Santoso");
	pack_s(&pk, "role");
	pack_s(&pk, "guru");
	pack_s(&pk, "status");
	pack_s(&pk, "PNS");
	pack_s(&pk, "nip");
	pack_s(&pk, "198501012010011001");
	pack_s(&pk, "active");
	msgpack_pack_true(&pk);
	pack_s(&pk, "jenis_ptkk");
	pack_s(&pk, "Guru Kelas");
	assert_int_equal(parse_user(&u, &b), KN_EINVAL);
	assert_string_equal(kn_error_field(), "jenis_ptkk");
	kn_buf_clear(&b);
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 6);
	pack_s(&pk, "name");
	pack_s(&pk, "Budi Santoso");
	pack_s(&pk, "role");
	pack_s(&pk, "guru");
	pack_s(&pk, "status");
	pack_s(&pk, "PNS");
	pack_s(&pk, "nip");
	pack_s(&pk, "198501012010011001");
	pack_s(&pk, "active");
	msgpack_pack_true(&pk);
	pack_s(&pk, "name");
	pack_s(&pk, "Budi Lain");
	assert_int_equal(parse_user(&u, &b), KN_EINVAL);
	assert_string_equal(kn_error_field(), "name");
	kn_buf_free(&b);
}

/* Eligibility from an enrollment: I4's defaults, Kemenag and secondment as recorded. */
static void
test_identity__eligibility_of_an_enrollment(void **state)
{
	domain_eligibility_query q;
	domain_eligibility e;
	domain_user u;
	(void)state;

	/* Budi: Jenis PTK recorded, naungan not (taken as pemda) */
	assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
	domain_eligibility_query_of(&q, &u);
	assert_string_equal(q.naungan, "pemda");
	assert_int_equal(domain_eligibility_get(&e, &q, cat), 0);
	assert_true(e.eligible);
	assert_string_equal(e.code, "KELAYAKAN_ASN");
	/* Ani: enrolled without Jenis PTK: may draft, the operator records it */
	assert_int_equal(domain_user_parse(&u, G2.v.body), 0);
	domain_eligibility_query_of(&q, &u);
	assert_null(q.jenis_ptk);
	assert_int_equal(domain_eligibility_get(&e, &q, cat), 0);
	assert_false(e.eligible);
	assert_true(e.may_draft);
	assert_string_equal(e.code, "KELAYAKAN_JENIS_PTK_KOSONG");
	assert_string_equal(e.fix_by, "operator_sekolah");
	assert_non_null(strstr(e.message, "Operator Sekolah"));
	/* the principal: no Jenis PTK needed */
	assert_int_equal(domain_user_parse(&u, K1.v.body), 0);
	domain_eligibility_query_of(&q, &u);
	assert_int_equal(domain_eligibility_get(&e, &q, cat), 0);
	assert_true(e.eligible);
	/* marked Kemenag, or seconded to a private school: e-Kinerja */
	assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
	snprintf(u.naungan, sizeof(u.naungan), "kemenag");
	domain_eligibility_query_of(&q, &u);
	assert_int_equal(domain_eligibility_get(&e, &q, cat), 0);
	assert_string_equal(e.code, "KELAYAKAN_KEMENAG");
	assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
	u.seconded_private = 1;
	domain_eligibility_query_of(&q, &u);
	assert_int_equal(domain_eligibility_get(&e, &q, cat), 0);
	assert_string_equal(e.code, "KELAYAKAN_DIPEKERJAKAN");
}

/* The eligibility of u as the daemon computes it. */
static void
eligibility_of(domain_eligibility *out, const domain_user *u)
{
	domain_eligibility_query q;

	domain_eligibility_query_of(&q, u);
	assert_int_equal(domain_eligibility_get(out, &q, cat), 0);
}

/*
 * The gate before an owner's act: a Kemenag teacher or a seconded ASN
 * neither drafts nor submits, and is told to use e-Kinerja; a teacher
 * whose Jenis PTK is wrong or missing drafts but does not submit, and is
 * told the Operator Sekolah fixes it; the first act needs the identity;
 * the person is judged before the identity; the atasan's acts pass.
 */
static void
test_identity__ineligible_plan_refused(void **state)
{
	domain_eligibility e;
	domain_problem why;
	domain_user u;
	(void)state;

	assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
	snprintf(u.naungan, sizeof(u.naungan), "kemenag");
	eligibility_of(&e, &u);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_SIMPAN, 0, 1), KN_EDENIED);
	assert_string_equal(why.field, "kelayakan");
	assert_non_null(strstr(why.message, "Kemenag"));
	assert_non_null(strstr(why.message, "e-Kinerja"));
	assert_string_equal(kn_error_field(), "kelayakan");
	assert_non_null(strstr(kn_error_message(), "e-Kinerja"));
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_AJUKAN, 1, 1), KN_EDENIED);
	assert_non_null(strstr(why.message, "Kemenag"));
	/* judged on the person first: the Kemenag reason, not the missing identity */
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_SIMPAN, 0, 0), KN_EDENIED);
	assert_string_equal(why.field, "kelayakan");

	assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
	u.seconded_private = 1;
	eligibility_of(&e, &u);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_AJUKAN, 1, 1), KN_EDENIED);
	assert_non_null(strstr(why.message, "swasta"));
	assert_non_null(strstr(why.message, "e-Kinerja"));

	/* Jenis PTK wrong: a draft yes, Ajukan and Sepakati no, the Operator Sekolah fixes Dapodik */
	assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
	snprintf(u.jenis_ptk, sizeof(u.jenis_ptk), "Tenaga Administrasi Sekolah");
	eligibility_of(&e, &u);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_SIMPAN, 0, 1), 0);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_AJUKAN, 1, 1), KN_EDENIED);
	assert_non_null(strstr(why.message, "Ajukan belum dapat dilakukan"));
	assert_non_null(strstr(why.message, "Operator Sekolah"));
	assert_non_null(strstr(why.message, "Dapodik"));
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_SEPAKATI, 1, 1), KN_EDENIED);
	/* Jenis PTK not recorded (Ani): the same */
	assert_int_equal(domain_user_parse(&u, G2.v.body), 0);
	eligibility_of(&e, &u);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_SIMPAN, 0, 1), 0);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_AJUKAN, 0, 1), KN_EDENIED);
	assert_non_null(strstr(why.message, "belum tercatat"));

	/* eligible: the first act needs the identity confirmed, later ones do not */
	assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
	eligibility_of(&e, &u);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_SIMPAN, 0, 0), KN_ESTATE);
	assert_string_equal(why.field, "identitas");
	assert_string_equal(why.code, "SKP_IDENTITAS_BELUM");
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_AJUKAN, 0, 0), KN_ESTATE);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_SIMPAN, 0, 1), 0);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_AJUKAN, 1, 0), 0);
	/* the atasan's acts are not the owner's start */
	assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
	snprintf(u.naungan, sizeof(u.naungan), "kemenag");
	eligibility_of(&e, &u);
	assert_int_equal(domain_plan_may_start(&why, &e, DOMAIN_SKP_TINJAU_ULANG, 1, 0), 0);
}

/* ---- the identity record ---- */

/*
 * A confirmation without change, then the one edit, then confirmations
 * that keep it or take Dapodik's value: all accepted, each saying what it
 * edited. A second edit is refused, by the decision and by acceptance
 * when the body hides it.
 */
static void
test_identity__edited_once(void **state)
{
	domain_identity dap, d;
	domain_identity_body b;
	domain_problem why;
	made c1, c2, c3, c4, bad;
	(void)state;

	dapodik_budi(&dap);
	assert_string_equal(dap.satuan_pendidikan, SCHOOL_NAME);
	assert_string_equal(dap.jenis_ptk, "Guru Kelas");
	/* "Data sudah sesuai" */
	assert_int_equal(confirm(&c1, &kg, &G1, &kg, NULL, &dap, HLC(MS_JAN, 1)), 0);
	assert_int_equal(accept_made(&c1), 0);
	assert_int_equal(domain_identity_body_parse(&b, c1.v.body), 0);
	assert_int_equal(b.nedited, 0);
	assert_int_equal(b.edit_ms, 0);
	/* the one edit: nama and pangkat */
	d = dap;
	snprintf(d.nama, sizeof(d.nama), "Budi Santoso, S.Pd.");
	snprintf(d.pangkat, sizeof(d.pangkat), "Penata Tingkat I");
	assert_int_equal(confirm(&c2, &kg, &G1, &kg, &c1, &d, HLC(MS_JAN, 2)), 0);
	assert_int_equal(accept_made(&c2), 0);
	assert_int_equal(domain_identity_body_parse(&b, c2.v.body), 0);
	assert_int_equal(b.nedited, 2);
	assert_string_equal(b.edited[0], "nama");
	assert_string_equal(b.edited[1], "pangkat");
	assert_int_equal(b.edit_ms, MS_JAN);
	/* confirming again, keeping the edit and taking Dapodik's pangkat back: not an edit */
	snprintf(d.pangkat, sizeof(d.pangkat), "%s", dap.pangkat);
	assert_int_equal(confirm(&c3, &kg, &G1, &kg, &c2, &d, HLC(MS_FEB, 1)), 0);
	assert_int_equal(accept_made(&c3), 0);
	assert_int_equal(domain_identity_body_parse(&b, c3.v.body), 0);
	assert_int_equal(b.nedited, 0);
	assert_int_equal(b.edit_ms, MS_JAN); /* carried: the edit is used */

	/* identity edited twice: refused, saying when the first edit was and who fixes it now */
	snprintf(d.golongan, sizeof(d.golongan), "III/c");
	{
		domain_identity_body pb;
		domain_user u;
		assert_int_equal(domain_identity_body_parse(&pb, c3.v.body), 0);
		assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
		domain_identity_input in = { &u, SCHOOL_NAME, &pb, &d, MS_FEB + 1000 };
		assert_int_equal(domain_identity_decide(&b, &why, &in), KN_EDENIED);
		assert_string_equal(why.code, "IDENTITAS_SUDAH_DIUBAH");
		assert_non_null(strstr(why.message, "10 Januari 2026"));
		assert_non_null(strstr(why.message, "Operator Sekolah"));
		assert_string_equal(kn_error_field(), "identitas");
	}
	assert_int_equal(confirm(&c4, &kg, &G1, &kg, &c3, &d, HLC(MS_FEB, 2)), KN_EDENIED);
	/* and a record that does it anyway, its body claiming no edit (or a fresh one), is refused */
	{
		domain_identity_body forged;
		const made *a[2] = { &G1, &S };
		memset(&forged, 0, sizeof(forged));
		forged.data = d;
		forged.edit_ms = MS_JAN;
		kn_buf_clear(&body);
		assert_int_equal(domain_identity_body_pack(&body, &forged), 0);
		make(&bad, &kg, "identity", kg.hex, HLC(MS_FEB, 3), &c3, a, 2, &body);
		assert_int_equal(accept_made(&bad), KN_EDENIED);
		assert_non_null(strstr(kn_error_message(), "sekali"));
		made_free(&bad);
		forged.nedited = 1;
		forged.edited[0] = "golongan";
		forged.edit_ms = MS_FEB;
		kn_buf_clear(&body);
		assert_int_equal(domain_identity_body_pack(&body, &forged), 0);
		make(&bad, &kg, "identity", kg.hex, HLC(MS_FEB, 3), &c3, a, 2, &body);
		assert_int_equal(accept_made(&bad), KN_EDENIED);
		made_free(&bad);
	}
	/* a first confirmation that edits, its body saying it does not: refused as misstated */
	{
		domain_identity_body forged;
		const made *a[2] = { &G1, &S };
		memset(&forged, 0, sizeof(forged));
		forged.data = dap;
		snprintf(forged.data.nama, sizeof(forged.data.nama), "Budi S.");
		kn_buf_clear(&body);
		assert_int_equal(domain_identity_body_pack(&body, &forged), 0);
		make(&bad, &kg, "identity", kg.hex, HLC(MS_JAN, 5), NULL, a, 2, &body);
		assert_int_equal(accept_made(&bad), KN_EBADREC);
		assert_string_equal(kn_error_field(), "edited");
		made_free(&bad);
		/* and one that edits with a wrong edit time */
		forged.nedited = 1;
		forged.edited[0] = "nama";
		forged.edit_ms = MS_BASE;
		kn_buf_clear(&body);
		assert_int_equal(domain_identity_body_pack(&body, &forged), 0);
		make(&bad, &kg, "identity", kg.hex, HLC(MS_JAN, 5), NULL, a, 2, &body);
		assert_int_equal(accept_made(&bad), KN_EBADREC);
		assert_string_equal(kn_error_field(), "edit_ms");
		made_free(&bad);
	}
	made_free(&c1);
	made_free(&c2);
	made_free(&c3);
}

/*
 * Only the person confirms their identity, as an active Guru or Kepala
 * Sekolah, naming their own enrollment and the school record; the fields
 * Dapodik sets are not changed here; edited fields are well formed.
 */
static void
test_identity__who_confirms_what(void **state)
{
	domain_identity dap, d;
	made m, G1off;
	domain_problem why;
	domain_identity_body b;
	domain_user u;
	(void)state;

	dapodik_budi(&dap);
	/* someone else confirming my identity: Ani, naming her own enrollment, about Budi */
	{
		const made *a[2] = { &G2, &S };
		domain_identity_body fb;
		memset(&fb, 0, sizeof(fb));
		fb.data = dap;
		kn_buf_clear(&body);
		assert_int_equal(domain_identity_body_pack(&body, &fb), 0);
		make(&m, &kg2, "identity", kg.hex, HLC(MS_JAN, 1), NULL, a, 2, &body);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		assert_non_null(strstr(kn_error_message(), "pemiliknya sendiri"));
		made_free(&m);
		/* naming Budi's enrollment instead does not help: it is not the author's */
		a[0] = &G1;
		make(&m, &kg2, "identity", kg.hex, HLC(MS_JAN, 1), NULL, a, 2, &body);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		assert_string_equal(kn_error_field(), "auth");
		made_free(&m);
		/* the operator neither */
		a[0] = &O1;
		make(&m, &ko, "identity", kg.hex, HLC(MS_JAN, 1), NULL, a, 2, &body);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		made_free(&m);
	}
	/* nor an operator their own: they have no SKP */
	{
		domain_identity od;
		assert_int_equal(domain_user_parse(&u, O1.v.body), 0);
		domain_identity_of(&od, &u, SCHOOL_NAME);
		assert_int_equal(confirm(&m, &ko, &O1, &ko, NULL, &od, HLC(MS_JAN, 1)), 0);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		assert_non_null(strstr(kn_error_message(), "Guru atau Kepala Sekolah"));
		made_free(&m);
	}
	/* nor a deactivated teacher */
	{
		const made *a[1] = { &O1 };
		user_body(&body, "Budi Santoso", "guru", "198501012010011001", "Guru Kelas", "", 0);
		make(&G1off, &ko, "user", kg.hex, HLC(MS_BASE, 9), &G1, a, 1, &body);
		assert_int_equal(accept_made(&G1off), 0);
		assert_int_equal(confirm(&m, &kg, &G1off, &kg, NULL, &dap, HLC(MS_JAN, 1)), 0);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		made_free(&m);
		made_free(&G1off);
	}
	/* auth: the enrollment and the school record, both, each once, older than the confirmation */
	{
		const made *a[3] = { &G1, &S, &O1 };
		domain_identity_body fb;
		memset(&fb, 0, sizeof(fb));
		fb.data = dap;
		kn_buf_clear(&body);
		assert_int_equal(domain_identity_body_pack(&body, &fb), 0);
		make(&m, &kg, "identity", kg.hex, HLC(MS_JAN, 1), NULL, a, 1, &body);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		assert_string_equal(kn_error_field(), "auth");
		made_free(&m);
		make(&m, &kg, "identity", kg.hex, HLC(MS_JAN, 1), NULL, a, 3, &body);
		assert_int_equal(accept_made(&m), KN_EDENIED);
		made_free(&m);
		make(&m, &kg, "identity", kg.hex, HLC(MS_BASE, 4), NULL, a, 2, &body); /* as old as the enrollment */
		assert_int_equal(accept_made(&m), KN_EDENIED);
		made_free(&m);
		/* the subject is a person's key */
		make(&m, &kg, "identity", "budi", HLC(MS_JAN, 1), NULL, a, 2, &body);
		assert_int_equal(accept_made(&m), KN_EBADREC);
		made_free(&m);
	}
	/* the fields Dapodik sets: NIP, status, Jenis PTK, satuan pendidikan */
	assert_int_equal(domain_user_parse(&u, G1.v.body), 0);
	{
		static const char *fixed[][2] = { { "nip", "198501012010011002" }, { "status", "PPPK" },
			{ "jenis_ptk", "Guru Mapel" }, { "satuan_pendidikan", "SD Negeri 2 Contoh" } };
		for (size_t i = 0; i < 4; i++) {
			d = dap;
			int k = domain_identity_field_index(fixed[i][0], strlen(fixed[i][0]));
			assert_true(k >= 0);
			assert_false(domain_identity_field_editable((size_t)k));
			assert_int_equal(domain_identity_field_set(&d, (size_t)k, fixed[i][1]), 0);
			domain_identity_input in = { &u, SCHOOL_NAME, NULL, &d, MS_JAN };
			assert_int_equal(domain_identity_decide(&b, &why, &in), KN_EDENIED);
			assert_string_equal(why.field, fixed[i][0]);
			assert_string_equal(why.code, "IDENTITAS_KOLOM_DAPODIK");
			assert_non_null(strstr(why.message, "Operator Sekolah"));
		}
	}
	/* the edited fields are well formed for the status */
	{
		static const char *bad[][2] = { { "nama", "B" }, { "golongan", "IX" }, { "jenjang", "Guru Ahli Super" },
			{ "pangkat", "Penata\x01" } };
		for (size_t i = 0; i < 4; i++) {
			d = dap;
			int k = domain_identity_field_index(bad[i][0], strlen(bad[i][0]));
			assert_int_equal(domain_identity_field_set(&d, (size_t)k, bad[i][1]), 0);
			domain_identity_input in = { &u, SCHOOL_NAME, NULL, &d, MS_JAN };
			assert_int_equal(domain_identity_decide(&b, &why, &in), KN_EINVAL);
			assert_string_equal(why.field, bad[i][0]);
		}
		/* a field longer than its place is refused, not cut */
		char longname[200];
		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		assert_int_equal(domain_identity_field_set(&d, 0, longname), KN_ETOOBIG);
	}
}

/* The identity body is strict: an unknown field, a missing one, a wrong type or edited list are refused. */
static void
test_identity__body_strict(void **state)
{
	domain_identity dap;
	domain_identity_body b, back;
	msgpack_unpacked up;
	size_t off;
	kn_buf tmp = KN_BUF_INIT;
	msgpack_packer pk;
	made m;
	(void)state;

	dapodik_budi(&dap);
	memset(&b, 0, sizeof(b));
	b.data = dap;
	b.nedited = 2;
	b.edited[0] = "nama";
	b.edited[1] = "jenjang";
	b.edit_ms = MS_JAN;
	kn_buf_clear(&body);
	assert_int_equal(domain_identity_body_pack(&body, &b), 0);
	off = 0;
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)body.ptr, body.len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(domain_identity_body_parse(&back, &up.data), 0);
	assert_memory_equal(&back.data, &b.data, sizeof(b.data));
	assert_int_equal(back.nedited, 2);
	assert_string_equal(back.edited[1], "jenjang");
	assert_int_equal(back.edit_ms, MS_JAN);

	/* unknown field refused: the body with one key more, accepted nowhere */
	msgpack_packer_init(&pk, &tmp, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, up.data.via.map.size + 1);
	for (uint32_t i = 0; i < up.data.via.map.size; i++) {
		msgpack_pack_object(&pk, up.data.via.map.ptr[i].key);
		msgpack_pack_object(&pk, up.data.via.map.ptr[i].val);
	}
	pack_s(&pk, "alamat");
	pack_s(&pk, "Jl. Merdeka 1");
	{
		msgpack_unpacked u2;
		size_t o2 = 0;
		msgpack_unpacked_init(&u2);
		assert_int_equal(msgpack_unpack_next(&u2, (const char *)tmp.ptr, tmp.len, &o2), MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(domain_identity_body_parse(&back, &u2.data), KN_EINVAL);
		assert_string_equal(kn_error_field(), "alamat");
		msgpack_unpacked_destroy(&u2);
	}
	{
		const made *a[2] = { &G1, &S };
		make(&m, &kg, "identity", kg.hex, HLC(MS_JAN, 1), NULL, a, 2, &tmp);
		assert_int_equal(accept_made(&m), KN_EINVAL);
		assert_string_equal(kn_error_field(), "alamat");
		made_free(&m);
	}
	/* a missing field: every one is shown, so every one is there */
	kn_buf_clear(&tmp);
	msgpack_packer_init(&pk, &tmp, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, up.data.via.map.size - 1);
	for (uint32_t i = 1; i < up.data.via.map.size; i++) {
		msgpack_pack_object(&pk, up.data.via.map.ptr[i].key);
		msgpack_pack_object(&pk, up.data.via.map.ptr[i].val);
	}
	{
		msgpack_unpacked u2;
		size_t o2 = 0;
		msgpack_unpacked_init(&u2);
		assert_int_equal(msgpack_unpack_next(&u2, (const char *)tmp.ptr, tmp.len, &o2), MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(domain_identity_body_parse(&back, &u2.data), KN_EINVAL);
		assert_string_equal(kn_error_field(), "nama");
		msgpack_unpacked_destroy(&u2);
	}
	msgpack_unpacked_destroy(&up);
	/* an edited list naming a field the person may not edit */
	b.nedited = 1;
	b.edited[0] = "nip";
	kn_buf_clear(&body);
	assert_int_equal(domain_identity_body_pack(&body, &b), 0);
	off = 0;
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)body.ptr, body.len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(domain_identity_body_parse(&back, &up.data), KN_EINVAL);
	assert_string_equal(kn_error_field(), "edited");
	msgpack_unpacked_destroy(&up);
	kn_buf_free(&tmp);
}

/* ---- who reads ---- */

/* Identity records: the person only. Eligibility: the person, the operator, the atasan; not a colleague. */
static void
test_identity__who_reads(void **state)
{
	domain_user o, k, g, g2;
	(void)state;

	assert_int_equal(domain_user_parse(&o, O1.v.body), 0);
	assert_int_equal(domain_user_parse(&k, K1.v.body), 0);
	assert_int_equal(domain_user_parse(&g, G1.v.body), 0);
	assert_int_equal(domain_user_parse(&g2, G2.v.body), 0);
	assert_int_equal(domain_record_may_read(&g, kg.pk, "identity", &g, kg.pk), 0);
	assert_int_equal(domain_record_may_read(&k, kk.pk, "identity", &g, kg.pk), KN_EDENIED);
	assert_int_equal(domain_record_may_read(&o, ko.pk, "identity", &g, kg.pk), KN_EDENIED);
	assert_int_equal(domain_record_may_read(&g2, kg2.pk, "identity", &g, kg.pk), KN_EDENIED);
	assert_int_equal(domain_eligibility_may_read(&g, kg.pk, &g, kg.pk), 0);
	assert_int_equal(domain_eligibility_may_read(&o, ko.pk, &g, kg.pk), 0);
	assert_int_equal(domain_eligibility_may_read(&k, kk.pk, &g, kg.pk), 0);
	assert_int_equal(domain_eligibility_may_read(&g2, kg2.pk, &g, kg.pk), KN_EDENIED);
	/* a deactivated reader reads nothing */
	g.active = 0;
	assert_int_equal(domain_eligibility_may_read(&g, kg.pk, &g, kg.pk), KN_EDENIED);
}

/*
 * A confirmation whose author was deactivated before it does not take
 * effect in the fold (domain_act_effective), wherever the revocation
 * arrived; one made before the deactivation does.
 */
static void
test_identity__act_effective(void **state)
{
	domain_identity dap;
	made c1, G1off;
	domain_rec versions[2];
	const made *a[1] = { &O1 };
	(void)state;

	dapodik_budi(&dap);
	assert_int_equal(confirm(&c1, &kg, &G1, &kg, NULL, &dap, HLC(MS_JAN, 1)), 0);
	user_body(&body, "Budi Santoso", "guru", "198501012010011001", "Guru Kelas", "", 0);
	make(&G1off, &ko, "user", kg.hex, HLC(MS_FEB, 1), &G1, a, 1, &body);
	versions[0] = G1.r;
	versions[1] = G1off.r;
	domain_rec auth[2] = { G1.r, S.r };
	assert_true(domain_act_effective(&c1.r, auth, 2, versions, 2));
	made_free(&G1off);
	make(&G1off, &ko, "user", kg.hex, HLC(MS_JAN, 0), &G1, a, 1, &body);
	versions[1] = G1off.r;
	assert_false(domain_act_effective(&c1.r, auth, 2, versions, 2));
	made_free(&G1off);
	made_free(&c1);
}

/*
 * The same records in any order give the same identity: a chain of three
 * confirmations (the one edit in the middle) and a second edit that the
 * rules refuse, put into fresh stores in time order, reversed and
 * shuffled; every store holds the same records and the same head.
 */
static void
test_identity__any_arrival_order(void **state)
{
	enum { N = 9 };
	made m[N];
	int want[N];
	domain_identity dap, d;
	char dir[64], doc[RECORD_DOC_KEY_MAX];
	unsigned seed = 7;
	(void)state;

	memcpy(&m[0], &S, sizeof(made));
	memcpy(&m[1], &O1, sizeof(made));
	memcpy(&m[2], &K1, sizeof(made));
	memcpy(&m[3], &G1, sizeof(made));
	memcpy(&m[4], &G2, sizeof(made));
	dapodik_budi(&dap);
	d = dap;
	assert_int_equal(confirm(&m[5], &kg, &G1, &kg, NULL, &d, HLC(MS_JAN, 1)), 0);
	snprintf(d.nama, sizeof(d.nama), "Budi Santoso, S.Pd.");
	assert_int_equal(confirm(&m[6], &kg, &G1, &kg, &m[5], &d, HLC(MS_JAN, 2)), 0);
	assert_int_equal(confirm(&m[7], &kg, &G1, &kg, &m[6], &d, HLC(MS_FEB, 1)), 0);
	{
		/* a second edit written anyway, its body claiming the edit is fresh */
		domain_identity_body f;
		const made *a[2] = { &G1, &S };
		memset(&f, 0, sizeof(f));
		f.data = d;
		snprintf(f.data.pangkat, sizeof(f.data.pangkat), "Penata");
		f.nedited = 1;
		f.edited[0] = "pangkat";
		f.edit_ms = MS_FEB;
		kn_buf_clear(&body);
		assert_int_equal(domain_identity_body_pack(&body, &f), 0);
		make(&m[8], &kg, "identity", kg.hex, HLC(MS_FEB, 2), &m[7], a, 2, &body);
	}
	for (int i = 0; i < N; i++)
		want[i] = i != 8;
	snprintf(doc, sizeof(doc), "identity/%s/%s", NPSN, kg.hex);
	for (int round = 0; round < 8; round++) {
		int order[N];
		store *st;
		store_hooks h;
		store_opts so = { 0, 1 };
		store_txn *t;
		store_stats ss;
		record_view head;

		for (int i = 0; i < N; i++)
			order[i] = round == 1 ? N - 1 - i : i;
		for (int i = N - 1; round > 1 && i > 0; i--) {
			int j = (int)(rand_r(&seed) % (unsigned)(i + 1)), tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-identity.XXXXXX"), 0);
		assert_int_equal(store_open(&st, dir, &so), 0);
		kd_rules_hooks(&h, NULL);
		store_set_hooks(st, &h);
		for (int i = 0; i < N; i++) {
			int rc = store_put(st, m[order[i]].raw.ptr, m[order[i]].raw.len, NULL);
			if (rc < 0 && want[order[i]])
				fail_msg("round %d: record %d refused: %s", round, order[i], kn_error_message());
			assert_true(rc == 0 || rc == 2 || !want[order[i]]);
		}
		assert_int_equal(store_stat(&ss, st), 0);
		assert_int_equal(ss.held, 0);
		assert_int_equal(ss.records, N - 1);
		assert_int_equal(store_read_begin(&t, st), 0);
		assert_int_equal(kd_doc_head(&head, t, doc), 0);
		assert_memory_equal(head.id, m[7].id, 32);
		record_view_free(&head);
		store_read_end(t);
		store_close(st);
		assert_int_equal(kntest_rm_rf(dir), 0);
	}
	for (int i = 5; i < N; i++)
		made_free(&m[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity__enrollment_fields),
		cmocka_unit_test(test_identity__eligibility_of_an_enrollment),
		cmocka_unit_test(test_identity__ineligible_plan_refused),
		cmocka_unit_test(test_identity__edited_once),
		cmocka_unit_test(test_identity__who_confirms_what),
		cmocka_unit_test(test_identity__body_strict),
		cmocka_unit_test(test_identity__who_reads),
		cmocka_unit_test(test_identity__act_effective),
		cmocka_unit_test(test_identity__any_arrival_order),
	};

	if (sodium_init() < 0)
		return 1;
	kn_log_init("test_identity", KN_LOG_ERROR, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
