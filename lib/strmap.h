/* strmap: a hash map from NUL-terminated strings to pointers (open
 * addressing, FNV-1a). Keys are not copied: they must outlive the map. */
#ifndef BULKHEAD_STRMAP_H
#define BULKHEAD_STRMAP_H

#include <stddef.h>

struct strmap_slot {
	const char *key;
	void *val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

void strmap_init(struct strmap *m);
/* Inserts or replaces. Returns 0, or -1 when out of memory. */
int strmap_put(struct strmap *m, const char *key, void *val);
/* Returns the value, or NULL when the key is absent. */
void *strmap_get(const struct strmap *m, const char *key);
void strmap_free(struct strmap *m);

#endif
