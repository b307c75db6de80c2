/* progpath: finding the helper programs the tools run (qrexec-client,
 * qrexec-client-vm): an environment variable naming the program, then a
 * search of PATH, then a fixed fallback path. */
#ifndef BULKHEAD_TOOLS_PROGPATH_H
#define BULKHEAD_TOOLS_PROGPATH_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the program's path into out. env_var (may be NULL) wins when set
 * and non-empty; then the first executable `name` on PATH; then
 * `fallback`. Returns true when the chosen file is executable. */
bool progpath_find(const char *env_var, const char *name, const char *fallback, char *out,
		   size_t n);

#endif
