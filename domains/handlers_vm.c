/* handlers_vm: Admin API handlers for listing qubes and classes, labels,
 * creating and removing qubes, and CurrentState. */
#include "domains/methods.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int h_vmclass_list(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	/* sorted by name, as upstream */
	static const enum vm_class order[] = {VMC_ADMIN, VMC_APP, VMC_DISP, VMC_STANDALONE,
					      VMC_TEMPLATE};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (call_printf(c, "%s\n", vm_class_name(order[i])) < 0)
			return -1;
	return 0;
}

static int list_line(struct call *c, const struct domain *d)
{
	return call_printf(c, "%s class=%s state=%s uuid=%s\n", d->name, vm_class_name(d->cls),
			   power_state_name(d->state), d->uuid);
}

int h_vm_list(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	if (c->dest->cls != VMC_ADMIN)
		return call_may_see(c, c->dest, "") ? list_line(c, c->dest) : 0;
	for (size_t i = 0; i < c->app->ndoms; i++) {
		const struct domain *d = c->app->doms[i];
		if (call_may_see(c, d, "") && list_line(c, d) < 0)
			return -1;
	}
	return 0;
}

int h_label_list(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	/* in index order */
	for (int idx = 0; idx < 1000; idx++) {
		const struct label *l = app_label_by_index(c->app, idx);
		if (l && call_printf(c, "%s\n", l->name) < 0)
			return -1;
	}
	return 0;
}

static const struct label *find_label(struct call *c)
{
	if (!label_name_valid(c->rq->arg)) {
		admin_err_set(&c->err, "QubesInvalidLabelError", "Invalid label name");
		return NULL;
	}
	for (size_t i = 0; i < c->app->nlabels; i++)
		if (strcmp(c->app->labels[i].name, c->rq->arg) == 0)
			return &c->app->labels[i];
	admin_err_set(&c->err, "QubesLabelNotFoundError", "Label '%s' not found", c->rq->arg);
	return NULL;
}

int h_label_get(struct call *c)
{
	const struct label *l = find_label(c);
	if (!l || call_permission(c) < 0)
		return -1;
	return call_printf(c, "%s", l->color);
}

int h_label_index(struct call *c)
{
	const struct label *l = find_label(c);
	if (!l || call_permission(c) < 0)
		return -1;
	return call_printf(c, "%d", l->index);
}

/* Create.<Class> and CreateInPool.<Class>: the payload is space-separated
 * key=value, each key once: name and label (and pool / pool:VOLUME for
 * CreateInPool, recorded nowhere: sandboxes have one storage place). */
int h_vm_create(struct call *c)
{
	const char *cls_name = strrchr(c->m->name, '.') + 1;
	bool in_pool = strstr(c->m->name, "CreateInPool") != NULL;
	int cls = vm_class_parse(cls_name);
	bool has_template = cls == VMC_APP || cls == VMC_DISP;
	if (c->rq->arg[0] && !has_template) {
		admin_err_set(&c->err, "ProtocolError", "%s cannot have a template", cls_name);
		return -1;
	}
	char pl[1024];
	if (c->rq->payload_len >= sizeof pl) {
		admin_err_set(&c->err, "ProtocolError", "payload too long");
		return -1;
	}
	memcpy(pl, c->rq->payload, c->rq->payload_len);
	pl[c->rq->payload_len] = '\0';
	for (size_t i = 0; i < c->rq->payload_len; i++) {
		unsigned char ch = (unsigned char)pl[i];
		if (ch < 0x20 || ch >= 0x7f) {
			admin_err_set(&c->err, "ProtocolError", "payload must be printable ASCII");
			return -1;
		}
	}
	const char *name = NULL, *label = NULL;
	bool pool = false, pool_vol = false;
	unsigned vols = 0; /* pool:VOLUME given, per volume */
	static const char *const volumes[] = {"root", "private", "volatile", "kernel"};
	char *save;
	for (char *tok = strtok_r(pl, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			admin_err_set(&c->err, "ProtocolError", "untrusted_payload does not match");
			return -1;
		}
		*eq = '\0';
		const char *v = eq + 1;
		if (strcmp(tok, "name") == 0 && !name) {
			name = v;
			if (vm_name_invalid(name)) {
				admin_err_set(&c->err, "QubesValueError", "%s", vm_name_invalid(name));
				return -1;
			}
		} else if (strcmp(tok, "label") == 0 && !label) {
			label = v;
			if (!label_name_valid(label) || strspn(label, "0123456789") == strlen(label)) {
				admin_err_set(&c->err, "QubesInvalidLabelError",
					      "Label must be in safe set and not a digit");
				return -1;
			}
		} else if (in_pool && strcmp(tok, "pool") == 0 && !pool && !pool_vol) {
			pool = true;
		} else if (in_pool && strncmp(tok, "pool:", 5) == 0 && !pool) {
			size_t k = 0;
			while (k < 4 && strcmp(tok + 5, volumes[k]) != 0)
				k++;
			if (k == 4 || (vols & (1u << k))) {
				admin_err_set(&c->err, "ProtocolError",
					      "Volume must be one of: root, private, volatile, "
					      "kernel, each once");
				return -1;
			}
			vols |= 1u << k;
			pool_vol = true;
		} else {
			admin_err_set(&c->err, "ProtocolError", "untrusted_payload does not match");
			return -1;
		}
	}
	if (!name || !label) {
		admin_err_set(&c->err, "ProtocolError", "name and label are required");
		return -1;
	}
	/* existence of name, label and template is checked after the
	 * permission check, so a caller without permission learns nothing */
	if (call_permission(c) < 0)
		return -1;
	struct domain *d = app_create(c->app, (enum vm_class)cls, name, label,
				      c->rq->arg[0] ? c->rq->arg : NULL, c->src->name, &c->err);
	return d ? 0 : -1;
}

/* A disposable of the destination (dom0: of the caller's default_dispvm).
 * Payload "uuid" answers uuid:UUID instead of the name; "preload" (4.3's
 * preloaded disposables) is not supported. */
int h_vm_create_disposable(struct call *c)
{
	bool want_uuid = false;
	size_t n = c->rq->payload_len;
	if (n == 4 && memcmp(c->rq->payload, "uuid", 4) == 0) {
		want_uuid = true;
	} else if (n == 7 && memcmp(c->rq->payload, "preload", 7) == 0) {
		admin_err_set(&c->err, "QubesValueError", "preloaded disposables are not supported");
		return -1;
	} else if (n) {
		admin_err_set(&c->err, "ProtocolError", "payload must be empty or 'uuid'");
		return -1;
	}
	if (call_permission(c) < 0)
		return -1;
	const struct domain *tpl = c->dest;
	if (tpl->cls == VMC_ADMIN) {
		tpl = app_prop_vm(c->app, c->src, "default_dispvm");
		if (!tpl) {
			admin_err_set(&c->err, "QubesException", "No default disposable template");
			return -1;
		}
	}
	struct domain *d = app_create_disposable(c->app, tpl, c->src->name, &c->err);
	if (!d)
		return -1;
	return want_uuid ? call_printf(c, "uuid:%s", d->uuid) : call_printf(c, "%s", d->name);
}

int h_vm_remove(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	return app_remove(c->app, c->dest, &c->err);
}

int h_vm_current_state(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	char mem[32];
	const struct domain *d = c->dest;
	bool up = d->state != PS_HALTED && d->cls != VMC_ADMIN;
	app_prop_str(c->app, d, "memory", mem, sizeof mem);
	return call_printf(c, "mem=%s mem_static_max=%s cputime=0 power_state=%s",
			   up ? (mem[0] ? mem : "0") : "0", up ? (mem[0] ? mem : "0") : "0",
			   power_state_name(d->state));
}
