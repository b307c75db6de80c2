/* handlers_tags: admin.vm.tag.* and admin.vm.feature.*. Only dom0 may set
 * or remove created-by-* tags (qubesd's admin extension rule), so a
 * management qube can neither forge one nor remove its own. */
#include "domains/methods.h"

#include <stdio.h>
#include <string.h>

int h_tag_list(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	for (size_t i = 0; i < c->dest->ntags; i++)
		if (call_printf(c, "%s\n", c->dest->tags[i]) < 0)
			return -1;
	return 0;
}

int h_tag_get(struct call *c)
{
	if (!tag_valid(c->rq->arg)) {
		admin_err_set(&c->err, "QubesInvalidTagError", "Invalid tag name");
		return -1;
	}
	if (call_permission(c) < 0)
		return -1;
	return call_printf(c, "%s", app_has_tag(c->dest, c->rq->arg) ? "1" : "0");
}

static int created_by_guard(struct call *c)
{
	if (strncmp(c->rq->arg, "created-by-", 11) == 0 && c->src->cls != VMC_ADMIN) {
		admin_err_set(&c->err, "PermissionDenied",
			      "only dom0 may set or remove created-by- tags");
		return -1;
	}
	return 0;
}

int h_tag_set(struct call *c)
{
	if (!tag_valid(c->rq->arg)) {
		admin_err_set(&c->err, "QubesInvalidTagError", "Invalid tag name");
		return -1;
	}
	if (created_by_guard(c) < 0 || call_permission(c) < 0)
		return -1;
	return app_tag_set(c->app, c->dest, c->rq->arg, &c->err);
}

int h_tag_remove(struct call *c)
{
	if (!tag_valid(c->rq->arg)) {
		admin_err_set(&c->err, "QubesInvalidTagError", "Invalid tag name");
		return -1;
	}
	if (created_by_guard(c) < 0 || call_permission(c) < 0)
		return -1;
	return app_tag_remove(c->app, c->dest, c->rq->arg, &c->err);
}

int h_feature_list(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	for (size_t i = 0; i < c->dest->nfeatures; i++)
		if (call_printf(c, "%s\n", c->dest->features[i].key) < 0)
			return -1;
	return 0;
}

int h_feature_get(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	const char *v = app_feature(c->dest, c->rq->arg);
	if (!v) {
		admin_err_set(&c->err, "QubesFeatureNotFoundError",
			      "Feature not set for domain %s: %s", c->dest->name, c->rq->arg);
		return -1;
	}
	return call_printf(c, "%s", v);
}

int h_feature_check_with_template(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	const struct domain *d = c->dest;
	for (int depth = 0; d && depth < 8; depth++) {
		const char *v = app_feature(d, c->rq->arg);
		if (v)
			return call_printf(c, "%s", v);
		d = prop_find(d->cls, "template") ? app_prop_vm(c->app, d, "template") : NULL;
	}
	admin_err_set(&c->err, "QubesFeatureNotFoundError", "Feature not set for domain %s: %s",
		      c->dest->name, c->rq->arg);
	return -1;
}

int h_feature_set(struct call *c)
{
	if (!feature_name_valid(c->rq->arg)) {
		admin_err_set(&c->err, "ProtocolError", "feature name contains illegal characters");
		return -1;
	}
	for (size_t i = 0; i < c->rq->payload_len; i++) {
		if (c->rq->payload[i] < 0x20 || c->rq->payload[i] > 0x7e) {
			admin_err_set(&c->err, "ProtocolError",
				      "feature value contains illegal characters");
			return -1;
		}
	}
	if (call_permission(c) < 0)
		return -1;
	return app_feature_set(c->app, c->dest, c->rq->arg, (const char *)c->rq->payload,
			       c->rq->payload_len, &c->err);
}

int h_feature_remove(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	return app_feature_remove(c->app, c->dest, c->rq->arg, &c->err);
}
