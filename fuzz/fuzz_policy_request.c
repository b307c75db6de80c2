/* fuzz_policy_request: libFuzzer target for the policy daemon's request
 * parser (policy/request.c). Checks the result (required keys present,
 * values free of NUL, newline and non-ASCII bytes, output zeroed on
 * failure), that bytes after the ending empty line change nothing, and
 * that policyd_request_complete agrees with where the parser stops. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static void check_value(const char *v, const uint8_t *data, size_t size)
{
	size_t n;

	if (!v)
		return;
	n = strlen(v);
	CHECK(n < size);
	for (size_t i = 0; i < n; i++)
		CHECK(v[i] != '\n' && (unsigned char)v[i] < 0x80);
	/* taken verbatim from one line of the input */
	CHECK(!n || memmem(data, size, v, n));
}

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool same_req(const struct policyd_request *a, const struct policyd_request *b)
{
	return same_str(a->source, b->source) &&
	       same_str(a->intended_target, b->intended_target) &&
	       same_str(a->service_and_arg, b->service_and_arg) &&
	       same_str(a->requested_source, b->requested_source) &&
	       a->assume_yes_for_ask == b->assume_yes_for_ask &&
	       a->just_evaluate == b->just_evaluate;
}

/* Where the request ends: just after its empty line, or size. */
static size_t request_end(const uint8_t *data, size_t size, bool *found)
{
	*found = true;
	if (size >= 1 && data[0] == '\n')
		return 1;
	for (size_t i = 1; i < size; i++)
		if (data[i] == '\n' && data[i - 1] == '\n')
			return i + 1;
	*found = false;
	return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct policyd_request r, r2;
	const char *err = NULL, *err2 = NULL;
	bool found;
	size_t end = request_end(data, size, &found);
	int rc, rc2;

	CHECK(policyd_request_complete(buf, size) == found);
	/* a complete request stays complete when more bytes come */
	for (size_t k = end; found && k < size && k < end + 4; k++)
		CHECK(policyd_request_complete(buf, k + 1));

	rc = policyd_request_parse(buf, size, &r, &err);
	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(err && err[0]);
		CHECK(!r.source && !r.intended_target && !r.service_and_arg &&
		      !r.requested_source && !r.assume_yes_for_ask && !r.just_evaluate);
	} else {
		CHECK(r.source && r.intended_target && r.service_and_arg);
		check_value(r.source, data, size);
		check_value(r.intended_target, data, size);
		check_value(r.service_and_arg, data, size);
		check_value(r.requested_source, data, size);
	}

	/* what follows the empty line is ignored */
	rc2 = policyd_request_parse(buf, end, &r2, &err2);
	CHECK(rc2 == rc);
	if (rc == 0)
		CHECK(same_req(&r, &r2));
	policyd_request_free(&r);
	policyd_request_free(&r2);
	return 0;
}
