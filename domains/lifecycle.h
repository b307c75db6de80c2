/* lifecycle: starting, stopping, pausing qubes: a sandbox per qube
 * (sandbox.h) with its qrexec-daemon in dom0, power states and their
 * events, re-attaching to domains still running after a restart of
 * bulkheadd, removing auto_cleanup disposables once they halt. Start and
 * Shutdown+wait answer when the qube got there; nothing here blocks the
 * server's loop for longer than launching a sandbox takes.
 *
 * Where things live (lib_dir = /var/lib/bulkhead, run_dir = /run/bulkhead):
 *   lib_dir/domains/NAME/private      the qube's /rw (persistent)
 *   lib_dir/domains/NAME/qubes-rpc    a template's /etc/qubes-rpc
 *   lib_dir/domains/NAME/rpc-config   a template's /etc/qubes/rpc-config
 *   run_dir/vchan/QID/                the qube's qrexec socket directory
 *                                     (VCHAN_SOCKET_DIR_BASE for dom0)
 *   run_dir/domains/NAME/             sandbox state (sandbox.h)
 *   run_dir/domains/NAME/qrexec-daemon.pid
 *   run_dir/vchan-broker.pid          the broker joining links between
 *                                     qubes (qrexec-vchan-broker), a
 *                                     supervised child that outlives us */
#ifndef BULKHEAD_DOMAINS_LIFECYCLE_H
#define BULKHEAD_DOMAINS_LIFECYCLE_H

#include "domains/app.h"

#include <stdbool.h>

struct server;

/* Where the programs are (defaults: the install locations). */
struct lifecycle_paths {
	const char *agent, *init, *qubesdb_read, *client_vm, *qrexec_daemon;
	const char *tools[4];        /* more programs for the domains' bin */
	size_t n_tools;
	const char *bwrap;           /* NULL: the default */
	const char *broker;          /* qrexec-vchan-broker; "" = do not run one */
	const char *qrexec_socket_dir; /* qrexec.NAME sockets: /run/qubes */
	const char *policy_socket;   /* for the qrexec-daemons: NULL = default */
	const char *qubesd_socket;   /* ours, for the qrexec-daemons (autostart,
				      * disposables): NULL = default */
	const char *dom0_rpc_path;   /* dom0's services for the qrexec-daemons
				      * (QREXEC_SERVICE_PATH): NULL = default */
};

struct lifecycle {
	struct server *srv;
	const char *lib_dir;
	const char *run_dir;
	struct lifecycle_paths paths;
	void *impl;            /* per-qube runtime state */
};

int lifecycle_init(struct lifecycle *lc, struct server *srv, const char *lib_dir,
		   const char *run_dir, const struct lifecycle_paths *paths,
		   struct admin_err *err);
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
/* The qube is being removed: forget its runtime state. */
void lifecycle_forget(struct lifecycle *lc, const struct domain *d);

/* For the server's poll loop: fds to watch and what to do when they are
 * ready; the timeout (ms, -1 none) until lifecycle_tick must run. */
int lifecycle_fds(struct lifecycle *lc, int *fds, int max);
void lifecycle_on_fd(struct lifecycle *lc, int fd);
int lifecycle_timeout_ms(struct lifecycle *lc);
void lifecycle_tick(struct lifecycle *lc);

#endif
