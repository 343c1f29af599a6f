/*
 * messages.c - every text that a teacher, principal, Operator Sekolah or
 * Dinas officer reads, in Indonesian, under a stable code (messages.h):
 * the planning rules, and the errors of access, enrollment, login,
 * sessions, Bukti Dukung, catalogs, records and the CLI.
 *
 * One table, so that wording is reviewed in one place, a GUI can show the
 * same sentences (or its own for the same codes), and a test can check
 * that every code the sources use exists (tests/unit/test_messages.c). A
 * template names its parameters in braces; domain_msg_render() fills
 * them. Codes never change meaning; a new meaning gets a new code.
 *
 * Terms follow the domain: SKP, RHK, Bukti Dukung, Praktik Kinerja,
 * Perilaku Kerja, Tugas Tambahan, atasan, Pejabat Penilai, Operator
 * Sekolah, periode, NIP/NUPTK, kata sandi (a passphrase), sesi (a login
 * session), rekaman (a signed record), berkas (a file). An error says what
 * is wrong and what to do next.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "messages.h"

static const domain_msg msgs[] = {
	/* ---- the plan body (structure) ---- */
	{ "SKP_VERSI_BERSAMAAN",
	    "Dibuat bersamaan dengan versi lain dari rencana yang sama (misalnya di hub dan di sekolah sebelum keduanya tersinkron). "
	    "Yang berlaku: {aksi} oleh {nama}; versi ini tetap disimpan dalam riwayat tetapi tidak berlaku. Bila isinya masih "
	    "diperlukan, ulangi tindakannya pada versi yang berlaku." },
	{ "SKP_KONFLIK_RINGKAS", "{n} versi dibuat bersamaan dengan versi lain dan tidak berlaku; lihat Riwayat." },
	{ "SKP_FORMAT_KOLOM_WAJIB", "Kolom {kolom} wajib ada dalam rencana SKP." },
	{ "SKP_FORMAT_KOLOM_ASING", "Kolom {kolom} tidak dikenal dalam rencana SKP." },
	{ "SKP_FORMAT_KOLOM_GANDA", "Kolom {kolom} muncul lebih dari sekali dalam rencana SKP." },
	{ "SKP_FORMAT_JENIS", "Kolom {kolom} harus berisi {jenis}." },
	{ "SKP_FORMAT_TERLALU_BANYAK", "Kolom {kolom} berisi lebih dari {maks} baris." },
	{ "SKP_FORMAT_PERIODE",
	    "Periode '{periode}' harus berbentuk TAHUN-SEMESTER, misalnya 2026-1 (Januari-Juni) atau 2026-2 (Juli-Desember)." },
	{ "SKP_FORMAT_KATALOG", "Versi katalog harus 64 karakter heksadesimal (huruf kecil)." },
	{ "SKP_FORMAT_JABATAN", "Jabatan SKP harus guru atau kepala_sekolah." },
	{ "SKP_FORMAT_STATUS", "Status SKP '{nilai}' tidak dikenal." },
	{ "SKP_FORMAT_AKSI", "Aksi SKP '{nilai}' tidak dikenal." },
	{ "FORMAT_PERAN_PENUGASAN",
	    "Peran penugasan '{nilai}' tidak dikenal: kepala_sekolah, plt_kepala_sekolah, pengawas atau kepala_dinas." },
	{ "PENUGASAN_KS_DARI_PENDAFTARAN",
	    "Kepala Sekolah definitif ditetapkan lewat data pengguna sekolah (Operator Sekolah), bukan lewat penugasan Dinas; "
	    "Dinas menugaskan Plt Kepala Sekolah, Pengawas Sekolah atau Kepala Dinas." },
	{ "PENUGASAN_PLT_TANPA_SK", "Penugasan Plt Kepala Sekolah wajib menyebut nomor SK (--sk)." },
	{ "PENUGASAN_SELESAI_SEBELUM_MULAI", "Tanggal selesai penugasan tidak boleh sebelum tanggal mulai." },
	{ "PENUGASAN_PLT_BUKAN_GURU", "Plt Kepala Sekolah harus Guru yang aktif di sekolah itu." },
	{ "DINAS_AUTH_BUKAN_SEKOLAH",
	    "Tindakan Dinas harus menyebut data sekolah (yang memuat kunci Dinas) sebagai dasar kewenangannya." },
	{ "DINAS_SEKOLAH_TANPA_KUNCI",
	    "Sekolah ini belum mengenal kunci Dinas: Operator Sekolah memasang kunci publik Dinas "
	    "(kinerja school init --authority-key BERKAS) sebelum tindakan Dinas diterima." },
	{ "DINAS_AUTH_TIDAK_LEBIH_TUA", "Data sekolah yang disebut harus lebih dulu ada daripada tindakan Dinas." },
	{ "DINAS_BUKAN_OTORITAS",
	    "Tindakan ini hanya sah bila ditandatangani kunci Dinas yang dikenal sekolah; tanda tangan ini bukan dari kunci itu." },
	{ "DINAS_AUTH_BUKAN_PENUGASAN", "Dasar kewenangan yang disebut bukan penugasan Dinas untuk sekolah ini." },
	{ "DINAS_PENUGASAN_BUKAN_PENULIS", "Penugasan yang disebut bukan milik orang yang menandatangani tindakan ini." },
	{ "DINAS_PENUGASAN_TIDAK_BERLAKU", "Penugasan {peran} tidak berlaku pada {tanggal}." },
	/* ---- where an act stands with the hub (sync.acts) ---- */
	{ "SYNC_ACT_DARI_HUB", "Diterima dari hub." },
	{ "SYNC_ACT_DITERIMA_HUB", "Diterima hub pada {waktu}." },
	{ "SYNC_ACT_DITERIMA_HUB_LAMA", "Diterima hub (tanda terimanya sudah lama dan tidak disimpan lagi)." },
	{ "SYNC_ACT_TANPA_HUB",
	    "Tersimpan di komputer ini. Sekolah ini belum disambungkan ke hub (sync.hub): belum ada yang dikirim." },
	{ "SYNC_ACT_MENUNGGU", "Tersimpan di komputer ini, menunggu dikirim ke hub saat sambungan tersedia." },
	{ "FORMAT_TANGGAL", "{nilai} bukan tanggal yang sah." },

	/* ---- the check before Ajukan ---- */
	{ "SKP_KATALOG_BEDA",
	    "Rencana ini disusun dengan katalog versi {rencana}, sedangkan yang berlaku adalah {katalog} ({nama}). Buka "
	    "rencana lagi agar daftar RHK dan poinnya diperbarui, lalu ajukan kembali." },
	{ "SKP_JABATAN_TIDAK_DILAYANI",
	    "Katalog {nama} belum memuat RHK dan sub-indikator untuk SKP {jabatan}, sehingga SKP ini belum dapat diajukan. "
	    "Tunggu katalog versi baru dari Dinas Pendidikan." },
	{ "SKP_PRAKTIK_KOSONG",
	    "Pilih satu sub-indikator Praktik Kinerja, sebaiknya yang direkomendasikan Rapor Pendidikan sekolah Anda. Bila "
	    "tidak ada data Rapor Pendidikan, pilih bersama Kepala Sekolah." },
	{ "SKP_PRAKTIK_LEBIH",
	    "Praktik Kinerja hanya boleh memuat {maks} sub-indikator, sedangkan Anda memilih {jumlah}. Hapus yang lain "
	    "sehingga tersisa satu fokus." },
	{ "SKP_PRAKTIK_TIDAK_DIKENAL",
	    "Sub-indikator Praktik Kinerja '{id}' tidak ada di katalog. Pilih dari daftar sub-indikator." },
	{ "SKP_RHK_TIDAK_DIKENAL", "RHK {id} tidak ada di katalog. Pilih RHK dari daftar." },
	{ "SKP_RHK_BELUM_TERSEDIA",
	    "RHK {id} belum tersedia di katalog ini: teks dan poinnya belum diketahui. Pilih RHK lain." },
	{ "SKP_RHK_POIN_TIDAK_DIKETAHUI",
	    "Poin RHK {id} belum diketahui di katalog ini, sehingga total poin tidak dapat dihitung. Pilih RHK lain atau "
	    "tunggu katalog versi baru." },
	{ "SKP_RHK_POIN_KONFLIK",
	    "Poin RHK {id} belum pasti: sumber resmi menyebut {calon} poin. Pilih RHK lain atau tunggu katalog versi baru "
	    "yang menetapkannya." },
	{ "SKP_RHK_KUANTITAS_KURANG",
	    "Target kuantitas RHK {id} minimal 1. Isi berapa kali kegiatan ini akan Anda lakukan semester ini." },
	{ "SKP_RHK_KUANTITAS_LEBIH", "Target kuantitas RHK {id} paling banyak {maks}. Kurangi targetnya." },
	{ "SKP_RHK_GANDA",
	    "RHK {id} dipilih lebih dari sekali. Hapus baris yang sama dan atur target kuantitas pada satu baris saja." },
	{ "SKP_POIN_KURANG",
	    "Total poin Pengembangan Kompetensi {total}, kurang {kurang} poin dari minimal {min}. Tambah RHK atau naikkan "
	    "target kuantitas." },
	{ "SKP_POIN_LEBIH",
	    "Total poin Pengembangan Kompetensi {total}, lebih {lebih} poin dari maksimal {maks}. Hapus RHK atau kurangi "
	    "target kuantitas." },
	{ "SKP_TUGAS_BUKAN_GURU", "Tugas Tambahan hanya ada pada SKP Guru. Hapus Tugas Tambahan dari SKP {jabatan} ini." },
	{ "SKP_TUGAS_TIDAK_DIKENAL", "Tugas Tambahan '{id}' tidak ada di katalog. Pilih dari daftar Tugas Tambahan." },
	{ "SKP_TUGAS_TANPA_SK",
	    "Tugas Tambahan {nama} memerlukan nomor SK atau Surat Tugas. Isi nomornya, atau hapus Tugas Tambahan ini bila "
	    "tidak ada SK." },
	{ "SKP_TUGAS_GANDA",
	    "Tugas Tambahan {nama} tercantum lebih dari sekali. Gabungkan menjadi satu baris; beberapa nomor SK dapat "
	    "ditulis dalam satu isian." },
	{ "SKP_PERILAKU_BELUM_DIISI",
	    "Perilaku Kerja aspek {aspek} belum diisi. Pilih satu perilaku untuk setiap aspek ({jumlah} aspek) sebelum ke "
	    "Rangkuman." },
	{ "SKP_PERILAKU_TIDAK_DIKENAL", "Aspek Perilaku Kerja '{id}' tidak ada di katalog." },
	{ "SKP_PERILAKU_GANDA", "Perilaku Kerja aspek {aspek} diisi lebih dari sekali. Sisakan satu pilihan." },
	{ "SKP_PERILAKU_PILIHAN", "Pilihan perilaku untuk aspek {aspek} tidak ada. Pilih nomor 1 sampai {jumlah}." },
	{ "SKP_PERILAKU_KOSONG", "Tuliskan perilaku yang Anda pilih untuk aspek {aspek}, atau pilih dari daftar." },
	{ "SKP_TEKS_PANJANG", "{kolom} berisi {jumlah} karakter, paling banyak {maks} karakter. Persingkat tulisannya." },
	{ "SKP_TEKS_TIDAK_SAH", "{kolom} memuat karakter yang tidak dapat dibaca. Ketik ulang tulisannya." },
	{ "SKP_PRAKTIK_RUBRIK_BELUM_ADA",
	    "Rubrik observasi sub-indikator {nama} belum lengkap di katalog ini ({kurang} teks belum tersedia). Anda tetap "
	    "dapat memilihnya; mintalah Kepala Sekolah menjelaskan target perilakunya." },
	{ "SKP_BELUM_LENGKAP", "{aksi} belum dapat dilakukan: masih ada {jumlah} hal yang perlu diperbaiki pada SKP." },

	/* ---- the live point total (R12) ---- */
	{ "SKP_POIN_PANDUAN_KURANG", "Total {total} poin: kurang {kurang} poin dari minimal {min}." },
	{ "SKP_POIN_PANDUAN_CUKUP", "Total {total} poin: sudah sesuai ketentuan (minimal {min}, maksimal {maks})." },
	{ "SKP_POIN_PANDUAN_LEBIH", "Total {total} poin: lebih {lebih} poin dari maksimal {maks}." },
	{ "SKP_POIN_PANDUAN_BELUM_PASTI",
	    "Total sementara {rentang} poin: poin RHK {daftar} belum pasti atau belum diketahui. Ketentuan: minimal {min}, "
	    "maksimal {maks} poin." },

	/* ---- the atasan's adjustments ---- */
	{ "SKP_UBAH_RHK_DITAMBAH", "Atasan menambahkan RHK {id} dengan target kuantitas {baru}." },
	{ "SKP_UBAH_RHK_DIHAPUS", "Atasan menghapus RHK {id} (target kuantitas semula {lama})." },
	{ "SKP_UBAH_RHK_KUANTITAS", "Atasan mengubah target kuantitas RHK {id} dari {lama} menjadi {baru}." },
	{ "SKP_UBAH_TUGAS_DITAMBAH", "Atasan menambahkan Tugas Tambahan {nama} (SK/Surat Tugas: {sk})." },
	{ "SKP_UBAH_TUGAS_DIHAPUS", "Atasan menghapus Tugas Tambahan {nama}." },
	{ "SKP_UBAH_TUGAS_SK", "Atasan mengubah nomor SK/Surat Tugas Tugas Tambahan {nama} menjadi: {baru}" },
	{ "SKP_UBAH_PERILAKU", "Atasan mengubah pilihan perilaku aspek {aspek}." },
	{ "SKP_UBAH_EKSPEKTASI", "Ada Penyesuaian Dari Atasan: ekspektasi khusus aspek {aspek}: {teks}" },
	{ "SKP_UBAH_TIDAK_BOLEH",
	    "Atasan dapat menyesuaikan RHK, target kuantitas, Tugas Tambahan dan Perilaku Kerja, tetapi tidak {kolom}. "
	    "Gunakan Tinjau Ulang agar pegawai mengubahnya." },

	/* ---- the state machine ---- */
	{ "SKP_HANYA_PEMILIK", "Hanya pemilik SKP yang dapat melakukan {aksi}." },
	{ "SKP_HANYA_ATASAN",
	    "Hanya atasan (Pejabat Penilai) pegawai ini yang dapat melakukan {aksi}, dan Anda bukan atasannya pada tanggal "
	    "ini." },
	{ "SKP_ATASAN_SENDIRI",
	    "Anda tidak dapat melakukan {aksi} atas SKP Anda sendiri: SKP Anda dinilai oleh atasan Anda." },
	{ "SKP_STATUS_SALAH", "SKP berstatus {status}; {aksi} hanya dapat dilakukan saat SKP berstatus {boleh}." },
	{ "SKP_CATATAN_WAJIB", "Tulis catatan untuk pegawai: apa yang perlu diperbaiki sebelum SKP diajukan lagi." },
	{ "SKP_ALASAN_WAJIB",
	    "Tulis alasan membuka kembali SKP (misalnya mutasi atau RHK yang keliru); alasan ini disimpan dalam riwayat." },
	{ "SKP_SUDAH_DIEVALUASI", "SKP tidak dapat dibuka kembali karena evaluasi kinerja sudah dimulai." },
	{ "SKP_PEMERIKSAAN_WAJIB", "{aksi} memerlukan hasil pemeriksaan SKP yang diajukan." },
	{ "SKP_IDENTITAS_BELUM",
	    "Konfirmasi dulu data diri Anda (\"Data sudah sesuai\") sebelum mulai menyusun SKP." },
	{ "SKP_EV_SIMPAN", "Draf SKP disimpan." },
	{ "SKP_EV_AJUKAN", "SKP diajukan kepada atasan." },
	{ "SKP_EV_SETUJUI", "Atasan menyetujui SKP dengan {jumlah} penyesuaian. Periksa penyesuaiannya, lalu Sepakati." },
	{ "SKP_EV_TINJAU_ULANG", "Atasan meminta SKP ditinjau ulang: {catatan}" },
	{ "SKP_EV_SEPAKATI", "SKP disepakati; pelaksanaan kinerja dapat dimulai." },
	{ "SKP_EV_BUKA_KEMBALI", "Atasan membuka kembali SKP: {alasan}" },

	/* ---- the planning records (skp.h) ---- */
	{ "SKP_PERIODE_BEDA", "Rencana ini disusun untuk periode {rencana}, bukan untuk periode {periode}." },
	{ "SKP_KATALOG_PERIODE_BEDA",
	    "Rencana ini memakai katalog versi {rencana}, sedangkan periode {periode} dibuka dengan katalog versi {katalog}. "
	    "Susun rencana dengan katalog periode ini." },
	{ "SKP_JABATAN_BUKAN_MILIK",
	    "SKP ini adalah SKP {jabatan}, padahal pemiliknya terdaftar sebagai {peran}: SKP-nya adalah SKP {jabatan_milik}." },
	{ "SKP_RENCANA_TETAP",
	    "{aksi} tidak mengubah isi SKP. Hanya Setujui yang membawa penyesuaian atasan; pegawai mengubah SKP setelah "
	    "Tinjau Ulang atau Buka Kembali." },
	{ "SKP_EKSPEKTASI_TANPA_ASPEK",
	    "Aspek Perilaku Kerja '{aspek}' belum ada dalam rencana, sehingga ekspektasi khusus tidak dapat diberikan. "
	    "Pegawai memilih perilakunya lebih dulu." },

	/* ---- Bukti Dukung follows the plan (skp.h S6) ---- */
	{ "BUKTI_SKP_BELUM_DISEPAKATI",
	    "Bukti Dukung untuk {slot} baru dapat diunggah setelah SKP periode {periode} disepakati. Status SKP sekarang: "
	    "{status}." },
	{ "BUKTI_RHK_TIDAK_DIRENCANAKAN",
	    "RHK {id} tidak ada dalam SKP yang disepakati untuk periode {periode}. Slot RHK dalam SKP: {daftar}." },
	{ "BUKTI_TUGAS_TIDAK_DIRENCANAKAN",
	    "SKP yang disepakati untuk periode {periode} memuat {jumlah} Tugas Tambahan, sehingga slot {slot} tidak ada." },
	{ "BUKTI_SLOT_NOMOR", "Slot {slot} harus diakhiri nomor, misalnya rhk-1 atau tugas-1." },

	/* ---- the atasan ---- */
	{ "ATASAN_KEPALA_SEKOLAH",
	    "Atasan SKP Guru ini adalah Kepala Sekolah atau Plt Kepala Sekolah yang bertugas pada {tanggal}." },
	{ "ATASAN_DINAS_SEKOLAH_SAMA",
	    "Anda bertugas sebagai {peran} di sekolah ini pada {tanggal}, sehingga SKP Guru Anda dinilai oleh Kepala Dinas "
	    "Pendidikan, bukan oleh Anda sendiri." },
	{ "ATASAN_PENGAWAS_DINAS", "Atasan SKP Kepala Sekolah adalah Pengawas Sekolah atau Kepala Dinas Pendidikan." },
	{ "ATASAN_TIDAK_ADA_KS",
	    "Belum ada Kepala Sekolah atau Plt Kepala Sekolah yang bertugas di sekolah ini pada {tanggal}. Minta Dinas "
	    "Pendidikan mencatat penugasan Plt Kepala Sekolah." },
	{ "ATASAN_TIDAK_ADA_DINAS",
	    "Belum tercatat Kepala Dinas Pendidikan untuk sekolah ini pada {tanggal}, padahal SKP ini dinilai olehnya. Minta "
	    "Dinas Pendidikan mencatat penugasannya." },
	{ "ATASAN_TIDAK_ADA_PENILAI_KS",
	    "Belum tercatat Pengawas Sekolah atau Kepala Dinas Pendidikan untuk sekolah ini pada {tanggal}. Minta Dinas "
	    "Pendidikan mencatat penugasannya." },
	{ "ATASAN_BUKAN_KS",
	    "SKP Kepala Sekolah hanya untuk Kepala Sekolah atau Plt Kepala Sekolah yang bertugas di sekolah ini pada "
	    "{tanggal}." },
	{ "ATASAN_BUKAN_GURU",
	    "SKP Guru hanya untuk pegawai yang terdaftar sebagai Guru di sekolah ini; Anda terdaftar sebagai {peran}." },
	{ "ATASAN_TERLALU_BANYAK",
	    "Terlalu banyak penugasan atasan yang berlaku bersamaan (lebih dari {maks}). Minta Dinas Pendidikan memeriksa "
	    "data penugasan." },

	/* ---- eligibility ---- */
	{ "KELAYAKAN_ASN", "Anda wajib menyusun SKP di Pengelolaan Kinerja. SKP yang disepakati dikirim ke e-Kinerja BKN." },
	{ "KELAYAKAN_NON_ASN",
	    "Pengelolaan Kinerja dianjurkan bagi guru non-ASN, tetapi tidak wajib. SKP Anda tidak dikirim ke e-Kinerja "
	    "karena tidak ada NIP di SIASN." },
	{ "KELAYAKAN_KEMENAG",
	    "Guru dan Kepala Sekolah di bawah naungan Kemenag untuk sementara masih mengisi SKP di e-Kinerja BKN, bukan di "
	    "sini." },
	{ "KELAYAKAN_DIPEKERJAKAN", "ASN yang dipekerjakan di sekolah swasta mengisi SKP di e-Kinerja BKN, bukan di sini." },
	{ "KELAYAKAN_JENIS_PTK",
	    "Jenis PTK Anda di Dapodik ({ptk}) tidak termasuk yang dapat memakai Pengelolaan Kinerja Guru. Hubungi Operator "
	    "Sekolah untuk memperbaiki Jenis PTK di Dapodik. Sementara itu Anda dapat menyusun draf." },
	{ "KELAYAKAN_STATUS",
	    "Status kepegawaian Anda ({status}) tidak dikenali. Minta Operator Sekolah memperbaikinya di Dapodik. Sementara "
	    "itu Anda dapat menyusun draf." },
	{ "KELAYAKAN_NAUNGAN",
	    "Naungan sekolah ({naungan}) tidak dikenali: harus Pemda atau Kemenag. Minta Operator Sekolah memeriksa data "
	    "sekolah." },
	{ "KELAYAKAN_PERAN", "Pengelolaan Kinerja disusun oleh Guru dan Kepala Sekolah; {peran} tidak menyusun SKP." },
	{ "KELAYAKAN_JENIS_PTK_KOSONG",
	    "Jenis PTK Anda belum tercatat di sini. Minta Operator Sekolah mencatatnya sesuai Dapodik. Sementara itu Anda "
	    "dapat menyusun draf, tetapi belum dapat mengajukannya." },
	{ "KELAYAKAN_TIDAK_DAPAT_MENYUSUN", "SKP tidak dapat disusun di sini. {alasan}" },
	{ "KELAYAKAN_BELUM_DAPAT_MENGAJUKAN", "{aksi} belum dapat dilakukan. {alasan}" },

	/* ---- identity ---- */
	{ "IDENTITAS_SUDAH_DIUBAH",
	    "Data diri hanya dapat diubah sekali, dan Anda sudah mengubahnya pada {tanggal}. Perbaikan berikutnya dilakukan "
	    "Operator Sekolah melalui Dapodik." },
	{ "IDENTITAS_KOLOM_DAPODIK",
	    "{kolom} mengikuti Dapodik dan tidak dapat diubah di sini. Bila keliru, minta Operator Sekolah memperbaikinya "
	    "di Dapodik (Verval PTK)." },
	{ "IDENTITAS_HANYA_PEMILIK", "Data diri dikonfirmasi oleh pemiliknya sendiri, bukan oleh orang lain." },
	{ "IDENTITAS_BUKAN_PEGAWAI",
	    "Konfirmasi data diri adalah langkah pertama Pengelolaan Kinerja, dan dilakukan oleh Guru atau Kepala Sekolah "
	    "yang aktif di sekolah ini." },
	{ "IDENTITAS_FORMAT_NAMA", "Nama harus 2 sampai 100 karakter, tanpa karakter yang tidak dapat dibaca." },
	{ "IDENTITAS_FORMAT_PANGKAT", "Pangkat paling banyak 40 karakter, tanpa karakter yang tidak dapat dibaca." },
	{ "IDENTITAS_FORMAT_GOLONGAN",
	    "Golongan '{nilai}' tidak sesuai status kepegawaian {status}: PNS ditulis seperti III/a (I-IV, a-e), PPPK "
	    "dengan angka Romawi I-XVII seperti IX, dan pegawai non-ASN tidak memiliki golongan." },
	{ "IDENTITAS_FORMAT_JENJANG",
	    "Jenjang jabatan '{nilai}' tidak dikenal, atau status {status} tidak memiliki jenjang jabatan: Guru Ahli "
	    "Pertama, Guru Ahli Muda, Guru Ahli Madya atau Guru Ahli Utama (khusus ASN)." },
	{ "IDENTITAS_BELUM",
	    "Periksa data diri Anda. Bila sudah sesuai, konfirmasi (\"Data sudah sesuai\"). Nama, pangkat, golongan dan "
	    "jenjang jabatan dapat Anda ubah satu kali; data lain diperbaiki Operator Sekolah melalui Dapodik." },
	{ "IDENTITAS_DIKONFIRMASI", "Data diri sudah dikonfirmasi pada {tanggal}." },
	{ "IDENTITAS_SISA_SATU", "Anda masih dapat mengubah data diri satu kali." },
	{ "IDENTITAS_SISA_NOL",
	    "Data diri sudah diubah pada {tanggal}; perbaikan berikutnya dilakukan Operator Sekolah melalui Dapodik." },
	{ "IDENTITAS_EV_SESUAI", "Data diri dikonfirmasi: data sudah sesuai." },
	{ "IDENTITAS_EV_UBAH",
	    "Data diri dikonfirmasi dengan perubahan ({daftar}). Perubahan ini adalah satu-satunya kesempatan mengubah "
	    "data diri; sampaikan juga kepada Operator Sekolah agar Dapodik diperbarui." },

	/* ---- periods and deadlines ---- */
	{ "PERIODE_BELUM_DIBUKA",
	    "Periode {periode} belum dimulai oleh Kepala Sekolah. Minta Kepala Sekolah memulai periode ini; Dinas "
	    "Pendidikan juga dapat membukanya untuk sekolah Anda." },
	{ "PERIODE_DIBUKA", "Periode {periode} sudah dimulai." },
	{ "PERIODE_DITUTUP", "Periode {periode} sudah ditutup sejak batas evaluasi kinerja {tanggal}." },
	{ "PERIODE_BUKAN_PEMBUKA",
	    "Hanya Kepala Sekolah, Plt Kepala Sekolah, atau Kepala Dinas Pendidikan yang dapat memulai periode untuk "
	    "sekolah ini." },
	{ "TENGGAT_TANPA", "Tindakan ini tidak memiliki batas waktu." },
	{ "TENGGAT_TEPAT_WAKTU", "Tepat waktu (batas {tenggat}: {tanggal})." },
	{ "TENGGAT_TERLAMBAT",
	    "Batas {tenggat} ({tanggal}) sudah lewat. Tindakan tetap diterima karena batas ini lunak, dan dicatat "
	    "terlambat." },
	{ "TENGGAT_DITUTUP",
	    "Batas {tenggat} ({tanggal}) sudah lewat dan hanya dapat dilewati dengan dispensasi. Mintalah dispensasi "
	    "beserta alasannya kepada atasan atau Dinas Pendidikan." },
	{ "TENGGAT_DISPENSASI",
	    "Batas {tenggat} ({tanggal}) sudah lewat; tindakan diizinkan dengan dispensasi dari {pemberi}: {alasan}" },
	{ "TENGGAT_DISPENSASI_DITOLAK",
	    "Dispensasi hanya dapat diberikan oleh atasan pegawai ini atau Kepala Dinas Pendidikan, bukan oleh pemilik SKP "
	    "atau orang lain." },
	{ "TENGGAT_DISPENSASI_TANPA_ALASAN", "Dispensasi harus disertai alasan." },
	{ "TENGGAT_DISPENSASI_LAIN", "Dispensasi itu untuk batas {lain}, bukan untuk batas {tenggat}." },

	/* ---- the period as opened, and what waits for whom (kinerjad's plan views) ---- */
	{ "PERIODE_SUDAH_DIMULAI", "Periode {periode} sudah dimulai pada {tanggal} oleh {nama}." },
	{ "TUGAS_MULAI_PERIODE", "Mulai periode {periode} agar guru dapat menyusun SKP." },
	{ "TUGAS_TUNGGU_PERIODE", "Menunggu Kepala Sekolah memulai periode {periode}; sebelum itu SKP belum dapat disusun." },
	{ "TUGAS_SUSUN_SKP", "Susun SKP periode {periode}, lalu ajukan kepada atasan. {poin}" },
	{ "TUGAS_PERBAIKI_SKP", "Perbaiki SKP sesuai catatan atasan, lalu ajukan lagi. Catatan: {catatan}" },
	{ "TUGAS_TUNGGU_PERSETUJUAN", "SKP Anda sudah diajukan dan menunggu persetujuan atasan." },
	{ "TUGAS_SEPAKATI_SKP",
	    "Atasan menyetujui SKP Anda dengan {jumlah} penyesuaian. Periksa penyesuaiannya, lalu Sepakati." },
	{ "TUGAS_UNGGAH_BUKTI", "SKP sudah disepakati. Unggah Bukti Dukung untuk slot: {daftar}." },
	{ "TUGAS_PERIKSA_SKP", "SKP {nama} menunggu persetujuan Anda: Setujui atau Tinjau Ulang. {poin}" },
	{ "TUGAS_GURU_MENYUSUN", "{nama} belum mengajukan SKP (status: {status})." },
	{ "TUGAS_GURU_MEMPERBAIKI", "{nama} sedang memperbaiki SKP sesuai catatan atasan." },
	{ "TUGAS_GURU_MENYEPAKATI", "{nama} belum menyepakati SKP yang sudah disetujui." },

	/* ---- labels ---- */
	{ "LABEL_RANGKUMAN", "Rangkuman" },
	{ "LABEL_SK", "Nomor SK/Surat Tugas Tugas Tambahan {nama}" },
	{ "LABEL_PERILAKU_TEKS", "Perilaku aspek {aspek}" },
	{ "LABEL_EKSPEKTASI", "Ekspektasi khusus aspek {aspek}" },
	{ "LABEL_CATATAN", "Catatan" },
	{ "LABEL_ALASAN", "Alasan" },
	{ "LABEL_PRAKTIK", "sub-indikator Praktik Kinerja" },
	{ "LABEL_PERIODE", "periode" },
	{ "LABEL_KATALOG", "versi katalog" },
	{ "LABEL_JABATAN", "jabatan" },
	{ "LABEL_STATUS_BELUM", "Belum Dibuat" },
	{ "LABEL_STATUS_DRAF", "Draf" },
	{ "LABEL_STATUS_DIAJUKAN", "Diajukan" },
	{ "LABEL_STATUS_PERLU_REVISI", "Perlu Revisi" },
	{ "LABEL_STATUS_DISETUJUI", "Disetujui" },
	{ "LABEL_STATUS_DISEPAKATI", "Disepakati" },
	{ "LABEL_AKSI_SIMPAN", "Simpan Draf" },
	{ "LABEL_AKSI_AJUKAN", "Ajukan" },
	{ "LABEL_AKSI_SETUJUI", "Setujui" },
	{ "LABEL_AKSI_TINJAU_ULANG", "Tinjau Ulang" },
	{ "LABEL_AKSI_SEPAKATI", "Sepakati" },
	{ "LABEL_AKSI_BUKA_KEMBALI", "Buka Kembali" },
	{ "LABEL_PERAN_KEPALA_SEKOLAH", "Kepala Sekolah" },
	{ "LABEL_PERAN_PLT_KEPALA_SEKOLAH", "Plt Kepala Sekolah" },
	{ "LABEL_PERAN_PENGAWAS", "Pengawas Sekolah" },
	{ "LABEL_DINAS", "Dinas Pendidikan (kunci otoritas)" },
	{ "LABEL_PERAN_KEPALA_DINAS", "Kepala Dinas Pendidikan" },
	{ "LABEL_PERAN_GURU", "Guru" },
	{ "LABEL_PERAN_OPERATOR", "Operator Sekolah" },
	{ "LABEL_JABATAN_GURU", "Guru" },
	{ "LABEL_JABATAN_KEPALA_SEKOLAH", "Kepala Sekolah" },
	{ "LABEL_TENGGAT_PLAN_DUE", "pengajuan SKP" },
	{ "LABEL_TENGGAT_APPROVE_DUE", "persetujuan SKP" },
	{ "LABEL_TENGGAT_EVALUATION_DUE", "evaluasi kinerja" },
	{ "LABEL_ATAU", "atau" },
	{ "LABEL_IDENTITAS_NAMA", "Nama" },
	{ "LABEL_IDENTITAS_NIP", "NIP" },
	{ "LABEL_IDENTITAS_STATUS", "Status kepegawaian" },
	{ "LABEL_IDENTITAS_PANGKAT", "Pangkat" },
	{ "LABEL_IDENTITAS_GOLONGAN", "Golongan" },
	{ "LABEL_IDENTITAS_JENJANG", "Jenjang jabatan" },
	{ "LABEL_IDENTITAS_SATUAN_PENDIDIKAN", "Satuan pendidikan" },
	{ "LABEL_IDENTITAS_JENIS_PTK", "Jenis PTK" },

	/* ---- the hub: enrolment of schools (registration.c, daemon/hub.c) ---- */
	{ "HUB_DAFTAR_AUTH",
	    "Pendaftaran sekolah di hub harus menyebut data kantor Dinas (yang memuat kunci otoritasnya) sebagai dasar "
	    "kewenangannya." },
	{ "HUB_DAFTAR_BUKAN_OTORITAS",
	    "Pendaftaran sekolah hanya sah bila ditandatangani kunci otoritas kantor Dinas ini; tanda tangan ini bukan dari "
	    "kunci itu." },
	{ "HUB_KUNCI_SUDAH_DIPAKAI",
	    "Kunci perangkat ini sudah terdaftar untuk sekolah {terdaftar}. Satu perangkat melayani satu sekolah: cabut dulu "
	    "pendaftaran sekolah {terdaftar} (kinerja hub cabut --sekolah {terdaftar}) bila perangkatnya dipindahkan." },
	{ "HUB_HANYA_DI_KANTOR",
	    "Sekolah didaftarkan di kantor atau hub Dinas (role = dinas atau hub), bukan di kinerjad sekolah." },
	{ "HUB_NPSN_KANTOR_SENDIRI", "{npsn} adalah kode kantor ini sendiri, bukan NPSN sekolah. Periksa NPSN di Dapodik." },
	{ "HUB_KUNCI_PERANGKAT_FORMAT",
	    "Kunci perangkat adalah 64 karakter heksadesimal: device_key pada 'kinerja status' di komputer sekolah itu." },
	{ "HUB_KUNCI_PERANGKAT_SENDIRI",
	    "Itu kunci perangkat hub ini sendiri, bukan kunci komputer sekolah: salin device_key dari 'kinerja status' di "
	    "komputer sekolah." },
	{ "HUB_DAFTAR_FORMAT",
	    "Isi pendaftaran sekolah di hub memuat tepat device dan revoked (dan hub, untuk hub anak), masing-masing sekali." },
	{ "HUB_DAFTAR_FORMAT_PERANGKAT", "Isian device pendaftaran adalah kunci publik Ed25519 (32 byte)." },
	{ "HUB_DAFTAR_FORMAT_DICABUT", "Isian revoked pendaftaran adalah true atau false." },
	{ "HUB_DAFTAR_FORMAT_HUB", "Isian hub pendaftaran adalah true, atau tidak ada." },
	{ "HUB_DAFTAR_SUBJEK", "Subjek pendaftaran adalah NPSN sekolah yang didaftarkan (8 angka)." },
	{ "HUB_DAFTAR_DIRI_SENDIRI", "Kantor Dinas tidak mendaftarkan dirinya sendiri sebagai sekolah." },
	{ "HUB_DAFTAR_SATU_INDUK",
	    "Pendaftaran menggantikan satu versi sebelumnya, atau tidak ada bila ini pendaftaran yang pertama." },
	{ "HUB_BELUM_TERDAFTAR", "Sekolah {npsn} belum terdaftar di hub ini: tidak ada yang dapat dicabut." },
	{ "HUB_SUDAH_DICABUT", "Pendaftaran sekolah {npsn} sudah dicabut sebelumnya." },
	{ "HUB_ANAK_TERDAFTAR",
	    "Hub kantor {kantor} terdaftar sebagai hub anak di hub ini: catatan sekolah-sekolah yang terdaftar di sana naik ke "
	    "sini. Di hub {kantor}, isi sync.parent (alamat hub ini) dan sync.parent_key ({kunci_hub}), lalu mulai ulang "
	    "kinerjad." },
	{ "HUB_ANAK_BUKAN_SEKOLAH",
	    "Kode {kantor} sudah terdaftar di hub ini sebagai sekolah, bukan sebagai hub anak: cabut dulu pendaftarannya "
	    "(kinerja hub cabut --sekolah {kantor})." },
	{ "HUB_SEKOLAH_BUKAN_ANAK",
	    "Kode {npsn} sudah terdaftar di hub ini sebagai hub anak, bukan sebagai sekolah: cabut dulu pendaftarannya "
	    "(kinerja hub cabut --sekolah {npsn})." },

	/* ---- sync between a school and its hub (daemon/sync*.c): what the people at the school read ---- */
	{ "SYNC_BELUM_DIATUR",
	    "Sinkronisasi belum diatur: Operator Sekolah mengisi sync.hub (alamat hub) dan sync.hub_key (kunci perangkat hub) "
	    "di konfigurasi kinerjad, keduanya dari Dinas." },
	{ "SYNC_BUKAN_SEKOLAH",
	    "Daemon ini adalah kantor Dinas atau hub: sekolah yang menyinkronkan datanya ke sini, bukan sebaliknya. Lihat "
	    "kinerja hub sekolah." },
	{ "SYNC_SEKOLAH_BELUM_ADA", "Sekolah belum disiapkan di daemon ini (kinerja school init), jadi belum ada yang disinkronkan." },
	{ "SYNC_HUB_TIDAK_TERJANGKAU",
	    "Hub {hub} tidak dapat dihubungi ({sebab}). Data tetap aman tersimpan di sekolah; sinkronisasi dicoba lagi "
	    "otomatis. Periksa sambungan internet, atau jalankan kinerja sync now setelah sambungan pulih." },
	{ "SYNC_KUNCI_HUB_SALAH",
	    "Hub {hub} tidak dapat membuktikan bahwa ia memegang kunci yang diatur di sync.hub_key ({sebab}). Periksa kunci "
	    "perangkat hub di konfigurasi, atau minta kunci yang benar dari Dinas." },
	{ "SYNC_HUB_BELUM_SIAP", "Hub belum disiapkan oleh Dinas (kinerja dinas init belum dijalankan di hub). Coba lagi nanti." },
	{ "SYNC_SEKOLAH_BELUM_TERDAFTAR",
	    "Sekolah {npsn} belum terdaftar di hub ini: minta Dinas mendaftarkan kunci perangkat sekolah ini "
	    "(kinerja hub daftar --sekolah {npsn} --kunci-perangkat {kunci})." },
	{ "SYNC_KUNCI_DICABUT",
	    "Kunci perangkat sekolah {npsn} sudah dicabut oleh Dinas di hub ini. Bila perangkat sekolah diganti, minta Dinas "
	    "mendaftarkan kunci perangkat yang baru: {kunci}." },
	{ "SYNC_NPSN_LAIN",
	    "Kunci perangkat ini terdaftar di hub untuk sekolah {terdaftar}, bukan sekolah {npsn}. Periksa NPSN sekolah di "
	    "daemon ini, atau minta Dinas memperbaiki pendaftarannya." },
	{ "SYNC_KUNCI_LAIN",
	    "Sekolah {npsn} terdaftar di hub dengan kunci perangkat lain. Bila perangkat sekolah diganti, minta Dinas "
	    "mendaftarkan kunci perangkat yang baru: {kunci}." },
	{ "SYNC_PROTOKOL",
	    "Hub dan sekolah tidak sepakat tentang isi pesan sinkronisasi ({sebab}). Mungkin versi Kinerja berbeda: perbarui "
	    "Kinerja, lalu coba lagi." },
	{ "SYNC_TERPUTUS",
	    "Sambungan ke hub terputus di tengah sinkronisasi ({sebab}). Tidak ada data yang hilang: yang belum diterima hub "
	    "dikirim lagi pada percobaan berikutnya." },
	{ "SYNC_HUB_GAGAL_MENYIMPAN",
	    "Hub tidak dapat menyimpan kiriman sekolah saat ini ({sebab}). Data tetap aman di sekolah; dicoba lagi otomatis." },
	{ "SYNC_SEKOLAH_GAGAL_MENYIMPAN",
	    "Data dari hub tidak dapat disimpan di sekolah ({sebab}). Periksa ruang disk komputer sekolah; dicoba lagi otomatis." },
	{ "SYNC_DIBERHENTIKAN", "kinerjad sedang berhenti; sinkronisasi dilanjutkan setelah kinerjad berjalan lagi." },
	{ "SYNC_DI_LUAR_CAKUPAN",
	    "Catatan ini milik sekolah {milik}, bukan sekolah {npsn}: sebuah sekolah hanya mengirim catatannya sendiri." },
	{ "SYNC_BUKAN_KANTOR", "Sebuah sekolah tidak boleh mengirim data kantor Dinas ke hub." },
	/* ---- a hub syncing up to its parent hub (daemon/sync_parent.c) ---- */
	{ "SYNC_ANAK_BELUM_TERDAFTAR",
	    "Hub ini (kantor {kantor}) belum terdaftar di hub induk: minta Dinas di hub induk mendaftarkannya "
	    "(kinerja hub daftar-hub --kantor {kantor} --kunci-perangkat {kunci})." },
	{ "SYNC_ANAK_DICABUT",
	    "Pendaftaran hub kantor {anak} sudah dicabut di hub induk; catatan sekolah-sekolahnya tidak diterima lagi. Minta "
	    "Dinas di hub induk mendaftarkan kunci perangkat hub ini lagi: {kunci}." },
	{ "SYNC_ANAK_SEKOLAH_TIDAK_TERDAFTAR",
	    "Sekolah {npsn} tidak terdaftar di hub kantor {anak} (atau pendaftarannya dicabut), jadi hub {anak} tidak boleh "
	    "mengirim catatannya ke hub induk. Daftarkan sekolah itu di hub {anak} dengan kinerja hub daftar, lalu sinkron lagi." },
	{ "SYNC_ANAK_KANTOR_INDUK",
	    "Kode {npsn} adalah kantor hub induk ini sendiri: hub {anak} tidak mengirim atau mengambil catatannya. Cabut "
	    "pendaftaran kode itu di hub {anak}." },
	{ "SYNC_ANAK_SEKOLAH_GANDA",
	    "Sekolah {npsn} terdaftar di dua kantor ({kantor}), dan tidak satu pun dicabut: hub induk tidak menerima catatan "
	    "sekolah itu dari hub anak mana pun sampai salah satu kantor mencabut pendaftarannya (kinerja hub cabut --sekolah {npsn})." },
	{ "SYNC_ANAK_SEKOLAH_LANGSUNG",
	    "Sekolah {npsn} terdaftar langsung di hub induk, bukan lewat hub {anak}: sekolah itu sinkron sendiri ke hub induk." },
	{ "SYNC_ANAK_DI_LUAR_CAKUPAN",
	    "Catatan ini milik {milik}, bukan {npsn}: hub anak {anak} hanya mengirim catatan kantornya sendiri dan sekolah yang "
	    "terdaftar di sana, masing-masing dalam sesinya sendiri." },
	{ "SYNC_INDUK_BELUM_DIATUR",
	    "Hub ini belum diatur untuk sinkron ke hub induk: isi sync.parent (alamat hub induk) dan sync.parent_key (kunci "
	    "perangkat hub induk) di konfigurasi kinerjad, lalu minta Dinas di hub induk mendaftarkan hub ini "
	    "(kinerja hub daftar-hub)." },
	{ "SYNC_INDUK_OK",
	    "Sinkron ke hub induk {induk} terakhir berhasil; {kode} kode (kantor ini dan sekolahnya) dikirim, {menunggu} catatan "
	    "menunggu dikirim." },
	{ "SYNC_INDUK_BELUM_PERNAH", "Belum pernah sinkron ke hub induk {induk}; {menunggu} catatan menunggu dikirim." },
	{ "SYNC_BERKAS_DI_HUB_ANAK", "Berkas bukti dukung sekolah ini disimpan di hub anak {anak}; hub ini hanya memegang catatannya." },
	{ "SYNC_CATATAN_DITOLAK",
	    "Hub menolak {jumlah} catatan dari sekolah ini; catatan lain tetap diterima. Alasan pertama: {alasan} Hubungi "
	    "Operator Sekolah." },
	{ "BUNDEL_RUSAK",
	    "Berkas bundel ini rusak, terpotong, atau telah diubah ({sebab}). Tidak ada isinya yang diterapkan; buat ekspor "
	    "baru (kinerja sync export) dan salin lagi." },
	{ "BUNDEL_SEKOLAH_TIDAK_TERDAFTAR",
	    "Sekolah {npsn} tidak terdaftar di hub ini, jadi bundelnya tidak diterima. Daftarkan dulu dengan kinerja hub daftar." },
	{ "BUNDEL_BUKAN_PERANGKAT_TERDAFTAR",
	    "Bundel ini tidak ditandatangani oleh perangkat yang terdaftar untuk sekolah {npsn}. Tidak ada isinya yang "
	    "diterapkan; buat bundel di komputer sekolah yang terdaftar." },
	{ "BUNDEL_ARAH_SALAH",
	    "Bundel untuk sekolah {npsn} ini bukan untuk daemon ini: bundel dari sekolah diimpor di hub, bundel dari hub "
	    "diimpor di sekolah itu." },
	{ "BUNDEL_KUNCI_HUB_BELUM",
	    "Kunci hub belum diatur di sekolah ini (sync.hub_key), jadi bundel dari hub tidak dapat diperiksa. Tidak ada "
	    "yang diterapkan." },
	{ "BUNDEL_BUKAN_HUB",
	    "Bundel ini tidak ditandatangani oleh hub sekolah ini (sync.hub_key). Tidak ada isinya yang diterapkan." },
	{ "BUNDEL_BELUM_ADA_TANDA_TERIMA",
	    "Hub ini belum pernah mengimpor bundel dari sekolah {npsn}, jadi belum ada tanda terima untuk dikirim ke sana." },
	{ "BUNDEL_SPOOL_GAGAL",
	    "Bundel tidak dapat disimpan sementara di komputer ini ({sebab}). Periksa ruang disk di folder data kinerjad, lalu "
	    "ulangi." },
	{ "BUNDEL_SEDANG_DIBUAT", "Bundel lain sedang dibuat di komputer ini; tunggu sampai selesai, lalu ulangi." },
	{ "BUNDEL_SEDANG_DITERAPKAN",
	    "Bundel lain sedang diperiksa dan diterapkan di komputer ini; tunggu sampai selesai, lalu ulangi." },
	{ "BUNDEL_NPSN_PERLU", "Sebutkan sekolah tujuannya: --sekolah NPSN (8 angka)." },
	{ "BUNDEL_POSISI_PERLU",
	    "Sebutkan posisi sekolah itu: --setelah N (angka 'diterima s.d.' di 'kinerja sync status' sekolah itu), atau "
	    "--semua, atau --tanda-terima." },
	{ "BUNDEL_TANDA_TERIMA_DI_HUB", "Tanda terima dibuat di hub untuk sekolah, bukan di sekolah." },
	{ "BUNDEL_TIDAK_MENUNGGU", "Tidak ada bundel Anda yang menunggu disalin: jalankan 'kinerja sync export' lagi." },
	{ "BUNDEL_KIRIM_ULANG",
	    "Pengiriman bundel ini terputus di tengah jalan (sampai byte {posisi}); jalankan 'kinerja sync import' lagi." },
	{ "BUNDEL_UKURAN", "Bundel yang dapat diterima berukuran 1 byte sampai 1 TiB." },
	{ "BUNDEL_AMBIL_OFFSET", "Isian offset (posisi byte bundel yang diminta, 0 atau lebih) wajib diisi." },
	{ "BUNDEL_AMBIL_LEWAT", "Bundel ini {ukuran} byte; offset harus kurang dari itu." },
	{ "BUNDEL_POTONGAN_FORMAT",
	    "Potongan bundel berisi offset, total dan data (bin, paling banyak 1 MiB); jalankan 'kinerja sync import' "
	    "lagi." },
	{ "BUNDEL_MELEBIHI_TOTAL",
	    "Data melewati ukuran bundel yang disebut di awal; tidak ada yang diterapkan. Jalankan 'kinerja sync import' "
	    "lagi." },
	{ "BUNDEL_BERUBAH",
	    "Salinan bundel di folder sementara kinerjad berubah selama diperiksa; tidak ada yang diterapkan. Impor lagi." },
	{ "BUNDEL_BUKTI_TIDAK_LENGKAP",
	    "Bukti Dukung bundel ini bersandar pada berkas yang tidak ada di dalamnya maupun di hub ini ({sebab}; hub dipulihkan "
	    "dari cadangan?). Tidak ada yang diterapkan; di sekolah buat bundel lengkap: kinerja sync export BERKAS --semua." },
	{ "BUNDEL_DOKUMEN_TERLALU_BANYAK",
	    "Sekolah ini punya lebih dari {maks} dokumen Bukti Dukung, terlalu banyak untuk satu bundel." },
	{ "BUNDEL_TANDA_TERIMA_RUSAK",
	    "Tanda terima yang disimpan hub untuk sekolah {npsn} rusak; impor lagi bundel terakhir dari sekolah itu." },
	{ "BUNDEL_BERKAS_RUSAK",
	    "{berkas} rusak, terpotong, atau telah diubah ({sebab}). Tidak ada isinya yang diterapkan; buat ekspor baru." },
	{ "BUNDEL_BUKAN_BERKAS", "{berkas} bukan berkas bundel (berkas biasa yang tidak kosong)." },
	{ "BUNDEL_SETELAH_ANGKA", "--setelah adalah posisi: angka bulat, 0 atau lebih." },
	{ "BUNDEL_JAWABAN_KOSONG", "kinerjad menjawab tanpa isi bundel; ulangi kinerja sync export." },
	{ "BUNDEL_CATATAN_DITOLAK", "{jumlah} catatan bundel ditolak (yang lain diterapkan); alasannya tertulis di atas." },
	{ "CLI_NAMA_BERKAS_PANJANG", "Nama berkas {berkas} terlalu panjang." },
	{ "SYNC_FASE_DIAM", "tidak sedang sinkronisasi" },
	{ "SYNC_FASE_MENGHUBUNGI", "menghubungi hub" },
	{ "SYNC_FASE_MENGIRIM", "mengirim catatan ke hub" },
	{ "SYNC_FASE_MENERIMA", "menerima catatan dari hub" },
	{ "SYNC_FASE_MENCOCOKKAN", "mencocokkan isi sekolah dan hub" },

	/* ---- access: who may call what and read whose records (access.c) ---- */
	{ "AKSES_AKUN_TIDAK_AKTIF", "Akun Anda tidak aktif di sekolah ini. Minta Operator Sekolah mengaktifkannya." },
	{ "AKSES_HANYA_OPERATOR", "Hanya Operator Sekolah yang dapat melakukan ini (Anda: {peran})." },
	{ "AKSES_BUNDEL_HANYA_OPERATOR",
	    "Bundel sinkron (sync export/import) dibawa oleh Operator: Operator Sekolah di sekolah, Operator kantor atau "
	    "Kepala Dinas di hub (Anda: {peran})." },
	{ "AKSES_KELAYAKAN_TERBATAS",
	    "Kelayakan menyusun SKP seseorang hanya dilihat oleh orang itu, Operator Sekolah dan atasannya (Kepala Sekolah)." },
	{ "AKSES_DAFTAR_PEGAWAI",
	    "Daftar pegawai hanya dilihat Operator Sekolah dan Kepala Sekolah. Data Anda sendiri ditampilkan "
	    "'kinerja whoami'." },
	{ "AKSES_TANPA_BUKTI",
	    "{peran} tidak memiliki Bukti Dukung sendiri: Bukti Dukung diunggah oleh Guru dan Kepala Sekolah." },
	{ "AKSES_PERIKSA_PENYIMPANAN_BUKTI", "Penyimpanan Bukti Dukung diperiksa oleh Kepala Sekolah atau Operator Sekolah." },
	{ "AKSES_OPERATOR_TIDAK_MEMBACA_BUKTI",
	    "Operator Sekolah mengelola data pegawai dan perangkat, tetapi tidak membaca Bukti Dukung guru." },
	{ "AKSES_BUKAN_ATASAN", "Anda bukan atasan pegawai ini." },
	{ "AKSES_GURU_REKAMAN_SENDIRI",
	    "Guru hanya membaca rekamannya sendiri; Kepala Sekolahnya (atasan) juga dapat membacanya." },
	{ "AKSES_GURU_PENDAFTARAN_SENDIRI", "Guru hanya membaca data pendaftarannya sendiri." },
	{ "AKSES_SUBJEK_TIDAK_TERDAFTAR", "Rekaman ini tentang orang yang tidak terdaftar di sekolah ini." },
	{ "AKSES_IDENTITAS_PEMILIK", "Konfirmasi data diri hanya dapat dibaca oleh pemiliknya sendiri." },
	{ "AKSES_JENIS_REKAMAN", "Rekaman jenis '{jenis}' tidak dapat dibaca di sini." },
	{ "AKSES_MULAI_PERIODE",
	    "Hanya Kepala Sekolah yang memulai (membuka) periode sekolah. Mintalah Kepala Sekolah Anda memulainya." },
	{ "AKSES_ATAS_NAMA_DINAS", "Hanya Operator kantor Dinas atau Kepala Dinas yang bertindak atas nama Dinas Pendidikan." },
	{ "AKSES_TANPA_SKP", "{peran} tidak memiliki SKP sendiri: SKP disusun oleh Guru dan Kepala Sekolah." },
	{ "AKSES_HANYA_ATASAN",
	    "Hanya atasan (Kepala Sekolah, Plt Kepala Sekolah, Pengawas Sekolah, Kepala Dinas) yang menyetujui, meminta "
	    "Tinjau Ulang atau membuka kembali SKP." },
	{ "AKSES_OPERATOR_TIDAK_MEMBACA_SKP",
	    "Operator Sekolah mengelola data pegawai dan perangkat, tetapi tidak membaca SKP." },
	{ "AKSES_BUKAN_ATASAN_SKP", "Anda bukan atasan pegawai ini, sehingga tidak dapat membaca SKP-nya." },
	{ "AKSES_GURU_SKP_SENDIRI", "Guru hanya membaca SKP-nya sendiri; Kepala Sekolahnya (atasan) juga dapat membacanya." },

	/* ---- the school and its people: what the Operator Sekolah enters (domain.c) ---- */
	{ "FORMAT_NPSN", "NPSN harus tepat 8 angka (tertulis '{nilai}'). Lihat NPSN sekolah di Dapodik." },
	{ "FORMAT_NIP", "NIP harus tepat 18 angka (tertulis '{nilai}'). Cocokkan dengan SK." },
	{ "FORMAT_NIP_TANGGAL",
	    "NIP '{nip}' tidak memuat tanggal lahir (angka ke-1 sampai ke-8) dan bulan pengangkatan (angka ke-9 sampai "
	    "ke-14) yang sah. Cocokkan dengan SK." },
	{ "FORMAT_NIP_JENIS_KELAMIN", "NIP '{nip}': angka ke-15 (jenis kelamin) harus 1 atau 2. Cocokkan dengan SK." },
	{ "FORMAT_NUPTK", "NUPTK harus tepat 16 angka (tertulis '{nilai}'). Cocokkan dengan Dapodik." },
	{ "FORMAT_PERAN", "Peran '{nilai}' tidak dikenal: gunakan guru, kepala_sekolah, operator, pengawas atau kepala_dinas." },
	{ "FORMAT_NAMA_PENDEK", "Isian {kolom} minimal 2 karakter." },
	{ "FORMAT_NAMA_PANJANG", "Isian {kolom} paling banyak {maks} karakter. Persingkat isiannya." },
	{ "FORMAT_NAMA_KONTROL", "Isian {kolom} memuat karakter kendali yang tidak terlihat. Ketik ulang isiannya." },
	{ "FORMAT_TEKS_PANJANG", "Isian {kolom} harus berupa teks, paling banyak {maks} karakter." },
	{ "FORMAT_TEKS_WAJIB", "Isian {kolom} wajib diisi (teks, paling banyak {maks} karakter)." },
	{ "FORMAT_HEKSA", "Isian {kolom} harus {jumlah} karakter heksadesimal." },
	{ "FORMAT_HEKSA_KECIL", "Isian {kolom} harus {jumlah} karakter heksadesimal huruf kecil (0-9, a-f)." },
	{ "SEKOLAH_TANPA_OPERATOR", "Data sekolah harus menyebut kunci publik Operator Sekolah-nya." },
	{ "SEKOLAH_KUNCI_DINAS", "Kunci otoritas dalam data sekolah harus kunci publik Dinas Pendidikan (32 byte)." },
	{ "SEKOLAH_JENIS", "Jenis yang boleh disebut data sekolah hanya \"dinas\" (kantor Dinas Pendidikan)." },
	{ "TERIMA_SUBJEK_KUNCI", "Subjek rekaman harus diawali kunci publik orangnya dalam heksadesimal huruf kecil." },
	{ "TERIMA_AUTH_KEANGGOTAAN", "Auth rekaman harus keanggotaan penulisnya di sekolah {npsn}." },
	{ "TERIMA_KEANGGOTAAN_TIDAK_LEBIH_LAMA", "Keanggotaan penulis yang disebut rekaman ini tidak lebih lama dari rekaman itu sendiri." },
	{ "TERIMA_SKP_HANYA_GURU_KS", "Hanya guru atau Kepala Sekolah yang aktif di sekolah ini yang bertindak atas SKP." },
	{ "TERIMA_PERAN_TANPA_SKP", "{peran} tidak mempunyai SKP sendiri." },
	{ "TERIMA_SKP_PEMILIK_ATAU_ATASAN", "Hanya pemilik SKP atau atasannya (Kepala Sekolah) yang bertindak atas SKP itu." },
	{ "TERIMA_PERIODE_HANYA_KS", "Hanya Kepala Sekolah yang aktif di sekolah ini yang membuka periode (R10)." },
	{ "TERIMA_ORANG_HANYA_OPERATOR", "Hanya Operator Sekolah yang aktif di sekolah ini yang boleh menambah atau mengubah data orang." },
	{ "TERIMA_OPERATOR_AKUN_SENDIRI",
	    "Operator tidak boleh menonaktifkan atau menurunkan peran akunnya sendiri; mintalah operator lain." },
	{ "TERIMA_JENIS_TIDAK_DIKENAL", "Jenis rekaman '{jenis}' tidak dikenal oleh versi Kinerja ini; perbarui Kinerja." },
	{ "TERIMA_KATALOG_AUTH", "Rekaman harus menyebut rekaman katalog versi {versi} sebagai auth." },
	{ "TERIMA_KATALOG_TIDAK_LEBIH_LAMA", "Rekaman katalog yang disebut rekaman ini tidak lebih lama dari rekaman itu sendiri." },
	{ "TERIMA_KATALOG_KOSONG", "Rekaman katalog yang disebut rekaman ini tidak memuat katalog." },
	{ "TERIMA_KATALOG_BUKAN_VERSI", "Byte rekaman katalog itu bukan katalog versi {versi}." },
	{ "TERIMA_PERIODE_SUBJEK", "Subjek rekaman periode adalah periodenya, TAHUN-SEMESTER." },
	{ "TERIMA_PERIODE_DINAS_AUTH", "Periode yang dibuka Dinas harus menyebut rekaman sekolah dan katalog yang dipakainya." },
	{ "TERIMA_SKP_SATU_INDUK", "Versi SKP menggantikan satu versi sebelumnya (induknya), atau tidak ada bila ini versi pertama." },
	{ "TERIMA_SKP_MEMORI", "Memori habis saat memeriksa rekaman SKP; coba lagi." },
	{ "TERIMA_PENUGASAN_TIDAK_LEBIH_LAMA", "Penugasan yang disebut rekaman ini tidak lebih lama dari rekaman itu sendiri." },
	{ "TERIMA_KEANGGOTAAN_PEMILIK",
	    "Keanggotaan pemilik SKP yang disebut rekaman ini harus dari sekolah ini dan lebih lama dari rekaman itu." },
	{ "TERIMA_PEMILIK_KEANGGOTAAN_SENDIRI", "Pemilik SKP bertindak dengan keanggotaannya sendiri." },
	{ "TERIMA_PERIODE_AUTH", "Periode yang disebut rekaman ini harus periode {periode} sekolah ini, dibuka sebelum rekaman itu." },
	{ "TERIMA_KATALOG_ISI", "Isi rekaman katalog adalah map dengan satu kunci \"json\" berisi byte berkas katalog apa adanya." },
	{ "TERIMA_WAKTU_MASA_DEPAN", "Rekaman bertanggal lebih dari sehari di masa depan: periksa jam komputer yang membuatnya." },
	{ "TERIMA_SEKOLAH_LAIN", "Penyimpanan ini milik sekolah {npsn}, bukan {milik}." },
	{ "TERIMA_INDUK_DOKUMEN_SAMA", "Rekaman hanya boleh menggantikan versi sebelumnya dari dokumennya sendiri." },
	{ "TERIMA_INDUK_LEBIH_LAMA", "Rekaman hanya boleh menggantikan rekaman yang lebih lama darinya." },
	{ "TERIMA_SEKOLAH_SUBJEK", "Subjek rekaman sekolah harus NPSN-nya." },
	{ "TERIMA_SEKOLAH_TANDA_TANGAN_OPERATOR", "Rekaman sekolah yang baru harus ditandatangani operator yang disebutnya." },
	{ "TERIMA_SEKOLAH_TANPA_AUTH", "Rekaman sekolah yang baru berdiri sendiri: ia tidak menyebut rekaman auth." },
	{ "TERIMA_USER_SUBJEK", "Subjek rekaman pengguna harus kunci publik orangnya dalam heksadesimal huruf kecil." },
	{ "TERIMA_OPERATOR_PENDIRI", "Operator yang disebut rekaman sekolah mendaftarkan dirinya sebagai operator aktif." },
	{ "TERIMA_BUKTI_SUBJEK", "Subjek rekaman Bukti Dukung adalah <kunci orang dalam heksadesimal huruf kecil>.<periode>." },
	{ "TERIMA_PERIODE_BEDA_SUBJEK", "Periode dalam rekaman berbeda dengan periode pada subjeknya." },
	{ "TERIMA_AUTH_SATU", "Rekaman harus menyebut tepat satu rekaman auth: keanggotaan penulisnya." },
	{ "REKAMAN_RUSAK",
	    "Rekaman ini rusak ({sebab}), sehingga tidak diterima. Minta pengirimnya mengekspor atau menyinkronkan lagi." },
	{ "REKAMAN_TERLALU_BESAR", "Rekaman ini {ukuran} byte, lebih dari batas {maks} byte, sehingga tidak diterima." },
	{ "REKAMAN_ID_TIDAK_COCOK",
	    "Id rekaman tidak cocok dengan isinya: rekaman ini diubah setelah dibuat, sehingga tidak diterima." },
	{ "REKAMAN_TANDA_TANGAN_TIDAK_SAH",
	    "Tanda tangan rekaman tidak cocok dengan isi dan penulisnya: rekaman ini diubah atau dipalsukan, sehingga tidak "
	    "diterima." },
	{ "TERIMA_PERIODE_AUTH_SATU",
	    "Rekaman periode menyebut sebagai auth keanggotaan penulisnya dan katalog yang dipakainya, masing-masing sekali." },
	{ "TERIMA_SKP_AUTH_SATU",
	    "Versi SKP menyebut sebagai auth keanggotaan penulisnya (atau, untuk Plt, Pengawas dan Kepala Dinas, penugasan "
	    "dari Dinas), periodenya, katalognya, dan bila atasan yang bertindak, keanggotaan pemilik SKP serta penugasan "
	    "Plt; masing-masing sekali." },
	{ "TERIMA_SKP_ISI_TIDAK_SESUAI",
	    "Isian {kolom} rekaman SKP bukan hasil tindakannya ({aksi} dari status {dari}); rekaman ini tidak diterima." },
	{ "TERIMA_SKP_SUBJEK", "Subjek rekaman SKP adalah <kunci orang dalam heksadesimal huruf kecil>.<periode>." },
	{ "TERIMA_SKP_SUBJEK_PERIODE", "Subjek rekaman SKP diakhiri periodenya, TAHUN-SEMESTER." },
	{ "TERIMA_KATALOG_TANPA_INDUK",
	    "Versi katalog tidak pernah berubah, sehingga rekamannya tidak menggantikan rekaman lain; perbaikan adalah "
	    "versi baru." },
	{ "TERIMA_KATALOG_SUBJEK",
	    "Subjek rekaman katalog harus versinya, yaitu BLAKE2b-256 byte-nya ({versi}): byte-nya berubah atau subjeknya "
	    "keliru." },
	{ "TERIMA_PENUGASAN_SUBJEK",
	    "Subjek rekaman penugasan adalah <kunci orang dalam heksadesimal>.<peran>, sesuai isinya ({subjek})." },
	{ "TERIMA_PENUGASAN_SEKOLAH", "Isi rekaman penugasan harus menyebut sekolah rekaman itu sendiri." },
	{ "TERIMA_PENUGASAN_AUTH_SEKOLAH", "Penugasan Pengawas atau Kepala Dinas hanya menyebut rekaman sekolah sebagai auth." },
	{ "TERIMA_PENUGASAN_PLT_AUTH",
	    "Penugasan Plt menyebut sebagai auth rekaman sekolah dan keanggotaan guru itu di sekolah tersebut, keduanya lebih "
	    "lama dari penugasan itu." },
	{ "TERIMA_IDENTITAS_SUBJEK", "Subjek rekaman data diri adalah kunci publik orangnya dalam heksadesimal huruf kecil." },
	{ "TERIMA_IDENTITAS_SATU_INDUK",
	    "Konfirmasi data diri menggantikan satu konfirmasi sebelumnya, atau tidak ada bila ini yang pertama." },
	{ "TERIMA_IDENTITAS_AUTH",
	    "Konfirmasi data diri menyebut sebagai auth keanggotaan penulisnya di sekolah {npsn} dan rekaman sekolah itu, "
	    "masing-masing sekali." },
	{ "TERIMA_IDENTITAS_AUTH_LEBIH_LAMA",
	    "Keanggotaan dan rekaman sekolah yang disebut konfirmasi data diri harus lebih lama darinya." },
	{ "TERIMA_IDENTITAS_TIDAK_SESUAI",
	    "{isian} dalam rekaman data diri bukan hasil konfirmasi atas induknya dan keanggotaan yang disebutnya." },
	{ "IDENTITAS_FORMAT_MAP", "Isi rekaman data diri harus berupa map (pasangan kolom dan nilai)." },
	{ "IDENTITAS_KOLOM_ASING", "Kolom data diri '{kolom}' tidak dikenal oleh versi Kinerja ini; perbarui Kinerja." },
	{ "IDENTITAS_KOLOM_GANDA", "Kolom data diri '{kolom}' muncul dua kali." },
	{ "IDENTITAS_KOLOM_HILANG", "Kolom data diri '{kolom}' tidak ada: konfirmasi memuat semua kolom." },
	{ "IDENTITAS_KOLOM_PANJANG", "Kolom data diri '{kolom}' harus teks, paling banyak {maks} byte." },
	{ "IDENTITAS_FORMAT_DIUBAH", "Isian edited harus daftar kolom yang diubah versi ini." },
	{ "IDENTITAS_DIUBAH_URUTAN",
	    "Isian edited hanya memuat kolom yang boleh diubah pemiliknya (nama, pangkat, golongan, jenjang), "
	    "masing-masing sekali, dalam urutan itu." },
	{ "IDENTITAS_FORMAT_WAKTU_UBAH", "Isian edit_ms adalah waktu satu-satunya perubahan (milidetik), atau kosong (nil)." },
	{ "SKP_FORMAT_PENYESUAIAN", "Satu versi SKP memuat paling banyak {maks} penyesuaian atasan." },
	{ "SEKOLAH_SUDAH_ADA", "Daemon ini sudah memegang sekolah {npsn} ({nama}); satu penyimpanan melayani satu sekolah." },
	{ "SEKOLAH_HANYA_INI", "Daemon ini hanya memegang sekolah {npsn}, bukan {diminta}." },
	{ "SEKOLAH_PENYIAP_OPERATOR", "Orang yang menyiapkan sekolah adalah Operator Sekolah-nya (peran operator)." },
	{ "KANTOR_DISIAPKAN_DINAS_INIT",
	    "Daemon ini kantor Dinas Pendidikan (role = {peran}): siapkan dengan 'kinerja dinas init', bukan 'school init'." },
	{ "KANTOR_KUNCI_SENDIRI", "Kantor Dinas membuat kunci otoritasnya sendiri; --authority-key hanya untuk sekolah." },
	{ "KANTOR_BELUM_ADA_SEKOLAH",
	    "Kantor ini belum menyimpan catatan sekolah {npsn}: impor dulu catatan sekolah itu (kinerja record import BERKAS) "
	    "atau sinkronkan sekolah itu dengan hub ini." },
	{ "PERAN_DI_KANTOR_DINAS",
	    "{peran} didaftarkan di kantor Dinas, bukan oleh sekolah; Dinas menugaskannya ke sekolah (kinerja dinas tugaskan)." },
	{ "PERAN_DI_SEKOLAH",
	    "Kantor Dinas mendaftarkan operatornya, Pengawas dan Kepala Dinas; {peran} didaftarkan oleh sekolahnya." },
	{ "REKAMAN_SEKOLAH_INI_SAJA", "Penyimpanan ini hanya melayani sekolah {npsn}." },
	{ "REKAMAN_KUNCI_DOKUMEN", "Kunci dokumen berbentuk jenis/npsn/subjek, misalnya user/20100001/<kunci>." },
	{ "REKAMAN_TIDAK_ADA", "Tidak ada rekaman dengan id ini di sini." },
	{ "REKAMAN_DOKUMEN_TIDAK_ADA", "Tidak ada rekaman dokumen '{dokumen}' di sini." },
	{ "REKAMAN_ID_ATAU_DOKUMEN", "Berikan id rekaman atau kunci dokumen (jenis/npsn/subjek)." },
	{ "REKAMAN_ID_FORMAT", "Isian {kolom} harus id rekaman: 64 karakter heksadesimal, seperti yang ditampilkan Kinerja." },
	{ "REKAMAN_DOKUMEN_TANPA_VERSI",
	    "Dokumen '{dokumen}' tersimpan di sini, tetapi tidak ada versinya yang berlaku; 'kinerja record history' "
	    "menampilkan semua versinya." },
	{ "REKAMAN_KUNCI_DOKUMEN_PANJANG", "Kunci dokumen paling panjang {maks} byte." },
	{ "PEGAWAI_NOMOR_SUDAH_ADA",
	    "{jenis} {nomor} sudah terdaftar di sekolah ini atas nama {nama}. Periksa nomornya: satu NIP/NUPTK hanya untuk "
	    "satu pegawai; ubah data pegawai itu dengan 'kinerja user edit' bila perlu." },
	{ "SEKOLAH_BUKAN_KANTOR",
	    "kinerjad ini melayani sekolah (role = {peran}); kantor Dinas Pendidikan menjalankan kinerjad dengan role = "
	    "dinas (atau hub) di konfigurasinya." },
	{ "SEKOLAH_KUNCI_DINAS_FORMAT",
	    "Kunci otoritas Dinas adalah 64 karakter heksadesimal (isi berkas yang ditulis 'kinerja dinas kunci'); tertulis "
	    "'{nilai}'." },
	{ "BUKTI_PERIKSA_BERJALAN",
	    "Pemeriksaan penyimpanan Bukti Dukung sedang berjalan; tunggu sampai selesai, lalu jalankan lagi bila perlu." },
	{ "PERMINTAAN_LAMBAT_PENUH",
	    "Anda sudah menjalankan {jumlah} permintaan lambat (login, kunci baru, berkas); tunggu jawabannya dulu." },
	{ "METODE_TANPA_ATURAN", "Metode ini tidak punya aturan akses, jadi ditolak." },
	{ "SANDI_SEKALI_PAKAI",
	    "Anda masuk dengan kata sandi sekali pakai: buat kata sandi Anda sendiri dulu dengan 'kinerja passwd'." },
	{ "SESI_KEANGGOTAAN_HILANG", "Keanggotaan Anda di sekolah ini sudah tidak ada; tanyakan kepada Operator Sekolah." },
	{ "DAEMON_KLIEN_PENUH", "Daemon sudah melayani {jumlah} klien (max_clients); coba lagi sebentar lagi." },
	{ "BATAS_HALAMAN", "limit harus bilangan bulat 1 sampai {maks} (butir per halaman)." },
	{ "HALAMAN_KURSOR",
	    "Isian cursor harus nilai 'next' dari halaman sebelumnya pada daftar yang sama, tanpa diubah; kosongkan untuk "
	    "mulai dari halaman pertama." },

	/* ---- the RPC request itself, as kinerjad reads it (daemon/server.c, daemon/work.c) ---- */
	{ "PERMINTAAN_BUKAN_MSGPACK",
	    "Permintaan ini bukan MessagePack, jadi kinerjad tidak dapat membacanya. Gunakan CLI kinerja yang versinya sama "
	    "dengan kinerjad." },
	{ "PERMINTAAN_BENTUK",
	    "Bentuk permintaan salah: permintaan adalah [0, msgid, metode, params], pemberitahuan [2, metode, params]. "
	    "Gunakan CLI kinerja yang versinya sama dengan kinerjad." },
	{ "PERMINTAAN_MSGID", "Isian msgid permintaan harus bilangan bulat 0 sampai 4294967295." },
	{ "PERMINTAAN_METODE_TEKS", "Nama metode dalam permintaan harus berupa teks." },
	{ "PERMINTAAN_METODE_TIDAK_DIKENAL",
	    "Metode ini tidak dikenal kinerjad. Pastikan CLI kinerja dan kinerjad berasal dari versi yang sama; README "
	    "memuat daftar metode yang ada." },
	{ "PERMINTAAN_PARAMS",
	    "Isian params permintaan harus berupa array kosong, atau array berisi satu map argumen bernama." },
	{ "PERMINTAAN_TERLALU_BESAR",
	    "Permintaan lebih besar dari {maks} KiB (batas max_frame_kb kinerjad): kirim dalam potongan yang lebih kecil." },
	{ "FORMAT_TEKS_UTF8", "Isian {kolom} memuat karakter yang tidak dapat dibaca (bukan UTF-8). Ketik ulang isinya." },
	{ "DAEMON_BERHENTI", "kinerjad sedang berhenti; coba lagi setelah kinerjad berjalan kembali." },
	{ "DAEMON_ANTREAN_PENUH",
	    "kinerjad sedang menunggu {jumlah} permintaan lambat sejenis (login, kunci baru, berkas); coba lagi sebentar "
	    "lagi." },
	{ "SEKOLAH_BELUM_ADA", "Sekolah belum disiapkan di sini: jalankan 'kinerja school init' lebih dulu." },
	{ "SEKOLAH_HANYA_OPERATOR", "Hanya Operator Sekolah yang aktif di sekolah ini yang dapat mengubah data sekolah." },
	{ "PEGAWAI_GOLONGAN_PNS", "Golongan '{nilai}' bukan golongan PNS: tulis seperti III/a (I-IV, a-e)." },
	{ "PEGAWAI_GOLONGAN_PPPK", "Golongan '{nilai}' bukan golongan PPPK: tulis dengan angka Romawi I-XVII, misalnya IX." },
	{ "PEGAWAI_GOLONGAN_NON_ASN", "Pegawai non-ASN tidak memiliki golongan: kosongkan golongan." },
	{ "PEGAWAI_JENJANG",
	    "Jenjang jabatan '{nilai}' tidak dikenal: gunakan Guru Ahli Pertama, Guru Ahli Muda, Guru Ahli Madya atau Guru "
	    "Ahli Utama." },
	{ "PEGAWAI_JENJANG_NON_ASN", "Jenjang jabatan hanya untuk ASN: kosongkan jenjang untuk pegawai non-ASN." },
	{ "PEGAWAI_NAUNGAN", "Naungan '{nilai}' tidak dikenal: gunakan pemda atau kemenag." },
	{ "PEGAWAI_FORMAT_MAP", "Isi rekaman data pegawai harus berupa map (pasangan kolom dan nilai)." },
	{ "PEGAWAI_KOLOM_ASING", "Kolom data pegawai '{kolom}' tidak dikenal oleh versi Kinerja ini." },
	{ "PEGAWAI_KOLOM_GANDA", "Kolom data pegawai '{kolom}' muncul dua kali." },
	{ "PEGAWAI_DIPEKERJAKAN_FORMAT", "Isian seconded_private (dipekerjakan di sekolah swasta) harus true atau false." },
	{ "PEGAWAI_AKTIF_WAJIB", "Data pegawai harus menyebut apakah pegawai itu aktif." },
	{ "PEGAWAI_STATUS", "Status kepegawaian '{nilai}' tidak dikenal: gunakan PNS, PPPK atau NON_ASN." },
	{ "PEGAWAI_ASN_TANPA_NIP", "Pegawai ASN ({status}) wajib memiliki NIP 18 angka. Isi NIP sesuai SK." },
	{ "PEGAWAI_NON_ASN_NIP",
	    "Pegawai non-ASN tidak memiliki NIP: isi NUPTK sebagai gantinya, atau ubah status menjadi PNS/PPPK." },
	{ "PEGAWAI_NON_ASN_TANPA_NUPTK", "Pegawai non-ASN memerlukan NUPTK 16 angka untuk masuk. Isi NUPTK sesuai Dapodik." },
	{ "PEGAWAI_JENIS_PTK_KONTROL", "Jenis PTK memuat karakter kendali yang tidak terlihat. Ketik ulang sesuai Dapodik." },
	{ "PEGAWAI_DIPEKERJAKAN_NON_ASN",
	    "Hanya ASN (PNS atau PPPK) yang dapat dipekerjakan di sekolah swasta; pegawai non-ASN tidak." },
	{ "PEGAWAI_KS_NON_ASN", "Kepala Sekolah definitif adalah ASN (PNS atau PPPK). Periksa status kepegawaiannya." },
	{ "PEGAWAI_PERAN_NON_ASN", "{peran} adalah ASN (PNS atau PPPK). Periksa status kepegawaiannya." },
	{ "PEGAWAI_HANYA_OPERATOR_AKTIF",
	    "Hanya Operator Sekolah yang aktif di sekolah ini yang dapat menambah atau mengubah data pegawai." },
	{ "PEGAWAI_HANYA_OPERATOR", "Hanya Operator Sekolah yang dapat menambah atau mengubah data pegawai (Anda: {peran})." },
	{ "PEGAWAI_OPERATOR_DIRI_SENDIRI",
	    "Operator Sekolah tidak dapat menonaktifkan atau menurunkan peran akunnya sendiri. Mintalah operator lain." },
	{ "PERIODE_TAHUN", "Tahun periode {tahun} di luar rentang 2020-2100." },

	/* ---- the Bukti Dukung record (domain.c) ---- */
	{ "BUKTI_FORMAT_STATUS", "Status Bukti Dukung '{nilai}' tidak dikenal: draf atau dikumpulkan." },
	{ "BUKTI_FORMAT_UNGGAH", "Rekaman unggahan Bukti Dukung harus menyebut slot, nama berkas dan blob-nya." },
	{ "BUKTI_FORMAT_UNGGAH_STATUS", "Unggahan membuat Bukti Dukung berstatus draf sampai dikumpulkan." },
	{ "BUKTI_FORMAT_KUMPUL_STATUS", "Pengumpulan membuat Bukti Dukung berstatus dikumpulkan." },
	{ "BUKTI_FORMAT_AKSI", "Aksi Bukti Dukung '{nilai}' tidak dikenal: upload atau submit." },
	{ "BUKTI_FORMAT_SHA256", "Isian sha256 adalah SHA-256 berkas: 64 karakter heksadesimal huruf kecil." },
	{ "BUKTI_FORMAT_SHA256_JENIS", "Rekaman unggahan membawa sha256 dan jenis berkas bersama-sama." },
	{ "BUKTI_HANYA_PEGAWAI_AKTIF",
	    "Hanya Guru atau Kepala Sekolah yang aktif di sekolah ini yang dapat mengunggah Bukti Dukung." },
	{ "BUKTI_HANYA_PEMILIK", "Bukti Dukung diunggah dan dikumpulkan oleh pemiliknya sendiri." },

	/* ---- logging in, sessions and passphrases (daemon/login.c, daemon/session.c) ---- */
	{ "PEGAWAI_TIDAK_TERDAFTAR",
	    "Tidak ada pegawai dengan NIP/NUPTK {nomor} yang terdaftar di sekolah ini. Periksa nomornya." },
	{ "MASUK_TIDAK_TERDAFTAR",
	    "Tidak ada pegawai dengan NIP/NUPTK {nomor} yang terdaftar di sekolah ini. Periksa nomornya, atau hubungi "
	    "Operator Sekolah." },
	{ "MASUK_TANPA_KUNCI", "{siapa} belum memiliki kunci di komputer ini. Hubungi Operator Sekolah." },
	{ "MASUK_SANDI_SALAH", "Kata sandi salah. Periksa kembali (huruf besar dan kecil dibedakan), lalu coba lagi." },
	{ "MASUK_SANDI_SALAH_TUNGGU",
	    "Kata sandi salah ({jumlah} kali berturut-turut): percobaan berikutnya harus menunggu {detik} detik." },
	{ "MASUK_SEDANG_DIPERIKSA", "Kata sandi untuk {siapa} sedang diperiksa: tunggu 1 detik, lalu coba lagi." },
	{ "MASUK_TERLALU_BANYAK_SALAH",
	    "Terlalu banyak kata sandi salah untuk {siapa}: tunggu {detik} detik, lalu coba lagi (atau minta Operator "
	    "Sekolah menjalankan 'kinerja user unlock')." },
	{ "MASUK_SANDI_BERUBAH",
	    "Kata sandi {siapa} diganti atau diatur ulang selagi diperiksa: masuk dengan kata sandi yang baru." },
	{ "MASUK_AKUN_NONAKTIF", "Akun {nama} dinonaktifkan. Hubungi Operator Sekolah." },
	{ "SESI_BELUM_MASUK", "Anda belum masuk: jalankan 'kinerja login NIP' (atau NUPTK) lebih dulu." },
	{ "SESI_BELUM_MASUK_OPERATOR",
	    "Anda belum masuk: Operator Sekolah menjalankan 'kinerja login NIP' (atau NUPTK) lebih dulu." },
	{ "SESI_TOKEN_RUSAK", "Token sesi rusak: jalankan 'kinerja login' lagi." },
	{ "SESI_BERAKHIR",
	    "Sesi Anda sudah berakhir (keluar, kedaluwarsa, atau kinerjad dimulai ulang): jalankan 'kinerja login' lagi." },
	{ "GANTI_SANDI_SALAH", "Kata sandi saat ini salah: kata sandi lama diperlukan untuk memilih yang baru." },
	{ "GANTI_SANDI_SALAH_TUNGGU",
	    "Kata sandi saat ini salah ({jumlah} kali berturut-turut; percobaan berikutnya harus menunggu {detik} detik): "
	    "kata sandi lama diperlukan untuk memilih yang baru." },
	{ "GANTI_SANDI_SYARAT", "Kata sandi baru harus {min} sampai {maks} karakter. Pilih kata sandi lain." },
	{ "GANTI_SANDI_SAMA", "Kata sandi baru harus berbeda dari kata sandi saat ini." },
	{ "GANTI_SANDI_BERUBAH", "Kata sandi Anda diganti atau diatur ulang pada saat yang sama; tidak ada yang diubah." },
	{ "GANTI_SANDI_TIDAK_TERDAFTAR", "Pendaftaran Anda di sekolah ini sudah tidak ada. Hubungi Operator Sekolah." },
	{ "ATUR_ULANG_SANDI_BERUBAH",
	    "{nama} mengganti kata sandinya pada saat yang sama; tidak ada yang diatur ulang. Coba lagi bila masih "
	    "diperlukan." },
	{ "ATUR_ULANG_AKUN_NONAKTIF", "Akun {nama} dinonaktifkan: tidak ada kata sandi yang perlu diatur ulang." },
	{ "ATUR_ULANG_AKUN_SENDIRI", "Ini akun Anda sendiri: ganti kata sandi Anda dengan 'kinerja passwd'." },
	{ "ATUR_ULANG_TANPA_SALINAN",
	    "{nama} didaftarkan sebelum ada fitur atur ulang kata sandi, sehingga komputer ini tidak menyimpan salinan "
	    "pemulihan kuncinya. Bila ia masih ingat kata sandinya, ia menjalankan 'kinerja passwd' sekali agar salinan itu "
	    "tersimpan; bila tidak, ia harus didaftarkan ulang." },
	{ "ATUR_ULANG_TANPA_KUNCI", "{nama} tidak memiliki kunci di komputer ini untuk diatur ulang." },

	/* ---- the key sealed under a kata sandi, and its recovery copy (store/keys.c) ---- */
	{ "KUNCI_SANDI_SALAH", "Kata sandi salah. Periksa kembali (huruf besar dan kecil dibedakan), lalu coba lagi." },
	{ "SANDI_TERLALU_PENDEK", "Kata sandi minimal {min} karakter. Pilih kata sandi yang lebih panjang." },
	{ "SANDI_TERLALU_PANJANG", "Kata sandi paling banyak {maks} karakter. Pilih kata sandi yang lebih pendek." },
	{ "SANDI_KARAKTER_NUL", "Kata sandi memuat karakter NUL (byte nol). Ketik ulang kata sandinya." },
	{ "KUNCI_TERSEGEL_RUSAK",
	    "Kunci tersimpan akun ini rusak ({sebab}), sehingga tidak dapat dibuka dengan kata sandi apa pun. Operator "
	    "Sekolah mengatur ulang kata sandinya dengan 'kinerja user reset-passphrase NIP'." },
	{ "SALINAN_PEMULIHAN_RUSAK",
	    "Salinan pemulihan kunci akun ini rusak ({sebab}), sehingga kata sandinya tidak dapat diatur ulang di sini. "
	    "Bila pemiliknya masih ingat kata sandinya, ia menjalankan 'kinerja passwd' sekali; bila tidak, ia didaftarkan "
	    "ulang." },
	{ "DINAS_KUNCI_TIDAK_TERBUKA",
	    "Kunci otoritas Dinas di kantor ini tidak dapat dibuka dengan kunci perangkat komputer ini: {sebab}" },
	{ "SALINAN_PEMULIHAN_PERANGKAT_LAIN",
	    "Salinan pemulihan ini dibuat untuk kunci perangkat komputer lain, bukan komputer ini. Atur ulang kata sandi di "
	    "komputer tempat akun ini didaftarkan." },

	/* ---- Bukti Dukung files: the checks at upload (store/evidence_check.c) ---- */
	{ "BERKAS_KOSONG", "Berkas ini kosong: pilih berkas yang benar, lalu unggah lagi." },
	{ "BERKAS_BUKAN_BERKAS_BIASA", "Yang diunggah bukan berkas biasa: pilih berkasnya sendiri, lalu unggah lagi." },
	{ "BERKAS_TERLALU_BESAR", "Berkas ini {ukuran}, batasnya {batas}: {saran}, lalu unggah lagi." },
	{ "BERKAS_JENIS_SALAH",
	    "Berkas ini bukan {jenis} (tampaknya {tampak}); Bukti Dukung yang diterima di sini: {daftar}. Pilih berkas yang "
	    "benar, atau simpan/ekspor sebagai {sebagai}, lalu unggah lagi." },
	{ "BERKAS_PDF_TERPOTONG",
	    "PDF ini terpotong (tidak ada %%EOF di akhirnya): salinannya mungkin tidak lengkap. Simpan lagi, lalu unggah "
	    "lagi." },
	{ "BERKAS_PNG_TERPOTONG",
	    "Gambar PNG ini terpotong (bagian IEND-nya tidak ada): salinannya mungkin tidak lengkap. Simpan lagi, lalu "
	    "unggah lagi." },
	{ "BERKAS_JPEG_TERPOTONG",
	    "Foto JPEG ini terpotong (tanda akhir gambar FF D9 tidak ada): salinannya mungkin tidak lengkap. Simpan lagi, "
	    "lalu unggah lagi." },
	{ "BERKAS_DOCX_TERPOTONG",
	    "DOCX ini terpotong (akhir arsip ZIP-nya tidak ada): salinannya mungkin tidak lengkap. Buka di Word atau "
	    "LibreOffice, simpan lagi sebagai .docx, lalu unggah lagi." },
	{ "BERKAS_DOCX_ZIP64",
	    "DOCX ini arsip terpecah atau ZIP64, yang tidak diterima. Buka di Word atau LibreOffice, simpan lagi sebagai "
	    ".docx, lalu unggah lagi." },
	{ "BERKAS_DOCX_RUSAK",
	    "DOCX ini rusak (direktori ZIP-nya menunjuk melewati akhir berkas). Buka di Word atau LibreOffice, simpan lagi "
	    "sebagai .docx, lalu unggah lagi." },
	{ "BERKAS_ZIP_BUKAN_DOCX",
	    "Berkas ini arsip ZIP, bukan DOCX (tidak memuat {bagian}). Pilih dokumen Word-nya sendiri, atau buka di Word "
	    "atau LibreOffice, simpan lagi sebagai .docx, lalu unggah lagi." },
	{ "BERKAS_NAMA_PANJANG", "Nama berkas harus 1 sampai {maks} byte: ganti nama berkasnya." },
	{ "BERKAS_NAMA_TITIK", "Nama berkas tidak boleh diawali '.': ganti nama berkasnya." },
	{ "BERKAS_NAMA_KHUSUS", "Nama berkas \"{nama}\" tidak dapat dipakai: ganti nama berkasnya." },
	{ "BERKAS_NAMA_UTF8", "Nama berkas bukan teks UTF-8 yang sah: ganti nama berkasnya." },
	{ "BERKAS_NAMA_KONTROL", "Nama berkas tidak boleh memuat karakter kendali: ganti nama berkasnya." },
	{ "BERKAS_NAMA_GARIS_MIRING", "Nama berkas tidak boleh memuat '/' atau '\\': ganti nama berkasnya." },
	{ "BERKAS_NAMA_TAK_TERLIHAT",
	    "Nama berkas tidak boleh memuat karakter tak terlihat atau pengubah arah tulisan: ganti nama berkasnya." },
	{ "BUKTI_SLOT_PANJANG", "Slot harus 1 sampai {maks} karakter, misalnya rhk-1." },
	{ "BUKTI_SLOT_KARAKTER", "Slot \"{slot}\" hanya boleh memuat a-z, 0-9 dan '-', misalnya rhk-1." },
	{ "BUKTI_SLOT_AWAL", "Slot \"{slot}\" tidak boleh diawali '-'." },

	/* ---- Bukti Dukung: uploading, submitting, reading (daemon/evidence*.c) ---- */
	{ "UNGGAH_SEDANG_DISIMPAN", "Unggahan ini sedang disimpan; tunggu hasilnya." },
	{ "UNGGAH_BUKTI_BERUBAH_BERSAMAAN",
	    "Bukti Dukung periode ini berubah pada saat yang sama (misalnya unggahan lain yang baru selesai); tidak ada yang "
	    "disimpan dari unggahan ini. Unggah lagi." },
	{ "UNGGAH_BERKAS_BERUBAH",
	    "Berkas berubah selagi disimpan di komputer sekolah, sehingga isinya tidak pasti sama dengan yang diunggah; tidak "
	    "ada yang disimpan. Unggah lagi." },
	{ "PENYIMPANAN_PENUH",
	    "Penyimpanan Kinerja di komputer ini sudah mencapai batasnya (store.map_size_mb). Minta operator menaikkannya di "
	    "berkas konfigurasi kinerjad lalu menjalankan ulang kinerjad; yang sudah tersimpan tidak hilang, ulangi sesudahnya." },
	{ "PENYIMPANAN_DISK_PENUH",
	    "Disk komputer ini penuh, sehingga tidak ada yang dapat disimpan. Minta Operator Sekolah mengosongkan ruang disk, "
	    "lalu ulangi; yang sudah tersimpan tidak hilang." },
	{ "PENYIMPANAN_TIDAK_TERSIMPAN", "Tidak tersimpan: {sebab}" },
	{ "PENYIMPANAN_TERTAHAN_PENUH",
	    "Sudah {jumlah} catatan menunggu catatan lain yang menjadi dasarnya, sehingga catatan ini ditolak. Sinkronkan atau "
	    "impor catatan yang kurang lebih dulu, lalu ulangi." },
	{ "SYNC_HUB_BERHENTI_AWAL", "hub mengakhiri sesi sebelum selesai" },
	{ "SYNC_PIHAK_DIAM", "pihak lain tidak mengirim apa pun selama {detik} detik" },
	{ "UNGGAH_DISK_PENUH",
	    "Penyimpanan komputer sekolah penuh, sehingga berkas tidak dapat diterima. Minta Operator Sekolah mengosongkan "
	    "ruang disk, lalu unggah lagi." },
	{ "UNDUH_BERKAS_TIDAK_ADA",
	    "Tidak ada berkas {nama} pada slot {slot} di versi Bukti Dukung {versi}; 'kinerja evidence list' menampilkan "
	    "berkas yang ada." },
	{ "UNDUH_OFFSET_LEWAT", "Isian offset {offset} melewati akhir berkas ({ukuran} byte)." },
	{ "UNGGAH_TIDAK_ADA",
	    "Tidak ada unggahan {id} yang sedang berjalan (sudah selesai, dibatalkan, tidak aktif selama satu jam, atau "
	    "kinerjad dimulai ulang): mulai unggahan dari awal." },
	{ "UNGGAH_UKURAN_WAJIB", "Isian size (panjang berkas dalam byte) wajib diisi." },
	{ "UNGGAH_TERLALU_BANYAK_MILIK",
	    "Anda sedang menjalankan {jumlah} unggahan: selesaikan atau batalkan salah satunya dulu." },
	{ "UNGGAH_TERLALU_BANYAK", "{jumlah} unggahan sedang berjalan di komputer ini: coba lagi sebentar lagi." },
	{ "UNGGAH_OFFSET_WAJIB", "Isian offset (posisi awal potongan ini dalam berkas) wajib diisi." },
	{ "UNGGAH_DATA_WAJIB", "Isian data harus berisi byte potongan berkas (bin)." },
	{ "UNGGAH_POTONGAN_BESAR", "Satu potongan paling banyak {maks} byte (chunk_max)." },
	{ "UNGGAH_OFFSET_SALAH", "Potongan berikutnya diharapkan pada offset {harap} (yang sudah diterima), bukan {dapat}." },
	{ "UNGGAH_MELEWATI_UKURAN", "Data melewati ukuran berkas yang disebut di awal ({ukuran} byte)." },
	{ "UNGGAH_BELUM_LENGKAP",
	    "Unggahan belum lengkap: baru {diterima} dari {ukuran} byte yang diterima. Kirim sisanya, lalu selesaikan." },
	{ "BUKTI_KUMPUL_KOSONG",
	    "Anda belum mengunggah Bukti Dukung untuk periode {periode}: unggah dulu, lalu kumpulkan." },
	{ "BUKTI_VERSI_TIDAK_ADA", "Tidak ada versi Bukti Dukung {versi} milik pegawai ini pada periode ini." },
	{ "BUKTI_BELUM_ADA", "Belum ada Bukti Dukung untuk periode {periode}." },
	{ "BUKTI_VERSI_FORMAT",
	    "Versi disebut dengan sedikitnya 7 karakter heksadesimal dari id-nya (lihat 'kinerja evidence history')." },
	{ "UNDUH_OFFSET", "Isian offset harus bilangan bulat byte, 0 atau lebih." },
	{ "UNDUH_PANJANG", "Isian length harus bilangan bulat byte, 1 atau lebih." },

	/* ---- planning acts and views (daemon/plan.c) ---- */
	{ "PEGAWAI_TIDAK_TERDAFTAR_SEKOLAH", "Pegawai ini tidak terdaftar di sekolah ini." },
	{ "PEGAWAI_TIDAK_TERDAFTAR_DI",
	    "Tidak ada pegawai dengan NIP/NUPTK {nomor} yang terdaftar di sekolah {npsn}. Periksa nomornya." },
	{ "ATASAN_HARI_INI", "Atasan SKP {nama} hari ini: {daftar}." },
	{ "SKP_SEBUT_PEGAWAI", "Sebutkan pegawai pemilik SKP ini: NIP atau NUPTK-nya (--teacher)." },
	{ "SKP_AKSI_PEMILIK_SENDIRI",
	    "{aksi} dilakukan pemilik SKP atas SKP-nya sendiri: jangan sebut pegawai (--teacher)." },
	{ "SKP_EKSPEKTASI_SAAT_SETUJUI", "Ekspektasi khusus diberikan oleh atasan saat Setujui." },
	{ "SKP_CATATAN_TEMPAT",
	    "Catatan hanya menyertai Tinjau Ulang (apa yang perlu diperbaiki) atau Buka Kembali (alasannya)." },
	{ "SKP_AKSI_TANPA_PERUBAHAN",
	    "{aksi} membawa rencana apa adanya: perubahan dibuat dengan Simpan, atau oleh atasan saat Setujui." },
	{ "PERIODE_DI_KANTOR_DINAS",
	    "Di kantor Dinas, periode sekolah dibuka oleh Dinas: kinerja dinas buka-periode --sekolah NPSN." },

	/* ---- correcting a person's data (daemon/people.c) ---- */
	{ "PEGAWAI_DIPEKERJAKAN_YA_TIDAK",
	    "Isian seconded_private: ya bila ASN dipekerjakan di sekolah swasta, selain itu tidak." },
	{ "PEGAWAI_UBAH_KOLOM_TETAP",
	    "'user edit' memperbaiki data Dapodik seseorang; NIP, NUPTK, peran dan status akun tidak diubah di sini." },
	{ "PEGAWAI_UBAH_KOSONG",
	    "Tidak ada yang diubah: sebutkan satu atau lebih dari name, status, golongan, pangkat, jenjang, jenis_ptk, "
	    "naungan, seconded_private." },

	/* ---- the Dinas's office (daemon/dinas.c) ---- */
	{ "DINAS_KUNCI_DI_SEKOLAH",
	    "Hanya kantor Dinas Pendidikan (role = dinas) yang memegang kunci otoritas Dinas; kinerjad ini milik sekolah." },
	{ "DINAS_KUNCI_BELUM_ADA",
	    "Kantor ini belum menyimpan kunci otoritas. Apakah sudah disiapkan dengan 'kinerja dinas init'?" },
	{ "DINAS_HANYA_DI_KANTOR",
	    "Tindakan Dinas dilakukan di kantor Dinas Pendidikan (role = dinas), bukan di sekolah." },
	{ "DINAS_SEBUT_SEKOLAH",
	    "Sebutkan sekolah yang dimaksud: --sekolah NPSN (rekaman sekolah itu harus diimpor ke sini lebih dulu)." },
	{ "DINAS_GURU_TIDAK_ADA",
	    "Tidak ada guru dengan NIP/NUPTK {nomor} dalam rekaman sekolah {npsn} yang tersimpan di sini. Impor dulu "
	    "rekaman terbaru sekolah itu." },
	{ "DINAS_PEJABAT_TIDAK_ADA",
	    "Tidak ada pejabat dengan NIP {nip} yang terdaftar di kantor ini. Daftarkan dulu (kinerja user add --role "
	    "{peran})." },
	{ "DINAS_PEJABAT_PERAN_LAIN", "{nama} terdaftar di sini sebagai {peran}, bukan sebagai {perlu}." },
	{ "DINAS_PEJABAT_NONAKTIF", "{nama} terdaftar di sini sebagai {peran} (nonaktif), bukan sebagai {perlu}." },

	/* ---- catalogs (daemon/catalog.c) ---- */
	{ "KATALOG_VERSI_FORMAT",
	    "Versi katalog adalah 64 karakter heksadesimal huruf kecil; 'kinerja catalog list' menampilkannya." },
	{ "KATALOG_VERSI_TIDAK_ADA",
	    "Katalog versi {versi} tidak tersimpan di sekolah ini; 'kinerja catalog list' menampilkan yang tersimpan." },
	{ "KATALOG_BELUM_ADA",
	    "Belum ada katalog yang tersimpan di sekolah ini: Operator Sekolah menambahkannya dengan 'kinerja catalog add "
	    "BERKAS' (berkas katalog disertakan bersama Kinerja, di direktori catalog/)." },
	{ "KATALOG_VERSI_AWALAN",
	    "Sebutkan versi katalog seperti yang ditampilkan 'kinerja catalog list': 64 karakter heksadesimal huruf kecil, "
	    "atau 8 karakter pertamanya atau lebih." },
	{ "KATALOG_VERSI_AWALAN_TIDAK_ADA",
	    "Tidak ada versi katalog di sekolah ini yang diawali {awalan}; 'kinerja catalog list' menampilkan yang "
	    "tersimpan." },
	{ "KATALOG_TIDAK_DIMUAT",
	    "Tidak ada katalog yang dimuat: Operator Sekolah menambahkannya dengan 'kinerja catalog add BERKAS'." },
	{ "KATALOG_VERSI_AWALAN_GANDA", "{jumlah} versi katalog diawali {awalan}: sebutkan lebih banyak karakternya." },
	{ "KATALOG_SUB_TIDAK_ADA", "Sub-indikator '{id}' tidak ada di katalog {nama}; yang ada: {daftar}." },
	{ "KATALOG_BUKAN_JSON",
	    "Berkas ini bukan katalog JSON yang sah (baris {baris}, kolom {kolom}: {sebab}). Pilih berkas katalog yang "
	    "disertakan bersama Kinerja (direktori catalog/) atau yang dikirim Dinas Pendidikan." },
	{ "KATALOG_BUKAN_OBJEK",
	    "Berkas ini JSON, tetapi bukan katalog (isinya bukan objek JSON). Pilih berkas katalog dari direktori catalog/." },
	{ "KATALOG_BERKAS_TERLALU_BESAR",
	    "Berkas katalog ini {ukuran} byte, lebih dari {maks} byte yang dibaca. Pilih berkas katalog dari direktori "
	    "catalog/." },
	{ "KATALOG_FORMAT_VERSI",
	    "Katalog ini berformat {format}, sedangkan Kinerja ini membaca format {baca}: perbarui Kinerja, atau pakai "
	    "katalog untuk versi ini." },
	{ "KATALOG_RHK_TIDAK_ADA", "RHK {id} tidak ada di katalog {nama}. Pilih RHK dari daftar 'kinerja catalog show'." },
	{ "KATALOG_SUB_INDIKATOR_TIDAK_ADA",
	    "Sub-indikator Praktik Kinerja '{id}' tidak ada di katalog {nama}. Pilih dari daftar 'kinerja catalog show'." },
	{ "KATALOG_ASPEK_TIDAK_ADA",
	    "Aspek Perilaku Kerja '{id}' tidak ada di katalog {nama}. Pilih dari daftar 'kinerja catalog show'." },
	{ "KATALOG_TUGAS_TIDAK_ADA",
	    "Tugas Tambahan '{id}' tidak ada di katalog {nama}. Pilih dari daftar Tugas Tambahan 'kinerja catalog show'." },
	{ "KATALOG_TENGGAT_TIDAK_ADA",
	    "Katalog {nama} tidak memuat tenggat {id} untuk semester {semester}, sehingga periode belum dapat dibuka. Minta "
	    "katalog versi baru dari Dinas Pendidikan." },
	{ "KATALOG_GAPS_FORMAT", "Isian gaps harus true atau false." },
	{ "KATALOG_JSON_FORMAT", "Isian json harus berisi byte berkas katalog apa adanya (bin)." },
	{ "KATALOG_TERLALU_BESAR",
	    "{berkas} berukuran {ukuran} byte; katalog dibawa dalam satu rekaman bertanda tangan yang memuat paling banyak "
	    "{maks} byte." },

	/* ---- records: export and import (daemon/records.c) ---- */
	{ "REKAMAN_AFTER_FORMAT", "Isian after harus posisi umpan perubahan (bilangan bulat, 0 atau lebih)." },
	{ "REKAMAN_LIMIT_FORMAT", "Isian limit harus bilangan bulat, 1 atau lebih." },
	{ "REKAMAN_IMPOR_FORMAT", "Isian records harus berupa array rekaman bertanda tangan (bin)." },
	{ "REKAMAN_IMPOR_TERLALU_BANYAK",
	    "Paling banyak {maks} rekaman per panggilan; kirim sisanya dalam panggilan berikutnya." },
	{ "REKAMAN_BUKAN_REKAMAN", "Rekaman nomor {nomor} bukan rekaman bertanda tangan (bin)." },

	/* ---- the kinerja CLI's own messages (client/) ---- */
	{ "CLI_TANYA_SANDI", "Kata sandi {siapa}: " },
	{ "CLI_TANYA_SANDI_BARU_UNTUK", "Kata sandi baru untuk {siapa} (minimal 8 karakter): " },
	{ "CLI_TANYA_SANDI_SEKARANG", "Kata sandi saat ini: " },
	{ "CLI_TANYA_SANDI_BARU", "Kata sandi baru (minimal 8 karakter): " },
	{ "CLI_TANYA_ULANGI_SANDI", "Ulangi kata sandi: " },
	{ "CLI_SANDI_TERLALU_PANJANG", "Kata sandi terlalu panjang." },
	{ "CLI_SANDI_BERBEDA", "Kedua kata sandi berbeda; tidak ada yang diubah. Coba lagi." },
	{ "CLI_SESI_TIDAK_TERSIMPAN", "Sesi tidak dapat disimpan di {berkas}: {sebab}." },
	{ "CLI_ARGUMEN_TERLALU_BANYAK", "Terlalu banyak argumen; lihat '{bantuan}'." },
	{ "CLI_OPSI_TIDAK_DIKENAL", "Opsi '{opsi}' tidak dikenal; lihat '{bantuan}'." },
	{ "CLI_OPSI_PERLU_NILAI", "Opsi {opsi} memerlukan nilai; lihat '{bantuan}'." },
	{ "CLI_OPSI_TERLALU_SERING", "Opsi --{opsi} paling banyak {maks} kali." },
	{ "CLI_OPSI_WAJIB", "--{opsi} wajib diisi ({arti}); lihat '{bantuan}'." },
	{ "CLI_KATALOG_SEMUA_ATAU_SEKOLAH", "Pilih --semua (setiap sekolah yang didaftarkan kantor ini) atau --sekolah NPSN, tidak keduanya." },
	{ "CLI_KATALOG_TANPA_SEKOLAH",
	    "Kantor ini belum mendaftarkan sekolah: daftarkan dengan 'kinerja hub daftar --sekolah NPSN --kunci-perangkat KUNCI', "
	    "lalu ulangi." },
	{ "CLI_KATALOG_SEBAGIAN_GAGAL",
	    "Katalog tidak tersimpan untuk {gagal} dari {jumlah} sekolah (baris GAGAL di atas menyebut sebabnya). Perbaiki, lalu "
	    "jalankan lagi perintah yang sama: sekolah yang sudah punya versi ini dilewati." },
	{ "CLI_ARGUMEN_TAK_TERDUGA", "Argumen '{argumen}' tidak diharapkan; lihat '{bantuan}'." },
	{ "CLI_FD_SANDI", "--passphrase-fd memerlukan nomor file descriptor, bukan '{nilai}'." },
	{ "CLI_PERINTAH_TIDAK_DIKENAL", "Perintah '{perintah}' tidak dikenal; lihat 'kinerja --help'." },
	{ "CLI_KINERJAD_TIDAK_BERJALAN",
	    "kinerjad tidak berjalan di {soket}: jalankan kinerjad (make run), atau arahkan --socket / KINERJA_SOCKET ke "
	    "soketnya." },
	{ "CLI_SOKET_TANPA_IZIN",
	    "Anda tidak berhak memakai {soket}: minta pengelola komputer ini menambahkan Anda ke grup kinerjad." },
	{ "CLI_SOKET_GAGAL", "Tidak dapat terhubung ke {soket}: {sebab}." },
	{ "CLI_KONEKSI_PUTUS", "Koneksi ke kinerjad terputus: {sebab}." },
	{ "CLI_KONEKSI_DITUTUP", "kinerjad menutup koneksi sebelum menjawab." },
	{ "CLI_BALASAN_TERLALU_BESAR", "Jawaban kinerjad lebih dari {maks} MiB; mintalah lebih sedikit (limit, cursor)." },
	{ "CLI_BALASAN_BUKAN_MSGPACK",
	    "Jawaban kinerjad bukan MessagePack yang dapat dibaca. Pastikan CLI kinerja dan kinerjad berasal dari versi yang "
	    "sama." },
	{ "CLI_BALASAN_BENTUK",
	    "Jawaban kinerjad tidak berbentuk [1, msgid, error, result]. Pastikan CLI kinerja dan kinerjad berasal dari versi "
	    "yang sama." },
	{ "CLI_BALASAN_ID_LAIN", "kinerjad menjawab permintaan {dapat}, bukan {harap}. Jalankan perintahnya lagi." },
	{ "CLI_HALAMAN_TANPA_DAFTAR",
	    "Halaman dari kinerjad tidak memuat daftar '{daftar}'. Pastikan CLI kinerja dan kinerjad berasal dari versi yang "
	    "sama." },
	{ "CLI_HALAMAN_BUKAN_MAP",
	    "Halaman dari kinerjad bukan map. Pastikan CLI kinerja dan kinerjad berasal dari versi yang sama." },
	{ "CLI_HALAMAN_KURSOR_ULANG",
	    "kinerjad mengirim cursor halaman yang sama dua kali; daftar dihentikan agar tidak berulang tanpa akhir." },
	{ "CLI_UNDUH_TANPA_DATA", "kinerjad tidak mengirim data pada offset {offset}. Jalankan perintahnya lagi." },
	{ "CLI_TERMINAL_TULIS",
	    "Tidak dapat menulis ke terminal untuk menanyakan kata sandi; berikan kata sandi lewat masukan standar (stdin)." },
	{ "CLI_DAFTAR_TERLALU_PANJANG",
	    "Daftar ini terlalu panjang untuk ditampilkan sekaligus; mintalah per halaman (limit, cursor)." },
	{ "CLI_DAFTAR_TERLALU_BESAR", "Daftar ini lebih dari {maks} MiB; mintalah per halaman (limit, cursor)." },
	{ "CLI_BERKAS_TIDAK_DAPAT_DIBUKA", "Berkas {berkas} tidak dapat dibuka ({sebab}). Periksa nama dan letaknya." },
	{ "CLI_BUKAN_BERKAS_BIASA", "{berkas} bukan berkas biasa." },
	{ "CLI_BERKAS_TIDAK_DAPAT_DIBACA", "Berkas {berkas} tidak dapat dibaca." },
	{ "CLI_BERKAS_BACA_GAGAL", "Berkas {berkas} tidak dapat dibaca: {sebab}." },
	{ "CLI_BERKAS_TIDAK_DAPAT_DITULIS", "Berkas {berkas} tidak dapat ditulis: {sebab}." },
	{ "CLI_BERKAS_TIDAK_DAPAT_DIBUAT", "Berkas {berkas} tidak dapat dibuat: {sebab}." },
	{ "CLI_BERKAS_SUDAH_ADA", "{berkas} sudah ada: pilih nama lain (tidak ada yang ditimpa)." },
	{ "CLI_KELUARAN_SUDAH_ADA", "{berkas} sudah ada: pilih --output lain, atau tambahkan --force." },
	{ "CLI_KATALOG_GAPS_SUB", "--gaps menampilkan semua kekurangan katalog; gunakan --sub saja untuk satu sub-indikator." },
	{ "CLI_DINAS_BELUM_DISIAPKAN", "Kantor ini belum disiapkan: jalankan 'kinerja dinas init' lebih dulu." },
	{ "CLI_DINAS_KUNCI_TIDAK_DIKENAL",
	    "kinerjad ini tidak mengenal kunci otoritas Dinas (sekolah mengenalnya saat 'kinerja school init "
	    "--authority-key')." },
	{ "CLI_KUNCI_DINAS_ARG",
	    "--authority-key adalah kunci Dinas (64 karakter heksadesimal) atau berkas yang memuatnya ('kinerja dinas "
	    "kunci --out BERKAS'); {berkas} tidak dapat dibuka: {sebab}." },
	{ "CLI_KUNCI_DINAS_BERKAS", "{berkas} tidak memuat kunci Dinas (64 karakter heksadesimal huruf kecil)." },
	{ "CLI_SLOT_KOSONG", "Slot {slot} tidak memuat berkas." },
	{ "CLI_SLOT_KOSONG_VERSI", "Slot {slot} tidak memuat berkas pada versi itu." },
	{ "CLI_BUKTI_MASALAH", "Ada {jumlah} masalah di penyimpanan Bukti Dukung." },
	{ "CLI_REKAMAN_TIDAK_SAH",
	    "{buruk} dari {jumlah} rekaman yang ditampilkan tidak lolos pemeriksaan tanda tangan: jangan mengandalkannya." },
	{ "CLI_IMPOR_DITOLAK", "{ditolak} dari {jumlah} rekaman ditolak (yang lain sudah diimpor)." },
	{ "CLI_IMPOR_TERPOTONG_DI", "{berkas} terpotong atau rusak pada byte {posisi}: ekspor lagi." },
	{ "CLI_IMPOR_RUSAK_DI", "{berkas} rusak pada byte {posisi}." },
	{ "CLI_IMPOR_BUKAN_BERKAS_REKAMAN", "{berkas} bukan berkas rekaman Kinerja (yang dibuat 'kinerja record export')." },
	{ "CLI_IMPOR_JUMLAH_BEDA", "{berkas} seharusnya memuat {harap} rekaman, tetapi memuat {ada}: berkas ini telah diubah." },
	{ "CLI_IMPOR_CHECKSUM", "Checksum {berkas} tidak cocok dengan rekamannya: berkas ini telah diubah." },
	{ "CLI_IMPOR_TAK_TERDUGA", "{berkas} memuat sesuatu yang tidak terduga pada byte {posisi}." },
	{ "CLI_IMPOR_BYTE_SISA", "{berkas} memuat byte sesudah akhirnya." },
	{ "CLI_IMPOR_TANPA_AKHIR",
	    "{berkas} terpotong: bagian akhirnya (jumlah dan checksum) tidak ada; tidak ada yang diimpor." },
	{ "CLI_IMPOR_BUKAN_BERKAS", "{berkas} bukan berkas biasa berukuran paling besar 1 GiB." },
	{ "CLI_RENCANA_TERLALU_BANYAK", "Terlalu banyak isian --{opsi}." },
	{ "CLI_RENCANA_RHK",
	    "--rhk berbentuk RHK:JUMLAH, misalnya --rhk 1:2 untuk RHK 1 dengan target kuantitas 2 (1:0 menghapus RHK 1), "
	    "bukan '{nilai}'." },
	{ "CLI_RENCANA_PASANGAN", "--{opsi} berbentuk {bentuk}, bukan '{nilai}'." },
	{ "CLI_RENCANA_PERILAKU_NOMOR",
	    "--{opsi} menomori perilaku mulai dari 1, seperti yang ditampilkan 'kinerja catalog show'." },

	/* ---- checking a record's signature in the CLI (client/verify.c) ---- */
	{ "VERIFIKASI_TANPA_BYTE", "Jawaban tidak memuat byte rekaman (raw) untuk diperiksa." },
	{ "VERIFIKASI_BUKAN_PASANGAN", "Byte rekaman bukan [payload, tanda tangan]." },
	{ "VERIFIKASI_TANDA_TANGAN_64", "Byte rekaman bukan [payload, tanda tangan 64 byte]." },
	{ "VERIFIKASI_PAYLOAD_MAP", "Payload bukan map MessagePack." },
	{ "VERIFIKASI_TANPA_PENULIS", "Payload tidak menyebut kunci penulis 32 byte." },
	{ "VERIFIKASI_TANDA_TANGAN", "Tanda tangan Ed25519 tidak cocok dengan payload dan kunci penulisnya." },
	{ "VERIFIKASI_ID", "Id rekaman yang ditampilkan bukan hash dari payload yang ditandatangani." },
	{ "VERIFIKASI_PENULIS", "Penulis yang ditampilkan bukan yang menandatangani." },
	{ "VERIFIKASI_KEPALA", "Jenis, sekolah, subjek, waktu atau induk yang ditampilkan bukan yang ditandatangani." },
	{ "VERIFIKASI_WAKTU_DOKUMEN", "Waktu atau kunci dokumen yang ditampilkan bukan yang ditandatangani." },
	{ "VERIFIKASI_ISI", "Isi (body) yang ditampilkan bukan yang ditandatangani." },
	{ "SYNC_FASE_BUKTI", "mengirim berkas Bukti Dukung ke hub" },
	{ "SYNC_BUKTI_RUSAK",
	    "Paket berkas Bukti Dukung yang sampai di hub rusak atau tidak cocok ({sebab}); paket itu dibuang dan dikirim ulang dari awal pada sinkronisasi berikutnya." },
	{ "SYNC_BUKTI_GAGAL",
	    "Hub tidak dapat menyimpan berkas Bukti Dukung sekolah ini ({sebab}). Coba lagi nanti; bila tetap gagal, hubungi pengelola hub." },
	{ "SYNC_BUKTI_KUOTA",
	    "Hub menolak paket berkas Bukti Dukung sekolah ini: {ukuran} MB, lebih besar dari batas {batas} MB yang diterima hub dari satu "
	    "sekolah sekaligus. Berkas tetap aman di sekolah. Minta pengelola hub menaikkan batas itu (sync.ev_incoming_max_mb), lalu "
	    "sinkronkan lagi." },
};

/* The table, for listing (a GUI, documentation, tests). */
const domain_msg *
domain_msg_table(size_t *n)
{
	*n = sizeof(msgs) / sizeof(msgs[0]);
	return msgs;
}

/* The template of a code; NULL when unknown. A linear scan: the table is small and read rarely. */
const char *
domain_msg_text(const char *code)
{
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (strcmp(msgs[i].code, code) == 0)
			return msgs[i].text;
	return NULL;
}

/*
 * The value of parameter name[0..n) in a name, value list ended by a NULL
 * name; NULL when absent. A NULL value is allowed (a parameter a caller
 * fills only in some cases) and counts as absent.
 */
static const char *
msg__param(const char *const *params, const char *name, size_t n)
{
	for (const char *const *p = params; p && p[0]; p += 2)
		if (p[1] && strlen(p[0]) == n && memcmp(p[0], name, n) == 0)
			return p[1];
	return NULL;
}

/*
 * Fill a template. Output that does not fit is cut, then made valid UTF-8
 * (an incomplete last character is dropped) because messages travel in
 * msgpack str and are shown to people.
 */
int
domain_msg_render(char *out, size_t outsz, const char *code, const char *const *params)
{
	const char *t = domain_msg_text(code);
	size_t o = 0;
	int rc = 0;

	if (outsz == 0)
		return t ? 0 : KN_ENOTFOUND;
	if (t == NULL) {
		t = code;
		rc = KN_ENOTFOUND;
		params = NULL;
	}
	while (*t && o + 1 < outsz) {
		const char *close = *t == '{' ? strchr(t + 1, '}') : NULL;
		const char *val = close ? msg__param(params, t + 1, (size_t)(close - t - 1)) : NULL;
		if (val) {
			size_t n = strlen(val);
			if (n > outsz - 1 - o)
				n = outsz - 1 - o;
			memcpy(out + o, val, n);
			o += n;
			t = close + 1;
		} else {
			out[o++] = *t++;
		}
	}
	out[o] = '\0';
	kn_utf8_clean(out);
	return rc;
}

/* See messages.h: render, then set the last error. */
int
domain_msg_error(int err, const char *field, const char *code, ...)
{
	const char *params[2 * DOMAIN_MSG_PARAMS_MAX + 1];
	char msg[512]; /* what kn_error_set keeps */
	size_t n = 0;
	va_list ap;

	va_start(ap, code);
	for (const char *name = va_arg(ap, const char *); name; name = va_arg(ap, const char *)) {
		const char *value = va_arg(ap, const char *);
		if (n < 2 * DOMAIN_MSG_PARAMS_MAX) {
			params[n++] = name;
			params[n++] = value;
		}
	}
	va_end(ap);
	params[n] = NULL;
	domain_msg_render(msg, sizeof(msg), code, params);
	return kn_error_set(err, field, "%s", msg);
}

/* See messages.h. */
domain_msg_number
domain_msg_num(unsigned long long v)
{
	domain_msg_number out;

	snprintf(out.s, sizeof(out.s), "%llu", v);
	return out;
}
