/*
 * records.c - moving signed records between stores by hand: record.export
 * pages through the change feed and returns the records the caller may
 * carry; record.import adds records through exactly the verification and
 * rules every other write goes through (store_batch_add and the domain
 * hooks). A refused record is reported with its reason and changes
 * nothing; the others of the same import are kept. A record whose parents
 * or auth records have not arrived is held, not refused, and joins when
 * they do (a later import, or later in the same one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/messages.h"
#include "methods.h"
#include "server.h"

#define EXPORT_LIMIT_DEFAULT 500
#define EXPORT_LIMIT_MAX 2000
#define EXPORT_BYTES_MAX (1024 * 1024)
#define IMPORT_RECORDS_MAX 512

struct export_ctx {
	kd_req *req;
	store_txn *t;
	int all;              /* the operator carries every record of the school */
	size_t limit;
	size_t n;
	uint64_t last_seq;    /* last sequence looked at */
	int more;             /* stopped at the limit: there may be more */
	kn_buf recs;          /* packed bin objects */
	int rc;
};

static int
export_cb(void *arg, uint64_t seq, const uint8_t id[RECORD_ID_BYTES])
{
	struct export_ctx *x = arg;
	const uint8_t *rec;
	size_t len;
	record_view v;
	msgpack_packer pk;
	int rc;

	if (x->n == x->limit) {
		x->more = 1;
		return 1;
	}
	if ((rc = store_txn_get(&rec, &len, x->t, id)))
		return rc;
	/* a page also stops at about a megabyte, so one answer stays small whatever the records weigh */
	if (x->n > 0 && x->recs.len + len > EXPORT_BYTES_MAX) {
		x->more = 1;
		return 1;
	}
	x->last_seq = seq;
	if ((rc = record_open(&v, rec, len, id)))
		return rc; /* a stored record that no longer verifies: say so, never carry it */
	/* an office holds many schools: it carries the records of the school asked for (--sekolah) */
	int may = memcmp(v.school, x->req->school, 8) != 0 ? 0 : x->all ? 1 : kd_view_access(x->req, x->t, &v) == 0;
	record_view_free(&v);
	kn_error_clear();
	if (!may)
		return 0;
	msgpack_packer_init(&pk, &x->recs, kn_buf_msgpack_write);
	msgpack_pack_bin(&pk, len);
	msgpack_pack_bin_body(&pk, rec, len);
	x->n++;
	return 0;
}

/*
 * record.export {after?, limit?}: the records after change-feed position
 * `after` that the caller may carry, oldest first, at most limit; "next"
 * is the position to ask from next, nil at the end.
 */
int
kd_m_record_export(kd_req *req, msgpack_packer *pk)
{
	struct export_ctx x = { .req = req };
	const msgpack_object *after = kd_arg(req, "after"), *limit = kd_arg(req, "limit");
	int rc;

	if (after && after->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return domain_msg_error(KN_EINVAL, "after", "REKAMAN_AFTER_FORMAT", NULL);
	if (limit && (limit->type != MSGPACK_OBJECT_POSITIVE_INTEGER || limit->via.u64 == 0))
		return domain_msg_error(KN_EINVAL, "limit", "REKAMAN_LIMIT_FORMAT", NULL);
	x.limit = limit ? (limit->via.u64 > EXPORT_LIMIT_MAX ? EXPORT_LIMIT_MAX : (size_t)limit->via.u64) : EXPORT_LIMIT_DEFAULT;
	x.last_seq = after ? after->via.u64 : 0;
	x.all = domain_may_administer(&req->me) == 0;
	kn_error_clear();
	if ((rc = store_read_begin(&x.t, req->srv->st)))
		return rc;
	rc = store_log_scan(x.t, x.last_seq, export_cb, &x);
	store_read_end(x.t);
	if (rc == 0) {
		msgpack_pack_map(pk, 4);
		kd_pack_kv_str(pk, "npsn", req->school);
		kd_pack_str(pk, "scope");
		kd_pack_str(pk, x.all ? "school" : "own");
		kd_pack_str(pk, "records");
		msgpack_pack_array(pk, x.n);
		kn_buf_put(pk->data, x.recs.ptr, x.recs.len); /* elements packed already */
		kd_pack_str(pk, "next");
		if (x.more)
			msgpack_pack_uint64(pk, x.last_seq);
		else
			msgpack_pack_nil(pk);
	}
	kn_buf_free(&x.recs);
	return rc;
}

/* How one imported record fared. */
static void
pack_outcome(msgpack_packer *pk, size_t index, const uint8_t id[RECORD_ID_BYTES], int have_id, const char *result,
    int rc)
{
	msgpack_pack_map(pk, rc < 0 ? 6 : 3);
	kd_pack_kv_u64(pk, "index", index);
	kd_pack_str(pk, "id");
	if (have_id) {
		char hex[65];
		kd_pack_str(pk, kn_hex(hex, id, RECORD_ID_BYTES));
	} else {
		msgpack_pack_nil(pk);
	}
	kd_pack_kv_str(pk, "result", result);
	if (rc < 0) {
		kd_pack_kv_str(pk, "code", kn_error_code_name(rc));
		kd_pack_kv_str(pk, "message", kn_error_message());
		kd_pack_kv_str(pk, "field", kn_error_field());
	}
}

/*
 * record.import {records: [bin, ...]}: add each record as if it had been
 * made here, in one sub-transaction of the loop's batch: verified, judged
 * by the domain rules, held when it waits for others. The result says for
 * every record whether it was stored, already present, held or refused
 * (with the reason); the refused ones change nothing.
 */
int
kd_m_record_import(kd_req *req, msgpack_packer *pk)
{
	const msgpack_object *recs = kd_arg(req, "records");
	store_batch *b;
	kn_buf out = KN_BUF_INIT;
	msgpack_packer op;
	size_t counts[4] = { 0, 0, 0, 0 }; /* stored, present, held, refused */
	int rc;

	if (recs == NULL || recs->type != MSGPACK_OBJECT_ARRAY)
		return domain_msg_error(KN_EINVAL, "records", "REKAMAN_IMPOR_FORMAT", NULL);
	if (recs->via.array.size > IMPORT_RECORDS_MAX)
		return domain_msg_error(KN_ETOOBIG, "records", "REKAMAN_IMPOR_TERLALU_BANYAK", "maks",
		    domain_msg_num(IMPORT_RECORDS_MAX).s, NULL);
	if ((rc = kd_write_begin(&b, req)))
		return rc;
	msgpack_packer_init(&op, &out, kn_buf_msgpack_write);
	for (uint32_t i = 0; i < recs->via.array.size; i++) {
		const msgpack_object *r = &recs->via.array.ptr[i];
		uint8_t id[RECORD_ID_BYTES];
		int got;
		memset(id, 0, sizeof(id));
		kn_error_clear();
		if (r->type != MSGPACK_OBJECT_BIN) {
			got = domain_msg_error(KN_EINVAL, "records", "REKAMAN_BUKAN_REKAMAN", "nomor", domain_msg_num(i).s, NULL);
			pack_outcome(&op, i, id, 0, "refused", got);
			counts[3]++;
			continue;
		}
		got = store_batch_add(b, (const uint8_t *)r->via.bin.ptr, r->via.bin.size, id);
		if (got < 0) {
			/* an LMDB failure poisons the sub: nothing of this call can be kept */
			if (got == KN_EFULL || got == KN_ERROR || got == KN_ENOMEM) {
				rc = got;
				break;
			}
			kn_info("record.import: record %u refused: %s", i, kn_error_message());
			pack_outcome(&op, i, id, got != KN_EBADREC && got != KN_EBADSIG, "refused", got);
			counts[3]++;
		} else {
			static const char *const names[] = { "stored", "present", "held" };
			pack_outcome(&op, i, id, 1, names[got], 0);
			counts[got]++;
		}
	}
	rc = kd_write_end(req, rc);
	if (rc == 0) {
		msgpack_pack_map(pk, 5);
		kd_pack_kv_u64(pk, "stored", counts[0]);
		kd_pack_kv_u64(pk, "present", counts[1]);
		kd_pack_kv_u64(pk, "held", counts[2]);
		kd_pack_kv_u64(pk, "refused", counts[3]);
		kd_pack_str(pk, "results");
		msgpack_pack_array(pk, recs->via.array.size);
		kn_buf_put(pk->data, out.ptr, out.len);
		kn_info("record.import by %s: %zu stored, %zu present, %zu held, %zu refused", req->sess->name, counts[0], counts[1],
		    counts[2], counts[3]);
	}
	kn_buf_free(&out);
	return rc;
}
