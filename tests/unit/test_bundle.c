/*
 * test_bundle.c - the sneakernet bundle's bytes (sync/bundle.h): a bundle
 * written piece by piece and read back, in pieces of any size, gives the
 * same header, receipt, records, pack bytes and heads; its signature
 * verifies with the device key and with no other; and the reader refuses
 * every cut, every flipped byte, bytes after the end, wrong counts, a
 * second pack, records after the pack, pack bytes short or long, a pack
 * piece over 1 MiB, a receipt in an up bundle or after a record, a foreign
 * format or version, a damaged header, and a trailer whose checksum was
 * recomputed over altered bytes but not re-signed. The writer refuses
 * calls out of order. A map of a million parts is refused before
 * msgpack-c allocates for them.
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

#include "../../sync/bundle.h"
#include "../../util/kn.h"

static uint8_t pk_[32], sk_[64], other_pk[32], other_sk[64];
static const char *heads2[2] = { "0123456789abcdef0123456789abcdef01234567", "89abcdef0123456789abcdef0123456789abcdef" };

static void
header(bundle_header *h, int up)
{
	memset(h, 0, sizeof(*h));
	h->up = up;
	memcpy(h->npsn, "20100001", 9);
	memcpy(h->device, pk_, 32);
	h->created_ms = 1700000000000ull;
	h->from = 3;
	h->to = 9;
}

/* Deterministic pack bytes. */
static uint8_t
pack_byte(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 8) * 7 + 1);
}

/* A bundle of n records ("record i"), with a pack of pack bytes (written in pieces of piece), and a receipt when down. */
static void
make(kn_buf *out, int up, size_t n, size_t pack, size_t piece, const unsigned char *sk)
{
	bundle_header h;
	bundle_writer w;
	char rec[64];

	header(&h, up);
	assert_int_equal(bundle_begin(&w, out, &h), 0);
	if (!up) {
		uint8_t commits[2][20];
		memset(commits, 0xab, sizeof(commits));
		commits[1][0] = 1;
		bundle_receipt r = { .from = 2, .upto = 7, .at_ms = 1700000001234ull, .stored = 4, .present = 1, .verified = 3,
			.commits = commits, .ncommits = 2 };
		assert_int_equal(bundle_add_receipt(&w, out, &r), 0);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(rec, sizeof(rec), "record %zu", i);
		assert_int_equal(bundle_add_record(&w, out, (const uint8_t *)rec, strlen(rec)), 0);
	}
	if (pack) {
		uint8_t *p = malloc(pack);
		assert_non_null(p);
		for (size_t i = 0; i < pack; i++)
			p[i] = pack_byte(i);
		assert_int_equal(bundle_pack_begin(&w, out, pack, 3, heads2, 2), 0);
		for (size_t at = 0; at < pack; at += piece)
			assert_int_equal(bundle_pack_data(&w, out, p + at, pack - at < piece ? pack - at : piece), 0);
		free(p);
	}
	assert_int_equal(bundle_end(&w, out, sk), 0);
}

/* What the reader reported. */
typedef struct {
	int header, receipt, end;
	bundle_receipt r;
	uint8_t c1[20];
	size_t nrec;
	char last_rec[64];
	uint64_t pack_size, pack_got;
	int pack_ok;
	size_t nheads;
	char head1[41];
	int order_ok;
	int kind;
} seen;

static int
on_event(void *arg, const bundle_event *e)
{
	seen *s = arg;

	if (e->kind < s->kind)
		s->order_ok = 0;
	s->kind = e->kind == BUNDLE_EV_PACK_DATA ? BUNDLE_EV_PACK : e->kind;
	switch (e->kind) {
	case BUNDLE_EV_HEADER:
		s->header++;
		break;
	case BUNDLE_EV_RECEIPT:
		s->receipt++;
		s->r = *e->receipt;
		memcpy(s->c1, e->receipt->commits[1], 20);
		break;
	case BUNDLE_EV_RECORD:
		assert_int_equal(e->index, s->nrec);
		s->nrec++;
		snprintf(s->last_rec, sizeof(s->last_rec), "%.*s", (int)e->len, (const char *)e->data);
		break;
	case BUNDLE_EV_PACK:
		s->pack_size = e->pack_size;
		s->nheads = e->nheads;
		memcpy(s->head1, e->heads[1], 41);
		break;
	case BUNDLE_EV_PACK_DATA:
		assert_int_equal(e->index, s->pack_got);
		assert_true(e->len <= BUNDLE_CHUNK_MAX);
		for (size_t i = 0; i < e->len; i++)
			if (e->data[i] != pack_byte(e->index + i))
				s->pack_ok = 0;
		s->pack_got += e->len;
		break;
	case BUNDLE_EV_END:
		s->end++;
		break;
	}
	return 0;
}

/* Read b in pieces of piece bytes. */
static int
read_pieces(bundle_view *v, seen *s, const kn_buf *b, size_t piece)
{
	bundle_reader *r;
	int rc;

	memset(s, 0, sizeof(*s));
	s->pack_ok = s->order_ok = 1;
	assert_int_equal(bundle_reader_new(&r, on_event, s), 0);
	rc = 0;
	for (size_t at = 0; rc == 0 && at < b->len; at += piece)
		rc = bundle_reader_feed(r, b->ptr + at, b->len - at < piece ? b->len - at : piece);
	if (rc == 0)
		rc = bundle_reader_finish(r, v);
	bundle_reader_free(r);
	return rc;
}

static void
test_bundle__round_trip(void **state)
{
	kn_buf b = KN_BUF_INIT;
	bundle_view v;
	seen s;
	(void)state;

	/* an up bundle with a pack of 2.5 MiB written in odd pieces: read whole, and in pieces of 1, 7, 4096, 1 MiB + 3 */
	make(&b, 1, 5, (5u << 20) / 2, 300001, sk_);
	static const size_t pieces[] = { 0, 7, 4096, (1u << 20) + 3, 1 };
	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		size_t piece = pieces[k] ? pieces[k] : b.len;
		if (piece == 1)
			piece = 1; /* byte by byte: the scanner resumes, linear time */
		assert_int_equal(read_pieces(&v, &s, &b, piece), 0);
		assert_int_equal(s.header, 1);
		assert_int_equal(s.receipt, 0);
		assert_int_equal(s.end, 1);
		assert_true(s.order_ok);
		assert_int_equal(s.nrec, 5);
		assert_string_equal(s.last_rec, "record 4");
		assert_int_equal(s.pack_size, (5u << 20) / 2);
		assert_int_equal(s.pack_got, s.pack_size);
		assert_true(s.pack_ok);
		assert_int_equal(s.nheads, 2);
		assert_string_equal(s.head1, heads2[1]);
		assert_int_equal(v.h.up, 1);
		assert_string_equal(v.h.npsn, "20100001");
		assert_memory_equal(v.h.device, pk_, 32);
		assert_int_equal(v.h.from, 3);
		assert_int_equal(v.h.to, 9);
		assert_int_equal(v.h.created_ms, 1700000000000ull);
		assert_int_equal(v.records, 5);
		assert_int_equal(v.pack_len, s.pack_size);
		assert_int_equal(v.pack_objects, 3);
		assert_int_equal(bundle_check_sig(&v, pk_), 0);
		assert_int_equal(bundle_check_sig(&v, other_pk), KN_EBADSIG);
	}

	/* a down bundle: the receipt comes first, with its commits */
	kn_buf_clear(&b);
	make(&b, 0, 2, 0, 1, sk_);
	assert_int_equal(read_pieces(&v, &s, &b, 3), 0);
	assert_int_equal(s.receipt, 1);
	assert_int_equal(s.r.from, 2);
	assert_int_equal(s.r.upto, 7);
	assert_int_equal(s.r.at_ms, 1700000001234ull);
	assert_int_equal(s.r.stored, 4);
	assert_int_equal(s.r.present, 1);
	assert_int_equal(s.r.verified, 3);
	assert_int_equal(s.r.ncommits, 2);
	assert_int_equal(s.c1[0], 1);
	assert_int_equal(s.c1[1], 0xab);
	assert_int_equal(s.nrec, 2);
	assert_true(v.has_receipt);
	assert_int_equal(bundle_check_sig(&v, pk_), 0);

	/* no records and no pack is a bundle too (nothing to carry) */
	kn_buf_clear(&b);
	make(&b, 1, 0, 0, 1, sk_);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), 0);
	assert_int_equal(v.records, 0);
	assert_int_equal(v.pack_len, 0);
	kn_buf_free(&b);
}

/* Signed by another key than the header names: the signature check refuses it. */
static void
test_bundle__wrong_signer(void **state)
{
	kn_buf b = KN_BUF_INIT;
	bundle_view v;
	(void)state;

	make(&b, 1, 2, 0, 1, other_sk);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), 0);
	assert_int_equal(bundle_check_sig(&v, pk_), KN_EBADSIG);
	kn_buf_free(&b);
}

/* Every cut and every flipped byte is refused by the reader or by the signature. */
static void
test_bundle__cut_and_flipped(void **state)
{
	kn_buf b = KN_BUF_INIT;
	bundle_view v;
	(void)state;

	for (int up = 0; up <= 1; up++) {
		kn_buf_clear(&b);
		/* a pack of 40 bytes in pieces of 16: three pack pieces */
		make(&b, up, 3, up ? 40 : 0, 16, sk_);
		for (size_t cut = 0; cut < b.len; cut++)
			assert_int_not_equal(bundle_parse(&v, b.ptr, cut, NULL, NULL), 0);
		uint8_t *copy = malloc(b.len);
		assert_non_null(copy);
		for (size_t i = 0; i < b.len; i++) {
			for (int bit = 0; bit < 8; bit += 3) {
				memcpy(copy, b.ptr, b.len);
				copy[i] ^= (uint8_t)(1u << bit);
				if (bundle_parse(&v, copy, b.len, NULL, NULL) == 0)
					/* only the signature's own bytes (or the device key) can change and still parse: it must fail */
					assert_int_equal(bundle_check_sig(&v, pk_), KN_EBADSIG);
			}
		}
		free(copy);
		/* bytes after the end */
		kn_buf_put(&b, "\xc0", 1);
		assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	}
	kn_buf_free(&b);
}

static void
pstr(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* A trailer written by hand over b (hash recomputed), with these counts. */
static void
trailer(kn_buf *b, uint64_t end, uint64_t objs, uint64_t bytes)
{
	uint8_t sum[32], sig[64] = { 0 };
	msgpack_packer pk;

	crypto_generichash(sum, 32, b->ptr, b->len, NULL, 0);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5);
	pstr(&pk, "end");
	msgpack_pack_uint64(&pk, end);
	pstr(&pk, "pack_objects");
	msgpack_pack_uint64(&pk, objs);
	pstr(&pk, "pack_bytes");
	msgpack_pack_uint64(&pk, bytes);
	pstr(&pk, "blake2b");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, sum, 32);
	pstr(&pk, "sig");
	msgpack_pack_bin(&pk, 64);
	msgpack_pack_bin_body(&pk, sig, 64);
}

/* A pack header by hand: declared size, then pieces of the given sizes. */
static void
hand_pack(kn_buf *b, uint64_t size, const size_t *pieces, size_t n)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 3);
	pstr(&pk, "pack");
	msgpack_pack_uint64(&pk, size);
	pstr(&pk, "objects");
	msgpack_pack_uint32(&pk, 1);
	pstr(&pk, "heads");
	msgpack_pack_array(&pk, 1);
	pstr(&pk, heads2[0]);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_bin(&pk, pieces[i]);
		kn_buf_grow(b, pieces[i]);
		memset(b->ptr + b->len, 'p', pieces[i]);
		b->len += pieces[i];
	}
}

static void
hand_record(kn_buf *b, const char *rec)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_bin(&pk, strlen(rec));
	msgpack_pack_bin_body(&pk, rec, strlen(rec));
}

/* The header as the writer makes it, into b (the writer's hash is not used: trailer() hashes). */
static void
hand_header(kn_buf *b, int up)
{
	bundle_header h;
	bundle_writer w;

	header(&h, up);
	assert_int_equal(bundle_begin(&w, b, &h), 0);
}

static void
hand_receipt(kn_buf *b)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 10);
	const char *keys[] = { "receipt", "from", "at_ms", "stored", "present", "held", "refused", "verified", "bad" };
	for (size_t i = 0; i < 9; i++) {
		pstr(&pk, keys[i]);
		msgpack_pack_uint64(&pk, 1);
	}
	pstr(&pk, "commits");
	msgpack_pack_array(&pk, 0);
}

static void
test_bundle__structure_refused(void **state)
{
	kn_buf b = KN_BUF_INIT;
	bundle_view v;
	msgpack_packer pk;
	(void)state;

	/* a count that does not match */
	hand_header(&b, 0);
	hand_record(&b, "r");
	trailer(&b, 2, 0, 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "altered"));
	/* the right counts and checksum, but signed by no one: parses, the signature refuses */
	kn_buf_clear(&b);
	hand_header(&b, 0);
	hand_record(&b, "r");
	trailer(&b, 1, 0, 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), 0);
	assert_int_equal(bundle_check_sig(&v, pk_), KN_EBADSIG);
	/* two packs */
	kn_buf_clear(&b);
	hand_header(&b, 1);
	hand_pack(&b, 1, (size_t[]){ 1 }, 1);
	hand_pack(&b, 1, (size_t[]){ 1 }, 1);
	trailer(&b, 0, 1, 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	/* a record after the pack */
	kn_buf_clear(&b);
	hand_header(&b, 1);
	hand_pack(&b, 1, (size_t[]){ 1 }, 1);
	hand_record(&b, "r");
	trailer(&b, 1, 1, 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	/* pack pieces short of the declared size, then the end */
	kn_buf_clear(&b);
	hand_header(&b, 1);
	hand_pack(&b, 3, (size_t[]){ 2 }, 1);
	trailer(&b, 0, 1, 3);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	/* pack pieces beyond the declared size */
	kn_buf_clear(&b);
	hand_header(&b, 1);
	hand_pack(&b, 3, (size_t[]){ 2, 2 }, 2);
	trailer(&b, 0, 1, 3);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	/* a pack piece over 1 MiB */
	kn_buf_clear(&b);
	hand_header(&b, 1);
	hand_pack(&b, BUNDLE_CHUNK_MAX + 1, (size_t[]){ BUNDLE_CHUNK_MAX + 1 }, 1);
	trailer(&b, 0, 1, BUNDLE_CHUNK_MAX + 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	/* the trailer's pack size differs from the pack's */
	kn_buf_clear(&b);
	hand_header(&b, 1);
	hand_pack(&b, 2, (size_t[]){ 2 }, 1);
	trailer(&b, 0, 1, 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	/* a pack with a head that is not a commit id */
	kn_buf_clear(&b);
	hand_header(&b, 1);
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 3);
	pstr(&pk, "pack");
	msgpack_pack_uint64(&pk, 1);
	pstr(&pk, "objects");
	msgpack_pack_uint32(&pk, 1);
	pstr(&pk, "heads");
	msgpack_pack_array(&pk, 1);
	pstr(&pk, "../../etc/passwd");
	hand_record(&b, "p");
	trailer(&b, 0, 1, 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	/* a receipt: refused in an up bundle and after a record; accepted right after a down header */
	kn_buf_clear(&b);
	hand_header(&b, 1);
	hand_receipt(&b);
	trailer(&b, 0, 0, 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	kn_buf_clear(&b);
	hand_header(&b, 0);
	hand_record(&b, "r");
	hand_receipt(&b);
	trailer(&b, 1, 0, 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	kn_buf_clear(&b);
	hand_header(&b, 0);
	hand_receipt(&b);
	hand_record(&b, "r");
	trailer(&b, 1, 0, 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), 0);
	assert_true(v.has_receipt);
	/* a record over 64 KiB */
	kn_buf_clear(&b);
	hand_header(&b, 0);
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_bin(&pk, BUNDLE_RECORD_MAX + 1);
	kn_buf_grow(&b, BUNDLE_RECORD_MAX + 1);
	memset(b.ptr + b.len, 'x', BUNDLE_RECORD_MAX + 1);
	b.len += BUNDLE_RECORD_MAX + 1;
	trailer(&b, 1, 0, 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	/* no trailer at all */
	kn_buf_clear(&b);
	hand_header(&b, 0);
	hand_record(&b, "r");
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "cut short"));
	/* another format; another version (1, before pieces); a bad NPSN; a bad direction */
	static const struct {
		const char *key, *val;
	} bad[] = { { "format", "kinerja-records" }, { "npsn", "2010000x" }, { "dir", "sideways" }, { "v", "1" } };
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		kn_buf_clear(&b);
		msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 8);
		pstr(&pk, "format");
		pstr(&pk, strcmp(bad[k].key, "format") == 0 ? bad[k].val : BUNDLE_FORMAT);
		pstr(&pk, "v");
		msgpack_pack_uint8(&pk, strcmp(bad[k].key, "v") == 0 ? 1 : BUNDLE_VERSION);
		pstr(&pk, "dir");
		pstr(&pk, strcmp(bad[k].key, "dir") == 0 ? bad[k].val : "up");
		pstr(&pk, "npsn");
		pstr(&pk, strcmp(bad[k].key, "npsn") == 0 ? bad[k].val : "20100001");
		pstr(&pk, "device");
		msgpack_pack_bin(&pk, 32);
		msgpack_pack_bin_body(&pk, pk_, 32);
		pstr(&pk, "created_ms");
		msgpack_pack_uint64(&pk, 1);
		pstr(&pk, "from");
		msgpack_pack_uint64(&pk, 0);
		pstr(&pk, "to");
		msgpack_pack_uint64(&pk, 0);
		trailer(&b, 0, 0, 0);
		assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	}
	kn_buf_clear(&b);
	hand_record(&b, "r");
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	assert_int_equal(bundle_parse(&v, (const uint8_t *)"", 0, NULL, NULL), KN_EBADREC);
	kn_buf_free(&b);
}

/* The writer keeps the order: receipt only first and only down, nothing between pack pieces, no end mid-pack. */
static void
test_bundle__writer_order(void **state)
{
	kn_buf b = KN_BUF_INIT;
	bundle_header h;
	bundle_writer w;
	bundle_receipt r = { .upto = 1 };
	(void)state;

	header(&h, 1);
	assert_int_equal(bundle_begin(&w, &b, &h), 0);
	assert_int_equal(bundle_add_receipt(&w, &b, &r), KN_ESTATE);
	header(&h, 0);
	assert_int_equal(bundle_begin(&w, &b, &h), 0);
	assert_int_equal(bundle_add_record(&w, &b, (const uint8_t *)"r", 1), 0);
	assert_int_equal(bundle_add_receipt(&w, &b, &r), KN_ESTATE);
	assert_int_equal(bundle_pack_begin(&w, &b, 4, 1, heads2, 1), 0);
	assert_int_equal(bundle_add_record(&w, &b, (const uint8_t *)"r", 1), KN_ESTATE);
	assert_int_equal(bundle_pack_data(&w, &b, (const uint8_t *)"12345", 5), KN_ESTATE);
	assert_int_equal(bundle_pack_data(&w, &b, (const uint8_t *)"12", 2), 0);
	assert_int_equal(bundle_end(&w, &b, sk_), KN_ESTATE);
	assert_int_equal(bundle_pack_data(&w, &b, (const uint8_t *)"34", 2), 0);
	assert_int_equal(bundle_end(&w, &b, sk_), 0);
	assert_int_equal(bundle_end(&w, &b, sk_), KN_ESTATE);
	kn_buf_free(&b);
}

/*
 * msgpack-c allocates 24 bytes for every element a container declares: a
 * map of a few MiB holding a list of a million nils is refused before it
 * is unpacked, while the largest real object (a pack of 65,536 heads)
 * still reads.
 */
static void
test_bundle__many_parts(void **state)
{
	kn_buf b = KN_BUF_INIT;
	bundle_header h;
	bundle_writer w;
	bundle_view v;
	msgpack_packer pk;
	(void)state;

	hand_header(&b, 1);
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 3);
	pstr(&pk, "pack");
	msgpack_pack_uint64(&pk, 1);
	pstr(&pk, "objects");
	msgpack_pack_uint32(&pk, 1);
	pstr(&pk, "heads");
	msgpack_pack_array(&pk, 1000000);
	for (size_t i = 0; i < 1000000; i++)
		msgpack_pack_nil(&pk);
	hand_record(&b, "p");
	trailer(&b, 0, 1, 1);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "too many parts"));

	/* the most heads a bundle may name */
	kn_buf_clear(&b);
	char(*ids)[41] = malloc(BUNDLE_HEADS_MAX * sizeof(*ids));
	const char **heads = malloc(BUNDLE_HEADS_MAX * sizeof(*heads));
	assert_non_null(ids);
	assert_non_null(heads);
	for (size_t i = 0; i < BUNDLE_HEADS_MAX; i++) {
		snprintf(ids[i], 41, "%040zx", i);
		heads[i] = ids[i];
	}
	header(&h, 1);
	assert_int_equal(bundle_begin(&w, &b, &h), 0);
	assert_int_equal(bundle_pack_begin(&w, &b, 3, 1, heads, BUNDLE_HEADS_MAX), 0);
	assert_int_equal(bundle_pack_data(&w, &b, (const uint8_t *)"abc", 3), 0);
	assert_int_equal(bundle_end(&w, &b, sk_), 0);
	assert_int_equal(bundle_parse(&v, b.ptr, b.len, NULL, NULL), 0);
	assert_int_equal(v.nheads, BUNDLE_HEADS_MAX);
	assert_int_equal(bundle_check_sig(&v, pk_), 0);
	free(ids);
	free(heads);
	kn_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle__round_trip),
		cmocka_unit_test(test_bundle__wrong_signer),
		cmocka_unit_test(test_bundle__cut_and_flipped),
		cmocka_unit_test(test_bundle__structure_refused),
		cmocka_unit_test(test_bundle__writer_order),
		cmocka_unit_test(test_bundle__many_parts),
	};
	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(pk_, sk_);
	crypto_sign_keypair(other_pk, other_sk);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
