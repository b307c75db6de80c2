/* fuzz_pass_tree: qvm-pass's rendering of the vault's tree nodes
 * (pass/client/render) on arbitrary replies: the bytes are parsed as a
 * split-pass reply and its fields rendered every way (UTF-8 and ASCII
 * drawing, pipe and terminal, default colours and colours from an
 * LS_COLORS cut from the input). Checks that nothing crashes, that the
 * result is OK, MALFORMED or NOMEM, and that terminal output carries no
 * control byte but \n and the ESC of colour codes, and that text made
 * safe for a terminal has none at all. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pass/client/render.h"
#include "pass/passproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static bool escape_ok(const uint8_t *p, size_t len, size_t i)
{
	/* our own colour codes: ESC [ digits/; m */
	if (i + 1 >= len || p[i + 1] != '[')
		return false;
	for (size_t j = i + 2; j < len; j++) {
		if (p[j] == 'm')
			return true;
		if (!((p[j] >= '0' && p[j] <= '9') || p[j] == ';'))
			return false;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the first line (up to 200 bytes) may be an LS_COLORS of digits and
	 * separators, so colour parsing is fuzzed too without control bytes */
	char ls[201] = {0};
	size_t k = 0;
	while (k < size && k < 200 && data[k] != '\n' &&
	       strchr("0123456789;:=*.abcdefghijklmnopqrstuvwxyz", data[k]) && data[k])
		k++;
	memcpy(ls, data, k);
	struct tree_colors dflt, custom;
	CHECK(tree_colors_init(&dflt, "xterm", NULL, NULL) == 0);
	CHECK(tree_colors_init(&custom, "xterm", NULL, ls) == 0);
	struct pass_msg m = {0};
	if (passproto_parse(data, size, true, &m) == PASS_PERR_OK) {
		for (int mode = 0; mode < 8; mode++) {
			struct wbuf b;
			wbuf_init(&b, 1 << 24);
			struct tree_opts o = {.utf8 = mode & 1,
					      .text = mode & 2 ? RT_TERMINAL | RT_UTF8 : 0,
					      .colors = mode & 4 ? &custom : &dflt};
			int rc = render_tree(m.fields, m.nfields, &o, &b);
			CHECK(rc == RENDER_OK || rc == RENDER_MALFORMED || rc == RENDER_NOMEM);
			if ((mode & 2) && !(mode & 4) && rc == RENDER_OK)
				for (size_t i = 0; i < b.len; i++) {
					uint8_t c = b.p[i];
					if (c == 0x1b)
						CHECK(escape_ok(b.p, b.len, i));
					else
						CHECK(c >= 0x20 || c == '\n');
					CHECK(c != 0x7f);
				}
			wbuf_free(&b);
		}
	}
	passproto_msg_free(&m);
	tree_colors_free(&dflt);
	tree_colors_free(&custom);
	struct wbuf t;
	wbuf_init(&t, 1 << 24);
	CHECK(render_text(data, size, RT_TERMINAL | RT_UTF8, &t) == RENDER_OK);
	for (size_t i = 0; i < t.len; i++)
		CHECK(t.p[i] >= 0x20 && t.p[i] != 0x7f);
	wbuf_reset(&t);
	CHECK(render_text(data, size, RT_TERMINAL, &t) == RENDER_OK);
	for (size_t i = 0; i < t.len; i++)
		CHECK(t.p[i] >= 0x20 && t.p[i] != 0x7f && (t.p[i] < 0x80 || t.p[i] >= 0xa0));
	wbuf_free(&t);
	return 0;
}
