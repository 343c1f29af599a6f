/*
 * main.c - kinerja, the command-line client of kinerjad: the command
 * table, option parsing and dispatch, and the commands that are more than
 * one plain call (those that read passphrases, record get and history).
 *
 * Every subcommand is one RPC call or a few (login/logout also keep the
 * session token, session.c). --json prints the daemon's result as JSON for
 * scripts; without it the output is for people (print.c).
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/mpmap.h"
#include "cli.h"

#define KC_VERSION "0.1.0"
#define KC_PASS_BYTES 1100 /* a passphrase line: KEYS_PASS_MAX and then some */

client_globals client_g = { NULL, 0, -1 };

/* Usage of one subcommand, from its table row. */
void
client_cmd_usage(FILE *fp, const kc_cmd *c)
{
	fprintf(fp, "Usage: kinerja [global options] %s%s%s%s\n\n%s\n", c->name, c->opts[0].flag ? " [options]" : "",
	    c->args ? " " : "", c->args ? c->args : "", c->summary);
	if (c->opts[0].flag) {
		fprintf(fp, "\nOptions:\n");
		for (const kc_opt *o = c->opts; o->flag; o++)
			fprintf(fp, "  --%-18s %s%s%s\n", o->flag, o->help, o->required ? " (required)" : "",
			    o->multi ? " (boleh diulang / repeatable)" : "");
	}
}

/*
 * Report the last error on stderr (and as a JSON object on stdout with
 * --json); the exit status: 3 when the daemon is not running, else 1.
 */
int
client_fail(void)
{
	size_t dlen, off = 0;
	const uint8_t *details = kn_error_details(&dlen);
	msgpack_unpacked up;
	const msgpack_object *problems = NULL;

	msgpack_unpacked_init(&up);
	if (details && msgpack_unpack_next(&up, (const char *)details, dlen, &off) == MSGPACK_UNPACK_SUCCESS &&
	    up.data.type == MSGPACK_OBJECT_ARRAY)
		problems = &up.data;
	if (client_g.json) {
		printf("{\"error\": {\"code\": \"%s\", \"message\": ", kn_error_code_name(kn_error_last_code()));
		client_json_str(stdout, kn_error_message());
		if (problems) {
			printf(", \"problems\": ");
			client_json(stdout, problems, -1);
		}
		printf("}}\n");
	}
	fprintf(stderr, "kinerja: %s", kn_error_message());
	if (kn_error_field()[0])
		fprintf(stderr, " [%s]", kn_error_field());
	fputc('\n', stderr);
	/* an error that is a list: every item with its field, so all can be fixed at once */
	for (uint32_t i = 0; problems && i < problems->via.array.size; i++) {
		char msg[512], field[80];
		const msgpack_object *p = &problems->via.array.ptr[i];
		client_str(p, "message", msg, sizeof(msg));
		client_str(p, "field", field, sizeof(field));
		fprintf(stderr, "  %u. %s%s%s%s\n", i + 1, msg, field[0] ? " [" : "", field, field[0] ? "]" : "");
	}
	msgpack_unpacked_destroy(&up);
	return kn_error_last_code() == KN_ENOTFOUND && strcmp(kn_error_field(), "socket") == 0 ? 3 : 1;
}

/* The daemon's socket: --socket, $KINERJA_SOCKET, or var/kinerjad.sock (make run). */
const char *
client_socket_path(void)
{
	if (client_g.socket)
		return client_g.socket;
	const char *env = getenv("KINERJA_SOCKET");
	return env && *env ? env : "var/kinerjad.sock";
}

/* The value of option --flag, NULL when it was not given. */
const char *
client_opt(const kc_opt *opts, const char *flag)
{
	for (const kc_opt *o = opts; o->flag; o++)
		if (strcmp(o->flag, flag) == 0)
			return o->value;
	return NULL;
}

/* Pack the parsed options (and extra key/values) as the argument map. */
void
client_pack_args(kn_buf *out, const kc_opt *opts, const char **extra)
{
	msgpack_packer pk;
	size_t n = 0;

	for (const kc_opt *o = opts; o && o->flag; o++)
		n += o->value != NULL;
	for (const char **e = extra; e && *e; e += 2)
		n++;
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, n);
	for (const kc_opt *o = opts; o && o->flag; o++) {
		if (!o->value)
			continue;
		msgpack_pack_str(&pk, strlen(o->arg));
		msgpack_pack_str_body(&pk, o->arg, strlen(o->arg));
		msgpack_pack_str(&pk, strlen(o->value));
		msgpack_pack_str_body(&pk, o->value, strlen(o->value));
	}
	for (const char **e = extra; e && *e; e += 2) {
		msgpack_pack_str(&pk, strlen(e[0]));
		msgpack_pack_str_body(&pk, e[0], strlen(e[0]));
		msgpack_pack_str(&pk, strlen(e[1]));
		msgpack_pack_str_body(&pk, e[1], strlen(e[1]));
	}
}

/* Connect, call, and on success print JSON when asked. */
int
client_call_print(client_conn *c, const msgpack_object **res, const char *method, const kn_buf *args)
{
	int rc = client_connect(c, client_socket_path());

	if (rc == 0)
		rc = client_call(res, c, method, args);
	if (rc == 0 && client_g.json)
		client_json(stdout, *res, 2);
	return rc;
}

/* One call with the session token, the string options and extra pairs as its arguments. */
int
client_call_token(client_conn *c, const msgpack_object **r, const char *method, kc_opt *opts, const char **extra)
{
	char token[80];
	kn_buf args = KN_BUF_INIT;
	const char *ex[16];
	size_t n = 0;
	int rc;

	if ((rc = client_session_need(token, sizeof(token), client_socket_path())))
		return rc;
	ex[n++] = "token";
	ex[n++] = token;
	for (const char **e = extra; e && *e && n < 14; e += 2) {
		ex[n++] = e[0];
		ex[n++] = e[1];
	}
	ex[n] = NULL;
	client_pack_args(&args, opts, ex);
	rc = client_call_print(c, r, method, &args);
	explicit_bzero(token, sizeof(token));
	kn_buf_free(&args);
	return rc;
}

/*
 * A passphrase buffer in guarded memory (sodium_malloc: not swapped,
 * wiped when freed); NULL with the error set when there is none.
 */
static char *
secret_new(void)
{
	char *p = sodium_malloc(KC_PASS_BYTES);

	if (p == NULL)
		kn_error_set(KN_ENOMEM, "", "out of secure memory for a passphrase");
	return p;
}

/* A new passphrase for whose, typed twice on a terminal. */
static int
read_new_passphrase(char *out, size_t outsz, const char *whose)
{
	char prompt[400];
	const char *params[] = { "siapa", whose, NULL };

	domain_msg_render(prompt, sizeof(prompt), "CLI_TANYA_SANDI_BARU_UNTUK", params);
	return client_passphrase(out, outsz, prompt, client_g.pass_fd, 1);
}

/* kinerja school init: the school and its operator, whose passphrase is asked here. */
static int
c_school_init(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	char name[128], *pass = NULL;
	kn_buf args = KN_BUF_INIT;
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	int rc;
	char keybuf[128];
	const int office = strcmp(cmd->name, "dinas init") == 0;
	(void)argc;
	(void)argv;

	for (kc_opt *o = opts; o->flag; o++)
		if (strcmp(o->flag, "authority-key") == 0 && client_authority_key_arg(o, keybuf, sizeof(keybuf)))
			return client_fail();
	if ((pass = secret_new()) == NULL ||
	    (rc = read_new_passphrase(pass, KC_PASS_BYTES, office ? "Operator kantor Dinas" : "Operator Sekolah"))) {
		sodium_free(pass);
		return client_fail();
	}
	const char *extra[] = { "passphrase", pass, "kind", office ? "dinas" : "sekolah", NULL };
	client_pack_args(&args, opts, extra);
	sodium_free(pass);
	rc = client_call_print(&c, &r, "school.init", &args);
	if (rc == 0 && !client_g.json && office) {
		char id[32], key[80], code[16];
		const msgpack_object *op = kn_map_get(r, "operator");
		client_str(op, "nip", id, sizeof(id));
		if (!id[0])
			client_str(op, "nuptk", id, sizeof(id));
		printf("Kantor %s (%s) siap. Kunci otoritas Dinas: %s\n", client_str(r, "name", name, sizeof(name)),
		    client_str(r, "npsn", code, sizeof(code)), client_str(r, "authority", key, sizeof(key)));
		printf("Berikutnya: 'kinerja dinas kunci --out dinas.key' untuk sekolah-sekolah; masuk dengan 'kinerja login %s';\n"
		    "daftarkan Pengawas dan Kepala Dinas dengan 'kinerja user add --role pengawas'.\n", id);
		kn_buf_free(&args);
		client_close(&c);
		return 0;
	}
	if (rc == 0 && !client_g.json) {
		char npsn[16], id[32], opname[128];
		const msgpack_object *op = kn_map_get(r, "operator");
		client_str(op, "nip", id, sizeof(id));
		if (!id[0])
			client_str(op, "nuptk", id, sizeof(id));
		printf("Sekolah %s (%s) siap. Operator Sekolah: %s\n", client_str(r, "name", name, sizeof(name)),
		    client_str(r, "npsn", npsn, sizeof(npsn)), client_str(op, "name", opname, sizeof(opname)));
		client_print_catalog_loaded(r);
		printf("Berikutnya: masuk sebagai Operator Sekolah dengan 'kinerja login %s', lalu tambahkan guru dengan "
		    "'kinerja user add'.\n", id);
	}
	kn_buf_free(&args); /* wipes */
	client_close(&c);
	return rc ? client_fail() : 0;
}

/* kinerja user add: enroll a person, who types their own new passphrase here. */
static int
c_user_add(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	char token[80], who[200], *pass = NULL;
	kn_buf args = KN_BUF_INIT;
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	int rc;
	(void)cmd;
	(void)argc;
	(void)argv;

	client_session_load(token, sizeof(token), client_socket_path());
	if (!token[0]) {
		domain_msg_error(KN_EAUTH, "token", "SESI_BELUM_MASUK_OPERATOR", NULL);
		return client_fail();
	}
	snprintf(who, sizeof(who), "%.199s", opts[0].value);
	if ((pass = secret_new()) == NULL || (rc = read_new_passphrase(pass, KC_PASS_BYTES, who))) {
		sodium_free(pass);
		return client_fail();
	}
	const char *extra[] = { "passphrase", pass, "token", token, NULL };
	client_pack_args(&args, opts, extra);
	sodium_free(pass);
	rc = client_call_print(&c, &r, "user.add", &args);
	if (rc == 0 && !client_g.json) {
		char name[128], role[64], id[32];
		client_str(r, "nip", id, sizeof(id));
		if (!id[0])
			client_str(r, "nuptk", id, sizeof(id));
		printf("%s ditambahkan sebagai %s. Ia masuk dengan 'kinerja login %s'.\n",
		    client_str(r, "name", name, sizeof(name)), client_str(r, "role_label", role, sizeof(role)), id);
		client_print_eligibility_line(r);
	}
	explicit_bzero(token, sizeof(token));
	kn_buf_free(&args);
	client_close(&c);
	return rc ? client_fail() : 0;
}

/* kinerja login NIP: unlock the key for a session and keep its token. */
static int
c_login(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	char prompt[256], *pass = NULL;
	kn_buf args = KN_BUF_INIT;
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	int rc;
	(void)opts;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	const char *who[] = { "siapa", argv[0], NULL };
	domain_msg_render(prompt, sizeof(prompt), "CLI_TANYA_SANDI", who);
	if ((pass = secret_new()) == NULL || (rc = client_passphrase(pass, KC_PASS_BYTES, prompt, client_g.pass_fd, 0))) {
		sodium_free(pass);
		return client_fail();
	}
	const char *extra[] = { "user", argv[0], "passphrase", pass, NULL };
	client_pack_args(&args, NULL, extra);
	sodium_free(pass);
	rc = client_call_print(&c, &r, "session.login", &args);
	if (rc == 0) {
		char token[80], name[128], role[64];
		const msgpack_object *mc = kn_map_get(r, "must_change");
		rc = client_session_save(client_str(r, "token", token, sizeof(token)), client_socket_path());
		explicit_bzero(token, sizeof(token));
		if (rc == 0 && !client_g.json) {
			time_t until = (time_t)(client_u64(r, "expires_ms") / 1000);
			char when[32];
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&until));
			printf("Selamat datang, %s (%s). Sesi berlaku sampai %s.\n", client_str(r, "name", name, sizeof(name)),
			    client_str(r, "role_label", role, sizeof(role)), when);
			if (mc && mc->type == MSGPACK_OBJECT_BOOLEAN && mc->via.boolean)
				printf("Anda masuk dengan kata sandi sekali pakai: pilih kata sandi Anda sendiri sekarang dengan "
				    "'kinerja passwd'.\nSampai itu, hanya passwd, whoami dan logout yang bisa dijalankan.\n");
		}
	}
	kn_buf_free(&args);
	client_close(&c);
	return rc ? client_fail() : 0;
}

/*
 * kinerja passwd: change one's own passphrase. On a terminal the current
 * one is asked once and the new one twice, without echo; from
 * --passphrase-fd or standard input, two lines: current, then new.
 */
static int
c_passwd(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	char token[80], *old = NULL, *new = NULL;
	kn_buf args = KN_BUF_INIT;
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	int rc;
	(void)cmd;
	(void)opts;
	(void)argc;
	(void)argv;

	if ((rc = client_session_need(token, sizeof(token), client_socket_path())))
		goto out;
	if ((old = secret_new()) == NULL || (new = secret_new()) == NULL) {
		rc = KN_ENOMEM;
		goto out;
	}
	if ((rc = client_passphrase(old, KC_PASS_BYTES, domain_msg_text("CLI_TANYA_SANDI_SEKARANG"), client_g.pass_fd, 0)) ||
	    (rc = client_passphrase(new, KC_PASS_BYTES, domain_msg_text("CLI_TANYA_SANDI_BARU"), client_g.pass_fd, 1)))
		goto out;
	const char *extra[] = { "token", token, "passphrase", old, "new_passphrase", new, NULL };
	client_pack_args(&args, NULL, extra);
	sodium_free(old);
	sodium_free(new);
	old = new = NULL;
	rc = client_call_print(&c, &r, "session.passwd", &args);
	if (rc == 0 && !client_g.json) {
		uint64_t ended = client_u64(r, "sessions_ended");
		printf("Kata sandi Anda sudah diganti. Mulai sekarang masuk dengan kata sandi yang baru.\n");
		if (ended)
			printf("%llu sesi lain atas nama Anda diakhiri.\n", (unsigned long long)ended);
	}
out:
	explicit_bzero(token, sizeof(token));
	sodium_free(old);
	sodium_free(new);
	kn_buf_free(&args);
	client_close(&c);
	return rc ? client_fail() : 0;
}

/* kinerja logout: end the session; the token file goes too, also when the daemon no longer knew it. */
static int
c_logout(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	(void)cmd;
	(void)opts;
	(void)argc;
	(void)argv;

	int rc = client_call_token(&c, &r, "session.logout", NULL, NULL);
	client_close(&c);
	if (rc == 0 || kn_error_last_code() == KN_EAUTH)
		client_session_forget();
	if (rc == 0 && !client_g.json)
		printf("Anda sudah keluar; kunci Anda terkunci lagi.\n");
	return rc ? client_fail() : 0;
}

/*
 * record get ID / record history ID|DOC: one call on one argument; then
 * every record's signature is checked here (verify.c), not taken on the
 * daemon's word. A record that does not verify is shown with a warning
 * and makes the command fail; with --json the result is printed only when
 * every record verifies.
 */
static int
c_record(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r, *rs;
	char token[80], why[256];
	kn_buf args = KN_BUF_INIT;
	uint32_t n, bad = 0;
	int rc;
	(void)opts;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	const char *extra[] = { strchr(argv[0], '/') ? "doc" : "id", argv[0], "token", token, NULL };
	client_pack_args(&args, NULL, extra);
	explicit_bzero(token, sizeof(token));
	rc = client_connect(&c, client_socket_path());
	if (rc == 0)
		rc = client_call(&r, &c, cmd->method, &args);
	if (rc == 0) {
		rs = kn_map_get(r, "records");
		n = rs ? (rs->type == MSGPACK_OBJECT_ARRAY ? rs->via.array.size : 0) : 1;
		for (uint32_t i = 0; i < n; i++) {
			const msgpack_object *rec = rs ? &rs->via.array.ptr[i] : r;
			int ok = client_record_verify(why, sizeof(why), rec) == 0;
			bad += !ok;
			if (!client_g.json)
				client_print_record(rec, ok, why);
		}
		if (bad)
			rc = domain_msg_error(KN_EBADSIG, "record", "CLI_REKAMAN_TIDAK_SAH", "buruk", domain_msg_num(bad).s, "jumlah",
			    domain_msg_num(n).s, NULL);
		else if (client_g.json)
			client_json(stdout, r, 2);
	}
	kn_buf_free(&args);
	client_close(&c);
	return rc ? client_fail() : 0;
}

/*
 * A command that is one call: its options in, with the session token
 * when the row says so, and its one positional argument (when it has one)
 * as the argument the row names; the result printed by the row's printer.
 */
int
client_cmd_simple(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	int rc;

	if (cmd->posarg && argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	const char *extra[] = { cmd->posarg, cmd->posarg ? argv[0] : NULL, NULL };
	if (cmd->token)
		rc = client_call_token(&c, &r, cmd->method, opts, cmd->posarg ? extra : NULL);
	else
		rc = client_call_print(&c, &r, cmd->method, NULL);
	if (rc == 0 && !client_g.json)
		cmd->print(r);
	client_close(&c);
	return rc ? client_fail() : 0;
}

#define PERSON_OPTS(pfx, hp)                                                                         \
	{ "nip", pfx "nip", 0, "NIP, 18 digits (ASN: PNS or PPPK)", NULL },                               \
	{ "nuptk", pfx "nuptk", 0, "NUPTK, 16 digits (needed when there is no NIP)", NULL },              \
	{ "status", pfx "status", 0, "status kepegawaian: PNS, PPPK or NON_ASN [PNS with NIP]", NULL }

#define SCHOOL_OPT { "sekolah", "school", 0, "NPSN sekolah; di kantor Dinas: sekolah yang dimaksud [sekolah ini]", NULL }
#define DAPODIK_OPTS                                                                                        \
	{ "jenis-ptk", "jenis_ptk", 0, "Jenis PTK in Dapodik, e.g. \"Guru Kelas\" (a Guru needs it to submit an SKP)", NULL }, \
	{ "naungan", "naungan", 0, "pemda or kemenag (Kemenag staff use e-Kinerja) [pemda]", NULL },             \
	{ "seconded-private", "seconded_private", 0, "yes when an ASN is dipekerjakan at a private school [no]", NULL }

#define PERIOD_OPT { "period", "period", 0, "periode TAHUN-SEMESTER, mis. 2026-1 [periode sekarang]", NULL }, SCHOOL_OPT
#define TEACHER_OPT(req) { "teacher", "teacher", req, "NIP/NUPTK guru (the teacher; atasan)", NULL }
#define RHK_OPT { "rhk", "rhk", 0, "RHK:JUMLAH, mis. 1:2 = RHK 1 target kuantitas 2; 1:0 menghapus", NULL, 0, 1 }
#define TUGAS_OPTS                                                                                         \
	{ "tugas", "tugas_tambahan", 0, "ID:NOMOR-SK, Tugas Tambahan dengan SK/Surat Tugasnya", NULL, 0, 1 },   \
	{ "hapus-tugas", "tugas_hapus", 0, "ID, hapus Tugas Tambahan (remove)", NULL, 0, 1 }
#define PERILAKU_OPT { "perilaku", "perilaku", 0, "ASPEK:NOMOR (1, 2, ...) atau ASPEK:teks sendiri, Perilaku Kerja", NULL, 0, 1 }
#define PLAN_EDIT_OPTS                                                                                     \
	PERIOD_OPT, RHK_OPT, { "sub", "sub", 0, "ID sub-indikator Praktik Kinerja (lihat 'kinerja catalog show')", NULL }, \
	TUGAS_OPTS, PERILAKU_OPT, { "rangkuman", "rangkuman", 0, "rangkuman (summary), paling banyak 500 karakter", NULL }

static kc_cmd commands[] = {
	{ "status", NULL, "Show the daemon, the school and the store.", client_cmd_simple, { { NULL } }, "status", 0, client_print_status },
	{ "school init", NULL,
	    "Set up this machine's school and its Operator Sekolah (asks for the operator's new passphrase).",
	    c_school_init,
	    { { "npsn", "npsn", 1, "NPSN of the school, 8 digits", NULL },
	        { "name", "name", 1, "name of the school, e.g. \"SD Negeri 1 Contoh\"", NULL },
	        { "operator-name", "operator_name", 1, "full name of the Operator Sekolah", NULL },
	        { "operator-nip", "operator_nip", 0, "operator's NIP, 18 digits (ASN)", NULL },
	        { "operator-nuptk", "operator_nuptk", 0, "operator's NUPTK, 16 digits", NULL },
	        { "operator-status", "operator_status", 0, "PNS, PPPK or NON_ASN [PNS with NIP]", NULL },
	        { "authority-key", "authority", 0,
	            "kunci otoritas Dinas: 64 hex digits or a FILE ('kinerja dinas kunci --out FILE');\n"
	            "without it the school accepts no act of the Dinas (Plt, Pengawas, opening a period)", NULL },
	        { NULL } } },
	{ "dinas init", NULL,
	    "Set up an education office (Dinas Pendidikan) on a daemon with role = dinas: its record, its\n"
	    "Operator and its authority key, which signs assignments and period openings for the schools.",
	    c_school_init,
	    { { "kode", "npsn", 1, "office code, 8 digits (not any school's NPSN)", NULL },
	        { "nama", "name", 1, "name, e.g. \"Dinas Pendidikan Kabupaten Contoh\"", NULL },
	        { "operator-name", "operator_name", 1, "full name of the office's Operator", NULL },
	        { "operator-nip", "operator_nip", 0, "operator's NIP, 18 digits (ASN)", NULL },
	        { "operator-nuptk", "operator_nuptk", 0, "operator's NUPTK, 16 digits", NULL },
	        { "operator-status", "operator_status", 0, "PNS, PPPK or NON_ASN [PNS with NIP]", NULL },
	        { NULL } } },
	{ "dinas kunci", NULL,
	    "Show the Dinas's authority key (public), or write it to a file for the schools'\n"
	    "'kinerja school init --authority-key FILE'.",
	    client_cmd_dinas_key, { { "out", "out", 0, "write the key to this new file", NULL }, { NULL } } },
	{ "dinas tugaskan", NULL,
	    "Tugaskan (assign) a Plt Kepala Sekolah, Pengawas Sekolah or Kepala Dinas to a school; at the office.\n"
	    "Signed with the Dinas's authority key. A Plt is a Guru of that school (import its records first);\n"
	    "a Pengawas or Kepala Dinas is enrolled in the office ('kinerja user add --role pengawas').\n"
	    "Again for the same person and role: new dates, or --selesai to end it.",
	    client_cmd_simple,
	    { { "sekolah", "school", 1, "NPSN of the school", NULL },
	        { "peran", "role", 1, "plt, pengawas or kepala_dinas", NULL },
	        { "nip", "nip", 1, "NIP of the person", NULL },
	        { "sk", "sk", 0, "nomor SK (required for a Plt)", NULL },
	        { "mulai", "start", 1, "first day, YYYY-MM-DD", NULL },
	        { "selesai", "end", 0, "last day, YYYY-MM-DD [open-ended]", NULL },
	        { NULL } },
	    "dinas.assign", 1, client_print_assignment },
	{ "dinas buka-periode", NULL,
	    "Mulai periode untuk sebuah sekolah (R10: the Dinas opens a school's period); at the office.",
	    client_cmd_simple,
	    { { "sekolah", "school", 1, "NPSN of the school", NULL },
	        { "period", "period", 0, "periode TAHUN-SEMESTER [periode sekarang]", NULL },
	        { "catalog", "catalog", 0, "versi katalog [yang terbaru]", NULL }, { NULL } },
	    "dinas.period_open", 1, client_print_period },
	{ "penugasan", NULL, "Penugasan dari Dinas (assignments): Plt Kepala Sekolah, Pengawas, Kepala Dinas.",
	    client_cmd_simple, { SCHOOL_OPT, { NULL } }, "assignment.list", 1, client_print_assignment_list },
	{ "user add", NULL,
	    "Enroll a teacher (Guru) or principal (Kepala Sekolah). The operator must be logged in;\n"
	    "the person types their own new passphrase when asked.",
	    c_user_add,
	    { { "name", "name", 1, "full name", NULL },
	        { "role", "role", 1, "guru, kepala_sekolah or operator", NULL },
	        PERSON_OPTS("", ""),
	        { "golongan", "golongan", 0, "golongan, e.g. III/a (PNS) or IX (PPPK)", NULL },
	        { "pangkat", "pangkat", 0, "pangkat, e.g. \"Penata Muda\"", NULL },
	        { "jenjang", "jenjang", 0, "jenjang jabatan, e.g. \"Guru Ahli Pertama\"", NULL },
	        DAPODIK_OPTS,
	        { NULL } } },
	{ "user list", NULL, "List the people enrolled in this school.", client_cmd_simple, { { NULL } }, "user.list", 1, client_print_user_list },
	{ "user reset-passphrase", "NIP|NUPTK",
	    "Give a person who forgot their passphrase a one-time passphrase (Operator Sekolah).\n"
	    "It is shown once; at their next login they must choose their own with 'kinerja passwd'.",
	    client_cmd_simple, { { NULL } }, "user.reset_passphrase", 1, client_print_reset, "user" },
	{ "user unlock", "NIP|NUPTK",
	    "Let a person try their passphrase again at once after wrong tries (Operator Sekolah).",
	    client_cmd_simple, { { NULL } }, "user.unlock", 1, client_print_unlock, "user" },
	{ "user edit", "NIP|NUPTK",
	    "Correct a person's Dapodik data (Operator Sekolah): Jenis PTK, naungan, secondment, name, status,\n"
	    "golongan, pangkat, jenjang. A new version of the enrollment; an empty value clears a field.\n"
	    "The NIP, NUPTK and role are not changed here.",
	    client_cmd_simple,
	    { { "name", "name", 0, "full name", NULL },
	        { "status", "status", 0, "status kepegawaian: PNS, PPPK or NON_ASN", NULL },
	        { "golongan", "golongan", 0, "golongan, e.g. III/a (PNS) or IX (PPPK)", NULL },
	        { "pangkat", "pangkat", 0, "pangkat, e.g. \"Penata Muda\"", NULL },
	        { "jenjang", "jenjang", 0, "jenjang jabatan, e.g. \"Guru Ahli Pertama\"", NULL },
	        DAPODIK_OPTS,
	        { NULL } },
	    "user.edit", 1, client_print_user_edit, "user" },
	{ "identitas lihat", NULL,
	    "Lihat data diri (identity): setiap kolom, data Dapodik di sampingnya, siapa yang boleh mengubahnya,\n"
	    "sisa kesempatan mengubah (satu kali), dan kelayakan Anda menyusun SKP.",
	    client_cmd_simple, { { NULL } }, "identity.show", 1, client_print_identity },
	{ "identitas konfirmasi", NULL,
	    "Konfirmasi data diri (\"Data sudah sesuai\"), langkah pertama sebelum menyusun SKP.\n"
	    "Tanpa opsi: data yang tampil di 'identitas lihat' dikonfirmasi apa adanya. Dengan opsi, kolom itu\n"
	    "diubah; mengubah data hanya dapat dilakukan SEKALI. NIP, status, Jenis PTK dan satuan pendidikan\n"
	    "mengikuti Dapodik: Operator Sekolah yang memperbaikinya.",
	    client_cmd_simple,
	    { { "nama", "nama", 0, "nama lengkap dengan gelar (name)", NULL },
	        { "pangkat", "pangkat", 0, "pangkat, mis. \"Penata Muda Tingkat I\"", NULL },
	        { "golongan", "golongan", 0, "golongan, mis. III/b (PNS) atau IX (PPPK)", NULL },
	        { "jenjang", "jenjang", 0, "jenjang jabatan, mis. \"Guru Ahli Muda\"", NULL },
	        { NULL } },
	    "identity.confirm", 1, client_print_identity_confirm },
	{ "kelayakan lihat", NULL,
	    "Lihat kelayakan (eligibility): boleh menyusun SKP di sini atau tidak, alasannya, dan siapa yang\n"
	    "memperbaiki apa. Guru dan Kepala Sekolah di bawah Kemenag, atau ASN yang dipekerjakan di sekolah swasta,\n"
	    "memakai e-Kinerja BKN.",
	    client_cmd_simple,
	    { { "teacher", "teacher", 0, "NIP/NUPTK orang lain (Operator Sekolah, atasan)", NULL }, { NULL } },
	    "eligibility.show", 1, client_print_eligibility },
	{ "login", "NIP|NUPTK", "Log in: unlock your key with your passphrase for a session.", c_login, { { NULL } } },
	{ "passwd", NULL,
	    "Change your passphrase (asks for the current one, then the new one twice).\n"
	    "With --passphrase-fd N or standard input: the current one on the first line, the new one on the second.",
	    c_passwd, { { NULL } } },
	{ "logout", NULL, "End your session and lock your key.", c_logout, { { NULL } } },
	{ "whoami", NULL, "Show who is logged in.", client_cmd_simple, { { NULL } }, "session.info", 1, client_print_whoami },
	{ "catalog show", NULL,
	    "Read a catalog version offline, e.g. before planning (any member).\n"
	    "It shows the RHK and their poin, Tugas Tambahan, the Praktik Kinerja sub-indicators with their fokus\n"
	    "perilaku, dianjurkan and dihindari, the observation scale, Perilaku Kerja, the limits and the calendar.\n"
	    "A text the catalog lacks is shown as missing, never filled in; a conflict shows every candidate.",
	    client_cmd_catalog_show,
	    { { "version", "version", 0, "catalog version (from 'catalog list'; its first 8+ characters will do) [the newest]", NULL },
	        { "sub", "sub", 0, "only this sub-indicator, e.g. keteraturan_suasana_kelas", NULL },
	        { "gaps", "gaps", 0, "only what the catalog does not know, or where sources disagree", NULL, 1 },
	        { NULL } } },
	{ "catalog list", NULL, "List the catalog versions stored in this school, newest first.", client_cmd_simple,
	    { { NULL } }, "catalog.list", 1, client_print_catalog_list },
	{ "catalog add", "FILE",
	    "Store a new catalog version from a catalog file (Operator Sekolah).\n"
	    "For when a new regulation arrives: the version is the BLAKE2b-256 of the file's bytes\n"
	    "(b2sum -l 256 FILE), and earlier versions stay. At the Dinas's office, --sekolah NPSN: the version\n"
	    "for that school, signed with the Dinas's authority key; it reaches the school with its next sync.\n"
	    "--semua: the same for every school this office registered, one line per school; a school that has\n"
	    "the version already is passed over, so running it again after a failure finishes the rest.",
	    client_cmd_catalog_add,
	    { SCHOOL_OPT, { "semua", "all", 0, "di kantor Dinas: untuk setiap sekolah yang didaftarkan kantor ini", NULL, 1 },
	        { NULL } } },
	{ "record get", "ID", "Show one signed record, its signature checked here (for audits and debugging).", c_record,
	    { { NULL } }, "record.get" },
	{ "record history", "ID|TYPE/NPSN/SUBJECT",
	    "Show every version of a record's document, oldest first, each signature checked here.", c_record,
	    { { NULL } }, "record.history" },
	{ "record export", "FILE",
	    "Write the signed records you may carry into FILE (the Operator Sekolah: every record of the school),\n"
	    "to take them to another daemon by hand, e.g. to or from the Dinas.",
	    client_cmd_record_export, { SCHOOL_OPT, { NULL } } },
	{ "record import", "FILE",
	    "Add the signed records of FILE (made by 'record export') to this daemon (Operator Sekolah).\n"
	    "Each is checked like any other write: a forged or out-of-scope record is refused with its reason\n"
	    "and the others are kept; one that waits for records not here yet is kept until they come.",
	    client_cmd_record_import, { { NULL } } },
	{ "evidence upload", "FILE",
	    "Upload a Bukti Dukung file for one slot (an RHK such as rhk-1, or a step such as persiapan).\n"
	    "The slot holds one file: a new upload replaces the old one, which stays in the history.",
	    client_cmd_evidence_upload,
	    { { "slot", "slot", 1, "where the file belongs, e.g. rhk-1, tugas-1, persiapan", NULL },
	        { "period", "period", 0, "YEAR-SEMESTER, e.g. 2026-1 [the current one]", NULL },
	        { "name", "name", 0, "file name to store [the file's own name]", NULL },
	        { NULL } } },
	{ "evidence list", NULL, "Show the Bukti Dukung files of a period and whether they are submitted.", client_cmd_simple,
	    { { "period", "period", 0, "YEAR-SEMESTER [the current one]", NULL },
	        { "teacher", "teacher", 0, "NIP/NUPTK of another teacher (Kepala Sekolah, operator)", NULL }, { NULL } },
	    "evidence.list", 1, client_print_evidence_list },
	{ "evidence history", NULL, "Show every version of the Bukti Dukung of a period, with time and author.", client_cmd_simple,
	    { { "period", "period", 0, "YEAR-SEMESTER [the current one]", NULL },
	        { "teacher", "teacher", 0, "NIP/NUPTK of another teacher (Kepala Sekolah, operator)", NULL },
	        { "slot", "slot", 0, "only this slot", NULL }, { NULL } },
	    "evidence.history", 1, client_print_evidence_history },
	{ "evidence get", NULL, "Write a Bukti Dukung file (the current one, or an earlier version) to disk.", client_cmd_evidence_get,
	    { { "slot", "slot", 1, "the slot, e.g. rhk-1", NULL },
	        { "name", "name", 0, "file name in the slot [the one it holds]", NULL },
	        { "version", "commit", 0, "an earlier version (its id from 'evidence history')", NULL },
	        { "period", "period", 0, "YEAR-SEMESTER [the current one]", NULL },
	        { "teacher", "teacher", 0, "NIP/NUPTK of another teacher (Kepala Sekolah, operator)", NULL },
	        { "output", "output", 0, "where to write [the file's name, in this directory]", NULL },
	        { "force", "force", 0, "overwrite an existing file", NULL, 1 }, { NULL } } },
	{ "evidence submit", NULL, "Submit (Kumpulkan) the Bukti Dukung of a period.", client_cmd_simple,
	    { { "period", "period", 0, "YEAR-SEMESTER [the current one]", NULL }, { NULL } }, "evidence.submit", 1, client_print_evidence_submit },
	{ "evidence verify", NULL, "Check that every evidence version named by a record is present and intact.", client_cmd_evidence_verify,
	    { { "quick", "quick", 0, "check that objects exist without reading every file", NULL, 1 }, { NULL } } },
	{ "periode buka", NULL,
	    "Mulai periode (open the period) untuk sekolah; Kepala Sekolah.\nSesudahnya guru dapat menyusun SKP. "
	    "Tanggal dan batas waktu periode mengikuti kalender katalog.",
	    client_cmd_simple,
	    { PERIOD_OPT, { "catalog", "catalog", 0, "versi katalog (catalog version) [yang terbaru]", NULL }, { NULL } },
	    "period.open", 1, client_print_period },
	{ "periode lihat", NULL, "Lihat periode (show the period): dimulai atau belum, katalog, tanggal, batas waktu.",
	    client_cmd_simple, { PERIOD_OPT, { NULL } }, "period.show", 1, client_print_period },
	{ "rencana simpan", NULL,
	    "Simpan draf SKP (save the plan as a draft), sebanyak yang diperlukan.\n"
	    "Opsi mengubah rencana yang ada: --rhk 1:2 (RHK 1, target kuantitas 2; 1:0 menghapus RHK 1),\n"
	    "--sub ID, --tugas ID:NOMOR-SK, --perilaku ASPEK:NOMOR (atau ASPEK:teks sendiri), --rangkuman TEKS.\n"
	    "Total poin dan apa yang masih kurang langsung ditampilkan.",
	    client_cmd_plan_edit, { PLAN_EDIT_OPTS, { NULL } }, "plan.save", 1, client_print_plan_act },
	{ "rencana ajukan", NULL,
	    "Ajukan SKP kepada atasan (submit the plan); semua masalahnya ditampilkan sekaligus.\n"
	    "Opsi yang sama dengan 'rencana simpan' berlaku dulu. Bila masih ada yang perlu diperbaiki,\n"
	    "SEMUA masalah ditampilkan sekaligus, masing-masing dengan kolomnya, dan SKP tetap draf.",
	    client_cmd_plan_edit, { PLAN_EDIT_OPTS, { NULL } }, "plan.submit", 1, client_print_plan_act },
	{ "rencana setujui", NULL,
	    "Setujui SKP guru (approve), dengan penyesuaian bila perlu; atasan.\n"
	    "Penyesuaian: --rhk 1:3, --tugas ID:NOMOR-SK, --hapus-tugas ID, --perilaku ASPEK:NOMOR,\n"
	    "--ekspektasi ASPEK:TEKS (ekspektasi khusus pimpinan). Guru melihat setiap penyesuaian sebelum menyepakati.",
	    client_cmd_plan_edit,
	    { TEACHER_OPT(1), PERIOD_OPT, RHK_OPT, TUGAS_OPTS, PERILAKU_OPT,
	        { "ekspektasi", "ekspektasi", 0, "ASPEK:TEKS, ekspektasi khusus pimpinan (special expectation)", NULL, 0, 1 },
	        { NULL } },
	    "plan.approve", 1, client_print_plan_act },
	{ "rencana tinjau", NULL, "Tinjau ulang (return the plan) dengan catatan apa yang perlu diperbaiki; atasan.",
	    client_cmd_simple,
	    { TEACHER_OPT(1), PERIOD_OPT, { "note", "note", 1, "catatan untuk guru (note: what to fix)", NULL }, { NULL } },
	    "plan.return", 1, client_print_plan_act },
	{ "rencana sepakati", NULL,
	    "Sepakati SKP yang disetujui atasan (agree); SKP lalu terkunci.\n"
	    "Periksa dulu penyesuaian atasan ('kinerja rencana lihat'). Sesudahnya Bukti Dukung dapat diunggah\n"
	    "ke slot RHK (rhk-1, ...) dan Tugas Tambahan (tugas-1, ...) dalam SKP.",
	    client_cmd_simple, { PERIOD_OPT, { NULL } }, "plan.agree", 1, client_print_plan_act },
	{ "rencana buka", NULL,
	    "Buka kembali SKP yang disetujui atau disepakati (reopen); atasan.\n"
	    "Alasannya (--note) disimpan dalam riwayat; guru memperbaiki dan mengajukan lagi.",
	    client_cmd_simple,
	    { TEACHER_OPT(1), PERIOD_OPT, { "note", "note", 1, "alasan (reason), mis. mutasi atau RHK keliru", NULL }, { NULL } },
	    "plan.reopen", 1, client_print_plan_act },
	{ "rencana lihat", NULL,
	    "Lihat SKP (show the plan): status, isi, poin, kekurangan, penyesuaian, riwayat.",
	    client_cmd_simple, { TEACHER_OPT(0), PERIOD_OPT, { NULL } }, "plan.show", 1, client_print_plan },
	{ "rencana inbox", NULL, "SKP guru yang Anda nilai (the atasan's inbox): yang menunggu, status, poin.",
	    client_cmd_simple, { PERIOD_OPT, { NULL } }, "plan.inbox", 1, client_print_plan_inbox },
	{ "rencana tugas", NULL, "Tugas (tasks): apa yang menunggu Anda, dan apa yang menunggu orang lain.",
	    client_cmd_simple, { PERIOD_OPT, { NULL } }, "plan.tasks", 1, client_print_plan_tasks },
	{ "sync status", NULL,
	    "Status sinkronisasi dengan hub: terakhir berhasil, yang menunggu dikirim, yang sedang berjalan,\n"
	    "tanda terima terakhir dari hub, kesalahan terakhir dan apa yang perlu dilakukan. Di hub anak:\n"
	    "sambungan ke hub induk dan tiap kode (kantor ini, sekolahnya) yang dikirim ke sana.",
	    client_cmd_simple, { { NULL } }, "sync.status", 1, client_print_sync_status },
	{ "sync acts", NULL,
	    "Tindakan Anda yang terakhir dan statusnya (your latest acts and where each stands): tersimpan di sini,\n"
	    "menunggu dikirim, atau diterima hub pada jam berapa.",
	    client_cmd_simple, { { "limit", "limit", 0, "berapa tindakan [20]", NULL }, { NULL } }, "sync.acts", 1,
	    client_print_sync_acts },
	{ "sync now", NULL,
	    "Sinkronkan sekarang dengan hub (sync now) dan tunggu hasilnya.\n"
	    "Hub diatur di konfigurasi kinerjad: sync.hub = HOST:PORT dan sync.hub_key = kunci perangkat hub.\n"
	    "Di hub anak: sinkron ke hub induk (sync.parent, sync.parent_key) untuk kantor ini dan sekolahnya.",
	    client_cmd_simple, { { NULL } }, "sync.now", 1, client_print_sync_now },
	{ "sync export", "FILE",
	    "Tulis ke FILE semua yang belum dimiliki pihak lain (bundel untuk dibawa tanpa jaringan, sneakernet).\n"
	    "Di sekolah (Operator Sekolah): catatan setelah tanda terima terakhir hub, dan bukti dukung.\n"
	    "Di hub (Operator atau Kepala Dinas): catatan hub untuk sekolah --sekolah setelah posisi --setelah\n"
	    "(angka 'diterima s.d.' di 'kinerja sync status' sekolah itu), atau --semua. Bundel ditandatangani kunci perangkat.",
	    client_cmd_sync_export,
	    { { "sekolah", "npsn", 0, "di hub: NPSN sekolah tujuan, 8 angka", NULL },
	      { "setelah", "after", 0, "di hub: posisi 'diterima s.d.' sekolah itu (catatan sesudahnya)", NULL },
	      { "semua", "all", 0, "semua catatan (dan semua bukti dukung), tanpa melihat posisi", NULL, 1 },
	      { "tanda-terima", "receipt_only", 0, "di hub: hanya tanda terima hub untuk bundel terakhir sekolah itu", NULL, 1 },
	      { NULL } } },
	{ "sync import", "FILE",
	    "Terapkan bundel FILE (dibuat 'sync export'): seluruh berkas diperiksa dulu (struktur, jumlah, BLAKE2b,\n"
	    "tanda tangan perangkat sekolah yang terdaftar / hub sekolah ini); berkas terpotong atau diubah ditolak\n"
	    "tanpa ada yang diterapkan. Lalu tiap catatan diperiksa seperti sinkronisasi. Mengimpor dua kali aman.\n"
	    "Di hub, --tanda-terima BERKAS menulis tanda terima untuk sekolah itu; diimpor di sekolah, catatannya\n"
	    "tercatat diterima hub (kinerja sync status, kinerja sync acts).",
	    client_cmd_sync_import,
	    { { "tanda-terima", "receipt", 0, "di hub: tulis tanda terima (bundel) untuk sekolah ke BERKAS ini", NULL },
	      { NULL } } },
	{ "hub daftar", NULL,
	    "Daftarkan (register) sekolah di hub ini: NPSN dan kunci perangkat daemon sekolah; Operator atau\n"
	    "Kepala Dinas di kantor Dinas. Kunci perangkat adalah device_key di 'kinerja status' komputer sekolah.\n"
	    "Ditandatangani kunci otoritas Dinas. Lagi dengan kunci lain: perangkat sekolah diganti.",
	    client_cmd_simple,
	    { { "sekolah", "npsn", 1, "NPSN sekolah, 8 angka", NULL },
	        { "kunci-perangkat", "device", 1, "kunci perangkat sekolah (device_key), 64 hex", NULL }, { NULL } },
	    "hub.register", 1, client_print_hub_registration },
	{ "hub daftar-hub", NULL,
	    "Daftarkan hub anak (misalnya hub kabupaten di bawah hub provinsi) di hub induk ini: kode kantor Dinas\n"
	    "hub anak dan kunci perangkat daemonnya (device_key di 'kinerja status' hub anak); Operator atau Kepala\n"
	    "Dinas. Hub anak lalu sinkron ke sini (sync.parent, sync.parent_key) dan boleh mengirim catatan kantornya\n"
	    "dan sekolah yang terdaftar di sana, catatan saja (berkas bukti tetap di hub anak). Cabut: kinerja hub cabut.",
	    client_cmd_simple,
	    { { "kantor", "npsn", 1, "kode kantor Dinas hub anak, 8 angka", NULL },
	        { "kunci-perangkat", "device", 1, "kunci perangkat hub anak (device_key), 64 hex", NULL }, { NULL } },
	    "hub.register_child", 1, client_print_hub_registration },
	{ "hub cabut", NULL, "Cabut (revoke) pendaftaran sekolah di hub ini: perangkatnya tidak dapat sinkron lagi.",
	    client_cmd_simple, { { "sekolah", "npsn", 1, "NPSN sekolah, 8 angka", NULL }, { NULL } }, "hub.revoke", 1,
	    client_print_hub_registration },
	{ "hub sekolah", NULL,
	    "Sekolah yang dilayani hub ini: pendaftaran, catatan di hub, sinkron terakhir, kesalahan terakhir,\n"
	    "versi perangkat lunak dan selisih jam sekolah.",
	    client_cmd_simple, { { NULL } }, "hub.schools", 1, client_print_hub_schools },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))
/* The global usage: options, then every command with the first line of its summary. */
static void
usage(FILE *fp)
{
	fprintf(fp,
	    "Usage: kinerja [global options] COMMAND [options]\n"
	    "\n"
	    "Kinerja: teacher performance records (Pengelolaan Kinerja Guru) that keep\n"
	    "working offline. This is the command-line client of kinerjad.\n"
	    "\n"
	    "Global options:\n"
	    "  --socket PATH        daemon socket [$KINERJA_SOCKET or var/kinerjad.sock]\n"
	    "  --json               print results as JSON (for scripts)\n"
	    "  --passphrase-fd N    read passphrases from file descriptor N (for scripts)\n"
	    "  -h, --help           this help; COMMAND --help for one command\n"
	    "  -V, --version        print the version\n"
	    "\n"
	    "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char first[80];
		snprintf(first, sizeof(first), "%s%s%s", commands[i].name, commands[i].args ? " " : "",
		    commands[i].args ? commands[i].args : "");
		size_t n = strcspn(commands[i].summary, "\n");
		fprintf(fp, "  %-32s %.*s\n", first, (int)n, commands[i].summary);
	}
	fprintf(fp,
	    "\n"
	    "A first session:\n"
	    "  kinerja school init --npsn 20100001 --name \"SD Negeri 1 Contoh\" --operator-name \"Siti\" --operator-nuptk 1234567890123456\n"
	    "  kinerja login 1234567890123456\n"
	    "  kinerja user add --name \"Budi Santoso\" --role guru --nip 198501012010011001 --golongan III/b\n"
	    "  kinerja user list\n");
}

/*
 * The commands of a group ("user", "evidence", "catalog") with the first
 * line of each summary, to fp; 0 when group names no group.
 */
static int
group_usage(FILE *fp, const char *group)
{
	int any = 0;

	for (size_t k = 0; k < NCOMMANDS; k++) {
		const char *name = commands[k].name, *sp = strchr(name, ' ');
		char first[80];
		if (!sp || strlen(group) != (size_t)(sp - name) || strncmp(group, name, (size_t)(sp - name)) != 0)
			continue;
		if (!any)
			fprintf(fp, "Usage: kinerja [global options] %s COMMAND [options]\n\nCommands:\n", group);
		any = 1;
		snprintf(first, sizeof(first), "%s%s%s", name, commands[k].args ? " " : "", commands[k].args ? commands[k].args : "");
		size_t n = strcspn(commands[k].summary, "\n");
		fprintf(fp, "  %-32s %.*s\n", first, (int)n, commands[k].summary);
	}
	if (any)
		fprintf(fp, "\n'kinerja %s COMMAND --help' describes one of them.\n", group);
	return any;
}

/* Parse a command's options and positional arguments, then run it. */
/*
 * A mistake on the command line: "kinerja[ COMMAND]: " and the message of
 * code (params as for domain_msg_render) on stderr. Returns 2, the exit
 * status of a usage error.
 */
static int
usage_error(const char *cmd, const char *code, const char *const *params)
{
	char msg[DOMAIN_MSG_MAX];

	domain_msg_render(msg, sizeof(msg), code, params);
	fprintf(stderr, "kinerja%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", msg);
	return 2;
}

static int
run_command(const kc_cmd *cmd, int argc, char **argv)
{
	kc_cmd c = *cmd;
	char *pos[8], help[96], max[16];
	int npos = 0;

	snprintf(help, sizeof(help), "kinerja %s --help", c.name);
	snprintf(max, sizeof(max), "%d", KC_MULTI_MAX);

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			client_cmd_usage(stdout, &c);
			return 0;
		}
		if (strcmp(a, "--json") == 0) {
			client_g.json = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			if (npos == 8) {
				const char *p[] = { "bantuan", help, NULL };
				return usage_error(c.name, "CLI_ARGUMEN_TERLALU_BANYAK", p);
			}
			pos[npos++] = argv[i];
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t n = eq ? (size_t)(eq - name) : strlen(name);
		kc_opt *o;
		for (o = c.opts; o->flag; o++)
			if (strlen(o->flag) == n && strncmp(o->flag, name, n) == 0)
				break;
		if (!o->flag) {
			const char *p[] = { "opsi", a, "bantuan", help, NULL };
			return usage_error(c.name, "CLI_OPSI_TIDAK_DIKENAL", p);
		}
		if (o->is_flag) {
			o->value = "1";
		} else if (eq) {
			o->value = eq + 1;
		} else if (i + 1 < argc) {
			o->value = argv[++i];
		} else {
			const char *p[] = { "opsi", a, "bantuan", help, NULL };
			return usage_error(c.name, "CLI_OPSI_PERLU_NILAI", p);
		}
		if (o->multi) {
			if (o->nvalues == KC_MULTI_MAX) {
				const char *p[] = { "opsi", o->flag, "maks", max, NULL };
				return usage_error(c.name, "CLI_OPSI_TERLALU_SERING", p);
			}
			o->values[o->nvalues++] = o->value;
		}
	}
	for (kc_opt *o = c.opts; o->flag; o++) {
		if (o->required && !o->value) {
			const char *p[] = { "opsi", o->flag, "arti", o->help, "bantuan", help, NULL };
			return usage_error(c.name, "CLI_OPSI_WAJIB", p);
		}
	}
	if (!c.args && npos) {
		const char *p[] = { "argumen", pos[0], "bantuan", help, NULL };
		return usage_error(c.name, "CLI_ARGUMEN_TAK_TERDUGA", p);
	}
	return c.run(&c, c.opts, npos, pos);
}

/* Global options, then the longest matching command name ("user add" before "user"). */
int
main(int argc, char **argv)
{
	int i;

	if (sodium_init() < 0) {
		fprintf(stderr, "kinerja: libsodium cannot start\n");
		return 1;
	}

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("kinerja %s\n", KC_VERSION);
			return 0;
		} else if (strcmp(a, "--json") == 0) {
			client_g.json = 1;
		} else if (strncmp(a, "--socket=", 9) == 0) {
			client_g.socket = a + 9;
		} else if (strcmp(a, "--socket") == 0 || strcmp(a, "--passphrase-fd") == 0) {
			if (i + 1 >= argc) {
				const char *p[] = { "opsi", a, "bantuan", "kinerja --help", NULL };
				return usage_error(NULL, "CLI_OPSI_PERLU_NILAI", p);
			}
			if (strcmp(a, "--socket") == 0) {
				client_g.socket = argv[++i];
				continue;
			}
			char *end;
			long fd = strtol(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end != '\0' || fd < 0 || fd > 1023) {
				const char *p[] = { "nilai", argv[i], NULL };
				return usage_error(NULL, "CLI_FD_SANDI", p);
			}
			client_g.pass_fd = (int)fd;
		} else {
			const char *p[] = { "opsi", a, "bantuan", "kinerja --help", NULL };
			return usage_error(NULL, "CLI_OPSI_TIDAK_DIKENAL", p);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	/* The English names the hub's commands were first specified with, as aliases. */
	static const char *const aliases[][3] = {
		{ "hub", "schools", "sekolah" }, { "hub", "register", "daftar" }, { "hub", "revoke", "cabut" },
	};
	for (size_t k = 0; i + 1 < argc && k < sizeof(aliases) / sizeof(aliases[0]); k++)
		if (strcmp(argv[i], aliases[k][0]) == 0 && strcmp(argv[i + 1], aliases[k][1]) == 0)
			argv[i + 1] = (char *)aliases[k][2];
	/* Match the longest command name: "user add" before "user". */
	for (size_t k = 0; k < NCOMMANDS; k++) {
		const char *name = commands[k].name, *sp = strchr(name, ' ');
		if (sp) {
			if (i + 1 < argc && strlen(argv[i]) == (size_t)(sp - name) && strncmp(argv[i], name, (size_t)(sp - name)) == 0 &&
			    strcmp(argv[i + 1], sp + 1) == 0)
				return run_command(&commands[k], argc - i - 2, argv + i + 2);
		} else if (strcmp(argv[i], name) == 0) {
			return run_command(&commands[k], argc - i - 1, argv + i + 1);
		}
	}
	/* "kinerja user --help" lists the group's commands; "kinerja user" alone (or with a typo) too, as an error */
	int help = i + 1 < argc && (strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0);
	if (group_usage(help ? stdout : stderr, argv[i]))
		return help ? 0 : 2;
	const char *p[] = { "perintah", argv[i], NULL };
	return usage_error(NULL, "CLI_PERINTAH_TIDAK_DIKENAL", p);
}
