#!/bin/sh
# The evidence phase of sync, end to end (issue 9): a teacher at school A
# uploads Bukti Dukung (PDFs of random bytes, ~1-3 MB); the school syncs to
# its hub through the fault proxy, which cuts every connection after a
# random number of bytes (several offsets); each `kinerja sync now` resumes
# the pack where the hub's acknowledged bytes end (the hub's .part grows,
# never restarts), and the bytes sent in all evidence phases stay within
# 1.1 x the pack. At the end the hub's repository of school A holds the
# commits the records name (its refs set), `git fsck` is clean, every file
# is verified by its signed SHA-256, the school's status shows the hub's
# receipt and the hub lists nothing waiting. School B's repository at the
# hub holds none of A's objects, and no message carries evidence from the
# hub to a school.
. "$(dirname "$0")/../lib/daemon.sh"

. "$(dirname "$0")/../lib/evsync.sh"
start_hub
hub_office

# school A reaches the hub through the proxy: every connection cut after 0.6 to 1.4 MB up
start_proxy 0 --up-cut-random-bytes 600000:1400000 --cut-every --seed 7
SYNC="--set sync.hub_key=$HUBKEY --set sync.interval_s=3600 --set sync.timeout_s=5 --set evidence.max_mb=8"
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.hub=127.0.0.1:$XPORT
start_school_b 127.0.0.1:$PORT
init_schools
hub hub daftar --sekolah $NPSN_B --kunci-perangkat "$(sb --json status | jget device_key)" >/dev/null || fail "daftar B"

# ---- uploads: three files at A (about 5.5 MB), one at B ----
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI >/dev/null || fail "add Budi"
echo "guru-pass-b" | sb user add --name "Wati Guru" --role guru --nip $WATI >/dev/null || fail "add Wati"
echo "guru-pass-1" | kin login $BUDI >/dev/null || fail "Budi login"
mkpdf "$T/a1.pdf" 1500000 a1
mkpdf "$T/a2.pdf" 2900000 a2
mkpdf "$T/a3.pdf" 1100000 a3
kin evidence upload "$T/a1.pdf" --slot persiapan --period $P >/dev/null || fail "upload a1"
kin evidence upload "$T/a2.pdf" --slot observasi --period $P >/dev/null || fail "upload a2"
kin evidence upload "$T/a3.pdf" --slot refleksi --period $P >/dev/null || fail "upload a3"
echo "guru-pass-b" | sb login $WATI >/dev/null || fail "Wati login"
mkpdf "$T/b1.pdf" 300000 b1
sb evidence upload "$T/b1.pdf" --slot refleksi --period $P >/dev/null || fail "upload b1"
A_COMMIT=$(git --git-dir="$T/evidence.git" for-each-ref --format='%(objectname)' refs/kinerja/) || fail "A's ref"
B_COMMIT=$(git --git-dir="$T/b-evidence.git" for-each-ref --format='%(objectname)' refs/kinerja/) || fail "B's ref"
[ -n "$A_COMMIT" ] && [ -n "$B_COMMIT" ] || fail "no evidence refs at the schools"
# A is registered only now: a retry of its first (refused) session cannot carry part of the files early
hub hub daftar --sekolah $NPSN_A --kunci-perangkat "$(kin --json status | jget device_key)" >/dev/null || fail "daftar A"
ok "a teacher at A uploads 3 PDFs of random bytes, one at B"

# ---- A syncs through cuts: each session resumes where the hub's acknowledged bytes end ----
t0=$(date +%s)
INC=$T/hub-ev/hub-evidence/$NPSN_A.incoming
last=0
n=0
size=0
ahead=0
while :; do
	n=$((n + 1))
	[ $n -gt 20 ] && fail "the evidence did not arrive after 20 sessions"
	before=$(find "$INC" -name '*.part' -exec stat -c %s {} \; 2>/dev/null | head -1)
	before=${before:-0}
	if kin sync now >"$T/out" 2>&1; then
		break
	fi
	kin --json sync status >"$T/st.json" || fail "sync status"
	# the session resumed where the hub's durable bytes ended, not where the school's last ack said
	resumed=$(jget last.ev_resumed_at <"$T/st.json")
	[ "$before" -eq 0 ] || [ "$resumed" -eq "$before" ] || fail "session $n resumed at $resumed, the hub held $before"
	# the window: more than one chunk in flight (sync.ev_window_kb, 128 KiB by default: 2 chunks)
	inflight=$(jget last.ev_inflight_max <"$T/st.json")
	[ "$inflight" -le 2 ] || fail "$inflight chunks in flight, over the window of 2"
	[ "$(jget last.ev_chunks <"$T/st.json")" -le 2 ] || [ "$inflight" -gt 1 ] || fail "one chunk at a time: no window"
	moving=$(jget evidence.moving.size <"$T/st.json" 2>/dev/null) || moving=
	if [ -n "$moving" ]; then
		size=$moving
		sent=$(jget evidence.moving.sent <"$T/st.json")
		part=$(find "$INC" -name '*.part' -exec stat -c %s {} \; 2>/dev/null | head -1)
		part=${part:-0}
		# the hub may hold more than the school saw acknowledged (acks lost in the cut), at most the window
		[ "$part" -ge "$sent" ] && [ "$part" -le $((sent + 131072)) ] ||
		    fail "the hub holds $part bytes, the school counts $sent acknowledged (window 128 KiB)"
		[ "$part" -gt "$sent" ] && ahead=$((ahead + 1))
		[ "$part" -ge "$last" ] || fail "the hub's .part shrank: $last -> $part (a restart from zero)"
		[ "$part" -gt "$last" ] || [ "$part" -eq 0 ] || fail "no progress in session $n ($part bytes)"
		last=$part
		kin sync status | grep -q "sedang dikirim: *$sent dari $size bita" || fail "status shows the progress: $(kin sync status)"
		[ $n -eq 2 ] && { hub hub sekolah | grep -q "Bukti Dukung: 1 dokumen menunggu berkas" ||
		    fail "the hub shows A's document waiting for files: $(hub hub sekolah)"; }
		[ $n -eq 2 ] && { [ "$(hub --json hub sekolah | jget schools.0.bytes_waiting)" -gt 0 ] ||
		    fail "the hub shows no pack bytes waiting at A after a cut: $(hub --json hub sekolah)"; }
	fi
done
t1=$(date +%s)
grep -q "event=cut" "$T/fp.log" || fail "the proxy cut nothing"
cuts=$(grep -c "event=cut" "$T/fp.log")
[ "$cuts" -ge 3 ] || fail "only $cuts cut(s)"
kin --json sync status >"$T/st.json"
total=$(jget evidence.bytes_sent_total <"$T/st.json")
psize=$(jget last.ev_pack_bytes <"$T/st.json")
[ "$size" -gt 0 ] || size=$psize
[ "$psize" -eq "$size" ] || fail "the pack completed ($psize bytes) is not the one offered ($size bytes)"
[ "$size" -gt 5000000 ] || fail "the pack is $size bytes (3 files of random bytes, ~5.5 MB)"
[ $((total * 100)) -le $((size * 110)) ] || fail "sent $total bytes for a pack of $size (> 1.1 x)"
grep -q "resumes at byte" "$T/hub.log" || fail "the hub logs a resumed pack"
ok "through $cuts cuts in $n sessions (the hub ahead of the school's acks after $ahead; window: $inflight chunks in flight): $total bytes sent for a pack of $size ($(( total * 1000 / size ))/1000), $((t1 - t0)) s"

# ---- the hub holds A's commits, verified ----
HA=$T/hub-ev/hub-evidence/$NPSN_A.git
HB=$T/hub-ev/hub-evidence/$NPSN_B.git
for c in $A_COMMIT; do
	git --git-dir="$HA" cat-file -e "$c^{commit}" || fail "the hub lacks A's commit $c"
	git --git-dir="$HA" for-each-ref --format='%(objectname)' refs/kinerja/ | grep -q "$c" || fail "A's ref at the hub"
done
git --git-dir="$HA" fsck --strict >"$T/fsck" 2>&1 || fail "git fsck at the hub: $(cat "$T/fsck")"
[ "$(find "$INC" -name '*.part' | wc -l)" -eq 0 ] || fail "a .part is left at the hub"
[ "$(find "$T/store/sync-spool" -name '*.pack' | wc -l)" -eq 0 ] || fail "the school's spool still holds the pack"
[ "$(jget evidence.receipt.verified <"$T/st.json")" -eq 3 ] || fail "the receipt verifies 3 files: $(cat "$T/st.json")"
[ "$(jget evidence.receipt.waiting <"$T/st.json")" -eq 0 ] || fail "nothing waits after the receipt"
kin sync status | grep -q "3 berkas terverifikasi (SHA-256)" || fail "status shows the verified files: $(kin sync status)"
hub --json hub sekolah >"$T/hs.json"
[ "$(jget schools.0.npsn <"$T/hs.json")" = $NPSN_A ] || fail "A listed first"
[ "$(jget schools.0.evidence_waiting <"$T/hs.json")" -eq 0 ] || fail "the hub shows A waiting for files"
[ "$(jget schools.0.evidence_verified <"$T/hs.json")" -eq 3 ] || fail "the hub shows A's 3 files verified"
grep -q "the hub verified 3 evidence file(s)" "$T/daemon.log" || fail "the school logs the receipt"
[ "$(hub --json hub sekolah | jget schools.0.bytes_waiting)" = 0 ] || fail "pack bytes still waiting at A after the pack arrived"
ok "the hub's repository of A holds its commits and refs, git fsck is clean, 3 files verified by SHA-256"

# ---- the evidence checkpoint: after a live sync verified every file, a bundle leaves the evidence out ----
echo operator-pass | KINERJA_SESSION=$T/op-session "$B/kinerja" --socket "$SOCK" login $OPA >/dev/null || fail "operator login A"
KINERJA_SESSION=$T/op-session "$B/kinerja" --socket "$SOCK" --json sync export "$T/after-live.bundle" >"$T/out" ||
    fail "export after the live sync: $(cat "$T/out")"
[ "$(jget evidence_checkpoint <"$T/out")" = true ] && [ "$(jget pack_bytes <"$T/out")" -lt 100000 ] ||
    fail "a bundle after the live sync carries the files again: $(cat "$T/out")"
ok "after a live sync verified A's files, a bundle leaves them out (evidence checkpoint: $(jget pack_bytes <"$T/out") bytes of pack)"

# ---- a sync with nothing new sends no evidence message; a new upload goes alone ----
stop_pid "$XPID"
XPID=
"$FP" --listen "127.0.0.1:$XPORT" --connect "127.0.0.1:$PORT" --up-cut-after-bytes 250000 --cut-conns 2 \
    >"$T/fp.out" 2>"$T/fp2.log" &
XPID=$!
sleep 0.2
kin sync now >"$T/out" 2>&1 || fail "sync now without cuts: $(cat "$T/out")"
kin --json sync status >"$T/st.json"
[ "$(jget last.ev_bytes_sent <"$T/st.json")" -eq 0 ] || fail "a sync with nothing new moved evidence"
mkpdf "$T/a4.pdf" 400000 a4
kin evidence upload "$T/a4.pdf" --slot persiapan --period $P >/dev/null || fail "upload a4 (replaces a1)"
kin sync now >"$T/out" 2>&1 && fail "the proxy did not cut the second connection"
# a pack damaged at the school after the cut (beyond what the hub acknowledged): refused whole, built again from zero
PK=$(find "$T/store/sync-spool" -name '*.pack' | head -1)
[ -n "$PK" ] || fail "the cut left no spooled pack"
# flip one bit of a byte near the end (writing a fixed byte would change nothing when it was that byte already)
OFF=$(( $(stat -c %s "$PK") - 100 ))
BYTE=$(dd if="$PK" bs=1 skip=$OFF count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf %03o $(( BYTE ^ 1 )))" | dd of="$PK" bs=1 seek=$OFF conv=notrunc 2>/dev/null
[ "$(dd if="$PK" bs=1 skip=$OFF count=1 2>/dev/null | od -An -tu1 | tr -d ' ')" = $(( BYTE ^ 1 )) ] || fail "the byte was not flipped"
kin sync now >"$T/out" 2>&1 && fail "a damaged pack was accepted"
grep -q "rusak" "$T/out" || fail "the school is told the pack was damaged: $(cat "$T/out")"
[ -z "$(find "$T/store/sync-spool" -name '*.pack')" ] || fail "the damaged pack is kept"
[ -z "$(find "$INC" -name '*.part')" ] || fail "the hub keeps the damaged pack's bytes"
kin sync now >"$T/out" 2>&1 || fail "sync now after a4: $(cat "$T/out")"
kin --json sync status >"$T/st.json"
[ "$(jget last.ev_resumed_at <"$T/st.json")" -eq 0 ] || fail "the rebuilt pack resumed instead of starting at zero"
p2=$(jget last.ev_pack_bytes <"$T/st.json")
[ "$p2" -gt 400000 ] && [ "$p2" -lt 600000 ] || fail "the second pack holds the new file only: $p2 bytes"
[ "$(jget evidence.receipt.verified <"$T/st.json")" -eq 4 ] || fail "4 files verified"
# the hub hashed only the new file: the 3 it checked before are on its list of verified files
grep "sync: school $NPSN_A: .* evidence file(s) hashed" "$T/hub.log" | tail -1 | grep -q ": 1 evidence file(s) hashed, 3 known verified before" ||
    fail "the hub hashed the old files again: $(grep 'evidence file(s) hashed' "$T/hub.log" | tail -2)"
ok "a sync with nothing new moves no evidence; a new upload travels alone ($p2 bytes); a damaged pack is sent again from zero"

# ---- B: its own repository; no school obtains another's objects ----
sb sync now >"$T/out" 2>&1 || fail "sync now B: $(cat "$T/out")"
git --git-dir="$HB" cat-file -e "$B_COMMIT^{commit}" || fail "the hub lacks B's commit"
for c in $A_COMMIT; do
	git --git-dir="$HB" cat-file -e "$c" 2>/dev/null && fail "A's commit is in B's repository at the hub"
done
git --git-dir="$HA" cat-file -e "$B_COMMIT" 2>/dev/null && fail "B's commit is in A's repository at the hub"
# the protocol: every ev_* message the hub sends carries offsets, commit ids of the school's own offer, or counts
grep -E '^ \*   ev_[a-z]+ +hub' sync/proto.h >"$T/hubmsgs" || fail "proto.h lists the hub's evidence messages"
grep -vE 'ev_(have|at|receipt) ' "$T/hubmsgs" && fail "a hub message carries evidence down"
grep -q 'data' "$T/hubmsgs" && fail "a hub message has a data field"
ok "B's files sit in B's own repository at the hub; neither holds the other's objects; no message serves evidence down"
