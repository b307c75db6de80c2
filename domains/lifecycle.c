/* lifecycle: starting and stopping qubes (see lifecycle.h).
 * Not wired to sandboxes yet: every start is refused with a clear error
 * until the sandbox launcher (sandbox.h) is connected here. */
#include "domains/lifecycle.h"
#include "domains/server.h"

int lifecycle_init(struct lifecycle *lc, struct server *srv, const char *lib_dir,
		   const char *run_dir, struct admin_err *err)
{
	(void)err;
	lc->srv = srv;
	lc->lib_dir = lib_dir;
	lc->run_dir = run_dir;
	lc->impl = NULL;
	return 0;
}

void lifecycle_free(struct lifecycle *lc)
{
	(void)lc;
}

void lifecycle_reattach(struct lifecycle *lc)
{
	(void)lc;
}

int lifecycle_start(struct lifecycle *lc, struct domain *d, int conn, struct admin_err *err)
{
	(void)lc;
	(void)conn;
	admin_err_set(err, "QubesException", "cannot start %s: no sandbox backend in this build",
		      d->name);
	return -1;
}

int lifecycle_shutdown(struct lifecycle *lc, struct domain *d, bool force, bool wait, int conn,
		       struct admin_err *err)
{
	(void)lc;
	(void)force;
	(void)wait;
	(void)conn;
	if (d->state == PS_HALTED) {
		admin_err_set(err, "QubesVMNotStartedError", "Domain is powered off: '%s'", d->name);
		return -1;
	}
	return 0;
}

int lifecycle_kill(struct lifecycle *lc, struct domain *d, struct admin_err *err)
{
	(void)lc;
	if (d->state == PS_HALTED) {
		admin_err_set(err, "QubesVMNotStartedError", "Domain is powered off: '%s'", d->name);
		return -1;
	}
	return 0;
}

int lifecycle_pause(struct lifecycle *lc, struct domain *d, bool pause, struct admin_err *err)
{
	(void)lc;
	(void)pause;
	admin_err_set(err, "QubesVMNotRunningError", "Domain is not running: '%s'", d->name);
	return -1;
}

int lifecycle_fds(struct lifecycle *lc, int *fds, int max)
{
	(void)lc;
	(void)fds;
	(void)max;
	return 0;
}

void lifecycle_on_fd(struct lifecycle *lc, int fd)
{
	(void)lc;
	(void)fd;
}

int lifecycle_timeout_ms(struct lifecycle *lc)
{
	(void)lc;
	return -1;
}

void lifecycle_tick(struct lifecycle *lc)
{
	(void)lc;
}
