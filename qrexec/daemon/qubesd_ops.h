/* qubesd_ops: what a qrexec-daemon asks of bulkheadd (qubesd) while it
 * connects a call, as upstream's daemon does: start a halted target
 * (policy autostart), create a disposable for an @dispvm:TEMPLATE target,
 * kill it when the call is over. Calls go as dom0 over the admin socket;
 * answers are parsed with lib/qubesd's reply parser. */
#ifndef BULKHEAD_QREXEC_QUBESD_OPS_H
#define BULKHEAD_QREXEC_QUBESD_OPS_H

#include <stddef.h>

/* admin.vm.Start; an already running qube is fine. 0 or -1 (logged). */
int qubesd_vm_start(const char *sock, const char *vm);
/* admin.vm.CreateDisposable of tpl (a name, or @KEYWORD); the new qube's
 * name goes into name. 0 or -1 (logged). */
int qubesd_vm_create_disposable(const char *sock, const char *tpl, char *name, size_t n);
/* admin.vm.Kill; failures are logged only. */
void qubesd_vm_kill(const char *sock, const char *vm);

#endif
