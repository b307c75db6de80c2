/* wrap: textwrap.fill-compatible paragraph filling (see wrap.h). */
#include "tools/wrap.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
	const char *p;
	size_t n;
};

static bool letter(char c)
{
	return (isascii((unsigned char)c) && isalpha((unsigned char)c)) || c == '_';
}

static bool is_space_chunk(const struct chunk *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->p[i] != ' ')
			return false;
	return true;
}

/* Whether a non-space word may break right after s[i] == '-'. */
static bool hyphen_break(const char *s, size_t len, size_t i)
{
	bool before = (i >= 2 && letter(s[i - 1]) && letter(s[i - 2])) ||
		      (i >= 3 && letter(s[i - 1]) && s[i - 2] == '-' && letter(s[i - 3]));
	bool after = i + 2 < len && letter(s[i + 1]) &&
		     (letter(s[i + 2]) || (i + 3 < len && s[i + 2] == '-' && letter(s[i + 3])));
	return before && after;
}

/* Splits text into chunks: runs of spaces, and words (split after
 * breakable hyphens). Returns the count; *out is malloc'd. */
static size_t chunks_of(const char *s, size_t len, struct chunk **out)
{
	struct chunk *c = calloc(len + 1, sizeof *c);
	size_t n = 0;
	if (!c) {
		*out = NULL;
		return 0;
	}
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		if (s[i] == ' ') {
			while (i < len && s[i] == ' ')
				i++;
		} else {
			size_t wend = i;
			while (wend < len && s[wend] != ' ')
				wend++;
			i++;
			while (i < wend) {
				if (s[i - 1] == '-' && hyphen_break(s + start, wend - start, i - 1 - start))
					break;
				i++;
			}
		}
		c[n++] = (struct chunk){s + start, i - start};
	}
	*out = c;
	return n;
}

void wrap_fill(FILE *f, const char *text, int width, const char *initial_indent,
	       const char *subsequent_indent)
{
	size_t len = strlen(text);
	char *s = malloc(len + 1);
	struct chunk *ch = NULL, *line = NULL;
	size_t n = 0;
	if (s) {
		for (size_t i = 0; i <= len; i++)
			s[i] = i < len && (unsigned char)text[i] < 0x20 ? ' ' : text[i];
		n = chunks_of(s, len, &ch);
		line = calloc(n + 1, sizeof *line);
	}
	if (!s || !ch || !line) {
		fprintf(f, "%s%s\n", initial_indent, text);
		free(s);
		free(ch);
		free(line);
		return;
	}
	size_t k = 0, nlines = 0;
	while (k < n) {
		const char *indent = nlines ? subsequent_indent : initial_indent;
		long w = width - (long)strlen(indent);
		if (nlines && is_space_chunk(&ch[k]))
			k++;
		size_t used = 0;
		long cur = 0;
		while (k < n && cur + (long)ch[k].n <= w) {
			line[used++] = ch[k];
			cur += (long)ch[k].n;
			k++;
		}
		if (k < n && (long)ch[k].n > w) {
			/* a word longer than a whole line: split it */
			long space_left = w < 1 ? 1 : w - cur;
			struct chunk *c = &ch[k];
			size_t end = (size_t)space_left;
			if ((long)c->n > space_left) {
				long h = -1;
				for (long j = space_left - 1; j > 0; j--)
					if (c->p[j] == '-') {
						h = j;
						break;
					}
				bool other = false;
				for (long j = 0; j < h; j++)
					other |= c->p[j] != '-';
				if (h > 0 && other)
					end = (size_t)h + 1;
			}
			if (end > c->n)
				end = c->n;
			line[used++] = (struct chunk){c->p, end};
			c->p += end;
			c->n -= end;
			if (c->n == 0)
				k++;
		}
		if (used && is_space_chunk(&line[used - 1]))
			used--;
		if (used) {
			fputs(indent, f);
			for (size_t j = 0; j < used; j++)
				fwrite(line[j].p, 1, line[j].n, f);
			fputc('\n', f);
			nlines++;
		}
	}
	if (!nlines)
		fputc('\n', f);
	free(line);
	free(ch);
	free(s);
}
