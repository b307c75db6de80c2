/* common: shared option handling and loading for the policy tools. */
#include "policy/tools/common.h"
#include "policy/sysinfo_source.h"

#include <stdio.h>
#include <stdlib.h>

bool tool_src_option(struct tool_src *s, int opt, const char *arg)
{
	switch (opt) {
	case 1001:
		if (s->npaths == TOOL_MAX_PATHS) {
			fprintf(stderr, "too many --path options (at most %d)\n", TOOL_MAX_PATHS);
			exit(2);
		}
		s->paths[s->npaths++] = arg;
		return true;
	case 1002:
		s->compat_path = arg;
		return true;
	case 1003:
		s->system_info = arg;
		return true;
	case 1004:
		s->qubesd_socket = arg;
		return true;
	}
	return false;
}

struct policy *tool_load_policy(const struct tool_src *s, char *err, size_t errlen)
{
	struct policy_load_opts o = {
		.dirs = s->npaths ? s->paths : NULL,
		.ndirs = s->npaths,
		.compat_dir = s->compat_path,
	};
	return policy_load(&o, err, errlen);
}

struct sysinfo *tool_load_sysinfo(const struct tool_src *s, char *err, size_t errlen)
{
	struct sysinfo *si;
	if (sysinfo_fetch(s->system_info, s->qubesd_socket, &si, err, errlen) < 0)
		return NULL;
	return si;
}
