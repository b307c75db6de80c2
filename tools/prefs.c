/* prefs: listing, getting, setting and resetting properties for
 * qvm-prefs / qubes-prefs (see prefs.h). */
#include "tools/prefs.h"
#include "tools/props.h"
#include "tools/report.h"
#include "tools/termsafe.h"
#include "tools/wrap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* VM-valued properties for which "none" means "no qube" (upstream's list
 * for qubes, plus the global ones: bulkhead accepts an empty value for
 * all of them) */
static const char *const none_props[] = {
	"default_dispvm", "netvm", "template", "guivm", "audiovm",
	"default_netvm", "default_template", "default_guivm", "default_audiovm",
	"management_dispvm", "updatevm", "clockvm"};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void oom(const struct session *s)
{
	report_error(s->prog, "out of memory");
	exit(1);
}

/* property.List names (malloc'd array pointing into r->content) */
static size_t list_names(struct session *s, const char *dest, const char *prefix,
			 struct admin_result *r, const char ***names)
{
	char method[64];
	snprintf(method, sizeof method, "%sList", prefix);
	struct admin_call call = {.dest = dest, .method = method, .timeout_ms = -1};
	if (admin_call(&s->ctx, &call, r) != ADMIN_OK) {
		report_call_error(s->prog, "cannot list the properties", r);
		exit(1);
	}
	size_t lines = 1;
	for (size_t i = 0; i < r->content_len; i++)
		lines += r->content[i] == '\n';
	const char **v = calloc(lines, sizeof *v);
	if (!v)
		oom(s);
	size_t n = 0;
	for (char *p = r->content; *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (*p)
			v[n++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	*names = v;
	return n;
}

static int help_properties(struct session *s, const char *dest, const char *prefix)
{
	struct admin_result lr;
	const char **names;
	size_t n = list_names(s, dest, prefix, &lr, &names);
	qsort(names, n, sizeof *names, cmp_str);
	char method[64];
	snprintf(method, sizeof method, "%sHelp", prefix);
	struct admin_call *calls = calloc(n ? n : 1, sizeof *calls);
	struct admin_result *res = calloc(n ? n : 1, sizeof *res);
	if (!calls || !res)
		oom(s);
	size_t width = 0;
	for (size_t i = 0; i < n; i++) {
		calls[i] = (struct admin_call){.dest = dest, .method = method, .arg = names[i],
					       .timeout_ms = -1};
		if (strlen(names[i]) > width)
			width = strlen(names[i]);
	}
	admin_call_many(&s->ctx, calls, n, res, 0);
	bool esc = ts_is_terminal(stdout);
	char *indent = malloc(width + 7);
	if (!indent)
		oom(s);
	memset(indent, ' ', width + 6);
	indent[width + 6] = '\0';
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (res[i].status != ADMIN_OK) {
			char what[128];
			snprintf(what, sizeof what, "cannot read the help of %.64s", names[i]);
			report_call_error(s->prog, what, &res[i]);
			rc = 1;
			continue;
		}
		char *name = ts_dup(names[i], strlen(names[i]), esc);
		char *help = ts_dup(res[i].content, res[i].content_len, esc);
		char *line = NULL;
		if (!name || !help ||
		    asprintf(&line, "%-*s  %s", (int)width, name, help) < 0)
			oom(s);
		wrap_fill(stdout, line, 80, "  ", indent);
		free(line);
		free(name);
		free(help);
	}
	for (size_t i = 0; i < n; i++)
		admin_result_free(&res[i]);
	free(indent);
	free(res);
	free(calls);
	free(names);
	admin_result_free(&lr);
	return rc;
}

/* one listing line */
static void print_line(const char *name, size_t width, const struct propval *p, bool hide,
		       bool esc)
{
	if (!p || pv_unavailable(p)) {
		ts_puts(stdout, name, esc);
		printf("%*s  U\n", (int)(width - strlen(name)), "");
		return;
	}
	if (p->is_default && hide)
		return;
	ts_puts(stdout, name, esc);
	printf("%*s  %s  ", (int)(width - strlen(name)), "", p->is_default ? "D" : "-");
	if (pv_is_none(p))
		fputs("None", stdout);
	else
		ts_write(stdout, p->value, p->len, esc);
	putchar('\n');
}

static int list_all(struct session *s, const char *dest, const char *prefix, bool hide)
{
	bool esc = ts_is_terminal(stdout);
	char method[64];
	snprintf(method, sizeof method, "%sGetAll", prefix);
	struct admin_call call = {.dest = dest, .method = method, .timeout_ms = -1};
	struct admin_result r;
	admin_call(&s->ctx, &call, &r);
	struct propset ps = {0};
	const char **names = NULL;
	size_t n = 0;
	struct admin_result lr = {0};
	struct propval *single = NULL;
	if (r.status == ADMIN_OK) {
		const char *err;
		if (propset_parse(r.content, r.content_len, &ps, &err) < 0) {
			report_error(s->prog, "%s: %s", method, err);
			admin_result_free(&r);
			return 1;
		}
		names = calloc(ps.n ? ps.n : 1, sizeof *names);
		if (!names)
			oom(s);
		for (size_t i = 0; i < ps.n; i++)
			names[n++] = ps.v[i].name;
	} else if (admin_refused(&r)) {
		/* GetAll refused: List, then Get each (a failed Get shows as U) */
		n = list_names(s, dest, prefix, &lr, &names);
		char get[64];
		snprintf(get, sizeof get, "%sGet", prefix);
		struct admin_call *calls = calloc(n ? n : 1, sizeof *calls);
		struct admin_result *res = calloc(n ? n : 1, sizeof *res);
		single = calloc(n ? n : 1, sizeof *single);
		if (!calls || !res || !single)
			oom(s);
		for (size_t i = 0; i < n; i++)
			calls[i] = (struct admin_call){.dest = dest, .method = get,
						       .arg = names[i], .timeout_ms = -1};
		admin_call_many(&s->ctx, calls, n, res, 0);
		for (size_t i = 0; i < n; i++) {
			const char *err;
			if (res[i].status == ADMIN_OK &&
			    prop_parse_get(res[i].content, res[i].content_len, &single[i], &err) == 0)
				single[i].name = strdup(names[i]);
			admin_result_free(&res[i]);
		}
		free(calls);
		free(res);
	} else {
		report_call_error(s->prog, NULL, &r);
		admin_result_free(&r);
		return 1;
	}
	size_t width = 0;
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) > width)
			width = strlen(names[i]);
	const char **sorted = calloc(n ? n : 1, sizeof *sorted);
	if (!sorted)
		oom(s);
	memcpy(sorted, names, n * sizeof *names);
	qsort(sorted, n, sizeof *sorted, cmp_str);
	for (size_t i = 0; i < n; i++) {
		const struct propval *p = NULL;
		if (single) {
			for (size_t j = 0; j < n; j++)
				if (single[j].name && strcmp(single[j].name, sorted[i]) == 0)
					p = &single[j];
		} else {
			p = propset_find(&ps, sorted[i]);
		}
		print_line(sorted[i], width, p, hide, esc);
	}
	free(sorted);
	if (single) {
		for (size_t i = 0; i < n; i++)
			propval_free(&single[i]);
		free(single);
	}
	free(names);
	propset_free(&ps);
	admin_result_free(&lr);
	admin_result_free(&r);
	return 0;
}

/* Reports a failed Get/Set/Reset as upstream's qvm-prefs does. */
static int prop_failure(struct session *s, const char *prop, struct admin_result *r)
{
	if (admin_exc_isa(r, "QubesNoSuchPropertyError")) {
		admin_result_free(r);
		cli_usage_error(s->spec, "no such property: '%s'", prop);
	}
	if (r->status == ADMIN_DENIED)
		report_error(s->prog, "Failed to access '%s' property", prop);
	else
		report_call_error(s->prog, NULL, r);
	admin_result_free(r);
	return 1;
}

int prefs_run(struct session *s, const struct prefs_args *a, bool global, const char *dest)
{
	const char *prefix = props_prefix(global);
	if (a->help_properties)
		return help_properties(s, dest, prefix);
	if (!a->property)
		return list_all(s, dest, prefix, a->hide_default);
	char *prop = strdup(a->property);
	if (!prop)
		oom(s);
	for (char *p = prop; *p; p++)
		if (*p == '-')
			*p = '_';
	if (!*prop || strpbrk(prop, " +") || !admin_arg_valid(prop)) {
		free(prop);
		cli_usage_error(s->spec, "no such property: '%s'", a->property);
	}
	char method[64];
	struct admin_result r;
	if (a->value || a->reset) {
		const char *value = a->value;
		if (value && strcasecmp(value, "none") == 0)
			for (size_t i = 0; i < sizeof none_props / sizeof none_props[0]; i++)
				if (strcmp(prop, none_props[i]) == 0)
					value = "";
		snprintf(method, sizeof method, "%s%s", prefix, value ? "Set" : "Reset");
		struct admin_call call = {.dest = dest, .method = method, .arg = prop,
					  .payload = value, .payload_len = value ? strlen(value) : 0,
					  .timeout_ms = -1};
		int rc = admin_call(&s->ctx, &call, &r) == ADMIN_OK ? 0 : prop_failure(s, prop, &r);
		if (rc == 0)
			admin_result_free(&r);
		free(prop);
		return rc;
	}
	snprintf(method, sizeof method, "%sGet", prefix);
	struct admin_call call = {.dest = dest, .method = method, .arg = prop, .timeout_ms = -1};
	if (admin_call(&s->ctx, &call, &r) != ADMIN_OK) {
		int rc = prop_failure(s, prop, &r);
		free(prop);
		return rc;
	}
	struct propval p;
	const char *err;
	if (prop_parse_get(r.content, r.content_len, &p, &err) < 0) {
		report_error(s->prog, "%s: %s", method, err);
		admin_result_free(&r);
		free(prop);
		return 1;
	}
	if (!(a->hide_default && p.is_default) && !pv_is_none(&p) && !pv_unavailable(&p)) {
		ts_write(stdout, p.value, p.len, ts_is_terminal(stdout));
		putchar('\n');
	}
	propval_free(&p);
	admin_result_free(&r);
	free(prop);
	return 0;
}
