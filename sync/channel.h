/*
 * channel.h - the sync channel between two daemons: a Noise handshake
 * (sync/noise.h) and length-prefixed, bounded, authenticated frames, over
 * any reliable byte stream (TCP today; anything that delivers bytes in
 * order tomorrow).
 *
 * The channel owns no socket and no clock. The caller moves bytes:
 *
 *     read(fd) -> sync_channel_feed()    bytes received from the peer
 *     sync_channel_recv()                -> whole messages, in order
 *     sync_channel_send(msg)             a message to send
 *     sync_channel_pending()  -> write(fd) -> sync_channel_sent(n)
 *
 * and keeps its own timeouts. After feeding, call sync_channel_recv()
 * until it returns 0, and send what is pending: the handshake answers
 * through the pending bytes too.
 *
 * Handshake: Noise_XX_25519_ChaChaPoly_BLAKE2b, or
 * Noise_IK_25519_ChaChaPoly_BLAKE2b when the initiator knows the
 * responder's static key; the prologue is "kinerja-sync/1" for both. Each
 * side learns the other's static public key and gives it to the caller
 * (sync_channel_peer_key, or a check function called as soon as it is
 * known), who compares it with the key the peer was enrolled with. See
 * docs/design.md, "Channel", for the bytes on the wire.
 *
 * Errors are final: the first error closes the channel (its keys are
 * wiped), and every later call returns the same code and sets the same
 * last-error message, also given by sync_channel_error(). The codes:
 * KN_EBADSIG (a frame or handshake message does not authenticate: a bit
 * flipped, bytes cut, frames reordered or replayed, the wrong key),
 * KN_ETOOBIG (a frame or message over its limit, refused from its length
 * alone, before any room is made for it), KN_EPROTO (anything else the
 * peer got wrong: an unknown handshake or frame type, a message before the
 * handshake was confirmed, bytes after its close, the stream ending
 * without a close), KN_EDENIED or whatever the peer check returned,
 * KN_ENOMEM. Calls made out of order (sending before the channel is
 * ready) return KN_ESTATE and change nothing; so do KN_EBUSY from
 * sync_channel_feed and KN_ETOOBIG from sync_channel_send.
 */
#ifndef KN_SYNC_CHANNEL_H
#define KN_SYNC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"
#include "noise.h"

#define SYNC_CHANNEL_PROLOGUE "kinerja-sync/1"
#define SYNC_CHANNEL_KEY_BYTES NOISE_DH_BYTES    /* an X25519 key */
#define SYNC_CHANNEL_ED25519_PK_BYTES 32
#define SYNC_CHANNEL_ED25519_SK_BYTES 64         /* libsodium's seed || public key */
#define SYNC_CHANNEL_HANDSHAKE_MAX 256           /* a handshake frame's body (the messages carry no payload) */
#define SYNC_CHANNEL_MESSAGE_DEFAULT (1024 * 1024)
#define SYNC_CHANNEL_MESSAGE_MAX (64 * 1024 * 1024)
#define SYNC_CHANNEL_FEED_MAX (64 * 1024)         /* feed at most this much between draining recv() */
#define SYNC_CHANNEL_INPUT_MAX (256 * 1024)      /* unprocessed input held at most */

typedef struct sync_channel sync_channel;

/*
 * Decide on the peer's static public key (X25519) as soon as the
 * handshake reveals it: 0 accepts; a negative KN_E* code (KN_EDENIED for a
 * key not enrolled) refuses, and the channel fails with that code and the
 * last-error message the function set. The XX initiator learns the key
 * from the second message, before it sends its own identity; the
 * responder from the initiator's last (XX) or first (IK) message. Not
 * called for the key an IK initiator was given.
 */
typedef int (*sync_channel_peer_check_fn)(void *arg, const uint8_t peer[SYNC_CHANNEL_KEY_BYTES]);

typedef struct {
	int initiator;              /* 1: this side opened the connection */
	const uint8_t *static_key;  /* this side's X25519 private key (copied into secure memory) */
	const uint8_t *peer_key;    /* initiator only: the responder's X25519 public key, for IK; NULL for XX */
	size_t max_message;         /* largest message sent or accepted; 0: SYNC_CHANNEL_MESSAGE_DEFAULT */
	sync_channel_peer_check_fn peer_check; /* optional */
	void *peer_check_arg;
} sync_channel_config;

/*
 * A new channel. The initiator's first handshake frame is pending at once.
 * KN_EINVAL for a missing static key, a responder given a peer key, or
 * max_message over SYNC_CHANNEL_MESSAGE_MAX. Free with sync_channel_free().
 */
int sync_channel_new(sync_channel **out, const sync_channel_config *cfg);
/* Wipe every key and buffer and free; NULL-safe. */
void sync_channel_free(sync_channel *ch);

/*
 * Bytes received from the peer: process every whole frame they complete,
 * up to the next whole message (the rest waits for sync_channel_recv).
 * Handshake frames are answered in the pending bytes. KN_EBUSY (nothing
 * taken, not an error of the channel) when more than
 * SYNC_CHANNEL_INPUT_MAX bytes would wait unprocessed: feed at most
 * SYNC_CHANNEL_FEED_MAX at a time and drain sync_channel_recv between,
 * and it cannot happen. Other errors are final (see above).
 */
int sync_channel_feed(sync_channel *ch, const uint8_t *data, size_t len) __attribute__((warn_unused_result));

/*
 * The next whole message from the peer, appended to out (when out is
 * empty its buffer is swapped in, without a copy). Returns 1 when a
 * message was given, 0 when none is complete yet, or a final error.
 */
int sync_channel_recv(kn_buf *out, sync_channel *ch) __attribute__((warn_unused_result));

/*
 * Send a message of len bytes (0 allowed), once the channel is ready:
 * its frames are appended to the pending bytes. KN_ESTATE before
 * sync_channel_ready() or after sync_channel_close(); KN_ETOOBIG over
 * max_message.
 */
int sync_channel_send(sync_channel *ch, const uint8_t *msg, size_t len);

/*
 * Send the authenticated close: the peer knows the stream ended here and
 * was not cut. Nothing may be sent after it. 0 when sent (or sent
 * before); KN_ESTATE before the channel is ready.
 */
int sync_channel_close(sync_channel *ch);

/*
 * The peer's byte stream ended (read returned 0). 0 when the peer closed
 * the channel properly and nothing was left half-received; otherwise the
 * channel fails with KN_EPROTO saying where the stream was cut.
 */
int sync_channel_eof(sync_channel *ch) __attribute__((warn_unused_result));

/*
 * The bytes waiting to be sent: *out points at them (borrowed until the
 * next call that changes the channel) and their count is returned.
 * sync_channel_sent(ch, n) drops the first n once written.
 */
size_t sync_channel_pending(const uint8_t **out, const sync_channel *ch);
void sync_channel_sent(sync_channel *ch, size_t n);

/*
 * 1 when messages may be sent: the initiator once its handshake is done,
 * the responder once the initiator's first transport frame proved it holds
 * this session's keys (so a replayed handshake never makes a responder
 * ready).
 */
int sync_channel_ready(const sync_channel *ch);
/* 1 once the peer's authenticated close arrived. */
int sync_channel_peer_closed(const sync_channel *ch);
/* 1 when received bytes wait in the channel (a message ready, or part of one). */
int sync_channel_has_input(const sync_channel *ch);

/* The peer's static public key (X25519); KN_ENOTFOUND before the handshake reveals it. */
int sync_channel_peer_key(uint8_t out[SYNC_CHANNEL_KEY_BYTES], const sync_channel *ch);
/* The Noise handshake hash (identifies the session); KN_ESTATE before the handshake is done. */
int sync_channel_handshake_hash(uint8_t out[NOISE_HASH_BYTES], const sync_channel *ch);
/* The pattern in use (NOISE_XX or NOISE_IK); KN_ENOTFOUND while a responder has not seen the first frame. */
int sync_channel_pattern(noise_pattern *out, const sync_channel *ch);

/* 0 while the channel works, else its final error code; the message is given by sync_channel_error_message(). */
int sync_channel_error(const sync_channel *ch);
/* The message of the final error ("" while there is none); borrowed from ch. */
const char *sync_channel_error_message(const sync_channel *ch);

/*
 * The Noise static key of a daemon, from its Ed25519 device key
 * (store/keys.h: libsodium's 64-byte secret key): the X25519 private key
 * (crypto_sign_ed25519_sk_to_curve25519). out should be secure memory
 * (sodium_malloc); wipe it after use.
 */
int sync_channel_key_from_ed25519(uint8_t out[SYNC_CHANNEL_KEY_BYTES],
    const uint8_t ed25519_sk[SYNC_CHANNEL_ED25519_SK_BYTES]);

/*
 * The Noise static public key a peer's enrolled Ed25519 device key stands
 * for (crypto_sign_ed25519_pk_to_curve25519): compare it with
 * sync_channel_peer_key(). KN_EINVAL when the bytes are not a usable
 * Ed25519 public key.
 */
int sync_channel_peer_from_ed25519(uint8_t out[SYNC_CHANNEL_KEY_BYTES],
    const uint8_t ed25519_pk[SYNC_CHANNEL_ED25519_PK_BYTES]);

#endif
