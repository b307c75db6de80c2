/* fuzz_pass_charset: pass_charset_parse on arbitrary bytes (the character
 * set of GENERATE comes from the client). Checked against properties that
 * do not depend on the parser: the count is the number of bytes set, a
 * failure sets nothing and says why, the parse is deterministic, a spec
 * without operators ('\\', '[', '-') is exactly its own bytes, and the
 * same bytes written as \NNN escapes give the same set. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pass/charset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static int count(const bool set[256])
{
	int n = 0;
	for (int c = 0; c < 256; c++)
		n += set[c];
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy: ASan catches any read past the end */
	uint8_t *spec = malloc(size ? size : 1);
	if (!spec)
		return 0;
	if (size)
		memcpy(spec, data, size);
	bool set[256], again[256];
	char err[96] = "";
	int r = pass_charset_parse(spec, size, set, err, sizeof err);
	if (r < 0) {
		CHECK(r == -1);
		CHECK(err[0] != '\0' && memchr(err, 0, sizeof err));
		CHECK(count(set) == 0);
	} else {
		CHECK(r >= 1 && r <= 256 && r == count(set));
	}
	if (size > PASS_CHARSET_MAX_SPEC || memchr(spec, 0, size))
		CHECK(r == -1);
	CHECK(pass_charset_parse(spec, size, again, NULL, 0) == r);
	CHECK(memcmp(set, again, sizeof set) == 0);

	bool plain = size > 0 && size <= PASS_CHARSET_MAX_SPEC && !memchr(spec, 0, size);
	for (size_t i = 0; plain && i < size; i++)
		plain = spec[i] != '\\' && spec[i] != '[' && spec[i] != '-';
	if (plain) {
		bool want[256] = {false};
		for (size_t i = 0; i < size; i++)
			want[spec[i]] = true;
		CHECK(memcmp(set, want, sizeof set) == 0);
	}

	/* every byte as \NNN: literal bytes, no operator survives */
	size_t n = size < PASS_CHARSET_MAX_SPEC / 4 ? size : PASS_CHARSET_MAX_SPEC / 4;
	if (n > 0) {
		uint8_t *esc = malloc(4 * n);
		if (esc) {
			bool want[256] = {false};
			for (size_t i = 0; i < n; i++) {
				char o[5];
				snprintf(o, sizeof o, "\\%03o", data[i]);
				memcpy(esc + 4 * i, o, 4);
				want[data[i]] = true;
			}
			int re = pass_charset_parse(esc, 4 * n, again, err, sizeof err);
			CHECK(re == count(want));
			CHECK(memcmp(again, want, sizeof want) == 0);
			free(esc);
		}
	}
	free(spec);
	return 0;
}
