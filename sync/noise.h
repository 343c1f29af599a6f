/*
 * noise.h - the Noise Protocol Framework (revision 34) for the cipher
 * suite 25519_ChaChaPoly_BLAKE2b: X25519 (crypto_scalarmult), ChaCha20-
 * Poly1305 IETF (crypto_aead_chacha20poly1305_ietf_*) and BLAKE2b with
 * HASHLEN 64 (crypto_generichash_blake2b; HMAC and HKDF built on it).
 *
 * Handshake patterns: XX and IK, which sync/channel.c uses, and NN, KK and
 * XK, which cost one table row each and are covered by the same published
 * test vectors (tests/vectors/). No PSK modifiers, no fallback.
 *
 * A pure state machine: messages are bytes in and bytes out, there is no
 * I/O, no clock and no thread of its own. The randomness is libsodium's
 * (ephemeral keys), except that a test may inject the ephemeral key.
 *
 * Secrets (the static and ephemeral private keys, the chaining key, the
 * cipher keys) live in sodium_malloc'd memory, wiped and freed by the
 * *_free functions; temporaries on the stack are wiped with
 * sodium_memzero before returning. sodium_init() must have been called.
 *
 * Errors follow util/kn.h: KN_EINVAL (a parameter), KN_ESTATE (a call out
 * of turn, or on a handshake that failed), KN_ETOOBIG (over the Noise
 * limit of 65535 bytes per message), KN_EPROTO (a message too short, a
 * public key of low order), KN_EBADSIG (authentication failed: wrong key,
 * tampered, reordered or replayed bytes), KN_ENOMEM. Any error in a
 * handshake is final: the handshake answers KN_ESTATE afterwards.
 */
#ifndef KN_NOISE_H
#define KN_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"

#define NOISE_DH_BYTES 32      /* DHLEN: an X25519 public or private key */
#define NOISE_HASH_BYTES 64    /* HASHLEN: BLAKE2b */
#define NOISE_KEY_BYTES 32     /* a ChaCha20-Poly1305 key */
#define NOISE_TAG_BYTES 16     /* the Poly1305 tag */
#define NOISE_MESSAGE_MAX 65535 /* the largest Noise message, handshake or transport */

typedef enum {
	NOISE_NN,
	NOISE_KK,
	NOISE_XK,
	NOISE_IK,
	NOISE_XX,
} noise_pattern;

/*
 * The pattern of a full protocol name, e.g.
 * "Noise_XX_25519_ChaChaPoly_BLAKE2b". KN_ENOTFOUND for a name of another
 * pattern, modifier or cipher suite.
 */
int noise_pattern_parse(noise_pattern *out, const char *protocol_name);
/* The full protocol name of a pattern (static string). */
const char *noise_protocol_name(noise_pattern p);

/* What a handshake expects next (noise_handshake_action). */
enum {
	NOISE_ACTION_WRITE,  /* call noise_handshake_write */
	NOISE_ACTION_READ,   /* call noise_handshake_read */
	NOISE_ACTION_SPLIT,  /* complete: call noise_handshake_split */
	NOISE_ACTION_FAILED, /* an error ended it; free it */
};

typedef struct noise_handshake noise_handshake;
typedef struct noise_transport noise_transport;

/* The parameters of a new handshake; the pointers are read, never kept. */
typedef struct {
	noise_pattern pattern;
	int initiator;              /* 1: this side sends the first message */
	const uint8_t *prologue;    /* bound into the handshake hash; may be NULL when prologue_len is 0 */
	size_t prologue_len;
	const uint8_t *static_key;  /* this side's X25519 private key (NOISE_DH_BYTES), or NULL */
	const uint8_t *remote_static; /* the peer's X25519 public key when known beforehand, or NULL */
} noise_params;

/*
 * Start a handshake: Initialize() of the spec, with the prologue and the
 * pre-message keys. A pattern that needs this side's static key, or the
 * peer's before the first message (IK, XK and KK for the initiator, KK for
 * the responder), refuses NULL with KN_EINVAL. Free with
 * noise_handshake_free().
 */
int noise_handshake_new(noise_handshake **out, const noise_params *params);
/* Wipe and free; NULL-safe. */
void noise_handshake_free(noise_handshake *hs);

/* NOISE_ACTION_*: what the handshake expects next. */
int noise_handshake_action(const noise_handshake *hs);

/*
 * WriteMessage(): append the next handshake message, carrying payload
 * (encrypted once a key is agreed), to out. KN_ESTATE when it is not this
 * side's turn; KN_ETOOBIG when the message would pass NOISE_MESSAGE_MAX
 * (nothing appended, the handshake is unchanged).
 */
int noise_handshake_write(kn_buf *out, noise_handshake *hs, const uint8_t *payload, size_t len);

/*
 * ReadMessage(): process the peer's next handshake message msg and append
 * its payload to out. KN_EPROTO (short, or a low-order key), KN_EBADSIG
 * (authentication failed), KN_ETOOBIG; after any of them the handshake is
 * failed and out is as it was.
 */
int noise_handshake_read(kn_buf *out, noise_handshake *hs, const uint8_t *msg, size_t len)
    __attribute__((warn_unused_result));

/*
 * The peer's static public key, once known (given as a pre-message or
 * received in a message); KN_ENOTFOUND before that or in patterns where
 * the peer has none (NN).
 */
int noise_handshake_remote_static(uint8_t out[NOISE_DH_BYTES], const noise_handshake *hs);

/* This side's static public key; KN_ENOTFOUND when it has none. */
int noise_handshake_local_static(uint8_t out[NOISE_DH_BYTES], const noise_handshake *hs);

/*
 * The handshake hash h: after the last message it identifies the session
 * (channel binding). Valid at any time; final at NOISE_ACTION_SPLIT.
 */
void noise_handshake_hash(uint8_t out[NOISE_HASH_BYTES], const noise_handshake *hs);

/*
 * Split(): the two cipher states of the transport phase, when the action
 * is NOISE_ACTION_SPLIT (else KN_ESTATE). The initiator sends with the
 * first and receives with the second, the responder the other way round;
 * the transport knows which. The handshake keeps only its hash and the
 * keys' public halves afterwards (its chaining key is wiped); it may be
 * freed at once. Free the transport with noise_transport_free().
 */
int noise_handshake_split(noise_transport **out, noise_handshake *hs);

/*
 * For tests only (the published vectors fix the ephemeral keys): use priv
 * as this side's ephemeral private key instead of a random one. Call it
 * before the message that sends "e"; KN_ESTATE afterwards.
 */
int noise__handshake_set_ephemeral(noise_handshake *hs, const uint8_t priv[NOISE_DH_BYTES]);

/*
 * Encrypt a transport message: append the ciphertext of pt (len +
 * NOISE_TAG_BYTES bytes) to out. The nonce is the sending counter, which
 * goes up by one. KN_ETOOBIG when len + NOISE_TAG_BYTES passes
 * NOISE_MESSAGE_MAX; KN_ESTATE when the counter is spent (2^64 - 1
 * messages).
 */
int noise_transport_encrypt(kn_buf *out, noise_transport *t, const uint8_t *pt, size_t len);

/*
 * Decrypt the peer's next transport message ct and append its plaintext
 * to out. KN_EBADSIG when it does not authenticate (tampered, truncated,
 * out of order, replayed, or under another key): nothing is appended and
 * the receiving counter does not move. KN_EPROTO when ct is shorter than
 * a tag; KN_ETOOBIG past NOISE_MESSAGE_MAX.
 */
int noise_transport_decrypt(kn_buf *out, noise_transport *t, const uint8_t *ct, size_t len)
    __attribute__((warn_unused_result));

/*
 * Rekey() of the sending or the receiving cipher state: the key becomes
 * the first 32 bytes of ENCRYPT(k, 2^64 - 1, "", zeros). Both sides must
 * rekey at the same point of the stream, by agreement of the protocol
 * above. The counter is kept.
 */
void noise_transport_rekey_send(noise_transport *t);
void noise_transport_rekey_recv(noise_transport *t);

/* Wipe and free; NULL-safe. */
void noise_transport_free(noise_transport *t);

#endif
