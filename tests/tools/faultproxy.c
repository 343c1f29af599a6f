/*
 * faultproxy.c - a fault-injecting TCP proxy for the sync tests.
 *
 * These machines have network namespaces but no `tc netem`, so the tests
 * put this program between a client and a server instead. Per direction
 * ("up" is client to server, "down" server to client) it holds bytes for a
 * one-way delay, limits the rate with a token bucket, stalls once at a byte
 * offset, and cuts the connection after a byte offset, at a random offset
 * or at a random moment. Every random choice comes from --seed, and every
 * fault it injects is one line on stderr, so a test can see what happened.
 *
 * One single-threaded libevent loop over raw non-blocking sockets. Each
 * direction queues what it read as chunks stamped with the time they may
 * leave (arrival + delay); end of stream is a chunk of its own, so a FIN is
 * delayed and stalled like the bytes before it. A direction reads only
 * while it holds less than --buffer-kb, so backpressure reaches the sender
 * through TCP, and the proxy never holds more than that per direction.
 * Connections are freed from a reaper event, never inside their own
 * callbacks. `faultproxy --help` documents the options; tests/tools/README.md
 * the log lines.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/util.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FP_NONE UINT64_MAX        /* no cut, no stall */
#define FP_READ_MAX (64 * 1024)   /* one recv() at most */
#define FP_UP 0                   /* client -> server */
#define FP_DOWN 1                 /* server -> client */
#define FP_CONNECT_TIMEOUT_S 10
#define FP_RST_POLL_MS 2          /* how often a --cut-rst cut looks at the send queues */

static const char *const fp_dir_name[2] = { "up", "down" };

/* ---- configuration ---- */

/* What one direction does to its bytes. */
typedef struct {
	uint64_t delay_ms;
	uint64_t rate_kbit;                    /* 0: unlimited */
	uint64_t cut_after;                    /* FP_NONE: no fixed cut */
	uint64_t cut_bytes_lo, cut_bytes_hi;   /* random cut offset; lo == FP_NONE: none */
	uint64_t stall_after, stall_ms;        /* stall_after == FP_NONE: no stall */
} fp_dirconf;

/* Everything the command line says, parsed once. */
typedef struct {
	const char *listen, *connect;
	fp_dirconf d[2];
	uint64_t cut_ms_lo, cut_ms_hi;         /* random cut moment; lo == FP_NONE: none */
	uint64_t cut_conns;                    /* cuts apply to connections 1..cut_conns (0: all) */
	int cut_conns_set;                     /* else: fixed cuts on the first connection, random ones on all */
	int cut_rst;
	uint64_t seed;
	int seed_set;
	uint64_t max_conns;
	uint64_t buffer_kb;
	uint64_t linger_ms;
	int help;
} fp_conf;

enum fp_optkind { FP_OPT_NUM, FP_OPT_RANGE, FP_OPT_FLAG, FP_OPT_STR };

/*
 * One command-line option. Per-direction options (dir = 1) live in
 * fp_dirconf and are also accepted as --up-NAME and --down-NAME; the plain
 * --NAME sets both directions.
 */
typedef struct {
	const char *name, *arg, *help;
	enum fp_optkind kind;
	int dir;
	size_t off;                            /* of the field (the range's lo; hi follows it) */
} fp_opt;

#define FP_C(f) offsetof(fp_conf, f)
#define FP_D(f) offsetof(fp_dirconf, f)

static const fp_opt fp_opts[] = {
	{ "listen", "HOST:PORT", "address to accept on; port 0 picks a free one (printed on stdout)", FP_OPT_STR, 0, FP_C(listen) },
	{ "connect", "HOST:PORT", "address of the real server", FP_OPT_STR, 0, FP_C(connect) },
	{ "delay-ms", "N", "one-way latency: each byte is held N ms before it is sent on", FP_OPT_NUM, 1, FP_D(delay_ms) },
	{ "rate-kbit", "N", "bandwidth limit, a token bucket of N kbit/s (1 kbit = 1000 bits) holding 20 ms of bytes",
	    FP_OPT_NUM, 1, FP_D(rate_kbit) },
	{ "cut-after-bytes", "N", "cut the connection once exactly N bytes have gone through in this direction",
	    FP_OPT_NUM, 1, FP_D(cut_after) },
	{ "cut-random-bytes", "A:B", "cut after a random number of bytes in [A, B], drawn per connection",
	    FP_OPT_RANGE, 1, FP_D(cut_bytes_lo) },
	{ "stall-after-bytes", "N", "once N bytes have gone through, forward nothing for --stall-ms (once per connection)",
	    FP_OPT_NUM, 1, FP_D(stall_after) },
	{ "stall-ms", "M", "how long a stall lasts", FP_OPT_NUM, 1, FP_D(stall_ms) },
	{ "cut-random-ms", "A:B", "cut each connection at a random moment A to B ms after it was accepted",
	    FP_OPT_RANGE, 0, FP_C(cut_ms_lo) },
	{ "cut-every", NULL, "every connection gets the cuts (same as --cut-conns 0)", FP_OPT_FLAG, 0, 0 },
	{ "cut-conns", "N", "only connections 1..N get cuts (0: all)", FP_OPT_NUM, 0, FP_C(cut_conns) },
	{ "cut-rst", NULL, "end a cut with a reset (RST) instead of an orderly close (FIN)", FP_OPT_FLAG, 0, FP_C(cut_rst) },
	{ "seed", "S", "seed of every random choice (default: from the clock and pid; printed either way)",
	    FP_OPT_NUM, 0, FP_C(seed) },
	{ "max-conns", "N", "at most N connections open at once; more wait in the listen backlog (default 1024)",
	    FP_OPT_NUM, 0, FP_C(max_conns) },
	{ "buffer-kb", "N", "at most N KiB held per direction of a connection; reading stops when full (default 256)",
	    FP_OPT_NUM, 0, FP_C(buffer_kb) },
	{ "linger-ms", "N", "after a cut, how long to wait for the peers to close before closing anyway (default 2000)",
	    FP_OPT_NUM, 0, FP_C(linger_ms) },
	{ "help", NULL, "this text", FP_OPT_FLAG, 0, FP_C(help) },
};

static const char fp_usage_head[] =
    "usage: faultproxy --listen HOST:PORT --connect HOST:PORT [options]\n"
    "\n"
    "A TCP proxy that injects faults, for tests. It accepts on --listen, opens a\n"
    "connection to --connect for each client, and forwards both ways. With\n"
    "--listen port 0 it picks a free port. The first line on stdout is the port\n"
    "it listens on; then it runs until SIGTERM or SIGINT and exits 0.\n"
    "\n"
    "Directions: \"up\" is client to server, \"down\" server to client. Options\n"
    "marked [dir] apply to both directions as --NAME, or to one as --up-NAME\n"
    "or --down-NAME (e.g. --down-rate-kbit 256). Options take their value as\n"
    "the next argument or after '='.\n"
    "\n";

static const char fp_usage_tail[] =
    "\n"
    "Cuts. A cut ends the whole connection: nothing more is forwarded either\n"
    "way, held bytes are dropped, and both sides get an orderly close (FIN;\n"
    "what they still send is read and thrown away until they close, or for\n"
    "--linger-ms) or, with --cut-rst, a reset once the bytes already sent are\n"
    "acknowledged. A byte cut in a direction delivers exactly that many bytes,\n"
    "then the close. By default --cut-after-bytes cuts the first connection\n"
    "only, and --cut-random-bytes and --cut-random-ms every connection;\n"
    "--cut-every and --cut-conns N change that for all cuts. Random draws\n"
    "depend only on the seed and the connection's number (1, 2, ... in accept\n"
    "order), so the same seed gives the same cut offsets and moments.\n"
    "\n"
    "Stalls happen once per direction of every connection. Delay and rate are\n"
    "applied in that order; a stall and the end of stream (FIN) wait their\n"
    "turn behind the bytes before them. A direction's throughput is at most\n"
    "--buffer-kb / --delay-ms, as a TCP window would make it.\n"
    "\n"
    "Log: one line per event on stderr, \"faultproxy t=MS [conn=N] event=...\"\n"
    "with key=value fields (listen, open, connected, connect-failed, stall,\n"
    "resume, full, eof, cut, reset, close, pause-accept, resume-accept, exit).\n"
    "The open line gives the planned random cuts: cut-ms=, up-cut-byte=,\n"
    "down-cut-byte=. A cut line: why= dir= byte= up= down= mode=.\n";

/* Print --help, generated from the option table. */
static void
fp_usage(FILE *f)
{
	fputs(fp_usage_head, f);
	fputs("options:\n", f);
	for (size_t i = 0; i < sizeof(fp_opts) / sizeof(fp_opts[0]); i++) {
		const fp_opt *o = &fp_opts[i];
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s%s\n", left, o->dir ? "[dir] " : "", o->help);
	}
	fputs(fp_usage_tail, f);
}

/* Parse all of s as a decimal uint64. 0, or -1 when it is not one. */
static int
fp_parse_u64(uint64_t *out, const char *s)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == ULLONG_MAX)
		return -1;
	*out = v;
	return 0;
}

/* Parse "A:B" with A <= B into out[0], out[1]. 0 or -1. */
static int
fp_parse_range(uint64_t *out, const char *s)
{
	char buf[64];
	char *colon;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon == NULL)
		return -1;
	*colon = '\0';
	if (fp_parse_u64(&out[0], buf) || fp_parse_u64(&out[1], colon + 1) || out[0] > out[1])
		return -1;
	return 0;
}

/* Store one option's value into the field at base + o->off. 0, or -1 (printed). */
static int
fp_opt_set(const fp_opt *o, char *base, const char *val, const char *given)
{
	switch (o->kind) {
	case FP_OPT_STR:
		*(const char **)(base + o->off) = val;
		return 0;
	case FP_OPT_NUM:
		if (fp_parse_u64((uint64_t *)(base + o->off), val) == 0)
			return 0;
		fprintf(stderr, "faultproxy: %s wants a number, not '%s'\n", given, val);
		return -1;
	case FP_OPT_RANGE:
		if (fp_parse_range((uint64_t *)(base + o->off), val) == 0)
			return 0;
		fprintf(stderr, "faultproxy: %s wants A:B with A <= B, not '%s'\n", given, val);
		return -1;
	case FP_OPT_FLAG:
		*(int *)(base + o->off) = 1;
		return 0;
	}
	return -1;
}

/*
 * Parse argv into out (defaults first), then check that the options make
 * sense together. 0, or -1 with the reason printed.
 */
static int
fp_conf_parse(fp_conf *out, int argc, char **argv)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 2; i++) {
		out->d[i].cut_after = FP_NONE;
		out->d[i].cut_bytes_lo = FP_NONE;
		out->d[i].stall_after = FP_NONE;
		out->d[i].stall_ms = FP_NONE;
	}
	out->cut_ms_lo = FP_NONE;
	out->max_conns = 1024;
	out->buffer_kb = 256;
	out->linger_ms = 2000;

	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a], *name, *val = NULL;
		char namebuf[64];
		int dirs = 3; /* bit 0 up, bit 1 down */
		const fp_opt *o = NULL;

		if (strncmp(arg, "--", 2) != 0) {
			fprintf(stderr, "faultproxy: unexpected argument '%s' (see --help)\n", arg);
			return -1;
		}
		name = arg + 2;
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		if (nlen >= sizeof(namebuf)) {
			fprintf(stderr, "faultproxy: unknown option '%s' (see --help)\n", arg);
			return -1;
		}
		memcpy(namebuf, name, nlen);
		namebuf[nlen] = '\0';
		name = namebuf;
		if (strncmp(name, "up-", 3) == 0) {
			dirs = 1;
			name += 3;
		} else if (strncmp(name, "down-", 5) == 0) {
			dirs = 2;
			name += 5;
		}
		for (size_t i = 0; i < sizeof(fp_opts) / sizeof(fp_opts[0]); i++)
			if (strcmp(fp_opts[i].name, name) == 0)
				o = &fp_opts[i];
		if (o == NULL || (dirs != 3 && !o->dir)) {
			fprintf(stderr, "faultproxy: unknown option '%s' (see --help)\n", arg);
			return -1;
		}
		if (o->kind == FP_OPT_FLAG) {
			if (eq) {
				fprintf(stderr, "faultproxy: %s takes no value\n", namebuf);
				return -1;
			}
		} else if (eq) {
			val = eq + 1;
		} else if (a + 1 < argc) {
			val = argv[++a];
		} else {
			fprintf(stderr, "faultproxy: --%s needs a value (see --help)\n", namebuf);
			return -1;
		}
		if (strcmp(o->name, "cut-every") == 0) {
			out->cut_conns = 0;
			out->cut_conns_set = 1;
			continue;
		}
		if (strcmp(o->name, "cut-conns") == 0)
			out->cut_conns_set = 1;
		if (strcmp(o->name, "seed") == 0)
			out->seed_set = 1;
		for (int i = 0; i < 2; i++) {
			if (!(dirs & (1 << i)))
				continue;
			char *base = o->dir ? (char *)&out->d[i] : (char *)out;
			if (fp_opt_set(o, base, val, namebuf))
				return -1;
			if (!o->dir)
				break;
		}
	}
	if (out->help)
		return 0;
	if (out->listen == NULL || out->connect == NULL) {
		fprintf(stderr, "faultproxy: --listen and --connect are required (see --help)\n");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		fp_dirconf *d = &out->d[i];
		if ((d->stall_after == FP_NONE) != (d->stall_ms == FP_NONE)) {
			fprintf(stderr, "faultproxy: a %s stall needs both --stall-after-bytes and --stall-ms\n", fp_dir_name[i]);
			return -1;
		}
		if (d->delay_ms > 3600 * 1000 || d->rate_kbit > 100 * 1000 * 1000 ||
		    (d->stall_ms != FP_NONE && d->stall_ms > 3600 * 1000)) {
			fprintf(stderr, "faultproxy: a %s delay, stall or rate is out of range\n", fp_dir_name[i]);
			return -1;
		}
	}
	if (out->max_conns < 1 || out->max_conns > 100000 || out->buffer_kb < 1 || out->buffer_kb > 1024 * 1024 ||
	    out->linger_ms > 3600 * 1000 || (out->cut_ms_lo != FP_NONE && out->cut_ms_hi > 3600 * 1000 * 24)) {
		fprintf(stderr, "faultproxy: --max-conns, --buffer-kb, --linger-ms or --cut-random-ms is out of range\n");
		return -1;
	}
	return 0;
}

/* ---- state ---- */

/* Bytes read from one side, waiting to be sent to the other. len 0 with eof: the end of stream. */
typedef struct fp_chunk {
	struct fp_chunk *next;
	uint64_t release_us;                   /* not sent before this (monotonic) */
	size_t len, off;
	int eof;                               /* the end of stream: no data */
	int rst;                               /* ... by an error or reset: reset both sides */
	char data[];
} fp_chunk;

typedef struct fp_conn fp_conn;

/* One direction of a connection: reads `from`, writes `to`. */
typedef struct {
	fp_conn *c;
	int which;                             /* FP_UP or FP_DOWN */
	int from, to;
	struct event *rd, *wr, *tm;            /* rd on from (persistent), wr on to (one-shot), a wake-up timer */
	fp_chunk *head, *tail;
	size_t buffered;                       /* data bytes in the chunks */
	uint64_t passed;                       /* bytes sent on to `to` */
	uint64_t cut_at;                       /* FP_NONE: no byte cut */
	const char *cut_why;
	uint64_t stall_at;                     /* FP_NONE: no stall to come */
	uint64_t stall_until_us;               /* stalled until then; 0: not stalled */
	double tokens;                         /* token bucket, in bytes */
	uint64_t tokens_us;                    /* when it was last filled */
	int reading;                           /* rd is added */
	int eof_read;                          /* `from` said end of stream (or, after a cut, closed) */
	int shut;                              /* the end of stream went on to `to` */
	int full_logged;                       /* said once that the buffer is full */
} fp_dir;

enum fp_state { FP_CONNECTING, FP_OPEN, FP_DRAINING, FP_RESETTING, FP_DEAD };

struct fp_conn {
	fp_conn *next, **pprev;                /* on the open list, then the dead list */
	struct fp_proxy *p;
	uint64_t id;
	int fd[2];                             /* [0] the client, [1] the server */
	enum fp_state state;
	fp_dir d[2];
	struct event *connect_ev, *cut_tm, *linger_tm;
	uint64_t linger_until_us;              /* a cut or reset closes the sockets by then */
	const char *end_how;                   /* for the close line of a reset */
};

/* The whole program's state; one instance, in main(). */
typedef struct fp_proxy {
	fp_conf conf;
	struct event_base *base;
	int lfd;                               /* the listening socket, -1 before it is open */
	struct event *accept_ev;               /* reads lfd while accepting */
	struct event *sig_term, *sig_int, *reaper, *accept_retry;
	struct sockaddr_storage to;
	int tolen;
	fp_conn *open, *dead;
	uint64_t nopen, next_id, start_us;
	int accept_paused;                     /* by --max-conns */
	int accept_failing;                    /* by an accept error, e.g. out of fds */
	char scratch[FP_READ_MAX];             /* reads land here first */
} fp_proxy;

static fp_proxy *fp_p;                         /* for fp_log's clock only */

/* Monotonic time in microseconds: every deadline and the log's t= use it. */
static uint64_t
fp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* One event line on stderr: "faultproxy t=MS [conn=N] ..."; conn 0 for the proxy itself. */
static void __attribute__((format(printf, 2, 3)))
fp_log(uint64_t conn, const char *fmt, ...)
{
	char line[512];
	int n;
	va_list ap;

	n = snprintf(line, sizeof(line), "faultproxy t=%" PRIu64 " ", (fp_now_us() - fp_p->start_us) / 1000);
	if (conn)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "conn=%" PRIu64 " ", conn);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

/* splitmix64: a good 64-bit mix, enough for test randomness. */
static uint64_t
fp_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * A number in [lo, hi] for choice `slot` of connection `conn`: it depends
 * on the seed, the connection's number and the slot only, so it does not
 * change with timing or with which other options are set.
 */
static uint64_t
fp_draw(const fp_proxy *p, uint64_t conn, uint64_t slot, uint64_t lo, uint64_t hi)
{
	uint64_t r = fp_mix(fp_mix(p->conf.seed ^ fp_mix(conn)) + slot);

	if (hi - lo == UINT64_MAX)
		return r;
	return lo + r % (hi - lo + 1);
}

/* Does connection id get cuts? See "Cuts" in --help. */
static int
fp_cut_applies(const fp_proxy *p, uint64_t id, int is_random)
{
	if (p->conf.cut_conns_set)
		return p->conf.cut_conns == 0 || id <= p->conf.cut_conns;
	return is_random || id == 1;
}

/* A timeval of us microseconds, for evtimer_add(). */
static struct timeval
fp_tv_us(uint64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };

	return tv;
}

/* ---- connections ---- */

static void conn_close(fp_conn *c, int rst, const char *how);
static void dir_pump(fp_dir *d);

/* Read the listening socket only while neither --max-conns nor an accept error holds it. */
static void
fp_accept_update(fp_proxy *p)
{
	if (p->accept_ev == NULL)
		return;
	if (p->accept_paused || p->accept_failing)
		event_del(p->accept_ev);
	else
		event_add(p->accept_ev, NULL);
}

/* Drop a direction's held bytes. */
static void
dir_drop(fp_dir *d)
{
	while (d->head) {
		fp_chunk *k = d->head;
		d->head = k->next;
		free(k);
	}
	d->tail = NULL;
	d->buffered = 0;
}

/* Add or delete d's read event, remembering which so it is not added twice. */
static void
dir_read_on(fp_dir *d, int on)
{
	if (on && !d->reading)
		event_add(d->rd, NULL);
	else if (!on && d->reading)
		event_del(d->rd);
	d->reading = on;
}

/* Read while there is room and the stream has not ended; else let TCP push back. */
static void
dir_read_update(fp_dir *d)
{
	fp_conn *c = d->c;
	size_t cap = (size_t)c->p->conf.buffer_kb * 1024;
	int on = !d->eof_read && d->buffered < cap;

	if (c->state != FP_OPEN)
		return;
	if (!on && !d->eof_read && !d->full_logged) {
		d->full_logged = 1;
		fp_log(c->id, "event=full dir=%s buffered=%zu", fp_dir_name[d->which], d->buffered);
	}
	dir_read_on(d, on);
}

/* The rate limit in bytes per second. */
static double
fp_rate_Bps(const fp_dirconf *dc)
{
	return (double)dc->rate_kbit * 1000.0 / 8.0;
}

/* The bucket holds 20 ms of bytes, and at least one. */
static double
fp_burst(const fp_dirconf *dc)
{
	double b = fp_rate_Bps(dc) / 50.0;

	return b < 1.0 ? 1.0 : b;
}

/* Add the tokens earned since the last fill, up to the bucket's size. */
static void
dir_refill(fp_dir *d, const fp_dirconf *dc, uint64_t now)
{
	d->tokens += (double)(now - d->tokens_us) * fp_rate_Bps(dc) / 1e6;
	if (d->tokens > fp_burst(dc))
		d->tokens = fp_burst(dc);
	d->tokens_us = now;
}

/* Free the first chunk: it has all gone out (or it was the end marker). */
static void
chunk_pop(fp_dir *d)
{
	fp_chunk *k = d->head;

	d->head = k->next;
	if (d->head == NULL)
		d->tail = NULL;
	free(k);
}

/* Append a chunk of len bytes (copied from data; none for an end marker), to leave after the delay. */
static int
chunk_push(fp_dir *d, const char *data, size_t len, int eof, int rst, uint64_t now)
{
	fp_chunk *k = malloc(sizeof(*k) + len);

	if (k == NULL)
		return -1;
	k->next = NULL;
	k->release_us = now + d->c->p->conf.d[d->which].delay_ms * 1000;
	k->len = len;
	k->off = 0;
	k->eof = eof;
	k->rst = rst;
	if (len)
		memcpy(k->data, data, len);
	if (d->tail)
		d->tail->next = k;
	else
		d->head = k;
	d->tail = k;
	d->buffered += len;
	return 0;
}

/*
 * After a cut or during a reset: drop what is held, forward nothing more,
 * and read both sockets only to throw the bytes away (dir_drain), so that
 * a peer blocked on sending can go on to read what it was sent. A socket
 * already at its end reads 0 once and is then left alone.
 */
static void
conn_stop_forwarding(fp_conn *c)
{
	for (int i = 0; i < 2; i++) {
		dir_drop(&c->d[i]);
		event_del(c->d[i].wr);
		event_del(c->d[i].tm);
		dir_read_on(&c->d[i], 0);
		c->d[i].eof_read = 0;
		dir_read_on(&c->d[i], 1);
	}
}

/*
 * Reset both sides: nothing more is forwarded, and once the bytes already
 * handed to the kernel have been acknowledged (or after --linger-ms), both
 * sockets are closed with SO_LINGER 0, which sends RST. how names the
 * reason in the close line.
 */
static void
conn_start_reset(fp_conn *c, const char *how)
{
	if (c->state == FP_DEAD || c->state == FP_RESETTING)
		return;
	if (c->state == FP_CONNECTING) {
		conn_close(c, 1, how);
		return;
	}
	c->state = FP_RESETTING;
	c->end_how = how;
	conn_stop_forwarding(c);
	c->linger_until_us = fp_now_us() + c->p->conf.linger_ms * 1000;
	event_active(c->linger_tm, EV_TIMEOUT, 0);
}

/*
 * Cut the connection (see "Cuts" in --help): d is the direction whose byte
 * offset was reached, NULL for a cut at a random moment.
 */
static void
conn_cut(fp_conn *c, const fp_dir *d, const char *why)
{
	fp_proxy *p = c->p;
	char at[64] = "";

	if (d)
		snprintf(at, sizeof(at), " dir=%s byte=%" PRIu64, fp_dir_name[d->which], d->passed);
	fp_log(c->id, "event=cut why=%s%s up=%" PRIu64 " down=%" PRIu64 " mode=%s", why, at, c->d[FP_UP].passed,
	    c->d[FP_DOWN].passed, p->conf.cut_rst ? "rst" : "fin");
	if (c->state == FP_CONNECTING) {
		conn_close(c, p->conf.cut_rst, "cut");
		return;
	}
	if (p->conf.cut_rst) {
		conn_start_reset(c, "cut");
		return;
	}
	/* FIN both ways, then read and drop what the peers still send until they close */
	c->state = FP_DRAINING;
	for (int i = 0; i < 2; i++)
		shutdown(c->fd[i], SHUT_WR);
	conn_stop_forwarding(c);
	struct timeval tv = fp_tv_us(p->conf.linger_ms * 1000);
	evtimer_add(c->linger_tm, &tv);
}

/*
 * d has just sent its bytes up to d->passed: cut or start the stall when
 * that is the offset for it. Returns 1 when the connection was cut.
 */
static int
dir_marks(fp_dir *d, uint64_t now)
{
	const fp_dirconf *dc = &d->c->p->conf.d[d->which];

	if (d->passed == d->cut_at) {
		conn_cut(d->c, d, d->cut_why);
		return 1;
	}
	if (d->passed == d->stall_at) {
		d->stall_at = FP_NONE;
		d->stall_until_us = now + dc->stall_ms * 1000;
		fp_log(d->c->id, "event=stall dir=%s byte=%" PRIu64 " ms=%" PRIu64, fp_dir_name[d->which], d->passed,
		    dc->stall_ms);
	}
	return 0;
}

/*
 * The stream from d->from ended: in order (rst 0), or by an error or reset
 * (rst 1). A marker goes behind the bytes held, so the end reaches d->to
 * after them and with the same delay; a reset then resets both sides.
 */
static void
dir_end(fp_dir *d, int rst)
{
	fp_conn *c = d->c;

	if (d->shut) {
		if (rst)
			conn_start_reset(c, "reset");
		return;
	}
	if (d->eof_read) {
		d->tail->rst |= rst; /* the marker is queued: it is the last chunk */
		return;
	}
	if (chunk_push(d, NULL, 0, 1, rst, fp_now_us())) {
		fp_log(c->id, "event=no-memory");
		conn_start_reset(c, "no-memory");
		return;
	}
	d->eof_read = 1;
	dir_read_on(d, 0);
	dir_pump(d);
}

/* Sending to d->to failed: that side is gone. What the other way holds from it still goes out, then a reset. */
static void
dir_send_failed(fp_dir *d, int err)
{
	fp_conn *c = d->c;

	fp_log(c->id, "event=peer-error side=%s error=%s", d->which == FP_UP ? "server" : "client", strerror(err));
	dir_drop(d);
	d->eof_read = 1;
	d->shut = 1;
	dir_read_on(d, 0);
	event_del(d->wr);
	event_del(d->tm);
	dir_end(&c->d[!d->which], 1);
}

/*
 * Send what d holds and may send now: bytes whose delay is over, not
 * during a stall, as the token bucket allows, never past a cut or stall
 * offset. Arms the timer for the next moment something may go, or the
 * write event when the socket is full.
 */
static void
dir_pump(fp_dir *d)
{
	fp_conn *c = d->c;
	const fp_dirconf *dc = &c->p->conf.d[d->which];
	uint64_t now = fp_now_us(), wake = 0;

	if (c->state != FP_OPEN)
		return;
	while (d->head) {
		fp_chunk *k = d->head;
		size_t n = k->len - k->off;

		if (now < k->release_us) {
			wake = k->release_us;
			break;
		}
		if (d->stall_until_us) {
			if (now < d->stall_until_us) {
				wake = d->stall_until_us;
				break;
			}
			d->stall_until_us = 0;
			fp_log(c->id, "event=resume dir=%s byte=%" PRIu64, fp_dir_name[d->which], d->passed);
		}
		if (k->eof) {
			int rst = k->rst, other_shut = c->d[!d->which].shut;

			chunk_pop(d);
			if (rst) {
				fp_log(c->id, "event=reset dir=%s byte=%" PRIu64, fp_dir_name[d->which], d->passed);
				conn_start_reset(c, "reset");
				return;
			}
			shutdown(d->to, SHUT_WR);
			d->shut = 1;
			fp_log(c->id, "event=eof dir=%s byte=%" PRIu64, fp_dir_name[d->which], d->passed);
			if (other_shut) {
				conn_close(c, 0, "eof");
				return;
			}
			continue;
		}
		if (d->cut_at != FP_NONE && d->cut_at - d->passed < n)
			n = (size_t)(d->cut_at - d->passed);
		if (d->stall_at != FP_NONE && d->stall_at - d->passed < n)
			n = (size_t)(d->stall_at - d->passed);
		if (dc->rate_kbit) {
			dir_refill(d, dc, now);
			if (d->tokens < 1.0) {
				double want = fp_burst(dc) < (double)n ? fp_burst(dc) : (double)n;
				wake = now + (uint64_t)((want - d->tokens) * 1e6 / fp_rate_Bps(dc)) + 1;
				break;
			}
			if ((double)n > d->tokens)
				n = (size_t)d->tokens;
		}
		ssize_t w = send(d->to, k->data + k->off, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				event_add(d->wr, NULL);
				break;
			}
			dir_send_failed(d, errno);
			return;
		}
		k->off += (size_t)w;
		d->passed += (uint64_t)w;
		d->buffered -= (size_t)w;
		if (dc->rate_kbit)
			d->tokens -= (double)w;
		if (k->off == k->len)
			chunk_pop(d);
		if (dir_marks(d, now))
			return;
	}
	if (wake) {
		struct timeval tv = fp_tv_us(wake - now);
		evtimer_add(d->tm, &tv);
	}
	dir_read_update(d);
}

/*
 * After a cut or during a reset: read and drop until the peer closes. A
 * FIN cut closes when both peers have; a reset waits for its send queues
 * (fp_linger_cb).
 */
static void
dir_drain(fp_dir *d)
{
	fp_conn *c = d->c;
	ssize_t r = recv(d->from, c->p->scratch, sizeof(c->p->scratch), 0);

	if (r > 0 || (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
		return;
	d->eof_read = 1;
	dir_read_on(d, 0);
	if (c->state == FP_DRAINING && c->d[0].eof_read && c->d[1].eof_read)
		conn_close(c, 0, "cut");
}

/* d->from is readable: take what fits in d's buffer. */
static void
fp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	fp_dir *d = arg;
	fp_conn *c = d->c;
	size_t cap = (size_t)c->p->conf.buffer_kb * 1024, room;
	ssize_t r;

	(void)what;
	if (c->state == FP_DRAINING || c->state == FP_RESETTING) {
		dir_drain(d);
		return;
	}
	if (c->state != FP_OPEN)
		return;
	room = cap > d->buffered ? cap - d->buffered : 0;
	if (room > FP_READ_MAX)
		room = FP_READ_MAX;
	if (room == 0) {
		dir_read_update(d);
		return;
	}
	r = recv(fd, c->p->scratch, room, 0);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		fp_log(c->id, "event=peer-error side=%s error=%s", d->which == FP_UP ? "client" : "server", strerror(errno));
		dir_end(d, 1);
		return;
	}
	if (r == 0) {
		dir_end(d, 0);
		return;
	}
	if (chunk_push(d, c->p->scratch, (size_t)r, 0, 0, fp_now_us())) {
		fp_log(c->id, "event=no-memory");
		conn_start_reset(c, "no-memory");
		return;
	}
	dir_pump(d);
}

/* d->to has room again, or d's timer is due. */
static void
fp_pump_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dir_pump(arg);
}

/*
 * Bytes of fd's send queue not yet acknowledged by the peer (SIOCOUTQ);
 * 0 once the connection is closed, e.g. reset by the peer, where the
 * kernel's count stays at what was left.
 */
static int
fp_outq(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int q = 0;

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == TCP_CLOSE)
		return 0;
	if (ioctl(fd, SIOCOUTQ, &q) < 0)
		return 0;
	return q;
}

/* The linger timer: a FIN cut waited long enough; a reset polls its send queues until they are empty. */
static void
fp_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	fp_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == FP_DRAINING) {
		fp_log(c->id, "event=linger-over");
		conn_close(c, 0, "cut");
		return;
	}
	if (c->state != FP_RESETTING)
		return;
	if ((fp_outq(c->fd[0]) == 0 && fp_outq(c->fd[1]) == 0) || fp_now_us() >= c->linger_until_us) {
		conn_close(c, 1, c->end_how);
		return;
	}
	struct timeval tv = fp_tv_us(FP_RST_POLL_MS * 1000);
	evtimer_add(c->linger_tm, &tv);
}

/* --cut-random-ms: the moment came. */
static void
fp_cut_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	fp_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == FP_CONNECTING || c->state == FP_OPEN)
		conn_cut(c, NULL, "random-ms");
}

/* event_free() that takes NULL, for half-built connections. */
static void
fp_event_free(struct event *ev)
{
	if (ev)
		event_free(ev);
}

/* Free the connections closed since the last time; runs as its own event, never inside theirs. */
static void
fp_reap(fp_proxy *p)
{
	while (p->dead) {
		fp_conn *c = p->dead;

		p->dead = c->next;
		for (int i = 0; i < 2; i++) {
			fp_event_free(c->d[i].rd);
			fp_event_free(c->d[i].wr);
			fp_event_free(c->d[i].tm);
		}
		fp_event_free(c->connect_ev);
		fp_event_free(c->cut_tm);
		fp_event_free(c->linger_tm);
		free(c);
	}
}

/* The reaper event, made active by conn_close(). */
static void
fp_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fp_reap(arg);
}

/*
 * Close both sockets (rst: with SO_LINGER 0, which sends RST) and move the
 * connection to the dead list for the reaper. Safe to call from any of the
 * connection's callbacks, and more than once.
 */
static void
conn_close(fp_conn *c, int rst, const char *how)
{
	fp_proxy *p = c->p;
	struct event *evs[] = { c->d[0].rd, c->d[0].wr, c->d[0].tm, c->d[1].rd, c->d[1].wr, c->d[1].tm,
		c->connect_ev, c->cut_tm, c->linger_tm };

	if (c->state == FP_DEAD)
		return;
	fp_log(c->id, "event=close how=%s up=%" PRIu64 " down=%" PRIu64, how, c->d[FP_UP].passed, c->d[FP_DOWN].passed);
	c->state = FP_DEAD;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_del(evs[i]);
	for (int i = 0; i < 2; i++) {
		if (c->fd[i] < 0)
			continue;
		if (rst) {
			struct linger lg = { 1, 0 };
			setsockopt(c->fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		close(c->fd[i]);
		c->fd[i] = -1;
		dir_drop(&c->d[i]);
	}
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->next = p->dead;
	p->dead = c;
	p->nopen--;
	event_active(p->reaper, EV_TIMEOUT, 0);
	if (p->accept_paused && p->nopen < p->conf.max_conns) {
		p->accept_paused = 0;
		fp_accept_update(p);
		fp_log(0, "event=resume-accept open=%" PRIu64, p->nopen);
	}
}

/* The connection to the server is up (or failed): start forwarding. */
static void
conn_connected(fp_conn *c, int err)
{
	uint64_t now = fp_now_us();

	if (c->state != FP_CONNECTING)
		return;
	if (err) {
		fp_log(c->id, "event=connect-failed error=%s", strerror(err));
		conn_close(c, 1, "connect-failed");
		return;
	}
	c->state = FP_OPEN;
	fp_log(c->id, "event=connected");
	for (int i = 0; i < 2; i++) {
		c->d[i].tokens = fp_burst(&c->p->conf.d[i]);
		c->d[i].tokens_us = now;
	}
	for (int i = 0; i < 2; i++)
		if (dir_marks(&c->d[i], now))
			return;
	for (int i = 0; i < 2; i++)
		dir_read_update(&c->d[i]);
}

/* The non-blocking connect() finished, or timed out after FP_CONNECT_TIMEOUT_S. */
static void
fp_connect_cb(evutil_socket_t fd, short what, void *arg)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (what & EV_TIMEOUT)
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	conn_connected(arg, err);
}

/* "HOST:PORT" of sa into buf. */
static const char *
fp_addr_str(char *buf, size_t size, const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		evutil_inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(buf, size, "%s:%u", host, port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		evutil_inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(buf, size, "[%s]:%u", host, port);
	} else {
		snprintf(buf, size, "?");
	}
	return buf;
}

/* Set up d to read `from` and write `to`; 0 or -1 (out of memory). */
static int
dir_init(fp_dir *d, fp_conn *c, int which)
{
	struct event_base *base = c->p->base;

	d->c = c;
	d->which = which;
	d->from = c->fd[which == FP_UP ? 0 : 1];
	d->to = c->fd[which == FP_UP ? 1 : 0];
	d->cut_at = FP_NONE;
	d->stall_at = c->p->conf.d[which].stall_after;
	d->rd = event_new(base, d->from, EV_READ | EV_PERSIST, fp_read_cb, d);
	d->wr = event_new(base, d->to, EV_WRITE, fp_pump_cb, d);
	d->tm = evtimer_new(base, fp_pump_cb, d);
	return d->rd && d->wr && d->tm ? 0 : -1;
}

/*
 * Plan connection c's cuts from the seed. Slot 0 is the moment, slots 1
 * and 2 the up and down offsets. Appends them to the open line in plan.
 */
static void
conn_plan(fp_conn *c, char *plan, size_t size)
{
	fp_proxy *p = c->p;
	size_t n = 0;

	plan[0] = '\0';
	for (int i = 0; i < 2; i++) {
		const fp_dirconf *dc = &p->conf.d[i];
		fp_dir *d = &c->d[i];

		if (dc->cut_after != FP_NONE && fp_cut_applies(p, c->id, 0)) {
			d->cut_at = dc->cut_after;
			d->cut_why = "after-bytes";
		}
		if (dc->cut_bytes_lo != FP_NONE && fp_cut_applies(p, c->id, 1)) {
			uint64_t at = fp_draw(p, c->id, 1 + (uint64_t)i, dc->cut_bytes_lo, dc->cut_bytes_hi);
			if (at < d->cut_at) {
				d->cut_at = at;
				d->cut_why = "random-bytes";
			}
			n += (size_t)snprintf(plan + n, size - n, " %s-cut-byte=%" PRIu64, fp_dir_name[i], at);
		}
	}
	if (p->conf.cut_ms_lo != FP_NONE && fp_cut_applies(p, c->id, 1)) {
		uint64_t ms = fp_draw(p, c->id, 0, p->conf.cut_ms_lo, p->conf.cut_ms_hi);
		struct timeval tv = fp_tv_us(ms * 1000);

		evtimer_add(c->cut_tm, &tv);
		snprintf(plan + n, size - n, " cut-ms=%" PRIu64, ms);
	}
}

/* A client connected on fd (from sa): open a connection to the server for it. */
static void
conn_new(fp_proxy *p, int fd, const struct sockaddr *sa)
{
	fp_conn *c = calloc(1, sizeof(*c));
	char peer[80], plan[160];
	int one = 1, s;

	if (c == NULL) {
		fp_log(0, "event=no-memory");
		close(fd);
		return;
	}
	c->p = p;
	c->id = ++p->next_id;
	c->fd[0] = fd;
	c->fd[1] = -1;
	c->state = FP_CONNECTING;
	c->next = p->open;
	if (p->open)
		p->open->pprev = &c->next;
	c->pprev = &p->open;
	p->open = c;
	p->nopen++;
	if (p->nopen >= p->conf.max_conns && !p->accept_paused) {
		p->accept_paused = 1;
		fp_accept_update(p);
		fp_log(0, "event=pause-accept open=%" PRIu64, p->nopen);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s = socket(p->to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		fp_log(c->id, "event=connect-failed error=%s", strerror(errno));
		conn_close(c, 1, "connect-failed");
		return;
	}
	c->fd[1] = s;
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->connect_ev = event_new(p->base, s, EV_WRITE, fp_connect_cb, c);
	c->cut_tm = evtimer_new(p->base, fp_cut_timer_cb, c);
	c->linger_tm = evtimer_new(p->base, fp_linger_cb, c);
	if (dir_init(&c->d[FP_UP], c, FP_UP) || dir_init(&c->d[FP_DOWN], c, FP_DOWN) || !c->connect_ev ||
	    !c->cut_tm || !c->linger_tm) {
		fp_log(c->id, "event=no-memory");
		conn_close(c, 1, "no-memory");
		return;
	}
	conn_plan(c, plan, sizeof(plan));
	fp_log(c->id, "event=open peer=%s%s", fp_addr_str(peer, sizeof(peer), sa), plan);
	if (connect(s, (struct sockaddr *)&p->to, (socklen_t)p->tolen) == 0) {
		conn_connected(c, 0);
	} else if (errno == EINPROGRESS) {
		struct timeval tv = { FP_CONNECT_TIMEOUT_S, 0 };
		event_add(c->connect_ev, &tv);
	} else {
		conn_connected(c, errno);
	}
}

/*
 * The listening socket is readable: accept one connection per call (the
 * event is level-triggered, so a backlog comes back), so that --max-conns
 * is never passed. When accept() fails for want of fds or memory, pause
 * for 100 ms rather than spin.
 */
static void
fp_accept_cb(evutil_socket_t lfd, short what, void *arg)
{
	fp_proxy *p = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct timeval tv = { 0, 100 * 1000 };
	int fd;

	(void)what;
	if (p->accept_paused || p->accept_failing)
		return;
	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0) {
		conn_new(p, fd, (struct sockaddr *)&ss);
		return;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
		return;
	fp_log(0, "event=accept-error error=%s", strerror(errno));
	p->accept_failing = 1;
	fp_accept_update(p);
	evtimer_add(p->accept_retry, &tv);
}

/* 100 ms after an accept error: accept again, unless --max-conns holds it. */
static void
fp_accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	fp_proxy *p = arg;

	(void)fd;
	(void)what;
	p->accept_failing = 0;
	fp_accept_update(p);
}

/* SIGTERM or SIGINT (libevent turns them into events): leave the loop; main() cleans up. */
static void
fp_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	fp_log(0, "event=signal signal=%d", (int)sig);
	event_base_loopexit(arg, NULL);
}

/* Room for two fds per connection: raise the soft limit towards the hard one. */
static void
fp_raise_nofile(const fp_proxy *p)
{
	rlim_t need = (rlim_t)(2 * p->conf.max_conns + 64);
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need)
		fp_log(0, "event=warning fds=%llu max-conns=%" PRIu64 " (accepting pauses when fds run out)",
		    (unsigned long long)rl.rlim_cur, p->conf.max_conns);
}

/*
 * Parse "A.B.C.D:PORT" or "[V6]:PORT" (numeric addresses only; port 0 is
 * allowed, for listening) into out. 0, or -1.
 */
static int
fp_parse_addr(struct sockaddr_storage *out, int *outlen, const char *s)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	uint64_t port;
	size_t hlen;

	if (colon == NULL || fp_parse_u64(&port, colon + 1) || port > 65535)
		return -1;
	hlen = (size_t)(colon - s);
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	memset(out, 0, sizeof(*out));
	if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;

		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return -1;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*outlen = sizeof(*in6);
		return 0;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)out;
	if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		return -1;
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	*outlen = sizeof(*in);
	return 0;
}

/* Set up the listener and the proxy's own events. 0, or -1 (printed). */
static int
fp_start(fp_proxy *p, int argc, char **argv)
{
	struct sockaddr_storage la;
	int lalen = sizeof(la);
	struct event_config *cfg;
	char addr[80], args[512];
	size_t n = 0;
	int one = 1;

	if (fp_parse_addr(&p->to, &p->tolen, p->conf.connect) != 0 || ((struct sockaddr_in *)&p->to)->sin_port == 0) {
		fprintf(stderr, "faultproxy: --connect '%s' is not HOST:PORT\n", p->conf.connect);
		return -1;
	}
	if (fp_parse_addr(&la, &lalen, p->conf.listen) != 0) {
		fprintf(stderr, "faultproxy: --listen '%s' is not HOST:PORT\n", p->conf.listen);
		return -1;
	}
	fp_raise_nofile(p);
	cfg = event_config_new();
	if (cfg == NULL)
		return -1;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	p->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (p->base == NULL) {
		fprintf(stderr, "faultproxy: cannot set up libevent\n");
		return -1;
	}
	p->lfd = socket(la.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->lfd < 0 || setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(p->lfd, (struct sockaddr *)&la, (socklen_t)lalen) || listen(p->lfd, 1024)) {
		fprintf(stderr, "faultproxy: cannot listen on %s: %s\n", p->conf.listen, strerror(errno));
		return -1;
	}
	lalen = sizeof(la);
	if (getsockname(p->lfd, (struct sockaddr *)&la, (socklen_t *)&lalen) != 0) {
		fprintf(stderr, "faultproxy: getsockname: %s\n", strerror(errno));
		return -1;
	}
	p->accept_ev = event_new(p->base, p->lfd, EV_READ | EV_PERSIST, fp_accept_cb, p);
	p->sig_term = evsignal_new(p->base, SIGTERM, fp_signal_cb, p->base);
	p->sig_int = evsignal_new(p->base, SIGINT, fp_signal_cb, p->base);
	p->reaper = event_new(p->base, -1, 0, fp_reap_cb, p);
	p->accept_retry = evtimer_new(p->base, fp_accept_retry_cb, p);
	if (!p->accept_ev || !p->sig_term || !p->sig_int || !p->reaper || !p->accept_retry ||
	    event_add(p->sig_term, NULL) || event_add(p->sig_int, NULL) || event_add(p->accept_ev, NULL)) {
		fprintf(stderr, "faultproxy: cannot set up libevent\n");
		return -1;
	}
	/* the port first, on stdout, for scripts; everything else goes to stderr */
	printf("%u\n", ntohs(la.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&la)->sin6_port :
	    ((struct sockaddr_in *)&la)->sin_port));
	fflush(stdout);
	args[0] = '\0';
	for (int i = 1; i < argc && n < sizeof(args); i++)
		n += (size_t)snprintf(args + n, sizeof(args) - n, "%s%s", i > 1 ? " " : "", argv[i]);
	fp_log(0, "event=listen addr=%s seed=%" PRIu64 " args=\"%s\"",
	    fp_addr_str(addr, sizeof(addr), (struct sockaddr *)&la), p->conf.seed, args);
	return 0;
}

/* Close what is still open, free everything (so AddressSanitizer finds no leak). */
static void
fp_stop(fp_proxy *p)
{
	uint64_t conns = p->next_id;

	while (p->open)
		conn_close(p->open, 0, "exit");
	fp_reap(p);
	fp_event_free(p->sig_term);
	fp_event_free(p->sig_int);
	fp_event_free(p->reaper);
	fp_event_free(p->accept_retry);
	fp_event_free(p->accept_ev);
	if (p->lfd >= 0)
		close(p->lfd);
	if (p->base)
		event_base_free(p->base);
	fp_log(0, "event=exit conns=%" PRIu64, conns);
}

/* Parse the options, listen, serve until a signal, then free everything. Exit 0, 1 (failed to start) or 2 (usage). */
int
main(int argc, char **argv)
{
	static fp_proxy proxy;
	fp_proxy *p = &proxy;
	int rc = 1;

	fp_p = p;
	p->lfd = -1;
	p->start_us = fp_now_us();
	if (fp_conf_parse(&p->conf, argc, argv))
		return 2;
	if (p->conf.help) {
		fp_usage(stdout);
		return 0;
	}
	if (!p->conf.seed_set)
		p->conf.seed = fp_mix((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ p->start_us);
	signal(SIGPIPE, SIG_IGN);
	if (fp_start(p, argc, argv) == 0 && event_base_dispatch(p->base) == 0)
		rc = 0;
	fp_stop(p);
	libevent_global_shutdown();
	return rc;
}
