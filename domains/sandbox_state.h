/* sandbox_state: internal interface between starting a domain
 * (sandbox.c) and its state file, re-attaching, reaping and stopping
 * (sandbox_state.c, which implements those parts of sandbox.h). */
#ifndef BULKHEAD_SANDBOX_STATE_H
#define BULKHEAD_SANDBOX_STATE_H

#include <stddef.h>

#include "domains/sandbox.h"

/* Monotonic milliseconds. */
long long sb_now_ms(void);
/* Waits until fd is readable or deadline (sb_now_ms) passes. Returns 1
 * readable, 0 timeout, -1 error. */
int sb_wait_readable(int fd, long long deadline);
/* Start time of a process in clock ticks since boot (/proc/PID/stat field
 * 22), 0 if it cannot be read. */
unsigned long long proc_start_time(pid_t pid);
/* Writes RUN_DIR/NAME/state atomically. Returns 0, or -1 with err. */
int state_write(const struct sandbox *sb, unsigned long long init_start,
		unsigned long long bwrap_start, char *err, size_t errlen);
void state_remove(const struct sandbox *sb);

#endif
