#!/bin/sh
# The main job: start kinerjad on ./var and, when the store is new, set up a
# demo school through the real CLI. The daemon stays in the foreground;
# Ctrl-C stops it cleanly. Usage: scripts/run-demo.sh [build-dir]
set -u
O=${1:-build}
[ $# -gt 0 ] && shift
SOCK=var/kinerjad.sock
export KINERJA_SOCKET=$SOCK
mkdir -p var
"$O/kinerjad" "$@" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' INT TERM
i=0
while [ ! -S "$SOCK" ]; do
	kill -0 $pid 2>/dev/null || { wait $pid; exit $?; }
	i=$((i + 1)); [ $i -gt 200 ] && { echo "kinerjad did not start" >&2; kill $pid; exit 1; }
	sleep 0.05
done
if "$O/kinerja" status | grep -q "belum ada"; then
	echo "== Setting up the demo school (passphrases below are for the demo only)"
	echo "operator-demo" | "$O/kinerja" school init --npsn 20100001 --name "SD Negeri 1 Contoh" \
	    --operator-name "Siti Aminah" --operator-nuptk 1234567890123456 >/dev/null &&
	echo "operator-demo" | "$O/kinerja" login 1234567890123456 >/dev/null &&
	echo "guru-demo-1" | "$O/kinerja" user add --name "Budi Santoso" --role guru --nip 198501012010011001 \
	    --golongan III/b --pangkat "Penata Muda Tingkat I" --jenjang "Guru Ahli Pertama" --jenis-ptk "Guru Kelas" >/dev/null &&
	echo "kepsek-demo" | "$O/kinerja" user add --name "Dewi Lestari" --role kepala_sekolah --nip 197803152005012002 \
	    --golongan IV/a --pangkat "Pembina" --jenjang "Guru Ahli Madya" >/dev/null &&
	echo "operator-demo" | "$O/kinerja" logout >/dev/null &&
	echo "kepsek-demo" | "$O/kinerja" login 197803152005012002 >/dev/null &&
	"$O/kinerja" periode buka >/dev/null &&
	echo "guru-demo-1" | "$O/kinerja" login 198501012010011001 >/dev/null &&
	"$O/kinerja" identitas konfirmasi >/dev/null &&
	"$O/kinerja" rencana ajukan --sub keteraturan_suasana_kelas --rhk 1:2 --rhk 5:4 \
	    --perilaku berorientasi_pelayanan:1 --perilaku akuntabel:1 --perilaku kompeten:1 --perilaku harmonis:1 \
	    --perilaku loyal:1 --perilaku adaptif:1 --perilaku kolaboratif:1 >/dev/null &&
	echo "kepsek-demo" | "$O/kinerja" login 197803152005012002 >/dev/null &&
	"$O/kinerja" rencana setujui --teacher 198501012010011001 >/dev/null &&
	echo "guru-demo-1" | "$O/kinerja" login 198501012010011001 >/dev/null &&
	"$O/kinerja" rencana sepakati >/dev/null &&
	printf '%%PDF-1.4\n%% Sertifikat pelatihan mandiri (contoh demo)\n1 0 obj << >> endobj\ntrailer << >>\n%%%%EOF\n' >var/sertifikat-demo.pdf &&
	"$O/kinerja" evidence upload var/sertifikat-demo.pdf --slot rhk-1 >/dev/null &&
	"$O/kinerja" logout >/dev/null || echo "demo setup failed; see the messages above" >&2
	cat <<MSG
== Demo school 20100001 "SD Negeri 1 Contoh" is ready. In another terminal:
   build/kinerja status
   build/kinerja login 198501012010011001     (Budi Santoso, guru; passphrase guru-demo-1)
   build/kinerja catalog show --gaps          (the catalog every member reads, and what it lacks)
   build/kinerja identitas lihat              (Budi's data, confirmed, beside Dapodik's; his eligibility)
   build/kinerja rencana lihat                (Budi's SKP: agreed, 32 points)
   build/kinerja evidence list                (Budi's Bukti Dukung: one demo certificate for RHK 1)
   build/kinerja login 197803152005012002     (Dewi Lestari, kepala sekolah; kepsek-demo)
   build/kinerja user list                    (who is enrolled: for the Kepala Sekolah and the operator)
   build/kinerja rencana inbox                (her teachers' SKPs: state and points)
   build/kinerja login 1234567890123456       (Siti Aminah, operator; operator-demo)
MSG
fi
echo "== kinerjad is running on $SOCK (Ctrl-C to stop)"
wait $pid
wait $pid 2>/dev/null
