/* fuzz_pass_tree: qvm-pass's rendering of the vault's tree nodes
 * (pass/client/render) on arbitrary replies: the bytes are parsed as a
 * split-pass reply and its fields rendered both ways (UTF-8 and ASCII,
 * pipe and terminal). Checks that terminal output carries no control byte
 * but ESC of our own colour codes, \n and \t, and that nothing crashes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pass/client/render.h"
#include "pass/passproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pass_msg m = {0};
	if (passproto_parse(data, size, true, &m) == PASS_PERR_OK) {
		for (int mode = 0; mode < 4; mode++) {
			struct wbuf b;
			wbuf_init(&b, 1 << 24);
			int rc = render_tree(m.fields, m.nfields, mode & 1, mode & 2, &b);
			CHECK(rc == 0 || rc == -1);
			if (mode & 2) {
				for (size_t i = 0; i < b.len; i++) {
					uint8_t c = b.p[i];
					if (c == 0x1b)
						CHECK(i + 1 < b.len && b.p[i + 1] == '[');
					else
						CHECK(c >= 0x20 || c == '\n' || c == '\t');
					CHECK(c != 0x7f);
				}
			}
			wbuf_free(&b);
		}
	}
	passproto_msg_free(&m);
	struct wbuf t;
	wbuf_init(&t, 1 << 24);
	render_text(data, size, true, false, &t);
	for (size_t i = 0; i < t.len; i++)
		CHECK((t.p[i] >= 0x20 && t.p[i] != 0x7f) || t.p[i] == '\n' || t.p[i] == '\t');
	wbuf_free(&t);
	return 0;
}
