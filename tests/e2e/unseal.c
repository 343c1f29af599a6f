/*
 * unseal.c - a test tool: take the secret key of a real, enrolled person
 * out of a school's (or a hub's) store, so that a test can sign records
 * as that person: a colleague who is not the atasan, a Pengawas of
 * another rank. Tests only; no part of Kinerja reads keys this way.
 *
 *   unseal STOREDIR WHO SEEDFILE  < passphrase
 *
 * WHO is the person's public key (64 hex), or NPSN/IDENT: the NIP or
 * NUPTK the person logs in with at that school or office (the store's
 * "id/<npsn>/<ident>" index, daemon/rules.c). The passphrase is the first
 * line of stdin. The store is opened read-only with LMDB directly, so the
 * daemon that owns it may keep running (store_open would take its lock).
 * Writes the 32-byte seed (the form pushtool and forge read, like a
 * device key) to SEEDFILE, mode 0600, and prints the public key in hex.
 * The passphrase and the key live in sodium_malloc'd memory, wiped when
 * freed. Used by tests/e2e/sync.sh.
 */
#include <fcntl.h>
#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../store/keys.h"
#include "../../util/kn.h"

static int
fail(const char *what, const char *detail)
{
	fprintf(stderr, "unseal: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	return 1;
}

int
main(int argc, char **argv)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi idx, keys;
	MDB_val k, v;
	uint8_t pk[KEYS_PK_BYTES];
	char hex[2 * KEYS_PK_BYTES + 1], key[128], *pass;
	keys_secret *sec = NULL;
	size_t passlen;
	int rc, fd;

	if (argc != 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: unseal STOREDIR WHO SEEDFILE < passphrase\n");
		return 2;
	}
	if ((pass = sodium_malloc(KEYS_PASS_MAX + 2)) == NULL)
		return fail("out of memory", NULL);
	if (fgets(pass, KEYS_PASS_MAX + 2, stdin) == NULL) {
		sodium_free(pass);
		return fail("no passphrase on stdin", NULL);
	}
	passlen = strcspn(pass, "\r\n");
	pass[passlen] = '\0';

	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 16)) ||
	    (rc = mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOTLS, 0)) ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) || (rc = mdb_dbi_open(txn, "idx", 0, &idx)) ||
	    (rc = mdb_dbi_open(txn, "keys", 0, &keys))) {
		rc = fail("cannot open the store", mdb_strerror(rc));
		goto out;
	}
	if (strlen(argv[2]) == 2 * KEYS_PK_BYTES) {
		if (kn_unhex(pk, sizeof(pk), argv[2], strlen(argv[2])) != 0) {
			rc = fail("not a public key in hex", argv[2]);
			goto out;
		}
	} else {
		snprintf(key, sizeof(key), "id/%s", argv[2]);
		k = (MDB_val){ strlen(key), key };
		if (mdb_get(txn, idx, &k, &v) != 0 || v.mv_size != KEYS_PK_BYTES) {
			rc = fail("nobody logs in as this at this store", key);
			goto out;
		}
		memcpy(pk, v.mv_data, KEYS_PK_BYTES);
	}
	k = (MDB_val){ KEYS_PK_BYTES, pk };
	if (mdb_get(txn, keys, &k, &v) != 0) {
		rc = fail("no sealed key for", kn_hex(hex, pk, sizeof(pk)));
		goto out;
	}
	if (keys_open(&sec, v.mv_data, v.mv_size, pk, pass, passlen) != 0) {
		rc = fail("cannot unseal the key", kn_error_message());
		goto out;
	}
	fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	/* the libsodium secret key is seed || public key */
	if (fd < 0 || write(fd, sec->sk, 32) != 32 || close(fd) != 0) {
		rc = fail("cannot write", argv[3]);
		goto out;
	}
	printf("%s\n", kn_hex(hex, pk, sizeof(pk)));
	rc = 0;
out:
	keys_secret_free(sec);
	sodium_free(pass);
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	return rc;
}
