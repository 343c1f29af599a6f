/*
 * people.c - who is whose atasan on a given day, who may use Pengelolaan
 * Kinerja at all, and the one identity edit (DOMAIN.md §1, §3 Penugasan,
 * §4.5, §5.1, §5.2, §5.12, R3, R4, R7, R9, R13; see plan.h).
 *
 * The caller gathers the assignments (definitive principals from the
 * enrollments, Plt, Pengawas and Kepala Dinas from the Dinas's records)
 * and passes them in; nothing here looks anything up.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "plan.h"

static const char *role_names[] = { "kepala_sekolah", "plt_kepala_sekolah", "pengawas", "kepala_dinas" };
static const char *role_labels[] = { "LABEL_PERAN_KEPALA_SEKOLAH", "LABEL_PERAN_PLT_KEPALA_SEKOLAH",
	"LABEL_PERAN_PENGAWAS", "LABEL_PERAN_KEPALA_DINAS" };

/* The wire name of an assignment role. */
const char *
domain_assignment_role_name(domain_assignment_role r)
{
	return (size_t)r < 4 ? role_names[r] : "kepala_sekolah";
}

/* The label people read, from the message table. */
const char *
domain_assignment_role_label(domain_assignment_role r)
{
	return domain_msg_text(role_labels[(size_t)r < 4 ? r : 0]);
}

/* An assignment role from its wire name. */
int
domain_assignment_role_parse(domain_assignment_role *out, const char *name)
{
	for (size_t i = 0; i < 4; i++)
		if (strcmp(name, role_names[i]) == 0) {
			*out = (domain_assignment_role)i;
			return 0;
		}
	{
		char msg[DOMAIN_MSG_MAX];
		const char *params[] = { "nilai", name, NULL };
		domain_msg_render(msg, sizeof(msg), "FORMAT_PERAN_PENUGASAN", params);
		return kn_error_set(KN_EINVAL, "role", "%s", msg);
	}
}

/*
 * Valid on its first and its last day. A school of "" is allowed only for
 * a Kepala Dinas, whose office covers every school the caller passed.
 */
int
domain_assignment_valid(const domain_assignment *a, const char *school, int64_t day)
{
	if (day < a->start_day || day > a->end_day)
		return 0;
	if (a->school[0] == '\0')
		return a->role == DOMAIN_ROLE_KEPALA_DINAS;
	return strcmp(a->school, school) == 0;
}

/* The label of an enrollment role ("guru" -> "Guru") for messages. */
static const char *
people__enrollment_label(const char *role)
{
	if (strcmp(role, "guru") == 0)
		return domain_msg_text("LABEL_PERAN_GURU");
	if (strcmp(role, "kepala_sekolah") == 0)
		return domain_msg_text("LABEL_PERAN_KEPALA_SEKOLAH");
	if (strcmp(role, "operator") == 0)
		return domain_msg_text("LABEL_PERAN_OPERATOR");
	return role;
}

/* Set the set's code and message, and the last error when rc is an error. */
static int
people__atasan_say(domain_atasan_set *out, int rc, const char *code, const char *const *params)
{
	out->code = code;
	domain_msg_render(out->message, sizeof(out->message), code, params);
	if (rc)
		return kn_error_set(rc, "atasan", "%s", out->message);
	return 0;
}

/* Is key one of the set? A NULL set has nobody. */
int
domain_atasan_has(const domain_atasan_set *s, const uint8_t key[32])
{
	for (size_t i = 0; s && i < s->n; i++)
		if (memcmp(s->keys[i], key, 32) == 0)
			return 1;
	return 0;
}

/*
 * The rules of plan.h (P9), in order: does the owner hold the principal's
 * post in this school that day (then a Guru SKP goes up to the Dinas, and a
 * Kepala Sekolah SKP is possible at all); which roles judge this SKP; who
 * holds them that day, never the owner.
 */
int
domain_atasan_resolve(domain_atasan_set *out, const domain_atasan_query *q)
{
	char date[40], max[16];
	const char *params[] = { "tanggal", date, "peran", NULL, "maks", max, NULL };
	const char *ok_code, *none_code;
	int owner_post = -1, want[4] = { 0, 0, 0, 0 };

	memset(out, 0, sizeof(*out));
	domain_day_format(date, sizeof(date), q->day);
	snprintf(max, sizeof(max), "%d", DOMAIN_ATASAN_MAX);
	for (size_t i = 0; i < q->nassignments; i++) {
		const domain_assignment *a = &q->assignments[i];
		if (memcmp(a->person, q->owner, 32) == 0 &&
		    (a->role == DOMAIN_ROLE_KEPALA_SEKOLAH || a->role == DOMAIN_ROLE_PLT_KEPALA_SEKOLAH) &&
		    domain_assignment_valid(a, q->school, q->day) && (owner_post < 0 || a->role == DOMAIN_ROLE_KEPALA_SEKOLAH))
			owner_post = (int)a->role;
	}
	if (q->jabatan == DOMAIN_JABATAN_GURU) {
		if (q->owner_role == NULL || strcmp(q->owner_role, "guru") != 0) {
			params[3] = people__enrollment_label(q->owner_role ? q->owner_role : "");
			return people__atasan_say(out, KN_EDENIED, "ATASAN_BUKAN_GURU", params);
		}
		if (owner_post >= 0) {
			/* P5: a Plt (or principal) in his own school does not judge his own Guru SKP */
			params[3] = domain_assignment_role_label((domain_assignment_role)owner_post);
			want[DOMAIN_ROLE_KEPALA_DINAS] = 1;
			ok_code = "ATASAN_DINAS_SEKOLAH_SAMA";
			none_code = "ATASAN_TIDAK_ADA_DINAS";
		} else {
			want[DOMAIN_ROLE_KEPALA_SEKOLAH] = want[DOMAIN_ROLE_PLT_KEPALA_SEKOLAH] = 1;
			ok_code = "ATASAN_KEPALA_SEKOLAH";
			none_code = "ATASAN_TIDAK_ADA_KS";
		}
	} else {
		if (owner_post < 0)
			return people__atasan_say(out, KN_EDENIED, "ATASAN_BUKAN_KS", params);
		want[DOMAIN_ROLE_PENGAWAS] = want[DOMAIN_ROLE_KEPALA_DINAS] = 1;
		ok_code = "ATASAN_PENGAWAS_DINAS";
		none_code = "ATASAN_TIDAK_ADA_PENILAI_KS";
	}
	for (size_t i = 0; i < q->nassignments; i++) {
		const domain_assignment *a = &q->assignments[i];
		if ((size_t)a->role >= 4 || !want[a->role] || memcmp(a->person, q->owner, 32) == 0 ||
		    !domain_assignment_valid(a, q->school, q->day) || domain_atasan_has(out, a->person))
			continue;
		if (out->n == DOMAIN_ATASAN_MAX) {
			out->n = 0;
			return people__atasan_say(out, KN_ETOOBIG, "ATASAN_TERLALU_BANYAK", params);
		}
		memcpy(out->keys[out->n], a->person, 32);
		out->roles[out->n] = a->role;
		out->n++;
	}
	if (out->n == 0)
		return people__atasan_say(out, KN_ENOTFOUND, none_code, params);
	return people__atasan_say(out, 0, ok_code, params);
}

/* Fill an eligibility answer from its code; the flags are set by the caller. */
static void
people__eligibility_say(domain_eligibility *out, const char *code, const char *const *params)
{
	out->code = code;
	domain_msg_render(out->message, sizeof(out->message), code, params);
}

/*
 * P10 of plan.h. Out-of-scope cases (Kemenag, seconded ASN) are told where
 * to go instead; data errors name the Operator Sekolah, who fixes Dapodik,
 * and leave the draft open so the teacher is not blocked meanwhile (R7).
 */
int
domain_eligibility_get(domain_eligibility *out, const domain_eligibility_query *q, const domain_catalog *c)
{
	const char *status = q->status ? q->status : "";
	const char *naungan = q->naungan ? q->naungan : "";
	const char *role = q->role ? q->role : "";
	const char *params[] = { "ptk", q->jenis_ptk ? q->jenis_ptk : "", "status", status, "naungan", naungan, "peran",
		people__enrollment_label(role), NULL };
	int asn = strcmp(status, "PNS") == 0 || strcmp(status, "PPPK") == 0;

	memset(out, 0, sizeof(*out));
	out->fix_by = "";
	if (strcmp(role, "guru") != 0 && strcmp(role, "kepala_sekolah") != 0) {
		people__eligibility_say(out, "KELAYAKAN_PERAN", params);
		return 0;
	}
	if (strcasecmp(naungan, "kemenag") == 0) {
		people__eligibility_say(out, "KELAYAKAN_KEMENAG", params);
		return 0;
	}
	if (strcasecmp(naungan, "pemda") != 0) {
		out->fix_by = "operator_sekolah";
		out->may_draft = 1;
		people__eligibility_say(out, "KELAYAKAN_NAUNGAN", params);
		return 0;
	}
	if (q->seconded_private) {
		people__eligibility_say(out, "KELAYAKAN_DIPEKERJAKAN", params);
		return 0;
	}
	if (!asn && strcmp(status, "NON_ASN") != 0) {
		out->fix_by = "operator_sekolah";
		out->may_draft = 1;
		people__eligibility_say(out, "KELAYAKAN_STATUS", params);
		return 0;
	}
	if (strcmp(role, "guru") == 0 && (q->jenis_ptk == NULL || !domain_catalog_ptk_allowed(c, q->jenis_ptk))) {
		out->fix_by = "operator_sekolah";
		out->may_draft = 1;
		/* not recorded (an enrollment made before the field, identity.h I4) is said as such */
		people__eligibility_say(out, q->jenis_ptk == NULL || q->jenis_ptk[0] == '\0' ? "KELAYAKAN_JENIS_PTK_KOSONG" :
		    "KELAYAKAN_JENIS_PTK", params);
		return 0;
	}
	out->eligible = 1;
	out->may_draft = 1;
	out->mandatory = asn;
	out->ekinerja_sync = asn;
	people__eligibility_say(out, asn ? "KELAYAKAN_ASN" : "KELAYAKAN_NON_ASN", params);
	return 0;
}

static const struct {
	const char *name;
	size_t off;
} identity_fields[] = {
	{ "nama", offsetof(domain_identity, nama) },
	{ "nip", offsetof(domain_identity, nip) },
	{ "status", offsetof(domain_identity, status) },
	{ "pangkat", offsetof(domain_identity, pangkat) },
	{ "golongan", offsetof(domain_identity, golongan) },
	{ "jenjang", offsetof(domain_identity, jenjang) },
	{ "satuan_pendidikan", offsetof(domain_identity, satuan_pendidikan) },
	{ "jenis_ptk", offsetof(domain_identity, jenis_ptk) },
};

/* The fields that differ, so the confirm dialog can show the diff against Dapodik (R9). */
int
domain_identity_changes_get(domain_identity_changes *out, const domain_identity *dapodik,
    const domain_identity *confirmed)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(identity_fields) / sizeof(identity_fields[0]); i++)
		if (strcmp((const char *)dapodik + identity_fields[i].off, (const char *)confirmed + identity_fields[i].off) != 0)
			out->fields[out->n++] = identity_fields[i].name;
	return 0;
}

/* One edit per account (SD4: "Edit data hanya dapat dilakukan sekali"); P11 of plan.h. */
int
domain_identity_may_confirm(domain_problem *why, const domain_identity_confirmation *prev, size_t n, int edits)
{
	char date[40];
	const char *params[] = { "tanggal", date, NULL };
	domain_problem p = { "IDENTITAS_SUDAH_DIUBAH", "identitas", "" };

	if (!edits)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (prev[i].edited) {
			domain_day_format(date, sizeof(date), prev[i].day);
			domain_msg_render(p.message, sizeof(p.message), p.code, params);
			if (why)
				*why = p;
			return kn_error_set(KN_EDENIED, "identitas", "%s", p.message);
		}
	return 0;
}
