/* init_landlock: the Landlock rule set of a domain, applied by its init to
 * itself before it starts anything (so it binds every process of the
 * domain; one layer, because every Landlock layer that handles no REFER
 * right would forbid renames and links across directories).
 *
 *  - No symlinks outside the domain's writable places (ABI 1): the point
 *    is the qrexec socket dir /run/vchan, shared with dom0, where a planted
 *    symlink could lead a dom0 process that connects to a "domain socket"
 *    to a host socket of the domain's choosing. Renames and links across
 *    directories stay allowed everywhere (ABI 2's REFER, granted on /; it
 *    cannot carry a symlink into /run/vchan, which is another mount).
 *  - Scopes (ABI 6, Linux 6.12): no connecting to abstract unix sockets
 *    created outside the domain, no signals to processes outside it.
 *    Needed for a domain sharing the host's network namespace, whose
 *    abstract socket namespace is the host's. */
#ifndef BULKHEAD_INIT_LANDLOCK_H
#define BULKHEAD_INIT_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>

struct landlock_result {
	bool symlinks;   /* symlink confinement applied */
	bool scoped;     /* abstract socket and signal scopes applied */
	char why[160];   /* what is missing, if anything */
};

/* Returns 0 (see r for what the kernel allowed), or -1 with r->why on a
 * real failure (then the domain must not start). */
int init_landlock_apply(struct landlock_result *r);

#endif
