/* rpcconfig: parser for per-service qrexec config files
 * (/etc/qubes/rpc-config/<service>[+arg]), the TOML subset Qubes accepts.
 * Pure: parses a buffer with an explicit length. */
#ifndef BULKHEAD_QREXEC_RPCCONFIG_H
#define BULKHEAD_QREXEC_RPCCONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct rpc_config {
	bool wait_for_session;
	char *force_user; /* malloc'd, NULL when unset */
	bool skip_service_descriptor;
	bool exit_on_service_eof;
	bool exit_on_client_eof;
};

struct rpc_config_error {
	size_t line;     /* 1-based line of the error (0: whole file) */
	char msg[128];
};

/* Returns 0, or -1 and fills *err. An invalid file (see
 * research/qrexec-protocol.md 3.4) and a forbidden key combination
 * (force-user with any of the three booleans true) are errors. */
int rpc_config_parse(const char *buf, size_t len, struct rpc_config *out,
		     struct rpc_config_error *err);
void rpc_config_free(struct rpc_config *c);

#endif
