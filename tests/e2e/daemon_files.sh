#!/bin/sh
# What the daemon leaves on disk and in its process: no core dumps (session
# tokens and unlocked keys live in its memory), a private store directory
# and evidence repository (0700), LMDB files 0600, a socket for the group
# (0660), and a daemon that refuses to start on a store or repository that
# group or others can open.
. "$(dirname "$0")/../lib/daemon.sh"

# The daemon's options as start_daemon gives them, for runs that must fail.
daemon_args() {
	echo --socket "$SOCK" --store "$T/store" --set keys.device_key="$T/device.key" \
	    --set evidence.dir="$T/evidence.git" --set evidence.staging_dir="$T/uploads" --set keys.pwhash=min
}

# Start the daemon expecting it to refuse at once with message $1.
expect_refused() {
	# shellcheck disable=SC2046 # the paths have no spaces (mktemp)
	timeout 20 "$B/kinerjad" $(daemon_args) >"$T/refused.log" 2>&1
	rc=$?
	[ $rc = 124 ] && fail "the daemon started; it should have refused: $1"
	[ $rc = 0 ] && fail "the daemon exited 0; it should have refused: $1"
	grep -qF "$1" "$T/refused.log" || fail "refusal message: want \"$1\", got: $(cat "$T/refused.log")"
}

mode() { stat -c %a "$1"; }

# Give the daemon a core limit to drop (the soft limit is often 0 already,
# which would prove nothing); the CLI runs below keep the usual limit.
core_soft=$(ulimit -c)
ulimit -c "$(ulimit -H -c)"
[ "$(ulimit -c)" = 0 ] && echo "note - the hard core limit is 0 here: the core limit check proves little"
start_daemon
ulimit -c "$core_soft"

grep -Eq '^Max core file size +0 +0 ' /proc/$DPID/limits ||
    fail "core dumps not disabled: $(grep 'core file' /proc/$DPID/limits)"
ok "core file size limit is 0"

[ "$(mode "$T/store")" = 700 ] || fail "store directory mode $(mode "$T/store"), want 700"
[ "$(mode "$T/evidence.git")" = 700 ] || fail "evidence repository mode $(mode "$T/evidence.git"), want 700"
[ "$(mode "$T/store/data.mdb")" = 600 ] || fail "data.mdb mode $(mode "$T/store/data.mdb"), want 600"
[ "$(mode "$T/store/lock.mdb")" = 600 ] || fail "lock.mdb mode $(mode "$T/store/lock.mdb"), want 600"
[ "$(stat -c %A "$SOCK")" = srw-rw---- ] || fail "socket is $(stat -c %A "$SOCK"), want srw-rw----"
ok "store 700, evidence repository 700, data.mdb and lock.mdb 600, socket srw-rw----"

# Not dumpable: the kernel then gives the process's /proc files to root
# whatever its uid. Seen only when the daemon does not run as root: as
# root, a second daemon runs as uid 65534 in a directory of its own.
if [ "$(id -u)" != 0 ]; then
	[ "$(stat -c %u /proc/$DPID/environ)" = 0 ] ||
	    fail "the daemon is dumpable: /proc/$DPID/environ belongs to uid $(stat -c %u /proc/$DPID/environ)"
	ok "the daemon is not dumpable"
elif command -v setpriv >/dev/null 2>&1; then
	N=$T/nobody
	mkdir "$N" && chown 65534:65534 "$N" && chmod 711 "$T" || fail "cannot prepare $N"
	# HOME: libgit2 looks for a global git config there
	HOME=$N XDG_CONFIG_HOME=$N setpriv --reuid=65534 --regid=65534 --clear-groups "$B/kinerjad" --socket "$N/s.sock" --store "$N/store" \
	    --set keys.device_key="$N/device.key" --set evidence.dir="$N/evidence.git" \
	    --set evidence.staging_dir="$N/uploads" --set keys.pwhash=min >"$N/daemon.log" 2>&1 &
	NPID=$!
	i=0
	while [ ! -S "$N/s.sock" ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && { kill -TERM $NPID; fail "daemon as uid 65534 did not start: $(cat "$N/daemon.log")"; }
		kill -0 $NPID 2>/dev/null || fail "daemon as uid 65534 exited: $(cat "$N/daemon.log")"
		sleep 0.05
	done
	uid=$(awk '/^Uid:/ { print $2 }' /proc/$NPID/status)
	owner=$(stat -c %u /proc/$NPID/environ)
	kill -TERM $NPID
	wait $NPID || fail "daemon as uid 65534 did not stop cleanly"
	chmod 700 "$T"
	[ "$uid" = 65534 ] || fail "the second daemon runs as uid $uid, not 65534"
	[ "$owner" = 0 ] || fail "the daemon is dumpable: its /proc files belong to uid $owner"
	ok "the daemon is not dumpable (run as uid 65534, its /proc files belong to root)"
else
	echo "skip - not dumpable: running as root without setpriv"
fi

stop_daemon || fail "stop"

chmod 750 "$T/store"
expect_refused "store directory $T/store has mode 0750 and is open to group or others: run chmod 700 $T/store"
chmod 700 "$T/store"
chmod 640 "$T/store/data.mdb"
expect_refused "store file $T/store/data.mdb has mode 0640 and is open to group or others: run chmod 600 $T/store/data.mdb"
chmod 600 "$T/store/data.mdb"
chmod 750 "$T/evidence.git"
expect_refused "evidence repository $T/evidence.git has mode 0750 and is open to group or others: run chmod 700 $T/evidence.git"
chmod 700 "$T/evidence.git"
ok "a store directory, data.mdb or evidence repository open to group or others is refused, with the fix"

start_daemon
kin status >/dev/null || fail "status after the modes were fixed"
stop_daemon || fail "stop"
ok "the daemon starts again once the modes are fixed"
