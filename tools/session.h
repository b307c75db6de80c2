/* session: the common start of every qvm-* tool: the Admin API transport,
 * the list of qubes, and choosing the qubes named on the command line
 * (upstream's answers: "no such domain: 'x'" is a usage error, exit 2;
 * a failure to talk to the server is "PROG: error: ...", exit 1). */
#ifndef BULKHEAD_TOOLS_SESSION_H
#define BULKHEAD_TOOLS_SESSION_H

#include "tools/adminclient.h"
#include "tools/cli.h"
#include "tools/vmsel.h"

#include <stdbool.h>

struct session {
	const char *prog;
	const struct cli_spec *spec;  /* for usage errors */
	struct admin_ctx ctx;
	struct vm_table vms;
	bool listed;
};

/* Sets up the transport (exits 1 on a bad environment). Ignores SIGPIPE. */
void session_open(struct session *s, const struct cli_spec *spec);
/* admin.vm.List, once (exits 1 when it fails). */
void session_list(struct session *s);
/* The qubes chosen by ch (lists first). Exits 2 on an unknown name,
 * VMNAME with --all, neither when ch->required, or --exclude without
 * --all. *out is malloc'd. */
size_t session_choose(struct session *s, const struct vm_choice *ch,
		      const struct vm_info ***out);
void session_close(struct session *s);

#endif
