/*
 * evidence.c - kinerja evidence: upload (chunked, resumable, with
 * progress), list, history, get, submit, verify.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/mpmap.h"
#include "cli.h"

#define CHUNK (256 * 1024)

/* Argument map builder for calls with non-string values. */
typedef struct {
	kn_buf buf;
	msgpack_packer pk;
	size_t n;
	kn_buf body;
} argmap;

static void
am_init(argmap *a)
{
	memset(a, 0, sizeof(*a));
	msgpack_packer_init(&a->pk, &a->body, kn_buf_msgpack_write);
}

static void
am_str(argmap *a, const char *k, const char *v)
{
	if (v == NULL || !*v)
		return;
	msgpack_pack_str(&a->pk, strlen(k));
	msgpack_pack_str_body(&a->pk, k, strlen(k));
	msgpack_pack_str(&a->pk, strlen(v));
	msgpack_pack_str_body(&a->pk, v, strlen(v));
	a->n++;
}

static void
am_u64(argmap *a, const char *k, uint64_t v)
{
	msgpack_pack_str(&a->pk, strlen(k));
	msgpack_pack_str_body(&a->pk, k, strlen(k));
	msgpack_pack_uint64(&a->pk, v);
	a->n++;
}

static void
am_bin(argmap *a, const char *k, const void *p, size_t n)
{
	msgpack_pack_str(&a->pk, strlen(k));
	msgpack_pack_str_body(&a->pk, k, strlen(k));
	msgpack_pack_bin(&a->pk, n);
	msgpack_pack_bin_body(&a->pk, p, n);
	a->n++;
}

/* The finished map: header + entries. */
static const kn_buf *
am_done(argmap *a)
{
	msgpack_packer pk;
	kn_buf_clear(&a->buf);
	msgpack_packer_init(&pk, &a->buf, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, a->n);
	kn_buf_put(&a->buf, a->body.ptr, a->body.len);
	return &a->buf;
}

static void
am_free(argmap *a)
{
	kn_buf_free(&a->buf);
	kn_buf_free(&a->body);
}

void
client_mb(char *out, size_t n, uint64_t bytes)
{
	if (bytes >= 1000 * 1000)
		snprintf(out, n, "%.1f MB", (double)bytes / 1e6);
	else
		snprintf(out, n, "%.1f KB", (double)bytes / 1e3);
}

static void
progress(const char *name, uint64_t done, uint64_t total)
{
	char a[32], b[32];
	if (!isatty(STDERR_FILENO))
		return;
	client_mb(a, sizeof(a), done);
	client_mb(b, sizeof(b), total);
	fprintf(stderr, "\rMengunggah %s: %3d%% (%s dari %s)", name, total ? (int)(done * 100 / total) : 100, a, b);
	if (done == total)
		fputc('\n', stderr);
}

int
client_evidence_upload(client_conn *c, const msgpack_object **res, const char *token, const char *path, const char *period,
    const char *slot, const char *name, int json)
{
	struct stat st;
	argmap a;
	char id[64] = "";
	uint8_t *buf = NULL;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return domain_msg_error(KN_ENOTFOUND, "file", "CLI_BERKAS_TIDAK_DAPAT_DIBUKA", "berkas", path, "sebab", strerror(errno),
		    NULL);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return domain_msg_error(KN_EINVAL, "file", "CLI_BUKAN_BERKAS_BIASA", "berkas", path, NULL);
	}
	am_init(&a);
	am_str(&a, "token", token);
	am_str(&a, "period", period);
	am_str(&a, "slot", slot);
	am_str(&a, "name", name);
	am_u64(&a, "size", (uint64_t)st.st_size);
	rc = client_call(res, c, "evidence.upload.begin", am_done(&a));
	am_free(&a);
	if (rc)
		goto out;
	client_str(*res, "upload_id", id, sizeof(id));
	size_t chunk = (size_t)client_u64(*res, "chunk_max");
	if (chunk == 0 || chunk > CHUNK)
		chunk = CHUNK;
	buf = malloc(chunk);
	if (buf == NULL) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
		goto out;
	}
	uint64_t off = 0, size = (uint64_t)st.st_size;
	int retries = 0;
	while (off < size) {
		ssize_t n = pread(fd, buf, chunk, (off_t)off);
		if (n <= 0) {
			rc = domain_msg_error(KN_ERROR, "file", "CLI_BERKAS_BACA_GAGAL", "berkas", path, "sebab",
			    n < 0 ? strerror(errno) : "berkasnya menyusut selagi diunggah", NULL);
			goto out;
		}
		am_init(&a);
		am_str(&a, "token", token);
		am_str(&a, "upload_id", id);
		am_u64(&a, "offset", off);
		am_bin(&a, "data", buf, (size_t)n);
		rc = client_call(res, c, "evidence.upload.chunk", am_done(&a));
		am_free(&a);
		if (rc == KN_ERROR && retries < 3 && strcmp(kn_error_field(), "socket") == 0) {
			/* The connection broke: reconnect and resume where the daemon stopped. */
			retries++;
			char sock[sizeof(c->path)];
			memcpy(sock, c->path, sizeof(sock));
			client_close(c);
			sleep(1);
			if ((rc = client_connect(c, sock)))
				goto out;
			am_init(&a);
			am_str(&a, "token", token);
			am_str(&a, "upload_id", id);
			rc = client_call(res, c, "evidence.upload.status", am_done(&a));
			am_free(&a);
			if (rc)
				goto out;
			off = client_u64(*res, "received");
			continue;
		}
		if (rc)
			goto out;
		off = client_u64(*res, "received");
		if (!json)
			progress(name, off, size);
	}
	am_init(&a);
	am_str(&a, "token", token);
	am_str(&a, "upload_id", id);
	rc = client_call(res, c, "evidence.upload.finish", am_done(&a));
	am_free(&a);
out:
	/* Do not leave a failed upload to hold a place (and disk) for an hour. */
	if (rc && id[0] && c->fd >= 0) {
		char msg[512], field[64];
		int code = kn_error_last_code();
		const msgpack_object *ignored;
		snprintf(msg, sizeof(msg), "%s", kn_error_message());
		snprintf(field, sizeof(field), "%s", kn_error_field());
		am_init(&a);
		am_str(&a, "token", token);
		am_str(&a, "upload_id", id);
		client_call(&ignored, c, "evidence.upload.cancel", am_done(&a));
		am_free(&a);
		kn_error_set(code, field, "%s", msg);
	}
	free(buf);
	close(fd);
	return rc;
}

int
client_evidence_get(client_conn *c, const char *token, const char *period, const char *teacher, const char *slot,
    const char *name, const char *version_in, const char *out_path, int force, uint64_t *written)
{
	char tmp[600], pinned[48];
	const msgpack_object *res;
	uint64_t off = 0, total = 1;
	argmap a;
	int fd, rc = 0;

	snprintf(pinned, sizeof(pinned), "%s", version_in ? version_in : "");
	char *version = pinned;
	if (!force && access(out_path, F_OK) == 0)
		return domain_msg_error(KN_EEXISTS, "output", "CLI_KELUARAN_SUDAH_ADA", "berkas", out_path, NULL);
	snprintf(tmp, sizeof(tmp), "%s.part", out_path);
	/* evidence is personal: readable by its owner only, and never written through a link */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return domain_msg_error(KN_ERROR, "output", "CLI_BERKAS_TIDAK_DAPAT_DITULIS", "berkas", tmp, "sebab", strerror(errno),
		    NULL);
	while (off < total) {
		am_init(&a);
		am_str(&a, "token", token);
		am_str(&a, "period", period);
		am_str(&a, "teacher", teacher);
		am_str(&a, "slot", slot);
		am_str(&a, "name", name);
		am_str(&a, "commit", version[0] ? version : NULL);
		am_u64(&a, "offset", off);
		am_u64(&a, "length", CHUNK);
		rc = client_call(&res, c, "evidence.read", am_done(&a));
		am_free(&a);
		if (rc)
			break;
		/* every piece from the version the first one came from */
		if (!version[0])
			client_str(res, "commit", version, sizeof(pinned));
		total = client_u64(res, "total");
		const msgpack_object *d = kn_map_get(res, "data");
		if (d == NULL || d->type != MSGPACK_OBJECT_BIN || (d->via.bin.size == 0 && off < total)) {
			rc = domain_msg_error(KN_EPROTO, "", "CLI_UNDUH_TANPA_DATA", "offset", domain_msg_num(off).s, NULL);
			break;
		}
		if (write(fd, d->via.bin.ptr, d->via.bin.size) != (ssize_t)d->via.bin.size) {
			rc = domain_msg_error(KN_ERROR, "output", "CLI_BERKAS_TIDAK_DAPAT_DITULIS", "berkas", tmp, "sebab",
			    strerror(errno), NULL);
			break;
		}
		off += d->via.bin.size;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = domain_msg_error(KN_ERROR, "output", "CLI_BERKAS_TIDAK_DAPAT_DITULIS", "berkas", tmp, "sebab", strerror(errno),
		    NULL);
	close(fd);
	if (rc == 0 && rename(tmp, out_path) != 0)
		rc = domain_msg_error(KN_ERROR, "output", "CLI_BERKAS_TIDAK_DAPAT_DIBUAT", "berkas", out_path, "sebab",
		    strerror(errno), NULL);
	if (rc)
		unlink(tmp);
	*written = off;
	return rc;
}

/* kinerja evidence upload FILE --slot S: the chunked upload, then what happened in words. */
int
client_cmd_evidence_upload(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	char token[80], namebuf[256];
	int rc;

	if (argc != 1) {
		client_cmd_usage(stderr, cmd);
		return 2;
	}
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	const char *name = client_opt(opts, "name");
	if (name == NULL) {
		const char *slash = strrchr(argv[0], '/');
		snprintf(namebuf, sizeof(namebuf), "%s", slash ? slash + 1 : argv[0]);
		name = namebuf;
	}
	rc = client_connect(&c, client_socket_path());
	if (rc == 0)
		rc = client_evidence_upload(&c, &r, token, argv[0], client_opt(opts, "period"), client_opt(opts, "slot"), name,
		    client_g.json);
	if (rc == 0 && client_g.json)
		client_json(stdout, r, 2);
	else if (rc == 0) {
		char slot[40], nm[140], type[16], size[32], period[16], replaced[140];
		const msgpack_object *dd = kn_map_get(r, "dedup"), *un = kn_map_get(r, "unchanged");
		client_str(r, "slot", slot, sizeof(slot));
		client_str(r, "name", nm, sizeof(nm));
		client_str(r, "period", period, sizeof(period));
		client_str(r, "replaced", replaced, sizeof(replaced));
		client_mb(size, sizeof(size), client_u64(r, "size"));
		if (un && un->via.boolean) {
			printf("Slot %s sudah memuat berkas yang persis sama (%s); tidak ada yang berubah.\n", slot, nm);
		} else {
			printf("Bukti Dukung %s/%s tersimpan (%s, %s), periode %s. Status: draf.\n", slot, nm, size,
			    client_str(r, "type", type, sizeof(type)), period);
			if (dd && dd->via.boolean)
				printf("Berkas yang sama sudah pernah disimpan (isinya identik): disimpan sekali, tidak disalin.\n");
			if (replaced[0])
				printf("Berkas ini menggantikan %s, yang tetap ada dalam riwayat (kinerja evidence history --slot %s).\n",
				    replaced, slot);
			printf("Berikutnya: bila semua berkas sudah diunggah, kumpulkan dengan 'kinerja evidence submit --period %s'.\n",
			    period);
		}
	}
	client_close(&c);
	return rc ? client_fail() : 0;
}

/* The file name a slot holds now, or held in a version. */
static int
evidence__name_of(char *out, size_t n, kc_opt *opts)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	const char *slot = client_opt(opts, "slot"), *version = client_opt(opts, "version");
	int rc, found = 0;

	if (version) {
		rc = client_call_token(&c, &r, "evidence.history", opts, NULL);
		const msgpack_object *vs = rc == 0 ? kn_map_get(r, "versions") : NULL;
		/* the newest upload to the slot at or before that version */
		for (uint32_t i = 0; vs && i < vs->via.array.size; i++) {
			char s[40], cm[48], nm[140];
			const msgpack_object *v = &vs->via.array.ptr[i];
			client_str(v, "slot", s, sizeof(s));
			client_str(v, "name", nm, sizeof(nm));
			if (strcmp(s, slot) == 0 && nm[0]) {
				snprintf(out, n, "%s", nm);
				found = 1;
			}
			if (strncmp(client_str(v, "commit", cm, sizeof(cm)), version, strlen(version)) == 0)
				break;
		}
	} else {
		/* keep client_g.json quiet for this lookup */
		int json = client_g.json;
		client_g.json = 0;
		rc = client_call_token(&c, &r, "evidence.list", opts, NULL);
		client_g.json = json;
		const msgpack_object *fs = rc == 0 ? kn_map_get(r, "files") : NULL;
		for (uint32_t i = 0; fs && i < fs->via.array.size; i++) {
			char s[40];
			if (strcmp(client_str(&fs->via.array.ptr[i], "slot", s, sizeof(s)), slot) == 0) {
				client_str(&fs->via.array.ptr[i], "name", out, n);
				found = 1;
			}
		}
	}
	client_close(&c);
	if (rc == 0 && !found)
		rc = domain_msg_error(KN_ENOTFOUND, "slot", version ? "CLI_SLOT_KOSONG_VERSI" : "CLI_SLOT_KOSONG", "slot", slot, NULL);
	return rc;
}

/* kinerja evidence get --slot S: the file (or an earlier version) written to disk in chunks. */
int
client_cmd_evidence_get(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	char token[80], name[256];
	uint64_t n = 0;
	int rc;
	(void)cmd;
	(void)argc;
	(void)argv;

	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	/* client_g.json suppressed while looking the name up; the final result is printed below */
	int json = client_g.json;
	client_g.json = 0;
	if (client_opt(opts, "name"))
		snprintf(name, sizeof(name), "%s", client_opt(opts, "name"));
	else if ((rc = evidence__name_of(name, sizeof(name), opts))) {
		client_g.json = json;
		return client_fail();
	}
	client_g.json = json;
	const char *out = client_opt(opts, "output") ? client_opt(opts, "output") : name;
	rc = client_connect(&c, client_socket_path());
	if (rc == 0)
		rc = client_evidence_get(&c, token, client_opt(opts, "period"), client_opt(opts, "teacher"),
		    client_opt(opts, "slot"), name, client_opt(opts, "version"), out, client_opt(opts, "force") != NULL, &n);
	client_close(&c);
	if (rc)
		return client_fail();
	if (client_g.json)
		printf("{\"output\": \"%s\", \"bytes\": %llu}\n", out, (unsigned long long)n);
	else
		printf("%s ditulis (%llu byte).\n", out, (unsigned long long)n);
	return 0;
}

/* kinerja evidence verify: every version a record names is present and intact (non-zero exit when not). */
int
client_cmd_evidence_verify(const kc_cmd *cmd, kc_opt *opts, int argc, char **argv)
{
	client_conn c = { .fd = -1 };
	const msgpack_object *r;
	kn_buf args = KN_BUF_INIT;
	msgpack_packer pk;
	(void)cmd;
	(void)argc;
	(void)argv;

	char token[80];
	if (client_session_need(token, sizeof(token), client_socket_path()))
		return client_fail();
	msgpack_packer_init(&pk, &args, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str(&pk, 5);
	msgpack_pack_str_body(&pk, "token", 5);
	msgpack_pack_str(&pk, strlen(token));
	msgpack_pack_str_body(&pk, token, strlen(token));
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "deep", 4);
	if (client_opt(opts, "quick"))
		msgpack_pack_false(&pk);
	else
		msgpack_pack_true(&pk);
	int rc = client_call_print(&c, &r, "evidence.verify", &args);
	kn_buf_free(&args);
	if (rc == 0) {
		const msgpack_object *ps = kn_map_get(r, "problems");
		uint32_t np = ps ? ps->via.array.size : 0;
		if (!client_g.json) {
			char repo[300];
			printf("Diperiksa %llu commit dari %llu dokumen Bukti Dukung di %s (%s; %llu berkas dicocokkan dengan SHA-256 "
			    "bertanda tangan): %s\n",
			    (unsigned long long)client_u64(r, "commits"), (unsigned long long)client_u64(r, "documents"),
			    client_str(r, "repository", repo, sizeof(repo)), client_opt(opts, "quick") ? "cepat" : "setiap berkas dibaca",
			    (unsigned long long)client_u64(r, "files_hashed"), np ? "ADA MASALAH" : "semua utuh");
			for (uint32_t i = 0; i < np; i++)
				printf("  %.*s\n", (int)ps->via.array.ptr[i].via.str.size, ps->via.array.ptr[i].via.str.ptr);
		}
		if (np)
			rc = domain_msg_error(KN_EBADREC, "", "CLI_BUKTI_MASALAH", "jumlah", domain_msg_num(np).s, NULL);
	}
	client_close(&c);
	return rc ? client_fail() : 0;
}
