/* test_pass_render: unit tests for qvm-pass's rendering (pass/client/
 * render): tree lines exactly as pass prints them (tree -N -C -l with
 * pass's ".gpg" sed; UTF-8 and ASCII drawing; siblings sorted whatever
 * order the vault sends; tree's colours from TERM, TREE_COLORS and
 * LS_COLORS; links), malformed nodes refused, pass's sed on its own, and
 * terminal-safe text (control bytes, C1, invalid UTF-8, SGR kept only
 * where asked). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "pass/client/render.h"

struct nodes {
	uint8_t buf[16][64];
	struct pass_field f[16];
	size_t n;
};

static void node(struct nodes *ns, char kind, unsigned depth, const char *name)
{
	uint8_t *b = ns->buf[ns->n];
	b[0] = (uint8_t)kind;
	b[1] = (uint8_t)depth;
	b[2] = (uint8_t)(depth >> 8);
	size_t l = strlen(name);
	memcpy(b + 3, name, l);
	ns->f[ns->n] = (struct pass_field){b, 3 + l};
	ns->n++;
}

static void link_node(struct nodes *ns, unsigned depth, const char *name, const char *target)
{
	uint8_t *b = ns->buf[ns->n];
	b[0] = 'l';
	b[1] = (uint8_t)depth;
	b[2] = 0;
	size_t l = strlen(name), t = strlen(target);
	memcpy(b + 3, name, l);
	b[3 + l] = 0;
	memcpy(b + 4 + l, target, t);
	ns->f[ns->n] = (struct pass_field){b, 4 + l + t};
	ns->n++;
}

static struct tree_colors default_colors;

static char *render(struct nodes *ns, bool utf8, bool term, int *rc)
{
	static char out[4096];
	struct wbuf b;
	wbuf_init(&b, sizeof out - 1);
	struct tree_opts o = {.utf8 = utf8, .text = term ? RT_TERMINAL | RT_UTF8 : 0,
			      .colors = &default_colors};
	*rc = render_tree(ns->f, ns->n, &o, &b);
	memcpy(out, b.p ? (char *)b.p : "", b.len);
	out[b.len] = '\0';
	wbuf_free(&b);
	return out;
}

static int setup(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C");
	return tree_colors_init(&default_colors, "xterm", NULL, NULL);
}

static int teardown(void **state)
{
	(void)state;
	tree_colors_free(&default_colors);
	return 0;
}

static void tree_ascii_and_utf8(void **state)
{
	(void)state;
	struct nodes ns = {.n = 0};
	node(&ns, 'f', 0, "gen.gpg");
	node(&ns, 'd', 0, "home");
	node(&ns, 'f', 1, "a b.gpg");
	node(&ns, 'd', 1, "sub");
	node(&ns, 'f', 2, "x.gpg");
	node(&ns, 'f', 0, "z.gpg");
	int rc;
	const char *ascii = render(&ns, false, false, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(ascii,
		"|-- \x1b[00mgen\x1b[0m\n"
		"|-- \x1b[01;34mhome\x1b[0m\n"
		"|   |-- \x1b[00ma b\x1b[0m\n"
		"|   `-- \x1b[01;34msub\x1b[0m\n"
		"|       `-- \x1b[00mx\x1b[0m\n"
		"`-- \x1b[00mz\x1b[0m\n");
	const char *utf8 = render(&ns, true, false, &rc);
	assert_non_null(strstr(utf8, "\xe2\x94\x82\xc2\xa0\xc2\xa0 \xe2\x94\x94\xe2\x94\x80"
				     "\xe2\x94\x80 \x1b[01;34msub"));
}

static void siblings_sorted_as_tree(void **state)
{
	(void)state;
	/* the vault's order does not matter: strcoll (here the C locale) */
	struct nodes ns = {.n = 0};
	node(&ns, 'f', 0, "b.gpg");
	node(&ns, 'd', 0, "a");
	node(&ns, 'f', 1, "z.gpg");
	node(&ns, 'f', 1, "Y.gpg");
	node(&ns, 'f', 0, "B.gpg");
	node(&ns, 'f', 0, "_u.gpg");
	int rc;
	const char *s = render(&ns, false, false, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s,
		"|-- \x1b[00mB\x1b[0m\n"
		"|-- \x1b[00m_u\x1b[0m\n"
		"|-- \x1b[01;34ma\x1b[0m\n"
		"|   |-- \x1b[00mY\x1b[0m\n"
		"|   `-- \x1b[00mz\x1b[0m\n"
		"`-- \x1b[00mb\x1b[0m\n");
}

static void colours(void **state)
{
	(void)state;
	struct nodes ns = {.n = 0};
	node(&ns, 'd', 0, "d");
	node(&ns, 'f', 1, "x.gpg");
	int rc;
	struct wbuf b;
	/* no TERM: tree prints no colour at all, even with -C */
	struct tree_colors none;
	assert_int_equal(tree_colors_init(&none, NULL, NULL, "di=01;31"), 0);
	struct tree_opts o = {.utf8 = false, .colors = &none};
	wbuf_init(&b, 4096);
	assert_int_equal(render_tree(ns.f, ns.n, &o, &b), 0);
	assert_int_equal(b.len, strlen("`-- d\n    `-- x\n"));
	assert_memory_equal(b.p, "`-- d\n    `-- x\n", b.len);
	wbuf_free(&b);
	tree_colors_free(&none);
	/* LS_COLORS: only what it sets; *.gpg by extension (later wins);
	 * TREE_COLORS over LS_COLORS */
	struct tree_colors ls;
	assert_int_equal(tree_colors_init(&ls, "xterm", NULL, "di=01;31:*.gpg=33:*.gpg=35:zz"), 0);
	o.colors = &ls;
	wbuf_init(&b, 4096);
	assert_int_equal(render_tree(ns.f, ns.n, &o, &b), 0);
	const char *want = "`-- \x1b[01;31md\x1b[0m\n    `-- \x1b[35mx\x1b[0m\n";
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	wbuf_free(&b);
	tree_colors_free(&ls);
	struct tree_colors tc;
	assert_int_equal(tree_colors_init(&tc, "xterm", "di=32:ec=<E>:lc=<:rc=>", "di=01;31"), 0);
	o.colors = &tc;
	wbuf_init(&b, 4096);
	assert_int_equal(render_tree(ns.f, ns.n, &o, &b), 0);
	want = "`-- <32>d<E>\n    `-- x\n"; /* no fi: files plain */
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	wbuf_free(&b);
	tree_colors_free(&tc);
	/* an empty LS_COLORS is tree's built-in table */
	assert_int_equal(tree_colors_init(&tc, "xterm", NULL, ""), 0);
	assert_string_equal(tc.code[TC_DI], "01;34");
	assert_string_equal(tc.ec, "\x1b[0m");
	tree_colors_free(&tc);
	(void)rc;
}

static void links(void **state)
{
	(void)state;
	struct nodes ns = {.n = 0};
	link_node(&ns, 0, "ln.gpg", "t.gpg");
	link_node(&ns, 0, "to-dir", "../elsewhere");
	node(&ns, 'f', 1, "in.gpg");
	int rc;
	const char *out = render(&ns, false, false, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out,
		"|-- \x1b[01;36mln\x1b[0m -> \x1b[00mt\x1b[0m\n"
		"`-- \x1b[01;36mto-dir\x1b[0m -> \x1b[01;34m../elsewhere\x1b[0m\n"
		"    `-- \x1b[00min\x1b[0m\n");
	/* ln=target: a link in its target's colour */
	struct tree_colors tc;
	assert_int_equal(tree_colors_init(&tc, "xterm", NULL, "ln=target:fi=1:di=2"), 0);
	struct tree_opts o = {.utf8 = false, .colors = &tc};
	struct wbuf b;
	wbuf_init(&b, 4096);
	assert_int_equal(render_tree(ns.f, 1, &o, &b), 0);
	const char *want = "`-- \x1b[1mln\x1b[0m -> \x1b[1mt\x1b[0m\n";
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	wbuf_free(&b);
	tree_colors_free(&tc);
}

static void control_bytes_on_terminal(void **state)
{
	(void)state;
	struct nodes ns = {.n = 0};
	node(&ns, 'f', 0, "evil\x1b]0;pwned\a.gpg");
	int rc;
	const char *pipe = render(&ns, false, false, &rc);
	assert_non_null(strstr(pipe, "evil\x1b]0;pwned\a\x1b[0m"));
	const char *term = render(&ns, false, true, &rc);
	assert_null(strstr(term, "\x1b]"));
	assert_non_null(strstr(term, "evil\\x1b]0;pwned\\x07\x1b[0m"));
	/* a name that fakes the end of a line is escaped before the sed */
	ns.n = 0;
	node(&ns, 'f', 0, "a.gpg\x1b[0m -> b.gpg");
	term = render(&ns, false, true, &rc);
	assert_non_null(strstr(term, "a.gpg\\x1b[0m -> b\x1b[0m\n"));

	struct wbuf b;
	wbuf_init(&b, 1024);
	static const char in[] = "a\x1b[31mred\x1b[0m\x1b[K\x1b]x\n\t\r";
	render_text(in, sizeof in - 1, RT_TERMINAL | RT_KEEP_NL | RT_KEEP_SGR, &b);
	const char *want = "a\x1b[31mred\x1b[0m\x1b[K\\x1b]x\n\t\\x0d";
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	wbuf_reset(&b);
	/* without KEEP_NL a newline is escaped too; SGR only where asked */
	render_text(in, sizeof in - 1, RT_TERMINAL, &b);
	want = "a\\x1b[31mred\\x1b[0m\\x1b[K\\x1b]x\\x0a\\x09\\x0d";
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	wbuf_reset(&b);
	/* UTF-8: valid text stays, C1 controls and invalid bytes do not */
	static const char u[] = "\xc3\xa9\xf0\x9f\x8f\xa0\xc2\x9b\x9b\xff\xe2\x82";
	render_text(u, sizeof u - 1, RT_TERMINAL | RT_UTF8, &b);
	want = "\xc3\xa9\xf0\x9f\x8f\xa0\\xc2\\x9b\\x9b\\xff\\xe2\\x82";
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	wbuf_reset(&b);
	/* not UTF-8: every byte 0x80-0x9f is escaped */
	render_text(u, sizeof u - 1, RT_TERMINAL, &b);
	want = "\xc3\xa9\xf0\\x9f\\x8f\xa0\xc2\\x9b\\x9b\xff\xe2\\x82";
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	wbuf_reset(&b);
	/* a pipe: the exact bytes */
	render_text(in, sizeof in - 1, 0, &b);
	assert_int_equal(b.len, sizeof in - 1);
	assert_memory_equal(b.p, in, b.len);
	wbuf_free(&b);
}

static void pass_sed(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} t[] = {
		{"x.gpg", "x"},
		{"x.gpg\x1b[0m", "x\x1b[0m"},
		{"ln.gpg\x1b[0m -> t.gpg", "ln\x1b[0m -> t"},
		{"ln.gpg -> t.gpg\x1b[0m\n.gpg.gpg", "ln -> t\x1b[0m\n.gpg"},
		{"a.gpgb", "a.gpgb"},
		{"a.gpg\x1b[01;34m", "a.gpg\x1b[01;34m"}, /* only digits then m */
		{"a.gpg\x1b[0mx", "a.gpg\x1b[0mx"},
		{"a.gpg ->x", "a ->x"},
		{"\n\n", "\n\n"},
		{"", ""},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		struct wbuf b;
		wbuf_init(&b, 1024);
		assert_int_equal(render_pass_sed((const uint8_t *)t[i].in, strlen(t[i].in), &b), 0);
		assert_int_equal(b.len, strlen(t[i].out));
		if (b.len)
			assert_memory_equal(b.p, t[i].out, b.len);
		wbuf_free(&b);
	}
}

static void malformed(void **state)
{
	(void)state;
	int rc;
	struct nodes ns = {.n = 0};
	node(&ns, 'x', 0, "a");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, RENDER_MALFORMED);
	ns.n = 0;
	node(&ns, 'f', 1, "deep-first");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, RENDER_MALFORMED);
	ns.n = 0;
	node(&ns, 'd', 0, "a");
	node(&ns, 'f', 2, "skips-a-level");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, RENDER_MALFORMED);
	ns.n = 0;
	node(&ns, 'f', 0, "file");
	node(&ns, 'f', 1, "child-of-a-file");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, RENDER_MALFORMED);
	ns.n = 0;
	node(&ns, 'f', 0, "a/b");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, RENDER_MALFORMED);
	ns.n = 0;
	node(&ns, 'f', 0, "");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, RENDER_MALFORMED);
	/* a NUL in a file's name is not allowed */
	uint8_t *b = ns.buf[0];
	memcpy(b, "f\0\0ln\0x", 7);
	ns.f[0] = (struct pass_field){b, 7};
	ns.n = 1;
	render(&ns, false, false, &rc);
	assert_int_equal(rc, RENDER_MALFORMED);
	/* too deep */
	ns.n = 0;
	node(&ns, 'd', 0, "a");
	node(&ns, 'd', 1, "b");
	ns.buf[1][1] = 0xff;
	render(&ns, false, false, &rc);
	assert_int_equal(rc, RENDER_MALFORMED);
	/* the output limit is a clean NOMEM */
	ns.n = 0;
	node(&ns, 'f', 0, "abcdefghijklmnopqrstuvwxyz.gpg");
	struct wbuf small;
	wbuf_init(&small, 8);
	struct tree_opts o = {.colors = &default_colors};
	assert_int_equal(render_tree(ns.f, ns.n, &o, &small), RENDER_NOMEM);
	wbuf_free(&small);
	/* nothing at all is an empty tree */
	assert_int_equal(render_tree(ns.f, 0, &o, &small), RENDER_OK);
	assert_true(render_charset_utf8("UTF-8") && render_charset_utf8("utf8") &&
		    !render_charset_utf8("ANSI_X3.4-1968") && !render_charset_utf8(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_ascii_and_utf8),
		cmocka_unit_test(siblings_sorted_as_tree),
		cmocka_unit_test(colours),
		cmocka_unit_test(links),
		cmocka_unit_test(control_bytes_on_terminal),
		cmocka_unit_test(pass_sed),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
