/*
 * access.c - who may call what and read whose records (DOMAIN.md §1).
 * Pure functions: the caller passes the people involved, as enrolled now.
 *
 * The rule of reading: a person reads their own records and files; their
 * atasan (the Kepala Sekolah, for a Guru) reads theirs; the Operator
 * Sekolah administers people and the device and reads enrollments, but
 * never a teacher's Bukti Dukung.
 */
#include <string.h>

#include "domain.h"
#include "messages.h"
#include "skp.h"

static int
is_role(const domain_user *u, const char *role)
{
	return u != NULL && strcmp(u->role, role) == 0;
}

int
domain_may_use(const domain_user *me)
{
	if (me == NULL || !me->active)
		return domain_msg_error(KN_EDENIED, "session", "AKSES_AKUN_TIDAK_AKTIF", NULL);
	return 0;
}

int
domain_may_administer(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "operator"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_HANYA_OPERATOR", "peran",
		    domain_role_label(me->role), NULL);
	return rc;
}

int
domain_may_list_people(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "operator") && !is_role(me, "kepala_sekolah"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_DAFTAR_PEGAWAI", NULL);
	return rc;
}

int
domain_may_keep_evidence(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "guru") && !is_role(me, "kepala_sekolah"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_TANPA_BUKTI", "peran", domain_role_label(me->role), NULL);
	return rc;
}

int
domain_may_check_repository(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "operator") && !is_role(me, "kepala_sekolah"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_PERIKSA_PENYIMPANAN_BUKTI", NULL);
	return rc;
}

/*
 * The one atasan decision (domain_atasan_resolve), with the reader's
 * enrollment as the only assignment: until the Dinas records Plt,
 * Pengawas and Kepala Dinas assignments, the school's definitive principal
 * is every teacher's atasan. Both people are of this store's school, so
 * the school and the day are placeholders here.
 */
int
domain_is_atasan_of(const domain_user *reader, const uint8_t reader_pk[32], const domain_user *subject,
    const uint8_t subject_pk[32])
{
	domain_assignment post;
	domain_atasan_set set;

	if (reader == NULL || subject == NULL || memcmp(reader_pk, subject_pk, 32) == 0 ||
	    !domain_enrollment_post(&post, reader, reader_pk, "00000000", 0))
		return 0;
	domain_atasan_query q = { subject_pk, subject->role, "00000000",
		is_role(subject, "kepala_sekolah") ? DOMAIN_JABATAN_KEPALA_SEKOLAH : DOMAIN_JABATAN_GURU, 0, &post, 1 };
	int ok = domain_atasan_resolve(&set, &q) == 0 && domain_atasan_has(&set, reader_pk);
	kn_error_clear();
	return ok;
}

int
domain_person_may_read(const domain_user *reader, const uint8_t reader_pk[32], const domain_user *subject,
    const uint8_t subject_pk[32])
{
	int rc = domain_may_use(reader);

	if (rc)
		return rc;
	if (memcmp(reader_pk, subject_pk, 32) == 0 || domain_is_atasan_of(reader, reader_pk, subject, subject_pk))
		return 0;
	if (is_role(reader, "operator"))
		return domain_msg_error(KN_EDENIED, "teacher", "AKSES_OPERATOR_TIDAK_MEMBACA_BUKTI", NULL);
	if (is_role(reader, "kepala_sekolah"))
		return domain_msg_error(KN_EDENIED, "teacher", "AKSES_BUKAN_ATASAN", NULL);
	return domain_msg_error(KN_EDENIED, "teacher", "AKSES_GURU_REKAMAN_SENDIRI", NULL);
}

int
domain_record_may_read(const domain_user *reader, const uint8_t reader_pk[32], const char *type,
    const domain_user *subject, const uint8_t subject_pk[32])
{
	int rc = domain_may_use(reader);

	if (rc)
		return rc;
	if (strcmp(type, "school") == 0)
		return 0;
	/* a catalog version is the rules everyone plans by: every member reads it */
	if (strcmp(type, "catalog") == 0)
		return 0;
	if (strcmp(type, "user") == 0) {
		/* enrollments: the person, whoever administers people, and the atasan */
		if (subject_pk != NULL && memcmp(reader_pk, subject_pk, 32) == 0)
			return 0;
		if (is_role(reader, "operator") || is_role(reader, "kepala_sekolah"))
			return 0;
		return domain_msg_error(KN_EDENIED, "id", "AKSES_GURU_PENDAFTARAN_SENDIRI", NULL);
	}
	if (strcmp(type, "evidence") == 0) {
		if (subject == NULL || subject_pk == NULL)
			return domain_msg_error(KN_EDENIED, "id", "AKSES_SUBJEK_TIDAK_TERDAFTAR", NULL);
		return domain_person_may_read(reader, reader_pk, subject, subject_pk);
	}
	if (strcmp(type, "period") == 0)
		return 0; /* the school's periods concern everyone in it */
	if (strcmp(type, "skp") == 0) {
		if (subject == NULL || subject_pk == NULL)
			return domain_msg_error(KN_EDENIED, "id", "AKSES_SUBJEK_TIDAK_TERDAFTAR", NULL);
		return domain_plan_may_read(reader, reader_pk, subject, subject_pk);
	}
	/* a hub's enrolment of a school: the office's Operator and Kepala Dinas */
	if (strcmp(type, "registration") == 0)
		return domain_may_act_for_dinas(reader);
	/* a person's confirmation of their own data is theirs alone (identity.h I6) */
	if (strcmp(type, "identity") == 0) {
		if (subject_pk != NULL && memcmp(reader_pk, subject_pk, 32) == 0)
			return 0;
		return domain_msg_error(KN_EDENIED, "id", "AKSES_IDENTITAS_PEMILIK", NULL);
	}
	return domain_msg_error(KN_EDENIED, "id", "AKSES_JENIS_REKAMAN", "jenis", type, NULL);
}

/* R10: the school's principal starts the period (the Dinas path comes with assignments). */
int
domain_may_open_periods(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "kepala_sekolah"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_MULAI_PERIODE", NULL);
	return rc;
}

/*
 * The Dinas's acts (assignments, opening a school's period), signed with
 * its authority key by the office's daemon: the office's Operator or its
 * Kepala Dinas. Whether this store is an office is the method's to check.
 */
int
domain_may_act_for_dinas(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "operator") && !is_role(me, "kepala_dinas"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_ATAS_NAMA_DINAS", NULL);
	return rc;
}

int
domain_may_carry_bundles(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "operator") && !is_role(me, "kepala_dinas"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_BUNDEL_HANYA_OPERATOR", "peran", domain_role_label(me->role), NULL);
	return rc;
}

/* Those who have an SKP of their own: Guru and Kepala Sekolah. */
int
domain_may_plan(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "guru") && !is_role(me, "kepala_sekolah"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_TANPA_SKP", "peran", domain_role_label(me->role), NULL);
	return rc;
}

/* The atasan's acts and inbox: the Kepala Sekolah (whose teachers he judges is decided per plan). */
int
domain_may_judge_plans(const domain_user *me)
{
	int rc = domain_may_use(me);

	/* a Guru may be Plt Kepala Sekolah; whether he is the atasan of this SKP today is decided per plan */
	if (rc == 0 && !is_role(me, "kepala_sekolah") && !is_role(me, "guru") && !is_role(me, "pengawas") &&
	    !is_role(me, "kepala_dinas"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_HANYA_ATASAN", NULL);
	return rc;
}

/* Reading plans at all: never the Operator Sekolah. */
int
domain_may_read_plans(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "guru") && !is_role(me, "kepala_sekolah") && !is_role(me, "pengawas") &&
	    !is_role(me, "kepala_dinas"))
		rc = domain_msg_error(KN_EDENIED, "session", "AKSES_OPERATOR_TIDAK_MEMBACA_SKP", NULL);
	return rc;
}

/* One plan: its owner and its atasan (domain_is_atasan_of). */
int
domain_plan_may_read(const domain_user *reader, const uint8_t reader_pk[32], const domain_user *subject,
    const uint8_t subject_pk[32])
{
	int rc = domain_may_read_plans(reader);

	if (rc)
		return rc;
	if (memcmp(reader_pk, subject_pk, 32) == 0 || domain_is_atasan_of(reader, reader_pk, subject, subject_pk))
		return 0;
	if (is_role(reader, "kepala_sekolah"))
		return domain_msg_error(KN_EDENIED, "teacher", "AKSES_BUKAN_ATASAN_SKP", NULL);
	return domain_msg_error(KN_EDENIED, "teacher", "AKSES_GURU_SKP_SENDIRI", NULL);
}
