/*
 * bench_rpc.c - `status` round trips per second over the daemon's Unix
 * socket, against a baseline echo server in the same program.
 *
 * The real kinerjad is started on a socket in a fresh directory under /tmp,
 * as tests/unit/test_rpc.c does. Each client connects, sends one
 * MessagePack-RPC request [0, msgid, "status", []], reads until one whole
 * reply has arrived (kn_mpscan), decodes and checks it, and only then sends
 * the next. The baseline is a single-process poll() echo server forked
 * here: it gets the same request bytes and sends them back, and the client
 * runs the same code (pack, write, scan, decode, check) against it.
 *
 * Both are measured with one client, then with four clients in parallel
 * (forked; the figure is their aggregate). Clients connect and warm up
 * before the clock starts. Finally the daemon is stopped with SIGTERM and
 * must exit 0. Speed is reported, never asserted: the exit status is 1 only
 * for a functional failure (a wrong reply, a dead daemon, a bad exit).
 *
 * Usage: bench_rpc [BUILD_DIR]   runs BUILD_DIR/kinerjad (default build/)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <msgpack.h>

#include "../tests/lib/kntest.h"
#include "../util/kn.h"

#define CALLS_ONE 20000   /* round trips of the single client */
#define CALLS_EACH 10000  /* round trips of each parallel client */
#define PARALLEL 4
#define WARMUP 200
#define IO_TIMEOUT_S 10
#define STOP_TIMEOUT_MS 10000
#define REPLY_MAX (1 << 20)
#define ECHO_MAX_CLIENTS 16

/* What the reply to a request must look like. */
typedef enum {
	REPLY_RPC,  /* [1, msgid, nil, {status map}] */
	REPLY_ECHO, /* the request itself: [0, msgid, "status", []] */
} reply_kind;

/* Is o the unsigned integer n? */
static int
is_uint(const msgpack_object *o, uint64_t n)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 == n;
}

/*
 * One round trip: send [0, msgid, "status", []], read one whole reply and
 * check it is the kind expected for msgid. Returns 0 or -1 (reason printed).
 */
static int
conn_call(kntest_conn *c, uint32_t msgid, reply_kind kind)
{
	const msgpack_object *a, *res;

	if (kntest_conn_send(c, msgid, "status", 0, NULL, NULL, 0) != 0 ||
	    kntest_conn_recv(&a, c, REPLY_MAX, "status") != 0)
		return -1;
	if (kind == REPLY_RPC)
		return kntest_rpc_result(&res, a, msgid, "status");
	if (a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size != 4 || !is_uint(&a->via.array.ptr[0], 0) ||
	    !is_uint(&a->via.array.ptr[1], msgid) || a->via.array.ptr[2].type != MSGPACK_OBJECT_STR) {
		fprintf(stderr, "bench_rpc: unexpected reply to request %u\n", msgid);
		return -1;
	}
	return 0;
}

/*
 * Body of one forked client: connect, warm up, report ready on the ready
 * pipe, wait until the go pipe closes, then make calls round trips.
 * Returns the child's exit status.
 */
static int
client_main(const char *path, reply_kind kind, unsigned calls, int ready_fd, int go_fd)
{
	kntest_conn c;
	char ch = 'r';
	int rc = 1;

	if (kntest_conn_open(&c, path, IO_TIMEOUT_S) != 0)
		goto out_close;
	for (uint32_t i = 0; i < WARMUP; i++)
		if (conn_call(&c, i, kind) != 0)
			goto out_close;
	if (write(ready_fd, &ch, 1) != 1)
		goto out_close;
	while (read(go_fd, &ch, 1) < 0 && errno == EINTR)
		;
	for (uint32_t i = 0; i < calls; i++)
		if (conn_call(&c, WARMUP + i, kind) != 0)
			goto out_close;
	rc = 0;

out_close:
	kntest_conn_close(&c);
	return rc;
}

/*
 * Run nclients forked clients of calls round trips each against path, all
 * released at once; *out = total round trips per second over the wall time
 * from release to the last client's exit. Returns 0 or -1.
 */
static int
run_clients(double *out, const char *path, reply_kind kind, unsigned nclients, unsigned calls)
{
	pid_t pids[PARALLEL];
	int ready[2], go[2];
	unsigned started = 0, nready = 0;
	double t0 = 0, t1;
	int rc = 0, status;
	char ch;

	if (nclients > PARALLEL || pipe(ready) != 0)
		return -1;
	if (pipe(go) != 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	for (; started < nclients; started++) {
		pids[started] = fork();
		if (pids[started] < 0) {
			perror("fork");
			rc = -1;
			break;
		}
		if (pids[started] == 0) {
			close(ready[0]);
			close(go[1]);
			_exit(client_main(path, kind, calls, ready[1], go[0]));
		}
	}
	close(ready[1]);
	close(go[0]);
	/* a client that fails before it is ready closes its end: read sees EOF */
	while (rc == 0 && nready < started) {
		ssize_t r = read(ready[0], &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1)
			rc = -1;
		else
			nready++;
	}
	t0 = kntest_now_s();
	close(go[1]);
	for (unsigned i = 0; i < started; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = -1;
	}
	t1 = kntest_now_s();
	close(ready[0]);
	if (rc) {
		fprintf(stderr, "bench_rpc: a client failed (%s)\n", path);
		return -1;
	}
	*out = (double)nclients * calls / (t1 - t0);
	return 0;
}

/*
 * The baseline server, in a forked child: one poll() loop that accepts
 * clients on lfd and writes back whatever each sends. Never returns; it
 * ends with SIGTERM (default action).
 */
static void
echo_serve(int lfd)
{
	struct pollfd p[1 + ECHO_MAX_CLIENTS];
	uint8_t buf[65536];
	nfds_t n = 1;

	p[0] = (struct pollfd){ lfd, POLLIN, 0 };
	for (;;) {
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (nfds_t i = n; i-- > 1;) {
			if (!p[i].revents)
				continue;
			ssize_t r = read(p[i].fd, buf, sizeof(buf));
			if (r <= 0 || kn_write_full(p[i].fd, buf, (size_t)r) != 0) {
				close(p[i].fd);
				p[i] = p[--n];
			}
		}
		if (p[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);
			if (fd >= 0 && n < 1 + ECHO_MAX_CLIENTS)
				p[n++] = (struct pollfd){ fd, POLLIN, 0 };
			else if (fd >= 0)
				close(fd);
		}
	}
}

/* Listen on path and fork the echo server; *out = its pid. */
static int
echo_start(pid_t *out, const char *path)
{
	struct sockaddr_un sa;
	int lfd;

	*out = -1;
	if (kntest_unix_addr(&sa, path) != 0)
		return -1;
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 64) != 0) {
		fprintf(stderr, "bench_rpc: echo listen %s: %s\n", path, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	*out = fork();
	if (*out == 0)
		echo_serve(lfd);
	close(lfd);
	if (*out < 0) {
		perror("fork");
		return -1;
	}
	return 0;
}

/* Print one comparison: rpc and echo figures and their ratio. */
static void
report(const char *who, double rpc, double echo)
{
	printf("rpc: status round trips (%s):   %.0f/s\n", who, rpc);
	printf("baseline: raw unix-socket echo (%s): %.0f/s\n", who, echo);
	printf("ratio rpc/baseline: %.2f\n", rpc / echo);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	char dir[64], sock[128], esock[128], bin[512], who[32];
	pid_t dpid = -1, epid = -1;
	double rpc1, echo1, rpcn, echon;
	static const char *const daemon_args[] = { "--set", "daemon.max_frame_kb=64", "--set",
		"daemon.max_output_kb=256", "--log-level", "warn", NULL };
	kntest_conn probe;
	size_t req_bytes, reply_bytes;
	int rc = 1;

	snprintf(bin, sizeof(bin), "%s/kinerjad", argc > 1 ? argv[1] : "build");
	signal(SIGPIPE, SIG_IGN);
	if (kntest_tmpdir(dir, sizeof(dir), "/tmp/kn-bench-rpc.XXXXXX") != 0) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(esock, sizeof(esock), "%s/echo.sock", dir);
	if (kntest_daemon_start(&dpid, bin, dir, sock, daemon_args) != 0)
		goto out_stop;
	if (echo_start(&epid, esock) != 0)
		goto out_stop;

	/* sizes on the wire, for reading the ratio */
	if (kntest_conn_open(&probe, sock, IO_TIMEOUT_S) != 0 || conn_call(&probe, 1, REPLY_RPC) != 0) {
		kntest_conn_close(&probe);
		goto out_stop;
	}
	req_bytes = probe.req.len;
	reply_bytes = probe.reply_len;
	kntest_conn_close(&probe);
	printf("bench_rpc: %s; request %zu bytes, status reply %zu bytes (echo: %zu)\n",
	    bin, req_bytes, reply_bytes, req_bytes);

	if (run_clients(&rpc1, sock, REPLY_RPC, 1, CALLS_ONE) != 0 ||
	    run_clients(&echo1, esock, REPLY_ECHO, 1, CALLS_ONE) != 0)
		goto out_stop;
	report("1 client", rpc1, echo1);
	if (run_clients(&rpcn, sock, REPLY_RPC, PARALLEL, CALLS_EACH) != 0 ||
	    run_clients(&echon, esock, REPLY_ECHO, PARALLEL, CALLS_EACH) != 0)
		goto out_stop;
	snprintf(who, sizeof(who), "%d clients", PARALLEL);
	report(who, rpcn, echon);
	rc = 0;

out_stop:
	if (epid > 0)
		kntest_child_stop(epid, SIGTERM, STOP_TIMEOUT_MS);
	if (dpid > 0) {
		if (kntest_daemon_stop(dpid, STOP_TIMEOUT_MS) != 0) {
			rc = 1;
		} else if (access(sock, F_OK) == 0) {
			fprintf(stderr, "bench_rpc: kinerjad left its socket behind\n");
			rc = 1;
		} else if (rc == 0) {
			printf("kinerjad stopped with SIGTERM: exit 0\n");
		}
	}
	kntest_rm_rf(dir);
	return rc;
}
