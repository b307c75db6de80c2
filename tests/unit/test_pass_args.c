/* test_pass_args: unit tests for qvm-pass's command line (pass/client/args):
 * commands and aliases, the implicit show, -d anywhere, GNU-style options
 * (bundles, optional line numbers, long prefixes, "--"), and pass's usage
 * errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pass/client/args.h"

static int P(struct qp_args *a, char *err, const char *const *argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return qp_parse(argc, (char *const *)argv, "qvm-pass", a, err, 256);
}

#define A(...) ((const char *const[]){"qvm-pass", __VA_ARGS__, NULL})
#define A0 ((const char *const[]){"qvm-pass", NULL})

static void commands_and_aliases(void **state)
{
	(void)state;
	struct qp_args a;
	char err[256];
	assert_int_equal(P(&a, err, A0), 0);
	assert_int_equal(a.cmd, QP_SHOW);
	assert_int_equal(a.npos, 0);
	struct { const char *w; enum qp_cmd c; } t[] = {
		{"ls", QP_SHOW}, {"list", QP_SHOW}, {"show", QP_SHOW}, {"find", QP_FIND},
		{"search", QP_FIND}, {"add", QP_INSERT}, {"remove", QP_RM}, {"delete", QP_RM},
		{"rename", QP_MV}, {"copy", QP_CP}, {"help", QP_HELP}, {"--help", QP_HELP},
		{"version", QP_VERSION}, {"--version", QP_VERSION},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const char *argv[] = {"qvm-pass", t[i].w, "x", "y", NULL};
		(void)P(&a, err, argv); /* some take one name only: usage */
		assert_int_equal(a.cmd, t[i].c);
	}
	/* an unknown first word is a name */
	assert_int_equal(P(&a, err, A("work/github")), 0);
	assert_int_equal(a.cmd, QP_SHOW);
	assert_null(a.cmd_word);
	assert_string_equal(a.pos[0], "work/github");
	assert_int_equal(P(&a, err, A("otp", "x")), 0);
	assert_string_equal(a.pos[0], "otp");
}

static void vault_option_anywhere(void **state)
{
	(void)state;
	struct qp_args a;
	char err[256];
	assert_int_equal(P(&a, err, A("-d", "vault", "show", "x")), 0);
	assert_string_equal(a.vault, "vault");
	assert_string_equal(a.pos[0], "x");
	assert_int_equal(P(&a, err, A("show", "x", "--dest-vm", "v2")), 0);
	assert_string_equal(a.vault, "v2");
	assert_int_equal(a.npos, 1);
	assert_int_equal(P(&a, err, A("--dest-vm=v3", "ls")), 0);
	assert_string_equal(a.vault, "v3");
	assert_int_equal(P(&a, err, A("ls", "-d")), -1);
	/* after "--" it is a name */
	assert_int_equal(P(&a, err, A("insert", "--", "-d")), 0);
	assert_null(a.vault);
	assert_string_equal(a.pos[0], "-d");
}

static void show_options(void **state)
{
	(void)state;
	struct qp_args a;
	char err[256];
	assert_int_equal(P(&a, err, A("show", "-c", "x")), 0);
	assert_int_equal(a.clip, 1);
	assert_int_equal(P(&a, err, A("show", "-c2", "x")), 0);
	assert_int_equal(a.clip, 2);
	assert_int_equal(P(&a, err, A("show", "--clip=3", "x")), 0);
	assert_int_equal(a.clip, 3);
	assert_int_equal(P(&a, err, A("show", "x", "--qrcode")), 0);
	assert_int_equal(a.qrcode, 1);
	assert_int_equal(P(&a, err, A("show", "--qr=4", "x")), 0); /* a unique prefix */
	assert_int_equal(a.qrcode, 4);
	assert_int_equal(P(&a, err, A("show", "-c0", "x")), 0);
	assert_int_equal(a.clip, 1);
	/* -c -q together, a bad line, an unknown option */
	assert_int_equal(P(&a, err, A("show", "-c", "-q", "x")), -1);
	assert_string_equal(err, "Usage: qvm-pass show [--clip[=line-number],-c[line-number]] "
				 "[--qrcode[=line-number],-q[line-number]] [pass-name]");
	assert_int_equal(P(&a, err, A("ls", "-c", "-q", "x")), -1); /* the word as typed */
	assert_non_null(strstr(err, "Usage: qvm-pass ls [--clip"));
	assert_int_equal(P(&a, err, A("-c", "-q", "x")), -1); /* implicit show */
	assert_non_null(strstr(err, "Usage: qvm-pass show [--clip"));
	assert_int_equal(P(&a, err, A("show", "-cx", "x")), -1);
	assert_string_equal(err, "Clip location 'x' is not a number.");
	assert_int_equal(P(&a, err, A("show", "-z", "x")), -1);
	assert_non_null(strstr(err, "qvm-pass: invalid option -- 'z'\nUsage: qvm-pass show"));
	assert_int_equal(P(&a, err, A("show", "--bogus", "x")), -1);
	assert_non_null(strstr(err, "unrecognized option '--bogus'"));
	/* "-c 2": 2 is the name (optional values are attached only) */
	assert_int_equal(P(&a, err, A("show", "-c", "2")), 0);
	assert_int_equal(a.clip, 1);
	assert_string_equal(a.pos[0], "2");
	/* options after the name (getopt permutes) and a bare name with -c */
	assert_int_equal(P(&a, err, A("x", "-c3")), 0);
	assert_int_equal(a.cmd, QP_SHOW);
	assert_int_equal(a.clip, 3);
	assert_string_equal(a.pos[0], "x");
	assert_int_equal(P(&a, err, A("show", "--clip=99999999999", "x")), 0);
	assert_int_equal(a.clip, 4294967295u);
	/* "--" makes the rest names */
	assert_int_equal(P(&a, err, A("show", "--", "-c")), 0);
	assert_int_equal(a.clip, 0);
	assert_string_equal(a.pos[0], "-c");
}

static void insert_generate_rm(void **state)
{
	(void)state;
	struct qp_args a;
	char err[256];
	assert_int_equal(P(&a, err, A("insert", "-ef", "x")), 0);
	assert_true(a.echo && a.force);
	assert_int_equal(P(&a, err, A("insert", "-e", "-m", "x")), -1);
	assert_int_equal(P(&a, err, A("insert", "--multi", "x")), 0);
	assert_true(a.multiline);
	assert_int_equal(P(&a, err, A("insert")), -1);
	assert_int_equal(P(&a, err, A("insert", "a", "b")), -1);
	assert_int_equal(P(&a, err, A("generate", "-nf", "x", "30")), 0);
	assert_true(a.no_symbols && a.force);
	assert_string_equal(a.pos[1], "30");
	assert_int_equal(P(&a, err, A("generate", "-i", "-f", "x")), -1);
	assert_int_equal(P(&a, err, A("generate", "-c2", "x")), -1); /* no line for generate */
	assert_non_null(strstr(err, "invalid option -- '2'"));
	assert_int_equal(P(&a, err, A("generate", "--clip=2", "x")), -1);
	assert_non_null(strstr(err, "option '--clip' doesn't allow an argument"));
	assert_int_equal(P(&a, err, A("generate", "-c", "-q", "x")), -1);
	assert_int_equal(P(&a, err, A("generate", "-cn", "x")), 0);
	assert_true(a.clip == 1 && a.no_symbols);
	assert_int_equal(P(&a, err, A("generate", "a", "b", "c")), -1);
	assert_int_equal(P(&a, err, A("--", "-c")), 0); /* "--" first: a show */
	assert_int_equal(a.cmd, QP_SHOW);
	assert_int_equal(a.npos, 1);
	assert_int_equal(P(&a, err, A("generate", "--in-place", "x")), 0);
	assert_true(a.in_place);
	assert_int_equal(P(&a, err, A("rm", "-rf", "dir")), 0);
	assert_true(a.recursive && a.force);
	assert_int_equal(P(&a, err, A("rm", "-e", "x")), -1);
	assert_int_equal(P(&a, err, A("mv", "-f", "a", "b")), 0);
	assert_int_equal(P(&a, err, A("cp", "a")), -1);
	assert_int_equal(P(&a, err, A("get-or-generate", "-n", "x", "12")), 0);
	assert_int_equal(a.cmd, QP_GETGEN);
	assert_int_equal(P(&a, err, A("get-or-generate", "-f", "x")), -1);
}

static void prog_name_in_messages(void **state)
{
	(void)state;
	struct qp_args a;
	char err[256];
	const char *argv[] = {"pass", "rm", "a", "b", NULL};
	assert_int_equal(qp_parse(4, (char *const *)argv, "pass", &a, err, sizeof err), -1);
	assert_string_equal(err, "Usage: pass rm [--recursive,-r] [--force,-f] pass-name");
	const char *argv2[] = {"pass", "delete", NULL};
	assert_int_equal(qp_parse(2, (char *const *)argv2, "pass", &a, err, sizeof err), -1);
	assert_string_equal(err, "Usage: pass delete [--recursive,-r] [--force,-f] pass-name");
	/* a tiny buffer is never overrun */
	char small[8];
	assert_int_equal(qp_parse(2, (char *const *)argv2, "pass", &a, small, sizeof small), -1);
	assert_int_equal(strlen(small), 7);
}

static void init_grep_git(void **state)
{
	(void)state;
	struct qp_args a;
	char err[256];
	assert_int_equal(P(&a, err, A("init", "-p", "sub", "K1", "K2")), 0);
	assert_string_equal(a.path, "sub");
	assert_int_equal(a.npos, 2);
	assert_int_equal(P(&a, err, A("init", "--path=sub2", "K")), 0);
	assert_string_equal(a.path, "sub2");
	assert_int_equal(P(&a, err, A("init", "-psub3")), 0);
	assert_string_equal(a.path, "sub3");
	assert_int_equal(a.npos, 0);
	assert_int_equal(P(&a, err, A("init", "-p")), -1);
	/* grep and git take everything as it is */
	assert_int_equal(P(&a, err, A("grep", "-i", "-A", "2", "x")), 0);
	assert_int_equal(a.npos, 4);
	assert_string_equal(a.pos[0], "-i");
	assert_int_equal(P(&a, err, A("git", "log", "--oneline")), 0);
	assert_int_equal(a.npos, 2);
	assert_int_equal(P(&a, err, A("find")), -1);
	assert_string_equal(err, "Usage: qvm-pass find pass-names...");
	/* find and edit take words as they are (as pass: no getopt) */
	assert_int_equal(P(&a, err, A("find", "-x", "y")), 0);
	assert_int_equal(a.npos, 2);
	assert_string_equal(a.pos[0], "-x");
	assert_int_equal(P(&a, err, A("edit", "-x")), 0);
	assert_string_equal(a.pos[0], "-x");
	assert_int_equal(P(&a, err, A("edit", "a", "b")), -1);
	assert_int_equal(P(&a, err, A("grep")), -1);
	assert_int_equal(P(&a, err, A("init", "--path")), -1);
	assert_non_null(strstr(err, "option '--path' requires an argument"));
	assert_int_equal(P(&a, err, A("init", "--path", "s", "K")), 0);
	assert_string_equal(a.path, "s");
	assert_int_equal(P(&a, err, A("init")), 0); /* no id: the vault makes a key */
	/* help and version ignore the rest */
	assert_int_equal(P(&a, err, A("help", "-z")), 0);
	assert_int_equal(a.cmd, QP_HELP);
	for (int c = QP_SHOW; c <= QP_GETGEN; c++) {
		assert_non_null(qp_usage(c));
		assert_true(qp_word(c)[0] != '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commands_and_aliases),
		cmocka_unit_test(vault_option_anywhere),
		cmocka_unit_test(show_options),
		cmocka_unit_test(insert_generate_rm),
		cmocka_unit_test(init_grep_git),
		cmocka_unit_test(prog_name_in_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
