/*
 * test_channel.c - sync/channel.c: the handshake (XX and IK), frames,
 * limits, the peer check, Ed25519 device keys as Noise statics, and every
 * way a stream can be tampered with: in memory first (exact bytes), then
 * over a real socketpair with a thread per side, 1000 messages of random
 * sizes both ways, and a relay in the middle that flips a bit or cuts
 * the connection.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../store/keys.h"
#include "../../sync/channel.h"

/* ---- in memory ---- */

typedef struct {
	uint8_t s[SYNC_CHANNEL_KEY_BYTES], pub[SYNC_CHANNEL_KEY_BYTES];
} test_key;

/* One end of a channel and the messages it received, each as u32 length || bytes. */
typedef struct {
	sync_channel *ch;
	kn_buf inbox;
	size_t count; /* messages in inbox */
	size_t rd;    /* read offset into inbox */
} end;

static void
test_key_new(test_key *k)
{
	crypto_box_keypair(k->pub, k->s);
}

static void
end_new(end *e, int initiator, const test_key *k, const uint8_t *peer_key, size_t max_message)
{
	sync_channel_config cfg = { initiator, k->s, peer_key, max_message, NULL, NULL };

	memset(e, 0, sizeof(*e));
	assert_int_equal(sync_channel_new(&e->ch, &cfg), 0);
}

static void
end_free(end *e)
{
	sync_channel_free(e->ch);
	kn_buf_free(&e->inbox);
}

/* Take every whole message e's channel holds into its inbox. Returns 0 or the channel's error. */
static int
end_drain(end *e)
{
	kn_buf m = KN_BUF_INIT;
	int rc;

	while ((rc = sync_channel_recv(&m, e->ch)) == 1) {
		uint8_t n[4] = { (uint8_t)(m.len >> 24), (uint8_t)(m.len >> 16), (uint8_t)(m.len >> 8), (uint8_t)m.len };
		kn_buf_put(&e->inbox, n, 4);
		kn_buf_put(&e->inbox, m.ptr, m.len);
		e->count++;
		kn_buf_clear(&m);
	}
	kn_buf_free(&m);
	return rc;
}

/* Feed bytes to e in chunks of at most SYNC_CHANNEL_FEED_MAX, draining between. Returns 0 or the first error. */
static int
end_feed(end *e, const uint8_t *p, size_t n)
{
	for (size_t off = 0; off < n; off += SYNC_CHANNEL_FEED_MAX) {
		size_t c = n - off < SYNC_CHANNEL_FEED_MAX ? n - off : SYNC_CHANNEL_FEED_MAX;
		int rc = sync_channel_feed(e->ch, p + off, c);
		if (rc == 0)
			rc = end_drain(e);
		if (rc)
			return rc;
	}
	return 0;
}

/* Move everything pending in from to to (and append it to rec unless NULL). Returns 0 or to's error. */
static int
shuttle(end *to, end *from, kn_buf *rec)
{
	const uint8_t *p;
	size_t n = sync_channel_pending(&p, from->ch);
	kn_buf copy = KN_BUF_INIT;
	int rc;

	if (n == 0)
		return 0;
	kn_buf_put(&copy, p, n);
	sync_channel_sent(from->ch, n);
	if (rec)
		kn_buf_put(rec, copy.ptr, copy.len);
	rc = end_feed(to, copy.ptr, copy.len);
	kn_buf_free(&copy);
	return rc;
}

/* Run the handshake to the end in memory; both must be ready and agree. */
static void
handshake(end *i, end *r, kn_buf *rec_i)
{
	uint8_t hi[NOISE_HASH_BYTES], hr[NOISE_HASH_BYTES];

	for (int round = 0; round < 4; round++) {
		assert_int_equal(shuttle(r, i, rec_i), 0);
		assert_int_equal(shuttle(i, r, NULL), 0);
	}
	assert_true(sync_channel_ready(i->ch));
	assert_true(sync_channel_ready(r->ch));
	assert_int_equal(sync_channel_handshake_hash(hi, i->ch), 0);
	assert_int_equal(sync_channel_handshake_hash(hr, r->ch), 0);
	assert_memory_equal(hi, hr, sizeof(hi));
}

/* The next message of e's inbox must be want[0..n). */
static void
assert_next(end *e, const uint8_t *want, size_t n)
{
	const uint8_t *p;
	size_t len;

	assert_true(e->rd + 4 <= e->inbox.len);
	p = e->inbox.ptr + e->rd;
	len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	assert_int_equal(len, n);
	if (n)
		assert_memory_equal(p + 4, want, n);
	e->rd += 4 + len;
}

/* Deterministic test bytes: message number i of a side. */
static void
fill(uint8_t *buf, size_t n, uint32_t side, uint32_t i)
{
	uint8_t seed[randombytes_SEEDBYTES] = { 0 };

	memcpy(seed, &side, sizeof(side));
	memcpy(seed + 4, &i, sizeof(i));
	randombytes_buf_deterministic(buf, n, seed);
}

/* XX: both learn each other's key; messages of every size class cross, including multi-frame ones; a clean close. */
static void
test_channel__xx_in_memory(void **state)
{
	static const size_t sizes[] = { 0, 1, 100, 65514, 65515, 65519, 131028, 131029, 300000 };
	test_key a, b;
	end i, r;
	uint8_t k[SYNC_CHANNEL_KEY_BYTES], *buf = malloc(300000);
	noise_pattern p;
	(void)state;

	assert_non_null(buf);
	test_key_new(&a);
	test_key_new(&b);
	end_new(&i, 1, &a, NULL, 0);
	end_new(&r, 0, &b, NULL, 0);
	assert_false(sync_channel_ready(i.ch));
	assert_int_equal(sync_channel_send(i.ch, (const uint8_t *)"early", 5), KN_ESTATE);
	assert_int_equal(sync_channel_peer_key(k, r.ch), KN_ENOTFOUND);
	assert_int_equal(sync_channel_pattern(&p, r.ch), KN_ENOTFOUND);
	assert_int_equal(sync_channel_close(r.ch), KN_ESTATE);
	handshake(&i, &r, NULL);
	assert_int_equal(sync_channel_pattern(&p, r.ch), 0);
	assert_int_equal(p, NOISE_XX);
	assert_int_equal(sync_channel_peer_key(k, i.ch), 0);
	assert_memory_equal(k, b.pub, sizeof(k));
	assert_int_equal(sync_channel_peer_key(k, r.ch), 0);
	assert_memory_equal(k, a.pub, sizeof(k));

	for (size_t j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
		fill(buf, sizes[j], 1, (uint32_t)j);
		assert_int_equal(sync_channel_send(i.ch, buf, sizes[j]), 0);
		fill(buf, sizes[j], 2, (uint32_t)j);
		assert_int_equal(sync_channel_send(r.ch, buf, sizes[j]), 0);
	}
	assert_int_equal(shuttle(&r, &i, NULL), 0);
	assert_int_equal(shuttle(&i, &r, NULL), 0);
	assert_int_equal(r.count, sizeof(sizes) / sizeof(sizes[0]));
	assert_int_equal(i.count, sizeof(sizes) / sizeof(sizes[0]));
	for (size_t j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
		fill(buf, sizes[j], 1, (uint32_t)j);
		assert_next(&r, buf, sizes[j]);
		fill(buf, sizes[j], 2, (uint32_t)j);
		assert_next(&i, buf, sizes[j]);
	}

	assert_int_equal(sync_channel_close(i.ch), 0);
	assert_int_equal(sync_channel_close(i.ch), 0); /* once is enough */
	assert_int_equal(sync_channel_send(i.ch, buf, 1), KN_ESTATE);
	assert_int_equal(sync_channel_close(r.ch), 0);
	assert_int_equal(shuttle(&r, &i, NULL), 0);
	assert_int_equal(shuttle(&i, &r, NULL), 0);
	assert_true(sync_channel_peer_closed(r.ch));
	assert_true(sync_channel_peer_closed(i.ch));
	assert_int_equal(sync_channel_eof(r.ch), 0);
	assert_int_equal(sync_channel_eof(i.ch), 0);
	assert_int_equal(sync_channel_error(r.ch), 0);
	end_free(&i);
	end_free(&r);
	free(buf);
}

/*
 * IK: the initiator names the responder's key and is ready after one
 * round trip; the responder only once the initiator's confirmation came.
 * IK to a responder holding another key fails at the first message.
 */
static void
test_channel__ik(void **state)
{
	test_key a, b, c;
	end i, r;
	uint8_t k[SYNC_CHANNEL_KEY_BYTES];
	noise_pattern p;
	(void)state;

	test_key_new(&a);
	test_key_new(&b);
	test_key_new(&c);
	end_new(&i, 1, &a, b.pub, 0);
	end_new(&r, 0, &b, NULL, 0);
	assert_int_equal(shuttle(&r, &i, NULL), 0); /* -> e, es, s, ss */
	assert_int_equal(sync_channel_pattern(&p, r.ch), 0);
	assert_int_equal(p, NOISE_IK);
	assert_int_equal(sync_channel_peer_key(k, r.ch), 0);
	assert_memory_equal(k, a.pub, sizeof(k));
	assert_false(sync_channel_ready(r.ch)); /* message 1 of IK can be a replay */
	assert_int_equal(sync_channel_send(r.ch, (const uint8_t *)"x", 1), KN_ESTATE);
	assert_int_equal(shuttle(&i, &r, NULL), 0); /* <- e, ee, se */
	assert_true(sync_channel_ready(i.ch));
	assert_int_equal(sync_channel_send(i.ch, (const uint8_t *)"hello hub", 9), 0);
	assert_int_equal(shuttle(&r, &i, NULL), 0); /* CONFIRM, then the message */
	assert_true(sync_channel_ready(r.ch));
	assert_next(&r, (const uint8_t *)"hello hub", 9);
	end_free(&i);
	end_free(&r);

	/* the initiator thinks the responder is c */
	end_new(&i, 1, &a, c.pub, 0);
	end_new(&r, 0, &b, NULL, 0);
	assert_int_equal(shuttle(&r, &i, NULL), KN_EBADSIG);
	assert_int_equal(sync_channel_error(r.ch), KN_EBADSIG);
	assert_non_null(strstr(sync_channel_error_message(r.ch), "handshake"));
	end_free(&i);
	end_free(&r);
}

/*
 * A replayed old handshake: everything an initiator sent in a finished
 * session (its handshake messages, its confirmation, its messages, its
 * close), replayed to a new responder with the same key, never makes a
 * working session: the responder answers with a fresh ephemeral key, so
 * the recorded rest no longer authenticates. In XX the replay fails at
 * the initiator's last handshake message, in IK (whose first message is
 * replayable by design) at the confirmation; neither responder becomes
 * ready or yields a message.
 */
static void
test_channel__replayed_handshake_refused(void **state)
{
	test_key a, b;
	(void)state;

	test_key_new(&a);
	test_key_new(&b);
	for (int ik = 0; ik < 2; ik++) {
		kn_buf rec = KN_BUF_INIT;
		end i, r, r2;

		end_new(&i, 1, &a, ik ? b.pub : NULL, 0);
		end_new(&r, 0, &b, NULL, 0);
		handshake(&i, &r, &rec);
		assert_int_equal(sync_channel_send(i.ch, (const uint8_t *)"approve plan 7", 14), 0);
		assert_int_equal(sync_channel_close(i.ch), 0);
		assert_int_equal(shuttle(&r, &i, &rec), 0);
		assert_int_equal(r.count, 1);
		assert_int_equal(sync_channel_eof(r.ch), 0);

		end_new(&r2, 0, &b, NULL, 0);
		assert_int_equal(end_feed(&r2, rec.ptr, rec.len), KN_EBADSIG);
		assert_false(sync_channel_ready(r2.ch));
		assert_int_equal(r2.count, 0);
		assert_int_equal(sync_channel_error(r2.ch), KN_EBADSIG);
		assert_int_equal(sync_channel_send(r2.ch, (const uint8_t *)"x", 1), KN_EBADSIG); /* closed for good */
		assert_int_equal(kn_error_last_code(), KN_EBADSIG);
		end_free(&r2);

		/* IK's first message alone is accepted, but the responder waits: a stream ending there is cut */
		if (ik) {
			const uint8_t *p = rec.ptr;
			size_t first = 2 + ((size_t)p[0] << 8 | p[1]);
			end_new(&r2, 0, &b, NULL, 0);
			assert_int_equal(end_feed(&r2, rec.ptr, first), 0);
			assert_false(sync_channel_ready(r2.ch));
			assert_int_equal(sync_channel_eof(r2.ch), KN_EPROTO);
			end_free(&r2);
		}
		end_free(&i);
		end_free(&r);
		kn_buf_free(&rec);
	}
}

/* The frames in bytes: offsets and lengths (including the 2-byte prefix) of up to max frames; returns the count. */
static size_t
frames_of(size_t *off, size_t *len, size_t max, const uint8_t *p, size_t n)
{
	size_t k = 0, at = 0;

	while (k < max && at + 2 <= n) {
		size_t f = 2 + ((size_t)p[at] << 8 | p[at + 1]);
		off[k] = at;
		len[k] = f;
		at += f;
		k++;
	}
	return k;
}

/* A fresh ready pair, and the initiator's bytes for three messages and its close (frames 0..3). */
static void
tamper_setup(end *i, end *r, kn_buf *stream, size_t *off, size_t *len)
{
	test_key a, b;
	const uint8_t *p;
	size_t n;

	test_key_new(&a);
	test_key_new(&b);
	end_new(i, 1, &a, NULL, 0);
	end_new(r, 0, &b, NULL, 0);
	handshake(i, r, NULL);
	assert_int_equal(sync_channel_send(i->ch, (const uint8_t *)"one", 3), 0);
	assert_int_equal(sync_channel_send(i->ch, (const uint8_t *)"two", 3), 0);
	assert_int_equal(sync_channel_send(i->ch, (const uint8_t *)"three", 5), 0);
	assert_int_equal(sync_channel_close(i->ch), 0);
	n = sync_channel_pending(&p, i->ch);
	kn_buf_clear(stream);
	kn_buf_put(stream, p, n);
	sync_channel_sent(i->ch, n);
	assert_int_equal(frames_of(off, len, 8, stream->ptr, stream->len), 4);
}

/*
 * Tampering with transport frames, each on a fresh session: every bit
 * flip, a reorder, a replay, a dropped frame, a cut stream, bytes after
 * the close. Each is detected; the channel closes with a clear error.
 */
static void
test_channel__tampered_frames_refused(void **state)
{
	kn_buf s = KN_BUF_INIT, t = KN_BUF_INIT;
	size_t off[8], len[8];
	end i, r;
	(void)state;

	/* every bit of frame 1 ("two"), its length prefix included */
	tamper_setup(&i, &r, &s, off, len);
	end_free(&i);
	end_free(&r);
	for (size_t bit = 0; bit < len[1] * 8; bit++) {
		int rc;
		tamper_setup(&i, &r, &s, off, len);
		s.ptr[off[1] + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		rc = end_feed(&r, s.ptr, s.len);
		if (rc == 0)
			rc = sync_channel_eof(r.ch); /* a longer length prefix waits for bytes that never come */
		assert_true(rc == KN_EBADSIG || rc == KN_EPROTO || rc == KN_ETOOBIG);
		assert_int_equal(r.count, 1); /* "one" came, nothing after */
		assert_int_equal(sync_channel_error(r.ch), rc);
		assert_true(strlen(sync_channel_error_message(r.ch)) > 10);
		end_free(&i);
		end_free(&r);
	}

	/* reorder: frames 0, 2, 1 */
	tamper_setup(&i, &r, &s, off, len);
	kn_buf_clear(&t);
	kn_buf_put(&t, s.ptr + off[0], len[0]);
	kn_buf_put(&t, s.ptr + off[2], len[2]);
	kn_buf_put(&t, s.ptr + off[1], len[1]);
	assert_int_equal(end_feed(&r, t.ptr, t.len), KN_EBADSIG);
	assert_non_null(strstr(sync_channel_error_message(r.ch), "frame"));
	assert_int_equal(r.count, 1);
	end_free(&i);
	end_free(&r);

	/* replay: frame 0 twice */
	tamper_setup(&i, &r, &s, off, len);
	kn_buf_clear(&t);
	kn_buf_put(&t, s.ptr + off[0], len[0]);
	kn_buf_put(&t, s.ptr + off[0], len[0]);
	assert_int_equal(end_feed(&r, t.ptr, t.len), KN_EBADSIG);
	assert_int_equal(r.count, 1);
	end_free(&i);
	end_free(&r);

	/* a frame dropped: 0, 2 */
	tamper_setup(&i, &r, &s, off, len);
	kn_buf_clear(&t);
	kn_buf_put(&t, s.ptr + off[0], len[0]);
	kn_buf_put(&t, s.ptr + off[2], len[2]);
	assert_int_equal(end_feed(&r, t.ptr, t.len), KN_EBADSIG);
	end_free(&i);
	end_free(&r);

	/* cut inside a frame, and cut at a frame boundary before the close */
	tamper_setup(&i, &r, &s, off, len);
	assert_int_equal(end_feed(&r, s.ptr, off[3] + 5), 0);
	assert_int_equal(r.count, 3);
	assert_int_equal(sync_channel_eof(r.ch), KN_EPROTO);
	assert_non_null(strstr(sync_channel_error_message(r.ch), "inside a frame"));
	end_free(&i);
	end_free(&r);
	tamper_setup(&i, &r, &s, off, len);
	assert_int_equal(end_feed(&r, s.ptr, off[3]), 0);
	assert_int_equal(r.count, 3);
	assert_int_equal(sync_channel_eof(r.ch), KN_EPROTO);
	assert_non_null(strstr(sync_channel_error_message(r.ch), "without its close"));
	end_free(&i);
	end_free(&r);

	/* a frame after the close (the close replayed) */
	tamper_setup(&i, &r, &s, off, len);
	kn_buf_put(&s, s.ptr + off[3], len[3]);
	assert_int_equal(end_feed(&r, s.ptr, s.len), KN_EPROTO);
	end_free(&i);
	end_free(&r);

	/* bytes that are not a kinerja-sync/1 handshake */
	{
		test_key b;
		test_key_new(&b);
		end_new(&r, 0, &b, NULL, 0);
		assert_int_equal(end_feed(&r, (const uint8_t *)"\x00\x05GET /", 7), KN_EPROTO);
		assert_non_null(strstr(sync_channel_error_message(r.ch), "kinerja-sync/1"));
		end_free(&r);
	}
	kn_buf_free(&s);
	kn_buf_free(&t);
}

/*
 * An oversized frame is refused from its two length bytes alone, before
 * the channel waits for (or makes room for) its body: in the handshake
 * (over 256 bytes) and after it (over the limit max_message makes). A
 * message announced over the limit is refused at its first frame, before
 * room is made for it. A sender refuses to send one, and stays usable.
 */
static void
test_channel__oversized_refused_before_allocation(void **state)
{
	static const uint8_t huge[2] = { 0xff, 0xff }, big_hs[2] = { 0x01, 0x01 };
	test_key a, b;
	end i, r;
	uint8_t *buf = calloc(1, 200000);
	const uint8_t *p;
	size_t n;
	(void)state;

	assert_non_null(buf);
	test_key_new(&a);
	test_key_new(&b);

	end_new(&r, 0, &b, NULL, 0);
	assert_int_equal(sync_channel_feed(r.ch, big_hs, 2), KN_ETOOBIG);
	assert_non_null(strstr(sync_channel_error_message(r.ch), "handshake frame of 257 bytes"));
	end_free(&r);

	end_new(&i, 1, &a, NULL, 1024);
	end_new(&r, 0, &b, NULL, 1024);
	handshake(&i, &r, NULL);
	assert_int_equal(sync_channel_send(i.ch, buf, 1025), KN_ETOOBIG);
	assert_true(sync_channel_ready(i.ch)); /* not final for the sender */
	assert_int_equal(sync_channel_send(i.ch, buf, 1024), 0);
	assert_int_equal(shuttle(&r, &i, NULL), 0);
	assert_int_equal(r.count, 1);
	assert_int_equal(sync_channel_feed(r.ch, huge, 2), KN_ETOOBIG);
	assert_non_null(strstr(sync_channel_error_message(r.ch), "frame of 65535 bytes; the limit is 1045"));
	end_free(&i);
	end_free(&r);

	/* the sender allows 200000, the receiver 100000: refused at the first of four frames */
	end_new(&i, 1, &a, NULL, 200000);
	end_new(&r, 0, &b, NULL, 100000);
	handshake(&i, &r, NULL);
	assert_int_equal(sync_channel_send(i.ch, buf, 200000), 0);
	n = sync_channel_pending(&p, i.ch);
	assert_true(n > 200000);
	assert_int_equal(sync_channel_feed(r.ch, p, 2 + 65535), KN_ETOOBIG);
	assert_non_null(strstr(sync_channel_error_message(r.ch), "message of 200000 bytes"));
	end_free(&i);
	end_free(&r);

	/* and the feed bound: more than SYNC_CHANNEL_INPUT_MAX unprocessed is refused, not final */
	end_new(&i, 1, &a, NULL, 200000);
	end_new(&r, 0, &b, NULL, 200000);
	handshake(&i, &r, NULL);
	for (int k = 0; k < 3; k++)
		assert_int_equal(sync_channel_send(i.ch, buf, 200000), 0);
	n = sync_channel_pending(&p, i.ch);
	assert_int_equal(sync_channel_feed(r.ch, p, SYNC_CHANNEL_INPUT_MAX), 0); /* holds a ready message */
	assert_int_equal(sync_channel_feed(r.ch, p + SYNC_CHANNEL_INPUT_MAX, n - SYNC_CHANNEL_INPUT_MAX), KN_EBUSY);
	assert_int_equal(sync_channel_error(r.ch), 0);
	assert_int_equal(end_drain(&r), 0);
	assert_int_equal(r.count, 1);
	assert_int_equal(end_feed(&r, p + SYNC_CHANNEL_INPUT_MAX, n - SYNC_CHANNEL_INPUT_MAX), 0);
	assert_int_equal(r.count, 3);
	end_free(&i);
	end_free(&r);
	free(buf);
}

/* ---- the peer check and Ed25519 device keys ---- */

/* A peer check accepting only the key in arg. */
static int
check_enrolled(void *arg, const uint8_t peer[SYNC_CHANNEL_KEY_BYTES])
{
	if (sodium_memcmp(arg, peer, SYNC_CHANNEL_KEY_BYTES) != 0)
		return kn_error_set(KN_EDENIED, "", "this device is not enrolled");
	return 0;
}

/*
 * Device keys: the Noise static of a daemon is its Ed25519 device key
 * converted; a peer's enrolled Ed25519 public key, converted, is what its
 * Noise static key must be. A check holding the enrolled key accepts that
 * device and refuses another one, on either side of XX; the XX initiator
 * refuses a wrong responder before sending its own identity.
 */
static void
test_channel__ed25519_device_keys(void **state)
{
	keys_secret *hub = NULL, *school = NULL, *other = NULL;
	uint8_t *hub_x = sodium_malloc(SYNC_CHANNEL_KEY_BYTES), *school_x = sodium_malloc(SYNC_CHANNEL_KEY_BYTES);
	uint8_t *other_x = sodium_malloc(SYNC_CHANNEL_KEY_BYTES);
	uint8_t pub[SYNC_CHANNEL_KEY_BYTES], hub_enrolled[SYNC_CHANNEL_KEY_BYTES], school_enrolled[SYNC_CHANNEL_KEY_BYTES];
	uint8_t bad_pk[SYNC_CHANNEL_ED25519_PK_BYTES] = { 1 }; /* the neutral point: low order */
	sync_channel_config ci = { 1, NULL, NULL, 0, check_enrolled, hub_enrolled };
	sync_channel_config cr = { 0, NULL, NULL, 0, check_enrolled, school_enrolled };
	end i, r;
	const uint8_t *p;
	(void)state;

	assert_non_null(hub_x);
	assert_non_null(school_x);
	assert_non_null(other_x);
	assert_int_equal(keys_generate(&hub), 0);
	assert_int_equal(keys_generate(&school), 0);
	assert_int_equal(keys_generate(&other), 0);
	assert_int_equal(sync_channel_key_from_ed25519(hub_x, hub->sk), 0);
	assert_int_equal(sync_channel_key_from_ed25519(school_x, school->sk), 0);
	assert_int_equal(sync_channel_key_from_ed25519(other_x, other->sk), 0);
	assert_int_equal(sync_channel_peer_from_ed25519(hub_enrolled, hub->pk), 0);
	assert_int_equal(sync_channel_peer_from_ed25519(school_enrolled, school->pk), 0);
	/* the converted secret key's public half is the converted public key */
	crypto_scalarmult_base(pub, hub_x);
	assert_memory_equal(pub, hub_enrolled, sizeof(pub));
	assert_int_equal(sync_channel_peer_from_ed25519(pub, bad_pk), KN_EINVAL);

	/* the enrolled school reaches the hub */
	ci.static_key = school_x;
	cr.static_key = hub_x;
	memset(&i, 0, sizeof(i));
	memset(&r, 0, sizeof(r));
	assert_int_equal(sync_channel_new(&i.ch, &ci), 0);
	assert_int_equal(sync_channel_new(&r.ch, &cr), 0);
	handshake(&i, &r, NULL);
	assert_int_equal(sync_channel_peer_key(pub, r.ch), 0);
	assert_memory_equal(pub, school_enrolled, sizeof(pub));
	end_free(&i);
	end_free(&r);

	/* another device is refused by the hub, after the handshake revealed it */
	ci.static_key = other_x;
	assert_int_equal(sync_channel_new(&i.ch, &ci), 0);
	assert_int_equal(sync_channel_new(&r.ch, &cr), 0);
	assert_int_equal(shuttle(&r, &i, NULL), 0);
	assert_int_equal(shuttle(&i, &r, NULL), 0);
	assert_int_equal(shuttle(&r, &i, NULL), KN_EDENIED);
	assert_non_null(strstr(sync_channel_error_message(r.ch), "not enrolled"));
	assert_false(sync_channel_ready(r.ch));
	end_free(&i);
	end_free(&r);

	/* a school reaching a machine that is not its hub refuses it before sending its own key */
	ci.static_key = school_x;
	cr.static_key = other_x;
	cr.peer_check = NULL;
	assert_int_equal(sync_channel_new(&i.ch, &ci), 0);
	assert_int_equal(sync_channel_new(&r.ch, &cr), 0);
	assert_int_equal(shuttle(&r, &i, NULL), 0);
	assert_int_equal(shuttle(&i, &r, NULL), KN_EDENIED);
	assert_int_equal(sync_channel_pending(&p, i.ch), 0); /* message 3, which carries its key, never left */
	end_free(&i);
	end_free(&r);

	keys_secret_free(hub);
	keys_secret_free(school);
	keys_secret_free(other);
	sodium_free(hub_x);
	sodium_free(school_x);
	sodium_free(other_x);
}

/* ---- over a socketpair, a thread per side ---- */

#define LOOP_MESSAGES 1000

/* One side of the loopback run. */
typedef struct {
	int fd;
	sync_channel *ch;
	uint32_t side; /* 1 initiator, 2 responder: the seed of what it sends */
	int nsend, nrecv;
	size_t bytes_sent, bytes_recv;
	int result; /* 0, or the KN_E* code that ended it */
	char why[600];
} loop_side;

/* The size of message i of a side: mostly small, now and then large enough for several frames. */
static size_t
loop_size(uint32_t side, int i)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ side * 40503u;

	x ^= x >> 13;
	if (i % 97 == 0)
		return 65000 + x % 150000;
	return x % 3000;
}

static void *
loop_run(void *arg)
{
	loop_side *s = arg;
	uint8_t *rbuf = malloc(SYNC_CHANNEL_FEED_MAX), *sbuf = malloc(220000), *want = malloc(220000);
	kn_buf m = KN_BUF_INIT;
	int closed = 0, eof = 0, shut = 0, wdead = 0, rc = 0;

	if (rbuf == NULL || sbuf == NULL || want == NULL) {
		s->result = KN_ENOMEM;
		goto out;
	}
	while (!(eof && shut)) {
		const uint8_t *p;
		size_t pending;
		struct pollfd pfd;

		/* queue messages while little is waiting to go */
		while (!wdead && sync_channel_ready(s->ch) && s->nsend < LOOP_MESSAGES &&
		    sync_channel_pending(&p, s->ch) < 256 * 1024) {
			size_t n = loop_size(s->side, s->nsend);
			fill(sbuf, n, s->side, (uint32_t)s->nsend);
			rc = sync_channel_send(s->ch, sbuf, n);
			if (rc)
				goto out_err;
			s->nsend++;
			s->bytes_sent += n;
		}
		if (!wdead && s->nsend == LOOP_MESSAGES && s->nrecv == LOOP_MESSAGES && !closed) {
			rc = sync_channel_close(s->ch);
			if (rc)
				goto out_err;
			closed = 1;
		}
		pending = sync_channel_pending(&p, s->ch);
		if (wdead && pending) {
			sync_channel_sent(s->ch, pending); /* nobody will read them */
			pending = 0;
		}
		if ((closed || wdead) && pending == 0 && !shut) {
			shutdown(s->fd, SHUT_WR);
			shut = 1;
		}
		if (eof && shut)
			break;

		pfd.fd = s->fd;
		pfd.events = (eof ? 0 : POLLIN) | (pending ? POLLOUT : 0);
		pfd.revents = 0;
		if (pfd.events == 0) {
			rc = KN_ERROR;
			snprintf(s->why, sizeof(s->why), "side %u: stalled (the peer closed before the end)", s->side);
			goto out;
		}
		if (poll(&pfd, 1, 20000) <= 0) {
			rc = KN_ERROR;
			snprintf(s->why, sizeof(s->why), "side %u: poll timed out or failed", s->side);
			goto out;
		}
		if (pending && (pfd.revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = send(s->fd, p, pending, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (w > 0)
				sync_channel_sent(s->ch, (size_t)w);
			else if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
				wdead = 1; /* the peer is gone: read what it sent before, the end decides */
			else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				rc = KN_ERROR;
				snprintf(s->why, sizeof(s->why), "side %u: send: %s", s->side, strerror(errno));
				goto out;
			}
		}
		if (!eof && (pfd.revents & (POLLIN | POLLERR | POLLHUP))) {
			ssize_t got = recv(s->fd, rbuf, SYNC_CHANNEL_FEED_MAX, MSG_DONTWAIT);
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0) {
				eof = 1;
				rc = sync_channel_eof(s->ch);
				if (rc)
					goto out_err;
				continue;
			}
			s->bytes_recv += (size_t)got;
			rc = sync_channel_feed(s->ch, rbuf, (size_t)got);
			if (rc)
				goto out_err;
			while ((rc = sync_channel_recv(&m, s->ch)) == 1) {
				size_t n = loop_size(3 - s->side, s->nrecv);
				fill(want, n, 3 - s->side, (uint32_t)s->nrecv);
				if (m.len != n || (n && memcmp(m.ptr, want, n) != 0)) {
					rc = KN_ERROR;
					snprintf(s->why, sizeof(s->why), "side %u: message %d differs", s->side, s->nrecv);
					goto out;
				}
				s->nrecv++;
				kn_buf_clear(&m);
			}
			if (rc)
				goto out_err;
		}
	}
	rc = 0;
	goto out;

out_err:
	snprintf(s->why, sizeof(s->why), "side %u: %s", s->side, kn_error_message());
out:
	s->result = rc;
	shutdown(s->fd, SHUT_RDWR);
	kn_buf_free(&m);
	free(rbuf);
	free(sbuf);
	free(want);
	return NULL;
}

/* How the relay between the two sockets misbehaves, in the initiator-to-responder direction. */
enum { RELAY_HONEST, RELAY_FLIP, RELAY_CUT };

typedef struct {
	int a, b; /* a: towards the initiator, b: towards the responder */
	int mode;
	size_t at; /* byte offset in the a-to-b stream where it strikes */
} relay;

/* Forward bytes both ways until both directions end; flip one bit or cut the connection at r->at. */
static void *
relay_run(void *arg)
{
	relay *r = arg;
	uint8_t buf[16384];
	size_t a2b = 0;
	int a_open = 1, b_open = 1;

	while (a_open || b_open) {
		struct pollfd pfd[2] = { { r->a, a_open ? POLLIN : 0, 0 }, { r->b, b_open ? POLLIN : 0, 0 } };
		if (poll(pfd, 2, 20000) <= 0)
			break;
		for (int k = 0; k < 2; k++) {
			int from = k ? r->b : r->a, to = k ? r->a : r->b;
			ssize_t n;
			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = recv(from, buf, sizeof(buf), 0);
			if (n <= 0) {
				shutdown(to, SHUT_WR);
				if (k)
					b_open = 0;
				else
					a_open = 0;
				continue;
			}
			if (k == 0) {
				if (r->mode == RELAY_FLIP && a2b <= r->at && r->at < a2b + (size_t)n)
					buf[r->at - a2b] ^= 0x04;
				if (r->mode == RELAY_CUT && a2b + (size_t)n > r->at) {
					size_t keep = r->at > a2b ? r->at - a2b : 0;
					if (keep)
						kn_write_full(to, buf, keep);
					shutdown(r->a, SHUT_RDWR);
					shutdown(r->b, SHUT_RDWR);
					return NULL;
				}
				a2b += (size_t)n;
			}
			if (kn_write_full(to, buf, (size_t)n) != 0) {
				shutdown(r->a, SHUT_RDWR);
				shutdown(r->b, SHUT_RDWR);
				return NULL;
			}
		}
	}
	return NULL;
}

/*
 * Run an initiator and a responder on two threads over socketpairs (with
 * the relay between them unless mode is RELAY_HONEST and direct).
 */
static void
loop_pair(loop_side *si, loop_side *sr, int mode, size_t at)
{
	test_key a, b;
	int sv1[2], sv2[2] = { -1, -1 };
	pthread_t ti, tr, trelay;
	relay rl;
	sync_channel_config ci = { 1, NULL, NULL, 0, NULL, NULL }, cr = { 0, NULL, NULL, 0, NULL, NULL };

	test_key_new(&a);
	test_key_new(&b);
	ci.static_key = a.s;
	ci.peer_key = mode == RELAY_CUT ? b.pub : NULL; /* IK for one of the runs */
	cr.static_key = b.s;
	memset(si, 0, sizeof(*si));
	memset(sr, 0, sizeof(*sr));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv1), 0);
	if (mode != RELAY_HONEST)
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv2), 0);
	si->fd = sv1[0];
	si->side = 1;
	sr->fd = mode == RELAY_HONEST ? sv1[1] : sv2[1];
	sr->side = 2;
	assert_int_equal(sync_channel_new(&si->ch, &ci), 0);
	assert_int_equal(sync_channel_new(&sr->ch, &cr), 0);
	if (mode != RELAY_HONEST) {
		rl.a = sv1[1];
		rl.b = sv2[0];
		rl.mode = mode;
		rl.at = at;
		assert_int_equal(pthread_create(&trelay, NULL, relay_run, &rl), 0);
	}
	assert_int_equal(pthread_create(&ti, NULL, loop_run, si), 0);
	assert_int_equal(pthread_create(&tr, NULL, loop_run, sr), 0);
	pthread_join(ti, NULL);
	pthread_join(tr, NULL);
	if (mode != RELAY_HONEST) {
		pthread_join(trelay, NULL);
		close(sv2[0]);
		close(sv2[1]);
	}
	close(sv1[0]);
	close(sv1[1]);
}

static void
loop_free(loop_side *s)
{
	sync_channel_free(s->ch);
}

/* 1000 messages of random sizes each way over a real socketpair, then a clean close on both sides. */
static void
test_channel__socketpair_1000_messages(void **state)
{
	loop_side si, sr;
	(void)state;

	loop_pair(&si, &sr, RELAY_HONEST, 0);
	if (si.result || sr.result)
		fprintf(stderr, "test_channel: %s / %s\n", si.why, sr.why);
	assert_int_equal(si.result, 0);
	assert_int_equal(sr.result, 0);
	assert_int_equal(si.nsend, LOOP_MESSAGES);
	assert_int_equal(si.nrecv, LOOP_MESSAGES);
	assert_int_equal(sr.nsend, LOOP_MESSAGES);
	assert_int_equal(sr.nrecv, LOOP_MESSAGES);
	assert_true(sync_channel_peer_closed(si.ch));
	assert_true(sync_channel_peer_closed(sr.ch));
	printf("socketpair: %d messages each way, %zu and %zu bytes of payload, %zu and %zu bytes on the wire\n",
	    LOOP_MESSAGES, si.bytes_sent, sr.bytes_sent, sr.bytes_recv, si.bytes_recv);
	loop_free(&si);
	loop_free(&sr);
}

/*
 * Over the socketpair with a relay in the middle: one bit flipped in the
 * initiator's stream well after the handshake is refused by the responder
 * (KN_EBADSIG) and both sides end with an error; a connection cut in the
 * middle (IK this time) ends both with an error, never with a clean close.
 */
static void
test_channel__socketpair_tampering(void **state)
{
	loop_side si, sr;
	(void)state;

	loop_pair(&si, &sr, RELAY_FLIP, 40000);
	printf("bit flipped: initiator: %s\n  responder: %s\n", si.why, sr.why);
	assert_int_equal(sr.result, KN_EBADSIG);
	assert_int_equal(si.result, KN_EPROTO); /* its stream ended without the responder's close */
	assert_true(sr.nrecv < LOOP_MESSAGES);
	loop_free(&si);
	loop_free(&sr);

	loop_pair(&si, &sr, RELAY_CUT, 30000);
	printf("connection cut: initiator: %s\n  responder: %s\n", si.why, sr.why);
	assert_int_equal(sr.result, KN_EPROTO);
	assert_int_equal(si.result, KN_EPROTO);
	loop_free(&si);
	loop_free(&sr);
}

static int
setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN); /* a relay writing to a socket its peer shut down gets EPIPE, not killed */
	return sodium_init() < 0 ? -1 : 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_channel__xx_in_memory),
		cmocka_unit_test(test_channel__ik),
		cmocka_unit_test(test_channel__replayed_handshake_refused),
		cmocka_unit_test(test_channel__tampered_frames_refused),
		cmocka_unit_test(test_channel__oversized_refused_before_allocation),
		cmocka_unit_test(test_channel__ed25519_device_keys),
		cmocka_unit_test(test_channel__socketpair_1000_messages),
		cmocka_unit_test(test_channel__socketpair_tampering),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
