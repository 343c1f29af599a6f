/*
 * test_noise.c - sync/noise.c: the published cacophony test vectors
 * (tests/vectors/noise-25519-chachapoly-blake2b.json, read from the
 * repository root or $KINERJA_NOISE_VECTORS), then handshakes with random
 * keys, and the ways a handshake or a transport message must fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "../../sync/noise.h"

#define VECTORS_FILE "tests/vectors/noise-25519-chachapoly-blake2b.json"

/* ---- the published vectors ---- */

/* The optional hex field name of v decoded into out (cleared first): 1 when present, 0 when absent, -1 when malformed. */
static int
vec_hex(kn_buf *out, const json_t *v, const char *name)
{
	const json_t *f = json_object_get(v, name);
	const char *hex;
	size_t n;

	kn_buf_clear(out);
	if (f == NULL)
		return 0;
	hex = json_string_value(f);
	if (hex == NULL || (n = strlen(hex)) % 2) {
		fprintf(stderr, "test_noise: field %s is not hex\n", name);
		return -1;
	}
	if (kn_buf_grow(out, n / 2 + 1) || kn_unhex(out->ptr, n / 2, hex, n)) {
		fprintf(stderr, "test_noise: field %s is not hex\n", name);
		return -1;
	}
	out->len = n / 2;
	return 1;
}

/* A 32-byte key field: 1 present (copied to out), 0 absent, -1 malformed. */
static int
vec_key(uint8_t out[NOISE_DH_BYTES], const json_t *v, const char *name)
{
	kn_buf b = KN_BUF_INIT;
	int rc = vec_hex(&b, v, name);

	if (rc == 1 && b.len != NOISE_DH_BYTES) {
		fprintf(stderr, "test_noise: field %s is not %d bytes\n", name, NOISE_DH_BYTES);
		rc = -1;
	}
	if (rc == 1)
		memcpy(out, b.ptr, NOISE_DH_BYTES);
	kn_buf_free(&b);
	return rc;
}

/* Compare got with want; print the difference under what. 0 when equal. */
static int
vec_same(const char *what, const kn_buf *got, const kn_buf *want)
{
	char gh[2 * 1024 + 1], wh[2 * 1024 + 1];

	if (got->len == want->len && (got->len == 0 || memcmp(got->ptr, want->ptr, got->len) == 0))
		return 0;
	fprintf(stderr, "test_noise: %s differs\n  got  %s\n  want %s\n", what,
	    kn_hex(gh, got->ptr, got->len < 1024 ? got->len : 1024),
	    kn_hex(wh, want->ptr, want->len < 1024 ? want->len : 1024));
	return -1;
}

/*
 * One side of a vector: prefix "init" or "resp". Its handshake (with the
 * fixed ephemeral key) in *out. Returns 0 or -1 (printed).
 */
static int
vec_side(noise_handshake **out, const json_t *v, noise_pattern p, const char *prefix)
{
	char name[64];
	uint8_t s[NOISE_DH_BYTES], rs[NOISE_DH_BYTES], e[NOISE_DH_BYTES];
	kn_buf prologue = KN_BUF_INIT;
	int has_s, has_rs, has_e, rc = -1;
	noise_params params;

	*out = NULL;
	snprintf(name, sizeof(name), "%s_prologue", prefix);
	if (vec_hex(&prologue, v, name) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s_static", prefix);
	if ((has_s = vec_key(s, v, name)) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s_remote_static", prefix);
	if ((has_rs = vec_key(rs, v, name)) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s_ephemeral", prefix);
	if ((has_e = vec_key(e, v, name)) < 0)
		goto out;

	memset(&params, 0, sizeof(params));
	params.pattern = p;
	params.initiator = strcmp(prefix, "init") == 0;
	params.prologue = prologue.ptr;
	params.prologue_len = prologue.len;
	params.static_key = has_s ? s : NULL;
	params.remote_static = has_rs ? rs : NULL;
	if (noise_handshake_new(out, &params)) {
		fprintf(stderr, "test_noise: %s: %s\n", prefix, kn_error_message());
		goto out;
	}
	if (has_e && noise__handshake_set_ephemeral(*out, e)) {
		fprintf(stderr, "test_noise: %s: %s\n", prefix, kn_error_message());
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(s, sizeof(s));
	sodium_memzero(e, sizeof(e));
	kn_buf_free(&prologue);
	return rc;
}

/*
 * Check that each side learned the other's static public key: the one the
 * vector gives the peer, as a public key. Patterns without statics (NN)
 * pass trivially.
 */
static int
vec_check_statics(const json_t *v, noise_handshake *init, noise_handshake *resp)
{
	uint8_t priv[NOISE_DH_BYTES], want[NOISE_DH_BYTES], got[NOISE_DH_BYTES];
	struct {
		noise_handshake *hs;
		const char *peer_static;
	} sides[2] = { { init, "resp_static" }, { resp, "init_static" } };

	for (int i = 0; i < 2; i++) {
		int has = vec_key(priv, v, sides[i].peer_static);
		if (has < 0)
			return -1;
		if (has == 0)
			continue;
		crypto_scalarmult_base(want, priv);
		if (noise_handshake_remote_static(got, sides[i].hs) || memcmp(got, want, sizeof(got)) != 0) {
			fprintf(stderr, "test_noise: the %s side did not learn %s\n", i ? "resp" : "init",
			    sides[i].peer_static);
			return -1;
		}
	}
	return 0;
}

/*
 * Run one vector: both sides, every message. Returns 0 when everything
 * matched, -1 (printed) otherwise.
 */
static int
vec_run(const json_t *v, noise_pattern p)
{
	noise_handshake *init = NULL, *resp = NULL;
	noise_transport *tinit = NULL, *tresp = NULL;
	kn_buf payload = KN_BUF_INIT, want = KN_BUF_INIT, got = KN_BUF_INIT, back = KN_BUF_INIT;
	const json_t *msgs = json_object_get(v, "messages");
	size_t i;
	int rc = -1;

	if (!json_is_array(msgs) || json_array_size(msgs) == 0) {
		fprintf(stderr, "test_noise: no messages\n");
		goto out;
	}
	if (vec_side(&init, v, p, "init") || vec_side(&resp, v, p, "resp"))
		goto out;

	for (i = 0; i < json_array_size(msgs); i++) {
		const json_t *m = json_array_get(msgs, i);
		int from_init = i % 2 == 0;
		char what[64];

		if (vec_hex(&payload, m, "payload") != 1 || vec_hex(&want, m, "ciphertext") != 1) {
			fprintf(stderr, "test_noise: message %zu lacks payload or ciphertext\n", i);
			goto out;
		}
		kn_buf_clear(&got);
		kn_buf_clear(&back);
		if (tinit == NULL) {
			noise_handshake *w = from_init ? init : resp, *r = from_init ? resp : init;
			snprintf(what, sizeof(what), "handshake message %zu", i);
			if (noise_handshake_write(&got, w, payload.ptr, payload.len)) {
				fprintf(stderr, "test_noise: write %s: %s\n", what, kn_error_message());
				goto out;
			}
			if (vec_same(what, &got, &want))
				goto out;
			if (noise_handshake_read(&back, r, got.ptr, got.len)) {
				fprintf(stderr, "test_noise: read %s: %s\n", what, kn_error_message());
				goto out;
			}
			if (vec_same("its payload", &back, &payload))
				goto out;
			if (noise_handshake_action(init) == NOISE_ACTION_SPLIT &&
			    noise_handshake_action(resp) == NOISE_ACTION_SPLIT) {
				uint8_t h1[NOISE_HASH_BYTES], h2[NOISE_HASH_BYTES];
				kn_buf hb = KN_BUF_INIT;
				int has = vec_hex(&hb, v, "handshake_hash");
				noise_handshake_hash(h1, init);
				noise_handshake_hash(h2, resp);
				if (memcmp(h1, h2, sizeof(h1)) != 0) {
					fprintf(stderr, "test_noise: the two handshake hashes differ\n");
					kn_buf_free(&hb);
					goto out;
				}
				if (has == 1) {
					kn_buf hg = { h1, sizeof(h1), sizeof(h1), 0 };
					if (vec_same("handshake hash", &hg, &hb)) {
						kn_buf_free(&hb);
						goto out;
					}
				}
				kn_buf_free(&hb);
				if (has < 0 || vec_check_statics(v, init, resp))
					goto out;
				if (noise_handshake_split(&tinit, init) || noise_handshake_split(&tresp, resp)) {
					fprintf(stderr, "test_noise: split: %s\n", kn_error_message());
					goto out;
				}
			}
		} else {
			noise_transport *w = from_init ? tinit : tresp, *r = from_init ? tresp : tinit;
			snprintf(what, sizeof(what), "transport message %zu", i);
			if (noise_transport_encrypt(&got, w, payload.ptr, payload.len)) {
				fprintf(stderr, "test_noise: encrypt %s: %s\n", what, kn_error_message());
				goto out;
			}
			if (vec_same(what, &got, &want))
				goto out;
			if (noise_transport_decrypt(&back, r, got.ptr, got.len)) {
				fprintf(stderr, "test_noise: decrypt %s: %s\n", what, kn_error_message());
				goto out;
			}
			if (vec_same("its payload", &back, &payload))
				goto out;
		}
	}
	if (tinit == NULL) {
		fprintf(stderr, "test_noise: the handshake did not finish\n");
		goto out;
	}
	rc = 0;
out:
	noise_handshake_free(init);
	noise_handshake_free(resp);
	noise_transport_free(tinit);
	noise_transport_free(tresp);
	kn_buf_free(&payload);
	kn_buf_free(&want);
	kn_buf_free(&got);
	kn_buf_free(&back);
	return rc;
}

/* Does the vector use a feature beyond the plain patterns (a PSK, a fallback)? */
static int
vec_has_extras(const json_t *v)
{
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)v, key, val) {
		(void)val;
		if (strstr(key, "psk") || strstr(key, "fallback"))
			return 1;
	}
	return 0;
}

/*
 * Every vector in the file, for every pattern sync/noise.c implements; a
 * vector of another pattern or with a PSK counts as a failure (the file is
 * chosen to match what is implemented, so it must not slip silently).
 */
static void
test_noise__vectors(void **state)
{
	static const noise_pattern all[] = { NOISE_NN, NOISE_KK, NOISE_XK, NOISE_IK, NOISE_XX };
	const char *path = getenv("KINERJA_NOISE_VECTORS") ? getenv("KINERJA_NOISE_VECTORS") : VECTORS_FILE;
	int ran[5] = { 0 }, passed[5] = { 0 }, total = 0, failed = 0, unsupported = 0;
	json_error_t jerr;
	json_t *root, *vectors;
	size_t i;
	(void)state;

	root = json_load_file(path, 0, &jerr);
	if (root == NULL)
		fprintf(stderr, "test_noise: cannot read %s: %s (run from the repository root or set KINERJA_NOISE_VECTORS)\n",
		    path, jerr.text);
	assert_non_null(root);
	vectors = json_object_get(root, "vectors");
	assert_true(json_is_array(vectors));

	for (i = 0; i < json_array_size(vectors); i++) {
		const json_t *v = json_array_get(vectors, i);
		const char *name = json_string_value(json_object_get(v, "protocol_name"));
		noise_pattern p;
		size_t k;

		if (name == NULL)
			name = json_string_value(json_object_get(v, "name"));
		if (name == NULL || noise_pattern_parse(&p, name) || vec_has_extras(v)) {
			fprintf(stderr, "test_noise: vector %zu (%s) is of a protocol not implemented\n", i,
			    name ? name : "no name");
			unsupported++;
			continue;
		}
		for (k = 0; all[k] != p; k++)
			;
		ran[k]++;
		total++;
		if (vec_run(v, p) == 0) {
			passed[k]++;
		} else {
			fprintf(stderr, "test_noise: vector %zu (%s) FAILED\n", i, name);
			failed++;
		}
	}
	json_decref(root);

	printf("noise vectors from %s:\n", path);
	for (size_t k = 0; k < 5; k++)
		printf("  %s: %d of %d passed\n", noise_protocol_name(all[k]), passed[k], ran[k]);
	printf("  %d run, %d failed, %d of protocols not implemented\n", total, failed, unsupported);
	assert_true(total > 0);
	assert_int_equal(failed, 0);
	assert_int_equal(unsupported, 0);
}

/* ---- handshakes with random keys ---- */

typedef struct {
	uint8_t s[NOISE_DH_BYTES], pub[NOISE_DH_BYTES];
} test_key;

static void
test_key_new(test_key *k)
{
	crypto_box_keypair(k->pub, k->s);
}

/*
 * Drive a handshake between init and resp to the end, payloads empty,
 * then split both. Returns 0, or the first error code.
 */
static int
run_handshake(noise_transport **ti, noise_transport **tr, noise_handshake *init, noise_handshake *resp)
{
	kn_buf msg = KN_BUF_INIT, pl = KN_BUF_INIT;
	int rc = 0;

	while (rc == 0 && !(noise_handshake_action(init) == NOISE_ACTION_SPLIT &&
	    noise_handshake_action(resp) == NOISE_ACTION_SPLIT)) {
		noise_handshake *w = noise_handshake_action(init) == NOISE_ACTION_WRITE ? init : resp;
		noise_handshake *r = w == init ? resp : init;
		kn_buf_clear(&msg);
		kn_buf_clear(&pl);
		rc = noise_handshake_write(&msg, w, (const uint8_t *)"hi", 2);
		if (rc == 0)
			rc = noise_handshake_read(&pl, r, msg.ptr, msg.len);
		if (rc == 0 && (pl.len != 2 || memcmp(pl.ptr, "hi", 2) != 0))
			rc = KN_ERROR;
	}
	if (rc == 0)
		rc = noise_handshake_split(ti, init);
	if (rc == 0)
		rc = noise_handshake_split(tr, resp);
	kn_buf_free(&msg);
	kn_buf_free(&pl);
	return rc;
}

static noise_handshake *
new_hs(noise_pattern p, int initiator, const test_key *s, const uint8_t *rs)
{
	noise_params params = { p, initiator, (const uint8_t *)"kinerja-test", 12, s ? s->s : NULL, rs };
	noise_handshake *hs = NULL;

	assert_int_equal(noise_handshake_new(&hs, &params), 0);
	return hs;
}

/* Send text one way and read it back. */
static void
assert_transport(noise_transport *from, noise_transport *to, const char *text)
{
	kn_buf ct = KN_BUF_INIT, pt = KN_BUF_INIT;

	assert_int_equal(noise_transport_encrypt(&ct, from, (const uint8_t *)text, strlen(text)), 0);
	assert_int_equal(ct.len, strlen(text) + NOISE_TAG_BYTES);
	assert_int_equal(noise_transport_decrypt(&pt, to, ct.ptr, ct.len), 0);
	assert_int_equal(pt.len, strlen(text));
	assert_memory_equal(pt.ptr, text, pt.len);
	kn_buf_free(&ct);
	kn_buf_free(&pt);
}

/* XX and IK with fresh keys: both learn the peer's key, agree on the hash and talk both ways. */
static void
test_noise__xx_and_ik_with_random_keys(void **state)
{
	static const noise_pattern ps[] = { NOISE_XX, NOISE_IK };
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		test_key a, b;
		uint8_t got[NOISE_DH_BYTES], h1[NOISE_HASH_BYTES], h2[NOISE_HASH_BYTES];
		noise_transport *ti = NULL, *tr = NULL;
		noise_handshake *init, *resp;

		test_key_new(&a);
		test_key_new(&b);
		init = new_hs(ps[i], 1, &a, ps[i] == NOISE_IK ? b.pub : NULL);
		resp = new_hs(ps[i], 0, &b, NULL);
		if (ps[i] == NOISE_XX)
			assert_int_equal(noise_handshake_remote_static(got, init), KN_ENOTFOUND);
		assert_int_equal(run_handshake(&ti, &tr, init, resp), 0);
		assert_int_equal(noise_handshake_remote_static(got, init), 0);
		assert_memory_equal(got, b.pub, sizeof(got));
		assert_int_equal(noise_handshake_remote_static(got, resp), 0);
		assert_memory_equal(got, a.pub, sizeof(got));
		assert_int_equal(noise_handshake_local_static(got, init), 0);
		assert_memory_equal(got, a.pub, sizeof(got));
		noise_handshake_hash(h1, init);
		noise_handshake_hash(h2, resp);
		assert_memory_equal(h1, h2, sizeof(h1));
		assert_transport(ti, tr, "from the school");
		assert_transport(tr, ti, "from the hub");
		assert_transport(tr, ti, "");
		noise_handshake_free(init);
		noise_handshake_free(resp);
		noise_transport_free(ti);
		noise_transport_free(tr);
	}
}

/* Calls out of turn are refused and change nothing; a pattern's missing keys are refused at the start. */
static void
test_noise__out_of_turn_and_missing_keys(void **state)
{
	test_key a, b;
	noise_handshake *init, *resp, *hs = NULL;
	noise_transport *t = NULL;
	kn_buf msg = KN_BUF_INIT, pl = KN_BUF_INIT;
	noise_params params = { NOISE_IK, 1, NULL, 0, NULL, NULL };
	noise_pattern p;
	(void)state;

	test_key_new(&a);
	test_key_new(&b);
	params.static_key = a.s;
	assert_int_equal(noise_handshake_new(&hs, &params), KN_EINVAL); /* IK without the responder's key */
	assert_null(hs);
	params.pattern = NOISE_XX;
	params.static_key = NULL;
	assert_int_equal(noise_handshake_new(&hs, &params), KN_EINVAL); /* XX without a static key */
	params.pattern = NOISE_NN;
	assert_int_equal(noise_handshake_new(&hs, &params), 0); /* NN needs none */
	noise_handshake_free(hs);
	noise_handshake_free(NULL);
	noise_transport_free(NULL);

	assert_int_equal(noise_pattern_parse(&p, "Noise_IK_25519_ChaChaPoly_BLAKE2b"), 0);
	assert_int_equal(p, NOISE_IK);
	assert_int_equal(noise_pattern_parse(&p, "Noise_XX_25519_AESGCM_SHA256"), KN_ENOTFOUND);
	assert_int_equal(noise_pattern_parse(&p, "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b"), KN_ENOTFOUND);

	init = new_hs(NOISE_XX, 1, &a, NULL);
	resp = new_hs(NOISE_XX, 0, &b, NULL);
	assert_int_equal(noise_handshake_action(init), NOISE_ACTION_WRITE);
	assert_int_equal(noise_handshake_action(resp), NOISE_ACTION_READ);
	assert_int_equal(noise_handshake_read(&pl, init, (const uint8_t *)"x", 1), KN_ESTATE);
	assert_int_equal(noise_handshake_write(&msg, resp, NULL, 0), KN_ESTATE);
	assert_int_equal(noise_handshake_split(&t, init), KN_ESTATE);
	assert_null(t);
	assert_int_equal(msg.len, 0);
	/* refusals out of turn did not fail the handshake */
	assert_int_equal(noise_handshake_write(&msg, init, NULL, 0), 0);
	assert_int_equal(msg.len, NOISE_DH_BYTES);
	assert_int_equal(noise__handshake_set_ephemeral(init, a.s), KN_ESTATE); /* e already sent */
	assert_int_equal(noise_handshake_read(&pl, resp, msg.ptr, msg.len), 0);
	assert_int_equal(noise_handshake_action(resp), NOISE_ACTION_WRITE);
	noise_handshake_free(init);
	noise_handshake_free(resp);
	kn_buf_free(&msg);
	kn_buf_free(&pl);
}

/*
 * A bit flipped anywhere in the encrypted part of XX's second message, a
 * truncated message, or IK's first message to a responder whose key is
 * not the one the initiator used: the reader fails for good.
 */
static void
test_noise__tampered_handshake_fails(void **state)
{
	test_key a, b, c;
	uint8_t scratch[NOISE_DH_BYTES];
	kn_buf m1 = KN_BUF_INIT, m2 = KN_BUF_INIT, pl = KN_BUF_INIT;
	(void)state;

	test_key_new(&a);
	test_key_new(&b);
	test_key_new(&c);

	/* XX message 2: e (32) | s encrypted (48) | payload tag (16); flip a bit after e */
	for (size_t pos = NOISE_DH_BYTES; pos < NOISE_DH_BYTES + 48 + 16; pos += 7) {
		noise_handshake *init = new_hs(NOISE_XX, 1, &a, NULL), *resp = new_hs(NOISE_XX, 0, &b, NULL);
		kn_buf_clear(&m1);
		kn_buf_clear(&m2);
		assert_int_equal(noise_handshake_write(&m1, init, NULL, 0), 0);
		assert_int_equal(noise_handshake_read(&pl, resp, m1.ptr, m1.len), 0);
		assert_int_equal(noise_handshake_write(&m2, resp, NULL, 0), 0);
		assert_int_equal(m2.len, NOISE_DH_BYTES + 48 + 16);
		m2.ptr[pos] ^= 0x10;
		kn_buf_clear(&pl);
		assert_int_equal(noise_handshake_read(&pl, init, m2.ptr, m2.len), KN_EBADSIG);
		assert_int_equal(pl.len, 0);
		assert_int_equal(noise_handshake_action(init), NOISE_ACTION_FAILED);
		m2.ptr[pos] ^= 0x10;
		assert_int_equal(noise_handshake_read(&pl, init, m2.ptr, m2.len), KN_ESTATE); /* failed for good */
		noise_handshake_free(init);
		noise_handshake_free(resp);
	}

	/* truncated: shorter than its keys and tag */
	{
		noise_handshake *init = new_hs(NOISE_XX, 1, &a, NULL), *resp = new_hs(NOISE_XX, 0, &b, NULL);
		kn_buf_clear(&m1);
		kn_buf_clear(&m2);
		assert_int_equal(noise_handshake_write(&m1, init, NULL, 0), 0);
		assert_int_equal(noise_handshake_read(&pl, resp, m1.ptr, m1.len), 0);
		assert_int_equal(noise_handshake_write(&m2, resp, (const uint8_t *)"abc", 3), 0);
		assert_int_equal(noise_handshake_read(&pl, init, m2.ptr, m2.len - 1), KN_EBADSIG);
		noise_handshake_free(init);
		noise_handshake_free(resp);

		init = new_hs(NOISE_XX, 1, &a, NULL);
		resp = new_hs(NOISE_XX, 0, &b, NULL);
		kn_buf_clear(&m1);
		kn_buf_clear(&m2);
		assert_int_equal(noise_handshake_write(&m1, init, NULL, 0), 0);
		assert_int_equal(noise_handshake_read(&pl, resp, m1.ptr, m1.len), 0);
		assert_int_equal(noise_handshake_write(&m2, resp, NULL, 0), 0);
		assert_int_equal(noise_handshake_read(&pl, init, m2.ptr, m2.len - 1), KN_EPROTO); /* no room for the tag */
		noise_handshake_free(init);
		noise_handshake_free(resp);

		resp = new_hs(NOISE_XX, 0, &b, NULL);
		assert_int_equal(noise_handshake_read(&pl, resp, m1.ptr, 31), KN_EPROTO); /* not even e */
		noise_handshake_free(resp);
	}

	/* IK to the wrong responder: c's key where b answers */
	{
		noise_handshake *init = new_hs(NOISE_IK, 1, &a, c.pub), *resp = new_hs(NOISE_IK, 0, &b, NULL);
		kn_buf_clear(&m1);
		kn_buf_clear(&pl);
		assert_int_equal(noise_handshake_write(&m1, init, NULL, 0), 0);
		assert_int_equal(noise_handshake_read(&pl, resp, m1.ptr, m1.len), KN_EBADSIG);
		assert_int_equal(noise_handshake_remote_static(scratch, resp), KN_ENOTFOUND);
		noise_handshake_free(init);
		noise_handshake_free(resp);
	}
	kn_buf_free(&m1);
	kn_buf_free(&m2);
	kn_buf_free(&pl);
}

/* An ephemeral key of low order (all zeros) makes the DH fail instead of agreeing on a known key. */
static void
test_noise__low_order_key_refused(void **state)
{
	test_key b;
	uint8_t zeros[NOISE_DH_BYTES] = { 0 };
	kn_buf m2 = KN_BUF_INIT, pl = KN_BUF_INIT;
	noise_handshake *resp;
	(void)state;

	test_key_new(&b);
	resp = new_hs(NOISE_XX, 0, &b, NULL);
	assert_int_equal(noise_handshake_read(&pl, resp, zeros, sizeof(zeros)), 0); /* e is only hashed */
	assert_int_equal(noise_handshake_write(&m2, resp, NULL, 0), KN_EPROTO); /* ee */
	assert_int_equal(m2.len, 0);
	assert_int_equal(noise_handshake_action(resp), NOISE_ACTION_FAILED);
	noise_handshake_free(resp);
	kn_buf_free(&m2);
	kn_buf_free(&pl);
}

/*
 * Transport: a flipped bit, a truncation, a replay and a reorder are all
 * refused, and a refusal leaves the counter where it was, so the right
 * message still reads afterwards.
 */
static void
test_noise__transport_tamper_replay_reorder(void **state)
{
	test_key a, b;
	noise_handshake *init, *resp;
	noise_transport *ti = NULL, *tr = NULL;
	kn_buf c1 = KN_BUF_INIT, c2 = KN_BUF_INIT, pt = KN_BUF_INIT;
	(void)state;

	test_key_new(&a);
	test_key_new(&b);
	init = new_hs(NOISE_XX, 1, &a, NULL);
	resp = new_hs(NOISE_XX, 0, &b, NULL);
	assert_int_equal(run_handshake(&ti, &tr, init, resp), 0);

	assert_int_equal(noise_transport_encrypt(&c1, ti, (const uint8_t *)"first", 5), 0);
	assert_int_equal(noise_transport_encrypt(&c2, ti, (const uint8_t *)"second", 6), 0);

	assert_int_equal(noise_transport_decrypt(&pt, tr, c2.ptr, c2.len), KN_EBADSIG); /* reordered */
	for (size_t i = 0; i < c1.len; i++) {
		c1.ptr[i] ^= 0x01;
		assert_int_equal(noise_transport_decrypt(&pt, tr, c1.ptr, c1.len), KN_EBADSIG); /* bit flip */
		c1.ptr[i] ^= 0x01;
	}
	assert_int_equal(noise_transport_decrypt(&pt, tr, c1.ptr, c1.len - 1), KN_EBADSIG); /* truncated */
	assert_int_equal(noise_transport_decrypt(&pt, tr, c1.ptr, 15), KN_EPROTO);       /* not even a tag */
	assert_int_equal(pt.len, 0);
	assert_int_equal(noise_transport_decrypt(&pt, tr, c1.ptr, c1.len), 0);
	assert_int_equal(noise_transport_decrypt(&pt, tr, c1.ptr, c1.len), KN_EBADSIG); /* replayed */
	assert_int_equal(noise_transport_decrypt(&pt, tr, c2.ptr, c2.len), 0);
	assert_int_equal(pt.len, 11);
	assert_memory_equal(pt.ptr, "firstsecond", 11);

	noise_handshake_free(init);
	noise_handshake_free(resp);
	noise_transport_free(ti);
	noise_transport_free(tr);
	kn_buf_free(&c1);
	kn_buf_free(&c2);
	kn_buf_free(&pt);
}

/* The Noise limit of 65535 bytes per message, on both sides of it. */
static void
test_noise__message_limits(void **state)
{
	test_key a, b;
	noise_handshake *init, *resp;
	noise_transport *ti = NULL, *tr = NULL;
	kn_buf ct = KN_BUF_INIT, pt = KN_BUF_INIT;
	uint8_t *big = calloc(1, NOISE_MESSAGE_MAX + 1);
	(void)state;

	assert_non_null(big);
	test_key_new(&a);
	test_key_new(&b);
	init = new_hs(NOISE_XX, 1, &a, NULL);
	resp = new_hs(NOISE_XX, 0, &b, NULL);
	/* message 1 of XX: e (32) + payload in clear */
	assert_int_equal(noise_handshake_write(&ct, init, big, NOISE_MESSAGE_MAX - 31), KN_ETOOBIG);
	assert_int_equal(ct.len, 0);
	assert_int_equal(noise_handshake_action(init), NOISE_ACTION_WRITE); /* not failed */
	assert_int_equal(noise_handshake_write(&ct, init, big, NOISE_MESSAGE_MAX - 32), 0);
	assert_int_equal(ct.len, NOISE_MESSAGE_MAX);
	assert_int_equal(noise_handshake_read(&pt, resp, ct.ptr, ct.len), 0);
	assert_int_equal(pt.len, NOISE_MESSAGE_MAX - 32);
	noise_handshake_free(init);
	noise_handshake_free(resp);

	init = new_hs(NOISE_XX, 1, &a, NULL);
	resp = new_hs(NOISE_XX, 0, &b, NULL);
	assert_int_equal(run_handshake(&ti, &tr, init, resp), 0);
	kn_buf_clear(&ct);
	kn_buf_clear(&pt);
	assert_int_equal(noise_transport_encrypt(&ct, ti, big, NOISE_MESSAGE_MAX - NOISE_TAG_BYTES + 1), KN_ETOOBIG);
	assert_int_equal(noise_transport_encrypt(&ct, ti, big, NOISE_MESSAGE_MAX - NOISE_TAG_BYTES), 0);
	assert_int_equal(ct.len, NOISE_MESSAGE_MAX);
	assert_int_equal(noise_transport_decrypt(&pt, tr, big, NOISE_MESSAGE_MAX + 1), KN_ETOOBIG);
	assert_int_equal(noise_transport_decrypt(&pt, tr, ct.ptr, ct.len), 0);
	assert_int_equal(pt.len, NOISE_MESSAGE_MAX - NOISE_TAG_BYTES);

	noise_handshake_free(init);
	noise_handshake_free(resp);
	noise_transport_free(ti);
	noise_transport_free(tr);
	kn_buf_free(&ct);
	kn_buf_free(&pt);
	free(big);
}

/* Rekey on both sides keeps the channel working; on one side only, it breaks it. */
static void
test_noise__rekey(void **state)
{
	test_key a, b;
	noise_handshake *init, *resp;
	noise_transport *ti = NULL, *tr = NULL;
	kn_buf ct = KN_BUF_INIT, pt = KN_BUF_INIT;
	(void)state;

	test_key_new(&a);
	test_key_new(&b);
	init = new_hs(NOISE_IK, 1, &a, b.pub);
	resp = new_hs(NOISE_IK, 0, &b, NULL);
	assert_int_equal(run_handshake(&ti, &tr, init, resp), 0);
	assert_transport(ti, tr, "before");
	noise_transport_rekey_send(ti);
	noise_transport_rekey_recv(tr);
	assert_transport(ti, tr, "after");
	assert_transport(tr, ti, "other way, not rekeyed");
	noise_transport_rekey_send(tr);
	assert_int_equal(noise_transport_encrypt(&ct, tr, (const uint8_t *)"x", 1), 0);
	assert_int_equal(noise_transport_decrypt(&pt, ti, ct.ptr, ct.len), KN_EBADSIG);
	noise_handshake_free(init);
	noise_handshake_free(resp);
	noise_transport_free(ti);
	noise_transport_free(tr);
	kn_buf_free(&ct);
	kn_buf_free(&pt);
}

static int
setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_noise__vectors),
		cmocka_unit_test(test_noise__xx_and_ik_with_random_keys),
		cmocka_unit_test(test_noise__out_of_turn_and_missing_keys),
		cmocka_unit_test(test_noise__tampered_handshake_fails),
		cmocka_unit_test(test_noise__low_order_key_refused),
		cmocka_unit_test(test_noise__transport_tamper_replay_reorder),
		cmocka_unit_test(test_noise__message_limits),
		cmocka_unit_test(test_noise__rekey),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
