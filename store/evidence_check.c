/*
 * evidence_check.c - checks of an evidence file before it is stored: its
 * type by magic bytes, its size, that it is complete (PDF, PNG, JPEG,
 * DOCX), and the slot and file name it is stored under (see evidence.h).
 * Reads files with pread only; no libgit2 here. What a teacher reads when
 * a file is refused comes from the message catalog (domain/messages.h);
 * read errors and the evidence_types setting stay English (diagnostics).
 */
#include "evidence_int.h"
#include "../domain/messages.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>

#define EVIDENCE__PDF_TAIL 1024
#define EVIDENCE__ZIP_EOCD 22                 /* end of central directory record, no comment */
#define EVIDENCE__ZIP_CDH 46                  /* central directory file header */
#define EVIDENCE__OOXML_NAME "[Content_Types].xml"
#define EVIDENCE__DOCX_PART "word/document.xml" /* what makes an OOXML zip a Word document */

/* The file types, their names and how to call them in a message (Indonesian). */
static const struct {
	unsigned type;
	const char *name;
	const char *alias;
	const char *desc;
} evidence__types[] = {
	{ EVIDENCE_PDF, "pdf", NULL, "PDF" },
	{ EVIDENCE_JPEG, "jpeg", "jpg", "foto JPEG" },
	{ EVIDENCE_PNG, "png", NULL, "gambar PNG" },
	{ EVIDENCE_DOCX, "docx", NULL, "dokumen Word (DOCX)" },
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
		return "berkas Office lama (.doc, .xls atau .ppt)";
	if (len >= 4 && memcmp(head, "GIF8", 4) == 0)
		return "gambar GIF";
	if (len >= 12 && memcmp(head, "RIFF", 4) == 0 && memcmp(head + 8, "WEBP", 4) == 0)
		return "gambar WebP";
	if (len >= 12 && memcmp(head + 4, "ftyphei", 7) == 0)
		return "foto HEIC";
	if (len >= 5 && memcmp(head, "{\\rtf", 5) == 0)
		return "dokumen RTF";
	return "jenis yang tidak dikenali";
}

/* "PDF" when allowed is one type, else "jenis yang diterima". */
static const char *
evidence__allowed_desc(unsigned allowed)
{
	for (size_t i = 0; i < EVIDENCE__NTYPES; i++)
		if (evidence__types[i].type == allowed)
			return evidence__types[i].desc;
	return "jenis yang diterima";
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
		snprintf(out, outsz, "tidak ada");
}

/* A size for people: "12.3 MB", "456.7 KB" or "800 byte" (decimal units). */
static void
evidence__size_text(char *out, size_t outsz, uint64_t n)
{
	if (n >= 1000000)
		snprintf(out, outsz, "%.1f MB", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(out, outsz, "%.1f KB", (double)n / 1e3);
	else
		snprintf(out, outsz, "%llu byte", (unsigned long long)n);
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
		return "kompres atau pecah PDF-nya";
	case EVIDENCE_JPEG:
	case EVIDENCE_PNG:
		return "simpan gambarnya dengan resolusi lebih rendah";
	case EVIDENCE_DOCX:
		return "kompres gambar di dalamnya atau pecah dokumennya";
	default:
		return "perkecil berkasnya";
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
		rc = domain_msg_error(KN_EINVAL, "file", "BERKAS_DOCX_TERPOTONG", NULL);
		goto out_free;
	}
	const uint8_t *e = tail + (eocd - tail_off);
	entries = evidence__le16(e + 10);
	cd_size = evidence__le32(e + 12);
	cd_off = evidence__le32(e + 16);
	if (evidence__le16(e + 4) != 0 || evidence__le16(e + 6) != 0 || entries == 0xffff ||
	    cd_off == 0xffffffffu || cd_size == 0xffffffffu) {
		rc = domain_msg_error(KN_EINVAL, "file", "BERKAS_DOCX_ZIP64", NULL);
		goto out_free;
	}
	if (cd_off + cd_size > eocd) {
		rc = domain_msg_error(KN_EINVAL, "file", "BERKAS_DOCX_RUSAK", NULL);
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
		rc = domain_msg_error(KN_EINVAL, "file", "BERKAS_ZIP_BUKAN_DOCX", "bagian",
		    (found & 1) ? EVIDENCE__DOCX_PART : EVIDENCE__OOXML_NAME, NULL);
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
			return domain_msg_error(KN_EINVAL, "file", "BERKAS_PDF_TERPOTONG", NULL);
		return 0;
	case EVIDENCE_PNG:
		if (tlen >= sizeof(iend) && memcmp(tail + tlen - sizeof(iend), iend, sizeof(iend)) == 0)
			return 0;
		ok = evidence__png_has_iend(fd, size);
		if (ok < 0)
			return kn_error_set(KN_ERROR, "file", "cannot read the file: %s", strerror(errno));
		if (!ok)
			return domain_msg_error(KN_EINVAL, "file", "BERKAS_PNG_TERPOTONG", NULL);
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
				rc = domain_msg_error(KN_EINVAL, "file", "BERKAS_JPEG_TERPOTONG", NULL);
			else
				rc = 0;
		}
		free(rd);
		return rc;
	default:
		return 0;
	}
}

/* See evidence.h: what the file is, what it should be, and what to do. */
int
evidence_type_refuse(const uint8_t *head, size_t len, unsigned allowed)
{
	char list[64];

	evidence__allowed_list(list, sizeof(list), allowed);
	return domain_msg_error(KN_EINVAL, "file", "BERKAS_JENIS_SALAH", "jenis", evidence__allowed_desc(allowed), "tampak",
	    evidence__looks_like(head, len), "daftar", list, "sebagai", allowed == EVIDENCE_PDF ? "PDF" : "salah satu jenis itu",
	    NULL);
}

/* See evidence.h: not empty, not too big, an allowed type, complete. */
int
evidence_check_file(unsigned *type, int fd, uint64_t max_bytes, unsigned allowed)
{
	char have[32], limit[32];
	uint8_t head[16];
	struct stat st;
	uint64_t size;
	unsigned t;
	ssize_t n;

	*type = 0;
	if (fstat(fd, &st) != 0)
		return kn_error_set(KN_ERROR, "file", "cannot stat the file: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return domain_msg_error(KN_EINVAL, "file", "BERKAS_BUKAN_BERKAS_BIASA", NULL);
	size = (uint64_t)st.st_size;
	if (size == 0)
		return domain_msg_error(KN_EINVAL, "file", "BERKAS_KOSONG", NULL);
	n = kn_pread_full(fd, head, sizeof(head), 0);
	if (n <= 0)
		return kn_error_set(KN_ERROR, "file", "cannot read the file: %s", n < 0 ? strerror(errno) : "it is empty");
	t = evidence_sniff(head, (size_t)n);
	if (size > max_bytes) {
		evidence__size_text(have, sizeof(have), size);
		evidence__size_text(limit, sizeof(limit), max_bytes);
		if (strcmp(have, limit) == 0) {
			snprintf(have, sizeof(have), "%llu byte", (unsigned long long)size);
			snprintf(limit, sizeof(limit), "%llu byte", (unsigned long long)max_bytes);
		}
		return domain_msg_error(KN_ETOOBIG, "file", "BERKAS_TERLALU_BESAR", "ukuran", have, "batas", limit, "saran",
		    evidence__shrink_advice(t), NULL);
	}
	if (t == 0 || !(t & allowed))
		return evidence_type_refuse(head, (size_t)n, allowed);
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

	if (n == 0 || n > EVIDENCE_SLOT_MAX) {
		char max[16];
		snprintf(max, sizeof(max), "%d", EVIDENCE_SLOT_MAX);
		return domain_msg_error(KN_EINVAL, "slot", "BUKTI_SLOT_PANJANG", "maks", max, NULL);
	}
	if (strspn(slot, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return domain_msg_error(KN_EINVAL, "slot", "BUKTI_SLOT_KARAKTER", "slot", slot, NULL);
	if (slot[0] == '-')
		return domain_msg_error(KN_EINVAL, "slot", "BUKTI_SLOT_AWAL", "slot", slot, NULL);
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

	if (n == 0 || n > EVIDENCE_NAME_MAX) {
		char max[16];
		snprintf(max, sizeof(max), "%d", EVIDENCE_NAME_MAX);
		return domain_msg_error(KN_EINVAL, "name", "BERKAS_NAMA_PANJANG", "maks", max, NULL);
	}
	if (name[0] == '.')
		return domain_msg_error(KN_EINVAL, "name", "BERKAS_NAMA_TITIK", NULL);
	if (strcasecmp(name, "git~1") == 0)
		return domain_msg_error(KN_EINVAL, "name", "BERKAS_NAMA_KHUSUS", "nama", name, NULL);
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t len = evidence__utf8(&c, p + i, n - i);
		if (len == 0)
			return domain_msg_error(KN_EINVAL, "name", "BERKAS_NAMA_UTF8", NULL);
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			return domain_msg_error(KN_EINVAL, "name", "BERKAS_NAMA_KONTROL", NULL);
		if (c == '/' || c == '\\')
			return domain_msg_error(KN_EINVAL, "name", "BERKAS_NAMA_GARIS_MIRING", NULL);
		if ((c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) ||
		    c == 0xfeff)
			return domain_msg_error(KN_EINVAL, "name", "BERKAS_NAMA_TAK_TERLIHAT", NULL);
		i += len;
	}
	return 0;
}

/* See evidence.h. */
int
evidence_sha256_fd(char out[65], int fd)
{
	crypto_hash_sha256_state h;
	uint8_t buf[64 * 1024], sum[crypto_hash_sha256_BYTES];
	uint64_t off = 0;
	ssize_t n;

	crypto_hash_sha256_init(&h);
	while ((n = kn_pread_full(fd, buf, sizeof(buf), (off_t)off)) > 0) {
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		off += (uint64_t)n;
		if ((size_t)n < sizeof(buf))
			break;
	}
	if (n < 0)
		return kn_error_set(KN_ERROR, "file", "cannot read the file to hash it: %s", strerror(errno));
	crypto_hash_sha256_final(&h, sum);
	kn_hex(out, sum, sizeof(sum));
	return 0;
}

const char *
evidence_type_mime(unsigned type)
{
	switch (type) {
	case EVIDENCE_PDF:
		return "application/pdf";
	case EVIDENCE_JPEG:
		return "image/jpeg";
	case EVIDENCE_PNG:
		return "image/png";
	case EVIDENCE_DOCX:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
	default:
		return "application/octet-stream";
	}
}
