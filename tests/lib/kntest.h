/*
 * kntest.h - helpers shared by the unit tests (tests/unit) and the
 * benchmarks (bench/): temporary directories, a clock, the real kinerjad
 * on a temporary directory, and a raw MessagePack-RPC client over its Unix
 * socket.
 *
 * Nothing here asserts: every fallible helper returns 0 or -1 (or the
 * count or status it documents) and prints the reason to stderr, prefixed
 * with the program's name, so that a benchmark can report a failure and a
 * cmocka test can assert on the result. Built into build/libkntest.a.
 */
#ifndef KNTEST_H
#define KNTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <msgpack.h>

#include "../../util/kn.h"

/* ---- time ---- */

/* Monotonic time in seconds. */
double kntest_now_s(void);
/* Sleep ms milliseconds (not resumed when a signal interrupts it). */
void kntest_sleep_ms(int ms);

/* ---- temporary directories ---- */

/*
 * Create a fresh directory from template (mkdtemp(3): it must end in
 * "XXXXXX") into out (outsz bytes). Returns 0, or -1 with errno set and
 * nothing printed (callers say what failed in their own words).
 */
int kntest_tmpdir(char *out, size_t outsz, const char *template);
/* Remove the tree at dir (children first, links not followed). NULL and "" are no-ops. Returns 0 or -1. */
int kntest_rm_rf(const char *dir);

/* ---- writing ---- */

/* Writing all of a buffer: kn_write_full() in util/kn.h. */
/* Write all of iov[0..n) to fd with writev; iov is modified as it goes. 0, or -1 with errno set (quiet). */
int kntest_writev_all(int fd, struct iovec *iov, int n);

/* ---- the daemon and other children ---- */

/*
 * Start kinerjad (the binary bin) listening on sock, with everything else
 * under dir: --store dir/store, keys.device_key=dir/device.key,
 * evidence.dir=dir/evidence.git, evidence.staging_dir=dir/uploads, then
 * the arguments in extra (NULL-terminated; NULL for none), e.g.
 * { "--set", "keys.pwhash=min", "--log-level", "warn", NULL }.
 * Waits up to 10 s for the socket to appear. Returns 0 with *out = the
 * daemon's pid; -1 with the reason printed, and *out = the pid of a
 * daemon still running (stop it) or -1.
 */
int kntest_daemon_start(pid_t *out, const char *bin, const char *dir, const char *sock,
    const char *const *extra);

/*
 * Send sig to the child pid and reap it within timeout_ms (SIGKILL after
 * that). Returns the wait status, or -1 when it had to be killed.
 */
int kntest_child_stop(pid_t pid, int sig, int timeout_ms);

/*
 * Stop kinerjad (pid) with SIGTERM, as kntest_child_stop() does. Returns
 * 0 when it exited 0; else -1 with the wait status printed.
 */
int kntest_daemon_stop(pid_t pid, int timeout_ms);

/* ---- a MessagePack-RPC client on a Unix socket ---- */

/* Fill *out with the address of the socket at path; -1 (printed) when the path does not fit. */
int kntest_unix_addr(struct sockaddr_un *out, const char *path);

/*
 * Connect to the socket at path; with timeout_s > 0, sends and receives
 * time out after that many seconds. Returns 0 with *out = the socket (the
 * caller closes it), or -1 with *out = -1 and the reason printed.
 */
int kntest_connect(int *out, const char *path, int timeout_s);

/*
 * Append a request [0, msgid, method, [...]] to out, up to the parameter
 * array's header for nparams parameters: the caller appends (or sends)
 * the nparams packed parameters after it. Returns 0 or -1 (out of memory).
 */
int kntest_rpc_pack(kn_buf *out, uint32_t msgid, const char *method, uint32_t nparams);

/*
 * Read from fd into in until in starts with one whole MessagePack object
 * of at most max bytes, checked with kn_mpscan (in may already hold some
 * or all of it, e.g. pipelined replies). With timeout_ms >= 0 each read
 * first waits at most that long for data; with -1 it relies on the
 * socket's own timeouts. what names the call in messages.
 * Returns 1 with *out = the object's length (its bytes stay at the start
 * of in), 0 when the peer closed the connection (EOF or reset) first, or
 * -1 with the reason printed (not MessagePack, too big, timeout, I/O).
 */
int kntest_rpc_read(size_t *out, int fd, kn_buf *in, size_t max, int timeout_ms, const char *what);

/*
 * Is reply a successful response to msgid, [1, msgid, nil, {result}]?
 * Returns 0 with *out = the result map (borrowed from reply), or -1 with
 * the reason printed after what: a reply of another shape or id, the
 * daemon's error code and message, or a result that is not a map.
 */
int kntest_rpc_result(const msgpack_object **out, const msgpack_object *reply, uint32_t msgid, const char *what);

/* One client connection and its buffers; see kntest_conn_open(). */
typedef struct {
	int fd;
	uint32_t next_id;     /* for callers that number requests 1, 2, ...; starts at 1 */
	kn_buf req;           /* the last request's header (kntest_rpc_pack) */
	kn_buf in;            /* bytes received; the last reply is at its start */
	size_t reply_len;     /* length of the last reply, 0 before the first */
	msgpack_unpacked up;  /* the last reply, decoded; it points into in */
} kntest_conn;

/*
 * Connect out to the socket at path, as kntest_connect() does. Returns 0
 * or -1 (printed); call kntest_conn_close() on out either way.
 */
int kntest_conn_open(kntest_conn *out, const char *path, int timeout_s);
/* Close the socket and free the buffers; safe on a conn that kntest_conn_open() failed on. */
void kntest_conn_close(kntest_conn *c);

/*
 * Send [0, msgid, method, [params]]: the header packed into c->req, then
 * params (the bytes of nparams packed parameters; NULL for none), then
 * tail (n more bytes, e.g. a bin value's data sent from where it lies;
 * NULL for none), in one writev. Returns 0 or -1 (printed).
 */
int kntest_conn_send(kntest_conn *c, uint32_t msgid, const char *method, uint32_t nparams, const kn_buf *params,
    const void *tail, size_t tail_len);

/*
 * Drop the previous reply from c->in, read the next whole reply (at most
 * max bytes) and decode it into c->up. Returns 0 with *out = the reply
 * (borrowed until the next call on c) and c->reply_len set, or -1 with the
 * reason printed after what (a closed connection is an error here).
 */
int kntest_conn_recv(const msgpack_object **out, kntest_conn *c, size_t max, const char *what);

/*
 * Run a shell command (printf format) after flushing stdout: 0 when it
 * exited 0, else -1 with "WHO: failed: COMMAND" on stderr.
 */
int kntest_sh(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The JSON that `CLI --socket SOCK --json ARGS` prints, run with
 * KINERJA_SESSION=SESSION (a file), parsed with jansson; NULL when the
 * command failed or printed no JSON (said on stderr after "WHO: ").
 */
struct json_t;
struct json_t *kntest_cli_json(const char *who, const char *cli, const char *session, const char *sock, const char *args);

#endif
