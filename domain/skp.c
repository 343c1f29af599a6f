/*
 * skp.c - the planning records "period" and "skp": their bodies, the
 * decision that makes and judges an act on an SKP, the edits a request
 * applies to a plan, and whether a Bukti Dukung slot is open (see skp.h
 * for the layout and the decisions S1-S6).
 *
 * Pure: every record, catalog and time the rules need is an argument, so
 * the daemon that makes a record and the rule that accepts it (wherever
 * and in whatever order it arrives) reach the same answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/mpmap.h"
#include "skp.h"

/* ---- small helpers ---- */

/* Refusing a field and strict map keys: domain_plan_format_error and domain_plan_map_keys (plan.h). */

/* Is s 64 lower-case hex characters (a catalog version)? */
static int
skp__is_version(const char *s)
{
	return strlen(s) == DOMAIN_CATALOG_VERSION_HEX && strspn(s, "0123456789abcdef") == DOMAIN_CATALOG_VERSION_HEX;
}

/* Pack a C string as msgpack str. */
static void
skp__pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* A whole number of a map within lo..hi. */
static int
skp__int(int64_t *out, const msgpack_object *o, const char *field, int64_t lo, int64_t hi, const char *what)
{
	if (o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= (uint64_t)hi)
		*out = (int64_t)o->via.u64;
	else if (o != NULL && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && o->via.i64 >= lo)
		*out = o->via.i64;
	else
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", what);
	if (*out < lo || *out > hi)
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", what);
	return 0;
}

/*
 * A str of at most outsz - 1 bytes without NUL into out; what says what
 * the field must hold, for the message.
 */
static int
skp__str(char *out, size_t outsz, const msgpack_object *o, const char *field, const char *what)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_STR || o->via.str.size >= outsz ||
	    memchr(o->via.str.ptr, 0, o->via.str.size) != NULL)
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", what);
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return 0;
}

/* ---- "period" ---- */

/* See skp.h: {"catalog": hex64, "state": "dibuka"}, nothing else. */
int
domain_period_body_parse(domain_period_body *out, const msgpack_object *body)
{
	static const char *const names[] = { "catalog", "state", NULL };
	static const int required[] = { 1, 1 };
	char state[16];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = domain_plan_map_keys(body, "", names, required)))
		return rc;
	if (kn_map_str(out->catalog, sizeof(out->catalog), body, "catalog") != 0 || !skp__is_version(out->catalog))
		return kn_error_set(KN_EINVAL, "catalog", "%s", domain_msg_text("SKP_FORMAT_KATALOG"));
	if (kn_map_str(state, sizeof(state), body, "state") != 0 || strcmp(state, "dibuka") != 0)
		return domain_plan_format_error(KN_EINVAL, "state", "SKP_FORMAT_JENIS", "\"dibuka\"");
	return 0;
}

/* Append {"catalog", "state": "dibuka"}. */
int
domain_period_body_pack(kn_buf *out, const domain_period_body *p)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	skp__pack_str(&pk, "catalog");
	skp__pack_str(&pk, p->catalog);
	skp__pack_str(&pk, "state");
	skp__pack_str(&pk, "dibuka");
	return out->failed ? kn_error_set(KN_ENOMEM, "body", "out of memory packing the period") : 0;
}

/* The definitive principal's post an active Kepala Sekolah enrollment gives (skp.h). */
int
domain_enrollment_post(domain_assignment *out, const domain_user *u, const uint8_t pk[32], const char *school,
    int64_t since_day)
{
	if (u == NULL || !u->active || strcmp(u->role, "kepala_sekolah") != 0)
		return 0;
	memset(out, 0, sizeof(*out));
	memcpy(out->person, pk, 32);
	snprintf(out->school, sizeof(out->school), "%s", school);
	out->role = DOMAIN_ROLE_KEPALA_SEKOLAH;
	out->start_day = since_day;
	out->end_day = DOMAIN_DAY_OPEN;
	return 1;
}

/* ---- the skp body ---- */

/* One adjustment of the body: {"code", "field", "ref", "before", "after"}. */
static int
skp__adjustment(domain_skp_adjustment *out, const msgpack_object *e, size_t i)
{
	static const char *const names[] = { "code", "field", "ref", "before", "after", NULL };
	static const int required[] = { 1, 1, 1, 1, 1 };
	char path[32], field[64];
	int rc;

	snprintf(path, sizeof(path), "adjustments[%zu]", i);
	if ((rc = domain_plan_map_keys(e, path, names, required)))
		return rc;
	snprintf(field, sizeof(field), "%s.code", path);
	if ((rc = skp__str(out->code, sizeof(out->code), kn_map_get(e, "code"), field, "kode penyesuaian")))
		return rc;
	snprintf(field, sizeof(field), "%s.field", path);
	if ((rc = skp__str(out->field, sizeof(out->field), kn_map_get(e, "field"), field, "nama kolom")))
		return rc;
	snprintf(field, sizeof(field), "%s.ref", path);
	if ((rc = skp__str(out->ref, sizeof(out->ref), kn_map_get(e, "ref"), field, "pengenal dari katalog")))
		return rc;
	snprintf(field, sizeof(field), "%s.before", path);
	if ((rc = skp__int(&out->before, kn_map_get(e, "before"), field, 0, DOMAIN_PLAN_QUANTITY_MAX, "bilangan bulat")))
		return rc;
	snprintf(field, sizeof(field), "%s.after", path);
	return skp__int(&out->after, kn_map_get(e, "after"), field, 0, DOMAIN_PLAN_QUANTITY_MAX, "bilangan bulat");
}

/* See skp.h: the strict layout of an SKP version. */
int
domain_skp_body_parse(domain_skp_body *out, const msgpack_object *body)
{
	static const char *const names[] = { "action", "state", "plan", "note", "adjustments", "late", NULL };
	static const int required[] = { 1, 1, 1, 0, 0, 0 };
	static const char *const late_names[] = { "deadline", "by", NULL };
	static const int late_required[] = { 1, 1 };
	const msgpack_object *o;
	char name[24];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = domain_plan_map_keys(body, "", names, required)))
		return rc;
	if ((rc = skp__str(name, sizeof(name), kn_map_get(body, "action"), "action", "aksi SKP")) ||
	    (rc = domain_skp_action_parse(&out->action, name)))
		return rc;
	if ((rc = skp__str(name, sizeof(name), kn_map_get(body, "state"), "state", "status SKP")) ||
	    (rc = domain_skp_state_parse(&out->state, name)))
		return rc;
	if (out->state == DOMAIN_SKP_BELUM)
		return domain_plan_format_error(KN_EINVAL, "state", "SKP_FORMAT_JENIS", "status setelah tindakan (bukan belum)");
	if ((rc = domain_plan_parse(&out->plan, kn_map_get(body, "plan"))))
		return rc;
	if ((o = kn_map_get(body, "note")) != NULL) {
		if ((rc = skp__str(out->note, sizeof(out->note), o, "note", "teks")))
			return rc;
		out->has_note = 1;
	}
	if ((o = kn_map_get(body, "adjustments")) != NULL) {
		if (o->type != MSGPACK_OBJECT_ARRAY)
			return domain_plan_format_error(KN_EINVAL, "adjustments", "SKP_FORMAT_JENIS", "daftar (array)");
		if (o->via.array.size > DOMAIN_PLAN_ADJUSTMENTS_MAX)
			return domain_msg_error(KN_ETOOBIG, "adjustments", "SKP_FORMAT_PENYESUAIAN", "maks",
			    domain_msg_num(DOMAIN_PLAN_ADJUSTMENTS_MAX).s, NULL);
		for (uint32_t i = 0; i < o->via.array.size; i++)
			if ((rc = skp__adjustment(&out->adjustments[i], &o->via.array.ptr[i], i)))
				return rc;
		out->nadjustments = o->via.array.size;
		out->has_adjustments = 1;
	}
	if ((o = kn_map_get(body, "late")) != NULL) {
		if ((rc = domain_plan_map_keys(o, "late", late_names, late_required)) ||
		    (rc = skp__str(out->late_deadline, sizeof(out->late_deadline), kn_map_get(o, "deadline"), "late.deadline",
			"nama batas waktu")) ||
		    (rc = skp__str(out->late_by, sizeof(out->late_by), kn_map_get(o, "by"), "late.by", "\"rule\"")))
			return rc;
		out->late = 1;
	}
	return 0;
}

/* Append the body, keys in the order of skp.h; optional keys only when present. */
int
domain_skp_body_pack(kn_buf *out, const domain_skp_body *b)
{
	msgpack_packer pk;
	int rc;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 3 + (b->has_note != 0) + (b->has_adjustments != 0) + (b->late != 0));
	skp__pack_str(&pk, "action");
	skp__pack_str(&pk, domain_skp_action_name(b->action));
	skp__pack_str(&pk, "state");
	skp__pack_str(&pk, domain_skp_state_name(b->state));
	skp__pack_str(&pk, "plan");
	if ((rc = domain_plan_pack(out, &b->plan)))
		return rc;
	if (b->has_note) {
		skp__pack_str(&pk, "note");
		skp__pack_str(&pk, b->note);
	}
	if (b->has_adjustments) {
		skp__pack_str(&pk, "adjustments");
		msgpack_pack_array(&pk, b->nadjustments);
		for (size_t i = 0; i < b->nadjustments; i++) {
			const domain_skp_adjustment *a = &b->adjustments[i];
			msgpack_pack_map(&pk, 5);
			skp__pack_str(&pk, "code");
			skp__pack_str(&pk, a->code);
			skp__pack_str(&pk, "field");
			skp__pack_str(&pk, a->field);
			skp__pack_str(&pk, "ref");
			skp__pack_str(&pk, a->ref);
			skp__pack_str(&pk, "before");
			msgpack_pack_int64(&pk, a->before);
			skp__pack_str(&pk, "after");
			msgpack_pack_int64(&pk, a->after);
		}
	}
	if (b->late) {
		skp__pack_str(&pk, "late");
		msgpack_pack_map(&pk, 2);
		skp__pack_str(&pk, "deadline");
		skp__pack_str(&pk, b->late_deadline);
		skp__pack_str(&pk, "by");
		skp__pack_str(&pk, b->late_by);
	}
	return out->failed ? kn_error_set(KN_ENOMEM, "body", "out of memory packing the SKP") : 0;
}

/* "<owner hex>.<period>". */
void
domain_skp_subject(char *out, size_t outsz, const uint8_t owner[32], const char *period)
{
	char hex[65];

	snprintf(out, outsz, "%s.%s", kn_hex(hex, owner, 32), period);
}

/* The owner and period of "<key hex>.<YYYY-S>"; nothing else is an SKP subject (S1). */
int
domain_skp_subject_parse(uint8_t owner[32], char period[8], const char *subject, size_t n)
{
	int year, semester;

	if (n != DOMAIN_SKP_SUBJECT_LEN || subject[64] != '.' || domain_subject_key(owner, subject, n) != 0)
		return domain_msg_error(KN_EBADREC, "subject", "TERIMA_SKP_SUBJEK", NULL);
	memcpy(period, subject + 65, 6);
	period[6] = '\0';
	if (domain_period_parse(&year, &semester, period) != 0)
		return domain_msg_error(KN_EBADREC, "subject", "TERIMA_SKP_SUBJEK_PERIODE", NULL);
	return 0;
}

/* ---- one act, decided ---- */

/* Refuse an act with a message of the table; the event and the last error say the same. */
static int
skp__refuse(domain_skp_outcome *out, int rc, const char *code, const char *field, const char *const *params)
{
	out->event.code = code;
	snprintf(out->event.field, sizeof(out->event.field), "%s", field);
	domain_msg_render(out->event.message, sizeof(out->event.message), code, params);
	return kn_error_set(rc, field, "%s", out->event.message);
}

/* Refuse an act with what another rule said already (its code and rendered message). */
static int
skp__refuse_as(domain_skp_outcome *out, int rc, const char *code, const char *field, const char *message)
{
	char msg[DOMAIN_MSG_MAX];

	snprintf(msg, sizeof(msg), "%s", message);
	out->event.code = code;
	snprintf(out->event.field, sizeof(out->event.field), "%s", field);
	snprintf(out->event.message, sizeof(out->event.message), "%s", msg);
	return kn_error_set(rc, field, "%s", msg);
}

/* Two plans are the same when they pack to the same bytes. */
static int
skp__plan_same(const domain_plan *a, const domain_plan *b)
{
	kn_buf x = KN_BUF_INIT, y = KN_BUF_INIT;
	int same = domain_plan_pack(&x, a) == 0 && domain_plan_pack(&y, b) == 0 && x.len == y.len &&
	    memcmp(x.ptr, y.ptr, x.len) == 0;

	kn_buf_free(&x);
	kn_buf_free(&y);
	kn_error_clear();
	return same;
}

/* The jabatan an enrollment's SKP has (S1); -1 for a role that has none. */
static int
skp__jabatan_of(const domain_user *u)
{
	if (strcmp(u->role, "guru") == 0)
		return DOMAIN_JABATAN_GURU;
	if (strcmp(u->role, "kepala_sekolah") == 0)
		return DOMAIN_JABATAN_KEPALA_SEKOLAH;
	return -1;
}

/* The body of the record the act makes, from what the transition and the checks found. */
static void
skp__body_fill(domain_skp_outcome *out, const domain_skp_input *in)
{
	domain_skp_body *b = &out->body;

	b->action = in->action;
	b->state = out->event.to;
	b->plan = *in->plan;
	if (in->action == DOMAIN_SKP_TINJAU_ULANG || in->action == DOMAIN_SKP_BUKA_KEMBALI) {
		b->has_note = 1;
		snprintf(b->note, sizeof(b->note), "%s", out->event.note);
	}
	if (in->action == DOMAIN_SKP_SETUJUI) {
		b->has_adjustments = 1;
		b->nadjustments = out->adjustments.n;
		for (size_t i = 0; i < out->adjustments.n; i++) {
			const domain_adjustment *a = &out->adjustments.items[i];
			snprintf(b->adjustments[i].code, sizeof(b->adjustments[i].code), "%s", a->code);
			snprintf(b->adjustments[i].field, sizeof(b->adjustments[i].field), "%s", a->field);
			snprintf(b->adjustments[i].ref, sizeof(b->adjustments[i].ref), "%s", a->ref);
			b->adjustments[i].before = a->before;
			b->adjustments[i].after = a->after;
		}
	}
	if (out->timing.late) {
		b->late = 1;
		snprintf(b->late_deadline, sizeof(b->late_deadline), "%s", out->timing.deadline ? out->timing.deadline : "");
		snprintf(b->late_by, sizeof(b->late_by), "rule");
	}
}

/*
 * See skp.h. The order is the wiring plan.h gives: the period open on the
 * act's day, the plan of this period, catalog and jabatan, the atasan,
 * the deadline, the check of the plan, then the transition (which judges
 * the person before the state, P8), the atasan's adjustments and the plan
 * unchanged (S4).
 */
int
domain_skp_decide(domain_skp_outcome *out, const domain_skp_input *in)
{
	const domain_plan *p = in->plan;
	const int64_t day = domain_day_of_ms(in->at_ms);
	const int ajukan = in->action == DOMAIN_SKP_AJUKAN, setujui = in->action == DOMAIN_SKP_SETUJUI;
	char plan_v[16], cat_v[16], peran[48];
	const char *params[] = { "rencana", plan_v, "periode", in->period, "katalog", cat_v, "aksi",
		domain_skp_action_label(in->action), "peran", peran, "jabatan", NULL, "jabatan_milik", NULL, NULL };
	domain_assignment post, opener;
	domain_period_opening opening;
	domain_problem why, adj_why;
	const domain_deadline *dl = NULL;
	int rc, adj_rc = 0, has_post, jab;

	memset(out, 0, sizeof(*out));
	out->atasan_rc = KN_ENOTFOUND;
	out->event.action = in->action;
	out->event.from = out->event.to = in->prev ? in->prev->state : DOMAIN_SKP_BELUM;
	snprintf(peran, sizeof(peran), "%s", domain_role_label(in->owner_user->role));
	if ((rc = domain_period_get(&out->period, in->catalog, in->period)))
		return skp__refuse_as(out, rc, "SKP_FORMAT_PERIODE", "period", kn_error_message());

	/* the period open on the act's day (S3, S5) */
	memset(&opening, 0, sizeof(opening));
	snprintf(opening.period, sizeof(opening.period), "%s", in->period);
	snprintf(opening.school, sizeof(opening.school), "%s", in->school);
	memcpy(opening.by, in->opened_by, 32);
	opening.day = domain_day_of_ms(in->opened_ms);
	memset(&opener, 0, sizeof(opener));
	memcpy(opener.person, in->opened_by, 32);
	snprintf(opener.school, sizeof(opener.school), "%s", in->school);
	/* S3: the opening was accepted, so its author could open it (a Kepala Sekolah or the Dinas, R10) */
	opener.role = DOMAIN_ROLE_KEPALA_SEKOLAH;
	opener.start_day = opening.day;
	opener.end_day = DOMAIN_DAY_OPEN;
	if ((rc = domain_period_state_get(&out->period_state, &why, &out->period, in->school, &opening, 1, &opener, 1, day)))
		return skp__refuse_as(out, rc, why.code, "period", why.message);

	/* the plan of this period, on the period's catalog, of the owner's jabatan */
	snprintf(plan_v, sizeof(plan_v), "%.12s", p->catalog);
	snprintf(cat_v, sizeof(cat_v), "%.12s", in->opening->catalog);
	if (strcmp(p->period, in->period) != 0) {
		snprintf(plan_v, sizeof(plan_v), "%s", p->period);
		return skp__refuse(out, KN_EINVAL, "SKP_PERIODE_BEDA", "period", params);
	}
	if (strcmp(p->catalog, in->opening->catalog) != 0 || strcmp(in->catalog->version, in->opening->catalog) != 0)
		return skp__refuse(out, KN_EINVAL, "SKP_KATALOG_PERIODE_BEDA", "catalog", params);
	if ((jab = skp__jabatan_of(in->owner_user)) < 0)
		return skp__refuse(out, KN_EDENIED, "KELAYAKAN_PERAN", "jabatan", params);
	if ((domain_jabatan)jab != p->jabatan) {
		params[11] = domain_msg_text(p->jabatan == DOMAIN_JABATAN_GURU ? "LABEL_JABATAN_GURU" : "LABEL_JABATAN_KEPALA_SEKOLAH");
		params[13] = domain_msg_text(jab == DOMAIN_JABATAN_GURU ? "LABEL_JABATAN_GURU" : "LABEL_JABATAN_KEPALA_SEKOLAH");
		return skp__refuse(out, KN_EINVAL, "SKP_JABATAN_BUKAN_MILIK", "jabatan", params);
	}

	/*
	 * the atasan from the posts the act names: the actor's (his enrollment
	 * as Kepala Sekolah, or a Dinas assignment), the owner's (his enrollment
	 * as Kepala Sekolah, a Plt assignment); nothing else is looked at
	 */
	{
		domain_assignment posts[2 + DOMAIN_SKP_POSTS_MAX];
		size_t np = 0;
		has_post = domain_enrollment_post(&post, in->actor_user, in->actor, in->school,
		    domain_day_of_ms(in->actor_user_ms));
		if (has_post)
			posts[np++] = post;
		if (domain_enrollment_post(&posts[np], in->owner_user, in->owner, in->school, 0))
			np++;
		for (size_t i = 0; i < in->nposts && i < DOMAIN_SKP_POSTS_MAX; i++)
			posts[np++] = in->posts[i];
		domain_atasan_query q = { in->owner, in->owner_user->role, in->school, p->jabatan, day, posts, np };
		out->atasan_rc = domain_atasan_resolve(&out->atasan, &q);
	}
	/* the deadline of the action on the act's day; a hard one passed is refused by the transition */
	domain_skp_action_deadline(&dl, &out->period, in->action);
	{
		domain_timing_query tq = { dl, day, in->owner, in->school, out->atasan_rc == 0 ? &out->atasan : NULL, NULL, 0,
			NULL };
		domain_timing_check(&out->timing, &tq);
	}
	if (ajukan || setujui)
		domain_plan_check(&out->report, p, in->catalog);
	if (setujui && in->prev)
		adj_rc = domain_plan_adjustments_get(&out->adjustments, &adj_why, &in->prev->plan, p, in->catalog);
	kn_error_clear();

	{
		domain_skp_act act = {
			.state = out->event.from,
			.action = in->action,
			.actor = in->actor,
			.owner = in->owner,
			.atasan = out->atasan_rc == 0 ? &out->atasan : NULL,
			.identity_confirmed = 1, /* S2 */
			.check = ajukan || setujui ? &out->report : NULL,
			.adjustments = setujui ? &out->adjustments : NULL,
			.note = in->note,
			.evaluation_started = 0,
			.timing = &out->timing,
			.at_ms = in->at_ms,
		};
		if ((rc = domain_skp_transition(&out->event, &act)))
			return rc;
	}
	if (setujui && adj_rc)
		return skp__refuse_as(out, adj_rc, adj_why.code, adj_why.field, adj_why.message);
	/* S4: only Setujui carries a changed plan */
	if ((in->action == DOMAIN_SKP_SEPAKATI || in->action == DOMAIN_SKP_TINJAU_ULANG ||
		in->action == DOMAIN_SKP_BUKA_KEMBALI) && in->prev && !skp__plan_same(&in->prev->plan, p))
		return skp__refuse(out, KN_EINVAL, "SKP_RENCANA_TETAP", "plan", params);
	skp__body_fill(out, in);
	kn_error_clear();
	return 0;
}

/* ---- edits of a request ---- */

/*
 * A text of an edit: at most DOMAIN_PLAN_TEXT_BYTES bytes (more is
 * refused here, since a request is not a record to keep), without NUL;
 * whether it is valid UTF-8 of at most the catalog's characters is the
 * check's to say.
 */
static int
skp__edit_text(domain_plan_text *out, const msgpack_object *o, const char *field)
{
	char buf[DOMAIN_PLAN_TEXT_BYTES + 1];

	if (o == NULL || o->type != MSGPACK_OBJECT_STR || memchr(o->via.str.ptr, 0, o->via.str.size) != NULL)
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "teks");
	if (o->via.str.size > DOMAIN_PLAN_TEXT_BYTES) {
		char maxs[16], n[16], msg[DOMAIN_MSG_MAX];
		const char *params[] = { "kolom", field, "jumlah", n, "maks", maxs, NULL };
		snprintf(n, sizeof(n), "%u", o->via.str.size);
		snprintf(maxs, sizeof(maxs), "%d", DOMAIN_PLAN_TEXT_BYTES);
		domain_msg_render(msg, sizeof(msg), "SKP_TEKS_PANJANG", params);
		return kn_error_set(KN_ETOOBIG, field, "%s", msg);
	}
	memcpy(buf, o->via.str.ptr, o->via.str.size);
	buf[o->via.str.size] = '\0';
	domain_plan_text_set(out, buf);
	return 0;
}

/* An id of an edit: 1..DOMAIN_PLAN_ID_MAX bytes, no blanks or control characters. */
static int
skp__edit_id(char *out, const msgpack_object *o, const char *field, int may_be_empty)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_STR || o->via.str.size > DOMAIN_PLAN_ID_MAX ||
	    (o->via.str.size == 0 && !may_be_empty))
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "teks pengenal dari katalog");
	for (uint32_t i = 0; i < o->via.str.size; i++)
		if ((unsigned char)o->via.str.ptr[i] <= 0x20 || o->via.str.ptr[i] == 0x7f)
			return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "teks pengenal dari katalog");
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return 0;
}

/* rhk: set a quantity (adding the line), or drop the line with 0. */
static int
skp__edit_rhk(domain_plan *p, const msgpack_object *arr)
{
	static const char *const names[] = { "id", "target_kuantitas", NULL };
	static const int required[] = { 1, 1 };
	char path[32], field[64];
	int rc;

	if ((rc = domain_plan_array_check(arr, "rhk", DOMAIN_PLAN_RHK_MAX)))
		return rc;
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *e = &arr->via.array.ptr[i];
		int64_t id, q;
		size_t k;
		snprintf(path, sizeof(path), "rhk[%u]", i);
		if ((rc = domain_plan_map_keys(e, path, names, required)))
			return rc;
		snprintf(field, sizeof(field), "%s.id", path);
		if ((rc = skp__int(&id, kn_map_get(e, "id"), field, 1, DOMAIN_PLAN_QUANTITY_MAX, "nomor RHK (1 atau lebih)")))
			return rc;
		snprintf(field, sizeof(field), "%s.target_kuantitas", path);
		if ((rc = skp__int(&q, kn_map_get(e, "target_kuantitas"), field, 0, DOMAIN_PLAN_QUANTITY_MAX,
			 "bilangan bulat 0 atau lebih (0 menghapus RHK)")))
			return rc;
		for (k = 0; k < p->nrhk && p->rhk[k].id != id; k++)
			;
		if (q == 0) {
			/* drop every line of this RHK */
			size_t w = 0;
			for (size_t r = 0; r < p->nrhk; r++)
				if (p->rhk[r].id != id)
					p->rhk[w++] = p->rhk[r];
			p->nrhk = w;
		} else if (k < p->nrhk) {
			p->rhk[k].target_kuantitas = q;
		} else if (p->nrhk == DOMAIN_PLAN_RHK_MAX) {
			return domain_plan_array_check(arr, "rhk", 0);
		} else {
			p->rhk[p->nrhk].id = id;
			p->rhk[p->nrhk].target_kuantitas = q;
			p->nrhk++;
		}
	}
	return 0;
}

/* tugas_tambahan: set an SK (adding the line); tugas_hapus: drop lines. */
static int
skp__edit_tugas(domain_plan *p, const msgpack_object *set, const msgpack_object *drop)
{
	static const char *const names[] = { "id", "sk", NULL };
	static const int required[] = { 1, 1 };
	char path[40], field[64], id[DOMAIN_PLAN_ID_MAX + 1];
	int rc;

	if (drop && (rc = domain_plan_array_check(drop, "tugas_hapus", DOMAIN_PLAN_TUGAS_MAX)))
		return rc;
	for (uint32_t i = 0; drop && i < drop->via.array.size; i++) {
		size_t w = 0;
		snprintf(field, sizeof(field), "tugas_hapus[%u]", i);
		if ((rc = skp__edit_id(id, &drop->via.array.ptr[i], field, 0)))
			return rc;
		for (size_t r = 0; r < p->ntugas; r++)
			if (strcmp(p->tugas[r].id, id) != 0)
				p->tugas[w++] = p->tugas[r];
		p->ntugas = w;
	}
	if (set && (rc = domain_plan_array_check(set, "tugas_tambahan", DOMAIN_PLAN_TUGAS_MAX)))
		return rc;
	for (uint32_t i = 0; set && i < set->via.array.size; i++) {
		const msgpack_object *e = &set->via.array.ptr[i];
		size_t k;
		snprintf(path, sizeof(path), "tugas_tambahan[%u]", i);
		if ((rc = domain_plan_map_keys(e, path, names, required)))
			return rc;
		snprintf(field, sizeof(field), "%s.id", path);
		if ((rc = skp__edit_id(id, kn_map_get(e, "id"), field, 0)))
			return rc;
		for (k = 0; k < p->ntugas && strcmp(p->tugas[k].id, id) != 0; k++)
			;
		if (k == p->ntugas) {
			if (p->ntugas == DOMAIN_PLAN_TUGAS_MAX)
				return domain_plan_array_check(set, "tugas_tambahan", 0);
			memset(&p->tugas[k], 0, sizeof(p->tugas[k]));
			snprintf(p->tugas[k].id, sizeof(p->tugas[k].id), "%s", id);
			p->ntugas++;
		}
		snprintf(field, sizeof(field), "%s.sk", path);
		if ((rc = skp__edit_text(&p->tugas[k].sk, kn_map_get(e, "sk"), field)))
			return rc;
	}
	return 0;
}

/* The line of an aspect, or NULL. */
static domain_plan_perilaku *
skp__aspect_line(domain_plan *p, const char *aspek)
{
	for (size_t k = 0; k < p->nperilaku; k++)
		if (strcmp(p->perilaku[k].aspek, aspek) == 0)
			return &p->perilaku[k];
	return NULL;
}

/* perilaku: choose a behaviour (index or own wording) for an aspect, adding its line. */
static int
skp__edit_perilaku(domain_plan *p, const msgpack_object *arr)
{
	static const char *const names[] = { "aspek", "perilaku", NULL };
	static const int required[] = { 1, 1 };
	char path[32], field[64], aspek[DOMAIN_PLAN_ID_MAX + 1];
	int rc;

	if ((rc = domain_plan_array_check(arr, "perilaku", DOMAIN_PLAN_PERILAKU_MAX)))
		return rc;
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *e = &arr->via.array.ptr[i], *b;
		domain_plan_perilaku *line;
		snprintf(path, sizeof(path), "perilaku[%u]", i);
		if ((rc = domain_plan_map_keys(e, path, names, required)))
			return rc;
		snprintf(field, sizeof(field), "%s.aspek", path);
		if ((rc = skp__edit_id(aspek, kn_map_get(e, "aspek"), field, 0)))
			return rc;
		if ((line = skp__aspect_line(p, aspek)) == NULL) {
			if (p->nperilaku == DOMAIN_PLAN_PERILAKU_MAX)
				return domain_plan_array_check(arr, "perilaku", 0);
			line = &p->perilaku[p->nperilaku++];
			memset(line, 0, sizeof(*line));
			snprintf(line->aspek, sizeof(line->aspek), "%s", aspek);
		}
		snprintf(field, sizeof(field), "%s.perilaku", path);
		b = kn_map_get(e, "perilaku");
		if (b->type == MSGPACK_OBJECT_STR) {
			line->has_index = 0;
			line->index = 0;
			rc = skp__edit_text(&line->text, b, field);
		} else {
			memset(&line->text, 0, sizeof(line->text));
			line->has_index = 1;
			rc = skp__int(&line->index, b, field, 0, DOMAIN_PLAN_QUANTITY_MAX, "nomor perilaku atau teks");
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ekspektasi: the atasan's special expectation on an aspect already in the plan. */
static int
skp__edit_ekspektasi(domain_plan *p, const msgpack_object *arr)
{
	static const char *const names[] = { "aspek", "teks", NULL };
	static const int required[] = { 1, 1 };
	char path[32], field[64], aspek[DOMAIN_PLAN_ID_MAX + 1], msg[DOMAIN_MSG_MAX];
	int rc;

	if ((rc = domain_plan_array_check(arr, "ekspektasi", DOMAIN_PLAN_PERILAKU_MAX)))
		return rc;
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *e = &arr->via.array.ptr[i];
		domain_plan_perilaku *line;
		snprintf(path, sizeof(path), "ekspektasi[%u]", i);
		if ((rc = domain_plan_map_keys(e, path, names, required)))
			return rc;
		snprintf(field, sizeof(field), "%s.aspek", path);
		if ((rc = skp__edit_id(aspek, kn_map_get(e, "aspek"), field, 0)))
			return rc;
		if ((line = skp__aspect_line(p, aspek)) == NULL) {
			const char *params[] = { "aspek", aspek, NULL };
			domain_msg_render(msg, sizeof(msg), "SKP_EKSPEKTASI_TANPA_ASPEK", params);
			return kn_error_set(KN_EINVAL, field, "%s", msg);
		}
		snprintf(field, sizeof(field), "%s.teks", path);
		if ((rc = skp__edit_text(&line->ekspektasi_khusus, kn_map_get(e, "teks"), field)))
			return rc;
	}
	return 0;
}

/* See skp.h: each edit in a fixed order (sub, rhk, tugas, perilaku, ekspektasi, rangkuman). */
int
domain_plan_apply_edits(domain_plan *p, size_t *nedits, const msgpack_object *edits)
{
	const msgpack_object *o, *drop;
	char sub[DOMAIN_PLAN_ID_MAX + 1];
	int rc;

	*nedits = 0;
	if (edits == NULL || edits->type != MSGPACK_OBJECT_MAP)
		return 0;
	if ((o = kn_map_get(edits, "sub")) != NULL) {
		if ((rc = skp__edit_id(sub, o, "sub", 1)))
			return rc;
		p->npraktik = sub[0] ? 1 : 0;
		snprintf(p->praktik[0], sizeof(p->praktik[0]), "%s", sub);
		(*nedits)++;
	}
	if ((o = kn_map_get(edits, "rhk")) != NULL) {
		if ((rc = skp__edit_rhk(p, o)))
			return rc;
		(*nedits)++;
	}
	o = kn_map_get(edits, "tugas_tambahan");
	drop = kn_map_get(edits, "tugas_hapus");
	if (o || drop) {
		if ((rc = skp__edit_tugas(p, o, drop)))
			return rc;
		(*nedits)++;
	}
	if ((o = kn_map_get(edits, "perilaku")) != NULL) {
		if ((rc = skp__edit_perilaku(p, o)))
			return rc;
		(*nedits)++;
	}
	if ((o = kn_map_get(edits, "ekspektasi")) != NULL) {
		if ((rc = skp__edit_ekspektasi(p, o)))
			return rc;
		(*nedits)++;
	}
	if ((o = kn_map_get(edits, "rangkuman")) != NULL) {
		if ((rc = skp__edit_text(&p->rangkuman, o, "rangkuman")))
			return rc;
		(*nedits)++;
	}
	return 0;
}

/* ---- Bukti Dukung follows the plan ---- */

/* See skp.h (S6, DOMAIN.md §5.9). */
int
domain_evidence_slot_allowed(domain_problem *why, const char *slot, const char *period, const domain_skp_body *skp)
{
	domain_problem p = { NULL, "slot", "" };
	char id[24], n[24], list[160] = "";
	const char *params[] = { "slot", slot, "periode", period, "status", NULL, "id", id, "jumlah", n, "daftar", list,
		NULL };
	const char *num;
	int rhk, rc = 0;
	int64_t v = 0;

	if (strncmp(slot, "rhk-", 4) == 0) {
		rhk = 1;
		num = slot + 4;
	} else if (strncmp(slot, "tugas-", 6) == 0) {
		rhk = 0;
		num = slot + 6;
	} else {
		return 0;
	}
	if (num[0] < '1' || num[0] > '9' || strspn(num, "0123456789") != strlen(num) || strlen(num) > 6) {
		p.code = "BUKTI_SLOT_NOMOR";
		rc = KN_EINVAL;
		goto out_refuse;
	}
	for (const char *c = num; *c; c++)
		v = v * 10 + (*c - '0');
	snprintf(id, sizeof(id), "%lld", (long long)v);
	if (skp == NULL || skp->state != DOMAIN_SKP_DISEPAKATI) {
		params[5] = domain_skp_state_label(skp ? skp->state : DOMAIN_SKP_BELUM);
		p.code = "BUKTI_SKP_BELUM_DISEPAKATI";
		rc = KN_ESTATE;
		goto out_refuse;
	}
	if (rhk) {
		for (size_t i = 0; i < skp->plan.nrhk; i++) {
			if (skp->plan.rhk[i].id == v)
				return 0;
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%srhk-%lld", list[0] ? ", " : "",
			    (long long)skp->plan.rhk[i].id);
		}
		p.code = "BUKTI_RHK_TIDAK_DIRENCANAKAN";
	} else {
		if (v <= (int64_t)skp->plan.ntugas)
			return 0;
		snprintf(n, sizeof(n), "%zu", skp->plan.ntugas);
		p.code = "BUKTI_TUGAS_TIDAK_DIRENCANAKAN";
	}
	rc = KN_ENOTFOUND;
out_refuse:
	domain_msg_render(p.message, sizeof(p.message), p.code, params);
	if (why)
		*why = p;
	return kn_error_set(rc, "slot", "%s", p.message);
}
