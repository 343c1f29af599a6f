/*
 * syncshim.c - an LD_PRELOAD object for kinerjad that checks durability
 * by the order of the daemon's system calls (switches and log words in
 * syncshim.h). It never aborts the daemon: a broken rule is a VIOLATION
 * line in the log, and the test driver decides.
 *
 * The rules:
 *  1. No bytes go out on a client connection (an fd that accept returned)
 *     while data.mdb is dirty: written (write, pwrite, writev, pwritev)
 *     and not yet followed by fsync, fdatasync or msync(MS_SYNC) of it. A
 *     write through an fd opened O_DSYNC/O_SYNC (LMDB's meta page) is
 *     durable when it returns and leaves the state as it was.
 *  2. A successful reply to a request whose msgid carries
 *     SYNCSHIM_WRITE_FLAG goes out only after a durability point (a sync
 *     of data.mdb, or an O_DSYNC write to it) that came after the whole
 *     request was read. Rule 1 alone would pass a daemon that answers
 *     before it even starts its commit. Requests and replies are found by
 *     following the MessagePack stream of each connection in both
 *     directions (only object headers are decoded; payloads are skipped).
 *  3. When a thread hands work back through a pipe or eventfd (kinerjad's
 *     worker thread finishing a job), every file that thread wrote under
 *     the evidence repository's objects/ and refs/ (and packed-refs) has
 *     been fsynced, and every directory it renamed or linked such a file
 *     into has been fsynced as well, so the new name survives a power cut.
 *
 * Not seen: writes through a writable shared mapping (LMDB's MDB_WRITEMAP;
 * the shim logs DATA-MAP lines so a driver can refuse to trust a run with
 * one) and stdio writes (fwrite), which glibc does without the PLT.
 *
 * Only the calls that touch a client connection, data.mdb, the evidence
 * repository or a pipe take the shim's lock; everything else (including
 * libevent's signal handler, which send()s on a socketpair) passes
 * straight through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "syncshim.h"

#define SHIM_MAXFD 4096      /* client fds the shim can follow */
#define SHIM_PENDING 256     /* flagged requests awaiting their reply, per connection */
#define SHIM_EV_DIRTY 1024   /* evidence files and directories not yet synced */
#define SHIM_LINE 1024

enum { SHIM_OTHER, SHIM_DATA, SHIM_EV, SHIM_PIPE, SHIM_CLIENT };

/* One direction of a connection: where the MessagePack stream stands. */
typedef struct {
	uint64_t left;    /* objects still to come in this frame; 0 between frames */
	uint64_t skip;    /* payload bytes still to skip */
	uint64_t ordinal; /* objects begun in this frame (0 = the frame's own header) */
	uint64_t type;    /* element 0 of a 4-array frame, UINT64_MAX if not an unsigned int */
	uint64_t msgid;   /* element 1, likewise */
	uint8_t hdr[9];
	unsigned hlen, hneed;
	int is_msg;       /* the frame is an array of four */
	int broken;       /* not MessagePack: stop following this stream */
} shim_mp;

/* A client connection: both streams and the flagged requests not yet answered. */
typedef struct {
	shim_mp in, out;
	struct {
		uint32_t msgid;
		uint64_t epoch;
	} pending[SHIM_PENDING];
	unsigned npending;
} shim_conn;

/* An evidence file written and not yet synced, or a directory a file was renamed into. */
typedef struct {
	int used;
	int dir;
	dev_t dev;
	ino_t ino;
	pid_t tid;
	char path[256];
} shim_evd;

static struct {
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	ssize_t (*pwrite64)(int, const void *, size_t, off64_t);
	ssize_t (*pwritev)(int, const struct iovec *, int, off_t);
	ssize_t (*pwritev64)(int, const struct iovec *, int, off64_t);
	ssize_t (*pwritev2)(int, const struct iovec *, int, off_t, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*close)(int);
	int (*fsync)(int);
	int (*fdatasync)(int);
	int (*msync)(void *, size_t, int);
	int (*sync_file_range)(int, off64_t, off64_t, unsigned int);
	int (*syncfs)(int);
	void (*sync)(void);
	int (*rename)(const char *, const char *);
	int (*renameat)(int, const char *, int, const char *);
	int (*renameat2)(int, const char *, int, const char *, unsigned int);
	int (*link)(const char *, const char *);
	int (*linkat)(int, const char *, int, const char *, int);
	int (*unlink)(const char *);
	int (*unlinkat)(int, const char *, int);
} real;

static pthread_once_t shim_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t shim_mu = PTHREAD_MUTEX_INITIALIZER;
static int shim_active;     /* KN_SYNCSHIM_LOG was set and could be opened */
static int shim_log_fd = -1;
static int shim_fault_ev;   /* KN_SYNCSHIM_FAULT=evidence */
static char shim_store[PATH_MAX], shim_ev[PATH_MAX];
static unsigned char shim_client[SHIM_MAXFD]; /* read without the lock: 1 = accepted connection */
static shim_conn *shim_conns[SHIM_MAXFD];
static shim_evd shim_evds[SHIM_EV_DIRTY];
static int shim_data_dirty;
static uint64_t shim_epoch;  /* durability points of data.mdb so far */
static int shim_map_checked;
static struct {
	uint64_t data_writes, dsync_writes, data_syncs, sends, reqs, acks, nacks, violations;
	uint64_t ev_writes, ev_syncs, ev_links, ev_dirsyncs, handoffs, errors;
} shim_n;

/* ---- setup and the log ---- */

/* Look up the next definition of name (libc's, or a sanitizer's in front of it). */
static void *
shim__next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* Canonical form of a directory path when it exists, else the path as given. */
static void
shim__canon(char *out, size_t outsz, const char *path)
{
	char buf[PATH_MAX];

	if (path == NULL || path[0] == '\0') {
		out[0] = '\0';
		return;
	}
	if (realpath(path, buf) != NULL)
		path = buf;
	snprintf(out, outsz, "%s", path);
	while (strlen(out) > 1 && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
}

/* Resolve every real function, read the environment, open the log. */
static void
shim__init(void)
{
	const char *log = getenv(SYNCSHIM_ENV_LOG);
	const char *fault = getenv(SYNCSHIM_ENV_FAULT);

	*(void **)&real.write = shim__next("write");
	*(void **)&real.writev = shim__next("writev");
	*(void **)&real.pwrite = shim__next("pwrite");
	*(void **)&real.pwrite64 = shim__next("pwrite64");
	*(void **)&real.pwritev = shim__next("pwritev");
	*(void **)&real.pwritev64 = shim__next("pwritev64");
	*(void **)&real.pwritev2 = shim__next("pwritev2");
	*(void **)&real.send = shim__next("send");
	*(void **)&real.sendto = shim__next("sendto");
	*(void **)&real.sendmsg = shim__next("sendmsg");
	*(void **)&real.sendfile = shim__next("sendfile");
	*(void **)&real.read = shim__next("read");
	*(void **)&real.readv = shim__next("readv");
	*(void **)&real.recv = shim__next("recv");
	*(void **)&real.recvfrom = shim__next("recvfrom");
	*(void **)&real.recvmsg = shim__next("recvmsg");
	*(void **)&real.accept = shim__next("accept");
	*(void **)&real.accept4 = shim__next("accept4");
	*(void **)&real.close = shim__next("close");
	*(void **)&real.fsync = shim__next("fsync");
	*(void **)&real.fdatasync = shim__next("fdatasync");
	*(void **)&real.msync = shim__next("msync");
	*(void **)&real.sync_file_range = shim__next("sync_file_range");
	*(void **)&real.syncfs = shim__next("syncfs");
	*(void **)&real.sync = shim__next("sync");
	*(void **)&real.rename = shim__next("rename");
	*(void **)&real.renameat = shim__next("renameat");
	*(void **)&real.renameat2 = shim__next("renameat2");
	*(void **)&real.link = shim__next("link");
	*(void **)&real.linkat = shim__next("linkat");
	*(void **)&real.unlink = shim__next("unlink");
	*(void **)&real.unlinkat = shim__next("unlinkat");
	if (log == NULL || log[0] == '\0')
		return;
	shim_log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (shim_log_fd < 0)
		return;
	shim__canon(shim_store, sizeof(shim_store), getenv(SYNCSHIM_ENV_STORE));
	shim__canon(shim_ev, sizeof(shim_ev), getenv(SYNCSHIM_ENV_EVIDENCE));
	shim_fault_ev = fault != NULL && strcmp(fault, "evidence") == 0;
	shim_active = 1;
}

/* Make sure shim__init() ran; every wrapper starts here. */
static void
shim__ready(void)
{
	pthread_once(&shim_once, shim__init);
}

/* Append one line to the log with a single write (callers hold the lock, or run at exit). */
static void __attribute__((format(printf, 1, 2)))
shim__log(const char *fmt, ...)
{
	char line[SHIM_LINE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (real.write(shim_log_fd, line, (size_t)n) < 0)
		shim_n.errors++;
}

/* A rule was broken: count it and say which, with what the shim knows. */
static void __attribute__((format(printf, 1, 2)))
shim__violation(const char *fmt, ...)
{
	char what[SHIM_LINE - 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	shim_n.violations++;
	shim__log("%s %s", SYNCSHIM_VIOLATION, what);
}

/* Runs at load, so that the real functions are known before any signal handler runs. */
static void __attribute__((constructor))
shim__load(void)
{
	shim__ready();
	if (!shim_active)
		return;
	pthread_mutex_lock(&shim_mu);
	shim__log("START pid=%ld store=%s evidence=%s fault=%s", (long)getpid(), shim_store[0] ? shim_store : "(any)",
	    shim_ev[0] ? shim_ev : "(none)", shim_fault_ev ? "evidence" : "none");
	pthread_mutex_unlock(&shim_mu);
}

/* Runs at a clean exit: the counters in one line (a killed daemon leaves none). */
static void __attribute__((destructor))
shim__unload(void)
{
	if (!shim_active)
		return;
	pthread_mutex_lock(&shim_mu);
	shim__log("SUMMARY data_writes=%llu dsync_writes=%llu data_syncs=%llu sends=%llu reqs=%llu acks=%llu nacks=%llu "
	    "ev_writes=%llu ev_syncs=%llu ev_links=%llu ev_dirsyncs=%llu handoffs=%llu violations=%llu errors=%llu",
	    (unsigned long long)shim_n.data_writes, (unsigned long long)shim_n.dsync_writes,
	    (unsigned long long)shim_n.data_syncs, (unsigned long long)shim_n.sends, (unsigned long long)shim_n.reqs,
	    (unsigned long long)shim_n.acks, (unsigned long long)shim_n.nacks, (unsigned long long)shim_n.ev_writes,
	    (unsigned long long)shim_n.ev_syncs, (unsigned long long)shim_n.ev_links,
	    (unsigned long long)shim_n.ev_dirsyncs, (unsigned long long)shim_n.handoffs,
	    (unsigned long long)shim_n.violations, (unsigned long long)shim_n.errors);
	pthread_mutex_unlock(&shim_mu);
}

/* ---- what an fd is ---- */

/* Is fd a connection accept() returned? Lock-free, so safe in a signal handler. */
static int
shim__is_client(int fd)
{
	return fd >= 0 && fd < SHIM_MAXFD && __atomic_load_n(&shim_client[fd], __ATOMIC_ACQUIRE);
}

/* Does path lie in dir (dir itself excluded)? */
static int
shim__under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return n > 0 && strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Is path the store's data.mdb (any data.mdb when no store was named)? */
static int
shim__is_data(const char *path)
{
	size_t n = strlen(path);

	if (n < 9 || strcmp(path + n - 9, "/data.mdb") != 0)
		return 0;
	return shim_store[0] == '\0' || (strncmp(path, shim_store, strlen(shim_store)) == 0 &&
	    strcmp(path + strlen(shim_store), "/data.mdb") == 0);
}

/* Is path one of the evidence repository's files that acknowledged uploads rely on? */
static int
shim__is_ev(const char *path)
{
	size_t n = strlen(shim_ev);

	if (!shim__under(path, shim_ev))
		return 0;
	return strncmp(path + n, "/objects/", 9) == 0 || strncmp(path + n, "/refs/", 6) == 0 ||
	    strncmp(path + n, "/packed-refs", 12) == 0;
}

/* "/proc/self/fd/<fd>" without stdio, so that classification stays async-signal-safe. */
static void
shim__fd_link(char *out, int fd)
{
	char digits[16];
	int n = 0;

	strcpy(out, "/proc/self/fd/");
	do {
		digits[n++] = (char)('0' + fd % 10);
		fd /= 10;
	} while (fd > 0 && n < 15);
	out += strlen(out);
	while (n > 0)
		*out++ = digits[--n];
	*out = '\0';
}

/* What fd is; path receives the file it names (or "" when unknown). */
static int
shim__classify(char *path, size_t pathsz, int fd)
{
	char link[32];
	ssize_t n;

	path[0] = '\0';
	if (shim__is_client(fd))
		return SHIM_CLIENT;
	if (fd < 0)
		return SHIM_OTHER;
	shim__fd_link(link, fd);
	n = readlink(link, path, pathsz - 1);
	if (n < 0) {
		path[0] = '\0';
		return SHIM_OTHER;
	}
	path[n] = '\0';
	if (strncmp(path, "pipe:", 5) == 0 || strcmp(path, "anon_inode:[eventfd]") == 0)
		return SHIM_PIPE;
	if (shim__is_data(path))
		return SHIM_DATA;
	if (shim_ev[0] && shim__is_ev(path))
		return SHIM_EV;
	return SHIM_OTHER;
}

/* ---- following the MessagePack streams ---- */

/* Header length of an object from its first byte; 0 for the byte MessagePack never uses. */
static unsigned
shim__hdr_len(uint8_t b)
{
	if (b <= 0xbf || b >= 0xe0)
		return 1;
	switch (b) {
	case 0xc0: case 0xc2: case 0xc3:
		return 1;
	case 0xc4: case 0xd9: case 0xcc: case 0xd0:
		return 2;
	case 0xc5: case 0xda: case 0xcd: case 0xd1: case 0xdc: case 0xde:
		return 3;
	case 0xc7:
		return 3;
	case 0xc8:
		return 4;
	case 0xc6: case 0xdb: case 0xce: case 0xd2: case 0xca: case 0xdd: case 0xdf:
		return 5;
	case 0xc9:
		return 6;
	case 0xcb: case 0xcf: case 0xd3:
		return 9;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
		return 2;
	default:
		return 0;
	}
}

/* Big-endian unsigned of n bytes at p. */
static uint64_t
shim__be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The flagged request msgid on c was read whole: remember the epoch it must be answered after. */
static void
shim__request_read(shim_conn *c, int fd, uint32_t msgid)
{
	shim_n.reqs++;
	if (c->npending == SHIM_PENDING) {
		shim_n.errors++;
		shim__log("%s fd=%d msgid=%u: more than %d flagged requests unanswered", SYNCSHIM_SHIM_ERROR, fd, msgid,
		    SHIM_PENDING);
		return;
	}
	c->pending[c->npending].msgid = msgid;
	c->pending[c->npending].epoch = shim_epoch;
	c->npending++;
	shim__log("%s fd=%d msgid=%u epoch=%llu", SYNCSHIM_REQ, fd, msgid, (unsigned long long)shim_epoch);
}

/* A reply to a flagged request is going out; first_err is its error slot's first byte. */
static void
shim__reply_sent(shim_conn *c, int fd, uint32_t msgid, uint8_t first_err)
{
	unsigned i;
	uint64_t at;

	for (i = 0; i < c->npending && c->pending[i].msgid != msgid; i++)
		;
	if (i == c->npending) {
		shim_n.errors++;
		shim__log("%s fd=%d msgid=%u: a reply to a flagged request the shim did not see", SYNCSHIM_SHIM_ERROR, fd,
		    msgid);
		return;
	}
	at = c->pending[i].epoch;
	c->pending[i] = c->pending[--c->npending];
	if (first_err != 0xc0) {
		shim_n.nacks++;
		shim__log("NACK fd=%d msgid=%u (an error reply: nothing acknowledged)", fd, msgid);
		return;
	}
	if (shim_data_dirty || shim_epoch <= at) {
		shim__violation("ack-before-commit fd=%d msgid=%u: request read at epoch %llu, reply sent at epoch %llu%s", fd,
		    msgid, (unsigned long long)at, (unsigned long long)shim_epoch,
		    shim_data_dirty ? " with data.mdb dirty" : " (no durable commit since the request)");
		return;
	}
	shim_n.acks++;
	shim__log("%s fd=%d msgid=%u req_epoch=%llu epoch=%llu", SYNCSHIM_ACK, fd, msgid, (unsigned long long)at,
	    (unsigned long long)shim_epoch);
}

/* One object header is complete in m->hdr: account for it and its children. */
static void
shim__mp_object(shim_conn *c, shim_mp *m, int out, int fd)
{
	const uint8_t *h = m->hdr;
	uint8_t b = h[0];
	uint64_t val = UINT64_MAX, children = 0, payload = 0;

	if (m->left == 0) {
		m->left = 1;
		m->ordinal = 0;
		m->is_msg = b == 0x94;
		m->type = m->msgid = UINT64_MAX;
	}
	m->left--;
	if (b <= 0x7f)
		val = b;
	else if (b <= 0x8f)
		children = 2 * (uint64_t)(b & 0x0f);
	else if (b <= 0x9f)
		children = b & 0x0f;
	else if (b <= 0xbf)
		payload = b & 0x1f;
	else if (b == 0xc4 || b == 0xd9)
		payload = h[1];
	else if (b == 0xc5 || b == 0xda)
		payload = shim__be(h + 1, 2);
	else if (b == 0xc6 || b == 0xdb)
		payload = shim__be(h + 1, 4);
	else if (b == 0xc7)
		payload = h[1];
	else if (b == 0xc8)
		payload = shim__be(h + 1, 2);
	else if (b == 0xc9)
		payload = shim__be(h + 1, 4);
	else if (b >= 0xcc && b <= 0xcf)
		val = shim__be(h + 1, shim__hdr_len(b) - 1);
	else if (b >= 0xd4 && b <= 0xd8)
		payload = (uint64_t)1 << (b - 0xd4);
	else if (b == 0xdc)
		children = shim__be(h + 1, 2);
	else if (b == 0xdd)
		children = shim__be(h + 1, 4);
	else if (b == 0xde)
		children = 2 * shim__be(h + 1, 2);
	else if (b == 0xdf)
		children = 2 * shim__be(h + 1, 4);
	m->left += children;
	m->skip = payload;
	if (m->is_msg) {
		if (m->ordinal == 1)
			m->type = val;
		else if (m->ordinal == 2)
			m->msgid = val;
		else if (m->ordinal == 3 && out && m->type == 1 && m->msgid <= UINT32_MAX &&
		    (m->msgid & SYNCSHIM_WRITE_FLAG))
			shim__reply_sent(c, fd, (uint32_t)m->msgid, b);
	}
	m->ordinal++;
}

/* A whole frame went by: a request is complete once its last byte is read. */
static void
shim__mp_end(shim_conn *c, shim_mp *m, int out, int fd)
{
	if (!out && m->is_msg && m->type == 0 && m->msgid <= UINT32_MAX && (m->msgid & SYNCSHIM_WRITE_FLAG))
		shim__request_read(c, fd, (uint32_t)m->msgid);
	m->is_msg = 0;
}

/* Follow n more bytes of one direction of a connection. */
static void
shim__mp_feed(shim_conn *c, shim_mp *m, int out, int fd, const uint8_t *p, size_t n)
{
	while (n > 0 && !m->broken) {
		if (m->skip > 0) {
			size_t k = m->skip < n ? (size_t)m->skip : n;
			m->skip -= k;
			p += k;
			n -= k;
			if (m->skip == 0 && m->left == 0)
				shim__mp_end(c, m, out, fd);
			continue;
		}
		if (m->hlen == 0) {
			m->hneed = shim__hdr_len(p[0]);
			if (m->hneed == 0) {
				m->broken = 1;
				shim_n.errors++;
				shim__log("%s fd=%d: the %s stream is not MessagePack; no longer followed", SYNCSHIM_SHIM_ERROR, fd,
				    out ? "reply" : "request");
				return;
			}
		}
		while (n > 0 && m->hlen < m->hneed) {
			m->hdr[m->hlen++] = *p++;
			n--;
		}
		if (m->hlen < m->hneed)
			return;
		m->hlen = 0;
		shim__mp_object(c, m, out, fd);
		if (m->skip == 0 && m->left == 0)
			shim__mp_end(c, m, out, fd);
	}
}

/* Follow the first n bytes of an iovec array on a client connection (lock held). */
static void
shim__follow(int fd, int out, const struct iovec *iov, int iovcnt, size_t n)
{
	shim_conn *c = shim_conns[fd];

	if (c == NULL)
		return;
	for (int i = 0; i < iovcnt && n > 0; i++) {
		size_t k = iov[i].iov_len < n ? iov[i].iov_len : n;
		shim__mp_feed(c, out ? &c->out : &c->in, out, fd, iov[i].iov_base, k);
		n -= k;
	}
}

/* ---- the data file ---- */

/* Log how data.mdb is mapped, once: a writable shared map would hide writes from the shim. */
static void
shim__check_map(void)
{
	char line[PATH_MAX + 128];
	FILE *f;

	if (shim_map_checked)
		return;
	shim_map_checked = 1;
	f = fopen("/proc/self/maps", "re");
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char perms[8] = "";
		char *path = strchr(line, '/');
		if (path == NULL)
			continue;
		path[strcspn(path, "\n")] = '\0';
		if (!shim__is_data(path) || sscanf(line, "%*s %7s", perms) != 1)
			continue;
		shim__log("%s perms=%s %s", SYNCSHIM_MAP, perms, path);
		if (perms[1] == 'w' && perms[3] == 's') {
			shim_n.errors++;
			shim__log("%s data.mdb is mapped writable and shared (MDB_WRITEMAP?): writes through the map are invisible here",
			    SYNCSHIM_SHIM_ERROR);
		}
	}
	fclose(f);
}

/* Does [addr, addr+len) touch a mapping of data.mdb? */
static int
shim__addr_is_data(const void *addr, size_t len)
{
	char line[PATH_MAX + 128];
	uintptr_t a = (uintptr_t)addr, lo, hi;
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "re");

	if (f == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *path = strchr(line, '/');
		if (path == NULL || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		path[strcspn(path, "\n")] = '\0';
		found = a < hi && a + len > lo && shim__is_data(path);
	}
	fclose(f);
	return found;
}

/* data.mdb was synced (fsync, fdatasync, msync MS_SYNC, syncfs, sync): a durability point. */
static void
shim__data_synced(int fd, const char *how)
{
	shim_data_dirty = 0;
	shim_epoch++;
	shim_n.data_syncs++;
	shim__log("%s fd=%d how=%s epoch=%llu", SYNCSHIM_DATA_SYNC, fd, how, (unsigned long long)shim_epoch);
}

/* ---- evidence files ---- */

/* The entry for a dirty file (dev, ino) or directory path; NULL when none. */
static shim_evd *
shim__evd_find(int dir, dev_t dev, ino_t ino, const char *path)
{
	for (int i = 0; i < SHIM_EV_DIRTY; i++) {
		shim_evd *e = &shim_evds[i];
		if (!e->used || e->dir != dir)
			continue;
		if (dir ? strcmp(e->path, path) == 0 : (e->dev == dev && e->ino == ino))
			return e;
	}
	return NULL;
}

/* Mark a file or directory dirty for the calling thread; 1 when it was clean before. */
static int
shim__evd_add(int dir, dev_t dev, ino_t ino, const char *path)
{
	shim_evd *e = shim__evd_find(dir, dev, ino, path);
	int fresh = e == NULL;

	for (int i = 0; e == NULL && i < SHIM_EV_DIRTY; i++)
		if (!shim_evds[i].used)
			e = &shim_evds[i];
	if (e == NULL) {
		shim_n.errors++;
		shim__log("%s more than %d evidence files unsynced at once; %s not followed", SYNCSHIM_SHIM_ERROR,
		    SHIM_EV_DIRTY, path);
		return 0;
	}
	e->used = 1;
	e->dir = dir;
	e->dev = dev;
	e->ino = ino;
	e->tid = gettid();
	snprintf(e->path, sizeof(e->path), "%s", path);
	return fresh;
}

/* A write to an evidence file is about to happen (lock held); logged when the file was clean. */
static void
shim__ev_write(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !shim__evd_add(0, st.st_dev, st.st_ino, path))
		return;
	shim_n.ev_writes++;
	shim__log("%s fd=%d %s", SYNCSHIM_EV_WRITE, fd, path);
}

/* An evidence file or directory was synced (lock held). */
static void
shim__ev_synced(int fd, const char *path)
{
	struct stat st;
	shim_evd *e;

	if (fstat(fd, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		shim_n.ev_dirsyncs++;
		while ((e = shim__evd_find(1, 0, 0, path)) != NULL)
			e->used = 0;
		shim__log("%s %s", SYNCSHIM_EV_DIRSYNC, path);
		return;
	}
	shim_n.ev_syncs++;
	while ((e = shim__evd_find(0, st.st_dev, st.st_ino, path)) != NULL)
		e->used = 0;
	shim__log("%s fd=%d %s", SYNCSHIM_EV_SYNC, fd, path);
}

/* The calling thread hands work back (writes a pipe): its evidence writes must be durable. */
static void
shim__handoff(int fd)
{
	pid_t me = gettid();
	int bad = 0;

	shim_n.handoffs++;
	for (int i = 0; i < SHIM_EV_DIRTY; i++) {
		shim_evd *e = &shim_evds[i];
		if (!e->used || e->tid != me)
			continue;
		shim__violation("evidence-unsynced-at-handoff fd=%d thread=%ld %s %s was not fsynced before the thread handed its work back",
		    fd, (long)me, e->dir ? "directory" : "file", e->path);
		e->used = 0;
		bad++;
	}
	shim__log("%s fd=%d thread=%ld unsynced=%d", SYNCSHIM_HANDOFF, fd, (long)me, bad);
}

/*
 * Absolute, canonical forms of path (relative to dirfd): its parent
 * directory into parent, and parent + "/" + its last component into full.
 */
static int
shim__resolve(char *parent, char *full, size_t sz, int dirfd, const char *path)
{
	char joined[PATH_MAX], base[PATH_MAX], link[32], *slash;

	if (path[0] == '/') {
		snprintf(joined, sizeof(joined), "%s", path);
	} else {
		if (dirfd == AT_FDCWD) {
			if (getcwd(base, sizeof(base)) == NULL)
				return -1;
		} else {
			ssize_t n;
			shim__fd_link(link, dirfd);
			n = readlink(link, base, sizeof(base) - 1);
			if (n < 0)
				return -1;
			base[n] = '\0';
		}
		if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", base, path) >= sizeof(joined))
			return -1;
	}
	slash = strrchr(joined, '/');
	if (slash == NULL || slash[1] == '\0')
		return -1;
	*slash = '\0';
	shim__canon(parent, sz, joined[0] ? joined : "/");
	if ((size_t)snprintf(full, sz, "%s/%s", strcmp(parent, "/") == 0 ? "" : parent, slash + 1) >= sz)
		return -1;
	return 0;
}

/* After a rename or link onto an evidence file: the directory's new entry needs a sync. */
static void
shim__renamed(int dirfd, const char *newpath)
{
	char parent[PATH_MAX], full[PATH_MAX];

	if (!shim_active || !shim_ev[0] || shim__resolve(parent, full, sizeof(parent), dirfd, newpath) != 0 ||
	    !shim__is_ev(full))
		return;
	pthread_mutex_lock(&shim_mu);
	shim_n.ev_links++;
	shim__evd_add(1, 0, 0, parent);
	shim__log("%s %s", SYNCSHIM_EV_LINK, full);
	pthread_mutex_unlock(&shim_mu);
}

/* Before an unlink: which dirty file (if any) goes away with it. */
static int
shim__unlink_probe(struct stat *out, int dirfd, const char *path)
{
	return shim_active && shim_ev[0] && fstatat(dirfd, path, out, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(out->st_mode) &&
	    out->st_nlink == 1;
}

/* After an unlink: a removed file need not be synced. */
static void
shim__unlinked(const struct stat *st)
{
	shim_evd *e;

	pthread_mutex_lock(&shim_mu);
	while ((e = shim__evd_find(0, st->st_dev, st->st_ino, "")) != NULL)
		e->used = 0;
	pthread_mutex_unlock(&shim_mu);
}

/* ---- the checks around each kind of write ---- */

/*
 * Before a write of n bytes to fd of the given kind (lock held): mark
 * data.mdb or an evidence file dirty, check a send, check a hand-off.
 * Returns 1 when the write goes through an O_DSYNC/O_SYNC fd of data.mdb.
 */
static int
shim__before_write(int kind, int fd, const char *path, size_t n)
{
	int fl;

	switch (kind) {
	case SHIM_DATA:
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_DSYNC))
			return 1;
		shim_data_dirty = 1;
		shim_n.data_writes++;
		shim__log("%s fd=%d bytes=%zu", SYNCSHIM_DATA_WRITE, fd, n);
		return 0;
	case SHIM_EV:
		shim__ev_write(fd, path);
		return 0;
	case SHIM_PIPE:
		shim__handoff(fd);
		return 0;
	case SHIM_CLIENT:
		if (n == 0)
			return 0;
		shim__check_map();
		shim_n.sends++;
		shim__log("%s fd=%d bytes=%zu epoch=%llu", SYNCSHIM_SEND, fd, n, (unsigned long long)shim_epoch);
		if (shim_data_dirty)
			shim__violation("dirty-send fd=%d bytes=%zu: data.mdb has writes not yet synced (epoch %llu)", fd, n,
			    (unsigned long long)shim_epoch);
		return 0;
	default:
		return 0;
	}
}

/* After a write that wrote r > 0 bytes (lock held): follow a send, count a durable write. */
static void
shim__after_write(int kind, int fd, int dsync, const struct iovec *iov, int iovcnt, ssize_t r)
{
	if (r <= 0)
		return;
	if (kind == SHIM_CLIENT) {
		shim__follow(fd, 1, iov, iovcnt, (size_t)r);
	} else if (kind == SHIM_DATA && dsync) {
		shim_epoch++;
		shim_n.dsync_writes++;
		shim__log("%s fd=%d bytes=%zd epoch=%llu", SYNCSHIM_DATA_DSYNC, fd, r, (unsigned long long)shim_epoch);
	}
}

/* Bytes of an iovec array. */
static size_t
shim__iov_len(const struct iovec *iov, int iovcnt)
{
	size_t n = 0;

	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

/* After a read of r bytes from fd: follow a client's requests. errno is kept. */
static void
shim__after_read(int fd, const struct iovec *iov, int iovcnt, ssize_t r)
{
	int e = errno;

	if (r > 0 && shim_active && shim__is_client(fd)) {
		pthread_mutex_lock(&shim_mu);
		shim__follow(fd, 0, iov, iovcnt, (size_t)r);
		pthread_mutex_unlock(&shim_mu);
	}
	errno = e;
}

/*
 * The body of fsync (datasync = 0) and fdatasync (1): a sync of data.mdb
 * or of an evidence file or directory changes the state once it
 * succeeded. Under the "evidence" fault the sync of an evidence file is
 * skipped and reported as done, as a disk that lies would.
 */
static int
shim__sync_common(int fd, int datasync)
{
	char path[PATH_MAX];
	int kind, rc, e;

	shim__ready();
	if (!shim_active)
		return datasync ? real.fdatasync(fd) : real.fsync(fd);
	kind = shim__classify(path, sizeof(path), fd);
	if (kind == SHIM_EV && shim_fault_ev) {
		pthread_mutex_lock(&shim_mu);
		shim__log("EV-SYNC-DROPPED fd=%d %s (fault injection)", fd, path);
		pthread_mutex_unlock(&shim_mu);
		return 0;
	}
	rc = datasync ? real.fdatasync(fd) : real.fsync(fd);
	e = errno;
	if (rc == 0 && (kind == SHIM_DATA || kind == SHIM_EV)) {
		pthread_mutex_lock(&shim_mu);
		if (kind == SHIM_DATA)
			shim__data_synced(fd, datasync ? "fdatasync" : "fsync");
		else
			shim__ev_synced(fd, path);
		pthread_mutex_unlock(&shim_mu);
	}
	errno = e;
	return rc;
}

/* ---- the wrappers ---- */

enum { OP_WRITE, OP_WRITEV, OP_PWRITE, OP_PWRITE64, OP_PWRITEV, OP_PWRITEV64, OP_PWRITEV2, OP_SEND, OP_SENDTO, OP_SENDMSG };

/* The arguments of one write-like call, so that one body serves them all. */
typedef struct {
	int op;
	int fd;
	const void *buf;
	size_t n;
	off64_t off;
	const struct iovec *iov;
	int iovcnt;
	int flags;
	const struct sockaddr *to;
	socklen_t tolen;
	const struct msghdr *msg;
} shim_call;

/* Make the real call a describes. */
static ssize_t
shim__call(const shim_call *a)
{
	switch (a->op) {
	case OP_WRITE:
		return real.write(a->fd, a->buf, a->n);
	case OP_WRITEV:
		return real.writev(a->fd, a->iov, a->iovcnt);
	case OP_PWRITE:
		return real.pwrite(a->fd, a->buf, a->n, (off_t)a->off);
	case OP_PWRITE64:
		return real.pwrite64(a->fd, a->buf, a->n, a->off);
	case OP_PWRITEV:
		return real.pwritev(a->fd, a->iov, a->iovcnt, (off_t)a->off);
	case OP_PWRITEV64:
		return real.pwritev64(a->fd, a->iov, a->iovcnt, a->off);
	case OP_PWRITEV2:
		return real.pwritev2(a->fd, a->iov, a->iovcnt, (off_t)a->off, a->flags);
	case OP_SEND:
		return real.send(a->fd, a->buf, a->n, a->flags);
	case OP_SENDTO:
		return real.sendto(a->fd, a->buf, a->n, a->flags, a->to, a->tolen);
	default:
		return real.sendmsg(a->fd, a->msg, a->flags);
	}
}

/*
 * The body of every write-like wrapper: classify the fd, check and mark
 * before the real call, follow what it wrote after. A call whose own
 * flags make it durable (pwritev2 with RWF_DSYNC) counts like a write on
 * an O_DSYNC fd. errno is kept.
 */
static ssize_t
shim__write_common(const shim_call *a, const struct iovec *iov, int iovcnt)
{
	char path[PATH_MAX];
	int kind, dsync, e;
	ssize_t r;

	shim__ready();
	if (!shim_active)
		return shim__call(a);
	kind = shim__classify(path, sizeof(path), a->fd);
	if (kind == SHIM_OTHER)
		return shim__call(a);
	pthread_mutex_lock(&shim_mu);
	if (kind == SHIM_DATA && a->op == OP_PWRITEV2 && (a->flags & (RWF_DSYNC | RWF_SYNC)))
		dsync = 1;
	else
		dsync = shim__before_write(kind, a->fd, path, shim__iov_len(iov, iovcnt));
	pthread_mutex_unlock(&shim_mu);
	r = shim__call(a);
	e = errno;
	if (r > 0 && (kind == SHIM_CLIENT || dsync)) {
		pthread_mutex_lock(&shim_mu);
		shim__after_write(kind, a->fd, dsync, iov, iovcnt, r);
		pthread_mutex_unlock(&shim_mu);
	}
	errno = e;
	return r;
}

/* write(2): a send on a client, a data or evidence write, or a pipe hand-off. */
ssize_t
write(int fd, const void *buf, size_t n)
{
	shim_call a = { .op = OP_WRITE, .fd = fd, .buf = buf, .n = n };
	struct iovec iov = { (void *)(uintptr_t)buf, n };

	return shim__write_common(&a, &iov, 1);
}

/* writev(2): libevent's way of sending replies, LMDB's way of writing pages. */
ssize_t
writev(int fd, const struct iovec *iov, int iovcnt)
{
	shim_call a = { .op = OP_WRITEV, .fd = fd, .iov = iov, .iovcnt = iovcnt };

	return shim__write_common(&a, iov, iovcnt);
}

/* pwrite(2): LMDB's page and meta writes. */
ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	shim_call a = { .op = OP_PWRITE, .fd = fd, .buf = buf, .n = n, .off = off };
	struct iovec iov = { (void *)(uintptr_t)buf, n };

	return shim__write_common(&a, &iov, 1);
}

/* pwrite64: the same under its large-file name. */
ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	shim_call a = { .op = OP_PWRITE64, .fd = fd, .buf = buf, .n = n, .off = off };
	struct iovec iov = { (void *)(uintptr_t)buf, n };

	return shim__write_common(&a, &iov, 1);
}

/* pwritev(2). */
ssize_t
pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
	shim_call a = { .op = OP_PWRITEV, .fd = fd, .iov = iov, .iovcnt = iovcnt, .off = off };

	return shim__write_common(&a, iov, iovcnt);
}

/* pwritev64. */
ssize_t
pwritev64(int fd, const struct iovec *iov, int iovcnt, off64_t off)
{
	shim_call a = { .op = OP_PWRITEV64, .fd = fd, .iov = iov, .iovcnt = iovcnt, .off = off };

	return shim__write_common(&a, iov, iovcnt);
}

/* pwritev2(2); RWF_DSYNC or RWF_SYNC make that one write durable. */
ssize_t
pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
	shim_call a = { .op = OP_PWRITEV2, .fd = fd, .iov = iov, .iovcnt = iovcnt, .off = off, .flags = flags };

	return shim__write_common(&a, iov, iovcnt);
}

/* send(2): only client connections matter (libevent's signal pipe passes through untouched). */
ssize_t
send(int fd, const void *buf, size_t n, int flags)
{
	shim_call a = { .op = OP_SEND, .fd = fd, .buf = buf, .n = n, .flags = flags };
	struct iovec iov = { (void *)(uintptr_t)buf, n };

	shim__ready();
	if (!shim_active || !shim__is_client(fd))
		return real.send(fd, buf, n, flags);
	return shim__write_common(&a, &iov, 1);
}

/* sendto(2). */
ssize_t
sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t tolen)
{
	shim_call a = { .op = OP_SENDTO, .fd = fd, .buf = buf, .n = n, .flags = flags, .to = to, .tolen = tolen };
	struct iovec iov = { (void *)(uintptr_t)buf, n };

	shim__ready();
	if (!shim_active || !shim__is_client(fd))
		return real.sendto(fd, buf, n, flags, to, tolen);
	return shim__write_common(&a, &iov, 1);
}

/* sendmsg(2). */
ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	shim_call a = { .op = OP_SENDMSG, .fd = fd, .msg = msg, .flags = flags };

	shim__ready();
	if (!shim_active || !shim__is_client(fd))
		return real.sendmsg(fd, msg, flags);
	return shim__write_common(&a, msg->msg_iov, (int)msg->msg_iovlen);
}

/* sendfile(2) to a client: checked like a send, but its bytes cannot be followed. */
ssize_t
sendfile(int out_fd, int in_fd, off_t *off, size_t n)
{
	shim__ready();
	if (shim_active && shim__is_client(out_fd)) {
		pthread_mutex_lock(&shim_mu);
		shim__before_write(SHIM_CLIENT, out_fd, "", n);
		shim_n.errors++;
		shim__log("%s fd=%d: sendfile to a client; its bytes are not followed", SYNCSHIM_SHIM_ERROR, out_fd);
		pthread_mutex_unlock(&shim_mu);
	}
	return real.sendfile(out_fd, in_fd, off, n);
}

/* read(2): requests arrive this way or by readv. */
ssize_t
read(int fd, void *buf, size_t n)
{
	ssize_t r;
	struct iovec iov = { buf, n };

	shim__ready();
	r = real.read(fd, buf, n);
	shim__after_read(fd, &iov, 1, r);
	return r;
}

/* readv(2): libevent reads client sockets with it. */
ssize_t
readv(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t r;

	shim__ready();
	r = real.readv(fd, iov, iovcnt);
	shim__after_read(fd, iov, iovcnt, r);
	return r;
}

/* recv(2). */
ssize_t
recv(int fd, void *buf, size_t n, int flags)
{
	ssize_t r;
	struct iovec iov = { buf, n };

	shim__ready();
	r = real.recv(fd, buf, n, flags);
	if (!(flags & MSG_PEEK))
		shim__after_read(fd, &iov, 1, r);
	return r;
}

/* recvfrom(2). */
ssize_t
recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	ssize_t r;
	struct iovec iov = { buf, n };

	shim__ready();
	r = real.recvfrom(fd, buf, n, flags, from, fromlen);
	if (!(flags & MSG_PEEK))
		shim__after_read(fd, &iov, 1, r);
	return r;
}

/* recvmsg(2). */
ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t r;

	shim__ready();
	r = real.recvmsg(fd, msg, flags);
	if (!(flags & MSG_PEEK))
		shim__after_read(fd, msg->msg_iov, (int)msg->msg_iovlen, r);
	return r;
}

/* A new client connection: follow it from its first byte. */
static void
shim__accepted(int fd)
{
	int e = errno;

	if (fd < 0 || !shim_active) {
		errno = e;
		return;
	}
	pthread_mutex_lock(&shim_mu);
	if (fd >= SHIM_MAXFD) {
		shim_n.errors++;
		shim__log("%s fd=%d: client fd too high to follow", SYNCSHIM_SHIM_ERROR, fd);
	} else {
		free(shim_conns[fd]);
		shim_conns[fd] = calloc(1, sizeof(shim_conn));
		if (shim_conns[fd] == NULL) {
			shim_n.errors++;
			shim__log("%s fd=%d: out of memory", SYNCSHIM_SHIM_ERROR, fd);
		}
		__atomic_store_n(&shim_client[fd], 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&shim_mu);
	errno = e;
}

/* accept(2). */
int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int r;

	shim__ready();
	r = real.accept(fd, addr, len);
	shim__accepted(r);
	return r;
}

/* accept4(2): libevent's listener uses it. */
int
accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	int r;

	shim__ready();
	r = real.accept4(fd, addr, len, flags);
	shim__accepted(r);
	return r;
}

/* close(2): a client connection's number may be reused; forget it first. */
int
close(int fd)
{
	shim__ready();
	if (shim_active && shim__is_client(fd)) {
		pthread_mutex_lock(&shim_mu);
		if (shim_conns[fd] && shim_conns[fd]->npending)
			shim__log("CLOSE fd=%d with %u flagged requests unanswered", fd, shim_conns[fd]->npending);
		free(shim_conns[fd]);
		shim_conns[fd] = NULL;
		__atomic_store_n(&shim_client[fd], 0, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&shim_mu);
	}
	return real.close(fd);
}

/* fsync(2). */
int
fsync(int fd)
{
	return shim__sync_common(fd, 0);
}

/* fdatasync(2): LMDB's sync on Linux. */
int
fdatasync(int fd)
{
	return shim__sync_common(fd, 1);
}

/* msync(2): with MS_SYNC over data.mdb's mapping it is a sync of data.mdb (MDB_WRITEMAP). */
int
msync(void *addr, size_t len, int flags)
{
	int rc, e;

	shim__ready();
	rc = real.msync(addr, len, flags);
	e = errno;
	if (rc == 0 && shim_active && (flags & MS_SYNC) && shim__addr_is_data(addr, len)) {
		pthread_mutex_lock(&shim_mu);
		shim__data_synced(-1, "msync");
		pthread_mutex_unlock(&shim_mu);
	}
	errno = e;
	return rc;
}

/* sync_file_range(2): flushes pages but no metadata or disk cache: never a durability point. */
int
sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
	char path[PATH_MAX];

	shim__ready();
	if (shim_active && shim__classify(path, sizeof(path), fd) == SHIM_DATA) {
		pthread_mutex_lock(&shim_mu);
		shim__log("DATA-SFR fd=%d flags=%u (not a durability point)", fd, flags);
		pthread_mutex_unlock(&shim_mu);
	}
	return real.sync_file_range(fd, off, n, flags);
}

/* Every evidence file and directory counts as synced (syncfs, sync). */
static void
shim__all_synced(const char *how)
{
	pthread_mutex_lock(&shim_mu);
	for (int i = 0; i < SHIM_EV_DIRTY; i++)
		shim_evds[i].used = 0;
	shim__data_synced(-1, how);
	pthread_mutex_unlock(&shim_mu);
}

/* syncfs(2): the whole file system, data.mdb and the evidence repository included (tests share one). */
int
syncfs(int fd)
{
	int rc, e;

	shim__ready();
	rc = real.syncfs(fd);
	e = errno;
	if (rc == 0 && shim_active)
		shim__all_synced("syncfs");
	errno = e;
	return rc;
}

/* sync(2). */
void
sync(void)
{
	shim__ready();
	real.sync();
	if (shim_active)
		shim__all_synced("sync");
}

/* rename(2): libgit2 moves finished objects and ref locks into place. */
int
rename(const char *from, const char *to)
{
	int rc, e;

	shim__ready();
	rc = real.rename(from, to);
	e = errno;
	if (rc == 0)
		shim__renamed(AT_FDCWD, to);
	errno = e;
	return rc;
}

/* renameat(2). */
int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	int rc, e;

	shim__ready();
	rc = real.renameat(fromfd, from, tofd, to);
	e = errno;
	if (rc == 0)
		shim__renamed(tofd, to);
	errno = e;
	return rc;
}

/* renameat2(2). */
int
renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags)
{
	int rc, e;

	shim__ready();
	rc = real.renameat2(fromfd, from, tofd, to, flags);
	e = errno;
	if (rc == 0)
		shim__renamed(tofd, to);
	errno = e;
	return rc;
}

/* link(2): libgit2 puts objects and refs in place by link + unlink, and renames only when link fails. */
int
link(const char *from, const char *to)
{
	int rc, e;

	shim__ready();
	rc = real.link(from, to);
	e = errno;
	if (rc == 0)
		shim__renamed(AT_FDCWD, to);
	errno = e;
	return rc;
}

/* linkat(2). */
int
linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	int rc, e;

	shim__ready();
	rc = real.linkat(fromfd, from, tofd, to, flags);
	e = errno;
	if (rc == 0)
		shim__renamed(tofd, to);
	errno = e;
	return rc;
}

/* unlink(2): a removed temporary file need not be synced. */
int
unlink(const char *path)
{
	struct stat st;
	int watch, rc, e;

	shim__ready();
	watch = shim__unlink_probe(&st, AT_FDCWD, path);
	rc = real.unlink(path);
	e = errno;
	if (rc == 0 && watch)
		shim__unlinked(&st);
	errno = e;
	return rc;
}

/* unlinkat(2). */
int
unlinkat(int dirfd, const char *path, int flags)
{
	struct stat st;
	int watch, rc, e;

	shim__ready();
	watch = !(flags & AT_REMOVEDIR) && shim__unlink_probe(&st, dirfd, path);
	rc = real.unlinkat(dirfd, path, flags);
	e = errno;
	if (rc == 0 && watch)
		shim__unlinked(&st);
	errno = e;
	return rc;
}
