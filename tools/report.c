/* report: escaped one-line messages on stderr (see report.h). */
#include "tools/report.h"
#include "tools/termsafe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void emit(const char *prefix, const char *infix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void emit(const char *prefix, const char *infix, const char *fmt, va_list ap)
{
	char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	if (prefix) {
		ts_puts(stderr, prefix, true);
		fputs(": ", stderr);
	}
	if (infix)
		fputs(infix, stderr);
	ts_puts(stderr, text ? text : "(out of memory)", true);
	fputc('\n', stderr);
	fflush(stderr);
	free(text);
}

void report_error(const char *prog, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(prog, "error: ", fmt, ap);
	va_end(ap);
}

void report_line(const char *prefix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(prefix, NULL, fmt, ap);
	va_end(ap);
}

void report_call_error(const char *prog, const char *what, const struct admin_result *r)
{
	if (what)
		report_error(prog, "%s: %s", what, admin_result_text(r));
	else
		report_error(prog, "%s", admin_result_text(r));
}

int report_stdout_status(const char *prog)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (errno != EPIPE)
		report_error(prog, "writing to stdout failed: %s",
			     errno ? strerror(errno) : "I/O error");
	return 1;
}
