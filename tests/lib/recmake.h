/*
 * recmake.h - signed records made for real in tests (record_sign, then
 * record_open), with what they were made with, so a test can hand them to
 * domain_record_accept as a store would. Shared by the unit tests of the
 * rules (test_skp, test_dinas, test_identity, test_catalog_record).
 */
#ifndef KN_TEST_RECMAKE_H
#define KN_TEST_RECMAKE_H

#include <msgpack.h>
#include <stdint.h>

#include "../../domain/domain.h"
#include "../../store/record.h"
#include "../../util/kn.h"

/* A person's (or an authority's) Ed25519 key pair and its hex. */
typedef struct {
	uint8_t pk[32];
	unsigned char sk[64];
	char hex[65];
} kt_key;

/* A made record, its verified view, and the records it names. */
typedef struct kt_made {
	kn_buf raw;
	uint8_t id[32];
	record_view v;
	domain_rec r;
	const struct kt_made *parent;
	const struct kt_made *auth[RECORD_MAX_AUTH];
	size_t nauth;
} kt_made;

void kt_key_new(kt_key *k);
/*
 * Sign and open a record of school naming parent (or none) and
 * auth[0..nauth); body is a packed map. Aborts on failure (a test's setup
 * cannot go on without it).
 */
void kt_make(kt_made *m, const char *school, const kt_key *author, const char *type, const char *subject, uint64_t hlc,
    const kt_made *parent, const kt_made *const *auth, size_t nauth, const kn_buf *body);
void kt_made_free(kt_made *m);
/* domain_record_accept of m against exactly the parent and auth records it was made with. */
int kt_accept(const domain_ctx *ctx, const kt_made *m);
/* A msgpack str. */
void kt_pack_s(msgpack_packer *pk, const char *s);

#endif
