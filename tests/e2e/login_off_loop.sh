#!/bin/sh
# Argon2id runs off the event loop: while a queue of logins (real cost, not
# the test minimum) is being checked, other clients are still answered.
# The logins are of four people: the throttle checks one try per person at
# a time (daemon/login.c), so four tries of one person would not queue.
. "$(dirname "$0")/../lib/daemon.sh"

start_daemon --set keys.pwhash=interactive
echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >/dev/null || fail "school init"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
for i in 2 3 4; do
	echo "guru-pass-$i" | kin user add --name "Guru $i" --role guru --nuptk 987654321098765$i >/dev/null || fail "user add $i"
done
kin logout >/dev/null || fail "logout"

pids=
for i in 1 2 3 4; do
	who=987654321098765$i
	[ $i = 1 ] && who=1234567890123456
	(echo "wrong-passphrase-$i" | kin login $who >/dev/null 2>&1; echo done >"$T/login.$i") &
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
