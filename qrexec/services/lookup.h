/* lookup: finding a qrexec service and its config on the search paths,
 * and parsing /dev/tcp service targets, with Qubes' rules:
 *   pass 1: SVC+ARG (SVC+ when no argument) in every directory,
 *   pass 2: SVC in every directory, only if pass 1 found nothing;
 *   ENOENT tries the next candidate, any other error is a hard error. */
#ifndef BULKHEAD_QREXEC_LOOKUP_H
#define BULKHEAD_QREXEC_LOOKUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "qrexec/cmdline.h"
#include "qrexec/rpcconfig.h"

#define DEFAULT_SERVICE_PATH "/run/qubes-rpc:/usr/local/etc/qubes-rpc:/etc/qubes-rpc"
#define DEFAULT_RPC_CONFIG_PATH \
	"/run/qubes/rpc-config:/usr/local/etc/qubes/rpc-config:/etc/qubes/rpc-config"

enum lookup_result {
	LOOKUP_FOUND = 0,
	LOOKUP_NOT_FOUND = -1, /* exit 127 */
	LOOKUP_ERROR = -2,     /* exit 125 */
};

enum service_kind { SERVICE_EXEC, SERVICE_SOCKET, SERVICE_TCP };

struct service_file {
	enum service_kind kind;
	char path[PATH_MAX];        /* the file found */
	char tcp_link[PATH_MAX];    /* SERVICE_TCP: the symlink's target */
};

const char *service_search_path(void);
const char *rpc_config_search_path(void);

/* Finds the service for cmd (an RPC command). */
int service_lookup(const char *search_path, const struct qrexec_cmd *cmd,
		   struct service_file *out);
/* Finds one exact file name (no '+' handling), e.g. qubes.WaitForSession. */
int service_lookup_exact(const char *search_path, const char *name,
			 struct service_file *out);
/* Loads the config of cmd into cfg (all defaults when there is none).
 * Returns 0, or -1 when it is invalid or cannot be read (exit 125). */
int service_config_load(const char *search_path, const struct qrexec_cmd *cmd,
			struct rpc_config *cfg);

/* Resolves a /dev/tcp symlink target and the call argument (NULL if the
 * call had no '+') to a numeric host and port. Pure. Returns 0, or -1 with
 * *err set. */
int tcp_target_parse(const char *link, const char *arg, char *host,
		     size_t hostlen, char *port, size_t portlen,
		     const char **err);

#endif
