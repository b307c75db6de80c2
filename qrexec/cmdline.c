/* cmdline: parser for qrexec command lines (see cmdline.h). */
#include "qrexec/cmdline.h"
#include "qrexec/proto.h"

#include <stdlib.h>
#include <string.h>

static char *dupn(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

void qrexec_cmd_free(struct qrexec_cmd *c)
{
	free(c->user);
	free(c->command);
	free(c->descriptor);
	free(c->service_name);
	free(c->arg);
	free(c->source);
	free(c->target_type);
	free(c->target);
	memset(c, 0, sizeof *c);
}

#define FAIL(msg)            \
	do {                 \
		*err = msg;  \
		goto fail;   \
	} while (0)

int qrexec_cmd_parse(const char *buf, size_t len, bool with_user,
		     struct qrexec_cmd *out, const char **err)
{
	static const char rpc[] = "QUBESRPC";
	static const char nogui[] = "nogui:";
	memset(out, 0, sizeof *out);
	if (len > 0 && buf[len - 1] == '\0')
		len--;
	if (memchr(buf, '\0', len))
		FAIL("command contains a NUL byte");
	if (len > MAX_QREXEC_CMD_LEN)
		FAIL("command too long");

	const char *p = buf, *end = buf + len;
	if (with_user) {
		const char *colon = memchr(p, ':', len);
		if (!colon)
			FAIL("no user part (missing ':')");
		if (!(out->user = dupn(p, (size_t)(colon - p))))
			FAIL("out of memory");
		p = colon + 1;
	}
	if ((size_t)(end - p) >= sizeof nogui - 1 &&
	    memcmp(p, nogui, sizeof nogui - 1) == 0) {
		out->nogui = true;
		p += sizeof nogui - 1;
	}
	if (!(out->command = dupn(p, (size_t)(end - p))))
		FAIL("out of memory");

	if ((size_t)(end - p) < sizeof rpc - 1 || memcmp(p, rpc, sizeof rpc - 1) != 0)
		return 0; /* plain command */
	p += sizeof rpc - 1;
	if (p >= end || *p != ' ')
		FAIL("QUBESRPC not followed by a space");
	p++;
	out->is_rpc = true;

	const char *sp = memchr(p, ' ', (size_t)(end - p));
	if (!sp)
		FAIL("no space after the service descriptor");
	if (sp == p)
		FAIL("empty service descriptor");
	size_t dlen = (size_t)(sp - p);
	if (dlen > MAX_SERVICE_NAME_LEN)
		FAIL("service descriptor too long");
	const char *plus = memchr(p, '+', dlen);
	size_t nlen = plus ? (size_t)(plus - p) : dlen;
	if (nlen < 1)
		FAIL("empty service name");
	if (nlen > QREXEC_SERVICE_NAME_MAX)
		FAIL("service name too long");
	if (!(out->descriptor = dupn(p, dlen)) ||
	    !(out->service_name = dupn(p, nlen)))
		FAIL("out of memory");
	if (plus && !(out->arg = dupn(plus + 1, dlen - nlen - 1)))
		FAIL("out of memory");

	const char *s = sp + 1;
	const char *send = memchr(s, ' ', (size_t)(end - s));
	if (!send)
		send = end;
	if (send == s)
		FAIL("empty source domain");
	if (!(out->source = dupn(s, (size_t)(send - s))))
		FAIL("out of memory");

	/* Token count as strtok(" ") sees the text after "QUBESRPC ". */
	const char *toks[4] = {0};
	size_t tlen[4] = {0};
	size_t n = 0;
	for (const char *q = p; q < end;) {
		while (q < end && *q == ' ')
			q++;
		if (q >= end)
			break;
		const char *t = q;
		while (q < end && *q != ' ')
			q++;
		if (n < 4) {
			toks[n] = t;
			tlen[n] = (size_t)(q - t);
		}
		n++;
	}
	out->ntokens = n;
	if (n >= 3 && !(out->target_type = dupn(toks[2], tlen[2])))
		FAIL("out of memory");
	if (n >= 4 && !(out->target = dupn(toks[3], tlen[3])))
		FAIL("out of memory");
	return 0;
fail:
	qrexec_cmd_free(out);
	return -1;
}

char *qrexec_cmd_lookup_name(const struct qrexec_cmd *c)
{
	size_t l = strlen(c->descriptor);
	char *s = malloc(l + 2);
	if (!s)
		return NULL;
	memcpy(s, c->descriptor, l + 1);
	if (!c->arg) {
		s[l] = '+';
		s[l + 1] = '\0';
	}
	return s;
}
