/* test_admin_proto: unit tests for domains/admin_proto (qubesd's socket
 * framing): the four header fields, the split at the first '+' and at
 * the first NUL, the keyword destination, what is a framing error, the
 * 64 KiB and per-field limits, INCOMPLETE versus BAD, and the exact bytes
 * of OK, exception and event frames. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/admin_proto.h"

/* Parses a C string (plus its NUL when with_nul) followed by payload. */
static enum admin_parse parse_parts(const char *hdr, bool with_nul, const void *payload,
				    size_t plen, bool at_eof, struct admin_request *rq,
				    const char **err, uint8_t **keep)
{
	size_t hl = strlen(hdr) + (with_nul ? 1 : 0);
	uint8_t *b = malloc(hl + plen + 1);
	assert_non_null(b);
	memcpy(b, hdr, hl);
	if (plen)
		memcpy(b + hl, payload, plen);
	*err = NULL;
	enum admin_parse r = admin_request_parse(b, hl + plen, at_eof, rq, err);
	*keep = b;
	return r;
}

static void expect_ok(const char *hdr, const char *method, const char *arg, bool plus,
		      const char *src, enum admin_dest_type dt, const char *dest)
{
	struct admin_request rq;
	const char *err;
	uint8_t *b;
	enum admin_parse r = parse_parts(hdr, true, NULL, 0, true, &rq, &err, &b);
	if (r != ADMIN_PARSE_OK)
		fail_msg("\"%s\": %d (%s)", hdr, r, err ? err : "");
	assert_string_equal(rq.method, method);
	assert_string_equal(rq.arg, arg);
	assert_int_equal(rq.has_plus, plus);
	assert_string_equal(rq.source, src);
	assert_int_equal(rq.dest_type, dt);
	assert_string_equal(rq.dest, dest);
	assert_int_equal(rq.payload_len, 0);
	assert_ptr_equal(rq.payload, b + strlen(hdr) + 1);
	free(b);
}

static void expect_bad(const char *hdr, const char *why)
{
	struct admin_request rq;
	const char *err;
	uint8_t *b;
	enum admin_parse r = parse_parts(hdr, true, NULL, 0, true, &rq, &err, &b);
	free(b);
	if (r != ADMIN_PARSE_BAD)
		fail_msg("\"%s\" parsed (%d), expected a framing error", hdr, r);
	assert_non_null(err);
	if (why && !strstr(err, why))
		fail_msg("\"%s\": error \"%s\", expected it to mention \"%s\"", hdr, err, why);
}

static void fields(void **state)
{
	(void)state;
	expect_ok("admin.vm.List+ dom0 name dom0", "admin.vm.List", "", true, "dom0",
		  ADMIN_DEST_NAME, "dom0");
	expect_ok("admin.vm.List dom0 name dom0", "admin.vm.List", "", false, "dom0",
		  ADMIN_DEST_NAME, "dom0");
	expect_ok("admin.vm.property.Get+netvm mgmt name work", "admin.vm.property.Get",
		  "netvm", true, "mgmt", ADMIN_DEST_NAME, "work");
	expect_ok("admin.vm.List+ dom0 name uuid:c9024a97-9b15-46cc-8341-38d75d5d421b",
		  "admin.vm.List", "", true, "dom0", ADMIN_DEST_NAME,
		  "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b");
	/* the destination is not validated here: that is the dispatcher's */
	expect_ok("m src name .x", "m", "", false, "src", ADMIN_DEST_NAME, ".x");
}

static void plus_split_at_first(void **state)
{
	(void)state;
	expect_ok("admin.vm.Shutdown+force+wait dom0 name work", "admin.vm.Shutdown",
		  "force+wait", true, "dom0", ADMIN_DEST_NAME, "work");
	expect_ok("admin.vm.tag.Set++ dom0 name work", "admin.vm.tag.Set", "+", true, "dom0",
		  ADMIN_DEST_NAME, "work");
	expect_ok("m+++a+ s name d", "m", "++a+", true, "s", ADMIN_DEST_NAME, "d");
	/* a method must not be empty */
	expect_bad("+arg dom0 name dom0", "method");
	expect_bad("+ dom0 name dom0", "method");
}

static void keyword_adminvm(void **state)
{
	(void)state;
	expect_ok("admin.Events+ mgmt keyword adminvm", "admin.Events", "", true, "mgmt",
		  ADMIN_DEST_KEYWORD, "adminvm");
	expect_bad("admin.Events+ mgmt keyword dispvm", "keyword");
	expect_bad("admin.Events+ mgmt keyword default", "keyword");
	expect_bad("admin.Events+ mgmt keyword dom0", "keyword");
}

static void bad_dest_type(void **state)
{
	(void)state;
	expect_bad("admin.vm.List+ dom0 uuid dom0", "destination type");
	expect_bad("admin.vm.List+ dom0 Name dom0", "destination type");
	expect_bad("admin.vm.List+ dom0 names dom0", "destination type");
	expect_bad("admin.vm.List+ dom0 x dom0", "destination type");
}

static void field_count_and_spacing(void **state)
{
	(void)state;
	expect_bad("", NULL);
	expect_bad("admin.vm.List", NULL);
	expect_bad("admin.vm.List+ dom0", NULL);
	expect_bad("admin.vm.List+ dom0 name", NULL);
	expect_bad("admin.vm.List+ dom0 name dom0 extra", NULL);
	expect_bad("admin.vm.List+  dom0 name dom0", NULL);
	expect_bad("admin.vm.List+ dom0 name dom0 ", NULL);
	expect_bad(" admin.vm.List+ dom0 name dom0", NULL);
	expect_bad("admin.vm.List+ dom0 name  dom0", NULL);
	expect_bad("admin.vm.List+\tdom0 name dom0", NULL);
}

static void header_bytes(void **state)
{
	(void)state;
	/* control characters, DEL and non-ASCII bytes are framing errors */
	expect_bad("admin.vm.List+\x01 dom0 name dom0", NULL);
	expect_bad("admin.vm.List+ do\x7fm0 name dom0", NULL);
	expect_bad("admin.vm.List+ dom0 name d\xc3\xb6m0", NULL);
	expect_bad("admin.vm.List+ dom0 name dom0\n", NULL);
	expect_bad("admin.vm.List+ dom0\r name dom0", NULL);
}

static void payload_after_first_nul(void **state)
{
	(void)state;
	static const uint8_t pl[] = {'a', 0, 'b', 0xff, 0, '\n', ' '};
	struct admin_request rq;
	const char *err;
	uint8_t *b;
	assert_int_equal(parse_parts("admin.vm.feature.Set+f dom0 name work", true, pl,
				     sizeof pl, true, &rq, &err, &b),
			 ADMIN_PARSE_OK);
	assert_string_equal(rq.arg, "f");
	assert_int_equal(rq.payload_len, sizeof pl);
	assert_memory_equal(rq.payload, pl, sizeof pl);
	free(b);
	/* a payload is allowed to look like a header */
	const char *again = "admin.vm.List+ dom0 name dom0";
	assert_int_equal(parse_parts("admin.vm.List+ dom0 name dom0", true, again,
				     strlen(again) + 1, true, &rq, &err, &b),
			 ADMIN_PARSE_OK);
	assert_int_equal(rq.payload_len, strlen(again) + 1);
	free(b);
}

static void missing_nul(void **state)
{
	(void)state;
	struct admin_request rq;
	const char *err;
	uint8_t *b;
	/* before EOF: read more */
	assert_int_equal(parse_parts("admin.vm.List+ dom0 name dom0", false, NULL, 0, false,
				     &rq, &err, &b),
			 ADMIN_PARSE_INCOMPLETE);
	free(b);
	assert_int_equal(parse_parts("admin.vm.Li", false, NULL, 0, false, &rq, &err, &b),
			 ADMIN_PARSE_INCOMPLETE);
	free(b);
	/* at EOF: a framing error naming the NUL */
	assert_int_equal(parse_parts("admin.vm.List+ dom0 name dom0", false, NULL, 0, true,
				     &rq, &err, &b),
			 ADMIN_PARSE_BAD);
	assert_non_null(strstr(err, "NUL"));
	free(b);
	assert_int_equal(admin_request_parse((const uint8_t *)"", 0, true, &rq, &err),
			 ADMIN_PARSE_BAD);
	assert_int_equal(admin_request_parse((const uint8_t *)"", 0, false, &rq, &err),
			 ADMIN_PARSE_INCOMPLETE);
	/* once the NUL is there, at_eof does not matter */
	assert_int_equal(parse_parts("admin.vm.List+ dom0 name dom0", true, "xy", 2, false,
				     &rq, &err, &b),
			 ADMIN_PARSE_OK);
	assert_int_equal(rq.payload_len, 2);
	free(b);
}

static void size_limit(void **state)
{
	(void)state;
	const char *hdr = "admin.vm.feature.Set+f dom0 name work";
	size_t hl = strlen(hdr) + 1;
	uint8_t *b = malloc(ADMIN_REQUEST_MAX + 2);
	assert_non_null(b);
	memset(b, 'x', ADMIN_REQUEST_MAX + 2);
	memcpy(b, hdr, hl);
	struct admin_request rq;
	const char *err = NULL;
	/* exactly 64 KiB in all: accepted */
	assert_int_equal(admin_request_parse(b, ADMIN_REQUEST_MAX, true, &rq, &err),
			 ADMIN_PARSE_OK);
	assert_int_equal(rq.payload_len, ADMIN_REQUEST_MAX - hl);
	/* one byte more: refused, at EOF or not, NUL or not */
	assert_int_equal(admin_request_parse(b, ADMIN_REQUEST_MAX + 1, true, &rq, &err),
			 ADMIN_PARSE_BAD);
	assert_non_null(strstr(err, "64 KiB"));
	assert_int_equal(admin_request_parse(b, ADMIN_REQUEST_MAX + 1, false, &rq, &err),
			 ADMIN_PARSE_BAD);
	memset(b, 'x', ADMIN_REQUEST_MAX + 2);
	assert_int_equal(admin_request_parse(b, ADMIN_REQUEST_MAX + 1, false, &rq, &err),
			 ADMIN_PARSE_BAD);
	/* a header of 64 KiB without NUL before EOF is still incomplete */
	assert_int_equal(admin_request_parse(b, ADMIN_REQUEST_MAX, false, &rq, &err),
			 ADMIN_PARSE_INCOMPLETE);
	free(b);
}

/* A header whose field `which` (0 call, 1 source, 3 dest) is n bytes. */
static char *header_with(int which, size_t n)
{
	char *f = malloc(n + 1);
	assert_non_null(f);
	memset(f, 'a', n);
	f[n] = '\0';
	char *h = malloc(n + 64);
	assert_non_null(h);
	if (which == 0)
		sprintf(h, "%s src name dst", f);
	else if (which == 1)
		sprintf(h, "m %s name dst", f);
	else
		sprintf(h, "m src name %s", f);
	free(f);
	return h;
}

static enum admin_parse parse_str(const char *h, struct admin_request *rq)
{
	const char *err;
	return admin_request_parse((const uint8_t *)h, strlen(h) + 1, true, rq, &err);
}

static void field_limits(void **state)
{
	(void)state;
	struct admin_request rq;
	struct {
		int which;
		size_t max;
	} t[] = {{0, sizeof rq.method - 1}, {1, sizeof rq.source - 1}, {3, sizeof rq.dest - 1}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *h = header_with(t[i].which, t[i].max);
		assert_int_equal(parse_str(h, &rq), ADMIN_PARSE_OK);
		free(h);
		h = header_with(t[i].which, t[i].max + 1);
		assert_int_equal(parse_str(h, &rq), ADMIN_PARSE_BAD);
		free(h);
	}
	/* the argument: up to sizeof arg - 1 */
	size_t amax = sizeof rq.arg - 1;
	char *h = malloc(amax + 64);
	assert_non_null(h);
	strcpy(h, "m+");
	memset(h + 2, 'b', amax);
	strcpy(h + 2 + amax, " s name d");
	assert_int_equal(parse_str(h, &rq), ADMIN_PARSE_OK);
	assert_int_equal(strlen(rq.arg), amax);
	strcpy(h, "m+");
	memset(h + 2, 'b', amax + 1);
	strcpy(h + 3 + amax, " s name d");
	assert_int_equal(parse_str(h, &rq), ADMIN_PARSE_BAD);
	free(h);
}

static void reset_on_reuse(void **state)
{
	(void)state;
	struct admin_request rq;
	assert_int_equal(parse_str("a+b s keyword adminvm", &rq), ADMIN_PARSE_OK);
	assert_int_equal(parse_str("c s name d", &rq), ADMIN_PARSE_OK);
	assert_string_equal(rq.arg, "");
	assert_false(rq.has_plus);
	assert_int_equal(rq.dest_type, ADMIN_DEST_NAME);
}

static void frame_ok(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 1024);
	assert_int_equal(admin_put_ok(&w, "dom0\n", 5), BUF_OK);
	assert_int_equal(w.len, 7);
	assert_memory_equal(w.p, "0\0dom0\n", 7);
	wbuf_reset(&w);
	assert_int_equal(admin_put_ok(&w, "", 0), BUF_OK);
	assert_int_equal(w.len, 2);
	assert_memory_equal(w.p, "0\0", 2);
	/* content may hold any byte */
	wbuf_reset(&w);
	assert_int_equal(admin_put_ok(&w, "a\0b", 3), BUF_OK);
	assert_memory_equal(w.p, "0\0a\0b", 5);
	wbuf_free(&w);
	/* over the buffer's limit: an error, not a partial frame beyond it */
	wbuf_init(&w, 4);
	assert_int_not_equal(admin_put_ok(&w, "12345", 5), BUF_OK);
	assert_true(w.len <= 4);
	wbuf_free(&w);
}

static void frame_exception(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 1024);
	assert_int_equal(admin_put_exception(&w, "QubesVMNotFoundError",
					     "No such domain: 'missing'"),
			 BUF_OK);
	static const char want[] = "2\0QubesVMNotFoundError\0\0No such domain: 'missing'\0";
	assert_int_equal(w.len, sizeof want - 1);
	assert_memory_equal(w.p, want, sizeof want - 1);
	wbuf_reset(&w);
	assert_int_equal(admin_put_exception(&w, "ProtocolError", ""), BUF_OK);
	assert_int_equal(w.len, 2 + 14 + 1 + 1);
	assert_memory_equal(w.p, "2\0ProtocolError\0\0\0", 18);
	wbuf_free(&w);
}

static void frame_event(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 1024);
	assert_int_equal(admin_put_event(&w, "", "connection-established", NULL, 0), BUF_OK);
	static const char ce[] = "1\0\0connection-established\0\0";
	assert_int_equal(w.len, sizeof ce - 1);
	assert_memory_equal(w.p, ce, sizeof ce - 1);
	wbuf_reset(&w);
	assert_int_equal(admin_put_event(&w, NULL, "domain-add", (const char *[]){"vm", "work"},
					 1),
			 BUF_OK);
	static const char add[] = "1\0\0domain-add\0vm\0work\0\0";
	assert_int_equal(w.len, sizeof add - 1);
	assert_memory_equal(w.p, add, sizeof add - 1);
	wbuf_reset(&w);
	const char *kv[] = {"name", "vcpus", "newvalue", "4", "oldvalue", ""};
	assert_int_equal(admin_put_event(&w, "work", "property-set:vcpus", kv, 3), BUF_OK);
	static const char ps[] =
		"1\0work\0property-set:vcpus\0name\0vcpus\0newvalue\0004\0oldvalue\0\0\0";
	assert_int_equal(w.len, sizeof ps - 1);
	assert_memory_equal(w.p, ps, sizeof ps - 1);
	/* frames concatenate */
	size_t one = w.len;
	assert_int_equal(admin_put_event(&w, "work", "property-set:vcpus", kv, 3), BUF_OK);
	assert_int_equal(w.len, 2 * one);
	assert_memory_equal(w.p + one, ps, sizeof ps - 1);
	wbuf_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields),
		cmocka_unit_test(plus_split_at_first),
		cmocka_unit_test(keyword_adminvm),
		cmocka_unit_test(bad_dest_type),
		cmocka_unit_test(field_count_and_spacing),
		cmocka_unit_test(header_bytes),
		cmocka_unit_test(payload_after_first_nul),
		cmocka_unit_test(missing_nul),
		cmocka_unit_test(size_limit),
		cmocka_unit_test(field_limits),
		cmocka_unit_test(reset_on_reuse),
		cmocka_unit_test(frame_ok),
		cmocka_unit_test(frame_exception),
		cmocka_unit_test(frame_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
