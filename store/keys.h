/*
 * keys.h - Ed25519 key pairs of persons and of the device.
 *
 * A person's secret key exists on disk only sealed: encrypted with
 * crypto_secretbox under a key derived from the person's passphrase with
 * Argon2id (crypto_pwhash). While unlocked it lives in sodium_malloc'd
 * memory (guarded, locked against swapping) and is wiped when freed.
 *
 * Sealed form (MessagePack map, stored in the store's keys table):
 *   {"v":1, "alg":"argon2id13+xsalsa20poly1305", "ops":u, "mem":u,
 *    "salt":bin16, "nonce":bin24, "box":bin(64+16)}
 * The box holds the 64-byte libsodium secret key (seed || public key).
 *
 * The device key (for sync) has no passphrase: it is a file of mode 0600
 * holding the 32-byte seed, read straight into sodium_malloc'd memory.
 */
#ifndef KN_KEYS_H
#define KN_KEYS_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"

#define KEYS_PK_BYTES crypto_sign_PUBLICKEYBYTES
#define KEYS_SK_BYTES crypto_sign_SECRETKEYBYTES
#define KEYS_PASS_MIN 8
#define KEYS_PASS_MAX 1024

/* An unlocked key pair. sk is sodium_malloc'd and read-only otherwise. */
typedef struct {
	uint8_t pk[KEYS_PK_BYTES];
	unsigned char *sk; /* KEYS_SK_BYTES, sodium_malloc'd */
} keys_secret;

/* Argon2id cost; KEYS_COST_DEFAULT for people, KEYS_COST_TEST for tests. */
typedef struct {
	unsigned long long ops;
	size_t mem;
} keys_cost;
#define KEYS_COST_DEFAULT ((keys_cost){ crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE })
#define KEYS_COST_TEST ((keys_cost){ crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN })

/* New random key pair. Free with keys_secret_free(). */
int keys_generate(keys_secret **out);
/* Free and wipe; NULL-safe. */
void keys_secret_free(keys_secret *k);

/*
 * Is this passphrase acceptable for a new key? KN_EINVAL (field
 * "passphrase") with a message saying what is wrong.
 */
int keys_passphrase_check(const char *pass, size_t len);

/* Seal k's secret key under pass; appends the sealed form to out. */
int keys_seal(kn_buf *out, const keys_secret *k, const char *pass, size_t passlen, keys_cost cost);

/*
 * Unlock a sealed key. KN_EAUTH when the passphrase is wrong, KN_EBADREC
 * when the sealed form is malformed or does not belong to pk.
 */
int keys_open(keys_secret **out, const uint8_t *sealed, size_t len, const uint8_t pk[KEYS_PK_BYTES],
    const char *pass, size_t passlen);

/*
 * Recovery copy of a person's key, so the operator can reset a forgotten
 * passphrase: the 64-byte secret key sealed (crypto_box_seal, anonymous
 * sender) to the X25519 form of the device's Ed25519 key. Form:
 *   {"v":1, "alg":"x25519-xsalsa20poly1305-seal", "to":bin32, "box":bin(48+64)}
 * where "to" is the device's Ed25519 public key, so a copy made for
 * another device key is told apart from a damaged one.
 *
 * keys_recovery_seal appends the form to out; it needs only the device's
 * public key. keys_recovery_open needs the device's secret key, checks the
 * form strictly and that the key pair is pk's; KN_EBADREC when the copy is
 * malformed, damaged or not pk's, KN_EDENIED when it was sealed to another
 * device key.
 */
int keys_recovery_seal(kn_buf *out, const keys_secret *k, const uint8_t device_pk[KEYS_PK_BYTES]);
int keys_recovery_open(keys_secret **out, const uint8_t *blob, size_t len, const uint8_t pk[KEYS_PK_BYTES],
    const keys_secret *device);

/*
 * A random one-time passphrase a person can read out and type: four groups
 * of four characters from an alphabet without look-alikes (no 0/O, 1/I),
 * e.g. "7KQM-R2XD-HW9C-PTFA": 80 random bits. *out is sodium_malloc'd and
 * NUL-terminated (KEYS_ONETIME_LEN characters); free it with sodium_free().
 */
#define KEYS_ONETIME_LEN 19
int keys_passphrase_generate(char **out);

/*
 * Load the device key from path, creating it (mode 0600, parent must exist)
 * when absent. Refuses a file readable by group or others.
 */
int keys_device_load(keys_secret **out, const char *path);

#endif
