/* qvm-pass: pass's command line for a password store kept in a vault
 * qube. Sets up (no core dumps, memory locked, locale, terminals, tree's
 * colours), reads the command line (args.c), picks the vault
 * (vaultname.c) and runs the command: one cmd_* per command (cmd_read.c,
 * cmd_write.c, edit.c, usage.c), each made of split-pass calls (call.c,
 * transport.c). Installed also as /usr/libexec/qubes-pass/pass; called by
 * that name it says "pass" in its messages. */
#include "pass/client/client.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pass/client/memlock.h"
#include "pass/client/vaultname.h"

typedef int (*cmd_fn)(const struct qp_ctx *, const struct qp_args *);

static const cmd_fn COMMANDS[] = {
	[QP_SHOW] = cmd_show, [QP_FIND] = cmd_find, [QP_GREP] = cmd_grep,
	[QP_INSERT] = cmd_insert, [QP_EDIT] = cmd_edit, [QP_GENERATE] = cmd_generate,
	[QP_RM] = cmd_rm, [QP_MV] = cmd_mv, [QP_CP] = cmd_cp, [QP_INIT] = cmd_init,
	[QP_GIT] = cmd_git, [QP_HELP] = cmd_help, [QP_VERSION] = cmd_version,
	[QP_GETGEN] = cmd_getgen,
};

int main(int argc, char **argv)
{
	const char *b = argc > 0 ? strrchr(argv[0], '/') : NULL;
	const char *base = b ? b + 1 : argc > 0 ? argv[0] : "qvm-pass";
	/* through the shim (or any other name) it is pass */
	struct qp_ctx c = {.prog = strcmp(base, "qvm-pass") ? "pass" : "qvm-pass"};
	memlock_start(c.prog);
	out_init();
	setlocale(LC_CTYPE, "");
	setlocale(LC_COLLATE, ""); /* tree sorts with strcoll */
	c.out_tty = isatty(1);
	c.err_tty = isatty(2);
	c.in_tty = isatty(0);
	const char *cs = getenv("TREE_CHARSET");
	c.utf8 = render_charset_utf8(cs ? cs : nl_langinfo(CODESET));
	bool term_utf8 = render_charset_utf8(nl_langinfo(CODESET));
	c.out_text = c.out_tty ? RT_TERMINAL | (term_utf8 ? RT_UTF8 : 0) : 0;
	c.err_text = c.err_tty ? RT_TERMINAL | (term_utf8 ? RT_UTF8 : 0) : 0;

	struct qp_args a;
	char err[1024];
	if (qp_parse(argc, argv, c.prog, &a, err, sizeof err) < 0) {
		errmsg(&c, err, strlen(err));
		return 1;
	}
	if (a.cmd == QP_HELP || a.cmd == QP_VERSION) {
		int rc = COMMANDS[a.cmd](&c, &a);
		return out_finish() ? 1 : rc;
	}
	char vault[VAULTNAME_MAX];
	if (vaultname_pick(a.vault, getenv("QUBES_PASS_DOMAIN"), vaultname_files, 2, vault, err,
			   sizeof err) < 0) {
		errmsg(&c, err, strlen(err));
		return 1;
	}
	c.vault = vault;
	if (tree_colors_init(&c.colors, getenv("TERM"), getenv("TREE_COLORS"),
			     getenv("LS_COLORS")) < 0) {
		errmsg(&c, "Error: out of memory", 20);
		return 1;
	}
	int rc = COMMANDS[a.cmd](&c, &a);
	tree_colors_free(&c.colors);
	if (out_finish() != 0)
		rc = rc ? rc : 1;
	return rc;
}
