/*
 * login.c - passphrases: session.login and its throttle, and user.unlock
 * (the operator clears the throttle).
 *
 * The throttle, per person (per key, whichever NIP or NUPTK was typed):
 *   - an attempt counts when it starts, before its Argon2id work is queued,
 *     and its count is written into the same group commit as the loop
 *     turn's other writes, with wall-clock times, so a restart keeps it;
 *   - one attempt at a time: another one arriving meanwhile is refused at
 *     once (KN_EBUSY, "wait 1 second");
 *   - the first LOGIN_FREE_TRIES wrong tries in a row cost nothing more;
 *     after that each try must wait 2, 4, 8, 16, 32 ... seconds after the
 *     previous one started, at most keys.login_delay_max_s (60 by
 *     default), so a stranger's guesses slow the owner down by at most that
 *     much and never lock them out;
 *   - at most LOGIN_WINDOW_TRIES tries are checked in any window of
 *     login_delay_max_s seconds, whatever the delays;
 *   - a refused try costs nothing and does not count, so flooding the
 *     socket does not make the wait longer;
 *   - a right passphrase clears the count, and so does user.unlock.
 * Tries that are refused before any Argon2id work (unknown NIP/NUPTK,
 * deactivated account, throttled) are logged, with the peer's uid and pid
 * for wrong passphrases and unknown people.
 *
 * Per person, in the store's meta table (written through the batch):
 *   "login/<key hex>"        throttle state [1, fails, next_ms, win_ms, win_n]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mpscan.h"
#include "methods.h"
#include "server.h"
#include "work.h"

#define LOGIN_FREE_TRIES 3       /* wrong tries in a row before any wait */
#define LOGIN_FIRST_DELAY_MS 2000 /* the first wait; it doubles with each further wrong try */
#define LOGIN_WINDOW_TRIES 5     /* tries checked in any window of login_delay_max_s */
#define LOGIN_STATE_MAX 64       /* bytes of a stored throttle state */

/* The throttle's memory of one person: a cache of "login/<key hex>" plus what is in flight. */
struct kd_login {
	struct kd_login *next;
	uint8_t pk[32];
	uint32_t fails;    /* tries since the last right passphrase, each counted when it started */
	uint64_t next_ms;  /* wall clock: no try starts before this */
	uint64_t win_ms;   /* wall clock: start of the current window */
	uint32_t win_n;    /* tries started in that window */
	int inflight;      /* a try is queued or running (memory only) */
	uint32_t refused;  /* tries refused since the last one started (memory only, for the log) */
};

/* Meta name "<prefix>/<key hex>" of a person's row. */
static void
meta_name(char out[96], const char *prefix, const uint8_t pk[32])
{
	char hex[65];

	snprintf(out, 96, "%s/%s", prefix, kn_hex(hex, pk, 32));
}

static uint64_t
delay_max_ms(const kd_server *srv)
{
	return (uint64_t)srv->cfg.login_delay_max_s * 1000;
}

/* How long the next try must wait after one that made `fails` wrong tries in a row. */
static uint64_t
login_delay_ms(const kd_server *srv, uint32_t fails)
{
	uint64_t d;

	if (fails < LOGIN_FREE_TRIES)
		return 0;
	d = (uint64_t)LOGIN_FIRST_DELAY_MS << (fails - LOGIN_FREE_TRIES > 20 ? 20 : fails - LOGIN_FREE_TRIES);
	return d < delay_max_ms(srv) ? d : delay_max_ms(srv);
}

/*
 * Read a stored throttle state into l: [1, fails, next_ms, win_ms, win_n],
 * checked strictly. KN_EBADREC when it is not that.
 */
static int
login_state_decode(struct kd_login *l, const uint8_t *p, size_t n)
{
	msgpack_unpacked up;
	const msgpack_object *a;
	size_t off = 0;
	int rc = KN_EBADREC;

	msgpack_unpacked_init(&up);
	if (kn_mpscan_exact(p, n, LOGIN_STATE_MAX) != 0 ||
	    msgpack_unpack_next(&up, (const char *)p, n, &off) != MSGPACK_UNPACK_SUCCESS)
		goto out;
	if (up.data.type != MSGPACK_OBJECT_ARRAY || up.data.via.array.size != 5)
		goto out;
	a = up.data.via.array.ptr;
	for (int i = 0; i < 5; i++)
		if (a[i].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
			goto out;
	if (a[0].via.u64 != 1 || a[1].via.u64 > UINT32_MAX || a[4].via.u64 > UINT32_MAX)
		goto out;
	l->fails = (uint32_t)a[1].via.u64;
	l->next_ms = a[2].via.u64;
	l->win_ms = a[3].via.u64;
	l->win_n = (uint32_t)a[4].via.u64;
	rc = 0;
out:
	msgpack_unpacked_destroy(&up);
	return rc;
}

/*
 * The throttle state of person pk: from memory, else loaded from the
 * store (nothing stored: a clean slate). Every change goes through the
 * memory copy and is written through to the store, so memory is never
 * behind the store. A stored time further ahead than the longest wait
 * (the clock was set back) is pulled in, so a clock fix cannot lock
 * anyone out.
 */
static int
login_state_get(struct kd_login **out, kd_server *srv, const uint8_t pk[32])
{
	struct kd_login *l;
	kn_buf val = KN_BUF_INIT;
	char name[96];
	uint64_t now = kn_now_ms();
	int rc;

	for (l = srv->logins; l; l = l->next) {
		if (memcmp(l->pk, pk, 32) == 0) {
			*out = l;
			return 0;
		}
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	memcpy(l->pk, pk, 32);
	meta_name(name, "login", pk);
	rc = store_meta_get(&val, srv->st, name);
	if (rc == 0 && login_state_decode(l, val.ptr, val.len) != 0) {
		kn_warn("login throttle state %s is damaged: treating it as %d wrong tries", name, LOGIN_FREE_TRIES);
		l->fails = LOGIN_FREE_TRIES;
		l->next_ms = now + delay_max_ms(srv);
		l->win_ms = now;
		l->win_n = 0;
	} else if (rc && rc != KN_ENOTFOUND) {
		kn_buf_free(&val);
		free(l);
		return rc;
	}
	kn_buf_free(&val);
	if (l->next_ms > now + delay_max_ms(srv))
		l->next_ms = now + delay_max_ms(srv);
	l->next = srv->logins;
	srv->logins = l;
	*out = l;
	return 0;
}

/* Write l's state into the batch: its row, or no row for a clean slate. */
static int
login_state_write(store_batch *b, const struct kd_login *l)
{
	kn_buf val = KN_BUF_INIT;
	msgpack_packer pk;
	char name[96];
	int rc;

	meta_name(name, "login", l->pk);
	if (l->fails == 0 && l->win_n == 0)
		return store_batch_meta_del(b, name);
	msgpack_packer_init(&pk, &val, kn_buf_msgpack_write);
	msgpack_pack_array(&pk, 5);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_uint32(&pk, l->fails);
	msgpack_pack_uint64(&pk, l->next_ms);
	msgpack_pack_uint64(&pk, l->win_ms);
	msgpack_pack_uint32(&pk, l->win_n);
	if (val.failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
	else
		rc = store_batch_meta_put(b, name, val.ptr, val.len);
	kn_buf_free(&val);
	return rc;
}

/* Forget the count (right passphrase, unlock); an attempt in flight stays in flight. */
static void
login_state_clear(struct kd_login *l)
{
	l->fails = 0;
	l->next_ms = 0;
	l->win_ms = 0;
	l->win_n = 0;
	l->refused = 0;
}

/* Write l's state as a request's own atomic write (its reply then waits for the commit). */
static int
login_state_save(kd_req *req, const struct kd_login *l)
{
	store_batch *b;
	int rc = kd_write_begin(&b, req);

	if (rc)
		return rc;
	rc = login_state_write(b, l);
	return kd_write_end(req, rc);
}

/*
 * May a try for person pk start now? When it may, it is counted (fails,
 * window, the next allowed start), the count is put into this turn's
 * batch, and the person has a try in flight until login_try_end(). When
 * it may not, KN_EBUSY says how long to wait, and nothing is counted.
 * who names the person in messages and the log.
 */
static int
login_try_begin(kd_server *srv, const kd_req *req, const uint8_t pk[32], const char *who, const kd_peer *peer)
{
	struct kd_login *l, n;
	kd_req wreq = *req;
	uint64_t now = kn_now_ms(), wait = 0, max = delay_max_ms(srv);
	int window_over, rc;

	if ((rc = login_state_get(&l, srv, pk)))
		return rc;
	window_over = now < l->win_ms || now - l->win_ms >= max;
	if (l->inflight)
		wait = 1000;
	if (l->next_ms > now && l->next_ms - now > wait)
		wait = l->next_ms - now;
	if (!window_over && l->win_n >= LOGIN_WINDOW_TRIES && l->win_ms + max - now > wait)
		wait = l->win_ms + max - now;
	if (wait > max)
		wait = max;
	if (wait) {
		unsigned long long s = (wait + 999) / 1000;
		if (l->refused++ == 0)
			kn_info("login for %s refused by the throttle for %llu s (%s); peer uid %ld pid %ld; until the next try starts, "
			    "further refusals are not logged", who, s, l->inflight ? "a try is being checked" : "wrong passphrases",
			    peer ? (long)peer->uid : -1L, peer ? (long)peer->pid : -1L);
		if (l->inflight)
			return kn_error_set(KN_EBUSY, "passphrase", "a passphrase for %s is being checked right now: wait 1 second, then try again",
			    who);
		return kn_error_set(KN_EBUSY, "passphrase", "too many wrong passphrases for %s: wait %llu seconds, then try again "
		    "(or ask the Operator Sekolah to run 'kinerja user unlock')", who, s);
	}
	n = *l;
	if (window_over) {
		n.win_ms = now;
		n.win_n = 0;
	}
	n.win_n++;
	if (n.fails < UINT32_MAX)
		n.fails++;
	n.next_ms = now + login_delay_ms(srv, n.fails);
	/* The count is this attempt's own write; the reply comes from the job later, after this turn's commit. */
	if ((rc = login_state_save(&wreq, &n)))
		return rc;
	n.inflight = 1;
	n.refused = 0;
	*l = n;
	return 0;
}

/*
 * The try for pk is over. unlocked: the passphrase was right, so the
 * count goes (written with req, whose reply then waits for the commit).
 * A failure to write that is only logged: the person is in, and at worst
 * their next try starts from the old count.
 */
static void
login_try_end(kd_server *srv, kd_req *req, const uint8_t pk[32], int unlocked)
{
	struct kd_login *l;

	if (login_state_get(&l, srv, pk) != 0)
		return;
	l->inflight = 0;
	if (!unlocked || (l->fails == 0 && l->win_n == 0))
		return;
	login_state_clear(l);
	if (login_state_save(req, l) != 0)
		kn_warn("cannot clear the login throttle after a right passphrase: %s", kn_error_message());
}

void
kd_login_free_all(kd_server *srv)
{
	while (srv->logins) {
		struct kd_login *l = srv->logins;
		srv->logins = l->next;
		free(l);
	}
}

/* The person enrolled with this NIP or NUPTK here: key and enrollment; KN_EAUTH (field "user") when none. */
static int
person_lookup(uint8_t pk[32], domain_user *u, kd_server *srv, const char *ident)
{
	store_txn *t;
	int rc;

	if ((rc = store_read_begin(&t, srv->st)))
		return rc;
	rc = kd_ident_lookup(pk, t, srv->school, ident);
	if (rc == 0)
		rc = kd_user_lookup(u, t, srv->school, pk);
	store_read_end(t);
	if (rc == KN_ENOTFOUND)
		rc = kn_error_set(KN_EAUTH, "user", "no one with NIP/NUPTK %s is enrolled in this school; ask the Operator Sekolah",
		    ident);
	return rc;
}

/* A passphrase being tried: Argon2id on the worker thread, the session on the loop. */
typedef struct {
	kd_job j;
	char *pass;            /* the passphrase tried, sodium_malloc'd */
	uint64_t *evaluations; /* srv->login_evaluations: the one thing of the server run() touches, atomically */
	uint8_t pk[32];
	kn_buf sealed;         /* the sealed key as read when the try started */
	keys_secret *key;      /* unlocked by run() */
	domain_user u;
	char who[DOMAIN_NAME_MAX + 1]; /* the NIP/NUPTK typed */
	kd_peer peer;
	int have_peer;
} unlock_job;

static void
unlock_run(kd_job *j)
{
	unlock_job *uj = (unlock_job *)j;
	int rc;

	/* a passphrase outside the rules sealed nothing: keys_open refuses it without Argon2id */
	if (keys_passphrase_check(uj->pass, strlen(uj->pass)) == 0)
		__atomic_add_fetch(uj->evaluations, 1, __ATOMIC_RELAXED);
	rc = keys_open(&uj->key, uj->sealed.ptr, uj->sealed.len, uj->pk, uj->pass, strlen(uj->pass));
	if (rc)
		kd_job_keep_error(j, rc);
}

static void
unlock_free(unlock_job *uj)
{
	if (uj == NULL)
		return;
	sodium_free(uj->pass);
	keys_secret_free(uj->key);
	kn_buf_free(&uj->sealed);
	free(uj);
}

/* A copy of s in guarded memory; NULL when out of it. */
static char *
secret_dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = sodium_malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

/*
 * A new unlock job for person pk trying pass: the sealed key and the
 * peer's credentials are read now, when the try starts.
 */
static int
unlock_new(unlock_job **out, kd_req *req, const uint8_t pk[32], const char *pass, const char *who)
{
	kd_server *srv = req->srv;
	unlock_job *uj = calloc(1, sizeof(*uj));
	int rc;

	*out = NULL;
	if (uj == NULL || (uj->pass = secret_dup(pass)) == NULL) {
		free(uj);
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	}
	memcpy(uj->pk, pk, 32);
	uj->evaluations = &srv->login_evaluations;
	snprintf(uj->who, sizeof(uj->who), "%s", who);
	uj->have_peer = kd_client_peer(&uj->peer, req->client) == 0;
	if ((rc = store_key_get(&uj->sealed, srv->st, pk))) {
		if (rc == KN_ENOTFOUND)
			rc = kn_error_set(KN_EAUTH, "user", "%s has no key on this machine; ask the Operator Sekolah", who);
		unlock_free(uj);
		return rc;
	}
	uj->j.run = unlock_run;
	uj->j.req = *req;
	*out = uj;
	return 0;
}

/* The log line of a wrong passphrase: who, from which local process, and what the throttle does next. */
static void
log_wrong_passphrase(kd_server *srv, const unlock_job *uj, const char *what)
{
	struct kd_login *l = NULL;
	uint64_t now = kn_now_ms(), wait = 0;

	if (login_state_get(&l, srv, uj->pk) == 0 && l->next_ms > now)
		wait = l->next_ms - now;
	kn_warn("failed %s for %s: wrong passphrase; peer uid %ld pid %ld; %u wrong in a row, next try in %llu s", what, uj->who,
	    uj->have_peer ? (long)uj->peer.uid : -1L, uj->have_peer ? (long)uj->peer.pid : -1L, l ? l->fails : 0,
	    (unsigned long long)((wait + 999) / 1000));
}

/* Say in the error how long the next try must wait, so the owner is not left guessing. */
static int
wrong_passphrase_error(kd_server *srv, const uint8_t pk[32], const char *prefix)
{
	struct kd_login *l;
	uint64_t now = kn_now_ms();

	if (login_state_get(&l, srv, pk) == 0 && l->next_ms > now + 500)
		return kn_error_set(KN_EAUTH, "passphrase", "%s (%u wrong in a row: the next try must wait %llu seconds)", prefix,
		    l->fails, (unsigned long long)((l->next_ms - now + 999) / 1000));
	return kn_error_set(KN_EAUTH, "passphrase", "%s", prefix);
}

/* Loop thread, after the passphrase was tried: the session, or why not. */
static void
login_done(kd_job *j)
{
	unlock_job *uj = (unlock_job *)j;
	kd_server *srv = j->req.srv;
	kn_buf res = KN_BUF_INIT;
	msgpack_packer pk;
	kd_session *s;
	store_txn *t;
	char hex[65];
	int rc = j->rc ? kd_job_error(j) : 0;

	login_try_end(srv, &j->req, uj->pk, uj->key != NULL);
	if (rc == KN_EAUTH && uj->key == NULL) {
		log_wrong_passphrase(srv, uj, "login");
		rc = wrong_passphrase_error(srv, uj->pk, "wrong passphrase");
	}
	/* No one to hand a session to: do not leave an unlocked key behind. */
	if (rc == 0 && kd_client_gone(j->req.client))
		rc = kn_error_set(KN_EBUSY, "", "the client hung up");
	/* The enrollment may have changed while the key was being unlocked. */
	if (rc == 0 && (rc = store_read_begin(&t, srv->st)) == 0) {
		rc = kd_user_lookup(&uj->u, t, srv->school, uj->pk);
		store_read_end(t);
		if (rc == 0 && !uj->u.active)
			rc = kn_error_set(KN_EAUTH, "user", "the account of %s is deactivated; ask the Operator Sekolah", uj->u.name);
	}
	if (rc == 0 && (rc = kd_session_add(&s, srv, uj->key, srv->school, uj->u.role, uj->u.name)) == 0) {
		uj->key = NULL; /* the session owns it now */
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 6);
		kd_pack_kv_hex(&pk, "token", s->token, 32);
		kd_pack_kv_u64(&pk, "expires_ms", s->expires_ms);
		kd_pack_kv_str(&pk, "name", uj->u.name);
		kd_pack_kv_str(&pk, "role", uj->u.role);
		kd_pack_kv_str(&pk, "role_label", domain_role_label(uj->u.role));
		kd_pack_kv_str(&pk, "key", kn_hex(hex, uj->pk, 32));
		kn_info("login: %s (%s)", uj->u.name, uj->u.role);
	}
	kd_respond(&j->req, rc, &res);
	kn_buf_free(&res);
	kd_job_release(j);
	unlock_free(uj);
}

/*
 * session.login {user: NIP|NUPTK, passphrase}: cheap checks first (school,
 * person, enrollment, key), then the throttle counts the try, then
 * Argon2id runs on the worker thread.
 */
int
kd_m_session_login(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	char ident[32], pass[KEYS_PASS_MAX + 1];
	uint8_t upk[32];
	domain_user u;
	unlock_job *uj = NULL;
	kd_peer peer;
	int have_peer, rc;

	(void)pk;
	have_peer = kd_client_peer(&peer, req->client) == 0;
	if (!srv->school[0]) {
		rc = kn_error_set(KN_ENOTFOUND, "npsn", "no school is set up here yet: run 'kinerja school init' first");
		goto out;
	}
	if ((rc = kd_arg_str(ident, sizeof(ident), req, "user", 1)) ||
	    (rc = kd_arg_str(pass, sizeof(pass), req, "passphrase", 1)))
		goto out;
	if ((rc = person_lookup(upk, &u, srv, ident))) {
		if (rc == KN_EAUTH)
			kn_info("failed login for %s: no one enrolled with it; peer uid %ld pid %ld", ident,
			    have_peer ? (long)peer.uid : -1L, have_peer ? (long)peer.pid : -1L);
		goto out;
	}
	if (!u.active) {
		rc = kn_error_set(KN_EAUTH, "user", "the account of %s is deactivated; ask the Operator Sekolah", u.name);
		goto out;
	}
	if ((rc = unlock_new(&uj, req, upk, pass, ident)))
		goto out;
	uj->u = u;
	uj->j.done = login_done;
	if ((rc = login_try_begin(srv, req, upk, ident, have_peer ? &peer : NULL)))
		goto out;
	rc = kd_work_submit(srv, &uj->j);
	uj = NULL;
out:
	sodium_memzero(pass, sizeof(pass));
	unlock_free(uj);
	return rc;
}

/*
 * user.unlock {user: NIP|NUPTK}: the operator clears a person's throttle
 * (after a stranger's guesses, or the owner's own typos), so they may try
 * again at once. A try in flight stays in flight.
 */
int
kd_m_user_unlock(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	char ident[32];
	uint8_t upk[32];
	domain_user u;
	struct kd_login *l, cleared;
	uint64_t now = kn_now_ms(), waited;
	uint32_t fails;
	int rc;

	if ((rc = kd_arg_str(ident, sizeof(ident), req, "user", 1)))
		return rc;
	if ((rc = person_lookup(upk, &u, srv, ident))) {
		if (rc == KN_EAUTH)
			rc = kn_error_set(KN_ENOTFOUND, "user", "no one with NIP/NUPTK %s is enrolled in this school", ident);
		return rc;
	}
	if ((rc = login_state_get(&l, srv, upk)))
		return rc;
	fails = l->fails;
	waited = l->next_ms > now ? l->next_ms - now : 0;
	cleared = *l;
	login_state_clear(&cleared);
	if ((rc = login_state_save(req, &cleared)))
		return rc;
	login_state_clear(l);
	msgpack_pack_map(pk, 4);
	kd_pack_kv_str(pk, "name", u.name);
	kd_pack_kv_str(pk, "user", ident);
	kd_pack_kv_u64(pk, "fails_cleared", fails);
	kd_pack_kv_u64(pk, "wait_cleared_s", (waited + 999) / 1000);
	kn_info("user.unlock: %s (%s) by %s; %u wrong tries forgotten", u.name, ident, req->sess->name, fails);
	return 0;
}
