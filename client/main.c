/*
 * main.c - kinerja, the command-line client of kinerjad.
 *
 * Every subcommand is one RPC call (login/logout also keep the session
 * token in a file of mode 0600). --json prints the daemon's result as JSON
 * for scripts; without it the output is for people.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/mpmap.h"
#include "client.h"

#define KC_VERSION "0.1.0"

static struct {
	const char *socket;
	int json;
	int pass_fd;
} g = { NULL, 0, -1 };

/* Options of a subcommand: --name VALUE (or --name=VALUE). */
typedef struct {
	const char *flag;   /* without "--" */
	const char *arg;    /* RPC argument name */
	int required;
	const char *help;
	const char *value;  /* parsed */
	int is_flag;        /* takes no value */
} kc_opt;

typedef struct kc_cmd {
	const char *name;   /* "user add" */
	const char *args;   /* positional usage, e.g. "NIP|NUPTK" */
	const char *summary;
	int (*run)(const struct kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
	kc_opt opts[12];
	/* for c_simple: the method, whether it needs the session token, the printer */
	const char *method;
	int token;
	void (*print)(const msgpack_object *r);
} kc_cmd;

static void
cmd_usage(FILE *fp, const kc_cmd *c)
{
	fprintf(fp, "Usage: kinerja [global options] %s%s%s%s\n\n%s\n", c->name, c->opts[0].flag ? " [options]" : "",
	    c->args ? " " : "", c->args ? c->args : "", c->summary);
	if (c->opts[0].flag) {
		fprintf(fp, "\nOptions:\n");
		for (const kc_opt *o = c->opts; o->flag; o++)
			fprintf(fp, "  --%-18s %s%s\n", o->flag, o->help, o->required ? " (required)" : "");
	}
}

static int
fail(void)
{
	if (g.json) {
		printf("{\"error\": {\"code\": \"%s\", \"message\": ", kn_error_code_name(kn_error_last_code()));
		msgpack_object s = { .type = MSGPACK_OBJECT_STR };
		s.via.str.ptr = kn_error_message();
		s.via.str.size = (uint32_t)strlen(kn_error_message());
		client_json(stdout, &s, -1);
		printf("}\n");
	}
	fprintf(stderr, "kinerja: %s", kn_error_message());
	if (kn_error_field()[0])
		fprintf(stderr, " [%s]", kn_error_field());
	fputc('\n', stderr);
	return kn_error_last_code() == KN_ENOTFOUND && strcmp(kn_error_field(), "socket") == 0 ? 3 : 1;
}

static const char *
socket_path(void)
{
	if (g.socket)
		return g.socket;
	const char *env = getenv("KINERJA_SOCKET");
	return env && *env ? env : "var/kinerjad.sock";
}

/* Where the session token is kept between commands. */
static void
session_path(char *out, size_t outsz)
{
	const char *env = getenv("KINERJA_SESSION");
	const char *home = getenv("HOME");

	if (env && *env)
		snprintf(out, outsz, "%s", env);
	else
		snprintf(out, outsz, "%s/.kinerja-session", home && *home ? home : ".");
}

/* The socket as an absolute path, so a token is never sent to another daemon. */
static void
socket_abs(char *out, size_t n)
{
	char buf[PATH_MAX];
	if (realpath(socket_path(), buf))
		snprintf(out, n, "%s", buf);
	else
		snprintf(out, n, "%s", socket_path());
}

/* The saved token, when it was saved for this socket; "" otherwise. */
static void
session_load(char *token, size_t tsz)
{
	char path[512], line[PATH_MAX + 100], sock[PATH_MAX];
	FILE *fp;
	int fd;

	token[0] = '\0';
	session_path(path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (fp = fdopen(fd, "r")) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	socket_abs(sock, sizeof(sock));
	if (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		char *sp = strchr(line, ' ');
		if (sp && strcmp(sp + 1, sock) == 0 && (size_t)(sp - line) < tsz) {
			memcpy(token, line, (size_t)(sp - line));
			token[sp - line] = '\0';
		}
	}
	explicit_bzero(line, sizeof(line));
	fclose(fp);
}

static int
session_save(const char *token)
{
	char path[512], sock[PATH_MAX];
	session_path(path, sizeof(path));
	socket_abs(sock, sizeof(sock));
	unlink(path); /* never write through a file or link someone else placed there */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return kn_error_set(KN_ERROR, "session", "cannot save the session in %s: %s", path, strerror(errno));
	int bad = dprintf(fd, "%s %s\n", token, sock) < 0;
	bad |= close(fd) != 0;
	if (bad) {
		unlink(path);
		return kn_error_set(KN_ERROR, "session", "cannot save the session in %s: %s", path, strerror(errno));
	}
	return 0;
}

/* Pack the parsed options (and extra key/values) as the argument map. */
static void
pack_args(kn_buf *out, const kc_opt *opts, const char **extra)
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
static int
call(client_conn *c, const msgpack_object **res, const char *method, const kn_buf *args)
{
	int rc = client_connect(c, socket_path());
	if (rc == 0)
		rc = client_call(res, c, method, args);
	if (rc == 0 && g.json)
		client_json(stdout, *res, 2);
	return rc;
}

static void
human_bytes(char *out, size_t outsz, uint64_t n)
{
	if (n >= (1ull << 30))
		snprintf(out, outsz, "%.1f GiB", (double)n / (1ull << 30));
	else if (n >= (1ull << 20))
		snprintf(out, outsz, "%.1f MiB", (double)n / (1ull << 20));
	else
		snprintf(out, outsz, "%.1f KiB", (double)n / 1024);
}

static void
p_status(const msgpack_object *r)
{
	char b1[128], b2[32], b3[32];
	const msgpack_object *school = kn_map_get(r, "school");
	const msgpack_object *st = kn_map_get(r, "store");
	uint64_t up = client_u64(r, "uptime_s");
	printf("kinerjad %s, peran %s, socket %s\n", client_str(r, "version", b1, sizeof(b1)),
	    client_str(r, "role", b2, sizeof(b2)), socket_path());
	if (school && school->type == MSGPACK_OBJECT_MAP) {
		char npsn[16];
		printf("Sekolah:  %s  %s\n", client_str(school, "npsn", npsn, sizeof(npsn)),
		    client_str(school, "name", b1, sizeof(b1)));
	} else {
		printf("Sekolah:  (belum ada) - set it up with: kinerja school init --help\n");
	}
	human_bytes(b2, sizeof(b2), client_u64(st, "size_bytes"));
	human_bytes(b3, sizeof(b3), client_u64(st, "map_bytes"));
	printf("Store:    %s, %llu records, %s used of %s, schema %llu\n", client_str(st, "dir", b1, sizeof(b1)),
	    (unsigned long long)client_u64(st, "records"), b2, b3, (unsigned long long)client_u64(st, "schema"));
	printf("Uptime:   %lluh %02llum %02llus, %llu client(s), %llu session(s), %llu commit(s)\n",
	    (unsigned long long)(up / 3600), (unsigned long long)(up / 60 % 60), (unsigned long long)(up % 60),
	    (unsigned long long)client_u64(r, "clients"), (unsigned long long)client_u64(r, "sessions"),
	    (unsigned long long)client_u64(st, "commits"));
}

static int
read_new_passphrase(char *out, size_t outsz, const char *whose)
{
	char prompt[400];
	snprintf(prompt, sizeof(prompt), "New passphrase for %.200s (at least 8 characters): ", whose);
	return client_passphrase(out, outsz, prompt, g.pass_fd, 1);
}

static void
print_user(const msgpack_object *u)
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

static int
c_school_init(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	char pass[1100], name[128];
	kn_buf args = KN_BUF_INIT;
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	int rc;
	(void)cmd;
	(void)argc;
	(void)argv;

	rc = read_new_passphrase(pass, sizeof(pass), "the Operator Sekolah");
	if (rc)
		return fail();
	const char *extra[] = { "passphrase", pass, NULL };
	pack_args(&args, opts, extra);
	explicit_bzero(pass, sizeof(pass));
	rc = call(&c, &r, "school.init", &args);
	if (rc == 0 && !g.json) {
		char npsn[16], id[32];
		const msgpack_object *op = kn_map_get(r, "operator");
		client_str(op, "nip", id, sizeof(id));
		if (!id[0])
			client_str(op, "nuptk", id, sizeof(id));
		char opname[128];
		printf("Sekolah %s (%s) siap. Operator Sekolah: %s\n", client_str(r, "name", name, sizeof(name)),
		    client_str(r, "npsn", npsn, sizeof(npsn)), client_str(op, "name", opname, sizeof(opname)));
		printf("Next: log in as the operator with 'kinerja login %s', then add teachers with 'kinerja user add'.\n", id);
	}
	explicit_bzero(args.ptr, args.len);
	kn_buf_free(&args);
	client_close(&c);
	return rc ? fail() : 0;
}

static int
c_user_add(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	char pass[1100], token[80], who[200];
	kn_buf args = KN_BUF_INIT;
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	int rc;
	(void)cmd;
	(void)argc;
	(void)argv;

	session_load(token, sizeof(token));
	if (!token[0]) {
		kn_error_set(KN_EAUTH, "token", "you are not logged in: the Operator Sekolah runs 'kinerja login NIP' first");
		return fail();
	}
	snprintf(who, sizeof(who), "%.199s", opts[0].value);
	rc = read_new_passphrase(pass, sizeof(pass), who);
	if (rc)
		return fail();
	const char *extra[] = { "passphrase", pass, "token", token, NULL };
	pack_args(&args, opts, extra);
	explicit_bzero(pass, sizeof(pass));
	rc = call(&c, &r, "user.add", &args);
	if (rc == 0 && !g.json) {
		char name[128], role[64], id[32];
		client_str(r, "nip", id, sizeof(id));
		if (!id[0])
			client_str(r, "nuptk", id, sizeof(id));
		printf("%s ditambahkan sebagai %s. They log in with 'kinerja login %s'.\n",
		    client_str(r, "name", name, sizeof(name)), client_str(r, "role_label", role, sizeof(role)), id);
	}
	explicit_bzero(args.ptr, args.len);
	kn_buf_free(&args);
	client_close(&c);
	return rc ? fail() : 0;
}

static void
p_user_list(const msgpack_object *r)
{
	const msgpack_object *us = kn_map_get(r, "users");
	printf("%-28s %-16s %-8s %-18s %-6s %-18s %s\n", "Nama", "Peran", "Status", "NIP/NUPTK", "Gol.", "Jenjang",
	    "Kunci");
	for (uint32_t i = 0; us && i < us->via.array.size; i++)
		print_user(&us->via.array.ptr[i]);
	printf("(%u orang)\n", us ? us->via.array.size : 0);
}

static int
c_login(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	char pass[1100], prompt[128];
	kn_buf args = KN_BUF_INIT;
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	int rc;
	(void)opts;

	if (argc != 1) {
		cmd_usage(stderr, cmd);
		return 2;
	}
	snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", argv[0]);
	rc = client_passphrase(pass, sizeof(pass), prompt, g.pass_fd, 0);
	if (rc)
		return fail();
	const char *extra[] = { "user", argv[0], "passphrase", pass, NULL };
	pack_args(&args, NULL, extra);
	explicit_bzero(pass, sizeof(pass));
	rc = call(&c, &r, "session.login", &args);
	if (rc == 0) {
		char token[80], name[128], role[64];
		rc = session_save(client_str(r, "token", token, sizeof(token)));
		explicit_bzero(token, sizeof(token));
		if (rc == 0 && !g.json) {
			time_t until = (time_t)(client_u64(r, "expires_ms") / 1000);
			char when[32];
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime(&until));
			printf("Selamat datang, %s (%s). Session valid until %s.\n", client_str(r, "name", name, sizeof(name)),
			    client_str(r, "role_label", role, sizeof(role)), when);
		}
	}
	explicit_bzero(args.ptr, args.len);
	kn_buf_free(&args);
	client_close(&c);
	return rc ? fail() : 0;
}

static int
with_token(const char *method, const msgpack_object **r, client_conn *c)
{
	char token[80];
	kn_buf args = KN_BUF_INIT;

	session_load(token, sizeof(token));
	if (!token[0])
		return kn_error_set(KN_EAUTH, "token", "you are not logged in: run 'kinerja login NIP' first");
	const char *extra[] = { "token", token, NULL };
	pack_args(&args, NULL, extra);
	int rc = call(c, r, method, &args);
	kn_buf_free(&args);
	return rc;
}

static int
c_logout(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	char path[512];
	(void)cmd;
	(void)opts;
	(void)argc;
	(void)argv;

	int rc = with_token("session.logout", &r, &c);
	client_close(&c);
	session_path(path, sizeof(path));
	if (rc == 0 || kn_error_last_code() == KN_EAUTH)
		unlink(path);
	if (rc == 0 && !g.json)
		printf("Logged out; your key is locked again.\n");
	return rc ? fail() : 0;
}

static void
p_whoami(const msgpack_object *r)
{
	char name[128], role[64], npsn[16];
	printf("%s, %s, sekolah %s\n", client_str(r, "name", name, sizeof(name)),
	    client_str(r, "role_label", role, sizeof(role)), client_str(r, "npsn", npsn, sizeof(npsn)));
}

static void
print_record(const msgpack_object *r)
{
	char id[80], type[40], doc[200], author[80];
	time_t t = (time_t)(client_u64(r, "time_ms") / 1000);
	char when[32];
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
	printf("record %s\n  type %s, document %s\n  author %s, time %s\n", client_str(r, "id", id, sizeof(id)),
	    client_str(r, "type", type, sizeof(type)), client_str(r, "doc", doc, sizeof(doc)),
	    client_str(r, "author", author, sizeof(author)), when);
	const msgpack_object *p = kn_map_get(r, "parents");
	for (uint32_t i = 0; p && i < p->via.array.size; i++)
		printf("  replaces %.*s\n", (int)p->via.array.ptr[i].via.str.size, p->via.array.ptr[i].via.str.ptr);
	printf("  body ");
	client_json(stdout, kn_map_get(r, "body"), -1);
	printf("  signature verified\n");
}

static void
p_record_history(const msgpack_object *r)
{
	const msgpack_object *rs = kn_map_get(r, "records");
	for (uint32_t i = 0; rs && i < rs->via.array.size; i++)
		print_record(&rs->via.array.ptr[i]);
}

static int
need_token(char *token, size_t n)
{
	session_load(token, n);
	if (!token[0])
		return kn_error_set(KN_EAUTH, "token", "you are not logged in: run 'kinerja login NIP' first");
	return 0;
}

/* record get ID / record history ID|DOC: one call on one argument. */
static int
c_record(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	kn_buf args = KN_BUF_INIT;
	(void)opts;

	if (argc != 1) {
		cmd_usage(stderr, cmd);
		return 2;
	}
	char token[80];
	if (need_token(token, sizeof(token)))
		return fail();
	const char *extra[] = { strchr(argv[0], '/') ? "doc" : "id", argv[0], "token", token, NULL };
	pack_args(&args, NULL, extra);
	explicit_bzero(token, sizeof(token));
	int rc = call(&c, &r, cmd->method, &args);
	if (rc == 0 && !g.json)
		cmd->print(r);
	kn_buf_free(&args);
	client_close(&c);
	return rc ? fail() : 0;
}


static const char *
opt(const kc_opt *opts, const char *flag)
{
	for (const kc_opt *o = opts; o->flag; o++)
		if (strcmp(o->flag, flag) == 0)
			return o->value;
	return NULL;
}


static const char *
state_label(const char *state)
{
	if (strcmp(state, "draf") == 0)
		return "Draf (belum dikumpulkan)";
	if (strcmp(state, "dikumpulkan") == 0)
		return "Sudah dikumpulkan";
	return "Belum ada Bukti Dukung";
}

static int
c_ev_upload(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	char token[80], namebuf[256];
	int rc;

	if (argc != 1) {
		cmd_usage(stderr, cmd);
		return 2;
	}
	if (need_token(token, sizeof(token)))
		return fail();
	const char *name = opt(opts, "name");
	if (name == NULL) {
		const char *slash = strrchr(argv[0], '/');
		snprintf(namebuf, sizeof(namebuf), "%s", slash ? slash + 1 : argv[0]);
		name = namebuf;
	}
	rc = client_connect(&c, socket_path());
	if (rc == 0)
		rc = client_evidence_upload(&c, &r, token, argv[0], opt(opts, "period"), opt(opts, "slot"), name, g.json);
	if (rc == 0 && g.json)
		client_json(stdout, r, 2);
	else if (rc == 0) {
		char slot[40], nm[140], type[16], size[32], period[16], replaced[140];
		const msgpack_object *dd = kn_map_get(r, "dedup"), *un = kn_map_get(r, "unchanged");
		client_str(r, "slot", slot, sizeof(slot));
		client_str(r, "name", nm, sizeof(nm));
		client_str(r, "period", period, sizeof(period));
		client_str(r, "replaced", replaced, sizeof(replaced));
		client_mb(size, sizeof(size), client_u64(r, "size"));
		if (un && un->via.boolean) {
			printf("Slot %s already holds this exact file (%s); nothing changed.\n", slot, nm);
		} else {
			printf("Bukti Dukung %s/%s tersimpan (%s, %s), periode %s. Status: draf.\n", slot, nm, size,
			    client_str(r, "type", type, sizeof(type)), period);
			if (dd && dd->via.boolean)
				printf("The same file was stored before (identical content): it is kept once, not copied.\n");
			if (replaced[0])
				printf("It replaces %s, which stays in the history (kinerja evidence history --slot %s).\n", replaced, slot);
			printf("Next: when all files are in, submit them with 'kinerja evidence submit --period %s'.\n", period);
		}
	}
	client_close(&c);
	return rc ? fail() : 0;
}

/* One call with string options (and the token) as its arguments. */
static int
ev_call(client_conn *c, const msgpack_object **r, const char *method, kc_opt *opts, const char **extra)
{
	char token[80];
	kn_buf args = KN_BUF_INIT;
	const char *ex[16];
	size_t n = 0;

	if (need_token(token, sizeof(token)))
		return KN_EAUTH;
	ex[n++] = "token";
	ex[n++] = token;
	for (const char **e = extra; e && *e && n < 14; e += 2) {
		ex[n++] = e[0];
		ex[n++] = e[1];
	}
	ex[n] = NULL;
	pack_args(&args, opts, ex);
	int rc = call(c, r, method, &args);
	kn_buf_free(&args);
	return rc;
}

static void
p_ev_list(const msgpack_object *r)
{
	char period[16], teacher[128], state[32], size[32], slot[40], name[140];
	const msgpack_object *fs = kn_map_get(r, "files");
	printf("Bukti Dukung %s, periode %s: %s\n", client_str(r, "teacher", teacher, sizeof(teacher)),
	    client_str(r, "period", period, sizeof(period)), state_label(client_str(r, "state", state, sizeof(state))));
	for (uint32_t i = 0; fs && i < fs->via.array.size; i++) {
		const msgpack_object *f = &fs->via.array.ptr[i];
		client_mb(size, sizeof(size), client_u64(f, "size"));
		printf("  %-12s %-40s %10s\n", client_str(f, "slot", slot, sizeof(slot)), client_str(f, "name", name, sizeof(name)),
		    size);
	}
	if (fs && fs->via.array.size == 0)
		printf("  (no files yet: kinerja evidence upload FILE --slot rhk-1)\n");
}

static void
p_ev_history(const msgpack_object *r)
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

static void
p_ev_submit(const msgpack_object *r)
{
	char period[16];
	const msgpack_object *al = kn_map_get(r, "already");
	printf("Bukti Dukung periode %s %s.\n", client_str(r, "period", period, sizeof(period)),
	    al && al->via.boolean ? "was already submitted; nothing changed" : "dikumpulkan (submitted)");
}

/* The file name a slot holds now, or held in a version. */
static int
ev_name_of(char *out, size_t n, kc_opt *opts)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	const char *slot = opt(opts, "slot"), *version = opt(opts, "version");
	int rc, found = 0;

	if (version) {
		rc = ev_call(&c, &r, "evidence.history", opts, NULL);
		const msgpack_object *vs = rc == 0 ? kn_map_get(r, "versions") : NULL;
		/* the newest upload to the slot at or before that version */
		for (uint32_t i = 0; vs && i < vs->via.array.size; i++) {
			char s[40], cm[48], nm[140];
			const msgpack_object *v = &vs->via.array.ptr[i];
			client_str(v, "slot", s, sizeof(s));
			client_str(v, "name", nm, sizeof(nm));
			if (strcmp(s, slot) == 0 && nm[0]) {
				snprintf(out, n, "%s", nm);
				found = 1;
			}
			if (strncmp(client_str(v, "commit", cm, sizeof(cm)), version, strlen(version)) == 0)
				break;
		}
	} else {
		/* keep g.json quiet for this lookup */
		int json = g.json;
		g.json = 0;
		rc = ev_call(&c, &r, "evidence.list", opts, NULL);
		g.json = json;
		const msgpack_object *fs = rc == 0 ? kn_map_get(r, "files") : NULL;
		for (uint32_t i = 0; fs && i < fs->via.array.size; i++) {
			char s[40];
			if (strcmp(client_str(&fs->via.array.ptr[i], "slot", s, sizeof(s)), slot) == 0) {
				client_str(&fs->via.array.ptr[i], "name", out, n);
				found = 1;
			}
		}
	}
	client_close(&c);
	if (rc == 0 && !found)
		rc = kn_error_set(KN_ENOTFOUND, "slot", "slot %s holds no file%s", slot, version ? " in that version" : "");
	return rc;
}

static int
c_ev_get(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	char token[80], name[256];
	uint64_t n = 0;
	int rc;
	(void)cmd;
	(void)argc;
	(void)argv;

	if (need_token(token, sizeof(token)))
		return fail();
	/* g.json suppressed while looking the name up; the final result is printed below */
	int json = g.json;
	g.json = 0;
	if (opt(opts, "name"))
		snprintf(name, sizeof(name), "%s", opt(opts, "name"));
	else if ((rc = ev_name_of(name, sizeof(name), opts))) {
		g.json = json;
		return fail();
	}
	g.json = json;
	const char *out = opt(opts, "output") ? opt(opts, "output") : name;
	rc = client_connect(&c, socket_path());
	if (rc == 0)
		rc = client_evidence_get(&c, token, opt(opts, "period"), opt(opts, "teacher"), opt(opts, "slot"), name,
		    opt(opts, "version"), out, opt(opts, "force") != NULL, &n);
	client_close(&c);
	if (rc)
		return fail();
	if (g.json)
		printf("{\"output\": \"%s\", \"bytes\": %llu}\n", out, (unsigned long long)n);
	else
		printf("Wrote %s (%llu bytes).\n", out, (unsigned long long)n);
	return 0;
}

static int
c_ev_verify(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	kn_buf args = KN_BUF_INIT;
	msgpack_packer pk;
	(void)cmd;
	(void)argc;
	(void)argv;

	char token[80];
	if (need_token(token, sizeof(token)))
		return fail();
	msgpack_packer_init(&pk, &args, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str(&pk, 5);
	msgpack_pack_str_body(&pk, "token", 5);
	msgpack_pack_str(&pk, strlen(token));
	msgpack_pack_str_body(&pk, token, strlen(token));
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "deep", 4);
	if (opt(opts, "quick"))
		msgpack_pack_false(&pk);
	else
		msgpack_pack_true(&pk);
	int rc = call(&c, &r, "evidence.verify", &args);
	kn_buf_free(&args);
	if (rc == 0) {
		const msgpack_object *ps = kn_map_get(r, "problems");
		uint32_t np = ps ? ps->via.array.size : 0;
		if (!g.json) {
			char repo[300];
			printf("Checked %llu commits of %llu evidence documents in %s (%s): %s\n",
			    (unsigned long long)client_u64(r, "commits"), (unsigned long long)client_u64(r, "documents"),
			    client_str(r, "repository", repo, sizeof(repo)), opt(opts, "quick") ? "quick" : "every file read",
			    np ? "PROBLEMS FOUND" : "all intact");
			for (uint32_t i = 0; i < np; i++)
				printf("  %.*s\n", (int)ps->via.array.ptr[i].via.str.size, ps->via.array.ptr[i].via.str.ptr);
		}
		if (np)
			rc = kn_error_set(KN_EBADREC, "", "%u problem(s) in the evidence repository", np);
	}
	client_close(&c);
	return rc ? fail() : 0;
}

/* A command that is one call: its options (and the token) in, the result printed. */
static int
c_simple(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	int rc;
	(void)argc;
	(void)argv;

	if (cmd->token)
		rc = ev_call(&c, &r, cmd->method, opts, NULL);
	else
		rc = call(&c, &r, cmd->method, NULL);
	if (rc == 0 && !g.json)
		cmd->print(r);
	client_close(&c);
	return rc ? fail() : 0;
}

#define PERSON_OPTS(pfx, hp)                                                                         \
	{ "nip", pfx "nip", 0, "NIP, 18 digits (ASN: PNS or PPPK)", NULL },                               \
	{ "nuptk", pfx "nuptk", 0, "NUPTK, 16 digits (needed when there is no NIP)", NULL },              \
	{ "status", pfx "status", 0, "status kepegawaian: PNS, PPPK or NON_ASN [PNS with NIP]", NULL }

static kc_cmd commands[] = {
	{ "status", NULL, "Show the daemon, the school and the store.", c_simple, { { NULL } }, "status", 0, p_status },
	{ "school init", NULL,
	    "Set up this machine's school and its Operator Sekolah (asks for the operator's new passphrase).",
	    c_school_init,
	    { { "npsn", "npsn", 1, "NPSN of the school, 8 digits", NULL },
	        { "name", "name", 1, "name of the school, e.g. \"SD Negeri 1 Contoh\"", NULL },
	        { "operator-name", "operator_name", 1, "full name of the Operator Sekolah", NULL },
	        { "operator-nip", "operator_nip", 0, "operator's NIP, 18 digits (ASN)", NULL },
	        { "operator-nuptk", "operator_nuptk", 0, "operator's NUPTK, 16 digits", NULL },
	        { "operator-status", "operator_status", 0, "PNS, PPPK or NON_ASN [PNS with NIP]", NULL },
	        { NULL } } },
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
	        { NULL } } },
	{ "user list", NULL, "List the people enrolled in this school.", c_simple, { { NULL } }, "user.list", 1, p_user_list },
	{ "login", "NIP|NUPTK", "Log in: unlock your key with your passphrase for a session.", c_login, { { NULL } } },
	{ "logout", NULL, "End your session and lock your key.", c_logout, { { NULL } } },
	{ "whoami", NULL, "Show who is logged in.", c_simple, { { NULL } }, "session.info", 1, p_whoami },
	{ "record get", "ID", "Show one signed record (for audits and debugging).", c_record, { { NULL } }, "record.get", 0,
	    print_record },
	{ "record history", "ID|TYPE/NPSN/SUBJECT", "Show every version of a record's document, oldest first.",
	    c_record, { { NULL } }, "record.history", 0, p_record_history },
	{ "evidence upload", "FILE",
	    "Upload a Bukti Dukung file for one slot (an RHK such as rhk-1, or a step such as persiapan).\n"
	    "The slot holds one file: a new upload replaces the old one, which stays in the history.",
	    c_ev_upload,
	    { { "slot", "slot", 1, "where the file belongs, e.g. rhk-1, tugas-1, persiapan", NULL },
	        { "period", "period", 0, "YEAR-SEMESTER, e.g. 2026-1 [the current one]", NULL },
	        { "name", "name", 0, "file name to store [the file's own name]", NULL },
	        { NULL } } },
	{ "evidence list", NULL, "Show the Bukti Dukung files of a period and whether they are submitted.", c_simple,
	    { { "period", "period", 0, "YEAR-SEMESTER [the current one]", NULL },
	        { "teacher", "teacher", 0, "NIP/NUPTK of another teacher (Kepala Sekolah, operator)", NULL }, { NULL } },
	    "evidence.list", 1, p_ev_list },
	{ "evidence history", NULL, "Show every version of the Bukti Dukung of a period, with time and author.", c_simple,
	    { { "period", "period", 0, "YEAR-SEMESTER [the current one]", NULL },
	        { "teacher", "teacher", 0, "NIP/NUPTK of another teacher (Kepala Sekolah, operator)", NULL },
	        { "slot", "slot", 0, "only this slot", NULL }, { NULL } },
	    "evidence.history", 1, p_ev_history },
	{ "evidence get", NULL, "Write a Bukti Dukung file (the current one, or an earlier version) to disk.", c_ev_get,
	    { { "slot", "slot", 1, "the slot, e.g. rhk-1", NULL },
	        { "name", "name", 0, "file name in the slot [the one it holds]", NULL },
	        { "version", "commit", 0, "an earlier version (its id from 'evidence history')", NULL },
	        { "period", "period", 0, "YEAR-SEMESTER [the current one]", NULL },
	        { "teacher", "teacher", 0, "NIP/NUPTK of another teacher (Kepala Sekolah, operator)", NULL },
	        { "output", "output", 0, "where to write [the file's name, in this directory]", NULL },
	        { "force", "force", 0, "overwrite an existing file", NULL, 1 }, { NULL } } },
	{ "evidence submit", NULL, "Submit (Kumpulkan) the Bukti Dukung of a period.", c_simple,
	    { { "period", "period", 0, "YEAR-SEMESTER [the current one]", NULL }, { NULL } }, "evidence.submit", 1, p_ev_submit },
	{ "evidence verify", NULL, "Check that every evidence version named by a record is present and intact.", c_ev_verify,
	    { { "quick", "quick", 0, "check that objects exist without reading every file", NULL, 1 }, { NULL } } },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

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

static int
run_command(const kc_cmd *cmd, int argc, char **argv)
{
	kc_cmd c = *cmd;
	char *pos[8];
	int npos = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			cmd_usage(stdout, &c);
			return 0;
		}
		if (strcmp(a, "--json") == 0) {
			g.json = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			if (npos == 8) {
				fprintf(stderr, "kinerja: too many arguments\n");
				return 2;
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
			fprintf(stderr, "kinerja %s: unknown option '%s'; see 'kinerja %s --help'\n", c.name, a, c.name);
			return 2;
		}
		if (o->is_flag) {
			o->value = "1";
		} else if (eq) {
			o->value = eq + 1;
		} else if (i + 1 < argc) {
			o->value = argv[++i];
		} else {
			fprintf(stderr, "kinerja %s: option --%s needs a value\n", c.name, o->flag);
			return 2;
		}
	}
	for (kc_opt *o = c.opts; o->flag; o++) {
		if (o->required && !o->value) {
			fprintf(stderr, "kinerja %s: --%s is required (%s); see 'kinerja %s --help'\n", c.name, o->flag, o->help,
			    c.name);
			return 2;
		}
	}
	if (!c.args && npos) {
		fprintf(stderr, "kinerja %s: unexpected argument '%s'; see 'kinerja %s --help'\n", c.name, pos[0], c.name);
		return 2;
	}
	return c.run(&c, c.opts, npos, pos);
}

int
main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("kinerja %s\n", KC_VERSION);
			return 0;
		} else if (strcmp(a, "--json") == 0) {
			g.json = 1;
		} else if (strncmp(a, "--socket=", 9) == 0) {
			g.socket = a + 9;
		} else if (strcmp(a, "--socket") == 0 || strcmp(a, "--passphrase-fd") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "kinerja: %s needs a value; see 'kinerja --help'\n", a);
				return 2;
			}
			if (strcmp(a, "--socket") == 0) {
				g.socket = argv[++i];
				continue;
			}
			char *end;
			long fd = strtol(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end != '\0' || fd < 0 || fd > 1023) {
				fprintf(stderr, "kinerja: --passphrase-fd needs a file descriptor number, not '%s'\n", argv[i]);
				return 2;
			}
			g.pass_fd = (int)fd;
		} else {
			fprintf(stderr, "kinerja: unknown option '%s'; see 'kinerja --help'\n", a);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
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
	/* "kinerja user" alone: list its subcommands */
	int any = 0;
	for (size_t k = 0; k < NCOMMANDS; k++) {
		const char *name = commands[k].name, *sp = strchr(name, ' ');
		if (sp && strlen(argv[i]) == (size_t)(sp - name) && strncmp(argv[i], name, (size_t)(sp - name)) == 0) {
			if (!any)
				fprintf(stderr, "kinerja %s: choose one of:\n", argv[i]);
			fprintf(stderr, "  kinerja %s\n", name);
			any = 1;
		}
	}
	if (!any)
		fprintf(stderr, "kinerja: unknown command '%s'; see 'kinerja --help'\n", argv[i]);
	return 2;
}
