#!/bin/sh
# A hub with many simulated schools syncing at once (issue 9, Tests): one
# real hub daemon; tests/scale/schools.c simulates N schools (default 200)
# in one process, each with its own device key registered here, its own
# signed records, pushing then pulling at once; one more school connects,
# says hello and stalls. Every one of the N must converge (equal
# fingerprints) while the stalled one still hangs. Times are printed,
# never asserted. SCALE_SCHOOLS=N to change N.
. "$(dirname "$0")/../lib/daemon.sh"

N=${SCALE_SCHOOLS:-200}
DRV=$B/tests/scale/schools
[ -x "$DRV" ] || fail "build $DRV first (make $DRV)"
OFFICE=30100000
OPD=197001011995031002

# the stalled school's session holds one thread until sync.timeout_s: longer than the test
start_daemon --set daemon.role=hub --set sync.listen=127.0.0.1:0 --set sync.timeout_s=120 \
    --set sync.max_sessions=64 --log-level info
echo "dinas-op-pass" | kin dinas init --kode $OFFICE --nama "Dinas Pendidikan Kabupaten Contoh" \
    --operator-name "Rudi Hartono" --operator-nip $OPD >/dev/null || fail "dinas init at the hub"
echo dinas-op-pass | kin login $OPD >/dev/null || fail "hub login"
kin --json status >"$T/hub.json" || fail "status"
PORT=$(sed -n 's/.*"listen_port": *\([0-9]*\).*/\1/p' "$T/hub.json")
HUBKEY=$(sed -n 's/.*"device_key": *"\([0-9a-f]*\)".*/\1/p' "$T/hub.json")
[ -n "$PORT" ] && [ -n "$HUBKEY" ] || fail "the hub's port and key from status: $(cat "$T/hub.json")"

t0=$(date +%s)
"$DRV" keys "$N" >"$T/keys" || fail "schools keys"
while read -r npsn dev; do
	kin hub daftar --sekolah "$npsn" --kunci-perangkat "$dev" >/dev/null || fail "hub daftar $npsn"
done <"$T/keys"
ok "$((N + 1)) schools registered at the hub in $(($(date +%s) - t0)) s"

"$DRV" run "$N" "127.0.0.1:$PORT" "$HUBKEY" catalog/pmm-2024.1.json >"$T/out" 2>"$T/err"
rc=$?
cat "$T/out"
[ $rc -eq 0 ] || fail "not every school converged while one stalled: $(cat "$T/out" "$T/err")"
ok "$N schools synced at once and converged while one more stalled"
kin --json hub sekolah >"$T/hs.json" || fail "hub sekolah"
n=$(grep -o '"npsn"' "$T/hs.json" | wc -l)
[ "$n" -ge $((N + 1)) ] || fail "the hub lists $n schools, not $((N + 1))"
ok "the hub lists all $((N + 1)) schools"
