/*
 * kn.h - shared helpers of Kinerja: error codes with a last-error message,
 * logging, growable byte buffers and hex encoding.
 *
 * Every fallible function of the project returns int: 0 on success, or one
 * of the negative KN_E* codes below. The code says what kind of failure it
 * was (stable, for programs); kn_error_message() says, for a person, what
 * went wrong and what to do. kn_error_field() names the input field at fault,
 * or "" when no single field is.
 */
#ifndef KN_H
#define KN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum {
	KN_OK = 0,
	KN_ERROR = -1,      /* unexpected failure (I/O, library) */
	KN_ENOTFOUND = -2,  /* the thing asked for does not exist */
	KN_EEXISTS = -3,    /* it exists already */
	KN_EINVAL = -4,     /* a parameter is missing or malformed */
	KN_EBADSIG = -5,    /* signature or record id does not verify */
	KN_EBADREC = -6,    /* record structure is wrong */
	KN_EDENIED = -7,    /* the author or session may not do this */
	KN_EAUTH = -8,      /* wrong passphrase, unknown or expired session */
	KN_ELOCKED = -9,    /* store held by another process */
	KN_ENOMEM = -10,
	KN_EFULL = -11,     /* store map full or disk full */
	KN_ETOOBIG = -12,   /* frame, file or field over its limit */
	KN_ESTATE = -13,    /* out-of-order workflow step */
	KN_EPROTO = -14,    /* malformed request or stream */
	KN_ENOMETHOD = -15, /* unknown RPC method */
	KN_EBUSY = -16,     /* too much at once: retry shortly */
};

/* Stable, lower-case name of a code, e.g. "not_found"; used on the wire. */
const char *kn_error_code_name(int code);
/* Inverse of kn_error_code_name(); KN_ERROR for unknown names. */
int kn_error_code_from_name(const char *name);

/*
 * Set the last error of this thread: code, field at fault ("" for none) and
 * a printf-style message. Returns code, so callers can write
 * `return kn_error_set(KN_EINVAL, "npsn", "...")`.
 */
int kn_error_set(int code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Last error message and field of this thread (borrowed, never NULL). */
const char *kn_error_message(void);
const char *kn_error_field(void);
int kn_error_last_code(void);
void kn_error_clear(void);

/*
 * Details of the last error, for an error that is a list: e.g. every
 * problem a check found, as a packed MessagePack array of maps {"code",
 * "field", "message"}, which kinerjad sends as the error's "problems" and
 * the CLI prints one by one. kn_error_set() and kn_error_clear() drop
 * them, so set them right after the error they belong to. At most
 * KN_ERROR_DETAILS_MAX bytes: a longer list is KN_ETOOBIG and not kept.
 * kn_error_details() returns NULL (and *len 0) when there are none.
 */
#define KN_ERROR_DETAILS_MAX 32768
int kn_error_details_set(const void *packed, size_t len);
const uint8_t *kn_error_details(size_t *len);

/* Is s[0..n) valid UTF-8 (no overlong forms, no surrogates)? 1 or 0. */
int kn_utf8_valid(const char *s, size_t n);
/*
 * Make a NUL-terminated string valid UTF-8 in place: an incomplete
 * sequence at the end (a cut) is removed, other invalid bytes and control
 * characters become '?' (newline and tab become a space).
 */
void kn_utf8_clean(char *s);

/* Logging: to stderr (default) or syslog. */
enum kn_log_level { KN_LOG_ERROR, KN_LOG_WARN, KN_LOG_INFO, KN_LOG_DEBUG };
void kn_log_init(const char *ident, int level, int use_syslog);
int kn_log_level_parse(int *out, const char *name);
void kn_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define kn_err(...) kn_log(KN_LOG_ERROR, __VA_ARGS__)
#define kn_warn(...) kn_log(KN_LOG_WARN, __VA_ARGS__)
#define kn_info(...) kn_log(KN_LOG_INFO, __VA_ARGS__)
#define kn_debug(...) kn_log(KN_LOG_DEBUG, __VA_ARGS__)

/* A growable byte buffer; zero-initialise with KN_BUF_INIT. */
typedef struct {
	uint8_t *ptr;
	size_t len;
	size_t cap;
	int failed; /* sticky: some append failed since the last clear (out of memory) */
} kn_buf;
#define KN_BUF_INIT { NULL, 0, 0, 0 }

int kn_buf_grow(kn_buf *b, size_t extra);
int kn_buf_put(kn_buf *b, const void *data, size_t len);
int kn_buf_printf(kn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (the vacated bytes are wiped). */
void kn_buf_consume(kn_buf *b, size_t n);
void kn_buf_clear(kn_buf *b);
/* Wipe the contents (for buffers that held secrets) and free. */
void kn_buf_wipe_free(kn_buf *b);
/*
 * Free the memory; NULL-safe; leaves the buffer empty and reusable. Every
 * kn_buf is wiped when freed, consumed or moved by growth, since requests
 * carry passphrases.
 */
void kn_buf_free(kn_buf *b);

/* Hex: out must hold 2*len+1 bytes; returns out. */
char *kn_hex(char *out, const uint8_t *data, size_t len);
/* Parse exactly outlen bytes of hex; KN_EINVAL if malformed. */
int kn_unhex(uint8_t *out, size_t outlen, const char *hex, size_t hexlen);

/*
 * pread until len bytes or end of file, retrying on EINTR: the bytes read,
 * or -1 with errno set. write until all of buf is written: 0, or -1 with errno.
 */
ssize_t kn_pread_full(int fd, void *buf, size_t len, uint64_t off);
int kn_write_full(int fd, const void *buf, size_t len);

/* Milliseconds since the Unix epoch (wall clock) and a monotonic clock. */
uint64_t kn_now_ms(void);
uint64_t kn_mono_ms(void);

/*
 * msgpack-c writer callback appending to a kn_buf (data is a kn_buf *).
 * A failed append marks the buffer failed, so a caller packing many
 * values checks b->failed once at the end instead of every msgpack_pack_*.
 */
int kn_buf_msgpack_write(void *data, const char *buf, size_t len);

/*
 * A u64 as 8 big-endian bytes and back: how keys and values of the store
 * and its indexes hold numbers, so that they sort as numbers and read the
 * same on every machine.
 */
static inline void
kn_be64_put(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static inline uint64_t
kn_be64_get(const uint8_t in[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

#endif
