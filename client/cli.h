/*
 * cli.h - the parts of the kinerja command line shared by its files:
 * main.c (the command table, option parsing and dispatch, the one-call
 * commands), session.c (the session-token file), print.c (the printers of
 * results for people), verify.c (checking a record's signature here, not
 * taking the daemon's word for it), evidence.c (the Bukti Dukung
 * commands) and catalog.c (the catalog commands). The connection to kinerjad is client.h.
 */
#ifndef KC_CLI_H
#define KC_CLI_H

#include <msgpack.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"

/* Global options, set once by main() before a command runs. */
typedef struct {
	const char *socket; /* --socket, or NULL for $KINERJA_SOCKET / the default */
	int json;           /* --json: results as JSON for scripts */
	int pass_fd;        /* --passphrase-fd N, or -1 */
} client_globals;
extern client_globals client_g;

/* Options of a subcommand: --name VALUE (or --name=VALUE). */
#define KC_MULTI_MAX 32
typedef struct {
	const char *flag;   /* without "--" */
	const char *arg;    /* RPC argument name */
	int required;
	const char *help;
	const char *value;  /* parsed (the last one, for an option given several times) */
	int is_flag;        /* takes no value */
	int multi;          /* may be given several times: every value is in values[] */
	const char *values[KC_MULTI_MAX];
	size_t nvalues;
} kc_opt;

typedef struct kc_cmd {
	const char *name;   /* "user add" */
	const char *args;   /* positional usage, e.g. "NIP|NUPTK" */
	const char *summary;
	int (*run)(const struct kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
	kc_opt opts[12];
	/* for client_cmd_simple: the method, whether it needs the session token, the printer */
	const char *method;
	int token;
	void (*print)(const msgpack_object *r);
	const char *posarg; /* client_cmd_simple: the RPC argument the one positional argument goes to */
} kc_cmd;

/* ---- main.c ---- */

/* Report the last error (and as JSON with --json); the process exit status to return. */
int client_fail(void);
/* The daemon's socket: --socket, $KINERJA_SOCKET, or var/kinerjad.sock. */
const char *client_socket_path(void);
/* Print a command's usage. */
void client_cmd_usage(FILE *fp, const kc_cmd *c);
/* The value of option --flag, NULL when not given. */
const char *client_opt(const kc_opt *opts, const char *flag);
/* Pack the parsed options, then the key/value pairs of extra (NULL-terminated), as the argument map. */
void client_pack_args(kn_buf *out, const kc_opt *opts, const char **extra);
/* Connect, call, and with --json print the result. */
int client_call_print(client_conn *c, const msgpack_object **res, const char *method, const kn_buf *args);
/* The same with the session token, the string options and extra pairs as arguments. */
int client_call_token(client_conn *c, const msgpack_object **r, const char *method, kc_opt *opts, const char **extra);
/* A command that is one call: its options (the token, the positional argument) in, the result printed. */
int client_cmd_simple(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);

/* ---- session.c ---- */

/* Where the session token is kept: $KINERJA_SESSION or ~/.kinerja-session. */
void client_session_path(char *out, size_t outsz);
/* The token saved for the daemon at socket; "" when none was saved for it. */
void client_session_load(char *out, size_t outsz, const char *socket);
/* The token, or KN_EAUTH telling the person to log in. */
int client_session_need(char *out, size_t outsz, const char *socket);
/* Save token for socket in a new file of mode 0600. */
int client_session_save(const char *token, const char *socket);
/* Forget the saved token. */
void client_session_forget(void);

/* ---- print.c ---- */

void client_print_status(const msgpack_object *r);
void client_print_user_list(const msgpack_object *r);
void client_print_whoami(const msgpack_object *r);
void client_print_evidence_list(const msgpack_object *r);
void client_print_evidence_history(const msgpack_object *r);
void client_print_evidence_submit(const msgpack_object *r);
void client_print_reset(const msgpack_object *r);
void client_print_unlock(const msgpack_object *r);
/* catalog show (whole or one sub-indicator), show --gaps, list, add; the catalogs school init stored. */
void client_print_catalog_show(const msgpack_object *r);
void client_print_catalog_gaps(const msgpack_object *r);
void client_print_catalog_list(const msgpack_object *r);
void client_print_catalog_add(const msgpack_object *r);
void client_print_catalog_loaded(const msgpack_object *r);
/*
 * One record, with what this program found when it checked the record's
 * signature itself (verify.c); ok = 0 prints a warning with why.
 */
void client_print_record(const msgpack_object *r, int ok, const char *why);

/* ---- verify.c ---- */

/*
 * Check a record as kinerjad sent it (record.get, record.history): its
 * "raw" bytes [payload, signature] must carry a valid Ed25519 signature
 * over exactly the payload bytes by the payload's author; the payload's
 * BLAKE2b-256 must be the record's "id"; and the fields shown ("author",
 * "type", "school", "subject", "hlc", "parents", "body") must be the
 * signed ones. Returns 0, or KN_EBADSIG with why (whysz bytes) saying
 * what did not match.
 */
int client_record_verify(char *why, size_t whysz, const msgpack_object *rec);

/* ---- records.c ---- */

int client_cmd_sync_export(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
int client_cmd_sync_import(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
int client_cmd_record_export(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
int client_cmd_record_import(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);

/* ---- catalog.c ---- */

int client_cmd_catalog_show(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
int client_cmd_catalog_add(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);

/* ---- plan.c: kinerja periode ..., kinerja rencana ... ---- */

/* rencana simpan / ajukan / setujui: the edits of the options (--rhk 1:2, --sub, ...) and the call. */
int client_cmd_plan_edit(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
/* dinas.c */
int client_cmd_dinas_key(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
int client_authority_key_arg(kc_opt *o, char *buf, size_t bufsz);
void client_print_assignment(const msgpack_object *r);
void client_print_assignment_list(const msgpack_object *r);
void client_print_period(const msgpack_object *r);
void client_print_plan(const msgpack_object *r);
/* An act on a plan (simpan, ajukan, ...): its message, a late flag, then the plan. */
void client_print_plan_act(const msgpack_object *r);
void client_print_plan_inbox(const msgpack_object *r);
void client_print_plan_tasks(const msgpack_object *r);

/* ---- people.c: kinerja identitas ..., kinerja kelayakan ..., the eligibility of user list/add/edit ---- */

void client_print_identity(const msgpack_object *r);
void client_print_identity_confirm(const msgpack_object *r);
void client_print_eligibility(const msgpack_object *r);
void client_print_user_edit(const msgpack_object *r);
/* An eligibility map ({eligible, ..., message, fix_by}) as a few lines; ident names the person in the hint. */
void client_print_eligibility_block(const msgpack_object *e, const char *indent, const char *ident);
/* Under a person's line of the user list: why they may not plan, when they may not. */
void client_print_eligibility_line(const msgpack_object *u);

/* ---- sync.c: kinerja sync ..., kinerja hub ... ---- */

void client_print_sync_status(const msgpack_object *r);
void client_print_sync_acts(const msgpack_object *r);
void client_print_sync_now(const msgpack_object *r);
void client_print_hub_registration(const msgpack_object *r);
void client_print_hub_schools(const msgpack_object *r);

/* ---- evidence.c ---- */

int client_cmd_evidence_upload(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
int client_cmd_evidence_get(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);
int client_cmd_evidence_verify(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv);

#endif
