/*
 * durlib.c - helpers of the durability drivers; see durlib.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../util/mpmap.h"
#include "durlib.h"

#define DUR_PROG program_invocation_short_name
#define DUR_ENV_MAX 16
#define DUR_LISTEN_WAIT_MS 10000
#define DUR_LISTEN_POLL_MS 5

/* Start a map of npairs pairs. */
void
dur_args_init(dur_args *a, uint32_t npairs)
{
	a->b = (kn_buf)KN_BUF_INIT;
	msgpack_packer_init(&a->pk, &a->b, kn_buf_msgpack_write);
	msgpack_pack_map(&a->pk, npairs);
}

/* Pack a str key (or value). */
static void
dur__str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* key: str value. */
void
dur_args_str(dur_args *a, const char *key, const char *val)
{
	dur__str(&a->pk, key);
	dur__str(&a->pk, val);
}

/* key: unsigned value. */
void
dur_args_u64(dur_args *a, const char *key, uint64_t val)
{
	dur__str(&a->pk, key);
	msgpack_pack_uint64(&a->pk, val);
}

/* key: boolean value. */
void
dur_args_bool(dur_args *a, const char *key, int val)
{
	dur__str(&a->pk, key);
	if (val)
		msgpack_pack_true(&a->pk);
	else
		msgpack_pack_false(&a->pk);
}

/* key and a bin header; the n bytes follow as the request's tail. */
void
dur_args_bin_header(dur_args *a, const char *key, size_t n)
{
	dur__str(&a->pk, key);
	msgpack_pack_bin(&a->pk, n);
}

/* Free the packed bytes; the args may be initialised again. */
void
dur_args_free(dur_args *a)
{
	kn_buf_free(&a->b);
}

/* What kntest_conn_open() sets up, without connecting. */
void
dur_conn_init(kntest_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->next_id = 1;
	msgpack_unpacked_init(&c->up);
}

/* The request with one parameter (the map) or none. */
int
dur_send(kntest_conn *c, uint32_t msgid, const char *method, const dur_args *a, const void *tail, size_t tail_len)
{
	return kntest_conn_send(c, msgid, method, a ? 1 : 0, a ? &a->b : NULL, tail, tail_len);
}

/*
 * Like kntest_conn_recv(), but an EOF is a quiet 1 (a killed daemon is
 * expected in the crash loop), and the reply is taken apart by msgid.
 */
int
dur_recv(dur_reply *out, kntest_conn *c, int timeout_ms, const char *what)
{
	const msgpack_object *o, *a;
	size_t len = 0, off = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (c->reply_len > 0)
		kn_buf_consume(&c->in, c->reply_len);
	c->reply_len = 0;
	rc = kntest_rpc_read(&len, c->fd, &c->in, DUR_REPLY_MAX, timeout_ms, what);
	if (rc <= 0)
		return rc == 0 ? 1 : -1;
	msgpack_unpacked_destroy(&c->up);
	msgpack_unpacked_init(&c->up);
	if (msgpack_unpack_next(&c->up, (const char *)c->in.ptr, len, &off) != MSGPACK_UNPACK_SUCCESS) {
		fprintf(stderr, "%s: %s: reply does not decode\n", DUR_PROG, what);
		return -1;
	}
	c->reply_len = len;
	o = &c->up.data;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4 ||
	    o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.array.ptr[0].via.u64 != 1 ||
	    o->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.array.ptr[1].via.u64 > UINT32_MAX) {
		fprintf(stderr, "%s: %s: reply is not [1, msgid, error, result]\n", DUR_PROG, what);
		return -1;
	}
	a = o->via.array.ptr;
	out->msgid = (uint32_t)a[1].via.u64;
	if (a[2].type != MSGPACK_OBJECT_NIL) {
		out->failed = 1;
		snprintf(out->code, sizeof(out->code), "?");
		snprintf(out->message, sizeof(out->message), "?");
		kn_map_str(out->code, sizeof(out->code), &a[2], "code");
		kn_map_str(out->message, sizeof(out->message), &a[2], "message");
		return 0;
	}
	if (a[3].type != MSGPACK_OBJECT_MAP) {
		fprintf(stderr, "%s: %s: result is not a map\n", DUR_PROG, what);
		return -1;
	}
	out->res = &a[3];
	return 0;
}

/* Send, then the one reply, which must be a success for this msgid. */
int
dur_call(dur_reply *out, kntest_conn *c, uint32_t msgid_flag, const char *method, const dur_args *a, const char *what)
{
	uint32_t id = msgid_flag | c->next_id++;
	int rc;

	if (dur_send(c, id, method, a, NULL, 0) != 0)
		return -1;
	rc = dur_recv(out, c, -1, what);
	if (rc == 1)
		fprintf(stderr, "%s: %s: the daemon closed the connection\n", DUR_PROG, what);
	if (rc != 0)
		return -1;
	if (out->msgid != id) {
		fprintf(stderr, "%s: %s: reply to msgid %u, expected %u\n", DUR_PROG, what, out->msgid, id);
		return -1;
	}
	if (out->failed) {
		fprintf(stderr, "%s: %s: error %s: %s\n", DUR_PROG, what, out->code, out->message);
		return -1;
	}
	return 0;
}

/* session.login, keeping the token. */
int
dur_login(char token[DUR_TOKEN_HEX], kntest_conn *c, const char *ident, const char *pass)
{
	dur_args a;
	dur_reply r;
	int rc;

	token[0] = '\0';
	dur_args_init(&a, 2);
	dur_args_str(&a, "user", ident);
	dur_args_str(&a, "passphrase", pass);
	rc = dur_call(&r, c, 0, "session.login", &a, "session.login");
	dur_args_free(&a);
	if (rc == 0 && kn_map_str(token, DUR_TOKEN_HEX, r.res, "token") != 0) {
		fprintf(stderr, "%s: session.login for %s: no token in the reply\n", DUR_PROG, ident);
		rc = -1;
	}
	return rc;
}

/* splitmix64: one step. */
uint64_t
dur_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform below n by rejection, so small ranges are not skewed. */
uint64_t
dur_rand_below(uint64_t *state, uint64_t n)
{
	uint64_t lim = UINT64_MAX - UINT64_MAX % n, v;

	do
		v = dur_rand(state);
	while (v >= lim);
	return v % n;
}

/* "%PDF-1.4", a comment naming the seed, hex filler, "%%EOF". */
int
dur_pdf(kn_buf *out, uint64_t seed, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t st = seed;
	size_t body;

	if (kn_buf_printf(out, "%%PDF-1.4\n%% Kinerja durability test %llu\n", (unsigned long long)seed) != 0)
		return -1;
	body = size > out->len + 8 ? size - out->len - 8 : 16;
	if (kn_buf_grow(out, body + 8) != 0)
		return -1;
	for (size_t i = 0; i < body; i += 16) {
		uint64_t v = dur_rand(&st);
		for (size_t k = 0; k < 16 && i + k < body; k++)
			out->ptr[out->len++] = (uint8_t)hex[(v >> (4 * k)) & 15];
	}
	return kn_buf_put(out, "\n%%EOF\n", 7);
}

/* Every chunk at its offset, then finish: the daemon reads them in order. */
int
dur_upload_send(kntest_conn *c, const char *token, const char *upload_id, const uint8_t *data, size_t len,
    size_t chunk_max, uint32_t finish_id)
{
	dur_args a;
	int sent = 0, rc = 0;

	for (size_t off = 0; off < len && rc == 0; off += chunk_max) {
		size_t n = len - off < chunk_max ? len - off : chunk_max;
		dur_args_init(&a, 4);
		dur_args_str(&a, "token", token);
		dur_args_str(&a, "upload_id", upload_id);
		dur_args_u64(&a, "offset", off);
		dur_args_bin_header(&a, "data", n);
		rc = dur_send(c, c->next_id++, "evidence.upload.chunk", &a, data + off, n);
		dur_args_free(&a);
		sent++;
	}
	if (rc == 0) {
		dur_args_init(&a, 2);
		dur_args_str(&a, "token", token);
		dur_args_str(&a, "upload_id", upload_id);
		rc = dur_send(c, finish_id, "evidence.upload.finish", &a, NULL, 0);
		dur_args_free(&a);
		sent++;
	}
	return rc == 0 ? sent : -1;
}

/*
 * The socket appears at bind(), a moment before listen(): wait until a
 * connection is accepted (or the daemon exits, or DUR_LISTEN_WAIT_MS pass).
 */
static int
dur__wait_listening(pid_t pid, const char *sock)
{
	struct sockaddr_un sa;

	if (kntest_unix_addr(&sa, sock) != 0)
		return -1;
	for (int waited = 0; waited < DUR_LISTEN_WAIT_MS; waited += DUR_LISTEN_POLL_MS) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int rc = fd >= 0 ? connect(fd, (struct sockaddr *)&sa, sizeof(sa)) : -1;
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "%s: kinerjad exited before listening\n", DUR_PROG);
			return -1;
		}
		kntest_sleep_ms(DUR_LISTEN_POLL_MS);
	}
	fprintf(stderr, "%s: kinerjad created %s but did not listen on it\n", DUR_PROG, sock);
	return -1;
}

/*
 * Put env into our own environment, point stdout and stderr at the log,
 * start the daemon (it inherits all that), then undo both.
 */
int
dur_daemon_start(pid_t *out, const char *bin, const char *dir, const char *sock, const char *const *extra,
    const char *const *env, const char *log_path)
{
	char name[DUR_ENV_MAX][128];
	char *old[DUR_ENV_MAX];
	int nenv = 0, logfd, save_out, save_err, rc;

	*out = -1;
	for (; env && env[nenv]; nenv++) {
		const char *eq = strchr(env[nenv], '=');
		if (nenv == DUR_ENV_MAX || eq == NULL || (size_t)(eq - env[nenv]) >= sizeof(name[0])) {
			fprintf(stderr, "%s: bad or too many environment settings for the daemon\n", DUR_PROG);
			rc = -1;
			goto out_restore_env;
		}
		memcpy(name[nenv], env[nenv], (size_t)(eq - env[nenv]));
		name[nenv][eq - env[nenv]] = '\0';
		old[nenv] = getenv(name[nenv]) ? strdup(getenv(name[nenv])) : NULL;
		setenv(name[nenv], eq + 1, 1);
	}
	unlink(sock);
	logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (logfd < 0) {
		fprintf(stderr, "%s: %s: %s\n", DUR_PROG, log_path, strerror(errno));
		rc = -1;
		goto out_restore_env;
	}
	fflush(stdout);
	fflush(stderr);
	save_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	save_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	dup2(logfd, STDOUT_FILENO);
	dup2(logfd, STDERR_FILENO);
	rc = kntest_daemon_start(out, bin, dir, sock, extra);
	fflush(stderr);
	dup2(save_out, STDOUT_FILENO);
	dup2(save_err, STDERR_FILENO);
	close(save_out);
	close(save_err);
	close(logfd);
	if (rc == 0)
		rc = dur__wait_listening(*out, sock);
	if (rc != 0)
		fprintf(stderr, "%s: kinerjad did not start; see %s\n", DUR_PROG, log_path);
out_restore_env:
	while (nenv-- > 0) {
		if (old[nenv]) {
			setenv(name[nenv], old[nenv], 1);
			free(old[nenv]);
		} else {
			unsetenv(name[nenv]);
		}
	}
	return rc;
}
