#!/bin/sh
# Signed records carried by hand: record export writes what the caller may
# carry, record import judges every record like any other write. A file cut
# short or altered is refused whole; a second import changes nothing.
. "$(dirname "$0")/../lib/daemon.sh"

start_daemon
echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >/dev/null || fail "school init"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip 198501012010011001 >/dev/null || fail "add guru"
echo "guru-pass-2" | kin user add --name "Rina Wati" --role guru --status NON_ASN --nuptk 9876543210987654 >/dev/null || fail "add guru 2"
echo "guru-pass-1" | kin login 198501012010011001 >/dev/null || fail "guru login"
printf '%%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%%%EOF\n' >"$T/a.pdf"
kin evidence upload "$T/a.pdf" --slot persiapan >/dev/null || fail "upload"

# A teacher carries their own records (and the catalog, which everyone reads) only; the operator every
# record of the school.
kin --json record export "$T/own.rec" | grep -q '"records": 4' || fail "teacher export: the school, its catalog, own enrollment, own upload"
out=$(kin record import "$T/own.rec" 2>&1) && fail "a teacher imported records"
echo "$out" | grep -q "Hanya Operator Sekolah.*\[session\]" || fail "teacher import message: $out"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login 2"
kin --json record export "$T/all.rec" | grep -q '"records": 6' || fail "operator export of 6 records (school, catalog, 3 people, 1 upload)"
kin record export "$T/all.rec" 2>&1 | grep -q "sudah ada.*\[file\]" || fail "export overwrote a file"
ok "export: own records, or the whole school for the operator; never over a file"

# Importing what is here already changes nothing.
kin --json record import "$T/all.rec" >"$T/imp" || fail "re-import: $(cat "$T/imp")"
grep -q '"present": 6' "$T/imp" || fail "re-import counts: $(cat "$T/imp")"
records=$(kin --json status | sed -n 's/.*"records": \([0-9]*\).*/\1/p')
[ "$records" = 6 ] || fail "records after re-import: $records"
ok "a second import is harmless"

# A file cut short, or with one byte changed, is refused whole.
size=$(stat -c %s "$T/all.rec")
head -c $((size - 10)) "$T/all.rec" >"$T/cut.rec"
out=$(kin record import "$T/cut.rec" 2>&1) && fail "cut file imported"
echo "$out" | grep -q "terpotong.*\[file\]" || fail "cut message: $out"
cp "$T/all.rec" "$T/bad.rec"
printf 'X' | dd of="$T/bad.rec" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
out=$(kin record import "$T/bad.rec" 2>&1) && fail "altered file imported"
echo "$out" | grep -q "telah diubah\|rusak\|terpotong\|tidak terduga" || fail "altered message: $out"
ok "a damaged file is refused whole"

stop_daemon || fail "stop"
echo "records.sh: all passed"
