/* qvm-kill: stops qubes at once, without a clean shutdown
 * (admin.vm.Kill), as upstream's qvm-kill: VMNAME... or --all
 * [--exclude VM]. A qube that is not running is not an error. Exit code:
 * the number of qubes that could not be killed. */
#include "tools/batch.h"
#include "tools/cli.h"
#include "tools/session.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	bool all = false;
	struct cli_list exclude = {0};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--all", CLI_FLAG, &all, NULL, "kill all qubes (but dom0)", NULL},
		{"--exclude", CLI_APPEND, &exclude, "VMNAME", "with --all: leave this qube out",
		 NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] [--all | VMNAME ...]",
		.description = "Immediately terminate qubes, without a graceful shutdown.",
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
	batch_call(&s, vms, n, "admin.vm.Kill", NULL, -1, res);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (res[i].status == ADMIN_OK || admin_exc_isa(&res[i], "QubesVMNotStartedError"))
			continue;
		batch_report("Failed to kill", vms[i]->name, &res[i]);
		failed++;
	}
	batch_free(res, n);
	free(vms);
	free(pos);
	cli_list_free(&exclude);
	session_close(&s);
	return failed > 255 ? 255 : failed;
}
