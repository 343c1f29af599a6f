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
		return kn_error_set(KN_EDENIED, "session", "your account is not active in this school; ask the Operator Sekolah");
	return 0;
}

int
domain_may_administer(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "operator"))
		rc = kn_error_set(KN_EDENIED, "session", "only the Operator Sekolah may do this (you are %s)",
		    domain_role_label(me->role));
	return rc;
}

int
domain_may_list_people(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "operator") && !is_role(me, "kepala_sekolah"))
		rc = kn_error_set(KN_EDENIED, "session",
		    "only the Operator Sekolah and the Kepala Sekolah see the list of people; 'kinerja whoami' shows your own data");
	return rc;
}

int
domain_may_keep_evidence(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "guru") && !is_role(me, "kepala_sekolah"))
		rc = kn_error_set(KN_EDENIED, "session", "an %s has no Bukti Dukung of their own", domain_role_label(me->role));
	return rc;
}

int
domain_may_check_repository(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "operator") && !is_role(me, "kepala_sekolah"))
		rc = kn_error_set(KN_EDENIED, "session", "the Kepala Sekolah or the Operator Sekolah checks the evidence repository");
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
		return kn_error_set(KN_EDENIED, "teacher",
		    "the Operator Sekolah administers people and the device but does not read a teacher's Bukti Dukung");
	if (is_role(reader, "kepala_sekolah"))
		return kn_error_set(KN_EDENIED, "teacher", "you are not the atasan of this person");
	return kn_error_set(KN_EDENIED, "teacher", "a teacher reads only their own records; their Kepala Sekolah reads them too");
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
		return kn_error_set(KN_EDENIED, "id", "a teacher reads only their own enrollment");
	}
	if (strcmp(type, "evidence") == 0) {
		if (subject == NULL || subject_pk == NULL)
			return kn_error_set(KN_EDENIED, "id", "this record is about someone not enrolled here");
		return domain_person_may_read(reader, reader_pk, subject, subject_pk);
	}
	if (strcmp(type, "period") == 0)
		return 0; /* the school's periods concern everyone in it */
	if (strcmp(type, "skp") == 0) {
		if (subject == NULL || subject_pk == NULL)
			return kn_error_set(KN_EDENIED, "id", "this record is about someone not enrolled here");
		return domain_plan_may_read(reader, reader_pk, subject, subject_pk);
	}
	/* a hub's enrolment of a school: the office's Operator and Kepala Dinas */
	if (strcmp(type, "registration") == 0)
		return domain_may_act_for_dinas(reader);
	/* a person's confirmation of their own data is theirs alone (identity.h I6) */
	if (strcmp(type, "identity") == 0) {
		if (subject_pk != NULL && memcmp(reader_pk, subject_pk, 32) == 0)
			return 0;
		return kn_error_set(KN_EDENIED, "id", "a person's identity confirmation is read by that person only");
	}
	return kn_error_set(KN_EDENIED, "id", "records of type '%s' cannot be read here", type);
}

/* R10: the school's principal starts the period (the Dinas path comes with assignments). */
int
domain_may_open_periods(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "kepala_sekolah"))
		rc = kn_error_set(KN_EDENIED, "session",
		    "only the Kepala Sekolah starts (opens) a period for the school; ask your Kepala Sekolah");
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
		rc = kn_error_set(KN_EDENIED, "session", "only the office's Operator or its Kepala Dinas acts for the Dinas");
	return rc;
}

int
domain_may_carry_bundles(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "operator") && !is_role(me, "kepala_dinas"))
		rc = kn_error_set(KN_EDENIED, "session",
		    "only the Operator (the Operator Sekolah at a school; the office's Operator or its Kepala Dinas at a hub) "
		    "carries sync bundles (you are %s)", domain_role_label(me->role));
	return rc;
}

/* Those who have an SKP of their own: Guru and Kepala Sekolah. */
int
domain_may_plan(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "guru") && !is_role(me, "kepala_sekolah"))
		rc = kn_error_set(KN_EDENIED, "session", "an %s has no SKP of their own; teachers and the Kepala Sekolah plan",
		    domain_role_label(me->role));
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
		rc = kn_error_set(KN_EDENIED, "session",
		    "only an atasan (Kepala Sekolah, Plt Kepala Sekolah, Pengawas Sekolah, Kepala Dinas) approves, returns or reopens an SKP");
	return rc;
}

/* Reading plans at all: never the Operator Sekolah. */
int
domain_may_read_plans(const domain_user *me)
{
	int rc = domain_may_use(me);

	if (rc == 0 && !is_role(me, "guru") && !is_role(me, "kepala_sekolah") && !is_role(me, "pengawas") &&
	    !is_role(me, "kepala_dinas"))
		rc = kn_error_set(KN_EDENIED, "session",
		    "the Operator Sekolah administers people and the device but does not read SKPs");
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
		return kn_error_set(KN_EDENIED, "teacher", "you are not the atasan of this person, so you do not read their SKP");
	return kn_error_set(KN_EDENIED, "teacher", "a teacher reads only their own SKP; their Kepala Sekolah reads it too");
}
