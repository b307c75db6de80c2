/* sysinfo_source: loading system info from a file or from bulkheadd (see
 * sysinfo_source.h). */
#include "policy/sysinfo_source.h"
#include "lib/qubesd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sysinfo_fetch(const char *file, const char *sock, struct sysinfo **out,
		  char *err, size_t errlen)
{
	if (file)
		return sysinfo_load_file(file, out, err, errlen);
	if (!sock)
		sock = QUBESD_INTERNAL_SOCKET;
	char *buf;
	size_t len;
	if (qubesd_call_raw(sock, "internal.GetSystemInfo+", "dom0", "name", "dom0", NULL, 0,
			    10000, &buf, &len) < 0) {
		snprintf(err, errlen, "cannot get system info from %s: %s", sock,
			 strerror(errno));
		return -1;
	}
	struct qubesd_reply rep;
	const char *perr;
	int rc = -1;
	if (qubesd_reply_parse(buf, len, &rep, &perr) < 0)
		snprintf(err, errlen, "bad reply from %s: %s", sock, perr);
	else if (!rep.ok)
		snprintf(err, errlen, "%s: internal.GetSystemInfo failed: %s: %s", sock,
			 rep.exc_type, rep.message);
	else
		rc = sysinfo_parse(rep.content, rep.content_len, out, err, errlen);
	free(buf);
	return rc;
}
