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
	int rc;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	if ((rc = catalog_file_read(&file, argv[0])))
		goto out;
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
