/*
 * plan.c - the SKP planning flow over RPC (DOMAIN.md §3 SKP, §4.1, §4.2,
 * §5, R12, R14; records and decisions in domain/skp.h):
 *
 *   period.open    the Kepala Sekolah starts the semester for the school
 *   period.show    the period: open or not, its catalog, dates and deadlines
 *   plan.save      Simpan Draf (the owner; any number of times)
 *   plan.submit    Ajukan (the owner): every problem of the plan at once
 *   plan.approve   Setujui (the atasan), optionally with adjustments
 *   plan.return    Tinjau Ulang (the atasan), with a note
 *   plan.agree     Sepakati (the owner): the plan is locked
 *   plan.reopen    Buka Kembali (the atasan), with a reason kept in history
 *   plan.show      one plan: state, items, points and guidance, adjustments, history
 *   plan.inbox     the atasan's teachers: what waits for approval, states and points
 *   plan.tasks     what waits for me, and what waits for someone else
 *
 * An act is decided by domain_skp_decide against exactly the records it
 * will name (the current version, the enrollments, the period, the
 * catalog), written as a signed record in the loop's batch, and judged
 * again by the store's rules. Views are folds of the records (kd_doc_head,
 * kd_history_load), so every store holding the same records shows the
 * same plans; only the period's open or closed state depends on today.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/catalog.h"
#include "../domain/skp.h"
#include "../util/mpmap.h"
#include "methods.h"
#include "server.h"
#include "work.h"

/* ---- reading what an act stands on ---- */

/* A person of the school as enrolled now, with the record the act names. */
typedef struct {
	uint8_t pk[32];
	domain_user u;
	uint8_t id[32];     /* the enrollment's current version */
	uint64_t ms;        /* its time */
} plan_person;

/* The current enrollment of pk; KN_ENOTFOUND (field "teacher") when there is none. */
static int
plan__person(plan_person *out, store_txn *t, const char *school, const uint8_t pk[32])
{
	char doc[RECORD_DOC_KEY_MAX], hex[65];
	record_view v;
	int rc;

	memcpy(out->pk, pk, 32);
	snprintf(doc, sizeof(doc), "user/%s/%s", school, kn_hex(hex, pk, 32));
	if ((rc = kd_doc_head(&v, t, doc)))
		return rc == KN_ENOTFOUND ? domain_msg_error(KN_ENOTFOUND, "teacher", "PEGAWAI_TIDAK_TERDAFTAR_SEKOLAH", NULL) : rc;
	memcpy(out->id, v.id, 32);
	out->ms = v.hlc >> 16;
	rc = domain_user_parse(&out->u, v.body);
	record_view_free(&v);
	return rc;
}

/* The period as opened (or not), with its catalog and the record ids an act names. */
typedef struct {
	char period[8];
	int opened;
	uint8_t id[32];             /* the period record */
	domain_period_body body;
	uint8_t by[32];             /* who opened it */
	uint64_t ms;                /* when */
	domain_catalog *catalog;    /* the period's; before it is opened, the newest stored (NULL when none) */
	char version[DOMAIN_CATALOG_VERSION_HEX + 1];
	uint8_t catalog_id[32];
	domain_period dates;        /* valid when catalog != NULL */
} plan_period;

/* Free what plan__period read; the struct may be read again. */
static void
plan__period_free(plan_period *p)
{
	domain_catalog_free(p->catalog);
	p->catalog = NULL;
}

/*
 * Read period p of the school: its opening (when there is one), its
 * catalog and the catalog record's id, its dates. Returns 0 also when the
 * period is not opened (out->opened = 0); KN_ENOTFOUND when no catalog is
 * stored at all.
 */
static int
plan__period(plan_period *out, store_txn *t, const char *school, const char *period)
{
	char doc[RECORD_DOC_KEY_MAX];
	record_view v;
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->period, sizeof(out->period), "%s", period);
	snprintf(doc, sizeof(doc), "period/%s/%s", school, period);
	rc = kd_doc_head(&v, t, doc);
	if (rc == 0) {
		out->opened = 1;
		memcpy(out->id, v.id, 32);
		memcpy(out->by, v.author, 32);
		out->ms = v.hlc >> 16;
		rc = domain_period_body_parse(&out->body, v.body);
		record_view_free(&v);
	} else if (rc == KN_ENOTFOUND) {
		rc = 0;
	}
	if (rc == 0)
		rc = kd_catalog_get(&out->catalog, out->version, t, school, out->opened ? out->body.catalog : NULL);
	if (rc == 0) {
		snprintf(doc, sizeof(doc), "catalog/%s/%s", school, out->version);
		if ((rc = kd_doc_head(&v, t, doc)) == 0) {
			memcpy(out->catalog_id, v.id, 32);
			record_view_free(&v);
		}
	}
	if (rc == 0)
		rc = domain_period_get(&out->dates, out->catalog, period);
	if (rc)
		plan__period_free(out);
	return rc;
}

/* A person's SKP of a period as it stands: the newest version that takes effect. */
typedef struct {
	int exists;
	uint8_t id[32];
	uint64_t ms;
	domain_skp_body *body;      /* NULL when none */
} plan_skp;

/* Free what plan__skp read. */
static void
plan__skp_free(plan_skp *s)
{
	free(s->body);
	s->body = NULL;
}

/* Read the current version of owner's SKP of period; out->exists = 0 when there is none yet. */
static int
plan__skp(plan_skp *out, store_txn *t, const char *school, const uint8_t owner[32], const char *period)
{
	char doc[RECORD_DOC_KEY_MAX], subject[DOMAIN_SKP_SUBJECT_LEN + 1];
	record_view v;
	int rc;

	memset(out, 0, sizeof(*out));
	domain_skp_subject(subject, sizeof(subject), owner, period);
	snprintf(doc, sizeof(doc), "skp/%s/%s", school, subject);
	rc = kd_doc_head(&v, t, doc);
	if (rc == KN_ENOTFOUND) {
		kn_error_clear();
		return 0;
	}
	if (rc)
		return rc;
	if ((out->body = calloc(1, sizeof(*out->body))) == NULL) {
		record_view_free(&v);
		return kn_error_set(KN_ENOMEM, "", "out of memory reading an SKP");
	}
	out->exists = 1;
	memcpy(out->id, v.id, 32);
	out->ms = v.hlc >> 16;
	rc = domain_skp_body_parse(out->body, v.body);
	record_view_free(&v);
	if (rc)
		plan__skp_free(out);
	return rc;
}

/* A fresh plan of the owner for the period, on the period's catalog (S1: the jabatan is the enrollment's). */
static void
plan__fresh(domain_plan *out, const plan_period *pp, const domain_user *owner)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->period, sizeof(out->period), "%s", pp->period);
	snprintf(out->catalog, sizeof(out->catalog), "%s", pp->version);
	out->jabatan = strcmp(owner->role, "kepala_sekolah") == 0 ? DOMAIN_JABATAN_KEPALA_SEKOLAH : DOMAIN_JABATAN_GURU;
}

/* The "period" argument, or the current period; Indonesian message when malformed. */
static int
plan__period_arg(char period[8], const kd_req *req)
{
	char p[16];
	int year, semester, rc = kd_arg_str(p, sizeof(p), req, "period", 0);

	if (rc)
		return rc;
	if (!p[0]) {
		domain_period_of(period, kn_now_ms());
		return 0;
	}
	if ((rc = domain_period_parse(&year, &semester, p)))
		return rc;
	memcpy(period, p, 7);
	period[7] = '\0';
	return 0;
}

static int plan__may_read(kd_req *req, store_txn *t, const domain_user *who, const uint8_t owner[32]);

/*
 * Whose SKP a request is about: the caller's, or the teacher named by NIP
 * or NUPTK ("teacher"), whom the caller must be allowed to read
 * (domain_plan_may_read).
 */
static int
plan__owner_arg(uint8_t owner[32], kd_req *req, store_txn *t)
{
	char ident[32];
	domain_user who;
	int rc = kd_arg_str(ident, sizeof(ident), req, "teacher", 0);

	if (rc)
		return rc;
	if (!ident[0]) {
		/* one's own plan: the method's gate (domain_may_read_plans) decided already */
		memcpy(owner, req->sess->key->pk, 32);
		return 0;
	}
	rc = kd_ident_lookup(owner, t, req->school, ident);
	if (rc == 0)
		rc = kd_user_lookup(&who, t, req->school, owner);
	if (rc == KN_ENOTFOUND)
		return domain_msg_error(KN_ENOTFOUND, "teacher", "PEGAWAI_TIDAK_TERDAFTAR_DI", "nomor", ident, "npsn", req->school,
		    NULL);
	if (rc)
		return rc;
	return plan__may_read(req, t, &who, owner);
}

/* ---- writing ---- */

/*
 * Sign a record at clock hlc naming parent (or none) and auth[0..nauth),
 * and add it to the batch, where the store's rules judge it again.
 */
int
kd_record_add_auth(uint8_t id[32], kd_server *srv, store_batch *b, const char *type, const char *school, const char *subject,
    uint64_t hlc, const uint8_t *parent, const uint8_t (*auth)[32], size_t nauth, const kn_buf *body,
    const keys_secret *signer)
{
	uint8_t parents[1][RECORD_ID_BYTES];
	kn_buf rec = KN_BUF_INIT;
	int rc;

	if (parent)
		memcpy(parents[0], parent, RECORD_ID_BYTES);
	(void)srv;
	record_fields f = { type, school, subject, hlc, (const uint8_t(*)[RECORD_ID_BYTES])parents, parent ? 1 : 0,
		body->ptr, body->len, auth, nauth };
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

/* The problems of a check as an error's details (kn.h): every one goes out with the error. */
static void
plan__problems_as_details(const domain_plan_report *r)
{
	kn_buf d = KN_BUF_INIT;
	msgpack_packer pk;

	msgpack_packer_init(&pk, &d, kn_buf_msgpack_write);
	msgpack_pack_array(&pk, r->nproblems);
	for (size_t i = 0; i < r->nproblems; i++) {
		msgpack_pack_map(&pk, 3);
		kd_pack_kv_str(&pk, "code", r->problems[i].code);
		kd_pack_kv_str(&pk, "field", r->problems[i].field);
		kd_pack_kv_str(&pk, "message", r->problems[i].message);
	}
	if (!d.failed)
		kn_error_details_set(d.ptr, d.len);
	kn_buf_free(&d);
}

/* ---- views ---- */

/* A key and a boolean. */
static void
plan__pack_bool(msgpack_packer *pk, const char *k, int v)
{
	kd_pack_str(pk, k);
	if (v)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

/* A key and a text, nil when there is none (so JSON readers see null, not ""). */
static void
plan__pack_opt_str(msgpack_packer *pk, const char *k, const char *v)
{
	kd_pack_str(pk, k);
	if (v && v[0])
		kd_pack_str(pk, v);
	else
		msgpack_pack_nil(pk);
}

/* A key and a whole number that may be negative. */
static void
plan__pack_kv_i64(msgpack_packer *pk, const char *k, int64_t v)
{
	kd_pack_str(pk, k);
	msgpack_pack_int64(pk, v);
}

/* A day as "2026-01-31". */
static void
plan__pack_day(msgpack_packer *pk, const char *k, int64_t day)
{
	char s[16];
	int y, m, d;

	domain_day_to_ymd(&y, &m, &d, day);
	snprintf(s, sizeof(s), "%04d-%02d-%02d", y, m, d);
	kd_pack_kv_str(pk, k, s);
}

/* The NIP, else the NUPTK: how people name each other on the command line. */
static const char *
plan__ident(const domain_user *u)
{
	return u->nip[0] ? u->nip : u->nuptk;
}

/* A person as {"key", "name", "ident", "role_label"}. */
static void
plan__pack_person(msgpack_packer *pk, const uint8_t key[32], const domain_user *u)
{
	msgpack_pack_map(pk, 4);
	kd_pack_kv_hex(pk, "key", key, 32);
	kd_pack_kv_str(pk, "name", u ? u->name : "?");
	kd_pack_kv_str(pk, "ident", u ? plan__ident(u) : "");
	kd_pack_kv_str(pk, "role_label", u ? domain_role_label(u->role) : "");
}

/*
 * The posts of a school now: its definitive principals, from their
 * enrollments, and the Dinas's assignments (Plt, Pengawas, Kepala Dinas),
 * each with the record an act on it names (id) and, for an assignment,
 * the name it gives (an official is not enrolled in the school).
 */
#define PLAN_POSTS_MAX (2 * DOMAIN_ATASAN_MAX)
typedef struct {
	size_t n;
	domain_assignment a[PLAN_POSTS_MAX];
	uint8_t id[PLAN_POSTS_MAX][32];
	int assigned[PLAN_POSTS_MAX];     /* from a Dinas assignment (else from an enrollment) */
	char name[PLAN_POSTS_MAX][101];
} plan_posts;

struct posts_scan {
	store_txn *t;
	const char *school;
	plan_posts *out;
	int rc;
};

/* Index callback: an enrolled person who is an active Kepala Sekolah adds his post. */
static int
plan__posts_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct posts_scan *ps = arg;
	plan_person p;
	uint8_t pk[32];
	(void)val;
	(void)vlen;

	if (klen < 64 || kn_unhex(pk, 32, (const char *)key + klen - 64, 64) != 0)
		return 0;
	if ((ps->rc = plan__person(&p, ps->t, ps->school, pk)))
		return ps->rc == KN_ENOTFOUND ? (ps->rc = 0) : ps->rc;
	if (ps->out->n < PLAN_POSTS_MAX &&
	    domain_enrollment_post(&ps->out->a[ps->out->n], &p.u, pk, ps->school, domain_day_of_ms(p.ms))) {
		memcpy(ps->out->id[ps->out->n], p.id, 32);
		snprintf(ps->out->name[ps->out->n], sizeof(ps->out->name[0]), "%s", p.u.name);
		ps->out->n++;
	}
	return 0;
}

/* Index callback ("a/<school>/<subject>"): one of the Dinas's assignments, as it stands now. */
static int
plan__assign_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct posts_scan *ps = arg;
	char doc[RECORD_DOC_KEY_MAX];
	domain_assignment_body ab;
	record_view v;
	(void)val;
	(void)vlen;

	if (klen < 12 || ps->out->n >= PLAN_POSTS_MAX)
		return 0;
	snprintf(doc, sizeof(doc), "assignment/%s/%.*s", ps->school, (int)(klen - 12), (const char *)key + 12);
	if ((ps->rc = kd_doc_head(&v, ps->t, doc)))
		return ps->rc == KN_ENOTFOUND ? (ps->rc = 0) : ps->rc;
	if (domain_assignment_body_parse(&ab, v.body) == 0) {
		size_t i = ps->out->n++;
		ps->out->a[i] = ab.a;
		memcpy(ps->out->id[i], v.id, 32);
		ps->out->assigned[i] = 1;
		snprintf(ps->out->name[i], sizeof(ps->out->name[0]), "%s", ab.nama);
	}
	kn_error_clear();
	record_view_free(&v);
	return 0;
}

/* The posts of the school's definitive principals now, from their enrollments. */
static int
plan__posts(plan_posts *out, store_txn *t, const char *school)
{
	char prefix[16];
	struct posts_scan ps = { t, school, out, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(prefix, sizeof(prefix), "u/%s/", school);
	rc = store_idx_scan(t, prefix, strlen(prefix), plan__posts_cb, &ps);
	if (rc >= 0 && ps.rc == 0) {
		snprintf(prefix, sizeof(prefix), "as/%s/", school);
		rc = store_idx_scan(t, prefix, strlen(prefix), plan__assign_cb, &ps);
	}
	kn_error_clear();
	return rc < 0 ? rc : ps.rc;
}

/*
 * The post that makes actor the atasan of owner's SKP on day, among the
 * school's posts: its index in posts, or -1. The owner's own posts (his
 * enrollment as principal, a Plt assignment) are part of the question.
 */
static int
plan__actor_post(const plan_posts *posts, const uint8_t actor[32], const plan_person *owner, const char *school,
    domain_jabatan jabatan, int64_t day)
{
	domain_assignment q_posts[1 + PLAN_POSTS_MAX];
	domain_atasan_set set;

	for (size_t i = 0; i < posts->n; i++) {
		size_t n = 0;
		if (memcmp(posts->a[i].person, actor, 32) != 0 || !domain_assignment_valid(&posts->a[i], school, day))
			continue;
		q_posts[n++] = posts->a[i];
		for (size_t j = 0; j < posts->n; j++)
			if (memcmp(posts->a[j].person, owner->pk, 32) == 0)
				q_posts[n++] = posts->a[j];
		domain_atasan_query q = { owner->pk, owner->u.role, school, jabatan, day, q_posts, n };
		if (domain_atasan_resolve(&set, &q) == 0 && domain_atasan_has(&set, actor)) {
			kn_error_clear();
			return (int)i;
		}
	}
	kn_error_clear();
	return -1;
}

/*
 * May the caller read owner's SKP: the owner, or the atasan today, be it
 * by his enrollment as this school's Kepala Sekolah (domain_plan_may_read)
 * or by an assignment of the Dinas (Plt, Pengawas, Kepala Dinas).
 */
static int
plan__may_read(kd_req *req, store_txn *t, const domain_user *who, const uint8_t owner[32])
{
	plan_posts posts;
	plan_person o;
	int rc;

	memcpy(o.pk, owner, 32);
	o.u = *who;
	if ((rc = plan__posts(&posts, t, req->school)))
		return rc;
	domain_jabatan j = strcmp(who->role, "kepala_sekolah") == 0 ? DOMAIN_JABATAN_KEPALA_SEKOLAH : DOMAIN_JABATAN_GURU;
	if (plan__actor_post(&posts, req->sess->key->pk, &o, req->school, j, domain_day_of_ms(kn_now_ms())) >= 0)
		return 0;
	if (strcmp(req->school, req->srv->school) == 0)
		return domain_plan_may_read(&req->me, req->sess->key->pk, who, owner);
	return domain_msg_error(KN_EDENIED, "teacher", "AKSES_BUKAN_ATASAN_SKP", NULL);
}

int
kd_plan_is_atasan(store_txn *t, const char *school, const uint8_t reader[32], const uint8_t owner[32],
    const domain_user *owner_u)
{
	plan_posts posts;
	plan_person o;
	domain_jabatan j = strcmp(owner_u->role, "kepala_sekolah") == 0 ? DOMAIN_JABATAN_KEPALA_SEKOLAH : DOMAIN_JABATAN_GURU;
	int yes;

	memcpy(o.pk, owner, 32);
	o.u = *owner_u;
	yes = plan__posts(&posts, t, school) == 0 &&
	    plan__actor_post(&posts, reader, &o, school, j, domain_day_of_ms(kn_now_ms())) >= 0;
	kn_error_clear();
	return yes;
}

/* The owner's Plt assignment valid on day: its index in posts, or -1. */
static int
plan__owner_plt(const plan_posts *posts, const uint8_t owner[32], const char *school, int64_t day)
{
	for (size_t i = 0; i < posts->n; i++)
		if (posts->assigned[i] && posts->a[i].role == DOMAIN_ROLE_PLT_KEPALA_SEKOLAH &&
		    memcmp(posts->a[i].person, owner, 32) == 0 && domain_assignment_valid(&posts->a[i], school, day))
			return (int)i;
	return -1;
}

/* The SKP's atasan today, resolved from the posts (domain_atasan_resolve). */
static int
plan__atasan(domain_atasan_set *out, const plan_posts *posts, const plan_person *owner, const char *school,
    domain_jabatan jabatan, int64_t day)
{
	domain_atasan_query q = { owner->pk, owner->u.role, school, jabatan, day, posts->a, posts->n };
	int rc = domain_atasan_resolve(out, &q);

	kn_error_clear();
	return rc;
}

/* The plan's items, with the catalog's words: praktik, rhk (with points), tugas_tambahan, perilaku, rangkuman. */
static void
plan__pack_items(msgpack_packer *pk, const domain_plan *p, const domain_catalog *c, const domain_plan_points *pts)
{
	msgpack_pack_map(pk, 5);
	kd_pack_str(pk, "praktik_kinerja");
	msgpack_pack_array(pk, p->npraktik);
	for (size_t i = 0; i < p->npraktik; i++) {
		const domain_catalog_sub *s = NULL;
		domain_catalog_sub_find(&s, c, p->praktik[i]);
		msgpack_pack_map(pk, 2);
		kd_pack_kv_str(pk, "id", p->praktik[i]);
		plan__pack_opt_str(pk, "name", s ? s->name : NULL);
	}
	kd_pack_str(pk, "rhk");
	msgpack_pack_array(pk, p->nrhk);
	for (size_t i = 0; i < p->nrhk; i++) {
		const domain_catalog_rhk *r = NULL;
		const domain_points_item *it = &pts->items[i];
		char slot[32];
		domain_catalog_rhk_find(&r, c, p->rhk[i].id);
		snprintf(slot, sizeof(slot), "rhk-%lld", (long long)p->rhk[i].id);
		msgpack_pack_map(pk, 7);
		plan__pack_kv_i64(pk, "id", p->rhk[i].id);
		kd_pack_kv_str(pk, "slot", slot);
		plan__pack_opt_str(pk, "text", r ? (r->text ? r->text : r->summary) : NULL);
		plan__pack_kv_i64(pk, "target_kuantitas", p->rhk[i].target_kuantitas);
		plan__pack_kv_i64(pk, "per_unit", it->per_unit);
		plan__pack_kv_i64(pk, "subtotal", it->subtotal);
		plan__pack_bool(pk, "certain", it->certain);
	}
	kd_pack_str(pk, "tugas_tambahan");
	msgpack_pack_array(pk, p->ntugas);
	for (size_t i = 0; i < p->ntugas; i++) {
		const domain_catalog_tugas *tt = NULL;
		char slot[32];
		domain_catalog_tugas_find(&tt, c, p->tugas[i].id);
		snprintf(slot, sizeof(slot), "tugas-%zu", i + 1);
		msgpack_pack_map(pk, 4);
		kd_pack_kv_str(pk, "id", p->tugas[i].id);
		kd_pack_kv_str(pk, "slot", slot);
		plan__pack_opt_str(pk, "name", tt ? tt->name : NULL);
		kd_pack_kv_str(pk, "sk", p->tugas[i].sk.s);
	}
	kd_pack_str(pk, "perilaku");
	msgpack_pack_array(pk, p->nperilaku);
	for (size_t i = 0; i < p->nperilaku; i++) {
		const domain_plan_perilaku *b = &p->perilaku[i];
		const domain_catalog_aspect *a = NULL;
		const char *text = b->has_index ? NULL : b->text.s;
		domain_catalog_aspect_find(&a, c, b->aspek);
		if (b->has_index && a && b->index >= 0 && (size_t)b->index < a->nbehaviours)
			text = a->behaviours[b->index].text ? a->behaviours[b->index].text : a->behaviours[b->index].summary;
		msgpack_pack_map(pk, 5);
		kd_pack_kv_str(pk, "aspek", b->aspek);
		plan__pack_opt_str(pk, "name", a ? a->name : NULL);
		kd_pack_str(pk, "nomor");
		if (b->has_index)
			msgpack_pack_int64(pk, b->index + 1);
		else
			msgpack_pack_nil(pk);
		plan__pack_opt_str(pk, "teks", text);
		plan__pack_opt_str(pk, "ekspektasi_khusus", b->ekspektasi_khusus.s);
	}
	kd_pack_kv_str(pk, "rangkuman", p->rangkuman.s);
	kn_error_clear();
}

/* A list of problems or warnings as [{code, field, message}]. */
static void
plan__pack_problems(msgpack_packer *pk, const domain_problem *list, size_t n)
{
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		msgpack_pack_map(pk, 3);
		kd_pack_kv_str(pk, "code", list[i].code);
		kd_pack_kv_str(pk, "field", list[i].field);
		kd_pack_kv_str(pk, "message", list[i].message);
	}
}

/* The message that says an act came after its deadline, from the period's dates. */
static void
plan__late_message(char *out, size_t outsz, const domain_period *dates, const char *deadline, uint64_t at_ms)
{
	const domain_deadline *dl = strcmp(deadline, "plan_due") == 0 ? &dates->plan_due :
	    strcmp(deadline, "approve_due") == 0 ? &dates->approve_due : &dates->evaluation_due;
	domain_timing tm;
	domain_timing_query q = { dl, domain_day_of_ms(at_ms), NULL, "", NULL, NULL, 0, NULL };

	domain_timing_check(&tm, &q);
	kn_error_clear();
	snprintf(out, outsz, "%s", tm.message);
}

/* One document's history, parsed: the views in time order and their bodies. */
typedef struct {
	kd_history h;
	domain_skp_body **b;        /* b[i]: body of h.v[i], NULL when it does not parse */
} plan_history;

/* Free a parsed history. */
static void
plan__history_free(plan_history *ph)
{
	for (size_t i = 0; ph->b && i < ph->h.n; i++)
		free(ph->b[i]);
	free(ph->b);
	kd_history_free(&ph->h);
}

/* Every version of owner's SKP of period, oldest first, with its body parsed (NULL when it does not parse). */
static int
plan__history(plan_history *out, store_txn *t, const char *school, const uint8_t owner[32], const char *period)
{
	char doc[RECORD_DOC_KEY_MAX], subject[DOMAIN_SKP_SUBJECT_LEN + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	domain_skp_subject(subject, sizeof(subject), owner, period);
	snprintf(doc, sizeof(doc), "skp/%s/%s", school, subject);
	if ((rc = kd_history_load(&out->h, t, doc)))
		return rc;
	if (out->h.n && (out->b = calloc(out->h.n, sizeof(*out->b))) == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory reading an SKP's history");
	for (size_t i = 0; i < out->h.n; i++) {
		out->b[i] = calloc(1, sizeof(**out->b));
		if (out->b[i] == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory reading an SKP's history");
		if (domain_skp_body_parse(out->b[i], out->h.v[i].body) != 0) {
			free(out->b[i]);
			out->b[i] = NULL;
		}
	}
	kn_error_clear();
	return 0;
}

/* The index in the history of record id, or -1. */
static ssize_t
plan__history_find(const plan_history *ph, const uint8_t *id)
{
	for (size_t i = 0; i < ph->h.n; i++)
		if (memcmp(ph->h.v[i].id, id, 32) == 0)
			return (ssize_t)i;
	return -1;
}

/* The parent of history entry i, as an index, or -1. */
static ssize_t
plan__history_parent(const plan_history *ph, ssize_t i)
{
	if (i < 0 || record_nparents(&ph->h.v[i]) == 0)
		return -1;
	return plan__history_find(ph, record_parent(&ph->h.v[i], 0));
}

/*
 * The atasan's latest note on the current version's line (Tinjau Ulang or
 * Buka Kembali) while the plan waits for revision: walk back from the head
 * through PERLU_REVISI versions.
 */
static ssize_t
plan__note_entry(const plan_history *ph, ssize_t head)
{
	for (ssize_t i = head; i >= 0 && ph->b[i] && ph->b[i]->state == DOMAIN_SKP_PERLU_REVISI; i = plan__history_parent(ph, i))
		if (ph->b[i]->has_note)
			return i;
	return -1;
}

/* The approval on the current version's line: walk back from an approved or agreed head to its Setujui. */
static ssize_t
plan__approval_entry(const plan_history *ph, ssize_t head)
{
	for (ssize_t i = head; i >= 0 && ph->b[i]; i = plan__history_parent(ph, i)) {
		if (ph->b[i]->action == DOMAIN_SKP_SETUJUI)
			return i;
		if (ph->b[i]->state != DOMAIN_SKP_DISETUJUI && ph->b[i]->state != DOMAIN_SKP_DISEPAKATI)
			return -1;
	}
	return -1;
}

/* The name of a record's author (their current enrollment), for the history. */
static void
plan__author_name(char *out, size_t outsz, store_txn *t, const char *school, const uint8_t pk[32])
{
	domain_user u;
	domain_school sc;
	plan_posts posts;

	if (kd_user_lookup(&u, t, school, pk) == 0) {
		snprintf(out, outsz, "%s", u.name);
		kn_error_clear();
		return;
	}
	snprintf(out, outsz, "?");
	/* not enrolled here: an official the Dinas assigned, or the Dinas itself */
	if (plan__posts(&posts, t, school) == 0)
		for (size_t i = 0; i < posts.n; i++)
			if (posts.assigned[i] && memcmp(posts.a[i].person, pk, 32) == 0) {
				snprintf(out, outsz, "%s (%s)", posts.name[i], domain_assignment_role_label(posts.a[i].role));
				kn_error_clear();
				return;
			}
	if (kd_school_lookup(&sc, t, school) == 0 && sc.has_authority && memcmp(sc.authority_pk, pk, 32) == 0)
		snprintf(out, outsz, "%s", domain_msg_text("LABEL_DINAS"));
	kn_error_clear();
}

/*
 * Which versions lead to the current one (head, an index, or -1 when there
 * is none): on_line[i] = 1. A version off that line was made concurrently
 * with another (at the hub and at the school before they synced, or two
 * atasan at once); the fold chose the other. Returns how many are off.
 */
static size_t
plan__line(unsigned char *on_line, const plan_history *ph, ssize_t head)
{
	size_t off = ph->h.n;

	memset(on_line, 0, ph->h.n);
	for (ssize_t i = head; i >= 0 && !on_line[i]; i = plan__history_parent(ph, i)) {
		on_line[i] = 1;
		off--;
	}
	return head >= 0 ? off : 0;
}

/* The version that counts in place of off-line entry i: the one on the line with the same fork point. */
static ssize_t
plan__rival(const plan_history *ph, const unsigned char *on_line, ssize_t i)
{
	ssize_t fork = i;

	while (fork >= 0 && !on_line[fork])
		fork = plan__history_parent(ph, fork);
	for (size_t j = 0; j < ph->h.n; j++)
		if (on_line[j] && plan__history_parent(ph, (ssize_t)j) == fork && (ssize_t)j != fork)
			return (ssize_t)j;
	return -1;
}

/*
 * The history, oldest first: when, what, who, the state it led to, its
 * note, late flag and adjustments, and whether it is in effect (with why
 * not: a version made concurrently with the one that counts).
 */
static void
plan__pack_history(msgpack_packer *pk, store_txn *t, const char *school, const plan_history *ph,
    const domain_period *dates, const uint8_t owner[32], const unsigned char *on_line, ssize_t head)
{
	msgpack_pack_array(pk, ph->h.n);
	for (size_t i = 0; i < ph->h.n; i++) {
		const record_view *v = &ph->h.v[i];
		const domain_skp_body *b = ph->b[i];
		char name[DOMAIN_NAME_MAX + 1], late[DOMAIN_MSG_MAX], why[DOMAIN_MSG_MAX];
		int in_effect = head < 0 || on_line[i];
		plan__author_name(name, sizeof(name), t, school, v->author);
		msgpack_pack_map(pk, 13);
		plan__pack_bool(pk, "in_effect", in_effect);
		why[0] = '\0';
		if (!in_effect) {
			ssize_t r = plan__rival(ph, on_line, (ssize_t)i);
			char rival_by[DOMAIN_NAME_MAX + 1] = "?";
			if (r >= 0)
				plan__author_name(rival_by, sizeof(rival_by), t, school, ph->h.v[r].author);
			const char *params[] = { "aksi", r >= 0 && ph->b[r] ? domain_skp_action_label(ph->b[r]->action) : "?", "nama",
				rival_by, NULL };
			domain_msg_render(why, sizeof(why), "SKP_VERSI_BERSAMAAN", params);
		}
		plan__pack_opt_str(pk, "conflict", why);
		kd_pack_kv_hex(pk, "id", v->id, 32);
		kd_pack_kv_u64(pk, "time_ms", v->hlc >> 16);
		kd_pack_kv_str(pk, "action", b ? domain_skp_action_name(b->action) : "?");
		kd_pack_kv_str(pk, "action_label", b ? domain_skp_action_label(b->action) : "?");
		kd_pack_kv_str(pk, "state", b ? domain_skp_state_name(b->state) : "?");
		kd_pack_kv_str(pk, "state_label", b ? domain_skp_state_label(b->state) : "?");
		kd_pack_kv_str(pk, "by", name);
		plan__pack_bool(pk, "by_atasan", memcmp(v->author, owner, 32) != 0);
		plan__pack_opt_str(pk, "note", b && b->has_note ? b->note : NULL);
		late[0] = '\0';
		if (b && b->late)
			plan__late_message(late, sizeof(late), dates, b->late_deadline, v->hlc >> 16);
		plan__pack_opt_str(pk, "late", late);
		kd_pack_kv_u64(pk, "adjustments", b ? b->nadjustments : 0);
	}
}

/* The atasan's adjustments of the approval at index a, recomputed from its parent (the submitted plan). */
static void
plan__pack_adjustments(msgpack_packer *pk, const plan_history *ph, ssize_t a, const domain_catalog *c)
{
	ssize_t parent = plan__history_parent(ph, a);
	domain_plan_adjustments *adj = NULL;

	if (a >= 0 && parent >= 0 && ph->b[parent] && (adj = calloc(1, sizeof(*adj))) != NULL)
		domain_plan_adjustments_get(adj, NULL, &ph->b[parent]->plan, &ph->b[a]->plan, c);
	kn_error_clear();
	msgpack_pack_array(pk, adj ? adj->n : 0);
	for (size_t i = 0; adj && i < adj->n; i++) {
		const domain_adjustment *x = &adj->items[i];
		msgpack_pack_map(pk, 6);
		kd_pack_kv_str(pk, "code", x->code);
		kd_pack_kv_str(pk, "field", x->field);
		kd_pack_kv_str(pk, "ref", x->ref);
		plan__pack_kv_i64(pk, "before", x->before);
		plan__pack_kv_i64(pk, "after", x->after);
		kd_pack_kv_str(pk, "message", x->message);
	}
	free(adj);
}

/* The period's state on day, with its message. */
static domain_period_state
plan__period_state(char *msg, size_t msgsz, const plan_period *pp, const char *school, int64_t day)
{
	domain_period_opening o;
	domain_assignment opener;
	domain_period_state st;
	domain_problem why;

	memset(&o, 0, sizeof(o));
	memset(&opener, 0, sizeof(opener));
	snprintf(o.period, sizeof(o.period), "%s", pp->period);
	snprintf(o.school, sizeof(o.school), "%s", school);
	memcpy(o.by, pp->by, 32);
	o.day = domain_day_of_ms(pp->ms);
	memcpy(opener.person, pp->by, 32);
	snprintf(opener.school, sizeof(opener.school), "%s", school);
	opener.role = DOMAIN_ROLE_KEPALA_SEKOLAH;
	opener.start_day = o.day;
	opener.end_day = DOMAIN_DAY_OPEN;
	domain_period_state_get(&st, &why, &pp->dates, school, &o, pp->opened ? 1 : 0, &opener, 1, day);
	kn_error_clear();
	snprintf(msg, msgsz, "%s", why.message);
	return st;
}

/* See methods.h. */
int
kd_plan_view(msgpack_packer *pk, store_txn *t, const char *school, const uint8_t owner_pk[32], const char *period,
    uint64_t now_ms)
{
	plan_period pp;
	plan_person owner;
	plan_skp skp = { 0 };
	plan_history ph;
	plan_posts posts;
	domain_plan *plan = NULL;
	domain_plan_report *rep = NULL;
	domain_atasan_set atasan;
	char pmsg[DOMAIN_MSG_MAX];
	const int64_t today = domain_day_of_ms(now_ms);
	ssize_t head = -1, note = -1, appr = -1;
	unsigned char *on_line = NULL;
	size_t nconflicts = 0;
	int rc;

	memset(&ph, 0, sizeof(ph));
	if ((rc = plan__person(&owner, t, school, owner_pk)) || (rc = plan__period(&pp, t, school, period)))
		return rc;
	if ((rc = plan__skp(&skp, t, school, owner_pk, period)) || (rc = plan__history(&ph, t, school, owner_pk, period)) ||
	    (rc = plan__posts(&posts, t, school)))
		goto out_free;
	plan = calloc(1, sizeof(*plan));
	rep = calloc(1, sizeof(*rep));
	if (plan == NULL || rep == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory building a plan view");
		goto out_free;
	}
	if (skp.exists)
		*plan = skp.body->plan;
	else
		plan__fresh(plan, &pp, &owner.u);
	domain_plan_check(rep, plan, pp.catalog);
	kn_error_clear();
	if (skp.exists) {
		head = plan__history_find(&ph, skp.id);
		note = plan__note_entry(&ph, head);
		appr = plan__approval_entry(&ph, head);
	}
	if (ph.h.n && (on_line = malloc(ph.h.n)) == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory building a plan view");
		goto out_free;
	}
	nconflicts = ph.h.n ? plan__line(on_line, &ph, head) : 0;
	plan__atasan(&atasan, &posts, &owner, school, plan->jabatan, today);

	msgpack_pack_map(pk, 18);
	kd_pack_kv_str(pk, "period", period);
	{
		domain_period_state st = plan__period_state(pmsg, sizeof(pmsg), &pp, school, today);
		kd_pack_kv_str(pk, "period_state", domain_period_state_name(st));
		kd_pack_kv_str(pk, "period_message", pmsg);
	}
	kd_pack_str(pk, "owner");
	plan__pack_person(pk, owner.pk, &owner.u);
	kd_pack_str(pk, "atasan");
	msgpack_pack_array(pk, atasan.n);
	for (size_t i = 0; i < atasan.n; i++) {
		domain_user au;
		int have = kd_user_lookup(&au, t, school, atasan.keys[i]) == 0;
		kn_error_clear();
		if (!have) {
			/* an official of the Dinas: the name and post its assignment gives */
			memset(&au, 0, sizeof(au));
			snprintf(au.name, sizeof(au.name), "?");
			for (size_t j = 0; j < posts.n; j++)
				if (posts.assigned[j] && memcmp(posts.a[j].person, atasan.keys[i], 32) == 0) {
					snprintf(au.name, sizeof(au.name), "%s", posts.name[j]);
					snprintf(au.role, sizeof(au.role), "%s", atasan.roles[i] == DOMAIN_ROLE_KEPALA_DINAS ? "kepala_dinas" : "pengawas");
				}
			have = 1;
		}
		plan__pack_person(pk, atasan.keys[i], have ? &au : NULL);
	}
	kd_pack_kv_str(pk, "atasan_message", atasan.message);
	kd_pack_kv_str(pk, "state", domain_skp_state_name(skp.exists ? skp.body->state : DOMAIN_SKP_BELUM));
	kd_pack_kv_str(pk, "state_label", domain_skp_state_label(skp.exists ? skp.body->state : DOMAIN_SKP_BELUM));
	kd_pack_kv_str(pk, "catalog", plan->catalog);
	kd_pack_kv_str(pk, "jabatan", domain_jabatan_name(plan->jabatan));
	kd_pack_str(pk, "items");
	plan__pack_items(pk, plan, pp.catalog, &rep->points);
	kd_pack_str(pk, "points");
	msgpack_pack_map(pk, 7);
	plan__pack_kv_i64(pk, "total", rep->points.total);
	plan__pack_kv_i64(pk, "total_min", rep->points.total_min);
	plan__pack_kv_i64(pk, "total_max", rep->points.total_max);
	plan__pack_kv_i64(pk, "min", rep->points.min);
	plan__pack_kv_i64(pk, "max", rep->points.max);
	kd_pack_kv_str(pk, "code", rep->points.code);
	kd_pack_kv_str(pk, "guidance", rep->points.guidance);
	kd_pack_str(pk, "problems");
	plan__pack_problems(pk, rep->problems, rep->nproblems);
	kd_pack_str(pk, "warnings");
	plan__pack_problems(pk, rep->warnings, rep->nwarnings);
	kd_pack_str(pk, "note");
	if (note >= 0) {
		char name[DOMAIN_NAME_MAX + 1];
		plan__author_name(name, sizeof(name), t, school, ph.h.v[note].author);
		msgpack_pack_map(pk, 4);
		kd_pack_kv_str(pk, "action_label", domain_skp_action_label(ph.b[note]->action));
		kd_pack_kv_str(pk, "text", ph.b[note]->note);
		kd_pack_kv_str(pk, "by", name);
		kd_pack_kv_u64(pk, "time_ms", ph.h.v[note].hlc >> 16);
	} else {
		msgpack_pack_nil(pk);
	}
	kd_pack_str(pk, "adjustments");
	plan__pack_adjustments(pk, &ph, appr, pp.catalog);
	kd_pack_str(pk, "conflicts");
	msgpack_pack_map(pk, 2);
	kd_pack_kv_u64(pk, "count", nconflicts);
	{
		char msg[DOMAIN_MSG_MAX] = "", num[24];
		snprintf(num, sizeof(num), "%zu", nconflicts);
		const char *params[] = { "n", num, NULL };
		if (nconflicts)
			domain_msg_render(msg, sizeof(msg), "SKP_KONFLIK_RINGKAS", params);
		kd_pack_kv_str(pk, "message", msg);
	}
	kd_pack_str(pk, "history");
	plan__pack_history(pk, t, school, &ph, &pp.dates, owner_pk, on_line, head);
	if (((kn_buf *)pk->data)->failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory building a plan view");
out_free:
	free(on_line);
	free(plan);
	free(rep);
	plan__history_free(&ph);
	plan__skp_free(&skp);
	plan__period_free(&pp);
	return rc;
}

/* ---- acts ---- */

/* A refusal to someone who is not the atasan, with who is, today, from every post of the school. */
static void
plan__say_atasan(int rc, store_txn *t, const plan_posts *posts, const plan_person *owner, const char *school,
    domain_jabatan jabatan)
{
	char why[DOMAIN_MSG_MAX], names[512] = "", name[DOMAIN_NAME_MAX + 64];
	domain_atasan_set set;
	size_t n = 0;

	snprintf(why, sizeof(why), "%s", kn_error_message());
	if (plan__atasan(&set, posts, owner, school, jabatan, domain_day_of_ms(kn_now_ms())) == 0)
		for (size_t i = 0; i < set.n; i++) {
			plan__author_name(name, sizeof(name), t, school, set.keys[i]);
			n += (size_t)snprintf(names + n, n < sizeof(names) ? sizeof(names) - n : 0, "%s%s (%s)", i ? ", " : "", name,
			    domain_assignment_role_label(set.roles[i]));
			if (n >= sizeof(names))
				break;
		}
	if (names[0]) {
		char today[DOMAIN_MSG_MAX];
		const char *params[] = { "nama", owner->u.name, "daftar", names, NULL };
		domain_msg_render(today, sizeof(today), "ATASAN_HARI_INI", params);
		kn_error_set(rc, "atasan", "%s %s", why, today);
	} else
		kn_error_set(rc, "atasan", "%s %s", why, set.message);
}

/*
 * One act on an SKP. Owner acts (simpan, ajukan, sepakati) are on the
 * caller's own plan; the atasan's (setujui, tinjau_ulang, buka_kembali)
 * on the plan of the teacher named. Edits apply to the current version
 * for simpan, ajukan (never the atasan's ekspektasi khusus) and setujui
 * (the adjustments); the other acts carry the plan unchanged.
 */
static int
plan__act(kd_req *req, msgpack_packer *pk, domain_skp_action action)
{
	kd_server *srv = req->srv;
	const int by_atasan = domain_skp_action_by_atasan(action);
	const int edits_ok = action == DOMAIN_SKP_SIMPAN || action == DOMAIN_SKP_AJUKAN || action == DOMAIN_SKP_SETUJUI;
	char period[8], note[DOMAIN_PLAN_TEXT_BYTES + 1], ident[32], subject[DOMAIN_SKP_SUBJECT_LEN + 1];
	uint8_t owner_pk[32], auth[RECORD_MAX_AUTH][32], id[32];
	plan_person me, owner;
	plan_posts posts;
	domain_assignment in_posts[DOMAIN_SKP_POSTS_MAX];
	size_t nin_posts = 0;
	int actor_post = -1, owner_plt = -1;
	plan_period pp = { 0 };
	plan_skp skp = { 0 };
	domain_plan *plan = NULL;
	domain_skp_outcome *o = NULL;
	kn_buf body = KN_BUF_INIT;
	store_batch *b;
	store_txn *t;
	size_t nedits = 0, nauth = 0;
	int rc, problems = 0;

	if ((rc = plan__period_arg(period, req)) || (rc = kd_arg_str(note, sizeof(note), req, "note", 0)) ||
	    (rc = kd_arg_str(ident, sizeof(ident), req, "teacher", 0)))
		return rc;
	if (by_atasan && !ident[0])
		return domain_msg_error(KN_EINVAL, "teacher", "SKP_SEBUT_PEGAWAI", NULL);
	if (!by_atasan && ident[0])
		return domain_msg_error(KN_EINVAL, "teacher", "SKP_AKSI_PEMILIK_SENDIRI", "aksi", domain_skp_action_label(action),
		    NULL);
	if (action != DOMAIN_SKP_SETUJUI && kd_arg(req, "ekspektasi"))
		return domain_msg_error(KN_EINVAL, "ekspektasi", "SKP_EKSPEKTASI_SAAT_SETUJUI", NULL);
	if (note[0] && action != DOMAIN_SKP_TINJAU_ULANG && action != DOMAIN_SKP_BUKA_KEMBALI)
		return domain_msg_error(KN_EINVAL, "note", "SKP_CATATAN_TEMPAT", NULL);
	if ((rc = kd_write_begin(&b, req)))
		return rc;
	t = store_batch_txn(b);
	if ((rc = kd_plan_may_start(req, t, action, period))) /* eligibility, identity: people.c */
		goto out_end;
	plan = calloc(1, sizeof(*plan));
	o = calloc(1, sizeof(*o));
	if (plan == NULL || o == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out_end;
	}
	if ((rc = plan__owner_arg(owner_pk, req, t)) ||
	    (rc = plan__person(&me, t, req->srv->school, req->sess->key->pk)) ||
	    (rc = plan__person(&owner, t, req->school, owner_pk)) || (rc = plan__period(&pp, t, req->school, period)) ||
	    (rc = plan__skp(&skp, t, req->school, owner_pk, period)))
		goto out_end;
	if (!pp.opened) {
		char msg[DOMAIN_MSG_MAX];
		const char *params[] = { "periode", period, NULL };
		domain_msg_render(msg, sizeof(msg), "PERIODE_BELUM_DIBUKA", params);
		rc = kn_error_set(KN_ESTATE, "period", "%s", msg);
		goto out_end;
	}
	if (skp.exists)
		*plan = skp.body->plan;
	else
		plan__fresh(plan, &pp, &owner.u);
	if (by_atasan) {
		/*
		 * The atasan acts on his post: a Kepala Sekolah's enrollment here,
		 * or an assignment of the Dinas (Plt, Pengawas, Kepala Dinas),
		 * which the record then names instead of an enrollment; the
		 * owner's Plt assignment goes with it, so the rule sees that the
		 * owner is himself acting principal (R3).
		 */
		int64_t today = domain_day_of_ms(kn_now_ms());
		if ((rc = plan__posts(&posts, t, req->school)))
			goto out_end;
		actor_post = plan__actor_post(&posts, me.pk, &owner, req->school, plan->jabatan, today);
		owner_plt = plan__owner_plt(&posts, owner.pk, req->school, today);
		if (actor_post >= 0 && posts.assigned[actor_post])
			in_posts[nin_posts++] = posts.a[actor_post];
		else
			actor_post = -1; /* his enrollment is the post */
		if (owner_plt >= 0)
			in_posts[nin_posts++] = posts.a[owner_plt];
	}
	if ((rc = domain_plan_apply_edits(plan, &nedits, req->args)))
		goto out_end;
	if (nedits && !edits_ok) {
		rc = domain_msg_error(KN_EINVAL, "plan", "SKP_AKSI_TANPA_PERUBAHAN", "aksi", domain_skp_action_label(action), NULL);
		goto out_end;
	}

	/* decide at the clock the record will carry, against exactly what it will name */
	uint64_t hlc = store_hlc_next(srv->st);
	domain_skp_input in = { action, me.pk, actor_post >= 0 ? NULL : &me.u, me.ms, owner.pk, &owner.u, req->school,
		hlc >> 16, skp.exists ? skp.body : NULL, plan,
		action == DOMAIN_SKP_TINJAU_ULANG || action == DOMAIN_SKP_BUKA_KEMBALI ? note : NULL, pp.catalog, period,
		&pp.body, pp.by, pp.ms, in_posts, nin_posts };
	if ((rc = domain_skp_decide(o, &in))) {
		problems = (action == DOMAIN_SKP_AJUKAN || action == DOMAIN_SKP_SETUJUI) && o->report.nproblems > 0 &&
		    strcmp(o->event.code ? o->event.code : "", "SKP_BELUM_LENGKAP") == 0;
		if (by_atasan && strcmp(o->event.code ? o->event.code : "", "SKP_HANYA_ATASAN") == 0)
			plan__say_atasan(rc, t, &posts, &owner, req->school, plan->jabatan);
		goto out_end;
	}
	if ((rc = domain_skp_body_pack(&body, &o->body)))
		goto out_end;
	memcpy(auth[nauth++], actor_post >= 0 ? posts.id[actor_post] : me.id, 32);
	memcpy(auth[nauth++], pp.id, 32);
	memcpy(auth[nauth++], pp.catalog_id, 32);
	if (memcmp(me.pk, owner.pk, 32) != 0)
		memcpy(auth[nauth++], owner.id, 32);
	if (owner_plt >= 0)
		memcpy(auth[nauth++], posts.id[owner_plt], 32);
	domain_skp_subject(subject, sizeof(subject), owner.pk, period);
	rc = kd_record_add_auth(id, srv, b, "skp", req->school, subject, hlc, skp.exists ? skp.id : NULL, (const uint8_t(*)[32])auth,
	    nauth, &body, req->sess->key);
out_end:
	rc = kd_write_end(req, rc);
	if (rc == 0) {
		kn_info("%s: %s on the SKP %s of %s (%s)", req->sess->name, domain_skp_action_name(action), period, owner.u.name,
		    domain_skp_state_name(o->body.state));
		msgpack_pack_map(pk, 4);
		kd_pack_kv_str(pk, "message", o->event.message);
		plan__pack_opt_str(pk, "late", o->timing.late ? o->timing.message : NULL);
		kd_pack_kv_hex(pk, "id", id, 32);
		kd_pack_str(pk, "plan");
		rc = kd_plan_view(pk, t, req->school, owner.pk, period, kn_now_ms());
	} else if (problems) {
		/* Ajukan and Setujui answer every problem of the plan at once */
		plan__problems_as_details(&o->report);
	}
	kn_buf_free(&body);
	plan__skp_free(&skp);
	plan__period_free(&pp);
	free(plan);
	free(o);
	return rc;
}

/* plan.save: Simpan Draf, with the request's edits. */
int
kd_m_plan_save(kd_req *req, msgpack_packer *pk)
{
	return plan__act(req, pk, DOMAIN_SKP_SIMPAN);
}

/* plan.submit: Ajukan, with the request's edits; every problem at once when it cannot be. */
int
kd_m_plan_submit(kd_req *req, msgpack_packer *pk)
{
	return plan__act(req, pk, DOMAIN_SKP_AJUKAN);
}

/* plan.approve {teacher}: Setujui, the edits being the atasan's adjustments. */
int
kd_m_plan_approve(kd_req *req, msgpack_packer *pk)
{
	return plan__act(req, pk, DOMAIN_SKP_SETUJUI);
}

/* plan.return {teacher, note}: Tinjau Ulang. */
int
kd_m_plan_return(kd_req *req, msgpack_packer *pk)
{
	return plan__act(req, pk, DOMAIN_SKP_TINJAU_ULANG);
}

/* plan.agree: Sepakati the approved plan as it is. */
int
kd_m_plan_agree(kd_req *req, msgpack_packer *pk)
{
	return plan__act(req, pk, DOMAIN_SKP_SEPAKATI);
}

/* plan.reopen {teacher, note}: Buka Kembali, the reason kept in the history. */
int
kd_m_plan_reopen(kd_req *req, msgpack_packer *pk)
{
	return plan__act(req, pk, DOMAIN_SKP_BUKA_KEMBALI);
}

/* plan.show {period?, teacher?}: one plan, the caller's or a teacher's (the atasan). */
int
kd_m_plan_show(kd_req *req, msgpack_packer *pk)
{
	char period[8];
	uint8_t owner[32];
	store_txn *t;
	int rc;

	if ((rc = plan__period_arg(period, req)) || (rc = store_read_begin(&t, req->srv->st)))
		return rc;
	if ((rc = plan__owner_arg(owner, req, t)) == 0)
		rc = kd_plan_view(pk, t, req->school, owner, period, kn_now_ms());
	store_read_end(t);
	return rc;
}

/* ---- the period ---- */

/* The period as a map: state, opening, catalog, dates and deadlines. */
static void
plan__pack_period(msgpack_packer *pk, store_txn *t, const char *school, const plan_period *pp, uint64_t now_ms)
{
	char msg[DOMAIN_MSG_MAX];
	const domain_deadline *dl[3] = { &pp->dates.plan_due, &pp->dates.approve_due, &pp->dates.evaluation_due };
	static const char *labels[3] = { "LABEL_TENGGAT_PLAN_DUE", "LABEL_TENGGAT_APPROVE_DUE", "LABEL_TENGGAT_EVALUATION_DUE" };
	domain_period_state st = plan__period_state(msg, sizeof(msg), pp, school, domain_day_of_ms(now_ms));

	msgpack_pack_map(pk, 9);
	kd_pack_kv_str(pk, "period", pp->period);
	kd_pack_kv_str(pk, "state", domain_period_state_name(st));
	kd_pack_kv_str(pk, "message", msg);
	kd_pack_str(pk, "opened");
	if (pp->opened) {
		char name[DOMAIN_NAME_MAX + 1];
		plan__author_name(name, sizeof(name), t, school, pp->by);
		msgpack_pack_map(pk, 3);
		kd_pack_kv_str(pk, "by", name);
		kd_pack_kv_u64(pk, "time_ms", pp->ms);
		kd_pack_kv_hex(pk, "id", pp->id, 32);
	} else {
		msgpack_pack_nil(pk);
	}
	kd_pack_kv_str(pk, "catalog", pp->version);
	kd_pack_kv_str(pk, "catalog_name", pp->catalog->name ? pp->catalog->name : "");
	plan__pack_day(pk, "start", pp->dates.start_day);
	plan__pack_day(pk, "end", pp->dates.end_day);
	kd_pack_str(pk, "deadlines");
	msgpack_pack_array(pk, 3);
	for (int i = 0; i < 3; i++) {
		msgpack_pack_map(pk, 4);
		kd_pack_kv_str(pk, "id", dl[i]->id);
		kd_pack_kv_str(pk, "label", domain_msg_text(labels[i]));
		plan__pack_day(pk, "date", dl[i]->day);
		plan__pack_bool(pk, "hard", dl[i]->hard);
	}
}

/*
 * period.open {period?, catalog?}: the Kepala Sekolah starts the period on
 * a stored catalog (the newest, or the version named). A period opened
 * already, or over already, is refused with what it is.
 */
static int
plan__period_open(kd_req *req, msgpack_packer *pk, int by_authority)
{
	kd_server *srv = req->srv;
	keys_secret *authority = NULL;
	char period[8], version[80], date[40], msg[DOMAIN_MSG_MAX], doc[RECORD_DOC_KEY_MAX];
	uint8_t auth[2][32];
	plan_person me;
	plan_period pp = { 0 };
	domain_period_body pb;
	kn_buf body = KN_BUF_INIT;
	store_batch *b;
	store_txn *t;
	record_view v;
	int rc;

	if ((rc = plan__period_arg(period, req)) || (rc = kd_arg_str(version, sizeof(version), req, "catalog", 0)))
		return rc;
	if ((rc = kd_write_begin(&b, req)))
		return rc;
	t = store_batch_txn(b);
	if ((rc = plan__period(&pp, t, req->school, period)))
		goto out_end;
	if (pp.opened) {
		char name[DOMAIN_NAME_MAX + 1];
		const char *params[] = { "periode", period, "tanggal", date, "nama", name, NULL };
		plan__author_name(name, sizeof(name), t, req->school, pp.by);
		domain_day_format(date, sizeof(date), domain_day_of_ms(pp.ms));
		domain_msg_render(msg, sizeof(msg), "PERIODE_SUDAH_DIMULAI", params);
		rc = kn_error_set(KN_EEXISTS, "period", "%s", msg);
		goto out_end;
	}
	if (version[0]) {
		/* a version other than the newest: read it, and its record */
		plan__period_free(&pp);
		if ((rc = kd_catalog_get(&pp.catalog, pp.version, t, req->school, version)))
			goto out_end;
		snprintf(doc, sizeof(doc), "catalog/%s/%s", req->school, pp.version);
		if ((rc = kd_doc_head(&v, t, doc)))
			goto out_end;
		memcpy(pp.catalog_id, v.id, 32);
		record_view_free(&v);
		if ((rc = domain_period_get(&pp.dates, pp.catalog, period)))
			goto out_end;
	}
	if (pp.dates.evaluation_due.hard && domain_day_of_ms(kn_now_ms()) > pp.dates.evaluation_due.day) {
		const char *params[] = { "periode", period, "tanggal", date, NULL };
		domain_day_format(date, sizeof(date), pp.dates.evaluation_due.day);
		domain_msg_render(msg, sizeof(msg), "PERIODE_DITUTUP", params);
		rc = kn_error_set(KN_ESTATE, "period", "%s", msg);
		goto out_end;
	}
	if (by_authority) {
		/* R10: the Dinas opens the period for the school, signing with its authority key; auth = the school record */
		if ((rc = kd_school_record_id(auth[0], t, req->school)))
			goto out_end;
		if ((rc = kd_authority_open(&authority, srv)))
			goto out_end;
	} else {
		if ((rc = plan__person(&me, t, req->srv->school, req->sess->key->pk)))
			goto out_end;
		memcpy(auth[0], me.id, 32);
	}
	snprintf(pb.catalog, sizeof(pb.catalog), "%s", pp.version);
	if ((rc = domain_period_body_pack(&body, &pb)))
		goto out_end;
	memcpy(auth[1], pp.catalog_id, 32);
	rc = kd_record_add_auth(pp.id, srv, b, "period", req->school, period, store_hlc_next(srv->st), NULL,
	    (const uint8_t(*)[32])auth, 2, &body, by_authority ? authority : req->sess->key);
out_end:
	keys_secret_free(authority);
	rc = kd_write_end(req, rc);
	if (rc == 0) {
		plan__period_free(&pp);
		if ((rc = plan__period(&pp, t, req->school, period)) == 0) {
			kn_info("%s opened period %s (catalog %.12s)", req->sess->name, period, pp.version);
			plan__pack_period(pk, t, req->school, &pp, kn_now_ms());
		}
	}
	kn_buf_free(&body);
	plan__period_free(&pp);
	return rc;
}

/* period.show {period?}: open or not, by whom, on which catalog, its dates and deadlines. */
/* period.open: the school's Kepala Sekolah opens the period. */
int
kd_m_period_open(kd_req *req, msgpack_packer *pk)
{
	if (req->srv->office)
		return domain_msg_error(KN_EDENIED, "method", "PERIODE_DI_KANTOR_DINAS", NULL);
	return plan__period_open(req, pk, 0);
}

/* dinas.period_open {school, period?, catalog?}: the Dinas opens a school's period (R10), as its authority. */
int
kd_m_dinas_period_open(kd_req *req, msgpack_packer *pk)
{
	int rc;

	if ((rc = kd_office_school_needed(req)))
		return rc;
	return plan__period_open(req, pk, 1);
}

int
kd_m_period_show(kd_req *req, msgpack_packer *pk)
{
	char period[8];
	plan_period pp;
	store_txn *t;
	int rc;

	if ((rc = plan__period_arg(period, req)) || (rc = store_read_begin(&t, req->srv->st)))
		return rc;
	if ((rc = plan__period(&pp, t, req->school, period)) == 0) {
		plan__pack_period(pk, t, req->school, &pp, kn_now_ms());
		plan__period_free(&pp);
	}
	store_read_end(t);
	return rc;
}

/* ---- the atasan's inbox and everyone's tasks ---- */

/* One teacher of the atasan, with the state of their plan. */
typedef struct {
	plan_person p;
	domain_skp_state state;
	int64_t points;
	char guidance[DOMAIN_MSG_MAX];
	int late;
	size_t nadjustments;
	char note[DOMAIN_PLAN_TEXT_BYTES + 1];
	char rhk_slots[160];
} plan_row;

typedef struct {
	size_t n, cap;
	plan_row *rows;
} plan_rows;

struct rows_scan {
	store_txn *t;
	const char *school;
	const char *period;
	const uint8_t *me;
	const plan_posts *posts;
	const plan_period *pp;
	int64_t day;
	plan_rows *out;
	int rc;
};

/* Fill one row from the person's plan: state, points and guidance, late flag, note, RHK slots. */
static int
plan__row_fill(plan_row *r, store_txn *t, const char *school, const char *period, const plan_period *pp)
{
	plan_skp skp;
	domain_plan_points *pts = calloc(1, sizeof(*pts));
	domain_plan *fresh = NULL;
	int rc;

	if (pts == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	if ((rc = plan__skp(&skp, t, school, r->p.pk, period))) {
		free(pts);
		return rc;
	}
	r->state = skp.exists ? skp.body->state : DOMAIN_SKP_BELUM;
	if (skp.exists) {
		domain_plan_points_get(pts, &skp.body->plan, pp->catalog);
		r->late = skp.body->late;
		snprintf(r->note, sizeof(r->note), "%s", skp.body->has_note ? skp.body->note : "");
		r->nadjustments = skp.body->nadjustments;
		for (size_t i = 0; i < skp.body->plan.nrhk; i++)
			snprintf(r->rhk_slots + strlen(r->rhk_slots), sizeof(r->rhk_slots) - strlen(r->rhk_slots), "%srhk-%lld",
			    i ? ", " : "", (long long)skp.body->plan.rhk[i].id);
		for (size_t i = 0; i < skp.body->plan.ntugas; i++)
			snprintf(r->rhk_slots + strlen(r->rhk_slots), sizeof(r->rhk_slots) - strlen(r->rhk_slots), "%stugas-%zu",
			    r->rhk_slots[0] ? ", " : "", i + 1);
	} else if ((fresh = calloc(1, sizeof(*fresh))) != NULL) {
		plan__fresh(fresh, pp, &r->p.u);
		domain_plan_points_get(pts, fresh, pp->catalog);
	}
	r->points = pts->total;
	snprintf(r->guidance, sizeof(r->guidance), "%s", pts->guidance);
	free(fresh);
	free(pts);
	plan__skp_free(&skp);
	return 0;
}

/* Index callback: a person whose SKP's atasan is me (resolved today from the posts) joins the rows. */
static int
plan__rows_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct rows_scan *rs = arg;
	domain_atasan_set set;
	plan_row r;
	uint8_t pk[32];
	(void)val;
	(void)vlen;

	memset(&r, 0, sizeof(r));
	if (klen < 64 || kn_unhex(pk, 32, (const char *)key + klen - 64, 64) != 0)
		return 0;
	if ((rs->rc = plan__person(&r.p, rs->t, rs->school, pk)))
		return rs->rc == KN_ENOTFOUND ? (rs->rc = 0) : rs->rc;
	if (!r.p.u.active || (strcmp(r.p.u.role, "guru") != 0 && strcmp(r.p.u.role, "kepala_sekolah") != 0))
		return 0;
	/* a Guru's SKP, or the principal's own (judged by a Pengawas or the Kepala Dinas, R4) */
	if (plan__atasan(&set, rs->posts, &r.p, rs->school,
	        strcmp(r.p.u.role, "guru") == 0 ? DOMAIN_JABATAN_GURU : DOMAIN_JABATAN_KEPALA_SEKOLAH, rs->day) != 0 ||
	    !domain_atasan_has(&set, rs->me))
		return 0;
	if ((rs->rc = plan__row_fill(&r, rs->t, rs->school, rs->period, rs->pp)))
		return rs->rc;
	if (rs->out->n == rs->out->cap) {
		size_t cap = rs->out->cap ? 2 * rs->out->cap : 16;
		plan_row *nr = realloc(rs->out->rows, cap * sizeof(*nr));
		if (nr == NULL)
			return rs->rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		rs->out->rows = nr;
		rs->out->cap = cap;
	}
	rs->out->rows[rs->out->n++] = r;
	return 0;
}

/* Teachers in name order (then key), so the inbox reads like a class list. */
static int
plan__row_cmp(const void *a, const void *b)
{
	const plan_row *x = a, *y = b;
	int c = strcmp(x->p.u.name, y->p.u.name);

	return c ? c : memcmp(x->p.pk, y->p.pk, 32);
}

/* The teachers whose atasan is me today, each with their plan. */
static int
plan__rows(plan_rows *out, store_txn *t, const char *school, const char *period, const uint8_t me[32],
    const plan_period *pp, int64_t day)
{
	plan_posts posts;
	char prefix[16];
	struct rows_scan rs = { t, school, period, me, &posts, pp, day, out, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = plan__posts(&posts, t, school)))
		return rc;
	snprintf(prefix, sizeof(prefix), "u/%s/", school);
	rc = store_idx_scan(t, prefix, strlen(prefix), plan__rows_cb, &rs);
	if (rc == 0)
		rc = rs.rc;
	if (rc == 0 && out->n > 1)
		qsort(out->rows, out->n, sizeof(*out->rows), plan__row_cmp);
	return rc;
}

/*
 * What plan.inbox and plan.tasks take from the request. They read one
 * plan per teacher of the school, so they run on the read lane
 * (kd_work_read), where the request and its session are not valid.
 */
typedef struct {
	char school[9];
	char period[8];
	uint8_t me[32];
	char role[16];
	int home;          /* the school is this store's own (not one an office holds) */
} plan_reader;

/* Copy what plan__inbox_read and plan__tasks_read need from the request. */
static int
plan__reader(plan_reader *out, const kd_req *req)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->school, req->school, sizeof(out->school));
	out->home = strcmp(req->school, req->srv->school) == 0;
	memcpy(out->me, req->sess->key->pk, 32);
	snprintf(out->role, sizeof(out->role), "%s", req->me.role);
	return plan__period_arg(out->period, req);
}

/* plan.inbox {period?}: the atasan's teachers, those waiting for approval first counted (read on the read lane). */
static int
plan__inbox_read(msgpack_packer *pk, store_txn *t, const void *arg)
{
	const plan_reader *a = arg;
	const char *period = a->period;
	char msg[DOMAIN_MSG_MAX];
	plan_period pp;
	plan_rows rows = { 0 };
	size_t waiting = 0;
	int rc;

	if ((rc = plan__period(&pp, t, a->school, period)))
		return rc;
	if ((rc = plan__rows(&rows, t, a->school, period, a->me, &pp, domain_day_of_ms(kn_now_ms()))))
		goto out_free;
	for (size_t i = 0; i < rows.n; i++)
		waiting += rows.rows[i].state == DOMAIN_SKP_DIAJUKAN;
	msgpack_pack_map(pk, 5);
	kd_pack_kv_str(pk, "period", period);
	kd_pack_kv_str(pk, "period_state", domain_period_state_name(plan__period_state(msg, sizeof(msg), &pp,
	    a->school, domain_day_of_ms(kn_now_ms()))));
	kd_pack_kv_str(pk, "period_message", msg);
	kd_pack_kv_u64(pk, "waiting", waiting);
	kd_pack_str(pk, "teachers");
	msgpack_pack_array(pk, rows.n);
	for (size_t i = 0; i < rows.n; i++) {
		const plan_row *r = &rows.rows[i];
		msgpack_pack_map(pk, 11);
		kd_pack_kv_hex(pk, "key", r->p.pk, 32);
		kd_pack_kv_str(pk, "name", r->p.u.name);
		kd_pack_kv_str(pk, "ident", plan__ident(&r->p.u));
		kd_pack_kv_str(pk, "state", domain_skp_state_name(r->state));
		kd_pack_kv_str(pk, "state_label", domain_skp_state_label(r->state));
		plan__pack_bool(pk, "waiting_for_me", r->state == DOMAIN_SKP_DIAJUKAN);
		plan__pack_kv_i64(pk, "points", r->points);
		kd_pack_kv_str(pk, "guidance", r->guidance);
		plan__pack_bool(pk, "late", r->late);
		kd_pack_kv_u64(pk, "adjustments", r->nadjustments);
		plan__pack_opt_str(pk, "note", r->note);
	}
out_free:
	free(rows.rows);
	plan__period_free(&pp);
	return rc;
}

/* plan.inbox {period?}: the arguments here, the teachers on the read lane. */
int
kd_m_plan_inbox(kd_req *req, msgpack_packer *pk)
{
	plan_reader a;
	int rc;

	(void)pk;
	if ((rc = plan__reader(&a, req)))
		return rc;
	return kd_work_read(req, plan__inbox_read, &a, sizeof(a));
}

/* One task: {code, message, teacher?, state?}. */
static void
plan__pack_task(msgpack_packer *pk, const char *code, const char *const *params, const plan_row *r)
{
	char msg[DOMAIN_MSG_MAX];

	domain_msg_render(msg, sizeof(msg), code, params);
	msgpack_pack_map(pk, r ? 5 : 2);
	kd_pack_kv_str(pk, "code", code);
	kd_pack_kv_str(pk, "message", msg);
	if (r) {
		kd_pack_kv_str(pk, "teacher", r->p.u.name);
		kd_pack_kv_str(pk, "ident", plan__ident(&r->p.u));
		kd_pack_kv_str(pk, "state", domain_skp_state_name(r->state));
	}
}

/* What my own plan asks of me (1) or of my atasan (0); code NULL when nothing. */
static const char *
plan__own_task(const plan_row *me, int *mine)
{
	*mine = 1;
	switch (me->state) {
	case DOMAIN_SKP_BELUM:
	case DOMAIN_SKP_DRAF:
		return "TUGAS_SUSUN_SKP";
	case DOMAIN_SKP_PERLU_REVISI:
		return "TUGAS_PERBAIKI_SKP";
	case DOMAIN_SKP_DIAJUKAN:
		*mine = 0;
		return "TUGAS_TUNGGU_PERSETUJUAN";
	case DOMAIN_SKP_DISETUJUI:
		return "TUGAS_SEPAKATI_SKP";
	default:
		return "TUGAS_UNGGAH_BUKTI";
	}
}

/* What a teacher's plan asks of the atasan (1) or of the teacher (0); NULL when nothing. */
static const char *
plan__teacher_task(const plan_row *r, int *mine)
{
	*mine = 0;
	switch (r->state) {
	case DOMAIN_SKP_DIAJUKAN:
		*mine = 1;
		return "TUGAS_PERIKSA_SKP";
	case DOMAIN_SKP_PERLU_REVISI:
		return "TUGAS_GURU_MEMPERBAIKI";
	case DOMAIN_SKP_DISETUJUI:
		return "TUGAS_GURU_MENYEPAKATI";
	case DOMAIN_SKP_DISEPAKATI:
		return NULL;
	default:
		return "TUGAS_GURU_MENYUSUN";
	}
}

/*
 * plan.tasks {period?}: for the caller, what waits for them and what waits
 * for someone else: the period to open, their own plan (a Guru), their
 * teachers' plans (the Kepala Sekolah, as atasan). The Kepala Sekolah's
 * own SKP goes to the Pengawas or the Dinas, which come later: it is not
 * listed. Read on the read lane (kd_m_plan_tasks).
 */
static int
plan__tasks_read(msgpack_packer *pk, store_txn *t, const void *arg)
{
	const plan_reader *a = arg;
	const char *period = a->period;
	char msg[DOMAIN_MSG_MAX], n[16];
	plan_period pp;
	plan_rows rows = { 0 };
	plan_row own;
	kn_buf mine = KN_BUF_INIT, others = KN_BUF_INIT;
	msgpack_packer pm, po;
	size_t nmine = 0, nothers = 0;
	domain_period_state st;
	int rc, is_ks = strcmp(a->role, "kepala_sekolah") == 0;
	/* an SKP of one's own: a Guru or Kepala Sekolah of this school (not an official of the Dinas) */
	int own_plan = (strcmp(a->role, "guru") == 0 || is_ks) && a->home;
	int judges = is_ks;

	if ((rc = plan__period(&pp, t, a->school, period)))
		return rc;
	if (!judges) {
		/* a Plt, Pengawas or Kepala Dinas judges plans by an assignment valid today */
		plan_posts posts;
		if (plan__posts(&posts, t, a->school) == 0)
			for (size_t i = 0; i < posts.n; i++)
				judges |= posts.assigned[i] && memcmp(posts.a[i].person, a->me, 32) == 0 &&
				    domain_assignment_valid(&posts.a[i], a->school, domain_day_of_ms(kn_now_ms()));
		kn_error_clear();
	}
	msgpack_packer_init(&pm, &mine, kn_buf_msgpack_write);
	msgpack_packer_init(&po, &others, kn_buf_msgpack_write);
	st = plan__period_state(msg, sizeof(msg), &pp, a->school, domain_day_of_ms(kn_now_ms()));
	if (st == DOMAIN_PERIOD_BELUM_DIBUKA) {
		const char *params[] = { "periode", period, NULL };
		plan__pack_task(is_ks ? &pm : &po, is_ks ? "TUGAS_MULAI_PERIODE" : "TUGAS_TUNGGU_PERIODE", params, NULL);
		*(is_ks ? &nmine : &nothers) += 1;
	}
	if (st == DOMAIN_PERIOD_DIBUKA && own_plan) {
		int to_me;
		memset(&own, 0, sizeof(own));
		if ((rc = plan__person(&own.p, t, a->school, a->me)) ||
		    (rc = plan__row_fill(&own, t, a->school, period, &pp)))
			goto out_free;
		const char *code = plan__own_task(&own, &to_me);
		snprintf(n, sizeof(n), "%zu", own.nadjustments);
		const char *params[] = { "periode", period, "poin", own.guidance, "catatan", own.note, "jumlah", n, "daftar",
			own.rhk_slots, NULL };
		plan__pack_task(to_me ? &pm : &po, code, params, NULL);
		*(to_me ? &nmine : &nothers) += 1;
	}
	if (st == DOMAIN_PERIOD_DIBUKA && judges) {
		if ((rc = plan__rows(&rows, t, a->school, period, a->me, &pp, domain_day_of_ms(kn_now_ms()))))
			goto out_free;
		for (size_t i = 0; i < rows.n; i++) {
			int to_me;
			const char *code = plan__teacher_task(&rows.rows[i], &to_me);
			const char *params[] = { "nama", rows.rows[i].p.u.name, "poin", rows.rows[i].guidance, "status",
				domain_skp_state_label(rows.rows[i].state), NULL };
			if (code == NULL)
				continue;
			plan__pack_task(to_me ? &pm : &po, code, params, &rows.rows[i]);
			*(to_me ? &nmine : &nothers) += 1;
		}
	}
	msgpack_pack_map(pk, 5);
	kd_pack_kv_str(pk, "period", period);
	kd_pack_kv_str(pk, "period_state", domain_period_state_name(st));
	kd_pack_kv_str(pk, "period_message", msg);
	kd_pack_str(pk, "for_me");
	msgpack_pack_array(pk, nmine);
	kn_buf_put(pk->data, mine.ptr, mine.len);
	kd_pack_str(pk, "for_others");
	msgpack_pack_array(pk, nothers);
	kn_buf_put(pk->data, others.ptr, others.len);
	if (mine.failed || others.failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory listing tasks");
out_free:
	free(rows.rows);
	kn_buf_free(&mine);
	kn_buf_free(&others);
	plan__period_free(&pp);
	return rc;
}

/* plan.tasks {period?}: the arguments here, the plans on the read lane. */
int
kd_m_plan_tasks(kd_req *req, msgpack_packer *pk)
{
	plan_reader a;
	int rc;

	(void)pk;
	if ((rc = plan__reader(&a, req)))
		return rc;
	return kd_work_read(req, plan__tasks_read, &a, sizeof(a));
}
