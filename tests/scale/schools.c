/*
 * schools.c - many simulated schools syncing with one real hub at once
 * (issue 9, Tests: "a hub with 200 simulated schools syncing at once ...
 * a stalled school does not delay the rest"). Driven by
 * tests/scale/schools.sh.
 *
 *   schools keys N                         print "NPSN DEVICEHEX" for the
 *                                          N schools and the one that stalls
 *   schools run N HOST:PORT HUBKEYHEX CATALOG
 *                                          sync them (CATALOG: catalog/pmm-2024.1.json)
 *
 * Every school is one thread speaking the protocol as a school daemon
 * does (sync/proto.h): its own Ed25519 device key (derived from its index,
 * so `keys` and `run` agree), its own records signed here (record_sign):
 * the school record naming its operator, the operator's founding
 * enrollment, a Kepala Sekolah and TEACHERS teachers, the catalog, the
 * current period opened by the Kepala Sekolah and every teacher's Ajukan
 * of a complete plan (domain_skp_decide, as the daemon decides it): the
 * hub's domain rules judge each as any write. A session: the Noise
 * handshake, hello (fingerprint and count of the school's set), push of
 * every record (receipt: all stored, none refused), pull of the hub's feed
 * for it, and at the end the hub's fingerprint and count of the school's
 * set must equal the school's own.
 *
 * Before the N start, one more school (index N) connects, does the
 * handshake and hello, gets its welcome, and then says nothing. The N must
 * all converge while it still hangs: its socket is checked to be open,
 * unanswered, after the last of the N finished. Prints one line
 *   schools N converged N failed N seconds S stalled-open 1
 * and exits 0 only when all N converged and the stalled one still hung.
 * Speeds are printed, never asserted.
 */
#include <arpa/inet.h>
#include <msgpack.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../../domain/catalog.h"
#include "../../domain/domain.h"
#include "../../domain/plan.h"
#include "../../domain/skp.h"
#include "../../store/record.h"
#include "../../sync/channel.h"
#include "../../sync/proto.h"
#include "../../sync/recon.h"
#include "../../util/kn.h"

#define TEACHERS 4
#define NRECS (5 + 2 * TEACHERS)  /* school, operator, Kepala Sekolah, teachers, catalog, period, one Ajukan each */
#define HLC(ms) ((uint64_t)(ms) << 16)
#define DAY_MS 86400000ULL

/* the catalog every school records, and the current period, opened at open_ms */
static domain_catalog *cat;
static const uint8_t *cat_json;
static size_t cat_json_len;
static char period[8];
static uint64_t open_ms;

static char host[256], port[16];
static uint8_t hub_x[32];

typedef struct {
	int fd;
	sync_channel *ch;
} conn;

typedef struct {
	int idx;
	char npsn[9];
	uint8_t pk[32], sk[64];
	int ok;
	char why[640];
	double secs;
} school;

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The device key of school i: a seed from its index. */
static void
device_key(uint8_t pk[32], uint8_t sk[64], int i)
{
	uint8_t seed[32];
	char s[64];

	snprintf(s, sizeof(s), "kinerja scale test device %d", i);
	crypto_generichash(seed, 32, (const uint8_t *)s, strlen(s), NULL, 0);
	crypto_sign_seed_keypair(pk, sk, seed);
}

static void
npsn_of(char out[9], int i)
{
	snprintf(out, 9, "22%06d", i + 1);
}

static int
flush_out(conn *c)
{
	const uint8_t *p;
	size_t n;

	while ((n = sync_channel_pending(&p, c->ch)) > 0) {
		ssize_t w = write(c->fd, p, n);
		if (w <= 0)
			return -1;
		sync_channel_sent(c->ch, (size_t)w);
	}
	return 0;
}

static int
next_msg(kn_buf *msg, conn *c)
{
	uint8_t buf[SYNC_CHANNEL_FEED_MAX];

	kn_buf_clear(msg);
	for (;;) {
		int rc = sync_channel_recv(msg, c->ch);
		if (rc == 1)
			return 0;
		if (rc < 0 || flush_out(c))
			return -1;
		ssize_t n = read(c->fd, buf, sizeof(buf));
		if (n <= 0 || sync_channel_feed(c->ch, buf, (size_t)n) != 0)
			return -1;
	}
}

static int
send_msg(conn *c, const sync_msg *m)
{
	kn_buf b = KN_BUF_INIT;
	int rc = sync_msg_encode(&b, m) || sync_channel_send(c->ch, b.ptr, b.len) || flush_out(c);

	kn_buf_free(&b);
	return rc ? -1 : 0;
}

/* TCP, then the handshake as the school (initiator). */
static int
conn_open(conn *c, const school *s)
{
	struct addrinfo hints = { 0 }, *ai;
	struct timeval tv = { 60, 0 };
	uint8_t x[32];

	c->fd = -1;
	c->ch = NULL;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	c->fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	sync_channel_key_from_ed25519(x, s->sk);
	sync_channel_config cfg = { 1, x, hub_x, SYNC_PROTO_MESSAGE_MAX, NULL, NULL };
	if (sync_channel_new(&c->ch, &cfg) != 0)
		return -1;
	while (!sync_channel_ready(c->ch)) {
		uint8_t buf[4096];
		ssize_t k;
		if (flush_out(c) || (k = read(c->fd, buf, sizeof(buf))) <= 0 || sync_channel_feed(c->ch, buf, (size_t)k) != 0)
			return -1;
	}
	return 0;
}

static void
conn_close(conn *c)
{
	if (c->ch) {
		sync_channel_close(c->ch);
		flush_out(c);
		sync_channel_free(c->ch);
	}
	if (c->fd >= 0)
		close(c->fd);
}

static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* Sign one record of school s into recs[*n] (bytes appended to arena; offsets kept). */
static int
sign(kn_buf *arena, size_t *offs, size_t *lens, uint8_t ids[][32], size_t *n, const school *s,
    const uint8_t *pk, const uint8_t *sk, const char *type, const char *subject, uint64_t hlc, const uint8_t *auth,
    size_t nauth, const kn_buf *body)
{
	record_fields f = { type, s->npsn, subject, hlc, NULL, 0, body->ptr, body->len,
		(const uint8_t(*)[32])auth, nauth };
	size_t before = arena->len;

	if (record_sign(arena, ids[*n], &f, pk, sk) != 0)
		return -1;
	offs[*n] = before;
	lens[*n] = arena->len - before;
	(*n)++;
	return 0;
}

static void
user_body(kn_buf *b, const char *name, const char *role, const char *ident)
{
	msgpack_packer pk;
	int nuptk = strlen(ident) == 16, guru = strcmp(role, "guru") == 0;

	kn_buf_clear(b);
	msgpack_packer_init(&pk, b, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5 + guru);
	pack_s(&pk, "name");
	pack_s(&pk, name);
	pack_s(&pk, "role");
	pack_s(&pk, role);
	if (guru) {
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

/* A person: key pair, enrollment id and hlc, the enrollment as the decisions read it. */
typedef struct {
	uint8_t pk[32], sk[64], enr[32];
	uint64_t enr_ms;
	domain_user u;
} person;

static int
parse_user(domain_user *u, const kn_buf *b)
{
	msgpack_unpacked up;
	size_t off = 0;
	int rc = -1;

	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, (const char *)b->ptr, b->len, &off) == MSGPACK_UNPACK_SUCCESS &&
	    domain_user_parse(u, &up.data) == 0)
		rc = 0;
	msgpack_unpacked_destroy(&up);
	return rc;
}

/* The complete plan a teacher submits (as bench/bench_plan.c's). */
static void
full_plan(domain_plan *p)
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
 * The school's records: the school naming its operator, the operator's
 * founding enrollment, a Kepala Sekolah, TEACHERS teachers, the catalog,
 * the period opened by the Kepala Sekolah, and every teacher's Ajukan of
 * a complete plan (decided by domain_skp_decide, as the daemon does).
 */
static int
make_records(kn_buf *arena, size_t *offs, size_t *lens, uint8_t ids[][32], size_t *n, const school *s)
{
	person *pp = calloc(TEACHERS + 2, sizeof(*pp)), *op = &pp[0], *ks = &pp[1];
	domain_plan *plan = calloc(1, sizeof(*plan));
	domain_skp_outcome *o = calloc(1, sizeof(*o));
	domain_period_body pb;
	uint8_t cat_id[32], period_id[32], auth[4][32];
	char hex[65], name[40], nip[24], subject[DOMAIN_SKP_SUBJECT_LEN + 1];
	kn_buf b = KN_BUF_INIT;
	msgpack_packer mp;
	uint64_t ms = open_ms - 30 * DAY_MS;
	int rc = pp && plan && o ? 0 : -1;

	for (int i = 0; rc == 0 && i < TEACHERS + 2; i++)
		crypto_sign_keypair(pp[i].pk, pp[i].sk);
	msgpack_packer_init(&mp, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&mp, 2);
	pack_s(&mp, "name");
	snprintf(name, sizeof(name), "SD Negeri %d Simulasi", s->idx + 1);
	pack_s(&mp, name);
	pack_s(&mp, "operator");
	msgpack_pack_bin(&mp, 32);
	msgpack_pack_bin_body(&mp, op->pk, 32);
	rc |= sign(arena, offs, lens, ids, n, s, op->pk, op->sk, "school", s->npsn, HLC(ms++), NULL, 0, &b);
	for (int i = 0; rc == 0 && i < TEACHERS + 2; i++) {
		snprintf(name, sizeof(name), "%s %d", i == 0 ? "Operator" : i == 1 ? "Kepala" : "Guru", i);
		snprintf(nip, sizeof(nip), "19850101201001%d%03d", 1 + i % 2, i + 1);
		user_body(&b, name, i == 0 ? "operator" : i == 1 ? "kepala_sekolah" : "guru",
		    i == 0 ? "1234567890123456" : nip);
		pp[i].enr_ms = ms;
		rc |= sign(arena, offs, lens, ids, n, s, op->pk, op->sk, "user", kn_hex(hex, pp[i].pk, 32), HLC(ms++),
		    i == 0 ? ids[0] : op->enr, 1, &b);
		memcpy(pp[i].enr, ids[*n - 1], 32);
		rc |= parse_user(&pp[i].u, &b);
	}
	kn_buf_clear(&b);
	msgpack_pack_map(&mp, 1);
	pack_s(&mp, "json");
	msgpack_pack_bin(&mp, cat_json_len);
	msgpack_pack_bin_body(&mp, cat_json, cat_json_len);
	rc |= sign(arena, offs, lens, ids, n, s, op->pk, op->sk, "catalog", cat->version, HLC(ms++), op->enr, 1, &b);
	memcpy(cat_id, ids[*n - 1], 32);
	/* the period, opened by the Kepala Sekolah */
	memset(&pb, 0, sizeof(pb));
	snprintf(pb.catalog, sizeof(pb.catalog), "%s", cat->version);
	memcpy(auth[0], ks->enr, 32);
	memcpy(auth[1], cat_id, 32);
	kn_buf_clear(&b);
	if (rc == 0 && domain_period_body_pack(&b, &pb) != 0)
		rc = -1;
	rc |= sign(arena, offs, lens, ids, n, s, ks->pk, ks->sk, "period", period, HLC(open_ms), auth[0], 2, &b);
	memcpy(period_id, ids[*n - 1], 32);
	/* every teacher's Ajukan */
	if (rc == 0)
		full_plan(plan);
	for (int i = 2; rc == 0 && i < TEACHERS + 2; i++) {
		person *t = &pp[i];
		uint64_t at = open_ms + 60000 + (uint64_t)i * 3000;
		domain_skp_input in = { DOMAIN_SKP_AJUKAN, t->pk, &t->u, t->enr_ms, t->pk, &t->u, s->npsn, at, NULL,
			plan, NULL, cat, period, &pb, ks->pk, open_ms };
		memset(o, 0, sizeof(*o));
		kn_buf_clear(&b);
		if (domain_skp_decide(o, &in) != 0 || domain_skp_body_pack(&b, &o->body) != 0) {
			fprintf(stderr, "schools: Ajukan: %s\n", kn_error_message());
			rc = -1;
			break;
		}
		memcpy(auth[0], t->enr, 32);
		memcpy(auth[1], period_id, 32);
		memcpy(auth[2], cat_id, 32);
		domain_skp_subject(subject, sizeof(subject), t->pk, period);
		rc |= sign(arena, offs, lens, ids, n, s, t->pk, t->sk, "skp", subject, HLC(at), auth[0], 3, &b);
	}
	kn_buf_free(&b);
	free(pp);
	free(plan);
	free(o);
	return rc ? -1 : 0;
}

static int
fail(school *s, const char *what, const sync_msg *r)
{
	if (r && r->type == SYNC_MSG_ERROR)
		snprintf(s->why, sizeof(s->why), "%s: error %s %s %s", what, r->code, r->reason, r->text);
	else
		snprintf(s->why, sizeof(s->why), "%s", what);
	return -1;
}

static int
has_id(uint8_t ids[][32], size_t n, const uint8_t id[32])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(ids[i], id, 32) == 0)
			return 1;
	return 0;
}

/* the bytes of the first school's records, in the order made (printed at the end) */
static size_t sizes0[NRECS];

/* One school's session. */
static int
session(school *s)
{
	kn_buf arena = KN_BUF_INIT, msg = KN_BUF_INIT;
	size_t offs[NRECS + 8], lens[NRECS + 8], n = 0, nids;
	uint8_t ids[NRECS + 300][32], sum[32] = { 0 }, fp[SYNC_FP_BYTES];
	sync_bytes recs[NRECS + 8];
	conn c = { -1, NULL };
	sync_msg m, r;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (make_records(&arena, offs, lens, ids, &n, s) != 0)
		return fail(s, "signing", NULL);
	nids = n;
	for (size_t i = 0; i < n; i++) {
		recs[i] = (sync_bytes){ arena.ptr + offs[i], lens[i] };
		recon_sum_add(sum, ids[i]);
	}
	recon_fingerprint_of(fp, sum, nids);
	if (conn_open(&c, s) != 0) {
		fail(s, "connect or handshake", NULL);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_HELLO;
	memcpy(m.npsn, s->npsn, 9);
	memcpy(m.device, s->pk, 32);
	snprintf(m.sw, sizeof(m.sw), "scale-test");
	m.now_ms = kn_now_ms();
	m.caps = SYNC_CAP_RECORDS;
	m.waiting = n;
	m.count = nids;
	memcpy(m.fp, fp, SYNC_FP_BYTES);
	if (send_msg(&c, &m) || next_msg(&msg, &c) || sync_msg_decode(&r, msg.ptr, msg.len) != 0 ||
	    r.type != SYNC_MSG_WELCOME) {
		fail(s, "hello", &r);
		goto out;
	}
	sync_msg_free(&r);
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_PUSH;
	m.upto = n;
	m.records = recs;
	m.nrecords = n;
	if (send_msg(&c, &m) || next_msg(&msg, &c) || sync_msg_decode(&r, msg.ptr, msg.len) != 0 ||
	    r.type != SYNC_MSG_RECEIPT) {
		fail(s, "push", &r);
		goto out;
	}
	if (r.nrefused || r.stored + r.present != n) {
		snprintf(s->why, sizeof(s->why), "receipt: stored %llu present %llu refused %zu%s%s",
		    (unsigned long long)r.stored, (unsigned long long)r.present, r.nrefused, r.nrefused ? ": " : "",
		    r.nrefused ? r.refused[0].message : "");
		goto out;
	}
	sync_msg_free(&r);
	/* pull the hub's feed for this school until it has no more */
	for (uint64_t after = 0;;) {
		memset(&m, 0, sizeof(m));
		m.type = SYNC_MSG_PULL;
		m.after = after;
		m.max = SYNC_PROTO_BATCH_RECORDS;
		if (send_msg(&c, &m) || next_msg(&msg, &c) || sync_msg_decode(&r, msg.ptr, msg.len) != 0 ||
		    r.type != SYNC_MSG_RECORDS) {
			fail(s, "pull", &r);
			goto out;
		}
		for (size_t i = 0; i < r.nrecords; i++) {
			record_view v;
			if (record_open(&v, r.records[i].ptr, r.records[i].len, NULL) != 0) {
				fail(s, "a pulled record does not verify", NULL);
				goto out;
			}
			if (!has_id(ids, nids, v.id) && nids < sizeof(ids) / sizeof(ids[0])) {
				memcpy(ids[nids++], v.id, 32);
				recon_sum_add(sum, v.id);
			}
			record_view_free(&v);
		}
		after = r.next;
		if (!r.more)
			break;
		sync_msg_free(&r);
	}
	recon_fingerprint_of(fp, sum, nids);
	if (memcmp(fp, r.fp, SYNC_FP_BYTES) != 0 || r.count != nids) {
		snprintf(s->why, sizeof(s->why), "fingerprints differ at the end: school count %zu, hub count %llu", nids,
		    (unsigned long long)r.count);
		goto out;
	}
	if (s->idx == 0)
		memcpy(sizes0, lens, sizeof(sizes0));
	rc = 0;
out:
	sync_msg_free(&r);
	conn_close(&c);
	kn_buf_free(&arena);
	kn_buf_free(&msg);
	return rc;
}

/* The catalog from path, and the current period (or the one before when it began under ten minutes ago). */
static int
load_catalog(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	uint64_t now = kn_now_ms();

	if (f == NULL)
		return -1;
	cat_json_len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	cat_json = buf;
	if (domain_catalog_parse(&cat, cat_json, cat_json_len) != 0) {
		fprintf(stderr, "schools: %s: %s\n", path, kn_error_message());
		return -1;
	}
	domain_period_of(period, now);
	for (int tries = 0; tries < 2; tries++) {
		domain_period d;
		if (domain_period_get(&d, cat, period) != 0) {
			fprintf(stderr, "schools: period %s: %s\n", period, kn_error_message());
			return -1;
		}
		uint64_t open = (uint64_t)d.start_day * DAY_MS + 3 * 3600 * 1000; /* 10:00 WIB */
		if (open > now - 600000)
			open = now - 600000;
		if (domain_day_of_ms(open) >= d.start_day) {
			open_ms = open;
			return 0;
		}
		int year = atoi(period), sem = period[5] - '0';
		if (sem != 2)
			year--;
		snprintf(period, sizeof(period), "%04d-%d", year, sem == 2 ? 1 : 2);
	}
	return -1;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int go;

static void *
school_main(void *arg)
{
	school *s = arg;
	double t0;

	pthread_mutex_lock(&mu);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	t0 = now_s();
	s->ok = session(s) == 0;
	s->secs = now_s() - t0;
	return NULL;
}

int
main(int argc, char **argv)
{
	int n;

	if (argc < 3 || sodium_init() < 0 || (n = atoi(argv[2])) <= 0 || n > 5000) {
		fprintf(stderr, "usage: schools keys N | schools run N HOST:PORT HUBKEYHEX CATALOG\n");
		return 2;
	}
	if (strcmp(argv[1], "keys") == 0) {
		for (int i = 0; i <= n; i++) {
			uint8_t pk[32], sk[64];
			char npsn[9], hex[65];
			device_key(pk, sk, i);
			npsn_of(npsn, i);
			printf("%s %s\n", npsn, kn_hex(hex, pk, 32));
		}
		return 0;
	}
	if (argc != 6 || strcmp(argv[1], "run") != 0 || load_catalog(argv[5]) != 0)
		return 2;
	uint8_t hub_ed[32];
	char *colon;
	snprintf(host, sizeof(host), "%s", argv[3]);
	if ((colon = strrchr(host, ':')) == NULL || kn_unhex(hub_ed, 32, argv[4], strlen(argv[4])) ||
	    sync_channel_peer_from_ed25519(hub_x, hub_ed))
		return 2;
	*colon = '\0';
	snprintf(port, sizeof(port), "%s", colon + 1);

	school *ss = calloc((size_t)n + 1, sizeof(*ss));
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	for (int i = 0; i <= n; i++) {
		ss[i].idx = i;
		npsn_of(ss[i].npsn, i);
		device_key(ss[i].pk, ss[i].sk, i);
	}

	/* the stalled school: handshake, hello, welcome, then silence */
	school *st = &ss[n];
	conn sc;
	kn_buf msg = KN_BUF_INIT;
	sync_msg m, r;
	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	m.type = SYNC_MSG_HELLO;
	memcpy(m.npsn, st->npsn, 9);
	memcpy(m.device, st->pk, 32);
	snprintf(m.sw, sizeof(m.sw), "scale-stall");
	m.now_ms = kn_now_ms();
	m.caps = SYNC_CAP_RECORDS;
	if (conn_open(&sc, st) != 0 || send_msg(&sc, &m) || next_msg(&msg, &sc) ||
	    sync_msg_decode(&r, msg.ptr, msg.len) != 0 || r.type != SYNC_MSG_WELCOME) {
		fprintf(stderr, "schools: the school that stalls did not get its welcome%s%s\n",
		    r.type == SYNC_MSG_ERROR ? ": " : "", r.type == SYNC_MSG_ERROR ? r.text : "");
		return 1;
	}
	sync_msg_free(&r);

	for (int i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, school_main, &ss[i]) != 0) {
			fprintf(stderr, "schools: cannot start thread %d\n", i);
			return 1;
		}
	double t0 = now_s();
	pthread_mutex_lock(&mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	double total = now_s() - t0;

	/* the stalled one still hangs: its socket open, nothing from the hub since the welcome */
	struct pollfd p = { sc.fd, POLLIN, 0 };
	int stalled_open = poll(&p, 1, 0) == 0;

	int okn = 0, told = 0;
	double slowest = 0, sum = 0;
	for (int i = 0; i < n; i++) {
		if (ss[i].ok) {
			okn++;
			sum += ss[i].secs;
			if (ss[i].secs > slowest)
				slowest = ss[i].secs;
		} else if (told++ < 5) { /* the first five failures */
			fprintf(stderr, "schools: %s: %s\n", ss[i].npsn, ss[i].why);
		}
	}
	printf("schools %d converged %d failed %d seconds %.2f (session mean %.2f s, slowest %.2f s) records %d "
	       "stalled-open %d\n",
	    n, okn, n - okn, total, okn ? sum / okn : 0.0, slowest, okn * NRECS, stalled_open);
	if (ss[0].ok) {
		size_t total0 = 0;
		for (int i = 0; i < NRECS; i++)
			total0 += sizes0[i];
		printf("record bytes (one school): school %zu, enrollment %zu, catalog %zu, period %zu, skp (Ajukan) %zu; "
		       "all %d: %zu\n",
		    sizes0[0], sizes0[2], sizes0[NRECS - TEACHERS - 2], sizes0[NRECS - TEACHERS - 1], sizes0[NRECS - 1],
		    NRECS, total0);
	}
	conn_close(&sc);
	kn_buf_free(&msg);
	free(th);
	free(ss);
	return okn == n && stalled_open ? 0 : 1;
}
