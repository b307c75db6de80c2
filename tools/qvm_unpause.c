/* qvm-unpause: resumes paused qubes (admin.vm.Unpause; admin.vm.Resume
 * for suspended ones), as upstream's qvm-unpause: VMNAME... or --all
 * [--exclude VM] (--all leaves out qubes with the "internal" feature).
 * Exit 1 when any failed. */
#include "tools/batch.h"
#include "tools/cli.h"
#include "tools/session.h"

#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	bool all = false;
	struct cli_list exclude = {0};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--all", CLI_FLAG, &all, NULL, "unpause all qubes (but dom0 and internal ones)",
		 NULL},
		{"--exclude", CLI_APPEND, &exclude, "VMNAME", "with --all: leave this qube out",
		 NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] [--all | VMNAME ...]",
		.description = "Unpause (or resume) qubes.",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	struct session s;
	session_open(&s, &spec);
	struct vm_choice ch = {.all = all, .names = pos, .nnames = npos, .exclude = exclude.v,
			       .nexclude = exclude.n, .required = true};
	const struct vm_info **vms;
	size_t n = session_choose(&s, &ch, &vms);
	struct admin_result *res = calloc(n ? n : 1, sizeof *res);
	if (!res)
		return 1;
	if (all) {
		/* upstream leaves out qubes whose "internal" feature is set */
		batch_call(&s, vms, n, "admin.vm.feature.Get", "internal", -1, res);
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			bool internal = res[i].status == ADMIN_OK && res[i].content_len > 0;
			if (!internal)
				vms[m++] = vms[i];
			admin_result_free(&res[i]);
		}
		n = m;
	}
	/* suspended qubes are resumed, the others unpaused */
	const struct vm_info **susp = calloc(n ? n : 1, sizeof *susp);
	const struct vm_info **paus = calloc(n ? n : 1, sizeof *paus);
	struct admin_result *res2 = calloc(n ? n : 1, sizeof *res2);
	if (!susp || !paus || !res2)
		return 1;
	size_t ns = 0, np = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(vms[i]->state, "Suspended") == 0)
			susp[ns++] = vms[i];
		else
			paus[np++] = vms[i];
	}
	batch_call(&s, paus, np, "admin.vm.Unpause", NULL, -1, res);
	batch_call(&s, susp, ns, "admin.vm.Resume", NULL, -1, res2);
	/* report in the order the qubes were given, as upstream */
	int rc = 0;
	for (size_t i = 0, ip = 0, is = 0; i < n; i++) {
		struct admin_result *r;
		if (is < ns && susp[is] == vms[i])
			r = &res2[is++];
		else
			r = &res[ip++];
		if (r->status != ADMIN_OK) {
			batch_report("Failed to unpause/resume", vms[i]->name, r);
			rc = 1;
		}
	}
	batch_free(res, np);
	batch_free(res2, ns);
	free(susp);
	free(paus);
	free(vms);
	free(pos);
	cli_list_free(&exclude);
	session_close(&s);
	return rc;
}
