/* qvm-start: starts qubes (admin.vm.Start), several at once, as upstream's
 * qvm-start: VMNAME... or --all [--exclude VM], --skip-if-running; a
 * running qube is an error ("Domain is already running") unless skipped.
 * Exit 1 when any start failed. */
#include "tools/batch.h"
#include "tools/cli.h"
#include "tools/report.h"
#include "tools/session.h"

#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	bool all = false, skip = false;
	const char *drive = NULL;
	struct cli_list exclude = {0};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--all", CLI_FLAG, &all, NULL, "start all qubes (but dom0)", NULL},
		{"--exclude", CLI_APPEND, &exclude, "VMNAME", "with --all: leave this qube out",
		 NULL},
		{"--skip-if-running", CLI_FLAG, &skip, NULL,
		 "do not fail if the qube is already running", NULL},
		{"--drive", CLI_VALUE, &drive, "DRIVE", NULL, NULL},
		{"--hddisk", CLI_VALUE, &drive, "IMAGE", NULL, NULL},
		{"--cdrom", CLI_VALUE, &drive, "IMAGE", NULL, NULL},
		{"--install-windows-tools", CLI_CONST, &drive, NULL, NULL, "windows-tools"},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] [--all | VMNAME ...]",
		.description = "Start qubes.",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
		.epilog = "Not supported: --drive, --hddisk, --cdrom, --install-windows-tools "
			  "(no block devices\nin bulkhead's sandboxes).",
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	if (drive)
		cli_usage_error(&spec, "attaching drives (--drive, --hddisk, --cdrom, "
				"--install-windows-tools) is not supported");
	struct session s;
	session_open(&s, &spec);
	struct vm_choice ch = {.all = all, .names = pos, .nnames = npos, .exclude = exclude.v,
			       .nexclude = exclude.n, .required = true};
	const struct vm_info **vms;
	size_t n = session_choose(&s, &ch, &vms);
	const struct vm_info **todo = calloc(n ? n : 1, sizeof *todo);
	struct admin_result *res = calloc(n ? n : 1, sizeof *res);
	if (!todo || !res)
		return 1;
	size_t m = 0;
	int rc = 0;
	for (size_t i = 0; i < n; i++)
		if (!vm_is_running(vms[i]))
			todo[m++] = vms[i];
	batch_call(&s, todo, m, "admin.vm.Start", NULL, -1, res);
	/* report in the order the qubes were given, as upstream */
	for (size_t i = 0, k = 0; i < n; i++) {
		if (k < m && todo[k] == vms[i]) {
			if (res[k].status != ADMIN_OK) {
				batch_report("Starting qube failed", todo[k]->name, &res[k]);
				rc = 1;
			}
			k++;
		} else if (!skip) {
			report_line("Error", "Starting qube failed: %s: Domain is already running",
				    vms[i]->name);
			rc = 1;
		}
	}
	batch_free(res, m);
	free(todo);
	free(vms);
	free(pos);
	cli_list_free(&exclude);
	session_close(&s);
	return rc;
}
