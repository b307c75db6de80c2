/* qvm-tags: lists, queries, adds and removes a qube's tags, as upstream's
 * qvm-tags: VMNAME [list|ls|l [TAG]], VMNAME add|a|set TAG...,
 * VMNAME del|d|unset|u TAG... Querying an absent tag exits 1; removing
 * an absent tag is not an error. */
#include "tools/cli.h"
#include "tools/report.h"
#include "tools/session.h"
#include "tools/termsafe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cmd { LIST, ADD, DEL };

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int fail(struct session *s, struct admin_result *r)
{
	report_call_error(s->prog, NULL, r);
	admin_result_free(r);
	return 1;
}

static int list(struct session *s, const char *vm)
{
	struct admin_call call = {.dest = vm, .method = "admin.vm.tag.List", .timeout_ms = -1};
	struct admin_result r;
	if (admin_call(&s->ctx, &call, &r) != ADMIN_OK)
		return fail(s, &r);
	size_t n = 1;
	for (size_t i = 0; i < r.content_len; i++)
		n += r.content[i] == '\n';
	const char **tags = calloc(n, sizeof *tags);
	if (!tags)
		return fail(s, &r);
	size_t k = 0;
	for (char *p = r.content; *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (*p)
			tags[k++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	qsort(tags, k, sizeof *tags, cmp_str);
	bool esc = ts_is_terminal(stdout);
	for (size_t i = 0; i < k; i++) {
		ts_puts(stdout, tags[i], esc);
		putchar('\n');
	}
	free(tags);
	admin_result_free(&r);
	return 0;
}

static int query(struct session *s, const char *vm, const char *tag)
{
	struct admin_call call = {.dest = vm, .method = "admin.vm.tag.Get", .arg = tag,
				  .timeout_ms = -1};
	struct admin_result r;
	if (admin_call(&s->ctx, &call, &r) != ADMIN_OK)
		return fail(s, &r);
	bool has = r.content_len == 1 && r.content[0] == '1';
	admin_result_free(&r);
	if (!has)
		return 1;
	ts_puts(stdout, tag, ts_is_terminal(stdout));
	putchar('\n');
	return 0;
}

static int change(struct session *s, const char *vm, enum cmd c, const char *const *tags,
		  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct admin_call call = {.dest = vm,
					  .method = c == ADD ? "admin.vm.tag.Set"
							     : "admin.vm.tag.Remove",
					  .arg = tags[i], .timeout_ms = -1};
		struct admin_result r;
		if (admin_call(&s->ctx, &call, &r) != ADMIN_OK &&
		    !(c == DEL && admin_exc_isa(&r, "QubesTagNotFoundError")))
			return fail(s, &r);
		admin_result_free(&r);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] VMNAME [list [TAG] | add TAG... | del TAG...]",
		.description = "Manage a qube's tags.\n\ncommands:\n"
			       "  list (ls, l) [TAG]      list the tags, or check one (exit 1 when "
			       "absent)\n"
			       "  add (a, set) TAG...     add tags\n"
			       "  del (d, unset, u) TAG...  remove tags (absent ones are ignored)",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	if (npos < 1)
		cli_usage_error(&spec, "the following arguments are required: VMNAME");
	enum cmd c = LIST;
	if (npos > 1) {
		static const struct {
			const char *name;
			enum cmd c;
		} cmds[] = {{"list", LIST}, {"ls", LIST}, {"l", LIST}, {"add", ADD},
			    {"a", ADD}, {"set", ADD}, {"del", DEL}, {"d", DEL},
			    {"unset", DEL}, {"u", DEL}};
		bool found = false;
		for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
			if (strcmp(pos[1], cmds[i].name) == 0) {
				c = cmds[i].c;
				found = true;
			}
		}
		if (!found)
			cli_usage_error(&spec, "argument command: invalid choice: '%s' (choose from "
					"'list', 'ls', 'l', 'add', 'a', 'set', 'del', 'd', "
					"'unset', 'u')", pos[1]);
	}
	size_t ntags = npos > 2 ? npos - 2 : 0;
	if (c == LIST && ntags > 1)
		cli_usage_error(&spec, "unrecognized arguments: %s", pos[3]);
	if (c != LIST && ntags == 0)
		cli_usage_error(&spec, "the following arguments are required: tag");
	struct session s;
	session_open(&s, &spec);
	const struct vm_info **vms;
	struct vm_choice ch = {.names = pos, .nnames = 1};
	size_t n = session_choose(&s, &ch, &vms);
	if (n != 1)
		cli_usage_error(&spec, "VMNAME must name exactly one qube");
	int rc;
	if (c == LIST)
		rc = ntags ? query(&s, vms[0]->name, pos[2]) : list(&s, vms[0]->name);
	else
		rc = change(&s, vms[0]->name, c, pos + 2, ntags);
	free(vms);
	free(pos);
	session_close(&s);
	if (report_stdout_status(spec.prog) && rc == 0)
		rc = 1;
	return rc;
}
