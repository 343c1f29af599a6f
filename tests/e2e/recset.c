/*
 * recset.c - for the end-to-end scripts: read a `kinerja record export`
 * file (a MessagePack stream: a header map, one bin per signed record, an
 * end map) and print the BLAKE2b-256 of each record's bytes in hex, one a
 * line, sorted: two stores that hold the same records print the same
 * lines, whatever order each stored them in. Exit 1 on a file that is not
 * such a stream.
 *
 * converge.sh compiles it with cc and pkg-config when it starts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <sodium.h>

static int
cmp_line(const void *a, const void *b)
{
	return memcmp(a, b, 65);
}

int
main(int argc, char **argv)
{
	FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
	char *buf = NULL, (*lines)[65] = NULL;
	size_t len = 0, cap = 0, n = 0, ncap = 0, off = 0;
	msgpack_unpacked up;
	int ends = 0;

	if (f == NULL || sodium_init() < 0) {
		fprintf(stderr, "usage: recset EXPORT-FILE\n");
		return 1;
	}
	for (;;) {
		if (len == cap && (buf = realloc(buf, cap = cap ? 2 * cap : 1 << 16)) == NULL)
			return 1;
		size_t got = fread(buf + len, 1, cap - len, f);
		if (got == 0)
			break;
		len += got;
	}
	fclose(f);
	msgpack_unpacked_init(&up);
	while (off < len) {
		if (msgpack_unpack_next(&up, buf, len, &off) != MSGPACK_UNPACK_SUCCESS) {
			fprintf(stderr, "recset: not a MessagePack stream\n");
			return 1;
		}
		if (up.data.type == MSGPACK_OBJECT_MAP) {
			ends++;
			continue;
		}
		if (up.data.type != MSGPACK_OBJECT_BIN) {
			fprintf(stderr, "recset: neither a map nor a record\n");
			return 1;
		}
		uint8_t h[32];
		crypto_generichash(h, sizeof(h), (const uint8_t *)up.data.via.bin.ptr, up.data.via.bin.size, NULL, 0);
		if (n == ncap && (lines = realloc(lines, (ncap = ncap ? 2 * ncap : 256) * 65)) == NULL)
			return 1;
		sodium_bin2hex(lines[n++], 65, h, sizeof(h));
	}
	msgpack_unpacked_destroy(&up);
	if (ends != 2) {
		fprintf(stderr, "recset: a header and an end, not %d maps\n", ends);
		return 1;
	}
	qsort(lines, n, 65, cmp_line);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", lines[i]);
	free(lines);
	free(buf);
	return 0;
}
