/* qvm-features: lists, reads, sets and unsets a qube's features, as
 * upstream's qvm-features: VMNAME [FEATURE [VALUE]], --unset/--default/
 * --delete/-D. Reading a feature that is not set exits 1; unsetting one
 * is not an error. */
#include "tools/cli.h"
#include "tools/report.h"
#include "tools/session.h"
#include "tools/table.h"
#include "tools/termsafe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(struct session *s, struct admin_result *r)
{
	report_call_error(s->prog, NULL, r);
	admin_result_free(r);
	return 1;
}

static int list(struct session *s, const char *vm)
{
	struct admin_call call = {.dest = vm, .method = "admin.vm.feature.List",
				  .timeout_ms = -1};
	struct admin_result r;
	if (admin_call(&s->ctx, &call, &r) != ADMIN_OK)
		return fail(s, &r);
	size_t n = 1;
	for (size_t i = 0; i < r.content_len; i++)
		n += r.content[i] == '\n';
	const char **names = calloc(n, sizeof *names);
	struct admin_call *calls = calloc(n, sizeof *calls);
	struct admin_result *res = calloc(n, sizeof *res);
	if (!names || !calls || !res)
		return fail(s, &r);
	size_t k = 0;
	for (char *p = r.content; *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (*p)
			names[k++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	for (size_t i = 0; i < k; i++)
		calls[i] = (struct admin_call){.dest = vm, .method = "admin.vm.feature.Get",
					       .arg = names[i], .timeout_ms = -1};
	admin_call_many(&s->ctx, calls, k, res, 0);
	int rc = 0;
	bool esc = ts_is_terminal(stdout);
	struct table t;
	table_init(&t);
	for (size_t i = 0; i < k && rc == 0; i++) {
		if (res[i].status != ADMIN_OK) {
			report_call_error(s->prog, NULL, &res[i]);
			rc = 1;
			break;
		}
		char *cells[2] = {ts_dup(names[i], strlen(names[i]), esc),
				  ts_dup(res[i].content, res[i].content_len, esc)};
		table_add(&t, (const char *const *)cells, 2);
		free(cells[0]);
		free(cells[1]);
	}
	if (rc == 0 && table_print(&t, stdout) < 0) {
		report_error(s->prog, "out of memory");
		rc = 1;
	}
	table_free(&t);
	for (size_t i = 0; i < k; i++)
		admin_result_free(&res[i]);
	free(res);
	free(calls);
	free(names);
	admin_result_free(&r);
	return rc;
}

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	bool unset = false;
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--unset,--default,--delete,-D", CLI_FLAG, &unset, NULL, "unset the feature",
		 NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] VMNAME [FEATURE [VALUE]]",
		.description = "Manage a qube's features. Without FEATURE: list them; with "
			       "FEATURE: print its value\n(exit 1 when not set); with VALUE: set "
			       "it (an empty VALUE means false).",
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
	const char *feature = npos > 1 ? pos[1] : NULL, *value = npos > 2 ? pos[2] : NULL;
	if (!feature && unset)
		cli_usage_error(&spec, "--unset requires a feature");
	if (unset && value)
		cli_usage_error(&spec, "cannot both set and unset a value");
	struct session s;
	session_open(&s, &spec);
	const struct vm_info **vms;
	struct vm_choice ch = {.names = pos, .nnames = 1};
	size_t n = session_choose(&s, &ch, &vms);
	if (n != 1)
		cli_usage_error(&spec, "VMNAME must name exactly one qube");
	const char *vm = vms[0]->name;
	int rc = 0;
	struct admin_result r;
	if (!feature) {
		rc = list(&s, vm);
	} else if (unset) {
		struct admin_call call = {.dest = vm, .method = "admin.vm.feature.Remove",
					  .arg = feature, .timeout_ms = -1};
		if (admin_call(&s.ctx, &call, &r) != ADMIN_OK &&
		    !admin_exc_isa(&r, "QubesFeatureNotFoundError"))
			rc = fail(&s, &r);
		else
			admin_result_free(&r);
	} else if (!value) {
		struct admin_call call = {.dest = vm, .method = "admin.vm.feature.Get",
					  .arg = feature, .timeout_ms = -1};
		if (admin_call(&s.ctx, &call, &r) == ADMIN_OK) {
			ts_write(stdout, r.content, r.content_len, ts_is_terminal(stdout));
			putchar('\n');
			admin_result_free(&r);
		} else if (admin_exc_isa(&r, "QubesFeatureNotFoundError")) {
			admin_result_free(&r);
			rc = 1;
		} else {
			rc = fail(&s, &r);
		}
	} else {
		struct admin_call call = {.dest = vm, .method = "admin.vm.feature.Set",
					  .arg = feature, .payload = value,
					  .payload_len = strlen(value), .timeout_ms = -1};
		if (admin_call(&s.ctx, &call, &r) != ADMIN_OK)
			rc = fail(&s, &r);
		else
			admin_result_free(&r);
	}
	free(vms);
	free(pos);
	session_close(&s);
	if (report_stdout_status(spec.prog) && rc == 0)
		rc = 1;
	return rc;
}
