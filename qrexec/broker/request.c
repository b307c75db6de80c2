/* request: the broker's parser of requests from domains (see request.h). */
#include "qrexec/broker/request.h"
#include "lib/vchan.h"

#include <stdbool.h>
#include <string.h>

/* Parses a decimal number at p[*i..n) up to the byte `end`, no leading
 * zero, in [min, max]; on OK *i is past `end`. */
static enum broker_parse number(const uint8_t *p, size_t n, size_t *i, uint8_t end,
				uint32_t min, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;
	size_t start = *i;
	for (size_t k = start; k < n; k++) {
		uint8_t c = p[k];
		if (c == end) {
			if (k == start || v < min)
				return BROKER_PARSE_BAD;
			*i = k + 1;
			*out = v;
			return BROKER_PARSE_OK;
		}
		if (c < '0' || c > '9' || (k == start && c == '0'))
			return BROKER_PARSE_BAD;
		v = v * 10 + (uint32_t)(c - '0'); /* v <= max < 2^16: no overflow */
		if (v > max)
			return BROKER_PARSE_BAD;
	}
	return BROKER_PARSE_MORE;
}

enum broker_parse broker_request_parse(const uint8_t *p, size_t n,
				       struct broker_request *out)
{
	static const char listen[] = "LISTEN ", connect[] = "CONNECT ";
	if (n > VCHAN_BROKER_REQ_MAX)
		return BROKER_PARSE_BAD;
	if (n == 0)
		return BROKER_PARSE_MORE;
	enum broker_op op;
	const char *verb;
	if (p[0] == 'L') {
		op = BROKER_LISTEN;
		verb = listen;
	} else if (p[0] == 'C') {
		op = BROKER_CONNECT;
		verb = connect;
	} else {
		return BROKER_PARSE_BAD;
	}
	size_t vl = strlen(verb);
	size_t cmp = n < vl ? n : vl;
	if (memcmp(p, verb, cmp) != 0)
		return BROKER_PARSE_BAD;
	if (n <= vl)
		return BROKER_PARSE_MORE;
	size_t i = vl;
	uint32_t remote, port;
	enum broker_parse r = number(p, n, &i, ' ', 1, VCHAN_MAX_DOMID, &remote);
	if (r != BROKER_PARSE_OK)
		return r;
	r = number(p, n, &i, '\n', VCHAN_BROKER_PORT_MIN, VCHAN_BROKER_PORT_MAX, &port);
	if (r != BROKER_PARSE_OK)
		return r;
	if (i != n)
		return BROKER_PARSE_BAD; /* bytes after the newline */
	out->op = op;
	out->remote = remote;
	out->port = port;
	return BROKER_PARSE_OK;
}

int broker_domid_parse(const char *s, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	if (n == 0 || n > 5 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v < 1 || v > VCHAN_MAX_DOMID)
		return -1;
	*out = v;
	return 0;
}

const char *broker_op_name(enum broker_op op)
{
	return op == BROKER_LISTEN ? "LISTEN" : "CONNECT";
}
