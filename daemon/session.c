/*
 * session.c - logged-in people. A session holds the person's unlocked
 * secret key (sodium_malloc'd, see keys.h) and is found by a random
 * 32-byte token the client presents as 64 hex characters. Logout, expiry
 * and shutdown free the key, which wipes it.
 */
#include <stdlib.h>
#include <string.h>

#include "../domain/messages.h"
#include "server.h"

static void session_free(kd_session *s);

/*
 * A new session for a person whose key was just unlocked; the session owns
 * key from now on. must_change starts at 0: the caller sets it for a login
 * with a one-time passphrase.
 */
int
kd_session_add(kd_session **out, kd_server *srv, keys_secret *key, const char *school, const char *role,
    const char *name)
{
	kd_session *s, **oldest = NULL;
	int n = 0;

	/* Bounded: each session locks memory for its key. The oldest login gives way. */
	for (kd_session **pp = &srv->sessions; *pp; pp = &(*pp)->next, n++)
		if (oldest == NULL || (*pp)->expires_ms < (*oldest)->expires_ms)
			oldest = pp;
	if (n >= KD_SESSIONS_MAX && oldest) {
		kd_session *o = *oldest;
		kn_info("session of %s ended: %d sessions are open (the limit)", o->name, n);
		*oldest = o->next;
		session_free(o);
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	randombytes_buf(s->token, sizeof(s->token));
	s->key = key;
	snprintf(s->school, sizeof(s->school), "%s", school);
	snprintf(s->role, sizeof(s->role), "%s", role);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->expires_ms = kn_now_ms() + (uint64_t)srv->cfg.session_ttl_min * 60000;
	s->next = srv->sessions;
	srv->sessions = s;
	*out = s;
	return 0;
}

/* Lock the key again (free wipes it) and forget the token. */
static void
session_free(kd_session *s)
{
	keys_secret_free(s->key);
	sodium_memzero(s->token, sizeof(s->token));
	free(s);
}

/* The session named by the request's "token" argument; KN_EAUTH with advice when none. */
int
kd_session_find(kd_session **out, kd_server *srv, const kd_req *req)
{
	char hex[80];
	uint8_t token[32];
	int rc = kd_arg_str(hex, sizeof(hex), req, "token", 0);

	if (rc)
		return rc;
	if (!hex[0])
		return domain_msg_error(KN_EAUTH, "token", "SESI_BELUM_MASUK", NULL);
	if (kn_unhex(token, 32, hex, strlen(hex)) != 0)
		return domain_msg_error(KN_EAUTH, "token", "SESI_TOKEN_RUSAK", NULL);
	return kd_session_by_token(out, srv, token);
}

/* The live session with this token (compared in constant time); KN_EAUTH when none. */
int
kd_session_by_token(kd_session **out, kd_server *srv, const uint8_t token[32])
{
	uint64_t now = kn_now_ms();

	for (kd_session *s = srv->sessions; s; s = s->next) {
		if (sodium_memcmp(s->token, token, 32) != 0)
			continue;
		if (s->expires_ms <= now)
			break;
		*out = s;
		return 0;
	}
	return domain_msg_error(KN_EAUTH, "token", "SESI_BERAKHIR", NULL);
}

/* End the session with this token; KN_ENOTFOUND when there is none. */
int
kd_session_remove(kd_server *srv, const uint8_t token[32])
{
	for (kd_session **pp = &srv->sessions; *pp; pp = &(*pp)->next) {
		if (sodium_memcmp((*pp)->token, token, 32) == 0) {
			kd_session *s = *pp;
			*pp = s->next;
			session_free(s);
			return 0;
		}
	}
	return KN_ENOTFOUND;
}

/*
 * End the sessions of one person, but the one presenting keep: after a
 * passphrase change (someone who knew the old one is logged out) and after
 * a reset (all of them: the account is being taken back).
 */
int
kd_session_end_person(kd_server *srv, const uint8_t pk[32], const uint8_t *keep)
{
	int n = 0;

	for (kd_session **pp = &srv->sessions; *pp;) {
		kd_session *s = *pp;
		if (memcmp(s->key->pk, pk, 32) == 0 && (keep == NULL || sodium_memcmp(s->token, keep, 32) != 0)) {
			*pp = s->next;
			session_free(s);
			n++;
		} else {
			pp = &s->next;
		}
	}
	return n;
}

/* Timer: end the sessions whose time is up. */
void
kd_session_sweep(kd_server *srv)
{
	uint64_t now = kn_now_ms();

	for (kd_session **pp = &srv->sessions; *pp;) {
		kd_session *s = *pp;
		if (s->expires_ms <= now) {
			kn_info("session of %s expired", s->name);
			*pp = s->next;
			session_free(s);
		} else {
			pp = &s->next;
		}
	}
}

/*
 * Shutdown: end every session. The login throttle's table goes too, here
 * because this is the server's one call into the sessions' side at
 * shutdown; its state is in the store already.
 */
void
kd_session_free_all(kd_server *srv)
{
	while (srv->sessions) {
		kd_session *s = srv->sessions;
		srv->sessions = s->next;
		session_free(s);
	}
	kd_login_free_all(srv);
}
