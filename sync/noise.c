/*
 * noise.c - the Noise Protocol Framework, revision 34, for
 * 25519_ChaChaPoly_BLAKE2b, written from the specification
 * (https://noiseprotocol.org/noise.html), sections 4 (the functions of the
 * cipher suite), 5 (CipherState, SymmetricState, HandshakeState) and 7
 * (the patterns). The names of the spec's functions appear in the comments
 * so the two can be read side by side.
 */
#include "noise.h"

#include <sodium.h>
#include <string.h>

/* The tokens of a message pattern (spec 7.1). */
enum { TOK_END = 0, TOK_E, TOK_S, TOK_EE, TOK_ES, TOK_SE, TOK_SS };

#define NOISE__MSGS_MAX 3
#define NOISE__TOKENS_MAX 4
#define NOISE__NONCE_BYTES crypto_aead_chacha20poly1305_ietf_NPUBBYTES
#define NOISE__BLOCK_BYTES 128 /* BLOCKLEN of BLAKE2b, for HMAC */

/*
 * One handshake pattern: its pre-messages ("-> s" for the initiator,
 * "<- s" for the responder; only s occurs in the patterns here) and its
 * messages, the even ones (0, 2) sent by the initiator.
 */
typedef struct {
	noise_pattern id;
	const char *name;
	uint8_t pre_initiator_s;
	uint8_t pre_responder_s;
	uint8_t nmsg;
	uint8_t msg[NOISE__MSGS_MAX][NOISE__TOKENS_MAX + 1];
} noise__pattern_def;

static const noise__pattern_def noise__patterns[] = {
	/* NN: -> e; <- e, ee */
	{ NOISE_NN, "Noise_NN_25519_ChaChaPoly_BLAKE2b", 0, 0, 2,
	    { { TOK_E }, { TOK_E, TOK_EE } } },
	/* KK: -> s, <- s ...; -> e, es, ss; <- e, ee, se */
	{ NOISE_KK, "Noise_KK_25519_ChaChaPoly_BLAKE2b", 1, 1, 2,
	    { { TOK_E, TOK_ES, TOK_SS }, { TOK_E, TOK_EE, TOK_SE } } },
	/* XK: <- s ...; -> e, es; <- e, ee; -> s, se */
	{ NOISE_XK, "Noise_XK_25519_ChaChaPoly_BLAKE2b", 0, 1, 3,
	    { { TOK_E, TOK_ES }, { TOK_E, TOK_EE }, { TOK_S, TOK_SE } } },
	/* IK: <- s ...; -> e, es, s, ss; <- e, ee, se */
	{ NOISE_IK, "Noise_IK_25519_ChaChaPoly_BLAKE2b", 0, 1, 2,
	    { { TOK_E, TOK_ES, TOK_S, TOK_SS }, { TOK_E, TOK_EE, TOK_SE } } },
	/* XX: -> e; <- e, ee, s, es; -> s, se */
	{ NOISE_XX, "Noise_XX_25519_ChaChaPoly_BLAKE2b", 0, 0, 3,
	    { { TOK_E }, { TOK_E, TOK_EE, TOK_S, TOK_ES }, { TOK_S, TOK_SE } } },
};
#define NOISE__NPATTERNS (sizeof(noise__patterns) / sizeof(noise__patterns[0]))

/* CipherState (spec 5.1): a key, whether it is set, and the nonce counter. */
typedef struct {
	uint8_t k[NOISE_KEY_BYTES];
	uint64_t n;
	int has_key;
} noise__cipher;

/*
 * HandshakeState (spec 5.3) with its SymmetricState (5.2: cs, ck, h)
 * inlined. The whole struct is sodium_malloc'd: it holds the private keys
 * and the chaining key.
 */
struct noise_handshake {
	const noise__pattern_def *pat;
	int initiator;
	int step;   /* index of the next message of the pattern */
	int failed; /* an error ended the handshake */
	int split;  /* Split() was called: ck is gone */
	noise__cipher cs;
	uint8_t ck[NOISE_HASH_BYTES];
	uint8_t h[NOISE_HASH_BYTES];
	uint8_t s[NOISE_DH_BYTES], s_pub[NOISE_DH_BYTES];
	uint8_t e[NOISE_DH_BYTES], e_pub[NOISE_DH_BYTES];
	uint8_t rs[NOISE_DH_BYTES], re[NOISE_DH_BYTES];
	int has_s, has_e, has_rs, has_re;
};

/* The transport phase: the two CipherStates of Split(), sodium_malloc'd. */
struct noise_transport {
	noise__cipher send;
	noise__cipher recv;
};

int
noise_pattern_parse(noise_pattern *out, const char *protocol_name)
{
	for (size_t i = 0; i < NOISE__NPATTERNS; i++) {
		if (strcmp(protocol_name, noise__patterns[i].name) == 0) {
			*out = noise__patterns[i].id;
			return 0;
		}
	}
	return kn_error_set(KN_ENOTFOUND, "", "noise: protocol %.80s is not implemented", protocol_name);
}

/* The table row of p, or NULL for a value outside the enum. */
static const noise__pattern_def *
noise__pattern_find(noise_pattern p)
{
	for (size_t i = 0; i < NOISE__NPATTERNS; i++)
		if (noise__patterns[i].id == p)
			return &noise__patterns[i];
	return NULL;
}

const char *
noise_protocol_name(noise_pattern p)
{
	const noise__pattern_def *d = noise__pattern_find(p);
	return d ? d->name : "";
}

/* ---- the cipher suite's functions (spec 4) ---- */

/* The 96-bit ChaChaPoly nonce: 32 bits of zeros, then n as a little-endian 64-bit integer. */
static void
noise__nonce(uint8_t out[NOISE__NONCE_BYTES], uint64_t n)
{
	memset(out, 0, 4);
	for (int i = 0; i < 8; i++)
		out[4 + i] = (uint8_t)(n >> (8 * i));
}

/* DH(): X25519. KN_EPROTO when the result is all zeros (pub has low order). */
static int
noise__dh(uint8_t out[NOISE_DH_BYTES], const uint8_t priv[NOISE_DH_BYTES], const uint8_t pub[NOISE_DH_BYTES])
{
	if (crypto_scalarmult(out, priv, pub) != 0)
		return kn_error_set(KN_EPROTO, "", "noise: the peer's public key has low order");
	return 0;
}

/* HASH(a || b): BLAKE2b with a 64-byte output. */
static void
noise__hash(uint8_t out[NOISE_HASH_BYTES], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	crypto_generichash_blake2b_state st;

	crypto_generichash_blake2b_init(&st, NULL, 0, NOISE_HASH_BYTES);
	if (alen)
		crypto_generichash_blake2b_update(&st, a, alen);
	if (blen)
		crypto_generichash_blake2b_update(&st, b, blen);
	crypto_generichash_blake2b_final(&st, out, NOISE_HASH_BYTES);
	sodium_memzero(&st, sizeof(st));
}

/*
 * HMAC-HASH(key, a || b) per RFC 2104 with BLAKE2b's block length of 128
 * bytes (spec 4.3): H((K ^ opad) || H((K ^ ipad) || text)). The keys
 * used here are HASHLEN long; a longer one would be hashed first.
 */
static void
noise__hmac(uint8_t out[NOISE_HASH_BYTES], const uint8_t *key, size_t keylen, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	uint8_t k[NOISE__BLOCK_BYTES], pad[NOISE__BLOCK_BYTES], inner[NOISE_HASH_BYTES];
	crypto_generichash_blake2b_state st;

	memset(k, 0, sizeof(k));
	if (keylen > NOISE__BLOCK_BYTES)
		noise__hash(k, key, keylen, NULL, 0);
	else if (keylen)
		memcpy(k, key, keylen);

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	crypto_generichash_blake2b_init(&st, NULL, 0, NOISE_HASH_BYTES);
	crypto_generichash_blake2b_update(&st, pad, sizeof(pad));
	if (alen)
		crypto_generichash_blake2b_update(&st, a, alen);
	if (blen)
		crypto_generichash_blake2b_update(&st, b, blen);
	crypto_generichash_blake2b_final(&st, inner, sizeof(inner));

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	crypto_generichash_blake2b_init(&st, NULL, 0, NOISE_HASH_BYTES);
	crypto_generichash_blake2b_update(&st, pad, sizeof(pad));
	crypto_generichash_blake2b_update(&st, inner, sizeof(inner));
	crypto_generichash_blake2b_final(&st, out, NOISE_HASH_BYTES);

	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
	sodium_memzero(&st, sizeof(st));
}

/*
 * HKDF(chaining_key, input_key_material, 2) (spec 4.3): two outputs of
 * HASHLEN bytes. out1 may alias ck (the caller's new chaining key).
 */
static void
noise__hkdf2(uint8_t out1[NOISE_HASH_BYTES], uint8_t out2[NOISE_HASH_BYTES], const uint8_t ck[NOISE_HASH_BYTES],
    const uint8_t *ikm, size_t ikmlen)
{
	static const uint8_t one = 0x01, two = 0x02;
	uint8_t temp[NOISE_HASH_BYTES], o1[NOISE_HASH_BYTES];

	noise__hmac(temp, ck, NOISE_HASH_BYTES, ikm, ikmlen, NULL, 0);
	noise__hmac(o1, temp, sizeof(temp), &one, 1, NULL, 0);
	noise__hmac(out2, temp, sizeof(temp), o1, sizeof(o1), &two, 1);
	memcpy(out1, o1, sizeof(o1));
	sodium_memzero(temp, sizeof(temp));
	sodium_memzero(o1, sizeof(o1));
}

/* ---- CipherState (spec 5.1) ---- */

/* InitializeKey(k). */
static void
noise__cipher_init(noise__cipher *c, const uint8_t k[NOISE_KEY_BYTES])
{
	memcpy(c->k, k, NOISE_KEY_BYTES);
	c->n = 0;
	c->has_key = 1;
}

/*
 * EncryptWithAd(ad, pt) with a key set: ct (len + tag bytes) under nonce
 * n, then n goes up. KN_ESTATE when n is 2^64 - 1, which the spec reserves.
 */
static int
noise__cipher_encrypt(noise__cipher *c, uint8_t *ct, const uint8_t *ad, size_t adlen, const uint8_t *pt, size_t len)
{
	uint8_t nonce[NOISE__NONCE_BYTES];

	if (c->n == UINT64_MAX)
		return kn_error_set(KN_ESTATE, "", "noise: the nonce counter is spent; a new session is needed");
	noise__nonce(nonce, c->n);
	crypto_aead_chacha20poly1305_ietf_encrypt(ct, NULL, pt, len, ad, adlen, NULL, nonce, c->k);
	c->n++;
	return 0;
}

/*
 * DecryptWithAd(ad, ct) with a key set: pt (len - tag bytes). On failure
 * KN_EBADSIG, pt is wiped and n does not move.
 */
static int
noise__cipher_decrypt(noise__cipher *c, uint8_t *pt, const uint8_t *ad, size_t adlen, const uint8_t *ct, size_t len)
{
	uint8_t nonce[NOISE__NONCE_BYTES];

	if (c->n == UINT64_MAX)
		return kn_error_set(KN_ESTATE, "", "noise: the nonce counter is spent; a new session is needed");
	noise__nonce(nonce, c->n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, len, ad, adlen, nonce, c->k) != 0) {
		sodium_memzero(pt, len - NOISE_TAG_BYTES);
		return kn_error_set(KN_EBADSIG, "", "noise: the message under nonce %llu does not authenticate "
		    "(tampered, truncated, out of order, replayed, or under another key)", (unsigned long long)c->n);
	}
	c->n++;
	return 0;
}

/* Rekey(): k = the first 32 bytes of ENCRYPT(k, 2^64 - 1, zerolen, zeros). */
static void
noise__cipher_rekey(noise__cipher *c)
{
	uint8_t zeros[NOISE_KEY_BYTES], out[NOISE_KEY_BYTES + NOISE_TAG_BYTES], nonce[NOISE__NONCE_BYTES];

	memset(zeros, 0, sizeof(zeros));
	noise__nonce(nonce, UINT64_MAX);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, zeros, sizeof(zeros), NULL, 0, NULL, nonce, c->k);
	memcpy(c->k, out, NOISE_KEY_BYTES);
	sodium_memzero(out, sizeof(out));
}

/* ---- SymmetricState (spec 5.2) ---- */

/* MixHash(data): h = HASH(h || data). */
static void
noise__mix_hash(noise_handshake *hs, const uint8_t *data, size_t len)
{
	noise__hash(hs->h, hs->h, sizeof(hs->h), data, len);
}

/* MixKey(ikm): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k truncated to 32 bytes). */
static void
noise__mix_key(noise_handshake *hs, const uint8_t *ikm, size_t len)
{
	uint8_t temp_k[NOISE_HASH_BYTES];

	noise__hkdf2(hs->ck, temp_k, hs->ck, ikm, len);
	noise__cipher_init(&hs->cs, temp_k);
	sodium_memzero(temp_k, sizeof(temp_k));
}

/*
 * EncryptAndHash(pt): ct = EncryptWithAd(h, pt) (pt itself while there is
 * no key), then MixHash(ct). ct has room for len + tag bytes.
 */
static int
noise__encrypt_and_hash(noise_handshake *hs, uint8_t *ct, size_t *ctlen, const uint8_t *pt, size_t len)
{
	int rc;

	if (hs->cs.has_key) {
		rc = noise__cipher_encrypt(&hs->cs, ct, hs->h, sizeof(hs->h), pt, len);
		if (rc)
			return rc;
		*ctlen = len + NOISE_TAG_BYTES;
	} else {
		if (len)
			memmove(ct, pt, len);
		*ctlen = len;
	}
	noise__mix_hash(hs, ct, *ctlen);
	return 0;
}

/*
 * DecryptAndHash(ct): pt = DecryptWithAd(h, ct) (ct itself while there is
 * no key), then MixHash(ct). The caller has checked that ct holds a tag
 * when there is a key.
 */
static int
noise__decrypt_and_hash(noise_handshake *hs, uint8_t *pt, size_t *ptlen, const uint8_t *ct, size_t len)
{
	int rc;

	if (hs->cs.has_key) {
		rc = noise__cipher_decrypt(&hs->cs, pt, hs->h, sizeof(hs->h), ct, len);
		if (rc)
			return rc;
		*ptlen = len - NOISE_TAG_BYTES;
	} else {
		if (len)
			memmove(pt, ct, len);
		*ptlen = len;
	}
	noise__mix_hash(hs, ct, len);
	return 0;
}

/* ---- HandshakeState (spec 5.3) ---- */

/* Does this side's part of the pattern need its static key? */
static int
noise__needs_static(const noise__pattern_def *d, int initiator)
{
	if (initiator ? d->pre_initiator_s : d->pre_responder_s)
		return 1;
	for (int m = 0; m < d->nmsg; m++) {
		for (const uint8_t *t = d->msg[m]; *t != TOK_END; t++) {
			int mine = (m % 2 == 0) == (initiator != 0);
			if (*t == TOK_S && mine)
				return 1;
			if (*t == TOK_SS)
				return 1;
			/* es: initiator's e with responder's s; se: the other way round */
			if (*t == TOK_ES && !initiator)
				return 1;
			if (*t == TOK_SE && initiator)
				return 1;
		}
	}
	return 0;
}

int
noise_handshake_new(noise_handshake **out, const noise_params *params)
{
	const noise__pattern_def *d = noise__pattern_find(params->pattern);
	noise_handshake *hs;
	size_t namelen;
	int needs_remote;

	*out = NULL;
	if (d == NULL)
		return kn_error_set(KN_EINVAL, "pattern", "noise: unknown handshake pattern %d", (int)params->pattern);
	if (params->prologue == NULL && params->prologue_len)
		return kn_error_set(KN_EINVAL, "prologue", "noise: a prologue length without a prologue");
	if (params->static_key == NULL && noise__needs_static(d, params->initiator))
		return kn_error_set(KN_EINVAL, "static_key", "noise: %s needs this side's static key", d->name);
	needs_remote = params->initiator ? d->pre_responder_s : d->pre_initiator_s;
	if (params->remote_static == NULL && needs_remote)
		return kn_error_set(KN_EINVAL, "remote_static", "noise: %s needs the peer's static key beforehand",
		    d->name);

	hs = sodium_malloc(sizeof(*hs));
	if (hs == NULL)
		return kn_error_set(KN_ENOMEM, "", "noise: out of secure memory for a handshake");
	memset(hs, 0, sizeof(*hs));
	hs->pat = d;
	hs->initiator = params->initiator != 0;
	if (params->static_key) {
		memcpy(hs->s, params->static_key, NOISE_DH_BYTES);
		crypto_scalarmult_base(hs->s_pub, hs->s);
		hs->has_s = 1;
	}
	/* The peer's key is used only as the pre-message of a pattern that has one; XX learns it. */
	if (params->remote_static && needs_remote) {
		memcpy(hs->rs, params->remote_static, NOISE_DH_BYTES);
		hs->has_rs = 1;
	}

	/* InitializeSymmetric(protocol_name): h = the name padded with zeros (it is shorter than HASHLEN). */
	namelen = strlen(d->name);
	_Static_assert(sizeof("Noise_XX_25519_ChaChaPoly_BLAKE2b") <= NOISE_HASH_BYTES, "names fit in h");
	memcpy(hs->h, d->name, namelen);
	memcpy(hs->ck, hs->h, sizeof(hs->ck));
	noise__mix_hash(hs, params->prologue, params->prologue_len);

	/* Pre-messages: the initiator's keys first, then the responder's. */
	if (d->pre_initiator_s)
		noise__mix_hash(hs, hs->initiator ? hs->s_pub : hs->rs, NOISE_DH_BYTES);
	if (d->pre_responder_s)
		noise__mix_hash(hs, hs->initiator ? hs->rs : hs->s_pub, NOISE_DH_BYTES);

	*out = hs;
	return 0;
}

void
noise_handshake_free(noise_handshake *hs)
{
	if (hs == NULL)
		return;
	sodium_memzero(hs, sizeof(*hs));
	sodium_free(hs);
}

int
noise_handshake_action(const noise_handshake *hs)
{
	if (hs->failed)
		return NOISE_ACTION_FAILED;
	if (hs->step >= hs->pat->nmsg)
		return NOISE_ACTION_SPLIT;
	return ((hs->step % 2 == 0) == hs->initiator) ? NOISE_ACTION_WRITE : NOISE_ACTION_READ;
}

/* KN_ESTATE unless the handshake expects action; message names the call. */
static int
noise__expect(const noise_handshake *hs, int action, const char *call)
{
	int a = noise_handshake_action(hs);

	if (a == action && !hs->split)
		return 0;
	if (a == NOISE_ACTION_FAILED)
		return kn_error_set(KN_ESTATE, "", "noise: %s on a handshake that failed", call);
	if (a == NOISE_ACTION_SPLIT)
		return kn_error_set(KN_ESTATE, "", "noise: %s on a finished handshake", call);
	return kn_error_set(KN_ESTATE, "", "noise: %s out of turn (the handshake expects a %s)", call,
	    a == NOISE_ACTION_WRITE ? "write" : "read");
}

/*
 * The bytes the next message takes before its payload, and whether its
 * payload is encrypted (a key is set by then), simulating the tokens.
 */
static size_t
noise__message_fixed(const noise_handshake *hs, int *keyed)
{
	size_t n = 0;
	int has_key = hs->cs.has_key;

	for (const uint8_t *t = hs->pat->msg[hs->step]; *t != TOK_END; t++) {
		switch (*t) {
		case TOK_E:
			n += NOISE_DH_BYTES;
			break;
		case TOK_S:
			n += NOISE_DH_BYTES + (has_key ? NOISE_TAG_BYTES : 0);
			break;
		default:
			has_key = 1;
			break;
		}
	}
	*keyed = has_key;
	return n;
}

/* The DH of a token "ee", "es", "se" or "ss", from this side's point of view, mixed into the key. */
static int
noise__mix_dh(noise_handshake *hs, int tok)
{
	uint8_t dh[NOISE_DH_BYTES];
	const uint8_t *priv, *pub;
	int rc;

	switch (tok) {
	case TOK_EE:
		priv = hs->e, pub = hs->re;
		break;
	case TOK_ES: /* initiator's e, responder's s */
		priv = hs->initiator ? hs->e : hs->s;
		pub = hs->initiator ? hs->rs : hs->re;
		break;
	case TOK_SE: /* initiator's s, responder's e */
		priv = hs->initiator ? hs->s : hs->e;
		pub = hs->initiator ? hs->re : hs->rs;
		break;
	default: /* TOK_SS */
		priv = hs->s, pub = hs->rs;
		break;
	}
	rc = noise__dh(dh, priv, pub);
	if (rc == 0)
		noise__mix_key(hs, dh, sizeof(dh));
	sodium_memzero(dh, sizeof(dh));
	return rc;
}

int
noise_handshake_write(kn_buf *out, noise_handshake *hs, const uint8_t *payload, size_t len)
{
	size_t start = out->len, fixed, total, n;
	int keyed, rc;

	rc = noise__expect(hs, NOISE_ACTION_WRITE, "write");
	if (rc)
		return rc;
	fixed = noise__message_fixed(hs, &keyed);
	if (len > NOISE_MESSAGE_MAX || fixed + len + (keyed ? NOISE_TAG_BYTES : 0) > NOISE_MESSAGE_MAX)
		return kn_error_set(KN_ETOOBIG, "", "noise: a handshake payload of %zu bytes passes the message limit",
		    len);
	total = fixed + len + (keyed ? NOISE_TAG_BYTES : 0);
	rc = kn_buf_grow(out, total);
	if (rc)
		return rc;

	for (const uint8_t *t = hs->pat->msg[hs->step]; *t != TOK_END; t++) {
		switch (*t) {
		case TOK_E:
			if (!hs->has_e) {
				crypto_box_keypair(hs->e_pub, hs->e);
				hs->has_e = 1;
			}
			memcpy(out->ptr + out->len, hs->e_pub, NOISE_DH_BYTES);
			out->len += NOISE_DH_BYTES;
			noise__mix_hash(hs, hs->e_pub, NOISE_DH_BYTES);
			break;
		case TOK_S:
			rc = noise__encrypt_and_hash(hs, out->ptr + out->len, &n, hs->s_pub, NOISE_DH_BYTES);
			if (rc)
				goto out_fail;
			out->len += n;
			break;
		default:
			rc = noise__mix_dh(hs, *t);
			if (rc)
				goto out_fail;
			break;
		}
	}
	rc = noise__encrypt_and_hash(hs, out->ptr + out->len, &n, payload, len);
	if (rc)
		goto out_fail;
	out->len += n;
	hs->step++;
	return 0;

out_fail:
	hs->failed = 1;
	sodium_memzero(out->ptr + start, out->len - start);
	out->len = start;
	return rc;
}

int
noise_handshake_read(kn_buf *out, noise_handshake *hs, const uint8_t *msg, size_t len)
{
	size_t start = out->len, fixed, need, off = 0, n;
	int keyed, rc;

	rc = noise__expect(hs, NOISE_ACTION_READ, "read");
	if (rc)
		return rc;
	if (len > NOISE_MESSAGE_MAX) {
		rc = kn_error_set(KN_ETOOBIG, "", "noise: a handshake message of %zu bytes passes the limit of %d",
		    len, NOISE_MESSAGE_MAX);
		goto out_fail;
	}
	fixed = noise__message_fixed(hs, &keyed);
	need = fixed + (keyed ? NOISE_TAG_BYTES : 0);
	if (len < need) {
		rc = kn_error_set(KN_EPROTO, "", "noise: handshake message %d is %zu bytes, shorter than %zu",
		    hs->step + 1, len, need);
		goto out_fail;
	}
	rc = kn_buf_grow(out, len - fixed + 1); /* + 1: out->ptr is never NULL below */
	if (rc)
		goto out_fail;

	for (const uint8_t *t = hs->pat->msg[hs->step]; *t != TOK_END; t++) {
		switch (*t) {
		case TOK_E:
			memcpy(hs->re, msg + off, NOISE_DH_BYTES);
			hs->has_re = 1;
			off += NOISE_DH_BYTES;
			noise__mix_hash(hs, hs->re, NOISE_DH_BYTES);
			break;
		case TOK_S: {
			size_t slen = NOISE_DH_BYTES + (hs->cs.has_key ? NOISE_TAG_BYTES : 0);
			uint8_t tmp[NOISE_DH_BYTES + NOISE_TAG_BYTES];

			rc = noise__decrypt_and_hash(hs, tmp, &n, msg + off, slen);
			if (rc)
				goto out_fail;
			memcpy(hs->rs, tmp, NOISE_DH_BYTES);
			hs->has_rs = 1;
			off += slen;
			break;
		}
		default:
			rc = noise__mix_dh(hs, *t);
			if (rc)
				goto out_fail;
			break;
		}
	}
	rc = noise__decrypt_and_hash(hs, out->ptr + out->len, &n, msg + off, len - off);
	if (rc)
		goto out_fail;
	out->len += n;
	hs->step++;
	return 0;

out_fail:
	hs->failed = 1;
	if (out->ptr)
		sodium_memzero(out->ptr + start, out->len - start);
	out->len = start;
	return rc;
}

int
noise_handshake_remote_static(uint8_t out[NOISE_DH_BYTES], const noise_handshake *hs)
{
	if (!hs->has_rs)
		return kn_error_set(KN_ENOTFOUND, "", "noise: the peer's static key is not known (yet)");
	memcpy(out, hs->rs, NOISE_DH_BYTES);
	return 0;
}

int
noise_handshake_local_static(uint8_t out[NOISE_DH_BYTES], const noise_handshake *hs)
{
	if (!hs->has_s)
		return kn_error_set(KN_ENOTFOUND, "", "noise: this side has no static key");
	memcpy(out, hs->s_pub, NOISE_DH_BYTES);
	return 0;
}

void
noise_handshake_hash(uint8_t out[NOISE_HASH_BYTES], const noise_handshake *hs)
{
	memcpy(out, hs->h, NOISE_HASH_BYTES);
}

int
noise_handshake_split(noise_transport **out, noise_handshake *hs)
{
	uint8_t k1[NOISE_HASH_BYTES], k2[NOISE_HASH_BYTES];
	noise_transport *t;
	int rc;

	*out = NULL;
	if (hs->split)
		return kn_error_set(KN_ESTATE, "", "noise: split twice");
	rc = noise__expect(hs, NOISE_ACTION_SPLIT, "split");
	if (rc)
		return rc;
	t = sodium_malloc(sizeof(*t));
	if (t == NULL)
		return kn_error_set(KN_ENOMEM, "", "noise: out of secure memory for a transport");
	memset(t, 0, sizeof(*t));

	/* Split(): temp_k1, temp_k2 = HKDF(ck, zerolen, 2), each truncated to 32 bytes. */
	noise__hkdf2(k1, k2, hs->ck, NULL, 0);
	noise__cipher_init(&t->send, hs->initiator ? k1 : k2);
	noise__cipher_init(&t->recv, hs->initiator ? k2 : k1);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));

	/* Nothing secret is needed any more: keep h and the public keys. */
	sodium_memzero(hs->ck, sizeof(hs->ck));
	sodium_memzero(&hs->cs, sizeof(hs->cs));
	sodium_memzero(hs->s, sizeof(hs->s));
	sodium_memzero(hs->e, sizeof(hs->e));
	hs->split = 1;
	*out = t;
	return 0;
}

int
noise__handshake_set_ephemeral(noise_handshake *hs, const uint8_t priv[NOISE_DH_BYTES])
{
	if (hs->has_e || hs->failed || hs->split)
		return kn_error_set(KN_ESTATE, "", "noise: the ephemeral key is set once, before it is sent");
	memcpy(hs->e, priv, NOISE_DH_BYTES);
	crypto_scalarmult_base(hs->e_pub, hs->e);
	hs->has_e = 1;
	return 0;
}

/* ---- the transport phase ---- */

int
noise_transport_encrypt(kn_buf *out, noise_transport *t, const uint8_t *pt, size_t len)
{
	int rc;

	if (len > NOISE_MESSAGE_MAX - NOISE_TAG_BYTES)
		return kn_error_set(KN_ETOOBIG, "", "noise: a transport message of %zu bytes passes the limit of %d",
		    len, NOISE_MESSAGE_MAX - NOISE_TAG_BYTES);
	rc = kn_buf_grow(out, len + NOISE_TAG_BYTES);
	if (rc)
		return rc;
	rc = noise__cipher_encrypt(&t->send, out->ptr + out->len, NULL, 0, pt, len);
	if (rc)
		return rc;
	out->len += len + NOISE_TAG_BYTES;
	return 0;
}

int
noise_transport_decrypt(kn_buf *out, noise_transport *t, const uint8_t *ct, size_t len)
{
	int rc;

	if (len > NOISE_MESSAGE_MAX)
		return kn_error_set(KN_ETOOBIG, "", "noise: a transport message of %zu bytes passes the limit of %d",
		    len, NOISE_MESSAGE_MAX);
	if (len < NOISE_TAG_BYTES)
		return kn_error_set(KN_EPROTO, "", "noise: a transport message of %zu bytes is shorter than its tag",
		    len);
	rc = kn_buf_grow(out, len - NOISE_TAG_BYTES + 1);
	if (rc)
		return rc;
	rc = noise__cipher_decrypt(&t->recv, out->ptr + out->len, NULL, 0, ct, len);
	if (rc)
		return rc;
	out->len += len - NOISE_TAG_BYTES;
	return 0;
}

void
noise_transport_rekey_send(noise_transport *t)
{
	noise__cipher_rekey(&t->send);
}

void
noise_transport_rekey_recv(noise_transport *t)
{
	noise__cipher_rekey(&t->recv);
}

void
noise_transport_free(noise_transport *t)
{
	if (t == NULL)
		return;
	sodium_memzero(t, sizeof(*t));
	sodium_free(t);
}
