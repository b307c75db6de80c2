/* pyrepr: Python-style repr() of strings (see pyrepr.h). */
#include "policy/pyrepr.h"

#include <stdio.h>
#include <string.h>

const char *pyrepr(const char *s, char *out, size_t n)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	size_t o = 0;
	out[o++] = q;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 6 < n; p++) {
		if (*p == '\\' || *p == q) {
			out[o++] = '\\';
			out[o++] = (char)*p;
		} else if (*p == '\t' || *p == '\n' || *p == '\r') {
			out[o++] = '\\';
			out[o++] = *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r';
		} else if (*p < 0x20 || *p == 0x7f) {
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", *p);
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o++] = q;
	out[o] = '\0';
	return out;
}
