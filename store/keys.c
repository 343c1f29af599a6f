/*
 * keys.c - Ed25519 key pairs: generation, sealing under a passphrase
 * (Argon2id + XSalsa20-Poly1305) and the device key file.
 *
 * Secret bytes (secret keys, seeds, keys derived from passphrases) only
 * ever live in sodium_malloc'd memory, which is guarded, locked against
 * swapping where the system allows it, and wiped by sodium_free().
 */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../domain/messages.h"
#include "../util/mpscan.h"

#define KEYS_ALG "argon2id13+xsalsa20poly1305"
#define KEYS_SEALED_MAX 1024
#define KEYS_BOX_BYTES (crypto_secretbox_MACBYTES + KEYS_SK_BYTES)
#define KEYS_SEED_BYTES crypto_sign_SEEDBYTES

/*
 * Allocate an empty key pair: the struct on the ordinary heap (it holds
 * only the public key and a pointer), the secret key in sodium_malloc'd
 * memory, left writable so the caller can fill it.
 */
static int
keys__secret_new(keys_secret **out)
{
	keys_secret *k;
	int rc;

	*out = NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory for a key pair");
		goto out;
	}
	k->sk = sodium_malloc(KEYS_SK_BYTES);
	if (k->sk == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of secure memory for a secret key");
		goto out_free;
	}
	*out = k;
	return 0;

out_free:
	free(k);
out:
	return rc;
}

/* Make a filled secret key read-only for the rest of its life. */
static int
keys__lock(keys_secret *k)
{
	if (sodium_mprotect_readonly(k->sk) != 0)
		return kn_error_set(KN_ERROR, "", "cannot protect secret key memory: %s", strerror(errno));
	return 0;
}

/*
 * Does the secret key belong to k->pk? The public half stored in the
 * libsodium secret key must equal pk, and a signature made with the secret
 * key must verify under pk (which also proves the seed matches).
 */
static int
keys__check_pair(const keys_secret *k)
{
	static const unsigned char probe[] = "kinerja key pair check";
	uint8_t half[KEYS_PK_BYTES];
	uint8_t sig[crypto_sign_BYTES];

	crypto_sign_ed25519_sk_to_pk(half, k->sk);
	if (sodium_memcmp(half, k->pk, KEYS_PK_BYTES) != 0)
		return domain_msg_error(KN_EBADREC, "sealed_key", "KUNCI_TERSEGEL_RUSAK", "sebab", "it belongs to another public key",
		    NULL);
	crypto_sign_detached(sig, NULL, probe, sizeof(probe) - 1, k->sk);
	if (crypto_sign_verify_detached(sig, probe, sizeof(probe) - 1, k->pk) != 0)
		return domain_msg_error(KN_EBADREC, "sealed_key", "KUNCI_TERSEGEL_RUSAK", "sebab",
		    "its secret half does not match its public key", NULL);
	return 0;
}

/* A fresh random key pair; the secret key read-only in guarded memory. */
int
keys_generate(keys_secret **out)
{
	keys_secret *k = NULL;
	int rc;

	*out = NULL;
	rc = keys__secret_new(&k);
	if (rc)
		goto out;
	if (crypto_sign_keypair(k->pk, k->sk) != 0) {
		rc = kn_error_set(KN_ERROR, "", "cannot generate a key pair");
		goto out_free;
	}
	rc = keys__lock(k);
	if (rc)
		goto out_free;
	*out = k;
	return 0;

out_free:
	keys_secret_free(k);
out:
	return rc;
}

/* Wipe and free a key pair; NULL-safe. */
void
keys_secret_free(keys_secret *k)
{
	if (k == NULL)
		return;
	sodium_free(k->sk); /* makes it writable again, wipes, unmaps; NULL-safe */
	sodium_memzero(k, sizeof(*k));
	free(k);
}

/* What is wrong with a passphrase, as a code of domain/messages.c, or NULL when it is acceptable. */
static const char *
keys__pass_problem(const char *pass, size_t len)
{
	if (pass == NULL || len < KEYS_PASS_MIN)
		return "SANDI_TERLALU_PENDEK";
	if (len > KEYS_PASS_MAX)
		return "SANDI_TERLALU_PANJANG";
	if (memchr(pass, '\0', len) != NULL)
		return "SANDI_KARAKTER_NUL";
	return NULL;
}

/* The rules for a new passphrase, as KN_EINVAL with a message a person can act on. */
int
keys_passphrase_check(const char *pass, size_t len)
{
	const char *problem = keys__pass_problem(pass, len);

	if (problem)
		return domain_msg_error(KN_EINVAL, "passphrase", problem, "min", domain_msg_num(KEYS_PASS_MIN).s, "maks",
		    domain_msg_num(KEYS_PASS_MAX).s, NULL);
	return 0;
}

/*
 * The Argon2id costs we accept, both when sealing and when opening: at
 * least libsodium's minimum, and at most its "sensitive" level, so a forged
 * sealed key cannot make us spend more than 1 GiB and 4 passes. Memory must
 * be whole KiB: libsodium drops the rest, and a sealed key whose mem field
 * was altered must not open.
 */
static int
keys__cost_ok(uint64_t ops, uint64_t mem)
{
	return ops >= crypto_pwhash_OPSLIMIT_MIN && ops <= crypto_pwhash_OPSLIMIT_SENSITIVE &&
	    mem >= crypto_pwhash_MEMLIMIT_MIN && mem <= crypto_pwhash_MEMLIMIT_SENSITIVE && mem % 1024 == 0;
}

/* Derive the secretbox key from a passphrase into sodium_malloc'd memory. */
static int
keys__derive(unsigned char **out, const char *pass, size_t passlen, const uint8_t *salt,
    unsigned long long ops, size_t mem)
{
	unsigned char *key;
	int rc;

	*out = NULL;
	key = sodium_malloc(crypto_secretbox_KEYBYTES);
	if (key == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of secure memory for a passphrase key");
		goto out;
	}
	if (crypto_pwhash(key, crypto_secretbox_KEYBYTES, pass, passlen, salt, ops, mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		rc = kn_error_set(KN_ENOMEM, "",
		    "cannot derive a key from the passphrase: Argon2id needs %zu bytes of memory", mem);
		goto out_free;
	}
	*out = key;
	return 0;

out_free:
	sodium_free(key);
out:
	return rc;
}

/* Pack a NUL-terminated string; returns msgpack-c's 0 or -1. */
static int
keys__pack_str(msgpack_packer *p, const char *s)
{
	size_t n = strlen(s);

	if (msgpack_pack_str(p, n) != 0)
		return -1;
	return msgpack_pack_str_body(p, s, n);
}

/* Pack a bin field; returns msgpack-c's 0 or -1. */
static int
keys__pack_bin(msgpack_packer *p, const uint8_t *data, size_t len)
{
	if (msgpack_pack_bin(p, len) != 0)
		return -1;
	return msgpack_pack_bin_body(p, data, len);
}

/*
 * Seal k's secret key under pass (see keys.h for the form). The secret key
 * is encrypted straight from its guarded memory into out; the derived key
 * lives in guarded memory and is wiped on every path. On error out is
 * left as it was.
 */
int
keys_seal(kn_buf *out, const keys_secret *k, const char *pass, size_t passlen, keys_cost cost)
{
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_secretbox_NONCEBYTES];
	unsigned char *key = NULL;
	msgpack_packer p;
	size_t start = out->len;
	int err = 0;
	int rc;

	if (k == NULL || k->sk == NULL) {
		rc = kn_error_set(KN_EINVAL, "key", "no unlocked key to seal");
		goto out;
	}
	rc = keys_passphrase_check(pass, passlen);
	if (rc)
		goto out;
	if (!keys__cost_ok(cost.ops, cost.mem)) {
		rc = kn_error_set(KN_EINVAL, "cost", "Argon2id cost ops=%llu mem=%zu is outside %llu..%llu passes, %zu..%zu bytes in whole KiB",
		    cost.ops, cost.mem, (unsigned long long)crypto_pwhash_OPSLIMIT_MIN,
		    (unsigned long long)crypto_pwhash_OPSLIMIT_SENSITIVE,
		    (size_t)crypto_pwhash_MEMLIMIT_MIN, (size_t)crypto_pwhash_MEMLIMIT_SENSITIVE);
		goto out;
	}
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	rc = keys__derive(&key, pass, passlen, salt, cost.ops, cost.mem);
	if (rc)
		goto out;

	msgpack_packer_init(&p, out, kn_buf_msgpack_write);
	err |= msgpack_pack_map(&p, 7);
	err |= keys__pack_str(&p, "v");
	err |= msgpack_pack_uint8(&p, 1);
	err |= keys__pack_str(&p, "alg");
	err |= keys__pack_str(&p, KEYS_ALG);
	err |= keys__pack_str(&p, "ops");
	err |= msgpack_pack_uint64(&p, cost.ops);
	err |= keys__pack_str(&p, "mem");
	err |= msgpack_pack_uint64(&p, cost.mem);
	err |= keys__pack_str(&p, "salt");
	err |= keys__pack_bin(&p, salt, sizeof(salt));
	err |= keys__pack_str(&p, "nonce");
	err |= keys__pack_bin(&p, nonce, sizeof(nonce));
	err |= keys__pack_str(&p, "box");
	err |= msgpack_pack_bin(&p, KEYS_BOX_BYTES);
	if (err || kn_buf_grow(out, KEYS_BOX_BYTES) != 0) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while sealing a key");
		goto out_rollback;
	}
	/* Encrypt straight from the protected secret key into the output. */
	if (crypto_secretbox_easy(out->ptr + out->len, k->sk, KEYS_SK_BYTES, nonce, key) != 0) {
		rc = kn_error_set(KN_ERROR, "", "cannot encrypt the secret key");
		goto out_rollback;
	}
	out->len += KEYS_BOX_BYTES;
	rc = 0;
	goto out_free_key;

out_rollback:
	out->len = start;
out_free_key:
	sodium_free(key);
out:
	return rc;
}

/* The fields of a sealed key, borrowed from its bytes. */
typedef struct {
	unsigned long long ops;
	size_t mem;
	const uint8_t *salt;
	const uint8_t *nonce;
	const uint8_t *box;
} keys__sealed;

/* Is msgpack object o the string name? */
static int
keys__str_is(const msgpack_object *o, const char *name)
{
	size_t n = strlen(name);

	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == n && memcmp(o->via.str.ptr, name, n) == 0;
}

/* Is msgpack object o a bin of exactly n bytes? */
static int
keys__bin_is(const msgpack_object *o, size_t n)
{
	return o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == n;
}

/*
 * Check the sealed-key map strictly: exactly the seven keys, each once,
 * each of the right type and size, the version and algorithm we know and
 * a cost within keys__cost_ok(). KN_EBADREC otherwise.
 */
static int
keys__parse(keys__sealed *out, const msgpack_object *map)
{
	const char *why = "it must be a map of v, alg, ops, mem, salt, nonce, box";
	unsigned seen = 0;

	memset(out, 0, sizeof(*out));
	if (map->type != MSGPACK_OBJECT_MAP || map->via.map.size != 7)
		goto out_bad;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		const msgpack_object *v = &map->via.map.ptr[i].val;
		unsigned bit;
		int ok;

		if (keys__str_is(k, "v")) {
			bit = 1;
			ok = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 == 1;
			why = "unsupported version";
		} else if (keys__str_is(k, "alg")) {
			bit = 2;
			ok = keys__str_is(v, KEYS_ALG);
			why = "unsupported algorithm";
		} else if (keys__str_is(k, "ops")) {
			bit = 4;
			ok = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
			    keys__cost_ok(v->via.u64, crypto_pwhash_MEMLIMIT_MIN);
			out->ops = (unsigned long long)v->via.u64;
			why = "Argon2id pass count out of bounds";
		} else if (keys__str_is(k, "mem")) {
			bit = 8;
			ok = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
			    keys__cost_ok(crypto_pwhash_OPSLIMIT_MIN, v->via.u64);
			out->mem = (size_t)v->via.u64;
			why = "Argon2id memory cost out of bounds";
		} else if (keys__str_is(k, "salt")) {
			bit = 16;
			ok = keys__bin_is(v, crypto_pwhash_SALTBYTES);
			out->salt = (const uint8_t *)v->via.bin.ptr;
			why = "salt must be 16 bytes";
		} else if (keys__str_is(k, "nonce")) {
			bit = 32;
			ok = keys__bin_is(v, crypto_secretbox_NONCEBYTES);
			out->nonce = (const uint8_t *)v->via.bin.ptr;
			why = "nonce must be 24 bytes";
		} else if (keys__str_is(k, "box")) {
			bit = 64;
			ok = keys__bin_is(v, KEYS_BOX_BYTES);
			out->box = (const uint8_t *)v->via.bin.ptr;
			why = "box must be 80 bytes";
		} else {
			bit = 0;
			ok = 0;
			why = "unknown key";
		}
		if (!ok)
			goto out_bad;
		if (seen & bit) {
			why = "duplicate key";
			goto out_bad;
		}
		seen |= bit;
	}
	/* Seven distinct known keys: all present. */
	return 0;

out_bad:
	return domain_msg_error(KN_EBADREC, "sealed_key", "KUNCI_TERSEGEL_RUSAK", "sebab", why, NULL);
}

/*
 * Open a sealed key: bound and check the form strictly (before spending
 * any Argon2id work), derive, decrypt straight into guarded memory, and
 * make sure the key pair is pk's and whole.
 */
int
keys_open(keys_secret **out, const uint8_t *sealed, size_t len, const uint8_t pk[KEYS_PK_BYTES],
    const char *pass, size_t passlen)
{
	msgpack_unpacked up;
	keys__sealed s = { 0 };
	keys_secret *k = NULL;
	unsigned char *key = NULL;
	size_t off = 0;
	int rc;

	*out = NULL;
	msgpack_unpacked_init(&up);
	if (sealed == NULL || pk == NULL) {
		rc = kn_error_set(KN_EINVAL, "sealed_key", "no sealed key or public key given");
		goto out_destroy;
	}
	/* No passphrase outside the rules can have sealed a key: skip the work. */
	if (keys__pass_problem(pass, passlen) != NULL) {
		rc = domain_msg_error(KN_EAUTH, "passphrase", "KUNCI_SANDI_SALAH", NULL);
		goto out_destroy;
	}
	/* Bound the input before msgpack-c allocates anything for it. */
	if (kn_mpscan_exact(sealed, len, KEYS_SEALED_MAX) != 0) {
		rc = domain_msg_error(KN_EBADREC, "sealed_key", "KUNCI_TERSEGEL_RUSAK", "sebab", "not one bounded MessagePack object",
		    NULL);
		goto out_destroy;
	}
	if (msgpack_unpack_next(&up, (const char *)sealed, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		rc = domain_msg_error(KN_EBADREC, "sealed_key", "KUNCI_TERSEGEL_RUSAK", "sebab", "not MessagePack", NULL);
		goto out_destroy;
	}
	rc = keys__parse(&s, &up.data);
	if (rc)
		goto out_destroy;

	rc = keys__secret_new(&k);
	if (rc)
		goto out_destroy;
	memcpy(k->pk, pk, KEYS_PK_BYTES);
	rc = keys__derive(&key, pass, passlen, s.salt, s.ops, s.mem);
	if (rc)
		goto out_free_secret;
	if (crypto_secretbox_open_easy(k->sk, s.box, KEYS_BOX_BYTES, s.nonce, key) != 0) {
		rc = domain_msg_error(KN_EAUTH, "passphrase", "KUNCI_SANDI_SALAH", NULL);
		goto out_free_key;
	}
	rc = keys__check_pair(k);
	if (rc)
		goto out_free_key;
	rc = keys__lock(k);
	if (rc)
		goto out_free_key;
	*out = k;
	k = NULL;

out_free_key:
	sodium_free(key);
out_free_secret:
	keys_secret_free(k);
out_destroy:
	msgpack_unpacked_destroy(&up);
	return rc;
}

#define KEYS_RECOVERY_ALG "x25519-xsalsa20poly1305-seal"
#define KEYS_RECOVERY_BOX_BYTES (crypto_box_SEALBYTES + KEYS_SK_BYTES)
#define KEYS_RECOVERY_MAX 512

/*
 * Seal k's secret key to the device (see keys.h for the form). Only the
 * device's public key is needed, so this runs wherever a key is sealed
 * under a passphrase. The secret key goes from its guarded memory straight
 * into the box. On error out is left as it was.
 */
int
keys_recovery_seal(kn_buf *out, const keys_secret *k, const uint8_t device_pk[KEYS_PK_BYTES])
{
	uint8_t xpk[crypto_box_PUBLICKEYBYTES];
	msgpack_packer p;
	size_t start = out->len;
	int err = 0;
	int rc;

	if (k == NULL || k->sk == NULL || device_pk == NULL) {
		rc = kn_error_set(KN_EINVAL, "key", "no unlocked key or device key to seal a recovery copy with");
		goto out;
	}
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, device_pk) != 0) {
		rc = kn_error_set(KN_EINVAL, "device_key", "the device key cannot be converted for sealing");
		goto out;
	}
	msgpack_packer_init(&p, out, kn_buf_msgpack_write);
	err |= msgpack_pack_map(&p, 4);
	err |= keys__pack_str(&p, "v");
	err |= msgpack_pack_uint8(&p, 1);
	err |= keys__pack_str(&p, "alg");
	err |= keys__pack_str(&p, KEYS_RECOVERY_ALG);
	err |= keys__pack_str(&p, "to");
	err |= keys__pack_bin(&p, device_pk, KEYS_PK_BYTES);
	err |= keys__pack_str(&p, "box");
	err |= msgpack_pack_bin(&p, KEYS_RECOVERY_BOX_BYTES);
	if (err || kn_buf_grow(out, KEYS_RECOVERY_BOX_BYTES) != 0) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while sealing a recovery copy");
		goto out_rollback;
	}
	if (crypto_box_seal(out->ptr + out->len, k->sk, KEYS_SK_BYTES, xpk) != 0) {
		rc = kn_error_set(KN_ERROR, "", "cannot seal the recovery copy of a key");
		goto out_rollback;
	}
	out->len += KEYS_RECOVERY_BOX_BYTES;
	return 0;

out_rollback:
	out->len = start;
out:
	return rc;
}

/*
 * Check a recovery copy's map strictly: exactly v, alg, to and box, each
 * once and of the right type and size. *to and *box are borrowed from it.
 */
static int
keys__recovery_parse(const uint8_t **to, const uint8_t **box, const msgpack_object *map)
{
	const char *why = "it must be a map of v, alg, to, box";
	unsigned seen = 0;

	*to = NULL;
	*box = NULL;
	if (map->type != MSGPACK_OBJECT_MAP || map->via.map.size != 4)
		goto out_bad;
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		const msgpack_object *v = &map->via.map.ptr[i].val;
		unsigned bit;
		int ok;

		if (keys__str_is(k, "v")) {
			bit = 1;
			ok = v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 == 1;
			why = "unsupported version";
		} else if (keys__str_is(k, "alg")) {
			bit = 2;
			ok = keys__str_is(v, KEYS_RECOVERY_ALG);
			why = "unsupported algorithm";
		} else if (keys__str_is(k, "to")) {
			bit = 4;
			ok = keys__bin_is(v, KEYS_PK_BYTES);
			*to = (const uint8_t *)v->via.bin.ptr;
			why = "to must be 32 bytes";
		} else if (keys__str_is(k, "box")) {
			bit = 8;
			ok = keys__bin_is(v, KEYS_RECOVERY_BOX_BYTES);
			*box = (const uint8_t *)v->via.bin.ptr;
			why = "box must be 112 bytes";
		} else {
			bit = 0;
			ok = 0;
			why = "unknown key";
		}
		if (!ok)
			goto out_bad;
		if (seen & bit) {
			why = "duplicate key";
			goto out_bad;
		}
		seen |= bit;
	}
	return 0;

out_bad:
	return domain_msg_error(KN_EBADREC, "recovery", "SALINAN_PEMULIHAN_RUSAK", "sebab", why, NULL);
}

/*
 * Open a recovery copy with the device key: bound and parse it, refuse a
 * copy sealed to another device key, derive the device's X25519 secret
 * into guarded memory, open the box straight into guarded memory, and
 * make sure the pair is pk's and whole.
 */
int
keys_recovery_open(keys_secret **out, const uint8_t *blob, size_t len, const uint8_t pk[KEYS_PK_BYTES],
    const keys_secret *device)
{
	uint8_t xpk[crypto_box_PUBLICKEYBYTES];
	unsigned char *xsk = NULL;
	const uint8_t *to, *box;
	keys_secret *k = NULL;
	msgpack_unpacked up;
	size_t off = 0;
	int rc;

	*out = NULL;
	msgpack_unpacked_init(&up);
	if (blob == NULL || pk == NULL || device == NULL || device->sk == NULL) {
		rc = kn_error_set(KN_EINVAL, "recovery", "no recovery copy, public key or device key given");
		goto out_destroy;
	}
	if (kn_mpscan_exact(blob, len, KEYS_RECOVERY_MAX) != 0) {
		rc = domain_msg_error(KN_EBADREC, "recovery", "SALINAN_PEMULIHAN_RUSAK", "sebab", "not one bounded MessagePack object",
		    NULL);
		goto out_destroy;
	}
	if (msgpack_unpack_next(&up, (const char *)blob, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		rc = domain_msg_error(KN_EBADREC, "recovery", "SALINAN_PEMULIHAN_RUSAK", "sebab", "not MessagePack", NULL);
		goto out_destroy;
	}
	rc = keys__recovery_parse(&to, &box, &up.data);
	if (rc)
		goto out_destroy;
	if (sodium_memcmp(to, device->pk, KEYS_PK_BYTES) != 0) {
		rc = domain_msg_error(KN_EDENIED, "recovery", "SALINAN_PEMULIHAN_PERANGKAT_LAIN", NULL);
		goto out_destroy;
	}
	xsk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	if (xsk == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of secure memory for the device key");
		goto out_destroy;
	}
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, device->pk) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(xsk, device->sk) != 0) {
		rc = kn_error_set(KN_ERROR, "device_key", "the device key cannot be converted for opening");
		goto out_free_xsk;
	}
	rc = keys__secret_new(&k);
	if (rc)
		goto out_free_xsk;
	memcpy(k->pk, pk, KEYS_PK_BYTES);
	if (crypto_box_seal_open(k->sk, box, KEYS_RECOVERY_BOX_BYTES, xpk, xsk) != 0) {
		rc = domain_msg_error(KN_EBADREC, "recovery", "SALINAN_PEMULIHAN_RUSAK", "sebab", "it does not open with this device key",
		    NULL);
		goto out_free_secret;
	}
	rc = keys__check_pair(k);
	if (rc)
		goto out_free_secret;
	rc = keys__lock(k);
	if (rc)
		goto out_free_secret;
	*out = k;
	k = NULL;

out_free_secret:
	keys_secret_free(k);
out_free_xsk:
	sodium_free(xsk);
out_destroy:
	msgpack_unpacked_destroy(&up);
	return rc;
}

/*
 * A one-time passphrase (see keys.h). 32 symbols, so each character is
 * exactly 5 random bits from randombytes_uniform (no modulo bias); the
 * string is built in guarded memory only.
 */
int
keys_passphrase_generate(char **out)
{
	static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	char *p;
	size_t n = 0;

	*out = NULL;
	p = sodium_malloc(KEYS_ONETIME_LEN + 1);
	if (p == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of secure memory for a passphrase");
	for (int group = 0; group < 4; group++) {
		if (group > 0)
			p[n++] = '-';
		for (int i = 0; i < 4; i++)
			p[n++] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	}
	p[n] = '\0';
	*out = p;
	return 0;
}

/*
 * Read the seed from an open device key file into seed (sodium_malloc'd).
 * The file must be a regular file of ours, private (no group or other
 * bits) and exactly KEYS_SEED_BYTES long.
 */
static int
keys__device_read(unsigned char *seed, int fd, const char *path)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) != 0)
		return kn_error_set(KN_ERROR, "device_key", "cannot stat device key %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return kn_error_set(KN_EDENIED, "device_key", "device key %s is not a regular file", path);
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return kn_error_set(KN_EDENIED, "device_key",
		    "device key %s has mode %04o and is open to group or others: run chmod 600 %s",
		    path, (unsigned)(st.st_mode & 07777), path);
	if (st.st_uid != geteuid())
		return kn_error_set(KN_EDENIED, "device_key", "device key %s belongs to uid %u, not to this user (uid %u)",
		    path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_size != KEYS_SEED_BYTES)
		return kn_error_set(KN_EBADREC, "device_key",
		    "device key %s must hold exactly %d bytes but holds %lld: restore it from a backup",
		    path, KEYS_SEED_BYTES, (long long)st.st_size);
	n = kn_pread_full(fd, seed, KEYS_SEED_BYTES, 0);
	if (n < 0)
		return kn_error_set(KN_ERROR, "device_key", "cannot read device key %s: %s", path, strerror(errno));
	if (n != KEYS_SEED_BYTES)
		return kn_error_set(KN_EBADREC, "device_key", "device key %s is shorter than %d bytes",
		    path, KEYS_SEED_BYTES);
	return 0;
}

/* fsync the directory holding path, so a new file's name is durable. */
static int
keys__sync_dir(const char *path)
{
	char *copy;
	int fd, rc;

	copy = strdup(path);
	if (copy == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = kn_error_set(KN_ERROR, "device_key", "cannot sync the directory of device key %s: %s",
		    path, strerror(errno));
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

/*
 * Create a new device key file at path (mode 0600, never replacing an
 * existing file) holding a fresh random seed, also left in seed.
 */
static int
keys__device_create(unsigned char *seed, const char *path)
{
	int fd, rc, saved;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = kn_error_set(KN_ERROR, "device_key", "cannot create device key %s: %s%s", path, strerror(errno),
		    errno == ENOENT ? " (its directory must exist)" : "");
		goto out;
	}
	randombytes_buf(seed, KEYS_SEED_BYTES);
	if (kn_write_full(fd, seed, KEYS_SEED_BYTES) != 0 || fsync(fd) != 0) {
		saved = errno;
		close(fd);
		rc = kn_error_set(KN_ERROR, "device_key", "cannot write device key %s: %s", path, strerror(saved));
		goto out_unlink;
	}
	if (close(fd) != 0) {
		rc = kn_error_set(KN_ERROR, "device_key", "cannot write device key %s: %s", path, strerror(errno));
		goto out_unlink;
	}
	rc = keys__sync_dir(path);
	if (rc)
		goto out_unlink;
	return 0;

out_unlink:
	unlink(path);
	sodium_memzero(seed, KEYS_SEED_BYTES);
out:
	return rc;
}

/*
 * Load the device key from path, or create it there when absent. The seed
 * goes from the file (read(2), no stdio buffer) into guarded memory only.
 */
int
keys_device_load(keys_secret **out, const char *path)
{
	keys_secret *k = NULL;
	unsigned char *seed = NULL;
	int fd = -1;
	int rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0') {
		rc = kn_error_set(KN_EINVAL, "device_key", "no device key path is configured");
		goto out;
	}
	seed = sodium_malloc(KEYS_SEED_BYTES);
	if (seed == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of secure memory for the device key");
		goto out;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		rc = keys__device_read(seed, fd, path);
	else if (errno == ENOENT)
		rc = keys__device_create(seed, path);
	else if (errno == ELOOP)
		rc = kn_error_set(KN_EDENIED, "device_key", "device key %s is a symbolic link: refusing to follow it", path);
	else
		rc = kn_error_set(KN_ERROR, "device_key", "cannot open device key %s: %s", path, strerror(errno));
	if (rc)
		goto out_free_seed;

	rc = keys__secret_new(&k);
	if (rc)
		goto out_free_seed;
	if (crypto_sign_seed_keypair(k->pk, k->sk, seed) != 0) {
		rc = kn_error_set(KN_ERROR, "device_key", "cannot derive the device key pair from %s", path);
		goto out_free_secret;
	}
	rc = keys__lock(k);
	if (rc)
		goto out_free_secret;
	*out = k;
	k = NULL;

out_free_secret:
	keys_secret_free(k);
out_free_seed:
	if (fd >= 0)
		close(fd);
	sodium_free(seed); /* wipes the seed */
out:
	return rc;
}
