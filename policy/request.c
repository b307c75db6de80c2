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
