/*
 * bundle.c - `kinerja sync export FILE` and `kinerja sync import FILE`:
 * a sneakernet bundle (sync/bundle.h; docs/design.md, "Sync", "Bundles")
 * carried where no network reaches, of any size, in bounded memory.
 * Export: the daemon writes and signs the bundle into its spool while the
 * CLI shows how far it is; then the CLI fetches it in 1 MiB pieces into
 * FILE.part (progress on a terminal), fsyncs and links it to FILE. Import: the CLI first reads the whole file
 * through the bundle reader (structure, counts, BLAKE2b), so a cut or
 * altered file is refused here already, then sends it in 512 KiB pieces;
 * the daemon checks it all again with the signature before it applies
 * anything. At a hub, import --tanda-terima OUT then writes the receipt
 * bundle for the school (as export --sekolah N --tanda-terima does).
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

#define CHUNK ((size_t)1 << 20)       /* read from the file */
#define SEND ((size_t)512 << 10)       /* per sync.bundle_import call: under the daemon's 1 MiB request frame */
#define PROGRESS_MIN (4u << 20)

static void
pack_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static int
flag(const msgpack_object *r, const char *key)
{
	const msgpack_object *o = kn_map_get(r, key);

	return o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

static int
want_progress(uint64_t size)
{
	return !client_g.json && isatty(2) && size >= PROGRESS_MIN;
}

static void
progress(const char *what, uint64_t done, uint64_t total)
{
	fprintf(stderr, "\r%s %llu/%llu MiB (%llu%%)", what, (unsigned long long)(done >> 20),
	    (unsigned long long)(total >> 20), (unsigned long long)(total ? done * 100 / total : 100));
	if (done == total)
		fputc('\n', stderr);
}

/* What an export answered (copied: the next call reuses the reply's memory). */
typedef struct {
	uint64_t size, from, to, records, objects, pack_bytes;
	int receipt, checkpoint;
	char npsn[16], dir[8];
} export_info;

static void
pack_fetch(kn_buf *args, const char *token, uint64_t off)
{
	msgpack_packer ap;

	kn_buf_clear(args);
	msgpack_packer_init(&ap, args, kn_buf_msgpack_write);
	msgpack_pack_map(&ap, 2);
	pack_str(&ap, "token");
	pack_str(&ap, token);
	pack_str(&ap, "offset");
	msgpack_pack_uint64(&ap, off);
}

/* How far the daemon is with the bundle (a line on the terminal). */
static void
building(const msgpack_object *r)
{
	char stage[16];
	uint64_t secs = client_u64(r, "elapsed_ms") / 1000;

	client_str(r, "stage", stage, sizeof(stage));
	if (strcmp(stage, "copy") == 0)
		fprintf(stderr, "\rmenyiapkan bundel: menulis bukti dukung %llu/%llu MiB (%llu s)   ",
		    (unsigned long long)(client_u64(r, "done") >> 20), (unsigned long long)(client_u64(r, "total") >> 20),
		    (unsigned long long)secs);
	else if (strcmp(stage, "pack") == 0)
		fprintf(stderr, "\rmenyiapkan bundel: %llu catatan; menyusun paket bukti dukung (%llu s)   ",
		    (unsigned long long)client_u64(r, "records"), (unsigned long long)secs);
	else
		fprintf(stderr, "\rmenyiapkan bundel: %llu catatan (%llu s)   ", (unsigned long long)client_u64(r, "records"),
		    (unsigned long long)secs);
}

/*
 * sync.bundle_export with args, wait for the daemon to build the bundle
 * (its progress on a terminal), then copy it into path (path.part, fsync,
 * link: never overwriting a file).
 */
static int
export_to(export_info *x, client_conn *c, const char *token, const kn_buf *args, const char *path)
{
	const msgpack_object *r, *d;
	kn_buf fa = KN_BUF_INIT;
	char part[4096];
	int rc, fd = -1, tty = !client_g.json && isatty(2), shown = 0, show;
	uint64_t off = 0;
	useconds_t wait = 10 * 1000;

	memset(x, 0, sizeof(*x));
	if ((size_t)snprintf(part, sizeof(part), "%s.part", path) >= sizeof(part))
		return domain_msg_error(KN_EINVAL, "file", "CLI_NAMA_BERKAS_PANJANG", "berkas", path, NULL);
	if ((rc = client_call(&r, c, "sync.bundle_export", args)))
		return rc;
	/* the build: poll until the first piece comes */
	for (;;) {
		pack_fetch(&fa, token, 0);
		if ((rc = client_call(&r, c, "sync.bundle_fetch", &fa)))
			goto out;
		if (!flag(r, "building"))
			break;
		if (tty) {
			building(r);
			shown = 1;
		}
		usleep(wait); /* 10 ms, doubling up to 200 ms: a small bundle is there at once */
		if (wait < 200 * 1000)
			wait *= 2;
	}
	if (shown)
		fputc('\n', stderr);
	x->size = client_u64(r, "size");
	x->from = client_u64(r, "from");
	x->to = client_u64(r, "to");
	x->records = client_u64(r, "records");
	x->objects = client_u64(r, "pack_objects");
	x->pack_bytes = client_u64(r, "pack_bytes");
	x->receipt = flag(r, "receipt");
	x->checkpoint = flag(r, "evidence_checkpoint");
	client_str(r, "npsn", x->npsn, sizeof(x->npsn));
	client_str(r, "dir", x->dir, sizeof(x->dir));
	show = want_progress(x->size);
	if ((fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		rc = domain_msg_error(KN_ERROR, "file", "CLI_BERKAS_TIDAK_DAPAT_DIBUAT", "berkas", part, "sebab", strerror(errno),
		    NULL);
		goto out;
	}
	for (;;) {
		d = kn_map_get(r, "data");
		if (x->size == 0 || d == NULL || d->type != MSGPACK_OBJECT_BIN || d->via.bin.size == 0 ||
		    off + d->via.bin.size > x->size) {
			rc = domain_msg_error(KN_EPROTO, "", "BUNDEL_JAWABAN_KOSONG", NULL);
			break;
		}
		if (kn_write_full(fd, d->via.bin.ptr, d->via.bin.size) != 0) {
			rc = domain_msg_error(KN_ERROR, "file", "CLI_BERKAS_TIDAK_DAPAT_DITULIS", "berkas", part, "sebab",
			    strerror(errno), NULL);
			break;
		}
		off += d->via.bin.size;
		if (show)
			progress("menyalin bundel", off, x->size);
		if (off == x->size)
			break;
		pack_fetch(&fa, token, off);
		if ((rc = client_call(&r, c, "sync.bundle_fetch", &fa)))
			break;
	}
	if (rc == 0 && (fsync(fd) != 0 || link(part, path) != 0))
		rc = errno == EEXIST ? domain_msg_error(KN_EEXISTS, "file", "CLI_BERKAS_SUDAH_ADA", "berkas", path, NULL)
		                     : domain_msg_error(KN_ERROR, "file", "CLI_BERKAS_TIDAK_DAPAT_DITULIS", "berkas", path, "sebab",
		                           strerror(errno), NULL);
out:
	if (fd >= 0) {
		close(fd);
		unlink(part);
	}
	kn_buf_free(&fa);
	return rc;
}

static void
print_export(const export_info *x, const char *path)
{
	if (client_g.json) {
		printf("{\"file\": \"%s\", \"npsn\": \"%s\", \"dir\": \"%s\", \"from\": %llu, \"to\": %llu, \"records\": %llu, "
		       "\"pack_objects\": %llu, \"pack_bytes\": %llu, \"bytes\": %llu, \"receipt\": %s, \"evidence_checkpoint\": %s}\n",
		    path, x->npsn, x->dir, (unsigned long long)x->from, (unsigned long long)x->to, (unsigned long long)x->records,
		    (unsigned long long)x->objects, (unsigned long long)x->pack_bytes, (unsigned long long)x->size,
		    x->receipt ? "true" : "false", x->checkpoint ? "true" : "false");
		return;
	}
	int up = strcmp(x->dir, "up") == 0;
	printf("Bundel %s untuk sekolah %s ditulis ke %s: %llu catatan (posisi %llu sampai %llu), %llu objek bukti "
	       "dukung (%llu byte)%s, %llu byte seluruhnya.\n",
	    up ? "dari sekolah ke hub" : "dari hub ke sekolah", x->npsn, path, (unsigned long long)x->records,
	    (unsigned long long)x->from, (unsigned long long)x->to, (unsigned long long)x->objects,
	    (unsigned long long)x->pack_bytes,
	    up && x->checkpoint ? ", hanya yang belum diakui hub" : !up && x->receipt ? ", dengan tanda terima hub" : "",
	    (unsigned long long)x->size);
	printf("%s\n", up ? "Bawa berkas ini ke hub lalu jalankan di sana: kinerja sync import BERKAS"
	                  : "Bawa berkas ini ke sekolah lalu jalankan di sana: kinerja sync import BERKAS");
}

int
client_cmd_sync_export(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	kn_buf args = KN_BUF_INIT;
	const char *npsn = client_opt(opts, "sekolah"), *after = client_opt(opts, "setelah"), *all = client_opt(opts, "semua"),
	           *ro = client_opt(opts, "tanda-terima");
	char token[80];
	msgpack_packer ap;
	export_info x;
	int rc, n = 3;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	if (access(argv[0], F_OK) == 0) {
		domain_msg_error(KN_EEXISTS, "file", "CLI_BERKAS_SUDAH_ADA", "berkas", argv[0], NULL);
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
	pack_str(&ap, "receipt_only");
	ro ? msgpack_pack_true(&ap) : msgpack_pack_false(&ap);
	if (npsn) {
		pack_str(&ap, "npsn");
		pack_str(&ap, npsn);
	}
	if (after) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(after, &end, 10);
		if (errno || *end || after[0] == '-' || !after[0]) {
			domain_msg_error(KN_EINVAL, "setelah", "BUNDEL_SETELAH_ANGKA", NULL);
			kn_buf_free(&args);
			return client_fail();
		}
		pack_str(&ap, "after");
		msgpack_pack_uint64(&ap, v);
	}
	if ((rc = client_connect(&c, client_socket_path())) == 0 && (rc = export_to(&x, &c, token, &args, argv[0])) == 0)
		print_export(&x, argv[0]);
	client_close(&c);
	kn_buf_free(&args);
	explicit_bzero(token, sizeof(token));
	return rc ? client_fail() : 0;
}

/* Read the whole file through the bundle reader: nothing is sent from a file cut short or altered. */
static int
check_file(bundle_view *v, int fd, uint64_t size, const char *path)
{
	bundle_reader *r;
	uint8_t *buf = malloc(CHUNK);
	int rc, show = want_progress(size);
	uint64_t off = 0;

	if (buf == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	if ((rc = bundle_reader_new(&r, NULL, NULL))) {
		free(buf);
		return rc;
	}
	while (rc == 0 && off < size) {
		ssize_t got = kn_pread_full(fd, buf, CHUNK, off);
		if (got <= 0) {
			rc = domain_msg_error(KN_ERROR, "file", "CLI_BERKAS_TIDAK_DAPAT_DIBACA", "berkas", path, NULL);
			break;
		}
		rc = bundle_reader_feed(r, buf, (size_t)got);
		off += (uint64_t)got;
		if (show)
			progress("memeriksa bundel", off, size);
	}
	if (rc == 0)
		rc = bundle_reader_finish(r, v);
	bundle_reader_free(r);
	free(buf);
	if (rc && rc != KN_ERROR && rc != KN_ENOMEM)
		rc = domain_msg_error(KN_EBADREC, "file", "BUNDEL_BERKAS_RUSAK", "berkas", path, "sebab", kn_error_message(), NULL);
	return rc;
}

int
client_cmd_sync_import(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	kn_buf args = KN_BUF_INIT;
	const msgpack_object *r = NULL;
	const char *receipt_out = client_opt(opts, "tanda-terima");
	uint8_t *buf = NULL;
	bundle_view v;
	struct stat st;
	char token[80], npsn[16] = "", dir[8] = "";
	int rc, fd = -1, show;
	uint64_t refused = 0;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	if (receipt_out && access(receipt_out, F_OK) == 0) {
		rc = domain_msg_error(KN_EEXISTS, "tanda-terima", "CLI_BERKAS_SUDAH_ADA", "berkas", receipt_out, NULL);
		goto out;
	}
	if ((fd = open(argv[0], O_RDONLY | O_CLOEXEC)) < 0) {
		rc = domain_msg_error(KN_ENOTFOUND, "file", "CLI_BERKAS_TIDAK_DAPAT_DIBUKA", "berkas", argv[0], "sebab",
		    strerror(errno), NULL);
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		rc = domain_msg_error(KN_EINVAL, "file", "BUNDEL_BUKAN_BERKAS", "berkas", argv[0], NULL);
		goto out;
	}
	uint64_t size = (uint64_t)st.st_size;
	if ((rc = check_file(&v, fd, size, argv[0])))
		goto out;
	if ((buf = malloc(CHUNK)) == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out;
	}
	show = want_progress(size);
	if ((rc = client_connect(&c, client_socket_path())))
		goto out;
	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < SEND ? (size_t)(size - off) : SEND;
		msgpack_packer ap;
		if (kn_pread_full(fd, buf, n, off) != (ssize_t)n) {
			rc = domain_msg_error(KN_ERROR, "file", "CLI_BERKAS_TIDAK_DAPAT_DIBACA", "berkas", argv[0], NULL);
			goto out;
		}
		kn_buf_clear(&args);
		msgpack_packer_init(&ap, &args, kn_buf_msgpack_write);
		msgpack_pack_map(&ap, 4);
		pack_str(&ap, "token");
		pack_str(&ap, token);
		pack_str(&ap, "offset");
		msgpack_pack_uint64(&ap, off);
		pack_str(&ap, "total");
		msgpack_pack_uint64(&ap, size);
		pack_str(&ap, "data");
		msgpack_pack_bin(&ap, n);
		msgpack_pack_bin_body(&ap, buf, n);
		if (show)
			progress("mengirim bundel", off + n, size);
		if (show && off + n == size)
			fprintf(stderr, "memeriksa dan menerapkan...\n");
		if ((rc = client_call(&r, &c, "sync.bundle_import", &args)))
			goto out;
		off += n;
	}
	client_str(r, "npsn", npsn, sizeof(npsn));
	client_str(r, "dir", dir, sizeof(dir));
	refused = client_u64(r, "refused");
	if (client_g.json) {
		printf("{\"file\": \"%s\", \"npsn\": \"%s\", \"dir\": \"%s\", \"records\": %llu, \"stored\": %llu, \"present\": %llu, "
		       "\"held\": %llu, \"refused\": %llu, \"pack_objects\": %llu, \"files_verified\": %llu, \"files_bad\": %llu, "
		       "\"pulled\": %llu, \"receipt\": %s, \"receipt_at_ms\": %llu, \"receipt_upto\": %llu, \"acked\": %llu, "
		       "\"acked_moved\": %s}\n",
		    argv[0], npsn, dir, (unsigned long long)client_u64(r, "records"), (unsigned long long)client_u64(r, "stored"),
		    (unsigned long long)client_u64(r, "present"), (unsigned long long)client_u64(r, "held"),
		    (unsigned long long)refused, (unsigned long long)client_u64(r, "pack_objects"),
		    (unsigned long long)client_u64(r, "files_verified"), (unsigned long long)client_u64(r, "files_bad"),
		    (unsigned long long)client_u64(r, "pulled"), client_u64(r, "receipt_at_ms") ? "true" : "false",
		    (unsigned long long)client_u64(r, "receipt_at_ms"), (unsigned long long)client_u64(r, "receipt_upto"),
		    (unsigned long long)client_u64(r, "acked"), flag(r, "acked_moved") ? "true" : "false");
	} else {
		printf("Bundel %s (sekolah %s): %llu catatan: %llu disimpan, %llu sudah ada, %llu menunggu catatan lain, %llu "
		       "ditolak; %llu objek bukti dukung diperiksa dan disimpan, %llu berkas cocok dengan SHA-256 catatannya.\n",
		    argv[0], npsn, (unsigned long long)client_u64(r, "records"), (unsigned long long)client_u64(r, "stored"),
		    (unsigned long long)client_u64(r, "present"), (unsigned long long)client_u64(r, "held"),
		    (unsigned long long)refused, (unsigned long long)client_u64(r, "pack_objects"),
		    (unsigned long long)client_u64(r, "files_verified"));
		if (client_u64(r, "files_bad"))
			printf("  %llu berkas TIDAK cocok dengan SHA-256 catatannya: bukti dukung bundel ini tidak diakui.\n",
			    (unsigned long long)client_u64(r, "files_bad"));
		if (client_u64(r, "receipt_at_ms"))
			printf("  Tanda terima hub: catatan sekolah s.d. posisi %llu diterima hub; sekarang dikirim s.d. %llu.\n",
			    (unsigned long long)client_u64(r, "receipt_upto"), (unsigned long long)client_u64(r, "acked"));
		const msgpack_object *res = kn_map_get(r, "refusals");
		for (uint32_t k = 0; res && res->type == MSGPACK_OBJECT_ARRAY && k < res->via.array.size; k++) {
			char msg[600];
			printf("  ditolak: catatan #%llu: %s\n", (unsigned long long)client_u64(&res->via.array.ptr[k], "index") + 1,
			    client_str(&res->via.array.ptr[k], "message", msg, sizeof(msg)));
		}
	}
	if (receipt_out) {
		/* the receipt bundle for the school, signed by this hub's device key */
		export_info x;
		msgpack_packer ap;
		kn_buf_clear(&args);
		msgpack_packer_init(&ap, &args, kn_buf_msgpack_write);
		msgpack_pack_map(&ap, 3);
		pack_str(&ap, "token");
		pack_str(&ap, token);
		pack_str(&ap, "npsn");
		pack_str(&ap, npsn);
		pack_str(&ap, "receipt_only");
		msgpack_pack_true(&ap);
		if ((rc = export_to(&x, &c, token, &args, receipt_out)))
			goto out;
		if (!client_g.json)
			printf("Tanda terima untuk sekolah %s ditulis ke %s. Bawa ke sekolah lalu jalankan di sana: kinerja sync "
			       "import %s\n",
			    npsn, receipt_out, receipt_out);
	}
	if (refused)
		rc = domain_msg_error(KN_EDENIED, "records", "BUNDEL_CATATAN_DITOLAK", "jumlah", domain_msg_num(refused).s, NULL);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	client_close(&c);
	kn_buf_free(&args);
	explicit_bzero(token, sizeof(token));
	return rc ? client_fail() : 0;
}
