/*
 * config.c - the option table, the INI loader (inih) and validation.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../store/evidence.h"
#include "../util/kn.h"

enum { T_STR, T_INT, T_BOOL };

static const struct option_def {
	const char *section;
	const char *name;
	int type;
	size_t offset;
	size_t size;
	const char *def;
	long min, max;
	const char *help;
} options[] = {
#define S(sec, nm, fld, def, help) { sec, nm, T_STR, offsetof(kd_config, fld), sizeof(((kd_config *)0)->fld), def, 0, 0, help }
#define I(sec, nm, fld, def, lo, hi, help) { sec, nm, T_INT, offsetof(kd_config, fld), sizeof(int), def, lo, hi, help }
#define B(sec, nm, fld, def, help) { sec, nm, T_BOOL, offsetof(kd_config, fld), sizeof(int), def, 0, 1, help }
	S("daemon", "role", role, "school", "school, dinas (an education office holding the authority key) or hub"),
	S("daemon", "socket", socket_path, "var/kinerjad.sock", "Unix socket the clients connect to"),
	S("daemon", "log_level", log_level, "info", "error, warn, info or debug"),
	B("daemon", "syslog", syslog, "false", "log to syslog instead of stderr"),
	I("daemon", "max_clients", max_clients, "256", 1, 65536, "clients connected at once"),
	I("daemon", "max_frame_kb", max_frame_kb, "1024", 4, 65536, "largest request in KiB"),
	I("daemon", "max_output_kb", max_output_kb, "8192", 64, 1048576, "replies buffered for a slow client, KiB"),
	I("daemon", "idle_timeout_s", idle_timeout_s, "600", 1, 86400, "seconds before an idle connection is closed"),
	I("daemon", "request_timeout_s", request_timeout_s, "30", 1, 3600, "seconds a request may take to arrive once started"),
	I("daemon", "output_stall_s", output_stall_s, "30", 1, 3600,
	    "seconds a client may leave more than max_output_kb of replies unread before it is dropped"),
	I("daemon", "workers", workers, "0", 0, 64, "worker threads for logins and long reads; 0 = one per CPU, at least 2"),
	S("store", "dir", store_dir, "var/store", "directory of the LMDB record store"),
	I("store", "map_size_mb", map_size_mb, "4096", 1, 1048576, "largest size of the store, MiB"),
	B("store", "nosync", nosync, "false", "skip fsync on commit (tests and benchmarks only: loses data on power loss)"),
	S("keys", "device_key", device_key, "var/device.key", "the daemon's own Ed25519 key (created if absent, mode 0600)"),
	I("keys", "session_ttl_min", session_ttl_min, "480", 1, 10080, "minutes a login lasts"),
	S("keys", "pwhash", pwhash, "interactive", "Argon2id cost: interactive, moderate, or min (tests only)"),
	I("keys", "login_delay_max_s", login_delay_max_s, "60", 1, 3600,
	    "longest wait after wrong passphrases, seconds (also the window for 5 tries)"),
	S("catalog", "dir", catalog_dir, "catalog",
	    "directory whose catalog files (*.json) school.init stores with a new school; empty: none"),
	S("evidence", "dir", evidence_dir, "var/evidence.git", "bare git repository of the Bukti Dukung files"),
	S("evidence", "staging_dir", staging_dir, "var/uploads", "uploads in progress (emptied at start)"),
	I("evidence", "max_mb", evidence_max_mb, "10", 1, 1024, "largest evidence file, MB"),
	S("evidence", "types", evidence_types, "pdf", "file types accepted: any of pdf, jpeg, png, docx, comma separated"),
	S("sync", "listen", sync_listen, "",
	    "hub only: HOST:PORT the schools connect to, e.g. 0.0.0.0:7447 (port 0: any free port, shown by status)"),
	S("sync", "hub", sync_hub, "", "school: HOST:PORT of its hub (from the Dinas); empty: no sync"),
	S("sync", "hub_key", sync_hub_key, "", "school: the hub's device key, 64 hex digits (device_key in the hub's 'kinerja status')"),
	S("sync", "parent", sync_parent, "", "hub: HOST:PORT of its parent hub (records only go up); empty: none"),
	S("sync", "parent_key", sync_parent_key, "", "hub: the parent hub's device key, 64 hex digits (device_key in its 'kinerja status')"),
	I("sync", "interval_s", sync_interval_s, "60", 1, 86400, "school: seconds between syncs (after a failure: backoff up to 5 minutes)"),
	I("sync", "retry_min_s", sync_retry_min_s, "2", 1, 3600,
	    "school: the first wait after a failed sync; it doubles after each failure, up to 5 minutes (with jitter)"),
	I("sync", "probe_s", sync_probe_s, "15", 0, 3600,
	    "school: while the hub is unreachable, try a bare TCP connection this often and sync at once when it answers (0: off)"),
	I("sync", "timeout_s", sync_timeout_s, "30", 1, 3600, "seconds a sync peer may stay silent before the session is dropped"),
	I("sync", "max_sessions", sync_max_sessions, "32", 1, 1024, "hub: schools served at once; others wait their turn"),
	I("sync", "batch_records", sync_batch_records, "256", 1, 256, "school: records per push or pull message"),
	I("sync", "push_window", sync_push_window, "64", 1, 128,
	    "school: pushes sent before the first receipt comes back (1: wait for each receipt)"),
	I("sync", "test_delay_ms", sync_test_delay_ms, "0", 0, 60000, "hub: delay before each answer with records (tests only)"),
	I("sync", "ev_window_kb", sync_ev_window_kb, "128", 64, 16384,
	    "school: evidence bytes sent ahead of the hub's acknowledgement (64: one 64 KiB chunk at a time)"),
	I("sync", "ev_pack_max_mb", sync_ev_pack_max_mb, "256", 1, 65536,
	    "school: evidence goes in packs of at most this many MB of files (a larger file alone), under the hub's cap"),
	I("sync", "ev_incoming_max_mb", sync_ev_incoming_max_mb, "1024", 1, 1048576,
	    "hub: largest evidence pack a school may have arriving at once, MB"),
	I("sync", "ev_incoming_max_age_s", sync_ev_incoming_max_age_s, "604800", 1, 31536000,
	    "hub: a partial evidence pack untouched this long is removed (at start, hourly, and at the school's next offer)"),
#undef S
#undef I
#undef B
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static int
set_value(kd_config *cfg, const struct option_def *o, const char *value, const char *where)
{
	char *p = (char *)cfg + o->offset;

	switch (o->type) {
	case T_STR:
		if (strlen(value) >= o->size)
			return kn_error_set(KN_EINVAL, o->name, "%s%s: value longer than %zu characters", where, o->name, o->size - 1);
		strcpy(p, value);
		return 0;
	case T_INT: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (errno || end == value || *end != '\0' || v < o->min || v > o->max)
			return kn_error_set(KN_EINVAL, o->name, "%s%s: '%s' is not a whole number from %ld to %ld", where, o->name,
			    value, o->min, o->max);
		*(int *)p = (int)v;
		return 0;
	}
	default:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
			*(int *)p = 1;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
			*(int *)p = 0;
		else
			return kn_error_set(KN_EINVAL, o->name, "%s%s: '%s' is not true or false", where, o->name, value);
		return 0;
	}
}

void
kd_config_defaults(kd_config *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < NOPTIONS; i++)
		set_value(out, &options[i], options[i].def, "");
}

static const struct option_def *
find(const char *section, const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if ((section == NULL || strcmp(options[i].section, section) == 0) && strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

int
kd_config_set(kd_config *cfg, const char *name, const char *value)
{
	char sec[32];
	const char *dot = strchr(name, '.');
	const struct option_def *o;

	if (dot && (size_t)(dot - name) < sizeof(sec)) {
		memcpy(sec, name, (size_t)(dot - name));
		sec[dot - name] = '\0';
		o = find(sec, dot + 1);
	} else {
		o = find(NULL, name);
	}
	if (o == NULL)
		return kn_error_set(KN_EINVAL, name, "unknown option '%s' (see config/kinerjad.conf for the list)", name);
	return set_value(cfg, o, value, "");
}

struct load_ctx {
	kd_config *cfg;
	const char *path;
	int rc;
};

static int
ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *lc = user;
	const struct option_def *o = find(section, name);

	if (lc->rc)
		return 0;
	if (o == NULL) {
		lc->rc = kn_error_set(KN_EINVAL, name, "unknown option '%s' in section [%s]", name, section);
		return 0;
	}
	int rc = set_value(lc->cfg, o, value, "");
	if (rc) {
		lc->rc = rc;
		return 0;
	}
	return 1;
}

int
kd_config_load(kd_config *cfg, const char *path)
{
	struct stat st;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return kn_error_set(KN_EINVAL, "config", "cannot open config file %s: %s", path, strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fclose(fp);
		return kn_error_set(KN_EINVAL, "config", "config file %s is writable by group or others: run chmod go-w %s", path, path);
	}
	struct load_ctx lc = { cfg, path, 0 };
	int line = ini_parse_file(fp, ini_cb, &lc);
	fclose(fp);
	if (lc.rc) {
		char msg[512], field[64];
		snprintf(msg, sizeof(msg), "%s", kn_error_message());
		snprintf(field, sizeof(field), "%s", kn_error_field());
		return kn_error_set(lc.rc, field, "%s:%d: %s", path, line, msg);
	}
	if (line != 0)
		return kn_error_set(KN_EINVAL, "config", "%s:%d: syntax error (expected [section] or name = value)", path, line);
	return 0;
}

int
kd_config_validate(const kd_config *cfg)
{
	if (strcmp(cfg->role, "school") != 0 && strcmp(cfg->role, "hub") != 0 && strcmp(cfg->role, "dinas") != 0)
		return kn_error_set(KN_EINVAL, "role", "role '%s' is unknown: use school, dinas or hub", cfg->role);
	if (strcmp(cfg->role, "hub") == 0 && !cfg->sync_listen[0])
		return kn_error_set(KN_EINVAL, "sync.listen", "a hub listens for its schools: set sync.listen = HOST:PORT");
	if (strcmp(cfg->role, "hub") != 0 && cfg->sync_listen[0])
		return kn_error_set(KN_EINVAL, "sync.listen", "only a hub listens for schools (role = hub); this daemon is a %s",
		    cfg->role);
	if (strcmp(cfg->role, "school") != 0 && cfg->sync_hub[0])
		return kn_error_set(KN_EINVAL, "sync.hub",
		    "sync.hub is a school's setting: a hub syncs up to its parent hub with sync.parent and sync.parent_key");
	if (strcmp(cfg->role, "hub") != 0 && cfg->sync_parent[0])
		return kn_error_set(KN_EINVAL, "sync.parent", "only a hub (role = hub) syncs up to a parent hub; this daemon is a %s",
		    cfg->role);
	if ((cfg->sync_parent[0] != 0) != (cfg->sync_parent_key[0] != 0))
		return kn_error_set(KN_EINVAL, cfg->sync_parent[0] ? "sync.parent_key" : "sync.parent",
		    "a hub syncs up with sync.parent (HOST:PORT) and sync.parent_key (the parent hub's device key) together");
	if (cfg->sync_parent_key[0] &&
	    (strlen(cfg->sync_parent_key) != 64 || strspn(cfg->sync_parent_key, "0123456789abcdefABCDEF") != 64))
		return kn_error_set(KN_EINVAL, "sync.parent_key",
		    "sync.parent_key must be the parent hub's device key, 64 hex digits (device_key in its 'kinerja status')");
	if (cfg->sync_parent[0] && strchr(cfg->sync_parent, ':') == NULL)
		return kn_error_set(KN_EINVAL, "sync.parent", "an address is HOST:PORT, e.g. 192.0.2.10:7447");
	if ((cfg->sync_hub[0] != 0) != (cfg->sync_hub_key[0] != 0))
		return kn_error_set(KN_EINVAL, cfg->sync_hub[0] ? "sync.hub_key" : "sync.hub",
		    "a school syncs with sync.hub (HOST:PORT) and sync.hub_key (the hub's device key) together");
	if (cfg->sync_hub_key[0] && (strlen(cfg->sync_hub_key) != 64 || strspn(cfg->sync_hub_key, "0123456789abcdefABCDEF") != 64))
		return kn_error_set(KN_EINVAL, "sync.hub_key",
		    "sync.hub_key must be the hub's device key, 64 hex digits (device_key in the hub's 'kinerja status')");
	if ((cfg->sync_hub[0] && strchr(cfg->sync_hub, ':') == NULL) || (cfg->sync_listen[0] && strchr(cfg->sync_listen, ':') == NULL))
		return kn_error_set(KN_EINVAL, cfg->sync_hub[0] ? "sync.hub" : "sync.listen",
		    "an address is HOST:PORT, e.g. 192.0.2.10:7447");
	int lvl;
	if (kn_log_level_parse(&lvl, cfg->log_level))
		return KN_EINVAL;
	if (strcmp(cfg->pwhash, "interactive") != 0 && strcmp(cfg->pwhash, "moderate") != 0 && strcmp(cfg->pwhash, "min") != 0)
		return kn_error_set(KN_EINVAL, "pwhash", "pwhash '%s' is unknown: use interactive, moderate or min", cfg->pwhash);
	struct sockaddr_un_probe { char p[108]; };
	if (strlen(cfg->socket_path) >= sizeof(((struct sockaddr_un_probe *)0)->p))
		return kn_error_set(KN_EINVAL, "socket", "socket path is longer than 107 characters: choose a shorter one");
	unsigned types;
	if (evidence_types_parse(&types, cfg->evidence_types) != 0)
		return KN_EINVAL;
	if (!cfg->socket_path[0] || !cfg->store_dir[0] || !cfg->device_key[0] || !cfg->evidence_dir[0] || !cfg->staging_dir[0])
		return kn_error_set(KN_EINVAL, "socket", "socket, store dir and device_key must not be empty");
	return 0;
}

void
kd_config_print(const kd_config *cfg, void *fparg)
{
	FILE *fp = fparg;
	const char *sec = "";

	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option_def *o = &options[i];
		const char *p = (const char *)cfg + o->offset;
		if (strcmp(sec, o->section) != 0) {
			fprintf(fp, "%s[%s]\n", i ? "\n" : "", o->section);
			sec = o->section;
		}
		fprintf(fp, "# %s\n", o->help);
		if (o->type == T_STR)
			fprintf(fp, "%s = %s\n", o->name, p);
		else if (o->type == T_INT)
			fprintf(fp, "%s = %d\n", o->name, *(const int *)p);
		else
			fprintf(fp, "%s = %s\n", o->name, *(const int *)p ? "true" : "false");
	}
}
