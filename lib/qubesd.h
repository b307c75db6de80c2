/* qubesd: the client side of qubesd's socket protocol (which bulkheadd
 * serves): a request is `METHOD+ARG SOURCE DEST_TYPE DEST\0PAYLOAD`, then
 * EOF; the reply is `0\0CONTENT` (success) or
 * `2\0TYPE\0TRACEBACK\0MESSAGE\0` (exception). Event streams (`1\0...`)
 * are read by their own parser elsewhere. The reply parser is pure. */
#ifndef BULKHEAD_QUBESD_H
#define BULKHEAD_QUBESD_H

#include <stddef.h>

#define QUBESD_SOCKET "/run/qubesd.sock"
#define QUBESD_INTERNAL_SOCKET "/run/qubesd.internal.sock"
#define QUBESD_REPLY_MAX (64u * 1024 * 1024)

struct qubesd_reply {
	int ok;                /* 1: success, 0: exception */
	const char *content;   /* success: the content (not NUL-terminated) */
	size_t content_len;
	const char *exc_type;  /* exception: NUL-terminated, inside the buffer */
	const char *message;   /* exception: NUL-terminated, inside the buffer */
};

/* Parses a whole reply. Returns 0, or -1 with a static message in *err. */
int qubesd_reply_parse(const char *buf, size_t len, struct qubesd_reply *out,
		       const char **err);

/* Sends one request and reads the whole reply into a malloc'd *buf (NUL
 * appended, not counted in *len). dest_type is "name" or "keyword".
 * Returns 0, or -1 with errno (EMSGSIZE for an over-long reply). */
int qubesd_call_raw(const char *socket_path, const char *method, const char *src,
		    const char *dest_type, const char *dest, const void *payload,
		    size_t payload_len, int timeout_ms, char **buf, size_t *len);

#endif
