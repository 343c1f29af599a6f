/*
 * conn.c - one MessagePack-RPC call at a time over the daemon's socket.
 * Listings that come in pages (a result map with a "next" cursor) are
 * followed here, so the commands see one whole result.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "../util/mpmap.h"
#include "../util/mpscan.h"
#include "client.h"

#define CLIENT_MAX_REPLY (64u << 20)
#define CLIENT_MAX_LISTING (512u << 20) /* all pages of one listing together */
#define CLIENT_LIST_FIELDS 4             /* array fields of a paged result that are joined */

int
client_connect(client_conn *out, const char *path)
{
	struct sockaddr_un sa;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	msgpack_unpacked_init(&out->resp);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return kn_error_set(KN_EINVAL, "socket", "socket path %s is too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kn_error_set(KN_ERROR, "socket", "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			return domain_msg_error(KN_ENOTFOUND, "socket", "CLI_KINERJAD_TIDAK_BERJALAN", "soket", path, NULL);
		if (e == EACCES)
			return domain_msg_error(KN_EDENIED, "socket", "CLI_SOKET_TANPA_IZIN", "soket", path, NULL);
		return domain_msg_error(KN_ERROR, "socket", "CLI_SOKET_GAGAL", "soket", path, "sebab", strerror(e), NULL);
	}
	out->fd = fd;
	memcpy(out->path, path, strlen(path) + 1);
	out->next_id = 1;
	return 0;
}

void
client_close(client_conn *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	kn_buf_free(&c->in);
	msgpack_unpacked_destroy(&c->resp);
}

/* One request and its reply; *result points into c->resp (see client_call). */
static int
client__call_once(const msgpack_object **result, client_conn *c, const char *method, const kn_buf *args)
{
	kn_buf req = KN_BUF_INIT;
	msgpack_packer pk;
	uint32_t id = c->next_id++;
	kn_mpscan scan;
	size_t flen = 0, off = 0;
	int rc;

	msgpack_packer_init(&pk, &req, kn_buf_msgpack_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint32(&pk, id);
	msgpack_pack_str(&pk, strlen(method));
	msgpack_pack_str_body(&pk, method, strlen(method));
	if (args && args->len) {
		msgpack_pack_array(&pk, 1);
		kn_buf_put(&req, args->ptr, args->len);
	} else {
		msgpack_pack_array(&pk, 0);
	}
	rc = kn_write_full(c->fd, req.ptr, req.len) == 0 ? 0 :
	    domain_msg_error(KN_ERROR, "socket", "CLI_KONEKSI_PUTUS", "sebab", strerror(errno), NULL);
	kn_buf_free(&req); /* wipes: the request may hold a passphrase */
	if (rc)
		return rc;

	kn_buf_clear(&c->in);
	kn_mpscan_init(&scan, CLIENT_MAX_REPLY);
	for (;;) {
		rc = kn_mpscan_feed(&scan, c->in.ptr, c->in.len, &flen);
		if (rc == KN_ETOOBIG)
			return domain_msg_error(KN_EPROTO, "", "CLI_BALASAN_TERLALU_BESAR", "maks", domain_msg_num(CLIENT_MAX_REPLY >> 20).s,
			    NULL);
		if (rc < 0)
			return domain_msg_error(KN_EPROTO, "", "CLI_BALASAN_BUKAN_MSGPACK", NULL);
		if (rc == 1)
			break;
		if (kn_buf_grow(&c->in, 65536))
			return KN_ENOMEM;
		ssize_t r = read(c->fd, c->in.ptr + c->in.len, 65536);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return domain_msg_error(KN_ERROR, "socket", "CLI_KONEKSI_DITUTUP", NULL);
		c->in.len += (size_t)r;
	}
	msgpack_unpacked_destroy(&c->resp);
	msgpack_unpacked_init(&c->resp);
	if (msgpack_unpack_next(&c->resp, (const char *)c->in.ptr, flen, &off) != MSGPACK_UNPACK_SUCCESS)
		return domain_msg_error(KN_EPROTO, "", "CLI_BALASAN_BUKAN_MSGPACK", NULL);
	const msgpack_object *o = &c->resp.data;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4 ||
	    o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.array.ptr[0].via.u64 != 1 ||
	    o->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return domain_msg_error(KN_EPROTO, "", "CLI_BALASAN_BENTUK", NULL);
	if (o->via.array.ptr[1].via.u64 != id && o->via.array.ptr[1].via.u64 != 0)
		return domain_msg_error(KN_EPROTO, "", "CLI_BALASAN_ID_LAIN", "dapat", domain_msg_num(o->via.array.ptr[1].via.u64).s,
		    "harap", domain_msg_num(id).s, NULL);
	const msgpack_object *err = &o->via.array.ptr[2];
	if (err->type == MSGPACK_OBJECT_MAP) {
		char code[32], msg[512], field[64];
		client_str(err, "code", code, sizeof(code));
		client_str(err, "message", msg, sizeof(msg));
		client_str(err, "field", field, sizeof(field));
		rc = kn_error_code_from_name(code);
		rc = kn_error_set(rc == 0 ? KN_ERROR : rc, field, "%s", msg);
		/* an error that is a list (every problem of a check): keep it for client_fail to print */
		const msgpack_object *problems = kn_map_get(err, "problems");
		if (problems && problems->type == MSGPACK_OBJECT_ARRAY) {
			kn_buf d = KN_BUF_INIT;
			msgpack_packer dp;
			msgpack_packer_init(&dp, &d, kn_buf_msgpack_write);
			msgpack_pack_object(&dp, *problems);
			if (!d.failed)
				kn_error_details_set(d.ptr, d.len);
			kn_buf_free(&d);
		}
		return rc;
	}
	*result = &o->via.array.ptr[3];
	return 0;
}

/* Does the packed args map have key? (Callers that page themselves pass "limit" or "cursor".) */
static int
client__args_have(const kn_buf *args, const char *key)
{
	msgpack_unpacked up;
	size_t off = 0;
	int have = 0;

	if (args == NULL || args->len == 0)
		return 0;
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, (const char *)args->ptr, args->len, &off) == MSGPACK_UNPACK_SUCCESS)
		have = kn_map_get(&up.data, key) != NULL;
	msgpack_unpacked_destroy(&up);
	return have;
}

/* args with "cursor" set to next (replacing one already there), packed into out. */
static int
client__args_cursor(kn_buf *out, const kn_buf *args, const msgpack_object *next)
{
	msgpack_unpacked up;
	msgpack_packer pk;
	size_t off = 0;
	uint32_t n = 0;

	msgpack_unpacked_init(&up);
	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	if (args && args->len &&
	    msgpack_unpack_next(&up, (const char *)args->ptr, args->len, &off) == MSGPACK_UNPACK_SUCCESS &&
	    up.data.type == MSGPACK_OBJECT_MAP) {
		const msgpack_object_map *m = &up.data.via.map;
		for (uint32_t i = 0; i < m->size; i++)
			n += !kn_map_key_is(&m->ptr[i].key, "cursor");
		msgpack_pack_map(&pk, n + 1);
		for (uint32_t i = 0; i < m->size; i++) {
			if (kn_map_key_is(&m->ptr[i].key, "cursor"))
				continue;
			msgpack_pack_object(&pk, m->ptr[i].key);
			msgpack_pack_object(&pk, m->ptr[i].val);
		}
	} else {
		msgpack_pack_map(&pk, 1);
	}
	msgpack_pack_str(&pk, 6);
	msgpack_pack_str_body(&pk, "cursor", 6);
	msgpack_pack_object(&pk, *next);
	msgpack_unpacked_destroy(&up);
	return out->failed ? kn_error_set(KN_ENOMEM, "", "out of memory") : 0;
}

/* The pages of one listing: the first page's map, and every array field's elements so far. */
typedef struct {
	kn_buf first;                 /* the first result, packed again: c->in is reused by the next call */
	msgpack_unpacked first_up;    /* first, decoded */
	struct {
		const char *key;          /* borrowed from first_up */
		size_t keylen;
		kn_buf items;             /* packed elements of every page */
		uint32_t n;
	} list[CLIENT_LIST_FIELDS];
	int nlists;
	size_t bytes;
} client__pages;

/* Append the elements of page's array fields to the matching lists of pg. */
static int
client__pages_add(client__pages *pg, const msgpack_object *page)
{
	for (int i = 0; i < pg->nlists; i++) {
		const msgpack_object *a = NULL;
		for (uint32_t k = 0; k < page->via.map.size; k++) {
			const msgpack_object *key = &page->via.map.ptr[k].key;
			if (key->type == MSGPACK_OBJECT_STR && key->via.str.size == pg->list[i].keylen &&
			    memcmp(key->via.str.ptr, pg->list[i].key, pg->list[i].keylen) == 0)
				a = &page->via.map.ptr[k].val;
		}
		if (a == NULL || a->type != MSGPACK_OBJECT_ARRAY) {
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)pg->list[i].keylen, pg->list[i].key);
			return domain_msg_error(KN_EPROTO, "", "CLI_HALAMAN_TANPA_DAFTAR", "daftar", name, NULL);
		}
		msgpack_packer pk;
		size_t before = pg->list[i].items.len;
		msgpack_packer_init(&pk, &pg->list[i].items, kn_buf_msgpack_write);
		for (uint32_t e = 0; e < a->via.array.size; e++)
			msgpack_pack_object(&pk, a->via.array.ptr[e]);
		if (pg->list[i].items.failed)
			return kn_error_set(KN_ENOMEM, "", "out of memory while joining the pages of a listing");
		if (pg->list[i].n > UINT32_MAX - a->via.array.size)
			return domain_msg_error(KN_ETOOBIG, "", "CLI_DAFTAR_TERLALU_PANJANG", NULL);
		pg->list[i].n += a->via.array.size;
		pg->bytes += pg->list[i].items.len - before;
	}
	if (pg->bytes > CLIENT_MAX_LISTING)
		return domain_msg_error(KN_ETOOBIG, "", "CLI_DAFTAR_TERLALU_BESAR", "maks", domain_msg_num(CLIENT_MAX_LISTING >> 20).s,
		    NULL);
	return 0;
}

/* Free the pages gathered so far (a first page that failed to decode included). */
static void
client__pages_free(client__pages *pg)
{
	kn_buf_free(&pg->first);
	msgpack_unpacked_destroy(&pg->first_up);
	for (int i = 0; i < pg->nlists; i++)
		kn_buf_free(&pg->list[i].items);
}

/*
 * Rebuild the whole result in c->in, as a reply [1, 0, nil, {...}] with
 * the first page's fields, every array joined across pages and "next" nil,
 * and decode it into c->resp.
 */
static int
client__pages_finish(const msgpack_object **result, client_conn *c, client__pages *pg)
{
	const msgpack_object_map *m = &pg->first_up.data.via.map;
	kn_buf out = KN_BUF_INIT;
	msgpack_packer pk;
	size_t off = 0;
	int li = 0;

	msgpack_packer_init(&pk, &out, kn_buf_msgpack_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint8(&pk, 1);
	msgpack_pack_uint32(&pk, 0);
	msgpack_pack_nil(&pk);
	msgpack_pack_map(&pk, m->size);
	for (uint32_t i = 0; i < m->size; i++) {
		msgpack_pack_object(&pk, m->ptr[i].key);
		if (kn_map_key_is(&m->ptr[i].key, "next")) {
			msgpack_pack_nil(&pk);
		} else if (li < pg->nlists && m->ptr[i].key.type == MSGPACK_OBJECT_STR &&
		    m->ptr[i].key.via.str.ptr == pg->list[li].key) {
			msgpack_pack_array(&pk, pg->list[li].n);
			kn_buf_put(&out, pg->list[li].items.ptr, pg->list[li].items.len);
			li++;
		} else {
			msgpack_pack_object(&pk, m->ptr[i].val);
		}
	}
	if (out.failed) {
		kn_buf_free(&out);
		return kn_error_set(KN_ENOMEM, "", "out of memory while joining the pages of a listing");
	}
	kn_buf_free(&c->in);
	c->in = out;
	msgpack_unpacked_destroy(&c->resp);
	msgpack_unpacked_init(&c->resp);
	if (msgpack_unpack_next(&c->resp, (const char *)c->in.ptr, c->in.len, &off) != MSGPACK_UNPACK_SUCCESS)
		return kn_error_set(KN_ERROR, "", "internal: cannot decode the joined listing");
	*result = &c->resp.data.via.array.ptr[3];
	return 0;
}

/*
 * The first page is in *result: ask for the next ones with its cursor
 * until "next" is nil, and hand back one result holding every item.
 */
static int
client__follow(const msgpack_object **result, client_conn *c, const char *method, const kn_buf *args)
{
	client__pages pg;
	kn_buf more = KN_BUF_INIT, prev = KN_BUF_INIT;
	msgpack_packer pk;
	size_t off = 0;
	int rc;

	memset(&pg, 0, sizeof(pg));
	msgpack_unpacked_init(&pg.first_up);
	msgpack_packer_init(&pk, &pg.first, kn_buf_msgpack_write);
	msgpack_pack_object(&pk, **result);
	if (pg.first.failed ||
	    msgpack_unpack_next(&pg.first_up, (const char *)pg.first.ptr, pg.first.len, &off) != MSGPACK_UNPACK_SUCCESS) {
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while reading a listing");
		goto out;
	}
	const msgpack_object_map *m = &pg.first_up.data.via.map;
	for (uint32_t i = 0; i < m->size && pg.nlists < CLIENT_LIST_FIELDS; i++) {
		if (m->ptr[i].val.type != MSGPACK_OBJECT_ARRAY || m->ptr[i].key.type != MSGPACK_OBJECT_STR)
			continue;
		pg.list[pg.nlists].key = m->ptr[i].key.via.str.ptr;
		pg.list[pg.nlists].keylen = m->ptr[i].key.via.str.size;
		pg.nlists++;
	}
	if ((rc = client__pages_add(&pg, &pg.first_up.data)))
		goto out;
	const msgpack_object *next = kn_map_get(&pg.first_up.data, "next");
	msgpack_packer_init(&pk, &prev, kn_buf_msgpack_write);
	while (next && next->type == MSGPACK_OBJECT_STR) {
		/* a daemon that hands back the same cursor would keep us here forever */
		kn_buf cur = KN_BUF_INIT;
		msgpack_packer cp;
		msgpack_packer_init(&cp, &cur, kn_buf_msgpack_write);
		msgpack_pack_object(&cp, *next);
		int same = cur.len == prev.len && memcmp(cur.ptr, prev.ptr, cur.len) == 0;
		kn_buf_free(&prev);
		prev = cur;
		if (same) {
			rc = domain_msg_error(KN_EPROTO, "", "CLI_HALAMAN_KURSOR_ULANG", NULL);
			goto out;
		}
		kn_buf_clear(&more);
		if ((rc = client__args_cursor(&more, args, next)) || (rc = client__call_once(result, c, method, &more)))
			goto out;
		if ((*result)->type != MSGPACK_OBJECT_MAP) {
			rc = domain_msg_error(KN_EPROTO, "", "CLI_HALAMAN_BUKAN_MAP", NULL);
			goto out;
		}
		if ((rc = client__pages_add(&pg, *result)))
			goto out;
		next = kn_map_get(*result, "next");
	}
	rc = client__pages_finish(result, c, &pg);
out:
	client__pages_free(&pg);
	kn_buf_free(&more);
	kn_buf_free(&prev);
	return rc;
}

/*
 * One call. When the result is a page of a listing (a map whose "next" is
 * a cursor) and the caller did not ask for a page itself (no "limit" or
 * "cursor" argument), the following pages are fetched and joined, so the
 * caller sees every item in one result, with "next" nil.
 */
int
client_call(const msgpack_object **result, client_conn *c, const char *method, const kn_buf *args)
{
	int rc = client__call_once(result, c, method, args);
	const msgpack_object *next;

	if (rc || (*result)->type != MSGPACK_OBJECT_MAP)
		return rc;
	next = kn_map_get(*result, "next");
	if (next == NULL || next->type != MSGPACK_OBJECT_STR || client__args_have(args, "limit") ||
	    client__args_have(args, "cursor"))
		return 0;
	return client__follow(result, c, method, args);
}

const char *
client_str(const msgpack_object *map, const char *key, char *buf, size_t bufsz)
{
	const msgpack_object *o = kn_map_get(map, key);
	size_t n;

	buf[0] = '\0';
	if (o == NULL || o->type != MSGPACK_OBJECT_STR)
		return buf;
	n = o->via.str.size < bufsz - 1 ? o->via.str.size : bufsz - 1;
	memcpy(buf, o->via.str.ptr, n);
	buf[n] = '\0';
	return buf;
}

uint64_t
client_u64(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = kn_map_get(map, key);
	return (o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) ? o->via.u64 : 0;
}

int
client_bool(const msgpack_object *map, const char *key)
{
	const msgpack_object *o = kn_map_get(map, key);
	return o && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

static void
client__json_str(FILE *fp, const char *s, size_t n)
{
	fputc('"', fp);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", fp);
		else if (ch == '\t')
			fputs("\\t", fp);
		else if (ch < 0x20)
			fprintf(fp, "\\u%04x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

void
client_json_str(FILE *fp, const char *s)
{
	client__json_str(fp, s, strlen(s));
}

static void
json_nl(FILE *fp, int indent, int level)
{
	if (indent < 0)
		return;
	fputc('\n', fp);
	for (int i = 0; i < indent * level; i++)
		fputc(' ', fp);
}

static void
json_obj(FILE *fp, const msgpack_object *o, int indent, int level)
{
	switch (o->type) {
	case MSGPACK_OBJECT_NIL: fputs("null", fp); break;
	case MSGPACK_OBJECT_BOOLEAN: fputs(o->via.boolean ? "true" : "false", fp); break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER: fprintf(fp, "%llu", (unsigned long long)o->via.u64); break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: fprintf(fp, "%lld", (long long)o->via.i64); break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: fprintf(fp, "%.17g", o->via.f64); break;
	case MSGPACK_OBJECT_STR: client__json_str(fp, o->via.str.ptr, o->via.str.size); break;
	case MSGPACK_OBJECT_BIN:
	case MSGPACK_OBJECT_EXT: {
		const uint8_t *p = (const uint8_t *)(o->type == MSGPACK_OBJECT_BIN ? o->via.bin.ptr : o->via.ext.ptr);
		uint32_t n = o->type == MSGPACK_OBJECT_BIN ? o->via.bin.size : o->via.ext.size;
		fputc('"', fp);
		for (uint32_t i = 0; i < n; i++)
			fprintf(fp, "%02x", p[i]);
		fputc('"', fp);
		break;
	}
	case MSGPACK_OBJECT_ARRAY:
		fputc('[', fp);
		for (uint32_t i = 0; i < o->via.array.size; i++) {
			if (i)
				fputc(',', fp);
			json_nl(fp, indent, level + 1);
			json_obj(fp, &o->via.array.ptr[i], indent, level + 1);
		}
		if (o->via.array.size)
			json_nl(fp, indent, level);
		fputc(']', fp);
		break;
	case MSGPACK_OBJECT_MAP:
		fputc('{', fp);
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;
			if (i)
				fputc(',', fp);
			json_nl(fp, indent, level + 1);
			if (k->type == MSGPACK_OBJECT_STR)
				client__json_str(fp, k->via.str.ptr, k->via.str.size);
			else {
				/* JSON keys are strings; Kinerja never sends other keys */
				fputs("\"?\"", fp);
			}
			fputs(indent < 0 ? ":" : ": ", fp);
			json_obj(fp, &o->via.map.ptr[i].val, indent, level + 1);
		}
		if (o->via.map.size)
			json_nl(fp, indent, level);
		fputc('}', fp);
		break;
	}
}

void
client_json(FILE *fp, const msgpack_object *o, int indent)
{
	json_obj(fp, o, indent, 0);
	fputc('\n', fp);
}

/* Read one line from fd without stdio buffering past it. */
static int
read_line(char *out, size_t outsz, int fd)
{
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || ch == '\n')
			break;
		if (n + 1 >= outsz)
			return domain_msg_error(KN_ETOOBIG, "passphrase", "CLI_SANDI_TERLALU_PANJANG", NULL);
		out[n++] = ch;
	}
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	return 0;
}

static int
tty_read(char *out, size_t outsz, int tty, const char *prompt)
{
	struct termios old, quiet;
	int rc;

	if (write(tty, prompt, strlen(prompt)) < 0)
		return domain_msg_error(KN_ERROR, "passphrase", "CLI_TERMINAL_TULIS", NULL);
	tcgetattr(tty, &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	tcsetattr(tty, TCSAFLUSH, &quiet);
	rc = read_line(out, outsz, tty);
	tcsetattr(tty, TCSAFLUSH, &old);
	return rc;
}

int
client_passphrase(char *out, size_t outsz, const char *prompt, int fd, int confirm)
{
	int rc;

	if (fd >= 0)
		return read_line(out, outsz, fd);
	int tty = isatty(STDIN_FILENO) ? open("/dev/tty", O_RDWR | O_CLOEXEC) : -1;
	if (tty < 0)
		return read_line(out, outsz, STDIN_FILENO);
	rc = tty_read(out, outsz, tty, prompt);
	if (rc == 0 && confirm) {
		char again[1100];
		rc = tty_read(again, sizeof(again), tty, domain_msg_text("CLI_TANYA_ULANGI_SANDI"));
		if (rc == 0 && strcmp(again, out) != 0)
			rc = domain_msg_error(KN_EINVAL, "passphrase", "CLI_SANDI_BERBEDA", NULL);
		explicit_bzero(again, sizeof(again));
	}
	close(tty);
	return rc;
}
