/*
 * bench_noise.c - what the sync channel costs, against the raw libsodium
 * primitives it is made of, in the same process.
 *
 * Handshakes per second (both sides in this process, in memory, each with
 * its own fresh ephemeral key): Noise XX and IK through sync/noise.c
 * (new, every message, split, free), and XX through sync/channel.c (the
 * frames, the confirmation). Baseline: the X25519 operations an XX
 * handshake cannot do without, 4 crypto_scalarmult_base (two ephemeral
 * and two static public keys) and 6 crypto_scalarmult (ee, es, se on each
 * side), so the ratio shows what the hashing, the AEAD and the memory
 * handling add.
 *
 * Transport in MB/s of payload, for messages of 1 KiB, 65514 bytes (one
 * full frame) and 1 MiB (17 frames): the baseline is raw
 * crypto_aead_chacha20poly1305_ietf_encrypt over buffers of the same
 * size; then noise_transport_encrypt alone (the ratio to the raw
 * encryption); then a whole channel, sync_channel_send on one side and
 * sync_channel_feed / sync_channel_recv on the other (framing, encryption
 * and decryption, copies), beside raw encrypt + decrypt as its fair
 * baseline. Every message the channel delivers is checked.
 *
 * Speed is reported, never asserted: the exit status is 1 only when
 * something fails. Each group of figures is taken in 5 alternating
 * slices of 0.2 s each (the load of a shared machine weighs on all of
 * a group alike). Takes about 16 s.
 *
 * Usage: bench_noise [BUILD_DIR]   (the argument is accepted and ignored)
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sync/channel.h"
#include "../sync/noise.h"
#include "../tests/lib/kntest.h"


typedef struct {
	uint8_t s[NOISE_DH_BYTES], pub[NOISE_DH_BYTES];
} bench_key;

/* One Noise handshake of pattern p between a and b, both in memory. 0 or -1 (printed). */
static int
noise_once(noise_pattern p, const bench_key *a, const bench_key *b, kn_buf *msg, kn_buf *pl)
{
	noise_params pi = { p, 1, (const uint8_t *)"bench", 5, a->s, p == NOISE_IK ? b->pub : NULL };
	noise_params pr = { p, 0, (const uint8_t *)"bench", 5, b->s, NULL };
	noise_handshake *hi = NULL, *hr = NULL;
	noise_transport *ti = NULL, *tr = NULL;
	int rc = -1;

	if (noise_handshake_new(&hi, &pi) || noise_handshake_new(&hr, &pr))
		goto out;
	while (noise_handshake_action(hi) != NOISE_ACTION_SPLIT || noise_handshake_action(hr) != NOISE_ACTION_SPLIT) {
		noise_handshake *w = noise_handshake_action(hi) == NOISE_ACTION_WRITE ? hi : hr;
		kn_buf_clear(msg);
		kn_buf_clear(pl);
		if (noise_handshake_write(msg, w, NULL, 0) || noise_handshake_read(pl, w == hi ? hr : hi, msg->ptr, msg->len))
			goto out;
	}
	if (noise_handshake_split(&ti, hi) || noise_handshake_split(&tr, hr))
		goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_noise: handshake: %s\n", kn_error_message());
	noise_handshake_free(hi);
	noise_handshake_free(hr);
	noise_transport_free(ti);
	noise_transport_free(tr);
	return rc;
}

/* Move what from has pending into to; the messages to receives go to *got (count) and are checked against want. */
static int
shuttle(sync_channel *to, sync_channel *from, kn_buf *m, size_t *got, const uint8_t *want, size_t wlen)
{
	const uint8_t *p;
	size_t n = sync_channel_pending(&p, from);
	int rc;

	for (size_t off = 0; off < n; off += SYNC_CHANNEL_FEED_MAX) {
		size_t c = n - off < SYNC_CHANNEL_FEED_MAX ? n - off : SYNC_CHANNEL_FEED_MAX;
		rc = sync_channel_feed(to, p + off, c);
		while (rc == 0 && (rc = sync_channel_recv(m, to)) == 1) {
			if (want && (m->len != wlen || memcmp(m->ptr, want, wlen) != 0)) {
				fprintf(stderr, "bench_noise: a message came back different\n");
				return -1;
			}
			(*got)++;
			kn_buf_clear(m);
			rc = 0;
		}
		if (rc) {
			fprintf(stderr, "bench_noise: channel: %s\n", kn_error_message());
			return -1;
		}
	}
	sync_channel_sent(from, n);
	return 0;
}

/* A pair of channels, handshake done (XX). 0 or -1 (printed). */
static int
channel_pair(sync_channel **ci, sync_channel **cr, const bench_key *a, const bench_key *b, size_t max, kn_buf *m)
{
	sync_channel_config c1 = { 1, a->s, NULL, max, NULL, NULL }, c2 = { 0, b->s, NULL, max, NULL, NULL };
	size_t got = 0;

	*ci = *cr = NULL;
	if (sync_channel_new(ci, &c1) || sync_channel_new(cr, &c2)) {
		fprintf(stderr, "bench_noise: channel: %s\n", kn_error_message());
		return -1;
	}
	for (int k = 0; k < 2; k++)
		if (shuttle(*cr, *ci, m, &got, NULL, 0) || shuttle(*ci, *cr, m, &got, NULL, 0))
			return -1;
	if (!sync_channel_ready(*ci) || !sync_channel_ready(*cr)) {
		fprintf(stderr, "bench_noise: the channel handshake did not finish\n");
		return -1;
	}
	return 0;
}

/*
 * Timing on a shared machine: the figures of one group (a baseline and
 * what is compared with it) are taken in BENCH_ROUNDS alternating slices
 * of BENCH_SLICE seconds each, so that a change in the machine's load
 * weighs on all of them alike; each figure is its operations over its
 * total time.
 */
#define BENCH_ROUNDS 5
#define BENCH_SLICE 0.2

typedef int (*bench_op)(void *ctx);

typedef struct {
	bench_op op;
	void *ctx;
	long n;
	double t;
} bench_item;

/* Run the items of a group in alternating slices; rates in ops per second, or -1 when an op failed. */
static int
bench_group(bench_item *items, size_t k)
{
	for (int round = 0; round < BENCH_ROUNDS; round++) {
		for (size_t j = 0; j < k; j++) {
			double t0 = kntest_now_s(), t;
			long n = 0;
			while ((t = kntest_now_s() - t0) < BENCH_SLICE) {
				if (items[j].op(items[j].ctx))
					return -1;
				n++;
			}
			items[j].n += n;
			items[j].t += t;
		}
	}
	return 0;
}

static double
rate(const bench_item *it)
{
	return it->n / it->t;
}

/* ---- handshakes ---- */

typedef struct {
	bench_key a, b;
	kn_buf msg, pl;
	uint8_t e[32], q[32];
} hs_ctx;

static int
op_x25519(void *arg)
{
	hs_ctx *c = arg;
	uint8_t out[32];

	for (int k = 0; k < 4; k++)
		crypto_scalarmult_base(out, c->e);
	for (int k = 0; k < 6; k++)
		if (crypto_scalarmult(out, c->e, c->q) != 0)
			return -1;
	return 0;
}

static int
op_xx(void *arg)
{
	hs_ctx *c = arg;
	return noise_once(NOISE_XX, &c->a, &c->b, &c->msg, &c->pl);
}

static int
op_ik(void *arg)
{
	hs_ctx *c = arg;
	return noise_once(NOISE_IK, &c->a, &c->b, &c->msg, &c->pl);
}

static int
op_channel_xx(void *arg)
{
	hs_ctx *c = arg;
	sync_channel *ci, *cr;
	int bad = channel_pair(&ci, &cr, &c->a, &c->b, 0, &c->msg);

	sync_channel_free(ci);
	sync_channel_free(cr);
	return bad;
}

/* Handshakes per second of each kind and the X25519 baseline. */
static int
bench_handshakes(void)
{
	hs_ctx c;
	bench_item it[4] = { { op_x25519, &c, 0, 0 }, { op_xx, &c, 0, 0 }, { op_ik, &c, 0, 0 },
		{ op_channel_xx, &c, 0, 0 } };
	int rc;

	memset(&c, 0, sizeof(c));
	crypto_box_keypair(c.a.pub, c.a.s);
	crypto_box_keypair(c.b.pub, c.b.s);
	randombytes_buf(c.e, sizeof(c.e));
	crypto_scalarmult_base(c.q, c.b.s);
	rc = bench_group(it, 4);
	if (rc == 0) {
		double base = rate(&it[0]);
		printf("bench_noise: handshakes per second (both sides in one process)\n");
		printf("  baseline: 4 X25519 base + 6 X25519 DH   %9.0f /s\n", base);
		printf("  Noise XX (noise.c)                      %9.0f /s  (%.2f x baseline)\n", rate(&it[1]),
		    rate(&it[1]) / base);
		printf("  Noise IK (noise.c)                      %9.0f /s  (%.2f x baseline)\n", rate(&it[2]),
		    rate(&it[2]) / base);
		printf("  channel XX (frames, confirmation)       %9.0f /s  (%.2f x baseline)\n", rate(&it[3]),
		    rate(&it[3]) / base);
	} else {
		fprintf(stderr, "bench_noise: handshakes failed\n");
	}
	kn_buf_free(&c.msg);
	kn_buf_free(&c.pl);
	return rc;
}

/* ---- transport ---- */

typedef struct {
	size_t size;
	uint8_t *pt, *ct, *back;
	uint8_t key[crypto_aead_chacha20poly1305_ietf_KEYBYTES];
	uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	uint64_t counter;
	noise_transport *ti;
	sync_channel *ci, *cr;
	kn_buf out, m;
	size_t sent, got;
} tr_ctx;

static void
tr_nonce(tr_ctx *c)
{
	c->counter++;
	memcpy(c->nonce + 4, &c->counter, sizeof(c->counter));
}

static int
op_raw_encrypt(void *arg)
{
	tr_ctx *c = arg;
	unsigned long long clen;

	tr_nonce(c);
	return crypto_aead_chacha20poly1305_ietf_encrypt(c->ct, &clen, c->pt, c->size, NULL, 0, NULL, c->nonce, c->key);
}

static int
op_raw_both(void *arg)
{
	tr_ctx *c = arg;
	unsigned long long clen;

	tr_nonce(c);
	crypto_aead_chacha20poly1305_ietf_encrypt(c->ct, &clen, c->pt, c->size, NULL, 0, NULL, c->nonce, c->key);
	return crypto_aead_chacha20poly1305_ietf_decrypt(c->back, NULL, NULL, c->ct, clen, NULL, 0, c->nonce, c->key);
}

/* noise_transport_encrypt of the message, in Noise messages of at most 65519 bytes of plaintext. */
static int
op_noise_encrypt(void *arg)
{
	tr_ctx *c = arg;
	const size_t piece = NOISE_MESSAGE_MAX - NOISE_TAG_BYTES;

	kn_buf_clear(&c->out);
	for (size_t off = 0; off < c->size; off += piece)
		if (noise_transport_encrypt(&c->out, c->ti, c->pt + off, c->size - off < piece ? c->size - off : piece))
			return -1;
	return 0;
}

static int
op_channel(void *arg)
{
	tr_ctx *c = arg;

	c->sent++;
	if (sync_channel_send(c->ci, c->pt, c->size))
		return -1;
	return shuttle(c->cr, c->ci, &c->m, &c->got, c->pt, c->size);
}

/* A Noise transport (XX, in memory) for op_noise_encrypt; the responder's half is freed at once. */
static int
tr_noise_setup(tr_ctx *c, const bench_key *a, const bench_key *b)
{
	noise_params pi = { NOISE_XX, 1, NULL, 0, a->s, NULL }, pr = { NOISE_XX, 0, NULL, 0, b->s, NULL };
	noise_handshake *hi = NULL, *hr = NULL;
	noise_transport *tr = NULL;
	kn_buf pl = KN_BUF_INIT;
	int rc = -1;

	if (noise_handshake_new(&hi, &pi) || noise_handshake_new(&hr, &pr))
		goto out;
	while (noise_handshake_action(hi) != NOISE_ACTION_SPLIT || noise_handshake_action(hr) != NOISE_ACTION_SPLIT) {
		noise_handshake *w = noise_handshake_action(hi) == NOISE_ACTION_WRITE ? hi : hr;
		kn_buf_clear(&c->out);
		if (noise_handshake_write(&c->out, w, NULL, 0) ||
		    noise_handshake_read(&pl, w == hi ? hr : hi, c->out.ptr, c->out.len))
			goto out;
	}
	if (noise_handshake_split(&c->ti, hi) || noise_handshake_split(&tr, hr))
		goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_noise: handshake: %s\n", kn_error_message());
	noise_handshake_free(hi);
	noise_handshake_free(hr);
	noise_transport_free(tr);
	kn_buf_free(&pl);
	return rc;
}

/* Transport throughput for messages of size bytes. */
static int
bench_transport(size_t size)
{
	bench_key a, b;
	tr_ctx c;
	bench_item it[4] = { { op_raw_encrypt, &c, 0, 0 }, { op_noise_encrypt, &c, 0, 0 }, { op_raw_both, &c, 0, 0 },
		{ op_channel, &c, 0, 0 } };
	double mb = (double)size / 1e6, enc, ne, both, chan;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.size = size;
	c.pt = malloc(size);
	c.ct = malloc(size + 16);
	c.back = malloc(size + 1);
	if (c.pt == NULL || c.ct == NULL || c.back == NULL)
		goto out;
	crypto_box_keypair(a.pub, a.s);
	crypto_box_keypair(b.pub, b.s);
	randombytes_buf(c.pt, size);
	randombytes_buf(c.key, sizeof(c.key));
	if (tr_noise_setup(&c, &a, &b))
		goto out;
	if (channel_pair(&c.ci, &c.cr, &a, &b, size > SYNC_CHANNEL_MESSAGE_DEFAULT ? size : 0, &c.m))
		goto out;
	if (bench_group(it, 4))
		goto out;
	if (c.got != c.sent) {
		fprintf(stderr, "bench_noise: %zu messages of %zu came through\n", c.got, c.sent);
		goto out;
	}
	enc = rate(&it[0]) * mb;
	ne = rate(&it[1]) * mb;
	both = rate(&it[2]) * mb;
	chan = rate(&it[3]) * mb;
	printf("bench_noise: transport, messages of %zu bytes, MB/s of payload\n", size);
	printf("  baseline: raw ChaCha20-Poly1305 encrypt    %8.0f MB/s\n", enc);
	printf("  noise_transport_encrypt                    %8.0f MB/s  (%.2f x raw encrypt)\n", ne, ne / enc);
	printf("  baseline: raw encrypt + decrypt            %8.0f MB/s\n", both);
	printf("  channel send + feed + recv                 %8.0f MB/s  (%.2f x raw encrypt + decrypt; "
	    "%.2f x raw encrypt)\n", chan, chan / both, chan / enc);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_noise: transport of %zu-byte messages failed: %s\n", size, kn_error_message());
	noise_transport_free(c.ti);
	sync_channel_free(c.ci);
	sync_channel_free(c.cr);
	kn_buf_free(&c.out);
	kn_buf_free(&c.m);
	free(c.pt);
	free(c.ct);
	free(c.back);
	return rc;
}

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		return 1;
	if (bench_handshakes() || bench_transport(1024) || bench_transport(65514) || bench_transport(1024 * 1024))
		return 1;
	return 0;
}
