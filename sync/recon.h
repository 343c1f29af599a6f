/*
 * recon.h - range-based set reconciliation (in the manner of Negentropy):
 * two peers, each holding a set of records ordered by (time, id), find
 * which records one has and the other lacks, without a checkpoint and in
 * a few round trips whatever the divergence (a restored backup, a lost
 * peer table, a hub that lost a day).
 *
 * Items are (ts, id): ts the record's hybrid-logical clock, id its 32-byte
 * record id; the order is ts, then id. A message is a list of consecutive
 * ranges covering the whole order, each ending at an exclusive upper bound
 * and carrying one of:
 *   skip         nothing to do here
 *   fingerprint  16 bytes over the sender's items in the range
 *   ids          every id the sender has in the range (a small range)
 * The fingerprint of a set is BLAKE2b-128 over (the sum modulo 2^256 of
 * the ids read as little-endian integers, the count): adding an item is an
 * addition, so a store keeps it up to date as records arrive and never
 * rescans to compare.
 *
 * recon_initiate writes the first message (one fingerprint over all);
 * recon_respond answers a message: a range whose fingerprint matches is
 * skipped, a differing range is split into RECON_BRANCH sub-ranges, or
 * sent as ids when it holds RECON_IDS_MAX items or fewer; a range of ids
 * is compared, and the ids the receiver lacks (need) and has that the
 * sender lacks (have) are reported to the caller, who fetches and pushes
 * those records. The exchange ends when a message holds only skips
 * (recon_done). Pure: no I/O, no clock: the items come from a source
 * (recon_src below), an in-memory recon_set or a store's persistent tree
 * of range sums (daemon/sync_tree.c), asked for a few sums per range.
 */
#ifndef KN_SYNC_RECON_H
#define KN_SYNC_RECON_H

#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"

#define RECON_ID_BYTES 32
#define RECON_FP_BYTES 16
#define RECON_BRANCH 16
#define RECON_IDS_MAX 32
/* a message never holds more ranges than this (bounded for the receiver) */
#define RECON_RANGES_MAX 4096

typedef struct {
	uint64_t ts;
	uint8_t id[RECON_ID_BYTES];
} recon_item;

/* A sorted set of items with prefix sums, so any range's fingerprint is O(1). */
typedef struct {
	recon_item *items;
	size_t n, cap;
	uint8_t (*prefix)[RECON_ID_BYTES]; /* prefix[i] = sum of ids[0..i) mod 2^256 */
	int sealed;
} recon_set;

void recon_set_init(recon_set *s);
void recon_set_free(recon_set *s);
/* Add an item (any order); KN_ENOMEM. */
int recon_set_add(recon_set *s, uint64_t ts, const uint8_t id[RECON_ID_BYTES]);
/* Sort, drop duplicates and build the sums: call once after the adds. */
int recon_set_seal(recon_set *s);

/* The fingerprint of the whole set, or of items [lo, hi). */
void recon_fingerprint(uint8_t out[RECON_FP_BYTES], const recon_set *s, size_t lo, size_t hi);
/* The fingerprint of a sum and a count (what a store keeps incrementally). */
void recon_fingerprint_of(uint8_t out[RECON_FP_BYTES], const uint8_t sum[RECON_ID_BYTES], uint64_t count);
/* sum += id (mod 2^256): how a store keeps its running sum. */
void recon_sum_add(uint8_t sum[RECON_ID_BYTES], const uint8_t id[RECON_ID_BYTES]);

/* What one round found: ids to fetch from the peer, ids to push to it. */
typedef struct {
	uint8_t (*need)[RECON_ID_BYTES];
	size_t nneed, capneed;
	uint8_t (*have)[RECON_ID_BYTES];
	size_t nhave, caphave;
} recon_diff;

void recon_diff_free(recon_diff *d);

/*
 * Where the items come from. A recon_set (in memory) is one source; a
 * store's persistent tree of range sums (daemon/sync_tree.c) is another,
 * which answers a range without loading the set. A bound is a point of
 * the order: (ts, id), or the end (inf). An acc is the sum modulo 2^256
 * and the count of some items.
 */
typedef struct {
	int inf;
	uint64_t ts;
	uint8_t id[RECON_ID_BYTES];
} recon_bound;

typedef struct {
	uint8_t sum[RECON_ID_BYTES];
	uint64_t count;
} recon_acc;

typedef int (*recon_id_cb)(void *arg, const uint8_t id[RECON_ID_BYTES]);

typedef struct {
	/* sum and count of the items before b */
	int (*prefix)(void *ctx, const recon_bound *b, recon_acc *out);
	/*
	 * Cut [lo, hi), whose items number more than RECON_IDS_MAX (plo, phi
	 * are prefix(lo), prefix(hi)), into n consecutive non-empty ranges,
	 * 2 <= n <= RECON_BRANCH, each holding fewer items than the whole:
	 * bounds[0..n-2] the inner bounds, increasing; accs[0..n-1] their sums.
	 */
	int (*split)(void *ctx, const recon_bound *lo, const recon_bound *hi, const recon_acc *plo, const recon_acc *phi,
	    recon_bound bounds[RECON_BRANCH - 1], recon_acc accs[RECON_BRANCH], size_t *n);
	/* cb(arg, id) for each item in [lo, hi), in order; cb returns 0, or an error to stop with */
	int (*each)(void *ctx, const recon_bound *lo, const recon_bound *hi, recon_id_cb cb, void *arg);
	void *ctx;
} recon_src;

/* acc = a - b, and the fingerprint of an acc. */
void recon_acc_sub(recon_acc *out, const recon_acc *a, const recon_acc *b);
void recon_acc_fingerprint(uint8_t out[RECON_FP_BYTES], const recon_acc *a);
/* The order of bounds (inf last): < 0, 0, > 0. */
int recon_bound_cmp(const recon_bound *a, const recon_bound *b);
/* A recon_set as a source (sealed; borrowed while the source is used). */
void recon_set_src(recon_src *out, const recon_set *s);

/* The first message: one fingerprint over everything. Appends to out. */
int recon_initiate(kn_buf *out, const recon_set *s);
int recon_initiate_src(kn_buf *out, const recon_src *src);
/*
 * Answer msg (len bytes): append the reply to out, add to diff what was
 * found, and set *done when the reply holds only skips (nothing more to
 * send: the exchange is over once the peer has it). KN_EPROTO when msg is
 * malformed, out of order or too large.
 */
int recon_respond(kn_buf *out, int *done, recon_diff *diff, const recon_set *s, const uint8_t *msg, size_t len);
int recon_respond_src(kn_buf *out, int *done, recon_diff *diff, const recon_src *src, const uint8_t *msg, size_t len);

#endif
