/* admin_proto: qubesd's socket protocol, server side, as bulkheadd speaks
 * it. A request is `METHOD[+ARG] SOURCE DEST_TYPE DEST\0PAYLOAD` followed by
 * EOF (at most ADMIN_REQUEST_MAX bytes in all); DEST_TYPE is "name" (DEST a
 * qube name or uuid:UUID) or "keyword" (DEST "adminvm"). Replies are
 * `0\0CONTENT` (success), `2\0TYPE\0TRACEBACK\0MESSAGE\0` (exception) or a
 * stream of `1\0SUBJECT\0EVENT\0(KEY\0VALUE\0)*\0` frames (events).
 * Parsing and building are pure. */
#ifndef BULKHEAD_DOMAINS_ADMIN_PROTO_H
#define BULKHEAD_DOMAINS_ADMIN_PROTO_H

#include "lib/buf.h"

#include <stdbool.h>
#include <stddef.h>

#define ADMIN_REQUEST_MAX 65536
#define ADMIN_NAME_MAX 31

enum admin_dest_type { ADMIN_DEST_NAME, ADMIN_DEST_KEYWORD };

struct admin_request {
	char method[256];      /* before the first '+' */
	char arg[1024];        /* after it ("" when none) */
	bool has_plus;
	char source[64];
	enum admin_dest_type dest_type;
	char dest[64];         /* a name, uuid:UUID, or the keyword "adminvm" */
	const uint8_t *payload; /* inside the parsed buffer */
	size_t payload_len;
};

enum admin_parse {
	ADMIN_PARSE_OK = 0,
	ADMIN_PARSE_INCOMPLETE = 1, /* no NUL yet: read more */
	ADMIN_PARSE_BAD = -1,       /* a framing error: abort the connection */
};

/* Parses buf[0..len). With at_eof false, a missing NUL is INCOMPLETE
 * (unless len exceeds the limit); with at_eof true it is BAD. On BAD, *err
 * says why. The payload points into buf. */
enum admin_parse admin_request_parse(const uint8_t *buf, size_t len, bool at_eof,
				     struct admin_request *out, const char **err);

/* Reply frames appended to w. */
int admin_put_ok(struct wbuf *w, const void *content, size_t len);
int admin_put_exception(struct wbuf *w, const char *type, const char *message);
/* kv: n pairs of NUL-free key and value strings */
int admin_put_event(struct wbuf *w, const char *subject, const char *event,
		    const char *const *kv, size_t n);

#endif
