/*
 * people.c - the printers of eligibility and identity, in the words
 * teachers use: `kinerja identitas lihat|konfirmasi`, `kinerja kelayakan
 * lihat`, and the eligibility lines of `kinerja user list|add|edit` (the
 * command table is in main.c). --json prints kinerjad's results as they
 * came.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../util/mpmap.h"
#include "cli.h"

/* A boolean of a result map; 0 when absent. */
static int
people__true(const msgpack_object *m, const char *key)
{
	const msgpack_object *o = kn_map_get(m, key);
	return o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

/* A time in ms as a local date and time. */
static void
people__when(char *out, size_t outsz, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	strftime(out, outsz, "%Y-%m-%d %H:%M", localtime(&t));
}

/* The answer in a few words: may this person plan here, and what then. */
static const char *
people__verdict(const msgpack_object *e)
{
	if (people__true(e, "eligible"))
		return people__true(e, "mandatory") ? "Layak (wajib menyusun SKP)" : "Layak (dianjurkan, tidak wajib)";
	if (people__true(e, "may_draft"))
		return "Belum dapat mengajukan SKP (draf boleh disusun)";
	return "Tidak menyusun SKP di Kinerja";
}

/* See cli.h. */
void
client_print_eligibility_block(const msgpack_object *e, const char *indent, const char *ident)
{
	char msg[600], fix[40];

	if (e == NULL || e->type != MSGPACK_OBJECT_MAP)
		return;
	printf("%sKelayakan: %s\n", indent, people__verdict(e));
	printf("%s  %s\n", indent, client_str(e, "message", msg, sizeof(msg)));
	if (strcmp(client_str(e, "fix_by", fix, sizeof(fix)), "operator_sekolah") == 0)
		printf("%s  Yang memperbaiki: Operator Sekolah, di Dapodik, lalu di sini dengan\n"
		       "%s  'kinerja user edit %s --jenis-ptk ...' (atau --naungan, --status).\n",
		    indent, indent, ident && ident[0] ? ident : "NIP");
}

/* One line per person who may not plan, under their line of the user list (the operator knows what to fix). */
void
client_print_eligibility_line(const msgpack_object *u)
{
	const msgpack_object *e = kn_map_get(u, "eligibility");
	char msg[600], code[48];

	if (e == NULL || e->type != MSGPACK_OBJECT_MAP || people__true(e, "eligible"))
		return;
	/* the operator is not a planner: nothing to fix */
	if (strcmp(client_str(e, "code", code, sizeof(code)), "KELAYAKAN_PERAN") == 0)
		return;
	printf("    ! %s: %s\n", people__verdict(e), client_str(e, "message", msg, sizeof(msg)));
}

/* kelayakan lihat: a person's eligibility and the Dapodik data it rests on. */
void
client_print_eligibility(const msgpack_object *r)
{
	char name[128], ident[32], role[64], status[16], ptk[64], naungan[16], used[16], cat[80];
	const msgpack_object *np = kn_map_get(r, "naungan");

	printf("Kelayakan %s (%s, %s)\n", client_str(r, "name", name, sizeof(name)),
	    client_str(r, "role_label", role, sizeof(role)), client_str(r, "ident", ident, sizeof(ident)));
	printf("  Status kepegawaian: %s\n", client_str(r, "status", status, sizeof(status)));
	client_str(r, "jenis_ptk", ptk, sizeof(ptk));
	printf("  Jenis PTK:          %s\n", ptk[0] ? ptk : "(belum tercatat)");
	client_str(r, "naungan_used", used, sizeof(used));
	if (np && np->type == MSGPACK_OBJECT_STR)
		printf("  Naungan:            %s\n", client_str(r, "naungan", naungan, sizeof(naungan)));
	else
		printf("  Naungan:            %s (belum tercatat; dianggap %s)\n", used, used);
	printf("  Dipekerjakan di sekolah swasta: %s\n", people__true(r, "seconded_private") ? "ya" : "tidak");
	printf("  Katalog: versi %.12s\n", client_str(r, "catalog", cat, sizeof(cat)));
	client_print_eligibility_block(kn_map_get(r, "eligibility"), "", ident);
}

/* identitas lihat: every field, Dapodik's value beside the confirmed one, who may change it; the edit left; eligibility. */
void
client_print_identity(const msgpack_object *r)
{
	char state[32], msg[600], emsg[600], when[32];
	const msgpack_object *fs = kn_map_get(r, "fields");
	int confirmed, differs = 0;

	client_str(r, "state", state, sizeof(state));
	confirmed = strcmp(state, "dikonfirmasi") == 0;
	printf("Data diri (identitas): %s\n", confirmed ? "sudah dikonfirmasi" : "belum dikonfirmasi");
	printf("%s\n", client_str(r, "message", msg, sizeof(msg)));
	if (confirmed) {
		people__when(when, sizeof(when), client_u64(r, "confirmed_ms"));
		printf("Konfirmasi terakhir: %s\n", when);
	}
	printf("\n  %-20s %-32s %-32s %s\n", "Kolom", "Data Dapodik", "Dikonfirmasi", "Diubah oleh");
	for (uint32_t i = 0; fs && fs->type == MSGPACK_OBJECT_ARRAY && i < fs->via.array.size; i++) {
		const msgpack_object *f = &fs->via.array.ptr[i];
		char label[64], dap[128], mine[128];
		int d = people__true(f, "differs");
		client_str(f, "dapodik", dap, sizeof(dap));
		client_str(f, "confirmed", mine, sizeof(mine));
		printf("%c %-20s %-32s %-32s %s\n", d ? '*' : ' ', client_str(f, "label", label, sizeof(label)),
		    dap[0] ? dap : "-", confirmed ? (mine[0] ? mine : "-") : "(belum)",
		    people__true(f, "editable") ? "Anda (sekali)" : "Operator Sekolah (Dapodik)");
		differs |= d;
	}
	if (differs)
		printf("  * berbeda dari Dapodik\n");
	printf("\n%s\n", client_str(r, "edit_message", emsg, sizeof(emsg)));
	if (!confirmed)
		printf("Bila sudah sesuai: 'kinerja identitas konfirmasi'. Bila ada yang keliru, misalnya:\n"
		       "  kinerja identitas konfirmasi --nama \"Nama Lengkap, S.Pd.\" --pangkat \"Penata Muda Tingkat I\"\n");
	const msgpack_object *e = kn_map_get(r, "eligibility");
	if (e && e->type == MSGPACK_OBJECT_MAP) {
		printf("\n");
		client_print_eligibility_block(e, "", NULL);
	}
}

/* identitas konfirmasi: what the confirmation did, then the identity as it stands. */
void
client_print_identity_confirm(const msgpack_object *r)
{
	char msg[600];

	printf("%s\n\n", client_str(r, "message", msg, sizeof(msg)));
	client_print_identity(kn_map_get(r, "identity"));
}

/* user edit: the person as now recorded, and what their eligibility is. */
void
client_print_user_edit(const msgpack_object *r)
{
	char name[128], ptk[64], naungan[16], ident[32];

	client_str(r, "nip", ident, sizeof(ident));
	if (!ident[0])
		client_str(r, "nuptk", ident, sizeof(ident));
	client_str(r, "jenis_ptk", ptk, sizeof(ptk));
	client_str(r, "naungan", naungan, sizeof(naungan));
	printf("Data %s diperbarui (Jenis PTK: %s; naungan: %s; dipekerjakan di sekolah swasta: %s).\n",
	    client_str(r, "name", name, sizeof(name)), ptk[0] ? ptk : "belum tercatat", naungan[0] ? naungan : "pemda",
	    people__true(r, "seconded_private") ? "ya" : "tidak");
	client_print_eligibility_block(kn_map_get(r, "eligibility"), "", ident);
}
