/* args: qvm-pass's command line, read as pass 1.7.4 reads its own: the
 * vault option (-d NAME, --dest-vm NAME or --dest-vm=NAME, anywhere before
 * a "--"), the command word and its aliases (an unknown first word is a
 * name to show, as pass does when no extension matches), and each
 * command's options as GNU getopt takes them (permuted, bundled, unique
 * long prefixes, optional values only attached: -c2, --clip=2; "--"
 * ends options). find, grep, git and edit take their arguments as they
 * are, as pass does. A pure function over argv. */
#ifndef BULKHEAD_PASS_ARGS_H
#define BULKHEAD_PASS_ARGS_H

#include <stdbool.h>
#include <stddef.h>

enum qp_cmd {
	QP_SHOW, QP_FIND, QP_GREP, QP_INSERT, QP_EDIT, QP_GENERATE, QP_RM, QP_MV, QP_CP,
	QP_INIT, QP_GIT, QP_HELP, QP_VERSION, QP_GETGEN,
};

#define QP_MAX_POS 64

struct qp_args {
	enum qp_cmd cmd;
	const char *cmd_word;     /* as typed ("ls", "rm", ...); NULL: implicit show */
	const char *vault;        /* -d/--dest-vm, or NULL */
	unsigned clip, qrcode;    /* line (1-based), 0 = not asked */
	bool echo, multiline, force, recursive, no_symbols, in_place;
	const char *path;         /* init -p/--path */
	const char *pos[QP_MAX_POS];
	size_t npos;
};

/* Parses argv[1..argc). prog names the program in messages ("qvm-pass"
 * or "pass"). 0, or -1 with the message pass would print (getopt's
 * complaint and/or "Usage: PROG WORD ...", or an "Error: ..." line) in
 * err. */
int qp_parse(int argc, char *const *argv, const char *prog, struct qp_args *a, char *err,
	     size_t errlen);
/* The options and operands of a command, as its usage line shows them. */
const char *qp_usage(enum qp_cmd c);
/* The canonical word of a command ("show", "rm", ...). */
const char *qp_word(enum qp_cmd c);

#endif
