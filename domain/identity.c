/*
 * identity.c - eligibility read from an enrollment, the gate before an
 * owner's act on an SKP, and the "identity" record: its body, the one
 * decision that makes and judges a confirmation, and its acceptance (see
 * identity.h; DOMAIN.md §4.2, §5.1, §5.2, R7, R9, R13).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../util/mpmap.h"
#include "identity.h"

/* ---- eligibility ---- */

/* I4: what an enrollment without the eligibility fields is taken to say. */
void
domain_eligibility_query_of(domain_eligibility_query *out, const domain_user *u)
{
	out->status = u->status;
	out->jenis_ptk = u->jenis_ptk[0] ? u->jenis_ptk : NULL;
	out->naungan = u->naungan[0] ? u->naungan : "pemda";
	out->seconded_private = u->seconded_private;
	out->role = u->role;
}

/* I6: the person, the Operator Sekolah who fixes Dapodik, the atasan who judges the plan. */
int
domain_eligibility_may_read(const domain_user *reader, const uint8_t reader_pk[32], const domain_user *subject,
    const uint8_t subject_pk[32])
{
	int rc = domain_may_use(reader);

	if (rc)
		return rc;
	if (memcmp(reader_pk, subject_pk, 32) == 0 || strcmp(reader->role, "operator") == 0 ||
	    domain_is_atasan_of(reader, reader_pk, subject, subject_pk))
		return 0;
	return domain_msg_error(KN_EDENIED, "teacher", "AKSES_KELAYAKAN_TERBATAS", NULL);
}

/* Fill why (when asked) and the last error from a message code. */
static int
identity__refuse(domain_problem *why, int rc, const char *field, const char *code, const char *const *params)
{
	domain_problem p;

	memset(&p, 0, sizeof(p));
	p.code = code;
	snprintf(p.field, sizeof(p.field), "%s", field);
	domain_msg_render(p.message, sizeof(p.message), code, params);
	if (why)
		*why = p;
	return kn_error_set(rc, field, "%s", p.message);
}

/* The person first (P8), then the identity before the first act (P7). */
int
domain_plan_may_start(domain_problem *why, const domain_eligibility *e, domain_skp_action a, int plan_exists,
    int identity_confirmed)
{
	const char *params[] = { "alasan", e->message, "aksi", domain_skp_action_label(a), NULL };

	if (domain_skp_action_by_atasan(a))
		return 0;
	if (a == DOMAIN_SKP_SIMPAN ? !e->may_draft : !e->eligible)
		return identity__refuse(why, KN_EDENIED, "kelayakan",
		    e->may_draft ? "KELAYAKAN_BELUM_DAPAT_MENGAJUKAN" : "KELAYAKAN_TIDAK_DAPAT_MENYUSUN", params);
	if (!plan_exists && !identity_confirmed)
		return identity__refuse(why, KN_ESTATE, "identitas", "SKP_IDENTITAS_BELUM", NULL);
	return 0;
}

/* ---- the fields ---- */

static const struct {
	const char *name;
	const char *label;          /* message code */
	size_t off, size;
	int editable;               /* I1 */
} fields[DOMAIN_IDENTITY_NFIELDS] = {
	{ "nama", "LABEL_IDENTITAS_NAMA", offsetof(domain_identity, nama), sizeof(((domain_identity *)0)->nama), 1 },
	{ "nip", "LABEL_IDENTITAS_NIP", offsetof(domain_identity, nip), sizeof(((domain_identity *)0)->nip), 0 },
	{ "status", "LABEL_IDENTITAS_STATUS", offsetof(domain_identity, status), sizeof(((domain_identity *)0)->status), 0 },
	{ "pangkat", "LABEL_IDENTITAS_PANGKAT", offsetof(domain_identity, pangkat), sizeof(((domain_identity *)0)->pangkat),
	    1 },
	{ "golongan", "LABEL_IDENTITAS_GOLONGAN", offsetof(domain_identity, golongan),
	    sizeof(((domain_identity *)0)->golongan), 1 },
	{ "jenjang", "LABEL_IDENTITAS_JENJANG", offsetof(domain_identity, jenjang), sizeof(((domain_identity *)0)->jenjang),
	    1 },
	{ "satuan_pendidikan", "LABEL_IDENTITAS_SATUAN_PENDIDIKAN", offsetof(domain_identity, satuan_pendidikan),
	    sizeof(((domain_identity *)0)->satuan_pendidikan), 0 },
	{ "jenis_ptk", "LABEL_IDENTITAS_JENIS_PTK", offsetof(domain_identity, jenis_ptk),
	    sizeof(((domain_identity *)0)->jenis_ptk), 0 },
};

/* The wire name of field i: the identity body's key and the request's argument. */
const char *
domain_identity_field_name(size_t i)
{
	return i < DOMAIN_IDENTITY_NFIELDS ? fields[i].name : "";
}

/* The label people read, from the message table. */
const char *
domain_identity_field_label(size_t i)
{
	return i < DOMAIN_IDENTITY_NFIELDS ? domain_msg_text(fields[i].label) : "";
}

/* I1: may the person edit field i (1), or only the Operator Sekolah through Dapodik (0)? */
int
domain_identity_field_editable(size_t i)
{
	return i < DOMAIN_IDENTITY_NFIELDS && fields[i].editable;
}

/* Field i of an identity, borrowed; "" for an index out of range. */
const char *
domain_identity_field(const domain_identity *id, size_t i)
{
	return i < DOMAIN_IDENTITY_NFIELDS ? (const char *)id + fields[i].off : "";
}

/* Copy value into field i; a value that does not fit is refused, never cut. */
int
domain_identity_field_set(domain_identity *id, size_t i, const char *value)
{
	size_t n = strlen(value);

	if (i >= DOMAIN_IDENTITY_NFIELDS)
		return kn_error_set(KN_EINVAL, "identitas", "no such identity field");
	if (n >= fields[i].size)
		return domain_msg_error(KN_ETOOBIG, fields[i].name, "FORMAT_TEKS_PANJANG", "kolom", fields[i].name, "maks",
		    domain_msg_num(fields[i].size - 1).s, NULL);
	memcpy((char *)id + fields[i].off, value, n + 1);
	return 0;
}

/* The index of the field named name[0..n), or -1 (name need not end in NUL). */
int
domain_identity_field_index(const char *name, size_t n)
{
	for (size_t i = 0; i < DOMAIN_IDENTITY_NFIELDS; i++)
		if (strlen(fields[i].name) == n && memcmp(fields[i].name, name, n) == 0)
			return (int)i;
	return -1;
}

/* Dapodik's data as Kinerja holds it: the enrollment, and the school for the satuan pendidikan. */
void
domain_identity_of(domain_identity *out, const domain_user *u, const char *school_name)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->nama, sizeof(out->nama), "%s", u->name);
	snprintf(out->nip, sizeof(out->nip), "%s", u->nip);
	snprintf(out->status, sizeof(out->status), "%s", u->status);
	snprintf(out->pangkat, sizeof(out->pangkat), "%s", u->pangkat);
	snprintf(out->golongan, sizeof(out->golongan), "%s", u->golongan);
	snprintf(out->jenjang, sizeof(out->jenjang), "%s", u->jenjang);
	snprintf(out->satuan_pendidikan, sizeof(out->satuan_pendidikan), "%s", school_name ? school_name : "");
	snprintf(out->jenis_ptk, sizeof(out->jenis_ptk), "%s", u->jenis_ptk);
}

/* ---- the body ---- */

static const char *const body_keys[] = { "nama", "nip", "status", "pangkat", "golongan", "jenjang",
	"satuan_pendidikan", "jenis_ptk", "edited", "edit_ms", NULL };

/* Every key of body_keys once, no other (a misspelt key is an error, not a field ignored). */
static int
identity__keys(const msgpack_object *body)
{
	unsigned seen = 0;

	if (body == NULL || body->type != MSGPACK_OBJECT_MAP)
		return domain_msg_error(KN_EINVAL, "body", "IDENTITAS_FORMAT_MAP", NULL);
	for (uint32_t i = 0; i < body->via.map.size; i++) {
		const msgpack_object *k = &body->via.map.ptr[i].key;
		int found = -1;
		for (int j = 0; body_keys[j] && found < 0; j++)
			if (kn_map_key_is(k, body_keys[j]))
				found = j;
		if (found < 0) {
			char name[40];
			int n = k->type == MSGPACK_OBJECT_STR ? (int)(k->via.str.size > 32 ? 32 : k->via.str.size) : 1;
			snprintf(name, sizeof(name), "%.*s", n, k->type == MSGPACK_OBJECT_STR ? k->via.str.ptr : "?");
			kn_utf8_clean(name);
			return domain_msg_error(KN_EINVAL, name, "IDENTITAS_KOLOM_ASING", "kolom", name, NULL);
		}
		if (seen & (1u << found))
			return domain_msg_error(KN_EINVAL, body_keys[found], "IDENTITAS_KOLOM_GANDA", "kolom", body_keys[found], NULL);
		seen |= 1u << found;
	}
	for (int j = 0; body_keys[j]; j++)
		if (!(seen & (1u << j)))
			return domain_msg_error(KN_EINVAL, body_keys[j], "IDENTITAS_KOLOM_HILANG", "kolom", body_keys[j], NULL);
	return 0;
}

/* See identity.h: the strict layout; whether the values are right is domain_identity_decide's. */
int
domain_identity_body_parse(domain_identity_body *out, const msgpack_object *body)
{
	const msgpack_object *ed, *ms;
	int rc, last = -1;

	memset(out, 0, sizeof(*out));
	if ((rc = identity__keys(body)))
		return rc;
	for (size_t i = 0; i < DOMAIN_IDENTITY_NFIELDS; i++)
		if (kn_map_str((char *)&out->data + fields[i].off, fields[i].size, body, fields[i].name) != 0)
			return domain_msg_error(KN_EINVAL, fields[i].name, "IDENTITAS_KOLOM_PANJANG", "kolom", fields[i].name, "maks",
			    domain_msg_num(fields[i].size - 1).s, NULL);
	ed = kn_map_get(body, "edited");
	if (ed->type != MSGPACK_OBJECT_ARRAY || ed->via.array.size > DOMAIN_IDENTITY_NFIELDS)
		return domain_msg_error(KN_EINVAL, "edited", "IDENTITAS_FORMAT_DIUBAH", NULL);
	for (uint32_t i = 0; i < ed->via.array.size; i++) {
		const msgpack_object *e = &ed->via.array.ptr[i];
		int k = e->type == MSGPACK_OBJECT_STR ? domain_identity_field_index(e->via.str.ptr, e->via.str.size) : -1;
		if (k <= last || !fields[k].editable)
			return domain_msg_error(KN_EINVAL, "edited", "IDENTITAS_DIUBAH_URUTAN", NULL);
		out->edited[out->nedited++] = fields[k].name;
		last = k;
	}
	ms = kn_map_get(body, "edit_ms");
	if (ms->type == MSGPACK_OBJECT_POSITIVE_INTEGER && ms->via.u64 > 0)
		out->edit_ms = ms->via.u64;
	else if (ms->type != MSGPACK_OBJECT_NIL)
		return domain_msg_error(KN_EINVAL, "edit_ms", "IDENTITAS_FORMAT_WAKTU_UBAH", NULL);
	return 0;
}

/* A msgpack str. */
static void
identity__pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* Keys in body_keys' order, so one body has one encoding. */
int
domain_identity_body_pack(kn_buf *out, const domain_identity_body *b)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, DOMAIN_IDENTITY_NFIELDS + 2);
	for (size_t i = 0; i < DOMAIN_IDENTITY_NFIELDS; i++) {
		identity__pack_s(&pk, fields[i].name);
		identity__pack_s(&pk, domain_identity_field(&b->data, i));
	}
	identity__pack_s(&pk, "edited");
	msgpack_pack_array(&pk, b->nedited);
	for (size_t i = 0; i < b->nedited; i++)
		identity__pack_s(&pk, b->edited[i]);
	identity__pack_s(&pk, "edit_ms");
	if (b->edit_ms)
		msgpack_pack_uint64(&pk, b->edit_ms);
	else
		msgpack_pack_nil(&pk);
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory packing an identity record") : 0;
}

/* ---- the decision ---- */

/* Does s hold a control character? */
static int
identity__has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* The fields the person may edit must be well formed, in Indonesian when they are not. */
static int
identity__check(domain_problem *why, const domain_identity *d, const char *status)
{
	const char *params[] = { "nilai", NULL, "status", status, NULL };
	int asn = strcmp(status, "PNS") == 0 || strcmp(status, "PPPK") == 0;

	if (domain_check_name(d->nama, "nama") != 0)
		return identity__refuse(why, KN_EINVAL, "nama", "IDENTITAS_FORMAT_NAMA", NULL);
	if (identity__has_control(d->pangkat))
		return identity__refuse(why, KN_EINVAL, "pangkat", "IDENTITAS_FORMAT_PANGKAT", NULL);
	if (d->golongan[0] && domain_check_golongan(status, d->golongan) != 0) {
		params[1] = d->golongan;
		return identity__refuse(why, KN_EINVAL, "golongan", "IDENTITAS_FORMAT_GOLONGAN", params);
	}
	if (d->jenjang[0] && domain_check_jenjang(d->jenjang, asn) != 0) {
		params[1] = d->jenjang;
		return identity__refuse(why, KN_EINVAL, "jenjang", "IDENTITAS_FORMAT_JENJANG", params);
	}
	return 0;
}

/* I1, I2 and P11: see identity.h. */
int
domain_identity_decide(domain_identity_body *out, domain_problem *why, const domain_identity_input *in)
{
	domain_identity dap;
	int rc;

	memset(out, 0, sizeof(*out));
	domain_identity_of(&dap, in->owner, in->school_name);
	out->data = *in->confirmed;
	for (size_t i = 0; i < DOMAIN_IDENTITY_NFIELDS; i++) {
		const char *v = domain_identity_field(&out->data, i);
		if (fields[i].editable || strcmp(v, domain_identity_field(&dap, i)) == 0)
			continue;
		const char *params[] = { "kolom", domain_identity_field_label(i), NULL };
		return identity__refuse(why, KN_EDENIED, fields[i].name, "IDENTITAS_KOLOM_DAPODIK", params);
	}
	if ((rc = identity__check(why, &out->data, dap.status)))
		return rc;
	for (size_t i = 0; i < DOMAIN_IDENTITY_NFIELDS; i++) {
		const char *v = domain_identity_field(&out->data, i);
		if (fields[i].editable && strcmp(v, domain_identity_field(&dap, i)) != 0 &&
		    (in->prev == NULL || strcmp(v, domain_identity_field(&in->prev->data, i)) != 0))
			out->edited[out->nedited++] = fields[i].name;
	}
	if (out->nedited) {
		domain_identity_confirmation used = { 0, 1 };
		size_t n = 0;
		if (in->prev && in->prev->edit_ms) {
			used.day = domain_day_of_ms(in->prev->edit_ms);
			n = 1;
		}
		if ((rc = domain_identity_may_confirm(why, &used, n, 1)))
			return rc;
		out->edit_ms = in->at_ms;
	} else {
		out->edit_ms = in->prev ? in->prev->edit_ms : 0;
	}
	return 0;
}

/* The person themselves, an active Guru or Kepala Sekolah (they have an SKP to start). */
int
domain_identity_may_write(const domain_user *author_user, const uint8_t author_pk[32], const uint8_t subject_pk[32])
{
	if (memcmp(author_pk, subject_pk, 32) != 0)
		return identity__refuse(NULL, KN_EDENIED, "identitas", "IDENTITAS_HANYA_PEMILIK", NULL);
	if (author_user == NULL || !author_user->active ||
	    (strcmp(author_user->role, "guru") != 0 && strcmp(author_user->role, "kepala_sekolah") != 0))
		return identity__refuse(NULL, KN_EDENIED, "session", "IDENTITAS_BUKAN_PEGAWAI", NULL);
	return 0;
}

/* ---- acceptance ---- */

/* Is record a of the given type, school and subject? */
static int
identity__is(const domain_rec *a, const char *type, const char *school, const char *subject, size_t subject_len)
{
	return a->type_len == strlen(type) && memcmp(a->type, type, a->type_len) == 0 && memcmp(a->school, school, 8) == 0 &&
	    a->subject_len == subject_len && memcmp(a->subject, subject, subject_len) == 0;
}

/* See identity.h: judged against exactly its parent, the enrollment and the school record it names. */
int
domain_identity_accept(const domain_rec *r, const domain_rec *parents, size_t nparents, const domain_rec *auth,
    size_t nauth)
{
	const domain_rec *enr = NULL, *sch = NULL;
	domain_identity_body b, prev, want;
	kn_buf wb = KN_BUF_INIT, gb = KN_BUF_INIT;
	domain_school sc;
	domain_user u;
	uint8_t owner[32];
	char author_hex[65];
	size_t extra = 0;
	int rc;

	if (r->subject_len != 64 || domain_subject_key(owner, r->subject, r->subject_len) != 0)
		return domain_msg_error(KN_EBADREC, "subject", "TERIMA_IDENTITAS_SUBJEK", NULL);
	if (nparents > 1)
		return domain_msg_error(KN_ESTATE, "parents", "TERIMA_IDENTITAS_SATU_INDUK", NULL);
	kn_hex(author_hex, r->author, 32);
	for (size_t i = 0; i < nauth; i++) {
		if (identity__is(&auth[i], "user", r->school, author_hex, 64) && enr == NULL)
			enr = &auth[i];
		else if (identity__is(&auth[i], "school", r->school, r->school, 8) && sch == NULL)
			sch = &auth[i];
		else
			extra++;
	}
	if (enr == NULL || sch == NULL || extra) {
		char npsn[9];
		snprintf(npsn, sizeof(npsn), "%.8s", r->school);
		return domain_msg_error(KN_EDENIED, "auth", "TERIMA_IDENTITAS_AUTH", "npsn", npsn, NULL);
	}
	if (enr->hlc >= r->hlc || sch->hlc >= r->hlc)
		return domain_msg_error(KN_EDENIED, "auth", "TERIMA_IDENTITAS_AUTH_LEBIH_LAMA", NULL);
	if ((rc = domain_user_parse(&u, enr->body)) || (rc = domain_school_parse(&sc, sch->body)) ||
	    (rc = domain_identity_may_write(&u, r->author, owner)) || (rc = domain_identity_body_parse(&b, r->body)) ||
	    (nparents == 1 && (rc = domain_identity_body_parse(&prev, parents[0].body))))
		return rc;
	domain_identity_input in = { &u, sc.name, nparents == 1 ? &prev : NULL, &b.data, r->hlc >> 16 };
	if ((rc = domain_identity_decide(&want, NULL, &in)))
		return rc;
	if ((rc = domain_identity_body_pack(&wb, &want)) == 0 && (rc = domain_identity_body_pack(&gb, &b)) == 0 &&
	    (wb.len != gb.len || memcmp(wb.ptr, gb.ptr, wb.len) != 0)) {
		int lists = want.nedited != b.nedited;
		for (size_t i = 0; !lists && i < want.nedited; i++)
			lists = strcmp(want.edited[i], b.edited[i]) != 0;
		rc = domain_msg_error(KN_EBADREC, lists ? "edited" : "edit_ms", "TERIMA_IDENTITAS_TIDAK_SESUAI", "isian",
		    lists ? "Daftar kolom yang diubah (edited)" : "Waktu perubahan (edit_ms)", NULL);
	}
	kn_buf_free(&wb);
	kn_buf_free(&gb);
	return rc;
}
