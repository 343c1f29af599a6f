/*
 * dinas.c - the education office (Dinas Pendidikan) side of planning
 * (DOMAIN.md §1, R3, R4, R10; domain/assign.c, skp.h):
 *
 *   dinas.assign       a Plt Kepala Sekolah, Pengawas Sekolah or Kepala
 *                      Dinas assignment for one school, signed with the
 *                      office's authority key
 *   dinas.period_open  (plan.c) the Dinas opens a school's period
 *   assignment.list    a school's assignments, as they stand
 *
 * An office runs the same kinerjad with role = dinas. `school init` there
 * makes the office's own record (kind "dinas") and its authority key,
 * sealed to the device key (meta "authority"), whose public half the
 * schools take at their own `school init --authority-key`. The office
 * holds the records of the schools it serves (carried by `record import`
 * today, by the hub later) and judges each by that school's rules; its
 * officials (Pengawas, Kepala Dinas) are enrolled in the office and act on
 * a school's SKPs by their assignment there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/skp.h"
#include "../util/mpmap.h"
#include "methods.h"
#include "server.h"

int
kd_authority_open(keys_secret **out, kd_server *srv)
{
	kn_buf blob = KN_BUF_INIT;
	int rc;

	*out = NULL;
	if (!srv->office)
		return domain_msg_error(KN_EDENIED, "authority", "DINAS_KUNCI_DI_SEKOLAH", NULL);
	rc = store_meta_get(&blob, srv->st, "authority");
	if (rc == KN_ENOTFOUND)
		return domain_msg_error(KN_ENOTFOUND, "authority", "DINAS_KUNCI_BELUM_ADA", NULL);
	if (rc == 0)
		rc = keys_recovery_open(out, blob.ptr, blob.len, srv->authority_pk, srv->device);
	kn_buf_free(&blob);
	if (rc)
		return domain_msg_error(rc, "authority", "DINAS_KUNCI_TIDAK_TERBUKA", "sebab", kn_error_message(), NULL);
	return 0;
}

int
kd_office_school_needed(const kd_req *req)
{
	if (!req->srv->office)
		return domain_msg_error(KN_EDENIED, "method", "DINAS_HANYA_DI_KANTOR", NULL);
	if (strcmp(req->school, req->srv->school) == 0)
		return domain_msg_error(KN_EINVAL, "school", "DINAS_SEBUT_SEKOLAH", NULL);
	return 0;
}

/* "plt" and the wire names. */
static int
dinas__role_arg(domain_assignment_role *out, const kd_req *req)
{
	char role[32];
	int rc = kd_arg_str(role, sizeof(role), req, "role", 1);

	if (rc)
		return rc;
	if (strcmp(role, "plt") == 0)
		snprintf(role, sizeof(role), "plt_kepala_sekolah");
	if ((rc = domain_assignment_role_parse(out, role)))
		return rc;
	if (*out == DOMAIN_ROLE_KEPALA_SEKOLAH)
		return kn_error_set(KN_EINVAL, "role", "%s", domain_msg_text("PENUGASAN_KS_DARI_PENDAFTARAN"));
	return 0;
}

/* A date argument "YYYY-MM-DD" into a day; DOMAIN_DAY_OPEN when absent and optional. */
static int
dinas__day_arg(int64_t *out, const kd_req *req, const char *name, int required)
{
	char date[32];
	int rc = kd_arg_str(date, sizeof(date), req, name, required);

	if (rc)
		return rc;
	*out = DOMAIN_DAY_OPEN;
	if (!date[0])
		return 0;
	if ((rc = domain_day_parse(out, date)))
		return kn_error_set(rc, name, "%s", kn_error_message());
	return 0;
}

/*
 * dinas.assign {school, role, nip, sk?, start, end?}: assign a person to a
 * post in a school. A Plt is a Guru of that school (found by NIP in the
 * school's records); a Pengawas or Kepala Dinas is an official enrolled in
 * this office with that role. A new assignment of the same person and role
 * replaces the old one (new dates, or an end).
 */
int
kd_m_dinas_assign(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	char nip[32], hex[65], doc[RECORD_DOC_KEY_MAX], subject[DOMAIN_ASSIGNMENT_SUBJECT_LEN + 1];
	uint8_t person[32], auth[2][32], parent[32], id[32];
	domain_assignment_body ab;
	domain_user u;
	keys_secret *authority = NULL;
	kn_buf body = KN_BUF_INIT;
	store_batch *b;
	store_txn *t;
	size_t nauth = 1;
	int rc, has_parent = 0;

	memset(&ab, 0, sizeof(ab));
	if ((rc = kd_office_school_needed(req)) || (rc = dinas__role_arg(&ab.a.role, req)) ||
	    (rc = kd_arg_str(nip, sizeof(nip), req, "nip", 1)) || (rc = kd_arg_str(ab.sk, sizeof(ab.sk), req, "sk", 0)) ||
	    (rc = dinas__day_arg(&ab.a.start_day, req, "start", 1)) || (rc = dinas__day_arg(&ab.a.end_day, req, "end", 0)))
		return rc;
	memcpy(ab.a.school, req->school, 9);
	if ((rc = kd_write_begin(&b, req)))
		return rc;
	t = store_batch_txn(b);
	if (ab.a.role == DOMAIN_ROLE_PLT_KEPALA_SEKOLAH) {
		/* a teacher of the school: his enrollment is the assignment's second auth record */
		if ((rc = kd_ident_lookup(person, t, req->school, nip)) || (rc = kd_user_lookup(&u, t, req->school, person))) {
			if (rc == KN_ENOTFOUND)
				rc = domain_msg_error(KN_ENOTFOUND, "nip", "DINAS_GURU_TIDAK_ADA", "nomor", nip, "npsn", req->school, NULL);
			goto out_end;
		}
		snprintf(doc, sizeof(doc), "user/%s/%s", req->school, kn_hex(hex, person, 32));
		if ((rc = kd_doc_head_id(auth[1], t, doc)))
			goto out_end;
		nauth = 2;
	} else {
		const char *want = ab.a.role == DOMAIN_ROLE_PENGAWAS ? "pengawas" : "kepala_dinas";
		if ((rc = kd_ident_lookup(person, t, srv->school, nip)) || (rc = kd_user_lookup(&u, t, srv->school, person))) {
			if (rc == KN_ENOTFOUND)
				rc = domain_msg_error(KN_ENOTFOUND, "nip", "DINAS_PEJABAT_TIDAK_ADA", "nip", nip, "peran", want, NULL);
			goto out_end;
		}
		if (strcmp(u.role, want) != 0 || !u.active) {
			rc = domain_msg_error(KN_EINVAL, "nip", u.active ? "DINAS_PEJABAT_PERAN_LAIN" : "DINAS_PEJABAT_NONAKTIF", "nama",
			    u.name, "peran", domain_role_label(u.role), "perlu", domain_role_label(want), NULL);
			goto out_end;
		}
	}
	memcpy(ab.a.person, person, 32);
	snprintf(ab.nama, sizeof(ab.nama), "%s", u.name);
	snprintf(ab.nip, sizeof(ab.nip), "%s", u.nip);
	if ((rc = kd_school_record_id(auth[0], t, req->school)))
		goto out_end;
	domain_assignment_subject(subject, sizeof(subject), person, ab.a.role);
	snprintf(doc, sizeof(doc), "assignment/%s/%s", req->school, subject);
	rc = kd_doc_head_id(parent, t, doc);
	if (rc == 0)
		has_parent = 1;
	else if (rc != KN_ENOTFOUND)
		goto out_end;
	kn_error_clear();
	if ((rc = domain_assignment_body_pack(&body, &ab)) || (rc = kd_authority_open(&authority, srv)))
		goto out_end;
	rc = kd_record_add_auth(id, srv, b, "assignment", req->school, subject, store_hlc_next(srv->st),
	    has_parent ? parent : NULL, (const uint8_t(*)[32])auth, nauth, &body, authority);
out_end:
	keys_secret_free(authority);
	rc = kd_write_end(req, rc);
	if (rc == 0) {
		char start[11], end[11];
		domain_day_iso(start, ab.a.start_day);
		if (ab.a.end_day != DOMAIN_DAY_OPEN)
			domain_day_iso(end, ab.a.end_day);
		kn_info("%s: assignment %s %s in %s from %s%s%s", req->sess->name, domain_assignment_role_name(ab.a.role), ab.nama,
		    req->school, start, ab.a.end_day != DOMAIN_DAY_OPEN ? " to " : "", ab.a.end_day != DOMAIN_DAY_OPEN ? end : "");
		msgpack_pack_map(pk, 9);
		kd_pack_kv_hex(pk, "id", id, 32);
		kd_pack_kv_str(pk, "school", req->school);
		kd_pack_kv_hex(pk, "person", person, 32);
		kd_pack_kv_str(pk, "name", ab.nama);
		kd_pack_kv_str(pk, "role", domain_assignment_role_name(ab.a.role));
		kd_pack_kv_str(pk, "role_label", domain_assignment_role_label(ab.a.role));
		kd_pack_kv_str(pk, "sk", ab.sk);
		kd_pack_kv_str(pk, "start", start);
		kd_pack_str(pk, "end");
		if (ab.a.end_day != DOMAIN_DAY_OPEN)
			kd_pack_str(pk, end);
		else
			msgpack_pack_nil(pk);
	}
	kn_buf_free(&body);
	return rc;
}

struct list_scan {
	store_txn *t;
	const char *school;
	msgpack_packer *pk;
	kn_buf items;
	msgpack_packer ip;
	size_t n;
	int64_t today;
	int rc;
};

static int
list__cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct list_scan *ls = arg;
	char doc[RECORD_DOC_KEY_MAX], date[11];
	domain_assignment_body ab;
	record_view v;
	(void)val;
	(void)vlen;

	if (klen < 12)
		return 0;
	snprintf(doc, sizeof(doc), "assignment/%s/%.*s", ls->school, (int)(klen - 12), (const char *)key + 12);
	if ((ls->rc = kd_doc_head(&v, ls->t, doc)))
		return ls->rc == KN_ENOTFOUND ? (ls->rc = 0) : -1;
	if (domain_assignment_body_parse(&ab, v.body) == 0) {
		msgpack_pack_map(&ls->ip, 10);
		kd_pack_kv_hex(&ls->ip, "id", v.id, 32);
		kd_pack_kv_hex(&ls->ip, "person", ab.a.person, 32);
		kd_pack_kv_str(&ls->ip, "name", ab.nama);
		kd_pack_kv_str(&ls->ip, "nip", ab.nip);
		kd_pack_kv_str(&ls->ip, "role", domain_assignment_role_name(ab.a.role));
		kd_pack_kv_str(&ls->ip, "role_label", domain_assignment_role_label(ab.a.role));
		kd_pack_kv_str(&ls->ip, "sk", ab.sk);
		domain_day_iso(date, ab.a.start_day);
		kd_pack_kv_str(&ls->ip, "start", date);
		kd_pack_str(&ls->ip, "end");
		if (ab.a.end_day != DOMAIN_DAY_OPEN) {
			domain_day_iso(date, ab.a.end_day);
			kd_pack_str(&ls->ip, date);
		} else {
			msgpack_pack_nil(&ls->ip);
		}
		kd_pack_str(&ls->ip, "valid_today");
		if (domain_assignment_valid(&ab.a, ls->school, ls->today))
			msgpack_pack_true(&ls->ip);
		else
			msgpack_pack_false(&ls->ip);
		ls->n++;
	}
	kn_error_clear();
	record_view_free(&v);
	return 0;
}

/* assignment.list {school?}: the school's assignments from the Dinas, as they stand now. */
int
kd_m_assignment_list(kd_req *req, msgpack_packer *pk)
{
	struct list_scan ls = { 0 };
	char prefix[16];
	int rc;

	ls.school = req->school;
	ls.pk = pk;
	ls.today = domain_day_of_ms(kn_now_ms());
	msgpack_packer_init(&ls.ip, &ls.items, kn_buf_msgpack_write);
	if ((rc = store_read_begin(&ls.t, req->srv->st)))
		return rc;
	snprintf(prefix, sizeof(prefix), "as/%s/", req->school);
	rc = store_idx_scan(ls.t, prefix, strlen(prefix), list__cb, &ls);
	if (rc >= 0)
		rc = ls.rc;
	store_read_end(ls.t);
	if (rc == 0) {
		msgpack_pack_map(pk, 2);
		kd_pack_kv_str(pk, "school", req->school);
		kd_pack_str(pk, "assignments");
		msgpack_pack_array(pk, ls.n);
		kn_buf_put(pk->data, ls.items.ptr, ls.items.len);
		if (ls.items.failed)
			rc = kn_error_set(KN_ENOMEM, "", "out of memory listing assignments");
	}
	kn_buf_free(&ls.items);
	return rc;
}
