/* askclient: a blocking call of the ask/notify agent's socket (for the
 * command-line tools; the policy daemon drives the same messages without
 * blocking). */
#ifndef BULKHEAD_POLICY_ASKCLIENT_H
#define BULKHEAD_POLICY_ASKCLIENT_H

#include <stddef.h>

#define POLICY_AGENT_SOCKET "/run/qubes/policy-agent.sock"

/* Sends msg, closes our sending side, reads the answer (at most
 * anslen - 1 bytes, NUL-terminated) within timeout_ms. Returns the answer
 * length, or -1 with errno. */
long ask_call(const char *sock, const char *msg, size_t len, int timeout_ms,
	      char *answer, size_t anslen);

#endif
