/*
 * bench_plan.c - what the planning views cost against reading the same
 * records raw: the atasan's inbox (plan.inbox) and one teacher's plan
 * (plan.show), in views per second, each beside a baseline over the same
 * records in the same run on the same daemon.
 *
 * The real kinerjad is started on a fresh directory under /tmp (test
 * Argon2id cost, store.nosync as bench_fair does: only setup is faster,
 * every view and baseline is a read). A school gets a Kepala Sekolah and
 * TEACHERS teachers; she opens the current period, each teacher submits a
 * complete plan, she approves it, the teacher agrees. Then:
 *
 *   inbox:    plan.inbox by the Kepala Sekolah, against record.get of the
 *             TEACHERS head SKP records (sent all at once on one
 *             connection), i.e. the records the inbox summarises.
 *   plan.show of one teacher by the Kepala Sekolah, against record.history
 *             of that teacher's SKP document (every version, verified),
 *             i.e. the records the view reads.
 *
 * Then the first teacher's SKP gets CYCLES more rounds of Buka Kembali,
 * Ajukan, Setujui, Sepakati (4 versions each) and plan.show and its
 * baseline are timed again, to show whether a view costs the same however
 * long the history is.
 *
 * Speed is reported, never asserted: the exit status is 1 only for a
 * functional failure (a refused setup step, a wrong reply, a bad exit).
 *
 * Usage: bench_plan [BUILD_DIR]   runs BUILD_DIR/kinerjad (default build/),
 * with catalog.dir=BUILD_DIR/../catalog
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "../tests/lib/kntest.h"
#include "../util/kn.h"
#include "../util/mpmap.h"

#define NPSN "20100001"
#define TEACHERS 60
#define CYCLES 50         /* extra rounds of reopen/submit/approve/agree on one SKP */
#define ROUNDS 3          /* each figure and its baseline alternate this many times */
#define ROUND_S 0.5       /* seconds of each timed run */
#define IO_TIMEOUT_S 60
#define STOP_TIMEOUT_MS 20000
#define REPLY_MAX (16 << 20)

static char sock[128];
static const char op_ident[] = "1234567890123456", op_pass[] = "operator-pass";
static const char ks_nip[] = "197803152005012002", ks_pass[] = "kepsek-pass", guru_pass[] = "guru-pass";
static char op_token[65], ks_token[65], period[16];

/* One teacher: NIP, session token, key, and the id of their SKP's head record. */
typedef struct {
	char nip[19];
	char token[65];
	char key[65];
	char head[65];
} teacher;

static teacher teachers[TEACHERS];

/* Pack a msgpack string. */
static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* Pack a named-argument map of string pairs (NULL-terminated), with "limit" when limit > 0. */
static void
pack_args(kn_buf *out, const char **kv, long limit)
{
	msgpack_packer pk;
	uint32_t n = limit > 0;

	for (const char **p = kv; *p; p += 2)
		n++;
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, n);
	for (const char **p = kv; *p; p += 2) {
		pack_s(&pk, p[0]);
		pack_s(&pk, p[1]);
	}
	if (limit > 0) {
		pack_s(&pk, "limit");
		msgpack_pack_uint64(&pk, (uint64_t)limit);
	}
}

/* One call; *res = the result map (borrowed from c). Returns 0 or -1 (printed). */
static int
call(const msgpack_object **res, kntest_conn *c, const char *method, const kn_buf *params)
{
	const msgpack_object *reply;
	uint32_t id = c->next_id++;

	if (kntest_conn_send(c, id, method, params ? 1 : 0, params, NULL, 0) != 0 ||
	    kntest_conn_recv(&reply, c, REPLY_MAX, method) != 0)
		return -1;
	return kntest_rpc_result(res, reply, id, method);
}

/* call() with string arguments and an optional limit. */
static int
call_kv(const msgpack_object **res, kntest_conn *c, const char *method, const char **kv, long limit)
{
	kn_buf p = KN_BUF_INIT;
	pack_args(&p, kv, limit);
	int rc = call(res, c, method, &p);
	kn_buf_free(&p);
	return rc;
}

/* Log in ident; the token goes to token (65 bytes). */
static int
login(kntest_conn *c, const char *ident, const char *pass, char *token)
{
	const msgpack_object *r;
	const char *kv[] = { "user", ident, "passphrase", pass, NULL };

	if (call_kv(&r, c, "session.login", kv, 0) != 0 || kn_map_str(token, 65, r, "token") != 0)
		return -1;
	return 0;
}

/* Ajukan a complete plan of 32 points (as tests/e2e/plan.sh does) as teacher t. */
static int
submit_full(kntest_conn *c, teacher *t)
{
	static const char *const aspects[] = { "berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal",
		"adaptif", "kolaboratif" };
	const msgpack_object *r;
	kn_buf p = KN_BUF_INIT;
	msgpack_packer pk;
	int rc;

	msgpack_packer_init(&pk, &p, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 4);
	pack_s(&pk, "token");
	pack_s(&pk, t->token);
	pack_s(&pk, "sub");
	pack_s(&pk, "keteraturan_suasana_kelas");
	pack_s(&pk, "rhk");
	msgpack_pack_array(&pk, 2);
	for (int i = 0; i < 2; i++) {
		msgpack_pack_map(&pk, 2);
		pack_s(&pk, "id");
		msgpack_pack_uint8(&pk, i ? 5 : 1);
		pack_s(&pk, "target_kuantitas");
		msgpack_pack_uint8(&pk, i ? 4 : 2);
	}
	pack_s(&pk, "perilaku");
	msgpack_pack_array(&pk, 7);
	for (int i = 0; i < 7; i++) {
		msgpack_pack_map(&pk, 2);
		pack_s(&pk, "aspek");
		pack_s(&pk, aspects[i]);
		pack_s(&pk, "perilaku");
		msgpack_pack_uint8(&pk, i == 2 ? 2 : 1);
	}
	rc = call(&r, c, "plan.submit", &p);
	kn_buf_free(&p);
	return rc;
}

/* The atasan's act on teacher t (approve, or reopen with a note). */
static int
judge(kntest_conn *c, const char *method, const teacher *t)
{
	const msgpack_object *r;
	const char *kv[] = { "token", ks_token, "teacher", t->nip, "note", "Bench: buka kembali.", NULL };

	if (strcmp(method, "plan.reopen") != 0)
		kv[4] = NULL;
	return call_kv(&r, c, method, kv, 0);
}

/* Teacher t agrees; the new head's id goes to t->head. */
static int
agree(kntest_conn *c, teacher *t)
{
	const msgpack_object *r;
	const char *kv[] = { "token", t->token, NULL };

	if (call_kv(&r, c, "plan.agree", kv, 0) != 0 || kn_map_str(t->head, sizeof(t->head), r, "id") != 0)
		return -1;
	return 0;
}

/* The school, its Kepala Sekolah and TEACHERS teachers, each with an agreed plan of the current period. */
static int
populate(kntest_conn *c)
{
	const msgpack_object *r;

	const char *init[] = { "npsn", NPSN, "name", "SD Negeri 1 Contoh", "operator_name", "Siti Aminah",
		"operator_nuptk", op_ident, "passphrase", op_pass, NULL };
	if (call_kv(&r, c, "school.init", init, 0) != 0 || login(c, op_ident, op_pass, op_token) != 0)
		return -1;
	const char *ks[] = { "token", op_token, "name", "Dewi Lestari", "role", "kepala_sekolah", "nip", ks_nip,
		"passphrase", ks_pass, NULL };
	if (call_kv(&r, c, "user.add", ks, 0) != 0)
		return -1;
	for (int i = 0; i < TEACHERS; i++) {
		char name[32];
		snprintf(teachers[i].nip, sizeof(teachers[i].nip), "19850101201001%d%03d", 1 + i % 2, i + 1);
		snprintf(name, sizeof(name), "Guru %02d", i + 1);
		const char *kv[] = { "token", op_token, "name", name, "role", "guru", "nip", teachers[i].nip, "jenis_ptk",
			"Guru Kelas", "passphrase", guru_pass, NULL };
		if (call_kv(&r, c, "user.add", kv, 0) != 0)
			return -1;
	}
	if (login(c, ks_nip, ks_pass, ks_token) != 0)
		return -1;
	const char *po[] = { "token", ks_token, NULL };
	if (call_kv(&r, c, "period.open", po, 0) != 0 || kn_map_str(period, sizeof(period), r, "period") != 0)
		return -1;
	for (int i = 0; i < TEACHERS; i++) {
		teacher *t = &teachers[i];
		const msgpack_object *s;
		const char *who[] = { "token", NULL, NULL };
		if (login(c, t->nip, guru_pass, t->token) != 0)
			return -1;
		who[1] = t->token;
		/* the first act needs the identity confirmed ("Data sudah sesuai") */
		if (call_kv(&r, c, "identity.confirm", who, 0) != 0 || submit_full(c, t) != 0 ||
		    judge(c, "plan.approve", t) != 0 || agree(c, t) != 0)
			return -1;
		if (call_kv(&r, c, "session.info", who, 0) != 0)
			return -1;
		s = kn_map_get(r, "key");
		if (s == NULL || s->type != MSGPACK_OBJECT_STR || s->via.str.size != 64) {
			fprintf(stderr, "bench_plan: session.info has no key\n");
			return -1;
		}
		memcpy(t->key, s->via.str.ptr, 64);
		t->key[64] = '\0';
	}
	return 0;
}

/* One measured operation: 0 or -1 (printed). */
typedef int (*view_fn)(kntest_conn *c, const void *arg);

/* plan.inbox by the Kepala Sekolah; every teacher is listed and agreed. */
static int
v_inbox(kntest_conn *c, const void *arg)
{
	const msgpack_object *r, *rows;
	const char *kv[] = { "token", ks_token, NULL };

	(void)arg;
	if (call_kv(&r, c, "plan.inbox", kv, 0) != 0)
		return -1;
	rows = kn_map_get(r, "teachers");
	if (rows == NULL || rows->type != MSGPACK_OBJECT_ARRAY || rows->via.array.size < TEACHERS) {
		fprintf(stderr, "bench_plan: the inbox does not list the %d teachers\n", TEACHERS);
		return -1;
	}
	return 0;
}

/* record.get of every teacher's head SKP record, all sent at once, then every reply read. */
static int
v_heads(kntest_conn *c, const void *arg)
{
	uint32_t first = c->next_id;

	(void)arg;
	for (int i = 0; i < TEACHERS; i++) {
		kn_buf p = KN_BUF_INIT;
		const char *kv[] = { "token", ks_token, "id", teachers[i].head, NULL };
		pack_args(&p, kv, 0);
		int rc = kntest_conn_send(c, c->next_id++, "record.get", 1, &p, NULL, 0);
		kn_buf_free(&p);
		if (rc != 0)
			return -1;
	}
	for (int i = 0; i < TEACHERS; i++) {
		const msgpack_object *reply, *res;
		if (kntest_conn_recv(&reply, c, REPLY_MAX, "record.get") != 0 ||
		    kntest_rpc_result(&res, reply, first + (uint32_t)i, "record.get") != 0)
			return -1;
	}
	return 0;
}

/* plan.show of teacher arg by the Kepala Sekolah. */
static int
v_show(kntest_conn *c, const void *arg)
{
	const teacher *t = arg;
	const msgpack_object *r;
	const char *kv[] = { "token", ks_token, "teacher", t->nip, NULL };

	return call_kv(&r, c, "plan.show", kv, 0);
}

/* Versions of teacher arg's SKP document, all on one page (record.history); *n = how many. */
static int
history_count(size_t *n, kntest_conn *c, const teacher *t)
{
	char doc[128];
	const msgpack_object *r, *recs;
	const char *kv[] = { "token", ks_token, "doc", doc, NULL };

	snprintf(doc, sizeof(doc), "skp/%s/%s.%s", NPSN, t->key, period);
	if (call_kv(&r, c, "record.history", kv, 1000) != 0)
		return -1;
	recs = kn_map_get(r, "records");
	if (recs == NULL || recs->type != MSGPACK_OBJECT_ARRAY || recs->via.array.size == 0) {
		fprintf(stderr, "bench_plan: record.history of %s has no records\n", doc);
		return -1;
	}
	*n = recs->via.array.size;
	return 0;
}

/* record.history of teacher arg's SKP document. */
static int
v_history(kntest_conn *c, const void *arg)
{
	size_t n;
	return history_count(&n, c, arg);
}

/* Calls of fn per second over about ROUND_S seconds, added to *calls and *secs. */
static int
timed(long *calls, double *secs, kntest_conn *c, view_fn fn, const void *arg)
{
	double t0 = kntest_now_s(), t;
	long n = 0;

	do {
		if (fn(c, arg) != 0)
			return -1;
		n++;
		t = kntest_now_s() - t0;
	} while (t < ROUND_S);
	*calls += n;
	*secs += t;
	return 0;
}

/* Time view and base alternately ROUNDS times (after a warm-up); print both and their ratio. */
static int
compare(kntest_conn *c, const char *label, view_fn view, const void *varg, const char *blabel, view_fn base,
    const void *barg)
{
	long vn = 0, bn = 0;
	double vs = 0, bs = 0;

	for (int i = 0; i < 20; i++)
		if (view(c, varg) != 0 || base(c, barg) != 0)
			return -1;
	for (int r = 0; r < ROUNDS; r++)
		if (timed(&vn, &vs, c, view, varg) != 0 || timed(&bn, &bs, c, base, barg) != 0)
			return -1;
	printf("  %-44s %9.1f /s  (%.3f ms each)\n", label, vn / vs, vs * 1000 / vn);
	printf("  %-44s %9.1f /s  (%.3f ms each)\n", blabel, bn / bs, bs * 1000 / bn);
	printf("  ratio view / baseline: %.2f\n", (vn / vs) / (bn / bs));
	return 0;
}

/* Set the school up, time the views and their baselines, grow one history, time again. */
int
main(int argc, char **argv)
{
	char dir[64], bin[512], catalog[560], label[96], blabel[96];
	pid_t dpid = -1;
	const char *daemon_args[] = { "--set", "keys.pwhash=min", "--set", "store.nosync=true", "--set", catalog,
		"--log-level", "warn", NULL };
	kntest_conn c;
	size_t nver = 0;
	double t0;
	int rc = 1;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	snprintf(bin, sizeof(bin), "%s/kinerjad", argc > 1 ? argv[1] : "build");
	/* the period needs the school's catalog, which school.init takes from the source tree beside BUILD_DIR */
	snprintf(catalog, sizeof(catalog), "catalog.dir=%s/../catalog", argc > 1 ? argv[1] : "build");
	signal(SIGPIPE, SIG_IGN);
	if (kntest_tmpdir(dir, sizeof(dir), "/tmp/kn-bench-plan.XXXXXX") != 0) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	if (kntest_daemon_start(&dpid, bin, dir, sock, daemon_args) != 0)
		goto out_stop;
	if (kntest_conn_open(&c, sock, IO_TIMEOUT_S) != 0)
		goto out_close;
	t0 = kntest_now_s();
	if (populate(&c) != 0)
		goto out_close;
	printf("bench_plan: %s (keys.pwhash=min, store.nosync=true: setup only, every figure is a read)\n", bin);
	printf("period %s: a Kepala Sekolah and %d teachers, each plan submitted, approved, agreed, in %.1f s\n", period,
	    TEACHERS, kntest_now_s() - t0);

	printf("(a) the atasan's inbox of %d teachers:\n", TEACHERS);
	snprintf(blabel, sizeof(blabel), "baseline: record.get of the %d head SKPs", TEACHERS);
	if (compare(&c, "plan.inbox", v_inbox, NULL, blabel, v_heads, NULL) != 0)
		goto out_close;

	if (history_count(&nver, &c, &teachers[0]) != 0)
		goto out_close;
	printf("(b) one teacher's plan, %zu versions in its history:\n", nver);
	snprintf(blabel, sizeof(blabel), "baseline: record.history (%zu records)", nver);
	if (compare(&c, "plan.show --teacher", v_show, &teachers[0], blabel, v_history, &teachers[0]) != 0)
		goto out_close;

	t0 = kntest_now_s();
	for (int i = 0; i < CYCLES; i++) {
		teacher *t = &teachers[0];
		if (judge(&c, "plan.reopen", t) != 0 || submit_full(&c, t) != 0 || judge(&c, "plan.approve", t) != 0 ||
		    agree(&c, t) != 0)
			goto out_close;
	}
	if (history_count(&nver, &c, &teachers[0]) != 0)
		goto out_close;
	printf("(b') the same plan after %d more rounds of reopen, submit, approve, agree (%.1f s): %zu versions\n", CYCLES,
	    kntest_now_s() - t0, nver);
	snprintf(label, sizeof(label), "plan.show --teacher (%zu versions)", nver);
	snprintf(blabel, sizeof(blabel), "baseline: record.history (%zu records)", nver);
	if (compare(&c, label, v_show, &teachers[0], blabel, v_history, &teachers[0]) != 0)
		goto out_close;
	if (history_count(&nver, &c, &teachers[1]) != 0)
		goto out_close;
	printf("(b'') control, in the same phase: another teacher's plan, %zu versions:\n", nver);
	snprintf(blabel, sizeof(blabel), "baseline: record.history (%zu records)", nver);
	if (compare(&c, "plan.show --teacher", v_show, &teachers[1], blabel, v_history, &teachers[1]) != 0)
		goto out_close;
	rc = 0;

out_close:
	kntest_conn_close(&c);
out_stop:
	if (dpid > 0) {
		if (kntest_daemon_stop(dpid, STOP_TIMEOUT_MS) != 0)
			rc = 1;
		else if (rc == 0)
			printf("kinerjad stopped with SIGTERM: exit 0\n");
	}
	kntest_rm_rf(dir);
	return rc;
}
