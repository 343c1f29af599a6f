/*
 * test_access.c - deny by default, against the real kinerjad: every method
 * of the method table is refused without a session except the three that
 * are open; a teacher reads only their own records and files, the Kepala
 * Sekolah reads their teachers', the operator administers people and does
 * not read Bukti Dukung. Also the findings of the hardening review that
 * concern what a caller sees: the evidence list of an empty slot, the
 * history of an empty document, error replies that are valid UTF-8 and
 * never echo request bytes, and evidence.read offsets.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>

#include "../../daemon/server.h"
#include "../../util/kn.h"
#include "../../util/mpmap.h"
#include "../lib/kntest.h"

#define STOP_TIMEOUT_MS 20000
#define MAX_REPLY (1 << 20)

static char dir[64], sock[128];
static pid_t daemon_pid;

/* People of the test school: NIP/NUPTK, passphrase, then filled in: key (hex) and token. */
typedef struct {
	const char *ident, *pass, *name, *role;
	char key[65], token[65];
} person;

static person op = { "1234567890123456", "operator-pass", "Siti Aminah", "operator", "", "" };
static person ani = { "198501012010011001", "guru-pass-ani", "Ani Guru", "guru", "", "" };
static person beni = { "198601012010011002", "guru-pass-beni", "Beni Guru", "guru", "", "" };
static person ks = { "197803152005012002", "kepsek-pass", "Dewi Kepala", "kepala_sekolah", "", "" };

/*
 * One call with string arguments (pairs, NULL-terminated); raw appends
 * one more key with raw msgpack bytes as its value when not NULL.
 * Returns the reply (borrowed from c until the next call).
 */
static const msgpack_object *
call_raw(kntest_conn *c, const char *method, const char *rawkey, const void *raw, size_t rawlen, const char **kv)
{
	kn_buf params = KN_BUF_INIT;
	msgpack_packer pk;
	const msgpack_object *reply;
	uint32_t n = 0;

	for (const char **p = kv; p && *p; p += 2)
		n++;
	msgpack_packer_init(&pk, &params, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, n + (rawkey != NULL));
	for (const char **p = kv; p && *p; p += 2) {
		msgpack_pack_str(&pk, strlen(p[0]));
		msgpack_pack_str_body(&pk, p[0], strlen(p[0]));
		msgpack_pack_str(&pk, strlen(p[1]));
		msgpack_pack_str_body(&pk, p[1], strlen(p[1]));
	}
	if (rawkey) {
		msgpack_pack_str(&pk, strlen(rawkey));
		msgpack_pack_str_body(&pk, rawkey, strlen(rawkey));
		kn_buf_put(&params, raw, rawlen);
	}
	uint32_t id = c->next_id++;
	assert_int_equal(kntest_conn_send(c, id, method, 1, &params, NULL, 0), 0);
	assert_int_equal(kntest_conn_recv(&reply, c, MAX_REPLY, method), 0);
	kn_buf_free(&params);
	assert_int_equal(reply->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(reply->via.array.size, 4);
	assert_int_equal(reply->via.array.ptr[1].via.u64, id);
	return reply;
}

static const msgpack_object *
call(kntest_conn *c, const char *method, const char **kv)
{
	return call_raw(c, method, NULL, NULL, 0, kv);
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

/* The error message of a reply; it must be valid UTF-8 text. */
static const char *
err_message(const msgpack_object *reply)
{
	static char msg[1024];
	const msgpack_object *m = kn_map_get(&reply->via.array.ptr[2], "message");

	assert_non_null(m);
	assert_int_equal(m->type, MSGPACK_OBJECT_STR);
	assert_true(m->via.str.size > 0 && m->via.str.size < sizeof(msg));
	assert_true(kn_utf8_valid(m->via.str.ptr, m->via.str.size));
	memcpy(msg, m->via.str.ptr, m->via.str.size);
	msg[m->via.str.size] = '\0';
	return msg;
}

/* The field an error names, "" when none. */
static const char *
err_field(const msgpack_object *reply)
{
	static char field[64];

	field[0] = '\0';
	kn_map_str(field, sizeof(field), &reply->via.array.ptr[2], "field");
	return field;
}

static const msgpack_object *
result(const msgpack_object *reply)
{
	if (reply->via.array.ptr[2].type != MSGPACK_OBJECT_NIL)
		fail_msg("unexpected error %s: %s", err_code(reply), err_message(reply));
	return &reply->via.array.ptr[3];
}

static void
str_of(char *out, size_t n, const msgpack_object *map, const char *key)
{
	assert_int_equal(kn_map_str(out, n, map, key), 0);
}

static void
login(kntest_conn *c, person *p)
{
	const char *kv[] = { "user", p->ident, "passphrase", p->pass, NULL };
	const msgpack_object *r = result(call(c, "session.login", kv));

	str_of(p->token, sizeof(p->token), r, "token");
	str_of(p->key, sizeof(p->key), r, "key");
}

static void
enroll(kntest_conn *c, const person *p)
{
	const char *kv[] = { "token", op.token, "name", p->name, "role", p->role, "nip", p->ident, "passphrase", p->pass,
		NULL };
	result(call(c, "user.add", kv));
}

/* A school with an operator, two teachers and a principal, all logged in. */
static int
setup(void **state)
{
	static const char *const args[] = { "--set", "keys.pwhash=min", "--log-level", "warn", NULL };
	const char *b = getenv("KINERJA_BUILD");
	char bin[512];
	kntest_conn c;
	(void)state;

	assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-access.XXXXXX"), 0);
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(bin, sizeof(bin), "%s/kinerjad", b ? b : "build");
	assert_int_equal(kntest_daemon_start(&daemon_pid, bin, dir, sock, args), 0);
	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	const char *init[] = { "npsn", "20100001", "name", "SD Negeri 1 Contoh", "operator_name", op.name, "operator_nuptk",
		op.ident, "passphrase", op.pass, NULL };
	result(call(&c, "school.init", init));
	login(&c, &op);
	enroll(&c, &ani);
	enroll(&c, &beni);
	enroll(&c, &ks);
	login(&c, &ani);
	login(&c, &beni);
	login(&c, &ks);
	kntest_conn_close(&c);
	return 0;
}

static int
teardown(void **state)
{
	int status;
	(void)state;

	status = kntest_child_stop(daemon_pid, SIGTERM, STOP_TIMEOUT_MS);
	assert_int_not_equal(status, -1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(kntest_rm_rf(dir), 0);
	return 0;
}

/* Every method in the table, called without a token: only status, session.login and school.init answer. */
static void
test_access__no_session_refused_except_three(void **state)
{
	kntest_conn c;
	size_t rows = 0, open = 0;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	for (const kd_method *m = kd_method_table; m->name; m++, rows++) {
		const msgpack_object *r = call(&c, m->name, NULL);
		const char *code = err_code(r);
		int is_open = strcmp(m->name, "status") == 0 || strcmp(m->name, "session.login") == 0 ||
		    strcmp(m->name, "school.init") == 0;
		if (is_open) {
			/* answered on its merits: status works, the other two want arguments or an empty store */
			open++;
			assert_true(strcmp(code, "auth") != 0 && strcmp(code, "denied") != 0);
			if (strcmp(m->name, "school.init") == 0)
				assert_string_equal(code, "exists");
		} else {
			if (strcmp(code, "auth") != 0)
				fail_msg("%s answered without a session (code '%s')", m->name, code);
			assert_non_null(strstr(err_message(r), "login"));
		}
		/* a token that belongs to no session is refused the same way */
		const char *bad[] = { "token", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", NULL };
		r = call(&c, m->name, bad);
		if (!is_open)
			assert_string_equal(err_code(r), "auth");
	}
	assert_int_equal(open, 3);
	assert_true(rows >= 19);
	/* a method that is not in the table is refused */
	assert_string_equal(err_code(call(&c, "user.delete", NULL)), "no_method");
	kntest_conn_close(&c);
}

/* user.list: the operator and the principal; a teacher is told to use whoami. */
static void
test_access__user_list_by_role(void **state)
{
	kntest_conn c;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	const char *a[] = { "token", ani.token, NULL };
	assert_string_equal(err_code(call(&c, "user.list", a)), "denied");
	const char *o[] = { "token", op.token, NULL };
	const msgpack_object *users = kn_map_get(result(call(&c, "user.list", o)), "users");
	assert_non_null(users);
	assert_int_equal(users->via.array.size, 4);
	const char *k[] = { "token", ks.token, NULL };
	result(call(&c, "user.list", k));
	kntest_conn_close(&c);
}

/* record.get / record.history: own records; the atasan reads a teacher's; a teacher never reads another's. */
static void
test_access__records_follow_the_domain(void **state)
{
	char doc_ani[128], doc_beni[128], doc_ks[128], id[65];
	kntest_conn c;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	snprintf(doc_ani, sizeof(doc_ani), "user/20100001/%s", ani.key);
	snprintf(doc_beni, sizeof(doc_beni), "user/20100001/%s", beni.key);
	snprintf(doc_ks, sizeof(doc_ks), "user/20100001/%s", ks.key);

	const char *own[] = { "token", ani.token, "doc", doc_ani, NULL };
	const msgpack_object *recs = kn_map_get(result(call(&c, "record.history", own)), "records");
	assert_int_equal(recs->via.array.size, 1);
	str_of(id, sizeof(id), &recs->via.array.ptr[0], "id");

	const char *other[] = { "token", beni.token, "doc", doc_ani, NULL };
	assert_string_equal(err_code(call(&c, "record.history", other)), "denied");
	const char *other_id[] = { "token", beni.token, "id", id, NULL };
	assert_string_equal(err_code(call(&c, "record.get", other_id)), "denied");
	const char *own_id[] = { "token", ani.token, "id", id, NULL };
	result(call(&c, "record.get", own_id));
	const char *atasan[] = { "token", ks.token, "id", id, NULL };
	result(call(&c, "record.get", atasan));
	const char *oper[] = { "token", op.token, "doc", doc_beni, NULL };
	result(call(&c, "record.history", oper));
	/* a teacher does not read the principal's enrollment either */
	const char *up[] = { "token", ani.token, "doc", doc_ks, NULL };
	assert_string_equal(err_code(call(&c, "record.history", up)), "denied");
	/* another school's documents are not served */
	const char *far[] = { "token", op.token, "doc", "user/20100002/00", NULL };
	assert_string_equal(err_code(call(&c, "record.history", far)), "denied");
	kntest_conn_close(&c);
}

/*
 * record.import verifies what it is given, whatever the store trusts in
 * what it has already (store_record_open): a stored record sent back with
 * one signature bit changed is refused as a bad signature, not taken for
 * the record it claims to be, and nothing is added.
 */
static void
test_access__import_refuses_forged(void **state)
{
	kntest_conn c;
	kn_buf recs = KN_BUF_INIT;
	msgpack_packer pk;
	uint64_t before, after;
	char code[32];
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	const char *st[] = { NULL };
	before = kn_map_get(kn_map_get(result(call(&c, "status", st)), "store"), "records")->via.u64;
	const char *ex[] = { "token", op.token, NULL };
	const msgpack_object *got = kn_map_get(result(call(&c, "record.export", ex)), "records");
	assert_non_null(got);
	assert_true(got->via.array.size > 0);
	const msgpack_object *one = &got->via.array.ptr[got->via.array.size - 1];
	assert_int_equal(one->type, MSGPACK_OBJECT_BIN);
	msgpack_packer_init(&pk, &recs, kn_buf_msgpack_write);
	msgpack_pack_array(&pk, 1);
	msgpack_pack_bin(&pk, one->via.bin.size);
	msgpack_pack_bin_body(&pk, one->via.bin.ptr, one->via.bin.size);
	recs.ptr[recs.len - 10] ^= 0x04; /* a bit of the signature, the record's last 64 bytes */

	const msgpack_object *r = result(call_raw(&c, "record.import", "records", recs.ptr, recs.len, ex));
	assert_int_equal(kn_map_get(r, "refused")->via.u64, 1);
	assert_int_equal(kn_map_get(r, "present")->via.u64, 0);
	str_of(code, sizeof(code), &kn_map_get(r, "results")->via.array.ptr[0], "code");
	assert_string_equal(code, "bad_signature");
	after = kn_map_get(kn_map_get(result(call(&c, "status", st)), "store"), "records")->via.u64;
	assert_int_equal(after, before);
	kn_buf_free(&recs);
	kntest_conn_close(&c);
}

/* Bukti Dukung: own, the atasan's, never the operator's or a colleague's. */
static void
test_access__evidence_follows_the_domain(void **state)
{
	kntest_conn c;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	const char *colleague[] = { "token", beni.token, "teacher", ani.ident, NULL };
	assert_string_equal(err_code(call(&c, "evidence.list", colleague)), "denied");
	assert_string_equal(err_code(call(&c, "evidence.history", colleague)), "denied");
	const char *oper[] = { "token", op.token, "teacher", ani.ident, NULL };
	const msgpack_object *r = call(&c, "evidence.list", oper);
	assert_string_equal(err_code(r), "denied");
	assert_non_null(strstr(err_message(r), "Operator Sekolah"));
	const char *oper_own[] = { "token", op.token, NULL };
	assert_string_equal(err_code(call(&c, "evidence.list", oper_own)), "denied");
	const char *atasan[] = { "token", ks.token, "teacher", ani.ident, NULL };
	result(call(&c, "evidence.list", atasan));
	/* the principal is not the atasan of another principal's files: here, of his own he is the owner */
	const char *self[] = { "token", ks.token, NULL };
	result(call(&c, "evidence.list", self));
	const char *up[] = { "token", ani.token, "teacher", ks.ident, NULL };
	assert_string_equal(err_code(call(&c, "evidence.list", up)), "denied");
	/* uploading is for people who have Bukti Dukung */
	const char *opup[] = { "token", op.token, "slot", "rhk-1", "name", "x.pdf", NULL };
	assert_string_equal(err_code(call_raw(&c, "evidence.upload.begin", "size", "\x10", 1, opup)), "denied");
	/* verifying the repository: principal and operator only */
	const char *gv[] = { "token", ani.token, NULL };
	assert_string_equal(err_code(call(&c, "evidence.verify", gv)), "denied");
	kntest_conn_close(&c);
}

/*
 * SKPs follow the domain too: the operator neither opens periods nor reads
 * plans (but sees the period); a teacher acts on and reads their own plan
 * only; the atasan names the teacher; the arguments of an act are its own
 * (no atasan's ekspektasi from a teacher, no note on Sepakati); the
 * records of a plan are read by the owner and the atasan only.
 */
static void
test_access__plans_follow_the_domain(void **state)
{
	kntest_conn c;
	char id[80];
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	const char *oper[] = { "token", op.token, NULL };
	const msgpack_object *r = call(&c, "plan.show", oper);
	assert_string_equal(err_code(r), "denied");
	assert_non_null(strstr(err_message(r), "tidak membaca SKP"));
	assert_string_equal(err_code(call(&c, "period.open", oper)), "denied");
	assert_string_equal(err_code(call(&c, "plan.tasks", oper)), "denied");
	const char *kso[] = { "token", ks.token, NULL };
	result(call(&c, "period.open", kso));
	result(call(&c, "period.show", oper));
	/* Ani's draft (after "Data sudah sesuai"); Beni does not read it, the principal does */
	const char *ani_confirms[] = { "token", ani.token, NULL };
	result(call(&c, "identity.confirm", ani_confirms));
	const char *save[] = { "token", ani.token, "sub", "keteraturan_suasana_kelas", NULL };
	r = result(call(&c, "plan.save", save));
	str_of(id, sizeof(id), r, "id");
	const char *colleague[] = { "token", beni.token, "teacher", ani.ident, NULL };
	assert_string_equal(err_code(call(&c, "plan.show", colleague)), "denied");
	const char *atasan[] = { "token", ks.token, "teacher", ani.ident, NULL };
	result(call(&c, "plan.show", atasan));
	const char *rec_b[] = { "token", beni.token, "id", id, NULL };
	assert_string_equal(err_code(call(&c, "record.get", rec_b)), "denied");
	const char *rec_o[] = { "token", op.token, "id", id, NULL };
	assert_string_equal(err_code(call(&c, "record.get", rec_o)), "denied");
	const char *rec_k[] = { "token", ks.token, "id", id, NULL };
	result(call(&c, "record.get", rec_k));
	/* a teacher (who is no Plt) judges nobody: an empty inbox, and no act on anyone else's plan */
	const char *ani_only[] = { "token", ani.token, NULL };
	r = result(call(&c, "plan.inbox", ani_only));
	assert_int_equal(kn_map_get(r, "teachers")->via.array.size, 0);
	assert_string_equal(err_code(call(&c, "plan.approve", colleague)), "denied");
	const char *other[] = { "token", beni.token, "teacher", ani.ident, "sub", "x", NULL };
	r = call(&c, "plan.save", other);
	assert_string_equal(err_code(r), "invalid");
	assert_string_equal(err_field(r), "teacher");
	assert_non_null(strstr(err_message(r), "pemilik SKP"));
	/* the atasan names the teacher */
	r = call(&c, "plan.approve", kso);
	assert_string_equal(err_code(r), "invalid");
	assert_string_equal(err_field(r), "teacher");
	assert_non_null(strstr(err_message(r), "Sebutkan pegawai"));
	/* the ekspektasi khusus is the atasan's; a note goes with Tinjau Ulang and Buka Kembali */
	assert_string_equal(err_code(call_raw(&c, "plan.save", "ekspektasi", "\x90", 1, ani_only)), "invalid");
	const char *agree_note[] = { "token", ani.token, "note", "setuju", NULL };
	r = call(&c, "plan.agree", agree_note);
	assert_string_equal(err_code(r), "invalid");
	assert_string_equal(err_field(r), "note");
	assert_non_null(strstr(err_message(r), "Catatan hanya menyertai Tinjau Ulang"));
	kntest_conn_close(&c);
}

/* Finding 2: the list of an empty slot said "belum_dikumpulkaDewi Lestari" (a 16-byte field overrun). */
static void
test_access__empty_evidence_list(void **state)
{
	char st[64], teacher[128];
	kntest_conn c;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	const char *kv[] = { "token", ani.token, "period", "2026-1", NULL };
	const msgpack_object *r = result(call(&c, "evidence.list", kv));
	str_of(st, sizeof(st), r, "state");
	str_of(teacher, sizeof(teacher), r, "teacher");
	assert_string_equal(st, "belum_dikumpulkan");
	assert_string_equal(teacher, ani.name);
	assert_int_equal(kn_map_get(r, "files")->via.array.size, 0);
	kntest_conn_close(&c);
}

/* Finding 3: the history of a document with no records (qsort(NULL, 0) under UBSan). */
static void
test_access__empty_history(void **state)
{
	char doc[160];
	kntest_conn c;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	snprintf(doc, sizeof(doc), "evidence/20100001/%s.2026-1", ani.key);
	const char *kv[] = { "token", ani.token, "doc", doc, NULL };
	assert_string_equal(err_code(call(&c, "record.history", kv)), "not_found");
	const char *ev[] = { "token", ani.token, "period", "2026-1", NULL };
	const msgpack_object *r = result(call(&c, "evidence.history", ev));
	assert_int_equal(kn_map_get(r, "versions")->via.array.size, 0);
	kntest_conn_close(&c);
	/* the daemon is still there */
	assert_int_equal(kill(daemon_pid, 0), 0);
}

/* Finding 8: error replies are valid UTF-8, never cut inside a character, never an echo of request bytes. */
static void
test_access__errors_are_utf8(void **state)
{
	kntest_conn c;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	/* an argument that is not UTF-8 */
	const char *bad[] = { "user", "\xff\xfe\xc3", "passphrase", "x", NULL };
	const msgpack_object *r = call(&c, "session.login", bad);
	assert_string_equal(err_code(r), "invalid");
	err_message(r);
	/* a multibyte argument quoted back, long enough that the message is cut */
	char nip[2 * 200 + 1] = "";
	for (int i = 0; i < 200; i++)
		strcat(nip, "\xc3\xa9");
	const char *longarg[] = { "token", ani.token, "teacher", "é", "period", nip, NULL };
	r = call(&c, "evidence.list", longarg);
	assert_string_equal(err_code(r), "invalid");
	err_message(r);
	const char *tch[] = { "token", ks.token, "teacher", "ééééééééééééééééééééééééééééé", NULL };
	r = call(&c, "evidence.list", tch);
	assert_string_not_equal(err_code(r), "");
	err_message(r);
	/* an unknown method's name is not echoed (a name no catalog text holds: the message speaks of "metode") */
	assert_int_equal(kntest_conn_send(&c, 77, "\xff\xc3 xyzzy", 0, NULL, NULL, 0), 0);
	const msgpack_object *reply;
	assert_int_equal(kntest_conn_recv(&reply, &c, MAX_REPLY, "bad method"), 0);
	assert_string_equal(err_code(reply), "no_method");
	assert_null(strstr(err_message(reply), "xyzzy"));
	assert_non_null(strstr(err_message(reply), "Metode ini tidak dikenal kinerjad"));
	kntest_conn_close(&c);
}

/* evidence.read refuses negative and non-integer offsets and lengths. */
static void
test_access__read_offsets_checked(void **state)
{
	kntest_conn c;
	(void)state;

	assert_int_equal(kntest_conn_open(&c, sock, 10), 0);
	const char *kv[] = { "token", ani.token, "slot", "rhk-1", "name", "x.pdf", NULL };
	const msgpack_object *r = call_raw(&c, "evidence.read", "offset", "\xff", 1, kv); /* -1 */
	assert_string_equal(err_code(r), "invalid");
	assert_non_null(strstr(err_message(r), "offset"));
	r = call_raw(&c, "evidence.read", "offset", "\xa2" "10", 3, kv); /* "10" */
	assert_string_equal(err_code(r), "invalid");
	r = call_raw(&c, "evidence.read", "offset", "\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", 9, kv); /* 1.0 */
	assert_string_equal(err_code(r), "invalid");
	r = call_raw(&c, "evidence.read", "length", "\x00", 1, kv);
	assert_string_equal(err_code(r), "invalid");
	kntest_conn_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access__no_session_refused_except_three),
		cmocka_unit_test(test_access__user_list_by_role),
		cmocka_unit_test(test_access__records_follow_the_domain),
		cmocka_unit_test(test_access__import_refuses_forged),
		cmocka_unit_test(test_access__evidence_follows_the_domain),
		cmocka_unit_test(test_access__plans_follow_the_domain),
		cmocka_unit_test(test_access__empty_evidence_list),
		cmocka_unit_test(test_access__empty_history),
		cmocka_unit_test(test_access__errors_are_utf8),
		cmocka_unit_test(test_access__read_offsets_checked),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
