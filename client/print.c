/*
 * print.c - how the kinerja CLI shows kinerjad's results to people (with
 * --json the result is printed as JSON instead, in main.c). Labels follow
 * the school's own words: Sekolah, Peran, Bukti Dukung, periode.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../util/mpmap.h"
#include "cli.h"

/* A size for the status line, in binary units like the store's map size. */
static void
client_print__bytes(char *out, size_t outsz, uint64_t n)
{
	if (n >= (1ull << 30))
		snprintf(out, outsz, "%.1f GiB", (double)n / (1ull << 30));
	else if (n >= (1ull << 20))
		snprintf(out, outsz, "%.1f MiB", (double)n / (1ull << 20));
	else
		snprintf(out, outsz, "%.1f KiB", (double)n / 1024);
}

/* status: the daemon, the school and the store. */
void
client_print_status(const msgpack_object *r)
{
	char b1[128], b2[32], b3[32];
	const msgpack_object *school = kn_map_get(r, "school");
	const msgpack_object *st = kn_map_get(r, "store");
	uint64_t up = client_u64(r, "uptime_s");

	printf("kinerjad %s, peran %s, socket %s\n", client_str(r, "version", b1, sizeof(b1)),
	    client_str(r, "role", b2, sizeof(b2)), client_socket_path());
	if (school && school->type == MSGPACK_OBJECT_MAP) {
		char npsn[16];
		printf("Sekolah:  %s  %s\n", client_str(school, "npsn", npsn, sizeof(npsn)),
		    client_str(school, "name", b1, sizeof(b1)));
	} else {
		printf("Sekolah:  (belum ada) - siapkan dengan: kinerja school init --help\n");
	}
	if (school && school->type == MSGPACK_OBJECT_MAP) {
		char key[80], role[16];
		client_str(r, "authority", key, sizeof(key));
		client_str(r, "role", role, sizeof(role));
		if (strcmp(role, "dinas") == 0 || strcmp(role, "hub") == 0)
			printf("Dinas:    kunci otoritas %s (untuk sekolah-sekolah: kinerja dinas kunci --out BERKAS)\n", key);
		else if (key[0])
			printf("Dinas:    kunci otoritas %.16s… (tindakan Dinas yang ditandatangani dengannya diterima)\n", key);
		else
			printf("Dinas:    kunci belum dikenal: tindakan Dinas belum diterima (dipasang saat 'school init "
			    "--authority-key')\n");
	}
	{
		const msgpack_object *sy = kn_map_get(r, "sync");
		char mode[16], hub[128];
		client_str(sy, "mode", mode, sizeof(mode));
		if (strcmp(mode, "hub") == 0)
			printf("Sync:     hub, listening on port %llu (%llu session(s) now); the schools: kinerja hub sekolah\n",
			    (unsigned long long)client_u64(sy, "listen_port"), (unsigned long long)client_u64(sy, "sessions_active"));
		if (strcmp(mode, "hub") == 0 && client_str(sy, "parent", hub, sizeof(hub))[0])
			printf("          up to parent hub %s (records only); see kinerja sync status\n", hub);
		else if (strcmp(mode, "school") == 0)
			printf("Sync:     with hub %s; see kinerja sync status\n", client_str(sy, "hub", hub, sizeof(hub)));
	}
	{
		char dev[80];
		printf("Device:   %s (device_key: the hub registers it, kinerja hub daftar)\n",
		    client_str(r, "device_key", dev, sizeof(dev)));
	}
	client_print__bytes(b2, sizeof(b2), client_u64(st, "size_bytes"));
	client_print__bytes(b3, sizeof(b3), client_u64(st, "map_bytes"));
	printf("Store:    %s, %llu records, %s used of %s, schema %llu\n", client_str(st, "dir", b1, sizeof(b1)),
	    (unsigned long long)client_u64(st, "records"), b2, b3, (unsigned long long)client_u64(st, "schema"));
	printf("Uptime:   %lluh %02llum %02llus, %llu client(s), %llu session(s), %llu commit(s)\n",
	    (unsigned long long)(up / 3600), (unsigned long long)(up / 60 % 60), (unsigned long long)(up % 60),
	    (unsigned long long)client_u64(r, "clients"), (unsigned long long)client_u64(r, "sessions"),
	    (unsigned long long)client_u64(st, "commits"));
}

/* One person, one line of the user list. */
static void
client_print__user(const msgpack_object *u)
{
	char name[128], role[64], status[16], nip[32], nuptk[32], gol[16], jen[40], key[80];

	client_str(u, "name", name, sizeof(name));
	client_str(u, "role_label", role, sizeof(role));
	client_str(u, "status", status, sizeof(status));
	client_str(u, "nip", nip, sizeof(nip));
	client_str(u, "nuptk", nuptk, sizeof(nuptk));
	client_str(u, "golongan", gol, sizeof(gol));
	client_str(u, "jenjang", jen, sizeof(jen));
	client_str(u, "key", key, sizeof(key));
	printf("%-28s %-16s %-8s %-18s %-6s %-18s %.16s…\n", name, role, status, nip[0] ? nip : nuptk,
	    gol[0] ? gol : "-", jen[0] ? jen : "-", key);
	client_print_eligibility_line(u);
}

/* user list: a table of the people enrolled. */
void
client_print_user_list(const msgpack_object *r)
{
	const msgpack_object *us = kn_map_get(r, "users");

	printf("%-28s %-16s %-8s %-18s %-6s %-18s %s\n", "Nama", "Peran", "Status", "NIP/NUPTK", "Gol.", "Jenjang",
	    "Kunci");
	for (uint32_t i = 0; us && i < us->via.array.size; i++)
		client_print__user(&us->via.array.ptr[i]);
	printf("(%u orang)\n", us ? us->via.array.size : 0);
}

/* whoami: the person of this session, and whether they must choose a passphrase first. */
void
client_print_whoami(const msgpack_object *r)
{
	char name[128], role[64], npsn[16];
	const msgpack_object *mc = kn_map_get(r, "must_change");

	printf("%s, %s, sekolah %s\n", client_str(r, "name", name, sizeof(name)),
	    client_str(r, "role_label", role, sizeof(role)), client_str(r, "npsn", npsn, sizeof(npsn)));
	if (mc && mc->type == MSGPACK_OBJECT_BOOLEAN && mc->via.boolean)
		printf("Anda masuk dengan kata sandi sekali pakai: pilih kata sandi Anda sendiri dengan 'kinerja passwd'.\n");
}

/*
 * One record. What is shown was checked here against the record's own
 * signed bytes (verify.c); the line says so, or warns when it was not.
 */
void
client_print_record(const msgpack_object *r, int ok, const char *why)
{
	char id[80], type[40], doc[200], author[80], when[32];
	time_t t = (time_t)(client_u64(r, "time_ms") / 1000);
	const msgpack_object *p = kn_map_get(r, "parents");

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
	printf("record %s\n  type %s, document %s\n  author %s, time %s\n", client_str(r, "id", id, sizeof(id)),
	    client_str(r, "type", type, sizeof(type)), client_str(r, "doc", doc, sizeof(doc)),
	    client_str(r, "author", author, sizeof(author)), when);
	for (uint32_t i = 0; p && p->type == MSGPACK_OBJECT_ARRAY && i < p->via.array.size; i++) {
		const msgpack_object *e = &p->via.array.ptr[i];
		if (e->type == MSGPACK_OBJECT_STR)
			printf("  replaces %.*s\n", (int)e->via.str.size, e->via.str.ptr);
	}
	printf("  body ");
	client_json(stdout, kn_map_get(r, "body"), -1);
	if (ok)
		printf("  tanda tangan diperiksa: sah (Ed25519 oleh %.16s…, diperiksa oleh kinerja ini)\n", author);
	else
		printf("  PERINGATAN: tanda tangan TIDAK sah: %s\n", why);
}

/* The state of a period's Bukti Dukung, as the school says it. */
static const char *
client_print__state(const char *state)
{
	if (strcmp(state, "draf") == 0)
		return "Draf (belum dikumpulkan)";
	if (strcmp(state, "dikumpulkan") == 0)
		return "Sudah dikumpulkan";
	return "Belum ada Bukti Dukung";
}

/* evidence list: the files of a period and their state. */
void
client_print_evidence_list(const msgpack_object *r)
{
	char period[16], teacher[128], state[32], size[32], slot[40], name[140];
	const msgpack_object *fs = kn_map_get(r, "files");

	printf("Bukti Dukung %s, periode %s: %s\n", client_str(r, "teacher", teacher, sizeof(teacher)),
	    client_str(r, "period", period, sizeof(period)),
	    client_print__state(client_str(r, "state", state, sizeof(state))));
	for (uint32_t i = 0; fs && i < fs->via.array.size; i++) {
		const msgpack_object *f = &fs->via.array.ptr[i];
		client_mb(size, sizeof(size), client_u64(f, "size"));
		printf("  %-12s %-40s %10s\n", client_str(f, "slot", slot, sizeof(slot)), client_str(f, "name", name, sizeof(name)),
		    size);
	}
	if (fs && fs->via.array.size == 0)
		printf("  (no files yet: kinerja evidence upload FILE --slot rhk-1)\n");
}

/* evidence history: every version, with time and author. */
void
client_print_evidence_history(const msgpack_object *r)
{
	char teacher[128], period[16];
	const msgpack_object *vs = kn_map_get(r, "versions");

	printf("Riwayat Bukti Dukung %s, periode %s:\n", client_str(r, "teacher", teacher, sizeof(teacher)),
	    client_str(r, "period", period, sizeof(period)));
	for (uint32_t i = 0; vs && i < vs->via.array.size; i++) {
		const msgpack_object *v = &vs->via.array.ptr[i];
		char when[32], author[128], action[16], slot[40], name[140], size[32], commit[48], repl[140];
		time_t t = (time_t)(client_u64(v, "time_ms") / 1000);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		client_str(v, "author", author, sizeof(author));
		client_str(v, "commit", commit, sizeof(commit));
		if (strcmp(client_str(v, "action", action, sizeof(action)), "submit") == 0) {
			printf("  %s  %-24s dikumpulkan (Kumpulkan)                    versi %.12s\n", when, author, commit);
			continue;
		}
		client_mb(size, sizeof(size), client_u64(v, "size"));
		client_str(v, "replaced", repl, sizeof(repl));
		printf("  %s  %-24s unggah %s/%s (%s)%s%s  versi %.12s\n", when, author, client_str(v, "slot", slot, sizeof(slot)),
		    client_str(v, "name", name, sizeof(name)), size, repl[0] ? ", menggantikan " : "", repl, commit);
	}
}

/* evidence submit (Kumpulkan). */
void
client_print_evidence_submit(const msgpack_object *r)
{
	char period[16];
	const msgpack_object *al = kn_map_get(r, "already");

	printf("Bukti Dukung periode %s %s.\n", client_str(r, "period", period, sizeof(period)),
	    al && al->via.boolean ? "sudah dikumpulkan sebelumnya; tidak ada yang berubah" : "dikumpulkan");
}

/* user reset-passphrase: the one-time passphrase, shown once, and what the person does with it. */
void
client_print_reset(const msgpack_object *r)
{
	char name[128], user[32], pass[64];
	uint64_t ended = client_u64(r, "sessions_ended");

	client_str(r, "name", name, sizeof(name));
	client_str(r, "user", user, sizeof(user));
	printf("Kata sandi sekali pakai untuk %s (%s):\n\n    %s\n\n", name, user, client_str(r, "passphrase", pass, sizeof(pass)));
	printf("Sampaikan langsung kepada yang bersangkutan; kata sandi ini tidak ditampilkan lagi.\n");
	printf("Ia masuk dengan 'kinerja login %s', lalu harus memilih kata sandi sendiri dengan 'kinerja passwd'.\n", user);
	if (ended)
		printf("%llu sesi %s diakhiri.\n", (unsigned long long)ended, name);
	explicit_bzero(pass, sizeof(pass));
}

/* user unlock: the person may try again now. */
void
client_print_unlock(const msgpack_object *r)
{
	char name[128], user[32];

	printf("%s (%s) boleh mencoba masuk lagi sekarang (%llu percobaan salah dilupakan).\n",
	    client_str(r, "name", name, sizeof(name)), client_str(r, "user", user, sizeof(user)),
	    (unsigned long long)client_u64(r, "fails_cleared"));
}

/* ---- catalogs (catalog show, list, add; school init) ---- */

/* Shown wherever the catalog lacks a text: never left blank, never filled in. */
#define KC_MISSING "(teks resmi belum tersedia di katalog ini)"

/* The str at key of map, or NULL when absent or nil; *n its length. */
static const char *
client_print__s(const msgpack_object *map, const char *key, int *n)
{
	const msgpack_object *o = kn_map_get(map, key);

	*n = 0;
	if (o == NULL || o->type != MSGPACK_OBJECT_STR)
		return NULL;
	*n = (int)o->via.str.size;
	return o->via.str.ptr;
}

/* The array at key of map, or NULL. */
static const msgpack_object *
client_print__a(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = kn_map_get(map, key);

	return o && o->type == MSGPACK_OBJECT_ARRAY ? o : NULL;
}

/* The whole number at key of map; *have is 0 when it is absent or nil. */
static long long
client_print__i(const msgpack_object *map, const char *key, int *have)
{
	const msgpack_object *o = kn_map_get(map, key);

	*have = 1;
	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (long long)o->via.u64;
	if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return (long long)o->via.i64;
	*have = 0;
	return 0;
}

/* A status of the catalog as a teacher reads it. */
static const char *
client_print__status(const char *s)
{
	if (strcmp(s, "known") == 0)
		return "diketahui";
	if (strcmp(s, "partial") == 0)
		return "sebagian";
	if (strcmp(s, "conflict") == 0)
		return "KONFLIK antar sumber, belum ditetapkan";
	if (strcmp(s, "inferred") == 0)
		return "disimpulkan, bukan dari sumber resmi";
	return "belum tersedia di katalog ini";
}

/* " [status]" after a value whose status is not "known"; nothing when it is. */
static void
client_print__status_tag(const msgpack_object *m)
{
	char st[16];

	client_str(m, "status", st, sizeof(st));
	if (st[0] && strcmp(st, "known") != 0)
		printf(" [%s]", client_print__status(st));
}

/*
 * "label: text", the official text or the missing marker; when only a
 * summary is known, it follows on its own line, marked as not official.
 */
static void
client_print__text(const char *indent, const char *label, const msgpack_object *m, const char *tkey, const char *skey)
{
	int n, ns;
	const char *t = client_print__s(m, tkey, &n), *s = skey ? client_print__s(m, skey, &ns) : NULL;

	if (t)
		printf("%s%s: %.*s\n", indent, label, n, t);
	else
		printf("%s%s: %s\n", indent, label, KC_MISSING);
	if (!t && s)
		printf("%s  Ringkasan (bukan teks resmi): %.*s\n", indent, ns, s);
}

/* A line "label: value" whose value may be missing (then said so). */
static void
client_print__field(const char *indent, const char *label, const msgpack_object *m, const char *key)
{
	int n;
	const char *v = client_print__s(m, key, &n);

	if (v)
		printf("%s%s: %.*s\n", indent, label, n, v);
	else
		printf("%s%s: (belum tersedia di katalog ini)\n", indent, label);
}

/* The strings of an array joined by ", " (nil entries as "?"). */
static void
client_print__list(const msgpack_object *a)
{
	for (uint32_t i = 0; a && i < a->via.array.size; i++) {
		const msgpack_object *e = &a->via.array.ptr[i];
		if (e->type == MSGPACK_OBJECT_STR)
			printf("%s%.*s", i ? ", " : "", (int)e->via.str.size, e->via.str.ptr);
		else
			printf("%s?", i ? ", " : "");
	}
}

/* "8 poin (P2; P16) atau 16 poin (SD4)": every candidate of a conflict, none chosen. */
static void
client_print__candidates(const msgpack_object *cs)
{
	for (uint32_t i = 0; cs && i < cs->via.array.size; i++) {
		const msgpack_object *c = &cs->via.array.ptr[i];
		int have, n;
		long long v = client_print__i(c, "value", &have);
		const char *src = client_print__s(c, "source", &n);
		printf("%s%lld poin", i ? " atau " : "", v);
		if (src)
			printf(" (%.*s)", n, src);
	}
}

/* The version line that heads every catalog view. */
static void
client_print__catalog_head(const msgpack_object *r)
{
	int nn, nt, nv;
	const char *name = client_print__s(r, "name", &nn), *title = client_print__s(r, "title", &nt);
	const char *version = client_print__s(r, "version", &nv);

	printf("Katalog %.*s: %.*s\nVersi: %.*s\n", nn, name ? name : "?", nt, title ? title : "", nv,
	    version ? version : "?");
}

/* Batas: the limits of a plan. */
static void
client_print__limits(const msgpack_object *l)
{
	static const struct {
		const char *key, *label, *before, *after;
	} rows[] = {
		{ "text_max_chars", "Teks isian", "paling banyak ", " karakter" },
		{ "sub_indicators_per_plan", "Sub-indikator Praktik Kinerja per rencana", "", "" },
		{ "quantity_max", "Target kuantitas satu RHK", "paling banyak ", "" },
		{ "evidence_max_mb", "Ukuran satu berkas Bukti Dukung", "paling besar ", " MB" },
	};
	const msgpack_object *mn = kn_map_get(l, "points_min"), *mx = kn_map_get(l, "points_max");
	const msgpack_object *et = kn_map_get(l, "evidence_types");
	int h1, h2;

	printf("\nBatas\n");
	long long a = client_print__i(mn, "value", &h1), b = client_print__i(mx, "value", &h2);
	printf("  Total poin RHK per semester: minimal %lld, maksimal %lld", a, b);
	client_print__status_tag(mn);
	client_print__status_tag(mx);
	printf("\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const msgpack_object *m = kn_map_get(l, rows[i].key);
		int have;
		long long v = client_print__i(m, "value", &have);
		printf("  %s: %s%lld%s", rows[i].label, rows[i].before, v, rows[i].after);
		client_print__status_tag(m);
		printf("\n");
	}
	printf("  Jenis berkas Bukti Dukung: ");
	client_print__list(client_print__a(et, "value"));
	client_print__status_tag(et);
	printf("\n");
}

/* Kalender: the semesters and their deadlines. */
static void
client_print__calendar(const msgpack_object *cal)
{
	const msgpack_object *ss = client_print__a(cal, "semesters"), *ds = client_print__a(cal, "deadlines");

	printf("\nKalender\n");
	for (uint32_t i = 0; ss && i < ss->via.array.size; i++) {
		const msgpack_object *s = &ss->via.array.ptr[i];
		char start[8], end[8];
		int have;
		long long sem = client_print__i(s, "semester", &have);
		printf("  Semester %lld: %s sampai %s (bulan-tanggal)", sem, client_str(s, "start", start, sizeof(start)),
		    client_str(s, "end", end, sizeof(end)));
		client_print__status_tag(s);
		printf("\n");
		for (uint32_t j = 0; ds && j < ds->via.array.size; j++) {
			const msgpack_object *d = &ds->via.array.ptr[j];
			char id[32], date[8], kind[8];
			if (client_print__i(d, "semester", &have) != sem)
				continue;
			client_str(d, "id", id, sizeof(id));
			const char *what = strcmp(id, "plan_due") == 0 ? "Batas penyusunan rencana" :
			    strcmp(id, "approve_due") == 0          ? "Batas persetujuan atasan" :
			    strcmp(id, "evaluation_due") == 0       ? "Batas evaluasi" : id;
			printf("    %s: %s, %s", what, client_str(d, "date", date, sizeof(date)),
			    strcmp(client_str(d, "kind", kind, sizeof(kind)), "hard") == 0 ?
			        "keras (sesudahnya ditolak tanpa dispensasi)" :
			        "lunak (terlambat tetap diterima, ditandai)");
			client_print__status_tag(d);
			printf("\n");
		}
	}
}

/* RHK Pengembangan Kompetensi: each RHK with its points, or why they are not given. */
static void
client_print__rhk(const msgpack_object *r)
{
	const msgpack_object *list = kn_map_get(r, "rhk_list"), *rs = client_print__a(r, "rhk");
	int have;
	long long expected = client_print__i(list, "expected_count", &have);

	printf("\nRHK Pengembangan Kompetensi (daftar resmi: %lld RHK)", expected);
	client_print__status_tag(list);
	printf("\n");
	for (uint32_t i = 0; rs && i < rs->via.array.size; i++) {
		const msgpack_object *e = &rs->via.array.ptr[i];
		char st[16];
		long long id = client_print__i(e, "id", &have), pts = client_print__i(e, "points", &have);
		const msgpack_object *cs = client_print__a(e, "points_conflict");
		if (strcmp(client_str(e, "status", st, sizeof(st)), "missing") == 0) {
			printf("  RHK %lld: (teks, poin, satuan dan Bukti Dukung belum tersedia di katalog ini)\n", id);
			continue;
		}
		if (have)
			printf("  RHK %lld: %lld poin per satuan\n", id, pts);
		else if (cs) {
			printf("  RHK %lld: poin KONFLIK antar sumber, belum ditetapkan: ", id);
			client_print__candidates(cs);
			printf("\n");
		} else
			printf("  RHK %lld: poin belum tersedia di katalog ini\n", id);
		client_print__text("    ", "Teks", e, "text", "summary");
		client_print__field("    ", "Satuan", e, "rule");
		client_print__field("    ", "Bukti Dukung", e, "evidence");
	}
}

/* Tugas Tambahan: the list and what is known of each. */
static void
client_print__tugas(const msgpack_object *t)
{
	const msgpack_object *items = client_print__a(t, "items");
	int n;
	const char *note = client_print__s(t, "note", &n);

	printf("\nTugas Tambahan");
	client_print__status_tag(t);
	printf("\n");
	if (note)
		printf("  Catatan katalog: %.*s\n", n, note);
	for (uint32_t i = 0; items && i < items->via.array.size; i++) {
		const msgpack_object *e = &items->via.array.ptr[i];
		const msgpack_object *j = client_print__a(e, "jenjang");
		int nn;
		const char *name = client_print__s(e, "name", &nn);
		printf("  %.*s (", nn, name ? name : "?");
		if (j)
			client_print__list(j);
		else
			printf("jenjang belum diketahui");
		printf(")");
		client_print__status_tag(e);
		printf("\n");
	}
}

/* Dianjurkan or dihindari of a target: each text, or how many are missing. */
static void
client_print__examples(const char *label, const msgpack_object *a)
{
	uint32_t n = a ? a->via.array.size : 0, missing = 0;

	for (uint32_t i = 0; i < n; i++)
		missing += a->via.array.ptr[i].type != MSGPACK_OBJECT_STR;
	if (n == 0) {
		printf("      %s: (belum tersedia di katalog ini)\n", label);
		return;
	}
	if (missing == n) {
		printf("      %s: %u perilaku, %s\n", label, n, KC_MISSING);
		return;
	}
	printf("      %s:\n", label);
	for (uint32_t i = 0; i < n; i++) {
		const msgpack_object *e = &a->via.array.ptr[i];
		if (e->type == MSGPACK_OBJECT_STR)
			printf("        - %.*s\n", (int)e->via.str.size, e->via.str.ptr);
		else
			printf("        - %s\n", KC_MISSING);
	}
}

/* One Praktik Kinerja sub-indicator: success criterion, targets, dianjurkan / dihindari. */
static void
client_print__sub(const msgpack_object *s, uint32_t number)
{
	const msgpack_object *ts = client_print__a(s, "targets");
	int nn, ni;
	const char *name = client_print__s(s, "name", &nn), *id = client_print__s(s, "id", &ni);

	printf("  Sub-indikator %u: %.*s (--sub %.*s)\n", number, nn, name ? name : "?", ni, id ? id : "?");
	client_print__text("    ", "Kriteria keberhasilan", s, "success", NULL);
	for (uint32_t j = 0; ts && j < ts->via.array.size; j++) {
		const msgpack_object *t = &ts->via.array.ptr[j];
		char label[40];
		snprintf(label, sizeof(label), "Fokus perilaku %u", j + 1);
		client_print__text("    ", label, t, "text", "summary");
		client_print__examples("Dianjurkan", client_print__a(t, "dianjurkan"));
		client_print__examples("Dihindari", client_print__a(t, "dihindari"));
	}
}

/* Skala observasi: its levels and their definitions. */
static void
client_print__scale(const msgpack_object *sc)
{
	printf("\nSkala observasi (nilai atasan untuk setiap fokus perilaku)\n");
	for (uint32_t i = 0; sc && i < sc->via.array.size; i++) {
		const msgpack_object *l = &sc->via.array.ptr[i];
		int n;
		const char *label = client_print__s(l, "label", &n);
		char lab[128];
		snprintf(lab, sizeof(lab), "%.*s", n, label ? label : "?");
		client_print__text("  ", lab, l, "text", "summary");
	}
}

/* Perilaku Kerja: the BerAKHLAK aspects and their behaviours. */
static void
client_print__aspects(const msgpack_object *as)
{
	printf("\nPerilaku Kerja (%u aspek BerAKHLAK; satu perilaku dipilih untuk setiap aspek)\n",
	    as ? as->via.array.size : 0);
	for (uint32_t i = 0; as && i < as->via.array.size; i++) {
		const msgpack_object *a = &as->via.array.ptr[i], *bs = client_print__a(a, "behaviours");
		int n;
		const char *name = client_print__s(a, "name", &n);
		printf("  %.*s\n", n, name ? name : "?");
		for (uint32_t j = 0; bs && j < bs->via.array.size; j++) {
			char label[24];
			snprintf(label, sizeof(label), "Perilaku %u", j + 1);
			client_print__text("    ", label, &bs->via.array.ptr[j], "text", "summary");
		}
	}
}

/* Sumber: the tags the catalog's entries name. */
static void
client_print__sources(const msgpack_object *ss)
{
	printf("\nSumber\n");
	for (uint32_t i = 0; ss && i < ss->via.array.size; i++) {
		const msgpack_object *s = &ss->via.array.ptr[i];
		int nt, nl, nw;
		const char *tag = client_print__s(s, "tag", &nt), *title = client_print__s(s, "title", &nl);
		const char *where = client_print__s(s, "where", &nw);
		printf("  %-6.*s %.*s", nt, tag ? tag : "?", nl, title ? title : "");
		if (where)
			printf(" (%.*s)", nw, where);
		printf("\n");
	}
}

/* catalog show: every section the result holds, then how much is missing. */
void
client_print_catalog_show(const msgpack_object *r)
{
	const msgpack_object *jab = kn_map_get(r, "jabatan"), *subs = client_print__a(r, "sub_indicators");
	const msgpack_object *gaps = client_print__a(r, "gaps");
	uint32_t conflicts = 0;

	client_print__catalog_head(r);
	if (jab) {
		int n;
		const char *note = client_print__s(jab, "note", &n);
		printf("Untuk SKP: ");
		client_print__list(client_print__a(jab, "value"));
		client_print__status_tag(jab);
		printf("\n");
		if (note)
			printf("  Catatan katalog: %.*s\n", n, note);
		client_print__limits(kn_map_get(r, "limits"));
		client_print__calendar(kn_map_get(r, "calendar"));
		client_print__rhk(r);
		client_print__tugas(kn_map_get(r, "tugas_tambahan"));
	}
	printf("\nPraktik Kinerja: sub-indikator (satu dipilih per rencana)\n");
	for (uint32_t i = 0; subs && i < subs->via.array.size; i++)
		client_print__sub(&subs->via.array.ptr[i], i + 1);
	client_print__scale(client_print__a(r, "observation_scale"));
	if (kn_map_get(r, "perilaku_kerja")) {
		client_print__aspects(client_print__a(r, "perilaku_kerja"));
		client_print__sources(client_print__a(r, "sources"));
	}
	for (uint32_t i = 0; gaps && i < gaps->via.array.size; i++) {
		char st[16];
		conflicts += strcmp(client_str(&gaps->via.array.ptr[i], "status", st, sizeof(st)), "conflict") == 0;
	}
	printf("\nBelum diketahui atau belum pasti: %u hal (%u konflik antar sumber). Daftarnya: kinerja catalog show --gaps\n",
	    gaps ? gaps->via.array.size : 0, conflicts);
}

/* Indonesian names of what a gap lacks, of limits and of deadlines; NULL when none. */
static const char *
client_print__name(const char *key)
{
	static const char *const names[][2] = { { "text", "teks" }, { "points", "poin" }, { "rule", "satuan" },
		{ "evidence", "Bukti Dukung" }, { "success", "kriteria keberhasilan" }, { "dianjurkan", "perilaku dianjurkan" },
		{ "dihindari", "perilaku dihindari" }, { "definition", "definisi" }, { "value", "nilai" },
		{ "date", "tanggal" }, { "list", "daftar" }, { "points_min", "Total poin minimal per semester" },
		{ "points_max", "Total poin maksimal per semester" }, { "text_max_chars", "Panjang teks isian" },
		{ "sub_indicators_per_plan", "Sub-indikator Praktik Kinerja per rencana" },
		{ "quantity_max", "Target kuantitas satu RHK" }, { "evidence_max_mb", "Ukuran berkas Bukti Dukung" },
		{ "plan_due", "Batas penyusunan rencana" }, { "approve_due", "Batas persetujuan atasan" },
		{ "evaluation_due", "Batas evaluasi" }, { "jabatan", "Jabatan yang dilayani" } };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(key, names[i][0]) == 0)
			return names[i][1];
	return NULL;
}

/*
 * One gap, in words: where ("RHK 7", "Keteraturan Suasana Kelas, fokus
 * perilaku 1, perilaku dianjurkan") and how much is known there.
 */
static void
client_print__gap(const msgpack_object *g)
{
	char item[160], what[24], st[16], path[100];
	const char *name, *w = "";
	int have;
	long long target = client_print__i(g, "target", &have);
	unsigned long long count = client_u64(g, "count");
	size_t plen;

	client_str(g, "item", item, sizeof(item));
	client_str(g, "what", what, sizeof(what));
	client_str(g, "status", st, sizeof(st));
	client_str(g, "path", path, sizeof(path));
	plen = strlen(path);
	/* limits and deadlines are named by their keys: "quantity_max", "plan_due, semester 2" */
	char key[64];
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(item, ","), item);
	if ((strncmp(path, "limits.", 7) == 0 || strncmp(path, "calendar.", 9) == 0 || strcmp(path, "jabatan") == 0) &&
	    (name = client_print__name(key)))
		printf("  %s%s", name, item + strlen(key));
	else
		printf("  %s", item);
	if (have)
		printf(", fokus perilaku %lld", target);
	if (plen > 11 && strcmp(path + plen - 11, ".behaviours") == 0)
		w = "perilaku";
	else if (strcmp(what, "entry") != 0 && strcmp(what, "jabatan") != 0 && !(strcmp(what, "value") == 0 && key[0]) &&
	    !(strcmp(what, "date") == 0) && (name = client_print__name(what)))
		w = name;
	if (w[0])
		printf(", %s", w);
	if (strcmp(st, "conflict") == 0) {
		printf(": %s: ", client_print__status(st));
		client_print__candidates(client_print__a(g, "candidates"));
	} else if (strcmp(st, "partial") == 0 && (strcmp(what, "text") == 0 || strcmp(what, "definition") == 0)) {
		if (count > 1)
			printf(": %llu teks resmi belum tersedia di katalog ini (hanya ringkasan)", count);
		else
			printf(": teks resmi belum tersedia di katalog ini (hanya ringkasan)");
	} else if (strcmp(st, "missing") == 0 && count > 1 && strcmp(what, "entry") != 0) {
		printf(": %llu teks belum tersedia di katalog ini", count);
	} else {
		printf(": %s", client_print__status(st));
	}
	if (strncmp(path, "rhk[", 4) == 0 && strcmp(what, "entry") == 0)
		printf(" (teks, poin, satuan dan Bukti Dukung)");
	printf("\n");
}

/* catalog show --gaps: everything the version does not know, one line each. */
void
client_print_catalog_gaps(const msgpack_object *r)
{
	const msgpack_object *gaps = client_print__a(r, "gaps");

	client_print__catalog_head(r);
	printf("Belum diketahui atau belum pasti: %u hal\n", gaps ? gaps->via.array.size : 0);
	for (uint32_t i = 0; gaps && i < gaps->via.array.size; i++)
		client_print__gap(&gaps->via.array.ptr[i]);
}

/* catalog list: the versions, newest first. */
void
client_print_catalog_list(const msgpack_object *r)
{
	const msgpack_object *cs = client_print__a(r, "catalogs");

	printf("Versi katalog yang tersimpan di sekolah ini (terbaru dulu):\n");
	for (uint32_t i = 0; cs && i < cs->via.array.size; i++) {
		const msgpack_object *c = &cs->via.array.ptr[i], *nw = kn_map_get(c, "newest");
		char version[80], name[128], title[300], by[128], when[32];
		time_t t = (time_t)(client_u64(c, "added_ms") / 1000);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&t));
		client_str(c, "added_by", by, sizeof(by));
		printf("  %s  %s%s\n      %s\n      ditambahkan %s oleh %s\n", client_str(c, "version", version, sizeof(version)),
		    client_str(c, "name", name, sizeof(name)),
		    nw && nw->type == MSGPACK_OBJECT_BOOLEAN && nw->via.boolean ? "  (terbaru: dipakai bila tidak disebut versinya)" : "",
		    client_str(c, "title", title, sizeof(title)), when, by[0] ? by : "(tidak terdaftar lagi)");
	}
	printf("(%u versi)\n", cs ? cs->via.array.size : 0);
	if (cs && cs->via.array.size == 0)
		printf("Belum ada katalog: Operator Sekolah menambahkannya dengan 'kinerja catalog add FILE'.\n");
}

/* catalog add: the version stored, or that it was there already. */
void
client_print_catalog_add(const msgpack_object *r)
{
	char version[80], name[128];
	const msgpack_object *al = kn_map_get(r, "already");

	client_str(r, "version", version, sizeof(version));
	client_str(r, "name", name, sizeof(name));
	if (al && al->type == MSGPACK_OBJECT_BOOLEAN && al->via.boolean)
		printf("Katalog %s versi %s sudah tersimpan; tidak ada yang berubah.\n", name, version);
	else
		printf("Katalog %s disimpan sebagai versi %s.\nGuru membacanya dengan 'kinerja catalog show --version %.12s'.\n",
		    name, version, version);
}

/* school init: which catalogs were stored with the school, and every warning about them. */
void
client_print_catalog_loaded(const msgpack_object *r)
{
	const msgpack_object *cs = client_print__a(r, "catalogs"), *ws = client_print__a(r, "catalog_warnings");

	for (uint32_t i = 0; cs && i < cs->via.array.size; i++) {
		char name[128], version[80], file[260];
		const msgpack_object *c = &cs->via.array.ptr[i];
		printf("Katalog %s (versi %.12s…) dimuat dari %s.\n", client_str(c, "name", name, sizeof(name)),
		    client_str(c, "version", version, sizeof(version)), client_str(c, "file", file, sizeof(file)));
	}
	for (uint32_t i = 0; ws && i < ws->via.array.size; i++) {
		const msgpack_object *w = &ws->via.array.ptr[i];
		if (w->type == MSGPACK_OBJECT_STR)
			printf("PERINGATAN katalog: %.*s\n", (int)w->via.str.size, w->via.str.ptr);
	}
	if (cs && cs->via.array.size == 0)
		printf("Tidak ada katalog yang dimuat: Operator Sekolah menambahkannya dengan 'kinerja catalog add FILE'.\n");
}
