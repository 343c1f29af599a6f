#!/bin/sh
# The evidence phase against a hostile peer (issue 9, "a school asking for
# another school's objects"). A hostile school (tests/e2e/evtool.c, with
# school A's registered device key) pushes a good record and school B's
# records, then asks the hub for B's objects by B's commit and blob ids,
# resumes and writes into B's partial pack by its key, and sends a message
# only a hub sends: B's records are refused (out of scope), the hub holds
# none of B's objects for A and says so without telling what B has, B's
# partial pack is untouched (and B later resumes it), the hub-only
# message ends the session with SYNC_PROTOKOL, and A's good record is
# stored. Then a hostile hub (evtool hub) pushes A objects it never asked
# for, names a commit A did not offer, and acknowledges bytes A did not
# send: A refuses each (SYNC_PROTOKOL) and its repository gains nothing.
. "$(dirname "$0")/../lib/daemon.sh"

. "$(dirname "$0")/../lib/evsync.sh"
cc -std=c11 -D_GNU_SOURCE -o "$T/evtool" "$(dirname "$0")/evtool.c" "$(dirname "$0")/peer.c" sync/channel.c sync/noise.c sync/proto.c \
    util/kn.c util/mpmap.c util/mpscan.c -lmsgpackc -lsodium || fail "cannot build evtool"
start_hub
hub_office

# school B reaches the hub through the proxy: its second connection is cut after 700 KB up
start_proxy 0 --up-cut-after-bytes 700000 --cut-conns 2
SYNC="--set sync.hub_key=$HUBKEY --set sync.interval_s=3600 --set sync.timeout_s=5 --set evidence.max_mb=8"
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.hub=127.0.0.1:$PORT
start_school_b 127.0.0.1:$XPORT
init_schools
hub hub daftar --sekolah $NPSN_A --kunci-perangkat "$(kin --json status | jget device_key)" >/dev/null || fail "daftar A"
hub hub daftar --sekolah $NPSN_B --kunci-perangkat "$(sb --json status | jget device_key)" >/dev/null || fail "daftar B"

# ---- B: one file at the hub, a second one half way (a partial pack in B's .incoming) ----
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI >/dev/null || fail "add Budi"
echo "guru-pass-b" | sb user add --name "Wati Guru" --role guru --nip $WATI >/dev/null || fail "add Wati"
budi() { KINERJA_SESSION=$T/budi kin "$@"; }
wati() { KINERJA_SESSION=$T/wati "$B/kinerja" --socket "$T/b.sock" "$@"; }
echo "guru-pass-1" | budi login $BUDI >/dev/null || fail "Budi login"
echo "guru-pass-b" | wati login $WATI >/dev/null || fail "Wati login"
mkpdf "$T/a1.pdf" 100000 a1
budi evidence upload "$T/a1.pdf" --slot persiapan --period $P >/dev/null || fail "upload a1"
mkpdf "$T/b1.pdf" 300000 b1
wati evidence upload "$T/b1.pdf" --slot refleksi --period $P >/dev/null || fail "upload b1"
kin sync now >"$T/out" 2>&1 || fail "A's sync: $(cat "$T/out")"
sb sync now >"$T/out" 2>&1 || fail "B's first sync: $(cat "$T/out")"
B_COMMIT=$(git --git-dir="$T/b-evidence.git" for-each-ref --format='%(objectname)' refs/kinerja/)
B_BLOB=$(git --git-dir="$T/b-evidence.git" ls-tree -r "$B_COMMIT" | awk '{print $3}' | head -1)
HA=$T/hub-ev/hub-evidence/$NPSN_A.git
HB=$T/hub-ev/hub-evidence/$NPSN_B.git
INCA=$T/hub-ev/hub-evidence/$NPSN_A.incoming
INCB=$T/hub-ev/hub-evidence/$NPSN_B.incoming
git --git-dir="$HB" cat-file -e "$B_BLOB" || fail "B's file is not at the hub"
mkpdf "$T/b2.pdf" 1500000 b2
wati evidence upload "$T/b2.pdf" --slot persiapan --period $P >/dev/null || fail "upload b2"
sb sync now >"$T/out" 2>&1 && fail "the proxy did not cut B's second sync"
sb record export "$T/b.rec" >/dev/null || fail "export B"
# B stops here (it would retry after 2 s on its own) and comes back at the end
stop_pid "$BPID" || fail "B stops"
BPID=
BPART=$(find "$INCB" -name '*.part' | head -1)
[ -n "$BPART" ] || fail "no partial pack of B at the hub"
BKEY=$(basename "$BPART" .part)
BSUM=$(sha256sum "$BPART" | cut -d' ' -f1)
BLEN=$(stat -c %s "$BPART")
[ "$BLEN" -gt 0 ] || fail "B's partial pack is empty"
ok "B has a file at the hub ($B_BLOB) and a partial pack ($BLEN bytes of ${BKEY%"${BKEY#????????????}"})"

# ---- a hostile school with A's key asks for B's objects ----
echo "guru-pass-2" | kin user add --name "Rina Wulandari" --role guru --nip 198701012010012003 >/dev/null || fail "add Rina"
kin record export "$T/a.rec" >/dev/null || fail "export A"
cat "$T/a.rec" "$T/b.rec" >"$T/ab.rec"
"$T/evtool" school "127.0.0.1:$PORT" "$HUBKEY" "$T/device.key" $NPSN_A "$T/ab.rec" "$B_COMMIT" "$B_BLOB" "$BKEY" \
    >"$T/evtool.out" 2>&1 || fail "evtool school: $(cat "$T/evtool.out")"
cat "$T/evtool.out" | sed 's/^/    /'
grep -q "^receipt stored 1 " "$T/evtool.out" || fail "A's new record is stored: $(head -1 "$T/evtool.out")"
# every record of B (its evidence records among them) refused as another school's, none of A's
nb=$(grep -c "^refused [0-9]* denied .*milik sekolah $NPSN_B, bukan sekolah $NPSN_A" "$T/evtool.out")
[ "$nb" -ge 4 ] && [ "$nb" -eq "$(grep -c '^refused' "$T/evtool.out")" ] || fail "B's records are refused as another school's ($nb)"
grep -q "^have 0$" "$T/evtool.out" || fail "the hub told A it holds some of B's commit and blob"
grep -q "^at 0$" "$T/evtool.out" || fail "the hub told A how much of B's pack it holds"
grep -q "^chunk-at 1000$" "$T/evtool.out" || fail "the chunk went somewhere else than A's own incoming"
grep -q "^error .* SYNC_PROTOKOL " "$T/evtool.out" || fail "a hub-only message from a school is refused with SYNC_PROTOKOL"
[ "$(sha256sum "$BPART" | cut -d' ' -f1)" = "$BSUM" ] || fail "B's partial pack changed"
[ -f "$INCA/$BKEY.part" ] && [ "$(stat -c %s "$INCA/$BKEY.part")" -eq 1000 ] || fail "A's bytes are not in A's own incoming"
git --git-dir="$HA" cat-file -e "$B_BLOB" 2>/dev/null && fail "B's blob is in A's repository at the hub"
git --git-dir="$HA" cat-file -e "$B_COMMIT" 2>/dev/null && fail "B's commit is in A's repository at the hub"
# the good record was stored by the hostile session: A's own sync finds it present
kin --json sync now >"$T/now.json" 2>&1 || fail "A's sync after: $(cat "$T/now.json")"
[ "$(jget last.stored <"$T/now.json" 2>/dev/null || jget stored <"$T/now.json")" -eq 0 ] || fail "A's record was not stored before"
[ "$(jget last.present <"$T/now.json" 2>/dev/null || jget present <"$T/now.json")" -ge 1 ] || fail "A's record is present at the hub"
ok "a school asking for another's objects: B's records refused, nothing of B's told or given, B's pack untouched, the good record stored"

# ---- B resumes its pack where it was (the hostile writes went elsewhere) ----
start_school_b 127.0.0.1:$XPORT
echo operator-pass-b | sb login $OPB >/dev/null || fail "login B again"
sb sync now >"$T/out" 2>&1 || fail "B's sync after: $(cat "$T/out")"
grep -q "school $NPSN_B: evidence pack $(printf %.12s "$BKEY") resumes at byte $BLEN" "$T/hub.log" ||
    fail "B did not resume its pack at byte $BLEN: $(grep resumes "$T/hub.log")"
git --git-dir="$HB" cat-file -e "$(git --git-dir="$T/b-evidence.git" for-each-ref --format='%(objectname)' refs/kinerja/ | tail -1)" ||
    fail "B's second file did not arrive"
ok "B then resumes its own pack at byte $BLEN and completes it"

# ---- a hostile hub sends A objects it never asked for ----
# A's next upload: its record reaches the real hub, its pack is cut half way (so evidence waits to go)
"$FP" --listen 127.0.0.1:0 --connect "127.0.0.1:$PORT" --up-cut-after-bytes 100000 --cut-every \
    >"$T/fp2.out" 2>"$T/fp2.log" &
XPID2=$!
i=0
until [ -s "$T/fp2.out" ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "proxy 2 did not start"; sleep 0.05; done
stop_daemon || fail "A stops"
start_daemon $SYNC --set sync.hub=127.0.0.1:"$(head -1 "$T/fp2.out")"
echo operator-pass | kin login $OPA >/dev/null || fail "login A again"
echo "guru-pass-1" | budi login $BUDI >/dev/null || fail "Budi login again"
mkpdf "$T/a2.pdf" 200000 a2
budi evidence upload "$T/a2.pdf" --slot refleksi --period $P >/dev/null || fail "upload a2"
kin sync now >"$T/out" 2>&1 && fail "the proxy did not cut A's pack"
kin --json sync status >"$T/st.json"
[ "$(jget evidence.waiting <"$T/st.json")" -ge 1 ] || fail "A's evidence does not wait to go"
stop_daemon || fail "A stops"
stop_pid "$XPID2"
# the hostile hub: one session per mode; A's session at start meets the first
head -c 32 /dev/urandom >"$T/fakehub.key"
"$T/evtool" hub "$T/fakehub.key" push push extra ack >"$T/fakehub.out" 2>&1 &
FHPID=$!
i=0
until grep -q "^key " "$T/fakehub.out" 2>/dev/null; do i=$((i + 1)); [ $i -gt 100 ] && fail "fake hub did not start"; sleep 0.05; done
FPORT=$(sed -n 's/^port //p' "$T/fakehub.out")
FKEY=$(sed -n 's/^key //p' "$T/fakehub.out")
start_daemon --set sync.hub_key="$FKEY" --set sync.interval_s=3600 --set sync.timeout_s=5 --set evidence.max_mb=8 \
    --set sync.hub=127.0.0.1:$FPORT
echo operator-pass | kin login $OPA >/dev/null || fail "login A again"
count_objects() { git --git-dir="$T/evidence.git" count-objects -v | awk '/^count:|^in-pack:/ {n += $2} END {print n}'; }
packs_before=$(find "$T/evidence.git/objects/pack" -name '*.pack' | sort)
objs=$(count_objects)
for mode in push extra ack; do
	case $mode in
	push) why="pesan ev_chunk datang saat menunggu ev_have" ;;
	extra) why="hub menyebut commit yang tidak ditawarkan" ;;
	ack) why="hub mengakui bagian paket yang tidak dikirim" ;;
	esac
	kin sync now >"$T/out" 2>&1 && fail "$mode: A accepted the hostile hub"
	kin --json sync status >"$T/st.json"
	[ "$(jget error.reason <"$T/st.json")" = SYNC_PROTOKOL ] || fail "$mode: A's error is $(jget error.reason <"$T/st.json")"
	jget error.message <"$T/st.json" | grep -q "$why" || fail "$mode: A's refusal does not say '$why': $(jget error.message <"$T/st.json")"
	echo "    $mode: $(jget error.message <"$T/st.json")"
done
wait "$FHPID" || fail "the fake hub exited $?: $(cat "$T/fakehub.out")"
FHPID=
sed 's/^/    fake hub: /' "$T/fakehub.out" | grep -v "port\|key"
grep -q "the session failed\|no error" "$T/fakehub.out" && fail "the fake hub's sessions did not end in a refusal"
for mode in push extra ack; do
	grep -q "^$mode: the school closed\|^$mode: school says" "$T/fakehub.out" || fail "no session met the fake hub's $mode"
done
[ "$(count_objects)" -eq "$objs" ] || fail "A's repository gained objects from the hostile hub"
[ "$(find "$T/evidence.git/objects/pack" -name '*.pack' | sort)" = "$packs_before" ] || fail "a pack arrived at A"
ok "a hub pushing unasked objects, naming a commit not offered or acknowledging unsent bytes is refused; A's repository gains nothing"
