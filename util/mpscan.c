/*
 * mpscan.c - bounded, resumable scan of MessagePack object extents.
 */
#include "mpscan.h"

#include "kn.h"

void
kn_mpscan_init(kn_mpscan *s, size_t max)
{
	s->pos = 0;
	s->max = max;
	s->depth = 1;
	s->remain[0] = 1;
}

static uint64_t
be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Size of the element header at p (first byte known), how many of its size
 * bytes follow, and whether it is a container. Sets *hdr (total header
 * bytes), *lenbytes (bytes of length after the type byte, 0 = fixed),
 * *fixed (payload bytes when known from the type alone), *kind.
 */
enum { K_SCALAR, K_BYTES, K_ARRAY, K_MAP, K_BAD };

static int
classify(uint8_t t, unsigned *hdr, unsigned *lenbytes, uint64_t *fixed)
{
	*lenbytes = 0;
	*fixed = 0;
	*hdr = 1;
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
		return K_SCALAR;
	if (t >= 0x80 && t <= 0x8f) {
		*fixed = t & 0x0f;
		return K_MAP;
	}
	if (t >= 0x90 && t <= 0x9f) {
		*fixed = t & 0x0f;
		return K_ARRAY;
	}
	if (t >= 0xa0 && t <= 0xbf) {
		*fixed = t & 0x1f;
		return K_BYTES;
	}
	switch (t) {
	case 0xc4: case 0xd9: *lenbytes = 1; *hdr = 2; return K_BYTES;
	case 0xc5: case 0xda: *lenbytes = 2; *hdr = 3; return K_BYTES;
	case 0xc6: case 0xdb: *lenbytes = 4; *hdr = 5; return K_BYTES;
	case 0xc7: *lenbytes = 1; *hdr = 3; return K_BYTES; /* ext8: len, type */
	case 0xc8: *lenbytes = 2; *hdr = 4; return K_BYTES;
	case 0xc9: *lenbytes = 4; *hdr = 6; return K_BYTES;
	case 0xca: *fixed = 4; return K_BYTES;
	case 0xcb: *fixed = 8; return K_BYTES;
	case 0xcc: case 0xd0: *fixed = 1; return K_BYTES;
	case 0xcd: case 0xd1: *fixed = 2; return K_BYTES;
	case 0xce: case 0xd2: *fixed = 4; return K_BYTES;
	case 0xcf: case 0xd3: *fixed = 8; return K_BYTES;
	case 0xd4: *hdr = 2; *fixed = 1; return K_BYTES;
	case 0xd5: *hdr = 2; *fixed = 2; return K_BYTES;
	case 0xd6: *hdr = 2; *fixed = 4; return K_BYTES;
	case 0xd7: *hdr = 2; *fixed = 8; return K_BYTES;
	case 0xd8: *hdr = 2; *fixed = 16; return K_BYTES;
	case 0xdc: *lenbytes = 2; *hdr = 3; return K_ARRAY;
	case 0xdd: *lenbytes = 4; *hdr = 5; return K_ARRAY;
	case 0xde: *lenbytes = 2; *hdr = 3; return K_MAP;
	case 0xdf: *lenbytes = 4; *hdr = 5; return K_MAP;
	default: return K_BAD; /* 0xc1 is never used */
	}
}

int
kn_mpscan_feed(kn_mpscan *s, const uint8_t *buf, size_t len, size_t *out)
{
	while (s->depth > 0) {
		if (s->remain[s->depth - 1] == 0) {
			s->depth--;
			continue;
		}
		if (s->pos >= len)
			return 0;
		unsigned hdr, lenbytes;
		uint64_t n;
		int kind = classify(buf[s->pos], &hdr, &lenbytes, &n);
		if (kind == K_BAD)
			return kn_error_set(KN_EPROTO, "", "not MessagePack: byte 0x%02x at offset %zu is never valid",
			    buf[s->pos], s->pos);
		if (s->pos + hdr > s->max)
			return kn_error_set(KN_ETOOBIG, "", "message exceeds the limit of %zu bytes", s->max);
		if (s->pos + hdr > len)
			return 0;
		if (lenbytes)
			n = be(buf + s->pos + 1, lenbytes);
		if (kind == K_BYTES || kind == K_SCALAR) {
			uint64_t end = (uint64_t)s->pos + hdr + (kind == K_BYTES ? n : 0);
			if (end > s->max)
				return kn_error_set(KN_ETOOBIG, "", "message exceeds the limit of %zu bytes", s->max);
			if (end > len)
				return 0;
			s->pos = (size_t)end;
			s->remain[s->depth - 1]--;
			continue;
		}
		uint64_t children = kind == K_MAP ? 2 * n : n;
		/* each child takes at least one byte */
		if ((uint64_t)s->pos + hdr + children > s->max)
			return kn_error_set(KN_ETOOBIG, "", "message exceeds the limit of %zu bytes", s->max);
		/*
		 * A container at depth 33 is refused even when empty: msgpack-c
		 * (MSGPACK_EMBED_STACK_SIZE 32) fails on it too.
		 */
		if (s->depth > KN_MP_MAX_DEPTH)
			return kn_error_set(KN_EPROTO, "", "MessagePack nested deeper than %d levels", KN_MP_MAX_DEPTH);
		s->pos += hdr;
		s->remain[s->depth - 1]--;
		if (children == 0)
			continue;
		s->remain[s->depth++] = children;
	}
	*out = s->pos;
	return 1;
}

int
kn_mpscan_exact(const uint8_t *buf, size_t len, size_t max)
{
	kn_mpscan s;
	size_t n = 0;

	kn_mpscan_init(&s, max);
	int rc = kn_mpscan_feed(&s, buf, len, &n);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return kn_error_set(KN_EPROTO, "", "MessagePack is truncated");
	if (n != len)
		return kn_error_set(KN_EPROTO, "", "%zu unexpected bytes after the MessagePack object", len - n);
	return 0;
}
