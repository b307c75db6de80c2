/* qvm-create: creates a qube (admin.vm.Create.<Class>, or CreateInPool
 * with pools) and sets the properties given with --property, as
 * upstream's qvm-create: VMNAME --label/-l LABEL [--class/-C CLASS]
 * [--template/-t TEMPLATE] [--standalone] [--disp] [--property K=V ...]
 * [-P POOL | --pool VOLUME=POOL ...] [--help-classes]. Exit 1 when the
 * qube cannot be created, 2 when it was created but a property could not
 * be set (and for usage errors). */
#include "tools/cli.h"
#include "tools/report.h"
#include "tools/session.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the lines of an OK answer, in place (malloc'd array) */
static size_t lines_of(char *content, const char ***out)
{
	size_t n = 1;
	for (const char *p = content; *p; p++)
		n += *p == '\n';
	const char **v = calloc(n, sizeof *v);
	size_t k = 0;
	for (char *p = content; v && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (*p)
			v[k++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	*out = v;
	return v ? k : 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* a name or label that can travel in the space-separated payload */
static bool token_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f || *s == '=')
			return false;
	return true;
}

/* Checks the label against admin.label.List (a usage error when it is not
 * there) and returns the name to send: an index (upstream's tools accept
 * "3") becomes the label's name. NULL when the list may not be read (the
 * server will judge). */
static char *check_label(struct session *s, const char *label)
{
	struct admin_call call = {.dest = "dom0", .method = "admin.label.List", .timeout_ms = -1};
	struct admin_result r;
	if (admin_call(&s->ctx, &call, &r) != ADMIN_OK) {
		admin_result_free(&r);
		return NULL;
	}
	const char **labels;
	size_t n = lines_of(r.content, &labels);
	char *found = NULL;
	for (size_t i = 0; i < n && !found; i++)
		if (strcmp(labels[i], label) == 0)
			found = strdup(labels[i]);
	if (!found && all_digits(label)) {
		/* an index: ask each label's */
		struct admin_call *calls = calloc(n ? n : 1, sizeof *calls);
		struct admin_result *res = calloc(n ? n : 1, sizeof *res);
		if (calls && res) {
			for (size_t i = 0; i < n; i++)
				calls[i] = (struct admin_call){.dest = "dom0",
							       .method = "admin.label.Index",
							       .arg = labels[i], .timeout_ms = -1};
			admin_call_many(&s->ctx, calls, n, res, 0);
			for (size_t i = 0; i < n; i++) {
				if (!found && res[i].status == ADMIN_OK &&
				    strtol(res[i].content, NULL, 10) == strtol(label, NULL, 10))
					found = strdup(labels[i]);
				admin_result_free(&res[i]);
			}
		}
		free(calls);
		free(res);
	}
	if (!found) {
		size_t len = 1;
		for (size_t i = 0; i < n; i++)
			len += strlen(labels[i]) + 2;
		char *avail = calloc(len, 1);
		for (size_t i = 0; avail && i < n; i++) {
			if (i)
				strcat(avail, ", ");
			strcat(avail, labels[i]);
		}
		cli_usage_error(s->spec, "no such label: '%s'; available: %s", label,
				avail ? avail : "?");
	}
	free(labels);
	admin_result_free(&r);
	return found;
}

static void check_class(struct session *s, const char *cls)
{
	struct admin_call call = {.dest = "dom0", .method = "admin.vmclass.List",
				  .timeout_ms = -1};
	struct admin_result r;
	if (admin_call(&s->ctx, &call, &r) != ADMIN_OK) {
		admin_result_free(&r);
		return;
	}
	const char **cls_list;
	size_t n = lines_of(r.content, &cls_list);
	bool found = false;
	for (size_t i = 0; i < n; i++)
		found |= strcmp(cls_list[i], cls) == 0 && strcmp(cls, "AdminVM") != 0;
	free(cls_list);
	admin_result_free(&r);
	if (!found)
		cli_usage_error(s->spec, "no such domain class: '%s'", cls);
}

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	const char *cls = "AppVM", *label = NULL, *template = NULL, *one_pool = NULL;
	const char *root_copy = NULL, *root_move = NULL;
	bool standalone = false, disp = false, help_classes = false, no_root = false;
	struct cli_list props = {0}, pools = {0};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--class,-C", CLI_VALUE, &cls, "CLASS",
		 "class of the new qube (default: AppVM)", NULL},
		{"--standalone", CLI_FLAG, &standalone, NULL, "shortcut for --class StandaloneVM",
		 NULL},
		{"--disp", CLI_FLAG, &disp, NULL, "alias for --class DispVM --label red", NULL},
		{"--property,--prop", CLI_APPEND, &props, "NAME=VALUE",
		 "set a property of the new qube (repeatable)", NULL},
		{"--pool,-p", CLI_APPEND, &pools, "VOLUME_NAME=POOL_NAME",
		 "pool for one volume (accepted; bulkhead keeps every qube in one place)", NULL},
		{"-P", CLI_VALUE, &one_pool, "POOL_NAME", "pool for all volumes (as --pool)",
		 NULL},
		{"--template,-t", CLI_VALUE, &template, "VALUE", "template of the new qube", NULL},
		{"--label,-l", CLI_VALUE, &label, "VALUE",
		 "label of the new qube (red, orange, yellow, green, gray, blue, purple, black)",
		 NULL},
		{"--help-classes", CLI_FLAG, &help_classes, NULL,
		 "list the classes of qubes and exit", NULL},
		{"--root-copy-from,-r", CLI_VALUE, &root_copy, "FILENAME", NULL, NULL},
		{"--root-move-from,-R", CLI_VALUE, &root_move, "FILENAME", NULL, NULL},
		{"--no-root", CLI_FLAG, &no_root, NULL, NULL, NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] --label LABEL VMNAME",
		.description = "Create a qube.",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
		.epilog = "Not supported: --root-copy-from/-r and --root-move-from/-R, and "
			  "--standalone\nwith --template (both need the volume API, which "
			  "bulkheadd does not provide).",
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	if (npos > 1)
		cli_usage_error(&spec, "unrecognized arguments: %s", pos[1]);
	const char *name = npos ? pos[0] : NULL;
	char *label_name = NULL, *payload = NULL;
	int rc = 0;
	struct session s;
	session_open(&s, &spec);
	if (help_classes) {
		struct admin_call call = {.dest = "dom0", .method = "admin.vmclass.List",
					  .timeout_ms = -1};
		struct admin_result r;
		if (admin_call(&s.ctx, &call, &r) != ADMIN_OK) {
			report_call_error(spec.prog, "cannot list the classes", &r);
			admin_result_free(&r);
			rc = 1;
			goto out;
		}
		const char **v;
		size_t n = lines_of(r.content, &v);
		for (size_t i = 0; i < n; i++)
			printf("%s\n", v[i]);
		free(v);
		admin_result_free(&r);
		goto out;
	}
	for (size_t i = 0; i < pools.n; i++) {
		const char *eq = strchr(pools.v[i], '=');
		if (!eq || strchr(eq + 1, '='))
			cli_usage_error(&spec,
					"Pool argument must be of form: -p volume_name=pool_name");
	}
	if (one_pool && pools.n)
		cli_usage_error(&spec, "only one of -P and --pool can be used");
	/* --property NAME=VALUE; name, label and template there win */
	for (size_t i = 0; i < props.n; i++) {
		const char *eq = strchr(props.v[i], '=');
		if (!eq)
			cli_usage_error(&spec, "Invalid property token: '%s'", props.v[i]);
		size_t kl = (size_t)(eq - props.v[i]);
		if (kl == 4 && memcmp(props.v[i], "name", 4) == 0)
			name = eq + 1;
		else if (kl == 5 && memcmp(props.v[i], "label", 5) == 0)
			label = eq + 1;
		else if (kl == 8 && memcmp(props.v[i], "template", 8) == 0)
			template = eq + 1;
	}
	if (disp) {
		if (!label)
			label = "red";
		cls = "DispVM";
	}
	if (standalone)
		cls = "StandaloneVM";
	if (!label)
		cli_usage_error(&spec, "--label option is mandatory");
	if (!name)
		cli_usage_error(&spec, "VMNAME is mandatory");
	if (root_copy || root_move)
		cli_usage_error(&spec, "--root-copy-from/--root-move-from are not supported "
				"(bulkheadd has no volume import)");
	if (!token_ok(name))
		cli_usage_error(&spec, "invalid qube name: '%s'", name);
	if (!token_ok(label))
		cli_usage_error(&spec, "no such label: '%s'", label);
	label_name = check_label(&s, label);
	if (label_name)
		label = label_name;
	check_class(&s, cls);
	if (strcmp(cls, "StandaloneVM") == 0 && template) {
		report_error(spec.prog, "a StandaloneVM made from a template is a copy of the "
			     "template's root volume; bulkheadd has no volume API "
			     "(admin.vm.volume.CloneFrom/CloneTo) to make it");
		rc = 1;
		goto out;
	}

	char method[128];
	snprintf(method, sizeof method, "admin.vm.%s.%s",
		 one_pool || pools.n ? "CreateInPool" : "Create", cls);
	size_t plen = strlen(name) + strlen(label) + 32 + (one_pool ? strlen(one_pool) : 0);
	for (size_t i = 0; i < pools.n; i++)
		plen += strlen(pools.v[i]) + 8;
	payload = malloc(plen);
	if (!payload) {
		report_error(spec.prog, "out of memory");
		rc = 1;
		goto out;
	}
	size_t off = (size_t)snprintf(payload, plen, "name=%s label=%s", name, label);
	if (one_pool)
		off += (size_t)snprintf(payload + off, plen - off, " pool=%s", one_pool);
	/* pool:VOLUME=POOL, sorted by volume as upstream sends them */
	const char **sorted = calloc(pools.n + 1, sizeof *sorted);
	for (size_t i = 0; sorted && i < pools.n; i++) {
		size_t j = i;
		while (j > 0 && strcmp(sorted[j - 1], pools.v[i]) > 0) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = pools.v[i];
	}
	for (size_t i = 0; sorted && i < pools.n; i++)
		off += (size_t)snprintf(payload + off, plen - off, " pool:%s", sorted[i]);
	free(sorted);
	struct admin_call call = {.dest = "dom0", .method = method, .arg = template,
				  .payload = payload, .payload_len = off, .timeout_ms = -1};
	struct admin_result r;
	if (admin_call(&s.ctx, &call, &r) != ADMIN_OK) {
		char what[128];
		snprintf(what, sizeof what, "cannot create %s", name);
		report_call_error(spec.prog, what, &r);
		rc = 1;
	}
	admin_result_free(&r);
	/* the other properties, in the order given */
	bool created = rc == 0;
	for (size_t i = 0; created && i < props.n; i++) {
		const char *eq = strchr(props.v[i], '=');
		size_t kl = (size_t)(eq - props.v[i]);
		char key[128];
		if (kl >= sizeof key)
			kl = sizeof key - 1;
		memcpy(key, props.v[i], kl);
		key[kl] = '\0';
		if (!strcmp(key, "name") || !strcmp(key, "label") || !strcmp(key, "template"))
			continue;
		struct admin_call set = {.dest = name, .method = "admin.vm.property.Set",
					 .arg = key, .payload = eq + 1,
					 .payload_len = strlen(eq + 1), .timeout_ms = -1};
		if (admin_call(&s.ctx, &set, &r) != ADMIN_OK) {
			char what[192];
			snprintf(what, sizeof what,
				 "cannot set property %s (but the qube was created)", key);
			report_call_error(spec.prog, what, &r);
			rc = 2;
		}
		admin_result_free(&r);
	}
out:
	free(payload);
	free(label_name);
	free(pos);
	cli_list_free(&props);
	cli_list_free(&pools);
	session_close(&s);
	if (report_stdout_status(spec.prog) && rc == 0)
		rc = 1;
	return rc;
}
