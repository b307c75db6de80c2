/* app: bulkheadd's in-memory state and every change to it (see app.h).
 * Changes are checked first, then written to the registry in one
 * transaction, then applied in memory and announced; a registry failure
 * leaves memory unchanged. */
#include "domains/app.h"
#include "domains/registry.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void admin_err_set(struct admin_err *e, const char *type, const char *fmt, ...)
{
	e->type = type;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

/* ---- sorted key/value lists ---- */

static ssize_t kv_index(const struct kv *v, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(v[mid].key, key);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

static const char *kv_get(const struct kv *v, size_t n, const char *key)
{
	ssize_t i = kv_index(v, n, key);
	return i >= 0 ? v[i].value : NULL;
}

static int kv_set(struct kv **v, size_t *n, const char *key, const char *value)
{
	ssize_t i = kv_index(*v, *n, key);
	char *nv = strdup(value);
	if (!nv)
		return -1;
	if (i >= 0) {
		free((*v)[i].value);
		(*v)[i].value = nv;
		return 0;
	}
	size_t at = (size_t)(-i - 1);
	struct kv *g = realloc(*v, (*n + 1) * sizeof **v);
	char *nk = strdup(key);
	if (!g || !nk) {
		free(nv);
		free(nk);
		if (g)
			*v = g;
		return -1;
	}
	*v = g;
	memmove(&g[at + 1], &g[at], (*n - at) * sizeof *g);
	g[at].key = nk;
	g[at].value = nv;
	(*n)++;
	return 0;
}

static void kv_del(struct kv *v, size_t *n, const char *key)
{
	ssize_t i = kv_index(v, *n, key);
	if (i < 0)
		return;
	free(v[i].key);
	free(v[i].value);
	memmove(&v[i], &v[i + 1], (*n - (size_t)i - 1) * sizeof *v);
	(*n)--;
}

static void kv_free(struct kv *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
}

/* tags: a sorted string list */
static ssize_t tag_index(const struct domain *d, const char *tag)
{
	size_t lo = 0, hi = d->ntags;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(d->tags[mid], tag);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

bool app_has_tag(const struct domain *d, const char *tag)
{
	return tag_index(d, tag) >= 0;
}

static int tag_add_mem(struct domain *d, const char *tag)
{
	ssize_t i = tag_index(d, tag);
	if (i >= 0)
		return 0;
	size_t at = (size_t)(-i - 1);
	char **g = realloc(d->tags, (d->ntags + 1) * sizeof *g);
	char *t = strdup(tag);
	if (!g || !t) {
		free(t);
		if (g)
			d->tags = g;
		return -1;
	}
	d->tags = g;
	memmove(&g[at + 1], &g[at], (d->ntags - at) * sizeof *g);
	g[at] = t;
	d->ntags++;
	return 0;
}

static void tag_del_mem(struct domain *d, const char *tag)
{
	ssize_t i = tag_index(d, tag);
	if (i < 0)
		return;
	free(d->tags[i]);
	memmove(&d->tags[i], &d->tags[i + 1], (d->ntags - (size_t)i - 1) * sizeof *d->tags);
	d->ntags--;
}

/* ---- domains ---- */

static void domain_free(struct domain *d)
{
	if (!d)
		return;
	kv_free(d->props, d->nprops);
	kv_free(d->features, d->nfeatures);
	for (size_t i = 0; i < d->ntags; i++)
		free(d->tags[i]);
	free(d->tags);
	free(d);
}

static ssize_t dom_index(const struct app *a, const char *name)
{
	size_t lo = 0, hi = a->ndoms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(a->doms[mid]->name, name);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(ssize_t)lo - 1;
}

static int dom_insert(struct app *a, struct domain *d)
{
	ssize_t i = dom_index(a, d->name);
	if (i >= 0)
		return -1;
	if (a->ndoms == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 16;
		struct domain **g = realloc(a->doms, nc * sizeof *g);
		if (!g)
			return -1;
		a->doms = g;
		a->cap = nc;
	}
	size_t at = (size_t)(-i - 1);
	memmove(&a->doms[at + 1], &a->doms[at], (a->ndoms - at) * sizeof *a->doms);
	a->doms[at] = d;
	a->ndoms++;
	return 0;
}

static void dom_unlink(struct app *a, struct domain *d)
{
	ssize_t i = dom_index(a, d->name);
	if (i < 0)
		return;
	memmove(&a->doms[i], &a->doms[i + 1], (a->ndoms - (size_t)i - 1) * sizeof *a->doms);
	a->ndoms--;
}

struct domain *app_find(const struct app *a, const char *key)
{
	if (strncmp(key, "uuid:", 5) == 0) {
		for (size_t i = 0; i < a->ndoms; i++)
			if (strcmp(a->doms[i]->uuid, key + 5) == 0)
				return a->doms[i];
		return NULL;
	}
	ssize_t i = dom_index(a, key);
	return i >= 0 ? a->doms[i] : NULL;
}

struct domain *app_find_qid(const struct app *a, uint32_t qid)
{
	for (size_t i = 0; i < a->ndoms; i++)
		if (a->doms[i]->qid == qid)
			return a->doms[i];
	return NULL;
}

const struct label *app_label_by_index(const struct app *a, int index)
{
	for (size_t i = 0; i < a->nlabels; i++)
		if (a->labels[i].index == index)
			return &a->labels[i];
	return NULL;
}

const struct label *app_label(const struct app *a, const char *s)
{
	for (size_t i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i].name, s) == 0)
			return &a->labels[i];
	const char *num = strncmp(s, "label-", 6) == 0 ? s + 6 : s;
	char *end;
	long idx = strtol(num, &end, 10);
	if (*num && !*end)
		return app_label_by_index(a, (int)idx);
	return NULL;
}

void app_emit(struct app *a, const char *subject, const char *event,
	      const char *const *kv, size_t n)
{
	if (a->on_event)
		a->on_event(a->event_ctx, subject, event, kv, n);
}

static int random_uuid(char out[37])
{
	unsigned char b[16];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
	return 0;
}

static struct domain *domain_new(uint32_t qid, const char *uuid, const char *name,
				 enum vm_class cls)
{
	struct domain *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->qid = qid;
	snprintf(d->uuid, sizeof d->uuid, "%s", uuid);
	snprintf(d->name, sizeof d->name, "%s", name);
	d->cls = cls;
	d->state = cls == VMC_ADMIN ? PS_RUNNING : PS_HALTED;
	return d;
}

int app_init(struct app *a, struct registry *reg, struct admin_err *err)
{
	memset(a, 0, sizeof *a);
	a->reg = reg;
	for (size_t i = 0; i < 8; i++)
		a->labels[i] = default_labels[i];
	a->nlabels = 8;
	struct domain *dom0 = domain_new(0, "00000000-0000-0000-0000-000000000000", "dom0",
					 VMC_ADMIN);
	if (!dom0 || kv_set(&dom0->props, &dom0->nprops, "label", "black") < 0 ||
	    dom_insert(a, dom0) < 0) {
		domain_free(dom0);
		admin_err_set(err, "QubesException", "out of memory");
		return -1;
	}
	if (!reg)
		return 0;
	if (registry_is_new(reg)) {
		int bad = registry_begin(reg) < 0 || registry_add_domain(reg, dom0) < 0;
		for (size_t i = 0; !bad && i < a->nlabels; i++)
			bad = registry_put_label(reg, &a->labels[i]) < 0;
		if (bad || registry_commit(reg) < 0) {
			registry_rollback(reg);
			admin_err_set(err, "QubesException", "registry: %s", registry_error(reg));
			app_free(a);
			return -1;
		}
		return 0;
	}
	char e[512];
	if (registry_load(reg, a, e, sizeof e) < 0) {
		admin_err_set(err, "QubesException", "%s", e);
		app_free(a); /* what was loaded so far */
		return -1;
	}
	return 0;
}

void app_free(struct app *a)
{
	for (size_t i = 0; i < a->ndoms; i++)
		domain_free(a->doms[i]);
	free(a->doms);
	kv_free(a->gprops, a->ngprops);
	memset(a, 0, sizeof *a);
}

/* called by registry_load */
int app_load_domain(struct app *a, uint32_t qid, const char *uuid, const char *name,
		    int cls, struct admin_err *err);
int app_load_kv(struct app *a, int what, uint32_t qid, const char *k, const char *v,
		struct admin_err *err);

int app_load_domain(struct app *a, uint32_t qid, const char *uuid, const char *name,
		    int cls, struct admin_err *err)
{
	if (qid == 0) {
		if (strcmp(name, "dom0") != 0 || cls != VMC_ADMIN) {
			admin_err_set(err, "QubesException", "qid 0 must be dom0");
			return -1;
		}
		return 0;
	}
	if (cls == VMC_ADMIN || vm_name_invalid(name) || app_find(a, name) ||
	    app_find_qid(a, qid) || strlen(uuid) != 36) {
		admin_err_set(err, "QubesException", "bad or duplicate qube '%s'", name);
		return -1;
	}
	struct domain *d = domain_new(qid, uuid, name, (enum vm_class)cls);
	if (!d || dom_insert(a, d) < 0) {
		domain_free(d);
		admin_err_set(err, "QubesException", "out of memory");
		return -1;
	}
	return 0;
}

int app_load_kv(struct app *a, int what, uint32_t qid, const char *k, const char *v,
		struct admin_err *err)
{
	if (what == 5) { /* labels: qid is the index */
		if (!label_name_valid(k) || qid < 1 || a->nlabels == LABEL_MAX) {
			admin_err_set(err, "QubesException", "bad label '%s'", k);
			return -1;
		}
		for (size_t i = 0; i < a->nlabels; i++)
			if (a->labels[i].index == (int)qid) {
				snprintf(a->labels[i].name, sizeof a->labels[i].name, "%s", k);
				snprintf(a->labels[i].color, sizeof a->labels[i].color, "%s", v);
				return 0;
			}
		struct label *l = &a->labels[a->nlabels++];
		l->index = (int)qid;
		snprintf(l->name, sizeof l->name, "%s", k);
		snprintf(l->color, sizeof l->color, "%s", v);
		return 0;
	}
	if (what == 4)
		return kv_set(&a->gprops, &a->ngprops, k, v);
	struct domain *d = app_find_qid(a, qid);
	if (!d) {
		admin_err_set(err, "QubesException", "row for unknown qid %u", qid);
		return -1;
	}
	if (what == 1)
		return kv_set(&d->props, &d->nprops, k, v);
	if (what == 2)
		return tag_add_mem(d, k);
	return kv_set(&d->features, &d->nfeatures, k, v);
}

/* ---- properties ---- */

static const struct prop_def *def_for(const struct domain *d, const char *name)
{
	return prop_find(d ? (int)d->cls : -1, name);
}

int app_prop_default(const struct app *a, const struct domain *d, const char *name,
		     char *out, size_t n, const struct prop_def **defp, struct admin_err *err)
{
	const struct prop_def *p = def_for(d, name);
	if (defp)
		*defp = p;
	out[0] = '\0';
	if (!p) {
		admin_err_set(err, "QubesNoSuchPropertyError", "Invalid property name: '%s'", name);
		return -1;
	}
	if (p->dflt)
		return p->dflt(a, d, p, out, n) ? 1 : 0;
	if (p->fixed) {
		snprintf(out, n, "%s", p->fixed);
		return 1;
	}
	return 0;
}

int app_prop_get(const struct app *a, const struct domain *d, const char *name, char *out,
		 size_t n, bool *is_default, const struct prop_def **defp,
		 struct admin_err *err)
{
	const struct prop_def *p = def_for(d, name);
	if (defp)
		*defp = p;
	out[0] = '\0';
	*is_default = false;
	if (!p) {
		admin_err_set(err, "QubesNoSuchPropertyError", "Invalid property name: '%s'", name);
		return -1;
	}
	if (d && strcmp(name, "name") == 0) {
		snprintf(out, n, "%s", d->name);
		return 0;
	}
	if (d && strcmp(name, "qid") == 0) {
		snprintf(out, n, "%u", d->qid);
		return 0;
	}
	if (d && strcmp(name, "uuid") == 0) {
		snprintf(out, n, "%s", d->uuid);
		return 0;
	}
	const char *v = d ? kv_get(d->props, d->nprops, name) : kv_get(a->gprops, a->ngprops, name);
	if (v && !(p->flags & PF_READONLY)) {
		snprintf(out, n, "%s", v);
		return 0;
	}
	*is_default = true;
	struct admin_err e2;
	app_prop_default(a, d, name, out, n, NULL, &e2);
	return 0;
}

const char *app_prop_str(const struct app *a, const struct domain *d, const char *name,
			 char *buf, size_t n)
{
	bool is_default;
	struct admin_err err;
	if (app_prop_get(a, d, name, buf, n, &is_default, NULL, &err) < 0)
		buf[0] = '\0';
	return buf;
}

struct domain *app_prop_vm(const struct app *a, const struct domain *d, const char *name)
{
	char v[64];
	app_prop_str(a, d, name, v, sizeof v);
	return v[0] ? app_find(a, v) : NULL;
}

static bool is_int_gt(const char *v, long long min)
{
	return strtoll(v, NULL, 10) > min;
}

/* Checks a normalised value for p on d (NULL: global). */
static int check_value(struct app *a, struct domain *d, const struct prop_def *p,
		       char *v, size_t n, struct admin_err *err)
{
	const char *name = p->name;
	switch (p->type) {
	case PT_LABEL: {
		const struct label *l = app_label(a, v);
		if (!l) {
			admin_err_set(err, "QubesLabelNotFoundError", "Label '%s' not found", v);
			return -1;
		}
		snprintf(v, n, "%s", l->name);
		return 0;
	}
	case PT_VM: {
		if (!v[0]) {
			if (!(p->flags & PF_NULLABLE)) {
				admin_err_set(err, "QubesValueError",
					      "property '%s' cannot be empty", name);
				return -1;
			}
			return 0;
		}
		struct domain *t = app_find(a, v);
		if (!t) {
			admin_err_set(err, "QubesVMNotFoundError", "No such domain: '%s'", v);
			return -1;
		}
		if (strcmp(name, "template") == 0) {
			if (d->state != PS_HALTED) {
				admin_err_set(err, "QubesVMNotHaltedError",
					      "Cannot change template while qube is running");
				return -1;
			}
			if (d->cls == VMC_APP && t->cls != VMC_TEMPLATE) {
				admin_err_set(err, "QubesValueError",
					      "template for AppVM must be a TemplateVM");
				return -1;
			}
			if (d->cls == VMC_DISP &&
			    strcmp(app_prop_str(a, t, "template_for_dispvms", (char[8]){0}, 8),
				   "True") != 0) {
				admin_err_set(err, "QubesValueError",
					      "template for DispVM must have template_for_dispvms=True");
				return -1;
			}
		} else if (strcmp(name, "netvm") == 0 || strcmp(name, "default_netvm") == 0 ||
			   strcmp(name, "updatevm") == 0 || strcmp(name, "clockvm") == 0) {
			char pn[8];
			if (strcmp(name, "netvm") == 0 || strcmp(name, "default_netvm") == 0) {
				if (strcmp(app_prop_str(a, t, "provides_network", pn, sizeof pn),
					   "True") != 0) {
					admin_err_set(err, "QubesValueError",
						      "VM '%s' does not provide network", t->name);
					return -1;
				}
			}
			if (d && strcmp(name, "netvm") == 0) {
				/* no loops: walk the chain from t */
				struct domain *w = t;
				for (int i = 0; w && i < 64; i++) {
					if (w == d) {
						admin_err_set(err, "QubesValueError",
							      "Loops in network are unsupported");
						return -1;
					}
					w = app_prop_vm(a, w, "netvm");
				}
			}
			if (!d && strcmp(name, "default_netvm") == 0) {
				/* a qube on the way from t that follows the default
				 * netvm would lead back to t (upstream: "Network loop
				 * on ...") */
				struct domain *w = t;
				for (int i = 0; w && i < 64; i++) {
					if (prop_find((int)w->cls, "netvm") && w->cls != VMC_TEMPLATE &&
					    !kv_get(w->props, w->nprops, "netvm")) {
						admin_err_set(err, "QubesValueError",
							      "Network loop on '%s'", w->name);
						return -1;
					}
					w = app_prop_vm(a, w, "netvm");
				}
			}
		} else if (strcmp(name, "default_dispvm") == 0 ||
			   strcmp(name, "management_dispvm") == 0) {
			char b[8];
			if (t->cls == VMC_ADMIN ||
			    strcmp(app_prop_str(a, t, "template_for_dispvms", b, sizeof b),
				   "True") != 0) {
				admin_err_set(err, "QubesValueError",
					      "VM '%s' is not a template for disposables", t->name);
				return -1;
			}
		} else if (strcmp(name, "default_template") == 0 && t->cls != VMC_TEMPLATE) {
			admin_err_set(err, "QubesValueError", "'%s' is not a TemplateVM", t->name);
			return -1;
		}
		return 0;
	}
	case PT_INT:
		if ((strcmp(name, "memory") == 0 || strcmp(name, "vcpus") == 0 ||
		     strstr(name, "timeout") || strcmp(name, "stats_interval") == 0) &&
		    !is_int_gt(v, 0)) {
			admin_err_set(err, "QubesValueError", "%s must be greater than 0", name);
			return -1;
		}
		if (strcmp(name, "maxmem") == 0 && !is_int_gt(v, -1)) {
			admin_err_set(err, "QubesValueError", "maxmem must be non-negative");
			return -1;
		}
		return 0;
	case PT_BOOL:
		if (d && strcmp(name, "provides_network") == 0 && strcmp(v, "False") == 0) {
			for (size_t i = 0; i < a->ndoms; i++) {
				if (app_prop_vm(a, a->doms[i], "netvm") == d) {
					admin_err_set(err, "QubesVMInUseError",
						      "Cannot turn off provides_network: '%s' uses "
						      "this qube as its netvm", a->doms[i]->name);
					return -1;
				}
			}
		}
		return 0;
	case PT_STR:
		if (strcmp(name, "default_user") == 0) {
			for (const char *c = v; *c; c++)
				if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "0123456789_+,.-", *c) || !*v) {
					admin_err_set(err, "QubesValueError",
						      "Username can contain only those characters: "
						      "a-zA-Z0-9_+,.-");
					return -1;
				}
		} else if (strcmp(name, "kernel") == 0 || strcmp(name, "default_kernel") == 0) {
			if (strchr(v, '/')) {
				admin_err_set(err, "QubesValueError", "kernel name cannot contain '/'");
				return -1;
			}
		} else if (strcmp(name, "kernelopts") == 0) {
			if (strlen(v) > 512) {
				admin_err_set(err, "QubesValueError", "kernelopts longer than 512");
				return -1;
			}
		} else if (strcmp(name, "virt_mode") == 0) {
			if (strcmp(v, "hvm") && strcmp(v, "pv") && strcmp(v, "pvh")) {
				admin_err_set(err, "QubesValueError",
					      "Invalid virtualization mode, supported modes: hvm, pv, pvh");
				return -1;
			}
		} else if (strcmp(name, "mac") == 0) {
			bool ok = strlen(v) == 17;
			for (int i = 0; ok && i < 17; i++)
				ok = i % 3 == 2 ? v[i] == ':'
						: strchr("0123456789abcdef", v[i]) && v[i];
			if (!ok) {
				admin_err_set(err, "QubesValueError", "Invalid MAC address value");
				return -1;
			}
		}
		return 0;
	}
	return 0;
}

static int persist_prop(struct app *a, struct domain *d, const char *name, const char *value,
			struct admin_err *err)
{
	if (!a->reg)
		return 0;
	if (registry_begin(a->reg) < 0 || registry_set_prop(a->reg, d, name, value) < 0 ||
	    registry_commit(a->reg) < 0) {
		registry_rollback(a->reg);
		admin_err_set(err, "QubesException", "registry: %s", registry_error(a->reg));
		return -1;
	}
	return 0;
}

/* guivm-X / audiovm-X tags follow the effective guivm / audiovm */
static void sync_vm_tags(struct app *a, struct domain *d)
{
	if (!d || d->cls == VMC_ADMIN)
		return;
	static const char *const props[] = {"guivm", "audiovm"};
	for (int k = 0; k < 2; k++) {
		char want[64], cur[80];
		app_prop_str(a, d, props[k], want, sizeof want);
		size_t pl = strlen(props[k]);
		for (size_t i = d->ntags; i-- > 0;) {
			if (strncmp(d->tags[i], props[k], pl) != 0 || d->tags[i][pl] != '-')
				continue;
			if (want[0] && strcmp(d->tags[i] + pl + 1, want) == 0)
				continue;
			snprintf(cur, sizeof cur, "%s", d->tags[i]);
			struct admin_err e;
			app_tag_remove(a, d, cur, &e);
		}
		if (want[0]) {
			snprintf(cur, sizeof cur, "%s-%s", props[k], want);
			struct admin_err e;
			if (!app_has_tag(d, cur))
				app_tag_set(a, d, cur, &e);
		}
	}
}

int app_prop_set(struct app *a, struct domain *d, const char *name, const char *value,
		 size_t len, struct admin_err *err)
{
	const struct prop_def *p = def_for(d, name);
	if (!p) {
		admin_err_set(err, "QubesNoSuchPropertyError", "Invalid property name: '%s'", name);
		return -1;
	}
	if (p->flags & (PF_READONLY | PF_WRITE_ONCE)) {
		admin_err_set(err, "QubesPropertyAccessError",
			      "property '%s' is %s", name,
			      p->flags & PF_READONLY ? "read-only" : "write-once");
		return -1;
	}
	char v[1024];
	const char *bad = prop_normalise(p->type, value, len, v, sizeof v);
	if (bad) {
		admin_err_set(err, "QubesValueError", "%s: %s", name, bad);
		return -1;
	}
	if (check_value(a, d, p, v, sizeof v, err) < 0)
		return -1;
	char old[1024];
	bool was_default;
	struct admin_err e2;
	app_prop_get(a, d, name, old, sizeof old, &was_default, NULL, &e2);
	if (persist_prop(a, d, name, v, err) < 0)
		return -1;
	int r = d ? kv_set(&d->props, &d->nprops, name, v)
		  : kv_set(&a->gprops, &a->ngprops, name, v);
	if (r < 0) {
		admin_err_set(err, "QubesException", "out of memory");
		return -1;
	}
	char ev[128];
	snprintf(ev, sizeof ev, "property-set:%s", name);
	const char *kv[] = {"name", name, "newvalue", v, "oldvalue", old};
	app_emit(a, d ? d->name : "", ev, kv, was_default ? 2 : 3);
	if (d && (strcmp(name, "guivm") == 0 || strcmp(name, "audiovm") == 0))
		sync_vm_tags(a, d);
	return 0;
}

int app_prop_reset(struct app *a, struct domain *d, const char *name, struct admin_err *err)
{
	const struct prop_def *p = def_for(d, name);
	if (!p) {
		admin_err_set(err, "QubesNoSuchPropertyError", "Invalid property name: '%s'", name);
		return -1;
	}
	if (p->flags & (PF_READONLY | PF_WRITE_ONCE | PF_NO_RESET)) {
		admin_err_set(err, "QubesPropertyAccessError",
			      "property '%s' cannot be reset", name);
		return -1;
	}
	if (d && strcmp(name, "netvm") == 0) {
		/* the default must not lead back to d */
		char dv[64];
		struct admin_err e3;
		struct domain *w = app_prop_default(a, d, name, dv, sizeof dv, NULL, &e3) > 0
					   ? app_find(a, dv) : NULL;
		for (int i = 0; w && i < 64; i++, w = app_prop_vm(a, w, "netvm")) {
			if (w == d) {
				admin_err_set(err, "QubesValueError", "Loops in network are unsupported");
				return -1;
			}
		}
	}
	char old[1024];
	bool was_default;
	struct admin_err e2;
	app_prop_get(a, d, name, old, sizeof old, &was_default, NULL, &e2);
	if (persist_prop(a, d, name, NULL, err) < 0)
		return -1;
	if (d)
		kv_del(d->props, &d->nprops, name);
	else
		kv_del(a->gprops, &a->ngprops, name);
	char ev[128];
	snprintf(ev, sizeof ev, "property-reset:%s", name);
	const char *kv[] = {"name", name, "oldvalue", old};
	app_emit(a, d ? d->name : "", ev, kv, 2);
	if (d && (strcmp(name, "guivm") == 0 || strcmp(name, "audiovm") == 0))
		sync_vm_tags(a, d);
	return 0;
}

/* ---- tags and features ---- */

int app_tag_set(struct app *a, struct domain *d, const char *tag, struct admin_err *err)
{
	if (!tag_valid(tag)) {
		admin_err_set(err, "QubesInvalidTagError", "Invalid tag name");
		return -1;
	}
	if (app_has_tag(d, tag))
		return 0;
	if (a->reg && (registry_begin(a->reg) < 0 || registry_set_tag(a->reg, d, tag, true) < 0 ||
		       registry_commit(a->reg) < 0)) {
		registry_rollback(a->reg);
		admin_err_set(err, "QubesException", "registry: %s", registry_error(a->reg));
		return -1;
	}
	if (tag_add_mem(d, tag) < 0) {
		admin_err_set(err, "QubesException", "out of memory");
		return -1;
	}
	char ev[128];
	snprintf(ev, sizeof ev, "domain-tag-add:%s", tag);
	const char *kv[] = {"tag", tag};
	app_emit(a, d->name, ev, kv, 1);
	return 0;
}

int app_tag_remove(struct app *a, struct domain *d, const char *tag, struct admin_err *err)
{
	if (!tag_valid(tag)) {
		admin_err_set(err, "QubesInvalidTagError", "Invalid tag name");
		return -1;
	}
	if (!app_has_tag(d, tag)) {
		admin_err_set(err, "QubesTagNotFoundError", "Tag not set for domain %s: %s",
			      d->name, tag);
		return -1;
	}
	if (a->reg && (registry_begin(a->reg) < 0 || registry_set_tag(a->reg, d, tag, false) < 0 ||
		       registry_commit(a->reg) < 0)) {
		registry_rollback(a->reg);
		admin_err_set(err, "QubesException", "registry: %s", registry_error(a->reg));
		return -1;
	}
	char t[256];
	snprintf(t, sizeof t, "%s", tag);
	tag_del_mem(d, t);
	char ev[300];
	snprintf(ev, sizeof ev, "domain-tag-delete:%s", t);
	const char *kv[] = {"tag", t};
	app_emit(a, d->name, ev, kv, 1);
	return 0;
}

const char *app_feature(const struct domain *d, const char *name)
{
	return kv_get(d->features, d->nfeatures, name);
}

static bool feature_prohibited(const char *name)
{
	static const char *const no[] = {"deferred-netvm-original", "preload-dispvm",
					 "preload-dispvm-completed", "preload-dispvm-in-progress"};
	for (size_t i = 0; i < 4; i++)
		if (strcmp(name, no[i]) == 0)
			return true;
	return false;
}

int app_feature_set(struct app *a, struct domain *d, const char *name, const char *value,
		    size_t len, struct admin_err *err)
{
	if (!feature_name_valid(name)) {
		admin_err_set(err, "QubesValueError", "Invalid feature name");
		return -1;
	}
	if (feature_prohibited(name)) {
		admin_err_set(err, "PermissionDenied", "feature '%s' cannot be set", name);
		return -1;
	}
	/* service.NAME ends up as a file name inside the qube (upstream: the
	 * services extension's checks for QubesDB) */
	const char *svc = strncmp(name, "service.", 8) == 0 ? name + 8 : NULL;
	if (svc && (!*svc || strcmp(svc, ".") == 0 || strcmp(svc, "..") == 0 ||
		    (strlen(svc) > 48 && strncmp(svc, "app-dispvm.", 11) != 0))) {
		admin_err_set(err, "QubesValueError",
			      "Service name must be 1 to 48 bytes, not '.' or '..'");
		return -1;
	}
	if (len > 1024) {
		admin_err_set(err, "QubesValueError", "feature value too long");
		return -1;
	}
	char v[1025];
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if (c < 0x20 || c > 0x7e) {
			admin_err_set(err, "QubesValueError",
				      "feature value must be printable ASCII");
			return -1;
		}
	}
	memcpy(v, value, len);
	v[len] = '\0';
	const char *old = app_feature(d, name);
	char oldv[1025] = "";
	bool had = old != NULL;
	if (had)
		snprintf(oldv, sizeof oldv, "%s", old);
	if (a->reg && (registry_begin(a->reg) < 0 ||
		       registry_set_feature(a->reg, d, name, v) < 0 ||
		       registry_commit(a->reg) < 0)) {
		registry_rollback(a->reg);
		admin_err_set(err, "QubesException", "registry: %s", registry_error(a->reg));
		return -1;
	}
	if (kv_set(&d->features, &d->nfeatures, name, v) < 0) {
		admin_err_set(err, "QubesException", "out of memory");
		return -1;
	}
	char ev[300];
	snprintf(ev, sizeof ev, "domain-feature-set:%s", name);
	const char *kv[] = {"feature", name, "value", v, "oldvalue", oldv};
	app_emit(a, d->name, ev, kv, had ? 3 : 2);
	return 0;
}

int app_feature_remove(struct app *a, struct domain *d, const char *name,
		       struct admin_err *err)
{
	if (feature_prohibited(name)) {
		admin_err_set(err, "PermissionDenied", "feature '%s' cannot be removed", name);
		return -1;
	}
	if (!app_feature(d, name)) {
		admin_err_set(err, "QubesFeatureNotFoundError",
			      "Feature not set for domain %s: %s", d->name, name);
		return -1;
	}
	if (a->reg && (registry_begin(a->reg) < 0 ||
		       registry_set_feature(a->reg, d, name, NULL) < 0 ||
		       registry_commit(a->reg) < 0)) {
		registry_rollback(a->reg);
		admin_err_set(err, "QubesException", "registry: %s", registry_error(a->reg));
		return -1;
	}
	char n2[256];
	snprintf(n2, sizeof n2, "%s", name);
	kv_del(d->features, &d->nfeatures, n2);
	char ev[300];
	snprintf(ev, sizeof ev, "domain-feature-delete:%s", n2);
	const char *kv[] = {"feature", n2};
	app_emit(a, d->name, ev, kv, 1);
	return 0;
}

/* ---- create and remove ---- */

static uint32_t free_qid(const struct app *a)
{
	for (uint32_t q = 1; q <= 10000; q++)
		if (!app_find_qid(a, q))
			return q;
	return 0;
}

/* What a disposable carries from birth (in the same transaction). */
struct disp_extra {
	unsigned dispid;
	const char *tag;   /* disp-created-by-CALLER */
};

static struct domain *create(struct app *a, enum vm_class c, const char *name,
			     const char *label, const char *template, const char *caller,
			     const struct disp_extra *x, struct admin_err *err);

struct domain *app_create(struct app *a, enum vm_class c, const char *name,
			  const char *label, const char *template, const char *caller,
			  struct admin_err *err)
{
	return create(a, c, name, label, template, caller, NULL, err);
}

struct domain *app_create_disposable(struct app *a, const struct domain *tpl,
				     const char *caller, struct admin_err *err)
{
	char b[8];
	if (tpl->cls != VMC_APP && tpl->cls != VMC_STANDALONE) {
		admin_err_set(err, "QubesException", "%s cannot be a disposable template",
			      tpl->name);
		return NULL;
	}
	if (strcmp(app_prop_str(a, tpl, "template_for_dispvms", b, sizeof b), "True") != 0) {
		admin_err_set(err, "QubesException",
			      "Refusing to create DispVM out of this AppVM, because "
			      "template_for_dispvms=False");
		return NULL;
	}
	/* disp<N>, N random in 1..9999 and not taken */
	char name[32];
	unsigned n = 0;
	for (int tries = 0; tries < 200 && !n; tries++) {
		uint16_t r;
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
			admin_err_set(err, "QubesException", "no randomness");
			return NULL;
		}
		unsigned cand = 1 + r % 9999u;
		snprintf(name, sizeof name, "disp%u", cand);
		if (!app_find(a, name))
			n = cand;
	}
	if (!n) {
		admin_err_set(err, "QubesException", "no free disposable name");
		return NULL;
	}
	char lb[32], tag[80];
	app_prop_str(a, tpl, "label", lb, sizeof lb);
	snprintf(tag, sizeof tag, "disp-created-by-%s", caller);
	struct disp_extra x = {n, tag};
	return create(a, VMC_DISP, name, lb, tpl->name, caller, &x, err);
}

static struct domain *create(struct app *a, enum vm_class c, const char *name,
			     const char *label, const char *template, const char *caller,
			     const struct disp_extra *x, struct admin_err *err)
{
	const char *why = vm_name_invalid(name);
	if (why) {
		admin_err_set(err, "QubesValueError", "%s", why);
		return NULL;
	}
	if (app_find(a, name)) {
		admin_err_set(err, "QubesVMAlreadyExistsError",
			      "A VM with the name '%s' already exists in the system.", name);
		return NULL;
	}
	const struct label *l = app_label(a, label);
	if (!l) {
		admin_err_set(err, "QubesLabelNotFoundError", "Label '%s' not found", label);
		return NULL;
	}
	if (c == VMC_ADMIN) {
		admin_err_set(err, "QubesValueError", "cannot create an AdminVM");
		return NULL;
	}
	char tbuf[64];
	struct domain *t = NULL;
	if (c == VMC_APP || c == VMC_DISP) {
		if (!template || !*template) {
			app_prop_str(a, NULL, c == VMC_APP ? "default_template" : "default_dispvm",
				     tbuf, sizeof tbuf);
			template = tbuf;
		}
		t = *template ? app_find(a, template) : NULL;
		if (!t) {
			admin_err_set(err, *template ? "QubesVMNotFoundError" : "QubesValueError",
				      *template ? "No such domain: '%s'" : "%sno template given and "
				      "no default", template);
			return NULL;
		}
		char b[8];
		if (c == VMC_APP && t->cls != VMC_TEMPLATE) {
			admin_err_set(err, "QubesValueError",
				      "template for AppVM must be a TemplateVM");
			return NULL;
		}
		if (c == VMC_DISP &&
		    strcmp(app_prop_str(a, t, "template_for_dispvms", b, sizeof b), "True")) {
			admin_err_set(err, "QubesValueError",
				      "template for DispVM must have template_for_dispvms=True");
			return NULL;
		}
	}
	uint32_t qid = free_qid(a);
	char uuid[37];
	if (!qid || random_uuid(uuid) < 0) {
		admin_err_set(err, "QubesException", "no free qid or no randomness");
		return NULL;
	}
	struct domain *d = domain_new(qid, uuid, name, c);
	if (!d) {
		admin_err_set(err, "QubesException", "out of memory");
		return NULL;
	}
	char tag[80];
	snprintf(tag, sizeof tag, "created-by-%s", caller);
	int bad = kv_set(&d->props, &d->nprops, "label", l->name) < 0 ||
		  (t && kv_set(&d->props, &d->nprops, "template", t->name) < 0) ||
		  (c == VMC_DISP && !x && kv_set(&d->props, &d->nprops, "dispid", "0") < 0) ||
		  (tag_valid(tag) && tag_add_mem(d, tag) < 0);
	if (x && !bad) {
		char id[16];
		snprintf(id, sizeof id, "%u", x->dispid);
		bad = kv_set(&d->props, &d->nprops, "dispid", id) < 0 ||
		      kv_set(&d->props, &d->nprops, "auto_cleanup", "True") < 0 ||
		      (tag_valid(x->tag) && tag_add_mem(d, x->tag) < 0);
	}
	/* tags the caller asked new qubes to carry (feature tag-created-vm-with) */
	const struct domain *cd = app_find(a, caller);
	const char *extra = cd ? app_feature(cd, "tag-created-vm-with") : NULL;
	if (extra && !bad) {
		char buf[1025];
		snprintf(buf, sizeof buf, "%s", extra);
		for (char *s = strtok(buf, " "); s && !bad; s = strtok(NULL, " "))
			if (tag_valid(s))
				bad = tag_add_mem(d, s) < 0;
	}
	if (bad) {
		domain_free(d);
		admin_err_set(err, "QubesException", "out of memory");
		return NULL;
	}
	/* the guivm-/audiovm- tags, computed before the qube is visible */
	static const char *const vmtags[] = {"guivm", "audiovm"};
	for (int k = 0; k < 2 && !bad; k++) {
		char v[64], g[80];
		const struct prop_def *p = prop_find(c, vmtags[k]);
		if (!p)
			continue;
		app_prop_str(a, NULL, k ? "default_audiovm" : "default_guivm", v, sizeof v);
		if (v[0]) {
			snprintf(g, sizeof g, "%s-%s", vmtags[k], v);
			bad = tag_add_mem(d, g) < 0;
		}
	}
	if (a->reg && (registry_begin(a->reg) < 0 || registry_add_domain(a->reg, d) < 0 ||
		       registry_commit(a->reg) < 0)) {
		registry_rollback(a->reg);
		admin_err_set(err, "QubesException", "registry: %s", registry_error(a->reg));
		domain_free(d);
		return NULL;
	}
	if (dom_insert(a, d) < 0) {
		domain_free(d);
		admin_err_set(err, "QubesException", "out of memory");
		return NULL;
	}
	const char *kv[] = {"vm", d->name};
	app_emit(a, "", "domain-add", kv, 1);
	return d;
}

/* Who still refers to d (a template, netvm, default_* or global default)?
 * Writes the first one found into why; 0 when nobody. */
static int referenced(const struct app *a, const struct domain *d, char *why, size_t n)
{
	size_t np;
	const struct prop_def *vp = vm_props(&np);
	for (size_t i = 0; i < a->ndoms; i++) {
		const struct domain *o = a->doms[i];
		if (o == d)
			continue;
		for (size_t k = 0; k < np; k++) {
			if (vp[k].type != PT_VM || !(vp[k].classes & (1u << o->cls)))
				continue;
			const char *v = kv_get(o->props, o->nprops, vp[k].name);
			if (v && strcmp(v, d->name) == 0) {
				snprintf(why, n, "'%s' is used as %s of '%s'", d->name, vp[k].name,
					 o->name);
				return 1;
			}
		}
	}
	size_t ng;
	const struct prop_def *gp = global_props(&ng);
	for (size_t k = 0; k < ng; k++) {
		if (gp[k].type != PT_VM)
			continue;
		const char *v = kv_get(a->gprops, a->ngprops, gp[k].name);
		if (v && strcmp(v, d->name) == 0) {
			snprintf(why, n, "'%s' is the global %s", d->name, gp[k].name);
			return 1;
		}
	}
	return 0;
}

int app_remove(struct app *a, struct domain *d, struct admin_err *err)
{
	if (d->cls == VMC_ADMIN) {
		admin_err_set(err, "QubesVMInUseError", "cannot remove the AdminVM");
		return -1;
	}
	if (d->state != PS_HALTED) {
		admin_err_set(err, "QubesVMNotHaltedError", "VM '%s' is not halted", d->name);
		return -1;
	}
	char b[8], why[256];
	if (strcmp(app_prop_str(a, d, "installed_by_rpm", b, sizeof b), "True") == 0) {
		admin_err_set(err, "QubesVMInUseError",
			      "VM '%s' was installed by a package and cannot be removed", d->name);
		return -1;
	}
	if (referenced(a, d, why, sizeof why)) {
		admin_err_set(err, "QubesVMInUseError", "VM in use: %s", why);
		return -1;
	}
	if (a->reg && (registry_begin(a->reg) < 0 || registry_del_domain(a->reg, d->qid) < 0 ||
		       registry_commit(a->reg) < 0)) {
		registry_rollback(a->reg);
		admin_err_set(err, "QubesException", "registry: %s", registry_error(a->reg));
		return -1;
	}
	char name[32];
	snprintf(name, sizeof name, "%s", d->name);
	dom_unlink(a, d);
	domain_free(d);
	const char *kv[] = {"vm", name};
	app_emit(a, "", "domain-delete", kv, 1);
	return 0;
}

void app_set_state(struct app *a, struct domain *d, enum power_state s)
{
	(void)a;
	d->state = s;
}

/* ---- system info ---- */

char *app_system_info_json(const struct app *a)
{
	json_t *root = json_object(), *doms = json_object();
	if (!root || !doms) {
		json_decref(root);
		json_decref(doms);
		return NULL;
	}
	for (size_t i = 0; i < a->ndoms; i++) {
		const struct domain *d = a->doms[i];
		json_t *o = json_object(), *tags = json_array();
		for (size_t k = 0; k < d->ntags; k++)
			json_array_append_new(tags, json_string(d->tags[k]));
		char v[256], b[8];
		json_object_set_new(o, "tags", tags);
		json_object_set_new(o, "type", json_string(vm_class_name(d->cls)));
		bool tfd = prop_find(d->cls, "template_for_dispvms") &&
			   strcmp(app_prop_str(a, d, "template_for_dispvms", b, sizeof b), "True") == 0;
		json_object_set_new(o, "template_for_dispvms", json_boolean(tfd));
		app_prop_str(a, d, "default_dispvm", v, sizeof v);
		json_object_set_new(o, "default_dispvm", v[0] ? json_string(v) : json_null());
		json_object_set_new(o, "power_state", json_string(power_state_name(d->state)));
		json_object_set_new(o, "uuid", json_string(d->uuid));
		const char *internal = app_feature(d, "internal");
		json_object_set_new(o, "internal",
				    internal && internal[0] ? json_string(internal) : json_null());
		json_object_set_new(o, "icon", json_string(app_prop_str(a, d, "icon", v, sizeof v)));
		const struct label *l = app_label(a, app_prop_str(a, d, "label", v, sizeof v));
		json_object_set_new(o, "label", json_string(l ? l->color : "0x000000"));
		if (prop_find(d->cls, "guivm")) {
			app_prop_str(a, d, "guivm", v, sizeof v);
			json_object_set_new(o, "guivm", v[0] ? json_string(v) : json_null());
		} else {
			json_object_set_new(o, "guivm", json_null());
		}
		json_object_set_new(o, "relayvm", json_null());
		json_object_set_new(o, "transport_rpc", json_null());
		json_object_set_new(doms, d->name, o);
	}
	json_object_set_new(root, "domains", doms);
	char *s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return s;
}
