/* progpath: locating helper programs (see progpath.h). */
#include "tools/progpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool progpath_find(const char *env_var, const char *name, const char *fallback, char *out,
		   size_t n)
{
	const char *e = env_var ? getenv(env_var) : NULL;
	if (e && *e) {
		snprintf(out, n, "%s", e);
		return access(out, X_OK) == 0;
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	const char *p = path;
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t dl = colon ? (size_t)(colon - p) : strlen(p);
		if (dl > 0) {
			int w = snprintf(out, n, "%.*s/%s", (int)dl, p, name);
			if (w > 0 && (size_t)w < n && access(out, X_OK) == 0)
				return true;
		}
		if (!colon)
			break;
		p = colon + 1;
	}
	snprintf(out, n, "%s", fallback);
	return access(out, X_OK) == 0;
}
