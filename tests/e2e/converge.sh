#!/bin/sh
# Convergence of schools and their hub over random work (issue 9): a hub
# and one or two schools on loopback (two or three daemons). Random steps
# on both sides, some at the same moment as a sync running in the
# background: at the schools people enrolled and plans moved along
# (konfirmasi, simpan, ajukan, the principal's setujui, sepakati) through
# the CLI; at the hub the Dinas's acts for each school (a new version of
# the Pengawas's assignment, the period opened by the Dinas); `kinerja sync
# now` at random; daemons restarted at random, or killed (SIGKILL) while
# a sync runs; and a store copied aside and restored later, at a school or
# at the hub, so the restored side has lost records and its checkpoints
# no longer match (only reconciliation repairs that). Then a final round
# of syncs, and for every school: the same fingerprint and count at the
# school and at the hub, its export holding as many records as counted,
# and the same views byte for byte at the school and at the hub (the
# assignments, the period, the principal's plan).
#
# One run per seed, each in its own temporary directory:
#   CONVERGE_SEEDS="1 2 3"   the seeds (default: 3 seeds drawn from the clock)
#   CONVERGE_STEPS=N         random steps per seed (default 24)
#   CONVERGE_SECONDS=S       start no new seed after S seconds (default 45)
#   CONVERGE_BULK=N          then N teachers lost by school a and found again, then lost by the hub (default 0)
# A failing seed is printed with the line that reruns it.
set -u
if [ -z "${CONVERGE_ONE:-}" ]; then
	seeds=${CONVERGE_SEEDS:-}
	if [ -z "$seeds" ]; then
		b=$(( $(date +%s) % 100000 ))
		seeds="$b $((b + 1)) $((b + 2))"
	fi
	start=$(date +%s)
	n=0
	for s in $seeds; do
		if [ $(( $(date +%s) - start )) -ge "${CONVERGE_SECONDS:-45}" ]; then
			echo "# time is up after $n seed(s); not started: seed $s and after"
			break
		fi
		if ! CONVERGE_ONE=$s sh "$0"; then
			echo "FAIL: seed $s; rerun with: CONVERGE_SEEDS=$s KINERJA_BUILD=${KINERJA_BUILD:-build} sh $0" >&2
			exit 1
		fi
		n=$((n + 1))
	done
	echo "ok - $n seed(s) converged ($seeds)"
	exit 0
fi

. "$(dirname "$0")/../lib/daemon.sh"
SEED=$CONVERGE_ONE
STEPS=${CONVERGE_STEPS:-24}
JC=$T/jsoncheck
# shellcheck disable=SC2046 # pkg-config prints flags to split
cc -o "$JC" "$(dirname "$0")/jsoncheck.c" $(pkg-config --cflags --libs jansson) || fail "cannot build jsoncheck"
jget() { "$JC" "$1"; }
# shellcheck disable=SC2046
cc -o "$T/recset" "$(dirname "$0")/recset.c" $(pkg-config --cflags --libs msgpack libsodium) || fail "cannot build recset"

OFFICE=30100000
OPD=197001011995031002
PENGAWAS=196805101990031004
DEWI=197803152005012002
# one school (two daemons) for odd seeds, two schools (three daemons) for even ones
if [ $((SEED % 2)) -eq 0 ]; then SCHOOLS="a b"; else SCHOOLS="a"; fi
npsn_of() { case $1 in a) echo 20100001 ;; b) echo 20100002 ;; esac; }
opnuptk_of() { case $1 in a) echo 1234567890123456 ;; b) echo 1234567890123457 ;; esac; }

rnd=$SEED
# next random number in 0..$1-1
rand() {
	rnd=$(( (rnd * 1103515245 + 12345) % 2147483648 ))
	R=$(( (rnd / 65536) % $1 ))
}
say() { echo "# seed $SEED: $*"; }

# ---- daemons ----
HPID=
PORT=0
start_hub() {
	"$B/kinerjad" --socket "$T/hub.sock" --store "$T/hub" --set keys.device_key="$T/hub-device.key" \
	    --set evidence.dir="$T/hub-evidence.git" --set evidence.staging_dir="$T/hub-uploads" \
	    --set keys.pwhash=min --set daemon.role=hub --set sync.listen="127.0.0.1:$PORT" \
	    --set sync.timeout_s=5 --log-level debug >>"$T/hub.log" 2>&1 &
	HPID=$!
	i=0
	while ! "$B/kinerja" --socket "$T/hub.sock" status >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "hub did not start"
		kill -0 $HPID 2>/dev/null || fail "hub exited at start: $(tail -5 "$T/hub.log")"
		sleep 0.05
	done
}
stop_hub() {
	[ -n "$HPID" ] || return 0
	kill -TERM "$HPID" 2>/dev/null
	wait "$HPID" || fail "the hub did not stop cleanly"
	HPID=
}
pidvar() { echo "PID_$1"; }
start_school() { # s
	s=$1
	"$B/kinerjad" --socket "$T/$s.sock" --store "$T/$s" --set keys.device_key="$T/$s-device.key" \
	    --set evidence.dir="$T/$s-evidence.git" --set evidence.staging_dir="$T/$s-uploads" \
	    --set keys.pwhash=min --set sync.interval_s=3600 --set sync.timeout_s=5 $SYNC \
	    --log-level debug >>"$T/$s.log" 2>&1 &
	eval "PID_$s=$!"
	i=0
	while ! "$B/kinerja" --socket "$T/$s.sock" status >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "school $s did not start"
		eval "kill -0 \$PID_$s" 2>/dev/null || fail "school $s exited at start: $(tail -5 "$T/$s.log")"
		sleep 0.05
	done
}
stop_school() { # s
	eval "p=\${PID_$1:-}"
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	wait "$p" || fail "school $1 did not stop cleanly"
	eval "PID_$1="
}
BG=
wait_bg() { for p in $BG; do wait "$p" || true; done; BG=; }
cleanup() {
	wait_bg
	for s in a b; do eval "p=\${PID_$s:-}"; [ -n "$p" ] && kill -TERM "$p" 2>/dev/null && wait "$p"; done
	[ -n "$HPID" ] && kill -TERM "$HPID" 2>/dev/null && wait "$HPID"
	if [ -n "${KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
fail() {
	echo "FAIL (seed $SEED): $*" >&2
	for f in "$T"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -8 "$f" >&2; }; done
	exit 1
}

hub() { KINERJA_SESSION=$T/hub-session "$B/kinerja" --socket "$T/hub.sock" "$@"; }
at() { s=$1; shift; KINERJA_SESSION=$T/$s-session "$B/kinerja" --socket "$T/$s.sock" "$@"; }
login() { # s who pass
	echo "$3" | at "$1" login "$2" >/dev/null || return 1
}
hub_login() { echo "$2" | hub login "$1" >/dev/null || fail "hub login $1"; }
op_login() { login "$1" "$(opnuptk_of "$1")" "operator-pass-$1" || fail "operator login at $1"; }

# ---- the hub: the office, its Pengawas ----
start_hub
echo "dinas-op-pass" | hub dinas init --kode $OFFICE --nama "Dinas Pendidikan Kabupaten Contoh" \
    --operator-name "Rudi Hartono" --operator-nip $OPD >/dev/null || fail "dinas init"
hub dinas kunci --out "$T/dinas.key" >/dev/null || fail "dinas kunci"
hub_login $OPD dinas-op-pass
echo "pengawas-pass" | hub user add --name "Hendra Wijaya" --role pengawas --nip $PENGAWAS >/dev/null || fail "add Pengawas"
hub --json status >"$T/hub.json"
PORT=$(jget sync.listen_port <"$T/hub.json") || fail "the hub's port"
HUBKEY=$(jget device_key <"$T/hub.json")
SYNC="--set sync.hub=127.0.0.1:$PORT --set sync.hub_key=$HUBKEY"

# ---- the schools: operator, Kepala Sekolah, catalog, period; registered at the hub ----
for s in $SCHOOLS; do
	start_school "$s"
	npsn=$(npsn_of "$s")
	echo "operator-pass-$s" | at "$s" school init --npsn "$npsn" --name "SD Negeri $s" --operator-name "Operator $s" \
	    --operator-nuptk "$(opnuptk_of "$s")" --authority-key "$T/dinas.key" >/dev/null || fail "school init $s"
	hub hub daftar --sekolah "$npsn" --kunci-perangkat "$(at "$s" --json status | jget device_key)" >/dev/null ||
	    fail "hub daftar $s"
	op_login "$s"
	echo "kepsek-pass" | at "$s" user add --name "Dewi $s" --role kepala_sekolah --nip $DEWI >/dev/null || fail "add Dewi at $s"
	at "$s" catalog add "$(dirname "$0")/../data/catalog-ks-fixture.json" >/dev/null || fail "catalog add at $s"
	if [ "$s" = a ]; then
		# school a opens its period at once; school b's waits for its principal or the Dinas, whoever comes first
		login "$s" $DEWI kepsek-pass || fail "Dewi's login at $s"
		at "$s" periode buka --catalog "$(at "$s" --json catalog list | jget catalogs.0.version)" >/dev/null ||
		    fail "the period at $s"
		op_login "$s"
	fi
	at "$s" sync now >/dev/null || fail "first sync of $s"
	hub dinas tugaskan --sekolah "$npsn" --peran pengawas --nip $PENGAWAS --mulai 2020-01-01 >/dev/null ||
	    fail "assign the Pengawas to $s"
	eval "TEACHERS_$s=''"
	eval "BACKUP_$s=''"
done
say "schools: $SCHOOLS; $STEPS steps"

# ---- people and their plans ----
NEXT=10
# the teachers of a school whose keys it holds: "nuptk:state" (state 0 nothing, 1 draft, 2 submitted, 3 approved, 4 agreed)
add_teacher() { # s
	s=$1
	nuptk="30000000000$((10000 + NEXT))"
	NEXT=$((NEXT + 1))
	op_login "$s"
	echo "guru-pass" | at "$s" user add --name "Guru $nuptk" --role guru --nuptk "$nuptk" --status NON_ASN \
	    >/dev/null || fail "add a teacher at $s"
	eval "TEACHERS_$s=\"\$TEACHERS_$s $nuptk:0\""
	say "teacher $nuptk enrolled at $s"
}
ACTS=0
plan_of() { # s who: make one plan act at s
	s=$1
	who=$2
	at "$s" rencana simpan --sub keteraturan_suasana_kelas --rhk 1:2 --rhk 3:1 --perilaku berorientasi_pelayanan:1 \
	    --perilaku akuntabel:1 --perilaku kompeten:1 --perilaku harmonis:1 --perilaku loyal:1 --perilaku adaptif:1 \
	    --perilaku kolaboratif:1 --rangkuman "Rencana $who langkah $STEP." >/dev/null 2>&1
}
# one step of a plan: the next act for a teacher (or the principal), as far as the rules allow it
plan_step() { # s
	s=$1
	eval "list=\$TEACHERS_$s"
	set -- $list
	[ $# -gt 0 ] || { add_teacher "$s"; return; }
	rand $#
	k=$((R + 1))
	eval "entry=\${$k}"
	nuptk=${entry%%:*}
	st=${entry##*:}
	case $st in
	0) login "$s" "$nuptk" guru-pass && at "$s" identitas konfirmasi >/dev/null 2>&1 && plan_of "$s" "$nuptk" && st=1 ;;
	1) login "$s" "$nuptk" guru-pass && at "$s" rencana ajukan >/dev/null 2>&1 && st=2 ;;
	2) login "$s" $DEWI kepsek-pass && at "$s" rencana setujui --teacher "$nuptk" >/dev/null 2>&1 && st=3 ;;
	3) login "$s" "$nuptk" guru-pass && at "$s" rencana sepakati >/dev/null 2>&1 && st=4 ;;
	*) ;;
	esac
	if [ "$entry" != "$nuptk:$st" ]; then
		ACTS=$((ACTS + 1))
		say "plan of $nuptk at $s: state $st"
	fi
	new=""
	for e in $list; do [ "$e" = "$entry" ] && e="$nuptk:$st"; new="$new $e"; done
	eval "TEACHERS_$s=\"\$new\""
}
principal_step() { # s: the principal's own plan, a step at a time
	s=$1
	login "$s" $DEWI kepsek-pass || fail "Dewi's login at $s"
	if at "$s" identitas konfirmasi >/dev/null 2>&1; then :; fi
	if [ $((STEP % 3)) -eq 0 ]; then
		# the principal opens the period (the Dinas may have done it at the hub meanwhile)
		at "$s" periode buka --catalog "$(at "$s" --json catalog list | jget catalogs.0.version)" >/dev/null 2>&1 &&
		    say "the principal opened $s's period"
	elif [ $((STEP % 2)) -eq 0 ]; then plan_of "$s" Dewi && ACTS=$((ACTS + 1)); else
		at "$s" rencana ajukan >/dev/null 2>&1 && ACTS=$((ACTS + 1)); fi
	say "the principal's plan at $s moved"
}

# ---- hub acts ----
hub_act() { # s
	npsn=$(npsn_of "$1")
	hub_login $OPD dinas-op-pass
	rand 3
	case $R in
	0|1) rand 28; hub dinas tugaskan --sekolah "$npsn" --peran pengawas --nip $PENGAWAS --mulai "$(printf 2020-02-%02d $((R + 1)))" \
	    >/dev/null || fail "an assignment for $1 at the hub"; say "assignment for $1 at the hub" ;;
	2) if hub dinas buka-periode --sekolah "$npsn" >/dev/null 2>&1; then say "the Dinas opened $1's period"; fi ;;
	esac
	if [ $((STEP % 3)) -eq 0 ]; then
		# the Pengawas approves the principal's plan when it waits
		echo pengawas-pass | hub login $PENGAWAS >/dev/null || fail "Pengawas login"
		hub rencana setujui --sekolah "$npsn" --teacher $DEWI >/dev/null 2>&1 && say "the Pengawas approved $1's principal"
	fi
}

# ---- backups ----
backup_or_restore() { # s|hub
	w=$1
	wait_bg
	if [ "$w" = hub ]; then dir=$T/hub; else dir=$T/$w; fi
	eval "have=\${BACKUP_$w:-}"
	if [ "$w" = hub ]; then stop_hub; else stop_school "$w"; fi
	if [ -z "$have" ]; then
		cp -a "$dir" "$dir.bak" || fail "backup of $w"
		eval "BACKUP_$w=1"
		[ "$w" = hub ] || eval "SAVED_$w=\"\$TEACHERS_$w\""
		say "$w: store copied aside"
	else
		rm -rf "$dir" && mv "$dir.bak" "$dir" || fail "restore of $w"
		eval "BACKUP_$w=2"
		# the keys of the people enrolled since are gone with the store: only those of the backup may log in
		[ "$w" = hub ] || eval "TEACHERS_$w=\"\$SAVED_$w\""
		say "$w: the old store restored"
	fi
	if [ "$w" = hub ]; then start_hub; else start_school "$w"; fi
}

# ---- the random steps ----
STEP=0
pick_school() { set -- $SCHOOLS; rand $#; k=$((R + 1)); eval "S=\${$k}"; }
while [ $STEP -lt "$STEPS" ]; do
	pick_school
	rand 20
	case $R in
	0|1) add_teacher "$S" ;;
	2|3|4|5|6) plan_step "$S" ;;
	7) principal_step "$S" ;;
	8|9) op_login "$S"; at "$S" sync now >"$T/out" 2>&1 || fail "sync now at $S: $(cat "$T/out")" ;;
	10|11) # a sync in the background while the next steps work on both sides
	    op_login "$S"
	    at "$S" sync now >/dev/null 2>&1 &
	    BG="$BG $!"
	    say "sync of $S in the background" ;;
	12|13|14) hub_act "$S" ;;
	15) rand 2
	    if [ $R -eq 0 ]; then wait_bg; stop_school "$S"; start_school "$S"; say "$S restarted"; else
		# killed (SIGKILL) while a sync may be running
		op_login "$S"
		at "$S" sync now >/dev/null 2>&1 &
		BG="$BG $!"
		rand 4; sleep "0.0$((R * 3))"
		eval "p=\$PID_$S"; kill -KILL "$p"; wait "$p" 2>/dev/null; eval "PID_$S="
		wait_bg; start_school "$S"; say "$S killed during a sync, and started again"
	    fi ;;
	16) rand 2
	    if [ $R -eq 0 ]; then wait_bg; stop_hub; start_hub; say "the hub restarted"; else
		op_login "$S"
		at "$S" sync now >/dev/null 2>&1 &
		BG="$BG $!"
		rand 4; sleep "0.0$((R * 3))"
		kill -KILL "$HPID"; wait "$HPID" 2>/dev/null; HPID=
		wait_bg; start_hub; say "the hub killed during a sync of $S, and started again"
	    fi ;;
	17|18) eval "b=\${BACKUP_$S:-}"; [ "$b" = 2 ] || backup_or_restore "$S" ;;
	19) b=${BACKUP_hub:-}; [ "$b" = 2 ] || backup_or_restore hub ;;
	esac
	STEP=$((STEP + 1))
done
wait_bg
# a backup still aside: restore it now, so every run repairs at least one restored store
for w in $SCHOOLS hub; do
	eval "b=\${BACKUP_$w:-}"
	[ "$b" = 1 ] && backup_or_restore "$w"
done
[ -n "${BACKUP_hub:-}" ] || [ -n "${BACKUP_a:-}" ] || [ -n "${BACKUP_b:-}" ] || {
	# no backup was drawn: one of school a, made and restored around some work
	backup_or_restore a
	add_teacher a
	op_login a
	at a sync now >/dev/null || fail "sync before the restore"
	plan_step a
	backup_or_restore a
}

hub_fp() { # npsn -> "fp count"
	hub --json hub sekolah >"$T/hs.json" || fail "hub sekolah"
	n=0
	while :; do
		v=$(jget "schools.$n.npsn" <"$T/hs.json") || fail "school $1 not listed at the hub"
		[ "$v" = "$1" ] && { echo "$(jget "schools.$n.fp" <"$T/hs.json") $(jget "schools.$n.records" <"$T/hs.json")"; return; }
		n=$((n + 1))
	done
}
school_fp() { at "$1" --json sync status >"$T/ss.json" || fail "sync status $1"; echo "$(jget fp <"$T/ss.json") $(jget count <"$T/ss.json")"; }
# ---- a large divergence (CONVERGE_BULK=N teachers): more than a batch lost at the school, then at the hub ----
BULK=${CONVERGE_BULK:-0}
if [ "$BULK" -gt 0 ]; then
	BACKUP_hub=""
	backup_or_restore hub
	eval "BACKUP_a=''"
	backup_or_restore a
	op_login a
	j=0
	while [ $j -lt "$BULK" ]; do
		echo "guru-pass" | at a user add --name "Guru massal $j" --role guru --nuptk "40000000000$((10000 + j))" \
		    --status NON_ASN >/dev/null || fail "bulk teacher $j"
		j=$((j + 1))
	done
	at a sync now >/dev/null || fail "sync of the bulk"
	# the school restored (it syncs at start, then once more here): the teachers come back from the hub
	backup_or_restore a
	op_login a
	at a --json sync now >"$T/bulk.json" || fail "sync of the restored school: $(cat "$T/bulk.json")"
	[ "$(jget fp_match <"$T/bulk.json")" = true ] || fail "the restored school did not converge: $(cat "$T/bulk.json")"
	[ "$(at a user list | grep -c "Guru massal")" -eq "$BULK" ] || fail "the restored school got back $(at a user list | grep -c "Guru massal") of $BULK"
	# the hub restored: they go up again
	backup_or_restore hub
	hub_login $OPD dinas-op-pass
	op_login a
	at a --json sync now >"$T/bulk.json" || fail "sync with the restored hub: $(cat "$T/bulk.json")"
	[ "$(jget fp_match <"$T/bulk.json")" = true ] || fail "the restored hub did not converge: $(cat "$T/bulk.json")"
	[ "$(hub_fp "$(npsn_of a)")" = "$(school_fp a)" ] || fail "the restored hub holds $(hub_fp "$(npsn_of a)"), the school $(school_fp a)"
	say "bulk: $BULK teachers lost by the school and then by the hub, and found again: $(grep -h "reconciliation with the hub" "$T/a.log" | tail -2 | sed 's/.*reconciliation/reconciliation/' | tr '\n' ';')"
fi

# ---- the final round: every school syncs until nothing moves, then both sides must agree ----
for round in 1 2; do
	for s in $SCHOOLS; do
		op_login "$s"
		at "$s" --json sync now >"$T/final-$s.json" 2>&1 || fail "final sync of $s: $(cat "$T/final-$s.json")"
	done
done
for s in $SCHOOLS; do
	npsn=$(npsn_of "$s")
	hub_login $OPD dinas-op-pass
	[ "$(jget fp_match <"$T/final-$s.json")" = true ] || fail "$s: the last sync did not end with equal fingerprints: $(cat "$T/final-$s.json")"
	a=$(school_fp "$s")
	h=$(hub_fp "$npsn")
	[ "$a" = "$h" ] || fail "$s: fingerprint and count at the school ($a) and at the hub ($h) differ"
	# views, byte for byte: the assignments as the school shows them and as the hub shows them for that school
	op_login "$s"
	at "$s" --json penugasan >"$T/view-$s-school.json" || fail "penugasan at $s"
	hub --json penugasan --sekolah "$npsn" >"$T/view-$s-hub.json" || fail "penugasan at the hub for $s"
	cmp -s "$T/view-$s-school.json" "$T/view-$s-hub.json" ||
	    fail "$s: the assignments differ: $(cat "$T/view-$s-school.json") / $(cat "$T/view-$s-hub.json")"
	# the period (the principal and the Dinas may both have opened it, each on their side)
	at "$s" --json periode lihat >"$T/period-$s-school.json" || fail "periode lihat at $s"
	hub --json periode lihat --sekolah "$npsn" >"$T/period-$s-hub.json" || fail "periode lihat at the hub for $s"
	cmp -s "$T/period-$s-school.json" "$T/period-$s-hub.json" ||
	    fail "$s: the period differs: $(cat "$T/period-$s-school.json") / $(cat "$T/period-$s-hub.json")"
	# the principal's plan as she sees it at the school and as the Pengawas sees it at the hub
	login "$s" $DEWI kepsek-pass || fail "Dewi's login at $s"
	at "$s" --json rencana lihat >"$T/plan-$s-school.json" 2>&1 || fail "Dewi's plan at $s: $(cat "$T/plan-$s-school.json")"
	echo pengawas-pass | hub login $PENGAWAS >/dev/null || fail "Pengawas login"
	hub --json rencana lihat --sekolah "$npsn" --teacher $DEWI >"$T/plan-$s-hub.json" 2>&1 ||
	    fail "Dewi's plan at the hub: $(cat "$T/plan-$s-hub.json")"
	cmp -s "$T/plan-$s-school.json" "$T/plan-$s-hub.json" || fail "$s: the principal's plan differs between the school and the hub"
	# every record, as the school exports them (its operator carries them all), sorted: as many as the fingerprint counts
	op_login "$s"
	at "$s" record export "$T/exp-$s-school.rec" >/dev/null || fail "export at $s"
	"$T/recset" "$T/exp-$s-school.rec" >"$T/set-$s-school" || fail "read the export of $s"
	[ "$(wc -l <"$T/set-$s-school")" -eq "${a##* }" ] || fail "$s: the export holds $(wc -l <"$T/set-$s-school") records, the set ${a##* }"
	say "$s: $a at both"
done
[ "$ACTS" -gt 0 ] || say "no plan act succeeded in this run"
say "converged ($ACTS plan acts)"
