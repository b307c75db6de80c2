/* log: one-line diagnostics to stderr, prefixed with the program name.
 * The program name and verbosity are set once at startup (process-wide
 * configuration, never changed afterwards). Untrusted text is never passed
 * as a format string; callers sanitize what they print. */
#include "lib/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *log_prog = "bulkhead";
static int log_quiet;
static int log_debug = -1;

void log_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');
	log_prog = slash ? slash + 1 : progname;
}

void log_set_quiet(int quiet)
{
	log_quiet = quiet;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *names[] = {"error", "warning", "info", "debug"};
	int saved = errno;
	if (log_debug < 0)
		log_debug = getenv("BULKHEAD_DEBUG") != NULL;
	if (lvl == LOG_LVL_DEBUG && !log_debug)
		return;
	if (log_quiet && lvl > LOG_LVL_ERROR)
		return;
	char line[2048];
	int n = snprintf(line, sizeof line, "%s[%d]: %s: ", log_prog,
			 (int)getpid(), names[lvl]);
	if (n < 0)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
	errno = saved;
}
