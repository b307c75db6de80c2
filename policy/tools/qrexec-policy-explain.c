/* qrexec-policy-explain: says which policy rule decides a qrexec call and
 * why the rules before it for the same service did not match; with --json
 * prints one JSON object: result (allow, deny, ask, or error when the
 * policy does not load), target, user, autostart, targets_for_ask
 * (sorted), default_target, rule ("file:line"), reason; null where a field
 * does not apply. No prompt is shown and nothing is run. */
#include "lib/log.h"
#include "policy/eval.h"
#include "policy/tools/common.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qrexec-policy-explain [options] SOURCE TARGET SERVICE[+ARGUMENT]\n"
		"Shows which rule decides a call, and why earlier rules do not match.\n"
		"  --json               one JSON object on stdout\n"
		"  -v, --verbose        also list rules for other services\n"
		TOOL_SRC_USAGE
		"  -h, --help           this text\n");
}

struct trace {
	bool json, verbose;
	const struct pol_request *rq;
	size_t other_service;
};

static const char *where(const struct rule *r, char *buf, size_t n)
{
	if (r->line)
		snprintf(buf, n, "%s:%u", r->file, r->line);
	else
		snprintf(buf, n, "%s:implicit", r->file);
	return buf;
}

static void on_rule(void *ctx, const struct rule *r, enum pol_step why)
{
	struct trace *t = ctx;
	if (t->json)
		return;
	char w[1024];
	struct arena a;
	arena_init(&a);
	const char *text = rule_format(r, &a);
	where(r, w, sizeof w);
	switch (why) {
	case STEP_SERVICE:
		t->other_service++;
		if (t->verbose)
			printf("%s: other service (%s)\n", w, r->service);
		break;
	case STEP_ARGUMENT:
		printf("%s: argument %s does not match %s\n", w, r->argument, t->rq->argument);
		break;
	case STEP_SOURCE:
		printf("%s: source %s does not match %s\n", w, r->source.text, t->rq->source);
		break;
	case STEP_TARGET:
		printf("%s: target %s does not match the requested target\n", w, r->target.text);
		break;
	case STEP_MATCH:
		printf("%s: MATCH: %s\n", w, text ? text : "?");
		break;
	}
	arena_free(&a);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The --json fields of an evaluated call (after pol_format_allow). */
static void fill_json(json_t *o, const struct pol_result *res)
{
	char w[1024];
	const char *verdict = res->verdict == POL_ALLOW ? "allow" :
			      res->verdict == POL_ASK ? "ask" : "deny";
	const char *user = res->verdict != POL_DENY
				   ? (res->user && res->user[0] ? res->user : "DEFAULT") : NULL;
	json_object_set_new(o, "result", json_string(verdict));
	json_object_set_new(o, "target",
			    str_or_null(res->verdict == POL_ALLOW ? res->target : NULL));
	json_object_set_new(o, "user", str_or_null(user));
	json_object_set_new(o, "autostart", res->verdict == POL_DENY ? json_null()
				: json_boolean(res->autostart));
	if (res->verdict == POL_ASK) {
		json_t *t = json_array();
		for (size_t i = 0; i < res->ntargets; i++)
			json_array_append_new(t, json_string(res->targets[i]));
		json_object_set_new(o, "targets_for_ask", t);
		json_object_set_new(o, "default_target", str_or_null(res->default_target));
	} else {
		json_object_set_new(o, "targets_for_ask", json_null());
		json_object_set_new(o, "default_target", json_null());
	}
	json_object_set_new(o, "rule", str_or_null(res->rule ? where(res->rule, w, sizeof w)
							      : NULL));
	json_object_set_new(o, "reason", str_or_null(res->verdict == POL_DENY ? res->reason
									    : NULL));
}

/* Hidden --batch FILE ("-": stdin), for scripts/policy-differential.py:
 * the policy and system info are loaded once; each line is
 * SOURCE<TAB>TARGET<TAB>SERVICE[+ARG][<TAB>REQUESTED_SOURCE] (TARGET may
 * be empty) and gives one --json object on its own line, plus "reply":
 * the allow reply for the qrexec daemon, or null, and "notify": whether
 * the user would be told. */
static int run_batch(const struct tool_src *src, const char *file)
{
	FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	if (!in) {
		perror(file);
		return 2;
	}
	char err[2048];
	struct policy *p = tool_load_policy(src, err, sizeof err);
	struct sysinfo *si = p ? tool_load_sysinfo(src, err, sizeof err) : NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, in)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		char *f[4] = {NULL, NULL, NULL, NULL};
		size_t nf = 0;
		for (char *s = line; nf < 4; nf++) {
			f[nf] = s;
			char *tab = strchr(s, '\t');
			if (!tab) {
				nf++;
				break;
			}
			*tab = '\0';
			s = tab + 1;
		}
		json_t *o = json_object();
		if (!p || !si) {
			json_object_set_new(o, "result", json_string("error"));
			json_object_set_new(o, "reason", json_string(err));
		} else if (nf < 3) {
			json_object_set_new(o, "result", json_string("error"));
			json_object_set_new(o, "reason", json_string("bad batch line"));
		} else {
			char *service;
			const char *argument;
			if (pol_split_service(f[2], &service, &argument) < 0)
				return 125;
			struct pol_request rq = {.service = service, .argument = argument,
						 .source = f[0], .target = f[1],
						 .requested_source = nf > 3 ? f[3] : NULL};
			struct pol_result res;
			pol_evaluate(p, si, &rq, &res, NULL, NULL);
			const char *reply = res.verdict == POL_ALLOW
						    ? pol_format_allow(&res, si, &rq) : NULL;
			fill_json(o, &res);
			json_object_set_new(o, "reply", str_or_null(reply));
			json_object_set_new(o, "notify", json_boolean(res.notify && !res.syntax));
			pol_result_free(&res);
			free(service);
		}
		char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	}
	free(line);
	if (in != stdin)
		fclose(in);
	sysinfo_free(si);
	policy_free(p);
	return fflush(stdout) == 0 ? 0 : 125;
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	struct tool_src src = {0};
	struct trace tr = {0};
	static const struct option opts[] = {
		{"json", no_argument, 0, 'j'},
		{"verbose", no_argument, 0, 'v'},
		{"help", no_argument, 0, 'h'},
		{"batch", required_argument, 0, 'b'},
		TOOL_SRC_OPTIONS,
		{0, 0, 0, 0},
	};
	const char *batch = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		if (tool_src_option(&src, c, optarg))
			continue;
		switch (c) {
		case 'j': tr.json = true; break;
		case 'v': tr.verbose = true; break;
		case 'b': batch = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (batch && argc == optind)
		return run_batch(&src, batch);
	if (argc - optind != 3) {
		usage(stderr);
		return 2;
	}
	const char *source = argv[optind], *target = argv[optind + 1];
	char *service;
	const char *argument;
	if (pol_split_service(argv[optind + 2], &service, &argument) < 0)
		return 125;
	struct pol_request rq = {.service = service, .argument = argument,
				 .source = source, .target = target};
	tr.rq = &rq;
	char err[2048];
	struct policy *p = tool_load_policy(&src, err, sizeof err);
	struct sysinfo *si = p ? tool_load_sysinfo(&src, err, sizeof err) : NULL;
	json_t *o = json_object();
	int rc = 0;
	if (!p || !si) {
		if (tr.json) {
			json_object_set_new(o, "result", json_string("error"));
			json_object_set_new(o, "reason", json_string(err));
		} else {
			printf("error: %s\n", err);
		}
		rc = 1;
		goto print;
	}
	struct pol_result res;
	pol_evaluate(p, si, &rq, &res, on_rule, &tr);
	if (res.verdict == POL_ALLOW && !pol_format_allow(&res, si, &rq)) {
		/* denied when the call would be set up (loopback, ...) */
	}
	const char *user = res.verdict != POL_DENY
				   ? (res.user && res.user[0] ? res.user : "DEFAULT") : NULL;
	if (tr.json) {
		fill_json(o, &res);
	} else {
		if (tr.other_service && !tr.verbose)
			printf("(%zu rules for other services skipped)\n", tr.other_service);
		printf("requested target: %s\n", res.intended_target ? res.intended_target : "(invalid)");
		switch (res.verdict) {
		case POL_ALLOW:
			printf("result: allow, target %s, user %s, autostart %s%s\n", res.target,
			       user, res.autostart ? "yes" : "no", res.notify ? ", notify" : "");
			break;
		case POL_ASK:
			printf("result: ask, targets:");
			for (size_t i = 0; i < res.ntargets; i++)
				printf(" %s", res.targets[i]);
			printf("; default: %s; user %s, autostart %s\n",
			       res.default_target ? res.default_target : "none", user,
			       res.autostart ? "yes" : "no");
			break;
		case POL_DENY:
			printf("result: deny (%s)%s\n", res.reason, res.notify ? ", notify" : "");
			break;
		}
	}
	pol_result_free(&res);
print:
	if (tr.json) {
		char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		if (s)
			printf("%s\n", s);
		free(s);
	}
	json_decref(o);
	sysinfo_free(si);
	policy_free(p);
	free(service);
	return rc;
}
