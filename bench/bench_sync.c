/*
 * bench_sync.c - what a sync session between a school and its hub costs,
 * through two real daemons on loopback, each figure beside a baseline
 * measured in the same run:
 *
 *   1. the hub's ingest of a school's first sync of NREC records (100,000
 *      unless BENCH_SYNC_RECORDS says otherwise): records stored per second
 *      of the session, beside Ed25519 verification (record_open) of the
 *      same records on one core in this process; the goal is >= 0.8;
 *   2. a sync with no change over those records, both sides holding them:
 *      round trips and bytes after the handshake (goal <= 2 and <= 2 KB),
 *      beside the same session's handshake bytes; its time beside a
 *      `status` RPC round trip on the school daemon's socket;
 *      The hub's durable commits during it and the bytes it wrote to disk
 *      (/proc/PID/io) say why: each commit rewrites every B-tree page its
 *      records touched. BENCH_SYNC_WINDOW sets the school's push window.
 *   3. NNEW new records at the school (record.import), then a sync: the
 *      bytes on the wire after the handshake beside the records' own size
 *      (goal <= 1.15).
 *
 * The school is made here as signed records (record_sign): the school
 * record naming its operator, the operator's founding enrollment and
 * NREC - 2 enrollments of teachers; they go into the school's store (with
 * the daemon's rules and sync index, store_batch_add) before its daemon
 * starts, with the operator's key sealed at the test Argon2id cost so it
 * can log in. The hub is set up with the real CLI (dinas init, hub
 * daftar). The figures come from the school daemon's own counters of the
 * session (`kinerja sync now --json`: round_trips, bytes_sent,
 * bytes_received, handshake_bytes, ms).
 *
 * Speed is reported, never asserted: the exit status is 1 only for a
 * functional failure (a refused step, sets that differ at the end, a
 * daemon that does not exit 0).
 *
 * Usage: bench_sync [BUILD_DIR]   (default build/)
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <msgpack.h>
#include <sodium.h>

#include "../daemon/server.h"
#include "../store/keys.h"
#include "../store/record.h"
#include "../store/store.h"
#include "../tests/lib/kntest.h"
#include "../util/kn.h"
#include "../util/mpmap.h"

#define NPSN "20100001"
#define OFFICE "30100000"
#define OPD "197001011995031002"
#define OP_IDENT "1234567890123456"
#define OP_PASS "operator-pass"
#define NNEW 1000
#define NOCHANGE_RUNS 31
#define STATUS_RUNS 200
#define HLC(ms) ((uint64_t)(ms) << 16)

static char dir[64], bin[512], cli[512];
static char hub_sock[128], school_sock[128];
static keys_secret *op;
static uint8_t op_enr[32];

/* ---- the records ---- */

static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* Sign a record by the operator, appended to list as a 4-byte length and the bytes. */
static int
sign_to(kn_buf *list, uint8_t id[32], const char *type, const char *subject, uint64_t hlc, const uint8_t *auth,
    const kn_buf *body)
{
	kn_buf rec = KN_BUF_INIT;
	record_fields f = { type, NPSN, subject, hlc, NULL, 0, body->ptr, body->len, (const uint8_t(*)[32])auth,
		auth ? 1 : 0 };
	uint32_t n;
	int rc = record_sign(&rec, id, &f, op->pk, op->sk);

	n = (uint32_t)rec.len;
	if (rc == 0 && (kn_buf_put(list, &n, sizeof(n)) != 0 || kn_buf_put(list, rec.ptr, rec.len) != 0))
		rc = KN_ENOMEM;
	if (rc)
		fprintf(stderr, "bench_sync: signing a %s record: %s\n", type, kn_error_message());
	kn_buf_free(&rec);
	return rc ? -1 : 0;
}

static void
user_body(kn_buf *b, const char *name, const char *role, const char *ident)
{
	msgpack_packer pk;
	int nuptk = strlen(ident) == 16, guru = strcmp(role, "guru") == 0;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5 + guru);
	pack_s(&pk, "name");
	pack_s(&pk, name);
	pack_s(&pk, "role");
	pack_s(&pk, role);
	if (guru) {
		pack_s(&pk, "jenis_ptk");
		pack_s(&pk, "Guru Kelas");
	}
	pack_s(&pk, "status");
	pack_s(&pk, nuptk ? "NON_ASN" : "PNS");
	pack_s(&pk, nuptk ? "nuptk" : "nip");
	pack_s(&pk, ident);
	pack_s(&pk, "active");
	msgpack_pack_true(&pk);
}

/* Teacher i's enrollment (a fresh key, a distinct NIP) by the operator. */
static int
teacher(kn_buf *list, size_t i, uint64_t hlc)
{
	uint8_t pk[32], sk[64], id[32];
	char hex[65], nip[24], name[32];
	kn_buf b = KN_BUF_INIT;
	int rc;

	crypto_sign_keypair(pk, sk);
	snprintf(nip, sizeof(nip), "%04zu%02zu%02zu201001%zu%03zu", 1960 + (i / 336) % 40, (i / 28) % 12 + 1, i % 28 + 1,
	    1 + i % 2, (i / 13440) % 999 + 1);
	snprintf(name, sizeof(name), "Guru %zu", i + 1);
	user_body(&b, name, "guru", nip);
	rc = sign_to(list, id, "user", kn_hex(hex, pk, 32), hlc, op_enr, &b);
	kn_buf_free(&b);
	return rc;
}

/* The school, its operator and n - 2 teachers into list. */
static int
school_make(kn_buf *list, size_t n, uint64_t ms)
{
	uint8_t school_id[32];
	kn_buf b = KN_BUF_INIT;
	msgpack_packer pk;
	char hex[65];
	int rc;

	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "name");
	pack_s(&pk, "SD Negeri 1 Contoh");
	pack_s(&pk, "operator");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, op->pk, 32);
	rc = sign_to(list, school_id, "school", NPSN, HLC(ms), NULL, &b);
	user_body(&b, "Siti Aminah", "operator", OP_IDENT);
	if (rc == 0)
		rc = sign_to(list, op_enr, "user", kn_hex(hex, op->pk, 32), HLC(ms + 1), school_id, &b);
	for (size_t i = 0; rc == 0 && i + 2 < n; i++)
		rc = teacher(list, i, HLC(ms + 2 + i));
	kn_buf_free(&b);
	return rc;
}

/* Every record of list into a new store at path (rules and sync index as the daemon keeps them), one batch. */
static int
store_fill(const char *path, const kn_buf *list)
{
	store *st;
	store_hooks h;
	store_opts so = { 0, 1 };
	store_batch *b;
	kn_buf sealed = KN_BUF_INIT;
	int rc;

	if (store_open(&st, path, &so) != 0) {
		fprintf(stderr, "bench_sync: %s: %s\n", path, kn_error_message());
		return -1;
	}
	kd_rules_hooks(&h, NULL);
	store_set_hooks(st, &h);
	rc = store_batch_begin(&b, st);
	for (size_t off = 0; rc == 0 && off + 4 <= list->len;) {
		uint32_t n;
		memcpy(&n, list->ptr + off, 4);
		rc = store_batch_add(b, list->ptr + off + 4, n, NULL);
		if (rc == 1 || rc == 2)
			rc = 0;
		off += 4 + n;
	}
	if (rc == 0)
		rc = keys_seal(&sealed, op, OP_PASS, strlen(OP_PASS), KEYS_COST_TEST);
	if (rc == 0)
		rc = store_batch_key_put(b, op->pk, sealed.ptr, sealed.len);
	/* the sync index was kept as the records went in: the daemon need not build it again */
	if (rc == 0)
		rc = store_batch_meta_put(b, "sync/index", "1", 1);
	if (rc == 0)
		rc = store_batch_commit(b);
	else
		store_batch_abort(b);
	if (rc)
		fprintf(stderr, "bench_sync: filling the store: %s\n", kn_error_message());
	kn_buf_free(&sealed);
	store_close(st);
	return rc ? -1 : 0;
}

/* write_bytes of /proc/PID/io: bytes the process caused to be written to storage (0 when unreadable). */
static double
io_written(pid_t pid)
{
	char path[64], line[128];
	double v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/io", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "write_bytes:", 12) == 0)
			v = strtod(line + 12, NULL);
	fclose(f);
	return v;
}

static json_t *cli_json(const char *sock, const char *session, const char *args);

/* The commits a daemon has done (status), or -1. */
static double
commits_of(const char *sock, const char *session)
{
	json_t *j = cli_json(sock, session, "status");
	double v = -1;

	json_t *c = j ? json_object_get(json_object_get(j, "store"), "commits") : NULL;
	if (json_is_integer(c))
		v = (double)json_integer_value(c);
	json_decref(j);
	return v;
}

/* ---- the CLI ---- */

/* Shell commands and the CLI's JSON through tests/lib/kntest.c; a session is a file under dir. */
#define sh(...) kntest_sh("bench_sync", __VA_ARGS__)

static json_t *
cli_json(const char *sock, const char *session, const char *args)
{
	char s[600];

	snprintf(s, sizeof(s), "%s/%s", dir, session);
	return kntest_cli_json("bench_sync", cli, s, sock, args);
}

static uint64_t
ju(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

/* ---- figures ---- */

typedef struct {
	int ok, fp_match;
	uint64_t ms, pushed, stored, present, pulled, round_trips, sent, received, handshake;
} session;

static int
session_of(session *s, const json_t *o)
{
	memset(s, 0, sizeof(*s));
	if (!json_is_object(o))
		return -1;
	s->ok = json_is_true(json_object_get(o, "ok"));
	s->fp_match = json_is_true(json_object_get(o, "fp_match"));
	s->ms = ju(o, "ms");
	s->pushed = ju(o, "pushed");
	s->stored = ju(o, "stored");
	s->present = ju(o, "present");
	s->pulled = ju(o, "pulled");
	s->round_trips = ju(o, "round_trips");
	s->sent = ju(o, "bytes_sent");
	s->received = ju(o, "bytes_received");
	s->handshake = ju(o, "handshake_bytes");
	return 0;
}

/* `sync now` at the school: its session into s. */
static int
sync_now(session *s)
{
	json_t *j = cli_json(school_sock, "school-session", "sync now");
	int rc;

	if (j == NULL)
		return -1;
	rc = session_of(s, json_object_get(j, "last") ? json_object_get(j, "last") : j);
	json_decref(j);
	if (rc == 0 && (!s->ok || !s->fp_match)) {
		fprintf(stderr, "bench_sync: the session failed or the sets differ at its end\n");
		rc = -1;
	}
	return rc;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median time of a `status` RPC round trip on sock, in ms. */
static int
status_rtt(double *out, const char *sock)
{
	kntest_conn c;
	const msgpack_object *r;
	double t[STATUS_RUNS];
	int rc = 0;

	if (kntest_conn_open(&c, sock, 10) != 0) {
		kntest_conn_close(&c);
		return -1;
	}
	for (int i = 0; rc == 0 && i < STATUS_RUNS; i++) {
		double t0 = kntest_now_s();
		rc = kntest_conn_send(&c, (uint32_t)i + 1, "status", 0, NULL, NULL, 0) ||
		    kntest_conn_recv(&r, &c, 1 << 20, "status");
		t[i] = (kntest_now_s() - t0) * 1000;
	}
	kntest_conn_close(&c);
	qsort(t, STATUS_RUNS, sizeof(t[0]), cmp_d);
	*out = t[STATUS_RUNS / 2];
	return rc ? -1 : 0;
}

/* CPU seconds (user + system) process pid has used so far, from /proc; -1 when unreadable. */
static double
cpu_of(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after the command name's ')': state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Disk blocks a file takes, in bytes (LMDB's file is sparse up to its map size). */
static double
disk_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (double)st.st_blocks * 512.0 : -1;
}

/* Ed25519 verification (record_open) of every record of list, on this core: records/s. */
static double
verify_rate(const kn_buf *list, size_t *n)
{
	double t0 = kntest_now_s();

	*n = 0;
	for (size_t off = 0; off + 4 <= list->len;) {
		uint32_t len;
		record_view v;
		memcpy(&len, list->ptr + off, 4);
		if (record_open(&v, list->ptr + off + 4, len, NULL) == 0) {
			(*n)++;
			record_view_free(&v);
		}
		off += 4 + len;
	}
	return (double)*n / (kntest_now_s() - t0);
}

/* One RPC on c with params (NULL: none): *res = the result (borrowed from c). 0 or -1 (printed). */
static int
call(const msgpack_object **res, kntest_conn *c, const char *method, const kn_buf *params)
{
	const msgpack_object *reply;
	uint32_t id = c->next_id++;

	if (kntest_conn_send(c, id, method, params ? 1 : 0, params, NULL, 0) != 0 ||
	    kntest_conn_recv(&reply, c, 64 << 20, method) != 0)
		return -1;
	return kntest_rpc_result(res, reply, id, method);
}

/* record.import of every record of list at the school, by its operator; all must be stored. */
static int
import_all(const kn_buf *list)
{
	kntest_conn c;
	const msgpack_object *r, *o;
	kn_buf p = KN_BUF_INIT;
	msgpack_packer pk;
	char token[65];
	size_t off = 0, stored = 0, n = 0;
	int rc = -1;

	if (kntest_conn_open(&c, school_sock, 10) != 0)
		goto out;
	msgpack_packer_init(&pk, &p, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "user");
	pack_s(&pk, OP_IDENT);
	pack_s(&pk, "passphrase");
	pack_s(&pk, OP_PASS);
	if (call(&r, &c, "session.login", &p) != 0 || kn_map_str(token, sizeof(token), r, "token") != 0)
		goto out;
	while (off < list->len) {
		size_t start = off, k = 0;
		while (off + 4 <= list->len && k < 500) {
			uint32_t len;
			memcpy(&len, list->ptr + off, 4);
			off += 4 + len;
			k++;
		}
		kn_buf_clear(&p);
		msgpack_pack_map(&pk, 2);
		pack_s(&pk, "token");
		pack_s(&pk, token);
		pack_s(&pk, "records");
		msgpack_pack_array(&pk, (uint32_t)k);
		for (size_t at = start; at < off;) {
			uint32_t len;
			memcpy(&len, list->ptr + at, 4);
			msgpack_pack_bin(&pk, len);
			msgpack_pack_bin_body(&pk, list->ptr + at + 4, len);
			at += 4 + len;
		}
		if (call(&r, &c, "record.import", &p) != 0)
			goto out;
		if ((o = kn_map_get(r, "stored")) != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			stored += o->via.u64;
		n += k;
	}
	if (stored != n) {
		fprintf(stderr, "bench_sync: record.import stored %zu of %zu records\n", stored, n);
		goto out;
	}
	rc = 0;
out:
	kn_buf_free(&p);
	kntest_conn_close(&c);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *build = argc > 1 ? argv[1] : "build";
	const char *env = getenv("BENCH_SYNC_RECORDS");
	size_t nrec = env && atol(env) >= 10 ? (size_t)atol(env) : 100000, nverified;
	char path[256], seedpath[256], hubdir[160], schooldir[160], hub_key[65] = "", dev[65], hubset[160], keyset[160],
	    devset[300];
	uint8_t seed[32], dpk[32], dsk[64];
	kn_buf list = KN_BUF_INIT, fresh = KN_BUF_INIT;
	pid_t hpid = -1, spid = -1;
	long port = 0;
	json_t *j;
	double t0;
	int rc = 1;

	if (sodium_init() < 0)
		return 1;
	kn_log_init("bench_sync", KN_LOG_ERROR, 0);
	signal(SIGPIPE, SIG_IGN);
	snprintf(bin, sizeof(bin), "%s/kinerjad", build);
	snprintf(cli, sizeof(cli), "%s/kinerja", build);
	if (kntest_tmpdir(dir, sizeof(dir), "/tmp/kn-bench-sync.XXXXXX") != 0) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(hubdir, sizeof(hubdir), "%s/hub", dir);
	snprintf(schooldir, sizeof(schooldir), "%s/school", dir);
	snprintf(hub_sock, sizeof(hub_sock), "%s/hub.sock", dir);
	snprintf(school_sock, sizeof(school_sock), "%s/school.sock", dir);
	if (mkdir(hubdir, 0700) != 0 || mkdir(schooldir, 0700) != 0 || keys_generate(&op) != 0)
		goto out;

	/* the school's records, and NNEW more for later */
	t0 = kntest_now_s();
	uint64_t ms = kn_now_ms() - 30ULL * 86400000;
	if (school_make(&list, nrec, ms) != 0)
		goto out;
	for (size_t i = 0; i < NNEW; i++)
		if (teacher(&fresh, nrec + i, HLC(ms + 2 + nrec + i)) != 0)
			goto out;
	size_t list_bytes = list.len - 4 * nrec, fresh_bytes = fresh.len - 4 * NNEW;
	printf("bench_sync: %s; a school of %zu records (%.0f bytes each on average) signed in %.1f s\n", bin, nrec,
	    (double)list_bytes / (double)nrec, kntest_now_s() - t0);
	t0 = kntest_now_s();
	snprintf(path, sizeof(path), "%s/store", schooldir);
	if (store_fill(path, &list) != 0)
		goto out;
	printf("           into the school's store (rules, sync index, one batch) in %.1f s\n", kntest_now_s() - t0);

	/* the school's device key, so that the hub can register it before the school daemon starts */
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(dpk, dsk, seed);
	snprintf(seedpath, sizeof(seedpath), "%s/device.key", schooldir);
	FILE *f = fopen(seedpath, "wb");
	if (f == NULL || fwrite(seed, 1, 32, f) != 32 || fclose(f) != 0)
		goto out;
	chmod(seedpath, 0600);
	kn_hex(dev, dpk, 32);

	/* the hub: an office, the school registered */
	const char *hub_args[] = { "--set", "keys.pwhash=min", "--set", "daemon.role=hub", "--set",
		"sync.listen=127.0.0.1:0", "--set", "sync.timeout_s=120", "--log-level", "warn", NULL };
	if (kntest_daemon_start(&hpid, bin, hubdir, hub_sock, hub_args) != 0)
		goto out;
	if (sh("echo dinas-op-pass | KINERJA_SESSION=%s/hub-session %s --socket %s dinas init --kode %s --nama 'Dinas "
	       "Pendidikan Kabupaten Contoh' --operator-name 'Rudi Hartono' --operator-nip %s >/dev/null",
	        dir, cli, hub_sock, OFFICE, OPD) ||
	    sh("echo dinas-op-pass | KINERJA_SESSION=%s/hub-session %s --socket %s login %s >/dev/null", dir, cli, hub_sock,
	        OPD) ||
	    sh("KINERJA_SESSION=%s/hub-session %s --socket %s hub daftar --sekolah %s --kunci-perangkat %s >/dev/null", dir,
	        cli, hub_sock, NPSN, dev))
		goto out;
	if ((j = cli_json(hub_sock, "hub-session", "status")) == NULL)
		goto out;
	port = (long)ju(json_object_get(j, "sync"), "listen_port");
	if (json_is_string(json_object_get(j, "device_key")))
		snprintf(hub_key, sizeof(hub_key), "%s", json_string_value(json_object_get(j, "device_key")));
	json_decref(j);
	if (port <= 0 || strlen(hub_key) != 64) {
		fprintf(stderr, "bench_sync: the hub's port and key are not in its status\n");
		goto out;
	}

	/* the school daemon: its first session (at start) pushes every record: the ingest */
	char winset[64];
	snprintf(hubset, sizeof(hubset), "sync.hub=127.0.0.1:%ld", port);
	snprintf(keyset, sizeof(keyset), "sync.hub_key=%s", hub_key);
	snprintf(devset, sizeof(devset), "keys.device_key=%s", seedpath);
	/* BENCH_SYNC_WINDOW=N: the school's sync.push_window (the daemon's default otherwise) */
	snprintf(winset, sizeof(winset), "sync.push_window=%s", getenv("BENCH_SYNC_WINDOW") ? getenv("BENCH_SYNC_WINDOW") : "");
	const char *school_args[] = { "--set", "keys.pwhash=min", "--set", hubset, "--set", keyset, "--set",
		"sync.interval_s=3600", "--set", "sync.timeout_s=120", "--set", devset, "--log-level", "warn", "--set", winset, NULL };
	if (!getenv("BENCH_SYNC_WINDOW"))
		school_args[sizeof(school_args) / sizeof(school_args[0]) - 3] = NULL;
	/* the baseline before the ingest and again after it: this shared machine's speed drifts within a run */
	size_t nverified0;
	double verify0 = verify_rate(&list, &nverified0);
	double hub_commits0 = commits_of(hub_sock, "hub-session"), hub_io0 = io_written(hpid);
	if (kntest_daemon_start(&spid, bin, schooldir, school_sock, school_args) != 0)
		goto out;
	if (sh("echo %s | KINERJA_SESSION=%s/school-session %s --socket %s login %s >/dev/null", OP_PASS, dir, cli,
	        school_sock, OP_IDENT))
		goto out;
	session first;
	for (int i = 0;; i++) {
		if ((j = cli_json(school_sock, "school-session", "sync status")) == NULL)
			goto out;
		json_t *last = json_object_get(j, "last");
		int done = json_is_object(last) && json_object_get(last, "ok") != NULL;
		if (done)
			session_of(&first, last);
		json_decref(j);
		if (done)
			break;
		if (i > 600) {
			fprintf(stderr, "bench_sync: no first session after 10 minutes\n");
			goto out;
		}
		/* the time is the daemon's own count; each poll starts the CLI, which takes CPU from the ingest */
		kntest_sleep_ms(1000);
	}
	if (!first.ok || !first.fp_match || first.stored + first.present != nrec) {
		fprintf(stderr, "bench_sync: the first session: ok %d, fp_match %d, stored %llu of %zu\n", first.ok,
		    first.fp_match, (unsigned long long)first.stored, nrec);
		goto out;
	}
	double hub_commits = commits_of(hub_sock, "hub-session") - hub_commits0, hub_io = io_written(hpid) - hub_io0;
	double ingest = (double)first.stored / ((double)first.ms / 1000.0), verify1 = verify_rate(&list, &nverified);
	double verify = (verify0 + verify1) / 2;
	printf("(1) the hub's ingest of the school's first sync: %zu records in %.1f s (the session, as the school counts "
	       "it)\n", nrec, (double)first.ms / 1000.0);
	printf("               ingest through a real sync (verify, rules, indexes, fsync) %8.0f records/s\n", ingest);
	printf("               baseline: Ed25519 verify of the same, 1 core, this process %8.0f records/s (%.0f before, "
	       "%.0f after)\n", verify, verify0, verify1);
	printf("               ratio ingest / verify: %.2f (goal >= 0.8); %llu bytes sent, %.0f per record, %llu round "
	       "trips\n", ingest / verify, (unsigned long long)first.sent, (double)first.sent / (double)nrec,
	    (unsigned long long)first.round_trips);
	if (hub_commits > 0)
		printf("               the hub's durable commits: %.0f, %.0f records each; written to disk %.0f MB, %.1f KB per "
		       "record\n", hub_commits, (double)nrec / hub_commits, hub_io / 1e6, hub_io / (double)nrec / 1e3);
	snprintf(path, sizeof(path), "%s/store/data.mdb", hubdir);
	double hub_disk = disk_of(path);
	printf("               the hub's store on disk: %.1f MB, %.0f bytes per record (the records: %.0f each)\n",
	    hub_disk / 1e6, hub_disk / (double)nrec, (double)list_bytes / (double)nrec);

	/* (2) no change: both hold the same records */
	uint64_t rt[NOCHANGE_RUNS], by[NOCHANGE_RUNS], tm[NOCHANGE_RUNS], hs = 0;
	double hub_cpu0 = cpu_of(hpid);
	for (int i = 0; i < NOCHANGE_RUNS; i++) {
		session s;
		if (sync_now(&s) != 0)
			goto out;
		if (s.pushed || s.pulled) {
			fprintf(stderr, "bench_sync: a sync with no change moved %llu and %llu records\n",
			    (unsigned long long)s.pushed, (unsigned long long)s.pulled);
			goto out;
		}
		rt[i] = s.round_trips;
		by[i] = s.sent + s.received;
		tm[i] = s.ms;
		hs = s.handshake;
	}
	double hub_cpu = (cpu_of(hpid) - hub_cpu0) / NOCHANGE_RUNS;
	qsort(rt, NOCHANGE_RUNS, sizeof(rt[0]), cmp_u64);
	qsort(by, NOCHANGE_RUNS, sizeof(by[0]), cmp_u64);
	qsort(tm, NOCHANGE_RUNS, sizeof(tm[0]), cmp_u64);
	double rtt;
	if (status_rtt(&rtt, school_sock) != 0)
		goto out;
	printf("(2) a sync with no change over %zu records on each side (median of %d sessions):\n", nrec,
	    NOCHANGE_RUNS);
	printf("               round trips after the handshake   %4llu (goal <= 2)\n", (unsigned long long)rt[NOCHANGE_RUNS / 2]);
	printf("               bytes after the handshake         %4llu (goal <= 2048), both ways\n",
	    (unsigned long long)by[NOCHANGE_RUNS / 2]);
	printf("               baseline: the handshake's bytes   %4llu; ratio %.2f\n", (unsigned long long)hs,
	    hs ? (double)by[NOCHANGE_RUNS / 2] / (double)hs : 0.0);
	printf("               the session (connect, handshake, hello, welcome) %llu ms; baseline: a `status` RPC "
	       "round trip %.3f ms; ratio %.0f\n",
	    (unsigned long long)tm[NOCHANGE_RUNS / 2], rtt, (double)tm[NOCHANGE_RUNS / 2] / rtt);
	printf("               the hub's CPU per session (from /proc, over the %d): %.2f ms\n", NOCHANGE_RUNS,
	    hub_cpu * 1000);

	/* (3) NNEW new records at the school (record.import by its operator, 500 a call), then a sync */
	if (import_all(&fresh) != 0)
		goto out;
	session s3;
	if (sync_now(&s3) != 0)
		goto out;
	if (s3.pushed != NNEW || s3.stored != NNEW) {
		fprintf(stderr, "bench_sync: %d new records: pushed %llu, stored %llu\n", NNEW, (unsigned long long)s3.pushed,
		    (unsigned long long)s3.stored);
		goto out;
	}
	printf("(3) %d new records at the school, then a sync (%llu round trips, %llu ms):\n", NNEW,
	    (unsigned long long)s3.round_trips, (unsigned long long)s3.ms);
	printf("               bytes after the handshake, both ways   %8llu (sent %llu, received %llu)\n",
	    (unsigned long long)(s3.sent + s3.received), (unsigned long long)s3.sent, (unsigned long long)s3.received);
	printf("               baseline: the records' own bytes      %8zu (%.0f each)\n", fresh_bytes,
	    (double)fresh_bytes / NNEW);
	printf("               ratio wire / records: %.3f (goal <= 1.15)\n",
	    (double)(s3.sent + s3.received) / (double)fresh_bytes);
	rc = 0;
out:
	if (spid > 0 && kntest_daemon_stop(spid, 30000) != 0)
		rc = 1;
	if (hpid > 0 && kntest_daemon_stop(hpid, 30000) != 0)
		rc = 1;
	if (rc == 0)
		printf("both kinerjad stopped with SIGTERM: exit 0\n");
	if (!getenv("BENCH_KEEP"))
		kntest_rm_rf(dir);
	else
		printf("kept %s (BENCH_KEEP)\n", dir);
	kn_buf_free(&list);
	kn_buf_free(&fresh);
	keys_secret_free(op);
	return rc;
}
