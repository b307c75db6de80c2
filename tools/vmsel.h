/* vmsel: the list of qubes (admin.vm.List) and choosing qubes from the
 * command line as upstream's tools do: VMNAME arguments (shell-style
 * wildcards allowed), or --all (without the AdminVM, except for qvm-ls)
 * minus --exclude. */
#ifndef BULKHEAD_TOOLS_VMSEL_H
#define BULKHEAD_TOOLS_VMSEL_H

#include "tools/adminclient.h"

#include <stdbool.h>
#include <stddef.h>

struct vm_info {
	const char *name;
	const char *klass;  /* "" when the answer had no class= */
	const char *state;  /* power state, "" when unknown */
	const char *uuid;   /* "" when absent */
};

struct vm_table {
	struct vm_info *v;   /* in the server's order (by name) */
	size_t n;
	char *store;         /* the strings above point in here */
	char **extra;        /* states fetched separately */
	size_t nextra;
};

/* Parses the content of an admin.vm.List answer (`NAME key=value...`
 * lines, printable ASCII). Returns 0, or -1 with *err. */
int vm_table_parse(const char *content, size_t len, struct vm_table *out, const char **err);
/* admin.vm.List of every qube the caller may see (plus CurrentState for
 * qubes listed without a state). Returns 0, or -1 with the failure in *r
 * (a malformed answer is reported as ADMIN_FAILED). *r is always to be
 * freed. */
int vm_table_fetch(const struct admin_ctx *c, struct vm_table *out, struct admin_result *r);
const struct vm_info *vm_table_find(const struct vm_table *t, const char *name);
void vm_table_free(struct vm_table *t);

/* Upstream's is_running (not Halted and not NA), is_halted, is_paused. */
bool vm_is_running(const struct vm_info *v);
bool vm_is_halted(const struct vm_info *v);
bool vm_is_paused(const struct vm_info *v);

struct vm_choice {
	bool all;                   /* --all */
	bool all_includes_admin;    /* qvm-ls: --all keeps dom0 */
	const char *const *names;   /* VMNAME arguments */
	size_t nnames;
	const char *const *exclude; /* --exclude */
	size_t nexclude;
	bool required;              /* VMNAME or --all must be given */
};

/* Chooses qubes. Explicit names keep their order (a wildcard expands in
 * list order; repeats are dropped). Returns 0 with a malloc'd array in
 * *out, or -1 with *bad set to the first name that matches no qube. */
int vm_select(const struct vm_table *t, const struct vm_choice *ch,
	      const struct vm_info ***out, size_t *nout, const char **bad);

#endif
