/* qvm-pause: pauses qubes (admin.vm.Pause), or suspends them with
 * --suspend (admin.vm.Suspend), as upstream's qvm-pause: VMNAME... or
 * --all [--exclude VM]. Exit 1 when any failed. */
#include "tools/batch.h"
#include "tools/cli.h"
#include "tools/session.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	bool all = false, suspend = false;
	struct cli_list exclude = {0};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--all", CLI_FLAG, &all, NULL, "pause all qubes (but dom0)", NULL},
		{"--exclude", CLI_APPEND, &exclude, "VMNAME", "with --all: leave this qube out",
		 NULL},
		{"--suspend,-S", CLI_FLAG, &suspend, NULL,
		 "suspend (S3) instead of pausing (admin.vm.Suspend, which bulkheadd does not "
		 "provide yet)", NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] [--all | VMNAME ...]",
		.description = "Pause qubes. Paused qubes are killed on system shutdown.",
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
	batch_call(&s, vms, n, suspend ? "admin.vm.Suspend" : "admin.vm.Pause", NULL, -1, res);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (res[i].status == ADMIN_OK)
			continue;
		batch_report(suspend ? "Failed to suspend" : "Failed to pause", vms[i]->name,
			     &res[i]);
		rc = 1;
	}
	batch_free(res, n);
	free(vms);
	free(pos);
	cli_list_free(&exclude);
	session_close(&s);
	return rc;
}
