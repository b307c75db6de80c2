/* vchan: the "vchan over unix sockets" transport of Qubes' socket build.
 *
 * A vchan between a server domain S and a client domain C on port P is a
 * unix stream socket file $VCHAN_SOCKET_DIR/vchan.S.C.P.sock. The server
 * unlinks, binds, listens and accepts exactly one connection; the client
 * connects, retrying while the file is missing or refuses. The local domain
 * id comes from $VCHAN_DOMAIN (default 0). The payload is a plain byte
 * stream; EOF means the vchan is closed. */
#ifndef BULKHEAD_VCHAN_H
#define BULKHEAD_VCHAN_H

#include <stddef.h>

#define VCHAN_DEFAULT_DIR "/var/run/vchan"

int vchan_local_domain(void);
const char *vchan_socket_dir(void);
/* Formats the socket path; returns 0, or -1 if it does not fit sun_path. */
int vchan_path(char *out, size_t n, int server_dom, int client_dom, int port);
/* Listens as server (local domain) for client `remote_dom` on `port`.
 * Returns the listening fd (close-on-exec) or -1. */
int vchan_server_listen(int remote_dom, int port);
/* Accepts the single client within timeout_ms (<0: forever), closes and
 * unlinks the listening socket. Returns the connected fd or -1. */
int vchan_server_accept(int lfd, int remote_dom, int port, int timeout_ms);
/* Connects as client to server `remote_dom` on `port`, retrying within
 * timeout_ms (<0: forever). Returns the connected fd or -1. */
int vchan_client_connect(int remote_dom, int port, int timeout_ms);
/* Connects to a unix socket path (no retry). Returns fd or -1. */
int unix_connect(const char *path);
/* Connects to a unix socket path, retrying on ENOENT/ECONNREFUSED. */
int unix_connect_retry(const char *path, int timeout_ms);
/* Creates a listening unix socket at path (unlinking a stale one). */
int unix_listen(const char *path, int backlog);

#endif
