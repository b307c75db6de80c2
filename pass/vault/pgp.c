/* pgp: session key packet key ids of an OpenPGP message (see pgp.h),
 * after RFC 4880 section 4.2 (old and new packet headers) and 5.1. */
#include "pass/vault/pgp.h"

#include <stdio.h>
#include <stdlib.h>

/* One packet header at msg[off]: its tag, where its body starts and its
 * length. 1 when read, 0 for a header this parser does not follow
 * (partial or indeterminate length: encrypted data, never a session key
 * packet), -1 when malformed or cut. */
static int header(const uint8_t *msg, size_t len, size_t off, unsigned *tag, size_t *body,
		  size_t *blen)
{
	if (off >= len || !(msg[off] & 0x80))
		return -1;
	uint8_t ctb = msg[off];
	size_t p = off + 1;
	uint64_t l;
	if (ctb & 0x40) { /* new format */
		*tag = ctb & 0x3f;
		if (p >= len)
			return -1;
		uint8_t a = msg[p];
		if (a < 192) {
			l = a;
			p += 1;
		} else if (a < 224) {
			if (p + 1 >= len)
				return -1;
			l = ((uint64_t)(a - 192) << 8) + msg[p + 1] + 192;
			p += 2;
		} else if (a == 255) {
			if (p + 4 >= len)
				return -1;
			l = (uint64_t)msg[p + 1] << 24 | (uint64_t)msg[p + 2] << 16 |
			    (uint64_t)msg[p + 3] << 8 | msg[p + 4];
			p += 5;
		} else {
			return 0; /* partial body length */
		}
	} else { /* old format */
		*tag = (ctb >> 2) & 0xf;
		unsigned lt = ctb & 3;
		if (lt == 3)
			return 0; /* indeterminate length */
		size_t n = lt == 0 ? 1 : lt == 1 ? 2 : 4;
		if (p + n > len)
			return -1;
		l = 0;
		for (size_t i = 0; i < n; i++)
			l = l << 8 | msg[p + i];
		p += n;
	}
	*body = p;
	*blen = (size_t)l;
	return 1;
}

int pgp_pkesk_keyids(const uint8_t *msg, size_t len, uint64_t *ids, size_t max)
{
	size_t off = 0, n = 0;
	int packets = 0;
	while (off < len) {
		unsigned tag;
		size_t body, blen;
		int h = header(msg, len, off, &tag, &body, &blen);
		if (h < 0)
			return packets ? (int)n : -1;
		if (h == 0 || (tag != 1 && tag != 3))
			break;
		if (blen > len - body)
			return -1;
		if (tag == 1) {
			if (blen < 10)
				return -1;
			if (msg[body] == 3) {
				if (n == max)
					return -1;
				uint64_t id = 0;
				for (size_t i = 1; i <= 8; i++)
					id = id << 8 | msg[body + i];
				ids[n++] = id;
			}
		}
		packets++;
		off = body + blen;
	}
	return packets ? (int)n : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int pgp_keyids_str(uint64_t *ids, size_t n, char *out, size_t outlen)
{
	qsort(ids, n, sizeof *ids, cmp_u64);
	size_t o = 0;
	if (outlen == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i && ids[i] == ids[i - 1])
			continue;
		if (o + 18 > outlen)
			return -1;
		snprintf(out + o, outlen - o, "%016llX\n", (unsigned long long)ids[i]);
		o += 17;
	}
	return 0;
}
