/*
 * login.c - passphrases: session.login and its throttle, session.passwd
 * (a person changes their own), user.reset_passphrase (the operator hands
 * out a one-time passphrase) and user.unlock (the operator clears the
 * throttle).
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
 *   - at most LOGIN_WINDOW_TRIES tries are checked in each window of
 *     login_delay_max_s seconds, whatever the delays;
 *   - a refused try costs nothing and does not count, so flooding the
 *     socket does not make the wait longer;
 *   - a right passphrase clears the count, and so do user.unlock and a
 *     reset.
 * Tries that are refused before any Argon2id work (unknown NIP/NUPTK,
 * deactivated account, throttled) are logged, with the peer's uid and pid
 * for wrong passphrases and unknown people.
 *
 * Per person, in the store's meta table (written through the batch):
 *   "login/<key hex>"        throttle state [1, fails, next_ms, win_ms, win_n]
 *   "recovery/<key hex>"     the key sealed to the device key (keys.h)
 *   "must_change/<key hex>"  "\1" after a reset, until the person changes it
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/messages.h"
#include "../util/mpscan.h"
#include "methods.h"
#include "server.h"
#include "work.h"

#define LOGIN_FREE_TRIES 3       /* wrong tries in a row before any wait */
#define LOGIN_FIRST_DELAY_MS 2000 /* the first wait; it doubles with each further wrong try */
#define LOGIN_WINDOW_TRIES 5     /* tries checked in each window of login_delay_max_s */
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

/* The longest wait (keys.login_delay_max_s), also the length of a window. */
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

/* Forget the count (right passphrase, unlock, reset); an attempt in flight stays in flight. */
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
			return domain_msg_error(KN_EBUSY, "passphrase", "MASUK_SEDANG_DIPERIKSA", "siapa", who, NULL);
		char secs[24];
		snprintf(secs, sizeof(secs), "%llu", s);
		return domain_msg_error(KN_EBUSY, "passphrase", "MASUK_TERLALU_BANYAK_SALAH", "siapa", who, "detik", secs, NULL);
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

/* Shutdown: forget the throttle's memory; what it counted is in the store. */
void
kd_login_free_all(kd_server *srv)
{
	while (srv->logins) {
		struct kd_login *l = srv->logins;
		srv->logins = l->next;
		free(l);
	}
}

/*
 * Store a person's sealed key, with (when not NULL) a new recovery copy
 * and the must-change mark, in the caller's open write: all of it commits
 * or none of it.
 */
int
kd_key_store(store_batch *b, const uint8_t pk[32], const kn_buf *sealed, const kn_buf *recovery, int must_change)
{
	char name[96];
	int rc = store_batch_key_put(b, pk, sealed->ptr, sealed->len);

	if (rc == 0 && recovery) {
		meta_name(name, "recovery", pk);
		rc = store_batch_meta_put(b, name, recovery->ptr, recovery->len);
	}
	if (rc == 0) {
		meta_name(name, "must_change", pk);
		rc = must_change ? store_batch_meta_put(b, name, "\1", 1) : store_batch_meta_del(b, name);
	}
	return rc;
}

/* Must the person with key pk choose a new passphrase (after a reset)? */
static int
must_change_get(int *out, kd_server *srv, const uint8_t pk[32])
{
	kn_buf val = KN_BUF_INIT;
	char name[96];
	int rc;

	*out = 0;
	meta_name(name, "must_change", pk);
	rc = store_meta_get(&val, srv->st, name);
	if (rc == 0)
		*out = val.len == 1 && val.ptr[0] == 1;
	kn_buf_free(&val);
	return rc == KN_ENOTFOUND ? 0 : rc;
}

/* Is the person's sealed key still the one read when the work started? */
static int
key_unchanged(kd_server *srv, const uint8_t pk[32], const kn_buf *before)
{
	kn_buf now = KN_BUF_INIT;
	int same = store_key_get(&now, srv->st, pk) == 0 && now.len == before->len &&
	    memcmp(now.ptr, before->ptr, now.len) == 0;

	kn_buf_free(&now);
	return same;
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
		rc = domain_msg_error(KN_EAUTH, "user", "MASUK_TIDAK_TERDAFTAR", "nomor", ident, NULL);
	return rc;
}

/*
 * A passphrase being tried: Argon2id on the worker thread, the result on
 * the loop. For session.login it unlocks the key for a session; for
 * session.passwd it also seals the key under the new passphrase and makes
 * a new recovery copy.
 */
typedef struct {
	kd_job j;
	char *pass;            /* the passphrase tried, sodium_malloc'd */
	char *newpass;         /* session.passwd: the new one, sodium_malloc'd; NULL for a login */
	uint64_t *evaluations; /* srv->login_evaluations: the one thing of the server run() touches, atomically */
	keys_cost cost;
	uint8_t pk[32];
	uint8_t device_pk[32];
	kn_buf sealed;         /* the sealed key as read when the try started */
	keys_secret *key;      /* unlocked by run() */
	kn_buf new_sealed;     /* session.passwd: sealed under newpass */
	kn_buf recovery;       /* session.passwd: sealed to the device key */
	domain_user u;
	char who[DOMAIN_NAME_MAX + 1]; /* the NIP/NUPTK typed, or (passwd) the person's name */
	kd_peer peer;
	int have_peer;
	int must_change;       /* login: the stored key is a one-time passphrase's */
	uint8_t token[32];     /* passwd: the caller's session */
} unlock_job;

/* Worker thread: try the passphrase (and for a change, seal under the new one). */
static void
unlock_run(kd_job *j)
{
	unlock_job *uj = (unlock_job *)j;
	int rc;

	/* a passphrase outside the rules sealed nothing: keys_open refuses it without Argon2id */
	if (keys_passphrase_check(uj->pass, strlen(uj->pass)) == 0)
		__atomic_add_fetch(uj->evaluations, 1, __ATOMIC_RELAXED);
	rc = keys_open(&uj->key, uj->sealed.ptr, uj->sealed.len, uj->pk, uj->pass, strlen(uj->pass));
	if (rc == 0 && uj->newpass) {
		rc = keys_seal(&uj->new_sealed, uj->key, uj->newpass, strlen(uj->newpass), uj->cost);
		if (rc == 0)
			rc = keys_recovery_seal(&uj->recovery, uj->key, uj->device_pk);
	}
	if (rc)
		kd_job_keep_error(j, rc);
}

/* Free an unlock job; its passphrases and key are wiped. NULL-safe. */
static void
unlock_free(unlock_job *uj)
{
	if (uj == NULL)
		return;
	sodium_free(uj->pass);
	sodium_free(uj->newpass);
	keys_secret_free(uj->key);
	kn_buf_free(&uj->sealed);
	kn_buf_free(&uj->new_sealed);
	kn_buf_free(&uj->recovery);
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
	memcpy(uj->device_pk, srv->device->pk, 32);
	uj->cost = srv->cost;
	uj->evaluations = &srv->login_evaluations;
	snprintf(uj->who, sizeof(uj->who), "%s", who);
	uj->have_peer = kd_client_peer(&uj->peer, req->client) == 0;
	if ((rc = store_key_get(&uj->sealed, srv->st, pk))) {
		if (rc == KN_ENOTFOUND)
			rc = domain_msg_error(KN_EAUTH, "user", "MASUK_TANPA_KUNCI", "siapa", who, NULL);
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

/*
 * Say in the error how long the next try must wait, so the owner is not
 * left guessing: code when there is no wait, code_wait (with {jumlah}
 * wrong in a row and {detik}) when there is.
 */
static int
wrong_passphrase_error(kd_server *srv, const uint8_t pk[32], const char *code, const char *code_wait)
{
	struct kd_login *l;
	uint64_t now = kn_now_ms();
	char fails[16], secs[24];

	if (login_state_get(&l, srv, pk) == 0 && l->next_ms > now + 500) {
		snprintf(fails, sizeof(fails), "%u", l->fails);
		snprintf(secs, sizeof(secs), "%llu", (unsigned long long)((l->next_ms - now + 999) / 1000));
		return domain_msg_error(KN_EAUTH, "passphrase", code_wait, "jumlah", fails, "detik", secs, NULL);
	}
	return domain_msg_error(KN_EAUTH, "passphrase", code, NULL);
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
		rc = wrong_passphrase_error(srv, uj->pk, "MASUK_SANDI_SALAH", "MASUK_SANDI_SALAH_TUNGGU");
	}
	/* No one to hand a session to: do not leave an unlocked key behind. */
	if (rc == 0 && kd_client_gone(j->req.client))
		rc = kn_error_set(KN_EBUSY, "", "the client hung up");
	/* A reset or a change while the key was being unlocked: the passphrase tried is no longer the one. */
	if (rc == 0 && !key_unchanged(srv, uj->pk, &uj->sealed))
		rc = domain_msg_error(KN_ESTATE, "passphrase", "MASUK_SANDI_BERUBAH", "siapa", uj->who, NULL);
	/* The enrollment may have changed while the key was being unlocked. */
	if (rc == 0 && (rc = store_read_begin(&t, srv->st)) == 0) {
		rc = kd_user_lookup(&uj->u, t, srv->school, uj->pk);
		store_read_end(t);
		if (rc == 0 && !uj->u.active)
			rc = domain_msg_error(KN_EAUTH, "user", "MASUK_AKUN_NONAKTIF", "nama", uj->u.name, NULL);
	}
	if (rc == 0 && (rc = kd_session_add(&s, srv, uj->key, srv->school, uj->u.role, uj->u.name)) == 0) {
		uj->key = NULL; /* the session owns it now */
		s->must_change = uj->must_change;
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 7);
		kd_pack_kv_hex(&pk, "token", s->token, 32);
		kd_pack_kv_u64(&pk, "expires_ms", s->expires_ms);
		kd_pack_kv_str(&pk, "name", uj->u.name);
		kd_pack_kv_str(&pk, "role", uj->u.role);
		kd_pack_kv_str(&pk, "role_label", domain_role_label(uj->u.role));
		kd_pack_kv_str(&pk, "key", kn_hex(hex, uj->pk, 32));
		kd_pack_str(&pk, "must_change");
		if (s->must_change)
			msgpack_pack_true(&pk);
		else
			msgpack_pack_false(&pk);
		kn_info("login: %s (%s)%s", uj->u.name, uj->u.role, s->must_change ? " with a one-time passphrase" : "");
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
	int have_peer, must_change = 0, rc;

	(void)pk;
	have_peer = kd_client_peer(&peer, req->client) == 0;
	if (!srv->school[0]) {
		rc = domain_msg_error(KN_ENOTFOUND, "npsn", "SEKOLAH_BELUM_ADA", NULL);
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
		rc = domain_msg_error(KN_EAUTH, "user", "MASUK_AKUN_NONAKTIF", "nama", u.name, NULL);
		goto out;
	}
	if ((rc = must_change_get(&must_change, srv, upk)) || (rc = unlock_new(&uj, req, upk, pass, ident)))
		goto out;
	uj->must_change = must_change;
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

/* Loop thread, after the old passphrase was tried: store the key sealed under the new one. */
static void
passwd_done(kd_job *j)
{
	unlock_job *uj = (unlock_job *)j;
	kd_req *req = &j->req;
	kd_server *srv = req->srv;
	kn_buf res = KN_BUF_INIT;
	msgpack_packer pk;
	kd_session *s = NULL;
	store_batch *b;
	int ended = 0, rc = j->rc ? kd_job_error(j) : 0;

	login_try_end(srv, req, uj->pk, uj->key != NULL);
	if (rc == KN_EAUTH && uj->key == NULL) {
		log_wrong_passphrase(srv, uj, "passphrase change");
		rc = wrong_passphrase_error(srv, uj->pk, "GANTI_SANDI_SALAH", "GANTI_SANDI_SALAH_TUNGGU");
	}
	/* The person may have logged out, or been reset, while the key was being sealed. */
	if (rc == 0)
		rc = kd_session_by_token(&s, srv, uj->token);
	if (rc == 0 && !key_unchanged(srv, uj->pk, &uj->sealed))
		rc = domain_msg_error(KN_ESTATE, "passphrase", "GANTI_SANDI_BERUBAH", NULL);
	if (rc == 0 && (rc = kd_write_begin(&b, req)) == 0) {
		rc = kd_key_store(b, uj->pk, &uj->new_sealed, &uj->recovery, 0);
		rc = kd_write_end(req, rc);
	}
	if (rc == 0) {
		s->must_change = 0;
		/* whoever else knew the old passphrase is logged out */
		ended = kd_session_end_person(srv, uj->pk, uj->token);
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 2);
		kd_pack_str(&pk, "ok");
		msgpack_pack_true(&pk);
		kd_pack_kv_u64(&pk, "sessions_ended", (uint64_t)ended);
		kn_info("passphrase changed: %s (%d other session(s) ended)", s->name, ended);
	}
	kd_respond(req, rc, &res);
	kn_buf_free(&res);
	kd_job_release(j);
	unlock_free(uj);
}

/*
 * session.passwd {passphrase: the current one, new_passphrase}: for the
 * caller's own key only (KD_TOKEN, so that a session with a one-time
 * passphrase can call it). The current passphrase is tried like a login,
 * and counts in the throttle like one.
 */
int
kd_m_session_passwd(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	kd_session *s = req->sess;
	char pass[KEYS_PASS_MAX + 1], newpass[KEYS_PASS_MAX + 1];
	domain_user u;
	unlock_job *uj = NULL;
	store_txn *t;
	kd_peer peer;
	int have_peer, rc;

	(void)pk;
	have_peer = kd_client_peer(&peer, req->client) == 0;
	if ((rc = kd_arg_str(pass, sizeof(pass), req, "passphrase", 1)) ||
	    (rc = kd_arg_str(newpass, sizeof(newpass), req, "new_passphrase", 1)))
		goto out;
	/* keys.c words its rules in English for every caller; here the person reads them */
	if (keys_passphrase_check(newpass, strlen(newpass)) != 0) {
		char min[16], max[16];
		snprintf(min, sizeof(min), "%d", KEYS_PASS_MIN);
		snprintf(max, sizeof(max), "%d", KEYS_PASS_MAX);
		rc = domain_msg_error(KN_EINVAL, "new_passphrase", "GANTI_SANDI_SYARAT", "min", min, "maks", max, NULL);
		goto out;
	}
	if (strcmp(pass, newpass) == 0) {
		rc = domain_msg_error(KN_EINVAL, "new_passphrase", "GANTI_SANDI_SAMA", NULL);
		goto out;
	}
	if ((rc = store_read_begin(&t, srv->st)))
		goto out;
	rc = kd_user_lookup(&u, t, srv->school, s->key->pk);
	store_read_end(t);
	if (rc == KN_ENOTFOUND)
		rc = domain_msg_error(KN_EDENIED, "session", "GANTI_SANDI_TIDAK_TERDAFTAR", NULL);
	if (rc == 0 && !u.active)
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_AKUN_TIDAK_AKTIF", NULL);
	if (rc || (rc = unlock_new(&uj, req, s->key->pk, pass, s->name)))
		goto out;
	if ((uj->newpass = secret_dup(newpass)) == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out;
	}
	memcpy(uj->token, s->token, 32);
	uj->u = u;
	uj->j.done = passwd_done;
	if ((rc = login_try_begin(srv, req, s->key->pk, s->name, have_peer ? &peer : NULL)))
		goto out;
	rc = kd_work_submit(srv, &uj->j);
	uj = NULL;
out:
	sodium_memzero(pass, sizeof(pass));
	sodium_memzero(newpass, sizeof(newpass));
	unlock_free(uj);
	return rc;
}

/*
 * A reset: the recovery copy is opened with the device key and the key
 * sealed under a one-time passphrase, on the worker thread.
 */
typedef struct {
	kd_job j;
	char *onetime;              /* sodium_malloc'd */
	const keys_secret *device;  /* srv->device: loaded before the worker starts, freed after it stops, read-only */
	keys_cost cost;
	uint8_t pk[32];
	kn_buf recovery;
	kn_buf sealed_before;       /* the person's sealed key when the reset started */
	kn_buf sealed;              /* the key sealed under the one-time passphrase */
	domain_user u;
	char ident[32];
	uint8_t token[32];          /* the operator's session */
} reset_job;

/* Worker thread: open the recovery copy, seal the key under the one-time passphrase. */
static void
reset_run(kd_job *j)
{
	reset_job *rj = (reset_job *)j;
	keys_secret *key = NULL;
	int rc = keys_recovery_open(&key, rj->recovery.ptr, rj->recovery.len, rj->pk, rj->device);

	if (rc == 0)
		rc = keys_seal(&rj->sealed, key, rj->onetime, strlen(rj->onetime), rj->cost);
	keys_secret_free(key);
	if (rc)
		kd_job_keep_error(j, rc);
}

/* Free a reset job; the one-time passphrase is wiped. NULL-safe. */
static void
reset_free(reset_job *rj)
{
	if (rj == NULL)
		return;
	sodium_free(rj->onetime);
	kn_buf_free(&rj->recovery);
	kn_buf_free(&rj->sealed_before);
	kn_buf_free(&rj->sealed);
	free(rj);
}

/* Loop thread: store the one-time key, mark it, clear the throttle, end the person's sessions. */
static void
reset_done(kd_job *j)
{
	reset_job *rj = (reset_job *)j;
	kd_req *req = &j->req;
	kd_server *srv = req->srv;
	kn_buf res = KN_BUF_INIT;
	msgpack_packer pk;
	struct kd_login *l = NULL;
	kd_session *op = NULL;
	store_batch *b;
	int ended = 0, rc = j->rc ? kd_job_error(j) : 0;

	if (rc == 0)
		rc = kd_session_by_token(&op, srv, rj->token);
	if (rc == 0 && !key_unchanged(srv, rj->pk, &rj->sealed_before))
		rc = domain_msg_error(KN_ESTATE, "user", "ATUR_ULANG_SANDI_BERUBAH", "nama", rj->u.name, NULL);
	if (rc == 0)
		rc = login_state_get(&l, srv, rj->pk);
	if (rc == 0 && (rc = kd_write_begin(&b, req)) == 0) {
		struct kd_login cleared = *l;
		login_state_clear(&cleared);
		rc = kd_key_store(b, rj->pk, &rj->sealed, NULL, 1);
		if (rc == 0)
			rc = login_state_write(b, &cleared);
		rc = kd_write_end(req, rc);
	}
	if (rc == 0) {
		login_state_clear(l);
		ended = kd_session_end_person(srv, rj->pk, NULL);
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 4);
		kd_pack_kv_str(&pk, "name", rj->u.name);
		kd_pack_kv_str(&pk, "user", rj->ident);
		kd_pack_kv_str(&pk, "passphrase", rj->onetime);
		kd_pack_kv_u64(&pk, "sessions_ended", (uint64_t)ended);
		kn_info("user.reset_passphrase: %s (%s) by %s; %d session(s) ended", rj->u.name, rj->ident, op->name, ended);
	}
	kd_respond(req, rc, &res);
	kn_buf_free(&res);
	kd_job_release(j);
	reset_free(rj);
}

/*
 * user.reset_passphrase {user: NIP|NUPTK}: the operator gives a person who
 * forgot their passphrase a one-time one, returned once in the result.
 * The person must choose their own at their next login (must_change).
 */
int
kd_m_user_reset_passphrase(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	char ident[32], name[96];
	reset_job *rj = NULL;
	int rc;

	(void)pk;
	if ((rc = kd_arg_str(ident, sizeof(ident), req, "user", 1)))
		goto out;
	rj = calloc(1, sizeof(*rj));
	if (rj == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out;
	}
	if ((rc = person_lookup(rj->pk, &rj->u, srv, ident))) {
		if (rc == KN_EAUTH)
			rc = domain_msg_error(KN_ENOTFOUND, "user", "PEGAWAI_TIDAK_TERDAFTAR", "nomor", ident, NULL);
		goto out;
	}
	if (!rj->u.active) {
		rc = domain_msg_error(KN_ESTATE, "user", "ATUR_ULANG_AKUN_NONAKTIF", "nama", rj->u.name, NULL);
		goto out;
	}
	if (memcmp(rj->pk, req->sess->key->pk, 32) == 0) {
		rc = domain_msg_error(KN_EINVAL, "user", "ATUR_ULANG_AKUN_SENDIRI", NULL);
		goto out;
	}
	meta_name(name, "recovery", rj->pk);
	rc = store_meta_get(&rj->recovery, srv->st, name);
	if (rc == KN_ENOTFOUND) {
		rc = domain_msg_error(KN_ESTATE, "user", "ATUR_ULANG_TANPA_SALINAN", "nama", rj->u.name, NULL);
		goto out;
	}
	if (rc)
		goto out;
	if ((rc = store_key_get(&rj->sealed_before, srv->st, rj->pk))) {
		if (rc == KN_ENOTFOUND)
			rc = domain_msg_error(KN_ESTATE, "user", "ATUR_ULANG_TANPA_KUNCI", "nama", rj->u.name, NULL);
		goto out;
	}
	if ((rc = keys_passphrase_generate(&rj->onetime)))
		goto out;
	snprintf(rj->ident, sizeof(rj->ident), "%s", ident);
	memcpy(rj->token, req->sess->token, 32);
	rj->device = srv->device;
	rj->cost = srv->cost;
	rj->j.run = reset_run;
	rj->j.done = reset_done;
	rj->j.req = *req;
	rc = kd_work_submit(srv, &rj->j);
	rj = NULL;
out:
	reset_free(rj);
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
			rc = domain_msg_error(KN_ENOTFOUND, "user", "PEGAWAI_TIDAK_TERDAFTAR", "nomor", ident, NULL);
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
