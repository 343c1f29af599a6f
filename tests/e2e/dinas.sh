#!/bin/sh
# The Dinas and its assignments end to end, through the CLI only (issue 8):
# an education office (a second kinerjad, role = dinas) holds the
# authority key; a school learns its public half at `school init`; the
# school has a definitive principal (Dewi) and three teachers: Budi (PNS),
# Citra (non-ASN) and Ani, who becomes Plt Kepala Sekolah for a month.
# The office assigns the Plt, a Pengawas and the Kepala Dinas, and the
# records travel both ways with `record export` / `record import`. Every
# plan is submitted; Budi's is returned and resubmitted, then approved with
# an adjustment by Dewi; Citra's is approved by the Plt; the Plt's own Guru
# SKP goes to the Kepala Dinas (R3), the principal's own SKP to the
# Pengawas (R4), both acting at the office; all are agreed. Then both
# daemons restart and every view is unchanged. Records that forge the
# Dinas's acts are refused on import with their reason.
. "$(dirname "$0")/../lib/daemon.sh"

JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
NPSN=20100001
OFFICE=30100000
DEWI=197803152005012002
BUDI=198501012010011001
ANI=199002022015012003
CITRA=2345678901234567
PENGAWAS=196805101990031004
KADIS=196501011988031001
OPN=1234567890123456
OPD=197001011995031002
TODAY=$(TZ=Asia/Jakarta date +%F)
MONTH_AGO=$(TZ=Asia/Jakarta date -d '-30 days' +%F)
IN_A_MONTH=$(TZ=Asia/Jakarta date -d '+30 days' +%F)

# the office: a second daemon with role = dinas
OSOCK=$T/office.sock
OPID=
start_office() {
	"$B/kinerjad" --socket "$OSOCK" --store "$T/office" --set keys.device_key="$T/office-device.key" \
	    --set evidence.dir="$T/office-evidence.git" --set evidence.staging_dir="$T/office-uploads" \
	    --set keys.pwhash=min --set daemon.role=dinas --log-level debug >>"$T/office.log" 2>&1 &
	OPID=$!
	i=0
	while ! "$B/kinerja" --socket "$OSOCK" status >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "office daemon did not start"
		kill -0 $OPID 2>/dev/null || fail "office daemon exited at start: $(tail -5 "$T/office.log")"
		sleep 0.05
	done
}
stop_office() {
	[ -n "$OPID" ] || return 0
	kill -TERM $OPID 2>/dev/null
	wait $OPID
	OPID=
}
trap 'stop_office >/dev/null 2>&1; stop_daemon >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
ofc() { KINERJA_SESSION=$T/office-session "$B/kinerja" --socket "$OSOCK" "$@"; }
as() { echo "$2" | kin login "$1" >/dev/null || fail "login $1"; }
oas() { echo "$2" | ofc login "$1" >/dev/null || fail "office login $1"; }

# ---- the office and its authority key ----
start_office
start_daemon
out=$(echo "op-pass-1" | kin dinas init --kode $OFFICE --nama "Dinas X" --operator-name X --operator-nip $OPD 2>&1 >/dev/null) &&
    fail "a school daemon became an office"
echo "$out" | grep -q "role = dinas" || fail "dinas init on a school daemon: $out"
echo "dinas-op-pass" | ofc dinas init --kode $OFFICE --nama "Dinas Pendidikan Kabupaten Contoh" \
    --operator-name "Rudi Hartono" --operator-nip $OPD >"$T/out" || fail "dinas init: $(cat "$T/out")"
grep -q "Kunci otoritas Dinas: [0-9a-f]\{64\}" "$T/out" || fail "dinas init shows the key: $(cat "$T/out")"
ofc dinas kunci --out "$T/dinas.key" >/dev/null || fail "dinas kunci --out"
grep -q "^[0-9a-f]\{64\}$" "$T/dinas.key" || fail "key file: $(cat "$T/dinas.key")"
[ "$(ofc dinas kunci)" = "$(cat "$T/dinas.key")" ] || fail "dinas kunci prints the same key"
oas $OPD dinas-op-pass
echo "pengawas-pass" | ofc user add --name "Hendra Wijaya" --role pengawas --nip $PENGAWAS >/dev/null || fail "add Pengawas"
echo "kadis-pass" | ofc user add --name "Bambang Sutrisno" --role kepala_dinas --nip $KADIS >/dev/null || fail "add Kepala Dinas"
ok "an office (role = dinas) with its authority key, a Pengawas and a Kepala Dinas"

# ---- the school, which knows the office's key ----
echo "operator-pass" | kin school init --npsn $NPSN --name "SD Negeri 1 Contoh" --operator-name "Siti Aminah" \
    --operator-nuptk $OPN --authority-key "$T/dinas.key" >/dev/null || fail "school init --authority-key"
kin --json status >"$T/status.json" || fail "status"
[ "$("$JC" authority <"$T/status.json")" = "$(cat "$T/dinas.key")" ] || fail "status shows the Dinas key"
as $OPN operator-pass
echo "kepsek-pass" | kin user add --name "Dewi Lestari" --role kepala_sekolah --nip $DEWI >/dev/null || fail "add Dewi"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI --jenis-ptk "Guru Kelas" >/dev/null ||
    fail "add Budi"
echo "guru-pass-2" | kin user add --name "Ani Rahayu" --role guru --nip $ANI --jenis-ptk "Guru Mapel" >/dev/null ||
    fail "add Ani"
echo "guru-pass-3" | kin user add --name "Citra Dewanti" --role guru --status NON_ASN --nuptk $CITRA \
    --jenis-ptk "Guru Kelas" >/dev/null || fail "add Citra (non-ASN)"
kin catalog add "$(dirname "$0")/../data/catalog-ks-fixture.json" >"$T/out" || fail "catalog add fixture: $(cat "$T/out")"
FIX=$(kin --json catalog list | "$JC" catalogs.0.version)
out=$(kin penugasan) || fail "penugasan"
echo "$out" | grep -q "belum ada" || fail "no assignment yet: $out"
ok "a school that knows the Dinas key; a principal, three teachers (one non-ASN)"

# ---- the school's records to the office; the office assigns; back to the school ----
kin record export "$T/school-1.rec" >/dev/null || fail "school export"
ofc record import "$T/school-1.rec" >"$T/out" || fail "office import: $(cat "$T/out")"
out=$(ofc dinas tugaskan --sekolah $NPSN --peran plt --nip $ANI --mulai "$MONTH_AGO" 2>&1) && fail "a Plt without an SK"
echo "$out" | grep -q "nomor SK" || fail "Plt without SK message: $out"
ofc dinas tugaskan --sekolah $NPSN --peran plt --nip $ANI --sk "800/123/Disdik/2026" \
    --mulai "$TODAY" --selesai "$IN_A_MONTH" >"$T/out" || fail "assign the Plt: $(cat "$T/out")"
grep -q "Plt Kepala Sekolah" "$T/out" || fail "Plt assigned: $(cat "$T/out")"
ofc dinas tugaskan --sekolah $NPSN --peran pengawas --nip $PENGAWAS --mulai "$MONTH_AGO" >/dev/null || fail "assign the Pengawas"
ofc dinas tugaskan --sekolah $NPSN --peran kepala_dinas --nip $KADIS --mulai "$MONTH_AGO" >/dev/null || fail "assign the Kepala Dinas"
out=$(ofc dinas tugaskan --sekolah $NPSN --peran pengawas --nip $BUDI --mulai "$TODAY" 2>&1) && fail "a teacher as Pengawas"
echo "$out" | grep -q "Tidak ada pejabat dengan NIP.*\[nip\]" || fail "a Pengawas is an official of the office: $out"
ofc penugasan --sekolah $NPSN >"$T/out" || fail "office penugasan"
[ "$(grep -c berlaku "$T/out")" = 3 ] || fail "three assignments valid today: $(cat "$T/out")"
ofc record export "$T/office-1.rec" --sekolah $NPSN >/dev/null || fail "office export"
# The same file with its assignments re-signed by a key the school does not know: refused with the reason, the rest kept.
cc -std=c11 -D_GNU_SOURCE -o "$T/forge" "$(dirname "$0")/forge.c" store/record.c domain/messages.c util/kn.c util/mpmap.c util/mpscan.c \
    -lmsgpackc -lsodium || fail "cannot build forge"
[ "$("$T/forge" "$T/office-1.rec" "$T/forged.rec" assignment)" = 3 ] || fail "forge"
out=$(kin record import "$T/forged.rec" 2>&1)
[ "$(echo "$out" | grep -c "bukan dari kunci itu")" = 3 ] || fail "three forged assignments refused with their reason: $out"
echo "$out" | grep -q "3 dari 11 rekaman ditolak (yang lain sudah diimpor).*\[records\]" || fail "the import counts them: $out"
kin penugasan | grep -q "belum ada" || fail "a forged assignment shows at the school"
ok "assignments signed by a key the school does not know are refused on import, with their reason"
kin record import "$T/office-1.rec" >"$T/out" || fail "school import of the assignments: $(cat "$T/out")"
kin penugasan >"$T/out" || fail "school penugasan"
grep -q "Ani Rahayu *Plt Kepala Sekolah" "$T/out" || fail "the school sees the Plt: $(cat "$T/out")"
grep -q "Hendra Wijaya *Pengawas Sekolah" "$T/out" || fail "the school sees the Pengawas: $(cat "$T/out")"
ok "the Plt (for a month), the Pengawas and the Kepala Dinas assigned at the office and imported at the school"


# ---- the period, and every plan ----
as $DEWI kepsek-pass
kin periode buka --catalog "$FIX" >/dev/null || fail "periode buka"
plan() { # who pass [extra edits]
	as "$1" "$2"
	shift 2
	kin identitas konfirmasi >/dev/null || fail "identitas konfirmasi"
	kin rencana simpan --sub keteraturan_suasana_kelas --rhk 1:2 --rhk 3:1 --perilaku berorientasi_pelayanan:1 \
	    --perilaku akuntabel:1 --perilaku kompeten:1 --perilaku harmonis:1 --perilaku loyal:1 --perilaku adaptif:1 \
	    --perilaku kolaboratif:1 --rangkuman "Rencana semester." "$@" >"$T/out" || fail "simpan: $(cat "$T/out")"
	kin rencana ajukan >"$T/out" || fail "ajukan: $(cat "$T/out")"
}
plan $BUDI guru-pass-1
plan $ANI guru-pass-2
plan "$CITRA" guru-pass-3
plan $DEWI kepsek-pass
ok "four plans submitted (the principal's own among them)"

# Dewi: Budi's plan returned, resubmitted, approved with an adjustment; Ani's and her own are not hers.
as $DEWI kepsek-pass
kin rencana inbox >"$T/out" || fail "Dewi's inbox"
grep -q "Budi Santoso" "$T/out" || fail "Dewi judges Budi: $(cat "$T/out")"
grep -q "Ani Rahayu" "$T/out" && fail "the Plt's own Guru SKP goes to the Kepala Dinas, not to Dewi: $(cat "$T/out")"
kin rencana tinjau --teacher $BUDI --note "Tambah satu RHK." >/dev/null || fail "tinjau Budi"
out=$(kin rencana setujui --teacher $ANI 2>&1) && fail "Dewi approved the Plt's own SKP"
echo "$out" | grep -q "Bambang Sutrisno (Kepala Dinas Pendidikan)" || fail "the Plt's SKP message names the Kepala Dinas: $out"
out=$(kin rencana setujui --teacher $DEWI 2>&1) && fail "the principal approved her own plan"
as $BUDI guru-pass-1
kin rencana ajukan --rhk 4:1 >/dev/null || fail "Budi resubmits"
as $DEWI kepsek-pass
kin rencana setujui --teacher $BUDI --rhk 1:3 >"$T/out" || fail "Dewi approves Budi with an adjustment: $(cat "$T/out")"

# Ani, as Plt, approves Citra (non-ASN); she cannot approve her own.
as $ANI guru-pass-2
kin rencana inbox >"$T/out" || fail "the Plt's inbox"
grep -q "Citra Dewanti" "$T/out" || fail "the Plt judges Citra: $(cat "$T/out")"
kin rencana setujui --teacher "$CITRA" >"$T/out" || fail "the Plt approves Citra: $(cat "$T/out")"
kin evidence list --teacher "$CITRA" >/dev/null || fail "the Plt reads the Bukti Dukung of a teacher she judges"
as $BUDI guru-pass-1
kin evidence list --teacher "$CITRA" >/dev/null 2>&1 && fail "a teacher read a colleague's Bukti Dukung"
ok "Dewi returns and approves with an adjustment; the Plt approves a teacher's plan"

# The office: the Pengawas approves the principal's plan, the Kepala Dinas the Plt's Guru SKP.
as $OPN operator-pass
kin record export "$T/school-2.rec" >/dev/null || fail "school export 2"
oas $OPD dinas-op-pass
ofc record import "$T/school-2.rec" >/dev/null || fail "office import 2"
echo "pengawas-pass" | ofc login $PENGAWAS >/dev/null || fail "Pengawas login"
ofc rencana inbox --sekolah $NPSN >"$T/out" || fail "the Pengawas's inbox: $(cat "$T/out")"
grep -q "Dewi Lestari" "$T/out" || fail "the Pengawas judges the principal: $(cat "$T/out")"
grep -q "Budi Santoso" "$T/out" && fail "the Pengawas does not judge teachers: $(cat "$T/out")"
ofc rencana setujui --sekolah $NPSN --teacher $DEWI >"$T/out" || fail "the Pengawas approves Dewi: $(cat "$T/out")"
out=$(ofc rencana setujui --sekolah $NPSN --teacher $BUDI 2>&1) && fail "the Pengawas approved a teacher"
echo "kadis-pass" | ofc login $KADIS >/dev/null || fail "Kepala Dinas login"
ofc rencana setujui --sekolah $NPSN --teacher $ANI >"$T/out" || fail "the Kepala Dinas approves the Plt's Guru SKP: $(cat "$T/out")"
oas $OPD dinas-op-pass
ofc record export "$T/office-2.rec" --sekolah $NPSN >/dev/null || fail "office export 2"
as $OPN operator-pass
kin record import "$T/office-2.rec" >"$T/out" || fail "school import 2: $(cat "$T/out")"
ok "at the office the Pengawas approves the principal's plan and the Kepala Dinas the Plt's"

# Everyone agrees.
for who in "$BUDI guru-pass-1" "$ANI guru-pass-2" "$CITRA guru-pass-3" "$DEWI kepsek-pass"; do
	# shellcheck disable=SC2086 # NIP and passphrase
	as $who
	kin rencana sepakati >"$T/out" || fail "sepakati $who: $(cat "$T/out")"
	kin rencana lihat | grep -q "Status: Disepakati" || fail "agreed: $who"
done
as $DEWI kepsek-pass
kin rencana lihat >"$T/out"
grep -q "Hendra Wijaya" "$T/out" || fail "Dewi's plan names the Pengawas who approved it: $(cat "$T/out")"
ok "every plan agreed"

# R10: the Dinas opens the next period for the school; the school sees who opened it.
NEXT=$(kin --json periode lihat | "$JC" period | awk -F- '{ if ($2 == 1) print $1 "-2"; else print $1 + 1 "-1" }')
oas $OPD dinas-op-pass
ofc dinas buka-periode --sekolah $NPSN --period "$NEXT" --catalog "$FIX" >"$T/out" || fail "dinas buka-periode: $(cat "$T/out")"
oas $PENGAWAS pengawas-pass
out=$(ofc dinas buka-periode --sekolah $NPSN --period "$NEXT" 2>&1) && fail "a Pengawas opened a period"
echo "$out" | grep -q "atas nama Dinas.*\[session\]" || fail "a Pengawas does not open periods: $out"
oas $OPD dinas-op-pass
ofc record export "$T/office-3.rec" --sekolah $NPSN >/dev/null || fail "office export 3"
as $OPN operator-pass
kin record import "$T/office-3.rec" >/dev/null || fail "school import 3"
as $BUDI guru-pass-1
kin periode lihat --period "$NEXT" >"$T/out" || fail "periode lihat $NEXT"
grep -q "Dinas Pendidikan (kunci otoritas)" "$T/out" || fail "the next period shows the Dinas opened it: $(cat "$T/out")"
ok "the Dinas opens period $NEXT for the school (R10)"

# Every new command has --help.
for c in "dinas init" "dinas kunci" "dinas tugaskan" "dinas buka-periode" penugasan; do
	# shellcheck disable=SC2086 # the command's words are separate arguments
	kin $c --help >"$T/help" || fail "$c --help"
	grep -q "Usage: kinerja .*$c" "$T/help" || fail "$c --help usage: $(cat "$T/help")"
done
kin dinas --help >/dev/null || fail "kinerja dinas --help"
ok "--help on every Dinas command"

# Views before and after a restart of both daemons.
views() {
	as $DEWI kepsek-pass
	kin --json rencana inbox
	kin --json rencana lihat
	kin --json rencana lihat --teacher $BUDI
	as $ANI guru-pass-2
	kin --json rencana inbox
	kin --json rencana lihat
	kin --json penugasan
}
views >"$T/views-1" || fail "views before"
stop_daemon || fail "school daemon stop"
stop_office
start_daemon
start_office
views >"$T/views-2" || fail "views after"
cmp -s "$T/views-1" "$T/views-2" || { diff "$T/views-1" "$T/views-2" | head -20 >&2; fail "views changed across a restart"; }
ok "every view is unchanged after both daemons restart"
