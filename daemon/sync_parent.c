/*
 * sync_parent.c - a hub syncing up to a parent hub (district -> province
 * -> national), with the same protocol a school speaks to its hub
 * (docs/design.md, "Sync", "Parent hub"). Records only: the child offers
 * no evidence phase, so evidence records travel (they are records) and
 * their files stay at the child.
 *
 * The child's side: the school's thread and schedule (sync_school.c), one
 * round = one session per code the child speaks for: its own office first
 * (its office record, its officials, the registrations of its schools),
 * then each school registered (and not revoked) at it. Each session is a
 * school's session (kd_sync_session) for that code, with checkpoints in
 * meta "parent/<code>/" and records from the parent marked origin 2 in
 * the feed: they are not pushed back up, and they go down to the school
 * (the hub's pull serves everything not from the school itself).
 *
 * The parent's side: kd_sync_child_check, called from the hub's hello.
 * A device key registered here with "hub" (kinerja hub daftar-hub) is a
 * child hub's: it may speak for its own office code, and for a school
 * whose current registration at that office (signed by the child's
 * authority, which the rules checked against the child's office record,
 * kind dinas, that came up in the child's own session) is not revoked,
 * unless the school is registered here directly. Every record is then
 * verified and judged as a school's push is (sync_hub.c), per session code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/plan.h"
#include "sync_int.h"

#define PARENT_CODES_MAX 65536
#define CHAIN_DEPTH_MAX 4      /* hubs between a child and a school it speaks for: district -> province -> national and more */
#define REGISTRARS_MAX 16      /* offices that registered one code, looked at */

/* One code of the parent link and its last session (sy->pcodes, mu). */
struct kd_parent_code {
	char code[9];
	int office;                 /* the child's own office code */
	int ok;
	uint64_t last_ok_ms, last_attempt_ms;
	uint64_t pushed, pulled, refused;
	int fp_match;
	uint64_t count, parent_count;
	uint8_t fp[SYNC_FP_BYTES], parent_fp[SYNC_FP_BYTES];
	kd_sync_error err;
};

/* ---- the parent's side ---- */

struct child_scan {
	store_txn *t;
	const char *office;
	const uint8_t *device;
	char child[9];
	int revoked;
	int rc;
};

static int
child_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct child_scan *cs = arg;
	domain_registration reg;
	char code[9];
	(void)val;
	(void)vlen;

	if (klen != 3 + 64 + 1 + 8)
		return 0;
	memcpy(code, key + klen - 8, 8);
	code[8] = '\0';
	cs->rc = kd_sync_registration_get(&reg, NULL, cs->t, cs->office, code);
	if (cs->rc == KN_ENOTFOUND) {
		cs->rc = 0;
		return 0;
	}
	if (cs->rc)
		return -1;
	if (!reg.hub || memcmp(reg.device, cs->device, 32) != 0)
		return 0;
	/* an unrevoked registration wins over a revoked one of another code */
	if (!cs->child[0] || (cs->revoked && !reg.revoked)) {
		memcpy(cs->child, code, 9);
		cs->revoked = reg.revoked;
	}
	return reg.revoked ? 0 : 1;
}

struct registrars {
	char v[REGISTRARS_MAX][9];
	size_t n;
};

static int
registrars_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct registrars *r = arg;
	(void)val;
	(void)vlen;

	if (klen != 3 + 8 + 1 + 8 || r->n == REGISTRARS_MAX)
		return r->n == REGISTRARS_MAX;
	memcpy(r->v[r->n], key + 12, 8);
	r->v[r->n++][8] = '\0';
	return 0;
}

/*
 * Is code under child: registered (current version, not revoked) by child
 * itself, or by a hub office that is itself under child (a registration
 * with "hub" at each step up), at most CHAIN_DEPTH_MAX steps? Every step is
 * a registration accepted here by the rules, so signed by the authority of
 * the office that made it. *office: code is a hub's office (its first step
 * is a registration with "hub").
 */
int
kd_sync_under(store_txn *t, const char *child, const char *code, int depth, int *office)
{
	struct registrars r = { .n = 0 };
	domain_registration reg;
	char prefix[16];

	/* the child's own registration: always looked at, index or not */
	if (kd_sync_registration_get(&reg, NULL, t, child, code) == 0 && !reg.revoked && (depth == 0 || reg.hub)) {
		*office = reg.hub;
		return 1;
	}
	kn_error_clear();
	if (depth >= CHAIN_DEPTH_MAX)
		return 0;
	snprintf(prefix, sizeof(prefix), "ro/%s/", code);
	if (store_idx_scan(t, prefix, strlen(prefix), registrars_cb, &r) != 0) {
		kn_error_clear();
		return 0;
	}
	for (size_t i = 0; i < r.n; i++) {
		int up;
		if (strcmp(r.v[i], child) == 0 || strcmp(r.v[i], code) == 0)
			continue;
		if (kd_sync_registration_get(&reg, NULL, t, r.v[i], code) != 0 || reg.revoked || (depth > 0 && !reg.hub)) {
			kn_error_clear();
			continue;
		}
		if (kd_sync_under(t, child, r.v[i], depth + 1, &up)) {
			*office = reg.hub;
			return 1;
		}
	}
	return 0;
}

int
kd_sync_child_check(kd_sync_error *e, char child[9], int *office, store *st, const char *office_here,
    const uint8_t device[32], const char *npsn)
{
	struct child_scan cs;
	domain_registration reg;
	store_txn *t;
	char prefix[72], hex[65];
	int rc;

	child[0] = '\0';
	memset(&cs, 0, sizeof(cs));
	if ((rc = store_read_begin(&t, st))) {
		kd_sync_error_set(e, rc, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
		return rc;
	}
	*office = 0;
	cs.t = t;
	cs.office = office_here;
	cs.device = device;
	snprintf(prefix, sizeof(prefix), "rg/%s/", kn_hex(hex, device, 32));
	rc = store_idx_scan(t, prefix, strlen(prefix), child_cb, &cs);
	if (rc == 0)
		rc = cs.rc;
	if (rc) {
		store_read_end(t);
		kd_sync_error_set(e, rc, "SYNC_HUB_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
		return rc;
	}
	if (!cs.child[0]) {
		store_read_end(t);
		kn_error_clear();
		return 1; /* not a child hub's key: a school's hello */
	}
	const char *params[] = { "anak", cs.child, "npsn", npsn, "kunci", hex, NULL };
	if (cs.revoked) {
		store_read_end(t);
		kd_sync_error_set(e, KN_EDENIED, "SYNC_ANAK_DICABUT", params);
		return KN_EDENIED;
	}
	if (strcmp(npsn, cs.child) == 0) {
		store_read_end(t);
		memcpy(child, cs.child, 9);
		*office = 1;
		return 0;
	}
	/* this hub's own office is no child's to speak for (nor to read its feed) */
	if (strcmp(npsn, office_here) == 0) {
		store_read_end(t);
		kd_sync_error_set(e, KN_EDENIED, "SYNC_ANAK_KANTOR_INDUK", params);
		return KN_EDENIED;
	}
	/* a school registered here directly syncs here itself: no child speaks for it */
	rc = kd_sync_registration_get(&reg, NULL, t, office_here, npsn);
	if (rc == 0 && !reg.revoked) {
		store_read_end(t);
		kd_sync_error_set(e, KN_EDENIED, "SYNC_ANAK_SEKOLAH_LANGSUNG", params);
		return KN_EDENIED;
	}
	/* registered by the child (or by a hub under it): accepted here only when that office's authority signed it */
	rc = kd_sync_under(t, cs.child, npsn, 0, office);
	kn_error_clear();
	if (!rc) {
		store_read_end(t);
		kd_sync_error_set(e, KN_EDENIED, "SYNC_ANAK_SEKOLAH_TIDAK_TERDAFTAR", params);
		return KN_EDENIED;
	}
	/*
	 * One code, one registrar: a school two offices both registered (neither
	 * revoked) is spoken for by neither, so no hub takes over another's
	 * school, whatever order the registrations arrived in.
	 */
	{
		struct registrars r = { .n = 0 };
		char names[2 * 9 + 8] = "";
		size_t live = 0;
		char prefix2[16];
		snprintf(prefix2, sizeof(prefix2), "ro/%s/", npsn);
		if (store_idx_scan(t, prefix2, strlen(prefix2), registrars_cb, &r) != 0)
			kn_error_clear();
		for (size_t i = 0; i < r.n; i++) {
			domain_registration rr;
			if (strcmp(r.v[i], npsn) == 0 || kd_sync_registration_get(&rr, NULL, t, r.v[i], npsn) != 0 || rr.revoked) {
				kn_error_clear();
				continue;
			}
			if (live < 2)
				snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", live ? " dan " : "", r.v[i]);
			live++;
		}
		if (live > 1) {
			store_read_end(t);
			const char *p2[] = { "npsn", npsn, "kantor", names, NULL };
			kd_sync_error_set(e, KN_EDENIED, "SYNC_ANAK_SEKOLAH_GANDA", p2);
			return KN_EDENIED;
		}
	}
	store_read_end(t);
	memcpy(child, cs.child, 9);
	return 0;
}

/* ---- the child's side ---- */

struct code {
	char code[9];
	int office;              /* an office's code (this one, or a hub's below it), not a school's */
};

struct codes {
	struct code *v;
	size_t n, cap;
	store_txn *t;
	int depth;
};

static int
codes_add(struct codes *c, const char *code, int office)
{
	if (c->n == PARENT_CODES_MAX)
		return 1;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct code *v = realloc(c->v, cap * sizeof(*v));
		if (v == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory");
		c->v = v;
		c->cap = cap;
	}
	snprintf(c->v[c->n].code, 9, "%s", code);
	c->v[c->n++].office = office;
	return 0;
}

static int codes_of(struct codes *c, const char *office);

/* One current registration of an office ("h/registration/<office>/<npsn>"): a school, or a hub and all under it. */
static int
codes_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct codes *c = arg;
	domain_registration reg;
	char office[9], npsn[9];
	int rc;
	(void)val;

	/* "h/registration/" office "/" npsn; an empty value: no version takes effect */
	if (klen != 15 + 8 + 1 + 8 || vlen == 0)
		return 0;
	memcpy(office, key + 15, 8);
	office[8] = '\0';
	memcpy(npsn, key + 24, 8);
	npsn[8] = '\0';
	if (kd_sync_registration_get(&reg, NULL, c->t, office, npsn) != 0 || reg.revoked) {
		kn_error_clear();
		return 0;
	}
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].code, npsn) == 0)
			return 0;
	if ((rc = codes_add(c, npsn, reg.hub)))
		return rc < 0 ? -1 : 1;
	/* a hub below this one: its office's records, then its own schools, in this order (the parent checks them so) */
	if (reg.hub && c->depth < CHAIN_DEPTH_MAX) {
		c->depth++;
		rc = codes_of(c, npsn);
		c->depth--;
		if (rc)
			return -1;
	}
	return 0;
}

/* The codes an office speaks for up the tree: every current registration it made, depth first. */
static int
codes_of(struct codes *c, const char *office)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "h/registration/%s/", office);
	return store_idx_scan(c->t, prefix, strlen(prefix), codes_cb, c);
}

static struct kd_parent_code *
pcode(struct kd_sync *sy, const char *code)
{
	for (size_t i = 0; i < sy->npcodes; i++)
		if (strcmp(sy->pcodes[i].code, code) == 0)
			return &sy->pcodes[i];
	if (sy->npcodes % 16 == 0) {
		struct kd_parent_code *n = realloc(sy->pcodes, (sy->npcodes + 16) * sizeof(*n));
		if (n == NULL)
			return NULL;
		sy->pcodes = n;
	}
	struct kd_parent_code *p = &sy->pcodes[sy->npcodes++];
	memset(p, 0, sizeof(*p));
	snprintf(p->code, sizeof(p->code), "%s", code);
	return p;
}

static void
add_result(kd_sync_result *to, const kd_sync_result *r)
{
	to->pushed += r->pushed;
	to->stored += r->stored;
	to->present += r->present;
	to->held += r->held;
	to->refused += r->refused;
	to->pulled += r->pulled;
	to->fetched += r->fetched;
	to->pushed_recon += r->pushed_recon;
	to->reconciled |= r->reconciled;
	to->recon_rounds += r->recon_rounds;
	to->round_trips += r->round_trips;
	to->bytes_sent += r->bytes_sent;
	to->bytes_received += r->bytes_received;
	to->handshake_bytes += r->handshake_bytes;
	to->count += r->count;
	to->hub_count += r->hub_count;
	if (r->refused && !to->first_refusal.code[0])
		to->first_refusal = r->first_refusal;
	to->clock_offset_ms = r->clock_offset_ms;
}

/*
 * One round: a session for the office's own code, then one per school
 * registered here. The office's session failing ends the round (the
 * parent refused this hub, or cannot be reached); a school's failure is
 * kept under its code and the round goes on, then fails with the first.
 */
static int
parent_round(struct kd_sync *sy, kd_sync_result *res)
{
	kd_server *srv = sy->srv;
	struct codes c;
	char office[9];
	store_txn *t;
	int rc, all_match = 1;

	memset(&c, 0, sizeof(c));
	if ((rc = store_read_begin(&t, srv->st))) {
		kd_sync_error_set(&res->err, rc, "SYNC_SEKOLAH_GAGAL_MENYIMPAN", (const char *const[]){ "sebab", kn_error_message(), NULL });
		return rc;
	}
	rc = kd_sync_store_office(office, srv->st, t);
	if (rc == 0)
		rc = codes_add(&c, office, 1);
	c.t = t;
	if (rc == 0)
		rc = codes_of(&c, office);
	store_read_end(t);
	if (rc) {
		if (rc == KN_ENOTFOUND)
			kd_sync_error_set(&res->err, KN_ESTATE, "SYNC_HUB_BELUM_SIAP", NULL);
		else
			kd_sync_error_set(&res->err, rc, "SYNC_SEKOLAH_GAGAL_MENYIMPAN",
			    (const char *const[]){ "sebab", kn_error_message(), NULL });
		free(c.v);
		return res->err.code;
	}
	/* the status lists the codes of this round only (a school revoked at this hub drops out) */
	pthread_mutex_lock(&sy->mu);
	for (size_t k = 0; k < sy->npcodes;) {
		int keep = 0;
		for (size_t i = 0; i < c.n && !keep; i++)
			keep = strcmp(c.v[i].code, sy->pcodes[k].code) == 0;
		if (keep) {
			k++;
			continue;
		}
		memmove(&sy->pcodes[k], &sy->pcodes[k + 1], (sy->npcodes - k - 1) * sizeof(*sy->pcodes));
		sy->npcodes--;
	}
	pthread_mutex_unlock(&sy->mu);
	res->ok = 1;
	for (size_t i = 0; i < c.n; i++) {
		kd_sync_peer p;
		kd_sync_result r;

		memset(&p, 0, sizeof(p));
		memset(&r, 0, sizeof(r));
		p.addr = sy->hub_addr;
		p.x25519 = sy->hub_x25519;
		memcpy(p.npsn, c.v[i].code, 9);
		snprintf(p.meta, sizeof(p.meta), "parent/%s/", c.v[i].code);
		p.origin = 2;
		p.evidence = 0; /* records only */
		rc = kd_sync_session(sy, &p, &r);
		if (rc && i == 0 && strcmp(r.err.reason, "SYNC_SEKOLAH_BELUM_TERDAFTAR") == 0) {
			/* the parent took this hub for a school: say what its Dinas runs there */
			char hex[65];
			kd_sync_error_set(&r.err, r.err.code, "SYNC_ANAK_BELUM_TERDAFTAR",
			    (const char *const[]){ "kantor", c.v[0].code, "kunci", kn_hex(hex, srv->device->pk, 32), NULL });
		}
		add_result(res, &r);
		all_match &= r.fp_match;
		pthread_mutex_lock(&sy->mu);
		{
			struct kd_parent_code *pc = pcode(sy, c.v[i].code);
			if (pc) {
				pc->office = c.v[i].office;
				pc->ok = r.ok;
				pc->last_attempt_ms = kn_now_ms();
				if (r.ok)
					pc->last_ok_ms = pc->last_attempt_ms;
				pc->pushed = r.pushed + r.pushed_recon;
				pc->pulled = r.pulled + r.fetched;
				pc->refused = r.refused;
				pc->fp_match = r.fp_match;
				pc->count = r.count;
				pc->parent_count = r.hub_count;
				memcpy(pc->fp, r.fp, SYNC_FP_BYTES);
				memcpy(pc->parent_fp, r.hub_fp, SYNC_FP_BYTES);
				pc->err = r.ok ? (kd_sync_error){ 0 } : r.err;
			}
		}
		pthread_mutex_unlock(&sy->mu);
		if (rc) {
			kn_warn("sync: parent %s, code %s: %s [%s]", sy->hub_addr, c.v[i].code, r.err.text, r.err.reason);
			if (res->ok) {
				res->ok = 0;
				res->err = r.err;
			}
			if (i == 0)
				break;
		}
	}
	res->fp_match = res->ok && all_match;
	free(c.v);
	return res->ok ? 0 : (res->err.code ? res->err.code : KN_ERROR);
}

int
kd_sync_parent_start(struct kd_sync *sy)
{
	kd_server *srv = sy->srv;
	int rc;

	snprintf(sy->hub_addr, sizeof(sy->hub_addr), "%s", srv->cfg.sync_parent);
	if (kn_unhex(sy->hub_key, 32, srv->cfg.sync_parent_key, strlen(srv->cfg.sync_parent_key)) != 0 ||
	    sync_channel_peer_from_ed25519(sy->hub_x25519, sy->hub_key) != 0)
		return kn_error_set(KN_EINVAL, "sync.parent_key",
		    "sync.parent_key must be the parent hub's device key, 64 hex digits (device_key in its 'kinerja status')");
	sy->parent = 1;
	sy->round = parent_round;
	if ((rc = kd_sync_client_thread(sy)))
		return rc;
	kn_info("sync: this hub syncs up to parent hub %s every %d s (records only)", sy->hub_addr, sy->interval_s);
	return 0;
}

static const char *const phase_names[] = { "idle", "connect", "push", "pull", "reconcile", "evidence" };

/* The parent link for sync.status at a hub: the link, then each code with its last session. */
void
kd_sync_parent_pack(msgpack_packer *pk, struct kd_sync *sy)
{
	char msg[SYNC_PROTO_TEXT_MAX + 1], n1[24], n2[24];
	uint64_t waiting = 0;
	store_txn *t;

	if (sy == NULL || !sy->parent) {
		msgpack_pack_map(pk, 2);
		kd_pack_str(pk, "configured");
		msgpack_pack_false(pk);
		kd_pack_kv_str(pk, "message", domain_msg_text("SYNC_INDUK_BELUM_DIATUR"));
		return;
	}
	/* what waits to go up: per code, the records after its checkpoint that did not come from the parent */
	char(*codes)[9] = NULL;
	size_t ncodes = 0;
	pthread_mutex_lock(&sy->mu);
	if (sy->npcodes && (codes = malloc(sy->npcodes * sizeof(*codes))) != NULL)
		for (ncodes = 0; ncodes < sy->npcodes; ncodes++)
			memcpy(codes[ncodes], sy->pcodes[ncodes].code, 9);
	pthread_mutex_unlock(&sy->mu);
	for (size_t i = 0; i < ncodes; i++) {
		kd_sync_state st;
		char name[48];
		uint64_t acked;
		snprintf(name, sizeof(name), "parent/%s/acked", codes[i]);
		acked = kd_sync_meta_u64(sy->srv, name);
		if (store_read_begin(&t, sy->srv->st) != 0)
			break;
		if (kd_sync_state_get(&st, t, codes[i]) == 0)
			waiting += kd_sync_waiting(sy->srv->st, t, codes[i], acked, st.feed, 2);
		store_read_end(t);
	}
	free(codes);
	kn_error_clear();
	pthread_mutex_lock(&sy->mu);
	snprintf(n1, sizeof(n1), "%zu", sy->npcodes);
	snprintf(n2, sizeof(n2), "%llu", (unsigned long long)waiting);
	if (sy->done && !sy->last.ok)
		snprintf(msg, sizeof(msg), "%s", sy->last.err.text);
	else
		domain_msg_render(msg, sizeof(msg), sy->last_ok_ms ? "SYNC_INDUK_OK" : "SYNC_INDUK_BELUM_PERNAH",
		    (const char *const[]){ "induk", sy->hub_addr, "kode", n1, "menunggu", n2, NULL });
	msgpack_pack_map(pk, 11);
	kd_pack_str(pk, "configured");
	msgpack_pack_true(pk);
	kd_pack_kv_str(pk, "message", msg);
	kd_pack_kv_str(pk, "parent", sy->hub_addr);
	kd_pack_kv_hex(pk, "parent_key", sy->hub_key, 32);
	kd_pack_kv_str(pk, "phase", phase_names[sy->phase]);
	kd_pack_kv_u64(pk, "last_ok_ms", sy->last_ok_ms);
	kd_pack_kv_u64(pk, "last_attempt_ms", sy->last_attempt_ms);
	kd_pack_kv_u64(pk, "next_ms", sy->next_ms);
	kd_pack_kv_u64(pk, "waiting", waiting);
	kd_pack_str(pk, "error");
	kd_sync_error_pack(pk, sy->done && !sy->last.ok ? &sy->last.err : &(kd_sync_error){ 0 });
	kd_pack_str(pk, "codes");
	msgpack_pack_array(pk, sy->npcodes);
	for (size_t i = 0; i < sy->npcodes; i++) {
		const struct kd_parent_code *c = &sy->pcodes[i];
		char hex[2 * SYNC_FP_BYTES + 1];
		msgpack_pack_map(pk, 13);
		kd_pack_kv_str(pk, "code", c->code);
		kd_pack_kv_str(pk, "fp", kn_hex(hex, c->fp, SYNC_FP_BYTES));
		kd_pack_kv_str(pk, "parent_fp", kn_hex(hex, c->parent_fp, SYNC_FP_BYTES));
		kd_pack_kv_str(pk, "kind", c->office ? "office" : "school");
		kd_pack_str(pk, "ok");
		if (c->ok)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		kd_pack_kv_u64(pk, "last_ok_ms", c->last_ok_ms);
		kd_pack_kv_u64(pk, "pushed", c->pushed);
		kd_pack_kv_u64(pk, "pulled", c->pulled);
		kd_pack_kv_u64(pk, "refused", c->refused);
		kd_pack_str(pk, "fp_match");
		if (c->fp_match)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		kd_pack_kv_u64(pk, "count", c->count);
		kd_pack_kv_u64(pk, "parent_count", c->parent_count);
		kd_pack_str(pk, "error");
		kd_sync_error_pack(pk, &c->err);
	}
	pthread_mutex_unlock(&sy->mu);
}
