/* args: pass's command line as qvm-pass reads it: the vault option
 * (-d NAME, --dest-vm NAME anywhere), the command and its aliases (an
 * unknown first word is a name to show), and each command's options in
 * GNU getopt style (permuted, bundled, "--"). A pure function over argv. */
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

/* Parses argv[1..argc). 0, or -1 with a message (a pass-style usage or
 * error line) in err. */
int qp_parse(int argc, char *const *argv, struct qp_args *a, char *err, size_t errlen);
/* The usage line of a command (for "Usage: PROG ..." messages). */
const char *qp_usage(enum qp_cmd c);

#endif
