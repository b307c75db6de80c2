/* transport: one split-pass call. Runs the qrexec client (the program in
 * $QVM_PASS_QREXEC_CLIENT, else the first qrexec-client-vm found) as
 * `CLIENT VAULT SERVICE+SCOPE` (the "+" always, so the policy sees an
 * explicit, possibly empty, argument), writes the request to its stdin
 * and closes it, reads the reply from its stdout up to PASS_MAX_MSG, and
 * collects its stderr (the vault's and the qrexec client's messages) to
 * be shown after the call, escaped on a terminal. No filter flags are
 * given: stdout is our pipe, not a terminal. */
#ifndef BULKHEAD_PASS_TRANSPORT_H
#define BULKHEAD_PASS_TRANSPORT_H

#include <stdbool.h>

#include "lib/buf.h"
#include "pass/passproto.h"

struct transport_result {
	int exit_code;     /* of the qrexec client; 128+N for signal N */
	bool started;      /* false: the client could not be run at all */
	bool too_big;      /* the reply went over PASS_MAX_MSG */
	struct wbuf err;   /* its stderr (at most 64 KiB kept) */
};

/* The qrexec client program, or NULL (none found). */
const char *transport_client(void);

/* The call. reply gets the raw reply bytes (a secret buffer). Returns 0
 * when the call ran (look at res and reply), -1 with errno when the client
 * could not be run. */
int transport_run(const char *client, const char *vault, const char *service_arg,
		  const struct wbuf *req, struct wbuf *reply, struct transport_result *res);

#endif
