/* render: tree lines and terminal-safe text (see render.h). */
#include "pass/client/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

static bool sgr_at(const uint8_t *p, size_t len, size_t i, size_t *end)
{
	if (i + 2 >= len || p[i] != 0x1b || p[i + 1] != '[')
		return false;
	size_t j = i + 2;
	while (j < len && ((p[j] >= '0' && p[j] <= '9') || p[j] == ';'))
		j++;
	if (j < len && (p[j] == 'm' || p[j] == 'K')) {
		*end = j + 1;
		return true;
	}
	return false;
}

void render_text(const void *buf, size_t len, bool terminal, bool keep_sgr, struct wbuf *out)
{
	const uint8_t *p = buf;
	if (!terminal) {
		wbuf_put_bytes(out, p, len);
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t end;
		if (keep_sgr && sgr_at(p, len, i, &end)) {
			wbuf_put_bytes(out, p + i, end - i);
			i = end;
			continue;
		}
		uint8_t c = p[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			char esc[8];
			snprintf(esc, sizeof esc, "\\x%02x", c);
			wbuf_put_bytes(out, esc, 4);
		} else {
			wbuf_put_bytes(out, &c, 1);
		}
		i++;
	}
}

struct node {
	char kind;
	unsigned depth;
	const uint8_t *name;
	size_t nlen;
	const uint8_t *target;
	size_t tlen;
};

static int parse_node(const struct pass_field *f, struct node *n)
{
	if (f->len < 4)
		return -1;
	n->kind = (char)f->p[0];
	if (n->kind != 'd' && n->kind != 'f' && n->kind != 'l')
		return -1;
	n->depth = (unsigned)f->p[1] | (unsigned)f->p[2] << 8;
	n->name = f->p + 3;
	n->nlen = f->len - 3;
	n->target = NULL;
	n->tlen = 0;
	const uint8_t *nul = memchr(n->name, 0, n->nlen);
	if (nul) {
		if (n->kind != 'l')
			return -1;
		n->target = nul + 1;
		n->tlen = n->nlen - (size_t)(nul + 1 - n->name);
		n->nlen = (size_t)(nul - n->name);
	}
	if (n->nlen == 0 || memchr(n->name, '/', n->nlen))
		return -1;
	return 0;
}

/* name without a trailing ".gpg" (pass's sed) */
static size_t strip_gpg(const uint8_t *p, size_t n)
{
	return n > 4 && !memcmp(p + n - 4, ".gpg", 4) ? n - 4 : n;
}

int render_tree(const struct pass_field *nodes, size_t n, bool utf8, bool terminal,
		struct wbuf *out)
{
	/* last[i]: node i has no later sibling. Backwards: a node is last
	 * when no node at its depth came after it before a shallower one */
	bool *lastv = calloc(n ? n : 1, sizeof *lastv);
	if (!lastv)
		return -1;
	bool seen[MAX_DEPTH + 2] = {false};
	for (size_t k = n; k-- > 0;) {
		if (nodes[k].len < 3) {
			free(lastv);
			return -1;
		}
		unsigned d = (unsigned)nodes[k].p[1] | (unsigned)nodes[k].p[2] << 8;
		if (d > MAX_DEPTH) {
			free(lastv);
			return -1;
		}
		lastv[k] = !seen[d];
		seen[d] = true;
		for (unsigned e = d + 1; e <= MAX_DEPTH; e++)
			seen[e] = false;
	}
	/* more[d]: the ancestor at depth d has siblings after it */
	bool more[MAX_DEPTH + 1] = {false};
	unsigned prev = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct node nd;
		if (parse_node(&nodes[i], &nd) < 0 || nd.depth > MAX_DEPTH ||
		    (i == 0 ? nd.depth != 0 : nd.depth > prev + 1)) {
			rc = -1;
			break;
		}
		prev = nd.depth;
		bool last = lastv[i];
		for (unsigned d = 0; d < nd.depth; d++) {
			const char *s = more[d] ? (utf8 ? "\xe2\x94\x82\xc2\xa0\xc2\xa0 " : "|   ") : "    ";
			wbuf_put_bytes(out, s, strlen(s));
		}
		const char *branch = last ? (utf8 ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 " : "`-- ")
					  : (utf8 ? "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 " : "|-- ");
		wbuf_put_bytes(out, branch, strlen(branch));
		more[nd.depth] = !last;
		const char *color = nd.kind == 'd' ? "\x1b[01;34m" : nd.kind == 'l' ? "\x1b[01;36m"
										  : "\x1b[00m";
		wbuf_put_bytes(out, color, strlen(color));
		size_t shown = nd.kind == 'd' ? nd.nlen : strip_gpg(nd.name, nd.nlen);
		if (nd.kind == 'l' && nd.tlen == 0)
			shown = strip_gpg(nd.name, nd.nlen);
		render_text(nd.name, shown, terminal, false, out);
		wbuf_put_bytes(out, "\x1b[0m", 4);
		if (nd.kind == 'l') {
			wbuf_put_bytes(out, " -> ", 4);
			render_text(nd.target, strip_gpg(nd.target, nd.tlen), terminal, false, out);
		}
		wbuf_put_bytes(out, "\n", 1);
	}
	free(lastv);
	return rc;
}
