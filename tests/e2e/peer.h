/*
 * peer.h - for the test tools that play a sync peer by hand (pushtool,
 * evtool): one side of a sync channel over a socket, blocking, with none
 * of the daemon's timeouts or checks, so a tool can send what a real
 * daemon never would.
 */
#ifndef KN_TEST_PEER_H
#define KN_TEST_PEER_H

#include <stdint.h>

#include "../../sync/channel.h"
#include "../../sync/proto.h"
#include "../../util/kn.h"

typedef struct {
	int fd;
	sync_channel *ch;
	kn_buf msg;  /* the last message's bytes (a decoded sync_msg points into them) */
} tpeer;

#define TPEER_INIT { -1, NULL, KN_BUF_INIT }

/* A daemon's device key file (its 32-byte seed) into an Ed25519 key pair; -1 when unreadable. */
int tpeer_seed(uint8_t pk[32], uint8_t sk[64], const char *path);
/* Write everything the channel has to send; -1 when the socket refuses. */
int tpeer_flush(tpeer *p);
/* Encode, send and flush m; -1 on failure. */
int tpeer_send(tpeer *p, const sync_msg *m);
/* The next message, decoded into m (free it with sync_msg_free); -1 when closed, cut or not a message. */
int tpeer_recv(tpeer *p, sync_msg *m);
/*
 * Connect to HOST:PORT and run the handshake as a school with the key pair
 * sk toward the hub's Ed25519 key (hex). 0; 2 for an argument that is not
 * one; 1 when the connection or the handshake fails.
 */
int tpeer_dial(tpeer *p, const char *addr, const char *hub_key_hex, const uint8_t sk[64]);
/* Say hello as school npsn with device key pk, software sw and caps; the hub's answer in r. */
int tpeer_hello(tpeer *p, sync_msg *r, const char *npsn, const uint8_t pk[32], const char *sw, uint32_t caps);
/* Take an accepted socket as the hub's side of a channel with key pair sk; -1 on failure. */
int tpeer_accept(tpeer *p, int fd, const uint8_t sk[64]);
/* End: with clean, the channel's close first (a peer that just drops it passes 0); frees everything. */
void tpeer_close(tpeer *p, int clean);

#endif
