/*
 * period.c - days, a period's dates and deadlines from the catalog, who
 * may open a period, whether it is open, and whether an act is on time
 * (DOMAIN.md §2, §4.1, §5.11, R10, R14; see plan.h).
 *
 * Time is always an argument. Days are WIB calendar days so that "31
 * Januari" means the same at every school of the country's western zone
 * and on a hub; other zones are within two hours of it.
 */
#include <stdio.h>
#include <string.h>

#include "plan.h"

#define WIB_OFFSET_S (7 * 3600)

static const int month_days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
static const char *month_names[] = { "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
	"September", "Oktober", "November", "Desember" };

/* Gregorian leap year. */
static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Leap years in 1..y (y >= 0). */
static int64_t
leaps_through(int64_t y)
{
	return y / 4 - y / 100 + y / 400;
}

/* Day number of 1 January of year y (y >= 1970). */
static int64_t
year_start(int y)
{
	return 365 * (int64_t)(y - 1970) + leaps_through(y - 1) - leaps_through(1969);
}

/* A day is floor((seconds + 7 h) / 1 day): ms since the epoch is never negative here. */
int64_t
domain_day_of_ms(uint64_t ms)
{
	return (int64_t)((ms / 1000 + WIB_OFFSET_S) / 86400);
}

/* Count the days before the date; refuse what is not a date of 1970..9999. */
int
domain_day_from_ymd(int64_t *out, int year, int month, int day)
{
	int64_t d;

	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > month_days[month - 1] + (month == 2 && is_leap(year))) {
		char value[48], msg[DOMAIN_MSG_MAX];
		const char *params[] = { "nilai", value, NULL };
		snprintf(value, sizeof(value), "%04d-%02d-%02d", year, month, day);
		domain_msg_render(msg, sizeof(msg), "FORMAT_TANGGAL", params);
		return kn_error_set(KN_EINVAL, "tanggal", "%s", msg);
	}
	d = year_start(year);
	for (int m = 1; m < month; m++)
		d += month_days[m - 1] + (m == 2 && is_leap(year));
	*out = d + day - 1;
	return 0;
}

/* The inverse of domain_day_from_ymd: find the year, then the month. */
void
domain_day_to_ymd(int *year, int *month, int *day, int64_t d)
{
	int y;

	if (d < 0)
		d = 0;
	y = 1970 + (int)(d / 366);
	while (year_start(y + 1) <= d)
		y++;
	d -= year_start(y);
	int m = 1;
	while (m < 12 && d >= month_days[m - 1] + (m == 2 && is_leap(y))) {
		d -= month_days[m - 1] + (m == 2 && is_leap(y));
		m++;
	}
	*year = y;
	*month = m;
	*day = (int)d + 1;
}

/* Dates in messages are written as Indonesians write them: "31 Januari 2026". */
void
domain_day_format(char *out, size_t outsz, int64_t day)
{
	int y, m, d;

	if (day == DOMAIN_DAY_OPEN) {
		snprintf(out, outsz, "-");
		return;
	}
	domain_day_to_ymd(&y, &m, &d, day);
	snprintf(out, outsz, "%d %s %d", d, month_names[m - 1], y);
}

/* "2026-1" into year and semester, with the Indonesian message on failure. */
int
domain_period_parse(int *year, int *semester, const char *period)
{
	if (strlen(period) != 6 || strspn(period, "0123456789") != 4 || period[4] != '-' ||
	    (period[5] != '1' && period[5] != '2')) {
		char msg[DOMAIN_MSG_MAX];
		const char *params[] = { "periode", period, NULL };
		domain_msg_render(msg, sizeof(msg), "SKP_FORMAT_PERIODE", params);
		return kn_error_set(KN_EINVAL, "period", "%s", msg);
	}
	*year = (period[0] - '0') * 1000 + (period[1] - '0') * 100 + (period[2] - '0') * 10 + (period[3] - '0');
	*semester = period[5] - '0';
	if (*year < 1970) {
		char msg[DOMAIN_MSG_MAX];
		const char *params[] = { "periode", period, NULL };
		domain_msg_render(msg, sizeof(msg), "SKP_FORMAT_PERIODE", params);
		return kn_error_set(KN_EINVAL, "period", "%s", msg);
	}
	return 0;
}

/* One deadline of the period from the catalog's month and day. */
static int
period__deadline(domain_deadline *out, const domain_catalog *c, const char *id, int year, int semester)
{
	const domain_catalog_deadline *d;
	int rc = domain_catalog_deadline_find(&d, c, id, semester);

	if (rc)
		return rc;
	/* 29 February in a common year is the last day of February */
	if ((rc = domain_day_from_ymd(&out->day, year, d->month, d->month == 2 && d->day == 29 && !is_leap(year) ? 28 :
	    d->day)))
		return rc;
	out->id = d->id;
	out->hard = d->hard;
	out->status = d->status;
	out->source = d->source;
	return 0;
}

/* The calendar of the catalog applied to one year and semester. */
int
domain_period_get(domain_period *out, const domain_catalog *c, const char *period)
{
	const domain_catalog_semester *s;
	int year, semester, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = domain_period_parse(&year, &semester, period)))
		return rc;
	s = &c->semesters[semester - 1];
	snprintf(out->period, sizeof(out->period), "%s", period);
	out->year = year;
	out->semester = semester;
	if ((rc = domain_day_from_ymd(&out->start_day, year, s->start_month, s->start_day)) ||
	    (rc = domain_day_from_ymd(&out->end_day, year, s->end_month,
		s->end_month == 2 && s->end_day == 29 && !is_leap(year) ? 28 : s->end_day)) ||
	    (rc = period__deadline(&out->plan_due, c, "plan_due", year, semester)) ||
	    (rc = period__deadline(&out->approve_due, c, "approve_due", year, semester)) ||
	    (rc = period__deadline(&out->evaluation_due, c, "evaluation_due", year, semester)))
		return rc;
	return 0;
}

static const char *period_state_names[] = { "belum_dibuka", "dibuka", "ditutup" };

/* The wire name of a period state. */
const char *
domain_period_state_name(domain_period_state s)
{
	return (size_t)s < 3 ? period_state_names[s] : "belum_dibuka";
}

/* Fill why (when asked for) and the last error with one message. */
static int
period__refuse(domain_problem *why, int code, const char *msg_code, const char *field, const char *const *params)
{
	domain_problem p = { msg_code, "", "" };

	snprintf(p.field, sizeof(p.field), "%s", field);
	domain_msg_render(p.message, sizeof(p.message), msg_code, params);
	if (why)
		*why = p;
	return kn_error_set(code, field, "%s", p.message);
}

/*
 * R10: the principal starts the period; the Dinas can do it for a school
 * whose principal does not. A Pengawas cannot.
 */
int
domain_period_may_open(domain_problem *why, const uint8_t actor[32], const char *school, int64_t day,
    const domain_assignment *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(a[i].person, actor, 32) == 0 && a[i].role != DOMAIN_ROLE_PENGAWAS &&
		    domain_assignment_valid(&a[i], school, day))
			return 0;
	return period__refuse(why, KN_EDENIED, "PERIODE_BUKAN_PEMBUKA", "period", NULL);
}

/*
 * Open when some recorded opening, made on or before day by someone who
 * could open it then, names this period and school; closed after a hard
 * evaluation deadline. An opening by someone without the right is ignored
 * rather than trusted, so a forged or mistaken record opens nothing.
 */
int
domain_period_state_get(domain_period_state *out, domain_problem *why, const domain_period *p, const char *school,
    const domain_period_opening *o, size_t no, const domain_assignment *a, size_t na, int64_t day)
{
	char date[40];
	const char *params[] = { "periode", p->period, "tanggal", date, NULL };
	int opened = 0;

	domain_day_format(date, sizeof(date), p->evaluation_due.day);
	for (size_t i = 0; i < no && !opened; i++)
		opened = strcmp(o[i].period, p->period) == 0 && strcmp(o[i].school, school) == 0 && o[i].day <= day &&
		    domain_period_may_open(NULL, o[i].by, school, o[i].day, a, na) == 0;
	if (p->evaluation_due.hard && day > p->evaluation_due.day) {
		*out = DOMAIN_PERIOD_DITUTUP;
		return period__refuse(why, KN_ESTATE, "PERIODE_DITUTUP", "period", params);
	}
	if (!opened) {
		*out = DOMAIN_PERIOD_BELUM_DIBUKA;
		return period__refuse(why, KN_ESTATE, "PERIODE_BELUM_DIBUKA", "period", params);
	}
	*out = DOMAIN_PERIOD_DIBUKA;
	kn_error_clear();
	if (why) {
		why->code = "PERIODE_DIBUKA";
		snprintf(why->field, sizeof(why->field), "period");
		domain_msg_render(why->message, sizeof(why->message), "PERIODE_DIBUKA", params);
	}
	return 0;
}

/* The label of a deadline id for messages ("pengajuan SKP"). */
static const char *
period__deadline_label(const char *id)
{
	if (strcmp(id, "plan_due") == 0)
		return domain_msg_text("LABEL_TENGGAT_PLAN_DUE");
	if (strcmp(id, "approve_due") == 0)
		return domain_msg_text("LABEL_TENGGAT_APPROVE_DUE");
	if (strcmp(id, "evaluation_due") == 0)
		return domain_msg_text("LABEL_TENGGAT_EVALUATION_DUE");
	return id;
}

/*
 * Who may grant a dispensation on its day: a member of the SKP's atasan
 * set, or a Kepala Dinas over the school. Never the owner.
 */
static int
period__may_grant(const domain_timing_query *q, const uint8_t by[32], int64_t day, const char **label)
{
	if (q->owner && memcmp(by, q->owner, 32) == 0)
		return 0;
	for (size_t i = 0; q->atasan && i < q->atasan->n; i++)
		if (memcmp(q->atasan->keys[i], by, 32) == 0) {
			*label = domain_assignment_role_label(q->atasan->roles[i]);
			return 1;
		}
	for (size_t i = 0; i < q->nassignments; i++) {
		const domain_assignment *a = &q->assignments[i];
		if (a->role == DOMAIN_ROLE_KEPALA_DINAS && memcmp(a->person, by, 32) == 0 &&
		    domain_assignment_valid(a, q->school, day)) {
			*label = domain_assignment_role_label(a->role);
			return 1;
		}
	}
	return 0;
}

/* See plan.h: on time, late by a soft rule, let through by a named person, or refused. */
int
domain_timing_check(domain_timing *out, const domain_timing_query *q)
{
	const domain_deadline *dl = q->deadline;
	const domain_dispensation *dp = q->dispensation;
	char date[40];
	const char *label, *who = "";
	const char *params[] = { "tenggat", NULL, "tanggal", date, "pemberi", NULL, "alasan", NULL, "lain", NULL, NULL };
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (dl == NULL) {
		out->code = "TENGGAT_TANPA";
		domain_msg_render(out->message, sizeof(out->message), out->code, NULL);
		return 0;
	}
	label = period__deadline_label(dl->id);
	params[1] = label;
	domain_day_format(date, sizeof(date), dl->day);
	out->deadline = dl->id;
	out->due_day = dl->day;
	if (q->day <= dl->day) {
		out->code = "TENGGAT_TEPAT_WAKTU";
		goto out_render;
	}
	out->late = 1;
	if (dp != NULL) {
		/* a dispensation is checked whenever one is named, even for a soft deadline: it names a person */
		if (strcmp(dp->deadline, dl->id) != 0) {
			params[9] = period__deadline_label(dp->deadline);
			out->code = "TENGGAT_DISPENSASI_LAIN";
			rc = KN_EDENIED;
			goto out_render;
		}
		if (!period__may_grant(q, dp->by, dp->day, &who)) {
			out->code = "TENGGAT_DISPENSASI_DITOLAK";
			rc = KN_EDENIED;
			goto out_render;
		}
		if (strspn(dp->reason, " \t\n") == strlen(dp->reason)) {
			out->code = "TENGGAT_DISPENSASI_TANPA_ALASAN";
			rc = KN_EINVAL;
			goto out_render;
		}
		out->kind = DOMAIN_TIMING_DISPENSASI;
		memcpy(out->allowed_by, dp->by, 32);
		params[5] = who;
		params[7] = dp->reason;
		out->code = "TENGGAT_DISPENSASI";
		goto out_render;
	}
	if (dl->hard) {
		out->code = "TENGGAT_DITUTUP";
		rc = KN_ESTATE;
		goto out_render;
	}
	out->kind = DOMAIN_TIMING_TERLAMBAT;
	out->code = "TENGGAT_TERLAMBAT";
out_render:
	domain_msg_render(out->message, sizeof(out->message), out->code, params);
	if (rc)
		return kn_error_set(rc, dp ? "dispensasi" : "tenggat", "%s", out->message);
	return 0;
}
