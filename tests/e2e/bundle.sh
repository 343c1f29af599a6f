#!/bin/sh
# Sneakernet bundles end to end (issue 9): a hub and a school with no
# network between them (the school's sync.hub is a dead port). School work
# and an evidence upload go up in a bundle (`sync export` at the school,
# `sync import` at the hub): the hub holds the records (equal fingerprints)
# and the evidence commit; importing again changes nothing; a cut bundle, a
# bundle with one flipped byte and one signed by an unregistered device are
# refused with nothing applied. The hub's receipt (`sync import
# --tanda-terima`), signed by its device key, marks the school's acts as
# received by the hub at its time in `sync status` and `sync acts`; a
# tampered receipt is refused. With the receipt's evidence checkpoint a
# second export carries only the new upload. The way back: a Dinas
# assignment at the hub goes down in a bundle (`sync export --sekolah`)
# and the school sees it. Last, a bundle of ~100 MB of evidence goes up
# through the spools in bounded memory (peak RSS of both daemons printed).
. "$(dirname "$0")/../lib/daemon.sh"

JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
jget() { "$JC" "$1"; }

NPSN=20100001
OFFICE=30100000
OPD=197001011995031002
PENGAWAS=196805101990031004
OPA=1234567890123456
BUDI=198501012010011001
P=2026-1

HPID=
XPID=
trap 'stop_pid "$XPID"; stop_pid "$HPID"; stop_daemon >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
"$B/kinerjad" --socket "$T/hub.sock" --store "$T/hub" --set keys.device_key="$T/hub-device.key" \
    --set evidence.dir="$T/hub-evidence.git" --set evidence.staging_dir="$T/hub-uploads" \
    --set keys.pwhash=min --set daemon.role=hub --set sync.listen=127.0.0.1:0 --log-level debug >>"$T/hub.log" 2>&1 &
HPID=$!
i=0
while ! "$B/kinerja" --socket "$T/hub.sock" status >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -gt 300 ] && fail "hub did not start"
	sleep 0.05
done
hub() { KINERJA_SESSION=$T/hub-session "$B/kinerja" --socket "$T/hub.sock" "$@"; }
echo "dinas-op-pass" | hub dinas init --kode $OFFICE --nama "Dinas Pendidikan Kabupaten Contoh" \
    --operator-name "Rudi Hartono" --operator-nip $OPD >/dev/null || fail "dinas init at the hub"
hub dinas kunci --out "$T/dinas.key" >/dev/null || fail "dinas kunci"
echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login"
echo "pengawas-pass" | hub user add --name "Hendra Wijaya" --role pengawas --nip $PENGAWAS >/dev/null || fail "add Pengawas"
HUBKEY=$(hub --json status | jget device_key)

# the school: its hub configured, at a port where nothing listens
start_daemon --set sync.hub=127.0.0.1:9 --set sync.hub_key="$HUBKEY" --set sync.interval_s=3600 --set sync.timeout_s=2
echo "operator-pass" | kin school init --npsn $NPSN --name "SD Negeri 1 Contoh" --operator-name "Siti Aminah" \
    --operator-nuptk $OPA --authority-key "$T/dinas.key" >/dev/null || fail "school init"
echo operator-pass | kin login $OPA >/dev/null || fail "login"
DEV=$(kin --json status | jget device_key)
hub hub daftar --sekolah $NPSN --kunci-perangkat "$DEV" >/dev/null || fail "hub daftar"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI >/dev/null || fail "add Budi"
echo "guru-pass-1" | kin login $BUDI >/dev/null || fail "Budi login"
{ printf '%%PDF-1.4\n%% bundle test\n'; head -c 50000 /dev/urandom | od -An -tx1 | tr -d ' \n'; printf '\n%%%%EOF\n'; } >"$T/s.pdf"
kin evidence upload "$T/s.pdf" --slot refleksi --period $P >"$T/out" || fail "upload: $(cat "$T/out")"
COMMIT=$(kin --json evidence list --period $P | grep -o '"commit": *"[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{40\}')
[ -n "$COMMIT" ] || fail "the upload's commit: $(kin --json evidence list --period $P)"
out=$(kin sync export "$T/x.bundle" 2>&1) && fail "a teacher exported a bundle"
echo "$out" | grep -q "dibawa oleh Operator.*(Anda: Guru).*\[session\]" || fail "a teacher is told who may: $out"
echo operator-pass | kin login $OPA >/dev/null || fail "login"
ok "a school with its hub out of reach: people and an evidence upload ($COMMIT)"

# ---- up: school -> hub ----
kin --json sync export "$T/up.bundle" >"$T/out" || fail "sync export: $(cat "$T/out")"
cp "$T/out" "$T/out.up"
PACK1=$(jget pack_bytes <"$T/out")
NREC=$(jget records <"$T/out")
[ "$NREC" -ge 3 ] || fail "the bundle holds the school's records: $(cat "$T/out")"
[ "$(jget pack_objects <"$T/out")" -ge 3 ] || fail "the bundle holds the evidence: $(cat "$T/out")"
out=$(kin sync export "$T/up.bundle" 2>&1) && fail "export overwrote a file"
echo "$out" | grep -q "sudah ada: pilih nama lain" || fail "export names the file that exists: $out"
# what people are told, in Indonesian (the message catalog)
out=$(kin sync export "$T/x.bundle" --tanda-terima 2>&1) && fail "a school wrote a receipt"
echo "$out" | grep -q "Tanda terima dibuat di hub" || fail "a receipt at a school: $out"
out=$(hub sync export "$T/x.bundle" --sekolah $NPSN 2>&1) && fail "export down without a position"
echo "$out" | grep -q "Sebutkan posisi sekolah itu" || fail "export down without a position: $out"
out=$(hub sync export "$T/x.bundle" --sekolah $NPSN --setelah dua 2>&1) && fail "a position in words"
echo "$out" | grep -q "setelah adalah posisi" || fail "a position in words: $out"
out=$(hub sync export "$T/x.bundle" --sekolah $NPSN --tanda-terima 2>&1) && fail "a receipt before any bundle"
echo "$out" | grep -q "belum pernah mengimpor bundel dari sekolah $NPSN" || fail "a receipt before any bundle: $out"
: >"$T/empty.bundle"
out=$(hub sync import "$T/empty.bundle" 2>&1) && fail "an empty file was imported"
echo "$out" | grep -q "bukan berkas bundel" || fail "an empty file: $out"
[ -e "$T/x.bundle" ] && fail "a refused export left a file"

# refusals first, nothing applied: a cut bundle, a flipped byte, an unregistered device
SIZE=$(wc -c <"$T/up.bundle")
head -c $((SIZE - 30)) "$T/up.bundle" >"$T/cut.bundle"
out=$(hub sync import "$T/cut.bundle" 2>&1) && fail "a cut bundle was imported"
echo "$out" | grep -q "Tidak ada isinya yang diterapkan" || fail "the cut bundle's refusal: $out"
cp "$T/up.bundle" "$T/flip.bundle"
OFF=$((SIZE / 2))
printf '\377' | dd of="$T/flip.bundle" bs=1 seek=$OFF conv=notrunc 2>/dev/null
cmp -s "$T/up.bundle" "$T/flip.bundle" && { printf '\000' | dd of="$T/flip.bundle" bs=1 seek=$OFF conv=notrunc 2>/dev/null; }
out=$(hub sync import "$T/flip.bundle" 2>&1) && fail "a tampered bundle was imported"
echo "$out" | grep -q "rusak, terpotong, atau telah diubah" || fail "the tampered bundle's refusal: $out"
# a flipped byte in the signature: the file is whole, so only kinerjad's signature check can tell
cp "$T/up.bundle" "$T/sig.bundle"
printf '\125' | dd of="$T/sig.bundle" bs=1 seek=$((SIZE - 10)) conv=notrunc 2>/dev/null
cmp -s "$T/up.bundle" "$T/sig.bundle" && printf '\252' | dd of="$T/sig.bundle" bs=1 seek=$((SIZE - 10)) conv=notrunc 2>/dev/null
out=$(hub sync import "$T/sig.bundle" 2>&1) && fail "a bundle with a bad signature was imported"
echo "$out" | grep -q "tidak ditandatangani oleh perangkat yang terdaftar" || fail "the bad signature's refusal: $out"
hub --json hub sekolah >"$T/hs.json" || fail "hub sekolah"
[ "$(jget schools.0.records <"$T/hs.json")" = 0 ] || fail "a refused bundle left records: $(cat "$T/hs.json")"
[ -d "$T/hub-evidence/$NPSN.git" ] && fail "a refused bundle left an evidence repository"
# another school daemon (not registered) signs a bundle for the same NPSN
"$B/kinerjad" --socket "$T/x.sock" --store "$T/x" --set keys.device_key="$T/x-device.key" \
    --set evidence.dir="$T/x-evidence.git" --set evidence.staging_dir="$T/x-uploads" --set keys.pwhash=min \
    --set sync.hub=127.0.0.1:9 --set sync.hub_key="$HUBKEY" --set sync.interval_s=3600 >>"$T/x.log" 2>&1 &
XPID=$!
i=0
while ! "$B/kinerja" --socket "$T/x.sock" status >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 300 ] && fail "x did not start"; sleep 0.05
done
sx() { KINERJA_SESSION=$T/x-session "$B/kinerja" --socket "$T/x.sock" "$@"; }
echo "x-pass-123" | sx school init --npsn $NPSN --name "Palsu" --operator-name "Palsu" --operator-nuptk 1234567890123999 \
    --authority-key "$T/dinas.key" >/dev/null || fail "x init"
echo x-pass-123 | sx login 1234567890123999 >/dev/null || fail "x login"
sx sync export "$T/forged.bundle" >/dev/null || fail "x export"
out=$(hub sync import "$T/forged.bundle" 2>&1) && fail "a bundle of an unregistered device was imported"
echo "$out" | grep -q "tidak ditandatangani oleh perangkat yang terdaftar untuk sekolah $NPSN" || fail "forged: $out"
[ "$(hub --json hub sekolah | jget schools.0.records)" = 0 ] || fail "the forged bundle left records"
ok "a cut bundle, a flipped byte and a bundle of an unregistered device are refused with nothing applied; mistakes are told in Indonesian"

UPTO=$(jget to <"$T/out.up")
hub --json sync import "$T/up.bundle" --tanda-terima "$T/r1.bundle" >"$T/out" || fail "sync import at the hub: $(cat "$T/out")"
[ "$(jget stored <"$T/out")" = "$NREC" ] || fail "every record stored: $(cat "$T/out")"
[ "$(jget refused <"$T/out")" = 0 ] || fail "nothing refused: $(cat "$T/out")"
[ "$(jget files_verified <"$T/out")" = 1 ] || fail "the file verified by its SHA-256: $(cat "$T/out")"
[ -s "$T/r1.bundle" ] || fail "the receipt was written"
kin --json sync status >"$T/ss.json"
hub --json hub sekolah >"$T/hs.json"
[ "$(jget fp <"$T/ss.json") $(jget count <"$T/ss.json")" = "$(jget schools.0.fp <"$T/hs.json") $(jget schools.0.records <"$T/hs.json")" ] ||
    fail "the fingerprints differ: $(cat "$T/ss.json") / $(cat "$T/hs.json")"
[ "$(jget schools.0.bundle_records <"$T/hs.json")" = "$NREC" ] && [ "$(jget schools.0.bundle_at_ms <"$T/hs.json")" -gt 0 ] ||
    fail "hub sekolah notes the bundle's import: $(cat "$T/hs.json")"
hub hub sekolah | grep -q "bundel terakhir diimpor: .*, $NREC catatan" || fail "hub sekolah shows the import: $(hub hub sekolah)"
[ "$(git --git-dir="$T/hub-evidence/$NPSN.git" cat-file -t "$COMMIT")" = commit ] || fail "the hub holds the evidence commit"
git --git-dir="$T/hub-evidence/$NPSN.git" fsck --no-dangling >/dev/null 2>&1 || fail "the school's repository at the hub is sound"
git --git-dir="$T/hub-evidence/$NPSN.git" show-ref | grep -q "$COMMIT refs/kinerja/$NPSN/bundle/$COMMIT" || fail "a ref keeps the commit reachable at the hub"
hub --json sync import "$T/up.bundle" >"$T/out" || fail "import again: $(cat "$T/out")"
[ "$(jget stored <"$T/out") $(jget present <"$T/out")" = "0 $NREC" ] || fail "again: all present: $(cat "$T/out")"
[ "$(hub --json hub sekolah | jget schools.0.fp)" = "$(jget schools.0.fp <"$T/hs.json")" ] || fail "a second import changed the hub"
ok "the bundle's $NREC records and evidence are at the hub (equal fingerprints); importing again changes nothing"

# ---- the receipt back to the school ----
[ "$(kin --json sync status | jget checkpoints.acked)" = 0 ] || fail "nothing acknowledged before the receipt"
kin --json sync acts >"$T/acts.json" || fail "sync acts"
[ "$(jget acts.0.state <"$T/acts.json")" = menunggu ] || fail "the act waits before the receipt: $(cat "$T/acts.json")"
RSIZE=$(wc -c <"$T/r1.bundle")
cp "$T/r1.bundle" "$T/rsig.bundle"
printf '\125' | dd of="$T/rsig.bundle" bs=1 seek=$((RSIZE - 10)) conv=notrunc 2>/dev/null
cmp -s "$T/r1.bundle" "$T/rsig.bundle" && printf '\252' | dd of="$T/rsig.bundle" bs=1 seek=$((RSIZE - 10)) conv=notrunc 2>/dev/null
out=$(kin sync import "$T/rsig.bundle" 2>&1) && fail "a receipt with a bad signature was imported"
echo "$out" | grep -q "tidak ditandatangani oleh hub sekolah ini" || fail "the bad receipt's refusal: $out"
[ "$(kin --json sync status | jget checkpoints.acked)" = 0 ] || fail "a refused receipt moved the checkpoint"
out=$(hub sync import "$T/r1.bundle" 2>&1) && fail "the hub imported its own receipt"
kin --json sync import "$T/r1.bundle" >"$T/out" || fail "the receipt at the school: $(cat "$T/out")"
[ "$(jget acked_moved <"$T/out") $(jget acked <"$T/out")" = "true $UPTO" ] || fail "the receipt moved sync/acked to $UPTO: $(cat "$T/out")"
kin --json sync status >"$T/ss2.json"
[ "$(jget checkpoints.acked <"$T/ss2.json")" = "$UPTO" ] || fail "sync status: acked $UPTO: $(cat "$T/ss2.json")"
[ "$(jget receipt.via <"$T/ss2.json")" = bundle ] || fail "sync status shows the bundle's receipt: $(cat "$T/ss2.json")"
[ "$(jget receipt.at_ms <"$T/ss2.json")" -gt 0 ] || fail "the receipt's time"
[ "$(jget waiting <"$T/ss2.json")" = 0 ] || fail "nothing waits after the receipt: $(cat "$T/ss2.json")"
kin sync status | grep -q "Tanda terima hub:" || fail "sync status in words: $(kin sync status)"
kin --json sync acts >"$T/acts.json"
[ "$(jget acts.0.state <"$T/acts.json")" = diterima_hub ] || fail "the act is received by the hub: $(cat "$T/acts.json")"
[ "$(jget acts.0.received_ms <"$T/acts.json")" = "$(jget receipt.at_ms <"$T/ss2.json")" ] ||
    fail "received at the receipt's time: $(cat "$T/acts.json")"
kin sync acts | grep -q "Diterima hub pada" || fail "sync acts in words: $(kin sync acts)"
kin --json sync import "$T/r1.bundle" >"$T/out" || fail "the receipt again: $(cat "$T/out")"
[ "$(jget acked_moved <"$T/out")" = false ] || fail "the receipt again changes nothing: $(cat "$T/out")"
ok "the hub's signed receipt marks the acts received at its time (sync status, sync acts); a tampered receipt is refused"

# ---- the evidence checkpoint: the next bundle carries only what the hub has not acknowledged ----
echo "guru-pass-1" | kin login $BUDI >/dev/null || fail "Budi login"
{ printf '%%PDF-1.4\n%% second\n'; head -c 3000 /dev/urandom | od -An -tx1 | tr -d ' \n'; printf '\n%%%%EOF\n'; } >"$T/s2.pdf"
kin evidence upload "$T/s2.pdf" --slot persiapan --period $P >"$T/out" || fail "upload 2: $(cat "$T/out")"
COMMIT2=$(kin --json evidence list --period $P | grep -o '"commit": *"[0-9a-f]*"' | head -1 | grep -o '[0-9a-f]\{40\}')
echo operator-pass | kin login $OPA >/dev/null || fail "login"
kin --json sync export "$T/up2.bundle" >"$T/out" || fail "export 2: $(cat "$T/out")"
[ "$(jget evidence_checkpoint <"$T/out")" = true ] || fail "export 2 uses the checkpoint: $(cat "$T/out")"
[ "$(jget records <"$T/out")" = 1 ] || fail "only the new evidence record goes: $(cat "$T/out")"
PACK2=$(jget pack_bytes <"$T/out")
[ "$PACK2" -gt 0 ] && [ $((PACK2 * 4)) -lt "$PACK1" ] || fail "only the new file goes: $PACK2 bytes after $PACK1"
# a hub that lost the school's evidence (restored from an old backup) cannot take a bundle that leaves it out
N0=$(hub --json hub sekolah | jget schools.0.records)
mv "$T/hub-evidence/$NPSN.git" "$T/hub-evidence.saved"
out=$(hub sync import "$T/up2.bundle" 2>&1) && fail "a thin bundle was imported at a hub without the evidence it builds on"
echo "$out" | grep -q "tidak ada di dalamnya maupun di hub ini" || fail "the thin bundle's refusal: $out"
echo "$out" | grep -q -- "--semua" || fail "the refusal says what to do: $out"
[ "$(hub --json hub sekolah | jget schools.0.records)" = "$N0" ] || fail "the refused thin bundle left records"
rm -rf "$T/hub-evidence/$NPSN.git"
mv "$T/hub-evidence.saved" "$T/hub-evidence/$NPSN.git"
hub --json sync import "$T/up2.bundle" >"$T/out" || fail "import 2 at the hub: $(cat "$T/out")"
[ "$(jget stored <"$T/out") $(jget files_verified <"$T/out")" = "1 1" ] || fail "import 2: $(cat "$T/out")"
[ "$(git --git-dir="$T/hub-evidence/$NPSN.git" cat-file -t "$COMMIT2")" = commit ] || fail "the hub holds the second commit"
git --git-dir="$T/hub-evidence/$NPSN.git" fsck --no-dangling >/dev/null 2>&1 || fail "the repository at the hub is sound after a thin bundle"
kin --json sync export "$T/all-up.bundle" --semua >"$T/out" || fail "export --semua at the school"
[ "$(jget evidence_checkpoint <"$T/out")" = false ] && [ "$(jget pack_bytes <"$T/out")" -gt "$PACK1" ] ||
    fail "--semua carries all the evidence: $(cat "$T/out")"
ok "after the receipt, a bundle carries only the new upload ($PACK2 bytes of evidence, not $PACK1); a hub that lost the evidence refuses it, saying --semua"

# ---- down: the Dinas's assignment at the hub -> the school ----
hub dinas tugaskan --sekolah $NPSN --peran pengawas --nip $PENGAWAS --mulai 2020-01-01 >"$T/out" ||
    fail "assign at the hub: $(cat "$T/out")"
PULLED=$(jget checkpoints.pulled <"$T/ss.json")
hub --json sync export "$T/down.bundle" --sekolah $NPSN --setelah "$PULLED" >"$T/out" || fail "export down: $(cat "$T/out")"
[ "$(jget records <"$T/out")" -ge 1 ] || fail "the assignment is in the bundle: $(cat "$T/out")"
out=$(hub sync import "$T/down.bundle" 2>&1) && fail "the hub imported its own bundle for the school"
echo "$out" | grep -q "bukan untuk daemon ini" || fail "wrong direction: $out"
kin --json sync import "$T/down.bundle" >"$T/out" || fail "import at the school: $(cat "$T/out")"
[ "$(jget stored <"$T/out")" -ge 1 ] || fail "the school stored the assignment: $(cat "$T/out")"
kin --json penugasan | grep -q "$PENGAWAS" ||
    fail "the school sees the assignment: $(kin penugasan 2>&1)"
[ "$(kin --json sync status | jget checkpoints.pulled)" -gt "$PULLED" ] || fail "sync/pulled moved"
kin --json sync import "$T/down.bundle" | grep -q '"stored": 0' || fail "the down bundle again: nothing new"
# a bundle made by the stranger is not the hub's
out=$(kin sync import "$T/forged.bundle" 2>&1) && fail "the school imported a school's bundle"
ok "the way back: the Dinas's assignment reaches the school in a bundle"

# --semua: every record the hub holds for the school; at the school all of them are there already
hub --json sync export "$T/all.bundle" --sekolah $NPSN --semua >"$T/out" || fail "export --semua: $(cat "$T/out")"
N=$(jget records <"$T/out")
kin --json sync import "$T/all.bundle" >"$T/out" || fail "import --semua: $(cat "$T/out")"
[ "$(jget present <"$T/out")" = "$N" ] || fail "every record of --semua is present at the school: $(cat "$T/out")"
out=$(hub sync export "$T/none.bundle" --sekolah 20999999 --semua 2>&1) && fail "export for an unregistered school"
echo "$out" | grep -q "tidak terdaftar" || fail "unregistered school: $out"
ok "--semua carries all $N records of the school; an unregistered NPSN is refused"

# ---- a big bundle: ~100 MB of evidence through the spools, in bounded memory ----
# BIG_MB (default 100) in files of 9 MB (under the 10 MB limit). Both daemons' memory is sampled every 0.1 s while
# the bundle moves: the heap (RssAnon) must grow by far less than the bundle, which is never whole in
# memory (libgit2 maps the pack it indexes, so VmHWM also counts page-cache pages: printed, not bounded).
BIG_MB=${BIG_MB:-100}
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
anon() { awk '/^RssAnon/ {print $2}' "/proc/$1/status"; }
# sample pid's RssAnon into file until stop file appears
sample() { while [ ! -e "$T/stop" ] && kill -0 "$1" 2>/dev/null; do anon "$1" >>"$2"; sleep 0.1; done; }
peak() { sort -n "$1" | tail -1; }
echo "guru-pass-1" | kin login $BUDI >/dev/null || fail "Budi login"
left=$BIG_MB
k=0
while [ "$left" -gt 0 ]; do
	mb=$((left < 9 ? left : 9))
	k=$((k + 1))
	{ printf '%%PDF-1.4\n'; head -c $((mb * 1000000)) /dev/urandom; printf '\n%%%%EOF\n'; } >"$T/big.pdf"
	kin evidence upload "$T/big.pdf" --slot "besar-$k" --period $P >"$T/out" || fail "upload big $k: $(cat "$T/out")"
	left=$((left - mb))
done
rm -f "$T/big.pdf"
echo operator-pass | kin login $OPA >/dev/null || fail "login"
S0=$(anon "$DPID")
H0=$(anon "$HPID")
rm -f "$T/stop"
sample "$DPID" "$T/s.anon" &
SPID=$!
# on a terminal (script(1) gives it one) the CLI shows how far the daemon is, then the copy
script -qec "'$B/kinerja' --socket '$SOCK' sync export '$T/big.bundle'" /dev/null >"$T/tty-x.out" 2>&1 ||
    fail "export big: $(tail -c 600 "$T/tty-x.out")"
touch "$T/stop"
wait $SPID
grep -q "menyiapkan bundel: .*menyusun paket bukti dukung" "$T/tty-x.out" && grep -q "menyalin bundel .*(100%)" "$T/tty-x.out" ||
    fail "the export's progress on a terminal: $(tail -c 600 "$T/tty-x.out")"
BYTES=$(wc -c <"$T/big.bundle")
[ "$BYTES" -gt $((BIG_MB * 1000000)) ] || fail "the big bundle holds the files: $BYTES bytes: $(tail -c 600 "$T/tty-x.out")"
grep -q "$BYTES byte seluruhnya" "$T/tty-x.out" || fail "the file is as big as the daemon's spool: $(tail -c 600 "$T/tty-x.out")"
[ -n "$(ls "$T/store/bundle-spool/"*.bundle 2>/dev/null)" ] && fail "the export spool is removed once fetched: $(ls "$T/store/bundle-spool/")"
# a bundle cut in the middle of its pack is refused, nothing of it applied
head -c $((BYTES / 10)) "$T/big.bundle" >"$T/bigcut.bundle"
out=$(hub sync import "$T/bigcut.bundle" 2>&1) && fail "a cut big bundle was imported"
echo "$out" | grep -q "Tidak ada isinya yang diterapkan" || fail "the cut big bundle's refusal: $out"
rm -f "$T/stop" "$T/bigcut.bundle"
sample "$HPID" "$T/h.anon" &
SPID=$!
# the import's progress on a terminal too
KINERJA_SESSION=$T/hub-session script -qec "'$B/kinerja' --socket '$T/hub.sock' sync import '$T/big.bundle'" /dev/null >"$T/tty.out" 2>&1 ||
    fail "import big: $(tail -c 600 "$T/tty.out")"
touch "$T/stop"
wait $SPID
grep -q "memeriksa bundel .*(100%)" "$T/tty.out" && grep -q "mengirim bundel .*(100%)" "$T/tty.out" ||
    fail "progress on a terminal: $(tail -c 600 "$T/tty.out")"
grep -q "$k berkas cocok dengan SHA-256" "$T/tty.out" || fail "every big file verified: $(tail -c 600 "$T/tty.out")"
git --git-dir="$T/hub-evidence/$NPSN.git" fsck --no-dangling >/dev/null 2>&1 || fail "the repository at the hub is sound after the big bundle"
S1=$(peak "$T/s.anon")
H1=$(peak "$T/h.anon")
echo "# a bundle of $BYTES bytes ($k files): heap (RssAnon) school kinerjad ${S0} -> ${S1} KiB at most while exporting," \
    "hub kinerjad ${H0} -> ${H1} KiB while importing; VmHWM school $(hwm "$DPID") KiB, hub $(hwm "$HPID") KiB"
# under AddressSanitizer freed memory waits in its quarantine and the heap says nothing of ours: the bound holds for real builds
if nm -D "$B/kinerjad" 2>/dev/null | grep -q "__asan_init"; then
	echo "# (AddressSanitizer build: the heap bound is not checked)"
else
	[ $((S1 - S0)) -lt $((BYTES / 1024 / 2)) ] || fail "the school's kinerjad heap grew by $((S1 - S0)) KiB for $BYTES bytes"
	[ $((H1 - H0)) -lt $((BYTES / 1024 / 2)) ] || fail "the hub's kinerjad heap grew by $((H1 - H0)) KiB for $BYTES bytes"
fi
# an export interrupted before its pack was copied leaves nothing for long in the spool
: >"$T/store/bundle-spool/packs/stale.pack"
echo "guru-pass-1" | kin login $BUDI >/dev/null || fail "Budi login"
printf '%%PDF-1.4\n%% small\n%%%%EOF\n' >"$T/small.pdf"
kin evidence upload "$T/small.pdf" --slot kecil --period $P >/dev/null || fail "upload small"
echo operator-pass | kin login $OPA >/dev/null || fail "login"
kin sync export "$T/after.bundle" >/dev/null || fail "export after the big one"
[ -e "$T/store/bundle-spool/packs/stale.pack" ] && fail "an interrupted export's pack stays in the spool"
ok "a bundle of $BYTES bytes ($k files) goes up through the spools; neither daemon's heap grows by half of it; progress on a terminal"
