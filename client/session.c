/*
 * session.c - the session-token file of the kinerja CLI. After a login the
 * token is kept in one line "<token> <socket>" of a file of mode 0600
 * ($KINERJA_SESSION, or ~/.kinerja-session), so later commands need no
 * passphrase. The socket is the daemon's absolute path: a token is only
 * ever sent back to the daemon that issued it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Where the session token is kept between commands. */
void
client_session_path(char *out, size_t outsz)
{
	const char *env = getenv("KINERJA_SESSION");
	const char *home = getenv("HOME");

	if (env && *env)
		snprintf(out, outsz, "%s", env);
	else
		snprintf(out, outsz, "%s/.kinerja-session", home && *home ? home : ".");
}

/* The socket as an absolute path, so a token is never sent to another daemon. */
static void
client_session__socket_abs(char *out, size_t n, const char *socket)
{
	char buf[PATH_MAX];

	if (realpath(socket, buf))
		snprintf(out, n, "%s", buf);
	else
		snprintf(out, n, "%s", socket);
}

/*
 * The saved token, when it was saved for this socket; "" otherwise. The
 * file is opened without following a link; the line is wiped after use.
 */
void
client_session_load(char *out, size_t outsz, const char *socket)
{
	char path[512], line[PATH_MAX + 100], sock[PATH_MAX];
	FILE *fp;
	int fd;

	out[0] = '\0';
	client_session_path(path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		close(fd);
		return;
	}
	client_session__socket_abs(sock, sizeof(sock), socket);
	if (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		char *sp = strchr(line, ' ');
		if (sp && strcmp(sp + 1, sock) == 0 && (size_t)(sp - line) < outsz) {
			memcpy(out, line, (size_t)(sp - line));
			out[sp - line] = '\0';
		}
	}
	explicit_bzero(line, sizeof(line));
	fclose(fp);
}

/* The saved token for socket, or KN_EAUTH telling the person to log in first. */
int
client_session_need(char *out, size_t outsz, const char *socket)
{
	client_session_load(out, outsz, socket);
	if (!out[0])
		return domain_msg_error(KN_EAUTH, "token", "SESI_BELUM_MASUK", NULL);
	return 0;
}

/*
 * Save the token for socket: the old file is removed and a new one
 * created exclusively with mode 0600, never written through a file or
 * link someone else placed there.
 */
int
client_session_save(const char *token, const char *socket)
{
	char path[512], sock[PATH_MAX];
	int fd, bad;

	client_session_path(path, sizeof(path));
	client_session__socket_abs(sock, sizeof(sock), socket);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return domain_msg_error(KN_ERROR, "session", "CLI_SESI_TIDAK_TERSIMPAN", "berkas", path, "sebab", strerror(errno),
		    NULL);
	bad = dprintf(fd, "%s %s\n", token, sock) < 0;
	bad |= close(fd) != 0;
	if (bad) {
		unlink(path);
		return domain_msg_error(KN_ERROR, "session", "CLI_SESI_TIDAK_TERSIMPAN", "berkas", path, "sebab", strerror(errno),
		    NULL);
	}
	return 0;
}

/* Forget the saved token (logout, or a session the daemon no longer knows). */
void
client_session_forget(void)
{
	char path[512];

	client_session_path(path, sizeof(path));
	unlink(path);
}
