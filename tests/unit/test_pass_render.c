/* test_pass_render: unit tests for qvm-pass's rendering (pass/client/
 * render): tree lines exactly as pass prints them (tree -N -C -l with
 * ".gpg" stripped; UTF-8 and ASCII), malformed nodes refused, and the
 * terminal-safe text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

static char *render(struct nodes *ns, bool utf8, bool term, int *rc)
{
	static char out[4096];
	struct wbuf b;
	wbuf_init(&b, sizeof out - 1);
	*rc = render_tree(ns->f, ns->n, utf8, term, &b);
	memcpy(out, b.p ? (char *)b.p : "", b.len);
	out[b.len] = '\0';
	wbuf_free(&b);
	return out;
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

static void control_bytes_on_terminal(void **state)
{
	(void)state;
	struct nodes ns = {.n = 0};
	node(&ns, 'f', 0, "evil\x1b]0;pwned\a.gpg");
	int rc;
	const char *pipe = render(&ns, false, false, &rc);
	assert_non_null(strstr(pipe, "evil\x1b]0;pwned\a"));
	const char *term = render(&ns, false, true, &rc);
	assert_null(strstr(term, "\x1b]"));
	assert_non_null(strstr(term, "evil\\x1b]0;pwned\\x07"));
	struct wbuf b;
	wbuf_init(&b, 1024);
	static const char in[] = "a\x1b[31mred\x1b[0m\x1b]x\n\t";
	render_text(in, sizeof in - 1, true, true, &b);
	assert_int_equal(b.len, strlen("a\x1b[31mred\x1b[0m\\x1b]x\n\t"));
	assert_memory_equal(b.p, "a\x1b[31mred\x1b[0m\\x1b]x\n\t", b.len);
	wbuf_free(&b);
}

static void malformed(void **state)
{
	(void)state;
	int rc;
	struct nodes ns = {.n = 0};
	node(&ns, 'x', 0, "a");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, -1);
	ns.n = 0;
	node(&ns, 'f', 1, "deep-first");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, -1);
	ns.n = 0;
	node(&ns, 'd', 0, "a");
	node(&ns, 'f', 2, "skips-a-level");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, -1);
	ns.n = 0;
	node(&ns, 'f', 0, "a/b");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, -1);
	ns.n = 0;
	node(&ns, 'f', 0, "");
	render(&ns, false, false, &rc);
	assert_int_equal(rc, -1);
	/* a symlink with its target */
	ns.n = 0;
	uint8_t *b = ns.buf[0];
	memcpy(b, "l\0\0ln.gpg\0t.gpg", 15);
	ns.f[0] = (struct pass_field){b, 15};
	ns.n = 1;
	const char *out = render(&ns, false, false, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "`-- \x1b[01;36mln\x1b[0m -> t\n");
	/* a NUL in a file's name is not allowed */
	memcpy(b, "f\0\0ln\0x", 7);
	ns.f[0] = (struct pass_field){b, 7};
	render(&ns, false, false, &rc);
	assert_int_equal(rc, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tree_ascii_and_utf8),
		cmocka_unit_test(control_bytes_on_terminal),
		cmocka_unit_test(malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
