/*
 * conn.c - one MessagePack-RPC call at a time over the daemon's socket.
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
			return kn_error_set(KN_ENOTFOUND, "socket",
			    "kinerjad is not running at %s: start it (make run), or point --socket / KINERJA_SOCKET at it", path);
		if (e == EACCES)
			return kn_error_set(KN_EDENIED, "socket",
			    "no permission to use %s: ask the administrator to add you to the daemon's group", path);
		return kn_error_set(KN_ERROR, "socket", "cannot connect to %s: %s", path, strerror(e));
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

int
client_call(const msgpack_object **result, client_conn *c, const char *method, const kn_buf *args)
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
	    kn_error_set(KN_ERROR, "socket", "lost the connection to kinerjad: %s", strerror(errno));
	kn_buf_free(&req); /* wipes: the request may hold a passphrase */
	if (rc)
		return rc;

	kn_buf_clear(&c->in);
	kn_mpscan_init(&scan, CLIENT_MAX_REPLY);
	for (;;) {
		rc = kn_mpscan_feed(&scan, c->in.ptr, c->in.len, &flen);
		if (rc < 0)
			return kn_error_set(KN_EPROTO, "", "kinerjad sent a malformed reply: %s", kn_error_message());
		if (rc == 1)
			break;
		if (kn_buf_grow(&c->in, 65536))
			return KN_ENOMEM;
		ssize_t r = read(c->fd, c->in.ptr + c->in.len, 65536);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return kn_error_set(KN_ERROR, "socket", "kinerjad closed the connection before replying");
		c->in.len += (size_t)r;
	}
	msgpack_unpacked_destroy(&c->resp);
	msgpack_unpacked_init(&c->resp);
	if (msgpack_unpack_next(&c->resp, (const char *)c->in.ptr, flen, &off) != MSGPACK_UNPACK_SUCCESS)
		return kn_error_set(KN_EPROTO, "", "kinerjad sent a reply that is not MessagePack");
	const msgpack_object *o = &c->resp.data;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4 ||
	    o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.array.ptr[0].via.u64 != 1 ||
	    o->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return kn_error_set(KN_EPROTO, "", "kinerjad sent a reply that is not [1, msgid, error, result]");
	if (o->via.array.ptr[1].via.u64 != id && o->via.array.ptr[1].via.u64 != 0)
		return kn_error_set(KN_EPROTO, "", "kinerjad answered request %llu, not %u", (unsigned long long)o->via.array.ptr[1].via.u64, id);
	const msgpack_object *err = &o->via.array.ptr[2];
	if (err->type == MSGPACK_OBJECT_MAP) {
		char code[32], msg[512], field[64];
		client_str(err, "code", code, sizeof(code));
		client_str(err, "message", msg, sizeof(msg));
		client_str(err, "field", field, sizeof(field));
		rc = kn_error_code_from_name(code);
		return kn_error_set(rc == 0 ? KN_ERROR : rc, field, "%s", msg);
	}
	*result = &o->via.array.ptr[3];
	return 0;
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

static void
json_str(FILE *fp, const char *s, size_t n)
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
	case MSGPACK_OBJECT_STR: json_str(fp, o->via.str.ptr, o->via.str.size); break;
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
				json_str(fp, k->via.str.ptr, k->via.str.size);
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
			return kn_error_set(KN_ETOOBIG, "passphrase", "passphrase is too long");
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
		return kn_error_set(KN_ERROR, "passphrase", "cannot write to the terminal");
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
		rc = tty_read(again, sizeof(again), tty, "Ulangi passphrase (repeat): ");
		if (rc == 0 && strcmp(again, out) != 0)
			rc = kn_error_set(KN_EINVAL, "passphrase", "the two passphrases differ; nothing was changed, try again");
		explicit_bzero(again, sizeof(again));
	}
	close(tty);
	return rc;
}
