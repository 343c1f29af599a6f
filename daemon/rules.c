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
 *   "cat/<npsn>/<version>" -> hlc (8 B)   a catalog version, first added then (catalog.c)
 *   "h/<doc>"              -> id (32 B)   the document's current version (kd_doc_head), or
 *                                         "" when it has records but none takes effect
 *   "a/<pkhex>/<doc>"      -> hlc (8 B)   the newest record pk wrote in doc: what a change
 *                                         of pk's enrollment may make effective or not
 *
 * The current version of a document is a fold (kd_doc_head_fold): its
 * newest record that takes effect, which depends on the document's records
 * and, for each, on its author's enrollment versions older than it (and
 * theirs, to EFFECTIVE_DEPTH). "h/" keeps the fold's answer, so a read
 * costs one index look-up and one record, however long the history. The
 * index hook keeps it equal to the fold over the records stored, whatever
 * order they came in (heads_index):
 *   - a record of document D can change the fold of D only: D is folded
 *     again (one document's history, at most);
 *   - an enrollment version of person P, dated T, can change whether the
 *     records P wrote after T take effect, hence the fold of every
 *     document holding one ("a/<P>/" entries newer than T), and, when such
 *     a record is itself an enrollment of Q, whether Q's records after T
 *     take effect: those documents are folded again, following people
 *     until none is new. Nothing else enters the fold: auth records are
 *     stored before what names them and never change.
 * A record made here carries the newest time, so nothing follows an
 * enrollment; only records that arrive late (import, later sync) do.
 * kd_rules_install builds both indexes once for a store written before
 * they existed (kd_rules_index_rebuild).
 *
 * The hook also keeps, for every record, the keys of sync_index.c (the per-school change
 * feed and fingerprint, the hub's registrations).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/domain.h"
#include "../domain/messages.h"
#include "server.h"
#include "sync.h"

/* A verified record as the domain rules see it. */
static void
to_domain(domain_rec *out, const record_view *v)
{
	out->id = v->id;
	out->type = v->type;
	out->type_len = v->type_len;
	out->school = v->school;
	out->subject = v->subject;
	out->subject_len = v->subject_len;
	out->author = v->author;
	out->hlc = v->hlc;
	out->nparents = record_nparents(v);
	out->body = v->body;
}

/*
 * Open the stored record id from t into out; KN_ENOTFOUND when absent.
 * Not verified again: everything here reads records the store verified
 * and judged before writing them (the trust rule, store_record_open).
 */
static int
open_id(record_view *out, store_txn *t, const uint8_t id[RECORD_ID_BYTES])
{
	return store_record_open(out, t, id);
}

/* The auth records a view names, opened into views/recs (at most RECORD_MAX_AUTH); *n set. */
static int
open_auth(record_view views[RECORD_MAX_AUTH], domain_rec recs[RECORD_MAX_AUTH], size_t *n, store_txn *t,
    const record_view *v)
{
	int rc = 0;

	*n = 0;
	for (size_t i = 0; i < record_nauth(v) && i < RECORD_MAX_AUTH; i++) {
		if ((rc = store_record_open_shared(&views[i], t, record_auth(v, i))))
			break;
		to_domain(&recs[i], &views[i]);
		(*n)++;
	}
	return rc;
}

static void
free_views(record_view *views, size_t n)
{
	for (size_t i = 0; i < n; i++)
		record_view_free(&views[i]);
}

/* How deep the fold follows "who gave the author the right" before it trusts the acceptance check. */
#define EFFECTIVE_DEPTH 6

/*
 * Does the stored act v take effect (domain_act_effective)? The author's
 * enrollment versions count only when they take effect themselves, so
 * this recurses, each step to strictly older records.
 */
static int
effective(store_txn *t, const record_view *v, int depth)
{
	record_view av[RECORD_MAX_AUTH];
	domain_rec act, ar[RECORD_MAX_AUTH];
	size_t nauth = 0;
	char doc[RECORD_DOC_KEY_MAX], hex[65];
	kd_history h = { 0 };
	int rc, ok = 0;

	if (depth > EFFECTIVE_DEPTH)
		return 1;
	to_domain(&act, v);
	if (open_auth(av, ar, &nauth, t, v) != 0) {
		free_views(av, nauth);
		return 0;
	}
	/* the common cases first: records that rest on no enrollment */
	if (domain_act_effective(&act, ar, nauth, NULL, 0)) {
		ok = 1;
		goto out;
	}
	snprintf(doc, sizeof(doc), "user/%.8s/%s", v->school, kn_hex(hex, v->author, 32));
	rc = kd_history_load(&h, t, doc);
	if (rc == 0 && h.n) {
		domain_rec *vers = calloc(h.n, sizeof(*vers));
		size_t n = 0;
		for (size_t i = 0; vers && i < h.n; i++)
			if (h.v[i].hlc < v->hlc && effective(t, &h.v[i], depth + 1))
				to_domain(&vers[n++], &h.v[i]);
		ok = vers && domain_act_effective(&act, ar, nauth, vers, n);
		free(vers);
	}
out:
	kd_history_free(&h);
	free_views(av, nauth);
	kn_error_clear();
	return ok;
}

struct head_ctx {
	store_txn *t;
	const record_view *known; /* the record being indexed, or NULL: not opened again */
	record_view best;
	int have;
	int rc;
};

/* Keep the head with the highest hlc (ties: the larger id). */
static int
head_cb(void *arg, const uint8_t id[RECORD_ID_BYTES])
{
	struct head_ctx *h = arg;
	record_view v;
	int rc = 0;

	if (h->known && memcmp(id, h->known->id, RECORD_ID_BYTES) == 0) {
		v = *h->known;
		v.up.zone = NULL; /* borrowed: record_view_free leaves the caller's view alone */
	} else if ((rc = open_id(&v, h->t, id))) {
		return rc; /* a damaged stored record: report, never guess */
	}
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

/*
 * The current version of a document, folded from its records: its newest
 * record (highest hlc, then larger id) that takes effect. The newest
 * record of a document is always a head (a record's parents are older
 * than it), so the heads answer the common case; only when that one does
 * not take effect (its author's right was revoked before it) is the whole
 * history searched. The index hook runs this; readers use kd_doc_head.
 */
/* kd_doc_head_fold; known (or NULL), a record of doc already open, is not opened again (out may borrow it). */
static int
doc_head_fold(record_view *out, store_txn *t, const char *doc, const record_view *known)
{
	struct head_ctx h = { .t = t, .known = known };
	kd_history hist = { 0 };
	int rc = store_heads(t, doc, strlen(doc), head_cb, &h);

	if (rc) {
		if (h.have)
			record_view_free(&h.best);
		return rc;
	}
	if (!h.have)
		return domain_msg_error(KN_ENOTFOUND, "doc", "REKAMAN_DOKUMEN_TIDAK_ADA", "dokumen", doc, NULL);
	if (effective(t, &h.best, 0)) {
		*out = h.best;
		return 0;
	}
	record_view_free(&h.best);
	rc = kd_history_load(&hist, t, doc);
	for (size_t i = hist.n; rc == 0 && i-- > 0;) {
		if (!effective(t, &hist.v[i], 0))
			continue;
		/* hand this view over: reopen it so that it outlives the history */
		rc = open_id(out, t, hist.v[i].id);
		kd_history_free(&hist);
		return rc;
	}
	kd_history_free(&hist);
	return rc ? rc : domain_msg_error(KN_ENOTFOUND, "doc", "REKAMAN_DOKUMEN_TANPA_VERSI", "dokumen", doc, NULL);
}

int
kd_doc_head_fold(record_view *out, store_txn *t, const char *doc)
{
	return doc_head_fold(out, t, doc, NULL);
}

/* The "h/<doc>" key of a document into key (RECORD_DOC_KEY_MAX + 2 bytes); its length. */
static size_t
head_key(char *key, const char *doc)
{
	return (size_t)snprintf(key, RECORD_DOC_KEY_MAX + 2, "h/%s", doc);
}

int
kd_doc_head_id(uint8_t id[32], store_txn *t, const char *doc)
{
	record_view v;
	int rc = kd_doc_head(&v, t, doc);

	if (rc == 0) {
		memcpy(id, v.id, 32);
		record_view_free(&v);
	}
	return rc;
}

int
kd_school_record_id(uint8_t id[32], store_txn *t, const char *npsn)
{
	char doc[RECORD_DOC_KEY_MAX];

	snprintf(doc, sizeof(doc), "school/%s/%s", npsn, npsn);
	return kd_doc_head_id(id, t, doc);
}

/*
 * The current version of a document, from the index the hook keeps equal
 * to kd_doc_head_fold: one look-up and one stored record, however many
 * versions and enrollments lie behind it.
 */
int
kd_doc_head(record_view *out, store_txn *t, const char *doc)
{
	char key[RECORD_DOC_KEY_MAX + 2];
	uint8_t id[RECORD_ID_BYTES];
	const uint8_t *val;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strlen(doc) >= RECORD_DOC_KEY_MAX)
		return domain_msg_error(KN_EINVAL, "doc", "REKAMAN_KUNCI_DOKUMEN_PANJANG", "maks", domain_msg_num(RECORD_DOC_KEY_MAX - 1).s,
		    NULL);
	rc = store_idx_get(&val, &len, t, key, head_key(key, doc));
	if (rc == KN_ENOTFOUND)
		return domain_msg_error(KN_ENOTFOUND, "doc", "REKAMAN_DOKUMEN_TIDAK_ADA", "dokumen", doc, NULL);
	if (rc)
		return rc;
	if (len == 0)
		return domain_msg_error(KN_ENOTFOUND, "doc", "REKAMAN_DOKUMEN_TANPA_VERSI", "dokumen", doc, NULL);
	if (len != RECORD_ID_BYTES)
		return kn_error_set(KN_ERROR, "doc", "the index entry of %s is damaged", doc);
	memcpy(id, val, RECORD_ID_BYTES);
	return store_record_open(out, t, id);
}

static int
history_cb(void *arg, const uint8_t id[RECORD_ID_BYTES])
{
	kd_history *h = arg;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		record_view *nv = realloc(h->v, cap * sizeof(*nv));
		if (nv == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory");
		h->v = nv;
		h->cap = cap;
	}
	/* an author's enrollment versions: read for every record the author wrote */
	int rc = store_record_open_shared(&h->v[h->n], h->t, id);
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

struct school_scan {
	char npsn[9];
	int office;
	char own[9];        /* meta "office": this office's own code ("" in a school's store, or an older office's) */
};

/*
 * The store's own school: the only school record of a school's store, or,
 * in an education office's store (which holds records of many schools),
 * the office's own record (index value "d").
 */
static int
school_scan_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct school_scan *s = arg;
	if (klen == 10) {
		if (vlen == 1 && val[0] == 'd') {
			/* a parent hub holds its child hubs' office records too: its own is meta "office" */
			if (s->own[0] && memcmp(key + 2, s->own, 8) != 0)
				return 0;
			memcpy(s->npsn, key + 2, 8);
			s->npsn[8] = '\0';
			s->office = 1;
			return 1;
		}
		if (!s->npsn[0]) {
			memcpy(s->npsn, key + 2, 8);
			s->npsn[8] = '\0';
		}
	}
	return 0;
}

int
kd_idents_free(store_txn *t, const char *school, const domain_user *u, const uint8_t subject_pk[32])
{
	const char *idents[2] = { u->nip, u->nuptk };
	const char *fields[2] = { "nip", "nuptk" };

	for (int i = 0; i < 2; i++) {
		uint8_t other[32];
		domain_user ou;
		if (!idents[i][0])
			continue;
		int rc = kd_ident_lookup(other, t, school, idents[i]);
		if (rc == KN_ENOTFOUND)
			continue;
		if (rc)
			return rc;
		if (memcmp(other, subject_pk, 32) != 0) {
			const char *who = kd_user_lookup(&ou, t, school, other) == 0 ? ou.name : "pegawai lain";
			return domain_msg_error(KN_EEXISTS, fields[i], "PEGAWAI_NOMOR_SUDAH_ADA", "jenis", i == 0 ? "NIP" : "NUPTK", "nomor",
			    idents[i], "nama", who, NULL);
		}
	}
	return 0;
}

/*
 * The record that gives signer the right to write a record of type about
 * subject in school now: the signer's current enrollment, or, for the
 * operator's first enrollment of themselves, the school record. *n = 0
 * when nothing is needed (a new school) or nothing is found (the rules
 * then refuse the record with their own reason).
 */
static int
auth_for(uint8_t out[RECORD_ID_BYTES], size_t *n, store_txn *t, const char *school, const char *type,
    const char *subject, const uint8_t signer[32])
{
	char doc[RECORD_DOC_KEY_MAX], hex[65];
	record_view v;
	int rc;

	*n = 0;
	if (strcmp(type, "school") == 0) {
		snprintf(doc, sizeof(doc), "school/%s/%s", school, school);
		rc = kd_doc_head(&v, t, doc);
		if (rc == KN_ENOTFOUND)
			return 0; /* a new school stands on its own */
	} else {
		snprintf(doc, sizeof(doc), "user/%s/%s", school, kn_hex(hex, signer, 32));
		rc = kd_doc_head(&v, t, doc);
		if (rc == KN_ENOTFOUND && strcmp(type, "user") == 0 && strcmp(subject, hex) == 0) {
			snprintf(doc, sizeof(doc), "school/%s/%s", school, school);
			rc = kd_doc_head(&v, t, doc);
			if (rc == 0) {
				memcpy(out, v.id, RECORD_ID_BYTES);
				*n = 1;
				record_view_free(&v);
			}
			return rc == KN_ENOTFOUND ? 0 : rc;
		}
		if (rc == KN_ENOTFOUND)
			return 0;
	}
	if (rc)
		return rc;
	if (strcmp(type, "school") == 0) {
		/* an edit of the school rests on the editor's enrollment */
		record_view_free(&v);
		snprintf(doc, sizeof(doc), "user/%s/%s", school, kn_hex(hex, signer, 32));
		rc = kd_doc_head(&v, t, doc);
		if (rc)
			return rc == KN_ENOTFOUND ? 0 : rc;
	}
	memcpy(out, v.id, RECORD_ID_BYTES);
	*n = 1;
	record_view_free(&v);
	return 0;
}

int
kd_record_add(uint8_t id[RECORD_ID_BYTES], kd_server *srv, store_batch *b, const char *type, const char *school,
    const char *subject, const uint8_t (*parents)[RECORD_ID_BYTES], size_t nparents, const kn_buf *body,
    const keys_secret *signer)
{
	uint8_t auth[RECORD_ID_BYTES];
	size_t nauth;
	kn_buf rec = KN_BUF_INIT;
	int rc = auth_for(auth, &nauth, store_batch_txn(b), school, type, subject, signer->pk);

	if (rc)
		return rc;
	record_fields f = { type, school, subject, store_hlc_next(srv->st), parents, nparents, body->ptr, body->len,
		(const uint8_t(*)[RECORD_ID_BYTES])auth, nauth };
	rc = record_sign(&rec, NULL, &f, signer->pk, signer->sk);
	if (rc == 0)
		rc = store_batch_add(b, rec.ptr, rec.len, id);
	if (rc == 1)
		rc = 0;
	else if (rc == 2)
		rc = kn_error_set(KN_ESTATE, "", "a record made here names one that is not stored (a bug: please report it)");
	kn_buf_free(&rec);
	return rc;
}

/*
 * The store's check hook: load what the record names (its parents and its
 * auth records; the store held it until they were here) and let
 * domain_record_accept decide.
 */
static int
rules_check(void *ctx, store_txn *t, const record_view *v)
{
	record_view pv[RECORD_MAX_PARENTS], av[RECORD_MAX_AUTH];
	domain_rec r, pr[RECORD_MAX_PARENTS], ar[RECORD_MAX_AUTH];
	size_t np = 0, na = 0;
	struct school_scan ss = { "" };
	domain_ctx dc = { "", 0, kd_catalog_parse_cached, NULL };
	int rc;

	(void)ctx;
	to_domain(&r, v);
	for (size_t i = 0; i < record_nparents(v) && i < RECORD_MAX_PARENTS; i++) {
		if ((rc = open_id(&pv[i], t, record_parent(v, i))))
			goto out;
		to_domain(&pr[i], &pv[i]);
		np++;
	}
	if ((rc = open_auth(av, ar, &na, t, v)))
		goto out;
	if ((rc = store_idx_scan(t, "s/", 2, school_scan_cb, &ss)))
		goto out;
	/* an office accepts the records of every school, each by that school's own rules */
	memcpy(dc.school, ss.office ? "" : ss.npsn, ss.office ? 1 : sizeof(dc.school));
	dc.now_ms = kn_now_ms();
	rc = domain_record_accept(&dc, &r, pr, np, ar, na);
out:
	free_views(pv, np);
	free_views(av, na);
	return rc;
}

/* The secondary index of each record type: schools, people and their logins, evidence, catalogs. */
static int
index_by_type(store_txn *t, const record_view *v)
{
	char key[128], npsn[9], hex[65];
	int rc;

	memcpy(npsn, v->school, 8);
	npsn[8] = '\0';
	if (v->type_len == 6 && memcmp(v->type, "school", 6) == 0) {
		domain_school sc;
		snprintf(key, sizeof(key), "s/%s", npsn);
		if ((rc = domain_school_parse(&sc, v->body)))
			return rc;
		return store_idx_put(t, key, strlen(key), sc.office ? "d" : "", sc.office ? 1 : 0);
	}
	if (v->type_len == 10 && memcmp(v->type, "assignment", 10) == 0) {
		/* the school's assignments, found by a prefix scan: "as/<school>/<person>.<role>" */
		snprintf(key, sizeof(key), "as/%s/%.*s", npsn, (int)v->subject_len, v->subject);
		return store_idx_put(t, key, strlen(key), "", 0);
	}
	if (v->type_len == 7 && memcmp(v->type, "catalog", 7) == 0)
		return kd_catalog_index(t, v);
	if (v->type_len == 8 && memcmp(v->type, "evidence", 8) == 0) {
		snprintf(key, sizeof(key), "ev/%s/%.*s", npsn, (int)v->subject_len, v->subject);
		return store_idx_put(t, key, strlen(key), "", 0);
	}
	/* periods and SKPs are found by their document keys (period/..., skp/...): no index */
	if ((v->type_len == 6 && memcmp(v->type, "period", 6) == 0) || (v->type_len == 3 && memcmp(v->type, "skp", 3) == 0))
		return 0;
	/* identity confirmations too (identity/<npsn>/<key hex>) */
	if (v->type_len == 8 && memcmp(v->type, "identity", 8) == 0)
		return 0;
	/* a hub's registrations of schools: kd_sync_index indexes them */
	if (v->type_len == 12 && memcmp(v->type, "registration", 12) == 0)
		return 0;
	domain_user u;
	uint8_t pk[32];
	rc = domain_user_parse(&u, v->body);
	if (rc)
		return rc;
	if (kn_unhex(pk, 32, v->subject, v->subject_len) != 0)
		return kn_error_set(KN_EBADREC, "subject", "a user record's subject must be a key in hex");
	snprintf(key, sizeof(key), "u/%s/%s", npsn, kn_hex(hex, pk, 32));
	rc = store_idx_put(t, key, strlen(key), "", 0);
	const char *idents[2] = { u.nip, u.nuptk };
	for (int i = 0; rc == 0 && i < 2; i++) {
		uint8_t other[32];
		if (!idents[i][0])
			continue;
		/*
		 * Two people with one NIP can only meet through sync (user.add
		 * refuses it): the smaller key keeps the login, whatever the
		 * order the records came in, and the conflict is logged.
		 */
		rc = kd_ident_lookup(other, t, npsn, idents[i]);
		if (rc == 0 && memcmp(other, pk, 32) != 0) {
			kn_warn("school %s: %s is enrolled for two people; the login goes to the smaller key", npsn, idents[i]);
			if (memcmp(other, pk, 32) < 0)
				continue;
		} else if (rc && rc != KN_ENOTFOUND) {
			break;
		}
		snprintf(key, sizeof(key), "id/%s/%s", npsn, idents[i]);
		rc = store_idx_put(t, key, strlen(key), pk, 32);
	}
	return rc;
}

/* Fold doc again and keep the answer in "h/<doc>" (its id, or "" when no version takes effect). */
static int
head_refold(store_txn *t, const char *doc, const record_view *known)
{
	char key[RECORD_DOC_KEY_MAX + 2];
	record_view v;
	int rc = doc_head_fold(&v, t, doc, known);

	if (rc == KN_ENOTFOUND) {
		kn_error_clear();
		return store_idx_put(t, key, head_key(key, doc), "", 0);
	}
	if (rc)
		return rc;
	rc = store_idx_put(t, key, head_key(key, doc), v.id, RECORD_ID_BYTES);
	record_view_free(&v);
	return rc;
}

/* "a/<author hex>/<doc>": the newest time the author wrote in doc, raised to v's (a maximum: any order gives it). */
static int
author_index(store_txn *t, const record_view *v)
{
	char key[2 + 64 + 1 + RECORD_DOC_KEY_MAX], hex[65];
	const uint8_t *old;
	uint8_t val[8];
	size_t len, n;
	int rc;

	n = (size_t)snprintf(key, sizeof(key), "a/%s/", kn_hex(hex, v->author, 32));
	n += record_doc_key(key + n, v);
	rc = store_idx_get(&old, &len, t, key, n);
	if (rc == 0 && len == 8 && kn_be64_get(old) >= v->hlc)
		return 0;
	if (rc && rc != KN_ENOTFOUND)
		return rc;
	kn_be64_put(val, v->hlc);
	return store_idx_put(t, key, n, val, sizeof(val));
}

/* Who an enrollment change reaches: the people to follow (32 B each, in order) and one person's documents. */
struct follow {
	kn_buf people;      /* every person queued so far: also the set of those seen */
	kn_buf docs;        /* doc keys, each NUL-terminated, of the person being followed */
	uint64_t after;     /* the enrollment change's time: records after it may change */
};

/* Index callback over "a/<pk>/": a document pk wrote in after the change is folded again. */
static int
follow_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct follow *f = arg;
	const size_t skip = 2 + 64 + 1;

	if (klen <= skip || vlen != 8)
		return kn_error_set(KN_ERROR, "", "an author index entry is damaged");
	if (kn_be64_get(val) <= f->after)
		return 0;
	if (kn_buf_put(&f->docs, key + skip, klen - skip) || kn_buf_put(&f->docs, "", 1))
		return kn_error_set(KN_ENOMEM, "", "out of memory following an enrollment");
	return 0;
}

/* Queue the person whose enrollment doc is, unless seen; doc is "user/<npsn>/<key hex>". */
static int
follow_person(struct follow *f, const char *doc)
{
	uint8_t pk[32];
	size_t n = strlen(doc);

	if (n != 5 + 8 + 1 + 64 || memcmp(doc, "user/", 5) != 0 || kn_unhex(pk, 32, doc + 14, 64) != 0)
		return 0;
	for (size_t i = 0; i < f->people.len; i += 32)
		if (memcmp(f->people.ptr + i, pk, 32) == 0)
			return 0;
	if (kn_buf_put(&f->people, pk, 32))
		return kn_error_set(KN_ENOMEM, "", "out of memory following an enrollment");
	return 0;
}

/*
 * An enrollment version v (of the person its subject names) has arrived:
 * fold again every document holding a record that person wrote after v,
 * and follow the enrollments among them to the people they enroll (see
 * the head of this file). A record made here is newer than anything
 * stored, so this only scans "a/<pk>/" and folds nothing.
 */
static int
heads_follow(store_txn *t, const record_view *v)
{
	char doc[RECORD_DOC_KEY_MAX], prefix[2 + 64 + 2], hex[65];
	struct follow f = { KN_BUF_INIT, KN_BUF_INIT, v->hlc };
	int rc;

	record_doc_key(doc, v);
	if ((rc = follow_person(&f, doc)))
		goto out;
	for (size_t i = 0; rc == 0 && i < f.people.len; i += 32) {
		kn_buf_clear(&f.docs);
		snprintf(prefix, sizeof(prefix), "a/%s/", kn_hex(hex, f.people.ptr + i, 32));
		if ((rc = store_idx_scan(t, prefix, strlen(prefix), follow_cb, &f)))
			break;
		for (size_t off = 0; rc == 0 && off < f.docs.len; off += strlen((const char *)f.docs.ptr + off) + 1) {
			const char *d = (const char *)f.docs.ptr + off;
			if ((rc = head_refold(t, d, NULL)) == 0)
				rc = follow_person(&f, d);
		}
	}
out:
	kn_buf_free(&f.people);
	kn_buf_free(&f.docs);
	return rc;
}

/* Keep "a/" and "h/" for a record just stored: its author's entry, its document's fold, and who an enrollment reaches. */
static int
heads_index(store_txn *t, const record_view *v)
{
	char doc[RECORD_DOC_KEY_MAX];
	int rc;

	record_doc_key(doc, v);
	if ((rc = author_index(t, v)) || (rc = head_refold(t, doc, v)))
		return rc;
	if (v->type_len == 4 && memcmp(v->type, "user", 4) == 0)
		rc = heads_follow(t, v);
	return rc;
}

/* The store's index hook: the index of the record's type, then the current versions it may change. */
static int
rules_index(void *ctx, store_txn *t, const record_view *v)
{
	int rc;

	/* every record: the per-school change feed and fingerprint sync uses (sync_index.c) */
	if ((rc = kd_sync_index(ctx, t, v)) || (rc = index_by_type(t, v)))
		return rc;
	return heads_index(t, v);
}

void
kd_rules_hooks(store_hooks *out, void *ctx)
{
	*out = (store_hooks){ rules_check, rules_index, ctx };
}

/* The meta value that says "h/" and "a/" are kept for every record stored (and which way). */
#define RULES_INDEX_META "rules.index"
#define RULES_INDEX_VERSION "heads 1"

struct rebuild_ctx {
	store_txn *t;
	size_t n;
};

/* store_heads callback: keep the last head, in id order. */
static int
last_head_cb(void *arg, const uint8_t id[RECORD_ID_BYTES])
{
	memcpy(arg, id, RECORD_ID_BYTES);
	return 0;
}

/* Change-feed callback: the record's author entry; its document's fold, once (at its last head). */
static int
rebuild_cb(void *arg, uint64_t seq, const uint8_t id[RECORD_ID_BYTES])
{
	struct rebuild_ctx *x = arg;
	char doc[RECORD_DOC_KEY_MAX];
	uint8_t last[RECORD_ID_BYTES];
	record_view v;
	int rc;
	(void)seq;

	if ((rc = store_record_open(&v, x->t, id)))
		return rc;
	record_doc_key(doc, &v);
	memset(last, 0, sizeof(last));
	rc = author_index(x->t, &v);
	if (rc == 0)
		rc = store_heads(x->t, doc, strlen(doc), last_head_cb, last);
	if (rc == 0 && memcmp(last, id, RECORD_ID_BYTES) == 0)
		rc = head_refold(x->t, doc, NULL);
	record_view_free(&v);
	x->n++;
	return rc;
}

/* See server.h: every record's author entry and every document's fold, in one batch. */
int
kd_rules_index_rebuild(store *st)
{
	struct rebuild_ctx x = { NULL, 0 };
	store_batch *b;
	uint64_t t0 = kn_mono_ms();
	int rc;

	if ((rc = store_batch_begin(&b, st)))
		return rc;
	x.t = store_batch_txn(b);
	rc = store_log_scan(x.t, 0, rebuild_cb, &x);
	if (rc == 0)
		rc = store_batch_meta_put(b, RULES_INDEX_META, RULES_INDEX_VERSION, strlen(RULES_INDEX_VERSION));
	if (rc) {
		store_batch_abort(b);
		return rc;
	}
	if ((rc = store_batch_commit(b)))
		return rc;
	if (x.n)
		kn_info("indexed the current version of every document: %zu records in %llu ms", x.n,
		    (unsigned long long)(kn_mono_ms() - t0));
	return 0;
}

int
kd_rules_install(kd_server *srv)
{
	kn_buf have = KN_BUF_INIT;
	store_hooks h;
	int rc;

	kd_rules_hooks(&h, srv);
	store_set_hooks(srv->st, &h);
	/* a store written before the index of current versions existed gets it now, once */
	rc = store_meta_get(&have, srv->st, RULES_INDEX_META);
	if (rc == 0 && have.len == strlen(RULES_INDEX_VERSION) && memcmp(have.ptr, RULES_INDEX_VERSION, have.len) == 0)
		goto out;
	if (rc && rc != KN_ENOTFOUND)
		goto out;
	kn_error_clear();
	rc = kd_rules_index_rebuild(srv->st);
out:
	kn_buf_free(&have);
	return rc;
}

void
kd_own_office(char out[9], store *st)
{
	kn_buf b = KN_BUF_INIT;

	out[0] = '\0';
	if (store_meta_get(&b, st, "office") == 0 && b.len == 8) {
		memcpy(out, b.ptr, 8);
		out[8] = '\0';
	}
	kn_buf_free(&b);
	kn_error_clear();
}

void
kd_refresh_school(kd_server *srv)
{
	store_txn *t;
	struct school_scan ss = { "" };
	domain_school sc;

	kd_own_office(ss.own, srv->st);
	if (store_read_begin(&t, srv->st) != 0)
		return;
	if (store_idx_scan(t, "s/", 2, school_scan_cb, &ss) == 0 && ss.npsn[0] &&
	    kd_school_lookup(&sc, t, ss.npsn) == 0) {
		memcpy(srv->school, ss.npsn, 9);
		snprintf(srv->school_name, sizeof(srv->school_name), "%s", sc.name);
		srv->office = ss.office;
		if (sc.has_authority)
			memcpy(srv->authority_pk, sc.authority_pk, 32);
	}
	store_read_end(t);
}
