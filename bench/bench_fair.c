/*
 * bench_fair.c - how much heavy requests of some clients slow down cheap
 * requests of others: the p99 latency of `status` for 4 clients while 2
 * other clients run heavy requests, against the same 4 clients alone, in
 * the same run on the same daemon.
 *
 * The real kinerjad is started on a fresh directory under /tmp with a
 * school of PEOPLE teachers (enrolled at the test Argon2id cost) and
 * UPLOADS Bukti Dukung files. Each status client is a forked process that
 * connects, warms up, waits for the start signal, then makes CALLS round
 * trips one after the other with a short pause between them (a person's
 * CLI, not a flood), timing each. "alone" runs the 4 status clients with
 * nothing else going on; "beside heavy" runs them while two more clients
 * keep the daemon busy: one asks for user.list pages of 1000 people (two
 * requests in flight), the other for evidence.verify with every blob read,
 * again and again. The heavy clients start first and the status clients
 * only once each heavy client has had an answer. The two runs alternate
 * ROUNDS times and each figure is over all rounds of its kind, so that a
 * machine whose load changes during the run (other builds, other tests)
 * weighs on both alike.
 *
 * Printed: p50, p99 and max of each run, the p99 ratio (the goal is at
 * most 2), and what the heavy clients got done meanwhile. Speed is
 * reported, never asserted: the exit status is 1 only for a functional
 * failure (a wrong reply, a dead daemon, a bad exit).
 *
 * Usage: bench_fair [BUILD_DIR]   runs BUILD_DIR/kinerjad (default build/)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <msgpack.h>

#include "../tests/lib/kntest.h"
#include "../util/kn.h"
#include "../util/mpmap.h"

#define PEOPLE 2000
#define UPLOADS 40
#define STATUS_CLIENTS 4
#define ROUNDS 3
#define CALLS 1000        /* status round trips of each status client in each round */
#define PACE_US 500       /* pause between two calls of a status client */
#define WARMUP 200
#define LIST_LIMIT 1000
#define IO_TIMEOUT_S 60
#define STOP_TIMEOUT_MS 20000
#define REPLY_MAX (16 << 20)
#define ENROLL_CONNS 8

static char sock[128];
static const char op_ident[] = "1234567890123456", op_pass[] = "operator-pass", guru_pass[] = "bulk-guru-pass";
static char op_token[65], guru_token[65];

/* What the heavy clients got done, in memory shared with them. */
typedef struct {
	volatile long pages;     /* user.list pages answered */
	volatile long verifies;  /* evidence.verify answered */
	volatile int failed;
} heavy_counts;

/* Pack a named-argument map of string pairs (NULL-terminated), with "limit" when limit > 0. */
static void
pack_args(kn_buf *out, const char **kv, long limit)
{
	msgpack_packer pk;
	uint32_t n = limit > 0;

	for (const char **p = kv; *p; p += 2)
		n++;
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, n);
	for (const char **p = kv; *p; p += 2) {
		msgpack_pack_str(&pk, strlen(p[0]));
		msgpack_pack_str_body(&pk, p[0], strlen(p[0]));
		msgpack_pack_str(&pk, strlen(p[1]));
		msgpack_pack_str_body(&pk, p[1], strlen(p[1]));
	}
	if (limit > 0) {
		msgpack_pack_str(&pk, 5);
		msgpack_pack_str_body(&pk, "limit", 5);
		msgpack_pack_uint64(&pk, (uint64_t)limit);
	}
}

/* One call; *res = the result map (borrowed from c). Returns 0 or -1 (printed). */
static int
call(const msgpack_object **res, kntest_conn *c, const char *method, const kn_buf *params)
{
	const msgpack_object *reply;
	uint32_t id = c->next_id++;

	if (kntest_conn_send(c, id, method, params ? 1 : 0, params, NULL, 0) != 0 ||
	    kntest_conn_recv(&reply, c, REPLY_MAX, method) != 0)
		return -1;
	return kntest_rpc_result(res, reply, id, method);
}

/* call() with string arguments. */
static int
call_kv(const msgpack_object **res, kntest_conn *c, const char *method, const char **kv)
{
	kn_buf p = KN_BUF_INIT;
	pack_args(&p, kv, 0);
	int rc = call(res, c, method, &p);
	kn_buf_free(&p);
	return rc;
}

/* Log in ident; the token goes to token (65 bytes). */
static int
login(kntest_conn *c, const char *ident, const char *pass, char *token)
{
	const msgpack_object *r;
	const char *kv[] = { "user", ident, "passphrase", pass, NULL };

	if (call_kv(&r, c, "session.login", kv) != 0 || kn_map_str(token, 65, r, "token") != 0)
		return -1;
	return 0;
}

/* Enroll PEOPLE teachers over several connections, two requests in flight on each. */
static int
enroll(void)
{
	kntest_conn c[ENROLL_CONNS];
	int inflight[ENROLL_CONNS] = { 0 }, next = 0, left = PEOPLE, rc = -1;

	for (int k = 0; k < ENROLL_CONNS; k++)
		kntest_conn_open(&c[k], sock, IO_TIMEOUT_S);
	while (left > 0) {
		for (int k = 0; k < ENROLL_CONNS; k++) {
			while (inflight[k] < 2 && next < PEOPLE) {
				char ident[17], name[32];
				kn_buf p = KN_BUF_INIT;
				snprintf(ident, sizeof(ident), "77%014d", next);
				snprintf(name, sizeof(name), "Guru %05d", next);
				const char *kv[] = { "token", op_token, "name", name, "role", "guru", "status", "NON_ASN", "nuptk", ident,
					"passphrase", guru_pass, NULL };
				pack_args(&p, kv, 0);
				int s = kntest_conn_send(&c[k], c[k].next_id++, "user.add", 1, &p, NULL, 0);
				kn_buf_free(&p);
				if (s != 0)
					goto out_close;
				inflight[k]++;
				next++;
			}
		}
		for (int k = 0; k < ENROLL_CONNS; k++) {
			const msgpack_object *reply, *res;
			if (inflight[k] == 0)
				continue;
			if (kntest_conn_recv(&reply, &c[k], REPLY_MAX, "user.add") != 0 ||
			    kntest_rpc_result(&res, reply, (uint32_t)reply->via.array.ptr[1].via.u64, "user.add") != 0)
				goto out_close;
			inflight[k]--;
			left--;
		}
	}
	rc = 0;
out_close:
	for (int k = 0; k < ENROLL_CONNS; k++)
		kntest_conn_close(&c[k]);
	return rc;
}

/* One small PDF into slot berkas-<n> (not an RHK slot: those need an agreed plan), as the first teacher. */
static int
upload(kntest_conn *c, int n)
{
	char pdf[128], name[32], slot[24], id[40];
	const msgpack_object *r;
	kn_buf p = KN_BUF_INIT;
	msgpack_packer pk;
	int len = snprintf(pdf, sizeof(pdf), "%%PDF-1.4\n%% bench %d\n%%%%EOF\n", n), rc;

	snprintf(name, sizeof(name), "bukti-%d.pdf", n);
	snprintf(slot, sizeof(slot), "berkas-%d", n + 1);
	msgpack_packer_init(&pk, &p, kn_buf_msgpack_write);
	const char *kv[] = { "token", guru_token, "slot", slot, "name", name, NULL };
	msgpack_pack_map(&pk, 4);
	for (const char **q = kv; *q; q += 2) {
		msgpack_pack_str(&pk, strlen(q[0]));
		msgpack_pack_str_body(&pk, q[0], strlen(q[0]));
		msgpack_pack_str(&pk, strlen(q[1]));
		msgpack_pack_str_body(&pk, q[1], strlen(q[1]));
	}
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "size", 4);
	msgpack_pack_uint64(&pk, (uint64_t)len);
	rc = call(&r, c, "evidence.upload.begin", &p);
	if (rc == 0)
		rc = kn_map_str(id, sizeof(id), r, "upload_id");
	kn_buf_clear(&p);
	if (rc == 0) {
		const char *ck[] = { "token", guru_token, "upload_id", id, NULL };
		msgpack_pack_map(&pk, 4);
		for (const char **q = ck; *q; q += 2) {
			msgpack_pack_str(&pk, strlen(q[0]));
			msgpack_pack_str_body(&pk, q[0], strlen(q[0]));
			msgpack_pack_str(&pk, strlen(q[1]));
			msgpack_pack_str_body(&pk, q[1], strlen(q[1]));
		}
		msgpack_pack_str(&pk, 6);
		msgpack_pack_str_body(&pk, "offset", 6);
		msgpack_pack_uint8(&pk, 0);
		msgpack_pack_str(&pk, 4);
		msgpack_pack_str_body(&pk, "data", 4);
		msgpack_pack_bin(&pk, (size_t)len);
		msgpack_pack_bin_body(&pk, pdf, (size_t)len);
		rc = call(&r, c, "evidence.upload.chunk", &p);
	}
	if (rc == 0) {
		const char *fk[] = { "token", guru_token, "upload_id", id, NULL };
		rc = call_kv(&r, c, "evidence.upload.finish", fk);
	}
	kn_buf_free(&p);
	return rc;
}

/* The school, its operator, PEOPLE teachers and UPLOADS files of the first teacher. */
static int
populate(void)
{
	kntest_conn c;
	const msgpack_object *r;
	int rc = -1;

	if (kntest_conn_open(&c, sock, IO_TIMEOUT_S) != 0)
		goto out_close;
	const char *init[] = { "npsn", "20100001", "name", "SD Negeri 1 Contoh", "operator_name", "Siti Aminah",
		"operator_nuptk", op_ident, "passphrase", op_pass, NULL };
	if (call_kv(&r, &c, "school.init", init) != 0 || login(&c, op_ident, op_pass, op_token) != 0 || enroll() != 0 ||
	    login(&c, "77" "00000000000000", guru_pass, guru_token) != 0)
		goto out_close;
	for (int i = 0; i < UPLOADS; i++)
		if (upload(&c, i) != 0)
			goto out_close;
	rc = 0;
out_close:
	kntest_conn_close(&c);
	return rc;
}

/*
 * A heavy client (forked): keeps `inflight` requests of method in flight,
 * counting answers in *count, until killed. The first answer is reported
 * on ready_fd.
 */
static void
heavy_main(const char *method, long limit, int inflight, volatile long *count, volatile int *failed, int ready_fd)
{
	kntest_conn c;
	kn_buf p = KN_BUF_INIT;
	const char *kv[] = { "token", op_token, NULL };
	const msgpack_object *reply, *res;
	char ch = 'h';

	if (kntest_conn_open(&c, sock, IO_TIMEOUT_S) != 0)
		_exit(1);
	pack_args(&p, kv, limit);
	for (int i = 0; i < inflight; i++)
		if (kntest_conn_send(&c, c.next_id++, method, 1, &p, NULL, 0) != 0)
			_exit(1);
	for (;;) {
		if (kntest_conn_recv(&reply, &c, REPLY_MAX, method) != 0)
			_exit(1);
		if (kntest_rpc_result(&res, reply, (uint32_t)reply->via.array.ptr[1].via.u64, method) != 0) {
			*failed = 1;
			_exit(1);
		}
		if ((*count)++ == 0 && write(ready_fd, &ch, 1) != 1)
			_exit(1);
		if (kntest_conn_send(&c, c.next_id++, method, 1, &p, NULL, 0) != 0)
			_exit(1);
	}
}

/* A status client (forked): warm up, say ready, wait for go, then time CALLS round trips into out. */
static int
status_main(double *out, int ready_fd, int go_fd)
{
	kntest_conn c;
	const msgpack_object *res;
	char ch = 'r';
	int rc = 1;

	if (kntest_conn_open(&c, sock, IO_TIMEOUT_S) != 0)
		goto out_close;
	for (int i = 0; i < WARMUP; i++)
		if (call(&res, &c, "status", NULL) != 0)
			goto out_close;
	if (write(ready_fd, &ch, 1) != 1)
		goto out_close;
	while (read(go_fd, &ch, 1) < 0 && errno == EINTR)
		;
	for (int i = 0; i < CALLS; i++) {
		double t0 = kntest_now_s();
		if (call(&res, &c, "status", NULL) != 0)
			goto out_close;
		out[i] = kntest_now_s() - t0;
		usleep(PACE_US);
	}
	rc = 0;
out_close:
	kntest_conn_close(&c);
	return rc;
}

/* Run the status clients together; lat (shared memory) receives every latency. Returns 0 or -1. */
static int
run_status(double *lat)
{
	pid_t pids[STATUS_CLIENTS];
	int ready[2], go[2], rc = 0, started = 0;
	char ch;

	if (pipe(ready) != 0 || pipe(go) != 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	for (; started < STATUS_CLIENTS; started++) {
		pids[started] = fork();
		if (pids[started] < 0) {
			rc = -1;
			break;
		}
		if (pids[started] == 0) {
			close(ready[0]);
			close(go[1]);
			_exit(status_main(lat + (size_t)started * CALLS, ready[1], go[0]));
		}
	}
	close(ready[1]);
	close(go[0]);
	for (int n = 0; rc == 0 && n < started; n++)
		if (read(ready[0], &ch, 1) != 1)
			rc = -1;
	close(go[1]);
	for (int i = 0; i < started; i++) {
		int st;
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = -1;
	}
	close(ready[0]);
	return rc;
}

/* qsort order of latencies. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sort the latencies; *p50, *p99 and *max in milliseconds. */
static void
percentiles(double *lat, size_t n, double *p50, double *p99, double *max)
{
	qsort(lat, n, sizeof(*lat), cmp_double);
	*p50 = lat[n / 2] * 1000;
	*p99 = lat[(n * 99) / 100] * 1000;
	*max = lat[n - 1] * 1000;
}

/* Set the school up, then alternate the alone and beside-heavy runs; print the figures. */
int
main(int argc, char **argv)
{
	char dir[64], bin[512];
	pid_t dpid = -1, heavy[2] = { -1, -1 };
	static const char *const daemon_args[] = { "--set", "keys.pwhash=min", "--set", "store.nosync=true", "--log-level",
		"warn", NULL };
	size_t n = (size_t)STATUS_CLIENTS * CALLS;
	double *alone = NULL, *beside = NULL, a50, a99, amax, h50, h99, hmax, t0, busy_s = 0;
	heavy_counts *hc = NULL;
	long pages0 = 0, verifies0 = 0, pages = 0, verifies = 0;
	int ready[2] = { -1, -1 }, rc = 1;
	char ch;

	snprintf(bin, sizeof(bin), "%s/kinerjad", argc > 1 ? argv[1] : "build");
	signal(SIGPIPE, SIG_IGN);
	if (kntest_tmpdir(dir, sizeof(dir), "/tmp/kn-bench-fair.XXXXXX") != 0) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	alone = mmap(NULL, n * ROUNDS * sizeof(double), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	beside = mmap(NULL, n * ROUNDS * sizeof(double), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	hc = mmap(NULL, sizeof(*hc), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (alone == MAP_FAILED || beside == MAP_FAILED || hc == MAP_FAILED || pipe(ready) != 0) {
		perror("bench_fair");
		goto out_stop;
	}
	memset(hc, 0, sizeof(*hc));
	if (kntest_daemon_start(&dpid, bin, dir, sock, daemon_args) != 0)
		goto out_stop;
	t0 = kntest_now_s();
	if (populate() != 0)
		goto out_stop;
	printf("bench_fair: %s; %d teachers and %d evidence files set up in %.1f s\n", bin, PEOPLE, UPLOADS,
	    kntest_now_s() - t0);

	for (int round = 0; round < ROUNDS; round++) {
		/* the 4 status clients alone */
		if (run_status(alone + (size_t)round * n) != 0)
			goto out_stop;
		/* the same, beside two heavy clients that are already busy */
		fflush(stdout);
		fflush(stderr);
		for (int k = 0; k < 2; k++) {
			heavy[k] = fork();
			if (heavy[k] < 0)
				goto out_stop;
			if (heavy[k] == 0) {
				close(ready[0]);
				if (k == 0)
					heavy_main("user.list", LIST_LIMIT, 2, &hc->pages, &hc->failed, ready[1]);
				else
					heavy_main("evidence.verify", 0, 1, &hc->verifies, &hc->failed, ready[1]);
			}
		}
		for (int k = 0; k < 2; k++)
			if (read(ready[0], &ch, 1) != 1)
				goto out_stop;
		pages0 = hc->pages;
		verifies0 = hc->verifies;
		t0 = kntest_now_s();
		if (run_status(beside + (size_t)round * n) != 0)
			goto out_stop;
		busy_s += kntest_now_s() - t0;
		pages += hc->pages - pages0;
		verifies += hc->verifies - verifies0;
		for (int k = 0; k < 2; k++) {
			kntest_child_stop(heavy[k], SIGKILL, STOP_TIMEOUT_MS);
			heavy[k] = -1;
		}
		if (hc->failed) {
			fprintf(stderr, "bench_fair: a heavy request failed\n");
			goto out_stop;
		}
		hc->pages = hc->verifies = 0;
		/* the daemon finishes the jobs it had started for them */
		kntest_sleep_ms(300);
	}
	percentiles(alone, n * ROUNDS, &a50, &a99, &amax);
	percentiles(beside, n * ROUNDS, &h50, &h99, &hmax);

	printf("status, %d clients alone:        p50 %.3f ms  p99 %.3f ms  max %.3f ms (%d rounds, %d calls each)\n",
	    STATUS_CLIENTS, a50, a99, amax, ROUNDS, CALLS);
	printf("status, %d clients beside heavy: p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", STATUS_CLIENTS, h50, h99, hmax);
	printf("heavy meanwhile (%.1f s): %ld user.list pages of %d people, %ld evidence.verify of %d files\n", busy_s,
	    pages, LIST_LIMIT, verifies, UPLOADS);
	printf("ratio p99 beside heavy / alone: %.2f (goal: at most 2)\n", h99 / a99);
	rc = 0;

out_stop:
	for (int k = 0; k < 2; k++)
		if (heavy[k] > 0)
			kntest_child_stop(heavy[k], SIGKILL, STOP_TIMEOUT_MS);
	if (dpid > 0) {
		if (kntest_daemon_stop(dpid, STOP_TIMEOUT_MS) != 0)
			rc = 1;
		else if (rc == 0)
			printf("kinerjad stopped with SIGTERM: exit 0\n");
	}
	if (ready[0] >= 0) {
		close(ready[0]);
		close(ready[1]);
	}
	kntest_rm_rf(dir);
	return rc;
}
