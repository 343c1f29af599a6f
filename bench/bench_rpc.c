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
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#include "../util/kn.h"
#include "../util/mpscan.h"

#define CALLS_ONE 20000   /* round trips of the single client */
#define CALLS_EACH 10000  /* round trips of each parallel client */
#define PARALLEL 4
#define WARMUP 200
#define IO_TIMEOUT_S 10
#define ECHO_MAX_CLIENTS 16

/* What the reply to a request must look like. */
typedef enum {
	REPLY_RPC,  /* [1, msgid, nil, {status map}] */
	REPLY_ECHO, /* the request itself: [0, msgid, "status", []] */
} reply_kind;

/* One client connection and its buffers. */
typedef struct {
	int fd;
	kn_buf req;
	kn_buf in;
	msgpack_unpacked up;
	size_t reply_bytes; /* size of the last reply */
} conn;

/* Monotonic time in seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* nftw callback of rm_rf: remove one entry (children first). */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove a directory tree; quiet (cleanup only). */
static void
rm_rf(const char *dir)
{
	if (dir != NULL && dir[0] != '\0')
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Fill a sockaddr_un with path; -1 when the path does not fit. */
static int
unix_addr(struct sockaddr_un *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	out->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(out->sun_path)) {
		fprintf(stderr, "bench_rpc: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(out->sun_path, path, strlen(path) + 1);
	return 0;
}

/*
 * Connect c to the socket at path, with send and receive timeouts so a
 * stuck server fails the run instead of hanging it. Returns 0 or -1.
 */
static int
conn_open(conn *c, const char *path)
{
	struct timeval tv = { IO_TIMEOUT_S, 0 };
	struct sockaddr_un sa;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	msgpack_unpacked_init(&c->up);
	if (unix_addr(&sa, path) != 0)
		return -1;
	c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "bench_rpc: connect %s: %s\n", path, strerror(errno));
		return -1;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return 0;
}

/* Close and free; safe on a conn that conn_open() failed on. */
static void
conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	kn_buf_free(&c->req);
	kn_buf_free(&c->in);
	msgpack_unpacked_destroy(&c->up);
}

/* Write all n bytes; -1 on error or timeout. */
static int
send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

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
conn_call(conn *c, uint32_t msgid, reply_kind kind)
{
	static const char method[] = "status";
	msgpack_packer pk;
	kn_mpscan scan;
	size_t len = 0, off = 0;
	const msgpack_object *a;
	int rc;

	kn_buf_clear(&c->req);
	msgpack_packer_init(&pk, &c->req, kn_buf_msgpack_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint32(&pk, msgid);
	msgpack_pack_str(&pk, sizeof(method) - 1);
	msgpack_pack_str_body(&pk, method, sizeof(method) - 1);
	msgpack_pack_array(&pk, 0);
	if (send_all(c->fd, c->req.ptr, c->req.len) != 0) {
		fprintf(stderr, "bench_rpc: send: %s\n", strerror(errno));
		return -1;
	}
	for (;;) {
		kn_mpscan_init(&scan, 1 << 20);
		rc = kn_mpscan_feed(&scan, c->in.ptr, c->in.len, &len);
		if (rc < 0) {
			fprintf(stderr, "bench_rpc: bad reply: %s\n", kn_error_message());
			return -1;
		}
		if (rc == 1)
			break;
		if (kn_buf_grow(&c->in, 65536) != 0)
			return -1;
		ssize_t r = read(c->fd, c->in.ptr + c->in.len, 65536);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "bench_rpc: read: %s\n", r ? strerror(errno) : "connection closed");
			return -1;
		}
		c->in.len += (size_t)r;
	}
	if (msgpack_unpack_next(&c->up, (const char *)c->in.ptr, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		fprintf(stderr, "bench_rpc: reply does not decode\n");
		return -1;
	}
	a = &c->up.data;
	rc = a->type == MSGPACK_OBJECT_ARRAY && a->via.array.size == 4 &&
	    is_uint(&a->via.array.ptr[1], msgid);
	if (rc && kind == REPLY_RPC)
		rc = is_uint(&a->via.array.ptr[0], 1) && a->via.array.ptr[2].type == MSGPACK_OBJECT_NIL &&
		    a->via.array.ptr[3].type == MSGPACK_OBJECT_MAP;
	else if (rc)
		rc = is_uint(&a->via.array.ptr[0], 0) && a->via.array.ptr[2].type == MSGPACK_OBJECT_STR;
	c->reply_bytes = len;
	kn_buf_consume(&c->in, len);
	if (!rc) {
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
	conn c;
	char ch = 'r';
	int rc = 1;

	if (conn_open(&c, path) != 0)
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
	conn_close(&c);
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
	t0 = now_s();
	close(go[1]);
	for (unsigned i = 0; i < started; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = -1;
	}
	t1 = now_s();
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
			if (r <= 0 || send_all(p[i].fd, buf, (size_t)r) != 0) {
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
	if (unix_addr(&sa, path) != 0)
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

/* Start kinerjad (bin) on sock with its store in dir; wait for the socket. */
static int
daemon_start(pid_t *out, const char *bin, const char *dir, const char *sock)
{
	char store[256], key[300], ev[300], up[300];
	pid_t pid;

	snprintf(store, sizeof(store), "%s/store", dir);
	snprintf(key, sizeof(key), "keys.device_key=%s/device.key", dir);
	snprintf(ev, sizeof(ev), "evidence.dir=%s/evidence.git", dir);
	snprintf(up, sizeof(up), "evidence.staging_dir=%s/uploads", dir);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		execl(bin, "kinerjad", "--socket", sock, "--store", store, "--set", key, "--set", ev, "--set", up, "--set",
		    "daemon.max_frame_kb=64", "--set", "daemon.max_output_kb=256", "--log-level", "warn",
		    (char *)NULL);
		fprintf(stderr, "bench_rpc: exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	*out = pid;
	for (int i = 0; i < 400 && access(sock, F_OK) != 0; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			*out = -1;
			fprintf(stderr, "bench_rpc: %s exited before listening\n", bin);
			return -1;
		}
		sleep_ms(25);
	}
	if (access(sock, F_OK) != 0) {
		fprintf(stderr, "bench_rpc: %s did not create %s within 10 s\n", bin, sock);
		return -1;
	}
	return 0;
}

/*
 * Send sig to pid and reap it within 10 s (SIGKILL after that).
 * Returns the wait status, or -1 when it had to be killed.
 */
static int
child_stop(pid_t pid, int sig)
{
	int status;

	kill(pid, sig);
	for (int i = 0; i < 400; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		sleep_ms(25);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
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
	conn probe;
	size_t req_bytes, reply_bytes;
	int rc = 1, status;

	snprintf(bin, sizeof(bin), "%s/kinerjad", argc > 1 ? argv[1] : "build");
	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/kn-bench-rpc.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(esock, sizeof(esock), "%s/echo.sock", dir);
	if (daemon_start(&dpid, bin, dir, sock) != 0)
		goto out_stop;
	if (echo_start(&epid, esock) != 0)
		goto out_stop;

	/* sizes on the wire, for reading the ratio */
	if (conn_open(&probe, sock) != 0 || conn_call(&probe, 1, REPLY_RPC) != 0) {
		conn_close(&probe);
		goto out_stop;
	}
	req_bytes = probe.req.len;
	reply_bytes = probe.reply_bytes;
	conn_close(&probe);
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
		child_stop(epid, SIGTERM);
	if (dpid > 0) {
		status = child_stop(dpid, SIGTERM);
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "bench_rpc: kinerjad did not exit 0 on SIGTERM (wait status %d)\n", status);
			rc = 1;
		} else if (access(sock, F_OK) == 0) {
			fprintf(stderr, "bench_rpc: kinerjad left its socket behind\n");
			rc = 1;
		} else if (rc == 0) {
			printf("kinerjad stopped with SIGTERM: exit 0\n");
		}
	}
	rm_rf(dir);
	return rc;
}
