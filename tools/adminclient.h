/* adminclient: the client side of the Admin API for the qvm-* tools. One
 * call is (method, argument, destination, payload) and ends as the OK
 * content, a Qubes exception (class and message), an access refusal, or
 * a transport failure.
 *
 * Transport: in the admin domain, qubesd's socket (QUBESD_SOCKET, default
 * /run/qubesd.sock) with source "dom0"; in a management domain (no socket
 * but a qrexec-client-vm, or BULKHEAD_ADMIN_TRANSPORT=qrexec) the call is
 * `qrexec-client-vm DEST METHOD[+ARG]` with the payload on its stdin and
 * the framed answer on its stdout (exit 126: refused by policy).
 * BULKHEAD_QREXEC_CLIENT_VM names that program.
 *
 * Several calls can run at once (admin_call_many), each on its own
 * connection, as upstream's tools do with threads. Answers are untrusted:
 * they are parsed with explicit lengths and kept as bytes; print them
 * through termsafe.h. Callers should ignore SIGPIPE. */
#ifndef BULKHEAD_TOOLS_ADMINCLIENT_H
#define BULKHEAD_TOOLS_ADMINCLIENT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

enum admin_transport { ADMIN_T_SOCKET, ADMIN_T_QREXEC };

struct admin_ctx {
	enum admin_transport transport;
	char socket_path[PATH_MAX];
	char qrexec_client_vm[PATH_MAX];
};

/* Picks the transport from the environment (see above). Returns 0, or -1
 * with a message in err (e.g. an unknown BULKHEAD_ADMIN_TRANSPORT). */
int admin_ctx_init(struct admin_ctx *c, char *err, size_t errlen);

struct admin_call {
	const char *dest;        /* a qube name, uuid:UUID, or "dom0" */
	const char *method;      /* e.g. "admin.vm.property.Get" */
	const char *arg;         /* NULL or "" for none */
	const void *payload;
	size_t payload_len;
	int timeout_ms;          /* < 0: wait as long as it takes */
};

enum admin_status {
	ADMIN_OK,         /* content holds the answer */
	ADMIN_EXCEPTION,  /* exc_type and message hold the server's exception */
	ADMIN_DENIED,     /* refused: qrexec policy (126) or an empty answer */
	ADMIN_TIMEOUT,    /* no answer within timeout_ms */
	ADMIN_FAILED,     /* transport or framing failure; message says what */
};

struct admin_result {
	enum admin_status status;
	char *content;           /* OK: the content, NUL appended (not counted) */
	size_t content_len;
	char *exc_type;          /* EXCEPTION: the class name */
	char *message;           /* all but OK: what went wrong (raw bytes) */
};

/* One call; returns res->status. res must be freed with
 * admin_result_free whatever the status. */
enum admin_status admin_call(const struct admin_ctx *c, const struct admin_call *call,
			     struct admin_result *res);
/* n calls at once (at most `parallel` connections open, <= 0: 16);
 * res[i] answers calls[i]. */
void admin_call_many(const struct admin_ctx *c, const struct admin_call *calls, size_t n,
		     struct admin_result *res, int parallel);
void admin_result_free(struct admin_result *r);

/* Whether the result is an exception of class `cls` or of one of its
 * subclasses (upstream's hierarchy, e.g. QubesVMNotRunningError is a
 * QubesVMNotStartedError). */
bool admin_exc_isa(const struct admin_result *r, const char *cls);
/* "Refused" as upstream's client falls back on it: an access refusal or
 * a PermissionDenied exception. */
bool admin_refused(const struct admin_result *r);
/* The text to show a user for a failed call (not NUL-safe to print raw:
 * use termsafe). Never NULL. */
const char *admin_result_text(const struct admin_result *r);

/* Whether s may travel as an Admin API argument on every transport
 * (qrexec's service name charset: letters, digits, '_', '.', '-', '+';
 * non-empty). Over the socket any printable ASCII word may (upstream's
 * client sends what it is given and lets the server judge). */
bool admin_arg_valid(const char *s);

#endif
