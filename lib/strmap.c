/* strmap: string-keyed hash map (see strmap.h). Linear probing, load
 * factor at most 1/2, no deletion (maps are built once, then read). */
#include "lib/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void strmap_init(struct strmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->n = 0;
}

static struct strmap_slot *find(struct strmap_slot *slots, size_t cap, const char *key)
{
	size_t i = (size_t)hash_str(key) & (cap - 1);
	while (slots[i].key && strcmp(slots[i].key, key) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static int grow(struct strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	if (ncap > SIZE_MAX / sizeof(struct strmap_slot))
		return -1;
	struct strmap_slot *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find(ns, ncap, m->slots[i].key) = m->slots[i];
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int strmap_put(struct strmap *m, const char *key, void *val)
{
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -1;
	struct strmap_slot *s = find(m->slots, m->cap, key);
	if (!s->key) {
		s->key = key;
		m->n++;
	}
	s->val = val;
	return 0;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	if (m->cap == 0)
		return NULL;
	return find(m->slots, m->cap, key)->val;
}

void strmap_free(struct strmap *m)
{
	free(m->slots);
	strmap_init(m);
}
