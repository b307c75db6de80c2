/* qvm-ls: lists qubes and their properties, as upstream's qvm-ls does:
 * formats (simple, full, network, prefs, kernel) or --fields, --raw-data
 * and --raw-list, filters (class, label, tags, power state, template,
 * netvm, features, prefs), sorting. One admin.vm.List, then one
 * admin.vm.property.GetAll per shown qube (several at once); where
 * GetAll is refused, one property.Get per needed property. Empty cells
 * are "-"; columns are separated by two spaces (`column -t`). */
#include "tools/cli.h"
#include "tools/props.h"
#include "tools/report.h"
#include "tools/session.h"
#include "tools/table.h"
#include "tools/termsafe.h"
#include "tools/wrap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum ckind { C_PROP, C_STATE, C_CLASS, C_GATEWAY, C_MEMORY, C_FLAGS };

struct column {
	char head[96];
	enum ckind kind;
	char prop[96];   /* C_PROP: the property */
};

static const struct {
	const char *head;
	enum ckind kind;
	const char *doc;
} predefined[] = {
	{"CLASS", C_CLASS, "The qube's class (AppVM, TemplateVM, ...)."},
	{"FLAGS", C_FLAGS,
	 "Eight letters: class (0 AdminVM, a AppVM, d DispVM, s StandaloneVM, t TemplateVM; "
	 "capital for hvm), power state (r, t, p, s, h, d, c, ? or -), then U updateable, "
	 "N provides_network, R installed_by_rpm, i internal, D debug, A autostart ('-' "
	 "when not)."},
	{"GATEWAY", C_GATEWAY, "Gateway of the qube's netvm."},
	{"MEMORY", C_MEMORY, "Memory in use (MiB) while the qube runs."},
	{"STATE", C_STATE, "Power state (Running, Halted, Paused, ...)."},
};

/* need admin.vm.volume.*, which bulkheadd does not provide */
static const char *const disk_columns[] = {"DISK", "PRIV-CURR", "PRIV-MAX", "PRIV-POOL",
					   "PRIV-USED", "ROOT-CURR", "ROOT-MAX", "ROOT-POOL",
					   "ROOT-USED"};

static const struct {
	const char *name;
	const char *fields;
} formats[] = {
	{"full", "name,state,class,label,qid,xid,uuid"},
	{"kernel", "name,state,class,template,kernel,kernelopts"},
	{"network", "name,state,netvm,ip,ipback,gateway"},
	{"prefs", "name,label,template,netvm,vcpus,initialmem,maxmem,virt_mode"},
	{"simple", "name,state,class,label,template,netvm"},
};

static const char *const numeric_sort[] = {
	"MEMORY", "DISK", "PRIV-CURR", "PRIV-MAX", "ROOT-CURR", "XID", "ROOT-MAX", "MAXMEM",
	"QREXEC-TIMEOUT", "SHUTDOWN-TIMEOUT", "VCPUS", "PRIV-USED", "ROOT-USED"};

/* properties FLAGS reads */
static const char *const flag_props[] = {"virt_mode", "updateable", "provides_network",
					 "installed_by_rpm", "internal", "debug", "autostart"};

struct opts {
	int verbose, quiet;
	const char *format, *fields, *sort;
	bool tree, raw_data, raw_list, help_formats, help_columns, reverse, ignore_case;
	bool all, running, paused, halted, pending_update, spinner_dummy;
	const char *internal, *servicevm;
	struct cli_list klass, label, tags, exclude_tags, template_source, netvm_is, features,
		prefs, exclude;
};

/* everything known about one qube of the list */
struct qube {
	const struct vm_info *vi;
	struct propset props;
	bool props_done, gone;
	char *tags;          /* tag.List content */
	bool tags_done;
	char *mem;           /* CurrentState mem=, or NULL */
	bool mem_done;
};

struct ls {
	struct session *s;
	struct qube *q;      /* parallel to s->vms.v */
	const char **need;   /* property names for the Get fallback */
	size_t nneed;
};

static void add_need(struct ls *l, const char *name)
{
	for (size_t i = 0; i < l->nneed; i++)
		if (strcmp(l->need[i], name) == 0)
			return;
	const char **g = realloc(l->need, (l->nneed + 1) * sizeof *g);
	if (!g)
		return;
	l->need = g;
	l->need[l->nneed++] = name;
}

static size_t qindex(const struct ls *l, const struct vm_info *v)
{
	return (size_t)(v - l->s->vms.v);
}

/* GetAll (or the Get fallback) for the qubes in idx that lack it. */
static void ensure_props(struct ls *l, const size_t *idx, size_t k)
{
	const char **dests = calloc(k ? k : 1, sizeof *dests);
	size_t *which = calloc(k ? k : 1, sizeof *which);
	size_t m = 0;
	if (!dests || !which) {
		report_error(l->s->prog, "out of memory");
		exit(1);
	}
	for (size_t i = 0; i < k; i++) {
		struct qube *q = &l->q[idx[i]];
		if (q->props_done)
			continue;
		q->props_done = true;
		dests[m] = q->vi->name;
		which[m++] = idx[i];
	}
	struct propset *ps = calloc(m ? m : 1, sizeof *ps);
	struct admin_result *failed = calloc(m ? m : 1, sizeof *failed);
	if (!ps || !failed ||
	    props_fetch_many(&l->s->ctx, false, dests, m, l->need, l->nneed, ps, failed) < 0) {
		report_error(l->s->prog, "out of memory");
		exit(1);
	}
	for (size_t i = 0; i < m; i++) {
		struct qube *q = &l->q[which[i]];
		q->props = ps[i];
		if (admin_exc_isa(&failed[i], "QubesVMNotFoundError")) {
			q->gone = true;
		} else if (failed[i].status != ADMIN_OK && failed[i].message) {
			char what[96];
			snprintf(what, sizeof what, "cannot read the properties of %s", q->vi->name);
			report_call_error(l->s->prog, what, &failed[i]);
			exit(1);
		}
		admin_result_free(&failed[i]);
	}
	free(ps);
	free(failed);
	free(dests);
	free(which);
}

static void ensure_props_one(struct ls *l, size_t i)
{
	ensure_props(l, &i, 1);
}

/* Runs one call per qube in idx (the method with `arg`, no payload). */
static void call_each(struct ls *l, const size_t *idx, size_t k, const char *method,
		      const char *arg, struct admin_result *res)
{
	struct admin_call *calls = calloc(k ? k : 1, sizeof *calls);
	if (!calls) {
		report_error(l->s->prog, "out of memory");
		exit(1);
	}
	for (size_t i = 0; i < k; i++)
		calls[i] = (struct admin_call){.dest = l->q[idx[i]].vi->name, .method = method,
					       .arg = arg, .timeout_ms = -1};
	admin_call_many(&l->s->ctx, calls, k, res, 0);
	free(calls);
}

static void ensure_tags(struct ls *l, const size_t *idx, size_t k)
{
	struct admin_result *res = calloc(k ? k : 1, sizeof *res);
	if (!res) {
		report_error(l->s->prog, "out of memory");
		exit(1);
	}
	call_each(l, idx, k, "admin.vm.tag.List", NULL, res);
	for (size_t i = 0; i < k; i++) {
		struct qube *q = &l->q[idx[i]];
		if (res[i].status == ADMIN_OK) {
			q->tags = res[i].content;
			res[i].content = NULL;
		} else if (admin_exc_isa(&res[i], "QubesVMNotFoundError")) {
			q->gone = true;
		} else {
			char what[96];
			snprintf(what, sizeof what, "cannot read the tags of %s", q->vi->name);
			report_call_error(l->s->prog, what, &res[i]);
			exit(1);
		}
		q->tags_done = true;
		admin_result_free(&res[i]);
	}
	free(res);
}

static bool has_tag(const struct qube *q, const char *tag)
{
	const char *p = q->tags;
	size_t tl = strlen(tag);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == tl && memcmp(p, tag, tl) == 0)
			return true;
		p = nl ? nl + 1 : p + len;
	}
	return false;
}

/* feature values (NULL: not set) for each qube in idx; *vals malloc'd */
static char **features_of(struct ls *l, const size_t *idx, size_t k, const char *key)
{
	struct admin_result *res = calloc(k ? k : 1, sizeof *res);
	char **vals = calloc(k ? k : 1, sizeof *vals);
	if (!res || !vals) {
		report_error(l->s->prog, "out of memory");
		exit(1);
	}
	call_each(l, idx, k, "admin.vm.feature.Get", key, res);
	for (size_t i = 0; i < k; i++) {
		if (res[i].status == ADMIN_OK) {
			vals[i] = res[i].content;
			res[i].content = NULL;
		}
		admin_result_free(&res[i]);
	}
	free(res);
	return vals;
}

static void free_vals(char **v, size_t k)
{
	for (size_t i = 0; i < k; i++)
		free(v[i]);
	free(v);
}

static const struct propval *prop_of(struct ls *l, size_t i, const char *name)
{
	ensure_props_one(l, i);
	return propset_find(&l->q[i].props, name);
}

/* upstream's str(getattr(vm, name, None)) */
static const char *prop_str(const struct propval *p)
{
	if (!p || pv_unavailable(p) || pv_is_none(p))
		return "None";
	return p->value;
}

static bool truthy(const struct propval *p)
{
	if (!p || pv_unavailable(p))
		return false;
	switch (p->type) {
	case PV_BOOL: return strcmp(p->value, "True") == 0;
	case PV_INT: return strtoll(p->value, NULL, 10) != 0;
	default: return p->len > 0;
	}
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static const char *state_cell(const struct vm_info *v)
{
	return v->state[0] ? v->state : NULL;
}

static char *flags_cell(struct ls *l, size_t i)
{
	const struct vm_info *v = l->q[i].vi;
	static const struct {
		const char *cls;
		char c;
	} types[] = {{"AdminVM", '0'}, {"TemplateVM", 't'}, {"AppVM", 'a'},
		     {"StandaloneVM", 's'}, {"DispVM", 'd'}};
	char f[9] = "--------";
	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
		if (strcmp(v->klass, types[k].cls) == 0)
			f[0] = types[k].c;
	if (f[0] != '0' && f[0] != '-') {
		const struct propval *vm = prop_of(l, i, "virt_mode");
		if (vm && strcmp(vm->value, "hvm") == 0)
			f[0] = (char)toupper((unsigned char)f[0]);
	}
	char st[32];
	snprintf(st, sizeof st, "%s", v->state);
	lower(st);
	static const char *const states[] = {"running", "transient", "paused", "suspended",
					     "halting", "dying", "crashed"};
	if (strcmp(st, "unknown") == 0)
		f[1] = '?';
	for (size_t k = 0; k < sizeof states / sizeof states[0]; k++)
		if (strcmp(st, states[k]) == 0)
			f[1] = st[0];
	static const char letters[] = "UNRiDA";
	for (size_t k = 1; k < sizeof flag_props / sizeof flag_props[0]; k++)
		if (truthy(prop_of(l, i, flag_props[k])))
			f[k + 1] = letters[k - 1];
	return strdup(f);
}

static char *memory_cell(struct ls *l, size_t i)
{
	struct qube *q = &l->q[i];
	if (!vm_is_running(q->vi))
		return NULL;
	if (!q->mem_done) {
		struct admin_result r;
		call_each(l, &i, 1, "admin.vm.CurrentState", NULL, &r);
		q->mem_done = true;
		const char *m = r.status == ADMIN_OK ? strstr(r.content, "mem=") : NULL;
		if (m && (m == r.content || m[-1] == ' ')) {
			long long kb = strtoll(m + 4, NULL, 10);
			if (asprintf(&q->mem, "%lld", kb / 1024) < 0)
				q->mem = NULL;
		}
		admin_result_free(&r);
	}
	return q->mem ? strdup(q->mem) : NULL;
}

static char *gateway_cell(struct ls *l, size_t i)
{
	const struct propval *nv = prop_of(l, i, "netvm");
	if (!nv || nv->type != PV_VM || !nv->len)
		return NULL;
	const struct vm_info *n = vm_table_find(&l->s->vms, nv->value);
	if (!n)
		return NULL;
	const struct propval *g = prop_of(l, qindex(l, n), "gateway");
	return g && g->len && !pv_unavailable(g) ? strdup(g->value) : NULL;
}

/* The cell text (malloc'd, raw) or NULL for "-". */
static char *cell(struct ls *l, size_t i, const struct column *c)
{
	const struct vm_info *v = l->q[i].vi;
	switch (c->kind) {
	case C_STATE: return state_cell(v) ? strdup(v->state) : NULL;
	case C_CLASS: return v->klass[0] ? strdup(v->klass) : NULL;
	case C_FLAGS: return flags_cell(l, i);
	case C_MEMORY: return memory_cell(l, i);
	case C_GATEWAY: return gateway_cell(l, i);
	case C_PROP: break;
	}
	const struct propval *p = prop_of(l, i, c->prop);
	if (!p && strcmp(c->prop, "name") == 0)
		return strdup(v->name);
	if (!p || pv_unavailable(p) || pv_is_none(p) || p->len == 0)
		return NULL;
	char *d = malloc(p->len + 1);
	if (d) {
		memcpy(d, p->value, p->len);
		d[p->len] = '\0';
	}
	return d;
}

/* ---- columns ---- */

static bool is_disk_column(const char *head)
{
	for (size_t k = 0; k < sizeof disk_columns / sizeof disk_columns[0]; k++)
		if (strcmp(head, disk_columns[k]) == 0)
			return true;
	return false;
}

/* One field of --fields (or a format) as a column. */
static void make_column(const struct cli_spec *spec, const char *f, size_t n, struct column *c)
{
	while (n && isspace((unsigned char)*f))
		f++, n--;
	while (n && isspace((unsigned char)f[n - 1]))
		n--;
	if (n >= sizeof c->head)
		cli_usage_error(spec, "column name too long: '%.*s'", (int)n, f);
	memset(c, 0, sizeof *c);
	char up[96];
	for (size_t k = 0; k < n; k++) {
		char ch = (char)toupper((unsigned char)f[k]);
		up[k] = ch == '_' ? '-' : ch;
	}
	up[n] = '\0';
	if (is_disk_column(up))
		cli_usage_error(spec, "column %s needs the volume API (admin.vm.volume.*), which "
				"bulkheadd does not provide", up);
	for (size_t k = 0; k < sizeof predefined / sizeof predefined[0]; k++) {
		if (strcmp(up, predefined[k].head) == 0) {
			snprintf(c->head, sizeof c->head, "%s", up);
			c->kind = predefined[k].kind;
			return;
		}
	}
	c->kind = C_PROP;
	snprintf(c->head, sizeof c->head, "%s", up);
	for (size_t k = 0; k < n; k++) {
		char ch = (char)tolower((unsigned char)f[k]);
		c->prop[k] = ch == '-' ? '_' : ch;
	}
	c->prop[n] = '\0';
}

static size_t make_columns(const struct cli_spec *spec, const char *fields, struct column **out)
{
	size_t n = 1;
	for (const char *p = fields; *p; p++)
		n += *p == ',';
	struct column *c = calloc(n, sizeof *c);
	if (!c)
		cli_usage_error(spec, "out of memory");
	size_t k = 0;
	const char *p = fields;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		make_column(spec, p, len, &c[k++]);
		if (!comma)
			break;
		p = comma + 1;
	}
	*out = c;
	return k;
}

static void help_formats(void)
{
	size_t w = 0;
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (strlen(formats[i].name) > w)
			w = strlen(formats[i].name);
	printf("Available formats:\n");
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		printf("  %-*s  ", (int)w, formats[i].name);
		for (const char *p = formats[i].fields; *p; p++)
			putchar(toupper((unsigned char)*p));
		putchar('\n');
	}
	putchar('\n');
}

static void help_columns(void)
{
	size_t w = 0;
	for (size_t i = 0; i < sizeof predefined / sizeof predefined[0]; i++)
		if (strlen(predefined[i].head) > w)
			w = strlen(predefined[i].head);
	char indent[64];
	snprintf(indent, sizeof indent, "%*s", (int)w + 6, "");
	printf("Available columns:\n");
	for (size_t i = 0; i < sizeof predefined / sizeof predefined[0]; i++) {
		char *line;
		if (asprintf(&line, "%-*s  %s", (int)w, predefined[i].head, predefined[i].doc) < 0)
			continue;
		wrap_fill(stdout, line, 80, "  ", indent);
		free(line);
	}
	printf("\nAny other column is a property of the qube (see qvm-prefs "
	       "--help-properties).\nNot available here: DISK, PRIV-*, ROOT-* (no volume "
	       "API in bulkheadd).\n\n");
}

/* ---- sorting ---- */

struct row {
	char **cells;     /* raw, NULL = "-" */
	const char *name;
	size_t order;     /* position after sorting by name */
};

struct sort_ctx {
	size_t col;
	bool numeric, ignore_case, reverse;
};

static long long numeric_key(const char *s)
{
	if (!s)
		return 0;
	char buf[64];
	size_t n = strlen(s);
	if (n && s[n - 1] == '%')
		n--;
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	long long v = strtoll(buf, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return *end ? 0 : v;
}

static int cmp_rows(const struct row *a, const struct row *b, const struct sort_ctx *sc)
{
	const char *x = a->cells[sc->col] ? a->cells[sc->col] : "-";
	const char *y = b->cells[sc->col] ? b->cells[sc->col] : "-";
	int r;
	if (sc->numeric) {
		long long kx = numeric_key(a->cells[sc->col] ? x : "-");
		long long ky = numeric_key(b->cells[sc->col] ? y : "-");
		r = kx < ky ? -1 : kx > ky;
	} else if (sc->ignore_case) {
		r = strcasecmp(x, y);
	} else {
		r = strcmp(x, y);
	}
	return sc->reverse ? -r : r;
}

/* stable insertion sort (tables are small) */
static void sort_rows(struct row *r, size_t n, const struct sort_ctx *sc)
{
	for (size_t i = 1; i < n; i++) {
		struct row t = r[i];
		size_t j = i;
		while (j > 0 && cmp_rows(&r[j - 1], &t, sc) > 0) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = t;
	}
}

static int by_name(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* ---- filters ---- */

static bool in_list(const struct cli_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

/* keeps idx[i] where keep[i]; returns the new count */
static size_t compact(size_t *idx, size_t k, const bool *keep)
{
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (keep[i])
			idx[m++] = idx[i];
	return m;
}

/* template-source / netvm-is: getattr(vm, prop, '') in list (None never matches) */
static bool vm_prop_in(struct ls *l, size_t i, const char *prop, const struct cli_list *list)
{
	const struct propval *p = prop_of(l, i, prop);
	if (p && pv_is_none(p))
		return false;
	return in_list(list, p ? p->value : "");
}

static bool feature_true(const char *v)
{
	return v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "True") == 0);
}

static bool label_in(struct ls *l, size_t i, const struct cli_list *labels)
{
	const struct propval *p = prop_of(l, i, "label");
	return p && !pv_is_none(p) && in_list(labels, p->value);
}

static bool any_tag(const struct qube *q, const struct cli_list *tags)
{
	for (size_t t = 0; t < tags->n; t++)
		if (has_tag(q, tags->v[t]))
			return true;
	return false;
}

static bool state_wanted(const struct opts *o, const struct vm_info *v)
{
	char st[32];
	snprintf(st, sizeof st, "%s", v->state);
	lower(st);
	return (o->running && strcmp(st, "running") == 0) ||
	       (o->paused && strcmp(st, "paused") == 0) ||
	       (o->halted && strcmp(st, "halted") == 0);
}

/* --internal / --servicevm / --pending-update / --features KEY=...:
 * keeps the qubes whose feature matches */
enum fmatch { F_TRUE, F_NOT_TRUE, F_NONEMPTY, F_UNSET, F_EQUALS };

static size_t filter_feature(struct ls *l, size_t *idx, size_t k, bool *keep, const char *key,
			     enum fmatch how, const char *want)
{
	char **v = features_of(l, idx, k, key);
	for (size_t i = 0; i < k; i++) {
		switch (how) {
		case F_TRUE: keep[i] = feature_true(v[i]); break;
		case F_NOT_TRUE: keep[i] = !feature_true(v[i]); break;
		case F_NONEMPTY: keep[i] = v[i] && v[i][0]; break;
		case F_UNSET: keep[i] = v[i] == NULL; break;
		case F_EQUALS: keep[i] = v[i] && strcmp(v[i], want) == 0; break;
		}
	}
	free_vals(v, k);
	return compact(idx, k, keep);
}

/* KEY=VALUE of --features / --prefs; exits on a malformed one */
static void split_kv(const struct cli_spec *spec, const char *opt, const char *kv, char *key,
		     size_t n, const char **value)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv || (size_t)(eq - kv) >= n)
		cli_usage_error(spec, "Invalid argument: --%s %s", opt, kv);
	snprintf(key, n, "%.*s", (int)(eq - kv), kv);
	*value = eq + 1;
}

/* The filters, in upstream's order. Returns the new count of idx. */
static size_t filter(struct ls *l, const struct cli_spec *spec, const struct opts *o,
		     size_t *idx, size_t k)
{
	bool *keep = calloc(k ? k : 1, sizeof *keep);
	if (!keep) {
		report_error(l->s->prog, "out of memory");
		exit(1);
	}
	if (o->klass.n) {
		for (size_t i = 0; i < k; i++)
			keep[i] = in_list(&o->klass, l->q[idx[i]].vi->klass);
		k = compact(idx, k, keep);
	}
	if (o->label.n) {
		ensure_props(l, idx, k);
		for (size_t i = 0; i < k; i++)
			keep[i] = label_in(l, idx[i], &o->label);
		k = compact(idx, k, keep);
	}
	if (o->tags.n || o->exclude_tags.n)
		ensure_tags(l, idx, k);
	if (o->tags.n) {
		for (size_t i = 0; i < k; i++)
			keep[i] = any_tag(&l->q[idx[i]], &o->tags);
		k = compact(idx, k, keep);
	}
	if (o->exclude_tags.n) {
		for (size_t i = 0; i < k; i++)
			keep[i] = !any_tag(&l->q[idx[i]], &o->exclude_tags);
		k = compact(idx, k, keep);
	}
	if (o->template_source.n || o->netvm_is.n)
		ensure_props(l, idx, k);
	if (o->template_source.n) {
		for (size_t i = 0; i < k; i++)
			keep[i] = vm_prop_in(l, idx[i], "template", &o->template_source);
		k = compact(idx, k, keep);
	}
	if (o->netvm_is.n) {
		for (size_t i = 0; i < k; i++)
			keep[i] = vm_prop_in(l, idx[i], "netvm", &o->netvm_is);
		k = compact(idx, k, keep);
	}
	if (o->internal)
		k = filter_feature(l, idx, k, keep, "internal",
				   o->internal[0] == 'y' ? F_TRUE : F_NOT_TRUE, NULL);
	if (o->servicevm)
		k = filter_feature(l, idx, k, keep, "servicevm",
				   o->servicevm[0] == 'y' ? F_TRUE : F_NOT_TRUE, NULL);
	if (o->pending_update)
		k = filter_feature(l, idx, k, keep, "updates-available", F_NONEMPTY, NULL);
	for (size_t f = 0; f < o->features.n; f++) {
		char key[256];
		const char *want;
		split_kv(spec, "features", o->features.v[f], key, sizeof key, &want);
		if (!*want)
			k = filter_feature(l, idx, k, keep, key, F_UNSET, NULL);
		else
			k = filter_feature(l, idx, k, keep, key, F_EQUALS,
					   strcmp(want, "''") == 0 || strcmp(want, "\"\"") == 0
						   ? "" : want);
	}
	for (size_t f = 0; f < o->prefs.n; f++) {
		char key[256];
		const char *want;
		split_kv(spec, "prefs", o->prefs.v[f], key, sizeof key, &want);
		/* upstream compares with None for an empty VALUE: nothing matches */
		bool never = !*want;
		if (strcmp(want, "''") == 0 || strcmp(want, "\"\"") == 0)
			want = "";
		ensure_props(l, idx, k);
		for (size_t i = 0; i < k; i++)
			keep[i] = !never && strcmp(prop_str(prop_of(l, idx[i], key)), want) == 0;
		k = compact(idx, k, keep);
	}
	if (o->running || o->paused || o->halted) {
		for (size_t i = 0; i < k; i++)
			keep[i] = state_wanted(o, l->q[idx[i]].vi);
		k = compact(idx, k, keep);
	}
	free(keep);
	return k;
}

int main(int argc, char **argv)
{
	struct opts o = {.format = NULL, .sort = "NAME"};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &o.verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &o.quiet, NULL, "decrease verbosity", NULL},
		{"--all", CLI_FLAG, &o.all, NULL, "list all qubes (the default)", NULL},
		{"--exclude", CLI_APPEND, &o.exclude, "VMNAME", "with --all: leave this qube out",
		 NULL},
		{"--format,-o", CLI_VALUE, &o.format, "FORMAT",
		 "preset format: simple (default), full, network, prefs, kernel", NULL},
		{"--fields,-O", CLI_VALUE, &o.fields, "FIELD,...",
		 "user-chosen columns (see --help-columns; any qube property works)", NULL},
		{"--network,-n", CLI_CONST, &o.format, NULL, "same as --format=network", "network"},
		{"--kernel,-k", CLI_CONST, &o.format, NULL, "same as --format=kernel", "kernel"},
		{"--disk,-d", CLI_CONST, &o.format, NULL, NULL, "disk"},
		{"--tree,-t", CLI_FLAG, &o.tree, NULL, NULL, NULL},
		{"--raw-data", CLI_FLAG, &o.raw_data, NULL,
		 "values separated by '|', no header (for scripts)", NULL},
		{"--raw-list", CLI_FLAG, &o.raw_list, NULL, "same as --raw-data --fields=name",
		 NULL},
		{"--help-formats", CLI_FLAG, &o.help_formats, NULL, "list the formats and exit",
		 NULL},
		{"--help-columns", CLI_FLAG, &o.help_columns, NULL, "list the columns and exit",
		 NULL},
		{"--class", CLI_NARGS, &o.klass, "CLASS", "only qubes of these classes", NULL},
		{"--label", CLI_NARGS, &o.label, "LABEL", "only qubes with these labels", NULL},
		{"--tags", CLI_NARGS, &o.tags, "TAG", "only qubes with any of these tags", NULL},
		{"--exclude-tags", CLI_NARGS, &o.exclude_tags, "TAG",
		 "leave out qubes with any of these tags", NULL},
		{"--running", CLI_FLAG, &o.running, NULL, "show running qubes", NULL},
		{"--paused", CLI_FLAG, &o.paused, NULL, "show paused qubes", NULL},
		{"--halted", CLI_FLAG, &o.halted, NULL, "show halted qubes", NULL},
		{"--template-source", CLI_NARGS, &o.template_source, "TEMPLATE",
		 "only qubes based on these templates", NULL},
		{"--netvm-is", CLI_NARGS, &o.netvm_is, "NETVM",
		 "only qubes connected through these netvms", NULL},
		{"--internal", CLI_VALUE, &o.internal, "<y|n>",
		 "only internal qubes (y) or no internal qubes (n)", NULL},
		{"--servicevm", CLI_VALUE, &o.servicevm, "<y|n>",
		 "only service qubes (y) or no service qubes (n)", NULL},
		{"--pending-update", CLI_FLAG, &o.pending_update, NULL,
		 "only qubes with updates pending", NULL},
		{"--features", CLI_NARGS, &o.features, "FEATURE=VALUE",
		 "only qubes with these feature values (empty VALUE: unset, '' : blank)", NULL},
		{"--prefs", CLI_NARGS, &o.prefs, "PREFERENCE=VALUE",
		 "only qubes with these property values", NULL},
		{"--sort", CLI_VALUE, &o.sort, "COLUMN", "sort by this column instead of NAME",
		 NULL},
		{"--reverse", CLI_FLAG, &o.reverse, NULL, "reverse the sort", NULL},
		{"--ignore-case", CLI_FLAG, &o.ignore_case, NULL, "sort ignoring case", NULL},
		{"--spinner", CLI_FLAG, &o.spinner_dummy, NULL, "accepted; there is no spinner",
		 NULL},
		{"--no-spinner", CLI_FLAG, &o.spinner_dummy, NULL, "accepted; there is no spinner",
		 NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] [--all | VMNAME ...]",
		.description = "List qubes and their properties.",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
		.epilog = "Formats: full, kernel, network, prefs, simple (see --help-formats).\n"
			  "Not supported: --tree, the disk format and columns (DISK, PRIV-*, "
			  "ROOT-*;\nbulkheadd has no volume API); there is no spinner.",
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	if (o.help_formats || o.help_columns) {
		if (o.help_formats)
			help_formats();
		else
			help_columns();
		free(pos);
		return report_stdout_status(spec.prog);
	}
	if (o.fields && o.format)
		cli_usage_error(&spec, "argument --fields/-O: not allowed with argument "
				"--format/-o");
	if (o.tree)
		cli_usage_error(&spec, "--tree is not supported");
	const char *fields = NULL;
	if (o.raw_list) {
		o.raw_data = true;
		fields = "name";
	} else if (o.fields) {
		fields = o.fields;
	} else {
		const char *fmt = o.format ? o.format : "simple";
		if (strcmp(fmt, "disk") == 0)
			cli_usage_error(&spec, "the disk format needs the volume API "
					"(admin.vm.volume.*), which bulkheadd does not provide");
		for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
			if (strcmp(fmt, formats[i].name) == 0)
				fields = formats[i].fields;
		if (!fields)
			cli_usage_error(&spec, "argument --format/-o: invalid choice: '%s' (choose "
					"from full, kernel, network, prefs, simple)", fmt);
	}
	for (int y = 0; y < 2; y++) {
		const char *v = y ? o.servicevm : o.internal;
		if (v && strcmp(v, "y") && strcmp(v, "yes") && strcmp(v, "n") && strcmp(v, "no"))
			cli_usage_error(&spec, "argument --%s: invalid choice: '%s' (choose from "
					"'y', 'yes', 'n', 'no')", y ? "servicevm" : "internal", v);
	}
	struct column *cols;
	size_t ncols = make_columns(&spec, fields, &cols);

	struct session s;
	session_open(&s, &spec);
	struct vm_choice ch = {.all = o.all || npos == 0, .all_includes_admin = true,
			       .names = pos, .nnames = npos, .exclude = o.exclude.v,
			       .nexclude = o.exclude.n};
	if (o.all && npos)
		cli_usage_error(&spec, "argument VMNAME: not allowed with argument --all");
	if (!o.all && o.exclude.n)
		cli_usage_error(&spec, "--exclude can only be used with --all");
	const struct vm_info **chosen;
	size_t k = session_choose(&s, &ch, &chosen);

	struct ls l = {.s = &s};
	l.q = calloc(s.vms.n ? s.vms.n : 1, sizeof *l.q);
	size_t *idx = calloc(k ? k : 1, sizeof *idx);
	if (!l.q || !idx) {
		report_error(spec.prog, "out of memory");
		return 1;
	}
	for (size_t i = 0; i < s.vms.n; i++)
		l.q[i].vi = &s.vms.v[i];
	for (size_t i = 0; i < k; i++)
		idx[i] = qindex(&l, chosen[i]);
	/* what the Get fallback has to fetch */
	bool want_props = false;
	for (size_t c = 0; c < ncols; c++) {
		if (cols[c].kind == C_PROP) {
			add_need(&l, cols[c].prop);
			want_props = true;
		} else if (cols[c].kind == C_FLAGS) {
			for (size_t f = 0; f < sizeof flag_props / sizeof flag_props[0]; f++)
				add_need(&l, flag_props[f]);
			want_props = true;
		} else if (cols[c].kind == C_GATEWAY) {
			add_need(&l, "netvm");
			add_need(&l, "gateway");
			want_props = true;
		}
	}
	if (o.label.n)
		add_need(&l, "label");
	if (o.template_source.n)
		add_need(&l, "template");
	if (o.netvm_is.n)
		add_need(&l, "netvm");
	char **pref_keys = calloc(o.prefs.n + 1, sizeof *pref_keys);
	for (size_t f = 0; pref_keys && f < o.prefs.n; f++) {
		const char *eq = strchr(o.prefs.v[f], '=');
		if (eq && eq != o.prefs.v[f] &&
		    asprintf(&pref_keys[f], "%.*s", (int)(eq - o.prefs.v[f]), o.prefs.v[f]) > 0)
			add_need(&l, pref_keys[f]);
	}

	k = filter(&l, &spec, &o, idx, k);
	if (want_props)
		ensure_props(&l, idx, k);

	bool escape = ts_is_terminal(stdout);
	struct row *rows = calloc(k ? k : 1, sizeof *rows);
	size_t nrows = 0;
	for (size_t i = 0; rows && i < k; i++) {
		if (l.q[idx[i]].gone)
			continue;
		struct row *r = &rows[nrows];
		r->cells = calloc(ncols, sizeof *r->cells);
		if (!r->cells)
			break;
		for (size_t c = 0; c < ncols; c++)
			r->cells[c] = cell(&l, idx[i], &cols[c]);
		if (l.q[idx[i]].gone) {
			for (size_t c = 0; c < ncols; c++)
				free(r->cells[c]);
			free(r->cells);
			continue;
		}
		r->name = l.q[idx[i]].vi->name;
		r->order = nrows++;
	}
	qsort(rows, nrows, sizeof *rows, by_name);
	int rc = 0;
	if (o.raw_data) {
		for (size_t i = 0; i < nrows; i++) {
			for (size_t c = 0; c < ncols; c++) {
				if (c)
					putchar('|');
				ts_puts(stdout, rows[i].cells[c] ? rows[i].cells[c] : "-", escape);
			}
			putchar('\n');
		}
	} else {
		char sorthead[96];
		snprintf(sorthead, sizeof sorthead, "%s", o.sort);
		for (char *p = sorthead; *p; p++)
			*p = *p == '_' ? '-' : (char)toupper((unsigned char)*p);
		for (size_t c = 0; c < ncols; c++) {
			if (strcmp(cols[c].head, sorthead) != 0)
				continue;
			struct sort_ctx sc = {.col = c, .ignore_case = o.ignore_case,
					      .reverse = o.reverse};
			for (size_t n = 0; n < sizeof numeric_sort / sizeof numeric_sort[0]; n++)
				sc.numeric |= strcmp(sorthead, numeric_sort[n]) == 0;
			sort_rows(rows, nrows, &sc);
			break;
		}
		struct table t;
		table_init(&t);
		const char **line = calloc(ncols, sizeof *line);
		char **esc = calloc(ncols, sizeof *esc);
		if (!line || !esc) {
			report_error(spec.prog, "out of memory");
			return 1;
		}
		for (size_t c = 0; c < ncols; c++)
			line[c] = cols[c].head;
		table_add(&t, line, ncols);
		for (size_t i = 0; i < nrows; i++) {
			for (size_t c = 0; c < ncols; c++) {
				const char *v = rows[i].cells[c] ? rows[i].cells[c] : "-";
				esc[c] = ts_dup(v, strlen(v), escape);
				line[c] = esc[c];
			}
			table_add(&t, line, ncols);
			for (size_t c = 0; c < ncols; c++)
				free(esc[c]);
		}
		if (table_print(&t, stdout) < 0) {
			report_error(spec.prog, "out of memory");
			rc = 1;
		}
		table_free(&t);
		free(line);
		free(esc);
	}
	for (size_t i = 0; i < nrows; i++) {
		for (size_t c = 0; c < ncols; c++)
			free(rows[i].cells[c]);
		free(rows[i].cells);
	}
	free(rows);
	for (size_t i = 0; i < s.vms.n; i++) {
		propset_free(&l.q[i].props);
		free(l.q[i].tags);
		free(l.q[i].mem);
	}
	for (size_t f = 0; pref_keys && f < o.prefs.n; f++)
		free(pref_keys[f]);
	free(pref_keys);
	free(l.q);
	free(l.need);
	free(idx);
	free(chosen);
	free(cols);
	free(pos);
	cli_list_free(&o.klass);
	cli_list_free(&o.label);
	cli_list_free(&o.tags);
	cli_list_free(&o.exclude_tags);
	cli_list_free(&o.template_source);
	cli_list_free(&o.netvm_is);
	cli_list_free(&o.features);
	cli_list_free(&o.prefs);
	cli_list_free(&o.exclude);
	session_close(&s);
	if (report_stdout_status(spec.prog))
		rc = 1;
	return rc;
}
