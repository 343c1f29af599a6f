#!/bin/sh
# What teachers read when they make the usual mistakes is Indonesian,
# through the real daemon and CLI: a wrong passphrase, a plan act before
# the principal opens the period, reading a colleague's SKP, uploading a
# photo where a PDF is wanted, a file name that does not exist, a command
# before logging in. Each error names its field ([passphrase], ...), says
# what to do, and keeps its stable code in --json; no English sentence
# reaches the teacher. The messages come from domain/messages.c
# (tests/unit/test_messages.c checks the catalog itself).
. "$(dirname "$0")/../lib/daemon.sh"
P=2026-1
BUDI=198501012010011001
ANI=199002022015012003
DEWI=197803152005012002

# $1 must read as Indonesian: none of the English words an untranslated
# message would carry (whole words, any case).
indonesian() {
	if echo "$1" | grep -qiwE "the|is|are|must|cannot|can't|not|no|please|your|you|wrong|first|again|only"; then
		fail "English in what a teacher reads: $1"
	fi
}

start_daemon
echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >/dev/null || fail "school init"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
echo "kepsek-pass" | kin user add --name "Dewi Lestari" --role kepala_sekolah --nip $DEWI >/dev/null || fail "add Dewi"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI --jenis-ptk "Guru Kelas" >/dev/null ||
    fail "add Budi"
echo "guru-pass-2" | kin user add --name "Ani Rahayu" --role guru --nip $ANI --jenis-ptk "Guru Mapel" >/dev/null ||
    fail "add Ani"
# The operator's mistakes when enrolling: a NIP that is already someone's, a passphrase too short.
out=$(echo "guru-pass-3" | kin user add --name "Rudi Hartono" --role guru --nip $BUDI --jenis-ptk "Guru Kelas" 2>&1) &&
    fail "a NIP was enrolled twice"
echo "$out" | grep -q "NIP $BUDI sudah terdaftar di sekolah ini atas nama Budi Santoso.*kinerja user edit.*\[nip\]" ||
    fail "NIP enrolled twice: $out"
indonesian "$out"
out=$(echo "guru-pass-3" | kin --json user add --name "Rudi Hartono" --role guru --nip $BUDI --jenis-ptk "Guru Kelas" \
    2>/dev/null) && fail "a NIP was enrolled twice (--json)"
echo "$out" | grep -q '"code": "exists", "message": "NIP '"$BUDI"' sudah terdaftar' || fail "NIP twice --json: $out"
out=$(echo "pendek" | kin user add --name "Rudi Hartono" --role guru --nip 198703032011011004 --jenis-ptk "Guru Kelas" 2>&1) &&
    fail "a 6-character passphrase was accepted"
echo "$out" | grep -q "Kata sandi .*8 sampai 1024 karakter.*\[passphrase\]" || fail "short passphrase: $out"
indonesian "$out"
ok "a NIP enrolled twice or a short passphrase is refused in Indonesian with its field and code"
kin logout >/dev/null || fail "operator logout"

# Before logging in.
out=$(kin rencana lihat 2>&1) && fail "a plan read without a session"
echo "$out" | grep -q "Anda belum masuk: jalankan 'kinerja login NIP'.*\[token\]" || fail "not logged in: $out"
indonesian "$out"
ok "a command before logging in says how to log in"

# A wrong passphrase: said plainly, with the field, and the code stays "auth".
out=$(echo "guru-pass-x" | kin login $BUDI 2>&1) && fail "a wrong passphrase was accepted"
echo "$out" | grep -q "Kata sandi salah.*\[passphrase\]" || fail "wrong passphrase: $out"
indonesian "$out"
out=$(echo "guru-pass-x" | kin --json login $BUDI 2>/dev/null) && fail "a wrong passphrase was accepted (--json)"
echo "$out" | grep -q '"code": "auth", "message": "Kata sandi salah' || fail "wrong passphrase --json: $out"
# Too short to have sealed any key: refused before any key work (store/keys.c), in the same words and code
# (Ani's account: two wrong tries in a row do not yet make the next one wait).
out=$(echo "pendek" | kin login $ANI 2>&1) && fail "a short passphrase was accepted"
echo "$out" | grep -q "Kata sandi salah.*\[passphrase\]" || fail "short wrong passphrase: $out"
indonesian "$out"
out=$(echo "pendek" | kin --json login $ANI 2>/dev/null) && fail "a short passphrase was accepted (--json)"
echo "$out" | grep -q '"code": "auth", "message": "Kata sandi salah' || fail "short wrong passphrase --json: $out"
out=$(echo "guru-pass-1" | kin login 199912312020121001 2>&1) && fail "an unknown NIP logged in"
echo "$out" | grep -q "Tidak ada pegawai dengan NIP/NUPTK 199912312020121001.*Operator Sekolah.*\[user\]" ||
    fail "unknown NIP: $out"
indonesian "$out"
ok "a wrong passphrase or NIP is refused in Indonesian with its field and code"

# A plan act before the Kepala Sekolah opens the period.
echo "guru-pass-1" | kin login $BUDI >/dev/null || fail "Budi login"
out=$(kin rencana simpan --rhk 1:2 2>&1) && fail "a plan before the period was opened"
echo "$out" | grep -q "belum dimulai oleh Kepala Sekolah.*\[period\]" || fail "period not open: $out"
indonesian "$out"
out=$(kin rencana simpan --rhk satu 2>&1) && fail "a malformed --rhk was sent"
echo "$out" | grep -q "rhk berbentuk RHK:JUMLAH.*bukan 'satu'.*\[rhk\]" || fail "malformed --rhk: $out"
indonesian "$out"
ok "a plan act before the period opens says who opens it"

# Reading a colleague's SKP.
echo "kepsek-pass" | kin login $DEWI >/dev/null || fail "Dewi login"
kin periode buka >/dev/null || fail "periode buka"
echo "guru-pass-2" | kin login $ANI >/dev/null || fail "Ani login"
kin identitas konfirmasi >/dev/null || fail "Ani confirms her identity"
kin rencana simpan --rhk 3:1 >/dev/null || fail "Ani simpan"
out=$(kin rencana lihat --teacher $BUDI 2>&1) && fail "a teacher read a colleague's plan"
echo "$out" | grep -q "Guru hanya membaca SKP-nya sendiri.*\[teacher\]" || fail "colleague's SKP: $out"
indonesian "$out"
out=$(kin evidence list --teacher $BUDI --period $P 2>&1) && fail "a teacher read a colleague's Bukti Dukung"
echo "$out" | grep -q "Guru hanya membaca rekamannya sendiri.*\[teacher\]" || fail "colleague's evidence: $out"
indonesian "$out"
out=$(kin kelayakan lihat --teacher $BUDI 2>&1) && fail "a teacher read a colleague's eligibility"
echo "$out" | grep -q "Kelayakan menyusun SKP seseorang hanya dilihat oleh orang itu.*\[teacher\]" ||
    fail "colleague's eligibility: $out"
indonesian "$out"
out=$(kin sync export "$T/bundel" 2>&1) && fail "a teacher wrote a sync bundle"
echo "$out" | grep -q "Bundel sinkron (sync export/import) dibawa oleh Operator.*(Anda: Guru).*\[session\]" ||
    fail "bundle as a teacher: $out"
indonesian "$out"
ok "a colleague's SKP, Bukti Dukung and eligibility, and a sync bundle, are refused in Indonesian"

# Uploading the wrong file.
echo "guru-pass-1" | kin login $BUDI >/dev/null || fail "Budi login 2"
printf '\211PNG\r\n\032\n\0\0\0\rIHDRxxxxxxxxxxxxx\0\0\0\0IEND\256B`\202' >"$T/foto.pdf"
out=$(kin evidence upload "$T/foto.pdf" --slot persiapan --period $P 2>&1) && fail "a PNG was accepted as a PDF"
echo "$out" | grep -q "Berkas ini bukan PDF (tampaknya gambar PNG).*unggah lagi.*\[file\]" || fail "not a PDF: $out"
indonesian "$out"
out=$(kin evidence upload "$T/tidak-ada.pdf" --slot persiapan --period $P 2>&1) && fail "a missing file was uploaded"
echo "$out" | grep -q "tidak-ada.pdf tidak dapat dibuka.*Periksa nama dan letaknya.*\[file\]" || fail "no such file: $out"
out=$(kin evidence upload "$T/foto.pdf" --slot "RHK 1" --period $P 2>&1) && fail "a bad slot was accepted"
echo "$out" | grep -q "Slot \"RHK 1\" hanya boleh memuat a-z.*\[slot\]" || fail "bad slot: $out"
indonesian "$out"
kin --json evidence upload "$T/foto.pdf" --slot persiapan --period $P >"$T/out" 2>/dev/null && fail "a PNG was accepted (--json)"
grep -q '"code": "invalid", "message": "Berkas ini bukan PDF' "$T/out" || fail "not a PDF --json: $(cat "$T/out")"
ok "a wrong or missing file is refused in Indonesian with what to do"

# A session that ended.
stop_daemon || fail "stop"
start_daemon
out=$(kin rencana lihat 2>&1) && fail "a session survived a restart"
echo "$out" | grep -q "Sesi Anda sudah berakhir.*\[token\]" || fail "ended session: $out"
indonesian "$out"
ok "an ended session says to log in again"

stop_daemon || fail "stop"
echo "messages.sh: all passed"
