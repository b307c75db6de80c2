/* policy_reply: parser for the policy daemon's / policy program's reply
 * (key=value lines, as qrexec-daemon reads them). Pure. */
#ifndef BULKHEAD_QREXEC_POLICY_REPLY_H
#define BULKHEAD_QREXEC_POLICY_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define POLICY_REPLY_MAX 4096

struct policy_reply {
	bool allow;
	char *user;             /* allow only */
	char *target;           /* allow only */
	char *target_uuid;      /* optional */
	char *requested_target; /* allow only */
	bool autostart;
	char *service;          /* optional replacement svc+arg */
	char *policy_source;    /* optional replacement source */
};

/* Returns 0 on a well-formed reply, -1 (with *err) otherwise. A reply
 * is malformed if empty, over POLICY_REPLY_MAX, contains a NUL, has a line
 * without '=', a duplicate key, allow without user/target/
 * requested_target/autostart, or deny with any of them. */
int policy_reply_parse(const char *buf, size_t len, struct policy_reply *out,
		       const char **err);
void policy_reply_free(struct policy_reply *r);

#endif
