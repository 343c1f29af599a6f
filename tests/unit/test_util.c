/*
 * test_util.c - util/: UTF-8 checks and the last-error message, which goes
 * on the wire and must be valid UTF-8 however it was cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../util/kn.h"

static void
test_util__utf8_valid(void **state)
{
	(void)state;
	assert_true(kn_utf8_valid("", 0));
	assert_true(kn_utf8_valid("Bukti Dukung", 12));
	assert_true(kn_utf8_valid("\xc3\xa9t\xc3\xa9", 5));
	assert_true(kn_utf8_valid("\xf0\x9f\x93\x9a", 4));
	assert_false(kn_utf8_valid("\xc3", 1));            /* cut */
	assert_false(kn_utf8_valid("\xff", 1));            /* never valid */
	assert_false(kn_utf8_valid("\xc0\xaf", 2));        /* overlong '/' */
	assert_false(kn_utf8_valid("\xed\xa0\x80", 3));    /* surrogate */
	assert_false(kn_utf8_valid("\xf4\x90\x80\x80", 4)); /* beyond U+10FFFF */
	assert_false(kn_utf8_valid("a\x80", 2));           /* lone continuation */
}

static void
test_util__utf8_clean(void **state)
{
	char s[32];
	(void)state;

	snprintf(s, sizeof(s), "ok \xc3\xa9");
	kn_utf8_clean(s);
	assert_string_equal(s, "ok \xc3\xa9");
	snprintf(s, sizeof(s), "cut \xc3\xa9\xe2\x82");
	kn_utf8_clean(s);
	assert_string_equal(s, "cut \xc3\xa9");
	snprintf(s, sizeof(s), "a\xff" "b\x01" "c\nd");
	kn_utf8_clean(s);
	assert_string_equal(s, "a?b?c d");
}

/* A message longer than the buffer is cut at a character boundary, never inside one. */
static void
test_util__error_message_cut_on_a_character(void **state)
{
	char big[2000];
	(void)state;

	for (int shift = 0; shift < 4; shift++) {
		size_t n = 0;
		for (int i = 0; i < shift; i++)
			big[n++] = 'x';
		while (n + 4 < sizeof(big)) {
			memcpy(big + n, "\xe2\x82\xac", 3); /* the euro sign, 3 bytes */
			n += 3;
		}
		big[n] = '\0';
		assert_int_equal(kn_error_set(KN_EINVAL, "f\xff", "%s", big), KN_EINVAL);
		const char *m = kn_error_message();
		assert_true(strlen(m) > 400);
		assert_true(kn_utf8_valid(m, strlen(m)));
		assert_true(kn_utf8_valid(kn_error_field(), strlen(kn_error_field())));
	}
	/* an empty message still says something */
	assert_int_equal(kn_error_set(KN_EDENIED, "", "%s", ""), KN_EDENIED);
	assert_true(strlen(kn_error_message()) > 0);
}

/* A failed append marks the buffer, so one check after many packs is enough. */
static void
test_util__buf_failed_is_sticky(void **state)
{
	kn_buf b = KN_BUF_INIT;
	(void)state;

	assert_int_equal(kn_buf_put(&b, "abc", 3), 0);
	assert_false(b.failed);
	assert_int_not_equal(kn_buf_grow(&b, SIZE_MAX - 1), 0);
	assert_true(b.failed);
	assert_int_equal(kn_buf_put(&b, "d", 1), 0);
	assert_true(b.failed);
	kn_buf_clear(&b);
	assert_false(b.failed);
	kn_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util__utf8_valid),
		cmocka_unit_test(test_util__utf8_clean),
		cmocka_unit_test(test_util__error_message_cut_on_a_character),
		cmocka_unit_test(test_util__buf_failed_is_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
