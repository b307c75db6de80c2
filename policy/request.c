/* request: policy daemon request parser (see request.h). */
#include "policy/request.h"

#include <stdlib.h>
#include <string.h>

bool policyd_request_complete(const char *buf, size_t len)
{
	if (len >= 1 && buf[0] == '\n')
		return true;
	for (size_t i = 1; i < len; i++)
		if (buf[i] == '\n' && buf[i - 1] == '\n')
			return true;
	return false;
}

static int set_str(char **slot, const char *v, size_t n, const char **err)
{
	if (*slot) {
		*err = "duplicate argument";
		return -1;
	}
	*slot = strndup(v, n);
	if (!*slot) {
		*err = "out of memory";
		return -1;
	}
	return 0;
}

static int set_bool(bool *slot, bool *seen, const char *v, size_t n, const char **err)
{
	if (*seen) {
		*err = "duplicate argument";
		return -1;
	}
	*seen = true;
	if (n == 3 && memcmp(v, "yes", 3) == 0)
		*slot = true;
	else if (n == 2 && memcmp(v, "no", 2) == 0)
		*slot = false;
	else {
		*err = "invalid bool value";
		return -1;
	}
	return 0;
}

int policyd_request_parse(const char *buf, size_t len, struct policyd_request *out,
			  const char **err)
{
	memset(out, 0, sizeof *out);
	bool seen_ay = false, seen_je = false;
	if (len > POLICY_REQUEST_MAX) {
		*err = "request too long";
		return -1;
	}
	size_t i = 0;
	while (i < len) {
		const char *line = buf + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) : len - i;
		i += ll + (nl ? 1 : 0);
		if (ll == 0)
			break; /* the empty line ends the request */
		for (size_t k = 0; k < ll; k++) {
			unsigned char c = (unsigned char)line[k];
			if (c == 0 || c >= 0x80) {
				*err = "NUL or non-ASCII byte";
				goto bad;
			}
		}
		const char *eq = memchr(line, '=', ll);
		if (!eq) {
			*err = "line without '='";
			goto bad;
		}
		size_t kl = (size_t)(eq - line);
		const char *v = eq + 1;
		size_t vl = ll - kl - 1;
#define KEY(s) (kl == sizeof(s) - 1 && memcmp(line, s, kl) == 0)
		int rc;
		if (KEY("source"))
			rc = set_str(&out->source, v, vl, err);
		else if (KEY("intended_target"))
			rc = set_str(&out->intended_target, v, vl, err);
		else if (KEY("service_and_arg"))
			rc = set_str(&out->service_and_arg, v, vl, err);
		else if (KEY("requested_source"))
			rc = set_str(&out->requested_source, v, vl, err);
		else if (KEY("assume_yes_for_ask"))
			rc = set_bool(&out->assume_yes_for_ask, &seen_ay, v, vl, err);
		else if (KEY("just_evaluate"))
			rc = set_bool(&out->just_evaluate, &seen_je, v, vl, err);
		else {
			*err = "unknown argument";
			rc = -1;
		}
#undef KEY
		if (rc < 0)
			goto bad;
	}
	if (!out->source || !out->intended_target || !out->service_and_arg) {
		*err = "required argument missing";
		goto bad;
	}
	return 0;
bad:
	policyd_request_free(out);
	return -1;
}

void policyd_request_free(struct policyd_request *r)
{
	free(r->source);
	free(r->intended_target);
	free(r->service_and_arg);
	free(r->requested_source);
	memset(r, 0, sizeof *r);
}

int policyd_qrexec_header_parse(const char *buf, size_t len, size_t *hdr_len,
				char **service, char **arg, char **remote)
{
	*service = *arg = *remote = NULL;
	size_t lim = len < 1024 ? len : 1024;
	const char *nul = memchr(buf, '\0', lim);
	if (!nul)
		return len >= 1024 ? -1 : 0;
	size_t hl = (size_t)(nul - buf);
	const char *sp = memchr(buf, ' ', hl);
	if (!sp || sp == buf)
		return -1;
	for (size_t i = 0; i < hl; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c < 0x20 || c >= 0x7f)
			return -1;
	}
	const char *rd = sp + 1;
	const char *rd_end = memchr(rd, ' ', (size_t)(nul - rd));
	if (!rd_end)
		rd_end = nul;
	if (rd_end == rd)
		return -1;
	const char *plus = memchr(buf, '+', (size_t)(sp - buf));
	*service = strndup(buf, (size_t)((plus ? plus : sp) - buf));
	*arg = plus ? strndup(plus + 1, (size_t)(sp - plus - 1)) : NULL;
	*remote = strndup(rd, (size_t)(rd_end - rd));
	if (!*service || (plus && !*arg) || !*remote) {
		free(*service);
		free(*arg);
		free(*remote);
		*service = *arg = *remote = NULL;
		return -1;
	}
	*hdr_len = hl + 1;
	return 1;
}

static bool eval_name_ok(const char *s, size_t n, size_t max)
{
	if (n < 1 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '@' || c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

int policyd_eval_payload_parse(const char *buf, size_t len, char source[32],
			       char target[64])
{
	if (len > 96)
		return -1;
	const char *nul = memchr(buf, '\0', len);
	if (!nul)
		return -1;
	size_t sl = (size_t)(nul - buf), tl = len - sl - 1;
	if (!eval_name_ok(buf, sl, 31) || !eval_name_ok(nul + 1, tl, 63))
		return -1;
	memcpy(source, buf, sl);
	source[sl] = '\0';
	memcpy(target, nul + 1, tl);
	target[tl] = '\0';
	return 0;
}
