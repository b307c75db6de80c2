/* policy_call: asking the policy whether a call may proceed, the way
 * qrexec-daemon does: the policy daemon socket, or the policy program
 * (`qrexec-policy-exec -- SRC TARGET SVC`), whose reply lines are parsed
 * by policy_reply. */
#ifndef BULKHEAD_QREXEC_POLICY_CALL_H
#define BULKHEAD_QREXEC_POLICY_CALL_H

#include "qrexec/policy_reply.h"

#define DEFAULT_POLICY_SOCKET "/run/qubes/policy.sock"
#define DEFAULT_POLICY_PROGRAM "/usr/bin/qrexec-policy-exec"

struct policy_query {
	const char *source;           /* the calling domain (this daemon's) */
	const char *requested_source; /* from TRIGGER4, "" if none */
	const char *target;           /* requested target */
	const char *service;          /* service+arg as sent */
};

struct policy_where {
	const char *socket;  /* NULL: do not use a socket */
	const char *program; /* NULL: do not use a program */
};

/* Returns 0 with *reply filled (allow or deny), or -1 when no policy could
 * be evaluated (which the caller treats as a refusal). */
int policy_ask(const struct policy_where *w, const struct policy_query *q,
	       struct policy_reply *reply);

#endif
