/*
 * catalog.c - catalogs in the store (DOMAIN.md §0, §9 and R5): the RHK,
 * the Praktik Kinerja rubrics, the Perilaku Kerja aspects, the limits and
 * the calendar of a version of the official rules, as records every
 * machine can carry and check.
 *
 * A catalog version is a record of type "catalog" whose subject is the
 * version (BLAKE2b-256 of the JSON file's exact bytes, domain/catalog.h)
 * and whose body is {"json": bin}; domain_record_accept checks both and
 * that an active Operator Sekolah signed it. Here:
 *
 *   - the index of the versions a school holds ("cat/<npsn>/<version>" ->
 *     the hlc of its earliest record, 8 bytes big-endian), kept by the
 *     store's index hook (rules.c), so the newest is found without
 *     reading every record;
 *   - kd_catalog_get, the one way the daemon reads a catalog, with a small
 *     cache of parsed versions (parsing the shipped 21 KB file takes about
 *     0.9 ms; a cached copy is a 31 KB memcpy);
 *   - the catalogs of a new school: school.init reads the files of
 *     catalog.dir on its worker thread and stores them, signed by the new
 *     operator, in the batch that makes the school; a missing directory or
 *     a broken file is a warning in the log and the reply, never a reason
 *     to refuse the school;
 *   - the methods catalog.add (Operator Sekolah), catalog.show and
 *     catalog.list (any member). Show and list verify records and may
 *     parse, so they run on the read lane, off the loop.
 *
 * Nothing is invented: a text, number or status the catalog does not
 * hold is sent as nil (or with its status), and the gaps list
 * (domain_catalog_gaps) says what is missing, in conflict or inferred.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../domain/catalog.h"
#include "../domain/messages.h"
#include "../util/mpmap.h"
#include "methods.h"
#include "server.h"
#include "work.h"

/* Parsed versions kept in memory (each about 31 KB plus its JSON tree). */
#define CATALOG_CACHE_SLOTS 4
/*
 * The largest catalog file: it travels whole in one signed record
 * (RECORD_MAX_BYTES), which also holds the envelope (keys, ids, subject).
 */
#define CATALOG_FILE_MAX (RECORD_MAX_BYTES - 1024)
/* Files read from catalog.dir at school.init, and lines of warning about them. */
#define CATALOG_FILES_MAX 16
#define CATALOG_WARNINGS_MAX (CATALOG_FILES_MAX + 4)
#define CATALOG_WARNING_LEN 480
#define CATALOG_INDEX_PREFIX "cat/"

/* ---- the cache of parsed versions ---- */

/*
 * One process-wide cache, since kd_catalog_get has no server to hang it
 * on; it is keyed by version, which is the hash of the bytes, so it is
 * right for any store. Callers get copies (domain_catalog_dup) that share
 * the parsed tree, so an entry may be evicted while copies live on.
 */
static struct {
	char version[DOMAIN_CATALOG_VERSION_HEX + 1];
	domain_catalog *c;
	uint64_t used;
} cache[CATALOG_CACHE_SLOTS];
static uint64_t cache_clock;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* A copy of the cached version into *out: 1 when it was there, 0 when not, or KN_ENOMEM. */
static int
cache_find(domain_catalog **out, const char *version)
{
	int rc = 0;

	*out = NULL;
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CATALOG_CACHE_SLOTS; i++) {
		if (cache[i].c == NULL || strcmp(cache[i].version, version) != 0)
			continue;
		cache[i].used = ++cache_clock;
		rc = domain_catalog_dup(out, cache[i].c);
		if (rc == 0)
			rc = 1;
		break;
	}
	pthread_mutex_unlock(&cache_lock);
	return rc;
}

/* Keep a copy of c in the least recently used slot (nothing when it is there already, or out of memory). */
static void
cache_keep(const domain_catalog *c)
{
	domain_catalog *copy = NULL, *old = NULL;
	size_t slot = 0;

	if (domain_catalog_dup(&copy, c) != 0) {
		kn_error_clear(); /* a cache that could not keep a copy is only slower */
		return;
	}
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CATALOG_CACHE_SLOTS; i++) {
		if (cache[i].c && strcmp(cache[i].version, c->version) == 0) {
			old = copy; /* another thread parsed it meanwhile */
			goto out_unlock;
		}
		if (cache[i].c == NULL || (cache[slot].c && cache[i].used < cache[slot].used))
			slot = i;
	}
	old = cache[slot].c;
	cache[slot].c = copy;
	memcpy(cache[slot].version, c->version, sizeof(cache[slot].version));
	cache[slot].used = ++cache_clock;
out_unlock:
	pthread_mutex_unlock(&cache_lock);
	domain_catalog_free(old);
}

/*
 * See server.h: what domain_catalog_parse gives for these bytes, from the
 * cache when their version (the BLAKE2b-256 of the bytes, so the bytes
 * decide) was parsed before. The acceptance rules use it (domain_ctx).
 */
int
kd_catalog_parse_cached(domain_catalog **out, const uint8_t *json, size_t len, void *arg)
{
	char version[DOMAIN_CATALOG_VERSION_HEX + 1];
	int rc;
	(void)arg;

	*out = NULL;
	if ((rc = domain_catalog_version(version, json, len)))
		return rc;
	if ((rc = cache_find(out, version)) == 1)
		return 0;
	if (rc < 0)
		return rc;
	if ((rc = domain_catalog_parse(out, json, len)))
		return rc;
	cache_keep(*out);
	return 0;
}

/* Empty the cache (tests; the daemon at exit). Copies handed out stay valid. */
void
kd_catalog_cache_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	for (size_t i = 0; i < CATALOG_CACHE_SLOTS; i++) {
		domain_catalog_free(cache[i].c);
		cache[i].c = NULL;
		cache[i].version[0] = '\0';
	}
	pthread_mutex_unlock(&cache_lock);
}

/* ---- the index of versions ---- */

/*
 * The store's index hook for a catalog record: "cat/<npsn>/<version>" ->
 * the hlc of the version's earliest record. The earliest, so that the
 * entry is the same whatever order a version's records arrive in.
 */
int
kd_catalog_index(store_txn *t, const record_view *v)
{
	char key[96];
	uint8_t val[8];
	const uint8_t *old;
	size_t oldlen;
	int rc;

	if (v->subject_len != DOMAIN_CATALOG_VERSION_HEX)
		return kn_error_set(KN_EBADREC, "subject", "a catalog record's subject must be its version (64 hex)");
	snprintf(key, sizeof(key), CATALOG_INDEX_PREFIX "%.8s/%.64s", v->school, v->subject);
	rc = store_idx_get(&old, &oldlen, t, key, strlen(key));
	if (rc == 0 && oldlen == 8 && kn_be64_get(old) <= v->hlc)
		return 0;
	if (rc && rc != KN_ENOTFOUND)
		return rc;
	kn_be64_put(val, v->hlc);
	return store_idx_put(t, key, strlen(key), val, sizeof(val));
}

/* A version the school holds, and when it was first added. */
typedef struct {
	char version[DOMAIN_CATALOG_VERSION_HEX + 1];
	uint64_t hlc;
} catalog_entry;

typedef struct {
	catalog_entry *e;
	size_t n, cap;
} catalog_entries;

/* Index callback: collect one version. */
static int
entries_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	catalog_entries *l = arg;

	if (klen < DOMAIN_CATALOG_VERSION_HEX || vlen != 8)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		catalog_entry *ne = realloc(l->e, cap * sizeof(*ne));
		if (ne == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory listing catalogs");
		l->e = ne;
		l->cap = cap;
	}
	memcpy(l->e[l->n].version, key + klen - DOMAIN_CATALOG_VERSION_HEX, DOMAIN_CATALOG_VERSION_HEX);
	l->e[l->n].version[DOMAIN_CATALOG_VERSION_HEX] = '\0';
	l->e[l->n].hlc = kn_be64_get(val);
	l->n++;
	return 0;
}

/* Newest first (by the hlc of the version's first record); ties by version, so every store orders alike. */
static int
entries_newest_first(const void *a, const void *b)
{
	const catalog_entry *x = a, *y = b;

	if (x->hlc != y->hlc)
		return x->hlc > y->hlc ? -1 : 1;
	return strcmp(y->version, x->version);
}

/* Every version school holds, newest first; free out->e. */
static int
entries_load(catalog_entries *out, store_txn *t, const char *school)
{
	char prefix[32];
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(prefix, sizeof(prefix), CATALOG_INDEX_PREFIX "%.8s/", school);
	rc = store_idx_scan(t, prefix, strlen(prefix), entries_cb, out);
	if (rc == 0 && out->n > 1)
		qsort(out->e, out->n, sizeof(*out->e), entries_newest_first);
	return rc;
}

/* ---- reading a version ---- */

/* Is s a version: 64 lower-case hex characters? */
static int
is_version(const char *s)
{
	return strlen(s) == DOMAIN_CATALOG_VERSION_HEX && strspn(s, "0123456789abcdef") == DOMAIN_CATALOG_VERSION_HEX;
}

/*
 * The version's current record (verified, and taking effect: its author
 * was an operator when they added it) into *view, when view is not NULL,
 * and the catalog it carries into *out: from the cache, or parsed and
 * then cached. KN_ENOTFOUND when the school holds no such version.
 */
static int
catalog_open(domain_catalog **out, record_view *view, store_txn *t, const char *school, const char *version)
{
	char doc[RECORD_DOC_KEY_MAX];
	const msgpack_object *json;
	domain_catalog *c = NULL;
	record_view v;
	int rc;

	*out = NULL;
	snprintf(doc, sizeof(doc), "catalog/%.8s/%s", school, version);
	if ((rc = kd_doc_head(&v, t, doc)))
		return rc;
	json = kn_map_get(v.body, "json");
	if (json == NULL || json->type != MSGPACK_OBJECT_BIN) {
		rc = kn_error_set(KN_EBADREC, "catalog", "the stored record of catalog %s holds no catalog file", version);
		goto out_free_view;
	}
	rc = cache_find(&c, version);
	if (rc == 1) {
		rc = 0;
	} else if (rc == 0) {
		if ((rc = domain_catalog_parse(&c, (const uint8_t *)json->via.bin.ptr, json->via.bin.size)))
			goto out_free_view;
		/* the rules checked this when the record came; the cache is keyed by it, so check again */
		if (strcmp(c->version, version) != 0) {
			rc = kn_error_set(KN_EBADREC, "catalog", "the stored record of catalog %s carries other bytes (%s)",
			    version, c->version);
			goto out_free_view;
		}
		cache_keep(c);
	}
out_free_view:
	if (rc == 0 && view)
		*view = v;
	else
		record_view_free(&v);
	if (rc)
		domain_catalog_free(c);
	else
		*out = c;
	return rc;
}

/* See server.h. */
int
kd_catalog_get(struct domain_catalog **out, char version_out[65], store_txn *t, const char *school,
    const char *version)
{
	catalog_entries l;
	int rc;

	*out = NULL;
	if (version && version[0]) {
		if (!is_version(version))
			return domain_msg_error(KN_EINVAL, "version", "KATALOG_VERSI_FORMAT", NULL);
		rc = catalog_open(out, NULL, t, school, version);
		if (rc == KN_ENOTFOUND)
			rc = domain_msg_error(KN_ENOTFOUND, "version", "KATALOG_VERSI_TIDAK_ADA", "versi", version, NULL);
		if (rc == 0 && version_out)
			memcpy(version_out, version, DOMAIN_CATALOG_VERSION_HEX + 1);
		return rc;
	}
	if ((rc = entries_load(&l, t, school)))
		return rc;
	rc = KN_ENOTFOUND;
	/* the newest whose record takes effect (its author was an operator when they added it) */
	for (size_t i = 0; i < l.n && rc == KN_ENOTFOUND; i++) {
		rc = catalog_open(out, NULL, t, school, l.e[i].version);
		if (rc == 0 && version_out)
			memcpy(version_out, l.e[i].version, DOMAIN_CATALOG_VERSION_HEX + 1);
	}
	free(l.e);
	if (rc == KN_ENOTFOUND)
		rc = domain_msg_error(KN_ENOTFOUND, "catalog", "KATALOG_BELUM_ADA", NULL);
	return rc;
}

/*
 * The version a request names: all 64 hex characters, or a prefix of at
 * least 8 that only one stored version starts with (as 'catalog list'
 * shows them); "" stays "" (the newest).
 */
static int
version_resolve(char out[DOMAIN_CATALOG_VERSION_HEX + 1], store_txn *t, const char *school, const char *given)
{
	catalog_entries l;
	size_t n = strlen(given), found = 0;
	int rc;

	memcpy(out, given, n + 1);
	if (n == 0 || n == DOMAIN_CATALOG_VERSION_HEX)
		return 0;
	if (n < 8 || n > DOMAIN_CATALOG_VERSION_HEX || strspn(given, "0123456789abcdef") != n)
		return domain_msg_error(KN_EINVAL, "version", "KATALOG_VERSI_AWALAN", NULL);
	if ((rc = entries_load(&l, t, school)))
		return rc;
	for (size_t i = 0; i < l.n; i++)
		if (strncmp(l.e[i].version, given, n) == 0 && found++ == 0)
			memcpy(out, l.e[i].version, DOMAIN_CATALOG_VERSION_HEX + 1);
	free(l.e);
	if (found == 0)
		return domain_msg_error(KN_ENOTFOUND, "version", "KATALOG_VERSI_AWALAN_TIDAK_ADA", "awalan", given, NULL);
	if (found > 1)
		return domain_msg_error(KN_EINVAL, "version", "KATALOG_VERSI_AWALAN_GANDA", "jumlah", domain_msg_num(found).s,
		    "awalan", given, NULL);
	return 0;
}

/* ---- packing a catalog for clients ---- */

/* A map key. */
static void
pack_key(msgpack_packer *pk, const char *k)
{
	kd_pack_str(pk, k);
}

/* k: s, or nil when s is absent (missing from the catalog). */
static void
pack_opt(msgpack_packer *pk, const char *k, const char *s)
{
	pack_key(pk, k);
	if (s)
		kd_pack_str(pk, s);
	else
		msgpack_pack_nil(pk);
}

/* "status": how much of an entry is known, by its wire name. */
static void
pack_status(msgpack_packer *pk, domain_status s)
{
	kd_pack_kv_str(pk, "status", domain_status_name(s));
}

/* An array of texts; a NULL one (known to exist, text not retrieved) is nil. */
static void
pack_str_array(msgpack_packer *pk, const char *const *v, size_t n)
{
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++) {
		if (v[i])
			kd_pack_str(pk, v[i]);
		else
			msgpack_pack_nil(pk);
	}
}

/* k: {value, status, source, note} of one limit. */
static void
pack_limit(msgpack_packer *pk, const char *k, const domain_catalog_limit *l)
{
	pack_key(pk, k);
	msgpack_pack_map(pk, 4);
	pack_key(pk, "value");
	msgpack_pack_int64(pk, l->value);
	pack_status(pk, l->status);
	pack_opt(pk, "source", l->source);
	pack_opt(pk, "note", l->note);
}

/* "limits": every limit of a plan, with its provenance. */
static void
pack_limits(msgpack_packer *pk, const domain_catalog *c)
{
	const domain_catalog_limits *l = &c->limits;

	pack_key(pk, "limits");
	msgpack_pack_map(pk, 7);
	pack_limit(pk, "points_min", &l->points_min);
	pack_limit(pk, "points_max", &l->points_max);
	pack_limit(pk, "text_max_chars", &l->text_max_chars);
	pack_limit(pk, "sub_indicators_per_plan", &l->sub_indicators_per_plan);
	pack_limit(pk, "quantity_max", &l->quantity_max);
	pack_limit(pk, "evidence_max_mb", &l->evidence_max_mb);
	pack_key(pk, "evidence_types");
	msgpack_pack_map(pk, 3);
	pack_key(pk, "value");
	pack_str_array(pk, l->evidence_types, l->nevidence_types);
	pack_status(pk, l->evidence_types_status);
	pack_opt(pk, "source", l->evidence_types_source);
}

/* "calendar": the semesters and their deadlines, dates as "MM-DD". */
static void
pack_calendar(msgpack_packer *pk, const domain_catalog *c)
{
	char d[8];

	pack_key(pk, "calendar");
	msgpack_pack_map(pk, 2);
	pack_key(pk, "semesters");
	msgpack_pack_array(pk, 2);
	for (size_t i = 0; i < 2; i++) {
		const domain_catalog_semester *s = &c->semesters[i];
		msgpack_pack_map(pk, 5);
		kd_pack_kv_u64(pk, "semester", (uint64_t)s->semester);
		snprintf(d, sizeof(d), "%02d-%02d", s->start_month, s->start_day);
		kd_pack_kv_str(pk, "start", d);
		snprintf(d, sizeof(d), "%02d-%02d", s->end_month, s->end_day);
		kd_pack_kv_str(pk, "end", d);
		pack_status(pk, s->status);
		pack_opt(pk, "source", s->source);
	}
	pack_key(pk, "deadlines");
	msgpack_pack_array(pk, c->ndeadlines);
	for (size_t i = 0; i < c->ndeadlines; i++) {
		const domain_catalog_deadline *dl = &c->deadlines[i];
		msgpack_pack_map(pk, 8);
		kd_pack_kv_str(pk, "id", dl->id);
		kd_pack_kv_u64(pk, "semester", (uint64_t)dl->semester);
		snprintf(d, sizeof(d), "%02d-%02d", dl->month, dl->day);
		kd_pack_kv_str(pk, "date", d);
		kd_pack_kv_str(pk, "kind", dl->hard ? "hard" : "soft");
		pack_status(pk, dl->status);
		pack_opt(pk, "source", dl->source);
		pack_opt(pk, "kind_source", dl->kind_source);
		pack_opt(pk, "note", dl->note);
	}
}

/* "rhk_list" and "rhk": the RHK, with points only where the catalog knows them. */
static void
pack_rhk(msgpack_packer *pk, const domain_catalog *c)
{
	pack_key(pk, "rhk_list");
	msgpack_pack_map(pk, 4);
	pack_key(pk, "expected_count");
	msgpack_pack_int64(pk, c->rhk_expected);
	pack_status(pk, c->rhk_list_status);
	pack_opt(pk, "source", c->rhk_list_source);
	pack_key(pk, "point_values_seen");
	msgpack_pack_array(pk, c->npoint_values);
	for (size_t i = 0; i < c->npoint_values; i++)
		msgpack_pack_int64(pk, c->point_values[i]);
	pack_key(pk, "rhk");
	msgpack_pack_array(pk, c->nrhk);
	for (size_t i = 0; i < c->nrhk; i++) {
		const domain_catalog_rhk *r = &c->rhk[i];
		msgpack_pack_map(pk, 10);
		pack_key(pk, "id");
		msgpack_pack_int64(pk, r->id);
		pack_status(pk, r->status);
		pack_opt(pk, "source", r->source);
		pack_opt(pk, "note", r->note);
		pack_opt(pk, "summary", r->summary);
		pack_opt(pk, "text", r->text);
		pack_opt(pk, "rule", r->rule);
		pack_opt(pk, "evidence", r->evidence);
		/* points per unit: nil when not known, and when sources disagree (then the candidates say how) */
		pack_key(pk, "points");
		if (r->points > 0)
			msgpack_pack_int64(pk, r->points);
		else
			msgpack_pack_nil(pk);
		pack_key(pk, "points_conflict");
		if (r->ncandidates == 0) {
			msgpack_pack_nil(pk);
			continue;
		}
		msgpack_pack_array(pk, r->ncandidates);
		for (size_t j = 0; j < r->ncandidates; j++) {
			msgpack_pack_map(pk, 2);
			pack_key(pk, "value");
			msgpack_pack_int64(pk, r->candidates[j].value);
			pack_opt(pk, "source", r->candidates[j].source);
		}
	}
}

/* "tugas_tambahan": the list and how much of it is known. */
static void
pack_tugas(msgpack_packer *pk, const domain_catalog *c)
{
	pack_key(pk, "tugas_tambahan");
	msgpack_pack_map(pk, 4);
	pack_status(pk, c->tugas_status);
	pack_opt(pk, "source", c->tugas_source);
	pack_opt(pk, "note", c->tugas_note);
	pack_key(pk, "items");
	msgpack_pack_array(pk, c->ntugas);
	for (size_t i = 0; i < c->ntugas; i++) {
		const domain_catalog_tugas *t = &c->tugas[i];
		msgpack_pack_map(pk, 6);
		kd_pack_kv_str(pk, "id", t->id);
		kd_pack_kv_str(pk, "name", t->name);
		/* nil: the jenjang is not known */
		pack_key(pk, "jenjang");
		if (t->njenjang)
			pack_str_array(pk, t->jenjang, t->njenjang);
		else
			msgpack_pack_nil(pk);
		pack_status(pk, t->status);
		pack_opt(pk, "source", t->source);
		pack_opt(pk, "note", t->note);
	}
}

/* One sub-indicator with its targets; a dianjurkan/dihindari text that is missing is nil. */
static void
pack_sub(msgpack_packer *pk, const domain_catalog_sub *s)
{
	msgpack_pack_map(pk, 7);
	kd_pack_kv_str(pk, "id", s->id);
	kd_pack_kv_str(pk, "name", s->name);
	pack_status(pk, s->status);
	pack_opt(pk, "source", s->source);
	pack_opt(pk, "note", s->note);
	pack_opt(pk, "success", s->success);
	pack_key(pk, "targets");
	msgpack_pack_array(pk, s->ntargets);
	for (size_t j = 0; j < s->ntargets; j++) {
		const domain_catalog_target *t = &s->targets[j];
		msgpack_pack_map(pk, 4);
		pack_opt(pk, "text", t->text);
		pack_opt(pk, "summary", t->summary);
		pack_key(pk, "dianjurkan");
		pack_str_array(pk, t->dianjurkan, t->ndianjurkan);
		pack_key(pk, "dihindari");
		pack_str_array(pk, t->dihindari, t->ndihindari);
	}
}

/* "observation_scale": the levels an atasan rates each target with. */
static void
pack_scale(msgpack_packer *pk, const domain_catalog *c)
{
	pack_key(pk, "observation_scale");
	msgpack_pack_array(pk, c->nlevels);
	for (size_t i = 0; i < c->nlevels; i++) {
		const domain_catalog_level *l = &c->levels[i];
		msgpack_pack_map(pk, 6);
		kd_pack_kv_str(pk, "id", l->id);
		kd_pack_kv_str(pk, "label", l->label);
		pack_opt(pk, "text", l->text);
		pack_opt(pk, "summary", l->summary);
		pack_status(pk, l->status);
		pack_opt(pk, "source", l->source);
	}
}

/* "perilaku_kerja": the BerAKHLAK aspects and their behaviours. */
static void
pack_aspects(msgpack_packer *pk, const domain_catalog *c)
{
	pack_key(pk, "perilaku_kerja");
	msgpack_pack_array(pk, c->naspects);
	for (size_t i = 0; i < c->naspects; i++) {
		const domain_catalog_aspect *a = &c->aspects[i];
		msgpack_pack_map(pk, 6);
		kd_pack_kv_str(pk, "id", a->id);
		kd_pack_kv_str(pk, "name", a->name);
		pack_status(pk, a->status);
		pack_opt(pk, "source", a->source);
		pack_opt(pk, "note", a->note);
		pack_key(pk, "behaviours");
		msgpack_pack_array(pk, a->nbehaviours);
		for (size_t j = 0; j < a->nbehaviours; j++) {
			msgpack_pack_map(pk, 2);
			pack_opt(pk, "text", a->behaviours[j].text);
			pack_opt(pk, "summary", a->behaviours[j].summary);
		}
	}
}

/*
 * What a gap is about, for people: "RHK 7", a sub-indicator's or an
 * aspect's name, a deadline, a limit; *target is the 1-based Fokus
 * Perilaku number when the gap is in one, else 0. From the gap's JSON
 * path (domain_catalog_gaps), whose indexes are the catalog's arrays.
 */
static void
gap_item(char *out, size_t outsz, size_t *target, const domain_catalog *c, const char *path)
{
	size_t i = 0, j = 0;
	const char *rest;

	*target = 0;
	snprintf(out, outsz, "%s", path);
	if (sscanf(path, "rhk[%zu]", &i) == 1 && i < c->nrhk) {
		snprintf(out, outsz, "RHK %lld", (long long)c->rhk[i].id);
	} else if (sscanf(path, "sub_indicators[%zu]", &i) == 1 && i < c->nsub) {
		snprintf(out, outsz, "%s", c->sub[i].name);
		if ((rest = strstr(path, ".targets[")) && sscanf(rest, ".targets[%zu]", &j) == 1)
			*target = j + 1;
	} else if (sscanf(path, "perilaku_kerja[%zu]", &i) == 1 && i < c->naspects) {
		snprintf(out, outsz, "%s", c->aspects[i].name);
	} else if (sscanf(path, "observation_scale[%zu]", &i) == 1 && i < c->nlevels) {
		snprintf(out, outsz, "%s", c->levels[i].label);
	} else if (sscanf(path, "tugas_tambahan.items[%zu]", &i) == 1 && i < c->ntugas) {
		snprintf(out, outsz, "%s", c->tugas[i].name);
	} else if (strcmp(path, "tugas_tambahan.items") == 0) {
		snprintf(out, outsz, "Tugas Tambahan");
	} else if (sscanf(path, "calendar.deadlines[%zu]", &i) == 1 && i < c->ndeadlines) {
		snprintf(out, outsz, "%s, semester %d", c->deadlines[i].id, c->deadlines[i].semester);
	} else if (strncmp(path, "limits.", 7) == 0) {
		snprintf(out, outsz, "%s", path + 7);
	} else if (strcmp(path, "jenis_ptk") == 0) {
		snprintf(out, outsz, "Jenis PTK");
	}
}

/*
 * The gaps of c (only those inside sub-indicator sub_index when it is
 * not SIZE_MAX), each {path, item, target, what, status, count, source,
 * note, candidates}: candidates only for a conflict on an RHK's points.
 */
static int
pack_gaps(msgpack_packer *pk, const domain_catalog *c, size_t sub_index)
{
	domain_catalog_gap *g = NULL;
	size_t total = 0, n = 0;
	char prefix[40] = "", item[160];
	int rc;

	if ((rc = domain_catalog_gaps(NULL, &total, 0, c)))
		return rc;
	if (total && (g = calloc(total, sizeof(*g))) == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory listing the catalog's gaps");
	if (total && (rc = domain_catalog_gaps(g, &total, total, c))) {
		free(g);
		return rc;
	}
	if (sub_index != SIZE_MAX)
		snprintf(prefix, sizeof(prefix), "sub_indicators[%zu]", sub_index);
	for (size_t i = 0; i < total; i++)
		n += !prefix[0] || (strncmp(g[i].path, prefix, strlen(prefix)) == 0 &&
		    (g[i].path[strlen(prefix)] == '.' || g[i].path[strlen(prefix)] == '\0'));
	pack_key(pk, "gaps");
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < total; i++) {
		const domain_catalog_rhk *r = NULL;
		size_t target, k = 0;
		if (prefix[0] && !(strncmp(g[i].path, prefix, strlen(prefix)) == 0 &&
		    (g[i].path[strlen(prefix)] == '.' || g[i].path[strlen(prefix)] == '\0')))
			continue;
		gap_item(item, sizeof(item), &target, c, g[i].path);
		if (g[i].status == DOMAIN_STATUS_CONFLICT && sscanf(g[i].path, "rhk[%zu]", &k) == 1 && k < c->nrhk)
			r = &c->rhk[k];
		msgpack_pack_map(pk, 9);
		kd_pack_kv_str(pk, "path", g[i].path);
		kd_pack_kv_str(pk, "item", item);
		pack_key(pk, "target");
		if (target)
			msgpack_pack_uint64(pk, target);
		else
			msgpack_pack_nil(pk);
		kd_pack_kv_str(pk, "what", g[i].what);
		pack_status(pk, g[i].status);
		kd_pack_kv_u64(pk, "count", g[i].count);
		pack_opt(pk, "source", g[i].source);
		pack_opt(pk, "note", g[i].note);
		pack_key(pk, "candidates");
		if (r == NULL || r->ncandidates == 0) {
			msgpack_pack_nil(pk);
			continue;
		}
		msgpack_pack_array(pk, r->ncandidates);
		for (size_t j = 0; j < r->ncandidates; j++) {
			msgpack_pack_map(pk, 2);
			pack_key(pk, "value");
			msgpack_pack_int64(pk, r->candidates[j].value);
			pack_opt(pk, "source", r->candidates[j].source);
		}
	}
	free(g);
	return 0;
}

/*
 * The catalog as a result map: everything, or (gaps_only) its name and
 * gaps, or (sub_index set) one sub-indicator with the observation scale
 * and that sub-indicator's gaps.
 */
static int
pack_catalog(msgpack_packer *pk, const domain_catalog *c, const char *version, size_t sub_index, int gaps_only)
{
	if (gaps_only) {
		msgpack_pack_map(pk, 4);
	} else if (sub_index != SIZE_MAX) {
		msgpack_pack_map(pk, 6);
	} else {
		msgpack_pack_map(pk, 15);
	}
	kd_pack_kv_str(pk, "version", version);
	kd_pack_kv_str(pk, "name", c->name);
	kd_pack_kv_str(pk, "title", c->title);
	if (!gaps_only && sub_index != SIZE_MAX) {
		pack_key(pk, "sub_indicators");
		msgpack_pack_array(pk, 1);
		pack_sub(pk, &c->sub[sub_index]);
		pack_scale(pk, c);
	} else if (!gaps_only) {
		pack_key(pk, "jabatan");
		msgpack_pack_map(pk, 4);
		pack_key(pk, "value");
		pack_str_array(pk, c->jabatan, c->njabatan);
		pack_status(pk, c->jabatan_status);
		pack_opt(pk, "source", c->jabatan_source);
		pack_opt(pk, "note", c->jabatan_note);
		pack_key(pk, "sources");
		msgpack_pack_array(pk, c->nsources);
		for (size_t i = 0; i < c->nsources; i++) {
			msgpack_pack_map(pk, 3);
			kd_pack_kv_str(pk, "tag", c->sources[i].tag);
			kd_pack_kv_str(pk, "title", c->sources[i].title);
			pack_opt(pk, "where", c->sources[i].where);
		}
		pack_limits(pk, c);
		pack_calendar(pk, c);
		pack_key(pk, "jenis_ptk");
		msgpack_pack_map(pk, 3);
		pack_key(pk, "value");
		pack_str_array(pk, c->ptk, c->nptk);
		pack_status(pk, c->ptk_status);
		pack_opt(pk, "source", c->ptk_source);
		pack_rhk(pk, c); /* rhk_list and rhk */
		pack_tugas(pk, c);
		pack_key(pk, "sub_indicators");
		msgpack_pack_array(pk, c->nsub);
		for (size_t i = 0; i < c->nsub; i++)
			pack_sub(pk, &c->sub[i]);
		pack_scale(pk, c);
		pack_aspects(pk, c);
	}
	return pack_gaps(pk, c, gaps_only ? SIZE_MAX : sub_index);
}

/* ---- catalog.show and catalog.list (read lane) ---- */

typedef struct {
	kd_job j;
	store *st;
	char school[9];
	char version[DOMAIN_CATALOG_VERSION_HEX + 1]; /* as given: "", 64 hex, or a prefix */
	char sub[DOMAIN_CATALOG_ID_MAX + 1];
	int gaps_only;
	kd_page page;        /* catalog.list */
	kn_buf out;          /* the result map, packed by the worker */
} catalog_job;

/* Worker thread: the version asked for, packed whole or in part. */
static void
show_run(kd_job *j)
{
	catalog_job *cj = (catalog_job *)j;
	char given[DOMAIN_CATALOG_VERSION_HEX + 1], version[DOMAIN_CATALOG_VERSION_HEX + 1];
	domain_catalog *c = NULL;
	size_t sub_index = SIZE_MAX;
	msgpack_packer pk;
	store_txn *t;
	int rc;

	if ((rc = store_read_begin(&t, cj->st)))
		goto out;
	if ((rc = version_resolve(given, t, cj->school, cj->version)) ||
	    (rc = kd_catalog_get(&c, version, t, cj->school, given)))
		goto out_end_read;
	if (cj->sub[0]) {
		const domain_catalog_sub *s;
		if (domain_catalog_sub_find(&s, c, cj->sub) != 0) {
			char ids[DOMAIN_CATALOG_SUB_MAX * (DOMAIN_CATALOG_ID_MAX + 2)] = "";
			for (size_t i = 0; i < c->nsub; i++)
				snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s", i ? ", " : "", c->sub[i].id);
			rc = domain_msg_error(KN_ENOTFOUND, "sub", "KATALOG_SUB_TIDAK_ADA", "id", cj->sub, "nama", c->name, "daftar",
			    ids, NULL);
			goto out_free;
		}
		sub_index = (size_t)(s - c->sub);
	}
	msgpack_packer_init(&pk, &cj->out, kn_buf_msgpack_write);
	rc = pack_catalog(&pk, c, version, sub_index, cj->gaps_only);
	if (rc == 0 && cj->out.failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while packing the catalog");
out_free:
	domain_catalog_free(c);
out_end_read:
	store_read_end(t);
out:
	if (rc)
		kd_job_keep_error(j, rc);
}

/* The result, packed by the worker already. */
static void
catalog_job_pack(kd_job *j, msgpack_packer *pk)
{
	catalog_job *cj = (catalog_job *)j;

	kn_buf_put(pk->data, cj->out.ptr, cj->out.len);
}

/* Free what the job owns (kd_job_answer frees the job). */
static void
catalog_job_cleanup(kd_job *j)
{
	catalog_job *cj = (catalog_job *)j;

	kn_buf_free(&cj->out);
}

/* A new job of the read lane for req, with the school. */
static int
catalog_job_new(catalog_job **out, kd_req *req, void (*run)(kd_job *))
{
	catalog_job *cj = calloc(1, sizeof(*cj));

	*out = NULL;
	if (cj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	cj->st = req->srv->st;
	snprintf(cj->school, sizeof(cj->school), "%s", req->srv->school);
	cj->j.lane = KD_LANE_READ;
	cj->j.run = run;
	cj->j.done = kd_job_answer;
	cj->j.pack = catalog_job_pack;
	cj->j.cleanup = catalog_job_cleanup;
	cj->j.req = *req;
	*out = cj;
	return 0;
}

/*
 * catalog.show {version?, sub?, gaps?}: a catalog version (the newest
 * when none is named; a prefix of 8 or more hex characters will do) for
 * people to read before they plan: its sources, limits, calendar, RHK,
 * Tugas Tambahan, sub-indicators with their targets and dianjurkan /
 * dihindari, the observation scale, the Perilaku Kerja aspects, and its
 * gaps. "sub" narrows it to one sub-indicator (and the scale), "gaps" to
 * the gaps. Missing texts are nil, never filled in.
 */
int
kd_m_catalog_show(kd_req *req, msgpack_packer *pk)
{
	const msgpack_object *gaps = kd_arg(req, "gaps");
	char version[DOMAIN_CATALOG_VERSION_HEX + 1], sub[DOMAIN_CATALOG_ID_MAX + 1];
	catalog_job *cj;
	int rc;

	(void)pk;
	if ((rc = kd_arg_str(version, sizeof(version), req, "version", 0)) || (rc = kd_arg_str(sub, sizeof(sub), req, "sub", 0)))
		return rc;
	if (gaps && gaps->type != MSGPACK_OBJECT_BOOLEAN)
		return domain_msg_error(KN_EINVAL, "gaps", "KATALOG_GAPS_FORMAT", NULL);
	if ((rc = catalog_job_new(&cj, req, show_run)))
		return rc;
	memcpy(cj->version, version, sizeof(version));
	memcpy(cj->sub, sub, sizeof(sub));
	cj->gaps_only = gaps && gaps->via.boolean;
	return kd_work_submit(req->srv, &cj->j);
}

/* Worker thread: one page of the versions, newest first, each with its name, time and author. */
static void
list_run(kd_job *j)
{
	catalog_job *cj = (catalog_job *)j;
	char newest[DOMAIN_CATALOG_VERSION_HEX + 1] = "";
	catalog_entries l = { 0 };
	kn_buf items = KN_BUF_INIT;
	domain_catalog *nc = NULL;
	msgpack_packer pk;
	size_t i = 0, n = 0;
	uint8_t last[32] = { 0 };
	store_txn *t;
	int rc;

	if ((rc = store_read_begin(&t, cj->st)))
		goto out;
	if ((rc = entries_load(&l, t, cj->school)))
		goto out_end_read;
	/* the version kd_catalog_get gives when none is named */
	if (l.n && kd_catalog_get(&nc, newest, t, cj->school, NULL) != 0)
		newest[0] = '\0';
	domain_catalog_free(nc);
	kn_error_clear();
	if (cj->page.has_cursor) {
		char hex[65];
		kn_hex(hex, cj->page.cursor, 32);
		while (i < l.n && strcmp(l.e[i].version, hex) != 0)
			i++;
		if (i == l.n) {
			rc = kd_page_bad_cursor();
			goto out_free;
		}
		i++;
	}
	msgpack_packer_init(&pk, &items, kn_buf_msgpack_write);
	for (; i < l.n && n < cj->page.limit && items.len < KD_PAGE_BYTES; i++) {
		domain_catalog *c;
		record_view v;
		domain_user u;
		kn_unhex(last, 32, l.e[i].version, DOMAIN_CATALOG_VERSION_HEX);
		rc = catalog_open(&c, &v, t, cj->school, l.e[i].version);
		if (rc == KN_ENOTFOUND) {
			/* stored, but its author was no longer an operator when they added it: not in force */
			kn_error_clear();
			rc = 0;
			continue;
		}
		if (rc)
			goto out_free;
		int have_author = kd_user_lookup(&u, t, cj->school, v.author) == 0;
		kn_error_clear();
		msgpack_pack_map(&pk, 7);
		kd_pack_kv_str(&pk, "version", l.e[i].version);
		kd_pack_kv_str(&pk, "name", c->name);
		kd_pack_kv_str(&pk, "title", c->title);
		kd_pack_kv_u64(&pk, "added_ms", l.e[i].hlc >> 16);
		pack_opt(&pk, "added_by", have_author ? u.name : NULL);
		kd_pack_kv_hex(&pk, "author", v.author, 32);
		pack_key(&pk, "newest");
		if (strcmp(newest, l.e[i].version) == 0)
			msgpack_pack_true(&pk);
		else
			msgpack_pack_false(&pk);
		record_view_free(&v);
		domain_catalog_free(c);
		n++;
	}
	msgpack_packer_init(&pk, &cj->out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	pack_key(&pk, "catalogs");
	msgpack_pack_array(&pk, n);
	kn_buf_put(&cj->out, items.ptr, items.len); /* elements packed already */
	kd_pack_next(&pk, last, i < l.n);
	if (items.failed || cj->out.failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while listing catalogs");
out_free:
	free(l.e);
	kn_buf_free(&items);
out_end_read:
	store_read_end(t);
out:
	if (rc)
		kd_job_keep_error(j, rc);
}

/* catalog.list {limit?, cursor?}: the catalog versions this school holds, newest first, in pages. */
int
kd_m_catalog_list(kd_req *req, msgpack_packer *pk)
{
	catalog_job *cj;
	kd_page page;
	int rc;

	(void)pk;
	if ((rc = kd_page_args(&page, req)) || (rc = catalog_job_new(&cj, req, list_run)))
		return rc;
	cj->page = page;
	return kd_work_submit(req->srv, &cj->j);
}

/* ---- writing ---- */

/* The body of a catalog record: {"json": bytes}. */
static void
pack_body(kn_buf *out, const uint8_t *json, size_t len)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 1);
	kd_pack_str(&pk, "json");
	msgpack_pack_bin(&pk, len);
	msgpack_pack_bin_body(&pk, json, len);
}

/* Is the version already in the school (as the open batch sees it)? */
static int
version_stored(store_txn *t, const char *school, const char *version)
{
	char key[96];
	const uint8_t *val;
	size_t len;

	snprintf(key, sizeof(key), CATALOG_INDEX_PREFIX "%.8s/%s", school, version);
	return store_idx_get(&val, &len, t, key, strlen(key)) == 0;
}

/* Refuse bytes that cannot travel in one record, with the sizes in the message; what names the file. */
static int
check_size(size_t len, const char *what)
{
	if (len > CATALOG_FILE_MAX)
		return domain_msg_error(KN_ETOOBIG, "json", "KATALOG_TERLALU_BESAR", "berkas", what, "ukuran",
		    domain_msg_num(len).s, "maks", domain_msg_num(CATALOG_FILE_MAX).s, NULL);
	return 0;
}

/*
 * catalog.add {json: bin}: store a new catalog version (Operator
 * Sekolah), e.g. when a new regulation arrives. The bytes are checked
 * here first (for an error that names the JSON path), then judged by the
 * rules like every record. A version already stored is not stored again:
 * the reply says "already".
 */
int
kd_m_catalog_add(kd_req *req, msgpack_packer *pk)
{
	const msgpack_object *json = kd_arg(req, "json");
	kn_buf body = KN_BUF_INIT;
	domain_catalog *c = NULL;
	store_batch *b;
	int rc, already = 0;

	if (json == NULL || json->type != MSGPACK_OBJECT_BIN)
		return domain_msg_error(KN_EINVAL, "json", "KATALOG_JSON_FORMAT", NULL);
	if ((rc = check_size(json->via.bin.size, "Berkas katalog ini")) ||
	    (rc = domain_catalog_parse(&c, (const uint8_t *)json->via.bin.ptr, json->via.bin.size)))
		return rc;
	if ((rc = kd_write_begin(&b, req)))
		goto out;
	already = version_stored(store_batch_txn(b), req->school, c->version);
	if (!already && req->srv->office) {
		/*
		 * At the Dinas's office (--sekolah): the catalog version for that school,
		 * signed with the authority key, standing on the school record; it goes
		 * down to the school with the hub's feed for it like the Dinas's other acts.
		 */
		uint8_t auth[1][32];
		keys_secret *authority = NULL;
		if ((rc = kd_school_record_id(auth[0], store_batch_txn(b), req->school)) == 0)
			rc = kd_authority_open(&authority, req->srv);
		if (rc == 0) {
			pack_body(&body, (const uint8_t *)json->via.bin.ptr, json->via.bin.size);
			rc = kd_record_add_auth(NULL, req->srv, b, "catalog", req->school, c->version, store_hlc_next(req->srv->st),
			    NULL, (const uint8_t(*)[32])auth, 1, &body, authority);
		}
		keys_secret_free(authority);
	} else if (!already) {
		pack_body(&body, (const uint8_t *)json->via.bin.ptr, json->via.bin.size);
		rc = kd_record_add(NULL, req->srv, b, "catalog", req->srv->school, c->version, NULL, 0, &body, req->sess->key);
	}
	rc = kd_write_end(req, rc);
	if (rc)
		goto out;
	msgpack_pack_map(pk, 4);
	kd_pack_kv_str(pk, "version", c->version);
	kd_pack_kv_str(pk, "name", c->name);
	kd_pack_kv_str(pk, "title", c->title);
	pack_key(pk, "already");
	if (already)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	if (!already)
		kn_info("catalog.add %s (%s) by %s", c->name, c->version, req->sess->name);
out:
	kn_buf_free(&body);
	domain_catalog_free(c);
	return rc;
}

/* ---- the catalogs of a new school ---- */

/* One catalog file read from catalog.dir, and whether it was stored. */
typedef struct {
	char file[256];
	char version[DOMAIN_CATALOG_VERSION_HEX + 1];
	char name[128];
	uint8_t *json;
	size_t len;
	int stored;
} catalog_file;

/* What school.init reads from catalog.dir (server.h): the files, and the warnings about them. */
struct kd_catalog_files {
	char dir[256];
	size_t n;
	catalog_file f[CATALOG_FILES_MAX];
	size_t nwarn;
	char warn[CATALOG_WARNINGS_MAX][CATALOG_WARNING_LEN];
};

/*
 * One line of warning about the catalog files, kept for the log and the
 * reply (at most CATALOG_WARNINGS_MAX; more are dropped).
 */
static void __attribute__((format(printf, 2, 3)))
files_warn(kd_catalog_files *cf, const char *fmt, ...)
{
	va_list ap;

	if (cf->nwarn == CATALOG_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(cf->warn[cf->nwarn], CATALOG_WARNING_LEN, fmt, ap);
	va_end(ap);
	kn_utf8_clean(cf->warn[cf->nwarn]); /* file names are bytes; replies are UTF-8 */
	cf->nwarn++;
}

/* See server.h. */
int
kd_catalog_files_new(kd_catalog_files **out, const char *dir)
{
	kd_catalog_files *cf = calloc(1, sizeof(*cf));

	*out = NULL;
	if (cf == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	snprintf(cf->dir, sizeof(cf->dir), "%s", dir);
	*out = cf;
	return 0;
}

/* File names in byte order: the order their versions are stored in. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read and check one file of the directory (dfd); a problem becomes a warning. */
static void
files_read_one(kd_catalog_files *cf, int dfd, const char *name)
{
	catalog_file *f = &cf->f[cf->n];
	domain_catalog *c = NULL;
	struct stat st;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		files_warn(cf, "%s/%s: %s", cf->dir, name, fd < 0 ? strerror(errno) : "not a regular file");
		goto out;
	}
	if (check_size((size_t)st.st_size, name) != 0) {
		files_warn(cf, "%s/%s: %s", cf->dir, name, kn_error_message());
		goto out;
	}
	f->json = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (f->json == NULL || kn_pread_full(fd, f->json, (size_t)st.st_size, 0) != st.st_size) {
		files_warn(cf, "%s/%s: cannot read it", cf->dir, name);
		goto out_free;
	}
	f->len = (size_t)st.st_size;
	if (domain_catalog_parse(&c, f->json, f->len) != 0) {
		files_warn(cf, "%s/%s is not a catalog: %s", cf->dir, name, kn_error_message());
		goto out_free;
	}
	for (size_t i = 0; i < cf->n; i++)
		if (strcmp(cf->f[i].version, c->version) == 0) {
			files_warn(cf, "%s/%s is the same catalog as %s: stored once", cf->dir, name, cf->f[i].file);
			goto out_free;
		}
	snprintf(f->file, sizeof(f->file), "%s", name);
	kn_utf8_clean(f->file); /* a file name is bytes; replies are UTF-8 */
	memcpy(f->version, c->version, sizeof(f->version));
	snprintf(f->name, sizeof(f->name), "%s", c->name);
	cf->n++;
	goto out;
out_free:
	free(f->json);
	memset(f, 0, sizeof(*f));
out:
	domain_catalog_free(c);
	kn_error_clear();
	if (fd >= 0)
		close(fd);
}

/* See server.h. Worker thread: touches only cf. */
void
kd_catalog_files_read(kd_catalog_files *cf)
{
	char *names[4 * CATALOG_FILES_MAX];
	size_t nnames = 0, skipped = 0;
	struct dirent *e;
	DIR *d;

	if (!cf->dir[0]) {
		files_warn(cf, "catalog.dir is empty, so no catalog file was read");
		return;
	}
	if ((d = opendir(cf->dir)) == NULL) {
		files_warn(cf, "cannot read the catalog directory %s: %s (set catalog.dir)", cf->dir, strerror(errno));
		return;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (nnames == sizeof(names) / sizeof(names[0]) || (names[nnames] = strdup(e->d_name)) == NULL) {
			skipped++;
			continue;
		}
		nnames++;
	}
	if (nnames > 1)
		qsort(names, nnames, sizeof(names[0]), name_cmp);
	for (size_t i = 0; i < nnames; i++) {
		if (cf->n == CATALOG_FILES_MAX)
			skipped++;
		else
			files_read_one(cf, dirfd(d), names[i]);
		free(names[i]);
	}
	closedir(d);
	if (skipped)
		files_warn(cf, "%s holds more than %d catalog files: %zu were not read", cf->dir, CATALOG_FILES_MAX, skipped);
	if (nnames == 0 && skipped == 0)
		files_warn(cf, "the catalog directory %s holds no *.json file", cf->dir);
}

/* See server.h. Loop thread, in the batch that makes the school. */
int
kd_catalog_files_store(kd_catalog_files *cf, kd_server *srv, store_batch *b, const char *school,
    const keys_secret *signer)
{
	kn_buf body = KN_BUF_INIT;
	size_t stored = 0;
	int rc = 0;

	for (size_t i = 0; i < cf->n && rc == 0; i++) {
		catalog_file *f = &cf->f[i];
		kn_buf_clear(&body);
		pack_body(&body, f->json, f->len);
		rc = kd_record_add(NULL, srv, b, "catalog", school, f->version, NULL, 0, &body, signer);
		if (rc == 0) {
			f->stored = 1;
			stored++;
			kn_info("school.init: catalog %s (%s) from %s/%s", f->name, f->version, cf->dir, f->file);
		} else if (rc != KN_EFULL && rc != KN_ERROR && rc != KN_ENOMEM) {
			/* refused by the rules: the school goes on without it (LMDB errors stop it) */
			files_warn(cf, "%s/%s was not stored: %s", cf->dir, f->file, kn_error_message());
			kn_error_clear();
			rc = 0;
		}
	}
	kn_buf_free(&body);
	if (rc)
		return rc;
	if (stored == 0)
		files_warn(cf, "%s", domain_msg_text("KATALOG_TIDAK_DIMUAT"));
	for (size_t i = 0; i < cf->nwarn; i++)
		kn_warn("school.init: %s", cf->warn[i]);
	return 0;
}

/* See server.h. */
void
kd_catalog_files_pack(msgpack_packer *pk, const kd_catalog_files *cf)
{
	size_t stored = 0;

	for (size_t i = 0; i < cf->n; i++)
		stored += cf->f[i].stored;
	pack_key(pk, "catalogs");
	msgpack_pack_array(pk, stored);
	for (size_t i = 0; i < cf->n; i++) {
		if (!cf->f[i].stored)
			continue;
		msgpack_pack_map(pk, 3);
		kd_pack_kv_str(pk, "version", cf->f[i].version);
		kd_pack_kv_str(pk, "name", cf->f[i].name);
		kd_pack_kv_str(pk, "file", cf->f[i].file);
	}
	pack_key(pk, "catalog_warnings");
	msgpack_pack_array(pk, cf->nwarn);
	for (size_t i = 0; i < cf->nwarn; i++)
		kd_pack_str(pk, cf->warn[i]);
}

/* See server.h. */
void
kd_catalog_files_free(kd_catalog_files *cf)
{
	if (cf == NULL)
		return;
	for (size_t i = 0; i < cf->n; i++)
		free(cf->f[i].json);
	free(cf);
}
