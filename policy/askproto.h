/* askproto: the messages between the policy daemon and the ask/notify
 * agent (Qubes' policy.Ask and policy.Notify socket services): a header
 * `SERVICE SOURCE name SOURCE\0` (dom0 calling locally) followed by JSON,
 * then EOF; policy.Ask answers `allow:TARGET` or `deny`, policy.Notify
 * answers nothing.
 *   policy.Ask JSON: source, service, argument ("+" if none), targets
 *   (list), default_target ("" if none), icons (name -> icon).
 *   policy.Notify JSON: resolution (allow|deny|fail), service, argument,
 *   source, target.
 * Building and parsing are pure. */
#ifndef BULKHEAD_POLICY_ASKPROTO_H
#define BULKHEAD_POLICY_ASKPROTO_H

#include "policy/eval.h"

#include <stdbool.h>
#include <stddef.h>

#define ASK_MSG_MAX (1024 * 1024)
#define ASK_ANSWER_MAX 4096

/* The whole policy.Ask request (header + JSON), malloc'd; *len set. */
char *ask_request_build(const struct pol_request *rq, const struct pol_result *res,
			const struct sysinfo *si, size_t *len);
/* The whole policy.Notify request; target: the actual target for allow,
 * the intended one for deny. */
char *notify_request_build(const char *resolution, const struct pol_request *rq,
			   const char *source, const char *target, size_t *len);

/* The agent's answer. Returns 1 allow (*target malloc'd), 0 deny, -1
 * invalid. */
int ask_answer_parse(const char *buf, size_t len, char **target);

/* What the agent reads. */
struct agent_request {
	char *service;        /* policy.Ask or policy.Notify */
	char *caller;         /* the calling domain (dom0) */
	/* both */
	char *source, *req_service, *argument;
	/* ask */
	char **targets;
	size_t ntargets;
	char *default_target; /* NULL if none */
	/* notify */
	char *resolution, *target;
};

/* Parses header + JSON. Returns 0, or -1 with a message in err. Strings
 * are checked: no control characters, at most 255 bytes each. */
int agent_request_parse(const char *buf, size_t len, struct agent_request *out,
			char *err, size_t errlen);
void agent_request_free(struct agent_request *r);

#endif
