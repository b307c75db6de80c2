/* render: what qvm-pass prints, as pass prints it: the tree of a folder
 * (tree -N -C -l --noreport with pass's ".gpg" stripping) from the
 * vault's tree nodes, and bytes from the vault made safe for a terminal.
 * Pure functions over explicit-length buffers: the nodes are untrusted. */
#ifndef BULKHEAD_PASS_RENDER_H
#define BULKHEAD_PASS_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "pass/passproto.h"

/* Appends the lines of the tree nodes (no header line). utf8: box
 * drawing characters (else tree's ASCII); terminal: names with control
 * bytes escaped. -1 on a malformed node (nothing more is rendered). */
int render_tree(const struct pass_field *nodes, size_t n, bool utf8, bool terminal,
		struct wbuf *out);
/* Appends bytes; with terminal, control bytes other than \n and \t become
 * visible (\xNN), and with keep_sgr colour sequences (ESC [ digits ; m)
 * stay. */
void render_text(const void *p, size_t len, bool terminal, bool keep_sgr, struct wbuf *out);

#endif
