/* rule: one qrexec policy rule (SERVICE ARGUMENT SOURCE TARGET ACTION
 * [PARAM=VALUE ...]) built from its fields with every check Qubes 4.1+
 * makes, in upstream's order and with its messages; and its text form. */
#ifndef BULKHEAD_POLICY_RULE_H
#define BULKHEAD_POLICY_RULE_H

#include "lib/arena.h"
#include "policy/token.h"

#include <stdbool.h>
#include <stddef.h>

enum pact { PACT_ALLOW, PACT_DENY, PACT_ASK };

struct rule {
	const char *service;  /* NULL means * */
	const char *argument; /* NULL means *; else starts with '+' */
	struct ptoken source;
	struct ptoken target;
	enum pact action;
	bool has_redirect;    /* target= */
	struct ptoken redirect;
	bool has_default;     /* default_target= (ask) */
	struct ptoken default_target;
	const char *user;     /* NULL: not given; "" behaves as DEFAULT */
	bool notify;
	bool autostart;
	const char *file;     /* the file the rule came from */
	unsigned line;        /* 1-based; 0 for compat-4.0's implicit denies */
};

/* Checks a service and argument of a rule or of !include-service. "*"
 * stands for any and comes back as NULL. Returns 0, or -1 with err. */
int rule_check_service_arg(const char *service, const char *argument,
			   const char **svc_out, const char **arg_out,
			   char *err, size_t errlen);

/* Builds a rule from split fields. String arguments must outlive the rule
 * (they are kept, not copied). Returns 0, or -1 with the message (without
 * the file:line prefix) in err. file and line are set by the caller. */
int rule_build(struct rule *r, const char *service, const char *argument,
	       const char *source, const char *target, const char *action,
	       char *const *params, size_t nparams, char *err, size_t errlen);

/* Upstream's str(rule): tab-separated service, argument (or *), source,
 * target, then the action with target=, default_target= and user=. */
char *rule_format(const struct rule *r, struct arena *a);
const char *pact_name(enum pact a);

#endif
