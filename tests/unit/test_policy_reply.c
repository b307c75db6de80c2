/* Unit tests for policy_reply: the policy reply parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "qrexec/policy_reply.h"

static int parse(const char *s, struct policy_reply *r)
{
	const char *err;
	return policy_reply_parse(s, strlen(s), r, &err);
}

static void allow_full(void **st)
{
	(void)st;
	struct policy_reply r;
	assert_int_equal(parse("result=allow\nuser=toto\ntarget=vault\ntarget_uuid=u1\n"
			       "requested_target=@default\nautostart=True\n", &r), 0);
	assert_true(r.allow);
	assert_string_equal(r.user, "toto");
	assert_string_equal(r.target, "vault");
	assert_string_equal(r.target_uuid, "u1");
	assert_string_equal(r.requested_target, "@default");
	assert_true(r.autostart);
	policy_reply_free(&r);
}

static void deny_plain(void **st)
{
	(void)st;
	struct policy_reply r;
	assert_int_equal(parse("result=deny\n", &r), 0);
	assert_false(r.allow);
	assert_int_equal(parse("result=deny", &r), 0);
	policy_reply_free(&r);
}

static void malformed(void **st)
{
	(void)st;
	struct policy_reply r;
	const char *bad[] = {
		"", "result=allow\n", "result=maybe\n", "noequals\n",
		"result=deny\nresult=deny\n", "result=deny\nuser=x\n",
		"result=deny\ntarget=x\n", "result=deny\nautostart=True\n",
		"result=allow\nuser=u\ntarget=t\nrequested_target=t\nautostart=true\n",
		"result=allow\nuser=u\ntarget=t\nautostart=True\n",
		"result=allow\nuser=u\ntarget=\nrequested_target=t\nautostart=True\n",
		"result=allow\nuser=u\nuser=v\ntarget=t\nrequested_target=t\nautostart=True\n",
		"result=deny\n\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(parse(bad[i], &r), -1);
	const char *err;
	assert_int_equal(policy_reply_parse("result=deny\0\n", 13, &r, &err), -1);
	char big[POLICY_REPLY_MAX + 2];
	memset(big, 'a', sizeof big);
	memcpy(big, "result=deny\nx=", 14);
	assert_int_equal(policy_reply_parse(big, sizeof big, &r, &err), -1);
}

static void unknown_keys_ignored(void **st)
{
	(void)st;
	struct policy_reply r;
	assert_int_equal(parse("result=deny\nfoo=bar\nfoo=baz\n", &r), 0);
	assert_false(r.allow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allow_full),
		cmocka_unit_test(deny_plain),
		cmocka_unit_test(malformed),
		cmocka_unit_test(unknown_keys_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
