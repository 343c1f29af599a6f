/*
 * main.c - kinerjad: options, configuration, and the server's life.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "config.h"
#include "server.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "Usage: kinerjad [options]\n"
	    "\n"
	    "The Kinerja daemon: keeps a school's signed performance records (LMDB) and\n"
	    "serves the kinerja CLI over a Unix socket. Runs in the foreground; stop it\n"
	    "with Ctrl-C or SIGTERM (no acknowledged write is lost).\n"
	    "\n"
	    "Without --config everything lives under ./var (store, socket, device key).\n"
	    "\n"
	    "Options:\n"
	    "  -c, --config FILE      read settings from FILE (INI; see config/kinerjad.conf)\n"
	    "  -s, --socket PATH      Unix socket to listen on       [var/kinerjad.sock]\n"
	    "  -d, --store DIR        record store directory          [var/store]\n"
	    "  -l, --log-level LEVEL  error, warn, info or debug      [info]\n"
	    "      --syslog           log to syslog instead of stderr\n"
	    "  -o, --set NAME=VALUE   set any config option, e.g. --set keys.session_ttl_min=60\n"
	    "  -n, --check-config     check the configuration, print it, and exit\n"
	    "  -h, --help             this help\n"
	    "  -V, --version          print the version\n"
	    "\n"
	    "Command-line options override the config file, which overrides the defaults.\n");
}

/*
 * No core dumps, ever: session tokens, unlocked person keys and the device
 * key live in this process's memory, and a core file would put them on
 * disk for whoever can read it. RLIMIT_CORE 0 stops core files; a
 * core_pattern pipe (systemd-coredump, apport) gets the dump whatever the
 * limit, so the process is also made non-dumpable, which stops every dump
 * and keeps other processes of the same user from ptrace and from reading
 * /proc/<pid>/mem. Done first thing, before any secret is loaded.
 * 0, or KN_ERROR.
 */
static int
kd_coredump_disable(void)
{
	struct rlimit none = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &none) != 0)
		return kn_error_set(KN_ERROR, "", "cannot disable core dumps (RLIMIT_CORE): %s", strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return kn_error_set(KN_ERROR, "", "cannot make the process non-dumpable: %s", strerror(errno));
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "store", required_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "set", required_argument, NULL, 'o' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	kd_config cfg;
	const char *config_path = NULL;
	int check = 0, opt, level, rc;
	struct {
		const char *name;
		char *value;
	} sets[64];
	int nsets = 0;

	if (kd_coredump_disable() != 0) {
		fprintf(stderr, "kinerjad: %s\n", kn_error_message());
		return 1;
	}
	kd_config_defaults(&cfg);
	while ((opt = getopt_long(argc, argv, "c:s:d:l:o:nhV", longopts, NULL)) != -1) {
		const char *name = NULL;
		switch (opt) {
		case 'c': config_path = optarg; continue;
		case 's': name = "daemon.socket"; break;
		case 'd': name = "store.dir"; break;
		case 'l': name = "daemon.log_level"; break;
		case 'S': name = "daemon.syslog"; optarg = (char *)"true"; break;
		case 'o': {
			char *eq = strchr(optarg, '=');
			if (eq == NULL) {
				fprintf(stderr, "kinerjad: --set needs NAME=VALUE, e.g. --set store.map_size_mb=8192\n");
				return 2;
			}
			*eq = '\0';
			name = optarg;
			optarg = eq + 1;
			break;
		}
		case 'n': check = 1; continue;
		case 'h': usage(stdout); return 0;
		case 'V': printf("kinerjad %s\n", KD_VERSION); return 0;
		default: usage(stderr); return 2;
		}
		if (nsets == 64) {
			fprintf(stderr, "kinerjad: too many options\n");
			return 2;
		}
		sets[nsets].name = name;
		sets[nsets].value = optarg;
		nsets++;
	}
	if (optind < argc) {
		fprintf(stderr, "kinerjad: unexpected argument '%s' (see kinerjad --help)\n", argv[optind]);
		return 2;
	}
	if (config_path && kd_config_load(&cfg, config_path) != 0) {
		fprintf(stderr, "kinerjad: %s\n", kn_error_message());
		return 2;
	}
	for (int i = 0; i < nsets; i++) {
		if (kd_config_set(&cfg, sets[i].name, sets[i].value) != 0) {
			fprintf(stderr, "kinerjad: %s\n", kn_error_message());
			return 2;
		}
	}
	if (kd_config_validate(&cfg) != 0) {
		fprintf(stderr, "kinerjad: %s%s%s\n", config_path ? config_path : "", config_path ? ": " : "",
		    kn_error_message());
		return 2;
	}
	if (check) {
		printf("# configuration is valid%s%s\n", config_path ? ": " : " (built-in defaults)",
		    config_path ? config_path : "");
		kd_config_print(&cfg, stdout);
		return 0;
	}
	kn_log_level_parse(&level, cfg.log_level);
	kn_log_init("kinerjad", level, cfg.syslog);
	if (sodium_init() < 0) {
		kn_err("libsodium failed to initialise");
		return 1;
	}
	kd_server *srv;
	rc = kd_server_init(&srv, &cfg);
	if (rc) {
		kn_err("%s", kn_error_message());
		return 1;
	}
	rc = kd_server_run(srv);
	kd_server_free(srv);
	if (rc) {
		kn_err("%s", kn_error_message());
		return 1;
	}
	kn_info("stopped cleanly");
	return 0;
}
