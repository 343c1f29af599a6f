#!/bin/sh
# Run every unit test binary and end-to-end script against the build in $1.
# Prints a final "N passed, N failed" line and exits non-zero on any failure.
set -u
O=${1:-build}
export KINERJA_BUILD="$(cd "$O" && pwd)"
pass=0
fail=0
failed=""
for t in "$O"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== unit: $(basename "$t")"
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $(basename "$t")"; fi
done
for t in tests/e2e/*.sh; do
	[ -f "$t" ] || continue
	echo "== e2e: $(basename "$t")"
	if sh "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $(basename "$t")"; fi
done
# durability by system-call order: the daemon under an LD_PRELOAD shim
for t in "$O"/tests/durability/sync_order; do
	[ -x "$t" ] || continue
	echo "== durability: $(basename "$t")"
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $(basename "$t")"; fi
done
echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
