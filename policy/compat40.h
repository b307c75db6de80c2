/* compat40: the legacy Qubes 4.0 policy directory (/etc/qubes-rpc/policy)
 * as !compat-4.0 sees it: which entries count, how a file name splits into
 * service and argument, and the order in which files are merged (services
 * in byte order; within one service the argument-specific files, sorted,
 * then the plain SERVICE file). Pure, apart from compat40_list. */
#ifndef BULKHEAD_POLICY_COMPAT40_H
#define BULKHEAD_POLICY_COMPAT40_H

#include <stdbool.h>
#include <stddef.h>

struct compat40_entry {
	char *name;     /* file name */
	char *service;
	char *argument; /* "+ARG" (possibly just "+"), or NULL for any */
};

/* Whether a legacy entry name is used: not a dotfile, no .rpmsave,
 * .rpmnew or .swp suffix, only [A-Za-z0-9._+-]. (Entries that are not
 * regular files are skipped by the caller.) */
bool compat40_name_ok(const char *name);
/* Splits name at the first '+'. Returns 0 or -1 (out of memory). */
int compat40_entry_init(struct compat40_entry *e, const char *name);
void compat40_entry_free(struct compat40_entry *e);
/* Sorts entries into merge order. */
void compat40_sort(struct compat40_entry *v, size_t n);
/* Lists and sorts the usable regular files of dir. A missing directory is
 * an empty list. Returns 0, or -1 with errno. */
int compat40_list(const char *dir, struct compat40_entry **out, size_t *n);
void compat40_list_free(struct compat40_entry *v, size_t n);

#endif
