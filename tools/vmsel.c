/* vmsel: admin.vm.List and the VMNAME / --all / --exclude choice (see
 * vmsel.h). */
#include "tools/vmsel.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vm_table_parse(const char *content, size_t len, struct vm_table *out, const char **err)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)content[i];
		if (c != '\n' && (c < 0x20 || c > 0x7e)) {
			*err = "malformed admin.vm.List answer (bytes outside printable ASCII)";
			return -1;
		}
	}
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += content[i] == '\n';
	out->store = malloc(len + 1);
	out->v = calloc(lines + 1, sizeof *out->v);
	if (!out->store || !out->v) {
		vm_table_free(out);
		*err = "out of memory";
		return -1;
	}
	memcpy(out->store, content, len);
	out->store[len] = '\0';
	char *p = out->store, *end = out->store + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		*le = '\0';
		if (le == p) {
			p = le + 1;
			continue;
		}
		struct vm_info *v = &out->v[out->n];
		v->klass = v->state = v->uuid = "";
		char *save = NULL;
		char *tok = strtok_r(p, " ", &save);
		v->name = tok;
		while ((tok = strtok_r(NULL, " ", &save))) {
			char *eq = strchr(tok, '=');
			if (!eq) {
				*err = "malformed admin.vm.List answer (a field without '=')";
				vm_table_free(out);
				return -1;
			}
			*eq = '\0';
			if (strcmp(tok, "class") == 0)
				v->klass = eq + 1;
			else if (strcmp(tok, "state") == 0)
				v->state = eq + 1;
			else if (strcmp(tok, "uuid") == 0)
				v->uuid = eq + 1;
		}
		if (!v->name || !*v->name) {
			*err = "malformed admin.vm.List answer (a line without a name)";
			vm_table_free(out);
			return -1;
		}
		out->n++;
		p = le + 1;
	}
	return 0;
}

void vm_table_free(struct vm_table *t)
{
	free(t->v);
	free(t->store);
	for (size_t i = 0; i < t->nextra; i++)
		free(t->extra[i]);
	free(t->extra);
	memset(t, 0, sizeof *t);
}

/* power_state=X out of a CurrentState answer */
static char *power_state_of(const char *s)
{
	const char *p = strstr(s, "power_state=");
	if (!p || (p != s && p[-1] != ' '))
		return NULL;
	p += 12;
	size_t n = strcspn(p, " \n");
	char *r = malloc(n + 1);
	if (r) {
		memcpy(r, p, n);
		r[n] = '\0';
	}
	return r;
}

int vm_table_fetch(const struct admin_ctx *c, struct vm_table *out, struct admin_result *r)
{
	memset(out, 0, sizeof *out);
	struct admin_call call = {.dest = "dom0", .method = "admin.vm.List", .timeout_ms = -1};
	if (admin_call(c, &call, r) != ADMIN_OK)
		return -1;
	const char *err;
	if (vm_table_parse(r->content, r->content_len, out, &err) < 0) {
		admin_result_free(r);
		r->status = ADMIN_FAILED;
		r->message = strdup(err);
		return -1;
	}
	/* older servers leave the state out: ask each qube */
	size_t missing = 0;
	for (size_t i = 0; i < out->n; i++)
		missing += !out->v[i].state[0];
	if (!missing)
		return 0;
	struct admin_call *calls = calloc(missing, sizeof *calls);
	struct admin_result *res = calloc(missing, sizeof *res);
	size_t *which = calloc(missing, sizeof *which);
	out->extra = calloc(missing, sizeof *out->extra);
	if (!calls || !res || !which || !out->extra) {
		free(calls);
		free(res);
		free(which);
		return 0; /* states stay unknown */
	}
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (out->v[i].state[0])
			continue;
		calls[k] = (struct admin_call){.dest = out->v[i].name,
					       .method = "admin.vm.CurrentState", .timeout_ms = -1};
		which[k++] = i;
	}
	admin_call_many(c, calls, missing, res, 0);
	for (k = 0; k < missing; k++) {
		char *st = res[k].status == ADMIN_OK ? power_state_of(res[k].content) : NULL;
		if (st) {
			out->extra[out->nextra++] = st;
			out->v[which[k]].state = st;
		} else {
			out->v[which[k]].state = "NA";
		}
		admin_result_free(&res[k]);
	}
	free(calls);
	free(res);
	free(which);
	return 0;
}

const struct vm_info *vm_table_find(const struct vm_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}

bool vm_is_running(const struct vm_info *v)
{
	return strcmp(v->state, "Halted") != 0 && strcmp(v->state, "NA") != 0 && v->state[0];
}

bool vm_is_halted(const struct vm_info *v)
{
	return strcmp(v->state, "Halted") == 0;
}

bool vm_is_paused(const struct vm_info *v)
{
	return strcmp(v->state, "Paused") == 0;
}

static bool in_list(const char *const *l, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i], s) == 0)
			return true;
	return false;
}

static bool chosen(const struct vm_info **o, size_t n, const struct vm_info *v)
{
	for (size_t i = 0; i < n; i++)
		if (o[i] == v)
			return true;
	return false;
}

int vm_select(const struct vm_table *t, const struct vm_choice *ch,
	      const struct vm_info ***out, size_t *nout, const char **bad)
{
	*out = NULL;
	*nout = 0;
	const struct vm_info **o = calloc(t->n + 1, sizeof *o);
	if (!o) {
		*bad = "(out of memory)";
		return -1;
	}
	size_t n = 0;
	if (ch->all) {
		for (size_t i = 0; i < t->n; i++) {
			const struct vm_info *v = &t->v[i];
			if (!ch->all_includes_admin && strcmp(v->klass, "AdminVM") == 0)
				continue;
			if (!in_list(ch->exclude, ch->nexclude, v->name))
				o[n++] = v;
		}
		*out = o;
		*nout = n;
		return 0;
	}
	for (size_t k = 0; k < ch->nnames; k++) {
		const char *name = ch->names[k];
		if (strpbrk(name, "*?[!]")) {
			for (size_t i = 0; i < t->n; i++)
				if (fnmatch(name, t->v[i].name, 0) == 0 && !chosen(o, n, &t->v[i]))
					o[n++] = &t->v[i];
			continue;
		}
		const struct vm_info *v = vm_table_find(t, name);
		if (!v) {
			free(o);
			*bad = name;
			return -1;
		}
		if (!chosen(o, n, v))
			o[n++] = v;
	}
	*out = o;
	*nout = n;
	return 0;
}
