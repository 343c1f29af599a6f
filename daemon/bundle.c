/*
 * bundle.c - sneakernet bundles (docs/design.md, "Sync", "Bundles"), of
 * any size, through a spool under the store and bounded memory:
 *
 * Export: sync.bundle_export checks who asks and what for on the loop,
 * then a worker writes the bundle (sync/bundle.h), signed by this
 * daemon's device key, into <store>/bundle-spool/export.bundle: the
 * records streamed from a read transaction, the evidence pack built into
 * the spool (evidence_spool_pack) and copied in 1 MiB pieces. The request
 * is answered at once; sync.bundle_fetch {offset} tells how far the build
 * is, then hands the bundle out in pieces of at most 1 MiB, and the spool
 * is removed once its last byte was read.
 *
 * Import: sync.bundle_import {offset, total, data} appends pieces to
 * <store>/bundle-spool/import.part. With the last, a worker reads the
 * whole file (bundle_reader: structure, counts, BLAKE2b) and checks the
 * signature of the device it must come from; only then does it index the
 * evidence pack (the indexer verifies it; at a hub into the school's own
 * repository) and hash every file an evidence record of the bundle names
 * against that record's SHA-256. Back on the loop the file is read once
 * more and its records stored in one sub-transaction, as a live sync
 * stores them (at a hub the scope rule first), with the checkpoints:
 * at a school sync/pulled and, from the hub's receipt a down bundle
 * carries, sync/acked, the receipts log, sync/receipt and the evidence
 * checkpoint sync/ev_acked; at a hub the receipt it will send back
 * (meta "bundle/receipt/<npsn>").
 *
 * One export and one import at a time per daemon (loop-thread state).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../domain/plan.h"
#include "../sync/bundle.h"
#include "../util/mpmap.h"
#include "../util/mpscan.h"
#include "bundle.h"
#include "methods.h"
#include "sync_int.h"
#include "work.h"

#define FETCH_MAX BUNDLE_CHUNK_MAX     /* bytes per sync.bundle_fetch answer */
#define PIECE_MAX ((size_t)1 << 20)     /* bytes per sync.bundle_import call (a request frame is at most 1 MiB) */
#define IO_CHUNK ((size_t)1 << 20)
#define RECEIPT_META "bundle/receipt/"  /* + npsn, at a hub */
#define EV_ACKED_META "sync/ev_acked"   /* at a school: commits (20 bytes each) the hub acknowledged */

static int receipt_unpack(bundle_receipt *r, const kn_buf *b);

int
kd_bundle_last_import(kd_server *srv, const char *npsn, uint64_t *at_ms, uint64_t *records)
{
	char name[64];
	kn_buf b = KN_BUF_INIT;
	bundle_receipt r;
	int rc;

	snprintf(name, sizeof(name), RECEIPT_META "%s", npsn);
	if ((rc = store_meta_get(&b, srv->st, name)) == 0)
		rc = receipt_unpack(&r, &b);
	kn_buf_free(&b);
	if (rc)
		return rc;
	*at_ms = r.at_ms;
	*records = r.stored + r.present + r.held + r.refused;
	return 0;
}

/* Refuse with an Indonesian message of domain/messages.c. */
static int
fail_msg(int code, const char *field, const char *msg, const char *const *params)
{
	char text[600];

	domain_msg_render(text, sizeof(text), msg, params);
	return kn_error_set(code, field, "%s", text);
}

/* A spool file could not be used: in Indonesian, the path and the system's reason as the cause. */
static int
spool_fail(const char *what, const char *path, int err)
{
	char why[700];

	snprintf(why, sizeof(why), "%s %s: %s", what, path, strerror(err));
	return fail_msg(KN_ERROR, "spool", "BUNDEL_SPOOL_GAGAL", (const char *const[]){ "sebab", why, NULL });
}

/* The gate's second half: at a school its Operator (the row's gate let the Dinas's roles through). */
static int
may_carry(kd_req *req)
{
	if (req->srv->office)
		return domain_may_act_for_dinas(&req->me);
	return domain_may_administer(&req->me);
}

static void
put_u64(uint8_t b[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* <store>/bundle-spool, created 0700; file names inside it. */
static int
spool_path(char *out, size_t n, kd_server *srv, const char *file)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/bundle-spool", srv->cfg.store_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return spool_fail("mkdir", dir, errno);
	if ((size_t)snprintf(out, n, "%s/%s", dir, file) >= n)
		return spool_fail("snprintf", dir, ENAMETOOLONG);
	return 0;
}

/* Remove what an interrupted export left in the spool's pack directory (its own files only). */
static void
clear_packs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[1200];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) == 0)
			kn_info("sync.bundle_export: removed %s, left by an interrupted export", path);
	}
	closedir(d);
}

/* Write b to fd and clear it. */
static int
flush_to(int fd, kn_buf *b, const char *path)
{
	if (b->len && kn_write_full(fd, b->ptr, b->len) != 0)
		return spool_fail("write", path, errno);
	kn_buf_clear(b);
	return 0;
}

/* ---- export ---- */

typedef struct export_job export_job;

/* The export spool (loop thread): one at a time, read back by its owner. */
static struct {
	export_job *busy;       /* the job writing it, or NULL */
	int ready;
	uint8_t owner[32];      /* the session token that asked */
	uint64_t size, started_ms;
	char path[600];
	/* what the bundle holds, for the first sync.bundle_fetch */
	char npsn[9];
	int up, receipt, checkpoint;
	uint64_t from, to, records, objects, pack_bytes;
	/* a build that failed, told to the owner's next sync.bundle_fetch */
	int failed;
	char err_msg[512], err_field[64];
} xs;

/* What a worker building a bundle has done so far (written there, read by the loop). */
enum { XP_RECORDS = 1, XP_PACK, XP_COPY, XP_DONE };

struct export_job {
	kd_job j;
	kd_server *srv;
	bundle_header h;
	int all, receipt_only;
	uint8_t owner[32];
	kn_buf receipt;         /* at a hub: meta "bundle/receipt/<npsn>" as stored, or empty */
	kn_buf acked;           /* at a school: the evidence checkpoint (20 bytes per commit) */
	char spool[600], part[600], packdir[600];
	/* out */
	uint64_t records, size, pack_bytes;
	uint32_t objects;
	int has_receipt;
	/* progress (atomics: the loop reads them while the worker runs) */
	int stage;
	uint64_t done_records, done_bytes, total_bytes;
};

static void
progress_set(export_job *x, int stage, uint64_t records, uint64_t done, uint64_t total)
{
	__atomic_store_n(&x->done_records, records, __ATOMIC_RELAXED);
	__atomic_store_n(&x->done_bytes, done, __ATOMIC_RELAXED);
	__atomic_store_n(&x->total_bytes, total, __ATOMIC_RELAXED);
	__atomic_store_n(&x->stage, stage, __ATOMIC_RELEASE);
}

struct refs_ctx {
	char **wants;
	size_t n, cap;
	evidence_repo *r;
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
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->wants[i], id) == 0)
			return 0;
	if (x->n == BUNDLE_HEADS_MAX)
		return fail_msg(KN_ETOOBIG, "heads", "BUNDEL_DOKUMEN_TERLALU_BANYAK",
		    (const char *const[]){ "maks", domain_msg_num(BUNDLE_HEADS_MAX).s, NULL });
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

/* A receipt as the hub keeps it (meta) into r (commits malloc'd). */
static int
receipt_unpack(bundle_receipt *r, const kn_buf *b)
{
	static const char *const keys[] = { "from", "upto", "at_ms", "stored", "present", "held", "refused", "verified", "bad" };
	uint64_t *vals[] = { &r->from, &r->upto, &r->at_ms, &r->stored, &r->present, &r->held, &r->refused, &r->verified,
		&r->bad };
	msgpack_unpacked up;
	size_t pos = 0;
	int rc = KN_EBADREC;

	memset(r, 0, sizeof(*r));
	if (b->len == 0 || kn_mpscan_exact(b->ptr, b->len, BUNDLE_OBJECT_MAX) != 0)
		return kn_error_set(KN_EBADREC, "receipt", "the stored receipt is damaged");
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, (const char *)b->ptr, b->len, &pos) == MSGPACK_UNPACK_SUCCESS &&
	    up.data.type == MSGPACK_OBJECT_MAP) {
		const msgpack_object *cs = kn_map_get(&up.data, "commits");
		rc = 0;
		for (size_t k = 0; rc == 0 && k < sizeof(keys) / sizeof(keys[0]); k++) {
			const msgpack_object *o = kn_map_get(&up.data, keys[k]);
			if (o == NULL || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
				rc = KN_EBADREC;
			else
				*vals[k] = o->via.u64;
		}
		if (rc == 0 && (cs == NULL || cs->type != MSGPACK_OBJECT_BIN || cs->via.bin.size % 20 ||
		    cs->via.bin.size / 20 > BUNDLE_HEADS_MAX))
			rc = KN_EBADREC;
		if (rc == 0 && cs->via.bin.size) {
			if ((r->commits = malloc(cs->via.bin.size)) == NULL)
				rc = KN_ENOMEM;
			else {
				memcpy(r->commits, cs->via.bin.ptr, cs->via.bin.size);
				r->ncommits = cs->via.bin.size / 20;
			}
		}
	}
	msgpack_unpacked_destroy(&up);
	if (rc)
		return kn_error_set(rc, "receipt", "the stored receipt is damaged");
	return 0;
}

static void
receipt_pack(kn_buf *out, const bundle_receipt *r)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 10);
	kd_pack_kv_u64(&pk, "from", r->from);
	kd_pack_kv_u64(&pk, "upto", r->upto);
	kd_pack_kv_u64(&pk, "at_ms", r->at_ms);
	kd_pack_kv_u64(&pk, "stored", r->stored);
	kd_pack_kv_u64(&pk, "present", r->present);
	kd_pack_kv_u64(&pk, "held", r->held);
	kd_pack_kv_u64(&pk, "refused", r->refused);
	kd_pack_kv_u64(&pk, "verified", r->verified);
	kd_pack_kv_u64(&pk, "bad", r->bad);
	kd_pack_str(&pk, "commits");
	msgpack_pack_bin(&pk, r->ncommits * 20);
	msgpack_pack_bin_body(&pk, r->commits, r->ncommits * 20);
}

/* The evidence: a pack of every commit under refs/kinerja/<npsn>/ not reachable from what the hub acknowledged. */
static int
export_pack(export_job *x, bundle_writer *w, kn_buf *out, int fd)
{
	struct refs_ctx rc_ = { .r = x->j.ev };
	char prefix[40], key[65] = "";
	char **haves = NULL;
	size_t nhaves = 0;
	uint64_t size = 0;
	int rc;

	if (x->j.ev == NULL)
		return 0;
	snprintf(prefix, sizeof(prefix), "refs/kinerja/%s/", x->h.npsn);
	rc = evidence_ref_foreach(x->j.ev, prefix, ref_cb, &rc_);
	if (rc == 0 && rc_.n && !x->all && x->acked.len >= 20) {
		nhaves = x->acked.len / 20;
		if ((haves = calloc(nhaves, sizeof(*haves))) == NULL)
			rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		for (size_t i = 0; rc == 0 && i < nhaves; i++) {
			if ((haves[i] = malloc(41)) == NULL)
				rc = kn_error_set(KN_ENOMEM, "", "out of memory");
			else
				kn_hex(haves[i], x->acked.ptr + 20 * i, 20);
		}
	}
	progress_set(x, XP_PACK, x->records, 0, 0);
	if (rc == 0 && rc_.n)
		rc = evidence_spool_pack(key, &size, &x->objects, x->j.ev, x->packdir, (const char *const *)rc_.wants, rc_.n,
		    (const char *const *)haves, haves ? nhaves : 0);
	if (rc == 0 && x->objects && size) {
		rc = bundle_pack_begin(w, out, size, x->objects, (const char *const *)rc_.wants, rc_.n);
		kn_buf piece = KN_BUF_INIT;
		for (uint64_t at = 0; rc == 0 && at < size;) {
			size_t n = size - at < IO_CHUNK ? (size_t)(size - at) : IO_CHUNK;
			kn_buf_clear(&piece);
			if ((rc = evidence_spool_read(&piece, x->packdir, key, at, n)))
				break;
			if (piece.len != n) {
				rc = spool_fail("read", x->packdir, EIO);
				break;
			}
			if ((rc = bundle_pack_data(w, out, piece.ptr, piece.len)) == 0)
				rc = flush_to(fd, out, x->part);
			at += n;
			progress_set(x, XP_COPY, x->records, at, size);
		}
		kn_buf_free(&piece);
		x->pack_bytes = size;
	} else if (rc == 0) {
		x->objects = 0;
	}
	if (key[0])
		evidence_spool_drop(x->packdir, key);
	for (size_t i = 0; i < rc_.n; i++)
		free(rc_.wants[i]);
	free(rc_.wants);
	for (size_t i = 0; haves && i < nhaves; i++)
		free(haves[i]);
	free(haves);
	return rc;
}

static int
export_write(export_job *x)
{
	kd_server *srv = x->srv;
	bundle_writer w;
	kn_buf out = KN_BUF_INIT;
	kd_sync_state st;
	store_txn *t = NULL;
	int fd, rc;

	clear_packs(x->packdir);
	progress_set(x, XP_RECORDS, 0, 0, 0);
	if ((fd = open(x->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return spool_fail("open", x->part, errno);
	if ((rc = store_read_begin(&t, srv->st)))
		goto out;
	if ((rc = kd_sync_state_get(&st, t, x->h.npsn)))
		goto out;
	x->h.to = x->receipt_only ? 0 : st.feed;
	if (x->receipt_only)
		x->h.from = 0;
	if ((rc = bundle_begin(&w, &out, &x->h)))
		goto out;
	if (!x->h.up && x->receipt.len) {
		bundle_receipt r;
		if ((rc = receipt_unpack(&r, &x->receipt)) == 0) {
			rc = bundle_add_receipt(&w, &out, &r);
			free(r.commits);
			x->has_receipt = 1;
		} else {
			rc = fail_msg(KN_EBADREC, "receipt", "BUNDEL_TANDA_TERIMA_RUSAK",
			    (const char *const[]){ "npsn", x->h.npsn, NULL });
		}
		if (rc)
			goto out;
	}
	for (uint64_t i = x->h.from + 1; !x->receipt_only && i <= st.feed; i++) {
		kd_feed_entry e;
		const uint8_t *rec;
		size_t len;
		if ((rc = kd_sync_feed_get(&e, t, x->h.npsn, i)))
			goto out;
		/* what came from the other side, it has (at a hub with --semua: everything, for a restored school) */
		if (e.origin && !(x->all && !x->h.up))
			continue;
		if ((rc = store_txn_get(&rec, &len, t, e.id)) || (rc = bundle_add_record(&w, &out, rec, len)))
			goto out;
		x->records++;
		if (out.len >= IO_CHUNK && (rc = flush_to(fd, &out, x->part)))
			goto out;
		if (x->records % 1024 == 0)
			progress_set(x, XP_RECORDS, x->records, 0, 0);
	}
	store_read_end(t);
	t = NULL;
	if ((rc = flush_to(fd, &out, x->part)))
		goto out;
	if (x->h.up && (rc = export_pack(x, &w, &out, fd)))
		goto out;
	if ((rc = bundle_end(&w, &out, srv->device->sk)) || (rc = flush_to(fd, &out, x->part)))
		goto out;
	struct stat sb;
	if (fsync(fd) != 0 || fstat(fd, &sb) != 0) {
		rc = spool_fail("fsync", x->part, errno);
		goto out;
	}
	x->size = (uint64_t)sb.st_size;
	if (rename(x->part, x->spool) != 0)
		rc = spool_fail("rename", x->part, errno);
out:
	if (t)
		store_read_end(t);
	close(fd);
	if (rc)
		unlink(x->part);
	kn_buf_free(&out);
	return rc;
}

static void
export_run(kd_job *j)
{
	int rc = export_write((export_job *)j);

	if (rc)
		kd_job_keep_error(j, rc);
}

/*
 * The build ended (loop): the spool waits for its owner's sync.bundle_fetch,
 * or the failure does. The request that started it was answered at once.
 */
static void
export_done(kd_job *j)
{
	export_job *x = (export_job *)j;
	int rc = j->rc ? kd_job_error(j) : 0;

	xs.busy = NULL;
	memcpy(xs.owner, x->owner, 32);
	if (rc == 0) {
		xs.ready = 1;
		xs.size = x->size;
		snprintf(xs.path, sizeof(xs.path), "%s", x->spool);
		memcpy(xs.npsn, x->h.npsn, 9);
		xs.up = x->h.up;
		xs.from = x->h.from;
		xs.to = x->h.to;
		xs.records = x->records;
		xs.objects = x->objects;
		xs.pack_bytes = x->pack_bytes;
		xs.receipt = x->has_receipt;
		xs.checkpoint = x->h.up && !x->all && x->acked.len;
		kn_info("sync.bundle_export: school %s, %s, %llu record(s) after %llu, %u evidence object(s) (%llu bytes)%s, "
		        "%llu bytes in %llu ms",
		    x->h.npsn, x->h.up ? "up" : "down", (unsigned long long)x->records, (unsigned long long)x->h.from,
		    x->objects, (unsigned long long)x->pack_bytes, x->has_receipt ? ", with the hub's receipt" : "",
		    (unsigned long long)x->size, (unsigned long long)(kn_now_ms() - xs.started_ms));
	} else {
		xs.failed = rc;
		snprintf(xs.err_msg, sizeof(xs.err_msg), "%s", kn_error_message());
		snprintf(xs.err_field, sizeof(xs.err_field), "%s", kn_error_field());
		kn_info("sync.bundle_export: school %s: failed: %s", x->h.npsn, xs.err_msg);
	}
	kn_buf_free(&x->receipt);
	kn_buf_free(&x->acked);
	kd_job_release(j);
	free(x);
}

/*
 * sync.bundle_export: at a school {all?} -> its records after the hub's
 * acknowledged checkpoint (made here, not come from the hub) and the
 * evidence the hub has not acknowledged (all: everything); at a hub
 * {npsn, after?, all?, receipt_only?} -> the hub's receipt of the
 * school's last bundle and its records for that school after the
 * school's pulled position (all: every one; receipt_only: none). Written
 * into the spool by a worker; the answer {started} comes at once, and
 * sync.bundle_fetch tells how far the build is, then hands the bundle out.
 */
int
kd_m_sync_bundle_export(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	const msgpack_object *a_npsn = kd_arg(req, "npsn"), *a_after = kd_arg(req, "after"), *a_all = kd_arg(req, "all"),
	                     *a_ro = kd_arg(req, "receipt_only");
	int all = a_all && a_all->type == MSGPACK_OBJECT_BOOLEAN && a_all->via.boolean;
	int ro = a_ro && a_ro->type == MSGPACK_OBJECT_BOOLEAN && a_ro->via.boolean;
	bundle_header h;
	store_txn *t;
	export_job *x;
	int rc;

	if ((rc = may_carry(req)))
		return rc;
	if (xs.busy)
		return fail_msg(KN_EBUSY, "", "BUNDEL_SEDANG_DIBUAT", NULL);
	xs.failed = 0;
	memset(&h, 0, sizeof(h));
	memcpy(h.device, srv->device->pk, 32);
	h.created_ms = kn_now_ms();
	if (srv->office) {
		if (a_npsn == NULL || a_npsn->type != MSGPACK_OBJECT_STR || a_npsn->via.str.size != 8)
			return fail_msg(KN_EINVAL, "npsn", "BUNDEL_NPSN_PERLU", NULL);
		memcpy(h.npsn, a_npsn->via.str.ptr, 8);
		if (strspn(h.npsn, "0123456789") != 8)
			return fail_msg(KN_EINVAL, "npsn", "BUNDEL_NPSN_PERLU", NULL);
		if (!all && !ro && (a_after == NULL || a_after->type != MSGPACK_OBJECT_POSITIVE_INTEGER))
			return fail_msg(KN_EINVAL, "after", "BUNDEL_POSISI_PERLU", NULL);
		h.from = all || ro ? 0 : a_after->via.u64;
	} else {
		if (!srv->school[0])
			return fail_msg(KN_ESTATE, "", "SYNC_SEKOLAH_BELUM_ADA", NULL);
		if (ro)
			return fail_msg(KN_EINVAL, "receipt_only", "BUNDEL_TANDA_TERIMA_DI_HUB", NULL);
		memcpy(h.npsn, srv->school, 9);
		h.up = 1;
		h.from = all ? 0 : kd_sync_meta_u64(srv, "sync/acked");
	}
	if (srv->office) {
		if ((rc = store_read_begin(&t, srv->st)))
			return rc;
		int known = kd_sync_is_registered(t, h.npsn);
		store_read_end(t);
		if (!known)
			return fail_msg(KN_ENOTFOUND, "npsn", "BUNDEL_SEKOLAH_TIDAK_TERDAFTAR",
			    (const char *const[]){ "npsn", h.npsn, NULL });
	}
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	x->srv = srv;
	x->h = h;
	x->all = all;
	x->receipt_only = ro;
	memcpy(x->owner, req->sess->token, 32);
	if (srv->office) {
		char name[40];
		snprintf(name, sizeof(name), RECEIPT_META "%s", h.npsn);
		if (store_meta_get(&x->receipt, srv->st, name) != 0)
			kn_buf_clear(&x->receipt);
		if (ro && x->receipt.len == 0) {
			free(x);
			return fail_msg(KN_ENOTFOUND, "npsn", "BUNDEL_BELUM_ADA_TANDA_TERIMA", (const char *const[]){ "npsn", h.npsn, NULL });
		}
	} else if (store_meta_get(&x->acked, srv->st, EV_ACKED_META) != 0 || x->acked.len % 20) {
		kn_buf_clear(&x->acked);
	}
	kn_error_clear();
	if ((rc = spool_path(x->spool, sizeof(x->spool), srv, "export.bundle")) ||
	    (rc = spool_path(x->part, sizeof(x->part), srv, "export.part")) ||
	    (rc = spool_path(x->packdir, sizeof(x->packdir), srv, "packs"))) {
		kn_buf_free(&x->receipt);
		kn_buf_free(&x->acked);
		free(x);
		return rc;
	}
	mkdir(x->packdir, 0700);
	/* a new export replaces the one not fetched */
	if (xs.ready)
		unlink(xs.path);
	xs.ready = 0;
	xs.busy = x;
	xs.started_ms = kn_now_ms();
	x->j.lane = KD_LANE_READ;
	x->j.run = export_run;
	x->j.done = export_done;
	x->j.req = *req;
	kd_work_submit(srv, &x->j);
	if (!xs.busy && xs.failed) {
		/* refused at once (too many jobs): done() kept why */
		rc = xs.failed;
		xs.failed = 0;
		return kn_error_set(rc, xs.err_field, "%s", xs.err_msg);
	}
	msgpack_pack_map(pk, 1);
	kd_pack_str(pk, "started");
	msgpack_pack_true(pk);
	return 0;
}

/* sync.bundle_fetch {offset}: up to 1 MiB of the export from offset {data, size}; the last piece removes the spool. */
int
kd_m_sync_bundle_fetch(kd_req *req, msgpack_packer *pk)
{
	const msgpack_object *off = kd_arg(req, "offset");
	uint8_t *buf;
	int fd;
	ssize_t got;
	size_t n;

	if (off == NULL || off->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return fail_msg(KN_EINVAL, "offset", "BUNDEL_AMBIL_OFFSET", NULL);
	if (xs.busy && sodium_memcmp(xs.busy->owner, req->sess->token, 32) == 0) {
		/* still being built: how far */
		export_job *x = xs.busy;
		int stage = __atomic_load_n(&x->stage, __ATOMIC_ACQUIRE);
		msgpack_pack_map(pk, 6);
		kd_pack_str(pk, "building");
		msgpack_pack_true(pk);
		kd_pack_kv_str(pk, "stage", stage == XP_PACK ? "pack" : stage == XP_COPY ? "copy" : "records");
		kd_pack_kv_u64(pk, "records", __atomic_load_n(&x->done_records, __ATOMIC_RELAXED));
		kd_pack_kv_u64(pk, "done", __atomic_load_n(&x->done_bytes, __ATOMIC_RELAXED));
		kd_pack_kv_u64(pk, "total", __atomic_load_n(&x->total_bytes, __ATOMIC_RELAXED));
		kd_pack_kv_u64(pk, "elapsed_ms", kn_now_ms() - xs.started_ms);
		return 0;
	}
	if (xs.failed && sodium_memcmp(xs.owner, req->sess->token, 32) == 0) {
		int rc = xs.failed;
		xs.failed = 0;
		return kn_error_set(rc, xs.err_field, "%s", xs.err_msg);
	}
	if (!xs.ready || sodium_memcmp(xs.owner, req->sess->token, 32) != 0)
		return fail_msg(KN_ESTATE, "", "BUNDEL_TIDAK_MENUNGGU", NULL);
	if (off->via.u64 >= xs.size)
		return fail_msg(KN_EINVAL, "offset", "BUNDEL_AMBIL_LEWAT", (const char *const[]){ "ukuran", domain_msg_num(xs.size).s, NULL });
	n = xs.size - off->via.u64 < FETCH_MAX ? (size_t)(xs.size - off->via.u64) : FETCH_MAX;
	if ((buf = malloc(n)) == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	if ((fd = open(xs.path, O_RDONLY | O_CLOEXEC)) < 0 || (got = kn_pread_full(fd, buf, n, off->via.u64)) != (ssize_t)n) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		free(buf);
		return spool_fail("read", xs.path, e);
	}
	close(fd);
	msgpack_pack_map(pk, off->via.u64 == 0 ? 11 : 2);
	kd_pack_kv_u64(pk, "size", xs.size);
	if (off->via.u64 == 0) {
		/* what the bundle holds */
		kd_pack_kv_str(pk, "npsn", xs.npsn);
		kd_pack_kv_str(pk, "dir", xs.up ? "up" : "down");
		kd_pack_kv_u64(pk, "from", xs.from);
		kd_pack_kv_u64(pk, "to", xs.to);
		kd_pack_kv_u64(pk, "records", xs.records);
		kd_pack_kv_u64(pk, "pack_objects", xs.objects);
		kd_pack_kv_u64(pk, "pack_bytes", xs.pack_bytes);
		kd_pack_str(pk, "receipt");
		xs.receipt ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
		kd_pack_str(pk, "evidence_checkpoint");
		xs.checkpoint ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	}
	kd_pack_str(pk, "data");
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, buf, n);
	free(buf);
	if (off->via.u64 + n == xs.size) {
		unlink(xs.path);
		xs.ready = 0;
	}
	return 0;
}

/* ---- import ---- */

/* The bundle being received (loop thread). */
static struct {
	int fd;                 /* -1 when none */
	int busy;               /* a worker checks it */
	uint8_t owner[32];
	uint64_t total, have;
	char path[600];
} is = { .fd = -1 };

static void
import_drop(void)
{
	if (is.fd >= 0) {
		close(is.fd);
		unlink(is.path);
	}
	is.fd = -1;
	is.total = is.have = 0;
}

/* A file an evidence record of the bundle names: its blob and signed SHA-256. */
typedef struct {
	char blob[41];
	char sha256[65];
} ev_file;

typedef struct {
	kd_job j;
	kd_server *srv;
	char path[600];
	int office;
	char school[9];
	char hub_key[80];
	char ev_path[600];      /* at a hub: the school's repository (filled in run) */
	/* out of run() */
	bundle_view v;
	uint32_t objects;
	uint64_t verified, bad;
	kn_buf acked;           /* commits (20 bytes each) whole and verified here */
	int stage;              /* what failed: 1 reading, 2 the origin, 3 the evidence */
} import_job;

/* Read the whole file at path through a reader with cb. */
static int
read_file(bundle_view *v, const char *path, bundle_event_fn cb, void *arg)
{
	bundle_reader *r;
	uint8_t *buf = malloc(IO_CHUNK);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	uint64_t off = 0;

	memset(v, 0, sizeof(*v));
	if (buf == NULL || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return spool_fail("open", path, fd < 0 ? errno : ENOMEM);
	}
	if ((rc = bundle_reader_new(&r, cb, arg)) == 0) {
		for (;;) {
			ssize_t got = kn_pread_full(fd, buf, IO_CHUNK, off);
			if (got < 0) {
				rc = spool_fail("read", path, errno);
				break;
			}
			if (got == 0)
				break;
			if ((rc = bundle_reader_feed(r, buf, (size_t)got)))
				break;
			off += (uint64_t)got;
		}
		if (rc == 0)
			rc = bundle_reader_finish(r, v);
		bundle_reader_free(r);
	}
	close(fd);
	free(buf);
	return rc;
}

/* Is the bundle signed by the key it must come from? At a hub: the device registered for its NPSN. */
static int
check_origin(import_job *ij)
{
	const bundle_view *v = &ij->v;
	const char *params[] = { "npsn", v->h.npsn, NULL };

	if (ij->office) {
		char office[9];
		domain_registration reg;
		store_txn *t;
		int rc;
		if (!v->h.up)
			return fail_msg(KN_EINVAL, "file", "BUNDEL_ARAH_SALAH", params);
		if ((rc = store_read_begin(&t, ij->srv->st)))
			return rc;
		rc = kd_sync_store_office(office, ij->srv->st, t);
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
	if (v->h.up || strcmp(v->h.npsn, ij->school) != 0)
		return fail_msg(KN_EINVAL, "file", "BUNDEL_ARAH_SALAH", params);
	if (!ij->hub_key[0] || kn_unhex(hub, 32, ij->hub_key, 64) != 0)
		return fail_msg(KN_ESTATE, "file", "BUNDEL_KUNCI_HUB_BELUM", NULL);
	if (bundle_check_sig(v, hub) != 0)
		return fail_msg(KN_EBADSIG, "file", "BUNDEL_BUKAN_HUB", NULL);
	return 0;
}

/* The second reading (a worker): the pack into the indexer, the files the records name, the heads. */
typedef struct {
	import_job *ij;
	evidence_repo *r;
	evidence_indexer *ix;
	char (*heads)[41];
	size_t nheads;
	kn_buf files;           /* ev_file */
	uint32_t objects;
} ev_read;

static int
ev_cb(void *arg, const bundle_event *e)
{
	ev_read *c = arg;
	int rc = 0;

	switch (e->kind) {
	case BUNDLE_EV_RECORD: {
		record_view rv;
		domain_evidence de;
		if (record_open(&rv, e->data, e->len, NULL) != 0) {
			kn_error_clear();
			return 0; /* refused later with its reason */
		}
		if (rv.type_len == 8 && memcmp(rv.type, "evidence", 8) == 0 && domain_evidence_parse(&de, rv.body) == 0 &&
		    strcmp(de.action, "upload") == 0 && de.sha256[0] && de.blob[0]) {
			ev_file f;
			memset(&f, 0, sizeof(f));
			memcpy(f.blob, de.blob, sizeof(f.blob));
			memcpy(f.sha256, de.sha256, sizeof(f.sha256));
			rc = kn_buf_put(&c->files, &f, sizeof(f));
		}
		kn_error_clear();
		record_view_free(&rv);
		return rc;
	}
	case BUNDLE_EV_PACK:
		if ((c->heads = malloc(e->nheads * sizeof(*c->heads))) == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory");
		memcpy(c->heads, e->heads, e->nheads * sizeof(*c->heads));
		c->nheads = e->nheads;
		return evidence_pack_index_begin(&c->ix, c->r);
	case BUNDLE_EV_PACK_DATA:
		return evidence_pack_index_append(c->ix, e->data, e->len);
	case BUNDLE_EV_END:
		if (c->ix) {
			rc = evidence_pack_index_commit(c->ix, &c->objects);
			c->ix = NULL;
		}
		return rc;
	}
	return 0;
}

/* Index the pack, hash the files the bundle's records name, and keep the heads that are whole when all is well. */
static int
import_evidence(import_job *ij)
{
	ev_read c = { .ij = ij };
	bundle_view v2;
	int rc = 0;

	if (ij->v.pack_len == 0)
		return 0; /* nothing to index (and at a hub no repository made for it) */
	if (ij->office) {
		char incoming[600];
		if ((rc = kd_sync_hub_ev_paths(ij->ev_path, sizeof(ij->ev_path), incoming, sizeof(incoming), ij->srv,
		    ij->v.h.npsn)))
			return rc;
		if ((rc = evidence_open(&c.r, ij->ev_path)))
			return rc;
	} else if ((c.r = ij->j.ev) == NULL) {
		return kn_error_set(KN_ESTATE, "", "the evidence repository is not open");
	}
	rc = read_file(&v2, ij->path, ev_cb, &c);
	if (c.ix)
		evidence_pack_index_abort(c.ix);
	/*
	 * The bytes are those the school's daemon signed: a pack that does not
	 * index here builds on objects this repository lacks (the bundle left
	 * out what an earlier receipt acknowledged, and the hub lost it).
	 */
	if (rc == KN_EBADREC)
		rc = fail_msg(KN_ESTATE, "file", "BUNDEL_BUKTI_TIDAK_LENGKAP", (const char *const[]){ "sebab", kn_error_message(), NULL });
	if (rc == 0 && sodium_memcmp(v2.sum, ij->v.sum, 32) != 0)
		rc = fail_msg(KN_ESTATE, "file", "BUNDEL_BERUBAH", NULL);
	ij->objects = c.objects;
	/* every head the bundle names is a whole commit now; at a hub a ref keeps each reachable */
	for (size_t i = 0; rc == 0 && i < c.nheads; i++) {
		char ref[96];
		if (evidence_check_commit(c.r, c.heads[i], 0) != 0) {
			char why[80];
			snprintf(why, sizeof(why), "commit %s", c.heads[i]);
			rc = fail_msg(KN_ESTATE, "file", "BUNDEL_BUKTI_TIDAK_LENGKAP", (const char *const[]){ "sebab", why, NULL });
			break;
		}
		snprintf(ref, sizeof(ref), "refs/kinerja/%s/bundle/%s", ij->v.h.npsn, c.heads[i]);
		if (ij->office)
			rc = evidence_ref_set(c.r, ref, c.heads[i]);
	}
	/* each file against the SHA-256 its signed record carries */
	const ev_file *f = (const ev_file *)c.files.ptr;
	for (size_t i = 0; rc == 0 && i < c.files.len / sizeof(ev_file); i++) {
		char sum[65];
		uint64_t size;
		int got = evidence_sha256_blob(sum, &size, c.r, f[i].blob);
		if (got == 0 && strcmp(sum, f[i].sha256) == 0)
			ij->verified++;
		else if (got == 0 || got != KN_ENOTFOUND) {
			ij->bad++;
			kn_warn("sync.bundle_import: school %s: the file %s does not match its record's SHA-256", ij->v.h.npsn,
			    f[i].blob);
		}
		kn_error_clear();
	}
	/* acknowledged: the heads, when every file checked is what its record says */
	for (size_t i = 0; rc == 0 && ij->bad == 0 && i < c.nheads; i++) {
		uint8_t id[20];
		if (kn_unhex(id, 20, c.heads[i], 40) == 0)
			rc = kn_buf_put(&ij->acked, id, 20);
	}
	if (c.r != ij->j.ev)
		evidence_close(c.r);
	free(c.heads);
	kn_buf_free(&c.files);
	return rc;
}

static void
import_run(kd_job *j)
{
	import_job *ij = (import_job *)j;
	int rc;

	ij->stage = 1;
	if ((rc = read_file(&ij->v, ij->path, NULL, NULL)) == 0) {
		ij->stage = 2;
		if ((rc = check_origin(ij)) == 0) {
			ij->stage = 3;
			rc = import_evidence(ij);
		}
	}
	if (rc)
		kd_job_keep_error(j, rc);
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

/* The third reading (the loop): every record into the batch; the receipt a down bundle carries. */
typedef struct {
	kd_server *srv;
	store_batch *b;
	const char *npsn;
	size_t counts[4];
	kn_buf refusals;
	msgpack_packer rp;
	int rc;                 /* a store failure: nothing of the bundle stays */
	bundle_receipt receipt; /* commits malloc'd */
	int has_receipt;
} apply_ctx;

static int
apply_cb(void *arg, const bundle_event *e)
{
	apply_ctx *a = arg;

	if (e->kind == BUNDLE_EV_RECEIPT) {
		a->receipt = *e->receipt;
		a->receipt.commits = NULL;
		if (e->receipt->ncommits) {
			if ((a->receipt.commits = malloc(e->receipt->ncommits * 20)) == NULL)
				return kn_error_set(KN_ENOMEM, "", "out of memory");
			memcpy(a->receipt.commits, e->receipt->commits, e->receipt->ncommits * 20);
		}
		a->has_receipt = 1;
		return 0;
	}
	if (e->kind != BUNDLE_EV_RECORD)
		return 0;
	char msg[SYNC_PROTO_TEXT_MAX + 1] = "";
	uint8_t id[32];
	int got = a->srv->office ? out_of_scope(msg, sizeof(msg), e->data, e->len, a->npsn) : 0;
	kn_error_clear();
	memset(id, 0, sizeof(id));
	if (got == 0)
		got = store_batch_add(a->b, e->data, e->len, id);
	if (got >= 0) {
		a->counts[got]++;
		return 0;
	}
	if (got == KN_EFULL || got == KN_ERROR || got == KN_ENOMEM)
		return a->rc = got;
	if (!msg[0])
		snprintf(msg, sizeof(msg), "%s", kn_error_message());
	kn_info("sync.bundle_import: school %s: record %llu refused: %s", a->npsn, (unsigned long long)e->index, msg);
	if (a->counts[3] < 100) {
		msgpack_pack_map(&a->rp, 3);
		kd_pack_kv_u64(&a->rp, "index", e->index);
		kd_pack_kv_str(&a->rp, "code", kn_error_code_name(got));
		kd_pack_kv_str(&a->rp, "message", msg);
	}
	a->counts[3]++;
	return 0;
}

/* At a hub: keep the receipt for the school's way back (the newest reaching furthest). */
static int
hub_keep_receipt(kd_server *srv, store_batch *b, const import_job *ij, const apply_ctx *a, uint64_t at_ms)
{
	char name[40];
	kn_buf cur = KN_BUF_INIT, val = KN_BUF_INIT;
	bundle_receipt r, old;
	int rc;

	memset(&r, 0, sizeof(r));
	r.from = ij->v.h.from;
	r.upto = ij->v.h.to;
	r.at_ms = at_ms;
	r.stored = a->counts[0];
	r.present = a->counts[1];
	r.held = a->counts[2];
	r.refused = a->counts[3];
	r.verified = ij->verified;
	r.bad = ij->bad;
	r.commits = (uint8_t(*)[20])ij->acked.ptr;
	r.ncommits = ij->acked.len / 20;
	snprintf(name, sizeof(name), RECEIPT_META "%s", ij->v.h.npsn);
	if (store_meta_get(&cur, srv->st, name) == 0 && receipt_unpack(&old, &cur) == 0) {
		if (old.upto > r.upto) {
			/* an older bundle imported after a newer one: the newer receipt stands */
			free(old.commits);
			kn_buf_free(&cur);
			return 0;
		}
		if (ij->v.pack_len == 0 && r.ncommits == 0 && old.ncommits) {
			/* no evidence in this one: the commits acknowledged before still are */
			r.commits = old.commits;
			r.ncommits = old.ncommits;
		}
		receipt_pack(&val, &r);
		free(old.commits);
	} else {
		receipt_pack(&val, &r);
	}
	kn_error_clear();
	rc = val.failed ? kn_error_set(KN_ENOMEM, "", "out of memory") : store_batch_meta_put(b, name, val.ptr, val.len);
	kn_buf_free(&cur);
	kn_buf_free(&val);
	return rc;
}

/*
 * At a school: the hub's receipt moves sync/acked (when it covers the
 * position the school stands at), logs (upto, at_ms) in sync/receipts as
 * a live receipt does, keeps it as sync/receipt for sync.status, and adds
 * the acknowledged commits to the evidence checkpoint. *moved = acked moved.
 */
static int
school_take_receipt(kd_server *srv, store_batch *b, const bundle_receipt *r, int *moved)
{
	kn_buf log = KN_BUF_INIT, acked = KN_BUF_INIT, view = KN_BUF_INIT, next = KN_BUF_INIT, cur = KN_BUF_INIT;
	uint64_t pos = kd_sync_meta_u64(srv, "sync/acked"), shown = 0;
	uint8_t be[8], pair[16];
	msgpack_packer pk;
	int rc = 0;

	*moved = 0;
	if (r->from <= pos && r->upto > pos) {
		put_u64(be, r->upto);
		if (store_meta_get(&log, srv->st, "sync/receipts") != 0 || log.len % 16)
			kn_buf_clear(&log);
		put_u64(pair, r->upto);
		put_u64(pair + 8, r->at_ms);
		kn_buf_put(&log, pair, 16);
		if (log.len > 16 * KD_SYNC_RECEIPTS_MAX)
			kn_buf_consume(&log, log.len - 16 * KD_SYNC_RECEIPTS_MAX);
		if ((rc = store_batch_meta_put(b, "sync/acked", be, 8)) == 0)
			rc = store_batch_meta_put(b, "sync/receipts", log.ptr, log.len);
		*moved = rc == 0;
	}
	/* sync/receipt, as sync.status shows it: the newest */
	if (rc == 0 && store_meta_get(&cur, srv->st, "sync/receipt") == 0) {
		msgpack_unpacked up;
		size_t p = 0;
		msgpack_unpacked_init(&up);
		if (kn_mpscan_exact(cur.ptr, cur.len, 64 * 1024) == 0 &&
		    msgpack_unpack_next(&up, (const char *)cur.ptr, cur.len, &p) == MSGPACK_UNPACK_SUCCESS) {
			const msgpack_object *o = kn_map_get(&up.data, "at_ms");
			if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
				shown = o->via.u64;
		}
		msgpack_unpacked_destroy(&up);
	}
	kn_error_clear();
	if (rc == 0 && r->at_ms > shown) {
		msgpack_packer_init(&pk, &view, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 8);
		kd_pack_kv_u64(&pk, "at_ms", r->at_ms);
		kd_pack_kv_u64(&pk, "upto", r->upto);
		kd_pack_kv_u64(&pk, "stored", r->stored);
		kd_pack_kv_u64(&pk, "present", r->present);
		kd_pack_kv_u64(&pk, "held", r->held);
		kd_pack_kv_u64(&pk, "refused", r->refused);
		kd_pack_str(&pk, "refusals");
		msgpack_pack_array(&pk, 0);
		kd_pack_kv_str(&pk, "via", "bundle");
		rc = store_batch_meta_put(b, "sync/receipt", view.ptr, view.len);
		if (rc == 0 && (r->verified || r->bad)) {
			kn_buf_clear(&view);
			msgpack_pack_map(&pk, 5);
			kd_pack_kv_u64(&pk, "at_ms", r->at_ms);
			kd_pack_kv_u64(&pk, "documents", r->ncommits);
			kd_pack_kv_u64(&pk, "verified", r->verified);
			kd_pack_kv_u64(&pk, "waiting", 0);
			kd_pack_kv_u64(&pk, "bad", r->bad);
			rc = store_batch_meta_put(b, "sync/ev_receipt", view.ptr, view.len);
		}
	}
	/* the evidence checkpoint: the receipt's commits first, then those kept before, each once, bounded */
	if (rc == 0 && r->ncommits) {
		if (store_meta_get(&acked, srv->st, EV_ACKED_META) != 0 || acked.len % 20)
			kn_buf_clear(&acked);
		kn_error_clear();
		kn_buf_put(&next, r->commits, r->ncommits * 20);
		for (size_t i = 0; i < acked.len / 20 && next.len / 20 < BUNDLE_HEADS_MAX; i++) {
			int dup = 0;
			for (size_t k = 0; k < r->ncommits && !dup; k++)
				dup = memcmp(r->commits[k], acked.ptr + 20 * i, 20) == 0;
			if (!dup)
				kn_buf_put(&next, acked.ptr + 20 * i, 20);
		}
		rc = next.failed ? kn_error_set(KN_ENOMEM, "", "out of memory")
		                 : store_batch_meta_put(b, EV_ACKED_META, next.ptr, next.len);
	}
	kn_buf_free(&log);
	kn_buf_free(&acked);
	kn_buf_free(&view);
	kn_buf_free(&next);
	kn_buf_free(&cur);
	return rc;
}

static void
import_done(kd_job *j)
{
	import_job *ij = (import_job *)j;
	kd_req *req = &j->req;
	kd_server *srv = ij->srv;
	apply_ctx a;
	kn_buf res = KN_BUF_INIT;
	msgpack_packer pk;
	bundle_view v3;
	store_batch *b = NULL;
	uint64_t pulled = 0, now = kn_now_ms();
	int pulled_moved = 0, acked_moved = 0;
	int rc = j->rc ? kd_job_error(j) : 0;

	memset(&a, 0, sizeof(a));
	is.busy = 0;
	if (rc && ij->stage != 2 && (rc == KN_EBADREC || rc == KN_ETOOBIG))
		rc = fail_msg(rc, "file", "BUNDEL_RUSAK", (const char *const[]){ "sebab", kn_error_message(), NULL });
	if (rc == 0) {
		a.srv = srv;
		a.npsn = ij->v.h.npsn;
		msgpack_packer_init(&a.rp, &a.refusals, kn_buf_msgpack_write);
		rc = kd_write_begin(&b, req);
	}
	if (rc == 0) {
		a.b = b;
		srv->sync_origin = 1;
		rc = read_file(&v3, ij->path, apply_cb, &a);
		srv->sync_origin = 0;
		if (rc == 0 && a.rc)
			rc = a.rc;
		if (rc == 0 && sodium_memcmp(v3.sum, ij->v.sum, 32) != 0)
			rc = fail_msg(KN_ESTATE, "file", "BUNDEL_BERUBAH", NULL);
		/* at a school: the hub's records up to h.to are here now, as a pull would have left them */
		if (rc == 0 && !srv->office) {
			pulled = kd_sync_meta_u64(srv, "sync/pulled");
			if (ij->v.h.from <= pulled && ij->v.h.to > pulled) {
				uint8_t be[8];
				put_u64(be, ij->v.h.to);
				rc = store_batch_meta_put(b, "sync/pulled", be, 8);
				pulled_moved = rc == 0;
				pulled = ij->v.h.to;
			}
			if (rc == 0 && a.has_receipt)
				rc = school_take_receipt(srv, b, &a.receipt, &acked_moved);
		}
		if (rc == 0 && srv->office)
			rc = hub_keep_receipt(srv, b, ij, &a, now);
		rc = kd_write_end(req, rc);
	}
	if (rc == 0) {
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 18);
		kd_pack_kv_str(&pk, "npsn", ij->v.h.npsn);
		kd_pack_kv_str(&pk, "dir", ij->v.h.up ? "up" : "down");
		kd_pack_kv_u64(&pk, "records", ij->v.records);
		kd_pack_kv_u64(&pk, "stored", a.counts[0]);
		kd_pack_kv_u64(&pk, "present", a.counts[1]);
		kd_pack_kv_u64(&pk, "held", a.counts[2]);
		kd_pack_kv_u64(&pk, "refused", a.counts[3]);
		kd_pack_kv_u64(&pk, "pack_objects", ij->objects);
		kd_pack_kv_u64(&pk, "files_verified", ij->verified);
		kd_pack_kv_u64(&pk, "files_bad", ij->bad);
		kd_pack_kv_u64(&pk, "pulled", pulled);
		kd_pack_str(&pk, "pulled_moved");
		pulled_moved ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
		kd_pack_str(&pk, "receipt");
		a.has_receipt ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
		kd_pack_kv_u64(&pk, "receipt_at_ms", a.has_receipt ? a.receipt.at_ms : 0);
		kd_pack_kv_u64(&pk, "receipt_upto", a.has_receipt ? a.receipt.upto : 0);
		kd_pack_str(&pk, "acked_moved");
		acked_moved ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
		kd_pack_kv_u64(&pk, "acked", srv->office ? 0 : (acked_moved ? a.receipt.upto : kd_sync_meta_u64(srv, "sync/acked")));
		kd_pack_str(&pk, "refusals");
		msgpack_pack_array(&pk, a.counts[3] < 100 ? a.counts[3] : 100);
		kn_buf_put(&res, a.refusals.ptr, a.refusals.len);
		kn_info("sync.bundle_import: school %s: %zu stored, %zu present, %zu held, %zu refused, %u evidence object(s), "
		        "%llu file(s) verified, %llu bad%s",
		    ij->v.h.npsn, a.counts[0], a.counts[1], a.counts[2], a.counts[3], ij->objects,
		    (unsigned long long)ij->verified, (unsigned long long)ij->bad, a.has_receipt ? "; the hub's receipt taken" : "");
	}
	kd_respond(req, rc, &res);
	kn_buf_free(&res);
	kn_buf_free(&a.refusals);
	free(a.receipt.commits);
	kn_buf_free(&ij->acked);
	import_drop();
	kd_job_release(j);
	free(ij);
}

/*
 * sync.bundle_import {offset, total, data}: a piece of a bundle at offset
 * (0 starts a new one; total = the whole size), appended to the spool.
 * Until the last piece the answer is {have}; with the last, the whole is
 * checked and applied on a worker and the loop, and the answer says what
 * became of it. Nothing is applied from a bundle that is cut short,
 * altered, or not signed by the device it must come from.
 */
int
kd_m_sync_bundle_import(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	const msgpack_object *off = kd_arg(req, "offset"), *total = kd_arg(req, "total"), *data = kd_arg(req, "data");
	import_job *ij;
	int rc;

	if ((rc = may_carry(req)))
		return rc;
	if (off == NULL || off->type != MSGPACK_OBJECT_POSITIVE_INTEGER || total == NULL ||
	    total->type != MSGPACK_OBJECT_POSITIVE_INTEGER || data == NULL || data->type != MSGPACK_OBJECT_BIN ||
	    data->via.bin.size > PIECE_MAX)
		return fail_msg(KN_EINVAL, "data", "BUNDEL_POTONGAN_FORMAT", NULL);
	if (is.busy)
		return fail_msg(KN_EBUSY, "", "BUNDEL_SEDANG_DITERAPKAN", NULL);
	if (total->via.u64 > BUNDLE_BYTES_MAX || total->via.u64 == 0)
		return fail_msg(KN_ETOOBIG, "total", "BUNDEL_UKURAN", NULL);
	if (off->via.u64 == 0) {
		import_drop();
		if ((rc = spool_path(is.path, sizeof(is.path), srv, "import.part")))
			return rc;
		if ((is.fd = open(is.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
			return spool_fail("open", is.path, errno);
		is.total = total->via.u64;
		memcpy(is.owner, req->sess->token, 32);
	} else if (is.fd < 0 || sodium_memcmp(is.owner, req->sess->token, 32) != 0 || is.total != total->via.u64 ||
	    off->via.u64 != is.have) {
		return fail_msg(KN_ESTATE, "offset", "BUNDEL_KIRIM_ULANG",
		    (const char *const[]){ "posisi", domain_msg_num(is.have).s, NULL });
	}
	if (is.have + data->via.bin.size > is.total) {
		import_drop();
		return fail_msg(KN_EINVAL, "data", "BUNDEL_MELEBIHI_TOTAL", NULL);
	}
	if (kn_write_full(is.fd, data->via.bin.ptr, data->via.bin.size) != 0) {
		rc = spool_fail("write", is.path, errno);
		import_drop();
		return rc;
	}
	is.have += data->via.bin.size;
	if (is.have < is.total) {
		msgpack_pack_map(pk, 1);
		kd_pack_kv_u64(pk, "have", is.have);
		return 0;
	}
	if ((ij = calloc(1, sizeof(*ij))) == NULL) {
		import_drop();
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	}
	ij->srv = srv;
	ij->office = srv->office;
	snprintf(ij->path, sizeof(ij->path), "%s", is.path);
	snprintf(ij->school, sizeof(ij->school), "%s", srv->school);
	snprintf(ij->hub_key, sizeof(ij->hub_key), "%s", srv->cfg.sync_hub_key);
	is.busy = 1;
	ij->j.lane = KD_LANE_WRITE;
	ij->j.run = import_run;
	ij->j.done = import_done;
	ij->j.req = *req;
	return kd_work_submit(srv, &ij->j);
}
