/*
 * people.c - eligibility and identity over RPC (DOMAIN.md §1, §4.2, §5.1,
 * §5.2, R7, R9, R13; the rules are domain/identity.h's):
 *
 *   user.edit         the Operator Sekolah corrects a person's Dapodik data
 *                     (a new version of the enrollment): Jenis PTK,
 *                     naungan, secondment, name, status, golongan, ...
 *   eligibility.show  may a person use Pengelolaan Kinerja here; if not,
 *                     why and who fixes what (the person, the operator,
 *                     the atasan)
 *   identity.show     one's own data: every field, Dapodik's value beside
 *                     the confirmed one, the edit left, and eligibility
 *   identity.confirm  "Data sudah sesuai", with the one edit
 *
 * and kd_plan_may_start, the one call plan.c makes before an owner's act
 * on an SKP. A confirmation is decided by domain_identity_decide against
 * exactly the records it will name (the current enrollment, the school
 * record, the current confirmation), signed, and judged again by the
 * store's rules (domain_identity_accept).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/catalog.h"
#include "../domain/identity.h"
#include "../domain/skp.h"
#include "../util/mpmap.h"
#include "methods.h"
#include "server.h"

/* ---- reading ---- */

/* The current version of a document: its id, time and the view (free it) when found; found = 0 otherwise. */
static int
people__head(record_view *out, int *found, store_txn *t, const char *doc)
{
	int rc = kd_doc_head(out, t, doc);

	*found = rc == 0;
	if (rc == KN_ENOTFOUND) {
		kn_error_clear();
		return 0;
	}
	return rc;
}

/* What a confirmation is compared with: the enrollment and the school record, with their ids. */
typedef struct {
	domain_user u;
	uint8_t user_id[32];
	domain_school school;
	uint8_t school_id[32];
	int confirmed;              /* an identity record takes effect */
	uint8_t id[32];             /* its id */
	uint64_t ms;                /* its time */
	domain_identity_body body;  /* the current confirmation */
} people_identity;

/* Read owner's enrollment, the school and the current confirmation (when there is one). */
static int
people__identity(people_identity *out, store_txn *t, const char *school, const uint8_t owner[32])
{
	char doc[RECORD_DOC_KEY_MAX], hex[65];
	record_view v;
	int found, rc;

	memset(out, 0, sizeof(*out));
	kn_hex(hex, owner, 32);
	snprintf(doc, sizeof(doc), "user/%s/%s", school, hex);
	if ((rc = kd_doc_head(&v, t, doc)))
		return rc == KN_ENOTFOUND ? domain_msg_error(KN_ENOTFOUND, "teacher", "PEGAWAI_TIDAK_TERDAFTAR_SEKOLAH", NULL) : rc;
	memcpy(out->user_id, v.id, 32);
	rc = domain_user_parse(&out->u, v.body);
	record_view_free(&v);
	if (rc)
		return rc;
	snprintf(doc, sizeof(doc), "school/%s/%s", school, school);
	if ((rc = kd_doc_head(&v, t, doc)))
		return rc;
	memcpy(out->school_id, v.id, 32);
	rc = domain_school_parse(&out->school, v.body);
	record_view_free(&v);
	if (rc)
		return rc;
	snprintf(doc, sizeof(doc), "identity/%s/%s", school, hex);
	if ((rc = people__head(&v, &found, t, doc)) || !found)
		return rc;
	out->confirmed = 1;
	memcpy(out->id, v.id, 32);
	out->ms = v.hlc >> 16;
	rc = domain_identity_body_parse(&out->body, v.body);
	record_view_free(&v);
	return rc;
}

/* The newest catalog (its Jenis PTK list decides a Guru's eligibility); NULL, quietly, when there is none. */
static domain_catalog *
people__catalog(store_txn *t, const char *school, const char *version)
{
	domain_catalog *c = NULL;

	if (kd_catalog_get(&c, NULL, t, school, version) != 0) {
		kn_error_clear();
		return NULL;
	}
	return c;
}

/* ---- packing ---- */

/* A key and a boolean. */
static void
people__pack_bool(msgpack_packer *pk, const char *k, int v)
{
	kd_pack_str(pk, k);
	if (v)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

/* A key and a text, nil when empty (JSON readers see null, not ""). */
static void
people__pack_opt(msgpack_packer *pk, const char *k, const char *v)
{
	kd_pack_str(pk, k);
	if (v && v[0])
		kd_pack_str(pk, v);
	else
		msgpack_pack_nil(pk);
}

/* A key and a time in ms, nil for 0. */
static void
people__pack_ms(msgpack_packer *pk, const char *k, uint64_t ms)
{
	kd_pack_str(pk, k);
	if (ms)
		msgpack_pack_uint64(pk, ms);
	else
		msgpack_pack_nil(pk);
}

/* See methods.h. */
void
kd_pack_eligibility_of(msgpack_packer *pk, const domain_user *u, const domain_catalog *c)
{
	domain_eligibility_query q;
	domain_eligibility e;

	if (c == NULL) {
		msgpack_pack_nil(pk);
		return;
	}
	domain_eligibility_query_of(&q, u);
	domain_eligibility_get(&e, &q, c);
	msgpack_pack_map(pk, 7);
	people__pack_bool(pk, "eligible", e.eligible);
	people__pack_bool(pk, "mandatory", e.mandatory);
	people__pack_bool(pk, "ekinerja_sync", e.ekinerja_sync);
	people__pack_bool(pk, "may_draft", e.may_draft);
	people__pack_opt(pk, "fix_by", e.fix_by);
	kd_pack_kv_str(pk, "code", e.code);
	kd_pack_kv_str(pk, "message", e.message);
}

/* A day as people read it: "10 Januari 2026". */
static void
people__date(char *out, size_t outsz, uint64_t ms)
{
	domain_day_format(out, outsz, domain_day_of_ms(ms));
}

/* See methods.h. */
int
kd_identity_view(msgpack_packer *pk, store_txn *t, const char *school, const uint8_t owner[32])
{
	people_identity pi;
	domain_identity dap;
	domain_catalog *c;
	char date[40], msg[DOMAIN_MSG_MAX], edit_msg[DOMAIN_MSG_MAX];
	const char *params[] = { "tanggal", date, NULL };
	int rc = people__identity(&pi, t, school, owner);

	if (rc)
		return rc;
	domain_identity_of(&dap, &pi.u, pi.school.name);
	people__date(date, sizeof(date), pi.ms);
	domain_msg_render(msg, sizeof(msg), pi.confirmed ? "IDENTITAS_DIKONFIRMASI" : "IDENTITAS_BELUM", params);
	people__date(date, sizeof(date), pi.body.edit_ms);
	domain_msg_render(edit_msg, sizeof(edit_msg), pi.body.edit_ms ? "IDENTITAS_SISA_NOL" : "IDENTITAS_SISA_SATU", params);
	msgpack_pack_map(pk, 9);
	kd_pack_kv_str(pk, "state", pi.confirmed ? "dikonfirmasi" : "belum_dikonfirmasi");
	kd_pack_kv_str(pk, "message", msg);
	people__pack_ms(pk, "confirmed_ms", pi.confirmed ? pi.ms : 0);
	kd_pack_kv_u64(pk, "edits_left", pi.body.edit_ms ? 0 : 1);
	kd_pack_kv_str(pk, "edit_message", edit_msg);
	people__pack_ms(pk, "edit_ms", pi.body.edit_ms);
	kd_pack_str(pk, "fields");
	msgpack_pack_array(pk, DOMAIN_IDENTITY_NFIELDS);
	for (size_t i = 0; i < DOMAIN_IDENTITY_NFIELDS; i++) {
		const char *d = domain_identity_field(&dap, i), *mine = domain_identity_field(&pi.body.data, i);
		msgpack_pack_map(pk, 6);
		kd_pack_kv_str(pk, "field", domain_identity_field_name(i));
		kd_pack_kv_str(pk, "label", domain_identity_field_label(i));
		people__pack_opt(pk, "dapodik", d);
		kd_pack_str(pk, "confirmed");
		if (pi.confirmed)
			kd_pack_str(pk, mine);
		else
			msgpack_pack_nil(pk);
		people__pack_bool(pk, "editable", domain_identity_field_editable(i));
		people__pack_bool(pk, "differs", pi.confirmed && strcmp(d, mine) != 0);
	}
	kd_pack_str(pk, "eligibility");
	c = people__catalog(t, school, NULL);
	kd_pack_eligibility_of(pk, &pi.u, c);
	domain_catalog_free(c);
	kd_pack_str(pk, "npsn");
	kd_pack_str(pk, school);
	return 0;
}

/* ---- the gate before a plan act ---- */

/* See methods.h: the owner's eligibility, then the identity before the first act (domain_plan_may_start). */
int
kd_plan_may_start(kd_req *req, store_txn *t, domain_skp_action action, const char *period)
{
	const char *school = req->srv->school;
	const uint8_t *me = req->sess->key->pk;
	char doc[RECORD_DOC_KEY_MAX], subject[DOMAIN_SKP_SUBJECT_LEN + 1], hex[65];
	domain_period_body pb;
	domain_eligibility_query q;
	domain_eligibility e;
	domain_catalog *c = NULL;
	domain_user u;
	record_view v;
	int opened, plan_exists, confirmed, rc;

	if (domain_skp_action_by_atasan(action))
		return 0;
	if ((rc = kd_user_lookup(&u, t, school, me)))
		return rc;
	/* the period's catalog once it is opened (the act's own), else the newest (the act will say why not) */
	snprintf(doc, sizeof(doc), "period/%s/%s", school, period);
	if ((rc = people__head(&v, &opened, t, doc)))
		return rc;
	if (opened) {
		rc = domain_period_body_parse(&pb, v.body);
		record_view_free(&v);
		if (rc)
			return rc;
	}
	if ((rc = kd_catalog_get(&c, NULL, t, school, opened ? pb.catalog : NULL)))
		return rc;
	domain_eligibility_query_of(&q, &u);
	domain_eligibility_get(&e, &q, c);
	domain_catalog_free(c);
	domain_skp_subject(subject, sizeof(subject), me, period);
	snprintf(doc, sizeof(doc), "skp/%s/%s", school, subject);
	if ((rc = people__head(&v, &plan_exists, t, doc)))
		return rc;
	if (plan_exists)
		record_view_free(&v);
	snprintf(doc, sizeof(doc), "identity/%s/%s", school, kn_hex(hex, me, 32));
	if ((rc = people__head(&v, &confirmed, t, doc)))
		return rc;
	if (confirmed)
		record_view_free(&v);
	/* before the period is opened the act is refused for that (plan.c): the identity is asked once it can start */
	return domain_plan_may_start(NULL, &e, action, plan_exists, confirmed || !opened);
}

/* ---- methods ---- */

/* See methods.h: jenis_ptk (trimmed), naungan (pemda or kemenag, any case), seconded_private (yes/no). */
int
kd_user_args_eligibility(domain_user *u, const kd_req *req, size_t *n)
{
	const msgpack_object *o;
	char v[64];
	int rc;

	if (kd_arg(req, "jenis_ptk")) {
		char *s = v, *end;
		if ((rc = kd_arg_str(v, sizeof(u->jenis_ptk), req, "jenis_ptk", 0)))
			return rc;
		while (*s == ' ' || *s == '\t')
			s++;
		end = s + strlen(s);
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		memcpy(u->jenis_ptk, s, strlen(s) + 1); /* kd_arg_str bounded it to sizeof(u->jenis_ptk) - 1 */
		(*n)++;
	}
	if (kd_arg(req, "naungan")) {
		if ((rc = kd_arg_str(v, sizeof(v), req, "naungan", 0)))
			return rc;
		for (char *s = v; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		if (v[0] && (rc = domain_check_naungan(v)))
			return rc;
		memcpy(u->naungan, v, strlen(v) + 1); /* "", "pemda" or "kemenag": it fits */
		(*n)++;
	}
	if ((o = kd_arg(req, "seconded_private"))) {
		if (o->type == MSGPACK_OBJECT_BOOLEAN) {
			u->seconded_private = o->via.boolean;
		} else {
			if ((rc = kd_arg_str(v, sizeof(v), req, "seconded_private", 0)))
				return rc;
			if (strcmp(v, "ya") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
				u->seconded_private = 1;
			else if (strcmp(v, "tidak") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || v[0] == '\0')
				u->seconded_private = 0;
			else
				return domain_msg_error(KN_EINVAL, "seconded_private", "PEGAWAI_DIPEKERJAKAN_YA_TIDAK", NULL);
		}
		(*n)++;
	}
	return 0;
}

/*
 * user.edit {user, name?, status?, golongan?, pangkat?, jenjang?,
 * jenis_ptk?, naungan?, seconded_private?}: a new version of the
 * enrollment with the fields given (an empty text clears one). The NIP,
 * NUPTK, role and whether the account is active are not changed here.
 */
int
kd_m_user_edit(kd_req *req, msgpack_packer *pk)
{
	static const char *const fixed[] = { "nip", "nuptk", "role", "active", NULL };
	kd_server *srv = req->srv;
	char ident[32], hex[65], doc[RECORD_DOC_KEY_MAX];
	uint8_t who[32], parent[1][RECORD_ID_BYTES], id[32];
	kn_buf body = KN_BUF_INIT;
	domain_catalog *c;
	domain_user u;
	record_view v;
	store_batch *b;
	store_txn *t;
	size_t n = 0;
	int rc;
	struct {
		const char *name;
		char *dst;
		size_t size;
	} f[] = {
		{ "name", u.name, sizeof(u.name) },
		{ "status", u.status, sizeof(u.status) },
		{ "golongan", u.golongan, sizeof(u.golongan) },
		{ "pangkat", u.pangkat, sizeof(u.pangkat) },
		{ "jenjang", u.jenjang, sizeof(u.jenjang) },
	};

	if ((rc = kd_arg_str(ident, sizeof(ident), req, "user", 1)))
		return rc;
	for (size_t i = 0; fixed[i]; i++)
		if (kd_arg(req, fixed[i]))
			return domain_msg_error(KN_EINVAL, fixed[i], "PEGAWAI_UBAH_KOLOM_TETAP", NULL);
	if ((rc = kd_write_begin(&b, req)))
		return rc;
	t = store_batch_txn(b);
	rc = kd_ident_lookup(who, t, srv->school, ident);
	if (rc == KN_ENOTFOUND)
		rc = domain_msg_error(KN_ENOTFOUND, "user", "PEGAWAI_TIDAK_TERDAFTAR", "nomor", ident, NULL);
	if (rc)
		goto out_end;
	snprintf(doc, sizeof(doc), "user/%s/%s", srv->school, kn_hex(hex, who, 32));
	if ((rc = kd_doc_head(&v, t, doc)))
		goto out_end;
	memcpy(parent[0], v.id, RECORD_ID_BYTES);
	rc = domain_user_parse(&u, v.body);
	record_view_free(&v);
	if (rc)
		goto out_end;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!kd_arg(req, f[i].name))
			continue;
		if ((rc = kd_arg_str(f[i].dst, f[i].size, req, f[i].name, 0)))
			goto out_end;
		n++;
	}
	if ((rc = kd_user_args_eligibility(&u, req, &n)))
		goto out_end;
	if (n == 0) {
		rc = domain_msg_error(KN_EINVAL, "user", "PEGAWAI_UBAH_KOSONG", NULL);
		goto out_end;
	}
	/* the rules check the new version (domain_user_parse, domain_user_may_write) as the store adds it */
	if ((rc = domain_user_pack(&body, &u)) == 0)
		rc = kd_record_add(id, srv, b, "user", srv->school, hex, (const uint8_t(*)[RECORD_ID_BYTES])parent, 1, &body,
		    req->sess->key);
out_end:
	rc = kd_write_end(req, rc);
	if (rc == 0) {
		kn_info("user.edit %s by %s", u.name, req->sess->name);
		c = people__catalog(t, srv->school, NULL);
		kd_pack_user(pk, &u, who, c);
		domain_catalog_free(c);
	}
	kn_buf_free(&body);
	return rc;
}

/*
 * eligibility.show {teacher?}: one's own, or (by NIP or NUPTK) a person's
 * the caller may see (domain_eligibility_may_read): the answer on the
 * newest catalog, with the data it rests on.
 */
int
kd_m_eligibility_show(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	char ident[32], version[DOMAIN_CATALOG_VERSION_HEX + 1];
	uint8_t owner[32];
	domain_catalog *c = NULL;
	domain_user u;
	store_txn *t;
	int rc;

	if ((rc = kd_arg_str(ident, sizeof(ident), req, "teacher", 0)) || (rc = store_read_begin(&t, srv->st)))
		return rc;
	if (!ident[0]) {
		memcpy(owner, req->sess->key->pk, 32);
		rc = kd_user_lookup(&u, t, srv->school, owner);
	} else {
		rc = kd_ident_lookup(owner, t, srv->school, ident);
		if (rc == 0)
			rc = kd_user_lookup(&u, t, srv->school, owner);
		if (rc == KN_ENOTFOUND)
			rc = domain_msg_error(KN_ENOTFOUND, "teacher", "PEGAWAI_TIDAK_TERDAFTAR", "nomor", ident, NULL);
		if (rc == 0)
			rc = domain_eligibility_may_read(&req->me, req->sess->key->pk, &u, owner);
	}
	if (rc == 0)
		rc = kd_catalog_get(&c, version, t, srv->school, NULL);
	if (rc == 0) {
		msgpack_pack_map(pk, 11);
		kd_pack_kv_hex(pk, "key", owner, 32);
		kd_pack_kv_str(pk, "name", u.name);
		kd_pack_kv_str(pk, "ident", u.nip[0] ? u.nip : u.nuptk);
		kd_pack_kv_str(pk, "role_label", domain_role_label(u.role));
		kd_pack_kv_str(pk, "status", u.status);
		people__pack_opt(pk, "jenis_ptk", u.jenis_ptk);
		people__pack_opt(pk, "naungan", u.naungan);
		kd_pack_kv_str(pk, "naungan_used", u.naungan[0] ? u.naungan : "pemda");
		people__pack_bool(pk, "seconded_private", u.seconded_private);
		kd_pack_kv_str(pk, "catalog", version);
		kd_pack_str(pk, "eligibility");
		kd_pack_eligibility_of(pk, &u, c);
	}
	domain_catalog_free(c);
	store_read_end(t);
	return rc;
}

/* identity.show: one's own data, every field with Dapodik's value beside, the edit left, and eligibility. */
int
kd_m_identity_show(kd_req *req, msgpack_packer *pk)
{
	store_txn *t;
	int rc;

	if (kd_arg(req, "teacher"))
		return domain_msg_error(KN_EDENIED, "teacher", "AKSES_IDENTITAS_PEMILIK", NULL);
	if ((rc = store_read_begin(&t, req->srv->st)))
		return rc;
	rc = kd_identity_view(pk, t, req->srv->school, req->sess->key->pk);
	store_read_end(t);
	return rc;
}

/*
 * Sign a record at clock hlc naming parent (or none) and auth[0..nauth),
 * and add it to the batch, where the store's rules judge it again.
 */
static int
people__record_add(uint8_t id[32], kd_server *srv, store_batch *b, const char *type, const char *subject,
    uint64_t hlc, const uint8_t *parent, const uint8_t (*auth)[32], size_t nauth, const kn_buf *body,
    const keys_secret *signer)
{
	uint8_t parents[1][RECORD_ID_BYTES];
	kn_buf rec = KN_BUF_INIT;
	int rc;

	if (parent)
		memcpy(parents[0], parent, RECORD_ID_BYTES);
	record_fields f = { type, srv->school, subject, hlc, (const uint8_t(*)[RECORD_ID_BYTES])parents, parent ? 1 : 0,
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

/*
 * identity.confirm {nama?, pangkat?, golongan?, jenjang?}: the current
 * data (the last confirmation, Dapodik's the first time, I3) with the
 * fields given, confirmed. Any of the eight fields may be given; the
 * decision refuses a change of one Dapodik sets.
 */
int
kd_m_identity_confirm(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	const uint8_t *me = req->sess->key->pk;
	char vals[DOMAIN_IDENTITY_NFIELDS][DOMAIN_NAME_MAX + 2], hex[65], msg[DOMAIN_MSG_MAX], list[200] = "";
	int given[DOMAIN_IDENTITY_NFIELDS] = { 0 };
	uint8_t auth[2][32], id[32];
	people_identity pi;
	domain_identity start, dap;
	domain_identity_body out = { 0 };
	kn_buf body = KN_BUF_INIT;
	store_batch *b;
	store_txn *t;
	int rc;

	for (size_t i = 0; i < DOMAIN_IDENTITY_NFIELDS; i++) {
		const char *name = domain_identity_field_name(i);
		if (!kd_arg(req, name))
			continue;
		if ((rc = kd_arg_str(vals[i], sizeof(vals[i]), req, name, 0)))
			return rc;
		given[i] = 1;
	}
	if ((rc = kd_write_begin(&b, req)))
		return rc;
	t = store_batch_txn(b);
	if ((rc = people__identity(&pi, t, srv->school, me)))
		goto out_end;
	domain_identity_of(&dap, &pi.u, pi.school.name);
	start = dap;
	for (size_t i = 0; pi.confirmed && i < DOMAIN_IDENTITY_NFIELDS; i++)
		if (domain_identity_field_editable(i))
			domain_identity_field_set(&start, i, domain_identity_field(&pi.body.data, i));
	for (size_t i = 0; i < DOMAIN_IDENTITY_NFIELDS; i++)
		if (given[i] && (rc = domain_identity_field_set(&start, i, vals[i])))
			goto out_end;
	uint64_t hlc = store_hlc_next(srv->st);
	domain_identity_input in = { &pi.u, pi.school.name, pi.confirmed ? &pi.body : NULL, &start, hlc >> 16 };
	if ((rc = domain_identity_decide(&out, NULL, &in)) || (rc = domain_identity_body_pack(&body, &out)))
		goto out_end;
	memcpy(auth[0], pi.user_id, 32);
	memcpy(auth[1], pi.school_id, 32);
	rc = people__record_add(id, srv, b, "identity", kn_hex(hex, me, 32), hlc, pi.confirmed ? pi.id : NULL,
	    (const uint8_t(*)[32])auth, 2, &body, req->sess->key);
out_end:
	rc = kd_write_end(req, rc);
	if (rc == 0) {
		for (size_t i = 0; i < out.nedited; i++) {
			int k = domain_identity_field_index(out.edited[i], strlen(out.edited[i]));
			size_t len = strlen(list);
			snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", domain_identity_field_label((size_t)k));
		}
		const char *params[] = { "daftar", list, NULL };
		domain_msg_render(msg, sizeof(msg), out.nedited ? "IDENTITAS_EV_UBAH" : "IDENTITAS_EV_SESUAI", params);
		kn_info("%s: identity confirmed%s", req->sess->name, out.nedited ? " with an edit" : "");
		msgpack_pack_map(pk, 3);
		kd_pack_kv_str(pk, "message", msg);
		kd_pack_kv_hex(pk, "id", id, 32);
		kd_pack_str(pk, "identity");
		rc = kd_identity_view(pk, t, srv->school, me);
	}
	kn_buf_free(&body);
	return rc;
}
