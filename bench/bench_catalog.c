/*
 * bench_catalog.c - what reading a catalog costs the daemon: kd_catalog_get
 * (the record read and verified, its author's right checked, the catalog
 * from the cache) against a baseline of parsing the same JSON bytes
 * (domain_catalog_parse), in the same process.
 *
 * A fresh store under /tmp (removed at the end) holds a school, its
 * operator and the catalog file given (catalog/pmm-2024.1.json by
 * default, 21 KB), with the daemon's rules installed. Timed, each many
 * times over: the parse alone; kd_catalog_get with the cache emptied
 * before every call (record + parse); kd_catalog_get from the cache; and
 * the record alone (kd_doc_head), which every call pays. Speed is
 * reported, never asserted: the exit status is 1 only when something
 * fails or a catalog read back differs.
 *
 * Usage: bench_catalog [BUILD_DIR [CATALOG_FILE]]   (BUILD_DIR is ignored)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/server.h"
#include "../domain/catalog.h"
#include "../store/record.h"
#include "../store/store.h"
#include "../tests/lib/kntest.h"

#define BENCH_SCHOOL "20100001"
#define BENCH_HLC0 (1760000000000ULL << 16)

/* Pack a str. */
static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* Sign a record of the operator's (nauth 0 or 1) and put it into st. 0 or -1 (printed). */
static int
put(uint8_t id[32], store *st, const uint8_t pk[32], const unsigned char *sk, const char *type, const char *subject,
    uint64_t hlc, const uint8_t *auth, const kn_buf *body)
{
	kn_buf rec = KN_BUF_INIT;
	record_fields f = { type, BENCH_SCHOOL, subject, hlc, NULL, 0, body->ptr, body->len,
		(const uint8_t(*)[32])auth, auth ? 1 : 0 };
	int rc = record_sign(&rec, id, &f, pk, sk);

	if (rc == 0)
		rc = store_put(st, rec.ptr, rec.len, NULL);
	if (rc < 0)
		fprintf(stderr, "bench_catalog: %s record: %s\n", type, kn_error_message());
	kn_buf_free(&rec);
	return rc < 0 ? -1 : 0;
}

/* The school, its operator's founding enrollment and the catalog in a new store. */
static int
fill(store *st, const char *json, size_t len, char version[65])
{
	uint8_t pk[32], id_school[32], id_op[32];
	unsigned char sk[64];
	char hex[65];
	kn_buf b = KN_BUF_INIT;
	msgpack_packer mp;
	int rc;

	crypto_sign_keypair(pk, sk);
	kn_hex(hex, pk, 32);
	msgpack_packer_init(&mp, &b, kn_buf_msgpack_write);
	msgpack_pack_map(&mp, 2);
	pack_s(&mp, "name");
	pack_s(&mp, "SD Negeri 1 Contoh");
	pack_s(&mp, "operator");
	msgpack_pack_bin(&mp, 32);
	msgpack_pack_bin_body(&mp, pk, 32);
	rc = put(id_school, st, pk, sk, "school", BENCH_SCHOOL, BENCH_HLC0 + 1, NULL, &b);
	kn_buf_clear(&b);
	msgpack_pack_map(&mp, 5);
	pack_s(&mp, "name");
	pack_s(&mp, "Siti Aminah");
	pack_s(&mp, "role");
	pack_s(&mp, "operator");
	pack_s(&mp, "status");
	pack_s(&mp, "NON_ASN");
	pack_s(&mp, "nuptk");
	pack_s(&mp, "1234567890123456");
	pack_s(&mp, "active");
	msgpack_pack_true(&mp);
	if (rc == 0)
		rc = put(id_op, st, pk, sk, "user", hex, BENCH_HLC0 + 2, id_school, &b);
	kn_buf_clear(&b);
	msgpack_pack_map(&mp, 1);
	pack_s(&mp, "json");
	msgpack_pack_bin(&mp, len);
	msgpack_pack_bin_body(&mp, json, len);
	if (rc == 0 && domain_catalog_version(version, (const uint8_t *)json, len) != 0)
		rc = -1;
	if (rc == 0)
		rc = put(NULL, st, pk, sk, "catalog", version, BENCH_HLC0 + 3, id_op, &b);
	kn_buf_free(&b);
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

/* Read path whole into out (malloc'd, NUL-terminated); -1 (printed) on failure. */
static int
slurp(char **out, size_t *len, const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	*out = NULL;
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (*out = malloc((size_t)n + 1)) == NULL || fread(*out, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench_catalog: cannot read %s (run from the repository root)\n", path);
		if (f)
			fclose(f);
		free(*out);
		*out = NULL;
		return -1;
	}
	fclose(f);
	(*out)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

/* Fill a store, then time each way of reading the catalog; see the head of this file. */
int
main(int argc, char **argv)
{
	const char *path = argc > 2 ? argv[2] : "catalog/pmm-2024.1.json";
	enum { N_PARSE = 400, N_MISS = 400, N_HIT = 3000, N_HEAD = 3000 };
	char dir[64], version[65], got[65], doc[RECORD_DOC_KEY_MAX];
	double t0, parse_us, miss_us, hit_us, head_us;
	store_opts so = { 0, 1 };
	domain_catalog *c;
	record_view v;
	store_hooks h;
	store_txn *t;
	size_t len;
	char *json;
	store *st;
	int rc = 1;

	if (sodium_init() < 0 || slurp(&json, &len, path) != 0)
		return 1;
	kn_log_init("bench_catalog", KN_LOG_WARN, 0);
	if (kntest_tmpdir(dir, sizeof(dir), "/tmp/kn-bench-catalog.XXXXXX") != 0) {
		perror("mkdtemp");
		goto out_free;
	}
	if (store_open(&st, dir, &so) != 0) {
		fprintf(stderr, "bench_catalog: store_open: %s\n", kn_error_message());
		goto out_rm;
	}
	kd_rules_hooks(&h, NULL);
	store_set_hooks(st, &h);
	if (fill(st, json, len, version) != 0 || store_read_begin(&t, st) != 0)
		goto out_close;
	snprintf(doc, sizeof(doc), "catalog/%s/%s", BENCH_SCHOOL, version);

	t0 = kntest_now_s();
	for (int i = 0; i < N_PARSE; i++) {
		if (domain_catalog_parse(&c, (const uint8_t *)json, len) != 0)
			goto out_end;
		domain_catalog_free(c);
	}
	parse_us = (kntest_now_s() - t0) / N_PARSE * 1e6;
	t0 = kntest_now_s();
	for (int i = 0; i < N_MISS; i++) {
		kd_catalog_cache_clear();
		if (kd_catalog_get(&c, got, t, BENCH_SCHOOL, NULL) != 0)
			goto out_end;
		domain_catalog_free(c);
	}
	miss_us = (kntest_now_s() - t0) / N_MISS * 1e6;
	t0 = kntest_now_s();
	for (int i = 0; i < N_HIT; i++) {
		if (kd_catalog_get(&c, got, t, BENCH_SCHOOL, version) != 0)
			goto out_end;
		domain_catalog_free(c);
	}
	hit_us = (kntest_now_s() - t0) / N_HIT * 1e6;
	t0 = kntest_now_s();
	for (int i = 0; i < N_HEAD; i++) {
		if (kd_doc_head(&v, t, doc) != 0)
			goto out_end;
		record_view_free(&v);
	}
	head_us = (kntest_now_s() - t0) / N_HEAD * 1e6;
	if (strcmp(got, version) != 0 || kd_catalog_get(&c, got, t, BENCH_SCHOOL, NULL) != 0) {
		fprintf(stderr, "bench_catalog: the catalog read back is not the one stored\n");
		goto out_end;
	}
	domain_catalog_free(c);
	printf("bench_catalog: %s, %zu bytes, version %.12s…\n", path, len, version);
	printf("  baseline: domain_catalog_parse             %8.1f us/call\n", parse_us);
	printf("  kd_catalog_get, cache emptied each time    %8.1f us/call  (%.2f x baseline)\n", miss_us, miss_us / parse_us);
	printf("  kd_catalog_get, from the cache             %8.1f us/call  (%.2f x baseline)\n", hit_us, hit_us / parse_us);
	printf("    of which the record (kd_doc_head)        %8.1f us/call\n", head_us);
	rc = 0;
out_end:
	if (rc)
		fprintf(stderr, "bench_catalog: %s\n", kn_error_message());
	store_read_end(t);
out_close:
	store_close(st);
	kd_catalog_cache_clear();
out_rm:
	kntest_rm_rf(dir);
out_free:
	free(json);
	return rc;
}
