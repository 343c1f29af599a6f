/*
 * config.h - kinerjad configuration: one struct, filled from built-in
 * defaults, then the config file (INI, parsed by inih), then the command
 * line. Options are described once, in the table in config.c.
 */
#ifndef KD_CONFIG_H
#define KD_CONFIG_H

#include <stddef.h>

typedef struct {
	char role[16];          /* "school", "dinas" or "hub" */
	char socket_path[256];
	char store_dir[256];
	char device_key[256];
	char catalog_dir[256];  /* catalog files (*.json) stored with a new school; "" = none */
	char log_level[16];
	int syslog;
	int session_ttl_min;    /* minutes a login lasts */
	int max_clients;
	int max_frame_kb;       /* largest request accepted */
	int max_output_kb;      /* replies buffered for a slow client */
	int idle_timeout_s;     /* a connection with nothing to say is closed */
	int request_timeout_s;  /* a request that stops half way is dropped */
	int output_stall_s;     /* a client paused for unread replies this long is dropped */
	int workers;            /* worker threads; 0 = online CPUs, at least 2 */
	int map_size_mb;        /* LMDB map size */
	int nosync;             /* tests/benchmarks only */
	char pwhash[16];        /* "interactive", "moderate" or "min" (tests) */
	int login_delay_max_s;  /* longest wait the login throttle imposes (login.c) */
	char evidence_dir[256]; /* bare git repository of Bukti Dukung */
	char staging_dir[256];  /* uploads in progress */
	int evidence_max_mb;    /* largest file */
	char evidence_types[64];/* "pdf" or e.g. "pdf,jpeg,png,docx" */
	char sync_listen[256];  /* hub: HOST:PORT the schools connect to */
	char sync_hub[256];     /* school: HOST:PORT of its hub; "" = no sync */
	char sync_hub_key[80];  /* school: the hub's device key (Ed25519, 64 hex) */
	char sync_parent[256];  /* hub: HOST:PORT of its parent hub; "" = none */
	char sync_parent_key[80]; /* hub: the parent hub's device key (Ed25519, 64 hex) */
	int sync_interval_s;    /* school (and a hub's parent link): seconds between syncs after a success */
	int sync_timeout_s;     /* a peer silent this long is dropped */
	int sync_max_sessions;  /* hub: sessions served at once (others wait) */
	int sync_batch_records; /* school: records per push and pull */
	int sync_push_window;   /* school: pushes in flight before waiting for a receipt */
	int sync_retry_min_s;   /* school: first backoff after a failure */
	int sync_probe_s;       /* school: reachability probe while the hub is unreachable (0: off) */
	int sync_test_delay_ms; /* hub: wait before each receipt and records answer (tests only) */
	int sync_ev_window_kb;  /* school: evidence pack bytes sent before waiting for an acknowledgement */
	int sync_ev_pack_max_mb; /* school: documents go in packs of at most this many MB of files (at least one) */
	int sync_ev_incoming_max_mb; /* hub: largest pack a school may have arriving (its .incoming) */
	int sync_ev_incoming_max_age_s; /* hub: a partial pack untouched this long is removed */
} kd_config;

/* Built-in defaults: everything under ./var. */
void kd_config_defaults(kd_config *out);
/*
 * Read an INI file into cfg. Refuses a file writable by group or others.
 * Errors name file:line and the option. Returns 0 or KN_EINVAL.
 */
int kd_config_load(kd_config *cfg, const char *path);
/* Set one option by name ("section.name" or "name"), as from the command line. */
int kd_config_set(kd_config *cfg, const char *name, const char *value);
/* Cross-field checks after everything is loaded. */
int kd_config_validate(const kd_config *cfg);
/* Print the effective configuration as INI. */
void kd_config_print(const kd_config *cfg, void *fp);

#endif
