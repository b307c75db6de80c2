/* test_policy_request: unit tests for policy/request (the policy daemon's
 * request on policy.sock): the exact request qrexec-daemon sends,
 * optional keys, the end of a request (empty line or EOF), and every
 * malformed case of request.h: unknown key (domain_id and process_ident
 * included), repeated key, bad boolean, missing required key, line
 * without '=', NUL or non-ASCII byte, too long. Also pol_split_service,
 * which splits service_and_arg at the first '+' as upstream does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "policy/eval.h"
#include "policy/request.h"

static int parse(const char *s, struct policyd_request *r, const char **err)
{
	return policyd_request_parse(s, strlen(s), r, err);
}

static void daemon_request(void **state)
{
	(void)state;
	struct policyd_request r;
	const char *err = NULL;
	/* what qrexec-daemon sends */
	const char *s = "source=work\nintended_target=@default\nservice_and_arg=qubes.Filecopy+\n\n";
	assert_true(policyd_request_complete(s, strlen(s)));
	assert_int_equal(parse(s, &r, &err), 0);
	assert_string_equal(r.source, "work");
	assert_string_equal(r.intended_target, "@default");
	assert_string_equal(r.service_and_arg, "qubes.Filecopy+");
	assert_null(r.requested_source);
	assert_false(r.assume_yes_for_ask);
	assert_false(r.just_evaluate);
	policyd_request_free(&r);
	assert_null(r.source);
	/* with requested_source and both flags, in any order, ended by EOF */
	s = "just_evaluate=yes\nrequested_source=remote\nassume_yes_for_ask=yes\n"
	    "service_and_arg=a+b=c\nintended_target=\nsource=relay";
	assert_false(policyd_request_complete(s, strlen(s)));
	assert_int_equal(parse(s, &r, &err), 0);
	assert_string_equal(r.requested_source, "remote");
	assert_true(r.assume_yes_for_ask);
	assert_true(r.just_evaluate);
	assert_string_equal(r.service_and_arg, "a+b=c"); /* split at the first '=' */
	assert_string_equal(r.intended_target, "");     /* empty values are values */
	policyd_request_free(&r);
	s = "source=a\nintended_target=b\nservice_and_arg=c\njust_evaluate=no\nassume_yes_for_ask=no\n";
	assert_int_equal(parse(s, &r, &err), 0);
	assert_false(r.just_evaluate);
	assert_false(r.assume_yes_for_ask);
	policyd_request_free(&r);
}

static void request_end(void **state)
{
	(void)state;
	struct policyd_request r;
	const char *err;
	/* everything after the empty line is ignored, even garbage */
	const char *s = "source=a\nintended_target=b\nservice_and_arg=c\n\nbogus\x01\xff";
	assert_int_equal(policyd_request_parse(s, strlen(s), &r, &err), 0);
	policyd_request_free(&r);
	/* an empty line first: nothing, so the required keys are missing */
	assert_int_equal(parse("\nsource=a\nintended_target=b\nservice_and_arg=c\n", &r, &err), -1);
	assert_string_equal(err, "required argument missing");
	/* completeness */
	assert_false(policyd_request_complete("", 0));
	assert_false(policyd_request_complete("source=a", 8));
	assert_false(policyd_request_complete("source=a\n", 9));
	assert_false(policyd_request_complete("a\nb\n", 4));
	assert_true(policyd_request_complete("\n", 1));
	assert_true(policyd_request_complete("source=a\n\n", 10));
	assert_true(policyd_request_complete("a\n\nb", 4));
	/* the length is honoured: a "\n\n" beyond it does not count */
	assert_false(policyd_request_complete("a\n\n", 2));
}

static void malformed(void **state)
{
	(void)state;
	static const struct {
		const char *s, *err;
	} t[] = {
		{"", "required argument missing"},
		{"source=a\nintended_target=b\n", "required argument missing"},
		{"source=a\nservice_and_arg=c\n", "required argument missing"},
		{"intended_target=b\nservice_and_arg=c\n", "required argument missing"},
		{"source=a\nsource=a\nintended_target=b\nservice_and_arg=c\n", "duplicate argument"},
		{"source=a\nintended_target=b\nservice_and_arg=c\nrequested_source=x\nrequested_source=x\n",
		 "duplicate argument"},
		{"source=a\nintended_target=b\nservice_and_arg=c\njust_evaluate=no\njust_evaluate=no\n",
		 "duplicate argument"},
		{"source=a\nintended_target=b\nservice_and_arg=c\nassume_yes_for_ask=yes\n"
		 "assume_yes_for_ask=yes\n", "duplicate argument"},
		{"source=a\nintended_target=b\nservice_and_arg=c\ndomain_id=3\n", "unknown argument"},
		{"source=a\nintended_target=b\nservice_and_arg=c\nprocess_ident=1 2\n", "unknown argument"},
		{"Source=a\nintended_target=b\nservice_and_arg=c\n", "unknown argument"},
		{"source =a\nintended_target=b\nservice_and_arg=c\n", "unknown argument"},
		{"=a\nsource=a\nintended_target=b\nservice_and_arg=c\n", "unknown argument"},
		{"source=a\nintended_target=b\nservice_and_arg=c\njust_evaluate=Yes\n", "invalid bool value"},
		{"source=a\nintended_target=b\nservice_and_arg=c\njust_evaluate=1\n", "invalid bool value"},
		{"source=a\nintended_target=b\nservice_and_arg=c\njust_evaluate=\n", "invalid bool value"},
		{"source=a\nintended_target=b\nservice_and_arg=c\nassume_yes_for_ask=true\n",
		 "invalid bool value"},
		{"source=a\nintended_target=b\nservice_and_arg=c\nnoequals\n", "line without '='"},
		{"source\n", "line without '='"},
		{"source=\xc3\xa9\nintended_target=b\nservice_and_arg=c\n", "NUL or non-ASCII byte"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct policyd_request r;
		const char *err = NULL;
		if (parse(t[i].s, &r, &err) != -1)
			fail_msg("case %zu parsed", i);
		if (!err || strcmp(err, t[i].err) != 0)
			fail_msg("case %zu: \"%s\", expected \"%s\"", i, err ? err : "(null)", t[i].err);
		/* nothing is left allocated */
		assert_null(r.source);
		assert_null(r.intended_target);
		assert_null(r.service_and_arg);
		assert_null(r.requested_source);
	}
	/* a NUL byte (upstream would take it; ours refuses) */
	struct policyd_request r;
	const char *err;
	static const char nul[] = "source=a\0b\nintended_target=b\nservice_and_arg=c\n";
	assert_int_equal(policyd_request_parse(nul, sizeof nul - 1, &r, &err), -1);
	assert_string_equal(err, "NUL or non-ASCII byte");
	/* too long, even with the empty line inside the limit */
	size_t n = POLICY_REQUEST_MAX + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'x', n);
	memcpy(big, "source=a\nintended_target=b\nservice_and_arg=c\n\n", 47);
	assert_int_equal(policyd_request_parse(big, n, &r, &err), -1);
	assert_string_equal(err, "request too long");
	/* exactly the limit is fine */
	assert_int_equal(policyd_request_parse(big, n - 1, &r, &err), 0);
	policyd_request_free(&r);
	free(big);
}

static void split_service(void **state)
{
	(void)state;
	static const struct {
		const char *in, *svc, *arg;
	} t[] = {
		{"qubes.Filecopy", "qubes.Filecopy", "+"},
		{"qubes.Filecopy+", "qubes.Filecopy", "+"},
		{"a+b", "a", "+b"},
		{"a+b+c", "a", "+b+c"},
		{"+x", "", "+x"},
		{"", "", "+"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *svc = NULL;
		const char *arg = NULL;
		assert_int_equal(pol_split_service(t[i].in, &svc, &arg), 0);
		assert_string_equal(svc, t[i].svc);
		assert_string_equal(arg, t[i].arg);
		if (strchr(t[i].in, '+'))
			assert_ptr_equal(arg, strchr(t[i].in, '+'));
		free(svc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(daemon_request),
		cmocka_unit_test(split_service),
		cmocka_unit_test(request_end),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
