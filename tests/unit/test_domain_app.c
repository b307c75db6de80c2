/* test_domain_app: unit tests for domains/app (bulkheadd's state and every
 * change to it), on an app without registry and on one backed by a
 * temporary SQLite file: creation (qid, uuid, label, template, default
 * template, every refusal), properties (defaults inherited from the
 * template and the global object, set/reset, write-once and read-only,
 * netvm loops and provides_network), removal (refused when referenced,
 * running, installed_by_rpm, dom0), tags (created-by-, tag-created-vm-
 * with, guivm-/audiovm-), features (validation, service names, prohibited
 * ones), the events each change emits (names and keys), and that the
 * SQLite-backed app reloads to the same state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domains/app.h"
#include "domains/registry.h"
#include "policy/sysinfo.h"

#define MAX_EV 128

struct ev {
	char subject[32];
	char event[128];
	char kv[8][2][128];
	size_t n;
};

struct fx {
	struct app a;
	struct registry *reg;
	char dir[64];
	char db[128];
	struct ev ev[MAX_EV];
	size_t nev;
	struct domain *tpl, *vm1;
	char val[1024];            /* get()'s result */
};

static void record(void *ctx, const char *subject, const char *event, const char *const *kv,
		   size_t n)
{
	struct fx *f = ctx;
	assert_true(f->nev < MAX_EV);
	assert_true(n <= 8);
	struct ev *e = &f->ev[f->nev++];
	snprintf(e->subject, sizeof e->subject, "%s", subject);
	snprintf(e->event, sizeof e->event, "%s", event);
	e->n = n;
	for (size_t i = 0; i < n; i++) {
		snprintf(e->kv[i][0], sizeof e->kv[i][0], "%s", kv[2 * i]);
		snprintf(e->kv[i][1], sizeof e->kv[i][1], "%s", kv[2 * i + 1]);
	}
}

static const char *ev_get(const struct ev *e, const char *key)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->kv[i][0], key) == 0)
			return e->kv[i][1];
	return NULL;
}

/* The one recorded event called `name` (fails unless exactly one). */
static const struct ev *ev_one(const struct fx *f, const char *name)
{
	const struct ev *found = NULL;
	for (size_t i = 0; i < f->nev; i++) {
		if (strcmp(f->ev[i].event, name) != 0)
			continue;
		if (found)
			fail_msg("event %s emitted twice", name);
		found = &f->ev[i];
	}
	if (!found)
		fail_msg("event %s not emitted", name);
	return found;
}

static struct domain *mk(struct fx *f, enum vm_class c, const char *name, const char *label,
			 const char *tpl, const char *caller)
{
	struct admin_err err = {0};
	struct domain *d = app_create(&f->a, c, name, label, tpl, caller, &err);
	if (!d)
		fail_msg("create %s: %s: %s", name, err.type, err.msg);
	return d;
}

static void set_ok(struct fx *f, struct domain *d, const char *prop, const char *v)
{
	struct admin_err err = {0};
	if (app_prop_set(&f->a, d, prop, v, strlen(v), &err) < 0)
		fail_msg("set %s=%s on %s: %s: %s", prop, v, d ? d->name : "app", err.type,
			 err.msg);
}

static void set_err(struct fx *f, struct domain *d, const char *prop, const char *v,
		    const char *type)
{
	struct admin_err err = {0};
	size_t before = f->nev;
	if (app_prop_set(&f->a, d, prop, v, strlen(v), &err) == 0)
		fail_msg("set %s=%s on %s succeeded", prop, v, d ? d->name : "app");
	if (strcmp(err.type, type) != 0)
		fail_msg("set %s=%s: %s (%s), expected %s", prop, v, err.type, err.msg, type);
	assert_int_equal(f->nev, before); /* a refusal announces nothing */
}

static const char *get(struct fx *f, struct domain *d, const char *prop, bool *dflt)
{
	struct admin_err err = {0};
	bool tmp;
	if (app_prop_get(&f->a, d, prop, f->val, sizeof f->val, dflt ? dflt : &tmp, NULL,
			 &err) < 0)
		fail_msg("get %s: %s", prop, err.type);
	return f->val;
}

/* dom0, test-template (TemplateVM, black, the default template) and
 * test-vm1 (AppVM, red), as upstream's Admin API tests set up. */
static void world(struct fx *f)
{
	f->a.on_event = record;
	f->a.event_ctx = f;
	f->tpl = mk(f, VMC_TEMPLATE, "test-template", "black", NULL, "dom0");
	set_ok(f, NULL, "default_template", "test-template");
	f->vm1 = mk(f, VMC_APP, "test-vm1", "red", "test-template", "dom0");
	f->nev = 0;
}

static int setup_mem(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct admin_err err;
	if (!f || app_init(&f->a, NULL, &err) < 0)
		return -1;
	world(f);
	*state = f;
	return 0;
}

static int setup_db(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	/* tmpfs when there is one: many small transactions */
	snprintf(f->dir, sizeof f->dir, "%s/bh-app.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/qubes.db", f->dir);
	char e[512];
	struct admin_err err;
	if (registry_open(f->db, &f->reg, e, sizeof e) < 0 || app_init(&f->a, f->reg, &err) < 0)
		return -1;
	world(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	app_free(&f->a);
	registry_close(f->reg);
	if (f->dir[0]) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
		if (system(cmd) != 0)
			return -1;
	}
	free(f);
	return 0;
}

/* ---- creation ---- */

static void initial_dom0(void **state)
{
	struct fx *f = *state;
	struct domain *d = app_find(&f->a, "dom0");
	assert_non_null(d);
	assert_int_equal(d->qid, 0);
	assert_int_equal(d->cls, VMC_ADMIN);
	assert_int_equal(d->state, PS_RUNNING);
	assert_string_equal(d->uuid, "00000000-0000-0000-0000-000000000000");
	assert_ptr_equal(app_find(&f->a, "uuid:00000000-0000-0000-0000-000000000000"), d);
	assert_string_equal(get(f, d, "label", NULL), "black");
	assert_ptr_equal(app_find_qid(&f->a, 0), d);
	assert_int_equal(f->a.nlabels, 8);
}

static bool uuid_v4(const char *u)
{
	if (strlen(u) != 36 || u[14] != '4' || !strchr("89ab", u[19]))
		return false;
	for (int i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? u[i] != '-'
							   : !strchr("0123456789abcdef", u[i]))
			return false;
	return true;
}

static void create_basics(void **state)
{
	struct fx *f = *state;
	assert_int_equal(f->tpl->qid, 1);
	assert_int_equal(f->vm1->qid, 2);
	assert_true(uuid_v4(f->vm1->uuid));
	assert_string_not_equal(f->vm1->uuid, f->tpl->uuid);
	char key[48];
	snprintf(key, sizeof key, "uuid:%s", f->vm1->uuid);
	assert_ptr_equal(app_find(&f->a, key), f->vm1);
	assert_null(app_find(&f->a, "uuid:00000000-0000-0000-0000-000000000001"));
	assert_int_equal(f->vm1->cls, VMC_APP);
	assert_int_equal(f->vm1->state, PS_HALTED);
	bool dflt;
	assert_string_equal(get(f, f->vm1, "label", &dflt), "red");
	assert_false(dflt);
	assert_string_equal(get(f, f->vm1, "template", &dflt), "test-template");
	assert_false(dflt);
	assert_string_equal(get(f, f->vm1, "name", &dflt), "test-vm1");
	assert_false(dflt);
	assert_string_equal(get(f, f->vm1, "qid", NULL), "2");
	/* sorted by name */
	assert_int_equal(f->a.ndoms, 3);
	assert_string_equal(f->a.doms[0]->name, "dom0");
	assert_string_equal(f->a.doms[1]->name, "test-template");
	assert_string_equal(f->a.doms[2]->name, "test-vm1");
	/* the lowest free qid is reused */
	struct domain *s = mk(f, VMC_STANDALONE, "s1", "green", NULL, "dom0");
	assert_int_equal(s->qid, 3);
	struct admin_err err;
	assert_int_equal(app_remove(&f->a, s, &err), 0);
	s = mk(f, VMC_STANDALONE, "s2", "3", NULL, "dom0");
	assert_int_equal(s->qid, 3);
	/* a label by index or label-N */
	assert_string_equal(get(f, s, "label", NULL), "yellow");
	s = mk(f, VMC_STANDALONE, "s3", "label-6", NULL, "dom0");
	assert_string_equal(get(f, s, "label", NULL), "blue");
}

static void create_event_and_tags(void **state)
{
	struct fx *f = *state;
	struct domain *d = mk(f, VMC_APP, "test-vm2", "red", NULL, "dom0");
	assert_int_equal(f->nev, 1);
	const struct ev *e = ev_one(f, "domain-add");
	assert_string_equal(e->subject, "");
	assert_int_equal(e->n, 1);
	assert_string_equal(ev_get(e, "vm"), "test-vm2");
	/* default template, created-by- and the guivm/audiovm tags */
	assert_string_equal(get(f, d, "template", NULL), "test-template");
	assert_int_equal(d->ntags, 3);
	assert_string_equal(d->tags[0], "audiovm-dom0");
	assert_string_equal(d->tags[1], "created-by-dom0");
	assert_string_equal(d->tags[2], "guivm-dom0");
}

static void create_refusals(void **state)
{
	struct fx *f = *state;
	static const struct {
		int cls;
		const char *name, *label, *tpl, *type;
	} t[] = {
		{VMC_APP, "1stVM", "red", NULL, "QubesValueError"},
		{VMC_APP, "--helpVM", "red", NULL, "QubesValueError"},
		{VMC_APP, "test-###", "red", NULL, "QubesValueError"},
		{VMC_APP, "x-dm", "red", NULL, "QubesValueError"},
		{VMC_APP, "test-vm1", "red", NULL, "QubesVMAlreadyExistsError"},
		{VMC_APP, "dom0", "red", NULL, "QubesVMAlreadyExistsError"},
		{VMC_APP, "n1", "no-such-colour", NULL, "QubesLabelNotFoundError"},
		{VMC_APP, "n1", "9", NULL, "QubesLabelNotFoundError"},
		{VMC_ADMIN, "n1", "red", NULL, "QubesValueError"},
		{VMC_APP, "n1", "red", "test-template-inexistent", "QubesVMNotFoundError"},
		{VMC_APP, "n1", "red", "test-vm1", "QubesValueError"},
		{VMC_APP, "n1", "red", "dom0", "QubesValueError"},
		{VMC_DISP, "n1", "red", "test-vm1", "QubesValueError"},
		{VMC_DISP, "n1", "red", NULL, "QubesValueError"},
	};
	size_t ndoms = f->a.ndoms;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct admin_err err = {0};
		struct domain *d = app_create(&f->a, (enum vm_class)t[i].cls, t[i].name,
					      t[i].label, t[i].tpl, "dom0", &err);
		if (d)
			fail_msg("case %zu (%s) created", i, t[i].name);
		if (strcmp(err.type, t[i].type) != 0)
			fail_msg("case %zu (%s): %s (%s), expected %s", i, t[i].name, err.type,
				 err.msg, t[i].type);
	}
	assert_int_equal(f->a.ndoms, ndoms);
	assert_int_equal(f->nev, 0);
	/* without a default template, an AppVM needs one named */
	struct admin_err err = {0};
	assert_int_equal(app_prop_reset(&f->a, NULL, "default_template", &err), 0);
	assert_null(app_create(&f->a, VMC_APP, "n2", "red", NULL, "dom0", &err));
	assert_string_equal(err.type, "QubesValueError");
	assert_non_null(app_create(&f->a, VMC_APP, "n2", "red", "test-template", "dom0", &err));
}

static void create_dispvm(void **state)
{
	struct fx *f = *state;
	set_ok(f, f->vm1, "template_for_dispvms", "True");
	struct domain *d = mk(f, VMC_DISP, "disp1", "red", "test-vm1", "dom0");
	assert_string_equal(get(f, d, "template", NULL), "test-vm1");
	assert_string_equal(get(f, d, "dispid", NULL), "0");
	/* a DispVM's default_dispvm is its own template */
	assert_string_equal(get(f, d, "default_dispvm", NULL), "test-vm1");
	/* the global default_dispvm as the default template */
	set_ok(f, NULL, "default_dispvm", "test-vm1");
	d = mk(f, VMC_DISP, "disp2", "red", NULL, "dom0");
	assert_string_equal(get(f, d, "template", NULL), "test-vm1");
	/* a new global default must be a disposable template */
	set_err(f, NULL, "default_dispvm", "test-template", "QubesValueError");
}

/* ---- properties ---- */

static void defaults_from_template(void **state)
{
	struct fx *f = *state;
	bool dflt;
	assert_string_equal(get(f, f->vm1, "vcpus", &dflt), "2");
	assert_true(dflt);
	assert_string_equal(get(f, f->vm1, "memory", &dflt), "400");
	assert_string_equal(get(f, f->vm1, "default_user", &dflt), "user");
	set_ok(f, f->tpl, "vcpus", "4");
	set_ok(f, f->tpl, "memory", "1000");
	set_ok(f, f->tpl, "default_user", "alice");
	assert_string_equal(get(f, f->vm1, "vcpus", &dflt), "4");
	assert_true(dflt);
	assert_string_equal(get(f, f->vm1, "memory", &dflt), "1000");
	assert_string_equal(get(f, f->vm1, "default_user", &dflt), "alice");
	assert_true(dflt);
	/* an explicit value wins, and a reset goes back to the template's */
	set_ok(f, f->vm1, "vcpus", "1");
	assert_string_equal(get(f, f->vm1, "vcpus", &dflt), "1");
	assert_false(dflt);
	struct admin_err err;
	assert_int_equal(app_prop_reset(&f->a, f->vm1, "vcpus", &err), 0);
	assert_string_equal(get(f, f->vm1, "vcpus", &dflt), "4");
	assert_true(dflt);
	/* not inherited: provides_network, autostart */
	set_ok(f, f->tpl, "autostart", "yes");
	assert_string_equal(get(f, f->vm1, "autostart", &dflt), "False");
}

static void defaults_from_global(void **state)
{
	struct fx *f = *state;
	bool dflt;
	assert_string_equal(get(f, f->vm1, "qrexec_timeout", &dflt), "60");
	assert_true(dflt);
	assert_string_equal(get(f, f->vm1, "shutdown_timeout", &dflt), "60");
	set_ok(f, NULL, "default_qrexec_timeout", "120");
	assert_string_equal(get(f, f->vm1, "qrexec_timeout", &dflt), "120");
	assert_true(dflt);
	/* the template's own value comes before the global one */
	set_ok(f, f->tpl, "qrexec_timeout", "30");
	assert_string_equal(get(f, f->vm1, "qrexec_timeout", &dflt), "30");
	set_ok(f, NULL, "default_kernel", "1.0");
	assert_string_equal(get(f, f->vm1, "kernel", &dflt), "1.0");
	assert_true(dflt);
	/* netvm: from default_netvm, none for a TemplateVM */
	assert_string_equal(get(f, f->vm1, "netvm", &dflt), "");
	assert_true(dflt);
	struct domain *net = mk(f, VMC_APP, "sys-net", "red", NULL, "dom0");
	set_ok(f, net, "provides_network", "True");
	set_ok(f, net, "netvm", ""); /* else it would be its own netvm */
	set_ok(f, NULL, "default_netvm", "sys-net");
	assert_string_equal(get(f, f->vm1, "netvm", &dflt), "sys-net");
	assert_true(dflt);
	assert_string_equal(get(f, f->tpl, "netvm", &dflt), "");
	assert_string_equal(get(f, f->vm1, "ip", NULL), "10.137.0.2");
	/* guivm/audiovm from the global defaults (dom0) */
	assert_string_equal(get(f, f->vm1, "guivm", &dflt), "dom0");
	assert_true(dflt);
	assert_string_equal(get(f, f->vm1, "audiovm", &dflt), "dom0");
	/* global properties: defaults and explicit values */
	assert_string_equal(get(f, NULL, "default_template", &dflt), "test-template");
	assert_false(dflt);
	assert_string_equal(get(f, NULL, "stats_interval", &dflt), "3");
	assert_true(dflt);
	assert_string_equal(get(f, NULL, "updatevm", &dflt), "");
	assert_true(dflt);
}

static void set_values(void **state)
{
	struct fx *f = *state;
	set_ok(f, f->vm1, "autostart", "on");
	assert_string_equal(get(f, f->vm1, "autostart", NULL), "True");
	set_ok(f, f->vm1, "maxmem", "1024000");
	assert_string_equal(get(f, f->vm1, "maxmem", NULL), "1024000");
	set_ok(f, f->vm1, "maxmem", "0");
	set_ok(f, f->vm1, "label", "green");
	assert_string_equal(get(f, f->vm1, "label", NULL), "green");
	set_ok(f, f->vm1, "label", "2");
	assert_string_equal(get(f, f->vm1, "label", NULL), "orange");
	set_ok(f, f->vm1, "kernelopts", "opt1\nopt2\\x");
	assert_string_equal(get(f, f->vm1, "kernelopts", NULL), "opt1\nopt2\\x");
	set_ok(f, f->vm1, "mac", "00:16:3e:00:00:01");
	set_ok(f, f->vm1, "virt_mode", "hvm");
	set_ok(f, f->vm1, "default_user", "a_b+c,d.e-f");
	set_err(f, f->vm1, "autostart", "some string", "QubesValueError");
	set_err(f, f->vm1, "maxmem", "fourty two", "QubesValueError");
	set_err(f, f->vm1, "maxmem", "-1", "QubesValueError");
	set_err(f, f->vm1, "vcpus", "0", "QubesValueError");
	set_err(f, f->vm1, "memory", "-5", "QubesValueError");
	set_err(f, f->vm1, "qrexec_timeout", "0", "QubesValueError");
	set_err(f, NULL, "stats_interval", "0", "QubesValueError");
	set_err(f, f->vm1, "label", "no-such-colour", "QubesLabelNotFoundError");
	set_err(f, f->vm1, "label", "", "QubesLabelNotFoundError");
	set_err(f, f->vm1, "kernel", "some, non-ASCII: \x80\xd2", "QubesValueError");
	set_err(f, f->vm1, "kernel", "../boot", "QubesValueError");
	set_err(f, f->vm1, "mac", "00:16:3E:00:00:01", "QubesValueError");
	set_err(f, f->vm1, "mac", "00:16:3e:00:00", "QubesValueError");
	set_err(f, f->vm1, "virt_mode", "kvm", "QubesValueError");
	set_err(f, f->vm1, "default_user", "a b", "QubesValueError");
	set_ok(f, f->vm1, "default_user", ""); /* as upstream: any of the allowed chars */
	set_err(f, f->vm1, "netvm", "forbidden-chars/../!", "QubesValueError");
	set_err(f, f->vm1, "netvm", "no-such-vm", "QubesVMNotFoundError");
	set_err(f, f->vm1, "template", "", "QubesValueError");
	set_err(f, f->vm1, "template", "dom0", "QubesValueError");
	set_err(f, f->vm1, "no-such-property", "1", "QubesNoSuchPropertyError");
	set_err(f, app_find(&f->a, "dom0"), "netvm", "", "QubesNoSuchPropertyError");
	set_err(f, f->tpl, "template", "test-template", "QubesNoSuchPropertyError");
	set_err(f, NULL, "default_template", "test-vm1", "QubesValueError");
	/* the template of a running qube cannot change */
	struct domain *t2 = mk(f, VMC_TEMPLATE, "tpl2", "black", NULL, "dom0");
	(void)t2;
	f->nev = 0;
	app_set_state(&f->a, f->vm1, PS_RUNNING);
	set_err(f, f->vm1, "template", "tpl2", "QubesVMNotHaltedError");
	app_set_state(&f->a, f->vm1, PS_HALTED);
	set_ok(f, f->vm1, "template", "tpl2");
}

static void write_once_and_readonly(void **state)
{
	struct fx *f = *state;
	static const char *const once[] = {"name", "qid", "uuid"};
	for (size_t i = 0; i < 3; i++) {
		set_err(f, f->vm1, once[i], "x", "QubesPropertyAccessError");
		struct admin_err err = {0};
		assert_int_equal(app_prop_reset(&f->a, f->vm1, once[i], &err), -1);
		assert_string_equal(err.type, "QubesPropertyAccessError");
	}
	static const char *const ro[] = {"klass", "icon", "updateable", "xid", "ip"};
	for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++) {
		set_err(f, f->vm1, ro[i], "1", "QubesPropertyAccessError");
		struct admin_err err = {0};
		assert_int_equal(app_prop_reset(&f->a, f->vm1, ro[i], &err), -1);
	}
	set_err(f, NULL, "no_cpus", "4", "QubesPropertyAccessError");
	/* no default to go back to */
	struct admin_err err = {0};
	assert_int_equal(app_prop_reset(&f->a, f->vm1, "label", &err), -1);
	assert_string_equal(err.type, "QubesPropertyAccessError");
	assert_int_equal(app_prop_reset(&f->a, f->vm1, "template", &err), -1);
	assert_int_equal(app_prop_reset(&f->a, f->vm1, "no-such-property", &err), -1);
	assert_string_equal(err.type, "QubesNoSuchPropertyError");
	assert_string_equal(get(f, f->vm1, "name", NULL), "test-vm1");
	assert_int_equal(f->nev, 0);
}

static void netvm_rules(void **state)
{
	struct fx *f = *state;
	struct domain *n1 = mk(f, VMC_APP, "net1", "red", NULL, "dom0");
	struct domain *n2 = mk(f, VMC_APP, "net2", "red", NULL, "dom0");
	struct domain *n3 = mk(f, VMC_STANDALONE, "net3", "red", NULL, "dom0");
	f->nev = 0;
	/* only a qube that provides network */
	set_err(f, f->vm1, "netvm", "net1", "QubesValueError");
	set_err(f, NULL, "default_netvm", "net1", "QubesValueError");
	set_ok(f, n1, "provides_network", "True");
	set_ok(f, n2, "provides_network", "True");
	set_ok(f, n3, "provides_network", "True");
	set_ok(f, f->vm1, "netvm", "net1");
	/* no loops: direct, two hops, three hops */
	set_err(f, n1, "netvm", "net1", "QubesValueError");
	set_ok(f, n1, "netvm", "net2");
	set_err(f, n2, "netvm", "net1", "QubesValueError");
	set_ok(f, n2, "netvm", "net3");
	set_err(f, n3, "netvm", "net1", "QubesValueError");
	/* empty: none */
	set_ok(f, n3, "netvm", "");
	bool dflt;
	assert_string_equal(get(f, n3, "netvm", &dflt), "");
	assert_false(dflt);
	/* provides_network cannot be turned off while in use */
	set_err(f, n1, "provides_network", "False", "QubesVMInUseError");
	set_ok(f, f->vm1, "netvm", "");
	set_ok(f, n1, "provides_network", "False");
	/* in use through the default netvm counts too */
	set_ok(f, NULL, "default_netvm", "net2");
	set_err(f, n2, "provides_network", "False", "QubesVMInUseError");
}

/* A default netvm that would route a qube through itself (upstream's
 * "Network loop on ..."), and a reset to such a default. */
static void netvm_default_loops(void **state)
{
	struct fx *f = *state;
	struct domain *net = mk(f, VMC_STANDALONE, "sys-net", "red", NULL, "dom0");
	struct domain *fw = mk(f, VMC_APP, "sys-firewall", "red", NULL, "dom0");
	set_ok(f, net, "provides_network", "True");
	set_ok(f, fw, "provides_network", "True");
	/* sys-net's own netvm is the default: sys-net as the default would be
	 * its own netvm */
	set_err(f, NULL, "default_netvm", "sys-net", "QubesValueError");
	set_ok(f, net, "netvm", "");
	set_ok(f, NULL, "default_netvm", "sys-net");
	/* sys-firewall uses the default (sys-net); sys-firewall as the
	 * default would be its own netvm */
	set_err(f, NULL, "default_netvm", "sys-firewall", "QubesValueError");
	set_ok(f, fw, "netvm", "sys-net");
	set_ok(f, NULL, "default_netvm", "sys-firewall");
	bool dflt;
	assert_string_equal(get(f, f->vm1, "netvm", &dflt), "sys-firewall");
	assert_true(dflt);
	/* a reset that would loop: sys-net back to the default sys-firewall,
	 * which goes through sys-net */
	struct admin_err err = {0};
	size_t ev = f->nev;
	assert_int_equal(app_prop_reset(&f->a, net, "netvm", &err), -1);
	assert_string_equal(err.type, "QubesValueError");
	assert_int_equal(f->nev, ev);
	assert_string_equal(get(f, net, "netvm", &dflt), "");
	assert_false(dflt);
	/* no qube's netvm chain loops */
	for (size_t i = 0; i < f->a.ndoms; i++) {
		struct domain *w = f->a.doms[i];
		int hops = 0;
		while (w && prop_find((int)w->cls, "netvm") && hops < 10) {
			w = app_prop_vm(&f->a, w, "netvm");
			hops++;
		}
		assert_true(hops < 10);
	}
}

/* ---- removal ---- */

static void remove_err(struct fx *f, struct domain *d, const char *type)
{
	struct admin_err err = {0};
	size_t n = f->a.ndoms, ev = f->nev;
	if (app_remove(&f->a, d, &err) == 0)
		fail_msg("removed %s", d->name);
	if (strcmp(err.type, type) != 0)
		fail_msg("remove %s: %s (%s), expected %s", d->name, err.type, err.msg, type);
	assert_int_equal(f->a.ndoms, n);
	assert_int_equal(f->nev, ev);
	assert_ptr_equal(app_find(&f->a, d->name), d);
}

static void remove_rules(void **state)
{
	struct fx *f = *state;
	remove_err(f, app_find(&f->a, "dom0"), "QubesVMInUseError");
	/* the template of test-vm1, and the default template */
	remove_err(f, f->tpl, "QubesVMInUseError");
	/* running */
	app_set_state(&f->a, f->vm1, PS_RUNNING);
	remove_err(f, f->vm1, "QubesVMNotHaltedError");
	app_set_state(&f->a, f->vm1, PS_PAUSED);
	remove_err(f, f->vm1, "QubesVMNotHaltedError");
	app_set_state(&f->a, f->vm1, PS_HALTED);
	/* installed by a package */
	set_ok(f, f->vm1, "installed_by_rpm", "True");
	remove_err(f, f->vm1, "QubesVMInUseError");
	set_ok(f, f->vm1, "installed_by_rpm", "False");
	/* used as a netvm, a guivm, a default_dispvm, a global updatevm */
	struct domain *net = mk(f, VMC_APP, "net", "red", NULL, "dom0");
	set_ok(f, net, "provides_network", "True");
	set_ok(f, f->vm1, "netvm", "net");
	remove_err(f, net, "QubesVMInUseError");
	set_ok(f, f->vm1, "netvm", "");
	struct domain *gui = mk(f, VMC_APP, "gui", "red", NULL, "dom0");
	set_ok(f, f->vm1, "guivm", "gui");
	remove_err(f, gui, "QubesVMInUseError");
	assert_int_equal(app_prop_reset(&f->a, f->vm1, "guivm", &(struct admin_err){0}), 0);
	struct domain *upd = mk(f, VMC_APP, "upd", "red", NULL, "dom0");
	set_ok(f, NULL, "updatevm", "upd");
	remove_err(f, upd, "QubesVMInUseError");
	set_ok(f, NULL, "updatevm", "");
	/* now each goes */
	f->nev = 0;
	struct admin_err err = {0};
	assert_int_equal(app_remove(&f->a, net, &err), 0);
	assert_int_equal(app_remove(&f->a, gui, &err), 0);
	assert_int_equal(app_remove(&f->a, upd, &err), 0);
	assert_int_equal(app_remove(&f->a, f->vm1, &err), 0);
	assert_null(app_find(&f->a, "test-vm1"));
	assert_int_equal(f->nev, 4);
	assert_string_equal(f->ev[3].event, "domain-delete");
	assert_string_equal(f->ev[3].subject, "");
	assert_string_equal(ev_get(&f->ev[3], "vm"), "test-vm1");
	/* the template is still the global default */
	remove_err(f, f->tpl, "QubesVMInUseError");
	set_ok(f, NULL, "default_template", "");
	assert_int_equal(app_remove(&f->a, f->tpl, &err), 0);
	assert_int_equal(f->a.ndoms, 1);
}

/* ---- tags ---- */

static void tags(void **state)
{
	struct fx *f = *state;
	struct admin_err err = {0};
	assert_int_equal(app_tag_set(&f->a, f->vm1, "tag2", &err), 0);
	assert_int_equal(app_tag_set(&f->a, f->vm1, "tag1", &err), 0);
	assert_int_equal(f->nev, 2);
	const struct ev *e = ev_one(f, "domain-tag-add:tag1");
	assert_string_equal(e->subject, "test-vm1");
	assert_int_equal(e->n, 1);
	assert_string_equal(ev_get(e, "tag"), "tag1");
	/* idempotent, silently */
	assert_int_equal(app_tag_set(&f->a, f->vm1, "tag1", &err), 0);
	assert_int_equal(f->nev, 2);
	/* sorted */
	static const char *const want[] = {"audiovm-dom0", "created-by-dom0", "guivm-dom0",
					   "tag1", "tag2"};
	assert_int_equal(f->vm1->ntags, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(f->vm1->tags[i], want[i]);
	assert_true(app_has_tag(f->vm1, "tag2"));
	assert_false(app_has_tag(f->vm1, "tag3"));
	assert_int_equal(app_tag_set(&f->a, f->vm1, "+.some-tag", &err), -1);
	assert_string_equal(err.type, "QubesInvalidTagError");
	assert_int_equal(app_tag_set(&f->a, f->vm1, "", &err), -1);
	assert_string_equal(err.type, "QubesInvalidTagError");
	assert_int_equal(app_tag_remove(&f->a, f->vm1, "tag3", &err), -1);
	assert_string_equal(err.type, "QubesTagNotFoundError");
	assert_int_equal(app_tag_remove(&f->a, f->vm1, "a b", &err), -1);
	assert_string_equal(err.type, "QubesInvalidTagError");
	assert_int_equal(f->nev, 2);
	assert_int_equal(app_tag_remove(&f->a, f->vm1, "tag1", &err), 0);
	e = ev_one(f, "domain-tag-delete:tag1");
	assert_string_equal(e->subject, "test-vm1");
	assert_string_equal(ev_get(e, "tag"), "tag1");
	assert_false(app_has_tag(f->vm1, "tag1"));
}

static void created_by(void **state)
{
	struct fx *f = *state;
	struct domain *mgmt = mk(f, VMC_APP, "mgmt", "red", NULL, "dom0");
	struct domain *d = mk(f, VMC_APP, "managed", "red", NULL, "mgmt");
	assert_true(app_has_tag(d, "created-by-mgmt"));
	assert_false(app_has_tag(d, "created-by-dom0"));
	/* tags the creator asks for, invalid ones skipped */
	struct admin_err err = {0};
	const char *v = "managed-by-mgmt  bad.tag ansible";
	assert_int_equal(app_feature_set(&f->a, mgmt, "tag-created-vm-with", v, strlen(v), &err),
			 0);
	d = mk(f, VMC_APP, "managed2", "red", NULL, "mgmt");
	assert_true(app_has_tag(d, "created-by-mgmt"));
	assert_true(app_has_tag(d, "managed-by-mgmt"));
	assert_true(app_has_tag(d, "ansible"));
	assert_false(app_has_tag(d, "bad.tag"));
	assert_int_equal(d->ntags, 5); /* + audiovm-dom0, guivm-dom0 */
	/* a caller that is no qube (a name only) still gets its tag */
	d = mk(f, VMC_APP, "managed3", "red", NULL, "elsewhere");
	assert_true(app_has_tag(d, "created-by-elsewhere"));
}

static void gui_audio_tags(void **state)
{
	struct fx *f = *state;
	struct domain *gui = mk(f, VMC_APP, "sys-gui", "red", NULL, "dom0");
	f->nev = 0;
	set_ok(f, f->vm1, "guivm", "sys-gui");
	assert_true(app_has_tag(f->vm1, "guivm-sys-gui"));
	assert_false(app_has_tag(f->vm1, "guivm-dom0"));
	assert_true(app_has_tag(f->vm1, "audiovm-dom0"));
	/* announced as tag events too */
	ev_one(f, "domain-tag-delete:guivm-dom0");
	ev_one(f, "domain-tag-add:guivm-sys-gui");
	set_ok(f, f->vm1, "audiovm", "");
	assert_false(app_has_tag(f->vm1, "audiovm-dom0"));
	struct admin_err err = {0};
	assert_int_equal(app_prop_reset(&f->a, f->vm1, "guivm", &err), 0);
	assert_int_equal(app_prop_reset(&f->a, f->vm1, "audiovm", &err), 0);
	assert_true(app_has_tag(f->vm1, "guivm-dom0"));
	assert_true(app_has_tag(f->vm1, "audiovm-dom0"));
	assert_false(app_has_tag(f->vm1, "guivm-sys-gui"));
	/* a new qube follows the global defaults */
	set_ok(f, NULL, "default_guivm", "sys-gui");
	struct domain *d = mk(f, VMC_APP, "n1", "red", NULL, "dom0");
	assert_true(app_has_tag(d, "guivm-sys-gui"));
	assert_false(app_has_tag(d, "guivm-dom0"));
	(void)gui;
}

/* ---- features ---- */

static void features(void **state)
{
	struct fx *f = *state;
	struct admin_err err = {0};
	assert_null(app_feature(f->vm1, "test-feature"));
	assert_int_equal(app_feature_set(&f->a, f->vm1, "test-feature", "some-value", 10, &err),
			 0);
	assert_string_equal(app_feature(f->vm1, "test-feature"), "some-value");
	const struct ev *e = ev_one(f, "domain-feature-set:test-feature");
	assert_string_equal(e->subject, "test-vm1");
	assert_int_equal(e->n, 2);
	assert_string_equal(ev_get(e, "feature"), "test-feature");
	assert_string_equal(ev_get(e, "value"), "some-value");
	f->nev = 0;
	assert_int_equal(app_feature_set(&f->a, f->vm1, "test-feature", "", 0, &err), 0);
	e = ev_one(f, "domain-feature-set:test-feature");
	assert_int_equal(e->n, 3);
	assert_string_equal(ev_get(e, "value"), "");
	assert_string_equal(ev_get(e, "oldvalue"), "some-value");
	assert_string_equal(app_feature(f->vm1, "test-feature"), "");
	f->nev = 0;
	static const struct {
		const char *name, *value, *type;
	} bad[] = {
		{"", "1", "QubesValueError"},
		{"a b", "1", "QubesValueError"},
		{"a/b", "1", "QubesValueError"},
		{"ok", "\x02\x03", "QubesValueError"},
		{"ok", "tab\t", "QubesValueError"},
		{"ok", "\x7f", "QubesValueError"},
		{"ok", "\xc3\xb6", "QubesValueError"},
		{"deferred-netvm-original", "x", "PermissionDenied"},
		{"preload-dispvm", "x", "PermissionDenied"},
		{"preload-dispvm-completed", "x", "PermissionDenied"},
		{"preload-dispvm-in-progress", "x", "PermissionDenied"},
		{"service.", "1", "QubesValueError"},
		{"service..", "1", "QubesValueError"},
		{"service.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1",
		 "QubesValueError"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err.type = NULL;
		if (app_feature_set(&f->a, f->vm1, bad[i].name, bad[i].value,
				    strlen(bad[i].value), &err) == 0)
			fail_msg("feature %s=%s accepted", bad[i].name, bad[i].value);
		if (strcmp(err.type, bad[i].type) != 0)
			fail_msg("feature %s: %s (%s), expected %s", bad[i].name, err.type, err.msg,
				 bad[i].type);
	}
	/* service names: 48 bytes are fine, app-dispvm. ones may be longer */
	const char *s48 = "service.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	assert_int_equal(app_feature_set(&f->a, f->vm1, s48, "1", 1, &err), 0);
	const char *app = "service.app-dispvm.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	assert_int_equal(app_feature_set(&f->a, f->vm1, app, "1", 1, &err), 0);
	/* a value longer than 1024 bytes */
	char big[1100];
	memset(big, 'v', sizeof big);
	assert_int_equal(app_feature_set(&f->a, f->vm1, "big", big, sizeof big, &err), -1);
	assert_int_equal(app_feature_set(&f->a, f->vm1, "big", big, 1024, &err), 0);
	f->nev = 0;
	assert_int_equal(app_feature_remove(&f->a, f->vm1, "nope", &err), -1);
	assert_string_equal(err.type, "QubesFeatureNotFoundError");
	assert_int_equal(app_feature_remove(&f->a, f->vm1, "preload-dispvm", &err), -1);
	assert_string_equal(err.type, "PermissionDenied");
	assert_int_equal(f->nev, 0);
	assert_int_equal(app_feature_remove(&f->a, f->vm1, "test-feature", &err), 0);
	e = ev_one(f, "domain-feature-delete:test-feature");
	assert_string_equal(ev_get(e, "feature"), "test-feature");
	assert_null(app_feature(f->vm1, "test-feature"));
}

/* ---- events of properties ---- */

static void property_events(void **state)
{
	struct fx *f = *state;
	set_ok(f, f->vm1, "vcpus", "4");
	const struct ev *e = ev_one(f, "property-set:vcpus");
	assert_string_equal(e->subject, "test-vm1");
	/* from a default: no oldvalue */
	assert_int_equal(e->n, 2);
	assert_string_equal(ev_get(e, "name"), "vcpus");
	assert_string_equal(ev_get(e, "newvalue"), "4");
	f->nev = 0;
	set_ok(f, f->vm1, "vcpus", "3");
	e = ev_one(f, "property-set:vcpus");
	assert_int_equal(e->n, 3);
	assert_string_equal(ev_get(e, "newvalue"), "3");
	assert_string_equal(ev_get(e, "oldvalue"), "4");
	f->nev = 0;
	struct admin_err err = {0};
	assert_int_equal(app_prop_reset(&f->a, f->vm1, "vcpus", &err), 0);
	e = ev_one(f, "property-reset:vcpus");
	assert_string_equal(ev_get(e, "name"), "vcpus");
	assert_string_equal(ev_get(e, "oldvalue"), "3");
	/* normalised values are what is announced */
	f->nev = 0;
	set_ok(f, f->vm1, "autostart", "YES");
	assert_string_equal(ev_get(ev_one(f, "property-set:autostart"), "newvalue"), "True");
	/* global properties: empty subject */
	f->nev = 0;
	set_ok(f, NULL, "stats_interval", "5");
	e = ev_one(f, "property-set:stats_interval");
	assert_string_equal(e->subject, "");
	assert_string_equal(ev_get(e, "newvalue"), "5");
}

/* ---- system info ---- */

static void system_info(void **state)
{
	struct fx *f = *state;
	set_ok(f, f->vm1, "template_for_dispvms", "True");
	set_ok(f, f->tpl, "default_dispvm", "test-vm1");
	struct admin_err err = {0};
	assert_int_equal(app_feature_set(&f->a, f->vm1, "internal", "1", 1, &err), 0);
	char *js = app_system_info_json(&f->a);
	assert_non_null(js);
	struct sysinfo *si = NULL;
	char e[256];
	if (sysinfo_parse(js, strlen(js), &si, e, sizeof e) < 0)
		fail_msg("%s: %s", e, js);
	free(js);
	assert_int_equal(si->n, 3);
	const struct si_domain *d = sysinfo_get(si, "test-vm1");
	assert_non_null(d);
	assert_string_equal(d->type, "AppVM");
	assert_true(d->template_for_dispvms);
	assert_true(d->internal);
	assert_string_equal(d->power_state, "Halted");
	assert_string_equal(d->uuid, f->vm1->uuid);
	assert_string_equal(d->label, "0xcc0000");
	assert_string_equal(d->icon, "appvm-red");
	assert_string_equal(d->guivm, "dom0");
	assert_true(si_has_tag(d, "created-by-dom0"));
	d = sysinfo_get(si, "test-template");
	assert_string_equal(d->default_dispvm, "test-vm1");
	assert_false(d->template_for_dispvms);
	assert_false(d->internal);
	d = sysinfo_get(si, "dom0");
	assert_string_equal(d->type, "AdminVM");
	assert_string_equal(d->power_state, "Running");
	assert_null(d->guivm);
	sysinfo_free(si);
}

/* ---- persistence ---- */

static void db_reload(void **state)
{
	struct fx *f = *state;
	struct admin_err err = {0};
	set_ok(f, f->vm1, "vcpus", "4");
	set_ok(f, f->vm1, "kernelopts", "a\nb\\c");
	set_ok(f, NULL, "default_kernel", "1.0");
	assert_int_equal(app_tag_set(&f->a, f->vm1, "tag1", &err), 0);
	assert_int_equal(app_feature_set(&f->a, f->vm1, "f1", "v 1", 3, &err), 0);
	struct domain *gone = mk(f, VMC_STANDALONE, "gone", "blue", NULL, "dom0");
	assert_int_equal(app_tag_set(&f->a, gone, "t", &err), 0);
	assert_int_equal(app_remove(&f->a, gone, &err), 0);
	char uuid[37];
	snprintf(uuid, sizeof uuid, "%s", f->vm1->uuid);
	app_free(&f->a);
	registry_close(f->reg);
	char e[512];
	assert_int_equal(registry_open(f->db, &f->reg, e, sizeof e), 0);
	assert_false(registry_is_new(f->reg));
	assert_int_equal(app_init(&f->a, f->reg, &err), 0);
	assert_int_equal(f->a.ndoms, 3);
	struct domain *d = app_find(&f->a, "test-vm1");
	assert_non_null(d);
	assert_int_equal(d->qid, 2);
	assert_string_equal(d->uuid, uuid);
	assert_int_equal(d->cls, VMC_APP);
	bool dflt;
	assert_string_equal(get(f, d, "vcpus", &dflt), "4");
	assert_false(dflt);
	assert_string_equal(get(f, d, "kernelopts", NULL), "a\nb\\c");
	assert_string_equal(get(f, d, "template", NULL), "test-template");
	assert_string_equal(get(f, d, "label", NULL), "red");
	assert_string_equal(get(f, NULL, "default_kernel", NULL), "1.0");
	assert_string_equal(get(f, NULL, "default_template", &dflt), "test-template");
	assert_false(dflt);
	assert_true(app_has_tag(d, "tag1"));
	assert_true(app_has_tag(d, "created-by-dom0"));
	assert_true(app_has_tag(d, "guivm-dom0"));
	assert_string_equal(app_feature(d, "f1"), "v 1");
	assert_null(app_find(&f->a, "gone"));
	assert_int_equal(f->a.nlabels, 8);
	assert_string_equal(app_label(&f->a, "purple")->color, "0x75507b");
	/* dom0 is still dom0 */
	d = app_find(&f->a, "dom0");
	assert_int_equal(d->qid, 0);
	assert_int_equal(d->cls, VMC_ADMIN);
	/* and the qid of the removed qube is free again */
	f->a.on_event = NULL;
	d = mk(f, VMC_APP, "again", "red", NULL, "dom0");
	assert_int_equal(d->qid, 3);
}

int main(void)
{
#define T(fn) {#fn "/mem", fn, setup_mem, teardown, NULL}
#define TD(fn) {#fn "/sqlite", fn, setup_db, teardown, NULL}
	const struct CMUnitTest tests[] = {
		T(initial_dom0), TD(initial_dom0),
		T(create_basics), TD(create_basics),
		T(create_event_and_tags), TD(create_event_and_tags),
		T(create_refusals), TD(create_refusals),
		T(create_dispvm), TD(create_dispvm),
		T(defaults_from_template), TD(defaults_from_template),
		T(defaults_from_global), TD(defaults_from_global),
		T(set_values), TD(set_values),
		T(write_once_and_readonly), TD(write_once_and_readonly),
		T(netvm_rules), TD(netvm_rules),
		T(netvm_default_loops), TD(netvm_default_loops),
		T(remove_rules), TD(remove_rules),
		T(tags), TD(tags),
		T(created_by), TD(created_by),
		T(gui_audio_tags), TD(gui_audio_tags),
		T(features), TD(features),
		T(property_events), TD(property_events),
		T(system_info), TD(system_info),
		TD(db_reload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
