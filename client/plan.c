/*
 * plan.c - the planning commands in the words teachers use: `kinerja
 * periode buka|lihat` and `kinerja rencana simpan|ajukan|setujui|tinjau|
 * sepakati|buka|lihat|inbox|tugas` (the command table is in main.c). The
 * edits of a plan are options: --rhk 1:2 (RHK 1, target kuantitas 2),
 * --sub ID, --tugas ID:NOMOR-SK, --hapus-tugas ID, --perilaku ASPEK:NOMOR
 * or ASPEK:teks, --ekspektasi ASPEK:TEKS, --rangkuman TEKS; they travel as
 * the structured edits of plan.save / plan.submit / plan.approve
 * (domain_plan_apply_edits). The printers show kinerjad's plan views for
 * people; --json prints them as they came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/mpmap.h"
#include "cli.h"

/* ---- the edits ---- */

/* A msgpack str of n bytes. */
static void
plan__pack_s(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* A key and a C string. */
static void
plan__pack_kv(msgpack_packer *pk, const char *k, const char *v)
{
	plan__pack_s(pk, k, strlen(k));
	plan__pack_s(pk, v, strlen(v));
}

/* A whole number 0..1000000 from the text s[0..n); -1 when it is not one. */
static long
plan__number(const char *s, size_t n)
{
	long v = 0;

	if (n == 0 || n > 7)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The option's values, split at commas when split is set ("--rhk 1:2,3:1"). */
typedef struct {
	size_t n;
	const char *s[KC_MULTI_MAX * 8];
	size_t len[KC_MULTI_MAX * 8];
} plan_items;

/* Collect every value of a repeatable option, split at commas when asked. */
static int
plan__items(plan_items *out, const kc_opt *o, int split)
{
	out->n = 0;
	for (size_t i = 0; o && i < o->nvalues; i++) {
		const char *v = o->values[i];
		while (1) {
			size_t n = split ? strcspn(v, ",") : strlen(v);
			if (out->n == sizeof(out->s) / sizeof(out->s[0]))
				return domain_msg_error(KN_EINVAL, o->flag, "CLI_RENCANA_TERLALU_BANYAK", "opsi", o->flag, NULL);
			out->s[out->n] = v;
			out->len[out->n++] = n;
			if (!split || v[n] == '\0')
				break;
			v += n + 1;
		}
	}
	return 0;
}

/* The option of cmd named flag, or NULL. */
static const kc_opt *
plan__opt(const kc_opt *opts, const char *flag)
{
	for (const kc_opt *o = opts; o->flag; o++)
		if (strcmp(o->flag, flag) == 0)
			return o->nvalues || o->value ? o : NULL;
	return NULL;
}

/* --rhk RHK:JUMLAH,... as [{id, target_kuantitas}]. */
static int
plan__pack_rhk(msgpack_packer *pk, const kc_opt *o)
{
	plan_items it;
	int rc = plan__items(&it, o, 1);

	if (rc)
		return rc;
	plan__pack_s(pk, "rhk", 3);
	msgpack_pack_array(pk, it.n);
	for (size_t i = 0; i < it.n; i++) {
		const char *colon = memchr(it.s[i], ':', it.len[i]);
		long id = colon ? plan__number(it.s[i], (size_t)(colon - it.s[i])) : -1;
		long q = colon ? plan__number(colon + 1, it.len[i] - (size_t)(colon - it.s[i]) - 1) : -1;
		if (id < 1 || q < 0) {
			char given[64];
			snprintf(given, sizeof(given), "%.*s", (int)it.len[i], it.s[i]);
			return domain_msg_error(KN_EINVAL, "rhk", "CLI_RENCANA_RHK", "nilai", given, NULL);
		}
		msgpack_pack_map(pk, 2);
		plan__pack_s(pk, "id", 2);
		msgpack_pack_int64(pk, id);
		plan__pack_s(pk, "target_kuantitas", 16);
		msgpack_pack_int64(pk, q);
	}
	return 0;
}

/*
 * --tugas ID:SK, --perilaku ASPEK:NOMOR|teks, --ekspektasi ASPEK:TEKS: a
 * list of {k1: before the first colon, k2: after it}. For --perilaku a
 * number is the person's choice 1..n, sent as the 0-based index.
 */
static int
plan__pack_pairs(msgpack_packer *pk, const kc_opt *o, const char *arg, const char *k1, const char *k2, int numbered,
    const char *usage)
{
	plan_items it;
	int rc = plan__items(&it, o, 0);

	if (rc)
		return rc;
	plan__pack_s(pk, arg, strlen(arg));
	msgpack_pack_array(pk, it.n);
	for (size_t i = 0; i < it.n; i++) {
		const char *colon = strchr(it.s[i], ':');
		if (colon == NULL || colon == it.s[i])
			return domain_msg_error(KN_EINVAL, o->flag, "CLI_RENCANA_PASANGAN", "opsi", o->flag, "bentuk", usage, "nilai",
			    it.s[i], NULL);
		msgpack_pack_map(pk, 2);
		plan__pack_s(pk, k1, strlen(k1));
		plan__pack_s(pk, it.s[i], (size_t)(colon - it.s[i]));
		plan__pack_s(pk, k2, strlen(k2));
		long n = numbered ? plan__number(colon + 1, strlen(colon + 1)) : -1;
		if (numbered && n == 0)
			return domain_msg_error(KN_EINVAL, o->flag, "CLI_RENCANA_PERILAKU_NOMOR", "opsi", o->flag, NULL);
		if (n > 0)
			msgpack_pack_int64(pk, n - 1);
		else
			plan__pack_s(pk, colon + 1, strlen(colon + 1));
	}
	return 0;
}

/* --hapus-tugas ID as [ID]. */
static int
plan__pack_list(msgpack_packer *pk, const kc_opt *o, const char *arg)
{
	plan_items it;
	int rc = plan__items(&it, o, 0);

	if (rc)
		return rc;
	plan__pack_s(pk, arg, strlen(arg));
	msgpack_pack_array(pk, it.n);
	for (size_t i = 0; i < it.n; i++)
		plan__pack_s(pk, it.s[i], it.len[i]);
	return 0;
}

/*
 * rencana simpan / ajukan / setujui: the session token, the period and
 * teacher, and the edits of the options, in one call; the answer is the
 * act's message and the plan as it now stands.
 */
int
client_cmd_plan_edit(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	static const char *plain[] = { "period", "teacher", "sub", "rangkuman", "sekolah" };
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	kn_buf args = KN_BUF_INIT;
	msgpack_packer pk;
	char token[80];
	const kc_opt *o;
	size_t n = 1;
	int rc;
	(void)argc;
	(void)argv;

	if ((rc = client_session_need(token, sizeof(token), client_socket_path())))
		return client_fail();
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		n += plan__opt(opts, plain[i]) != NULL;
	n += (plan__opt(opts, "rhk") != NULL) + (plan__opt(opts, "tugas") != NULL) + (plan__opt(opts, "hapus-tugas") != NULL) +
	    (plan__opt(opts, "perilaku") != NULL) + (plan__opt(opts, "ekspektasi") != NULL);
	msgpack_packer_init(&pk, &args, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, n);
	plan__pack_kv(&pk, "token", token);
	explicit_bzero(token, sizeof(token));
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if ((o = plan__opt(opts, plain[i])) != NULL)
			plan__pack_kv(&pk, o->arg, o->value);
	if ((o = plan__opt(opts, "rhk")) && (rc = plan__pack_rhk(&pk, o)))
		goto out;
	if ((o = plan__opt(opts, "tugas")) &&
	    (rc = plan__pack_pairs(&pk, o, "tugas_tambahan", "id", "sk", 0, "ID:NOMOR-SK, misalnya --tugas kepala_perpustakaan:800/12/2026")))
		goto out;
	if ((o = plan__opt(opts, "hapus-tugas")) && (rc = plan__pack_list(&pk, o, "tugas_hapus")))
		goto out;
	if ((o = plan__opt(opts, "perilaku")) &&
	    (rc = plan__pack_pairs(&pk, o, "perilaku", "aspek", "perilaku", 1,
		"ASPEK:NOMOR atau ASPEK:teks, misalnya --perilaku akuntabel:1")))
		goto out;
	if ((o = plan__opt(opts, "ekspektasi")) &&
	    (rc = plan__pack_pairs(&pk, o, "ekspektasi", "aspek", "teks", 0, "ASPEK:TEKS, misalnya --ekspektasi loyal:\"...\"")))
		goto out;
	rc = client_call_print(&c, &r, cmd->method, &args);
	if (rc == 0 && !client_g.json)
		cmd->print(r);
out:
	kn_buf_free(&args);
	client_close(&c);
	return rc ? client_fail() : 0;
}

/* ---- printers ---- */

/* A time in ms as local "YYYY-MM-DD HH:MM". */
static void
plan__when(char *out, size_t outsz, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);

	strftime(out, outsz, "%Y-%m-%d %H:%M", localtime(&t));
}

/* An integer field of a map (0 when absent). */
static long long
plan__i64(const msgpack_object *m, const char *k)
{
	const msgpack_object *o = kn_map_get(m, k);

	if (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return (long long)o->via.u64;
	if (o && o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return (long long)o->via.i64;
	return 0;
}

/* Is the field a true boolean? */
static int
plan__true(const msgpack_object *m, const char *k)
{
	const msgpack_object *o = kn_map_get(m, k);

	return o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

/* The length of an array field, 0 when it is absent or not an array. */
static uint32_t
plan__len(const msgpack_object *a)
{
	return a && a->type == MSGPACK_OBJECT_ARRAY ? a->via.array.size : 0;
}

/* periode buka / lihat. */
void
client_print_period(const msgpack_object *r)
{
	char period[16], state[24], msg[512], by[128], cat[80], catname[64], start[16], end[16];
	const msgpack_object *op = kn_map_get(r, "opened"), *dl = kn_map_get(r, "deadlines");

	printf("Periode %s: %s\n", client_str(r, "period", period, sizeof(period)), client_str(r, "message", msg, sizeof(msg)));
	client_str(r, "state", state, sizeof(state));
	if (op && op->type == MSGPACK_OBJECT_MAP) {
		char when[32];
		plan__when(when, sizeof(when), client_u64(op, "time_ms"));
		printf("Dimulai oleh %s pada %s.\n", client_str(op, "by", by, sizeof(by)), when);
	} else if (strcmp(state, "belum_dibuka") == 0) {
		printf("Kepala Sekolah memulainya dengan 'kinerja periode buka --period %s'.\n", period);
	}
	printf("Katalog: %s (versi %.12s)\n", client_str(r, "catalog_name", catname, sizeof(catname)),
	    client_str(r, "catalog", cat, sizeof(cat)));
	printf("Tanggal: %s s.d. %s\n", client_str(r, "start", start, sizeof(start)), client_str(r, "end", end, sizeof(end)));
	printf("Batas waktu:\n");
	for (uint32_t i = 0; i < plan__len(dl); i++) {
		const msgpack_object *d = &dl->via.array.ptr[i];
		char label[64], date[16];
		printf("  %-20s %s  %s\n", client_str(d, "label", label, sizeof(label)), client_str(d, "date", date, sizeof(date)),
		    plan__true(d, "hard") ? "(keras: sesudahnya tidak diterima tanpa dispensasi)" :
					    "(lunak: sesudahnya tetap diterima, dicatat terlambat)");
	}
}

/* A list of {code, field, message} as numbered lines. */
static void
plan__print_problems(const msgpack_object *ps, const char *indent)
{
	for (uint32_t i = 0; i < plan__len(ps); i++) {
		char msg[512], field[80];
		const msgpack_object *p = &ps->via.array.ptr[i];
		client_str(p, "message", msg, sizeof(msg));
		client_str(p, "field", field, sizeof(field));
		printf("%s%u. %s%s%s%s\n", indent, i + 1, msg, field[0] ? " [" : "", field, field[0] ? "]" : "");
	}
}

/* The plan's items: Praktik Kinerja, RHK with points, Tugas Tambahan, Perilaku Kerja, Rangkuman. */
static void
plan__print_items(const msgpack_object *items, const msgpack_object *points)
{
	const msgpack_object *pr = kn_map_get(items, "praktik_kinerja"), *rhk = kn_map_get(items, "rhk"),
			     *tt = kn_map_get(items, "tugas_tambahan"), *pk = kn_map_get(items, "perilaku");
	char a[512], b[512], g[512];

	printf("Praktik Kinerja:");
	if (plan__len(pr) == 0)
		printf(" (belum dipilih)");
	for (uint32_t i = 0; i < plan__len(pr); i++)
		printf(" %s (%s)", client_str(&pr->via.array.ptr[i], "name", a, sizeof(a)),
		    client_str(&pr->via.array.ptr[i], "id", b, sizeof(b)));
	printf("\nPengembangan Kompetensi (RHK):\n");
	if (plan__len(rhk) == 0)
		printf("  (belum ada RHK)\n");
	for (uint32_t i = 0; i < plan__len(rhk); i++) {
		const msgpack_object *e = &rhk->via.array.ptr[i];
		client_str(e, "text", a, sizeof(a));
		if (plan__true(e, "certain"))
			printf("  %-8s RHK %-3lld %lld x %lld poin = %lld poin  %.60s%s\n", client_str(e, "slot", b, sizeof(b)),
			    plan__i64(e, "id"), plan__i64(e, "target_kuantitas"), plan__i64(e, "per_unit"), plan__i64(e, "subtotal"),
			    a, strlen(a) > 60 ? "…" : "");
		else
			printf("  %-8s RHK %-3lld %lld x ? poin (poin belum pasti)  %.60s%s\n", client_str(e, "slot", b, sizeof(b)),
			    plan__i64(e, "id"), plan__i64(e, "target_kuantitas"), a, strlen(a) > 60 ? "…" : "");
	}
	printf("  %s\n", client_str(points, "guidance", g, sizeof(g)));
	if (plan__len(tt)) {
		printf("Tugas Tambahan:\n");
		for (uint32_t i = 0; i < plan__len(tt); i++) {
			const msgpack_object *e = &tt->via.array.ptr[i];
			char slot[16], sk[256];
			client_str(e, "name", a, sizeof(a));
			printf("  %-8s %s  SK/Surat Tugas: %s\n", client_str(e, "slot", slot, sizeof(slot)),
			    a[0] ? a : client_str(e, "id", b, sizeof(b)), client_str(e, "sk", sk, sizeof(sk)));
		}
	}
	printf("Perilaku Kerja:%s\n", plan__len(pk) ? "" : " (belum diisi)");
	for (uint32_t i = 0; i < plan__len(pk); i++) {
		const msgpack_object *e = &pk->via.array.ptr[i];
		long long nomor = plan__i64(e, "nomor");
		client_str(e, "name", a, sizeof(a));
		client_str(e, "teks", b, sizeof(b));
		if (nomor)
			printf("  %-24s %lld. %s\n", a, nomor, b[0] ? b : "(teks perilaku belum ada di katalog)");
		else
			printf("  %-24s %s\n", a, b);
		client_str(e, "ekspektasi_khusus", g, sizeof(g));
		if (g[0])
			printf("  %-24s Ekspektasi khusus pimpinan: %s\n", "", g);
	}
	client_str(items, "rangkuman", a, sizeof(a));
	if (a[0])
		printf("Rangkuman: %s\n", a);
}

/* rencana lihat: the whole plan as the person reads it. */
void
client_print_plan(const msgpack_object *r)
{
	char period[16], state[24], label[40], msg[512], name[128], ident[32];
	const msgpack_object *owner = kn_map_get(r, "owner"), *at = kn_map_get(r, "atasan"), *note = kn_map_get(r, "note"),
			     *adj = kn_map_get(r, "adjustments"), *hist = kn_map_get(r, "history"),
			     *probs = kn_map_get(r, "problems"), *warns = kn_map_get(r, "warnings");

	printf("SKP %s (%s), periode %s\n", client_str(owner, "name", name, sizeof(name)),
	    client_str(owner, "ident", ident, sizeof(ident)), client_str(r, "period", period, sizeof(period)));
	client_str(r, "state", state, sizeof(state));
	printf("Status: %s\n", client_str(r, "state_label", label, sizeof(label)));
	printf("Atasan: ");
	for (uint32_t i = 0; i < plan__len(at); i++)
		printf("%s%s (%s)", i ? ", " : "", client_str(&at->via.array.ptr[i], "name", name, sizeof(name)),
		    client_str(&at->via.array.ptr[i], "role_label", label, sizeof(label)));
	if (plan__len(at) == 0)
		printf("%s", client_str(r, "atasan_message", msg, sizeof(msg)));
	printf("\n");
	client_str(r, "period_state", label, sizeof(label));
	if (strcmp(label, "dibuka") != 0)
		printf("Periode: %s\n", client_str(r, "period_message", msg, sizeof(msg)));
	printf("\n");
	plan__print_items(kn_map_get(r, "items"), kn_map_get(r, "points"));
	if (note && note->type == MSGPACK_OBJECT_MAP) {
		char when[32], text[2048], by[128], act[40];
		plan__when(when, sizeof(when), client_u64(note, "time_ms"));
		printf("\nCatatan atasan (%s, %s, %s):\n  %s\n", client_str(note, "action_label", act, sizeof(act)),
		    client_str(note, "by", by, sizeof(by)), when, client_str(note, "text", text, sizeof(text)));
	}
	if (plan__len(adj)) {
		printf("\nAda Penyesuaian Dari Atasan (%u):\n", plan__len(adj));
		for (uint32_t i = 0; i < plan__len(adj); i++)
			printf("  - %s\n", client_str(&adj->via.array.ptr[i], "message", msg, sizeof(msg)));
	}
	if (plan__len(probs) && (strcmp(state, "belum") == 0 || strcmp(state, "draf") == 0 || strcmp(state, "perlu_revisi") == 0)) {
		printf("\nYang perlu diperbaiki sebelum Ajukan (%u):\n", plan__len(probs));
		plan__print_problems(probs, "  ");
	}
	if (plan__len(warns)) {
		printf("\nPerlu diketahui:\n");
		plan__print_problems(warns, "  ");
	}
	const msgpack_object *conf = kn_map_get(r, "conflicts");
	if (conf && client_u64(conf, "count")) {
		char text[512];
		printf("\nPerhatian: %s\n", client_str(conf, "message", text, sizeof(text)));
	}
	if (plan__len(hist)) {
		printf("\nRiwayat:\n");
		for (uint32_t i = 0; i < plan__len(hist); i++) {
			const msgpack_object *h = &hist->via.array.ptr[i];
			char when[32], act[40], st[40], by[128], text[2048];
			plan__when(when, sizeof(when), client_u64(h, "time_ms"));
			printf("  %s  %-14s -> %-14s %s\n", when, client_str(h, "action_label", act, sizeof(act)),
			    client_str(h, "state_label", st, sizeof(st)), client_str(h, "by", by, sizeof(by)));
			if (client_str(h, "note", text, sizeof(text))[0])
				printf("%20s\"%s\"\n", "", text);
			if (client_str(h, "late", text, sizeof(text))[0])
				printf("%20sTerlambat: %s\n", "", text);
			if (plan__i64(h, "adjustments"))
				printf("%20s%lld penyesuaian atasan\n", "", plan__i64(h, "adjustments"));
			if (client_str(h, "conflict", text, sizeof(text))[0])
				printf("%20sTIDAK BERLAKU: %s\n", "", text);
		}
	}
}

/* An act: what it did, a late flag, then the plan as it now stands. */
void
client_print_plan_act(const msgpack_object *r)
{
	char msg[512];

	printf("%s\n", client_str(r, "message", msg, sizeof(msg)));
	if (client_str(r, "late", msg, sizeof(msg))[0])
		printf("Terlambat: %s\n", msg);
	printf("\n");
	client_print_plan(kn_map_get(r, "plan"));
}

/* rencana inbox: the atasan's teachers and their plans. */
void
client_print_plan_inbox(const msgpack_object *r)
{
	char period[16], msg[512];
	const msgpack_object *ts = kn_map_get(r, "teachers");
	uint64_t waiting = client_u64(r, "waiting");

	printf("SKP guru periode %s: %llu menunggu persetujuan Anda\n", client_str(r, "period", period, sizeof(period)),
	    (unsigned long long)waiting);
	client_str(r, "period_state", msg, sizeof(msg));
	if (strcmp(msg, "dibuka") != 0)
		printf("%s\n", client_str(r, "period_message", msg, sizeof(msg)));
	printf("  %-28s %-20s %-14s %5s\n", "Nama", "NIP/NUPTK", "Status", "Poin");
	for (uint32_t i = 0; i < plan__len(ts); i++) {
		const msgpack_object *t = &ts->via.array.ptr[i];
		char name[128], ident[32], label[40];
		printf("%s %-28s %-20s %-14s %5lld%s\n", plan__true(t, "waiting_for_me") ? "*" : " ",
		    client_str(t, "name", name, sizeof(name)), client_str(t, "ident", ident, sizeof(ident)),
		    client_str(t, "state_label", label, sizeof(label)), plan__i64(t, "points"),
		    plan__true(t, "late") ? "  (terlambat)" : "");
	}
	if (plan__len(ts) == 0)
		printf("  (belum ada guru yang Anda nilai)\n");
	if (waiting)
		printf("* menunggu Anda: 'kinerja rencana lihat --teacher NIP', lalu 'kinerja rencana setujui --teacher NIP'\n"
		       "  atau 'kinerja rencana tinjau --teacher NIP --note \"...\"'.\n");
}

/* rencana tugas: what waits for me, and what waits for others. */
void
client_print_plan_tasks(const msgpack_object *r)
{
	char period[16], msg[512];
	const msgpack_object *mine = kn_map_get(r, "for_me"), *others = kn_map_get(r, "for_others");

	printf("Periode %s: %s\n", client_str(r, "period", period, sizeof(period)),
	    client_str(r, "period_message", msg, sizeof(msg)));
	printf("\nMenunggu Anda:\n");
	for (uint32_t i = 0; i < plan__len(mine); i++)
		printf("  - %s\n", client_str(&mine->via.array.ptr[i], "message", msg, sizeof(msg)));
	if (plan__len(mine) == 0)
		printf("  (tidak ada)\n");
	printf("\nMenunggu orang lain:\n");
	for (uint32_t i = 0; i < plan__len(others); i++)
		printf("  - %s\n", client_str(&others->via.array.ptr[i], "message", msg, sizeof(msg)));
	if (plan__len(others) == 0)
		printf("  (tidak ada)\n");
}
