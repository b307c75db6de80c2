/* test_rpcconfig: unit tests for the per-service qrexec config parser
 * (qrexec/rpcconfig.c). Every input is copied into a heap buffer of exactly
 * its length, so ASan catches any read past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "qrexec/rpcconfig.h"

/* A string literal with its exact length (embedded NULs included). */
#define S(lit) (lit), (sizeof(lit) - 1)

static int parse_exact(const char *s, size_t len, struct rpc_config *c,
		       struct rpc_config_error *err)
{
	char *copy = NULL;
	int rc;

	if (len) {
		copy = malloc(len);
		assert_non_null(copy);
		memcpy(copy, s, len);
	}
	rc = rpc_config_parse(copy, len, c, err);
	free(copy);
	return rc;
}

/* Parses s and asserts success; *c must be freed by the caller. */
static void parse_ok(const char *s, size_t len, struct rpc_config *c)
{
	struct rpc_config_error err;

	memset(&err, 0x55, sizeof(err));
	if (parse_exact(s, len, c, &err) != 0)
		fail_msg("unexpected error on line %zu: %s", err.line, err.msg);
}

/* Parses s, asserts failure on `line` with a message containing every
 * non-NULL needle, and that the output was left freed and zeroed. */
static void expect_err(const char *s, size_t len, size_t line,
		       const char *needle1, const char *needle2)
{
	struct rpc_config c;
	struct rpc_config_error err;

	memset(&c, 0, sizeof(c));
	memset(&err, 0, sizeof(err));
	assert_int_equal(parse_exact(s, len, &c, &err), -1);
	assert_int_equal(err.line, line);
	assert_non_null(memchr(err.msg, '\0', sizeof(err.msg)));
	assert_true(strlen(err.msg) > 0);
	if (needle1 && !strstr(err.msg, needle1))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle1);
	if (needle2 && !strstr(err.msg, needle2))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle2);
	assert_null(c.force_user);
	assert_false(c.wait_for_session);
	assert_false(c.skip_service_descriptor);
	assert_false(c.exit_on_service_eof);
	assert_false(c.exit_on_client_eof);
	rpc_config_free(&c);
}

static void assert_defaults(const struct rpc_config *c)
{
	assert_false(c->wait_for_session);
	assert_null(c->force_user);
	assert_false(c->skip_service_descriptor);
	assert_false(c->exit_on_service_eof);
	assert_false(c->exit_on_client_eof);
}

/* ---- accepted forms ---- */

static void test_empty_len0(void **state)
{
	struct rpc_config c;
	struct rpc_config_error err;

	memset(&c, 0xff, sizeof(c)); /* out must be fully initialised */
	assert_int_equal(rpc_config_parse(NULL, 0, &c, &err), 0);
	assert_defaults(&c);
	rpc_config_free(&c);

	memset(&c, 0xff, sizeof(c));
	assert_int_equal(rpc_config_parse("wait-for-session = 1\n", 0, &c,
					  &err), 0);
	assert_defaults(&c);
	rpc_config_free(&c);
}

static void test_blank_and_comment_lines(void **state)
{
	struct rpc_config c;

	parse_ok(S("\n\n# comment\n#\n#[section] = 'x' \"\n\r\n\n"), &c);
	assert_defaults(&c);
	rpc_config_free(&c);
}

static void test_upstream_agent_example(void **state)
{
	struct rpc_config c;

	parse_ok(S("\n# Test TOML file\nforce-user = 'user'\n"
		   "wait-for-session = 1 # line comment\n"), &c);
	assert_true(c.wait_for_session);
	assert_non_null(c.force_user);
	assert_string_equal(c.force_user, "user");
	assert_false(c.skip_service_descriptor);
	assert_false(c.exit_on_service_eof);
	assert_false(c.exit_on_client_eof);
	rpc_config_free(&c);
	assert_null(c.force_user);
}

static void test_no_newline_no_spaces(void **state)
{
	struct rpc_config c;

	parse_ok(S("wait-for-session=1"), &c);
	assert_true(c.wait_for_session);
	rpc_config_free(&c);
}

static void test_missing_newline_after_comment(void **state)
{
	struct rpc_config c;

	parse_ok(S("skip-service-descriptor = true # no newline"), &c);
	assert_true(c.skip_service_descriptor);
	rpc_config_free(&c);

	parse_ok(S("# only a comment, no newline"), &c);
	assert_defaults(&c);
	rpc_config_free(&c);
}

static void test_skip_and_client_eof(void **state)
{
	struct rpc_config c;

	parse_ok(S("skip-service-descriptor = true\nexit-on-client-eof = true\n"),
		 &c);
	assert_true(c.skip_service_descriptor);
	assert_true(c.exit_on_client_eof);
	assert_false(c.exit_on_service_eof);
	assert_false(c.wait_for_session);
	assert_null(c.force_user);
	rpc_config_free(&c);
}

static void test_all_keys_without_user(void **state)
{
	struct rpc_config c;

	parse_ok(S("wait-for-session = 0\n# comment\n"
		   "exit-on-service-eof = true\nexit-on-client-eof = true\n"
		   "skip-service-descriptor = true\n"), &c);
	assert_false(c.wait_for_session);
	assert_true(c.exit_on_service_eof);
	assert_true(c.exit_on_client_eof);
	assert_true(c.skip_service_descriptor);
	assert_null(c.force_user);
	rpc_config_free(&c);
}

static void test_bools_false(void **state)
{
	struct rpc_config c;

	parse_ok(S("wait-for-session = false\nskip-service-descriptor = false\n"
		   "exit-on-service-eof = false\nexit-on-client-eof = false\n"),
		 &c);
	assert_defaults(&c);
	rpc_config_free(&c);
}

static void test_wait_for_session_forms(void **state)
{
	struct rpc_config c;

	parse_ok(S("wait-for-session = true\n"), &c);
	assert_true(c.wait_for_session);
	rpc_config_free(&c);
	parse_ok(S("wait-for-session = false\n"), &c);
	assert_false(c.wait_for_session);
	rpc_config_free(&c);
	parse_ok(S("wait-for-session = 0\n"), &c);
	assert_false(c.wait_for_session);
	rpc_config_free(&c);
	parse_ok(S("wait-for-session = 1\n"), &c);
	assert_true(c.wait_for_session);
	rpc_config_free(&c);
}

static void test_crlf(void **state)
{
	struct rpc_config c;

	parse_ok(S("# c\r\nforce-user = 'bob'\r\n\r\nwait-for-session = true\r\n"),
		 &c);
	assert_true(c.wait_for_session);
	assert_string_equal(c.force_user, "bob");
	rpc_config_free(&c);

	parse_ok(S("exit-on-client-eof = true \t\r\n"), &c);
	assert_true(c.exit_on_client_eof);
	rpc_config_free(&c);
}

static void test_trailing_whitespace(void **state)
{
	struct rpc_config c;

	parse_ok(S("wait-for-session = 1 \t \nforce-user = 'x' \t"), &c);
	assert_true(c.wait_for_session);
	assert_string_equal(c.force_user, "x");
	rpc_config_free(&c);
}

static void test_spacing_around_equals(void **state)
{
	struct rpc_config c;

	parse_ok(S("wait-for-session\t=\t1\nexit-on-client-eof =true\n"
		   "exit-on-service-eof= true\n"), &c);
	assert_true(c.wait_for_session);
	assert_true(c.exit_on_client_eof);
	assert_true(c.exit_on_service_eof);
	rpc_config_free(&c);
}

static void test_comment_right_after_value(void **state)
{
	struct rpc_config c;

	parse_ok(S("wait-for-session = true#c\nforce-user = 'u'# c 'x'\n"
		   "unknown = 0#\nother = 17\t# c\n"), &c);
	assert_true(c.wait_for_session);
	assert_string_equal(c.force_user, "u");
	rpc_config_free(&c);
}

static void test_unknown_keys_ignored(void **state)
{
	struct rpc_config c;

	parse_ok(S("foo = 1\nBar.baz-qux_9 = 'string'\nfoo = 2\n"
		   "x = true\nx = false\nWait-For-Session = 5\n"
		   "wait-for-sessionX = 'a'\nwait = 7\n"), &c);
	assert_defaults(&c);
	rpc_config_free(&c);
}

static void test_unknown_key_max_integer(void **state)
{
	struct rpc_config c;

	parse_ok(S("big = 18446744073709551615\n"), &c);
	assert_defaults(&c);
	rpc_config_free(&c);
}

static void test_force_user_strings(void **state)
{
	struct rpc_config c;

	parse_ok(S("force-user = ''\n"), &c);
	assert_non_null(c.force_user);
	assert_string_equal(c.force_user, "");
	rpc_config_free(&c);

	parse_ok(S("force-user = 'a b#c\"d\\n\te'\n"), &c);
	assert_string_equal(c.force_user, "a b#c\"d\\n\te");
	rpc_config_free(&c);

	parse_ok(S("force-user = '1000'"), &c);
	assert_string_equal(c.force_user, "1000");
	rpc_config_free(&c);
}

static void test_force_user_with_false_bools(void **state)
{
	struct rpc_config c;

	parse_ok(S("skip-service-descriptor = false\nforce-user = 'u'\n"
		   "exit-on-service-eof = false\nexit-on-client-eof = false\n"
		   "wait-for-session = true\n"), &c);
	assert_string_equal(c.force_user, "u");
	assert_true(c.wait_for_session);
	assert_false(c.skip_service_descriptor);
	rpc_config_free(&c);
}

static void test_exactly_64k(void **state)
{
	size_t len = 64 * 1024;
	char *big = malloc(len);
	struct rpc_config c;

	assert_non_null(big);
	memset(big, '#', len);
	memcpy(big + len - 21, "\nwait-for-session=1\n", 20);
	big[len - 1] = '\n';
	parse_ok(big, len, &c);
	assert_true(c.wait_for_session);
	rpc_config_free(&c);
	free(big);
}

static void test_null_err_allowed(void **state)
{
	struct rpc_config c;

	assert_int_equal(rpc_config_parse(S("wait-for-session = 1\n"), &c,
					  NULL), 0);
	assert_true(c.wait_for_session);
	rpc_config_free(&c);
	assert_int_equal(rpc_config_parse(S("[x]\n"), &c, NULL), -1);
	assert_null(c.force_user);
}

static void test_free_zeroed_and_twice(void **state)
{
	struct rpc_config c;

	memset(&c, 0, sizeof(c));
	rpc_config_free(&c);
	rpc_config_free(&c);
	parse_ok(S("force-user = 'u'\n"), &c);
	rpc_config_free(&c);
	assert_null(c.force_user);
	rpc_config_free(&c);
	rpc_config_free(NULL);
}

/* ---- invalid: file and line level ---- */

static void test_nul_in_line(void **state)
{
	expect_err(S("wait-for-session = 1\n# comment\n# a\0b\n"), 3, "NUL",
		   NULL);
	expect_err(S("force-user = 'a\0b'\n"), 1, "NUL", NULL);
	expect_err(S("\0"), 1, "NUL", NULL);
	/* NUL in a final line with no newline */
	expect_err(S("a = 1\nb = 1\0"), 2, "NUL", NULL);
}

static void test_earlier_error_wins_over_nul(void **state)
{
	expect_err(S("[s]\n#\0\n"), 1, "section", NULL);
}

static void test_section_header(void **state)
{
	expect_err(S("[section]\n"), 1, "section", NULL);
	expect_err(S("wait-for-session = 1\n[a.b]\nx = 1\n"), 2, "section",
		   NULL);
	expect_err(S("[[array]]"), 1, "section", NULL);
}

static void test_leading_whitespace(void **state)
{
	expect_err(S(" wait-for-session = 1\n"), 1, "whitespace", NULL);
	expect_err(S("\twait-for-session = 1\n"), 1, "whitespace", NULL);
	expect_err(S("# ok\n  # indented comment\n"), 2, "whitespace", NULL);
}

static void test_blank_only_line(void **state)
{
	/* As upstream: trailing-blank trimming keeps the first byte, so a
	 * line of only blanks is leading whitespace. */
	expect_err(S("a = 1\n \n"), 2, "whitespace", NULL);
	expect_err(S("\t\t\r\n"), 1, "whitespace", NULL);
}

static void test_bad_key_start(void **state)
{
	expect_err(S("1key = 1\n"), 1, "'1'", "start of key");
	expect_err(S("_key = 1\n"), 1, "'_'", "start of key");
	expect_err(S("-key = 1\n"), 1, "start of key", NULL);
	expect_err(S("= 1\n"), 1, "start of key", NULL);
	expect_err(S("\"wait-for-session\" = 1\n"), 1, "start of key", NULL);
	expect_err(S("\xc3\xa9t\xc3\xa9 = 1\n"), 1, "0xc3", "start of key");
}

static void test_bare_cr(void **state)
{
	/* A CR is only dropped as part of CRLF. */
	expect_err(S("a = 1\n\r"), 2, "0x0d", NULL);
	expect_err(S("wait-for-session = 1\r"), 1, "wait-for-session",
		   "junk after integer");
	expect_err(S("wait-for-session = true\r\r\n"), 1, "junk", NULL);
}

static void test_missing_equals(void **state)
{
	expect_err(S("wait-for-session\n"), 1, "wait-for-session",
		   "missing '='");
	expect_err(S("wait-for-session"), 1, "missing '='", NULL);
	expect_err(S("wait-for-session 1\n"), 1, "missing '='", NULL);
	expect_err(S("wait for session = 1\n"), 1, "'wait'", "missing '='");
	expect_err(S("key: 1\n"), 1, "'key'", "missing '='");
	expect_err(S("a.b$c = 1\n"), 1, "'a.b'", "missing '='");
}

/* ---- invalid: values ---- */

static void test_empty_value(void **state)
{
	expect_err(S("wait-for-session = \n"), 1, "wait-for-session",
		   "empty value");
	expect_err(S("wait-for-session ="), 1, "empty value", NULL);
	expect_err(S("unknown=\n"), 1, "'unknown'", "empty value");
	expect_err(S("a = 1\nforce-user = \r\n"), 2, "empty value", NULL);
}

static void test_comment_as_value(void **state)
{
	expect_err(S("wait-for-session = # nothing\n"), 1, "wait-for-session",
		   "'#'");
}

static void test_leading_zeros(void **state)
{
	expect_err(S("wait-for-session = 00\n"), 1, "wait-for-session",
		   "junk after integer");
	expect_err(S("wait-for-session = 01\n"), 1, "junk after integer",
		   NULL);
	expect_err(S("unknown = 007\n"), 1, "'unknown'", "junk after integer");
}

static void test_integer_junk(void **state)
{
	expect_err(S("x = 0x10\n"), 1, "junk after integer", NULL);
	expect_err(S("x = 1.5\n"), 1, "junk after integer", NULL);
	expect_err(S("x = 1_000\n"), 1, "junk after integer", NULL);
	expect_err(S("x = 12 34\n"), 1, "junk after integer", NULL);
	expect_err(S("x = -1\n"), 1, "'-'", "start of value");
	expect_err(S("x = +1\n"), 1, "'+'", "start of value");
}

static void test_integer_overflow(void **state)
{
	expect_err(S("big = 18446744073709551616\n"), 1, "'big'", "overflow");
	expect_err(S("wait-for-session = "
		     "99999999999999999999999999999999999999\n"),
		   1, "wait-for-session", "overflow");
}

static void test_wait_for_session_int_range(void **state)
{
	expect_err(S("wait-for-session = 2\n"), 1, "wait-for-session",
		   "not 0 or 1");
	expect_err(S("wait-for-session = 10\n"), 1, "10", NULL);
	expect_err(S("wait-for-session = 18446744073709551615\n"), 1,
		   "18446744073709551615", "not 0 or 1");
}

static void test_unquoted_words(void **state)
{
	expect_err(S("wait-for-session = yes\n"), 1, "wait-for-session",
		   "'y'");
	expect_err(S("wait-for-session = tru\n"), 1, "unquoted", NULL);
	expect_err(S("wait-for-session = t"), 1, "unquoted", NULL);
	expect_err(S("wait-for-session = fals\n"), 1, "unquoted", NULL);
	expect_err(S("wait-for-session = True\n"), 1, "'T'", NULL);
	expect_err(S("unknown = bare\n"), 1, "'unknown'", NULL);
}

static void test_bool_junk(void **state)
{
	expect_err(S("wait-for-session = trueish\n"), 1, "wait-for-session",
		   "junk after value");
	expect_err(S("wait-for-session = falsey\n"), 1, "junk after value",
		   NULL);
	expect_err(S("wait-for-session = true false\n"), 1, "junk after value",
		   NULL);
}

static void test_double_quoted(void **state)
{
	expect_err(S("wait-for-session = \"a\"\n"), 1, "wait-for-session",
		   "double-quoted");
	expect_err(S("force-user = \"root\"\n"), 1, "force-user",
		   "double-quoted");
}

static void test_triple_quoted(void **state)
{
	expect_err(S("force-user = '''user'''\n"), 1, "force-user",
		   "triple-quoted");
	expect_err(S("force-user = '''"), 1, "triple-quoted", NULL);
}

static void test_unterminated_string(void **state)
{
	expect_err(S("force-user = 'user\n"), 1, "force-user", "unterminated");
	expect_err(S("force-user = '"), 1, "unterminated", NULL);
	expect_err(S("force-user = 'a\nb'\n"), 1, "unterminated", NULL);
}

static void test_string_junk(void **state)
{
	expect_err(S("force-user = 'a'b\n"), 1, "force-user",
		   "junk after value");
	expect_err(S("force-user = '' '\n"), 1, "junk after value", NULL);
	expect_err(S("unknown = 'a' 'b'\n"), 1, "'unknown'", "junk");
}

/* ---- invalid: key level ---- */

static void test_duplicate_known_keys(void **state)
{
	expect_err(S("wait-for-session = 1\nwait-for-session = 1\n"), 2,
		   "wait-for-session", "duplicate");
	expect_err(S("force-user = 'a'\n#\nforce-user = 'a'\n"), 3,
		   "force-user", "line 1");
	expect_err(S("skip-service-descriptor = true\n"
		     "skip-service-descriptor = false\n"),
		   2, "duplicate", NULL);
	expect_err(S("exit-on-service-eof = false\nexit-on-service-eof=false"),
		   2, "exit-on-service-eof", "duplicate");
	expect_err(S("exit-on-client-eof = true\nexit-on-client-eof = true\n"),
		   2, "exit-on-client-eof", "duplicate");
	/* the duplicate check comes before the type check */
	expect_err(S("wait-for-session = 1\nwait-for-session = 'x'\n"), 2,
		   "duplicate", NULL);
}

static void test_wrong_types(void **state)
{
	expect_err(S("wait-for-session = 'yes'\n"), 1, "wait-for-session",
		   "string");
	expect_err(S("force-user = true\n"), 1, "force-user", "boolean");
	expect_err(S("force-user = 1000\n"), 1, "force-user", "integer");
	expect_err(S("skip-service-descriptor = 1\n"), 1,
		   "skip-service-descriptor", "integer");
	expect_err(S("skip-service-descriptor = 'true'\n"), 1,
		   "skip-service-descriptor", "string");
	expect_err(S("exit-on-service-eof = 0\n"), 1, "exit-on-service-eof",
		   "integer");
	expect_err(S("exit-on-client-eof = 'false'\n"), 1,
		   "exit-on-client-eof", "string");
}

static void test_force_user_combinations(void **state)
{
	expect_err(S("skip-service-descriptor = true\nforce-user = 'u'\n"), 2,
		   "force-user", "skip-service-descriptor");
	expect_err(S("force-user = 'u'\n#\nexit-on-client-eof = true\n"), 3,
		   "force-user", "exit-on-client-eof");
	expect_err(S("exit-on-service-eof = true\n#\n#\nforce-user = ''\n"), 4,
		   "force-user", "exit-on-service-eof");
	/* upstream message order: skip-service-descriptor first */
	expect_err(S("exit-on-service-eof = true\nforce-user = 'u'\n"
		     "skip-service-descriptor = true\n"),
		   3, "skip-service-descriptor", NULL);
}

static void test_syntax_error_beats_combination(void **state)
{
	expect_err(S("force-user = 'u'\nexit-on-client-eof = true\n[x]\n"), 3,
		   "section", NULL);
}

static void test_error_frees_force_user(void **state)
{
	/* force_user was allocated before the error; expect_err checks it
	 * was released and ASan/LeakSanitizer checks nothing leaked. */
	expect_err(S("force-user = 'someone'\nwait-for-session = 2\n"), 2,
		   "not 0 or 1", NULL);
}

static void test_error_line_numbers(void **state)
{
	expect_err(S("\n\n# x\nwait-for-session = 1\r\n\r\nbad key = 1\n"), 6,
		   "'bad'", "missing '='");
	expect_err(S("a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\ng = 07"), 7,
		   "'g'", NULL);
}

static void test_long_key_in_message(void **state)
{
	char line[300];
	size_t n = 0;

	memset(line, 'k', 200);
	n = 200;
	memcpy(line + n, " = bogus\n", 9);
	n += 9;
	expect_err(line, n, 1, "kkkkkkkkkk", "...");
}

static void test_too_large(void **state)
{
	size_t len = 64 * 1024 + 1;
	char *big = malloc(len);

	assert_non_null(big);
	memset(big, '\n', len);
	expect_err(big, len, 0, "too large", NULL);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_len0),
		cmocka_unit_test(test_blank_and_comment_lines),
		cmocka_unit_test(test_upstream_agent_example),
		cmocka_unit_test(test_no_newline_no_spaces),
		cmocka_unit_test(test_missing_newline_after_comment),
		cmocka_unit_test(test_skip_and_client_eof),
		cmocka_unit_test(test_all_keys_without_user),
		cmocka_unit_test(test_bools_false),
		cmocka_unit_test(test_wait_for_session_forms),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_trailing_whitespace),
		cmocka_unit_test(test_spacing_around_equals),
		cmocka_unit_test(test_comment_right_after_value),
		cmocka_unit_test(test_unknown_keys_ignored),
		cmocka_unit_test(test_unknown_key_max_integer),
		cmocka_unit_test(test_force_user_strings),
		cmocka_unit_test(test_force_user_with_false_bools),
		cmocka_unit_test(test_exactly_64k),
		cmocka_unit_test(test_null_err_allowed),
		cmocka_unit_test(test_free_zeroed_and_twice),
		cmocka_unit_test(test_nul_in_line),
		cmocka_unit_test(test_earlier_error_wins_over_nul),
		cmocka_unit_test(test_section_header),
		cmocka_unit_test(test_leading_whitespace),
		cmocka_unit_test(test_blank_only_line),
		cmocka_unit_test(test_bad_key_start),
		cmocka_unit_test(test_bare_cr),
		cmocka_unit_test(test_missing_equals),
		cmocka_unit_test(test_empty_value),
		cmocka_unit_test(test_comment_as_value),
		cmocka_unit_test(test_leading_zeros),
		cmocka_unit_test(test_integer_junk),
		cmocka_unit_test(test_integer_overflow),
		cmocka_unit_test(test_wait_for_session_int_range),
		cmocka_unit_test(test_unquoted_words),
		cmocka_unit_test(test_bool_junk),
		cmocka_unit_test(test_double_quoted),
		cmocka_unit_test(test_triple_quoted),
		cmocka_unit_test(test_unterminated_string),
		cmocka_unit_test(test_string_junk),
		cmocka_unit_test(test_duplicate_known_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_force_user_combinations),
		cmocka_unit_test(test_syntax_error_beats_combination),
		cmocka_unit_test(test_error_frees_force_user),
		cmocka_unit_test(test_error_line_numbers),
		cmocka_unit_test(test_long_key_in_message),
		cmocka_unit_test(test_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
