#!/bin/sh
# Sync between schools and their hub, end to end through the CLI (issue 9):
# a hub (role = hub: the Dinas's office that listens on TCP) and two
# schools on loopback. The Dinas registers each school's device key; an
# unregistered school, a school claiming another's NPSN and a revoked
# school are refused with their reason on both sides. Work at the schools
# (people, plans) and at the hub (the Dinas's assignments, a Pengawas's
# approval) travels both ways; after several `sync now` every school's
# records are the same on both sides (equal fingerprints and counts), and
# a second sync with no change moves nothing in one round trip. A forged
# record pushed by a hostile school is refused and reported while the good
# records of the same push are stored, and so is an approval re-signed by
# real, enrolled people who are not the teacher's atasan (a colleague, the
# Pengawas); a school killed in the middle of a sync loses and duplicates
# nothing.
. "$(dirname "$0")/../lib/daemon.sh"

JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
cc -std=c11 -D_GNU_SOURCE -o "$T/forge" "$(dirname "$0")/forge.c" store/record.c domain/messages.c util/kn.c util/mpmap.c util/mpscan.c \
    -lmsgpackc -lsodium || fail "cannot build forge"
cc -std=c11 -D_GNU_SOURCE -o "$T/pushtool" "$(dirname "$0")/pushtool.c" "$(dirname "$0")/peer.c" sync/channel.c sync/noise.c sync/proto.c \
    util/kn.c util/mpmap.c util/mpscan.c -lmsgpackc -lsodium || fail "cannot build pushtool"
cc -std=c11 -D_GNU_SOURCE -o "$T/unseal" "$(dirname "$0")/unseal.c" store/keys.c domain/messages.c util/kn.c util/mpmap.c util/mpscan.c \
    -llmdb -lmsgpackc -lsodium || fail "cannot build unseal"

NPSN_A=20100001
NPSN_B=20100002
NPSN_C=20100003
OFFICE=30100000
OPD=197001011995031002
PENGAWAS=196805101990031004
OPA=1234567890123456
OPB=1234567890123457
OPC=1234567890123458
DEWI=197803152005012002
BUDI=198501012010011001
RINA=199002022015012003

# ---- daemons: the hub, and schools A, B (and C, a stranger) each with their own socket, store and device key ----
HPID=
BPID=
CPID=
start_hub() {
	"$B/kinerjad" --socket "$T/hub.sock" --store "$T/hub" --set keys.device_key="$T/hub-device.key" \
	    --set evidence.dir="$T/hub-evidence.git" --set evidence.staging_dir="$T/hub-uploads" \
	    --set keys.pwhash=min --set daemon.role=hub --set sync.listen="127.0.0.1:${PORT:-0}" \
	    --set sync.timeout_s=5 "$@" --log-level debug >>"$T/hub.log" 2>&1 &
	HPID=$!
	wait_up "$T/hub.sock" $HPID "$T/hub.log"
}
trap 'stop_pid "$CPID"; stop_pid "$BPID"; stop_pid "$HPID"; stop_daemon >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
hub() { KINERJA_SESSION=$T/hub-session "$B/kinerja" --socket "$T/hub.sock" "$@"; }
sb() { KINERJA_SESSION=$T/b-session "$B/kinerja" --socket "$T/b.sock" "$@"; }
sc() { KINERJA_SESSION=$T/c-session "$B/kinerja" --socket "$T/c.sock" "$@"; }
as() { echo "$2" | kin login "$1" >/dev/null || fail "login $1"; }
jget() { "$JC" "$1"; }
# fp and count of a school as the hub holds it, and as the school holds it
hub_fp() { hub --json hub sekolah >"$T/hs.json" || fail "hub sekolah"; n=0; while :; do
	v=$(jget "schools.$n.npsn" <"$T/hs.json") || fail "school $1 not listed at the hub"
	[ "$v" = "$1" ] && { echo "$(jget "schools.$n.fp" <"$T/hs.json") $(jget "schools.$n.records" <"$T/hs.json")"; return; }
	n=$((n + 1)); done; }
school_fp() { "$@" --json sync status >"$T/ss.json" || fail "sync status"; echo "$(jget fp <"$T/ss.json") $(jget count <"$T/ss.json")"; }
hub_field() { # NPSN PATH-in-school-entry
	hub --json hub sekolah >"$T/hs.json" || fail "hub sekolah"; n=0; while :; do
	v=$(jget "schools.$n.npsn" <"$T/hs.json") || fail "school $1 not listed at the hub"
	[ "$v" = "$1" ] && { jget "schools.$n.$2" <"$T/hs.json"; return; }
	n=$((n + 1)); done; }

# A restarted school daemon syncs at once by itself: wait for that first session, its result into now.json.
first_sync() {
	i=0
	until kin --json sync status >"$T/st.json" && jget last.ok <"$T/st.json" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 200 ] && fail "no sync after the restart"
		sleep 0.05
	done
	cp "$T/st.json" "$T/now.json"
}

# ---- the hub: an office with its authority key, listening on a port of its choice ----
start_hub
echo "dinas-op-pass" | hub dinas init --kode $OFFICE --nama "Dinas Pendidikan Kabupaten Contoh" \
    --operator-name "Rudi Hartono" --operator-nip $OPD >/dev/null || fail "dinas init at the hub"
hub dinas kunci --out "$T/dinas.key" >/dev/null || fail "dinas kunci"
echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login"
echo "pengawas-pass" | hub user add --name "Hendra Wijaya" --role pengawas --nip $PENGAWAS >/dev/null || fail "add Pengawas"
hub --json status >"$T/hub.json"
PORT=$(jget sync.listen_port <"$T/hub.json") || fail "status shows sync.listen_port"
HUBKEY=$(jget device_key <"$T/hub.json")
[ "$PORT" -gt 0 ] || fail "the hub listens on a port: $PORT"
hub status | grep -q "listening on port $PORT" || fail "status shows the port"
grep -q "hub listening on 127.0.0.1:0 (port $PORT)" "$T/hub.log" || fail "the log shows the port"
ok "a hub (role = hub) with its authority key listens on port $PORT"

SYNC="--set sync.hub=127.0.0.1:$PORT --set sync.hub_key=$HUBKEY --set sync.interval_s=3600 --set sync.timeout_s=5"
# shellcheck disable=SC2086 # options
start_daemon $SYNC --set sync.batch_records=2
# shellcheck disable=SC2086
start_named b $SYNC
BPID=$LASTPID
echo "operator-pass" | kin school init --npsn $NPSN_A --name "SD Negeri 1 Contoh" --operator-name "Siti Aminah" \
    --operator-nuptk $OPA --authority-key "$T/dinas.key" >/dev/null || fail "school A init"
echo "operator-pass-b" | sb school init --npsn $NPSN_B --name "SD Negeri 2 Contoh" --operator-name "Wati" \
    --operator-nuptk $OPB --authority-key "$T/dinas.key" >/dev/null || fail "school B init"
as $OPA operator-pass
echo operator-pass-b | sb login $OPB >/dev/null || fail "login B"
DEV_A=$(kin --json status | jget device_key)
DEV_B=$(sb --json status | jget device_key)

# ---- enrolment: unknown schools are refused with their reason on both sides ----
out=$(kin sync now 2>&1) && fail "an unregistered school synced"
echo "$out" | grep -q "Sekolah $NPSN_A belum terdaftar di hub ini: minta Dinas mendaftarkan kunci perangkat sekolah ini" ||
    fail "the school is told it is not registered: $out"
echo "$out" | grep -q -- "--kunci-perangkat $DEV_A" || fail "the message names the school's device key: $out"
kin sync status | grep -q "belum terdaftar" || fail "sync status keeps the reason"
[ "$(hub_field $NPSN_A registered)" = false ] || fail "the hub lists the stranger as not registered"
hub_field $NPSN_A error.message | grep -q "belum terdaftar" || fail "the hub shows the refusal and its reason"
grep -q "sync: school $NPSN_A: Sekolah $NPSN_A belum terdaftar" "$T/hub.log" || fail "the hub logs the refusal"
ok "an unregistered school is refused with its reason, at the school and at the hub"

hub hub daftar --sekolah $NPSN_A --kunci-perangkat "$DEV_A" >"$T/out" || fail "hub daftar A: $(cat "$T/out")"
grep -q "Sekolah $NPSN_A terdaftar di hub ini" "$T/out" || fail "daftar says so: $(cat "$T/out")"
hub hub daftar --sekolah $NPSN_A --kunci-perangkat "$DEV_A" | grep -q "tidak ada yang berubah" || fail "registering again changes nothing"
out=$(hub hub daftar --sekolah $NPSN_B --kunci-perangkat "$DEV_A" 2>&1) && fail "one device key registered for two schools"
echo "$out" | grep -q "sudah terdaftar untuk sekolah $NPSN_A" || fail "a key used by another school: $out"
hub hub daftar --sekolah $NPSN_B --kunci-perangkat "$DEV_B" >/dev/null || fail "hub daftar B"
out=$(kin hub daftar --sekolah $NPSN_B --kunci-perangkat "$DEV_B" 2>&1) && fail "a school registered a school"
echo "$out" | grep -q "Sekolah didaftarkan di kantor atau hub Dinas.*bukan di kinerjad sekolah.*\[method\]" || fail "registration at a school: $out"
ok "the Dinas registers both schools at the hub; one key serves one school"

# ---- work at school A: people, the fixture catalog, the period, plans ----
echo "kepsek-pass" | kin user add --name "Dewi Lestari" --role kepala_sekolah --nip $DEWI >/dev/null || fail "add Dewi"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI --jenis-ptk "Guru Kelas" >/dev/null || fail "add Budi"
echo "guru-pass-2" | kin user add --name "Rina Wulandari" --role guru --nip $RINA --jenis-ptk "Guru Kelas" >/dev/null || fail "add Rina"
kin catalog add "$(dirname "$0")/../data/catalog-ks-fixture.json" >/dev/null || fail "catalog add"
FIX=$(kin --json catalog list | jget catalogs.0.version)
as $DEWI kepsek-pass
kin periode buka --catalog "$FIX" >/dev/null || fail "periode buka"
plan() { # who pass
	as "$1" "$2"
	kin identitas konfirmasi >/dev/null || fail "identitas konfirmasi"
	kin rencana simpan --sub keteraturan_suasana_kelas --rhk 1:2 --rhk 3:1 --perilaku berorientasi_pelayanan:1 \
	    --perilaku akuntabel:1 --perilaku kompeten:1 --perilaku harmonis:1 --perilaku loyal:1 --perilaku adaptif:1 \
	    --perilaku kolaboratif:1 --rangkuman "Rencana semester." >"$T/out" || fail "simpan: $(cat "$T/out")"
	kin rencana ajukan >"$T/out" || fail "ajukan: $(cat "$T/out")"
}
plan $BUDI guru-pass-1
plan $DEWI kepsek-pass
kin sync now >"$T/out" || fail "sync now A: $(cat "$T/out")"
grep -q "Sinkronisasi dengan hub selesai" "$T/out" || fail "sync now says it is done: $(cat "$T/out")"
grep -q "Sekolah dan hub sama" "$T/out" || fail "A and the hub converged: $(cat "$T/out")"
[ "$(school_fp kin)" = "$(hub_fp $NPSN_A)" ] || fail "A's fingerprint differs at the hub: $(school_fp kin) / $(hub_fp $NPSN_A)"
kin sync status >"$T/out"
grep -q "Menunggu dikirim:    0 catatan" "$T/out" || fail "nothing waits after the sync: $(cat "$T/out")"
grep -q "Tanda terima hub:" "$T/out" || fail "the last receipt is shown: $(cat "$T/out")"
ok "school A's people, catalog, period and two submitted plans reach the hub ($(school_fp kin | cut -d' ' -f2) records)"

# ---- the Dinas acts at the hub; the act reaches the school; the Pengawas judges the principal's plan at the hub ----
hub dinas tugaskan --sekolah $NPSN_A --peran pengawas --nip $PENGAWAS --mulai 2020-01-01 >"$T/out" ||
    fail "assign the Pengawas at the hub: $(cat "$T/out")"
echo "pengawas-pass" | hub login $PENGAWAS >/dev/null || fail "Pengawas login at the hub"
hub rencana inbox --sekolah $NPSN_A >"$T/out" || fail "the Pengawas's inbox: $(cat "$T/out")"
grep -q "Dewi Lestari" "$T/out" || fail "the principal's plan reached the hub: $(cat "$T/out")"
hub rencana setujui --sekolah $NPSN_A --teacher $DEWI >"$T/out" || fail "the Pengawas approves at the hub: $(cat "$T/out")"
echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login"
as $OPA operator-pass
kin sync now >"$T/out" || fail "sync now A 2: $(cat "$T/out")"
grep -q "Diterima dari hub: 2 catatan" "$T/out" || fail "the assignment and the approval come down: $(cat "$T/out")"
[ "$(school_fp kin)" = "$(hub_fp $NPSN_A)" ] || fail "A differs from the hub after the pull"
kin penugasan | grep -q "Hendra Wijaya *Pengawas Sekolah" || fail "the school sees the Dinas's assignment"
as $DEWI kepsek-pass
kin rencana lihat | grep -q "Hendra Wijaya" || fail "Dewi's plan shows the Pengawas's approval"
kin rencana sepakati >/dev/null || fail "Dewi agrees"
as $OPA operator-pass
ok "an assignment made at the hub and the Pengawas's approval there reach the school; her plan reached the hub"

# ---- random work on both schools and at the hub, several syncs, then convergence ----
seed=${SYNC_SEED:-$$}
i=0
while [ $i -lt 12 ]; do
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	case $((seed % 5)) in
	0) echo "guru-pass-x$i" | kin user add --name "Guru A$i" --role guru --nuptk "30000000000000$((10 + i))" \
	    --status NON_ASN >/dev/null || fail "add a teacher at A" ;;
	1) echo "guru-pass-y$i" | sb user add --name "Guru B$i" --role guru --nuptk "40000000000000$((10 + i))" \
	    --status NON_ASN >/dev/null || fail "add a teacher at B" ;;
	2) kin sync now >/dev/null || fail "sync A in the mix" ;;
	3) sb sync now >/dev/null || fail "sync B in the mix" ;;
	4) hub dinas tugaskan --sekolah $NPSN_A --peran pengawas --nip $PENGAWAS --mulai "2020-01-0$((i % 9 + 1))" \
	    >/dev/null || fail "a new version of the assignment at the hub" ;;
	esac
	i=$((i + 1))
done
as $DEWI kepsek-pass
kin rencana lihat >/dev/null || fail "Dewi's view"
as $OPA operator-pass
for s in kin sb kin sb; do $s sync now >/dev/null || fail "final sync $s"; done
[ "$(school_fp kin)" = "$(hub_fp $NPSN_A)" ] || fail "A did not converge: $(school_fp kin) / $(hub_fp $NPSN_A)"
[ "$(school_fp sb)" = "$(hub_fp $NPSN_B)" ] || fail "B did not converge: $(school_fp sb) / $(hub_fp $NPSN_B)"
[ "$(hub_fp $NPSN_A)" != "$(hub_fp $NPSN_B)" ] || fail "two schools, one set"
ok "after random work on both schools and at the hub (seed $seed), both schools and the hub hold the same records"

# ---- a second sync with nothing new moves nothing: one round trip, a few hundred bytes ----
before=$(school_fp kin)
kin --json sync now >"$T/now.json" || fail "no-change sync"
rt=$(jget round_trips <"$T/now.json")
bytes=$(( $(jget bytes_sent <"$T/now.json") + $(jget bytes_received <"$T/now.json") ))
[ "$(jget pushed <"$T/now.json")" = 0 ] && [ "$(jget pulled <"$T/now.json")" = 0 ] || fail "a no-change sync moved records"
[ "$rt" -le 2 ] || fail "a no-change sync took $rt round trips"
[ "$bytes" -le 2048 ] || fail "a no-change sync took $bytes bytes"
[ "$(school_fp kin)" = "$before" ] && [ "$(hub_fp $NPSN_A)" = "$before" ] || fail "a no-change sync changed the counts"
echo "# no-change sync: $rt round trip(s), $bytes bytes after the handshake ($(jget handshake_bytes <"$T/now.json") in it), $(jget count <"$T/now.json") records"
ok "a sync with no change: $rt round trip and $bytes bytes after the handshake"

# ---- a catalog version the Dinas adds at the hub for A, signed with its authority key, reaches A ----
sed 's/"name": "test-fixture-ks"/"name": "test-fixture-ks-dinas"/' "$(dirname "$0")/../data/catalog-ks-fixture.json" >"$T/cat-dinas.json"
hub catalog add "$T/cat-dinas.json" --sekolah $NPSN_A >"$T/out" || fail "catalog add at the hub for A: $(cat "$T/out")"
kin catalog list | grep -q "test-fixture-ks-dinas" && fail "the Dinas's catalog at A before a sync"
kin sync now >"$T/out" || fail "sync after the hub's catalog: $(cat "$T/out")"
kin catalog list | grep -q "test-fixture-ks-dinas" || fail "the Dinas's catalog did not reach A: $(kin catalog list)"
[ "$(school_fp kin)" = "$(hub_fp $NPSN_A)" ] || fail "A differs from the hub after the Dinas's catalog"
ok "a catalog version the Dinas adds at the hub for A (signed with its authority key) reaches A with its next sync"

# ---- one catalog version for every school the office registered (--semua): a line each, again is harmless ----
sed 's/"name": "test-fixture-ks"/"name": "test-fixture-ks-semua"/' "$(dirname "$0")/../data/catalog-ks-fixture.json" >"$T/cat-all.json"
hub catalog add "$T/cat-all.json" --semua --sekolah $NPSN_A >"$T/out" 2>&1 && fail "--semua with --sekolah was taken"
grep -q "tidak keduanya" "$T/out" || fail "--semua with --sekolah: the reason: $(cat "$T/out")"
hub catalog add "$T/cat-all.json" --semua >"$T/out" 2>&1 || fail "catalog add --semua: $(cat "$T/out")"
grep -q "^  $NPSN_A  ditambahkan" "$T/out" && grep -q "^  $NPSN_B  ditambahkan" "$T/out" ||
    fail "catalog add --semua adds the version for A and B: $(cat "$T/out")"
grep -q "ditambahkan untuk 2 sekolah, sudah ada di 0, gagal 0" "$T/out" || fail "catalog add --semua counts: $(cat "$T/out")"
hub --json catalog add "$T/cat-all.json" --semua >"$T/all.json" 2>&1 || fail "catalog add --semua again: $(cat "$T/all.json")"
[ "$(jget already <"$T/all.json")" = 2 ] && [ "$(jget added <"$T/all.json")" = 0 ] && [ "$(jget failed <"$T/all.json")" = 0 ] ||
    fail "catalog add --semua again passes over both: $(cat "$T/all.json")"
[ "$(jget schools.0.result <"$T/all.json")" = already ] || fail "--json names each school's result: $(cat "$T/all.json")"
kin sync now >/dev/null && sb sync now >/dev/null || fail "sync A and B after the catalog for all"
kin catalog list | grep -q "test-fixture-ks-semua" || fail "the catalog for all did not reach A: $(kin catalog list)"
sb catalog list | grep -q "test-fixture-ks-semua" || fail "the catalog for all did not reach B: $(sb catalog list)"
[ "$(school_fp kin)" = "$(hub_fp $NPSN_A)" ] && [ "$(school_fp sb)" = "$(hub_fp $NPSN_B)" ] ||
    fail "A or B differs from the hub after the catalog for all"
ok "catalog add --semua at the office: one version for every school it registered, a line each; again passes over them"

# ---- security: a push with forged and out-of-scope records: those refused and reported, the good ones stored ----
echo "guru-pass-z" | kin user add --name "Guru Baru" --role guru --nuptk 3000000000000099 --status NON_ASN >/dev/null ||
    fail "a new teacher at A"
kin record export "$T/a.rec" >/dev/null || fail "export A"
sb record export "$T/b.rec" >/dev/null || fail "export B"
[ "$("$T/forge" "$T/a.rec" "$T/forged.rec" skp)" -gt 0 ] || fail "forge"
count_before=$(hub_fp $NPSN_A | cut -d' ' -f2)
"$T/pushtool" "127.0.0.1:$PORT" "$HUBKEY" "$T/device.key" $NPSN_A "$T/a.rec" "$T/forged.rec" "$T/b.rec" -x "$T/a.rec" \
    >"$T/out" 2>&1 || fail "pushtool: $(cat "$T/out")"
grep -q "^receipt stored 1 " "$T/out" || fail "the good new record is stored: $(head -3 "$T/out")"
grep -q "^refused .* denied .*bukan sekolah $NPSN_A" "$T/out" || fail "B's records are out of scope: $(head -5 "$T/out")"
grep -q "^refused .* bad_signature " "$T/out" || fail "a flipped signature is refused: $(grep refused "$T/out" | head -3)"
grep -v "bukan sekolah\|bad_signature" "$T/out" | grep -q "^refused .* denied " || fail "the forged SKP acts are refused: $(cat "$T/out")"
grep -q "refused by the rules" "$T/hub.log" || fail "the hub logs the refusals"
[ "$(hub_fp $NPSN_A | cut -d' ' -f2)" = $((count_before + 1)) ] || fail "only the good record joined the hub's set"
[ "$(hub_field $NPSN_A refused)" -gt 0 ] || fail "hub sekolah counts the refusals"
kin sync now >"$T/out" || fail "sync A after the hostile push: $(cat "$T/out")"
grep -q "Sekolah dan hub sama" "$T/out" || fail "A still converges: $(cat "$T/out")"
ok "forged, tampered and out-of-scope records in a push are refused with their reason; the good one is stored"

# ---- security: an approval signed by someone who is not the atasan, pushed over the wire ----
# Dewi, the Kepala Sekolah and so Budi's atasan, approves his plan at A, and the approval reaches the
# hub. Then the same approval, every field kept, is re-signed with the real keys of people enrolled
# or posted at A who are not Budi's atasan: Rina, a teacher of A (her enrollment named as its
# standing), and Hendra, the Pengawas the Dinas posted to A (his assignment named): the atasan of
# principals, not of teachers. Their keys come out of the stores, unsealed with their passphrases.
# One push carries both and a good new record: the good one is stored, each forgery refused with
# its reason (which rule refuses it: the right of a teacher on another's SKP, the atasan on the day).
as $DEWI kepsek-pass
kin rencana setujui --teacher $BUDI >"$T/out" 2>&1 || fail "Dewi approves Budi's plan: $(cat "$T/out")"
as $OPA operator-pass
kin sync now >"$T/out" || fail "sync of the approval: $(cat "$T/out")"
grep -q "Sekolah dan hub sama" "$T/out" || fail "the approval reached the hub: $(cat "$T/out")"
echo "guru-pass-w" | kin user add --name "Guru Lain" --role guru --nuptk 3000000000000098 --status NON_ASN >/dev/null ||
    fail "another new teacher at A"
kin record export "$T/a2.rec" >/dev/null || fail "export A again"
kin --json user list >"$T/ul.json" || fail "user list"
n=0
until [ "$(jget "users.$n.nip" <"$T/ul.json")" = $BUDI ]; do n=$((n + 1)); [ $n -gt 100 ] && fail "Budi not in the user list"; done
BUDI_KEY=$(jget "users.$n.key" <"$T/ul.json")
echo guru-pass-2 | "$T/unseal" "$T/store" "$NPSN_A/$RINA" "$T/rina.seed" >/dev/null || fail "unseal Rina's key"
echo pengawas-pass | "$T/unseal" "$T/hub" "$OFFICE/$PENGAWAS" "$T/hendra.seed" >/dev/null ||
    fail "unseal the Pengawas's key at the hub"
out=$(echo wrong-pass | "$T/unseal" "$T/store" "$NPSN_A/$RINA" "$T/x.seed" 2>&1) && fail "unsealed with a wrong passphrase"
echo "$out" | grep -q "cannot unseal" || fail "a wrong passphrase: $out"
[ "$("$T/forge" "$T/a2.rec" "$T/by-rina.rec" skp -k "$T/rina.seed" -s "$BUDI_KEY" -w action=setujui)" = 1 ] ||
    fail "forge Dewi's approval as Rina"
[ "$("$T/forge" "$T/a2.rec" "$T/by-hendra.rec" skp -k "$T/hendra.seed" -s "$BUDI_KEY" -w action=setujui)" = 1 ] ||
    fail "forge Dewi's approval as the Pengawas"
count_before=$(hub_fp $NPSN_A | cut -d' ' -f2)
refused_before=$(hub_field $NPSN_A refused)
"$T/pushtool" "127.0.0.1:$PORT" "$HUBKEY" "$T/device.key" $NPSN_A "$T/a2.rec" "$T/by-rina.rec" "$T/by-hendra.rec" \
    >"$T/out" 2>&1 || fail "pushtool: $(cat "$T/out")"
grep -q "^receipt stored 1 .* refused 2$" "$T/out" || fail "the good new record stored, two refused: $(head -3 "$T/out")"
grep -q "^refused [0-9]* denied Hanya pemilik SKP atau atasannya (Kepala Sekolah) yang bertindak atas SKP itu\.$" "$T/out" ||
    fail "the approval signed by a teacher is refused with its reason: $(cat "$T/out")"
grep -q "^refused [0-9]* denied Hanya atasan (Pejabat Penilai) pegawai ini yang dapat melakukan Setujui, dan Anda bukan atasannya" \
    "$T/out" || fail "the approval signed by the Pengawas is refused with its reason: $(cat "$T/out")"
[ "$(hub_fp $NPSN_A | cut -d' ' -f2)" = $((count_before + 1)) ] || fail "only the good record joined the hub's set"
[ "$(hub_field $NPSN_A refused)" = $((refused_before + 2)) ] || fail "hub sekolah counts the two refusals"
kin sync now >"$T/out" || fail "sync A after the forged approvals: $(cat "$T/out")"
grep -q "Sekolah dan hub sama" "$T/out" || fail "A still converges: $(cat "$T/out")"
grep -q "Diterima dari hub: 0 catatan" "$T/out" || fail "nothing forged came down to A: $(cat "$T/out")"
ok "an approval re-signed by a teacher, or by the Pengawas, who is not the atasan is refused with its reason; the good record is stored"

# ---- a school that never lets a reconciliation end: the hub answers a bounded number of rounds, then refuses ----
PUSHTOOL_RECON=200 "$T/pushtool" "127.0.0.1:$PORT" "$HUBKEY" "$T/device.key" $NPSN_A "$T/a.rec" >"$T/out" 2>&1 &&
    fail "200 reconciliation rounds were all answered: $(tail -3 "$T/out")"
grep -q "^recon answered 128$" "$T/out" || fail "the hub answers 128 rounds: $(tail -3 "$T/out")"
grep -q "^error .*SYNC_PROTOKOL" "$T/out" || fail "then refuses with its reason: $(tail -3 "$T/out")"
kin sync now >"$T/out" || fail "sync A after the endless reconciliation: $(cat "$T/out")"
ok "a reconciliation that never ends is cut by the hub after 128 rounds"

# ---- a school claiming another's NPSN; a revoked school ----
start_named c $SYNC
CPID=$LASTPID
echo "operator-pass-c" | sc school init --npsn $NPSN_A --name "SD Palsu" --operator-name "Palsu" --operator-nuptk $OPC \
    >/dev/null || fail "school C init"
echo operator-pass-c | sc login $OPC >/dev/null || fail "login C"
out=$(sc sync now 2>&1) && fail "a stranger claiming A's NPSN synced"
echo "$out" | grep -q "Sekolah $NPSN_A terdaftar di hub dengan kunci perangkat lain" || fail "stranger with A's NPSN: $out"
hub hub daftar --sekolah $NPSN_C --kunci-perangkat "$(sc --json status | jget device_key)" >/dev/null || fail "register C"
out=$(sc sync now 2>&1) && fail "a school claiming another's NPSN synced"
echo "$out" | grep -q "terdaftar di hub untuk sekolah $NPSN_C, bukan sekolah $NPSN_A" || fail "C claims A's NPSN: $out"
hub_field $NPSN_C error.message | grep -q "bukan sekolah $NPSN_A" || fail "the hub shows C's claim: $(hub_field $NPSN_C error.message)"
[ "$(school_fp kin)" = "$(hub_fp $NPSN_A)" ] || fail "A's records at the hub were touched by the claim"
ok "a school claiming another's NPSN is refused with the reason, at the school and at the hub"

hub hub cabut --sekolah $NPSN_B >"$T/out" || fail "hub cabut: $(cat "$T/out")"
grep -q "dicabut" "$T/out" || fail "cabut says so: $(cat "$T/out")"
out=$(sb sync now 2>&1) && fail "a revoked school synced"
echo "$out" | grep -q "Kunci perangkat sekolah $NPSN_B sudah dicabut oleh Dinas" || fail "revoked: $out"
[ "$(hub_field $NPSN_B revoked)" = true ] || fail "hub sekolah shows B revoked"
hub_field $NPSN_B error.message | grep -q "dicabut" || fail "the hub shows the revoked school's attempt"
out=$(hub hub cabut --sekolah $NPSN_B 2>&1) && fail "revoked twice"
hub hub daftar --sekolah $NPSN_B --kunci-perangkat "$DEV_B" >/dev/null || fail "register B again"
sb sync now >/dev/null || fail "B syncs again once registered again"
ok "a revoked school is refused with the reason on both sides, and syncs again once registered again"

# ---- a school killed in the middle of a sync loses and duplicates nothing ----
# The hub waits 1.5 s before each receipt (sync.test_delay_ms, tests only) and A pushes 2 records at a
# time: A is killed while the hub holds a batch whose receipt A never got.
stop_pid "$HPID"
HPID=
start_hub --set sync.test_delay_ms=1500
echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login after restart"
j=0
while [ $j -lt 6 ]; do
	echo "guru-pass-k$j" | kin user add --name "Guru K$j" --role guru --nuptk "50000000000000$((10 + j))" --status NON_ASN \
	    >/dev/null || fail "add teacher K$j"
	j=$((j + 1))
done
pushes=$(grep -c "sync: school $NPSN_A: push of" "$T/hub.log")
kin sync now >/dev/null 2>&1 &
SYNCPID=$!
i=0
until [ "$(grep -c "sync: school $NPSN_A: push of" "$T/hub.log")" -ge $((pushes + 2)) ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "the sync did not get to its second push"
	sleep 0.05
done
sleep 0.2
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DPID=
wait $SYNCPID 2>/dev/null
mid=$(hub_fp $NPSN_A | cut -d' ' -f2)
# the hub's view of what waits at A, as the cut session left it (A's hello counted them; few came)
[ "$(hub_field $NPSN_A records_waiting)" -gt 0 ] || fail "hub sekolah shows no records waiting at A after the cut"
stop_pid "$HPID"
HPID=
start_hub
echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login after restart"
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.batch_records=2
as $OPA operator-pass
first_sync
[ "$(jget last.fp_match <"$T/now.json")" = true ] || fail "not converged after the kill: $(cat "$T/now.json")"
[ "$(jget last.present <"$T/now.json")" -ge 2 ] || fail "the batch the hub held came again as present: $(cat "$T/now.json")"
[ "$(( $(jget last.stored <"$T/now.json") + $(jget last.present <"$T/now.json") ))" = "$(jget last.pushed <"$T/now.json")" ] ||
    fail "every record sent is stored or present: $(cat "$T/now.json")"
kin sync now >/dev/null || fail "sync now after the restart"
[ "$(school_fp kin)" = "$(hub_fp $NPSN_A)" ] || fail "A differs from the hub after the kill"
[ "$(hub_field $NPSN_A records_waiting)" = 0 ] || fail "records still waiting at A after it synced: $(hub_field $NPSN_A records_waiting)"
[ "$(jget last.window_max <"$T/now.json")" -ge 2 ] ||
    fail "the pushes after the restart went one receipt at a time (sync.push_window 64): $(cat "$T/now.json")"
echo "# killed with $mid of $(school_fp kin | cut -d' ' -f2) records at the hub; then $(jget last.pushed <"$T/now.json") sent: $(jget last.stored <"$T/now.json") stored, $(jget last.present <"$T/now.json") present"
ok "a school killed in the middle of a sync: nothing lost, nothing twice (what the hub had comes back as present)"

# ---- divergence without a checkpoint: a school restored from a backup, then a hub restored from one ----
stop_daemon || fail "stop A for its backup"
cp -a "$T/store" "$T/store.bak"
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.batch_records=2
as $OPA operator-pass
for j in 1 2 3; do
	echo "guru-pass-r$j" | kin user add --name "Guru R$j" --role guru --nuptk "600000000000001$j" --status NON_ASN \
	    >/dev/null || fail "add teacher R$j"
done
kin sync now >/dev/null || fail "sync before the restore"
stop_daemon || fail "stop A to restore"
rm -rf "$T/store"
mv "$T/store.bak" "$T/store"
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.batch_records=2
as $OPA operator-pass
first_sync
[ "$(jget last.reconciled <"$T/now.json")" = true ] || fail "the restored school reconciles: $(cat "$T/now.json")"
[ "$(jget last.pulled <"$T/now.json")" = 3 ] || fail "the three records the backup lacked come back: $(cat "$T/now.json")"
[ "$(jget last.fp_match <"$T/now.json")" = true ] || fail "converged after the restore"
kin user list | grep -q "Guru R3" || fail "the restored school has its teacher back"
ok "a school restored from a backup gets back what it lost, by reconciliation ($(jget last.round_trips <"$T/now.json") round trips)"

stop_pid "$HPID"
HPID=
cp -a "$T/hub" "$T/hub.bak"
start_hub
echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login after restart"
for j in 4 5; do
	echo "guru-pass-r$j" | kin user add --name "Guru R$j" --role guru --nuptk "600000000000001$j" --status NON_ASN \
	    >/dev/null || fail "add teacher R$j"
done
kin sync now >/dev/null || fail "sync before the hub's restore"
hub dinas tugaskan --sekolah $NPSN_A --peran pengawas --nip $PENGAWAS --mulai 2021-01-01 >/dev/null || fail "an act at the hub"
kin sync now >/dev/null || fail "sync of the act"
stop_pid "$HPID"
HPID=
rm -rf "$T/hub"
mv "$T/hub.bak" "$T/hub"
start_hub
echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login after its restore"
hub dinas tugaskan --sekolah $NPSN_A --peran pengawas --nip $PENGAWAS --mulai 2022-01-01 >/dev/null || fail "a new act at the restored hub"
kin --json sync now >"$T/now.json" || fail "sync with the restored hub: $(cat "$T/now.json")"
[ "$(jget reconciled <"$T/now.json")" = true ] || fail "the restored hub reconciles: $(cat "$T/now.json")"
[ "$(jget fp_match <"$T/now.json")" = true ] || fail "converged with the restored hub: $(cat "$T/now.json")"
[ "$(school_fp kin)" = "$(hub_fp $NPSN_A)" ] || fail "A differs from the restored hub"
kin penugasan | grep -q "2022-01-01" || fail "the act made at the restored hub reaches the school"
ok "a hub restored from a backup gets back what it lost and still delivers its new acts"

# ---- the link returns: the school notices by a bare TCP probe, long before its next backoff attempt ----
stop_daemon || fail "stop A before the outage"
stop_pid "$HPID"
HPID=
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.retry_min_s=600 --set sync.probe_s=1
as $OPA operator-pass
i=0
until [ "$(kin --json sync status | jget fails)" -ge 1 ] 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "the school did not notice the hub was gone"
	sleep 0.1
done
kin --json sync status >"$T/down.json"
next=$(jget next_ms <"$T/down.json")
sleep 2
[ "$(kin --json sync status | jget probes)" -ge 1 ] || fail "no probe while the hub was down"
up=$(date +%s%3N)
start_hub
echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login after the outage"
i=0
until [ "$(kin --json sync status | jget last_ok_ms)" -ge "$up" ] 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 300 ] && fail "the school did not sync when the hub came back: $(kin --json sync status)"
	sleep 0.1
done
kin --json sync status >"$T/up.json"
[ "$(jget last_ok_ms <"$T/up.json")" -lt "$next" ] || fail "the sync waited for the backoff ($next), not the probe"
[ "$(jget probe_wakes <"$T/up.json")" -ge 1 ] || fail "no probe started the sync: $(cat "$T/up.json")"
ok "the hub back after an outage: a probe (sync.probe_s) starts the sync at once, not at the backoff's next try (5-10 min away)"

for c in "sync status" "sync now" "hub daftar" "hub cabut" "hub sekolah"; do
	# shellcheck disable=SC2086 # the command's words
	kin $c --help >"$T/help" || fail "$c --help"
	grep -q "Usage: kinerja .*$c" "$T/help" || fail "$c --help usage"
done
# the English names the issue gave them still work
hub --json hub schools >"$T/hs-en.json" || fail "hub schools (the English alias of hub sekolah)"
en=$(jget schools.0.npsn <"$T/hs-en.json")
[ ${#en} = 8 ] && [ "$en" = "$(hub --json hub sekolah | jget schools.0.npsn)" ] || fail "hub schools differs from hub sekolah: $en"
ok "--help on every sync and hub command; hub schools/register/revoke are aliases"
stop_daemon || fail "school A stop"
