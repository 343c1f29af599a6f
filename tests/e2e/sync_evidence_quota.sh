#!/bin/sh
# The hub's .incoming under a quota (issue 9's hub serving many schools):
# a school's pack over sync.ev_incoming_max_mb is refused with
# SYNC_BUKTI_KUOTA, in Indonesian in the school's `kinerja sync status`,
# and nothing of it is kept; a partial pack left by a school that never
# came back is removed once older than sync.ev_incoming_max_age_s, at the
# hub's start and by a later offer of any school; a school's partial of a
# pack it no longer offers is removed at its next offer; the school then
# syncs its files in full.
. "$(dirname "$0")/../lib/daemon.sh"

. "$(dirname "$0")/../lib/evsync.sh"
LISTEN=127.0.0.1:0
quota_hub() { # max_mb: the hub with a quota on partial packs, removed after 2 s
	start_hub --set sync.ev_incoming_max_mb="$1" --set sync.ev_incoming_max_age_s=2
}
quota_hub 1
hub_office
LISTEN=127.0.0.1:$PORT

# school A through the proxy (every connection cut after 700 KB up), B straight to the hub
start_proxy 0 --up-cut-after-bytes 700000 --cut-every
SYNC="--set sync.hub_key=$HUBKEY --set sync.interval_s=3600 --set sync.timeout_s=5 --set evidence.max_mb=8"
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.hub=127.0.0.1:$XPORT
start_school_b 127.0.0.1:$PORT
init_schools
hub hub daftar --sekolah $NPSN_A --kunci-perangkat "$(kin --json status | jget device_key)" >/dev/null || fail "daftar A"
hub hub daftar --sekolah $NPSN_B --kunci-perangkat "$(sb --json status | jget device_key)" >/dev/null || fail "daftar B"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI >/dev/null || fail "add Budi"
echo "guru-pass-b" | sb user add --name "Wati Guru" --role guru --nip $WATI >/dev/null || fail "add Wati"
budi() { KINERJA_SESSION=$T/budi kin "$@"; }
wati() { KINERJA_SESSION=$T/wati "$B/kinerja" --socket "$T/b.sock" "$@"; }
echo "guru-pass-1" | budi login $BUDI >/dev/null || fail "Budi login"
echo "guru-pass-b" | wati login $WATI >/dev/null || fail "Wati login"
INC=$T/hub-ev/hub-evidence/$NPSN_A.incoming
parts() { find "$INC" -name '*.part' 2>/dev/null | wc -l; }

# ---- a pack over the cap: refused with its reason, nothing kept ----
mkpdf "$T/a1.pdf" 3000000 a1
budi evidence upload "$T/a1.pdf" --slot persiapan --period $P >/dev/null || fail "upload a1"
kin sync now >"$T/out" 2>&1 && fail "a 3 MB pack passed a 1 MB cap"
kin --json sync status >"$T/st.json"
[ "$(jget error.reason <"$T/st.json")" = SYNC_BUKTI_KUOTA ] || fail "the school's error is $(jget error.reason <"$T/st.json")"
kin sync status >"$T/st.txt"
grep -q "lebih besar dari batas 1 MB" "$T/st.txt" || fail "sync status does not say the cap: $(cat "$T/st.txt")"
grep -q "sync.ev_incoming_max_mb" "$T/st.txt" || fail "sync status does not say what to raise"
[ "$(parts)" -eq 0 ] || fail "bytes of a refused pack are kept at the hub"
grep -q "school $NPSN_A: evidence pack .* is over sync.ev_incoming_max_mb (1): refused" "$T/hub.log" || fail "the hub logs the refusal"
hub --json hub sekolah >"$T/hs.json"
[ "$(jget schools.0.error.reason <"$T/hs.json")" = SYNC_BUKTI_KUOTA ] || fail "the hub shows A's refusal: $(cat "$T/hs.json")"
ok "a 3 MB pack over a 1 MB cap: refused (SYNC_BUKTI_KUOTA, \"$(grep -o 'lebih besar dari batas 1 MB' "$T/st.txt")\"), nothing kept"

# ---- a partial pack of a school that does not come back: removed at the hub's start ----
stop_pid "$HPID" || fail "the hub stops"
quota_hub 8
kin sync now >"$T/out" 2>&1 && fail "the proxy did not cut A"
[ "$(parts)" -eq 1 ] || fail "no partial pack of A at the hub after a cut"
stop_daemon || fail "A stops"
sleep 3
stop_pid "$HPID" || fail "the hub stops"
quota_hub 8
[ "$(parts)" -eq 0 ] || fail "a partial pack older than ev_incoming_max_age_s survived the hub's start"
grep -q "sync: school $NPSN_A: removed 1 partial evidence pack(s), [0-9]* bytes, untouched for 2 s or more" "$T/hub.log" ||
    fail "the hub does not log the removal"
ok "a partial pack untouched for 2 s (sync.ev_incoming_max_age_s) is removed at the hub's start"

# ---- ... and by a later offer of another school ----
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.hub=127.0.0.1:$XPORT
kin sync now >"$T/out" 2>&1 && fail "the proxy did not cut A"
[ "$(parts)" -eq 1 ] || fail "no partial pack of A at the hub after a cut"
stop_daemon || fail "A stops"
sleep 3
mkpdf "$T/b1.pdf" 100000 b1
wati evidence upload "$T/b1.pdf" --slot refleksi --period $P >/dev/null || fail "upload b1"
sb sync now >"$T/out" 2>&1 || fail "B's sync: $(cat "$T/out")"
[ "$(parts)" -eq 0 ] || fail "A's stale partial pack survived B's offer"
[ "$(grep -c "sync: school $NPSN_A: removed 1 partial evidence pack(s)" "$T/hub.log")" -eq 2 ] || fail "the sweep is not logged"
ok "a stale partial pack is removed by the next offer of any school (the hub's hourly sweep, here every second)"

# ---- a partial of a pack the school no longer offers: removed at its next offer; then A syncs in full ----
mkdir -p "$INC"
STRAY=$(printf 'a%.0s' $(seq 64))
head -c 5000 /dev/urandom >"$INC/$STRAY.part"
stop_pid "$XPID" || fail "the proxy stops"
start_proxy "$XPORT"
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.hub=127.0.0.1:$XPORT
echo operator-pass | kin login $OPA >/dev/null || fail "login A again"
kin sync now >"$T/out" 2>&1 || fail "A's sync: $(cat "$T/out")"
[ -f "$INC/$STRAY.part" ] && fail "a partial of a pack A no longer offers is kept"
grep -q "sync: school $NPSN_A: removed 1 partial evidence pack(s) it will not resume, 5000 bytes" "$T/hub.log" ||
    fail "the hub does not log the stray partial's removal"
kin --json sync status >"$T/st.json"
[ "$(jget evidence.receipt.verified <"$T/st.json")" -eq 1 ] || fail "A's file is verified at the hub: $(cat "$T/st.json")"
[ "$(parts)" -eq 0 ] || fail "a partial pack is left"
ok "a partial of a pack the school no longer offers goes at its next offer; A's file then arrives in full (cap 8 MB)"

# ---- a school back with more than the cap: packs of at most sync.ev_pack_max_mb, each under the hub's cap ----
stop_daemon || fail "A stops"
stop_pid "$HPID" || fail "the hub stops"
quota_hub 1
n0=$(grep -c "over sync.ev_incoming_max_mb" "$T/hub.log")
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.hub=127.0.0.1:$XPORT --set sync.ev_pack_max_mb=1
echo operator-pass | kin login $OPA >/dev/null || fail "login A again"
echo "guru-pass-1" | budi login $BUDI >/dev/null || fail "Budi login again"
for s in observasi refleksi berkas-1; do
	mkpdf "$T/$s.pdf" 450000 "$s"
	budi evidence upload "$T/$s.pdf" --slot $s --period $P >/dev/null || fail "upload $s"
done
kin --json sync now >"$T/now.json" 2>&1 || fail "A's sync of 1.35 MB under a 1 MB cap: $(cat "$T/now.json")"
kin --json sync status >"$T/st.json"
[ "$(jget last.ev_packs <"$T/st.json")" -eq 2 ] || fail "not 2 packs: $(jget last.ev_packs <"$T/st.json")"
[ "$(jget evidence.receipt.verified <"$T/st.json")" -eq 4 ] || fail "A's 4 files are not verified at the hub"
[ "$(grep -c "over sync.ev_incoming_max_mb" "$T/hub.log")" -eq "$n0" ] || fail "a pack was refused by the cap"
# one document (Budi's, this period) with 3 new uploads: the first pack goes up to the second upload
sizes=$(sed -n 's/.*sync: evidence pack [0-9a-f]* of \([0-9]*\) bytes, [0-9]* object(s), up to 1 commit(s) of the 1 document(s).*/\1/p' "$T/daemon.log" | tail -2)
[ "$(echo "$sizes" | wc -l)" -eq 2 ] || fail "not 2 packs in the log: $sizes"
for z in $sizes; do [ "$z" -lt 1048576 ] || fail "a pack of $z bytes is over 1 MB"; done
ok "3 new files (1.35 MB) of one document under a 1 MB cap: 2 packs ($(echo $sizes)) in one session, all verified"
