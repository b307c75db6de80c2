/* handlers_props: admin.vm.property.* and admin.property.* (the same
 * handlers; the destination decides: a qube, or dom0 meaning the global
 * object). Formats as upstream: Get is `default=True|False type=T VALUE`,
 * GetAll one `NAME default=... type=... VALUE` line per property with
 * backslash and newline escaped, GetDefault `type=T VALUE` (empty when
 * there is no default). */
#include "domains/methods.h"

#include <stdio.h>
#include <string.h>

/* the object the call is about: a qube, or NULL for the global object */
static struct domain *target(struct call *c)
{
	return strncmp(c->m->name, "admin.vm.", 9) == 0 ? c->dest : NULL;
}

static const struct prop_def *props_of(const struct domain *d, size_t *n)
{
	return d ? vm_props(n) : global_props(n);
}

static bool applies(const struct domain *d, const struct prop_def *p)
{
	return !d || (p->classes & (1u << d->cls));
}

int h_prop_list(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	struct domain *d = target(c);
	size_t n;
	const struct prop_def *p = props_of(d, &n);
	for (size_t i = 0; i < n; i++)
		if (applies(d, &p[i]) && call_printf(c, "%s\n", p[i].name) < 0)
			return -1;
	return 0;
}

static int get_line(struct call *c, struct domain *d, const char *name, bool escape)
{
	char v[2048];
	bool is_default;
	const struct prop_def *p;
	if (app_prop_get(c->app, d, name, v, sizeof v, &is_default, &p, &c->err) < 0)
		return -1;
	if (call_printf(c, "default=%s type=%s ", is_default ? "True" : "False",
			prop_type_name(p->type)) < 0)
		return -1;
	if (!escape)
		return call_printf(c, "%s", v);
	for (const char *s = v; *s; s++) {
		int r = *s == '\\' ? call_printf(c, "\\\\")
			: *s == '\n' ? call_printf(c, "\\n")
				     : call_printf(c, "%c", *s);
		if (r < 0)
			return -1;
	}
	return 0;
}

int h_prop_get(struct call *c)
{
	struct domain *d = target(c);
	if (!prop_find(d ? (int)d->cls : -1, c->rq->arg)) {
		admin_err_set(&c->err, "QubesNoSuchPropertyError", "Invalid property name: '%s'",
			      c->rq->arg);
		return -1;
	}
	if (call_permission(c) < 0)
		return -1;
	return get_line(c, d, c->rq->arg, false);
}

int h_prop_get_all(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	struct domain *d = target(c);
	size_t n;
	const struct prop_def *p = props_of(d, &n);
	for (size_t i = 0; i < n; i++) {
		if (!applies(d, &p[i]))
			continue;
		if (call_printf(c, "%s ", p[i].name) < 0 || get_line(c, d, p[i].name, true) < 0 ||
		    call_printf(c, "\n") < 0)
			return -1;
	}
	return 0;
}

int h_prop_get_default(struct call *c)
{
	struct domain *d = target(c);
	char v[2048];
	const struct prop_def *p;
	if (!prop_find(d ? (int)d->cls : -1, c->rq->arg)) {
		admin_err_set(&c->err, "QubesNoSuchPropertyError", "Invalid property name: '%s'",
			      c->rq->arg);
		return -1;
	}
	if (call_permission(c) < 0)
		return -1;
	int r = app_prop_default(c->app, d, c->rq->arg, v, sizeof v, &p, &c->err);
	if (r < 0)
		return -1;
	/* no default at all: empty (upstream's None); a computed default
	 * that comes out as none: an empty value */
	if (r == 0 && !p->dflt)
		return 0;
	return call_printf(c, "type=%s %s", prop_type_name(p->type), r ? v : "");
}

int h_prop_set(struct call *c)
{
	struct domain *d = target(c);
	if (!prop_find(d ? (int)d->cls : -1, c->rq->arg)) {
		admin_err_set(&c->err, "QubesNoSuchPropertyError", "Invalid property name: '%s'",
			      c->rq->arg);
		return -1;
	}
	if (call_permission(c) < 0)
		return -1;
	return app_prop_set(c->app, d, c->rq->arg, (const char *)c->rq->payload,
			    c->rq->payload_len, &c->err);
}

int h_prop_reset(struct call *c)
{
	struct domain *d = target(c);
	if (!prop_find(d ? (int)d->cls : -1, c->rq->arg)) {
		admin_err_set(&c->err, "QubesNoSuchPropertyError", "Invalid property name: '%s'",
			      c->rq->arg);
		return -1;
	}
	if (call_permission(c) < 0)
		return -1;
	return app_prop_reset(c->app, d, c->rq->arg, &c->err);
}

int h_prop_help(struct call *c)
{
	struct domain *d = target(c);
	const struct prop_def *p = prop_find(d ? (int)d->cls : -1, c->rq->arg);
	if (!p) {
		admin_err_set(&c->err, "QubesNoSuchPropertyError", "Invalid property name: '%s'",
			      c->rq->arg);
		return -1;
	}
	if (call_permission(c) < 0)
		return -1;
	return call_printf(c, "%s", p->help ? p->help : "");
}
