/*
 * evidence_xfer.c - evidence packs that cross a bad link in chunks and
 * resume where they were cut (see evidence.h, "Resumable transfer").
 *
 * The sender builds the pack once into a spool file named by the pack's
 * SHA-256 and offers (key, size); a rebuilt pack could differ in its
 * bytes, so after a cut the same file is offered again. The receiver
 * keeps what arrived in <dir>/<key>.part: a chunk is accepted only at
 * exactly the length the file has, and is on disk (fsync) before the
 * caller acknowledges it, so an acknowledged byte survives a crash and a
 * resumed transfer starts at the last acknowledged byte, never at zero.
 * When the last byte is there, the file's size and SHA-256 must be the
 * ones offered; then the streaming indexer verifies the pack (object
 * hashes, completeness) before its objects become visible.
 */
#include "evidence_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A key is the pack's SHA-256, 64 lower-case hex digits: safe as a file name. */
static int
xfer__key_check(const char *key)
{
	if (key == NULL || strlen(key) != 64 || strspn(key, "0123456789abcdef") != 64)
		return kn_error_set(KN_EINVAL, "key", "a pack is named by its SHA-256, 64 lower-case hex digits");
	return 0;
}

static void
xfer__hex(char out[65], const uint8_t sum[32])
{
	kn_hex(out, sum, 32);
}

/* fsync a directory, so a created or renamed file in it is durable. */
static int
xfer__sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = fd < 0 || fsync(fd) != 0;

	if (fd >= 0)
		close(fd);
	return rc ? kn_error_set(KN_ERROR, "dir", "cannot sync directory %s: %s", dir, strerror(errno)) : 0;
}

struct spool_sink {
	int fd;
	crypto_hash_sha256_state h;
	uint64_t size;
};

static int
xfer__spool_write(void *ctx, const void *data, size_t len)
{
	struct spool_sink *s = ctx;

	if (kn_write_full(s->fd, data, len) != 0)
		return kn_error_set(KN_ERROR, "spool", "cannot write the pack: %s", strerror(errno));
	crypto_hash_sha256_update(&s->h, data, (unsigned long long)len);
	s->size += len;
	return 0;
}

int
evidence_spool_pack(char key[65], uint64_t *size, uint32_t *nobjects, evidence_repo *r, const char *dir,
    const char *const *wants, size_t nwants, const char *const *haves, size_t nhaves)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	struct spool_sink s = { -1, { { 0 } }, 0 };
	uint8_t sum[32];
	int rc;

	*size = 0;
	*nobjects = 0;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return kn_error_set(KN_ERROR, "dir", "cannot create %s: %s", dir, strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s/spool.XXXXXX", dir);
	if ((s.fd = mkstemp(tmp)) < 0)
		return kn_error_set(KN_ERROR, "dir", "cannot create a spool file in %s: %s", dir, strerror(errno));
	crypto_hash_sha256_init(&s.h);
	rc = evidence_pack_build(r, wants, nwants, haves, nhaves, xfer__spool_write, &s, nobjects);
	if (rc == 0 && fsync(s.fd) != 0)
		rc = kn_error_set(KN_ERROR, "spool", "cannot sync the pack: %s", strerror(errno));
	close(s.fd);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	crypto_hash_sha256_final(&s.h, sum);
	xfer__hex(key, sum);
	snprintf(path, sizeof(path), "%s/%s.pack", dir, key);
	if (rename(tmp, path) != 0) {
		rc = kn_error_set(KN_ERROR, "spool", "cannot name the pack %s: %s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	*size = s.size;
	return xfer__sync_dir(dir);
}

int
evidence_spool_read(kn_buf *out, const char *dir, const char *key, uint64_t offset, size_t len)
{
	char path[PATH_MAX];
	int fd, rc;
	ssize_t n;

	if ((rc = xfer__key_check(key)))
		return rc;
	snprintf(path, sizeof(path), "%s/%s.pack", dir, key);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return kn_error_set(errno == ENOENT ? KN_ENOTFOUND : KN_ERROR, "key", "pack %.12s is not spooled here: %s", key,
		    strerror(errno));
	if ((rc = kn_buf_grow(out, len)) == 0) {
		n = kn_pread_full(fd, out->ptr + out->len, len, (off_t)offset);
		if (n < 0)
			rc = kn_error_set(KN_ERROR, "key", "cannot read pack %.12s: %s", key, strerror(errno));
		else
			out->len += (size_t)n;
	}
	close(fd);
	return rc;
}

void
evidence_spool_drop(const char *dir, const char *key)
{
	char path[PATH_MAX];

	if (xfer__key_check(key) != 0)
		return;
	snprintf(path, sizeof(path), "%s/%s.pack", dir, key);
	unlink(path);
}

int
evidence_incoming_have(uint64_t *have, const char *dir, const char *key)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	*have = 0;
	if ((rc = xfer__key_check(key)))
		return rc;
	snprintf(path, sizeof(path), "%s/%s.part", dir, key);
	if (stat(path, &st) != 0)
		return errno == ENOENT ? 0 : kn_error_set(KN_ERROR, "key", "cannot read %s: %s", path, strerror(errno));
	*have = (uint64_t)st.st_size;
	return 0;
}

int
evidence_incoming_append(const char *dir, const char *key, uint64_t offset, const void *data, size_t len)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rc = 0, created;

	if ((rc = xfer__key_check(key)))
		return rc;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return kn_error_set(KN_ERROR, "dir", "cannot create %s: %s", dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s.part", dir, key);
	created = stat(path, &st) != 0;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return kn_error_set(KN_ERROR, "key", "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = kn_error_set(KN_ERROR, "key", "cannot read %s: %s", path, strerror(errno));
	} else if ((uint64_t)st.st_size != offset) {
		/* a chunk only ever extends what is here: the sender resumes at our length */
		rc = kn_error_set(KN_ESTATE, "offset", "pack %.12s holds %llu bytes here, not %llu: resume at %llu", key,
		    (unsigned long long)st.st_size, (unsigned long long)offset, (unsigned long long)st.st_size);
	} else if (pwrite(fd, data, len, (off_t)offset) != (ssize_t)len || fsync(fd) != 0) {
		rc = kn_error_set(KN_ERROR, "key", "cannot write %s: %s", path, strerror(errno));
		/* what was half written is cut back, so the length stays what was acknowledged */
		if (ftruncate(fd, (off_t)offset) != 0)
			kn_warn("evidence: cannot cut %s back to %llu bytes", path, (unsigned long long)offset);
	}
	close(fd);
	if (rc == 0 && created)
		rc = xfer__sync_dir(dir);
	return rc;
}

int
evidence_incoming_finish(uint32_t *nobjects, evidence_repo *r, const char *dir, const char *key, uint64_t size)
{
	char path[PATH_MAX], got[65];
	uint8_t buf[64 * 1024], sum[32];
	crypto_hash_sha256_state h;
	evidence_indexer *ix = NULL;
	uint64_t off = 0;
	struct stat st;
	int fd, rc;
	ssize_t n;

	*nobjects = 0;
	if ((rc = xfer__key_check(key)))
		return rc;
	snprintf(path, sizeof(path), "%s/%s.part", dir, key);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return kn_error_set(errno == ENOENT ? KN_ENOTFOUND : KN_ERROR, "key", "nothing of pack %.12s arrived: %s", key,
		    strerror(errno));
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size != size) {
		close(fd);
		return kn_error_set(KN_ESTATE, "size", "pack %.12s is not complete: %llu of %llu bytes", key,
		    (unsigned long long)st.st_size, (unsigned long long)size);
	}
	crypto_hash_sha256_init(&h);
	rc = evidence_pack_index_begin(&ix, r);
	while (rc == 0 && (n = kn_pread_full(fd, buf, sizeof(buf), (off_t)off)) > 0) {
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		rc = evidence_pack_index_append(ix, buf, (size_t)n);
		off += (uint64_t)n;
		if ((size_t)n < sizeof(buf))
			break;
	}
	close(fd);
	crypto_hash_sha256_final(&h, sum);
	xfer__hex(got, sum);
	if (rc == 0 && (off != size || strcmp(got, key) != 0)) {
		/* not the pack offered: whatever it holds, nothing of it is kept */
		rc = kn_error_set(KN_EBADREC, "key", "the bytes received are not pack %.12s (their SHA-256 is %.12s): received again from zero",
		    key, got);
	}
	if (rc == 0)
		rc = evidence_pack_index_commit(ix, nobjects);
	else
		evidence_pack_index_abort(ix);
	/* bytes that are not a good pack are dropped, so the next offer starts from zero; an I/O error keeps them */
	if (rc == KN_EBADREC || rc == KN_EBADSIG)
		unlink(path);
	if (rc)
		return rc;
	unlink(path);
	return 0;
}

int
evidence_incoming_prune(const char *dir, const char *keep, uint64_t max_age_s, uint64_t *nremoved, uint64_t *bytes)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	time_t now = time(NULL);
	DIR *d;

	*nremoved = 0;
	*bytes = 0;
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : kn_error_set(KN_ERROR, "dir", "cannot read %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 64 + 5 || strcmp(e->d_name + 64, ".part") != 0 ||
		    strspn(e->d_name, "0123456789abcdef") != 64)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		int other = keep != NULL && strncmp(e->d_name, keep, 64) != 0;
		int old = st.st_mtime < now && (uint64_t)(now - st.st_mtime) >= max_age_s;
		if ((other || old) && unlink(path) == 0) {
			(*nremoved)++;
			*bytes += (uint64_t)st.st_size;
		}
	}
	closedir(d);
	return 0;
}
