/*
 * bundle.h - the sneakernet bundle: what a sync session would carry,
 * written to one file (docs/design.md, "Sync", "Bundles"). Pure: a writer
 * that appends a bundle's bytes to a buffer piece by piece (the caller
 * moves them to a file whenever it likes), and a reader that takes
 * untrusted bytes piece by piece and reports what it finds; no I/O, no
 * store. Neither holds more than one object of the stream (at most
 * BUNDLE_OBJECT_MAX bytes), so a bundle of any size passes through bounded
 * memory. The file is a MessagePack stream:
 *
 *   {"format": "kinerja-bundle", "v": 2, "dir": "up"|"down", "npsn": str,
 *    "device": bin 32, "created_ms": uint, "from": uint, "to": uint}
 *   {"receipt": upto, "from": uint, "at_ms": uint, "stored": uint,
 *    "present": uint, "held": uint, "refused": uint, "verified": uint,
 *    "bad": uint, "commits": [bin 20, ...]}     (at most one, "down" only,
 *                                                right after the header)
 *   bin (one signed record), bin, ...           (at most BUNDLE_RECORDS_MAX)
 *   {"pack": size, "objects": uint, "heads": [str 40, ...]}
 *   bin, bin, ...                               (the pack's bytes, in pieces
 *                                                of 1..BUNDLE_CHUNK_MAX that
 *                                                add up to size; at most one
 *                                                pack, after the records)
 *   {"end": records, "pack_objects": uint, "pack_bytes": uint,
 *    "blake2b": bin 32, "sig": bin 64}
 *
 * "blake2b" is BLAKE2b-256 over every byte before the trailer; "sig" the
 * Ed25519 signature, by the header's device key, over BUNDLE_SIG_CONTEXT
 * followed by that hash. dir "up": a school's records (and evidence) for
 * its hub, from..to its feed positions; "down": a hub's records for a
 * school, after the school's pulled position "from" up to the hub's feed
 * position "to", and the hub's receipt of the school's last bundle.
 */
#ifndef KN_SYNC_BUNDLE_H
#define KN_SYNC_BUNDLE_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"

#define BUNDLE_FORMAT "kinerja-bundle"
#define BUNDLE_VERSION 2
#define BUNDLE_SIG_CONTEXT "kinerja-bundle-v2"
#define BUNDLE_RECORD_MAX (64 * 1024)
#define BUNDLE_RECORDS_MAX 10000000
#define BUNDLE_CHUNK_MAX ((size_t)1 << 20)
#define BUNDLE_HEADS_MAX 65536
#define BUNDLE_OBJECT_MAX ((size_t)4 << 20)  /* the largest object of the stream (a heads or commits list) */
#define BUNDLE_BYTES_MAX ((uint64_t)1 << 40)  /* a sanity bound, not a practical one */

typedef struct {
	int up;                 /* dir: 1 "up" (school -> hub), 0 "down" */
	char npsn[9];
	uint8_t device[32];
	uint64_t created_ms, from, to;
} bundle_header;

/*
 * The hub's receipt of a school's bundle: the school's feed from..upto is
 * stored at the hub (at_ms, the hub's clock), with these counts; of the
 * bundle's evidence, files verified (SHA-256 against their records) and
 * bad, and the commits the hub holds whole and acknowledges (the school's
 * next bundle leaves out what they reach).
 */
typedef struct {
	uint64_t from, upto, at_ms;
	uint64_t stored, present, held, refused, verified, bad;
	uint8_t (*commits)[20];
	size_t ncommits;
} bundle_receipt;

/* ---- writing ---- */

typedef struct {
	crypto_generichash_state hs;
	int state;              /* 0 nothing, 1 header, 2 receipt, 3 records, 4 pack, 5 pack done, 6 ended */
	uint64_t records, pack_size, pack_at;
	uint32_t pack_objects;
} bundle_writer;

/*
 * Each call appends to out (and hashes what it appended); the caller may
 * move out's bytes elsewhere and clear it between calls. In order: begin,
 * at most one receipt (down only), records, at most one pack (pack_begin
 * with its size, then pack_data until size bytes), end (sk: 64 bytes).
 * KN_ESTATE for a call out of order.
 */
int bundle_begin(bundle_writer *w, kn_buf *out, const bundle_header *h);
int bundle_add_receipt(bundle_writer *w, kn_buf *out, const bundle_receipt *r);
int bundle_add_record(bundle_writer *w, kn_buf *out, const uint8_t *rec, size_t len);
int bundle_pack_begin(bundle_writer *w, kn_buf *out, uint64_t size, uint32_t objects, const char *const *heads,
    size_t nheads);
int bundle_pack_data(bundle_writer *w, kn_buf *out, const uint8_t *data, size_t len);
int bundle_end(bundle_writer *w, kn_buf *out, const unsigned char *sk);

/* ---- reading ---- */

enum {
	BUNDLE_EV_HEADER = 1,   /* h */
	BUNDLE_EV_RECEIPT,      /* receipt */
	BUNDLE_EV_RECORD,       /* data, len; index (from 0) */
	BUNDLE_EV_PACK,         /* pack_size, pack_objects, heads, nheads */
	BUNDLE_EV_PACK_DATA,    /* data, len; index = offset in the pack */
	BUNDLE_EV_END,          /* the trailer checked (counts, hash); the signature is not */
};

typedef struct {
	int kind;
	const bundle_header *h;
	const bundle_receipt *receipt;
	const uint8_t *data;
	size_t len;
	uint64_t index;
	uint64_t pack_size;
	uint32_t pack_objects;
	const char (*heads)[41];
	size_t nheads;
} bundle_event;

/* Return 0 to go on; anything else stops the reader with that code. */
typedef int (*bundle_event_fn)(void *arg, const bundle_event *e);

/* What a whole bundle held, once read (bundle_reader_finish). */
typedef struct {
	bundle_header h;
	int has_receipt;
	uint64_t records;
	uint64_t pack_len;
	uint32_t pack_objects;
	size_t nheads;
	uint8_t sum[32];
	uint8_t sig[64];
} bundle_view;

typedef struct bundle_reader bundle_reader;

/* cb may be NULL (check only). */
int bundle_reader_new(bundle_reader **out, bundle_event_fn cb, void *arg);
/*
 * The next bytes of the file, in order, in pieces of any size. An event is
 * given as soon as its object is whole, before the trailer is checked: a
 * caller applies nothing until bundle_reader_finish (and the signature)
 * said yes. KN_EBADREC (field "file") saying what is wrong and at which
 * byte; or the callback's code.
 */
int bundle_reader_feed(bundle_reader *r, const uint8_t *data, size_t len);
/* No more bytes: was the trailer seen, right, and the last thing? Fills out. */
int bundle_reader_finish(bundle_reader *r, bundle_view *out);
void bundle_reader_free(bundle_reader *r);

/* The whole reader over bytes in memory (cb may be NULL). */
int bundle_parse(bundle_view *out, const uint8_t *data, size_t size, bundle_event_fn cb, void *arg);
/* Is the bundle signed by pk (and does its header name pk)? 0 or KN_EBADSIG. */
int bundle_check_sig(const bundle_view *v, const uint8_t pk[32]);

#endif
