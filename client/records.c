/*
 * records.c - `kinerja record export FILE` and `kinerja record import FILE`:
 * signed records carried between daemons by hand (a USB stick, an email),
 * e.g. the Dinas's assignments to a school.
 *
 * The file is a MessagePack stream:
 *   {"format": "kinerja-records", "v": 1, "npsn": str, "created_ms": uint}
 *   bin (one signed record), bin, ...
 *   {"end": count, "blake2b": bin 32}   BLAKE2b-256 over every record's bytes
 * An import reads and checks the whole file first (structure, count,
 * checksum) and sends nothing from a file that is cut short or altered;
 * then the daemon judges every record as it judges its own writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/mpmap.h"
#include "../util/mpscan.h"
#include "cli.h"

#define RECORDS_FORMAT "kinerja-records"
#define RECORDS_FILE_MAX ((size_t)1 << 30)
#define IMPORT_BATCH_RECORDS 256
#define IMPORT_BATCH_BYTES (512 * 1024)
#define RECORD_BYTES_MAX (64 * 1024)

static void
pack_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

/* export: page through record.export into a new file (written as FILE.part, then renamed). */
int
client_cmd_record_export(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	kn_buf file = KN_BUF_INIT, args = KN_BUF_INIT;
	crypto_generichash_state h;
	uint8_t sum[32];
	char part[4096], npsn[16] = "", token[80];
	uint64_t count = 0, after = 0;
	int more = 1, rc, fd = -1;
	msgpack_packer fp;
	(void)opts;

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
	crypto_generichash_init(&h, NULL, 0, sizeof(sum));
	msgpack_packer_init(&fp, &file, kn_buf_msgpack_write);
	if ((rc = client_connect(&c, client_socket_path())))
		goto out;
	while (more) {
		const msgpack_object *r;
		msgpack_packer ap;
		kn_buf_clear(&args);
		msgpack_packer_init(&ap, &args, kn_buf_msgpack_write);
		const char *school = opts[0].value; /* --sekolah: at an office, the school to carry */
		msgpack_pack_map(&ap, school && school[0] ? 3 : 2);
		pack_str(&ap, "token");
		pack_str(&ap, token);
		pack_str(&ap, "after");
		msgpack_pack_uint64(&ap, after);
		if (school && school[0]) {
			pack_str(&ap, "school");
			pack_str(&ap, school);
		}
		if ((rc = client_call(&r, &c, "record.export", &args)))
			goto out;
		if (file.len == 0) {
			client_str(r, "npsn", npsn, sizeof(npsn));
			msgpack_pack_map(&fp, 4);
			pack_str(&fp, "format");
			pack_str(&fp, RECORDS_FORMAT);
			pack_str(&fp, "v");
			msgpack_pack_uint8(&fp, 1);
			pack_str(&fp, "npsn");
			pack_str(&fp, npsn);
			pack_str(&fp, "created_ms");
			msgpack_pack_uint64(&fp, kn_now_ms());
		}
		const msgpack_object *recs = kn_map_get(r, "records"), *next = kn_map_get(r, "next");
		for (uint32_t i = 0; recs && recs->type == MSGPACK_OBJECT_ARRAY && i < recs->via.array.size; i++) {
			const msgpack_object *b = &recs->via.array.ptr[i];
			if (b->type != MSGPACK_OBJECT_BIN)
				continue;
			crypto_generichash_update(&h, (const uint8_t *)b->via.bin.ptr, b->via.bin.size);
			msgpack_pack_bin(&fp, b->via.bin.size);
			msgpack_pack_bin_body(&fp, b->via.bin.ptr, b->via.bin.size);
			count++;
		}
		more = next && next->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
		if (more)
			after = next->via.u64;
	}
	crypto_generichash_final(&h, sum, sizeof(sum));
	msgpack_pack_map(&fp, 2);
	pack_str(&fp, "end");
	msgpack_pack_uint64(&fp, count);
	pack_str(&fp, "blake2b");
	msgpack_pack_bin(&fp, sizeof(sum));
	msgpack_pack_bin_body(&fp, sum, sizeof(sum));
	if (file.failed) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while writing the export");
		goto out;
	}
	snprintf(part, sizeof(part), "%s.part", argv[0]);
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || kn_write_full(fd, file.ptr, file.len) != 0 || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(part, argv[0]) != 0) {
		rc = domain_msg_error(KN_ERROR, "file", "CLI_BERKAS_TIDAK_DAPAT_DITULIS", "berkas", argv[0], "sebab", strerror(errno),
		    NULL);
		if (fd >= 0)
			unlink(part);
		goto out;
	}
	fd = -1;
	if (client_g.json)
		printf("{\"file\": \"%s\", \"npsn\": \"%s\", \"records\": %llu}\n", argv[0], npsn, (unsigned long long)count);
	else
		printf("%llu rekaman bertanda tangan dari sekolah %s ditulis ke %s\n", (unsigned long long)count, npsn, argv[0]);
out:
	client_close(&c);
	kn_buf_free(&file);
	kn_buf_free(&args);
	explicit_bzero(token, sizeof(token));
	return rc ? client_fail() : 0;
}

/* The records of a file, checked whole: pointers into data. */
typedef struct {
	const uint8_t **rec;
	size_t *len;
	size_t n;
	char npsn[16];
} records_file;

/*
 * Parse and check a records file: header, every record a bin of at most
 * 64 KiB, the trailer's count and checksum. KN_EBADREC naming what is
 * wrong (and where) when it is cut short or altered.
 */
static int
records_parse(records_file *out, const uint8_t *data, size_t size, const char *path)
{
	crypto_generichash_state h;
	uint8_t sum[32];
	size_t off = 0, cap = 0;
	int state = 0, rc = 0; /* 0: header, 1: records, 2: after the trailer */
	msgpack_unpacked up;

	memset(out, 0, sizeof(*out));
	crypto_generichash_init(&h, NULL, 0, sizeof(sum));
	msgpack_unpacked_init(&up);
	while (off < size && rc == 0) {
		size_t flen = 0, pos = 0;
		kn_mpscan scan;
		kn_mpscan_init(&scan, RECORD_BYTES_MAX + 64);
		if (kn_mpscan_feed(&scan, data + off, size - off, &flen) != 1) {
			rc = domain_msg_error(KN_EBADREC, "file", "CLI_IMPOR_TERPOTONG_DI", "berkas", path, "posisi", domain_msg_num(off).s,
			    NULL);
			break;
		}
		if (msgpack_unpack_next(&up, (const char *)data + off, flen, &pos) != MSGPACK_UNPACK_SUCCESS) {
			rc = domain_msg_error(KN_EBADREC, "file", "CLI_IMPOR_RUSAK_DI", "berkas", path, "posisi", domain_msg_num(off).s, NULL);
			break;
		}
		const msgpack_object *o = &up.data;
		if (state == 0) {
			char fmt[32] = "";
			if (o->type != MSGPACK_OBJECT_MAP || kn_map_str(fmt, sizeof(fmt), o, "format") != 0 ||
			    strcmp(fmt, RECORDS_FORMAT) != 0) {
				rc = domain_msg_error(KN_EBADREC, "file", "CLI_IMPOR_BUKAN_BERKAS_REKAMAN", "berkas", path, NULL);
				break;
			}
			kn_map_str(out->npsn, sizeof(out->npsn), o, "npsn");
			state = 1;
		} else if (state == 1 && o->type == MSGPACK_OBJECT_BIN) {
			if (out->n == cap) {
				size_t ncap = cap ? 2 * cap : 256;
				const uint8_t **nr = realloc(out->rec, ncap * sizeof(*nr));
				size_t *nl = nr ? realloc(out->len, ncap * sizeof(*nl)) : NULL;
				if (nr)
					out->rec = nr;
				if (nr == NULL || nl == NULL) {
					rc = kn_error_set(KN_ENOMEM, "", "out of memory");
					break;
				}
				out->len = nl;
				cap = ncap;
			}
			out->rec[out->n] = (const uint8_t *)o->via.bin.ptr;
			out->len[out->n] = o->via.bin.size;
			out->n++;
			crypto_generichash_update(&h, (const uint8_t *)o->via.bin.ptr, o->via.bin.size);
		} else if (state == 1 && o->type == MSGPACK_OBJECT_MAP) {
			const msgpack_object *end = kn_map_get(o, "end"), *b = kn_map_get(o, "blake2b");
			crypto_generichash_final(&h, sum, sizeof(sum));
			if (end == NULL || end->type != MSGPACK_OBJECT_POSITIVE_INTEGER || end->via.u64 != out->n)
				rc = domain_msg_error(KN_EBADREC, "file", "CLI_IMPOR_JUMLAH_BEDA", "berkas", path, "harap",
				    domain_msg_num(end && end->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? end->via.u64 : 0).s, "ada",
				    domain_msg_num(out->n).s, NULL);
			else if (b == NULL || b->type != MSGPACK_OBJECT_BIN || b->via.bin.size != 32 ||
			    sodium_memcmp(b->via.bin.ptr, sum, 32) != 0)
				rc = domain_msg_error(KN_EBADREC, "file", "CLI_IMPOR_CHECKSUM", "berkas", path, NULL);
			state = 2;
		} else {
			rc = domain_msg_error(KN_EBADREC, "file", "CLI_IMPOR_TAK_TERDUGA", "berkas", path, "posisi", domain_msg_num(off).s,
			    NULL);
		}
		off += flen;
		if (state == 2 && rc == 0 && off != size)
			rc = domain_msg_error(KN_EBADREC, "file", "CLI_IMPOR_BYTE_SISA", "berkas", path, NULL);
	}
	msgpack_unpacked_destroy(&up);
	if (rc == 0 && state != 2)
		rc = domain_msg_error(KN_EBADREC, "file", "CLI_IMPOR_TANPA_AKHIR", "berkas", path, NULL);
	if (rc) {
		free(out->rec);
		free(out->len);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

/* Read the whole file at path into out. */
static int
read_file(kn_buf *out, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return domain_msg_error(KN_ENOTFOUND, "file", "CLI_BERKAS_TIDAK_DAPAT_DIBUKA", "berkas", path, "sebab", strerror(errno),
		    NULL);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > RECORDS_FILE_MAX) {
		close(fd);
		return domain_msg_error(KN_EINVAL, "file", "CLI_IMPOR_BUKAN_BERKAS", "berkas", path, NULL);
	}
	int rc = kn_buf_grow(out, (size_t)st.st_size);
	if (rc == 0) {
		ssize_t got = kn_pread_full(fd, out->ptr, (size_t)st.st_size, 0);
		if (got != st.st_size)
			rc = domain_msg_error(KN_ERROR, "file", "CLI_BERKAS_TIDAK_DAPAT_DIBACA", "berkas", path, NULL);
		else
			out->len = (size_t)got;
	}
	close(fd);
	return rc;
}

/* import: check the file whole, then send its records in batches and report each refusal. */
int
client_cmd_record_import(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	kn_buf data = KN_BUF_INIT, args = KN_BUF_INIT, refusals = KN_BUF_INIT;
	records_file f;
	char token[80];
	uint64_t totals[4] = { 0, 0, 0, 0 };
	int rc;
	(void)opts;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	if ((rc = read_file(&data, argv[0])) || (rc = records_parse(&f, data.ptr, data.len, argv[0]))) {
		kn_buf_free(&data);
		return client_fail();
	}
	if ((rc = client_connect(&c, client_socket_path())))
		goto out;
	for (size_t i = 0; i < f.n && rc == 0;) {
		size_t n = 0, bytes = 0;
		while (i + n < f.n && n < IMPORT_BATCH_RECORDS && (n == 0 || bytes + f.len[i + n] <= IMPORT_BATCH_BYTES))
			bytes += f.len[i + n++];
		msgpack_packer ap;
		const msgpack_object *r;
		kn_buf_clear(&args);
		msgpack_packer_init(&ap, &args, kn_buf_msgpack_write);
		msgpack_pack_map(&ap, 2);
		pack_str(&ap, "token");
		pack_str(&ap, token);
		pack_str(&ap, "records");
		msgpack_pack_array(&ap, n);
		for (size_t k = 0; k < n; k++) {
			msgpack_pack_bin(&ap, f.len[i + k]);
			msgpack_pack_bin_body(&ap, f.rec[i + k], f.len[i + k]);
		}
		if ((rc = client_call(&r, &c, "record.import", &args)))
			break;
		static const char *const keys[4] = { "stored", "present", "held", "refused" };
		for (int k = 0; k < 4; k++)
			totals[k] += client_u64(r, keys[k]);
		const msgpack_object *res = kn_map_get(r, "results");
		for (uint32_t k = 0; res && res->type == MSGPACK_OBJECT_ARRAY && k < res->via.array.size; k++) {
			const msgpack_object *o = &res->via.array.ptr[k];
			char result[16], msg[600], id[80];
			if (strcmp(client_str(o, "result", result, sizeof(result)), "refused") != 0)
				continue;
			kn_buf_printf(&refusals, "  rekaman #%llu %.16s: %s\n", (unsigned long long)(i + client_u64(o, "index") + 1),
			    client_str(o, "id", id, sizeof(id))[0] ? id : "(tidak terbaca)", client_str(o, "message", msg, sizeof(msg)));
		}
		i += n;
	}
	if (rc)
		goto out;
	if (client_g.json) {
		printf("{\"file\": \"%s\", \"records\": %zu, \"stored\": %llu, \"present\": %llu, \"held\": %llu, \"refused\": %llu}\n",
		    argv[0], f.n, (unsigned long long)totals[0], (unsigned long long)totals[1], (unsigned long long)totals[2],
		    (unsigned long long)totals[3]);
	} else {
		printf("%zu rekaman dari %s (sekolah %s): %llu disimpan, %llu sudah ada, %llu menunggu rekaman lain, %llu ditolak\n",
		    f.n, argv[0], f.npsn[0] ? f.npsn : "?", (unsigned long long)totals[0], (unsigned long long)totals[1],
		    (unsigned long long)totals[2], (unsigned long long)totals[3]);
		if (refusals.len)
			printf("Ditolak (tidak ada yang berubah karenanya):\n%.*s", (int)refusals.len, (const char *)refusals.ptr);
		if (totals[2])
			printf("Rekaman yang menunggu disimpan begitu rekaman yang mereka perlukan tiba.\n");
	}
	if (totals[3])
		rc = domain_msg_error(KN_EDENIED, "records", "CLI_IMPOR_DITOLAK", "ditolak", domain_msg_num(totals[3]).s, "jumlah",
		    domain_msg_num(f.n).s, NULL);
out:
	client_close(&c);
	free(f.rec);
	free(f.len);
	kn_buf_free(&data);
	kn_buf_free(&args);
	kn_buf_free(&refusals);
	explicit_bzero(token, sizeof(token));
	return rc ? client_fail() : 0;
}
