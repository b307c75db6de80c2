/* qvm-check: checks whether qubes exist (and with --running, --paused,
 * --template, --networked: whether they are so), as upstream's
 * qvm-check, for scripts: exit 0 when all given qubes pass, 3 when only
 * some do, 1 when none do or a qube does not exist. Messages (one per
 * qube, "PROG: NAME: exists") go to stderr; -q silences them. */
#include "tools/cli.h"
#include "tools/props.h"
#include "tools/report.h"
#include "tools/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
	const struct vm_info *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

int main(int argc, char **argv)
{
	int verbose = 1, quiet = 0;
	bool all = false, running = false, paused = false, template = false, networked = false;
	struct cli_list exclude = {0};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity (no messages)", NULL},
		{"--all", CLI_FLAG, &all, NULL, "check all qubes (but dom0)", NULL},
		{"--exclude", CLI_APPEND, &exclude, "VMNAME", "with --all: leave this qube out",
		 NULL},
		{"--running", CLI_FLAG, &running, NULL, "whether (any of the) qubes run", NULL},
		{"--paused", CLI_FLAG, &paused, NULL, "whether (any of the) qubes are paused",
		 NULL},
		{"--template", CLI_FLAG, &template, NULL,
		 "whether (any of the) qubes are templates", NULL},
		{"--networked", CLI_FLAG, &networked, NULL,
		 "whether (any of the) qubes can reach a network", NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] [--all | VMNAME ...]",
		.description = "Exit successfully if the given qubes exist (and pass the "
			       "checks).\nExit codes: 0 all pass, 3 some pass, 1 none pass or a "
			       "qube does not exist.",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	struct session s;
	session_open(&s, &spec);
	if (all && npos)
		cli_usage_error(&spec, "argument VMNAME: not allowed with argument --all");
	if (!all && !npos)
		cli_usage_error(&spec, "one of the arguments --all VMNAME is required");
	if (!all && exclude.n)
		cli_usage_error(&spec, "--exclude can only be used with --all");
	session_list(&s);
	/* unknown names are a result, not a usage error */
	const struct vm_info **doms = calloc(s.vms.n + 1, sizeof *doms);
	const char **invalid = calloc(npos + 1, sizeof *invalid);
	if (!doms || !invalid)
		return 1;
	size_t nd = 0, ninv = 0;
	if (all) {
		struct vm_choice ch = {.all = true, .exclude = exclude.v, .nexclude = exclude.n};
		const struct vm_info **v;
		size_t n = session_choose(&s, &ch, &v);
		memcpy(doms, v, n * sizeof *v);
		nd = n;
		free(v);
	} else {
		for (size_t i = 0; i < npos; i++) {
			const struct vm_info *v = vm_table_find(&s.vms, pos[i]);
			if (v)
				doms[nd++] = v;
			else
				invalid[ninv++] = pos[i];
		}
	}
	bool talk = verbose - quiet >= 1;
	char status[64] = "";
	bool *pass = calloc(nd + 1, sizeof *pass);
	if (!pass)
		return 1;
	for (size_t i = 0; i < nd; i++)
		pass[i] = true;
	struct propset *ps = NULL;
	if (networked) {
		const char **names = calloc(nd + 1, sizeof *names);
		ps = calloc(nd + 1, sizeof *ps);
		if (!names || !ps)
			return 1;
		for (size_t i = 0; i < nd; i++)
			names[i] = doms[i]->name;
		static const char *const need[] = {"provides_network", "netvm"};
		props_fetch_many(&s.ctx, false, names, nd, need, 2, ps, NULL);
		free(names);
	}
	bool filters = running || paused || template || networked;
	for (size_t i = 0; i < nd; i++) {
		if (running && !vm_is_running(doms[i]))
			pass[i] = false;
		if (paused && !vm_is_paused(doms[i]))
			pass[i] = false;
		if (template && strcmp(doms[i]->klass, "TemplateVM") != 0)
			pass[i] = false;
		if (networked) {
			const struct propval *pn = propset_find(&ps[i], "provides_network");
			const struct propval *nv = propset_find(&ps[i], "netvm");
			bool net = (pn && strcmp(pn->value, "True") == 0) ||
				   (nv && nv->type == PV_VM && nv->len > 0);
			if (!net)
				pass[i] = false;
		}
	}
	if (running)
		strcat(status, "running");
	if (paused)
		strcat(status, status[0] ? ", paused" : "paused");
	if (template)
		strcat(status, status[0] ? ", template" : "template");
	if (networked)
		strcat(status, status[0] ? ", networked" : "networked");
	int rc = 0;
	const struct vm_info **shown = calloc(nd + 1, sizeof *shown);
	size_t nshown = 0;
	if (!shown)
		return 1;
	for (size_t i = 0; i < nd; i++)
		if (!filters || pass[i])
			shown[nshown++] = doms[i];
	if (filters) {
		if (nshown != nd)
			rc = nshown == 0 ? 1 : 3;
	} else if (nd == 0) {
		rc = 1;
	}
	if (talk && (filters || nd)) {
		qsort(shown, nshown, sizeof *shown, by_name);
		if (nshown == 0)
			report_line(spec.prog, "None of qubes: %s", status);
		for (size_t i = 0; i < nshown; i++)
			report_line(spec.prog, "%s: %s", shown[i]->name, filters ? status : "exists");
	}
	if (ninv) {
		for (size_t i = 0; i < ninv; i++)
			report_line(talk ? spec.prog : NULL, "%s: non-existent!", invalid[i]);
		rc = 1;
	}
	for (size_t i = 0; ps && i < nd; i++)
		propset_free(&ps[i]);
	free(ps);
	free(shown);
	free(pass);
	free(doms);
	free(invalid);
	free(pos);
	cli_list_free(&exclude);
	session_close(&s);
	return rc;
}
