/*
 * messages.c - every text of the planning rules that a teacher, principal
 * or Dinas officer reads, in Indonesian, under a stable code (plan.h).
 *
 * One table, so that wording is reviewed in one place, a GUI can show the
 * same sentences (or its own for the same codes), and a test can check
 * that every code the rules use exists. A template names its parameters
 * in braces; domain_msg_render() fills them. Codes never change meaning;
 * a new meaning gets a new code.
 *
 * Terms follow the domain: SKP, RHK, Bukti Dukung, Praktik Kinerja,
 * Perilaku Kerja, Tugas Tambahan, atasan, Pejabat Penilai.
 */
#include <stdio.h>
#include <string.h>

#include "plan.h"

static const domain_msg msgs[] = {
	/* ---- the plan body (structure) ---- */
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
	{ "HUB_BELUM_TERDAFTAR", "Sekolah {npsn} belum terdaftar di hub ini: tidak ada yang dapat dicabut." },
	{ "HUB_SUDAH_DICABUT", "Pendaftaran sekolah {npsn} sudah dicabut sebelumnya." },

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
	{ "SYNC_CATATAN_DITOLAK",
	    "Hub menolak {jumlah} catatan dari sekolah ini; catatan lain tetap diterima. Alasan pertama: {alasan} Hubungi "
	    "Operator Sekolah." },
	{ "SYNC_FASE_DIAM", "tidak sedang sinkronisasi" },
	{ "SYNC_FASE_MENGHUBUNGI", "menghubungi hub" },
	{ "SYNC_FASE_MENGIRIM", "mengirim catatan ke hub" },
	{ "SYNC_FASE_MENERIMA", "menerima catatan dari hub" },
	{ "SYNC_FASE_MENCOCOKKAN", "mencocokkan isi sekolah dan hub" },
	{ "SYNC_FASE_BUKTI", "mengirim berkas Bukti Dukung ke hub" },
	{ "SYNC_BUKTI_RUSAK",
	    "Paket berkas Bukti Dukung yang sampai di hub rusak atau tidak cocok ({sebab}); paket itu dibuang dan dikirim ulang dari awal pada sinkronisasi berikutnya." },
	{ "SYNC_BUKTI_GAGAL",
	    "Hub tidak dapat menyimpan berkas Bukti Dukung sekolah ini ({sebab}). Coba lagi nanti; bila tetap gagal, hubungi pengelola hub." },
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
