/*
 * bench_plan.c - what the planning views cost against reading the same
 * records raw, and whether that cost grows with the school's history: the
 * atasan's inbox (plan.inbox) and one teacher's plan (plan.show), in views
 * per second, each beside a baseline over the same records in the same run
 * on the same daemon, on a store with one planning season and on one with
 * ten, side by side.
 *
 * The school is made here, as signed records (record_sign, with the
 * decisions of domain_skp_decide, as the daemon makes them): an operator,
 * a Kepala Sekolah, TEACHERS teachers, the shipped catalog, and for each
 * of SEMESTERS periods (the current one and the SEMESTERS - 1 before it)
 * the opening and, for every teacher, Ajukan, Setujui and Sepakati of a
 * complete plan; before each earlier season the operator records every
 * enrollment again (as a school does each semester from Dapodik), so the
 * enrollments have versions too. The people's keys are sealed at the test
 * Argon2id cost, so they can log in. Then:
 *
 *   1. two stores under /tmp get the people, the catalog and the current
 *      season (store_put with the daemon's rules), and a real kinerjad is
 *      started on each (store.nosync: every figure is a read);
 *   2. the second gets the SEMESTERS - 1 earlier seasons through
 *      record.import (the operator; every record verified and judged as
 *      any write, arriving after the newer ones);
 *   3. timed, on both daemons in turn, so a change of the machine's load
 *      weighs on both alike: (a) plan.inbox by the Kepala Sekolah, against
 *      record.get of the TEACHERS head SKP records (sent all at once on
 *      one connection), i.e. the records the inbox summarises; (b)
 *      plan.show of one teacher by the Kepala Sekolah, against
 *      record.history of that SKP document (every version), i.e. the
 *      records the view reads. The ten-season speed over the one-season
 *      speed says whether a view costs more with a longer history;
 *   4. on the second, the first teacher's SKP gets CYCLES more rounds of
 *      Buka Kembali, Ajukan, Setujui, Sepakati through the daemon (4
 *      versions each), and plan.show of it and its baseline are timed,
 *      with another teacher's 3-version plan as a control.
 *
 * Speed is reported, never asserted: the exit status is 1 only for a
 * functional failure (a refused setup step, a wrong reply, a bad exit).
 *
 * Usage: bench_plan [BUILD_DIR]   runs BUILD_DIR/kinerjad (default build/),
 * with the catalog of BUILD_DIR/../catalog
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <msgpack.h>
#include <sodium.h>

#include "../daemon/server.h"
#include "../domain/catalog.h"
#include "../domain/skp.h"
#include "../store/keys.h"
#include "../store/record.h"
#include "../store/store.h"
#include "../tests/lib/kntest.h"
#include "../util/kn.h"
#include "../util/mpmap.h"

#define NPSN "20100001"
#define TEACHERS 60
#define SEMESTERS 10      /* planning seasons in the store at the second measurement */
#define CYCLES 50         /* extra rounds of reopen/submit/approve/agree on one SKP */
#define ROUNDS 7          /* each figure and its baseline alternate this many times */
#define ROUND_S 0.25      /* seconds of each timed run; a figure is the median of its runs */
#define IO_TIMEOUT_S 60
#define STOP_TIMEOUT_MS 20000
#define REPLY_MAX (16 << 20)
#define IMPORT_CHUNK 500  /* records per record.import call (the daemon takes 512) */
#define DAY_MS 86400000ULL
#define HLC(ms) ((uint64_t)(ms) << 16)

static const char op_ident[] = "1234567890123456", op_pass[] = "operator-pass";
static const char ks_nip[] = "197803152005012002", ks_pass[] = "kepsek-pass", guru_pass[] = "guru-pass";

/* A person of the school: key, identity, and the enrollment records made for them. */
typedef struct {
	keys_secret *k;
	char hex[65];
	char nip[32];
	uint8_t enr[32];    /* the enrollment record the acts being made name */
	uint64_t enr_hlc;
	uint8_t tip[32];    /* the newest version of the enrollment made */
	char name[32], role[16];
	domain_user u;
} person;

/* One season: the period, its opening, and every teacher's head SKP record. */
typedef struct {
	char period[8];
	uint64_t open_ms;
	uint8_t id[32];     /* the period record */
	char head[TEACHERS][65];
} season;

static person op, ks, teachers[TEACHERS];
static season seasons[SEMESTERS];  /* oldest first; the last is the current one */
static domain_catalog *cat;
static uint8_t cat_id[32];
static uint64_t base_ms;           /* the school, the people and the catalog are recorded then */

/* ---- the school, as signed records ---- */

/* Pack a msgpack string. */
static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/*
 * Sign a record and append it to list as a 4-byte length and the bytes;
 * its id goes to id. 0 or -1 (printed).
 */
static int
sign_to(kn_buf *list, uint8_t id[32], const keys_secret *k, const char *type, const char *subject, uint64_t hlc,
    const uint8_t *parent, const uint8_t (*auth)[32], size_t nauth, const kn_buf *body)
{
	kn_buf rec = KN_BUF_INIT;
	record_fields f = { type, NPSN, subject, hlc, (const uint8_t(*)[32])parent, parent ? 1 : 0, body->ptr, body->len, auth,
		nauth };
	uint32_t n;
	int rc = record_sign(&rec, id, &f, k->pk, k->sk);

	n = (uint32_t)rec.len;
	if (rc == 0 && (kn_buf_put(list, &n, sizeof(n)) != 0 || kn_buf_put(list, rec.ptr, rec.len) != 0))
		rc = KN_ENOMEM;
	if (rc)
		fprintf(stderr, "bench_plan: signing a %s record: %s\n", type, kn_error_message());
	kn_buf_free(&rec);
	return rc ? -1 : 0;
}

/* An enrollment's body: name, role, status, nip or nuptk, active. */
static void
user_body(kn_buf *b, const char *name, const char *role, const char *ident)
{
	msgpack_packer pk;
	int nuptk = strlen(ident) == 16;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	int guru = strcmp(role, "guru") == 0;
	msgpack_pack_map(&pk, 5 + guru);
	pack_s(&pk, "name");
	pack_s(&pk, name);
	pack_s(&pk, "role");
	pack_s(&pk, role);
	if (guru) {
		/* a Guru's Jenis PTK from Dapodik: without it he may draft but not submit (eligibility) */
		pack_s(&pk, "jenis_ptk");
		pack_s(&pk, "Guru Kelas");
	}
	pack_s(&pk, "status");
	pack_s(&pk, nuptk ? "NON_ASN" : "PNS");
	pack_s(&pk, nuptk ? "nuptk" : "nip");
	pack_s(&pk, ident);
	pack_s(&pk, "active");
	msgpack_pack_true(&pk);
}

/* A new person: key, and the enrollment by the operator (auth: auth_id) at hlc. */
static int
enroll(kn_buf *list, person *p, const char *name, const char *role, const char *ident, uint64_t hlc,
    const keys_secret *by, const uint8_t auth_id[32])
{
	kn_buf b = KN_BUF_INIT;
	int rc;

	if (p->k == NULL && keys_generate(&p->k) != 0)
		return -1;
	kn_hex(p->hex, p->k->pk, 32);
	snprintf(p->nip, sizeof(p->nip), "%s", ident);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->role, sizeof(p->role), "%s", role);
	user_body(&b, name, role, ident);
	rc = sign_to(list, p->enr, by ? by : p->k, "user", p->hex, hlc, NULL, (const uint8_t(*)[32])auth_id, 1, &b);
	if (rc == 0) {
		/* the enrollment as the decisions read it */
		msgpack_unpacked up;
		size_t off = 0;
		msgpack_unpacked_init(&up);
		if (msgpack_unpack_next(&up, (const char *)b.ptr, b.len, &off) != MSGPACK_UNPACK_SUCCESS ||
		    domain_user_parse(&p->u, &up.data) != 0)
			rc = -1;
		msgpack_unpacked_destroy(&up);
	}
	p->enr_hlc = hlc;
	memcpy(p->tip, p->enr, 32);
	kn_buf_free(&b);
	return rc;
}

/*
 * The operator records p's enrollment again at hlc (as a school does each
 * semester from Dapodik; the same values), a new version of its newest;
 * acts made after it name it.
 */
static int
reenroll(kn_buf *list, person *p, uint64_t hlc)
{
	kn_buf b = KN_BUF_INIT;
	int rc;

	user_body(&b, p->name, p->role, p->nip);
	rc = sign_to(list, p->enr, op.k, "user", p->hex, hlc, p->tip, (const uint8_t(*)[32])op.enr, 1, &b);
	p->enr_hlc = hlc;
	memcpy(p->tip, p->enr, 32);
	kn_buf_free(&b);
	return rc;
}

/* The complete plan every teacher submits: 32 points, one sub-indicator, every aspect. */
static void
full_plan(domain_plan *p, const char *period)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->period, sizeof(p->period), "%s", period);
	snprintf(p->catalog, sizeof(p->catalog), "%s", cat->version);
	p->jabatan = DOMAIN_JABATAN_GURU;
	p->npraktik = 1;
	snprintf(p->praktik[0], sizeof(p->praktik[0]), "keteraturan_suasana_kelas");
	p->nrhk = 2;
	p->rhk[0] = (domain_plan_rhk){ 1, 2 };
	p->rhk[1] = (domain_plan_rhk){ 5, 4 };
	for (size_t i = 0; i < cat->naspects && i < DOMAIN_PLAN_PERILAKU_MAX; i++) {
		snprintf(p->perilaku[i].aspek, sizeof(p->perilaku[i].aspek), "%s", cat->aspects[i].id);
		p->perilaku[i].has_index = 1;
		p->nperilaku++;
	}
}

/*
 * One act on teacher t's SKP of season s, decided as the daemon decides it
 * (domain_skp_decide) and signed by its actor: the owner, or the Kepala
 * Sekolah. prev is the parent's body (NULL for the first act), parent its
 * id; the body made goes to *made (caller frees) and the id to id.
 */
static int
act(kn_buf *list, uint8_t id[32], domain_skp_body **made, const season *s, const person *t, domain_skp_action action,
    const domain_skp_body *prev, const uint8_t *parent, const domain_plan *plan, uint64_t ms)
{
	const person *actor = domain_skp_action_by_atasan(action) ? &ks : t;
	domain_skp_outcome *o = calloc(1, sizeof(*o));
	domain_period_body pb;
	uint8_t auth[4][32];
	char subject[DOMAIN_SKP_SUBJECT_LEN + 1];
	kn_buf body = KN_BUF_INIT;
	size_t nauth = 0;
	int rc = -1;

	*made = NULL;
	if (o == NULL)
		return -1;
	snprintf(pb.catalog, sizeof(pb.catalog), "%s", cat->version);
	domain_skp_input in = { action, actor->k->pk, &actor->u, actor->enr_hlc >> 16, t->k->pk, &t->u, NPSN, ms, prev, plan,
		NULL, cat, s->period, &pb, ks.k->pk, s->open_ms };
	if (domain_skp_decide(o, &in) != 0 || domain_skp_body_pack(&body, &o->body) != 0) {
		fprintf(stderr, "bench_plan: %s of %s in %s: %s\n", domain_skp_action_name(action), t->nip, s->period,
		    kn_error_message());
		goto out;
	}
	memcpy(auth[nauth++], actor->enr, 32);
	memcpy(auth[nauth++], s->id, 32);
	memcpy(auth[nauth++], cat_id, 32);
	if (actor != t)
		memcpy(auth[nauth++], t->enr, 32);
	domain_skp_subject(subject, sizeof(subject), t->k->pk, s->period);
	if (sign_to(list, id, actor->k, "skp", subject, HLC(ms), parent, (const uint8_t(*)[32])auth, nauth, &body) != 0)
		goto out;
	if ((*made = malloc(sizeof(**made))) == NULL)
		goto out;
	**made = o->body;
	rc = 0;
out:
	kn_buf_free(&body);
	free(o);
	return rc;
}

/* Season s: the Kepala Sekolah opens it; every teacher submits, she approves, he agrees. */
static int
season_make(kn_buf *list, season *s)
{
	domain_plan *plan = calloc(1, sizeof(*plan));
	domain_period_body pb;
	kn_buf b = KN_BUF_INIT;
	uint8_t auth[2][32];
	int rc = -1;

	if (plan == NULL)
		return -1;
	snprintf(pb.catalog, sizeof(pb.catalog), "%s", cat->version);
	memcpy(auth[0], ks.enr, 32);
	memcpy(auth[1], cat_id, 32);
	if (domain_period_body_pack(&b, &pb) != 0 ||
	    sign_to(list, s->id, ks.k, "period", s->period, HLC(s->open_ms), NULL, (const uint8_t(*)[32])auth, 2, &b) != 0)
		goto out;
	full_plan(plan, s->period);
	for (int i = 0; i < TEACHERS; i++) {
		uint64_t ms = s->open_ms + 60000 + (uint64_t)i * 3000;
		domain_skp_body *b1, *b2, *b3;
		uint8_t id1[32], id2[32], id3[32];
		if (act(list, id1, &b1, s, &teachers[i], DOMAIN_SKP_AJUKAN, NULL, NULL, plan, ms) != 0)
			goto out;
		rc = act(list, id2, &b2, s, &teachers[i], DOMAIN_SKP_SETUJUI, b1, id1, plan, ms + 1000);
		free(b1);
		if (rc != 0)
			goto out;
		rc = act(list, id3, &b3, s, &teachers[i], DOMAIN_SKP_SEPAKATI, b2, id2, plan, ms + 2000);
		free(b2);
		free(b3);
		if (rc != 0)
			goto out;
		rc = -1;
		kn_hex(s->head[i], id3, 32);
	}
	rc = 0;
out:
	kn_buf_free(&b);
	free(plan);
	return rc;
}

/* The period before p ("2026-1" before "2026-2", "2025-2" before "2026-1"). */
static void
period_before(char out[8], const char *p)
{
	int year = atoi(p) % 10000, semester = p[5] - '0';

	if (semester != 2)
		year = year > 0 ? year - 1 : 0;
	snprintf(out, 8, "%04d-%d", year, semester == 2 ? 1 : 2);
}

/*
 * The seasons: the current period (or the one before when the current one
 * began less than an hour ago) and the SEMESTERS - 1 before it, each
 * opened at 10:00 WIB on its first day (the current one at most ten
 * minutes ago), and the time the school is recorded: a month before the
 * first.
 */
static int
seasons_plan(void)
{
	uint64_t now = kn_now_ms();
	char p[8];

	domain_period_of(p, now);
	for (int tries = 0; tries < 2; tries++) {
		domain_period d;
		if (domain_period_get(&d, cat, p) != 0) {
			fprintf(stderr, "bench_plan: period %s: %s\n", p, kn_error_message());
			return -1;
		}
		uint64_t open = (uint64_t)d.start_day * DAY_MS + 3 * 3600 * 1000; /* 10:00 WIB */
		if (open > now - 600000)
			open = now - 600000;
		if (domain_day_of_ms(open) >= d.start_day) {
			seasons[SEMESTERS - 1].open_ms = open;
			break;
		}
		period_before(p, p);
	}
	if (seasons[SEMESTERS - 1].open_ms == 0)
		return -1;
	snprintf(seasons[SEMESTERS - 1].period, 8, "%s", p);
	for (int i = SEMESTERS - 2; i >= 0; i--) {
		domain_period d;
		period_before(seasons[i].period, seasons[i + 1].period);
		if (domain_period_get(&d, cat, seasons[i].period) != 0) {
			fprintf(stderr, "bench_plan: period %s: %s\n", seasons[i].period, kn_error_message());
			return -1;
		}
		seasons[i].open_ms = (uint64_t)d.start_day * DAY_MS + 3 * 3600 * 1000;
	}
	base_ms = seasons[0].open_ms - 30 * DAY_MS;
	return 0;
}

/* The school, the operator, the Kepala Sekolah, the teachers and the catalog, into list. */
static int
school_make(kn_buf *list, const uint8_t *json, size_t json_len)
{
	uint8_t school_id[32];
	kn_buf b = KN_BUF_INIT;
	msgpack_packer pk;
	uint64_t hlc = HLC(base_ms);
	int rc;

	if (keys_generate(&op.k) != 0)
		return -1;
	msgpack_packer_init(&pk, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "name");
	pack_s(&pk, "SD Negeri 1 Contoh");
	pack_s(&pk, "operator");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, op.k->pk, 32);
	rc = sign_to(list, school_id, op.k, "school", NPSN, hlc++, NULL, NULL, 0, &b);
	if (rc == 0)
		rc = enroll(list, &op, "Siti Aminah", "operator", op_ident, hlc++, NULL, school_id);
	if (rc == 0)
		rc = enroll(list, &ks, "Dewi Lestari", "kepala_sekolah", ks_nip, hlc++, op.k, op.enr);
	for (int i = 0; rc == 0 && i < TEACHERS; i++) {
		char name[32], nip[32];
		snprintf(name, sizeof(name), "Guru %02d", i + 1);
		snprintf(nip, sizeof(nip), "19850101201001%d%03d", 1 + i % 2, i + 1);
		rc = enroll(list, &teachers[i], name, "guru", nip, hlc++, op.k, op.enr);
	}
	if (rc == 0) {
		kn_buf_clear(&b);
		msgpack_pack_map(&pk, 1);
		pack_s(&pk, "json");
		msgpack_pack_bin(&pk, json_len);
		msgpack_pack_bin_body(&pk, json, json_len);
		rc = sign_to(list, cat_id, op.k, "catalog", cat->version, hlc++, NULL, (const uint8_t(*)[32])op.enr, 1, &b);
	}
	kn_buf_free(&b);
	return rc;
}

/* Put every record of list (and the people's sealed keys, when keys) into st, in one batch. */
static int
store_fill(store *st, const kn_buf *list, int keys)
{
	store_batch *b;
	kn_buf sealed = KN_BUF_INIT;
	int rc = store_batch_begin(&b, st);

	for (size_t off = 0; rc == 0 && off + 4 <= list->len;) {
		uint32_t n;
		memcpy(&n, list->ptr + off, 4);
		rc = store_batch_add(b, list->ptr + off + 4, n, NULL);
		if (rc == 1 || rc == 2)
			rc = 0;
		off += 4 + n;
	}
	for (int i = -2; keys && rc == 0 && i < TEACHERS; i++) {
		const person *p = i == -2 ? &op : i == -1 ? &ks : &teachers[i];
		const char *pass = i == -2 ? op_pass : i == -1 ? ks_pass : guru_pass;
		kn_buf_clear(&sealed);
		rc = keys_seal(&sealed, p->k, pass, strlen(pass), KEYS_COST_TEST);
		if (rc == 0)
			rc = store_batch_key_put(b, p->k->pk, sealed.ptr, sealed.len);
	}
	if (rc == 0)
		rc = store_batch_commit(b);
	else
		store_batch_abort(b);
	if (rc)
		fprintf(stderr, "bench_plan: filling the store: %s\n", kn_error_message());
	kn_buf_free(&sealed);
	return rc ? -1 : 0;
}

/* Read path whole into out (malloc'd); -1 (printed) on failure. */
static int
slurp(uint8_t **out, size_t *len, const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	*out = NULL;
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (*out = malloc((size_t)n + 1)) == NULL || fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench_plan: cannot read %s\n", path);
		if (f)
			fclose(f);
		free(*out);
		*out = NULL;
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* ---- talking to the daemons ---- */

/* One daemon of the run, on a store of its own: the one season, or the ten. */
typedef struct {
	const char *what;   /* "1 season", "10 seasons" */
	char dir[96];
	char sock[128];
	pid_t pid;
	kntest_conn c;
	char ks_token[65];  /* the Kepala Sekolah's session: every view is hers */
	char op_token[65];  /* the operator's: record.import */
	char t0_token[65];  /* the first teacher's: the rounds of (c) */
} side;

static side one = { "1 season" }, ten = { "10 seasons" };

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

/* The current season, which every view and act below is about. */
static const season *
current(void)
{
	return &seasons[SEMESTERS - 1];
}

/* Ajukan the complete plan (as tests/e2e/plan.sh does) as the first teacher, on side d. */
static int
submit_full(side *d)
{
	static const char *const aspects[] = { "berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal",
		"adaptif", "kolaboratif" };
	const msgpack_object *r;
	kn_buf p = KN_BUF_INIT;
	msgpack_packer pk;
	int rc;

	msgpack_packer_init(&pk, &p, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5);
	pack_s(&pk, "token");
	pack_s(&pk, d->t0_token);
	pack_s(&pk, "period");
	pack_s(&pk, current()->period);
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
	rc = call(&r, &d->c, "plan.submit", &p);
	kn_buf_free(&p);
	return rc;
}

/* The atasan's act on the first teacher's plan (approve, or reopen with a note), on side d. */
static int
judge(side *d, const char *method)
{
	const msgpack_object *r;
	const char *kv[] = { "token", d->ks_token, "period", current()->period, "teacher", teachers[0].nip, "note",
		"Bench: buka kembali.", NULL };

	if (strcmp(method, "plan.reopen") != 0)
		kv[6] = NULL;
	return call_kv(&r, &d->c, method, kv, 0);
}

/* The first teacher agrees, on side d. */
static int
agree(side *d)
{
	const msgpack_object *r;
	const char *kv[] = { "token", d->t0_token, "period", current()->period, NULL };

	return call_kv(&r, &d->c, "plan.agree", kv, 0);
}

/*
 * record.import of every record of list, IMPORT_CHUNK at a time, by the
 * operator of side d; every one must be stored (or held, then stored when
 * what it waits for comes). *n = how many. 0 or -1 (printed).
 */
static int
import_all(size_t *n, side *d, const kn_buf *list)
{
	size_t off = 0, stored = 0, held = 0;

	*n = 0;
	while (off < list->len) {
		kn_buf p = KN_BUF_INIT;
		msgpack_packer pk;
		size_t start = off, k = 0;
		const msgpack_object *r, *o;
		while (off + 4 <= list->len && k < IMPORT_CHUNK) {
			uint32_t len;
			memcpy(&len, list->ptr + off, 4);
			off += 4 + len;
			k++;
		}
		msgpack_packer_init(&pk, &p, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 2);
		pack_s(&pk, "token");
		pack_s(&pk, d->op_token);
		pack_s(&pk, "records");
		msgpack_pack_array(&pk, (uint32_t)k);
		for (size_t at = start; at < off;) {
			uint32_t len;
			memcpy(&len, list->ptr + at, 4);
			msgpack_pack_bin(&pk, len);
			msgpack_pack_bin_body(&pk, list->ptr + at + 4, len);
			at += 4 + len;
		}
		int rc = call(&r, &d->c, "record.import", &p);
		kn_buf_free(&p);
		if (rc != 0)
			return -1;
		if ((o = kn_map_get(r, "refused")) == NULL || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 != 0) {
			fprintf(stderr, "bench_plan: record.import refused records\n");
			return -1;
		}
		if ((o = kn_map_get(r, "stored")) != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			stored += o->via.u64;
		if ((o = kn_map_get(r, "held")) != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			held += o->via.u64;
		*n += k;
	}
	if (stored + held != *n) {
		fprintf(stderr, "bench_plan: record.import stored %zu and held %zu of %zu records\n", stored, held, *n);
		return -1;
	}
	return 0;
}

/* ---- what is timed ---- */

/* What a timed call is about: a daemon, and the teacher whose plan it reads (views of one plan). */
typedef struct {
	side *d;
	const person *t;
} target;

/* One measured operation: 0 or -1 (printed). */
typedef int (*view_fn)(const target *x);

/* plan.inbox of the current season by the Kepala Sekolah; every teacher is listed and agreed. */
static int
v_inbox(const target *x)
{
	const msgpack_object *r, *rows;
	const char *kv[] = { "token", x->d->ks_token, "period", current()->period, NULL };
	char state[24];

	if (call_kv(&r, &x->d->c, "plan.inbox", kv, 0) != 0)
		return -1;
	rows = kn_map_get(r, "teachers");
	if (rows == NULL || rows->type != MSGPACK_OBJECT_ARRAY || rows->via.array.size != TEACHERS ||
	    kn_map_str(state, sizeof(state), &rows->via.array.ptr[TEACHERS - 1], "state") != 0 ||
	    strcmp(state, "disepakati") != 0) {
		fprintf(stderr, "bench_plan: the inbox does not list the %d teachers, agreed\n", TEACHERS);
		return -1;
	}
	return 0;
}

/* record.get of every teacher's head SKP record of the current season, all sent at once, then every reply read. */
static int
v_heads(const target *x)
{
	kntest_conn *c = &x->d->c;
	uint32_t first = c->next_id;

	for (int i = 0; i < TEACHERS; i++) {
		kn_buf p = KN_BUF_INIT;
		const char *kv[] = { "token", x->d->ks_token, "id", current()->head[i], NULL };
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

/* plan.show of the teacher's plan of the current season, by the Kepala Sekolah. */
static int
v_show(const target *x)
{
	const msgpack_object *r;
	const char *kv[] = { "token", x->d->ks_token, "period", current()->period, "teacher", x->t->nip, NULL };

	return call_kv(&r, &x->d->c, "plan.show", kv, 0);
}

/* Versions of the teacher's SKP of the current season, all on one page (record.history); *n = how many. */
static int
history_count(size_t *n, const target *x)
{
	char doc[128];
	const msgpack_object *r, *recs;
	const char *kv[] = { "token", x->d->ks_token, "doc", doc, NULL };

	snprintf(doc, sizeof(doc), "skp/%s/%s.%s", NPSN, x->t->hex, current()->period);
	if (call_kv(&r, &x->d->c, "record.history", kv, 1000) != 0)
		return -1;
	recs = kn_map_get(r, "records");
	if (recs == NULL || recs->type != MSGPACK_OBJECT_ARRAY || recs->via.array.size == 0) {
		fprintf(stderr, "bench_plan: record.history of %s has no records\n", doc);
		return -1;
	}
	*n = recs->via.array.size;
	return 0;
}

/* record.history of the teacher's SKP document. */
static int
v_history(const target *x)
{
	size_t n;
	return history_count(&n, x);
}

/* CPU time the daemon pid has used so far, all its threads, in ns (/proc/PID/task/TID/schedstat); 0 when unknown. */
static uint64_t
cpu_ns(pid_t pid)
{
	char path[64];
	uint64_t sum = 0;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char f[64 + 256 + 16];
		unsigned long long ns;
		FILE *fp;
		if (e->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "%s/%s/schedstat", path, e->d_name);
		if ((fp = fopen(f, "r")) == NULL)
			continue;
		if (fscanf(fp, "%llu", &ns) == 1)
			sum += ns;
		fclose(fp);
	}
	closedir(d);
	return sum;
}

/* A view and its baseline on one daemon: their speed in each round, and the daemon's CPU time and calls in all. */
typedef struct {
	const char *label, *blabel;
	view_fn view, base;
	target x;
	double v[ROUNDS], b[ROUNDS];
	uint64_t vcpu, bcpu;
	long vn, bn;
} pair;

/* Calls of fn per second over about ROUND_S seconds into *out; the calls and the daemon's CPU time added to *n and *cpu. */
static int
timed(double *out, long *n, uint64_t *cpu, view_fn fn, const target *x)
{
	uint64_t c0 = cpu_ns(x->d->pid);
	double t0 = kntest_now_s(), t;
	long k = 0;

	do {
		if (fn(x) != 0)
			return -1;
		k++;
		t = kntest_now_s() - t0;
	} while (t < ROUND_S);
	*out = k / t;
	*n += k;
	*cpu += cpu_ns(x->d->pid) - c0;
	return 0;
}

/* qsort order of speeds. */
static int
by_speed(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the ROUNDS speeds in r (sorted in place). */
static double
median(double *r)
{
	qsort(r, ROUNDS, sizeof(*r), by_speed);
	return r[ROUNDS / 2];
}

/*
 * Time the pairs p[0..n) (after a warm-up of each): in each of ROUNDS
 * rounds every pair's view, then its baseline, each for ROUND_S, the pairs
 * in turn (in the other order every other round), so a change of the
 * machine's load (other processes) weighs on all alike. Print for
 * each view and its baseline the median speed of its rounds and the CPU
 * time the daemon spent per call (less moved by other processes), and
 * their ratio.
 */
static int
compare(pair *p, int n)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < 10; k++)
			if (p[i].view(&p[i].x) != 0 || p[i].base(&p[i].x) != 0)
				return -1;
	for (int r = 0; r < ROUNDS; r++) {
		for (int k = 0; k < n; k++) {
			int i = r % 2 ? n - 1 - k : k; /* every other round the other way round: no pair always comes first */
			if (timed(&p[i].v[r], &p[i].vn, &p[i].vcpu, p[i].view, &p[i].x) != 0 ||
			    timed(&p[i].b[r], &p[i].bn, &p[i].bcpu, p[i].base, &p[i].x) != 0)
				return -1;
		}
	}
	for (int i = 0; i < n; i++) {
		double v = median(p[i].v), b = median(p[i].b);
		p[i].v[0] = v; /* speed() reads it */
		printf("  %-12s %-44s %9.1f /s  (%.3f ms each; daemon CPU %.3f ms)\n", p[i].x.d->what, p[i].label, v, 1000 / v,
		    p[i].vcpu / 1e6 / p[i].vn);
		printf("  %-12s %-44s %9.1f /s  (%.3f ms each; daemon CPU %.3f ms)\n", "", p[i].blabel, b, 1000 / b,
		    p[i].bcpu / 1e6 / p[i].bn);
		printf("  %-12s ratio view / baseline: %.2f\n", "", v / b);
	}
	return 0;
}

/* Views per second of pair p (the median, once compare() has run). */
static double
speed(const pair *p)
{
	return p->v[0];
}

/* Daemon CPU time per view of pair p, in ms. */
static double
cpu_each(const pair *p)
{
	return p->vcpu / 1e6 / p->vn;
}

/* Start a daemon on d's directory and log the Kepala Sekolah, the operator and the first teacher in. */
static int
side_start(side *d, const char *bin, const char *const *args)
{
	if (kntest_daemon_start(&d->pid, bin, d->dir, d->sock, args) != 0 || kntest_conn_open(&d->c, d->sock, IO_TIMEOUT_S) != 0)
		return -1;
	if (login(&d->c, ks_nip, ks_pass, d->ks_token) != 0 || login(&d->c, op_ident, op_pass, d->op_token) != 0 ||
	    login(&d->c, teachers[0].nip, guru_pass, d->t0_token) != 0)
		return -1;
	return 0;
}

/* Close d's connection and stop its daemon; -1 when it did not exit 0. */
static int
side_stop(side *d)
{
	int rc = 0;

	kntest_conn_close(&d->c);
	if (d->pid > 0 && kntest_daemon_stop(d->pid, STOP_TIMEOUT_MS) != 0)
		rc = -1;
	d->pid = -1;
	return rc;
}

/* d's store: the people and the current season, made before its daemon starts. */
static int
side_fill(side *d, const kn_buf *list)
{
	char path[128];
	store *st;
	store_hooks h;
	store_opts so = { 0, 1 };
	int rc;

	snprintf(path, sizeof(path), "%s/store", d->dir);
	if (mkdir(d->dir, 0700) != 0 || store_open(&st, path, &so) != 0) {
		fprintf(stderr, "bench_plan: %s: %s\n", path, kn_error_message());
		return -1;
	}
	kd_rules_hooks(&h, NULL);
	store_set_hooks(st, &h);
	rc = store_fill(st, list, 1);
	store_close(st);
	return rc;
}

/*
 * (d) What a hub does with records that arrive: every record of the ten
 * seasons, in the order a school's feed sends them, through
 * store_batch_add (signature, domain rules, indexes) in batches of 256
 * committed durably, as a sync push is; beside checking the signatures
 * alone (record_open) of the same records in the same run, on one core as
 * the ingest runs. The ingest holds the store's one writer, so it uses one
 * core; more cores raise the verify rate but not the ingest.
 */
static int
ingest(const char *dir, const kn_buf *a, const kn_buf *b)
{
	const kn_buf *lists[2] = { a, b };
	char path[128];
	store *st;
	store_hooks h;
	store_opts so = { 0, 0 };
	store_batch *bt = NULL;
	size_t n = 0, inbatch = 0, verified = 0;
	double t0, t_ingest, t_verify;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/ingest", dir);
	if (mkdir(path, 0700) != 0 || store_open(&st, path, &so) != 0) {
		fprintf(stderr, "bench_plan: %s: %s\n", path, kn_error_message());
		return -1;
	}
	kd_rules_hooks(&h, NULL);
	store_set_hooks(st, &h);
	t0 = kntest_now_s();
	for (int l = 0; rc == 0 && l < 2; l++)
		for (size_t off = 0; rc == 0 && off + 4 <= lists[l]->len;) {
			uint32_t len;
			memcpy(&len, lists[l]->ptr + off, 4);
			if (bt == NULL && (rc = store_batch_begin(&bt, st)))
				break;
			rc = store_batch_add(bt, lists[l]->ptr + off + 4, len, NULL);
			if (rc == 1 || rc == 2)
				rc = 0;
			off += 4 + len;
			n++;
			if (rc == 0 && ++inbatch == 256) {
				rc = store_batch_commit(bt);
				bt = NULL;
				inbatch = 0;
			}
		}
	if (rc == 0 && bt)
		rc = store_batch_commit(bt);
	else if (bt)
		store_batch_abort(bt);
	t_ingest = kntest_now_s() - t0;
	store_close(st);
	if (rc) {
		fprintf(stderr, "bench_plan: ingest: %s\n", kn_error_message());
		return -1;
	}
	t0 = kntest_now_s();
	for (int l = 0; l < 2; l++)
		for (size_t off = 0; off + 4 <= lists[l]->len;) {
			uint32_t len;
			record_view v;
			memcpy(&len, lists[l]->ptr + off, 4);
			if (record_open(&v, lists[l]->ptr + off + 4, len, NULL) == 0) {
				verified++;
				record_view_free(&v);
			}
			off += 4 + len;
		}
	t_verify = kntest_now_s() - t0;
	printf("(d) a hub's ingest of the %zu records of the ten seasons, in batches of 256 committed with fsync:\n", n);
	printf("               ingest (verify, domain rules, indexes)       %8.0f records/s\n", (double)n / t_ingest);
	printf("               baseline: Ed25519 verify of the same, 1 core %8.0f records/s\n", (double)verified / t_verify);
	printf("               ratio ingest / verify: %.2f\n", ((double)n / t_ingest) / ((double)verified / t_verify));
	return 0;
}

/* Build the school, time the views on one season and on ten side by side, grow one history, time again. */
int
main(int argc, char **argv)
{
	char dir[64], bin[512], catalog[560], path[600], label[96], blabel[96];
	const char *build = argc > 1 ? argv[1] : "build";
	const char *daemon_args[] = { "--set", "keys.pwhash=min", "--set", "store.nosync=true", "--set", catalog,
		"--log-level", "warn", NULL };
	kn_buf now_list = KN_BUF_INIT, past_list = KN_BUF_INIT;
	uint8_t *json = NULL;
	size_t json_len, nver, nimported;
	double t0;
	int rc = 1;

	one.pid = ten.pid = -1;
	one.c.fd = ten.c.fd = -1;
	if (sodium_init() < 0)
		return 1;
	kn_log_init("bench_plan", KN_LOG_ERROR, 0);
	snprintf(bin, sizeof(bin), "%s/kinerjad", build);
	/* the daemon and the records here take the school's catalog from the source tree beside BUILD_DIR */
	snprintf(catalog, sizeof(catalog), "catalog.dir=%s/../catalog", build);
	snprintf(path, sizeof(path), "%s/../catalog/pmm-2024.1.json", build);
	signal(SIGPIPE, SIG_IGN);
	if (kntest_tmpdir(dir, sizeof(dir), "/tmp/kn-bench-plan.XXXXXX") != 0) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(one.dir, sizeof(one.dir), "%s/one", dir);
	snprintf(one.sock, sizeof(one.sock), "%s/s.sock", one.dir);
	snprintf(ten.dir, sizeof(ten.dir), "%s/ten", dir);
	snprintf(ten.sock, sizeof(ten.sock), "%s/s.sock", ten.dir);

	t0 = kntest_now_s();
	if (slurp(&json, &json_len, path) != 0 || domain_catalog_parse(&cat, json, json_len) != 0 || seasons_plan() != 0)
		goto out_rm;
	if (school_make(&now_list, json, json_len) != 0 || season_make(&now_list, &seasons[SEMESTERS - 1]) != 0)
		goto out_rm;
	for (int i = 0; i < SEMESTERS - 1; i++) {
		/* each earlier season: the enrollments recorded again the day before, then the plans */
		uint64_t hlc = HLC(seasons[i].open_ms - DAY_MS);
		if (reenroll(&past_list, &ks, hlc++) != 0)
			goto out_rm;
		for (int j = 0; j < TEACHERS; j++)
			if (reenroll(&past_list, &teachers[j], hlc++) != 0)
				goto out_rm;
		if (season_make(&past_list, &seasons[i]) != 0)
			goto out_rm;
	}
	if (side_fill(&one, &now_list) != 0 || side_fill(&ten, &now_list) != 0)
		goto out_rm;
	printf("bench_plan: %s (keys.pwhash=min, store.nosync=true: setup only, every figure is a read)\n", bin);
	printf("a Kepala Sekolah and %d teachers; %d seasons %s to %s made as signed records in %.1f s\n", TEACHERS,
	    SEMESTERS, seasons[0].period, current()->period, kntest_now_s() - t0);

	/* two daemons, side by side: one holds the current season, the other gets the nine before it too */
	if (side_start(&one, bin, daemon_args) != 0 || side_start(&ten, bin, daemon_args) != 0)
		goto out_stop;
	t0 = kntest_now_s();
	if (import_all(&nimported, &ten, &past_list) != 0)
		goto out_stop;
	printf("1 season (%s) in one daemon's store; the other also got %s to %s: %zu records through record.import "
	       "in %.1f s\n", current()->period, seasons[0].period, seasons[SEMESTERS - 2].period, nimported,
	    kntest_now_s() - t0);

	printf("(a) the atasan's inbox of %d teachers, each plan submitted, approved, agreed:\n", TEACHERS);
	snprintf(blabel, sizeof(blabel), "baseline: record.get of the %d head SKPs", TEACHERS);
	pair inbox[2] = { { "plan.inbox", blabel, v_inbox, v_heads, { &one, NULL } },
		{ "plan.inbox", blabel, v_inbox, v_heads, { &ten, NULL } } };
	if (compare(inbox, 2) != 0)
		goto out_stop;
	if (history_count(&nver, &(target){ &ten, &teachers[1] }) != 0)
		goto out_stop;
	printf("(b) one teacher's plan, %zu versions in its history:\n", nver);
	snprintf(label, sizeof(label), "baseline: record.history (%zu records)", nver);
	pair show[2] = { { "plan.show --teacher", label, v_show, v_history, { &one, &teachers[1] } },
		{ "plan.show --teacher", label, v_show, v_history, { &ten, &teachers[1] } } };
	if (compare(show, 2) != 0)
		goto out_stop;
	printf("(a, b) %d seasons against 1: plan.inbox at %.2f of the speed (%.2f of the CPU per view), plan.show at %.2f "
	       "(%.2f)\n", SEMESTERS, speed(&inbox[1]) / speed(&inbox[0]), cpu_each(&inbox[1]) / cpu_each(&inbox[0]),
	    speed(&show[1]) / speed(&show[0]), cpu_each(&show[1]) / cpu_each(&show[0]));

	t0 = kntest_now_s();
	for (int i = 0; i < CYCLES; i++)
		if (judge(&ten, "plan.reopen") != 0 || submit_full(&ten) != 0 || judge(&ten, "plan.approve") != 0 ||
		    agree(&ten) != 0)
			goto out_stop;
	if (history_count(&nver, &(target){ &ten, &teachers[0] }) != 0)
		goto out_stop;
	printf("(c) %s: one plan after %d more rounds of reopen, submit, approve, agree through the daemon (%.1f s), "
	       "and another's, of 3 versions, as a control:\n", ten.what, CYCLES, kntest_now_s() - t0);
	snprintf(label, sizeof(label), "plan.show --teacher (%zu versions)", nver);
	snprintf(blabel, sizeof(blabel), "baseline: record.history (%zu records)", nver);
	pair longer[2] = { { label, blabel, v_show, v_history, { &ten, &teachers[0] } },
		{ "plan.show --teacher (3 versions)", "baseline: record.history (3 records)", v_show, v_history,
		    { &ten, &teachers[1] } } };
	if (compare(longer, 2) != 0)
		goto out_stop;
	if (ingest(dir, &now_list, &past_list) != 0)
		goto out_stop;
	rc = 0;

out_stop:
	if (side_stop(&one) != 0)
		rc = 1;
	if (side_stop(&ten) != 0)
		rc = 1;
	if (rc == 0)
		printf("both kinerjad stopped with SIGTERM: exit 0\n");
out_rm:
	kntest_rm_rf(dir);
	kn_buf_free(&now_list);
	kn_buf_free(&past_list);
	keys_secret_free(op.k);
	keys_secret_free(ks.k);
	for (int i = 0; i < TEACHERS; i++)
		keys_secret_free(teachers[i].k);
	domain_catalog_free(cat);
	free(json);
	return rc;
}
