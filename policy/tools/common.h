/* common: what the policy command-line tools share: the options that say
 * where policy and system info come from, and loading both. */
#ifndef BULKHEAD_POLICY_TOOLS_COMMON_H
#define BULKHEAD_POLICY_TOOLS_COMMON_H

#include "policy/policy.h"
#include "policy/sysinfo.h"

#include <stdbool.h>

#define TOOL_MAX_PATHS 32

struct tool_src {
	const char *paths[TOOL_MAX_PATHS]; /* --path (repeatable) */
	size_t npaths;
	const char *compat_path;           /* --compat-path */
	const char *system_info;           /* --system-info FILE */
	const char *qubesd_socket;         /* --qubesd-socket */
};

/* Long options every tool accepts; `val` codes 1000.. are reserved. */
#define TOOL_SRC_OPTIONS \
	{"path", required_argument, 0, 1001}, \
	{"compat-path", required_argument, 0, 1002}, \
	{"system-info", required_argument, 0, 1003}, \
	{"qubesd-socket", required_argument, 0, 1004}

#define TOOL_SRC_USAGE \
	"  --path DIR           policy directory (repeatable; default\n" \
	"                       /run/qubes/policy.d and /etc/qubes/policy.d)\n" \
	"  --compat-path DIR    legacy 4.0 policy directory for !compat-4.0\n" \
	"                       (default /etc/qubes-rpc/policy)\n" \
	"  --system-info FILE   system info JSON instead of asking bulkheadd\n" \
	"  --qubesd-socket P    bulkheadd's internal socket\n"

/* Handles one of the options above; returns true if it was one. */
bool tool_src_option(struct tool_src *s, int opt, const char *arg);
struct policy *tool_load_policy(const struct tool_src *s, char *err, size_t errlen);
struct sysinfo *tool_load_sysinfo(const struct tool_src *s, char *err, size_t errlen);

#endif
