/*
 * durlib.h - what the durability drivers (sync_order.c, crashloop.c)
 * share on top of tests/lib/kntest.h: named-argument maps, replies
 * matched by msgid (replies to pipelined requests may come out of order:
 * writes wait for their commit, slow work for the worker thread), logins,
 * test PDFs, chunked uploads, a seeded random generator, and kinerjad
 * started with extra environment and its output in a file.
 *
 * Like kntest, nothing here asserts: fallible helpers return 0 or -1 and
 * print the reason to stderr.
 */
#ifndef KN_DURLIB_H
#define KN_DURLIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <msgpack.h>

#include "../lib/kntest.h"

#define DUR_REPLY_MAX (4u << 20)   /* largest reply the drivers accept */
#define DUR_TOKEN_HEX 65           /* 64 hex characters and a NUL */

/* A map of named arguments being packed: dur_args_init(), then exactly npairs dur_args_* calls. */
typedef struct {
	kn_buf b;
	msgpack_packer pk;
} dur_args;

/* Start a map of npairs pairs in a (which the caller frees with dur_args_free). */
void dur_args_init(dur_args *a, uint32_t npairs);
void dur_args_str(dur_args *a, const char *key, const char *val);
void dur_args_u64(dur_args *a, const char *key, uint64_t val);
void dur_args_bool(dur_args *a, const char *key, int val);
/* The key and the header of a bin value of n bytes; its bytes go as the request's tail. */
void dur_args_bin_header(dur_args *a, const char *key, size_t n);
void dur_args_free(dur_args *a);

/* One reply: its msgid, and either an error (code, message) or a result map. */
typedef struct {
	uint32_t msgid;
	int failed;                  /* the daemon answered with an error */
	char code[32];
	char message[512];
	const msgpack_object *res;   /* the result map; borrowed until the next read on the conn */
} dur_reply;

/* An unconnected conn (fd -1) that kntest_conn_close() accepts. */
void dur_conn_init(kntest_conn *c);

/* Send [0, msgid, method, [args]] (args NULL: no parameters) with tail bytes after it. Returns 0 or -1 (printed). */
int dur_send(kntest_conn *c, uint32_t msgid, const char *method, const dur_args *a, const void *tail,
    size_t tail_len);

/*
 * Read the next reply on c, waiting at most timeout_ms (-1: the socket's
 * own timeouts). Returns 0 with *out filled, 1 when the daemon closed the
 * connection (quietly: a killed daemon does that), or -1 (printed).
 */
int dur_recv(dur_reply *out, kntest_conn *c, int timeout_ms, const char *what);

/*
 * One request and its reply on an otherwise idle connection (msgid from
 * c->next_id, or msgid_flag | c->next_id). Returns 0 with *out a success,
 * or -1 with the reason printed after what (an error reply included).
 */
int dur_call(dur_reply *out, kntest_conn *c, uint32_t msgid_flag, const char *method, const dur_args *a,
    const char *what);

/* session.login as ident; token receives the session's 64 hex characters. Returns 0 or -1 (printed). */
int dur_login(char token[DUR_TOKEN_HEX], kntest_conn *c, const char *ident, const char *pass);

/* A random generator good enough for tests (splitmix64), from any seed. */
uint64_t dur_rand(uint64_t *state);
/* Uniform in [0, n) (n > 0). */
uint64_t dur_rand_below(uint64_t *state, uint64_t n);

/* Append to out a PDF of about size bytes that the daemon accepts, its content fixed by seed. */
int dur_pdf(kn_buf *out, uint64_t seed, size_t size);

/*
 * Pipeline the chunks of data (chunk_max bytes each) for upload_id and
 * then evidence.upload.finish with msgid finish_id, without reading any
 * reply. Chunk msgids are taken from c->next_id. Returns the number of
 * requests sent, or -1 (printed).
 */
int dur_upload_send(kntest_conn *c, const char *token, const char *upload_id, const uint8_t *data, size_t len,
    size_t chunk_max, uint32_t finish_id);

/*
 * Start kinerjad as kntest_daemon_start() does, with the NAME=VALUE
 * strings of env (NULL-terminated; NULL for none) added to its
 * environment, its standard output and error appended to log_path, a
 * socket a killed daemon left behind removed first, and then a wait until
 * the daemon accepts a connection (its socket appears at bind(), a moment
 * before it listens). Returns 0 with *out the pid, or -1 (printed; *out as
 * kntest_daemon_start() leaves it).
 */
int dur_daemon_start(pid_t *out, const char *bin, const char *dir, const char *sock, const char *const *extra,
    const char *const *env, const char *log_path);

#endif
