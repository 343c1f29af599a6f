/*
 * test_recovery.c - unit tests of the recovery copy of a person's key
 * (sealed to the device key, so the operator can reset a forgotten
 * passphrase) and of the one-time passphrases a reset hands out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/keys.h"

/* A person's key, the device key, and the person's recovery copy. */
typedef struct {
	keys_secret *person;
	keys_secret *device;
	kn_buf copy;
} recovery_fixture;

static int
setup_copy(void **state)
{
	recovery_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(keys_generate(&f->person), 0);
	assert_int_equal(keys_generate(&f->device), 0);
	assert_int_equal(keys_recovery_seal(&f->copy, f->person, f->device->pk), 0);
	*state = f;
	return 0;
}

static int
teardown_copy(void **state)
{
	recovery_fixture *f = *state;

	keys_secret_free(f->person);
	keys_secret_free(f->device);
	kn_buf_free(&f->copy);
	free(f);
	return 0;
}

/* The device key opens the copy into the very same key pair. */
static void
test_recovery__seal_then_open(void **state)
{
	recovery_fixture *f = *state;
	keys_secret *k = NULL;

	assert_int_equal(keys_recovery_open(&k, f->copy.ptr, f->copy.len, f->person->pk, f->device), 0);
	assert_non_null(k);
	assert_memory_equal(k->pk, f->person->pk, KEYS_PK_BYTES);
	assert_memory_equal(k->sk, f->person->sk, KEYS_SK_BYTES);
	/* never the secret key in the clear */
	for (size_t i = 0; i + 32 <= f->copy.len; i++)
		assert_memory_not_equal(f->copy.ptr + i, f->person->sk, 32);
	keys_secret_free(k);
}

/* Another device key is told apart from damage; another person's key is refused. */
static void
test_recovery__other_keys_refused(void **state)
{
	recovery_fixture *f = *state;
	keys_secret *other = NULL, *k = NULL;

	assert_int_equal(keys_generate(&other), 0);
	assert_int_equal(keys_recovery_open(&k, f->copy.ptr, f->copy.len, f->person->pk, other), KN_EDENIED);
	assert_null(k);
	assert_int_equal(keys_recovery_open(&k, f->copy.ptr, f->copy.len, other->pk, f->device), KN_EBADREC);
	assert_null(k);
	keys_secret_free(other);
}

/* Every flipped bit of the copy is refused, never opened into a wrong key. */
static void
test_recovery__every_bit_flip_fails(void **state)
{
	recovery_fixture *f = *state;

	for (size_t i = 0; i < f->copy.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			keys_secret *k = NULL;
			f->copy.ptr[i] ^= (uint8_t)(1u << bit);
			int rc = keys_recovery_open(&k, f->copy.ptr, f->copy.len, f->person->pk, f->device);
			f->copy.ptr[i] ^= (uint8_t)(1u << bit);
			if (rc == 0)
				fail_msg("a copy with byte %zu bit %d flipped opened", i, bit);
			assert_null(k);
		}
	}
	/* truncated and extended */
	keys_secret *k = NULL;
	assert_int_equal(keys_recovery_open(&k, f->copy.ptr, f->copy.len - 1, f->person->pk, f->device), KN_EBADREC);
	assert_int_equal(kn_buf_put(&f->copy, "", 1), 0);
	assert_int_equal(keys_recovery_open(&k, f->copy.ptr, f->copy.len, f->person->pk, f->device), KN_EBADREC);
	assert_null(k);
}

/* A copy is not a passphrase-sealed key and the other way round. */
static void
test_recovery__forms_do_not_mix(void **state)
{
	recovery_fixture *f = *state;
	keys_secret *k = NULL;
	kn_buf sealed = KN_BUF_INIT;

	assert_int_equal(keys_seal(&sealed, f->person, "kata sandi guru", 15, KEYS_COST_TEST), 0);
	assert_int_equal(keys_recovery_open(&k, sealed.ptr, sealed.len, f->person->pk, f->device), KN_EBADREC);
	assert_int_equal(keys_open(&k, f->copy.ptr, f->copy.len, f->person->pk, "kata sandi guru", 15), KN_EBADREC);
	assert_null(k);
	kn_buf_free(&sealed);
}

/* One-time passphrases: the shape people read, the alphabet without look-alikes, and no repeats. */
static void
test_recovery__onetime_passphrase(void **state)
{
	char seen[64][KEYS_ONETIME_LEN + 1];
	(void)state;

	for (int n = 0; n < 64; n++) {
		char *p = NULL;
		assert_int_equal(keys_passphrase_generate(&p), 0);
		assert_int_equal(strlen(p), KEYS_ONETIME_LEN);
		for (int i = 0; i < KEYS_ONETIME_LEN; i++) {
			if (i % 5 == 4)
				assert_int_equal(p[i], '-');
			else
				assert_non_null(strchr("23456789ABCDEFGHJKLMNPQRSTUVWXYZ", p[i]));
		}
		assert_int_equal(keys_passphrase_check(p, strlen(p)), 0);
		for (int m = 0; m < n; m++)
			assert_string_not_equal(seen[m], p);
		memcpy(seen[n], p, KEYS_ONETIME_LEN + 1);
		sodium_free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_recovery__seal_then_open, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_recovery__other_keys_refused, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_recovery__every_bit_flip_fails, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_recovery__forms_do_not_mix, setup_copy, teardown_copy),
		cmocka_unit_test(test_recovery__onetime_passphrase),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
