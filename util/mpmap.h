/*
 * mpmap.h - reading MessagePack maps decoded by msgpack-c: find a key,
 * copy a string value. Used by every part (store, domain, daemon, client),
 * so it lives here and not in store/.
 */
#ifndef KN_MPMAP_H
#define KN_MPMAP_H

#include <msgpack.h>
#include <stddef.h>

/* The value of str key `key` in map; NULL when absent or map is not a map. Borrowed. */
const msgpack_object *kn_map_get(const msgpack_object *map, const char *key);
/*
 * Copy the str value of key into out (NUL-terminated). KN_EINVAL (without
 * setting the last error) when absent, not a str, holding a NUL byte, or
 * longer than outsz - 1.
 */
int kn_map_str(char *out, size_t outsz, const msgpack_object *map, const char *key);
/* Is k the str key `name`? */
int kn_map_key_is(const msgpack_object *k, const char *name);

#endif
