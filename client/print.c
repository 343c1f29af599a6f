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
		printf("Sekolah:  (belum ada) - set it up with: kinerja school init --help\n");
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
		printf("Anda masuk dengan passphrase sekali pakai: pilih passphrase Anda sendiri dengan 'kinerja passwd'.\n");
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
	    al && al->via.boolean ? "was already submitted; nothing changed" : "dikumpulkan (submitted)");
}

/* user reset-passphrase: the one-time passphrase, shown once, and what the person does with it. */
void
client_print_reset(const msgpack_object *r)
{
	char name[128], user[32], pass[64];
	uint64_t ended = client_u64(r, "sessions_ended");

	client_str(r, "name", name, sizeof(name));
	client_str(r, "user", user, sizeof(user));
	printf("Passphrase sekali pakai untuk %s (%s):\n\n    %s\n\n", name, user, client_str(r, "passphrase", pass, sizeof(pass)));
	printf("Sampaikan langsung kepada yang bersangkutan; passphrase ini tidak ditampilkan lagi.\n");
	printf("Ia masuk dengan 'kinerja login %s', lalu harus memilih passphrase sendiri dengan 'kinerja passwd'.\n", user);
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
