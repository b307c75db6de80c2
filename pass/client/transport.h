/* transport: one split-pass call: runs the qrexec client (qrexec-client-vm
 * VAULT SERVICE+SCOPE, or QVM_PASS_QREXEC_CLIENT for tests) with the
 * request on its stdin and the reply from its stdout. */
#ifndef BULKHEAD_PASS_TRANSPORT_H
#define BULKHEAD_PASS_TRANSPORT_H

#include "lib/buf.h"
#include "pass/passproto.h"

/* Returns 0 with the reply in `reply` (a whole message, unparsed), or the
 * exit code qvm-pass should end with (126 refused, 125 could not start,
 * 127 no such service, 1 otherwise) after printing why. */
int transport_call(const char *vault, enum pass_service svc, const char *scope,
		   const struct wbuf *req, struct wbuf *reply);

#endif
