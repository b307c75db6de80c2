/* render: tree lines as pass prints them, and terminal-safe text (see
 * render.h). */
#include "pass/client/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 64

/* ---- terminal-safe text ---- */

/* An SGR sequence (ESC [ params m) or grep's bare ESC [ K at p[i]. */
static bool sgr_at(const uint8_t *p, size_t len, size_t i, size_t *end)
{
	if (i + 2 >= len || p[i] != 0x1b || p[i + 1] != '[')
		return false;
	if (p[i + 2] == 'K') {
		*end = i + 3;
		return true;
	}
	size_t j = i + 2;
	while (j < len && j - i < 40 && ((p[j] >= '0' && p[j] <= '9') || p[j] == ';'))
		j++;
	if (j < len && p[j] == 'm') {
		*end = j + 1;
		return true;
	}
	return false;
}

/* Length of a valid UTF-8 sequence at p[i] that is not a C1 control, or 0. */
static size_t utf8_ok(const uint8_t *p, size_t len, size_t i)
{
	uint8_t c = p[i];
	size_t n;
	uint8_t lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c == 0xe0) {
		n = 3;
		lo = 0xa0;
	} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
		n = 3;
	else if (c == 0xed) {
		n = 3;
		hi = 0x9f;
	} else if (c == 0xf0) {
		n = 4;
		lo = 0x90;
	} else if (c >= 0xf1 && c <= 0xf3)
		n = 4;
	else if (c == 0xf4) {
		n = 4;
		hi = 0x8f;
	} else
		return 0;
	if (len - i < n || p[i + 1] < lo || p[i + 1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (p[i + k] < 0x80 || p[i + k] > 0xbf)
			return 0;
	if (c == 0xc2 && p[i + 1] <= 0x9f)
		return 0; /* U+0080-U+009F: C1 controls */
	return n;
}

static int put_esc(struct wbuf *out, uint8_t c)
{
	static const char hex[] = "0123456789abcdef";
	char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
	return wbuf_put_bytes(out, e, 4);
}

int render_text(const void *buf, size_t len, unsigned flags, struct wbuf *out)
{
	const uint8_t *p = buf;
	if (len == 0)
		return RENDER_OK;
	if (!(flags & RT_TERMINAL))
		return wbuf_put_bytes(out, p, len) == BUF_OK ? RENDER_OK : RENDER_NOMEM;
	size_t run = 0; /* bytes before i that are copied as they are */
	int rc = BUF_OK;
	for (size_t i = 0; i < len && rc == BUF_OK;) {
		uint8_t c = p[i];
		size_t keep = 0, end;
		if (c >= 0x20 && c < 0x7f)
			keep = 1;
		else if ((c == '\n' || c == '\t') && (flags & RT_KEEP_NL))
			keep = 1;
		else if (c == 0x1b && (flags & RT_KEEP_SGR) && sgr_at(p, len, i, &end))
			keep = end - i;
		else if (c >= 0x80 && (flags & RT_UTF8))
			keep = utf8_ok(p, len, i);
		else if (c >= 0xa0 && !(flags & RT_UTF8))
			keep = 1;
		if (keep) {
			run += keep;
			i += keep;
			continue;
		}
		rc = wbuf_put_bytes(out, p + i - run, run);
		run = 0;
		if (rc == BUF_OK)
			rc = put_esc(out, c);
		i++;
	}
	if (rc == BUF_OK)
		rc = wbuf_put_bytes(out, p + len - run, run);
	return rc == BUF_OK ? RENDER_OK : RENDER_NOMEM;
}

/* ---- tree's colours ---- */

static const char DEFAULT_COLORS[] =
	":no=00:rs=0:fi=00:di=01;34:ln=01;36:pi=40;33:so=01;35:bd=40;33;01:cd=40;33;01:"
	"or=40;31;01:ex=01;32:*.bat=01;32:*.BAT=01;32:*.btm=01;32:*.BTM=01;32:*.cmd=01;32:"
	"*.CMD=01;32:*.com=01;32:*.COM=01;32:*.dll=01;32:*.DLL=01;32:*.exe=01;32:"
	"*.EXE=01;32:*.arj=01;31:*.bz2=01;31:*.deb=01;31:*.gz=01;31:*.lzh=01;31:"
	"*.rpm=01;31:*.tar=01;31:*.taz=01;31:*.tb2=01;31:*.tbz2=01;31:*.tbz=01;31:"
	"*.tgz=01;31:*.tz2=01;31:*.z=01;31:*.Z=01;31:*.zip=01;31:*.ZIP=01;31:*.zoo=01;31:"
	"*.asf=01;35:*.ASF=01;35:*.avi=01;35:*.AVI=01;35:*.bmp=01;35:*.BMP=01;35:"
	"*.flac=01;35:*.FLAC=01;35:*.gif=01;35:*.GIF=01;35:*.jpg=01;35:*.JPG=01;35:"
	"*.jpeg=01;35:*.JPEG=01;35:*.m2a=01;35:*.M2a=01;35:*.m2v=01;35:*.M2V=01;35:"
	"*.mov=01;35:*.MOV=01;35:*.mp3=01;35:*.MP3=01;35:*.mpeg=01;35:*.MPEG=01;35:"
	"*.mpg=01;35:*.MPG=01;35:*.ogg=01;35:*.OGG=01;35:*.ppm=01;35:*.rm=01;35:"
	"*.RM=01;35:*.tga=01;35:*.TGA=01;35:*.tif=01;35:*.TIF=01;35:*.wav=01;35:"
	"*.WAV=01;35:*.wmv=01;35:*.WMV=01;35:*.xbm=01;35:*.xpm=01;35:";

/* The next non-empty piece of *s up to a byte in delim (strtok's rule:
 * runs of delimiters are one), NUL-terminated in place. */
static char *next_tok(char **s, const char *delim)
{
	char *p = *s + strspn(*s, delim);
	if (!*p) {
		*s = p;
		return NULL;
	}
	char *e = p + strcspn(p, delim);
	if (*e)
		*e++ = '\0';
	*s = e;
	return p;
}

int tree_colors_init(struct tree_colors *tc, const char *term, const char *tree_colors,
		     const char *ls_colors)
{
	memset(tc, 0, sizeof *tc);
	if (!term)
		return 0; /* tree: no TERM, no colour even with -C */
	const char *s = tree_colors ? tree_colors : ls_colors;
	if (!s || !*s)
		s = DEFAULT_COLORS;
	tc->store = strdup(s);
	size_t cap = 0;
	for (const char *q = s; *q; q++)
		cap += *q == ':';
	tc->ext = calloc(cap + 1, sizeof *tc->ext);
	if (!tc->store || !tc->ext) {
		tree_colors_free(tc);
		return -1;
	}
	tc->on = true;
	char *rest = tc->store, *item;
	static const char *const slots[TC_N] = {"no", "fi", "di", "ln", "or", "mi"};
	const char *rs = NULL;
	while ((item = next_tok(&rest, ":"))) {
		char *ir = item;
		char *key = next_tok(&ir, "=");
		char *val = key ? next_tok(&ir, "=") : NULL;
		if (!key || !val)
			continue;
		if (key[0] == '*') {
			/* newest first: tree prepends to its list */
			memmove(tc->ext + 1, tc->ext, tc->next * sizeof *tc->ext);
			tc->ext[0].ext = key + 1;
			tc->ext[0].code = val;
			tc->next++;
			continue;
		}
		if (!strcmp(key, "lc"))
			tc->lc = val;
		else if (!strcmp(key, "rc"))
			tc->rc = val;
		else if (!strcmp(key, "ec"))
			tc->ec = val;
		else if (!strcmp(key, "rs"))
			rs = val;
		else if (!strcmp(key, "ln") && !strcasecmp(val, "target")) {
			tc->ln_target = true;
			tc->code[TC_LN] = "01;36";
		} else
			for (int k = 0; k < TC_N; k++)
				if (!strcmp(key, slots[k]))
					tc->code[k] = val;
	}
	if (!tc->lc)
		tc->lc = "\x1b[";
	if (!tc->rc)
		tc->rc = "m";
	if (!rs)
		rs = "0";
	if (!tc->ec) {
		size_t n = strlen(tc->lc) + strlen(rs) + strlen(tc->rc) + 1;
		tc->ec_store = malloc(n);
		if (!tc->ec_store) {
			tree_colors_free(tc);
			return -1;
		}
		snprintf(tc->ec_store, n, "%s%s%s", tc->lc, rs, tc->rc);
		tc->ec = tc->ec_store;
	}
	return 0;
}

void tree_colors_free(struct tree_colors *tc)
{
	free(tc->store);
	free(tc->ext);
	free(tc->ec_store);
	memset(tc, 0, sizeof *tc);
}

bool render_charset_utf8(const char *cs)
{
	return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

/* ---- the tree ---- */

struct tnode {
	char kind;
	unsigned depth;
	const uint8_t *name, *target;
	size_t nlen, tlen;
	char *key;        /* name, NUL-terminated, for strcoll */
	size_t kid0, nkid; /* its children: kids[kid0 .. kid0+nkid) */
};

static int parse_node(const struct pass_field *f, struct tnode *n)
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
		if (memchr(n->target, 0, n->tlen))
			return -1;
	}
	if (n->nlen == 0 || memchr(n->name, '/', n->nlen))
		return -1;
	return 0;
}

static int cmp_key(const void *a, const void *b, void *arg)
{
	const struct tnode *t = arg;
	return strcoll(t[*(const size_t *)a].key, t[*(const size_t *)b].key);
}

/* a stable merge sort with a context (qsort_r is not C17) */
static void sort_kids(size_t *v, size_t n, size_t *tmp, const struct tnode *t)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_kids(v, h, tmp, t);
	sort_kids(v + h, n - h, tmp, t);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp_key(&v[j], &v[i], (void *)t) < 0 ? v[j++] : v[i++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof *v);
}

struct emit {
	const struct tree_opts *o;
	const struct tnode *t;
	const size_t *kids;
	bool more[MAX_DEPTH + 1];
	struct wbuf *out;
	int rc;
};

static void put(struct emit *e, const void *p, size_t n)
{
	if (e->rc == BUF_OK)
		e->rc = wbuf_put_bytes(e->out, p, n);
}

static void puts_(struct emit *e, const char *s)
{
	put(e, s, strlen(s));
}

/* tree's colour of a name: a folder, or a regular file (by extension) */
static const char *color_of(const struct tree_colors *c, bool dir, const uint8_t *name,
			    size_t nlen)
{
	if (dir)
		return c->code[TC_DI];
	for (size_t i = 0; i < c->next; i++) {
		size_t xl = strlen(c->ext[i].ext);
		const uint8_t *tail = nlen > xl ? name + nlen - xl : name;
		size_t tl = nlen > xl ? xl : nlen;
		if (tl == xl && !memcmp(tail, c->ext[i].ext, xl))
			return c->ext[i].code;
	}
	return c->code[TC_FI];
}

static void colored(struct emit *e, const char *code, const uint8_t *s, size_t n)
{
	const struct tree_colors *c = e->o->colors;
	bool on = c && c->on && code;
	if (on) {
		puts_(e, c->lc);
		puts_(e, code);
		puts_(e, c->rc);
	}
	if (e->rc == BUF_OK && render_text(s, n, e->o->text, e->out) != RENDER_OK)
		e->rc = BUF_ENOMEM;
	if (on)
		puts_(e, c->ec);
}

static void emit_node(struct emit *e, size_t x, bool last)
{
	const struct tnode *nd = &e->t[x];
	bool u = e->o->utf8;
	for (unsigned d = 0; d < nd->depth; d++)
		puts_(e, e->more[d] ? (u ? "\xe2\x94\x82\xc2\xa0\xc2\xa0 " : "|   ") : "    ");
	puts_(e, last ? (u ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 " : "`-- ")
		      : (u ? "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 " : "|-- "));
	const struct tree_colors *c = e->o->colors;
	const char *code = NULL;
	/* a link's target kind: a folder when the vault followed it (it has
	 * children) or its target has no ".gpg"; else a file */
	bool tdir = nd->nkid > 0 ||
		    !(nd->tlen >= 4 && !memcmp(nd->target + nd->tlen - 4, ".gpg", 4));
	if (c && c->on) {
		if (nd->kind == 'd')
			code = c->code[TC_DI];
		else if (nd->kind == 'f')
			code = color_of(c, false, nd->name, nd->nlen);
		else
			code = c->ln_target ? color_of(c, tdir, nd->name, nd->nlen)
					    : c->code[TC_LN];
	}
	colored(e, code, nd->name, nd->nlen);
	if (nd->kind == 'l') {
		puts_(e, " -> ");
		colored(e, c && c->on ? color_of(c, tdir, nd->target, nd->tlen) : NULL,
			nd->target, nd->tlen);
	}
	puts_(e, "\n");
	if (nd->depth < MAX_DEPTH)
		e->more[nd->depth] = !last;
	for (size_t k = 0; k < nd->nkid && e->rc == BUF_OK; k++)
		emit_node(e, e->kids[nd->kid0 + k], k + 1 == nd->nkid);
}

int render_tree(const struct pass_field *nodes, size_t n, const struct tree_opts *o,
		struct wbuf *out)
{
	if (n == 0)
		return RENDER_OK;
	struct tnode *t = calloc(n, sizeof *t);
	size_t *kids = calloc(n, sizeof *kids), *tmp = calloc(n, sizeof *tmp);
	size_t *parent = calloc(n, sizeof *parent); /* index + 1; 0 = top level */
	size_t *fill = calloc(n + 1, sizeof *fill);
	int rc = RENDER_OK;
	size_t nroot = 0;
	size_t last_at[MAX_DEPTH + 1];
	if (!t || !kids || !tmp || !parent || !fill) {
		rc = RENDER_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (parse_node(&nodes[i], &t[i]) < 0 || t[i].depth > MAX_DEPTH ||
		    (i == 0 ? t[i].depth != 0 : t[i].depth > t[i - 1].depth + 1)) {
			rc = RENDER_MALFORMED;
			goto out;
		}
		unsigned d = t[i].depth;
		last_at[d] = i;
		if (d > 0) {
			size_t p = last_at[d - 1];
			if (t[p].kind == 'f') { /* a file has no children */
				rc = RENDER_MALFORMED;
				goto out;
			}
			parent[i] = p + 1;
			t[p].nkid++;
		} else {
			nroot++;
		}
		t[i].key = malloc(t[i].nlen + 1);
		if (!t[i].key) {
			rc = RENDER_NOMEM;
			goto out;
		}
		memcpy(t[i].key, t[i].name, t[i].nlen);
		t[i].key[t[i].nlen] = '\0';
	}
	/* children lists: the top level first, then each node's, in order */
	size_t off = nroot;
	for (size_t i = 0; i < n; i++) {
		t[i].kid0 = off;
		off += t[i].nkid;
	}
	size_t rootfill = 0;
	for (size_t i = 0; i < n; i++) {
		if (parent[i] == 0)
			kids[rootfill++] = i;
		else {
			struct tnode *p = &t[parent[i] - 1];
			kids[p->kid0 + fill[parent[i] - 1]++] = i;
		}
	}
	sort_kids(kids, nroot, tmp, t);
	for (size_t i = 0; i < n; i++)
		sort_kids(kids + t[i].kid0, t[i].nkid, tmp, t);
	struct wbuf raw;
	wbuf_init(&raw, out->limit);
	struct emit e = {.o = o, .t = t, .kids = kids, .out = &raw, .rc = BUF_OK};
	for (size_t k = 0; k < nroot && e.rc == BUF_OK; k++)
		emit_node(&e, kids[k], k + 1 == nroot);
	if (e.rc != BUF_OK || render_pass_sed(raw.p, raw.len, out) != RENDER_OK)
		rc = RENDER_NOMEM;
	wbuf_free(&raw);
out:
	if (t)
		for (size_t i = 0; i < n; i++)
			free(t[i].key);
	free(t);
	free(kids);
	free(tmp);
	free(parent);
	free(fill);
	return rc;
}

/* ---- pass's sed ---- */

static bool at(const uint8_t *p, size_t len, size_t i, const char *s)
{
	size_t n = strlen(s);
	return len - i >= n && !memcmp(p + i, s, n);
}

static int sed_line(const uint8_t *p, size_t len, struct wbuf *out)
{
	size_t run = 0;
	for (size_t i = 0; i < len;) {
		if (!at(p, len, i, ".gpg")) {
			i++;
			run++;
			continue;
		}
		size_t j = i + 4, g = j; /* g: end of the optional colour */
		if (j + 2 < len && p[j] == 0x1b && p[j + 1] == '[' && p[j + 2] >= '0' &&
		    p[j + 2] <= '9') {
			size_t k = j + 2;
			while (k < len && p[k] >= '0' && p[k] <= '9')
				k++;
			if (k < len && p[k] == 'm')
				g = k + 1;
		}
		size_t end = 0;
		if (g > j && (g == len || at(p, len, g, " ->")))
			end = g == len ? len : g + 3;
		else if (j == len || at(p, len, j, " ->"))
			end = j == len ? len : j + 3;
		if (!end) {
			i++;
			run++;
			continue;
		}
		if (wbuf_put_bytes(out, p + i - run, run) != BUF_OK ||
		    wbuf_put_bytes(out, p + j, end - j) != BUF_OK)
			return RENDER_NOMEM;
		run = 0;
		i = end;
	}
	return wbuf_put_bytes(out, p + len - run, run) == BUF_OK ? RENDER_OK : RENDER_NOMEM;
}

int render_pass_sed(const uint8_t *p, size_t len, struct wbuf *out)
{
	size_t s = 0;
	while (s < len) {
		const uint8_t *nl = memchr(p + s, '\n', len - s);
		size_t e = nl ? (size_t)(nl - p) : len;
		if (sed_line(p + s, e - s, out) != RENDER_OK)
			return RENDER_NOMEM;
		if (nl && wbuf_put_bytes(out, "\n", 1) != BUF_OK)
			return RENDER_NOMEM;
		s = e + (nl ? 1 : 0);
	}
	return RENDER_OK;
}
