/*
 * evidence_int.h - what store/evidence.c (repository, refs, commits),
 * store/evidence_check.c (file checks) and store/evidence_pack.c (packs)
 * share. Private to store/: nothing outside these three files includes it.
 */
#ifndef KN_EVIDENCE_INT_H
#define KN_EVIDENCE_INT_H

#include <git2.h>

#include "evidence.h"

#define EVIDENCE__CHUNK (64 * 1024)           /* read size when streaming a file */

struct evidence_repo {
	git_repository *repo;
	git_odb *odb;         /* the repository's, owned by us through git_repository_odb() */
	char *path;           /* as given to evidence_open() */
	char *objects;        /* the objects directory, with a trailing '/' */
	git_blob *cached;     /* the blob evidence_read() read last, or NULL */
};

/*
 * The KN_E* code for a libgit2 failure gerr, from the code and, where the
 * code is generic, the class of libgit2's last error.
 */
int evidence__git_code(int gerr);

/*
 * Set the last error after libgit2 failed with gerr: code (or, when code
 * is 0, the code evidence__git_code() picks), field, our message from fmt,
 * then libgit2's. Returns the code.
 */
int evidence__git_fail(int gerr, int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Parse a 40-digit hex object id; KN_EINVAL naming field when malformed. */
int evidence__oid_parse(git_oid *out, const char *hex, const char *field);

#endif
