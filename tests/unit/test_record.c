/*
 * test_record.c - unit tests of store/record.c: the signed record envelope.
 * A record must open only when every byte of it is exactly what its author
 * signed, and when what was signed follows the schema.
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

#include "../../store/record.h"
#include "../../store/record_int.h"

/* A signing key, a packed body and two parent ids. */
typedef struct {
	uint8_t pk[RECORD_KEY_BYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	kn_buf body;
	uint8_t parents[2][RECORD_ID_BYTES];
	record_fields f;
	kn_buf rec;
	uint8_t id[RECORD_ID_BYTES];
} fixture;

static void
pack_cstr(msgpack_packer *p, const char *s)
{
	msgpack_pack_str(p, strlen(s));
	msgpack_pack_str_body(p, s, strlen(s));
}

/* Keys, a body {"nilai": 95, "catatan": "baik sekali"}, a signed record. */
static int
setup(void **state)
{
	fixture *x = calloc(1, sizeof(*x));
	msgpack_packer p;

	assert_non_null(x);
	crypto_sign_keypair(x->pk, x->sk);
	msgpack_packer_init(&p, &x->body, kn_buf_msgpack_write);
	msgpack_pack_map(&p, 2);
	pack_cstr(&p, "nilai");
	msgpack_pack_uint8(&p, 95);
	pack_cstr(&p, "catatan");
	pack_cstr(&p, "baik sekali");
	memset(x->parents[0], 0xa1, RECORD_ID_BYTES);
	memset(x->parents[1], 0xb2, RECORD_ID_BYTES);
	x->f.type = "skp.target";
	x->f.school = "20104321";
	x->f.subject = "198501012010011001";
	x->f.hlc = ((uint64_t)1700000000000 << 16) | 7;
	x->f.parents = (const uint8_t (*)[RECORD_ID_BYTES])x->parents;
	x->f.nparents = 2;
	x->f.body = x->body.ptr;
	x->f.body_len = x->body.len;
	assert_int_equal(record_sign(&x->rec, x->id, &x->f, x->pk, x->sk), 0);
	*state = x;
	return 0;
}

static int
teardown(void **state)
{
	fixture *x = *state;

	kn_buf_free(&x->body);
	kn_buf_free(&x->rec);
	sodium_memzero(x->sk, sizeof(x->sk));
	free(x);
	return 0;
}

static void
test_record__sign_then_open(void **state)
{
	fixture *x = *state;
	record_view v;
	char key[RECORD_DOC_KEY_MAX], s[32];
	uint8_t id[RECORD_ID_BYTES];
	const msgpack_object *o;

	assert_int_equal(record_open(&v, x->rec.ptr, x->rec.len, NULL), 0);
	assert_memory_equal(v.id, x->id, RECORD_ID_BYTES);
	record_id_of(id, v.payload, v.payload_len);
	assert_memory_equal(id, x->id, RECORD_ID_BYTES);
	assert_ptr_equal(v.raw, x->rec.ptr);
	assert_int_equal(v.raw_len, x->rec.len);
	assert_true(v.payload > x->rec.ptr && v.payload + v.payload_len <= x->rec.ptr + x->rec.len);
	assert_int_equal(crypto_sign_verify_detached(v.sig, v.payload, v.payload_len, x->pk), 0);

	assert_int_equal(v.type_len, strlen("skp.target"));
	assert_memory_equal(v.type, "skp.target", v.type_len);
	assert_int_equal(v.school_len, 8);
	assert_memory_equal(v.school, "20104321", 8);
	assert_int_equal(v.subject_len, strlen(x->f.subject));
	assert_memory_equal(v.subject, x->f.subject, v.subject_len);
	assert_memory_equal(v.author, x->pk, RECORD_KEY_BYTES);
	assert_true(v.hlc == x->f.hlc);
	assert_int_equal(record_nparents(&v), 2);
	assert_memory_equal(record_parent(&v, 0), x->parents[0], RECORD_ID_BYTES);
	assert_memory_equal(record_parent(&v, 1), x->parents[1], RECORD_ID_BYTES);

	o = kn_map_get(v.body, "nilai");
	assert_non_null(o);
	assert_int_equal(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	assert_int_equal(o->via.u64, 95);
	assert_null(kn_map_get(v.body, "tidak_ada"));
	assert_null(kn_map_get(NULL, "nilai"));
	assert_int_equal(kn_map_str(s, sizeof(s), v.body, "catatan"), 0);
	assert_string_equal(s, "baik sekali");
	assert_int_equal(kn_map_str(s, 11, v.body, "catatan"), KN_EINVAL); /* no room for NUL */
	assert_int_equal(kn_map_str(s, 12, v.body, "catatan"), 0);
	assert_int_equal(kn_map_str(s, sizeof(s), v.body, "nilai"), KN_EINVAL);
	assert_int_equal(kn_map_str(s, sizeof(s), v.body, "tidak_ada"), KN_EINVAL);

	assert_int_equal(record_doc_key(key, &v), strlen("skp.target/20104321/198501012010011001"));
	assert_string_equal(key, "skp.target/20104321/198501012010011001");
	record_view_free(&v);
	record_view_free(&v); /* a freed view can be freed again */

	assert_int_equal(record_open(&v, x->rec.ptr, x->rec.len, x->id), 0);
	record_view_free(&v);
}

static void
test_record__sign_appends_and_no_parents(void **state)
{
	fixture *x = *state;
	kn_buf b = KN_BUF_INIT;
	record_view v;
	char key[RECORD_DOC_KEY_MAX];

	x->f.nparents = 0;
	x->f.parents = NULL;
	assert_int_equal(kn_buf_put(&b, "AB", 2), 0);
	assert_int_equal(record_sign(&b, NULL, &x->f, x->pk, x->sk), 0);
	assert_memory_equal(b.ptr, "AB", 2);
	assert_int_equal(record_open(&v, b.ptr + 2, b.len - 2, NULL), 0);
	assert_int_equal(record_nparents(&v), 0);
	size_t n = record_doc_key(key, &v);
	assert_int_equal(n, strlen(key));
	assert_string_equal(key, "skp.target/20104321/198501012010011001");
	record_view_free(&v);
	kn_buf_free(&b);
}

static void
test_record__every_bit_flip_fails(void **state)
{
	fixture *x = *state;
	uint8_t *copy = malloc(x->rec.len);
	size_t badrec = 0, badsig = 0;

	assert_non_null(copy);
	for (size_t i = 0; i < x->rec.len * 8; i++) {
		record_view v;
		memcpy(copy, x->rec.ptr, x->rec.len);
		copy[i / 8] ^= (uint8_t)(1u << (i % 8));
		int rc = record_open(&v, copy, x->rec.len, NULL);
		if (rc == 0)
			fail_msg("record with bit %zu flipped still opened", i);
		assert_true(rc == KN_EBADREC || rc == KN_EBADSIG);
		badrec += rc == KN_EBADREC;
		badsig += rc == KN_EBADSIG;
	}
	/* Both kinds of failure were seen: the test reaches the signature. */
	assert_true(badrec > 0 && badsig > 0);
	free(copy);
}

static void
test_record__every_bit_flip_fails_with_id(void **state)
{
	fixture *x = *state;
	uint8_t *copy = malloc(x->rec.len);

	assert_non_null(copy);
	for (size_t i = 0; i < x->rec.len * 8; i++) {
		record_view v;
		memcpy(copy, x->rec.ptr, x->rec.len);
		copy[i / 8] ^= (uint8_t)(1u << (i % 8));
		int rc = record_open(&v, copy, x->rec.len, x->id);
		if (rc == 0)
			fail_msg("record with bit %zu flipped still opened", i);
	}
	free(copy);
}

static void
test_record__truncated_or_extended_fails(void **state)
{
	fixture *x = *state;
	kn_buf longer = KN_BUF_INIT;
	record_view v;

	for (size_t n = 0; n < x->rec.len; n++) {
		int rc = record_open(&v, x->rec.ptr, n, NULL);
		if (rc == 0)
			fail_msg("record truncated to %zu bytes still opened", n);
		assert_int_equal(rc, KN_EBADREC);
	}
	assert_int_equal(kn_buf_put(&longer, x->rec.ptr, x->rec.len), 0);
	assert_int_equal(kn_buf_put(&longer, "\xc0", 1), 0);
	assert_int_equal(record_open(&v, longer.ptr, longer.len, NULL), KN_EBADREC);
	assert_string_equal(kn_error_field(), "record");
	/* The scanner's reason survives in the message, readable. */
	assert_non_null(strstr(kn_error_message(), "1 unexpected bytes after"));
	kn_buf_free(&longer);
}

static void
test_record__want_id_mismatch(void **state)
{
	fixture *x = *state;
	uint8_t other[RECORD_ID_BYTES];
	record_view v;

	memcpy(other, x->id, RECORD_ID_BYTES);
	other[31] ^= 1;
	assert_int_equal(record_open(&v, x->rec.ptr, x->rec.len, other), KN_EBADSIG);
	/* what an operator reads on 'record import': Indonesian (domain/messages.c) */
	assert_non_null(strstr(kn_error_message(), "Id rekaman tidak cocok dengan isinya"));
}

/*
 * The store's read of its own records (record_open_stored): everything but
 * the signature is checked, so a record whose signature was broken after
 * it was verified still opens (the trust rule of store_record_open), while
 * the id must still be the payload's hash and the structure sound.
 */
static void
test_record__open_stored_skips_only_the_signature(void **state)
{
	fixture *x = *state;
	kn_buf b = KN_BUF_INIT;
	uint8_t other[RECORD_ID_BYTES];
	record_view v;

	assert_int_equal(record_open_stored(&v, x->rec.ptr, x->rec.len, x->id), 0);
	assert_memory_equal(v.id, x->id, RECORD_ID_BYTES);
	assert_memory_equal(v.author, x->pk, RECORD_KEY_BYTES);
	assert_int_equal(v.hlc, x->f.hlc);
	record_view_free(&v);

	kn_buf_put(&b, x->rec.ptr, x->rec.len);
	b.ptr[b.len - 10] ^= 0x04; /* a signature bit */
	assert_int_equal(record_open(&v, b.ptr, b.len, x->id), KN_EBADSIG);
	assert_string_equal(kn_error_field(), "signature");
	assert_non_null(strstr(kn_error_message(), "rekaman ini diubah atau dipalsukan"));
	assert_int_equal(record_open_stored(&v, b.ptr, b.len, x->id), 0);
	record_view_free(&v);

	memcpy(other, x->id, RECORD_ID_BYTES);
	other[0] ^= 1;
	assert_int_equal(record_open_stored(&v, x->rec.ptr, x->rec.len, other), KN_EBADSIG);
	assert_int_equal(record_open_stored(&v, x->rec.ptr, x->rec.len - 1, x->id), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "Rekaman ini rusak ("));

	/* it skips the structure scan, not the exact length: a byte more is refused */
	kn_buf_clear(&b);
	kn_buf_put(&b, x->rec.ptr, x->rec.len);
	kn_buf_put(&b, "\xc0", 1);
	assert_int_equal(record_open_stored(&v, b.ptr, b.len, x->id), KN_EBADREC);

	/* and damage anywhere but the signature is refused, never trusted */
	for (size_t i = 0; i + RECORD_SIG_BYTES < x->rec.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			kn_buf_clear(&b);
			kn_buf_put(&b, x->rec.ptr, x->rec.len);
			b.ptr[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(record_open_stored(&v, b.ptr, b.len, x->id), 0);
		}
	}
	kn_buf_free(&b);
}

/* record_sign with f, expecting KN_EINVAL naming field; out is untouched. */
static void
expect_sign_refused(fixture *x, const record_fields *f, const char *field)
{
	kn_buf b = KN_BUF_INIT;

	kn_error_clear();
	assert_int_equal(record_sign(&b, NULL, f, x->pk, x->sk), KN_EINVAL);
	assert_string_equal(kn_error_field(), field);
	assert_int_equal(b.len, 0);
	kn_buf_free(&b);
}

static void
test_record__sign_refuses_bad_fields(void **state)
{
	fixture *x = *state;
	record_fields f;
	uint8_t many[RECORD_MAX_PARENTS + 1][RECORD_ID_BYTES];
	char long_subject[130];
	static const uint8_t array_body[] = { 0x91, 0x01 };
	static const uint8_t map_and_more[] = { 0x80, 0x01 };
	static const uint8_t cut_map[] = { 0x81, 0xa1, 'a' };

	f = x->f; f.type = "Skp";
	expect_sign_refused(x, &f, "type");
	f = x->f; f.type = "";
	expect_sign_refused(x, &f, "type");
	f = x->f; f.type = "skp/target";
	expect_sign_refused(x, &f, "type");
	f = x->f; f.type = "abcdefghijklmnopqrstuvwxyz0123456"; /* 33 */
	expect_sign_refused(x, &f, "type");

	f = x->f; f.school = "2010432";
	expect_sign_refused(x, &f, "npsn");
	f = x->f; f.school = "201043210";
	expect_sign_refused(x, &f, "npsn");
	f = x->f; f.school = "2010432a";
	expect_sign_refused(x, &f, "npsn");
	f = x->f; f.school = "";
	expect_sign_refused(x, &f, "npsn");

	f = x->f; f.subject = "guru/1";
	expect_sign_refused(x, &f, "subject");
	f = x->f; f.subject = "";
	expect_sign_refused(x, &f, "subject");
	f = x->f; f.subject = "dua kata";
	expect_sign_refused(x, &f, "subject");
	memset(long_subject, 'x', 129);
	long_subject[129] = '\0';
	f = x->f; f.subject = long_subject;
	expect_sign_refused(x, &f, "subject");

	f = x->f; f.body = array_body; f.body_len = sizeof(array_body);
	expect_sign_refused(x, &f, "body");
	f = x->f; f.body = map_and_more; f.body_len = sizeof(map_and_more);
	expect_sign_refused(x, &f, "body");
	f = x->f; f.body = cut_map; f.body_len = sizeof(cut_map);
	expect_sign_refused(x, &f, "body");
	f = x->f; f.body = NULL; f.body_len = 0;
	expect_sign_refused(x, &f, "body");

	memset(many, 0x33, sizeof(many));
	f = x->f; f.parents = (const uint8_t (*)[RECORD_ID_BYTES])many; f.nparents = RECORD_MAX_PARENTS + 1;
	expect_sign_refused(x, &f, "parents");
	/* Exactly 16 is fine. */
	f.nparents = RECORD_MAX_PARENTS;
	kn_buf b = KN_BUF_INIT;
	record_view v;
	assert_int_equal(record_sign(&b, NULL, &f, x->pk, x->sk), 0);
	assert_int_equal(record_open(&v, b.ptr, b.len, NULL), 0);
	assert_int_equal(record_nparents(&v), RECORD_MAX_PARENTS);
	record_view_free(&v);
	kn_buf_free(&b);
}

static void
test_record__sign_refuses_huge_body(void **state)
{
	fixture *x = *state;
	kn_buf body = KN_BUF_INIT, b = KN_BUF_INIT;
	msgpack_packer p;
	record_fields f = x->f;
	char *blob = calloc(1, RECORD_MAX_BYTES);

	assert_non_null(blob);
	msgpack_packer_init(&p, &body, kn_buf_msgpack_write);
	msgpack_pack_map(&p, 1);
	pack_cstr(&p, "berkas");
	msgpack_pack_bin(&p, RECORD_MAX_BYTES - 200);
	msgpack_pack_bin_body(&p, blob, RECORD_MAX_BYTES - 200);
	f.body = body.ptr;
	f.body_len = body.len;
	assert_int_equal(record_sign(&b, NULL, &f, x->pk, x->sk), KN_ETOOBIG);
	assert_int_equal(b.len, 0);
	kn_buf_free(&body);
	kn_buf_free(&b);
	free(blob);
}

/* Ways to get a payload wrong while signing it correctly. */
enum {
	P_OK,
	P_OK_FORMAT1,
	P_EXTRA_KEY,
	P_MISSING_KEY,
	P_NO_AUTH,
	P_AUTH_IN_FORMAT1,
	P_AUTH_7,
	P_AUTH_31,
	P_DUP_KEY,
	P_V3,
	P_V_STR,
	P_PARENT_31,
	P_PARENTS_17,
	P_PARENTS_MAP,
	P_BODY_ARRAY,
	P_BAD_TYPE,
	P_BAD_SCHOOL,
	P_BAD_SUBJECT,
	P_HLC_NEGATIVE,
	P_KEY_NOT_STR,
	P_NOT_A_MAP,
	P_TRAILING,
	P_DEEP_BODY,
	P_HUGE_ARRAY,
	P_COUNT
};

/* Pack a payload with the defect `what`, authored by pk. */
static void
pack_payload(kn_buf *b, int what, const uint8_t pk[RECORD_KEY_BYTES])
{
	msgpack_packer p;
	uint8_t id[RECORD_ID_BYTES];

	memset(id, 0x5a, sizeof(id));
	msgpack_packer_init(&p, b, kn_buf_msgpack_write);
	if (what == P_NOT_A_MAP) {
		msgpack_pack_array(&p, 1);
		msgpack_pack_bin(&p, RECORD_KEY_BYTES);
		msgpack_pack_bin_body(&p, pk, RECORD_KEY_BYTES);
		return;
	}
	/* format 2 (with "auth") unless the case is about format 1 */
	int format1 = what == P_OK_FORMAT1 || what == P_AUTH_IN_FORMAT1;
	int nkeys = format1 ? 8 : 9;
	if (what == P_EXTRA_KEY)
		nkeys++;
	if (what == P_MISSING_KEY || what == P_NO_AUTH)
		nkeys--;
	if (what == P_AUTH_IN_FORMAT1)
		nkeys++;
	msgpack_pack_map(&p, nkeys);
	pack_cstr(&p, "v");
	if (what == P_V_STR)
		pack_cstr(&p, "1");
	else
		msgpack_pack_uint8(&p, what == P_V3 ? 3 : format1 ? 1 : 2);
	pack_cstr(&p, "type");
	pack_cstr(&p, what == P_BAD_TYPE ? "Nilai" : "nilai");
	/* P_DUP_KEY: "type" twice, "school" never. */
	pack_cstr(&p, what == P_DUP_KEY ? "type" : "school");
	pack_cstr(&p, what == P_DUP_KEY ? "nilai" : what == P_BAD_SCHOOL ? "2010432x" : "20104321");
	pack_cstr(&p, "subject");
	pack_cstr(&p, what == P_BAD_SUBJECT ? "a/b" : "guru-1");
	pack_cstr(&p, "author");
	msgpack_pack_bin(&p, RECORD_KEY_BYTES);
	msgpack_pack_bin_body(&p, pk, RECORD_KEY_BYTES);
	if (what == P_KEY_NOT_STR)
		msgpack_pack_uint8(&p, 7);
	else
		pack_cstr(&p, "hlc");
	if (what == P_HLC_NEGATIVE)
		msgpack_pack_int8(&p, -1);
	else
		msgpack_pack_uint64(&p, 12345);
	pack_cstr(&p, "parents");
	if (what == P_PARENTS_MAP) {
		msgpack_pack_map(&p, 0);
	} else if (what == P_HUGE_ARRAY) {
		/* An array header declaring 2^32-1 ids, followed by one. */
		uint8_t hdr[5] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
		kn_buf_put(b, hdr, sizeof(hdr));
		msgpack_pack_bin(&p, RECORD_ID_BYTES);
		msgpack_pack_bin_body(&p, id, RECORD_ID_BYTES);
	} else {
		size_t n = what == P_PARENTS_17 ? 17 : 1;
		msgpack_pack_array(&p, n);
		for (size_t i = 0; i < n; i++) {
			size_t len = what == P_PARENT_31 ? 31 : RECORD_ID_BYTES;
			msgpack_pack_bin(&p, len);
			msgpack_pack_bin_body(&p, id, len);
		}
	}
	if (what != P_NO_AUTH && (!format1 || what == P_AUTH_IN_FORMAT1)) {
		size_t n = what == P_AUTH_7 ? 7 : 1;
		pack_cstr(&p, "auth");
		msgpack_pack_array(&p, n);
		for (size_t i = 0; i < n; i++) {
			msgpack_pack_bin(&p, what == P_AUTH_31 ? 31 : RECORD_ID_BYTES);
			msgpack_pack_bin_body(&p, id, what == P_AUTH_31 ? 31 : RECORD_ID_BYTES);
		}
	}
	if (what != P_MISSING_KEY) {
		pack_cstr(&p, "body");
		if (what == P_BODY_ARRAY) {
			msgpack_pack_array(&p, 0);
		} else if (what == P_DEEP_BODY) {
			/* Nested 40 deep: refused by the scanner. */
			msgpack_pack_map(&p, 1);
			pack_cstr(&p, "x");
			for (int i = 0; i < 40; i++)
				msgpack_pack_array(&p, 1);
			msgpack_pack_nil(&p);
		} else {
			msgpack_pack_map(&p, 0);
		}
	}
	if (what == P_EXTRA_KEY) {
		pack_cstr(&p, "catatan");
		msgpack_pack_nil(&p);
	}
	if (what == P_TRAILING)
		msgpack_pack_nil(&p);
}

/* Sign payload with sk and wrap it as [payload, sig]. */
static void
wrap_signed(kn_buf *out, const kn_buf *payload, const unsigned char *sk)
{
	uint8_t sig[RECORD_SIG_BYTES];
	msgpack_packer p;

	crypto_sign_detached(sig, NULL, payload->ptr, payload->len, sk);
	msgpack_packer_init(&p, out, kn_buf_msgpack_write);
	msgpack_pack_array(&p, 2);
	msgpack_pack_bin(&p, payload->len);
	msgpack_pack_bin_body(&p, payload->ptr, payload->len);
	msgpack_pack_bin(&p, sizeof(sig));
	msgpack_pack_bin_body(&p, sig, sizeof(sig));
}

static void
test_record__signed_schema_violations(void **state)
{
	fixture *x = *state;
	/* Why each defective payload is refused (checked against the message). */
	static const char *why[P_COUNT] = {
		[P_EXTRA_KEY] = "exactly the keys",
		[P_MISSING_KEY] = "exactly the keys",
		[P_NO_AUTH] = "exactly the keys v, type, school, subject, author, hlc, parents, auth, body",
		[P_AUTH_IN_FORMAT1] = "exactly the keys",
		[P_AUTH_7] = "at most 6",
		[P_AUTH_31] = "32-byte record id",
		[P_DUP_KEY] = "duplicate key",
		[P_V3] = "version",
		[P_V_STR] = "version",
		[P_PARENT_31] = "32-byte record id",
		[P_PARENTS_17] = "at most 16",
		[P_PARENTS_MAP] = "parents must be an array",
		[P_BODY_ARRAY] = "body must be a map",
		[P_BAD_TYPE] = "type must be",
		[P_BAD_SCHOOL] = "8-digit NPSN",
		[P_BAD_SUBJECT] = "subject must be",
		[P_HLC_NEGATIVE] = "hlc must be",
		[P_KEY_NOT_STR] = "unknown key",
		[P_NOT_A_MAP] = "payload must be a map",
		[P_TRAILING] = "unexpected bytes after",
		[P_DEEP_BODY] = "nested deeper than 32",
		[P_HUGE_ARRAY] = "exceeds the limit",
	};

	for (int what = 0; what < P_COUNT; what++) {
		kn_buf payload = KN_BUF_INIT, rec = KN_BUF_INIT;
		record_view v;
		uint64_t t0;
		int rc;

		pack_payload(&payload, what, x->pk);
		wrap_signed(&rec, &payload, x->sk);
		t0 = kn_mono_ms();
		rc = record_open(&v, rec.ptr, rec.len, NULL);
		assert_true(kn_mono_ms() - t0 < 1000);
		if (what == P_OK || what == P_OK_FORMAT1) {
			/* format 1 records (no auth) stay readable */
			assert_int_equal(rc, 0);
			assert_int_equal(record_nauth(&v), what == P_OK ? 1 : 0);
			record_view_free(&v);
		} else if (rc != KN_EBADREC || strstr(kn_error_message(), why[what]) == NULL) {
			fail_msg("payload defect %d: got %d (%s), want KN_EBADREC (%s)", what, rc,
			    kn_error_message(), why[what]);
		}
		kn_buf_free(&payload);
		kn_buf_free(&rec);
	}
}

static void
test_record__author_must_sign(void **state)
{
	fixture *x = *state;
	uint8_t pk2[RECORD_KEY_BYTES];
	unsigned char sk2[crypto_sign_SECRETKEYBYTES];
	kn_buf payload = KN_BUF_INIT, rec = KN_BUF_INIT;
	record_view v;

	/* Well formed, names x->pk as author, signed by someone else. */
	crypto_sign_keypair(pk2, sk2);
	pack_payload(&payload, P_OK, x->pk);
	wrap_signed(&rec, &payload, sk2);
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), KN_EBADSIG);
	assert_string_equal(kn_error_field(), "signature");
	kn_buf_free(&payload);
	kn_buf_free(&rec);
	sodium_memzero(sk2, sizeof(sk2));
}

static void
test_record__bad_envelopes(void **state)
{
	fixture *x = *state;
	kn_buf payload = KN_BUF_INIT, rec = KN_BUF_INIT;
	uint8_t sig[RECORD_SIG_BYTES];
	msgpack_packer p;
	record_view v;

	pack_payload(&payload, P_OK, x->pk);
	crypto_sign_detached(sig, NULL, payload.ptr, payload.len, x->sk);

	/* [payload, sig, nil] */
	msgpack_packer_init(&p, &rec, kn_buf_msgpack_write);
	msgpack_pack_array(&p, 3);
	msgpack_pack_bin(&p, payload.len);
	msgpack_pack_bin_body(&p, payload.ptr, payload.len);
	msgpack_pack_bin(&p, sizeof(sig));
	msgpack_pack_bin_body(&p, sig, sizeof(sig));
	msgpack_pack_nil(&p);
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), KN_EBADREC);

	/* [payload, sig[0..63)] */
	kn_buf_clear(&rec);
	msgpack_pack_array(&p, 2);
	msgpack_pack_bin(&p, payload.len);
	msgpack_pack_bin_body(&p, payload.ptr, payload.len);
	msgpack_pack_bin(&p, sizeof(sig) - 1);
	msgpack_pack_bin_body(&p, sig, sizeof(sig) - 1);
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), KN_EBADREC);

	/* [payload as str, sig] */
	kn_buf_clear(&rec);
	msgpack_pack_array(&p, 2);
	msgpack_pack_str(&p, payload.len);
	msgpack_pack_str_body(&p, payload.ptr, payload.len);
	msgpack_pack_bin(&p, sizeof(sig));
	msgpack_pack_bin_body(&p, sig, sizeof(sig));
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), KN_EBADREC);

	/* {payload: sig} */
	kn_buf_clear(&rec);
	msgpack_pack_map(&p, 1);
	msgpack_pack_bin(&p, payload.len);
	msgpack_pack_bin_body(&p, payload.ptr, payload.len);
	msgpack_pack_bin(&p, sizeof(sig));
	msgpack_pack_bin_body(&p, sig, sizeof(sig));
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), KN_EBADREC);

	/* [empty payload, sig] */
	kn_buf_clear(&rec);
	msgpack_pack_array(&p, 2);
	msgpack_pack_bin(&p, 0);
	msgpack_pack_bin(&p, sizeof(sig));
	msgpack_pack_bin_body(&p, sig, sizeof(sig));
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), KN_EBADREC);

	/* [payload, sig] in the wider encodings MessagePack allows (array16, bin32, bin16): the same record */
	static const uint8_t arr16[] = { 0xdc, 0, 2 }, sig16[] = { 0xc5, 0, RECORD_SIG_BYTES };
	uint8_t bin32[5] = { 0xc6, 0, 0, (uint8_t)(payload.len >> 8), (uint8_t)payload.len };
	uint8_t want[RECORD_ID_BYTES];
	record_id_of(want, payload.ptr, payload.len);
	kn_buf_clear(&rec);
	assert_int_equal(kn_buf_put(&rec, arr16, sizeof(arr16)), 0);
	assert_int_equal(kn_buf_put(&rec, bin32, sizeof(bin32)), 0);
	assert_int_equal(kn_buf_put(&rec, payload.ptr, payload.len), 0);
	assert_int_equal(kn_buf_put(&rec, sig16, sizeof(sig16)), 0);
	assert_int_equal(kn_buf_put(&rec, sig, sizeof(sig)), 0);
	assert_int_equal(record_open(&v, rec.ptr, rec.len, want), 0);
	assert_int_equal(v.payload_len, payload.len);
	record_view_free(&v);
	/* cut inside each header, and a length past the end */
	assert_int_equal(record_open(&v, rec.ptr, 2, NULL), KN_EBADREC);
	assert_int_equal(record_open(&v, rec.ptr, 5, NULL), KN_EBADREC);
	assert_int_equal(record_open(&v, rec.ptr, 3 + 5 + payload.len + 2, NULL), KN_EBADREC);
	rec.ptr[5] = 0xff;
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), KN_EBADREC);
	/* array16 of 1 holding both bins */
	rec.ptr[5] = 0;
	rec.ptr[2] = 1;
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), KN_EBADREC);
	assert_int_equal(record_open_stored(&v, rec.ptr, rec.len, NULL), KN_EBADREC);

	/* Empty input and a lone nil. */
	assert_int_equal(record_open(&v, rec.ptr, 0, NULL), KN_EBADREC);
	assert_int_equal(record_open(&v, (const uint8_t *)"\xc0", 1, NULL), KN_EBADREC);

	kn_buf_free(&payload);
	kn_buf_free(&rec);
}

/* Keys "k0", "k1", ... of varied length; BIG_KEYS of them make ~60 KB. */
#define BIG_KEYS 9000

/* The name of key i of the big body into out (n bytes). */
static void
big_key(char *out, size_t n, size_t i)
{
	snprintf(out, n, "k%zu", i);
}

/*
 * Sign a body of BIG_KEYS keys with nil values where key `dst` is written
 * as a copy of key `src` (no copy when dst == src), and try to open it.
 */
static int
open_big_body(fixture *x, size_t src, size_t dst)
{
	kn_buf body = KN_BUF_INIT, rec = KN_BUF_INIT;
	record_fields f = x->f;
	msgpack_packer p;
	record_view v;
	char key[16];
	int rc;

	msgpack_packer_init(&p, &body, kn_buf_msgpack_write);
	msgpack_pack_map(&p, BIG_KEYS);
	for (size_t i = 0; i < BIG_KEYS; i++) {
		big_key(key, sizeof(key), i == dst ? src : i);
		pack_cstr(&p, key);
		msgpack_pack_nil(&p);
	}
	assert_true(body.len > 60000);
	f.body = body.ptr;
	f.body_len = body.len;
	assert_int_equal(record_sign(&rec, NULL, &f, x->pk, x->sk), 0);
	rc = record_open(&v, rec.ptr, rec.len, NULL);
	if (rc == 0)
		record_view_free(&v);
	kn_buf_free(&body);
	kn_buf_free(&rec);
	return rc;
}

static void
test_record__body_keys_unique_at_scale(void **state)
{
	fixture *x = *state;
	/* {src, dst}: key dst repeats key src, at the ends and in between. */
	static const size_t dups[][2] = {
		{ 0, 1 },
		{ 0, BIG_KEYS - 1 },
		{ BIG_KEYS - 1, 0 },
		{ BIG_KEYS - 2, BIG_KEYS - 1 },
		{ BIG_KEYS / 2, BIG_KEYS / 2 + 1 },
		{ BIG_KEYS / 2, 0 },
		{ 7, 4321 },
	};

	assert_int_equal(open_big_body(x, 0, 0), 0);
	for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++) {
		kn_error_clear();
		if (open_big_body(x, dups[i][0], dups[i][1]) != KN_EBADREC ||
		    strstr(kn_error_message(), "duplicate key in body") == NULL)
			fail_msg("key %zu repeated at %zu: %s", dups[i][0], dups[i][1], kn_error_message());
	}
}

/* The same key text in two encodings (fixstr, str8) is the same key. */
static void
test_record__body_key_twice_in_two_encodings(void **state)
{
	fixture *x = *state;
	static const uint8_t body[] = { 0x82, 0xa1, 'a', 0xc0, 0xd9, 0x01, 'a', 0xc0 };
	static const uint8_t body_ok[] = { 0x82, 0xa1, 'a', 0xc0, 0xd9, 0x01, 'b', 0xc0 };
	kn_buf rec = KN_BUF_INIT;
	record_fields f = x->f;
	record_view v;

	f.body = body_ok;
	f.body_len = sizeof(body_ok);
	assert_int_equal(record_sign(&rec, NULL, &f, x->pk, x->sk), 0);
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), 0);
	record_view_free(&v);
	kn_buf_clear(&rec);
	f.body = body;
	f.body_len = sizeof(body);
	assert_int_equal(record_sign(&rec, NULL, &f, x->pk, x->sk), 0);
	assert_int_equal(record_open(&v, rec.ptr, rec.len, NULL), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "duplicate key in body"));
	kn_buf_free(&rec);
}

static void
test_record__huge_declared_lengths_fail_fast(void **state)
{
	record_view v;
	uint8_t rec[64];
	uint64_t t0 = kn_mono_ms();

	(void)state;
	memset(rec, 0xc0, sizeof(rec));
	/* Outer array declaring 4 billion elements. */
	rec[0] = 0xdd;
	rec[1] = rec[2] = rec[3] = rec[4] = 0xff;
	assert_int_equal(record_open(&v, rec, sizeof(rec), NULL), KN_EBADREC);
	/* Outer map declaring 4 billion pairs. */
	rec[0] = 0xdf;
	assert_int_equal(record_open(&v, rec, sizeof(rec), NULL), KN_EBADREC);
	/* [bin32 of 4 GiB, ...] */
	rec[0] = 0x92;
	rec[1] = 0xc6;
	rec[2] = rec[3] = rec[4] = rec[5] = 0xff;
	assert_int_equal(record_open(&v, rec, sizeof(rec), NULL), KN_EBADREC);
	/* Bigger than a record may be, whatever it holds. */
	uint8_t *big = calloc(1, (size_t)RECORD_MAX_BYTES + 1);
	assert_non_null(big);
	memcpy(big, rec, sizeof(rec));
	assert_int_equal(record_open(&v, big, (size_t)RECORD_MAX_BYTES + 1, NULL), KN_EBADREC);
	free(big);
	assert_true(kn_mono_ms() - t0 < 1000);
}

static void
test_record__hlc_next(void **state)
{
	uint64_t t, prev;

	(void)state;
	assert_true(record_hlc_next(0, 1000) == (uint64_t)1000 << 16);
	/* Same millisecond: the counter moves. */
	assert_true(record_hlc_next((uint64_t)1000 << 16, 1000) == ((uint64_t)1000 << 16) + 1);
	/* Last time in the future (clock went back): last + 1. */
	t = ((uint64_t)5000 << 16) | 3;
	assert_true(record_hlc_next(t, 1000) == t + 1);
	/* Wall clock ahead: counter resets. */
	assert_true(record_hlc_next(t, 6000) == (uint64_t)6000 << 16);
	/* Strictly increasing whatever the clock does. */
	prev = 0;
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t now = 1700000000000 + (i % 7 == 0 ? 0 : i / 3) - (i % 11 == 0 ? 50 : 0);
		t = record_hlc_next(prev, now);
		assert_true(t > prev);
		prev = t;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_record__sign_then_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__sign_appends_and_no_parents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__every_bit_flip_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__every_bit_flip_fails_with_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__truncated_or_extended_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__want_id_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__open_stored_skips_only_the_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__sign_refuses_bad_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__sign_refuses_huge_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__signed_schema_violations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__author_must_sign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__bad_envelopes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__body_keys_unique_at_scale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record__body_key_twice_in_two_encodings, setup, teardown),
		cmocka_unit_test(test_record__huge_declared_lengths_fail_fast),
		cmocka_unit_test(test_record__hlc_next),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
