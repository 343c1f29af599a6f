/*
 * evidence.c - Bukti Dukung (evidence files) in a bare git repository,
 * through libgit2 (see evidence.h for the contract and the layout): the
 * repository itself, its refs, and the commits of uploads. File checks
 * are in evidence_check.c, packs for sync in evidence_pack.c.
 *
 * libgit2 codes never leave store/evidence*.c: evidence__git_fail() maps
 * them to KN_E* codes, with libgit2's own message after ours. libgit2 is
 * set up in evidence_open() (reference counted) with strict hash
 * verification, strict object creation and fsync of everything written to
 * the repository, so that a commit id handed to the record store survives
 * a power cut as well as a crash.
 */
#include "evidence_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "../domain/messages.h"

#define EVIDENCE__REF_PREFIX "refs/kinerja/"
#define EVIDENCE__TZ_MINUTES 420              /* WIB, UTC+07:00 */
#define EVIDENCE__LOCK_STALE_SEC 60           /* a ref lock is held for milliseconds */
#define EVIDENCE__TMP_STALE_SEC 3600          /* temporary object files left by a crash */

/* See evidence_int.h: the KN_E* code for a libgit2 failure. */
int
evidence__git_code(int gerr)
{
	const git_error *e = git_error_last();

	switch (gerr) {
	case GIT_ENOTFOUND:
		return KN_ENOTFOUND;
	case GIT_EEXISTS:
		return KN_EEXISTS;
	case GIT_EMISMATCH:
		return KN_EBADREC;
	case GIT_EINVALIDSPEC:
	case GIT_EINVALID:
		return KN_EINVAL;
	case GIT_ELOCKED:
	case GIT_EMODIFIED:
		return KN_ESTATE;
	default:
		break;
	}
	if (e == NULL)
		return KN_ERROR;
	if (e->klass == GIT_ERROR_NOMEMORY)
		return KN_ENOMEM;
	if (e->klass == GIT_ERROR_OS && e->message && strstr(e->message, strerror(ENOSPC)))
		return KN_EFULL;
	if (e->klass == GIT_ERROR_ZLIB || e->klass == GIT_ERROR_OBJECT || e->klass == GIT_ERROR_INDEXER)
		return KN_EBADREC;
	return KN_ERROR;
}

/* See evidence_int.h: our message, then libgit2's, under a KN_E* code. */
int
evidence__git_fail(int gerr, int code, const char *field, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	char what[400];
	va_list ap;

	if (code == 0)
		code = evidence__git_code(gerr);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kn_error_set(code, field, "%s: %s", what, e && e->message ? e->message : "libgit2 gave no reason");
}

/* See evidence_int.h: a 40-digit hex object id, or KN_EINVAL naming field. */
int
evidence__oid_parse(git_oid *out, const char *hex, const char *field)
{
	if (hex == NULL || strlen(hex) != GIT_OID_HEXSZ ||
	    strspn(hex, "0123456789abcdefABCDEF") != GIT_OID_HEXSZ || git_oid_fromstr(out, hex) != 0)
		return kn_error_set(KN_EINVAL, field, "%s must be a commit id of 40 hex digits", field);
	return 0;
}

/* Is ref a valid ref name under refs/kinerja/? KN_EINVAL otherwise. */
static int
evidence__ref_check(const char *ref)
{
	int valid = 0;

	if (ref == NULL || strncmp(ref, EVIDENCE__REF_PREFIX, strlen(EVIDENCE__REF_PREFIX)) != 0 ||
	    git_reference_name_is_valid(&valid, ref) != 0 || !valid)
		return kn_error_set(KN_EINVAL, "ref", "the ref \"%s\" is not a valid ref name under %s",
		    ref ? ref : "", EVIDENCE__REF_PREFIX);
	return 0;
}

/*
 * mkdir -p path: the parents it creates get mode parents, path itself
 * leaf (the repository is private; its parents may hold other things,
 * such as the socket, that the group reaches).
 */
static int
evidence__mkdirs(const char *path, mode_t parents, mode_t leaf)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--; /* "ev.git/" is the leaf too */
	if (n == 0 || n >= sizeof(buf))
		return kn_error_set(KN_EINVAL, "evidence_dir", "the evidence directory path is empty or too long");
	memcpy(buf, path, n);
	buf[n] = '\0';
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, i == n ? leaf : parents) != 0 && errno != EEXIST)
			return kn_error_set(KN_ERROR, "evidence_dir", "cannot create directory %s: %s", buf, strerror(errno));
		buf[i] = i == n ? '\0' : '/';
	}
	return 0;
}

/* Is path absent, or an empty directory, so that a repository may be made there? */
static int
evidence__may_init(const char *path)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	d = opendir(path);
	if (d == NULL)
		return errno == ENOENT;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			empty = 0;
			break;
		}
	}
	closedir(d);
	return empty;
}

/*
 * Remove the temporary files libgit2 left in dir (names starting with
 * prefix) when a process died while writing an object or receiving a
 * pack. Only old ones: another process may be writing one right now.
 * Best effort; failures are ignored.
 */
static void
evidence__sweep_tmp(const char *dir, const char *prefix)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > EVIDENCE__TMP_STALE_SEC)
			unlink(path);
	}
	closedir(d);
}

/*
 * Set libgit2's global options: verify the hash of every object read,
 * check that the objects a new object names exist, and fsync objects,
 * packs and refs before they become visible. Bound the object cache to
 * EVIDENCE_CACHE_MAX_BYTES and keep blobs out of it: libgit2's default of
 * 256 MiB let the daemon grow with every commit and tree it ever read,
 * and a blob is read once per download anyway (evidence_read() keeps the
 * last one itself).
 */
static int
evidence__git_options(void)
{
	if (git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1) < 0 ||
	    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1) < 0 ||
	    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)EVIDENCE_CACHE_MAX_BYTES) < 0 ||
	    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, (int)GIT_OBJECT_BLOB, (size_t)0) < 0)
		return evidence__git_fail(-1, KN_ERROR, "", "cannot set libgit2 options");
	return 0;
}

/*
 * Is the repository directory private to the daemon's user (no mode bit
 * for group or others)? It holds every teacher's Bukti Dukung. 0, or
 * KN_EINVAL field "evidence.dir" naming the path and the fix.
 */
static int
evidence__private_check(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return kn_error_set(KN_ERROR, "evidence.dir", "cannot stat %s: %s", path, strerror(errno));
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		return kn_error_set(KN_EINVAL, "evidence.dir",
		    "evidence repository %s has mode %04o and is open to group or others: run chmod 700 %s",
		    path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

/*
 * Open the bare repository at path, or create it (mode 0700; parents it
 * makes 0750) when path is absent or an empty directory. Refused when the
 * repository directory is open to group or others.
 */
int
evidence_open(evidence_repo **out, const char *path)
{
	evidence_repo *r;
	git_buf objects = { 0 };
	char packdir[PATH_MAX];
	int gerr, rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0')
		return kn_error_set(KN_EINVAL, "evidence_dir", "no evidence directory is configured");
	gerr = git_libgit2_init();
	if (gerr < 0)
		return evidence__git_fail(gerr, KN_ERROR, "", "cannot initialise libgit2");
	rc = evidence__git_options();
	if (rc)
		goto out_shutdown;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out_shutdown;
	}
	r->path = strdup(path);
	if (r->path == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out_free;
	}

	gerr = git_repository_open_bare(&r->repo, path);
	if (gerr == GIT_ENOTFOUND && evidence__may_init(path)) {
		rc = evidence__mkdirs(path, 0750, 0700);
		if (rc)
			goto out_free;
		/* an empty directory made by someone else: check before filling it */
		rc = evidence__private_check(path);
		if (rc)
			goto out_free;
		gerr = git_repository_init(&r->repo, path, 1);
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, KN_ERROR, "evidence_dir", "cannot create the evidence repository %s", path);
			goto out_free;
		}
	} else if (gerr == GIT_ENOTFOUND) {
		rc = kn_error_set(KN_EINVAL, "evidence_dir",
		    "%s is not a bare git repository and not empty: point evidence_dir at the evidence repository or at a new directory",
		    path);
		goto out_free;
	} else if (gerr < 0) {
		rc = evidence__git_fail(gerr, KN_ERROR, "evidence_dir", "cannot open the evidence repository %s", path);
		goto out_free;
	} else {
		rc = evidence__private_check(path);
		if (rc)
			goto out_free;
	}
	gerr = git_repository_odb(&r->odb, r->repo);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot open the objects of %s", path);
		goto out_free;
	}
	gerr = git_repository_item_path(&objects, r->repo, GIT_REPOSITORY_ITEM_OBJECTS);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot find the objects directory of %s", path);
		goto out_free;
	}
	r->objects = strdup(objects.ptr);
	git_buf_dispose(&objects);
	if (r->objects == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out_free;
	}
	evidence__sweep_tmp(r->objects, "tmp_object_git2_");
	snprintf(packdir, sizeof(packdir), "%spack", r->objects);
	evidence__sweep_tmp(packdir, "pack_git2_");
	*out = r;
	return 0;

out_free:
	git_odb_free(r->odb);
	git_repository_free(r->repo);
	free(r->objects);
	free(r->path);
	free(r);
out_shutdown:
	git_libgit2_shutdown();
	return rc;
}

/* Close the repository and drop our libgit2 reference; NULL-safe. */
void
evidence_close(evidence_repo *r)
{
	if (r == NULL)
		return;
	git_blob_free(r->cached);
	git_odb_free(r->odb);
	git_repository_free(r->repo);
	free(r->objects);
	free(r->path);
	free(r);
	git_libgit2_shutdown();
}

/* The path given to evidence_open() (borrowed). */
const char *
evidence_path(const evidence_repo *r)
{
	return r->path;
}

/*
 * libgit2 refuses to move a ref while its lock file exists, and a process
 * killed while moving it leaves the lock behind for good. Remove ref's
 * lock when it is older than EVIDENCE__LOCK_STALE_SEC (a live update
 * holds it for milliseconds). 1 when one was removed.
 */
static int
evidence__lock_clear_stale(evidence_repo *r, const char *ref)
{
	char path[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s%s.lock", git_repository_path(r->repo), ref) >= sizeof(path))
		return 0;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || time(NULL) - st.st_mtime < EVIDENCE__LOCK_STALE_SEC)
		return 0;
	return unlink(path) == 0;
}

/*
 * Point ref at id: when force, whatever it holds; else only if it holds
 * *expected (NULL: only if it does not exist), checked under the ref's
 * lock. KN_ESTATE when it moved or is being moved by someone else.
 */
static int
evidence__ref_move(evidence_repo *r, const char *ref, const git_oid *id, const git_oid *expected, int force)
{
	git_reference *out = NULL;
	int gerr;

	for (int tries = 0;; tries++) {
		if (force)
			gerr = git_reference_create(&out, r->repo, ref, id, 1, NULL);
		else if (expected == NULL)
			gerr = git_reference_create(&out, r->repo, ref, id, 0, NULL);
		else
			gerr = git_reference_create_matching(&out, r->repo, ref, id, 1, expected, NULL);
		if (gerr != GIT_ELOCKED || tries > 0 || !evidence__lock_clear_stale(r, ref))
			break;
	}
	git_reference_free(out);
	if (gerr == 0)
		return 0;
	if (gerr == GIT_ELOCKED)
		return evidence__git_fail(gerr, KN_ESTATE, "ref",
		    "the evidence of this period is being changed right now; try again in a moment");
	if (!force && (gerr == GIT_EEXISTS || gerr == GIT_EMODIFIED || gerr == GIT_ENOTFOUND))
		return domain_msg_error(KN_ESTATE, "expected", "UNGGAH_BUKTI_BERUBAH_BERSAMAAN", NULL);
	return evidence__git_fail(gerr, 0, "ref", "cannot update %s", ref);
}

/*
 * Hash the file in fd as a blob without storing it. libgit2 hashes only
 * by path, so through /proc/self/fd (Linux): its hash is the one the
 * object store will use (with SHA-1 collision detection), and it reads the
 * file in pieces.
 */
static int
evidence__blob_hash(git_oid *out, int fd)
{
	char path[64];
	int gerr;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	gerr = git_odb_hashfile(out, path, GIT_OBJECT_BLOB);
	if (gerr < 0)
		return evidence__git_fail(gerr, KN_ERROR, "file", "cannot read the file to hash it");
	return 0;
}

/*
 * Stream size bytes of fd from offset 0 into a new blob, 64 KiB at a time;
 * the object becomes visible whole or not at all. *out = its id.
 */
static int
evidence__blob_write(git_oid *out, evidence_repo *r, int fd, uint64_t size)
{
	git_odb_stream *st = NULL;
	uint8_t *buf;
	uint64_t off = 0;
	int gerr, rc;

	buf = malloc(EVIDENCE__CHUNK);
	if (buf == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	gerr = git_odb_open_wstream(&st, r->odb, size, GIT_OBJECT_BLOB);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot start writing the file into the evidence repository");
		goto out_free_buf;
	}
	while (off < size) {
		size_t want = size - off < EVIDENCE__CHUNK ? (size_t)(size - off) : EVIDENCE__CHUNK;
		ssize_t n = kn_pread_full(fd, buf, want, off);
		if (n < 0) {
			rc = kn_error_set(KN_ERROR, "file", "cannot read the file: %s", strerror(errno));
			goto out_free_stream;
		}
		if (n == 0) {
			rc = domain_msg_error(KN_EINVAL, "file", "UNGGAH_BERKAS_BERUBAH", NULL);
			goto out_free_stream;
		}
		gerr = git_odb_stream_write(st, (const char *)buf, (size_t)n);
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, 0, "", "cannot write the file into the evidence repository");
			goto out_free_stream;
		}
		off += (uint64_t)n;
	}
	gerr = git_odb_stream_finalize_write(out, st);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot store the file in the evidence repository");
		goto out_free_stream;
	}
	rc = 0;

out_free_stream:
	git_odb_stream_free(st);
out_free_buf:
	free(buf);
	return rc;
}

/* Is s free of control characters (as names and emails in commits must be)? */
static int
evidence__printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The signature of who at who->when in WIB. */
static int
evidence__signature(git_signature **out, const evidence_who *who)
{
	int gerr;

	*out = NULL;
	if (who == NULL || who->name[0] == '\0')
		return kn_error_set(KN_EINVAL, "author", "the author's name is required");
	if (memchr(who->name, '\0', sizeof(who->name)) == NULL || memchr(who->email, '\0', sizeof(who->email)) == NULL ||
	    !evidence__printable(who->name) || !evidence__printable(who->email) || who->when < 0)
		return kn_error_set(KN_EINVAL, "author",
		    "the author's name or email holds control characters, or the time is before 1970");
	gerr = git_signature_new(out, who->name, who->email, (git_time_t)who->when, EVIDENCE__TZ_MINUTES);
	if (gerr < 0)
		return evidence__git_fail(gerr, KN_EINVAL, "author", "the author \"%s <%s>\" cannot sign a commit", who->name,
		    who->email);
	return 0;
}

/*
 * The tree of the commit that slot/name makes: base's entries with slot
 * replaced by a tree holding only name -> blob. *slot_tree = that slot
 * tree, *replaced = the name the slot held before ("" if none).
 */
static int
evidence__tree_build(git_oid *out, git_oid *slot_tree, char replaced[EVIDENCE_NAME_MAX + 1], evidence_repo *r,
    const git_tree *base, const char *slot, const char *name, const git_oid *blob)
{
	git_treebuilder *tb = NULL;
	git_tree *old_slot = NULL;
	const git_tree_entry *e;
	int gerr, rc;

	replaced[0] = '\0';
	e = base ? git_tree_entry_byname(base, slot) : NULL;
	if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE) {
		gerr = git_tree_lookup(&old_slot, r->repo, git_tree_entry_id(e));
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, KN_EBADREC, "", "cannot read slot %s of the current evidence", slot);
			goto out;
		}
		if (git_tree_entrycount(old_slot) > 0)
			snprintf(replaced, EVIDENCE_NAME_MAX + 1, "%s",
			    git_tree_entry_name(git_tree_entry_byindex(old_slot, 0)));
	}

	gerr = git_treebuilder_new(&tb, r->repo, NULL);
	if (gerr == 0)
		gerr = git_treebuilder_insert(NULL, tb, name, blob, GIT_FILEMODE_BLOB);
	if (gerr < 0) {
		const git_error *ge = git_error_last();
		rc = evidence__git_fail(gerr, gerr == GIT_EINVALID || (ge && ge->klass == GIT_ERROR_TREE) ? KN_EINVAL : 0,
		    "name", "the file name \"%s\" cannot be stored", name);
		goto out_free;
	}
	gerr = git_treebuilder_write(slot_tree, tb);
	git_treebuilder_free(tb);
	tb = NULL;
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot write the tree of slot %s", slot);
		goto out_free;
	}

	gerr = git_treebuilder_new(&tb, r->repo, base);
	if (gerr == 0)
		gerr = git_treebuilder_insert(NULL, tb, slot, slot_tree, GIT_FILEMODE_TREE);
	if (gerr == 0)
		gerr = git_treebuilder_write(out, tb);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot write the tree of the new evidence");
		goto out_free;
	}
	rc = 0;

out_free:
	git_treebuilder_free(tb);
	git_tree_free(old_slot);
out:
	return rc;
}

/* The commit message: message made tidy (ends with a newline), or a default naming slot/name. */
static int
evidence__message(git_buf *out, const char *message, const char *slot, const char *name)
{
	char dflt[EVIDENCE_SLOT_MAX + EVIDENCE_NAME_MAX + 32];
	int gerr;

	if (message == NULL || message[strspn(message, " \t\r\n")] == '\0') {
		snprintf(dflt, sizeof(dflt), "Bukti Dukung %s/%s\n", slot, name);
		message = dflt;
	}
	gerr = git_message_prettify(out, message, 0, '#');
	if (gerr < 0)
		return evidence__git_fail(gerr, 0, "message", "cannot prepare the commit message");
	return 0;
}

/* See evidence.h: stream fd into a blob and commit it as slot/name on ref. */
int
evidence_put(evidence_put_result *out, evidence_repo *r, const char *ref, const char *expected, const char *slot,
    const char *name, int fd, const evidence_who *who, const char *message)
{
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_signature *sig = NULL;
	git_buf msg = { 0 };
	git_oid want, cur, blob, check, tree_id, slot_tree, commit;
	const git_tree_entry *old;
	struct stat st;
	int have_parent, gerr, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = evidence__ref_check(ref)) || (rc = evidence_slot_check(slot)) || (rc = evidence_name_check(name)))
		return rc;
	if (expected == NULL)
		return kn_error_set(KN_EINVAL, "expected", "the expected commit is required (\"\" for a new ref)");
	have_parent = expected[0] != '\0';
	if (have_parent && (rc = evidence__oid_parse(&want, expected, "expected")))
		return rc;
	if ((rc = evidence__signature(&sig, who)))
		return rc;
	if ((rc = evidence__message(&msg, message, slot, name)))
		goto out_free_sig;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = domain_msg_error(KN_EINVAL, "file", "BERKAS_BUKAN_BERKAS_BIASA", NULL);
		goto out_free_msg;
	}

	/* Fail early, before storing anything, when the ref moved already. */
	gerr = git_reference_name_to_id(&cur, r->repo, ref);
	if (gerr < 0 && gerr != GIT_ENOTFOUND) {
		rc = evidence__git_fail(gerr, 0, "ref", "cannot read %s", ref);
		goto out_free_msg;
	}
	if ((gerr == 0) != have_parent || (have_parent && !git_oid_equal(&cur, &want))) {
		rc = domain_msg_error(KN_ESTATE, "expected", "UNGGAH_BUKTI_BERUBAH_BERSAMAAN", NULL);
		goto out_free_msg;
	}
	if (have_parent) {
		gerr = git_commit_lookup(&parent, r->repo, &want);
		if (gerr == 0)
			gerr = git_commit_tree(&base, parent);
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, gerr == GIT_ENOTFOUND ? KN_EBADREC : 0, "expected",
			    "cannot read the current evidence commit %s", expected);
			goto out_free_msg;
		}
	}

	rc = evidence__blob_hash(&blob, fd);
	if (rc)
		goto out_free_parent;
	out->dedup = git_odb_exists(r->odb, &blob);
	if (!out->dedup) {
		rc = evidence__blob_write(&check, r, fd, (uint64_t)st.st_size);
		if (rc)
			goto out_free_parent;
		if (!git_oid_equal(&check, &blob)) {
			rc = domain_msg_error(KN_EINVAL, "file", "UNGGAH_BERKAS_BERUBAH", NULL);
			goto out_free_parent;
		}
	}
	{
		git_object_t type;
		size_t size;
		gerr = git_odb_read_header(&size, &type, r->odb, &blob);
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, KN_EBADREC, "", "cannot read back the stored file");
			goto out_free_parent;
		}
		out->size = size;
	}
	git_oid_tostr(out->blob, sizeof(out->blob), &blob);

	rc = evidence__tree_build(&tree_id, &slot_tree, out->replaced, r, base, slot, name, &blob);
	if (rc)
		goto out_free_parent;
	old = base ? git_tree_entry_byname(base, slot) : NULL;
	if (old && git_tree_entry_filemode(old) == GIT_FILEMODE_TREE && git_oid_equal(git_tree_entry_id(old), &slot_tree)) {
		out->unchanged = 1;
		out->replaced[0] = '\0';
		git_oid_tostr(out->commit, sizeof(out->commit), &want);
		goto out_free_parent;
	}

	gerr = git_tree_lookup(&tree, r->repo, &tree_id);
	if (gerr == 0) {
		const git_commit *parents[1] = { parent };
		gerr = git_commit_create(&commit, r->repo, NULL, sig, sig, NULL, msg.ptr, tree, have_parent ? 1 : 0,
		    parents);
	}
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot write the evidence commit");
		goto out_free_tree;
	}
	rc = evidence__ref_move(r, ref, &commit, have_parent ? &want : NULL, 0);
	if (rc)
		goto out_free_tree;
	git_oid_tostr(out->commit, sizeof(out->commit), &commit);

out_free_tree:
	git_tree_free(tree);
out_free_parent:
	git_tree_free(base);
	git_commit_free(parent);
out_free_msg:
	git_buf_dispose(&msg);
out_free_sig:
	git_signature_free(sig);
	if (rc) {
		int keep = rc;
		memset(out, 0, sizeof(*out));
		rc = keep;
	}
	return rc;
}

/* Look up commit (hex) and its root tree; KN_ENOTFOUND field "commit" when absent. */
static int
evidence__commit_tree(git_tree **out, evidence_repo *r, const char *commit)
{
	git_commit *c = NULL;
	git_oid id;
	int gerr, rc;

	*out = NULL;
	rc = evidence__oid_parse(&id, commit, "commit");
	if (rc)
		return rc;
	gerr = git_commit_lookup(&c, r->repo, &id);
	if (gerr == GIT_ENOTFOUND)
		return kn_error_set(KN_ENOTFOUND, "commit", "commit %s is not in the evidence repository", commit);
	if (gerr < 0)
		return evidence__git_fail(gerr, gerr == GIT_EMISMATCH ? KN_EBADREC : 0, "commit", "cannot read commit %s", commit);
	gerr = git_commit_tree(out, c);
	git_commit_free(c);
	if (gerr < 0)
		return evidence__git_fail(gerr, KN_EBADREC, "commit", "cannot read the tree of commit %s", commit);
	return 0;
}

/* See evidence.h: call cb for each file of commit's tree. */
int
evidence_list(evidence_repo *r, const char *commit, int (*cb)(void *ctx, const evidence_entry *e), void *ctx)
{
	git_tree *root = NULL, *sub = NULL;
	evidence_entry ent;
	int gerr, rc;

	rc = evidence__commit_tree(&root, r, commit);
	if (rc)
		return rc;
	for (size_t i = 0; i < git_tree_entrycount(root); i++) {
		const git_tree_entry *se = git_tree_entry_byindex(root, i);
		if (git_tree_entry_type(se) != GIT_OBJECT_TREE)
			continue;
		gerr = git_tree_lookup(&sub, r->repo, git_tree_entry_id(se));
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, KN_EBADREC, "commit", "cannot read slot %s of commit %s",
			    git_tree_entry_name(se), commit);
			goto out_free;
		}
		for (size_t j = 0; j < git_tree_entrycount(sub); j++) {
			const git_tree_entry *fe = git_tree_entry_byindex(sub, j);
			git_object_t type;
			size_t size;
			if (git_tree_entry_type(fe) != GIT_OBJECT_BLOB)
				continue;
			gerr = git_odb_read_header(&size, &type, r->odb, git_tree_entry_id(fe));
			if (gerr < 0) {
				rc = evidence__git_fail(gerr, KN_EBADREC, "commit", "cannot read file %s/%s of commit %s",
				    git_tree_entry_name(se), git_tree_entry_name(fe), commit);
				goto out_free;
			}
			memset(&ent, 0, sizeof(ent));
			snprintf(ent.slot, sizeof(ent.slot), "%s", git_tree_entry_name(se));
			snprintf(ent.name, sizeof(ent.name), "%s", git_tree_entry_name(fe));
			git_oid_tostr(ent.blob, sizeof(ent.blob), git_tree_entry_id(fe));
			ent.size = size;
			rc = cb(ctx, &ent);
			if (rc) {
				rc = rc > 0 ? 0 : rc;
				goto out_free;
			}
		}
		git_tree_free(sub);
		sub = NULL;
	}
	rc = 0;

out_free:
	git_tree_free(sub);
	git_tree_free(root);
	return rc;
}

/* See evidence.h: a piece of slot/name of commit, through the one-blob cache. */
int
evidence_read(kn_buf *out, uint64_t *total, char blob[EVIDENCE_OID_HEX], evidence_repo *r, const char *commit,
    const char *slot, const char *name, uint64_t offset, size_t len)
{
	git_tree *root = NULL;
	git_tree_entry *e = NULL;
	char path[EVIDENCE_SLOT_MAX + EVIDENCE_NAME_MAX + 2];
	uint64_t size;
	int gerr, rc;

	*total = 0;
	blob[0] = '\0';
	if ((rc = evidence_slot_check(slot)) || (rc = evidence_name_check(name)))
		return rc;
	rc = evidence__commit_tree(&root, r, commit);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", slot, name);
	gerr = git_tree_entry_bypath(&e, root, path);
	if (gerr == GIT_ENOTFOUND || (gerr == 0 && git_tree_entry_type(e) != GIT_OBJECT_BLOB)) {
		rc = domain_msg_error(KN_ENOTFOUND, "name", "UNDUH_BERKAS_TIDAK_ADA", "nama", name, "slot", slot, "versi", commit, NULL);
		goto out_free;
	}
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "name", "cannot find %s in commit %s", path, commit);
		goto out_free;
	}
	if (r->cached == NULL || !git_oid_equal(git_blob_id(r->cached), git_tree_entry_id(e))) {
		git_blob_free(r->cached);
		r->cached = NULL;
		gerr = git_blob_lookup(&r->cached, r->repo, git_tree_entry_id(e));
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, gerr == GIT_ENOTFOUND ? KN_EBADREC : 0, "name",
			    "cannot read file %s of commit %s", path, commit);
			goto out_free;
		}
	}
	size = (uint64_t)git_blob_rawsize(r->cached);
	if (offset > size) {
		rc = domain_msg_error(KN_EINVAL, "offset", "UNDUH_OFFSET_LEWAT", "offset", domain_msg_num(offset).s, "ukuran",
		    domain_msg_num(size).s, NULL);
		goto out_free;
	}
	if (len > size - offset)
		len = (size_t)(size - offset);
	if (len > 0 && kn_buf_put(out, (const uint8_t *)git_blob_rawcontent(r->cached) + offset, len) != 0) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out_free;
	}
	*total = size;
	git_oid_tostr(blob, EVIDENCE_OID_HEX, git_tree_entry_id(e));
	/* the last piece was read: do not keep a whole file in memory */
	if (offset + len == size) {
		git_blob_free(r->cached);
		r->cached = NULL;
	}
	rc = 0;

out_free:
	git_tree_entry_free(e);
	git_tree_free(root);
	return rc;
}

/*
 * Check one object of commit: that it exists (cheap) or that its bytes
 * read back with the right hash (deep, through vodb, a fresh object
 * database with no cached objects). what names it for the message.
 */
static int
evidence__check_object(git_odb *vodb, evidence_repo *r, const git_oid *id, const char *commit, const char *what)
{
	git_odb_object *obj = NULL;
	char hex[EVIDENCE_OID_HEX];
	int gerr;

	git_oid_tostr(hex, sizeof(hex), id);
	if (vodb == NULL) {
		if (!git_odb_exists(r->odb, id))
			return kn_error_set(KN_EBADREC, "commit", "commit %s is damaged: %s (object %s) is missing", commit,
			    what, hex);
		return 0;
	}
	gerr = git_odb_read(&obj, vodb, id);
	git_odb_object_free(obj);
	if (gerr < 0)
		return evidence__git_fail(gerr, KN_EBADREC, "commit", "commit %s is damaged: %s (object %s) %s", commit,
		    what, hex, gerr == GIT_ENOTFOUND ? "is missing" : "cannot be read");
	return 0;
}

/* See evidence.h: is commit present and intact (cheap or deep)? */
int
evidence_check_commit(evidence_repo *r, const char *commit, int deep)
{
	git_odb *vodb = NULL;
	git_commit *c = NULL;
	git_tree *root = NULL, *sub = NULL;
	char what[EVIDENCE_SLOT_MAX + EVIDENCE_NAME_MAX + 32];
	git_oid id;
	int gerr, rc;

	rc = evidence__oid_parse(&id, commit, "commit");
	if (rc)
		return rc;
	if (!git_odb_exists(r->odb, &id))
		return kn_error_set(KN_ENOTFOUND, "commit", "commit %s is not in the evidence repository", commit);
	if (deep) {
		gerr = git_odb_open(&vodb, r->objects);
		if (gerr < 0)
			return evidence__git_fail(gerr, 0, "", "cannot open the objects of %s", r->path);
		rc = evidence__check_object(vodb, r, &id, commit, "the commit");
		if (rc)
			goto out_free;
	}
	gerr = git_commit_lookup(&c, r->repo, &id);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, KN_EBADREC, "commit", "commit %s is damaged", commit);
		goto out_free;
	}
	rc = evidence__check_object(vodb, r, git_commit_tree_id(c), commit, "its tree");
	if (rc)
		goto out_free;
	gerr = git_commit_tree(&root, c);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, KN_EBADREC, "commit", "commit %s is damaged: its tree cannot be read", commit);
		goto out_free;
	}
	for (size_t i = 0; i < git_tree_entrycount(root); i++) {
		const git_tree_entry *se = git_tree_entry_byindex(root, i);
		snprintf(what, sizeof(what), "slot %s", git_tree_entry_name(se));
		if (git_tree_entry_type(se) != GIT_OBJECT_TREE) {
			rc = kn_error_set(KN_EBADREC, "commit", "commit %s is damaged: %s is not a directory", commit, what);
			goto out_free;
		}
		rc = evidence__check_object(vodb, r, git_tree_entry_id(se), commit, what);
		if (rc)
			goto out_free;
		gerr = git_tree_lookup(&sub, r->repo, git_tree_entry_id(se));
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, KN_EBADREC, "commit", "commit %s is damaged: %s cannot be read", commit, what);
			goto out_free;
		}
		for (size_t j = 0; j < git_tree_entrycount(sub); j++) {
			const git_tree_entry *fe = git_tree_entry_byindex(sub, j);
			snprintf(what, sizeof(what), "file %s/%s", git_tree_entry_name(se), git_tree_entry_name(fe));
			if (git_tree_entry_type(fe) != GIT_OBJECT_BLOB) {
				rc = kn_error_set(KN_EBADREC, "commit", "commit %s is damaged: %s is not a file", commit, what);
				goto out_free;
			}
			rc = evidence__check_object(vodb, r, git_tree_entry_id(fe), commit, what);
			if (rc)
				goto out_free;
		}
		git_tree_free(sub);
		sub = NULL;
	}
	rc = 0;

out_free:
	git_tree_free(sub);
	git_tree_free(root);
	git_commit_free(c);
	git_odb_free(vodb);
	return rc;
}

/* See evidence.h: the commit ref names. */
int
evidence_ref_get(char out[EVIDENCE_OID_HEX], evidence_repo *r, const char *ref)
{
	git_oid id;
	int gerr, rc;

	out[0] = '\0';
	rc = evidence__ref_check(ref);
	if (rc)
		return rc;
	gerr = git_reference_name_to_id(&id, r->repo, ref);
	if (gerr == GIT_ENOTFOUND)
		return kn_error_set(KN_ENOTFOUND, "ref", "%s does not exist", ref);
	if (gerr < 0)
		return evidence__git_fail(gerr, 0, "ref", "cannot read %s", ref);
	git_oid_tostr(out, EVIDENCE_OID_HEX, &id);
	return 0;
}

/* See evidence.h: point ref at commit, whatever it held (the commit must exist). */
int
evidence_ref_set(evidence_repo *r, const char *ref, const char *commit)
{
	git_object_t type;
	size_t size;
	git_oid id;
	int gerr, rc;

	if ((rc = evidence__ref_check(ref)) || (rc = evidence__oid_parse(&id, commit, "commit")))
		return rc;
	gerr = git_odb_read_header(&size, &type, r->odb, &id);
	if (gerr == GIT_ENOTFOUND || (gerr == 0 && type != GIT_OBJECT_COMMIT))
		return kn_error_set(KN_ENOTFOUND, "commit", "commit %s is not in the evidence repository", commit);
	if (gerr < 0)
		return evidence__git_fail(gerr, KN_EBADREC, "commit", "cannot read commit %s", commit);
	return evidence__ref_move(r, ref, &id, NULL, 1);
}

/* See evidence.h: remove a ref. */
int
evidence_ref_delete(evidence_repo *r, const char *ref)
{
	int gerr, rc = evidence__ref_check(ref);

	if (rc)
		return rc;
	gerr = git_reference_remove(r->repo, ref);
	if (gerr == GIT_ENOTFOUND)
		return 0;
	if (gerr < 0)
		return evidence__git_fail(gerr, 0, "ref", "cannot remove %s", ref);
	return 0;
}

typedef struct {
	int (*cb)(void *ctx, const char *ref);
	void *ctx;
	int rc;
} evidence__ref_walk;

static int
evidence__ref_each(const char *name, void *payload)
{
	evidence__ref_walk *w = payload;
	int rc = w->cb(w->ctx, name);

	if (rc) {
		w->rc = rc;
		return 1; /* stop */
	}
	return 0;
}

/* See evidence.h: every ref whose name starts with prefix. */
int
evidence_ref_foreach(evidence_repo *r, const char *prefix, int (*cb)(void *ctx, const char *ref), void *ctx)
{
	char glob[300];
	evidence__ref_walk w = { cb, ctx, 0 };

	snprintf(glob, sizeof(glob), "%s*", prefix);
	int gerr = git_reference_foreach_glob(r->repo, glob, evidence__ref_each, &w);
	if (w.rc < 0)
		return w.rc;
	if (gerr < 0 && gerr != 1 && gerr != GIT_EUSER)
		return evidence__git_fail(gerr, 0, "ref", "cannot list the refs %s", glob);
	return 0;
}

/* See evidence.h: the SHA-256 of a stored blob's raw bytes. */
int
evidence_sha256_blob(char out[65], uint64_t *size, evidence_repo *r, const char *blob)
{
	uint8_t sum[crypto_hash_sha256_BYTES];
	git_blob *b = NULL;
	git_oid oid;

	if (strlen(blob) != GIT_OID_HEXSZ || git_oid_fromstr(&oid, blob) != 0)
		return kn_error_set(KN_EINVAL, "blob", "'%s' is not a blob id", blob);
	if (git_blob_lookup(&b, r->repo, &oid) != 0)
		return kn_error_set(KN_ENOTFOUND, "blob", "blob %s is not in the evidence repository", blob);
	crypto_hash_sha256(sum, git_blob_rawcontent(b), (unsigned long long)git_blob_rawsize(b));
	if (size)
		*size = (uint64_t)git_blob_rawsize(b);
	git_blob_free(b);
	kn_hex(out, sum, sizeof(sum));
	return 0;
}
