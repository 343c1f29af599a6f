/*
 * forge.c - a test tool: copy a `kinerja record export` file, re-signing
 * every record of one type with a fresh key that nobody trusts (same
 * fields, a new author), and write a file whose checksum is right, so the
 * only thing wrong with the forged records is who signed them.
 *
 *   forge IN OUT TYPE
 *
 * Prints how many records it forged. Used by tests/e2e/dinas.sh to show
 * that an import refuses such records with their reason and keeps the rest.
 */
#include <msgpack.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../store/record.h"
#include "../../util/kn.h"
#include "../../util/mpmap.h"

static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

int
main(int argc, char **argv)
{
	FILE *f;
	char *buf;
	size_t len, off = 0, forged = 0, count = 0;
	kn_buf out = KN_BUF_INIT;
	msgpack_packer pk;
	msgpack_unpacked up;
	crypto_generichash_state h;
	uint8_t sum[32], pkey[32];
	unsigned char skey[64];

	if (argc != 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: forge IN OUT TYPE\n");
		return 2;
	}
	if ((f = fopen(argv[1], "rb")) == NULL || (buf = malloc(1 << 24)) == NULL)
		return 1;
	len = fread(buf, 1, 1 << 24, f);
	fclose(f);
	crypto_sign_keypair(pkey, skey);
	crypto_generichash_init(&h, NULL, 0, sizeof(sum));
	msgpack_packer_init(&pk, &out, kn_buf_msgpack_write);
	msgpack_unpacked_init(&up);
	while (msgpack_unpack_next(&up, buf, len, &off) == MSGPACK_UNPACK_SUCCESS) {
		const msgpack_object *o = &up.data;
		if (o->type == MSGPACK_OBJECT_MAP && kn_map_get(o, "end")) {
			crypto_generichash_final(&h, sum, sizeof(sum));
			msgpack_pack_map(&pk, 2);
			pack_s(&pk, "end");
			msgpack_pack_uint64(&pk, count);
			pack_s(&pk, "blake2b");
			msgpack_pack_bin(&pk, sizeof(sum));
			msgpack_pack_bin_body(&pk, sum, sizeof(sum));
			break;
		}
		if (o->type != MSGPACK_OBJECT_BIN) {
			msgpack_pack_object(&pk, *o);
			continue;
		}
		record_view v;
		kn_buf rec = KN_BUF_INIT;
		const uint8_t *bytes = (const uint8_t *)o->via.bin.ptr;
		size_t n = o->via.bin.size;
		if (record_open(&v, bytes, n, NULL) == 0) {
			if (v.type_len == strlen(argv[3]) && memcmp(v.type, argv[3], v.type_len) == 0) {
				uint8_t parents[RECORD_MAX_PARENTS][RECORD_ID_BYTES], auth[RECORD_MAX_AUTH][RECORD_ID_BYTES];
				char type[64], school[16], subject[256];
				kn_buf body = KN_BUF_INIT;
				msgpack_packer bp;
				size_t np = record_nparents(&v), na = record_nauth(&v);
				for (size_t i = 0; i < np; i++)
					memcpy(parents[i], record_parent(&v, i), RECORD_ID_BYTES);
				for (size_t i = 0; i < na; i++)
					memcpy(auth[i], record_auth(&v, i), RECORD_ID_BYTES);
				snprintf(type, sizeof(type), "%.*s", (int)v.type_len, v.type);
				snprintf(school, sizeof(school), "%.*s", (int)v.school_len, v.school);
				snprintf(subject, sizeof(subject), "%.*s", (int)v.subject_len, v.subject);
				msgpack_packer_init(&bp, &body, kn_buf_msgpack_write);
				msgpack_pack_object(&bp, *v.body);
				record_fields rf = { type, school, subject, v.hlc, (const uint8_t(*)[RECORD_ID_BYTES])parents, np,
					body.ptr, body.len, (const uint8_t(*)[RECORD_ID_BYTES])auth, na };
				if (record_sign(&rec, NULL, &rf, pkey, skey) == 0) {
					bytes = rec.ptr;
					n = rec.len;
					forged++;
				}
				kn_buf_free(&body);
			}
			record_view_free(&v);
		}
		crypto_generichash_update(&h, bytes, n);
		msgpack_pack_bin(&pk, n);
		msgpack_pack_bin_body(&pk, bytes, n);
		count++;
		kn_buf_free(&rec);
	}
	msgpack_unpacked_destroy(&up);
	if ((f = fopen(argv[2], "wb")) == NULL || fwrite(out.ptr, 1, out.len, f) != out.len || fclose(f) != 0)
		return 1;
	printf("%zu\n", forged);
	kn_buf_free(&out);
	free(buf);
	return forged ? 0 : 1;
}
