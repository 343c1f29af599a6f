/*
 * test_login.c - passphrases against the real kinerjad: the login
 * throttle (a try counts when it starts, one at a time, a short capped
 * wait, kept across a restart, cleared by the operator), the log line of a
 * failed login, a person changing their own passphrase, and the operator's
 * reset with a one-time passphrase (and its refusal for a person enrolled
 * without a recovery copy).
 *
 * The daemon runs with keys.login_delay_max_s = 3, so the waits here are
 * at most 3 seconds; its log goes to <dir>/daemon.log.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>

#include "../../store/store.h"
#include "../../util/kn.h"
#include "../../util/mpmap.h"
#include "../lib/kntest.h"

#define STOP_TIMEOUT_MS 20000
#define MAX_REPLY (1 << 20)
#define DELAY_MAX_S 3
#define FLOOD 64
#define WINDOW_TRIES 5   /* the daemon's LOGIN_WINDOW_TRIES: tries checked in any window */

static char dir[64], sock[128], logpath[128];
static pid_t daemon_pid;

typedef struct {
	const char *ident, *pass, *name, *role;
	char key[65], token[65];
} person;

static person op = { "1234567890123456", "operator-pass", "Siti Aminah", "operator", "", "" };
static person ani = { "198501012010011001", "guru-pass-ani", "Ani Guru", "guru", "", "" };
static person beni = { "198601012010011002", "guru-pass-beni", "Beni Guru", "guru", "", "" };
static person citra = { "198701012010012003", "guru-pass-citra", "Citra Guru", "guru", "", "" };
static person dodi = { "198801012010011004", "guru-pass-dodi", "Dodi Guru", "guru", "", "" };
static person eko = { "198901012010011005", "guru-pass-eko", "Eko Guru", "guru", "", "" };

/* Pack a map of string pairs (NULL-terminated) into out. */
static void
pack_kv(kn_buf *out, const char **kv)
{
	msgpack_packer pk;
	uint32_t n = 0;

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
}

/* One call with string arguments; the reply is borrowed from c until its next call. */
static const msgpack_object *
call(kntest_conn *c, const char *method, const char **kv)
{
	kn_buf params = KN_BUF_INIT;
	const msgpack_object *reply;
	uint32_t id = c->next_id++;

	pack_kv(&params, kv);
	assert_int_equal(kntest_conn_send(c, id, method, 1, &params, NULL, 0), 0);
	assert_int_equal(kntest_conn_recv(&reply, c, MAX_REPLY, method), 0);
	kn_buf_free(&params);
	assert_int_equal(reply->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(reply->via.array.size, 4);
	assert_int_equal(reply->via.array.ptr[1].via.u64, id);
	return reply;
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

static const char *
err_message(const msgpack_object *reply)
{
	static char msg[1024];

	if (reply->via.array.ptr[2].type == MSGPACK_OBJECT_NIL)
		return "";
	assert_int_equal(kn_map_str(msg, sizeof(msg), &reply->via.array.ptr[2], "message"), 0);
	return msg;
}

static const msgpack_object *
result(const msgpack_object *reply)
{
	if (reply->via.array.ptr[2].type != MSGPACK_OBJECT_NIL)
		fail_msg("unexpected error %s: %s", err_code(reply), err_message(reply));
	return &reply->via.array.ptr[3];
}

static int
bool_of(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = kn_map_get(map, key);

	assert_non_null(o);
	assert_int_equal(o->type, MSGPACK_OBJECT_BOOLEAN);
	return o->via.boolean;
}

static uint64_t
u64_of(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = kn_map_get(map, key);

	assert_non_null(o);
	assert_int_equal(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	return o->via.u64;
}

/* session.login as p with pass; the reply as it came. */
static const msgpack_object *
try_login(kntest_conn *c, const person *p, const char *pass)
{
	const char *kv[] = { "user", p->ident, "passphrase", pass, NULL };

	return call(c, "session.login", kv);
}

/* Log p in with pass, keeping the token and key. */
static const msgpack_object *
login_as(kntest_conn *c, person *p, const char *pass)
{
	const msgpack_object *r = result(try_login(c, p, pass));

	assert_int_equal(kn_map_str(p->token, sizeof(p->token), r, "token"), 0);
	assert_int_equal(kn_map_str(p->key, sizeof(p->key), r, "key"), 0);
	return r;
}

/* Argon2id unlocks started for logins and passphrase changes, from status. */
static uint64_t
evaluations(void)
{
	kntest_conn c;
	uint64_t n;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	n = u64_of(result(call(&c, "status", NULL)), "login_evaluations");
	kntest_conn_close(&c);
	return n;
}

/* Seconds the daemon says to wait in a KN_EBUSY reply ("wait N second(s)"). */
static int
wait_of(const msgpack_object *reply)
{
	const char *m = strstr(err_message(reply), "tunggu ");

	assert_non_null(m);
	return atoi(m + 7);
}

/*
 * Start kinerjad on dir, its log appended to logpath. pwhash is the
 * Argon2id cost of keys sealed from now on ("min" but for one person, see
 * setup()); opening a key costs what it was sealed with.
 */
static void
daemon_start_cost(const char *pwhash)
{
	char cost[64];
	const char *const args[] = { "--set", cost, "--set", "keys.login_delay_max_s=3", "--log-level", "info", NULL };
	const char *b = getenv("KINERJA_BUILD");
	char bin[512];
	int fd, saved;

	snprintf(cost, sizeof(cost), "keys.pwhash=%s", pwhash);
	snprintf(bin, sizeof(bin), "%s/kinerjad", b ? b : "build");
	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	int rc = kntest_daemon_start(&daemon_pid, bin, dir, sock, args);
	dup2(saved, 2);
	close(saved);
	close(fd);
	assert_int_equal(rc, 0);
}

static void
daemon_start(void)
{
	daemon_start_cost("min");
}

static void
daemon_stop(void)
{
	int status = kntest_child_stop(daemon_pid, SIGTERM, STOP_TIMEOUT_MS);

	assert_int_not_equal(status, -1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	daemon_pid = -1;
}

static void
enroll(kntest_conn *c, person *p)
{
	const char *kv[] = { "token", op.token, "name", p->name, "role", p->role, "nip", p->ident, "passphrase", p->pass,
		NULL };
	const msgpack_object *r = result(call(c, "user.add", kv));

	assert_int_equal(kn_map_str(p->key, sizeof(p->key), r, "key"), 0);
}

/*
 * A school with an operator and five teachers, each for one test. The
 * operator's and Ani's keys are sealed at the default ("interactive")
 * cost, so that checking Ani's passphrase takes a tenth of a second or
 * more: long enough for a whole flood of tries to arrive while one check
 * runs. The others are sealed at the minimum cost, for speed.
 */
static int
setup(void **state)
{
	kntest_conn c;
	(void)state;

	assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-login.XXXXXX"), 0);
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(logpath, sizeof(logpath), "%s/daemon.log", dir);
	daemon_start_cost("interactive");
	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	const char *init[] = { "npsn", "20100001", "name", "SD Negeri 1 Contoh", "operator_name", op.name, "operator_nuptk",
		op.ident, "passphrase", op.pass, NULL };
	result(call(&c, "school.init", init));
	login_as(&c, &op, op.pass);
	enroll(&c, &ani);
	kntest_conn_close(&c);
	daemon_stop();
	daemon_start();
	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	login_as(&c, &op, op.pass);
	enroll(&c, &beni);
	enroll(&c, &citra);
	enroll(&c, &dodi);
	enroll(&c, &eko);
	kntest_conn_close(&c);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;

	if (daemon_pid > 0)
		daemon_stop();
	if (getenv("KEEP") == NULL)
		assert_int_equal(kntest_rm_rf(dir), 0);
	return 0;
}

/*
 * Send n wrong passphrases for p on c in one write, then read the n
 * replies: each is a wrong passphrase (auth) or a refusal (busy). Adds
 * the refusals to *busy.
 */
static void
flood_send(kntest_conn *c, const person *p, int n)
{
	kn_buf all = KN_BUF_INIT;

	for (int i = 0; i < n; i++) {
		char pass[32];
		snprintf(pass, sizeof(pass), "wrong-guess-%03d", i);
		const char *kv[] = { "user", p->ident, "passphrase", pass, NULL };
		assert_int_equal(kntest_rpc_pack(&all, c->next_id++, "session.login", 1), 0);
		pack_kv(&all, kv);
	}
	assert_int_equal(kn_write_full(c->fd, all.ptr, all.len), 0);
	kn_buf_free(&all);
}

static void
flood_recv(kntest_conn *c, int n, int *busy)
{
	for (int i = 0; i < n; i++) {
		const msgpack_object *reply;
		assert_int_equal(kntest_conn_recv(&reply, c, MAX_REPLY, "flood"), 0);
		const char *code = err_code(reply);
		if (strcmp(code, "busy") == 0) {
			(*busy)++;
			assert_non_null(strstr(err_message(reply), "tunggu "));
		} else if (strcmp(code, "auth") != 0) {
			fail_msg("a wrong passphrase was answered with '%s': %s", code, err_message(reply));
		}
	}
}

/*
 * 64 pipelined wrong passphrases on one connection, then 64 more spread
 * over 8 connections at once: each flood arrives while one check of Ani's
 * (slow) key runs, so each costs one Argon2id check; the rest are refused
 * at once. Before the throttle counted tries when they started, each
 * connection got its two slow requests checked.
 */
static void
test_login__flood_costs_a_handful(void **state)
{
	kntest_conn one, many[8];
	uint64_t before, after_one, after_many;
	int busy = 0;
	(void)state;

	before = evaluations();
	assert_int_equal(kntest_conn_open(&one, sock, 20), 0);
	flood_send(&one, &ani, FLOOD);
	flood_recv(&one, FLOOD, &busy);
	kntest_conn_close(&one);
	after_one = evaluations();

	for (int i = 0; i < 8; i++)
		assert_int_equal(kntest_conn_open(&many[i], sock, 20), 0);
	for (int i = 0; i < 8; i++)
		flood_send(&many[i], &ani, FLOOD / 8);
	for (int i = 0; i < 8; i++) {
		flood_recv(&many[i], FLOOD / 8, &busy);
		kntest_conn_close(&many[i]);
	}
	after_many = evaluations();
	print_message("flood: %llu Argon2id checks for %d pipelined tries on one connection, %llu for %d on 8; %d refused\n",
	    (unsigned long long)(after_one - before), FLOOD, (unsigned long long)(after_many - after_one), FLOOD, busy);
	assert_int_equal(after_one - before, 1);
	assert_int_equal(after_many - after_one, 1);
	assert_int_equal(busy, 2 * FLOOD - (int)(after_many - before));
}

/* A stranger's tries slow the owner down; the operator's unlock lets them in at once. */
static void
test_login__unlock_lets_the_owner_in(void **state)
{
	kntest_conn c;
	const msgpack_object *r = NULL;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	/* one wrong try after another until the throttle makes them wait */
	for (int i = 0; i < 2 * WINDOW_TRIES; i++) {
		r = try_login(&c, &ani, "still-wrong");
		if (strcmp(err_code(r), "busy") == 0)
			break;
		assert_string_equal(err_code(r), "auth");
	}
	assert_string_equal(err_code(r), "busy");
	assert_true(wait_of(r) >= 1 && wait_of(r) <= DELAY_MAX_S);
	r = try_login(&c, &ani, ani.pass);
	assert_string_equal(err_code(r), "busy");
	assert_non_null(strstr(err_message(r), "Terlalu banyak kata sandi salah"));

	/* only the operator unlocks */
	login_as(&c, &beni, beni.pass);
	const char *g[] = { "token", beni.token, "user", ani.ident, NULL };
	assert_string_equal(err_code(call(&c, "user.unlock", g)), "denied");
	const char *o[] = { "token", op.token, "user", ani.ident, NULL };
	r = result(call(&c, "user.unlock", o));
	assert_true(u64_of(r, "fails_cleared") >= 3);
	login_as(&c, &ani, ani.pass);
	const char *none[] = { "token", op.token, "user", "000000000000000000", NULL };
	assert_string_equal(err_code(call(&c, "user.unlock", none)), "not_found");
	kntest_conn_close(&c);
}

/* Every failed login is logged with the uid and pid of the process that tried. */
static void
test_login__log_names_the_peer(void **state)
{
	char want[128], line[1024];
	int found = 0;
	FILE *fp;
	(void)state;

	snprintf(want, sizeof(want), "uid %ld pid %ld", (long)getuid(), (long)getpid());
	fp = fopen(logpath, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		if (strstr(line, "failed login for 198501012010011001: wrong passphrase") && strstr(line, want))
			found = 1;
	}
	fclose(fp);
	if (!found)
		fail_msg("no 'failed login for %s: wrong passphrase ... %s' line in %s", ani.ident, want, logpath);
}

/*
 * Wrong tries are remembered across a restart; the owner gets in once the
 * wait, at most login_delay_max_s, is over.
 */
static void
test_login__throttle_survives_a_restart(void **state)
{
	kntest_conn c;
	const msgpack_object *r;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	for (int i = 0; i < 3; i++)
		assert_string_equal(err_code(try_login(&c, &beni, "not-beni-pass")), "auth");
	r = try_login(&c, &beni, "not-beni-pass");
	assert_string_equal(err_code(r), "busy");
	kntest_sleep_ms(wait_of(r) * 1000 + 100);
	r = try_login(&c, &beni, "not-beni-pass");
	assert_string_equal(err_code(r), "auth");
	assert_non_null(strstr(err_message(r), "harus menunggu"));
	kntest_conn_close(&c);

	daemon_stop();
	daemon_start();
	assert_int_equal(evaluations(), 0);
	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	r = try_login(&c, &beni, beni.pass);
	if (strcmp(err_code(r), "busy") != 0)
		fail_msg("the right passphrase was checked at once after a restart: '%s' %s", err_code(r), err_message(r));
	int wait = wait_of(r);
	assert_true(wait >= 1 && wait <= DELAY_MAX_S);
	assert_int_equal(evaluations(), 0);
	kntest_sleep_ms(wait * 1000 + 100);
	login_as(&c, &beni, beni.pass);
	assert_int_equal(evaluations(), 1);
	/* the right passphrase cleared the count: a typo now costs no wait */
	assert_string_equal(err_code(try_login(&c, &beni, "typo-beni-pass")), "auth");
	login_as(&c, &beni, beni.pass);
	login_as(&c, &op, op.pass);
	kntest_conn_close(&c);
}

/* A person changes their own passphrase; the old one stops working, other sessions end. */
static void
test_login__passwd(void **state)
{
	kntest_conn c;
	char other[65];
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	login_as(&c, &citra, citra.pass);
	memcpy(other, citra.token, sizeof(other));
	login_as(&c, &citra, citra.pass);

	const char *wrong[] = { "token", citra.token, "passphrase", "not-citra", "new_passphrase", "citra-new-pass", NULL };
	const msgpack_object *r = call(&c, "session.passwd", wrong);
	assert_string_equal(err_code(r), "auth");
	const char *shortp[] = { "token", citra.token, "passphrase", citra.pass, "new_passphrase", "short", NULL };
	r = call(&c, "session.passwd", shortp);
	assert_string_equal(err_code(r), "invalid");
	const char *same[] = { "token", citra.token, "passphrase", citra.pass, "new_passphrase", citra.pass, NULL };
	assert_string_equal(err_code(call(&c, "session.passwd", same)), "invalid");
	const char *notoken[] = { "passphrase", citra.pass, "new_passphrase", "citra-new-pass", NULL };
	assert_string_equal(err_code(call(&c, "session.passwd", notoken)), "auth");

	uint64_t before = evaluations();
	const char *ok[] = { "token", citra.token, "passphrase", citra.pass, "new_passphrase", "citra-new-pass", NULL };
	r = result(call(&c, "session.passwd", ok));
	assert_int_equal(u64_of(r, "sessions_ended"), 1);
	assert_int_equal(evaluations(), before + 1);
	/* this session goes on; the other one ended */
	const char *mine[] = { "token", citra.token, NULL };
	result(call(&c, "session.info", mine));
	const char *theirs[] = { "token", other, NULL };
	assert_string_equal(err_code(call(&c, "session.info", theirs)), "auth");
	assert_string_equal(err_code(try_login(&c, &citra, citra.pass)), "auth");
	r = login_as(&c, &citra, "citra-new-pass");
	assert_false(bool_of(r, "must_change"));
	kntest_conn_close(&c);
}

/*
 * The operator resets a forgotten passphrase: a one-time passphrase, a
 * session that may only change it, then everything works again.
 */
static void
test_login__reset_gives_a_one_time_passphrase(void **state)
{
	char onetime[64], old_token[65];
	kntest_conn c;
	const msgpack_object *r;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	login_as(&c, &dodi, dodi.pass);
	memcpy(old_token, dodi.token, sizeof(old_token));

	/* not for teachers, not for oneself */
	login_as(&c, &ani, ani.pass);
	const char *g[] = { "token", ani.token, "user", dodi.ident, NULL };
	assert_string_equal(err_code(call(&c, "user.reset_passphrase", g)), "denied");
	const char *self[] = { "token", op.token, "user", op.ident, NULL };
	assert_string_equal(err_code(call(&c, "user.reset_passphrase", self)), "invalid");

	const char *o[] = { "token", op.token, "user", dodi.ident, NULL };
	r = result(call(&c, "user.reset_passphrase", o));
	assert_int_equal(kn_map_str(onetime, sizeof(onetime), r, "passphrase"), 0);
	assert_int_equal(strlen(onetime), 19);
	assert_true(onetime[4] == '-' && onetime[9] == '-' && onetime[14] == '-');
	assert_int_equal(u64_of(r, "sessions_ended"), 1);
	const char *old[] = { "token", old_token, NULL };
	assert_string_equal(err_code(call(&c, "session.info", old)), "auth");
	assert_string_equal(err_code(try_login(&c, &dodi, dodi.pass)), "auth");

	/* the one-time passphrase: session.info, session.passwd and session.logout only */
	r = login_as(&c, &dodi, onetime);
	assert_true(bool_of(r, "must_change"));
	const char *tok[] = { "token", dodi.token, NULL };
	assert_true(bool_of(result(call(&c, "session.info", tok)), "must_change"));
	const char *methods[] = { "evidence.list", "evidence.history", "record.history", "user.list", "evidence.verify", NULL };
	for (const char **m = methods; *m; m++) {
		r = call(&c, *m, tok);
		assert_string_equal(err_code(r), "denied");
		assert_non_null(strstr(err_message(r), "kinerja passwd"));
	}
	const char *change[] = { "token", dodi.token, "passphrase", onetime, "new_passphrase", "dodi-own-pass", NULL };
	result(call(&c, "session.passwd", change));
	assert_false(bool_of(result(call(&c, "session.info", tok)), "must_change"));
	result(call(&c, "evidence.list", tok));
	assert_string_equal(err_code(try_login(&c, &dodi, onetime)), "auth");
	r = login_as(&c, &dodi, "dodi-own-pass");
	assert_false(bool_of(r, "must_change"));
	const char *logout[] = { "token", dodi.token, NULL };
	result(call(&c, "session.logout", logout));
	kntest_conn_close(&c);
}

/*
 * A person enrolled before recovery copies existed (here: the copy
 * removed from the store while the daemon was stopped) cannot be reset,
 * and is told why; after they change their passphrase once, they can.
 */
static void
test_login__reset_without_a_recovery_copy(void **state)
{
	char name[96], storedir[128];
	store *st;
	store_batch *b;
	kntest_conn c;
	const msgpack_object *r;
	(void)state;

	daemon_stop();
	snprintf(storedir, sizeof(storedir), "%s/store", dir);
	snprintf(name, sizeof(name), "recovery/%s", eko.key);
	assert_int_equal(store_open(&st, storedir, NULL), 0);
	assert_int_equal(store_batch_begin(&b, st), 0);
	assert_int_equal(store_batch_meta_del(b, name), 0);
	assert_int_equal(store_batch_commit(b), 0);
	store_close(st);
	daemon_start();

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	login_as(&c, &op, op.pass);
	const char *o[] = { "token", op.token, "user", eko.ident, NULL };
	r = call(&c, "user.reset_passphrase", o);
	assert_string_equal(err_code(r), "wrong_state");
	assert_non_null(strstr(err_message(r), "salinan pemulihan"));
	assert_non_null(strstr(err_message(r), "kinerja passwd"));
	/* nothing changed: Eko's passphrase still works */
	login_as(&c, &eko, eko.pass);
	const char *change[] = { "token", eko.token, "passphrase", eko.pass, "new_passphrase", "eko-new-pass", NULL };
	result(call(&c, "session.passwd", change));
	r = result(call(&c, "user.reset_passphrase", o));
	assert_non_null(kn_map_get(r, "passphrase"));
	kntest_conn_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login__flood_costs_a_handful),
		cmocka_unit_test(test_login__unlock_lets_the_owner_in),
		cmocka_unit_test(test_login__log_names_the_peer),
		cmocka_unit_test(test_login__throttle_survives_a_restart),
		cmocka_unit_test(test_login__passwd),
		cmocka_unit_test(test_login__reset_gives_a_one_time_passphrase),
		cmocka_unit_test(test_login__reset_without_a_recovery_copy),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
