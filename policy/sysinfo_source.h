/* sysinfo_source: where system info comes from: a JSON file (tests,
 * offline tools) or bulkheadd's internal socket (internal.GetSystemInfo,
 * as the upstream policy daemon asks qubesd). */
#ifndef BULKHEAD_POLICY_SYSINFO_SOURCE_H
#define BULKHEAD_POLICY_SYSINFO_SOURCE_H

#include "policy/sysinfo.h"

/* file != NULL: read it; else ask the qubesd internal socket at sock
 * (NULL: QUBESD_INTERNAL_SOCKET). Returns 0, or -1 with err. */
int sysinfo_fetch(const char *file, const char *sock, struct sysinfo **out,
		  char *err, size_t errlen);

#endif
