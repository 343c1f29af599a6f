/*
 * domain.c - rules for schools and enrollments (DOMAIN.md §1, §3).
 */
#include "domain.h"
#include "messages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/mpmap.h"

static int
all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
domain_check_npsn(const char *npsn)
{
	if (!all_digits(npsn, 8))
		return domain_msg_error(KN_EINVAL, "npsn", "FORMAT_NPSN", "nilai", npsn, NULL);
	return 0;
}

int
domain_check_nip(const char *nip)
{
	if (!all_digits(nip, 18))
		return domain_msg_error(KN_EINVAL, "nip", "FORMAT_NIP", "nilai", nip, NULL);
	/* YYYYMMDD birth date, YYYYMM appointment, sex digit, sequence */
	int bm = (nip[4] - '0') * 10 + (nip[5] - '0');
	int bd = (nip[6] - '0') * 10 + (nip[7] - '0');
	int am = (nip[12] - '0') * 10 + (nip[13] - '0');
	if (bm < 1 || bm > 12 || bd < 1 || bd > 31 || am < 1 || am > 12)
		return domain_msg_error(KN_EINVAL, "nip", "FORMAT_NIP_TANGGAL", "nip", nip, NULL);
	if (nip[14] != '1' && nip[14] != '2')
		return domain_msg_error(KN_EINVAL, "nip", "FORMAT_NIP_JENIS_KELAMIN", "nip", nip, NULL);
	return 0;
}

int
domain_check_nuptk(const char *nuptk)
{
	if (!all_digits(nuptk, 16))
		return domain_msg_error(KN_EINVAL, "nuptk", "FORMAT_NUPTK", "nilai", nuptk, NULL);
	return 0;
}

static const char *roles[][2] = {
	{ "operator", "Operator Sekolah" },
	{ "guru", "Guru" },
	{ "kepala_sekolah", "Kepala Sekolah" },
	{ "pengawas", "Pengawas Sekolah" },
	{ "kepala_dinas", "Kepala Dinas Pendidikan" },
};

int
domain_check_role(const char *role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(role, roles[i][0]) == 0)
			return 0;
	return domain_msg_error(KN_EINVAL, "role", "FORMAT_PERAN", "nilai", role, NULL);
}

const char *
domain_role_label(const char *role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(role, roles[i][0]) == 0)
			return roles[i][1];
	return role;
}

/* A name people read: at least 2 and at most DOMAIN_NAME_MAX bytes, no control characters. */
int
domain_check_name(const char *name, const char *field)
{
	size_t n = strlen(name);

	if (n < 2)
		return domain_msg_error(KN_EINVAL, field, "FORMAT_NAMA_PENDEK", "kolom", field, NULL);
	if (n > DOMAIN_NAME_MAX) {
		char max[16];
		snprintf(max, sizeof(max), "%d", DOMAIN_NAME_MAX);
		return domain_msg_error(KN_EINVAL, field, "FORMAT_NAMA_PANJANG", "kolom", field, "maks", max, NULL);
	}
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return domain_msg_error(KN_EINVAL, field, "FORMAT_NAMA_KONTROL", "kolom", field, NULL);
	return 0;
}

/* Optional string field: absent is "", present must fit. */
static int
opt_str(char *out, size_t outsz, const msgpack_object *body, const char *key)
{
	const msgpack_object *o = kn_map_get(body, key);

	out[0] = '\0';
	if (o == NULL || o->type == MSGPACK_OBJECT_NIL)
		return 0;
	if (kn_map_str(out, outsz, body, key) != 0) {
		char max[24];
		snprintf(max, sizeof(max), "%zu", outsz - 1);
		return domain_msg_error(KN_EINVAL, key, "FORMAT_TEKS_PANJANG", "kolom", key, "maks", max, NULL);
	}
	return 0;
}

static int
req_str(char *out, size_t outsz, const msgpack_object *body, const char *key)
{
	if (kn_map_str(out, outsz, body, key) != 0) {
		char max[24];
		snprintf(max, sizeof(max), "%zu", outsz - 1);
		return domain_msg_error(KN_EINVAL, key, "FORMAT_TEKS_WAJIB", "kolom", key, "maks", max, NULL);
	}
	return 0;
}

int
domain_school_parse(domain_school *out, const msgpack_object *body)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = req_str(out->name, sizeof(out->name), body, "name");
	if (rc == 0)
		rc = domain_check_name(out->name, "name");
	if (rc)
		return rc;
	const msgpack_object *op = kn_map_get(body, "operator");
	if (op == NULL || op->type != MSGPACK_OBJECT_BIN || op->via.bin.size != 32)
		return domain_msg_error(KN_EINVAL, "operator", "SEKOLAH_TANPA_OPERATOR", NULL);
	memcpy(out->operator_pk, op->via.bin.ptr, 32);
	const msgpack_object *au = kn_map_get(body, "authority");
	if (au) {
		if (au->type != MSGPACK_OBJECT_BIN || au->via.bin.size != 32)
			return domain_msg_error(KN_EINVAL, "authority", "SEKOLAH_KUNCI_DINAS", NULL);
		memcpy(out->authority_pk, au->via.bin.ptr, 32);
		out->has_authority = 1;
	}
	const msgpack_object *kind = kn_map_get(body, "kind");
	if (kind) {
		if (kind->type != MSGPACK_OBJECT_STR || kind->via.str.size != 5 || memcmp(kind->via.str.ptr, "dinas", 5) != 0)
			return domain_msg_error(KN_EINVAL, "kind", "SEKOLAH_JENIS", NULL);
		out->office = 1;
	}
	return 0;
}

/* The golongan of a status kepegawaian: I-IV with a-e for PNS, I-XVII for PPPK, none for non-ASN. */
int
domain_check_golongan(const char *status, const char *g)
{
	static const char *pns[] = { "I", "II", "III", "IV" };
	static const char *pppk[] = { "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX",
		"X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII" };

	if (strcmp(status, "PNS") == 0) {
		const char *slash = strchr(g, '/');
		if (slash && slash[1] >= 'a' && slash[1] <= 'e' && slash[2] == '\0') {
			for (size_t i = 0; i < 4; i++)
				if (strlen(pns[i]) == (size_t)(slash - g) && strncmp(g, pns[i], (size_t)(slash - g)) == 0)
					return 0;
		}
		return domain_msg_error(KN_EINVAL, "golongan", "PEGAWAI_GOLONGAN_PNS", "nilai", g, NULL);
	}
	if (strcmp(status, "PPPK") == 0) {
		for (size_t i = 0; i < sizeof(pppk) / sizeof(pppk[0]); i++)
			if (strcmp(g, pppk[i]) == 0)
				return 0;
		return domain_msg_error(KN_EINVAL, "golongan", "PEGAWAI_GOLONGAN_PPPK", "nilai", g, NULL);
	}
	return domain_msg_error(KN_EINVAL, "golongan", "PEGAWAI_GOLONGAN_NON_ASN", NULL);
}

static const char *jenjangs[] = { "Guru Ahli Pertama", "Guru Ahli Muda", "Guru Ahli Madya", "Guru Ahli Utama" };

/* A jenjang jabatan fungsional guru, which only an ASN has. */
int
domain_check_jenjang(const char *jenjang, int asn)
{
	int ok = 0;

	for (size_t i = 0; i < sizeof(jenjangs) / sizeof(jenjangs[0]); i++)
		ok |= strcmp(jenjang, jenjangs[i]) == 0;
	if (!ok)
		return domain_msg_error(KN_EINVAL, "jenjang", "PEGAWAI_JENJANG", "nilai", jenjang, NULL);
	if (!asn)
		return domain_msg_error(KN_EINVAL, "jenjang", "PEGAWAI_JENJANG_NON_ASN", NULL);
	return 0;
}

/* Naungan (who manages the person): the Pemda's Dinas Pendidikan, or Kemenag. */
int
domain_check_naungan(const char *naungan)
{
	if (strcmp(naungan, "pemda") != 0 && strcmp(naungan, "kemenag") != 0)
		return domain_msg_error(KN_EINVAL, "naungan", "PEGAWAI_NAUNGAN", "nilai", naungan, NULL);
	return 0;
}

/* The keys of a user body; every other key is refused, and none may come twice. */
static const char *const user_keys[] = { "name", "role", "status", "nip", "nuptk", "golongan", "pangkat", "jenjang",
	"jenis_ptk", "naungan", "seconded_private", "active", NULL };

/* A strict map: only user_keys, each at most once (like the record payload, store/record.c). */
static int
user_keys_check(const msgpack_object *body)
{
	unsigned seen = 0;

	if (body == NULL || body->type != MSGPACK_OBJECT_MAP)
		return domain_msg_error(KN_EINVAL, "body", "PEGAWAI_FORMAT_MAP", NULL);
	for (uint32_t i = 0; i < body->via.map.size; i++) {
		const msgpack_object *k = &body->via.map.ptr[i].key;
		int found = -1;
		for (int j = 0; user_keys[j] && found < 0; j++)
			if (kn_map_key_is(k, user_keys[j]))
				found = j;
		if (found < 0) {
			char name[40];
			int n = k->type == MSGPACK_OBJECT_STR ? (int)(k->via.str.size > 32 ? 32 : k->via.str.size) : 1;
			snprintf(name, sizeof(name), "%.*s", n, k->type == MSGPACK_OBJECT_STR ? k->via.str.ptr : "?");
			kn_utf8_clean(name);
			return domain_msg_error(KN_EINVAL, name, "PEGAWAI_KOLOM_ASING", "kolom", name, NULL);
		}
		if (seen & (1u << found))
			return domain_msg_error(KN_EINVAL, user_keys[found], "PEGAWAI_KOLOM_GANDA", "kolom", user_keys[found], NULL);
		seen |= 1u << found;
	}
	return 0;
}

int
domain_user_parse(domain_user *out, const msgpack_object *body)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = user_keys_check(body)))
		return rc;
	if ((rc = req_str(out->name, sizeof(out->name), body, "name")) ||
	    (rc = domain_check_name(out->name, "name")) ||
	    (rc = req_str(out->role, sizeof(out->role), body, "role")) ||
	    (rc = domain_check_role(out->role)) ||
	    (rc = req_str(out->status, sizeof(out->status), body, "status")) ||
	    (rc = opt_str(out->nip, sizeof(out->nip), body, "nip")) ||
	    (rc = opt_str(out->nuptk, sizeof(out->nuptk), body, "nuptk")) ||
	    (rc = opt_str(out->golongan, sizeof(out->golongan), body, "golongan")) ||
	    (rc = opt_str(out->pangkat, sizeof(out->pangkat), body, "pangkat")) ||
	    (rc = opt_str(out->jenjang, sizeof(out->jenjang), body, "jenjang")) ||
	    (rc = opt_str(out->jenis_ptk, sizeof(out->jenis_ptk), body, "jenis_ptk")) ||
	    (rc = opt_str(out->naungan, sizeof(out->naungan), body, "naungan")))
		return rc;
	const msgpack_object *sec = kn_map_get(body, "seconded_private");
	if (sec && sec->type != MSGPACK_OBJECT_NIL && sec->type != MSGPACK_OBJECT_BOOLEAN)
		return domain_msg_error(KN_EINVAL, "seconded_private", "PEGAWAI_DIPEKERJAKAN_FORMAT", NULL);
	out->seconded_private = sec && sec->type == MSGPACK_OBJECT_BOOLEAN && sec->via.boolean;
	const msgpack_object *act = kn_map_get(body, "active");
	if (act == NULL || act->type != MSGPACK_OBJECT_BOOLEAN)
		return domain_msg_error(KN_EINVAL, "active", "PEGAWAI_AKTIF_WAJIB", NULL);
	out->active = act->via.boolean;

	int asn = strcmp(out->status, "PNS") == 0 || strcmp(out->status, "PPPK") == 0;
	if (!asn && strcmp(out->status, "NON_ASN") != 0)
		return domain_msg_error(KN_EINVAL, "status", "PEGAWAI_STATUS", "nilai", out->status, NULL);
	if (out->nip[0] && (rc = domain_check_nip(out->nip)))
		return rc;
	if (out->nuptk[0] && (rc = domain_check_nuptk(out->nuptk)))
		return rc;
	if (asn && !out->nip[0])
		return domain_msg_error(KN_EINVAL, "nip", "PEGAWAI_ASN_TANPA_NIP", "status", out->status, NULL);
	if (!asn && out->nip[0])
		return domain_msg_error(KN_EINVAL, "nip", "PEGAWAI_NON_ASN_NIP", NULL);
	if (!out->nip[0] && !out->nuptk[0])
		return domain_msg_error(KN_EINVAL, "nuptk", "PEGAWAI_NON_ASN_TANPA_NUPTK", NULL);
	if (out->golongan[0] && (rc = domain_check_golongan(out->status, out->golongan)))
		return rc;
	if (out->jenjang[0] && (rc = domain_check_jenjang(out->jenjang, asn)))
		return rc;
	for (size_t i = 0; out->jenis_ptk[i]; i++)
		if ((unsigned char)out->jenis_ptk[i] < 0x20 || out->jenis_ptk[i] == 0x7f)
			return domain_msg_error(KN_EINVAL, "jenis_ptk", "PEGAWAI_JENIS_PTK_KONTROL", NULL);
	if (out->naungan[0] && (rc = domain_check_naungan(out->naungan)))
		return rc;
	if (out->seconded_private && !asn)
		return domain_msg_error(KN_EINVAL, "seconded_private", "PEGAWAI_DIPEKERJAKAN_NON_ASN", NULL);
	if (strcmp(out->role, "kepala_sekolah") == 0 && !asn)
		return domain_msg_error(KN_EINVAL, "status", "PEGAWAI_KS_NON_ASN", NULL);
	if ((strcmp(out->role, "pengawas") == 0 || strcmp(out->role, "kepala_dinas") == 0) && !asn)
		return domain_msg_error(KN_EINVAL, "status", "PEGAWAI_PERAN_NON_ASN", "peran", domain_role_label(out->role), NULL);
	return 0;
}

/* A str value, or nil for an empty one (absent fields read as ""). */
static void
pack_opt(msgpack_packer *pk, const char *k, const char *v)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
	if (v[0]) {
		msgpack_pack_str(pk, strlen(v));
		msgpack_pack_str_body(pk, v, strlen(v));
	} else {
		msgpack_pack_nil(pk);
	}
}

/* The body domain_user_parse reads: every key, absent values as nil. */
int
domain_user_pack(kn_buf *out, const domain_user *u)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 12);
	pack_opt(&pk, "name", u->name);
	pack_opt(&pk, "role", u->role);
	pack_opt(&pk, "status", u->status);
	pack_opt(&pk, "nip", u->nip);
	pack_opt(&pk, "nuptk", u->nuptk);
	pack_opt(&pk, "golongan", u->golongan);
	pack_opt(&pk, "pangkat", u->pangkat);
	pack_opt(&pk, "jenjang", u->jenjang);
	pack_opt(&pk, "jenis_ptk", u->jenis_ptk);
	pack_opt(&pk, "naungan", u->naungan);
	msgpack_pack_str(&pk, 16);
	msgpack_pack_str_body(&pk, "seconded_private", 16);
	if (u->seconded_private)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	msgpack_pack_str(&pk, 6);
	msgpack_pack_str_body(&pk, "active", 6);
	if (u->active)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory packing a user record") : 0;
}

int
domain_user_may_write(const domain_user *author_user, const uint8_t author_pk[32],
    const domain_school *school, const domain_user *user, const uint8_t subject_pk[32])
{
	if (school == NULL)
		return domain_msg_error(KN_EDENIED, "npsn", "SEKOLAH_BELUM_ADA", NULL);
	/* The operator named by the school record enrolls itself first. */
	if (memcmp(author_pk, school->operator_pk, 32) == 0 && memcmp(subject_pk, author_pk, 32) == 0 &&
	    author_user == NULL && strcmp(user->role, "operator") == 0)
		return 0;
	if (author_user == NULL || !author_user->active)
		return domain_msg_error(KN_EDENIED, "session", "PEGAWAI_HANYA_OPERATOR_AKTIF", NULL);
	if (strcmp(author_user->role, "operator") != 0)
		return domain_msg_error(KN_EDENIED, "session", "PEGAWAI_HANYA_OPERATOR", "peran",
		    domain_role_label(author_user->role), NULL);
	if (memcmp(author_pk, subject_pk, 32) == 0 && (!user->active || strcmp(user->role, "operator") != 0))
		return domain_msg_error(KN_EDENIED, "user", "PEGAWAI_OPERATOR_DIRI_SENDIRI", NULL);
	return 0;
}

int
domain_school_may_edit(const domain_user *author_user)
{
	if (author_user == NULL || !author_user->active || strcmp(author_user->role, "operator") != 0)
		return domain_msg_error(KN_EDENIED, "session", "SEKOLAH_HANYA_OPERATOR", NULL);
	return 0;
}

int
domain_check_period(const char *period)
{
	if (strlen(period) != 6 || period[4] != '-' || (period[5] != '1' && period[5] != '2') ||
	    period[0] < '0' || period[0] > '9' || period[1] < '0' || period[1] > '9' ||
	    period[2] < '0' || period[2] > '9' || period[3] < '0' || period[3] > '9')
		return domain_msg_error(KN_EINVAL, "period", "SKP_FORMAT_PERIODE", "periode", period, NULL);
	int year = atoi(period);
	if (year < 2020 || year > 2100) {
		char y[8];
		snprintf(y, sizeof(y), "%d", year);
		return domain_msg_error(KN_EINVAL, "period", "PERIODE_TAHUN", "tahun", y, NULL);
	}
	return 0;
}

void
domain_period_of(char *out, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000) + 7 * 3600; /* WIB */
	struct tm tm;

	gmtime_r(&t, &tm);
	int year = tm.tm_year + 1900;
	if (year < 1000 || year > 9999)
		year = 2000;
	out[0] = (char)('0' + year / 1000);
	out[1] = (char)('0' + year / 100 % 10);
	out[2] = (char)('0' + year / 10 % 10);
	out[3] = (char)('0' + year % 10);
	out[4] = '-';
	out[5] = tm.tm_mon < 6 ? '1' : '2';
	out[6] = '\0';
}

static int
check_hex(const char *s, size_t n, const char *field)
{
	char len[24];

	snprintf(len, sizeof(len), "%zu", n);
	if (strlen(s) != n)
		return domain_msg_error(KN_EINVAL, field, "FORMAT_HEKSA", "kolom", field, "jumlah", len, NULL);
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return domain_msg_error(KN_EINVAL, field, "FORMAT_HEKSA_KECIL", "kolom", field, "jumlah", len, NULL);
	return 0;
}

int
domain_evidence_parse(domain_evidence *out, const msgpack_object *body)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = req_str(out->period, sizeof(out->period), body, "period")) || (rc = domain_check_period(out->period)) ||
	    (rc = req_str(out->commit, sizeof(out->commit), body, "commit")) || (rc = check_hex(out->commit, 40, "commit")) ||
	    (rc = req_str(out->state, sizeof(out->state), body, "state")) ||
	    (rc = req_str(out->action, sizeof(out->action), body, "action")) ||
	    (rc = opt_str(out->slot, sizeof(out->slot), body, "slot")) ||
	    (rc = opt_str(out->name, sizeof(out->name), body, "name")) ||
	    (rc = opt_str(out->blob, sizeof(out->blob), body, "blob")) ||
	    (rc = opt_str(out->replaced, sizeof(out->replaced), body, "replaced")))
		return rc;
	if (strcmp(out->state, "draf") != 0 && strcmp(out->state, "dikumpulkan") != 0)
		return domain_msg_error(KN_EINVAL, "state", "BUKTI_FORMAT_STATUS", "nilai", out->state, NULL);
	if (strcmp(out->action, "upload") == 0) {
		if (!out->slot[0] || !out->name[0] || (rc = check_hex(out->blob, 40, "blob")))
			return out->slot[0] && out->name[0] ? rc :
			    domain_msg_error(KN_EINVAL, "slot", "BUKTI_FORMAT_UNGGAH", NULL);
		if (strcmp(out->state, "draf") != 0)
			return domain_msg_error(KN_EINVAL, "state", "BUKTI_FORMAT_UNGGAH_STATUS", NULL);
	} else if (strcmp(out->action, "submit") == 0) {
		if (strcmp(out->state, "dikumpulkan") != 0)
			return domain_msg_error(KN_EINVAL, "state", "BUKTI_FORMAT_KUMPUL_STATUS", NULL);
	} else {
		return domain_msg_error(KN_EINVAL, "action", "BUKTI_FORMAT_AKSI", "nilai", out->action, NULL);
	}
	const msgpack_object *o = kn_map_get(body, "size");
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		out->size = o->via.u64;
	o = kn_map_get(body, "dedup");
	if (o && o->type == MSGPACK_OBJECT_BOOLEAN)
		out->dedup = o->via.boolean;
	/* the file's identity, which the signature binds (older records lack it) */
	if ((rc = opt_str(out->sha256, sizeof(out->sha256), body, "sha256")) ||
	    (rc = opt_str(out->type, sizeof(out->type), body, "type")))
		return rc;
	if (out->sha256[0] && (strlen(out->sha256) != 64 || strspn(out->sha256, "0123456789abcdef") != 64))
		return domain_msg_error(KN_EINVAL, "sha256", "BUKTI_FORMAT_SHA256", NULL);
	if (strcmp(out->action, "upload") == 0 && (out->sha256[0] != 0) != (out->type[0] != 0))
		return domain_msg_error(KN_EINVAL, "sha256", "BUKTI_FORMAT_SHA256_JENIS", NULL);
	return 0;
}

int
domain_evidence_may_write(const domain_user *author_user, const uint8_t author_pk[32], const uint8_t subject_pk[32])
{
	if (author_user == NULL || !author_user->active)
		return domain_msg_error(KN_EDENIED, "session", "BUKTI_HANYA_PEGAWAI_AKTIF", NULL);
	if (memcmp(author_pk, subject_pk, 32) != 0)
		return domain_msg_error(KN_EDENIED, "teacher", "BUKTI_HANYA_PEMILIK", NULL);
	if (strcmp(author_user->role, "guru") != 0 && strcmp(author_user->role, "kepala_sekolah") != 0)
		return domain_msg_error(KN_EDENIED, "session", "AKSES_TANPA_BUKTI", "peran", domain_role_label(author_user->role), NULL);
	return 0;
}
