/*
 * catalog.c - parse a catalog file (catalog/README.md) into a
 * domain_catalog, strictly, and answer lookups (see catalog.h).
 *
 * Every error names the JSON path at fault, both as the error field and at
 * the start of the message, because the person who reads it is editing a
 * JSON file (the operator publishing a new catalog version, or a
 * developer). These messages are therefore English, like the file's keys;
 * the texts teachers read come from messages.c's table.
 *
 * The strings of a parsed catalog point into the jansson tree, which the
 * catalog keeps (doc) and releases in domain_catalog_free().
 */
#include "catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "messages.h"

#define PATH_MAX_LEN 96

static const char *status_names[] = { "missing", "partial", "conflict", "inferred", "known" };

/* The wire name of a status, for the CLI and the gap list. */
const char *
domain_status_name(domain_status s)
{
	if ((size_t)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "missing";
	return status_names[s];
}

/*
 * Set KN_EINVAL with path as the field and "path <message>" as the text:
 * the one way every check below reports, so each message starts with the
 * place to look.
 */
static int __attribute__((format(printf, 2, 3)))
cat__fail(const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kn_error_set(KN_EINVAL, path, "%s %s", path[0] ? path : "the catalog", msg);
}

/*
 * Child paths: "path.key" (or "key" at the top) and "path[i]". out may be
 * path itself. A path too long for the buffer is cut (it only names a
 * place in an error message).
 */
static void
cat__path_key(char out[PATH_MAX_LEN], const char *path, const char *key)
{
	char tmp[PATH_MAX_LEN];

	if (snprintf(tmp, sizeof(tmp), "%s%s%s", path, path[0] ? "." : "", key) < 0)
		tmp[0] = '\0';
	memcpy(out, tmp, sizeof(tmp));
}

static void
cat__path_index(char out[PATH_MAX_LEN], const char *path, size_t i)
{
	char tmp[PATH_MAX_LEN];

	if (snprintf(tmp, sizeof(tmp), "%s[%zu]", path, i) < 0)
		tmp[0] = '\0';
	memcpy(out, tmp, sizeof(tmp));
}

/*
 * Refuse keys this format does not define: a typo ("point" for "points")
 * must not silently make a value absent, which would read as "missing".
 */
static int
cat__keys(const json_t *o, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *val;

	if (!json_is_object(o))
		return cat__fail(path, "must be an object");
	json_object_foreach((json_t *)o, key, val) {
		int ok = 0;
		(void)val;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(key, *a) == 0;
		if (!ok) {
			char p[PATH_MAX_LEN];
			cat__path_key(p, path, key);
			return cat__fail(p, "is not a field of catalog format %d", DOMAIN_CATALOG_FORMAT);
		}
	}
	return 0;
}

/* Is s free of control characters (the catalog's texts are single lines)? */
static int
cat__text_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * A string member: absent gives NULL (refused when required); present it
 * must be non-empty text of at most DOMAIN_CATALOG_TEXT_MAX bytes without
 * control characters. null is refused here: only the dianjurkan/dihindari
 * arrays use null, to count texts known to exist but not retrieved.
 */
static int
cat__str(const char **out, const json_t *o, const char *key, const char *path, int required)
{
	char p[PATH_MAX_LEN];
	const json_t *v = json_object_get(o, key);
	const char *s;

	*out = NULL;
	cat__path_key(p, path, key);
	if (v == NULL)
		return required ? cat__fail(p, "is required (text)") : 0;
	if (!json_is_string(v))
		return cat__fail(p, required ? "must be text" : "must be text or absent");
	s = json_string_value(v);
	if (s[0] == '\0' || json_string_length(v) > DOMAIN_CATALOG_TEXT_MAX || !cat__text_clean(s))
		return cat__fail(p, "must be non-empty text of at most %d bytes on one line", DOMAIN_CATALOG_TEXT_MAX);
	*out = s;
	return 0;
}

/* An id: [a-z0-9_]+, at most DOMAIN_CATALOG_ID_MAX bytes, so plans can name it in any encoding. */
static int
cat__id(const char **out, const json_t *o, const char *path)
{
	char p[PATH_MAX_LEN];
	int rc = cat__str(out, o, "id", path, 1);

	if (rc)
		return rc;
	cat__path_key(p, path, "id");
	if (strlen(*out) > DOMAIN_CATALOG_ID_MAX || strspn(*out, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(*out))
		return cat__fail(p, "must be lower-case letters, digits and '_', at most %d characters", DOMAIN_CATALOG_ID_MAX);
	return 0;
}

/*
 * A whole-number member >= min. *present says whether it was there; when
 * absent and required, refused. Reals (8.0) are refused: a count is a count.
 */
static int
cat__int(int64_t *out, int *present, const json_t *o, const char *key, const char *path, int64_t min, int required)
{
	char p[PATH_MAX_LEN];
	const json_t *v = json_object_get(o, key);

	*out = 0;
	if (present)
		*present = v != NULL;
	cat__path_key(p, path, key);
	if (v == NULL && !required)
		return 0;
	if (v == NULL)
		return cat__fail(p, "is required (a whole number >= %lld)", (long long)min);
	if (!json_is_integer(v) || json_integer_value(v) < min)
		return cat__fail(p, required ? "must be a whole number >= %lld" : "must be a whole number >= %lld or absent",
		    (long long)min);
	*out = json_integer_value(v);
	return 0;
}

/* The member "status": one of the names allowed by mask (bit per domain_status). */
static int
cat__status(domain_status *out, const json_t *o, const char *path, unsigned mask)
{
	char p[PATH_MAX_LEN], names[80] = "";
	const char *s;
	int rc = cat__str(&s, o, "status", path, 1);

	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++) {
		if (!(mask & (1u << i)))
			continue;
		if (strcmp(s, status_names[i]) == 0) {
			*out = (domain_status)i;
			return 0;
		}
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", names[0] ? ", " : "", status_names[i]);
	}
	cat__path_key(p, path, "status");
	return cat__fail(p, "must be one of: %s", names);
}

#define ST(s) (1u << (s))
#define ST_ENTRY (ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_PARTIAL) | ST(DOMAIN_STATUS_CONFLICT) | ST(DOMAIN_STATUS_MISSING))
#define ST_LIMIT (ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_INFERRED))

/*
 * A source member: text naming at least one tag of the catalog's
 * "sources" (words are split at anything but letters and digits), so
 * every fact can be traced to a document.
 */
static int
cat__source(const char **out, const json_t *o, const char *key, const char *path, const domain_catalog *c)
{
	char p[PATH_MAX_LEN], word[32];
	int rc = cat__str(out, o, key, path, 1);

	if (rc)
		return rc;
	for (const char *s = *out; *s;) {
		size_t n = 0;
		while (*s && !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
			s++;
		while (((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))) {
			if (n < sizeof(word) - 1)
				word[n++] = *s;
			s++;
		}
		word[n] = '\0';
		for (size_t i = 0; n && i < c->nsources; i++)
			if (strcmp(word, c->sources[i].tag) == 0)
				return 0;
	}
	cat__path_key(p, path, key);
	return cat__fail(p, "names no tag of \"sources\" (e.g. SD4, P2, INF)");
}

/* An array member with at most max elements (min at least). */
static int
cat__array(const json_t **out, const json_t *o, const char *key, const char *path, size_t min, size_t max)
{
	char p[PATH_MAX_LEN];
	const json_t *v = json_object_get(o, key);

	*out = v;
	cat__path_key(p, path, key);
	if (v == NULL || !json_is_array(v))
		return cat__fail(p, "is required (an array)");
	if (json_array_size(v) < min || json_array_size(v) > max)
		return cat__fail(p, "must have %zu to %zu entries (has %zu)", min, max, json_array_size(v));
	return 0;
}

/* An object member (required). */
static int
cat__object(const json_t **out, const json_t *o, const char *key, const char *path)
{
	char p[PATH_MAX_LEN];

	*out = json_object_get(o, key);
	cat__path_key(p, path, key);
	if (*out == NULL || !json_is_object(*out))
		return cat__fail(p, "is required (an object)");
	return 0;
}

/* An array of non-empty strings, each at most maxlen bytes when maxlen > 0. */
static int
cat__str_array(const char **out, size_t *n, const json_t *arr, const char *path, size_t maxlen)
{
	char p[PATH_MAX_LEN];

	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		cat__path_index(p, path, i);
		if (!json_is_string(v) || json_string_length(v) == 0 || !cat__text_clean(json_string_value(v)) ||
		    (maxlen && json_string_length(v) > maxlen))
			return cat__fail(p, "must be non-empty text");
		for (size_t j = 0; j < i; j++)
			if (strcmp(out[j], json_string_value(v)) == 0)
				return cat__fail(p, "repeats \"%s\"", out[j]);
		out[i] = json_string_value(v);
	}
	*n = json_array_size(arr);
	return 0;
}

/* "MM-DD" with a real day of that month (29 February allowed). */
static int
cat__month_day(int *month, int *day, const json_t *o, const char *key, const char *path)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char p[PATH_MAX_LEN];
	const char *s;
	int rc = cat__str(&s, o, key, path, 1);

	if (rc)
		return rc;
	cat__path_key(p, path, key);
	if (strlen(s) != 5 || s[2] != '-' || strspn(s, "0123456789") != 2 || strspn(s + 3, "0123456789") != 2)
		return cat__fail(p, "must be a date MM-DD, e.g. 01-31");
	*month = (s[0] - '0') * 10 + (s[1] - '0');
	*day = (s[3] - '0') * 10 + (s[4] - '0');
	if (*month < 1 || *month > 12 || *day < 1 || *day > mdays[*month - 1])
		return cat__fail(p, "is not a day of the year (MM-DD)");
	return 0;
}

/* ---- the sections ---- */

/* The sources list, first: every other section names its tags, and the tags must be unique. */
static int
cat__sources(domain_catalog *c, const json_t *root)
{
	static const char *const keys[] = { "tag", "title", "where", NULL };
	const json_t *arr;
	char p[PATH_MAX_LEN];
	int rc = cat__array(&arr, root, "sources", "", 1, DOMAIN_CATALOG_SOURCES_MAX);

	for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
		const json_t *e = json_array_get(arr, i);
		domain_catalog_source *s = &c->sources[i];
		cat__path_index(p, "sources", i);
		if ((rc = cat__keys(e, p, keys)) || (rc = cat__str(&s->tag, e, "tag", p, 1)) ||
		    (rc = cat__str(&s->title, e, "title", p, 1)) || (rc = cat__str(&s->where, e, "where", p, 0)))
			break;
		if (strlen(s->tag) > 16 || strspn(s->tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != strlen(s->tag)) {
			cat__path_key(p, p, "tag");
			rc = cat__fail(p, "must be upper-case letters and digits, e.g. SD4");
			break;
		}
		for (size_t j = 0; j < i && rc == 0; j++)
			if (strcmp(c->sources[j].tag, s->tag) == 0)
				rc = cat__fail(p, "repeats the tag %s", s->tag);
		c->nsources = i + 1;
	}
	return rc;
}

/* A value object {"value", "status", "source", "note"?} whose value is read by the caller. */
static int
cat__fact(domain_status *status, const char **source, const char **note, const json_t *o, const char *path,
    const domain_catalog *c, unsigned mask)
{
	static const char *const keys[] = { "value", "status", "source", "note", NULL };
	int rc;

	if ((rc = cat__keys(o, path, keys)) || (rc = cat__status(status, o, path, mask)) ||
	    (rc = cat__source(source, o, "source", path, c)) || (rc = cat__str(note, o, "note", path, 0)))
		return rc;
	return 0;
}

/*
 * One limit {value, status, source, note?}; a limit is known or inferred, never missing: the rules need it.
 */
static int
cat__limit(domain_catalog_limit *out, const json_t *limits, const char *key, int64_t min, const domain_catalog *c)
{
	char p[PATH_MAX_LEN];
	const json_t *o;
	int rc;

	cat__path_key(p, "limits", key);
	if ((rc = cat__object(&o, limits, key, "limits")) ||
	    (rc = cat__fact(&out->status, &out->source, &out->note, o, p, c, ST_LIMIT)) ||
	    (rc = cat__int(&out->value, NULL, o, "value", p, min, 1)))
		return rc;
	return 0;
}

/*
 * All limits, and the relations between them that the rules assume (min <= max, texts fit their buffers).
 */
static int
cat__limits(domain_catalog *c, const json_t *root)
{
	static const char *const keys[] = { "points_min", "points_max", "text_max_chars", "sub_indicators_per_plan",
		"quantity_max", "evidence_types", "evidence_max_mb", NULL };
	domain_catalog_limits *l = &c->limits;
	const json_t *lim, *o, *arr;
	const char *note;
	int rc;

	if ((rc = cat__object(&lim, root, "limits", "")) || (rc = cat__keys(lim, "limits", keys)) ||
	    (rc = cat__limit(&l->points_min, lim, "points_min", 1, c)) ||
	    (rc = cat__limit(&l->points_max, lim, "points_max", 1, c)) ||
	    (rc = cat__limit(&l->text_max_chars, lim, "text_max_chars", 1, c)) ||
	    (rc = cat__limit(&l->sub_indicators_per_plan, lim, "sub_indicators_per_plan", 1, c)) ||
	    (rc = cat__limit(&l->quantity_max, lim, "quantity_max", 1, c)) ||
	    (rc = cat__limit(&l->evidence_max_mb, lim, "evidence_max_mb", 1, c)) ||
	    (rc = cat__object(&o, lim, "evidence_types", "limits")) ||
	    (rc = cat__fact(&l->evidence_types_status, &l->evidence_types_source, &note, o, "limits.evidence_types", c,
		ST_LIMIT)) ||
	    (rc = cat__array(&arr, o, "value", "limits.evidence_types", 1, DOMAIN_CATALOG_TYPES_MAX)) ||
	    (rc = cat__str_array(l->evidence_types, &l->nevidence_types, arr, "limits.evidence_types.value", 8)))
		return rc;
	if (l->points_max.value < l->points_min.value)
		return cat__fail("limits.points_max", "must not be below limits.points_min (%lld)", (long long)l->points_min.value);
	if (l->text_max_chars.value > DOMAIN_CATALOG_TEXT_MAX / 4)
		return cat__fail("limits.text_max_chars", "must be at most %d (texts are held in %d bytes)",
		    DOMAIN_CATALOG_TEXT_MAX / 4, DOMAIN_CATALOG_TEXT_MAX);
	if (l->sub_indicators_per_plan.value > DOMAIN_CATALOG_SUB_MAX)
		return cat__fail("limits.sub_indicators_per_plan", "must be at most %d", DOMAIN_CATALOG_SUB_MAX);
	return 0;
}

/* A number that orders month/day pairs within a year (not a day count). */
static int
cat__ordinal(int month, int day)
{
	return month * 32 + day;
}

/* Semesters 1 and 2 in order, and each semester's three deadlines, inside the semester. */
static int
cat__calendar(domain_catalog *c, const json_t *root)
{
	static const char *const ckeys[] = { "semesters", "deadlines", NULL };
	static const char *const skeys[] = { "semester", "start", "end", "status", "source", NULL };
	static const char *const dkeys[] = { "id", "semester", "date", "kind", "status", "source", "kind_source", "note",
		NULL };
	static const char *const ids[] = { "plan_due", "approve_due", "evaluation_due" };
	const json_t *cal, *arr;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	int rc;

	if ((rc = cat__object(&cal, root, "calendar", "")) || (rc = cat__keys(cal, "calendar", ckeys)) ||
	    (rc = cat__array(&arr, cal, "semesters", "calendar", 2, 2)))
		return rc;
	for (size_t i = 0; i < 2; i++) {
		const json_t *e = json_array_get(arr, i);
		domain_catalog_semester s = { 0 };
		int64_t sem;
		cat__path_index(p, "calendar.semesters", i);
		if ((rc = cat__keys(e, p, skeys)) || (rc = cat__int(&sem, NULL, e, "semester", p, 1, 1)) ||
		    (rc = cat__month_day(&s.start_month, &s.start_day, e, "start", p)) ||
		    (rc = cat__month_day(&s.end_month, &s.end_day, e, "end", p)) ||
		    (rc = cat__status(&s.status, e, p, ST_LIMIT)) || (rc = cat__source(&s.source, e, "source", p, c)))
			return rc;
		cat__path_key(q, p, "semester");
		if (sem != (int64_t)i + 1)
			return cat__fail(q, "must be %zu (semesters are listed in order 1, 2)", i + 1);
		if (cat__ordinal(s.start_month, s.start_day) > cat__ordinal(s.end_month, s.end_day))
			return cat__fail(p, "ends before it starts");
		s.semester = (int)sem;
		c->semesters[i] = s;
	}
	if ((rc = cat__array(&arr, cal, "deadlines", "calendar", 6, DOMAIN_CATALOG_DEADLINES_MAX)))
		return rc;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *e = json_array_get(arr, i);
		domain_catalog_deadline *d = &c->deadlines[i];
		const char *kind;
		int64_t sem;
		int known = 0;
		cat__path_index(p, "calendar.deadlines", i);
		if ((rc = cat__keys(e, p, dkeys)) || (rc = cat__str(&d->id, e, "id", p, 1)) ||
		    (rc = cat__int(&sem, NULL, e, "semester", p, 1, 1)) ||
		    (rc = cat__month_day(&d->month, &d->day, e, "date", p)) || (rc = cat__str(&kind, e, "kind", p, 1)) ||
		    (rc = cat__status(&d->status, e, p, ST_LIMIT)) || (rc = cat__source(&d->source, e, "source", p, c)) ||
		    (rc = cat__source(&d->kind_source, e, "kind_source", p, c)) || (rc = cat__str(&d->note, e, "note", p, 0)))
			return rc;
		for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
			known |= strcmp(d->id, ids[k]) == 0;
		cat__path_key(q, p, "id");
		if (!known)
			return cat__fail(q, "must be plan_due, approve_due or evaluation_due");
		cat__path_key(q, p, "semester");
		if (sem != 1 && sem != 2)
			return cat__fail(q, "must be 1 or 2");
		cat__path_key(q, p, "kind");
		if (strcmp(kind, "soft") != 0 && strcmp(kind, "hard") != 0)
			return cat__fail(q, "must be soft or hard");
		d->semester = (int)sem;
		d->hard = strcmp(kind, "hard") == 0;
		const domain_catalog_semester *s = &c->semesters[sem - 1];
		if (cat__ordinal(d->month, d->day) < cat__ordinal(s->start_month, s->start_day) ||
		    cat__ordinal(d->month, d->day) > cat__ordinal(s->end_month, s->end_day)) {
			cat__path_key(q, p, "date");
			return cat__fail(q, "is outside semester %d", d->semester);
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->deadlines[j].id, d->id) == 0 && c->deadlines[j].semester == d->semester)
				return cat__fail(p, "repeats %s of semester %d", d->id, d->semester);
		c->ndeadlines = i + 1;
	}
	for (int sem = 1; sem <= 2; sem++)
		for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
			const domain_catalog_deadline *d;
			if (domain_catalog_deadline_find(&d, c, ids[k], sem) != 0)
				return cat__fail("calendar.deadlines", "must give %s for semester %d", ids[k], sem);
		}
	return 0;
}

/*
 * Which SKPs (guru, kepala_sekolah) the catalog serves: a plan of another jabatan cannot be checked.
 */
static int
cat__jabatan(domain_catalog *c, const json_t *root)
{
	const json_t *o, *arr;
	int rc;

	if ((rc = cat__object(&o, root, "jabatan", "")) ||
	    (rc = cat__fact(&c->jabatan_status, &c->jabatan_source, &c->jabatan_note, o, "jabatan", c,
		ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_PARTIAL))) ||
	    (rc = cat__array(&arr, o, "value", "jabatan", 1, DOMAIN_CATALOG_JABATAN_MAX)) ||
	    (rc = cat__str_array(c->jabatan, &c->njabatan, arr, "jabatan.value", 0)))
		return rc;
	for (size_t i = 0; i < c->njabatan; i++)
		if (strcmp(c->jabatan[i], "guru") != 0 && strcmp(c->jabatan[i], "kepala_sekolah") != 0) {
			char p[PATH_MAX_LEN];
			cat__path_index(p, "jabatan.value", i);
			return cat__fail(p, "must be guru or kepala_sekolah");
		}
	return 0;
}

/* The Jenis PTK a Guru may have (P9): eligibility compares Dapodik's value against it. */
static int
cat__ptk(domain_catalog *c, const json_t *root)
{
	const json_t *o, *arr;
	const char *note;
	int rc;

	if ((rc = cat__object(&o, root, "jenis_ptk", "")) ||
	    (rc = cat__fact(&c->ptk_status, &c->ptk_source, &note, o, "jenis_ptk", c,
		ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_PARTIAL))) ||
	    (rc = cat__array(&arr, o, "value", "jenis_ptk", 1, DOMAIN_CATALOG_PTK_MAX)) ||
	    (rc = cat__str_array(c->ptk, &c->nptk, arr, "jenis_ptk.value", 0)))
		return rc;
	return 0;
}

/*
 * What is known of the RHK list as a whole: its official size (checked against rhk[]) and the points seen.
 */
static int
cat__rhk_list(domain_catalog *c, const json_t *root)
{
	static const char *const keys[] = { "expected_count", "status", "source", "point_values_seen",
		"point_values_source", "note", NULL };
	const json_t *o, *arr;
	const char *s;
	char p[PATH_MAX_LEN];
	int rc;

	if ((rc = cat__object(&o, root, "rhk_list", "")) || (rc = cat__keys(o, "rhk_list", keys)) ||
	    (rc = cat__int(&c->rhk_expected, NULL, o, "expected_count", "rhk_list", 1, 1)) ||
	    (rc = cat__status(&c->rhk_list_status, o, "rhk_list", ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_PARTIAL))) ||
	    (rc = cat__source(&c->rhk_list_source, o, "source", "rhk_list", c)) ||
	    (rc = cat__str(&s, o, "note", "rhk_list", 0)) ||
	    (rc = cat__array(&arr, o, "point_values_seen", "rhk_list", 0, DOMAIN_CATALOG_POINT_VALUES_MAX)) ||
	    (rc = cat__source(&s, o, "point_values_source", "rhk_list", c)))
		return rc;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		cat__path_index(p, "rhk_list.point_values_seen", i);
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return cat__fail(p, "must be a whole number >= 1");
		c->point_values[i] = json_integer_value(v);
	}
	c->npoint_values = json_array_size(arr);
	if (c->rhk_expected > DOMAIN_CATALOG_RHK_MAX)
		return cat__fail("rhk_list.expected_count", "must be at most %d", DOMAIN_CATALOG_RHK_MAX);
	return 0;
}

/*
 * One RHK. The status must say what the entry holds: "missing" holds no
 * text, summary, rule, evidence or points (nothing invented); "known" holds
 * all of text, rule, evidence and points; "conflict" holds at least two
 * distinct point candidates and no chosen points; "partial" lacks one of
 * text, rule, evidence, points.
 */
static int
cat__rhk_one(domain_catalog_rhk *r, const json_t *e, const char *p, const domain_catalog *c)
{
	static const char *const keys[] = { "id", "status", "source", "note", "summary", "text", "rule", "evidence",
		"points", "points_conflict", NULL };
	char q[PATH_MAX_LEN], qq[PATH_MAX_LEN];
	const json_t *cand;
	int has_points, rc;

	if ((rc = cat__keys(e, p, keys)) || (rc = cat__int(&r->id, NULL, e, "id", p, 1, 1)) ||
	    (rc = cat__status(&r->status, e, p, ST_ENTRY)) || (rc = cat__source(&r->source, e, "source", p, c)) ||
	    (rc = cat__str(&r->note, e, "note", p, 0)) || (rc = cat__str(&r->summary, e, "summary", p, 0)) ||
	    (rc = cat__str(&r->text, e, "text", p, 0)) || (rc = cat__str(&r->rule, e, "rule", p, 0)) ||
	    (rc = cat__str(&r->evidence, e, "evidence", p, 0)) ||
	    (rc = cat__int(&r->points, &has_points, e, "points", p, 1, 0)))
		return rc;
	cat__path_key(q, p, "points");
	if (r->points > DOMAIN_CATALOG_POINTS_MAX)
		return cat__fail(q, "must be at most %d", DOMAIN_CATALOG_POINTS_MAX);
	cand = json_object_get(e, "points_conflict");
	cat__path_key(q, p, "points_conflict");
	if (cand != NULL) {
		if (!json_is_array(cand) || json_array_size(cand) < 2 || json_array_size(cand) > DOMAIN_CATALOG_CANDIDATES_MAX)
			return cat__fail(q, "must be an array of 2 to %d candidates {value, source}", DOMAIN_CATALOG_CANDIDATES_MAX);
		for (size_t j = 0; j < json_array_size(cand); j++) {
			static const char *const ckeys[] = { "value", "source", NULL };
			const json_t *ce = json_array_get(cand, j);
			cat__path_index(qq, q, j);
			if ((rc = cat__keys(ce, qq, ckeys)) ||
			    (rc = cat__int(&r->candidates[j].value, NULL, ce, "value", qq, 1, 1)) ||
			    (rc = cat__source(&r->candidates[j].source, ce, "source", qq, c)))
				return rc;
			if (r->candidates[j].value > DOMAIN_CATALOG_POINTS_MAX)
				return cat__fail(qq, "value must be at most %d", DOMAIN_CATALOG_POINTS_MAX);
			for (size_t k = 0; k < j; k++)
				if (r->candidates[k].value == r->candidates[j].value)
					return cat__fail(qq, "repeats the value %lld", (long long)r->candidates[j].value);
		}
		r->ncandidates = json_array_size(cand);
	}
	cat__path_key(qq, p, "status");
	switch (r->status) {
	case DOMAIN_STATUS_MISSING:
		if (r->text || r->summary || r->rule || r->evidence || has_points || cand)
			return cat__fail(qq, "is missing, so the entry must hold no text, summary, rule, evidence or points");
		break;
	case DOMAIN_STATUS_KNOWN:
		if (!r->text || !r->rule || !r->evidence || !has_points || cand)
			return cat__fail(qq, "is known, so the entry needs text, rule, evidence and points (and no points_conflict)");
		break;
	case DOMAIN_STATUS_CONFLICT:
		if (!cand || has_points)
			return cat__fail(qq, "is conflict, so the entry needs points_conflict and no chosen points");
		break;
	default:
		if (cand)
			return cat__fail(qq, "must be conflict when points_conflict is given");
		if (r->text && r->rule && r->evidence && has_points)
			return cat__fail(qq, "is partial but nothing is absent: mark it known");
		break;
	}
	return 0;
}

/*
 * Every RHK, ids unique, and exactly as many as rhk_list.expected_count: the missing ones are listed, not left out.
 */
static int
cat__rhk(domain_catalog *c, const json_t *root)
{
	const json_t *arr;
	char p[PATH_MAX_LEN];
	int rc = cat__array(&arr, root, "rhk", "", 1, DOMAIN_CATALOG_RHK_MAX);

	for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
		cat__path_index(p, "rhk", i);
		if ((rc = cat__rhk_one(&c->rhk[i], json_array_get(arr, i), p, c)))
			break;
		for (size_t j = 0; j < i; j++)
			if (c->rhk[j].id == c->rhk[i].id) {
				char q[PATH_MAX_LEN];
				cat__path_key(q, p, "id");
				return cat__fail(q, "repeats RHK id %lld (also rhk[%zu])", (long long)c->rhk[i].id, j);
			}
		c->nrhk = i + 1;
	}
	if (rc == 0 && (int64_t)c->nrhk != c->rhk_expected)
		rc = cat__fail("rhk", "has %zu entries but rhk_list.expected_count is %lld: list every RHK, with status missing "
		    "for those not retrieved", c->nrhk, (long long)c->rhk_expected);
	return rc;
}

/* The Tugas Tambahan list (partial in pmm-2024.1) with jenjang codes and unique ids. */
static int
cat__tugas(domain_catalog *c, const json_t *root)
{
	static const char *const keys[] = { "status", "source", "note", "items", NULL };
	static const char *const ikeys[] = { "id", "name", "jenjang", "status", "source", "note", NULL };
	static const char *const levels[] = { "PAUD", "SD", "SMP", "SMA", "SMK", "SLB", "semua", NULL };
	const json_t *o, *arr;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	int rc;

	if ((rc = cat__object(&o, root, "tugas_tambahan", "")) || (rc = cat__keys(o, "tugas_tambahan", keys)) ||
	    (rc = cat__status(&c->tugas_status, o, "tugas_tambahan", ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_PARTIAL))) ||
	    (rc = cat__source(&c->tugas_source, o, "source", "tugas_tambahan", c)) ||
	    (rc = cat__str(&c->tugas_note, o, "note", "tugas_tambahan", 0)) ||
	    (rc = cat__array(&arr, o, "items", "tugas_tambahan", 0, DOMAIN_CATALOG_TUGAS_MAX)))
		return rc;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *e = json_array_get(arr, i), *jj;
		domain_catalog_tugas *t = &c->tugas[i];
		cat__path_index(p, "tugas_tambahan.items", i);
		if ((rc = cat__keys(e, p, ikeys)) || (rc = cat__id(&t->id, e, p)) || (rc = cat__str(&t->name, e, "name", p, 1)) ||
		    (rc = cat__status(&t->status, e, p, ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_PARTIAL))) ||
		    (rc = cat__source(&t->source, e, "source", p, c)) || (rc = cat__str(&t->note, e, "note", p, 0)))
			return rc;
		if ((jj = json_object_get(e, "jenjang")) != NULL) {
			if ((rc = cat__array(&jj, e, "jenjang", p, 1, DOMAIN_CATALOG_JENJANG_MAX)))
				return rc;
			cat__path_key(q, p, "jenjang");
			if ((rc = cat__str_array(t->jenjang, &t->njenjang, jj, q, 0)))
				return rc;
			for (size_t k = 0; k < t->njenjang; k++) {
				int ok = 0;
				for (const char *const *l = levels; *l; l++)
					ok |= strcmp(*l, t->jenjang[k]) == 0;
				if (!ok) {
					cat__path_index(q, q, k);
					return cat__fail(q, "must be PAUD, SD, SMP, SMA, SMK, SLB or semua");
				}
			}
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->tugas[j].id, t->id) == 0) {
				cat__path_key(q, p, "id");
				return cat__fail(q, "repeats the id %s", t->id);
			}
		c->ntugas = i + 1;
	}
	return 0;
}

/* dianjurkan / dihindari: an array of texts, null where a text exists but was not retrieved. */
static int
cat__examples(const char **out, size_t *n, const json_t *e, const char *key, const char *path)
{
	const json_t *arr;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	int rc = cat__array(&arr, e, key, path, 0, DOMAIN_CATALOG_EXAMPLES_MAX);

	if (rc)
		return rc;
	cat__path_key(p, path, key);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		cat__path_index(q, p, i);
		out[i] = NULL;
		if (json_is_null(v))
			continue;
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > DOMAIN_CATALOG_TEXT_MAX ||
		    !cat__text_clean(json_string_value(v)))
			return cat__fail(q, "must be non-empty text, or null when the text is missing");
		out[i] = json_string_value(v);
	}
	*n = json_array_size(arr);
	return 0;
}

/* Count the absent and present texts of a sub-indicator, to check its status. */
static void
cat__sub_count(size_t *absent, size_t *present, const domain_catalog_sub *s)
{
	*absent = !s->success;
	*present = !!s->success;
	for (size_t j = 0; j < s->ntargets; j++) {
		const domain_catalog_target *t = &s->targets[j];
		*absent += !t->text;
		*present += t->text || t->summary;
		for (size_t k = 0; k < t->ndianjurkan; k++)
			t->dianjurkan[k] ? (*present)++ : (*absent)++;
		for (size_t k = 0; k < t->ndihindari; k++)
			t->dihindari[k] ? (*present)++ : (*absent)++;
	}
}

/* The Praktik Kinerja sub-indicators; the status must match how many texts are present. */
static int
cat__subs(domain_catalog *c, const json_t *root)
{
	static const char *const keys[] = { "id", "name", "status", "source", "note", "success", "targets", NULL };
	static const char *const tkeys[] = { "text", "summary", "dianjurkan", "dihindari", NULL };
	const json_t *arr, *targets;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN], r[PATH_MAX_LEN];
	int rc = cat__array(&arr, root, "sub_indicators", "", 1, DOMAIN_CATALOG_SUB_MAX);

	for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
		const json_t *e = json_array_get(arr, i);
		domain_catalog_sub *s = &c->sub[i];
		size_t absent, present;
		cat__path_index(p, "sub_indicators", i);
		if ((rc = cat__keys(e, p, keys)) || (rc = cat__id(&s->id, e, p)) || (rc = cat__str(&s->name, e, "name", p, 1)) ||
		    (rc = cat__status(&s->status, e, p, ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_PARTIAL))) ||
		    (rc = cat__source(&s->source, e, "source", p, c)) || (rc = cat__str(&s->note, e, "note", p, 0)) ||
		    (rc = cat__str(&s->success, e, "success", p, 0)) ||
		    (rc = cat__array(&targets, e, "targets", p, 1, DOMAIN_CATALOG_TARGETS_MAX)))
			return rc;
		cat__path_key(q, p, "targets");
		for (size_t j = 0; j < json_array_size(targets); j++) {
			const json_t *te = json_array_get(targets, j);
			domain_catalog_target *t = &s->targets[j];
			cat__path_index(r, q, j);
			if ((rc = cat__keys(te, r, tkeys)) || (rc = cat__str(&t->text, te, "text", r, 0)) ||
			    (rc = cat__str(&t->summary, te, "summary", r, 0)) ||
			    (rc = cat__examples(t->dianjurkan, &t->ndianjurkan, te, "dianjurkan", r)) ||
			    (rc = cat__examples(t->dihindari, &t->ndihindari, te, "dihindari", r)))
				return rc;
		}
		s->ntargets = json_array_size(targets);
		cat__sub_count(&absent, &present, s);
		cat__path_key(q, p, "status");
		if (s->status == DOMAIN_STATUS_KNOWN && absent)
			return cat__fail(q, "is known but %zu texts are absent: mark it partial", absent);
		if (s->status == DOMAIN_STATUS_PARTIAL && !absent)
			return cat__fail(q, "is partial but nothing is absent: mark it known");
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->sub[j].id, s->id) == 0) {
				cat__path_key(q, p, "id");
				return cat__fail(q, "repeats the id %s", s->id);
			}
		c->nsub = i + 1;
	}
	return rc;
}

/* The observation scale; a level is known only with its official definition text. */
static int
cat__levels(domain_catalog *c, const json_t *root)
{
	static const char *const keys[] = { "id", "label", "text", "summary", "status", "source", NULL };
	const json_t *arr;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
	int rc = cat__array(&arr, root, "observation_scale", "", 1, DOMAIN_CATALOG_SCALE_MAX);

	for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
		const json_t *e = json_array_get(arr, i);
		domain_catalog_level *l = &c->levels[i];
		cat__path_index(p, "observation_scale", i);
		if ((rc = cat__keys(e, p, keys)) || (rc = cat__id(&l->id, e, p)) || (rc = cat__str(&l->label, e, "label", p, 1)) ||
		    (rc = cat__str(&l->text, e, "text", p, 0)) || (rc = cat__str(&l->summary, e, "summary", p, 0)) ||
		    (rc = cat__status(&l->status, e, p, ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_PARTIAL))) ||
		    (rc = cat__source(&l->source, e, "source", p, c)))
			return rc;
		cat__path_key(q, p, "status");
		if ((l->status == DOMAIN_STATUS_KNOWN) != (l->text != NULL))
			return cat__fail(q, l->text ? "must be known when the definition text is given" :
			    "is known, so the level needs its definition text");
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->levels[j].id, l->id) == 0) {
				cat__path_key(q, p, "id");
				return cat__fail(q, "repeats the id %s", l->id);
			}
		c->nlevels = i + 1;
	}
	return rc;
}

/*
 * The Perilaku Kerja aspects; an aspect is known only when every behaviour has its official text.
 */
static int
cat__aspects(domain_catalog *c, const json_t *root)
{
	static const char *const keys[] = { "id", "name", "status", "source", "note", "behaviours", NULL };
	static const char *const bkeys[] = { "text", "summary", NULL };
	const json_t *arr, *beh;
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN], r[PATH_MAX_LEN];
	int rc = cat__array(&arr, root, "perilaku_kerja", "", 1, DOMAIN_CATALOG_ASPECTS_MAX);

	for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
		const json_t *e = json_array_get(arr, i);
		domain_catalog_aspect *a = &c->aspects[i];
		size_t absent = 0;
		cat__path_index(p, "perilaku_kerja", i);
		if ((rc = cat__keys(e, p, keys)) || (rc = cat__id(&a->id, e, p)) || (rc = cat__str(&a->name, e, "name", p, 1)) ||
		    (rc = cat__status(&a->status, e, p, ST(DOMAIN_STATUS_KNOWN) | ST(DOMAIN_STATUS_PARTIAL))) ||
		    (rc = cat__source(&a->source, e, "source", p, c)) || (rc = cat__str(&a->note, e, "note", p, 0)) ||
		    (rc = cat__array(&beh, e, "behaviours", p, 1, DOMAIN_CATALOG_BEHAVIOURS_MAX)))
			return rc;
		cat__path_key(q, p, "behaviours");
		for (size_t j = 0; j < json_array_size(beh); j++) {
			const json_t *be = json_array_get(beh, j);
			domain_catalog_behaviour *b = &a->behaviours[j];
			cat__path_index(r, q, j);
			if ((rc = cat__keys(be, r, bkeys)) || (rc = cat__str(&b->text, be, "text", r, 0)) ||
			    (rc = cat__str(&b->summary, be, "summary", r, 0)))
				return rc;
			if (!b->text && !b->summary)
				return cat__fail(r, "needs a text or a summary");
			absent += !b->text;
		}
		a->nbehaviours = json_array_size(beh);
		cat__path_key(q, p, "status");
		if ((a->status == DOMAIN_STATUS_KNOWN) != (absent == 0))
			return cat__fail(q, absent ? "is known but %zu behaviour texts are absent: mark it partial" :
			    "is partial but every behaviour has its text: mark it known", absent);
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->aspects[j].id, a->id) == 0) {
				cat__path_key(q, p, "id");
				return cat__fail(q, "repeats the id %s", a->id);
			}
		c->naspects = i + 1;
	}
	return rc;
}

/* BLAKE2b-256 of the exact bytes, as hex: the same file gives the same version on every machine. */
int
domain_catalog_version(char out[DOMAIN_CATALOG_VERSION_HEX + 1], const uint8_t *bytes, size_t len)
{
	uint8_t h[32];

	/* BLAKE2b-256 of the exact bytes: the same file gives the same version on every machine. */
	if (crypto_generichash(h, sizeof(h), bytes, len, NULL, 0) != 0)
		return kn_error_set(KN_ERROR, "catalog", "hashing the catalog failed");
	kn_hex(out, h, sizeof(h));
	return 0;
}

/*
 * Parse and check the bytes; see catalog.h. Sections are read in an order
 * where each needs only what came before (sources first: every other
 * section names them).
 */
int
domain_catalog_parse(domain_catalog **out, const uint8_t *bytes, size_t len)
{
	static const char *const keys[] = { "format", "name", "title", "jabatan", "sources", "limits", "calendar",
		"jenis_ptk", "rhk_list", "rhk", "tugas_tambahan", "sub_indicators", "observation_scale", "perilaku_kerja",
		NULL };
	domain_catalog *c = NULL;
	json_error_t jerr;
	json_t *root = NULL;
	int64_t format;
	int rc;

	*out = NULL;
	if (len > DOMAIN_CATALOG_BYTES_MAX) {
		rc = domain_msg_error(KN_ETOOBIG, "catalog", "KATALOG_BERKAS_TERLALU_BESAR", "ukuran", domain_msg_num(len).s, "maks",
		    domain_msg_num(DOMAIN_CATALOG_BYTES_MAX).s, NULL);
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rc = kn_error_set(KN_ENOMEM, "catalog", "out of memory reading the catalog");
		goto out;
	}
	if ((rc = domain_catalog_version(c->version, bytes, len)))
		goto out_free;
	/* Duplicate keys would let two values of one field disagree; jansson refuses them here. */
	root = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		char line[24], column[24];
		snprintf(line, sizeof(line), "%d", jerr.line);
		snprintf(column, sizeof(column), "%d", jerr.column);
		rc = domain_msg_error(KN_EINVAL, "catalog", "KATALOG_BUKAN_JSON", "baris", line, "kolom", column, "sebab", jerr.text,
		    NULL);
		goto out_free;
	}
	c->doc = root;
	if (!json_is_object(root)) {
		rc = domain_msg_error(KN_EINVAL, "", "KATALOG_BUKAN_OBJEK", NULL);
		goto out_free;
	}
	if ((rc = cat__keys(root, "", keys)) || (rc = cat__int(&format, NULL, root, "format", "", 1, 1)))
		goto out_free;
	if (format != DOMAIN_CATALOG_FORMAT) {
		char got[24];
		snprintf(got, sizeof(got), "%lld", (long long)format);
		rc = domain_msg_error(KN_EINVAL, "format", "KATALOG_FORMAT_VERSI", "format", got, "baca",
		    domain_msg_num(DOMAIN_CATALOG_FORMAT).s, NULL);
		goto out_free;
	}
	if ((rc = cat__str(&c->name, root, "name", "", 1)) || (rc = cat__str(&c->title, root, "title", "", 1)) ||
	    (rc = cat__sources(c, root)) || (rc = cat__jabatan(c, root)) || (rc = cat__limits(c, root)) ||
	    (rc = cat__calendar(c, root)) || (rc = cat__ptk(c, root)) || (rc = cat__rhk_list(c, root)) ||
	    (rc = cat__rhk(c, root)) || (rc = cat__tugas(c, root)) || (rc = cat__subs(c, root)) ||
	    (rc = cat__levels(c, root)) || (rc = cat__aspects(c, root)))
		goto out_free;
	*out = c;
	rc = 0;
	goto out;
out_free:
	domain_catalog_free(c);
out:
	return rc;
}

/* Release the JSON tree the strings live in, then the struct. */
void
domain_catalog_free(domain_catalog *c)
{
	if (c == NULL)
		return;
	json_decref((json_t *)c->doc);
	free(c);
}

/*
 * A second catalog sharing c's parsed tree: the struct is copied (its
 * pointers all point into the tree, none into the struct) and the tree's
 * reference count goes up, atomically (jansson's refcount uses atomic
 * builtins), so copies may live on other threads and be freed in any
 * order.
 */
int
domain_catalog_dup(domain_catalog **out, const domain_catalog *c)
{
	domain_catalog *d = malloc(sizeof(*d));

	*out = NULL;
	if (d == NULL)
		return kn_error_set(KN_ENOMEM, "catalog", "out of memory copying the catalog");
	memcpy(d, c, sizeof(*d));
	json_incref((json_t *)d->doc);
	*out = d;
	return 0;
}

/* RHK by its number. */
int
domain_catalog_rhk_find(const domain_catalog_rhk **out, const domain_catalog *c, int64_t id)
{
	*out = NULL;
	for (size_t i = 0; i < c->nrhk; i++)
		if (c->rhk[i].id == id) {
			*out = &c->rhk[i];
			return 0;
		}
	char num[24];
	snprintf(num, sizeof(num), "%lld", (long long)id);
	return domain_msg_error(KN_ENOTFOUND, "rhk", "KATALOG_RHK_TIDAK_ADA", "id", num, "nama", c->name, NULL);
}

/* Praktik Kinerja sub-indicator by id. */
int
domain_catalog_sub_find(const domain_catalog_sub **out, const domain_catalog *c, const char *id)
{
	*out = NULL;
	for (size_t i = 0; i < c->nsub; i++)
		if (strcmp(c->sub[i].id, id) == 0) {
			*out = &c->sub[i];
			return 0;
		}
	return domain_msg_error(KN_ENOTFOUND, "sub_indicator", "KATALOG_SUB_INDIKATOR_TIDAK_ADA", "id", id, "nama", c->name, NULL);
}

/* Perilaku Kerja aspect by id. */
int
domain_catalog_aspect_find(const domain_catalog_aspect **out, const domain_catalog *c, const char *id)
{
	*out = NULL;
	for (size_t i = 0; i < c->naspects; i++)
		if (strcmp(c->aspects[i].id, id) == 0) {
			*out = &c->aspects[i];
			return 0;
		}
	return domain_msg_error(KN_ENOTFOUND, "aspek", "KATALOG_ASPEK_TIDAK_ADA", "id", id, "nama", c->name, NULL);
}

/* Tugas Tambahan by id. */
int
domain_catalog_tugas_find(const domain_catalog_tugas **out, const domain_catalog *c, const char *id)
{
	*out = NULL;
	for (size_t i = 0; i < c->ntugas; i++)
		if (strcmp(c->tugas[i].id, id) == 0) {
			*out = &c->tugas[i];
			return 0;
		}
	return domain_msg_error(KN_ENOTFOUND, "tugas_tambahan", "KATALOG_TUGAS_TIDAK_ADA", "id", id, "nama", c->name, NULL);
}

/* A deadline of a semester. */
int
domain_catalog_deadline_find(const domain_catalog_deadline **out, const domain_catalog *c, const char *id,
    int semester)
{
	*out = NULL;
	for (size_t i = 0; i < c->ndeadlines; i++)
		if (strcmp(c->deadlines[i].id, id) == 0 && c->deadlines[i].semester == semester) {
			*out = &c->deadlines[i];
			return 0;
		}
	return domain_msg_error(KN_ENOTFOUND, "deadline", "KATALOG_TENGGAT_TIDAK_ADA", "nama", c->name, "id", id, "semester",
	    domain_msg_num((unsigned long long)(semester < 0 ? 0 : semester)).s, NULL);
}

/* Whether plans of this jabatan can be checked against the catalog at all. */
int
domain_catalog_serves(const domain_catalog *c, const char *jabatan)
{
	for (size_t i = 0; i < c->njabatan; i++)
		if (strcmp(c->jabatan[i], jabatan) == 0)
			return 1;
	return 0;
}

/*
 * Jenis PTK as Dapodik exports it may differ in case or carry blanks
 * around it; neither changes which job it names.
 */
int
domain_catalog_ptk_allowed(const domain_catalog *c, const char *jenis_ptk)
{
	size_t n;

	while (*jenis_ptk == ' ' || *jenis_ptk == '\t')
		jenis_ptk++;
	n = strlen(jenis_ptk);
	while (n > 0 && (jenis_ptk[n - 1] == ' ' || jenis_ptk[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < c->nptk; i++)
		if (strlen(c->ptk[i]) == n && strncasecmp(c->ptk[i], jenis_ptk, n) == 0)
			return 1;
	return 0;
}

/* ---- gaps ---- */

typedef struct {
	domain_catalog_gap *out;
	size_t cap;
	size_t n;
} gap_list;

/* Add one gap (counted even beyond cap, so the caller learns the total). */
static void
gap_add(gap_list *g, const char *path, domain_status status, const char *what, size_t count, const char *source,
    const char *note)
{
	if (g->n < g->cap) {
		domain_catalog_gap *e = &g->out[g->n];
		snprintf(e->path, sizeof(e->path), "%s", path);
		e->status = status;
		e->what = what;
		e->count = count;
		e->source = source ? source : "";
		e->note = note;
	}
	g->n++;
}

/* A limit that is not sourced (inferred) is a gap worth showing. */
static void
gap_limit(gap_list *g, const char *key, const domain_catalog_limit *l)
{
	char p[PATH_MAX_LEN];

	if (l->status == DOMAIN_STATUS_KNOWN)
		return;
	cat__path_key(p, "limits", key);
	gap_add(g, p, l->status, "value", 1, l->source, l->note);
}

/* The gaps of one RHK: a missing entry as one line, otherwise each absent field and a conflict. */
static void
gap_rhk(gap_list *g, const domain_catalog_rhk *r, size_t i)
{
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];

	cat__path_index(p, "rhk", i);
	if (r->status == DOMAIN_STATUS_MISSING) {
		/* one line for the whole entry: text, points, rule and evidence are all unknown */
		gap_add(g, p, DOMAIN_STATUS_MISSING, "entry", 4, r->source, r->note);
		return;
	}
	cat__path_key(q, p, "text");
	if (!r->text)
		gap_add(g, q, r->summary ? DOMAIN_STATUS_PARTIAL : DOMAIN_STATUS_MISSING, "text", 1, r->source, r->note);
	cat__path_key(q, p, "points");
	if (r->ncandidates)
		gap_add(g, q, DOMAIN_STATUS_CONFLICT, "points", r->ncandidates, r->source, r->note);
	else if (r->points == 0)
		gap_add(g, q, DOMAIN_STATUS_MISSING, "points", 1, r->source, r->note);
	cat__path_key(q, p, "rule");
	if (!r->rule)
		gap_add(g, q, DOMAIN_STATUS_MISSING, "rule", 1, r->source, r->note);
	cat__path_key(q, p, "evidence");
	if (!r->evidence)
		gap_add(g, q, DOMAIN_STATUS_MISSING, "evidence", 1, r->source, r->note);
}

/*
 * The gaps of one sub-indicator: success criterion, target texts, and the count of absent dianjurkan/dihindari.
 */
static void
gap_sub(gap_list *g, const domain_catalog_sub *s, size_t i)
{
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN], r[PATH_MAX_LEN];

	cat__path_index(p, "sub_indicators", i);
	cat__path_key(q, p, "success");
	if (!s->success)
		gap_add(g, q, DOMAIN_STATUS_MISSING, "success", 1, s->source, s->note);
	for (size_t j = 0; j < s->ntargets; j++) {
		const domain_catalog_target *t = &s->targets[j];
		size_t nd = 0, nh = 0;
		cat__path_key(q, p, "targets");
		cat__path_index(q, q, j);
		cat__path_key(r, q, "text");
		if (!t->text)
			gap_add(g, r, t->summary ? DOMAIN_STATUS_PARTIAL : DOMAIN_STATUS_MISSING, "text", 1, s->source, s->note);
		for (size_t k = 0; k < t->ndianjurkan; k++)
			nd += t->dianjurkan[k] == NULL;
		for (size_t k = 0; k < t->ndihindari; k++)
			nh += t->dihindari[k] == NULL;
		cat__path_key(r, q, "dianjurkan");
		if (nd)
			gap_add(g, r, DOMAIN_STATUS_MISSING, "dianjurkan", nd, s->source, s->note);
		cat__path_key(r, q, "dihindari");
		if (nh)
			gap_add(g, r, DOMAIN_STATUS_MISSING, "dihindari", nh, s->source, s->note);
	}
}

/* Everything the catalog lacks, in file order; see catalog.h. */
int
domain_catalog_gaps(domain_catalog_gap *out, size_t *total, size_t cap, const domain_catalog *c)
{
	gap_list g = { out, cap, 0 };
	char p[PATH_MAX_LEN], q[PATH_MAX_LEN];

	if (c->jabatan_status != DOMAIN_STATUS_KNOWN)
		gap_add(&g, "jabatan", c->jabatan_status, "jabatan", 1, c->jabatan_source, c->jabatan_note);
	gap_limit(&g, "points_min", &c->limits.points_min);
	gap_limit(&g, "points_max", &c->limits.points_max);
	gap_limit(&g, "text_max_chars", &c->limits.text_max_chars);
	gap_limit(&g, "sub_indicators_per_plan", &c->limits.sub_indicators_per_plan);
	gap_limit(&g, "quantity_max", &c->limits.quantity_max);
	gap_limit(&g, "evidence_max_mb", &c->limits.evidence_max_mb);
	for (size_t i = 0; i < c->ndeadlines; i++) {
		cat__path_index(p, "calendar.deadlines", i);
		if (c->deadlines[i].status != DOMAIN_STATUS_KNOWN)
			gap_add(&g, p, c->deadlines[i].status, "date", 1, c->deadlines[i].source, c->deadlines[i].note);
	}
	if (c->ptk_status != DOMAIN_STATUS_KNOWN)
		gap_add(&g, "jenis_ptk", c->ptk_status, "list", 1, c->ptk_source, NULL);
	for (size_t i = 0; i < c->nrhk; i++)
		gap_rhk(&g, &c->rhk[i], i);
	if (c->tugas_status != DOMAIN_STATUS_KNOWN)
		gap_add(&g, "tugas_tambahan.items", c->tugas_status, "list", 1, c->tugas_source, c->tugas_note);
	for (size_t i = 0; i < c->ntugas; i++) {
		cat__path_index(p, "tugas_tambahan.items", i);
		if (c->tugas[i].status != DOMAIN_STATUS_KNOWN)
			gap_add(&g, p, c->tugas[i].status, "entry", 1, c->tugas[i].source, c->tugas[i].note);
	}
	for (size_t i = 0; i < c->nsub; i++)
		gap_sub(&g, &c->sub[i], i);
	for (size_t i = 0; i < c->nlevels; i++) {
		cat__path_index(p, "observation_scale", i);
		cat__path_key(q, p, "text");
		if (!c->levels[i].text)
			gap_add(&g, q, c->levels[i].summary ? DOMAIN_STATUS_PARTIAL : DOMAIN_STATUS_MISSING, "definition", 1,
			    c->levels[i].source, NULL);
	}
	for (size_t i = 0; i < c->naspects; i++) {
		const domain_catalog_aspect *a = &c->aspects[i];
		size_t absent = 0;
		for (size_t j = 0; j < a->nbehaviours; j++)
			absent += a->behaviours[j].text == NULL;
		cat__path_index(p, "perilaku_kerja", i);
		cat__path_key(q, p, "behaviours");
		if (absent)
			gap_add(&g, q, DOMAIN_STATUS_PARTIAL, "text", absent, a->source, a->note);
	}
	*total = g.n;
	return 0;
}
