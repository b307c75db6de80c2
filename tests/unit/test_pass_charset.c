/* test_pass_charset: unit tests for the tr(1) set parser of the vault's
 * password generator (pass/charset), against what `LC_ALL=C tr -dc SET`
 * keeps for the same specs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "pass/charset.h"

static int parse(const char *spec, bool set[256])
{
	char err[128];
	return pass_charset_parse((const uint8_t *)spec, strlen(spec), set, err, sizeof err);
}

/* The set as a string of its printable members, in byte order. */
static void members(const bool set[256], char *out)
{
	size_t o = 0;
	for (int c = 0x20; c < 0x7f; c++)
		if (set[c])
			out[o++] = (char)c;
	out[o] = '\0';
}

static void classes(void **state)
{
	(void)state;
	bool set[256];
	char m[256];
	assert_int_equal(parse("[:alnum:]", set), 62);
	members(set, m);
	assert_string_equal(m, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
	/* pass's default: punctuation and alphanumerics, 94 bytes */
	assert_int_equal(parse("[:punct:][:alnum:]", set), 94);
	members(set, m);
	assert_int_equal(strlen(m), 94);
	assert_false(set[' ']);
	assert_int_equal(parse("[:digit:]", set), 10);
	assert_int_equal(parse("[:xdigit:]", set), 22);
	assert_int_equal(parse("[:lower:]", set), 26);
	assert_int_equal(parse("[:upper:]", set), 26);
	assert_int_equal(parse("[:space:]", set), 6);
	assert_int_equal(parse("[:blank:]", set), 2);
	assert_int_equal(parse("[:graph:]", set), 94);
	assert_int_equal(parse("[:print:]", set), 95);
	assert_int_equal(parse("[:cntrl:]", set), 33);
	/* the C locale: nothing above 0x7f */
	parse("[:alpha:]", set);
	for (int c = 0x80; c < 256; c++)
		assert_false(set[c]);
}

static void ranges_literals_escapes(void **state)
{
	(void)state;
	bool set[256];
	char m[256];
	assert_int_equal(parse("a-f", set), 6);
	members(set, m);
	assert_string_equal(m, "abcdef");
	assert_int_equal(parse("a-cx-z0", set), 7);
	members(set, m);
	assert_string_equal(m, "0abcxyz");
	/* a '-' first or last is itself */
	assert_int_equal(parse("-ab", set), 3);
	assert_true(set['-']);
	assert_int_equal(parse("ab-", set), 3);
	assert_true(set['-']);
	assert_int_equal(parse("\\n\\t\\\\", set), 3);
	assert_true(set['\n'] && set['\t'] && set['\\']);
	assert_int_equal(parse("\\101\\102", set), 2); /* octal: A B */
	assert_true(set['A'] && set['B']);
	assert_int_equal(parse("[=x=]", set), 1);
	assert_true(set['x']);
	/* a '[' that starts no class is itself */
	assert_int_equal(parse("[ab", set), 3);
	assert_true(set['[']);
	assert_int_equal(parse("aaa", set), 1);
}

static void errors(void **state)
{
	(void)state;
	bool set[256];
	char err[128];
	assert_int_equal(parse("z-a", set), -1);
	assert_int_equal(parse("[:nosuch:]", set), -1);
	assert_int_equal(parse("[::]", set), -1);
	assert_int_equal(parse("", set), -1);
	assert_int_equal(parse("[=ab=]", set), -1);
	char big[PASS_CHARSET_MAX_SPEC + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(pass_charset_parse((const uint8_t *)big, strlen(big), set, err,
					    sizeof err), -1);
	assert_non_null(strstr(err, "long"));
	assert_int_equal(pass_charset_parse((const uint8_t *)"z-a", 3, set, err, sizeof err), -1);
	assert_non_null(strstr(err, "reverse"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classes),
		cmocka_unit_test(ranges_literals_escapes),
		cmocka_unit_test(errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
