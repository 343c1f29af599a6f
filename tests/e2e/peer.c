/* peer.c - see peer.h. */
#include "peer.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

int
tpeer_seed(uint8_t pk[32], uint8_t sk[64], const char *path)
{
	uint8_t seed[32];
	FILE *f = fopen(path, "rb");
	size_t got;

	if (f == NULL)
		return -1;
	got = fread(seed, 1, sizeof(seed), f);
	fclose(f);
	if (got != sizeof(seed))
		return -1;
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof(seed));
	return 0;
}

int
tpeer_flush(tpeer *p)
{
	const uint8_t *d;
	size_t n;

	while ((n = sync_channel_pending(&d, p->ch)) > 0) {
		ssize_t w = write(p->fd, d, n);
		if (w <= 0)
			return -1;
		sync_channel_sent(p->ch, (size_t)w);
	}
	return 0;
}

int
tpeer_send(tpeer *p, const sync_msg *m)
{
	kn_buf b = KN_BUF_INIT;
	int rc = sync_msg_encode(&b, m) || sync_channel_send(p->ch, b.ptr, b.len) || tpeer_flush(p);

	kn_buf_free(&b);
	return rc ? -1 : 0;
}

int
tpeer_recv(tpeer *p, sync_msg *m)
{
	uint8_t buf[SYNC_CHANNEL_FEED_MAX];

	memset(m, 0, sizeof(*m));
	kn_buf_clear(&p->msg);
	for (;;) {
		int rc = sync_channel_recv(&p->msg, p->ch);
		if (rc == 1)
			return sync_msg_decode(m, p->msg.ptr, p->msg.len) == 0 ? 0 : -1;
		if (rc < 0 || sync_channel_peer_closed(p->ch) || tpeer_flush(p))
			return -1;
		ssize_t n = read(p->fd, buf, sizeof(buf));
		if (n <= 0 || sync_channel_feed(p->ch, buf, (size_t)n) != 0)
			return -1;
	}
}

int
tpeer_dial(tpeer *p, const char *addr, const char *hub_key_hex, const uint8_t sk[64])
{
	uint8_t hub_ed[32], hub_x[32], x[32];
	char host[256], *colon;
	struct addrinfo hints = { 0 }, *ai;

	if (kn_unhex(hub_ed, 32, hub_key_hex, strlen(hub_key_hex)) || sync_channel_peer_from_ed25519(hub_x, hub_ed))
		return 2;
	snprintf(host, sizeof(host), "%s", addr);
	if ((colon = strrchr(host, ':')) == NULL)
		return 2;
	*colon = '\0';
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return 2;
	p->fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (p->fd < 0 || connect(p->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		freeaddrinfo(ai);
		return 1;
	}
	freeaddrinfo(ai);
	sync_channel_key_from_ed25519(x, sk);
	sync_channel_config cfg = { 1, x, hub_x, SYNC_PROTO_MESSAGE_MAX, NULL, NULL };
	int rc = sync_channel_new(&p->ch, &cfg);

	sodium_memzero(x, sizeof(x)); /* the channel holds its own copy */
	if (rc != 0)
		return 1;
	/* the handshake: our first message, the hub's answer */
	while (!sync_channel_ready(p->ch)) {
		uint8_t buf[4096];
		ssize_t k;
		if (tpeer_flush(p) || (k = read(p->fd, buf, sizeof(buf))) <= 0 ||
		    sync_channel_feed(p->ch, buf, (size_t)k) != 0)
			return 1;
	}
	return 0;
}

int
tpeer_hello(tpeer *p, sync_msg *r, const char *npsn, const uint8_t pk[32], const char *sw, uint32_t caps)
{
	sync_msg m;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_HELLO;
	snprintf(m.npsn, sizeof(m.npsn), "%s", npsn);
	memcpy(m.device, pk, 32);
	snprintf(m.sw, sizeof(m.sw), "%s", sw);
	m.now_ms = kn_now_ms();
	m.caps = caps;
	return tpeer_send(p, &m) || tpeer_recv(p, r) ? -1 : 0;
}

int
tpeer_accept(tpeer *p, int fd, const uint8_t sk[64])
{
	uint8_t x[32];

	p->fd = fd;
	sync_channel_key_from_ed25519(x, sk);
	sync_channel_config cfg = { 0, x, NULL, SYNC_PROTO_MESSAGE_MAX, NULL, NULL };
	int rc = sync_channel_new(&p->ch, &cfg);

	sodium_memzero(x, sizeof(x)); /* the channel holds its own copy */
	return rc == 0 ? 0 : -1;
}

void
tpeer_close(tpeer *p, int clean)
{
	if (clean && p->ch && sync_channel_ready(p->ch)) {
		sync_channel_close(p->ch);
		(void)tpeer_flush(p);
	}
	sync_channel_free(p->ch);
	p->ch = NULL;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	kn_buf_free(&p->msg);
}
