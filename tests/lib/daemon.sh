# Shell helpers for end-to-end tests: a daemon on a temporary directory.
# Source this file; it sets B (build dir), T (temp dir), SOCK, and defines
# start_daemon, stop_daemon, kin (the CLI on our socket), fail, ok; for the
# tests that run more daemons: wait_up, start_named and stop_pid.
set -u
B=${KINERJA_BUILD:-$(pwd)/build}
T=$(mktemp -d /tmp/kinerja-e2e.XXXXXX)
SOCK=$T/kinerjad.sock
export KINERJA_SESSION=$T/session
DPID=
trap 'stop_daemon >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

fail() { echo "FAIL: $*" >&2; [ -f "$T/daemon.log" ] && tail -20 "$T/daemon.log" >&2; exit 1; }
ok() { echo "ok - $*"; }

start_daemon() {
	"$B/kinerjad" --socket "$SOCK" --store "$T/store" --set keys.device_key="$T/device.key" \
	    --set evidence.dir="$T/evidence.git" --set evidence.staging_dir="$T/uploads" \
	    --set keys.pwhash=min --log-level debug "$@" >>"$T/daemon.log" 2>&1 &
	DPID=$!
	i=0
	# a killed daemon leaves its socket behind: wait for an answer, not a file
	while ! "$B/kinerja" --socket "$SOCK" status >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "daemon did not start"
		kill -0 $DPID 2>/dev/null || fail "daemon exited at start"
		sleep 0.05
	done
}

stop_daemon() {
	[ -n "$DPID" ] || return 0
	kill -TERM $DPID 2>/dev/null
	wait $DPID
	rc=$?
	DPID=
	# every error the daemon answered carried its own message
	if grep -q "answered .* without a message" "$T/daemon.log" 2>/dev/null; then
		grep "without a message" "$T/daemon.log" >&2
		return 1
	fi
	return $rc
}

kin() { "$B/kinerja" --socket "$SOCK" "$@"; }

# Wait until the daemon on a socket answers: wait_up SOCKET PID LOG
wait_up() {
	i=0
	while ! "$B/kinerja" --socket "$1" status >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "$1 did not start"
		kill -0 "$2" 2>/dev/null || fail "exited at start: $(tail -5 "$3")"
		sleep 0.05
	done
}

# Another daemon with its own socket, store and device key under $T/NAME*, its pid in LASTPID:
# start_named NAME [--set NAME=VALUE ...]
start_named() {
	n=$1
	shift
	"$B/kinerjad" --socket "$T/$n.sock" --store "$T/$n" --set keys.device_key="$T/$n-device.key" \
	    --set evidence.dir="$T/$n-evidence.git" --set evidence.staging_dir="$T/$n-uploads" \
	    --set keys.pwhash=min --set sync.interval_s=3600 --set sync.timeout_s=5 "$@" --log-level debug >>"$T/$n.log" 2>&1 &
	LASTPID=$!
	wait_up "$T/$n.sock" $LASTPID "$T/$n.log"
}

# Stop a daemon started in the background (TERM, then wait for it): stop_pid PID (empty: nothing)
stop_pid() { [ -n "$1" ] && kill -TERM "$1" 2>/dev/null && wait "$1"; }
