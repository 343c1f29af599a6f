/*
 * kn.c - error state, logging, buffers and hex for the whole project.
 */
#include "kn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const struct {
	int code;
	const char *name;
} code_names[] = {
	{ KN_OK, "ok" },
	{ KN_ERROR, "internal" },
	{ KN_ENOTFOUND, "not_found" },
	{ KN_EEXISTS, "exists" },
	{ KN_EINVAL, "invalid" },
	{ KN_EBADSIG, "bad_signature" },
	{ KN_EBADREC, "bad_record" },
	{ KN_EDENIED, "denied" },
	{ KN_EAUTH, "auth" },
	{ KN_ELOCKED, "locked" },
	{ KN_ENOMEM, "no_memory" },
	{ KN_EFULL, "store_full" },
	{ KN_ETOOBIG, "too_big" },
	{ KN_ESTATE, "wrong_state" },
	{ KN_EPROTO, "protocol" },
	{ KN_ENOMETHOD, "no_method" },
	{ KN_EBUSY, "busy" },
};

const char *
kn_error_code_name(int code)
{
	for (size_t i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++)
		if (code_names[i].code == code)
			return code_names[i].name;
	return "internal";
}

int
kn_error_code_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++)
		if (strcmp(code_names[i].name, name) == 0)
			return code_names[i].code;
	return KN_ERROR;
}

static __thread int last_code;
static __thread char last_field[64];
static __thread char last_msg[512];
static __thread uint8_t last_details[KN_ERROR_DETAILS_MAX];
static __thread size_t last_details_len;

int
kn_error_set(int code, const char *field, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(last_msg)], fld[sizeof(last_field)];

	/* Format into locals first: callers may pass kn_error_message() or kn_error_field(). */
	snprintf(fld, sizeof(fld), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages go on the wire and to people: valid UTF-8, never cut inside a character. */
	kn_utf8_clean(fld);
	kn_utf8_clean(msg);
	if (msg[0] == '\0')
		snprintf(msg, sizeof(msg), "%s (no details were recorded)", kn_error_code_name(code));
	last_code = code;
	memcpy(last_field, fld, sizeof(fld));
	memcpy(last_msg, msg, sizeof(msg));
	last_details_len = 0;
	return code;
}

/* Keep a copy of the details of the error just set (see kn.h). */
int
kn_error_details_set(const void *packed, size_t len)
{
	if (len > sizeof(last_details)) {
		last_details_len = 0;
		return KN_ETOOBIG;
	}
	memcpy(last_details, packed, len);
	last_details_len = len;
	return 0;
}

/* The details of the last error, borrowed until the next error is set; NULL when none. */
const uint8_t *
kn_error_details(size_t *len)
{
	*len = last_details_len;
	return last_details_len ? last_details : NULL;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
kn_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i);
		if (l == 0)
			return 0;
		i += l;
	}
	return 1;
}

void
kn_utf8_clean(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i);
		if (l == 0) {
			/* a sequence cut by truncation at the very end: drop it; anything else becomes '?' */
			size_t j = i + 1;
			while (j < n && (p[j] & 0xc0) == 0x80)
				j++;
			if (j == n && p[i] >= 0xc2 && p[i] <= 0xf4 && n - i < 4) {
				p[i] = '\0';
				return;
			}
			p[i] = '?';
			l = 1;
		} else if (l == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
			p[i] = p[i] == '\n' || p[i] == '\t' ? ' ' : '?';
		}
		i += l;
	}
}

const char *
kn_error_message(void)
{
	return last_msg[0] ? last_msg : "no error message was recorded";
}

const char *
kn_error_field(void)
{
	return last_field;
}

int
kn_error_last_code(void)
{
	return last_code;
}

void
kn_error_clear(void)
{
	last_code = 0;
	last_field[0] = '\0';
	last_msg[0] = '\0';
	last_details_len = 0;
}

static int log_level = KN_LOG_INFO;
static int log_syslog;
static const char *log_ident = "kinerja";

void
kn_log_init(const char *ident, int level, int use_syslog)
{
	log_ident = ident;
	log_level = level;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
kn_log_level_parse(int *out, const char *name)
{
	static const char *names[] = { "error", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++) {
		if (strcmp(name, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return kn_error_set(KN_EINVAL, "log_level",
	    "unknown log level '%s': use error, warn, info or debug", name);
}

void
kn_log(int level, const char *fmt, ...)
{
	static const char *tags[] = { "error", "warn", "info", "debug" };
	static const int prios[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char msg[1024];
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		syslog(prios[level], "%s", msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char when[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ %s[%d] %s: %s\n", when, ts.tv_nsec / 1000000,
	    log_ident, (int)getpid(), tags[level], msg);
}

int
kn_buf_grow(kn_buf *b, size_t extra)
{
	if (b->len + extra < b->len) {
		b->failed = 1;
		return kn_error_set(KN_ENOMEM, "", "buffer size overflow");
	}
	if (b->len + extra <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra) {
		if (cap > SIZE_MAX / 2) {
			b->failed = 1;
			return kn_error_set(KN_ENOMEM, "", "buffer size overflow");
		}
		cap *= 2;
	}
	/* Not realloc: the old block may hold a passphrase, so it is wiped before it is freed. */
	uint8_t *p = malloc(cap);
	if (p == NULL) {
		b->failed = 1;
		return kn_error_set(KN_ENOMEM, "", "out of memory (%zu bytes)", cap);
	}
	if (b->ptr) {
		memcpy(p, b->ptr, b->len);
		explicit_bzero(b->ptr, b->cap);
		free(b->ptr);
	}
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int
kn_buf_put(kn_buf *b, const void *data, size_t len)
{
	int rc = kn_buf_grow(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	return 0;
}

int
kn_buf_printf(kn_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || kn_buf_grow(b, (size_t)n + 1))
		return KN_ENOMEM;
	va_start(ap, fmt);
	vsnprintf((char *)b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void
kn_buf_consume(kn_buf *b, size_t n)
{
	if (n >= b->len) {
		if (b->ptr)
			explicit_bzero(b->ptr, b->len);
		b->len = 0;
		return;
	}
	memmove(b->ptr, b->ptr + n, b->len - n);
	explicit_bzero(b->ptr + b->len - n, n);
	b->len -= n;
}

void
kn_buf_clear(kn_buf *b)
{
	b->len = 0;
	b->failed = 0;
}

void
kn_buf_wipe_free(kn_buf *b)
{
	if (b == NULL)
		return;
	if (b->ptr)
		explicit_bzero(b->ptr, b->cap);
	kn_buf_free(b);
}

void
kn_buf_free(kn_buf *b)
{
	if (b == NULL)
		return;
	if (b->ptr)
		explicit_bzero(b->ptr, b->len);
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

char *
kn_hex(char *out, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
kn_unhex(uint8_t *out, size_t outlen, const char *hex, size_t hexlen)
{
	if (hexlen != 2 * outlen)
		return KN_EINVAL;
	for (size_t i = 0; i < outlen; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return KN_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

uint64_t
kn_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
kn_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
kn_buf_msgpack_write(void *data, const char *buf, size_t len)
{
	return kn_buf_put(data, buf, len) == 0 ? 0 : -1;
}

ssize_t
kn_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
kn_write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
