#!/bin/sh
# End to end through the real daemon and CLI only: set up a school, enroll
# people, log in, read status, restart, and find everything still there.
. "$(dirname "$0")/../lib/daemon.sh"

start_daemon

kin status | grep -q "belum ada" || fail "a new store should have no school"
ok "status on an empty store"

kin --help | grep -q "school init" || fail "--help lists commands"
kin user add --help | grep -q -- "--nip" || fail "subcommand --help"
kin user add --name X 2>&1 | grep -q -- "--role wajib diisi" || fail "missing option named"
ok "help and usage errors"

# Bad input is refused with the field named, and changes nothing.
out=$(echo "operator-pass" | kin school init --npsn 123 --name "SD Negeri 1 Contoh" --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 2>&1) && fail "short NPSN accepted"
echo "$out" | grep -q "\[npsn\]" || fail "NPSN error names the field: $out"
out=$(echo "short" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 2>&1) && fail "short passphrase accepted"
echo "$out" | grep -q "\[passphrase\]" || fail "passphrase error names the field: $out"
kin status | grep -q "belum ada" || fail "failed init changed something"
ok "bad school init refused, nothing stored"

echo "operator-pass" | kin school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >"$T/out" || fail "school init"
grep -q "siap. Operator Sekolah: Siti Aminah" "$T/out" || fail "school init message: $(cat "$T/out")"
kin status | grep -q "20100001  SD Negeri 1 Contoh" || fail "status shows the school"
out=$(echo "operator-pass" | kin school init --npsn 20100002 --name "SD Lain" --operator-name "Budi" --operator-nuptk 1234567890123457 2>&1) && fail "second school accepted"
echo "$out" | grep -q "sudah memegang sekolah 20100001" || fail "second init message: $out"
ok "school init"

out=$(echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip 198501012010011001 2>&1) && fail "user add without login"
echo "$out" | grep -q "belum masuk.*\[token\]" || fail "user add without login message: $out"

out=$(echo "wrong-pass" | kin login 1234567890123456 2>&1) && fail "wrong passphrase accepted"
echo "$out" | grep -q "Kata sandi salah.*\[passphrase\]" || fail "wrong passphrase message: $out"
echo "operator-pass" | kin login 1234567890123456 | grep -q "Selamat datang, Siti Aminah" || fail "operator login"
[ "$(stat -c %a "$KINERJA_SESSION")" = 600 ] || fail "session file must be 0600"
kin whoami | grep -q "Operator Sekolah" || fail "whoami"
ok "operator login"

echo "guru-pass-1" | kin user add --name "Budi Santoso" --role guru --nip 198501012010011001 \
    --golongan III/b --pangkat "Penata Muda Tingkat I" --jenjang "Guru Ahli Pertama" >/dev/null || fail "add guru"
echo "kepsek-pass" | kin user add --name "Dewi Lestari" --role kepala_sekolah --nip 197803152005012002 \
    --golongan IV/a --jenjang "Guru Ahli Madya" >/dev/null || fail "add kepala sekolah"
echo "honor-pass" | kin user add --name "Rina Wati" --role guru --status NON_ASN --nuptk 9876543210987654 >/dev/null || fail "add non-ASN guru"
ok "user add"

out=$(echo "guru-pass-2" | kin user add --name "Orang Lain" --role guru --nip 198501012010011001 2>&1) && fail "duplicate NIP accepted"
echo "$out" | grep -q "NIP 198501012010011001 sudah terdaftar di sekolah ini atas nama Budi Santoso.*\[nip\]" || fail "duplicate NIP message: $out"
out=$(echo "guru-pass-2" | kin user add --name "Orang Lain" --role bendahara --nip 198501012010011009 2>&1) && fail "bad role accepted"
echo "$out" | grep -q "\[role\]" || fail "bad role names the field: $out"
out=$(echo "guru-pass-2" | kin user add --name "Orang Lain" --role pengawas --nip 198501012010011009 2>&1) && fail "a school enrolled a Pengawas"
echo "$out" | grep -q "didaftarkan di kantor Dinas" || fail "a Pengawas is the office's: $out"
out=$(echo "guru-pass-2" | kin user add --name "Orang Lain" --role guru --status PNS --golongan IX --nip 198501012010011009 2>&1) && fail "PPPK golongan for PNS accepted"
echo "$out" | grep -q "\[golongan\]" || fail "golongan error: $out"
out=$(echo "guru-pass-2" | kin user add --name "Orang Lain" --role guru --nip 19850101201001100 2>&1) && fail "17-digit NIP accepted"
echo "$out" | grep -q "\[nip\]" || fail "nip error: $out"
ok "bad user add refused with the field named"

kin user list >"$T/list" || fail "user list"
for n in "Siti Aminah" "Budi Santoso" "Dewi Lestari" "Rina Wati"; do
	grep -q "$n" "$T/list" || fail "user list misses $n"
done
grep -q "(4 orang)" "$T/list" || fail "user list count"
kin --json user list | grep -q '"nip": "198501012010011001"' || fail "user list --json"
ok "user list"

records=$(kin --json status | sed -n 's/.*"records": \([0-9]*\).*/\1/p')
[ "$records" = 6 ] || fail "expected 6 records (school + its catalog + 4 people), got $records"

# A teacher may not enroll people.
echo "operator-pass" | kin logout >/dev/null || fail "logout"
kin whoami >/dev/null 2>&1 && fail "whoami after logout"
echo "guru-pass-1" | kin login 198501012010011001 | grep -q "Budi Santoso" || fail "guru login"
out=$(echo "guru-pass-9" | kin user add --name "Orang Lain" --role guru --nip 198501012010011009 2>&1) && fail "guru enrolled someone"
echo "$out" | grep -q "Hanya Operator Sekolah.*\[session\]" || fail "guru user add message: $out"
ok "roles enforced"

# Records are signed and have a history.
out=$(kin user list 2>&1) && fail "a guru listed every person"
echo "$out" | grep -q "hanya dilihat Operator Sekolah dan Kepala Sekolah.*\[session\]" || fail "guru user list message: $out"
key=$(kin --json whoami | sed -n 's/.*"key": "\([0-9a-f]*\)".*/\1/p')
[ -n "$key" ] || fail "no key for Budi"
kin record history "user/20100001/$key" >"$T/hist" || fail "record history"
grep -q "tanda tangan diperiksa: sah" "$T/hist" || fail "history shows records checked by the CLI"
grep -q "signature verified" "$T/hist" && fail "the CLI claims what it did not check"
id=$(kin --json record history "user/20100001/$key" | sed -n 's/^ *"id": "\([0-9a-f]*\)".*/\1/p' | head -1)
kin record get "$id" | grep -q "Budi Santoso" || fail "record get"
kin record get 00 2>&1 | grep -q "\[id\]" || fail "record get with a bad id"
ok "record get and history"

# Restart: everything is still there; sessions are not.
stop_daemon || fail "daemon did not stop cleanly"
[ -S "$SOCK" ] && fail "socket left behind after SIGTERM"
grep -q "stopped cleanly" "$T/daemon.log" || fail "no clean stop logged"
start_daemon
kin status | grep -q "6 records" || fail "records after restart"
out=$(kin whoami 2>&1) && fail "session survived a restart"
echo "$out" | grep -q "Sesi Anda sudah berakhir.*kinerja login.*\[token\]" || fail "ended session message: $out"
out=$(kin user list 2>&1) && fail "user list answered with an ended session"
echo "kepsek-pass" | kin login 197803152005012002 | grep -q "Kepala Sekolah" || fail "login after restart"
kin user list | grep -q "(4 orang)" || fail "users after restart"
ok "restart keeps records"

# A second daemon on the same store is refused with a clear message.
"$B/kinerjad" --socket "$T/other.sock" --store "$T/store" --set keys.device_key="$T/device.key" \
    --set evidence.dir="$T/ev2.git" --set evidence.staging_dir="$T/up2" >"$T/second.log" 2>&1 &&
    fail "second daemon on the same store started"
grep -q "in use by another kinerjad" "$T/second.log" || fail "second daemon message: $(cat "$T/second.log")"
"$B/kinerjad" --socket "$SOCK" --store "$T/store2" --set keys.device_key="$T/device2.key" \
    --set evidence.dir="$T/ev3.git" --set evidence.staging_dir="$T/up3" >"$T/third.log" 2>&1 &&
    fail "second daemon on the same socket started"
grep -q "another kinerjad is listening" "$T/third.log" || fail "same socket message: $(cat "$T/third.log")"
ok "one daemon per store and socket"

# The socket is not world-writable; the secret keys are never stored in the clear.
[ "$(stat -c %a "$SOCK")" = 660 ] || fail "socket mode is $(stat -c %a "$SOCK")"
[ "$(stat -c %a "$T/device.key")" = 600 ] || fail "device key mode"
ok "file modes"

# kinerjad --check-config and a bad config file.
printf '[daemon]\nsocket = /tmp/x.sock\n[store]\nmap_size_mb = lots\n' >"$T/bad.conf"
chmod 600 "$T/bad.conf"
out=$("$B/kinerjad" --config "$T/bad.conf" --check-config 2>&1) && fail "bad config accepted"
echo "$out" | grep -q "bad.conf:4: map_size_mb" || fail "config error names file:line: $out"
cp config/kinerjad.conf "$T/good.conf" && chmod 600 "$T/good.conf"
"$B/kinerjad" --config "$T/good.conf" --check-config >/dev/null || fail "sample config rejected"
chmod 666 "$T/good.conf"
"$B/kinerjad" --config "$T/good.conf" --check-config 2>&1 | grep -q "writable by group or others" || fail "world-writable config accepted"
ok "config checks"

# A failed login is logged with the uid and pid of the process that tried.
echo "wrong-guess-1" >"$T/wrong"
"$B/kinerja" --socket "$SOCK" login 9876543210987654 <"$T/wrong" >"$T/out" 2>&1 &
lpid=$!
wait $lpid && fail "a wrong passphrase was accepted"
grep -q "Kata sandi salah.*\[passphrase\]" "$T/out" || fail "wrong passphrase message: $(cat "$T/out")"
grep -q "failed login for 9876543210987654: wrong passphrase; peer uid $(id -u) pid $lpid;" "$T/daemon.log" ||
    fail "the failed login is not logged with uid $(id -u) and pid $lpid"
ok "a failed login is logged with the peer's uid and pid"

# Guessing passphrases is throttled per person: 3 wrong tries in a row cost
# nothing more, then each try must wait (2 s, doubling, at most
# keys.login_delay_max_s); tries refused meanwhile do not count.
for i in 2 3; do
	echo "wrong-guess-$i" | kin login 9876543210987654 >/dev/null 2>&1 && fail "a wrong passphrase was accepted"
done
out=$(echo "wrong-guess-4" | kin login 9876543210987654 2>&1) && fail "a fourth try was checked at once"
echo "$out" | grep -q "Terlalu banyak kata sandi salah untuk 9876543210987654: tunggu [12] detik" || fail "throttle message: $out"
out=$(echo "honor-pass" | kin login 9876543210987654 2>&1) && fail "login allowed right after 3 wrong passphrases"
echo "$out" | grep -q "Terlalu banyak kata sandi salah.*\[passphrase\]" || fail "throttle message for the owner: $out"
echo "kepsek-pass" | kin login 197803152005012002 >/dev/null || fail "another person is not throttled"
ok "wrong passphrases are throttled per person"

# The operator lets the owner in at once; nobody else may.
out=$(kin user unlock 9876543210987654 2>&1) && fail "the Kepala Sekolah unlocked someone"
echo "$out" | grep -q "Hanya Operator Sekolah.*\[session\]" || fail "unlock by the Kepala Sekolah: $out"
kin user unlock --help | grep -q "NIP|NUPTK" || fail "user unlock --help"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
kin user unlock 9876543210987654 | grep -q "Rina Wati (9876543210987654) boleh mencoba masuk lagi" || fail "user unlock"
kin --json user unlock 9876543210987654 | grep -q '"fails_cleared": 0' || fail "user unlock --json"
echo "honor-pass" | kin login 9876543210987654 | grep -q "Rina Wati" || fail "login after the operator's unlock"
ok "the operator's unlock lets the owner in at once"

# A person changes their own passphrase: current and new on standard input
# (two lines), or from --passphrase-fd.
kin passwd --help | grep -q "current one" || fail "passwd --help"
out=$(printf 'wrong-old-pass\nrina-new-pass\n' | kin passwd 2>&1) && fail "passwd with a wrong current passphrase"
echo "$out" | grep -q "Kata sandi saat ini salah.*\[passphrase\]" || fail "passwd wrong message: $out"
out=$(printf 'honor-pass\nshort\n' | kin passwd 2>&1) && fail "passwd to a short passphrase"
echo "$out" | grep -q "\[new_passphrase\]" || fail "passwd short message: $out"
printf 'honor-pass\nrina-new-pass\n' | kin passwd | grep -q "sudah diganti" || fail "passwd"
out=$(echo "honor-pass" | kin login 9876543210987654 2>&1) && fail "the old passphrase still works"
echo "rina-new-pass" | kin login 9876543210987654 >/dev/null || fail "login with the new passphrase"
printf 'rina-new-pass\nrina-newer-pass\n' >"$T/pw"
kin --json --passphrase-fd 3 passwd 3<"$T/pw" | grep -q '"ok": true' || fail "passwd --json --passphrase-fd"
echo "rina-newer-pass" | kin login 9876543210987654 >/dev/null || fail "login after the second change"
ok "kinerja passwd"

# The operator resets a forgotten passphrase: a one-time passphrase, shown
# once, with which only passwd, whoami and logout work until it is changed.
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
kin user reset-passphrase --help | grep -q "one-time" || fail "reset-passphrase --help"
kin user reset-passphrase 9876543210987654 >"$T/reset" || fail "reset-passphrase"
otp=$(sed -n 's/^    \([2-9A-Z-]\{19\}\)$/\1/p' "$T/reset")
[ -n "$otp" ] || fail "no one-time passphrase printed: $(cat "$T/reset")"
grep -q "kinerja passwd" "$T/reset" || fail "reset-passphrase says what happens next"
out=$(echo "rina-newer-pass" | kin login 9876543210987654 2>&1) && fail "the passphrase before the reset still works"
echo "$otp" | kin login 9876543210987654 | grep -q "sekali pakai" || fail "a one-time login says so"
kin whoami | grep -q "kinerja passwd" || fail "whoami with a one-time passphrase"
out=$(kin evidence list 2>&1) && fail "a one-time session listed Bukti Dukung"
echo "$out" | grep -q "kinerja passwd" || fail "one-time session refusal: $out"
printf '%s\nrina-own-pass\n' "$otp" | kin passwd >/dev/null || fail "passwd from the one-time passphrase"
kin evidence list >/dev/null || fail "everything works after the change"
kin whoami | grep -q "sekali pakai" && fail "whoami still says one-time after the change"
out=$(echo "$otp" | kin login 9876543210987654 2>&1) && fail "the one-time passphrase works twice"
echo "rina-own-pass" | kin login 9876543210987654 >/dev/null || fail "login with her own passphrase"
echo "operator-pass" | kin login 1234567890123456 >/dev/null || fail "operator login"
kin --json user reset-passphrase 198501012010011001 | grep -q '"passphrase": "[2-9A-Z-]*"' || fail "reset-passphrase --json"
ok "user reset-passphrase gives a one-time passphrase that must be changed"

# The wait is kept across a restart, and ends: the owner gets in after it.
stop_daemon || fail "stop"
start_daemon --set keys.login_delay_max_s=3
for i in 1 2 3; do
	echo "wrong-guess-$i" | kin login 197803152005012002 >/dev/null 2>&1 && fail "a wrong passphrase was accepted"
done
stop_daemon || fail "stop"
start_daemon --set keys.login_delay_max_s=3
out=$(echo "kepsek-pass" | kin login 197803152005012002 2>&1) && fail "the throttle was forgotten at a restart"
wait=$(echo "$out" | sed -n 's/.*tunggu \([0-9]*\) detik.*/\1/p')
[ -n "$wait" ] && [ "$wait" -le 3 ] || fail "restart throttle message: $out"
sleep "$wait"
sleep 0.2
echo "kepsek-pass" | kin login 197803152005012002 | grep -q "Dewi Lestari" || fail "the owner cannot log in after the wait"
ok "the wait survives a restart and ends after at most login_delay_max_s"

stop_daemon || fail "stop"
echo "cli.sh: all passed"
