#!/bin/sh
# Where each act stands with the hub (issue 9, "Receipts and state"),
# through the CLI: an act is saved here and waits while the school has not
# synced; after a sync the hub's receipt says when the hub received it.
# A school with no hub configured says so instead.
. "$(dirname "$0")/../lib/daemon.sh"

JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
NPSN=20100001
OPD=197001011995031002
OPA=1234567890123456
HPID=
trap '[ -n "$HPID" ] && kill -TERM $HPID && wait $HPID; stop_daemon >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
hub() { KINERJA_SESSION=$T/hub-session "$B/kinerja" --socket "$T/hub.sock" "$@"; }

"$B/kinerjad" --socket "$T/hub.sock" --store "$T/hub" --set keys.device_key="$T/hub-device.key" \
    --set evidence.dir="$T/hub-evidence.git" --set evidence.staging_dir="$T/hub-uploads" --set keys.pwhash=min \
    --set daemon.role=hub --set sync.listen=127.0.0.1:0 --set sync.timeout_s=5 >>"$T/hub.log" 2>&1 &
HPID=$!
i=0
while ! hub status >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "hub did not start"; sleep 0.05
done
echo "dinas-op-pass" | hub dinas init --kode 30100000 --nama "Dinas Pendidikan" --operator-name "Rudi" \
    --operator-nip $OPD >/dev/null || fail "dinas init"
hub dinas kunci --out "$T/dinas.key" >/dev/null || fail "dinas kunci"
echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login"
hub --json status >"$T/hub.json"
PORT=$("$JC" sync.listen_port <"$T/hub.json")
HUBKEY=$("$JC" device_key <"$T/hub.json")

start_daemon --set sync.hub=127.0.0.1:$PORT --set sync.hub_key="$HUBKEY" --set sync.interval_s=3600 --set sync.timeout_s=5
echo "operator-pass" | kin school init --npsn $NPSN --name "SD Negeri 1 Contoh" --operator-name "Siti Aminah" \
    --operator-nuptk $OPA --authority-key "$T/dinas.key" >/dev/null || fail "school init"
echo "operator-pass" | kin login $OPA >/dev/null || fail "login"
hub hub daftar --sekolah $NPSN --kunci-perangkat "$(kin --json status | "$JC" device_key)" >/dev/null || fail "hub daftar"
echo "guru-pass" | kin user add --name "Budi Santoso" --role guru --nip 198501012010011001 >/dev/null || fail "user add"

# before a sync: the operator's acts are saved here and wait
kin sync acts >"$T/out" || fail "sync acts"
grep -q "user *Tersimpan di komputer ini, menunggu dikirim ke hub" "$T/out" || fail "an act waits: $(cat "$T/out")"
kin --json sync acts >"$T/acts.json" || fail "sync acts --json"
[ "$("$JC" acts.0.state <"$T/acts.json")" = menunggu ] || fail "state menunggu"
ok "before a sync, each act is saved here and waits for the hub"

kin sync now >/dev/null || fail "sync now"
kin sync acts >"$T/out" || fail "sync acts after"
grep -q "Diterima hub pada 20[0-9-]* [0-9:]* WIB" "$T/out" || fail "received by the hub at a time: $(cat "$T/out")"
grep -q "menunggu" "$T/out" && fail "nothing waits after the sync: $(cat "$T/out")"
kin --json sync acts >"$T/acts.json"
[ "$("$JC" acts.0.state <"$T/acts.json")" = diterima_hub ] || fail "state diterima_hub"
[ "$("$JC" acts.0.received_ms <"$T/acts.json")" -gt 0 ] || fail "the receipt time is known"
# a new act after the sync waits again, the earlier ones stay received
echo "guru-pass-2" | kin user add --name "Ani Rahayu" --role guru --nip 199002022015012003 >/dev/null || fail "user add 2"
kin --json sync acts >"$T/acts.json"
[ "$("$JC" acts.0.state <"$T/acts.json")" = menunggu ] || fail "the new act waits"
[ "$("$JC" acts.1.state <"$T/acts.json")" = diterima_hub ] || fail "the earlier act stays received"
ok "after a sync the hub's receipt says when each act was received; a new act waits again"
