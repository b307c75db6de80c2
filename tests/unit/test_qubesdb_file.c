/* test_qubesdb_file: unit tests for domains/qubesdb_file (the qubesdb file
 * behind qubesdb-read): path/value rules, encoding, lookup, malformed
 * files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "domains/qubesdb_file.h"

static void paths(void **state)
{
	(void)state;
	assert_true(qdb_valid_path("/name"));
	assert_true(qdb_valid_path("/qubes-service/ssh"));
	assert_false(qdb_valid_path(""));
	assert_false(qdb_valid_path("name"));
	assert_false(qdb_valid_path("/a b"));
	assert_false(qdb_valid_path("/a\tb"));
	assert_false(qdb_valid_path("/\x80"));
	char p[QDB_MAX_PATH + 2];
	memset(p, 'a', sizeof p - 1);
	p[0] = '/';
	p[QDB_MAX_PATH] = '\0';
	assert_true(qdb_valid_path(p));
	p[QDB_MAX_PATH] = 'a';
	p[QDB_MAX_PATH + 1] = '\0';
	assert_false(qdb_valid_path(p));
}

static void values(void **state)
{
	(void)state;
	char *v = malloc(QDB_MAX_VALUE + 2);
	memset(v, 'x', QDB_MAX_VALUE);
	v[QDB_MAX_VALUE] = '\0';
	assert_true(qdb_valid_value(v));
	v[QDB_MAX_VALUE] = 'x';
	v[QDB_MAX_VALUE + 1] = '\0';
	assert_false(qdb_valid_value(v));
	assert_true(qdb_valid_value(""));
	free(v);
}

static void roundtrip(void **state)
{
	(void)state;
	struct qdb_entry e[] = {{"/name", "work"}, {"/type", "AppVM"}, {"/empty", ""},
				{"/multi", "a\nb\x01"}};
	char *data;
	size_t len;
	char err[128];
	assert_int_equal(qdb_encode(e, 4, &data, &len, err, sizeof err), 0);
	const char *v;
	assert_int_equal(qdb_lookup(data, len, "/name", &v), 1);
	assert_string_equal(v, "work");
	assert_int_equal(qdb_lookup(data, len, "/type", &v), 1);
	assert_string_equal(v, "AppVM");
	assert_int_equal(qdb_lookup(data, len, "/empty", &v), 1);
	assert_string_equal(v, "");
	assert_int_equal(qdb_lookup(data, len, "/multi", &v), 1);
	assert_string_equal(v, "a\nb\x01");
	assert_int_equal(qdb_lookup(data, len, "/missing", &v), 0);
	assert_int_equal(qdb_lookup(data, len, "/nam", &v), 0);
	free(data);
}

static void empty_file(void **state)
{
	(void)state;
	char *data;
	size_t len;
	char err[128];
	assert_int_equal(qdb_encode(NULL, 0, &data, &len, err, sizeof err), 0);
	const char *v;
	assert_int_equal(qdb_lookup(data, len, "/name", &v), 0);
	free(data);
}

static void encode_refuses(void **state)
{
	(void)state;
	char *data = NULL;
	size_t len;
	char err[128];
	struct qdb_entry dup[] = {{"/a", "1"}, {"/a", "2"}};
	assert_int_equal(qdb_encode(dup, 2, &data, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "twice"));
	struct qdb_entry bad[] = {{"noslash", "1"}};
	assert_int_equal(qdb_encode(bad, 1, &data, &len, err, sizeof err), -1);
	struct qdb_entry nullv[] = {{"/a", NULL}};
	assert_int_equal(qdb_encode(nullv, 1, &data, &len, err, sizeof err), -1);
	assert_null(data);
}

static void malformed(void **state)
{
	(void)state;
	const char *v;
	assert_int_equal(qdb_lookup("", 0, "/a", &v), -1);
	assert_int_equal(qdb_lookup("QDB2", 5, "/a", &v), -1);
	/* not NUL-terminated at the end */
	static const char noterm[] = {'Q', 'D', 'B', '1', 0, '/', 'a', 0, 'x'};
	assert_int_equal(qdb_lookup(noterm, sizeof noterm, "/a", &v), -1);
	/* a path without a value */
	static const char novalue[] = "QDB1\0/a";
	assert_int_equal(qdb_lookup(novalue, sizeof novalue, "/a", &v), -1);
	static const char ok[] = "QDB1\0/a\0x";
	assert_int_equal(qdb_lookup(ok, sizeof ok, "/a", &v), 1);
	assert_string_equal(v, "x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test(values),
		cmocka_unit_test(roundtrip),
		cmocka_unit_test(empty_file),
		cmocka_unit_test(encode_refuses),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
