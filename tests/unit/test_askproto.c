/* test_askproto: unit tests for policy/askproto (the policy.Ask and
 * policy.Notify messages to the ask agent): ask_request_build and
 * notify_request_build read back by agent_request_parse (header, fields,
 * icons with the "disp" variant for disposable templates), the agent's
 * checks of what it reads, and ask_answer_parse (allow:TARGET, deny,
 * garbage, one trailing newline, over-long answers). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/askproto.h"

static const char si_json[] =
	"{\"domains\": {"
	"\"dom0\": {\"type\": \"AdminVM\", \"icon\": \"adminvm-black\"},"
	"\"work\": {\"type\": \"AppVM\", \"icon\": \"appvm-blue\"},"
	"\"dvm\": {\"type\": \"AppVM\", \"template_for_dispvms\": true, \"icon\": \"appvm-red\"},"
	"\"odd\": {\"type\": \"AppVM\", \"template_for_dispvms\": true, \"icon\": \"app-happy-app\"},"
	"\"noicon\": {\"type\": \"AppVM\", \"template_for_dispvms\": true}"
	"}}";

static struct sysinfo *fixture(void)
{
	struct sysinfo *si;
	char err[256];
	if (sysinfo_parse(si_json, strlen(si_json), &si, err, sizeof err) < 0)
		fail_msg("%s", err);
	return si;
}

static void ask_round_trip(void **state)
{
	(void)state;
	struct sysinfo *si = fixture();
	const char *targets[] = {"@dispvm:dvm", "dom0", "work"};
	struct pol_request rq = {.service = "qubes.Filecopy", .argument = "+", .source = "untrusted",
				 .target = "@default"};
	struct pol_result res;
	memset(&res, 0, sizeof res);
	res.verdict = POL_ASK;
	res.source = "untrusted";
	res.targets = targets;
	res.ntargets = 3;
	res.default_target = "work";
	size_t len = 0;
	char *msg = ask_request_build(&rq, &res, si, &len);
	assert_non_null(msg);
	/* the header of a local call from dom0, then JSON */
	const char hdr[] = "policy.Ask dom0 name dom0";
	assert_memory_equal(msg, hdr, sizeof hdr); /* NUL included */
	json_error_t je;
	json_t *o = json_loadb(msg + sizeof hdr, len - sizeof hdr, 0, &je);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "source")), "untrusted");
	assert_string_equal(json_string_value(json_object_get(o, "service")), "qubes.Filecopy");
	assert_string_equal(json_string_value(json_object_get(o, "argument")), "+");
	assert_string_equal(json_string_value(json_object_get(o, "default_target")), "work");
	json_t *icons = json_object_get(o, "icons");
	assert_int_equal(json_object_size(icons), 5 + 3);
	assert_string_equal(json_string_value(json_object_get(icons, "dom0")), "adminvm-black");
	assert_string_equal(json_string_value(json_object_get(icons, "work")), "appvm-blue");
	assert_string_equal(json_string_value(json_object_get(icons, "dvm")), "appvm-red");
	assert_string_equal(json_string_value(json_object_get(icons, "@dispvm:dvm")), "dispvm-red");
	/* every "app" is replaced, as upstream's str.replace does */
	assert_string_equal(json_string_value(json_object_get(icons, "@dispvm:odd")),
			    "disp-hdispy-disp");
	assert_string_equal(json_string_value(json_object_get(icons, "noicon")), "");
	assert_string_equal(json_string_value(json_object_get(icons, "@dispvm:noicon")), "");
	assert_null(json_object_get(icons, "@dispvm:work"));
	json_decref(o);

	/* what the agent reads */
	struct agent_request ar;
	char err[256];
	assert_int_equal(agent_request_parse(msg, len, &ar, err, sizeof err), 0);
	assert_string_equal(ar.service, "policy.Ask");
	assert_string_equal(ar.caller, "dom0");
	assert_string_equal(ar.source, "untrusted");
	assert_string_equal(ar.req_service, "qubes.Filecopy");
	assert_string_equal(ar.argument, "+");
	assert_int_equal(ar.ntargets, 3);
	assert_string_equal(ar.targets[0], "@dispvm:dvm");
	assert_string_equal(ar.targets[2], "work");
	assert_string_equal(ar.default_target, "work");
	assert_null(ar.resolution);
	agent_request_free(&ar);
	assert_null(ar.service);
	free(msg);

	/* no default target: "" on the wire, NULL for the agent */
	res.default_target = NULL;
	msg = ask_request_build(&rq, &res, si, &len);
	assert_non_null(msg);
	assert_non_null(strstr(msg + sizeof hdr, "\"default_target\":\"\""));
	assert_int_equal(agent_request_parse(msg, len, &ar, err, sizeof err), 0);
	assert_null(ar.default_target);
	agent_request_free(&ar);
	free(msg);
	sysinfo_free(si);
}

static void notify_round_trip(void **state)
{
	(void)state;
	struct pol_request rq = {.service = "qubes.VMShell", .argument = "+arg", .source = "a",
				 .target = "b"};
	size_t len;
	char *msg = notify_request_build("deny", &rq, "a", "b", &len);
	assert_non_null(msg);
	assert_string_equal(msg, "policy.Notify dom0 name dom0");
	struct agent_request ar;
	char err[256];
	assert_int_equal(agent_request_parse(msg, len, &ar, err, sizeof err), 0);
	assert_string_equal(ar.service, "policy.Notify");
	assert_string_equal(ar.resolution, "deny");
	assert_string_equal(ar.req_service, "qubes.VMShell");
	assert_string_equal(ar.argument, "+arg");
	assert_string_equal(ar.source, "a");
	assert_string_equal(ar.target, "b");
	assert_int_equal(ar.ntargets, 0);
	agent_request_free(&ar);
	free(msg);
	/* no target: "" */
	msg = notify_request_build("fail", &rq, "a", NULL, &len);
	assert_non_null(msg);
	assert_int_equal(agent_request_parse(msg, len, &ar, err, sizeof err), 0);
	assert_string_equal(ar.resolution, "fail");
	assert_string_equal(ar.target, "");
	agent_request_free(&ar);
	free(msg);
}

static void agent_checks(void **state)
{
	(void)state;
	static const struct {
		const char *hdr, *json, *err;
	} t[] = {
		{"policy.Ask dom0", "{\"source\": \"a\", \"service\": \"s\", \"argument\": \"+\","
		 " \"targets\": [\"x\"]}", NULL},
		{"policy.Evil dom0", "{}", "unknown service"},
		{" dom0", "{}", "bad header"},
		{"policy.Ask", "{}", "bad header"},
		{"policy.Ask dom0", "[]", "bad JSON: not an object"},
		{"policy.Ask dom0", "{\"service\": \"s\", \"argument\": \"+\", \"targets\": []}",
		 "missing field 'source'"},
		{"policy.Ask dom0", "{\"source\": 1, \"service\": \"s\", \"argument\": \"+\"}",
		 "field 'source' is not a string"},
		{"policy.Ask dom0", "{\"source\": \"a\\nb\", \"service\": \"s\", \"argument\": \"+\","
		 " \"targets\": []}", "field 'source' contains a control character"},
		{"policy.Ask dom0", "{\"source\": \"a\", \"service\": \"s\", \"argument\": \"+\"}",
		 "field 'targets' is not a list (of at most 4096)"},
		{"policy.Ask dom0", "{\"source\": \"a\", \"service\": \"s\", \"argument\": \"+\","
		 " \"targets\": \"x\"}", "field 'targets' is not a list (of at most 4096)"},
		{"policy.Ask dom0", "{\"source\": \"a\", \"service\": \"s\", \"argument\": \"+\","
		 " \"targets\": [1]}", "field 'targets' is not a string"},
		{"policy.Ask dom0", "{\"source\": \"a\", \"service\": \"s\", \"argument\": \"+\","
		 " \"targets\": [], \"default_target\": 3}", "field 'default_target' is not a string"},
		{"policy.Notify dom0", "{\"source\": \"a\", \"service\": \"s\", \"argument\": \"+\"}",
		 "missing field 'resolution'"},
		{"policy.Notify dom0", "{\"source\": \"a\", \"service\": \"s\", \"argument\": \"+\","
		 " \"resolution\": \"allow\"}", NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char buf[1024];
		size_t hl = strlen(t[i].hdr), jl = strlen(t[i].json);
		memcpy(buf, t[i].hdr, hl + 1);
		memcpy(buf + hl + 1, t[i].json, jl);
		struct agent_request ar;
		char err[256] = "";
		int rc = agent_request_parse(buf, hl + 1 + jl, &ar, err, sizeof err);
		if (!t[i].err) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, err);
			agent_request_free(&ar);
			continue;
		}
		if (rc != -1 || strcmp(err, t[i].err) != 0)
			fail_msg("case %zu: rc %d \"%s\", expected \"%s\"", i, rc, err, t[i].err);
		assert_null(ar.service);
		assert_null(ar.targets);
	}
	struct agent_request ar;
	char err[256];
	/* no NUL: no header */
	assert_int_equal(agent_request_parse("policy.Ask dom0 {}", 18, &ar, err, sizeof err), -1);
	assert_string_equal(err, "no header (missing NUL)");
	/* strings longer than 255 bytes */
	char buf[2048];
	int n = snprintf(buf, sizeof buf, "policy.Notify dom0%c{\"source\": \"%0300d\", "
			 "\"service\": \"s\", \"argument\": \"+\", \"resolution\": \"deny\"}", 0, 0);
	assert_int_equal(agent_request_parse(buf, (size_t)n, &ar, err, sizeof err), -1);
	assert_string_equal(err, "field 'source' is longer than 255 bytes");
	/* over ASK_MSG_MAX */
	char *big = calloc(1, ASK_MSG_MAX + 1);
	assert_non_null(big);
	assert_int_equal(agent_request_parse(big, ASK_MSG_MAX + 1, &ar, err, sizeof err), -1);
	free(big);
}

static void answers(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int rc;
		const char *target;
	} t[] = {
		{"allow:work", 1, "work"},
		{"allow:work\n", 1, "work"},
		{"allow:@dispvm:dvm", 1, "@dispvm:dvm"},
		{"deny", 0, NULL},
		{"deny\n", 0, NULL},
		{"", -1, NULL},
		{"\n", -1, NULL},
		{"allow:", -1, NULL},
		{"allow", -1, NULL},
		{"Deny", -1, NULL},
		{"deny\n\n", -1, NULL},
		{"denyx", -1, NULL},
		{"allow:work\n\n", -1, NULL},
		{"allow:a b", -1, NULL},
		{"allow:a\tb", -1, NULL},
		{"allow:caf\xc3\xa9", -1, NULL},
		{"yes", -1, NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *target = (char *)1;
		int rc = ask_answer_parse(t[i].s, strlen(t[i].s), &target);
		if (rc != t[i].rc)
			fail_msg("\"%s\": %d, expected %d", t[i].s, rc, t[i].rc);
		if (t[i].target)
			assert_string_equal(target, t[i].target);
		else
			assert_null(target);
		free(target);
	}
	char *target;
	assert_int_equal(ask_answer_parse("deny\0", 5, &target), -1);
	assert_int_equal(ask_answer_parse("allow:a\0b", 9, &target), -1);
	/* at most ASK_ANSWER_MAX bytes (a trailing newline not counted) */
	char buf[ASK_ANSWER_MAX + 2];
	memcpy(buf, "allow:", 6);
	memset(buf + 6, 'x', sizeof buf - 6);
	assert_int_equal(ask_answer_parse(buf, ASK_ANSWER_MAX, &target), 1);
	assert_int_equal(strlen(target), ASK_ANSWER_MAX - 6);
	free(target);
	buf[ASK_ANSWER_MAX] = '\n';
	assert_int_equal(ask_answer_parse(buf, ASK_ANSWER_MAX + 1, &target), 1);
	free(target);
	buf[ASK_ANSWER_MAX] = 'x';
	assert_int_equal(ask_answer_parse(buf, ASK_ANSWER_MAX + 1, &target), -1);
	assert_null(target);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ask_round_trip),
		cmocka_unit_test(notify_round_trip),
		cmocka_unit_test(agent_checks),
		cmocka_unit_test(answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
