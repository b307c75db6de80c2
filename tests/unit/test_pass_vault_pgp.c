/* test_pass_vault_pgp: unit tests for pass/vault/pgp, the session key
 * packet reader the vault uses to decide whether an entry must be
 * re-encrypted (as pass compares `gpg --list-only` key ids). The message
 * below was made with gpg 2.2.40: `echo -n x | gpg -e -r A -r B
 * --compress-algo=none` for a cv25519 and an RSA-2048 encryption subkey,
 * and `gpg -v --list-only -d` reported 59C09BFEF4E0DDCA and
 * E046F6E8D4C82AA1. Then crafted headers: new and old formats, every
 * length form, cuts at every byte, symmetric packets, junk. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pass/vault/pgp.h"

static const char two_hex[] =
	"845e0359c09bfef4e0ddca120107408e926fbba229ea7ee8e87b9ca98a280360"
	"02be7fa9708429c283ae0e4b2025723083107d026276da122d1b56327fc66bc4"
	"f2c827479a450b5112faec70156a3c59c3b91260e78a50cdd8ee6fae1efb2eb8"
	"85010c03e046f6e8d4c82aa10108009e20179e81da8be6276ae3d3bd5dc822cd"
	"11a742a0858760d5f4a64b54185c13d6748d3d0561adec6f960afa060a0fb5da"
	"743f4b90f05c9e2fb4758299c1dcf2049842113f1a9cfff3ba8f43b1ea2da7d1"
	"ea3826b75da9971b83ec2224c25e32982372bf2e5284d183ca4f9ee1ca18211d"
	"eb393441485dfb533cabed3191cc84b9945a6f5945e8c230d421dc1b24fee801"
	"1fe4c21e7c3ec45dd2198746039443053683b43cd02b370afdf71ffe06924318"
	"4d3755dfc008236976e186affaeabce81a9a9c7c5ed4321c3881a043feb1e7d8"
	"55bb1b5020199c3b25c12a6e48624ed4d8a4b99f1b56b83f1d956d96af2be9ca"
	"0683b904977de3c34a203df9ae6a72d2320184710f73f80b599213b100d0ddfb"
	"2dbb978ca7b8e802ef911e96d6151ea1a2c627f2aaa6b234a56ae7a4bbbe668f"
	"690732";

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Parses an exact-size heap copy (ASan sees over-reads). */
static int parse(const uint8_t *p, size_t n, uint64_t *ids, size_t max)
{
	uint8_t *c = malloc(n ? n : 1);
	assert_non_null(c);
	if (n)
		memcpy(c, p, n);
	int r = pgp_pkesk_keyids(c, n, ids, max);
	free(c);
	return r;
}

static void real_message(void **state)
{
	(void)state;
	uint8_t msg[1024];
	size_t n = unhex(two_hex, msg);
	uint64_t ids[8];
	assert_int_equal(parse(msg, n, ids, 8), 2);
	char s[64];
	assert_int_equal(pgp_keyids_str(ids, 2, s, sizeof s), 0);
	assert_string_equal(s, "59C09BFEF4E0DDCA\nE046F6E8D4C82AA1\n");
	/* too small an output */
	assert_int_equal(pgp_keyids_str(ids, 2, s, 20), -1);
	/* room for one id only */
	assert_int_equal(parse(msg, n, ids, 1), -1);
	/* the first 64 KiB of a big file are enough: any cut after the
	 * session key packets still gives both ids */
	size_t first = 2 + msg[1];             /* first packet: new format, 1-byte length */
	size_t second = first + 3 + (((size_t)msg[first + 1] << 8) | msg[first + 2]);
	for (size_t cut = 0; cut <= n; cut++) {
		int r = parse(msg, cut, ids, 8);
		if (cut >= second)
			assert_int_equal(r, 2);
		else if (cut >= first)
			assert_true(r == 1 || r == -1);
		else
			assert_int_equal(r, -1);
	}
}

static void crafted(void **state)
{
	(void)state;
	uint64_t ids[4];
	/* new format tag 1, one-octet length 10: version 3, id, algo */
	const uint8_t a[] = {0xc1, 10, 3, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0xd2, 0};
	assert_int_equal(parse(a, sizeof a, ids, 4), 1);
	assert_true(ids[0] == 0x0102030405060708ull);
	/* old format tag 1 (0x84 | length type 0), then a two-octet length one */
	const uint8_t b[] = {0x84, 10, 3, 0, 0, 0, 0, 0, 0, 0, 9, 1,
			     0x85, 0, 10, 3, 0xff, 0, 0, 0, 0, 0, 0, 1, 1, 0xd2, 0};
	assert_int_equal(parse(b, sizeof b, ids, 4), 2);
	assert_true(ids[0] == 9 && ids[1] == 0xff00000000000001ull);
	char s[64];
	assert_int_equal(pgp_keyids_str(ids, 2, s, sizeof s), 0);
	assert_string_equal(s, "0000000000000009\nFF00000000000001\n");
	/* new format two-octet (192..223) and five-octet lengths */
	uint8_t c[300] = {0xc1, 192, 8};
	c[3] = 3;
	c[4] = 0xaa;
	assert_int_equal(parse(c, 3 + 200, ids, 4), 1); /* 192 + 8 = 200 body bytes */
	assert_true(ids[0] >> 56 == 0xaa);
	const uint8_t d[] = {0xc1, 255, 0, 0, 0, 10, 3, 0, 0, 0, 0, 0, 0, 0, 7, 1};
	assert_int_equal(parse(d, sizeof d, ids, 4), 1);
	assert_true(ids[0] == 7);
	/* a symmetric session key packet is skipped; a v6-like PKESK has no id */
	const uint8_t e[] = {0xc3, 4, 4, 9, 3, 2, 0xc1, 10, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_int_equal(parse(e, sizeof e, ids, 4), 0);
	/* duplicates are listed once */
	uint64_t dup[3] = {5, 5, 1};
	assert_int_equal(pgp_keyids_str(dup, 3, s, sizeof s), 0);
	assert_string_equal(s, "0000000000000001\n0000000000000005\n");
	/* not OpenPGP, empty, a packet longer than the bytes, a too short PKESK */
	assert_int_equal(parse((const uint8_t *)"-----BEGIN PGP MESSAGE-----", 27, ids, 4), -1);
	assert_int_equal(parse(NULL, 0, ids, 4), -1);
	const uint8_t f[] = {0xc1, 50, 3, 1, 2};
	assert_int_equal(parse(f, sizeof f, ids, 4), -1);
	const uint8_t g[] = {0xc1, 3, 3, 1, 2, 0xd2, 0};
	assert_int_equal(parse(g, sizeof g, ids, 4), -1);
	/* the first packet is data: no session key packets at all */
	const uint8_t h[] = {0xd2, 5, 1, 2, 3, 4, 5};
	assert_int_equal(parse(h, sizeof h, ids, 4), -1);
	/* partial and indeterminate lengths stop the walk */
	const uint8_t i2[] = {0xc1, 10, 3, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0xd2, 0xe1, 0, 0};
	assert_int_equal(parse(i2, sizeof i2, ids, 4), 1);
	const uint8_t j[] = {0x84, 10, 3, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0xa7, 1, 2};
	assert_int_equal(parse(j, sizeof j, ids, 4), 1);
}

static void every_input_prefix_of_junk(void **state)
{
	(void)state;
	uint8_t buf[512];
	uint64_t ids[PGP_MAX_KEYIDS];
	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof buf);
		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rand();
		if (n)
			buf[0] |= 0x80;
		int r = parse(buf, n, ids, PGP_MAX_KEYIDS);
		assert_true(r >= -1 && r <= PGP_MAX_KEYIDS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_message),
		cmocka_unit_test(crafted),
		cmocka_unit_test(every_input_prefix_of_junk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
