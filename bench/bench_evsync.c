/*
 * bench_evsync.c - the evidence phase of sync over a bad link, through two
 * real daemons on loopback and tests/tools/faultproxy, each figure beside
 * a baseline measured in the same run:
 *
 *   1. 20 MB of incompressible evidence (5 PDFs of random bytes, 4 MB
 *      each) uploaded at a school, then synced to its hub through the
 *      proxy cutting every connection after 1 MB up (`--up-cut-after-bytes
 *      1048576 --cut-every`): the bytes the school sent in its evidence
 *      phases and the bytes the proxy let through up (every phase,
 *      handshakes included) beside the 20 MB and the pack, with their
 *      ratios (goal <= 1.1), the cuts, the sessions and the time; beside
 *      it `git push` (the git CLI) of the same objects to a local bare
 *      repository: the bytes it sent (its receive-pack's stdin, tee'd) and
 *      its time, and the ratios. Then the same with 5 ms of delay each way
 *      and sync.ev_window_kb at 64 (one chunk at a time, as before the
 *      window), 128 (the default), 256 and 1024: time beside the 64.
 *   2. libgit2's packing options for such objects, on the school's
 *      repository: the pack's size and build time with libgit2's defaults,
 *      with pack.deltaCacheSize = 64 KiB (which libgit2 also reads as its
 *      big-file threshold: what the daemon sets), with 2 threads, and with
 *      pack.windowMemory = 1 MiB; libgit2 exposes no zlib level, so `git
 *      pack-objects` with pack.compression -1, 1 and 0 shows what one would
 *      give (without delta search, pack.window = 0, as the daemon's
 *      blobs are packed).
 *
 * Speed is reported, never asserted: the exit status is 1 only for a
 * functional failure (a refused step, files not verified at the hub, a
 * daemon that does not exit 0).
 *
 * Usage: bench_evsync [BUILD_DIR]   (default build/)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>
#include <jansson.h>
#include <sodium.h>

#include "../tests/lib/kntest.h"
#include "../util/kn.h"

#define OFFICE "30100000"
#define OPD "197001011995031002"
#define OP_IDENT "1234567890123456"
#define GURU "198501012010011001"
#define NFILES 5
#define FILE_BYTES 4000000
#define CUT_BYTES 1048576
#define PERIOD "2026-1"
#define RUNS 2 /* packs timed per option: the best is printed */

static char dir[64], bin[512], cli[512], fpbin[512], hub_sock[128];

/* ---- the CLI ---- */

/* Shell commands and the CLI's JSON through tests/lib/kntest.c; a session is a file under dir. */
#define sh(...) kntest_sh("bench_evsync", __VA_ARGS__)

static json_t *
cli_json(const char *sock, const char *session, const char *args)
{
	char s[600];

	snprintf(s, sizeof(s), "%s/%s", dir, session);
	return kntest_cli_json("bench_evsync", cli, s, sock, args);
}

/* A number at a dotted path ("evidence.receipt.verified"), 0 when absent. */
static uint64_t
jpath(const json_t *o, const char *path)
{
	char part[64];
	const char *p = path;

	while (o && *p) {
		size_t n = strcspn(p, ".");
		snprintf(part, sizeof(part), "%.*s", (int)n, p);
		o = json_object_get(o, part);
		p += n + (p[n] == '.');
	}
	return json_is_integer(o) ? (uint64_t)json_integer_value(o) : 0;
}

/* ---- the proxy ---- */

/* Start faultproxy with args (NULL-terminated) after --listen/--connect; its log to logpath; *port = its port. */
static pid_t
proxy_start(int *port, int hub_port, const char *logpath, const char *const *args)
{
	char connect[64], line[64];
	const char *argv[32];
	int p[2], argc = 0, logfd;
	pid_t pid;
	FILE *f;

	snprintf(connect, sizeof(connect), "127.0.0.1:%d", hub_port);
	argv[argc++] = "faultproxy";
	argv[argc++] = "--listen";
	argv[argc++] = "127.0.0.1:0";
	argv[argc++] = "--connect";
	argv[argc++] = connect;
	for (int i = 0; args[i] && argc < 30; i++)
		argv[argc++] = args[i];
	argv[argc] = NULL;
	if (pipe(p) != 0 || (logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -1;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		dup2(logfd, 2);
		close(p[0]);
		execv(fpbin, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	close(logfd);
	f = fdopen(p[0], "r");
	if (pid < 0 || f == NULL || fgets(line, sizeof(line), f) == NULL || (*port = atoi(line)) <= 0) {
		fprintf(stderr, "bench_evsync: the fault proxy did not start (%s)\n", fpbin);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	return pid;
}

/* From the proxy's log: bytes let through up (all connections), cuts, connections. */
static void
proxy_figures(uint64_t *up, int *cuts, int *conns, const char *logpath)
{
	char line[1024];
	FILE *f = fopen(logpath, "r");

	*up = 0;
	*cuts = *conns = 0;
	while (f && fgets(line, sizeof(line), f)) {
		const char *u = strstr(line, " up=");
		if (strstr(line, "event=cut"))
			(*cuts)++;
		if (strstr(line, "event=close") && u) {
			*up += strtoull(u + 4, NULL, 10);
			(*conns)++;
		}
	}
	if (f)
		fclose(f);
}

/* ---- one school through the proxy ---- */

typedef struct {
	uint64_t ev_bytes, pack, wire_up, chunks_max;
	int cuts, conns, sessions;
	double secs;
} pass;

static int
file_make(const char *path, size_t n, int i)
{
	uint8_t *b = malloc(n);
	FILE *f = fopen(path, "wb");
	int rc;

	if (b == NULL || f == NULL) {
		free(b);
		if (f)
			fclose(f);
		return -1;
	}
	randombytes_buf(b, n);
	rc = fprintf(f, "%%PDF-1.4\n%% bench_evsync %d\n", i) < 0 || fwrite(b, 1, n, f) != n || fprintf(f, "\n%%%%EOF\n") < 0;
	free(b);
	return fclose(f) != 0 || rc ? -1 : 0;
}

/*
 * A new school (npsn) with the NFILES files uploaded, registered at the
 * hub, then its daemon restarted to sync through a proxy (delay_ms each
 * way, a cut every CUT_BYTES up) with sync.ev_window_kb = window_kb, until
 * the hub's receipt verifies every file. Leaves the school's directory in
 * schooldir for the baselines.
 */
static int
run_pass(pass *out, char *schooldir, size_t sdsz, const char *npsn, int window_kb, int delay_ms, int hub_port,
    const char *hub_key)
{
	char sock[160], sess[32], gsess[32], set_hub[80], set_key[96], set_win[48], set_dev[300], delay[16], logpath[200];
	const char *school0[] = { "--set", "keys.pwhash=min", "--set", "evidence.max_mb=8", "--log-level", "warn", NULL };
	pid_t spid = -1, xpid = -1;
	int xport = 0, rc = -1;
	json_t *j;
	double t0;

	memset(out, 0, sizeof(*out));
	snprintf(schooldir, sdsz, "%s/s%s", dir, npsn);
	snprintf(sock, sizeof(sock), "%s/s%s.sock", dir, npsn);
	snprintf(sess, sizeof(sess), "op-%s", npsn);
	snprintf(gsess, sizeof(gsess), "guru-%s", npsn);
	if (mkdir(schooldir, 0700) != 0 || kntest_daemon_start(&spid, bin, schooldir, sock, school0) != 0)
		goto out;
#define KIN(S) "KINERJA_SESSION=%s/" S " %s --socket %s "
	if (sh("echo operator-pass | " KIN("%s") "school init --npsn %s --name 'SD Negeri Bench' --operator-name 'Siti' "
	       "--operator-nuptk %s --authority-key %s/dinas.key >/dev/null",
	        dir, sess, cli, sock, npsn, OP_IDENT, dir) ||
	    sh("echo operator-pass | " KIN("%s") "login %s >/dev/null", dir, sess, cli, sock, OP_IDENT) ||
	    sh("echo guru-pass | " KIN("%s") "user add --name 'Budi Santoso' --role guru --nip %s >/dev/null", dir, sess, cli,
	        sock, GURU) ||
	    sh("echo guru-pass | " KIN("%s") "login %s >/dev/null", dir, gsess, cli, sock, GURU))
		goto out;
	for (int i = 0; i < NFILES; i++)
		if (sh(KIN("%s") "evidence upload %s/f%d.pdf --slot berkas-%d --period %s >/dev/null", dir, gsess, cli, sock,
		        dir, i, i + 1, PERIOD))
			goto out;
	if ((j = cli_json(sock, sess, "status")) == NULL)
		goto out;
	const char *dev = json_string_value(json_object_get(j, "device_key"));
	rc = dev ? sh(KIN("hub-session") "hub daftar --sekolah %s --kunci-perangkat %s >/dev/null", dir, cli, hub_sock, npsn,
	               dev)
	         : -1;
	json_decref(j);
	if (rc)
		goto out;
	rc = -1;
	if (kntest_daemon_stop(spid, 30000) != 0) {
		spid = -1;
		goto out;
	}
	spid = -1;

	/* the link: a cut every CUT_BYTES up, delay_ms each way */
	snprintf(logpath, sizeof(logpath), "%s/proxy-%s.log", dir, npsn);
	snprintf(delay, sizeof(delay), "%d", delay_ms);
	const char *pargs[] = { "--up-cut-after-bytes", "1048576", "--cut-every", "--delay-ms", delay, "--seed", "7", NULL };
	if ((xpid = proxy_start(&xport, hub_port, logpath, pargs)) < 0)
		goto out;
	snprintf(set_hub, sizeof(set_hub), "sync.hub=127.0.0.1:%d", xport);
	snprintf(set_key, sizeof(set_key), "sync.hub_key=%s", hub_key);
	snprintf(set_win, sizeof(set_win), "sync.ev_window_kb=%d", window_kb);
	snprintf(set_dev, sizeof(set_dev), "keys.device_key=%s/device.key", schooldir);
	const char *school1[] = { "--set", "keys.pwhash=min", "--set", "evidence.max_mb=8", "--set", set_hub, "--set", set_key,
		"--set", set_win, "--set", "sync.interval_s=3600", "--set", "sync.timeout_s=10", "--log-level", "error", NULL };
	t0 = kntest_now_s();
	if (kntest_daemon_start(&spid, bin, schooldir, sock, school1) != 0 ||
	    sh("echo operator-pass | " KIN("%s") "login %s >/dev/null", dir, sess, cli, sock, OP_IDENT))
		goto out;
	/* the daemon's own first session runs at start; `sync now` after each cut until the receipt verifies all */
	for (int i = 0;; i++) {
		uint64_t verified, ok;
		if (i > 200) {
			fprintf(stderr, "bench_evsync: school %s: the evidence did not arrive after %d sessions\n", npsn, i);
			goto out;
		}
		if ((j = cli_json(sock, sess, "sync status")) == NULL)
			goto out;
		verified = jpath(j, "evidence.receipt.verified");
		ok = json_is_true(json_object_get(json_object_get(j, "last"), "ok"));
		if (verified == NFILES && ok) {
			out->secs = kntest_now_s() - t0;
			out->ev_bytes = jpath(j, "evidence.bytes_sent_total");
			out->pack = jpath(j, "last.ev_pack_bytes");
			out->chunks_max = jpath(j, "last.ev_inflight_max");
			json_decref(j);
			break;
		}
		json_decref(j);
		out->sessions++;
		/* a failed `sync now` is a cut: the next one resumes */
		char cmd[1200];
		snprintf(cmd, sizeof(cmd), KIN("%s") "--json sync now >/dev/null 2>&1", dir, sess, cli, sock);
		fflush(stdout);
		if (system(cmd) == -1)
			goto out;
	}
	rc = 0;
out:
	if (spid > 0 && kntest_daemon_stop(spid, 30000) != 0)
		rc = -1;
	if (xpid > 0)
		kntest_child_stop(xpid, SIGTERM, 5000);
	if (rc == 0)
		proxy_figures(&out->wire_up, &out->cuts, &out->conns, logpath);
	return rc;
}

/* ---- the baselines ---- */

/* `git push` of refs/kinerja/... to a new bare repository: bytes sent (receive-pack's stdin) and seconds. */
static int
gitcli_push(uint64_t *bytes, double *secs, const char *repo)
{
	char wrap[200], wire[200], bare[200];
	struct stat st;
	FILE *f;
	double t0;

	snprintf(wrap, sizeof(wrap), "%s/receive-pack.sh", dir);
	snprintf(wire, sizeof(wire), "%s/push.wire", dir);
	snprintf(bare, sizeof(bare), "%s/push.git", dir);
	if ((f = fopen(wrap, "w")) == NULL)
		return -1;
	fprintf(f, "#!/bin/sh\ntee %s | git receive-pack \"$@\"\n", wire);
	fclose(f);
	chmod(wrap, 0700);
	if (sh("git init -q --bare %s", bare))
		return -1;
	t0 = kntest_now_s();
	if (sh("git --git-dir=%s push -q --receive-pack=%s %s 'refs/kinerja/*:refs/kinerja/*' 2>/dev/null", repo, wrap, bare))
		return -1;
	*secs = kntest_now_s() - t0;
	if (stat(wire, &st) != 0)
		return -1;
	*bytes = (uint64_t)st.st_size;
	return 0;
}

static int
count_cb(void *buf, size_t size, void *arg)
{
	(void)buf;
	*(uint64_t *)arg += size;
	return 0;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* A pack of every refs/kinerja/ commit with libgit2, config key set to val (NULL: unset), threads: bytes, best s. */
static int
pack_variant(uint64_t *bytes, double *secs, git_repository *repo, const char *key, int64_t val, unsigned threads)
{
	double t[RUNS];
	git_config *cfg = NULL;

	if (git_repository_config(&cfg, repo) != 0)
		return -1;
	git_config_delete_entry(cfg, "pack.deltaCacheSize");
	git_config_delete_entry(cfg, "pack.windowMemory");
	if (key && git_config_set_int64(cfg, key, val) != 0) {
		git_config_free(cfg);
		return -1;
	}
	git_config_free(cfg);
	for (int r = 0; r < RUNS; r++) {
		git_packbuilder *pb = NULL;
		git_revwalk *walk = NULL;
		double t0 = kntest_now_s();
		*bytes = 0;
		if (git_revwalk_new(&walk, repo) != 0 || git_revwalk_push_glob(walk, "refs/kinerja/*") != 0 ||
		    git_packbuilder_new(&pb, repo) != 0) {
			git_revwalk_free(walk);
			return -1;
		}
		git_packbuilder_set_threads(pb, threads);
		int e = git_packbuilder_insert_walk(pb, walk) || git_packbuilder_foreach(pb, count_cb, bytes);
		git_packbuilder_free(pb);
		git_revwalk_free(walk);
		if (e)
			return -1;
		t[r] = kntest_now_s() - t0;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_d);
	*secs = t[0];
	return 0;
}

/* `git pack-objects` of the same commits with pack.compression = level, no delta search: bytes, best s. */
static int
git_pack_level(uint64_t *bytes, double *secs, const char *repo, int level)
{
	char cmd[1024], out[200];
	double t[RUNS];
	struct stat st;

	snprintf(out, sizeof(out), "%s/level.pack", dir);
	snprintf(cmd, sizeof(cmd),
	    "git --git-dir=%s for-each-ref --format='%%(objectname)' refs/kinerja/ | git --git-dir=%s -c pack.compression=%d "
	    "-c pack.threads=1 -c pack.window=0 pack-objects -q --revs --stdout >%s",
	    repo, repo, level, out);
	for (int r = 0; r < RUNS; r++) {
		double t0 = kntest_now_s();
		if (sh("%s", cmd))
			return -1;
		t[r] = kntest_now_s() - t0;
	}
	if (stat(out, &st) != 0)
		return -1;
	*bytes = (uint64_t)st.st_size;
	qsort(t, RUNS, sizeof(t[0]), cmp_d);
	*secs = t[0];
	return 0;
}

int
main(int argc, char **argv)
{
	const char *build = argc > 1 ? argv[1] : "build";
	const char *hub_args[] = { "--set", "keys.pwhash=min", "--set", "daemon.role=hub", "--set", "sync.listen=127.0.0.1:0",
		"--set", "sync.timeout_s=10", "--log-level", "warn", NULL };
	char path[256], hubdir[160], hub_key[65] = "", schooldir[200], first_school[200];
	const uint64_t total = (uint64_t)NFILES * FILE_BYTES;
	pid_t hpid = -1;
	long port = 0;
	json_t *j;
	int rc = 1;

	if (sodium_init() < 0 || git_libgit2_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	snprintf(bin, sizeof(bin), "%s/kinerjad", build);
	snprintf(cli, sizeof(cli), "%s/kinerja", build);
	snprintf(fpbin, sizeof(fpbin), "%s/tests/tools/faultproxy", build);
	if (access(fpbin, X_OK) != 0) {
		fprintf(stderr, "bench_evsync: no %s (make tools)\n", fpbin);
		return 1;
	}
	if (kntest_tmpdir(dir, sizeof(dir), "/tmp/kn-bench-evsync.XXXXXX") != 0) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(hubdir, sizeof(hubdir), "%s/hub", dir);
	snprintf(hub_sock, sizeof(hub_sock), "%s/hub.sock", dir);
	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/f%d.pdf", dir, i);
		if (file_make(path, FILE_BYTES, i) != 0)
			goto out;
	}
	if (mkdir(hubdir, 0700) != 0 || kntest_daemon_start(&hpid, bin, hubdir, hub_sock, hub_args) != 0)
		goto out;
	if (sh("echo dinas-op-pass | " KIN("hub-session") "dinas init --kode %s --nama 'Dinas Pendidikan Kabupaten Contoh' "
	       "--operator-name 'Rudi Hartono' --operator-nip %s >/dev/null",
	        dir, cli, hub_sock, OFFICE, OPD) ||
	    sh(KIN("hub-session") "dinas kunci --out %s/dinas.key >/dev/null", dir, cli, hub_sock, dir) ||
	    sh("echo dinas-op-pass | " KIN("hub-session") "login %s >/dev/null", dir, cli, hub_sock, OPD))
		goto out;
	if ((j = cli_json(hub_sock, "hub-session", "status")) == NULL)
		goto out;
	port = (long)jpath(j, "sync.listen_port");
	if (json_is_string(json_object_get(j, "device_key")))
		snprintf(hub_key, sizeof(hub_key), "%s", json_string_value(json_object_get(j, "device_key")));
	json_decref(j);
	if (port <= 0 || strlen(hub_key) != 64) {
		fprintf(stderr, "bench_evsync: the hub's port and key are not in its status\n");
		goto out;
	}

	/* (1) the default window, no delay */
	pass p;
	if (run_pass(&p, first_school, sizeof(first_school), "20100001", 128, 0, (int)port, hub_key) != 0)
		goto out;
	printf("bench_evsync: %d PDFs of random bytes, %llu bytes in all, one pack of %llu bytes\n", NFILES,
	    (unsigned long long)total, (unsigned long long)p.pack);
	printf("(1) school -> hub through faultproxy, a cut every %d bytes up, no delay, sync.ev_window_kb = 128 (the default):\n",
	    CUT_BYTES);
	printf("               %d cuts, %d sessions, %.2f s; at most %llu chunks in flight\n", p.cuts, p.conns, p.secs,
	    (unsigned long long)p.chunks_max);
	printf("               sent by the school in its evidence phases %10llu bytes: %.3f x the files, %.3f x the pack "
	       "(goal <= 1.1)\n",
	    (unsigned long long)p.ev_bytes, (double)p.ev_bytes / (double)total, (double)p.ev_bytes / (double)p.pack);
	printf("               through the proxy up, every phase          %10llu bytes: %.3f x the files\n",
	    (unsigned long long)p.wire_up, (double)p.wire_up / (double)total);
	uint64_t gbytes = 0;
	double gsecs = 0;
	snprintf(path, sizeof(path), "%s/evidence.git", first_school);
	if (gitcli_push(&gbytes, &gsecs, path) != 0)
		goto out;
	printf("               baseline: git push of the same objects to a local bare repository (no cuts): %llu bytes, "
	       "%.2f s\n",
	    (unsigned long long)gbytes, gsecs);
	printf("               ratio kinerja / git push: bytes %.3f, time %.1f\n", (double)p.ev_bytes / (double)gbytes,
	    p.secs / gsecs);

	/* the window on a link with delay */
	pass w[4];
	const int wins[4] = { 64, 128, 256, 1024 };
	const char *npsns[4] = { "20100002", "20100003", "20100004", "20100005" };
	printf("(1b) the same through 5 ms of delay each way, a cut every %d bytes up, by sync.ev_window_kb:\n", CUT_BYTES);
	for (int i = 0; i < 4; i++) {
		if (run_pass(&w[i], schooldir, sizeof(schooldir), npsns[i], wins[i], 5, (int)port, hub_key) != 0)
			goto out;
		printf("               %5d KiB: %6.2f s (%.2f x the 64 KiB time), %2d cuts, at most %llu chunks in flight, sent "
		       "%.3f x the files, proxy up %.3f x\n",
		    wins[i], w[i].secs, w[i].secs / w[0].secs, w[i].cuts, (unsigned long long)w[i].chunks_max,
		    (double)w[i].ev_bytes / (double)total, (double)w[i].wire_up / (double)total);
	}

	/* (2) packing options, on the first school's repository */
	git_repository *repo = NULL;
	if (git_repository_open_bare(&repo, path) != 0)
		goto out;
	struct {
		const char *name, *key;
		int64_t val;
		unsigned threads;
	} v[] = {
		{ "libgit2 defaults (delta search over every blob)", NULL, 0, 1 },
		{ "pack.deltaCacheSize = 64 KiB (blobs over it packed whole; the daemon's)", "pack.deltaCacheSize", 65536, 1 },
		{ "  the same, 2 threads", "pack.deltaCacheSize", 65536, 2 },
		{ "pack.windowMemory = 1 MiB (defaults otherwise)", "pack.windowMemory", 1 << 20, 1 },
	};
	uint64_t b0 = 0;
	double s0 = 0;
	printf("(2) a pack of the school's %d files with libgit2 %s (best of %d):\n", NFILES, LIBGIT2_VERSION, RUNS);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t b;
		double s;
		if (pack_variant(&b, &s, repo, v[i].key, v[i].val, v[i].threads) != 0) {
			fprintf(stderr, "bench_evsync: packing (%s): %s\n", v[i].name, git_error_last() ? git_error_last()->message : "");
			git_repository_free(repo);
			goto out;
		}
		if (i == 0) {
			b0 = b;
			s0 = s;
		}
		printf("               %-74s %10llu bytes %7.3f s  (%.4f x, %.2f x the defaults)\n", v[i].name,
		    (unsigned long long)b, s, (double)b / (double)b0, s / s0);
	}
	pack_variant(&b0, &s0, repo, "pack.deltaCacheSize", 65536, 1); /* leave the daemon's setting */
	git_repository_free(repo);
	printf("               libgit2 has no zlib level setting (it deflates at zlib's default); git pack-objects without "
	       "delta search (pack.window = 0) shows what one would give:\n");
	uint64_t gl[3];
	double gs[3];
	const int levels[3] = { -1, 1, 0 };
	for (int i = 0; i < 3; i++) {
		if (git_pack_level(&gl[i], &gs[i], path, levels[i]) != 0)
			goto out;
		printf("               git pack-objects, pack.compression = %2d %46s %10llu bytes %7.3f s  (%.4f x, %.2f x "
		       "level -1)\n",
		    levels[i], "", (unsigned long long)gl[i], gs[i], (double)gl[i] / (double)gl[0], gs[i] / gs[0]);
	}
	rc = 0;
out:
	if (hpid > 0 && kntest_daemon_stop(hpid, 30000) != 0)
		rc = 1;
	if (rc == 0)
		printf("every kinerjad stopped with SIGTERM: exit 0\n");
	kntest_rm_rf(dir);
	git_libgit2_shutdown();
	return rc;
}
