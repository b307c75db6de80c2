/* test_cmdline: unit tests for qrexec/cmdline, the parser of
 * `USER:[nogui:]QUBESRPC SVC[+ARG] SRC [TYPE TARGET]` and plain commands:
 * user split, nogui:, descriptor/service/arg limits, source, token count,
 * NUL handling and the lookup name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "qrexec/cmdline.h"

/* Parses a string literal (embedded NULs included, no implicit NUL). */
#define PARSE(lit, user, c, err) qrexec_cmd_parse((lit), sizeof(lit) - 1, (user), (c), (err))

static void assert_all_null(const struct qrexec_cmd *c)
{
	assert_null(c->user);
	assert_null(c->command);
	assert_null(c->descriptor);
	assert_null(c->service_name);
	assert_null(c->arg);
	assert_null(c->source);
	assert_null(c->target_type);
	assert_null(c->target);
	assert_false(c->is_rpc);
	assert_false(c->nogui);
	assert_int_equal(c->ntokens, 0);
}

static void expect_fail(const char *buf, size_t len, bool with_user)
{
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(qrexec_cmd_parse(buf, len, with_user, &c, &err), -1);
	assert_non_null(err);
	assert_true(strlen(err) > 0);
	assert_all_null(&c);
}

#define FAILS(lit, user) expect_fail((lit), sizeof(lit) - 1, (user))

/* ---- user and plain commands ---- */

static void user_split(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:echo Hello world", true, &c, &err), 0);
	assert_string_equal(c.user, "user");
	assert_string_equal(c.command, "echo Hello world");
	assert_false(c.nogui);
	assert_false(c.is_rpc);
	assert_null(c.descriptor);
	assert_null(c.service_name);
	assert_null(c.source);
	assert_int_equal(c.ntokens, 0);
	qrexec_cmd_free(&c);
	assert_null(c.user);
	assert_null(c.command);
}

static void user_split_at_first_colon(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("root:echo a:b", true, &c, &err), 0);
	assert_string_equal(c.user, "root");
	assert_string_equal(c.command, "echo a:b");
	qrexec_cmd_free(&c);
}

static void user_missing_colon(void **state)
{
	(void)state;
	FAILS("user echo", true);
	FAILS("QUBESRPC svc src", true);
	FAILS("", true);
}

static void user_empty(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE(":true", true, &c, &err), 0);
	assert_string_equal(c.user, "");
	assert_string_equal(c.command, "true");
	qrexec_cmd_free(&c);
}

static void user_empty_command(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:", true, &c, &err), 0);
	assert_string_equal(c.user, "user");
	assert_string_equal(c.command, "");
	assert_false(c.is_rpc);
	qrexec_cmd_free(&c);
}

static void without_user_colon_kept(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:cmd", false, &c, &err), 0);
	assert_null(c.user);
	assert_string_equal(c.command, "user:cmd");
	assert_false(c.is_rpc);
	qrexec_cmd_free(&c);
}

static void nogui_stripped(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:nogui:xterm", true, &c, &err), 0);
	assert_true(c.nogui);
	assert_string_equal(c.user, "user");
	assert_string_equal(c.command, "xterm");
	qrexec_cmd_free(&c);
}

static void nogui_only_once(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:nogui:nogui:cmd", true, &c, &err), 0);
	assert_true(c.nogui);
	assert_string_equal(c.command, "nogui:cmd");
	qrexec_cmd_free(&c);
}

static void nogui_near_misses(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:nogui", true, &c, &err), 0);
	assert_false(c.nogui);
	assert_string_equal(c.command, "nogui");
	qrexec_cmd_free(&c);
	assert_int_equal(PARSE("user:NOGUI:cmd", true, &c, &err), 0);
	assert_false(c.nogui);
	assert_string_equal(c.command, "NOGUI:cmd");
	qrexec_cmd_free(&c);
	assert_int_equal(PARSE("user: nogui:cmd", true, &c, &err), 0);
	assert_false(c.nogui);
	assert_string_equal(c.command, " nogui:cmd");
	qrexec_cmd_free(&c);
}

static void nogui_empty_command(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("u:nogui:", true, &c, &err), 0);
	assert_true(c.nogui);
	assert_string_equal(c.command, "");
	qrexec_cmd_free(&c);
}

static void plain_commands_not_rpc(void **state)
{
	(void)state;
	static const char *const cmds[] = {"QUBESRP", "QUBESRPX svc src", "qubesrpc svc src",
					   " QUBESRPC svc src", "xQUBESRPC svc src"};
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		struct qrexec_cmd c;
		const char *err = NULL;
		assert_int_equal(qrexec_cmd_parse(cmds[i], strlen(cmds[i]), false, &c, &err), 0);
		assert_false(c.is_rpc);
		assert_string_equal(c.command, cmds[i]);
		assert_null(c.descriptor);
		qrexec_cmd_free(&c);
	}
}

/* ---- QUBESRPC ---- */

static void rpc_without_space(void **state)
{
	(void)state;
	FAILS("user:QUBESRPC", true);
	FAILS("user:QUBESRPCsvc src", true);
	FAILS("user:QUBESRPC\tsvc src", true);
	FAILS("QUBESRPC", false);
}

static void rpc_empty_descriptor(void **state)
{
	(void)state;
	FAILS("user:QUBESRPC  src", true);
	FAILS("QUBESRPC  src name tgt", false);
}

static void rpc_no_space_after_descriptor(void **state)
{
	(void)state;
	FAILS("user:QUBESRPC svc", true);
	FAILS("user:QUBESRPC ", true);
	FAILS("QUBESRPC svc+arg", false);
}

static void rpc_descriptor_with_plus(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:QUBESRPC qubes.Svc+arg dom", true, &c, &err), 0);
	assert_true(c.is_rpc);
	assert_false(c.nogui);
	assert_string_equal(c.user, "user");
	assert_string_equal(c.command, "QUBESRPC qubes.Svc+arg dom");
	assert_string_equal(c.descriptor, "qubes.Svc+arg");
	assert_string_equal(c.service_name, "qubes.Svc");
	assert_string_equal(c.arg, "arg");
	assert_string_equal(c.source, "dom");
	assert_int_equal(c.ntokens, 2);
	assert_null(c.target_type);
	assert_null(c.target);
	qrexec_cmd_free(&c);
}

static void rpc_descriptor_without_plus(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:QUBESRPC qubes.Svc dom", true, &c, &err), 0);
	assert_true(c.is_rpc);
	assert_string_equal(c.descriptor, "qubes.Svc");
	assert_string_equal(c.service_name, "qubes.Svc");
	assert_null(c.arg);
	assert_string_equal(c.source, "dom");
	qrexec_cmd_free(&c);
}

static void rpc_empty_arg(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:QUBESRPC svc+ dom", true, &c, &err), 0);
	assert_string_equal(c.descriptor, "svc+");
	assert_string_equal(c.service_name, "svc");
	assert_non_null(c.arg);
	assert_string_equal(c.arg, "");
	qrexec_cmd_free(&c);
}

static void rpc_arg_with_plus(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:QUBESRPC svc+a+b dom", true, &c, &err), 0);
	assert_string_equal(c.service_name, "svc");
	assert_string_equal(c.arg, "a+b");
	qrexec_cmd_free(&c);
}

static void rpc_empty_service_name(void **state)
{
	(void)state;
	FAILS("user:QUBESRPC +arg dom", true);
	FAILS("user:QUBESRPC + dom", true);
	FAILS("QUBESRPC ++ dom name tgt", false);
}

static char *rpc_with_name(size_t name_len, size_t arg_len, bool plus)
{
	const char *pre = "u:QUBESRPC ";
	const char *post = " src";
	size_t n = strlen(pre) + name_len + (plus ? 1 : 0) + arg_len + strlen(post);
	char *s = malloc(n + 1);
	assert_non_null(s);
	char *p = s;
	memcpy(p, pre, strlen(pre));
	p += strlen(pre);
	memset(p, 'n', name_len);
	p += name_len;
	if (plus)
		*p++ = '+';
	memset(p, 'a', arg_len);
	p += arg_len;
	memcpy(p, post, strlen(post) + 1);
	return s;
}

static void rpc_service_name_255_ok(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	char *s = rpc_with_name(255, 0, false);
	assert_int_equal(qrexec_cmd_parse(s, strlen(s), true, &c, &err), 0);
	assert_int_equal(strlen(c.service_name), 255);
	assert_null(c.arg);
	qrexec_cmd_free(&c);
	free(s);
	s = rpc_with_name(255, 10, true);
	assert_int_equal(qrexec_cmd_parse(s, strlen(s), true, &c, &err), 0);
	assert_int_equal(strlen(c.service_name), 255);
	assert_int_equal(strlen(c.arg), 10);
	qrexec_cmd_free(&c);
	free(s);
}

static void rpc_service_name_256_too_long(void **state)
{
	(void)state;
	char *s = rpc_with_name(256, 0, false);
	expect_fail(s, strlen(s), true);
	free(s);
	s = rpc_with_name(256, 1, true);
	expect_fail(s, strlen(s), true);
	free(s);
}

static void rpc_descriptor_65000_ok_65001_too_long(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	char *s = rpc_with_name(10, 65000 - 11, true);
	assert_int_equal(qrexec_cmd_parse(s, strlen(s), true, &c, &err), 0);
	assert_int_equal(strlen(c.descriptor), 65000);
	assert_int_equal(strlen(c.arg), 65000 - 11);
	qrexec_cmd_free(&c);
	free(s);
	s = rpc_with_name(10, 65000 - 10, true);
	expect_fail(s, strlen(s), true);
	free(s);
}

static void rpc_missing_source(void **state)
{
	(void)state;
	FAILS("user:QUBESRPC svc+ ", true);
	FAILS("user:QUBESRPC svc+  src", true);
	FAILS("QUBESRPC svc+  src name tgt", false);
}

static void rpc_source_is_one_token(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:QUBESRPC svc+ src ", true, &c, &err), 0);
	assert_string_equal(c.source, "src");
	assert_int_equal(c.ntokens, 2);
	assert_null(c.target_type);
	qrexec_cmd_free(&c);
}

static void rpc_three_tokens(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("QUBESRPC svc+ src name", false, &c, &err), 0);
	assert_int_equal(c.ntokens, 3);
	assert_string_equal(c.source, "src");
	assert_string_equal(c.target_type, "name");
	assert_null(c.target);
	qrexec_cmd_free(&c);
}

static void rpc_four_tokens_dom0(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("QUBESRPC policy.Ask+x work keyword default", false,
			       &c, &err), 0);
	assert_null(c.user);
	assert_true(c.is_rpc);
	assert_int_equal(c.ntokens, 4);
	assert_string_equal(c.service_name, "policy.Ask");
	assert_string_equal(c.arg, "x");
	assert_string_equal(c.source, "work");
	assert_string_equal(c.target_type, "keyword");
	assert_string_equal(c.target, "default");
	qrexec_cmd_free(&c);
}

static void rpc_five_tokens(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("QUBESRPC svc src name tgt extra", false, &c, &err), 0);
	assert_int_equal(c.ntokens, 5);
	assert_string_equal(c.target_type, "name");
	assert_string_equal(c.target, "tgt");
	qrexec_cmd_free(&c);
}

static void rpc_tokens_multiple_spaces(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("QUBESRPC svc+ src   name   tgt  ", false, &c, &err), 0);
	assert_int_equal(c.ntokens, 4);
	assert_string_equal(c.source, "src");
	assert_string_equal(c.target_type, "name");
	assert_string_equal(c.target, "tgt");
	qrexec_cmd_free(&c);
}

static void rpc_nogui(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:nogui:QUBESRPC svc+a src", true, &c, &err), 0);
	assert_true(c.nogui);
	assert_true(c.is_rpc);
	assert_string_equal(c.command, "QUBESRPC svc+a src");
	assert_string_equal(c.descriptor, "svc+a");
	qrexec_cmd_free(&c);
	assert_int_equal(PARSE("nogui:QUBESRPC svc+a src name tgt", false, &c, &err), 0);
	assert_true(c.nogui);
	assert_true(c.is_rpc);
	assert_int_equal(c.ntokens, 4);
	qrexec_cmd_free(&c);
}

/* ---- NUL handling and length ---- */

static void interior_nul_rejected(void **state)
{
	(void)state;
	FAILS("user:cmd\0x", true);
	FAILS("user:QUBESRPC svc\0+ src", true);
	FAILS("us\0er:cmd", true);
	FAILS("user:cmd\0\0", true);
	FAILS("\0\0", false);
}

static void trailing_nul_accepted(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	assert_int_equal(PARSE("user:cmd\0", true, &c, &err), 0);
	assert_string_equal(c.command, "cmd");
	qrexec_cmd_free(&c);
	assert_int_equal(PARSE("user:QUBESRPC svc+ src\0", true, &c, &err), 0);
	assert_string_equal(c.source, "src");
	assert_int_equal(c.ntokens, 2);
	qrexec_cmd_free(&c);
	assert_int_equal(PARSE("\0", false, &c, &err), 0);
	assert_string_equal(c.command, "");
	qrexec_cmd_free(&c);
	FAILS("\0", true); /* only the NUL: no user part */
}

static void command_length_limit(void **state)
{
	(void)state;
	struct qrexec_cmd c;
	const char *err = NULL;
	char *s = malloc(65537);
	assert_non_null(s);
	memcpy(s, "u:", 2);
	memset(s + 2, 'x', 65535);
	assert_int_equal(qrexec_cmd_parse(s, 65535, true, &c, &err), 0);
	assert_int_equal(strlen(c.command), 65533);
	qrexec_cmd_free(&c);
	s[65535] = '\0'; /* trailing NUL does not count */
	assert_int_equal(qrexec_cmd_parse(s, 65536, true, &c, &err), 0);
	qrexec_cmd_free(&c);
	s[65535] = 'x';
	expect_fail(s, 65536, true);
	free(s);
}

static void failure_after_allocations_frees(void **state)
{
	(void)state;
	/* user, command, descriptor, service, arg allocated before the
	 * source check fails: everything is released and zeroed */
	FAILS("user:nogui:QUBESRPC svc+arg ", true);
}

/* ---- lookup name ---- */

static void lookup_name(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{"u:QUBESRPC svc src", "svc+"},
		{"u:QUBESRPC svc+arg src", "svc+arg"},
		{"u:QUBESRPC svc+ src", "svc+"},
		{"u:QUBESRPC svc+a+b src", "svc+a+b"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct qrexec_cmd c;
		const char *err = NULL;
		assert_int_equal(qrexec_cmd_parse(cases[i].in, strlen(cases[i].in), true,
						  &c, &err), 0);
		char *n = qrexec_cmd_lookup_name(&c);
		assert_non_null(n);
		assert_string_equal(n, cases[i].want);
		free(n);
		/* descriptor itself is left as received */
		assert_int_equal(strchr(cases[i].in, '+') != NULL,
				 strchr(c.descriptor, '+') != NULL);
		qrexec_cmd_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(user_split),
		cmocka_unit_test(user_split_at_first_colon),
		cmocka_unit_test(user_missing_colon),
		cmocka_unit_test(user_empty),
		cmocka_unit_test(user_empty_command),
		cmocka_unit_test(without_user_colon_kept),
		cmocka_unit_test(nogui_stripped),
		cmocka_unit_test(nogui_only_once),
		cmocka_unit_test(nogui_near_misses),
		cmocka_unit_test(nogui_empty_command),
		cmocka_unit_test(plain_commands_not_rpc),
		cmocka_unit_test(rpc_without_space),
		cmocka_unit_test(rpc_empty_descriptor),
		cmocka_unit_test(rpc_no_space_after_descriptor),
		cmocka_unit_test(rpc_descriptor_with_plus),
		cmocka_unit_test(rpc_descriptor_without_plus),
		cmocka_unit_test(rpc_empty_arg),
		cmocka_unit_test(rpc_arg_with_plus),
		cmocka_unit_test(rpc_empty_service_name),
		cmocka_unit_test(rpc_service_name_255_ok),
		cmocka_unit_test(rpc_service_name_256_too_long),
		cmocka_unit_test(rpc_descriptor_65000_ok_65001_too_long),
		cmocka_unit_test(rpc_missing_source),
		cmocka_unit_test(rpc_source_is_one_token),
		cmocka_unit_test(rpc_three_tokens),
		cmocka_unit_test(rpc_four_tokens_dom0),
		cmocka_unit_test(rpc_five_tokens),
		cmocka_unit_test(rpc_tokens_multiple_spaces),
		cmocka_unit_test(rpc_nogui),
		cmocka_unit_test(interior_nul_rejected),
		cmocka_unit_test(trailing_nul_accepted),
		cmocka_unit_test(command_length_limit),
		cmocka_unit_test(failure_after_allocations_frees),
		cmocka_unit_test(lookup_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
