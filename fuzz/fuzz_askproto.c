/* fuzz_askproto: libFuzzer target for the ask/notify agent protocol
 * (policy/askproto.c). The first byte chooses the parser for the rest:
 * even, agent_request_parse (what the agent reads); odd, ask_answer_parse
 * (what the daemon reads back). An accepted request is rebuilt with
 * ask_request_build or notify_request_build and parsed again, which must
 * give the same fields; an accepted answer is printed and parsed again. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/askproto.h"
#include "sysinfo_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static const struct sysinfo *fixture(void)
{
	static struct sysinfo *si;
	char err[512];

	if (!si && sysinfo_parse(sysinfo_fixture_json, sizeof sysinfo_fixture_json - 1,
				 &si, err, sizeof err) < 0)
		__builtin_trap();
	return si;
}

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static void check_str(const char *s)
{
	size_t n;

	if (!s)
		return;
	n = strlen(s);
	CHECK(n <= 255);
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static void rebuild(const struct agent_request *r)
{
	struct pol_request rq = {.service = r->req_service, .argument = r->argument,
				 .source = r->source, .target = ""};
	struct agent_request r2;
	char err[512];
	char *msg;
	size_t len = 0;
	bool ask = strcmp(r->service, "policy.Ask") == 0;

	if (ask) {
		struct pol_result res;

		memset(&res, 0, sizeof res);
		res.verdict = POL_ASK;
		res.source = r->source;
		res.targets = (const char **)r->targets;
		res.ntargets = r->ntargets;
		res.default_target = r->default_target;
		msg = ask_request_build(&rq, &res, fixture(), &len);
	} else {
		msg = notify_request_build(r->resolution, &rq, r->source, r->target, &len);
	}
	CHECK(msg);
	CHECK(len > 0 && strlen(msg) < len); /* header NUL inside */
	CHECK(agent_request_parse(msg, len, &r2, err, sizeof err) == 0);
	CHECK(strcmp(r2.service, r->service) == 0);
	CHECK(strcmp(r2.caller, "dom0") == 0);
	CHECK(same_str(r2.source, r->source));
	CHECK(same_str(r2.req_service, r->req_service));
	CHECK(same_str(r2.argument, r->argument));
	if (ask) {
		CHECK(r2.ntargets == r->ntargets);
		for (size_t i = 0; i < r->ntargets; i++)
			CHECK(strcmp(r2.targets[i], r->targets[i]) == 0);
		CHECK(same_str(r2.default_target, r->default_target));
	} else {
		CHECK(same_str(r2.resolution, r->resolution));
		CHECK(same_str(r2.target, r->target ? r->target : ""));
	}
	agent_request_free(&r2);
	free(msg);
}

static void agent(const char *buf, size_t len)
{
	struct agent_request r;
	char err[512];
	int rc;

	memset(err, 0, sizeof err);
	rc = agent_request_parse(buf, len, &r, err, sizeof err);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(err[0] && memchr(err, '\0', sizeof err));
		CHECK(!r.service && !r.caller && !r.source && !r.targets && !r.ntargets);
		return;
	}
	CHECK(r.service && r.caller && r.source && r.req_service && r.argument);
	check_str(r.source);
	check_str(r.req_service);
	check_str(r.argument);
	check_str(r.default_target);
	check_str(r.resolution);
	check_str(r.target);
	if (strcmp(r.service, "policy.Ask") == 0) {
		CHECK(r.targets && r.ntargets <= 4096 && !r.resolution && !r.target);
		CHECK(!r.default_target || r.default_target[0]);
		for (size_t i = 0; i < r.ntargets; i++)
			check_str(r.targets[i]);
	} else {
		CHECK(strcmp(r.service, "policy.Notify") == 0);
		CHECK(r.resolution && !r.targets && !r.ntargets && !r.default_target);
	}
	rebuild(&r);
	agent_request_free(&r);
}

static void answer(const char *buf, size_t len)
{
	char *target = (char *)1, *t2;
	char *again;
	size_t tl;
	int rc = ask_answer_parse(buf, len, &target);

	CHECK(rc >= -1 && rc <= 1);
	if (rc != 1) {
		CHECK(!target);
		return;
	}
	CHECK(target && target[0]);
	tl = strlen(target);
	CHECK(tl <= ASK_ANSWER_MAX - 6);
	for (size_t i = 0; i < tl; i++)
		CHECK(target[i] > 0x20 && target[i] < 0x7f);
	again = malloc(tl + 7);
	CHECK(again);
	memcpy(again, "allow:", 6);
	memcpy(again + 6, target, tl);
	CHECK(ask_answer_parse(again, tl + 6, &t2) == 1 && strcmp(t2, target) == 0);
	free(t2);
	again[tl + 6] = '\n';
	CHECK(ask_answer_parse(again, tl + 7, &t2) == 1 && strcmp(t2, target) == 0);
	free(t2);
	free(again);
	free(target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		answer((const char *)data + 1, size - 1);
	else
		agent((const char *)data + 1, size - 1);
	return 0;
}
