#!/bin/sh
# Sync over a bad link (issue 9, "Faults"), bounded by FAULT_SECONDS
# (default 240) for both scenarios together; SEED (default: from the clock)
# seeds every proxy and is printed first and on failure.
#  1. school A reaches the hub through faultproxy with 1 s one-way delay at
#     256 kbit/s and a cut at a random moment of every connection; it has
#     users, a plan and two evidence PDFs (~300 KB together). `kinerja sync
#     now` is repeated (a cut makes it fail: expected) until A and the hub
#     agree (fingerprint and record count) and the hub verified the files.
#     Evidence bytes sent overall stay within 1.5 x the pack, plus the
#     window (128 KiB) for each cut: what may be in flight when it comes.
#  2. school B sends a ~2 MB pack, no delay, every connection cut after a
#     random 500-900 KB up: it converges with at most 1.2 x the pack sent
#     (plus the window a cut). A cut in the middle of a pack, after the
#     hub held some of it, must be followed by a resumed pack.
# Both: counts equal, the hub's per-school repository has the commits and
# refs, `git fsck` clean, no .part left, the hub's .part never shrinks.
. "$(dirname "$0")/../lib/daemon.sh"

SEED=${SEED:-$(( $(date +%s) % 100000 ))}
LIMIT=${FAULT_SECONDS:-240}
echo "# bad_link: SEED=$SEED FAULT_SECONDS=$LIMIT"
START=$(date +%s)
fail() {
	echo "FAIL: $* (SEED=$SEED; rerun: SEED=$SEED make check-faults)" >&2
	[ -f "$T/daemon.log" ] && tail -20 "$T/daemon.log" >&2
	exit 1
}
# `make check-faults` ends the run with SIGTERM at the bound: say so, with the seed, and clean up
trap 'fail "stopped at the time bound of $LIMIT s"' TERM INT
left() { echo $(( LIMIT - ($(date +%s) - START) )); }

. "$(dirname "$0")/../lib/evsync.sh"
DEWI=198201012008012003

HPID=
BPID=
XPID=
YPID=
trap 'stop_pid "$XPID"; stop_pid "$YPID"; stop_pid "$BPID"; stop_pid "$HPID"; stop_daemon >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
proxy() { # out log args...: start faultproxy, print its port
	out=$1; log=$2; shift 2
	"$FP" --listen 127.0.0.1:0 --connect "127.0.0.1:$PORT" --seed "$SEED" "$@" >"$out" 2>"$log" &
	ppid=$!
	i=0
	until [ -s "$out" ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "proxy did not start"; sleep 0.05; done
}

start_hub --set sync.timeout_s=30
as() { echo "$2" | kin login "$1" >/dev/null || fail "login $1"; }
hub_office

# A: 1 s each way, 256 kbit/s each way, a 48 KiB queue at the bottleneck, every connection cut at a random moment 10-30 s after it opened
proxy "$T/fpa.out" "$T/fpa.log" --delay-ms 1000 --rate-kbit 256 --buffer-kb 48 --cut-random-ms 10000:30000 --cut-every
XPID=$ppid
XPORT=$(head -1 "$T/fpa.out")
# B: no delay, every connection cut after a random 500-900 KB up
proxy "$T/fpb.out" "$T/fpb.log" --up-cut-random-bytes 500000:900000 --cut-every
YPID=$ppid
YPORT=$(head -1 "$T/fpb.out")
SYNC="--set sync.hub_key=$HUBKEY --set sync.interval_s=3600 --set sync.timeout_s=30 --set evidence.max_mb=8"
# shellcheck disable=SC2086
start_daemon $SYNC --set sync.hub=127.0.0.1:$XPORT
start_school_b 127.0.0.1:$YPORT
init_schools
hub hub daftar --sekolah $NPSN_A --kunci-perangkat "$(kin --json status | jget device_key)" >/dev/null || fail "daftar A"
hub hub daftar --sekolah $NPSN_B --kunci-perangkat "$(sb --json status | jget device_key)" >/dev/null || fail "daftar B"

# ---- work at A: people, the catalog, the period, two plans, two PDFs ----
echo "kepsek-pass" | kin user add --name "Dewi Lestari" --role kepala_sekolah --nip $DEWI >/dev/null || fail "add Dewi"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip $BUDI --jenis-ptk "Guru Kelas" >/dev/null || fail "add Budi"
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
as $BUDI guru-pass-1
mkpdf "$T/a1.pdf" 180000 a1
mkpdf "$T/a2.pdf" 120000 a2
kin evidence upload "$T/a1.pdf" --slot persiapan --period $P >/dev/null || fail "upload a1"
kin evidence upload "$T/a2.pdf" --slot observasi --period $P >/dev/null || fail "upload a2"
A_COMMIT=$(git --git-dir="$T/evidence.git" for-each-ref --format='%(objectname)' refs/kinerja/) || fail "A's ref"
[ -n "$A_COMMIT" ] || fail "no evidence ref at A"

ok "A has 2 users, 2 plans, 2 PDFs (~300 KB); $(left) s of $LIMIT left"

hub_field() { # NPSN PATH-in-school-entry
	hub --json hub sekolah >"$T/hs.json" || fail "hub sekolah"; n=0; while :; do
	v=$(jget "schools.$n.npsn" <"$T/hs.json") || { echo "-"; return; }
	[ "$v" = "$1" ] && { jget "schools.$n.$2" <"$T/hs.json"; return; }
	n=$((n + 1)); done; }
school_fp() { "$@" --json sync status >"$T/ss.json" || fail "sync status"; echo "$(jget fp <"$T/ss.json") $(jget count <"$T/ss.json")"; }

# converge NAME CLI NPSN FILES PROXYLOG MAXRATIO(percent) SCHOOLLOG MINCUTS: sync now until equal and verified, then check
converge() {
	name=$1; cli=$2; npsn=$3; files=$4; plog=$5; maxr=$6; slog=$7; mincuts=$8
	inc=$T/hub-ev/hub-evidence/$npsn.incoming
	t0=$(date +%s); n=0; fails=0; last=0; size=0; why=; midcut=0
	while :; do
		[ "$(left)" -gt 0 ] || fail "$name did not converge within $LIMIT s ($n sessions, $fails cut)"
		n=$((n + 1))
		okrun=0
		# bounded: a session cannot outlast the time left
		case $cli in kin) sock=$SOCK sess=$T/session ;; *) sock=$T/b.sock sess=$T/b-session ;; esac
		KINERJA_SESSION=$sess timeout -k 5 "$(left)" "$B/kinerja" --socket "$sock" sync now >"$T/out" 2>&1 && okrun=1
		# the pack's size: offered (moving) after a cut, or completed in this session
		$cli --json sync status >"$T/st.json" || fail "sync status"
		for k in evidence.moving.size last.ev_pack_bytes; do
			ps=$(jget $k <"$T/st.json" 2>/dev/null) || ps=0
			[ "$ps" -gt "$size" ] && size=$ps
		done
		if [ $okrun = 1 ]; then
			hf="$(hub_field "$npsn" fp) $(hub_field "$npsn" records)"
			sf=$(school_fp "$cli")
			ver=$(hub_field "$npsn" evidence_verified)
			wait_=$(hub_field "$npsn" evidence_waiting)
			[ "$sf" = "$hf" ] && [ "$ver" = "$files" ] && [ "$wait_" = 0 ] && break
			why="$why [session $n ok but school $sf, hub $hf, verified $ver, waiting $wait_]"
		else
			fails=$((fails + 1))
		fi
		part=$(find "$inc" -name '*.part' -exec stat -c %s {} \; 2>/dev/null | head -1)
		part=${part:-0}
		# a cut in the middle of the pack, after the hub held some of it: the next session must resume
		[ $okrun = 1 ] || [ "$part" -eq 0 ] || midcut=1
		[ "$part" -ge "$last" ] || [ "$part" -eq 0 ] || fail "$name: the hub's .part shrank: $last -> $part (a restart)"
		last=$part
	done
	t1=$(date +%s)
	cuts=$(grep -c "event=cut " "$plog")
	[ "$cuts" -ge "$mincuts" ] || fail "$name: only $cuts cut(s): the link was not bad enough"
	# a cut in the evidence phase: the next session went on from the hub's acknowledged bytes
	resumed=$(grep -c "school $npsn: evidence pack .* resumes at byte [1-9]" "$T/hub.log")
	# (a cut before the pack or after its last byte leaves nothing to resume: the window made packs quicker)
	[ "$resumed" -ge 1 ] || [ "$midcut" -eq 0 ] || fail "$name: the pack never resumed after a cut in the middle of it"
	$cli --json sync status >"$T/st.json" || fail "sync status"
	total=$(jget evidence.bytes_sent_total <"$T/st.json")
	# the daemon may retry by itself after a cut: the pack's size is in its log
	lsize=$(sed -n 's/.*sync: evidence pack [0-9a-f]* of \([0-9]*\) bytes.*/\1/p' "$slog" | sort -u)
	[ "$(echo "$lsize" | wc -l)" -eq 1 ] || fail "$name: more than one pack was built: $lsize"
	[ "$size" -eq 0 ] || [ "$size" -eq "$lsize" ] || fail "$name: status says a pack of $size bytes, the log $lsize"
	size=$lsize
	[ "${size:-0}" -gt 0 ] || fail "$name: no pack"
	# each cut may cost at most the bytes in flight, the window (sync.ev_window_kb, 128 KiB)
	[ $((total * 100)) -le $((size * maxr + cuts * 131072 * 100)) ] ||
	    fail "$name: sent $total bytes for a pack of $size (> $maxr/100 x + $cuts cuts x 128 KiB)"
	[ "$(jget evidence.receipt.verified <"$T/st.json")" -eq "$files" ] || fail "$name: the receipt verifies $files files"
	[ "$(jget evidence.receipt.waiting <"$T/st.json")" -eq 0 ] || fail "$name: nothing waits after the receipt"
	[ "$(find "$inc" -name '*.part' | wc -l)" -eq 0 ] || fail "$name: a .part is left at the hub"
	[ -z "$why" ] || echo "# $name:$why"
	ok "$name: converged through $cuts cuts ($resumed resumed packs) in $n sessions ($fails failed) in $((t1 - t0)) s; evidence $total bytes sent for a pack of $size ($((total * 1000 / size))/1000, bound $((maxr * 10))/1000 + 128 KiB a cut)"
}
repo_ok() { # NAME NPSN COMMITS
	h=$T/hub-ev/hub-evidence/$2.git
	for c in $3; do
		git --git-dir="$h" cat-file -e "$c^{commit}" || fail "$1: the hub lacks commit $c"
		git --git-dir="$h" for-each-ref --format='%(objectname)' refs/kinerja/ | grep -q "$c" || fail "$1: ref $c at the hub"
	done
	git --git-dir="$h" fsck --strict >"$T/fsck" 2>&1 || fail "$1: git fsck at the hub: $(cat "$T/fsck")"
	ok "$1: the hub's repository holds its commits and refs; git fsck --strict is clean"
}

converge "A (1 s delay, 256 kbit/s, random cuts)" kin $NPSN_A 2 "$T/fpa.log" 150 "$T/daemon.log" 1
sa=$(school_fp kin); ha="$(hub_field $NPSN_A fp) $(hub_field $NPSN_A records)"
[ "$sa" = "$ha" ] || fail "A: fingerprint/count differ: $sa / $ha"
[ "${sa#* }" -ge 6 ] || fail "A: only ${sa#* } records"
repo_ok A $NPSN_A "$A_COMMIT"

# ---- work at B: a teacher and ~2 MB of PDFs ----
echo "guru-pass-b" | sb user add --name "Wati Guru" --role guru --nip $WATI >/dev/null || fail "add Wati"
echo "guru-pass-b" | sb login $WATI >/dev/null || fail "Wati login"
mkpdf "$T/b1.pdf" 1200000 b1
mkpdf "$T/b2.pdf" 800000 b2
sb evidence upload "$T/b1.pdf" --slot persiapan --period $P >/dev/null || fail "upload b1"
sb evidence upload "$T/b2.pdf" --slot refleksi --period $P >/dev/null || fail "upload b2"
B_COMMIT=$(git --git-dir="$T/b-evidence.git" for-each-ref --format='%(objectname)' refs/kinerja/) || fail "B's ref"
[ -n "$B_COMMIT" ] || fail "no evidence ref at B"
ok "B has a teacher and 2 PDFs (~2 MB)"

converge "B (~2 MB cut at many byte offsets)" sb $NPSN_B 2 "$T/fpb.log" 120 "$T/b.log" 2
sbf=$(school_fp sb); hbf="$(hub_field $NPSN_B fp) $(hub_field $NPSN_B records)"
[ "$sbf" = "$hbf" ] || fail "B: fingerprint/count differ: $sbf / $hbf"
repo_ok B $NPSN_B "$B_COMMIT"
for c in $A_COMMIT; do
	git --git-dir="$T/hub-ev/hub-evidence/$NPSN_B.git" cat-file -e "$c" 2>/dev/null && fail "A's commit is in B's repository"
done

# nothing more to do: one more session each through the bad links changes nothing
ok "done in $(( $(date +%s) - START )) s of $LIMIT (SEED=$SEED)"
