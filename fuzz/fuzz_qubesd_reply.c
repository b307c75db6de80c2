/* fuzz_qubesd_reply: libFuzzer target for the qubesd reply parser
 * (lib/qubesd.c). A success must point at the content after `0\0`; an
 * exception's type and message must be NUL-terminated strings inside the
 * buffer, its last byte a NUL; a failure must give a message. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/qubesd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

/* s is a NUL-terminated string lying wholly in buf[0..len). */
static bool inside(const char *buf, size_t len, const char *s)
{
	return s >= buf && s < buf + len && memchr(s, '\0', (size_t)(buf + len - s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct qubesd_reply r;
	const char *err = NULL;
	int rc = qubesd_reply_parse(buf, size, &r, &err);

	CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		CHECK(err && err[0]);
		CHECK(!r.ok && !r.content && !r.exc_type && !r.message);
		return 0;
	}
	CHECK(size >= 2 && data[1] == 0);
	if (r.ok) {
		CHECK(data[0] == '0');
		CHECK(r.content == buf + 2 && r.content_len == size - 2);
		CHECK(!r.exc_type && !r.message);
		return 0;
	}
	CHECK(data[0] == '2' && data[size - 1] == 0);
	CHECK(!r.content && !r.content_len);
	CHECK(r.exc_type == buf + 2 && inside(buf, size, r.exc_type));
	CHECK(inside(buf, size, r.message) && r.message > r.exc_type);
	/* exactly three NULs after the header */
	size_t nuls = 0;
	for (size_t i = 2; i < size; i++)
		nuls += data[i] == 0;
	CHECK(nuls == 3);
	return 0;
}
