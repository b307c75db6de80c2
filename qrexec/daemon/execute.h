/* execute: the dom0 side of connecting a call, shared by qrexec-daemon's
 * request children and qrexec-client:
 *  - talking to a domain's qrexec-daemon over its client socket
 *    (<socket_dir>/qrexec.<name|id|uuid:U>);
 *  - starting a call in a target domain and connecting the source's
 *    pending request to it (VM -> VM);
 *  - running a dom0 service for a domain's pending request (VM -> dom0). */
#ifndef BULKHEAD_QREXEC_EXECUTE_H
#define BULKHEAD_QREXEC_EXECUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEFAULT_DAEMON_SOCKET_DIR "/var/run/qubes"

/* Connects to a daemon's client socket and does the client HELLO.
 * Returns the fd or -1. */
int daemon_connect(const char *socket_dir, const char *domain);
/* Sends `type` with {dom, 0} + payload and reads the reply of the same
 * type carrying {data_dom, data_port}. Returns 0 or -1. */
int daemon_negotiate(int fd, uint32_t type, uint32_t dom, const void *payload,
		     size_t len, uint32_t *data_dom, uint32_t *data_port);
/* Sends SERVICE_CONNECT {dom, port, ident[32]} to the source daemon. */
int daemon_service_connect(int fd, uint32_t dom, uint32_t port, const char *ident);

/* VM -> VM: starts `cmd` (with USER: prefix) in `target`, then tells the
 * source's daemon (by id) to connect request `ident` to it. With wait_fd,
 * the connection to the target's daemon stays open and is returned
 * there: it reaches EOF when the call has ended (or -1 on failure). */
bool execute_in_vm(const char *socket_dir, const char *target,
		   uint32_t src_domid, const char *cmd, const char *ident,
		   bool just_exec, int *wait_fd);
/* Whether the target's daemon socket exists (its qube is running). */
bool daemon_socket_exists(const char *socket_dir, const char *domain);

/* VM -> dom0: runs dom0 service `cmd` ("[nogui:]QUBESRPC SVC+ARG SRC TYPE
 * TGT" or a legacy command) for request `ident` of domain src_domid.
 * Returns the exit code of the call (as qrexec-client reports it). */
int run_to_dom0(const char *socket_dir, const char *ident, const char *src_name,
		uint32_t src_domid, const char *cmd, int timeout_ms);

#endif
