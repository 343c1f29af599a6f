/*
 * evidence.c - Bukti Dukung (evidence files) in a bare git repository,
 * through libgit2 (see evidence.h for the contract and the layout).
 *
 * libgit2 codes never leave this file: evidence__git_fail() maps them to
 * KN_E* codes, with libgit2's own message after ours. libgit2 is set up
 * in evidence_open() (reference counted) with strict hash verification,
 * strict object creation and fsync of everything written to the
 * repository, so that a commit id handed to the record store survives a
 * power cut as well as a crash.
 */
#include "evidence.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#define EVIDENCE__CHUNK (64 * 1024)           /* read size when streaming a file */
#define EVIDENCE__REF_PREFIX "refs/kinerja/"
#define EVIDENCE__TZ_MINUTES 420              /* WIB, UTC+07:00 */
#define EVIDENCE__LOCK_STALE_SEC 60           /* a ref lock is held for milliseconds */
#define EVIDENCE__TMP_STALE_SEC 3600          /* temporary object files left by a crash */
#define EVIDENCE__PDF_TAIL 1024
#define EVIDENCE__ZIP_EOCD 22                 /* end of central directory record, no comment */
#define EVIDENCE__ZIP_CDH 46                  /* central directory file header */
#define EVIDENCE__OOXML_NAME "[Content_Types].xml"
#define EVIDENCE__DOCX_PART "word/document.xml" /* what makes an OOXML zip a Word document */

struct evidence_repo {
	git_repository *repo;
	git_odb *odb;         /* the repository's, owned by us through git_repository_odb() */
	char *path;           /* as given to evidence_open() */
	char *objects;        /* the objects directory, with a trailing '/' */
	git_blob *cached;     /* the blob evidence_read() read last, or NULL */
};

struct evidence_indexer {
	evidence_repo *r;
	git_indexer *ix;
	git_indexer_progress stats;
	int failed;           /* KN_E* code of a failed append: the pack is refused */
	char why[256];        /* its message */
};

/*
 * The KN_E* code for a libgit2 failure gerr, from the code and, where the
 * code is generic, the class of libgit2's last error.
 */
static int
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

/*
 * Set the last error after libgit2 failed with gerr: code (or, when code
 * is 0, the code evidence__git_code() picks), field, our message from fmt,
 * then libgit2's. Returns the code.
 */
static int
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

/* Parse a 40-digit hex object id; KN_EINVAL naming field when malformed. */
static int
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

/* mkdir -p path with mode for the directories it creates. */
static int
evidence__mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return kn_error_set(KN_EINVAL, "evidence_dir", "the evidence directory path is empty or too long");
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
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
 * packs and refs before they become visible.
 */
static int
evidence__git_options(void)
{
	if (git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1) < 0 ||
	    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1) < 0 ||
	    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0)
		return evidence__git_fail(-1, KN_ERROR, "", "cannot set libgit2 options");
	return 0;
}

/*
 * Open the bare repository at path, or create it (and its parents, mode
 * 0750) when path is absent or an empty directory.
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
		rc = evidence__mkdirs(path, 0750);
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

/* The file types, their names and how to call them in a message. */
static const struct {
	unsigned type;
	const char *name;
	const char *alias;
	const char *desc;
} evidence__types[] = {
	{ EVIDENCE_PDF, "pdf", NULL, "a PDF" },
	{ EVIDENCE_JPEG, "jpeg", "jpg", "a JPEG photo" },
	{ EVIDENCE_PNG, "png", NULL, "a PNG image" },
	{ EVIDENCE_DOCX, "docx", NULL, "a Word document (DOCX)" },
};
#define EVIDENCE__NTYPES (sizeof(evidence__types) / sizeof(evidence__types[0]))

/*
 * Parse a comma separated list of type names (case and spaces around
 * words ignored, "jpg" taken for "jpeg") into a bit set.
 */
int
evidence_types_parse(unsigned *out, const char *list)
{
	unsigned set = 0;
	const char *p = list;

	*out = 0;
	if (list == NULL)
		return kn_error_set(KN_EINVAL, "evidence_types", "evidence_types must list at least one of pdf, jpeg, png, docx");
	for (;;) {
		const char *end;
		size_t n;
		unsigned found = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		for (size_t i = 0; i < EVIDENCE__NTYPES && n > 0; i++) {
			const char *alias = evidence__types[i].alias;
			if ((strlen(evidence__types[i].name) == n && strncasecmp(p, evidence__types[i].name, n) == 0) ||
			    (alias && strlen(alias) == n && strncasecmp(p, alias, n) == 0))
				found = evidence__types[i].type;
		}
		if (!found)
			return kn_error_set(KN_EINVAL, "evidence_types",
			    "evidence_types: \"%.*s\" is not a file type; use a comma separated list of pdf, jpeg, png, docx",
			    (int)(n > 40 ? 40 : n), p);
		set |= found;
		if (*end == '\0')
			break;
		p = end + 1;
	}
	*out = set;
	return 0;
}

/* The name of one type bit; "unknown" for 0 or anything else. */
const char *
evidence_type_name(unsigned type)
{
	for (size_t i = 0; i < EVIDENCE__NTYPES; i++)
		if (evidence__types[i].type == type)
			return evidence__types[i].name;
	return "unknown";
}

/*
 * The type by magic bytes. A ZIP archive is taken for a DOCX here: only
 * its central directory can tell, and evidence_check_file() reads that.
 */
unsigned
evidence_sniff(const uint8_t *head, size_t len)
{
	static const uint8_t png[8] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };

	if (head == NULL)
		return 0;
	if (len >= 5 && memcmp(head, "%PDF-", 5) == 0)
		return EVIDENCE_PDF;
	if (len >= 8 && memcmp(head, png, 8) == 0)
		return EVIDENCE_PNG;
	if (len >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
		return EVIDENCE_JPEG;
	if (len >= 4 && memcmp(head, "PK\x03\x04", 4) == 0)
		return EVIDENCE_DOCX;
	return 0;
}

/* What a file that is none of our types looks like, for a message a person can act on. */
static const char *
evidence__looks_like(const uint8_t *head, size_t len)
{
	static const uint8_t ole[8] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
	unsigned t = evidence_sniff(head, len);

	for (size_t i = 0; i < EVIDENCE__NTYPES; i++)
		if (evidence__types[i].type == t)
			return evidence__types[i].desc;
	if (len >= 8 && memcmp(head, ole, 8) == 0)
		return "an old Office file (.doc, .xls or .ppt)";
	if (len >= 4 && memcmp(head, "GIF8", 4) == 0)
		return "a GIF image";
	if (len >= 12 && memcmp(head, "RIFF", 4) == 0 && memcmp(head + 8, "WEBP", 4) == 0)
		return "a WebP image";
	if (len >= 12 && memcmp(head + 4, "ftyphei", 7) == 0)
		return "an HEIC photo";
	if (len >= 5 && memcmp(head, "{\\rtf", 5) == 0)
		return "an RTF document";
	return "a type that is not recognised";
}

/* "a PDF" when allowed is one type, else "an allowed type". */
static const char *
evidence__allowed_desc(unsigned allowed)
{
	for (size_t i = 0; i < EVIDENCE__NTYPES; i++)
		if (evidence__types[i].type == allowed)
			return evidence__types[i].desc;
	return "an allowed type";
}

/* The allowed types as "pdf, jpeg" into out. */
static void
evidence__allowed_list(char *out, size_t outsz, unsigned allowed)
{
	size_t at = 0;

	out[0] = '\0';
	for (size_t i = 0; i < EVIDENCE__NTYPES; i++) {
		if (!(allowed & evidence__types[i].type))
			continue;
		int n = snprintf(out + at, outsz - at, "%s%s", at ? ", " : "", evidence__types[i].name);
		if (n < 0 || (size_t)n >= outsz - at)
			break;
		at += (size_t)n;
	}
	if (at == 0)
		snprintf(out, outsz, "none");
}

/* A size for people: "12.3 MB", "456.7 KB" or "800 bytes" (decimal units). */
static void
evidence__size_text(char *out, size_t outsz, uint64_t n)
{
	if (n >= 1000000)
		snprintf(out, outsz, "%.1f MB", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(out, outsz, "%.1f KB", (double)n / 1e3);
	else
		snprintf(out, outsz, "%llu bytes", (unsigned long long)n);
	/* "10.0 MB" reads better as "10 MB" */
	char *dot = strstr(out, ".0 ");
	if (dot)
		memmove(dot, dot + 2, strlen(dot + 2) + 1);
}

/* What to do with a file that is too big, by type. */
static const char *
evidence__shrink_advice(unsigned type)
{
	switch (type) {
	case EVIDENCE_PDF:
		return "compress or split the PDF";
	case EVIDENCE_JPEG:
	case EVIDENCE_PNG:
		return "save the picture at a lower resolution";
	case EVIDENCE_DOCX:
		return "compress its pictures or split the document";
	default:
		return "make it smaller";
	}
}

/* A sequential reader over a file by pread, EVIDENCE__CHUNK at a time. */
typedef struct {
	int fd;
	uint64_t next;        /* file offset of the byte after buf's */
	uint64_t end;         /* read nothing at or after this offset */
	size_t pos, len;
	int error;            /* errno of a failed read, or 0 */
	uint8_t buf[EVIDENCE__CHUNK];
} evidence__reader;

/* Refill rd's buffer; 1 when there are bytes, 0 at the end, -1 on a read error. */
static int
evidence__reader_fill(evidence__reader *rd)
{
	size_t want;
	ssize_t n;

	if (rd->pos < rd->len)
		return 1;
	if (rd->next >= rd->end)
		return 0;
	want = rd->end - rd->next < sizeof(rd->buf) ? (size_t)(rd->end - rd->next) : sizeof(rd->buf);
	n = kn_pread_full(rd->fd, rd->buf, want, rd->next);
	if (n < 0) {
		rd->error = errno;
		return -1;
	}
	rd->pos = 0;
	rd->len = (size_t)n;
	rd->next += (uint64_t)n;
	if (n == 0)
		rd->end = rd->next;
	return n > 0;
}

/* The next byte, or -1 at the end or on error. */
static int
evidence__reader_byte(evidence__reader *rd)
{
	if (evidence__reader_fill(rd) <= 0)
		return -1;
	return rd->buf[rd->pos++];
}

/* Read exactly n bytes into dst (NULL: skip them); 0, or -1 at the end or on error. */
static int
evidence__reader_take(evidence__reader *rd, uint8_t *dst, uint64_t n)
{
	while (n > 0) {
		if (evidence__reader_fill(rd) <= 0)
			return -1;
		size_t have = rd->len - rd->pos;
		size_t k = n < have ? (size_t)n : have;
		if (dst) {
			memcpy(dst, rd->buf + rd->pos, k);
			dst += k;
		}
		rd->pos += k;
		n -= k;
	}
	return 0;
}

/* The code of the marker at rd (FF, any fill FFs, then the code); -1 when there is none. */
static int
evidence__jpeg_marker(evidence__reader *rd)
{
	int m;

	if (evidence__reader_byte(rd) != 0xff)
		return -1;
	do
		m = evidence__reader_byte(rd);
	while (m == 0xff);
	return m;
}

/*
 * Walk a JPEG's markers from after SOI, skipping segments by their
 * lengths and entropy-coded data byte by byte, to the EOI marker. 1 when
 * the EOI is found (data after it, as phones append, is allowed), 0 when
 * the file ends first or is malformed, -1 on a read error.
 */
static int
evidence__jpeg_has_eoi(evidence__reader *rd)
{
	int c, m, hi, lo;

	if (evidence__reader_take(rd, NULL, 2) != 0)
		goto out_end;
	m = evidence__jpeg_marker(rd);
	while (m >= 0) {
		if (m == 0xd9)
			return 1;
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			m = evidence__jpeg_marker(rd);
			continue;
		}
		hi = evidence__reader_byte(rd);
		lo = evidence__reader_byte(rd);
		if (hi < 0 || lo < 0 || (hi << 8 | lo) < 2 ||
		    evidence__reader_take(rd, NULL, (uint64_t)((hi << 8 | lo) - 2)) != 0)
			break;
		if (m != 0xda) {
			m = evidence__jpeg_marker(rd);
			continue;
		}
		/* Entropy-coded data: up to an FF that is not stuffing (FF 00) nor a restart marker. */
		for (;;) {
			c = evidence__reader_byte(rd);
			if (c < 0)
				goto out_end;
			if (c != 0xff)
				continue;
			do
				m = evidence__reader_byte(rd);
			while (m == 0xff);
			if (m < 0)
				goto out_end;
			if (m != 0x00 && (m < 0xd0 || m > 0xd7))
				break; /* EOI, or another segment (DHT, the SOS of a progressive scan...) */
		}
	}

out_end:
	return rd->error ? -1 : 0;
}

/*
 * Walk a PNG's chunks (length, type, data, CRC) from after the signature
 * to IEND. 1 when found, 0 when the file ends first, -1 on a read error.
 */
static int
evidence__png_has_iend(int fd, uint64_t size)
{
	uint64_t off = 8;
	uint8_t h[8];

	while (off + 12 <= size) {
		ssize_t n = kn_pread_full(fd, h, sizeof(h), off);
		if (n < 0)
			return -1;
		if (n != (ssize_t)sizeof(h))
			return 0;
		uint32_t len = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		if (len > 0x7fffffffu)
			return 0;
		if (memcmp(h + 4, "IEND", 4) == 0)
			return off + 12 + len <= size;
		off += 12 + (uint64_t)len;
	}
	return 0;
}

/* Little-endian fields of ZIP records. */
static uint32_t
evidence__le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
evidence__le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * Is the ZIP archive in fd an OOXML document (a DOCX)? Finds the end of
 * central directory record in the last 64 KiB + 22 bytes, then reads the
 * central directory for "[Content_Types].xml". Returns 0, or KN_EINVAL
 * field "file" saying what is wrong.
 */
static int
evidence__docx_check(evidence__reader *rd, int fd, uint64_t size)
{
	static const char fix[] = "open it in Word or LibreOffice, save it again as .docx and upload again";
	size_t tail_len = size < EVIDENCE__ZIP_EOCD + 0xffff ? (size_t)size : EVIDENCE__ZIP_EOCD + 0xffff;
	uint64_t tail_off = size - tail_len;
	uint8_t *tail = NULL, cdh[EVIDENCE__ZIP_CDH];
	char name[sizeof(EVIDENCE__OOXML_NAME) > sizeof(EVIDENCE__DOCX_PART) ? sizeof(EVIDENCE__OOXML_NAME) : sizeof(EVIDENCE__DOCX_PART)];
	const size_t want = sizeof(EVIDENCE__OOXML_NAME) - 1;
	uint64_t eocd = 0, cd_off, cd_size;
	uint32_t entries;
	ssize_t n;
	int found = 0, rc;

	tail = malloc(tail_len ? tail_len : 1);
	if (tail == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out;
	}
	n = kn_pread_full(fd, tail, tail_len, tail_off);
	if (n < 0 || (size_t)n != tail_len) {
		rc = kn_error_set(KN_ERROR, "file", "cannot read the file: %s", n < 0 ? strerror(errno) : "it got shorter");
		goto out_free;
	}
	for (size_t i = tail_len >= EVIDENCE__ZIP_EOCD ? tail_len - EVIDENCE__ZIP_EOCD + 1 : 0; i-- > 0;) {
		if (memcmp(tail + i, "PK\x05\x06", 4) == 0 &&
		    i + EVIDENCE__ZIP_EOCD + evidence__le16(tail + i + 20) <= tail_len) {
			eocd = tail_off + i;
			found = 1;
			break;
		}
	}
	if (!found) {
		rc = kn_error_set(KN_EINVAL, "file",
		    "the DOCX is truncated (the end of its ZIP archive is missing): the copy may be incomplete; %s", fix);
		goto out_free;
	}
	const uint8_t *e = tail + (eocd - tail_off);
	entries = evidence__le16(e + 10);
	cd_size = evidence__le32(e + 12);
	cd_off = evidence__le32(e + 16);
	if (evidence__le16(e + 4) != 0 || evidence__le16(e + 6) != 0 || entries == 0xffff ||
	    cd_off == 0xffffffffu || cd_size == 0xffffffffu) {
		rc = kn_error_set(KN_EINVAL, "file", "the DOCX is a split or ZIP64 archive, which is not accepted: %s", fix);
		goto out_free;
	}
	if (cd_off + cd_size > eocd) {
		rc = kn_error_set(KN_EINVAL, "file", "the DOCX is damaged (its ZIP directory points past the file's end): %s",
		    fix);
		goto out_free;
	}
	rd->fd = fd;
	rd->next = cd_off;
	rd->end = cd_off + cd_size;
	rd->pos = rd->len = 0;
	found = 0;
	for (uint32_t i = 0; i < entries && found != 3; i++) {
		if (evidence__reader_take(rd, cdh, sizeof(cdh)) != 0 || memcmp(cdh, "PK\x01\x02", 4) != 0)
			break;
		uint32_t nlen = evidence__le16(cdh + 28);
		uint64_t rest = (uint64_t)evidence__le16(cdh + 30) + evidence__le16(cdh + 32);
		if (nlen == want || nlen == sizeof(EVIDENCE__DOCX_PART) - 1) {
			if (evidence__reader_take(rd, (uint8_t *)name, nlen) != 0)
				break;
			if (nlen == want && memcmp(name, EVIDENCE__OOXML_NAME, want) == 0)
				found |= 1;
			if (nlen == sizeof(EVIDENCE__DOCX_PART) - 1 && memcmp(name, EVIDENCE__DOCX_PART, nlen) == 0)
				found |= 2;
		} else if (evidence__reader_take(rd, NULL, nlen) != 0) {
			break;
		}
		if (evidence__reader_take(rd, NULL, rest) != 0)
			break;
	}
	if (rd->error) {
		rc = kn_error_set(KN_ERROR, "file", "cannot read the file: %s", strerror(rd->error));
		goto out_free;
	}
	if (found != 3) {
		rc = kn_error_set(KN_EINVAL, "file",
		    "the file is a ZIP archive but not a DOCX (it holds no %s): choose the Word document itself, or %s",
		    (found & 1) ? EVIDENCE__DOCX_PART : EVIDENCE__OOXML_NAME, fix);
		goto out_free;
	}
	rc = 0;

out_free:
	free(tail);
out:
	return rc;
}

/*
 * Is the file of type complete? PDF: %%EOF in its last 1 KiB; PNG: ends
 * with IEND (or its chunks lead to IEND); JPEG: ends with FF D9 (or its
 * markers lead to the EOI, for photos with data after it); DOCX: see
 * evidence__docx_check(). 0 or KN_EINVAL / KN_ERROR.
 */
static int
evidence__complete_check(int fd, uint64_t size, unsigned type)
{
	static const uint8_t iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82 };
	static const char again[] = "the copy may be incomplete; save it again and upload again";
	uint8_t tail[EVIDENCE__PDF_TAIL];
	size_t tlen = size < sizeof(tail) ? (size_t)size : sizeof(tail);
	evidence__reader *rd = NULL;
	ssize_t n;
	int ok, rc;

	n = kn_pread_full(fd, tail, tlen, size - tlen);
	if (n < 0 || (size_t)n != tlen)
		return kn_error_set(KN_ERROR, "file", "cannot read the file: %s", n < 0 ? strerror(errno) : "it got shorter");
	switch (type) {
	case EVIDENCE_PDF:
		if (memmem(tail, tlen, "%%EOF", 5) == NULL)
			return kn_error_set(KN_EINVAL, "file",
			    "the PDF is truncated (no %%%%EOF at its end): the copy may be incomplete, save it again and upload again");
		return 0;
	case EVIDENCE_PNG:
		if (tlen >= sizeof(iend) && memcmp(tail + tlen - sizeof(iend), iend, sizeof(iend)) == 0)
			return 0;
		ok = evidence__png_has_iend(fd, size);
		if (ok < 0)
			return kn_error_set(KN_ERROR, "file", "cannot read the file: %s", strerror(errno));
		if (!ok)
			return kn_error_set(KN_EINVAL, "file", "the PNG image is truncated (its IEND chunk is missing): %s", again);
		return 0;
	case EVIDENCE_JPEG:
	case EVIDENCE_DOCX:
		if (type == EVIDENCE_JPEG && tlen >= 2 && tail[tlen - 2] == 0xff && tail[tlen - 1] == 0xd9)
			return 0;
		rd = malloc(sizeof(*rd));
		if (rd == NULL)
			return kn_error_set(KN_ENOMEM, "", "out of memory");
		memset(rd, 0, offsetof(evidence__reader, buf));
		rd->fd = fd;
		rd->end = size;
		if (type == EVIDENCE_DOCX) {
			rc = evidence__docx_check(rd, fd, size);
		} else {
			ok = evidence__jpeg_has_eoi(rd);
			if (ok < 0)
				rc = kn_error_set(KN_ERROR, "file", "cannot read the file: %s", strerror(rd->error));
			else if (!ok)
				rc = kn_error_set(KN_EINVAL, "file",
				    "the JPEG photo is truncated (no end-of-image marker FF D9): %s", again);
			else
				rc = 0;
		}
		free(rd);
		return rc;
	default:
		return 0;
	}
}

/* See evidence.h: not empty, not too big, an allowed type, complete. */
int
evidence_check_file(unsigned *type, int fd, uint64_t max_bytes, unsigned allowed)
{
	char list[64], have[32], limit[32];
	uint8_t head[16];
	struct stat st;
	uint64_t size;
	unsigned t;
	ssize_t n;

	*type = 0;
	if (fstat(fd, &st) != 0)
		return kn_error_set(KN_ERROR, "file", "cannot stat the file: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return kn_error_set(KN_EINVAL, "file", "the upload is not a regular file");
	size = (uint64_t)st.st_size;
	if (size == 0)
		return kn_error_set(KN_EINVAL, "file", "the file is empty: choose the right file and upload again");
	n = kn_pread_full(fd, head, sizeof(head), 0);
	if (n <= 0)
		return kn_error_set(KN_ERROR, "file", "cannot read the file: %s", n < 0 ? strerror(errno) : "it is empty");
	t = evidence_sniff(head, (size_t)n);
	if (size > max_bytes) {
		evidence__size_text(have, sizeof(have), size);
		evidence__size_text(limit, sizeof(limit), max_bytes);
		if (strcmp(have, limit) == 0) {
			snprintf(have, sizeof(have), "%llu bytes", (unsigned long long)size);
			snprintf(limit, sizeof(limit), "%llu bytes", (unsigned long long)max_bytes);
		}
		return kn_error_set(KN_ETOOBIG, "file", "the file is %s; the limit is %s: %s, then upload again", have,
		    limit, evidence__shrink_advice(t));
	}
	if (t == 0 || !(t & allowed)) {
		evidence__allowed_list(list, sizeof(list), allowed);
		return kn_error_set(KN_EINVAL, "file",
		    "the file is not %s (it looks like %s); Bukti Dukung allowed here: %s. "
		    "Choose the right file, or save or export it as %s, and upload again",
		    evidence__allowed_desc(allowed), evidence__looks_like(head, (size_t)n), list,
		    allowed == EVIDENCE_PDF ? "PDF" : "one of these");
	}
	int rc = evidence__complete_check(fd, size, t);
	if (rc)
		return rc;
	*type = t;
	return 0;
}

/* Is slot [a-z0-9-]{1,32}, not starting with '-'? KN_EINVAL field "slot" otherwise. */
int
evidence_slot_check(const char *slot)
{
	size_t n = slot ? strlen(slot) : 0;

	if (n == 0 || n > EVIDENCE_SLOT_MAX)
		return kn_error_set(KN_EINVAL, "slot", "the slot must have 1 to %d characters", EVIDENCE_SLOT_MAX);
	if (strspn(slot, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return kn_error_set(KN_EINVAL, "slot", "the slot \"%s\" may hold only a-z, 0-9 and '-'", slot);
	if (slot[0] == '-')
		return kn_error_set(KN_EINVAL, "slot", "the slot \"%s\" must not start with '-'", slot);
	return 0;
}

/*
 * Length of the UTF-8 sequence at p (of n bytes left) and its code point
 * in *cp, or 0 when malformed (overlong, surrogate, beyond U+10FFFF).
 */
static size_t
evidence__utf8(uint32_t *cp, const uint8_t *p, size_t n)
{
	size_t len;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		len = 2, c = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, c = p[0] & 0x0f, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * Is name a file name we store: 1..128 bytes of UTF-8, no '/', '\\',
 * control characters, or invisible / direction-changing characters (they
 * disguise names, and git treats some as part of ".git"), not "." or
 * "..", not starting with '.', not "git~1" (".git" on NTFS)? KN_EINVAL
 * field "name" otherwise.
 */
int
evidence_name_check(const char *name)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > EVIDENCE_NAME_MAX)
		return kn_error_set(KN_EINVAL, "name", "the file name must have 1 to %d bytes", EVIDENCE_NAME_MAX);
	if (name[0] == '.')
		return kn_error_set(KN_EINVAL, "name", "the file name must not start with '.': rename the file");
	if (strcasecmp(name, "git~1") == 0)
		return kn_error_set(KN_EINVAL, "name", "the file name \"%s\" is reserved: rename the file", name);
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t len = evidence__utf8(&c, p + i, n - i);
		if (len == 0)
			return kn_error_set(KN_EINVAL, "name", "the file name is not valid UTF-8 text: rename the file");
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			return kn_error_set(KN_EINVAL, "name", "the file name must not contain control characters");
		if (c == '/' || c == '\\')
			return kn_error_set(KN_EINVAL, "name", "the file name must not contain '/' or '\\'");
		if ((c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
		    c == 0xfeff)
			return kn_error_set(KN_EINVAL, "name",
			    "the file name must not contain invisible or direction-changing characters: rename the file");
		i += len;
	}
	return 0;
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
		return kn_error_set(KN_ESTATE, "expected", "the evidence of this period was changed meanwhile; try again");
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
			rc = kn_error_set(KN_EINVAL, "file", "the file got shorter while it was stored: upload it again");
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
		rc = kn_error_set(KN_EINVAL, "file", "the upload is not a readable regular file");
		goto out_free_msg;
	}

	/* Fail early, before storing anything, when the ref moved already. */
	gerr = git_reference_name_to_id(&cur, r->repo, ref);
	if (gerr < 0 && gerr != GIT_ENOTFOUND) {
		rc = evidence__git_fail(gerr, 0, "ref", "cannot read %s", ref);
		goto out_free_msg;
	}
	if ((gerr == 0) != have_parent || (have_parent && !git_oid_equal(&cur, &want))) {
		rc = kn_error_set(KN_ESTATE, "expected", "the evidence of this period was changed meanwhile; try again");
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
			rc = kn_error_set(KN_EINVAL, "file", "the file changed while it was being stored: upload it again");
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
		rc = kn_error_set(KN_ENOTFOUND, "name", "there is no file %s in slot %s of commit %s", name, slot, commit);
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
		rc = kn_error_set(KN_EINVAL, "offset", "offset %llu is past the end of the file (%llu bytes)",
		    (unsigned long long)offset, (unsigned long long)size);
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

/* Where git_packbuilder_foreach() sends the pack, and what the caller's writer said. */
typedef struct {
	int (*write)(void *ctx, const void *data, size_t len);
	void *ctx;
	int rc;
} evidence__pack_sink;

/* git_packbuilder_foreach() callback: hand a piece to the caller's writer. */
static int
evidence__pack_piece(void *buf, size_t size, void *payload)
{
	evidence__pack_sink *s = payload;

	s->rc = s->write(s->ctx, buf, size);
	return s->rc ? -1 : 0;
}

/* See evidence.h: a pack of what wants reach and haves do not, streamed to sink. */
int
evidence_pack_build(evidence_repo *r, const char *const *wants, size_t nwants, const char *const *haves,
    size_t nhaves, int (*sink)(void *ctx, const void *data, size_t len), void *ctx, uint32_t *nobjects)
{
	evidence__pack_sink s = { sink, ctx, 0 };
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	git_object_t type;
	size_t size;
	git_oid id;
	int gerr, rc;

	*nobjects = 0;
	if (nwants == 0 || wants == NULL || sink == NULL)
		return kn_error_set(KN_EINVAL, "wants", "name at least one commit to send");
	gerr = git_revwalk_new(&walk, r->repo);
	if (gerr < 0)
		return evidence__git_fail(gerr, 0, "", "cannot start a walk of the evidence history");
	for (size_t i = 0; i < nwants; i++) {
		if ((rc = evidence__oid_parse(&id, wants[i], "wants")))
			goto out_free_walk;
		gerr = git_odb_read_header(&size, &type, r->odb, &id);
		if (gerr == GIT_ENOTFOUND || (gerr == 0 && type != GIT_OBJECT_COMMIT)) {
			rc = kn_error_set(KN_ENOTFOUND, "wants", "commit %s is not in the evidence repository", wants[i]);
			goto out_free_walk;
		}
		if (gerr == 0)
			gerr = git_revwalk_push(walk, &id);
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, KN_EBADREC, "wants", "cannot walk from commit %s", wants[i]);
			goto out_free_walk;
		}
	}
	for (size_t i = 0; i < nhaves; i++) {
		if ((rc = evidence__oid_parse(&id, haves[i], "haves")))
			goto out_free_walk;
		/* The peer may have commits we never saw: those say nothing about what to leave out. */
		if (git_odb_read_header(&size, &type, r->odb, &id) != 0 || type != GIT_OBJECT_COMMIT)
			continue;
		gerr = git_revwalk_hide(walk, &id);
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, KN_EBADREC, "haves", "cannot walk from commit %s", haves[i]);
			goto out_free_walk;
		}
	}
	gerr = git_packbuilder_new(&pb, r->repo);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot start a pack");
		goto out_free_walk;
	}
	git_packbuilder_set_threads(pb, 1);
	gerr = git_packbuilder_insert_walk(pb, walk);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot gather the objects to send");
		goto out_free_pb;
	}
	gerr = git_packbuilder_foreach(pb, evidence__pack_piece, &s);
	if (s.rc) {
		rc = s.rc < 0 ? s.rc : kn_error_set(KN_ERROR, "", "the pack writer failed");
		goto out_free_pb;
	}
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot build the pack");
		goto out_free_pb;
	}
	*nobjects = (uint32_t)git_packbuilder_object_count(pb);
	rc = 0;

out_free_pb:
	git_packbuilder_free(pb);
out_free_walk:
	git_revwalk_free(walk);
	return rc;
}

/*
 * See evidence.h: start receiving a pack into the objects/pack directory.
 * The indexer resolves thin packs from the repository's objects and checks
 * that everything the pack's commits and trees name is present.
 */
int
evidence_pack_index_begin(evidence_indexer **out, evidence_repo *r)
{
	git_indexer_options opts = GIT_INDEXER_OPTIONS_INIT;
	evidence_indexer *ix;
	char packdir[PATH_MAX];
	int gerr;

	*out = NULL;
	ix = calloc(1, sizeof(*ix));
	if (ix == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	ix->r = r;
	opts.verify = 1;
	snprintf(packdir, sizeof(packdir), "%spack", r->objects);
	gerr = git_indexer_new(&ix->ix, packdir, 0, r->odb, &opts);
	if (gerr < 0) {
		free(ix);
		return evidence__git_fail(gerr, KN_ERROR, "", "cannot start receiving a pack into %s", packdir);
	}
	*out = ix;
	return 0;
}

/* See evidence.h: add a piece of the pack. Once one fails, the pack is refused. */
int
evidence_pack_index_append(evidence_indexer *ix, const void *data, size_t len)
{
	int gerr;

	if (ix->failed)
		return kn_error_set(ix->failed, "pack", "%s", ix->why);
	gerr = git_indexer_append(ix->ix, data, len, &ix->stats);
	if (gerr < 0) {
		const git_error *e = git_error_last();
		int code = evidence__git_code(gerr);
		if (code == KN_ERROR && !(e && e->klass == GIT_ERROR_OS))
			code = KN_EBADREC;
		ix->failed = evidence__git_fail(gerr, code, "pack", "the pack is refused");
		snprintf(ix->why, sizeof(ix->why), "%s", kn_error_message());
		return ix->failed;
	}
	return 0;
}

/* See evidence.h: verify and store the pack, make its objects visible, free ix. */
int
evidence_pack_index_commit(evidence_indexer *ix, uint32_t *nobjects)
{
	int gerr, rc;

	*nobjects = 0;
	if (ix->failed) {
		rc = kn_error_set(ix->failed, "pack", "%s", ix->why);
		goto out_free;
	}
	gerr = git_indexer_commit(ix->ix, &ix->stats);
	if (gerr < 0) {
		rc = evidence__git_code(gerr);
		const git_error *e = git_error_last();
		if (rc != KN_ENOMEM && rc != KN_EFULL && !(e && e->klass == GIT_ERROR_OS))
			rc = KN_EBADREC;
		rc = evidence__git_fail(gerr, rc, "pack", "the pack is refused");
		goto out_free;
	}
	gerr = git_odb_refresh(ix->r->odb);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "the pack is stored but cannot be loaded");
		goto out_free;
	}
	*nobjects = ix->stats.total_objects;
	rc = 0;

out_free:
	git_indexer_free(ix->ix);
	free(ix);
	return rc;
}

/* See evidence.h: drop a pack being received (libgit2 removes its temporary file); NULL-safe. */
void
evidence_pack_index_abort(evidence_indexer *ix)
{
	if (ix == NULL)
		return;
	git_indexer_free(ix->ix);
	free(ix);
}
