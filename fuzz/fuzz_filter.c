/* fuzz_filter: filter_escape_chars on arbitrary bytes; the output may only
 * hold printable ASCII, \t \n \r \b \a and '_', every allowed input byte
 * is kept and every other one becomes '_'. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qrexec/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static bool allowed(uint8_t c)
{
	return (c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\b' || c == '\a';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b = malloc(size ? size : 1);
	if (!b)
		return 0;
	if (size)
		memcpy(b, data, size);
	filter_escape_chars(b, size);
	for (size_t i = 0; i < size; i++) {
		CHECK(allowed(b[i]));
		CHECK(b[i] == (allowed(data[i]) ? data[i] : '_'));
	}
	/* idempotent */
	filter_escape_chars(b, size);
	for (size_t i = 0; i < size; i++)
		CHECK(b[i] == (allowed(data[i]) ? data[i] : '_'));
	free(b);
	return 0;
}
