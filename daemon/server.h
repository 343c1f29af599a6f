/*
 * server.h - kinerjad's local RPC server: one libevent loop, a Unix socket
 * speaking MessagePack-RPC, group commit of writes, and sessions.
 *
 * Wire: each message is one MessagePack array, no extra framing:
 *   request      [0, msgid, method, params]   params = [ {named args} ]
 *   response     [1, msgid, error, result]    error = nil or
 *                {"code": str, "message": str, "field": str}
 *   notification [2, method, params]          (no response)
 * A message larger than max_frame_kb, or bytes that are not MessagePack,
 * get an error response (msgid 0 when none could be read) and the
 * connection is closed; other clients are not affected. A well-formed
 * message that is not a valid request gets an error and the connection
 * goes on.
 *
 * Writes: a method that changes the store adds records to the loop's open
 * batch (kd_write_begin/kd_write_end) and its reply is held until that
 * batch is committed, after every request read in the same loop turn has
 * run: many requests, one fsync. A failed commit turns every held reply
 * into an error, so no client is told "saved" for a record that is not.
 */
#ifndef KD_SERVER_H
#define KD_SERVER_H

#include <msgpack.h>
#include <stdint.h>
#include <sys/types.h>

#include "../domain/domain.h"
#include "../store/evidence.h"
#include "../store/keys.h"
#include "../store/store.h"
#include "config.h"

#define KD_VERSION "0.1.0"

typedef struct kd_server kd_server;
typedef struct kd_client kd_client;

/* A logged-in person: their unlocked key lives here until logout/expiry. */
typedef struct kd_session {
	struct kd_session *next;
	uint8_t token[32];
	keys_secret *key;
	char school[9];
	char role[16];
	char name[101];
	uint64_t expires_ms; /* wall clock */
	int must_change;     /* logged in with a one-time passphrase: only KD_TOKEN methods until it is changed */
} kd_session;

struct kd_server {
	kd_config cfg;
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *flush_ev;
	struct event *sweep_ev;
	struct event *accept_ev;
	struct event *sig_ev[3];
	store *st;
	store_batch *batch;        /* open group-commit batch, or NULL */
	struct kd_pending *pending; /* replies waiting for the batch */
	struct kd_pending **pending_tail;
	kd_client *clients;
	int nclients;
	kd_client *ready;          /* clients with requests to serve, in turn order (server.c) */
	kd_client **ready_tail;
	struct event *turn_ev;     /* serves one turn of the ready clients */
	int turn_armed;            /* turn_ev is active, or pending as a zero timer */
	int in_turn;               /* turn_ev's callback is running */
	struct event *cron_ev;     /* once a second: drop clients stalled on unread replies */
	kd_session *sessions;
	keys_secret *device;
	keys_cost cost;
	uint64_t started_ms;
	char school[9];            /* NPSN of this store's school, "" if none */
	char school_name[101];
	int office;                /* the store of an education office (role = dinas or hub): holds many schools' records */
	uint8_t authority_pk[32];  /* the office's authority key (public half), when office */
	struct kd_work *work;      /* the worker pool (work.c) */
	evidence_repo *ev;         /* Bukti Dukung: the loop's handle, for start-up repairs (workers have their own) */
	unsigned ev_types;         /* accepted file types */
	struct kd_upload *uploads; /* uploads in progress (evidence.c) */
	uint64_t ev_problems;      /* evidence commits found missing at start */
	int verifying;             /* an evidence.verify job is running */
	uint64_t commits;          /* durable commits done */
	uint64_t committed_records;
	struct kd_login *logins;   /* login throttle, per person (login.c) */
	uint64_t login_evaluations; /* Argon2id unlocks started for session.login and session.passwd; atomic (worker) */
	struct kd_sync *sync;      /* sync with the hub, or the hub's schools (sync.h); NULL before start */
	int sync_origin;           /* loop: records being added arrive from a sync peer (the feed's origin: 1 below, 2 the parent) */
};

/* Create, listen and run until SIGTERM/SIGINT; then shut down cleanly. */
int kd_server_init(kd_server **out, const kd_config *cfg);
int kd_server_run(kd_server *srv);
void kd_server_free(kd_server *srv);

/* A request being served. */
typedef struct {
	kd_server *srv;
	kd_client *client;
	uint32_t msgid;
	const msgpack_object *args; /* the named-args map (never NULL) */
	int wrote;                  /* set by kd_write_begin */
	int notify;                 /* a notification: no reply */
	/*
	 * Filled by the dispatcher for methods that need a session: the
	 * caller's session (valid only while the method runs: a job's done()
	 * finds it again by token) and, for KD_MEMBER methods, the caller's
	 * enrollment as stored now.
	 */
	kd_session *sess;
	domain_user me;
	/*
	 * The school a KD_MEMBER request is about: this store's school, or,
	 * at an education office, the "school" argument (default the office).
	 */
	char school[9];
} kd_req;

/*
 * Answer a request: result bytes res when rc == 0, else the last error.
 * Held until the batch commits when the request wrote. A method that
 * returns KD_ASYNC answers later with kd_respond (work.c).
 */
#define KD_ASYNC 1
void kd_respond(kd_req *req, int rc, const kn_buf *res);
/* A worker job starts (KN_EBUSY when the client has max_jobs already) and ends. */
int kd_client_job_begin(kd_client *c, int max_jobs);
void kd_client_job_end(kd_client *c);
/* Has the client hung up? Safe to call from the worker thread. */
int kd_client_gone(const kd_client *c);
/* Who is on the other end of the socket (SO_PEERCRED), for the log. */
typedef struct {
	uid_t uid;
	pid_t pid;
} kd_peer;
int kd_client_peer(kd_peer *out, const kd_client *c);

/*
 * A method packs its result (one object) into res and returns 0, or
 * returns a KN_E* code with the last error set (field and message).
 */
typedef int (*kd_method_fn)(kd_req *req, msgpack_packer *res);

/* Who may call a method at all; checked by the dispatcher before fn runs. */
enum kd_access {
	KD_OPEN = 1,  /* anyone who can open the socket: status, session.login */
	KD_INIT,      /* anyone, but only while the store holds no school: school.init */
	KD_TOKEN,     /* a live session token; the enrollment is not consulted (logout, info, passphrase change) */
	KD_MEMBER,    /* a live session of a person enrolled and active now, and gate(me) == 0 */
};

/*
 * The method table (table.c): one row per method. A method that is not in
 * it is refused, and a row without an access level is refused too: deny
 * by default. gate is the domain/ predicate that decides from the caller's
 * enrollment; decides names the domain/ predicate that each method applies
 * per object (whose records, which document), for the documentation and
 * the tests.
 */
typedef struct {
	const char *name;
	kd_method_fn fn;
	enum kd_access access;
	int (*gate)(const domain_user *me);
	const char *decides;
} kd_method;
extern const kd_method kd_method_table[];
/* The row of a method; NULL when there is none. */
const kd_method *kd_method_find(const char *name, size_t len);

/*
 * Writes of one request are atomic: kd_write_begin opens (or joins) the
 * loop's batch and a sub-transaction; kd_write_end(req, rc) keeps the
 * request's writes when rc == 0 and drops them otherwise.
 */
int kd_write_begin(store_batch **out, kd_req *req);
int kd_write_end(kd_req *req, int rc);

/* Argument helpers: copy a str arg (KN_EINVAL naming it when missing). */
int kd_arg_str(char *out, size_t outsz, const kd_req *req, const char *name, int required);
const msgpack_object *kd_arg(const kd_req *req, const char *name);

/*
 * Long listings come in pages: user.list, record.history and
 * evidence.history take the named arguments "limit" (items per page,
 * default KD_PAGE_DEFAULT, at most KD_PAGE_MAX) and "cursor" (the "next"
 * of the previous page; absent for the first page). A page also ends once
 * its items take KD_PAGE_BYTES, so a reply stays bounded whatever the
 * items hold. Each result carries "next": the cursor of the following
 * page, or nil after the last. A cursor is opaque to clients; it names the
 * last item returned (a person's key, a record id, as 64 hex characters),
 * so it stays valid while items are added and every item comes once.
 */
#define KD_PAGE_DEFAULT 100
#define KD_PAGE_MAX 1000
#define KD_PAGE_BYTES (1024 * 1024)
typedef struct {
	size_t limit;
	int has_cursor;
	uint8_t cursor[32]; /* the last item of the previous page */
} kd_page;
/* Read "limit" and "cursor"; KN_EINVAL naming the one that is malformed. */
int kd_page_args(kd_page *out, const kd_req *req);
/* The error for a well-formed cursor that names no item of this listing. */
int kd_page_bad_cursor(void);
/* Pack "next": the hex of last when there is a next page, else nil. */
void kd_pack_next(msgpack_packer *pk, const uint8_t last[32], int more);

/* Sessions (session.c); at most KD_SESSIONS_MAX, the oldest login gives way. */
#define KD_SESSIONS_MAX 1024
int kd_session_find(kd_session **out, kd_server *srv, const kd_req *req);
int kd_session_add(kd_session **out, kd_server *srv, keys_secret *key, const char *school, const char *role,
    const char *name);
int kd_session_by_token(kd_session **out, kd_server *srv, const uint8_t token[32]);
int kd_session_remove(kd_server *srv, const uint8_t token[32]);
/*
 * End every session of the person with key pk but the one whose token is
 * keep (NULL: all of them); returns how many ended.
 */
int kd_session_end_person(kd_server *srv, const uint8_t pk[32], const uint8_t *keep);
void kd_session_sweep(kd_server *srv);
/* End every session, and forget the login throttle's memory (its state is in the store). */
void kd_session_free_all(kd_server *srv);

/* The login throttle's in-memory table (login.c); its state is in the store. */
void kd_login_free_all(kd_server *srv);

/*
 * Store hooks with the domain rules (rules.c): check = domain_record_accept
 * on the record and what it names; index = the secondary indexes. The
 * hooks use no server state, so tests install them on a bare store.
 */
void kd_rules_hooks(store_hooks *out, void *ctx);
/*
 * Install the hooks on srv's store and, on a store written before the
 * index of current versions existed, build it (kd_rules_index_rebuild).
 * 0 or the store's error.
 */
int kd_rules_install(kd_server *srv);
/*
 * Build the index of current versions ("h/", "a/": see rules.c) from
 * every stored record, in one batch, and mark the store as kept up to
 * date. The index hook keeps it from then on. 0 or the store's error.
 */
int kd_rules_index_rebuild(store *st);
/* Current enrollment of pk in school; KN_ENOTFOUND when none. */
int kd_user_lookup(domain_user *out, store_txn *t, const char *school, const uint8_t pk[32]);
int kd_school_lookup(domain_school *out, store_txn *t, const char *school);
/* Public key enrolled with this NIP or NUPTK in school; KN_ENOTFOUND when none. */
int kd_ident_lookup(uint8_t pk[32], store_txn *t, const char *school, const char *ident);

/*
 * Sign a record of type about subject in school with signer's key, naming
 * as auth the signer's current enrollment (or the school record, for the
 * operator's first enrollment), and add it to batch. 0, or the store's or
 * the rules' error.
 */
int kd_record_add(uint8_t id[RECORD_ID_BYTES], kd_server *srv, store_batch *b, const char *type, const char *school,
    const char *subject, const uint8_t (*parents)[RECORD_ID_BYTES], size_t nparents, const kn_buf *body,
    const keys_secret *signer);
/* KN_EEXISTS naming the field when u's NIP or NUPTK belongs to another person of school. */
int kd_idents_free(store_txn *t, const char *school, const domain_user *u, const uint8_t subject_pk[32]);

/*
 * The current version of a document: its newest record (ties: larger id)
 * that takes effect (domain_act_effective); KN_ENOTFOUND when none. Read
 * from the index the store's index hook keeps ("h/<doc>"): one look-up
 * and one record. kd_doc_head_fold computes the same from the document's
 * records and its authors' enrollments (what the hook runs, and what the
 * tests compare the index with). The view borrows from t.
 */
int kd_doc_head(record_view *out, store_txn *t, const char *doc);
/* The id of doc's current version (kd_doc_head); KN_ENOTFOUND when the document does not exist. */
int kd_doc_head_id(uint8_t id[32], store_txn *t, const char *doc);
/* The id of the current version of school (or office) npsn's own record, "school/<npsn>/<npsn>": what the Dinas's acts stand on. */
int kd_school_record_id(uint8_t id[32], store_txn *t, const char *npsn);
int kd_doc_head_fold(record_view *out, store_txn *t, const char *doc);

/* Every record of a document, as stored (verified when written: store_record_open), oldest first (by hlc, then id). */
typedef struct {
	store_txn *t;
	record_view *v; /* n views, borrowed from t */
	size_t n, cap;
} kd_history;
int kd_history_load(kd_history *out, store_txn *t, const char *doc);
void kd_history_free(kd_history *h);

/*
 * Catalogs (catalog.c). A catalog version lives in the store as a record of
 * type "catalog" whose subject is the version (BLAKE2b-256 of the JSON
 * file's bytes, 64 hex) and whose body is {"json": bin}. kd_catalog_get
 * parses the version named (or, when version is NULL or "", the newest
 * catalog stored) into *out (free with domain_catalog_free) and writes the
 * version's hex into version_out when not NULL. KN_ENOTFOUND with advice
 * when the store has none.
 */
struct domain_catalog;
int kd_catalog_get(struct domain_catalog **out, char version_out[65], store_txn *t, const char *school,
    const char *version);
/*
 * The store's index hook for a catalog record (rules.c): the school's
 * versions and when each was first added, so the newest is found without
 * reading every record. kd_catalog_get keeps parsed versions in a small
 * process-wide cache (thread-safe; it hands out copies);
 * kd_catalog_cache_clear empties it, and copies handed out stay valid.
 */
int kd_catalog_index(store_txn *t, const record_view *v);
void kd_catalog_cache_clear(void);
/* domain_catalog_parse, through the cache of parsed versions (a domain_ctx's catalog_parse). */
int kd_catalog_parse_cached(domain_catalog **out, const uint8_t *json, size_t len, void *arg);
/*
 * The catalogs of a new school (school.init): _new on the loop (copies
 * dir), _read on the worker thread (reads and checks every *.json file of
 * dir, in name order; never fails, a problem becomes a warning), _store on
 * the loop in the batch that makes the school (each signed by signer; a
 * file the rules refuse becomes a warning; only LMDB errors are returned),
 * _pack adds the two entries "catalogs" (what was stored) and
 * "catalog_warnings" to the caller's reply map. _free is NULL-safe.
 */
typedef struct kd_catalog_files kd_catalog_files;
int kd_catalog_files_new(kd_catalog_files **out, const char *dir);
void kd_catalog_files_read(kd_catalog_files *cf);
int kd_catalog_files_store(kd_catalog_files *cf, kd_server *srv, store_batch *b, const char *school,
    const keys_secret *signer);
void kd_catalog_files_pack(msgpack_packer *pk, const kd_catalog_files *cf);
void kd_catalog_files_free(kd_catalog_files *cf);

/* Reload the school NPSN and name held by this store into srv. */
void kd_refresh_school(kd_server *srv);
/* This office's own code (meta "office", written by dinas init) into out, "" when none (a school, an older store). */
void kd_own_office(char out[9], store *st);

/* Evidence (evidence.c): open and repair at start, expire idle uploads, free. */
int kd_evidence_init(kd_server *srv);
void kd_evidence_sweep(kd_server *srv);
void kd_evidence_free(kd_server *srv);

/* Pack helpers. */
void kd_pack_str(msgpack_packer *pk, const char *s);
void kd_pack_kv_str(msgpack_packer *pk, const char *k, const char *v);
void kd_pack_kv_u64(msgpack_packer *pk, const char *k, uint64_t v);
void kd_pack_kv_hex(msgpack_packer *pk, const char *k, const uint8_t *bin, size_t len);


#endif
