/* proto: the qrexec wire protocol, pure encoders and decoders. */
#include "qrexec/proto.h"

#include <stdlib.h>
#include <string.h>

void proto_hdr_encode(uint8_t out[QREXEC_HDR_LEN], uint32_t type, uint32_t len)
{
	buf_put_le32(out, type);
	buf_put_le32(out + 4, len);
}

void proto_hdr_decode(const uint8_t in[QREXEC_HDR_LEN], struct qrexec_hdr *h)
{
	h->type = buf_le32(in);
	h->len = buf_le32(in + 4);
}

size_t proto_data_chunk_max(int version)
{
	return version >= QREXEC_PROTOCOL_V3 ? MAX_DATA_CHUNK_V3 : MAX_DATA_CHUNK_V2;
}

const char *proto_type_name(uint32_t type)
{
	switch (type) {
	case MSG_DATA_STDIN: return "DATA_STDIN";
	case MSG_DATA_STDOUT: return "DATA_STDOUT";
	case MSG_DATA_STDERR: return "DATA_STDERR";
	case MSG_DATA_EXIT_CODE: return "DATA_EXIT_CODE";
	case MSG_EXEC_CMDLINE: return "EXEC_CMDLINE";
	case MSG_JUST_EXEC: return "JUST_EXEC";
	case MSG_SERVICE_CONNECT: return "SERVICE_CONNECT";
	case MSG_SERVICE_REFUSED: return "SERVICE_REFUSED";
	case MSG_TRIGGER_SERVICE: return "TRIGGER_SERVICE";
	case MSG_CONNECTION_TERMINATED: return "CONNECTION_TERMINATED";
	case MSG_TRIGGER_SERVICE3: return "TRIGGER_SERVICE3";
	case MSG_TRIGGER_SERVICE4: return "TRIGGER_SERVICE4";
	case MSG_HELLO: return "HELLO";
	default: return "unknown";
	}
}

static int put_hdr(struct wbuf *w, uint32_t type, size_t len)
{
	if (len > UINT32_MAX)
		return BUF_ELIMIT;
	uint8_t h[QREXEC_HDR_LEN];
	proto_hdr_encode(h, type, (uint32_t)len);
	return wbuf_put_bytes(w, h, sizeof h);
}

int proto_hello_decode(const struct qrexec_hdr *h, const uint8_t *body,
		       uint32_t *version)
{
	if (h->type != MSG_HELLO || h->len != 4)
		return PROTO_EFATAL;
	*version = buf_le32(body);
	return PROTO_OK;
}

int proto_put_hello(struct wbuf *w, uint32_t version)
{
	int r = put_hdr(w, MSG_HELLO, 4);
	return r ? r : wbuf_put_u32le(w, version);
}

int proto_exec_params_decode(const uint8_t *body, size_t len,
			     struct exec_params *ep)
{
	struct rbuf b;
	rbuf_init(&b, body, len);
	if (rbuf_get_u32le(&b, &ep->connect_domain) ||
	    rbuf_get_u32le(&b, &ep->connect_port))
		return PROTO_EFATAL;
	ep->cmd = rbuf_cur(&b);
	ep->cmd_len = rbuf_left(&b);
	return PROTO_OK;
}

int proto_put_exec_params(struct wbuf *w, uint32_t type, uint32_t dom,
			  uint32_t port, const void *cmd, size_t cmd_len)
{
	int r = put_hdr(w, type, 8 + cmd_len);
	if (!r)
		r = wbuf_put_u32le(w, dom);
	if (!r)
		r = wbuf_put_u32le(w, port);
	if (!r)
		r = wbuf_put_bytes(w, cmd, cmd_len);
	return r;
}

static void copy_domain(char dst[DOMAIN_FIELD_LEN], const uint8_t *src,
			size_t width)
{
	memset(dst, 0, DOMAIN_FIELD_LEN);
	memcpy(dst, src, width < DOMAIN_FIELD_LEN ? width : DOMAIN_FIELD_LEN);
	dst[(width < DOMAIN_FIELD_LEN ? width : DOMAIN_FIELD_LEN) - 1] = '\0';
	names_sanitize(dst, "@:");
}

void trigger_free(struct trigger *t)
{
	free(t->service);
	t->service = NULL;
}

int proto_trigger_decode(uint32_t type, int version, const uint8_t *body,
			 size_t len, struct trigger *t)
{
	struct rbuf b;
	const uint8_t *p;
	size_t name_len;

	memset(t, 0, sizeof *t);
	rbuf_init(&b, body, len);
	switch (type) {
	case MSG_TRIGGER_SERVICE:
		if (version >= QREXEC_PROTOCOL_V3 || len != TRIGGER_V2_LEN)
			return PROTO_EFATAL;
		rbuf_get_ptr(&b, &p, 64);
		name_len = strnlen((const char *)p, 63);
		t->service = malloc(name_len + 1);
		if (!t->service)
			return PROTO_EFATAL;
		memcpy(t->service, p, name_len);
		t->service[name_len] = '\0';
		rbuf_get_ptr(&b, &p, 32);
		copy_domain(t->target, p, 32);
		rbuf_get_bytes(&b, t->ident, QREXEC_IDENT_LEN);
		break;
	case MSG_TRIGGER_SERVICE3:
	case MSG_TRIGGER_SERVICE4: {
		size_t head = type == MSG_TRIGGER_SERVICE3 ? TRIGGER_V3_HDR : TRIGGER_V4_HDR;
		if (version < (type == MSG_TRIGGER_SERVICE3 ? QREXEC_PROTOCOL_V3
							    : QREXEC_PROTOCOL_VERSION))
			return PROTO_EFATAL;
		/* QSB-089: the body must have room for at least the NUL. */
		if (len <= head || len - head > MAX_SERVICE_NAME_LEN)
			return PROTO_EFATAL;
		if (type == MSG_TRIGGER_SERVICE4) {
			rbuf_get_ptr(&b, &p, 64);
			copy_domain(t->source, p, 64);
		}
		rbuf_get_ptr(&b, &p, 64);
		copy_domain(t->target, p, 64);
		rbuf_get_bytes(&b, t->ident, QREXEC_IDENT_LEN);
		name_len = rbuf_left(&b) - 1;
		p = rbuf_cur(&b);
		if (!names_valid_request_id(t->ident))
			return PROTO_EREFUSE;
		/* NUL-terminated, no interior NUL */
		if (p[name_len] != '\0' || memchr(p, '\0', name_len))
			return PROTO_EREFUSE;
		t->service = malloc(name_len + 1);
		if (!t->service)
			return PROTO_EFATAL;
		memcpy(t->service, p, name_len + 1);
		break;
	}
	default:
		return PROTO_EFATAL;
	}
	if (!names_valid_request_id(t->ident) || !names_check_service_name(t->service)) {
		trigger_free(t);
		return PROTO_EREFUSE;
	}
	return PROTO_OK;
}

int proto_put_trigger4(struct wbuf *w, const char *source, const char *target,
		       const char *ident, const char *service)
{
	size_t sl = strlen(service);
	if (sl > MAX_SERVICE_NAME_LEN - 1)
		return BUF_EINVAL;
	int r = put_hdr(w, MSG_TRIGGER_SERVICE4, TRIGGER_V4_HDR + sl + 1);
	if (!r)
		r = wbuf_put_fixed_str(w, source, 64);
	if (!r)
		r = wbuf_put_fixed_str(w, target, 64);
	if (!r)
		r = wbuf_put_fixed_str(w, ident, 32);
	if (!r)
		r = wbuf_put_bytes(w, service, sl + 1);
	return r;
}

int proto_put_refused(struct wbuf *w, const uint8_t ident[QREXEC_IDENT_LEN])
{
	int r = put_hdr(w, MSG_SERVICE_REFUSED, QREXEC_IDENT_LEN);
	return r ? r : wbuf_put_bytes(w, ident, QREXEC_IDENT_LEN);
}

int proto_terminated_decode(const uint8_t *body, size_t len, uint32_t *dom,
			    uint32_t *port)
{
	if (len != 8)
		return PROTO_EFATAL;
	*dom = buf_le32(body);
	*port = buf_le32(body + 4);
	return PROTO_OK;
}

int proto_put_terminated(struct wbuf *w, uint32_t dom, uint32_t port)
{
	int r = put_hdr(w, MSG_CONNECTION_TERMINATED, 8);
	if (!r)
		r = wbuf_put_u32le(w, dom);
	if (!r)
		r = wbuf_put_u32le(w, port);
	return r;
}

int proto_exit_code_decode(const uint8_t *body, size_t len)
{
	if (len < 4)
		return 255;
	return (int)buf_le32(body);
}

int proto_put_exit_code(struct wbuf *w, int code)
{
	int r = put_hdr(w, MSG_DATA_EXIT_CODE, 4);
	return r ? r : wbuf_put_u32le(w, (uint32_t)code);
}

int proto_put_data(struct wbuf *w, uint32_t type, const void *p, size_t n)
{
	int r = put_hdr(w, type, n);
	return r ? r : wbuf_put_bytes(w, p, n);
}

int proto_data_hdr_check(const struct qrexec_hdr *h, int version)
{
	switch (h->type) {
	case MSG_DATA_STDIN:
	case MSG_DATA_STDOUT:
	case MSG_DATA_STDERR:
	case MSG_DATA_EXIT_CODE:
		break;
	default:
		return PROTO_EFATAL;
	}
	if (h->len > proto_data_chunk_max(version))
		return PROTO_EFATAL;
	return PROTO_OK;
}
