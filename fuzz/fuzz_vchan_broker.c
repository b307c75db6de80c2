/* fuzz_vchan_broker: the vchan broker's parsers of what a domain sends
 * (qrexec/broker/request). Checks that an accepted request is exactly the
 * canonical text lib/vchan formats for it, that MORE means a proper
 * prefix of something acceptable, that every proper prefix of an accepted
 * request is MORE (as the broker reads it in pieces), and that an
 * accepted domain id is its canonical decimal. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/vchan.h"
#include "qrexec/broker/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static void check_request(const uint8_t *data, size_t size)
{
	struct broker_request r;
	enum broker_parse p = broker_request_parse(data, size, &r);
	CHECK(p == BROKER_PARSE_OK || p == BROKER_PARSE_MORE || p == BROKER_PARSE_BAD);
	if (p == BROKER_PARSE_OK) {
		CHECK(size > 0 && size <= VCHAN_BROKER_REQ_MAX && data[size - 1] == '\n');
		CHECK(memchr(data, '\n', size - 1) == NULL);
		CHECK(r.op == BROKER_LISTEN || r.op == BROKER_CONNECT);
		CHECK(r.remote >= 1 && r.remote <= VCHAN_MAX_DOMID);
		CHECK(r.port >= VCHAN_BROKER_PORT_MIN && r.port <= VCHAN_BROKER_PORT_MAX);
		char canon[VCHAN_BROKER_REQ_MAX];
		int n = vchan_broker_format(canon, sizeof canon, r.op == BROKER_LISTEN,
					   (int)r.remote, (int)r.port);
		CHECK(n > 0 && (size_t)n == size && memcmp(canon, data, size) == 0);
		for (size_t i = 0; i < size; i++) {
			struct broker_request q;
			CHECK(broker_request_parse(data, i, &q) == BROKER_PARSE_MORE);
		}
	} else if (p == BROKER_PARSE_MORE) {
		CHECK(size < VCHAN_BROKER_REQ_MAX);
		CHECK(memchr(data, '\n', size) == NULL);
		/* a prefix of a prefix is a prefix */
		for (size_t i = 0; i < size; i++) {
			struct broker_request q;
			CHECK(broker_request_parse(data, i, &q) == BROKER_PARSE_MORE);
		}
	}
}

static void check_domid(const uint8_t *data, size_t size)
{
	uint32_t id;
	if (broker_domid_parse((const char *)data, size, &id) != 0)
		return;
	CHECK(id >= 1 && id <= VCHAN_MAX_DOMID);
	char canon[16];
	int n = snprintf(canon, sizeof canon, "%u", id);
	CHECK(n > 0 && (size_t)n == size && memcmp(canon, data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_request(data, size);
	check_domid(data, size);
	return 0;
}
