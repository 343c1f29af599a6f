/*
 * bundle.c - sneakernet bundles (docs/design.md, "Sync", "Bundles"):
 * sync.bundle_export builds, in memory, what a sync session would carry
 * (sync/bundle.h), signed by this daemon's device key; sync.bundle_import
 * receives one in chunks, checks all of it (structure, counts, BLAKE2b,
 * the signature of the device key it must come from), and only then
 * applies it through the path a live sync uses: at a hub the scope rule,
 * then store_batch_add (signature, domain rules, held records) with the
 * records marked as come from the school; at a school its own context,
 * and sync/pulled moved as a pull would. An evidence pack is indexed
 * (verified by the indexer) before any record is stored, so a bad pack
 * leaves nothing applied.
 *
 * Runs on the loop thread (a bundle is bounded by BUNDLE_RPC_MAX); one
 * import is received at a time per daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/plan.h"
#include "../sync/bundle.h"
#include "bundle.h"
#include "methods.h"
#include "sync_int.h"

#define BUNDLE_RPC_MAX ((size_t)60 << 20) /* under the client's 64 MiB reply */

/* Refuse with an Indonesian message of domain/messages.c. */
static int
fail_msg(int code, const char *field, const char *msg, const char *const *params)
{
	char text[600];

	domain_msg_render(text, sizeof(text), msg, params);
	return kn_error_set(code, field, "%s", text);
}

/* The gate's second half: at a school its Operator (the row's gate let the Dinas's roles through). */
static int
may_carry(kd_req *req)
{
	if (req->srv->office)
		return domain_may_act_for_dinas(&req->me);
	return domain_may_administer(&req->me);
}

/*
 * Where a hub keeps a school's evidence: its own repository beside the
 * hub's (<evidence.dir>.sekolah/<npsn>), so a school's objects never mix
 * with another's. The evidence phase of the live sync should use the same
 * place (or replace this with its helper).
 */
static void
school_repo_path(char *out, size_t outsz, kd_server *srv, const char *npsn)
{
	/* the same per-school repository a live sync's evidence phase fills (sync_evidence.c) */
	char incoming[512];

	if (kd_sync_hub_ev_paths(out, outsz, incoming, sizeof(incoming), srv, npsn) != 0) {
		kn_error_clear();
		snprintf(out, outsz, "%s.sekolah/%s", srv->cfg.evidence_dir, npsn);
	}
}

static void
put_u64(uint8_t b[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* ---- export ---- */

struct refs_ctx {
	char **wants;
	size_t n, cap;
	evidence_repo *r;
	int rc;
};

static int
ref_cb(void *arg, const char *ref)
{
	struct refs_ctx *x = arg;
	char id[EVIDENCE_OID_HEX];

	if (evidence_ref_get(id, x->r, ref) != 0) {
		kn_error_clear();
		return 0;
	}
	if (x->n == x->cap) {
		size_t ncap = x->cap ? 2 * x->cap : 64;
		char **nw = realloc(x->wants, ncap * sizeof(*nw));
		if (nw == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory");
		x->wants = nw;
		x->cap = ncap;
	}
	if ((x->wants[x->n] = strdup(id)) == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	x->n++;
	return 0;
}

static int
pack_write(void *ctx, const void *data, size_t len)
{
	kn_buf *b = ctx;

	if (b->len + len > BUNDLE_RPC_MAX)
		return kn_error_set(KN_ETOOBIG, "", "the evidence does not fit one bundle");
	return kn_buf_put(b, data, len);
}

/*
 * The school's evidence the hub is not known to have: everything under
 * refs/kinerja/<npsn>/ (the live sync keeps no evidence checkpoint yet;
 * once it does, its commits are the haves).
 */
static int
build_pack(kn_buf *out, kn_buf *pack, uint32_t *objects, kd_server *srv, const char *npsn)
{
	struct refs_ctx x = { .r = srv->ev };
	char prefix[40];
	int rc = 0;

	*objects = 0;
	if (srv->ev == NULL)
		return 0;
	snprintf(prefix, sizeof(prefix), "refs/kinerja/%s/", npsn);
	rc = evidence_ref_foreach(srv->ev, prefix, ref_cb, &x);
	if (rc == 0 && x.n)
		rc = evidence_pack_build(srv->ev, (const char *const *)x.wants, x.n, NULL, 0, pack_write, pack, objects);
	if (rc == 0 && pack->len)
		rc = bundle_add_pack(out, pack->ptr, pack->len, *objects, (const char *const *)x.wants, x.n);
	for (size_t i = 0; i < x.n; i++)
		free(x.wants[i]);
	free(x.wants);
	return rc;
}

/*
 * sync.bundle_export: at a school {} -> its records after the hub's
 * acknowledged checkpoint (made here, not come from the hub) and its
 * evidence pack; at a hub {npsn, after?, all?} -> the hub's records for
 * that school after the school's pulled position (all: every one).
 * Answer {bundle: bin, npsn, dir, from, to, records, pack_objects, pack_bytes}.
 */
int
kd_m_sync_bundle_export(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	const msgpack_object *a_npsn = kd_arg(req, "npsn"), *a_after = kd_arg(req, "after"), *a_all = kd_arg(req, "all");
	bundle_header h;
	kn_buf out = KN_BUF_INIT, pack = KN_BUF_INIT;
	kd_sync_state st;
	store_txn *t = NULL;
	size_t n = 0;
	uint32_t objects = 0;
	int all = a_all && a_all->type == MSGPACK_OBJECT_BOOLEAN && a_all->via.boolean, rc;

	if ((rc = may_carry(req)))
		return rc;
	memset(&h, 0, sizeof(h));
	memcpy(h.device, srv->device->pk, 32);
	h.created_ms = kn_now_ms();
	if (srv->office) {
		if (a_npsn == NULL || a_npsn->type != MSGPACK_OBJECT_STR || a_npsn->via.str.size != 8)
			return kn_error_set(KN_EINVAL, "npsn", "name the school: its NPSN (8 digits)");
		memcpy(h.npsn, a_npsn->via.str.ptr, 8);
		if (strspn(h.npsn, "0123456789") != 8)
			return kn_error_set(KN_EINVAL, "npsn", "an NPSN is 8 digits");
		if (!all && (a_after == NULL || a_after->type != MSGPACK_OBJECT_POSITIVE_INTEGER))
			return kn_error_set(KN_EINVAL, "after",
			    "give the school's position (--setelah N: 'diterima s.d.' in the school's 'kinerja sync status') or --semua");
		h.from = all ? 0 : a_after->via.u64;
	} else {
		if (!srv->school[0])
			return fail_msg(KN_ESTATE, "", "SYNC_SEKOLAH_BELUM_ADA", NULL);
		memcpy(h.npsn, srv->school, 9);
		h.up = 1;
		h.from = all ? 0 : kd_sync_meta_u64(srv, "sync/acked");
	}
	if ((rc = store_read_begin(&t, srv->st)))
		return rc;
	if (srv->office && !kd_sync_is_registered(t, h.npsn)) {
		store_read_end(t);
		return fail_msg(KN_ENOTFOUND, "npsn", "BUNDEL_SEKOLAH_TIDAK_TERDAFTAR",
		    (const char *const[]){ "npsn", h.npsn, NULL });
	}
	if ((rc = kd_sync_state_get(&st, t, h.npsn)))
		goto out;
	h.to = st.feed;
	if ((rc = bundle_begin(&out, &h)))
		goto out;
	for (uint64_t i = h.from + 1; i <= st.feed; i++) {
		kd_feed_entry e;
		const uint8_t *rec;
		size_t len;
		if ((rc = kd_sync_feed_get(&e, t, h.npsn, i)))
			goto out;
		/* what came from the other side, it has (at a hub with --semua: everything, for a restored school) */
		if (e.origin && !(all && srv->office))
			continue;
		if ((rc = store_txn_get(&rec, &len, t, e.id)) || (rc = bundle_add_record(&out, rec, len)))
			goto out;
		n++;
		if (out.len > BUNDLE_RPC_MAX) {
			rc = kn_error_set(KN_ETOOBIG, "", "the records do not fit one bundle of %zu MiB", BUNDLE_RPC_MAX >> 20);
			goto out;
		}
	}
	store_read_end(t);
	t = NULL;
	if (h.up && (rc = build_pack(&out, &pack, &objects, srv, h.npsn)))
		goto out;
	if (out.len > BUNDLE_RPC_MAX) {
		rc = kn_error_set(KN_ETOOBIG, "", "the bundle does not fit %zu MiB", BUNDLE_RPC_MAX >> 20);
		goto out;
	}
	if ((rc = bundle_end(&out, n, objects, pack.len, srv->device->sk)))
		goto out;
	msgpack_pack_map(pk, 8);
	kd_pack_str(pk, "bundle");
	msgpack_pack_bin(pk, out.len);
	msgpack_pack_bin_body(pk, out.ptr, out.len);
	kd_pack_kv_str(pk, "npsn", h.npsn);
	kd_pack_kv_str(pk, "dir", h.up ? "up" : "down");
	kd_pack_kv_u64(pk, "from", h.from);
	kd_pack_kv_u64(pk, "to", h.to);
	kd_pack_kv_u64(pk, "records", n);
	kd_pack_kv_u64(pk, "pack_objects", objects);
	kd_pack_kv_u64(pk, "pack_bytes", pack.len);
	kn_info("sync.bundle_export by %s: school %s, %s, %zu record(s) after %llu, %u evidence object(s), %zu bytes",
	    req->sess->name, h.npsn, h.up ? "up" : "down", n, (unsigned long long)h.from, objects, out.len);
out:
	if (t)
		store_read_end(t);
	kn_buf_free(&out);
	kn_buf_free(&pack);
	return rc;
}

/* ---- import ---- */

/* The bundle being received (one per daemon, loop thread). */
static struct {
	kn_buf data;
	uint64_t total;
	kd_session *sess;
} pending;

static void
pending_drop(void)
{
	kn_buf_free(&pending.data);
	pending.total = 0;
	pending.sess = NULL;
}

/* Is the bundle signed by the key it must come from? At a hub: the device registered for its NPSN. */
static int
check_origin(kd_server *srv, const bundle_view *v)
{
	if (srv->office) {
		char office[9];
		domain_registration reg;
		store_txn *t;
		const char *params[] = { "npsn", v->h.npsn, NULL };
		int rc;
		if (!v->h.up)
			return fail_msg(KN_EINVAL, "file", "BUNDEL_ARAH_SALAH", params);
		if ((rc = store_read_begin(&t, srv->st)))
			return rc;
		rc = kd_sync_store_office(office, srv->st, t);
		if (rc == 0)
			rc = kd_sync_registration_get(&reg, NULL, t, office, v->h.npsn);
		store_read_end(t);
		if (rc == KN_ENOTFOUND)
			return fail_msg(KN_EDENIED, "file", "BUNDEL_SEKOLAH_TIDAK_TERDAFTAR", params);
		if (rc)
			return rc;
		if (reg.revoked)
			return fail_msg(KN_EDENIED, "file", "SYNC_KUNCI_DICABUT", params);
		if (bundle_check_sig(v, reg.device) != 0)
			return fail_msg(KN_EBADSIG, "file", "BUNDEL_BUKAN_PERANGKAT_TERDAFTAR", params);
		return 0;
	}
	uint8_t hub[32];
	const char *params[] = { "npsn", v->h.npsn, NULL };
	if (v->h.up || strcmp(v->h.npsn, srv->school) != 0)
		return fail_msg(KN_EINVAL, "file", "BUNDEL_ARAH_SALAH", params);
	if (!srv->cfg.sync_hub_key[0] || kn_unhex(hub, 32, srv->cfg.sync_hub_key, 64) != 0)
		return fail_msg(KN_ESTATE, "file", "BUNDEL_KUNCI_HUB_BELUM", NULL);
	if (bundle_check_sig(v, hub) != 0)
		return fail_msg(KN_EBADSIG, "file", "BUNDEL_BUKAN_HUB", NULL);
	return 0;
}

/* Index the evidence pack: into the school's repository at a hub, the school's own at a school. */
static int
index_pack(uint32_t *objects, kd_server *srv, const bundle_view *v)
{
	evidence_repo *r = NULL;
	evidence_indexer *ix = NULL;
	char path[600];
	int rc;

	*objects = 0;
	if (v->pack == NULL)
		return 0;
	if (srv->office) {
		school_repo_path(path, sizeof(path), srv, v->h.npsn);
		if ((rc = evidence_open(&r, path)))
			return rc;
	} else if ((r = srv->ev) == NULL) {
		return kn_error_set(KN_ESTATE, "", "the evidence repository is not open");
	}
	rc = evidence_pack_index_begin(&ix, r);
	if (rc == 0 && (rc = evidence_pack_index_append(ix, v->pack, v->pack_len)) != 0)
		evidence_pack_index_abort(ix);
	else if (rc == 0)
		rc = evidence_pack_index_commit(ix, objects);
	/* every head the bundle names is a whole commit now; at a hub a ref keeps each reachable */
	for (size_t i = 0; rc == 0 && i < v->nheads; i++) {
		char ref[96];
		if ((rc = evidence_check_commit(r, v->heads[i], 0)) != 0) {
			rc = kn_error_set(KN_EBADREC, "file", "evidence commit %s named by the bundle is not in its pack", v->heads[i]);
			break;
		}
		snprintf(ref, sizeof(ref), "refs/kinerja/%s/bundle/%s", v->h.npsn, v->heads[i]);
		if (srv->office)
			rc = evidence_ref_set(r, ref, v->heads[i]);
	}
	if (r != srv->ev)
		evidence_close(r);
	return rc;
}

/* A record a school may not send: another school's, or one making itself an office (the hub's scope rule). */
static int
out_of_scope(char *msg, size_t msgsz, const uint8_t *rec, size_t len, const char *npsn)
{
	record_view rv;
	int got = record_open(&rv, rec, len, NULL);

	if (got)
		return 0; /* store_batch_add refuses it with the reason */
	if (memcmp(rv.school, npsn, 8) != 0) {
		char owner[9];
		memcpy(owner, rv.school, 8);
		owner[8] = '\0';
		domain_msg_render(msg, msgsz, "SYNC_DI_LUAR_CAKUPAN", (const char *const[]){ "milik", owner, "npsn", npsn, NULL });
		got = KN_EDENIED;
	} else if (rv.type_len == 6 && memcmp(rv.type, "school", 6) == 0) {
		domain_school sc;
		if (domain_school_parse(&sc, rv.body) == 0 && sc.office) {
			snprintf(msg, msgsz, "%s", domain_msg_text("SYNC_BUKAN_KANTOR"));
			got = KN_EDENIED;
		}
	}
	record_view_free(&rv);
	return got;
}

/* Apply a checked bundle: the pack, then every record in one sub-transaction with the checkpoint. */
static int
apply(kd_req *req, msgpack_packer *pk, const bundle_view *v)
{
	kd_server *srv = req->srv;
	size_t counts[4] = { 0, 0, 0, 0 };
	kn_buf refusals = KN_BUF_INIT;
	msgpack_packer rp;
	uint32_t objects = 0;
	uint64_t pulled = 0;
	int moved = 0, rc;
	store_batch *b;

	if ((rc = index_pack(&objects, srv, v)))
		return rc == KN_EBADREC ? fail_msg(KN_EBADREC, "file", "BUNDEL_RUSAK",
		    (const char *const[]){ "sebab", kn_error_message(), NULL }) : rc;
	msgpack_packer_init(&rp, &refusals, kn_buf_msgpack_write);
	if ((rc = kd_write_begin(&b, req)))
		return rc;
	srv->sync_origin = 1;
	for (size_t i = 0; i < v->n; i++) {
		char msg[SYNC_PROTO_TEXT_MAX + 1] = "";
		uint8_t id[32];
		int got = srv->office ? out_of_scope(msg, sizeof(msg), v->rec[i], v->len[i], v->h.npsn) : 0;
		kn_error_clear();
		memset(id, 0, sizeof(id));
		if (got == 0)
			got = store_batch_add(b, v->rec[i], v->len[i], id);
		if (got >= 0) {
			counts[got]++;
			continue;
		}
		if (got == KN_EFULL || got == KN_ERROR || got == KN_ENOMEM) {
			rc = got;
			break;
		}
		if (!msg[0])
			snprintf(msg, sizeof(msg), "%s", kn_error_message());
		kn_info("sync.bundle_import: school %s: record %zu refused: %s", v->h.npsn, i, msg);
		if (counts[3] < 100) {
			msgpack_pack_map(&rp, 3);
			kd_pack_kv_u64(&rp, "index", i);
			kd_pack_kv_str(&rp, "code", kn_error_code_name(got));
			kd_pack_kv_str(&rp, "message", msg);
		}
		counts[3]++;
	}
	srv->sync_origin = 0;
	/* at a school: the hub's records up to h.to are here now, as a pull would have left them */
	if (rc == 0 && !srv->office) {
		pulled = kd_sync_meta_u64(srv, "sync/pulled");
		if (v->h.from <= pulled && v->h.to > pulled) {
			uint8_t be[8];
			put_u64(be, v->h.to);
			rc = store_batch_meta_put(b, "sync/pulled", be, 8);
			moved = rc == 0;
			pulled = v->h.to;
		}
	}
	rc = kd_write_end(req, rc);
	if (rc == 0) {
		msgpack_pack_map(pk, 11);
		kd_pack_kv_str(pk, "npsn", v->h.npsn);
		kd_pack_kv_str(pk, "dir", v->h.up ? "up" : "down");
		kd_pack_kv_u64(pk, "records", v->n);
		kd_pack_kv_u64(pk, "stored", counts[0]);
		kd_pack_kv_u64(pk, "present", counts[1]);
		kd_pack_kv_u64(pk, "held", counts[2]);
		kd_pack_kv_u64(pk, "refused", counts[3]);
		kd_pack_kv_u64(pk, "pack_objects", objects);
		kd_pack_kv_u64(pk, "pulled", pulled);
		kd_pack_str(pk, "pulled_moved");
		moved ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
		kd_pack_str(pk, "refusals");
		msgpack_pack_array(pk, counts[3] < 100 ? counts[3] : 100);
		kn_buf_put(pk->data, refusals.ptr, refusals.len);
		kn_info("sync.bundle_import by %s: school %s: %zu stored, %zu present, %zu held, %zu refused, %u evidence object(s)",
		    req->sess->name, v->h.npsn, counts[0], counts[1], counts[2], counts[3], objects);
	}
	kn_buf_free(&refusals);
	return rc;
}

/*
 * sync.bundle_import {offset, total, data}: a piece of a bundle at offset
 * (0 starts a new one; total = the whole size). Until the last piece the
 * answer is {have}; with the last, the whole is checked and applied and
 * the answer says what became of it. Nothing is applied from a bundle
 * that is cut short, altered, or not signed by the device it must come
 * from.
 */
int
kd_m_sync_bundle_import(kd_req *req, msgpack_packer *pk)
{
	const msgpack_object *off = kd_arg(req, "offset"), *total = kd_arg(req, "total"), *data = kd_arg(req, "data");
	bundle_view v;
	int rc;

	if ((rc = may_carry(req)))
		return rc;
	if (off == NULL || off->type != MSGPACK_OBJECT_POSITIVE_INTEGER || total == NULL ||
	    total->type != MSGPACK_OBJECT_POSITIVE_INTEGER || data == NULL || data->type != MSGPACK_OBJECT_BIN)
		return kn_error_set(KN_EINVAL, "data", "send {offset, total, data (bin)}");
	if (total->via.u64 > BUNDLE_RPC_MAX)
		return kn_error_set(KN_ETOOBIG, "total", "a bundle of at most %zu MiB is read here", BUNDLE_RPC_MAX >> 20);
	if (off->via.u64 == 0) {
		pending_drop();
		pending.total = total->via.u64;
		pending.sess = req->sess;
	} else if (pending.sess != req->sess || pending.total != total->via.u64 || off->via.u64 != pending.data.len) {
		return kn_error_set(KN_ESTATE, "offset", "send the bundle again from offset 0 (expected %zu)", pending.data.len);
	}
	if (pending.data.len + data->via.bin.size > pending.total) {
		pending_drop();
		return kn_error_set(KN_EINVAL, "data", "more bytes than the bundle's total");
	}
	if ((rc = kn_buf_put(&pending.data, data->via.bin.ptr, data->via.bin.size))) {
		pending_drop();
		return rc;
	}
	if (pending.data.len < pending.total) {
		msgpack_pack_map(pk, 1);
		kd_pack_kv_u64(pk, "have", pending.data.len);
		return 0;
	}
	rc = bundle_parse(&v, pending.data.ptr, pending.data.len);
	if (rc)
		rc = fail_msg(rc == KN_ETOOBIG ? KN_ETOOBIG : KN_EBADREC, "file", "BUNDEL_RUSAK",
		    (const char *const[]){ "sebab", kn_error_message(), NULL });
	if (rc == 0) {
		rc = check_origin(req->srv, &v);
		if (rc == 0)
			rc = apply(req, pk, &v);
		bundle_view_free(&v);
	}
	pending_drop();
	return rc;
}
