/*
 * test_sync_verify.c - the hub's shared verification of a push
 * (daemon/sync_verify.c): every record verified exactly once, with the
 * result record_open gives alone, whether the caller works alone, with
 * helpers, or beside other callers sharing the same helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/sync_verify.h"
#include "../../store/record.h"
#include "../../util/kn.h"

#define NREC 700
#define UNSET 12345 /* no KN_E* code: a result never written */

typedef struct {
	kn_buf bytes;
	size_t off[NREC];
	sync_bytes recs[NREC];
	int want[NREC];            /* record_open alone */
	uint8_t ids[NREC][RECORD_ID_BYTES];
} set;

/* NREC signed records; every 37th has a flipped signature bit, every 101st is cut short. */
static void
make_set(set *s, uint32_t salt)
{
	uint8_t pk[32];
	unsigned char *sk = sodium_malloc(64);
	char subject[32];

	assert_non_null(sk);
	crypto_sign_keypair(pk, sk);
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < NREC; i++) {
		uint8_t body[8] = { 0x81, 0xa1, 'n', 0xce };
		body[4] = (uint8_t)(i >> 24 ^ salt);
		body[5] = (uint8_t)(i >> 16);
		body[6] = (uint8_t)(i >> 8);
		body[7] = (uint8_t)i;
		snprintf(subject, sizeof(subject), "s%zu", i);
		record_fields f = { .type = "plan", .school = "20100001", .subject = subject,
			.hlc = (1700000000000ULL << 16) + i, .body = body, .body_len = sizeof(body) };
		s->off[i] = s->bytes.len;
		assert_int_equal(record_sign(&s->bytes, s->ids[i], &f, pk, sk), 0);
	}
	for (size_t i = 0; i < NREC; i++) {
		size_t end = i + 1 < NREC ? s->off[i + 1] : s->bytes.len;
		s->recs[i].ptr = s->bytes.ptr + s->off[i];
		s->recs[i].len = end - s->off[i];
		if (i % 37 == 5)
			s->bytes.ptr[end - 3] ^= 0x10;
		if (i % 101 == 7)
			s->recs[i].len -= 2;
	}
	for (size_t i = 0; i < NREC; i++) {
		record_view v;
		s->want[i] = record_open(&v, s->recs[i].ptr, s->recs[i].len, NULL);
		if (s->want[i] == 0)
			record_view_free(&v);
	}
	sodium_free(sk);
}

/*
 * kd_verify_records over the first n of s gives what record_open gives
 * alone, record by record: 0, or -1 (printed). No cmocka assertion here:
 * the callers' threads run it too.
 */
static int
verify_ok(kd_verify_pool *p, set *s, size_t n)
{
	record_view *views = calloc(n ? n : 1, sizeof(*views));
	int *rc = malloc((n ? n : 1) * sizeof(*rc)), ok = views && rc ? 0 : -1;
	size_t bad = 0;

	for (size_t i = 0; ok == 0 && i < n; i++)
		rc[i] = UNSET;
	if (ok == 0)
		kd_verify_records(p, s->recs, n, views, rc);
	for (size_t i = 0; ok == 0 && i < n; i++) {
		if (rc[i] != s->want[i]) {
			fprintf(stderr, "record %zu: %d, alone %d\n", i, rc[i], s->want[i]);
			ok = -1;
		} else if (rc[i] == 0) {
			if (memcmp(views[i].id, s->ids[i], RECORD_ID_BYTES) != 0) {
				fprintf(stderr, "record %zu: another id\n", i);
				ok = -1;
			}
			record_view_free(&views[i]);
		} else {
			bad++;
		}
	}
	if (ok == 0 && n >= 40 && bad == 0) {
		fprintf(stderr, "no forged or cut record was refused\n");
		ok = -1;
	}
	free(views);
	free(rc);
	return ok;
}

static void
check_set(kd_verify_pool *p, set *s, size_t n)
{
	assert_int_equal(verify_ok(p, s, n), 0);
}

static void
test_sync_verify__alone_and_with_helpers(void **state)
{
	static set s;
	kd_verify_pool *p;
	(void)state;

	make_set(&s, 1);
	check_set(NULL, &s, NREC);
	assert_int_equal(kd_verify_pool_new(&p, 0), 0);
	check_set(p, &s, NREC);
	assert_int_equal(kd_verify_pool_helped(p), 0);
	kd_verify_pool_free(p);

	assert_int_equal(kd_verify_pool_new(&p, 3), 0);
	for (int round = 0; round < 20 && kd_verify_pool_helped(p) == 0; round++)
		check_set(p, &s, NREC);
	assert_true(kd_verify_pool_helped(p) > 0);
	/* small pushes (one chunk or less), and an empty one */
	check_set(p, &s, 5);
	check_set(p, &s, 17);
	check_set(p, &s, 0);
	kd_verify_pool_free(p);
	kd_verify_pool_free(NULL);
	kn_buf_free(&s.bytes);
}

typedef struct {
	kd_verify_pool *p;
	set *s;
	int rc;
} caller_arg;

static void *
caller(void *arg)
{
	caller_arg *a = arg;

	for (int i = 0; a->rc == 0 && i < 3; i++)
		a->rc = verify_ok(a->p, a->s, NREC);
	return NULL;
}

/* Four session threads at once, sharing two helpers: each gets its own results. */
static void
test_sync_verify__callers_share_helpers(void **state)
{
	static set s[4];
	pthread_t t[4];
	caller_arg a[4];
	kd_verify_pool *p;
	(void)state;

	assert_int_equal(kd_verify_pool_new(&p, 2), 0);
	for (int i = 0; i < 4; i++) {
		make_set(&s[i], (uint32_t)(i + 10));
		a[i] = (caller_arg){ p, &s[i], 0 };
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, caller, &a[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].rc, 0);
	}
	kd_verify_pool_free(p);
	for (int i = 0; i < 4; i++)
		kn_buf_free(&s[i].bytes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_verify__alone_and_with_helpers),
		cmocka_unit_test(test_sync_verify__callers_share_helpers),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
