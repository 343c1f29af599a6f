/*
 * record.h - the signed record envelope of Kinerja.
 *
 * A record is the MessagePack array [payload, signature], both bin:
 *   payload   the MessagePack encoding of a map with exactly these keys:
 *               "v"       1 (format version)
 *               "type"    record type, 1..32 of [a-z0-9_.]  e.g. "user"
 *               "school"  NPSN of the school, 8 digits
 *               "subject" what the record is about, 1..128 printable bytes
 *               "author"  Ed25519 public key of the signer (bin 32)
 *               "hlc"     hybrid logical clock time (uint: ms << 16 | counter)
 *               "parents" array of record ids this record replaces (bin 32)
 *               "auth"    array of record ids (bin 32, at most 6) that give
 *                         the author the right to make this record, e.g.
 *                         the author's enrollment as it stood (format 2)
 *               "body"    a map, meaning given by the type (domain/)
 *   signature Ed25519 over exactly the payload bytes (bin 64)
 * "v" is the format: 2 now; format 1 (no "auth") is still read, so that
 * stores written before stay readable.
 * The record id is BLAKE2b-256 of the payload bytes. Payloads are never
 * re-encoded, so there is no canonical form to get wrong.
 *
 * A document is the chain of records with the same (type, school, subject);
 * its key is "type/school/subject" (record_doc_key()).
 */
#ifndef KN_RECORD_H
#define KN_RECORD_H

#include <msgpack.h>
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"
#include "../util/mpmap.h"

#define RECORD_ID_BYTES 32
#define RECORD_KEY_BYTES crypto_sign_PUBLICKEYBYTES
#define RECORD_SIG_BYTES crypto_sign_BYTES
#define RECORD_MAX_BYTES (64 * 1024)
#define RECORD_MAX_PARENTS 16
#define RECORD_MAX_AUTH 6
#define RECORD_FORMAT 2
#define RECORD_DOC_KEY_MAX (32 + 1 + 8 + 1 + 128 + 1)

/* What a caller provides to make a record. body is a packed map. */
typedef struct {
	const char *type;
	const char *school;
	const char *subject;
	uint64_t hlc;
	const uint8_t (*parents)[RECORD_ID_BYTES];
	size_t nparents;
	const uint8_t *body;
	size_t body_len;
	const uint8_t (*auth)[RECORD_ID_BYTES];
	size_t nauth;
} record_fields;

/*
 * Build and sign a record. pk is the author's public key, sk the matching
 * 64-byte secret key (sodium_malloc'd by the caller). Appends the record
 * bytes to out and, when id is not NULL, writes the record id.
 * Returns 0, KN_EINVAL (a field out of range; field named) or KN_ENOMEM.
 */
int record_sign(kn_buf *out, uint8_t id[RECORD_ID_BYTES], const record_fields *f,
    const uint8_t pk[RECORD_KEY_BYTES], const unsigned char *sk);

/*
 * A verified record. Every pointer is borrowed from the bytes given to
 * record_open() and from `up`, and valid until record_view_free().
 */
typedef struct {
	uint8_t id[RECORD_ID_BYTES];
	const uint8_t *raw;           /* the whole record */
	size_t raw_len;
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *sig;
	const char *type;
	size_t type_len;
	const char *school;
	size_t school_len;
	const char *subject;
	size_t subject_len;
	const uint8_t *author;        /* RECORD_KEY_BYTES */
	uint64_t hlc;
	const msgpack_object *parents; /* array of bin 32 */
	const msgpack_object *auth;    /* array of bin 32, or NULL (format 1) */
	const msgpack_object *body;    /* map */
	msgpack_unpacked up;
} record_view;

/*
 * Check and open a record: structure bounded and well-formed, author key
 * present, signature valid over the payload, then every field of the
 * schema. Returns 0 (out filled; free with record_view_free()), KN_EBADREC
 * for a structural fault (a key twice in the body is one), KN_EBADSIG when
 * the signature does not verify, or KN_ENOMEM. On error out needs no
 * freeing. When want_id is not NULL the computed id
 * must equal it (KN_EBADSIG otherwise).
 */
int record_open(record_view *out, const uint8_t *rec, size_t len,
    const uint8_t want_id[RECORD_ID_BYTES]) __attribute__((warn_unused_result));
void record_view_free(record_view *v);

/* Document key "type/school/subject" of a view; out holds RECORD_DOC_KEY_MAX. */
size_t record_doc_key(char *out, const record_view *v);

/* Parent i of a view (0 <= i < nparents). */
size_t record_nparents(const record_view *v);
const uint8_t *record_parent(const record_view *v, size_t i);
/* Auth record i of a view (0 <= i < nauth); nauth is 0 for format 1. */
size_t record_nauth(const record_view *v);
const uint8_t *record_auth(const record_view *v, size_t i);

/* Record id of payload bytes. */
void record_id_of(uint8_t id[RECORD_ID_BYTES], const uint8_t *payload, size_t len);


/* Hybrid logical clock: next time after last and now_ms. */
uint64_t record_hlc_next(uint64_t last, uint64_t now_ms);

#endif
