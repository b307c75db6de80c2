/* batch: one Admin API method run on many qubes at once (upstream's tools
 * use a thread per qube), and upstream's "Error: ..." failure lines. */
#ifndef BULKHEAD_TOOLS_BATCH_H
#define BULKHEAD_TOOLS_BATCH_H

#include "tools/session.h"

/* Runs METHOD[+ARG] (no payload) on each qube; res[i] answers vms[i]. */
void batch_call(struct session *s, const struct vm_info *const *vms, size_t n,
		const char *method, const char *arg, int timeout_ms, struct admin_result *res);
/* "Error: WHAT: NAME: <failure>" on stderr. */
void batch_report(const char *what, const char *name, const struct admin_result *r);
void batch_free(struct admin_result *res, size_t n);

#endif
