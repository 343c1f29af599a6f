/*
 * recon.c - range-based set reconciliation; see recon.h.
 *
 * Wire form of a message (msgpack): an array of ranges, each
 *   [upper, mode, payload]
 * upper: nil for the end of the order, else [ts, bin 32] (exclusive);
 * mode 0 skip (payload nil), 1 fingerprint (bin 16), 2 ids (array of bin 32,
 * in order). Ranges are consecutive: each starts where the previous ended,
 * the first at the start of the order, and the last ends at nil.
 */
#include <msgpack.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "recon.h"

enum { MODE_SKIP = 0, MODE_FP = 1, MODE_IDS = 2 };

typedef recon_bound bound;

void
recon_set_init(recon_set *s)
{
	memset(s, 0, sizeof(*s));
}

void
recon_set_free(recon_set *s)
{
	free(s->items);
	free(s->prefix);
	memset(s, 0, sizeof(*s));
}

int
recon_set_add(recon_set *s, uint64_t ts, const uint8_t id[RECON_ID_BYTES])
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		recon_item *it = realloc(s->items, cap * sizeof(*it));
		if (it == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory for a reconciliation set");
		s->items = it;
		s->cap = cap;
	}
	s->items[s->n].ts = ts;
	memcpy(s->items[s->n].id, id, RECON_ID_BYTES);
	s->n++;
	s->sealed = 0;
	return 0;
}

static int
item_cmp(const void *a, const void *b)
{
	const recon_item *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return memcmp(x->id, y->id, RECON_ID_BYTES);
}

void
recon_sum_add(uint8_t sum[RECON_ID_BYTES], const uint8_t id[RECON_ID_BYTES])
{
	unsigned carry = 0;

	for (int i = 0; i < RECON_ID_BYTES; i++) {
		unsigned v = (unsigned)sum[i] + id[i] + carry;
		sum[i] = (uint8_t)v;
		carry = v >> 8;
	}
}

/* out = a - b (mod 2^256). */
static void
sum_sub(uint8_t out[RECON_ID_BYTES], const uint8_t a[RECON_ID_BYTES], const uint8_t b[RECON_ID_BYTES])
{
	int borrow = 0;

	for (int i = 0; i < RECON_ID_BYTES; i++) {
		int v = (int)a[i] - (int)b[i] - borrow;
		borrow = v < 0;
		out[i] = (uint8_t)(v + (borrow ? 256 : 0));
	}
}

int
recon_set_seal(recon_set *s)
{
	size_t w = 0;

	if (s->n > 1)
		qsort(s->items, s->n, sizeof(*s->items), item_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (w == 0 || item_cmp(&s->items[w - 1], &s->items[i]) != 0)
			s->items[w++] = s->items[i];
	s->n = w;
	free(s->prefix);
	s->prefix = calloc(s->n + 1, RECON_ID_BYTES);
	if (s->prefix == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory for a reconciliation set");
	for (size_t i = 0; i < s->n; i++) {
		memcpy(s->prefix[i + 1], s->prefix[i], RECON_ID_BYTES);
		recon_sum_add(s->prefix[i + 1], s->items[i].id);
	}
	s->sealed = 1;
	return 0;
}

void
recon_fingerprint_of(uint8_t out[RECON_FP_BYTES], const uint8_t sum[RECON_ID_BYTES], uint64_t count)
{
	crypto_generichash_blake2b_state h;
	uint8_t c[8];

	for (int i = 0; i < 8; i++)
		c[i] = (uint8_t)(count >> (8 * i));
	crypto_generichash_blake2b_init(&h, NULL, 0, RECON_FP_BYTES);
	crypto_generichash_blake2b_update(&h, sum, RECON_ID_BYTES);
	crypto_generichash_blake2b_update(&h, c, sizeof(c));
	crypto_generichash_blake2b_final(&h, out, RECON_FP_BYTES);
}

void
recon_fingerprint(uint8_t out[RECON_FP_BYTES], const recon_set *s, size_t lo, size_t hi)
{
	uint8_t sum[RECON_ID_BYTES];

	sum_sub(sum, s->prefix[hi], s->prefix[lo]);
	recon_fingerprint_of(out, sum, hi - lo);
}

void
recon_diff_free(recon_diff *d)
{
	free(d->need);
	free(d->have);
	memset(d, 0, sizeof(*d));
}

static int
diff_push(uint8_t (**arr)[RECON_ID_BYTES], size_t *n, size_t *cap, const uint8_t id[RECON_ID_BYTES])
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		uint8_t(*a)[RECON_ID_BYTES] = realloc(*arr, c * RECON_ID_BYTES);
		if (a == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory for a reconciliation");
		*arr = a;
		*cap = c;
	}
	memcpy((*arr)[(*n)++], id, RECON_ID_BYTES);
	return 0;
}

void
recon_acc_sub(recon_acc *out, const recon_acc *a, const recon_acc *b)
{
	sum_sub(out->sum, a->sum, b->sum);
	out->count = a->count - b->count;
}

void
recon_acc_fingerprint(uint8_t out[RECON_FP_BYTES], const recon_acc *a)
{
	recon_fingerprint_of(out, a->sum, a->count);
}

int
recon_bound_cmp(const bound *a, const bound *b)
{
	if (a->inf || b->inf)
		return a->inf - b->inf;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return memcmp(a->id, b->id, RECON_ID_BYTES);
}

/* ---- a recon_set as a source ---- */

/* First item not before b. */
static size_t
lower_bound(const recon_set *s, const bound *b)
{
	size_t lo = 0, hi = s->n;

	if (b->inf)
		return s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const recon_item *it = &s->items[mid];
		int c = it->ts != b->ts ? (it->ts < b->ts ? -1 : 1) : memcmp(it->id, b->id, RECON_ID_BYTES);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
set_prefix(void *ctx, const bound *b, recon_acc *out)
{
	const recon_set *s = ctx;
	size_t i = lower_bound(s, b);

	memcpy(out->sum, s->prefix[i], RECON_ID_BYTES);
	out->count = i;
	return 0;
}

/* Equal counts: RECON_BRANCH ranges of the items [lo, hi). */
static int
set_split(void *ctx, const bound *lo, const bound *hi, const recon_acc *plo, const recon_acc *phi,
    bound bounds[RECON_BRANCH - 1], recon_acc accs[RECON_BRANCH], size_t *n)
{
	const recon_set *s = ctx;
	size_t a0 = (size_t)plo->count, count = (size_t)(phi->count - plo->count);
	(void)lo;
	(void)hi;

	for (size_t p = 0; p < RECON_BRANCH; p++) {
		size_t a = a0 + count * p / RECON_BRANCH, b = a0 + count * (p + 1) / RECON_BRANCH;
		if (p + 1 < RECON_BRANCH) {
			bounds[p].inf = 0;
			bounds[p].ts = s->items[b].ts;
			memcpy(bounds[p].id, s->items[b].id, RECON_ID_BYTES);
		}
		sum_sub(accs[p].sum, s->prefix[b], s->prefix[a]);
		accs[p].count = b - a;
	}
	*n = RECON_BRANCH;
	return 0;
}

static int
set_each(void *ctx, const bound *lo, const bound *hi, recon_id_cb cb, void *arg)
{
	const recon_set *s = ctx;
	int rc = 0;

	for (size_t i = lower_bound(s, lo), e = lower_bound(s, hi); rc == 0 && i < e; i++)
		rc = cb(arg, s->items[i].id);
	return rc;
}

void
recon_set_src(recon_src *out, const recon_set *s)
{
	out->prefix = set_prefix;
	out->split = set_split;
	out->each = set_each;
	out->ctx = (void *)s;
}

/* ---- writing a message: ranges are kept, then packed, merging adjacent skips ---- */

typedef struct {
	bound ub;
	int mode;
	uint8_t fp[RECON_FP_BYTES];
	uint8_t (*ids)[RECON_ID_BYTES]; /* ids: the sender's, in order */
	size_t nids;
} out_range;

typedef struct {
	out_range *r;
	size_t n, cap;
} out_list;

static void
out_free(out_list *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->r[i].ids);
	free(o->r);
	memset(o, 0, sizeof(*o));
}

/* Add a range; ids (malloc'ed, nids of them) pass to the list, even on failure. */
static int
out_add(out_list *o, const bound *ub, int mode, const uint8_t *fp, uint8_t (*ids)[RECON_ID_BYTES], size_t nids)
{
	if (mode == MODE_SKIP && o->n && o->r[o->n - 1].mode == MODE_SKIP) {
		o->r[o->n - 1].ub = *ub;
		return 0;
	}
	if (o->n == o->cap) {
		size_t c = o->cap ? 2 * o->cap : 32;
		out_range *r = realloc(o->r, c * sizeof(*r));
		if (r == NULL) {
			free(ids);
			return kn_error_set(KN_ENOMEM, "", "out of memory for a reconciliation message");
		}
		o->r = r;
		o->cap = c;
	}
	o->r[o->n] = (out_range){ *ub, mode, { 0 }, ids, nids };
	if (fp)
		memcpy(o->r[o->n].fp, fp, RECON_FP_BYTES);
	o->n++;
	return 0;
}

static int
out_pack(kn_buf *out, const out_list *o)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_array(&pk, o->n);
	for (size_t i = 0; i < o->n; i++) {
		const out_range *r = &o->r[i];
		msgpack_pack_array(&pk, 3);
		if (r->ub.inf) {
			msgpack_pack_nil(&pk);
		} else {
			msgpack_pack_array(&pk, 2);
			msgpack_pack_uint64(&pk, r->ub.ts);
			msgpack_pack_bin(&pk, RECON_ID_BYTES);
			msgpack_pack_bin_body(&pk, r->ub.id, RECON_ID_BYTES);
		}
		msgpack_pack_uint8(&pk, (uint8_t)r->mode);
		if (r->mode == MODE_FP) {
			msgpack_pack_bin(&pk, RECON_FP_BYTES);
			msgpack_pack_bin_body(&pk, r->fp, RECON_FP_BYTES);
		} else if (r->mode == MODE_IDS) {
			msgpack_pack_array(&pk, r->nids);
			for (size_t j = 0; j < r->nids; j++) {
				msgpack_pack_bin(&pk, RECON_ID_BYTES);
				msgpack_pack_bin_body(&pk, r->ids[j], RECON_ID_BYTES);
			}
		} else {
			msgpack_pack_nil(&pk);
		}
	}
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory for a reconciliation message") : 0;
}

int
recon_initiate_src(kn_buf *out, const recon_src *src)
{
	out_list o = { 0 };
	bound inf = { 1, 0, { 0 } };
	recon_acc all;
	uint8_t fp[RECON_FP_BYTES];
	int rc;

	if ((rc = src->prefix(src->ctx, &inf, &all)))
		return rc;
	recon_acc_fingerprint(fp, &all);
	rc = out_add(&o, &inf, MODE_FP, fp, NULL, 0);
	if (rc == 0)
		rc = out_pack(out, &o);
	out_free(&o);
	return rc;
}

int
recon_initiate(kn_buf *out, const recon_set *s)
{
	recon_src src;

	if (!s->sealed)
		return kn_error_set(KN_EINVAL, "", "recon_set_seal the set before reconciling");
	recon_set_src(&src, s);
	return recon_initiate_src(out, &src);
}

/* A growing list of ids (what a source enumerates). */
typedef struct {
	uint8_t (*v)[RECON_ID_BYTES];
	size_t n, cap, max; /* max: 0 for no limit */
} id_list;

static int
id_list_cb(void *arg, const uint8_t id[RECON_ID_BYTES])
{
	id_list *l = arg;

	if (l->max && l->n == l->max)
		return kn_error_set(KN_ERROR, "", "a range holds more items than its count");
	return diff_push(&l->v, &l->n, &l->cap, id);
}

/* Our ids of [lo, hi) (count of them), as an ids range. */
static int
send_ids(out_list *o, const recon_src *src, const bound *lo, const bound *hi, uint64_t count)
{
	id_list l = { NULL, 0, 0, (size_t)count };
	int rc = count ? src->each(src->ctx, lo, hi, id_list_cb, &l) : 0;

	if (rc == 0 && l.n != count)
		rc = kn_error_set(KN_ERROR, "", "a range holds fewer items than its count");
	if (rc) {
		free(l.v);
		return rc;
	}
	return out_add(o, hi, MODE_IDS, NULL, l.v, l.n);
}

/* Our answer to a range whose fingerprint differs from ours: split it, or send our ids. */
static int
split(out_list *o, const recon_src *src, const bound *lo, const bound *hi, const recon_acc *plo, const recon_acc *phi)
{
	recon_acc whole, accs[RECON_BRANCH];
	bound bounds[RECON_BRANCH - 1];
	size_t n = 0;
	int rc;

	recon_acc_sub(&whole, phi, plo);
	if (whole.count <= RECON_IDS_MAX)
		return send_ids(o, src, lo, hi, whole.count);
	if (o->n + RECON_BRANCH > RECON_RANGES_MAX) {
		/* the message is full: hand the range back whole; the peer splits it next round */
		uint8_t fp[RECON_FP_BYTES];
		recon_acc_fingerprint(fp, &whole);
		return out_add(o, hi, MODE_FP, fp, NULL, 0);
	}
	if ((rc = src->split(src->ctx, lo, hi, plo, phi, bounds, accs, &n)))
		return rc;
	if (n < 2 || n > RECON_BRANCH)
		return kn_error_set(KN_ERROR, "", "a reconciliation source split a range into %zu", n);
	for (size_t p = 0; p < n; p++) {
		uint8_t fp[RECON_FP_BYTES];
		recon_acc_fingerprint(fp, &accs[p]);
		if ((rc = out_add(o, p + 1 == n ? hi : &bounds[p], MODE_FP, fp, NULL, 0)))
			return rc;
	}
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, RECON_ID_BYTES);
}

/* Their ids in [lo, hi) against ours: what we lack, what they lack. */
static int
compare_ids(recon_diff *d, const recon_src *src, const bound *lo, const bound *hi, const msgpack_object *ids)
{
	size_t i = 0, j = 0, m = ids->via.array.size;
	id_list ours = { 0 };
	int rc = 0;

	for (size_t k = 0; k < m; k++) {
		const msgpack_object *e = &ids->via.array.ptr[k];
		if (e->type != MSGPACK_OBJECT_BIN || e->via.bin.size != RECON_ID_BYTES)
			return kn_error_set(KN_EPROTO, "recon", "an id in a reconciliation message is not 32 bytes");
	}
	if ((rc = src->each(src->ctx, lo, hi, id_list_cb, &ours))) {
		free(ours.v);
		return rc;
	}
	/*
	 * Ours are ordered by (ts, id), theirs by the same order but carry only
	 * the id: compare as sets by sorting both by id.
	 */
	uint8_t(*theirs)[RECON_ID_BYTES] = m ? malloc(m * RECON_ID_BYTES) : NULL;
	if (m && theirs == NULL) {
		free(ours.v);
		return kn_error_set(KN_ENOMEM, "", "out of memory for a reconciliation");
	}
	for (size_t k = 0; k < m; k++)
		memcpy(theirs[k], ids->via.array.ptr[k].via.bin.ptr, RECON_ID_BYTES);
	if (m > 1)
		qsort(theirs, m, RECON_ID_BYTES, id_cmp);
	if (ours.n > 1)
		qsort(ours.v, ours.n, RECON_ID_BYTES, id_cmp);
	while (rc == 0 && (i < ours.n || j < m)) {
		int c = i == ours.n ? 1 : j == m ? -1 : memcmp(ours.v[i], theirs[j], RECON_ID_BYTES);
		if (c < 0)
			rc = diff_push(&d->have, &d->nhave, &d->caphave, ours.v[i++]);
		else if (c > 0)
			rc = diff_push(&d->need, &d->nneed, &d->capneed, theirs[j++]);
		else
			i++, j++;
	}
	free(theirs);
	free(ours.v);
	return rc;
}

static int
parse_bound(bound *b, const msgpack_object *o)
{
	if (o->type == MSGPACK_OBJECT_NIL) {
		b->inf = 1;
		return 0;
	}
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
	    o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.array.ptr[1].type != MSGPACK_OBJECT_BIN ||
	    o->via.array.ptr[1].via.bin.size != RECON_ID_BYTES)
		return kn_error_set(KN_EPROTO, "recon", "a range's bound is [ts, 32-byte id] or nil");
	b->inf = 0;
	b->ts = o->via.array.ptr[0].via.u64;
	memcpy(b->id, o->via.array.ptr[1].via.bin.ptr, RECON_ID_BYTES);
	return 0;
}

int
recon_respond_src(kn_buf *out, int *done, recon_diff *diff, const recon_src *src, const uint8_t *msg, size_t len)
{
	msgpack_unpacked up;
	size_t off = 0;
	out_list o = { 0 };
	bound lb = { 0, 0, { 0 } };
	recon_acc plb, pub;
	int rc = 0;

	*done = 0;
	memset(&plb, 0, sizeof(plb));
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, (const char *)msg, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len ||
	    up.data.type != MSGPACK_OBJECT_ARRAY || up.data.via.array.size == 0 ||
	    up.data.via.array.size > RECON_RANGES_MAX) {
		rc = kn_error_set(KN_EPROTO, "recon", "a reconciliation message is an array of 1 to %d ranges", RECON_RANGES_MAX);
		goto out;
	}
	/* the whole message is checked before the source is asked anything */
	for (uint32_t k = 0; rc == 0 && k < up.data.via.array.size; k++) {
		const msgpack_object *r = &up.data.via.array.ptr[k];
		bound ub;
		if (r->type != MSGPACK_OBJECT_ARRAY || r->via.array.size != 3 ||
		    r->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || r->via.array.ptr[1].via.u64 > MODE_IDS) {
			rc = kn_error_set(KN_EPROTO, "recon", "a range is [upper, mode 0..2, payload]");
			break;
		}
		if ((rc = parse_bound(&ub, &r->via.array.ptr[0])))
			break;
		/* consecutive and increasing; only the last one ends at the end of the order */
		if (k > 0 && (lb.inf || recon_bound_cmp(&ub, &lb) <= 0)) {
			rc = kn_error_set(KN_EPROTO, "recon", "ranges must be in increasing order, the last one ending the order");
			break;
		}
		if ((k + 1 == up.data.via.array.size) != (ub.inf != 0)) {
			rc = kn_error_set(KN_EPROTO, "recon", "the last range, and only it, ends at the end of the order");
			break;
		}
		const msgpack_object *payload = &r->via.array.ptr[2];
		uint64_t mode = r->via.array.ptr[1].via.u64;
		if (mode == MODE_FP && (payload->type != MSGPACK_OBJECT_BIN || payload->via.bin.size != RECON_FP_BYTES))
			rc = kn_error_set(KN_EPROTO, "recon", "a fingerprint is 16 bytes");
		else if (mode == MODE_IDS &&
		    (payload->type != MSGPACK_OBJECT_ARRAY || payload->via.array.size > RECON_IDS_MAX * RECON_BRANCH))
			rc = kn_error_set(KN_EPROTO, "recon", "an id list is an array of at most %d ids", RECON_IDS_MAX * RECON_BRANCH);
		lb = ub;
	}
	memset(&lb, 0, sizeof(lb));
	for (uint32_t k = 0; rc == 0 && k < up.data.via.array.size; k++) {
		const msgpack_object *r = &up.data.via.array.ptr[k];
		const msgpack_object *payload = &r->via.array.ptr[2];
		bound ub;
		parse_bound(&ub, &r->via.array.ptr[0]);
		switch (r->via.array.ptr[1].via.u64) {
		case MODE_SKIP:
			rc = out_add(&o, &ub, MODE_SKIP, NULL, NULL, 0);
			break;
		case MODE_FP: {
			uint8_t fp[RECON_FP_BYTES];
			recon_acc range;
			if ((rc = src->prefix(src->ctx, &ub, &pub)))
				break;
			recon_acc_sub(&range, &pub, &plb);
			recon_acc_fingerprint(fp, &range);
			if (memcmp(fp, payload->via.bin.ptr, RECON_FP_BYTES) == 0)
				rc = out_add(&o, &ub, MODE_SKIP, NULL, NULL, 0);
			else
				rc = split(&o, src, &lb, &ub, &plb, &pub);
			plb = pub;
			lb = ub;
			continue;
		}
		default:
			if ((rc = compare_ids(diff, src, &lb, &ub, payload)) == 0)
				rc = out_add(&o, &ub, MODE_SKIP, NULL, NULL, 0);
			break;
		}
		/* the next range's lower bound, and our items before it (asked only when a fingerprint needs it) */
		lb = ub;
		if (rc == 0 && k + 1 < up.data.via.array.size && up.data.via.array.ptr[k + 1].via.array.ptr[1].via.u64 == MODE_FP)
			rc = src->prefix(src->ctx, &lb, &plb);
	}
	if (rc == 0) {
		*done = o.n == 1 && o.r[0].mode == MODE_SKIP;
		rc = out_pack(out, &o);
	}
out:
	out_free(&o);
	msgpack_unpacked_destroy(&up);
	return rc;
}

int
recon_respond(kn_buf *out, int *done, recon_diff *diff, const recon_set *s, const uint8_t *msg, size_t len)
{
	recon_src src;

	*done = 0;
	if (!s->sealed)
		return kn_error_set(KN_EINVAL, "", "recon_set_seal the set before reconciling");
	recon_set_src(&src, s);
	return recon_respond_src(out, done, diff, &src, msg, len);
}
