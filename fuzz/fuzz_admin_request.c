/* fuzz_admin_request: libFuzzer target for bulkheadd's request parser
 * (admin_request_parse, domains/admin_proto.c). The input is parsed
 * before and at EOF, and whole and cut at every point of its header: a
 * parse must agree with the bytes (the header rebuilt from the fields is
 * the header, the payload is what follows the first NUL, a keyword is
 * adminvm, every field is printable ASCII without spaces), INCOMPLETE
 * only when no NUL came yet and EOF did not, and a framing error names
 * its reason. The reply frames are built from the parsed fields and
 * checked byte by byte. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/admin_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static void check_field(const char *s, bool may_be_empty)
{
	CHECK(may_be_empty || s[0]);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		CHECK(*p > 0x20 && *p < 0x7f);
}

static void check_ok(const uint8_t *data, size_t size, const struct admin_request *rq)
{
	const uint8_t *nul = memchr(data, 0, size);
	CHECK(nul);
	CHECK(size <= ADMIN_REQUEST_MAX);
	check_field(rq->method, false);
	CHECK(!strchr(rq->method, '+'));
	check_field(rq->arg, true);
	CHECK(rq->has_plus || !rq->arg[0]);
	check_field(rq->source, false);
	check_field(rq->dest, false);
	if (rq->dest_type == ADMIN_DEST_KEYWORD)
		CHECK(strcmp(rq->dest, "adminvm") == 0);
	else
		CHECK(rq->dest_type == ADMIN_DEST_NAME);
	CHECK(rq->payload == nul + 1);
	CHECK(rq->payload_len == size - (size_t)(nul + 1 - data));
	/* the fields are the header */
	char hdr[2048];
	int n = snprintf(hdr, sizeof hdr, "%s%s%s %s %s %s", rq->method, rq->has_plus ? "+" : "",
			 rq->arg, rq->source,
			 rq->dest_type == ADMIN_DEST_KEYWORD ? "keyword" : "name", rq->dest);
	CHECK(n > 0 && (size_t)n < sizeof hdr);
	CHECK((size_t)n == (size_t)(nul - data));
	CHECK(memcmp(hdr, data, (size_t)n) == 0);
}

static void check_frames(const struct admin_request *rq)
{
	struct wbuf w;
	wbuf_init(&w, 1u << 20);
	/* OK: "0\0" and the content */
	CHECK(admin_put_ok(&w, rq->payload, rq->payload_len) == BUF_OK);
	CHECK(w.len == 2 + rq->payload_len);
	CHECK(w.p[0] == '0' && w.p[1] == 0);
	CHECK(rq->payload_len == 0 || memcmp(w.p + 2, rq->payload, rq->payload_len) == 0);
	wbuf_reset(&w);
	/* exception: "2\0" TYPE "\0\0" MESSAGE "\0" */
	CHECK(admin_put_exception(&w, rq->method, rq->arg) == BUF_OK);
	size_t tl = strlen(rq->method), ml = strlen(rq->arg);
	CHECK(w.len == 2 + tl + 2 + ml + 1);
	CHECK(w.p[0] == '2' && w.p[1] == 0 && w.p[2 + tl] == 0 && w.p[3 + tl] == 0);
	CHECK(memcmp(w.p + 2, rq->method, tl) == 0 && w.p[w.len - 1] == 0);
	wbuf_reset(&w);
	/* event: "1\0" SUBJECT "\0" EVENT "\0" (K "\0" V "\0")* "\0" */
	const char *kv[] = {"source", rq->source, "dest", rq->dest};
	CHECK(admin_put_event(&w, rq->dest, rq->method, kv, 2) == BUF_OK);
	size_t want = 2 + strlen(rq->dest) + 1 + tl + 1 + 7 + strlen(rq->source) + 1 + 5 +
		      strlen(rq->dest) + 1 + 1;
	CHECK(w.len == want);
	CHECK(w.p[0] == '1' && w.p[1] == 0 && w.p[w.len - 1] == 0 && w.p[w.len - 2] == 0);
	size_t nuls = 0;
	for (size_t i = 1; i < w.len; i++)
		nuls += w.p[i] == 0;
	CHECK(nuls == 1 + 2 + 4 + 1);
	wbuf_free(&w);
}

static enum admin_parse parse(const uint8_t *data, size_t size, bool eof,
			      struct admin_request *rq)
{
	const char *err = NULL;
	/* a private copy, so that the sanitizers see reads past the end */
	uint8_t *copy = malloc(size ? size : 1);
	CHECK(copy);
	if (size)
		memcpy(copy, data, size);
	enum admin_parse r = admin_request_parse(copy, size, eof, rq, &err);
	CHECK(r == ADMIN_PARSE_OK || r == ADMIN_PARSE_INCOMPLETE || r == ADMIN_PARSE_BAD);
	bool has_nul = memchr(data, 0, size) != NULL;
	if (r == ADMIN_PARSE_BAD) {
		CHECK(err && err[0]);
	} else if (r == ADMIN_PARSE_INCOMPLETE) {
		CHECK(!eof && !has_nul && size <= ADMIN_REQUEST_MAX);
	} else {
		check_ok(copy, size, rq);
		check_frames(rq);
	}
	if (size > ADMIN_REQUEST_MAX)
		CHECK(r == ADMIN_PARSE_BAD);
	if (eof)
		CHECK(r != ADMIN_PARSE_INCOMPLETE);
	free(copy);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct admin_request rq;
	enum admin_parse at_eof = parse(data, size, true, &rq);
	enum admin_parse early = parse(data, size, false, &rq);
	/* with the NUL there, EOF does not matter */
	if (memchr(data, 0, size))
		CHECK(at_eof == early);
	else if (size <= ADMIN_REQUEST_MAX)
		CHECK(early == ADMIN_PARSE_INCOMPLETE && at_eof == ADMIN_PARSE_BAD);
	/* every prefix that ends before the NUL is still incomplete */
	const uint8_t *nul = memchr(data, 0, size);
	size_t hlen = nul ? (size_t)(nul - data) : size;
	for (size_t cut = 0; cut < hlen && cut < 256; cut++)
		CHECK(parse(data, cut, false, &rq) == ADMIN_PARSE_INCOMPLETE);
	return 0;
}
