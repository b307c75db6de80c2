/* fuzz_pass_pgp: the vault's reader of OpenPGP session key packets
 * (pass/vault/pgp) on arbitrary file contents. Checks the count bounds,
 * that the hex form has one 17-byte line per distinct id in order, and
 * that a prefix never yields more ids than the whole. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pass/vault/pgp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t ids[PGP_MAX_KEYIDS];
	int n = pgp_pkesk_keyids(data, size, ids, PGP_MAX_KEYIDS);
	CHECK(n >= -1 && n <= PGP_MAX_KEYIDS);
	if (n < 0)
		return 0;
	char out[PGP_MAX_KEYIDS * 17 + 1];
	CHECK(pgp_keyids_str(ids, (size_t)n, out, sizeof out) == 0);
	size_t len = strlen(out);
	CHECK(len % 17 == 0 && len <= (size_t)n * 17);
	for (size_t i = 0; i + 17 <= len; i += 17) {
		CHECK(out[i + 16] == '\n');
		if (i)
			CHECK(memcmp(out + i - 17, out + i, 16) < 0);
	}
	if (size > 1) {
		uint64_t p[PGP_MAX_KEYIDS];
		int m = pgp_pkesk_keyids(data, size / 2, p, PGP_MAX_KEYIDS);
		CHECK(m <= n || m == -1);
	}
	return 0;
}
