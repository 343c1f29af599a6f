/*
 * pushtool.c - a test tool: be a school daemon for one sync session and
 * push chosen records to a hub in one push, whatever they are (a hostile
 * or broken school), then print the hub's receipt.
 *
 *   pushtool HOST:PORT HUBKEYHEX DEVICEKEYFILE NPSN [-x] FILE [[-x] FILE ...]
 *
 * DEVICEKEYFILE is a daemon's device key (the 32-byte seed kinerjad
 * keeps); FILE a `kinerja record export` file, whose records all go into
 * the one push (at most 256 in all, the protocol's push: more is refused,
 * exit 2, rather than sent in part); -x before a file flips a bit of the
 * signature of each of its records. Prints
 *   receipt stored N present N held N refused N
 *   refused INDEX CODE MESSAGE          (one line per refusal)
 * or "error CODE REASON TEXT" when the hub refused the session. Exit 0
 * when a receipt came, 1 otherwise. Used by tests/e2e/sync.sh.
 *
 * With PUSHTOOL_RECON=N in the environment, after the receipt it sends N
 * reconciliation rounds, each a fingerprint over everything that matches
 * nothing (a school that never lets a reconciliation end), and prints
 *   recon answered K
 * and then the hub's error, if one came.
 */
#include <msgpack.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../util/kn.h"
#include "../../util/mpmap.h"
#include "peer.h"

/* Append every record of an export file to recs (copies in arena). */
static int
read_file(kn_buf *arena, size_t *offs, size_t *lens, size_t *n, const char *path, int corrupt)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 24];
	size_t len, off = 0;
	msgpack_unpacked up;

	if (f == NULL)
		return -1;
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	msgpack_unpacked_init(&up);
	while (msgpack_unpack_next(&up, buf, len, &off) == MSGPACK_UNPACK_SUCCESS) {
		if (up.data.type != MSGPACK_OBJECT_BIN)
			continue;
		if (*n == SYNC_PROTO_BATCH_RECORDS) {
			/* one push holds at most this many: say so, never send part of what was asked */
			fprintf(stderr, "pushtool: more than %d records in the files: one push holds at most that many\n",
			    SYNC_PROTO_BATCH_RECORDS);
			msgpack_unpacked_destroy(&up);
			return -1;
		}
		offs[*n] = arena->len;
		lens[*n] = up.data.via.bin.size;
		kn_buf_put(arena, up.data.via.bin.ptr, up.data.via.bin.size);
		if (corrupt)
			arena->ptr[arena->len - 1] ^= 0x01; /* the last byte of [payload, signature]: the signature */
		(*n)++;
	}
	msgpack_unpacked_destroy(&up);
	return 0;
}

int
main(int argc, char **argv)
{
	uint8_t pk[32], sk[64];
	size_t offs[SYNC_PROTO_BATCH_RECORDS], lens[SYNC_PROTO_BATCH_RECORDS], n = 0;
	sync_bytes recs[SYNC_PROTO_BATCH_RECORDS];
	kn_buf arena = KN_BUF_INIT;
	tpeer peer = TPEER_INIT;
	sync_msg m, r;
	int corrupt = 0, rc;

	if (argc < 6 || sodium_init() < 0) {
		fprintf(stderr, "usage: pushtool HOST:PORT HUBKEYHEX DEVICEKEYFILE NPSN [-x] FILE ...\n");
		return 2;
	}
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "-x") == 0) {
			corrupt = 1;
			continue;
		}
		if (read_file(&arena, offs, lens, &n, argv[i], corrupt) != 0) {
			fprintf(stderr, "pushtool: cannot read %s\n", argv[i]);
			return 2;
		}
		corrupt = 0;
	}
	for (size_t i = 0; i < n; i++)
		recs[i] = (sync_bytes){ arena.ptr + offs[i], lens[i] };
	if (tpeer_seed(pk, sk, argv[3]) != 0)
		return 2;
	if ((rc = tpeer_dial(&peer, argv[1], argv[2], sk)) != 0) {
		fprintf(stderr, "pushtool: cannot connect to %s or the handshake failed\n", argv[1]);
		return rc;
	}
	if (tpeer_hello(&peer, &r, argv[4], pk, "pushtool", SYNC_CAP_RECORDS) != 0)
		return 1;
	if (r.type == SYNC_MSG_ERROR) {
		printf("error %s %s %s\n", r.code, r.reason, r.text);
		return 1;
	}
	sync_msg_free(&r);
	memset(&m, 0, sizeof(m));
	m.type = SYNC_MSG_PUSH;
	m.records = recs;
	m.nrecords = n;
	if (tpeer_send(&peer, &m) || tpeer_recv(&peer, &r))
		return 1;
	if (r.type != SYNC_MSG_RECEIPT) {
		printf("error %s %s %s\n", r.code, r.reason, r.text);
		return 1;
	}
	printf("receipt stored %llu present %llu held %llu refused %zu\n", (unsigned long long)r.stored,
	    (unsigned long long)r.present, (unsigned long long)r.held, r.nrefused);
	for (size_t i = 0; i < r.nrefused; i++)
		printf("refused %u %s %s\n", r.refused[i].index, r.refused[i].code, r.refused[i].message);
	sync_msg_free(&r);
	if (getenv("PUSHTOOL_RECON")) {
		long rounds = atol(getenv("PUSHTOOL_RECON")), k = 0;
		kn_buf rm = KN_BUF_INIT;
		msgpack_packer rp;
		uint8_t zero[16] = { 0 };
		msgpack_packer_init(&rp, &rm, kn_buf_msgpack_write);
		msgpack_pack_array(&rp, 1);
		msgpack_pack_array(&rp, 3);
		msgpack_pack_nil(&rp);
		msgpack_pack_uint8(&rp, 1);
		msgpack_pack_bin(&rp, 16);
		msgpack_pack_bin_body(&rp, zero, 16);
		for (; k < rounds; k++) {
			memset(&m, 0, sizeof(m));
			m.type = SYNC_MSG_RECON;
			m.m = (sync_bytes){ rm.ptr, rm.len };
			if (tpeer_send(&peer, &m) || tpeer_recv(&peer, &r))
				break;
			if (r.type != SYNC_MSG_RECON) {
				if (r.type == SYNC_MSG_ERROR)
					printf("recon answered %ld\nerror %s %s %s\n", k, r.code, r.reason, r.text);
				sync_msg_free(&r);
				kn_buf_free(&rm);
				return 1;
			}
			sync_msg_free(&r);
		}
		printf("recon answered %ld\n", k);
		kn_buf_free(&rm);
	}
	tpeer_close(&peer, 1);
	kn_buf_free(&arena);
	return 0;
}
