/* qubes-prefs: lists, reads, sets and resets the global properties (the
 * Admin API's admin.property.*), as upstream's qubes-prefs. */
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
		.usage = "[options] [PROPERTY [VALUE]]",
		.description = "Show or change the global properties. Without PROPERTY: every "
			       "property,\nmarked D (default value), - (set) or U (unavailable).\n"
			       "VALUE 'none' empties a qube-valued property (default_netvm, ...).",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	if (npos > 2)
		cli_usage_error(&spec, "unrecognized arguments: %s", pos[2]);
	a.property = npos > 0 ? pos[0] : NULL;
	a.value = npos > 1 ? pos[1] : NULL;
	struct session s;
	session_open(&s, &spec);
	int rc = prefs_run(&s, &a, true, "dom0");
	free(pos);
	session_close(&s);
	if (report_stdout_status(spec.prog) && rc == 0)
		rc = 1;
	return rc;
}
