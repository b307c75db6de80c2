/* table: aligned text tables as upstream's tools print them through
 * `column -t -s US`: every column but the last padded to its widest cell,
 * two spaces between columns, the last column never padded, short rows
 * filled with empty cells, nothing at all for no rows; like column, a
 * newline inside a cell starts a new row, empty lines are dropped, and
 * control bytes take no width. Cells are copied; escape them (termsafe)
 * before adding when the output is a terminal. */
#ifndef BULKHEAD_TOOLS_TABLE_H
#define BULKHEAD_TOOLS_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table {
	char ***rows;    /* rows[r][c] */
	size_t *ncells;  /* cells in each row */
	size_t nrows;
	int oom;         /* an allocation failed somewhere */
};

void table_init(struct table *t);
/* Adds a row of n cells (NULL cells are empty). */
void table_add(struct table *t, const char *const *cells, size_t n);
/* Writes the table; returns -1 if an allocation had failed. */
int table_print(const struct table *t, FILE *f);
void table_free(struct table *t);

#endif
