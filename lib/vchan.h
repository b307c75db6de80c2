/* vchan: the "vchan over unix sockets" transport of Qubes' socket build.
 *
 * A vchan between a server domain S and a client domain C on port P is a
 * unix stream socket file vchan.S.C.P.sock in a socket directory. The
 * server unlinks, binds, listens and accepts exactly one connection; the
 * client connects, retrying while the file is missing or refuses. The
 * local domain id comes from $VCHAN_DOMAIN (default 0). The payload is a
 * plain byte stream; EOF means the vchan is closed.
 *
 * Where the socket file lives:
 *  - in $VCHAN_SOCKET_DIR when it is set (one directory shared by
 *    everyone, as in Qubes' own socket test build), and in a domain
 *    (local domain not 0) in $VCHAN_SOCKET_DIR or the default
 *    VCHAN_DEFAULT_DIR, its own directory;
 *  - in dom0 otherwise: the link between dom0 and domain X lives in
 *    $VCHAN_SOCKET_DIR_BASE/X/ (default VCHAN_DEFAULT_BASE, where
 *    bulkheadd keeps them), the directory that domain X sees as its own.
 *
 * Links between two domains (neither is dom0) with $VCHAN_BROKER set in a
 * domain: no socket file is used. The domain asks the broker
 * (qrexec-vchan-broker, on the host) listening on the unix socket
 * $VCHAN_BROKER in its own directory, and gets the connected end of a
 * socketpair by SCM_RIGHTS. Broker protocol, one request per connection:
 *
 *   request  "LISTEN <remote> <port>\n"   (we are the server of the link)
 *            "CONNECT <remote> <port>\n"  (we are the client of the link)
 *            <remote>: decimal without leading zeros, 1..VCHAN_MAX_DOMID;
 *            <port>:   decimal without leading zeros,
 *                      VCHAN_BROKER_PORT_MIN..VCHAN_BROKER_PORT_MAX;
 *            nothing else, at most VCHAN_BROKER_REQ_MAX bytes, and nothing
 *            may follow the newline.
 *   reply    "OK\n" carrying exactly one fd (SCM_RIGHTS), or
 *            "ERR <reason>\n" (reason: printable ASCII); then the broker
 *            closes the connection. At most VCHAN_BROKER_REPLY_MAX bytes.
 *   The requester keeps its side open and silent until the reply: EOF
 *   withdraws the request, and any further byte gets it refused.
 *
 * The requester's own domain id is never part of the request: the broker
 * knows it from the directory whose socket the request came in on. It
 * pairs LISTEN(A, remote B, port P) with CONNECT(B, remote A, port P). */
#ifndef BULKHEAD_VCHAN_H
#define BULKHEAD_VCHAN_H

#include <stdbool.h>
#include <stddef.h>

#define VCHAN_DEFAULT_DIR "/var/run/vchan"
#define VCHAN_DEFAULT_BASE "/run/bulkhead/vchan"
/* Xen's largest ordinary domain id (DOMID_FIRST_RESERVED - 1). */
#define VCHAN_MAX_DOMID 0x7fef
#define VCHAN_BROKER_PORT_MIN 513 /* qrexec's data ports */
#define VCHAN_BROKER_PORT_MAX 768
#define VCHAN_BROKER_REQ_MAX 32
#define VCHAN_BROKER_REPLY_MAX 64
#define VCHAN_BROKER_SOCKET_NAME "broker.sock"

int vchan_local_domain(void);
/* $VCHAN_SOCKET_DIR or the default (the local domain's own directory). */
const char *vchan_socket_dir(void);
/* Formats the socket path of the link (see above for the directory);
 * returns 0, or -1 if it does not fit sun_path. */
int vchan_path(char *out, size_t n, int server_dom, int client_dom, int port);
/* Formats a broker request into out (n bytes); returns its length, or -1
 * if the values are out of range or it does not fit. */
int vchan_broker_format(char *out, size_t n, bool listen, int remote_dom, int port);
/* Listens as server (local domain) for client `remote_dom` on `port`.
 * Returns the listening fd (close-on-exec) or -1. With the broker, the
 * fd is the connection to the broker carrying our LISTEN request. */
int vchan_server_listen(int remote_dom, int port);
/* Accepts the single client within timeout_ms (<0: forever), closes (and
 * unlinks) the listening socket. Returns the connected fd or -1. */
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
