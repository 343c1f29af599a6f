/*
 * kntest.c - helpers shared by the unit tests and the benchmarks; see
 * kntest.h. No cmocka here: failures are return values, reasons go to
 * stderr prefixed with the program's name.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../store/record.h"
#include "../../util/mpscan.h"
#include "kntest.h"

#define KNTEST_READ_STEP 65536   /* bytes asked of each read() */
#define KNTEST_DAEMON_WAIT_MS 10000
#define KNTEST_POLL_MS 25
#define KNTEST_ARGV_MAX 64

/* The prefix of every message: the program's name, as the drivers printed it. */
#define KNTEST_PROG program_invocation_short_name

/* Monotonic time in seconds. */
double
kntest_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleep ms milliseconds; a signal may cut it short (callers poll in loops). */
void
kntest_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Copy template into out and let mkdtemp() make it unique; quiet. */
int
kntest_tmpdir(char *out, size_t outsz, const char *template)
{
	if ((size_t)snprintf(out, outsz, "%s", template) >= outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return mkdtemp(out) == NULL ? -1 : 0;
}

/* nftw callback of kntest_rm_rf(): remove one entry (children come first). */
static int
kntest__rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove a directory tree without following links; quiet (cleanup). */
int
kntest_rm_rf(const char *dir)
{
	if (dir == NULL || dir[0] == '\0')
		return 0;
	return nftw(dir, kntest__rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* writev() until every iovec is out, stepping over the parts already written. */
int
kntest_writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/*
 * Fork and exec kinerjad with the standard temp-dir layout plus extra,
 * then wait for its socket, noticing a daemon that dies on the way.
 */
int
kntest_daemon_start(pid_t *out, const char *bin, const char *dir, const char *sock,
    const char *const *extra)
{
	char store[512], key[512], ev[512], up[512];
	const char *argv[KNTEST_ARGV_MAX];
	size_t argc = 0;
	pid_t pid;

	*out = -1;
	if ((size_t)snprintf(store, sizeof(store), "%s/store", dir) >= sizeof(store) ||
	    (size_t)snprintf(key, sizeof(key), "keys.device_key=%s/device.key", dir) >= sizeof(key) ||
	    (size_t)snprintf(ev, sizeof(ev), "evidence.dir=%s/evidence.git", dir) >= sizeof(ev) ||
	    (size_t)snprintf(up, sizeof(up), "evidence.staging_dir=%s/uploads", dir) >= sizeof(up)) {
		fprintf(stderr, "%s: daemon directory too long: %s\n", KNTEST_PROG, dir);
		return -1;
	}
	argv[argc++] = "kinerjad";
	argv[argc++] = "--socket";
	argv[argc++] = sock;
	argv[argc++] = "--store";
	argv[argc++] = store;
	argv[argc++] = "--set";
	argv[argc++] = key;
	argv[argc++] = "--set";
	argv[argc++] = ev;
	argv[argc++] = "--set";
	argv[argc++] = up;
	for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (argc + 1 >= KNTEST_ARGV_MAX) {
			fprintf(stderr, "%s: too many daemon arguments\n", KNTEST_PROG);
			return -1;
		}
		argv[argc++] = extra[i];
	}
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		execv(bin, (char *const *)argv);
		fprintf(stderr, "%s: exec %s: %s\n", KNTEST_PROG, bin, strerror(errno));
		_exit(127);
	}
	*out = pid;
	for (int i = 0; i < KNTEST_DAEMON_WAIT_MS / KNTEST_POLL_MS && access(sock, F_OK) != 0; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			*out = -1;
			fprintf(stderr, "%s: %s exited before listening\n", KNTEST_PROG, bin);
			return -1;
		}
		kntest_sleep_ms(KNTEST_POLL_MS);
	}
	if (access(sock, F_OK) != 0) {
		fprintf(stderr, "%s: %s did not create %s within %d s\n", KNTEST_PROG, bin, sock,
		    KNTEST_DAEMON_WAIT_MS / 1000);
		return -1;
	}
	return 0;
}

/* Signal a child, then poll for its exit; SIGKILL it when it overstays. */
int
kntest_child_stop(pid_t pid, int sig, int timeout_ms)
{
	int status;

	kill(pid, sig);
	for (int i = 0; i < timeout_ms / KNTEST_POLL_MS; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		kntest_sleep_ms(KNTEST_POLL_MS);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* SIGTERM must make kinerjad drain and exit 0; say so when it does not. */
int
kntest_daemon_stop(pid_t pid, int timeout_ms)
{
	int status = kntest_child_stop(pid, SIGTERM, timeout_ms);

	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: kinerjad did not exit 0 on SIGTERM (wait status %d)\n", KNTEST_PROG, status);
		return -1;
	}
	return 0;
}

/* A sockaddr_un for path, refusing paths that sun_path cannot hold. */
int
kntest_unix_addr(struct sockaddr_un *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	out->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(out->sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", KNTEST_PROG, path);
		return -1;
	}
	memcpy(out->sun_path, path, strlen(path) + 1);
	return 0;
}

/*
 * Connect a stream socket to path; the optional timeouts make a stuck
 * server fail the caller instead of hanging it.
 */
int
kntest_connect(int *out, const char *path, int timeout_s)
{
	struct timeval tv = { timeout_s, 0 };
	struct sockaddr_un sa;
	int fd;

	*out = -1;
	if (kntest_unix_addr(&sa, path) != 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "%s: connect %s: %s\n", KNTEST_PROG, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (timeout_s > 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	*out = fd;
	return 0;
}

/* Pack the request header [0, msgid, method, [ (nparams items follow) into out. */
int
kntest_rpc_pack(kn_buf *out, uint32_t msgid, const char *method, uint32_t nparams)
{
	size_t mlen = strlen(method);
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	if (msgpack_pack_array(&pk, 4) != 0 || msgpack_pack_uint8(&pk, 0) != 0 ||
	    msgpack_pack_uint32(&pk, msgid) != 0 || msgpack_pack_str(&pk, mlen) != 0 ||
	    msgpack_pack_str_body(&pk, method, mlen) != 0 || msgpack_pack_array(&pk, nparams) != 0)
		return -1;
	return 0;
}

/*
 * Scan in for one whole object and read more until there is one; the scan
 * restarts from in's start each time (kn_mpscan is cheap on bytes seen).
 */
int
kntest_rpc_read(size_t *out, int fd, kn_buf *in, size_t max, int timeout_ms, const char *what)
{
	kn_mpscan scan;
	int rc;

	*out = 0;
	for (;;) {
		kn_mpscan_init(&scan, max);
		rc = kn_mpscan_feed(&scan, in->ptr, in->len, out);
		if (rc < 0) {
			fprintf(stderr, "%s: %s: bad reply: %s\n", KNTEST_PROG, what, kn_error_message());
			return -1;
		}
		if (rc == 1)
			return 1;
		if (timeout_ms >= 0) {
			struct pollfd p = { fd, POLLIN, 0 };
			rc = poll(&p, 1, timeout_ms);
			if (rc < 0 && errno == EINTR)
				continue;
			if (rc != 1) {
				fprintf(stderr, "%s: %s: %s\n", KNTEST_PROG, what, rc ? strerror(errno) : "no reply in time");
				return -1;
			}
		}
		if (kn_buf_grow(in, KNTEST_READ_STEP) != 0) {
			fprintf(stderr, "%s: %s: %s\n", KNTEST_PROG, what, kn_error_message());
			return -1;
		}
		ssize_t r = read(fd, in->ptr + in->len, KNTEST_READ_STEP);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return 0;
		if (r < 0) {
			fprintf(stderr, "%s: %s: read: %s\n", KNTEST_PROG, what, strerror(errno));
			return -1;
		}
		in->len += (size_t)r;
	}
}

/* Check the response envelope, then the error slot, then the result's type. */
int
kntest_rpc_result(const msgpack_object **out, const msgpack_object *reply, uint32_t msgid, const char *what)
{
	const msgpack_object *a;

	*out = NULL;
	if (reply->type != MSGPACK_OBJECT_ARRAY || reply->via.array.size != 4 ||
	    reply->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || reply->via.array.ptr[0].via.u64 != 1 ||
	    reply->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || reply->via.array.ptr[1].via.u64 != msgid) {
		fprintf(stderr, "%s: %s: reply is not [1, %u, error, result]\n", KNTEST_PROG, what, msgid);
		return -1;
	}
	a = reply->via.array.ptr;
	if (a[2].type != MSGPACK_OBJECT_NIL) {
		char code[32] = "?", msg[512] = "?";
		kn_map_str(code, sizeof(code), &a[2], "code");
		kn_map_str(msg, sizeof(msg), &a[2], "message");
		fprintf(stderr, "%s: %s: error %s: %s\n", KNTEST_PROG, what, code, msg);
		return -1;
	}
	if (a[3].type != MSGPACK_OBJECT_MAP) {
		fprintf(stderr, "%s: %s: result is not a map\n", KNTEST_PROG, what);
		return -1;
	}
	*out = &a[3];
	return 0;
}

/* Zero the conn, then connect it; the decoder is ready even on failure. */
int
kntest_conn_open(kntest_conn *out, const char *path, int timeout_s)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->next_id = 1;
	msgpack_unpacked_init(&out->up);
	return kntest_connect(&out->fd, path, timeout_s);
}

/* Release everything kntest_conn_open() set up; idempotent. */
void
kntest_conn_close(kntest_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	kn_buf_free(&c->req);
	kn_buf_free(&c->in);
	msgpack_unpacked_destroy(&c->up);
	msgpack_unpacked_init(&c->up);
	c->reply_len = 0;
}

/* Header, parameters and tail go out together, none of them copied twice. */
int
kntest_conn_send(kntest_conn *c, uint32_t msgid, const char *method, uint32_t nparams, const kn_buf *params,
    const void *tail, size_t tail_len)
{
	struct iovec iov[3];
	int n = 0;

	kn_buf_clear(&c->req);
	if (kntest_rpc_pack(&c->req, msgid, method, nparams) != 0) {
		fprintf(stderr, "%s: %s: cannot pack the request\n", KNTEST_PROG, method);
		return -1;
	}
	iov[n++] = (struct iovec){ c->req.ptr, c->req.len };
	if (params != NULL && params->len > 0)
		iov[n++] = (struct iovec){ params->ptr, params->len };
	if (tail != NULL && tail_len > 0)
		iov[n++] = (struct iovec){ (void *)(uintptr_t)tail, tail_len };
	if (kntest_writev_all(c->fd, iov, n) != 0) {
		fprintf(stderr, "%s: %s: send: %s\n", KNTEST_PROG, method, strerror(errno));
		return -1;
	}
	return 0;
}

/* Consume the last reply, then read and decode the next one in its place. */
int
kntest_conn_recv(const msgpack_object **out, kntest_conn *c, size_t max, const char *what)
{
	size_t len = 0, off = 0;
	int rc;

	*out = NULL;
	if (c->reply_len > 0)
		kn_buf_consume(&c->in, c->reply_len);
	c->reply_len = 0;
	rc = kntest_rpc_read(&len, c->fd, &c->in, max, -1, what);
	if (rc == 0)
		fprintf(stderr, "%s: %s: read: connection closed\n", KNTEST_PROG, what);
	if (rc != 1)
		return -1;
	msgpack_unpacked_destroy(&c->up);
	msgpack_unpacked_init(&c->up);
	if (msgpack_unpack_next(&c->up, (const char *)c->in.ptr, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		fprintf(stderr, "%s: %s: reply does not decode\n", KNTEST_PROG, what);
		return -1;
	}
	c->reply_len = len;
	*out = &c->up.data;
	return 0;
}

int
kntest_sh(const char *who, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s: failed: %s\n", who, cmd);
		return -1;
	}
	return 0;
}

json_t *
kntest_cli_json(const char *who, const char *cli, const char *session, const char *sock, const char *args)
{
	char cmd[4096];
	json_error_t err;
	json_t *j;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "KINERJA_SESSION=%s %s --socket %s --json %s", session, cli, sock, args);
	fflush(stdout);
	if ((p = popen(cmd, "r")) == NULL)
		return NULL;
	j = json_loadf(p, JSON_DISABLE_EOF_CHECK, &err);
	if (pclose(p) != 0 || j == NULL) {
		fprintf(stderr, "%s: %s: %s\n", who, cmd, j ? "failed" : err.text);
		json_decref(j);
		return NULL;
	}
	return j;
}
