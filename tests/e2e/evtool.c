/*
 * evtool.c - a test tool for the evidence phase of sync: a hostile school
 * (against a real hub) or a hostile hub (against a real school), speaking
 * the sync protocol itself. Used by tests/e2e/sync_evidence_hostile.sh.
 *
 *   evtool school HOST:PORT HUBKEYHEX DEVICEKEYFILE NPSN RECFILE COMMIT BLOB PACKKEY
 *
 * Be the school NPSN (DEVICEKEYFILE: its daemon's device key, the 32-byte
 * seed) for one session: push every record of RECFILE (a `kinerja record
 * export` file) in one push, then ask for another school's objects: an
 * ev_offer naming COMMIT and BLOB (ids of the other school's upload), an
 * ev_pack naming PACKKEY (the other school's partial pack at the hub)
 * with a chunk of 1000 bytes at 0, ev_end, and last a message only a hub
 * sends (ev_have naming COMMIT). Prints one line per answer:
 *   receipt stored N present N held N refused N
 *   refused INDEX CODE MESSAGE
 *   have N                       commits of the offer the hub says it holds
 *   at N                         bytes of PACKKEY the hub says it holds
 *   chunk-at N                   its answer to the chunk
 *   ev_receipt verified N waiting N bad N
 *   error CODE REASON TEXT       the hub refused (and closed)
 *
 *   evtool hub DEVICEKEYFILE MODE [MODE ...]
 *
 * Be a hub (DEVICEKEYFILE: a seed; its public key printed) on 127.0.0.1,
 * printing "port N" and "key HEX" on stdout first, then one connection
 * per MODE in turn: answer hello with a welcome that matches the school
 * (no records to move), and at its ev_offer:
 *   push    send an ev_chunk of a pack the school never asked for
 *   extra   answer ev_have naming a commit the school did not offer
 *   ack     want everything, then acknowledge bytes the school did not send
 * Prints "MODE: school says REASON" with the error the school sent back,
 * "MODE: the school closed" when it dropped the session, or "MODE: no
 * error (TYPE)" when it went on with a message of TYPE.
 */
#include <arpa/inet.h>
#include <msgpack.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../util/kn.h"
#include "peer.h"

/* Print an answer that is an error and say so (1), or 0. */
static int
is_error(const sync_msg *r)
{
	if (r->type != SYNC_MSG_ERROR)
		return 0;
	printf("error %s %s %s\n", r->code, r->reason, r->text);
	return 1;
}

/* ---- the hostile school ---- */

static int
school(char **argv)
{
	uint8_t pk[32], sk[64], commit[2][SYNC_PROTO_COMMIT_BYTES], junk[1000];
	static char file[1 << 24];
	sync_bytes recs[SYNC_PROTO_BATCH_RECORDS];
	tpeer peer = TPEER_INIT;
	msgpack_unpacked up;
	sync_msg m, r;
	size_t n = 0, len, off = 0;
	FILE *f;
	int rc;

	if (tpeer_seed(pk, sk, argv[3]) || kn_unhex(commit[0], 20, argv[6], 40) || kn_unhex(commit[1], 20, argv[7], 40) ||
	    strlen(argv[8]) != 64)
		return 2;
	if ((f = fopen(argv[5], "rb")) == NULL)
		return 2;
	len = fread(file, 1, sizeof(file), f);
	fclose(f);
	msgpack_unpacked_init(&up);
	while (n < SYNC_PROTO_BATCH_RECORDS && msgpack_unpack_next(&up, file, len, &off) == MSGPACK_UNPACK_SUCCESS) {
		if (up.data.type == MSGPACK_OBJECT_BIN)
			recs[n++] = (sync_bytes){ (const uint8_t *)up.data.via.bin.ptr, up.data.via.bin.size };
	}
	if ((rc = tpeer_dial(&peer, argv[1], argv[2], sk)) != 0)
		return rc;
	if (tpeer_hello(&peer, &r, argv[4], pk, "evtool", SYNC_CAP_RECORDS | SYNC_CAP_EVIDENCE) || is_error(&r))
		return 1;
	sync_msg_free(&r);

	/* the records: the good ones are stored whatever follows */
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_PUSH;
	m.records = recs;
	m.nrecords = n;
	if (tpeer_send(&peer, &m) || tpeer_recv(&peer, &r) || is_error(&r) || r.type != SYNC_MSG_RECEIPT)
		return 1;
	printf("receipt stored %llu present %llu held %llu refused %zu\n", (unsigned long long)r.stored,
	    (unsigned long long)r.present, (unsigned long long)r.held, r.nrefused);
	for (size_t i = 0; i < r.nrefused; i++)
		printf("refused %u %s %s\n", r.refused[i].index, r.refused[i].code, r.refused[i].message);
	sync_msg_free(&r);
	msgpack_unpacked_destroy(&up);

	/* another school's objects, by the ids of its commit and its file's blob */
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_OFFER;
	m.commits = (const uint8_t(*)[SYNC_PROTO_COMMIT_BYTES])commit;
	m.ncommits = 2;
	if (tpeer_send(&peer, &m) || tpeer_recv(&peer, &r) || is_error(&r) || r.type != SYNC_MSG_EV_HAVE)
		return 1;
	printf("have %zu\n", r.ncommits);
	sync_msg_free(&r);

	/* another school's partial pack, by its key: resume it, write into it */
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_PACK;
	snprintf(m.key, sizeof(m.key), "%s", argv[8]);
	m.size = 4000000;
	if (tpeer_send(&peer, &m) || tpeer_recv(&peer, &r) || is_error(&r) || r.type != SYNC_MSG_EV_AT)
		return 1;
	printf("at %llu\n", (unsigned long long)r.at);
	sync_msg_free(&r);
	randombytes_buf(junk, sizeof(junk));
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_CHUNK;
	snprintf(m.key, sizeof(m.key), "%s", argv[8]);
	m.at = 0;
	m.data = (sync_bytes){ junk, sizeof(junk) };
	if (tpeer_send(&peer, &m) || tpeer_recv(&peer, &r) || is_error(&r) || r.type != SYNC_MSG_EV_AT)
		return 1;
	printf("chunk-at %llu\n", (unsigned long long)r.at);
	sync_msg_free(&r);

	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_END;
	if (tpeer_send(&peer, &m) || tpeer_recv(&peer, &r) || is_error(&r) || r.type != SYNC_MSG_EV_RECEIPT)
		return 1;
	printf("ev_receipt verified %llu waiting %llu bad %llu\n", (unsigned long long)r.verified,
	    (unsigned long long)r.waiting, (unsigned long long)r.bad);
	sync_msg_free(&r);

	/* a message only a hub sends: "here is what I hold", naming the other school's commit */
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_EV_HAVE;
	m.commits = (const uint8_t(*)[SYNC_PROTO_COMMIT_BYTES])commit;
	m.ncommits = 1;
	if (tpeer_send(&peer, &m) || tpeer_recv(&peer, &r))
		return 1;
	if (!is_error(&r))
		printf("no error: %s\n", sync_msg_type_name(r.type));
	sync_msg_free(&r);
	tpeer_close(&peer, 0);
	return 0;
}

/* ---- the hostile hub ---- */

static int
hub_one(int lfd, const uint8_t sk[64], const char *mode)
{
	uint8_t junk[4096];
	tpeer peer = TPEER_INIT;
	sync_msg m, r;
	int rc = -1, fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		return -1;
	if (tpeer_accept(&peer, fd, sk) != 0)
		goto out;
	/* the handshake, then the school's confirmation and hello */
	if (tpeer_recv(&peer, &r) || r.type != SYNC_MSG_HELLO)
		goto out;
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_WELCOME;
	m.now_ms = kn_now_ms();
	m.caps = SYNC_CAP_RECORDS | SYNC_CAP_EVIDENCE;
	memcpy(m.fp, r.fp, sizeof(m.fp));
	m.count = r.count;
	m.feed = r.pulled;
	sync_msg_free(&r);
	if (tpeer_send(&peer, &m))
		goto out;
	for (;;) {
		if (tpeer_recv(&peer, &r)) {
			printf("%s: the school closed\n", mode);
			break;
		}
		if (r.type == SYNC_MSG_ERROR) {
			printf("%s: school says %s\n", mode, r.reason);
			sync_msg_free(&r);
			break;
		}
		memset(&m, 0, sizeof(m));
		if (r.type == SYNC_MSG_EV_OFFER && strcmp(mode, "push") == 0) {
			randombytes_buf(junk, sizeof(junk));
			m.type = SYNC_MSG_EV_CHUNK;
			snprintf(m.key, sizeof(m.key), "%064d", 0);
			m.data = (sync_bytes){ junk, sizeof(junk) };
		} else if (r.type == SYNC_MSG_EV_OFFER && strcmp(mode, "extra") == 0) {
			uint8_t c[1][SYNC_PROTO_COMMIT_BYTES];
			randombytes_buf(c[0], sizeof(c[0]));
			m.type = SYNC_MSG_EV_HAVE;
			m.commits = (const uint8_t(*)[SYNC_PROTO_COMMIT_BYTES])c;
			m.ncommits = 1;
			rc = tpeer_send(&peer, &m);
			sync_msg_free(&r);
			if (rc)
				break;
			continue;
		} else if (r.type == SYNC_MSG_EV_OFFER) {
			m.type = SYNC_MSG_EV_HAVE;
		} else if (r.type == SYNC_MSG_EV_PACK) {
			m.type = SYNC_MSG_EV_AT;
			memcpy(m.key, r.key, sizeof(m.key));
		} else if (r.type == SYNC_MSG_EV_CHUNK) {
			m.type = SYNC_MSG_EV_AT;
			memcpy(m.key, r.key, sizeof(m.key));
			m.at = r.at + 2 * r.data.len; /* more than was sent */
		} else {
			printf("%s: no error (%s)\n", mode, sync_msg_type_name(r.type));
			sync_msg_free(&r);
			break;
		}
		sync_msg_free(&r);
		if (tpeer_send(&peer, &m)) {
			printf("%s: the school closed\n", mode);
			break;
		}
	}
	rc = 0;
out:
	fflush(stdout);
	tpeer_close(&peer, 0);
	return rc;
}

static int
hub(int argc, char **argv)
{
	uint8_t pk[32], sk[64];
	char hex[65];
	struct sockaddr_in a = { 0 };
	socklen_t al = sizeof(a);
	int lfd, one = 1;

	if (tpeer_seed(pk, sk, argv[2]) != 0)
		return 2;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 4) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &al) != 0)
		return 1;
	printf("port %d\nkey %s\n", ntohs(a.sin_port), kn_hex(hex, pk, 32));
	fflush(stdout);
	for (int i = 3; i < argc; i++)
		if (hub_one(lfd, sk, argv[i]) != 0)
			printf("%s: the session failed\n", argv[i]);
	close(lfd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	if (argc == 10 && strcmp(argv[1], "school") == 0)
		return school(argv + 1);
	if (argc >= 4 && strcmp(argv[1], "hub") == 0)
		return hub(argc, argv);
	fprintf(stderr, "usage: evtool school HOST:PORT HUBKEYHEX DEVICEKEYFILE NPSN RECFILE COMMIT BLOB PACKKEY\n"
	                "       evtool hub DEVICEKEYFILE MODE [MODE ...]\n");
	return 2;
}
