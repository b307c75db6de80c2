/* termsafe: escaping untrusted bytes for terminals (see termsafe.h). */
#include "tools/termsafe.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

void ts_write(FILE *f, const char *s, size_t n, bool escape)
{
	if (!escape) {
		fwrite(s, 1, n, f);
		return;
	}
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (plain(c)) {
			run++;
			continue;
		}
		fwrite(s + i - run, 1, run, f);
		run = 0;
		fprintf(f, "\\x%02x", c);
	}
	fwrite(s + n - run, 1, run, f);
}

void ts_puts(FILE *f, const char *s, bool escape)
{
	ts_write(f, s, strlen(s), escape);
}

char *ts_dup(const char *s, size_t n, bool escape)
{
	size_t need = n;
	if (escape)
		for (size_t i = 0; i < n; i++)
			if (!plain((unsigned char)s[i]))
				need += 3;
	char *d = malloc(need + 1);
	if (!d)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!escape || plain(c)) {
			d[o++] = (char)c;
		} else {
			static const char hex[] = "0123456789abcdef";
			d[o++] = '\\';
			d[o++] = 'x';
			d[o++] = hex[c >> 4];
			d[o++] = hex[c & 15];
		}
	}
	d[o] = '\0';
	return d;
}

bool ts_is_terminal(FILE *f)
{
	return isatty(fileno(f)) == 1;
}
