/*
 * sync_verify.h - the Ed25519 verification of a push's records, shared
 * between the session thread that received them and helper threads.
 *
 * A hub's session thread verifies each record of a push before the loop
 * stores it (record_open). With one school syncing, that thread was the
 * limit of the hub's ingest once the loop's commits got cheaper: one core
 * verified while the other core, the loop's, had time left. So the caller
 * and the pool's helpers take the records of a push in chunks, each
 * record exactly once; the caller works too and returns when every chunk
 * is done, so a push is never slower than alone, and a pool busy with
 * other schools' pushes only delays help, never the caller's own work.
 * Helpers run a little nicer than the loop (KD_WORKER_NICE), so the
 * loop's commits and local clients come first.
 */
#ifndef KD_SYNC_VERIFY_H
#define KD_SYNC_VERIFY_H

#include <stddef.h>

#include "../store/record.h"
#include "../sync/proto.h"

typedef struct kd_verify_pool kd_verify_pool;

/* A pool of `helpers` threads (0: none; the caller then verifies alone). */
int kd_verify_pool_new(kd_verify_pool **out, int helpers);
/* Stop and join the helpers; no kd_verify_records call may be running. NULL-safe. */
void kd_verify_pool_free(kd_verify_pool *p);
/*
 * record_open every record of recs into views[i], its result into rc[i],
 * for every i < n, on this thread and the pool's helpers (p may be NULL:
 * this thread only). Each views[i] with rc[i] == 0 is the caller's to
 * free (record_view_free). What a failure says is not kept: record_open
 * the record again on the calling thread for the message (a forged record
 * is rare; its error is the same each time).
 */
void kd_verify_records(kd_verify_pool *p, const sync_bytes *recs, size_t n, record_view *views, int *rc);
/* Records verified by helpers since the pool started (for tests and status). */
unsigned long long kd_verify_pool_helped(kd_verify_pool *p);

#endif
