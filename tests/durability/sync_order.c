/*
 * sync_order.c - durability by system-call order: the real kinerjad runs
 * under the LD_PRELOAD shim (syncshim.c) while several clients enroll
 * people, upload Bukti Dukung and submit it, pipelining their requests.
 * Every writing request carries SYNCSHIM_WRITE_FLAG in its msgid, so the
 * shim checks each of their replies against the commits it saw synced.
 *
 * Three runs:
 *   normal     no VIOLATION, and the log shows the work really happened:
 *              a sync per commit, an ACK per acknowledged write, sends,
 *              evidence files written, synced and linked into place.
 *   nosync     store.nosync=true (MDB_NOSYNC): the shim must see data.mdb
 *              dirty at a send and replies acknowledged before any sync.
 *   fault      the shim drops fsyncs of evidence files (a disk that
 *              lies): it must see evidence unsynced when the worker
 *              thread hands a finished upload back.
 * The last two prove the checks of the first can fail.
 *
 * Usage: sync_order [BUILD_DIR] (default $KINERJA_BUILD, then "build").
 * Prints "ok -" / "not ok -" lines and exits non-zero on any failure.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../util/mpmap.h"
#include "durlib.h"
#include "syncshim.h"

#define NPSN "20100001"
#define PERIOD "2026-1"
#define OP_IDENT "1234567890123456"
#define OP_PASS "operator-pass"
#define KS_NIP "197803152005012002"
#define STOP_MS 20000
#define FLAG SYNCSHIM_WRITE_FLAG

enum { RUN_NORMAL, RUN_NOSYNC, RUN_FAULT };

/* What one run asks of the daemon. */
typedef struct {
	int mode;
	const char *name;
	int teachers;     /* each in its own process, with its own connection */
	int rounds;       /* per teacher: two uploads pipelined, then a submit */
	int extra_users;  /* enrolled by the operator while the teachers work */
} run_plan;

/* What the clients saw and what the shim logged. */
typedef struct {
	long acked;        /* flagged writes answered with success, counted by the clients */
	long commits;      /* the daemon's own count (status) */
	long uploads;
	long n_violation, n_dirty_send, n_ack_early, n_ev_handoff;
	long n_data_write, n_dsync, n_data_sync, n_send, n_req, n_ack, n_nack;
	long n_ev_write, n_ev_sync, n_ev_link, n_ev_dirsync, n_handoff, n_map, n_shim_error, n_start, n_summary;
	char first_violation[512];
	char first_error[512];
} run_result;

static const char *build_dir;
static char daemon_bin[PATH_MAX], shim_so[PATH_MAX];
static int checks_failed, checks_passed;

/* One check: print it, count it. */
static void
check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		checks_passed++;
	else
		checks_failed++;
}

/* The NUPTK (16 digits) of teacher i (kepala sekolah: i = 99; extra users from 100). */
static void
nuptk_of(char out[17], int i)
{
	snprintf(out, 17, "98765432100%05u", (unsigned)i % 100000u);
}

/*
 * Read n replies on c, in whatever order they come; every one must be a
 * success. Flagged ones are counted into *acked.
 */
static int
drain(kntest_conn *c, int n, long *acked, const char *what)
{
	dur_reply r;

	for (int i = 0; i < n; i++) {
		int rc = dur_recv(&r, c, 30000, what);
		if (rc != 0) {
			fprintf(stderr, "sync_order: %s: %s\n", what, rc == 1 ? "connection closed" : "no reply");
			return -1;
		}
		if (r.failed) {
			fprintf(stderr, "sync_order: %s: msgid %u: error %s: %s\n", what, r.msgid & ~FLAG, r.code, r.message);
			return -1;
		}
		if (r.msgid & FLAG)
			(*acked)++;
	}
	return 0;
}

/*
 * user.add (flagged) for one person, sent without waiting: a NON_ASN
 * teacher with a NUPTK, or a PNS with a NIP (a Kepala Sekolah must be ASN).
 */
static int
send_user_add(kntest_conn *c, const char *token, const char *name, const char *role, const char *ident,
    const char *pass)
{
	int pns = strlen(ident) == 18;
	dur_args a;
	int rc;

	dur_args_init(&a, 6);
	dur_args_str(&a, "token", token);
	dur_args_str(&a, "name", name);
	dur_args_str(&a, "role", role);
	dur_args_str(&a, "status", pns ? "PNS" : "NON_ASN");
	dur_args_str(&a, pns ? "nip" : "nuptk", ident);
	dur_args_str(&a, "passphrase", pass);
	rc = dur_send(c, FLAG | c->next_id++, "user.add", &a, NULL, 0);
	dur_args_free(&a);
	return rc;
}

/* evidence.upload.begin for one file; returns the upload id and chunk size. */
static int
send_begin(kntest_conn *c, const char *token, const char *slot, const char *name, size_t size)
{
	dur_args a;
	int rc;

	dur_args_init(&a, 5);
	dur_args_str(&a, "token", token);
	dur_args_str(&a, "period", PERIOD);
	dur_args_str(&a, "slot", slot);
	dur_args_str(&a, "name", name);
	dur_args_u64(&a, "size", size);
	rc = dur_send(c, c->next_id++, "evidence.upload.begin", &a, NULL, 0);
	dur_args_free(&a);
	return rc;
}

/* A request with only the token and the period (submit, list, history), flagged or not. */
static int
send_simple(kntest_conn *c, const char *token, const char *method, uint32_t flag)
{
	dur_args a;
	int rc;

	dur_args_init(&a, 2);
	dur_args_str(&a, "token", token);
	dur_args_str(&a, "period", PERIOD);
	rc = dur_send(c, flag | c->next_id++, method, &a, NULL, 0);
	dur_args_free(&a);
	return rc;
}

/*
 * A teacher (own process): log in, then per round begin two uploads,
 * pipeline all their chunks and both finishes, then pipeline a submit
 * with a list and a history. Writes "acked uploads" to fd.
 */
static int
teacher(const char *sock, int i, int rounds, int fd)
{
	char nuptk[17], pass[32], token[DUR_TOKEN_HEX], slot[2][24], name[2][48], id[2][40], line[64];
	kntest_conn c;
	dur_reply r;
	long acked = 0, uploads = 0;
	int rc = -1;

	nuptk_of(nuptk, i);
	snprintf(pass, sizeof(pass), "guru-pass-%d", i);
	if (kntest_conn_open(&c, sock, 60) != 0 || dur_login(token, &c, nuptk, pass) != 0)
		goto out;
	for (int k = 0; k < rounds; k++) {
		kn_buf pdf[2] = { KN_BUF_INIT, KN_BUF_INIT };
		size_t chunk = 0;
		int sent = 0, ok = 1;
		for (int j = 0; j < 2 && ok; j++) {
			/* the second file of every other round spans two chunks */
			size_t size = j == 1 && k % 2 == 0 ? 300000 : 2000 + 997 * (size_t)(i + k);
			snprintf(slot[j], sizeof(slot[j]), "berkas-%d", 2 * k + j + 1); /* RHK slots need an agreed plan */
			snprintf(name[j], sizeof(name[j]), "bukti-%d-%d-%d.pdf", i, k, j);
			ok = dur_pdf(&pdf[j], (uint64_t)i << 32 | (uint64_t)(k * 2 + j), size) == 0 &&
			    send_begin(&c, token, slot[j], name[j], pdf[j].len) == 0;
		}
		for (int j = 0; j < 2 && ok; j++) {
			uint64_t cm = 0;
			ok = dur_recv(&r, &c, 30000, "upload.begin") == 0 && !r.failed &&
			    kn_map_str(id[j], sizeof(id[j]), r.res, "upload_id") == 0;
			const msgpack_object *o = ok ? kn_map_get(r.res, "chunk_max") : NULL;
			if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
				cm = o->via.u64;
			ok = ok && cm > 0;
			if (!ok)
				fprintf(stderr, "sync_order: teacher %d: upload.begin failed: %s %s\n", i, r.code, r.message);
			chunk = (size_t)cm;
		}
		for (int j = 0; j < 2 && ok; j++) {
			int n = dur_upload_send(&c, token, id[j], pdf[j].ptr, pdf[j].len, chunk, FLAG | c.next_id++);
			ok = n > 0;
			sent += n;
		}
		ok = ok && drain(&c, sent, &acked, "upload") == 0;
		uploads += ok ? 2 : 0;
		ok = ok && send_simple(&c, token, "evidence.submit", FLAG) == 0 &&
		    send_simple(&c, token, "evidence.list", 0) == 0 && send_simple(&c, token, "evidence.history", 0) == 0 &&
		    drain(&c, 3, &acked, "submit, list, history") == 0;
		kn_buf_free(&pdf[0]);
		kn_buf_free(&pdf[1]);
		if (!ok)
			goto out;
	}
	rc = 0;
out:
	snprintf(line, sizeof(line), "%ld %ld\n", acked, uploads);
	if (kn_write_full(fd, line, strlen(line)) != 0)
		rc = -1;
	kntest_conn_close(&c);
	return rc;
}

/* Count the lines of the shim's log by their first word; keep the first violation and shim error. */
static int
read_log(run_result *res, const char *path)
{
	char line[2048];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "sync_order: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char word[32] = "";
		line[strcspn(line, "\n")] = '\0';
		sscanf(line, "%31s", word);
#define COUNT(w, field) if (strcmp(word, (w)) == 0) res->field++
		COUNT(SYNCSHIM_DATA_WRITE, n_data_write);
		COUNT(SYNCSHIM_DATA_DSYNC, n_dsync);
		COUNT(SYNCSHIM_DATA_SYNC, n_data_sync);
		COUNT(SYNCSHIM_SEND, n_send);
		COUNT(SYNCSHIM_REQ, n_req);
		COUNT(SYNCSHIM_ACK, n_ack);
		COUNT("NACK", n_nack);
		COUNT(SYNCSHIM_EV_WRITE, n_ev_write);
		COUNT(SYNCSHIM_EV_SYNC, n_ev_sync);
		COUNT(SYNCSHIM_EV_LINK, n_ev_link);
		COUNT(SYNCSHIM_EV_DIRSYNC, n_ev_dirsync);
		COUNT(SYNCSHIM_HANDOFF, n_handoff);
		COUNT(SYNCSHIM_MAP, n_map);
		COUNT("START", n_start);
		COUNT("SUMMARY", n_summary);
#undef COUNT
		if (strcmp(word, SYNCSHIM_SHIM_ERROR) == 0 && res->n_shim_error++ == 0)
			snprintf(res->first_error, sizeof(res->first_error), "%.500s", line);
		if (strcmp(word, SYNCSHIM_VIOLATION) == 0) {
			if (res->n_violation++ == 0)
				snprintf(res->first_violation, sizeof(res->first_violation), "%.500s", line);
			res->n_dirty_send += strstr(line, " dirty-send ") != NULL;
			res->n_ack_early += strstr(line, " ack-before-commit ") != NULL;
			res->n_ev_handoff += strstr(line, " evidence-unsynced-at-handoff ") != NULL;
		}
	}
	fclose(f);
	return 0;
}

/* school.init (flagged), then the operator's session. */
static int
setup_school(kntest_conn *c, char token[DUR_TOKEN_HEX], long *acked)
{
	dur_args a;
	dur_reply r;
	int rc;

	if (dur_call(&r, c, 0, "status", NULL, "status") != 0)
		return -1;
	dur_args_init(&a, 6);
	dur_args_str(&a, "npsn", NPSN);
	dur_args_str(&a, "name", "SD Negeri 1 Contoh");
	dur_args_str(&a, "operator_name", "Siti Aminah");
	dur_args_str(&a, "operator_nuptk", OP_IDENT);
	dur_args_str(&a, "operator_status", "NON_ASN");
	dur_args_str(&a, "passphrase", OP_PASS);
	rc = dur_call(&r, c, FLAG, "school.init", &a, "school.init");
	dur_args_free(&a);
	if (rc != 0)
		return -1;
	(*acked)++;
	return dur_login(token, c, OP_IDENT, OP_PASS);
}

/* Enroll people first..last-1 (teachers, or extra users) two at a time per connection. */
static int
enroll(kntest_conn *c, const char *token, int first, int last, long *acked)
{
	char name[64], nuptk[17], pass[32];

	for (int i = first; i < last; i += 2) {
		int n = 0;
		for (int j = i; j < i + 2 && j < last; j++, n++) {
			nuptk_of(nuptk, j);
			snprintf(name, sizeof(name), "Guru Nomor %d", j);
			snprintf(pass, sizeof(pass), "guru-pass-%d", j);
			if (send_user_add(c, token, name, "guru", nuptk, pass) != 0)
				return -1;
		}
		if (drain(c, n, acked, "user.add") != 0)
			return -1;
	}
	return 0;
}

/*
 * One run on a fresh directory: the daemon under the shim (with nosync or
 * the evidence fault as plan says), the work, a clean stop, the log read.
 */
static int
run(run_result *res, const run_plan *plan)
{
	char tmpl[64], canon[PATH_MAX], dir[200], sock[256], logp[256], dlog[256];
	char e_log[300], e_store[300], e_ev[300], e_pre[PATH_MAX + 16], e_asan[1024];
	char token[DUR_TOKEN_HEX];
	const char *env[8];
	const char *extra[] = { "--set", "keys.pwhash=min", "--log-level", "warn", "--set",
		plan->mode == RUN_NOSYNC ? "store.nosync=true" : "store.nosync=false", NULL };
	pid_t dpid = -1, kids[16];
	int pipes[16][2], nkids = 0, ne = 0, half = plan->teachers / 2, rc = -1;
	kntest_conn c0, c1;
	dur_reply r;

	memset(res, 0, sizeof(*res));
	dur_conn_init(&c0);
	dur_conn_init(&c1);
	if (kntest_tmpdir(tmpl, sizeof(tmpl), "/tmp/kinerja-sync.XXXXXX") != 0 || realpath(tmpl, canon) == NULL || strlen(canon) >= sizeof(dir)) {
		perror("sync_order: temporary directory");
		return -1;
	}
	memcpy(dir, canon, strlen(canon) + 1);
	snprintf(sock, sizeof(sock), "%s/kinerjad.sock", dir);
	snprintf(logp, sizeof(logp), "%s/shim.log", dir);
	snprintf(dlog, sizeof(dlog), "%s/daemon.log", dir);
	snprintf(e_log, sizeof(e_log), "%s=%s", SYNCSHIM_ENV_LOG, logp);
	snprintf(e_store, sizeof(e_store), "%s=%s/store", SYNCSHIM_ENV_STORE, dir);
	snprintf(e_ev, sizeof(e_ev), "%s=%s/evidence.git", SYNCSHIM_ENV_EVIDENCE, dir);
	snprintf(e_pre, sizeof(e_pre), "LD_PRELOAD=%s", shim_so);
	env[ne++] = e_log;
	env[ne++] = e_store;
	env[ne++] = e_ev;
	env[ne++] = e_pre;
	if (plan->mode == RUN_FAULT)
		env[ne++] = SYNCSHIM_ENV_FAULT "=evidence";
#ifdef __SANITIZE_ADDRESS__
	/* the shim comes before libasan in the search order; ASan must be told that is fine */
	snprintf(e_asan, sizeof(e_asan), "ASAN_OPTIONS=%s%sverify_asan_link_order=0", getenv("ASAN_OPTIONS") ? getenv("ASAN_OPTIONS") : "",
	    getenv("ASAN_OPTIONS") ? ":" : "");
	env[ne++] = e_asan;
#else
	(void)e_asan;
#endif
	env[ne] = NULL;
	if (dur_daemon_start(&dpid, daemon_bin, dir, sock, extra, env, dlog) != 0)
		goto out;
	if (kntest_conn_open(&c0, sock, 60) != 0 || kntest_conn_open(&c1, sock, 60) != 0)
		goto out;
	if (setup_school(&c0, token, &res->acked) != 0)
		goto out;
	/* the teachers, on two connections at once, then the kepala sekolah */
	if (enroll(&c0, token, 0, half, &res->acked) != 0 || enroll(&c1, token, half, plan->teachers, &res->acked) != 0)
		goto out;
	if (send_user_add(&c0, token, "Dewi Lestari", "kepala_sekolah", KS_NIP, "kepsek-pass") != 0 ||
	    drain(&c0, 1, &res->acked, "user.add kepala sekolah") != 0)
		goto out;
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < plan->teachers; i++) {
		if (pipe(pipes[i]) != 0) {
			perror("sync_order: pipe");
			goto out_reap;
		}
		kids[i] = fork();
		if (kids[i] == 0) {
			close(pipes[i][0]);
			_exit(teacher(sock, i, plan->rounds, pipes[i][1]) == 0 ? 0 : 1);
		}
		close(pipes[i][1]);
		if (kids[i] < 0) {
			perror("sync_order: fork");
			close(pipes[i][0]);
			goto out_reap;
		}
		nkids++;
	}
	/* the operator enrolls more people while the teachers upload */
	rc = enroll(&c0, token, 100, 100 + plan->extra_users, &res->acked);
out_reap:
	for (int i = 0; i < nkids; i++) {
		char line[64] = "";
		long a = 0, u = 0;
		int status = 0;
		ssize_t n = read(pipes[i][0], line, sizeof(line) - 1);
		close(pipes[i][0]);
		waitpid(kids[i], &status, 0);
		if (n > 0 && sscanf(line, "%ld %ld", &a, &u) == 2) {
			res->acked += a;
			res->uploads += u;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "sync_order: teacher %d failed\n", i);
			rc = -1;
		}
	}
	if (rc == 0 && dur_call(&r, &c0, 0, "status", NULL, "status") == 0) {
		const msgpack_object *st = kn_map_get(r.res, "store");
		const msgpack_object *cm = st ? kn_map_get(st, "commits") : NULL;
		res->commits = cm && cm->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (long)cm->via.u64 : -1;
	}
out:
	kntest_conn_close(&c0);
	kntest_conn_close(&c1);
	if (dpid > 0 && kntest_daemon_stop(dpid, STOP_MS) != 0)
		rc = -1;
	if (read_log(res, logp) != 0)
		rc = -1;
	if (rc != 0 || checks_failed || getenv("KEEP")) {
		fprintf(stderr, "sync_order: %s run kept in %s\n", plan->name, dir);
	} else {
		kntest_rm_rf(dir);
	}
	return rc;
}

/* Locate the daemon and the shim in the build directory. */
static int
find_build(const char *arg)
{
	struct stat st;

	build_dir = arg ? arg : getenv("KINERJA_BUILD") ? getenv("KINERJA_BUILD") : "build";
	snprintf(daemon_bin, sizeof(daemon_bin), "%s/kinerjad", build_dir);
	snprintf(shim_so, sizeof(shim_so), "%s/tests/syncshim.so", build_dir);
	if (stat(daemon_bin, &st) != 0 || stat(shim_so, &st) != 0) {
		fprintf(stderr, "sync_order: %s or %s is missing: run make first\n", daemon_bin, shim_so);
		return -1;
	}
	/* LD_PRELOAD wants a path the loader finds from the daemon's directory too */
	if (shim_so[0] != '/') {
		char abs[PATH_MAX];
		if (realpath(shim_so, abs) == NULL)
			return -1;
		snprintf(shim_so, sizeof(shim_so), "%s", abs);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const run_plan normal = { RUN_NORMAL, "normal", 6, 3, 6 };
	static const run_plan nosync = { RUN_NOSYNC, "nosync", 2, 1, 2 };
	static const run_plan fault = { RUN_FAULT, "evidence-fault", 2, 1, 0 };
	run_result r;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	if (find_build(argc > 1 ? argv[1] : NULL) != 0)
		return 1;

	rc = run(&r, &normal);
	if (r.n_start == 0) {
#ifdef __SANITIZE_ADDRESS__
		printf("skip - the shim did not load into the AddressSanitizer build of kinerjad (no START line): "
		    "ASan must come first among the loaded libraries\n");
		return 0;
#else
		check(0, "the shim loaded into kinerjad (a START line in its log)");
		return 1;
#endif
	}
	check(rc == 0, "normal run: %d teachers x %d rounds of 2 pipelined uploads + submit, %d extra users: %ld writes acknowledged",
	    normal.teachers, normal.rounds, normal.extra_users, r.acked);
	check(r.n_violation == 0, "normal run: no violation (%ld)%s%s", r.n_violation, r.n_violation ? ": " : "",
	    r.first_violation);
	check(r.n_shim_error == 0, "normal run: the shim followed every connection (%ld shim errors)%s%s", r.n_shim_error,
	    r.n_shim_error ? ": " : "", r.first_error);
	check(r.n_ack == r.acked && r.n_nack == 0 && r.n_req >= r.acked,
	    "normal run: every acknowledged write was checked: %ld ACK lines, %ld acknowledged by the clients, %ld flagged requests read",
	    r.n_ack, r.acked, r.n_req);
	check(r.commits > 0 && r.n_data_sync >= r.commits && r.n_dsync >= r.commits && r.n_data_write >= r.commits,
	    "normal run: %ld commits, %ld data.mdb syncs, %ld O_DSYNC meta writes, %ld data.mdb writes",
	    r.commits, r.n_data_sync, r.n_dsync, r.n_data_write);
	check(r.n_send >= r.acked && r.n_map > 0, "normal run: %ld sends on client connections; data.mdb mapped read-only (%ld map lines)",
	    r.n_send, r.n_map);
	check(r.uploads == 2L * normal.teachers * normal.rounds && r.n_ev_write >= 3 * r.uploads &&
	    r.n_ev_sync >= r.n_ev_write && r.n_ev_link >= r.uploads && r.n_ev_dirsync >= r.n_ev_link &&
	    r.n_handoff >= r.uploads,
	    "normal run: %ld uploads: %ld evidence writes, %ld fsyncs, %ld links into place, %ld directory fsyncs, %ld hand-offs",
	    r.uploads, r.n_ev_write, r.n_ev_sync, r.n_ev_link, r.n_ev_dirsync, r.n_handoff);
	check(r.n_summary == 1, "normal run: the daemon exited cleanly under the shim");

	rc = run(&r, &nosync);
	check(rc == 0 && r.acked > 0, "nosync run: %ld writes acknowledged", r.acked);
	check(r.n_dirty_send > 0, "with nosync the shim must see a send while data.mdb is dirty (%ld)", r.n_dirty_send);
	check(r.n_ack_early > 0 && r.n_data_sync == 0,
	    "with nosync the shim must see replies acknowledged before any sync (%ld; %ld syncs)", r.n_ack_early,
	    r.n_data_sync);

	rc = run(&r, &fault);
	check(rc == 0 && r.uploads > 0, "evidence-fault run: %ld uploads", r.uploads);
	check(r.n_ev_handoff > 0 && r.n_dirty_send == 0 && r.n_ack_early == 0,
	    "with evidence fsyncs dropped the shim must see evidence unsynced at a hand-off (%ld) and nothing else (%ld, %ld)",
	    r.n_ev_handoff, r.n_dirty_send, r.n_ack_early);

	printf("sync_order: %d checks passed, %d failed\n", checks_passed, checks_failed);
	return checks_failed ? 1 : 0;
}
