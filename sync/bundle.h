/*
 * bundle.h - the sneakernet bundle: what a sync session would carry,
 * written to one file (docs/design.md, "Sync", "Bundles"). Pure: build a
 * bundle in memory, parse and check one from untrusted bytes; no I/O, no
 * store. The file is a MessagePack stream:
 *
 *   {"format": "kinerja-bundle", "v": 1, "dir": "up"|"down", "npsn": str,
 *    "device": bin 32, "created_ms": uint, "from": uint, "to": uint}
 *   bin (one signed record), bin, ...           (at most BUNDLE_RECORDS_MAX)
 *   {"pack": bin, "objects": uint, "heads": [str 40, ...]}
 *                                               (at most one: a git packfile,
 *                                                and the commits it ends at)
 *   {"end": records, "pack_objects": uint, "pack_bytes": uint,
 *    "blake2b": bin 32, "sig": bin 64}
 *
 * "blake2b" is BLAKE2b-256 over every byte before the trailer; "sig" the
 * Ed25519 signature, by the header's device key, over BUNDLE_SIG_CONTEXT
 * followed by that hash. dir "up": a school's records (and evidence) for
 * its hub, from..to its feed positions; "down": a hub's records for a
 * school, after the school's pulled position "from" up to the hub's feed
 * position "to".
 */
#ifndef KN_SYNC_BUNDLE_H
#define KN_SYNC_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"

#define BUNDLE_FORMAT "kinerja-bundle"
#define BUNDLE_VERSION 1
#define BUNDLE_SIG_CONTEXT "kinerja-bundle-v1"
#define BUNDLE_RECORD_MAX (64 * 1024)
#define BUNDLE_RECORDS_MAX 1000000
#define BUNDLE_BYTES_MAX ((size_t)1 << 30)
#define BUNDLE_HEADS_MAX 65536

typedef struct {
	int up;                 /* dir: 1 "up" (school -> hub), 0 "down" */
	char npsn[9];
	uint8_t device[32];
	uint64_t created_ms, from, to;
} bundle_header;

/* A parsed bundle: pointers into the bytes it was parsed from. */
typedef struct {
	bundle_header h;
	const uint8_t **rec;
	size_t *len;
	size_t n;
	const uint8_t *pack;    /* NULL when none */
	size_t pack_len;
	uint32_t pack_objects;
	char (*heads)[41];      /* the pack's head commits (hex), nheads of them */
	size_t nheads;
	uint8_t sum[32];
	uint8_t sig[64];
} bundle_view;

/* Writing: begin (header), records, at most one pack, end (hash and signature by sk, 64 bytes). */
int bundle_begin(kn_buf *out, const bundle_header *h);
int bundle_add_record(kn_buf *out, const uint8_t *rec, size_t len);
int bundle_add_pack(kn_buf *out, const uint8_t *pack, size_t len, uint32_t objects, const char *const *heads,
    size_t nheads);
int bundle_end(kn_buf *out, size_t records, uint32_t pack_objects, uint64_t pack_bytes, const unsigned char *sk);

/*
 * Parse and check a whole bundle: structure, each record a bin of at most
 * 64 KiB, at most one pack, the trailer's counts and hash, nothing after
 * it. KN_EBADREC (field "file") saying what is wrong and where. The
 * signature is not checked here: the reader decides whose key must have
 * signed (bundle_check_sig). Free with bundle_view_free.
 */
int bundle_parse(bundle_view *out, const uint8_t *data, size_t size);
/* Is the bundle signed by pk (and does its header name pk)? 0 or KN_EBADSIG. */
int bundle_check_sig(const bundle_view *v, const uint8_t pk[32]);
void bundle_view_free(bundle_view *v);

#endif
