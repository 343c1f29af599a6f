#!/bin/sh
# A hub syncing up to a parent hub (issue 9, "Hub role": district -> province,
# records only), end to end through the CLI: three daemons on loopback, a
# school A, a district hub D (role = hub, sync.parent = the province) and a
# province hub P. The province registers the district's hub (hub daftar-hub);
# A's records reach the province through D; an act of the province for A
# reaches A through D; a hostile push with D's own key (a forged record, the
# province's own records, a school not registered at D) is refused at P with
# its reason while the good record of the same push is stored; a revoked
# district is refused; random concurrent work on all three with syncs ends
# with the same per-school fingerprints and the same view everywhere.
#
# School A's authority is the province's key (an SMA, say, whose Dinas is the
# province, in a district whose hub carries its sync): so an act the
# province signs for A is one A's rules accept, at D and at A.
. "$(dirname "$0")/../lib/daemon.sh"

JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
cc -std=c11 -D_GNU_SOURCE -o "$T/pushtool" "$(dirname "$0")/pushtool.c" "$(dirname "$0")/peer.c" sync/channel.c sync/noise.c sync/proto.c \
    util/kn.c util/mpmap.c util/mpscan.c -lmsgpackc -lsodium || fail "cannot build pushtool"

NPSN_A=20200001
NPSN_Z=20200009          # registered nowhere
NPSN_Y=20200008          # registered at the province itself
NAS=36000000
OPN=197201011997031004
DIST=34100000            # sorts before PROV: the province's store holds both office records, and must know its own
PROV=35000000
OPP=197001011995031002
OPD=197101011996031003
PENGAWAS=196805101990031004
PENGAWAS2=196905101991031005
OPA=1234567890123456
SEEDS=${SYNC_PARENT_SEEDS:-"1 2 3"}

PPID_=
DPID_=
NPID_=
EPID_=
trap 'stop_pid "$DPID_"; stop_pid "$PPID_"; stop_pid "$NPID_"; stop_pid "$EPID_"; stop_daemon >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
prov() { KINERJA_SESSION=$T/p-session "$B/kinerja" --socket "$T/p.sock" "$@"; }
dist() { KINERJA_SESSION=$T/d-session "$B/kinerja" --socket "$T/d.sock" "$@"; }
nas() { KINERJA_SESSION=$T/n-session "$B/kinerja" --socket "$T/n.sock" "$@"; }
dist2() { KINERJA_SESSION=$T/e-session "$B/kinerja" --socket "$T/e.sock" "$@"; }
jget() { "$JC" "$1"; }
# field of NPSN's entry in `hub sekolah` at a hub (prov or dist)
hub_field() { # HUB NPSN PATH
	$1 --json hub sekolah >"$T/hs.json" || fail "hub sekolah at $1"; n=0; while :; do
	v=$(jget "schools.$n.npsn" <"$T/hs.json" 2>/dev/null) || { echo "(absent)"; return; }
	[ "$v" = "$2" ] && { jget "schools.$n.$3" <"$T/hs.json"; return; }
	n=$((n + 1)); done; }
hub_fp() { echo "$(hub_field "$1" "$2" fp) $(hub_field "$1" "$2" records)"; }
school_fp() { kin --json sync status >"$T/ss.json" || fail "sync status"; echo "$(jget fp <"$T/ss.json") $(jget count <"$T/ss.json")"; }
# the district's own office as it holds it (its parent link's last session) and as the province holds it
dist_code_field() { code_field dist "$@"; }
code_field() { # HUB CODE PATH
	$1 --json sync status >"$T/ds.json" || fail "sync status at $1"; shift; n=0; while :; do
	v=$(jget "parent.codes.$n.code" <"$T/ds.json" 2>/dev/null) || { echo "(absent)"; return; }
	[ "$v" = "$1" ] && { jget "parent.codes.$n.$2" <"$T/ds.json"; return; }
	n=$((n + 1)); done; }
as_a() { echo "$2" | kin login "$1" >/dev/null || fail "login $1 at A"; }

# ---- the province: an office with its authority key, listening ----
start_named p --set daemon.role=hub --set sync.listen=127.0.0.1:0
PPID_=$LASTPID
echo "prov-op-pass" | prov dinas init --kode $PROV --nama "Dinas Pendidikan Provinsi Contoh" \
    --operator-name "Ratna Sari" --operator-nip $OPP >/dev/null || fail "dinas init at the province"
prov dinas kunci --out "$T/prov.key" >/dev/null || fail "dinas kunci at the province"
echo prov-op-pass | prov login $OPP >/dev/null || fail "login at the province"
echo "pengawas-pass" | prov user add --name "Hendra Wijaya" --role pengawas --nip $PENGAWAS >/dev/null ||
    fail "a Pengawas at the province"
echo "pengawas-pass-2" | prov user add --name "Yusuf Hakim" --role pengawas --nip $PENGAWAS2 >/dev/null ||
    fail "a second Pengawas at the province"
prov --json status >"$T/p.json"
PPORT=$(jget sync.listen_port <"$T/p.json")
PKEY=$(jget device_key <"$T/p.json")
ok "a province hub (office $PROV) listens on port $PPORT"

# ---- the district: a hub that serves its schools and syncs up to the province ----
out=$("$B/kinerjad" --socket "$T/x.sock" --store "$T/x" --set daemon.role=dinas --set sync.parent=127.0.0.1:$PPORT \
    --set sync.parent_key="$PKEY" --check-config 2>&1) && fail "an office that does not listen was given a parent"
echo "$out" | grep -q "only a hub (role = hub) syncs up to a parent hub" || fail "sync.parent at a dinas: $out"
start_named d --set daemon.role=hub --set sync.listen=127.0.0.1:0 --set sync.parent=127.0.0.1:$PPORT --set sync.parent_key="$PKEY"
DPID_=$LASTPID
echo "dist-op-pass" | dist dinas init --kode $DIST --nama "Dinas Pendidikan Kabupaten Contoh" \
    --operator-name "Rudi Hartono" --operator-nip $OPD >/dev/null || fail "dinas init at the district"
echo dist-op-pass | dist login $OPD >/dev/null || fail "login at the district"
dist --json status >"$T/d.json"
DPORT=$(jget sync.listen_port <"$T/d.json")
DKEY=$(jget device_key <"$T/d.json")
dist status | grep -q "up to parent hub 127.0.0.1:$PPORT (records only)" || fail "status at the district names its parent"

# ---- school A: its hub is the district's, its authority the province's ----
start_daemon --set sync.hub=127.0.0.1:$DPORT --set sync.hub_key="$DKEY" --set sync.interval_s=3600 --set sync.timeout_s=5
echo "operator-pass" | kin school init --npsn $NPSN_A --name "SMA Negeri 1 Contoh" --operator-name "Siti Aminah" \
    --operator-nuptk $OPA --authority-key "$T/prov.key" >/dev/null || fail "school A init"
as_a $OPA operator-pass
DEV_A=$(kin --json status | jget device_key)
dist hub daftar --sekolah $NPSN_A --kunci-perangkat "$DEV_A" >/dev/null || fail "the district registers A"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nuptk 3000000000000001 --status NON_ASN >/dev/null ||
    fail "a teacher at A"
kin sync now >"$T/out" || fail "A syncs with the district: $(cat "$T/out")"
[ "$(school_fp)" = "$(hub_fp dist $NPSN_A)" ] || fail "A at the district: $(school_fp) / $(hub_fp dist $NPSN_A)"
ok "school A syncs with the district hub"

# ---- enrolment at the province: an unregistered district is refused, and told what the province runs ----
out=$(dist sync now 2>&1) && fail "an unregistered district synced up"
echo "$out" | grep -q "Hub ini (kantor $DIST) belum terdaftar di hub induk" || fail "the district is told: $out"
echo "$out" | grep -q -- "kinerja hub daftar-hub --kantor $DIST --kunci-perangkat $DKEY" || fail "with the line to run: $out"
dist sync status | grep -q "belum terdaftar di hub induk" || fail "sync status at the district keeps the reason"
[ "$(hub_field prov $NPSN_A records)" = "(absent)" ] || [ "$(hub_field prov $NPSN_A records)" = 0 ] ||
    fail "A's records reached the province through an unregistered district"
prov hub daftar-hub --kantor $DIST --kunci-perangkat "$DKEY" >"$T/out" || fail "hub daftar-hub: $(cat "$T/out")"
grep -q "Hub kantor $DIST terdaftar sebagai hub anak" "$T/out" || fail "daftar-hub says so: $(cat "$T/out")"
grep -q "sync.parent_key ($PKEY)" "$T/out" || fail "and names the key the district configures: $(cat "$T/out")"
out=$(prov hub daftar --sekolah $DIST --kunci-perangkat "$DKEY" 2>&1) && fail "a child hub re-registered as a school"
echo "$out" | grep -q "sudah terdaftar di hub ini sebagai hub anak" || fail "hub and school kinds kept apart: $out"
ok "the province registers the district's hub; before that the district is refused with what to do"

# ---- up: A's records reach the province through the district ----
dist sync now >"$T/out" || fail "the district syncs up: $(cat "$T/out")"
[ "$(school_fp)" = "$(hub_fp prov $NPSN_A)" ] || fail "A at the province: $(school_fp) / $(hub_fp prov $NPSN_A)"
[ "$(hub_field prov $NPSN_A via)" = $DIST ] || fail "the province lists A under the district"
hub_field prov $NPSN_A evidence_note | grep -q "disimpan di hub anak $DIST" || fail "A's files are held at the district"
[ "$(hub_field prov $DIST kind)" = hub ] || fail "the province lists the district as a child hub"
[ "$(dist_code_field $DIST fp) $(dist_code_field $DIST count)" = "$(hub_fp prov $DIST)" ] ||
    fail "the district's own office at the province: $(dist_code_field $DIST fp) / $(hub_fp prov $DIST)"
prov hub sekolah >"$T/out"
grep -q "^$DIST .*hub anak" "$T/out" || fail "hub sekolah shows the child hub: $(cat "$T/out")"
grep -q "^$NPSN_A .*lewat hub anak" "$T/out" || fail "hub sekolah shows A through it: $(cat "$T/out")"
# restarted, the province still knows which office record is its own (it holds the district's too)
stop_pid "$PPID_"
start_named p --set daemon.role=hub --set sync.listen=127.0.0.1:$PPORT
PPID_=$LASTPID
prov status | grep -q "Dinas Pendidikan Provinsi Contoh" || fail "the province knows itself after a restart: $(prov status)"
echo prov-op-pass | prov login $OPP >/dev/null || fail "login at the province after its restart"
[ "$(prov --json hub sekolah | jget office)" = $PROV ] || fail "the province's hub sekolah names its own office"
dist sync status >"$T/out"
grep -q "Sinkron ke hub induk 127.0.0.1:$PPORT terakhir berhasil" "$T/out" || fail "the parent link at the district: $(cat "$T/out")"
grep -q "$NPSN_A *sekolah *berhasil.*(sama)" "$T/out" || fail "A's code at the district's parent link: $(cat "$T/out")"
ok "A's records reach the province through the district (records only; files stay at the district)"

# ---- down: an act of the province for A reaches A through the district ----
prov dinas tugaskan --sekolah $NPSN_A --peran pengawas --nip $PENGAWAS --mulai 2020-01-01 >"$T/out" ||
    fail "the province assigns a Pengawas to A: $(cat "$T/out")"
dist sync now >"$T/out" || fail "the district pulls: $(cat "$T/out")"
grep -q "Diterima dari hub: 1 catatan\.$" "$T/out" || fail "the assignment comes to the district by its feed: $(cat "$T/out")"
grep -q "Dikirim ke hub: 0 catatan" "$T/out" || fail "what came from the province does not go back up: $(cat "$T/out")"
kin sync now >"$T/out" || fail "A pulls: $(cat "$T/out")"
# by the district's feed for A, not repaired by a reconciliation (which would say so)
grep -q "Diterima dari hub: 1 catatan\.$" "$T/out" || fail "the assignment comes to A by the feed: $(cat "$T/out")"
kin penugasan | grep -q "Hendra Wijaya *Pengawas Sekolah" || fail "A sees the province's assignment: $(kin penugasan)"
dist sync now >"$T/out" || fail "the district again: $(cat "$T/out")"
grep -q "Dikirim ke hub: 0 catatan" "$T/out" || fail "nothing goes up on the next sync: $(cat "$T/out")"
ok "an assignment made at the province reaches school A through the district, and does not go back up"

# ---- security at the province: a push with the district's own key ----
echo "op2-pass" | dist user add --name "Operator Dua" --role operator --nip 198001012005011001 >/dev/null ||
    fail "a new official at the district"
dist record export --sekolah $DIST "$T/d.rec" >/dev/null || fail "export the district's records"
prov record export --sekolah $PROV "$T/p.rec" >/dev/null || fail "export the province's records"
kin record export "$T/a.rec" >/dev/null || fail "export A's records"
count_before=$(hub_field prov $DIST records)
"$T/pushtool" "127.0.0.1:$PPORT" "$PKEY" "$T/d-device.key" $DIST "$T/d.rec" -x "$T/d.rec" "$T/p.rec" "$T/a.rec" \
    >"$T/out" 2>&1 || fail "pushtool: $(cat "$T/out")"
grep -q "^receipt stored 1 " "$T/out" || fail "the good new record is stored: $(head -3 "$T/out")"
grep -q "^refused .* bad_signature " "$T/out" || fail "a forged signature is refused: $(grep refused "$T/out" | head -3)"
grep -q "^refused .* denied Catatan ini milik $PROV, bukan $DIST: hub anak $DIST hanya mengirim" "$T/out" ||
    fail "the province's own records from the district are refused: $(grep refused "$T/out" | head -3)"
grep -q "^refused .* denied Catatan ini milik $NPSN_A, bukan $DIST" "$T/out" ||
    fail "a school's records in the office's session are refused: $(grep refused "$T/out" | head -3)"
[ "$(hub_field prov $DIST records)" = $((count_before + 1)) ] || fail "only the good record joined the province's set"
grep -q "sync: school $DIST: record .* of a push refused" "$T/p.log" || fail "the province logs the refusals"
"$T/pushtool" "127.0.0.1:$PPORT" "$PKEY" "$T/d-device.key" $NPSN_Z "$T/a.rec" >"$T/out" 2>&1 &&
    fail "the district spoke for a school not registered there: $(cat "$T/out")"
grep -q "^error .*SYNC_ANAK_SEKOLAH_TIDAK_TERDAFTAR.*Sekolah $NPSN_Z tidak terdaftar di hub kantor $DIST" "$T/out" ||
    fail "a school not under the district is refused with its reason: $(cat "$T/out")"
[ "$(hub_field prov $NPSN_Z records)" = 0 ] || [ "$(hub_field prov $NPSN_Z records)" = "(absent)" ] ||
    fail "something of Z was stored"
# a school the province registered itself syncs there itself: the district does not speak for it
prov hub daftar --sekolah $NPSN_Y --kunci-perangkat "$DEV_A" >/dev/null || fail "the province registers Y directly"
dist hub daftar --sekolah $NPSN_Y --kunci-perangkat "$PKEY" >/dev/null || fail "the district registers Y too"
out=$(dist sync now 2>&1) && fail "the district synced a school registered at the province"
echo "$out" | grep -q "Sekolah $NPSN_Y terdaftar langsung di hub induk, bukan lewat hub $DIST" || fail "Y from the district: $out"
"$T/pushtool" "127.0.0.1:$PPORT" "$PKEY" "$T/d-device.key" $NPSN_Y "$T/a.rec" >"$T/out" 2>&1 &&
    fail "the district spoke for a school registered at the province: $(cat "$T/out")"
grep -q "^error .*SYNC_ANAK_SEKOLAH_LANGSUNG.*Sekolah $NPSN_Y terdaftar langsung di hub induk" "$T/out" ||
    fail "a school registered at the province is refused from the district: $(cat "$T/out")"
dist hub cabut --sekolah $NPSN_Y >/dev/null || fail "the district withdraws Y"
# nor the province's own office, which the district has no business registering
dist hub daftar --sekolah $PROV --kunci-perangkat "$PKEY" >/dev/null || fail "the district registers the province's code"
out=$(dist sync now 2>&1) && fail "the district synced the province's own office"
echo "$out" | grep -q "Kode $PROV adalah kantor hub induk ini sendiri" || fail "the province's code from the district: $out"
dist hub cabut --sekolah $PROV >/dev/null || fail "the district withdraws the province's code"
dist sync now >"$T/out" || fail "the district still syncs: $(cat "$T/out")"
ok "at the province: a forged record, the province's own records, a school not under the district and one registered at the province are refused with their reason; the good record is stored"

# ---- a revoked district is refused; registered again, it syncs ----
prov hub cabut --sekolah $DIST >/dev/null || fail "the province revokes the district"
echo "guru-pass-2" | kin user add --name "Ani Lestari" --role guru --nuptk 3000000000000002 --status NON_ASN >/dev/null ||
    fail "another teacher at A"
kin sync now >/dev/null || fail "A syncs with the district"
before=$(hub_fp prov $NPSN_A)
out=$(dist sync now 2>&1) && fail "a revoked district synced up"
echo "$out" | grep -q "Pendaftaran hub kantor $DIST sudah dicabut di hub induk" || fail "revoked: $out"
[ "$(hub_fp prov $NPSN_A)" = "$before" ] || fail "A's records moved through a revoked district"
hub_field prov $DIST error.message | grep -q "dicabut" || fail "the province shows the revoked district's attempt"
prov hub daftar-hub --kantor $DIST --kunci-perangkat "$DKEY" >/dev/null || fail "register the district again"
dist sync now >/dev/null || fail "the district syncs once registered again"
[ "$(school_fp)" = "$(hub_fp prov $NPSN_A)" ] || fail "A at the province after the new registration"
ok "a revoked district is refused with the reason on both sides; registered again, it syncs"

# ---- one school, one registrar: a second district that registers A too takes it over from neither ----
DIST2=34200000
OPE=197301011998031005
start_named e --set daemon.role=hub --set sync.listen=127.0.0.1:0 --set sync.parent=127.0.0.1:$PPORT --set sync.parent_key="$PKEY"
EPID_=$LASTPID
echo "dist2-op-pass" | dist2 dinas init --kode $DIST2 --nama "Dinas Pendidikan Kabupaten Lain" \
    --operator-name "Eko Prasetyo" --operator-nip $OPE >/dev/null || fail "dinas init at a second district"
echo dist2-op-pass | dist2 login $OPE >/dev/null || fail "login at the second district"
EKEY=$(dist2 --json status | jget device_key)
prov hub daftar-hub --kantor $DIST2 --kunci-perangkat "$EKEY" >/dev/null || fail "the province registers the second district"
dist2 hub daftar --sekolah $NPSN_A --kunci-perangkat "$DEV_A" >/dev/null || fail "the second district registers A too"
out=$(dist2 sync now 2>&1) && fail "the second district synced A up while the first still holds it"
echo "$out" | grep -q "Sekolah $NPSN_A terdaftar di dua kantor ($DIST dan $DIST2)" || fail "the second district is told: $out"
echo "guru-pass-3" | kin user add --name "Dewi Rahma" --role guru --nuptk 3000000000000003 --status NON_ASN >/dev/null ||
    fail "a third teacher at A"
kin sync now >/dev/null || fail "A syncs with the district"
before=$(hub_fp prov $NPSN_A)
out=$(dist sync now 2>&1) && fail "the first district synced A up while a second registration stands"
echo "$out" | grep -q "terdaftar di dua kantor" || fail "the first district is told: $out"
[ "$(hub_fp prov $NPSN_A)" = "$before" ] || fail "A's records moved while two offices claim A"
dist2 hub cabut --sekolah $NPSN_A >/dev/null || fail "the second district revokes A"
dist2 sync now >/dev/null || fail "the second district syncs its revocation up"
dist sync now >"$T/out" || fail "the first district syncs A again once the other revoked: $(cat "$T/out")"
[ "$(school_fp)" = "$(hub_fp prov $NPSN_A)" ] || fail "A at the province after the revocation"
stop_pid "$EPID_"
EPID_=
ok "a school registered at two districts is taken from neither until one revokes it (then from the other)"

# ---- a third tier: the province syncs up to a national hub, which takes the district and A through it ----
start_named n --set daemon.role=hub --set sync.listen=127.0.0.1:0
NPID_=$LASTPID
echo "nas-op-pass" | nas dinas init --kode $NAS --nama "Pusat Data Nasional Contoh" --operator-name "Agus Salim" \
    --operator-nip $OPN >/dev/null || fail "dinas init at the national hub"
echo nas-op-pass | nas login $OPN >/dev/null || fail "login at the national hub"
nas --json status >"$T/n.json"
NPORT=$(jget sync.listen_port <"$T/n.json")
NKEY=$(jget device_key <"$T/n.json")
nas hub daftar-hub --kantor $PROV --kunci-perangkat "$PKEY" >/dev/null || fail "the national hub registers the province"
stop_pid "$PPID_"
start_named p --set daemon.role=hub --set sync.listen=127.0.0.1:$PPORT --set sync.parent=127.0.0.1:$NPORT --set sync.parent_key="$NKEY"
PPID_=$LASTPID
echo prov-op-pass | prov login $OPP >/dev/null || fail "login at the province after its restart"
prov sync now >"$T/out" || fail "the province syncs up: $(cat "$T/out")"
[ "$(hub_fp nas $PROV)" = "$(code_field prov $PROV fp) $(code_field prov $PROV count)" ] ||
    fail "the province's office at the national hub: $(hub_fp nas $PROV) / $(code_field prov $PROV fp)"
[ "$(hub_fp nas $DIST)" = "$(hub_fp prov $DIST)" ] || fail "the district's office at the national hub"
[ "$(school_fp)" = "$(hub_fp nas $NPSN_A)" ] || fail "A at the national hub: $(school_fp) / $(hub_fp nas $NPSN_A)"
[ "$(hub_field nas $NPSN_A via)" = $PROV ] && [ "$(hub_field nas $DIST via)" = $PROV ] ||
    fail "the national hub lists the district and A under the province"
ok "the province syncs up to a national hub: the district's office and A arrive through two tiers"

# ---- random concurrent work on all three, syncs in between, then the same records and view everywhere ----
for seed in $SEEDS; do
	s=$seed
	i=0
	while [ $i -lt 10 ]; do
		s=$(( (s * 1103515245 + 12345) % 2147483648 ))
		k="$seed$i"
		case $((s / 7 % 7)) in
		0) echo "guru-pass-$k" | kin user add --name "Guru A$k" --role guru --nuptk "$(printf '31%014d' "$k")" \
		    --status NON_ASN >/dev/null || fail "a teacher at A (seed $seed)" ;;
		1) echo "op-pass-$k" | dist user add --name "Pegawai D$k" --role operator --nip "$(printf '198001012005011%03d' "$k")" \
		    >/dev/null || fail "an official at the district (seed $seed)" ;;
		2) prov dinas tugaskan --sekolah $NPSN_A --peran pengawas --nip $PENGAWAS2 --mulai "2021-0$((i % 9 + 1))-01" \
		    >/dev/null || fail "an assignment at the province (seed $seed)" ;;
		3) kin sync now >/dev/null &
		   dist sync now >/dev/null 2>&1 || true
		   wait $! || fail "A syncs in the mix (seed $seed)" ;;
		4) kin sync now >/dev/null || fail "A syncs (seed $seed)" ;;
		5) dist sync now >/dev/null || fail "the district syncs (seed $seed)" ;;
		6) prov sync now >/dev/null || fail "the province syncs up (seed $seed)" ;;
		esac
		i=$((i + 1))
	done
	for x in a d p a d p; do
		case $x in a) kin sync now >/dev/null || fail "final sync of A (seed $seed)" ;;
		d) dist sync now >/dev/null || fail "final sync of the district (seed $seed)" ;;
		p) prov sync now >/dev/null || fail "final sync of the province (seed $seed)" ;; esac
	done
	fa=$(school_fp)
	[ "$fa" = "$(hub_fp dist $NPSN_A)" ] || fail "seed $seed: A / district: $fa / $(hub_fp dist $NPSN_A)"
	[ "$fa" = "$(hub_fp prov $NPSN_A)" ] || fail "seed $seed: A / province: $fa / $(hub_fp prov $NPSN_A)"
	[ "$fa" = "$(hub_fp nas $NPSN_A)" ] || fail "seed $seed: A / national: $fa / $(hub_fp nas $NPSN_A)"
	[ "$(dist_code_field $DIST fp) $(dist_code_field $DIST count)" = "$(hub_fp prov $DIST)" ] ||
	    fail "seed $seed: the district's office / province: $(dist_code_field $DIST fp) / $(hub_fp prov $DIST)"
	[ "$(hub_fp prov $DIST)" = "$(hub_fp nas $DIST)" ] &&
	    [ "$(code_field prov $PROV fp) $(code_field prov $PROV count)" = "$(hub_fp nas $PROV)" ] ||
	    fail "seed $seed: the offices at the national hub"
	kin penugasan >"$T/va"
	dist penugasan --sekolah $NPSN_A >"$T/vd" || fail "the district's view of A"
	prov penugasan --sekolah $NPSN_A >"$T/vp" || fail "the province's view of A"
	nas penugasan --sekolah $NPSN_A >"$T/vn" || fail "the national hub's view of A"
	cmp -s "$T/va" "$T/vd" && cmp -s "$T/va" "$T/vp" && cmp -s "$T/va" "$T/vn" ||
	    fail "seed $seed: the views of A's assignments differ"
	echo "# seed $seed: A $(echo "$fa" | cut -d' ' -f2) records, the district's office $(dist_code_field $DIST count), equal at every tier"
done
ok "after random concurrent work on the school, the district and the province (seeds $SEEDS), synced up to the national hub: equal fingerprints and views"

# ---- a round with nothing new: one short session per code, each as small as a school's no-change sync ----
kin --json sync now >"$T/a.json" || fail "A's no-change sync"
dist --json sync now >"$T/d.json" || fail "the district's no-change round"
dist --json sync status >"$T/ds.json" || fail "sync status at the district"
ncodes=0
while jget "parent.codes.$ncodes.code" <"$T/ds.json" >/dev/null 2>&1; do ncodes=$((ncodes + 1)); done
[ $ncodes = 2 ] || fail "the district speaks for its office and A (Y was withdrawn): $ncodes codes listed"
a_bytes=$(( $(jget bytes_sent <"$T/a.json") + $(jget bytes_received <"$T/a.json") ))
d_bytes=$(( $(jget bytes_sent <"$T/d.json") + $(jget bytes_received <"$T/d.json") ))
[ "$(jget pushed <"$T/d.json")" = 0 ] && [ "$(jget pulled <"$T/d.json")" = 0 ] || fail "a no-change round moved records"
[ "$(jget round_trips <"$T/d.json")" -le $((2 * ncodes)) ] || fail "a no-change round took $(jget round_trips <"$T/d.json") round trips"
[ $((d_bytes / ncodes)) -le 2048 ] || fail "a no-change round took $d_bytes bytes for $ncodes codes"
echo "# no-change round of the district: $ncodes codes, $(jget round_trips <"$T/d.json") round trips, $d_bytes bytes after the handshakes ($((d_bytes / ncodes)) per code); a school's no-change sync in the same run: $(jget round_trips <"$T/a.json") round trip, $a_bytes bytes; ratio per code $(awk "BEGIN { printf \"%.2f\", $d_bytes / $ncodes / $a_bytes }")"
ok "a round with nothing new: one round trip and a few hundred bytes per code"
