/*
 * evidence.h - Bukti Dukung (evidence files) in a bare git repository,
 * through libgit2.
 *
 * Layout: one ref per person and period,
 *     refs/kinerja/<npsn>/<person key hex>/<year>-<semester>
 * Each upload is a blob; each change is a commit on that ref whose tree
 * holds one directory per slot (an RHK, or a workflow step such as
 * "persiapan"), and in it the one file that slot holds now:
 *     rhk-1/sertifikat-pmm.pdf
 *     persiapan/modul-ajar.pdf
 * Uploading to a slot replaces its file in the new commit; every earlier
 * version stays in the history. Commit author = the person; message says
 * what was submitted. Signed records (store/) name the commit ids: the
 * records are the truth, the refs a cache that the daemon repairs from
 * them at start.
 *
 * Thread use: one evidence_repo is used by one thread at a time. Open a
 * second one for another thread (libgit2 allows several on one repo).
 *
 * The code is in three files: evidence.c (the repository, uploads as
 * commits, reads, refs), evidence_check.c (file types and checks, slot and
 * file names; no repository needed) and evidence_pack.c (packfiles for
 * sync). evidence_int.h holds what they share.
 */
#ifndef KN_EVIDENCE_H
#define KN_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"

#define EVIDENCE_OID_HEX 41          /* 40 hex + NUL */
#define EVIDENCE_SLOT_MAX 32
#define EVIDENCE_NAME_MAX 128

typedef struct evidence_repo evidence_repo;

/* ---- The repository (evidence.c) ---- */

/*
 * Memory: libgit2 keeps the commits and trees it has read in one object
 * cache for the whole process, up to 256 MiB by default, so a daemon grew
 * with every commit it had ever listed or verified. evidence_open() bounds
 * that cache to EVIDENCE_CACHE_MAX_BYTES and caches no blobs. The bound
 * counts raw object bytes; parsed objects cost about 3.5 times that in
 * resident memory (reading 10000 commits twice: +41 MB unbounded, +29 MB
 * at 8 MiB, +9 MB at 2 MiB). 2 MiB still holds thousands of commits and
 * trees, more than the current heads of every teacher of a large school.
 * These are libgit2's global options: they apply to every repository of
 * the process.
 */
#define EVIDENCE_CACHE_MAX_BYTES (2 * 1024 * 1024)

/*
 * Open the bare repository at path, creating it (mode 0700, and the
 * parents it needs, 0750) if absent or an empty directory. KN_EINVAL field
 * "evidence.dir" when the repository directory is open to group or others
 * (any mode bit of 077): the message names the path and "chmod 700".
 */
int evidence_open(evidence_repo **out, const char *path);
/* NULL-safe. */
void evidence_close(evidence_repo *r);
/* The repository's path (borrowed). */
const char *evidence_path(const evidence_repo *r);

/* ---- File checks (evidence_check.c) ---- */

/* File types, by magic bytes. */
enum {
	EVIDENCE_PDF = 1,
	EVIDENCE_JPEG = 2,
	EVIDENCE_PNG = 4,
	EVIDENCE_DOCX = 8,
};
/* "pdf,jpeg,png,docx" (any subset, comma separated) -> bit set; KN_EINVAL naming the bad word. */
int evidence_types_parse(unsigned *out, const char *list);
/* "pdf", "jpeg", "png", "docx"; "unknown" for 0. */
const char *evidence_type_name(unsigned type);
/* Type from the first bytes of a file (give at least 8 when the file has them); 0 when none. */
unsigned evidence_sniff(const uint8_t *head, size_t len);
/*
 * Refuse a file whose first bytes (head, len) are not of the allowed
 * types: KN_EINVAL, field "file", with a message for the person
 * uploading (what the file looks like, what is accepted, what to do).
 */
int evidence_type_refuse(const uint8_t *head, size_t len, unsigned allowed);

/*
 * Check a complete file before it is stored: not empty, at most max_bytes,
 * a type in allowed by its magic bytes, and complete (PDF: "%%EOF" within
 * its last 1 KiB; PNG: ends with the IEND chunk; JPEG: ends with FF D9;
 * DOCX: a zip whose end-of-central-directory record is present and which
 * holds "[Content_Types].xml" and "word/document.xml"). Reads fd with pread (offset unchanged).
 * Returns 0 with *type set, or KN_EINVAL / KN_ETOOBIG, field "file", with a
 * message that names the rule broken and what to do.
 */
int evidence_check_file(unsigned *type, int fd, uint64_t max_bytes, unsigned allowed);

/*
 * The identity of a file: the SHA-256 of its raw bytes, lower-case hex
 * (out holds 65). The signed evidence record carries it beside the git
 * blob id (SHA-1 over a header, which a signature should not bind); the
 * same hash can key an object store later. evidence_sha256_fd reads fd
 * with pread; evidence_sha256_blob reads a blob of the repository.
 */
int evidence_sha256_fd(char out[65], int fd);
int evidence_sha256_blob(char out[65], uint64_t *size, evidence_repo *r, const char *blob);
/* The media type of a file type ("application/pdf", ...). */
const char *evidence_type_mime(unsigned type);

/* Is this a valid slot ([a-z0-9-], 1..32, not starting with '-')? a file name? */
int evidence_slot_check(const char *slot);
int evidence_name_check(const char *name);

/* ---- Uploads, reads and refs (evidence.c) ---- */

typedef struct {
	char name[101];
	char email[128];
	int64_t when;      /* seconds since the epoch */
} evidence_who;

typedef struct {
	char commit[EVIDENCE_OID_HEX]; /* the new head (== expected when unchanged) */
	char blob[EVIDENCE_OID_HEX];
	char replaced[EVIDENCE_NAME_MAX + 1]; /* name of the file this replaced in the slot, "" if none */
	uint64_t size;
	int dedup;      /* the blob was in the repository already: stored once */
	int unchanged;  /* the slot already held this exact file under this name: no commit made */
} evidence_put_result;

/*
 * Stream the file in fd (from offset 0, never wholly in memory) into a
 * blob, and commit it as slot/name on ref with parent expected (the hex id
 * the ref must hold now; "" when the ref must not exist yet). The ref is
 * moved only if it still holds expected (KN_ESTATE otherwise). Objects are
 * written before the ref moves, each atomically, so a crash leaves no
 * half-written object visible and no broken ref.
 */
int evidence_put(evidence_put_result *out, evidence_repo *r, const char *ref, const char *expected,
    const char *slot, const char *name, int fd, const evidence_who *who, const char *message);

typedef struct {
	char slot[EVIDENCE_SLOT_MAX + 1];
	char name[EVIDENCE_NAME_MAX + 1];
	char blob[EVIDENCE_OID_HEX];
	uint64_t size;
} evidence_entry;

/* Every file of commit's tree; cb returns 0 to go on, 1 to stop, <0 error. */
int evidence_list(evidence_repo *r, const char *commit, int (*cb)(void *ctx, const evidence_entry *e), void *ctx);

/*
 * Up to len bytes of slot/name in commit from offset, appended to out;
 * *total = the file's size and blob = its id. The last blob read is cached,
 * so reading a file in chunks decompresses it once.
 */
int evidence_read(kn_buf *out, uint64_t *total, char blob[EVIDENCE_OID_HEX], evidence_repo *r, const char *commit,
    const char *slot, const char *name, uint64_t offset, size_t len);

/*
 * Is commit present and intact? Cheap (deep = 0): the commit and its trees
 * exist. Deep: every blob is read and its hash checked too. KN_ENOTFOUND
 * when missing, KN_EBADREC when damaged; message says which object.
 */
int evidence_check_commit(evidence_repo *r, const char *commit, int deep);

/* The commit a ref names (KN_ENOTFOUND when absent); set a ref (force). */
int evidence_ref_get(char out[EVIDENCE_OID_HEX], evidence_repo *r, const char *ref);
int evidence_ref_set(evidence_repo *r, const char *ref, const char *commit);

/* Remove a ref (absent is fine). */
int evidence_ref_delete(evidence_repo *r, const char *ref);
/* cb for every ref whose name starts with prefix; cb returns 0 to go on, <0 to stop with that error. */
int evidence_ref_foreach(evidence_repo *r, const char *prefix, int (*cb)(void *ctx, const char *ref), void *ctx);

/* ---- Packs for sync (evidence_pack.c) ---- */

/*
 * Build a packfile of every object reachable from wants and not from haves
 * (commit ids the peer already holds; unknown ones are ignored), streamed
 * to write(ctx, data, len) in pieces. *nobjects = objects packed.
 */
int evidence_pack_build(evidence_repo *r, const char *const *wants, size_t nwants, const char *const *haves,
    size_t nhaves, int (*write)(void *ctx, const void *data, size_t len), void *ctx, uint32_t *nobjects);

/* Receive a packfile in pieces; commit verifies it and makes its objects visible. */
typedef struct evidence_indexer evidence_indexer;
int evidence_pack_index_begin(evidence_indexer **out, evidence_repo *r);
int evidence_pack_index_append(evidence_indexer *ix, const void *data, size_t len);
/* Verify (checksums, object hashes, completeness) and store; frees ix. KN_EBADREC when the pack is bad. */
int evidence_pack_index_commit(evidence_indexer *ix, uint32_t *nobjects);
/* Drop a pack being received; NULL-safe; frees ix. */
void evidence_pack_index_abort(evidence_indexer *ix);

/* ---- Resumable transfer of a pack (evidence_xfer.c) ---- */

/*
 * Sender: build the pack of wants not reachable from haves into
 * <dir>/<key>.pack, key being the pack's SHA-256 (hex, 65 bytes with the
 * NUL); the same file is offered again after a cut. Read pieces of it with
 * evidence_spool_read; drop it once the receiver acknowledged all of it.
 */
int evidence_spool_pack(char key[65], uint64_t *size, uint32_t *nobjects, evidence_repo *r, const char *dir,
    const char *const *wants, size_t nwants, const char *const *haves, size_t nhaves);
int evidence_spool_read(kn_buf *out, const char *dir, const char *key, uint64_t offset, size_t len);
void evidence_spool_drop(const char *dir, const char *key);
/*
 * Receiver: how many bytes of pack key are here (where to resume); add a
 * chunk at exactly that offset (KN_ESTATE naming the right offset
 * otherwise), on disk before this returns, so the caller may acknowledge
 * it; once size bytes are here, check them against the key (SHA-256) and
 * index them (KN_EBADREC and nothing kept when they are not that pack).
 */
int evidence_incoming_have(uint64_t *have, const char *dir, const char *key);
int evidence_incoming_append(const char *dir, const char *key, uint64_t offset, const void *data, size_t len);
int evidence_incoming_finish(uint32_t *nobjects, evidence_repo *r, const char *dir, const char *key, uint64_t size);
/*
 * Receiver: remove the partial packs of dir (<key>.part) that were not
 * written for max_age_s seconds, and with keep set, every one but keep's
 * (the sender offers one pack at a time: another key's bytes will not be
 * resumed). Counts what it removed; a missing dir is empty.
 */
int evidence_incoming_prune(const char *dir, const char *keep, uint64_t max_age_s, uint64_t *nremoved, uint64_t *bytes);

#endif
