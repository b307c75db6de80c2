/* eval: evaluating a qrexec call against a loaded policy and system info,
 * with Qubes 4.1+ semantics: the requested target is verified (a missing
 * qube becomes @default), rules are scanned in order and the first match
 * decides; allow resolves target=, @dispvm and @adminvm and checks
 * autostart; ask collects the targets the user may choose from as
 * upstream does (all rules for the service, argument and source, walked
 * in reverse, deny rules removing). Then the allow reply the qrexec daemon
 * reads is formatted.
 *
 * Where upstream crashes (an exception other than AccessDenied), the call
 * is denied with a reason saying so; where upstream is lax, see the notes
 * at the functions. */
#ifndef BULKHEAD_POLICY_EVAL_H
#define BULKHEAD_POLICY_EVAL_H

#include "lib/arena.h"
#include "policy/policy.h"
#include "policy/sysinfo.h"

#include <stdbool.h>
#include <stddef.h>

struct pol_request {
	const char *service;          /* without '+' */
	const char *argument;         /* starts with '+' ("+" when none) */
	const char *source;
	const char *target;           /* "" means @default */
	const char *requested_source; /* NULL or "": none */
};

enum pol_verdict { POL_DENY, POL_ALLOW, POL_ASK };

struct pol_result {
	enum pol_verdict verdict;
	const struct rule *rule;      /* the deciding rule, or NULL */
	bool notify;                  /* tell the user about a deny/allow */
	bool syntax;                  /* denied for a bad request token (no notify) */
	char reason[512];             /* why (deny), for logs */
	struct arena a;               /* owns the strings below */
	const char *source;           /* effective source (requested_source) */
	const char *relayvm;          /* the relay when requested_source is used */
	const char *intended_target;  /* verified requested target, or NULL */
	/* allow */
	const char *target;
	const char *user;             /* NULL or "": DEFAULT */
	bool autostart;
	/* ask */
	const char **targets;         /* sorted */
	size_t ntargets;
	const char *default_target;   /* NULL: none */
};

/* Why a rule did not decide (for explain). */
enum pol_step { STEP_SERVICE, STEP_ARGUMENT, STEP_SOURCE, STEP_TARGET, STEP_MATCH };
typedef void (*pol_trace_fn)(void *ctx, const struct rule *r, enum pol_step why);

/* Splits "SERVICE[+ARG]": *service is a malloc'd copy of SERVICE,
 * *argument points at "+ARG" inside s (or is "+"). Returns 0 or -1. */
int pol_split_service(const char *s, char **service, const char **argument);

/* Evaluates rq. Always fills *res (free it with pol_result_free; its
 * strings may point into p and si, which must outlive it); returns
 * 0, or -1 when out of memory (res is then a deny). With a trace
 * function, every rule is reported in order up to the deciding one (this
 * scans all rules instead of the service index). */
int pol_evaluate(const struct policy *p, const struct sysinfo *si,
		 const struct pol_request *rq, struct pol_result *res,
		 pol_trace_fn trace, void *trace_ctx);
void pol_result_free(struct pol_result *res);

/* The user's answer to an ask: chosen target, or NULL for "deny". Turns
 * res into an allow (target among the candidates) or a deny. */
void pol_ask_answer(struct pol_result *res, const struct sysinfo *si, const char *chosen);

/* The reply of an allowed call, as the qrexec daemon reads it:
 * user=, result=allow, target=, target_uuid=, autostart=,
 * requested_target=[, service=][, policy_source=] joined by '\n'. May turn
 * res into a deny (loopback call, broken RemoteVM, missing target); then
 * returns NULL. The string lives in res's arena. */
const char *pol_format_allow(struct pol_result *res, const struct sysinfo *si,
			     const struct pol_request *rq);

/* The whole non-interactive decision of qrexec-policy-exec: evaluate,
 * then ask becomes deny (just_evaluate), or yes for the requested target
 * (assume_yes); just_evaluate prints only result=allow. Returns the reply
 * (in res's arena; "result=deny" when denied). */
const char *pol_decide(const struct policy *p, const struct sysinfo *si,
		       const struct pol_request *rq, bool just_evaluate,
		       bool assume_yes, struct pol_result *res);

#endif
