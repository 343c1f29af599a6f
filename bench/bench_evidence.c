/*
 * bench_evidence.c - Bukti Dukung (evidence) throughput: uploads through
 * the real daemon and packs through store/evidence.c, each next to a
 * baseline measured in the same run on the same bytes.
 *
 * Uploads. kinerjad is started on a fresh directory under /tmp. A school,
 * its Operator Sekolah and a guru are set up through the real CLI, with the
 * passphrases piped on stdin as tests/e2e/evidence.sh does; the guru logs
 * in and their token is read from the session file. Then, straight from C
 * over the Unix socket, each file goes through evidence.upload.begin,
 * .chunk (256 KiB, sent from memory with writev) and .finish, one file
 * after the other, each to its own slot (berkas-1, berkas-2, ...; not RHK
 * slots, which take files only under an agreed plan). The clock runs
 * from the first begin to the last finish reply; kinerjad answers a finish
 * only once the git objects, the ref and the signed record are durable.
 * The files are "%PDF-1.4\n", random bytes and "\n%%EOF\n", all distinct
 * so that none is deduplicated: 200 of 100 KB, then 10 of 5 MB (MB and KB
 * are decimal here, as in the daemon's limits).
 *
 * Baselines of the uploads, same bytes, same order, each into a fresh bare
 * repository, with the libgit2 options evidence_open() sets (strict hashing,
 * strict object creation, fsync of objects and refs):
 *   - raw libgit2: the blob from memory, the slot tree, the root tree, a
 *     commit and a compare-and-swap ref update per file, as evidence_put()
 *     lays them out;
 *   - store: evidence_put() itself, from a temp file written before its
 *     clock starts (the daemon's staging file plays that part).
 *
 * Packs. After the daemon has stopped (SIGTERM, exit 0 expected), its
 * repository is opened with evidence_open(): evidence_pack_build() of
 * every ref streams a pack into memory, and evidence_pack_index_*() feeds
 * that pack in 64 KiB pieces into a fresh repository. Baselines: git
 * pack-objects --all --stdout on the same repository (to a file in /tmp),
 * and git index-pack --stdin of the same pack into a fresh repository with
 * the pack and its index fsynced; both with one thread, as
 * evidence_pack_build() uses, and timed around system(), so they include
 * starting git. Skipped when git is not installed.
 *
 * Checks (exit status 1 when one fails; speed is never asserted): every
 * RPC reply; each finish reports the file's size, no dedup and the same
 * blob id as both baselines; the daemon's last commit lists every file with
 * that blob; the packs of libgit2 and git hold the same number of objects,
 * and both indexers, and git count-objects, agree on it.
 *
 * Usage: bench_evidence [BUILD_DIR]   runs BUILD_DIR/kinerjad and kinerja
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>
#include <msgpack.h>

#include "../store/evidence.h"
#include "../store/record.h"
#include "../tests/lib/kntest.h"
#include "../util/kn.h"

#define SMALL_FILES 200
#define SMALL_BYTES (100 * 1000)
#define BIG_FILES 10
#define BIG_BYTES (5 * 1000 * 1000)
#define NFILES (SMALL_FILES + BIG_FILES)
#define CHUNK (256 * 1024)          /* the daemon's UPLOAD_CHUNK_MAX */
#define INDEX_PIECE (64 * 1024)     /* pack bytes per evidence_pack_index_append() */
#define IO_TIMEOUT_S 60
#define STOP_TIMEOUT_MS 20000
#define REPLY_MAX (1 << 20)
#define PERIOD "2026-1"
#define NPSN "20100001"
#define OPERATOR_NUPTK "1234567890123456"
#define GURU_NIP "198501012010011001"
#define BASE_REF "refs/kinerja/" NPSN "/bench/" PERIOD
#define PDF_HEAD "%PDF-1.4\n"
#define PDF_TAIL "\n%%EOF\n"

/* One file of the run: its bytes, where it goes, and the blob ids each writer reported. */
typedef struct {
	uint8_t *data;
	size_t len;
	char slot[32];
	char name[32];
	char blob[EVIDENCE_OID_HEX];      /* kinerjad's, from the finish reply */
	char raw_blob[EVIDENCE_OID_HEX];  /* the raw libgit2 baseline's */
} bench_file;

/* The raw libgit2 baseline's repository and the head of its one ref. */
typedef struct {
	git_repository *repo;
	git_signature *sig;
	git_commit *head;      /* NULL before the first commit */
} raw_repo;

/* The store baseline: evidence_put() into its own repository. */
typedef struct {
	evidence_repo *ev;
	char head[EVIDENCE_OID_HEX]; /* "" before the first commit */
	char tmp[300];               /* the file evidence_put() reads */
} store_run;

/* MB per second of bytes in secs (decimal MB). */
static double
mb_s(uint64_t bytes, double secs)
{
	return secs > 0 ? (double)bytes / 1e6 / secs : 0;
}

/*
 * The run's files, made before any clock starts: PDF header, random bytes
 * from a per-file xorshift64* stream, "%%EOF" trailer. Returns 0 or -1.
 */
static int
files_make(bench_file *files)
{
	for (size_t i = 0; i < NFILES; i++) {
		bench_file *f = &files[i];
		uint64_t x = 0x9e3779b97f4a7c15ULL * (i + 1);
		size_t body;

		f->len = i < SMALL_FILES ? SMALL_BYTES : BIG_BYTES;
		f->data = malloc(f->len);
		if (f->data == NULL) {
			fprintf(stderr, "bench_evidence: out of memory for the files\n");
			return -1;
		}
		body = f->len - strlen(PDF_HEAD) - strlen(PDF_TAIL);
		memcpy(f->data, PDF_HEAD, strlen(PDF_HEAD));
		for (size_t k = 0; k < body; k += 8) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			uint64_t r = x * 0x2545f4914f6cdd1dULL;
			memcpy(f->data + strlen(PDF_HEAD) + k, &r, body - k < 8 ? body - k : 8);
		}
		memcpy(f->data + f->len - strlen(PDF_TAIL), PDF_TAIL, strlen(PDF_TAIL));
		snprintf(f->slot, sizeof(f->slot), "berkas-%zu", i + 1);
		snprintf(f->name, sizeof(f->name), "bukti-%03zu.pdf", i + 1);
	}
	return 0;
}

static void
files_free(bench_file *files)
{
	for (size_t i = 0; i < NFILES; i++)
		free(files[i].data);
}

/*
 * Run cmd with /bin/sh, its output appended to log. Returns 0 when it
 * exits 0; else prints what and the log's path, and returns -1.
 */
static int
run_cmd(const char *what, const char *cmd, const char *log)
{
	char full[2048];
	int st;

	if ((size_t)snprintf(full, sizeof(full), "(%s) >>'%s' 2>&1", cmd, log) >= sizeof(full)) {
		fprintf(stderr, "bench_evidence: command too long: %s\n", what);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	st = system(full);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_evidence: %s failed (status %d); output:\n", what, st);
		snprintf(full, sizeof(full), "tail -20 '%s' >&2", log);
		if (system(full) == -1)
			perror("system");
		return -1;
	}
	return 0;
}

/*
 * One call: send [0, msgid, method, [args]] where the argument map is the
 * bytes of args followed by tail (a chunk's data, sent from where it lies;
 * NULL for none), read one whole reply and check it. *out = the result,
 * borrowed until the next call. Returns 0, or -1 with the reason printed
 * (the daemon's error message for an error reply).
 */
static int
rpc_call(const msgpack_object **out, kntest_conn *c, const char *method, const kn_buf *args, const void *tail,
    size_t tail_len)
{
	uint32_t id = c->next_id++;
	const msgpack_object *reply;

	if (kntest_conn_send(c, id, method, 1, args, tail, tail_len) != 0 ||
	    kntest_conn_recv(&reply, c, REPLY_MAX, method) != 0)
		return -1;
	return kntest_rpc_result(out, reply, id, method);
}

/* Pack key: a string value / an unsigned value into an argument map. */
static void
pack_kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
	msgpack_pack_str(pk, strlen(v));
	msgpack_pack_str_body(pk, v, strlen(v));
}

static void
pack_kv_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	msgpack_pack_str(pk, strlen(k));
	msgpack_pack_str_body(pk, k, strlen(k));
	msgpack_pack_uint64(pk, v);
}

/* The unsigned value at key of a result map; -1 when absent or not one. */
static int
result_u64(uint64_t *out, const msgpack_object *res, const char *key)
{
	const msgpack_object *o = kn_map_get(res, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return -1;
	*out = o->via.u64;
	return 0;
}

/* Is the value at key of a result map the boolean false? */
static int
result_false(const msgpack_object *res, const char *key)
{
	const msgpack_object *o = kn_map_get(res, key);

	return o != NULL && o->type == MSGPACK_OBJECT_BOOLEAN && !o->via.boolean;
}

/*
 * Upload f through begin, chunks and finish as the guru with token; the
 * finish must report f's size, no dedup and a change. Sets f->blob and
 * commit (the new head). Returns 0 or -1 (reason printed).
 */
static int
upload_file(bench_file *f, char commit[EVIDENCE_OID_HEX], kntest_conn *c, const char *token)
{
	const msgpack_object *res;
	kn_buf args = KN_BUF_INIT;
	msgpack_packer pk;
	char id[64];
	uint64_t chunk_max, got, size;
	size_t off = 0;
	int rc = -1;

	msgpack_packer_init(&pk, &args, kn_buf_msgpack_write);
	msgpack_pack_map(&pk, 5);
	pack_kv_str(&pk, "token", token);
	pack_kv_str(&pk, "period", PERIOD);
	pack_kv_str(&pk, "slot", f->slot);
	pack_kv_str(&pk, "name", f->name);
	pack_kv_u64(&pk, "size", f->len);
	if (rpc_call(&res, c, "evidence.upload.begin", &args, NULL, 0) != 0)
		goto out_free;
	if (kn_map_str(id, sizeof(id), res, "upload_id") != 0 || result_u64(&chunk_max, res, "chunk_max") != 0 ||
	    chunk_max == 0) {
		fprintf(stderr, "bench_evidence: begin of %s: no upload_id or chunk_max in the reply\n", f->slot);
		goto out_free;
	}
	if (chunk_max > CHUNK)
		chunk_max = CHUNK;
	while (off < f->len) {
		size_t n = f->len - off < chunk_max ? f->len - off : (size_t)chunk_max;
		kn_buf_clear(&args);
		msgpack_pack_map(&pk, 4);
		pack_kv_str(&pk, "token", token);
		pack_kv_str(&pk, "upload_id", id);
		pack_kv_u64(&pk, "offset", off);
		msgpack_pack_str(&pk, 4);
		msgpack_pack_str_body(&pk, "data", 4);
		msgpack_pack_bin(&pk, n); /* the bytes follow from f->data, by writev */
		if (rpc_call(&res, c, "evidence.upload.chunk", &args, f->data + off, n) != 0)
			goto out_free;
		if (result_u64(&got, res, "received") != 0 || got != off + n) {
			fprintf(stderr, "bench_evidence: chunk of %s at %zu: the daemon did not receive %zu bytes\n", f->slot,
			    off, n);
			goto out_free;
		}
		off += n;
	}
	kn_buf_clear(&args);
	msgpack_pack_map(&pk, 2);
	pack_kv_str(&pk, "token", token);
	pack_kv_str(&pk, "upload_id", id);
	if (rpc_call(&res, c, "evidence.upload.finish", &args, NULL, 0) != 0)
		goto out_free;
	if (result_u64(&size, res, "size") != 0 || size != f->len || !result_false(res, "dedup") ||
	    !result_false(res, "unchanged") || kn_map_str(f->blob, sizeof(f->blob), res, "blob") != 0 ||
	    strlen(f->blob) != EVIDENCE_OID_HEX - 1 || kn_map_str(commit, EVIDENCE_OID_HEX, res, "commit") != 0) {
		fprintf(stderr, "bench_evidence: finish of %s: the reply does not report a new %zu-byte file\n", f->slot,
		    f->len);
		goto out_free;
	}
	rc = 0;

out_free:
	kn_buf_free(&args);
	return rc;
}

/*
 * Through the CLI (cli) on sock: a school, its operator and a guru, and
 * the guru's login; token = the guru's session token from the session
 * file (KINERJA_SESSION, set by the caller). Returns 0 or -1.
 */
static int
school_setup(char *token, size_t tsz, const char *cli, const char *sock, const char *session, const char *log)
{
	static const struct {
		const char *what, *pass, *args;
	} steps[] = {
		{ "school init", "operator-pass",
		    "school init --npsn " NPSN " --name 'SD Negeri 1 Contoh' --operator-name 'Siti Aminah'"
		    " --operator-nuptk " OPERATOR_NUPTK },
		{ "operator login", "operator-pass", "login " OPERATOR_NUPTK },
		{ "user add (guru)", "guru-pass", "user add --name 'Budi Santoso' --role guru --nip " GURU_NIP },
		{ "guru login", "guru-pass", "login " GURU_NIP },
	};
	char cmd[1024], line[512];
	FILE *fp;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		snprintf(cmd, sizeof(cmd), "echo %s | '%s' --socket '%s' %s", steps[i].pass, cli, sock, steps[i].args);
		if (run_cmd(steps[i].what, cmd, log) != 0)
			return -1;
	}
	fp = fopen(session, "r");
	if (fp == NULL || fgets(line, sizeof(line), fp) == NULL) {
		fprintf(stderr, "bench_evidence: cannot read the session file %s\n", session);
		if (fp)
			fclose(fp);
		return -1;
	}
	fclose(fp);
	size_t n = strcspn(line, " \n");
	if (n == 0 || n >= tsz || line[n] != ' ') {
		fprintf(stderr, "bench_evidence: the session file %s holds no \"<token> <socket>\" line\n", session);
		return -1;
	}
	memcpy(token, line, n);
	token[n] = '\0';
	return 0;
}

/* Print libgit2's last error for what; returns -1. */
static int
git_fail(const char *what)
{
	const git_error *e = git_error_last();

	fprintf(stderr, "bench_evidence: libgit2: %s: %s\n", what, e && e->message ? e->message : "unknown error");
	return -1;
}

/*
 * Create a fresh bare repository at path for the raw baseline, with the
 * (process-wide) libgit2 options evidence_open() sets: strict hashing,
 * strict object creation, fsync of objects and refs.
 */
static int
raw_open(raw_repo *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	if (git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1) < 0 ||
	    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1) < 0 ||
	    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1) < 0)
		return git_fail("set the options evidence_open() sets");
	if (git_repository_init(&out->repo, path, 1) < 0)
		return git_fail("init the baseline repository");
	if (git_signature_new(&out->sig, "Budi Santoso", GURU_NIP "@" NPSN ".kinerja.invalid", (git_time_t)time(NULL),
	        420) < 0)
		return git_fail("make a signature");
	return 0;
}

/* NULL-safe on each member. */
static void
raw_close(raw_repo *rr)
{
	git_commit_free(rr->head);
	git_signature_free(rr->sig);
	git_repository_free(rr->repo);
	memset(rr, 0, sizeof(*rr));
}

/*
 * The raw baseline for one file: blob from memory, slot tree {name: blob},
 * root tree = the head's with slot replaced, a commit on the head, and the
 * ref moved only if it still holds the head. Sets f->raw_blob.
 */
static int
raw_put(raw_repo *rr, bench_file *f)
{
	git_treebuilder *tb = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_commit *next = NULL;
	git_reference *ref = NULL;
	git_oid blob, slot_tree, root, id;
	char msg[200];
	int rc = -1;

	if (git_blob_create_from_buffer(&blob, rr->repo, f->data, f->len) < 0) {
		git_fail("write a blob");
		goto out;
	}
	if (git_treebuilder_new(&tb, rr->repo, NULL) < 0 || git_treebuilder_insert(NULL, tb, f->name, &blob,
	        GIT_FILEMODE_BLOB) < 0 || git_treebuilder_write(&slot_tree, tb) < 0) {
		git_fail("write a slot tree");
		goto out;
	}
	git_treebuilder_free(tb);
	tb = NULL;
	if ((rr->head && git_commit_tree(&base, rr->head) < 0) || git_treebuilder_new(&tb, rr->repo, base) < 0 ||
	    git_treebuilder_insert(NULL, tb, f->slot, &slot_tree, GIT_FILEMODE_TREE) < 0 ||
	    git_treebuilder_write(&root, tb) < 0 || git_tree_lookup(&tree, rr->repo, &root) < 0) {
		git_fail("write a root tree");
		goto out;
	}
	snprintf(msg, sizeof(msg), "Unggah Bukti Dukung %s: %s\n\nPeriode %s.\n", f->slot, f->name, PERIOD);
	const git_commit *parents[1] = { rr->head };
	if (git_commit_create(&id, rr->repo, NULL, rr->sig, rr->sig, NULL, msg, tree, rr->head ? 1 : 0, parents) < 0) {
		git_fail("write a commit");
		goto out;
	}
	if ((rr->head ? git_reference_create_matching(&ref, rr->repo, BASE_REF, &id, 1, git_commit_id(rr->head), NULL) :
	        git_reference_create(&ref, rr->repo, BASE_REF, &id, 0, NULL)) < 0) {
		git_fail("move the ref");
		goto out;
	}
	if (git_commit_lookup(&next, rr->repo, &id) < 0) {
		git_fail("read the new commit");
		goto out;
	}
	git_commit_free(rr->head);
	rr->head = next;
	git_oid_tostr(f->raw_blob, sizeof(f->raw_blob), &blob);
	rc = 0;

out:
	git_reference_free(ref);
	git_tree_free(tree);
	git_tree_free(base);
	git_treebuilder_free(tb);
	return rc;
}

/* The raw baseline for files[from..to); *secs = its time. */
static int
raw_run(double *secs, raw_repo *rr, bench_file *files, size_t from, size_t to)
{
	double t0 = kntest_now_s();

	for (size_t i = from; i < to; i++)
		if (raw_put(rr, &files[i]) != 0)
			return -1;
	*secs = kntest_now_s() - t0;
	return 0;
}

/* Write f into the store run's temp file (before the clock); fd stays open. */
static int
store_tmp_write(int *fd, const store_run *sr, const bench_file *f)
{
	*fd = open(sr->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (*fd < 0) {
		fprintf(stderr, "bench_evidence: open %s: %s\n", sr->tmp, strerror(errno));
		return -1;
	}
	if (kn_write_full(*fd, f->data, f->len) != 0) {
		fprintf(stderr, "bench_evidence: write %s: %s\n", sr->tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The store baseline for files[from..to): evidence_put() of each, timed
 * alone (the temp file is written before its clock starts); each must be
 * new and have the raw baseline's blob id. *secs = the summed time.
 */
static int
store_run_files(double *secs, store_run *sr, bench_file *files, size_t from, size_t to)
{
	evidence_who who = { .when = (int64_t)time(NULL) };
	evidence_put_result res;
	char msg[200];
	double t = 0;

	snprintf(who.name, sizeof(who.name), "Budi Santoso");
	snprintf(who.email, sizeof(who.email), "%s@%s.kinerja.invalid", GURU_NIP, NPSN);
	for (size_t i = from; i < to; i++) {
		bench_file *f = &files[i];
		int fd, rc;

		if (store_tmp_write(&fd, sr, f) != 0) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		snprintf(msg, sizeof(msg), "Unggah Bukti Dukung %s: %s\n\nPeriode %s.\n", f->slot, f->name, PERIOD);
		double t0 = kntest_now_s();
		rc = evidence_put(&res, sr->ev, BASE_REF, sr->head, f->slot, f->name, fd, &who, msg);
		t += kntest_now_s() - t0;
		close(fd);
		if (rc != 0) {
			fprintf(stderr, "bench_evidence: evidence_put %s: %s\n", f->slot, kn_error_message());
			return -1;
		}
		if (res.dedup || res.unchanged || res.size != f->len || strcmp(res.blob, f->raw_blob) != 0) {
			fprintf(stderr, "bench_evidence: evidence_put %s: not a new %zu-byte blob %s\n", f->slot, f->len,
			    f->raw_blob);
			return -1;
		}
		memcpy(sr->head, res.commit, sizeof(sr->head));
	}
	*secs = t;
	return 0;
}

/* Print one figure: label padded to a column, then MB/s and a note. */
static void
report_line(const char *label, double mbs, const char *note)
{
	printf("%-58s %7.1f MB/s%s\n", label, mbs, note);
}

/* Print one upload comparison: daemon, store and raw libgit2 on the same n files. */
static void
report_uploads(const char *what, uint64_t bytes, size_t n, double daemon_s, double store_s, double raw_s)
{
	char label[128], note[64];

	snprintf(label, sizeof(label), "daemon: upload %s, begin/chunk/finish, durable:", what);
	snprintf(note, sizeof(note), "  (%.0f files/s)", (double)n / daemon_s);
	report_line(label, mb_s(bytes, daemon_s), note);
	report_line("store: evidence_put() of the same files, from a temp file:", mb_s(bytes, store_s), "");
	report_line("baseline: raw libgit2 blob+trees+commit+ref, same files:", mb_s(bytes, raw_s), "");
	printf("ratio daemon/baseline: %.2f  (daemon/store: %.2f)\n", raw_s / daemon_s, store_s / daemon_s);
	fflush(stdout);
}

/* Context of list_check(): the files and how many entries matched. */
typedef struct {
	const bench_file *files;
	size_t seen;
	int bad;
} list_ctx;

/* evidence_list() callback: the entry must be one of the files, with the daemon's blob. */
static int
list_check(void *arg, const evidence_entry *e)
{
	list_ctx *lc = arg;
	unsigned long k;
	char *end;

	if (strncmp(e->slot, "berkas-", 7) == 0 && (k = strtoul(e->slot + 7, &end, 10)) >= 1 && k <= NFILES && *end == '\0') {
		const bench_file *f = &lc->files[k - 1];
		if (strcmp(e->name, f->name) == 0 && strcmp(e->blob, f->blob) == 0 && e->size == f->len) {
			lc->seen++;
			return 0;
		}
	}
	fprintf(stderr, "bench_evidence: the daemon's last commit holds an unexpected %s/%s\n", e->slot, e->name);
	lc->bad = 1;
	return 1;
}

/* evidence_pack_build() sink: append to a kn_buf. */
static int
pack_sink(void *ctx, const void *data, size_t len)
{
	return kn_buf_put(ctx, data, len);
}

/* Object count in a pack's 12-byte header; -1 when it is not one. */
static long
pack_header_count(const uint8_t *p, size_t len)
{
	if (len < 12 || memcmp(p, "PACK", 4) != 0)
		return -1;
	return (long)((uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11]);
}

/*
 * Every ref of the repository at path, as commit ids (hex) in *out
 * (caller frees with free()); *n = how many. Returns 0 or -1.
 */
static int
refs_heads(char (**out)[EVIDENCE_OID_HEX], size_t *n, const char *path)
{
	git_repository *repo = NULL;
	git_strarray names = { 0 };
	git_oid id;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (git_repository_open_bare(&repo, path) < 0 || git_reference_list(&names, repo) < 0) {
		git_fail("list the daemon's refs");
		goto out;
	}
	*out = calloc(names.count ? names.count : 1, sizeof(**out));
	if (*out == NULL)
		goto out;
	for (size_t i = 0; i < names.count; i++) {
		if (git_reference_name_to_id(&id, repo, names.strings[i]) < 0) {
			git_fail(names.strings[i]);
			goto out;
		}
		git_oid_tostr((*out)[i], EVIDENCE_OID_HEX, &id);
	}
	*n = names.count;
	rc = 0;

out:
	git_strarray_dispose(&names);
	git_repository_free(repo);
	return rc;
}

/* "in-pack: N" of `git count-objects -v` on the repository at path; -1 on failure. */
static long
git_in_pack(const char *path)
{
	char cmd[600], line[256];
	long n = -1;
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' count-objects -v 2>/dev/null", path);
	fp = popen(cmd, "r");
	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, "in-pack: ", 9) == 0)
			n = strtol(line + 9, NULL, 10);
	if (pclose(fp) != 0)
		return -1;
	return n;
}

/* Write len bytes of p to a new file at path; 0 or -1. */
static int
file_write(const char *path, const uint8_t *p, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int rc;

	if (fp == NULL)
		return -1;
	rc = fwrite(p, 1, len, fp) == len ? 0 : -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

/*
 * Pack throughput on the daemon's repository (stopped), with git as the
 * baseline when it is installed. Returns 0 or -1.
 */
static int
pack_bench(const char *dir, const char *head, const bench_file *files, uint64_t total_bytes)
{
	char repo[256], ixrepo[256], gitrepo[256], libpack[256], gitpack[256], log[256], cmd[1024], note[96];
	char (*heads)[EVIDENCE_OID_HEX] = NULL;
	const char **wants = NULL;
	evidence_repo *ev = NULL, *ix_ev = NULL;
	evidence_indexer *ix = NULL;
	kn_buf pack = KN_BUF_INIT;
	list_ctx lc = { files, 0, 0 };
	uint32_t nobj = 0, nix = 0;
	size_t nheads = 0;
	double t0, build_s, index_s, gpack_s, gindex_s;
	struct stat st;
	uint8_t hdr[12];
	size_t got;
	long gcount, n;
	FILE *fp;
	int lrc, rc = -1;

	snprintf(repo, sizeof(repo), "%s/evidence.git", dir);
	snprintf(ixrepo, sizeof(ixrepo), "%s/index-lib.git", dir);
	snprintf(gitrepo, sizeof(gitrepo), "%s/index-git.git", dir);
	snprintf(libpack, sizeof(libpack), "%s/lib.pack", dir);
	snprintf(gitpack, sizeof(gitpack), "%s/git.pack", dir);
	snprintf(log, sizeof(log), "%s/git.log", dir);
	if (evidence_open(&ev, repo) != 0) {
		fprintf(stderr, "bench_evidence: evidence_open %s: %s\n", repo, kn_error_message());
		goto out;
	}
	/* Everything the daemon stored: its last commit lists every file. */
	lrc = evidence_list(ev, head, list_check, &lc);
	if (lrc != 0 || lc.bad || lc.seen != NFILES) {
		fprintf(stderr, "bench_evidence: the daemon's commit %s lists %zu of %d files%s%s\n", head, lc.seen, NFILES,
		    lrc ? ": " : "", lrc ? kn_error_message() : "");
		goto out;
	}
	if (refs_heads(&heads, &nheads, repo) != 0 || nheads == 0) {
		fprintf(stderr, "bench_evidence: the daemon's repository has no refs\n");
		goto out;
	}
	wants = calloc(nheads, sizeof(*wants));
	if (wants == NULL || kn_buf_grow(&pack, total_bytes + total_bytes / 8 + (1 << 20)) != 0) {
		fprintf(stderr, "bench_evidence: out of memory for the pack\n");
		goto out;
	}
	for (size_t i = 0; i < nheads; i++)
		wants[i] = heads[i];

	t0 = kntest_now_s();
	if (evidence_pack_build(ev, wants, nheads, NULL, 0, pack_sink, &pack, &nobj) != 0) {
		fprintf(stderr, "bench_evidence: evidence_pack_build: %s\n", kn_error_message());
		goto out;
	}
	build_s = kntest_now_s() - t0;
	if (pack_header_count(pack.ptr, pack.len) != (long)nobj || nobj < 4 * NFILES) {
		fprintf(stderr, "bench_evidence: the pack says %ld objects, the builder %u; expected at least %d\n",
		    pack_header_count(pack.ptr, pack.len), nobj, 4 * NFILES);
		goto out;
	}

	if (evidence_open(&ix_ev, ixrepo) != 0) {
		fprintf(stderr, "bench_evidence: evidence_open %s: %s\n", ixrepo, kn_error_message());
		goto out;
	}
	t0 = kntest_now_s();
	if (evidence_pack_index_begin(&ix, ix_ev) != 0) {
		fprintf(stderr, "bench_evidence: evidence_pack_index_begin: %s\n", kn_error_message());
		goto out;
	}
	for (size_t off = 0; off < pack.len; off += INDEX_PIECE) {
		size_t piece = pack.len - off < INDEX_PIECE ? pack.len - off : INDEX_PIECE;
		if (evidence_pack_index_append(ix, pack.ptr + off, piece) != 0) {
			fprintf(stderr, "bench_evidence: evidence_pack_index_append: %s\n", kn_error_message());
			goto out;
		}
	}
	lrc = evidence_pack_index_commit(ix, &nix);
	ix = NULL; /* freed by commit either way */
	index_s = kntest_now_s() - t0;
	if (lrc != 0 || nix != nobj) {
		fprintf(stderr, "bench_evidence: evidence_pack_index_commit: %u objects of %u: %s\n", nix, nobj,
		    lrc ? kn_error_message() : "count differs");
		goto out;
	}
	snprintf(note, sizeof(note), "  (%u objects, %.1f MB, %.2f s)", nobj, (double)pack.len / 1e6, build_s);
	report_line("pack: evidence_pack_build of every ref, into memory:", mb_s(pack.len, build_s), note);
	snprintf(note, sizeof(note), "  (%.2f s)", index_s);
	report_line("pack: evidence_pack_index_* of it into a fresh repository:", mb_s(pack.len, index_s), note);
	fflush(stdout);

	if (system("git --version >/dev/null 2>&1") != 0) {
		printf("baseline: git is not installed; pack baselines skipped\n");
		rc = 0;
		goto out;
	}
	if (file_write(libpack, pack.ptr, pack.len) != 0) {
		fprintf(stderr, "bench_evidence: cannot write %s\n", libpack);
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "git init -q --bare '%s'", gitrepo);
	if (run_cmd("git init", cmd, log) != 0)
		goto out;

	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' pack-objects --all --stdout --threads=1 -q </dev/null >'%s'", repo,
	    gitpack);
	t0 = kntest_now_s();
	if (run_cmd("git pack-objects", cmd, log) != 0)
		goto out;
	gpack_s = kntest_now_s() - t0;
	snprintf(cmd, sizeof(cmd), "git --git-dir='%s' -c core.fsync=pack,pack-metadata index-pack --stdin --threads=1 <'%s'",
	    gitrepo, libpack);
	t0 = kntest_now_s();
	if (run_cmd("git index-pack of the evidence_pack_build pack", cmd, log) != 0)
		goto out;
	gindex_s = kntest_now_s() - t0;

	fp = fopen(gitpack, "rb");
	got = fp ? fread(hdr, 1, sizeof(hdr), fp) : 0;
	if (fp)
		fclose(fp);
	gcount = pack_header_count(hdr, got);
	if (gcount != (long)nobj || stat(gitpack, &st) != 0) {
		fprintf(stderr, "bench_evidence: git pack-objects --all packed %ld objects, evidence_pack_build %u\n", gcount,
		    nobj);
		goto out;
	}
	if ((n = git_in_pack(gitrepo)) != (long)nobj || git_in_pack(ixrepo) != (long)nobj) {
		fprintf(stderr, "bench_evidence: git count-objects finds %ld / %ld objects in the indexed repositories, not %u\n",
		    n, git_in_pack(ixrepo), nobj);
		goto out;
	}
	snprintf(note, sizeof(note), "  (%ld objects, %.1f MB, %.2f s)", gcount, (double)st.st_size / 1e6, gpack_s);
	report_line("baseline: git pack-objects --all --stdout, 1 thread:", mb_s((uint64_t)st.st_size, gpack_s), note);
	printf("ratio pack build/baseline: %.2f\n", gpack_s / build_s);
	snprintf(note, sizeof(note), "  (%.2f s)", gindex_s);
	report_line("baseline: git index-pack --stdin of the same pack, fsync:", mb_s(pack.len, gindex_s), note);
	printf("ratio pack index/baseline: %.2f\n", gindex_s / index_s);
	fflush(stdout);
	rc = 0;

out:
	evidence_pack_index_abort(ix);
	evidence_close(ix_ev);
	evidence_close(ev);
	kn_buf_free(&pack);
	free(wants);
	free(heads);
	return rc;
}

int
main(int argc, char **argv)
{
	static bench_file files[NFILES];
	char dir[64], sock[128], session[128], log[128], raw_path[128], store_path[128];
	char bin[512], cli[512], token[128], head[EVIDENCE_OID_HEX] = "";
	const char *build = argc > 1 ? argv[1] : "build";
	const struct {
		const char *what;
		size_t from, to;
	} groups[] = {
		{ "200 x 100 KB", 0, SMALL_FILES },
		{ "10 x 5 MB", SMALL_FILES, NFILES },
	};
	raw_repo rr = { 0 };
	store_run sr = { 0 };
	static const char *const daemon_args[] = { "--set", "keys.pwhash=min", "--log-level", "warn", NULL };
	kntest_conn c = { .fd = -1 };
	pid_t dpid = -1;
	int rc = 1, git_inited = 0;

	signal(SIGPIPE, SIG_IGN);
	snprintf(bin, sizeof(bin), "%s/kinerjad", build);
	snprintf(cli, sizeof(cli), "%s/kinerja", build);
	if (strchr(build, '\'') != NULL) {
		fprintf(stderr, "bench_evidence: the build directory must not contain a quote\n");
		return 1;
	}
	if (kntest_tmpdir(dir, sizeof(dir), "/tmp/kn-bench-ev.XXXXXX") != 0) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/kinerjad.sock", dir);
	snprintf(session, sizeof(session), "%s/session", dir);
	snprintf(log, sizeof(log), "%s/cli.log", dir);
	snprintf(raw_path, sizeof(raw_path), "%s/raw.git", dir);
	snprintf(store_path, sizeof(store_path), "%s/store.git", dir);
	snprintf(sr.tmp, sizeof(sr.tmp), "%s/store.tmp", dir);
	setenv("KINERJA_SESSION", session, 1);
	if (files_make(files) != 0)
		goto out_free;

	/* The baselines' repositories. */
	if (git_libgit2_init() < 0) {
		git_fail("init");
		goto out_free;
	}
	git_inited = 1;
	if (evidence_open(&sr.ev, store_path) != 0) {
		fprintf(stderr, "bench_evidence: evidence_open %s: %s\n", store_path, kn_error_message());
		goto out_free;
	}
	if (raw_open(&rr, raw_path) != 0)
		goto out_free;

	if (kntest_daemon_start(&dpid, bin, dir, sock, daemon_args) != 0 ||
	    school_setup(token, sizeof(token), cli, sock, session, log) != 0 || kntest_conn_open(&c, sock, IO_TIMEOUT_S) != 0)
		goto out_stop;
	printf("bench_evidence: %s; PDFs of random bytes, chunks of %d KiB, one upload at a time, under %s\n", bin,
	    CHUNK / 1024, dir);
	printf("baselines: raw libgit2 = blob from memory + slot tree + root tree + commit + ref CAS;\n"
	       "           store = evidence_put() from a temp file; both with evidence_open()'s fsync options\n");
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		uint64_t bytes = 0;
		double t0, daemon_s, raw_s, store_s;

		for (size_t i = groups[g].from; i < groups[g].to; i++)
			bytes += files[i].len;
		t0 = kntest_now_s();
		for (size_t i = groups[g].from; i < groups[g].to; i++)
			if (upload_file(&files[i], head, &c, token) != 0)
				goto out_stop;
		daemon_s = kntest_now_s() - t0;
		if (raw_run(&raw_s, &rr, files, groups[g].from, groups[g].to) != 0 ||
		    store_run_files(&store_s, &sr, files, groups[g].from, groups[g].to) != 0)
			goto out_stop;
		for (size_t i = groups[g].from; i < groups[g].to; i++) {
			if (strcmp(files[i].blob, files[i].raw_blob) != 0) {
				fprintf(stderr, "bench_evidence: %s: the daemon stored blob %s, libgit2 hashes it %s\n",
				    files[i].slot, files[i].blob, files[i].raw_blob);
				goto out_stop;
			}
		}
		report_uploads(groups[g].what, bytes, groups[g].to - groups[g].from, daemon_s, store_s, raw_s);
	}
	rc = 0;

out_stop:
	kntest_conn_close(&c);
	if (dpid > 0) {
		if (kntest_daemon_stop(dpid, STOP_TIMEOUT_MS) != 0) {
			rc = 1;
		} else if (rc == 0) {
			printf("kinerjad stopped with SIGTERM: exit 0\n");
		}
	}
	if (rc == 0) {
		uint64_t total = 0;
		for (size_t i = 0; i < NFILES; i++)
			total += files[i].len;
		rc = pack_bench(dir, head, files, total) != 0;
	}

out_free:
	raw_close(&rr);
	evidence_close(sr.ev);
	if (git_inited)
		git_libgit2_shutdown();
	files_free(files);
	kntest_rm_rf(dir);
	return rc;
}
