/* sandbox_layout: the bubblewrap command line of a domain: namespaces,
 * identity, capabilities, environment, and the file system assembled from
 * the stage (sandbox_stage.h) as documented in sandbox.h. Built in the
 * launcher before it forks, from plain data. */
#ifndef BULKHEAD_SANDBOX_LAYOUT_H
#define BULKHEAD_SANDBOX_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "domains/sandbox.h"
#include "domains/sandbox_etc.h"
#include "domains/sandbox_stage.h"

/* Descriptor numbers as bubblewrap will find them. */
struct layout_fds {
	int userns, info, status, seccomp, ready, qubesdb;
};

struct layout_in {
	const struct sandbox_spec *spec;
	const struct stage_plan *plan;
	const char *init_name, *agent_name;  /* file names in SB_IN_BIN */
};

/* Appends the command line to argv (strings malloc'd; free with
 * strlist_free). Returns 0, or -1 with a message in err. */
int layout_bwrap_argv(const struct layout_in *in, const struct layout_fds *fds,
		      struct strlist *argv, char *err, size_t errlen);
/* Whether NAME=value may be passed as extra environment. */
bool layout_env_allowed(const char *kv);

#endif
