/*
 * test_registration.c - a hub's enrolment of schools (domain/registration.c,
 * the "registration" branch of domain/accept.c, and its index in
 * daemon/sync_index.c): the office's authority registers a school's device
 * key, re-keys it, revokes it; a registration that is forged (signed by
 * another key), names the wrong authority or a school's record instead of
 * the office's, registers the office itself, or has a malformed body is
 * refused with its reason; and a store reaches the same registrations
 * whatever order the records arrive in.
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
#include "../../daemon/sync.h"
#include "../../domain/domain.h"
#include "../../store/record.h"
#include "../../store/store.h"
#include "../../util/kn.h"
#include "../lib/kntest.h"

#define OFFICE "30100000"
#define OFFICE_B "30200000"
#define NPSN "20100001"
/* records an hour old, by the real clock: a store judges them at its own time */
static uint64_t base_ms;
#define HLC(n) ((base_ms << 16) | (uint64_t)(n))

typedef struct {
	uint8_t pk[32];
	unsigned char sk[64];
} key;

typedef struct made {
	kn_buf raw;
	record_view v;
	domain_rec r;
	const struct made *parent;
	const struct made *auth;
} made;

static key k_op, k_auth, k_auth2, k_stranger, k_school_op;
static domain_ctx ctx = { "", 0 };

static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void
make(made *m, const char *school, const key *author, const char *type, const char *subject, uint64_t hlc,
    const made *parent, const made *auth, const kn_buf *body)
{
	uint8_t parents[1][32], auths[1][32];

	memset(m, 0, sizeof(*m));
	if (parent)
		memcpy(parents[0], parent->v.id, 32);
	if (auth)
		memcpy(auths[0], auth->v.id, 32);
	m->parent = parent;
	m->auth = auth;
	record_fields f = { type, school, subject, hlc, (const uint8_t(*)[32])parents, parent ? 1 : 0, body->ptr, body->len,
		(const uint8_t(*)[32])auths, auth ? 1 : 0 };
	assert_int_equal(record_sign(&m->raw, NULL, &f, author->pk, author->sk), 0);
	assert_int_equal(record_open(&m->v, m->raw.ptr, m->raw.len, NULL), 0);
	m->r = (domain_rec){ m->v.id, m->v.type, m->v.type_len, m->v.school, m->v.subject, m->v.subject_len, m->v.author,
		m->v.hlc, record_nparents(&m->v), m->v.body };
}

static void
made_free(made *m)
{
	record_view_free(&m->v);
	kn_buf_free(&m->raw);
}

static int
accept_made(const made *m)
{
	return domain_record_accept(&ctx, &m->r, m->parent ? &m->parent->r : NULL, m->parent ? 1 : 0,
	    m->auth ? &m->auth->r : NULL, m->auth ? 1 : 0);
}

/* A school (or, with office, an office) record body naming op and authority. */
static void
school_body(kn_buf *b, const key *op, const key *authority, int office)
{
	msgpack_packer pk;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 3 + office);
	pack_s(&pk, "name");
	pack_s(&pk, office ? "Dinas Pendidikan" : "SD Negeri 1");
	pack_s(&pk, "operator");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, op->pk, 32);
	pack_s(&pk, "authority");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, authority->pk, 32);
	if (office)
		kd_pack_kv_str(&pk, "kind", "dinas");
}

static void
reg_body(kn_buf *b, uint8_t fill, int revoked)
{
	domain_registration reg;

	memset(&reg, 0, sizeof(reg));
	memset(reg.device, fill, 32);
	reg.revoked = revoked;
	kn_buf_clear(b);
	assert_int_equal(domain_registration_body_pack(b, &reg), 0);
}

static void
test_registration__accepted_and_refused(void **state)
{
	kn_buf body = KN_BUF_INIT;
	made off, off_b, off_other_auth, school, reg1, reg2, reg3, bad;
	msgpack_packer pk;
	int rc;
	(void)state;

	school_body(&body, &k_op, &k_auth, 1);
	make(&off, OFFICE, &k_op, "school", OFFICE, HLC(1), NULL, NULL, &body);
	assert_int_equal(accept_made(&off), 0);
	school_body(&body, &k_op, &k_auth2, 1);
	make(&off_b, OFFICE_B, &k_op, "school", OFFICE_B, HLC(1), NULL, NULL, &body);
	make(&off_other_auth, OFFICE, &k_op, "school", OFFICE, HLC(2), NULL, NULL, &body);
	school_body(&body, &k_school_op, &k_auth, 0);
	make(&school, NPSN, &k_school_op, "school", NPSN, HLC(1), NULL, NULL, &body);

	/* the office's authority registers, re-keys, revokes */
	reg_body(&body, 0x11, 0);
	make(&reg1, OFFICE, &k_auth, "registration", NPSN, HLC(10), NULL, &off, &body);
	assert_int_equal(accept_made(&reg1), 0);
	reg_body(&body, 0x22, 0);
	make(&reg2, OFFICE, &k_auth, "registration", NPSN, HLC(11), &reg1, &off, &body);
	assert_int_equal(accept_made(&reg2), 0);
	reg_body(&body, 0x22, 1);
	make(&reg3, OFFICE, &k_auth, "registration", NPSN, HLC(12), &reg2, &off, &body);
	assert_int_equal(accept_made(&reg3), 0);

	/* forged: signed by a key that is not the office's authority */
	reg_body(&body, 0x11, 0);
	make(&bad, OFFICE, &k_stranger, "registration", NPSN, HLC(13), NULL, &off, &body);
	assert_int_equal(accept_made(&bad), KN_EDENIED);
	assert_non_null(strstr(kn_error_message(), "bukan dari kunci itu"));
	made_free(&bad);
	/* the wrong authority: an office record naming another authority, signed by ours */
	make(&bad, OFFICE, &k_auth, "registration", NPSN, HLC(13), NULL, &off_other_auth, &body);
	assert_int_equal(accept_made(&bad), KN_EDENIED);
	made_free(&bad);
	/* another office's record: not this office's */
	make(&bad, OFFICE, &k_auth2, "registration", NPSN, HLC(13), NULL, &off_b, &body);
	assert_int_equal(accept_made(&bad), KN_EDENIED);
	made_free(&bad);
	/* a school's record naming the same authority is not an office's: a school cannot register schools */
	make(&bad, NPSN, &k_auth, "registration", "20100009", HLC(13), NULL, &school, &body);
	assert_int_equal(accept_made(&bad), KN_EDENIED);
	assert_string_equal(kn_error_field(), "auth");
	made_free(&bad);
	/* no auth at all */
	make(&bad, OFFICE, &k_auth, "registration", NPSN, HLC(13), NULL, NULL, &body);
	assert_int_equal(accept_made(&bad), KN_EDENIED);
	made_free(&bad);
	/* the office itself, or a subject that is not an NPSN */
	make(&bad, OFFICE, &k_auth, "registration", OFFICE, HLC(13), NULL, &off, &body);
	assert_int_equal(accept_made(&bad), KN_EBADREC);
	made_free(&bad);
	make(&bad, OFFICE, &k_auth, "registration", "2010000x", HLC(13), NULL, &off, &body);
	assert_int_equal(accept_made(&bad), KN_EBADREC);
	made_free(&bad);
	/* bodies: an extra key, a short device, a missing revoked */
	msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
	reg_body(&body, 0x11, 0);
	body.ptr[0] = 0x83; /* the map now claims 3 pairs: add one */
	pack_s(&pk, "extra");
	msgpack_pack_true(&pk);
	make(&bad, OFFICE, &k_auth, "registration", NPSN, HLC(13), NULL, &off, &body);
	assert_int_equal(accept_made(&bad), KN_EBADREC);
	made_free(&bad);
	kn_buf_clear(&body);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "device");
	msgpack_pack_bin(&pk, 31);
	msgpack_pack_bin_body(&pk, k_auth.pk, 31);
	pack_s(&pk, "revoked");
	msgpack_pack_false(&pk);
	make(&bad, OFFICE, &k_auth, "registration", NPSN, HLC(13), NULL, &off, &body);
	assert_int_equal(accept_made(&bad), KN_EBADREC);
	assert_string_equal(kn_error_field(), "device");
	made_free(&bad);
	kn_buf_clear(&body);
	msgpack_pack_map(&pk, 1);
	pack_s(&pk, "device");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, k_auth.pk, 32);
	make(&bad, OFFICE, &k_auth, "registration", NPSN, HLC(13), NULL, &off, &body);
	assert_int_equal(accept_made(&bad), KN_EBADREC);
	made_free(&bad);
	/* a child hub's registration ("hub": true) round-trips and is accepted; "hub": false or twice is not */
	{
		domain_registration hr, back;
		msgpack_unpacked up;
		size_t off_ = 0;
		memset(&hr, 0, sizeof(hr));
		memset(hr.device, 0x44, 32);
		hr.hub = 1;
		kn_buf_clear(&body);
		assert_int_equal(domain_registration_body_pack(&body, &hr), 0);
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, (const char *)body.ptr, body.len, &off_), MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(domain_registration_body_parse(&back, &up.data), 0);
		assert_int_equal(back.hub, 1);
		assert_int_equal(back.revoked, 0);
		msgpack_unpacked_destroy(&up);
		make(&bad, OFFICE, &k_auth, "registration", OFFICE_B, HLC(13), NULL, &off, &body);
		assert_int_equal(accept_made(&bad), 0);
		made_free(&bad);
		/* a school's registration keeps its two keys: no "hub" packed */
		reg_body(&body, 0x11, 0);
		assert_int_equal(body.ptr[0], 0x82);
		kn_buf_clear(&body);
		msgpack_pack_map(&pk, 3);
		pack_s(&pk, "device");
		msgpack_pack_bin(&pk, 32);
		msgpack_pack_bin_body(&pk, k_auth.pk, 32);
		pack_s(&pk, "revoked");
		msgpack_pack_false(&pk);
		pack_s(&pk, "hub");
		msgpack_pack_false(&pk);
		make(&bad, OFFICE, &k_auth, "registration", NPSN, HLC(13), NULL, &off, &body);
		assert_int_equal(accept_made(&bad), KN_EBADREC);
		assert_string_equal(kn_error_field(), "hub");
		made_free(&bad);
		body.ptr[0] = 0x84;
		pack_s(&pk, "hub");
		msgpack_pack_true(&pk);
		body.ptr[body.len - 6] = 0xc3; /* the first hub true too: now twice (a record refuses repeated keys itself) */
		off_ = 0;
		msgpack_unpacked_init(&up);
		assert_int_equal(msgpack_unpack_next(&up, (const char *)body.ptr, body.len, &off_), MSGPACK_UNPACK_SUCCESS);
		assert_int_equal(domain_registration_body_parse(&back, &up.data), KN_EBADREC);
		msgpack_unpacked_destroy(&up);
	}
	/* a parent of another school's registration: not its lineage */
	reg_body(&body, 0x33, 0);
	make(&bad, OFFICE, &k_auth, "registration", "20100002", HLC(13), &reg1, &off, &body);
	rc = accept_made(&bad);
	assert_int_equal(rc, KN_ESTATE);
	made_free(&bad);
	/* the fold: a registration is the authority's act, which no enrollment can revoke */
	assert_int_equal(domain_act_effective(&reg3.r, &off.r, 1, NULL, 0), 1);

	made_free(&off);
	made_free(&off_b);
	made_free(&off_other_auth);
	made_free(&school);
	made_free(&reg1);
	made_free(&reg2);
	made_free(&reg3);
	kn_buf_free(&body);
}

/* The office, a registration, a new key, a revocation and a new key again, in any order: one outcome. */
static void
test_registration__any_order(void **state)
{
	kn_buf body = KN_BUF_INIT;
	made off, r1, r2, r3, r4;
	unsigned seed = 11;
	(void)state;

	school_body(&body, &k_op, &k_auth, 1);
	make(&off, OFFICE, &k_op, "school", OFFICE, HLC(1), NULL, NULL, &body);
	reg_body(&body, 0x11, 0);
	make(&r1, OFFICE, &k_auth, "registration", NPSN, HLC(10), NULL, &off, &body);
	reg_body(&body, 0x11, 1);
	make(&r2, OFFICE, &k_auth, "registration", NPSN, HLC(11), &r1, &off, &body);
	reg_body(&body, 0x22, 0);
	make(&r3, OFFICE, &k_auth, "registration", NPSN, HLC(12), &r2, &off, &body);
	reg_body(&body, 0x33, 0);
	make(&r4, OFFICE, &k_auth, "registration", "20100002", HLC(13), NULL, &off, &body);
	made *m[] = { &off, &r1, &r2, &r3, &r4 };
	const size_t N = 5;

	for (int round = 0; round < 8; round++) {
		int order[5];
		char dir[128], npsn[9];
		uint8_t dev[32];
		domain_registration reg;
		store_opts so = { 0 };
		store_hooks h;
		store_txn *t;
		store *st;

		for (size_t i = 0; i < N; i++)
			order[i] = (int)i;
		for (size_t i = N - 1; round > 0 && i > 0; i--) {
			int j = (int)(rand_r(&seed) % (unsigned)(i + 1)), tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-reg.XXXXXX"), 0);
		assert_int_equal(store_open(&st, dir, &so), 0);
		kd_rules_hooks(&h, NULL);
		store_set_hooks(st, &h);
		for (size_t i = 0; i < N; i++) {
			int rc = store_put(st, m[order[i]]->raw.ptr, m[order[i]]->raw.len, NULL);
			if (rc < 0)
				fprintf(stderr, "round %d record %d: %s\n", round, order[i], kn_error_message());
			assert_true(rc == 0 || rc == 2);
		}
		assert_int_equal(store_read_begin(&t, st), 0);
		assert_int_equal(kd_sync_registration_get(&reg, NULL, t, OFFICE, NPSN), 0);
		memset(dev, 0x22, 32);
		assert_memory_equal(reg.device, dev, 32);
		assert_false(reg.revoked);
		/* the device index: 0x22 serves NPSN; 0x11 (revoked, then replaced) serves nothing; 0x33 the other school */
		assert_int_equal(kd_sync_device_school(npsn, t, OFFICE, dev, NULL), 0);
		assert_string_equal(npsn, NPSN);
		assert_int_equal(kd_sync_device_school(npsn, t, OFFICE, dev, NPSN), KN_ENOTFOUND);
		memset(dev, 0x11, 32);
		assert_int_equal(kd_sync_device_school(npsn, t, OFFICE, dev, NULL), KN_ENOTFOUND);
		memset(dev, 0x33, 32);
		assert_int_equal(kd_sync_device_school(npsn, t, OFFICE, dev, NULL), 0);
		assert_string_equal(npsn, "20100002");
		assert_int_equal(kd_sync_is_registered(t, NPSN), 1);
		assert_int_equal(kd_sync_is_registered(t, "20100009"), 0);
		{
			kd_sync_state ss;
			assert_int_equal(kd_sync_state_get(&ss, t, OFFICE), 0);
			assert_int_equal(ss.count, N);
			assert_int_equal(ss.feed, N);
		}
		store_read_end(t);
		store_close(st);
		kntest_rm_rf(dir);
	}
	for (size_t i = 0; i < N; i++)
		made_free(m[i]);
	kn_buf_free(&body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registration__accepted_and_refused),
		cmocka_unit_test(test_registration__any_order),
	};
	if (sodium_init() < 0)
		return 1;
	ctx.now_ms = kn_now_ms();
	base_ms = ctx.now_ms - 3600 * 1000;
	crypto_sign_keypair(k_op.pk, k_op.sk);
	crypto_sign_keypair(k_auth.pk, k_auth.sk);
	crypto_sign_keypair(k_auth2.pk, k_auth2.sk);
	crypto_sign_keypair(k_stranger.pk, k_stranger.sk);
	crypto_sign_keypair(k_school_op.pk, k_school_op.sk);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
