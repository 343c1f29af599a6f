/*
 * proto.h - the messages of a sync session between a school (the
 * initiator) and its hub, carried as the channel's messages
 * (sync/channel.h). Pure: encode a message from a struct, decode and check
 * one from untrusted bytes; no I/O, no clock, no store.
 *
 * Every message is one MessagePack map with a string "t" naming its type
 * and exactly the keys of that type (an unknown, missing or repeated key
 * is refused: a new field is a new type or a new capability, never a
 * silent change). Bytes are scanned (util/mpscan.h) before msgpack-c sees
 * them, and every count and length is bounded before anything is kept.
 *
 *   type       from    keys
 *   hello      school  v npsn device sw now_ms caps pulled waiting fp count
 *   welcome    hub     now_ms caps fp count feed
 *   error      either  code reason text           (the sender then closes)
 *   push       school  upto records
 *   receipt    hub     upto stored present held refused at_ms fp count feed
 *   pull       school  after max
 *   records    hub     records next more fp count feed
 *   want       school  ids
 *   recon      either  m                          (a sync/recon.h message)
 *   recon_end  either  need have
 *   ev_offer   school  commits                    (the newest commit of each evidence document)
 *   ev_have    hub     commits                    (those of the offer the hub's repository of the school holds)
 *   ev_pack    school  key size                   (a pack of the missing objects: SHA-256, bytes)
 *   ev_at      hub     key at                     (bytes of that pack the hub holds, on disk)
 *   ev_chunk   school  key at data                (bytes of the pack from at; answered by ev_at)
 *   ev_end     school                             (nothing more to send: verify)
 *   ev_receipt hub     verified waiting bad at_ms (files of the school's upload records, by SHA-256)
 *
 * A session (docs/design.md, "Sync"): hello -> welcome or error; then the
 * school pushes what its feed holds after the hub's last receipt (push ->
 * receipt), pulls what the hub's feed for it holds after its checkpoint
 * (pull -> records), and when the fingerprints of the two sets still
 * differ, reconciles (recon <-> recon, recon_end) and fetches (want ->
 * records) and pushes what each lacks. When hello's fingerprint matches,
 * nothing waits on either side, the session is hello and welcome: one
 * round trip. caps names what each side can do ("records"; an evidence
 * phase will add "evidence" after the records), so a later phase needs no
 * new protocol version.
 */
#ifndef KN_SYNC_PROTO_H
#define KN_SYNC_PROTO_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/kn.h"

#define SYNC_PROTO_VERSION 1
#define SYNC_FP_BYTES 16
#define SYNC_ID_BYTES 32
#define SYNC_KEY_BYTES 32
/* the channel's message limit for a sync session (a recon message may carry 4096 ranges of ids) */
#define SYNC_PROTO_MESSAGE_MAX (8 * 1024 * 1024)
#define SYNC_PROTO_RECORD_MAX (64 * 1024)      /* one signed record (store/record.h RECORD_MAX_BYTES) */
#define SYNC_PROTO_BATCH_RECORDS 256           /* records in one push or records message */
#define SYNC_PROTO_BATCH_BYTES (512 * 1024)    /* their bytes, together */
#define SYNC_PROTO_WANT_MAX 256                /* ids in one want */
#define SYNC_PROTO_IDS_MAX 65536               /* ids in each list of recon_end */
#define SYNC_PROTO_TEXT_MAX 400                /* an error's or a refusal's text, bytes */
#define SYNC_PROTO_SW_MAX 32
#define SYNC_PROTO_COMMIT_BYTES 20             /* a git commit id (SHA-1) */
#define SYNC_PROTO_COMMITS_MAX 65536           /* commits in one ev_offer or ev_have */
#define SYNC_PROTO_CHUNK_MAX (256 * 1024)      /* data in one ev_chunk */
#define SYNC_PROTO_PACK_MAX (1ull << 40)       /* an evidence pack's size */

/* Capabilities (hello's and welcome's "caps"); unknown names are ignored. */
#define SYNC_CAP_RECORDS 0x1u
#define SYNC_CAP_EVIDENCE 0x2u  /* the evidence phase, after the records */

typedef enum {
	SYNC_MSG_HELLO = 1,
	SYNC_MSG_WELCOME,
	SYNC_MSG_ERROR,
	SYNC_MSG_PUSH,
	SYNC_MSG_RECEIPT,
	SYNC_MSG_PULL,
	SYNC_MSG_RECORDS,
	SYNC_MSG_WANT,
	SYNC_MSG_RECON,
	SYNC_MSG_RECON_END,
	SYNC_MSG_EV_OFFER,
	SYNC_MSG_EV_HAVE,
	SYNC_MSG_EV_PACK,
	SYNC_MSG_EV_AT,
	SYNC_MSG_EV_CHUNK,
	SYNC_MSG_EV_END,
	SYNC_MSG_EV_RECEIPT,
	SYNC_MSG_NTYPES
} sync_msg_type;

/* Bytes borrowed from elsewhere (a decoded message, a store read). */
typedef struct {
	const uint8_t *ptr;
	size_t len;
} sync_bytes;

/* A record a receipt says was refused: its index in the push, its id when it could be read, and why. */
typedef struct {
	uint32_t index;
	int has_id;
	uint8_t id[SYNC_ID_BYTES];
	char code[24];                       /* kn_error_code_name() */
	char message[SYNC_PROTO_TEXT_MAX + 1];
} sync_refusal;

/*
 * One message. Fill the fields of its type to encode; decoding fills them,
 * and records and m point into the bytes decoded: valid while those bytes
 * are, and until sync_msg_free (ids and refusals are copies). Fields of
 * other types are zero.
 */
typedef struct {
	sync_msg_type type;
	/* hello */
	char npsn[9];                        /* the school's NPSN */
	uint8_t device[SYNC_KEY_BYTES];      /* its daemon's Ed25519 device key (the channel's static key, converted) */
	char sw[SYNC_PROTO_SW_MAX + 1];      /* software version */
	uint64_t pulled;                     /* the hub-feed position the school has stored up to */
	uint64_t waiting;                    /* records the school will push */
	/* hello, welcome */
	uint64_t now_ms;                     /* the sender's wall clock */
	uint32_t caps;                       /* SYNC_CAP_* */
	/* hello, welcome, receipt, records: the sender's fingerprint of the school's set */
	uint8_t fp[SYNC_FP_BYTES];
	uint64_t count;
	/* welcome, receipt, records: the hub's feed position for the school */
	uint64_t feed;
	/* error */
	char code[24];                       /* kn_error_code_name() */
	char reason[40];                     /* a stable code of domain/messages.c, e.g. SYNC_KUNCI_DICABUT */
	char text[SYNC_PROTO_TEXT_MAX + 1];  /* the rendered text, Indonesian */
	/* push, receipt: the school's feed position the push covers (0: a push outside the feed, after a reconciliation) */
	uint64_t upto;
	/* push, records */
	sync_bytes *records;
	size_t nrecords;
	/* receipt */
	uint64_t stored, present, held, at_ms;
	sync_refusal *refused;
	size_t nrefused;
	/* pull */
	uint64_t after, max;
	/* records */
	uint64_t next;
	int more;
	/* want: ids; recon_end: need = ids, have = ids2 */
	const uint8_t (*ids)[SYNC_ID_BYTES];
	size_t nids;
	const uint8_t (*ids2)[SYNC_ID_BYTES];
	size_t nids2;
	/* recon */
	sync_bytes m;
	/* ev_offer, ev_have: commit ids (20 bytes each) */
	const uint8_t (*commits)[SYNC_PROTO_COMMIT_BYTES];
	size_t ncommits;
	/* ev_pack, ev_at, ev_chunk: the pack's SHA-256 (64 lower-case hex digits), its size, an offset */
	char key[65];
	uint64_t size, at;
	/* ev_chunk: 1 to SYNC_PROTO_CHUNK_MAX bytes */
	sync_bytes data;
	/* ev_receipt (and waiting, at_ms above) */
	uint64_t verified, bad;

	/* private: what decoding allocated */
	msgpack_unpacked up_;
	int has_up_;
	void *alloc_[4];
} sync_msg;

/* The wire name of a type ("hello"), or "?" */
const char *sync_msg_type_name(sync_msg_type t);

/*
 * Append the encoding of m to out. KN_EINVAL (field named) when m breaks
 * a limit the peer would refuse it for (too many records, an NPSN that is
 * not 8 digits, a text that is not UTF-8, ...); KN_ENOMEM.
 */
int sync_msg_encode(kn_buf *out, const sync_msg *m);

/*
 * Decode and check one message of len bytes. 0 with out filled (free with
 * sync_msg_free, also after an error), or KN_EPROTO (KN_ETOOBIG for a
 * message or list over its limit) with the last error saying what was
 * wrong. A recon payload is checked to be one MessagePack object (before
 * sync/recon.h unpacks it); records are only checked to be bin of at most
 * SYNC_PROTO_RECORD_MAX bytes: their signatures are the receiver's.
 */
int sync_msg_decode(sync_msg *out, const uint8_t *buf, size_t len) __attribute__((warn_unused_result));
void sync_msg_free(sync_msg *m);

#endif
