/*
 * sync_acts.c - what became of each act a person made (issue 9, "Receipts
 * and state"): saved here and waiting, sent, or received by the hub at a
 * time; or received from the hub. sync.acts answers it for the caller's
 * own latest records, newest first.
 *
 * The feed position of a record says where it stands: the hub's receipts
 * acknowledged the school's feed up to meta "sync/acked", and each receipt
 * that moved it is logged in meta "sync/receipts" as (upto, at_ms) pairs
 * (sync_school.c appends them; the oldest are dropped past
 * KD_SYNC_RECEIPTS_MAX), so the first receipt whose upto reaches a
 * record's position is the one that took it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../domain/plan.h"
#include "methods.h"
#include "sync.h"
#include "sync_int.h"

#define ACTS_DEFAULT 20
#define ACTS_MAX 200
#define ACTS_LOOK_MAX 5000 /* feed entries looked at, newest first */

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The time the hub received position pos: the first logged receipt reaching it; 0 when not logged. */
static uint64_t
received_at(const kn_buf *log, uint64_t pos)
{
	size_t n = log->len / 16, lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (be64(log->ptr + 16 * mid) < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n ? be64(log->ptr + 16 * lo + 8) : 0;
}

/* "2026-11-25 19:45" (WIB) into out. */
static void
when(char *out, size_t n, uint64_t ms)
{
	time_t s = (time_t)(ms / 1000) + 7 * 3600;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M WIB", &tm);
}

/* sync.acts {limit?}: the caller's latest records and where each stands. */
int
kd_m_sync_acts(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	const msgpack_object *lim = kd_arg(req, "limit");
	size_t limit = ACTS_DEFAULT, found = 0;
	kn_buf log = KN_BUF_INIT, items = KN_BUF_INIT;
	msgpack_packer ip;
	kd_sync_state st;
	uint64_t acked;
	store_txn *t;
	int rc, configured = srv->cfg.sync_hub[0] != 0;

	if (lim && (lim->type != MSGPACK_OBJECT_POSITIVE_INTEGER || lim->via.u64 == 0))
		return domain_msg_error(KN_EINVAL, "limit", "REKAMAN_LIMIT_FORMAT", NULL);
	if (lim)
		limit = lim->via.u64 > ACTS_MAX ? ACTS_MAX : (size_t)lim->via.u64;
	acked = kd_sync_meta_u64(srv, "sync/acked");
	if (store_meta_get(&log, srv->st, "sync/receipts") != 0)
		kn_buf_clear(&log);
	kn_error_clear();
	msgpack_packer_init(&ip, &items, kn_buf_msgpack_write);
	if ((rc = store_read_begin(&t, srv->st)))
		goto out;
	if ((rc = kd_sync_state_get(&st, t, req->school)) == 0) {
		for (uint64_t pos = st.feed; pos >= 1 && found < limit && st.feed - pos < ACTS_LOOK_MAX; pos--) {
			kd_feed_entry e;
			record_view v;
			char state[24], label[DOMAIN_MSG_MAX], at[40] = "", type[24];
			uint64_t at_ms = 0;
			if (kd_sync_feed_get(&e, t, req->school, pos) != 0 || store_record_open(&v, t, e.id) != 0) {
				kn_error_clear();
				continue;
			}
			int mine = memcmp(v.author, req->sess->key->pk, 32) == 0;
			snprintf(type, sizeof(type), "%.*s", (int)(v.type_len < 23 ? v.type_len : 23), v.type);
			record_view_free(&v);
			if (!mine)
				continue;
			if (e.origin) {
				snprintf(state, sizeof(state), "dari_hub");
				snprintf(label, sizeof(label), "%s", domain_msg_text("SYNC_ACT_DARI_HUB"));
			} else if (pos <= acked) {
				snprintf(state, sizeof(state), "diterima_hub");
				at_ms = received_at(&log, pos);
				if (at_ms)
					when(at, sizeof(at), at_ms);
				const char *params[] = { "waktu", at_ms ? at : "", NULL };
				domain_msg_render(label, sizeof(label), at_ms ? "SYNC_ACT_DITERIMA_HUB" : "SYNC_ACT_DITERIMA_HUB_LAMA",
				    params);
			} else if (!configured) {
				snprintf(state, sizeof(state), "di_sini");
				snprintf(label, sizeof(label), "%s", domain_msg_text("SYNC_ACT_TANPA_HUB"));
			} else {
				snprintf(state, sizeof(state), "menunggu");
				snprintf(label, sizeof(label), "%s", domain_msg_text("SYNC_ACT_MENUNGGU"));
			}
			msgpack_pack_map(&ip, 7);
			kd_pack_kv_hex(&ip, "id", e.id, 32);
			kd_pack_kv_str(&ip, "type", type);
			kd_pack_kv_u64(&ip, "time_ms", e.hlc >> 16);
			kd_pack_kv_u64(&ip, "position", pos);
			kd_pack_kv_str(&ip, "state", state);
			kd_pack_kv_str(&ip, "state_label", label);
			kd_pack_kv_u64(&ip, "received_ms", at_ms);
			found++;
		}
	}
	store_read_end(t);
	if (rc == 0) {
		msgpack_pack_map(pk, 3);
		kd_pack_kv_u64(pk, "acked", acked);
		kd_pack_str(pk, "hub");
		if (configured)
			kd_pack_str(pk, srv->cfg.sync_hub);
		else
			msgpack_pack_nil(pk);
		kd_pack_str(pk, "acts");
		msgpack_pack_array(pk, found);
		kn_buf_put(pk->data, items.ptr, items.len);
		if (items.failed)
			rc = kn_error_set(KN_ENOMEM, "", "out of memory listing acts");
	}
out:
	kn_buf_free(&log);
	kn_buf_free(&items);
	return rc;
}
