#!/bin/sh
# Bukti Dukung end to end, through the real daemon and CLI: upload, replace,
# history, dedup, refusals, permissions, submit, get, verify, plain git,
# and a daemon killed with SIGKILL in the middle of uploads. The files go to
# the slots of the Praktik Kinerja steps (persiapan, observasi, ...): an RHK
# slot (rhk-N) takes files only under an agreed plan, tested in plan.sh.
. "$(dirname "$0")/../lib/daemon.sh"
P=2026-1

# A minimal PDF of about $2 bytes, with a seed $3 so contents differ.
mkpdf() {
	{ printf '%%PDF-1.4\n%% Kinerja test %s\n' "$3"
	  head -c "$2" /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c "$2"
	  printf '\n%%%%EOF\n'; } >"$1"
}

start_daemon --set evidence.max_mb=8 --set daemon.max_frame_kb=64
echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >/dev/null || fail "school init"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip 198501012010011001 >/dev/null || fail "add Budi"
echo "kepsek-pass" | kin user add --name "Dewi Lestari" --role kepala_sekolah --nip 197803152005012002 >/dev/null || fail "add Dewi"
echo "guru-pass-2" | kin user add --name "Rina Wati" --role guru --status NON_ASN --nuptk 9876543210987654 >/dev/null || fail "add Rina"
out=$(kin evidence upload "$T/x.pdf" --slot refleksi 2>&1) && fail "operator uploaded evidence"
echo "guru-pass-1" | kin login 198501012010011001 >/dev/null || fail "Budi login"

mkpdf "$T/sertifikat.pdf" 100000 a
mkpdf "$T/sertifikat-baru.pdf" 120000 b
kin evidence list --period $P | grep -q "Belum ada Bukti Dukung" || fail "empty list"
kin evidence upload "$T/sertifikat.pdf" --slot refleksi --period $P >"$T/out" || fail "upload"
grep -q "tersimpan" "$T/out" || fail "upload message: $(cat "$T/out")"
kin evidence list --period $P | grep -q "refleksi *sertifikat.pdf" || fail "list after upload"
kin evidence list --period $P | grep -q "Draf" || fail "state draf"
ok "upload and list"

kin evidence upload "$T/sertifikat-baru.pdf" --slot refleksi --period $P >"$T/out" || fail "replace"
grep -q "menggantikan sertifikat.pdf" "$T/out" || fail "replace message: $(cat "$T/out")"
kin evidence list --period $P >"$T/list"
grep -q "sertifikat-baru.pdf" "$T/list" || fail "new file listed"
grep -q " sertifikat.pdf" "$T/list" && fail "old file still listed in the slot"
kin evidence history --period $P >"$T/hist" || fail "history"
[ "$(grep -c unggah "$T/hist")" = 2 ] || fail "history has both versions: $(cat "$T/hist")"
grep -q "Budi Santoso" "$T/hist" || fail "history names the author"
first=$(kin --json evidence history --period $P | sed -n 's/.*"commit": "\([0-9a-f]*\)".*/\1/p' | head -1)
kin evidence get --slot refleksi --version "$first" --period $P --output "$T/old.pdf" >/dev/null || fail "get old version"
cmp -s "$T/old.pdf" "$T/sertifikat.pdf" || fail "old version differs"
kin evidence get --slot refleksi --period $P --output "$T/cur.pdf" >/dev/null || fail "get current"
cmp -s "$T/cur.pdf" "$T/sertifikat-baru.pdf" || fail "current version differs"
kin evidence get --slot refleksi --period $P --output "$T/cur.pdf" 2>&1 | grep -q -- "--force" || fail "get refuses to overwrite"
ok "replace keeps history; get any version"

kin evidence upload "$T/sertifikat.pdf" --slot observasi --period $P | grep -q "disimpan sekali, tidak disalin" || fail "dedup message"
kin evidence upload "$T/sertifikat-baru.pdf" --slot refleksi --period $P | grep -q "sudah memuat berkas yang persis sama" || fail "unchanged message"
ok "same file stored once"

hist_before=$(kin --json evidence history --period $P | grep -c '"commit"')
printf '\211PNG\r\n\032\n\0\0\0\rIHDRxxxxxxxxxxxxx\0\0\0\0IEND\256B`\202' >"$T/foto.pdf"
out=$(kin evidence upload "$T/foto.pdf" --slot tindak-lanjut --period $P 2>&1) && fail "PNG accepted as PDF"
echo "$out" | grep -q "bukan PDF (tampaknya gambar PNG).*\[file\]" || fail "type message: $out"
: >"$T/kosong.pdf"
out=$(kin evidence upload "$T/kosong.pdf" --slot tindak-lanjut --period $P 2>&1) && fail "empty file accepted"
echo "$out" | grep -q "Berkas ini kosong.*\[file\]" || fail "empty message: $out"
mkpdf "$T/besar.pdf" 9000000 c
out=$(kin evidence upload "$T/besar.pdf" --slot tindak-lanjut --period $P 2>&1) && fail "9 MB file accepted with max_mb=8"
echo "$out" | grep -q "batasnya 8 MB.*\[file\]" || fail "size message: $out"
mkpdf "$T/potong.pdf" 50000 d
head -c 40000 "$T/potong.pdf" >"$T/terpotong.pdf"
out=$(kin evidence upload "$T/terpotong.pdf" --slot tindak-lanjut --period $P 2>&1) && fail "truncated PDF accepted"
echo "$out" | grep -q "terpotong.*\[file\]" || fail "truncated message: $out"
out=$(kin evidence upload "$T/sertifikat.pdf" --slot "RHK 1" --period $P 2>&1) && fail "bad slot accepted"
echo "$out" | grep -q "\[slot\]" || fail "slot message: $out"
out=$(kin evidence upload "$T/sertifikat.pdf" --slot refleksi --period 2026-3 2>&1) && fail "bad period accepted"
echo "$out" | grep -q "\[period\]" || fail "period message: $out"
[ "$(kin --json evidence history --period $P | grep -c '"commit"')" = "$hist_before" ] || fail "a refusal changed the history"
[ -z "$(ls "$T/uploads")" ] || fail "refused uploads left staging files: $(ls "$T/uploads")"
ok "refusals name the rule and change nothing"

mkpdf "$T/modul.pdf" 5000000 e
kin evidence upload "$T/modul.pdf" --slot persiapan --period $P >/dev/null || fail "5 MB upload"
kin evidence get --slot persiapan --period $P --output "$T/modul-back.pdf" >/dev/null || fail "5 MB get"
cmp -s "$T/modul.pdf" "$T/modul-back.pdf" || fail "5 MB file differs"
ok "5 MB file round trip"

kin evidence submit --period $P | grep -q "dikumpulkan" || fail "submit"
kin evidence list --period $P | grep -q "Sudah dikumpulkan" || fail "state after submit"
kin evidence submit --period $P | grep -q "sudah dikumpulkan sebelumnya" || fail "second submit"
ok "submit (Kumpulkan)"

echo "guru-pass-2" | kin login 9876543210987654 >/dev/null || fail "Rina login"
out=$(kin evidence list --teacher 198501012010011001 --period $P 2>&1) && fail "a guru read another's evidence"
echo "$out" | grep -q "Guru hanya membaca rekamannya sendiri.*\[teacher\]" || fail "permission message: $out"
kin evidence submit --period $P 2>&1 | grep -q "belum mengunggah Bukti Dukung untuk periode $P.*\[period\]" || fail "submit with nothing"
echo "kepsek-pass" | kin login 197803152005012002 >/dev/null || fail "Dewi login"
kin evidence list --teacher 198501012010011001 --period $P | grep -q "sertifikat-baru.pdf" || fail "KS reads a teacher's evidence"
kin evidence get --teacher 198501012010011001 --slot refleksi --period $P --output "$T/ks.pdf" >/dev/null || fail "KS get"
cmp -s "$T/ks.pdf" "$T/sertifikat-baru.pdf" || fail "KS copy differs"
ok "permissions: own evidence; Kepala Sekolah reads all"

kin evidence verify | grep -q "semua utuh" || fail "verify"
kin evidence verify | grep -q "[1-9][0-9]* berkas dicocokkan dengan SHA-256 bertanda tangan" || fail "verify hashes the files: $(kin evidence verify)"
# the upload record carries the file's SHA-256 and type, inside the signed payload
sum=$(sha256sum "$T/sertifikat-baru.pdf" | cut -d' ' -f1)
echo "guru-pass-1" | kin login 198501012010011001 >/dev/null || fail "Budi login"
kin --json record history "evidence/20100001/$(kin --json whoami | sed -n 's/.*"key": "\([0-9a-f]*\)".*/\1/p').$P" >"$T/hist" ||
    fail "record history of the evidence"
grep -q "\"sha256\": \"$sum\"" "$T/hist" || fail "the record names the file's SHA-256 $sum: $(grep sha256 "$T/hist" | head -3)"
grep -q '"type": "application/pdf"' "$T/hist" || fail "the record names the file's type"
echo "kepsek-pass" | kin login 197803152005012002 >/dev/null || fail "Dewi login"
git --git-dir="$T/evidence.git" fsck --strict >/dev/null 2>&1 || fail "git fsck"
key=$(kin --json user list | grep -B1 '"name": "Budi Santoso"' | sed -n 's/.*"key": "\([0-9a-f]*\)".*/\1/p')
ref="refs/kinerja/20100001/$key/$P"
git --git-dir="$T/evidence.git" log --format='%an|%s' "$ref" >"$T/gitlog" || fail "git log"
grep -q "^Budi Santoso|Unggah Bukti Dukung refleksi: sertifikat.pdf" "$T/gitlog" || fail "git log content: $(cat "$T/gitlog")"
git --git-dir="$T/evidence.git" show "$ref:refleksi/sertifikat-baru.pdf" | cmp -s - "$T/sertifikat-baru.pdf" || fail "git show"
ok "verify, git fsck, git log and git show"

# SIGKILL in the middle of uploads: no half-written object, no broken ref.
echo "guru-pass-1" | kin login 198501012010011001 >/dev/null || fail "Budi login again"
for d in 0.05 0.15 0.3 0.5; do
	mkpdf "$T/big.pdf" 7000000 "k$d"
	kin evidence upload "$T/big.pdf" --slot pelaksanaan --period $P >/dev/null 2>&1 &
	up=$!
	sleep $d
	kill -KILL $DPID
	wait $DPID 2>/dev/null
	DPID=
	wait $up 2>/dev/null
	git --git-dir="$T/evidence.git" fsck --strict >/dev/null 2>&1 || fail "fsck after SIGKILL at $d s"
	start_daemon --set evidence.max_mb=8 --set daemon.max_frame_kb=64
	[ -z "$(ls "$T/uploads")" ] || fail "staging not cleaned after a crash: $(ls -la "$T/uploads")"
	echo "kepsek-pass" | kin login 197803152005012002 >/dev/null || fail "KS login after crash"
	kin evidence verify | grep -q "semua utuh" || fail "verify after SIGKILL at $d s: $(kin evidence verify)"
	echo "guru-pass-1" | kin login 198501012010011001 >/dev/null || fail "login after crash"
	git --git-dir="$T/evidence.git" rev-parse --verify "$ref" >/dev/null 2>&1 || fail "ref broken after SIGKILL"
	kin evidence list --period $P | grep -q "sertifikat-baru.pdf" || fail "list after crash"
done
ok "SIGKILL during uploads leaves a clean repository"

out=$(kin evidence verify 2>&1) && fail "a guru ran the repository check"
echo "$out" | grep -q "diperiksa oleh Kepala Sekolah atau Operator Sekolah.*\[session\]" || fail "verify permission message: $out"
ok "verify is for the Kepala Sekolah and the operator"

# The records are the truth: at start, refs are put back where the records say.
stop_daemon || fail "stop"
G="git --git-dir=$T/evidence.git"
head=$($G rev-parse "$ref")
$G update-ref "$ref" "$first" || fail "move ref back"
$G update-ref "refs/kinerja/20100001/$key/2025-2" "$first" || fail "make an orphan ref"
: >"$T/evidence.git/$ref.lock" # as a daemon killed while moving the ref leaves it
mkdir -p "$T/evidence.git/objects/ab"
: >"$T/evidence.git/objects/ab/tmp_object_git2_Xy12Zq" # as libgit2 killed mid-write leaves it
start_daemon --set evidence.max_mb=8 --set daemon.max_frame_kb=64
[ -e "$T/evidence.git/objects/ab/tmp_object_git2_Xy12Zq" ] && fail "half-written object still there"
grep -q "removed $T/evidence.git/$ref.lock" "$T/daemon.log" || fail "stale ref lock not removed"
[ -e "$T/evidence.git/$ref.lock" ] && fail "stale ref lock still there"
grep -q "repaired to $head" "$T/daemon.log" || fail "ref not repaired: $(grep evidence "$T/daemon.log" | tail -3)"
[ "$($G rev-parse "$ref")" = "$head" ] || fail "ref not at the newest record's commit"
grep -q "removed refs/kinerja/20100001/$key/2025-2" "$T/daemon.log" || fail "orphan ref not removed"
$G rev-parse --verify -q "refs/kinerja/20100001/$key/2025-2" >/dev/null && fail "orphan ref still there"
echo "guru-pass-1" | kin login 198501012010011001 >/dev/null || fail "login after restart"
kin evidence list --period $P | grep -q "persiapan *modul.pdf" || fail "evidence after restart"
kin evidence upload "$T/sertifikat.pdf" --slot refleksi --period 2025-2 >/dev/null || fail "upload to the period of the removed orphan ref"
ok "refs repaired from the records at start; stale ref locks and half-written objects removed"
stop_daemon || fail "stop"
echo "evidence.sh: all passed"
