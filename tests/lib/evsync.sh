# evsync.sh - what the evidence-sync end-to-end tests share (sourced after
# daemon.sh by tests/e2e/sync_evidence*.sh and tests/faults/bad_link.sh): jsoncheck, the fault proxy,
# the people and schools they use, mkpdf, and starting and stopping the
# hub, school B, the proxy and a fake hub (FHPID) they run beside school A:
# start_hub, hub_office, start_proxy, start_school_b, init_schools below.
JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/../e2e/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
FP=$B/tests/tools/faultproxy
[ -x "$FP" ] || fail "no $FP (make tools)"
jget() { "$JC" "$1"; }

NPSN_A=20100001
NPSN_B=20100002
OFFICE=30100000
OPD=197001011995031002
OPA=1234567890123456
OPB=1234567890123457
BUDI=198501012010011001
WATI=198601012010012002
P=2026-1

# A PDF of about $2 random bytes (incompressible, like a scan): mkpdf FILE BYTES TAG
mkpdf() {
	{ printf '%%PDF-1.4\n%% Kinerja test %s\n' "$3"
	  head -c "$2" /dev/urandom
	  printf '\n%%%%EOF\n'; } >"$1"
}

HPID=
BPID=
XPID=
FHPID=
trap 'stop_pid "$FHPID"; stop_pid "$XPID"; stop_pid "$BPID"; stop_pid "$HPID"; stop_daemon >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

hub() { KINERJA_SESSION=$T/hub-session "$B/kinerja" --socket "$T/hub.sock" "$@"; }
sb() { KINERJA_SESSION=$T/b-session "$B/kinerja" --socket "$T/b.sock" "$@"; }

# The hub daemon on $LISTEN (default 127.0.0.1:0): start_hub [--set NAME=VALUE ...]
start_hub() {
	"$B/kinerjad" --socket "$T/hub.sock" --store "$T/hub" --set keys.device_key="$T/hub-device.key" \
	    --set evidence.dir="$T/hub-ev/own.git" --set evidence.staging_dir="$T/hub-uploads" \
	    --set keys.pwhash=min --set daemon.role=hub --set sync.listen="${LISTEN:-127.0.0.1:0}" \
	    --set sync.timeout_s=5 "$@" --log-level debug >>"$T/hub.log" 2>&1 &
	HPID=$!
	wait_up "$T/hub.sock" $HPID "$T/hub.log"
}

# The Dinas at the hub (its key in $T/dinas.key), its operator logged in; PORT and HUBKEY set
hub_office() {
	echo "dinas-op-pass" | hub dinas init --kode $OFFICE --nama "Dinas Pendidikan Kabupaten Contoh" \
	    --operator-name "Rudi Hartono" --operator-nip $OPD >/dev/null || fail "dinas init at the hub"
	hub dinas kunci --out "$T/dinas.key" >/dev/null || fail "dinas kunci"
	echo dinas-op-pass | hub login $OPD >/dev/null || fail "hub login"
	hub --json status >"$T/hub.json"
	PORT=$(jget sync.listen_port <"$T/hub.json") || fail "hub port"
	HUBKEY=$(jget device_key <"$T/hub.json")
}

# The fault proxy in front of the hub: start_proxy LISTEN-PORT PROXY-ARGS...; XPID and XPORT set
start_proxy() {
	p=$1
	shift
	rm -f "$T/fp.out"
	"$FP" --listen "127.0.0.1:$p" --connect "127.0.0.1:$PORT" "$@" >"$T/fp.out" 2>>"$T/fp.log" &
	XPID=$!
	i=0
	until [ -s "$T/fp.out" ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "proxy did not start"; sleep 0.05; done
	XPORT=$(head -1 "$T/fp.out")
}

# School B's daemon, syncing with HOST:PORT and the options in $SYNC: start_school_b HOST:PORT
start_school_b() {
	# shellcheck disable=SC2086
	"$B/kinerjad" --socket "$T/b.sock" --store "$T/b" --set keys.device_key="$T/b-device.key" \
	    --set evidence.dir="$T/b-evidence.git" --set evidence.staging_dir="$T/b-uploads" \
	    --set keys.pwhash=min $SYNC --set sync.hub="$1" --log-level debug >>"$T/b.log" 2>&1 &
	BPID=$!
	wait_up "$T/b.sock" $BPID "$T/b.log"
}

# Schools A and B made under the Dinas's key, their operators logged in
init_schools() {
	echo "operator-pass" | kin school init --npsn $NPSN_A --name "SD Negeri 1 Contoh" --operator-name "Siti Aminah" \
	    --operator-nuptk $OPA --authority-key "$T/dinas.key" >/dev/null || fail "school A init"
	echo "operator-pass-b" | sb school init --npsn $NPSN_B --name "SD Negeri 2 Contoh" --operator-name "Wati" \
	    --operator-nuptk $OPB --authority-key "$T/dinas.key" >/dev/null || fail "school B init"
	echo operator-pass | kin login $OPA >/dev/null || fail "login A"
	echo operator-pass-b | sb login $OPB >/dev/null || fail "login B"
}
