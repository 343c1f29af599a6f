/*
 * hub.c - the office's side of enrolment and its view of the schools it
 * serves:
 *
 *   hub.register  register a school's device key for its NPSN (a
 *                 "registration" record signed by the office's authority)
 *   hub.revoke    withdraw it (a new version, revoked)
 *   hub.schools   every school registered or heard from: its key, its
 *                 records here, the last sync, the last error, software
 *                 version and clock offset
 *
 * At an office (role = dinas or hub), by its Operator or Kepala Dinas
 * (domain_may_act_for_dinas, as for assignments). The school is named by
 * the "npsn" argument, not "school": the hub may hold none of its records
 * yet when it registers it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/plan.h"
#include "bundle.h"
#include "methods.h"
#include "sync_int.h"

static int
hub__office(const kd_req *req)
{
	if (!req->srv->office)
		return domain_msg_error(KN_EDENIED, "method", "HUB_HANYA_DI_KANTOR", NULL);
	return 0;
}

static int
hub__npsn(char npsn[9], const kd_req *req)
{
	char buf[16];
	int rc = kd_arg_str(buf, sizeof(buf), req, "npsn", 1);

	if (rc)
		return rc;
	if (domain_check_npsn(buf) != 0)
		return domain_msg_error(KN_EINVAL, "npsn", "FORMAT_NPSN", "nilai", buf, NULL);
	if (strcmp(buf, req->srv->school) == 0)
		return domain_msg_error(KN_EINVAL, "npsn", "HUB_NPSN_KANTOR_SENDIRI", "npsn", buf, NULL);
	memcpy(npsn, buf, 9);
	return 0;
}

/* The office's record (the registration's auth) into id. */
/* Write a new version of npsn's registration: device, revoked; parent when there is one. */
static int
hub__write(uint8_t id[32], kd_req *req, store_batch *b, const char *npsn, const domain_registration *reg,
    const uint8_t *parent)
{
	kd_server *srv = req->srv;
	keys_secret *authority = NULL;
	kn_buf body = KN_BUF_INIT;
	uint8_t auth[1][32];
	int rc;

	if ((rc = kd_school_record_id(auth[0], store_batch_txn(b), srv->school)) ||
	    (rc = domain_registration_body_pack(&body, reg)) || (rc = kd_authority_open(&authority, srv)))
		goto out;
	rc = kd_record_add_auth(id, srv, b, "registration", srv->school, npsn, store_hlc_next(srv->st), parent,
	    (const uint8_t(*)[32])auth, 1, &body, authority);
out:
	keys_secret_free(authority);
	kn_buf_free(&body);
	return rc;
}

static void
hub__pack(msgpack_packer *pk, const kd_server *srv, const char *npsn, const domain_registration *reg, const uint8_t id[32],
    int changed)
{
	msgpack_pack_map(pk, 7);
	kd_pack_kv_str(pk, "npsn", npsn);
	kd_pack_str(pk, "hub");
	if (reg->hub)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	/* for people: what the office does next (a child hub: its sync.parent settings) */
	{
		char msg[DOMAIN_MSG_MAX] = "", hex[65];
		const char *params[] = { "kantor", npsn, "kunci_hub", kn_hex(hex, srv->device->pk, 32), NULL };
		if (reg->hub && !reg->revoked)
			domain_msg_render(msg, sizeof(msg), "HUB_ANAK_TERDAFTAR", params);
		kd_pack_kv_str(pk, "message", msg);
	}
	kd_pack_kv_hex(pk, "device", reg->device, 32);
	kd_pack_str(pk, "revoked");
	if (reg->revoked)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	kd_pack_kv_hex(pk, "id", id, 32);
	kd_pack_str(pk, "changed");
	if (changed)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

/*
 * hub.register {npsn, device}: the school's daemon, whose device key
 * (64 hex, from its `kinerja status`) is device, may sync for npsn. One
 * device key serves one school: a key registered for another school is
 * refused until that registration is revoked. Registering the same key
 * again changes nothing; a new key replaces the old one.
 */
static int
hub__register(kd_req *req, msgpack_packer *pk, int child)
{
	kd_server *srv = req->srv;
	domain_registration reg, cur;
	uint8_t id[32], parent[32], x[32];
	char npsn[9], hex[80], other[9];
	store_batch *b;
	store_txn *t;
	int rc, has_parent = 0, changed = 1;

	memset(&reg, 0, sizeof(reg));
	reg.hub = child;
	if ((rc = hub__office(req)) || (rc = hub__npsn(npsn, req)) || (rc = kd_arg_str(hex, sizeof(hex), req, "device", 1)))
		return rc;
	if (strlen(hex) != 64 || kn_unhex(reg.device, 32, hex, 64) != 0 || sync_channel_peer_from_ed25519(x, reg.device) != 0)
		return domain_msg_error(KN_EINVAL, "device", "HUB_KUNCI_PERANGKAT_FORMAT", NULL);
	if (memcmp(reg.device, srv->device->pk, 32) == 0)
		return domain_msg_error(KN_EINVAL, "device", "HUB_KUNCI_PERANGKAT_SENDIRI", NULL);
	if ((rc = kd_write_begin(&b, req)))
		return rc;
	t = store_batch_txn(b);
	rc = kd_sync_device_school(other, t, srv->school, reg.device, npsn);
	if (rc == 0) {
		const char *params[] = { "terdaftar", other, NULL };
		char msg[DOMAIN_MSG_MAX];
		domain_msg_render(msg, sizeof(msg), "HUB_KUNCI_SUDAH_DIPAKAI", params);
		rc = kn_error_set(KN_EEXISTS, "device", "%s", msg);
		goto out_end;
	}
	if (rc != KN_ENOTFOUND)
		goto out_end;
	rc = kd_sync_registration_get(&cur, parent, t, srv->school, npsn);
	if (rc == 0 && !cur.revoked && cur.hub != reg.hub) {
		/* a school is not made a child hub (or back) in passing: revoke it first */
		const char *params[] = { "kantor", npsn, "npsn", npsn, NULL };
		char msg[DOMAIN_MSG_MAX];
		domain_msg_render(msg, sizeof(msg), child ? "HUB_ANAK_BUKAN_SEKOLAH" : "HUB_SEKOLAH_BUKAN_ANAK", params);
		rc = kn_error_set(KN_EEXISTS, "npsn", "%s", msg);
		goto out_end;
	}
	if (rc == 0) {
		has_parent = 1;
		if (!cur.revoked && memcmp(cur.device, reg.device, 32) == 0) {
			memcpy(id, parent, 32);
			changed = 0;
			goto out_end;
		}
	} else if (rc != KN_ENOTFOUND) {
		goto out_end;
	}
	kn_error_clear();
	rc = hub__write(id, req, b, npsn, &reg, has_parent ? parent : NULL);
out_end:
	rc = kd_write_end(req, rc);
	if (rc == 0) {
		if (changed)
			kn_info("%s: %s %s registered at this hub with device key %s", req->sess->name, child ? "child hub" : "school",
			    npsn, hex);
		hub__pack(pk, srv, npsn, &reg, id, changed);
	}
	return rc;
}

int
kd_m_hub_register(kd_req *req, msgpack_packer *pk)
{
	return hub__register(req, pk, 0);
}

/*
 * hub.register_child {npsn, device}: a child hub (a district's office
 * under this province, say) syncs up here: npsn is its office code,
 * device its daemon's device key. A registration with "hub": the child
 * may speak for its office and the schools its own authority registered
 * (sync_parent.c). hub.revoke withdraws it like a school's.
 */
int
kd_m_hub_register_child(kd_req *req, msgpack_packer *pk)
{
	return hub__register(req, pk, 1);
}

/* hub.revoke {npsn}: withdraw the school's registration; its daemon is refused from its next session on. */
int
kd_m_hub_revoke(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	domain_registration cur;
	uint8_t id[32], parent[32];
	char npsn[9];
	store_batch *b;
	int rc;

	if ((rc = hub__office(req)) || (rc = hub__npsn(npsn, req)))
		return rc;
	if ((rc = kd_write_begin(&b, req)))
		return rc;
	rc = kd_sync_registration_get(&cur, parent, store_batch_txn(b), srv->school, npsn);
	if (rc == KN_ENOTFOUND) {
		const char *params[] = { "npsn", npsn, NULL };
		char msg[DOMAIN_MSG_MAX];
		domain_msg_render(msg, sizeof(msg), "HUB_BELUM_TERDAFTAR", params);
		rc = kn_error_set(KN_ENOTFOUND, "npsn", "%s", msg);
	} else if (rc == 0 && cur.revoked) {
		const char *params[] = { "npsn", npsn, NULL };
		char msg[DOMAIN_MSG_MAX];
		domain_msg_render(msg, sizeof(msg), "HUB_SUDAH_DICABUT", params);
		rc = kn_error_set(KN_ESTATE, "npsn", "%s", msg);
	} else if (rc == 0) {
		cur.revoked = 1;
		rc = hub__write(id, req, b, npsn, &cur, parent);
	}
	rc = kd_write_end(req, rc);
	if (rc == 0) {
		kn_info("%s: the registration of school %s at this hub was revoked", req->sess->name, npsn);
		hub__pack(pk, srv, npsn, &cur, id, 1);
	}
	return rc;
}

/* ---- hub.schools ---- */

typedef struct {
	char npsn[9];
} npsn_item;

struct list {
	npsn_item *v;
	size_t n, cap;
};

static int
list_add(struct list *l, const char *npsn)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].npsn, npsn) == 0)
			return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		npsn_item *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory");
		l->v = v;
		l->cap = cap;
	}
	snprintf(l->v[l->n++].npsn, 9, "%s", npsn);
	return 0;
}

static int
list_cb(void *arg, const char *npsn)
{
	return list_add(arg, npsn) ? -1 : 0;
}

static int
npsn_cmp(const void *a, const void *b)
{
	return strcmp(((const npsn_item *)a)->npsn, ((const npsn_item *)b)->npsn);
}

/*
 * hub.schools: every school registered at this office, and every NPSN a
 * daemon has claimed in a hello here, in NPSN order: name, registration,
 * the records this store holds for it (count and fingerprint, to compare
 * with the school's `sync status`), the last sync, the last error,
 * software version and clock offset.
 */
int
kd_m_hub_schools(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	struct kd_sync *sy = srv->sync;
	struct list l = { 0 };
	store_txn *t;
	int rc;

	if ((rc = hub__office(req)))
		return rc;
	if ((rc = store_read_begin(&t, srv->st)))
		return rc;
	rc = kd_sync_registered_each(t, list_cb, &l);
	if (rc == 0 && sy) {
		pthread_mutex_lock(&sy->mu);
		for (size_t i = 0; rc == 0 && i < sy->nschools; i++)
			rc = list_add(&l, sy->schools[i].npsn);
		pthread_mutex_unlock(&sy->mu);
	}
	if (rc) {
		store_read_end(t);
		free(l.v);
		return rc;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), npsn_cmp);
	/* the child hubs registered here: the schools under them are listed with the child they come through */
	struct list kids = { 0 };
	for (size_t i = 0; i < l.n; i++) {
		domain_registration reg;
		if (kd_sync_registration_get(&reg, NULL, t, srv->school, l.v[i].npsn) == 0 && reg.hub && !reg.revoked)
			list_add(&kids, l.v[i].npsn);
	}
	kn_error_clear();
	msgpack_pack_map(pk, 3);
	kd_pack_kv_str(pk, "office", srv->school);
	kd_pack_kv_u64(pk, "listen_port", sy && sy->hub ? (uint64_t)sy->port : 0);
	kd_pack_str(pk, "schools");
	msgpack_pack_array(pk, l.n);
	for (size_t i = 0; i < l.n; i++) {
		const char *npsn = l.v[i].npsn;
		domain_registration reg;
		domain_school sc;
		kd_sync_state st;
		kd_hub_school hs;
		char hex[65];
		int registered = kd_sync_registration_get(&reg, NULL, t, srv->school, npsn) == 0;
		int named = kd_school_lookup(&sc, t, npsn) == 0;
		const char *via = "";
		char note[DOMAIN_MSG_MAX] = "";

		if (!registered || reg.revoked) {
			/* a school a child hub (or a hub under it) registered (its authority signed it, the rules checked that here) */
			for (size_t k = 0; k < kids.n && !via[0]; k++) {
				int office = 0;
				if (kd_sync_under(t, kids.v[k].npsn, npsn, 0, &office))
					via = kids.v[k].npsn;
			}
			if (via[0])
				domain_msg_render(note, sizeof(note), "SYNC_BERKAS_DI_HUB_ANAK", (const char *const[]){ "anak", via, NULL });
		}

		if (kd_sync_state_get(&st, t, npsn) != 0)
			memset(&st, 0, sizeof(st));
		memset(&hs, 0, sizeof(hs));
		if (sy) {
			pthread_mutex_lock(&sy->mu);
			for (size_t k = 0; k < sy->nschools; k++)
				if (strcmp(sy->schools[k].npsn, npsn) == 0)
					hs = sy->schools[k];
			pthread_mutex_unlock(&sy->mu);
		}
		kn_error_clear();
		uint64_t bundle_at = 0, bundle_records = 0;
		if (kd_bundle_last_import(srv, npsn, &bundle_at, &bundle_records) != 0) {
			bundle_at = bundle_records = 0;
			kn_error_clear();
		}
		msgpack_pack_map(pk, 27);
		kd_pack_kv_str(pk, "npsn", npsn);
		/* sneakernet: the last bundle of this school imported here */
		kd_pack_kv_u64(pk, "bundle_at_ms", bundle_at);
		kd_pack_kv_u64(pk, "bundle_records", bundle_records);
		kd_pack_kv_str(pk, "kind", registered && reg.hub ? "hub" : "school");
		kd_pack_kv_str(pk, "via", via);
		kd_pack_kv_str(pk, "evidence_note", note);
		kd_pack_kv_str(pk, "name", named ? sc.name : "");
		kd_pack_str(pk, "registered");
		if (registered && !reg.revoked)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		kd_pack_str(pk, "revoked");
		if (registered && reg.revoked)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		kd_pack_kv_str(pk, "device", registered ? kn_hex(hex, reg.device, 32) : "");
		kd_pack_kv_u64(pk, "records", st.count);
		kd_pack_kv_str(pk, "fp", kn_hex(hex, st.fp, SYNC_FP_BYTES));
		kd_pack_kv_u64(pk, "last_ok_ms", hs.last_ok_ms);
		kd_pack_kv_u64(pk, "last_attempt_ms", hs.last_attempt_ms);
		kd_pack_kv_str(pk, "sw", hs.sw);
		kd_pack_str(pk, "clock_offset_ms");
		msgpack_pack_int64(pk, hs.clock_offset_ms);
		kd_pack_kv_u64(pk, "sessions", hs.sessions);
		kd_pack_kv_u64(pk, "records_received", hs.records_in);
		kd_pack_kv_u64(pk, "refused", hs.refused_total);
		kd_pack_kv_u64(pk, "last_bytes", hs.last_bytes);
		/* what waits at the school as its last session left it */
		kd_pack_kv_u64(pk, "records_waiting", hs.records_waiting);
		kd_pack_kv_u64(pk, "bytes_waiting", hs.bytes_waiting);
		/* evidence documents whose files have not arrived or are not verified: menunggu berkas */
		kd_pack_kv_u64(pk, "evidence_waiting", hs.ev_waiting);
		kd_pack_kv_u64(pk, "evidence_verified", hs.ev_verified);
		kd_pack_kv_u64(pk, "evidence_bad", hs.ev_bad);
		kd_pack_kv_u64(pk, "evidence_bytes_in", hs.ev_bytes_in);
		kd_pack_str(pk, "error");
		kd_sync_error_pack(pk, &hs.err);
	}
	store_read_end(t);
	free(l.v);
	free(kids.v);
	return 0;
}
