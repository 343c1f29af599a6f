/*
 * record_int.h - what store/record.c gives store/store.c alone. Private to
 * store/: nothing outside store/ includes it (the unit tests of store/
 * excepted). Everything else opens records with record_open(), or reads
 * stored ones with store_record_open().
 */
#ifndef KN_RECORD_INT_H
#define KN_RECORD_INT_H

#include "record.h"

/*
 * Open a record the store is handing back from its own records table, or
 * bytes the caller has just record_open()ed: the id is the hash of the
 * payload and equals id (when given), the exact length and the schema are
 * checked; the signature, the bounded-structure scan (depth, sizes, UTF-8)
 * and the duplicate-body-key check are not repeated, since these bytes
 * passed all of them before they were written. This is most of the cost
 * of a hub's writer, which opens each record's auth records and the
 * versions of its document again for the rules. Safe only for such bytes,
 * which is what store_record_open() (store.h) stands for; anything that
 * arrives from outside goes through record_open(). Returns as
 * record_open() does, never KN_EBADSIG for the signature.
 */
int record_open_stored(record_view *out, const uint8_t *rec, size_t len, const uint8_t id[RECORD_ID_BYTES])
    __attribute__((warn_unused_result));

#endif
