/*
 * test_cli.c - the kinerja CLI checks record signatures itself. A fake
 * daemon on a temporary socket answers record.get and record.history with
 * records signed here, some of them tampered with the way a faulty or
 * hostile daemon could (a flipped signature bit, a body or author shown
 * that is not the signed one); the real CLI binary must call the good ones
 * "sah" and warn about, and fail on, the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>

#include "../../store/keys.h"
#include "../../store/record.h"
#include "../../util/kn.h"
#include "../../util/mpmap.h"
#include "../lib/kntest.h"

#define MAX_REQ (64 * 1024)
#define TOKEN "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static char dir[64], sock[128], session[128];

/* A signed record and its fields, as the test made it. */
typedef struct {
	kn_buf rec;
	uint8_t id[RECORD_ID_BYTES];
	uint8_t pk[32];
	uint64_t hlc;
	const char *name;
} signed_rec;

/* How the fake daemon misrepresents a record. */
enum tamper { T_NONE, T_SIG_BIT, T_BODY_SHOWN, T_AUTHOR_SHOWN, T_NO_RAW };

static void
pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void
pack_body(msgpack_packer *pk, const char *name)
{
	msgpack_pack_map(pk, 2);
	pack_s(pk, "name");
	pack_s(pk, name);
	pack_s(pk, "active");
	msgpack_pack_true(pk);
}

/* Sign a user record about name with a fresh key. */
static void
make_record(signed_rec *out, const char *name)
{
	keys_secret *k = NULL;
	kn_buf body = KN_BUF_INIT;
	msgpack_packer pk;
	char subject[65];

	memset(out, 0, sizeof(*out));
	assert_int_equal(keys_generate(&k), 0);
	msgpack_packer_init(&pk, &body, kn_buf_msgpack_write);
	pack_body(&pk, name);
	kn_hex(subject, k->pk, 32);
	out->hlc = (uint64_t)1760000000000 << 16;
	record_fields f = { "user", "20100001", subject, out->hlc, NULL, 0, body.ptr, body.len };
	assert_int_equal(record_sign(&out->rec, out->id, &f, k->pk, k->sk), 0);
	memcpy(out->pk, k->pk, 32);
	out->name = name;
	keys_secret_free(k);
	kn_buf_free(&body);
}

/* The record as kinerjad's pack_record shows it, tampered with as asked. */
static void
pack_shown(msgpack_packer *pk, const signed_rec *r, enum tamper how)
{
	char hex[65], doc[160], other[65];
	uint8_t fake[32];

	kn_hex(hex, r->pk, 32);
	snprintf(doc, sizeof(doc), "user/20100001/%s", hex);
	msgpack_pack_map(pk, how == T_NO_RAW ? 10 : 11);
	pack_s(pk, "id");
	pack_s(pk, kn_hex(other, r->id, 32));
	pack_s(pk, "type");
	pack_s(pk, "user");
	pack_s(pk, "school");
	pack_s(pk, "20100001");
	pack_s(pk, "subject");
	pack_s(pk, hex);
	pack_s(pk, "doc");
	pack_s(pk, doc);
	pack_s(pk, "author");
	if (how == T_AUTHOR_SHOWN) {
		memset(fake, 0x5a, sizeof(fake));
		pack_s(pk, kn_hex(other, fake, 32));
	} else {
		pack_s(pk, hex);
	}
	pack_s(pk, "hlc");
	msgpack_pack_uint64(pk, r->hlc);
	pack_s(pk, "time_ms");
	msgpack_pack_uint64(pk, r->hlc >> 16);
	pack_s(pk, "parents");
	msgpack_pack_array(pk, 0);
	pack_s(pk, "body");
	pack_body(pk, how == T_BODY_SHOWN ? "Orang Lain" : r->name);
	if (how == T_NO_RAW)
		return;
	pack_s(pk, "raw");
	msgpack_pack_bin(pk, r->rec.len);
	if (how == T_SIG_BIT) {
		kn_buf copy = KN_BUF_INIT;
		assert_int_equal(kn_buf_put(&copy, r->rec.ptr, r->rec.len), 0);
		copy.ptr[copy.len - 1] ^= 0x01; /* the last byte of the signature */
		msgpack_pack_bin_body(pk, copy.ptr, copy.len);
		kn_buf_free(&copy);
	} else {
		msgpack_pack_bin_body(pk, r->rec.ptr, r->rec.len);
	}
}

/* A listening Unix socket at sock, and the session file naming it. */
static int
setup(void **state)
{
	struct sockaddr_un sa;
	char real[PATH_MAX];
	int fd;
	FILE *fp;
	(void)state;

	assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-cli.XXXXXX"), 0);
	snprintf(sock, sizeof(sock), "%s/fake.sock", dir);
	snprintf(session, sizeof(session), "%s/session", dir);
	assert_int_equal(kntest_unix_addr(&sa, sock), 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_non_null(realpath(sock, real));
	fp = fopen(session, "w");
	assert_non_null(fp);
	fprintf(fp, "%s %s\n", TOKEN, real);
	fclose(fp);
	chmod(session, 0600);
	setenv("KINERJA_SESSION", session, 1);
	*state = (void *)(intptr_t)fd;
	return 0;
}

static int
teardown(void **state)
{
	close((int)(intptr_t)*state);
	assert_int_equal(kntest_rm_rf(dir), 0);
	return 0;
}

/*
 * Run `kinerja --socket sock ARGS...` and answer its one request with
 * result (a packed map). Returns the CLI's exit status; its stdout and
 * stderr are left in out.
 */
/* How the fake daemon answers: as kinerjad does, or with bytes kinerjad never sends. */
enum answer { A_RESULT, A_GARBAGE, A_OTHER_MSGID, A_NOT_REPLY };

static int
run_cli_answering(kn_buf *out, int lfd, const kn_buf *result, enum answer how, const char *const *args)
{
	const char *b = getenv("KINERJA_BUILD");
	char bin[512];
	const char *argv[16];
	int p[2], cfd, status, n = 0;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/kinerja", b ? b : "build");
	argv[n++] = "kinerja";
	argv[n++] = "--socket";
	argv[n++] = sock;
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(pipe(p), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);

	/* the fake daemon: one connection, one request, one answer */
	struct pollfd pf = { lfd, POLLIN, 0 };
	assert_int_equal(poll(&pf, 1, 10000), 1);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	kn_buf in = KN_BUF_INIT, reply = KN_BUF_INIT;
	size_t len = 0, off = 0;
	msgpack_unpacked up;
	msgpack_packer pk;
	assert_int_equal(kntest_rpc_read(&len, cfd, &in, MAX_REQ, 10000, "fake daemon"), 1);
	msgpack_unpacked_init(&up);
	assert_int_equal(msgpack_unpack_next(&up, (const char *)in.ptr, len, &off), MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(up.data.type, MSGPACK_OBJECT_ARRAY);
	msgpack_packer_init(&pk, &reply, kn_buf_msgpack_write);
	if (how == A_GARBAGE) {
		kn_buf_put(&reply, "\xc1", 1); /* a byte MessagePack never uses */
	} else {
		msgpack_pack_array(&pk, 4);
		msgpack_pack_uint8(&pk, how == A_NOT_REPLY ? 2 : 1);
		msgpack_pack_uint32(&pk, (uint32_t)up.data.via.array.ptr[1].via.u64 + (how == A_OTHER_MSGID ? 1000 : 0));
		msgpack_pack_nil(&pk);
		kn_buf_put(&reply, result->ptr, result->len);
	}
	assert_int_equal(kn_write_full(cfd, reply.ptr, reply.len), 0);
	msgpack_unpacked_destroy(&up);
	kn_buf_free(&in);
	kn_buf_free(&reply);
	close(cfd);

	for (;;) {
		assert_int_equal(kn_buf_grow(out, 4096), 0);
		ssize_t r = read(p[0], out->ptr + out->len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		out->len += (size_t)r;
	}
	close(p[0]);
	kn_buf_put(out, "", 1);
	out->len--;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int
run_cli(kn_buf *out, int lfd, const kn_buf *result, const char *const *args)
{
	return run_cli_answering(out, lfd, result, A_RESULT, args);
}

/* A reply the CLI cannot follow is said in Indonesian (domain/messages.c), and fails the command. */
static void
test_cli__unreadable_replies_said_in_indonesian(void **state)
{
	int lfd = (int)(intptr_t)*state;
	const struct {
		enum answer how;
		const char *says;
	} cases[] = {
		{ A_GARBAGE, "Jawaban kinerjad bukan MessagePack yang dapat dibaca. Pastikan CLI kinerja dan kinerjad" },
		{ A_OTHER_MSGID, "kinerjad menjawab permintaan " },
		{ A_NOT_REPLY, "Jawaban kinerjad tidak berbentuk [1, msgid, error, result]" },
	};
	kn_buf res = KN_BUF_INIT;
	msgpack_packer pk;

	msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kn_buf out = KN_BUF_INIT;
		const char *args[] = { "status", NULL };
		int rc = run_cli_answering(&out, lfd, &res, cases[i].how, args);
		if (rc == 0 || strstr((char *)out.ptr, cases[i].says) == NULL || strstr((char *)out.ptr, "kinerjad sent") != NULL)
			fail_msg("case %zu (exit %d) not said as it should be:\n%s", i, rc, (char *)out.ptr);
		kn_buf_free(&out);
	}
	kn_buf_free(&res);
}

/* record get: the answer for one record tampered with as asked; the CLI's exit status and output. */
static int
record_get(kn_buf *out, int lfd, const signed_rec *r, enum tamper how)
{
	kn_buf res = KN_BUF_INIT;
	msgpack_packer pk;
	char id[65];
	int rc;

	msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
	pack_shown(&pk, r, how);
	const char *args[] = { "record", "get", kn_hex(id, r->id, 32), NULL };
	rc = run_cli(out, lfd, &res, args);
	kn_buf_free(&res);
	return rc;
}

/* A good record is shown with "tanda tangan diperiksa: sah". */
static void
test_cli__good_record_is_sah(void **state)
{
	int lfd = (int)(intptr_t)*state;
	signed_rec r;
	kn_buf out = KN_BUF_INIT;

	make_record(&r, "Budi Santoso");
	assert_int_equal(record_get(&out, lfd, &r, T_NONE), 0);
	assert_non_null(strstr((char *)out.ptr, "tanda tangan diperiksa: sah"));
	assert_null(strstr((char *)out.ptr, "PERINGATAN"));
	assert_null(strstr((char *)out.ptr, "signature verified"));
	kn_buf_free(&out);
	kn_buf_free(&r.rec);
}

/* Each kind of tampering is caught, said plainly, and fails the command. */
static void
test_cli__tampered_records_are_refused(void **state)
{
	int lfd = (int)(intptr_t)*state;
	const struct {
		enum tamper how;
		const char *says;
	} cases[] = {
		{ T_SIG_BIT, "Tanda tangan Ed25519 tidak cocok" },
		{ T_BODY_SHOWN, "Isi (body) yang ditampilkan bukan yang ditandatangani" },
		{ T_AUTHOR_SHOWN, "Penulis yang ditampilkan bukan yang menandatangani" },
		{ T_NO_RAW, "tidak memuat byte rekaman" },
	};
	signed_rec r;

	make_record(&r, "Budi Santoso");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kn_buf out = KN_BUF_INIT;
		int rc = record_get(&out, lfd, &r, cases[i].how);
		if (rc == 0 || strstr((char *)out.ptr, "PERINGATAN: tanda tangan TIDAK sah") == NULL ||
		    strstr((char *)out.ptr, cases[i].says) == NULL || strstr((char *)out.ptr, "diperiksa: sah") != NULL)
			fail_msg("case %zu (exit %d) not refused as it should be:\n%s", i, rc, (char *)out.ptr);
		kn_buf_free(&out);
	}
	kn_buf_free(&r.rec);
}

/* record history: each record is checked on its own; one bad record fails the command, also with --json. */
static void
test_cli__history_checks_each_record(void **state)
{
	int lfd = (int)(intptr_t)*state;
	signed_rec a, b;
	kn_buf res = KN_BUF_INIT, out = KN_BUF_INIT;
	msgpack_packer pk;

	make_record(&a, "Ani Guru");
	make_record(&b, "Beni Guru");
	msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 2);
	pack_s(&pk, "doc");
	pack_s(&pk, "user/20100001/x");
	pack_s(&pk, "records");
	msgpack_pack_array(&pk, 2);
	pack_shown(&pk, &a, T_NONE);
	pack_shown(&pk, &b, T_BODY_SHOWN);
	const char *args[] = { "record", "history", "user/20100001/x", NULL };
	assert_int_not_equal(run_cli(&out, lfd, &res, args), 0);
	assert_non_null(strstr((char *)out.ptr, "tanda tangan diperiksa: sah"));
	assert_non_null(strstr((char *)out.ptr, "PERINGATAN: tanda tangan TIDAK sah"));
	assert_non_null(strstr((char *)out.ptr, "1 dari 2 rekaman"));
	kn_buf_free(&out);
	/* --json: no result is printed for records that do not verify, only the error */
	const char *json[] = { "--json", "record", "history", "user/20100001/x", NULL };
	assert_int_not_equal(run_cli(&out, lfd, &res, json), 0);
	assert_null(strstr((char *)out.ptr, "\"records\""));
	assert_non_null(strstr((char *)out.ptr, "\"bad_signature\""));
	kn_buf_free(&out);
	kn_buf_free(&res);
	kn_buf_free(&a.rec);
	kn_buf_free(&b.rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli__good_record_is_sah),
		cmocka_unit_test(test_cli__tampered_records_are_refused),
		cmocka_unit_test(test_cli__history_checks_each_record),
		cmocka_unit_test(test_cli__unreadable_replies_said_in_indonesian),
	};

	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
