/*
 * assign.c - the acts only the Dinas (the education office) makes, as
 * records signed by its authority key (DOMAIN.md §1, R3, R4, R10; skp.h):
 * the "assignment" record (Plt Kepala Sekolah, Pengawas Sekolah, Kepala
 * Dinas Pendidikan for one school) and its acceptance.
 *
 * A school learns the authority's public key at `school init`: it is the
 * "authority" of the school record. An authority act names that school
 * record as its first auth record, and is accepted when its author is the
 * key the school record names. Nothing here looks anything up.
 */
#include <stdio.h>
#include <string.h>

#include "../util/mpmap.h"
#include "domain.h"
#include "messages.h"
#include "skp.h"

static int
rec_is(const domain_rec *r, const char *type)
{
	size_t n = strlen(type);
	return r->type_len == n && memcmp(r->type, type, n) == 0;
}

/* "YYYY-MM-DD" into a day. */
int
domain_day_parse(int64_t *out, const char *s)
{
	int y, m, d;
	char tail;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || s[4] != '-' || s[7] != '-')
		goto bad;
	if (domain_day_from_ymd(out, y, m, d) == 0)
		return 0;
bad: {
		char msg[DOMAIN_MSG_MAX];
		const char *params[] = { "nilai", s, NULL };
		domain_msg_render(msg, sizeof(msg), "FORMAT_TANGGAL", params);
		return kn_error_set(KN_EINVAL, "date", "%s", msg);
	}
}

/* A day as "YYYY-MM-DD" (out holds 11). */
void
domain_day_iso(char out[11], int64_t day)
{
	int y, m, d;

	domain_day_to_ymd(&y, &m, &d, day);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

void
domain_assignment_subject(char *out, size_t outsz, const uint8_t person[32], domain_assignment_role role)
{
	char hex[65];

	kn_hex(hex, person, 32);
	snprintf(out, outsz, "%s.%s", hex, domain_assignment_role_name(role));
}

static int
assign__field(const char *field, const char *what)
{
	return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", what);
}

int
domain_assignment_body_parse(domain_assignment_body *out, const msgpack_object *body)
{
	static const char *const names[] = { "person", "role", "school", "nama", "nip", "sk", "mulai", "selesai", NULL };
	static const int required[] = { 1, 1, 1, 1, 0, 0, 1, 0 };
	const msgpack_object *o;
	char role[24], date[16];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = domain_plan_map_keys(body, "", names, required)))
		return rc;
	o = kn_map_get(body, "person");
	if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != 32)
		return assign__field("person", "kunci publik 32 bita");
	memcpy(out->a.person, o->via.bin.ptr, 32);
	if (kn_map_str(role, sizeof(role), body, "role") != 0)
		return assign__field("role", "teks");
	if ((rc = domain_assignment_role_parse(&out->a.role, role)))
		return rc;
	if (out->a.role == DOMAIN_ROLE_KEPALA_SEKOLAH)
		return kn_error_set(KN_EINVAL, "role", "%s", domain_msg_text("PENUGASAN_KS_DARI_PENDAFTARAN"));
	if (kn_map_str(out->a.school, sizeof(out->a.school), body, "school") != 0 || strlen(out->a.school) != 8 ||
	    strspn(out->a.school, "0123456789") != 8)
		return assign__field("school", "NPSN 8 angka");
	if (kn_map_str(out->nama, sizeof(out->nama), body, "nama") != 0 || out->nama[0] == '\0' ||
	    !kn_utf8_valid(out->nama, strlen(out->nama)))
		return assign__field("nama", "nama (teks, paling banyak 100 bita)");
	if (kn_map_get(body, "nip") && (kn_map_str(out->nip, sizeof(out->nip), body, "nip") != 0 ||
	    domain_check_nip(out->nip) != 0))
		return assign__field("nip", "NIP 18 angka");
	if (kn_map_get(body, "sk") && (kn_map_str(out->sk, sizeof(out->sk), body, "sk") != 0 || out->sk[0] == '\0' ||
	    !kn_utf8_valid(out->sk, strlen(out->sk))))
		return assign__field("sk", "nomor SK (teks, paling banyak 100 bita)");
	if (out->a.role == DOMAIN_ROLE_PLT_KEPALA_SEKOLAH && out->sk[0] == '\0')
		return kn_error_set(KN_EINVAL, "sk", "%s", domain_msg_text("PENUGASAN_PLT_TANPA_SK"));
	if (kn_map_str(date, sizeof(date), body, "mulai") != 0 || domain_day_parse(&out->a.start_day, date) != 0)
		return assign__field("mulai", "tanggal TTTT-BB-HH");
	out->a.end_day = DOMAIN_DAY_OPEN;
	if (kn_map_get(body, "selesai")) {
		if (kn_map_str(date, sizeof(date), body, "selesai") != 0 || domain_day_parse(&out->a.end_day, date) != 0)
			return assign__field("selesai", "tanggal TTTT-BB-HH");
		if (out->a.end_day < out->a.start_day)
			return kn_error_set(KN_EINVAL, "selesai", "%s", domain_msg_text("PENUGASAN_SELESAI_SEBELUM_MULAI"));
	}
	kn_error_clear();
	return 0;
}

static void
pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

int
domain_assignment_body_pack(kn_buf *out, const domain_assignment_body *b)
{
	msgpack_packer pk;
	char date[11];

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5 + (b->nip[0] != 0) + (b->sk[0] != 0) + (b->a.end_day != DOMAIN_DAY_OPEN));
	pack_str(&pk, "person");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, b->a.person, 32);
	pack_str(&pk, "role");
	pack_str(&pk, domain_assignment_role_name(b->a.role));
	pack_str(&pk, "school");
	pack_str(&pk, b->a.school);
	pack_str(&pk, "nama");
	pack_str(&pk, b->nama);
	if (b->nip[0]) {
		pack_str(&pk, "nip");
		pack_str(&pk, b->nip);
	}
	if (b->sk[0]) {
		pack_str(&pk, "sk");
		pack_str(&pk, b->sk);
	}
	pack_str(&pk, "mulai");
	domain_day_iso(date, b->a.start_day);
	pack_str(&pk, date);
	if (b->a.end_day != DOMAIN_DAY_OPEN) {
		pack_str(&pk, "selesai");
		domain_day_iso(date, b->a.end_day);
		pack_str(&pk, date);
	}
	return out->failed ? kn_error_set(KN_ENOMEM, "body", "out of memory packing the assignment") : 0;
}

int
domain_authority_of(uint8_t out[32], const domain_rec *a, const domain_rec *r)
{
	domain_school sc;

	if (!rec_is(a, "school") || memcmp(a->school, r->school, 8) != 0 || a->subject_len != 8 ||
	    memcmp(a->subject, r->school, 8) != 0 || domain_school_parse(&sc, a->body) != 0)
		return kn_error_set(KN_EDENIED, "auth", "%s", domain_msg_text("DINAS_AUTH_BUKAN_SEKOLAH"));
	if (!sc.has_authority)
		return kn_error_set(KN_EDENIED, "authority", "%s", domain_msg_text("DINAS_SEKOLAH_TANPA_KUNCI"));
	if (a->hlc >= r->hlc)
		return kn_error_set(KN_EDENIED, "auth", "%s", domain_msg_text("DINAS_AUTH_TIDAK_LEBIH_TUA"));
	memcpy(out, sc.authority_pk, 32);
	return 0;
}

int
domain_is_authority_act(const domain_rec *r, const domain_rec *auth, size_t nauth)
{
	uint8_t pk[32];
	/* most records are not: their first auth is an enrollment, told without building a refusal's text */
	int yes = nauth >= 1 && rec_is(&auth[0], "school") && domain_authority_of(pk, &auth[0], r) == 0 &&
	    memcmp(pk, r->author, 32) == 0;

	kn_error_clear();
	return yes;
}

int
domain_assignment_of(domain_assignment_body *out, const domain_rec *a, const char *school)
{
	if (!rec_is(a, "assignment") || memcmp(a->school, school, 8) != 0)
		return kn_error_set(KN_EDENIED, "auth", "%s", domain_msg_text("DINAS_AUTH_BUKAN_PENUGASAN"));
	return domain_assignment_body_parse(out, a->body);
}

/*
 * An assignment: signed by the authority the school record names (auth[0]);
 * a Plt also names the teacher's enrollment in that school (auth[1]): a
 * Plt Kepala Sekolah is an active Guru of the school. The subject is
 * "<person>.<role>", the body's person, role and school agree with it.
 */
int
domain_assignment_accept(const domain_rec *r, const domain_rec *auth, size_t nauth)
{
	domain_assignment_body b;
	uint8_t authority[32];
	char subject[DOMAIN_ASSIGNMENT_SUBJECT_LEN + 1];
	int rc;

	if ((rc = domain_assignment_body_parse(&b, r->body)))
		return rc;
	domain_assignment_subject(subject, sizeof(subject), b.a.person, b.a.role);
	if (r->subject_len != strlen(subject) || memcmp(r->subject, subject, r->subject_len) != 0)
		return domain_msg_error(KN_EBADREC, "subject", "TERIMA_PENUGASAN_SUBJEK", "subjek", subject, NULL);
	if (memcmp(b.a.school, r->school, 8) != 0)
		return domain_msg_error(KN_EBADREC, "school", "TERIMA_PENUGASAN_SEKOLAH", NULL);
	if (nauth < 1)
		return kn_error_set(KN_EDENIED, "auth", "%s", domain_msg_text("DINAS_AUTH_BUKAN_SEKOLAH"));
	if ((rc = domain_authority_of(authority, &auth[0], r)))
		return rc;
	if (memcmp(authority, r->author, 32) != 0)
		return kn_error_set(KN_EDENIED, "author", "%s", domain_msg_text("DINAS_BUKAN_OTORITAS"));
	if (b.a.role != DOMAIN_ROLE_PLT_KEPALA_SEKOLAH) {
		if (nauth != 1)
			return domain_msg_error(KN_EDENIED, "auth", "TERIMA_PENUGASAN_AUTH_SEKOLAH", NULL);
		return 0;
	}
	/* the Plt: an active Guru of this school, as the enrollment named stood */
	{
		domain_user u;
		char hex[65];
		const domain_rec *e = nauth == 2 ? &auth[1] : NULL;

		kn_hex(hex, b.a.person, 32);
		if (e == NULL || !rec_is(e, "user") || memcmp(e->school, r->school, 8) != 0 || e->subject_len != 64 ||
		    memcmp(e->subject, hex, 64) != 0 || e->hlc >= r->hlc)
			return domain_msg_error(KN_EDENIED, "auth", "TERIMA_PENUGASAN_PLT_AUTH", NULL);
		if ((rc = domain_user_parse(&u, e->body)))
			return rc;
		if (!u.active || strcmp(u.role, "guru") != 0)
			return kn_error_set(KN_EDENIED, "person", "%s", domain_msg_text("PENUGASAN_PLT_BUKAN_GURU"));
	}
	return 0;
}
