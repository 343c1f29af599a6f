/*
 * test_domain.c - the acceptance rules of domain/ (accept.c, access.c),
 * each with the case it refuses, and the property they exist for: the same
 * records, arriving in any order, give the same stored set and the same
 * views, including a revocation that raced an act.
 *
 * Records are made for real (record_sign, record_open) with real keys, so
 * what the rules see is what a store sees.
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

#include "../../daemon/server.h"
#include "../../domain/domain.h"
#include "../../store/record.h"
#include "../../store/store.h"
#include "../../util/kn.h"
#include "../lib/kntest.h"

#define NPSN "20100001"
#define T0 (1760000000000ULL << 16) /* an hlc in 2025 */
#define NOW_MS (1760000000000ULL + 3600 * 1000)

typedef struct {
	uint8_t pk[32];
	unsigned char sk[64];
	char hex[65];
} key;

/* A made record: its bytes, its id and its verified view. */
typedef struct {
	kn_buf raw;
	uint8_t id[32];
	record_view v;
	domain_rec r;
} made;

static key ko, kg, kk, kx;

static void
key_new(key *k)
{
	crypto_sign_keypair(k->pk, k->sk);
	kn_hex(k->hex, k->pk, 32);
}

static void
to_rec(made *m)
{
	m->r = (domain_rec){ m->v.id, m->v.type, m->v.type_len, m->v.school, m->v.subject, m->v.subject_len, m->v.author,
		m->v.hlc, record_nparents(&m->v), m->v.body };
}

/* Sign and open a record. body is a packed map. */
static void
make(made *m, const key *author, const char *type, const char *school, const char *subject, uint64_t hlc,
    const made *parent, const made *auth, const kn_buf *body)
{
	uint8_t parents[1][32], auths[1][32];

	memset(m, 0, sizeof(*m));
	if (parent)
		memcpy(parents[0], parent->id, 32);
	if (auth)
		memcpy(auths[0], auth->id, 32);
	record_fields f = { type, school, subject, hlc, (const uint8_t(*)[32])parents, parent ? 1 : 0, body->ptr, body->len,
		(const uint8_t(*)[32])auths, auth ? 1 : 0 };
	assert_int_equal(record_sign(&m->raw, m->id, &f, author->pk, author->sk), 0);
	assert_int_equal(record_open(&m->v, m->raw.ptr, m->raw.len, NULL), 0);
	to_rec(m);
}

static void
made_free(made *m)
{
	record_view_free(&m->v);
	kn_buf_free(&m->raw);
}

static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void
school_body(kn_buf *b, const key *op)
{
	msgpack_packer pk;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "name");
	pack_s(&pk, "SD Negeri 1 Contoh");
	pack_s(&pk, "operator");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, op->pk, 32);
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
	pack_s(&pk, nip[0] == 'N' ? "NON_ASN" : "PNS");
	pack_s(&pk, nip[0] == 'N' ? "nuptk" : "nip");
	pack_s(&pk, nip[0] == 'N' ? nip + 1 : nip);
	pack_s(&pk, "active");
	if (active)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
}

static void
evidence_body(kn_buf *b, const char *commit, const char *blob)
{
	msgpack_packer pk;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 7);
	pack_s(&pk, "period");
	pack_s(&pk, "2025-2");
	pack_s(&pk, "commit");
	pack_s(&pk, commit);
	pack_s(&pk, "state");
	pack_s(&pk, "draf");
	pack_s(&pk, "action");
	pack_s(&pk, "upload");
	pack_s(&pk, "slot");
	pack_s(&pk, "rhk-1");
	pack_s(&pk, "name");
	pack_s(&pk, "sertifikat.pdf");
	pack_s(&pk, "blob");
	pack_s(&pk, blob);
}

static const domain_ctx ctx = { "", NOW_MS };

/* A school S, its operator's founding enrollment O1, a guru G1 and a principal K1. */
static made S, O1, G1, K1;
static kn_buf body;

static int
setup(void **state)
{
	(void)state;
	key_new(&ko);
	key_new(&kg);
	key_new(&kk);
	key_new(&kx);
	school_body(&body, &ko);
	make(&S, &ko, "school", NPSN, NPSN, T0 + 1, NULL, NULL, &body);
	user_body(&body, "Siti Aminah", "operator", "N1234567890123456", 1);
	make(&O1, &ko, "user", NPSN, ko.hex, T0 + 2, NULL, &S, &body);
	user_body(&body, "Budi Santoso", "guru", "198501012010011001", 1);
	make(&G1, &ko, "user", NPSN, kg.hex, T0 + 3, NULL, &O1, &body);
	user_body(&body, "Dewi Lestari", "kepala_sekolah", "197803152005012002", 1);
	make(&K1, &ko, "user", NPSN, kk.hex, T0 + 4, NULL, &O1, &body);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	made_free(&S);
	made_free(&O1);
	made_free(&G1);
	made_free(&K1);
	kn_buf_free(&body);
	return 0;
}

/* accept with one auth record (or none) and one parent (or none) */
static int
accept1(const made *m, const made *parent, const made *auth)
{
	return domain_record_accept(&ctx, &m->r, parent ? &parent->r : NULL, parent ? 1 : 0, auth ? &auth->r : NULL,
	    auth ? 1 : 0);
}

static void
test_domain__school_signed_by_its_operator(void **state)
{
	made m;
	(void)state;

	assert_int_equal(accept1(&S, NULL, NULL), 0);
	school_body(&body, &ko);
	make(&m, &kx, "school", NPSN, NPSN, T0 + 1, NULL, NULL, &body);
	assert_int_equal(accept1(&m, NULL, NULL), KN_EDENIED);
	assert_string_equal(kn_error_field(), "operator");
	made_free(&m);
	/* a new school names no auth */
	make(&m, &ko, "school", NPSN, NPSN, T0 + 5, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EDENIED);
	made_free(&m);
}

static void
test_domain__founding_enrollment(void **state)
{
	made m;
	(void)state;

	assert_int_equal(accept1(&O1, NULL, &S), 0);
	/* someone else cannot found the school's enrollments on its record */
	user_body(&body, "Penyusup", "operator", "N1234567890123457", 1);
	make(&m, &kx, "user", NPSN, kx.hex, T0 + 2, NULL, &S, &body);
	assert_int_equal(accept1(&m, NULL, &S), KN_EDENIED);
	made_free(&m);
	/* the founding operator enrolls as an operator, not as something else */
	user_body(&body, "Siti Aminah", "guru", "N1234567890123456", 1);
	make(&m, &ko, "user", NPSN, ko.hex, T0 + 2, NULL, &S, &body);
	assert_int_not_equal(accept1(&m, NULL, &S), 0);
	made_free(&m);
}

/* Mutation guard: the operator-only rule. */
static void
test_domain__only_an_operator_enrolls(void **state)
{
	made m;
	(void)state;

	assert_int_equal(accept1(&G1, NULL, &O1), 0);
	user_body(&body, "Orang Lain", "guru", "198501012010011009", 1);
	make(&m, &kg, "user", NPSN, kx.hex, T0 + 10, NULL, &G1, &body);
	assert_int_equal(accept1(&m, NULL, &G1), KN_EDENIED);
	assert_non_null(strstr(kn_error_message(), "Operator Sekolah"));
	made_free(&m);
	/* nor a principal */
	make(&m, &kk, "user", NPSN, kx.hex, T0 + 10, NULL, &K1, &body);
	assert_int_equal(accept1(&m, NULL, &K1), KN_EDENIED);
	made_free(&m);
	/* nor someone naming no enrollment, or two */
	make(&m, &ko, "user", NPSN, kx.hex, T0 + 10, NULL, NULL, &body);
	assert_int_equal(accept1(&m, NULL, NULL), KN_EDENIED);
	made_free(&m);
	/* nor by naming another person's enrollment as its own */
	make(&m, &kg, "user", NPSN, kx.hex, T0 + 10, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EDENIED);
	assert_string_equal(kn_error_field(), "auth");
	made_free(&m);
	/* a deactivated operator has no right */
	made o2;
	user_body(&body, "Siti Aminah", "operator", "N1234567890123456", 0);
	make(&o2, &kx, "user", NPSN, ko.hex, T0 + 8, &O1, NULL, &body);
	user_body(&body, "Orang Lain", "guru", "198501012010011009", 1);
	make(&m, &ko, "user", NPSN, kx.hex, T0 + 10, NULL, &o2, &body);
	assert_int_equal(accept1(&m, NULL, &o2), KN_EDENIED);
	made_free(&m);
	made_free(&o2);
}

/* Mutation guard: the no-self-demotion rule. */
static void
test_domain__no_self_demotion(void **state)
{
	made m;
	(void)state;

	user_body(&body, "Siti Aminah", "operator", "N1234567890123456", 0);
	make(&m, &ko, "user", NPSN, ko.hex, T0 + 10, &O1, &O1, &body);
	assert_int_equal(accept1(&m, &O1, &O1), KN_EDENIED);
	assert_string_equal(kn_error_field(), "user");
	made_free(&m);
	user_body(&body, "Siti Aminah", "guru", "N1234567890123456", 1);
	make(&m, &ko, "user", NPSN, ko.hex, T0 + 10, &O1, &O1, &body);
	assert_int_equal(accept1(&m, &O1, &O1), KN_EDENIED);
	made_free(&m);
	/* renaming oneself is fine */
	user_body(&body, "Siti Aminah, S.Pd.", "operator", "N1234567890123456", 1);
	make(&m, &ko, "user", NPSN, ko.hex, T0 + 10, &O1, &O1, &body);
	assert_int_equal(accept1(&m, &O1, &O1), 0);
	made_free(&m);
}

/* Mutation guard: lineage. */
static void
test_domain__lineage(void **state)
{
	made m;
	(void)state;

	/* a change of G's enrollment may not name K's enrollment as the version it replaces */
	user_body(&body, "Budi Santoso", "guru", "198501012010011001", 0);
	make(&m, &ko, "user", NPSN, kg.hex, T0 + 10, &K1, &O1, &body);
	assert_int_equal(accept1(&m, &K1, &O1), KN_ESTATE);
	assert_string_equal(kn_error_field(), "parents");
	made_free(&m);
	/* nor replace a version newer than itself */
	make(&m, &ko, "user", NPSN, kg.hex, T0 + 2, &G1, &O1, &body);
	assert_int_equal(accept1(&m, &G1, &O1), KN_ESTATE);
	made_free(&m);
	make(&m, &ko, "user", NPSN, kg.hex, T0 + 10, &G1, &O1, &body);
	assert_int_equal(accept1(&m, &G1, &O1), 0);
	made_free(&m);
}

/* Mutation guard: dates. */
static void
test_domain__future_dates(void **state)
{
	made m;
	uint64_t day = 24ull * 3600 * 1000;
	(void)state;

	user_body(&body, "Orang Lain", "guru", "198501012010011009", 1);
	make(&m, &ko, "user", NPSN, kx.hex, (NOW_MS + day + 60000) << 16, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EBADREC);
	assert_string_equal(kn_error_field(), "hlc");
	made_free(&m);
	make(&m, &ko, "user", NPSN, kx.hex, (NOW_MS + day - 60000) << 16, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), 0);
	made_free(&m);
	/* the enrollment it names must be older than the act */
	make(&m, &ko, "user", NPSN, kx.hex, O1.r.hlc, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EDENIED);
	made_free(&m);
}

static void
test_domain__one_school_per_store(void **state)
{
	domain_ctx other = { "20100002", NOW_MS };
	(void)state;

	assert_int_equal(domain_record_accept(&other, &G1.r, NULL, 0, &O1.r, 1), KN_EDENIED);
	assert_string_equal(kn_error_field(), "npsn");
	domain_ctx same = { NPSN, NOW_MS };
	assert_int_equal(domain_record_accept(&same, &G1.r, NULL, 0, &O1.r, 1), 0);
}

static void
test_domain__evidence_by_its_owner(void **state)
{
	made m;
	char subj[80];
	(void)state;

	snprintf(subj, sizeof(subj), "%s.2025-2", kg.hex);
	evidence_body(&body, "0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef");
	make(&m, &kg, "evidence", NPSN, subj, T0 + 10, NULL, &G1, &body);
	assert_int_equal(accept1(&m, NULL, &G1), 0);
	made_free(&m);
	/* the principal does not upload a teacher's Bukti Dukung */
	make(&m, &kk, "evidence", NPSN, subj, T0 + 10, NULL, &K1, &body);
	assert_int_equal(accept1(&m, NULL, &K1), KN_EDENIED);
	made_free(&m);
	/* the operator has none of their own */
	snprintf(subj, sizeof(subj), "%s.2025-2", ko.hex);
	make(&m, &ko, "evidence", NPSN, subj, T0 + 10, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EDENIED);
	made_free(&m);
	/* the subject's period is the body's */
	snprintf(subj, sizeof(subj), "%s.2026-1", kg.hex);
	make(&m, &kg, "evidence", NPSN, subj, T0 + 10, NULL, &G1, &body);
	assert_int_equal(accept1(&m, NULL, &G1), KN_EBADREC);
	made_free(&m);
}

static void
test_domain__unknown_type(void **state)
{
	made m;
	(void)state;

	user_body(&body, "x", "guru", "N1234567890123456", 1);
	make(&m, &ko, "nilai", NPSN, "x", T0 + 10, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EBADREC);
	made_free(&m);
}

/* A revocation and an act that raced: the act counts only if the right still held just before it. */
static void
test_domain__act_effective(void **state)
{
	made g2, ev;
	char subj[80];
	(void)state;

	user_body(&body, "Budi Santoso", "guru", "198501012010011001", 0);
	make(&g2, &ko, "user", NPSN, kg.hex, T0 + 20, &G1, &O1, &body);
	snprintf(subj, sizeof(subj), "%s.2025-2", kg.hex);
	evidence_body(&body, "0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef");
	make(&ev, &kg, "evidence", NPSN, subj, T0 + 30, NULL, &G1, &body);
	/* accepted: the enrollment it names gave the right */
	assert_int_equal(accept1(&ev, NULL, &G1), 0);
	domain_rec both[2] = { G1.r, g2.r };
	assert_false(domain_act_effective(&ev.r, &G1.r, 1, both, 2));
	assert_true(domain_act_effective(&ev.r, &G1.r, 1, both, 1));
	/* an act before the revocation stays in force */
	made early;
	make(&early, &kg, "evidence", NPSN, subj, T0 + 15, NULL, &G1, &body);
	assert_true(domain_act_effective(&early.r, &G1.r, 1, both, 2));
	/* the founding enrollment and a new school rest on the school record */
	assert_true(domain_act_effective(&O1.r, &S.r, 1, NULL, 0));
	assert_true(domain_act_effective(&S.r, NULL, 0, NULL, 0));
	made_free(&g2);
	made_free(&ev);
	made_free(&early);
}

/* Access: who reads what (access.c). */
static void
test_domain__access(void **state)
{
	domain_user op = { .role = "operator", .active = 1 }, g = { .role = "guru", .active = 1 },
		    g2 = { .role = "guru", .active = 1 }, ks = { .role = "kepala_sekolah", .active = 1 },
		    off = { .role = "guru", .active = 0 };
	uint8_t a[32] = { 1 }, b[32] = { 2 }, c[32] = { 3 }, d[32] = { 4 };
	(void)state;

	assert_int_equal(domain_person_may_read(&g, a, &g, a), 0);
	assert_int_equal(domain_person_may_read(&g, a, &g2, b), KN_EDENIED);
	assert_int_equal(domain_person_may_read(&ks, c, &g, a), 0);
	assert_int_equal(domain_person_may_read(&op, d, &g, a), KN_EDENIED);
	assert_int_equal(domain_person_may_read(&off, a, &off, a), KN_EDENIED);
	assert_int_equal(domain_record_may_read(&op, d, "user", &g, a), 0);
	assert_int_equal(domain_record_may_read(&g, a, "user", &g2, b), KN_EDENIED);
	assert_int_equal(domain_record_may_read(&op, d, "evidence", &g, a), KN_EDENIED);
	assert_int_equal(domain_record_may_read(&g, a, "school", NULL, NULL), 0);
	assert_int_equal(domain_record_may_read(&g, a, "nilai", NULL, NULL), KN_EDENIED);
	assert_int_equal(domain_may_administer(&op), 0);
	assert_int_equal(domain_may_administer(&ks), KN_EDENIED);
	assert_int_equal(domain_may_list_people(&g), KN_EDENIED);
	assert_int_equal(domain_may_keep_evidence(&op), KN_EDENIED);
	assert_int_equal(domain_may_use(NULL), KN_EDENIED);
}

/*
 * Fold order: the same records put into fresh stores (with the daemon's
 * rules) in many shuffled orders give the same stored set and the same
 * views. The set holds a revocation that raced an upload, and a record
 * the rules refuse.
 */
static void
test_domain__any_arrival_order(void **state)
{
	enum { N = 9 };
	made m[N];
	char subj[80], dir[64];
	uint8_t want_set[N];
	(void)state;

	memcpy(&m[0], &S, sizeof(made));
	memcpy(&m[1], &O1, sizeof(made));
	memcpy(&m[2], &G1, sizeof(made));
	memcpy(&m[3], &K1, sizeof(made));
	snprintf(subj, sizeof(subj), "%s.2025-2", kg.hex);
	evidence_body(&body, "0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef");
	make(&m[4], &kg, "evidence", NPSN, subj, T0 + 10, NULL, &G1, &body);
	evidence_body(&body, "1123456789abcdef0123456789abcdef01234567", "99abcdef0123456789abcdef0123456789abcdef");
	make(&m[5], &kg, "evidence", NPSN, subj, T0 + 12, &m[4], &G1, &body);
	user_body(&body, "Budi Santoso", "guru", "198501012010011001", 0);
	make(&m[6], &ko, "user", NPSN, kg.hex, T0 + 20, &G1, &O1, &body); /* G deactivated */
	evidence_body(&body, "2123456789abcdef0123456789abcdef01234567", "a9abcdef0123456789abcdef0123456789abcdef");
	make(&m[7], &kg, "evidence", NPSN, subj, T0 + 30, &m[5], &G1, &body); /* raced: made offline after */
	user_body(&body, "Orang Lain", "guru", "198501012010011009", 1);
	make(&m[8], &kg, "user", NPSN, kx.hex, T0 + 31, NULL, &G1, &body); /* a guru enrolling: refused */
	for (int i = 0; i < N; i++)
		want_set[i] = i != 8;

	char first_view[2][65] = { "", "" };
	unsigned seed = 7;
	for (int round = 0; round < 24; round++) {
		int order[N];
		for (int i = 0; i < N; i++)
			order[i] = i;
		for (int i = N - 1; round > 0 && i > 0; i--) {
			int j = (int)(rand_r(&seed) % (unsigned)(i + 1));
			int tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		store *st;
		store_hooks h;
		assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-domain.XXXXXX"), 0);
		store_opts so = { 0, 1 };
		assert_int_equal(store_open(&st, dir, &so), 0);
		kd_rules_hooks(&h, NULL);
		store_set_hooks(st, &h);
		for (int i = 0; i < N; i++) {
			int rc = store_put(st, m[order[i]].raw.ptr, m[order[i]].raw.len, NULL);
			assert_true(rc == 0 || rc == 2 || (order[i] == 8 && rc == KN_EDENIED));
		}
		store_stats ss;
		assert_int_equal(store_stat(&ss, st), 0);
		assert_int_equal(ss.held, 0);
		assert_int_equal(ss.records, N - 1);
		store_txn *t;
		assert_int_equal(store_read_begin(&t, st), 0);
		for (int i = 0; i < N; i++) {
			const uint8_t *rec;
			size_t len;
			assert_int_equal(store_txn_get(&rec, &len, t, m[i].id) == 0, want_set[i]);
		}
		/* views: the guru's enrollment is the deactivated one; his files are as before the revocation */
		domain_user u;
		assert_int_equal(kd_user_lookup(&u, t, NPSN, kg.pk), 0);
		assert_false(u.active);
		record_view head;
		char doc[RECORD_DOC_KEY_MAX], hx[2][65];
		snprintf(doc, sizeof(doc), "evidence/%s/%s", NPSN, subj);
		assert_int_equal(kd_doc_head(&head, t, doc), 0);
		assert_memory_equal(head.id, m[5].id, 32);
		kn_hex(hx[0], head.id, 32);
		record_view_free(&head);
		snprintf(doc, sizeof(doc), "user/%s/%s", NPSN, kg.hex);
		assert_int_equal(kd_doc_head(&head, t, doc), 0);
		kn_hex(hx[1], head.id, 32);
		record_view_free(&head);
		if (round == 0) {
			memcpy(first_view, hx, sizeof(hx));
		} else {
			assert_string_equal(first_view[0], hx[0]);
			assert_string_equal(first_view[1], hx[1]);
		}
		store_read_end(t);
		store_close(st);
		assert_int_equal(kntest_rm_rf(dir), 0);
	}
	for (int i = 4; i < N; i++)
		made_free(&m[i]);
}

/* kd_doc_head (the index) and kd_doc_head_fold (the fold) of doc agree: same answer, same version. */
static void
assert_head_is_fold(store_txn *t, const char *doc, int round)
{
	record_view a, b;
	int ra = kd_doc_head(&a, t, doc), rb = kd_doc_head_fold(&b, t, doc);

	if (ra != rb)
		fail_msg("round %d: %s: the index says %d, the fold %d", round, doc, ra, rb);
	if (ra == 0 && memcmp(a.id, b.id, 32) != 0)
		fail_msg("round %d: %s: the index and the fold name different versions", round, doc);
	if (ra == 0) {
		record_view_free(&a);
		record_view_free(&b);
	}
}

/*
 * The index of current versions ("h/", kept by the index hook) is the
 * fold over the records stored, whatever order they arrive in: compared
 * document by document with kd_doc_head_fold after shuffled arrivals.
 * The set has a revocation that reaches two steps down: a second operator
 * O2 enrolls a guru G3 (T0+8) after O1 had deactivated O2 (T0+6), so
 * neither G3's enrollment nor G3's upload (T0+12) takes effect, and
 * arriving last, the deactivation must reach G3's files through G3's
 * enrollment. Also: the raced revocation of test_domain__any_arrival_order,
 * and an index built afterwards from the records (kd_rules_index_rebuild)
 * on a store that had none.
 */
static void
test_domain__head_index_is_the_fold(void **state)
{
	enum { N = 12 };
	made m[N];
	char subj[80], subj3[80], dir[64], docs[N][RECORD_DOC_KEY_MAX];
	key ko2, kg3;
	unsigned seed = 5;
	(void)state;

	key_new(&ko2);
	key_new(&kg3);
	memcpy(&m[0], &S, sizeof(made));
	memcpy(&m[1], &O1, sizeof(made));
	memcpy(&m[2], &G1, sizeof(made));
	memcpy(&m[3], &K1, sizeof(made));
	snprintf(subj, sizeof(subj), "%s.2025-2", kg.hex);
	snprintf(subj3, sizeof(subj3), "%s.2025-2", kg3.hex);
	evidence_body(&body, "0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef");
	make(&m[4], &kg, "evidence", NPSN, subj, T0 + 10, NULL, &G1, &body);
	user_body(&body, "Budi Santoso", "guru", "198501012010011001", 0);
	make(&m[5], &ko, "user", NPSN, kg.hex, T0 + 20, &G1, &O1, &body); /* G deactivated */
	evidence_body(&body, "2123456789abcdef0123456789abcdef01234567", "a9abcdef0123456789abcdef0123456789abcdef");
	make(&m[6], &kg, "evidence", NPSN, subj, T0 + 30, &m[4], &G1, &body); /* raced: made offline after */
	user_body(&body, "Rina Wati", "operator", "N2234567890123456", 1);
	make(&m[7], &ko, "user", NPSN, ko2.hex, T0 + 5, NULL, &O1, &body);  /* O2 */
	user_body(&body, "Rina Wati", "operator", "N2234567890123456", 0);
	make(&m[8], &ko, "user", NPSN, ko2.hex, T0 + 6, &m[7], &O1, &body); /* O2 deactivated by O1 */
	user_body(&body, "Joko Susilo", "guru", "198701012012011004", 1);
	make(&m[9], &ko2, "user", NPSN, kg3.hex, T0 + 8, NULL, &m[7], &body); /* G3, by O2 */
	evidence_body(&body, "3123456789abcdef0123456789abcdef01234567", "b9abcdef0123456789abcdef0123456789abcdef");
	make(&m[10], &kg3, "evidence", NPSN, subj3, T0 + 12, NULL, &m[9], &body); /* G3's upload */
	user_body(&body, "Dewi Lestari", "kepala_sekolah", "197803152005012002", 1);
	make(&m[11], &ko, "user", NPSN, kk.hex, T0 + 7, &K1, &O1, &body);  /* K edited: nothing changes */
	for (int i = 0; i < N; i++)
		record_doc_key(docs[i], &m[i].v);

	for (int round = 0; round < 32; round++) {
		int order[N];
		store *st;
		store_hooks h;
		store_opts so = { 0, 1 };
		store_txn *t;
		record_view v;

		/* in time order; the deactivation of O2 last; reversed; then shuffled */
		for (int i = 0; i < N; i++)
			order[i] = round == 2 ? N - 1 - i : i;
		if (round == 1) {
			for (int i = 8; i < N - 1; i++)
				order[i] = i + 1;
			order[N - 1] = 8;
		}
		for (int i = N - 1; round > 2 && i > 0; i--) {
			int j = (int)(rand_r(&seed) % (unsigned)(i + 1)), tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-domain.XXXXXX"), 0);
		assert_int_equal(store_open(&st, dir, &so), 0);
		kd_rules_hooks(&h, NULL);
		if (round == 3)
			h.index = NULL; /* a store written before the index: built afterwards */
		store_set_hooks(st, &h);
		for (int i = 0; i < N; i++) {
			int rc = store_put(st, m[order[i]].raw.ptr, m[order[i]].raw.len, NULL);
			if (rc != 0 && rc != 2)
				fail_msg("round %d: record %d: %s", round, order[i], kn_error_message());
		}
		if (round == 3) {
			assert_int_equal(store_read_begin(&t, st), 0);
			assert_int_equal(kd_doc_head(&v, t, docs[4]), KN_ENOTFOUND);
			store_read_end(t);
			assert_int_equal(kd_rules_index_rebuild(st), 0);
		}
		assert_int_equal(store_read_begin(&t, st), 0);
		for (int i = 0; i < N; i++)
			assert_head_is_fold(t, docs[i], round);
		/* and the fold is what the rules say */
		assert_int_equal(kd_doc_head(&v, t, docs[4]), 0);
		assert_memory_equal(v.id, m[4].id, 32);
		record_view_free(&v);
		assert_int_equal(kd_doc_head(&v, t, docs[7]), 0);
		assert_memory_equal(v.id, m[8].id, 32);
		record_view_free(&v);
		assert_int_equal(kd_doc_head(&v, t, docs[9]), KN_ENOTFOUND);
		assert_int_equal(kd_doc_head(&v, t, docs[10]), KN_ENOTFOUND);
		assert_int_equal(kd_doc_head(&v, t, docs[11]), 0);
		assert_memory_equal(v.id, m[11].id, 32);
		record_view_free(&v);
		store_read_end(t);
		store_close(st);
		assert_int_equal(kntest_rm_rf(dir), 0);
	}
	for (int i = 4; i < N; i++)
		made_free(&m[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain__school_signed_by_its_operator),
		cmocka_unit_test(test_domain__founding_enrollment),
		cmocka_unit_test(test_domain__only_an_operator_enrolls),
		cmocka_unit_test(test_domain__no_self_demotion),
		cmocka_unit_test(test_domain__lineage),
		cmocka_unit_test(test_domain__future_dates),
		cmocka_unit_test(test_domain__one_school_per_store),
		cmocka_unit_test(test_domain__evidence_by_its_owner),
		cmocka_unit_test(test_domain__unknown_type),
		cmocka_unit_test(test_domain__act_effective),
		cmocka_unit_test(test_domain__access),
		cmocka_unit_test(test_domain__any_arrival_order),
		cmocka_unit_test(test_domain__head_index_is_the_fold),
	};

	if (sodium_init() < 0)
		return 1;
	kn_log_init("test_domain", KN_LOG_ERROR, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
