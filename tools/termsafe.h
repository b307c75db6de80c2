/* termsafe: printing untrusted bytes (answers from the server) without
 * letting them drive a terminal. When escaping, every byte outside
 * printable ASCII (0x20..0x7e) is written as \xNN, so control sequences,
 * C1 codes and stray NULs never reach the terminal. */
#ifndef BULKHEAD_TOOLS_TERMSAFE_H
#define BULKHEAD_TOOLS_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Writes s[0..n) to f, escaped when `escape` is true, raw otherwise. */
void ts_write(FILE *f, const char *s, size_t n, bool escape);
/* NUL-terminated variant. */
void ts_puts(FILE *f, const char *s, bool escape);
/* A malloc'd copy of s[0..n), escaped when `escape` is true (NULL when
 * out of memory). */
char *ts_dup(const char *s, size_t n, bool escape);
/* Whether output to f should be escaped: f is a terminal. */
bool ts_is_terminal(FILE *f);

#endif
