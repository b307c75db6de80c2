/* arena: a bump allocator for data that lives and dies together (a parsed
 * policy, a system info snapshot, one evaluation result). Allocation is
 * cheap, freeing is one call; nothing is freed individually. */
#ifndef BULKHEAD_ARENA_H
#define BULKHEAD_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t total; /* bytes handed out, for limits and statistics */
};

void arena_init(struct arena *a);
/* Returns n bytes aligned for any type, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* Zero-filled allocation of n elements of size sz (overflow-checked). */
void *arena_calloc(struct arena *a, size_t n, size_t sz);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

#endif
