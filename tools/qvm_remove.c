/* qvm-remove: removes qubes (admin.vm.Remove), as upstream's qvm-remove:
 * VMNAME... or --all [--exclude VM]; asks "Are you sure? [y/N]" on stdin
 * unless --force. A qube still in use (as a template, netvm, default
 * ...) is not removed: the users are listed. Exit 1 on the first
 * failure or when cancelled. */
#include "tools/cli.h"
#include "tools/props.h"
#include "tools/report.h"
#include "tools/session.h"
#include "tools/termsafe.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const global_vm_props[] = {
	"default_dispvm", "default_netvm", "default_guivm", "default_audiovm",
	"default_template", "clockvm", "updatevm", "management_dispvm"};
static const char *const vm_vm_props[] = {"template", "netvm", "guivm", "audiovm",
					  "default_dispvm", "management_dispvm"};

/* a line from stdin without its newline; false at EOF */
static bool read_answer(char *buf, size_t n)
{
	fflush(stdout);
	if (!fgets(buf, (int)n, stdin))
		return false;
	buf[strcspn(buf, "\r\n")] = '\0';
	return true;
}

/* Lists where `vm` is still used (upstream's vm_dependencies). */
static void print_dependencies(struct session *s, const char *vm)
{
	struct propset global = {0}, *per = NULL;
	const char *dom0 = "dom0";
	props_fetch_many(&s->ctx, true, &dom0, 1, global_vm_props,
			 sizeof global_vm_props / sizeof global_vm_props[0], &global, NULL);
	const char **names = calloc(s->vms.n ? s->vms.n : 1, sizeof *names);
	size_t n = 0;
	for (size_t i = 0; names && i < s->vms.n; i++)
		if (strcmp(s->vms.v[i].name, vm) != 0)
			names[n++] = s->vms.v[i].name;
	per = calloc(n ? n : 1, sizeof *per);
	if (names && per)
		props_fetch_many(&s->ctx, false, names, n, vm_vm_props,
				 sizeof vm_vm_props / sizeof vm_vm_props[0], per, NULL);
	bool header = false;
	for (size_t k = 0; k < sizeof global_vm_props / sizeof global_vm_props[0]; k++) {
		const struct propval *p = propset_find(&global, global_vm_props[k]);
		if (!p || p->type != PV_VM || strcmp(p->value, vm) != 0)
			continue;
		if (!header)
			report_line(NULL, "VM %s cannot be removed. It is in use as:", vm);
		header = true;
		report_line(NULL, " - global property %s", global_vm_props[k]);
	}
	for (size_t i = 0; per && i < n; i++) {
		for (size_t k = 0; k < sizeof vm_vm_props / sizeof vm_vm_props[0]; k++) {
			const struct propval *p = propset_find(&per[i], vm_vm_props[k]);
			if (!p || p->type != PV_VM || p->is_default || strcmp(p->value, vm) != 0)
				continue;
			if (!header)
				report_line(NULL, "VM %s cannot be removed. It is in use as:", vm);
			header = true;
			report_line(NULL, " - %s for %s", vm_vm_props[k], names[i]);
		}
		propset_free(&per[i]);
	}
	propset_free(&global);
	free(per);
	free(names);
}

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	bool all = false, force = false;
	struct cli_list exclude = {0};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--all", CLI_FLAG, &all, NULL, "remove all qubes (but dom0)", NULL},
		{"--exclude", CLI_APPEND, &exclude, "VMNAME", "with --all: leave this qube out",
		 NULL},
		{"--force,-f", CLI_FLAG, &force, NULL, "do not ask for confirmation", NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] [--all | VMNAME ...]",
		.description = "Remove qubes. Asks for confirmation (read from stdin) unless "
			       "--force.",
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
	int rc = 0;
	char answer[256];
	for (size_t i = 0; i < n; i++) {
		if (strcmp(vms[i]->name, "dom0") == 0) {
			report_line(NULL, "Domain 'dom0' cannot be removed.");
			rc = 1;
			goto out;
		}
	}
	if (all && !(force || exclude.n)) {
		report_line(NULL, "WARNING!!! Removing all domains may leave your system in an "
			    "unrecoverable state!");
		fputs("Are you certain? [N/IKNOWWHATIAMDOING]", stdout);
		if (!read_answer(answer, sizeof answer) || strcmp(answer, "IKNOWWHATIAMDOING")) {
			report_line(NULL, "Remove cancelled.");
			rc = 1;
			goto out;
		}
	}
	if (!force) {
		report_line(NULL, "This will completely remove the selected VM(s)...");
		bool esc = ts_is_terminal(stdout);
		for (size_t i = 0; i < n; i++) {
			fputs("  ", stdout);
			ts_puts(stdout, vms[i]->name, esc);
			putchar('\n');
		}
		fputs("Are you sure? [y/N] ", stdout);
		bool yes = read_answer(answer, sizeof answer) &&
			   toupper((unsigned char)answer[0]) == 'Y' && answer[1] == '\0';
		if (!yes) {
			report_line(NULL, "Remove cancelled.");
			rc = 1;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct admin_call call = {.dest = vms[i]->name, .method = "admin.vm.Remove",
					  .timeout_ms = -1};
		struct admin_result r;
		if (admin_call(&s.ctx, &call, &r) != ADMIN_OK) {
			if (admin_exc_isa(&r, "QubesVMInUseError"))
				print_dependencies(&s, vms[i]->name);
			report_call_error(spec.prog, NULL, &r);
			admin_result_free(&r);
			rc = 1;
			goto out;
		}
		admin_result_free(&r);
	}
out:
	free(vms);
	free(pos);
	cli_list_free(&exclude);
	session_close(&s);
	return rc;
}
