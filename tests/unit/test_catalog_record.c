/*
 * test_catalog_record.c - catalogs as records: the acceptance rule of the
 * "catalog" type (domain/accept.c), who reads them (domain/access.c), and
 * the daemon's reading of them from a store (kd_catalog_get, its cache and
 * its index, daemon/catalog.c).
 *
 * Records are made for real (record_sign, record_open) with real keys and
 * the shipped catalog file (catalog/pmm-2024.1.json, read from the
 * repository root where scripts/run-tests.sh runs the tests, or from
 * $KINERJA_CATALOG), so what the rules see is what a store sees.
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
#include "../../store/record.h"
#include "../../store/store.h"
#include "../../util/kn.h"
#include "../lib/kntest.h"
#include "../lib/recmake.h"

typedef kt_key key;
typedef kt_made made;
#define key_new kt_key_new
#define made_free kt_made_free
#define pack_s kt_pack_s

#define CATALOG_FILE "catalog/pmm-2024.1.json"
#define CATALOG_VERSION "70afff776e750a084f6ce4c6c50539ac4f8184bf31793f43a192947f86c48ead"
#define NPSN "20100001"
#define T0 (1760000000000ULL << 16) /* an hlc in 2025 */
#define NOW_MS (1760000000000ULL + 3600 * 1000)

static key ko, kg;
static made S, O1, G1;
static kn_buf body;
static char *shipped;
static size_t shipped_len;
static const domain_ctx ctx = { NPSN, NOW_MS };

/* Sign and open a record of this school naming one auth record at most (tests/lib/recmake.c). */
static void
make(made *m, const key *author, const char *type, const char *subject, uint64_t hlc, const made *parent,
    const made *auth, const kn_buf *b)
{
	const made *a[1] = { auth };

	kt_make(m, NPSN, author, type, subject, hlc, parent, auth ? a : NULL, auth ? 1 : 0, b);
}

/* {"name", "operator"} of the school. */
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

/* An enrollment with a NUPTK. */
static void
user_body(kn_buf *b, const char *name, const char *role, const char *nuptk, int active)
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
	pack_s(&pk, "NON_ASN");
	pack_s(&pk, "nuptk");
	pack_s(&pk, nuptk);
	pack_s(&pk, "active");
	if (active)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
}

/* The body of a catalog record: {"json": bytes}. */
static void
catalog_body(kn_buf *b, const char *json, size_t len)
{
	msgpack_packer pk;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 1);
	pack_s(&pk, "json");
	msgpack_pack_bin(&pk, len);
	msgpack_pack_bin_body(&pk, json, len);
}

/* The shipped text with its one occurrence of from replaced by to (malloc'd). */
static char *
variant(const char *from, const char *to)
{
	const char *at = strstr(shipped, from);
	size_t nf = strlen(from), nt = strlen(to);
	char *out;

	assert_non_null(at);
	out = malloc(shipped_len - nf + nt + 1);
	assert_non_null(out);
	memcpy(out, shipped, (size_t)(at - shipped));
	memcpy(out + (at - shipped), to, nt);
	strcpy(out + (at - shipped) + nt, at + nf);
	return out;
}

/* Read the shipped catalog and make a school S, its operator O1 and a guru G1. */
static int
setup(void **state)
{
	const char *path = getenv("KINERJA_CATALOG") ? getenv("KINERJA_CATALOG") : CATALOG_FILE;
	FILE *f = fopen(path, "rb");
	long n;

	(void)state;
	if (f == NULL) {
		fprintf(stderr, "test_catalog_record: cannot open %s (run from the repository root or set KINERJA_CATALOG)\n",
		    path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (shipped = malloc((size_t)n + 1)) == NULL || fread(shipped, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -1;
	}
	fclose(f);
	shipped[n] = '\0';
	shipped_len = (size_t)n;
	key_new(&ko);
	key_new(&kg);
	school_body(&body);
	make(&S, &ko, "school", NPSN, T0 + 1, NULL, NULL, &body);
	user_body(&body, "Siti Aminah", "operator", "1234567890123456", 1);
	make(&O1, &ko, "user", ko.hex, T0 + 2, NULL, &S, &body);
	user_body(&body, "Budi Santoso", "guru", "1234567890123457", 1);
	make(&G1, &ko, "user", kg.hex, T0 + 3, NULL, &O1, &body);
	return 0;
}

/* Free the fixtures, and the daemon's cache of parsed catalogs. */
static int
teardown(void **state)
{
	(void)state;
	made_free(&S);
	made_free(&O1);
	made_free(&G1);
	kn_buf_free(&body);
	free(shipped);
	kd_catalog_cache_clear();
	return 0;
}

/* domain_record_accept with at most one parent and one auth record. */
static int
accept1(const made *m, const made *parent, const made *auth)
{
	return domain_record_accept(&ctx, &m->r, parent ? &parent->r : NULL, parent ? 1 : 0, auth ? &auth->r : NULL,
	    auth ? 1 : 0);
}

/* The shipped file, signed by the operator on their enrollment: accepted. */
static void
test_catalog_record__accepted(void **state)
{
	made m;
	(void)state;

	catalog_body(&body, shipped, shipped_len);
	make(&m, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), 0);
	made_free(&m);
}

/* One byte more in the JSON (same content to a reader) under the old version: refused, the subject named. */
static void
test_catalog_record__altered_json_refused(void **state)
{
	char *text = variant("\"format\": 1,", "\"format\": 1, ");
	made m;
	(void)state;

	catalog_body(&body, text, strlen(text));
	make(&m, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EBADREC);
	assert_string_equal(kn_error_field(), "subject");
	made_free(&m);
	/* under its own version the altered copy is a catalog of its own */
	char v[65];
	assert_int_equal(domain_catalog_version(v, (const uint8_t *)text, strlen(text)), 0);
	make(&m, &ko, "catalog", v, T0 + 10, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), 0);
	made_free(&m);
	free(text);
}

/* Bytes that are not a catalog are refused even under their own version; so is a body of another shape. */
static void
test_catalog_record__bad_json_refused(void **state)
{
	static const char *const bad[] = { "{\"format\": 1,", "[]", "{\"format\": 1, \"name\": \"x\"}" };
	char v[65];
	made m;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(domain_catalog_version(v, (const uint8_t *)bad[i], strlen(bad[i])), 0);
		catalog_body(&body, bad[i], strlen(bad[i]));
		make(&m, &ko, "catalog", v, T0 + 10, NULL, &O1, &body);
		assert_int_equal(accept1(&m, NULL, &O1), KN_EINVAL);
		made_free(&m);
	}
	/* a str instead of bin, or an extra key */
	msgpack_packer pk;
	kn_buf_clear(&body);
	msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "json");
	msgpack_pack_bin(&pk, shipped_len);
	msgpack_pack_bin_body(&pk, shipped, shipped_len);
	pack_s(&pk, "note");
	pack_s(&pk, "x");
	make(&m, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EBADREC);
	assert_string_equal(kn_error_field(), "json");
	made_free(&m);
	kn_buf_clear(&body);
	msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 1);
	pack_s(&pk, "json");
	msgpack_pack_str(&pk, shipped_len);
	msgpack_pack_str_body(&pk, shipped, shipped_len);
	make(&m, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EBADREC);
	made_free(&m);
}

/* A guru (or a deactivated operator, or nobody) may not add a catalog. */
static void
test_catalog_record__guru_refused(void **state)
{
	made m, o2;
	(void)state;

	catalog_body(&body, shipped, shipped_len);
	make(&m, &kg, "catalog", CATALOG_VERSION, T0 + 10, NULL, &G1, &body);
	assert_int_equal(accept1(&m, NULL, &G1), KN_EDENIED);
	assert_non_null(strstr(kn_error_message(), "Operator Sekolah"));
	made_free(&m);
	/* nor by naming the operator's enrollment as their own */
	make(&m, &kg, "catalog", CATALOG_VERSION, T0 + 10, NULL, &O1, &body);
	assert_int_equal(accept1(&m, NULL, &O1), KN_EDENIED);
	assert_string_equal(kn_error_field(), "auth");
	made_free(&m);
	/* nor naming no enrollment at all */
	make(&m, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, NULL, &body);
	assert_int_equal(accept1(&m, NULL, NULL), KN_EDENIED);
	made_free(&m);
	/* an operator deactivated (by another operator, kg here) no longer may */
	user_body(&body, "Siti Aminah", "operator", "1234567890123456", 0);
	make(&o2, &kg, "user", ko.hex, T0 + 8, &O1, NULL, &body);
	catalog_body(&body, shipped, shipped_len);
	make(&m, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, &o2, &body);
	assert_int_equal(accept1(&m, NULL, &o2), KN_EDENIED);
	made_free(&m);
	made_free(&o2);
}

/* A catalog version never changes: a record naming a parent is refused. */
static void
test_catalog_record__never_replaced(void **state)
{
	made first, again;
	(void)state;

	catalog_body(&body, shipped, shipped_len);
	make(&first, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, &O1, &body);
	make(&again, &ko, "catalog", CATALOG_VERSION, T0 + 11, &first, &O1, &body);
	assert_int_equal(accept1(&again, &first, &O1), KN_EBADREC);
	assert_string_equal(kn_error_field(), "parents");
	made_free(&first);
	made_free(&again);
}

/* The fold and reading: the act counts while its author was an operator; every member reads it. */
static void
test_catalog_record__effective_and_readable(void **state)
{
	made m, o2;
	domain_user g = { .role = "guru", .active = 1 };
	uint8_t a[32] = { 1 };
	(void)state;

	user_body(&body, "Siti Aminah", "operator", "1234567890123456", 0);
	make(&o2, &kg, "user", ko.hex, T0 + 20, &O1, NULL, &body);
	catalog_body(&body, shipped, shipped_len);
	make(&m, &ko, "catalog", CATALOG_VERSION, T0 + 30, NULL, &O1, &body);
	domain_rec both[2] = { O1.r, o2.r };
	assert_true(domain_act_effective(&m.r, &O1.r, 1, both, 1));
	assert_false(domain_act_effective(&m.r, &O1.r, 1, both, 2));
	assert_int_equal(domain_record_may_read(&g, a, "catalog", NULL, NULL), 0);
	made_free(&m);
	made_free(&o2);
}

/* A fresh store with the daemon's rules, in a new directory (dir holds 64). */
static store *
store_new(char *dir)
{
	store_opts so = { 0, 1 };
	store_hooks h;
	store *st;

	assert_int_equal(kntest_tmpdir(dir, 64, "/tmp/kinerja-catalog.XXXXXX"), 0);
	assert_int_equal(store_open(&st, dir, &so), 0);
	kd_rules_hooks(&h, NULL);
	store_set_hooks(st, &h);
	return st;
}

/* Close a store_new() store and remove its directory. */
static void
store_done(store *st, const char *dir)
{
	store_close(st);
	assert_int_equal(kntest_rm_rf(dir), 0);
}

/* Put a record into st: it must be stored (or held, waiting for what it names). */
static void
put(store *st, const made *m)
{
	int rc = store_put(st, m->raw.ptr, m->raw.len, NULL);

	if (rc < 0)
		fprintf(stderr, "store_put: %s\n", kn_error_message());
	assert_true(rc == 0 || rc == 2);
}

/*
 * kd_catalog_get reads what the store holds: a named version, or the
 * newest (by the time of its record, whatever order they arrived in),
 * and says so when there is none.
 */
static void
test_catalog_record__store_get(void **state)
{
	char *text = variant("\"format\": 1,", "\"format\": 1, ");
	char dir[64], v2[65], got[65];
	made a, b;
	(void)state;

	assert_int_equal(domain_catalog_version(v2, (const uint8_t *)text, strlen(text)), 0);
	catalog_body(&body, shipped, shipped_len);
	make(&a, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, &O1, &body);
	catalog_body(&body, text, strlen(text));
	make(&b, &ko, "catalog", v2, T0 + 20, NULL, &O1, &body);
	for (int order = 0; order < 2; order++) {
		store *st = store_new(dir);
		store_txn *t;
		domain_catalog *c = (domain_catalog *)1;
		put(st, &S);
		put(st, &O1);
		assert_int_equal(store_read_begin(&t, st), 0);
		assert_int_equal(kd_catalog_get(&c, got, t, NPSN, NULL), KN_ENOTFOUND);
		assert_null(c);
		assert_string_equal(kn_error_field(), "catalog");
		assert_non_null(strstr(kn_error_message(), "catalog add"));
		store_read_end(t);
		put(st, order ? &b : &a);
		put(st, order ? &a : &b);
		assert_int_equal(store_read_begin(&t, st), 0);
		/* the newest: b, made later, whichever came first */
		assert_int_equal(kd_catalog_get(&c, got, t, NPSN, ""), 0);
		assert_string_equal(got, v2);
		assert_string_equal(c->version, v2);
		domain_catalog_free(c);
		/* a named version */
		assert_int_equal(kd_catalog_get(&c, got, t, NPSN, CATALOG_VERSION), 0);
		assert_string_equal(got, CATALOG_VERSION);
		assert_string_equal(c->name, "pmm-2024.1");
		assert_int_equal(c->nsub, 8);
		domain_catalog_free(c);
		assert_int_equal(kd_catalog_get(&c, NULL, t, NPSN, CATALOG_VERSION), 0);
		domain_catalog_free(c);
		/* one that is not here, and one that is no version at all */
		assert_int_equal(kd_catalog_get(&c, got, t, NPSN, "00000000000000000000000000000000000000000000000000000000000000ff"), KN_ENOTFOUND);
		assert_string_equal(kn_error_field(), "version");
		assert_int_equal(kd_catalog_get(&c, got, t, NPSN, "70afff77"), KN_EINVAL);
		assert_null(c);
		/* another school's store holds none of this school's catalogs */
		assert_int_equal(kd_catalog_get(&c, got, t, "20100002", NULL), KN_ENOTFOUND);
		store_read_end(t);
		store_done(st, dir);
	}
	made_free(&a);
	made_free(&b);
	free(text);
}

/* Copies from the cache are the caller's: freed in any order, and valid after the cache is emptied. */
static void
test_catalog_record__cache_copies(void **state)
{
	domain_catalog *c1, *c2, *c3;
	store_txn *t;
	char dir[64];
	made a;
	(void)state;

	store *st = store_new(dir);
	catalog_body(&body, shipped, shipped_len);
	make(&a, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, &O1, &body);
	put(st, &S);
	put(st, &O1);
	put(st, &a);
	kd_catalog_cache_clear();
	assert_int_equal(store_read_begin(&t, st), 0);
	assert_int_equal(kd_catalog_get(&c1, NULL, t, NPSN, CATALOG_VERSION), 0); /* parsed */
	assert_int_equal(kd_catalog_get(&c2, NULL, t, NPSN, CATALOG_VERSION), 0); /* from the cache */
	assert_ptr_not_equal(c1, c2);
	assert_ptr_equal(c1->name, c2->name); /* one parsed text, shared */
	domain_catalog_free(c1);
	kd_catalog_cache_clear();
	assert_string_equal(c2->sub[1].targets[0].text,
	    "Guru melakukan komunikasi positif untuk membangun suasana kelas yang kondusif");
	assert_int_equal(kd_catalog_get(&c3, NULL, t, NPSN, NULL), 0); /* parsed again */
	assert_ptr_not_equal(c3->name, c2->name);
	domain_catalog_free(c2);
	assert_string_equal(c3->version, CATALOG_VERSION);
	domain_catalog_free(c3);
	store_read_end(t);
	store_done(st, dir);
	made_free(&a);
}

/*
 * A catalog its author added after losing the operator's right (offline,
 * say) is stored but not in force: the newest in force is the one before.
 */
static void
test_catalog_record__newest_in_force(void **state)
{
	char *text = variant("\"format\": 1,", "\"format\": 1,  ");
	key kx;
	made x1, o2, a, late;
	char dir[64], v2[65], got[65];
	domain_catalog *c;
	store_txn *t;
	(void)state;

	key_new(&kx);
	user_body(&body, "Operator Dua", "operator", "1234567890123459", 1);
	make(&x1, &ko, "user", kx.hex, T0 + 5, NULL, &O1, &body);
	catalog_body(&body, shipped, shipped_len);
	make(&a, &ko, "catalog", CATALOG_VERSION, T0 + 10, NULL, &O1, &body);
	user_body(&body, "Siti Aminah", "operator", "1234567890123456", 0);
	make(&o2, &kx, "user", ko.hex, T0 + 30, &O1, &x1, &body);
	assert_int_equal(domain_catalog_version(v2, (const uint8_t *)text, strlen(text)), 0);
	catalog_body(&body, text, strlen(text));
	make(&late, &ko, "catalog", v2, T0 + 40, NULL, &O1, &body); /* names the enrollment it had */
	store *st = store_new(dir);
	put(st, &S);
	put(st, &O1);
	put(st, &x1);
	put(st, &a);
	put(st, &o2);
	put(st, &late);
	assert_int_equal(store_read_begin(&t, st), 0);
	assert_int_equal(kd_catalog_get(&c, got, t, NPSN, NULL), 0);
	assert_string_equal(got, CATALOG_VERSION);
	domain_catalog_free(c);
	assert_int_equal(kd_catalog_get(&c, got, t, NPSN, v2), KN_ENOTFOUND);
	store_read_end(t);
	store_done(st, dir);
	made_free(&x1);
	made_free(&o2);
	made_free(&a);
	made_free(&late);
	free(text);
}

/* The acceptance rule first, then the store side. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_record__accepted),
		cmocka_unit_test(test_catalog_record__altered_json_refused),
		cmocka_unit_test(test_catalog_record__bad_json_refused),
		cmocka_unit_test(test_catalog_record__guru_refused),
		cmocka_unit_test(test_catalog_record__never_replaced),
		cmocka_unit_test(test_catalog_record__effective_and_readable),
		cmocka_unit_test(test_catalog_record__store_get),
		cmocka_unit_test(test_catalog_record__cache_copies),
		cmocka_unit_test(test_catalog_record__newest_in_force),
	};

	if (sodium_init() < 0)
		return 1;
	kn_log_init("test_catalog_record", KN_LOG_ERROR, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
