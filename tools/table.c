/* table: `column -t`-style aligned output (see table.h). */
#include "tools/table.h"

#include <stdlib.h>
#include <string.h>

void table_init(struct table *t)
{
	memset(t, 0, sizeof *t);
}

void table_add(struct table *t, const char *const *cells, size_t n)
{
	char ***g = realloc(t->rows, (t->nrows + 1) * sizeof *g);
	size_t *gn = realloc(t->ncells, (t->nrows + 1) * sizeof *gn);
	if (g)
		t->rows = g;
	if (gn)
		t->ncells = gn;
	char **row = calloc(n ? n : 1, sizeof *row);
	if (!g || !gn || !row) {
		free(row);
		t->oom = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		row[i] = strdup(cells[i] ? cells[i] : "");
		if (!row[i])
			t->oom = 1;
	}
	t->rows[t->nrows] = row;
	t->ncells[t->nrows] = n;
	t->nrows++;
}

/* Display width as `column` counts it: control bytes and UTF-8
 * continuation bytes take no room. */
static size_t dwidth(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != 0x7f && (c & 0xc0) != 0x80)
			w++;
	}
	return w;
}

struct span {
	const char *p;
	size_t n;
};

int table_print(const struct table *t, FILE *f)
{
	if (t->oom)
		return -1;
	/* what `column -t -s US` reads: cells joined by US, rows by newlines;
	 * it splits at every newline and US (also inside cells) and skips
	 * empty lines */
	size_t len = 0;
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncells[r]; c++)
			len += strlen(t->rows[r][c]) + 1;
	char *text = malloc(len + t->nrows + 1);
	if (!text)
		return -1;
	size_t o = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncells[r]; c++) {
			if (c)
				text[o++] = 0x1f;
			size_t l = strlen(t->rows[r][c]);
			memcpy(text + o, t->rows[r][c], l);
			o += l;
		}
		text[o++] = '\n';
	}
	size_t nlines = 0, maxcells = 1, cells = 1;
	for (size_t i = 0; i < o; i++) {
		if (text[i] == 0x1f)
			cells++;
		if (text[i] == '\n') {
			nlines++;
			if (cells > maxcells)
				maxcells = cells;
			cells = 1;
		}
	}
	struct span *sp = calloc(nlines * maxcells + 1, sizeof *sp);
	size_t *ncell = calloc(nlines + 1, sizeof *ncell);
	size_t *w = calloc(maxcells, sizeof *w);
	if (!sp || !ncell || !w) {
		free(text);
		free(sp);
		free(ncell);
		free(w);
		return -1;
	}
	size_t line = 0, start = 0;
	for (size_t i = 0; i < o; i++) {
		if (text[i] != 0x1f && text[i] != '\n')
			continue;
		struct span *row = &sp[line * maxcells];
		row[ncell[line]++] = (struct span){text + start, i - start};
		start = i + 1;
		if (text[i] == '\n') {
			if (ncell[line] == 1 && row[0].n == 0)
				ncell[line] = 0; /* an empty line */
			else
				line++;
		}
	}
	nlines = line;
	size_t ncol = 0;
	for (size_t l = 0; l < nlines; l++) {
		if (ncell[l] > ncol)
			ncol = ncell[l];
		for (size_t c = 0; c < ncell[l]; c++) {
			size_t dw = dwidth(sp[l * maxcells + c].p, sp[l * maxcells + c].n);
			if (dw > w[c])
				w[c] = dw;
		}
	}
	for (size_t l = 0; l < nlines; l++) {
		for (size_t c = 0; c < ncol; c++) {
			struct span cell = c < ncell[l] ? sp[l * maxcells + c] : (struct span){"", 0};
			fwrite(cell.p, 1, cell.n, f);
			if (c + 1 < ncol)
				fprintf(f, "%*s", (int)(w[c] - dwidth(cell.p, cell.n) + 2), "");
		}
		fputc('\n', f);
	}
	free(text);
	free(sp);
	free(ncell);
	free(w);
	return 0;
}

void table_free(struct table *t)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncells[r]; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	free(t->rows);
	free(t->ncells);
	memset(t, 0, sizeof *t);
}
