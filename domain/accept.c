/*
 * accept.c - whether a signed record may join the set, and whether an act
 * in the set takes effect (see domain.h, "Acceptance").
 *
 * A record names what it depends on: its parents (the versions of its
 * document it replaces) and its auth records (what gives its author the
 * right to act, e.g. the author's enrollment as it stood). The acceptance
 * rule judges the record against exactly those, never against the
 * author's current state, so the same set of records is accepted in any
 * arrival order. A later change of the author's rights (a revocation that
 * raced the act) is settled by domain_act_effective() in the fold, which
 * sees the whole set and so decides the same way everywhere.
 */
#include <stdio.h>
#include <string.h>

#include "../util/mpmap.h"
#include "catalog.h"
#include "domain.h"

#define DAY_MS (24ull * 3600 * 1000)

static int
rec_is(const domain_rec *r, const char *type)
{
	size_t n = strlen(type);
	return r->type_len == n && memcmp(r->type, type, n) == 0;
}

static int
same_doc(const domain_rec *a, const domain_rec *b)
{
	return a->type_len == b->type_len && memcmp(a->type, b->type, a->type_len) == 0 &&
	    memcmp(a->school, b->school, 8) == 0 && a->subject_len == b->subject_len &&
	    memcmp(a->subject, b->subject, a->subject_len) == 0;
}

/* Is subject (len n) the canonical lower-case hex of pk? */
static int
subject_is_key(const char *subject, size_t n, const uint8_t pk[32])
{
	char hex[65];

	if (n < 64)
		return 0;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", pk[i]);
	return memcmp(subject, hex, 64) == 0;
}

/* The key a "user" or "evidence" subject starts with (canonical lower-case hex). */
int
domain_subject_key(uint8_t out[32], const char *subject, size_t n)
{
	if (n < 64)
		return kn_error_set(KN_EBADREC, "subject", "the subject must start with a person's key in lower-case hex");
	for (int i = 0; i < 32; i++) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			char c = subject[2 * i + j];
			if (c >= '0' && c <= '9')
				v = v * 16 + (c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (c - 'a' + 10);
			else
				return kn_error_set(KN_EBADREC, "subject", "the subject must start with a person's key in lower-case hex");
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/*
 * The enrollment an auth record gives: it must be a "user" record of the
 * same school about the author. KN_EDENIED otherwise.
 */
static int
auth_enrollment(domain_user *out, const domain_rec *auth, const domain_rec *r)
{
	if (!rec_is(auth, "user") || memcmp(auth->school, r->school, 8) != 0 ||
	    !subject_is_key(auth->subject, auth->subject_len, r->author) || auth->subject_len != 64)
		return kn_error_set(KN_EDENIED, "auth", "the record's auth must be its author's enrollment in school %.8s", r->school);
	if (auth->hlc >= r->hlc)
		return kn_error_set(KN_EDENIED, "auth", "the author's enrollment that the record names is not older than the record");
	return domain_user_parse(out, auth->body);
}

/* Does enrollment u give the right to make a record of r's type? */
static int
right_of(const domain_user *u, const domain_rec *r, const uint8_t subject_pk[32])
{
	if (rec_is(r, "evidence"))
		return domain_evidence_may_write(u, r->author, subject_pk);
	if (rec_is(r, "school"))
		return domain_school_may_edit(u);
	if (rec_is(r, "catalog"))
		return domain_may_administer(u);
	if (rec_is(r, "user")) {
		domain_user nu;
		int rc = domain_user_parse(&nu, r->body);
		if (rc)
			return rc;
		if (u == NULL || !u->active || strcmp(u->role, "operator") != 0)
			return kn_error_set(KN_EDENIED, "session", "only an active Operator Sekolah of this school may add or change people");
		if (memcmp(r->author, subject_pk, 32) == 0 && (!nu.active || strcmp(nu.role, "operator") != 0))
			return kn_error_set(KN_EDENIED, "user", "an operator may not deactivate or demote their own account; ask another operator");
		return 0;
	}
	return kn_error_set(KN_EBADREC, "type", "record type '%.*s' is not known to this version of Kinerja", (int)r->type_len,
	    r->type);
}

/* The operator's first enrollment of themselves, named by the school record. */
static int
is_founding(const domain_rec *r, const domain_rec *auth, size_t nauth)
{
	domain_school sc;

	if (!rec_is(r, "user") || nauth != 1 || !rec_is(&auth[0], "school") || memcmp(auth[0].school, r->school, 8) != 0 ||
	    auth[0].subject_len != 8 || memcmp(auth[0].subject, r->school, 8) != 0)
		return 0;
	if (domain_school_parse(&sc, auth[0].body) != 0 || memcmp(sc.operator_pk, r->author, 32) != 0)
		return 0;
	return subject_is_key(r->subject, r->subject_len, r->author) && r->subject_len == 64;
}

/*
 * A catalog version (type "catalog"): the record carries a catalog file's
 * exact bytes in body {"json": bin}; its subject is their version (the
 * BLAKE2b-256 of those bytes, catalog.h), so any machine can check that
 * the bytes are the version they claim to be; they parse as a catalog; and
 * it replaces nothing, because a published version never changes (a
 * correction is a new version). Who may add one (an active Operator
 * Sekolah) is right_of's, like every other right.
 */
static int
catalog_check(const domain_rec *r, size_t nparents)
{
	char version[DOMAIN_CATALOG_VERSION_HEX + 1];
	const msgpack_object *json;
	domain_catalog *c = NULL;
	int rc;

	if (nparents != 0)
		return kn_error_set(KN_EBADREC, "parents",
		    "a catalog version never changes, so its record replaces nothing; a correction is a new version");
	json = kn_map_get(r->body, "json");
	if (r->body->type != MSGPACK_OBJECT_MAP || r->body->via.map.size != 1 || json == NULL ||
	    json->type != MSGPACK_OBJECT_BIN)
		return kn_error_set(KN_EBADREC, "json", "a catalog record's body is {\"json\": the catalog file's exact bytes}");
	if ((rc = domain_catalog_version(version, (const uint8_t *)json->via.bin.ptr, json->via.bin.size)))
		return rc;
	if (r->subject_len != DOMAIN_CATALOG_VERSION_HEX || memcmp(r->subject, version, DOMAIN_CATALOG_VERSION_HEX) != 0)
		return kn_error_set(KN_EBADREC, "subject",
		    "a catalog record's subject must be its version, the BLAKE2b-256 of its bytes (%s): the bytes were altered "
		    "or the subject is wrong", version);
	if ((rc = domain_catalog_parse(&c, (const uint8_t *)json->via.bin.ptr, json->via.bin.size)))
		return rc;
	domain_catalog_free(c);
	return 0;
}

int
domain_record_accept(const domain_ctx *ctx, const domain_rec *r, const domain_rec *parents, size_t nparents,
    const domain_rec *auth, size_t nauth)
{
	uint8_t subject_pk[32];
	int rc;

	if ((r->hlc >> 16) > ctx->now_ms + DAY_MS)
		return kn_error_set(KN_EBADREC, "hlc", "the record is dated more than a day in the future: check the clock of the machine that made it");
	if (ctx->school[0] && memcmp(ctx->school, r->school, 8) != 0)
		return kn_error_set(KN_EDENIED, "npsn", "this store belongs to school %s, not %.8s", ctx->school, r->school);
	/* lineage: a record replaces earlier versions of its own document */
	for (size_t i = 0; i < nparents; i++) {
		if (!same_doc(&parents[i], r))
			return kn_error_set(KN_ESTATE, "parents", "a record may replace only earlier versions of its own document");
		if (parents[i].hlc >= r->hlc)
			return kn_error_set(KN_ESTATE, "parents", "a record may replace only records older than itself");
	}

	if (rec_is(r, "school")) {
		domain_school sc;
		if ((rc = domain_school_parse(&sc, r->body)))
			return rc;
		if (r->subject_len != 8 || memcmp(r->subject, r->school, 8) != 0)
			return kn_error_set(KN_EBADREC, "subject", "a school record's subject must be its NPSN");
		if (nparents == 0) {
			if (memcmp(r->author, sc.operator_pk, 32) != 0)
				return kn_error_set(KN_EDENIED, "operator", "a new school record must be signed by the operator it names");
			if (nauth != 0)
				return kn_error_set(KN_EDENIED, "auth", "a new school record stands on its own: it names no auth record");
			return 0;
		}
		memset(subject_pk, 0, sizeof(subject_pk));
	} else if (rec_is(r, "user")) {
		domain_user u;
		if (r->subject_len != 64 || (rc = domain_subject_key(subject_pk, r->subject, r->subject_len)))
			return kn_error_set(KN_EBADREC, "subject", "a user record's subject must be the person's public key in lower-case hex");
		if ((rc = domain_user_parse(&u, r->body)))
			return rc;
		if (is_founding(r, auth, nauth)) {
			if (strcmp(u.role, "operator") != 0 || !u.active)
				return kn_error_set(KN_EDENIED, "role", "the operator named by the school record enrolls itself as an active operator");
			return 0;
		}
	} else if (rec_is(r, "evidence")) {
		domain_evidence e;
		if (r->subject_len != 64 + 1 + 6 || r->subject[64] != '.' ||
		    domain_subject_key(subject_pk, r->subject, r->subject_len) != 0)
			return kn_error_set(KN_EBADREC, "subject", "an evidence record's subject is <person key in lower-case hex>.<period>");
		if ((rc = domain_evidence_parse(&e, r->body)))
			return rc;
		if (memcmp(e.period, r->subject + 65, 6) != 0)
			return kn_error_set(KN_EBADREC, "period", "the record's period differs from its subject's");
	} else if (rec_is(r, "catalog")) {
		if ((rc = catalog_check(r, nparents)))
			return rc;
		memset(subject_pk, 0, sizeof(subject_pk));
	} else {
		return kn_error_set(KN_EBADREC, "type", "record type '%.*s' is not known to this version of Kinerja",
		    (int)r->type_len, r->type);
	}

	/* Everything else acts by the right its author's enrollment (named in auth) gave. */
	if (nauth != 1)
		return kn_error_set(KN_EDENIED, "auth", "the record must name exactly one auth record: its author's enrollment");
	domain_user au;
	if ((rc = auth_enrollment(&au, &auth[0], r)))
		return rc;
	return right_of(&au, r, subject_pk);
}

int
domain_act_effective(const domain_rec *act, const domain_rec *auth, size_t nauth, const domain_rec *author_versions,
    size_t n)
{
	const domain_rec *at = NULL;
	uint8_t subject_pk[32];

	/* a new school, and the operator's founding enrollment, rest on the school record alone */
	if (rec_is(act, "school") && act->nparents == 0)
		return 1;
	if (is_founding(act, auth, nauth))
		return 1;
	/* the author's enrollment as it stood just before the act */
	for (size_t i = 0; i < n; i++)
		if (author_versions[i].hlc < act->hlc && (at == NULL || author_versions[i].hlc > at->hlc ||
		    (author_versions[i].hlc == at->hlc && memcmp(author_versions[i].id, at->id, 32) > 0)))
			at = &author_versions[i];
	if (at == NULL)
		return 0;
	domain_user u;
	if (domain_user_parse(&u, at->body) != 0)
		return 0;
	memset(subject_pk, 0, sizeof(subject_pk));
	if (!rec_is(act, "school") && domain_subject_key(subject_pk, act->subject, act->subject_len) != 0)
		return 0;
	int rc = right_of(&u, act, subject_pk);
	kn_error_clear();
	return rc == 0;
}
