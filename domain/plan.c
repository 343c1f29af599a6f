/*
 * plan.c - the SKP plan: its body, the check before Ajukan, the live point
 * total, the atasan's adjustments and the state machine of DOMAIN.md §4.2
 * (see plan.h for the layout and the decisions P1-P8, P14).
 *
 * Pure: everything the rules need (the catalog, the atasan set, the time)
 * is an argument. Every sentence a person reads comes from messages.c.
 */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "../util/mpmap.h"
#include "plan.h"

/* ---- small helpers ---- */

static const char *jabatan_names[] = { "guru", "kepala_sekolah" };

/* The wire name of a jabatan (the plan body's "jabatan"). */
const char *
domain_jabatan_name(domain_jabatan j)
{
	return (size_t)j < 2 ? jabatan_names[j] : "guru";
}

/* A jabatan from its wire name; KN_EINVAL with the table's message otherwise. */
int
domain_jabatan_parse(domain_jabatan *out, const char *name)
{
	for (size_t i = 0; i < 2; i++)
		if (strcmp(name, jabatan_names[i]) == 0) {
			*out = (domain_jabatan)i;
			return 0;
		}
	return kn_error_set(KN_EINVAL, "jabatan", "%s", domain_msg_text("SKP_FORMAT_JABATAN"));
}

/* The label of a jabatan for messages ("Guru", "Kepala Sekolah"). */
static const char *
plan__jabatan_label(domain_jabatan j)
{
	return domain_msg_text(j == DOMAIN_JABATAN_KEPALA_SEKOLAH ? "LABEL_JABATAN_KEPALA_SEKOLAH" : "LABEL_JABATAN_GURU");
}

/* Characters (code points) of valid UTF-8: every byte that does not continue a sequence starts one. */
static size_t
plan__chars(const char *s, size_t n)
{
	size_t chars = 0;

	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	return chars;
}

/*
 * Set a plan text from bytes: kept when it is valid UTF-8 without control
 * characters (newline and tab allowed, P14) and fits; otherwise flagged
 * for the check to report, with the character count of what was sent.
 */
static void
plan__text_from(domain_plan_text *out, const char *s, size_t n)
{
	memset(out, 0, sizeof(*out));
	if (!kn_utf8_valid(s, n)) {
		out->bad = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') || s[i] == 0x7f) {
			out->bad = 1;
			return;
		}
	out->chars = plan__chars(s, n);
	if (n > DOMAIN_PLAN_TEXT_BYTES) {
		out->over = 1;
		return;
	}
	memcpy(out->s, s, n);
	out->s[n] = '\0';
}

/* A plan text from a C string, flagged like a parsed one (for callers that build plans). */
void
domain_plan_text_set(domain_plan_text *out, const char *s)
{
	plan__text_from(out, s, strlen(s));
}

/* Is a text empty or blanks only? */
static int
plan__text_blank(const domain_plan_text *t)
{
	return !t->over && !t->bad && strspn(t->s, " \t\n") == strlen(t->s);
}

/* Two texts are the same when both hold the same bytes (over-long or bad texts compare by their flags). */
static int
plan__text_same(const domain_plan_text *a, const domain_plan_text *b)
{
	return a->over == b->over && a->bad == b->bad && a->chars == b->chars && strcmp(a->s, b->s) == 0;
}

/* ---- parse ---- */

/* Refuse a body field, in Indonesian, naming the field; what is the kind of value expected. */
int
domain_plan_format_error(int code, const char *field, const char *msg_code, const char *what)
{
	char msg[DOMAIN_MSG_MAX];
	const char *params[] = { "kolom", field, "jenis", what, NULL };

	domain_msg_render(msg, sizeof(msg), msg_code, params);
	return kn_error_set(code, field, "%s", msg);
}

/*
 * Check a map's keys: each one of names[], none twice, every required one
 * present. A strict layout means a misspelt key is an error, not a field
 * silently left empty. 0, or KN_EINVAL naming the key.
 */
int
domain_plan_map_keys(const msgpack_object *map, const char *path, const char *const *names, const int *required)
{
	unsigned seen = 0;
	char field[64];

	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return domain_plan_format_error(KN_EINVAL, path[0] ? path : "body", "SKP_FORMAT_JENIS", "map");
	for (uint32_t i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		int found = -1;
		for (int j = 0; names[j] && found < 0; j++)
			if (kn_map_key_is(k, names[j]))
				found = j;
		if (found < 0 || (seen & (1u << found))) {
			int n = k->type == MSGPACK_OBJECT_STR ? (int)(k->via.str.size > 32 ? 32 : k->via.str.size) : 1;
			snprintf(field, sizeof(field), "%s%s%.*s", path, path[0] ? "." : "", n,
			    k->type == MSGPACK_OBJECT_STR ? k->via.str.ptr : "?");
			kn_utf8_clean(field);
			return domain_plan_format_error(KN_EINVAL, field, found < 0 ? "SKP_FORMAT_KOLOM_ASING" : "SKP_FORMAT_KOLOM_GANDA", NULL);
		}
		seen |= 1u << found;
	}
	for (int j = 0; names[j]; j++)
		if (required[j] && !(seen & (1u << j))) {
			snprintf(field, sizeof(field), "%s%s%s", path, path[0] ? "." : "", names[j]);
			return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_KOLOM_WAJIB", NULL);
		}
	return 0;
}

/* A str value copied into out (an id of at most outsz - 1 bytes, no control characters). */
static int
plan__id(char *out, size_t outsz, const msgpack_object *o, const char *field)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0 || o->via.str.size >= outsz)
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "teks pengenal dari katalog");
	for (uint32_t i = 0; i < o->via.str.size; i++)
		if ((unsigned char)o->via.str.ptr[i] <= 0x20 || o->via.str.ptr[i] == 0x7f)
			return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "teks pengenal dari katalog");
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return 0;
}

/* A whole number within -DOMAIN_PLAN_QUANTITY_MAX..DOMAIN_PLAN_QUANTITY_MAX (min_one: 1..). */
static int
plan__int(int64_t *out, const msgpack_object *o, const char *field, int min_one)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= DOMAIN_PLAN_QUANTITY_MAX)
		*out = (int64_t)o->via.u64;
	else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && o->via.i64 >= -DOMAIN_PLAN_QUANTITY_MAX)
		*out = o->via.i64;
	else
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "bilangan bulat");
	if (min_one && *out < 1)
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "bilangan bulat 1 atau lebih");
	return 0;
}

/*
 * A str field into a plan text; a text too long or unreadable is flagged, not refused (see plan.h).
 */
static int
plan__text(domain_plan_text *out, const msgpack_object *o, const char *field)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "teks");
	plan__text_from(out, o->via.str.ptr, o->via.str.size);
	return 0;
}

/* An array of at most max entries (plan.h); shared with the SKP edit lists of skp.c. */
int
domain_plan_array_check(const msgpack_object *o, const char *field, size_t max)
{
	char maxs[16], msg[DOMAIN_MSG_MAX];
	const char *params[] = { "kolom", field, "maks", maxs, NULL };

	if (o->type != MSGPACK_OBJECT_ARRAY)
		return domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "daftar (array)");
	if (o->via.array.size > max) {
		snprintf(maxs, sizeof(maxs), "%zu", max);
		domain_msg_render(msg, sizeof(msg), "SKP_FORMAT_TERLALU_BANYAK", params);
		return kn_error_set(KN_ETOOBIG, field, "%s", msg);
	}
	return 0;
}

/*
 * The RHK lines: {id >= 1, target_kuantitas}; a quantity below 1 is left for the check to explain.
 */
static int
plan__rhk(domain_plan *out, const msgpack_object *arr)
{
	static const char *const names[] = { "id", "target_kuantitas", NULL };
	static const int required[] = { 1, 1 };
	char path[32], field[64];
	int rc;

	if ((rc = domain_plan_array_check(arr, "rhk", DOMAIN_PLAN_RHK_MAX)))
		return rc;
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *e = &arr->via.array.ptr[i];
		snprintf(path, sizeof(path), "rhk[%u]", i);
		if ((rc = domain_plan_map_keys(e, path, names, required)))
			return rc;
		snprintf(field, sizeof(field), "%s.id", path);
		if ((rc = plan__int(&out->rhk[i].id, kn_map_get(e, "id"), field, 1)))
			return rc;
		snprintf(field, sizeof(field), "%s.target_kuantitas", path);
		if ((rc = plan__int(&out->rhk[i].target_kuantitas, kn_map_get(e, "target_kuantitas"), field, 0)))
			return rc;
	}
	out->nrhk = arr->via.array.size;
	return 0;
}

/* The Tugas Tambahan lines: {id, sk}; an empty SK is left for the check to explain. */
static int
plan__tugas(domain_plan *out, const msgpack_object *arr)
{
	static const char *const names[] = { "id", "sk", NULL };
	static const int required[] = { 1, 1 };
	char path[32], field[64];
	int rc;

	if ((rc = domain_plan_array_check(arr, "tugas_tambahan", DOMAIN_PLAN_TUGAS_MAX)))
		return rc;
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *e = &arr->via.array.ptr[i];
		snprintf(path, sizeof(path), "tugas_tambahan[%u]", i);
		if ((rc = domain_plan_map_keys(e, path, names, required)))
			return rc;
		snprintf(field, sizeof(field), "%s.id", path);
		if ((rc = plan__id(out->tugas[i].id, sizeof(out->tugas[i].id), kn_map_get(e, "id"), field)))
			return rc;
		snprintf(field, sizeof(field), "%s.sk", path);
		if ((rc = plan__text(&out->tugas[i].sk, kn_map_get(e, "sk"), field)))
			return rc;
	}
	out->ntugas = arr->via.array.size;
	return 0;
}

/*
 * The Perilaku Kerja lines: an aspect, a behaviour index or own wording, and the atasan's ekspektasi khusus.
 */
static int
plan__perilaku(domain_plan *out, const msgpack_object *arr)
{
	static const char *const names[] = { "aspek", "perilaku", "ekspektasi_khusus", NULL };
	static const int required[] = { 1, 1, 0 };
	char path[32], field[64];
	int rc;

	if ((rc = domain_plan_array_check(arr, "perilaku", DOMAIN_PLAN_PERILAKU_MAX)))
		return rc;
	for (uint32_t i = 0; i < arr->via.array.size; i++) {
		const msgpack_object *e = &arr->via.array.ptr[i], *b, *x;
		domain_plan_perilaku *p = &out->perilaku[i];
		snprintf(path, sizeof(path), "perilaku[%u]", i);
		if ((rc = domain_plan_map_keys(e, path, names, required)))
			return rc;
		snprintf(field, sizeof(field), "%s.aspek", path);
		if ((rc = plan__id(p->aspek, sizeof(p->aspek), kn_map_get(e, "aspek"), field)))
			return rc;
		snprintf(field, sizeof(field), "%s.perilaku", path);
		b = kn_map_get(e, "perilaku");
		if (b->type == MSGPACK_OBJECT_STR) {
			rc = plan__text(&p->text, b, field);
		} else {
			p->has_index = 1;
			rc = plan__int(&p->index, b, field, 0);
			if (rc)
				rc = domain_plan_format_error(KN_EINVAL, field, "SKP_FORMAT_JENIS", "nomor perilaku (0, 1, 2, ...) atau teks");
		}
		if (rc)
			return rc;
		snprintf(field, sizeof(field), "%s.ekspektasi_khusus", path);
		if ((x = kn_map_get(e, "ekspektasi_khusus")) != NULL && (rc = plan__text(&p->ekspektasi_khusus, x, field)))
			return rc;
	}
	out->nperilaku = arr->via.array.size;
	return 0;
}

/* See plan.h: the strict layout of the "skp" body; completeness is for the check. */
int
domain_plan_parse(domain_plan *out, const msgpack_object *body)
{
	static const char *const names[] = { "period", "catalog", "jabatan", "praktik_kinerja", "rhk", "tugas_tambahan",
		"perilaku", "rangkuman", NULL };
	static const int required[] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	const msgpack_object *o;
	char jabatan[16], field[32];
	int year, semester, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = domain_plan_map_keys(body, "", names, required)))
		return rc;
	if (kn_map_str(out->period, sizeof(out->period), body, "period") != 0)
		return domain_plan_format_error(KN_EINVAL, "period", "SKP_FORMAT_JENIS", "teks TAHUN-SEMESTER");
	if ((rc = domain_period_parse(&year, &semester, out->period)))
		return rc;
	if (kn_map_str(out->catalog, sizeof(out->catalog), body, "catalog") != 0 ||
	    strlen(out->catalog) != DOMAIN_CATALOG_VERSION_HEX ||
	    strspn(out->catalog, "0123456789abcdef") != DOMAIN_CATALOG_VERSION_HEX)
		return kn_error_set(KN_EINVAL, "catalog", "%s", domain_msg_text("SKP_FORMAT_KATALOG"));
	if (kn_map_str(jabatan, sizeof(jabatan), body, "jabatan") != 0 || domain_jabatan_parse(&out->jabatan, jabatan) != 0)
		return kn_error_set(KN_EINVAL, "jabatan", "%s", domain_msg_text("SKP_FORMAT_JABATAN"));
	o = kn_map_get(body, "praktik_kinerja");
	if ((rc = domain_plan_array_check(o, "praktik_kinerja", DOMAIN_PLAN_PRAKTIK_MAX)))
		return rc;
	for (uint32_t i = 0; i < o->via.array.size; i++) {
		snprintf(field, sizeof(field), "praktik_kinerja[%u]", i);
		if ((rc = plan__id(out->praktik[i], sizeof(out->praktik[i]), &o->via.array.ptr[i], field)))
			return rc;
	}
	out->npraktik = o->via.array.size;
	if ((rc = plan__rhk(out, kn_map_get(body, "rhk"))) || (rc = plan__tugas(out, kn_map_get(body, "tugas_tambahan"))) ||
	    (rc = plan__perilaku(out, kn_map_get(body, "perilaku"))) ||
	    (rc = plan__text(&out->rangkuman, kn_map_get(body, "rangkuman"), "rangkuman")))
		return rc;
	return 0;
}

/* ---- pack ---- */

/* Pack a C string as msgpack str. */
static void
plan__pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* Append the body; a text flagged over-long or bad is written as "" (it was never kept). */
int
domain_plan_pack(kn_buf *out, const domain_plan *p)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 8);
	plan__pack_str(&pk, "period");
	plan__pack_str(&pk, p->period);
	plan__pack_str(&pk, "catalog");
	plan__pack_str(&pk, p->catalog);
	plan__pack_str(&pk, "jabatan");
	plan__pack_str(&pk, domain_jabatan_name(p->jabatan));
	plan__pack_str(&pk, "praktik_kinerja");
	msgpack_pack_array(&pk, p->npraktik);
	for (size_t i = 0; i < p->npraktik; i++)
		plan__pack_str(&pk, p->praktik[i]);
	plan__pack_str(&pk, "rhk");
	msgpack_pack_array(&pk, p->nrhk);
	for (size_t i = 0; i < p->nrhk; i++) {
		msgpack_pack_map(&pk, 2);
		plan__pack_str(&pk, "id");
		msgpack_pack_int64(&pk, p->rhk[i].id);
		plan__pack_str(&pk, "target_kuantitas");
		msgpack_pack_int64(&pk, p->rhk[i].target_kuantitas);
	}
	plan__pack_str(&pk, "tugas_tambahan");
	msgpack_pack_array(&pk, p->ntugas);
	for (size_t i = 0; i < p->ntugas; i++) {
		msgpack_pack_map(&pk, 2);
		plan__pack_str(&pk, "id");
		plan__pack_str(&pk, p->tugas[i].id);
		plan__pack_str(&pk, "sk");
		plan__pack_str(&pk, p->tugas[i].sk.s);
	}
	plan__pack_str(&pk, "perilaku");
	msgpack_pack_array(&pk, p->nperilaku);
	for (size_t i = 0; i < p->nperilaku; i++) {
		const domain_plan_perilaku *b = &p->perilaku[i];
		int ek = b->ekspektasi_khusus.s[0] != '\0';
		msgpack_pack_map(&pk, ek ? 3 : 2);
		plan__pack_str(&pk, "aspek");
		plan__pack_str(&pk, b->aspek);
		plan__pack_str(&pk, "perilaku");
		if (b->has_index)
			msgpack_pack_int64(&pk, b->index);
		else
			plan__pack_str(&pk, b->text.s);
		if (ek) {
			plan__pack_str(&pk, "ekspektasi_khusus");
			plan__pack_str(&pk, b->ekspektasi_khusus.s);
		}
	}
	plan__pack_str(&pk, "rangkuman");
	plan__pack_str(&pk, p->rangkuman.s);
	if (out->failed)
		return kn_error_set(KN_ENOMEM, "body", "out of memory packing the plan");
	return 0;
}

/* ---- the point total ---- */

/* Names of the catalog for messages: RHK as numbers, the rest by their names when known. */
static const char *
plan__tugas_name(const domain_catalog *c, const char *id)
{
	for (size_t i = 0; i < c->ntugas; i++)
		if (strcmp(c->tugas[i].id, id) == 0)
			return c->tugas[i].name;
	return id;
}

static const char *
plan__aspect_name(const domain_catalog *c, const char *id)
{
	for (size_t i = 0; i < c->naspects; i++)
		if (strcmp(c->aspects[i].id, id) == 0)
			return c->aspects[i].name;
	return id;
}

/*
 * The catalog's RHK with this number, or NULL (no error set: the check reports it in its own words).
 */
static const domain_catalog_rhk *
plan__rhk_entry(const domain_catalog *c, int64_t id)
{
	for (size_t i = 0; i < c->nrhk; i++)
		if (c->rhk[i].id == id)
			return &c->rhk[i];
	return NULL;
}

/*
 * Sum points x quantity. Points in conflict give a range (the smallest
 * and largest candidate); missing points give nothing certain at all. The
 * verdict is only KURANG or LEBIH when it holds whatever the unknown
 * points turn out to be (P3).
 */
int
domain_plan_points_get(domain_plan_points *out, const domain_plan *p, const domain_catalog *c)
{
	char total[24], diff[24], min[24], max[24], range[48], list[128] = "";
	const char *params[] = { "total", total, "kurang", diff, "lebih", diff, "min", min, "maks", max, "rentang", range,
		"daftar", list, NULL };
	size_t nmissing = 0;
	int64_t shown;

	memset(out, 0, sizeof(*out));
	out->min = c->limits.points_min.value;
	out->max = c->limits.points_max.value;
	for (size_t i = 0; i < p->nrhk; i++) {
		const domain_catalog_rhk *r = plan__rhk_entry(c, p->rhk[i].id);
		domain_points_item *it = &out->items[i];
		int64_t q = p->rhk[i].target_kuantitas > 0 ? p->rhk[i].target_kuantitas : 0;
		it->rhk_id = p->rhk[i].id;
		it->target_kuantitas = p->rhk[i].target_kuantitas;
		if (r && r->points > 0) {
			it->certain = 1;
			it->per_unit = r->points;
			it->subtotal = it->subtotal_min = it->subtotal_max = r->points * q;
			out->total += it->subtotal;
		} else if (r && r->ncandidates > 0) {
			int64_t lo = r->candidates[0].value, hi = lo;
			for (size_t k = 1; k < r->ncandidates; k++) {
				lo = r->candidates[k].value < lo ? r->candidates[k].value : lo;
				hi = r->candidates[k].value > hi ? r->candidates[k].value : hi;
			}
			it->subtotal_min = lo * q;
			it->subtotal_max = hi * q;
		} else {
			nmissing++;
		}
		out->total_min += it->subtotal_min;
		out->total_max += it->subtotal_max;
		if (!it->certain) {
			out->nuncertain++;
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%lld", list[0] ? ", " : "",
			    (long long)it->rhk_id);
		}
	}
	out->nitems = p->nrhk;
	shown = out->total;
	if (out->nuncertain == 0) {
		out->verdict = out->total < out->min ? DOMAIN_POINTS_KURANG :
		    out->total > out->max ? DOMAIN_POINTS_LEBIH : DOMAIN_POINTS_CUKUP;
	} else if (out->total_min > out->max) {
		out->verdict = DOMAIN_POINTS_LEBIH;
		shown = out->total_min;
	} else if (nmissing == 0 && out->total_max < out->min) {
		out->verdict = DOMAIN_POINTS_KURANG;
		shown = out->total_max;
	} else {
		out->verdict = DOMAIN_POINTS_BELUM_PASTI;
	}
	snprintf(total, sizeof(total), "%lld", (long long)shown);
	snprintf(diff, sizeof(diff), "%lld", (long long)(shown < out->min ? out->min - shown : shown - out->max));
	snprintf(min, sizeof(min), "%lld", (long long)out->min);
	snprintf(max, sizeof(max), "%lld", (long long)out->max);
	if (nmissing)
		snprintf(range, sizeof(range), "%lld atau lebih", (long long)out->total_min);
	else if (out->total_min == out->total_max)
		snprintf(range, sizeof(range), "%lld", (long long)out->total_min);
	else
		snprintf(range, sizeof(range), "%lld-%lld", (long long)out->total_min, (long long)out->total_max);
	switch (out->verdict) {
	case DOMAIN_POINTS_KURANG:
		out->code = "SKP_POIN_PANDUAN_KURANG";
		break;
	case DOMAIN_POINTS_LEBIH:
		out->code = "SKP_POIN_PANDUAN_LEBIH";
		break;
	case DOMAIN_POINTS_CUKUP:
		out->code = "SKP_POIN_PANDUAN_CUKUP";
		break;
	default:
		out->code = "SKP_POIN_PANDUAN_BELUM_PASTI";
		break;
	}
	domain_msg_render(out->guidance, sizeof(out->guidance), out->code, params);
	return 0;
}

/* ---- the check ---- */

/*
 * Append a problem or warning to a bounded list; beyond cap only the count grows, so nothing is silently lost.
 */
static void
plan__add(domain_problem *list, size_t *n, size_t cap, size_t *more, const char *code, const char *field,
    const char *const *params)
{
	domain_problem *p;

	if (*n == cap) {
		if (more)
			(*more)++;
		return;
	}
	p = &list[(*n)++];
	p->code = code;
	snprintf(p->field, sizeof(p->field), "%s", field);
	domain_msg_render(p->message, sizeof(p->message), code, params);
}

/* Record a problem that blocks submission. */
static void
plan__problem(domain_plan_report *r, const char *code, const char *field, const char *const *params)
{
	plan__add(r->problems, &r->nproblems, DOMAIN_PLAN_PROBLEMS_MAX, &r->more, code, field, params);
}

/* A text field over the limit or unreadable; label names it for a person. */
static void
plan__check_text(domain_plan_report *r, const domain_plan_text *t, const char *field, const char *label, int64_t max)
{
	char n[24], m[24];
	const char *params[] = { "kolom", label, "jumlah", n, "maks", m, NULL };

	snprintf(n, sizeof(n), "%zu", t->chars);
	snprintf(m, sizeof(m), "%lld", (long long)max);
	if (t->bad)
		plan__problem(r, "SKP_TEKS_TIDAK_SAH", field, params);
	else if (t->over || (int64_t)t->chars > max)
		plan__problem(r, "SKP_TEKS_PANJANG", field, params);
}

/* Render a label with one parameter (e.g. "Ekspektasi khusus aspek Loyal"). */
static void
plan__label(char *out, size_t outsz, const char *code, const char *name, const char *value)
{
	const char *params[] = { name, value, NULL };

	domain_msg_render(out, outsz, code, params);
}

/*
 * Exactly sub_indicators_per_plan known sub-indicators (§5.3); warn when the chosen one lacks its rubric (R5).
 */
static void
plan__check_praktik(domain_plan_report *r, const domain_plan *p, const domain_catalog *c)
{
	char n[24], m[24], id[DOMAIN_PLAN_ID_MAX + 1], field[48], missing[24];
	const char *params[] = { "jumlah", n, "maks", m, "id", id, "nama", NULL, "kurang", missing, NULL };
	const int64_t per_plan = c->limits.sub_indicators_per_plan.value;

	snprintf(n, sizeof(n), "%zu", p->npraktik);
	snprintf(m, sizeof(m), "%lld", (long long)per_plan);
	if (p->npraktik == 0)
		plan__problem(r, "SKP_PRAKTIK_KOSONG", "praktik_kinerja", params);
	else if ((int64_t)p->npraktik > per_plan)
		plan__problem(r, "SKP_PRAKTIK_LEBIH", "praktik_kinerja", params);
	for (size_t i = 0; i < p->npraktik; i++) {
		const domain_catalog_sub *s = NULL;
		size_t absent = 0;
		snprintf(id, sizeof(id), "%s", p->praktik[i]);
		snprintf(field, sizeof(field), "praktik_kinerja[%zu]", i);
		for (size_t k = 0; k < c->nsub && !s; k++)
			s = strcmp(c->sub[k].id, id) == 0 ? &c->sub[k] : NULL;
		if (s == NULL) {
			plan__problem(r, "SKP_PRAKTIK_TIDAK_DIKENAL", field, params);
			continue;
		}
		absent = !s->success;
		for (size_t j = 0; j < s->ntargets; j++) {
			absent += !s->targets[j].text;
			for (size_t k = 0; k < s->targets[j].ndianjurkan; k++)
				absent += !s->targets[j].dianjurkan[k];
			for (size_t k = 0; k < s->targets[j].ndihindari; k++)
				absent += !s->targets[j].dihindari[k];
		}
		if (absent) {
			params[7] = s->name;
			snprintf(missing, sizeof(missing), "%zu", absent);
			plan__add(r->warnings, &r->nwarnings, DOMAIN_PLAN_WARNINGS_MAX, NULL, "SKP_PRAKTIK_RUBRIK_BELUM_ADA", field,
			    params);
		}
	}
}

/*
 * Each RHK line: from the catalog, available, with points known and not in conflict, quantity 1..quantity_max, once.
 */
static void
plan__check_rhk(domain_plan_report *r, const domain_plan *p, const domain_catalog *c)
{
	char id[24], m[24], cand[64], field[48];
	const char *params[] = { "id", id, "maks", m, "calon", cand, NULL };
	const int64_t qmax = c->limits.quantity_max.value;

	snprintf(m, sizeof(m), "%lld", (long long)qmax);
	for (size_t i = 0; i < p->nrhk; i++) {
		const domain_catalog_rhk *e = plan__rhk_entry(c, p->rhk[i].id);
		int repeated = 0;
		snprintf(id, sizeof(id), "%lld", (long long)p->rhk[i].id);
		snprintf(field, sizeof(field), "rhk[%zu].id", i);
		for (size_t j = 0; j < i; j++)
			repeated |= p->rhk[j].id == p->rhk[i].id;
		if (repeated)
			plan__problem(r, "SKP_RHK_GANDA", field, params);
		else if (e == NULL)
			plan__problem(r, "SKP_RHK_TIDAK_DIKENAL", field, params);
		else if (e->status == DOMAIN_STATUS_MISSING)
			plan__problem(r, "SKP_RHK_BELUM_TERSEDIA", field, params);
		else if (e->ncandidates) {
			cand[0] = '\0';
			for (size_t k = 0; k < e->ncandidates; k++)
				snprintf(cand + strlen(cand), sizeof(cand) - strlen(cand), "%s%lld",
				    k == 0 ? "" : k + 1 == e->ncandidates ? " atau " : ", ", (long long)e->candidates[k].value);
			plan__problem(r, "SKP_RHK_POIN_KONFLIK", field, params);
		} else if (e->points == 0)
			plan__problem(r, "SKP_RHK_POIN_TIDAK_DIKETAHUI", field, params);
		snprintf(field, sizeof(field), "rhk[%zu].target_kuantitas", i);
		if (p->rhk[i].target_kuantitas < 1)
			plan__problem(r, "SKP_RHK_KUANTITAS_KURANG", field, params);
		else if (p->rhk[i].target_kuantitas > qmax)
			plan__problem(r, "SKP_RHK_KUANTITAS_LEBIH", field, params);
	}
}

/*
 * The total against points_min..points_max (§5.4), saying how many points are missing or too many.
 */
static void
plan__check_points(domain_plan_report *r)
{
	const domain_plan_points *pt = &r->points;
	char total[24], diff[24], min[24], max[24];
	const char *params[] = { "total", total, "kurang", diff, "lebih", diff, "min", min, "maks", max, NULL };
	int64_t shown = pt->verdict == DOMAIN_POINTS_KURANG && pt->nuncertain ? pt->total_max :
	    pt->verdict == DOMAIN_POINTS_LEBIH && pt->nuncertain ? pt->total_min : pt->total;

	snprintf(total, sizeof(total), "%lld", (long long)shown);
	snprintf(min, sizeof(min), "%lld", (long long)pt->min);
	snprintf(max, sizeof(max), "%lld", (long long)pt->max);
	if (pt->verdict == DOMAIN_POINTS_KURANG) {
		snprintf(diff, sizeof(diff), "%lld", (long long)(pt->min - shown));
		plan__problem(r, "SKP_POIN_KURANG", "rhk", params);
	} else if (pt->verdict == DOMAIN_POINTS_LEBIH) {
		snprintf(diff, sizeof(diff), "%lld", (long long)(shown - pt->max));
		plan__problem(r, "SKP_POIN_LEBIH", "rhk", params);
	}
}

/* Tugas Tambahan (§5.5): Guru SKP only, from the catalog, once, each with its SK/Surat Tugas. */
static void
plan__check_tugas(domain_plan_report *r, const domain_plan *p, const domain_catalog *c)
{
	char field[48], label[160];
	const char *params[] = { "id", NULL, "nama", NULL, "jabatan", plan__jabatan_label(p->jabatan), NULL };

	if (p->ntugas > 0 && p->jabatan != DOMAIN_JABATAN_GURU)
		plan__problem(r, "SKP_TUGAS_BUKAN_GURU", "tugas_tambahan", params);
	for (size_t i = 0; i < p->ntugas; i++) {
		const domain_plan_tugas *t = &p->tugas[i];
		const domain_catalog_tugas *e = NULL;
		int repeated = 0;
		for (size_t k = 0; k < c->ntugas && !e; k++)
			e = strcmp(c->tugas[k].id, t->id) == 0 ? &c->tugas[k] : NULL;
		for (size_t j = 0; j < i; j++)
			repeated |= strcmp(p->tugas[j].id, t->id) == 0;
		params[1] = t->id;
		params[3] = plan__tugas_name(c, t->id);
		snprintf(field, sizeof(field), "tugas_tambahan[%zu].id", i);
		if (e == NULL)
			plan__problem(r, "SKP_TUGAS_TIDAK_DIKENAL", field, params);
		else if (repeated)
			plan__problem(r, "SKP_TUGAS_GANDA", field, params);
		snprintf(field, sizeof(field), "tugas_tambahan[%zu].sk", i);
		plan__label(label, sizeof(label), "LABEL_SK", "nama", params[3]);
		if (plan__text_blank(&t->sk))
			plan__problem(r, "SKP_TUGAS_TANPA_SK", field, params);
		else
			plan__check_text(r, &t->sk, field, label, c->limits.text_max_chars.value);
	}
}

/* Perilaku Kerja (§5.6): each line valid, and every aspect of the catalog filled exactly once. */
static void
plan__check_perilaku(domain_plan_report *r, const domain_plan *p, const domain_catalog *c)
{
	char field[64], label[160], n[24], naspects[24];
	const char *params[] = { "id", NULL, "aspek", NULL, "jumlah", n, NULL };
	const int64_t tmax = c->limits.text_max_chars.value;

	for (size_t i = 0; i < p->nperilaku; i++) {
		const domain_plan_perilaku *b = &p->perilaku[i];
		const domain_catalog_aspect *a = NULL;
		int repeated = 0;
		for (size_t k = 0; k < c->naspects && !a; k++)
			a = strcmp(c->aspects[k].id, b->aspek) == 0 ? &c->aspects[k] : NULL;
		for (size_t j = 0; j < i; j++)
			repeated |= strcmp(p->perilaku[j].aspek, b->aspek) == 0;
		params[1] = b->aspek;
		params[3] = plan__aspect_name(c, b->aspek);
		snprintf(field, sizeof(field), "perilaku[%zu].aspek", i);
		if (a == NULL) {
			plan__problem(r, "SKP_PERILAKU_TIDAK_DIKENAL", field, params);
			continue;
		}
		if (repeated)
			plan__problem(r, "SKP_PERILAKU_GANDA", field, params);
		snprintf(field, sizeof(field), "perilaku[%zu].perilaku", i);
		snprintf(n, sizeof(n), "%zu", a->nbehaviours);
		if (b->has_index && (b->index < 0 || b->index >= (int64_t)a->nbehaviours))
			plan__problem(r, "SKP_PERILAKU_PILIHAN", field, params);
		if (!b->has_index) {
			plan__label(label, sizeof(label), "LABEL_PERILAKU_TEKS", "aspek", a->name);
			if (plan__text_blank(&b->text))
				plan__problem(r, "SKP_PERILAKU_KOSONG", field, params);
			else
				plan__check_text(r, &b->text, field, label, tmax);
		}
		snprintf(field, sizeof(field), "perilaku[%zu].ekspektasi_khusus", i);
		plan__label(label, sizeof(label), "LABEL_EKSPEKTASI", "aspek", a->name);
		plan__check_text(r, &b->ekspektasi_khusus, field, label, tmax);
	}
	/* every aspect of the catalog, once (§5.6) */
	snprintf(naspects, sizeof(naspects), "%zu", c->naspects);
	params[5] = naspects;
	for (size_t k = 0; k < c->naspects; k++) {
		int found = 0;
		for (size_t i = 0; i < p->nperilaku && !found; i++)
			found = strcmp(p->perilaku[i].aspek, c->aspects[k].id) == 0;
		if (!found) {
			params[1] = c->aspects[k].id;
			params[3] = c->aspects[k].name;
			plan__problem(r, "SKP_PERILAKU_BELUM_DIISI", "perilaku", params);
		}
	}
}

/* See plan.h: every rule, every problem, in the order of the plan's sections. */
int
domain_plan_check(domain_plan_report *out, const domain_plan *p, const domain_catalog *c)
{
	char plan_v[16], cat_v[16], n[16];
	const char *params[] = { "rencana", plan_v, "katalog", cat_v, "nama", c->name, "jabatan",
		plan__jabatan_label(p->jabatan), "aksi", domain_msg_text("LABEL_AKSI_AJUKAN"), "jumlah", n, NULL };
	char label[64];

	memset(out, 0, sizeof(*out));
	snprintf(plan_v, sizeof(plan_v), "%.12s", p->catalog);
	snprintf(cat_v, sizeof(cat_v), "%.12s", c->version);
	if (strcmp(p->catalog, c->version) != 0)
		plan__problem(out, "SKP_KATALOG_BEDA", "catalog", params);
	if (!domain_catalog_serves(c, domain_jabatan_name(p->jabatan)))
		plan__problem(out, "SKP_JABATAN_TIDAK_DILAYANI", "jabatan", params);
	plan__check_praktik(out, p, c);
	plan__check_rhk(out, p, c);
	domain_plan_points_get(&out->points, p, c);
	plan__check_points(out);
	plan__check_tugas(out, p, c);
	plan__check_perilaku(out, p, c);
	snprintf(label, sizeof(label), "%s", domain_msg_text("LABEL_RANGKUMAN"));
	plan__check_text(out, &p->rangkuman, "rangkuman", label, c->limits.text_max_chars.value);
	if (out->nproblems == 0)
		return 0;
	snprintf(n, sizeof(n), "%zu", out->nproblems + out->more);
	{
		char msg[DOMAIN_MSG_MAX];
		domain_msg_render(msg, sizeof(msg), "SKP_BELUM_LENGKAP", params);
		return kn_error_set(KN_EINVAL, out->problems[0].field, "%s", msg);
	}
}

/* ---- adjustments ---- */

/* Append one adjustment with its rendered message. */
static void
plan__adjust(domain_plan_adjustments *out, domain_adjustment_kind kind, const char *code, const char *field,
    const char *ref, int64_t before, int64_t after, const char *const *params)
{
	domain_adjustment *a;

	if (out->n == DOMAIN_PLAN_ADJUSTMENTS_MAX)
		return;
	a = &out->items[out->n++];
	a->kind = kind;
	a->code = code;
	snprintf(a->field, sizeof(a->field), "%s", field);
	snprintf(a->ref, sizeof(a->ref), "%s", ref);
	a->before = before;
	a->after = after;
	domain_msg_render(a->message, sizeof(a->message), code, params);
}

/* Index of the first line with this RHK, or -1. */
static ssize_t
plan__find_rhk(const domain_plan *p, int64_t id)
{
	for (size_t i = 0; i < p->nrhk; i++)
		if (p->rhk[i].id == id)
			return (ssize_t)i;
	return -1;
}

/* Index of the first line with this Tugas Tambahan, or -1. */
static ssize_t
plan__find_tugas(const domain_plan *p, const char *id)
{
	for (size_t i = 0; i < p->ntugas; i++)
		if (strcmp(p->tugas[i].id, id) == 0)
			return (ssize_t)i;
	return -1;
}

/* Index of the first line of this aspect, or -1. */
static ssize_t
plan__find_perilaku(const domain_plan *p, const char *aspek)
{
	for (size_t i = 0; i < p->nperilaku; i++)
		if (strcmp(p->perilaku[i].aspek, aspek) == 0)
			return (ssize_t)i;
	return -1;
}

/* The parts only the teacher may change (P6): the first one the atasan changed, or NULL. */
static const char *
plan__fixed_changed(const domain_plan *a, const domain_plan *b)
{
	if (strcmp(a->period, b->period) != 0)
		return "LABEL_PERIODE";
	if (strcmp(a->catalog, b->catalog) != 0)
		return "LABEL_KATALOG";
	if (a->jabatan != b->jabatan)
		return "LABEL_JABATAN";
	if (a->npraktik != b->npraktik)
		return "LABEL_PRAKTIK";
	for (size_t i = 0; i < a->npraktik; i++)
		if (strcmp(a->praktik[i], b->praktik[i]) != 0)
			return "LABEL_PRAKTIK";
	if (!plan__text_same(&a->rangkuman, &b->rangkuman))
		return "LABEL_RANGKUMAN";
	return NULL;
}

/* RHK changes: removed and changed in the submitted order, then the ones the atasan added. */
static void
plan__adjust_rhk(domain_plan_adjustments *out, const domain_plan *s, const domain_plan *a)
{
	char id[24], before[24], after[24], field[48];
	const char *params[] = { "id", id, "lama", before, "baru", after, NULL };

	for (size_t i = 0; i < s->nrhk; i++) {
		ssize_t j = plan__find_rhk(a, s->rhk[i].id);
		if (plan__find_rhk(s, s->rhk[i].id) != (ssize_t)i)
			continue; /* a repeat: the first line stands for the RHK */
		snprintf(id, sizeof(id), "%lld", (long long)s->rhk[i].id);
		snprintf(before, sizeof(before), "%lld", (long long)s->rhk[i].target_kuantitas);
		if (j < 0) {
			snprintf(field, sizeof(field), "rhk[%zu]", i);
			plan__adjust(out, DOMAIN_ADJ_RHK_DIHAPUS, "SKP_UBAH_RHK_DIHAPUS", field, id, s->rhk[i].target_kuantitas, 0,
			    params);
		} else if (a->rhk[j].target_kuantitas != s->rhk[i].target_kuantitas) {
			snprintf(after, sizeof(after), "%lld", (long long)a->rhk[j].target_kuantitas);
			snprintf(field, sizeof(field), "rhk[%zd].target_kuantitas", j);
			plan__adjust(out, DOMAIN_ADJ_RHK_KUANTITAS, "SKP_UBAH_RHK_KUANTITAS", field, id,
			    s->rhk[i].target_kuantitas, a->rhk[j].target_kuantitas, params);
		}
	}
	for (size_t j = 0; j < a->nrhk; j++) {
		if (plan__find_rhk(s, a->rhk[j].id) >= 0 || plan__find_rhk(a, a->rhk[j].id) != (ssize_t)j)
			continue;
		snprintf(id, sizeof(id), "%lld", (long long)a->rhk[j].id);
		snprintf(after, sizeof(after), "%lld", (long long)a->rhk[j].target_kuantitas);
		snprintf(field, sizeof(field), "rhk[%zu]", j);
		plan__adjust(out, DOMAIN_ADJ_RHK_DITAMBAH, "SKP_UBAH_RHK_DITAMBAH", field, id, 0, a->rhk[j].target_kuantitas,
		    params);
	}
}

/* Tugas Tambahan changes: removed, SK changed, then added. */
static void
plan__adjust_tugas(domain_plan_adjustments *out, const domain_plan *s, const domain_plan *a, const domain_catalog *c)
{
	char field[48];
	const char *params[] = { "nama", NULL, "sk", NULL, "baru", NULL, NULL };

	for (size_t i = 0; i < s->ntugas; i++) {
		ssize_t j = plan__find_tugas(a, s->tugas[i].id);
		if (plan__find_tugas(s, s->tugas[i].id) != (ssize_t)i)
			continue;
		params[1] = plan__tugas_name(c, s->tugas[i].id);
		if (j < 0) {
			snprintf(field, sizeof(field), "tugas_tambahan[%zu]", i);
			plan__adjust(out, DOMAIN_ADJ_TUGAS_DIHAPUS, "SKP_UBAH_TUGAS_DIHAPUS", field, s->tugas[i].id, 0, 0, params);
		} else if (!plan__text_same(&a->tugas[j].sk, &s->tugas[i].sk)) {
			params[5] = a->tugas[j].sk.s;
			snprintf(field, sizeof(field), "tugas_tambahan[%zd].sk", j);
			plan__adjust(out, DOMAIN_ADJ_TUGAS_SK, "SKP_UBAH_TUGAS_SK", field, s->tugas[i].id, 0, 0, params);
		}
	}
	for (size_t j = 0; j < a->ntugas; j++) {
		if (plan__find_tugas(s, a->tugas[j].id) >= 0 || plan__find_tugas(a, a->tugas[j].id) != (ssize_t)j)
			continue;
		params[1] = plan__tugas_name(c, a->tugas[j].id);
		params[3] = a->tugas[j].sk.s;
		snprintf(field, sizeof(field), "tugas_tambahan[%zu]", j);
		plan__adjust(out, DOMAIN_ADJ_TUGAS_DITAMBAH, "SKP_UBAH_TUGAS_DITAMBAH", field, a->tugas[j].id, 0, 0, params);
	}
}

/* Did the chosen behaviour change (another index, or other own wording)? */
static int
plan__behaviour_changed(const domain_plan_perilaku *x, const domain_plan_perilaku *y)
{
	if (x->has_index != y->has_index)
		return 1;
	return x->has_index ? x->index != y->index : !plan__text_same(&x->text, &y->text);
}

/*
 * Perilaku Kerja changes: another behaviour, a new or changed ekspektasi khusus, an aspect dropped.
 */
static void
plan__adjust_perilaku(domain_plan_adjustments *out, const domain_plan *s, const domain_plan *a,
    const domain_catalog *c)
{
	static const domain_plan_perilaku none;
	char field[80];
	const char *params[] = { "aspek", NULL, "teks", NULL, NULL };

	for (size_t j = 0; j < a->nperilaku; j++) {
		const domain_plan_perilaku *y = &a->perilaku[j];
		ssize_t i = plan__find_perilaku(s, y->aspek);
		const domain_plan_perilaku *x = i >= 0 ? &s->perilaku[i] : &none;
		if (plan__find_perilaku(a, y->aspek) != (ssize_t)j)
			continue;
		params[1] = plan__aspect_name(c, y->aspek);
		if (i < 0 || plan__behaviour_changed(x, y)) {
			snprintf(field, sizeof(field), "perilaku[%zu].perilaku", j);
			plan__adjust(out, DOMAIN_ADJ_PERILAKU, "SKP_UBAH_PERILAKU", field, y->aspek, 0, 0, params);
		}
		if (!plan__text_same(&x->ekspektasi_khusus, &y->ekspektasi_khusus)) {
			params[3] = y->ekspektasi_khusus.s;
			snprintf(field, sizeof(field), "perilaku[%zu].ekspektasi_khusus", j);
			plan__adjust(out, DOMAIN_ADJ_EKSPEKTASI, "SKP_UBAH_EKSPEKTASI", field, y->aspek, 0, 0, params);
		}
	}
	for (size_t i = 0; i < s->nperilaku; i++) {
		if (plan__find_perilaku(a, s->perilaku[i].aspek) >= 0 || plan__find_perilaku(s, s->perilaku[i].aspek) != (ssize_t)i)
			continue;
		params[1] = plan__aspect_name(c, s->perilaku[i].aspek);
		snprintf(field, sizeof(field), "perilaku[%zu]", i);
		plan__adjust(out, DOMAIN_ADJ_PERILAKU, "SKP_UBAH_PERILAKU", field, s->perilaku[i].aspek, 0, 0, params);
	}
}

/* See plan.h: one adjustment per difference; the fixed parts refuse. */
int
domain_plan_adjustments_get(domain_plan_adjustments *out, domain_problem *why, const domain_plan *submitted,
    const domain_plan *approved, const domain_catalog *c)
{
	const char *fixed = plan__fixed_changed(submitted, approved);

	memset(out, 0, sizeof(*out));
	plan__adjust_rhk(out, submitted, approved);
	plan__adjust_tugas(out, submitted, approved, c);
	plan__adjust_perilaku(out, submitted, approved, c);
	if (fixed) {
		domain_problem p = { "SKP_UBAH_TIDAK_BOLEH", "", "" };
		const char *params[] = { "kolom", domain_msg_text(fixed), NULL };
		domain_msg_render(p.message, sizeof(p.message), p.code, params);
		snprintf(p.field, sizeof(p.field), "%s",
		    strcmp(fixed, "LABEL_PRAKTIK") == 0 ? "praktik_kinerja" : strcmp(fixed, "LABEL_RANGKUMAN") == 0 ? "rangkuman" :
		    strcmp(fixed, "LABEL_PERIODE") == 0 ? "period" : strcmp(fixed, "LABEL_KATALOG") == 0 ? "catalog" : "jabatan");
		if (why)
			*why = p;
		return kn_error_set(KN_EDENIED, p.field, "%s", p.message);
	}
	return 0;
}

/* ---- the state machine ---- */

static const struct {
	const char *name;
	const char *label;
} states[] = {
	{ "belum", "LABEL_STATUS_BELUM" },
	{ "draf", "LABEL_STATUS_DRAF" },
	{ "diajukan", "LABEL_STATUS_DIAJUKAN" },
	{ "perlu_revisi", "LABEL_STATUS_PERLU_REVISI" },
	{ "disetujui", "LABEL_STATUS_DISETUJUI" },
	{ "disepakati", "LABEL_STATUS_DISEPAKATI" },
};

static const struct {
	const char *name;
	const char *label;
	const char *event;
	int by_atasan;
} actions[] = {
	{ "simpan", "LABEL_AKSI_SIMPAN", "SKP_EV_SIMPAN", 0 },
	{ "ajukan", "LABEL_AKSI_AJUKAN", "SKP_EV_AJUKAN", 0 },
	{ "setujui", "LABEL_AKSI_SETUJUI", "SKP_EV_SETUJUI", 1 },
	{ "tinjau_ulang", "LABEL_AKSI_TINJAU_ULANG", "SKP_EV_TINJAU_ULANG", 1 },
	{ "sepakati", "LABEL_AKSI_SEPAKATI", "SKP_EV_SEPAKATI", 0 },
	{ "buka_kembali", "LABEL_AKSI_BUKA_KEMBALI", "SKP_EV_BUKA_KEMBALI", 1 },
};

#define NSTATES (sizeof(states) / sizeof(states[0]))
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

/* The table of DOMAIN.md §4.2 with the decisions P7: every move there is. */
static const struct {
	domain_skp_state from;
	domain_skp_action action;
	domain_skp_state to;
} moves[] = {
	{ DOMAIN_SKP_BELUM, DOMAIN_SKP_SIMPAN, DOMAIN_SKP_DRAF },
	{ DOMAIN_SKP_BELUM, DOMAIN_SKP_AJUKAN, DOMAIN_SKP_DIAJUKAN },
	{ DOMAIN_SKP_DRAF, DOMAIN_SKP_SIMPAN, DOMAIN_SKP_DRAF },
	{ DOMAIN_SKP_DRAF, DOMAIN_SKP_AJUKAN, DOMAIN_SKP_DIAJUKAN },
	{ DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_SETUJUI, DOMAIN_SKP_DISETUJUI },
	{ DOMAIN_SKP_DIAJUKAN, DOMAIN_SKP_TINJAU_ULANG, DOMAIN_SKP_PERLU_REVISI },
	{ DOMAIN_SKP_PERLU_REVISI, DOMAIN_SKP_SIMPAN, DOMAIN_SKP_PERLU_REVISI },
	{ DOMAIN_SKP_PERLU_REVISI, DOMAIN_SKP_AJUKAN, DOMAIN_SKP_DIAJUKAN },
	{ DOMAIN_SKP_DISETUJUI, DOMAIN_SKP_SEPAKATI, DOMAIN_SKP_DISEPAKATI },
	{ DOMAIN_SKP_DISETUJUI, DOMAIN_SKP_BUKA_KEMBALI, DOMAIN_SKP_PERLU_REVISI },
	{ DOMAIN_SKP_DISEPAKATI, DOMAIN_SKP_BUKA_KEMBALI, DOMAIN_SKP_PERLU_REVISI },
};

/* Refuse a name that is not a state or an action, with the table's words. */
static int
plan__unknown_name(const char *field, const char *code, const char *name)
{
	char msg[DOMAIN_MSG_MAX];
	const char *params[] = { "nilai", name, NULL };

	domain_msg_render(msg, sizeof(msg), code, params);
	return kn_error_set(KN_EINVAL, field, "%s", msg);
}

/* The wire name of a state. */
const char *
domain_skp_state_name(domain_skp_state s)
{
	return (size_t)s < NSTATES ? states[s].name : "belum";
}

/* The label people read, from the message table. */
const char *
domain_skp_state_label(domain_skp_state s)
{
	return domain_msg_text(states[(size_t)s < NSTATES ? s : 0].label);
}

/* A state from its wire name. */
int
domain_skp_state_parse(domain_skp_state *out, const char *name)
{
	for (size_t i = 0; i < NSTATES; i++)
		if (strcmp(name, states[i].name) == 0) {
			*out = (domain_skp_state)i;
			return 0;
		}
	return plan__unknown_name("state", "SKP_FORMAT_STATUS", name);
}

/* The wire name of an action. */
const char *
domain_skp_action_name(domain_skp_action a)
{
	return (size_t)a < NACTIONS ? actions[a].name : "simpan";
}

/* The label people read (the button's name in PMM), from the message table. */
const char *
domain_skp_action_label(domain_skp_action a)
{
	return domain_msg_text(actions[(size_t)a < NACTIONS ? a : 0].label);
}

/* An action from its wire name. */
int
domain_skp_action_parse(domain_skp_action *out, const char *name)
{
	for (size_t i = 0; i < NACTIONS; i++)
		if (strcmp(name, actions[i].name) == 0) {
			*out = (domain_skp_action)i;
			return 0;
		}
	return plan__unknown_name("action", "SKP_FORMAT_AKSI", name);
}

/* Whether the atasan (1) or the plan's owner (0) does this action. */
int
domain_skp_action_by_atasan(domain_skp_action a)
{
	return (size_t)a < NACTIONS && actions[a].by_atasan;
}

/*
 * The move table alone, without people or requirements: for replaying a history and for listing moves.
 */
int
domain_skp_next(domain_skp_state *out, domain_skp_state from, domain_skp_action a)
{
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
		if (moves[i].from == from && moves[i].action == a) {
			*out = moves[i].to;
			return 0;
		}
	return KN_ESTATE;
}

/* P13: which deadline an act answers to. */
int
domain_skp_action_deadline(const domain_deadline **out, const domain_period *p, domain_skp_action a)
{
	switch (a) {
	case DOMAIN_SKP_AJUKAN:
		*out = &p->plan_due;
		break;
	case DOMAIN_SKP_SETUJUI:
	case DOMAIN_SKP_TINJAU_ULANG:
	case DOMAIN_SKP_SEPAKATI:
		*out = &p->approve_due;
		break;
	case DOMAIN_SKP_BUKA_KEMBALI:
		*out = &p->evaluation_due;
		break;
	default:
		*out = NULL;
		break;
	}
	return 0;
}

/* The states from which an action is allowed, as labels ("Draf, Perlu Revisi atau Belum Dibuat"). */
static void
plan__allowed_from(char *out, size_t outsz, domain_skp_action a)
{
	size_t n = 0, k = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++)
		n += moves[i].action == a;
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		if (moves[i].action != a)
			continue;
		snprintf(out + strlen(out), outsz - strlen(out), "%s%s", k == 0 ? "" : k + 1 == n ? " atau " : ", ",
		    domain_skp_state_label(moves[i].from));
		k++;
	}
}

/* Refuse an act: fill the event's code, field and message and the last error alike. */
static int
plan__refuse(domain_skp_event *out, int rc, const char *code, const char *field, const char *const *params)
{
	out->code = code;
	snprintf(out->field, sizeof(out->field), "%s", field);
	domain_msg_render(out->message, sizeof(out->message), code, params);
	return kn_error_set(rc, field, "%s", out->message);
}

/*
 * See plan.h. The order of the checks is the order of P8: the person, the
 * state, then what the act must carry (identity, a clean check, a note).
 */
int
domain_skp_transition(domain_skp_event *out, const domain_skp_act *act)
{
	char allowed[128], n[16], chars[16], maxs[16];
	const int by_atasan = domain_skp_action_by_atasan(act->action);
	const char *aksi = domain_skp_action_label(act->action);
	const char *note = act->note ? act->note : "";
	const char *params[] = { "aksi", aksi, "status", domain_skp_state_label(act->state), "boleh", allowed, "jumlah", n,
		"catatan", note, "alasan", note, "kolom", NULL, "maks", maxs, NULL };
	domain_skp_state to;
	domain_plan_text t;

	memset(out, 0, sizeof(*out));
	out->from = out->to = act->state;
	out->action = act->action;
	out->by_atasan = by_atasan;
	out->at_ms = act->at_ms;
	if ((size_t)act->action >= NACTIONS)
		return plan__refuse(out, KN_EINVAL, "SKP_STATUS_SALAH", "action", params);
	if (by_atasan && memcmp(act->actor, act->owner, 32) == 0)
		return plan__refuse(out, KN_EDENIED, "SKP_ATASAN_SENDIRI", "atasan", params);
	if (by_atasan && !domain_atasan_has(act->atasan, act->actor))
		return plan__refuse(out, KN_EDENIED, "SKP_HANYA_ATASAN", "atasan", params);
	if (!by_atasan && memcmp(act->actor, act->owner, 32) != 0)
		return plan__refuse(out, KN_EDENIED, "SKP_HANYA_PEMILIK", "pegawai", params);
	if (domain_skp_next(&to, act->state, act->action) != 0) {
		plan__allowed_from(allowed, sizeof(allowed), act->action);
		return plan__refuse(out, KN_ESTATE, "SKP_STATUS_SALAH", "state", params);
	}
	if (act->timing && act->timing->late && act->timing->kind == DOMAIN_TIMING_TEPAT_WAKTU) {
		/* late, and neither a soft rule nor a dispensation let it through: the timing check refused it */
		out->code = act->timing->code;
		snprintf(out->field, sizeof(out->field), "tenggat");
		snprintf(out->message, sizeof(out->message), "%s", act->timing->message);
		return kn_error_set(KN_ESTATE, out->field, "%s", out->message);
	}
	if (act->state == DOMAIN_SKP_BELUM && !act->identity_confirmed)
		return plan__refuse(out, KN_ESTATE, "SKP_IDENTITAS_BELUM", "identitas", params);
	if (act->action == DOMAIN_SKP_AJUKAN || act->action == DOMAIN_SKP_SETUJUI) {
		if (act->check == NULL)
			return plan__refuse(out, KN_EINVAL, "SKP_PEMERIKSAAN_WAJIB", "body", params);
		if (act->check->nproblems > 0) {
			snprintf(n, sizeof(n), "%zu", act->check->nproblems + act->check->more);
			return plan__refuse(out, KN_EINVAL, "SKP_BELUM_LENGKAP", act->check->problems[0].field, params);
		}
	}
	if (act->action == DOMAIN_SKP_BUKA_KEMBALI && act->evaluation_started)
		return plan__refuse(out, KN_ESTATE, "SKP_SUDAH_DIEVALUASI", "state", params);
	if (act->action == DOMAIN_SKP_TINJAU_ULANG || act->action == DOMAIN_SKP_BUKA_KEMBALI) {
		const int tinjau = act->action == DOMAIN_SKP_TINJAU_ULANG;
		const char *field = tinjau ? "catatan" : "alasan";
		domain_plan_text_set(&t, note);
		params[13] = domain_msg_text(tinjau ? "LABEL_CATATAN" : "LABEL_ALASAN");
		snprintf(chars, sizeof(chars), "%zu", t.chars);
		snprintf(maxs, sizeof(maxs), "%d", DOMAIN_SKP_NOTE_MAX_CHARS);
		params[7] = chars;
		if (plan__text_blank(&t))
			return plan__refuse(out, KN_EINVAL, tinjau ? "SKP_CATATAN_WAJIB" : "SKP_ALASAN_WAJIB", field, params);
		if (t.bad)
			return plan__refuse(out, KN_EINVAL, "SKP_TEKS_TIDAK_SAH", field, params);
		if (t.over || t.chars > DOMAIN_SKP_NOTE_MAX_CHARS)
			return plan__refuse(out, KN_EINVAL, "SKP_TEKS_PANJANG", field, params);
		snprintf(out->note, sizeof(out->note), "%s", t.s);
	}
	out->to = to;
	out->late = act->timing ? act->timing->late : 0;
	out->nadjustments = act->action == DOMAIN_SKP_SETUJUI && act->adjustments ? act->adjustments->n : 0;
	snprintf(n, sizeof(n), "%zu", out->nadjustments);
	params[7] = n;
	out->code = actions[act->action].event;
	domain_msg_render(out->message, sizeof(out->message), out->code, params);
	return 0;
}
