/*
 * rules.c - the store hooks of the school daemon: every record, whether
 * made here or (later) received from the hub, passes the domain rules
 * before it is stored, and is indexed after.
 *
 * Index keys (store idx table):
 *   "s/<npsn>"             -> ""          a school held by this store
 *   "u/<npsn>/<pkhex>"     -> ""          a person enrolled in the school
 *   "id/<npsn>/<nip|nuptk>" -> pk (32 B)  login identifier of that person
 *   "ev/<npsn>/<pkhex>.<period>" -> ""    evidence of a person and period
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/domain.h"
#include "server.h"

struct head_ctx {
	store_txn *t;
	record_view best;
	int have;
	int rc;
};

/* Keep the head with the highest hlc (ties: the larger id). */
static int
head_cb(void *arg, const uint8_t id[RECORD_ID_BYTES])
{
	struct head_ctx *h = arg;
	const uint8_t *rec;
	size_t len;
	record_view v;

	int rc = store_txn_get(&rec, &len, h->t, id);
	if (rc)
		return rc;
	rc = record_open(&v, rec, len, id);
	if (rc)
		return rc; /* a stored record that no longer verifies: report, never trust */
	if (!h->have || v.hlc > h->best.hlc ||
	    (v.hlc == h->best.hlc && memcmp(v.id, h->best.id, RECORD_ID_BYTES) > 0)) {
		if (h->have)
			record_view_free(&h->best);
		h->best = v;
		h->have = 1;
	} else {
		record_view_free(&v);
	}
	return 0;
}

/* Open the current head of a document; KN_ENOTFOUND when it has none. */
int
kd_doc_head(record_view *out, store_txn *t, const char *doc)
{
	struct head_ctx h = { .t = t };
	int rc = store_heads(t, doc, strlen(doc), head_cb, &h);

	if (rc) {
		if (h.have)
			record_view_free(&h.best);
		return rc;
	}
	if (!h.have)
		return KN_ENOTFOUND;
	*out = h.best;
	return 0;
}

static int
history_cb(void *arg, const uint8_t id[RECORD_ID_BYTES])
{
	kd_history *h = arg;
	const uint8_t *rec;
	size_t len;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		record_view *nv = realloc(h->v, cap * sizeof(*nv));
		if (nv == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory");
		h->v = nv;
		h->cap = cap;
	}
	int rc = store_txn_get(&rec, &len, h->t, id);
	if (rc == 0)
		rc = record_open(&h->v[h->n], rec, len, id);
	if (rc == 0)
		h->n++;
	return rc;
}

static int
by_hlc(const void *a, const void *b)
{
	const record_view *x = a, *y = b;
	if (x->hlc != y->hlc)
		return x->hlc < y->hlc ? -1 : 1;
	return memcmp(x->id, y->id, RECORD_ID_BYTES);
}

int
kd_history_load(kd_history *h, store_txn *t, const char *doc)
{
	h->t = t;
	int rc = store_doc_records(t, doc, strlen(doc), history_cb, h);
	/* qsort with a NULL base is undefined even for zero elements */
	if (rc == 0 && h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), by_hlc);
	return rc;
}

void
kd_history_free(kd_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		record_view_free(&h->v[i]);
	free(h->v);
}

int
kd_user_lookup(domain_user *out, store_txn *t, const char *school, const uint8_t pk[32])
{
	char doc[RECORD_DOC_KEY_MAX], hex[65];
	record_view v;

	snprintf(doc, sizeof(doc), "user/%s/%s", school, kn_hex(hex, pk, 32));
	int rc = kd_doc_head(&v, t, doc);
	if (rc)
		return rc;
	rc = domain_user_parse(out, v.body);
	record_view_free(&v);
	return rc;
}

int
kd_school_lookup(domain_school *out, store_txn *t, const char *school)
{
	char doc[RECORD_DOC_KEY_MAX];
	record_view v;

	snprintf(doc, sizeof(doc), "school/%s/%s", school, school);
	int rc = kd_doc_head(&v, t, doc);
	if (rc)
		return rc;
	rc = domain_school_parse(out, v.body);
	record_view_free(&v);
	return rc;
}

int
kd_ident_lookup(uint8_t pk[32], store_txn *t, const char *school, const char *ident)
{
	char key[64];
	const uint8_t *val;
	size_t len;

	snprintf(key, sizeof(key), "id/%s/%s", school, ident);
	int rc = store_idx_get(&val, &len, t, key, strlen(key));
	if (rc)
		return rc;
	if (len != 32)
		return kn_error_set(KN_ERROR, "", "index entry %s is damaged", key);
	memcpy(pk, val, 32);
	return 0;
}

static int
count_cb(void *arg, const uint8_t id[RECORD_ID_BYTES])
{
	(void)id;
	(*(size_t *)arg)++;
	return 0;
}

struct parent_ctx {
	const uint8_t *want;
	int found;
};

static int
parent_cb(void *arg, const uint8_t id[RECORD_ID_BYTES])
{
	struct parent_ctx *p = arg;
	if (memcmp(id, p->want, RECORD_ID_BYTES) == 0) {
		p->found = 1;
		return 1;
	}
	return 0;
}

/*
 * A record starts a document (no parents, and the document must be new) or
 * replaces records of the same document that are stored already.
 */
static int
check_lineage(store_txn *t, const record_view *v, const char *what)
{
	char doc[RECORD_DOC_KEY_MAX];
	size_t dlen = record_doc_key(doc, v), n = 0;
	int rc;

	if (record_nparents(v) == 0) {
		rc = store_doc_records(t, doc, dlen, count_cb, &n);
		if (rc)
			return rc;
		if (n)
			return kn_error_set(KN_EEXISTS, "", "%s exists already; a change must name the record it replaces", what);
		return 0;
	}
	for (size_t i = 0; i < record_nparents(v); i++) {
		struct parent_ctx p = { record_parent(v, i), 0 };
		rc = store_doc_records(t, doc, dlen, parent_cb, &p);
		if (rc)
			return rc;
		if (!p.found)
			return kn_error_set(KN_ESTATE, "parents", "%s: the record it replaces is not here (or is of another document)", what);
	}
	return 0;
}

struct school_scan {
	char npsn[9];
};

static int
school_scan_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct school_scan *s = arg;
	(void)val;
	(void)vlen;
	if (klen == 10) {
		memcpy(s->npsn, key + 2, 8);
		s->npsn[8] = '\0';
		return 1;
	}
	return 0;
}

static int
check_school(kd_server *srv, store_txn *t, const record_view *v)
{
	domain_school sc;
	int rc;

	(void)srv;
	rc = domain_school_parse(&sc, v->body);
	if (rc)
		return rc;
	if (v->subject_len != 8 || memcmp(v->subject, v->school, 8) != 0)
		return kn_error_set(KN_EBADREC, "subject", "a school record's subject must be its NPSN");
	/* A school daemon holds one school. */
	struct school_scan ss = { "" };
	rc = store_idx_scan(t, "s/", 2, school_scan_cb, &ss);
	if (rc)
		return rc;
	if (ss.npsn[0] && memcmp(ss.npsn, v->school, 8) != 0)
		return kn_error_set(KN_EDENIED, "npsn", "this store belongs to school %s, not %.8s", ss.npsn, v->school);
	rc = check_lineage(t, v, "the school");
	if (rc)
		return rc;
	if (record_nparents(v) == 0) {
		if (memcmp(v->author, sc.operator_pk, 32) != 0)
			return kn_error_set(KN_EDENIED, "operator", "a new school record must be signed by the operator it names");
		return 0;
	}
	domain_user au;
	char npsn[9];
	memcpy(npsn, v->school, 8);
	npsn[8] = '\0';
	rc = kd_user_lookup(&au, t, npsn, v->author);
	return domain_school_may_edit(rc == 0 ? &au : NULL);
}

static int
check_user(kd_server *srv, store_txn *t, const record_view *v)
{
	domain_user u, au;
	domain_school sc;
	uint8_t subject_pk[32];
	char npsn[9];
	int rc;

	(void)srv;
	memcpy(npsn, v->school, 8);
	npsn[8] = '\0';
	char canon[65];
	if (kn_unhex(subject_pk, 32, v->subject, v->subject_len) != 0 ||
	    memcmp(kn_hex(canon, subject_pk, 32), v->subject, 64) != 0)
		return kn_error_set(KN_EBADREC, "subject", "a user record's subject must be the person's public key in lower-case hex");
	rc = domain_user_parse(&u, v->body);
	if (rc)
		return rc;
	rc = kd_school_lookup(&sc, t, npsn);
	if (rc && rc != KN_ENOTFOUND)
		return rc;
	int have_school = rc == 0;
	rc = kd_user_lookup(&au, t, npsn, v->author);
	if (rc && rc != KN_ENOTFOUND)
		return rc;
	rc = domain_user_may_write(rc == 0 ? &au : NULL, v->author, have_school ? &sc : NULL, &u, subject_pk);
	if (rc)
		return rc;
	rc = check_lineage(t, v, "this person's enrollment");
	if (rc == KN_EEXISTS)
		return kn_error_set(KN_EEXISTS, "user", "this person is enrolled already");
	if (rc)
		return rc;
	/* NIP and NUPTK identify one person in a school. */
	const char *idents[2] = { u.nip, u.nuptk };
	const char *fields[2] = { "nip", "nuptk" };
	for (int i = 0; i < 2; i++) {
		uint8_t other[32];
		domain_user ou;
		if (!idents[i][0])
			continue;
		rc = kd_ident_lookup(other, t, npsn, idents[i]);
		if (rc == KN_ENOTFOUND)
			continue;
		if (rc)
			return rc;
		if (memcmp(other, subject_pk, 32) != 0) {
			const char *who = kd_user_lookup(&ou, t, npsn, other) == 0 ? ou.name : "someone else";
			return kn_error_set(KN_EEXISTS, fields[i], "%s %s is already enrolled in this school as %s",
			    i == 0 ? "NIP" : "NUPTK", idents[i], who);
		}
	}
	return 0;
}

/* subject "<pkhex>.<period>" of an evidence record */
static int
evidence_subject(uint8_t pk[32], char period[8], const record_view *v)
{
	char canon[65];
	if (v->subject_len != 64 + 1 + 6 || v->subject[64] != '.' || kn_unhex(pk, 32, v->subject, 64) != 0 ||
	    memcmp(kn_hex(canon, pk, 32), v->subject, 64) != 0)
		return kn_error_set(KN_EBADREC, "subject", "an evidence record's subject is <person key in lower-case hex>.<period>");
	memcpy(period, v->subject + 65, 6);
	period[6] = '\0';
	return domain_check_period(period);
}

static int
check_evidence(kd_server *srv, store_txn *t, const record_view *v)
{
	domain_evidence e;
	domain_user au;
	uint8_t subject_pk[32];
	char period[8], npsn[9];
	int rc;

	(void)srv;
	memcpy(npsn, v->school, 8);
	npsn[8] = '\0';
	if ((rc = evidence_subject(subject_pk, period, v)) || (rc = domain_evidence_parse(&e, v->body)))
		return rc;
	if (strcmp(e.period, period) != 0)
		return kn_error_set(KN_EBADREC, "period", "the record's period differs from its subject's");
	rc = kd_user_lookup(&au, t, npsn, v->author);
	if (rc && rc != KN_ENOTFOUND)
		return rc;
	if ((rc = domain_evidence_may_write(rc == 0 ? &au : NULL, v->author, subject_pk)))
		return rc;
	return check_lineage(t, v, "the Bukti Dukung of this period");
}

static int
rules_check(void *ctx, store_txn *t, const record_view *v)
{
	uint64_t horizon = (kn_now_ms() + 24ull * 3600 * 1000) << 16;

	if (v->hlc > horizon)
		return kn_error_set(KN_EBADREC, "hlc", "the record is dated more than a day in the future: check the clock of the machine that made it");
	if (v->type_len == 8 && memcmp(v->type, "evidence", 8) == 0)
		return check_evidence(ctx, t, v);
	if (v->type_len == 6 && memcmp(v->type, "school", 6) == 0)
		return check_school(ctx, t, v);
	if (v->type_len == 4 && memcmp(v->type, "user", 4) == 0)
		return check_user(ctx, t, v);
	return kn_error_set(KN_EBADREC, "type", "record type '%.*s' is not known to this version of Kinerja",
	    (int)v->type_len, v->type);
}

static int
rules_index(void *ctx, store_txn *t, const record_view *v)
{
	char key[128], npsn[9], hex[65];
	int rc;

	(void)ctx;
	memcpy(npsn, v->school, 8);
	npsn[8] = '\0';
	if (v->type_len == 6 && memcmp(v->type, "school", 6) == 0) {
		snprintf(key, sizeof(key), "s/%s", npsn);
		return store_idx_put(t, key, strlen(key), "", 0);
	}
	if (v->type_len == 8 && memcmp(v->type, "evidence", 8) == 0) {
		snprintf(key, sizeof(key), "ev/%s/%.*s", npsn, (int)v->subject_len, v->subject);
		return store_idx_put(t, key, strlen(key), "", 0);
	}
	domain_user u;
	uint8_t pk[32];
	rc = domain_user_parse(&u, v->body);
	if (rc)
		return rc;
	if (kn_unhex(pk, 32, v->subject, v->subject_len) != 0)
		return KN_EBADREC;
	snprintf(key, sizeof(key), "u/%s/%s", npsn, kn_hex(hex, pk, 32));
	rc = store_idx_put(t, key, strlen(key), "", 0);
	if (rc == 0 && u.nip[0]) {
		snprintf(key, sizeof(key), "id/%s/%s", npsn, u.nip);
		rc = store_idx_put(t, key, strlen(key), pk, 32);
	}
	if (rc == 0 && u.nuptk[0]) {
		snprintf(key, sizeof(key), "id/%s/%s", npsn, u.nuptk);
		rc = store_idx_put(t, key, strlen(key), pk, 32);
	}
	return rc;
}

void
kd_rules_install(kd_server *srv)
{
	store_hooks h = { rules_check, rules_index, srv };
	store_set_hooks(srv->st, &h);
}

void
kd_refresh_school(kd_server *srv)
{
	store_txn *t;
	struct school_scan ss = { "" };
	domain_school sc;

	if (store_read_begin(&t, srv->st) != 0)
		return;
	if (store_idx_scan(t, "s/", 2, school_scan_cb, &ss) == 0 && ss.npsn[0] &&
	    kd_school_lookup(&sc, t, ss.npsn) == 0) {
		memcpy(srv->school, ss.npsn, 9);
		snprintf(srv->school_name, sizeof(srv->school_name), "%s", sc.name);
	}
	store_read_end(t);
}
