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

/* The header qrexec puts before a socket service's data:
 * `SERVICE[+ARG] REMOTE_DOMAIN[ ...]\0`. Returns 1 with the fields
 * (malloc'd; *arg NULL when there is no '+') and *hdr_len (bytes used,
 * NUL included), 0 when more bytes are needed, -1 when malformed (no
 * separator within 1024 bytes, empty fields, control characters). */
int policyd_qrexec_header_parse(const char *buf, size_t len, size_t *hdr_len,
				char **service, char **arg, char **remote);

/* The payload of policy.EvalSimple/EvalGUI: `SOURCE\0TARGET` (at most 96
 * bytes), source 1-31 and target 1-63 bytes of [A-Za-z0-9@_.-]. Returns 0
 * with both copied (NUL-terminated), or -1. */
int policyd_eval_payload_parse(const char *buf, size_t len, char source[32],
			       char target[64]);
