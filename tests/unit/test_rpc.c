/*
 * test_rpc.c - MessagePack-RPC framing against the real kinerjad: partial
 * frames, frames split at every byte, pipelining, oversized and malformed
 * input, unknown methods, notifications, and clients that stall or never
 * read their replies. After every abuse the daemon must still serve a
 * fresh client.
 */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <msgpack.h>

#include "../../store/record.h"
#include "../../util/kn.h"
#include "../../util/mpscan.h"
#include "../lib/kntest.h"

#define STOP_TIMEOUT_MS 20000

#define OUTPUT_STALL_S 2

static char dir[64], sock[128], logpath[160];
static pid_t daemon_pid;

/* A new connection to the daemon; the test fails when it cannot connect. */
static int
connect_daemon(void)
{
	int fd = -1;

	assert_int_equal(kntest_connect(&fd, sock, 0), 0);
	return fd;
}

/* The daemon on a fresh directory, with small limits and short timeouts to test against. */
static int
setup(void **state)
{
	static const char *const args[] = { "--set", "daemon.max_frame_kb=64", "--set", "daemon.max_output_kb=256",
		"--set", "daemon.max_clients=80", "--set", "daemon.request_timeout_s=1", "--set",
		"daemon.idle_timeout_s=3", "--set", "daemon.output_stall_s=2", "--log-level", "warn", NULL };
	const char *b = getenv("KINERJA_BUILD");
	char bin[512];
	(void)state;

	assert_int_equal(kntest_tmpdir(dir, sizeof(dir), "/tmp/kinerja-rpc.XXXXXX"), 0);
	snprintf(sock, sizeof(sock), "%s/s.sock", dir);
	snprintf(logpath, sizeof(logpath), "%s/daemon.log", dir);
	snprintf(bin, sizeof(bin), "%s/kinerjad", b ? b : "build");
	/*
	 * Under AddressSanitizer freed memory waits in a quarantine (256 MiB by
	 * default) before it is reused, which would hide what the daemon holds:
	 * keep it small so that VmRSS means something there too.
	 */
	char asan[512];
	const char *was = getenv("ASAN_OPTIONS");
	snprintf(asan, sizeof(asan), "%s%squarantine_size_mb=8", was ? was : "", was && was[0] ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	/* the daemon's log goes to a file, for the tests that look for a line in it */
	fflush(stderr);
	int saved = dup(2), lf = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved >= 0 && lf >= 0);
	dup2(lf, 2);
	close(lf);
	int rc = kntest_daemon_start(&daemon_pid, bin, dir, sock, args);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(rc, 0);
	assert_int_equal(access(sock, F_OK), 0);
	return 0;
}

/* SIGTERM: the daemon exits 0 and removes its socket; then the directory goes. */
static int
teardown(void **state)
{
	int status;
	(void)state;

	status = kntest_child_stop(daemon_pid, SIGTERM, STOP_TIMEOUT_MS);
	assert_int_not_equal(status, -1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_not_equal(access(sock, F_OK), 0); /* socket removed */
	if (getenv("KEEP") == NULL)
		assert_int_equal(kntest_rm_rf(dir), 0);
	return 0;
}

/* Append the request [0, msgid, method, []] to b. */
static void
pack_request(kn_buf *b, uint32_t msgid, const char *method)
{
	assert_int_equal(kntest_rpc_pack(b, msgid, method, 0), 0);
}

/* Send all of p; the test fails when the socket refuses. */
static void
send_all(int fd, const void *p, size_t n)
{
	assert_int_equal(kn_write_full(fd, p, n), 0);
}

/*
 * Read one response within 10 s. Returns 1 with the response decoded into
 * up, 0 when the daemon closed the connection first.
 */
static int
read_response(int fd, kn_buf *in, msgpack_unpacked *up)
{
	size_t len = 0, off = 0;
	int rc = kntest_rpc_read(&len, fd, in, 1 << 24, 10000, "read_response");

	assert_true(rc >= 0);
	if (rc == 0)
		return 0;
	msgpack_unpacked_init(up);
	assert_int_equal(msgpack_unpack_next(up, (const char *)in->ptr, len, &off), MSGPACK_UNPACK_SUCCESS);
	/* keep the bytes alive for up: move the rest to the caller's next read */
	return 1;
}

static void
drop_response(kn_buf *in, msgpack_unpacked *up)
{
	size_t len = 0;
	kn_mpscan scan;
	kn_mpscan_init(&scan, 1 << 24);
	kn_mpscan_feed(&scan, in->ptr, in->len, &len);
	msgpack_unpacked_destroy(up);
	kn_buf_consume(in, len);
}

/*
 * Check a response: msgid, and either success or the given error code;
 * with text, the error's message must hold it (what the person reads is
 * the Indonesian of domain/messages.c, valid UTF-8).
 */
static void
expect_reply(int fd, kn_buf *in, uint32_t msgid, const char *code, const char *text)
{
	msgpack_unpacked up;

	assert_int_equal(read_response(fd, in, &up), 1);
	const msgpack_object *o = &up.data;
	assert_int_equal(o->type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(o->via.array.size, 4);
	assert_int_equal(o->via.array.ptr[0].via.u64, 1);
	assert_int_equal(o->via.array.ptr[1].via.u64, msgid);
	const msgpack_object *err = &o->via.array.ptr[2];
	if (code == NULL) {
		assert_int_equal(err->type, MSGPACK_OBJECT_NIL);
		assert_int_equal(o->via.array.ptr[3].type, MSGPACK_OBJECT_MAP);
		assert_non_null(kn_map_get(&o->via.array.ptr[3], "version"));
	} else {
		assert_int_equal(err->type, MSGPACK_OBJECT_MAP);
		const msgpack_object *c = kn_map_get(err, "code");
		const msgpack_object *m = kn_map_get(err, "message");
		assert_non_null(c);
		assert_non_null(m);
		assert_true(m->via.str.size > 10); /* a message a person can act on */
		if (c->via.str.size != strlen(code) || memcmp(c->via.str.ptr, code, strlen(code)) != 0)
			fail_msg("expected error %s, got %.*s: %.*s", code, (int)c->via.str.size, c->via.str.ptr,
			    (int)m->via.str.size, m->via.str.ptr);
		assert_true(kn_utf8_valid(m->via.str.ptr, m->via.str.size));
		if (text && !memmem(m->via.str.ptr, m->via.str.size, text, strlen(text)))
			fail_msg("expected error %s to say \"%s\", got: %.*s", code, text, (int)m->via.str.size, m->via.str.ptr);
	}
	drop_response(in, &up);
}

static void
expect_response(int fd, kn_buf *in, uint32_t msgid, const char *code)
{
	expect_reply(fd, in, msgid, code, NULL);
}

/* The daemon still answers a fresh client. */
static void
daemon_alive(void)
{
	kn_buf req = KN_BUF_INIT, in = KN_BUF_INIT;
	int fd = connect_daemon();
	pack_request(&req, 77, "status");
	send_all(fd, req.ptr, req.len);
	expect_response(fd, &in, 77, NULL);
	close(fd);
	kn_buf_free(&req);
	kn_buf_free(&in);
}

/* After the daemon answered an error on a stream it cannot follow, it hangs up. */
static void
expect_closed(int fd, kn_buf *in)
{
	msgpack_unpacked up;
	assert_int_equal(read_response(fd, in, &up), 0);
}

static void
test_rpc__status_round_trip(void **state)
{
	(void)state;
	daemon_alive();
}

static void
test_rpc__split_at_every_byte(void **state)
{
	kn_buf req = KN_BUF_INIT, in = KN_BUF_INIT;
	(void)state;

	pack_request(&req, 5, "status");
	int fd = connect_daemon();
	for (size_t k = 1; k < req.len; k++) {
		send_all(fd, req.ptr, k);
		kntest_sleep_ms(3);
		send_all(fd, req.ptr + k, req.len - k);
		expect_response(fd, &in, 5, NULL);
	}
	/* and one byte at a time */
	for (size_t k = 0; k < req.len; k++) {
		send_all(fd, req.ptr + k, 1);
		kntest_sleep_ms(1);
	}
	expect_response(fd, &in, 5, NULL);
	close(fd);
	kn_buf_free(&req);
	kn_buf_free(&in);
}

static void
test_rpc__pipelined_requests_answered_in_order(void **state)
{
	kn_buf req = KN_BUF_INIT, in = KN_BUF_INIT;
	(void)state;

	for (uint32_t i = 1; i <= 200; i++)
		pack_request(&req, i, i % 10 == 0 ? "no.such" : "status");
	int fd = connect_daemon();
	send_all(fd, req.ptr, req.len);
	for (uint32_t i = 1; i <= 200; i++)
		expect_response(fd, &in, i, i % 10 == 0 ? "no_method" : NULL);
	close(fd);
	kn_buf_free(&req);
	kn_buf_free(&in);
}

static void
test_rpc__oversized_frame_refused(void **state)
{
	kn_buf in = KN_BUF_INIT;
	/* a bin32 of 1 MiB: over the 64 KiB limit from its header alone */
	const uint8_t big[] = { 0x94, 0x00, 0x01, 0xa6, 's', 't', 'a', 't', 'u', 's', 0x91, 0xc6, 0x00, 0x10, 0x00, 0x00 };
	(void)state;

	int fd = connect_daemon();
	send_all(fd, big, sizeof(big));
	expect_reply(fd, &in, 0, "too_big", "Permintaan lebih besar dari 64 KiB (batas max_frame_kb");
	expect_closed(fd, &in);
	close(fd);
	/* the same with the bytes actually sent, in pieces */
	fd = connect_daemon();
	uint8_t *junk = calloc(1, 70 * 1024);
	junk[0] = 0xc6;
	junk[1] = 0;
	junk[2] = 1;
	junk[3] = 0x18; /* 0x011800 = 71680 bytes */
	junk[4] = 0;
	kn_buf_clear(&in);
	for (size_t off = 0; off < 70 * 1024; off += 7000) {
		size_t n = 70 * 1024 - off < 7000 ? 70 * 1024 - off : 7000;
		if (write(fd, junk + off, n) <= 0)
			break;
	}
	expect_reply(fd, &in, 0, "too_big", "kirim dalam potongan yang lebih kecil");
	close(fd);
	free(junk);
	kn_buf_free(&in);
	daemon_alive();
}

static void
test_rpc__malformed_msgpack_refused(void **state)
{
	kn_buf in = KN_BUF_INIT;
	const uint8_t bad[] = { 0x94, 0x00, 0x01, 0xc1 };
	(void)state;

	int fd = connect_daemon();
	send_all(fd, bad, sizeof(bad));
	expect_reply(fd, &in, 0, "protocol", "Permintaan ini bukan MessagePack");
	expect_closed(fd, &in);
	close(fd);
	/* nesting deeper than the scanner allows */
	uint8_t deep[100];
	memset(deep, 0x91, sizeof(deep));
	deep[99] = 0xc0;
	kn_buf_clear(&in);
	fd = connect_daemon();
	send_all(fd, deep, sizeof(deep));
	expect_reply(fd, &in, 0, "protocol", "Permintaan ini bukan MessagePack");
	close(fd);
	kn_buf_free(&in);
	daemon_alive();
}

static void
test_rpc__wellformed_nonrequests_keep_connection(void **state)
{
	kn_buf in = KN_BUF_INIT, req = KN_BUF_INIT;
	(void)state;

	int fd = connect_daemon();
	/* a map, not an array */
	const uint8_t m[] = { 0x81, 0xa1, 'a', 0x01 };
	send_all(fd, m, sizeof(m));
	expect_reply(fd, &in, 0, "protocol", "Bentuk permintaan salah: permintaan adalah [0, msgid, metode, params]");
	/* msgid as a string */
	const uint8_t s[] = { 0x94, 0x00, 0xa1, 'x', 0xa6, 's', 't', 'a', 't', 'u', 's', 0x90 };
	send_all(fd, s, sizeof(s));
	expect_reply(fd, &in, 0, "protocol", "Isian msgid permintaan harus bilangan bulat");
	/* params not an array */
	const uint8_t p[] = { 0x94, 0x00, 0x09, 0xa6, 's', 't', 'a', 't', 'u', 's', 0x01 };
	send_all(fd, p, sizeof(p));
	expect_reply(fd, &in, 9, "invalid", "Isian params permintaan harus berupa array");
	/* method not a string */
	const uint8_t q[] = { 0x94, 0x00, 0x0a, 0x07, 0x90 };
	send_all(fd, q, sizeof(q));
	expect_reply(fd, &in, 10, "protocol", "Nama metode dalam permintaan harus berupa teks");
	/* unknown method */
	pack_request(&req, 11, "does.not.exist");
	send_all(fd, req.ptr, req.len);
	expect_reply(fd, &in, 11, "no_method", "Metode ini tidak dikenal kinerjad");
	/* a notification gets no reply: the next reply is for request 12 */
	const uint8_t n[] = { 0x93, 0x02, 0xa6, 's', 't', 'a', 't', 'u', 's', 0x90 };
	send_all(fd, n, sizeof(n));
	kn_buf_clear(&req);
	pack_request(&req, 12, "status");
	send_all(fd, req.ptr, req.len);
	expect_response(fd, &in, 12, NULL);
	/* a method that needs arguments names the missing one */
	kn_buf_clear(&req);
	pack_request(&req, 13, "school.init");
	send_all(fd, req.ptr, req.len);
	expect_reply(fd, &in, 13, "invalid", "wajib diisi");
	close(fd);
	kn_buf_free(&req);
	kn_buf_free(&in);
}

static void
test_rpc__stalled_clients_do_not_block_others(void **state)
{
	kn_buf req = KN_BUF_INIT;
	(void)state;

	/* a client that sends half a request and waits forever */
	int half = connect_daemon();
	pack_request(&req, 1, "status");
	send_all(half, req.ptr, req.len / 2);
	/* a client that sends many requests and never reads the replies */
	int greedy = connect_daemon();
	kn_buf_clear(&req);
	for (uint32_t i = 0; i < 20000; i++)
		pack_request(&req, i, "status");
	struct pollfd p = { greedy, POLLOUT, 0 };
	size_t sent = 0;
	while (sent < req.len && poll(&p, 1, 200) == 1) {
		ssize_t w = send(greedy, req.ptr + sent, req.len - sent, MSG_DONTWAIT);
		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	/* others are still served, promptly and correctly */
	for (int i = 0; i < 20; i++)
		daemon_alive();
	/* many clients at once */
	int fds[50];
	for (int i = 0; i < 50; i++)
		fds[i] = connect_daemon();
	for (int i = 0; i < 50; i++) {
		kn_buf r = KN_BUF_INIT, in = KN_BUF_INIT;
		pack_request(&r, (uint32_t)i, "status");
		send_all(fds[i], r.ptr, r.len);
		expect_response(fds[i], &in, (uint32_t)i, NULL);
		close(fds[i]);
		kn_buf_free(&r);
		kn_buf_free(&in);
	}
	close(half);
	close(greedy);
	kn_buf_free(&req);
	daemon_alive();
}

static void
test_rpc__half_close_still_answered(void **state)
{
	kn_buf req = KN_BUF_INIT, in = KN_BUF_INIT;
	(void)state;

	/* like `nc -N`: send, shut the write side, read the answers */
	int fd = connect_daemon();
	pack_request(&req, 3, "status");
	pack_request(&req, 4, "school.init");
	send_all(fd, req.ptr, req.len);
	shutdown(fd, SHUT_WR);
	expect_response(fd, &in, 3, NULL);
	expect_response(fd, &in, 4, "invalid");
	expect_closed(fd, &in);
	close(fd);
	kn_buf_free(&req);
	kn_buf_free(&in);
}

static void
test_rpc__half_sent_request_times_out(void **state)
{
	kn_buf req = KN_BUF_INIT, in = KN_BUF_INIT;
	(void)state;

	int fd = connect_daemon();
	pack_request(&req, 1, "status");
	send_all(fd, req.ptr, req.len - 2);
	/* request_timeout_s = 1: the daemon hangs up instead of waiting forever */
	expect_closed(fd, &in);
	close(fd);
	kn_buf_free(&req);
	kn_buf_free(&in);
	daemon_alive();
}

static void
test_rpc__too_many_clients_told_busy(void **state)
{
	int fds[80];
	kn_buf in = KN_BUF_INIT;
	(void)state;

	for (int i = 0; i < 80; i++)
		fds[i] = connect_daemon();
	kntest_sleep_ms(100);
	int extra = connect_daemon();
	expect_response(extra, &in, 0, "busy");
	close(extra);
	for (int i = 0; i < 80; i++)
		close(fds[i]);
	kntest_sleep_ms(100);
	kn_buf_free(&in);
	daemon_alive();
}

/* The daemon's resident memory in KiB, from /proc. */
static long
rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	assert_true(kb > 0);
	return kb;
}

/* Has the daemon hung up on fd? Waits up to ms, without reading what it sent. */
static int
hung_up(int fd, int ms)
{
	for (int waited = 0; waited <= ms; waited += 50) {
		struct pollfd p = { fd, POLLRDHUP, 0 };
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return 1;
		kntest_sleep_ms(50);
	}
	return 0;
}

/* Lines of the daemon's log that contain needle. */
static int
log_count(const char *needle)
{
	char line[1024];
	int n = 0;
	FILE *fp = fopen(logpath, "r");

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		n += strstr(line, needle) != NULL;
	fclose(fp);
	return n;
}

/*
 * Clients that pipeline requests and never read a reply: each is paused
 * once max_output_kb of replies wait for it, then dropped after
 * output_stall_s with a log line; the daemon's memory stays bounded
 * meanwhile and after, and it serves others throughout.
 */
static void
test_rpc__unread_replies_dropped_memory_bounded(void **state)
{
	enum { NCLIENTS = 8, NREQ = 20000 };
	kn_buf req = KN_BUF_INIT;
	int fds[NCLIENTS];
	(void)state;

	for (uint32_t i = 0; i < NREQ; i++)
		pack_request(&req, i + 1, "status");
	int logged = log_count("bytes of replies unread");
	long before = rss_kb(daemon_pid);
	for (int k = 0; k < NCLIENTS; k++) {
		fds[k] = connect_daemon();
		struct pollfd p = { fds[k], POLLOUT, 0 };
		size_t sent = 0;
		while (sent < req.len && poll(&p, 1, 200) == 1) {
			ssize_t w = send(fds[k], req.ptr + sent, req.len - sent, MSG_DONTWAIT);
			if (w <= 0)
				break;
			sent += (size_t)w;
		}
	}
	kntest_sleep_ms(500);
	long during = rss_kb(daemon_pid);
	daemon_alive();
	for (int k = 0; k < NCLIENTS; k++)
		if (!hung_up(fds[k], (OUTPUT_STALL_S + 10) * 1000))
			fail_msg("a client that never reads was not dropped within %d s", OUTPUT_STALL_S + 10);
	long after = rss_kb(daemon_pid);
	print_message("daemon VmRSS: %ld KiB before, %ld with %d clients not reading, %ld after they were dropped\n", before,
	    during, NCLIENTS, after);
	/* generous: each such client may hold max_output_kb (256 KiB) and its buffered requests */
	assert_true(during - before < 64 * 1024);
	assert_true(after - before < 64 * 1024);
	assert_int_equal(log_count("bytes of replies unread") - logged, NCLIENTS);
	for (int k = 0; k < NCLIENTS; k++)
		close(fds[k]);
	kn_buf_free(&req);
	daemon_alive();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpc__status_round_trip),
		cmocka_unit_test(test_rpc__split_at_every_byte),
		cmocka_unit_test(test_rpc__pipelined_requests_answered_in_order),
		cmocka_unit_test(test_rpc__oversized_frame_refused),
		cmocka_unit_test(test_rpc__malformed_msgpack_refused),
		cmocka_unit_test(test_rpc__wellformed_nonrequests_keep_connection),
		cmocka_unit_test(test_rpc__stalled_clients_do_not_block_others),
		cmocka_unit_test(test_rpc__half_close_still_answered),
		cmocka_unit_test(test_rpc__half_sent_request_times_out),
		cmocka_unit_test(test_rpc__too_many_clients_told_busy),
		cmocka_unit_test(test_rpc__unread_replies_dropped_memory_bounded),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
