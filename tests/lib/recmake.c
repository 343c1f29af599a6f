/* recmake.c - see recmake.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "recmake.h"

void
kt_key_new(kt_key *k)
{
	crypto_sign_keypair(k->pk, k->sk);
	kn_hex(k->hex, k->pk, 32);
}

void
kt_make(kt_made *m, const char *school, const kt_key *author, const char *type, const char *subject, uint64_t hlc,
    const kt_made *parent, const kt_made *const *auth, size_t nauth, const kn_buf *body)
{
	uint8_t parents[1][32], auths[RECORD_MAX_AUTH][32];

	memset(m, 0, sizeof(*m));
	if (parent)
		memcpy(parents[0], parent->id, 32);
	for (size_t i = 0; i < nauth && i < RECORD_MAX_AUTH; i++) {
		memcpy(auths[i], auth[i]->id, 32);
		m->auth[i] = auth[i];
	}
	m->nauth = nauth;
	m->parent = parent;
	record_fields f = { type, school, subject, hlc, (const uint8_t(*)[32])parents, parent ? 1 : 0, body->ptr, body->len,
		(const uint8_t(*)[32])auths, nauth };
	if (record_sign(&m->raw, m->id, &f, author->pk, author->sk) != 0 ||
	    record_open(&m->v, m->raw.ptr, m->raw.len, NULL) != 0) {
		fprintf(stderr, "kt_make: a %s record: %s\n", type, kn_error_message());
		abort();
	}
	m->r = (domain_rec){ m->v.id, m->v.type, m->v.type_len, m->v.school, m->v.subject, m->v.subject_len, m->v.author,
		m->v.hlc, record_nparents(&m->v), m->v.body };
}

void
kt_made_free(kt_made *m)
{
	record_view_free(&m->v);
	kn_buf_free(&m->raw);
}

int
kt_accept(const domain_ctx *ctx, const kt_made *m)
{
	domain_rec auth[RECORD_MAX_AUTH];

	for (size_t i = 0; i < m->nauth; i++)
		auth[i] = m->auth[i]->r;
	return domain_record_accept(ctx, &m->r, m->parent ? &m->parent->r : NULL, m->parent ? 1 : 0, auth, m->nauth);
}

void
kt_pack_s(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}
