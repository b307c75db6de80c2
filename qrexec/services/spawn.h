/* spawn: preparing the local side of a qrexec call: running an RPC
 * service executable (with the environment Qubes gives it), connecting to
 * a socket or TCP service (sending the service descriptor), or running a
 * legacy shell command; switching user when running as root. */
#ifndef BULKHEAD_QREXEC_SPAWN_H
#define BULKHEAD_QREXEC_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "qrexec/cmdline.h"

enum spawn_mode {
	SPAWN_DOMAIN,   /* in a domain: USER: prefix, stderr captured */
	SPAWN_DOM0,     /* dom0 service for a domain: no user, stderr not captured */
	SPAWN_DIRECT,   /* dom0 -> dom0: exec in place, stdio passed through */
};

struct spawn_opts {
	enum spawn_mode mode;
	bool just_exec;      /* stdio on /dev/null; do not wait */
	const char *shell;   /* for legacy commands, NULL: default */
};

struct local_side {
	int in_fd;   /* we write the caller's data here */
	int out_fd;  /* we read the service's output here */
	int err_fd;  /* service's stderr, or -1 */
	pid_t pid;   /* service process, or -1 (socket service) */
	bool exit_on_service_eof;
	bool exit_on_client_eof;
};

/* Prepares the local side for `cmd`. Returns 0, or an exit code to
 * report instead (127: service not found, 125: other problem).
 * SPAWN_DIRECT does not return on success. */
int spawn_prepare(const struct spawn_opts *o, struct qrexec_cmd *cmd,
		  struct local_side *ls);

#endif
