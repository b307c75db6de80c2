/* request: the broker's parser of requests from domains (wire format in
 * lib/vchan.h). Input is untrusted: pure functions over explicit lengths,
 * no allocation, no I/O. */
#ifndef BULKHEAD_BROKER_REQUEST_H
#define BULKHEAD_BROKER_REQUEST_H

#include <stddef.h>
#include <stdint.h>

enum broker_op { BROKER_LISTEN, BROKER_CONNECT };

struct broker_request {
	enum broker_op op;
	uint32_t remote; /* 1..VCHAN_MAX_DOMID */
	uint32_t port;   /* VCHAN_BROKER_PORT_MIN..VCHAN_BROKER_PORT_MAX */
};

enum broker_parse {
	BROKER_PARSE_OK,   /* p[0..n) is exactly one complete request */
	BROKER_PARSE_MORE, /* p[0..n) is a valid proper prefix of one */
	BROKER_PARSE_BAD,  /* anything else */
};

/* Parses the n bytes at p. *out is written only on BROKER_PARSE_OK. */
enum broker_parse broker_request_parse(const uint8_t *p, size_t n,
				       struct broker_request *out);
/* Parses a domain id: the n bytes at s are a decimal number without sign
 * or leading zeros in 1..VCHAN_MAX_DOMID. Returns 0, or -1. */
int broker_domid_parse(const char *s, size_t n, uint32_t *out);
const char *broker_op_name(enum broker_op op);

#endif
