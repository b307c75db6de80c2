/* props: parsing property answers and fetching all properties of many
 * targets with the GetAll-then-Get fallback (see props.h). */
#include "tools/props.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_bytes(const char *p, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

void propval_free(struct propval *p)
{
	free(p->name);
	free(p->value);
	memset(p, 0, sizeof *p);
}

/* `default=X type=T VALUE` (VALUE may be empty, the space before it too) */
static int parse_value(const char *s, size_t n, struct propval *out, const char **err)
{
	const char *sp1 = memchr(s, ' ', n);
	if (!sp1 || (size_t)(sp1 - s) < 8 || memcmp(s, "default=", 8) != 0) {
		*err = "malformed property answer (no default=)";
		return -1;
	}
	out->is_default = (size_t)(sp1 - s) == 12 && memcmp(s + 8, "True", 4) == 0;
	const char *t = sp1 + 1, *end = s + n;
	const char *sp2 = memchr(t, ' ', (size_t)(end - t));
	const char *tend = sp2 ? sp2 : end;
	if ((size_t)(tend - t) < 5 || memcmp(t, "type=", 5) != 0) {
		*err = "malformed property answer (no type=)";
		return -1;
	}
	static const struct {
		const char *name;
		enum pv_type type;
	} types[] = {{"str", PV_STR}, {"int", PV_INT}, {"bool", PV_BOOL}, {"vm", PV_VM},
		     {"label", PV_LABEL}};
	size_t tl = (size_t)(tend - t) - 5;
	bool found = false;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (strlen(types[i].name) == tl && memcmp(t + 5, types[i].name, tl) == 0) {
			out->type = types[i].type;
			found = true;
		}
	}
	if (!found) {
		*err = "malformed property answer (unknown value type)";
		return -1;
	}
	const char *v = sp2 ? sp2 + 1 : end;
	out->len = (size_t)(end - v);
	out->value = dup_bytes(v, out->len);
	if (!out->value) {
		*err = "out of memory";
		return -1;
	}
	return 0;
}

int prop_parse_get(const char *s, size_t n, struct propval *out, const char **err)
{
	memset(out, 0, sizeof *out);
	return parse_value(s, n, out, err);
}

void propset_free(struct propset *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		propval_free(&ps->v[i]);
	free(ps->v);
	memset(ps, 0, sizeof *ps);
}

static int propset_add(struct propset *ps, struct propval *p)
{
	struct propval *g = realloc(ps->v, (ps->n + 1) * sizeof *g);
	if (!g)
		return -1;
	ps->v = g;
	ps->v[ps->n++] = *p;
	memset(p, 0, sizeof *p);
	return 0;
}

int propset_parse(const char *s, size_t n, struct propset *out, const char **err)
{
	memset(out, 0, sizeof *out);
	char *line = malloc(n + 1);
	if (!line) {
		*err = "out of memory";
		return -1;
	}
	size_t off = 0;
	while (off < n) {
		const char *nl = memchr(s + off, '\n', n - off);
		size_t ll = nl ? (size_t)(nl - (s + off)) : n - off;
		/* unescape \\ and \n */
		size_t o = 0;
		for (size_t i = 0; i < ll; i++) {
			char c = s[off + i];
			if (c != '\\') {
				line[o++] = c;
				continue;
			}
			if (i + 1 >= ll || (s[off + i + 1] != '\\' && s[off + i + 1] != 'n')) {
				*err = "malformed GetAll answer (bad escape)";
				goto fail;
			}
			line[o++] = s[off + i + 1] == 'n' ? '\n' : '\\';
			i++;
		}
		off += ll + (nl ? 1 : 0);
		if (o == 0)
			continue;
		const char *sp = memchr(line, ' ', o);
		if (!sp || sp == line) {
			*err = "malformed GetAll answer (no property name)";
			goto fail;
		}
		struct propval p = {0};
		if (parse_value(sp + 1, o - (size_t)(sp + 1 - line), &p, err) < 0)
			goto fail;
		p.name = dup_bytes(line, (size_t)(sp - line));
		if (!p.name || propset_add(out, &p) < 0) {
			propval_free(&p);
			*err = "out of memory";
			goto fail;
		}
	}
	free(line);
	return 0;
fail:
	free(line);
	propset_free(out);
	return -1;
}

const struct propval *propset_find(const struct propset *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i].name && strcmp(ps->v[i].name, name) == 0)
			return &ps->v[i];
	return NULL;
}

bool pv_unavailable(const struct propval *p)
{
	return (p->type == PV_INT || p->type == PV_BOOL) && p->len == 0;
}

bool pv_is_none(const struct propval *p)
{
	return (p->type == PV_VM || p->type == PV_LABEL) && p->len == 0;
}

const char *props_prefix(bool global)
{
	return global ? "admin.property." : "admin.vm.property.";
}

/* the names out of a property.List answer (printable, one per line) */
static size_t split_names(char *s, const char **names, size_t max)
{
	size_t n = 0;
	for (char *p = s; *p && n < max;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (*p)
			names[n++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

struct fallback_job {
	size_t target;
	const char *name;
};

int props_fetch_many(const struct admin_ctx *c, bool global, const char *const *dests,
		     size_t n, const char *const *fallback, size_t nfallback,
		     struct propset *out, struct admin_result *failed)
{
	const char *prefix = props_prefix(global);
	char m_getall[64], m_get[64], m_list[64];
	snprintf(m_getall, sizeof m_getall, "%sGetAll", prefix);
	snprintf(m_get, sizeof m_get, "%sGet", prefix);
	snprintf(m_list, sizeof m_list, "%sList", prefix);
	int rc = -1;
	struct admin_call *calls = calloc(n ? n : 1, sizeof *calls);
	struct admin_result *res = calloc(n ? n : 1, sizeof *res);
	struct admin_result *lres = calloc(n ? n : 1, sizeof *lres);
	bool *refused = calloc(n ? n : 1, sizeof *refused);
	struct fallback_job *jobs = NULL;
	struct admin_call *gcalls = NULL;
	struct admin_result *gres = NULL;
	size_t njobs = 0;
	if (!calls || !res || !lres || !refused)
		goto out;
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		if (failed)
			memset(&failed[i], 0, sizeof failed[i]);
		calls[i] = (struct admin_call){.dest = dests[i], .method = m_getall,
					       .timeout_ms = -1};
	}
	admin_call_many(c, calls, n, res, 0);
	size_t nrefused = 0;
	for (size_t i = 0; i < n; i++) {
		if (res[i].status == ADMIN_OK) {
			const char *err;
			if (propset_parse(res[i].content, res[i].content_len, &out[i], &err) < 0 &&
			    failed) {
				failed[i].status = ADMIN_FAILED;
				failed[i].message = strdup(err);
			}
		} else if (admin_refused(&res[i])) {
			refused[i] = true;
			nrefused++;
		} else if (failed) {
			failed[i] = res[i];
			memset(&res[i], 0, sizeof res[i]);
		}
	}
	if (nrefused == 0) {
		rc = 0;
		goto out;
	}
	/* the names to Get, per refused target */
	const char ***names = calloc(n, sizeof *names);
	size_t *nnames = calloc(n, sizeof *nnames);
	if (!names || !nnames) {
		free(names);
		free(nnames);
		goto out;
	}
	if (!fallback) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (refused[i])
				calls[k++] = (struct admin_call){.dest = dests[i], .method = m_list,
								 .timeout_ms = -1};
		admin_call_many(c, calls, k, lres, 0);
		k = 0;
		for (size_t i = 0; i < n; i++) {
			if (!refused[i])
				continue;
			struct admin_result *lr = &lres[k++];
			if (lr->status != ADMIN_OK)
				continue;
			size_t lines = 1;
			for (size_t j = 0; j < lr->content_len; j++)
				lines += lr->content[j] == '\n';
			names[i] = calloc(lines, sizeof *names[i]);
			if (names[i])
				nnames[i] = split_names(lr->content, names[i], lines);
		}
	}
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		if (refused[i])
			total += fallback ? nfallback : nnames[i];
	jobs = calloc(total ? total : 1, sizeof *jobs);
	gcalls = calloc(total ? total : 1, sizeof *gcalls);
	gres = calloc(total ? total : 1, sizeof *gres);
	if (jobs && gcalls && gres) {
		for (size_t i = 0; i < n; i++) {
			if (!refused[i])
				continue;
			size_t cnt = fallback ? nfallback : nnames[i];
			for (size_t j = 0; j < cnt; j++) {
				const char *nm = fallback ? fallback[j] : names[i][j];
				jobs[njobs] = (struct fallback_job){.target = i, .name = nm};
				gcalls[njobs++] = (struct admin_call){.dest = dests[i], .method = m_get,
								      .arg = nm, .timeout_ms = -1};
			}
		}
		admin_call_many(c, gcalls, njobs, gres, 0);
		rc = 0;
		for (size_t j = 0; j < njobs; j++) {
			if (gres[j].status != ADMIN_OK)
				continue;
			struct propval p;
			const char *err;
			if (prop_parse_get(gres[j].content, gres[j].content_len, &p, &err) < 0)
				continue;
			p.name = strdup(jobs[j].name);
			if (!p.name || propset_add(&out[jobs[j].target], &p) < 0) {
				propval_free(&p);
				rc = -1;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(nnames);
out:
	for (size_t i = 0; i < n && res; i++)
		admin_result_free(&res[i]);
	for (size_t i = 0; i < n && lres; i++)
		admin_result_free(&lres[i]);
	for (size_t j = 0; j < njobs; j++)
		admin_result_free(&gres[j]);
	free(calls);
	free(res);
	free(lres);
	free(refused);
	free(jobs);
	free(gcalls);
	free(gres);
	return rc;
}
