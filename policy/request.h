/* request: the policy daemon's request, as qrexec-daemon sends it on
 * /run/qubes/policy.sock: ASCII `key=value` lines ended by an empty line
 * or EOF. Required: source, intended_target, service_and_arg; optional:
 * assume_yes_for_ask=yes|no, just_evaluate=yes|no, requested_source.
 * An unknown or repeated key, a bad boolean, a missing required key, a
 * line without '=', a NUL or non-ASCII byte, or more than
 * POLICY_REQUEST_MAX bytes is malformed (upstream closes without reply).
 * Pure. */
#ifndef BULKHEAD_POLICY_REQUEST_H
#define BULKHEAD_POLICY_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define POLICY_REQUEST_MAX 65536

struct policyd_request {
	char *source;
	char *intended_target;
	char *service_and_arg;
	char *requested_source; /* NULL when absent */
	bool assume_yes_for_ask;
	bool just_evaluate;
};

/* Whether buf[0..len) holds a whole request (an empty line seen). A
 * request also ends at EOF, which the caller knows. */
bool policyd_request_complete(const char *buf, size_t len);
/* Parses buf[0..len) (up to the empty line, or all of it). Returns 0, or
 * -1 with a static message in *err. */
int policyd_request_parse(const char *buf, size_t len, struct policyd_request *out,
			  const char **err);
void policyd_request_free(struct policyd_request *r);

#endif
