/* cli: command-line parsing for the qvm-* tools, with the argparse
 * behaviour upstream's tools have: long options (--name VALUE,
 * --name=VALUE, unambiguous prefixes), short ones (-o VALUE, -oVALUE,
 * clusters like -vv), options anywhere among positionals, `--`, options
 * taking one or more values (nargs='+'), and a rest-is-positional mode
 * after N positionals (argparse.REMAINDER, for qvm-run). Usage errors
 * print "usage: ..." and "PROG: error: ..." and exit 2; --help prints the
 * help and exits 0. */
#ifndef BULKHEAD_TOOLS_CLI_H
#define BULKHEAD_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>

enum cli_kind {
	CLI_FLAG,    /* bool *dest = true */
	CLI_UNFLAG,  /* bool *dest = false */
	CLI_COUNT,   /* int *dest += 1 */
	CLI_VALUE,   /* const char **dest = the value */
	CLI_CONST,   /* const char **dest = konst */
	CLI_APPEND,  /* struct cli_list *dest gets one value per use */
	CLI_NARGS,   /* struct cli_list *dest gets one or more values */
};

struct cli_list {
	const char **v;  /* pointers into argv (or konst); malloc'd array */
	size_t n;
};

struct cli_opt {
	const char *names;   /* comma-separated: "--format,-o" */
	enum cli_kind kind;
	void *dest;
	const char *metavar; /* for options taking values */
	const char *help;    /* NULL: accepted but not listed */
	const char *konst;   /* CLI_CONST */
};

struct cli_spec {
	const char *prog;
	const char *usage;        /* what follows "usage: PROG " */
	const char *description;
	const struct cli_opt *opts;
	size_t nopts;
	const char *epilog;       /* printed after the options (e.g. what is unsupported) */
	size_t rest_after;        /* after this many positionals the rest are
				   * positional whatever they look like (0: never) */
};

/* Parses argv. Positionals go to *pos (malloc'd array of pointers into
 * argv), their count to *npos. Exits on --help (0) and usage errors (2). */
void cli_parse(const struct cli_spec *s, int argc, char **argv, const char ***pos,
	       size_t *npos);
/* Prints usage and "PROG: error: TEXT", exits 2. */
void cli_usage_error(const struct cli_spec *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void cli_list_free(struct cli_list *l);
/* The program's name: the last component of argv[0]. */
const char *cli_prog(const char *argv0);

#endif
