/*
 * methods.c - the RPC methods of kinerjad. Each takes the named-argument
 * map of the request and packs one result object (see server.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/catalog.h"
#include "../domain/domain.h"
#include "methods.h"
#include "sync.h"
#include "server.h"
#include "work.h"

/*
 * Sign a record with signer's key and add it to batch (kd_record_add). A
 * new enrollment must not take a NIP or NUPTK that someone else has here:
 * checked now, in the batch, since the store's rules cannot (they must
 * decide the same in any arrival order).
 */
static int
add_record(uint8_t id[RECORD_ID_BYTES], kd_server *srv, store_batch *b, const char *type, const char *school,
    const char *subject, const uint8_t (*parents)[RECORD_ID_BYTES], size_t nparents, const kn_buf *body,
    const keys_secret *signer)
{
	if (strcmp(type, "user") == 0) {
		msgpack_unpacked up;
		size_t off = 0;
		domain_user u;
		uint8_t pk[32];
		int rc;

		msgpack_unpacked_init(&up);
		if (msgpack_unpack_next(&up, (const char *)body->ptr, body->len, &off) != MSGPACK_UNPACK_SUCCESS)
			rc = kn_error_set(KN_ERROR, "", "internal: cannot decode a body just encoded");
		else if ((rc = domain_user_parse(&u, &up.data)) == 0 && (rc = kn_unhex(pk, 32, subject, strlen(subject))) == 0)
			rc = kd_idents_free(store_batch_txn(b), school, &u, pk);
		msgpack_unpacked_destroy(&up);
		if (rc)
			return rc;
	}
	return kd_record_add(id, srv, b, type, school, subject, parents, nparents, body, signer);
}

static void
pack_opt_kv(msgpack_packer *pk, const char *k, const char *v)
{
	kd_pack_str(pk, k);
	if (v[0])
		kd_pack_str(pk, v);
	else
		msgpack_pack_nil(pk);
}

/* The body of a "user" record (a new person: active). */
static void
pack_user_body(kn_buf *out, const domain_user *u)
{
	domain_user a = *u;

	a.active = 1;
	domain_user_pack(out, &a);
}

/* See methods.h. */
void
kd_pack_user(msgpack_packer *pk, const domain_user *u, const uint8_t key[32], const domain_catalog *c)
{
	msgpack_pack_map(pk, 15);
	kd_pack_kv_hex(pk, "key", key, 32);
	kd_pack_kv_str(pk, "name", u->name);
	kd_pack_kv_str(pk, "role", u->role);
	kd_pack_kv_str(pk, "role_label", domain_role_label(u->role));
	kd_pack_kv_str(pk, "status", u->status);
	pack_opt_kv(pk, "nip", u->nip);
	pack_opt_kv(pk, "nuptk", u->nuptk);
	pack_opt_kv(pk, "golongan", u->golongan);
	pack_opt_kv(pk, "pangkat", u->pangkat);
	pack_opt_kv(pk, "jenjang", u->jenjang);
	pack_opt_kv(pk, "jenis_ptk", u->jenis_ptk);
	pack_opt_kv(pk, "naungan", u->naungan);
	kd_pack_str(pk, "seconded_private");
	if (u->seconded_private)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	kd_pack_str(pk, "active");
	if (u->active)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	kd_pack_str(pk, "eligibility");
	kd_pack_eligibility_of(pk, u, c);
}

/* Read the person fields of a request (prefix "" or "operator_"). */
static int
user_from_args(domain_user *u, const kd_req *req, const char *prefix, const char *default_role)
{
	char k[40];
	int rc;
	struct {
		const char *name;
		char *dst;
		size_t size;
		int required;
	} f[] = {
		{ "name", u->name, sizeof(u->name), 1 },
		{ "role", u->role, sizeof(u->role), default_role == NULL },
		{ "status", u->status, sizeof(u->status), 0 },
		{ "nip", u->nip, sizeof(u->nip), 0 },
		{ "nuptk", u->nuptk, sizeof(u->nuptk), 0 },
		{ "golongan", u->golongan, sizeof(u->golongan), 0 },
		{ "pangkat", u->pangkat, sizeof(u->pangkat), 0 },
		{ "jenjang", u->jenjang, sizeof(u->jenjang), 0 },
	};

	memset(u, 0, sizeof(*u));
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(k, sizeof(k), "%s%s", prefix, f[i].name);
		rc = kd_arg_str(f[i].dst, f[i].size, req, k, f[i].required);
		if (rc)
			return rc;
	}
	if (default_role && !u->role[0])
		snprintf(u->role, sizeof(u->role), "%s", default_role);
	if (!u->status[0])
		snprintf(u->status, sizeof(u->status), "%s", u->nip[0] ? "PNS" : "NON_ASN");
	u->active = 1;
	return 0;
}

/* Passphrase argument, checked for a new key. */
static int
passphrase_arg(char *out, size_t outsz, const kd_req *req)
{
	int rc = kd_arg_str(out, outsz, req, "passphrase", 1);
	if (rc)
		return rc;
	/* keys.c names the one rule broken; a new person's passphrase is told both bounds at once */
	if (keys_passphrase_check(out, strlen(out)) != 0)
		return domain_msg_error(KN_EINVAL, "passphrase", "GANTI_SANDI_SYARAT", "min", domain_msg_num(KEYS_PASS_MIN).s, "maks",
		    domain_msg_num(KEYS_PASS_MAX).s, NULL);
	return 0;
}

/*
 * Check a new person's fields with the domain rules before the (slow)
 * key derivation, so a typo costs nothing.
 */
static int
precheck_user(const domain_user *u)
{
	kn_buf body = KN_BUF_INIT;
	msgpack_unpacked up;
	size_t off = 0;
	domain_user parsed;
	int rc;

	pack_user_body(&body, u);
	msgpack_unpacked_init(&up);
	if (msgpack_unpack_next(&up, (const char *)body.ptr, body.len, &off) != MSGPACK_UNPACK_SUCCESS)
		rc = kn_error_set(KN_ERROR, "", "internal: cannot decode a body just encoded");
	else
		rc = domain_user_parse(&parsed, &up.data);
	msgpack_unpacked_destroy(&up);
	kn_buf_free(&body);
	return rc;
}

/*
 * Who is enrolled where: a school enrolls its operators, teachers and
 * principal; an education office its operators, Pengawas and Kepala Dinas
 * (who act on a school's SKPs by the Dinas's assignments, never by an
 * enrollment in the school).
 */
static int
role_fits_store(const kd_server *srv, const domain_user *u)
{
	int official = strcmp(u->role, "pengawas") == 0 || strcmp(u->role, "kepala_dinas") == 0;
	int school_staff = strcmp(u->role, "guru") == 0 || strcmp(u->role, "kepala_sekolah") == 0;

	if (!srv->office && official)
		return domain_msg_error(KN_EINVAL, "role", "PERAN_DI_KANTOR_DINAS", "peran", domain_role_label(u->role), NULL);
	if (srv->office && school_staff)
		return domain_msg_error(KN_EINVAL, "role", "PERAN_DI_SEKOLAH", "peran", domain_role_label(u->role), NULL);
	return 0;
}

/*
 * A new person's key: generated and sealed under their passphrase on the
 * worker thread (Argon2id is slow by design), with a recovery copy sealed
 * to the device key (so the operator can reset a forgotten passphrase);
 * stored with the records that enroll them on the loop thread.
 */
typedef struct {
	kd_job j;
	char *pass;          /* sodium_malloc'd copy, wiped when freed */
	keys_cost cost;
	keys_secret *key;
	kn_buf sealed;
	kn_buf recovery;     /* the key sealed to the device key, for a passphrase reset */
	uint8_t device_pk[32];
	domain_user u;
	uint8_t token[32];   /* user.add: the operator's session */
	char npsn[9];        /* school.init */
	kd_catalog_files *catalogs; /* school.init: the catalog files, read on the worker (catalog.c) */
	char name[DOMAIN_NAME_MAX + 1];
	int has_authority;   /* school.init: the school names the Dinas's authority key */
	uint8_t authority_pk[32];
	int office;          /* school.init at an education office: make the authority key */
	keys_secret *authority;
	kn_buf authority_sealed; /* the authority key sealed to the device key */
} newkey_job;

static void
newkey_run(kd_job *j)
{
	newkey_job *nj = (newkey_job *)j;
	int rc = keys_generate(&nj->key);

	if (rc == 0)
		rc = keys_seal(&nj->sealed, nj->key, nj->pass, strlen(nj->pass), nj->cost);
	if (rc == 0)
		rc = keys_recovery_seal(&nj->recovery, nj->key, nj->device_pk);
	if (rc == 0 && nj->office && (rc = keys_generate(&nj->authority)) == 0)
		rc = keys_recovery_seal(&nj->authority_sealed, nj->authority, nj->device_pk);
	if (rc)
		kd_job_keep_error(j, rc);
	/* file reads stay off the loop too; a problem with them is only a warning */
	if (rc == 0 && nj->catalogs)
		kd_catalog_files_read(nj->catalogs);
}

static void
newkey_free(newkey_job *nj)
{
	kd_job_release(&nj->j);
	sodium_free(nj->pass);
	keys_secret_free(nj->key);
	kn_buf_free(&nj->sealed);
	kn_buf_free(&nj->recovery);
	keys_secret_free(nj->authority);
	kn_buf_free(&nj->authority_sealed);
	kd_catalog_files_free(nj->catalogs);
	free(nj);
}

/* Start a newkey job for req; the passphrase is copied into guarded memory. */
static int
newkey_submit(kd_req *req, const char *pass, const domain_user *u, void (*done)(kd_job *), newkey_job **out)
{
	newkey_job *nj = calloc(1, sizeof(*nj));

	if (nj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	nj->pass = sodium_malloc(strlen(pass) + 1);
	if (nj->pass == NULL) {
		free(nj);
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	}
	memcpy(nj->pass, pass, strlen(pass) + 1);
	nj->cost = req->srv->cost;
	memcpy(nj->device_pk, req->srv->device->pk, 32);
	nj->u = *u;
	nj->j.run = newkey_run;
	nj->j.done = done;
	nj->j.req = *req;
	*out = nj;
	return 0;
}

int
kd_m_status(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	store_stats ss;
	int nsess = 0;
	int rc = store_stat(&ss, srv->st);

	if (rc)
		return rc;
	for (kd_session *s = srv->sessions; s; s = s->next)
		nsess++;
	msgpack_pack_map(pk, 12);
	kd_pack_kv_str(pk, "version", KD_VERSION);
	/* sync: the hub's listening port, or the school's hub and last success */
	kd_pack_str(pk, "sync");
	kd_sync_pack_status(pk, srv);
	/* the Dinas's authority key this store knows (an office: its own), public, for `school init --authority-key` */
	{
		static const uint8_t zero[32];
		if (srv->school[0] && memcmp(srv->authority_pk, zero, 32) != 0) {
			kd_pack_kv_hex(pk, "authority", srv->authority_pk, 32);
		} else {
			kd_pack_str(pk, "authority");
			msgpack_pack_nil(pk);
		}
	}
	kd_pack_str(pk, "evidence");
	msgpack_pack_map(pk, 4);
	kd_pack_kv_str(pk, "dir", srv->cfg.evidence_dir);
	kd_pack_kv_str(pk, "types", srv->cfg.evidence_types);
	kd_pack_kv_u64(pk, "max_mb", (uint64_t)srv->cfg.evidence_max_mb);
	kd_pack_kv_u64(pk, "problems_at_start", srv->ev_problems);
	kd_pack_kv_str(pk, "role", srv->cfg.role);
	kd_pack_str(pk, "school");
	if (srv->school[0]) {
		msgpack_pack_map(pk, 2);
		kd_pack_kv_str(pk, "npsn", srv->school);
		kd_pack_kv_str(pk, "name", srv->school_name);
	} else {
		msgpack_pack_nil(pk);
	}
	kd_pack_str(pk, "store");
	msgpack_pack_map(pk, 6);
	kd_pack_kv_str(pk, "dir", srv->cfg.store_dir);
	kd_pack_kv_u64(pk, "records", ss.records);
	kd_pack_kv_u64(pk, "size_bytes", ss.size_bytes);
	kd_pack_kv_u64(pk, "map_bytes", ss.map_bytes);
	kd_pack_kv_u64(pk, "schema", ss.schema);
	kd_pack_kv_u64(pk, "commits", srv->commits);
	kd_pack_kv_u64(pk, "uptime_s", (kn_mono_ms() - srv->started_ms) / 1000);
	kd_pack_kv_u64(pk, "clients", (uint64_t)srv->nclients);
	kd_pack_kv_u64(pk, "sessions", (uint64_t)nsess);
	kd_pack_kv_u64(pk, "login_evaluations", __atomic_load_n(&srv->login_evaluations, __ATOMIC_RELAXED));
	kd_pack_kv_hex(pk, "device_key", srv->device->pk, 32);
	return 0;
}

/* Loop thread, after the operator's key is sealed: write the school. */
static void
school_init_done(kd_job *j)
{
	newkey_job *nj = (newkey_job *)j;
	kd_req *req = &j->req;
	kd_server *srv = req->srv;
	kn_buf body = KN_BUF_INIT, res = KN_BUF_INIT;
	msgpack_packer bp, pk;
	store_batch *b;
	char hex[65];
	int rc = j->rc ? kd_job_error(j) : 0;

	if (rc == 0 && srv->school[0])
		rc = domain_msg_error(KN_EEXISTS, "npsn", "SEKOLAH_SUDAH_ADA", "npsn", srv->school, "nama", srv->school_name, NULL);
	if (rc == 0 && (rc = kd_write_begin(&b, req)) == 0) {
		rc = kd_key_store(b, nj->key->pk, &nj->sealed, &nj->recovery, 0);
		if (rc == 0) {
			msgpack_packer_init(&bp, &body, kn_buf_msgpack_write);
			const uint8_t *authority = nj->office ? nj->authority->pk : nj->has_authority ? nj->authority_pk : NULL;
			msgpack_pack_map(&bp, 2 + (authority != NULL) + nj->office);
			kd_pack_kv_str(&bp, "name", nj->name);
			kd_pack_str(&bp, "operator");
			msgpack_pack_bin(&bp, 32);
			msgpack_pack_bin_body(&bp, nj->key->pk, 32);
			if (authority) {
				kd_pack_str(&bp, "authority");
				msgpack_pack_bin(&bp, 32);
				msgpack_pack_bin_body(&bp, authority, 32);
			}
			if (nj->office)
				kd_pack_kv_str(&bp, "kind", "dinas");
			/* the office's authority key, sealed to this device: the daemon signs the Dinas's acts with it */
			if (nj->office)
				rc = store_batch_meta_put(b, "authority", nj->authority_sealed.ptr, nj->authority_sealed.len);
			/* which office record is this store's own: a parent hub also holds its child hubs' office records */
			if (nj->office && rc == 0)
				rc = store_batch_meta_put(b, "office", nj->npsn, 8);
			if (rc == 0)
				rc = add_record(NULL, srv, b, "school", nj->npsn, nj->npsn, NULL, 0, &body, nj->key);
		}
		if (rc == 0) {
			kn_buf_clear(&body);
			pack_user_body(&body, &nj->u);
			rc = add_record(NULL, srv, b, "user", nj->npsn, kn_hex(hex, nj->key->pk, 32), NULL, 0, &body, nj->key);
		}
		/* the shipped catalogs, signed by the new operator; one the rules refuse is a warning, not a failure */
		if (rc == 0)
			rc = kd_catalog_files_store(nj->catalogs, srv, b, nj->npsn, nj->key);
		rc = kd_write_end(req, rc);
	}
	if (rc == 0) {
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		msgpack_pack_map(&pk, 6);
		kd_pack_kv_str(&pk, "npsn", nj->npsn);
		kd_pack_kv_str(&pk, "name", nj->name);
		if (nj->office || nj->has_authority) {
			kd_pack_kv_hex(&pk, "authority", nj->office ? nj->authority->pk : nj->authority_pk, 32);
		} else {
			kd_pack_str(&pk, "authority");
			msgpack_pack_nil(&pk);
		}
		kd_pack_str(&pk, "operator");
		kd_pack_user(&pk, &nj->u, nj->key->pk, NULL);
		kd_catalog_files_pack(&pk, nj->catalogs);
		kn_info("school.init %s (%s), operator %s", nj->npsn, nj->name, nj->u.name);
	}
	kd_respond(req, rc, &res);
	kn_buf_free(&body);
	kn_buf_free(&res);
	newkey_free(nj);
}

int
kd_m_school_init(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	char npsn[9 + 8], name[DOMAIN_NAME_MAX + 1], pass[KEYS_PASS_MAX + 1], authority[80];
	uint8_t authority_pk[32];
	domain_user op;
	kd_catalog_files *cats = NULL;
	newkey_job *nj;
	int rc, office = 0;

	(void)pk;
	if ((rc = kd_arg_str(npsn, sizeof(npsn), req, "npsn", 1)) || (rc = domain_check_npsn(npsn)) ||
	    (rc = kd_arg_str(name, sizeof(name), req, "name", 1)) ||
	    (rc = user_from_args(&op, req, "operator_", "operator")) || (rc = passphrase_arg(pass, sizeof(pass), req)))
		goto out;
	if (strcmp(op.role, "operator") != 0) {
		rc = domain_msg_error(KN_EINVAL, "operator_role", "SEKOLAH_PENYIAP_OPERATOR", NULL);
		goto out;
	}
	if ((rc = kd_arg_str(authority, sizeof(authority), req, "authority", 0)))
		goto out;
	office = strcmp(srv->cfg.role, "dinas") == 0 || strcmp(srv->cfg.role, "hub") == 0;
	{
		char kind[16];
		if ((rc = kd_arg_str(kind, sizeof(kind), req, "kind", 0)))
			goto out;
		if (strcmp(kind, "dinas") == 0 && !office) {
			rc = domain_msg_error(KN_EINVAL, "kind", "SEKOLAH_BUKAN_KANTOR", "peran", srv->cfg.role, NULL);
			goto out;
		}
		if (office && strcmp(kind, "dinas") != 0) {
			rc = domain_msg_error(KN_EINVAL, "kind", "KANTOR_DISIAPKAN_DINAS_INIT", "peran", srv->cfg.role, NULL);
			goto out;
		}
	}
	if (office && authority[0]) {
		rc = domain_msg_error(KN_EINVAL, "authority", "KANTOR_KUNCI_SENDIRI", NULL);
		goto out;
	}
	if (authority[0] && (strlen(authority) != 64 || kn_unhex(authority_pk, 32, authority, 64) != 0)) {
		char shown[72];
		snprintf(shown, sizeof(shown), "%.70s", authority);
		kn_utf8_clean(shown);
		rc = domain_msg_error(KN_EINVAL, "authority", "SEKOLAH_KUNCI_DINAS_FORMAT", "nilai", shown, NULL);
		goto out;
	}
	if (srv->school[0]) {
		rc = domain_msg_error(KN_EEXISTS, "npsn", "SEKOLAH_SUDAH_ADA", "npsn", srv->school, "nama", srv->school_name, NULL);
		goto out;
	}
	if ((rc = precheck_user(&op)) || (rc = kd_catalog_files_new(&cats, srv->cfg.catalog_dir)) ||
	    (rc = newkey_submit(req, pass, &op, school_init_done, &nj)))
		goto out;
	memcpy(nj->npsn, npsn, 9);
	snprintf(nj->name, sizeof(nj->name), "%s", name);
	nj->office = office;
	if (authority[0]) {
		nj->has_authority = 1;
		memcpy(nj->authority_pk, authority_pk, 32);
	}
	nj->catalogs = cats; /* the job owns them now */
	cats = NULL;
	rc = kd_work_submit(srv, &nj->j);
out:
	kd_catalog_files_free(cats);
	sodium_memzero(pass, sizeof(pass));
	return rc;
}

/* Loop thread, after the new person's key is sealed: enroll them. */
static void
user_add_done(kd_job *j)
{
	newkey_job *nj = (newkey_job *)j;
	kd_req *req = &j->req;
	kd_server *srv = req->srv;
	kn_buf body = KN_BUF_INIT, res = KN_BUF_INIT;
	msgpack_packer pk;
	kd_session *s = NULL;
	store_batch *b;
	char hex[65];
	int rc = j->rc ? kd_job_error(j) : 0;

	/* The operator may have logged out while the key was being sealed. */
	if (rc == 0)
		rc = kd_session_by_token(&s, srv, nj->token);
	if (rc == 0 && (rc = kd_write_begin(&b, req)) == 0) {
		rc = kd_key_store(b, nj->key->pk, &nj->sealed, &nj->recovery, 0);
		if (rc == 0) {
			pack_user_body(&body, &nj->u);
			rc = add_record(NULL, srv, b, "user", srv->school, kn_hex(hex, nj->key->pk, 32), NULL, 0, &body, s->key);
		}
		rc = kd_write_end(req, rc);
	}
	if (rc == 0) {
		/* the new person's eligibility, so the operator sees at once what Dapodik data is missing */
		domain_catalog *c = NULL;
		if (kd_catalog_get(&c, NULL, store_batch_txn(b), srv->school, NULL) != 0)
			kn_error_clear();
		msgpack_packer_init(&pk, &res, kn_buf_msgpack_write);
		kd_pack_user(&pk, &nj->u, nj->key->pk, c);
		domain_catalog_free(c);
		kn_info("user.add %s (%s) by %s", nj->u.name, nj->u.role, s->name);
	}
	kd_respond(req, rc, &res);
	kn_buf_free(&body);
	kn_buf_free(&res);
	newkey_free(nj);
}

int
kd_m_user_add(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	char pass[KEYS_PASS_MAX + 1];
	domain_user u;
	kd_session *s;
	newkey_job *nj;
	int rc;

	(void)pk;
	s = req->sess;
	size_t ne = 0;
	if ((rc = user_from_args(&u, req, "", NULL)) || (rc = kd_user_args_eligibility(&u, req, &ne)) ||
	    (rc = passphrase_arg(pass, sizeof(pass), req)) || (rc = precheck_user(&u)) || (rc = role_fits_store(req->srv, &u)) ||
	    (rc = newkey_submit(req, pass, &u, user_add_done, &nj)))
		goto out;
	memcpy(nj->token, s->token, 32);
	rc = kd_work_submit(srv, &nj->j);
out:
	sodium_memzero(pass, sizeof(pass));
	return rc;
}

/*
 * user.list, one page: the people enrolled in the school in the order of
 * their keys, read on a worker thread (KD_LANE_READ) because a page of a
 * thousand people verifies a thousand signatures.
 */
typedef struct {
	kd_job j;
	store *st;
	char school[9];
	kd_page page;
	kn_buf users;      /* packed user maps */
	size_t n;
	int more;          /* people follow this page */
	uint8_t last[32];  /* key of the last person packed */
} user_list_job;

/* Keys of the page from the index: those after the cursor, one more than the page holds. */
struct list_ctx {
	const kd_page *page;
	kn_buf keys;
	size_t n, want;
};

/* Index callback: a key after the cursor joins the page; stop once the page and one more are in. */
static int
list_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct list_ctx *lc = arg;
	uint8_t pk[32];
	(void)val;
	(void)vlen;

	if (klen < 64 || kn_unhex(pk, 32, (const char *)key + klen - 64, 64) != 0)
		return 0;
	/* hex keys sort as their bytes: the previous pages hold every key up to the cursor */
	if (lc->page->has_cursor && memcmp(pk, lc->page->cursor, 32) <= 0)
		return 0;
	if (kn_buf_put(&lc->keys, pk, 32))
		return KN_ENOMEM;
	return ++lc->n == lc->want ? 1 : 0;
}

/* Worker thread: the page's keys, then each person's current enrollment. */
static void
user_list_run(kd_job *j)
{
	user_list_job *uj = (user_list_job *)j;
	struct list_ctx lc = { .page = &uj->page, .want = uj->page.limit + 1 };
	domain_catalog *c = NULL;
	char prefix[16], key[16 + 65], hex[65];
	const uint8_t *val;
	size_t vlen, i;
	msgpack_packer pk;
	store_txn *t;
	int rc;

	if ((rc = store_read_begin(&t, uj->st)))
		goto out_free_keys;
	snprintf(prefix, sizeof(prefix), "u/%s/", uj->school);
	if (uj->page.has_cursor) {
		snprintf(key, sizeof(key), "%s%s", prefix, kn_hex(hex, uj->page.cursor, 32));
		rc = store_idx_get(&val, &vlen, t, key, strlen(key));
		if (rc == KN_ENOTFOUND)
			rc = kd_page_bad_cursor();
		if (rc)
			goto out_end_read;
	}
	if ((rc = store_idx_scan(t, prefix, strlen(prefix), list_cb, &lc)))
		goto out_end_read;
	/* each person's eligibility, on the newest catalog (none stored: nil) */
	if (kd_catalog_get(&c, NULL, t, uj->school, NULL) != 0) {
		c = NULL;
		kn_error_clear();
	}
	msgpack_packer_init(&pk, &uj->users, kn_buf_msgpack_write);
	for (i = 0; i < lc.n && i < uj->page.limit && uj->users.len < KD_PAGE_BYTES; i++) {
		domain_user u;
		if ((rc = kd_user_lookup(&u, t, uj->school, lc.keys.ptr + 32 * i)))
			goto out_end_read;
		kd_pack_user(&pk, &u, lc.keys.ptr + 32 * i, c);
		memcpy(uj->last, lc.keys.ptr + 32 * i, 32);
		uj->n++;
	}
	uj->more = i < lc.n;
	if (uj->users.failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while listing people; try a smaller limit");
out_end_read:
	domain_catalog_free(c);
	store_read_end(t);
out_free_keys:
	kn_buf_free(&lc.keys);
	if (rc)
		kd_job_keep_error(j, rc);
}

/* The page, in the answer map; the users were packed by the worker already. */
static void
user_list_pack(kd_job *j, msgpack_packer *pk)
{
	user_list_job *uj = (user_list_job *)j;

	msgpack_pack_map(pk, 3);
	kd_pack_kv_str(pk, "npsn", uj->school);
	kd_pack_str(pk, "users");
	msgpack_pack_array(pk, uj->n);
	kn_buf_put(pk->data, uj->users.ptr, uj->users.len); /* elements packed already */
	kd_pack_next(pk, uj->last, uj->more);
}

/* Free what the job owns (kd_job_answer frees the job). */
static void
user_list_cleanup(kd_job *j)
{
	user_list_job *uj = (user_list_job *)j;

	kn_buf_free(&uj->users);
}

/* Check the page arguments here, where the request is; read the page on a worker thread. */
int
kd_m_user_list(kd_req *req, msgpack_packer *pk)
{
	kd_server *srv = req->srv;
	user_list_job *uj;
	kd_page page;
	int rc;

	(void)pk;
	if ((rc = kd_page_args(&page, req)))
		return rc;
	if ((uj = calloc(1, sizeof(*uj))) == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	uj->st = srv->st;
	snprintf(uj->school, sizeof(uj->school), "%s", srv->school);
	uj->page = page;
	uj->j.lane = KD_LANE_READ;
	uj->j.run = user_list_run;
	uj->j.done = kd_job_answer;
	uj->j.pack = user_list_pack;
	uj->j.cleanup = user_list_cleanup;
	uj->j.req = *req;
	return kd_work_submit(srv, &uj->j);
}

int
kd_m_session_logout(kd_req *req, msgpack_packer *pk)
{
	kd_session *s = req->sess;

	kn_info("logout: %s", s->name);
	kd_session_remove(req->srv, s->token);
	msgpack_pack_map(pk, 1);
	kd_pack_str(pk, "ok");
	msgpack_pack_true(pk);
	return 0;
}

int
kd_m_session_info(kd_req *req, msgpack_packer *pk)
{
	kd_session *s = req->sess;

	msgpack_pack_map(pk, 7);
	kd_pack_kv_str(pk, "name", s->name);
	kd_pack_kv_str(pk, "role", s->role);
	kd_pack_kv_str(pk, "role_label", domain_role_label(s->role));
	kd_pack_kv_str(pk, "npsn", s->school);
	kd_pack_kv_hex(pk, "key", s->key->pk, 32);
	kd_pack_kv_u64(pk, "expires_ms", s->expires_ms);
	kd_pack_str(pk, "must_change");
	if (s->must_change)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
	return 0;
}

/* A verified record as a result map. */
static void
pack_record(msgpack_packer *pk, const record_view *v)
{
	char doc[RECORD_DOC_KEY_MAX];

	msgpack_pack_map(pk, 11);
	kd_pack_kv_hex(pk, "id", v->id, 32);
	kd_pack_str(pk, "type");
	msgpack_pack_str(pk, v->type_len);
	msgpack_pack_str_body(pk, v->type, v->type_len);
	kd_pack_str(pk, "school");
	msgpack_pack_str(pk, v->school_len);
	msgpack_pack_str_body(pk, v->school, v->school_len);
	kd_pack_str(pk, "subject");
	msgpack_pack_str(pk, v->subject_len);
	msgpack_pack_str_body(pk, v->subject, v->subject_len);
	record_doc_key(doc, v);
	kd_pack_kv_str(pk, "doc", doc);
	kd_pack_kv_hex(pk, "author", v->author, 32);
	kd_pack_kv_u64(pk, "hlc", v->hlc);
	kd_pack_kv_u64(pk, "time_ms", v->hlc >> 16);
	kd_pack_str(pk, "parents");
	msgpack_pack_array(pk, record_nparents(v));
	for (size_t i = 0; i < record_nparents(v); i++) {
		char hex[65];
		kd_pack_str(pk, kn_hex(hex, record_parent(v, i), 32));
	}
	kd_pack_str(pk, "body");
	msgpack_pack_object(pk, *v->body);
	kd_pack_str(pk, "raw");
	msgpack_pack_bin(pk, v->raw_len);
	msgpack_pack_bin_body(pk, v->raw, v->raw_len);
}

static int
id_arg(uint8_t id[32], const kd_req *req, const char *name, int required)
{
	char hex[80];
	int rc = kd_arg_str(hex, sizeof(hex), req, name, required);

	if (rc)
		return rc;
	if (!hex[0])
		return KN_ENOTFOUND;
	if (kn_unhex(id, 32, hex, strlen(hex)) != 0)
		return domain_msg_error(KN_EINVAL, name, "REKAMAN_ID_FORMAT", "kolom", name, NULL);
	return 0;
}

/*
 * May the caller read records of document (type, school, subject)? The
 * person a record is about is found from its subject (a user record's
 * subject is the key; an evidence record's is "<key>.<period>"), and
 * domain_record_may_read decides.
 */
static int
doc_access(kd_req *req, store_txn *t, const char *type, size_t tlen, const char *school, size_t slen,
    const char *subject, size_t sublen)
{
	kd_server *srv = req->srv;
	char tname[33];
	uint8_t spk[32];
	domain_user who;
	int have_pk = 0, have_user = 0;

	if (slen != 8 || memcmp(school, srv->school, 8) != 0)
		return domain_msg_error(KN_EDENIED, "doc", "REKAMAN_SEKOLAH_INI_SAJA", "npsn", srv->school, NULL);
	if (tlen >= sizeof(tname))
		return domain_msg_error(KN_EINVAL, "doc", "REKAMAN_KUNCI_DOKUMEN", NULL);
	memcpy(tname, type, tlen);
	tname[tlen] = '\0';
	if (sublen >= 64 && kn_unhex(spk, 32, subject, 64) == 0) {
		have_pk = 1;
		int rc = kd_user_lookup(&who, t, srv->school, spk);
		if (rc && rc != KN_ENOTFOUND)
			return rc;
		have_user = rc == 0;
	}
	return domain_record_may_read(&req->me, req->sess->key->pk, tname, have_user ? &who : NULL, have_pk ? spk : NULL);
}

int
kd_view_access(kd_req *req, store_txn *t, const record_view *v)
{
	return doc_access(req, t, v->type, v->type_len, v->school, v->school_len, v->subject, v->subject_len);
}

int
kd_m_record_get(kd_req *req, msgpack_packer *pk)
{
	uint8_t id[32];
	const uint8_t *rec;
	size_t len;
	store_txn *t;
	record_view v;
	int rc;

	if ((rc = id_arg(id, req, "id", 1)) || (rc = store_read_begin(&t, req->srv->st)))
		return rc;
	rc = store_txn_get(&rec, &len, t, id);
	if (rc == KN_ENOTFOUND)
		rc = domain_msg_error(KN_ENOTFOUND, "id", "REKAMAN_TIDAK_ADA", NULL);
	if (rc == 0)
		rc = record_open(&v, rec, len, id);
	if (rc == 0) {
		rc = kd_view_access(req, t, &v);
		if (rc == 0)
			pack_record(pk, &v);
		record_view_free(&v);
	}
	store_read_end(t);
	return rc;
}

/*
 * record.history, one page: the records of a document, oldest first (by
 * hlc, then id). Every record handed out is verified (this view is for
 * audits), so a long document is read on a worker thread (KD_LANE_READ);
 * the cursor is the id of the last record
 * of the previous page.
 */
typedef struct {
	kd_job j;
	store *st;
	char doc[RECORD_DOC_KEY_MAX];
	kd_page page;
	kn_buf records;    /* packed record maps */
	size_t n;
	int more;
	uint8_t last[32];  /* id of the last record packed */
} history_job;

/* Worker thread: load and verify the document, then pack the page after the cursor. */
static void
history_run(kd_job *j)
{
	history_job *hj = (history_job *)j;
	kd_history h = { 0 };
	msgpack_packer pk;
	store_txn *t;
	size_t i = 0;
	int rc;

	if ((rc = store_read_begin(&t, hj->st)))
		goto out_keep_error;
	if ((rc = kd_history_load(&h, t, hj->doc)))
		goto out_free_history;
	if (h.n == 0) {
		rc = domain_msg_error(KN_ENOTFOUND, "doc", "REKAMAN_DOKUMEN_TIDAK_ADA", "dokumen", hj->doc, NULL);
		goto out_free_history;
	}
	if (hj->page.has_cursor) {
		while (i < h.n && memcmp(h.v[i].id, hj->page.cursor, 32) != 0)
			i++;
		if (i == h.n) {
			rc = kd_page_bad_cursor();
			goto out_free_history;
		}
		i++;
	}
	msgpack_packer_init(&pk, &hj->records, kn_buf_msgpack_write);
	for (; i < h.n && hj->n < hj->page.limit && hj->records.len < KD_PAGE_BYTES; i++) {
		pack_record(&pk, &h.v[i]);
		memcpy(hj->last, h.v[i].id, 32);
		hj->n++;
	}
	hj->more = i < h.n;
	if (hj->records.failed)
		rc = kn_error_set(KN_ENOMEM, "", "out of memory while reading the history; try a smaller limit");
out_free_history:
	kd_history_free(&h);
	store_read_end(t);
out_keep_error:
	if (rc)
		kd_job_keep_error(j, rc);
}

/* The page, in the answer map; the records were packed by the worker already. */
static void
history_pack(kd_job *j, msgpack_packer *pk)
{
	history_job *hj = (history_job *)j;

	msgpack_pack_map(pk, 3);
	kd_pack_kv_str(pk, "doc", hj->doc);
	kd_pack_str(pk, "records");
	msgpack_pack_array(pk, hj->n);
	kn_buf_put(pk->data, hj->records.ptr, hj->records.len); /* elements packed already */
	kd_pack_next(pk, hj->last, hj->more);
}

/* Free what the job owns (kd_job_answer frees the job). */
static void
history_cleanup(kd_job *j)
{
	history_job *hj = (history_job *)j;

	kn_buf_free(&hj->records);
}

/* The document is found and access decided here (one record at most); the history is read by a job. */
int
kd_m_record_history(kd_req *req, msgpack_packer *pk)
{
	char doc[RECORD_DOC_KEY_MAX];
	uint8_t id[32];
	store_txn *t;
	kd_page page;
	int rc;

	(void)pk;
	if ((rc = kd_arg_str(doc, sizeof(doc), req, "doc", 0)) || (rc = kd_page_args(&page, req)))
		return rc;
	rc = id_arg(id, req, "id", 0);
	if (rc && rc != KN_ENOTFOUND)
		return rc;
	int by_id = rc == 0;
	if (!by_id && !doc[0])
		return domain_msg_error(KN_EINVAL, "id", "REKAMAN_ID_ATAU_DOKUMEN", NULL);
	if ((rc = store_read_begin(&t, req->srv->st)))
		return rc;
	if (by_id) {
		const uint8_t *rec;
		size_t len;
		record_view v;
		rc = store_txn_get(&rec, &len, t, id);
		if (rc == KN_ENOTFOUND)
			rc = domain_msg_error(KN_ENOTFOUND, "id", "REKAMAN_TIDAK_ADA", NULL);
		if (rc == 0 && (rc = record_open(&v, rec, len, id)) == 0) {
			record_doc_key(doc, &v);
			record_view_free(&v);
		}
	}
	if (rc == 0) {
		/* type/school/subject: check access before anything is loaded */
		const char *s1 = strchr(doc, '/'), *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
		if (s2 == NULL)
			rc = domain_msg_error(KN_EINVAL, "doc", "REKAMAN_KUNCI_DOKUMEN", NULL);
		else
			rc = doc_access(req, t, doc, (size_t)(s1 - doc), s1 + 1, (size_t)(s2 - s1 - 1), s2 + 1, strlen(s2 + 1));
	}
	store_read_end(t);
	if (rc)
		return rc;
	history_job *hj = calloc(1, sizeof(*hj));
	if (hj == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	hj->st = req->srv->st;
	memcpy(hj->doc, doc, sizeof(doc));
	hj->page = page;
	hj->j.lane = KD_LANE_READ;
	hj->j.run = history_run;
	hj->j.done = kd_job_answer;
	hj->j.pack = history_pack;
	hj->j.cleanup = history_cleanup;
	hj->j.req = *req;
	return kd_work_submit(req->srv, &hj->j);
}
