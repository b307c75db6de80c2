/* fuzz_trigger: proto_trigger_decode on arbitrary bodies. The first input
 * byte selects the message type (TRIGGER_SERVICE/3/4) and the negotiated
 * version (2/3/4); the rest is the body. Checks the fatal-length rules
 * exactly, and on success that the result is sanitized and well formed;
 * on refusal that the raw ident is kept for the SERVICE_REFUSED echo. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qrexec/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static bool base_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static bool service_char(uint8_t c) { return base_char(c) || c == '+'; }
static bool domain_char(uint8_t c) { return base_char(c) || c == '@' || c == ':'; }

/* A sanitized domain field of `width` raw bytes. */
static void check_domain(const char d[DOMAIN_FIELD_LEN], const uint8_t *raw, size_t width)
{
	size_t n = strnlen(d, DOMAIN_FIELD_LEN);
	CHECK(n < width);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)d[i];
		CHECK(domain_char(c));
		CHECK(c == raw[i] || (c == '_' && !domain_char(raw[i])));
		CHECK(raw[i] != 0);
	}
	CHECK(n == width - 1 || raw[n] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t types[3] = {MSG_TRIGGER_SERVICE, MSG_TRIGGER_SERVICE3,
					  MSG_TRIGGER_SERVICE4};
	if (size < 1)
		return 0;
	uint32_t type = types[data[0] % 3];
	int version = 2 + (data[0] / 3) % 3;
	size_t len = size - 1;
	uint8_t *body = malloc(len ? len : 1);
	if (!body)
		return 0;
	if (len)
		memcpy(body, data + 1, len);

	struct trigger t;
	int r = proto_trigger_decode(type, version, body, len, &t);

	size_t head = 0, ident_off = 0, tgt_off = 0, tgt_w = 0;
	bool fatal;
	switch (type) {
	case MSG_TRIGGER_SERVICE:
		fatal = version >= 3 || len != TRIGGER_V2_LEN;
		head = TRIGGER_V2_LEN, tgt_off = 64, tgt_w = 32, ident_off = 96;
		break;
	case MSG_TRIGGER_SERVICE3:
		head = TRIGGER_V3_HDR, tgt_off = 0, tgt_w = 64, ident_off = 64;
		fatal = version < 3 || len <= head || len - head > MAX_SERVICE_NAME_LEN;
		break;
	default:
		head = TRIGGER_V4_HDR, tgt_off = 64, tgt_w = 64, ident_off = 128;
		fatal = version < 4 || len <= head || len - head > MAX_SERVICE_NAME_LEN;
		break;
	}

	CHECK(r == PROTO_OK || r == PROTO_EFATAL || r == PROTO_EREFUSE);
	CHECK((r == PROTO_EFATAL) == fatal);
	CHECK((r == PROTO_OK) == (t.service != NULL));
	if (r == PROTO_EREFUSE) /* ident echoed raw in SERVICE_REFUSED */
		CHECK(memcmp(t.ident, body + ident_off, QREXEC_IDENT_LEN) == 0);

	if (r == PROTO_OK) {
		CHECK(memcmp(t.ident, body + ident_off, QREXEC_IDENT_LEN) == 0);
		CHECK(names_valid_request_id(t.ident));
		check_domain(t.target, body + tgt_off, tgt_w);
		if (type == MSG_TRIGGER_SERVICE4)
			check_domain(t.source, body, 64);
		else
			CHECK(t.source[0] == '\0');

		const char *s = t.service;
		size_t sl = strlen(s);
		const uint8_t *raw = type == MSG_TRIGGER_SERVICE ? body : body + head;
		CHECK(sl > 0);
		CHECK(s[0] != '+');
		if (type == MSG_TRIGGER_SERVICE) {
			CHECK(sl <= 63);
			CHECK(sl == 63 || raw[sl] == 0);
		} else {
			CHECK(sl == len - head - 1); /* no interior NUL */
			CHECK(raw[sl] == 0);
		}
		for (size_t i = 0; i < sl; i++) {
			uint8_t c = (uint8_t)s[i];
			CHECK(service_char(c));
			CHECK(c == raw[i] || (c == '_' && !service_char(raw[i])));
		}
		trigger_free(&t);
		CHECK(t.service == NULL);
	}
	free(body);
	return 0;
}
