/*
 * forge.c - a test tool: copy a `kinerja record export` file, re-signing
 * every record of one type with a fresh key that nobody trusts (same
 * fields, a new author), and write a file whose checksum is right, so the
 * only thing wrong with the forged records is who signed them.
 *
 *   forge IN OUT TYPE [-k SEEDFILE] [-s PREFIX] [-w KEY=VALUE]
 *
 * -s forges only the records of TYPE whose subject starts with PREFIX
 * (e.g. a person's key: their SKP), -w only those whose body has the
 * string KEY equal to VALUE (e.g. action=setujui: the approvals).
 * -k signs with the key whose 32-byte seed is in SEEDFILE (a real person's,
 * from tests/e2e/unseal.c) instead of a fresh one. The record must then
 * also name the signer's standing in place of the author's, or it would be
 * refused for its auth, not for who signed it: each auth record that names
 * the original author (their enrollment, a "user" record about them, or a
 * Dinas "assignment" of them) is replaced by the newest record of IN,
 * older than the forged record, that names the signer: their enrollment,
 * else their assignment. Everything else (type, school, subject, hlc,
 * parents, the other auth records, the body) is kept, so what is wrong is
 * that this person, enrolled or posted here, signed this act.
 *
 * Prints how many records it forged. Used by tests/e2e/dinas.sh to show
 * that an import refuses such records with their reason and keeps the
 * rest, and by tests/e2e/sync.sh (a push over the wire).
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

/* What a record of IN says about whom: an enrollment or an assignment of a person. */
typedef struct {
	uint8_t id[RECORD_ID_BYTES];
	uint8_t person[32];
	uint64_t hlc;
	int kind; /* 1 enrollment ("user" about person), 2 assignment (of person) */
} standing;

static standing *stands;
static size_t nstands;

/* Note r's standing, if it is an enrollment or an assignment. */
static void
note_standing(const record_view *v)
{
	standing st = { 0 };
	const msgpack_object *o;

	memcpy(st.id, v->id, RECORD_ID_BYTES);
	st.hlc = v->hlc;
	if (v->type_len == 4 && memcmp(v->type, "user", 4) == 0 && v->subject_len == 64 &&
	    kn_unhex(st.person, 32, v->subject, 64) == 0)
		st.kind = 1;
	else if (v->type_len == 10 && memcmp(v->type, "assignment", 10) == 0 && (o = kn_map_get(v->body, "person")) &&
	    o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == 32) {
		memcpy(st.person, o->via.bin.ptr, 32);
		st.kind = 2;
	} else
		return;
	standing *n = realloc(stands, (nstands + 1) * sizeof(*stands));
	if (n == NULL)
		exit(1);
	stands = n;
	stands[nstands++] = st;
}

static const standing *
standing_of_id(const uint8_t id[RECORD_ID_BYTES])
{
	for (size_t i = 0; i < nstands; i++)
		if (memcmp(stands[i].id, id, RECORD_ID_BYTES) == 0)
			return &stands[i];
	return NULL;
}

/* The signer's newest standing older than hlc: an enrollment, else an assignment; NULL when none. */
static const standing *
standing_of(const uint8_t person[32], uint64_t hlc)
{
	const standing *best[3] = { NULL, NULL, NULL };

	for (size_t i = 0; i < nstands; i++) {
		const standing *st = &stands[i];
		if (memcmp(st->person, person, 32) == 0 && st->hlc < hlc && (best[st->kind] == NULL || st->hlc > best[st->kind]->hlc))
			best[st->kind] = st;
	}
	return best[1] ? best[1] : best[2];
}

/* Does the record's body hold the string key = value ("" for no filter)? */
static int
body_matches(const record_view *v, const char *where)
{
	char key[64], val[256];
	const char *eq = strchr(where, '=');

	if (where[0] == '\0')
		return 1;
	if (eq == NULL || (size_t)(eq - where) >= sizeof(key))
		return 0;
	snprintf(key, sizeof(key), "%.*s", (int)(eq - where), where);
	return kn_map_str(val, sizeof(val), v->body, key) == 0 && strcmp(val, eq + 1) == 0;
}

int
main(int argc, char **argv)
{
	FILE *f;
	char *buf;
	const char *seedfile = NULL, *where = "", *prefix = "";
	size_t len, off = 0, forged = 0, count = 0;
	kn_buf out = KN_BUF_INIT;
	msgpack_packer pk;
	msgpack_unpacked up;
	crypto_generichash_state h;
	uint8_t sum[32], pkey[32];
	unsigned char *skey, *seed;

	if (argc < 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: forge IN OUT TYPE [-k SEEDFILE] [-s PREFIX] [-w KEY=VALUE]\n");
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "-k") == 0 && i + 1 < argc)
			seedfile = argv[++i];
		else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
			where = argv[++i];
		else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
			prefix = argv[++i];
		else {
			fprintf(stderr, "usage: forge IN OUT TYPE [-k SEEDFILE] [-s PREFIX] [-w KEY=VALUE]\n");
			return 2;
		}
	}
	if ((skey = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL || (seed = sodium_malloc(32)) == NULL)
		return 1;
	if (seedfile) {
		if ((f = fopen(seedfile, "rb")) == NULL || fread(seed, 1, 32, f) != 32) {
			fprintf(stderr, "forge: cannot read a 32-byte seed from %s\n", seedfile);
			return 2;
		}
		fclose(f);
		crypto_sign_seed_keypair(pkey, skey, seed);
	} else
		crypto_sign_keypair(pkey, skey);
	sodium_free(seed);
	if ((f = fopen(argv[1], "rb")) == NULL || (buf = malloc(1 << 24)) == NULL)
		return 1;
	len = fread(buf, 1, 1 << 24, f);
	fclose(f);
	msgpack_unpacked_init(&up);
	/* first pass: who stands where (enrollments and assignments), for -k's auth */
	while (seedfile && msgpack_unpack_next(&up, buf, len, &off) == MSGPACK_UNPACK_SUCCESS) {
		record_view v;
		if (up.data.type == MSGPACK_OBJECT_BIN &&
		    record_open(&v, (const uint8_t *)up.data.via.bin.ptr, up.data.via.bin.size, NULL) == 0) {
			note_standing(&v);
			record_view_free(&v);
		}
	}
	off = 0;
	crypto_generichash_init(&h, NULL, 0, sizeof(sum));
	msgpack_packer_init(&pk, &out, kn_buf_msgpack_write);
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
			if (v.type_len == strlen(argv[3]) && memcmp(v.type, argv[3], v.type_len) == 0 && body_matches(&v, where) &&
			    v.subject_len >= strlen(prefix) && memcmp(v.subject, prefix, strlen(prefix)) == 0) {
				uint8_t parents[RECORD_MAX_PARENTS][RECORD_ID_BYTES], auth[RECORD_MAX_AUTH][RECORD_ID_BYTES];
				char type[64], school[16], subject[256];
				kn_buf body = KN_BUF_INIT;
				msgpack_packer bp;
				size_t np = record_nparents(&v), na = record_nauth(&v);
				for (size_t i = 0; i < np; i++)
					memcpy(parents[i], record_parent(&v, i), RECORD_ID_BYTES);
				for (size_t i = 0; i < na; i++) {
					const standing *was = seedfile ? standing_of_id(record_auth(&v, i)) : NULL, *now;
					memcpy(auth[i], record_auth(&v, i), RECORD_ID_BYTES);
					/* the author's standing becomes the signer's */
					if (was && memcmp(was->person, v.author, 32) == 0 && (now = standing_of(pkey, v.hlc)) != NULL)
						memcpy(auth[i], now->id, RECORD_ID_BYTES);
				}
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
	sodium_free(skey);
	free(stands);
	if ((f = fopen(argv[2], "wb")) == NULL || fwrite(out.ptr, 1, out.len, f) != out.len || fclose(f) != 0)
		return 1;
	printf("%zu\n", forged);
	kn_buf_free(&out);
	free(buf);
	return forged ? 0 : 1;
}
