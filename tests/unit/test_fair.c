/*
 * test_fair.c - fair and bounded serving, against the real kinerjad on a
 * store of a few thousand people: long listings come in pages that hold
 * every item exactly once and refuse a cursor they cannot follow; the CLI
 * follows the pages by itself; a second client is answered promptly while
 * a first has 10,000 requests pipelined; heavy work (listings of a
 * thousand people, evidence verification, logins at the real Argon2id
 * cost) does not hold up `status` for anyone else; and a flood of logins
 * does not hold up other people's slow reads.
 *
 * The store is built once (group setup) by a daemon at the test Argon2id
 * cost; one more person is then enrolled at the real cost. Each test
 * starts its own daemon on that store with the settings it needs and
 * stops it at the end. Time bounds are generous (seconds where
 * milliseconds are expected): they tell "served between other work" from
 * "served after it", not fast from slow.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>

#include "../../util/kn.h"
#include "../../util/mpmap.h"
#include "../lib/kntest.h"

#define PEOPLE 3000            /* enrolled in bulk, besides the operator and one more */
#define ENROLL_CONNS 8
#define STOP_TIMEOUT_MS 20000
#define MAX_REPLY (16 << 20)
#define PROMPT_S 2.0           /* "answered promptly": generous on purpose */
#define UPLOADS 7              /* versions in the bulk guru's evidence */

static char dir[64], sock[128], logpath[160], bin[512], build[400];
static pid_t daemon_pid = -1;

typedef struct {
	const char *ident, *pass, *name;
	char token[65], key[65];
} person;

static person op = { "1234567890123456", "operator-pass", "Siti Aminah", "", "" };
static person guru = { "7700000000000000", "bulk-guru-pass", "Guru 00000", "", "" }; /* the first of the bulk */
static person argon = { "7799999999999999", "argon-guru-pass", "Argon Guru", "", "" }; /* sealed at the real cost */
static char evidence_doc[200];

/* ---- requests ---- */

/* Pack a named-argument map: string pairs kv (NULL-terminated), then "limit" when limit > 0. */
static void
pack_args(kn_buf *out, const char **kv, long limit)
{
	msgpack_packer pk;
	uint32_t n = limit > 0;

	for (const char **p = kv; p && *p; p += 2)
		n++;
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, n);
	for (const char **p = kv; p && *p; p += 2) {
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

/* One call on c with packed params; returns the reply (borrowed from c until its next call). */
static const msgpack_object *
call_params(kntest_conn *c, const char *method, const kn_buf *params)
{
	const msgpack_object *reply;
	uint32_t id = c->next_id++;

	assert_int_equal(kntest_conn_send(c, id, method, 1, params, NULL, 0), 0);
	assert_int_equal(kntest_conn_recv(&reply, c, MAX_REPLY, method), 0);
	assert_int_equal(reply->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(reply->via.array.size, 4);
	assert_int_equal(reply->via.array.ptr[1].via.u64, id);
	return reply;
}

/* One call with string arguments and an optional limit. */
static const msgpack_object *
call(kntest_conn *c, const char *method, const char **kv, long limit)
{
	kn_buf params = KN_BUF_INIT;
	pack_args(&params, kv, limit);
	const msgpack_object *r = call_params(c, method, &params);
	kn_buf_free(&params);
	return r;
}

/* The error code of a reply, "" when it succeeded. */
static const char *
err_code(const msgpack_object *reply)
{
	static char code[32];
	const msgpack_object *e = &reply->via.array.ptr[2];

	if (e->type == MSGPACK_OBJECT_NIL)
		return "";
	assert_int_equal(kn_map_str(code, sizeof(code), e, "code"), 0);
	return code;
}

/* The field an error names. */
static const char *
err_field(const msgpack_object *reply)
{
	static char field[64];

	assert_int_equal(kn_map_str(field, sizeof(field), &reply->via.array.ptr[2], "field"), 0);
	return field;
}

/* The result map of a successful reply; any error fails the test, with its message. */
static const msgpack_object *
result(const msgpack_object *reply)
{
	if (reply->via.array.ptr[2].type != MSGPACK_OBJECT_NIL) {
		char msg[512] = "?";
		kn_map_str(msg, sizeof(msg), &reply->via.array.ptr[2], "message");
		fail_msg("unexpected error %s: %s", err_code(reply), msg);
	}
	return &reply->via.array.ptr[3];
}

/* Log p in; its token and key go into p. */
static void
login(kntest_conn *c, person *p)
{
	const char *kv[] = { "user", p->ident, "passphrase", p->pass, NULL };
	const msgpack_object *r = result(call(c, "session.login", kv, 0));

	assert_int_equal(kn_map_str(p->token, sizeof(p->token), r, "token"), 0);
	assert_int_equal(kn_map_str(p->key, sizeof(p->key), r, "key"), 0);
}

/* ---- the daemon ---- */

/* Start kinerjad on the fixture's store with extra settings; its log goes to logpath. */
static void
daemon_up(const char *const *extra)
{
	const char *args[40];
	size_t n = 0;
	static const char *const base[] = { "--set", "keys.pwhash=min", "--set", "store.nosync=true", "--log-level", "info" };

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		args[n++] = base[i];
	for (size_t i = 0; extra && extra[i]; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	/* a daemon killed by a test that failed leaves its socket: wait for the new one, not that */
	unlink(sock);
	fflush(stderr);
	int saved = dup(2), lf = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved >= 0 && lf >= 0);
	dup2(lf, 2);
	close(lf);
	int rc = kntest_daemon_start(&daemon_pid, bin, dir, sock, args);
	dup2(saved, 2);
	close(saved);
	if (rc != 0) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "tail -20 %s >&2", logpath);
		if (system(cmd) != 0)
			fprintf(stderr, "(no daemon log)\n");
	}
	assert_int_equal(rc, 0);
	/* the socket file appears at bind(), a moment before listen(): wait until it answers */
	struct sockaddr_un sa;
	assert_int_equal(kntest_unix_addr(&sa, sock), 0);
	for (int i = 0;; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		if (fd >= 0)
			close(fd);
		if (ok)
			break;
		assert_true(i < 400);
		kntest_sleep_ms(25);
	}
}

/* SIGTERM: the daemon must exit 0. */
static void
daemon_down(void)
{
	if (daemon_pid > 0)
		assert_int_equal(kntest_daemon_stop(daemon_pid, STOP_TIMEOUT_MS), 0);
	daemon_pid = -1;
}

/* ---- building the store ---- */

/* NUPTK of bulk person i: 77 and fourteen digits. */
static void
bulk_ident(char out[17], int i)
{
	snprintf(out, 17, "77%014d", i);
}

/* Enroll people [from, to) over several connections, two requests in flight on each. */
static void
enroll_bulk(int from, int to)
{
	kntest_conn c[ENROLL_CONNS];
	int inflight[ENROLL_CONNS] = { 0 }, next = from, left = to - from;
	uint32_t ids[ENROLL_CONNS][2];

	for (int k = 0; k < ENROLL_CONNS; k++)
		assert_int_equal(kntest_conn_open(&c[k], sock, 60), 0);
	while (left > 0) {
		for (int k = 0; k < ENROLL_CONNS; k++) {
			while (inflight[k] < 2 && next < to) {
				char ident[17], name[32];
				kn_buf p = KN_BUF_INIT;
				bulk_ident(ident, next);
				snprintf(name, sizeof(name), "Guru %05d", next);
				const char *kv[] = { "token", op.token, "name", name, "role", "guru", "status", "NON_ASN", "nuptk", ident,
					"passphrase", guru.pass, NULL };
				pack_args(&p, kv, 0);
				ids[k][inflight[k]] = c[k].next_id++;
				assert_int_equal(kntest_conn_send(&c[k], ids[k][inflight[k]], "user.add", 1, &p, NULL, 0), 0);
				kn_buf_free(&p);
				inflight[k]++;
				next++;
			}
		}
		for (int k = 0; k < ENROLL_CONNS; k++) {
			if (inflight[k] == 0)
				continue;
			const msgpack_object *reply, *res;
			assert_int_equal(kntest_conn_recv(&reply, &c[k], MAX_REPLY, "user.add"), 0);
			assert_int_equal(kntest_rpc_result(&res, reply, reply->via.array.ptr[1].via.u64, "user.add"), 0);
			inflight[k]--;
			left--;
		}
	}
	for (int k = 0; k < ENROLL_CONNS; k++)
		kntest_conn_close(&c[k]);
}

/* One small PDF uploaded by p to slot; each call's bytes differ, so each is a new version. */
static void
upload(kntest_conn *c, const person *p, const char *slot, int n)
{
	char pdf[128], name[32], id[40];
	kn_buf a = KN_BUF_INIT;
	msgpack_packer pk;
	int len = snprintf(pdf, sizeof(pdf), "%%PDF-1.4\n%% Bukti Dukung %d\n%%%%EOF\n", n);

	snprintf(name, sizeof(name), "bukti-%d.pdf", n);
	const char *kv[] = { "token", p->token, "slot", slot, "name", name, NULL };
	msgpack_packer_init(&pk, &a, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 4);
	for (int i = 0; i < 6; i += 2) {
		msgpack_pack_str(&pk, strlen(kv[i]));
		msgpack_pack_str_body(&pk, kv[i], strlen(kv[i]));
		msgpack_pack_str(&pk, strlen(kv[i + 1]));
		msgpack_pack_str_body(&pk, kv[i + 1], strlen(kv[i + 1]));
	}
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "size", 4);
	msgpack_pack_uint64(&pk, (uint64_t)len);
	assert_int_equal(kn_map_str(id, sizeof(id), result(call_params(c, "evidence.upload.begin", &a)), "upload_id"), 0);
	kn_buf_clear(&a);
	msgpack_pack_map(&pk, 4);
	msgpack_pack_str(&pk, 5);
	msgpack_pack_str_body(&pk, "token", 5);
	msgpack_pack_str(&pk, 64);
	msgpack_pack_str_body(&pk, p->token, 64);
	msgpack_pack_str(&pk, 9);
	msgpack_pack_str_body(&pk, "upload_id", 9);
	msgpack_pack_str(&pk, strlen(id));
	msgpack_pack_str_body(&pk, id, strlen(id));
	msgpack_pack_str(&pk, 6);
	msgpack_pack_str_body(&pk, "offset", 6);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "data", 4);
	msgpack_pack_bin(&pk, (size_t)len);
	msgpack_pack_bin_body(&pk, pdf, (size_t)len);
	result(call_params(c, "evidence.upload.chunk", &a));
	kn_buf_free(&a);
	const char *fin[] = { "token", p->token, "upload_id", id, NULL };
	result(call(c, "evidence.upload.finish", fin, 0));
}

/*
 * The school, PEOPLE teachers at the test cost, UPLOADS versions of the
 * first teacher's Bukti Dukung; then, on a daemon at the real cost, one
 * more teacher whose logins cost what a real login costs.
 */
static int
setup(void **state)
{
	static const char *const real[] = { "--set", "keys.pwhash=interactive", NULL };
	const char *b = getenv("KINERJA_BUILD");
	kntest_conn c;
	(void)state;

	snprintf(build, sizeof(build), "%s", b ? b : "build");
	snprintf(bin, sizeof(bin), "%s/kinerjad", build);
	assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-fair.XXXXXX"), 0);
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(logpath, sizeof(logpath), "%s/daemon.log", dir);
	daemon_up(NULL);
	assert_int_equal(kntest_conn_open(&c, sock, 60), 0);
	const char *init[] = { "npsn", "20100001", "name", "SD Negeri 1 Contoh", "operator_name", op.name, "operator_nuptk",
		op.ident, "passphrase", op.pass, NULL };
	result(call(&c, "school.init", init, 0));
	login(&c, &op);
	enroll_bulk(0, PEOPLE);
	login(&c, &guru);
	for (int i = 0; i < UPLOADS; i++) {
		char slot[24];
		snprintf(slot, sizeof(slot), "berkas-%d", i + 1); /* not an RHK slot: those need an agreed plan */
		upload(&c, &guru, slot, i);
	}
	const char *ev[] = { "token", guru.token, NULL };
	const msgpack_object *r = result(call(&c, "evidence.history", ev, 0));
	char period[16];
	assert_int_equal(kn_map_str(period, sizeof(period), r, "period"), 0);
	snprintf(evidence_doc, sizeof(evidence_doc), "evidence/20100001/%s.%s", guru.key, period);
	kntest_conn_close(&c);
	daemon_down();

	daemon_up(real);
	assert_int_equal(kntest_conn_open(&c, sock, 120), 0);
	login(&c, &op);
	const char *kv[] = { "token", op.token, "name", argon.name, "role", "guru", "status", "NON_ASN", "nuptk", argon.ident,
		"passphrase", argon.pass, NULL };
	result(call(&c, "user.add", kv, 0));
	kntest_conn_close(&c);
	daemon_down();
	return 0;
}

/* After the group: no daemon left, no directory left. */
static int
teardown(void **state)
{
	(void)state;
	if (daemon_pid > 0)
		kntest_child_stop(daemon_pid, SIGKILL, STOP_TIMEOUT_MS);
	assert_int_equal(kntest_rm_rf(dir), 0);
	return 0;
}

/* Stop the test's daemon even when the test failed half way. */
static int
test_teardown(void **state)
{
	(void)state;
	if (daemon_pid > 0)
		kntest_child_stop(daemon_pid, SIGTERM, STOP_TIMEOUT_MS);
	daemon_pid = -1;
	return 0;
}

/* ---- pagination ---- */

/*
 * Walk a listing with pages of limit items: every page but the last is
 * full, "next" is nil only on the last, and each item's id (field idkey)
 * goes into ids (64 hex characters each). Returns the number of items.
 */
static size_t
walk(kntest_conn *c, const char *method, const char **kv, const char *list, const char *idkey, long limit, char (*ids)[65],
    size_t max)
{
	char cursor[80] = "";
	size_t n = 0;
	const char *args[16];
	size_t na = 0;

	for (const char **p = kv; *p; p++)
		args[na++] = *p;
	for (int page = 0;; page++) {
		args[na] = cursor[0] ? "cursor" : NULL;
		args[na + 1] = cursor;
		args[na + 2] = NULL;
		const msgpack_object *r = result(call(c, method, args, limit));
		const msgpack_object *items = kn_map_get(r, list), *next = kn_map_get(r, "next");
		assert_non_null(items);
		assert_non_null(next);
		assert_int_equal(items->type, MSGPACK_OBJECT_ARRAY);
		assert_true(items->via.array.size <= (uint32_t)limit);
		for (uint32_t i = 0; i < items->via.array.size; i++) {
			assert_true(n < max);
			assert_int_equal(kn_map_str(ids[n], 65, &items->via.array.ptr[i], idkey), 0);
			n++;
		}
		if (next->type == MSGPACK_OBJECT_NIL)
			break;
		assert_int_equal(items->via.array.size, (uint32_t)limit);
		assert_int_equal(next->type, MSGPACK_OBJECT_STR);
		assert_int_equal(kn_map_str(cursor, sizeof(cursor), r, "next"), 0);
		assert_true(page < 100000);
	}
	return n;
}

/* qsort order of 64-hex ids. */
static int
cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* No id twice; every id of want (sorted here) is in got. */
static void
expect_same_once(char (*got)[65], size_t ngot, char (*want)[65], size_t nwant)
{
	assert_int_equal(ngot, nwant);
	qsort(got, ngot, 65, cmp_id);
	qsort(want, nwant, 65, cmp_id);
	for (size_t i = 0; i < ngot; i++) {
		if (i > 0)
			assert_string_not_equal(got[i - 1], got[i]);
		assert_string_equal(got[i], want[i]);
	}
}

/*
 * Pages of user.list (3002 people), record.history and evidence.history
 * hold every item exactly once, in order; what cannot be followed is
 * refused naming the argument; the CLI joins the pages by itself.
 */
static void
test_fair__pages_hold_every_item_once(void **state)
{
	static char (*all)[65], (*paged)[65];
	size_t total = PEOPLE + 2, n;
	kntest_conn c;
	(void)state;

	all = calloc(total + 1, 65);
	paged = calloc(total + 1, 65);
	daemon_up(NULL);
	assert_int_equal(kntest_conn_open(&c, sock, 60), 0);
	login(&c, &op);
	login(&c, &guru);

	/* user.list: the largest pages, then an odd size; the same people, each once, in key order */
	const char *tok[] = { "token", op.token, NULL };
	n = walk(&c, "user.list", tok, "users", "key", 1000, all, total + 1);
	assert_int_equal(n, total);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(all[i - 1], all[i]) < 0);
	n = walk(&c, "user.list", tok, "users", "key", 97, paged, total + 1);
	expect_same_once(paged, n, all, total);
	/* no limit: the default page, with a cursor to go on */
	const msgpack_object *r = result(call(&c, "user.list", tok, 0));
	assert_int_equal(kn_map_get(r, "users")->via.array.size, 100);
	assert_int_equal(kn_map_get(r, "next")->type, MSGPACK_OBJECT_STR);

	/* record.history and evidence.history of a document of UPLOADS versions, in pages of 2 and 3 */
	const char *doc[] = { "token", guru.token, "doc", evidence_doc, NULL };
	n = walk(&c, "record.history", doc, "records", "id", 1000, all, total);
	assert_int_equal(n, UPLOADS);
	n = walk(&c, "record.history", doc, "records", "id", 2, paged, total);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(paged[i], all[i]); /* oldest first, same order */
	expect_same_once(paged, n, all, UPLOADS);
	const char *ev[] = { "token", guru.token, NULL };
	n = walk(&c, "evidence.history", ev, "versions", "record", 3, paged, total);
	expect_same_once(paged, n, all, UPLOADS);
	const char *ev_slot[] = { "token", guru.token, "slot", "berkas-2", NULL };
	n = walk(&c, "evidence.history", ev_slot, "versions", "record", 1, paged, total);
	assert_int_equal(n, 1);

	/* what cannot be followed is refused, naming the argument */
	const char *bad_hex[] = { "token", op.token, "cursor", "zz", NULL };
	r = call(&c, "user.list", bad_hex, 0);
	assert_string_equal(err_code(r), "invalid");
	assert_string_equal(err_field(r), "cursor");
	char nobody[65];
	memset(nobody, '0', 64);
	nobody[64] = '\0';
	const char *bad_who[] = { "token", op.token, "cursor", nobody, NULL };
	r = call(&c, "user.list", bad_who, 0);
	assert_string_equal(err_code(r), "invalid");
	assert_string_equal(err_field(r), "cursor");
	/* a record id that is not of this document */
	const char *bad_doc[] = { "token", guru.token, "doc", evidence_doc, "cursor", nobody, NULL };
	r = call(&c, "record.history", bad_doc, 0);
	assert_string_equal(err_code(r), "invalid");
	assert_string_equal(err_field(r), "cursor");
	const char *bad_ev[] = { "token", guru.token, "cursor", op.key, NULL };
	r = call(&c, "evidence.history", bad_ev, 0);
	assert_string_equal(err_code(r), "invalid");
	assert_string_equal(err_field(r), "cursor");
	r = call(&c, "user.list", tok, 1001);
	assert_string_equal(err_code(r), "invalid");
	assert_string_equal(err_field(r), "limit");
	const char *str_limit[] = { "token", op.token, "limit", "5", NULL };
	r = call(&c, "user.list", str_limit, 0);
	assert_string_equal(err_code(r), "invalid");
	assert_string_equal(err_field(r), "limit");
	kntest_conn_close(&c);

	/* the CLI follows the pages by itself: every person, once */
	char cmd[2048], line[64];
	snprintf(cmd, sizeof(cmd),
	    "export KINERJA_SESSION=%s/cli-session; echo %s | %s/kinerja --socket %s login %s >/dev/null && "
	    "%s/kinerja --socket %s --json user list | grep -c '\"key\":'",
	    dir, op.pass, build, sock, op.ident, build, sock);
	FILE *fp = popen(cmd, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_int_equal(pclose(fp), 0);
	assert_int_equal(strtoul(line, NULL, 10), total);
	daemon_down();
	free(all);
	free(paged);
}

/* ---- fairness ---- */

/*
 * A client in a child process: sends n requests pipelined (every fourth
 * `status`, the others `user.list` pages of 100) while reading and
 * dropping the replies, until it is killed or all are answered.
 */
static void
greedy_main(int n)
{
	kntest_conn c;
	kn_buf out = KN_BUF_INIT, params = KN_BUF_INIT;
	const char *tok[] = { "token", op.token, NULL };
	size_t sent = 0;
	int answered = 0;

	if (kntest_conn_open(&c, sock, 60) != 0)
		_exit(1);
	pack_args(&params, tok, 100);
	for (int i = 0; i < n; i++) {
		if (i % 4 == 0) {
			kntest_rpc_pack(&out, (uint32_t)i + 1, "status", 0);
		} else {
			kntest_rpc_pack(&out, (uint32_t)i + 1, "user.list", 1);
			kn_buf_put(&out, params.ptr, params.len);
		}
	}
	fcntl(c.fd, F_SETFL, O_NONBLOCK);
	while (answered < n) {
		struct pollfd p = { c.fd, POLLIN | (sent < out.len ? POLLOUT : 0), 0 };
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			_exit(1);
		if ((p.revents & POLLOUT) && sent < out.len) {
			ssize_t w = write(c.fd, out.ptr + sent, out.len - sent);
			if (w > 0)
				sent += (size_t)w;
		}
		if (p.revents & (POLLIN | POLLHUP)) {
			uint8_t buf[65536];
			ssize_t r = read(c.fd, buf, sizeof(buf));
			if (r == 0)
				_exit(2);
			/* replies are not decoded: counting them is not the point */
			(void)r;
		}
	}
	_exit(0);
}

/* Time one `status` on a new connection, in seconds; no answer within 10 s fails the test. */
static double
status_time(void)
{
	kntest_conn c;
	const msgpack_object *reply, *res;
	double t0 = kntest_now_s();

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	assert_int_equal(kntest_conn_send(&c, 7, "status", 0, NULL, NULL, 0), 0);
	if (kntest_conn_recv(&reply, &c, MAX_REPLY, "status") != 0)
		fail_msg("status was not answered within 10 s while another client kept the daemon busy");
	assert_int_equal(kntest_rpc_result(&res, reply, 7, "status"), 0);
	kntest_conn_close(&c);
	return kntest_now_s() - t0;
}

/*
 * While one client has 10,000 requests pipelined (status and pages of
 * user.list), another is answered promptly, both status on new
 * connections and a page of its own.
 */
static void
test_fair__second_client_prompt_while_first_pipelines(void **state)
{
	/* replies may pile up (64 MiB): the greedy client is held back by turns, not by its output */
	static const char *const args[] = { "--set", "daemon.max_output_kb=65536", NULL };
	kntest_conn c;
	(void)state;

	daemon_up(args);
	assert_int_equal(kntest_conn_open(&c, sock, 60), 0);
	login(&c, &op);
	fflush(stdout);
	fflush(stderr);
	pid_t g = fork();
	assert_true(g >= 0);
	if (g == 0)
		greedy_main(10000);
	kntest_sleep_ms(300);
	double worst = 0;
	for (int i = 0; i < 10; i++) {
		double t = status_time();
		if (t > worst)
			worst = t;
		/* a listing of its own, on the connection logged in before */
		double t0 = kntest_now_s();
		const char *tok[] = { "token", op.token, NULL };
		const msgpack_object *r = result(call(&c, "user.list", tok, 5));
		assert_int_equal(kn_map_get(r, "users")->via.array.size, 5);
		t = kntest_now_s() - t0;
		if (t > worst)
			worst = t;
		kntest_sleep_ms(50);
	}
	/* the greedy client was still being served: it did not finish first */
	assert_int_equal(waitpid(g, NULL, WNOHANG), 0);
	kntest_child_stop(g, SIGKILL, 5000);
	print_message("slowest answer to the second client: %.3f s\n", worst);
	if (worst > PROMPT_S)
		fail_msg("the second client waited %.1f s while the first had 10,000 requests pipelined", worst);
	kntest_conn_close(&c);
	daemon_down();
}

/* A heavy client in a child process: send reqs pipelined, read every reply, exit 0 when each is fine or busy. */
static void
heavy_main(const char *method, const char **kv, long limit, int n)
{
	kntest_conn c;
	kn_buf params = KN_BUF_INIT, out = KN_BUF_INIT;
	const msgpack_object *reply;

	if (kntest_conn_open(&c, sock, 120) != 0)
		_exit(1);
	pack_args(&params, kv, limit);
	for (int i = 0; i < n; i++) {
		kntest_rpc_pack(&out, (uint32_t)i + 1, method, 1);
		kn_buf_put(&out, params.ptr, params.len);
	}
	if (kn_write_full(c.fd, out.ptr, out.len) != 0)
		_exit(1);
	for (int i = 0; i < n; i++) {
		if (kntest_conn_recv(&reply, &c, MAX_REPLY, method) != 0)
			_exit(1);
		const msgpack_object *e = &reply->via.array.ptr[2];
		char code[32] = "";
		if (e->type != MSGPACK_OBJECT_NIL && (kn_map_str(code, sizeof(code), e, "code") != 0 || strcmp(code, "busy") != 0)) {
			fprintf(stderr, "test_fair: %s: error %s\n", method, code);
			_exit(1);
		}
	}
	_exit(0);
}

/*
 * Heavy work of other clients, all at once: twenty pages of 1000 people,
 * deep verification of the evidence repository, logins at the real
 * Argon2id cost. status stays prompt throughout, and every heavy request
 * is answered (or told busy).
 */
static void
test_fair__heavy_work_does_not_delay_status(void **state)
{
	static const char *const args[] = { "--set", "daemon.max_output_kb=65536", NULL };
	pid_t kids[5];
	int nkids = 0;
	kntest_conn c;
	(void)state;

	daemon_up(args);
	assert_int_equal(kntest_conn_open(&c, sock, 60), 0);
	login(&c, &op);
	kntest_conn_close(&c);
	const char *tok[] = { "token", op.token, NULL };
	const char *real[] = { "user", argon.ident, "passphrase", argon.pass, NULL };
	fflush(stdout);
	fflush(stderr);
	for (int k = 0; k < 5; k++) {
		pid_t p = fork();
		assert_true(p >= 0);
		if (p == 0) {
			if (k == 0)
				heavy_main("user.list", tok, 1000, 20);  /* large listings */
			else if (k == 1)
				heavy_main("evidence.verify", tok, 0, 4); /* deep: every blob read */
			else
				heavy_main("session.login", real, 0, 2); /* Argon2id at the real cost */
		}
		kids[nkids++] = p;
	}
	double worst = 0, t0 = kntest_now_s();
	int running = nkids, probes = 0;
	while (running > 0 && kntest_now_s() - t0 < 120) {
		double t = status_time();
		if (t > worst)
			worst = t;
		probes++;
		kntest_sleep_ms(20);
		running = 0;
		for (int k = 0; k < nkids; k++) {
			int st;
			if (kids[k] > 0 && waitpid(kids[k], &st, WNOHANG) == kids[k]) {
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
					fail_msg("heavy client %d failed (status %d)", k, st);
				kids[k] = -1;
			}
			running += kids[k] > 0;
		}
	}
	for (int k = 0; k < nkids; k++)
		if (kids[k] > 0)
			kntest_child_stop(kids[k], SIGKILL, 5000);
	assert_int_equal(running, 0);
	print_message("%d status probes during heavy work; slowest %.3f s\n", probes, worst);
	if (worst > PROMPT_S)
		fail_msg("status waited %.1f s behind heavy work of other clients", worst);
	daemon_down();
}

/*
 * A flood of logins at the real Argon2id cost from many connections does
 * not hold up other people's slow requests: evidence.list (a git read on a
 * worker) and user.list pages stay prompt while the logins queue up.
 */
static void
test_fair__login_flood_leaves_reads_alone(void **state)
{
	enum { FLOODERS = 12, LOGINS_EACH = 2 };
	pid_t kids[FLOODERS];
	kntest_conn g, o;
	(void)state;

	daemon_up(NULL);
	assert_int_equal(kntest_conn_open(&g, sock, 60), 0);
	assert_int_equal(kntest_conn_open(&o, sock, 60), 0);
	login(&g, &guru);
	login(&o, &op);
	const char *real[] = { "user", argon.ident, "passphrase", argon.pass, NULL };
	fflush(stdout);
	fflush(stderr);
	for (int k = 0; k < FLOODERS; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0)
			heavy_main("session.login", real, 0, LOGINS_EACH);
	}
	kntest_sleep_ms(100);
	const char *gl[] = { "token", guru.token, NULL };
	const char *ol[] = { "token", op.token, NULL };
	double worst = 0, t0 = kntest_now_s();
	int running = FLOODERS, probes = 0, overlapped = 0;
	while (running > 0 && kntest_now_s() - t0 < 120) {
		double t1 = kntest_now_s();
		overlapped++; /* logins were still running when this probe began */
		const msgpack_object *r = result(call(&g, "evidence.list", gl, 0));
		assert_int_equal(kn_map_get(r, "files")->via.array.size, UPLOADS);
		r = result(call(&o, "user.list", ol, 10));
		assert_int_equal(kn_map_get(r, "users")->via.array.size, 10);
		double t = kntest_now_s() - t1;
		if (t > worst)
			worst = t;
		probes++;
		kntest_sleep_ms(20);
		running = 0;
		for (int k = 0; k < FLOODERS; k++) {
			int st;
			if (kids[k] > 0 && waitpid(kids[k], &st, WNOHANG) == kids[k]) {
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
					fail_msg("login client %d failed (status %d)", k, st);
				kids[k] = -1;
			}
			running += kids[k] > 0;
		}
	}
	for (int k = 0; k < FLOODERS; k++)
		if (kids[k] > 0)
			kntest_child_stop(kids[k], SIGKILL, 5000);
	assert_int_equal(running, 0);
	assert_true(overlapped > 0);
	print_message("%d read probes during %d logins at the real cost; slowest %.3f s\n", probes,
	    FLOODERS * LOGINS_EACH, worst);
	if (worst > PROMPT_S)
		fail_msg("a listing waited %.1f s behind other people's logins", worst);
	kntest_conn_close(&g);
	kntest_conn_close(&o);
	daemon_down();
}

/* The tests share the store built by setup; each runs its own daemon. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fair__pages_hold_every_item_once, test_teardown),
		cmocka_unit_test_teardown(test_fair__second_client_prompt_while_first_pipelines, test_teardown),
		cmocka_unit_test_teardown(test_fair__heavy_work_does_not_delay_status, test_teardown),
		cmocka_unit_test_teardown(test_fair__login_flood_leaves_reads_alone, test_teardown),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
