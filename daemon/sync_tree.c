/*
 * sync_tree.c - a persistent tree of range fingerprints per school, kept
 * by the index hook as records are stored, from which reconciliation
 * (sync/recon.h) answers the fingerprint of any range of the (time, id)
 * order with a few look-ups, never a scan of the school's records.
 *
 * Layout (store idx table; the level is one digit, a node's key ends with
 * its item's ts (be64) and id, so a level's keys are in the items' order):
 *
 *   "rt/<npsn>/0" ts id   -> ""                every item of the school
 *   "rt/<npsn>/<k>"       -> sum (32) count (be64)    level k's head
 *   "rt/<npsn>/<k>" ts id -> sum (32) count (be64)    a node of level k
 *
 * for k = 1..KD_TREE_LEVELS. An item is a node of every level up to its
 * own, lvl(id) = the leading zero nibbles of its id (at most the top
 * level): one item in 16 is a node of level 1, one in 256 of level 2,
 * and so on. A node of level k holds the sum and count of the items from
 * it (included) to the next node of level k (excluded); the head, those
 * before the first node. So the tree is a skip list whose shape depends
 * only on the set, never on the order the items came in: two stores
 * holding the same items hold the same keys and values.
 *
 * Adding an item: its key at level 0, then at each level k the node whose
 * range holds it (a floor look-up) gets its id added; when the item is a
 * node of level k itself, it splits that range: its own sum is read from
 * the level below (about 16 keys, one item in 16^k), the rest stays with
 * the node before. 1 + KD_TREE_LEVELS puts per item.
 *
 * The sum of the items before a point x: the top level's ranges before x,
 * then within the range holding x the next level's ranges before x, and
 * so on down to the items: about 16 keys per level (8 on average), plus
 * the top level's nodes (one per 16^KD_TREE_LEVELS items).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync.h"

#define TREE_PREFIX 13      /* "rt/" npsn "/" level */
#define TREE_KEY (TREE_PREFIX + 8 + 32)
#define TREE_VAL 40
#define SPLIT_CAP 256        /* nodes of one level looked at to split a range */
#define SPLIT_ITEMS_CAP 4096 /* items looked at to split a range without nodes */
#define SPLIT_MIN 7          /* nodes a level must offer inside a range to split there */

int
kd_sync_tree_level(const uint8_t id[32])
{
	int z = 0;

	for (int i = 0; i < 32 && z < KD_TREE_LEVELS; i++) {
		if (id[i] == 0) {
			z += 2;
			continue;
		}
		if (id[i] < 16)
			z++;
		break;
	}
	return z > KD_TREE_LEVELS ? KD_TREE_LEVELS : z;
}

/* The key of b at level k (b NULL: the level's head, which is its prefix). */
static size_t
tkey(uint8_t out[TREE_KEY], const char *npsn, int k, const recon_bound *b)
{
	memcpy(out, "rt/", 3);
	memcpy(out + 3, npsn, 8);
	out[11] = '/';
	out[12] = (uint8_t)('0' + k);
	if (b == NULL)
		return TREE_PREFIX;
	kn_be64_put(out + TREE_PREFIX, b->ts);
	memcpy(out + TREE_PREFIX + 8, b->id, 32);
	return TREE_KEY;
}

static void
key_bound(recon_bound *b, const uint8_t *key)
{
	b->inf = 0;
	b->ts = kn_be64_get(key + TREE_PREFIX);
	memcpy(b->id, key + TREE_PREFIX + 8, 32);
}

static void
acc_get(recon_acc *a, const uint8_t *val, size_t len)
{
	if (len != TREE_VAL) {
		memset(a, 0, sizeof(*a));
		return;
	}
	memcpy(a->sum, val, 32);
	a->count = kn_be64_get(val + 32);
}

static void
acc_put(uint8_t out[TREE_VAL], const recon_acc *a)
{
	memcpy(out, a->sum, 32);
	kn_be64_put(out + 32, a->count);
}

static void
acc_add(recon_acc *a, const recon_acc *b)
{
	uint8_t s[32];

	memcpy(s, a->sum, 32);
	recon_sum_add(s, b->sum);
	memcpy(a->sum, s, 32);
	a->count += b->count;
}

static void
acc_add_id(recon_acc *a, const uint8_t id[32])
{
	recon_sum_add(a->sum, id);
	a->count++;
}

/* ---- adding an item (the index hook, inside the store's batch) ---- */

struct node_sum {
	const uint8_t *first; /* the new node's key at the level below */
	int level;            /* the new node's level (the scan reads level - 1) */
	recon_acc acc;
};

static int
node_sum_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct node_sum *ns = arg;
	recon_acc a;

	if (klen != TREE_KEY)
		return 0;
	/* the next node of the new node's level ends its range */
	if (memcmp(key, ns->first, TREE_KEY) != 0 && kd_sync_tree_level(key + TREE_PREFIX + 8) >= ns->level)
		return 1;
	if (ns->level == 1) {
		acc_add_id(&ns->acc, key + TREE_PREFIX + 8);
	} else {
		acc_get(&a, val, vlen);
		acc_add(&ns->acc, &a);
	}
	return 0;
}

int
kd_sync_tree_add(store_txn *t, const char *npsn, uint64_t ts, const uint8_t id[32])
{
	recon_bound x = { 0, ts, { 0 } };
	uint8_t key[TREE_KEY], pkey[TREE_KEY], below[TREE_KEY], pval[TREE_VAL], val[TREE_VAL];
	const uint8_t *k, *v;
	size_t klen, vlen, plen;
	int lx = kd_sync_tree_level(id), rc;

	memcpy(x.id, id, 32);
	tkey(key, npsn, 0, &x);
	rc = store_idx_get(&v, &vlen, t, key, TREE_KEY);
	if (rc == 0)
		return 0; /* already in the tree: an item counts once */
	if (rc != KN_ENOTFOUND)
		return rc;
	kn_error_clear();
	if ((rc = store_idx_put(t, key, TREE_KEY, "", 0)))
		return rc;
	for (int lv = 1; lv <= KD_TREE_LEVELS; lv++) {
		recon_acc p, own;
		tkey(key, npsn, lv, &x);
		rc = store_idx_floor(&k, &klen, &v, &vlen, t, key, TREE_PREFIX, key, TREE_KEY);
		if (rc == KN_ENOTFOUND) {
			/* the level's first key: its head */
			plen = tkey(pkey, npsn, lv, NULL);
			memset(&p, 0, sizeof(p));
		} else if (rc) {
			return rc;
		} else {
			if (klen != TREE_PREFIX && klen != TREE_KEY)
				return kn_error_set(KN_ERROR, "", "the sync tree of school %s is damaged", npsn);
			memcpy(pkey, k, klen);
			plen = klen;
			acc_get(&p, v, vlen);
		}
		if (lx < lv) {
			acc_add_id(&p, id);
			acc_put(pval, &p);
			if ((rc = store_idx_put(t, pkey, plen, pval, TREE_VAL)))
				return rc;
			continue;
		}
		/* a new node of this level: its range is taken from the range that held it */
		struct node_sum ns = { below, lv, { { 0 }, 0 } };
		tkey(below, npsn, lv - 1, &x);
		if ((rc = store_idx_scan_from(t, below, TREE_PREFIX, below, TREE_KEY, node_sum_cb, &ns)))
			return rc;
		own = ns.acc;
		/* p loses what moved to the new node, except the new item, which it never held */
		memset(&ns.acc, 0, sizeof(ns.acc));
		acc_add_id(&ns.acc, id);
		recon_acc moved;
		recon_acc_sub(&moved, &own, &ns.acc);
		recon_acc_sub(&p, &p, &moved);
		acc_put(pval, &p);
		acc_put(val, &own);
		if ((rc = store_idx_put(t, pkey, plen, pval, TREE_VAL)) || (rc = store_idx_put(t, key, TREE_KEY, val, TREE_VAL)))
			return rc;
	}
	return 0;
}

/* ---- reading: the reconciliation's source ---- */

static int
cmp_key(const uint8_t *key, size_t klen, const recon_bound *b)
{
	recon_bound kb;

	if (klen == TREE_PREFIX)
		return -1; /* a head is before every item */
	key_bound(&kb, key);
	return recon_bound_cmp(&kb, b);
}

struct pre_scan {
	kd_tree_src *src;
	const recon_bound *x;
	int have;
	recon_bound cur;      /* inf: the head */
	recon_acc curval, acc;
};

static void
cur_from_key(recon_bound *b, const uint8_t *key, size_t klen)
{
	if (klen == TREE_PREFIX) {
		memset(b, 0, sizeof(*b));
		b->inf = 1;
	} else {
		key_bound(b, key);
	}
}

/* One level: ranges wholly before x are summed; cur is the node whose range holds x. */
static int
pre_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct pre_scan *ps = arg;

	ps->src->reads++;
	if ((klen != TREE_PREFIX && klen != TREE_KEY) || cmp_key(key, klen, ps->x) > 0)
		return 1;
	if (ps->have)
		acc_add(&ps->acc, &ps->curval);
	ps->have = 1;
	cur_from_key(&ps->cur, key, klen);
	acc_get(&ps->curval, val, vlen);
	return 0;
}

/* Level 0: the items before x. */
static int
pre0_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct pre_scan *ps = arg;
	(void)val;
	(void)vlen;

	ps->src->reads++;
	if (klen != TREE_KEY || cmp_key(key, klen, ps->x) >= 0)
		return 1;
	acc_add_id(&ps->acc, key + TREE_PREFIX + 8);
	return 0;
}

static int
sum_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct pre_scan *ps = arg;
	recon_acc a;
	(void)key;
	(void)klen;

	ps->src->reads++;
	acc_get(&a, val, vlen);
	acc_add(&ps->acc, &a);
	return 0;
}

static size_t
cur_key(uint8_t out[TREE_KEY], const char *npsn, int lv, const recon_bound *cur)
{
	return tkey(out, npsn, lv, cur->inf ? NULL : cur);
}

static int
bound_eq(const recon_bound *a, const recon_bound *b)
{
	return a->inf == b->inf && (a->inf || recon_bound_cmp(a, b) == 0);
}

/*
 * The sum of the items before x: down the levels, each from the node that
 * holds x one level up; or, when x is not before the last point asked
 * (the finger), from where that descent was at each level where it still
 * holds x, so a message's ranges, asked in order, cost a few keys each.
 */
static int
tree_prefix(void *ctx, const recon_bound *x, recon_acc *out)
{
	kd_tree_src *src = ctx;
	struct pre_scan ps;
	uint8_t start[TREE_KEY];
	size_t slen;
	int rc, same = 0;
	int usef = src->f.valid && recon_bound_cmp(x, &src->f.x) >= 0;

	memset(&ps, 0, sizeof(ps));
	ps.src = src;
	ps.x = x;
	src->prefixes++;
	if (x->inf) {
		/* everything: the top level's head and nodes */
		slen = tkey(start, src->npsn, KD_TREE_LEVELS, NULL);
		src->reads++;
		rc = store_idx_scan_from(src->t, start, TREE_PREFIX, start, slen, sum_cb, &ps);
		*out = ps.acc;
		return rc;
	}
	src->f.valid = 0;
	ps.cur.inf = 1;
	for (int lv = KD_TREE_LEVELS; lv >= 1; lv--) {
		if (usef && (lv == KD_TREE_LEVELS || same)) {
			/* the finger's node at this level still comes before x: walk on from it */
			ps.acc = src->f.before[lv];
			ps.have = 0;
			slen = cur_key(start, src->npsn, lv, &src->f.cur[lv]);
			src->reads++;
			if ((rc = store_idx_scan_from(src->t, start, TREE_PREFIX, start, slen, pre_cb, &ps)))
				return rc;
			if (!ps.have) {
				memset(out, 0, sizeof(*out));
				return 0;
			}
			same = bound_eq(&ps.cur, &src->f.cur[lv]);
		} else {
			/* from the node holding x one level up (a node here too), or the head */
			slen = cur_key(start, src->npsn, lv, &ps.cur);
			memset(&ps.curval, 0, sizeof(ps.curval));
			ps.have = 0;
			src->reads++;
			if ((rc = store_idx_scan_from(src->t, start, TREE_PREFIX, start, slen, pre_cb, &ps)))
				return rc;
			if (!ps.have) {
				/* an empty tree */
				memset(out, 0, sizeof(*out));
				return 0;
			}
			same = 0;
		}
		src->f.cur[lv] = ps.cur;
		src->f.before[lv] = ps.acc;
	}
	if (usef && same) {
		/* the items from the finger's point on */
		ps.acc = src->f.before[0];
		slen = tkey(start, src->npsn, 0, &src->f.x);
	} else {
		slen = cur_key(start, src->npsn, 0, &ps.cur);
	}
	src->reads++;
	rc = store_idx_scan_from(src->t, start, TREE_PREFIX, start, slen, pre0_cb, &ps);
	if (rc)
		return rc;
	src->f.before[0] = ps.acc;
	src->f.x = *x;
	src->f.valid = 1;
	*out = ps.acc;
	return 0;
}

struct node_list {
	kd_tree_src *src;
	const recon_bound *after, *hi;
	size_t n, cap;
	recon_bound *b;
	recon_acc *a;     /* each node's range sum (level 0: the item alone) */
	int items;        /* level 0 */
};

static int
list_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct node_list *nl = arg;
	recon_bound b;

	nl->src->reads++;
	if (klen != TREE_KEY)
		return 0;
	key_bound(&b, key);
	if (recon_bound_cmp(&b, nl->hi) >= 0 || nl->n == nl->cap)
		return 1;
	if (nl->after && recon_bound_cmp(&b, nl->after) <= 0)
		return 0;
	nl->b[nl->n] = b;
	if (nl->items) {
		memset(&nl->a[nl->n], 0, sizeof(recon_acc));
		acc_add_id(&nl->a[nl->n], b.id);
	} else {
		acc_get(&nl->a[nl->n], val, vlen);
	}
	nl->n++;
	return 0;
}

static int
first_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct node_list *nl = arg;
	(void)val;
	(void)vlen;

	nl->src->reads++;
	if (klen != TREE_KEY)
		return 0;
	key_bound(&nl->b[0], key);
	nl->n = 1;
	return 1;
}

/*
 * Cut [lo, hi) at nodes of the highest level that offers enough of them
 * inside (after its first item, so every part is smaller than the whole),
 * or, within one range of level 1, at items.
 */
static int
tree_split(void *ctx, const recon_bound *lo, const recon_bound *hi, const recon_acc *plo, const recon_acc *phi,
    recon_bound bounds[RECON_BRANCH - 1], recon_acc accs[RECON_BRANCH], size_t *n)
{
	kd_tree_src *src = ctx;
	recon_acc whole, first, rest;
	recon_bound f;
	uint8_t start[TREE_KEY];
	struct node_list nl;
	size_t idx[RECON_BRANCH], q;
	int rc, lv;

	recon_acc_sub(&whole, phi, plo);
	memset(&nl, 0, sizeof(nl));
	nl.src = src;
	nl.hi = hi;
	nl.cap = SPLIT_ITEMS_CAP;
	nl.b = malloc(nl.cap * sizeof(*nl.b));
	nl.a = malloc(nl.cap * sizeof(*nl.a));
	if (nl.b == NULL || nl.a == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory for a reconciliation");
		goto out;
	}
	/* the range's first item */
	tkey(start, src->npsn, 0, lo);
	src->reads++;
	if ((rc = store_idx_scan_from(src->t, start, TREE_PREFIX, start, TREE_KEY, first_cb, &nl)))
		goto out;
	if (nl.n == 0) {
		rc = kn_error_set(KN_ERROR, "", "the sync tree of school %s holds no item where its sums say", src->npsn);
		goto out;
	}
	f = nl.b[0];
	nl.after = &f;
	for (lv = KD_TREE_LEVELS; lv >= 0; lv--) {
		nl.n = 0;
		nl.items = lv == 0;
		nl.cap = lv == 0 ? SPLIT_ITEMS_CAP : SPLIT_CAP;
		tkey(start, src->npsn, lv, lo);
		src->reads++;
		if ((rc = store_idx_scan_from(src->t, start, TREE_PREFIX, start, TREE_KEY, list_cb, &nl)))
			goto out;
		if (nl.n >= SPLIT_MIN || (lv == 1 && nl.n >= 1) || (lv == 0 && nl.n >= 1))
			break;
	}
	if (nl.n == 0) {
		rc = kn_error_set(KN_ERROR, "", "the sync tree of school %s holds one item where its sums say more", src->npsn);
		goto out;
	}
	q = nl.n < RECON_BRANCH - 1 ? nl.n : RECON_BRANCH - 1;
	for (size_t p = 1; p <= q; p++)
		idx[p] = nl.n * p / (q + 1);
	/* the first part: what lies before the first cut, from the sums before it */
	if ((rc = tree_prefix(src, &nl.b[idx[1]], &first)))
		goto out;
	recon_acc_sub(&accs[0], &first, plo);
	recon_acc_sub(&rest, &whole, &accs[0]);
	for (size_t p = 1; p <= q; p++) {
		bounds[p - 1] = nl.b[idx[p]];
		if (p == q)
			break;
		memset(&accs[p], 0, sizeof(accs[p]));
		for (size_t i = idx[p]; i < idx[p + 1]; i++)
			acc_add(&accs[p], &nl.a[i]);
		recon_acc_sub(&rest, &rest, &accs[p]);
	}
	/* the last part: the rest (it runs past the nodes looked at when a level had more than SPLIT_CAP) */
	accs[q] = rest;
	*n = q + 1;
	rc = 0;
out:
	free(nl.b);
	free(nl.a);
	return rc;
}

struct each_scan {
	kd_tree_src *src;
	const recon_bound *hi;
	recon_id_cb cb;
	void *arg;
	int rc;
};

static int
each_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct each_scan *es = arg;
	(void)val;
	(void)vlen;

	es->src->reads++;
	if (klen != TREE_KEY || cmp_key(key, klen, es->hi) >= 0)
		return 1;
	if ((es->rc = es->cb(es->arg, key + TREE_PREFIX + 8)))
		return -1;
	return 0;
}

static int
tree_each(void *ctx, const recon_bound *lo, const recon_bound *hi, recon_id_cb cb, void *arg)
{
	kd_tree_src *src = ctx;
	struct each_scan es = { src, hi, cb, arg, 0 };
	uint8_t start[TREE_KEY];
	int rc;

	tkey(start, src->npsn, 0, lo);
	src->reads++;
	rc = store_idx_scan_from(src->t, start, TREE_PREFIX, start, TREE_KEY, each_cb, &es);
	return es.rc ? es.rc : rc;
}

void
kd_sync_tree_src(recon_src *out, kd_tree_src *src)
{
	out->prefix = tree_prefix;
	out->split = tree_split;
	out->each = tree_each;
	out->ctx = src;
}

/* ---- a store written before the tree: built once at start ---- */

typedef struct {
	char npsn[9];
	uint64_t ts;
	uint8_t id[32];
} feed_item;

struct feed_all {
	feed_item *v;
	size_t n, cap;
	int rc;
};

static int
feed_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct feed_all *fa = arg;

	if (klen != 19 || vlen != KD_SYNC_FEED_VALUE)
		return 0;
	if (fa->n == fa->cap) {
		size_t c = fa->cap ? 2 * fa->cap : 1024;
		feed_item *v = realloc(fa->v, c * sizeof(*v));
		if (v == NULL) {
			fa->rc = kn_error_set(KN_ENOMEM, "", "out of memory building the sync tree");
			return -1;
		}
		fa->v = v;
		fa->cap = c;
	}
	memcpy(fa->v[fa->n].npsn, key + 2, 8);
	fa->v[fa->n].npsn[8] = '\0';
	memcpy(fa->v[fa->n].id, val, 32);
	fa->v[fa->n].ts = kn_be64_get(val + 32);
	fa->n++;
	return 0;
}

int
kd_sync_tree_backfill(kd_server *srv)
{
	kn_buf mark = KN_BUF_INIT;
	struct feed_all fa = { 0 };
	store_batch *b;
	store_txn *t;
	int rc = store_meta_get(&mark, srv->st, "sync/tree");

	kn_buf_free(&mark);
	if (rc == 0)
		return 0;
	if (rc != KN_ENOTFOUND)
		return rc;
	if ((rc = store_batch_begin(&b, srv->st)))
		return rc;
	t = store_batch_txn(b);
	/* every school's feed, read whole before the tree's keys are written */
	rc = store_idx_scan(t, "f/", 2, feed_cb, &fa);
	if (rc == 0 && fa.rc)
		rc = fa.rc;
	for (size_t i = 0; rc == 0 && i < fa.n; i++)
		rc = kd_sync_tree_add(t, fa.v[i].npsn, fa.v[i].ts, fa.v[i].id);
	if (rc == 0)
		rc = store_batch_meta_put(b, "sync/tree", "1", 1);
	free(fa.v);
	if (rc) {
		store_batch_abort(b);
		return rc;
	}
	if ((rc = store_batch_commit(b)))
		return rc;
	if (fa.n)
		kn_info("sync: built the reconciliation tree over the %zu records stored before it existed", fa.n);
	return 0;
}
