/*
 * test_messages.c - the message catalog (domain/messages.h): every code
 * the sources use exists, every template is valid, short, Indonesian and
 * well formed, and the error helper sets the code, the field and the
 * rendered text. What the teacher finally reads through the daemon and
 * the CLI is checked end to end in tests/e2e/messages.sh.
 *
 * Runs from the repository root (like every test): the source scan reads
 * domain/, daemon/, store/ and client/.
 */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "../../domain/domain.h"
#include "../../domain/messages.h"
#include "../../domain/skp.h"
#include "../../store/evidence.h"
#include "../../store/keys.h"
#include "../../util/kn.h"

/*
 * The codes that moved English errors into the catalog (access,
 * enrollment, login and sessions, Bukti Dukung files and uploads, plans,
 * people, the Dinas, catalogs, records, the CLI). Each must exist; the
 * source scan below catches a code used but never written down.
 */
static const char *const moved[] = {
	"AKSES_AKUN_TIDAK_AKTIF", "AKSES_ATAS_NAMA_DINAS", "AKSES_BUKAN_ATASAN", "AKSES_BUKAN_ATASAN_SKP",
	"AKSES_DAFTAR_PEGAWAI", "AKSES_GURU_PENDAFTARAN_SENDIRI", "AKSES_GURU_REKAMAN_SENDIRI",
	"AKSES_GURU_SKP_SENDIRI", "AKSES_HANYA_ATASAN", "AKSES_HANYA_OPERATOR", "AKSES_IDENTITAS_PEMILIK",
	"AKSES_JENIS_REKAMAN", "AKSES_MULAI_PERIODE", "AKSES_OPERATOR_TIDAK_MEMBACA_BUKTI",
	"AKSES_OPERATOR_TIDAK_MEMBACA_SKP", "AKSES_PERIKSA_PENYIMPANAN_BUKTI", "AKSES_SUBJEK_TIDAK_TERDAFTAR",
	"AKSES_TANPA_BUKTI", "AKSES_TANPA_SKP", "ATASAN_HARI_INI", "ATUR_ULANG_AKUN_NONAKTIF",
	"ATUR_ULANG_AKUN_SENDIRI", "ATUR_ULANG_SANDI_BERUBAH", "ATUR_ULANG_TANPA_KUNCI", "ATUR_ULANG_TANPA_SALINAN",
	"BERKAS_BUKAN_BERKAS_BIASA", "BERKAS_DOCX_RUSAK", "BERKAS_DOCX_TERPOTONG", "BERKAS_DOCX_ZIP64",
	"BERKAS_JENIS_SALAH", "BERKAS_JPEG_TERPOTONG", "BERKAS_KOSONG", "BERKAS_NAMA_GARIS_MIRING",
	"BERKAS_NAMA_KHUSUS", "BERKAS_NAMA_KONTROL", "BERKAS_NAMA_PANJANG", "BERKAS_NAMA_TAK_TERLIHAT",
	"BERKAS_NAMA_TITIK", "BERKAS_NAMA_UTF8", "BERKAS_PDF_TERPOTONG", "BERKAS_PNG_TERPOTONG",
	"BERKAS_TERLALU_BESAR", "BERKAS_ZIP_BUKAN_DOCX", "BUKTI_BELUM_ADA", "BUKTI_FORMAT_AKSI",
	"BUKTI_FORMAT_KUMPUL_STATUS", "BUKTI_FORMAT_SHA256", "BUKTI_FORMAT_SHA256_JENIS", "BUKTI_FORMAT_STATUS",
	"BUKTI_FORMAT_UNGGAH", "BUKTI_FORMAT_UNGGAH_STATUS", "BUKTI_HANYA_PEGAWAI_AKTIF", "BUKTI_HANYA_PEMILIK",
	"BUKTI_KUMPUL_KOSONG", "BUKTI_SLOT_AWAL", "BUKTI_SLOT_KARAKTER", "BUKTI_SLOT_PANJANG", "BUKTI_VERSI_FORMAT",
	"BUKTI_VERSI_TIDAK_ADA", "CLI_ARGUMEN_TAK_TERDUGA", "CLI_ARGUMEN_TERLALU_BANYAK", "CLI_BERKAS_BACA_GAGAL",
	"CLI_BERKAS_SUDAH_ADA", "CLI_BERKAS_TIDAK_DAPAT_DIBACA", "CLI_BERKAS_TIDAK_DAPAT_DIBUAT",
	"CLI_BERKAS_TIDAK_DAPAT_DIBUKA", "CLI_BERKAS_TIDAK_DAPAT_DITULIS", "CLI_BUKAN_BERKAS_BIASA",
	"CLI_BUKTI_MASALAH", "CLI_DAFTAR_TERLALU_BESAR", "CLI_DAFTAR_TERLALU_PANJANG", "CLI_DINAS_BELUM_DISIAPKAN",
	"CLI_DINAS_KUNCI_TIDAK_DIKENAL", "CLI_FD_SANDI", "CLI_IMPOR_BUKAN_BERKAS", "CLI_IMPOR_BUKAN_BERKAS_REKAMAN",
	"CLI_IMPOR_BYTE_SISA", "CLI_IMPOR_CHECKSUM", "CLI_IMPOR_DITOLAK", "CLI_IMPOR_JUMLAH_BEDA",
	"CLI_IMPOR_RUSAK_DI", "CLI_IMPOR_TAK_TERDUGA", "CLI_IMPOR_TANPA_AKHIR", "CLI_IMPOR_TERPOTONG_DI",
	"CLI_KATALOG_GAPS_SUB", "CLI_KELUARAN_SUDAH_ADA", "CLI_KINERJAD_TIDAK_BERJALAN", "CLI_KONEKSI_DITUTUP",
	"CLI_KONEKSI_PUTUS", "CLI_KUNCI_DINAS_ARG", "CLI_KUNCI_DINAS_BERKAS", "CLI_OPSI_PERLU_NILAI",
	"CLI_OPSI_TERLALU_SERING", "CLI_OPSI_TIDAK_DIKENAL", "CLI_OPSI_WAJIB", "CLI_PERINTAH_TIDAK_DIKENAL",
	"CLI_REKAMAN_TIDAK_SAH", "CLI_RENCANA_PASANGAN", "CLI_RENCANA_PERILAKU_NOMOR", "CLI_RENCANA_RHK",
	"CLI_RENCANA_TERLALU_BANYAK", "CLI_SANDI_BERBEDA", "CLI_SANDI_TERLALU_PANJANG", "CLI_SESI_TIDAK_TERSIMPAN",
	"CLI_SLOT_KOSONG", "CLI_SLOT_KOSONG_VERSI", "CLI_SOKET_GAGAL", "CLI_SOKET_TANPA_IZIN", "CLI_TANYA_SANDI",
	"CLI_TANYA_SANDI_BARU", "CLI_TANYA_SANDI_BARU_UNTUK", "CLI_TANYA_SANDI_SEKARANG", "CLI_TANYA_ULANGI_SANDI",
	"DINAS_GURU_TIDAK_ADA", "DINAS_HANYA_DI_KANTOR", "DINAS_KUNCI_BELUM_ADA", "DINAS_KUNCI_DI_SEKOLAH",
	"DINAS_PEJABAT_NONAKTIF", "DINAS_PEJABAT_PERAN_LAIN", "DINAS_PEJABAT_TIDAK_ADA", "DINAS_SEBUT_SEKOLAH",
	"FORMAT_HEKSA", "FORMAT_HEKSA_KECIL", "FORMAT_NAMA_KONTROL", "FORMAT_NAMA_PANJANG", "FORMAT_NAMA_PENDEK",
	"FORMAT_NIP", "FORMAT_NIP_JENIS_KELAMIN", "FORMAT_NIP_TANGGAL", "FORMAT_NPSN", "FORMAT_NUPTK",
	"FORMAT_PERAN", "FORMAT_TEKS_PANJANG", "FORMAT_TEKS_WAJIB", "GANTI_SANDI_BERUBAH", "GANTI_SANDI_SALAH",
	"GANTI_SANDI_SALAH_TUNGGU", "GANTI_SANDI_SAMA", "GANTI_SANDI_SYARAT", "GANTI_SANDI_TIDAK_TERDAFTAR",
	"KATALOG_BELUM_ADA", "KATALOG_GAPS_FORMAT", "KATALOG_JSON_FORMAT", "KATALOG_SUB_TIDAK_ADA", "KATALOG_TIDAK_DIMUAT",
	"KATALOG_TERLALU_BESAR", "KATALOG_VERSI_AWALAN", "KATALOG_VERSI_AWALAN_GANDA",
	"KATALOG_VERSI_AWALAN_TIDAK_ADA", "KATALOG_VERSI_FORMAT", "KATALOG_VERSI_TIDAK_ADA", "MASUK_AKUN_NONAKTIF",
	"MASUK_SANDI_BERUBAH", "MASUK_SANDI_SALAH", "MASUK_SANDI_SALAH_TUNGGU", "MASUK_SEDANG_DIPERIKSA",
	"MASUK_TANPA_KUNCI", "MASUK_TERLALU_BANYAK_SALAH", "MASUK_TIDAK_TERDAFTAR", "PEGAWAI_AKTIF_WAJIB",
	"PEGAWAI_ASN_TANPA_NIP", "PEGAWAI_DIPEKERJAKAN_FORMAT", "PEGAWAI_DIPEKERJAKAN_NON_ASN",
	"PEGAWAI_DIPEKERJAKAN_YA_TIDAK", "PEGAWAI_FORMAT_MAP", "PEGAWAI_GOLONGAN_NON_ASN", "PEGAWAI_GOLONGAN_PNS",
	"PEGAWAI_GOLONGAN_PPPK", "PEGAWAI_HANYA_OPERATOR", "PEGAWAI_HANYA_OPERATOR_AKTIF",
	"PEGAWAI_JENIS_PTK_KONTROL", "PEGAWAI_JENJANG", "PEGAWAI_JENJANG_NON_ASN", "PEGAWAI_KOLOM_ASING",
	"PEGAWAI_KOLOM_GANDA", "PEGAWAI_KS_NON_ASN", "PEGAWAI_NAUNGAN", "PEGAWAI_NON_ASN_NIP",
	"PEGAWAI_NON_ASN_TANPA_NUPTK", "PEGAWAI_OPERATOR_DIRI_SENDIRI", "PEGAWAI_PERAN_NON_ASN", "PEGAWAI_STATUS",
	"PEGAWAI_TIDAK_TERDAFTAR", "PEGAWAI_TIDAK_TERDAFTAR_DI", "PEGAWAI_TIDAK_TERDAFTAR_SEKOLAH",
	"PEGAWAI_UBAH_KOLOM_TETAP", "PEGAWAI_UBAH_KOSONG", "PERIODE_DI_KANTOR_DINAS", "PERIODE_TAHUN",
	"REKAMAN_AFTER_FORMAT", "REKAMAN_BUKAN_REKAMAN", "REKAMAN_IMPOR_FORMAT", "REKAMAN_IMPOR_TERLALU_BANYAK",
	"REKAMAN_LIMIT_FORMAT", "SEKOLAH_BELUM_ADA", "SEKOLAH_HANYA_OPERATOR", "SEKOLAH_JENIS",
	"SEKOLAH_KUNCI_DINAS", "SEKOLAH_TANPA_OPERATOR", "SESI_BELUM_MASUK", "SESI_BELUM_MASUK_OPERATOR",
	"SESI_BERAKHIR", "SESI_TOKEN_RUSAK", "SKP_AKSI_PEMILIK_SENDIRI", "SKP_AKSI_TANPA_PERUBAHAN",
	"SKP_CATATAN_TEMPAT", "SKP_EKSPEKTASI_SAAT_SETUJUI", "SKP_SEBUT_PEGAWAI", "UNDUH_OFFSET", "UNDUH_PANJANG",
	"UNGGAH_BELUM_LENGKAP", "UNGGAH_DATA_WAJIB", "UNGGAH_MELEWATI_UKURAN", "UNGGAH_OFFSET_SALAH",
	"UNGGAH_OFFSET_WAJIB", "UNGGAH_POTONGAN_BESAR", "UNGGAH_SEDANG_DISIMPAN", "UNGGAH_TERLALU_BANYAK",
	"UNGGAH_TERLALU_BANYAK_MILIK", "UNGGAH_TIDAK_ADA", "UNGGAH_UKURAN_WAJIB", "VERIFIKASI_BUKAN_PASANGAN",
	"VERIFIKASI_ID", "VERIFIKASI_ISI", "VERIFIKASI_KEPALA", "VERIFIKASI_PAYLOAD_MAP", "VERIFIKASI_PENULIS",
	"VERIFIKASI_TANDA_TANGAN", "VERIFIKASI_TANDA_TANGAN_64", "VERIFIKASI_TANPA_BYTE", "VERIFIKASI_TANPA_PENULIS",
	"VERIFIKASI_WAKTU_DOKUMEN",
	/* the RPC request, the job queue, the CLI reading replies (daemon/server.c, work.c, client/conn.c) */
	"PERMINTAAN_BUKAN_MSGPACK", "PERMINTAAN_BENTUK", "PERMINTAAN_MSGID", "PERMINTAAN_METODE_TEKS",
	"PERMINTAAN_METODE_TIDAK_DIKENAL", "PERMINTAAN_PARAMS", "PERMINTAAN_TERLALU_BESAR", "FORMAT_TEKS_UTF8",
	"HALAMAN_KURSOR", "DAEMON_BERHENTI", "DAEMON_ANTREAN_PENUH", "CLI_BALASAN_TERLALU_BESAR",
	"CLI_BALASAN_BUKAN_MSGPACK", "CLI_BALASAN_BENTUK", "CLI_BALASAN_ID_LAIN", "CLI_HALAMAN_TANPA_DAFTAR",
	"CLI_HALAMAN_BUKAN_MAP", "CLI_HALAMAN_KURSOR_ULANG", "CLI_UNDUH_TANPA_DATA", "CLI_TERMINAL_TULIS",
	/* kata sandi and sealed keys (store/keys.c, daemon/dinas.c) */
	"KUNCI_SANDI_SALAH", "SANDI_TERLALU_PENDEK", "SANDI_TERLALU_PANJANG", "SANDI_KARAKTER_NUL",
	"KUNCI_TERSEGEL_RUSAK", "SALINAN_PEMULIHAN_RUSAK", "SALINAN_PEMULIHAN_PERANGKAT_LAIN", "DINAS_KUNCI_TIDAK_TERBUKA",
	/* catalog look-ups (domain/catalog.c) */
	"KATALOG_RHK_TIDAK_ADA", "KATALOG_SUB_INDIKATOR_TIDAK_ADA", "KATALOG_ASPEK_TIDAK_ADA", "KATALOG_TUGAS_TIDAK_ADA",
	"KATALOG_TENGGAT_TIDAK_ADA", "KATALOG_BUKAN_JSON", "KATALOG_BUKAN_OBJEK", "KATALOG_BERKAS_TERLALU_BESAR",
	"KATALOG_FORMAT_VERSI",
	/* Bukti Dukung uploads and reads (store/evidence.c, daemon/evidence_*.c) */
	"UNGGAH_BUKTI_BERUBAH_BERSAMAAN", "UNGGAH_BERKAS_BERUBAH", "UNGGAH_DISK_PENUH", "UNDUH_BERKAS_TIDAK_ADA",
	"UNDUH_OFFSET_LEWAT", "BUKTI_PERIKSA_BERJALAN",
	/* access, records, people, schools and the hub (domain/access.c, identity.c, daemon/rules.c, methods.c, hub.c) */
	"AKSES_BUNDEL_HANYA_OPERATOR", "AKSES_KELAYAKAN_TERBATAS", "REKAMAN_ID_FORMAT", "REKAMAN_DOKUMEN_TANPA_VERSI",
	"REKAMAN_KUNCI_DOKUMEN_PANJANG", "PEGAWAI_NOMOR_SUDAH_ADA", "SEKOLAH_BUKAN_KANTOR", "SEKOLAH_KUNCI_DINAS_FORMAT",
	"HUB_HANYA_DI_KANTOR", "HUB_NPSN_KANTOR_SENDIRI", "HUB_KUNCI_PERANGKAT_FORMAT", "HUB_KUNCI_PERANGKAT_SENDIRI",
	/* refusals of a malformed or forged record (domain/accept.c, assign.c, identity.c, registration.c, skp.c) */
	"TERIMA_PERIODE_AUTH_SATU", "TERIMA_SKP_AUTH_SATU", "TERIMA_SKP_ISI_TIDAK_SESUAI", "TERIMA_SKP_SUBJEK",
	"TERIMA_SKP_SUBJEK_PERIODE", "TERIMA_KATALOG_TANPA_INDUK", "TERIMA_KATALOG_SUBJEK", "TERIMA_PENUGASAN_SUBJEK",
	"TERIMA_PENUGASAN_SEKOLAH", "TERIMA_PENUGASAN_AUTH_SEKOLAH", "TERIMA_PENUGASAN_PLT_AUTH", "TERIMA_IDENTITAS_SUBJEK",
	"TERIMA_IDENTITAS_SATU_INDUK", "TERIMA_IDENTITAS_AUTH", "TERIMA_IDENTITAS_AUTH_LEBIH_LAMA",
	"TERIMA_IDENTITAS_TIDAK_SESUAI", "IDENTITAS_FORMAT_MAP", "IDENTITAS_KOLOM_ASING", "IDENTITAS_KOLOM_GANDA",
	"IDENTITAS_KOLOM_HILANG", "IDENTITAS_KOLOM_PANJANG", "IDENTITAS_FORMAT_DIUBAH", "IDENTITAS_DIUBAH_URUTAN",
	"IDENTITAS_FORMAT_WAKTU_UBAH", "SKP_FORMAT_PENYESUAIAN", "HUB_DAFTAR_FORMAT", "HUB_DAFTAR_FORMAT_PERANGKAT",
	"HUB_DAFTAR_FORMAT_DICABUT", "HUB_DAFTAR_FORMAT_HUB", "HUB_DAFTAR_SUBJEK", "HUB_DAFTAR_DIRI_SENDIRI",
	"HUB_DAFTAR_SATU_INDUK", "REKAMAN_RUSAK", "REKAMAN_TERLALU_BESAR", "REKAMAN_ID_TIDAK_COCOK",
	"REKAMAN_TANDA_TANGAN_TIDAK_SAH",
	/* the bundle's transfer between CLI and daemon (daemon/bundle.c) */
	"BUNDEL_AMBIL_OFFSET", "BUNDEL_AMBIL_LEWAT", "BUNDEL_POTONGAN_FORMAT", "BUNDEL_MELEBIHI_TOTAL",
};

/* Upper-case string literals in the sources that are not message codes. */
static const char *const not_codes[] = { "KINERJA_SESSION", "KINERJA_SOCKET", "NON_ASN" };

static void
test_messages__moved_codes_exist(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(moved) / sizeof(moved[0]); i++) {
		if (domain_msg_text(moved[i]) == NULL)
			fail_msg("code %s is not in the catalog", moved[i]);
	}
	assert_null(domain_msg_text("TIDAK_ADA_KODE_INI"));
}

/* Is s (n bytes) a code: A-Z, then groups of A-Z0-9 joined by '_', at least one '_'? */
static int
looks_like_code(const char *s, size_t n)
{
	int under = 0;

	if (n < 3 || !isupper((unsigned char)s[0]) || s[n - 1] == '_')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_') {
			if (s[i - 1] == '_')
				return 0;
			under = 1;
		} else if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return under;
}

/*
 * Every code-like string literal of one C file, outside comments and
 * character constants, must be a catalog code or one of not_codes.
 * Returns how many code literals the file holds.
 */
static size_t
scan_file(const char *path)
{
	FILE *f = fopen(path, "r");
	kn_buf b = KN_BUF_INIT;
	char chunk[4096];
	size_t n, found = 0;

	if (f == NULL)
		fail_msg("cannot open %s (run the tests from the repository root)", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(kn_buf_put(&b, chunk, n), 0);
	fclose(f);
	const char *s = (const char *)b.ptr, *end = s + b.len;
	while (s < end) {
		if (s + 1 < end && s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");
			s = e ? e + 2 : end;
		} else if (s + 1 < end && s[0] == '/' && s[1] == '/') {
			while (s < end && *s != '\n')
				s++;
		} else if (*s == '\'') {
			for (s++; s < end && *s != '\''; s++)
				if (*s == '\\')
					s++;
			s++;
		} else if (*s == '"') {
			const char *start = ++s;
			for (; s < end && *s != '"'; s++)
				if (*s == '\\')
					s++;
			size_t len = (size_t)(s - start);
			if (looks_like_code(start, len)) {
				int known = 0;
				for (size_t i = 0; i < sizeof(not_codes) / sizeof(not_codes[0]); i++)
					known |= strlen(not_codes[i]) == len && memcmp(not_codes[i], start, len) == 0;
				if (!known) {
					char code[96];
					snprintf(code, sizeof(code), "%.*s", (int)len, start);
					if (domain_msg_text(code) == NULL)
						fail_msg("%s uses the code %s, which the catalog does not hold", path, code);
					found++;
				}
			}
			s++;
		} else {
			s++;
		}
	}
	kn_buf_free(&b);
	return found;
}

static void
test_messages__sources_use_known_codes(void **state)
{
	static const char *const dirs[] = { "domain", "daemon", "store", "client", "util" };
	size_t found = 0, files = 0;
	char path[512];

	(void)state;
	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *e;
		if (dir == NULL)
			fail_msg("cannot open %s/ (run the tests from the repository root)", dirs[d]);
		while ((e = readdir(dir)) != NULL) {
			size_t n = strlen(e->d_name);
			if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0 || strcmp(e->d_name, "messages.c") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], e->d_name);
			found += scan_file(path);
			files++;
		}
		closedir(dir);
	}
	/* the scan saw the sources: dozens of files, hundreds of codes */
	assert_true(files > 40);
	assert_true(found > 300);
}

/* Words an untranslated English sentence would carry; none is Indonesian. */
static const char *const english[] = { "the", "is", "are", "must", "cannot", "not", "no", "please", "your",
	"you", "wrong", "first", "again", "only", "of", "to", "and", "with", "or" };

static void
test_messages__templates_are_indonesian_and_well_formed(void **state)
{
	size_t n;
	const domain_msg *m = domain_msg_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const char *t = m[i].text;
		size_t len = strlen(t);
		if (!kn_utf8_valid(t, len))
			fail_msg("%s is not valid UTF-8", m[i].code);
		/* room left for the parameters in a rendered message (DOMAIN_MSG_MAX, kn_error_set's 511) */
		if (len > 360)
			fail_msg("%s is %zu bytes; keep a message under 360", m[i].code, len);
		/* {name}: lower-case letters and '_' between balanced braces */
		for (const char *p = t; *p; p++) {
			if (*p == '}')
				fail_msg("%s has a '}' without its '{'", m[i].code);
			if (*p != '{')
				continue;
			const char *q = p + 1;
			while (*q >= 'a' && *q <= 'z')
				q++;
			while (*q == '_' || (*q >= 'a' && *q <= 'z'))
				q++;
			if (*q != '}' || q == p + 1)
				fail_msg("%s has a malformed parameter at \"%.12s\"", m[i].code, p);
			p = q;
		}
		/* no English sentence: whole words, any case */
		for (const char *p = t; *p;) {
			while (*p && !isalpha((unsigned char)*p))
				p++;
			const char *w = p;
			while (isalpha((unsigned char)*p) || *p == '\'')
				p++;
			for (size_t k = 0; k < sizeof(english) / sizeof(english[0]); k++)
				if (strlen(english[k]) == (size_t)(p - w) && strncasecmp(english[k], w, (size_t)(p - w)) == 0)
					fail_msg("%s reads as English (\"%s\"): %s", m[i].code, english[k], t);
		}
	}
}

static void
test_messages__error_helper(void **state)
{
	(void)state;
	/* code, field and the rendered text; the return is the code */
	assert_int_equal(domain_msg_error(KN_EBUSY, "passphrase", "MASUK_TERLALU_BANYAK_SALAH", "siapa", "198501012010011001",
	    "detik", domain_msg_num(16).s, NULL), KN_EBUSY);
	assert_int_equal(kn_error_last_code(), KN_EBUSY);
	assert_string_equal(kn_error_field(), "passphrase");
	assert_non_null(strstr(kn_error_message(), "untuk 198501012010011001: tunggu 16 detik"));
	/* no parameters */
	assert_int_equal(domain_msg_error(KN_EAUTH, "passphrase", "MASUK_SANDI_SALAH", NULL), KN_EAUTH);
	assert_string_equal(kn_error_message(), domain_msg_text("MASUK_SANDI_SALAH"));
	/* an unknown code still sets an error, and says which code */
	assert_int_equal(domain_msg_error(KN_EINVAL, "x", "TIDAK_ADA_KODE_INI", NULL), KN_EINVAL);
	assert_string_equal(kn_error_message(), "TIDAK_ADA_KODE_INI");
	/* more pairs than DOMAIN_MSG_PARAMS_MAX are read and ignored, not overrun */
	assert_int_equal(domain_msg_error(KN_EINVAL, "f", "MASUK_SANDI_SALAH_TUNGGU", "a", "1", "b", "2", "c", "3", "d", "4",
	    "e", "5", "f", "6", "g", "7", "h", "8", "jumlah", "3", "detik", "2", NULL), KN_EINVAL);
	assert_non_null(strstr(kn_error_message(), "{jumlah}"));
	/* a long value is cut, still valid UTF-8 */
	char big[701];
	for (size_t i = 0; i < 350; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	big[700] = '\0';
	domain_msg_error(KN_EINVAL, "slot", "BUKTI_SLOT_KARAKTER", "slot", big, NULL);
	assert_true(kn_utf8_valid(kn_error_message(), strlen(kn_error_message())));
	assert_true(strlen(kn_error_message()) < 512);
	assert_string_equal(domain_msg_num(0).s, "0");
	assert_string_equal(domain_msg_num(18446744073709551615ull).s, "18446744073709551615");
}

/* A few checks of domain/ and store/ as a teacher or operator meets them, in Indonesian with their field. */
static void
test_messages__typical_mistakes(void **state)
{
	domain_user guru = { 0 }, guru2 = { 0 }, op = { 0 };
	uint8_t a[32] = { 1 }, b[32] = { 2 }, c[32] = { 3 };
	uint8_t png[16] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };

	(void)state;
	snprintf(guru.role, sizeof(guru.role), "guru");
	guru.active = 1;
	guru2 = guru;
	snprintf(op.role, sizeof(op.role), "operator");
	op.active = 1;

	/* reading a colleague's SKP */
	assert_int_equal(domain_plan_may_read(&guru2, b, &guru, a), KN_EDENIED);
	assert_string_equal(kn_error_field(), "teacher");
	assert_non_null(strstr(kn_error_message(), "Guru hanya membaca SKP-nya sendiri"));
	/* the operator does not read Bukti Dukung */
	assert_int_equal(domain_person_may_read(&op, c, &guru, a), KN_EDENIED);
	assert_non_null(strstr(kn_error_message(), "tidak membaca Bukti Dukung guru"));
	/* a deactivated account */
	guru2.active = 0;
	assert_int_equal(domain_may_use(&guru2), KN_EDENIED);
	assert_non_null(strstr(kn_error_message(), "Akun Anda tidak aktif"));
	/* what the operator types */
	assert_int_equal(domain_check_nip("19850101201001100"), KN_EINVAL);
	assert_string_equal(kn_error_field(), "nip");
	assert_non_null(strstr(kn_error_message(), "NIP harus tepat 18 angka (tertulis '19850101201001100')"));
	assert_int_equal(domain_check_period("2026-3"), KN_EINVAL);
	assert_non_null(strstr(kn_error_message(), "TAHUN-SEMESTER"));
	assert_int_equal(domain_check_golongan("PNS", "IX"), KN_EINVAL);
	assert_non_null(strstr(kn_error_message(), "bukan golongan PNS"));
	/* a photo where a PDF is wanted */
	assert_int_equal(evidence_type_refuse(png, sizeof(png), EVIDENCE_PDF), KN_EINVAL);
	assert_string_equal(kn_error_field(), "file");
	assert_non_null(strstr(kn_error_message(), "Berkas ini bukan PDF (tampaknya gambar PNG)"));
	assert_non_null(strstr(kn_error_message(), "unggah lagi"));
	assert_int_equal(evidence_type_refuse((const uint8_t *)"GIF89a", 6, EVIDENCE_PDF | EVIDENCE_JPEG), KN_EINVAL);
	assert_non_null(strstr(kn_error_message(), "bukan jenis yang diterima (tampaknya gambar GIF)"));
	assert_non_null(strstr(kn_error_message(), "pdf, jpeg"));
	assert_int_equal(evidence_slot_check("RHK 1"), KN_EINVAL);
	assert_non_null(strstr(kn_error_message(), "hanya boleh memuat a-z"));
	assert_int_equal(evidence_name_check(".rahasia.pdf"), KN_EINVAL);
	assert_non_null(strstr(kn_error_message(), "ganti nama berkasnya"));
}

/*
 * What login, a passphrase change, enrolment and the bundle commands
 * meet in store/keys.c and domain/access.c: Indonesian, with the field.
 * (The daemon's answers to a malformed request or an unknown method are
 * checked against the real kinerjad in test_rpc.c and test_access.c.)
 */
static void
test_messages__passphrases_and_roles(void **state)
{
	keys_secret *k = NULL, *o = NULL;
	kn_buf sealed = KN_BUF_INIT;
	domain_user guru = { 0 };

	(void)state;
	assert_int_equal(keys_generate(&k), 0);
	assert_int_equal(keys_seal(&sealed, k, "kata-sandi-guru", 15, KEYS_COST_TEST), 0);
	/* the wrong kata sandi, after the key derivation and before it (too short to have sealed anything) */
	assert_int_equal(keys_open(&o, sealed.ptr, sealed.len, k->pk, "kata-sandi-salah", 16), KN_EAUTH);
	assert_string_equal(kn_error_field(), "passphrase");
	assert_string_equal(kn_error_message(), "Kata sandi salah. Periksa kembali (huruf besar dan kecil dibedakan), lalu coba lagi.");
	assert_int_equal(keys_open(&o, sealed.ptr, sealed.len, k->pk, "pendek", 6), KN_EAUTH);
	assert_non_null(strstr(kn_error_message(), "Kata sandi salah"));
	assert_null(o);
	/* a weak new kata sandi names the rule and the fix */
	assert_int_equal(keys_passphrase_check("pendek", 6), KN_EINVAL);
	assert_string_equal(kn_error_field(), "passphrase");
	assert_non_null(strstr(kn_error_message(), "Kata sandi minimal 8 karakter"));
	/* a damaged (here: cut) sealed key says who repairs it */
	assert_int_equal(keys_open(&o, sealed.ptr, 3, k->pk, "kata-sandi-guru", 15), KN_EBADREC);
	assert_string_equal(kn_error_field(), "sealed_key");
	assert_non_null(strstr(kn_error_message(), "Kunci tersimpan akun ini rusak"));
	/* a Guru carrying a sync bundle */
	snprintf(guru.role, sizeof(guru.role), "guru");
	guru.active = 1;
	assert_int_equal(domain_may_carry_bundles(&guru), KN_EDENIED);
	assert_non_null(strstr(kn_error_message(), "dibawa oleh Operator"));
	assert_non_null(strstr(kn_error_message(), "(Anda: Guru)"));
	kn_buf_free(&sealed);
	keys_secret_free(k);
}

/* A record refused for its form (as an operator meets it in 'record import' or a bundle) reads as Indonesian. */
static void
test_messages__record_refusals(void **state)
{
	domain_registration reg;
	msgpack_object nil = { .type = MSGPACK_OBJECT_NIL };
	uint8_t owner[32];
	char period[8];

	(void)state;
	assert_int_equal(domain_skp_subject_parse(owner, period, "bukan-subjek", 12), KN_EBADREC);
	assert_string_equal(kn_error_field(), "subject");
	assert_string_equal(kn_error_message(), domain_msg_text("TERIMA_SKP_SUBJEK"));
	assert_non_null(strstr(kn_error_message(), "Subjek rekaman SKP adalah"));
	assert_int_equal(domain_registration_body_parse(&reg, &nil), KN_EBADREC);
	assert_string_equal(kn_error_field(), "body");
	assert_non_null(strstr(kn_error_message(), "Isi pendaftaran sekolah di hub memuat tepat device dan revoked"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages__moved_codes_exist),
		cmocka_unit_test(test_messages__sources_use_known_codes),
		cmocka_unit_test(test_messages__templates_are_indonesian_and_well_formed),
		cmocka_unit_test(test_messages__error_helper),
		cmocka_unit_test(test_messages__typical_mistakes),
		cmocka_unit_test(test_messages__passphrases_and_roles),
		cmocka_unit_test(test_messages__record_refusals),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
