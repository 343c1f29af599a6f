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
#include <stdlib.h>
#include <string.h>

#include "../util/mpmap.h"
#include "catalog.h"
#include "domain.h"
#include "identity.h"
#include "messages.h"
#include "skp.h"

#define DAY_MS (24ull * 3600 * 1000)

/* Parameters for messages: a record's NPSN (8 bytes, not terminated), its type, a version's first 12 digits. */
static const char *
domain__npsn(const char *school)
{
	static _Thread_local char b[9];

	memcpy(b, school, 8);
	b[8] = '\0';
	return b;
}

static const char *
domain__type(const domain_rec *r)
{
	static _Thread_local char b[33];

	snprintf(b, sizeof(b), "%.*s", (int)(r->type_len < 32 ? r->type_len : 32), r->type);
	return b;
}

static const char *
domain__short(const char *version)
{
	static _Thread_local char b[13];

	snprintf(b, sizeof(b), "%.12s", version);
	return b;
}

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

	/* every record's rules ask this, some several times: no snprintf per byte */
	return n >= 64 && memcmp(subject, kn_hex(hex, pk, 32), 64) == 0;
}

/* The key a "user" or "evidence" subject starts with (canonical lower-case hex). */
int
domain_subject_key(uint8_t out[32], const char *subject, size_t n)
{
	if (n < 64)
		return domain_msg_error(KN_EBADREC, "subject", "TERIMA_SUBJEK_KUNCI", NULL);
	for (int i = 0; i < 32; i++) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			char c = subject[2 * i + j];
			if (c >= '0' && c <= '9')
				v = v * 16 + (c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (c - 'a' + 10);
			else
				return domain_msg_error(KN_EBADREC, "subject", "TERIMA_SUBJEK_KUNCI", NULL);
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
		return domain_msg_error(KN_EDENIED, "auth", "TERIMA_AUTH_KEANGGOTAAN", "npsn", domain__npsn(r->school), NULL);
	if (auth->hlc >= r->hlc)
		return domain_msg_error(KN_EDENIED, "auth", "TERIMA_KEANGGOTAAN_TIDAK_LEBIH_LAMA", NULL);
	return domain_user_parse(out, auth->body);
}

/*
 * The right an enrollment gives on SKPs: the owner (an active Guru or
 * Kepala Sekolah) on their own, an active Kepala Sekolah on others' as
 * their atasan. Whether he is this SKP's atasan, on the act's day, is the
 * acceptance rule's (domain_skp_decide); this is the part that a later
 * change of the enrollment can revoke (domain_act_effective).
 */
static int
skp_right(const domain_user *u, const uint8_t author[32], const uint8_t owner[32])
{
	if (u == NULL || !u->active)
		return domain_msg_error(KN_EDENIED, "session", "TERIMA_SKP_HANYA_GURU_KS", NULL);
	if (memcmp(author, owner, 32) == 0) {
		if (strcmp(u->role, "guru") != 0 && strcmp(u->role, "kepala_sekolah") != 0)
			return domain_msg_error(KN_EDENIED, "session", "TERIMA_PERAN_TANPA_SKP", "peran", domain_role_label(u->role), NULL);
		return 0;
	}
	if (strcmp(u->role, "kepala_sekolah") != 0)
		return domain_msg_error(KN_EDENIED, "atasan", "TERIMA_SKP_PEMILIK_ATAU_ATASAN", NULL);
	return 0;
}

/* Does enrollment u give the right to make a record of r's type? */
static int
right_of(const domain_user *u, const domain_rec *r, const uint8_t subject_pk[32])
{
	if (rec_is(r, "evidence"))
		return domain_evidence_may_write(u, r->author, subject_pk);
	if (rec_is(r, "skp"))
		return skp_right(u, r->author, subject_pk);
	if (rec_is(r, "identity"))
		return domain_identity_may_write(u, r->author, subject_pk);
	if (rec_is(r, "period")) {
		if (u == NULL || !u->active || strcmp(u->role, "kepala_sekolah") != 0)
			return domain_msg_error(KN_EDENIED, "session", "TERIMA_PERIODE_HANYA_KS", NULL);
		return 0;
	}
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
			return domain_msg_error(KN_EDENIED, "session", "TERIMA_ORANG_HANYA_OPERATOR", NULL);
		if (memcmp(r->author, subject_pk, 32) == 0 && (!nu.active || strcmp(nu.role, "operator") != 0))
			return domain_msg_error(KN_EDENIED, "user", "TERIMA_OPERATOR_AKUN_SENDIRI", NULL);
		return 0;
	}
	return domain_msg_error(KN_EBADREC, "type", "TERIMA_JENIS_TIDAK_DIKENAL", "jenis", domain__type(r), NULL);
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

/* Is r's auth record a the author's enrollment (a "user" record about the author)? */
static int
names_author(const domain_rec *a, const domain_rec *r)
{
	return rec_is(a, "user") && a->subject_len == 64 && subject_is_key(a->subject, a->subject_len, r->author);
}

/*
 * The catalog an auth record holds: a "catalog" record of r's school,
 * older than r, holding bytes of exactly that version (the version is the
 * hash of the bytes, so the bytes decide, not the record's subject). *out
 * is the parsed catalog (the caller frees it).
 */
static int
auth_catalog(domain_catalog **out, const domain_ctx *ctx, const domain_rec *a, const domain_rec *r, const char *version)
{
	const msgpack_object *json;
	int rc;

	*out = NULL;
	if (!rec_is(a, "catalog") || memcmp(a->school, r->school, 8) != 0)
		return domain_msg_error(KN_EDENIED, "auth", "TERIMA_KATALOG_AUTH", "versi", domain__short(version), NULL);
	if (a->hlc >= r->hlc)
		return domain_msg_error(KN_EDENIED, "auth", "TERIMA_KATALOG_TIDAK_LEBIH_LAMA", NULL);
	json = kn_map_get(a->body, "json");
	if (json == NULL || json->type != MSGPACK_OBJECT_BIN)
		return domain_msg_error(KN_EBADREC, "auth", "TERIMA_KATALOG_KOSONG", NULL);
	/* the caller may hand a parsed copy from a cache: the same answer as parsing, without the 1 ms */
	rc = ctx && ctx->catalog_parse ?
	    ctx->catalog_parse(out, (const uint8_t *)json->via.bin.ptr, json->via.bin.size, ctx->catalog_arg) :
	    domain_catalog_parse(out, (const uint8_t *)json->via.bin.ptr, json->via.bin.size);
	if (rc)
		return rc;
	if (strcmp((*out)->version, version) != 0) {
		domain_catalog_free(*out);
		*out = NULL;
		return domain_msg_error(KN_EDENIED, "auth", "TERIMA_KATALOG_BUKAN_VERSI", "versi", domain__short(version), NULL);
	}
	return 0;
}

/*
 * A "period" record: the school's active Kepala Sekolah opens a period
 * that is not over yet, on a catalog the store holds (skp.h). auth = [his
 * enrollment, the catalog record].
 */
static int
accept_period(const domain_ctx *ctx, const domain_rec *r, const domain_rec *auth, size_t nauth)
{
	const domain_rec *enr = NULL, *cat = NULL;
	domain_period_body pb;
	domain_catalog *c = NULL;
	domain_assignment post;
	domain_period per;
	domain_problem why;
	domain_user au;
	char period[8], school[9];
	int year, semester, rc;
	size_t extra = 0;
	int64_t day = domain_day_of_ms(r->hlc >> 16);

	if (r->subject_len != 6)
		return domain_msg_error(KN_EBADREC, "subject", "TERIMA_PERIODE_SUBJEK", NULL);
	memcpy(period, r->subject, 6);
	period[6] = '\0';
	memcpy(school, r->school, 8);
	school[8] = '\0';
	if (domain_period_parse(&year, &semester, period) != 0)
		return domain_msg_error(KN_EBADREC, "subject", "TERIMA_PERIODE_SUBJEK", NULL);
	if ((rc = domain_period_body_parse(&pb, r->body)))
		return rc;
	if (nauth == 2 && rec_is(&auth[0], "school")) {
		/* R10: the Dinas opens the period for the school, as its authority */
		uint8_t authority[32];
		if ((rc = domain_authority_of(authority, &auth[0], r)))
			return rc;
		if (memcmp(authority, r->author, 32) != 0)
			return kn_error_set(KN_EDENIED, "author", "%s", domain_msg_text("DINAS_BUKAN_OTORITAS"));
		if (!rec_is(&auth[1], "catalog"))
			return domain_msg_error(KN_EDENIED, "auth", "TERIMA_PERIODE_DINAS_AUTH", NULL);
		cat = &auth[1];
		memset(&post, 0, sizeof(post));
		memcpy(post.person, r->author, 32);
		snprintf(post.school, sizeof(post.school), "%s", school);
		post.role = DOMAIN_ROLE_KEPALA_DINAS;
		post.start_day = 0;
		post.end_day = DOMAIN_DAY_OPEN;
	} else {
		for (size_t i = 0; i < nauth; i++) {
			if (names_author(&auth[i], r) && enr == NULL)
				enr = &auth[i];
			else if (rec_is(&auth[i], "catalog") && cat == NULL)
				cat = &auth[i];
			else
				extra++;
		}
		if (enr == NULL || cat == NULL || extra)
			return domain_msg_error(KN_EDENIED, "auth", "TERIMA_PERIODE_AUTH_SATU", NULL);
		if ((rc = auth_enrollment(&au, enr, r)))
			return rc;
		/* the Kepala Sekolah's post, from his enrollment, opens the period on the day of the record (R10) */
		if (!domain_enrollment_post(&post, &au, r->author, school, domain_day_of_ms(enr->hlc >> 16)))
			return domain_msg_error(KN_EDENIED, "session", "TERIMA_PERIODE_HANYA_KS", NULL);
	}
	if ((rc = domain_period_may_open(&why, r->author, school, day, &post, 1)))
		return rc;
	if ((rc = auth_catalog(&c, ctx, cat, r, pb.catalog)))
		return rc;
	rc = domain_period_get(&per, c, period);
	if (rc == 0 && per.evaluation_due.hard && day > per.evaluation_due.day) {
		char date[40], msg[DOMAIN_MSG_MAX];
		const char *params[] = { "periode", period, "tanggal", date, NULL };
		domain_day_format(date, sizeof(date), per.evaluation_due.day);
		domain_msg_render(msg, sizeof(msg), "PERIODE_DITUTUP", params);
		rc = kn_error_set(KN_ESTATE, "period", "%s", msg);
	}
	domain_catalog_free(c);
	return rc;
}

/* Which field of two differing skp bodies differs first, for the refusal. */
static const char *
skp_body_diff(const domain_skp_body *want, const domain_skp_body *got)
{
	if (want->state != got->state)
		return "state";
	if (want->late != got->late || strcmp(want->late_deadline, got->late_deadline) != 0 ||
	    strcmp(want->late_by, got->late_by) != 0)
		return "late";
	if (want->has_note != got->has_note || strcmp(want->note, got->note) != 0)
		return "note";
	if (want->has_adjustments != got->has_adjustments || want->nadjustments != got->nadjustments)
		return "adjustments";
	return "body";
}

/*
 * An "skp" record (skp.h): one act on a person's SKP, judged against
 * exactly its parent, the enrollments, the period and the catalog it
 * names, at the record's own time. The body must be what the act leads to
 * (domain_skp_decide): the state, the adjustments, the late flag.
 */
static int
accept_skp(const domain_ctx *ctx, const domain_rec *r, const domain_rec *parents, size_t nparents, const domain_rec *auth,
    size_t nauth)
{
	const domain_rec *enr = NULL, *owner_enr = NULL, *per = NULL, *cat = NULL, *post = NULL, *owner_post = NULL;
	domain_assignment_body pb_actor, pb_owner;
	domain_assignment posts[DOMAIN_SKP_POSTS_MAX];
	size_t nposts = 0;
	domain_skp_body *b = NULL, *prev = NULL;
	domain_skp_outcome *o = NULL;
	domain_catalog *c = NULL;
	domain_period_body pb;
	domain_user au, ou;
	kn_buf want = KN_BUF_INIT, got = KN_BUF_INIT;
	uint8_t owner[32];
	char period[8], school[9];
	size_t extra = 0;
	int self, rc;

	if ((rc = domain_skp_subject_parse(owner, period, r->subject, r->subject_len)))
		return rc;
	memcpy(school, r->school, 8);
	school[8] = '\0';
	self = memcmp(owner, r->author, 32) == 0;
	if (nparents > 1)
		return domain_msg_error(KN_ESTATE, "parents", "TERIMA_SKP_SATU_INDUK", NULL);
	b = calloc(1, sizeof(*b));
	prev = calloc(1, sizeof(*prev));
	o = calloc(1, sizeof(*o));
	if (b == NULL || prev == NULL || o == NULL) {
		rc = domain_msg_error(KN_ENOMEM, "", "TERIMA_SKP_MEMORI", NULL);
		goto out_free;
	}
	if ((rc = domain_skp_body_parse(b, r->body)) || (nparents == 1 && (rc = domain_skp_body_parse(prev, parents[0].body))))
		goto out_free;

	/* what it stands on: the author's enrollment, the owner's (for the atasan), the period, the catalog */
	for (size_t i = 0; i < nauth; i++) {
		const domain_rec *a = &auth[i];
		if (names_author(a, r) && enr == NULL)
			enr = a;
		else if (!self && rec_is(a, "user") && a->subject_len == 64 && subject_is_key(a->subject, 64, owner) &&
		    owner_enr == NULL)
			owner_enr = a;
		else if (rec_is(a, "assignment") && !self && post == NULL && enr == NULL &&
		    domain_assignment_of(&pb_actor, a, school) == 0 && memcmp(pb_actor.a.person, r->author, 32) == 0)
			post = a;
		else if (rec_is(a, "assignment") && owner_post == NULL && domain_assignment_of(&pb_owner, a, school) == 0 &&
		    memcmp(pb_owner.a.person, owner, 32) == 0 && pb_owner.a.role == DOMAIN_ROLE_PLT_KEPALA_SEKOLAH)
			owner_post = a;
		else if (rec_is(a, "period") && per == NULL)
			per = a;
		else if (rec_is(a, "catalog") && cat == NULL)
			cat = a;
		else
			extra++;
	}
	kn_error_clear();
	if ((enr == NULL) == (post == NULL) || per == NULL || cat == NULL || (!self && owner_enr == NULL) || extra) {
		rc = domain_msg_error(KN_EDENIED, "auth", "TERIMA_SKP_AUTH_SATU", NULL);
		goto out_free;
	}
	if (enr) {
		if ((rc = auth_enrollment(&au, enr, r)) || (rc = right_of(&au, r, owner)))
			goto out_free;
	} else {
		/* the actor's post is the Dinas's assignment; whether it makes him this SKP's atasan today is decide's */
		if (post->hlc >= r->hlc) {
			rc = domain_msg_error(KN_EDENIED, "auth", "TERIMA_PENUGASAN_TIDAK_LEBIH_LAMA", NULL);
			goto out_free;
		}
		posts[nposts++] = pb_actor.a;
	}
	if (owner_post) {
		if (owner_post->hlc >= r->hlc) {
			rc = domain_msg_error(KN_EDENIED, "auth", "TERIMA_PENUGASAN_TIDAK_LEBIH_LAMA", NULL);
			goto out_free;
		}
		posts[nposts++] = pb_owner.a;
	}
	if (owner_enr) {
		if (memcmp(owner_enr->school, r->school, 8) != 0 || owner_enr->hlc >= r->hlc) {
			rc = domain_msg_error(KN_EDENIED, "auth", "TERIMA_KEANGGOTAAN_PEMILIK", NULL);
			goto out_free;
		}
		if ((rc = domain_user_parse(&ou, owner_enr->body)))
			goto out_free;
	} else if (enr) {
		ou = au;
	} else {
		rc = domain_msg_error(KN_EDENIED, "auth", "TERIMA_PEMILIK_KEANGGOTAAN_SENDIRI", NULL);
		goto out_free;
	}
	if (memcmp(per->school, r->school, 8) != 0 || per->subject_len != 6 || memcmp(per->subject, period, 6) != 0 ||
	    per->hlc >= r->hlc) {
		rc = domain_msg_error(KN_EDENIED, "auth", "TERIMA_PERIODE_AUTH", "periode", period, NULL);
		goto out_free;
	}
	if ((rc = domain_period_body_parse(&pb, per->body)) || (rc = auth_catalog(&c, ctx, cat, r, pb.catalog)))
		goto out_free;

	/* decide the act as its maker did, and hold the body to it */
	{
		domain_skp_input in = { b->action, r->author, enr ? &au : NULL, enr ? enr->hlc >> 16 : 0, owner, &ou, school,
			r->hlc >> 16, nparents == 1 ? prev : NULL, &b->plan, b->has_note ? b->note : NULL, c, period, &pb,
			per->author, per->hlc >> 16, posts, nposts };
		if ((rc = domain_skp_decide(o, &in)))
			goto out_free;
	}
	if ((rc = domain_skp_body_pack(&want, &o->body)) || (rc = domain_skp_body_pack(&got, b)))
		goto out_free;
	if (want.len != got.len || memcmp(want.ptr, got.ptr, want.len) != 0) {
		const char *field = skp_body_diff(&o->body, b);
		rc = domain_msg_error(KN_EBADREC, field, "TERIMA_SKP_ISI_TIDAK_SESUAI", "kolom", field, "aksi",
		    domain_skp_action_name(b->action), "dari", domain_skp_state_name(o->event.from), NULL);
	}
out_free:
	kn_buf_free(&want);
	kn_buf_free(&got);
	domain_catalog_free(c);
	free(b);
	free(prev);
	free(o);
	return rc;
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
		return domain_msg_error(KN_EBADREC, "parents", "TERIMA_KATALOG_TANPA_INDUK", NULL);
	json = kn_map_get(r->body, "json");
	if (r->body->type != MSGPACK_OBJECT_MAP || r->body->via.map.size != 1 || json == NULL ||
	    json->type != MSGPACK_OBJECT_BIN)
		return domain_msg_error(KN_EBADREC, "json", "TERIMA_KATALOG_ISI", NULL);
	if ((rc = domain_catalog_version(version, (const uint8_t *)json->via.bin.ptr, json->via.bin.size)))
		return rc;
	if (r->subject_len != DOMAIN_CATALOG_VERSION_HEX || memcmp(r->subject, version, DOMAIN_CATALOG_VERSION_HEX) != 0)
		return domain_msg_error(KN_EBADREC, "subject", "TERIMA_KATALOG_SUBJEK", "versi", version, NULL);
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
		return domain_msg_error(KN_EBADREC, "hlc", "TERIMA_WAKTU_MASA_DEPAN", NULL);
	if (ctx->school[0] && memcmp(ctx->school, r->school, 8) != 0)
		return domain_msg_error(KN_EDENIED, "npsn", "TERIMA_SEKOLAH_LAIN", "npsn", ctx->school, "milik", domain__npsn(r->school), NULL);
	/* lineage: a record replaces earlier versions of its own document */
	for (size_t i = 0; i < nparents; i++) {
		if (!same_doc(&parents[i], r))
			return domain_msg_error(KN_ESTATE, "parents", "TERIMA_INDUK_DOKUMEN_SAMA", NULL);
		if (parents[i].hlc >= r->hlc)
			return domain_msg_error(KN_ESTATE, "parents", "TERIMA_INDUK_LEBIH_LAMA", NULL);
	}

	if (rec_is(r, "school")) {
		domain_school sc;
		if ((rc = domain_school_parse(&sc, r->body)))
			return rc;
		if (r->subject_len != 8 || memcmp(r->subject, r->school, 8) != 0)
			return domain_msg_error(KN_EBADREC, "subject", "TERIMA_SEKOLAH_SUBJEK", NULL);
		if (nparents == 0) {
			if (memcmp(r->author, sc.operator_pk, 32) != 0)
				return domain_msg_error(KN_EDENIED, "operator", "TERIMA_SEKOLAH_TANDA_TANGAN_OPERATOR", NULL);
			if (nauth != 0)
				return domain_msg_error(KN_EDENIED, "auth", "TERIMA_SEKOLAH_TANPA_AUTH", NULL);
			return 0;
		}
		memset(subject_pk, 0, sizeof(subject_pk));
	} else if (rec_is(r, "user")) {
		domain_user u;
		if (r->subject_len != 64 || (rc = domain_subject_key(subject_pk, r->subject, r->subject_len)))
			return domain_msg_error(KN_EBADREC, "subject", "TERIMA_USER_SUBJEK", NULL);
		if ((rc = domain_user_parse(&u, r->body)))
			return rc;
		if (is_founding(r, auth, nauth)) {
			if (strcmp(u.role, "operator") != 0 || !u.active)
				return domain_msg_error(KN_EDENIED, "role", "TERIMA_OPERATOR_PENDIRI", NULL);
			return 0;
		}
	} else if (rec_is(r, "evidence")) {
		domain_evidence e;
		if (r->subject_len != 64 + 1 + 6 || r->subject[64] != '.' ||
		    domain_subject_key(subject_pk, r->subject, r->subject_len) != 0)
			return domain_msg_error(KN_EBADREC, "subject", "TERIMA_BUKTI_SUBJEK", NULL);
		if ((rc = domain_evidence_parse(&e, r->body)))
			return rc;
		if (memcmp(e.period, r->subject + 65, 6) != 0)
			return domain_msg_error(KN_EBADREC, "period", "TERIMA_PERIODE_BEDA_SUBJEK", NULL);
	} else if (rec_is(r, "catalog")) {
		if ((rc = catalog_check(r, nparents)))
			return rc;
		memset(subject_pk, 0, sizeof(subject_pk));
	} else if (rec_is(r, "period")) {
		return accept_period(ctx, r, auth, nauth);
	} else if (rec_is(r, "skp")) {
		return accept_skp(ctx, r, parents, nparents, auth, nauth);
	} else if (rec_is(r, "assignment")) {
		return domain_assignment_accept(r, auth, nauth);
	} else if (rec_is(r, "identity")) {
		return domain_identity_accept(r, parents, nparents, auth, nauth);
	} else if (rec_is(r, "registration")) {
		return domain_registration_accept(r, parents, nparents, auth, nauth);
	} else {
		return domain_msg_error(KN_EBADREC, "type", "TERIMA_JENIS_TIDAK_DIKENAL", "jenis", domain__type(r), NULL);
	}

	/*
	 * A catalog version the Dinas adds for the school (a new regulation
	 * reaching every school from its office): signed by the authority the
	 * school record names, auth = that school record.
	 */
	if (rec_is(r, "catalog") && nauth == 1 && rec_is(&auth[0], "school")) {
		uint8_t authority[32];
		if ((rc = domain_authority_of(authority, &auth[0], r)))
			return rc;
		if (memcmp(authority, r->author, 32) != 0)
			return kn_error_set(KN_EDENIED, "author", "%s", domain_msg_text("DINAS_BUKAN_OTORITAS"));
		return 0;
	}
	/* Everything else acts by the right its author's enrollment (named in auth) gave. */
	if (nauth != 1)
		return domain_msg_error(KN_EDENIED, "auth", "TERIMA_AUTH_SATU", NULL);
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
	/*
	 * The Dinas's acts rest on the school record, which no enrollment can
	 * revoke; an act on an assignment rests on its dates, checked when the
	 * act was accepted (a later version of the assignment that ends it
	 * earlier is not applied backwards).
	 */
	if (domain_is_authority_act(act, auth, nauth))
		return 1;
	for (size_t i = 0; i < nauth; i++) {
		domain_assignment_body ab;
		if (rec_is(&auth[i], "assignment") && domain_assignment_of(&ab, &auth[i], act->school) == 0 &&
		    memcmp(ab.a.person, act->author, 32) == 0) {
			kn_error_clear();
			return 1;
		}
	}
	kn_error_clear();
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
	/* people, their files and their SKPs have subjects that start with the person's key */
	if ((rec_is(act, "user") || rec_is(act, "evidence") || rec_is(act, "skp") || rec_is(act, "identity")) &&
	    domain_subject_key(subject_pk, act->subject, act->subject_len) != 0)
		return 0;
	int rc = right_of(&u, act, subject_pk);
	kn_error_clear();
	return rc == 0;
}
