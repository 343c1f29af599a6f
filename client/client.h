/*
 * client.h - the kinerja CLI's connection to kinerjad and its output.
 */
#ifndef KC_CLIENT_H
#define KC_CLIENT_H

#include <msgpack.h>
#include <stdint.h>
#include <stdio.h>

#include "../domain/messages.h"
#include "../util/kn.h"

typedef struct {
	int fd;
	char path[108];        /* socket path, for reconnecting */
	uint32_t next_id;
	kn_buf in;
	msgpack_unpacked resp; /* the last response */
} client_conn;

/* Connect to the daemon's socket; KN_ENOTFOUND with advice when it is not running. */
int client_connect(client_conn *out, const char *path);
void client_close(client_conn *c);

/*
 * Call method with a named-argument map (packed msgpack map, or NULL for
 * none). On success *result points into c->resp (valid until the next
 * call). A daemon error returns its code with the last error set to its
 * message and field.
 */
int client_call(const msgpack_object **result, client_conn *c, const char *method, const kn_buf *args);

/* Print a msgpack object as JSON (bin as hex); indent < 0 for one line. */
void client_json(FILE *fp, const msgpack_object *o, int indent);

/*
 * Read a passphrase: from fd when fd >= 0, else from the terminal without
 * echo (asking twice when confirm), else one line of standard input.
 */
int client_passphrase(char *out, size_t outsz, const char *prompt, int fd, int confirm);

/* A size for people: "1.2 MB", "340.5 KB". */
void client_mb(char *out, size_t n, uint64_t bytes);

/* Field of a result map as a C string ("" when absent or not a string). */
const char *client_str(const msgpack_object *map, const char *key, char *buf, size_t bufsz);
uint64_t client_u64(const msgpack_object *map, const char *key);
/* A boolean of a reply map: 0 when absent or not a boolean. */
int client_bool(const msgpack_object *map, const char *key);
/* s as a JSON string, quoted and escaped. */
void client_json_str(FILE *fp, const char *s);

/*
 * Upload the file at path as Bukti Dukung (begin, chunks, finish), resuming
 * after a broken connection. *res is the finish result.
 */
int client_evidence_upload(client_conn *c, const msgpack_object **res, const char *token, const char *path,
    const char *period, const char *slot, const char *name, int json);
/* Fetch one evidence file in chunks into out_path (via a .part file). */
int client_evidence_get(client_conn *c, const char *token, const char *period, const char *teacher, const char *slot,
    const char *name, const char *version, const char *out_path, int force, uint64_t *written);

#endif
