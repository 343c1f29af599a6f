/*
 * test_faultproxy.c - tests of tests/tools/faultproxy, the fault-injecting
 * TCP proxy the sync tests will run between a school and a hub.
 *
 * Each test starts a small poll() server in a thread of this process (echo,
 * sink, source, or one that never reads), runs the real faultproxy binary
 * in front of it, and checks through it what one fault does: bytes intact
 * and in order, a delay, a rate limit, cuts at exact byte offsets (FIN and
 * RST), a stall that resumes, a peer's reset passed on after the bytes
 * before it, a refused connect, the same cuts from the same seed, 256
 * connections at once, --max-conns, and bounded buffering. The proxy must
 * exit 0 on SIGTERM (under AddressSanitizer: with no leak).
 *
 * Timings are lower bounds only: the machines are noisy.
 *
 * To test these tests, FPTEST_BREAK=NAME drops every proxy option whose
 * text contains NAME (and its value), e.g. FPTEST_BREAK=delay-ms: the
 * matching check must then fail (tests/tools/README.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/kntest.h"

#define T_WAIT_MS 10000        /* how long anything may take before the test gives up */
#define SRV_MAXCONN 600
#define SRV_BUF (64 * 1024)
#define T_EOF 1
#define T_RESET 2

/* ---- a small poll() server in a thread ---- */

enum srv_mode { SRV_ECHO, SRV_SINK, SRV_SOURCE, SRV_NOREAD };

/* How one accepted connection ended, by accept order. */
typedef struct {
	uint64_t count;        /* bytes read (echo, sink) or sent (source) */
	uint64_t hash;         /* FNV-1a of the bytes read */
	int end;               /* 0 while open, T_EOF, T_RESET (or another error) */
} srv_result;

typedef struct {
	int fd, idx;
	uint64_t count, hash;
	unsigned char *out;    /* echo: bytes read, to write back */
	size_t outlen, outoff;
	size_t sent;           /* source: bytes of src sent */
	int eof_in, shut, acked;
} srv_conn;

typedef struct {
	enum srv_mode mode;
	int lfd, wake[2];
	uint16_t port;
	const unsigned char *src; /* source: sent to every connection, then FIN */
	size_t src_len;
	const unsigned char *tail; /* source: if set, no FIN; on the client's first byte, this, then RST */
	size_t tail_len;
	size_t ack_at;            /* sink: one byte back once this many arrived (0: never) */
	pthread_t th;
	pthread_mutex_t mu;
	srv_result res[SRV_MAXCONN];
	int naccepted;
	srv_conn *conns[SRV_MAXCONN];
	int nconns;
} srv;

/* FNV-1a 64 over p, continuing from h (FNV_INIT to start): both ends checksum what they saw. */
static uint64_t
fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

/* Record how connection i ended and forget it. */
static void
srv_finish(srv *s, int i, int end)
{
	srv_conn *c = s->conns[i];

	pthread_mutex_lock(&s->mu);
	s->res[c->idx].count = s->mode == SRV_SOURCE ? c->sent : c->count;
	s->res[c->idx].hash = c->hash;
	s->res[c->idx].end = end;
	pthread_mutex_unlock(&s->mu);
	close(c->fd);
	free(c->out);
	free(c);
	s->conns[i] = s->conns[--s->nconns];
}

/* The end code of a socket error: T_RESET for a reset, T_RESET + errno for any other. */
static int
srv_errend(int err)
{
	return err == ECONNRESET ? T_RESET : T_RESET + err;
}

/* Serve connection i once poll said revents; it may finish (and be swapped out). */
static void
srv_serve(srv *s, int i, short revents)
{
	srv_conn *c = s->conns[i];
	ssize_t r;

	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		if (s->mode == SRV_ECHO && c->outoff == c->outlen) {
			r = recv(c->fd, c->out, SRV_BUF, 0);
			if (r < 0 && errno != EAGAIN) {
				srv_finish(s, i, srv_errend(errno));
				return;
			}
			if (r == 0)
				c->eof_in = 1;
			if (r > 0) {
				c->count += (uint64_t)r;
				c->hash = fnv1a(c->hash, c->out, (size_t)r);
				c->outlen = (size_t)r;
				c->outoff = 0;
			}
		} else if (s->mode == SRV_SINK || s->mode == SRV_SOURCE) {
			unsigned char buf[SRV_BUF];

			r = recv(c->fd, buf, sizeof(buf), 0);
			if (r < 0 && errno != EAGAIN) {
				srv_finish(s, i, srv_errend(errno));
				return;
			}
			if (r == 0) {
				srv_finish(s, i, T_EOF); /* a source stops sending when the client has gone */
				return;
			}
			if (r > 0 && s->mode == SRV_SOURCE && s->tail) {
				struct linger lg = { 1, 0 };

				send(c->fd, s->tail, s->tail_len, MSG_NOSIGNAL);
				setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
				srv_finish(s, i, T_RESET);
				return;
			}
			if (r > 0 && s->mode == SRV_SINK) {
				c->count += (uint64_t)r;
				c->hash = fnv1a(c->hash, buf, (size_t)r);
				if (s->ack_at && !c->acked && c->count >= s->ack_at) {
					c->acked = 1;
					send(c->fd, "A", 1, MSG_NOSIGNAL);
				}
			}
		}
	}
	if (s->mode == SRV_ECHO && c->outoff < c->outlen) {
		r = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (r < 0 && errno != EAGAIN) {
			srv_finish(s, i, srv_errend(errno));
			return;
		}
		if (r > 0)
			c->outoff += (size_t)r;
	}
	if (s->mode == SRV_ECHO && c->eof_in && c->outoff == c->outlen) {
		srv_finish(s, i, T_EOF);
		return;
	}
	if (s->mode == SRV_SOURCE && c->sent < s->src_len) {
		r = send(c->fd, s->src + c->sent, s->src_len - c->sent, MSG_NOSIGNAL);
		if (r < 0 && errno != EAGAIN) {
			srv_finish(s, i, srv_errend(errno));
			return;
		}
		if (r > 0)
			c->sent += (size_t)r;
	}
	if (s->mode == SRV_SOURCE && c->sent == s->src_len && !c->shut && !s->tail) {
		c->shut = 1;
		shutdown(c->fd, SHUT_WR);
	}
}

/* The server thread: accept and serve until srv_stop() writes to the wake pipe. */
static void *
srv_main(void *arg)
{
	srv *s = arg;
	struct pollfd pf[SRV_MAXCONN + 2];

	for (;;) {
		int n = 0;

		pf[n++] = (struct pollfd){ s->wake[0], POLLIN, 0 };
		pf[n++] = (struct pollfd){ s->lfd, s->nconns < SRV_MAXCONN ? POLLIN : 0, 0 };
		for (int i = 0; i < s->nconns; i++) {
			srv_conn *c = s->conns[i];
			short ev = 0;

			if (s->mode == SRV_ECHO)
				ev = c->outoff < c->outlen ? POLLOUT : (c->eof_in ? 0 : POLLIN);
			else if (s->mode == SRV_SINK)
				ev = POLLIN;
			else if (s->mode == SRV_SOURCE)
				ev = POLLIN | (c->sent < s->src_len ? POLLOUT : 0);
			pf[n++] = (struct pollfd){ c->fd, ev, 0 };
		}
		if (poll(pf, (nfds_t)n, 1000) < 0 && errno != EINTR)
			break;
		if (pf[0].revents)
			break;
		/* serve before accepting, while pf[2 + i] still matches conns[i]; from the end, as finishing swaps in the last */
		for (int i = s->nconns - 1; i >= 0; i--)
			if (pf[2 + i].revents)
				srv_serve(s, i, pf[2 + i].revents);
		if (pf[1].revents & POLLIN) {
			for (;;) {
				int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0)
					break;
				srv_conn *c = calloc(1, sizeof(*c));
				if (c == NULL || s->nconns >= SRV_MAXCONN || s->naccepted >= SRV_MAXCONN) {
					free(c);
					close(fd);
					continue;
				}
				c->fd = fd;
				c->hash = FNV_INIT;
				if (s->mode == SRV_ECHO)
					c->out = malloc(SRV_BUF);
				pthread_mutex_lock(&s->mu);
				c->idx = s->naccepted++;
				pthread_mutex_unlock(&s->mu);
				s->conns[s->nconns++] = c;
			}
		}
	}
	while (s->nconns)
		srv_finish(s, s->nconns - 1, T_RESET);
	return NULL;
}

/* Start a server of mode on 127.0.0.1, a free port. rcvbuf > 0 fixes its sockets' receive buffer. */
static srv *
srv_start(enum srv_mode mode, int rcvbuf)
{
	srv *s = calloc(1, sizeof(*s));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	assert_non_null(s);
	s->mode = mode;
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(s->lfd >= 0);
	if (rcvbuf > 0)
		setsockopt(s->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->lfd, 1024), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pipe2(s->wake, O_CLOEXEC), 0);
	pthread_mutex_init(&s->mu, NULL);
	assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
	return s;
}

/* Wake the server thread, join it, close everything; NULL is a no-op. */
static void
srv_stop(srv *s)
{
	if (s == NULL)
		return;
	(void)!write(s->wake[1], "x", 1);
	pthread_join(s->th, NULL);
	close(s->lfd);
	close(s->wake[0]);
	close(s->wake[1]);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* Wait until connection idx (accept order) has ended; its result, or end 0 when it has not in time. */
static srv_result
srv_wait(srv *s, int idx)
{
	srv_result r = { 0 };

	for (int t = 0; t < T_WAIT_MS / 5; t++) {
		pthread_mutex_lock(&s->mu);
		r = s->res[idx];
		pthread_mutex_unlock(&s->mu);
		if (r.end)
			break;
		kntest_sleep_ms(5);
	}
	return r;
}

/* ---- the proxy ---- */

typedef struct {
	pid_t pid;
	uint16_t port;
	char log[600];
} fproxy;

/* What every test holds, so teardown can stop it after a failed assertion. */
typedef struct {
	char dir[256];
	srv *s;
	fproxy fp[3];
	int nfp;
} fixture;

/* Does the FPTEST_BREAK knob drop this option? */
static int
broken(const char *arg)
{
	const char *b = getenv("FPTEST_BREAK");

	return b && *b && strncmp(arg, "--", 2) == 0 && strstr(arg, b) != NULL;
}

/*
 * Start faultproxy in front of server port `to`, with the NULL-terminated
 * options in opts, its stderr in a log file of f->dir. Returns the proxy
 * (its port read from the first line of its stdout).
 */
static fproxy *
fp_start(fixture *f, uint16_t to, const char *const *opts)
{
	fproxy *p = &f->fp[f->nfp];
	const char *b = getenv("KINERJA_BUILD");
	char bin[512], conn[64], line[32] = "";
	const char *argv[40];
	int n = 0, out[2];
	size_t got = 0;

	assert_true(f->nfp < 3);
	snprintf(bin, sizeof(bin), "%s/tests/tools/faultproxy", b ? b : "build");
	snprintf(conn, sizeof(conn), "127.0.0.1:%u", to);
	char logpath[sizeof(p->log)];
	snprintf(logpath, sizeof(logpath), "%s/proxy-%d.log", f->dir, f->nfp);
	memcpy(p->log, logpath, sizeof(logpath));
	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--connect";
	argv[n++] = conn;
	for (int i = 0; opts && opts[i]; i++) {
		if (broken(opts[i])) {
			if (opts[i + 1] && strncmp(opts[i + 1], "--", 2) != 0)
				i++;
			continue;
		}
		assert_true(n < 38);
		argv[n++] = opts[i];
	}
	argv[n] = NULL;
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	int lf = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(lf >= 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		dup2(out[1], 1);
		dup2(lf, 2);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	f->nfp++;
	close(out[1]);
	close(lf);
	/* the first line of stdout is the port */
	while (got < sizeof(line) - 1 && !strchr(line, '\n')) {
		struct pollfd pf = { out[0], POLLIN, 0 };
		if (poll(&pf, 1, T_WAIT_MS) <= 0)
			break;
		ssize_t r = read(out[0], line + got, sizeof(line) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		line[got] = '\0';
	}
	close(out[0]);
	p->port = (uint16_t)atoi(line);
	if (p->port == 0)
		fprintf(stderr, "test_faultproxy: %s printed no port (see %s)\n", bin, p->log);
	assert_true(p->port > 0);
	return p;
}

/* SIGTERM: the proxy must exit 0 (under ASan that also means no leak). */
static void
fp_stop(fproxy *p)
{
	int status = kntest_child_stop(p->pid, SIGTERM, T_WAIT_MS);

	p->pid = 0;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "test_faultproxy: faultproxy did not exit 0 (wait status %d); its log %s:\n", status, p->log);
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "tail -30 '%s' >&2", p->log);
		(void)!system(cmd);
		fail();
	}
}

/* The proxy's log so far, NUL-terminated; the caller frees it. */
static char *
fp_log(const fproxy *p)
{
	FILE *fl = fopen(p->log, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(fl);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, fl);
	buf[n] = '\0';
	fclose(fl);
	return buf;
}

/* Does the log hold a line with all of the given fragments (NULL-terminated)? */
static int
log_has(const char *log, ...)
{
	const char *line = log;

	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char buf[512];
		va_list ap;
		const char *frag;
		int all = 1;

		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		va_start(ap, log);
		while ((frag = va_arg(ap, const char *)) != NULL)
			if (strstr(buf, frag) == NULL)
				all = 0;
		va_end(ap);
		if (all)
			return 1;
		line += len + (eol ? 1 : 0);
	}
	return 0;
}

/* The number after "key=" on the line of "conn=N event=open": the planned cuts. -1 when absent. */
static long long
log_open_value(const char *log, int conn, const char *key)
{
	char head[64];
	const char *l;

	snprintf(head, sizeof(head), "conn=%d event=open", conn);
	l = strstr(log, head);
	if (l == NULL)
		return -1;
	const char *eol = strchr(l, '\n');
	const char *k = strstr(l, key);
	if (k == NULL || (eol && k > eol))
		return -1;
	return atoll(k + strlen(key));
}

/* Each test: a fresh temporary directory for the proxies' logs. */
static int
setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(kntest_tmpdir(f->dir, sizeof(f->dir), "/tmp/kinerja-faultproxy.XXXXXX"), 0);
	*state = f;
	return 0;
}

/* Kill the proxies a failed test left running, stop the server, remove the directory (KEEP=1 keeps it). */
static int
teardown(void **state)
{
	fixture *f = *state;

	for (int i = 0; i < f->nfp; i++)
		if (f->fp[i].pid > 0)
			kntest_child_stop(f->fp[i].pid, SIGKILL, T_WAIT_MS);
	srv_stop(f->s);
	if (getenv("KEEP") == NULL)
		kntest_rm_rf(f->dir);
	else
		fprintf(stderr, "test_faultproxy: logs kept in %s\n", f->dir);
	free(f);
	return 0;
}

/* ---- the client side ---- */

/* A blocking connection to the proxy on port, with TCP_NODELAY and 10 s send and receive timeouts. */
static int
cli_connect(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { T_WAIT_MS / 1000, 0 };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/*
 * Read fd until the peer ends the stream, keeping up to cap bytes in buf
 * (NULL: count only) and the total in *count. Returns T_EOF, T_RESET
 * (ECONNRESET; another error is T_RESET + errno), or 0 after T_WAIT_MS.
 */
static int
read_to_end(int fd, unsigned char *buf, size_t cap, size_t *count)
{
	unsigned char tmp[SRV_BUF];
	double deadline = kntest_now_s() + T_WAIT_MS / 1000.0;

	*count = 0;
	while (kntest_now_s() < deadline) {
		struct pollfd pf = { fd, POLLIN, 0 };
		if (poll(&pf, 1, 100) <= 0)
			continue;
		ssize_t r = recv(fd, tmp, sizeof(tmp), 0);
		if (r == 0)
			return T_EOF;
		if (r < 0)
			return errno == EINTR || errno == EAGAIN ? 0 : srv_errend(errno);
		if (buf && *count < cap)
			memcpy(buf + *count, tmp, (size_t)r < cap - *count ? (size_t)r : cap - *count);
		*count += (size_t)r;
	}
	return 0;
}

/* Exactly n bytes into buf, or fail the test. */
static void
read_exact(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, buf + got, n - got, 0);
		if (r <= 0)
			fprintf(stderr, "test_faultproxy: read %zu of %zu bytes, then %s\n", got, n,
			    r == 0 ? "EOF" : strerror(errno));
		assert_true(r > 0);
		got += (size_t)r;
	}
}

/* Pseudo-random bytes from seed (xorshift64), so the two ends can compare. */
static unsigned char *
pattern(size_t n, uint64_t seed)
{
	unsigned char *p = malloc(n);
	uint64_t x = seed | 1;

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 24);
	}
	return p;
}

/* ---- the tests ---- */

/*
 * 5 MB up and back through an echo server, with a 16 KiB buffer so that
 * backpressure stops reading again and again: every byte comes back, in
 * order. The client then half-closes: the echo server sees EOF, and its
 * EOF comes back only after the last byte.
 */
static void
test_faultproxy__intact_5mb_both_ways(void **state)
{
	fixture *f = *state;
	static const char *const opts[] = { "--buffer-kb", "16", NULL };
	const size_t n = 5 * 1024 * 1024;
	unsigned char *data = pattern(n, 1), *back = malloc(n);
	size_t sent = 0, got = 0;
	int eof = 0;

	f->s = srv_start(SRV_ECHO, 0);
	fproxy *p = fp_start(f, f->s->port, opts);
	int fd = cli_connect(p->port);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	double deadline = kntest_now_s() + T_WAIT_MS / 1000.0 * 3;
	while (!eof && kntest_now_s() < deadline) {
		struct pollfd pf = { fd, POLLIN | (sent < n ? POLLOUT : 0), 0 };
		poll(&pf, 1, 100);
		if (pf.revents & POLLOUT) {
			ssize_t w = send(fd, data + sent, n - sent, MSG_NOSIGNAL);
			if (w > 0 && (sent += (size_t)w) == n)
				shutdown(fd, SHUT_WR);
		}
		if (pf.revents & (POLLIN | POLLHUP)) {
			ssize_t r = recv(fd, back + got, n - got + 1, 0);
			if (r == 0)
				eof = 1;
			else if (r > 0)
				got += (size_t)r;
		}
	}
	close(fd);
	assert_int_equal(sent, n);
	assert_true(eof);
	assert_int_equal(got, n);
	assert_memory_equal(back, data, n);
	srv_result r = srv_wait(f->s, 0);
	assert_int_equal(r.end, T_EOF);
	assert_int_equal(r.count, n);
	assert_true(r.hash == fnv1a(FNV_INIT, data, n));
	fp_stop(p);
	char *log = fp_log(p);
	assert_true(log_has(log, "conn=1 event=eof dir=up byte=5242880", NULL));
	assert_true(log_has(log, "conn=1 event=eof dir=down byte=5242880", NULL));
	assert_true(log_has(log, "conn=1 event=close how=eof up=5242880 down=5242880", NULL));
	free(log);
	free(data);
	free(back);
}

/* --delay-ms 200 holds each direction 200 ms: a one-byte round trip takes at least 400 ms, every time. */
static void
test_faultproxy__delay_200ms(void **state)
{
	fixture *f = *state;
	static const char *const opts[] = { "--delay-ms", "200", NULL };

	f->s = srv_start(SRV_ECHO, 0);
	fproxy *p = fp_start(f, f->s->port, opts);
	int fd = cli_connect(p->port);
	for (int i = 0; i < 2; i++) {
		unsigned char c = (unsigned char)('a' + i), back = 0;
		double t0 = kntest_now_s();

		assert_int_equal(send(fd, &c, 1, MSG_NOSIGNAL), 1);
		read_exact(fd, &back, 1);
		double rtt = kntest_now_s() - t0;
		assert_int_equal(back, c);
		if (rtt < 0.4)
			fprintf(stderr, "test_faultproxy: round trip %d took %.3f s, under 0.400 s\n", i, rtt);
		assert_true(rtt >= 0.4);
	}
	close(fd);
	fp_stop(p);
}

/*
 * --rate-kbit 256 is 32000 bytes a second: 64 KiB take about 2 s (the
 * bucket's 20 ms burst aside), so at least 1.5 s, up to the sink's reply.
 */
static void
test_faultproxy__rate_256kbit(void **state)
{
	fixture *f = *state;
	static const char *const opts[] = { "--rate-kbit", "256", NULL };
	const size_t n = 64 * 1024;
	unsigned char *data = pattern(n, 2), ack = 0;

	f->s = srv_start(SRV_SINK, 0);
	f->s->ack_at = n;
	fproxy *p = fp_start(f, f->s->port, opts);
	int fd = cli_connect(p->port);
	double t0 = kntest_now_s();
	assert_int_equal(send(fd, data, n, MSG_NOSIGNAL), (ssize_t)n);
	read_exact(fd, &ack, 1);
	double took = kntest_now_s() - t0;
	assert_int_equal(ack, 'A');
	if (took < 1.5)
		fprintf(stderr, "test_faultproxy: 64 KiB at 256 kbit/s took %.3f s, under 1.5 s\n", took);
	assert_true(took >= 1.5);
	close(fd);
	srv_result r = srv_wait(f->s, 0);
	assert_int_equal(r.count, n);
	assert_true(r.hash == fnv1a(FNV_INIT, data, n));
	fp_stop(p);
	free(data);
}

/*
 * --up-cut-after-bytes 100000: the server gets exactly the first 100000
 * bytes, then EOF; the client, still sending, gets EOF (or a reset). The
 * second connection is not cut (fixed cuts hit the first one only).
 */
static void
test_faultproxy__cut_after_bytes_up(void **state)
{
	fixture *f = *state;
	static const char *const opts[] = { "--up-cut-after-bytes", "100000", NULL };
	const size_t n = 1024 * 1024, n2 = 300000;
	unsigned char *data = pattern(n, 3);
	size_t got;

	f->s = srv_start(SRV_SINK, 0);
	fproxy *p = fp_start(f, f->s->port, opts);
	int fd = cli_connect(p->port);
	(void)!send(fd, data, n, MSG_NOSIGNAL); /* may fail part way: the proxy cut */
	int end = read_to_end(fd, NULL, 0, &got);
	close(fd);
	assert_true(end == T_EOF || end == T_RESET);
	assert_int_equal(got, 0);
	srv_result r = srv_wait(f->s, 0);
	assert_true(r.end == T_EOF || r.end == T_RESET);
	assert_int_equal(r.count, 100000);
	assert_true(r.hash == fnv1a(FNV_INIT, data, 100000));

	fd = cli_connect(p->port);
	assert_int_equal(send(fd, data, n2, MSG_NOSIGNAL), (ssize_t)n2);
	shutdown(fd, SHUT_WR);
	assert_int_equal(read_to_end(fd, NULL, 0, &got), T_EOF);
	close(fd);
	r = srv_wait(f->s, 1);
	assert_int_equal(r.end, T_EOF);
	assert_int_equal(r.count, n2);
	assert_true(r.hash == fnv1a(FNV_INIT, data, n2));
	fp_stop(p);
	char *log = fp_log(p);
	assert_true(log_has(log, "conn=1 event=cut why=after-bytes dir=up byte=100000", "mode=fin", NULL));
	assert_false(log_has(log, "conn=2 event=cut", NULL));
	free(log);
	free(data);
}

/*
 * A cut downwards: of the 1 MB the server sends, the client reads exactly
 * the first `at` bytes, then the end; the server sees the end too. With
 * rst, the end is a reset on both sides, after those same bytes.
 */
static void
cut_down(fixture *f, int rst)
{
	static const char *const fin_opts[] = { "--down-cut-after-bytes", "77777", NULL };
	static const char *const rst_opts[] = { "--down-cut-after-bytes", "77777", "--cut-rst", NULL };
	const size_t n = 1024 * 1024, at = 77777;
	unsigned char *data = pattern(n, 4), *got = calloc(1, n);
	size_t count;

	f->s = srv_start(SRV_SOURCE, 0);
	f->s->src = data;
	f->s->src_len = n;
	fproxy *p = fp_start(f, f->s->port, rst ? rst_opts : fin_opts);
	int fd = cli_connect(p->port);
	int end = read_to_end(fd, got, n, &count);
	close(fd);
	assert_int_equal(count, at);
	assert_memory_equal(got, data, at);
	assert_int_equal(end, rst ? T_RESET : T_EOF);
	srv_result r = srv_wait(f->s, 0);
	if (rst)
		assert_int_equal(r.end, T_RESET);
	else
		assert_true(r.end == T_EOF || r.end == T_RESET);
	fp_stop(p);
	char *log = fp_log(p);
	assert_true(log_has(log, "conn=1 event=cut why=after-bytes dir=down byte=77777", rst ? "mode=rst" : "mode=fin", NULL));
	free(log);
	free(got);
	free(data);
}

/* --down-cut-after-bytes 77777, ending in FIN. */
static void
test_faultproxy__cut_after_bytes_down(void **state)
{
	cut_down(*state, 0);
}

/* The same with --cut-rst: the 77777 bytes, then a reset, on both sides. */
static void
test_faultproxy__cut_rst(void **state)
{
	cut_down(*state, 1);
}

/*
 * --down-stall-after-bytes 10000 --down-stall-ms 500: the client gets
 * exactly 10000 bytes, then nothing for about 500 ms, then the rest,
 * intact.
 */
static void
test_faultproxy__stall_then_resume(void **state)
{
	fixture *f = *state;
	static const char *const opts[] = { "--down-stall-after-bytes", "10000", "--down-stall-ms", "500", NULL };
	const size_t n = 30000;
	unsigned char *data = pattern(n, 5), *got = calloc(1, n + 1);
	size_t count = 0;

	f->s = srv_start(SRV_SOURCE, 0);
	f->s->src = data;
	f->s->src_len = n;
	fproxy *p = fp_start(f, f->s->port, opts);
	int fd = cli_connect(p->port);
	while (count < 10000) {
		ssize_t r = recv(fd, got + count, n + 1 - count, 0);
		assert_true(r > 0);
		count += (size_t)r;
	}
	double t1 = kntest_now_s();
	assert_int_equal(count, 10000); /* nothing past the stall's offset */
	ssize_t r = recv(fd, got + count, n + 1 - count, 0);
	double gap = kntest_now_s() - t1;
	assert_true(r > 0);
	count += (size_t)r;
	if (gap < 0.45)
		fprintf(stderr, "test_faultproxy: the stall lasted %.3f s, under 0.45 s\n", gap);
	assert_true(gap >= 0.45);
	size_t rest;
	assert_int_equal(read_to_end(fd, got + count, n + 1 - count, &rest), T_EOF);
	count += rest;
	close(fd);
	assert_int_equal(count, n);
	assert_memory_equal(got, data, n);
	fp_stop(p);
	char *log = fp_log(p);
	assert_true(log_has(log, "conn=1 event=stall dir=down byte=10000 ms=500", NULL));
	assert_true(log_has(log, "conn=1 event=resume dir=down byte=10000", NULL));
	free(log);
	free(got);
	free(data);
}

/*
 * The server sends 30000 bytes; when the client answers, 5000 more, then
 * it resets the connection. With --down-delay-ms 100 the proxy still holds
 * those 5000 when it reads the reset: the client gets them all, then the
 * reset.
 */
static void
test_faultproxy__peer_reset_passed_on(void **state)
{
	fixture *f = *state;
	static const char *const opts[] = { "--down-delay-ms", "100", NULL };
	const size_t n = 30000, tn = 5000;
	unsigned char *data = pattern(n, 8), *tail = pattern(tn, 9), *got = malloc(n), *tgot = calloc(1, tn + 1);
	size_t count;

	f->s = srv_start(SRV_SOURCE, 0);
	f->s->src = data;
	f->s->src_len = n;
	f->s->tail = tail;
	f->s->tail_len = tn;
	fproxy *p = fp_start(f, f->s->port, opts);
	int fd = cli_connect(p->port);
	read_exact(fd, got, n);
	assert_memory_equal(got, data, n);
	assert_int_equal(send(fd, "k", 1, MSG_NOSIGNAL), 1);
	int end = read_to_end(fd, tgot, tn + 1, &count);
	close(fd);
	assert_int_equal(count, tn);
	assert_memory_equal(tgot, tail, tn);
	assert_int_equal(end, T_RESET);
	fp_stop(p);
	char *log = fp_log(p);
	assert_true(log_has(log, "conn=1 event=peer-error side=server", NULL));
	assert_true(log_has(log, "conn=1 event=reset dir=down byte=35000", NULL));
	assert_true(log_has(log, "conn=1 event=close how=reset", NULL));
	free(log);
	free(tgot);
	free(got);
	free(tail);
	free(data);
}

/* Nothing listens at --connect: the client is reset, and the log says why. */
static void
test_faultproxy__connect_refused(void **state)
{
	fixture *f = *state;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t count;

	/* a port that was free a moment ago, bound but not listening: connecting to it is refused */
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &alen), 0);
	fproxy *p = fp_start(f, ntohs(a.sin_port), NULL);
	int fd = cli_connect(p->port);
	assert_int_equal(read_to_end(fd, NULL, 0, &count), T_RESET);
	close(fd);
	close(s);
	fp_stop(p);
	char *log = fp_log(p);
	assert_true(log_has(log, "conn=1 event=connect-failed error=Connection refused", NULL));
	assert_true(log_has(log, "conn=1 event=close how=connect-failed", NULL));
	free(log);
}

#define SEED_CONNS 5

/*
 * Five connections through a proxy with random byte cuts upwards (and
 * random moments too late to matter): each sends 100 KB, and the sink
 * counts what arrived, which is where the cut fell. out[] gets those
 * offsets, ms[] the planned moments.
 */
static void
seed_run(fixture *f, const char *seed, long long *out, long long *ms)
{
	const char *opts[] = { "--seed", seed, "--up-cut-random-bytes", "1000:50000", "--cut-random-ms", "60000:90000", NULL };
	const size_t n = 100000;
	unsigned char *data = pattern(n, 6);
	size_t got;

	srv_stop(f->s);
	f->s = srv_start(SRV_SINK, 0);
	fproxy *p = fp_start(f, f->s->port, opts);
	for (int i = 0; i < SEED_CONNS; i++) {
		int fd = cli_connect(p->port);
		(void)!send(fd, data, n, MSG_NOSIGNAL);
		int end = read_to_end(fd, NULL, 0, &got);
		assert_true(end == T_EOF || end == T_RESET);
		close(fd);
		srv_result r = srv_wait(f->s, i);
		assert_true(r.end != 0);
		assert_true(r.hash == fnv1a(FNV_INIT, data, r.count));
		out[i] = (long long)r.count;
	}
	fp_stop(p);
	char *log = fp_log(p);
	for (int i = 0; i < SEED_CONNS; i++) {
		char want[80];

		assert_true(out[i] >= 1000 && out[i] <= 50000);
		/* the offset planned at open is where the cut fell, and the cut line says so */
		assert_int_equal(log_open_value(log, i + 1, "up-cut-byte="), out[i]);
		snprintf(want, sizeof(want), "conn=%d event=cut why=random-bytes dir=up byte=%lld ", i + 1, out[i]);
		assert_true(log_has(log, want, NULL));
		ms[i] = log_open_value(log, i + 1, "cut-ms=");
		assert_true(ms[i] >= 60000 && ms[i] <= 90000);
	}
	free(log);
	free(data);
}

/* The same seed gives the same cut offsets and moments; another seed other ones. */
static void
test_faultproxy__same_seed_same_cuts(void **state)
{
	fixture *f = *state;
	long long a[SEED_CONNS], b[SEED_CONNS], c[SEED_CONNS], ma[SEED_CONNS], mb[SEED_CONNS], mc[SEED_CONNS];

	seed_run(f, "7", a, ma);
	seed_run(f, "7", b, mb);
	seed_run(f, "8", c, mc);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_equal(ma, mb, sizeof(ma));
	assert_memory_not_equal(a, c, sizeof(a));
	assert_memory_not_equal(ma, mc, sizeof(ma));
}

#define MANY 256

/* 256 connections open at once through one proxy, each echoing its own 1000 bytes. */
static void
test_faultproxy__256_connections(void **state)
{
	fixture *f = *state;
	int fds[MANY];
	unsigned char buf[1000], back[1000];

	f->s = srv_start(SRV_ECHO, 0);
	fproxy *p = fp_start(f, f->s->port, NULL);
	for (int i = 0; i < MANY; i++) {
		fds[i] = cli_connect(p->port);
		memset(buf, i, sizeof(buf));
		assert_int_equal(send(fds[i], buf, sizeof(buf), MSG_NOSIGNAL), (ssize_t)sizeof(buf));
	}
	for (int i = 0; i < MANY; i++) {
		read_exact(fds[i], back, sizeof(back));
		memset(buf, i, sizeof(buf));
		assert_memory_equal(back, buf, sizeof(buf));
	}
	for (int i = 0; i < MANY; i++)
		close(fds[i]);
	for (int i = 0; i < MANY; i++)
		assert_int_equal(srv_wait(f->s, i).end, T_EOF);
	fp_stop(p);
	char *log = fp_log(p);
	assert_true(log_has(log, "conn=256 event=connected", NULL));
	assert_false(log_has(log, "pause-accept", NULL));
	free(log);
}

/* --max-conns 2: a third client is not served until one of the two closes. */
static void
test_faultproxy__max_conns(void **state)
{
	fixture *f = *state;
	static const char *const opts[] = { "--max-conns", "2", NULL };
	unsigned char c = 'x', back = 0;

	f->s = srv_start(SRV_ECHO, 0);
	fproxy *p = fp_start(f, f->s->port, opts);
	/* all three at once, so that they wait in the backlog together: the kernel accepts them in order */
	int a = cli_connect(p->port), b = cli_connect(p->port), third = cli_connect(p->port);
	for (int i = 0; i < 2; i++) {
		int fd = i ? b : a;
		assert_int_equal(send(fd, &c, 1, MSG_NOSIGNAL), 1);
		read_exact(fd, &back, 1);
	}
	assert_int_equal(send(third, &c, 1, MSG_NOSIGNAL), 1);
	struct pollfd pf = { third, POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, 300), 0);
	close(a);
	read_exact(third, &back, 1);
	assert_int_equal(back, 'x');
	close(b);
	close(third);
	fp_stop(p);
	char *log = fp_log(p);
	assert_true(log_has(log, "event=pause-accept open=2", NULL));
	assert_true(log_has(log, "event=resume-accept", NULL));
	free(log);
}

/*
 * A server that never reads: the proxy stops reading at --buffer-kb, so
 * the client's writes block after the kernel's buffers and that, far
 * short of the 256 MB it tries to send. The proxy logs the full buffer.
 */
static void
test_faultproxy__bounded_buffer(void **state)
{
	fixture *f = *state;
	static const char *const opts[] = { "--buffer-kb", "64", NULL };
	const size_t chunk = 256 * 1024, limit = 256u * 1024 * 1024;
	unsigned char *data = pattern(chunk, 7);
	size_t sent = 0;
	int sndbuf = 64 * 1024;

	f->s = srv_start(SRV_NOREAD, 64 * 1024);
	fproxy *p = fp_start(f, f->s->port, opts);
	int fd = cli_connect(p->port);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (sent < limit) {
		struct pollfd pf = { fd, POLLOUT, 0 };
		if (poll(&pf, 1, 500) == 0)
			break; /* blocked for half a second: backpressure */
		ssize_t w = send(fd, data, chunk, MSG_NOSIGNAL);
		assert_true(w > 0 || errno == EAGAIN);
		if (w > 0)
			sent += (size_t)w;
	}
	close(fd);
	fprintf(stderr, "test_faultproxy: a client could send %zu bytes to a server that does not read\n", sent);
	assert_true(sent < 64u * 1024 * 1024);
	fp_stop(p);
	char *log = fp_log(p);
	assert_true(log_has(log, "conn=1 event=full dir=up buffered=65536", NULL));
	free(log);
	free(data);
}

int
main(void)
{
	struct rlimit rl;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_faultproxy__intact_5mb_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__delay_200ms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__rate_256kbit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__cut_after_bytes_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__cut_after_bytes_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__cut_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__stall_then_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__peer_reset_passed_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__connect_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__same_seed_same_cuts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__256_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__max_conns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faultproxy__bounded_buffer, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	/* 256 client sockets and 256 server sockets in this process */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2048) {
		rl.rlim_cur = rl.rlim_max < 2048 ? rl.rlim_max : 2048;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
