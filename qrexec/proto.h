/* proto: the qrexec wire protocol (v2/v3/v4), byte-compatible with Qubes.
 *
 * Every message is an 8-byte header (u32 type, u32 body length, both
 * little-endian) and a body. This module holds the constants and pure
 * encode/decode functions with explicit lengths; nothing here does I/O. */
#ifndef BULKHEAD_QREXEC_PROTO_H
#define BULKHEAD_QREXEC_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/names.h"

enum qrexec_msg_type {
	MSG_DATA_STDIN = 0x190,
	MSG_DATA_STDOUT = 0x191,
	MSG_DATA_STDERR = 0x192,
	MSG_DATA_EXIT_CODE = 0x193,
	MSG_EXEC_CMDLINE = 0x200,
	MSG_JUST_EXEC = 0x201,
	MSG_SERVICE_CONNECT = 0x202,
	MSG_SERVICE_REFUSED = 0x203,
	MSG_TRIGGER_SERVICE = 0x210,
	MSG_CONNECTION_TERMINATED = 0x211,
	MSG_TRIGGER_SERVICE3 = 0x212,
	MSG_TRIGGER_SERVICE4 = 0x213,
	MSG_HELLO = 0x300,
};

#define QREXEC_PROTOCOL_V2 2
#define QREXEC_PROTOCOL_V3 3
#define QREXEC_PROTOCOL_VERSION 4
#define QREXEC_CLIENT_PROTOCOL_VERSION 3

#define QREXEC_HDR_LEN 8
#define MAX_DATA_CHUNK_V2 4096
#define MAX_DATA_CHUNK_V3 65536
#define MAX_SERVICE_NAME_LEN 65000
#define MAX_QREXEC_CMD_LEN 65535
#define QREXEC_CONTROL_PORT 512
#define QREXEC_FIRST_DATA_PORT 513
#define QREXEC_MAX_FDS 256

#define QREXEC_EXIT_PROBLEM 125
#define QREXEC_EXIT_REQUEST_REFUSED 126
#define QREXEC_EXIT_SERVICE_NOT_FOUND 127

#define TRIGGER_V2_LEN (64 + 32 + 32)
#define TRIGGER_V3_HDR (64 + 32)
#define TRIGGER_V4_HDR (64 + 64 + 32)
#define DOMAIN_FIELD_LEN 64

enum proto_err {
	PROTO_OK = 0,
	PROTO_EFATAL = -1,  /* peer is broken or hostile: drop the link */
	PROTO_EREFUSE = -2, /* request is bad: refuse it, keep the link */
};

struct qrexec_hdr {
	uint32_t type;
	uint32_t len;
};

void proto_hdr_encode(uint8_t out[QREXEC_HDR_LEN], uint32_t type, uint32_t len);
void proto_hdr_decode(const uint8_t in[QREXEC_HDR_LEN], struct qrexec_hdr *h);
size_t proto_data_chunk_max(int version);
const char *proto_type_name(uint32_t type);

/* HELLO: exactly 4 bytes of body. */
int proto_hello_decode(const struct qrexec_hdr *h, const uint8_t *body,
		       uint32_t *version);
int proto_put_hello(struct wbuf *w, uint32_t version);

/* exec_params: u32 connect_domain, u32 connect_port, then a cmdline. */
struct exec_params {
	uint32_t connect_domain;
	uint32_t connect_port;
	const uint8_t *cmd; /* points into the body */
	size_t cmd_len;     /* bytes after the 8-byte head (may be 0) */
};
int proto_exec_params_decode(const uint8_t *body, size_t len,
			     struct exec_params *ep);
int proto_put_exec_params(struct wbuf *w, uint32_t type, uint32_t dom,
			  uint32_t port, const void *cmd, size_t cmd_len);

/* Validated service trigger (from TRIGGER_SERVICE, 3 or 4). */
struct trigger {
	char source[DOMAIN_FIELD_LEN];  /* requested source ("" if none) */
	char target[DOMAIN_FIELD_LEN];  /* sanitized */
	uint8_t ident[QREXEC_IDENT_LEN]; /* raw bytes, as received */
	char *service;                  /* malloc'd, sanitized; NULL on error */
};
/* Decodes and validates a trigger as upstream qrexec-daemon does.
 * PROTO_EFATAL: wrong length for the type/version (drop the agent).
 * PROTO_EREFUSE: bad ident or service name (send SERVICE_REFUSED with
 * t->ident). On PROTO_OK the caller frees t->service. */
int proto_trigger_decode(uint32_t type, int version, const uint8_t *body,
			 size_t len, struct trigger *t);
void trigger_free(struct trigger *t);
int proto_put_trigger4(struct wbuf *w, const char *source, const char *target,
		       const char *ident, const char *service);

/* SERVICE_REFUSED: exactly 32 bytes. */
int proto_put_refused(struct wbuf *w, const uint8_t ident[QREXEC_IDENT_LEN]);

/* CONNECTION_TERMINATED: exactly 8 bytes. */
int proto_terminated_decode(const uint8_t *body, size_t len, uint32_t *dom,
			    uint32_t *port);
int proto_put_terminated(struct wbuf *w, uint32_t dom, uint32_t port);

/* EXIT_CODE: a body shorter than 4 bytes means 255. */
int proto_exit_code_decode(const uint8_t *body, size_t len);
int proto_put_exit_code(struct wbuf *w, int code);

int proto_put_data(struct wbuf *w, uint32_t type, const void *p, size_t n);

/* Checks a header received on a data link: known data type and length
 * within the chunk limit of the negotiated version. */
int proto_data_hdr_check(const struct qrexec_hdr *h, int version);

#endif
