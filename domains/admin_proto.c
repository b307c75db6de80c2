/* admin_proto: qubesd request parsing and reply framing (see
 * admin_proto.h). */
#include "domains/admin_proto.h"

#include <string.h>

static bool field_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* Copies the next space-separated field of the header into out. */
static int take_field(const uint8_t **p, const uint8_t *end, char *out, size_t cap,
		      bool last)
{
	const uint8_t *s = *p;
	const uint8_t *e = s;
	while (e < end && *e != ' ')
		e++;
	if (e == s || (size_t)(e - s) >= cap)
		return -1;
	if (last != (e == end))
		return -1;
	for (const uint8_t *q = s; q < e; q++)
		if (!field_char(*q))
			return -1;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	*p = e < end ? e + 1 : e;
	return 0;
}

enum admin_parse admin_request_parse(const uint8_t *buf, size_t len, bool at_eof,
				     struct admin_request *out, const char **err)
{
	memset(out, 0, sizeof *out);
	if (len > ADMIN_REQUEST_MAX) {
		*err = "request larger than 64 KiB";
		return ADMIN_PARSE_BAD;
	}
	const uint8_t *nul = memchr(buf, '\0', len);
	if (!nul) {
		if (!at_eof)
			return ADMIN_PARSE_INCOMPLETE;
		*err = "no NUL after the header";
		return ADMIN_PARSE_BAD;
	}
	const uint8_t *p = buf, *end = nul;
	char call[sizeof out->method + sizeof out->arg];
	char dtype[16];
	if (take_field(&p, end, call, sizeof call, false) < 0 ||
	    take_field(&p, end, out->source, sizeof out->source, false) < 0 ||
	    take_field(&p, end, dtype, sizeof dtype, false) < 0 ||
	    take_field(&p, end, out->dest, sizeof out->dest, true) < 0) {
		*err = "the header is not METHOD[+ARG] SOURCE DEST_TYPE DEST";
		return ADMIN_PARSE_BAD;
	}
	char *plus = strchr(call, '+');
	if (plus) {
		*plus = '\0';
		out->has_plus = true;
		if (strlen(plus + 1) >= sizeof out->arg) {
			*err = "argument too long";
			return ADMIN_PARSE_BAD;
		}
		strcpy(out->arg, plus + 1);
	}
	if (strlen(call) >= sizeof out->method || call[0] == '\0') {
		*err = "bad method name";
		return ADMIN_PARSE_BAD;
	}
	strcpy(out->method, call);
	if (strcmp(dtype, "name") == 0) {
		out->dest_type = ADMIN_DEST_NAME;
	} else if (strcmp(dtype, "keyword") == 0) {
		out->dest_type = ADMIN_DEST_KEYWORD;
		if (strcmp(out->dest, "adminvm") != 0) {
			*err = "unsupported keyword destination";
			return ADMIN_PARSE_BAD;
		}
	} else {
		*err = "unsupported destination type";
		return ADMIN_PARSE_BAD;
	}
	out->payload = nul + 1;
	out->payload_len = len - (size_t)(nul + 1 - buf);
	return ADMIN_PARSE_OK;
}

int admin_put_ok(struct wbuf *w, const void *content, size_t len)
{
	static const uint8_t hdr[2] = {'0', 0};
	int r = wbuf_put_bytes(w, hdr, 2);
	return r ? r : wbuf_put_bytes(w, content, len);
}

static int put_str0(struct wbuf *w, const char *s)
{
	return wbuf_put_bytes(w, s, strlen(s) + 1);
}

int admin_put_exception(struct wbuf *w, const char *type, const char *message)
{
	static const uint8_t hdr[2] = {'2', 0};
	int r = wbuf_put_bytes(w, hdr, 2);
	if (!r)
		r = put_str0(w, type);
	if (!r)
		r = put_str0(w, ""); /* traceback: only in debug mode upstream */
	if (!r)
		r = put_str0(w, message);
	return r;
}

int admin_put_event(struct wbuf *w, const char *subject, const char *event,
		    const char *const *kv, size_t n)
{
	static const uint8_t hdr[2] = {'1', 0};
	int r = wbuf_put_bytes(w, hdr, 2);
	if (!r)
		r = put_str0(w, subject ? subject : "");
	if (!r)
		r = put_str0(w, event);
	for (size_t i = 0; !r && i < 2 * n; i++)
		r = put_str0(w, kv[i]);
	if (!r)
		r = wbuf_put_bytes(w, "", 1);
	return r;
}
