/*
 * channel.c - frames and the handshake of the sync channel on top of
 * sync/noise.c. The wire format (docs/design.md, "Channel"):
 *
 *   frame      = length (u16, big-endian) || body[length]
 *   handshake  : the initiator's first body is a pattern byte ('X' for XX,
 *                'I' for IK) || Noise message 1; the other handshake
 *                bodies are Noise messages; every payload is empty and a
 *                body holds at most SYNC_CHANNEL_HANDSHAKE_MAX bytes.
 *   transport  : every body is one Noise transport message (the plaintext
 *                and its 16-byte tag). A message of the channel is the
 *                plaintext type (u8) || length (u32, big-endian) || bytes,
 *                cut into frames of at most 65519 bytes of plaintext, all
 *                full but the last.
 *   types      : DATA (a message), CLOSE (the end of the stream), CONFIRM
 *                (the initiator's first frame, which makes the responder
 *                ready); CLOSE and CONFIRM carry no bytes.
 */
#include "channel.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CH_LEN_BYTES 2
#define CH_HDR_BYTES 5 /* type + length of a message, in its first frame's plaintext */
#define CH_PLAIN_MAX (NOISE_MESSAGE_MAX - NOISE_TAG_BYTES)
#define CH_PATTERN_XX 'X'
#define CH_PATTERN_IK 'I'

enum { CH_DATA = 1, CH_CLOSE = 2, CH_CONFIRM = 3 };

struct sync_channel {
	int initiator;
	size_t max_message;
	size_t frame_max; /* largest transport frame body this side accepts */
	sync_channel_peer_check_fn peer_check;
	void *peer_check_arg;

	uint8_t *static_key; /* sodium_malloc'd: a responder's key until the first frame names the pattern */
	noise_handshake *hs;
	noise_transport *t;
	noise_pattern pattern;
	int pattern_known;
	int handshake_done;
	uint8_t hash[NOISE_HASH_BYTES];
	uint8_t peer[SYNC_CHANNEL_KEY_BYTES];
	int has_peer;
	int hs_frames_out; /* handshake frames written */
	int ready, local_closed, peer_closed;

	kn_buf in; /* received bytes; in.ptr[in_off..in.len) not processed yet */
	size_t in_off;
	kn_buf msg; /* the message being received, or ready (msg_ready) */
	size_t msg_need; /* bytes of it still to come, while in_msg */
	int in_msg, msg_ready;
	kn_buf plain;   /* the plaintext of one frame */
	kn_buf payload; /* a handshake message's payload (always empty) */
	kn_buf out;     /* bytes to send: out.ptr[out_off..out.len) */
	size_t out_off;
	unsigned long long frames_in, frames_out;

	int err;
	char errmsg[512];
};

/* ---- errors ---- */

/*
 * End the channel with code and a message (printf-style): wipe its keys
 * and buffers, drop the pending bytes, keep the error for every later
 * call. Returns code.
 */
static int __attribute__((format(printf, 3, 4)))
channel__fail(sync_channel *ch, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ch->errmsg, sizeof(ch->errmsg), fmt, ap);
	va_end(ap);
	ch->err = code;
	noise_handshake_free(ch->hs);
	ch->hs = NULL;
	noise_transport_free(ch->t);
	ch->t = NULL;
	if (ch->static_key) {
		sodium_free(ch->static_key);
		ch->static_key = NULL;
	}
	kn_buf_free(&ch->msg);
	kn_buf_free(&ch->plain);
	kn_buf_free(&ch->payload);
	ch->in_msg = ch->msg_ready = 0;
	ch->ready = 0;
	ch->out.len = ch->out_off = 0;
	return kn_error_set(code, "", "%s", ch->errmsg);
}

/* The final error again, for a call on a failed channel. */
static int
channel__failed(const sync_channel *ch)
{
	return kn_error_set(ch->err, "", "%s", ch->errmsg);
}

int
sync_channel_error(const sync_channel *ch)
{
	return ch->err;
}

const char *
sync_channel_error_message(const sync_channel *ch)
{
	return ch->errmsg;
}

/* ---- output ---- */

static void
channel__put_be16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Append one transport frame carrying pt[0..n) (n <= CH_PLAIN_MAX). The
 * caller made room for it, so only a spent nonce could fail.
 */
static int
channel__put_frame(sync_channel *ch, const uint8_t *pt, size_t n)
{
	size_t at = ch->out.len;
	int rc;

	rc = kn_buf_grow(&ch->out, CH_LEN_BYTES);
	if (rc)
		return rc;
	channel__put_be16(ch->out.ptr + at, n + NOISE_TAG_BYTES);
	ch->out.len += CH_LEN_BYTES;
	rc = noise_transport_encrypt(&ch->out, ch->t, pt, n);
	if (rc) {
		ch->out.len = at;
		return rc;
	}
	ch->frames_out++;
	return 0;
}

/*
 * Append the frames of one message of type with len bytes. Room for all
 * of them is made first, so a lack of memory changes nothing (and is not
 * final); once encrypting has begun, a failure is final, since the
 * nonces have moved.
 */
static int
channel__send_message(sync_channel *ch, int type, const uint8_t *msg, size_t len)
{
	size_t first = len < CH_PLAIN_MAX - CH_HDR_BYTES ? len : CH_PLAIN_MAX - CH_HDR_BYTES;
	size_t rest = len - first;
	size_t frames = 1 + (rest + CH_PLAIN_MAX - 1) / CH_PLAIN_MAX;
	size_t off;
	uint8_t hdr[CH_HDR_BYTES];
	int rc;

	rc = kn_buf_grow(&ch->out, frames * (CH_LEN_BYTES + NOISE_TAG_BYTES) + CH_HDR_BYTES + len);
	if (rc == 0) {
		kn_buf_clear(&ch->plain);
		rc = kn_buf_grow(&ch->plain, CH_HDR_BYTES + first);
	}
	if (rc)
		return rc;

	hdr[0] = (uint8_t)type;
	hdr[1] = (uint8_t)(len >> 24);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 8);
	hdr[4] = (uint8_t)len;
	kn_buf_put(&ch->plain, hdr, sizeof(hdr));
	kn_buf_put(&ch->plain, msg, first);
	rc = channel__put_frame(ch, ch->plain.ptr, ch->plain.len);
	sodium_memzero(ch->plain.ptr, ch->plain.len);
	kn_buf_clear(&ch->plain);
	for (off = first; rc == 0 && off < len; off += CH_PLAIN_MAX) {
		size_t n = len - off < CH_PLAIN_MAX ? len - off : CH_PLAIN_MAX;
		rc = channel__put_frame(ch, msg + off, n);
	}
	if (rc)
		return channel__fail(ch, rc, "sync channel: cannot encrypt frame %llu: %s; channel closed",
		    ch->frames_out + 1, kn_error_message());
	return 0;
}


/*
 * Append this side's next handshake frame: its Noise message with an
 * empty payload, after the pattern byte in the initiator's first.
 */
static int
channel__hs_write(sync_channel *ch)
{
	size_t start = ch->out.len;
	int first = ch->initiator && ch->hs_frames_out == 0;
	uint8_t hdr[CH_LEN_BYTES + 1] = { 0, 0, ch->pattern == NOISE_IK ? CH_PATTERN_IK : CH_PATTERN_XX };
	int rc;

	rc = kn_buf_put(&ch->out, hdr, CH_LEN_BYTES + (first ? 1 : 0));
	if (rc == 0)
		rc = noise_handshake_write(&ch->out, ch->hs, NULL, 0);
	if (rc) {
		ch->out.len = start;
		return channel__fail(ch, rc, "sync channel: cannot write handshake message %d: %s; channel closed",
		    ch->hs_frames_out + 1, kn_error_message());
	}
	channel__put_be16(ch->out.ptr + start, ch->out.len - start - CH_LEN_BYTES);
	ch->hs_frames_out++;
	return 0;
}

/* ---- the handshake ---- */

/* Start the Noise handshake of pattern p with this side's static key (and the peer's for an IK initiator). */
static int
channel__hs_start(sync_channel *ch, noise_pattern p, const uint8_t *static_key, const uint8_t *peer_key)
{
	noise_params params;
	int rc;

	memset(&params, 0, sizeof(params));
	params.pattern = p;
	params.initiator = ch->initiator;
	params.prologue = (const uint8_t *)SYNC_CHANNEL_PROLOGUE;
	params.prologue_len = strlen(SYNC_CHANNEL_PROLOGUE);
	params.static_key = static_key;
	params.remote_static = peer_key;
	rc = noise_handshake_new(&ch->hs, &params);
	if (rc)
		return channel__fail(ch, rc, "sync channel: cannot start the handshake: %s", kn_error_message());
	ch->pattern = p;
	ch->pattern_known = 1;
	if (peer_key) {
		memcpy(ch->peer, peer_key, SYNC_CHANNEL_KEY_BYTES);
		ch->has_peer = 1;
	}
	return 0;
}

/*
 * After a handshake message: let the caller check a peer key just
 * learned, then write this side's next message, or finish: split into
 * the transport, and (initiator) send CONFIRM and become ready.
 */
static int
channel__hs_advance(sync_channel *ch)
{
	int rc;

	if (!ch->has_peer && noise_handshake_remote_static(ch->peer, ch->hs) != 0) {
		kn_error_clear(); /* not known yet: a question, not a failure */
	} else if (!ch->has_peer) {
		ch->has_peer = 1;
		if (ch->peer_check) {
			kn_error_clear();
			rc = ch->peer_check(ch->peer_check_arg, ch->peer);
			if (rc)
				return channel__fail(ch, rc, "sync channel: the peer's key was refused: %s",
				    kn_error_last_code() == rc && kn_error_message()[0] ? kn_error_message() : "by the peer check");
		}
	}
	switch (noise_handshake_action(ch->hs)) {
	case NOISE_ACTION_WRITE:
		rc = channel__hs_write(ch);
		if (rc)
			return rc;
		return channel__hs_advance(ch);
	case NOISE_ACTION_READ:
		return 0;
	case NOISE_ACTION_SPLIT:
		break;
	default:
		return channel__fail(ch, KN_ERROR, "sync channel: the handshake failed");
	}

	noise_handshake_hash(ch->hash, ch->hs);
	rc = noise_handshake_split(&ch->t, ch->hs);
	if (rc)
		return channel__fail(ch, rc, "sync channel: %s", kn_error_message());
	noise_handshake_free(ch->hs);
	ch->hs = NULL;
	ch->handshake_done = 1;
	if (ch->initiator) {
		rc = channel__send_message(ch, CH_CONFIRM, NULL, 0);
		if (rc && ch->err == 0)
			return channel__fail(ch, rc, "sync channel: cannot confirm the session: %s", kn_error_message());
		if (rc)
			return rc;
		ch->ready = 1;
	}
	return 0;
}

/* A handshake frame from the peer (body, len). */
static int
channel__hs_frame(sync_channel *ch, const uint8_t *body, size_t len)
{
	int rc;

	if (ch->hs == NULL) {
		/* the responder's first frame names the pattern */
		noise_pattern p;

		if (body[0] == CH_PATTERN_XX)
			p = NOISE_XX;
		else if (body[0] == CH_PATTERN_IK)
			p = NOISE_IK;
		else
			return channel__fail(ch, KN_EPROTO, "sync channel: the peer's first frame is not a %s handshake "
			    "(pattern byte 0x%02x)", SYNC_CHANNEL_PROLOGUE, body[0]);
		rc = channel__hs_start(ch, p, ch->static_key, NULL);
		sodium_free(ch->static_key);
		ch->static_key = NULL;
		if (rc)
			return rc;
		body++;
		len--;
	}
	kn_buf_clear(&ch->payload);
	rc = noise_handshake_read(&ch->payload, ch->hs, body, len);
	if (rc)
		return channel__fail(ch, rc, "sync channel: the peer's handshake message refused: %s; channel closed",
		    kn_error_message());
	if (ch->payload.len)
		return channel__fail(ch, KN_EPROTO, "sync channel: a handshake message carries %zu bytes of payload; "
		    "%s carries none", ch->payload.len, SYNC_CHANNEL_PROLOGUE);
	return channel__hs_advance(ch);
}

/* ---- transport frames ---- */

/* A frame continuing the message being received: decrypted straight into it. */
static int
channel__msg_frame(sync_channel *ch, const uint8_t *ct, size_t len)
{
	size_t n = len - NOISE_TAG_BYTES;
	size_t want = ch->msg_need < CH_PLAIN_MAX ? ch->msg_need : CH_PLAIN_MAX;
	int rc;

	if (n != want)
		return channel__fail(ch, KN_EPROTO, "sync channel: frame %llu carries %zu bytes where the message "
		    "has %zu more in this frame; channel closed", ch->frames_in + 1, n, want);
	rc = noise_transport_decrypt(&ch->msg, ch->t, ct, len);
	if (rc)
		return channel__fail(ch, rc, "sync channel: frame %llu from the peer refused: %s; channel closed",
		    ch->frames_in + 1, kn_error_message());
	ch->frames_in++;
	ch->msg_need -= n;
	if (ch->msg_need == 0) {
		ch->in_msg = 0;
		ch->msg_ready = 1;
	}
	return 0;
}

/* A transport frame from the peer (ct, len: a Noise transport message). */
static int
channel__transport_frame(sync_channel *ch, const uint8_t *ct, size_t len)
{
	const uint8_t *p;
	size_t n, chunk;
	uint32_t total;
	int rc;

	if (ch->peer_closed)
		return channel__fail(ch, KN_EPROTO, "sync channel: the peer sent a frame after its close; channel closed");
	if (ch->in_msg)
		return channel__msg_frame(ch, ct, len);

	kn_buf_clear(&ch->plain);
	rc = noise_transport_decrypt(&ch->plain, ch->t, ct, len);
	if (rc)
		return channel__fail(ch, rc, "sync channel: frame %llu from the peer refused: %s; channel closed",
		    ch->frames_in + 1, kn_error_message());
	ch->frames_in++;
	p = ch->plain.ptr;
	n = ch->plain.len;
	if (n < CH_HDR_BYTES)
		return channel__fail(ch, KN_EPROTO, "sync channel: frame %llu is too short for a message header; "
		    "channel closed", ch->frames_in);
	total = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
	chunk = n - CH_HDR_BYTES;

	switch (p[0]) {
	case CH_CONFIRM:
		if (ch->initiator || ch->ready || total != 0 || chunk != 0)
			return channel__fail(ch, KN_EPROTO, "sync channel: an unexpected confirmation (frame %llu); "
			    "channel closed", ch->frames_in);
		ch->ready = 1;
		return 0;
	case CH_CLOSE:
		if (!ch->ready || total != 0 || chunk != 0)
			return channel__fail(ch, KN_EPROTO, "sync channel: an unexpected close (frame %llu); "
			    "channel closed", ch->frames_in);
		ch->peer_closed = 1;
		return 0;
	case CH_DATA:
		break;
	default:
		return channel__fail(ch, KN_EPROTO, "sync channel: frame %llu is of unknown type %u; channel closed",
		    ch->frames_in, p[0]);
	}

	if (!ch->ready)
		return channel__fail(ch, KN_EPROTO, "sync channel: a message came before the initiator confirmed "
		    "the session; channel closed");
	if (total > ch->max_message)
		return channel__fail(ch, KN_ETOOBIG, "sync channel: the peer announced a message of %lu bytes; the "
		    "limit is %zu; channel closed", (unsigned long)total, ch->max_message);
	if (chunk > total || (chunk < total && chunk != CH_PLAIN_MAX - CH_HDR_BYTES))
		return channel__fail(ch, KN_EPROTO, "sync channel: frame %llu carries %zu bytes of a message of %lu; "
		    "channel closed", ch->frames_in, chunk, (unsigned long)total);

	kn_buf_clear(&ch->msg);
	rc = kn_buf_grow(&ch->msg, (size_t)total + 1);
	if (rc)
		return channel__fail(ch, rc, "sync channel: no memory for a message of %lu bytes; channel closed",
		    (unsigned long)total);
	kn_buf_put(&ch->msg, p + CH_HDR_BYTES, chunk);
	sodium_memzero(ch->plain.ptr, ch->plain.len);
	kn_buf_clear(&ch->plain);
	ch->msg_need = total - chunk;
	if (ch->msg_need)
		ch->in_msg = 1;
	else
		ch->msg_ready = 1;
	return 0;
}

/*
 * Process whole frames from the input until a message is ready or the
 * input ends inside a frame. A frame's length is checked against its
 * limit as soon as its two length bytes are in: an oversized frame is
 * refused before anything waits for the rest of it.
 */
static int
channel__pump(sync_channel *ch)
{
	int rc;

	while (!ch->msg_ready && ch->in.len - ch->in_off >= CH_LEN_BYTES) {
		const uint8_t *p = ch->in.ptr + ch->in_off;
		size_t avail = ch->in.len - ch->in_off;
		size_t flen = (size_t)p[0] << 8 | p[1];
		size_t limit = ch->handshake_done ? ch->frame_max : SYNC_CHANNEL_HANDSHAKE_MAX;
		size_t least = ch->handshake_done ? NOISE_TAG_BYTES + 1 : 1;

		if (flen > limit)
			return channel__fail(ch, KN_ETOOBIG, "sync channel: the peer announced a %s frame of %zu bytes; "
			    "the limit is %zu; channel closed", ch->handshake_done ? "transport" : "handshake", flen, limit);
		if (flen < least)
			return channel__fail(ch, KN_EPROTO, "sync channel: the peer sent a %s frame of %zu bytes, too "
			    "short; channel closed", ch->handshake_done ? "transport" : "handshake", flen);
		if (avail < CH_LEN_BYTES + flen)
			break;
		ch->in_off += CH_LEN_BYTES + flen;
		if (ch->handshake_done)
			rc = channel__transport_frame(ch, p + CH_LEN_BYTES, flen);
		else
			rc = channel__hs_frame(ch, p + CH_LEN_BYTES, flen);
		if (rc)
			return rc;
	}
	if (ch->in_off == ch->in.len)
		ch->in.len = ch->in_off = 0;
	return 0;
}

/* ---- the interface ---- */

int
sync_channel_new(sync_channel **out, const sync_channel_config *cfg)
{
	size_t max = cfg->max_message ? cfg->max_message : SYNC_CHANNEL_MESSAGE_DEFAULT;
	sync_channel *ch;
	int rc;

	*out = NULL;
	if (cfg->static_key == NULL)
		return kn_error_set(KN_EINVAL, "static_key", "sync channel: this side's static key is missing");
	if (!cfg->initiator && cfg->peer_key)
		return kn_error_set(KN_EINVAL, "peer_key", "sync channel: a responder cannot choose its peer's key; "
		    "check it with peer_check");
	if (max > SYNC_CHANNEL_MESSAGE_MAX)
		return kn_error_set(KN_EINVAL, "max_message", "sync channel: max_message %zu is over the limit of %d",
		    max, SYNC_CHANNEL_MESSAGE_MAX);

	ch = calloc(1, sizeof(*ch));
	if (ch == NULL)
		return kn_error_set(KN_ENOMEM, "", "sync channel: out of memory");
	ch->initiator = cfg->initiator != 0;
	ch->max_message = max;
	ch->frame_max = NOISE_TAG_BYTES + CH_HDR_BYTES + max;
	if (ch->frame_max > NOISE_MESSAGE_MAX)
		ch->frame_max = NOISE_MESSAGE_MAX;
	ch->peer_check = cfg->peer_check;
	ch->peer_check_arg = cfg->peer_check_arg;

	if (ch->initiator) {
		rc = channel__hs_start(ch, cfg->peer_key ? NOISE_IK : NOISE_XX, cfg->static_key, cfg->peer_key);
		if (rc == 0)
			rc = channel__hs_advance(ch);
	} else {
		ch->static_key = sodium_malloc(SYNC_CHANNEL_KEY_BYTES);
		if (ch->static_key == NULL)
			rc = kn_error_set(KN_ENOMEM, "", "sync channel: out of secure memory for the static key");
		else {
			memcpy(ch->static_key, cfg->static_key, SYNC_CHANNEL_KEY_BYTES);
			rc = 0;
		}
	}
	if (rc) {
		sync_channel_free(ch);
		return rc;
	}
	*out = ch;
	return 0;
}

void
sync_channel_free(sync_channel *ch)
{
	if (ch == NULL)
		return;
	noise_handshake_free(ch->hs);
	noise_transport_free(ch->t);
	if (ch->static_key)
		sodium_free(ch->static_key);
	kn_buf_free(&ch->in);
	kn_buf_free(&ch->msg);
	kn_buf_free(&ch->plain);
	kn_buf_free(&ch->payload);
	kn_buf_free(&ch->out);
	sodium_memzero(ch, sizeof(*ch));
	free(ch);
}

int
sync_channel_feed(sync_channel *ch, const uint8_t *data, size_t len)
{
	int rc;

	if (ch->err)
		return channel__failed(ch);
	if (ch->in.len - ch->in_off + len > SYNC_CHANNEL_INPUT_MAX)
		return kn_error_set(KN_EBUSY, "", "sync channel: %zu bytes are waiting to be processed; read the "
		    "messages (sync_channel_recv) before feeding more", ch->in.len - ch->in_off);
	if (len == 0)
		return 0;
	if (ch->in_off) {
		kn_buf_consume(&ch->in, ch->in_off);
		ch->in_off = 0;
	}
	rc = kn_buf_put(&ch->in, data, len);
	if (rc)
		return rc;
	return channel__pump(ch);
}

int
sync_channel_recv(kn_buf *out, sync_channel *ch)
{
	int rc;

	if (ch->err)
		return channel__failed(ch);
	if (!ch->msg_ready) {
		rc = channel__pump(ch);
		if (rc)
			return rc;
		if (!ch->msg_ready)
			return 0;
	}
	if (out->len == 0) {
		kn_buf mine = ch->msg;
		ch->msg = *out;
		*out = mine;
		ch->msg.failed = 0;
	} else {
		rc = kn_buf_put(out, ch->msg.ptr, ch->msg.len);
		if (rc)
			return rc;
		sodium_memzero(ch->msg.ptr, ch->msg.len);
	}
	kn_buf_clear(&ch->msg);
	ch->msg_ready = 0;
	/* An error in what follows is kept for the next call: this message is good. */
	(void)channel__pump(ch);
	return 1;
}

int
sync_channel_send(sync_channel *ch, const uint8_t *msg, size_t len)
{
	if (ch->err)
		return channel__failed(ch);
	if (!ch->ready)
		return kn_error_set(KN_ESTATE, "", "sync channel: not ready to send (the handshake is not done)");
	if (ch->local_closed)
		return kn_error_set(KN_ESTATE, "", "sync channel: this side has closed the channel");
	if (len > ch->max_message)
		return kn_error_set(KN_ETOOBIG, "", "sync channel: a message of %zu bytes is over the limit of %zu",
		    len, ch->max_message);
	return channel__send_message(ch, CH_DATA, msg, len);
}

int
sync_channel_close(sync_channel *ch)
{
	int rc;

	if (ch->err)
		return channel__failed(ch);
	if (ch->local_closed)
		return 0;
	if (!ch->ready)
		return kn_error_set(KN_ESTATE, "", "sync channel: nothing to close before the handshake is done");
	rc = channel__send_message(ch, CH_CLOSE, NULL, 0);
	if (rc == 0)
		ch->local_closed = 1;
	return rc;
}

int
sync_channel_eof(sync_channel *ch)
{
	if (ch->err)
		return channel__failed(ch);
	if (ch->msg_ready)
		return kn_error_set(KN_ESTATE, "", "sync channel: messages are waiting; read them "
		    "(sync_channel_recv) before handling the end of the stream");
	if (!ch->handshake_done || (!ch->initiator && !ch->ready))
		return channel__fail(ch, KN_EPROTO, "sync channel: the peer's stream ended during the handshake");
	if (ch->in.len > ch->in_off)
		return channel__fail(ch, KN_EPROTO, "sync channel: the peer's stream ended inside a frame (%zu bytes "
		    "of it came): it was cut", ch->in.len - ch->in_off);
	if (ch->in_msg)
		return channel__fail(ch, KN_EPROTO, "sync channel: the peer's stream ended inside a message (%zu bytes "
		    "still to come): it was cut", ch->msg_need);
	if (!ch->peer_closed)
		return channel__fail(ch, KN_EPROTO, "sync channel: the peer's stream ended without its close: the "
		    "connection was cut or truncated");
	return 0;
}

size_t
sync_channel_pending(const uint8_t **out, const sync_channel *ch)
{
	size_t n = ch->out.len - ch->out_off;

	*out = n ? ch->out.ptr + ch->out_off : NULL;
	return n;
}

void
sync_channel_sent(sync_channel *ch, size_t n)
{
	if (n > ch->out.len - ch->out_off)
		n = ch->out.len - ch->out_off;
	ch->out_off += n;
	if (ch->out_off == ch->out.len) {
		ch->out.len = ch->out_off = 0;
	} else if (ch->out_off >= 64 * 1024 && ch->out_off * 2 >= ch->out.len) {
		kn_buf_consume(&ch->out, ch->out_off);
		ch->out_off = 0;
	}
}

int
sync_channel_ready(const sync_channel *ch)
{
	return ch->err == 0 && ch->ready;
}

int
sync_channel_peer_closed(const sync_channel *ch)
{
	return ch->peer_closed;
}

int
sync_channel_has_input(const sync_channel *ch)
{
	return ch->msg_ready || ch->in_msg || ch->in.len > ch->in_off;
}

int
sync_channel_peer_key(uint8_t out[SYNC_CHANNEL_KEY_BYTES], const sync_channel *ch)
{
	if (!ch->has_peer)
		return kn_error_set(KN_ENOTFOUND, "", "sync channel: the peer's key is not known yet");
	memcpy(out, ch->peer, SYNC_CHANNEL_KEY_BYTES);
	return 0;
}

int
sync_channel_handshake_hash(uint8_t out[NOISE_HASH_BYTES], const sync_channel *ch)
{
	if (!ch->handshake_done)
		return kn_error_set(KN_ESTATE, "", "sync channel: the handshake is not done");
	memcpy(out, ch->hash, NOISE_HASH_BYTES);
	return 0;
}

int
sync_channel_pattern(noise_pattern *out, const sync_channel *ch)
{
	if (!ch->pattern_known)
		return kn_error_set(KN_ENOTFOUND, "", "sync channel: the peer has not named the pattern yet");
	*out = ch->pattern;
	return 0;
}

/* ---- keys ---- */

int
sync_channel_key_from_ed25519(uint8_t out[SYNC_CHANNEL_KEY_BYTES],
    const uint8_t ed25519_sk[SYNC_CHANNEL_ED25519_SK_BYTES])
{
	if (crypto_sign_ed25519_sk_to_curve25519(out, ed25519_sk) != 0)
		return kn_error_set(KN_EINVAL, "key", "sync channel: cannot convert the Ed25519 secret key");
	return 0;
}

int
sync_channel_peer_from_ed25519(uint8_t out[SYNC_CHANNEL_KEY_BYTES],
    const uint8_t ed25519_pk[SYNC_CHANNEL_ED25519_PK_BYTES])
{
	if (crypto_sign_ed25519_pk_to_curve25519(out, ed25519_pk) != 0)
		return kn_error_set(KN_EINVAL, "key", "sync channel: the bytes are not a usable Ed25519 public key");
	return 0;
}
