/* test_strmap: unit tests for lib/strmap (string-keyed hash map): put,
 * get, replace, absent keys, growth over many keys, keys that differ in
 * one byte or are empty, a NULL value (get cannot tell it from absent),
 * and keys being borrowed rather than copied. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strmap.h"

static void basics(void **state)
{
	(void)state;
	struct strmap m;
	strmap_init(&m);
	assert_null(strmap_get(&m, "a"));
	assert_int_equal(m.n, 0);
	int x = 1, y = 2, z = 3;
	assert_int_equal(strmap_put(&m, "a", &x), 0);
	assert_int_equal(strmap_put(&m, "b", &y), 0);
	assert_int_equal(strmap_put(&m, "", &z), 0);
	assert_ptr_equal(strmap_get(&m, "a"), &x);
	assert_ptr_equal(strmap_get(&m, "b"), &y);
	assert_ptr_equal(strmap_get(&m, ""), &z);
	assert_null(strmap_get(&m, "c"));
	assert_null(strmap_get(&m, "ab"));
	assert_int_equal(m.n, 3);
	/* replace keeps the count */
	assert_int_equal(strmap_put(&m, "a", &y), 0);
	assert_ptr_equal(strmap_get(&m, "a"), &y);
	assert_int_equal(m.n, 3);
	/* NULL values are stored but read back like absent keys */
	assert_int_equal(strmap_put(&m, "n", NULL), 0);
	assert_null(strmap_get(&m, "n"));
	assert_int_equal(m.n, 4);
	strmap_free(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.cap, 0);
	assert_null(strmap_get(&m, "a"));
	strmap_free(&m);
}

static void many_keys(void **state)
{
	(void)state;
	enum { N = 5000 };
	char (*keys)[16] = calloc(N, sizeof *keys);
	assert_non_null(keys);
	struct strmap m;
	strmap_init(&m);
	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		assert_int_equal(strmap_put(&m, keys[i], keys[i]), 0);
	}
	assert_int_equal(m.n, N);
	assert_true(m.cap >= 2 * (size_t)N);
	assert_int_equal(m.cap & (m.cap - 1), 0); /* a power of two */
	for (int i = 0; i < N; i++)
		assert_ptr_equal(strmap_get(&m, keys[i]), keys[i]);
	/* lookups compare contents, not pointers */
	assert_ptr_equal(strmap_get(&m, "k4999"), keys[4999]);
	assert_null(strmap_get(&m, "k5000"));
	assert_null(strmap_get(&m, "k"));
	strmap_free(&m);
	free(keys);
}

static void borrowed_keys(void **state)
{
	(void)state;
	struct strmap m;
	strmap_init(&m);
	char *k = strdup("key");
	assert_non_null(k);
	int v = 7;
	assert_int_equal(strmap_put(&m, k, &v), 0);
	assert_ptr_equal(strmap_get(&m, "key"), &v);
	/* the map keeps the caller's pointer, so the key must outlive it */
	int found = 0;
	for (size_t i = 0; i < m.cap; i++)
		if (m.slots[i].key == k)
			found++;
	assert_int_equal(found, 1);
	strmap_free(&m);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basics),
		cmocka_unit_test(many_keys),
		cmocka_unit_test(borrowed_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
