#!/bin/sh
# The planning flow end to end, through the CLI only: a school with a
# definitive principal and two teachers; the principal opens the period; a
# plan submitted with problems shows every problem at once; fixed and
# submitted; returned with a note and submitted again; approved with an
# adjustment the teacher sees as a difference; agreed; Bukti Dukung for an
# RHK refused before the agreement and accepted after; the principal's
# views; a restart that changes no view; Buka Kembali with its reason.
# Everything runs in the current period, so whether an act is late depends
# on today: the script reads the deadline from 'periode lihat'.
. "$(dirname "$0")/../lib/daemon.sh"

JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
BUDI=198501012010011001
ANI=199002022015012003
DEWI=197803152005012002
as() { echo "$2" | kin login "$1" >/dev/null || fail "login $1"; }
as_op() { as 1234567890123456 operator-pass; }
as_dewi() { as $DEWI kepsek-pass; }
as_budi() { as $BUDI guru-pass-1; }
as_ani() { as $ANI guru-pass-2; }
mkpdf() { printf '%%PDF-1.4\n%% %s\n1 0 obj << >> endobj\ntrailer << >>\n%%%%EOF\n' "$2" >"$1"; }

start_daemon
echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >/dev/null || fail "school init"
as_op
echo "kepsek-pass" | kin user add --name "Dewi Lestari" --role kepala_sekolah --nip $DEWI >/dev/null || fail "add Dewi"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI --jenis-ptk "Guru Kelas" >/dev/null ||
    fail "add Budi"
echo "guru-pass-2" | kin user add --name "Ani Rahayu" --role guru --nip $ANI --jenis-ptk "Guru Mapel" >/dev/null ||
    fail "add Ani"

# Every command has --help, in the teachers' words with the English names beside.
for c in "periode buka" "periode lihat" "rencana simpan" "rencana ajukan" "rencana setujui" "rencana tinjau" \
    "rencana sepakati" "rencana buka" "rencana lihat" "rencana inbox" "rencana tugas"; do
	# shellcheck disable=SC2086 # the command's words are separate arguments
	kin $c --help >"$T/help" || fail "$c --help"
	grep -q "Usage: kinerja .*$c" "$T/help" || fail "$c --help usage: $(cat "$T/help")"
done
kin rencana simpan --help | grep -q -- "--rhk .*boleh diulang" || fail "--rhk is repeatable"
kin rencana ajukan --help | grep -q "submit" || fail "English name beside the Indonesian term"
kin rencana 2>&1 | grep -q "rencana setujui *Setujui SKP guru (approve)" || fail "the group lists its commands"
ok "--help on every planning command"

# The operator does not read plans; before the period is opened, nobody plans.
out=$(kin rencana lihat 2>&1) && fail "the operator read a plan"
echo "$out" | grep -q "tidak membaca SKP.*\[session\]" || fail "operator message: $out"
out=$(kin periode buka 2>&1) && fail "the operator opened the period"
echo "$out" | grep -q "Hanya Kepala Sekolah yang memulai.*\[session\]" || fail "operator period message: $out"
as_budi
kin periode lihat | grep -q "belum dimulai" || fail "period not open yet"
out=$(kin rencana simpan --rhk 1:2 2>&1) && fail "a plan before the period was opened"
echo "$out" | grep -q "Minta Kepala Sekolah memulai periode" || fail "closed period message says what to do: $out"
kin rencana tugas | grep -q "Menunggu Kepala Sekolah memulai periode" || fail "Budi's task: wait for the period"
out=$(kin periode buka 2>&1) && fail "a teacher opened the period"
ok "nothing is planned before the principal opens the period"

# The principal opens the period on the school's catalog.
as_dewi
kin rencana tugas | grep -q "Mulai periode" || fail "Dewi's task: open the period"
kin periode buka >"$T/out" || fail "periode buka: $(cat "$T/out")"
grep -q "Dimulai oleh Dewi Lestari" "$T/out" || fail "period opened by: $(cat "$T/out")"
grep -q "pmm-2024.1" "$T/out" || fail "period's catalog: $(cat "$T/out")"
out=$(kin periode buka 2>&1) && fail "the period opened twice"
echo "$out" | grep -q "sudah dimulai" || fail "second opening message: $out"
kin --json periode lihat >"$T/period.json" || fail "periode lihat --json"
[ "$("$JC" state <"$T/period.json")" = dibuka ] || fail "period state"
PERIOD=$("$JC" period <"$T/period.json")
PLAN_DUE=$("$JC" deadlines.0.date <"$T/period.json")
TODAY=$(TZ=Asia/Jakarta date +%F)
ok "the principal opens period $PERIOD"

# A plan with problems: Ajukan shows every one, each with its field; the draft is kept.
# (The first act needs the identity confirmed: tests/e2e/identity.sh shows why and how.)
as_budi
kin identitas konfirmasi >/dev/null || fail "Budi confirms his identity"
kin rencana simpan --rhk 1:2 >"$T/out" || fail "simpan"
grep -q "Status: Draf" "$T/out" || fail "state after simpan: $(cat "$T/out")"
grep -q "Total 16 poin: kurang 16 poin dari minimal 32" "$T/out" || fail "live points guidance: $(cat "$T/out")"
kin rencana simpan --rhk 1:2 >/dev/null || fail "simpan twice"
out=$(kin rencana ajukan 2>&1) && fail "a plan with problems was submitted"
echo "$out" | grep -q "masih ada 9 hal" || fail "the count of problems: $out"
echo "$out" | grep -q "1\. .*sub-indikator Praktik Kinerja.*\[praktik_kinerja\]" || fail "problem 1 with its field: $out"
echo "$out" | grep -q "kurang 16 poin dari minimal 32.*\[rhk\]" || fail "points problem: $out"
[ "$(echo "$out" | grep -c "belum diisi.*\[perilaku\]")" = 7 ] || fail "every Perilaku Kerja aspect named: $out"
kin --json rencana ajukan >"$T/err.json" 2>/dev/null && fail "json: submitted"
"$JC" <"$T/err.json" >/dev/null || fail "--json error is not JSON: $(cat "$T/err.json")"
[ "$("$JC" error.problems <"$T/err.json")" = 9 ] || fail "--json error carries the 9 problems"
[ "$("$JC" error.problems.1.field <"$T/err.json")" = rhk ] || fail "--json problem field"
kin rencana lihat | grep -q "Status: Draf" || fail "the refused Ajukan changed the state"
ok "Ajukan with problems shows every problem at once"

# Fixed and submitted.
kin rencana ajukan --sub keteraturan_suasana_kelas --rhk 5:4 --perilaku berorientasi_pelayanan:1 \
    --perilaku akuntabel:1 --perilaku kompeten:2 --perilaku harmonis:1 --perilaku loyal:1 --perilaku adaptif:1 \
    --perilaku "kolaboratif:Bekerja sama dengan rekan sejawat" >"$T/out" 2>&1 || fail "ajukan: $(cat "$T/out")"
grep -q "SKP diajukan kepada atasan" "$T/out" || fail "ajukan message: $(cat "$T/out")"
grep -q "Total 32 poin: sudah sesuai" "$T/out" || fail "32 points: $(cat "$T/out")"
grep -q "^  Kompeten *2\. " "$T/out" || fail "behaviour 2 of Kompeten, as numbered for people: $(cat "$T/out")"
grep -q "^  Kolaboratif *Bekerja sama dengan rekan sejawat" "$T/out" || fail "own wording of a behaviour"
if [ "$TODAY" \> "$PLAN_DUE" ]; then
	grep -q "Terlambat: Batas pengajuan SKP" "$T/out" || fail "late Ajukan not flagged: $(cat "$T/out")"
else
	grep -q "Terlambat" "$T/out" && fail "an Ajukan on time flagged late"
fi
kin rencana tugas | grep -q "menunggu persetujuan atasan" || fail "Budi waits for his atasan"
out=$(kin rencana simpan --rhk 1:3 2>&1) && fail "a submitted plan was edited"
echo "$out" | grep -q "SKP berstatus Diajukan" || fail "state message: $out"
out=$(kin rencana setujui --teacher $BUDI 2>&1) && fail "a teacher approved his own plan"
echo "$out" | grep -q "atas SKP Anda sendiri" || fail "self-approval message: $out"
ok "fixed and submitted"

# Ani, the other teacher, keeps a draft; she does not read Budi's plan.
as_ani
kin identitas konfirmasi >/dev/null || fail "Ani confirms her identity"
kin rencana simpan --rhk 3:1 >/dev/null || fail "Ani simpan"
out=$(kin rencana lihat --teacher $BUDI 2>&1) && fail "a teacher read a colleague's plan"
echo "$out" | grep -q "Guru hanya membaca SKP-nya sendiri.*\[teacher\]" || fail "colleague message: $out"
ok "a colleague does not read the plan"

# The principal's views, then Tinjau Ulang with a note.
as_dewi
kin rencana inbox >"$T/inbox" || fail "inbox"
grep -q "1 menunggu persetujuan Anda" "$T/inbox" || fail "inbox count: $(cat "$T/inbox")"
grep -q "^\* Budi Santoso .*Diajukan *32" "$T/inbox" || fail "inbox row of Budi: $(cat "$T/inbox")"
grep -q "^  Ani Rahayu .*Draf *36" "$T/inbox" || fail "inbox row of Ani: $(cat "$T/inbox")"
kin rencana tugas | grep -q "SKP Budi Santoso menunggu persetujuan Anda" || fail "Dewi's task for Budi"
kin rencana lihat --teacher $BUDI | grep -q "Status: Diajukan" || fail "Dewi reads Budi's plan"
out=$(kin rencana tinjau --teacher $BUDI --note "   " 2>&1) && fail "Tinjau Ulang without a note"
echo "$out" | grep -q "Tulis catatan" || fail "note required message: $out"
kin rencana tinjau --teacher $BUDI --note "Tambahkan RHK 4 (narasumber berbagi praktik baik)." >"$T/out" || fail "tinjau"
grep -q "Perlu Revisi" "$T/out" || fail "state after tinjau: $(cat "$T/out")"
as_budi
kin rencana lihat >"$T/out"
grep -q "Catatan atasan (Tinjau Ulang, Dewi Lestari" "$T/out" || fail "Budi sees the note: $(cat "$T/out")"
kin rencana tugas | grep -q "Catatan: Tambahkan RHK 4" || fail "Budi's task names the note"
kin rencana ajukan --rhk 4:1 >/dev/null || fail "resubmit"
ok "returned with a note, and submitted again"

# Uploads to an RHK slot wait for the agreement.
mkpdf "$T/sertifikat.pdf" a
out=$(kin evidence upload "$T/sertifikat.pdf" --slot rhk-1 2>&1) && fail "upload before the agreement"
echo "$out" | grep -q "setelah SKP periode $PERIOD disepakati. Status SKP sekarang: Diajukan" || fail "upload message: $out"
kin evidence upload "$T/sertifikat.pdf" --slot persiapan >/dev/null || fail "a Praktik Kinerja step is not gated"
ok "no RHK upload before the agreement"

# Approved with an adjustment; the teacher sees it as a difference, then agrees.
as_dewi
kin rencana setujui --teacher $BUDI --rhk 1:3 --ekspektasi "loyal:Menjaga nama baik sekolah" >"$T/out" 2>&1 ||
    fail "setujui: $(cat "$T/out")"
grep -q "dengan 2 penyesuaian" "$T/out" || fail "approval message: $(cat "$T/out")"
out=$(kin rencana setujui --teacher $BUDI 2>&1) && fail "approved twice"
echo "$out" | grep -q "SKP berstatus Disetujui" || fail "second approval message: $out"
as_budi
kin rencana lihat >"$T/out"
grep -q "Ada Penyesuaian Dari Atasan (2)" "$T/out" || fail "adjustments shown: $(cat "$T/out")"
grep -q "mengubah target kuantitas RHK 1 dari 2 menjadi 3" "$T/out" || fail "the difference: $(cat "$T/out")"
grep -q "Ekspektasi khusus pimpinan: Menjaga nama baik sekolah" "$T/out" || fail "ekspektasi shown"
grep -q "Total 48 poin" "$T/out" || fail "points after the adjustment: $(cat "$T/out")"
kin rencana tugas | grep -q "2 penyesuaian. Periksa penyesuaiannya, lalu Sepakati" || fail "Budi's task: agree"
kin rencana sepakati >"$T/out" || fail "sepakati"
grep -q "SKP disepakati" "$T/out" || fail "agreed: $(cat "$T/out")"
grep -q "Status: Disepakati" "$T/out" || fail "state Disepakati"
out=$(kin rencana simpan --rhk 1:1 2>&1) && fail "an agreed plan was edited"
ok "approved with an adjustment, seen as a difference, agreed"

# Now the RHK slots of the plan take files; an RHK outside it does not.
kin evidence upload "$T/sertifikat.pdf" --slot rhk-1 >/dev/null || fail "upload after the agreement"
out=$(kin evidence upload "$T/sertifikat.pdf" --slot rhk-2 2>&1) && fail "upload to an RHK outside the plan"
echo "$out" | grep -q "RHK 2 tidak ada dalam SKP yang disepakati" || fail "outside message: $out"
kin rencana tugas | grep -q "Unggah Bukti Dukung untuk slot: rhk-1, rhk-5, rhk-4" || fail "Budi's task: upload"
ok "RHK uploads after the agreement, only for the plan's RHK"

# The principal's views: Budi agreed, Ani in draft, points of each.
as_dewi
kin rencana inbox >"$T/inbox"
grep -q "0 menunggu persetujuan Anda" "$T/inbox" || fail "inbox after agreement: $(cat "$T/inbox")"
grep -q "Budi Santoso .*Disepakati *48" "$T/inbox" || fail "Budi's row: $(cat "$T/inbox")"
kin --json rencana inbox >"$T/inbox.json"
[ "$("$JC" teachers <"$T/inbox.json")" = 2 ] || fail "two teachers in the inbox"
kin rencana tugas | grep -q "Ani Rahayu belum mengajukan SKP (status: Draf)" || fail "Dewi sees what waits for Ani"
ok "the principal's inbox and tasks"

# A restart changes no view (sessions end; records and views stay).
as_budi
kin --json rencana lihat >"$T/budi.1"
kin rencana tugas >"$T/budi-tasks.1"
as_ani
kin --json rencana lihat >"$T/ani.1"
as_dewi
kin --json rencana inbox >"$T/inbox.1"
kin rencana tugas >"$T/dewi-tasks.1"
kin --json rencana lihat --teacher $BUDI >"$T/dewi-budi.1"
kin --json periode lihat >"$T/period.1"
stop_daemon || fail "stop"
start_daemon
as_budi
kin --json rencana lihat >"$T/budi.2"
kin rencana tugas >"$T/budi-tasks.2"
as_ani
kin --json rencana lihat >"$T/ani.2"
as_dewi
kin --json rencana inbox >"$T/inbox.2"
kin rencana tugas >"$T/dewi-tasks.2"
kin --json rencana lihat --teacher $BUDI >"$T/dewi-budi.2"
kin --json periode lihat >"$T/period.2"
for v in budi budi-tasks ani inbox dewi-tasks dewi-budi period; do
	cmp -s "$T/$v.1" "$T/$v.2" || fail "view $v changed across a restart: $(diff "$T/$v.1" "$T/$v.2")"
done
cmp -s "$T/budi.1" "$T/dewi-budi.1" || fail "Budi and his atasan see different plans"
ok "a restart changes no view"

# Buka Kembali: the reason stays in the history; uploads wait for the plan to be agreed again.
out=$(kin rencana buka --teacher $BUDI --note "" 2>&1) && fail "reopened without a reason"
kin rencana buka --teacher $BUDI --note "Mutasi: RHK 4 tidak dapat dilaksanakan." >"$T/out" || fail "buka"
grep -q "Status: Perlu Revisi" "$T/out" || fail "state after reopen: $(cat "$T/out")"
as_budi
kin rencana lihat >"$T/out"
grep -q "Buka Kembali .*Perlu Revisi" "$T/out" || fail "reopen in the history: $(cat "$T/out")"
grep -q '"Mutasi: RHK 4 tidak dapat dilaksanakan."' "$T/out" || fail "reason in the history"
out=$(kin evidence upload "$T/sertifikat.pdf" --slot rhk-1 2>&1) && fail "upload to a reopened plan"
echo "$out" | grep -q "Status SKP sekarang: Perlu Revisi" || fail "reopened upload message: $out"
kin evidence list | grep -q "rhk-1 *sertifikat.pdf" || fail "files uploaded before stay readable"
ok "Buka Kembali keeps its reason; uploads wait"

# Every act is a signed record with its history.
key=$(kin --json whoami | sed -n 's/.*"key": "\([0-9a-f]*\)".*/\1/p')
kin record history "skp/20100001/$key.$PERIOD" >"$T/hist" || fail "record history of the SKP"
[ "$(grep -c "tanda tangan diperiksa: sah" "$T/hist")" = 8 ] || fail "8 signed versions: $(grep -c sah "$T/hist")"
ok "the SKP's versions are signed records"

stop_daemon || fail "stop"
echo "plan.sh: all passed"
