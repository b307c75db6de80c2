/* test_passproto: unit tests for the split-pass protocol (pass/passproto):
 * framing round trips and every parse error, the op table of
 * passproto_check_request (service, field counts, names, flags, numbers,
 * grep and git allow-lists), name rules, and scopes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pass/passproto.h"

/* Builds a request of op with the given NULL-terminated string fields. */
static void build(struct wbuf *b, uint8_t op, const char *const *fields)
{
	uint32_t n = 0;
	while (fields[n])
		n++;
	wbuf_init(b, PASS_MAX_MSG);
	assert_int_equal(passproto_put_request_hdr(b, op, n), BUF_OK);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(passproto_put_str(b, fields[i]), BUF_OK);
}

/* check_request of op(fields) on svc; err receives the message. */
static bool check(uint8_t op, enum pass_service svc, char *err, const char *const *fields)
{
	struct wbuf b;
	build(&b, op, fields);
	struct pass_msg m = {0};
	assert_int_equal(passproto_parse(b.p, b.len, false, &m), PASS_PERR_OK);
	err[0] = '\0';
	bool ok = passproto_check_request(&m, svc, err, 200);
	if (!ok)
		assert_true(err[0] != '\0');
	passproto_msg_free(&m);
	wbuf_free(&b);
	return ok;
}

#define F(...) ((const char *const[]){__VA_ARGS__, NULL})
#define R PASS_SVC_READ
#define M PASS_SVC_MANAGE

/* ---- framing ---- */

static void roundtrip_request(void **state)
{
	(void)state;
	struct wbuf b;
	build(&b, PASS_OP_INSERT, F("work/a b", "secret\n\0x", "f"));
	struct pass_msg m = {0};
	assert_int_equal(passproto_parse(b.p, b.len, false, &m), PASS_PERR_OK);
	assert_int_equal(m.code, PASS_OP_INSERT);
	assert_int_equal(m.nfields, 3);
	assert_int_equal(m.fields[0].len, 8);
	assert_memory_equal(m.fields[0].p, "work/a b", 8);
	assert_int_equal(m.fields[1].len, 7); /* put_str stops at the NUL */
	/* a reply is not a request and vice versa */
	assert_int_equal(passproto_parse(b.p, b.len, true, &m), PASS_PERR_MAGIC);
	passproto_msg_free(&m);
	wbuf_free(&b);
}

static void roundtrip_reply_binary(void **state)
{
	(void)state;
	struct wbuf b;
	wbuf_init(&b, PASS_MAX_MSG);
	const uint8_t bin[] = {0, 1, 2, 0xff, '\n', 0};
	assert_int_equal(passproto_put_reply_hdr(&b, PASS_OK, 2), BUF_OK);
	assert_int_equal(passproto_put_str(&b, "secret"), BUF_OK);
	assert_int_equal(passproto_put_field(&b, bin, sizeof bin), BUF_OK);
	struct pass_msg m = {0};
	assert_int_equal(passproto_parse(b.p, b.len, true, &m), PASS_PERR_OK);
	assert_int_equal(m.code, PASS_OK);
	assert_int_equal(m.nfields, 2);
	assert_int_equal(m.fields[1].len, sizeof bin);
	assert_memory_equal(m.fields[1].p, bin, sizeof bin);
	passproto_msg_free(&m);
	wbuf_free(&b);
}

static void empty_fields_and_zero_fields(void **state)
{
	(void)state;
	struct wbuf b;
	wbuf_init(&b, PASS_MAX_MSG);
	assert_int_equal(passproto_put_reply_hdr(&b, PASS_OK, 0), BUF_OK);
	struct pass_msg m = {0};
	assert_int_equal(passproto_parse(b.p, b.len, true, &m), PASS_PERR_OK);
	assert_int_equal(m.nfields, 0);
	assert_int_equal(b.len, PASS_HDR_LEN);
	passproto_msg_free(&m);
	wbuf_free(&b);
}

static void every_prefix_is_short(void **state)
{
	(void)state;
	struct wbuf b;
	build(&b, PASS_OP_MV, F("a", "b/", "f"));
	struct pass_msg m = {0};
	for (size_t i = 0; i < b.len; i++) {
		int r = passproto_parse(b.p, i, false, &m);
		/* a truncated magic can only be short or a wrong magic */
		assert_true(r == PASS_PERR_SHORT);
		assert_int_equal(m.nfields, 0);
	}
	assert_int_equal(passproto_parse(b.p, b.len, false, &m), PASS_PERR_OK);
	passproto_msg_free(&m);
	wbuf_free(&b);
}

static void parse_errors(void **state)
{
	(void)state;
	struct wbuf b;
	build(&b, PASS_OP_LIST, F(""));
	struct pass_msg m = {0};
	uint8_t buf[64];
	memcpy(buf, b.p, b.len);
	size_t len = b.len;

	buf[0] = 'X';
	assert_int_equal(passproto_parse(buf, len, false, &m), PASS_PERR_MAGIC);
	buf[0] = 'B';
	buf[4] = 2;
	assert_int_equal(passproto_parse(buf, len, false, &m), PASS_PERR_VERSION);
	buf[4] = 0;
	assert_int_equal(passproto_parse(buf, len, false, &m), PASS_PERR_VERSION);
	buf[4] = PASS_PROTO_VERSION;
	/* trailing byte */
	buf[len] = 0;
	assert_int_equal(passproto_parse(buf, len + 1, false, &m), PASS_PERR_TRAILING);
	/* more fields than a request may have */
	buf_put_le32(buf + 6, PASS_MAX_REQ_FIELDS + 1);
	assert_int_equal(passproto_parse(buf, len, false, &m), PASS_PERR_FIELDS);
	/* a count the bytes cannot hold: short, nothing allocated */
	struct pass_msg fresh = {0};
	buf_put_le32(buf + 6, 60);
	assert_int_equal(passproto_parse(buf, len, false, &fresh), PASS_PERR_SHORT);
	assert_null(fresh.fields);
	/* a field longer than the limit */
	buf_put_le32(buf + 6, 1);
	buf_put_le32(buf + 10, PASS_MAX_FIELD + 1);
	assert_int_equal(passproto_parse(buf, len, false, &m), PASS_PERR_FIELDLEN);
	/* a field longer than what is there */
	buf_put_le32(buf + 10, 5);
	assert_int_equal(passproto_parse(buf, len, false, &m), PASS_PERR_SHORT);
	/* reply field limit is higher than the request's */
	buf[3] = 'R';
	buf_put_le32(buf + 6, PASS_MAX_REPLY_FIELDS + 1);
	assert_int_equal(passproto_parse(buf, len, true, &m), PASS_PERR_FIELDS);
	assert_int_equal(passproto_parse(buf, PASS_MAX_MSG + 1, true, &m), PASS_PERR_TOOBIG);
	for (int e = 0; e >= -8; e--)
		assert_non_null(passproto_strerror(e));
	passproto_msg_free(&m);
	wbuf_free(&b);
}

static void put_field_limit(void **state)
{
	(void)state;
	struct wbuf b;
	wbuf_init(&b, 64);
	assert_int_equal(passproto_put_field(&b, "x", (size_t)PASS_MAX_FIELD + 1), BUF_ELIMIT);
	assert_int_equal(passproto_put_field(&b, "0123456789", 10), BUF_OK);
	char big[100] = {0};
	assert_int_equal(passproto_put_field(&b, big, sizeof big), BUF_ELIMIT);
	wbuf_free(&b);
}

/* ---- names ---- */

static bool name(const char *s, bool root, bool slash)
{
	return passproto_name_ok((const uint8_t *)s, strlen(s), root, slash);
}

static void names(void **state)
{
	(void)state;
	assert_true(name("a", false, false));
	assert_true(name("work/github.com", false, false));
	assert_true(name("with space/ünïcödé 🏠", false, false));
	assert_true(name("-leading-dash", false, false));
	assert_true(name("a/b/c/d", false, false));
	assert_false(name("", false, false));
	assert_true(name("", true, false));
	assert_false(name("dir/", false, false));
	assert_true(name("dir/", false, true));
	assert_false(name("/", true, true));
	assert_false(name("dir//", false, true));
	assert_false(name("/abs", false, false));
	assert_false(name("a//b", false, false));
	assert_false(name("..", false, false));
	assert_false(name("../x", false, false));
	assert_false(name("a/../b", false, false));
	assert_false(name("a/..", false, false));
	assert_false(name(".", false, false));
	assert_false(name("./a", false, false));
	assert_false(name(".git", false, false));
	assert_false(name(".gpg-id", false, false));
	assert_false(name("a/.git/config", false, false));
	assert_true(name("a.b/c..d", false, false));
	assert_false(name("tab\there", false, false));
	assert_false(name("nl\nhere", false, false));
	assert_false(name("esc\x1b[31m", false, false));
	assert_false(name("del\x7f", false, false));
	assert_false(passproto_name_ok((const uint8_t *)"a\0b", 3, false, false));
	char comp[300];
	memset(comp, 'x', 255);
	comp[255] = '\0';
	assert_true(name(comp, false, false));
	comp[255] = 'x';
	comp[256] = '\0';
	assert_false(name(comp, false, false));
	char *longname = malloc(PASS_MAX_NAME + 2);
	for (size_t i = 0; i < PASS_MAX_NAME + 1; i++)
		longname[i] = (i % 100 == 99) ? '/' : 'n';
	longname[PASS_MAX_NAME] = 'n';
	longname[PASS_MAX_NAME + 1] = '\0';
	assert_false(name(longname, false, false));
	longname[PASS_MAX_NAME] = '\0';
	assert_true(name(longname, false, false));
	free(longname);
}

/* ---- scopes ---- */

static void scope_is(const char *n, const char *want)
{
	char s[PASS_MAX_SCOPE + 1];
	passproto_scope((const uint8_t *)n, strlen(n), s);
	assert_string_equal(s, want);
}

static void scopes(void **state)
{
	(void)state;
	scope_is("", "");
	scope_is("work", "work");
	scope_is("work/github", "work");
	scope_is("work/", "work");
	scope_is("Bank_1.de-x/a", "Bank_1.de-x");
	scope_is("with space/x", "_");
	scope_is("ünï/x", "_");
	scope_is("a+b", "_");
	scope_is("-dash", "-dash");
	scope_is("0123456789012345678901234567890", "0123456789012345678901234567890");
	scope_is("01234567890123456789012345678901/x", "_");
}

static void request_scope_is(uint8_t op, const char *const *fields, const char *want)
{
	struct wbuf b;
	build(&b, op, fields);
	struct pass_msg m = {0};
	assert_int_equal(passproto_parse(b.p, b.len, false, &m), PASS_PERR_OK);
	char s[PASS_MAX_SCOPE + 1];
	passproto_request_scope(&m, s);
	assert_string_equal(s, want);
	/* the scope a client computes is always accepted by the vault */
	assert_true(passproto_in_scope(&m, s));
	passproto_msg_free(&m);
	wbuf_free(&b);
}

static void request_scopes(void **state)
{
	(void)state;
	request_scope_is(PASS_OP_SHOW, F("work/a", "0"), "work");
	request_scope_is(PASS_OP_SHOW, F("", "0"), "");
	request_scope_is(PASS_OP_LIST, F("banking/"), "banking");
	request_scope_is(PASS_OP_MV, F("work/a", "work/b", ""), "work");
	request_scope_is(PASS_OP_MV, F("work/a", "home/b", ""), "");
	request_scope_is(PASS_OP_CP, F("work", "work/", "f"), "work");
	request_scope_is(PASS_OP_FIND, F("work"), "");
	request_scope_is(PASS_OP_GREP, F("-i", "x"), "");
	request_scope_is(PASS_OP_GIT, F("init"), "");
	request_scope_is(PASS_OP_INIT, F("work", "KEY"), "work");
	request_scope_is(PASS_OP_INIT, F("", "KEY"), "");
}

static bool in_scope(uint8_t op, const char *const *fields, const char *arg)
{
	struct wbuf b;
	build(&b, op, fields);
	struct pass_msg m = {0};
	assert_int_equal(passproto_parse(b.p, b.len, false, &m), PASS_PERR_OK);
	bool r = passproto_in_scope(&m, arg);
	passproto_msg_free(&m);
	wbuf_free(&b);
	return r;
}

static void scope_enforcement(void **state)
{
	(void)state;
	assert_true(in_scope(PASS_OP_SHOW, F("work/a", "0"), "work"));
	assert_true(in_scope(PASS_OP_SHOW, F("work", "0"), "work"));
	assert_false(in_scope(PASS_OP_SHOW, F("banking/a", "0"), "work"));
	assert_false(in_scope(PASS_OP_SHOW, F("workx/a", "0"), "work"));
	assert_false(in_scope(PASS_OP_SHOW, F("", "0"), "work"));
	assert_false(in_scope(PASS_OP_LIST, F(""), "work"));
	assert_false(in_scope(PASS_OP_MV, F("work/a", "banking/a", ""), "work"));
	assert_false(in_scope(PASS_OP_MV, F("banking/a", "work/a", ""), "work"));
	assert_false(in_scope(PASS_OP_FIND, F("a"), "work"));
	assert_false(in_scope(PASS_OP_GREP, F("a"), "work"));
	assert_false(in_scope(PASS_OP_GIT, F("log"), "work"));
	assert_true(in_scope(PASS_OP_FIND, F("a"), ""));
	assert_true(in_scope(PASS_OP_SHOW, F("with space/a", "0"), "_"));
	assert_false(in_scope(PASS_OP_SHOW, F("with space/a", "0"), "with"));
	assert_true(in_scope(PASS_OP_INIT, F("work/sub", "K"), "work"));
	assert_false(in_scope(PASS_OP_INIT, F("", "K"), "work"));
}

/* ---- the op table ---- */

static void service_split(void **state)
{
	(void)state;
	char err[200];
	/* reads only on PassRead, writes only on PassManage */
	assert_true(check(PASS_OP_SHOW, R, err, F("a", "0")));
	assert_false(check(PASS_OP_SHOW, M, err, F("a", "0")));
	assert_non_null(strstr(err, "ruddo.PassManage"));
	assert_true(check(PASS_OP_LIST, R, err, F("")));
	assert_false(check(PASS_OP_LIST, M, err, F("")));
	assert_false(check(PASS_OP_FIND, M, err, F("x")));
	assert_false(check(PASS_OP_GREP, M, err, F("x")));
	assert_true(check(PASS_OP_INSERT, M, err, F("a", "s", "")));
	assert_false(check(PASS_OP_INSERT, R, err, F("a", "s", "")));
	assert_false(check(PASS_OP_GENERATE, R, err, F("a", "25", "[:alnum:]", "")));
	assert_false(check(PASS_OP_RM, R, err, F("a", "")));
	assert_false(check(PASS_OP_MV, R, err, F("a", "b", "")));
	assert_false(check(PASS_OP_CP, R, err, F("a", "b", "")));
	assert_false(check(PASS_OP_INIT, R, err, F("", "K")));
	/* existence checks on both: writes never need PassRead */
	assert_true(check(PASS_OP_EXISTS, R, err, F("a")));
	assert_true(check(PASS_OP_EXISTS, M, err, F("a")));
	/* unknown ops */
	assert_false(check(0, R, err, F("a")));
	assert_false(check(7, M, err, F("a")));
	assert_false(check(255, M, err, F("a")));
	assert_non_null(strstr(err, "unknown op"));
}

static void op_services(void **state)
{
	(void)state;
	struct { uint8_t op; const char *const *f; enum pass_service s; } t[] = {
		{PASS_OP_LIST, F(""), R}, {PASS_OP_SHOW, F("a", "0"), R},
		{PASS_OP_EXISTS, F("a"), R}, {PASS_OP_FIND, F("a"), R},
		{PASS_OP_GREP, F("a"), R}, {PASS_OP_GIT, F("log"), R},
		{PASS_OP_GIT, F("init"), M}, {PASS_OP_INSERT, F("a", "b", ""), M},
		{PASS_OP_GENERATE, F("a", "1", "a", ""), M}, {PASS_OP_RM, F("a", ""), M},
		{PASS_OP_MV, F("a", "b", ""), M}, {PASS_OP_CP, F("a", "b", ""), M},
		{PASS_OP_INIT, F(""), M},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct wbuf b;
		build(&b, t[i].op, t[i].f);
		struct pass_msg m = {0};
		assert_int_equal(passproto_parse(b.p, b.len, false, &m), PASS_PERR_OK);
		assert_int_equal(passproto_op_service(&m), t[i].s);
		assert_non_null(passproto_op_name(t[i].op));
		passproto_msg_free(&m);
		wbuf_free(&b);
	}
	assert_null(passproto_op_name(99));
	assert_string_equal(passproto_service_name(R), "ruddo.PassRead");
	assert_string_equal(passproto_service_name(M), "ruddo.PassManage");
}

static void field_counts(void **state)
{
	(void)state;
	char err[200];
	assert_false(check(PASS_OP_SHOW, R, err, F("a")));
	assert_non_null(strstr(err, "fields"));
	assert_false(check(PASS_OP_SHOW, R, err, F("a", "0", "x")));
	assert_false(check(PASS_OP_LIST, R, err, F("a", "b")));
	assert_false(check(PASS_OP_INSERT, M, err, F("a", "s")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "25", "x")));
	assert_false(check(PASS_OP_RM, M, err, F("a")));
	assert_false(check(PASS_OP_MV, M, err, F("a", "b")));
	struct wbuf b;
	wbuf_init(&b, PASS_MAX_MSG);
	assert_int_equal(passproto_put_request_hdr(&b, PASS_OP_FIND, 0), BUF_OK);
	struct pass_msg m = {0};
	assert_int_equal(passproto_parse(b.p, b.len, false, &m), PASS_PERR_OK);
	assert_false(passproto_check_request(&m, R, err, sizeof err));
	passproto_msg_free(&m);
	wbuf_free(&b);
}

static void name_fields_checked(void **state)
{
	(void)state;
	char err[200];
	assert_false(check(PASS_OP_SHOW, R, err, F("../x", "0")));
	assert_non_null(strstr(err, "field 0"));
	assert_false(check(PASS_OP_SHOW, R, err, F("/etc/passwd", "0")));
	assert_true(check(PASS_OP_SHOW, R, err, F("", "0")));
	assert_true(check(PASS_OP_SHOW, R, err, F("dir/", "0")));
	assert_false(check(PASS_OP_INSERT, M, err, F("", "s", "")));
	assert_false(check(PASS_OP_INSERT, M, err, F("dir/", "s", "")));
	assert_false(check(PASS_OP_INSERT, M, err, F("a/../../b", "s", "")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("", "5", "a", "")));
	assert_false(check(PASS_OP_RM, M, err, F("", "r")));
	assert_true(check(PASS_OP_RM, M, err, F("dir/", "r")));
	assert_false(check(PASS_OP_MV, M, err, F("a", "", "")));
	assert_false(check(PASS_OP_MV, M, err, F("a", "../b", "")));
	assert_true(check(PASS_OP_MV, M, err, F("a", "dir/", "")));
	assert_false(check(PASS_OP_CP, M, err, F(".git", "x", "")));
	assert_false(check(PASS_OP_EXISTS, M, err, F("x/\x1b]0;t\a")));
	assert_true(check(PASS_OP_INIT, M, err, F("")));
	assert_false(check(PASS_OP_INIT, M, err, F("../", "K")));
}

static void flags_and_numbers(void **state)
{
	(void)state;
	char err[200];
	assert_true(check(PASS_OP_INSERT, M, err, F("a", "s", "f")));
	assert_false(check(PASS_OP_INSERT, M, err, F("a", "s", "ff")));
	assert_false(check(PASS_OP_INSERT, M, err, F("a", "s", "r")));
	assert_true(check(PASS_OP_GENERATE, M, err, F("a", "25", "[:alnum:]", "")));
	assert_true(check(PASS_OP_GENERATE, M, err, F("a", "1", "a", "f")));
	assert_true(check(PASS_OP_GENERATE, M, err, F("a", "65536", "a", "i")));
	assert_true(check(PASS_OP_GENERATE, M, err, F("a", "7", "a", "x")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "65537", "a", "")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "0", "a", "")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "-1", "a", "")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "1e3", "a", "")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "", "a", "")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "9999999999", "a", "")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "5", "", "")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "5", "a", "fi")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "5", "a", "fx")));
	assert_false(check(PASS_OP_GENERATE, M, err, F("a", "5", "a", "ix")));
	assert_true(check(PASS_OP_RM, M, err, F("a", "rf")));
	assert_false(check(PASS_OP_RM, M, err, F("a", "rr")));
	assert_false(check(PASS_OP_MV, M, err, F("a", "b", "r")));
	assert_true(check(PASS_OP_SHOW, R, err, F("a", "3")));
	assert_false(check(PASS_OP_SHOW, R, err, F("a", "")));
	assert_false(check(PASS_OP_SHOW, R, err, F("a", "x")));
}

static void init_ids(void **state)
{
	(void)state;
	char err[200];
	assert_true(check(PASS_OP_INIT, M, err, F("", "ABCDEF0123456789")));
	assert_true(check(PASS_OP_INIT, M, err, F("sub", "K1", "big group", "user@example.org")));
	assert_true(check(PASS_OP_INIT, M, err, F("sub", ""))); /* de-init */
	assert_false(check(PASS_OP_INIT, M, err, F("sub", "", "K")));
	assert_false(check(PASS_OP_INIT, M, err, F("sub", "K", "")));
	assert_false(check(PASS_OP_INIT, M, err, F("", "-p")));  /* W9 */
	assert_false(check(PASS_OP_INIT, M, err, F("", "--homedir=/tmp")));
	assert_false(check(PASS_OP_INIT, M, err, F("", "K\nx")));
}

static void grep_allow_list(void **state)
{
	(void)state;
	char err[200];
	assert_true(check(PASS_OP_GREP, R, err, F("pattern")));
	assert_true(check(PASS_OP_GREP, R, err, F("-i", "pattern")));
	assert_true(check(PASS_OP_GREP, R, err, F("-i", "-E", "-w", "a|b")));
	assert_true(check(PASS_OP_GREP, R, err, F("-A", "3", "x")));
	assert_true(check(PASS_OP_GREP, R, err, F("-C2", "x")));
	assert_true(check(PASS_OP_GREP, R, err, F("--context=2", "x")));
	assert_true(check(PASS_OP_GREP, R, err, F("--ignore-case", "-v", "")));
	assert_true(check(PASS_OP_GREP, R, err, F("-i", "-pattern-with-dash")));
	assert_false(check(PASS_OP_GREP, R, err, F("-A", "x")));
	assert_false(check(PASS_OP_GREP, R, err, F("-Ax", "y")));
	assert_false(check(PASS_OP_GREP, R, err, F("-f", "/etc/shadow", "x")));
	assert_false(check(PASS_OP_GREP, R, err, F("-r", "x")));
	assert_false(check(PASS_OP_GREP, R, err, F("--include=*", "x")));
	assert_false(check(PASS_OP_GREP, R, err, F("-P", "x")));
	assert_false(check(PASS_OP_GREP, R, err, F("--color=never", "x")));
	assert_false(check(PASS_OP_GREP, R, err, F("-A", "99999", "x")));
	/* "-A" "3" as the last two fields: "3" is the pattern, -A lacks its count */
	assert_false(check(PASS_OP_GREP, R, err, F("-A", "3")));
	struct pass_field pf = {(const uint8_t *)"-i", 2};
	assert_int_equal(passproto_grep_option_ok(&pf, 1), 1);
	assert_int_equal(passproto_grep_option_ok(&pf, 0), 0);
}

static void find_terms(void **state)
{
	(void)state;
	char err[200];
	assert_true(check(PASS_OP_FIND, R, err, F("bank")));
	assert_true(check(PASS_OP_FIND, R, err, F("a", "b c", "ü")));
	assert_false(check(PASS_OP_FIND, R, err, F("")));
	assert_false(check(PASS_OP_FIND, R, err, F("a\nb")));
}

static void git_allow_list(void **state)
{
	(void)state;
	char err[200];
	assert_true(check(PASS_OP_GIT, M, err, F("init")));
	assert_false(check(PASS_OP_GIT, R, err, F("init")));
	assert_false(check(PASS_OP_GIT, M, err, F("init", "--template=/x")));
	assert_true(check(PASS_OP_GIT, R, err, F("log")));
	assert_true(check(PASS_OP_GIT, R, err, F("log", "--oneline", "-n", "5")));
	assert_true(check(PASS_OP_GIT, R, err, F("log", "-3", "--stat")));
	assert_true(check(PASS_OP_GIT, R, err, F("status", "--porcelain")));
	assert_false(check(PASS_OP_GIT, M, err, F("log")));
	assert_false(check(PASS_OP_GIT, R, err, F("log", "-p")));
	assert_false(check(PASS_OP_GIT, R, err, F("log", "--output=/tmp/x")));
	assert_false(check(PASS_OP_GIT, R, err, F("log", "-n")));
	assert_false(check(PASS_OP_GIT, R, err, F("-c", "core.pager=sh", "log")));
	assert_false(check(PASS_OP_GIT, R, err, F("config", "alias.x", "!sh")));
	assert_false(check(PASS_OP_GIT, R, err, F("push")));
	assert_false(check(PASS_OP_GIT, R, err, F("status", "-uall")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_request),
		cmocka_unit_test(roundtrip_reply_binary),
		cmocka_unit_test(empty_fields_and_zero_fields),
		cmocka_unit_test(every_prefix_is_short),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(put_field_limit),
		cmocka_unit_test(names),
		cmocka_unit_test(scopes),
		cmocka_unit_test(request_scopes),
		cmocka_unit_test(scope_enforcement),
		cmocka_unit_test(service_split),
		cmocka_unit_test(op_services),
		cmocka_unit_test(field_counts),
		cmocka_unit_test(name_fields_checked),
		cmocka_unit_test(flags_and_numbers),
		cmocka_unit_test(init_ids),
		cmocka_unit_test(grep_allow_list),
		cmocka_unit_test(find_terms),
		cmocka_unit_test(git_allow_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
