/* handler: one qrexec call on the domain side, in its own process:
 * connect the data link, run the requested service, relay its data. */
#ifndef BULKHEAD_QREXEC_AGENT_HANDLER_H
#define BULKHEAD_QREXEC_AGENT_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Never returns: exits with 0 when the call completed. */
_Noreturn void handler_run(uint32_t connect_domain, uint32_t connect_port,
			   const char *cmd, size_t cmd_len, bool just_exec);

#endif
