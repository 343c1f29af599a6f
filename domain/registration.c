/*
 * registration.c - a hub's enrolment of a school (issue 9): the record
 * "registration" by which an education office's authority says which
 * device key speaks for which school when it syncs.
 *
 *   type     "registration"
 *   school   the office's own code (its school record is kind "dinas")
 *   subject  the NPSN of the school registered (8 digits, not the office)
 *   body     {"device": bin 32, "revoked": bool[, "hub": true]}: the
 *            school daemon's Ed25519 device key (`kinerja status` shows it
 *            as device_key), and whether the office has withdrawn it; with
 *            "hub", the subject is a child hub's office code and the key
 *            its daemon's (a parent hub's enrolment of a district hub)
 *   author   the office's authority key
 *   auth     [the office's school record], whose "authority" is the author
 *   parents  the version it replaces (a new key, or the revocation)
 *
 * Acceptance depends on the record and the school record it names only,
 * so it is the same in any arrival order. Whether a key is already
 * registered for another school depends on the set, and is checked where a
 * registration is made (daemon/hub.c), like NIP uniqueness.
 */
#include <stdio.h>
#include <string.h>

#include "../util/mpmap.h"
#include "domain.h"
#include "plan.h"
#include "messages.h"
#include "skp.h"

static void
pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

int
domain_registration_body_parse(domain_registration *out, const msgpack_object *body)
{
	int seen_device = 0, seen_revoked = 0, seen_hub = 0;

	memset(out, 0, sizeof(*out));
	if (body == NULL || body->type != MSGPACK_OBJECT_MAP)
		return domain_msg_error(KN_EBADREC, "body", "HUB_DAFTAR_FORMAT", NULL);
	for (uint32_t i = 0; i < body->via.map.size; i++) {
		const msgpack_object *k = &body->via.map.ptr[i].key, *v = &body->via.map.ptr[i].val;
		if (kn_map_key_is(k, "device") && !seen_device) {
			if (v->type != MSGPACK_OBJECT_BIN || v->via.bin.size != 32)
				return domain_msg_error(KN_EBADREC, "device", "HUB_DAFTAR_FORMAT_PERANGKAT", NULL);
			memcpy(out->device, v->via.bin.ptr, 32);
			seen_device = 1;
		} else if (kn_map_key_is(k, "revoked") && !seen_revoked) {
			if (v->type != MSGPACK_OBJECT_BOOLEAN)
				return domain_msg_error(KN_EBADREC, "revoked", "HUB_DAFTAR_FORMAT_DICABUT", NULL);
			out->revoked = v->via.boolean;
			seen_revoked = 1;
		} else if (kn_map_key_is(k, "hub") && !seen_hub) {
			/* present only when true, so a school's registration keeps its two keys */
			if (v->type != MSGPACK_OBJECT_BOOLEAN || !v->via.boolean)
				return domain_msg_error(KN_EBADREC, "hub", "HUB_DAFTAR_FORMAT_HUB", NULL);
			out->hub = 1;
			seen_hub = 1;
		} else {
			return domain_msg_error(KN_EBADREC, "body", "HUB_DAFTAR_FORMAT", NULL);
		}
	}
	if (!seen_device || !seen_revoked)
		return domain_msg_error(KN_EBADREC, seen_device ? "revoked" : "device", "HUB_DAFTAR_FORMAT", NULL);
	return 0;
}

int
domain_registration_body_pack(kn_buf *out, const domain_registration *reg)
{
	msgpack_packer pk;

	msgpack_packer_init(&pk, out, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, reg->hub ? 3 : 2);
	pack_str(&pk, "device");
	msgpack_pack_bin(&pk, 32);
	msgpack_pack_bin_body(&pk, reg->device, 32);
	pack_str(&pk, "revoked");
	if (reg->revoked)
		msgpack_pack_true(&pk);
	else
		msgpack_pack_false(&pk);
	if (reg->hub) {
		pack_str(&pk, "hub");
		msgpack_pack_true(&pk);
	}
	return out->failed ? kn_error_set(KN_ENOMEM, "body", "out of memory packing a registration") : 0;
}

int
domain_registration_accept(const domain_rec *r, const domain_rec *parents, size_t nparents, const domain_rec *auth,
    size_t nauth)
{
	domain_registration reg;
	domain_school sc;
	uint8_t authority[32];
	int rc;

	(void)parents;
	if (r->subject_len != 8 || strspn(r->subject, "0123456789") < 8)
		return domain_msg_error(KN_EBADREC, "subject", "HUB_DAFTAR_SUBJEK", NULL);
	if (memcmp(r->subject, r->school, 8) == 0)
		return domain_msg_error(KN_EBADREC, "subject", "HUB_DAFTAR_DIRI_SENDIRI", NULL);
	if ((rc = domain_registration_body_parse(&reg, r->body)))
		return rc;
	if (nparents > 1)
		return domain_msg_error(KN_ESTATE, "parents", "HUB_DAFTAR_SATU_INDUK", NULL);
	if (nauth != 1)
		return kn_error_set(KN_EDENIED, "auth", "%s", domain_msg_text("HUB_DAFTAR_AUTH"));
	/* the office's own record: kind dinas, naming the authority that signs */
	if ((rc = domain_authority_of(authority, &auth[0], r)))
		return rc;
	if (domain_school_parse(&sc, auth[0].body) != 0 || !sc.office)
		return kn_error_set(KN_EDENIED, "auth", "%s", domain_msg_text("HUB_DAFTAR_AUTH"));
	if (memcmp(authority, r->author, 32) != 0)
		return kn_error_set(KN_EDENIED, "author", "%s", domain_msg_text("HUB_DAFTAR_BUKAN_OTORITAS"));
	return 0;
}
