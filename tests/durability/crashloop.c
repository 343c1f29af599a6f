/*
 * crashloop.c - kill -9 kinerjad at random moments, over and over, on the
 * same store; after each restart every write it acknowledged must be
 * there and the stores must pass their own checks.
 *
 * Each round: while the daemon runs, writer processes work on their own
 * connections (the operator enrolls people, pipelining two user.add at a
 * time; each teacher uploads Bukti Dukung of random sizes, some spanning
 * several chunks, and now and then submits it). Every reply a writer
 * reads is logged to its file at once. After a random delay the daemon
 * gets SIGKILL; the writers read what is left on their sockets and exit.
 * Then, with the daemon down, every CRASH_FSCK_EVERY rounds `git fsck
 * --strict` runs on the evidence repository. The daemon is restarted
 * (it must report no problem at start and leave no staging file), everyone
 * logs in again, and each acknowledged write of the round is looked up
 * with its owner's session: a user by record.history of its document, an
 * upload or a submit by evidence.history of the period and record.get of
 * the record naming it. Every CRASH_VERIFY_EVERY rounds evidence.verify
 * (as the Kepala Sekolah) must find no problem; every CRASH_DEEP_EVERY
 * rounds it reads every file. (The daemon's own start-up check of every
 * evidence document's newest commit and ref runs at every restart; the
 * full verify costs time in proportion to all the evidence ever stored.)
 * At the end every write acknowledged in any round is looked up again,
 * and a deep verify and git fsck run once more.
 *
 * Environment: CRASH_ROUNDS (1000), CRASH_SECONDS (600: no new round
 * starts after that), CRASH_SEED (printed at start; the same seed gives
 * the same delays, sizes and choices), CRASH_MAX_DELAY_MS (300),
 * CRASH_FSCK_EVERY (50), CRASH_VERIFY_EVERY (10), CRASH_DEEP_EVERY (100),
 * KEEP (keep the directory).
 *
 * Usage: crashloop [BUILD_DIR]. Last line: "N passed, N failed" (rounds,
 * plus the final audit); exit status 0 only when nothing failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../util/mpmap.h"
#include "durlib.h"

#define NPSN "20100001"
#define OP_IDENT "1234567890123456"
#define OP_PASS "operator-pass"
#define KS_NIP "197803152005012002"
#define KS_PASS "kepsek-pass"
#define TEACHERS 2
#define WRITERS (TEACHERS + 1)     /* writer 0 is the operator */
#define SLOTS 5
#define COMMIT_HEX 41
#define KEY_HEX 65
#define REPLY_WAIT_MS 15000
#define STOP_MS 20000
#define DEFAULT_SEED 20260101ull

/* One acknowledged write, kept for the final audit. */
typedef struct {
	char kind;                 /* 'A' user added, 'U' upload, 'S' submit */
	short teacher;             /* for U and S */
	char period[8];
	char id[KEY_HEX];          /* the user's key, or the commit */
} ack;

static struct {
	char dir[200];
	char sock[256];
	char dlog[256];
	char evdir[256];
	char bin[PATH_MAX];
	const char *build;
	pid_t daemon;
	char op_token[DUR_TOKEN_HEX], ks_token[DUR_TOKEN_HEX], t_token[TEACHERS][DUR_TOKEN_HEX];
	ack *acks;
	size_t nacks, capacks;
	uint64_t seed;
	long rounds, seconds, max_delay, fsck_every, verify_every, deep_every;
	long n_users, n_uploads, n_submits, n_unknown, n_midwrite, n_fsck, n_verify, n_deep;
	double t_write, t_fsck, t_restart, t_check, t_verify; /* seconds spent, over the rounds so far */
	double t_restart_first, t_restart_last;
} L;

/* Say what failed in this round; the caller counts the round as failed. */
static void
say(long round, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(long round, const char *fmt, ...)
{
	va_list ap;

	printf("crashloop: round %ld: ", round);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* A numeric setting from the environment, or dflt. */
static long
env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || v[0] == '\0')
		return dflt;
	n = strtol(v, &end, 10);
	return *end == '\0' && n >= 0 ? n : dflt;
}

/* The NUPTK of teacher i (the operator writer numbers its people by round and sequence). */
static void
teacher_nuptk(char out[17], int i)
{
	snprintf(out, 17, "98765432100000%02u", (unsigned)i % 100u);
}

/* The period a round writes to: rounds cycle through 2020-1 .. 2100-2, so no document grows without bound. */
static void
round_period(char out[8], long round)
{
	snprintf(out, 8, "%04ld-%ld", 2020 + (round / 2) % 81, 1 + round % 2);
}

/* ---- the writers (child processes) ---- */

/* Append one line to the writer's file with one write, so a reader sees whole lines. */
static void
note(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(int fd, const char *fmt, ...)
{
	char line[700];
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
	if (kn_write_full(fd, line, (size_t)n) != 0)
		_exit(3);
}

/* Sleep a random 0..max ms, so writers do not run in lockstep. */
static void
pause_ms(uint64_t *rng, unsigned max)
{
	kntest_sleep_ms((int)dur_rand_below(rng, max + 1));
}

/*
 * Read one reply for the writer: 0 with *r filled (an error reply is
 * noted as an E line), 1 when the daemon is gone (EOF, reset, or no reply
 * in time: a killed daemon answers nothing).
 */
static int
writer_recv(dur_reply *r, kntest_conn *c, int fd, const char *what)
{
	int rc = dur_recv(r, c, REPLY_WAIT_MS, what);

	if (rc != 0)
		return 1;
	if (r->failed)
		note(fd, "E %s %s %s", what, r->code, r->message);
	return 0;
}

/* The operator: enroll new people, two user.add in flight at a time. */
static void
operator_writer(kntest_conn *c, long round, uint64_t *rng, int fd)
{
	char name[64], nuptk[17], key[KEY_HEX];
	dur_args a;
	dur_reply r;
	unsigned seq = 0;

	for (;;) {
		int sent = 0;
		pause_ms(rng, 100);
		for (int k = 0; k < 2; k++, seq++) {
			snprintf(nuptk, sizeof(nuptk), "7%06lu%09u", (unsigned long)round % 1000000ul, seq % 1000000000u);
			snprintf(name, sizeof(name), "Guru Uji %ld-%u", round, seq);
			dur_args_init(&a, 6);
			dur_args_str(&a, "token", L.op_token);
			dur_args_str(&a, "name", name);
			dur_args_str(&a, "role", "guru");
			dur_args_str(&a, "status", "NON_ASN");
			dur_args_str(&a, "nuptk", nuptk);
			dur_args_str(&a, "passphrase", "crash-pass-1");
			if (dur_send(c, c->next_id++, "user.add", &a, NULL, 0) == 0)
				sent++;
			dur_args_free(&a);
		}
		for (int k = 0; k < sent; k++) {
			if (writer_recv(&r, c, fd, "user.add") != 0) {
				note(fd, "P %d", sent - k);
				return;
			}
			if (!r.failed && kn_map_str(key, sizeof(key), r.res, "key") == 0)
				note(fd, "A %s", key);
		}
		if (sent < 2)
			return;
	}
}

/* evidence.upload.begin; the upload id and chunk size, or 1 when the daemon is gone, -1 on an error reply. */
static int
teacher_begin(char id[40], size_t *chunk, kntest_conn *c, int fd, const char *token, const char *period,
    const char *slot, const char *name, size_t size)
{
	const msgpack_object *cm;
	dur_args a;
	dur_reply r;
	int rc;

	dur_args_init(&a, 5);
	dur_args_str(&a, "token", token);
	dur_args_str(&a, "period", period);
	dur_args_str(&a, "slot", slot);
	dur_args_str(&a, "name", name);
	dur_args_u64(&a, "size", size);
	rc = dur_send(c, c->next_id++, "evidence.upload.begin", &a, NULL, 0);
	dur_args_free(&a);
	if (rc != 0 || writer_recv(&r, c, fd, "upload.begin") != 0)
		return 1;
	if (r.failed)
		return -1;
	cm = kn_map_get(r.res, "chunk_max");
	if (kn_map_str(id, 40, r.res, "upload_id") != 0 || cm == NULL || cm->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    cm->via.u64 == 0) {
		note(fd, "E upload.begin bad_reply no upload_id or chunk_max");
		return -1;
	}
	*chunk = (size_t)cm->via.u64;
	return 0;
}

/*
 * A teacher: upload files of random size to random slots of the round's
 * period (every chunk and the finish pipelined), and submit after every
 * third upload. Notes U and S lines for what was acknowledged.
 */
static void
teacher_writer(kntest_conn *c, int t, long round, uint64_t *rng, int fd)
{
	char period[8], slot[24], name[64], id[40], commit[COMMIT_HEX];
	const char *token = L.t_token[t];
	unsigned done = 0;
	dur_reply r;

	round_period(period, round);
	for (unsigned seq = 0;; seq++) {
		kn_buf pdf = KN_BUF_INIT;
		size_t chunk = 0, size;
		uint32_t fin;
		int n, rc;

		pause_ms(rng, 100);
		size = dur_rand_below(rng, 10) == 0 ? 270000 + dur_rand_below(rng, 330000) : 1000 + dur_rand_below(rng, 19000);
		snprintf(slot, sizeof(slot), "berkas-%u", 1 + (unsigned)dur_rand_below(rng, SLOTS)); /* RHK slots need an agreed plan */
		snprintf(name, sizeof(name), "bukti-%ld-%d-%u.pdf", round, t, seq);
		if (dur_pdf(&pdf, dur_rand(rng), size) != 0)
			_exit(2);
		rc = teacher_begin(id, &chunk, c, fd, token, period, slot, name, pdf.len);
		if (rc != 0) {
			kn_buf_free(&pdf);
			if (rc > 0)
				note(fd, "P 1");
			return;
		}
		fin = c->next_id++;
		n = dur_upload_send(c, token, id, pdf.ptr, pdf.len, chunk, fin);
		kn_buf_free(&pdf);
		for (int k = 0; k < n; k++) {
			if (writer_recv(&r, c, fd, "upload") != 0) {
				note(fd, "P %d", n - k);
				return;
			}
			if (!r.failed && r.msgid == fin && kn_map_str(commit, sizeof(commit), r.res, "commit") == 0)
				note(fd, "U %s %s", commit, slot);
		}
		if (n <= 0)
			return;
		if (++done % 3 != 0)
			continue;
		dur_args a;
		dur_args_init(&a, 2);
		dur_args_str(&a, "token", token);
		dur_args_str(&a, "period", period);
		rc = dur_send(c, c->next_id++, "evidence.submit", &a, NULL, 0);
		dur_args_free(&a);
		if (rc != 0 || writer_recv(&r, c, fd, "submit") != 0) {
			note(fd, "P 1");
			return;
		}
		const msgpack_object *already = r.failed ? NULL : kn_map_get(r.res, "already");
		if (!r.failed && already && already->type == MSGPACK_OBJECT_BOOLEAN && !already->via.boolean &&
		    kn_map_str(commit, sizeof(commit), r.res, "commit") == 0)
			note(fd, "S %s", commit);
	}
}

/*
 * A writer process: connect (a daemon already killed is fine), work until
 * the daemon is gone. Its complaints about the connection go to a file of
 * their own: a dying daemon makes plenty.
 */
static void
writer_main(int w, long round, const char *path)
{
	uint64_t rng = L.seed ^ ((uint64_t)round << 20) ^ ((uint64_t)w << 8) ^ 0x5bd1e995u;
	char err[320];
	kntest_conn c;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int efd;

	snprintf(err, sizeof(err), "%.300s.err", path);
	efd = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || efd < 0)
		_exit(2);
	dup2(efd, STDERR_FILENO);
	dur_conn_init(&c);
	if (kntest_connect(&c.fd, L.sock, 0) == 0) {
		if (w == 0)
			operator_writer(&c, round, &rng, fd);
		else
			teacher_writer(&c, w - 1, round, &rng, fd);
	}
	kntest_conn_close(&c);
	close(fd);
	_exit(0);
}

/* ---- the parent ---- */

/* Start the daemon on the loop's directory; 0, or -1 with the end of its log shown. */
static int
daemon_up(void)
{
	static const char *const extra[] = { "--set", "keys.pwhash=min", "--log-level", "info", NULL };
	char cmd[600];

	if (dur_daemon_start(&L.daemon, L.bin, L.dir, L.sock, extra, NULL, L.dlog) == 0)
		return 0;
	snprintf(cmd, sizeof(cmd), "tail -n 20 '%s' >&2", L.dlog);
	if (system(cmd) != 0)
		fprintf(stderr, "crashloop: cannot show %s\n", L.dlog);
	if (L.daemon > 0)
		kntest_child_stop(L.daemon, SIGKILL, 1000);
	L.daemon = -1;
	return -1;
}

/* Log in the operator, the teachers and the Kepala Sekolah (sessions end with the daemon). */
static int
login_all(kntest_conn *c)
{
	char nuptk[17], pass[32];

	if (dur_login(L.op_token, c, OP_IDENT, OP_PASS) != 0 || dur_login(L.ks_token, c, KS_NIP, KS_PASS) != 0)
		return -1;
	for (int t = 0; t < TEACHERS; t++) {
		teacher_nuptk(nuptk, t);
		snprintf(pass, sizeof(pass), "guru-pass-%d", t);
		if (dur_login(L.t_token[t], c, nuptk, pass) != 0)
			return -1;
	}
	return 0;
}

/* user.add of a person, waiting for the answer. */
static int
add_user(kntest_conn *c, const char *name, const char *role, const char *ident, const char *pass)
{
	int pns = strlen(ident) == 18;
	dur_args a;
	dur_reply r;
	int rc;

	dur_args_init(&a, 6);
	dur_args_str(&a, "token", L.op_token);
	dur_args_str(&a, "name", name);
	dur_args_str(&a, "role", role);
	dur_args_str(&a, "status", pns ? "PNS" : "NON_ASN");
	dur_args_str(&a, pns ? "nip" : "nuptk", ident);
	dur_args_str(&a, "passphrase", pass);
	rc = dur_call(&r, c, 0, "user.add", &a, "user.add");
	dur_args_free(&a);
	return rc;
}

/* A fresh school: operator, teachers, Kepala Sekolah. */
static int
setup_school(void)
{
	char nuptk[17], pass[32], name[64];
	kntest_conn c;
	dur_args a;
	dur_reply r;
	int rc = -1;

	if (daemon_up() != 0 || kntest_conn_open(&c, L.sock, 60) != 0)
		return -1;
	dur_args_init(&a, 6);
	dur_args_str(&a, "npsn", NPSN);
	dur_args_str(&a, "name", "SD Negeri 1 Contoh");
	dur_args_str(&a, "operator_name", "Siti Aminah");
	dur_args_str(&a, "operator_nuptk", OP_IDENT);
	dur_args_str(&a, "operator_status", "NON_ASN");
	dur_args_str(&a, "passphrase", OP_PASS);
	if (dur_call(&r, &c, 0, "school.init", &a, "school.init") != 0)
		goto out;
	for (int tries = 0; dur_login(L.op_token, &c, OP_IDENT, OP_PASS) != 0; tries++) {
		if (tries == 20)
			goto out;
		kntest_sleep_ms(50);
	}
	for (int t = 0; t < TEACHERS; t++) {
		teacher_nuptk(nuptk, t);
		snprintf(pass, sizeof(pass), "guru-pass-%d", t);
		snprintf(name, sizeof(name), "Guru Tetap %d", t);
		if (add_user(&c, name, "guru", nuptk, pass) != 0)
			goto out;
	}
	if (add_user(&c, "Dewi Lestari", "kepala_sekolah", KS_NIP, KS_PASS) != 0)
		goto out;
	/*
	 * Replies come after the commit, so people can log in at once; a
	 * daemon that answers before it commits (as the mutants made to test
	 * this loop do) gets a moment, so that its rounds show what it loses.
	 */
	for (int tries = 0; login_all(&c) != 0; tries++) {
		if (tries == 20)
			goto out;
		kntest_sleep_ms(50);
	}
	rc = 0;
out:
	dur_args_free(&a);
	kntest_conn_close(&c);
	return rc;
}

/* Keep an acknowledged write for the final audit. */
static int
keep_ack(char kind, int teacher, const char *period, const char *id)
{
	if (L.nacks == L.capacks) {
		size_t cap = L.capacks ? 2 * L.capacks : 1024;
		ack *p = realloc(L.acks, cap * sizeof(*p));
		if (p == NULL)
			return -1;
		L.acks = p;
		L.capacks = cap;
	}
	ack *k = &L.acks[L.nacks++];
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	k->teacher = (short)teacher;
	snprintf(k->period, sizeof(k->period), "%s", period);
	snprintf(k->id, sizeof(k->id), "%s", id);
	return 0;
}

/* Read writer w's file: keep its acks; count its errors and its writes of unknown outcome. */
static int
read_writer(long round, int w, const char *path, long *errors, long *unknown)
{
	char line[800], period[8], id[KEY_HEX];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0; /* it never started */
	round_period(period, round);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'E') {
			(*errors)++;
			say(round, "writer %d got an error reply: %s", w, line + 2);
		} else if (line[0] == 'P') {
			*unknown += atol(line + 2);
		} else if ((line[0] == 'A' || line[0] == 'U' || line[0] == 'S') && sscanf(line + 2, "%64s", id) == 1) {
			if (keep_ack(line[0], w - 1, period, id) != 0)
				return -1;
		}
	}
	fclose(f);
	return 0;
}

/* The versions of a teacher's evidence in a period, from evidence.history; r borrows from c. */
static int
history_of(const msgpack_object **out, dur_reply *r, kntest_conn *c, int t, const char *period)
{
	dur_args a;
	int rc;

	dur_args_init(&a, 2);
	dur_args_str(&a, "token", L.t_token[t]);
	dur_args_str(&a, "period", period);
	rc = dur_call(r, c, 0, "evidence.history", &a, "evidence.history");
	dur_args_free(&a);
	*out = rc == 0 ? kn_map_get(r->res, "versions") : NULL;
	if (rc == 0 && (*out == NULL || (*out)->type != MSGPACK_OBJECT_ARRAY)) {
		fprintf(stderr, "crashloop: evidence.history has no versions array\n");
		rc = -1;
	}
	return rc;
}

/* The record id of the version with this action and commit; 0 when found. */
static int
find_version(char record[KEY_HEX], const msgpack_object *versions, const char *action, const char *commit)
{
	char act[16], com[COMMIT_HEX];

	for (uint32_t i = 0; i < versions->via.array.size; i++) {
		const msgpack_object *v = &versions->via.array.ptr[i];
		if (kn_map_str(act, sizeof(act), v, "action") == 0 && kn_map_str(com, sizeof(com), v, "commit") == 0 &&
		    strcmp(act, action) == 0 && strcmp(com, commit) == 0 && kn_map_str(record, KEY_HEX, v, "record") == 0)
			return 0;
	}
	return -1;
}

/* record.get of id with token: the record itself must be there. */
static int
record_present(kntest_conn *c, const char *token, const char *id)
{
	dur_args a;
	dur_reply r;
	int rc;

	dur_args_init(&a, 2);
	dur_args_str(&a, "token", token);
	dur_args_str(&a, "id", id);
	rc = dur_call(&r, c, 0, "record.get", &a, "record.get");
	dur_args_free(&a);
	return rc;
}

/*
 * Look up the acknowledged writes acks[from..to): users by the history of
 * their document (as the operator), uploads and submits in the evidence
 * history of their period (as the teacher) and then by record.get.
 * Returns the number missing (each one printed), or -1 when a lookup
 * itself failed.
 */
static long
check_acks(kntest_conn *c, long round, size_t from, size_t to)
{
	char doc[128], record[KEY_HEX];
	long missing = 0;
	dur_args a;
	dur_reply r;

	for (size_t i = from; i < to; i++) {
		ack *k = &L.acks[i];
		if (k->kind != 'A')
			continue;
		snprintf(doc, sizeof(doc), "user/%s/%s", NPSN, k->id);
		dur_args_init(&a, 2);
		dur_args_str(&a, "token", L.op_token);
		dur_args_str(&a, "doc", doc);
		if (dur_call(&r, c, 0, "record.history", &a, "record.history") != 0) {
			say(round, "acknowledged user %s is missing", k->id);
			missing++;
		}
		dur_args_free(&a);
	}
	/* one history per teacher and period, then each of their writes in it */
	for (size_t i = from; i < to; i++) {
		const msgpack_object *versions;
		ack *k = &L.acks[i];
		int seen = 0;
		if (k->kind == 'A')
			continue;
		for (size_t j = from; j < i && !seen; j++)
			seen = L.acks[j].kind != 'A' && L.acks[j].teacher == k->teacher && strcmp(L.acks[j].period, k->period) == 0;
		if (seen)
			continue;
		if (history_of(&versions, &r, c, k->teacher, k->period) != 0)
			return -1;
		/* copy the record ids out: r is reused by record.get */
		size_t nids = 0;
		char (*ids)[KEY_HEX] = calloc(to - i, KEY_HEX);
		if (ids == NULL)
			return -1;
		for (size_t j = i; j < to; j++) {
			ack *m = &L.acks[j];
			if (m->kind == 'A' || m->teacher != k->teacher || strcmp(m->period, k->period) != 0)
				continue;
			if (find_version(record, versions, m->kind == 'U' ? "upload" : "submit", m->id) != 0) {
				say(round, "acknowledged %s of commit %s by teacher %d in %s is missing from evidence.history",
				    m->kind == 'U' ? "upload" : "submit", m->id, m->teacher, m->period);
				missing++;
				continue;
			}
			memcpy(ids[nids++], record, KEY_HEX);
		}
		for (size_t j = 0; j < nids; j++) {
			if (record_present(c, L.t_token[k->teacher], ids[j]) != 0) {
				say(round, "record %s named by evidence.history is missing", ids[j]);
				missing++;
			}
		}
		free(ids);
	}
	return missing;
}

/* evidence.verify as the Kepala Sekolah: the number of problems (printed), or -1. */
static long
verify_evidence(kntest_conn *c, long round, int deep)
{
	const msgpack_object *p;
	char msg[512];
	dur_args a;
	dur_reply r;
	int rc;

	dur_args_init(&a, 2);
	dur_args_str(&a, "token", L.ks_token);
	dur_args_bool(&a, "deep", deep);
	rc = dur_call(&r, c, 0, "evidence.verify", &a, "evidence.verify");
	dur_args_free(&a);
	if (rc != 0)
		return -1;
	p = kn_map_get(r.res, "problems");
	if (p == NULL || p->type != MSGPACK_OBJECT_ARRAY)
		return -1;
	for (uint32_t i = 0; i < p->via.array.size; i++) {
		const msgpack_object *s = &p->via.array.ptr[i];
		snprintf(msg, sizeof(msg), "%.*s", s->type == MSGPACK_OBJECT_STR ? (int)s->via.str.size : 1,
		    s->type == MSGPACK_OBJECT_STR ? s->via.str.ptr : "?");
		say(round, "evidence.verify%s: %s", deep ? " (deep)" : "", msg);
	}
	return (long)p->via.array.size;
}

/* status after a restart: the start-up checks of the evidence repository found no problem. */
static int
start_problems(kntest_conn *c, long *out)
{
	const msgpack_object *ev, *n;
	dur_reply r;

	*out = -1;
	if (dur_call(&r, c, 0, "status", NULL, "status") != 0)
		return -1;
	ev = kn_map_get(r.res, "evidence");
	n = ev ? kn_map_get(ev, "problems_at_start") : NULL;
	if (n == NULL || n->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -1;
	*out = (long)n->via.u64;
	return 0;
}

/* Staging files left after the restart (the daemon must have removed a killed upload's). */
static int
staging_left(void)
{
	char path[300];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/uploads", L.dir);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Temporary object files in the evidence repository (libgit2 leaves them when killed mid-write). */
static long
tmp_objects(void)
{
	char path[300];
	struct dirent *de;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/objects", L.evdir);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, "tmp_", 4) == 0;
	closedir(d);
	return n;
}

/* git fsck --strict on the evidence repository (daemon down); 0 when clean. */
static int
git_fsck(void)
{
	char out[300];
	pid_t pid;
	int status;

	snprintf(out, sizeof(out), "%s/fsck.log", L.dir);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("git", "git", "--git-dir", L.evdir, "fsck", "--strict", "--no-progress", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	L.n_fsck++;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * One round: writers, a kill at a random moment, fsck when due, restart,
 * logins, the round's acknowledged writes looked up, evidence.verify.
 * Returns 0 (passed), 1 (failed, the loop goes on) or -1 (the daemon
 * cannot be restarted: the loop stops).
 */
static int
round_run(long round, uint64_t *rng)
{
	char path[WRITERS][300];
	pid_t kids[WRITERS];
	size_t first = L.nacks;
	long errors = 0, unknown = 0, missing, problems, at_start;
	int failed = 0, status;
	double t = kntest_now_s(), t2;
	kntest_conn c;

	fflush(stdout);
	fflush(stderr);
	for (int w = 0; w < WRITERS; w++) {
		snprintf(path[w], sizeof(path[w]), "%s/writer-%d.txt", L.dir, w);
		unlink(path[w]);
		kids[w] = fork();
		if (kids[w] == 0)
			writer_main(w, round, path[w]);
	}
	kntest_sleep_ms((int)dur_rand_below(rng, (uint64_t)L.max_delay + 1));
	kill(L.daemon, SIGKILL);
	waitpid(L.daemon, &status, 0);
	L.daemon = -1;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		say(round, "kinerjad ended on its own before the kill (wait status %d); see %s", status, L.dlog);
		failed = 1;
	}
	for (int w = 0; w < WRITERS; w++) {
		if (kids[w] > 0 && kntest_child_stop(kids[w], 0, REPLY_WAIT_MS + 5000) == -1) {
			say(round, "writer %d did not finish after the daemon was killed", w);
			failed = 1;
		}
		if (read_writer(round, w, path[w], &errors, &unknown) != 0)
			return -1;
	}
	L.n_unknown += unknown;
	L.n_midwrite += unknown > 0;
	if (errors)
		failed = 1;
	t2 = kntest_now_s();
	L.t_write += t2 - t;
	t = t2;
	if (L.fsck_every > 0 && round % L.fsck_every == 0 && git_fsck() != 0) {
		say(round, "git fsck --strict failed after the kill; see %s/fsck.log", L.dir);
		failed = 1;
	}
	t2 = kntest_now_s();
	L.t_fsck += t2 - t;
	t = t2;
	if (daemon_up() != 0) {
		say(round, "kinerjad did not restart after the kill");
		return -1;
	}
	t2 = kntest_now_s();
	L.t_restart += t2 - t;
	if (round == 1)
		L.t_restart_first = t2 - t;
	L.t_restart_last = t2 - t;
	t = t2;
	if (kntest_conn_open(&c, L.sock, 60) != 0 || login_all(&c) != 0) {
		kntest_conn_close(&c);
		say(round, "cannot log in after the restart");
		return -1;
	}
	if (start_problems(&c, &at_start) != 0 || at_start != 0) {
		say(round, "the daemon reported %ld evidence problems at start", at_start);
		failed = 1;
	}
	if (staging_left() != 0) {
		say(round, "staging files left after the restart");
		failed = 1;
	}
	missing = check_acks(&c, round, first, L.nacks);
	if (missing != 0) {
		if (missing < 0)
			say(round, "the acknowledged writes could not be looked up");
		failed = 1;
	}
	int deep = L.deep_every > 0 && round % L.deep_every == 0;
	t2 = kntest_now_s();
	L.t_check += t2 - t;
	t = t2;
	problems = 0;
	if (deep || (L.verify_every > 0 && round % L.verify_every == 0)) {
		problems = verify_evidence(&c, round, deep);
		L.n_verify++;
		L.n_deep += deep;
	}
	L.t_verify += kntest_now_s() - t;
	if (problems != 0) {
		if (problems < 0)
			say(round, "evidence.verify did not answer");
		failed = 1;
	}
	kntest_conn_close(&c);
	for (size_t i = first; i < L.nacks; i++) {
		L.n_users += L.acks[i].kind == 'A';
		L.n_uploads += L.acks[i].kind == 'U';
		L.n_submits += L.acks[i].kind == 'S';
	}
	return failed;
}

/* Every acknowledged write of every round, looked up once more. */
static int
final_audit(void)
{
	kntest_conn c;
	long missing;
	int rc;

	if (kntest_conn_open(&c, L.sock, 60) != 0) {
		kntest_conn_close(&c);
		return -1;
	}
	missing = check_acks(&c, -1, 0, L.nacks);
	rc = missing == 0 && verify_evidence(&c, -1, 1) == 0 ? 0 : -1;
	kntest_conn_close(&c);
	return rc;
}

int
main(int argc, char **argv)
{
	char tmpl[64], canon[PATH_MAX];
	const char *seed_env = getenv("CRASH_SEED");
	long passed = 0, failed = 0, round;
	double t0;
	int rc = 0;

	signal(SIGPIPE, SIG_IGN);
	L.build = argc > 1 ? argv[1] : getenv("KINERJA_BUILD") ? getenv("KINERJA_BUILD") : "build";
	snprintf(L.bin, sizeof(L.bin), "%s/kinerjad", L.build);
	L.seed = seed_env && seed_env[0] ? strtoull(seed_env, NULL, 0) : DEFAULT_SEED;
	L.rounds = env_long("CRASH_ROUNDS", 1000);
	L.seconds = env_long("CRASH_SECONDS", 600);
	L.max_delay = env_long("CRASH_MAX_DELAY_MS", 300);
	L.fsck_every = env_long("CRASH_FSCK_EVERY", 50);
	L.verify_every = env_long("CRASH_VERIFY_EVERY", 10);
	L.deep_every = env_long("CRASH_DEEP_EVERY", 100);
	L.daemon = -1;
	if (access(L.bin, X_OK) != 0) {
		fprintf(stderr, "crashloop: %s is missing: run make first\n", L.bin);
		return 1;
	}
	if (kntest_tmpdir(tmpl, sizeof(tmpl), "/tmp/kinerja-crash.XXXXXX") != 0 || realpath(tmpl, canon) == NULL ||
	    strlen(canon) >= sizeof(L.dir)) {
		perror("crashloop: temporary directory");
		return 1;
	}
	memcpy(L.dir, canon, strlen(canon) + 1);
	snprintf(L.sock, sizeof(L.sock), "%s/kinerjad.sock", L.dir);
	snprintf(L.dlog, sizeof(L.dlog), "%s/daemon.log", L.dir);
	snprintf(L.evdir, sizeof(L.evdir), "%s/evidence.git", L.dir);
	printf("crashloop: seed %llu (CRASH_SEED=%llu repeats it), up to %ld rounds or %ld s, kill within %ld ms, "
	    "fsck every %ld, verify every %ld (deep every %ld); in %s\n", (unsigned long long)L.seed,
	    (unsigned long long)L.seed, L.rounds, L.seconds, L.max_delay, L.fsck_every, L.verify_every, L.deep_every, L.dir);
	fflush(stdout);
	t0 = kntest_now_s();
	if (setup_school() != 0) {
		printf("crashloop: cannot set up the school\n0 passed, 1 failed\n");
		return 1;
	}
	uint64_t rng = L.seed;
	for (round = 1; round <= L.rounds && kntest_now_s() - t0 < (double)L.seconds; round++) {
		int r = round_run(round, &rng);
		if (r == 0)
			passed++;
		else
			failed++;
		if (r != 0)
			printf("crashloop: round %ld FAILED (seed %llu)\n", round, (unsigned long long)L.seed);
		if (r < 0)
			break;
		if (round % 50 == 0)
			printf("crashloop: %ld rounds in %.0f s: %ld passed, %ld failed; acknowledged so far: %ld users, "
			    "%ld uploads, %ld submits; %ld rounds killed mid-write; mean ms per round: writers %.0f, fsck %.0f, "
			    "restart %.0f, logins and lookups %.0f, verify %.0f\n", round, kntest_now_s() - t0, passed,
			    failed, L.n_users, L.n_uploads, L.n_submits, L.n_midwrite, 1000 * L.t_write / round,
			    1000 * L.t_fsck / round, 1000 * L.t_restart / round, 1000 * L.t_check / round,
			    1000 * L.t_verify / round);
		fflush(stdout);
	}
	if (L.daemon > 0) {
		if (final_audit() == 0) {
			passed++;
		} else {
			printf("crashloop: the final audit of all acknowledged writes failed\n");
			failed++;
		}
		if (kntest_daemon_stop(L.daemon, STOP_MS) != 0)
			failed++;
		L.daemon = -1;
		if (git_fsck() != 0) {
			printf("crashloop: git fsck --strict failed at the end; see %s/fsck.log\n", L.dir);
			failed++;
		}
	}
	printf("crashloop: %ld rounds in %.1f s (seed %llu); acknowledged writes checked: %ld users, %ld uploads, %ld "
	    "submits, each again in the final audit; %ld rounds killed with writes in flight (%ld writes of unknown outcome); "
	    "git fsck %ld times, evidence.verify %ld times (%ld deep)\n", round - 1, kntest_now_s() - t0,
	    (unsigned long long)L.seed, L.n_users, L.n_uploads, L.n_submits, L.n_midwrite, L.n_unknown, L.n_fsck, L.n_verify,
	    L.n_deep);
	printf("crashloop: restarting took %.0f ms in round 1 and %.0f ms in the last round (the daemon checks all "
	    "stored evidence at start); %ld temporary object files left in the evidence objects/ by killed uploads\n",
	    1000 * L.t_restart_first, 1000 * L.t_restart_last, tmp_objects());
	if (failed || getenv("KEEP"))
		printf("crashloop: directory kept: %s\n", L.dir);
	else
		kntest_rm_rf(L.dir);
	printf("%ld passed, %ld failed\n", passed, failed);
	free(L.acks);
	rc = failed ? 1 : 0;
	return rc;
}
