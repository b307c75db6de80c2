/* lifecycle: starting, stopping, pausing qubes: a sandbox per qube
 * (sandbox.h) with its qrexec-daemon in dom0, power states and their
 * events, re-attaching to domains still running after a restart of
 * bulkheadd. Start and Shutdown+wait answer when the qube got there. */
#ifndef BULKHEAD_DOMAINS_LIFECYCLE_H
#define BULKHEAD_DOMAINS_LIFECYCLE_H

#include "domains/app.h"

#include <stdbool.h>

struct server;

struct lifecycle {
	struct server *srv;
	const char *lib_dir;   /* /var/lib/bulkhead: domains/<name>/ private data */
	const char *run_dir;   /* /run/bulkhead: per-domain runtime state, sockets */
	void *impl;            /* the backend's state */
};

int lifecycle_init(struct lifecycle *lc, struct server *srv, const char *lib_dir,
		   const char *run_dir, struct admin_err *err);
void lifecycle_free(struct lifecycle *lc);
/* Re-attaches to qubes that were running when bulkheadd last stopped. */
void lifecycle_reattach(struct lifecycle *lc);

/* Each returns 0 when done, 1 when the answer comes later through
 * server_reply_later(conn), -1 with err. */
int lifecycle_start(struct lifecycle *lc, struct domain *d, int conn, struct admin_err *err);
int lifecycle_shutdown(struct lifecycle *lc, struct domain *d, bool force, bool wait, int conn,
		       struct admin_err *err);
int lifecycle_kill(struct lifecycle *lc, struct domain *d, struct admin_err *err);
int lifecycle_pause(struct lifecycle *lc, struct domain *d, bool pause, struct admin_err *err);

/* For the server's poll loop: fds to watch and what to do when they are
 * ready; the timeout (ms, -1 none) until lifecycle_tick must run. */
int lifecycle_fds(struct lifecycle *lc, int *fds, int max);
void lifecycle_on_fd(struct lifecycle *lc, int fd);
int lifecycle_timeout_ms(struct lifecycle *lc);
void lifecycle_tick(struct lifecycle *lc);

#endif
