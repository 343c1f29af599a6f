/*
 * sync_index.c - what sync keeps up to date as records are stored (sync.h
 * lists the keys): for every school a change feed of its records with
 * where each came from, and the running sum and count of their ids, whose
 * fingerprint two stores compare without scanning; and at an office the
 * registrations of the schools its hub serves, by device key.
 *
 * The same keys on both sides: a school's store holds one school's feed,
 * a hub's one per school it serves (and one of its own office).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/domain.h"
#include "sync.h"

/* "f/<npsn>/" + n: 19 bytes */
static size_t
feed_key(uint8_t out[19], const char *npsn, uint64_t n)
{
	memcpy(out, "f/", 2);
	memcpy(out + 2, npsn, 8);
	out[10] = '/';
	kn_be64_put(out + 11, n);
	return 19;
}

static int
is_type(const record_view *v, const char *type)
{
	size_t n = strlen(type);
	return v->type_len == n && memcmp(v->type, type, n) == 0;
}

/* A registration: "rg/<device hex>/<npsn>" and "rn/<npsn>". */
static int
index_registration(store_txn *t, const record_view *v)
{
	domain_registration reg;
	char key[128], hex[65];
	int rc;

	if ((rc = domain_registration_body_parse(&reg, v->body)))
		return rc;
	snprintf(key, sizeof(key), "rg/%s/%.8s", kn_hex(hex, reg.device, 32), v->subject);
	if ((rc = store_idx_put(t, key, strlen(key), "", 0)))
		return rc;
	/* who registered it: a parent hub holds its children's registrations too (sync_parent.c walks them up) */
	snprintf(key, sizeof(key), "ro/%.8s/%.8s", v->subject, v->school);
	if ((rc = store_idx_put(t, key, strlen(key), "", 0)))
		return rc;
	snprintf(key, sizeof(key), "rn/%.8s", v->subject);
	return store_idx_put(t, key, strlen(key), "", 0);
}

int
kd_sync_index(void *ctx, store_txn *t, const record_view *v)
{
	kd_server *srv = ctx;
	char npsn[9], ckey[16];
	uint8_t fkey[19], val[KD_SYNC_FEED_VALUE], fp[40];
	const uint8_t *got;
	size_t len;
	uint64_t n = 0;
	int rc;

	memcpy(npsn, v->school, 8);
	npsn[8] = '\0';
	/* the feed: next position of this school */
	snprintf(ckey, sizeof(ckey), "fc/%s", npsn);
	rc = store_idx_get(&got, &len, t, ckey, strlen(ckey));
	if (rc == 0 && len == 8)
		n = kn_be64_get(got);
	else if (rc == 0 || rc != KN_ENOTFOUND)
		return rc ? rc : kn_error_set(KN_ERROR, "", "index entry %s is damaged", ckey);
	n++;
	memcpy(val, v->id, 32);
	kn_be64_put(val + 32, v->hlc);
	val[40] = srv ? (uint8_t)srv->sync_origin : 0; /* 0 made here, 1 from a peer below, 2 from the parent hub */
	if ((rc = store_idx_put(t, fkey, feed_key(fkey, npsn, n), val, sizeof(val))))
		return rc;
	kn_be64_put(fp, n);
	if ((rc = store_idx_put(t, ckey, strlen(ckey), fp, 8)))
		return rc;
	/* the last position a peer below may want: what did not come from it (made here, or from the parent) */
	if (val[40] != 1) {
		snprintf(ckey, sizeof(ckey), "fo/%s", npsn);
		if ((rc = store_idx_put(t, ckey, strlen(ckey), fp, 8)))
			return rc;
	}
	/* the running sum and count */
	snprintf(ckey, sizeof(ckey), "fp/%s", npsn);
	rc = store_idx_get(&got, &len, t, ckey, strlen(ckey));
	if (rc == 0 && len == 40)
		memcpy(fp, got, 40);
	else if (rc == KN_ENOTFOUND)
		memset(fp, 0, sizeof(fp));
	else
		return rc ? rc : kn_error_set(KN_ERROR, "", "index entry %s is damaged", ckey);
	recon_sum_add(fp, v->id);
	kn_be64_put(fp + 32, kn_be64_get(fp + 32) + 1);
	if ((rc = store_idx_put(t, ckey, strlen(ckey), fp, sizeof(fp))))
		return rc;
	/* the tree of range sums the reconciliation reads */
	if ((rc = kd_sync_tree_add(t, npsn, v->hlc, v->id)))
		return rc;
	kn_error_clear();
	if (is_type(v, "registration"))
		return index_registration(t, v);
	return 0;
}

struct backfill {
	store_txn *t;
	kd_server *srv;
	size_t n;
	int rc;
};

static int
backfill_cb(void *arg, uint64_t seq, const uint8_t id[RECORD_ID_BYTES])
{
	struct backfill *bf = arg;
	const uint8_t *rec;
	size_t len;
	record_view v;
	(void)seq;

	if ((bf->rc = store_txn_get(&rec, &len, bf->t, id)) || (bf->rc = record_open(&v, rec, len, id)))
		return -1;
	bf->rc = kd_sync_index(bf->srv, bf->t, &v);
	record_view_free(&v);
	bf->n++;
	return bf->rc ? -1 : 0;
}

static int
index_backfill(kd_server *srv)
{
	kn_buf mark = KN_BUF_INIT;
	struct backfill bf = { 0 };
	store_batch *b;
	int rc = store_meta_get(&mark, srv->st, "sync/index");

	kn_buf_free(&mark);
	if (rc == 0)
		return 0;
	if (rc != KN_ENOTFOUND)
		return rc;
	if ((rc = store_batch_begin(&b, srv->st)))
		return rc;
	bf.t = store_batch_txn(b);
	bf.srv = srv;
	rc = store_log_scan(bf.t, 0, backfill_cb, &bf);
	if (rc == 0 && bf.rc)
		rc = bf.rc;
	if (rc == 0)
		rc = store_batch_meta_put(b, "sync/index", "1", 1);
	if (rc) {
		store_batch_abort(b);
		return rc;
	}
	if ((rc = store_batch_commit(b)))
		return rc;
	if (bf.n)
		kn_info("sync: indexed the %zu records stored before the sync index existed", bf.n);
	return 0;
}

int
kd_sync_index_backfill(kd_server *srv)
{
	int rc = index_backfill(srv);

	return rc ? rc : kd_sync_tree_backfill(srv);
}

int
kd_sync_state_get(kd_sync_state *out, store_txn *t, const char *npsn)
{
	char key[16];
	const uint8_t *got;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(key, sizeof(key), "fc/%s", npsn);
	rc = store_idx_get(&got, &len, t, key, strlen(key));
	if (rc == 0 && len == 8)
		out->feed = kn_be64_get(got);
	else if (rc != KN_ENOTFOUND)
		return rc ? rc : kn_error_set(KN_ERROR, "", "index entry %s is damaged", key);
	snprintf(key, sizeof(key), "fo/%s", npsn);
	rc = store_idx_get(&got, &len, t, key, strlen(key));
	if (rc == 0 && len == 8)
		out->feed_out = kn_be64_get(got);
	else if (rc != KN_ENOTFOUND)
		return rc ? rc : kn_error_set(KN_ERROR, "", "index entry %s is damaged", key);
	snprintf(key, sizeof(key), "fp/%s", npsn);
	rc = store_idx_get(&got, &len, t, key, strlen(key));
	if (rc == 0 && len == 40) {
		memcpy(out->sum, got, 32);
		out->count = kn_be64_get(got + 32);
	} else if (rc != KN_ENOTFOUND) {
		return rc ? rc : kn_error_set(KN_ERROR, "", "index entry %s is damaged", key);
	}
	kn_error_clear();
	recon_fingerprint_of(out->fp, out->sum, out->count);
	return 0;
}

int
kd_sync_feed_get(kd_feed_entry *out, store_txn *t, const char *npsn, uint64_t n)
{
	uint8_t key[19];
	const uint8_t *got;
	size_t len;
	int rc = store_idx_get(&got, &len, t, key, feed_key(key, npsn, n));

	if (rc)
		return rc;
	if (len != KD_SYNC_FEED_VALUE)
		return kn_error_set(KN_ERROR, "", "the sync feed of school %s is damaged at %llu", npsn, (unsigned long long)n);
	memcpy(out->id, got, 32);
	out->hlc = kn_be64_get(got + 32);
	out->origin = got[40];
	return 0;
}

int
kd_sync_registration_get(domain_registration *out, uint8_t id[32], store_txn *t, const char *office, const char *npsn)
{
	char doc[RECORD_DOC_KEY_MAX];
	record_view v;
	int rc;

	snprintf(doc, sizeof(doc), "registration/%s/%s", office, npsn);
	if ((rc = kd_doc_head(&v, t, doc)))
		return rc;
	rc = domain_registration_body_parse(out, v.body);
	if (id)
		memcpy(id, v.id, 32);
	record_view_free(&v);
	return rc;
}

struct device_scan {
	store_txn *t;
	const char *office, *except;
	const uint8_t *device;
	char found[9];
	int rc;
};

static int
device_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct device_scan *ds = arg;
	domain_registration reg;
	char npsn[9];
	(void)val;
	(void)vlen;

	if (klen != 3 + 64 + 1 + 8)
		return 0;
	memcpy(npsn, key + klen - 8, 8);
	npsn[8] = '\0';
	if (ds->except && strcmp(npsn, ds->except) == 0)
		return 0;
	ds->rc = kd_sync_registration_get(&reg, NULL, ds->t, ds->office, npsn);
	if (ds->rc == KN_ENOTFOUND) {
		ds->rc = 0;
		return 0;
	}
	if (ds->rc)
		return -1;
	if (!reg.revoked && memcmp(reg.device, ds->device, 32) == 0) {
		memcpy(ds->found, npsn, 9);
		return 1;
	}
	return 0;
}

int
kd_sync_device_school(char npsn[9], store_txn *t, const char *office, const uint8_t device[32], const char *except)
{
	struct device_scan ds = { t, office, except, device, "", 0 };
	char prefix[72], hex[65];
	int rc;

	snprintf(prefix, sizeof(prefix), "rg/%s/", kn_hex(hex, device, 32));
	rc = store_idx_scan(t, prefix, strlen(prefix), device_cb, &ds);
	if (rc == 0)
		rc = ds.rc;
	if (rc)
		return rc;
	if (!ds.found[0])
		return kn_error_set(KN_ENOTFOUND, "device", "this device key is registered for no school here");
	memcpy(npsn, ds.found, 9);
	return 0;
}

struct each_scan {
	int (*cb)(void *arg, const char *npsn);
	void *arg;
};

static int
each_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct each_scan *es = arg;
	char npsn[9];
	(void)val;
	(void)vlen;

	if (klen != 11)
		return 0;
	memcpy(npsn, key + 3, 8);
	npsn[8] = '\0';
	return es->cb(es->arg, npsn);
}

int
kd_sync_registered_each(store_txn *t, int (*cb)(void *arg, const char *npsn), void *arg)
{
	struct each_scan es = { cb, arg };

	return store_idx_scan(t, "rn/", 3, each_cb, &es);
}

static int
school_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	char *npsn = arg;
	(void)val;
	(void)vlen;

	if (klen != 10)
		return 0;
	memcpy(npsn, key + 2, 8);
	npsn[8] = '\0';
	return 1;
}

int
kd_sync_store_school(char npsn[9], store_txn *t)
{
	int rc;

	npsn[0] = '\0';
	if ((rc = store_idx_scan(t, "s/", 2, school_cb, npsn)))
		return rc;
	if (!npsn[0])
		return kn_error_set(KN_ENOTFOUND, "npsn", "no school is set up here yet");
	return 0;
}

struct office_scan {
	char npsn[9];
	char own[9];   /* meta "office" ("" in a store made before it): a parent hub holds its children's office records too */
};

static int
office_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct office_scan *os = arg;

	if (klen != 10 || vlen != 1 || val[0] != 'd')
		return 0;
	if (os->own[0] && memcmp(key + 2, os->own, 8) != 0)
		return 0;
	memcpy(os->npsn, key + 2, 8);
	os->npsn[8] = '\0';
	return 1;
}

int
kd_sync_store_office(char npsn[9], store *st, store_txn *t)
{
	struct office_scan os = { "", "" };
	int rc;

	kd_own_office(os.own, st);
	npsn[0] = '\0';
	if ((rc = store_idx_scan(t, "s/", 2, office_cb, &os)))
		return rc;
	memcpy(npsn, os.npsn, 9);
	if (!npsn[0])
		return kn_error_set(KN_ENOTFOUND, "npsn", "this office is not set up yet (kinerja dinas init)");
	return 0;
}

int
kd_sync_is_registered(store_txn *t, const char *npsn)
{
	char key[16];
	const uint8_t *v;
	size_t len;
	int rc;

	snprintf(key, sizeof(key), "rn/%s", npsn);
	rc = store_idx_get(&v, &len, t, key, strlen(key));
	kn_error_clear();
	return rc == 0;
}
