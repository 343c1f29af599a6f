# evsync.sh - what the evidence-sync end-to-end tests share (sourced after
# daemon.sh by tests/e2e/sync_evidence*.sh): jsoncheck, the fault proxy,
# the people and schools they use, mkpdf, and starting and stopping the
# hub, school B, the proxy and a fake hub (FHPID) they run beside school A.
JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
FP=$B/tests/tools/faultproxy
[ -x "$FP" ] || fail "no $FP (make tools)"
jget() { "$JC" "$1"; }

NPSN_A=20100001
NPSN_B=20100002
OFFICE=30100000
OPD=197001011995031002
OPA=1234567890123456
OPB=1234567890123457
BUDI=198501012010011001
WATI=198601012010012002
P=2026-1

# A PDF of about $2 random bytes (incompressible, like a scan): mkpdf FILE BYTES TAG
mkpdf() {
	{ printf '%%PDF-1.4\n%% Kinerja test %s\n' "$3"
	  head -c "$2" /dev/urandom
	  printf '\n%%%%EOF\n'; } >"$1"
}

HPID=
BPID=
XPID=
FHPID=
stop_pid() { [ -n "$1" ] && kill -TERM "$1" 2>/dev/null && wait "$1"; }
trap 'stop_pid "$FHPID"; stop_pid "$XPID"; stop_pid "$BPID"; stop_pid "$HPID"; stop_daemon >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
wait_up() { # socket pid log
	i=0
	while ! "$B/kinerja" --socket "$1" status >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "$1 did not start"
		kill -0 "$2" 2>/dev/null || fail "exited at start: $(tail -5 "$3")"
		sleep 0.05
	done
}
