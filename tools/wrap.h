/* wrap: filling one paragraph to a width the way upstream's tools do it
 * (Python's textwrap.fill defaults: whitespace kept inside lines, dropped
 * at line ends and at the start of continuation lines, hyphenated words
 * may break after a hyphen, over-long words are split). */
#ifndef BULKHEAD_TOOLS_WRAP_H
#define BULKHEAD_TOOLS_WRAP_H

#include <stdio.h>

/* Writes text filled to `width` columns, then a newline. Control
 * characters in text are turned into spaces first (as textwrap does for
 * whitespace); the caller escapes anything else. */
void wrap_fill(FILE *f, const char *text, int width, const char *initial_indent,
	       const char *subsequent_indent);

#endif
