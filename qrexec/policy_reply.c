/* policy_reply: parser for the policy reply lines (see policy_reply.h). */
#include "qrexec/policy_reply.h"

#include <stdlib.h>
#include <string.h>

void policy_reply_free(struct policy_reply *r)
{
	free(r->user);
	free(r->target);
	free(r->target_uuid);
	free(r->requested_target);
	free(r->service);
	free(r->policy_source);
	memset(r, 0, sizeof *r);
}

static int set_once(char **slot, const char *v, size_t n)
{
	if (*slot)
		return -1;
	*slot = malloc(n + 1);
	if (!*slot)
		return -1;
	memcpy(*slot, v, n);
	(*slot)[n] = '\0';
	return 0;
}

#define KEYIS(k) (klen == sizeof(k) - 1 && memcmp(line, k, klen) == 0)

int policy_reply_parse(const char *buf, size_t len, struct policy_reply *out,
		       const char **err)
{
	memset(out, 0, sizeof *out);
	char *result = NULL, *autostart = NULL;
	*err = NULL;
	if (len == 0) {
		*err = "empty policy reply";
		return -1;
	}
	if (len > POLICY_REPLY_MAX) {
		*err = "policy reply too long";
		return -1;
	}
	if (memchr(buf, '\0', len)) {
		*err = "NUL byte in policy reply";
		return -1;
	}
	if (buf[len - 1] == '\n')
		len--;
	const char *p = buf, *end = buf + len;
	while (p <= end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line = p, *lend = nl ? nl : end;
		const char *eq = memchr(line, '=', (size_t)(lend - line));
		if (!eq) {
			*err = "policy reply line without '='";
			goto fail;
		}
		size_t klen = (size_t)(eq - line);
		const char *v = eq + 1;
		size_t vlen = (size_t)(lend - v);
		char **slot = NULL;
		if (KEYIS("result"))
			slot = &result;
		else if (KEYIS("user"))
			slot = &out->user;
		else if (KEYIS("target"))
			slot = &out->target;
		else if (KEYIS("target_uuid"))
			slot = &out->target_uuid;
		else if (KEYIS("autostart"))
			slot = &autostart;
		else if (KEYIS("requested_target"))
			slot = &out->requested_target;
		else if (KEYIS("service"))
			slot = &out->service;
		else if (KEYIS("policy_source"))
			slot = &out->policy_source;
		if (slot && set_once(slot, v, vlen) < 0) {
			*err = "duplicate key in policy reply";
			goto fail;
		}
		/* unknown keys are ignored */
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!result) {
		*err = "policy reply without result=";
		goto fail;
	}
	if (strcmp(result, "allow") == 0) {
		if (!out->user || !out->target || !out->requested_target || !autostart) {
			*err = "allow reply lacks user, target, requested_target or autostart";
			goto fail;
		}
		if (strcmp(autostart, "True") == 0)
			out->autostart = true;
		else if (strcmp(autostart, "False") == 0)
			out->autostart = false;
		else {
			*err = "autostart is neither True nor False";
			goto fail;
		}
		if (!out->target[0] || !out->requested_target[0]) {
			*err = "empty target in allow reply";
			goto fail;
		}
		out->allow = true;
	} else if (strcmp(result, "deny") == 0) {
		if (out->user || out->target || out->requested_target || autostart) {
			*err = "deny reply carries allow-only keys";
			goto fail;
		}
		out->allow = false;
	} else {
		*err = "result is neither allow nor deny";
		goto fail;
	}
	free(result);
	free(autostart);
	return 0;
fail:
	free(result);
	free(autostart);
	policy_reply_free(out);
	return -1;
}
