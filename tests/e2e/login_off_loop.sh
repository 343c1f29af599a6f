#!/bin/sh
# Argon2id runs off the event loop: while a queue of logins (real cost, not
# the test minimum) is being checked, other clients are still answered.
. "$(dirname "$0")/../lib/daemon.sh"

start_daemon --set keys.pwhash=interactive
echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >/dev/null || fail "school init"

pids=
for i in 1 2 3 4; do
	(echo "wrong-passphrase-$i" | kin login 1234567890123456 >/dev/null 2>&1; echo done >"$T/login.$i") &
	pids="$pids $!"
done
sleep 0.05
kin status >/dev/null || fail "status while logins run"
pending=0
for i in 1 2 3 4; do
	[ -f "$T/login.$i" ] || pending=$((pending + 1))
done
[ $pending -gt 0 ] || fail "every login had finished before status was answered: the loop may be blocked"
ok "status answered while $pending of 4 logins were still being checked"
wait $pids
echo "operator-pass" | kin login 1234567890123456 | grep -q "Siti Aminah" || fail "login with the default cost"
ok "login with the default Argon2id cost"
stop_daemon || fail "stop"
