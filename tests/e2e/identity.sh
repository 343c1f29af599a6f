#!/bin/sh
# Eligibility and the identity confirmation end to end, through the CLI
# only (DOMAIN.md §4.2, §5.1, §5.2, R7, R9, R13): the operator records the
# Dapodik data eligibility rests on and sees who may not plan and why; a
# Kemenag teacher and a seconded ASN are told to use e-Kinerja; a teacher
# whose Jenis PTK is missing or wrong keeps a draft but cannot submit until
# the operator fixes it; the first act needs the identity confirmed; every
# field is shown beside Dapodik's; the identity is edited once and a second
# edit is refused, while confirming without change stays allowed; who reads
# what; a restart keeps it all.
. "$(dirname "$0")/../lib/daemon.sh"

JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
OP=1234567890123456
DEWI=197803152005012002
BUDI=198501012010011001
ANI=199002022015012003
CITRA=198703032010012004
EKO=198804042011011005
as() { echo "$2" | kin login "$1" >/dev/null || fail "login $1"; }
PLAN="--sub keteraturan_suasana_kelas --rhk 1:2 --rhk 5:4 --perilaku berorientasi_pelayanan:1 --perilaku akuntabel:1
    --perilaku kompeten:1 --perilaku harmonis:1 --perilaku loyal:1 --perilaku adaptif:1 --perilaku kolaboratif:1"

start_daemon
echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk $OP >/dev/null || fail "school init"

# Every new command has --help, in the teachers' words.
for c in "identitas lihat" "identitas konfirmasi" "kelayakan lihat" "user edit"; do
	# shellcheck disable=SC2086 # the command's words are separate arguments
	kin $c --help >"$T/help" || fail "$c --help"
	grep -q "Usage: kinerja .*$c" "$T/help" || fail "$c --help usage: $(cat "$T/help")"
done
kin identitas konfirmasi --help | grep -q "SEKALI" || fail "the help says the edit is once"
kin kelayakan lihat --help | grep -q "e-Kinerja" || fail "the help names e-Kinerja"
kin user add --help | grep -q -- "--jenis-ptk" || fail "user add takes Jenis PTK"
kin identitas 2>&1 | grep -q "identitas konfirmasi" || fail "the group lists its commands"
ok "--help on every identity and eligibility command"

# The operator enrolls people with the Dapodik data eligibility rests on.
as $OP operator-pass
echo "kepsek-pass" | kin user add --name "Dewi Lestari" --role kepala_sekolah --nip $DEWI >/dev/null || fail "add Dewi"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI --golongan III/b \
    --pangkat "Penata Muda Tingkat I" --jenjang "Guru Ahli Pertama" --jenis-ptk "Guru Kelas" >"$T/out" || fail "add Budi"
grep -q "!" "$T/out" && fail "Budi is eligible: $(cat "$T/out")"
echo "guru-pass-2" | kin user add --name "Ani Rahayu" --role guru --nip $ANI >"$T/out" || fail "add Ani"
grep -q "Jenis PTK Anda belum tercatat.*Operator Sekolah" "$T/out" || fail "Ani's missing Jenis PTK shown at once: $(cat "$T/out")"
echo "guru-pass-3" | kin user add --name "Citra Dewi" --role guru --nip $CITRA --jenis-ptk "Guru Mapel" \
    --naungan Kemenag >/dev/null || fail "add Citra"
echo "guru-pass-4" | kin user add --name "Eko Prasetyo" --role guru --nip $EKO --jenis-ptk "Guru Kelas" \
    --seconded-private yes >/dev/null || fail "add Eko"
out=$(echo "guru-pass-5" | kin user add --name "Fajar" --role guru --nip 198905052012011006 --naungan swasta 2>&1) &&
    fail "naungan swasta accepted"
echo "$out" | grep -q "\[naungan\]" || fail "naungan error names the field: $out"
out=$(echo "guru-pass-5" | kin user add --name "Fajar" --role guru --status NON_ASN --nuptk 9876543210987654 \
    --seconded-private yes 2>&1) && fail "a seconded non-ASN accepted"
echo "$out" | grep -q "\[seconded_private\]" || fail "secondment error names the field: $out"
ok "enrollment with Jenis PTK, naungan and secondment; bad values refused with the field"

# The operator sees who may not plan, why, and who fixes what.
kin user list >"$T/list" || fail "user list"
grep -A1 "^Ani Rahayu" "$T/list" | grep -q "! Belum dapat mengajukan SKP.*belum tercatat" || fail "Ani in the list: $(cat "$T/list")"
grep -A1 "^Citra Dewi" "$T/list" | grep -q "! Tidak menyusun SKP.*Kemenag.*e-Kinerja" || fail "Citra in the list: $(cat "$T/list")"
grep -A1 "^Eko Prasetyo" "$T/list" | grep -q "! Tidak menyusun SKP.*swasta.*e-Kinerja" || fail "Eko in the list: $(cat "$T/list")"
grep -A1 "^Budi Santoso" "$T/list" | grep -q "!" && fail "Budi is eligible: $(cat "$T/list")"
kin --json user list >"$T/list.json" || fail "user list --json"
"$JC" <"$T/list.json" || fail "user list --json is JSON"
n=$("$JC" users <"$T/list.json")
i=0
while [ $i -lt "$n" ]; do
	if [ "$("$JC" users.$i.name <"$T/list.json")" = "Citra Dewi" ]; then
		[ "$("$JC" users.$i.naungan <"$T/list.json")" = kemenag ] || fail "Citra's naungan in JSON"
		[ "$("$JC" users.$i.eligibility.eligible <"$T/list.json")" = false ] || fail "Citra's eligibility in JSON"
		[ "$("$JC" users.$i.eligibility.code <"$T/list.json")" = KELAYAKAN_KEMENAG ] || fail "Citra's code in JSON"
	fi
	i=$((i + 1))
done
kin kelayakan lihat --teacher $ANI >"$T/out" || fail "kelayakan lihat --teacher (operator)"
grep -q "Jenis PTK: *(belum tercatat)" "$T/out" || fail "Ani's data: $(cat "$T/out")"
grep -q "Yang memperbaiki: Operator Sekolah" "$T/out" || fail "who fixes it: $(cat "$T/out")"
grep -q "kinerja user edit $ANI --jenis-ptk" "$T/out" || fail "how to fix it: $(cat "$T/out")"
out=$(kin identitas lihat 2>&1) && fail "the operator has an identity to confirm"
echo "$out" | grep -q "tidak memiliki SKP sendiri.*\[session\]" || fail "operator identity message: $out"
ok "the operator sees each person's eligibility and what to fix"

# The principal opens the period; he sees his teachers' eligibility too.
as $DEWI kepsek-pass
kin periode buka >/dev/null || fail "periode buka"
kin kelayakan lihat --teacher $CITRA | grep -q "e-Kinerja" || fail "the atasan reads a teacher's eligibility"
kin user list | grep -A1 "^Eko Prasetyo" | grep -q "swasta" || fail "the principal's user list shows eligibility"
ok "the atasan reads the school's eligibility"

# Kemenag and seconded staff are told to use e-Kinerja; they neither draft nor submit here.
as $CITRA guru-pass-3
out=$(kin rencana simpan --rhk 1:2 2>&1) && fail "a Kemenag teacher drafted a plan"
echo "$out" | grep -q "SKP tidak dapat disusun di sini.*Kemenag.*e-Kinerja BKN.*\[kelayakan\]" || fail "Kemenag message: $out"
# shellcheck disable=SC2086 # PLAN is a list of options
out=$(kin rencana ajukan $PLAN 2>&1) && fail "a Kemenag teacher submitted a plan"
echo "$out" | grep -q "Kemenag" || fail "Kemenag message on Ajukan: $out"
kin kelayakan lihat | grep -q "Tidak menyusun SKP di Kinerja" || fail "Citra's own view"
kin identitas lihat | grep -q "e-Kinerja BKN" || fail "the identity view shows eligibility"
as $EKO guru-pass-4
out=$(kin rencana simpan --rhk 1:2 2>&1) && fail "a seconded ASN drafted a plan"
echo "$out" | grep -q "dipekerjakan di sekolah swasta.*e-Kinerja.*\[kelayakan\]" || fail "secondment message: $out"
ok "Kemenag and seconded staff are told to use e-Kinerja"

# The first act needs the identity confirmed; the identity shows every field beside Dapodik's.
as $BUDI guru-pass-1
out=$(kin rencana simpan --rhk 1:2 2>&1) && fail "a plan before the identity was confirmed"
echo "$out" | grep -q "Konfirmasi dulu data diri Anda.*\[identitas\]" || fail "identity first: $out"
kin identitas lihat >"$T/id" || fail "identitas lihat"
grep -q "belum dikonfirmasi" "$T/id" || fail "state: $(cat "$T/id")"
for f in "Nama  *Budi Santoso" "NIP  *$BUDI" "Status kepegawaian  *PNS" "Pangkat  *Penata Muda Tingkat I" \
    "Golongan  *III/b" "Jenjang jabatan  *Guru Ahli Pertama" "Satuan pendidikan  *SD Negeri 1 Contoh" "Jenis PTK  *Guru Kelas"; do
	grep -q "$f" "$T/id" || fail "field '$f' shown: $(cat "$T/id")"
done
grep -q "Pangkat .*Anda (sekali)" "$T/id" || fail "who may change pangkat: $(cat "$T/id")"
grep -q "NIP .*Operator Sekolah (Dapodik)" "$T/id" || fail "who may change the NIP: $(cat "$T/id")"
grep -q "masih dapat mengubah data diri satu kali" "$T/id" || fail "edits left: $(cat "$T/id")"
kin --json identitas lihat >"$T/id.json" || fail "identitas lihat --json"
[ "$("$JC" fields <"$T/id.json")" = 8 ] || fail "eight fields in JSON"
[ "$("$JC" edits_left <"$T/id.json")" = 1 ] || fail "one edit left in JSON"
[ "$("$JC" fields.0.confirmed <"$T/id.json")" = null ] || fail "nothing confirmed yet in JSON"
ok "the identity shows every field, Dapodik's beside, before anything is planned"

# The one edit; a second edit refused; confirming without change always allowed.
out=$(kin identitas konfirmasi --nip 198501012010011002 2>&1) && fail "the CLI took --nip"
kin identitas konfirmasi --nama "Budi Santoso, S.Pd." --pangkat "Penata Tingkat I" >"$T/out" ||
    fail "the first edit: $(cat "$T/out")"
grep -q "dikonfirmasi dengan perubahan (Nama, Pangkat)" "$T/out" || fail "edit message: $(cat "$T/out")"
grep -q "^\* Nama .*Budi Santoso  *Budi Santoso, S.Pd." "$T/out" || fail "the edit shown beside Dapodik: $(cat "$T/out")"
grep -q "sudah diubah pada" "$T/out" || fail "no edit left: $(cat "$T/out")"
out=$(kin identitas konfirmasi --golongan III/c 2>&1) && fail "identity edited twice"
echo "$out" | grep -q "Data diri hanya dapat diubah sekali.*Operator Sekolah melalui Dapodik.*\[identitas\]" ||
    fail "second edit message: $out"
kin identitas konfirmasi >"$T/out" || fail "confirming without change after the edit: $(cat "$T/out")"
grep -q "data sudah sesuai" "$T/out" || fail "confirm message: $(cat "$T/out")"
grep -q "Budi Santoso, S.Pd." "$T/out" || fail "the edit is kept: $(cat "$T/out")"
kin identitas konfirmasi --pangkat "Penata Muda Tingkat I" >/dev/null || fail "taking Dapodik's value back is not an edit"
kin --json identitas lihat >"$T/id.json" || fail "identitas lihat --json"
[ "$("$JC" edits_left <"$T/id.json")" = 0 ] || fail "no edit left in JSON"
[ "$("$JC" fields.0.differs <"$T/id.json")" = true ] || fail "nama differs in JSON"
[ "$("$JC" fields.3.differs <"$T/id.json")" = false ] || fail "pangkat is Dapodik's again in JSON"
out=$(kin identitas konfirmasi --golongan "IV/z" 2>&1) && fail "a malformed golongan"
echo "$out" | grep -q "\[golongan\]" || fail "golongan error names the field: $out"
kin rencana simpan --rhk 1:2 >/dev/null || fail "simpan after the identity was confirmed"
ok "the identity is edited once; a second edit is refused; confirming again is allowed"

# A missing or wrong Jenis PTK: a draft yes, Ajukan no, until the operator fixes it.
as $ANI guru-pass-2
kin identitas konfirmasi >/dev/null || fail "Ani confirms"
kin identitas lihat | grep -q "Jenis PTK  *-  *-" || fail "Ani's Jenis PTK is empty on both sides"
kin rencana simpan --rhk 1:2 >/dev/null || fail "Ani keeps a draft meanwhile (R7)"
# shellcheck disable=SC2086 # PLAN is a list of options
out=$(kin rencana ajukan $PLAN 2>&1) && fail "submitted without Jenis PTK"
echo "$out" | grep -q "Ajukan belum dapat dilakukan. Jenis PTK Anda belum tercatat.*Operator Sekolah.*\[kelayakan\]" ||
    fail "missing Jenis PTK message: $out"
as $OP operator-pass
kin user edit $ANI --jenis-ptk "Tenaga Administrasi Sekolah" >"$T/out" || fail "user edit: $(cat "$T/out")"
grep -q "Belum dapat mengajukan SKP" "$T/out" || fail "edit shows eligibility: $(cat "$T/out")"
out=$(kin user edit $ANI 2>&1) && fail "an edit of nothing"
echo "$out" | grep -q "Tidak ada yang diubah.*\[user\]" || fail "empty edit message: $out"
out=$(kin user edit 199912312020121001 --jenis-ptk "Guru Kelas" 2>&1) && fail "an edit of nobody"
echo "$out" | grep -q "Tidak ada pegawai dengan NIP/NUPTK.*\[user\]" || fail "unknown person message: $out"
as $ANI guru-pass-2
# shellcheck disable=SC2086 # PLAN is a list of options
out=$(kin rencana ajukan $PLAN 2>&1) && fail "submitted with a wrong Jenis PTK"
echo "$out" | grep -q "(Tenaga Administrasi Sekolah).*Operator Sekolah.*Dapodik" || fail "wrong Jenis PTK message: $out"
as $OP operator-pass
kin user edit $ANI --jenis-ptk "Guru Mapel" >"$T/out" || fail "user edit"
grep -q "Kelayakan: Layak" "$T/out" || fail "eligible after the fix: $(cat "$T/out")"
kin user list | grep -A1 "^Ani Rahayu" | grep -q "!" && fail "Ani still listed as not eligible"
kin record history "user/20100001/$(kin --json kelayakan lihat --teacher $ANI | "$JC" key)" >"$T/hist" ||
    fail "the enrollment's history"
[ "$(grep -c "^record " "$T/hist")" = 3 ] || fail "three versions of Ani's enrollment: $(cat "$T/hist")"
as $ANI guru-pass-2
# shellcheck disable=SC2086 # PLAN is a list of options
kin rencana ajukan $PLAN >"$T/out" 2>&1 || fail "ajukan after the fix: $(cat "$T/out")"
grep -q "SKP diajukan kepada atasan" "$T/out" || fail "submitted: $(cat "$T/out")"
ok "a missing or wrong Jenis PTK: draft only, until the operator fixes Dapodik's data here"

# Who reads what: eligibility by the person, the operator, the atasan; the identity by the person only.
out=$(kin kelayakan lihat --teacher $BUDI 2>&1) && fail "a colleague read Budi's eligibility"
echo "$out" | grep -q "hanya dilihat oleh orang itu, Operator Sekolah dan atasannya" || fail "colleague message: $out"
as $BUDI guru-pass-1
BKEY=$(kin --json kelayakan lihat | "$JC" key)
kin record history "identity/20100001/$BKEY" >"$T/hist" || fail "Budi reads his identity records"
[ "$(grep -c "^record " "$T/hist")" = 3 ] || fail "three confirmations: $(cat "$T/hist")"
as $DEWI kepsek-pass
out=$(kin record history "identity/20100001/$BKEY" 2>&1) && fail "the principal read Budi's identity records"
echo "$out" | grep -q "hanya dapat dibaca oleh pemiliknya.*\[id\]" || fail "identity read message: $out"
ok "who reads eligibility and identity"

# A restart keeps the confirmation and the edit used.
stop_daemon || fail "stop"
start_daemon
as $BUDI guru-pass-1
kin identitas lihat >"$T/id" || fail "identitas lihat after a restart"
grep -q "sudah dikonfirmasi" "$T/id" || fail "confirmed after a restart: $(cat "$T/id")"
grep -q "sudah diubah pada" "$T/id" || fail "edit used after a restart: $(cat "$T/id")"
out=$(kin identitas konfirmasi --jenjang "Guru Ahli Muda" 2>&1) && fail "identity edited twice after a restart"
echo "$out" | grep -q "hanya dapat diubah sekali" || fail "second edit message after a restart: $out"
ok "a restart keeps the identity and the edit used"

stop_daemon || fail "stop"
echo "identity.sh: all passed"
