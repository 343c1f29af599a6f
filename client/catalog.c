/*
 * catalog.c - kinerja catalog show, list and add: the catalog versions a
 * school holds (the RHK and their points, the Praktik Kinerja rubrics,
 * the Perilaku Kerja aspects, limits and calendar), which a teacher reads
 * before planning, offline (DOMAIN.md R5). The printers are print.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/mpmap.h"
#include "cli.h"

/* A catalog travels in one signed record of at most 64 KiB (store/record.h), envelope included. */
#define CATALOG_FILE_MAX (63 * 1024)

/* One str key and str value of an argument map. */
static void
pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
	msgpack_pack_str(pk, strlen(v));
	msgpack_pack_str_body(pk, v, strlen(v));
}

/*
 * kinerja catalog show [--version V] [--sub ID] [--gaps]: one call of
 * catalog.show ("gaps" goes as a boolean, so this is not a simple
 * command), printed whole, as one sub-indicator, or as its gaps.
 */
int
client_cmd_catalog_show(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	const char *version = client_opt(opts, "version"), *sub = client_opt(opts, "sub");
	int gaps = client_opt(opts, "gaps") != NULL;
	client_conn c = { .fd = -1 };
	kn_buf args = KN_BUF_INIT;
	const msgpack_object *r;
	msgpack_packer pk;
	char token[80];
	int rc;
	(void)cmd;
	(void)argc;
	(void)argv;

	if (gaps && sub) {
		fprintf(stderr, "kinerja catalog show: %s\n", domain_msg_text("CLI_KATALOG_GAPS_SUB"));
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	msgpack_packer_init(&pk, &args, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2 + (version != NULL) + (sub != NULL));
	pack_kv_str(&pk, "token", token);
	if (version)
		pack_kv_str(&pk, "version", version);
	if (sub)
		pack_kv_str(&pk, "sub", sub);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "gaps", 4);
	if (gaps)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	explicit_bzero(token, sizeof(token));
	rc = client_call_print(&c, &r, "catalog.show", &args);
	if (rc == 0 && !client_g.json) {
		if (gaps)
			client_print_catalog_gaps(r);
		else
			client_print_catalog_show(r);
	}
	kn_buf_free(&args);
	client_close(&c);
	return rc ? client_fail() : 0;
}

/* Read the catalog file at path into out; it must fit in one record. */
static int
catalog_file_read(kn_buf *out, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return domain_msg_error(KN_ENOTFOUND, "file", "CLI_BERKAS_TIDAK_DAPAT_DIBUKA", "berkas", path, "sebab", strerror(errno),
		    NULL);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = domain_msg_error(KN_EINVAL, "file", "CLI_BUKAN_BERKAS_BIASA", "berkas", path, NULL);
		goto out;
	}
	/* the daemon gives the exact limit; this only keeps a huge file off the socket */
	if ((size_t)st.st_size > CATALOG_FILE_MAX) {
		rc = domain_msg_error(KN_ETOOBIG, "file", "KATALOG_TERLALU_BESAR", "berkas", path, "ukuran",
		    domain_msg_num((unsigned long long)st.st_size).s, "maks", domain_msg_num(CATALOG_FILE_MAX).s, NULL);
		goto out;
	}
	if ((rc = kn_buf_grow(out, (size_t)st.st_size + 1)))
		goto out;
	if (kn_pread_full(fd, out->ptr, (size_t)st.st_size, 0) != st.st_size) {
		rc = domain_msg_error(KN_ERROR, "file", "CLI_BERKAS_TIDAK_DAPAT_DIBACA", "berkas", path, NULL);
		goto out;
	}
	out->len = (size_t)st.st_size;
out:
	close(fd);
	return rc;
}

/* The schools this office registered itself (not revoked, not a child hub, not through one), into npsns. */
static int
schools_registered(kn_buf *npsns, size_t *n, client_conn *c, const char *token)
{
	kn_buf args = KN_BUF_INIT;
	const msgpack_object *r, *ss;
	msgpack_packer pk;
	int rc;

	*n = 0;
	msgpack_packer_init(&pk, &args, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 1);
	pack_kv_str(&pk, "token", token);
	rc = client_call(&r, c, "hub.schools", &args);
	kn_buf_free(&args);
	if (rc)
		return rc;
	ss = kn_map_get(r, "schools");
	for (uint32_t i = 0; ss && ss->type == MSGPACK_OBJECT_ARRAY && i < ss->via.array.size; i++) {
		const msgpack_object *e = &ss->via.array.ptr[i];
		char npsn[16], kind[16], via[16];
		client_str(e, "npsn", npsn, sizeof(npsn));
		client_str(e, "kind", kind, sizeof(kind));
		client_str(e, "via", via, sizeof(via));
		if (!client_bool(e, "registered") || strcmp(kind, "hub") == 0 || via[0] || strlen(npsn) != 8)
			continue;
		if ((rc = kn_buf_put(npsns, npsn, 9)))
			return rc;
		(*n)++;
	}
	return 0;
}

/*
 * kinerja catalog add FILE --semua, at the Dinas's office: the version for
 * every school the office registered, one catalog.add each (each judged
 * like --sekolah NPSN), a line per school as it goes, then the counts. A
 * school that has the version already is passed over; one that fails is
 * named with the reason and the others go on; the exit status is 1 when
 * any failed, so running it again finishes the rest. Returns 0, a KN_E*
 * code with the error set, or 1 when some failed and --json said so.
 */
static int
catalog_add_all(client_conn *c, const char *token, const kn_buf *file)
{
	kn_buf npsns = KN_BUF_INIT, args = KN_BUF_INIT;
	size_t n = 0, added = 0, already = 0, failed = 0;
	char version[80] = "", name[128] = "";
	int rc;

	if ((rc = client_connect(c, client_socket_path())) || (rc = schools_registered(&npsns, &n, c, token)))
		goto out;
	if (n == 0) {
		rc = domain_msg_error(KN_ENOTFOUND, "semua", "CLI_KATALOG_TANPA_SEKOLAH", NULL);
		goto out;
	}
	if (client_g.json)
		printf("{\"schools\": [");
	else
		printf("Katalog untuk %zu sekolah yang didaftarkan kantor ini:\n", n);
	for (size_t i = 0; i < n; i++) {
		const char *npsn = (const char *)npsns.ptr + 9 * i;
		const msgpack_object *r;
		msgpack_packer pk;
		int got;
		kn_buf_clear(&args);
		msgpack_packer_init(&pk, &args, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 3);
		pack_kv_str(&pk, "token", token);
		pack_kv_str(&pk, "school", npsn);
		msgpack_pack_str(&pk, 4);
		msgpack_pack_str_body(&pk, "json", 4);
		msgpack_pack_bin(&pk, file->len);
		msgpack_pack_bin_body(&pk, file->ptr, file->len);
		got = client_call(&r, c, "catalog.add", &args);
		if (client_g.json)
			printf("%s{\"npsn\": \"%s\", \"result\": ", i ? ", " : "", npsn);
		if (got == 0) {
			int was = client_bool(r, "already");
			client_str(r, "version", version, sizeof(version));
			client_str(r, "name", name, sizeof(name));
			was ? already++ : added++;
			if (client_g.json)
				printf("\"%s\"}", was ? "already" : "added");
			else
				printf("  %s  %s\n", npsn, was ? "sudah ada" : "ditambahkan");
		} else {
			failed++;
			if (client_g.json) {
				printf("\"failed\", \"error\": {\"code\": \"%s\", \"message\": ", kn_error_code_name(got));
				client_json_str(stdout, kn_error_message());
				printf("}}");
			} else {
				printf("  %s  GAGAL: %s\n", npsn, kn_error_message());
			}
			/* the daemon went away: the rest would fail the same way */
			if (c->fd < 0)
				break;
			kn_error_clear();
		}
		fflush(stdout);
	}
	if (client_g.json) {
		printf("], \"version\": ");
		client_json_str(stdout, version);
		printf(", \"name\": ");
		client_json_str(stdout, name);
		printf(", \"added\": %zu, \"already\": %zu, \"failed\": %zu}\n", added, already, failed);
	} else {
		printf("Versi %.16s (%s): ditambahkan untuk %zu sekolah, sudah ada di %zu, gagal %zu.\n", version[0] ? version : "-",
		    name[0] ? name : "-", added, already, failed);
		if (added)
			printf("Katalog itu sampai ke tiap sekolah pada sinkronisasi berikutnya.\n");
	}
	if (failed) {
		char nf[24], nn[24];
		snprintf(nf, sizeof(nf), "%zu", failed);
		snprintf(nn, sizeof(nn), "%zu", n);
		/* the JSON above already says which and why: 1, nothing more to print */
		rc = client_g.json ? 1 : domain_msg_error(KN_ERROR, "semua", "CLI_KATALOG_SEBAGIAN_GAGAL", "gagal", nf, "jumlah", nn, NULL);
	}
out:
	kn_buf_free(&npsns);
	kn_buf_free(&args);
	return rc;
}

/*
 * kinerja catalog add FILE: store a new catalog version (Operator
 * Sekolah), its bytes exactly as they are in the file, so that its
 * version is the file's BLAKE2b-256 on every machine.
 */
int
client_cmd_catalog_add(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	kn_buf file = KN_BUF_INIT, args = KN_BUF_INIT;
	const msgpack_object *r;
	msgpack_packer pk;
	char token[80];
	const char *school = client_opt(opts, "sekolah");
	int rc, all = client_opt(opts, "semua") != NULL;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	if ((rc = catalog_file_read(&file, argv[0])))
		goto out;
	if (all) {
		if (school) {
			rc = domain_msg_error(KN_EINVAL, "semua", "CLI_KATALOG_SEMUA_ATAU_SEKOLAH", NULL);
			goto out;
		}
		rc = catalog_add_all(&c, token, &file);
		if (rc == 1) {
			/* some failed, and the JSON printed says which: only the exit status is left */
			explicit_bzero(token, sizeof(token));
			kn_buf_free(&file);
			client_close(&c);
			return 1;
		}
		goto out;
	}
	msgpack_packer_init(&pk, &args, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, school ? 3 : 2);
	pack_kv_str(&pk, "token", token);
	if (school)
		pack_kv_str(&pk, "school", school);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "json", 4);
	msgpack_pack_bin(&pk, file.len);
	msgpack_pack_bin_body(&pk, file.ptr, file.len);
	rc = client_call_print(&c, &r, "catalog.add", &args);
	if (rc == 0 && !client_g.json)
		client_print_catalog_add(r);
out:
	explicit_bzero(token, sizeof(token));
	kn_buf_free(&file);
	kn_buf_free(&args);
	client_close(&c);
	return rc ? client_fail() : 0;
}
