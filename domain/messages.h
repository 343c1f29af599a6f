/*
 * messages.h - the message catalog (messages.c): every text that a
 * teacher, principal, Operator Sekolah, Pengawas or Kepala Dinas reads, in
 * Indonesian, under a stable code.
 *
 * One table, so that wording is reviewed in one place and a GUI can show
 * the same sentences (or its own for the same codes). A template names its
 * parameters in braces ("kurang {kurang} poin"); domain_msg_render()
 * fills them. Codes never change meaning; a new meaning gets a new code.
 * Logs and diagnostics about the machine (I/O, memory, bugs) stay English
 * and are not here.
 *
 * Used by domain/, store/ (the checks of an uploaded file), the daemon and
 * the CLI: everything here is pure and in libkinerja.a.
 */
#ifndef KN_DOMAIN_MESSAGES_H
#define KN_DOMAIN_MESSAGES_H

#include <stddef.h>

#include "../util/kn.h"

/* A rendered message fits here (kn_error_set keeps at most 511 bytes). */
#define DOMAIN_MSG_MAX 400

typedef struct {
	const char *code;   /* stable, e.g. "SKP_POIN_KURANG" */
	const char *text;   /* Indonesian template with {name} parameters */
} domain_msg;

/* The whole table (static); *n gets its length. For a GUI or a listing. */
const domain_msg *domain_msg_table(size_t *n);
/* The template of a code, or NULL when the code is unknown. */
const char *domain_msg_text(const char *code);
/*
 * Render a code's template into out (outsz bytes, always NUL-terminated,
 * never cut inside a UTF-8 character). params is a list of name, value
 * pairs ended by a NULL name; a parameter without a value (absent, or a
 * NULL value) is left as "{name}".
 * Returns 0, or KN_ENOTFOUND for an unknown code (out then holds the code).
 */
int domain_msg_render(char *out, size_t outsz, const char *code, const char *const *params);
/*
 * Set the last error (kn_error_set) to err, field and the rendered text of
 * code. The parameters follow as name, value strings, ended by one NULL:
 *   return domain_msg_error(KN_EINVAL, "nip", "NIP_PANJANG", "nip", nip, NULL);
 * At most DOMAIN_MSG_PARAMS_MAX pairs are read. Returns err.
 */
#define DOMAIN_MSG_PARAMS_MAX 8
int domain_msg_error(int err, const char *field, const char *code, ...) __attribute__((sentinel));
/*
 * A count or size as a parameter value: domain_msg_num(n).s. The text
 * lives in the returned struct, a temporary that lasts until the end of
 * the full expression (C11 6.2.4), so use it only inside the call:
 *   domain_msg_error(KN_EBUSY, "upload_id", "UNGGAH_TERLALU_BANYAK", "jumlah", domain_msg_num(n).s, NULL);
 */
typedef struct {
	char s[24];
} domain_msg_number;
domain_msg_number domain_msg_num(unsigned long long v);

#endif
