/* report: the tools' messages to the user on stderr, in upstream's
 * shapes: "PROG: error: TEXT" (argparse-style), "Error: TEXT" (upstream's
 * print_error) and "NAME: TEXT" (upstream's log lines). The text is
 * formatted first and then written with every control byte escaped, since
 * parts of it (exception messages, names) come from the server. */
#ifndef BULKHEAD_TOOLS_REPORT_H
#define BULKHEAD_TOOLS_REPORT_H

#include "tools/adminclient.h"

/* "PROG: error: TEXT\n" */
void report_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "PREFIX: TEXT\n" (PREFIX NULL: just TEXT) */
void report_line(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "PROG: error: WHAT: <the call's failure>\n" (WHAT may be NULL). */
void report_call_error(const char *prog, const char *what, const struct admin_result *r);

/* At the end of a tool: 0 when everything written to stdout got out,
 * else 1 after saying so (silently for a closed pipe). */
int report_stdout_status(const char *prog);

#endif
