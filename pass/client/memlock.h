/* memlock: keeps qvm-pass's memory out of swap and out of core dumps.
 * At start: no core dumps, not dumpable (no ptrace by the same user
 * without privilege), mlockall(MCL_CURRENT|MCL_FUTURE); a failure is one
 * warning line on stderr, never fatal. Under a small RLIMIT_MEMLOCK
 * (Debian's 8 MiB) a large reply would not fit: an allocation that fails
 * asks memlock_relax(), which keeps what is locked, stops locking new
 * memory, says so once, and lets the caller retry. */
#ifndef BULKHEAD_PASS_MEMLOCK_H
#define BULKHEAD_PASS_MEMLOCK_H

#include <stdbool.h>

void memlock_start(const char *prog);
/* After an allocation failure: true when new memory is no longer locked
 * from now on (so a retry may succeed), false when nothing changed. */
bool memlock_relax(void);

#endif
