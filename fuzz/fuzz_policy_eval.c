/* fuzz_policy_eval: libFuzzer target for policy evaluation
 * (policy/eval.c), with the parser and the rule index under it. The input
 * is `POLICY\0SERVICE[+ARG]\0SOURCE\0TARGET\0REQUESTED_SOURCE\0FLAGS`
 * (missing fields take defaults). The policy text becomes a struct policy
 * (bad lines are skipped) that is evaluated against a fixed system info:
 * with the service index and with a full trace scan, which must agree;
 * then the allow reply is formatted, an ask is answered and its agent
 * message round-tripped, and pol_decide gives the daemon's reply. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/askproto.h"
#include "policy/eval.h"
#include "policy/parser.h"
#include "sysinfo_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

/* FLAGS bits */
#define F_JUST_EVALUATE 0x01
#define F_ASSUME_YES 0x02
#define F_SERVICE_FMT 0x04 /* parse the policy as an !include-service file */
#define F_BIND_ARG 0x08    /* ... bound to the request's argument too */
#define F_ANSWER_DENY 0x10 /* answer an ask with "deny" */
#define F_ANSWER_BAD 0x20  /* answer an ask with a target not offered */

static const struct sysinfo *fixture(void)
{
	static struct sysinfo *si;
	char err[512];

	if (!si && sysinfo_parse(sysinfo_fixture_json, sizeof sysinfo_fixture_json - 1,
				 &si, err, sizeof err) < 0)
		__builtin_trap();
	return si;
}

static int add_rule(void *ctx, const struct rule *r)
{
	return policy_add_rule(ctx, r) < 0 ? -1 : 0;
}

static int skip_error(void *ctx, unsigned line, const char *msg)
{
	(void)ctx;
	(void)line;
	(void)msg;
	return 0;
}

struct trace {
	const struct policy *p;
	const struct rule *last;
	const struct rule *match;
};

static void on_trace(void *ctx, const struct rule *r, enum pol_step why)
{
	struct trace *t = ctx;

	CHECK(r >= t->p->rules && r < t->p->rules + t->p->nrules);
	CHECK(!t->last || r > t->last); /* every rule once, in order */
	CHECK(!t->match);               /* nothing after the match */
	t->last = r;
	if (why == STEP_MATCH)
		t->match = r;
}

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool same_result(const struct pol_result *a, const struct pol_result *b)
{
	if (a->verdict != b->verdict || a->rule != b->rule || a->notify != b->notify ||
	    a->syntax != b->syntax || strcmp(a->reason, b->reason) != 0 ||
	    !same_str(a->target, b->target) || !same_str(a->user, b->user) ||
	    a->autostart != b->autostart || a->ntargets != b->ntargets ||
	    !same_str(a->default_target, b->default_target))
		return false;
	for (size_t i = 0; i < a->ntargets; i++)
		if (strcmp(a->targets[i], b->targets[i]) != 0)
			return false;
	return true;
}

/* What agent_request_parse accepts in a string (here: printable ASCII). */
static bool agent_ok(const char *s)
{
	size_t n = strlen(s);

	if (n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static void check_reply(const char *reply)
{
	CHECK(reply);
	if (strncmp(reply, "user=", 5) == 0)
		CHECK(strstr(reply, "\nresult=allow\n") && strstr(reply, "\ntarget=") &&
		      strstr(reply, "\nautostart=") && strstr(reply, "\nrequested_target="));
	else
		CHECK(strcmp(reply, "result=deny") == 0 || strcmp(reply, "result=allow") == 0);
}

static void check_ask(const struct pol_result *res, const struct pol_request *rq,
		      const struct sysinfo *si)
{
	struct agent_request ar;
	char err[512];
	char *msg;
	size_t len;
	bool ok = agent_ok(res->source) && agent_ok(rq->service) && agent_ok(rq->argument);

	CHECK(res->ntargets > 0 && res->targets);
	for (size_t i = 0; i < res->ntargets; i++) {
		CHECK(res->targets[i]);
		if (i)
			CHECK(strcmp(res->targets[i - 1], res->targets[i]) <= 0);
		ok = ok && agent_ok(res->targets[i]);
	}
	if (res->default_target) {
		bool found = false;
		for (size_t i = 0; i < res->ntargets; i++)
			found = found || strcmp(res->targets[i], res->default_target) == 0;
		CHECK(found);
	}

	/* the policy.Ask message the agent would read */
	msg = ask_request_build(rq, res, si, &len);
	CHECK(msg);
	if (agent_request_parse(msg, len, &ar, err, sizeof err) == 0) {
		CHECK(strcmp(ar.service, "policy.Ask") == 0);
		CHECK(strcmp(ar.source, res->source) == 0);
		CHECK(strcmp(ar.req_service, rq->service) == 0);
		CHECK(strcmp(ar.argument, rq->argument) == 0);
		CHECK(ar.ntargets == res->ntargets);
		for (size_t i = 0; i < ar.ntargets; i++)
			CHECK(strcmp(ar.targets[i], res->targets[i]) == 0);
		CHECK(same_str(ar.default_target, res->default_target));
		agent_request_free(&ar);
	} else {
		CHECK(!ok);
	}
	free(msg);
}

static void evaluate(const struct policy *p, const struct sysinfo *si,
		     const struct pol_request *rq, unsigned flags)
{
	struct pol_result res, res2;
	struct trace tr = {.p = p};
	const char *reply;

	CHECK(pol_evaluate(p, si, rq, &res, NULL, NULL) == 0);
	CHECK(pol_evaluate(p, si, rq, &res2, on_trace, &tr) == 0);
	CHECK(same_result(&res, &res2));
	CHECK(tr.match == res.rule);
	pol_result_free(&res2);

	switch (res.verdict) {
	case POL_DENY:
		CHECK(res.reason[0]);
		break;
	case POL_ALLOW:
		CHECK(res.rule && res.rule->action == PACT_ALLOW && res.target);
		break;
	case POL_ASK:
		CHECK(res.rule && res.rule->action == PACT_ASK);
		check_ask(&res, rq, si);
		if (flags & F_ANSWER_DENY)
			pol_ask_answer(&res, si, NULL);
		else if (flags & F_ANSWER_BAD)
			pol_ask_answer(&res, si, "no such qube" /* no token has a space */);
		else
			pol_ask_answer(&res, si,
				       res.default_target ? res.default_target
							  : res.targets[flags % res.ntargets]);
		CHECK(res.verdict == ((flags & (F_ANSWER_DENY | F_ANSWER_BAD)) ? POL_DENY
										  : POL_ALLOW));
		break;
	}
	if (res.verdict == POL_ALLOW) {
		reply = pol_format_allow(&res, si, rq);
		if (reply)
			check_reply(reply);
		else
			CHECK(res.verdict == POL_DENY && res.reason[0]);
	}
	pol_result_free(&res);

	reply = pol_decide(p, si, rq, flags & F_JUST_EVALUATE, flags & F_ASSUME_YES, &res);
	check_reply(reply);
	if (flags & F_JUST_EVALUATE)
		CHECK(strncmp(reply, "user=", 5) != 0);
	pol_result_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sysinfo *si = fixture();
	const char *field[6] = {"", "qubes.Filecopy", "work", "", "", ""};
	char *copy = malloc(size + 1);
	size_t nf = 0, start = 0, policy_len;
	unsigned flags;
	struct policy *p;
	char *service;
	const char *argument;

	CHECK(copy);
	if (size)
		memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t i = 0; i <= size && nf < 6; i++) {
		if (i == size || copy[i] == '\0') {
			field[nf++] = copy + start;
			start = i + 1;
		}
	}
	policy_len = strlen(field[0]);
	flags = (unsigned char)field[5][0];

	CHECK(pol_split_service(field[1], &service, &argument) == 0);
	struct pol_request rq = {.service = service, .argument = argument,
				 .source = field[2], .target = field[3],
				 .requested_source = field[4]};

	p = policy_new();
	CHECK(p);
	struct pparse_ops ops = {.ctx = p, .rule = add_rule, .error = skip_error};
	if (flags & F_SERVICE_FMT)
		policy_parse_text(field[0], policy_len, "/etc/qubes/policy.d/include/fuzz",
				  PFMT_SERVICE, service,
				  (flags & F_BIND_ARG) && argument[1] ? argument : NULL, &p->a,
				  &ops);
	else
		policy_parse_text(field[0], policy_len, "/etc/qubes/policy.d/30-fuzz.policy",
				  PFMT_POLICY, NULL, NULL, &p->a, &ops);
	CHECK(policy_finish(p) == 0);

	evaluate(p, si, &rq, flags);

	policy_free(p);
	free(service);
	free(copy);
	return 0;
}
