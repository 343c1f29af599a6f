/*
 * mpscan.h - find where one MessagePack object ends in untrusted bytes,
 * without allocating and without trusting declared lengths.
 *
 * msgpack-c allocates room for a container's declared element count before
 * it has seen the elements, so a five-byte header can ask for gigabytes.
 * Every untrusted byte string (a socket frame, a stored or received record)
 * is therefore scanned here first: only an object that is complete, within
 * the size limit and nested at most KN_MP_MAX_DEPTH deep goes on to
 * msgpack_unpack_next(), whose allocations are then bounded by its length.
 *
 * The scanner is resumable: feed it the buffered bytes again after more
 * arrive and it continues where it stopped, so a frame delivered one byte
 * at a time costs linear time.
 */
#ifndef KN_MPSCAN_H
#define KN_MPSCAN_H

#include <stddef.h>
#include <stdint.h>

#define KN_MP_MAX_DEPTH 32

typedef struct {
	size_t pos;      /* bytes of the current object already scanned */
	size_t max;      /* largest object accepted */
	unsigned depth;  /* open containers, plus one for the top level */
	uint64_t remain[KN_MP_MAX_DEPTH + 1];
} kn_mpscan;

void kn_mpscan_init(kn_mpscan *s, size_t max);

/*
 * Scan buf[0..len), which starts at the object's first byte and holds every
 * byte received so far. Returns 1 with *out = the object's length when it is
 * complete, 0 when more bytes are needed, KN_ETOOBIG when it exceeds the
 * limit, KN_EPROTO when it is not MessagePack (last error says why).
 * After 1 or an error, call kn_mpscan_init() before the next object.
 */
int kn_mpscan_feed(kn_mpscan *s, const uint8_t *buf, size_t len, size_t *out);

/* One-shot: is buf exactly one well-formed object of at most max bytes? */
int kn_mpscan_exact(const uint8_t *buf, size_t len, size_t max);

#endif
