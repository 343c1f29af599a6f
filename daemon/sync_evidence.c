/*
 * sync_evidence.c - what the school's and the hub's sides of the evidence
 * phase share (docs/design.md, "Sync", "The evidence phase"): the
 * evidence documents of a school as its records name them, and where the
 * hub keeps each school's repository.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include "../domain/domain.h"
#include "evidence_int.h"
#include "../store/evidence.h"
#include "sync_int.h"

struct ev_collect {
	const char *npsn;
	store_txn *t;
	kn_buf docs, files;
};

/* One document of the index "ev/<npsn>/<pkhex>.<period>": its newest commit, and every upload's file. */
static int
ev_collect_cb(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
	struct ev_collect *cc = arg;
	char doc[RECORD_DOC_KEY_MAX], period[8];
	kd_history h = { 0 };
	domain_evidence e;
	uint8_t pk[32];
	size_t f0 = cc->files.len / sizeof(kd_sync_ev_file);
	int rc;
	(void)val;
	(void)vlen;

	if (klen != 3 + 8 + 1 + 64 + 1 + 6 || kn_unhex(pk, 32, (const char *)key + 12, 64) != 0)
		return 0;
	memcpy(period, key + 12 + 65, 6);
	period[6] = '\0';
	kd_ev_doc_key(doc, sizeof(doc), cc->npsn, pk, period);
	if ((rc = kd_history_load(&h, cc->t, doc))) {
		kd_history_free(&h);
		kn_error_clear();
		return 0;
	}
	for (size_t i = 0; rc == 0 && i < h.n; i++) {
		if (domain_evidence_parse(&e, h.v[i].body) != 0) {
			kn_error_clear();
			continue;
		}
		if (strcmp(e.action, "upload") == 0) {
			kd_sync_ev_file f;
			memset(&f, 0, sizeof(f));
			memcpy(f.commit, e.commit, sizeof(f.commit));
			memcpy(f.blob, e.blob, sizeof(f.blob));
			memcpy(f.sha256, e.sha256, sizeof(f.sha256));
			f.size = e.size;
			rc = kn_buf_put(&cc->files, &f, sizeof(f));
		}
		if (rc == 0 && i == h.n - 1 && e.commit[0]) {
			kd_sync_ev_doc d;
			memset(&d, 0, sizeof(d));
			kd_ev_ref_name(d.ref, sizeof(d.ref), cc->npsn, pk, period);
			memcpy(d.commit, e.commit, sizeof(d.commit));
			d.f0 = f0;
			d.nf = cc->files.len / sizeof(kd_sync_ev_file) - f0;
			rc = kn_buf_put(&cc->docs, &d, sizeof(d));
		}
	}
	kd_history_free(&h);
	return rc;
}

int
kd_sync_ev_collect(kd_sync_ev_set *out, store *st, const char *npsn)
{
	struct ev_collect cc;
	char prefix[16];
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&cc, 0, sizeof(cc));
	cc.npsn = npsn;
	if ((rc = store_read_begin(&cc.t, st)))
		return rc;
	snprintf(prefix, sizeof(prefix), "ev/%s/", npsn);
	rc = store_idx_scan(cc.t, prefix, strlen(prefix), ev_collect_cb, &cc);
	store_read_end(cc.t);
	if (rc == 0 && (cc.docs.failed || cc.files.failed))
		rc = kn_error_set(KN_ENOMEM, "", "out of memory");
	if (rc) {
		kn_buf_free(&cc.docs);
		kn_buf_free(&cc.files);
		return rc;
	}
	out->docs = (kd_sync_ev_doc *)cc.docs.ptr;
	out->ndocs = cc.docs.len / sizeof(kd_sync_ev_doc);
	out->files = (kd_sync_ev_file *)cc.files.ptr;
	out->nfiles = cc.files.len / sizeof(kd_sync_ev_file);
	return 0;
}

void
kd_sync_ev_set_free(kd_sync_ev_set *s)
{
	free(s->docs);
	free(s->files);
	memset(s, 0, sizeof(*s));
}

/* The directory beside evidence.dir where a hub keeps the schools' repositories: <parent of evidence.dir>/hub-evidence. */
static int
hub_ev_base(char *base, size_t sz, kd_server *srv)
{
	size_t n;
	char *slash;

	if ((size_t)snprintf(base, sz, "%s", srv->cfg.evidence_dir) >= sz)
		return kn_error_set(KN_EINVAL, "evidence_dir", "the evidence directory's path is too long");
	n = strlen(base);
	while (n > 1 && base[n - 1] == '/')
		base[--n] = '\0';
	if (n == 0)
		return kn_error_set(KN_EINVAL, "evidence_dir", "no evidence directory is configured");
	slash = strrchr(base, '/');
	if (slash == NULL)
		snprintf(base, sz, ".");
	else if (slash == base)
		base[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

int
kd_sync_hub_ev_paths(char *repo, size_t repo_sz, char *incoming, size_t inc_sz, kd_server *srv, const char *npsn)
{
	char base[256];
	int rc;

	if ((rc = hub_ev_base(base, sizeof(base), srv)))
		return rc;
	if ((size_t)snprintf(repo, repo_sz, "%s/hub-evidence/%s.git", base, npsn) >= repo_sz ||
	    (size_t)snprintf(incoming, inc_sz, "%s/hub-evidence/%s.incoming", base, npsn) >= inc_sz)
		return kn_error_set(KN_EINVAL, "evidence_dir", "the evidence directory's path is too long");
	return 0;
}

void
kd_sync_hub_ev_sweep(kd_server *srv)
{
	char base[256], dir[300], inc[340];
	uint64_t files = 0, bytes = 0;
	struct dirent *e;
	DIR *d;

	if (!srv->cfg.evidence_dir[0] || hub_ev_base(base, sizeof(base), srv) != 0) {
		kn_error_clear();
		return;
	}
	snprintf(dir, sizeof(dir), "%s/hub-evidence", base);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		uint64_t f = 0, b = 0;
		/* <npsn>.incoming: 8 digits */
		if (n != 8 + 9 || strcmp(e->d_name + 8, ".incoming") != 0 || strspn(e->d_name, "0123456789") != 8)
			continue;
		snprintf(inc, sizeof(inc), "%s/%.20s", dir, e->d_name);
		if (evidence_incoming_prune(inc, NULL, (uint64_t)srv->cfg.sync_ev_incoming_max_age_s, &f, &b) == 0 && f) {
			kn_info("sync: school %.8s: removed %llu partial evidence pack(s), %llu bytes, untouched for %d s or more",
			    e->d_name, (unsigned long long)f, (unsigned long long)b, srv->cfg.sync_ev_incoming_max_age_s);
			files += f;
			bytes += b;
		}
		kn_error_clear();
	}
	closedir(d);
	(void)files;
	(void)bytes;
}
