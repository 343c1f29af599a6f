#!/bin/sh
# Catalogs as records: school init stores the shipped catalog (and goes on
# without one when its directory is missing or broken), every member reads
# it offline with 'kinerja catalog show' (missing texts shown as missing,
# the RHK 2 conflict with both candidates), the operator adds a new version
# and the old one stays, a guru may not add one. Also: GROUP --help.
. "$(dirname "$0")/../lib/daemon.sh"

V1=70afff776e750a084f6ce4c6c50539ac4f8184bf31793f43a192947f86c48ead
CATDIR=$(pwd)/catalog
[ -f "$CATDIR/pmm-2024.1.json" ] || fail "run from the repository root (catalog/pmm-2024.1.json)"

# A JSON checker built with jansson, which the build needs anyway.
JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"

# ---- a school whose catalog directory is broken: set up all the same, and told so
mkdir -p "$T/brokencat"
echo '{"format": 1, "name": "rusak"' >"$T/brokencat/rusak.json"
start_daemon --store "$T/s1" --set evidence.dir="$T/ev1.git" --set evidence.staging_dir="$T/up1" \
    --set catalog.dir="$T/brokencat"
echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >"$T/out" || fail "school init with a broken catalog: $(cat "$T/out")"
grep -q "siap" "$T/out" || fail "school init message: $(cat "$T/out")"
grep -q "Tidak ada katalog yang dimuat" "$T/out" || fail "school init does not say that no catalog was loaded: $(cat "$T/out")"
grep -q "PERINGATAN katalog: .*rusak.json is not a catalog" "$T/out" || fail "the broken file is not named: $(cat "$T/out")"
grep -q "warn: school.init: .*rusak.json is not a catalog" "$T/daemon.log" || fail "no warning logged for the broken file"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
kin catalog list | grep -q "(0 versi)" || fail "a catalog was stored from a broken directory"
out=$(kin catalog show 2>&1) && fail "catalog show without a catalog"
echo "$out" | grep -q "catalog add" || fail "no catalog: the message says what to do: $out"
kin catalog add "$CATDIR/pmm-2024.1.json" | grep -q "disimpan sebagai versi $V1" || fail "catalog add of the shipped file"
kin catalog list | grep -q "$V1" || fail "the added catalog is listed"
stop_daemon || fail "stop"
start_daemon --store "$T/s2" --set evidence.dir="$T/ev2.git" --set evidence.staging_dir="$T/up2" \
    --set catalog.dir="$T/no-such-dir"
echo "operator-pass" | kin --json school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >"$T/out.json" || fail "school init without a catalog directory"
[ "$("$JC" catalogs <"$T/out.json")" = 0 ] || fail "missing directory: catalogs stored: $(cat "$T/out.json")"
"$JC" catalog_warnings.0 <"$T/out.json" | grep -q "cannot read the catalog directory $T/no-such-dir" ||
    fail "missing directory named: $(cat "$T/out.json")"
"$JC" catalog_warnings.1 <"$T/out.json" | grep -q "Tidak ada katalog yang dimuat" || fail "the reply says no catalog was loaded"
grep -q "warn: school.init: cannot read the catalog directory" "$T/daemon.log" || fail "no warning logged for the missing directory"
stop_daemon || fail "stop"
ok "a missing or broken catalog directory does not stop school init, and the reply says so"

# ---- a school with the shipped catalog
start_daemon --set catalog.dir="$CATDIR"
echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >"$T/out" || fail "school init"
grep -q "Katalog pmm-2024.1 (versi 70afff776e75…) dimuat dari pmm-2024.1.json" "$T/out" || fail "school init names the catalog: $(cat "$T/out")"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip 198501012010011001 >/dev/null || fail "add guru"
kin catalog list >"$T/list" || fail "catalog list"
grep -q "^  $V1  pmm-2024.1" "$T/list" || fail "catalog list shows $V1: $(cat "$T/list")"
grep -q "(1 versi)" "$T/list" || fail "one version: $(cat "$T/list")"
kin --json catalog list >"$T/list.json" || fail "catalog list --json"
[ "$("$JC" catalogs.0.version <"$T/list.json")" = "$V1" ] || fail "catalog list --json: $(cat "$T/list.json")"
ok "school init stores the shipped catalog; catalog list shows its version"

# ---- a teacher reads it, offline, before planning
echo "guru-pass-1" | kin login 198501012010011001 >/dev/null || fail "guru login"
kin catalog show >"$T/show" || fail "catalog show as a guru"
[ "$(grep -c "^  Sub-indikator [0-9]*: " "$T/show")" = 8 ] || fail "8 sub-indicators: $(grep "Sub-indikator" "$T/show")"
grep -q "^  Sub-indikator 2: Keteraturan Suasana Kelas" "$T/show" || fail "Keteraturan Suasana Kelas"
for t in "Guru melakukan komunikasi positif untuk membangun suasana kelas yang kondusif" \
    "Guru melakukan strategi pengelompokkan untuk mengaktifkan keterlibatan peserta didik" \
    "Guru membuat dan mengingatkan aturan/kesepakatan kelas"; do
	grep -q "Fokus perilaku [123]: $t" "$T/show" || fail "target of Keteraturan Suasana Kelas: $t"
done
grep -q "Kriteria keberhasilan: Terwujudnya suasana kelas yang kondusif" "$T/show" || fail "success criterion"
grep -q "Dianjurkan: 3 perilaku, (teks resmi belum tersedia di katalog ini)" "$T/show" || fail "missing dianjurkan shown as missing"
grep -q "Kriteria keberhasilan: (teks resmi belum tersedia di katalog ini)" "$T/show" || fail "missing success criterion shown as missing"
grep -q "RHK 1: 8 poin per satuan" "$T/show" || fail "RHK 1 points"
grep -q "RHK 2: poin KONFLIK antar sumber, belum ditetapkan: 8 poin (.*) atau 16 poin (SD4" "$T/show" || fail "RHK 2 conflict with both candidates"
grep -q "RHK 7: (teks, poin, satuan dan Bukti Dukung belum tersedia di katalog ini)" "$T/show" || fail "RHK 7 missing"
grep -q "Ringkasan (bukan teks resmi): Penggerak komunitas belajar" "$T/show" || fail "a summary is marked as not official"
grep -q "^Perilaku Kerja (7 aspek BerAKHLAK" "$T/show" || fail "Perilaku Kerja"
grep -q "^Skala observasi" "$T/show" || fail "observation scale"
kin catalog show --sub keteraturan_suasana_kelas >"$T/sub" || fail "catalog show --sub"
[ "$(grep -c "Sub-indikator" "$T/sub")" = 1 ] || fail "--sub shows one sub-indicator"
grep -q "Guru membuat dan mengingatkan aturan/kesepakatan kelas" "$T/sub" || fail "--sub shows the targets"
out=$(kin catalog show --sub tidak_ada 2>&1) && fail "an unknown sub-indicator"
echo "$out" | grep -q "keteraturan_suasana_kelas" || fail "unknown sub-indicator: the ids are listed: $out"
ok "a guru reads the catalog: 8 sub-indicators, Keteraturan Suasana Kelas's targets, missing texts as missing"

kin catalog show --gaps >"$T/gaps" || fail "catalog show --gaps"
i=7
while [ $i -le 18 ]; do
	grep -q "^  RHK $i: belum tersedia di katalog ini (teks, poin, satuan dan Bukti Dukung)$" "$T/gaps" || fail "RHK $i missing in --gaps"
	i=$((i + 1))
done
grep -q "^  RHK 2, poin: KONFLIK antar sumber, belum ditetapkan: 8 poin (.*) atau 16 poin (" "$T/gaps" || fail "RHK 2 conflict in --gaps"
grep -q "^  RHK 1[,:]" "$T/gaps" && fail "RHK 1 is known, not a gap"
grep -q "Keteraturan Suasana Kelas, fokus perilaku 1, perilaku dianjurkan: 3 teks belum tersedia" "$T/gaps" || fail "dianjurkan gap"
ok "catalog show --gaps: RHK 7-18 missing, RHK 2 a conflict"

kin --json catalog show >"$T/show.json" || fail "catalog show --json"
"$JC" <"$T/show.json" || fail "catalog show --json is not JSON"
[ "$("$JC" version <"$T/show.json")" = "$V1" ] || fail "--json version"
[ "$("$JC" sub_indicators <"$T/show.json")" = 8 ] || fail "--json 8 sub-indicators"
[ "$("$JC" sub_indicators.1.targets.0.text <"$T/show.json")" = "Guru melakukan komunikasi positif untuk membangun suasana kelas yang kondusif" ] ||
    fail "--json target text"
[ "$("$JC" sub_indicators.1.targets.0.dianjurkan.0 <"$T/show.json")" = null ] || fail "--json: a missing text is null"
[ "$("$JC" rhk.6.points <"$T/show.json")" = null ] || fail "--json: RHK 7 has no points"
[ "$("$JC" rhk.1.points_conflict.1.value <"$T/show.json")" = 16 ] || fail "--json: RHK 2's second candidate"
[ "$("$JC" perilaku_kerja <"$T/show.json")" = 7 ] || fail "--json: 7 aspects"
kin --json catalog show --gaps | "$JC" gaps >/dev/null || fail "catalog show --gaps --json"
kin catalog show --json --sub keteraturan_suasana_kelas | "$JC" sub_indicators.0.success >/dev/null || fail "--json after the command"
ok "--json parses"

# ---- a new version: the old one stays; a guru may not add one
sed 's/"format": 1,/"format": 1, /' "$CATDIR/pmm-2024.1.json" >"$T/pmm-2024.2.json"
V2=$(kin --json catalog show | "$JC" version)
[ "$V2" = "$V1" ] || fail "the newest is still $V1"
out=$(kin catalog add "$T/pmm-2024.2.json" 2>&1) && fail "a guru added a catalog"
echo "$out" | grep -q "Hanya Operator Sekolah.*\[session\]" || fail "guru catalog add message: $out"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
kin catalog add "$T/pmm-2024.2.json" >"$T/add" || fail "catalog add: $(cat "$T/add")"
V2=$(sed -n 's/.*disimpan sebagai versi \([0-9a-f]*\)\./\1/p' "$T/add")
[ ${#V2} = 64 ] && [ "$V2" != "$V1" ] || fail "a second version: $(cat "$T/add")"
kin catalog add "$T/pmm-2024.2.json" | grep -q "sudah tersimpan" || fail "adding it again changes nothing"
kin catalog list >"$T/list" || fail "catalog list"
grep -q "(2 versi)" "$T/list" || fail "two versions: $(cat "$T/list")"
[ "$(grep -m1 -o '^  [0-9a-f]\{64\}' "$T/list" | tr -d ' ')" = "$V2" ] || fail "the new version is listed first"
[ "$(kin --json catalog show | "$JC" version)" = "$V2" ] || fail "the newest is shown by default"
[ "$(kin --json catalog show --version "$V1" | "$JC" version)" = "$V1" ] || fail "the first version stays"
[ "$(kin --json catalog show --version "$(echo "$V1" | cut -c1-12)" | "$JC" version)" = "$V1" ] || fail "a version prefix"
out=$(kin catalog add "$T/brokencat/rusak.json" 2>&1) && fail "a broken catalog was added"
echo "$out" | grep -q "bukan katalog JSON yang sah.*direktori catalog/.*\[catalog\]" || fail "broken catalog add message: $out"
kin record history "catalog/20100001/$V1" | grep -q "tanda tangan diperiksa: sah" || fail "the catalog record is signed"
ok "catalog add: a new version, the first stays, a guru may not"

# ---- help
for g in evidence user catalog record school; do
	kin "$g" --help >"$T/help" || fail "kinerja $g --help exits $?"
	grep -q "^  $g " "$T/help" || fail "kinerja $g --help lists its commands: $(cat "$T/help")"
done
kin user >/dev/null 2>&1 && fail "kinerja user alone is a usage error"
kin catalog show --help | grep -q -- "--gaps" || fail "catalog show --help"
kin catalog list --help | grep -q "newest first" || fail "catalog list --help"
kin catalog add --help | grep -q "FILE" || fail "catalog add --help"
[ "$(kin --help | tail -c 1 | od -An -c | tr -d ' ')" = '\n' ] || fail "kinerja --help ends with a newline"
ok "help: GROUP --help lists the group and exits 0"

stop_daemon || fail "stop"
echo "catalog.sh: all passed"
