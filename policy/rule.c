/* rule: building and printing policy rules (see rule.h). */
#include "policy/pyrepr.h"
#include "policy/rule.h"

#include <stdio.h>
#include <string.h>

const char *pact_name(enum pact a)
{
	switch (a) {
	case PACT_ALLOW: return "allow";
	case PACT_DENY: return "deny";
	case PACT_ASK: return "ask";
	}
	return "?";
}

static bool rpcname_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' ||
	       c == '_';
}

/* Upstream prints the sorted set of bad characters as a Python tuple. */
static bool bad_chars(const char *s, bool plus_ok, char *out, size_t outlen)
{
	bool seen[256] = {false};
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (rpcname_char(*p) && (plus_ok || *p != '+'))
			continue;
		if (!seen[*p])
			n++;
		seen[*p] = true;
	}
	if (n == 0)
		return false;
	size_t o = 0;
	o += (size_t)snprintf(out + o, outlen - o, "(");
	size_t k = 0;
	for (int c = 1; c < 256 && o < outlen; c++) {
		if (!seen[c])
			continue;
		char ch[2] = {(char)c, '\0'}, rb[16];
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", k ? ", " : "",
				      pyrepr(ch, rb, sizeof rb));
		k++;
	}
	if (o < outlen)
		snprintf(out + o, outlen - o, "%s)", n == 1 ? "," : "");
	return true;
}

int rule_check_service_arg(const char *service, const char *argument,
			   const char **svc_out, const char **arg_out,
			   char *err, size_t errlen)
{
	char bad[200], rb[512];
	const char *svc = strcmp(service, "*") == 0 ? NULL : service;
	const char *arg = strcmp(argument, "*") == 0 ? NULL : argument;
	if (svc && bad_chars(svc, false, bad, sizeof bad)) {
		snprintf(err, errlen, "service %s contains invalid characters: %s",
			 pyrepr(svc, rb, sizeof rb), bad);
		return -1;
	}
	if (arg) {
		if (bad_chars(arg, true, bad, sizeof bad)) {
			snprintf(err, errlen, "argument %s contains invalid characters: %s",
				 pyrepr(arg, rb, sizeof rb), bad);
			return -1;
		}
		if (arg[0] != '+') {
			snprintf(err, errlen, "argument %s does not start with +",
				 pyrepr(arg, rb, sizeof rb));
			return -1;
		}
		if (!svc) {
			snprintf(err, errlen, "only * argument allowed for * service");
			return -1;
		}
	}
	*svc_out = svc;
	*arg_out = arg;
	return 0;
}

static void params_repr(char *const *params, size_t n, char *out, size_t outlen)
{
	char rb[512];
	size_t o = (size_t)snprintf(out, outlen, "[");
	for (size_t i = 0; i < n && o < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%s%s", i ? ", " : "",
				      pyrepr(params[i], rb, sizeof rb));
	if (o < outlen)
		snprintf(out + o, outlen - o, "]");
}

static const char *action_class(enum pact a)
{
	return a == PACT_ALLOW ? "Allow" : a == PACT_DENY ? "Deny" : "Ask";
}

int rule_build(struct rule *r, const char *service, const char *argument,
	       const char *source, const char *target, const char *action,
	       char *const *params, size_t nparams, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	if (rule_check_service_arg(service, argument, &r->service, &r->argument,
				   err, errlen) < 0)
		return -1;
	if (ptoken_parse(&r->source, source, PTOK_CTX_SOURCE, err, errlen) < 0)
		return -1;
	if (ptoken_parse(&r->target, target, PTOK_CTX_TARGET, err, errlen) < 0)
		return -1;
	if (strcmp(action, "allow") == 0)
		r->action = PACT_ALLOW;
	else if (strcmp(action, "deny") == 0)
		r->action = PACT_DENY;
	else if (strcmp(action, "ask") == 0)
		r->action = PACT_ASK;
	else {
		snprintf(err, errlen, "invalid action: %s", action);
		return -1;
	}

	/* key=value pairs; the value is what follows the first '=' */
	enum { K_TARGET, K_DEFAULT, K_USER, K_NOTIFY, K_AUTOSTART, K_N };
	static const char *const keys[K_N] = {"target", "default_target", "user",
					      "notify", "autostart"};
	const char *val[K_N] = {NULL};
	bool unknown = false;
	char rb[512], rb2[512];
	for (size_t i = 0; i < nparams; i++) {
		const char *eq = strchr(params[i], '=');
		if (!eq) {
			snprintf(err, errlen, "invalid action parameter syntax: %s",
				 pyrepr(params[i], rb, sizeof rb));
			return -1;
		}
		size_t kl = (size_t)(eq - params[i]);
		/* a repeated key, known or not, is an error of its own */
		for (size_t j = 0; j < i; j++) {
			const char *e2 = strchr(params[j], '=');
			if ((size_t)(e2 - params[j]) == kl && memcmp(params[j], params[i], kl) == 0) {
				char key[256];
				snprintf(key, sizeof key, "%.*s", (int)kl, params[i]);
				snprintf(err, errlen, "parameter given twice: %s",
					 pyrepr(key, rb, sizeof rb));
				return -1;
			}
		}
		int k = -1;
		for (int j = 0; j < K_N; j++)
			if (strlen(keys[j]) == kl && memcmp(keys[j], params[i], kl) == 0)
				k = j;
		if (k < 0)
			unknown = true;
		else
			val[k] = eq + 1;
	}
	for (int k = K_NOTIFY; k <= K_AUTOSTART; k++) {
		if (val[k] && strcmp(val[k], "yes") != 0 && strcmp(val[k], "no") != 0) {
			snprintf(err, errlen, "'%s' is %s, but can be only 'yes' or 'no'",
				 keys[k], pyrepr(val[k], rb2, sizeof rb2));
			return -1;
		}
	}
	bool allowed[K_N] = {false};
	allowed[K_NOTIFY] = true;
	if (r->action != PACT_DENY) {
		allowed[K_TARGET] = allowed[K_USER] = allowed[K_AUTOSTART] = true;
		allowed[K_DEFAULT] = r->action == PACT_ASK;
	}
	for (int k = 0; k < K_N; k++)
		if (val[k] && !allowed[k])
			unknown = true;
	if (unknown) {
		char pr[512];
		params_repr(params, nparams, pr, sizeof pr);
		snprintf(err, errlen, "invalid parameters for action %s: %s",
			 action_class(r->action), pr);
		return -1;
	}
	r->notify = r->action == PACT_DENY;
	if (val[K_NOTIFY])
		r->notify = strcmp(val[K_NOTIFY], "yes") == 0;
	r->autostart = !val[K_AUTOSTART] || strcmp(val[K_AUTOSTART], "yes") == 0;
	r->user = val[K_USER];
	if (val[K_TARGET]) {
		if (ptoken_parse(&r->redirect, val[K_TARGET], PTOK_CTX_REDIRECT, err, errlen) < 0)
			return -1;
		r->has_redirect = true;
	}
	if (val[K_DEFAULT]) {
		if (ptoken_parse(&r->default_target, val[K_DEFAULT], PTOK_CTX_REDIRECT,
				 err, errlen) < 0)
			return -1;
		r->has_default = true;
	}
	if (r->target.kind == PTOK_DEFAULT && r->action == PACT_ALLOW && !r->has_redirect) {
		snprintf(err, errlen, "allow action for @default rule must specify target= option");
		return -1;
	}
	return 0;
}

char *rule_format(const struct rule *r, struct arena *a)
{
	char extra[1024] = "";
	size_t o = 0;
	if (r->has_redirect)
		o += (size_t)snprintf(extra + o, sizeof extra - o, " target=%s", r->redirect.text);
	if (r->has_default && o < sizeof extra)
		o += (size_t)snprintf(extra + o, sizeof extra - o, " default_target=%s",
				      r->default_target.text);
	if (r->user && r->user[0] && o < sizeof extra)
		snprintf(extra + o, sizeof extra - o, " user=%s", r->user);
	return arena_printf(a, "%s\t%s\t%s\t%s\t%s%s", r->service ? r->service : "*",
			    r->argument ? r->argument : "*", r->source.text, r->target.text,
			    pact_name(r->action), extra);
}
