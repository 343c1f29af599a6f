/*
 * dinas.c - the education office's commands: `kinerja dinas kunci` (the
 * authority key a school takes at `school init --authority-key`), `dinas
 * tugaskan` (a Plt, Pengawas or Kepala Dinas assignment), `dinas
 * buka-periode` (R10), and `kinerja penugasan` (a school's assignments,
 * anywhere). The command table is in main.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../util/mpmap.h"
#include "cli.h"

/* dinas kunci [--out FILE]: print the authority key, or write it to FILE for the schools. */
int
client_cmd_dinas_key(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	char key[80], role[16];
	const char *out = opts[0].value;
	int rc;
	(void)cmd;
	(void)argc;
	(void)argv;

	if ((rc = client_call_print(&c, &r, "status", NULL)))
		goto out;
	client_str(r, "authority", key, sizeof(key));
	client_str(r, "role", role, sizeof(role));
	if (strlen(key) != 64) {
		rc = domain_msg_error(KN_ENOTFOUND, "authority",
		    strcmp(role, "dinas") == 0 ? "CLI_DINAS_BELUM_DISIAPKAN" : "CLI_DINAS_KUNCI_TIDAK_DIKENAL", NULL);
		goto out;
	}
	if (out && out[0]) {
		FILE *f = fopen(out, "wx");
		if (f == NULL) {
			rc = errno == EEXIST ? domain_msg_error(KN_ERROR, "out", "CLI_BERKAS_SUDAH_ADA", "berkas", out, NULL) :
			    domain_msg_error(KN_ERROR, "out", "CLI_BERKAS_TIDAK_DAPAT_DIBUAT", "berkas", out, "sebab", strerror(errno),
			    NULL);
			goto out;
		}
		int bad = fprintf(f, "%s\n", key) < 0;
		bad |= fclose(f) != 0;
		if (bad) {
			rc = domain_msg_error(KN_ERROR, "out", "CLI_BERKAS_TIDAK_DAPAT_DITULIS", "berkas", out, "sebab", strerror(errno),
			    NULL);
			goto out;
		}
		if (!client_g.json)
			printf("Kunci otoritas Dinas ditulis ke %s.\nBawa berkas ini ke sekolah: kinerja school init ... --authority-key %s\n",
			    out, out);
	}
	if (client_g.json)
		printf("{\"authority\": \"%s\"}\n", key);
	else if (!(out && out[0]))
		printf("%s\n", key);
out:
	client_close(&c);
	return rc ? client_fail() : 0;
}

/* The authority key of --authority-key: 64 hex digits, or a file holding them (first line). */
int
client_authority_key_arg(kc_opt *o, char *buf, size_t bufsz)
{
	FILE *f;
	size_t n;

	if (o == NULL || o->value == NULL || o->value[0] == '\0')
		return 0;
	n = strspn(o->value, "0123456789abcdef");
	if (n == 64 && o->value[64] == '\0')
		return 0;
	if ((f = fopen(o->value, "r")) == NULL)
		return domain_msg_error(KN_EINVAL, "authority-key", "CLI_KUNCI_DINAS_ARG", "berkas", o->value, "sebab",
		    strerror(errno), NULL);
	if (fgets(buf, (int)bufsz, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n \t")] = '\0';
	if (strlen(buf) != 64 || strspn(buf, "0123456789abcdef") != 64)
		return domain_msg_error(KN_EINVAL, "authority-key", "CLI_KUNCI_DINAS_BERKAS", "berkas", o->value, NULL);
	o->value = buf;
	return 0;
}

/* One assignment line. */
static void
dinas__assignment(const msgpack_object *a)
{
	char name[128], role[48], sk[128], start[16], end[16], nip[32];

	client_str(a, "name", name, sizeof(name));
	client_str(a, "role_label", role, sizeof(role));
	client_str(a, "sk", sk, sizeof(sk));
	client_str(a, "start", start, sizeof(start));
	client_str(a, "end", end, sizeof(end));
	client_str(a, "nip", nip, sizeof(nip));
	const msgpack_object *v = kn_map_get(a, "valid_today");
	printf("%-26s %-24s %-18s %s s.d. %-10s %-22s %s\n", name, role, nip[0] ? nip : "-", start, end[0] ? end : "(terbuka)",
	    sk[0] ? sk : "-", v == NULL ? "" : v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean ? "berlaku" : "tidak berlaku");
}

/* dinas tugaskan: the assignment made. */
void
client_print_assignment(const msgpack_object *r)
{
	char school[16];

	printf("Penugasan dicatat untuk sekolah %s (ditandatangani kunci otoritas Dinas):\n",
	    client_str(r, "school", school, sizeof(school)));
	dinas__assignment(r);
	printf("Sekolah menerimanya pada sinkronisasi berikutnya dengan hub; tanpa hub, bawa ke sekolah:\n"
	    "kinerja record export FILE --sekolah %s, lalu di sekolah: kinerja record import FILE\n", school);
}

/* penugasan: the school's assignments. */
void
client_print_assignment_list(const msgpack_object *r)
{
	char school[16];
	const msgpack_object *as = kn_map_get(r, "assignments");

	printf("Penugasan dari Dinas, sekolah %s:\n", client_str(r, "school", school, sizeof(school)));
	if (as == NULL || as->type != MSGPACK_OBJECT_ARRAY || as->via.array.size == 0) {
		printf("  (belum ada: Kepala Sekolah definitif menjadi atasan guru; Dinas menugaskan Plt, Pengawas, Kepala Dinas)\n");
		return;
	}
	printf("%-26s %-24s %-18s %-25s %-22s %s\n", "Nama", "Peran", "NIP", "Masa tugas", "SK", "Hari ini");
	for (uint32_t i = 0; i < as->via.array.size; i++)
		dinas__assignment(&as->via.array.ptr[i]);
}
