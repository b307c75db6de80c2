/* test_qubesd_reply: unit tests for qubesd_reply_parse (lib/qubesd): a
 * success reply `0\0CONTENT` (content may be empty and may hold NULs),
 * an exception `2\0TYPE\0TRACEBACK\0MESSAGE\0`, and every malformed
 * reply: too short, an event frame, an unknown type, missing exception
 * fields, trailing bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/qubesd.h"

#define LIT(s) s, sizeof(s) - 1

static void success(void **state)
{
	(void)state;
	struct qubesd_reply r;
	const char *err = NULL;
	static const char ok[] = "0\0{\"domains\": {}}";
	assert_int_equal(qubesd_reply_parse(LIT(ok), &r, &err), 0);
	assert_int_equal(r.ok, 1);
	assert_int_equal(r.content_len, 15);
	assert_memory_equal(r.content, "{\"domains\": {}}", 15);
	assert_ptr_equal(r.content, ok + 2);
	assert_null(r.exc_type);
	assert_null(r.message);
	/* empty content */
	assert_int_equal(qubesd_reply_parse(LIT("0\0"), &r, &err), 0);
	assert_int_equal(r.ok, 1);
	assert_int_equal(r.content_len, 0);
	/* content is bytes: NULs are kept */
	assert_int_equal(qubesd_reply_parse(LIT("0\0a\0b\0"), &r, &err), 0);
	assert_int_equal(r.content_len, 4);
	assert_memory_equal(r.content, "a\0b\0", 4);
}

static void exception(void **state)
{
	(void)state;
	struct qubesd_reply r;
	const char *err = NULL;
	static const char e[] = "2\0QubesVMNotFoundError\0Traceback...\0No such domain: 'x'\0";
	assert_int_equal(qubesd_reply_parse(LIT(e), &r, &err), 0);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.exc_type, "QubesVMNotFoundError");
	assert_string_equal(r.message, "No such domain: 'x'");
	assert_null(r.content);
	/* empty fields */
	assert_int_equal(qubesd_reply_parse(LIT("2\0\0\0\0"), &r, &err), 0);
	assert_int_equal(r.ok, 0);
	assert_string_equal(r.exc_type, "");
	assert_string_equal(r.message, "");
}

static void malformed(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t len;
		const char *err;
	} t[] = {
		{"", 0, "reply shorter than its header"},
		{"0", 1, "reply shorter than its header"},
		{"0x", 2, "reply shorter than its header"},
		{"00\0", 3, "reply shorter than its header"},
		{"1\0event\0", 8, "unexpected event frame"},
		{"3\0", 2, "unknown reply type"},
		{"\0\0", 2, "unknown reply type"},
		{"2\0", 2, "exception reply with missing fields"},
		{"2\0T\0tb\0msg", 10, "exception reply with missing fields"},
		{"2\0T\0tb", 6, "exception reply with missing fields"},
		{"2\0T\0tb\0m\0x", 11, "trailing bytes after an exception reply"},
		{"2\0T\0tb\0m\0\0", 11, "trailing bytes after an exception reply"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct qubesd_reply r;
		const char *err = NULL;
		if (qubesd_reply_parse(t[i].s, t[i].len, &r, &err) != -1)
			fail_msg("case %zu parsed", i);
		if (!err || strcmp(err, t[i].err) != 0)
			fail_msg("case %zu: \"%s\", expected \"%s\"", i, err ? err : "(null)", t[i].err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(success),
		cmocka_unit_test(exception),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
