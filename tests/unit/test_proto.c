/*
 * test_proto.c - the messages of a sync session (sync/proto.h): every
 * type encodes and decodes back to the same fields; limits are held on
 * both sides (a message the peer would refuse is not sent); and malformed
 * bytes are refused with KN_EPROTO or KN_ETOOBIG: cut, not a map, unknown
 * type, unknown, repeated or missing keys, wrong kinds, oversized lists,
 * a recon payload that is not MessagePack, a bad NPSN or version.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>
#include <sodium.h>

#include "../../sync/proto.h"
#include "../../util/kn.h"

static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* The bytes of the last round trip: a decoded message points into them. */
static kn_buf wire = KN_BUF_INIT;

/* Encode m, decode into out (freed by the caller). */
static void
roundtrip(sync_msg *out, const sync_msg *m)
{
	kn_buf_clear(&wire);
	assert_int_equal(sync_msg_encode(&wire, m), 0);
	assert_int_equal(sync_msg_decode(out, wire.ptr, wire.len), 0);
	assert_int_equal(out->type, m->type);
}

static void
test_proto__every_type_round_trips(void **state)
{
	uint8_t recs[3][100], ids[5][32];
	sync_bytes rb[3];
	sync_refusal refs[2];
	sync_msg m, d;
	(void)state;

	randombytes_buf(recs, sizeof(recs));
	randombytes_buf(ids, sizeof(ids));
	for (int i = 0; i < 3; i++)
		rb[i] = (sync_bytes){ recs[i], (size_t)(40 + 30 * i) };

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_HELLO;
	snprintf(m.npsn, sizeof(m.npsn), "20100001");
	memset(m.device, 7, 32);
	snprintf(m.sw, sizeof(m.sw), "0.1.0");
	m.now_ms = 1767582000000ull;
	m.caps = SYNC_CAP_RECORDS;
	m.pulled = 12;
	m.waiting = 3;
	memset(m.fp, 9, SYNC_FP_BYTES);
	m.count = 99;
	roundtrip(&d, &m);
	assert_string_equal(d.npsn, "20100001");
	assert_memory_equal(d.device, m.device, 32);
	assert_string_equal(d.sw, "0.1.0");
	assert_true(d.now_ms == m.now_ms && d.caps == SYNC_CAP_RECORDS && d.pulled == 12 && d.waiting == 3 && d.count == 99);
	assert_memory_equal(d.fp, m.fp, SYNC_FP_BYTES);
	sync_msg_free(&d);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_WELCOME;
	m.now_ms = 5;
	m.caps = SYNC_CAP_RECORDS | SYNC_CAP_EVIDENCE;
	m.count = 4;
	m.feed = 77;
	roundtrip(&d, &m);
	assert_true(d.now_ms == 5 && d.caps == (SYNC_CAP_RECORDS | SYNC_CAP_EVIDENCE) && d.count == 4 && d.feed == 77);
	sync_msg_free(&d);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_ERROR;
	snprintf(m.code, sizeof(m.code), "denied");
	snprintf(m.reason, sizeof(m.reason), "SYNC_KUNCI_DICABUT");
	snprintf(m.text, sizeof(m.text), "Kunci perangkat sekolah 20100001 sudah dicabut oleh Dinas.");
	roundtrip(&d, &m);
	assert_string_equal(d.code, "denied");
	assert_string_equal(d.reason, "SYNC_KUNCI_DICABUT");
	assert_string_equal(d.text, m.text);
	sync_msg_free(&d);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_PUSH;
	m.upto = 41;
	m.records = rb;
	m.nrecords = 3;
	roundtrip(&d, &m);
	assert_int_equal(d.upto, 41);
	assert_int_equal(d.nrecords, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(d.records[i].len, rb[i].len);
		assert_memory_equal(d.records[i].ptr, rb[i].ptr, rb[i].len);
	}
	sync_msg_free(&d);

	memset(refs, 0, sizeof(refs));
	refs[0] = (sync_refusal){ 2, 1, { 1, 2, 3 }, "denied", "milik sekolah lain" };
	refs[1] = (sync_refusal){ 5, 0, { 0 }, "bad_signature", "tanda tangan tidak sah" };
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_RECEIPT;
	m.upto = 41;
	m.stored = 3;
	m.present = 1;
	m.held = 1;
	m.refused = refs;
	m.nrefused = 2;
	m.at_ms = 8;
	m.feed = 3;
	roundtrip(&d, &m);
	assert_true(d.upto == 41 && d.stored == 3 && d.present == 1 && d.held == 1 && d.at_ms == 8 && d.feed == 3);
	assert_int_equal(d.nrefused, 2);
	assert_int_equal(d.refused[0].index, 2);
	assert_true(d.refused[0].has_id && d.refused[0].id[2] == 3);
	assert_false(d.refused[1].has_id);
	assert_string_equal(d.refused[1].code, "bad_signature");
	assert_string_equal(d.refused[1].message, "tanda tangan tidak sah");
	sync_msg_free(&d);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_PULL;
	m.after = 10;
	m.max = 256;
	roundtrip(&d, &m);
	assert_true(d.after == 10 && d.max == 256);
	sync_msg_free(&d);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_RECORDS;
	m.records = rb;
	m.nrecords = 2;
	m.next = 12;
	m.more = 1;
	roundtrip(&d, &m);
	assert_true(d.nrecords == 2 && d.next == 12 && d.more);
	sync_msg_free(&d);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_WANT;
	m.ids = (const uint8_t(*)[32])ids;
	m.nids = 5;
	roundtrip(&d, &m);
	assert_int_equal(d.nids, 5);
	assert_memory_equal(d.ids, ids, sizeof(ids));
	sync_msg_free(&d);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_RECON_END;
	m.ids = (const uint8_t(*)[32])ids;
	m.nids = 2;
	m.ids2 = (const uint8_t(*)[32])ids + 2;
	m.nids2 = 3;
	roundtrip(&d, &m);
	assert_true(d.nids == 2 && d.nids2 == 3);
	assert_memory_equal(d.ids2[0], ids[2], 32);
	sync_msg_free(&d);

	{
		uint8_t rm[] = { 0x91, 0x93, 0xc0, 0x00, 0xc0 }; /* [[nil, 0, nil]]: one skip */
		memset(&m, 0, sizeof(m));
		m.type = SYNC_MSG_RECON;
		m.m = (sync_bytes){ rm, sizeof(rm) };
		roundtrip(&d, &m);
		assert_int_equal(d.m.len, sizeof(rm));
		assert_memory_equal(d.m.ptr, rm, sizeof(rm));
		sync_msg_free(&d);
	}
	kn_buf_free(&wire);
}

/* What the receiver would refuse is not encoded either. */
static void
test_proto__encoder_holds_the_limits(void **state)
{
	static uint8_t big[SYNC_PROTO_RECORD_MAX + 1];
	sync_bytes rb[SYNC_PROTO_BATCH_RECORDS + 1];
	kn_buf b = KN_BUF_INIT;
	sync_msg m;
	(void)state;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_HELLO;
	snprintf(m.npsn, sizeof(m.npsn), "2010");
	snprintf(m.sw, sizeof(m.sw), "x");
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_PUSH;
	for (size_t i = 0; i < SYNC_PROTO_BATCH_RECORDS + 1; i++)
		rb[i] = (sync_bytes){ big, 10 };
	m.records = rb;
	m.nrecords = SYNC_PROTO_BATCH_RECORDS + 1;
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);
	m.nrecords = 1;
	rb[0].len = sizeof(big);
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);
	/* 9 records of 64 KiB: over the 512 KiB of one message */
	for (size_t i = 0; i < 9; i++)
		rb[i] = (sync_bytes){ big, SYNC_PROTO_RECORD_MAX };
	m.nrecords = 9;
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_ERROR;
	snprintf(m.code, sizeof(m.code), "denied");
	snprintf(m.reason, sizeof(m.reason), "SYNC_X");
	snprintf(m.text, sizeof(m.text), "\xff\xfe not UTF-8");
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_RECON;
	m.m = (sync_bytes){ (const uint8_t *)"\x92\x01", 2 }; /* an array of 2 with 1 element */
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);
	assert_int_equal(b.len, 0);
	kn_buf_free(&b);
}

/* A message by hand: a map of n pairs, then each key and its value packed by the caller. */
static void
decode_refused(const kn_buf *b, int want)
{
	sync_msg d;
	int rc = sync_msg_decode(&d, b->ptr, b->len);

	if (rc != want)
		fprintf(stderr, "decode gave %d (%s), expected %d\n", rc, kn_error_message(), want);
	assert_int_equal(rc, want);
	assert_true(kn_error_message()[0] != '\0');
	sync_msg_free(&d);
}

static void
test_proto__malformed_refused(void **state)
{
	kn_buf b = KN_BUF_INIT, good = KN_BUF_INIT;
	msgpack_packer pk;
	sync_msg m, d;
	(void)state;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_PULL;
	m.after = 1;
	m.max = 2;
	assert_int_equal(sync_msg_encode(&good, &m), 0);

	/* cut anywhere: refused */
	for (size_t n = 0; n < good.len; n++) {
		int rc = sync_msg_decode(&d, good.ptr, n);
		assert_true(rc == KN_EPROTO || rc == KN_ETOOBIG);
		sync_msg_free(&d);
	}
	/* trailing bytes */
	kn_buf_put(&b, good.ptr, good.len);
	kn_buf_put(&b, "\xc0", 1);
	decode_refused(&b, KN_EPROTO);

	/* not a map; a map without a type; an unknown type */
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	kn_buf_clear(&b);
	msgpack_pack_array(&pk, 1);
	pack_s(&pk, "pull");
	decode_refused(&b, KN_EPROTO);
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 1);
	pack_s(&pk, "after");
	msgpack_pack_uint64(&pk, 1);
	decode_refused(&b, KN_EPROTO);
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 1);
	pack_s(&pk, "t");
	pack_s(&pk, "launch");
	decode_refused(&b, KN_EPROTO);

	/* a key the type does not have; one repeated; one missing; one of the wrong kind */
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 4);
	pack_s(&pk, "t");
	pack_s(&pk, "pull");
	pack_s(&pk, "after");
	msgpack_pack_uint64(&pk, 1);
	pack_s(&pk, "max");
	msgpack_pack_uint64(&pk, 1);
	pack_s(&pk, "extra");
	msgpack_pack_uint64(&pk, 1);
	decode_refused(&b, KN_EPROTO);
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 4);
	pack_s(&pk, "t");
	pack_s(&pk, "pull");
	pack_s(&pk, "after");
	msgpack_pack_uint64(&pk, 1);
	pack_s(&pk, "max");
	msgpack_pack_uint64(&pk, 1);
	pack_s(&pk, "after");
	msgpack_pack_uint64(&pk, 2);
	decode_refused(&b, KN_EPROTO);
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "t");
	pack_s(&pk, "pull");
	pack_s(&pk, "after");
	msgpack_pack_uint64(&pk, 1);
	decode_refused(&b, KN_EPROTO);
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 3);
	pack_s(&pk, "t");
	pack_s(&pk, "pull");
	pack_s(&pk, "after");
	msgpack_pack_int64(&pk, -1);
	pack_s(&pk, "max");
	msgpack_pack_uint64(&pk, 1);
	decode_refused(&b, KN_EPROTO);

	/* a hello with a bad NPSN, another protocol version, a short device key */
	{
		const char *npsn[] = { "2010000a", "20100001", "20100001" };
		uint64_t v[] = { 1, 2, 1 };
		size_t dev[] = { 32, 32, 31 };
		for (int k = 0; k < 3; k++) {
			uint8_t key[32] = { 0 }, fp[16] = { 0 };
			kn_buf_clear(&b);
			msgpack_pack_map(&pk, 11);
			pack_s(&pk, "t");
			pack_s(&pk, "hello");
			pack_s(&pk, "v");
			msgpack_pack_uint64(&pk, v[k]);
			pack_s(&pk, "npsn");
			pack_s(&pk, npsn[k]);
			pack_s(&pk, "device");
			msgpack_pack_bin(&pk, dev[k]);
			msgpack_pack_bin_body(&pk, key, dev[k]);
			pack_s(&pk, "sw");
			pack_s(&pk, "0.1.0");
			pack_s(&pk, "now_ms");
			msgpack_pack_uint64(&pk, 1);
			pack_s(&pk, "caps");
			msgpack_pack_array(&pk, 2);
			pack_s(&pk, "records");
			pack_s(&pk, "teleport"); /* unknown capability: ignored, not refused */
			pack_s(&pk, "pulled");
			msgpack_pack_uint64(&pk, 0);
			pack_s(&pk, "waiting");
			msgpack_pack_uint64(&pk, 0);
			pack_s(&pk, "fp");
			msgpack_pack_bin(&pk, 16);
			msgpack_pack_bin_body(&pk, fp, 16);
			pack_s(&pk, "count");
			msgpack_pack_uint64(&pk, 0);
			decode_refused(&b, KN_EPROTO);
		}
	}

	/* records: too many, one too large, one not bin */
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 3);
	pack_s(&pk, "t");
	pack_s(&pk, "push");
	pack_s(&pk, "upto");
	msgpack_pack_uint64(&pk, 0);
	pack_s(&pk, "records");
	msgpack_pack_array(&pk, SYNC_PROTO_BATCH_RECORDS + 1);
	for (int i = 0; i < SYNC_PROTO_BATCH_RECORDS + 1; i++) {
		msgpack_pack_bin(&pk, 1);
		msgpack_pack_bin_body(&pk, "x", 1);
	}
	decode_refused(&b, KN_ETOOBIG);
	{
		static uint8_t big[SYNC_PROTO_RECORD_MAX + 1];
		kn_buf_clear(&b);
		msgpack_pack_map(&pk, 3);
		pack_s(&pk, "t");
		pack_s(&pk, "push");
		pack_s(&pk, "upto");
		msgpack_pack_uint64(&pk, 0);
		pack_s(&pk, "records");
		msgpack_pack_array(&pk, 1);
		msgpack_pack_bin(&pk, sizeof(big));
		msgpack_pack_bin_body(&pk, big, sizeof(big));
		decode_refused(&b, KN_EPROTO);
	}
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 3);
	pack_s(&pk, "t");
	pack_s(&pk, "push");
	pack_s(&pk, "upto");
	msgpack_pack_uint64(&pk, 0);
	pack_s(&pk, "records");
	msgpack_pack_array(&pk, 1);
	pack_s(&pk, "not a record");
	decode_refused(&b, KN_EPROTO);

	/* want: too many ids, an id of the wrong length */
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "t");
	pack_s(&pk, "want");
	pack_s(&pk, "ids");
	msgpack_pack_array(&pk, SYNC_PROTO_WANT_MAX + 1);
	for (int i = 0; i < SYNC_PROTO_WANT_MAX + 1; i++) {
		msgpack_pack_bin(&pk, 32);
		msgpack_pack_bin_body(&pk, "01234567890123456789012345678901", 32);
	}
	decode_refused(&b, KN_ETOOBIG);
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "t");
	pack_s(&pk, "want");
	pack_s(&pk, "ids");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_bin(&pk, 31);
	msgpack_pack_bin_body(&pk, "0123456789012345678901234567890", 31);
	decode_refused(&b, KN_EPROTO);

	/* a recon payload that is not one MessagePack object (an array announcing 4 billion elements) */
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "t");
	pack_s(&pk, "recon");
	pack_s(&pk, "m");
	msgpack_pack_bin(&pk, 5);
	msgpack_pack_bin_body(&pk, "\xdd\xff\xff\xff\xff", 5);
	decode_refused(&b, KN_EPROTO);

	/* a declared length far past the bytes: refused before anything is allocated */
	kn_buf_clear(&b);
	kn_buf_put(&b, "\xdf\xff\xff\xff\xff", 5);
	decode_refused(&b, KN_ETOOBIG);

	/* an error whose text is not UTF-8 */
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 4);
	pack_s(&pk, "t");
	pack_s(&pk, "error");
	pack_s(&pk, "code");
	pack_s(&pk, "denied");
	pack_s(&pk, "reason");
	pack_s(&pk, "SYNC_X");
	pack_s(&pk, "text");
	pack_s(&pk, "\xc3\x28");
	decode_refused(&b, KN_EPROTO);

	/* and the good one is still good */
	assert_int_equal(sync_msg_decode(&d, good.ptr, good.len), 0);
	assert_true(d.after == 1 && d.max == 2);
	sync_msg_free(&d);
	kn_buf_free(&b);
	kn_buf_free(&good);
}

/* Random bytes never crash the decoder (and are almost always refused). */
static void
test_proto__random_bytes(void **state)
{
	uint8_t buf[256];
	kn_buf good = KN_BUF_INIT;
	sync_msg m, d;
	(void)state;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_WELCOME;
	m.caps = SYNC_CAP_RECORDS;
	assert_int_equal(sync_msg_encode(&good, &m), 0);
	for (int i = 0; i < 2000; i++) {
		size_t n = randombytes_uniform(sizeof(buf)) + 1;
		randombytes_buf(buf, n);
		if (i % 2 && good.len <= sizeof(buf)) {
			/* a good message with one byte changed */
			memcpy(buf, good.ptr, good.len);
			n = good.len;
			buf[randombytes_uniform((uint32_t)n)] ^= (uint8_t)(1 + randombytes_uniform(255));
		}
		int rc = sync_msg_decode(&d, buf, n);
		assert_true(rc == 0 || rc == KN_EPROTO || rc == KN_ETOOBIG);
		sync_msg_free(&d);
	}
	kn_buf_free(&good);
}

/* The evidence phase: every type round trips; chunks, keys, sizes and commit lists are bounded on both sides. */
static void
test_proto__evidence_messages(void **state)
{
	static uint8_t chunk[SYNC_PROTO_CHUNK_MAX + 1];
	uint8_t commits[3][SYNC_PROTO_COMMIT_BYTES];
	kn_buf b = KN_BUF_INIT;
	msgpack_packer pk;
	sync_msg m, d;
	(void)state;

	randombytes_buf(commits, sizeof(commits));
	randombytes_buf(chunk, sizeof(chunk));
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_OFFER;
	m.commits = (const uint8_t(*)[SYNC_PROTO_COMMIT_BYTES])commits;
	m.ncommits = 3;
	roundtrip(&d, &m);
	assert_int_equal(d.ncommits, 3);
	assert_memory_equal(d.commits, commits, sizeof(commits));
	sync_msg_free(&d);
	m.type = SYNC_MSG_EV_HAVE;
	m.ncommits = 0;
	roundtrip(&d, &m);
	assert_int_equal(d.ncommits, 0);
	sync_msg_free(&d);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_PACK;
	memset(m.key, 'a', 64);
	m.size = 3 * 1024 * 1024;
	roundtrip(&d, &m);
	assert_string_equal(d.key, m.key);
	assert_int_equal(d.size, m.size);
	sync_msg_free(&d);
	m.type = SYNC_MSG_EV_AT;
	m.at = 12345;
	roundtrip(&d, &m);
	assert_int_equal(d.at, 12345);
	sync_msg_free(&d);
	m.type = SYNC_MSG_EV_CHUNK;
	m.data = (sync_bytes){ chunk, SYNC_PROTO_CHUNK_MAX };
	roundtrip(&d, &m);
	assert_int_equal(d.data.len, SYNC_PROTO_CHUNK_MAX);
	assert_memory_equal(d.data.ptr, chunk, SYNC_PROTO_CHUNK_MAX);
	sync_msg_free(&d);
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_END;
	roundtrip(&d, &m);
	sync_msg_free(&d);
	m.type = SYNC_MSG_EV_RECEIPT;
	m.verified = 4;
	m.waiting = 2;
	m.bad = 1;
	m.at_ms = 99;
	roundtrip(&d, &m);
	assert_int_equal(d.verified, 4);
	assert_int_equal(d.waiting, 2);
	assert_int_equal(d.bad, 1);
	sync_msg_free(&d);

	/* the encoder: a chunk over 256 KiB, an empty chunk, a bad key, a pack of 0 bytes */
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_CHUNK;
	memset(m.key, 'b', 64);
	m.data = (sync_bytes){ chunk, sizeof(chunk) };
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);
	m.data.len = 0;
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);
	m.data.len = 1;
	m.key[3] = 'G';
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_PACK;
	memset(m.key, 'c', 64);
	assert_int_equal(sync_msg_encode(&b, &m), KN_EINVAL);
	assert_int_equal(b.len, 0);

	/* the decoder: a chunk over 256 KiB by hand */
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 4);
	pack_s(&pk, "t");
	pack_s(&pk, "ev_chunk");
	pack_s(&pk, "key");
	pack_s(&pk, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	pack_s(&pk, "at");
	msgpack_pack_uint64(&pk, 0);
	pack_s(&pk, "data");
	msgpack_pack_bin(&pk, sizeof(chunk));
	msgpack_pack_bin_body(&pk, chunk, sizeof(chunk));
	decode_refused(&b, KN_ETOOBIG);
	/* a commit of 32 bytes */
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "t");
	pack_s(&pk, "ev_offer");
	pack_s(&pk, "commits");
	msgpack_pack_array(&pk, 1);
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, chunk, 32);
	decode_refused(&b, KN_EPROTO);
	/* a key in upper case */
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 3);
	pack_s(&pk, "t");
	pack_s(&pk, "ev_pack");
	pack_s(&pk, "key");
	pack_s(&pk, "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef");
	pack_s(&pk, "size");
	msgpack_pack_uint64(&pk, 10);
	decode_refused(&b, KN_EPROTO);
	/* ev_end with a key it does not have */
	kn_buf_clear(&b);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "t");
	pack_s(&pk, "ev_end");
	pack_s(&pk, "size");
	msgpack_pack_uint64(&pk, 10);
	decode_refused(&b, KN_EPROTO);
	kn_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto__every_type_round_trips),
		cmocka_unit_test(test_proto__encoder_holds_the_limits),
		cmocka_unit_test(test_proto__malformed_refused),
		cmocka_unit_test(test_proto__random_bytes),
		cmocka_unit_test(test_proto__evidence_messages),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
