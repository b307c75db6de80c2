/* qubesd_ops: qrexec-daemon's calls to bulkheadd (see qubesd_ops.h). */
#include "qrexec/daemon/qubesd_ops.h"

#include "lib/log.h"
#include "lib/names.h"
#include "lib/qubesd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_TIMEOUT_MS (120 * 1000)

/* One call; returns 1 for OK (content copied into out when given), 0 for
 * an exception (its type into exc), -1 for a transport failure. */
static int call(const char *sock, const char *method, const char *dest, const char *payload,
		char *out, size_t n, char *exc, size_t en)
{
	const char *type = dest[0] == '@' ? "keyword" : "name";
	if (dest[0] == '@')
		dest++;
	char *buf;
	size_t len;
	if (qubesd_call_raw(sock, method, "dom0", type, dest, payload,
			    payload ? strlen(payload) : 0, START_TIMEOUT_MS, &buf, &len) < 0) {
		LOG_ERR("%s %s: cannot reach qubesd at %s: %m", method, dest, sock);
		return -1;
	}
	struct qubesd_reply r;
	const char *err;
	int rc = -1;
	if (qubesd_reply_parse(buf, len, &r, &err) < 0) {
		LOG_ERR("%s %s: bad answer from qubesd: %s", method, dest, err);
	} else if (r.ok) {
		rc = 1;
		if (out) {
			if (r.content_len >= n || memchr(r.content, '\0', r.content_len)) {
				LOG_ERR("%s %s: unexpected answer", method, dest);
				rc = -1;
			} else {
				memcpy(out, r.content, r.content_len);
				out[r.content_len] = '\0';
			}
		}
	} else {
		rc = 0;
		snprintf(exc, en, "%s", r.exc_type);
		LOG_ERR("%s %s: %s: %s", method, dest, r.exc_type, r.message);
	}
	free(buf);
	return rc;
}

int qubesd_vm_start(const char *sock, const char *vm)
{
	char exc[64] = "";
	int r = call(sock, "admin.vm.Start", vm, NULL, NULL, 0, exc, sizeof exc);
	return r == 1 || (r == 0 && strcmp(exc, "QubesVMNotHaltedError") == 0) ? 0 : -1;
}

int qubesd_vm_create_disposable(const char *sock, const char *tpl, char *name, size_t n)
{
	char exc[64];
	if (call(sock, "admin.vm.CreateDisposable", tpl, NULL, name, n, exc, sizeof exc) != 1)
		return -1;
	if (!names_valid_domain_name(name, strlen(name))) {
		LOG_ERR("admin.vm.CreateDisposable %s: not a qube name in the answer", tpl);
		return -1;
	}
	return 0;
}

void qubesd_vm_kill(const char *sock, const char *vm)
{
	char exc[64];
	call(sock, "admin.vm.Kill", vm, NULL, NULL, 0, exc, sizeof exc);
}
