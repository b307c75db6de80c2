/* qrexec-policy-exec: evaluates one qrexec call against the policy and
 * prints the reply qrexec-daemon reads (user=, result=, target=, ...), as
 * upstream's tool of the same name does. An ask goes to the ask agent
 * (qrexec-policy-agent) unless --just-evaluate or --assume-yes-for-ask.
 * Exit status 0 iff the call is allowed. With --just-evaluate nothing is
 * printed. Decisions are logged to stderr. */
#include "lib/log.h"
#include "policy/askclient.h"
#include "policy/askproto.h"
#include "policy/eval.h"
#include "policy/tools/common.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qrexec-policy-exec [options] [--] SOURCE TARGET SERVICE[+ARGUMENT]\n"
		"Evaluates the qrexec policy for one call and prints the decision.\n"
		"  --just-evaluate      print nothing; exit 0 for allow, 1 for deny\n"
		"                       (ask counts as deny)\n"
		"  --assume-yes-for-ask answer yes to an ask for the requested target\n"
		"  --ask-socket PATH    the ask agent's socket (default %s)\n"
		"  --ask-timeout SEC    how long to wait for the user (default 60)\n"
		TOOL_SRC_USAGE
		"  -h, --help           this text\n", POLICY_AGENT_SOCKET);
}

static void notify(const char *sock, const char *resolution, const struct pol_request *rq,
		   const char *source, const char *target)
{
	size_t len;
	char *m = notify_request_build(resolution, rq, source, target, &len);
	char ans[64];
	if (!m || ask_call(sock, m, len, 2000, ans, sizeof ans) < 0)
		LOG_INFO("could not notify the user (%s): %s", sock, m ? strerror(errno) : "out of memory");
	free(m);
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	struct tool_src src = {0};
	bool just_eval = false, assume_yes = false;
	const char *ask_sock = POLICY_AGENT_SOCKET;
	int ask_timeout = 60;
	static const struct option opts[] = {
		{"just-evaluate", no_argument, 0, 'j'},
		{"assume-yes-for-ask", no_argument, 0, 'y'},
		{"ask-socket", required_argument, 0, 'a'},
		{"ask-timeout", required_argument, 0, 't'},
		{"help", no_argument, 0, 'h'},
		TOOL_SRC_OPTIONS,
		{0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (tool_src_option(&src, c, optarg))
			continue;
		switch (c) {
		case 'j': just_eval = true; break;
		case 'y': assume_yes = true; break;
		case 'a': ask_sock = optarg; break;
		case 't': ask_timeout = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (argc - optind != 3) {
		if (argc - optind == 5)
			fprintf(stderr, "qrexec-policy-exec: the deprecated 5-argument form "
				"(which also runs the call) is not supported\n");
		usage(stderr);
		return 2;
	}
	const char *source = argv[optind], *target = argv[optind + 1];
	const char *svc_arg = argv[optind + 2];
	char *service;
	const char *argument;
	if (pol_split_service(svc_arg, &service, &argument) < 0)
		return 125;
	struct pol_request rq = {.service = service, .argument = argument,
				 .source = source, .target = target};
	char err[2048];
	const char *reply = "result=deny";
	struct pol_result res = {0};
	arena_init(&res.a);
	struct policy *p = tool_load_policy(&src, err, sizeof err);
	struct sysinfo *si = NULL;
	if (!p) {
		LOG_ERR("qrexec: %s: %s -> %s: error loading policy: %s", svc_arg, source,
			target, err);
		goto out;
	}
	si = tool_load_sysinfo(&src, err, sizeof err);
	if (!si) {
		LOG_ERR("qrexec: %s: %s -> %s: error getting system info: %s", svc_arg, source,
			target, err);
		goto out;
	}
	if (just_eval || assume_yes) {
		reply = pol_decide(p, si, &rq, just_eval, assume_yes, &res);
	} else {
		pol_evaluate(p, si, &rq, &res, NULL, NULL);
		if (res.verdict == POL_ASK) {
			const struct si_domain *sd = sysinfo_get(si, res.source);
			const char *guivm = sd ? sd->guivm : NULL;
			size_t len;
			char *m = NULL;
			char ans[ASK_ANSWER_MAX + 2];
			long n = -1;
			if (!guivm || strcmp(guivm, "dom0") != 0) {
				LOG_ERR("%s not allowed from %s: the resolution was \"ask\", but the "
					"source's GuiVM is %s (only dom0 can prompt)", svc_arg,
					res.source, guivm ? guivm : "not set");
			} else if (!(m = ask_request_build(&rq, &res, si, &len))) {
				LOG_ERR("out of memory");
			} else if ((n = ask_call(ask_sock, m, len, ask_timeout * 1000, ans,
						 sizeof ans)) < 0) {
				LOG_ERR("no answer from the ask agent at %s: %s", ask_sock,
					strerror(errno));
			}
			free(m);
			char *chosen = NULL;
			int a = n >= 0 ? ask_answer_parse(ans, (size_t)n, &chosen) : -1;
			if (a < 0) {
				/* no agent, timeout or garbage: deny */
				pol_ask_answer(&res, si, NULL);
				if (n >= 0)
					snprintf(res.reason, sizeof res.reason, "invalid response");
			} else {
				pol_ask_answer(&res, si, a == 1 ? chosen : NULL);
			}
			free(chosen);
		}
		if (res.verdict == POL_ALLOW) {
			const char *out = pol_format_allow(&res, si, &rq);
			if (out) {
				if (res.notify)
					notify(ask_sock, "allow", &rq, res.source, res.target);
				reply = out;
			}
		}
	}
	if (res.verdict == POL_ALLOW && strncmp(reply, "result=deny", 11) != 0) {
		LOG_INFO("qrexec: %s: %s -> %s: allowed to %s", svc_arg, source, target,
			 res.target ? res.target : "?");
	} else {
		reply = "result=deny";
		LOG_INFO("qrexec: %s: %s -> %s: denied: %s", svc_arg, source, target,
			 res.reason[0] ? res.reason : "denied");
		if (res.notify && !res.syntax && !just_eval &&
		    sysinfo_get(si, res.source ? res.source : source))
			notify(ask_sock, "deny", &rq, res.source ? res.source : source, target);
	}
out:
	if (!just_eval) {
		fputs(reply, stdout);
		fputc('\n', stdout);
	}
	int allowed = strncmp(reply, "result=deny", 11) != 0;
	pol_result_free(&res);
	sysinfo_free(si);
	policy_free(p);
	free(service);
	if (fflush(stdout) != 0)
		return 125;
	return allowed ? 0 : 1;
}
