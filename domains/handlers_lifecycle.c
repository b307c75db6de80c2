/* handlers_lifecycle: admin.vm.Start, Shutdown (+force, +wait), Kill,
 * Pause, Unpause: argument checks here, the work in lifecycle.c. */
#include "domains/methods.h"
#include "domains/server.h"

#include <string.h>

static int result(struct call *c, int r)
{
	if (r == 1)
		c->deferred = true;
	return r < 0 ? -1 : 0;
}

int h_vm_start(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	if (c->dest->cls == VMC_ADMIN)
		return 0; /* always running */
	return result(c, lifecycle_start(&c->srv->lc, c->dest, c->conn, &c->err));
}

int h_vm_shutdown(struct call *c)
{
	bool force = false, wait = false;
	/* '+'-separated words, each force or wait (upstream accepts any
	 * order, e.g. wait+force) */
	for (const char *a = c->rq->arg; *a;) {
		size_t n = strcspn(a, "+");
		if (n == 5 && strncmp(a, "force", 5) == 0) {
			force = true;
		} else if (n == 4 && strncmp(a, "wait", 4) == 0) {
			wait = true;
		} else {
			n = 0; /* an empty or unknown word */
		}
		a += n;
		if (!n || (*a == '+' && !*++a)) {
			admin_err_set(&c->err, "ProtocolError",
				      "Argument must match: force, wait");
			return -1;
		}
	}
	if (call_permission(c) < 0)
		return -1;
	if (c->dest->cls == VMC_ADMIN) {
		admin_err_set(&c->err, "QubesVMError", "Cannot shutdown the AdminVM");
		return -1;
	}
	return result(c, lifecycle_shutdown(&c->srv->lc, c->dest, force, wait, c->conn, &c->err));
}

int h_vm_kill(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	if (c->dest->cls == VMC_ADMIN) {
		admin_err_set(&c->err, "QubesVMError", "Cannot kill the AdminVM");
		return -1;
	}
	return lifecycle_kill(&c->srv->lc, c->dest, &c->err);
}

int h_vm_pause(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	return lifecycle_pause(&c->srv->lc, c->dest, true, &c->err);
}

int h_vm_unpause(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	return lifecycle_pause(&c->srv->lc, c->dest, false, &c->err);
}
