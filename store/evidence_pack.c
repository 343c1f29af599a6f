/*
 * evidence_pack.c - packfiles of the evidence repository for sync (see
 * evidence.h): evidence_pack_build() streams what a peer lacks, and the
 * streaming indexer verifies a received pack before its objects become
 * visible.
 */
#include "evidence_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Objects bigger than this are packed without a delta search (see evidence_pack_build). */
#define EVIDENCE_PACK_DELTA_MAX (64 * 1024)

struct evidence_indexer {
	evidence_repo *r;
	git_indexer *ix;
	git_indexer_progress stats;
	int failed;           /* KN_E* code of a failed append: the pack is refused */
	char why[256];        /* its message */
};

/* Where git_packbuilder_foreach() sends the pack, and what the caller's writer said. */
typedef struct {
	int (*write)(void *ctx, const void *data, size_t len);
	void *ctx;
	int rc;
} evidence__pack_sink;

/* git_packbuilder_foreach() callback: hand a piece to the caller's writer. */
static int
evidence__pack_piece(void *buf, size_t size, void *payload)
{
	evidence__pack_sink *s = payload;

	s->rc = s->write(s->ctx, buf, size);
	return s->rc ? -1 : 0;
}

/* See evidence.h: a pack of what wants reach and haves do not, streamed to sink. */
int
evidence_pack_build(evidence_repo *r, const char *const *wants, size_t nwants, const char *const *haves,
    size_t nhaves, int (*sink)(void *ctx, const void *data, size_t len), void *ctx, uint32_t *nobjects)
{
	evidence__pack_sink s = { sink, ctx, 0 };
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	git_object_t type;
	size_t size;
	git_oid id;
	int gerr, rc;

	*nobjects = 0;
	if (nwants == 0 || wants == NULL || sink == NULL)
		return kn_error_set(KN_EINVAL, "wants", "name at least one commit to send");
	gerr = git_revwalk_new(&walk, r->repo);
	if (gerr < 0)
		return evidence__git_fail(gerr, 0, "", "cannot start a walk of the evidence history");
	for (size_t i = 0; i < nwants; i++) {
		if ((rc = evidence__oid_parse(&id, wants[i], "wants")))
			goto out_free_walk;
		gerr = git_odb_read_header(&size, &type, r->odb, &id);
		if (gerr == GIT_ENOTFOUND || (gerr == 0 && type != GIT_OBJECT_COMMIT)) {
			rc = kn_error_set(KN_ENOTFOUND, "wants", "commit %s is not in the evidence repository", wants[i]);
			goto out_free_walk;
		}
		if (gerr == 0)
			gerr = git_revwalk_push(walk, &id);
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, KN_EBADREC, "wants", "cannot walk from commit %s", wants[i]);
			goto out_free_walk;
		}
	}
	for (size_t i = 0; i < nhaves; i++) {
		if ((rc = evidence__oid_parse(&id, haves[i], "haves")))
			goto out_free_walk;
		/* The peer may have commits we never saw: those say nothing about what to leave out. */
		if (git_odb_read_header(&size, &type, r->odb, &id) != 0 || type != GIT_OBJECT_COMMIT)
			continue;
		gerr = git_revwalk_hide(walk, &id);
		if (gerr < 0) {
			rc = evidence__git_fail(gerr, KN_EBADREC, "haves", "cannot walk from commit %s", haves[i]);
			goto out_free_walk;
		}
	}
	/*
	 * Evidence is mostly PDF and JPEG, already compressed: a delta search
	 * finds nothing there and costs a window of comparisons per object.
	 * Objects over EVIDENCE_PACK_DELTA_MAX are packed whole. libgit2
	 * (1.1 to 1.9 at least) reads its big-file threshold from the key
	 * "pack.deltaCacheSize" (sic), so that is the key set here; commits
	 * and trees, small, still get deltas.
	 */
	{
		git_config *cfg = NULL;
		int64_t have = 0;
		if (git_repository_config(&cfg, r->repo) == 0) {
			if (git_config_get_int64(&have, cfg, "pack.deltaCacheSize") != 0 || have != EVIDENCE_PACK_DELTA_MAX)
				git_config_set_int64(cfg, "pack.deltaCacheSize", EVIDENCE_PACK_DELTA_MAX);
			git_config_free(cfg);
		}
		git_error_clear();
	}
	gerr = git_packbuilder_new(&pb, r->repo);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot start a pack");
		goto out_free_walk;
	}
	git_packbuilder_set_threads(pb, 1);
	gerr = git_packbuilder_insert_walk(pb, walk);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot gather the objects to send");
		goto out_free_pb;
	}
	gerr = git_packbuilder_foreach(pb, evidence__pack_piece, &s);
	if (s.rc) {
		rc = s.rc < 0 ? s.rc : kn_error_set(KN_ERROR, "", "the pack writer failed");
		goto out_free_pb;
	}
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "cannot build the pack");
		goto out_free_pb;
	}
	*nobjects = (uint32_t)git_packbuilder_object_count(pb);
	rc = 0;

out_free_pb:
	git_packbuilder_free(pb);
out_free_walk:
	git_revwalk_free(walk);
	return rc;
}

/*
 * See evidence.h: start receiving a pack into the objects/pack directory.
 * The indexer resolves thin packs from the repository's objects and checks
 * that everything the pack's commits and trees name is present.
 */
int
evidence_pack_index_begin(evidence_indexer **out, evidence_repo *r)
{
	git_indexer_options opts = GIT_INDEXER_OPTIONS_INIT;
	evidence_indexer *ix;
	char packdir[PATH_MAX];
	int gerr;

	*out = NULL;
	ix = calloc(1, sizeof(*ix));
	if (ix == NULL)
		return kn_error_set(KN_ENOMEM, "", "out of memory");
	ix->r = r;
	opts.verify = 1;
	snprintf(packdir, sizeof(packdir), "%spack", r->objects);
	gerr = git_indexer_new(&ix->ix, packdir, 0, r->odb, &opts);
	if (gerr < 0) {
		free(ix);
		return evidence__git_fail(gerr, KN_ERROR, "", "cannot start receiving a pack into %s", packdir);
	}
	*out = ix;
	return 0;
}

/* See evidence.h: add a piece of the pack. Once one fails, the pack is refused. */
int
evidence_pack_index_append(evidence_indexer *ix, const void *data, size_t len)
{
	int gerr;

	if (ix->failed)
		return kn_error_set(ix->failed, "pack", "%s", ix->why);
	gerr = git_indexer_append(ix->ix, data, len, &ix->stats);
	if (gerr < 0) {
		const git_error *e = git_error_last();
		int code = evidence__git_code(gerr);
		if (code == KN_ERROR && !(e && e->klass == GIT_ERROR_OS))
			code = KN_EBADREC;
		ix->failed = evidence__git_fail(gerr, code, "pack", "the pack is refused");
		snprintf(ix->why, sizeof(ix->why), "%s", kn_error_message());
		return ix->failed;
	}
	return 0;
}

/* See evidence.h: verify and store the pack, make its objects visible, free ix. */
int
evidence_pack_index_commit(evidence_indexer *ix, uint32_t *nobjects)
{
	int gerr, rc;

	*nobjects = 0;
	if (ix->failed) {
		rc = kn_error_set(ix->failed, "pack", "%s", ix->why);
		goto out_free;
	}
	gerr = git_indexer_commit(ix->ix, &ix->stats);
	if (gerr < 0) {
		rc = evidence__git_code(gerr);
		const git_error *e = git_error_last();
		if (rc != KN_ENOMEM && rc != KN_EFULL && !(e && e->klass == GIT_ERROR_OS))
			rc = KN_EBADREC;
		rc = evidence__git_fail(gerr, rc, "pack", "the pack is refused");
		goto out_free;
	}
	gerr = git_odb_refresh(ix->r->odb);
	if (gerr < 0) {
		rc = evidence__git_fail(gerr, 0, "", "the pack is stored but cannot be loaded");
		goto out_free;
	}
	*nobjects = ix->stats.total_objects;
	rc = 0;

out_free:
	git_indexer_free(ix->ix);
	free(ix);
	return rc;
}

/* See evidence.h: drop a pack being received (libgit2 removes its temporary file); NULL-safe. */
void
evidence_pack_index_abort(evidence_indexer *ix)
{
	if (ix == NULL)
		return;
	git_indexer_free(ix->ix);
	free(ix);
}
