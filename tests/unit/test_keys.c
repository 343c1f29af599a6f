/*
 * test_keys.c - unit tests of store/keys.c: sealing a secret key under a
 * passphrase, opening it again, refusing forged or damaged sealed keys and
 * the device key file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../domain/messages.h"
#include "../../store/keys.h"
#include "../../store/store.h"

#define PASS "kata sandi guru"
#define PASSLEN (sizeof(PASS) - 1)

/* A fresh key pair sealed under PASS with the test cost. */
typedef struct {
	keys_secret *k;
	kn_buf sealed;
} sealed_fixture;

static int
setup_sealed(void **state)
{
	sealed_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(keys_generate(&f->k), 0);
	assert_int_equal(keys_seal(&f->sealed, f->k, PASS, PASSLEN, KEYS_COST_TEST), 0);
	*state = f;
	return 0;
}

static int
teardown_sealed(void **state)
{
	sealed_fixture *f = *state;

	keys_secret_free(f->k);
	kn_buf_free(&f->sealed);
	free(f);
	return 0;
}

/* Does a signature made with k's secret key verify under pk? */
static int
signs_for(const keys_secret *k, const uint8_t pk[KEYS_PK_BYTES])
{
	static const unsigned char msg[] = "penilaian kinerja guru 2024";
	uint8_t sig[crypto_sign_BYTES];

	crypto_sign_detached(sig, NULL, msg, sizeof(msg) - 1, k->sk);
	return crypto_sign_verify_detached(sig, msg, sizeof(msg) - 1, pk) == 0;
}

static void
test_keys__generate_makes_working_pair(void **state)
{
	keys_secret *k = NULL, *k2 = NULL;

	(void)state;
	assert_int_equal(keys_generate(&k), 0);
	assert_int_equal(keys_generate(&k2), 0);
	assert_true(signs_for(k, k->pk));
	assert_false(signs_for(k, k2->pk));
	assert_memory_not_equal(k->pk, k2->pk, KEYS_PK_BYTES);
	keys_secret_free(k);
	keys_secret_free(k2);
	keys_secret_free(NULL);
}

static void
test_keys__seal_then_open(void **state)
{
	sealed_fixture *f = *state;
	keys_secret *o = NULL;

	assert_int_equal(keys_open(&o, f->sealed.ptr, f->sealed.len, f->k->pk, PASS, PASSLEN), 0);
	assert_non_null(o);
	assert_memory_equal(o->pk, f->k->pk, KEYS_PK_BYTES);
	assert_memory_equal(o->sk, f->k->sk, KEYS_SK_BYTES);
	assert_true(signs_for(o, f->k->pk));
	keys_secret_free(o);
}

static void
test_keys__seal_is_randomised(void **state)
{
	sealed_fixture *f = *state;
	kn_buf again = KN_BUF_INIT;

	assert_int_equal(keys_seal(&again, f->k, PASS, PASSLEN, KEYS_COST_TEST), 0);
	assert_int_equal(again.len, f->sealed.len);
	assert_memory_not_equal(again.ptr, f->sealed.ptr, again.len);
	kn_buf_free(&again);
}

static void
test_keys__seal_appends(void **state)
{
	sealed_fixture *f = *state;
	kn_buf b = KN_BUF_INIT;
	keys_secret *o = NULL;

	assert_int_equal(kn_buf_put(&b, "xyz", 3), 0);
	assert_int_equal(keys_seal(&b, f->k, PASS, PASSLEN, KEYS_COST_TEST), 0);
	assert_memory_equal(b.ptr, "xyz", 3);
	assert_int_equal(keys_open(&o, b.ptr + 3, b.len - 3, f->k->pk, PASS, PASSLEN), 0);
	keys_secret_free(o);
	kn_buf_free(&b);
}

static void
test_keys__default_cost_round_trip(void **state)
{
	keys_secret *k = NULL, *o = NULL;
	kn_buf sealed = KN_BUF_INIT;

	(void)state;
	assert_int_equal(keys_generate(&k), 0);
	assert_int_equal(keys_seal(&sealed, k, PASS, PASSLEN, KEYS_COST_DEFAULT), 0);
	assert_int_equal(keys_open(&o, sealed.ptr, sealed.len, k->pk, PASS, PASSLEN), 0);
	assert_true(signs_for(o, k->pk));
	keys_secret_free(o);
	assert_int_equal(keys_open(&o, sealed.ptr, sealed.len, k->pk, "kata sandi salah", 16), KN_EAUTH);
	assert_null(o);
	keys_secret_free(k);
	kn_buf_free(&sealed);
}

static void
test_keys__wrong_passphrase(void **state)
{
	sealed_fixture *f = *state;
	keys_secret *o = (keys_secret *)1;

	assert_int_equal(keys_open(&o, f->sealed.ptr, f->sealed.len, f->k->pk, "kata sandi guruX", 16), KN_EAUTH);
	assert_null(o);
	assert_string_equal(kn_error_field(), "passphrase");
	/* what the person reads is the catalog's Indonesian (domain/messages.c) */
	assert_string_equal(kn_error_message(), domain_msg_text("KUNCI_SANDI_SALAH"));
	assert_non_null(strstr(kn_error_message(), "Kata sandi salah"));
	/* One character short, and one that could never have sealed a key. */
	assert_int_equal(keys_open(&o, f->sealed.ptr, f->sealed.len, f->k->pk, PASS, PASSLEN - 1), KN_EAUTH);
	assert_int_equal(keys_open(&o, f->sealed.ptr, f->sealed.len, f->k->pk, "short", 5), KN_EAUTH);
	assert_int_equal(keys_open(&o, f->sealed.ptr, f->sealed.len, f->k->pk, NULL, 0), KN_EAUTH);
	assert_null(o);
}

static void
test_keys__every_bit_flip_fails(void **state)
{
	sealed_fixture *f = *state;
	uint8_t *copy = malloc(f->sealed.len);

	assert_non_null(copy);
	for (size_t i = 0; i < f->sealed.len * 8; i++) {
		keys_secret *o = NULL;
		memcpy(copy, f->sealed.ptr, f->sealed.len);
		copy[i / 8] ^= (uint8_t)(1u << (i % 8));
		int rc = keys_open(&o, copy, f->sealed.len, f->k->pk, PASS, PASSLEN);
		if (rc == 0)
			fail_msg("flipping bit %zu of the sealed key still opened it", i);
		assert_true(rc == KN_EBADREC || rc == KN_EAUTH);
		assert_null(o);
	}
	free(copy);
}

static void
test_keys__truncated_or_extended_fails(void **state)
{
	sealed_fixture *f = *state;
	keys_secret *o = NULL;
	kn_buf longer = KN_BUF_INIT;

	for (size_t n = 0; n < f->sealed.len; n++)
		assert_int_equal(keys_open(&o, f->sealed.ptr, n, f->k->pk, PASS, PASSLEN), KN_EBADREC);
	assert_int_equal(kn_buf_put(&longer, f->sealed.ptr, f->sealed.len), 0);
	assert_int_equal(kn_buf_put(&longer, "", 1), 0);
	assert_int_equal(keys_open(&o, longer.ptr, longer.len, f->k->pk, PASS, PASSLEN), KN_EBADREC);
	assert_null(o);
	kn_buf_free(&longer);
}

static void
test_keys__other_public_key(void **state)
{
	sealed_fixture *f = *state;
	keys_secret *other = NULL, *o = NULL;

	assert_int_equal(keys_generate(&other), 0);
	assert_int_equal(keys_open(&o, f->sealed.ptr, f->sealed.len, other->pk, PASS, PASSLEN), KN_EBADREC);
	assert_null(o);
	assert_string_equal(kn_error_field(), "sealed_key");
	assert_non_null(strstr(kn_error_message(), "Kunci tersimpan akun ini rusak"));
	assert_non_null(strstr(kn_error_message(), "kinerja user reset-passphrase"));
	keys_secret_free(other);
}

static void
test_keys__passphrase_rules(void **state)
{
	char big[KEYS_PASS_MAX + 1];

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_int_equal(keys_passphrase_check("12345678", 8), 0);
	assert_int_equal(keys_passphrase_check(big, KEYS_PASS_MAX), 0);

	kn_error_clear();
	assert_int_equal(keys_passphrase_check("1234567", 7), KN_EINVAL);
	assert_string_equal(kn_error_field(), "passphrase");
	assert_string_equal(kn_error_message(), "Kata sandi minimal 8 karakter. Pilih kata sandi yang lebih panjang.");

	kn_error_clear();
	assert_int_equal(keys_passphrase_check(big, KEYS_PASS_MAX + 1), KN_EINVAL);
	assert_string_equal(kn_error_field(), "passphrase");
	assert_non_null(strstr(kn_error_message(), "Kata sandi paling banyak 1024 karakter"));

	kn_error_clear();
	assert_int_equal(keys_passphrase_check("abcd\0efgh", 9), KN_EINVAL);
	assert_string_equal(kn_error_field(), "passphrase");
	assert_non_null(strstr(kn_error_message(), "Kata sandi memuat karakter NUL"));

	assert_int_equal(keys_passphrase_check(NULL, 0), KN_EINVAL);
	assert_int_equal(keys_passphrase_check("", 0), KN_EINVAL);
}

static void
test_keys__seal_refuses_bad_passphrase(void **state)
{
	sealed_fixture *f = *state;
	kn_buf b = KN_BUF_INIT;
	char big[KEYS_PASS_MAX + 1];

	memset(big, 'a', sizeof(big));
	assert_int_equal(keys_seal(&b, f->k, "pendek", 6, KEYS_COST_TEST), KN_EINVAL);
	assert_string_equal(kn_error_field(), "passphrase");
	assert_int_equal(keys_seal(&b, f->k, big, sizeof(big), KEYS_COST_TEST), KN_EINVAL);
	assert_string_equal(kn_error_field(), "passphrase");
	assert_int_equal(keys_seal(&b, f->k, "abcd\0efgh", 9, KEYS_COST_TEST), KN_EINVAL);
	assert_string_equal(kn_error_field(), "passphrase");
	assert_int_equal(b.len, 0);
}

static void
test_keys__seal_refuses_bad_cost(void **state)
{
	sealed_fixture *f = *state;
	kn_buf b = KN_BUF_INIT;
	keys_cost huge = { crypto_pwhash_OPSLIMIT_MIN, (size_t)4 << 30 };
	keys_cost zero = { 0, crypto_pwhash_MEMLIMIT_MIN };
	keys_cost odd = { crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN + 100 };

	assert_int_equal(keys_seal(&b, f->k, PASS, PASSLEN, huge), KN_EINVAL);
	assert_string_equal(kn_error_field(), "cost");
	assert_int_equal(keys_seal(&b, f->k, PASS, PASSLEN, zero), KN_EINVAL);
	assert_int_equal(keys_seal(&b, f->k, PASS, PASSLEN, odd), KN_EINVAL);
	assert_int_equal(b.len, 0);
}

static void
test_keys__sealed_holds_no_secret(void **state)
{
	sealed_fixture *f = *state;

	/* The seed is the first half of libsodium's secret key. */
	assert_null(memmem(f->sealed.ptr, f->sealed.len, f->k->sk, crypto_sign_SEEDBYTES));
	assert_null(memmem(f->sealed.ptr, f->sealed.len, f->k->sk, KEYS_SK_BYTES));
	assert_null(memmem(f->sealed.ptr, f->sealed.len, f->k->sk + 8, 8));
}

/* Hand-made sealed keys. */
typedef struct {
	int64_t v;              /* < 0: leave out */
	const char *alg;        /* NULL: leave out */
	uint64_t ops;
	uint64_t mem;
	size_t salt_len;
	size_t nonce_len;
	size_t box_len;
	const char *extra;      /* an extra key, or NULL */
	int dup_salt;           /* repeat "salt" in place of "nonce" */
} forged;

static const forged forged_ok = {
	1, "argon2id13+xsalsa20poly1305", crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
	crypto_pwhash_SALTBYTES, crypto_secretbox_NONCEBYTES, crypto_secretbox_MACBYTES + KEYS_SK_BYTES,
	NULL, 0
};

static void
pack_cstr(msgpack_packer *p, const char *s)
{
	msgpack_pack_str(p, strlen(s));
	msgpack_pack_str_body(p, s, strlen(s));
}

static void
pack_zero_bin(msgpack_packer *p, size_t n)
{
	static const uint8_t zero[256];

	msgpack_pack_bin(p, n);
	msgpack_pack_bin_body(p, zero, n);
}

static void
pack_forged(kn_buf *out, const forged *g)
{
	msgpack_packer p;
	size_t n = 5 + (g->v >= 0) + (g->alg != NULL) + (g->extra != NULL);

	msgpack_packer_init(&p, out, kn_buf_msgpack_write);
	msgpack_pack_map(&p, n);
	if (g->v >= 0) {
		pack_cstr(&p, "v");
		msgpack_pack_int64(&p, g->v);
	}
	if (g->alg) {
		pack_cstr(&p, "alg");
		pack_cstr(&p, g->alg);
	}
	pack_cstr(&p, "ops");
	msgpack_pack_uint64(&p, g->ops);
	pack_cstr(&p, "mem");
	msgpack_pack_uint64(&p, g->mem);
	pack_cstr(&p, "salt");
	pack_zero_bin(&p, g->salt_len);
	pack_cstr(&p, g->dup_salt ? "salt" : "nonce");
	pack_zero_bin(&p, g->nonce_len);
	pack_cstr(&p, "box");
	pack_zero_bin(&p, g->box_len);
	if (g->extra) {
		pack_cstr(&p, g->extra);
		msgpack_pack_nil(&p);
	}
}

/* keys_open on a forged blob; returns its code. */
static int
open_forged(const forged *g, const uint8_t pk[KEYS_PK_BYTES])
{
	kn_buf b = KN_BUF_INIT;
	keys_secret *o = NULL;
	int rc;

	pack_forged(&b, g);
	rc = keys_open(&o, b.ptr, b.len, pk, PASS, PASSLEN);
	assert_null(o);
	kn_buf_free(&b);
	return rc;
}

static void
test_keys__forged_schema_refused(void **state)
{
	sealed_fixture *f = *state;
	forged g;

	/* The well-formed forgery gets as far as decryption. */
	assert_int_equal(open_forged(&forged_ok, f->k->pk), KN_EAUTH);

	g = forged_ok; g.v = 2;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.v = -1;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.alg = "argon2i13+xsalsa20poly1305";
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.alg = NULL;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.salt_len = 15;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.nonce_len = 25;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.box_len = 64;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.extra = "note";
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.dup_salt = 1; g.nonce_len = crypto_pwhash_SALTBYTES;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	assert_string_equal(kn_error_field(), "sealed_key");
}

static void
test_keys__forged_cost_refused_before_derivation(void **state)
{
	sealed_fixture *f = *state;
	forged g;
	uint64_t t0;

	/*
	 * 4 GiB of Argon2id memory: refused by the schema check, so it takes
	 * no time and allocates nothing (a derivation would need 4 GiB).
	 */
	t0 = kn_mono_ms();
	g = forged_ok; g.mem = (uint64_t)4 << 30;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "memory cost"));
	g = forged_ok; g.mem = (uint64_t)crypto_pwhash_MEMLIMIT_SENSITIVE + 1;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.mem = crypto_pwhash_MEMLIMIT_MIN - 1;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	/* libsodium ignores memory below 1 KiB: such bits must not be free. */
	g = forged_ok; g.mem = crypto_pwhash_MEMLIMIT_MIN + 1;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.ops = (uint64_t)crypto_pwhash_OPSLIMIT_SENSITIVE + 1;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "pass count"));
	g = forged_ok; g.ops = UINT64_MAX;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	g = forged_ok; g.ops = 0;
	assert_int_equal(open_forged(&g, f->k->pk), KN_EBADREC);
	assert_true(kn_mono_ms() - t0 < 1000);
}

static void
test_keys__oversized_or_garbage_refused(void **state)
{
	sealed_fixture *f = *state;
	keys_secret *o = NULL;
	static const uint8_t huge_map[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t not_mp[] = { 0xc1 };
	static const uint8_t array[] = { 0x90 };
	uint8_t *big = calloc(1, 2048);

	assert_non_null(big);
	assert_int_equal(keys_open(&o, huge_map, sizeof(huge_map), f->k->pk, PASS, PASSLEN), KN_EBADREC);
	assert_int_equal(keys_open(&o, not_mp, sizeof(not_mp), f->k->pk, PASS, PASSLEN), KN_EBADREC);
	assert_int_equal(keys_open(&o, array, sizeof(array), f->k->pk, PASS, PASSLEN), KN_EBADREC);
	/* A 2000-byte bin is one object, but over the sealed-key limit. */
	big[0] = 0xc5;
	big[1] = 0x07;
	big[2] = 0xd0;
	assert_int_equal(keys_open(&o, big, 2003, f->k->pk, PASS, PASSLEN), KN_EBADREC);
	assert_null(o);
	free(big);
}

/*
 * A sealed key made correctly with the right passphrase whose secret half
 * does not belong to its public half is refused even when the public half
 * equals pk.
 */
static void
test_keys__inconsistent_pair_refused(void **state)
{
	sealed_fixture *f = *state;
	keys_secret *other = NULL, *o = NULL;
	uint8_t salt[crypto_pwhash_SALTBYTES], nonce[crypto_secretbox_NONCEBYTES];
	unsigned char key[crypto_secretbox_KEYBYTES];
	unsigned char sk[KEYS_SK_BYTES];
	uint8_t box[crypto_secretbox_MACBYTES + KEYS_SK_BYTES];
	msgpack_packer p;
	kn_buf b = KN_BUF_INIT;

	assert_int_equal(keys_generate(&other), 0);
	/* other's seed with f->k's public key. */
	memcpy(sk, other->sk, crypto_sign_SEEDBYTES);
	memcpy(sk + crypto_sign_SEEDBYTES, f->k->pk, KEYS_PK_BYTES);
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	assert_int_equal(crypto_pwhash(key, sizeof(key), PASS, PASSLEN, salt, crypto_pwhash_OPSLIMIT_MIN,
	    crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_int_equal(crypto_secretbox_easy(box, sk, sizeof(sk), nonce, key), 0);

	msgpack_packer_init(&p, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&p, 7);
	pack_cstr(&p, "v");
	msgpack_pack_uint8(&p, 1);
	pack_cstr(&p, "alg");
	pack_cstr(&p, "argon2id13+xsalsa20poly1305");
	pack_cstr(&p, "ops");
	msgpack_pack_uint64(&p, crypto_pwhash_OPSLIMIT_MIN);
	pack_cstr(&p, "mem");
	msgpack_pack_uint64(&p, crypto_pwhash_MEMLIMIT_MIN);
	pack_cstr(&p, "salt");
	msgpack_pack_bin(&p, sizeof(salt));
	msgpack_pack_bin_body(&p, salt, sizeof(salt));
	pack_cstr(&p, "nonce");
	msgpack_pack_bin(&p, sizeof(nonce));
	msgpack_pack_bin_body(&p, nonce, sizeof(nonce));
	pack_cstr(&p, "box");
	msgpack_pack_bin(&p, sizeof(box));
	msgpack_pack_bin_body(&p, box, sizeof(box));

	assert_int_equal(keys_open(&o, b.ptr, b.len, f->k->pk, PASS, PASSLEN), KN_EBADREC);
	assert_null(o);
	/* The same box opened for other's key is refused as another key's. */
	assert_int_equal(keys_open(&o, b.ptr, b.len, other->pk, PASS, PASSLEN), KN_EBADREC);
	assert_null(o);

	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(key, sizeof(key));
	keys_secret_free(other);
	kn_buf_free(&b);
}

/* A temporary directory for device key files. */
typedef struct {
	char dir[64];
	char path[96];
} device_fixture;

static int
setup_device(void **state)
{
	device_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/kn-keys-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/device.key", f->dir);
	*state = f;
	return 0;
}

static int
teardown_device(void **state)
{
	device_fixture *f = *state;
	char other[128];

	unlink(f->path);
	snprintf(other, sizeof(other), "%s/link.key", f->dir);
	unlink(other);
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

/* Write len bytes of data to path with mode. */
static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_keys__device_created_then_reloaded(void **state)
{
	device_fixture *f = *state;
	keys_secret *a = NULL, *b = NULL;
	uint8_t seed[crypto_sign_SEEDBYTES + 1];
	uint8_t pk[KEYS_PK_BYTES];
	unsigned char sk[KEYS_SK_BYTES];
	struct stat st;
	int fd;

	assert_int_equal(keys_device_load(&a, f->path), 0);
	assert_non_null(a);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, crypto_sign_SEEDBYTES);
	assert_true(signs_for(a, a->pk));

	assert_int_equal(keys_device_load(&b, f->path), 0);
	assert_memory_equal(a->pk, b->pk, KEYS_PK_BYTES);
	assert_memory_equal(a->sk, b->sk, KEYS_SK_BYTES);

	/* The file holds the seed (by design) and nothing else. */
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, seed, sizeof(seed)), crypto_sign_SEEDBYTES);
	close(fd);
	crypto_sign_seed_keypair(pk, sk, seed);
	assert_memory_equal(pk, a->pk, KEYS_PK_BYTES);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(seed, sizeof(seed));

	keys_secret_free(a);
	keys_secret_free(b);
}

static void
test_keys__device_two_files_differ(void **state)
{
	device_fixture *f = *state;
	keys_secret *a = NULL, *b = NULL;
	char other[128];

	snprintf(other, sizeof(other), "%s/link.key", f->dir);
	assert_int_equal(keys_device_load(&a, f->path), 0);
	assert_int_equal(keys_device_load(&b, other), 0);
	assert_memory_not_equal(a->pk, b->pk, KEYS_PK_BYTES);
	keys_secret_free(a);
	keys_secret_free(b);
}

static void
test_keys__device_open_mode_refused(void **state)
{
	device_fixture *f = *state;
	keys_secret *k = NULL;

	assert_int_equal(keys_device_load(&k, f->path), 0);
	keys_secret_free(k);
	k = NULL;

	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(keys_device_load(&k, f->path), KN_EDENIED);
	assert_null(k);
	assert_string_equal(kn_error_field(), "device_key");
	assert_non_null(strstr(kn_error_message(), f->path));
	assert_non_null(strstr(kn_error_message(), "chmod 600"));

	assert_int_equal(chmod(f->path, 0610), 0);
	assert_int_equal(keys_device_load(&k, f->path), KN_EDENIED);
	assert_int_equal(chmod(f->path, 0602), 0);
	assert_int_equal(keys_device_load(&k, f->path), KN_EDENIED);
	assert_int_equal(chmod(f->path, 0400), 0);
	assert_int_equal(keys_device_load(&k, f->path), 0);
	keys_secret_free(k);
}

static void
test_keys__device_wrong_length_refused(void **state)
{
	device_fixture *f = *state;
	keys_secret *k = NULL;
	uint8_t bytes[33] = { 1, 2, 3 };

	write_file(f->path, bytes, 31, 0600);
	assert_int_equal(keys_device_load(&k, f->path), KN_EBADREC);
	assert_null(k);
	assert_non_null(strstr(kn_error_message(), f->path));
	write_file(f->path, bytes, 33, 0600);
	assert_int_equal(keys_device_load(&k, f->path), KN_EBADREC);
	write_file(f->path, bytes, 0, 0600);
	assert_int_equal(keys_device_load(&k, f->path), KN_EBADREC);
	assert_null(k);
	/* The bad file was left alone, not replaced by a new key. */
	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void
test_keys__device_odd_paths_refused(void **state)
{
	device_fixture *f = *state;
	keys_secret *k = NULL;
	char path[160], link[128];

	/* Missing parent directory: not created, error names the path. */
	snprintf(path, sizeof(path), "%s/missing/device.key", f->dir);
	assert_int_equal(keys_device_load(&k, path), KN_ERROR);
	assert_non_null(strstr(kn_error_message(), path));
	assert_null(k);

	/* A directory is not a key. */
	assert_int_equal(keys_device_load(&k, f->dir), KN_EDENIED);

	/* A symbolic link is not followed, even to a good key. */
	assert_int_equal(keys_device_load(&k, f->path), 0);
	keys_secret_free(k);
	k = NULL;
	snprintf(link, sizeof(link), "%s/link.key", f->dir);
	assert_int_equal(symlink(f->path, link), 0);
	assert_int_equal(keys_device_load(&k, link), KN_EDENIED);
	assert_null(k);

	assert_int_equal(keys_device_load(&k, ""), KN_EINVAL);
}

/* Read a whole file into out. */
static void
slurp(kn_buf *out, const char *path)
{
	uint8_t buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		assert_int_equal(kn_buf_put(out, buf, (size_t)n), 0);
	close(fd);
}

/*
 * Through the real store: after a sealed key is committed, the store's
 * file holds the sealed form, and neither the seed nor the secret key.
 */
static void
test_keys__store_file_holds_no_plain_secret(void **state)
{
	char dir[] = "/tmp/kinerja-keys-store.XXXXXX", path[128], cmd[160];
	keys_secret *k = NULL;
	kn_buf sealed = KN_BUF_INIT, file = KN_BUF_INIT;
	store *st = NULL;
	store_batch *b = NULL;
	(void)state;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(keys_generate(&k), 0);
	assert_int_equal(keys_seal(&sealed, k, "passphrase-untuk-tes", 20, KEYS_COST_TEST), 0);
	assert_int_equal(store_open(&st, dir, NULL), 0);
	assert_int_equal(store_batch_begin(&b, st), 0);
	assert_int_equal(store_batch_key_put(b, k->pk, sealed.ptr, sealed.len), 0);
	assert_int_equal(store_batch_commit(b), 0);
	store_close(st);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	slurp(&file, path);
	/* the check can fail: the sealed blob must be found where the secret must not */
	assert_non_null(memmem(file.ptr, file.len, sealed.ptr, sealed.len));
	assert_null(memmem(file.ptr, file.len, k->sk, 32));      /* the seed */
	assert_null(memmem(file.ptr, file.len, k->sk, KEYS_SK_BYTES));
	kn_buf_free(&file);
	kn_buf_free(&sealed);
	keys_secret_free(k);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys__generate_makes_working_pair),
		cmocka_unit_test_setup_teardown(test_keys__seal_then_open, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__seal_is_randomised, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__seal_appends, setup_sealed, teardown_sealed),
		cmocka_unit_test(test_keys__default_cost_round_trip),
		cmocka_unit_test_setup_teardown(test_keys__wrong_passphrase, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__every_bit_flip_fails, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__truncated_or_extended_fails, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__other_public_key, setup_sealed, teardown_sealed),
		cmocka_unit_test(test_keys__passphrase_rules),
		cmocka_unit_test_setup_teardown(test_keys__seal_refuses_bad_passphrase, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__seal_refuses_bad_cost, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__sealed_holds_no_secret, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__forged_schema_refused, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__forged_cost_refused_before_derivation, setup_sealed,
		    teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__oversized_or_garbage_refused, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__inconsistent_pair_refused, setup_sealed, teardown_sealed),
		cmocka_unit_test_setup_teardown(test_keys__device_created_then_reloaded, setup_device, teardown_device),
		cmocka_unit_test_setup_teardown(test_keys__device_two_files_differ, setup_device, teardown_device),
		cmocka_unit_test_setup_teardown(test_keys__device_open_mode_refused, setup_device, teardown_device),
		cmocka_unit_test_setup_teardown(test_keys__device_wrong_length_refused, setup_device, teardown_device),
		cmocka_unit_test_setup_teardown(test_keys__device_odd_paths_refused, setup_device, teardown_device),
		cmocka_unit_test(test_keys__store_file_holds_no_plain_secret),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
