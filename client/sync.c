/*
 * sync.c - the CLI's sync and hub commands, their printers for people:
 *
 *   kinerja sync status       what the school's sync did and does (teachers read it)
 *   kinerja sync now          sync at once and show the outcome
 *   kinerja hub daftar        register a school's device key at the hub (the Dinas)
 *   kinerja hub daftar-hub    register a child hub (its office code and device key) at a parent hub
 *   kinerja hub cabut         withdraw it
 *   kinerja hub sekolah       the schools the hub serves
 *
 * The command table is in main.c; each is one call (client_cmd_simple).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../util/mpmap.h"
#include "cli.h"

/* A wall-clock time in ms as "2026-01-05 10:00:00"; "belum pernah" for 0. */
static const char *
when(char *out, size_t outsz, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0) {
		snprintf(out, outsz, "belum pernah");
		return out;
	}
	localtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%d %H:%M:%S", &tm);
	return out;
}

/* The numbers of one session, for people. */
static void
print_session(const msgpack_object *r)
{
	char fp[40], hfp[40];

	printf("Dikirim ke hub: %llu catatan (%llu disimpan, %llu sudah ada, %llu menunggu catatan lain, %llu ditolak).\n",
	    (unsigned long long)client_u64(r, "pushed"), (unsigned long long)client_u64(r, "stored"),
	    (unsigned long long)client_u64(r, "present"), (unsigned long long)client_u64(r, "held"),
	    (unsigned long long)client_u64(r, "refused"));
	printf("Diterima dari hub: %llu catatan.%s\n", (unsigned long long)client_u64(r, "pulled"),
	    client_bool(r, "reconciled") ? " (Isi sekolah dan hub dicocokkan satu per satu.)" : "");
	client_str(r, "fp", fp, sizeof(fp));
	client_str(r, "hub_fp", hfp, sizeof(hfp));
	if (client_bool(r, "fp_match"))
		printf("Sekolah dan hub sama: %llu catatan, sidik jari %s.\n", (unsigned long long)client_u64(r, "count"), fp);
	else
		printf("Belum sama: sekolah %llu catatan (%s), hub %llu (%s); berikutnya dicocokkan lagi.\n",
		    (unsigned long long)client_u64(r, "count"), fp, (unsigned long long)client_u64(r, "hub_count"), hfp);
	printf("Jaringan: %llu pulang-pergi, %llu bita dikirim dan %llu diterima setelah jabat tangan (%llu bita), %llu ms.\n",
	    (unsigned long long)client_u64(r, "round_trips"), (unsigned long long)client_u64(r, "bytes_sent"),
	    (unsigned long long)client_u64(r, "bytes_received"), (unsigned long long)client_u64(r, "handshake_bytes"),
	    (unsigned long long)client_u64(r, "ms"));
}

/* sync now: the session's outcome. */
void
client_print_sync_now(const msgpack_object *r)
{
	printf("Sinkronisasi dengan hub selesai.\n");
	print_session(r);
}

/* At a hub: its link up to the parent hub, and each code it speaks for there. */
static void
print_parent(const msgpack_object *p)
{
	const msgpack_object *codes, *err;
	char b1[64], b2[512], b3[64];

	if (p == NULL || p->type != MSGPACK_OBJECT_MAP)
		return;
	printf("Hub induk:           %s\n", client_str(p, "message", b2, sizeof(b2)));
	if (!client_bool(p, "configured"))
		return;
	printf("  alamat:            %s (kunci %s)\n", client_str(p, "parent", b1, sizeof(b1)),
	    client_str(p, "parent_key", b3, sizeof(b3)));
	printf("  terakhir berhasil: %s\n", when(b1, sizeof(b1), client_u64(p, "last_ok_ms")));
	printf("  menunggu dikirim:  %llu catatan\n", (unsigned long long)client_u64(p, "waiting"));
	err = kn_map_get(p, "error");
	if (err && err->type == MSGPACK_OBJECT_MAP)
		printf("  kesalahan terakhir (%s):\n    %s\n", when(b1, sizeof(b1), client_u64(err, "at_ms")),
		    client_str(err, "message", b2, sizeof(b2)));
	codes = kn_map_get(p, "codes");
	for (uint32_t i = 0; codes && codes->type == MSGPACK_OBJECT_ARRAY && i < codes->via.array.size; i++) {
		const msgpack_object *c = &codes->via.array.ptr[i], *e = kn_map_get(c, "error");
		client_str(c, "kind", b3, sizeof(b3));
		printf("  %-8s %-8s %s: di sini %llu catatan, di induk %llu%s\n", client_str(c, "code", b1, sizeof(b1)),
		    strcmp(b3, "office") == 0 ? "kantor" : "sekolah", client_bool(c, "ok") ? "berhasil" : "gagal",
		    (unsigned long long)client_u64(c, "count"), (unsigned long long)client_u64(c, "parent_count"),
		    client_bool(c, "fp_match") ? " (sama)" : "");
		if (e && e->type == MSGPACK_OBJECT_MAP)
			printf("           %s\n", client_str(e, "message", b2, sizeof(b2)));
	}
}

/* sync status: for the people at the school, in plain words. */
void
client_print_sync_status(const msgpack_object *r)
{
	char b1[64], b2[512], b3[64];
	const msgpack_object *err = kn_map_get(r, "error"), *rc = kn_map_get(r, "receipt"), *last = kn_map_get(r, "last");
	const msgpack_object *cp = kn_map_get(r, "checkpoints");

	client_str(r, "mode", b1, sizeof(b1));
	if (strcmp(b1, "hub") == 0) {
		printf("%s\n", client_str(r, "message", b2, sizeof(b2)));
		printf("Hub mendengarkan di port %llu; %llu sesi berjalan.\n", (unsigned long long)client_u64(r, "listen_port"),
		    (unsigned long long)client_u64(r, "sessions_active"));
		print_parent(kn_map_get(r, "parent"));
		return;
	}
	if (!client_bool(r, "configured")) {
		printf("Sinkronisasi: belum diatur.\n");
		if (err && err->type == MSGPACK_OBJECT_MAP)
			printf("%s\n", client_str(err, "message", b2, sizeof(b2)));
	} else {
		printf("Sinkronisasi sekolah %s dengan hub %s\n", client_str(r, "npsn", b1, sizeof(b1)),
		    client_str(r, "hub", b2, sizeof(b2)));
	}
	printf("Terakhir berhasil:   %s\n", when(b1, sizeof(b1), client_u64(r, "last_ok_ms")));
	printf("Menunggu dikirim:    %llu catatan\n", (unsigned long long)client_u64(r, "waiting"));
	printf("Sekarang:            %s\n", client_str(r, "phase_text", b2, sizeof(b2)));
	if (client_bool(r, "configured") && client_u64(r, "next_ms"))
		printf("Berikutnya:          %s\n", when(b1, sizeof(b1), client_u64(r, "next_ms")));
	if (rc && rc->type == MSGPACK_OBJECT_MAP) {
		const msgpack_object *refs = kn_map_get(rc, "refusals");
		printf("Tanda terima hub:    %s: %llu disimpan, %llu sudah ada, %llu menunggu catatan lain, %llu ditolak\n",
		    when(b1, sizeof(b1), client_u64(rc, "at_ms")), (unsigned long long)client_u64(rc, "stored"),
		    (unsigned long long)client_u64(rc, "present"), (unsigned long long)client_u64(rc, "held"),
		    (unsigned long long)client_u64(rc, "refused"));
		for (uint32_t i = 0; refs && refs->type == MSGPACK_OBJECT_ARRAY && i < refs->via.array.size; i++)
			printf("  ditolak: %s\n", client_str(&refs->via.array.ptr[i], "message", b2, sizeof(b2)));
	}
	{
		const msgpack_object *ev = kn_map_get(r, "evidence"), *mv, *er;
		if (ev && ev->type == MSGPACK_OBJECT_MAP) {
			printf("Bukti Dukung:        %llu dokumen menunggu berkasnya dikirim\n",
			    (unsigned long long)client_u64(ev, "waiting"));
			mv = kn_map_get(ev, "moving");
			if (mv && mv->type == MSGPACK_OBJECT_MAP) {
				uint64_t size = client_u64(mv, "size"), sent = client_u64(mv, "sent");
				printf("  sedang dikirim:    %llu dari %llu bita (%llu%%)\n", (unsigned long long)sent,
				    (unsigned long long)size, (unsigned long long)(size ? sent * 100 / size : 0));
			}
			er = kn_map_get(ev, "receipt");
			if (er && er->type == MSGPACK_OBJECT_MAP)
				printf("  tanda terima hub:  %s: %llu berkas terverifikasi (SHA-256), %llu dokumen menunggu berkas, "
				       "%llu berkas rusak\n",
				    when(b1, sizeof(b1), client_u64(er, "at_ms")), (unsigned long long)client_u64(er, "verified"),
				    (unsigned long long)client_u64(er, "waiting"), (unsigned long long)client_u64(er, "bad"));
		}
	}
	if (err && err->type == MSGPACK_OBJECT_MAP && client_bool(r, "configured"))
		printf("Kesalahan terakhir (%s):\n  %s\n", when(b1, sizeof(b1), client_u64(err, "at_ms")),
		    client_str(err, "message", b2, sizeof(b2)));
	printf("Sidik jari sekolah:  %s (%llu catatan)\n", client_str(r, "fp", b3, sizeof(b3)),
	    (unsigned long long)client_u64(r, "count"));
	if (cp && cp->type == MSGPACK_OBJECT_MAP)
		printf("Posisi:              dikirim s.d. %llu dari %llu, diterima s.d. %llu\n",
		    (unsigned long long)client_u64(cp, "acked"), (unsigned long long)client_u64(cp, "feed"),
		    (unsigned long long)client_u64(cp, "pulled"));
	if (last && last->type == MSGPACK_OBJECT_MAP && client_bool(last, "ok")) {
		printf("Sesi terakhir (%s):\n  ", when(b1, sizeof(b1), client_u64(last, "started_ms")));
		printf("%llu pulang-pergi, %llu bita dikirim, %llu bita diterima setelah jabat tangan.\n",
		    (unsigned long long)client_u64(last, "round_trips"), (unsigned long long)client_u64(last, "bytes_sent"),
		    (unsigned long long)client_u64(last, "bytes_received"));
	}
}

/* hub daftar / hub cabut: the registration as it now stands. */
void
client_print_hub_registration(const msgpack_object *r)
{
	char npsn[16], dev[80];

	client_str(r, "npsn", npsn, sizeof(npsn));
	client_str(r, "device", dev, sizeof(dev));
	if (client_bool(r, "hub") && !client_bool(r, "revoked")) {
		char msg[512];
		printf("%s\n", client_str(r, "message", msg, sizeof(msg)));
		return;
	}
	if (client_bool(r, "revoked"))
		printf("Pendaftaran sekolah %s di hub ini dicabut: perangkat %s tidak dapat sinkron lagi.\n", npsn, dev);
	else if (!client_bool(r, "changed"))
		printf("Sekolah %s sudah terdaftar dengan kunci perangkat %s (tidak ada yang berubah).\n", npsn, dev);
	else
		printf("Sekolah %s terdaftar di hub ini dengan kunci perangkat %s.\n"
		    "Di sekolah, atur sync.hub (alamat hub ini) dan sync.hub_key (device_key hub ini, dari 'kinerja status').\n",
		    npsn, dev);
}

/* hub sekolah: one line per school, then its last error. */
void
client_print_hub_schools(const msgpack_object *r)
{
	const msgpack_object *ss = kn_map_get(r, "schools");
	char b1[64], b2[512], npsn[16], sw[40], fp[40], name[128];

	printf("Sekolah yang dilayani hub ini (kantor %s, port %llu):\n", client_str(r, "office", b1, sizeof(b1)),
	    (unsigned long long)client_u64(r, "listen_port"));
	if (ss == NULL || ss->type != MSGPACK_OBJECT_ARRAY || ss->via.array.size == 0) {
		printf("  (belum ada: daftarkan dengan 'kinerja hub daftar --sekolah NPSN --kunci-perangkat KUNCI')\n");
		return;
	}
	printf("%-9s %-24s %-14s %8s  %-19s %-8s %10s  %s\n", "NPSN", "Nama", "Pendaftaran", "Catatan", "Sinkron terakhir",
	    "Versi", "Selisih jam", "Sidik jari");
	for (uint32_t i = 0; i < ss->via.array.size; i++) {
		const msgpack_object *s = &ss->via.array.ptr[i], *e = kn_map_get(s, "error"), *off = kn_map_get(s, "clock_offset_ms");
		long long offset = off && (off->type == MSGPACK_OBJECT_POSITIVE_INTEGER || off->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		    ? (long long)off->via.i64 : 0;
		const char *state = client_bool(s, "registered") ? "terdaftar" : client_bool(s, "revoked") ? "dicabut" : "tidak terdaftar";
		char via[16], kind[16];
		client_str(s, "name", name, sizeof(name));
		client_str(s, "via", via, sizeof(via));
		client_str(s, "kind", kind, sizeof(kind));
		if (strcmp(kind, "hub") == 0 && client_bool(s, "registered"))
			state = "hub anak";
		else if (via[0])
			state = "lewat hub anak";
		printf("%-9s %-24.24s %-14s %8llu  %-19s %-8s %+9.1fs  %s\n", client_str(s, "npsn", npsn, sizeof(npsn)),
		    name[0] ? name : "-", state, (unsigned long long)client_u64(s, "records"),
		    when(b1, sizeof(b1), client_u64(s, "last_ok_ms")), client_str(s, "sw", sw, sizeof(sw))[0] ? sw : "-",
		    (double)offset / 1000.0, client_str(s, "fp", fp, sizeof(fp)));
		if (client_u64(s, "records_waiting") || client_u64(s, "bytes_waiting"))
			printf("          menunggu di sekolah (sesi terakhir): %llu catatan, %llu bita berkas Bukti Dukung\n",
			    (unsigned long long)client_u64(s, "records_waiting"), (unsigned long long)client_u64(s, "bytes_waiting"));
		if (client_u64(s, "evidence_waiting") || client_u64(s, "evidence_verified") || client_u64(s, "evidence_bad"))
			printf("          Bukti Dukung: %llu dokumen menunggu berkas, %llu berkas terverifikasi, %llu berkas rusak\n",
			    (unsigned long long)client_u64(s, "evidence_waiting"), (unsigned long long)client_u64(s, "evidence_verified"),
			    (unsigned long long)client_u64(s, "evidence_bad"));
		if (via[0])
			printf("          lewat hub anak %s. %s\n", via, client_str(s, "evidence_note", b2, sizeof(b2)));
		if (client_u64(s, "bundle_at_ms"))
			printf("          bundel terakhir diimpor: %s, %llu catatan\n", when(b1, sizeof(b1), client_u64(s, "bundle_at_ms")),
			    (unsigned long long)client_u64(s, "bundle_records"));
		if (e && e->type == MSGPACK_OBJECT_MAP)
			printf("          kesalahan terakhir (%s): %s\n", when(b1, sizeof(b1), client_u64(e, "at_ms")),
			    client_str(e, "message", b2, sizeof(b2)));
	}
}

/* sync acts: the caller's latest records and where each stands with the hub. */
void
client_print_sync_acts(const msgpack_object *r)
{
	const msgpack_object *as = kn_map_get(r, "acts");
	char type[32], label[400];

	if (as == NULL || as->type != MSGPACK_OBJECT_ARRAY || as->via.array.size == 0) {
		printf("Belum ada tindakan Anda yang tercatat di sini.\n");
		return;
	}
	for (uint32_t i = 0; i < as->via.array.size; i++) {
		const msgpack_object *a = &as->via.array.ptr[i];
		time_t s = (time_t)(client_u64(a, "time_ms") / 1000) + 7 * 3600;
		struct tm tm;
		char when[32];
		gmtime_r(&s, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		printf("%s  %-12s %s\n", when, client_str(a, "type", type, sizeof(type)),
		    client_str(a, "state_label", label, sizeof(label)));
	}
}
