/* test_pass_charset: unit tests for the tr(1) set parser of the vault's
 * password generator (pass/charset), against what `LC_ALL=C tr -dc SET`
 * keeps for the same specs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
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

/* Rows produced by running GNU tr 9.1 as pass runs it, `LC_ALL=C tr -dc --
 * SPEC` over the 256 byte values: how many bytes it kept and their bitmap
 * (bit b%8 of byte b/8, as hex), or -1 where tr refused the spec (its
 * message in the comment). pass_charset_parse must agree on every row. */
struct tr_row {
	const char *spec;
	int count;
	const char *bitmap;
};

static const struct tr_row tr_rows[] = {
	{"[:punct:][:alnum:]", 94, "00000000feffffffffffffffffffff7f00000000000000000000000000000000"},
	{"[:alnum:]", 62, "000000000000ff03feffff07feffff0700000000000000000000000000000000"},
	{"a-z", 26, "000000000000000000000000feffff0700000000000000000000000000000000"},
	{"abc", 3, "0000000000000000000000000e00000000000000000000000000000000000000"},
	{"[abc]", 5, "0000000000000000000000280e00000000000000000000000000000000000000"},
	{"[a-c]", 5, "0000000000000000000000280e00000000000000000000000000000000000000"},
	{"a-", 2, "0000000000200000000000000200000000000000000000000000000000000000"},
	{"a-c-e", 5, "0000000000200000000000002e00000000000000000000000000000000000000"},
	{"\\n", 1, "0004000000000000000000000000000000000000000000000000000000000000"},
	{"\\101-\\132", 26, "0000000000000000feffff070000000000000000000000000000000000000000"},
	{"\\0", 1, "0100000000000000000000000000000000000000000000000000000000000000"},
	{"\\400", 2, "0000000001000100000000000000000000000000000000000000000000000000"},
	{"\\777", 2, "0000000000008080000000000000000000000000000000000000000000000000"},
	{"[=a=]", 1, "0000000000000000000000000200000000000000000000000000000000000000"},
	{"[=[=]", 1, "0000000000000000000000080000000000000000000000000000000000000000"},
	{"x[:digit:]y", 12, "000000000000ff03000000000000000300000000000000000000000000000000"},
	{"[:upper:][:lower:]", 52, "0000000000000000feffff07feffff0700000000000000000000000000000000"},
	{"[:xdigit:]", 22, "000000000000ff037e0000007e00000000000000000000000000000000000000"},
	{"[:space:]", 6, "003e000001000000000000000000000000000000000000000000000000000000"},
	{"[:blank:]", 2, "0002000001000000000000000000000000000000000000000000000000000000"},
	{"[:cntrl:]", 33, "ffffffff00000000000000000000008000000000000000000000000000000000"},
	{"[:print:]", 95, "00000000ffffffffffffffffffffff7f00000000000000000000000000000000"},
	{"[:graph:]", 94, "00000000feffffffffffffffffffff7f00000000000000000000000000000000"},
	{"\\", 1, "0000000000000000000000100000000000000000000000000000000000000000"},
	{"a\\-z", 3, "0000000000200000000000000200000400000000000000000000000000000000"},
	{"\\a\\b\\f\\r\\t\\v", 6, "803b000000000000000000000000000000000000000000000000000000000000"},
	{"[", 1, "0000000000000000000000080000000000000000000000000000000000000000"},
	{"]", 1, "0000000000000000000000200000000000000000000000000000000000000000"},
	{"[:", 2, "0000000000000004000000080000000000000000000000000000000000000000"},
	{"[:alpha", 6, "0000000000000004000000080211010000000000000000000000000000000000"},
	{"[:alpha:", 6, "0000000000000004000000080211010000000000000000000000000000000000"},
	{"z-a", -1, NULL}, /* tr: range-endpoints of 'z-a' are in reverse collating sequence order */
	{"[:foo:]", -1, NULL}, /* tr: invalid character class 'foo' */
	{"[::]", -1, NULL}, /* tr: missing character class name '[::]' */
	{"[==]", -1, NULL}, /* tr: missing equivalence class character '[==]' */
	{"[=ab=]", -1, NULL}, /* tr: ab: equivalence class operand must be a single character */
	{"[a*]", -1, NULL}, /* tr: the [c*] repeat construct may not appear in string1 */
	{"[a*3]", 1, "0000000000000000000000000200000000000000000000000000000000000000"},
	{"[a*z]", -1, NULL}, /* tr: invalid repeat count 'z' in [c*n] construct */
	{"[a*09]", -1, NULL}, /* tr: invalid repeat count '09' in [c*n] construct */
	{"[a*0]", -1, NULL}, /* tr: the [c*] repeat construct may not appear in string1 */
	{"[:*3]", 1, "0000000000000004000000000000000000000000000000000000000000000000"},
	{"\\q", 1, "0000000000000000000000000000020000000000000000000000000000000000"},
	{"!-~", 94, "00000000feffffffffffffffffffff7f00000000000000000000000000000000"},
	{"\\-", 1, "0000000000200000000000000000000000000000000000000000000000000000"},
	{"[]", 2, "0000000000000000000000280000000000000000000000000000000000000000"},
	{"[-]", 3, "0000000000000000000000380000000000000000000000000000000000000000"},
	{"]-a", 5, "0000000000000000000000e00300000000000000000000000000000000000000"},
	{"\\1234", 2, "0000000000001000000008000000000000000000000000000000000000000000"},
	{"0-9A-F", 16, "000000000000ff037e0000000000000000000000000000000000000000000000"},
	{"[:alpha:]-z", 53, "0000000000200000feffff07feffff0700000000000000000000000000000000"},
	{"a-[:digit:]", -1, NULL}, /* tr: range-endpoints of 'a-[' are in reverse collating sequence order */
	{"[\\n*2]", 1, "0004000000000000000000000000000000000000000000000000000000000000"},
	{"[a\\*2]", 5, "0000000000040400000000280200000000000000000000000000000000000000"},
	{"[:alpha:*2]", 9, "0000000000040404000000280211010000000000000000000000000000000000"},
	{"x[:*]", -1, NULL}, /* tr: the [c*] repeat construct may not appear in string1 */
	{"[=*2]", 1, "0000000000000020000000000000000000000000000000000000000000000000"},
	{"[a*99999999999999999999]", -1, NULL}, /* tr: invalid repeat count '99999999999999999999' in [c*n] construct */
	{"[a*2]-z", 3, "0000000000200000000000000200000400000000000000000000000000000000"},
	{"b-[a*2]", -1, NULL}, /* tr: range-endpoints of 'b-[' are in reverse collating sequence order */
	{"[:*2]:]", 2, "0000000000000004000000200000000000000000000000000000000000000000"},
	{"[:*2:]", -1, NULL}, /* tr: invalid character class '*2' */
	{"\\[:digit:]", 7, "0000000000000004000000289002100000000000000000000000000000000000"},
	{"[\\:digit:]", 7, "0000000000000004000000289002100000000000000000000000000000000000"},
	{"[:digit\\:]", 7, "0000000000000004000000289002100000000000000000000000000000000000"},
	{"\\\\", 1, "0000000000000000000000100000000000000000000000000000000000000000"},
	{"\\377-\\377", 1, "0000000000000000000000000000000000000000000000000000000000000080"},
	{"\\200-\\377", 128, "00000000000000000000000000000000ffffffffffffffffffffffffffffffff"},
	{" -/", 16, "00000000ffff0000000000000000000000000000000000000000000000000000"},
	{"A-Za-z0-9_", 63, "000000000000ff03feffff87feffff0700000000000000000000000000000000"},
	{"[:lower:]-", 27, "000000000020000000000000feffff0700000000000000000000000000000000"},
	{"---", 1, "0000000000200000000000000000000000000000000000000000000000000000"},
	{"--a", 53, "0000000000e0ffffffffffff0300000000000000000000000000000000000000"},
};

static void bitmap_of(const bool set[256], char out[65])
{
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;
		for (int b = 0; b < 8; b++)
			v |= (unsigned)set[i * 8 + b] << b;
		snprintf(out + 2 * i, 3, "%02x", v);
	}
}

static void matches_gnu_tr(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof tr_rows / sizeof tr_rows[0]; i++) {
		size_t len = strlen(tr_rows[i].spec);
		uint8_t *p = malloc(len ? len : 1); /* exact size: ASan sees over-reads */
		assert_non_null(p);
		memcpy(p, tr_rows[i].spec, len);
		bool set[256];
		char err[128] = "";
		int r = pass_charset_parse(p, len, set, err, sizeof err);
		free(p);
		if (r != tr_rows[i].count)
			fail_msg("spec '%s': got %d (%s), tr %d", tr_rows[i].spec, r, err,
				 tr_rows[i].count);
		if (r < 0) {
			assert_true(err[0] != '\0');
			for (int c = 0; c < 256; c++)
				assert_false(set[c]); /* a refused spec sets nothing */
			continue;
		}
		char bm[65];
		bitmap_of(set, bm);
		if (strcmp(bm, tr_rows[i].bitmap) != 0)
			fail_msg("spec '%s': set %s, tr %s", tr_rows[i].spec, bm, tr_rows[i].bitmap);
	}
}

static void every_byte_and_limits(void **state)
{
	(void)state;
	bool set[256];
	char err[64];
	for (int c = 1; c < 256; c++) { /* each byte alone is itself */
		uint8_t s[1] = {(uint8_t)c};
		assert_int_equal(pass_charset_parse(s, 1, set, err, sizeof err), 1);
		assert_true(set[c]);
	}
	for (int c = 0; c < 256; c++) { /* \NNN for every value, NUL included */
		char s[8];
		snprintf(s, sizeof s, "\\%03o", c);
		assert_int_equal(pass_charset_parse((const uint8_t *)s, 4, set, err, sizeof err), 1);
		assert_true(set[c]);
	}
	assert_int_equal(parse("\\000-\\377", set), 256);
	/* a raw NUL cannot reach tr through argv: refused */
	assert_int_equal(pass_charset_parse((const uint8_t *)"a\0b", 3, set, err, sizeof err), -1);
	/* exactly the limit is fine */
	char big[PASS_CHARSET_MAX_SPEC];
	memset(big, 'a', sizeof big);
	assert_int_equal(pass_charset_parse((const uint8_t *)big, sizeof big, set, err,
					    sizeof err), 1);
	/* errlen 0: err is not touched; a short err stays terminated */
	assert_int_equal(pass_charset_parse((const uint8_t *)"z-a", 3, set, NULL, 0), -1);
	char small[8];
	assert_int_equal(pass_charset_parse((const uint8_t *)"[:foo:]", 7, set, small,
					    sizeof small), -1);
	assert_int_equal(strlen(small), sizeof small - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classes),
		cmocka_unit_test(ranges_literals_escapes),
		cmocka_unit_test(errors),
		cmocka_unit_test(matches_gnu_tr),
		cmocka_unit_test(every_byte_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
