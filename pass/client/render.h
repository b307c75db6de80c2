/* render: what qvm-pass prints, as pass prints it. The tree of a folder
 * from the vault's tree nodes exactly as `tree -N -C -l --noreport` lays
 * it out (siblings sorted with strcoll, tree's line drawing for the
 * locale, tree's colours from TERM, TREE_COLORS and LS_COLORS), then
 * pass's sed that strips ".gpg"; and text from the vault made safe for a
 * terminal. Pure functions over explicit-length buffers: the nodes are
 * untrusted. */
#ifndef BULKHEAD_PASS_RENDER_H
#define BULKHEAD_PASS_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "pass/passproto.h"

enum render_rc {
	RENDER_OK = 0,
	RENDER_MALFORMED = -1, /* the nodes do not form a tree; nothing usable */
	RENDER_NOMEM = -2,     /* out of memory (or over the buffer's limit) */
};

enum render_text_flags {
	RT_TERMINAL = 1, /* escape (as \xNN) what a terminal would act on */
	RT_KEEP_NL = 2,  /* with RT_TERMINAL: \n and \t stay */
	RT_KEEP_SGR = 4, /* with RT_TERMINAL: SGR colour sequences (ESC [ 0-9; m)
			  * and the bare erase-line ESC [ K that grep emits stay */
	RT_UTF8 = 8,     /* with RT_TERMINAL: the terminal decodes UTF-8, so valid
			  * sequences stay but C1 controls (U+0080-U+009F); without
			  * it every byte 0x80-0x9f is escaped */
};

/* Appends p[0..len) under flags (without RT_TERMINAL: the exact bytes). */
int render_text(const void *p, size_t len, unsigned flags, struct wbuf *out);

enum tree_color_slot { TC_NO, TC_FI, TC_DI, TC_LN, TC_OR, TC_MI, TC_N };

/* tree's colours: off without TERM; else TREE_COLORS, else LS_COLORS,
 * else (unset or empty) tree's built-in table, since pass runs tree -C. */
struct tree_colors {
	bool on;
	bool ln_target; /* ln=target: a link in its target's colour */
	const char *lc, *rc, *ec;
	const char *code[TC_N];
	struct {
		const char *ext, *code;
	} *ext; /* latest first, as tree looks them up */
	size_t next;
	char *store;
	char *ec_store;
};

/* term, tree_colors, ls_colors: the environment's values or NULL. */
int tree_colors_init(struct tree_colors *tc, const char *term, const char *tree_colors,
		     const char *ls_colors);
void tree_colors_free(struct tree_colors *tc);

struct tree_opts {
	bool utf8;                        /* tree's UTF-8 line drawing */
	unsigned text;                    /* render_text flags for names (0 on a pipe) */
	const struct tree_colors *colors; /* NULL: no colours */
};

/* Appends the lines of the tree nodes (no header line), with pass's
 * ".gpg" stripping applied. Returns enum render_rc. */
int render_tree(const struct pass_field *nodes, size_t n, const struct tree_opts *o,
		struct wbuf *out);

/* pass's sed -E 's/\.gpg(\x1B\[[0-9]+m)?( ->|$)/\1\2/g' over every line
 * of p[0..len), appended to out. */
int render_pass_sed(const uint8_t *p, size_t len, struct wbuf *out);

/* Whether a charset name (nl_langinfo(CODESET), TREE_CHARSET) means UTF-8. */
bool render_charset_utf8(const char *codeset);

#endif
