/* fuzz_pass_args: qvm-pass's command line parser (pass/client/args) on
 * argument vectors cut from arbitrary bytes (NUL-separated). Checks that
 * it never crashes, that an accepted line has its positionals within
 * argv, and that the per-command rules hold (no -c with -q, no -e with
 * -m, no -i with -f). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pass/client/args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	char *argv[256];
	int argc = 0;
	argv[argc++] = "qvm-pass";
	for (size_t i = 0; i <= size && argc < 255;) {
		argv[argc++] = copy + i;
		i += strlen(copy + i) + 1;
	}
	argv[argc] = NULL;
	struct qp_args a;
	char err[256];
	if (qp_parse(argc, argv, "qvm-pass", &a, err, sizeof err) == 0) {
		CHECK(a.npos <= QP_MAX_POS);
		for (size_t i = 0; i < a.npos; i++)
			CHECK(a.pos[i] >= copy && a.pos[i] <= copy + size);
		CHECK(!(a.clip && a.qrcode));
		if (a.cmd == QP_INSERT)
			CHECK(!(a.echo && a.multiline) && a.npos == 1);
		if (a.cmd == QP_GENERATE)
			CHECK(!(a.in_place && a.force) && a.npos >= 1 && a.npos <= 2);
	} else {
		CHECK(memchr(err, 0, sizeof err) && err[0]);
	}
	free(copy);
	return 0;
}
