/* qvm-prefs: lists, reads, sets and resets a qube's properties, as
 * upstream's qvm-prefs (VMNAME [PROPERTY [VALUE]], --default/-D,
 * --hide-default, --help-properties). */
#include "tools/cli.h"
#include "tools/report.h"
#include "tools/prefs.h"
#include "tools/session.h"

#include <stdlib.h>

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	bool ignored = false;
	struct prefs_args a = {0};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--help-properties", CLI_FLAG, &a.help_properties, NULL,
		 "list all properties with a short description and exit", NULL},
		{"--hide-default", CLI_FLAG, &a.hide_default, NULL,
		 "do not show properties that have their default value", NULL},
		{"--get,-g", CLI_FLAG, &ignored, NULL, "ignored (compatibility)", NULL},
		{"--set,-s", CLI_FLAG, &ignored, NULL, "ignored (compatibility)", NULL},
		{"--default,-D", CLI_FLAG, &a.reset, NULL, "reset the property to its default",
		 NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] VMNAME [PROPERTY [VALUE]]",
		.description = "Show or change a qube's properties. Without PROPERTY: every "
			       "property,\nmarked D (default value), - (set) or U (unavailable).\n"
			       "VALUE 'none' empties a qube-valued property (netvm, template, ...).",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	if (npos < 1)
		cli_usage_error(&spec, "the following arguments are required: VMNAME");
	if (npos > 3)
		cli_usage_error(&spec, "unrecognized arguments: %s", pos[3]);
	a.property = npos > 1 ? pos[1] : NULL;
	a.value = npos > 2 ? pos[2] : NULL;
	struct session s;
	session_open(&s, &spec);
	const struct vm_info **vms;
	struct vm_choice ch = {.names = pos, .nnames = 1};
	size_t n = session_choose(&s, &ch, &vms);
	int rc = 0;
	if (n != 1)
		cli_usage_error(&spec, "VMNAME must name exactly one qube");
	rc = prefs_run(&s, &a, false, vms[0]->name);
	free(vms);
	free(pos);
	session_close(&s);
	if (report_stdout_status(spec.prog) && rc == 0)
		rc = 1;
	return rc;
}
