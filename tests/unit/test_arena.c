/* test_arena: unit tests for lib/arena (the bump allocator): alignment,
 * zero-filled and overflow-checked calloc, string copies and printf,
 * allocations larger than a chunk, the byte count, and freeing (asan
 * checks that everything goes back). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"

static void alignment_and_sizes(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
	size_t sizes[] = {1, 3, 16, 17, 0, 100, 4095, 4096, 5000, 1, 1 << 20, (1 << 20) + 1, 7};
	void *prev[sizeof sizes / sizeof sizes[0]];
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *p = arena_alloc(&a, sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, (int)i, sizes[i]); /* writable to the end (asan) */
		prev[i] = p;
	}
	/* earlier blocks are untouched by later ones */
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		if (sizes[i])
			assert_int_equal(((unsigned char *)prev[i])[sizes[i] - 1], (unsigned char)i);
	assert_true(a.total >= (1u << 21) + 4096 * 2);
	arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.total, 0);
	/* usable again after a free */
	assert_non_null(arena_alloc(&a, 10));
	arena_free(&a);
	arena_free(&a);
}

static void calloc_and_overflow(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	unsigned char *p = arena_calloc(&a, 1000, 8);
	assert_non_null(p);
	for (size_t i = 0; i < 8000; i++)
		assert_int_equal(p[i], 0);
	assert_null(arena_calloc(&a, SIZE_MAX / 2, 4));
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 8));
	assert_non_null(arena_calloc(&a, 0, 8));
	assert_non_null(arena_calloc(&a, 8, 0));
	arena_free(&a);
}

static void strings(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	char *s = arena_strdup(&a, "hello");
	assert_string_equal(s, "hello");
	char *t = arena_strndup(&a, "abcdef", 3);
	assert_string_equal(t, "abc");
	char *e = arena_strndup(&a, "x", 0);
	assert_string_equal(e, "");
	/* strndup copies n bytes, NULs included, and terminates */
	char *n = arena_strndup(&a, "a\0b", 3);
	assert_memory_equal(n, "a\0b\0", 4);
	char *f = arena_printf(&a, "%s-%d-%05.1f", "x", 42, 3.14159);
	assert_string_equal(f, "x-42-003.1");
	char big[10000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char *g = arena_printf(&a, "<%s>", big);
	assert_int_equal(strlen(g), sizeof big + 1);
	assert_int_equal(g[0], '<');
	assert_int_equal(g[sizeof big], '>');
	assert_string_equal(s, "hello");
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alignment_and_sizes),
		cmocka_unit_test(calloc_and_overflow),
		cmocka_unit_test(strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
