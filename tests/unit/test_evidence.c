/*
 * test_evidence.c - unit tests of the evidence repository (store/evidence.c):
 * file checks by magic bytes, commits per slot with compare-and-swap refs,
 * chunked reads, integrity checks, packs between repositories, and a crash
 * test that SIGKILLs a writing child.
 *
 * Every test works in a fresh directory under /tmp, removed afterwards.
 * After every test that touches a repository, `git fsck --strict` must find
 * it clean: each test checks that itself, and the teardown checks again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "../../store/evidence.h"
#include "../lib/kntest.h"

#define REF "refs/kinerja/20100001/aabbccdd/2024-1"
#define REF2 "refs/kinerja/20100001/aabbccdd/2024-2"
#define MB 1000000u

typedef struct {
	char dir[64];
	char repo[128];        /* dir/ev.git */
	evidence_repo *r;
	unsigned nfile;        /* names sample files uniquely */
} fixture;

/*
 * Exit status of `git fsck --strict --no-dangling` on the bare repository
 * at path; its output is printed when it is not clean.
 */
static int
fsck_status(const char *path)
{
	char cmd[512], log[256], line[512];
	FILE *fp;
	int st;

	snprintf(log, sizeof(log), "%s.fsck-log", path);
	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' fsck --strict --no-dangling >'%s' 2>&1", path, log);
	st = system(cmd);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	if (st != 0 && (fp = fopen(log, "r")) != NULL) {
		fprintf(stderr, "git fsck %s exited %d:\n", path, st);
		while (fgets(line, sizeof(line), fp))
			fprintf(stderr, "  %s", line);
		fclose(fp);
	}
	unlink(log);
	return st;
}

/* Assert that the repository at path passes git fsck --strict. */
static void
assert_fsck_clean(const char *path)
{
	assert_int_equal(fsck_status(path), 0);
}

/* One line of a git command's output (trailing newline cut) into out; its exit status. */
static int
git_line(char *out, size_t outsz, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	FILE *fp;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	fp = popen(cmd, "r");
	if (fp == NULL)
		return -1;
	if (fgets(out, (int)outsz, fp) == NULL)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	st = pclose(fp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Fixture without a repository, for the pure functions. */
static int
setup_dir(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	if (kntest_tmpdir(f->dir, sizeof(f->dir), "/tmp/kn-evidence-XXXXXX") != 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

/* Fresh temporary directory with a new repository at dir/ev.git. */
static int
setup(void **state)
{
	fixture *f;

	if (setup_dir(state) != 0)
		return -1;
	f = *state;
	snprintf(f->repo, sizeof(f->repo), "%s/ev.git", f->dir);
	if (evidence_open(&f->r, f->repo) != 0) {
		fprintf(stderr, "evidence_open: %s\n", kn_error_message());
		kntest_rm_rf(f->dir);
		free(f);
		*state = NULL;
		return -1;
	}
	return 0;
}

/* Close the repository, check every repository the test made with git fsck, remove the directory. */
static int
teardown(void **state)
{
	static const char *const repos[] = { "ev.git", "b.git", "c.git", "d.git", "e.git", "crash.git" };
	fixture *f = *state;
	char path[160];
	struct stat st;
	int bad = 0;

	evidence_close(f->r);
	for (size_t i = 0; i < sizeof(repos) / sizeof(repos[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, repos[i]);
		if (stat(path, &st) == 0 && fsck_status(path) != 0)
			bad = 1;
	}
	kntest_rm_rf(f->dir);
	free(f);
	return bad ? -1 : 0;
}

/* xorshift64*: fast reproducible bytes for sample files. */
static uint64_t
rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* Fill buf with pseudo-random bytes from seed s. */
static void
rnd_fill(uint8_t *buf, size_t len, uint64_t *s)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rnd_next(s);
		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

/* Write data into a new file under the fixture's directory; returns an fd open for reading. */
static int
file_fd(fixture *f, const void *data, size_t len)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/sample-%u", f->dir, f->nfile++);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	/* evidence_* read with pread: move the offset to show it does not matter */
	lseek(fd, 3, SEEK_SET);
	return fd;
}

/* A minimal complete PDF. */
static const char sample_pdf[] =
    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    "trailer\n<< /Root 1 0 R >>\n%%EOF\n";

/* A 1x1 PNG: signature, IHDR, IDAT, IEND. */
static const uint8_t sample_png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
	0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
	0x42, 0x60, 0x82,
};

/* A minimal JPEG: SOI, APP0 (JFIF), SOS with a little entropy data (with a stuffed FF 00), EOI. */
static const uint8_t sample_jpeg[] = {
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
	0x00, 0x01, 0x00, 0x00, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x12, 0x34,
	0xff, 0x00, 0x56, 0xff, 0xd0, 0x78, 0xff, 0xd9,
};

/* CRC-32 (ZIP's) of data. */
static uint32_t
crc32_of(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

/* Little-endian puts for the hand-made ZIP. */
static void
put16(kn_buf *b, uint32_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	kn_buf_put(b, x, 2);
}

static void
put32(kn_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	kn_buf_put(b, x, 4);
}

/*
 * A ZIP archive holding one stored (uncompressed) file name -> data, made
 * by hand: local file header, data, central directory entry, end record.
 */
static void
make_zip_n(kn_buf *out, const char *const *names, const char *const *datas, int n)
{
	uint32_t offs[8], cd_off, cd_size;

	for (int i = 0; i < n; i++) {
		uint32_t nlen = (uint32_t)strlen(names[i]), dlen = (uint32_t)strlen(datas[i]);
		uint32_t crc = crc32_of((const uint8_t *)datas[i], dlen);
		offs[i] = (uint32_t)out->len;
		kn_buf_put(out, "PK\x03\x04", 4);
		put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0x21);
		put32(out, crc), put32(out, dlen), put32(out, dlen);
		put16(out, nlen), put16(out, 0);
		kn_buf_put(out, names[i], nlen);
		kn_buf_put(out, datas[i], dlen);
	}
	cd_off = (uint32_t)out->len;
	for (int i = 0; i < n; i++) {
		uint32_t nlen = (uint32_t)strlen(names[i]), dlen = (uint32_t)strlen(datas[i]);
		uint32_t crc = crc32_of((const uint8_t *)datas[i], dlen);
		kn_buf_put(out, "PK\x01\x02", 4);
		put16(out, 20), put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0x21);
		put32(out, crc), put32(out, dlen), put32(out, dlen);
		put16(out, nlen), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0);
		put32(out, 0), put32(out, offs[i]);
		kn_buf_put(out, names[i], nlen);
	}
	cd_size = (uint32_t)out->len - cd_off;
	kn_buf_put(out, "PK\x05\x06", 4);
	put16(out, 0), put16(out, 0), put16(out, (uint16_t)n), put16(out, (uint16_t)n);
	put32(out, cd_size), put32(out, cd_off);
	put16(out, 0);
}

/* A one-file ZIP archive. */
static void
make_zip(kn_buf *out, const char *name, const char *data)
{
	make_zip_n(out, &name, &data, 1);
}

/* The smallest archive the DOCX check accepts. */
static void
make_docx(kn_buf *out)
{
	static const char *const names[] = { "[Content_Types].xml", "word/document.xml" };
	static const char *const datas[] = { "<?xml version=\"1.0\"?><Types/>", "<w:document/>" };
	make_zip_n(out, names, datas, 2);
}

/* Run evidence_check_file on data; returns its code, *type the type found. */
static int
check_bytes(fixture *f, unsigned *type, const void *data, size_t len, uint64_t max, unsigned allowed)
{
	int fd = file_fd(f, data, len);
	int rc = evidence_check_file(type, fd, max, allowed);

	if (getenv("KN_TEST_VERBOSE") && rc)
		fprintf(stderr, "check_file: %d %s\n", rc, kn_error_message());
	close(fd);
	return rc;
}

/* The teacher who uploads. */
static const evidence_who who = { "Siti Rahayu", "siti@example.sch.id", 1720000000 };

/* Put data as slot/name on ref with parent expected; asserts nothing, returns the code. */
static int
put_bytes(evidence_put_result *out, fixture *f, evidence_repo *r, const char *ref, const char *expected,
    const char *slot, const char *name, const void *data, size_t len)
{
	int fd = file_fd(f, data, len);
	int rc = evidence_put(out, r, ref, expected, slot, name, fd, &who, "Unggah bukti dukung");

	close(fd);
	return rc;
}

/* Files listed by evidence_list. */
typedef struct {
	evidence_entry e[8];
	size_t n;
} listing;

static int
list_cb(void *ctx, const evidence_entry *e)
{
	listing *l = ctx;

	if (l->n < 8)
		l->e[l->n++] = *e;
	return 0;
}

/* Is rc the code and field of the last error as expected? */
static void
assert_error(int rc, int code, const char *field)
{
	if (rc != code || strcmp(kn_error_field(), field) != 0)
		fprintf(stderr, "got %d field \"%s\": %s\n", rc, kn_error_field(), kn_error_message());
	assert_int_equal(rc, code);
	assert_string_equal(kn_error_field(), field);
}

static void
test_evidence__types_parse(void **state)
{
	unsigned t;

	(void)state;
	assert_int_equal(evidence_types_parse(&t, "pdf"), 0);
	assert_int_equal(t, EVIDENCE_PDF);
	assert_int_equal(evidence_types_parse(&t, "pdf,jpeg,png,docx"), 0);
	assert_int_equal(t, EVIDENCE_PDF | EVIDENCE_JPEG | EVIDENCE_PNG | EVIDENCE_DOCX);
	assert_int_equal(evidence_types_parse(&t, " PDF , jpg"), 0);
	assert_int_equal(t, EVIDENCE_PDF | EVIDENCE_JPEG);
	assert_error(evidence_types_parse(&t, "pdf,gif"), KN_EINVAL, "evidence_types");
	assert_non_null(strstr(kn_error_message(), "\"gif\""));
	assert_int_equal(t, 0);
	assert_error(evidence_types_parse(&t, ""), KN_EINVAL, "evidence_types");
	assert_error(evidence_types_parse(&t, "pdf,,png"), KN_EINVAL, "evidence_types");
	assert_string_equal(evidence_type_name(EVIDENCE_PDF), "pdf");
	assert_string_equal(evidence_type_name(EVIDENCE_DOCX), "docx");
	assert_string_equal(evidence_type_name(0), "unknown");
}

static void
test_evidence__sniff(void **state)
{
	kn_buf zip = KN_BUF_INIT;

	(void)state;
	make_zip(&zip, "[Content_Types].xml", "<Types/>");
	assert_int_equal(evidence_sniff((const uint8_t *)sample_pdf, 16), EVIDENCE_PDF);
	assert_int_equal(evidence_sniff(sample_png, 16), EVIDENCE_PNG);
	assert_int_equal(evidence_sniff(sample_jpeg, 16), EVIDENCE_JPEG);
	assert_int_equal(evidence_sniff(zip.ptr, 16), EVIDENCE_DOCX);
	assert_int_equal(evidence_sniff((const uint8_t *)"GIF89a\0\0", 8), 0);
	assert_int_equal(evidence_sniff((const uint8_t *)"hello, world", 12), 0);
	assert_int_equal(evidence_sniff(sample_png, 4), 0); /* too short to tell */
	assert_int_equal(evidence_sniff(NULL, 0), 0);
	kn_buf_free(&zip);
}

static void
test_evidence__check_file_empty_and_limit(void **state)
{
	fixture *f = *state;
	char *big;
	unsigned t;
	size_t max = 2000;

	assert_error(check_bytes(f, &t, "", 0, MB, EVIDENCE_PDF), KN_EINVAL, "file");
	assert_non_null(strstr(kn_error_message(), "kosong"));

	/* A PDF of exactly max bytes passes; one byte more does not. */
	big = malloc(max + 1);
	assert_non_null(big);
	memset(big, ' ', max + 1);
	memcpy(big, "%PDF-1.4\n", 9);
	memcpy(big + max - 6, "%%EOF\n", 6);
	assert_int_equal(check_bytes(f, &t, big, max, max, EVIDENCE_PDF), 0);
	assert_int_equal(t, EVIDENCE_PDF);
	memcpy(big + max - 6, "      ", 6);
	memcpy(big + max + 1 - 6, "%%EOF\n", 6);
	assert_error(check_bytes(f, &t, big, max + 1, max, EVIDENCE_PDF), KN_ETOOBIG, "file");
	assert_non_null(strstr(kn_error_message(), "2001 byte"));
	assert_non_null(strstr(kn_error_message(), "kompres atau pecah PDF-nya"));
	free(big);

	/* The message speaks MB like a person does. */
	big = calloc(1, 12300000);
	assert_non_null(big);
	memcpy(big, "%PDF-1.7\n", 9);
	assert_error(check_bytes(f, &t, big, 12300000, 10 * MB, EVIDENCE_PDF), KN_ETOOBIG, "file");
	assert_non_null(strstr(kn_error_message(), "Berkas ini 12.3 MB, batasnya 10 MB"));
	free(big);
}

static void
test_evidence__check_file_types(void **state)
{
	fixture *f = *state;
	kn_buf docx = KN_BUF_INIT, plain = KN_BUF_INIT;
	unsigned t;

	assert_int_equal(check_bytes(f, &t, sample_pdf, sizeof(sample_pdf) - 1, MB, EVIDENCE_PDF), 0);
	assert_int_equal(t, EVIDENCE_PDF);

	assert_error(check_bytes(f, &t, sample_png, sizeof(sample_png), MB, EVIDENCE_PDF), KN_EINVAL, "file");
	assert_int_equal(t, 0);
	assert_non_null(strstr(kn_error_message(), "bukan PDF"));
	assert_non_null(strstr(kn_error_message(), "PNG"));
	assert_non_null(strstr(kn_error_message(), "diterima di sini: pdf"));
	assert_int_equal(check_bytes(f, &t, sample_png, sizeof(sample_png), MB, EVIDENCE_PDF | EVIDENCE_PNG), 0);
	assert_int_equal(t, EVIDENCE_PNG);
	assert_int_equal(check_bytes(f, &t, sample_jpeg, sizeof(sample_jpeg), MB, EVIDENCE_JPEG), 0);
	assert_int_equal(t, EVIDENCE_JPEG);

	assert_error(check_bytes(f, &t, "GIF89a, no", 10, MB, EVIDENCE_PDF | EVIDENCE_JPEG), KN_EINVAL, "file");
	assert_non_null(strstr(kn_error_message(), "GIF"));
	assert_non_null(strstr(kn_error_message(), "pdf, jpeg"));

	make_docx(&docx);
	make_zip(&plain, "catatan.txt", "bukan dokumen Word");
	assert_int_equal(check_bytes(f, &t, docx.ptr, docx.len, MB, EVIDENCE_PDF | EVIDENCE_DOCX), 0);
	assert_int_equal(t, EVIDENCE_DOCX);
	assert_error(check_bytes(f, &t, docx.ptr, docx.len, MB, EVIDENCE_PDF), KN_EINVAL, "file");
	assert_error(check_bytes(f, &t, plain.ptr, plain.len, MB, EVIDENCE_DOCX), KN_EINVAL, "file");
	assert_non_null(strstr(kn_error_message(), "bukan DOCX"));
	/* an Excel workbook is OOXML too, but not a Word document */
	kn_buf xlsx = KN_BUF_INIT;
	static const char *const xn[] = { "[Content_Types].xml", "xl/workbook.xml" };
	static const char *const xd[] = { "<Types/>", "<workbook/>" };
	make_zip_n(&xlsx, xn, xd, 2);
	assert_error(check_bytes(f, &t, xlsx.ptr, xlsx.len, MB, EVIDENCE_DOCX), KN_EINVAL, "file");
	assert_non_null(strstr(kn_error_message(), "word/document.xml"));
	kn_buf_free(&xlsx);
	kn_buf_free(&docx);
	kn_buf_free(&plain);
}

static void
test_evidence__check_file_truncated(void **state)
{
	fixture *f = *state;
	kn_buf docx = KN_BUF_INIT, b = KN_BUF_INIT;
	const char *cut_pdf = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
	unsigned t;

	assert_error(check_bytes(f, &t, cut_pdf, strlen(cut_pdf), MB, EVIDENCE_PDF), KN_EINVAL, "file");
	assert_non_null(strstr(kn_error_message(), "PDF ini terpotong (tidak ada %%EOF di akhirnya)"));
	assert_error(check_bytes(f, &t, sample_png, sizeof(sample_png) - 5, MB, EVIDENCE_PNG), KN_EINVAL, "file");
	assert_non_null(strstr(kn_error_message(), "Gambar PNG ini terpotong"));
	assert_error(check_bytes(f, &t, sample_jpeg, sizeof(sample_jpeg) - 2, MB, EVIDENCE_JPEG), KN_EINVAL, "file");
	assert_non_null(strstr(kn_error_message(), "Foto JPEG ini terpotong"));
	assert_error(check_bytes(f, &t, sample_jpeg, 24, MB, EVIDENCE_JPEG), KN_EINVAL, "file");

	/* Data after the end marker, as some phones append, is not truncation. */
	kn_buf_put(&b, sample_jpeg, sizeof(sample_jpeg));
	kn_buf_put(&b, "SEFHtrailer\xff\x00more", 17);
	assert_int_equal(check_bytes(f, &t, b.ptr, b.len, MB, EVIDENCE_JPEG), 0);
	kn_buf_clear(&b);
	kn_buf_put(&b, sample_png, sizeof(sample_png));
	kn_buf_put(&b, "\0\0", 2);
	assert_int_equal(check_bytes(f, &t, b.ptr, b.len, MB, EVIDENCE_PNG), 0);

	make_docx(&docx);
	assert_error(check_bytes(f, &t, docx.ptr, docx.len - 10, MB, EVIDENCE_DOCX), KN_EINVAL, "file");
	assert_non_null(strstr(kn_error_message(), "DOCX ini terpotong"));
	kn_buf_free(&docx);
	kn_buf_free(&b);
}

/*
 * A JPEG whose entropy data of data_len bytes is followed by a DHT
 * segment, a second scan, EOI and a trailer (so only walking the markers
 * finds the EOI): the DHT marker lands at any offset, e.g. across a read.
 */
static void
make_long_jpeg(kn_buf *out, size_t data_len, uint64_t *seed)
{
	static const uint8_t head[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00,
		0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00 };
	static const uint8_t dht[] = { 0xff, 0xff, 0xc4, 0x00, 0x06, 0xff, 0xd9, 0xff, 0xd9 };
	static const uint8_t scan2[] = { 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
		0x11, 0xff, 0x00, 0x22, 0xff, 0xd9 };
	uint8_t b;

	kn_buf_put(out, head, sizeof(head));
	for (size_t i = 0; i < data_len; i++) {
		b = (uint8_t)rnd_next(seed);
		kn_buf_put(out, b == 0xff ? (const uint8_t *)"\xff\x00" : &b, b == 0xff && i + 1 < data_len ? 2 : 1);
		if (b == 0xff && i + 1 < data_len)
			i++;
		else if (b == 0xff)
			out->ptr[out->len - 1] = 0x12;
	}
	kn_buf_put(out, dht, sizeof(dht)); /* its table holds FF D9: skipped by length */
	kn_buf_put(out, scan2, sizeof(scan2));
	kn_buf_put(out, "trailer", 7);
}

static void
test_evidence__check_file_jpeg_markers_across_reads(void **state)
{
	fixture *f = *state;
	kn_buf b = KN_BUF_INIT;
	uint64_t seed = 5;
	unsigned t;

	for (size_t at = 65530; at <= 65540; at++) {
		kn_buf_clear(&b);
		make_long_jpeg(&b, at - 18, &seed);
		assert_int_equal(b.ptr[at], 0xff);
		assert_int_equal(check_bytes(f, &t, b.ptr, b.len, MB, EVIDENCE_JPEG), 0);
		assert_int_equal(t, EVIDENCE_JPEG);
		/* Cut inside the second scan: truncated. */
		assert_error(check_bytes(f, &t, b.ptr, b.len - 12, MB, EVIDENCE_JPEG), KN_EINVAL, "file");
	}
	kn_buf_free(&b);
}

static void
test_evidence__slot_and_name_rules(void **state)
{
	char longname[EVIDENCE_NAME_MAX + 2];

	(void)state;
	assert_int_equal(evidence_slot_check("rhk-1"), 0);
	assert_int_equal(evidence_slot_check("persiapan"), 0);
	assert_error(evidence_slot_check(""), KN_EINVAL, "slot");
	assert_error(evidence_slot_check("-rhk"), KN_EINVAL, "slot");
	assert_error(evidence_slot_check("RHK-1"), KN_EINVAL, "slot");
	assert_error(evidence_slot_check("rhk/1"), KN_EINVAL, "slot");
	assert_error(evidence_slot_check("abcdefghijklmnopqrstuvwxyz0123456"), KN_EINVAL, "slot");
	assert_int_equal(evidence_slot_check("abcdefghijklmnopqrstuvwxyz012345"), 0);

	assert_int_equal(evidence_name_check("sertifikat-pmm.pdf"), 0);
	assert_int_equal(evidence_name_check("Modul Ajar Kelas 5 (revisi).pdf"), 0);
	assert_int_equal(evidence_name_check("foto kegiatan \xc3\xa9t\xc3\xa9.jpg"), 0);
	assert_error(evidence_name_check(""), KN_EINVAL, "name");
	assert_error(evidence_name_check("."), KN_EINVAL, "name");
	assert_error(evidence_name_check(".."), KN_EINVAL, "name");
	assert_error(evidence_name_check(".git"), KN_EINVAL, "name");
	assert_error(evidence_name_check("Git~1"), KN_EINVAL, "name");
	assert_int_equal(evidence_name_check("git~1.pdf"), 0);
	assert_error(evidence_name_check("a/b.pdf"), KN_EINVAL, "name");
	assert_error(evidence_name_check("a\\b.pdf"), KN_EINVAL, "name");
	assert_error(evidence_name_check("a\nb.pdf"), KN_EINVAL, "name");
	assert_error(evidence_name_check("a\x7f.pdf"), KN_EINVAL, "name");
	assert_error(evidence_name_check("bad\xff.pdf"), KN_EINVAL, "name");
	assert_error(evidence_name_check("fdp.\xe2\x80\xae" "exe"), KN_EINVAL, "name"); /* U+202E */
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_error(evidence_name_check(longname), KN_EINVAL, "name");
	longname[EVIDENCE_NAME_MAX] = '\0';
	assert_int_equal(evidence_name_check(longname), 0);
}

static void
test_evidence__open_existing_and_refuse_other(void **state)
{
	fixture *f = *state;
	evidence_repo *r2 = NULL;
	evidence_put_result res;
	char path[160];

	assert_string_equal(evidence_path(f->r), f->repo);
	assert_int_equal(put_bytes(&res, f, f->r, REF, "", "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	/* A second handle on the same repository sees the commit. */
	assert_int_equal(evidence_open(&r2, f->repo), 0);
	assert_int_equal(evidence_check_commit(r2, res.commit, 1), 0);
	evidence_close(r2);
	evidence_close(NULL);

	/* A non-empty directory that is not a repository is refused; nested new paths are made. */
	snprintf(path, sizeof(path), "%s/other", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/other/x", f->dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	snprintf(path, sizeof(path), "%s/other", f->dir);
	assert_error(evidence_open(&r2, path), KN_EINVAL, "evidence_dir");
	assert_null(r2);
	snprintf(path, sizeof(path), "%s/deep/er/e.git", f->dir);
	assert_int_equal(evidence_open(&r2, path), 0);
	evidence_close(r2);
	snprintf(path, sizeof(path), "%s/deep", f->dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	snprintf(path, sizeof(path), "%s/deep/er/e.git", f->dir);
	assert_fsck_clean(path);
	assert_fsck_clean(f->repo);
}

/* Assert that path exists with exactly the permission bits mode. */
static void
assert_mode(const char *path, unsigned mode)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	if ((st.st_mode & 07777) != mode)
		fail_msg("%s has mode %04o, want %04o", path, (unsigned)(st.st_mode & 07777), mode);
}

/*
 * A new repository is made 0700 (the parents evidence_open() makes,
 * 0750), and a repository open to group or others is refused with a
 * message naming it and the fix, before anything is written into it.
 */
static void
test_evidence__open_private_modes(void **state)
{
	fixture *f = *state;
	evidence_repo *r2 = NULL;
	char path[160], want[512];

	assert_mode(f->repo, 0700);
	snprintf(path, sizeof(path), "%s/p/q/ev3.git/", f->dir);
	assert_int_equal(evidence_open(&r2, path), 0);
	evidence_close(r2);
	r2 = NULL;
	snprintf(path, sizeof(path), "%s/p", f->dir);
	assert_mode(path, 0750);
	snprintf(path, sizeof(path), "%s/p/q", f->dir);
	assert_mode(path, 0750);
	snprintf(path, sizeof(path), "%s/p/q/ev3.git", f->dir);
	assert_mode(path, 0700);

	static const unsigned open_modes[] = { 0750, 0710, 0705, 0701, 0770, 0777 };
	for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
		assert_int_equal(chmod(f->repo, open_modes[i]), 0);
		assert_error(evidence_open(&r2, f->repo), KN_EINVAL, "evidence.dir");
		assert_null(r2);
		snprintf(want, sizeof(want),
		    "evidence repository %s has mode %04o and is open to group or others: run chmod 700 %s",
		    f->repo, open_modes[i], f->repo);
		assert_string_equal(kn_error_message(), want);
	}
	assert_int_equal(chmod(f->repo, 0700), 0);
	assert_int_equal(evidence_open(&r2, f->repo), 0);
	evidence_close(r2);
	r2 = NULL;

	/* An empty directory someone made 0755 is refused and left empty. */
	snprintf(path, sizeof(path), "%s/empty.git", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(chmod(path, 0755), 0);
	assert_error(evidence_open(&r2, path), KN_EINVAL, "evidence.dir");
	assert_non_null(strstr(kn_error_message(), "run chmod 700"));
	assert_int_equal(rmdir(path), 0);
	assert_fsck_clean(f->repo);
}

static void
test_evidence__put_first_then_list(void **state)
{
	fixture *f = *state;
	evidence_put_result res;
	listing l = { 0 };
	char head[EVIDENCE_OID_HEX], line[256];

	assert_int_equal(put_bytes(&res, f, f->r, REF, "", "rhk-1", "sertifikat-pmm.pdf", sample_pdf,
	    sizeof(sample_pdf) - 1), 0);
	assert_int_equal(strlen(res.commit), 40);
	assert_int_equal(strlen(res.blob), 40);
	assert_string_equal(res.replaced, "");
	assert_int_equal(res.size, sizeof(sample_pdf) - 1);
	assert_int_equal(res.dedup, 0);
	assert_int_equal(res.unchanged, 0);
	assert_int_equal(evidence_ref_get(head, f->r, REF), 0);
	assert_string_equal(head, res.commit);

	assert_int_equal(evidence_list(f->r, res.commit, list_cb, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.e[0].slot, "rhk-1");
	assert_string_equal(l.e[0].name, "sertifikat-pmm.pdf");
	assert_string_equal(l.e[0].blob, res.blob);
	assert_int_equal(l.e[0].size, sizeof(sample_pdf) - 1);

	/* git agrees: the blob id, author, time zone WIB, message. */
	assert_int_equal(git_line(line, sizeof(line), "git --git-dir='%s' rev-parse %s:rhk-1/sertifikat-pmm.pdf", f->repo,
	    res.commit), 0);
	assert_string_equal(line, res.blob);
	assert_int_equal(git_line(line, sizeof(line), "git --git-dir='%s' log -1 --format='%%an <%%ae> %%at %%ai|%%s' %s",
	    f->repo, REF), 0);
	assert_string_equal(line, "Siti Rahayu <siti@example.sch.id> 1720000000 2024-07-03 16:46:40 +0700|Unggah bukti dukung");
	assert_fsck_clean(f->repo);
}

static void
test_evidence__put_replaces_and_keeps_history(void **state)
{
	fixture *f = *state;
	evidence_put_result a, b, c;
	listing l = { 0 };
	kn_buf out = KN_BUF_INIT;
	char blob[EVIDENCE_OID_HEX], line[64];
	uint64_t total;
	const char *v2 = "%PDF-1.5\nversi kedua\n%%EOF\n";

	assert_int_equal(put_bytes(&a, f, f->r, REF, "", "rhk-1", "lama.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(put_bytes(&c, f, f->r, REF, a.commit, "persiapan", "modul.pdf", v2, strlen(v2)), 0);
	assert_int_equal(put_bytes(&b, f, f->r, REF, c.commit, "rhk-1", "baru.pdf", v2, strlen(v2)), 0);
	assert_string_equal(b.replaced, "lama.pdf");
	assert_int_equal(b.dedup, 1); /* same bytes as persiapan/modul.pdf */
	assert_int_equal(evidence_list(f->r, b.commit, list_cb, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.e[0].slot, "persiapan");
	assert_string_equal(l.e[1].slot, "rhk-1");
	assert_string_equal(l.e[1].name, "baru.pdf");

	assert_int_equal(git_line(line, sizeof(line), "git --git-dir='%s' rev-list --count %s", f->repo, REF), 0);
	assert_string_equal(line, "3");
	/* The old file is still there, in the old commit. */
	assert_int_equal(evidence_read(&out, &total, blob, f->r, a.commit, "rhk-1", "lama.pdf", 0, 1 << 20), 0);
	assert_int_equal(total, sizeof(sample_pdf) - 1);
	assert_int_equal(out.len, total);
	assert_memory_equal(out.ptr, sample_pdf, total);
	assert_string_equal(blob, a.blob);
	assert_error(evidence_read(&out, &total, blob, f->r, b.commit, "rhk-1", "lama.pdf", 0, 10), KN_ENOTFOUND, "name");
	assert_non_null(strstr(kn_error_message(), "Tidak ada berkas lama.pdf pada slot rhk-1 di versi Bukti Dukung"));

	/* The same name with new content replaces itself. */
	assert_int_equal(put_bytes(&c, f, f->r, REF, b.commit, "rhk-1", "baru.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_string_equal(c.replaced, "baru.pdf");
	assert_int_equal(c.unchanged, 0);
	kn_buf_free(&out);
	assert_fsck_clean(f->repo);
}

static void
test_evidence__put_same_file_unchanged(void **state)
{
	fixture *f = *state;
	evidence_put_result a, b;
	char head[EVIDENCE_OID_HEX], line[64];

	assert_int_equal(put_bytes(&a, f, f->r, REF, "", "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(put_bytes(&b, f, f->r, REF, a.commit, "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(b.unchanged, 1);
	assert_int_equal(b.dedup, 1);
	assert_string_equal(b.commit, a.commit);
	assert_string_equal(b.blob, a.blob);
	assert_string_equal(b.replaced, "");
	assert_int_equal(evidence_ref_get(head, f->r, REF), 0);
	assert_string_equal(head, a.commit);
	assert_int_equal(git_line(line, sizeof(line), "git --git-dir='%s' rev-list --count %s", f->repo, REF), 0);
	assert_string_equal(line, "1");
	/* Same bytes under another name is a change. */
	assert_int_equal(put_bytes(&b, f, f->r, REF, a.commit, "rhk-1", "b.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(b.unchanged, 0);
	assert_string_equal(b.replaced, "a.pdf");
	assert_fsck_clean(f->repo);
}

static void
test_evidence__put_dedup_across_slots_and_refs(void **state)
{
	fixture *f = *state;
	evidence_put_result a, b, c;
	char line[64];

	assert_int_equal(put_bytes(&a, f, f->r, REF, "", "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(a.dedup, 0);
	assert_int_equal(put_bytes(&b, f, f->r, REF, a.commit, "rhk-2", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(b.dedup, 1);
	assert_int_equal(b.unchanged, 0);
	assert_string_equal(b.blob, a.blob);
	assert_int_equal(put_bytes(&c, f, f->r, REF2, "", "rhk-1", "x.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(c.dedup, 1);
	/* Stored once: exactly one blob object in the repository. */
	assert_int_equal(git_line(line, sizeof(line),
	    "git --git-dir='%s' cat-file --batch-all-objects --batch-check | grep -c ' blob '", f->repo), 0);
	assert_string_equal(line, "1");
	assert_fsck_clean(f->repo);
}

static void
test_evidence__put_expected_mismatch(void **state)
{
	fixture *f = *state;
	evidence_put_result a, b, res;
	char head[EVIDENCE_OID_HEX];
	const char *v2 = "%PDF-1.5\nv2\n%%EOF\n";

	assert_int_equal(put_bytes(&a, f, f->r, REF, "", "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	/* The ref exists: "" (must not exist) is stale. */
	assert_error(put_bytes(&res, f, f->r, REF, "", "rhk-1", "b.pdf", v2, strlen(v2)), KN_ESTATE, "expected");
	assert_non_null(strstr(kn_error_message(), "Bukti Dukung periode ini berubah pada saat yang sama"));
	assert_string_equal(res.commit, "");
	assert_int_equal(put_bytes(&b, f, f->r, REF, a.commit, "rhk-1", "b.pdf", v2, strlen(v2)), 0);
	/* A writer that still believes in a.commit loses. */
	assert_error(put_bytes(&res, f, f->r, REF, a.commit, "rhk-2", "c.pdf", v2, strlen(v2)), KN_ESTATE, "expected");
	assert_non_null(strstr(kn_error_message(), "Bukti Dukung periode ini berubah pada saat yang sama"));
	/* A well-formed id the repository never saw. */
	assert_error(put_bytes(&res, f, f->r, REF, "0123456789abcdef0123456789abcdef01234567", "rhk-2", "c.pdf", v2,
	    strlen(v2)), KN_ESTATE, "expected");
	assert_int_equal(evidence_ref_get(head, f->r, REF), 0);
	assert_string_equal(head, b.commit);
	/* A new ref with a parent it does not have. */
	assert_error(put_bytes(&res, f, f->r, REF2, b.commit, "rhk-2", "c.pdf", v2, strlen(v2)), KN_ESTATE, "expected");
	assert_error(evidence_ref_get(head, f->r, REF2), KN_ENOTFOUND, "ref");
	assert_fsck_clean(f->repo);
}

static void
test_evidence__put_bad_arguments(void **state)
{
	fixture *f = *state;
	evidence_put_result res;
	evidence_who bad = who;
	char head[EVIDENCE_OID_HEX];
	int fd;

	assert_error(put_bytes(&res, f, f->r, REF, "", "Rhk 1", "a.pdf", sample_pdf, 10), KN_EINVAL, "slot");
	assert_error(put_bytes(&res, f, f->r, REF, "", "rhk-1", "../a.pdf", sample_pdf, 10), KN_EINVAL, "name");
	assert_error(put_bytes(&res, f, f->r, REF, "", "rhk-1", ".hidden", sample_pdf, 10), KN_EINVAL, "name");
	assert_error(put_bytes(&res, f, f->r, "refs/heads/master", "", "rhk-1", "a.pdf", sample_pdf, 10), KN_EINVAL, "ref");
	assert_error(put_bytes(&res, f, f->r, "refs/kinerja/a..b", "", "rhk-1", "a.pdf", sample_pdf, 10), KN_EINVAL, "ref");
	assert_error(put_bytes(&res, f, f->r, REF, "xyz", "rhk-1", "a.pdf", sample_pdf, 10), KN_EINVAL, "expected");
	/* Names git itself treats as ".git" on some file systems. */
	assert_error(put_bytes(&res, f, f->r, REF, "", "rhk-1", "GIT~1", sample_pdf, 10), KN_EINVAL, "name");
	assert_error(put_bytes(&res, f, f->r, REF, "", "rhk-1", "git~1", sample_pdf, 10), KN_EINVAL, "name");
	fd = file_fd(f, sample_pdf, 10);
	snprintf(bad.name, sizeof(bad.name), "Budi <root>");
	assert_error(evidence_put(&res, f->r, REF, "", "rhk-1", "a.pdf", fd, &bad, "m"), KN_EINVAL, "author");
	snprintf(bad.name, sizeof(bad.name), "Budi\nSantoso");
	assert_error(evidence_put(&res, f->r, REF, "", "rhk-1", "a.pdf", fd, &bad, "m"), KN_EINVAL, "author");
	close(fd);
	assert_error(evidence_ref_get(head, f->r, REF), KN_ENOTFOUND, "ref");
	assert_fsck_clean(f->repo);
}

static void
test_evidence__read_in_chunks(void **state)
{
	fixture *f = *state;
	const size_t size = 3 * 1024 * 1024 + 12345, chunk = 256 * 1024;
	evidence_put_result res;
	kn_buf out = KN_BUF_INIT;
	char blob[EVIDENCE_OID_HEX];
	uint64_t total, seed = 42;
	uint8_t *data;
	size_t calls = 0;

	data = malloc(size);
	assert_non_null(data);
	rnd_fill(data, size, &seed);
	assert_int_equal(put_bytes(&res, f, f->r, REF, "", "rhk-3", "foto.jpg", data, size), 0);
	assert_int_equal(res.size, size);
	for (uint64_t off = 0;; off += chunk) {
		size_t before = out.len;
		assert_int_equal(evidence_read(&out, &total, blob, f->r, res.commit, "rhk-3", "foto.jpg", off, chunk), 0);
		calls++;
		assert_int_equal(total, size);
		assert_string_equal(blob, res.blob);
		if (out.len - before < chunk)
			break;
	}
	assert_int_equal(calls, size / chunk + 1);
	assert_int_equal(out.len, size);
	assert_memory_equal(out.ptr, data, size);
	/* At the end: nothing more; past it: an error. */
	assert_int_equal(evidence_read(&out, &total, blob, f->r, res.commit, "rhk-3", "foto.jpg", size, chunk), 0);
	assert_int_equal(out.len, size);
	assert_error(evidence_read(&out, &total, blob, f->r, res.commit, "rhk-3", "foto.jpg", size + 1, chunk), KN_EINVAL,
	    "offset");
	assert_non_null(strstr(kn_error_message(), "melewati akhir berkas"));
	kn_buf_free(&out);
	free(data);
	assert_fsck_clean(f->repo);
}

/*
 * evidence_open() bounds libgit2's object cache, and blobs stay out of it:
 * after reading a 1 MB file the cache holds only commits and trees.
 */
static void
test_evidence__open_bounds_object_cache(void **state)
{
	fixture *f = *state;
	const size_t size = 1000 * 1000;
	evidence_put_result res;
	kn_buf out = KN_BUF_INIT;
	char blob[EVIDENCE_OID_HEX];
	uint64_t total, seed = 7;
	ssize_t cached = -1, limit = -1;
	uint8_t *data;

	data = malloc(size);
	assert_non_null(data);
	rnd_fill(data, size, &seed);
	assert_int_equal(put_bytes(&res, f, f->r, REF, "", "rhk-1", "foto.jpg", data, size), 0);
	assert_int_equal(evidence_read(&out, &total, blob, f->r, res.commit, "rhk-1", "foto.jpg", 0, size), 0);
	assert_int_equal(out.len, size);
	assert_int_equal(git_libgit2_opts(GIT_OPT_GET_CACHED_MEMORY, &cached, &limit), 0);
	assert_int_equal(limit, EVIDENCE_CACHE_MAX_BYTES);
	assert_true(cached >= 0 && cached < 64 * 1024);
	kn_buf_free(&out);
	free(data);
}

static void
test_evidence__read_missing(void **state)
{
	fixture *f = *state;
	evidence_put_result res;
	kn_buf out = KN_BUF_INIT;
	char blob[EVIDENCE_OID_HEX];
	uint64_t total;

	assert_int_equal(put_bytes(&res, f, f->r, REF, "", "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_error(evidence_read(&out, &total, blob, f->r, res.commit, "rhk-1", "b.pdf", 0, 10), KN_ENOTFOUND, "name");
	assert_error(evidence_read(&out, &total, blob, f->r, res.commit, "rhk-2", "a.pdf", 0, 10), KN_ENOTFOUND, "name");
	assert_error(evidence_read(&out, &total, blob, f->r, "0123456789abcdef0123456789abcdef01234567", "rhk-1", "a.pdf",
	    0, 10), KN_ENOTFOUND, "commit");
	/* A blob id is not a commit. */
	assert_error(evidence_read(&out, &total, blob, f->r, res.blob, "rhk-1", "a.pdf", 0, 10), KN_ENOTFOUND, "commit");
	assert_error(evidence_read(&out, &total, blob, f->r, "nope", "rhk-1", "a.pdf", 0, 10), KN_EINVAL, "commit");
	assert_int_equal(out.len, 0);
	kn_buf_free(&out);
	assert_fsck_clean(f->repo);
}

/* Path of the loose object id in repo. */
static void
loose_path(char *out, size_t outsz, const char *repo, const char *id)
{
	int n = snprintf(out, outsz, "%s/objects/%.2s/%s", repo, id, id + 2);

	assert_true(n > 0 && (size_t)n < outsz);
}

static void
test_evidence__check_commit_finds_damage(void **state)
{
	fixture *f = *state;
	evidence_put_result a, b;
	char path[256];
	uint8_t byte;
	struct stat st;
	off_t at;
	int fd;
	uint64_t seed = 7;
	uint8_t data[50000];

	rnd_fill(data, sizeof(data), &seed);
	assert_int_equal(put_bytes(&a, f, f->r, REF, "", "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(put_bytes(&b, f, f->r, REF, a.commit, "rhk-2", "foto.png", data, sizeof(data)), 0);
	assert_int_equal(evidence_check_commit(f->r, b.commit, 0), 0);
	assert_int_equal(evidence_check_commit(f->r, b.commit, 1), 0);
	assert_error(evidence_check_commit(f->r, "0123456789abcdef0123456789abcdef01234567", 0), KN_ENOTFOUND, "commit");
	assert_error(evidence_check_commit(f->r, "0123456789abcdef0123456789abcdef01234567", 1), KN_ENOTFOUND, "commit");
	assert_error(evidence_check_commit(f->r, "zz", 1), KN_EINVAL, "commit");

	/* Flip a byte in the middle of the loose blob's file. */
	loose_path(path, sizeof(path), f->repo, b.blob);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(chmod(path, 0644), 0);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	at = st.st_size / 2;
	assert_int_equal(pread(fd, &byte, 1, at), 1);
	byte ^= 0x5a;
	assert_int_equal(pwrite(fd, &byte, 1, at), 1);

	assert_int_equal(evidence_check_commit(f->r, b.commit, 0), 0); /* cheap: it is there */
	assert_error(evidence_check_commit(f->r, b.commit, 1), KN_EBADREC, "commit");
	assert_non_null(strstr(kn_error_message(), b.blob));
	assert_non_null(strstr(kn_error_message(), "rhk-2/foto.png"));
	assert_int_equal(evidence_check_commit(f->r, a.commit, 1), 0); /* the older commit does not hold it */
	assert_int_not_equal(fsck_status(f->repo), 0);                  /* git sees it too */

	/* Put it back: all is well again. */
	byte ^= 0x5a;
	assert_int_equal(pwrite(fd, &byte, 1, at), 1);
	close(fd);
	assert_int_equal(chmod(path, 0444), 0);
	assert_int_equal(evidence_check_commit(f->r, b.commit, 1), 0);

	/* A missing blob: even the cheap check notices. */
	loose_path(path, sizeof(path), f->repo, a.blob);
	char saved[300];
	snprintf(saved, sizeof(saved), "%s.saved", path);
	assert_int_equal(rename(path, saved), 0);
	assert_error(evidence_check_commit(f->r, b.commit, 0), KN_EBADREC, "commit");
	assert_non_null(strstr(kn_error_message(), a.blob));
	assert_int_equal(rename(saved, path), 0);
	assert_int_equal(evidence_check_commit(f->r, b.commit, 1), 0);
	assert_fsck_clean(f->repo);
}

static void
test_evidence__ref_get_set(void **state)
{
	fixture *f = *state;
	evidence_put_result a, b;
	char head[EVIDENCE_OID_HEX];
	const char *v2 = "%PDF-1.5\nv2\n%%EOF\n";

	assert_error(evidence_ref_get(head, f->r, REF), KN_ENOTFOUND, "ref");
	assert_error(evidence_ref_get(head, f->r, "HEAD"), KN_EINVAL, "ref");
	assert_int_equal(put_bytes(&a, f, f->r, REF, "", "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(put_bytes(&b, f, f->r, REF, a.commit, "rhk-1", "b.pdf", v2, strlen(v2)), 0);
	/* Repair sets a ref back (or forward) whatever it holds. */
	assert_int_equal(evidence_ref_set(f->r, REF, a.commit), 0);
	assert_int_equal(evidence_ref_get(head, f->r, REF), 0);
	assert_string_equal(head, a.commit);
	assert_int_equal(evidence_ref_set(f->r, REF2, b.commit), 0);
	assert_int_equal(evidence_ref_get(head, f->r, REF2), 0);
	assert_string_equal(head, b.commit);
	assert_error(evidence_ref_set(f->r, REF, "0123456789abcdef0123456789abcdef01234567"), KN_ENOTFOUND, "commit");
	assert_error(evidence_ref_set(f->r, REF, a.blob), KN_ENOTFOUND, "commit");
	assert_error(evidence_ref_set(f->r, REF, "abc"), KN_EINVAL, "commit");
	assert_int_equal(evidence_ref_get(head, f->r, REF), 0);
	assert_string_equal(head, a.commit);
	assert_fsck_clean(f->repo);
}

/* Set a file's times to secs ago. */
static void
age_file(const char *path, int secs)
{
	struct timeval tv[2];

	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= secs;
	tv[1] = tv[0];
	assert_int_equal(utimes(path, tv), 0);
}

static void
test_evidence__stale_ref_lock_removed(void **state)
{
	fixture *f = *state;
	evidence_put_result a, b;
	char lock[256], head[EVIDENCE_OID_HEX];
	const char *v2 = "%PDF-1.5\nv2\n%%EOF\n";
	int fd;

	assert_int_equal(put_bytes(&a, f, f->r, REF, "", "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	/* A lock as a process killed while moving the ref leaves it. */
	snprintf(lock, sizeof(lock), "%s/%s.lock", f->repo, REF);
	fd = open(lock, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	close(fd);
	/* Fresh: somebody may be moving it right now. */
	assert_error(put_bytes(&b, f, f->r, REF, a.commit, "rhk-1", "b.pdf", v2, strlen(v2)), KN_ESTATE, "ref");
	assert_error(evidence_ref_set(f->r, REF, a.commit), KN_ESTATE, "ref");
	/* Old: removed, and the update goes through. */
	age_file(lock, 600);
	assert_int_equal(put_bytes(&b, f, f->r, REF, a.commit, "rhk-1", "b.pdf", v2, strlen(v2)), 0);
	assert_int_equal(access(lock, F_OK), -1);
	assert_int_equal(evidence_ref_get(head, f->r, REF), 0);
	assert_string_equal(head, b.commit);
	assert_fsck_clean(f->repo);
}

/* evidence_pack_build writer: append to a kn_buf. */
static int
pack_to_buf(void *ctx, const void *data, size_t len)
{
	return kn_buf_put(ctx, data, len) == 0 ? 0 : KN_ENOMEM;
}

/* A writer that fails at once. */
static int
pack_refuse(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return kn_error_set(KN_EPROTO, "", "peer went away");
}

/*
 * Index pack into the repository at path in pieces of 1..1000 bytes;
 * returns the code of evidence_pack_index_commit (or of the first failed
 * append, after aborting), *n the objects indexed.
 */
static int
index_pack(const char *path, const kn_buf *pack, uint32_t *n, uint64_t seed)
{
	evidence_repo *r = NULL;
	evidence_indexer *ix = NULL;
	size_t off = 0;
	int rc;

	*n = 0;
	assert_int_equal(evidence_open(&r, path), 0);
	assert_int_equal(evidence_pack_index_begin(&ix, r), 0);
	while (off < pack->len) {
		size_t piece = 1 + rnd_next(&seed) % 1000;
		if (piece > pack->len - off)
			piece = pack->len - off;
		rc = evidence_pack_index_append(ix, pack->ptr + off, piece);
		if (rc) {
			evidence_pack_index_abort(ix);
			goto out;
		}
		off += piece;
	}
	rc = evidence_pack_index_commit(ix, n);
out:
	evidence_close(r);
	return rc;
}

/* Files in the pack directory of the repository at path. */
static int
pack_files(const char *path)
{
	char line[32];

	git_line(line, sizeof(line), "ls -A '%s/objects/pack' | wc -l", path);
	return atoi(line);
}

/* Three commits on REF of fixture f's repository, in c[0..2]. */
static void
three_commits(fixture *f, evidence_put_result c[3])
{
	uint8_t data[30000];
	uint64_t seed = 99;

	rnd_fill(data, sizeof(data), &seed);
	assert_int_equal(put_bytes(&c[0], f, f->r, REF, "", "rhk-1", "a.pdf", sample_pdf, sizeof(sample_pdf) - 1), 0);
	assert_int_equal(put_bytes(&c[1], f, f->r, REF, c[0].commit, "rhk-2", "foto.jpg", data, sizeof(data)), 0);
	data[100] ^= 1;
	assert_int_equal(put_bytes(&c[2], f, f->r, REF, c[1].commit, "rhk-2", "foto2.jpg", data, sizeof(data)), 0);
}

static void
test_evidence__pack_full_then_incremental(void **state)
{
	fixture *f = *state;
	evidence_put_result c[3];
	kn_buf all = KN_BUF_INIT, first = KN_BUF_INIT, inc = KN_BUF_INIT, junk = KN_BUF_INIT;
	char b[160], cc[160];
	const char *want[1], *have[2];
	uint32_t n_all, n_first, n_inc, n, n_unknown;
	listing l = { 0 };

	three_commits(f, c);
	snprintf(b, sizeof(b), "%s/b.git", f->dir);
	snprintf(cc, sizeof(cc), "%s/c.git", f->dir);

	want[0] = c[2].commit;
	assert_int_equal(evidence_pack_build(f->r, want, 1, NULL, 0, pack_to_buf, &all, &n_all), 0);
	/* 3 commits, 3 root trees, 3 slot trees (rhk-1 once, rhk-2 twice), 3 blobs */
	assert_int_equal(n_all, 12);
	assert_int_equal(index_pack(b, &all, &n, 1), 0);
	assert_int_equal(n, n_all);
	{
		evidence_repo *rb = NULL;
		assert_int_equal(evidence_open(&rb, b), 0);
		for (int i = 0; i < 3; i++)
			assert_int_equal(evidence_check_commit(rb, c[i].commit, 1), 0);
		assert_int_equal(evidence_list(rb, c[2].commit, list_cb, &l), 0);
		assert_int_equal(l.n, 2);
		assert_string_equal(l.e[1].name, "foto2.jpg");
		evidence_close(rb);
	}
	assert_fsck_clean(b);

	/* The peer has the first commit: send only what is new. */
	want[0] = c[0].commit;
	assert_int_equal(evidence_pack_build(f->r, want, 1, NULL, 0, pack_to_buf, &first, &n_first), 0);
	assert_int_equal(n_first, 4);
	want[0] = c[2].commit;
	have[0] = c[0].commit;
	assert_int_equal(evidence_pack_build(f->r, want, 1, have, 1, pack_to_buf, &inc, &n_inc), 0);
	assert_true(n_inc < n_all);
	assert_int_equal(n_inc, n_all - n_first);
	assert_int_equal(index_pack(cc, &first, &n, 2), 0);
	assert_int_equal(n, n_first);
	assert_int_equal(index_pack(cc, &inc, &n, 3), 0);
	assert_int_equal(n, n_inc);
	{
		evidence_repo *rc = NULL;
		assert_int_equal(evidence_open(&rc, cc), 0);
		assert_int_equal(evidence_check_commit(rc, c[2].commit, 1), 0);
		evidence_close(rc);
	}
	assert_fsck_clean(cc);

	/* Haves we never saw are ignored; a failing writer's code comes back. */
	have[0] = "0123456789abcdef0123456789abcdef01234567";
	have[1] = c[1].blob;
	assert_int_equal(evidence_pack_build(f->r, want, 1, have, 2, pack_to_buf, &junk, &n_unknown), 0);
	assert_int_equal(n_unknown, n_all);
	assert_int_equal(evidence_pack_build(f->r, want, 1, NULL, 0, pack_refuse, NULL, &n), KN_EPROTO);
	want[0] = "0123456789abcdef0123456789abcdef01234567";
	assert_error(evidence_pack_build(f->r, want, 1, NULL, 0, pack_to_buf, &junk, &n), KN_ENOTFOUND, "wants");

	kn_buf_free(&all);
	kn_buf_free(&first);
	kn_buf_free(&inc);
	kn_buf_free(&junk);
	assert_fsck_clean(f->repo);
}

static void
test_evidence__pack_bad_refused(void **state)
{
	fixture *f = *state;
	evidence_put_result c[3];
	kn_buf all = KN_BUF_INIT, inc = KN_BUF_INIT;
	char d[160], e[160];
	const char *want[1], *have[1];
	uint32_t n_all, n_inc, n;
	evidence_repo *rd = NULL;
	evidence_indexer *ix = NULL;

	three_commits(f, c);
	snprintf(d, sizeof(d), "%s/d.git", f->dir);
	snprintf(e, sizeof(e), "%s/e.git", f->dir);
	want[0] = c[2].commit;
	assert_int_equal(evidence_pack_build(f->r, want, 1, NULL, 0, pack_to_buf, &all, &n_all), 0);

	/* A flipped byte in the middle. */
	all.ptr[all.len / 2] ^= 0x40;
	assert_int_equal(index_pack(d, &all, &n, 4), KN_EBADREC);
	assert_int_equal(n, 0);
	all.ptr[all.len / 2] ^= 0x40;
	/* Cut short. */
	all.len -= 10;
	assert_int_equal(index_pack(d, &all, &n, 5), KN_EBADREC);
	all.len += 10;
	/* Not a pack at all. */
	kn_buf junk = KN_BUF_INIT;
	kn_buf_put(&junk, "PACK but not really a pack of objects at all", 44);
	assert_int_equal(index_pack(d, &junk, &n, 6), KN_EBADREC);
	kn_buf_free(&junk);
	/* Started, then dropped. */
	assert_int_equal(evidence_open(&rd, d), 0);
	assert_int_equal(evidence_pack_index_begin(&ix, rd), 0);
	assert_int_equal(evidence_pack_index_append(ix, all.ptr, all.len / 2), 0);
	evidence_pack_index_abort(ix);
	evidence_pack_index_abort(NULL);
	assert_error(evidence_check_commit(rd, c[0].commit, 0), KN_ENOTFOUND, "commit");
	evidence_close(rd);
	assert_int_equal(pack_files(d), 0); /* nothing left behind */
	assert_fsck_clean(d);

	/* An incremental pack where its base is missing: incomplete. */
	have[0] = c[0].commit;
	assert_int_equal(evidence_pack_build(f->r, want, 1, have, 1, pack_to_buf, &inc, &n_inc), 0);
	assert_int_equal(index_pack(e, &inc, &n, 7), KN_EBADREC);
	assert_non_null(strstr(kn_error_message(), "missing"));
	assert_int_equal(pack_files(e), 0);
	assert_fsck_clean(e);

	/* The good pack still goes in after all that. */
	assert_int_equal(index_pack(d, &all, &n, 8), 0);
	assert_int_equal(n, n_all);
	assert_fsck_clean(d);
	kn_buf_free(&all);
	kn_buf_free(&inc);
	assert_fsck_clean(f->repo);
}

#define CRASH_ROUNDS 6
#define CRASH_MAX 512

/*
 * The crash test's child: put fresh 200 KiB - 2 MB files to alternating
 * slots of REF, each on top of the last, and report each finished commit
 * id on fd as one 41-byte line. Never returns.
 */
static void
crash_child(const char *dir, const char *repo, int fd, uint64_t seed)
{
	evidence_repo *r = NULL;
	evidence_put_result res;
	char expected[EVIDENCE_OID_HEX] = "", path[160], line[700];
	uint8_t *buf = malloc(2 * 1024 * 1024);
	int rc;

	if (buf == NULL || evidence_open(&r, repo) != 0)
		_exit(2);
	rc = evidence_ref_get(expected, r, REF);
	if (rc == KN_ENOTFOUND)
		expected[0] = '\0';
	else if (rc)
		_exit(2);
	snprintf(path, sizeof(path), "%s/child-%d.bin", dir, (int)getpid());
	for (int i = 0; i < 1000; i++) {
		size_t size = 200 * 1024 + rnd_next(&seed) % (1800 * 1024);
		char name[32];
		rnd_fill(buf, size, &seed);
		unlink(path);
		int ffd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (ffd < 0 || write(ffd, buf, size) != (ssize_t)size)
			_exit(2);
		snprintf(name, sizeof(name), "bukti-%d.pdf", i);
		rc = evidence_put(&res, r, REF, expected, i % 2 ? "rhk-2" : "rhk-1", name, ffd, &who, "crash test");
		close(ffd);
		if (rc) {
			int n = snprintf(line, sizeof(line), "E %d %s\n", rc, kn_error_message());
			if (write(fd, line, (size_t)n) < 0)
				_exit(4);
			_exit(3);
		}
		memcpy(expected, res.commit, sizeof(expected));
		snprintf(line, sizeof(line), "%s\n", res.commit);
		if (write(fd, line, 41) != 41)
			_exit(4);
	}
	_exit(0);
}

static void
test_evidence__crash_keeps_finished(void **state)
{
	fixture *f = *state;
	static char done[CRASH_MAX][EVIDENCE_OID_HEX];
	char repo[160], lock[256], head[EVIDENCE_OID_HEX], parent[64];
	size_t ndone = 0;
	uint64_t seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
	int stale_locks = 0;

	fprintf(stderr, "crash test seed %llu\n", (unsigned long long)seed);
	snprintf(repo, sizeof(repo), "%s/crash.git", f->dir);
	snprintf(lock, sizeof(lock), "%s/%s.lock", repo, REF);
	for (int round = 0; round < CRASH_ROUNDS; round++) {
		kn_buf got = KN_BUF_INIT;
		uint8_t tmp[4096];
		int p[2], st;
		pid_t pid;
		ssize_t n;

		assert_int_equal(pipe(p), 0);
		uint64_t child_seed = rnd_next(&seed);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_child(f->dir, repo, p[1], child_seed);
		}
		close(p[1]);
		usleep((useconds_t)(150000 + rnd_next(&seed) % 500000));
		kill(pid, SIGKILL);
		while ((n = read(p[0], tmp, sizeof(tmp))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0)
				kn_buf_put(&got, tmp, (size_t)n);
		close(p[0]);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		if (got.len > 0 && got.ptr[0] == 'E')
			fprintf(stderr, "child failed: %.*s", (int)got.len, (const char *)got.ptr);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		/* Whole lines only: the kill may come between the ref move and the report. */
		for (size_t i = 0; i + 41 <= got.len && ndone < CRASH_MAX; i += 41) {
			assert_int_equal(got.ptr[i + 40], '\n');
			memcpy(done[ndone], got.ptr + i, 40);
			done[ndone++][40] = '\0';
		}
		kn_buf_free(&got);

		assert_fsck_clean(repo);
		evidence_repo *r = NULL;
		assert_int_equal(evidence_open(&r, repo), 0);
		int rc = evidence_ref_get(head, r, REF);
		if (rc == KN_ENOTFOUND) {
			assert_int_equal(ndone, 0);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(evidence_check_commit(r, head, 1), 0);
			/* The ref holds the last reported commit, or one made after it but not reported. */
			if (ndone > 0 && strcmp(head, done[ndone - 1]) != 0) {
				assert_int_equal(git_line(parent, sizeof(parent), "git --git-dir='%s' rev-parse %s^", repo, head), 0);
				assert_string_equal(parent, done[ndone - 1]);
			}
		}
		for (size_t i = 0; i < ndone; i++)
			assert_int_equal(evidence_check_commit(r, done[i], 0), 0);
		evidence_close(r);
		/* A kill while the ref was being moved leaves its lock: let it age, as time would. */
		if (access(lock, F_OK) == 0) {
			stale_locks++;
			age_file(lock, 3600);
		}
	}
	/* Every reported commit is intact, and each is the parent of the next. */
	{
		evidence_repo *r = NULL;
		assert_int_equal(evidence_open(&r, repo), 0);
		for (size_t i = 0; i < ndone; i++)
			assert_int_equal(evidence_check_commit(r, done[i], 1), 0);
		evidence_close(r);
	}
	fprintf(stderr, "crash test: %d rounds, %zu commits reported, %d stale locks\n", CRASH_ROUNDS, ndone, stale_locks);
	assert_true(ndone > 0);
}

/* Run every evidence test. */
/*
 * A pack crosses in chunks with cuts: the receiver takes a chunk only at
 * its own length, keeps what it acknowledged, and the sender resumes there
 * from the same spooled file; a chunk at a wrong offset is refused and
 * changes nothing; altered bytes are refused whole; the objects then
 * verify in the receiving repository. Big incompressible blobs are packed
 * without deltas, so the pack is about as big as the files.
 */
static void
test_evidence__pack_resumes_after_cuts(void **state)
{
	fixture *f = *state;
	evidence_put_result c[3], big;
	char spool[160], in[160], b[160], key[65];
	const char *want[1];
	uint64_t size = 0, have, seed = 7, sent = 0;
	uint32_t nobj = 0, n = 0;
	evidence_repo *rb = NULL;
	static uint8_t data[400000];
	kn_buf chunk = KN_BUF_INIT;

	three_commits(f, c);
	rnd_fill(data, sizeof(data), &seed);
	assert_int_equal(put_bytes(&big, f, f->r, REF, c[2].commit, "rhk-3", "scan.jpg", data, sizeof(data)), 0);
	snprintf(spool, sizeof(spool), "%s/spool", f->dir);
	snprintf(in, sizeof(in), "%s/incoming", f->dir);
	snprintf(b, sizeof(b), "%s/b.git", f->dir);
	want[0] = big.commit;
	assert_int_equal(evidence_spool_pack(key, &size, &nobj, f->r, spool, want, 1, NULL, 0), 0);
	assert_int_equal(nobj, 16); /* 4 commits, 4 root trees, 4 slot trees, 4 blobs */
	/* incompressible files cost about their size: no delta, deflate adds little */
	assert_true(size > sizeof(data) + 30000 && size < (sizeof(data) + 2 * 30000) * 103 / 100);
	assert_int_equal(evidence_open(&rb, b), 0);

	/* three connections, each cut after a few 64 KiB chunks; every resume asks the receiver where to start */
	for (int conn = 0; conn < 3 && sent < size; conn++) {
		assert_int_equal(evidence_incoming_have(&have, in, key), 0);
		assert_int_equal(have, sent);
		for (int k = 0; k < 2 && have < size; k++) {
			kn_buf_clear(&chunk);
			assert_int_equal(evidence_spool_read(&chunk, spool, key, have, 64 * 1024), 0);
			assert_int_equal(evidence_incoming_append(in, key, have, chunk.ptr, chunk.len), 0);
			have += chunk.len;
		}
		sent = have;
		/* a chunk the sender thinks goes elsewhere changes nothing */
		assert_int_equal(evidence_incoming_append(in, key, have + 1, "x", 1), KN_ESTATE);
		assert_int_equal(evidence_incoming_append(in, key, 0, "x", 1), have ? KN_ESTATE : 0);
		if (!have)
			sent = have = 1;
		/* nothing is usable before the last byte */
		if (have < size)
			assert_int_equal(evidence_incoming_finish(&n, rb, in, key, size), KN_ESTATE);
	}
	assert_true(sent < size); /* the last part arrives below, after the third cut */
	while (sent < size) {
		kn_buf_clear(&chunk);
		assert_int_equal(evidence_spool_read(&chunk, spool, key, sent, 64 * 1024), 0);
		assert_int_equal(evidence_incoming_append(in, key, sent, chunk.ptr, chunk.len), 0);
		sent += chunk.len;
	}
	assert_int_equal(evidence_incoming_finish(&n, rb, in, key, size), 0);
	assert_int_equal(n, nobj);
	assert_int_equal(evidence_check_commit(rb, big.commit, 1), 0);
	assert_int_equal(evidence_incoming_have(&have, in, key), 0);
	assert_int_equal(have, 0);

	/* the same pack again, with one byte altered on the way: refused, nothing kept, received again from zero */
	evidence_close(rb);
	rb = NULL;
	snprintf(b, sizeof(b), "%s/c.git", f->dir);
	assert_int_equal(evidence_open(&rb, b), 0);
	for (sent = 0; sent < size;) {
		kn_buf_clear(&chunk);
		assert_int_equal(evidence_spool_read(&chunk, spool, key, sent, 64 * 1024), 0);
		if (sent == 0)
			chunk.ptr[chunk.len / 2] ^= 1;
		assert_int_equal(evidence_incoming_append(in, key, sent, chunk.ptr, chunk.len), 0);
		sent += chunk.len;
	}
	assert_int_not_equal(evidence_incoming_finish(&n, rb, in, key, size), 0);
	assert_int_equal(evidence_incoming_have(&have, in, key), 0);
	assert_int_equal(have, 0);
	assert_int_not_equal(evidence_check_commit(rb, big.commit, 0), 0);
	evidence_spool_drop(spool, key);
	kn_buf_clear(&chunk);
	assert_int_equal(evidence_spool_read(&chunk, spool, key, 0, 10), KN_ENOTFOUND);
	kn_buf_free(&chunk);
	evidence_close(rb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evidence__types_parse),
		cmocka_unit_test(test_evidence__sniff),
		cmocka_unit_test_setup_teardown(test_evidence__check_file_empty_and_limit, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__check_file_types, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__check_file_truncated, setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__check_file_jpeg_markers_across_reads, setup_dir, teardown),
		cmocka_unit_test(test_evidence__slot_and_name_rules),
		cmocka_unit_test_setup_teardown(test_evidence__open_existing_and_refuse_other, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__open_private_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__put_first_then_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__put_replaces_and_keeps_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__put_same_file_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__put_dedup_across_slots_and_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__put_expected_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__put_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__read_in_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__open_bounds_object_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__read_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__check_commit_finds_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__ref_get_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__stale_ref_lock_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__pack_full_then_incremental, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__pack_resumes_after_cuts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__pack_bad_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence__crash_keeps_finished, setup, teardown),
	};

	kn_log_init("test_evidence", KN_LOG_WARN, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
