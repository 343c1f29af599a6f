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
 * Open a record the store is handing back from its own records table:
 * every check of record_open() (bounded structure, the id is the hash of
 * the payload and equals id, the schema) except the signature. Safe only
 * for bytes that were verified before they were written, which is what
 * store_record_open() (store.h) stands for; anything that arrives from
 * outside goes through record_open(). Returns as record_open() does,
 * never KN_EBADSIG for the signature.
 */
int record_open_stored(record_view *out, const uint8_t *rec, size_t len, const uint8_t id[RECORD_ID_BYTES])
    __attribute__((warn_unused_result));

#endif
