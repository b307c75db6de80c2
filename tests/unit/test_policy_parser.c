/* test_policy_parser: unit tests for policy/parser (policy_parse_text and
 * utf8_valid): line endings (\n, \r\n, \r), comments and blank lines,
 * whitespace, the absence of inline comments, field counts, both formats
 * (the 4.1 policy.d format and the service format of !include-service
 * and legacy files, with its $ / , / $include: substitutions),
 * directives, the error callback going on or stopping, UTF-8 and control
 * characters, and line numbers. Messages are upstream's, checked by
 * running upstream's parser, except the ones marked as ours. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/parser.h"

#define MAXN 16

/* What the callbacks saw. */
struct seen {
	struct arena *a;
	char rules[MAXN][256]; /* rule_format text */
	unsigned rline[MAXN];
	bool notify[MAXN], autostart[MAXN];
	const char *rfile[MAXN];
	size_t nrules;
	struct pdirective_args dirs[MAXN];
	unsigned dline[MAXN];
	size_t ndirs;
	char errs[MAXN][256];
	unsigned eline[MAXN];
	size_t nerrs;
	int error_rc;     /* what the error callback returns */
	int rule_rc, dir_rc;
};

static int on_rule(void *ctx, const struct rule *r)
{
	struct seen *s = ctx;
	assert_true(s->nrules < MAXN);
	snprintf(s->rules[s->nrules], sizeof s->rules[0], "%s", rule_format(r, s->a));
	s->rline[s->nrules] = r->line;
	s->rfile[s->nrules] = r->file;
	s->notify[s->nrules] = r->notify;
	s->autostart[s->nrules] = r->autostart;
	s->nrules++;
	return s->rule_rc;
}

static int on_directive(void *ctx, const struct pdirective_args *d, unsigned line)
{
	struct seen *s = ctx;
	assert_true(s->ndirs < MAXN);
	s->dirs[s->ndirs] = *d;
	s->dline[s->ndirs] = line;
	s->ndirs++;
	return s->dir_rc;
}

static int on_error(void *ctx, unsigned line, const char *msg)
{
	struct seen *s = ctx;
	assert_true(s->nerrs < MAXN);
	snprintf(s->errs[s->nerrs], sizeof s->errs[0], "%s", msg);
	s->eline[s->nerrs] = line;
	s->nerrs++;
	return s->error_rc;
}

struct fx {
	struct arena a;
	struct seen s;
	struct pparse_ops ops;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	arena_init(&f->a);
	f->s.a = &f->a;
	f->s.error_rc = -1;
	f->ops = (struct pparse_ops){.ctx = &f->s, .rule = on_rule,
				     .directive = on_directive, .error = on_error};
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	arena_free(&f->a);
	free(f);
	return 0;
}

static int parse(struct fx *f, const char *text)
{
	return policy_parse_text(text, strlen(text), "F", PFMT_POLICY, NULL, NULL, &f->a, &f->ops);
}

static int parse_svc(struct fx *f, const char *text, const char *svc, const char *arg)
{
	return policy_parse_text(text, strlen(text), "S", PFMT_SERVICE, svc, arg, &f->a, &f->ops);
}

/* One error, on `line`, with message `msg`. */
static void one_error(struct fx *f, unsigned line, const char *msg)
{
	assert_int_equal(f->s.nerrs, 1);
	assert_int_equal(f->s.eline[0], line);
	assert_string_equal(f->s.errs[0], msg);
}

/* ---- lines ---- */

static void line_endings(void **state)
{
	struct fx *f = *state;
	/* \n, \r\n and \r each end one line; "\n\r" is two line ends */
	assert_int_equal(parse(f, "* * a b allow\n"
				  "* * c d allow\r\n"
				  "* * e f allow\r"
				  "# x\n\r"
				  "* * g h deny"), 0);
	assert_int_equal(f->s.nrules, 4);
	assert_int_equal(f->s.rline[0], 1);
	assert_int_equal(f->s.rline[1], 2);
	assert_int_equal(f->s.rline[2], 3);
	assert_int_equal(f->s.rline[3], 6);
	assert_string_equal(f->s.rules[3], "*\t*\tg\th\tdeny");
	assert_string_equal(f->s.rfile[0], "F");
}

static void comments_and_blanks(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, "# comment\n"
				  "   # indented comment with trailing blanks   \n"
				  "\n"
				  " \t \v \f \n"
				  "#!include nothing\n"
				  "#* * a b allow\n"
				  "\t* * a b allow\t \n"), 0);
	assert_int_equal(f->s.nrules, 1);
	assert_int_equal(f->s.ndirs, 0);
	assert_int_equal(f->s.rline[0], 7);
	assert_string_equal(f->s.rules[0], "*\t*\ta\tb\tallow");
	/* empty text, only newlines */
	assert_int_equal(parse(f, ""), 0);
	assert_int_equal(parse(f, "\n\n\r\n"), 0);
	assert_int_equal(f->s.nrules, 1);
	assert_int_equal(f->s.nerrs, 0);
}

static void no_inline_comments(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, "* * a b allow # comment\n"), -1);
	one_error(f, 1, "invalid action parameter syntax: '#'");
	assert_int_equal(f->s.nrules, 0);
}

static void whitespace_runs(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, "test.Svc\t\t+arg   @anyvm \v @tag:x\fask  target=y \tuser=u\n"), 0);
	assert_int_equal(f->s.nrules, 1);
	assert_string_equal(f->s.rules[0], "test.Svc\t+arg\t@anyvm\t@tag:x\task target=y user=u");
}

static void field_counts(void **state)
{
	struct fx *f = *state;
	const char *bad[] = {"*", "* *", "* * a", "* * a b"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f->s.nerrs = 0;
		assert_int_equal(parse(f, bad[i]), -1);
		one_error(f, 1, "wrong number of fields");
	}
	/* service format: SOURCE TARGET ACTION at least */
	const char *bads[] = {"a", "a b", "a b ,", "a b ,,,"};
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
		f->s.nerrs = 0;
		assert_int_equal(parse_svc(f, bads[i], "svc", NULL), -1);
		one_error(f, 1, "wrong number of fields");
	}
	assert_int_equal(f->s.nrules, 0);
	/* ours: more than 64 fields is refused before looking at them (upstream
	 * would also refuse such a line: 5 distinct parameters at most) */
	char line[1024] = "* * a b allow";
	for (int i = 0; i < 60; i++)
		strcat(line, " k=v");
	f->s.nerrs = 0;
	assert_int_equal(parse(f, line), -1);
	one_error(f, 1, "too many fields (at most 64)");
}

static void rule_fields(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, "svc +a src tgt allow notify=yes autostart=no\n"
				  "svc * @anyvm @default ask target=x default_target=y user=z\n"
				  "* * @anyvm @anyvm deny notify=no\n"
				  "svc +a s t deny\n"), 0);
	assert_int_equal(f->s.nrules, 4);
	assert_string_equal(f->s.rules[0], "svc\t+a\tsrc\ttgt\tallow");
	assert_true(f->s.notify[0]);
	assert_false(f->s.autostart[0]);
	assert_string_equal(f->s.rules[1], "svc\t*\t@anyvm\t@default\task target=x default_target=y user=z");
	assert_false(f->s.notify[1]);
	assert_true(f->s.autostart[1]);
	assert_false(f->s.notify[2]);
	assert_true(f->s.notify[3]);
}

/* ---- the error callback ---- */

static void errors_stop_by_default(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, "* * a b allow\n* * a b bad1\n* * a b bad2\n* * c d allow\n"), -1);
	one_error(f, 2, "invalid action: bad1");
	assert_int_equal(f->s.nrules, 1);
}

static void errors_go_on(void **state)
{
	struct fx *f = *state;
	f->s.error_rc = 0; /* a linter: report and go on */
	assert_int_equal(parse(f, "* * a b allow\n* * a b bad1\n!bogus\n* * a\n* * c d allow\n"), 0);
	assert_int_equal(f->s.nerrs, 3);
	assert_int_equal(f->s.eline[0], 2);
	assert_string_equal(f->s.errs[0], "invalid action: bad1");
	assert_int_equal(f->s.eline[1], 3);
	assert_string_equal(f->s.errs[1], "invalid directive");
	assert_int_equal(f->s.eline[2], 4);
	assert_string_equal(f->s.errs[2], "wrong number of fields");
	assert_int_equal(f->s.nrules, 2);
	assert_int_equal(f->s.rline[1], 5);
}

static void no_error_callback(void **state)
{
	struct fx *f = *state;
	f->ops.error = NULL;
	assert_int_equal(parse(f, "* * a b bad\n* * c d allow\n"), -1);
	assert_int_equal(f->s.nrules, 0);
	f->ops.error = on_error;
}

static void callbacks_stop(void **state)
{
	struct fx *f = *state;
	f->s.rule_rc = -1;
	assert_int_equal(parse(f, "* * a b allow\n* * c d allow\n"), -1);
	assert_int_equal(f->s.nrules, 1);
	f->s.rule_rc = 0;
	f->s.dir_rc = -1;
	assert_int_equal(parse(f, "!include x\n* * c d allow\n"), -1);
	assert_int_equal(f->s.ndirs, 1);
	assert_int_equal(f->s.nrules, 1);
	/* no rule or directive callback: parsed and dropped */
	f->ops.rule = NULL;
	f->ops.directive = NULL;
	assert_int_equal(parse(f, "!include x\n* * c d allow\n"), 0);
	assert_int_equal(f->s.nerrs, 0);
}

/* ---- directives ---- */

static void directives(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse(f, "!include include/a\n"
				  "!include-dir  sub\n"
				  "!include-service test.Svc +arg include/b\n"
				  "!include-service * * include/c\n"
				  "!compat-4.0\n"
				  "\t!include /abs/path \n"), 0);
	assert_int_equal(f->s.ndirs, 6);
	assert_int_equal(f->s.dirs[0].kind, PDIR_INCLUDE);
	assert_string_equal(f->s.dirs[0].path, "include/a");
	assert_int_equal(f->s.dline[0], 1);
	assert_int_equal(f->s.dirs[1].kind, PDIR_INCLUDE_DIR);
	assert_string_equal(f->s.dirs[1].path, "sub");
	assert_int_equal(f->s.dirs[2].kind, PDIR_INCLUDE_SERVICE);
	assert_string_equal(f->s.dirs[2].service, "test.Svc");
	assert_string_equal(f->s.dirs[2].argument, "+arg");
	assert_string_equal(f->s.dirs[2].path, "include/b");
	assert_int_equal(f->s.dirs[3].kind, PDIR_INCLUDE_SERVICE);
	assert_null(f->s.dirs[3].service);
	assert_null(f->s.dirs[3].argument);
	assert_int_equal(f->s.dirs[4].kind, PDIR_COMPAT40);
	assert_int_equal(f->s.dline[4], 5);
	assert_string_equal(f->s.dirs[5].path, "/abs/path");
	assert_int_equal(f->s.dline[5], 6);
}

static void directive_errors(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *line, *msg;
	} t[] = {
		{"!include", "invalid number of params"},
		{"!include a b", "invalid number of params"},
		{"!include-dir", "invalid number of params"},
		{"!include-dir a b", "invalid number of params"},
		{"!include-service a +b", "invalid number of params"},
		{"!include-service a +b c d", "invalid number of params"},
		{"!compat-4.0 x", "invalid number of params"},
		{"!include-service a/b * c", "service 'a/b' contains invalid characters: ('/',)"},
		{"!include-service a b c", "argument 'b' does not start with +"},
		{"!include-service * +b c", "only * argument allowed for * service"},
		{"!includes x", "invalid directive"},
		{"!", "invalid directive"},
		{"!INCLUDE x", "invalid directive"},
		{"!compat-4.1", "invalid directive"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		f->s.nerrs = 0;
		assert_int_equal(parse(f, t[i].line), -1);
		one_error(f, 1, t[i].msg);
	}
	assert_int_equal(f->s.ndirs, 0);
}

/* ---- the service format ---- */

static void service_format(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse_svc(f, "test-vm2 test-vm3 ask\n"
				      "# a $comment, untouched\n"
				      "$anyvm $dispvm ask,default_target=$dispvm\n"
				      "$tag:x $type:AppVM allow,target=$dispvm:$tag:y\n"
				      "$anyvm $adminvm allow,user=root,notify=yes\n"
				      "$anyvm $dispvm:$tag:t deny\n"
				      "a b allow , user=u ,\n",
				      "test.Svc", "+arg"),
			 -1);
	/* $dispvm:$tag:y is not a redirect */
	one_error(f, 4, "invalid redirect token: '@dispvm:@tag:y'");
	assert_int_equal(f->s.nrules, 2);
	assert_string_equal(f->s.rules[0], "test.Svc\t+arg\ttest-vm2\ttest-vm3\task");
	assert_string_equal(f->s.rules[1], "test.Svc\t+arg\t@anyvm\t@dispvm\task default_target=@dispvm");
	assert_int_equal(f->s.rline[1], 3);
	assert_string_equal(f->s.rfile[1], "S");

	f->s.nrules = 0;
	f->s.nerrs = 0;
	assert_int_equal(parse_svc(f, "$anyvm $adminvm allow,user=root,notify=yes\n"
				      "$anyvm $dispvm:$tag:t deny\n"
				      "a b allow , user=u ,\n",
				      NULL, NULL),
			 0);
	assert_int_equal(f->s.nrules, 3);
	assert_string_equal(f->s.rules[0], "*\t*\t@anyvm\t@adminvm\tallow user=root");
	assert_true(f->s.notify[0]);
	assert_string_equal(f->s.rules[1], "*\t*\t@anyvm\t@dispvm:@tag:t\tdeny");
	assert_string_equal(f->s.rules[2], "*\t*\ta\tb\tallow user=u");
}

static void service_format_directives(void **state)
{
	struct fx *f = *state;
	assert_int_equal(parse_svc(f, "$include:/etc/qubes-rpc/policy/include/x\n"
				      "!include include/y\n"
				      "  $include: spaced\n",
				      "test.Svc", NULL),
			 0);
	assert_int_equal(f->s.ndirs, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(f->s.dirs[i].kind, PDIR_INCLUDE_SERVICE);
		assert_string_equal(f->s.dirs[i].service, "test.Svc");
		assert_null(f->s.dirs[i].argument);
	}
	assert_string_equal(f->s.dirs[0].path, "/etc/qubes-rpc/policy/include/x");
	assert_string_equal(f->s.dirs[1].path, "include/y");
	assert_string_equal(f->s.dirs[2].path, "spaced");
	/* only !include exists in this format */
	const char *bad[] = {"!include-service a +b c", "!compat-4.0", "!include-dir d", "!x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		f->s.nerrs = 0;
		assert_int_equal(parse_svc(f, bad[i], "s", NULL), -1);
		one_error(f, 1, "invalid directive");
	}
	const char *badn[] = {"!include", "!include a b", "$include:a b", "$include:"};
	for (size_t i = 0; i < sizeof badn / sizeof badn[0]; i++) {
		f->s.nerrs = 0;
		assert_int_equal(parse_svc(f, badn[i], "s", NULL), -1);
		one_error(f, 1, "invalid number of params");
	}
	/* a comma in a 4.1 line is not a separator */
	f->s.nerrs = 0;
	assert_int_equal(parse(f, "* * @anyvm @anyvm allow,target=x\n"), -1);
	one_error(f, 1, "invalid action: allow,target=x");
	/* and $ is not @ there: $anyvm is a plain name */
	assert_int_equal(parse(f, "* * $anyvm $anyvm allow\n"), 0);
	assert_string_equal(f->s.rules[f->s.nrules - 1], "*\t*\t$anyvm\t$anyvm\tallow");
}

/* ---- characters ---- */

static void utf8_and_controls(void **state)
{
	struct fx *f = *state;
	/* UTF-8 in comments is fine */
	assert_int_equal(parse(f, "# żółw ✓ \xf0\x9f\x90\xa2\n* * a b allow\n"), 0);
	assert_int_equal(f->s.nrules, 1);
	/* ours: non-ASCII in a rule or directive is an error (upstream takes
	 * it as a qube name that can never match) */
	assert_int_equal(parse(f, "* * tést b allow\n"), -1);
	one_error(f, 1, "non-ASCII character in a rule or directive");
	f->s.nerrs = 0;
	assert_int_equal(parse(f, "!include ż\n"), -1);
	one_error(f, 1, "non-ASCII character in a rule or directive");
	/* invalid UTF-8 anywhere, comments included */
	f->s.nerrs = 0;
	assert_int_equal(parse(f, "* * a b allow\n# \xff\n"), -1);
	one_error(f, 2, "invalid UTF-8");
	/* ours: control characters (NUL included) */
	f->s.nerrs = 0;
	static const char nul[] = "* * a\0b c allow\n";
	assert_int_equal(policy_parse_text(nul, sizeof nul - 1, "F", PFMT_POLICY, NULL, NULL,
					   &f->a, &f->ops), -1);
	one_error(f, 1, "control character 0x00 in a rule or directive");
	f->s.nerrs = 0;
	assert_int_equal(parse(f, "* * a\x1f b allow\n"), -1);
	one_error(f, 1, "control character 0x1f in a rule or directive");
	f->s.nerrs = 0;
	assert_int_equal(parse(f, "* * a b\x7f allow\n"), -1);
	one_error(f, 1, "control character 0x7f in a rule or directive");
	/* a comment may hold them */
	f->s.nerrs = 0;
	assert_int_equal(parse(f, "# \x01\x7f\n"), 0);
	assert_int_equal(f->s.nerrs, 0);
}

static void too_large(void **state)
{
	struct fx *f = *state;
	size_t n = (size_t)POLICY_FILE_MAX + 1;
	char *big = calloc(1, n);
	assert_non_null(big);
	assert_int_equal(policy_parse_text(big, n, "F", PFMT_POLICY, NULL, NULL, &f->a, &f->ops), -1);
	char msg[64];
	snprintf(msg, sizeof msg, "file is larger than %u bytes", POLICY_FILE_MAX);
	one_error(f, 1, msg);
	free(big);
}

static void line_numbers(void **state)
{
	struct fx *f = *state;
	f->s.error_rc = 0;
	assert_int_equal(parse(f, "# 1\r\n\r\n* * a b bad\r\n# 4\r# 5\r* * c d bad\n\n\n* * e f allow"), 0);
	assert_int_equal(f->s.nerrs, 2);
	assert_int_equal(f->s.eline[0], 3);
	assert_int_equal(f->s.eline[1], 6);
	assert_int_equal(f->s.nrules, 1);
	assert_int_equal(f->s.rline[0], 9);
}

static void utf8_validator(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
	} t[] = {
		{"", true},
		{"ascii", true},
		{"\xc2\x80", true},         /* U+0080 */
		{"\xdf\xbf", true},         /* U+07FF */
		{"\xe0\xa0\x80", true},     /* U+0800 */
		{"\xed\x9f\xbf", true},     /* U+D7FF */
		{"\xee\x80\x80", true},     /* U+E000 */
		{"\xef\xbf\xbf", true},     /* U+FFFF */
		{"\xf0\x90\x80\x80", true}, /* U+10000 */
		{"\xf4\x8f\xbf\xbf", true}, /* U+10FFFF */
		{"\x80", false},            /* lone continuation */
		{"\xc0\x80", false},        /* overlong NUL */
		{"\xc1\xbf", false},        /* overlong */
		{"\xe0\x9f\xbf", false},    /* overlong 3-byte */
		{"\xf0\x8f\xbf\xbf", false},/* overlong 4-byte */
		{"\xed\xa0\x80", false},    /* surrogate U+D800 */
		{"\xed\xbf\xbf", false},    /* surrogate U+DFFF */
		{"\xf4\x90\x80\x80", false},/* above U+10FFFF */
		{"\xf5\x80\x80\x80", false},
		{"\xff", false},
		{"\xc3", false},            /* truncated */
		{"\xe2\x82", false},
		{"\xf0\x9f\x90", false},
		{"\xc3\x28", false},        /* bad continuation */
		{"a\xe2\x82\xac", true},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (utf8_valid((const unsigned char *)t[i].s, strlen(t[i].s)) != t[i].ok)
			fail_msg("case %zu", i);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(line_endings),
		T(comments_and_blanks),
		T(no_inline_comments),
		T(whitespace_runs),
		T(field_counts),
		T(rule_fields),
		T(errors_stop_by_default),
		T(errors_go_on),
		T(no_error_callback),
		T(callbacks_stop),
		T(directives),
		T(directive_errors),
		T(service_format),
		T(service_format_directives),
		T(utf8_and_controls),
		T(too_large),
		T(line_numbers),
		cmocka_unit_test(utf8_validator),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
