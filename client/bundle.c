/*
 * bundle.c - `kinerja sync export FILE` and `kinerja sync import FILE`:
 * a sneakernet bundle (sync/bundle.h; docs/design.md, "Sync", "Bundles")
 * carried where no network reaches. The daemon builds and signs the
 * bundle with its device key, and checks and applies one; the CLI writes
 * the file (FILE.part, then renamed) and, before sending anything, checks
 * the file whole (structure, counts, BLAKE2b) so a cut or altered file is
 * refused here already; the daemon checks it again with the signature.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sync/bundle.h"
#include "../util/mpmap.h"
#include "cli.h"

#define CHUNK (512 * 1024)
#define PROGRESS_MIN (4u << 20)

static void
pack_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

int
client_cmd_sync_export(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	kn_buf args = KN_BUF_INIT;
	const char *npsn = client_opt(opts, "sekolah"), *after = client_opt(opts, "setelah"), *all = client_opt(opts, "semua");
	const msgpack_object *r, *b;
	char part[4096], token[80], got_npsn[16], dir[8];
	msgpack_packer ap;
	int rc, fd = -1, n = 2;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	if (access(argv[0], F_OK) == 0) {
		kn_error_set(KN_EEXISTS, "file", "%s sudah ada: pilih nama lain (tidak ada yang ditimpa)", argv[0]);
		return client_fail();
	}
	msgpack_packer_init(&ap, &args, kn_buf_msgpack_write);
	n += npsn != NULL;
	n += after != NULL;
	msgpack_pack_map(&ap, n);
	pack_str(&ap, "token");
	pack_str(&ap, token);
	pack_str(&ap, "all");
	all ? msgpack_pack_true(&ap) : msgpack_pack_false(&ap);
	if (npsn) {
		pack_str(&ap, "npsn");
		pack_str(&ap, npsn);
	}
	if (after) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(after, &end, 10);
		if (errno || *end || after[0] == '-' || !after[0]) {
			kn_error_set(KN_EINVAL, "setelah", "--setelah adalah posisi (angka bulat, 0 atau lebih)");
			kn_buf_free(&args);
			return client_fail();
		}
		pack_str(&ap, "after");
		msgpack_pack_uint64(&ap, v);
	}
	if (client_g.json == 0 && isatty(2))
		fprintf(stderr, "menyiapkan bundel...\n");
	if ((rc = client_connect(&c, client_socket_path())) || (rc = client_call(&r, &c, "sync.bundle_export", &args)))
		goto out;
	b = kn_map_get(r, "bundle");
	if (b == NULL || b->type != MSGPACK_OBJECT_BIN) {
		rc = kn_error_set(KN_EPROTO, "", "kinerjad answered without a bundle");
		goto out;
	}
	snprintf(part, sizeof(part), "%s.part", argv[0]);
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || kn_write_full(fd, b->via.bin.ptr, b->via.bin.size) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(part, argv[0]) != 0) {
		rc = kn_error_set(KN_ERROR, "file", "tidak dapat menulis %s: %s", argv[0], strerror(errno));
		if (fd >= 0)
			unlink(part);
		goto out;
	}
	client_str(r, "npsn", got_npsn, sizeof(got_npsn));
	client_str(r, "dir", dir, sizeof(dir));
	if (client_g.json)
		printf("{\"file\": \"%s\", \"npsn\": \"%s\", \"dir\": \"%s\", \"from\": %llu, \"to\": %llu, \"records\": %llu, "
		       "\"pack_objects\": %llu, \"pack_bytes\": %llu, \"bytes\": %u}\n",
		    argv[0], got_npsn, dir, (unsigned long long)client_u64(r, "from"), (unsigned long long)client_u64(r, "to"),
		    (unsigned long long)client_u64(r, "records"), (unsigned long long)client_u64(r, "pack_objects"),
		    (unsigned long long)client_u64(r, "pack_bytes"), b->via.bin.size);
	else
		printf("Bundel %s untuk sekolah %s ditulis ke %s: %llu catatan (posisi %llu sampai %llu), %llu objek bukti "
		       "dukung (%llu byte), %u byte seluruhnya.\n%s\n",
		    strcmp(dir, "up") == 0 ? "dari sekolah ke hub" : "dari hub ke sekolah", got_npsn, argv[0],
		    (unsigned long long)client_u64(r, "records"), (unsigned long long)client_u64(r, "from"),
		    (unsigned long long)client_u64(r, "to"), (unsigned long long)client_u64(r, "pack_objects"),
		    (unsigned long long)client_u64(r, "pack_bytes"), b->via.bin.size,
		    strcmp(dir, "up") == 0 ? "Bawa berkas ini ke hub lalu jalankan di sana: kinerja sync import BERKAS"
		                           : "Bawa berkas ini ke sekolah lalu jalankan di sana: kinerja sync import BERKAS");
out:
	client_close(&c);
	kn_buf_free(&args);
	explicit_bzero(token, sizeof(token));
	return rc ? client_fail() : 0;
}

static int
read_all(kn_buf *out, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return kn_error_set(KN_ENOTFOUND, "file", "tidak dapat membuka %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > BUNDLE_BYTES_MAX) {
		close(fd);
		return kn_error_set(KN_EINVAL, "file", "%s bukan berkas biasa berukuran paling besar 1 GiB", path);
	}
	if ((rc = kn_buf_grow(out, (size_t)st.st_size + 1)) == 0) {
		ssize_t got = kn_pread_full(fd, out->ptr, (size_t)st.st_size, 0);
		if (got != st.st_size)
			rc = kn_error_set(KN_ERROR, "file", "tidak dapat membaca %s", path);
		else
			out->len = (size_t)got;
	}
	close(fd);
	return rc;
}

int
client_cmd_sync_import(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	kn_buf data = KN_BUF_INIT, args = KN_BUF_INIT;
	const msgpack_object *r = NULL;
	bundle_view v;
	char token[80];
	int rc, progress;
	(void)opts;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	if ((rc = read_all(&data, argv[0])))
		goto out;
	/* the whole file first: nothing is sent from a file cut short or altered */
	if ((rc = bundle_parse(&v, data.ptr, data.len))) {
		rc = kn_error_set(KN_EBADREC, "file",
		    "%s rusak, terpotong, atau telah diubah (%s). Tidak ada isinya yang diterapkan; buat ekspor baru.", argv[0],
		    kn_error_message());
		goto out;
	}
	bundle_view_free(&v);
	progress = !client_g.json && isatty(2) && data.len >= PROGRESS_MIN;
	if ((rc = client_connect(&c, client_socket_path())))
		goto out;
	for (size_t off = 0; off < data.len;) {
		size_t n = data.len - off < CHUNK ? data.len - off : CHUNK;
		msgpack_packer ap;
		kn_buf_clear(&args);
		msgpack_packer_init(&ap, &args, kn_buf_msgpack_write);
		msgpack_pack_map(&ap, 4);
		pack_str(&ap, "token");
		pack_str(&ap, token);
		pack_str(&ap, "offset");
		msgpack_pack_uint64(&ap, off);
		pack_str(&ap, "total");
		msgpack_pack_uint64(&ap, data.len);
		pack_str(&ap, "data");
		msgpack_pack_bin(&ap, n);
		msgpack_pack_bin_body(&ap, data.ptr + off, n);
		if (progress && off + n == data.len)
			fprintf(stderr, "\rmengirim %zu/%zu KiB; memeriksa dan menerapkan...\n", data.len >> 10, data.len >> 10);
		else if (progress)
			fprintf(stderr, "\rmengirim %zu/%zu KiB", (off + n) >> 10, data.len >> 10);
		if ((rc = client_call(&r, &c, "sync.bundle_import", &args)))
			goto out;
		off += n;
	}
	if (r == NULL) {
		rc = kn_error_set(KN_EINVAL, "file", "%s kosong", argv[0]);
		goto out;
	}
	char npsn[16], dir[8];
	client_str(r, "npsn", npsn, sizeof(npsn));
	client_str(r, "dir", dir, sizeof(dir));
	uint64_t refused = client_u64(r, "refused");
	if (client_g.json) {
		printf("{\"file\": \"%s\", \"npsn\": \"%s\", \"dir\": \"%s\", \"records\": %llu, \"stored\": %llu, \"present\": %llu, "
		       "\"held\": %llu, \"refused\": %llu, \"pack_objects\": %llu, \"pulled\": %llu}\n",
		    argv[0], npsn, dir, (unsigned long long)client_u64(r, "records"), (unsigned long long)client_u64(r, "stored"),
		    (unsigned long long)client_u64(r, "present"), (unsigned long long)client_u64(r, "held"),
		    (unsigned long long)refused, (unsigned long long)client_u64(r, "pack_objects"),
		    (unsigned long long)client_u64(r, "pulled"));
	} else {
		printf("Bundel %s (sekolah %s): %llu catatan: %llu disimpan, %llu sudah ada, %llu menunggu catatan lain, %llu "
		       "ditolak; %llu objek bukti dukung diperiksa dan disimpan.\n",
		    argv[0], npsn, (unsigned long long)client_u64(r, "records"), (unsigned long long)client_u64(r, "stored"),
		    (unsigned long long)client_u64(r, "present"), (unsigned long long)client_u64(r, "held"),
		    (unsigned long long)refused, (unsigned long long)client_u64(r, "pack_objects"));
		const msgpack_object *res = kn_map_get(r, "refusals");
		for (uint32_t k = 0; res && res->type == MSGPACK_OBJECT_ARRAY && k < res->via.array.size; k++) {
			char msg[600];
			printf("  ditolak: catatan #%llu: %s\n", (unsigned long long)client_u64(&res->via.array.ptr[k], "index") + 1,
			    client_str(&res->via.array.ptr[k], "message", msg, sizeof(msg)));
		}
	}
	if (refused)
		rc = kn_error_set(KN_EDENIED, "records", "%llu catatan ditolak (yang lain diterapkan)", (unsigned long long)refused);
out:
	client_close(&c);
	kn_buf_free(&data);
	kn_buf_free(&args);
	explicit_bzero(token, sizeof(token));
	return rc ? client_fail() : 0;
}
