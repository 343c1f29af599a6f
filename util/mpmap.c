/*
 * mpmap.c - MessagePack map access (see mpmap.h).
 */
#include "mpmap.h"

#include <string.h>

#include "kn.h"

int
kn_map_key_is(const msgpack_object *k, const char *name)
{
	size_t n = strlen(name);
	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	    memcmp(k->via.str.ptr, name, n) == 0;
}

const msgpack_object *
kn_map_get(const msgpack_object *map, const char *key)
{
	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return NULL;
	for (uint32_t i = 0; i < map->via.map.size; i++)
		if (kn_map_key_is(&map->via.map.ptr[i].key, key))
			return &map->via.map.ptr[i].val;
	return NULL;
}

int
kn_map_str(char *out, size_t outsz, const msgpack_object *map, const char *key)
{
	const msgpack_object *o = kn_map_get(map, key);

	if (o == NULL || o->type != MSGPACK_OBJECT_STR || o->via.str.size >= outsz ||
	    memchr(o->via.str.ptr, 0, o->via.str.size) != NULL)
		return KN_EINVAL;
	memcpy(out, o->via.str.ptr, o->via.str.size);
	out[o->via.str.size] = '\0';
	return 0;
}
