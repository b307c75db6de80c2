/* test_admin_api: the Admin API conformance table. Every case is one
 * request in qubesd's framing, dispatched in process by
 * dispatch_request() (domains/dispatch.c, the code bulkheadd runs) on a
 * fresh fixture like upstream's qubes/tests/api_admin.py: dom0, the
 * TemplateVM test-template (label black, the default template) and the
 * AppVM test-vm1 (label red), default_kernel 1.0, a registry in a
 * temporary SQLite file. A case names the caller, method+argument,
 * destination and payload, and expects either the exact OK content or an
 * exception class (and optionally part of its message), whether the
 * registry was written (saved), what the fake lifecycle backend was asked
 * to do, and post-conditions. The hand-written rows follow upstream's
 * test_000-901 (their numbers are in the names); the sweeps of upstream's
 * test_990-994 (unexpected payload, unexpected argument, missing argument
 * or payload, dom0-only methods called on a qube) are generated from our
 * method table and from upstream's lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domains/dispatch.h"
#include "domains/registry.h"
#include "lib/log.h"

/* ---- the fake lifecycle backend (what upstream mocks as vm.start()...) ---- */

struct backend {
	int calls;
	char what[16];
	char dom[32];
	bool force, wait;
};

static void be_record(struct lifecycle *lc, const char *what, const struct domain *d)
{
	struct backend *b = lc->impl;
	b->calls++;
	snprintf(b->what, sizeof b->what, "%s", what);
	snprintf(b->dom, sizeof b->dom, "%s", d->name);
}

int lifecycle_start(struct lifecycle *lc, struct domain *d, int conn, struct admin_err *err)
{
	(void)conn;
	(void)err;
	be_record(lc, "start", d);
	return 0;
}

int lifecycle_shutdown(struct lifecycle *lc, struct domain *d, bool force, bool wait, int conn,
		       struct admin_err *err)
{
	(void)conn;
	(void)err;
	be_record(lc, "shutdown", d);
	struct backend *b = lc->impl;
	b->force = force;
	b->wait = wait;
	return 0;
}

int lifecycle_kill(struct lifecycle *lc, struct domain *d, struct admin_err *err)
{
	(void)err;
	be_record(lc, "kill", d);
	return 0;
}

int lifecycle_pause(struct lifecycle *lc, struct domain *d, bool pause, struct admin_err *err)
{
	(void)err;
	be_record(lc, pause ? "pause" : "unpause", d);
	return 0;
}

/* ---- fixture ---- */

#define MAX_EV 64

struct fx;
typedef void (*fx_fn)(struct fx *f);

struct tcase {
	const char *name;
	const char *src;       /* NULL: dom0 */
	const char *call;      /* method[+arg] */
	const char *dest;      /* a name, uuid:{uuid:NAME}, or "@adminvm" */
	const char *payload;   /* NULL: none */
	size_t plen;           /* 0: strlen(payload) */
	fx_fn prep;
	const char *exc;       /* NULL: success expected */
	const char *content;   /* exact OK content ({uuid:NAME} expanded); NULL: any */
	const char *has[4];    /* substrings the content (or message) must hold */
	int saved;             /* 1: the registry was written, 0: not */
	const char *backend;   /* "shutdown force wait", ...: the backend call */
	fx_fn post;
};

struct fx {
	const struct tcase *t;
	struct server *s;
	struct backend be;
	char dir[64];
	char db[128];
	char pdir[128];
	const char *pdirs[1];
	sqlite3 *side;
	long long dv0;
	size_t nev;
	char ev[MAX_EV][160];  /* "subject event k=v ..." */
	struct wbuf out;
	struct dispatch_result res;
	char text[65536];      /* the reply content, NUL-terminated */
	size_t tlen;
};

static void on_event(void *ctx, const char *subject, const char *event, const char *const *kv,
		     size_t n)
{
	struct fx *f = ctx;
	f->s->si_dirty = true;
	if (f->nev == MAX_EV)
		return;
	char *e = f->ev[f->nev++];
	int o = snprintf(e, 160, "%s %s", subject, event);
	for (size_t i = 0; i < n && o < 160; i++)
		o += snprintf(e + o, (size_t)(160 - o), " %s=%s", kv[2 * i], kv[2 * i + 1]);
}

static long long data_version(struct fx *f)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->side, "PRAGMA data_version", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static struct domain *dom(struct fx *f, const char *name)
{
	struct domain *d = app_find(&f->s->app, name);
	if (!d)
		fail_msg("no qube %s", name);
	return d;
}

static struct domain *mk(struct fx *f, enum vm_class c, const char *name, const char *label,
			 const char *tpl)
{
	struct admin_err err = {0};
	struct domain *d = app_create(&f->s->app, c, name, label, tpl, "dom0", &err);
	if (!d)
		fail_msg("create %s: %s %s", name, err.type, err.msg);
	return d;
}

static void pset(struct fx *f, const char *vm, const char *prop, const char *v)
{
	struct admin_err err = {0};
	if (app_prop_set(&f->s->app, vm ? dom(f, vm) : NULL, prop, v, strlen(v), &err) < 0)
		fail_msg("set %s: %s %s", prop, err.type, err.msg);
}

static void feat(struct fx *f, const char *vm, const char *name, const char *v)
{
	struct admin_err err = {0};
	if (app_feature_set(&f->s->app, dom(f, vm), name, v, strlen(v), &err) < 0)
		fail_msg("feature %s: %s %s", name, err.type, err.msg);
}

static void tag(struct fx *f, const char *vm, const char *t)
{
	struct admin_err err = {0};
	if (app_tag_set(&f->s->app, dom(f, vm), t, &err) < 0)
		fail_msg("tag %s: %s %s", t, err.type, err.msg);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	f->t = *state;
	f->s = calloc(1, sizeof *f->s);
	if (!f->s)
		return -1;
	/* tmpfs when there is one: each case creates a database */
	snprintf(f->dir, sizeof f->dir, "%s/bh-api.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof f->db, "%s/qubes.db", f->dir);
	snprintf(f->pdir, sizeof f->pdir, "%s/policy.d", f->dir);
	f->pdirs[0] = f->pdir;
	struct registry *reg;
	char e[512];
	struct admin_err err = {0};
	if (registry_open(f->db, &reg, e, sizeof e) < 0 || app_init(&f->s->app, reg, &err) < 0)
		return -1;
	f->s->app.on_event = on_event;
	f->s->app.event_ctx = f;
	f->s->si_dirty = true;
	f->s->lc.srv = f->s;
	f->s->lc.impl = &f->be;
	mk(f, VMC_TEMPLATE, "test-template", "black", NULL);
	pset(f, NULL, "default_template", "test-template");
	pset(f, NULL, "default_kernel", "1.0");
	mk(f, VMC_APP, "test-vm1", "red", "test-template");
	wbuf_init(&f->out, 1u << 20);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct registry *reg = f->s->app.reg;
	if (f->side)
		sqlite3_close(f->side);
	app_free(&f->s->app);
	registry_close(reg);
	if (f->s->have_policy)
		pcache_free(&f->s->pc);
	sysinfo_free(f->s->si);
	wbuf_free(&f->out);
	static const char *const files[] = {"qubes.db", "qubes.db-wal", "qubes.db-shm",
					    "policy.d/30-test.policy", "policy.d"};
	char path[200];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
		if (unlink(path) < 0)
			rmdir(path);
	}
	int r = rmdir(f->dir);
	free(f->s);
	free(f);
	return r;
}

/* Writes a policy file into the fixture's policy.d and loads it. */
static void policy(struct fx *f, const char *text)
{
	mkdir(f->pdir, 0755);
	char path[200];
	snprintf(path, sizeof path, "%s/30-test.policy", f->pdir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(pcache_init(&f->s->pc, f->pdirs, 1, NULL), 0);
	assert_non_null(pcache_current(&f->s->pc));
	f->s->have_policy = true;
}

/* Expands {uuid:NAME} into the qube's uuid. */
static void expand(struct fx *f, const char *in, char *out, size_t n)
{
	size_t o = 0;
	while (*in && o + 1 < n) {
		if (strncmp(in, "{uuid:", 6) == 0) {
			const char *end = strchr(in, '}');
			assert_non_null(end);
			char name[40];
			snprintf(name, sizeof name, "%.*s", (int)(end - in - 6), in + 6);
			o += (size_t)snprintf(out + o, n - o, "%s", dom(f, name)->uuid);
			in = end + 1;
		} else {
			out[o++] = *in++;
		}
	}
	out[o < n ? o : n - 1] = '\0';
}

/* ---- the run ---- */

static void run_case(void **state)
{
	struct fx *f = *state;
	const struct tcase *t = f->t;
	if (t->prep)
		t->prep(f);
	f->nev = 0;
	f->be.calls = 0;
	/* the side connection opens after prep, so prep's writes are not
	 * counted */
	assert_int_equal(sqlite3_open_v2(f->db, &f->side, SQLITE_OPEN_READWRITE, NULL),
			 SQLITE_OK);
	f->dv0 = data_version(f);
	char dest[80];
	expand(f, t->dest ? t->dest : "dom0", dest, sizeof dest);
	char hdr[1400];
	int hl;
	if (dest[0] == '@')
		hl = snprintf(hdr, sizeof hdr, "%s %s keyword %s", t->call,
			      t->src ? t->src : "dom0", dest + 1);
	else
		hl = snprintf(hdr, sizeof hdr, "%s %s name %s", t->call, t->src ? t->src : "dom0",
			      dest);
	size_t plen = t->payload ? (t->plen ? t->plen : strlen(t->payload)) : 0;
	uint8_t *rq = malloc((size_t)hl + 1 + plen);
	assert_non_null(rq);
	memcpy(rq, hdr, (size_t)hl + 1);
	if (plen)
		memcpy(rq + hl + 1, t->payload, plen);
	dispatch_request(f->s, M_ADMIN, 7, rq, (size_t)hl + 1 + plen, &f->out, &f->res);
	free(rq);

	const uint8_t *p = f->out.p;
	size_t n = f->out.len;
	assert_true(n >= 2);
	bool saved = data_version(f) != f->dv0;
	if (t->exc) {
		if (p[0] != '2' || p[1] != 0)
			fail_msg("%s: expected %s, got reply type %c (%.*s)", t->name, t->exc, p[0],
				 (int)(n - 2), p + 2);
		/* 2 \0 TYPE \0 \0 MESSAGE \0, and nothing after */
		const char *type = (const char *)p + 2;
		size_t tl = strnlen(type, n - 2);
		assert_true(2 + tl + 2 < n);
		assert_int_equal(p[2 + tl + 1], 0); /* empty traceback */
		const char *msg = (const char *)p + 2 + tl + 2;
		size_t ml = strnlen(msg, n - (2 + tl + 2));
		assert_int_equal(2 + tl + 2 + ml + 1, n);
		if (strcmp(type, t->exc) != 0)
			fail_msg("%s: %s (%s), expected %s", t->name, type, msg, t->exc);
		for (int i = 0; i < 4 && t->has[i]; i++)
			if (!strstr(msg, t->has[i]))
				fail_msg("%s: message \"%s\" lacks \"%s\"", t->name, msg, t->has[i]);
		/* a refusal changes nothing and announces nothing */
		if (f->nev)
			fail_msg("%s: refused, yet event %s", t->name, f->ev[0]);
		if (f->res.streaming || f->res.deferred)
			fail_msg("%s: refused, yet streaming/deferred", t->name);
	} else if (f->res.streaming) {
		static const char ce[] = "1\0\0connection-established\0\0";
		assert_int_equal(n, sizeof ce - 1);
		assert_memory_equal(p, ce, sizeof ce - 1);
	} else {
		if (p[0] != '0' || p[1] != 0) {
			const char *type = (const char *)p + 2;
			fail_msg("%s: failed with %s (%s)", t->name, type,
				 type + strnlen(type, n - 2) + 2);
		}
		assert_true(n - 2 < sizeof f->text);
		memcpy(f->text, p + 2, n - 2);
		f->text[n - 2] = '\0';
		f->tlen = n - 2;
		assert_int_equal(strlen(f->text), f->tlen); /* no NUL in content */
		if (t->content) {
			char want[8192];
			expand(f, t->content, want, sizeof want);
			if (strcmp(f->text, want) != 0)
				fail_msg("%s:\n got \"%s\"\nwant \"%s\"", t->name, f->text, want);
		}
		for (int i = 0; i < 4 && t->has[i]; i++) {
			char want[512];
			expand(f, t->has[i], want, sizeof want);
			if (!strstr(f->text, want))
				fail_msg("%s: content lacks \"%s\":\n%s", t->name, want, f->text);
		}
	}
	if (saved != (t->saved == 1))
		fail_msg("%s: saved %d, expected %d", t->name, saved, t->saved);
	if (t->backend) {
		char got[64];
		snprintf(got, sizeof got, "%s%s%s", f->be.what, f->be.force ? " force" : "",
			 f->be.wait ? " wait" : "");
		if (f->be.calls != 1 || strcmp(got, t->backend) != 0)
			fail_msg("%s: backend %d calls, last \"%s\", expected \"%s\"", t->name,
				 f->be.calls, got, t->backend);
	} else if (f->be.calls) {
		fail_msg("%s: unexpected backend call %s", t->name, f->be.what);
	}
	if (t->post)
		t->post(f);
}

/* ---- preparations and post-conditions ---- */

static bool has_ev(struct fx *f, const char *prefix)
{
	for (size_t i = 0; i < f->nev; i++)
		if (strncmp(f->ev[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void expect_ev(struct fx *f, const char *prefix)
{
	if (!has_ev(f, prefix)) {
		for (size_t i = 0; i < f->nev; i++)
			print_message("event: %s\n", f->ev[i]);
		fail_msg("no event \"%s\"", prefix);
	}
}

static const char *pget(struct fx *f, const char *vm, const char *prop, char *buf, size_t n)
{
	return app_prop_str(&f->s->app, vm ? dom(f, vm) : NULL, prop, buf, n);
}

static bool pdefault(struct fx *f, const char *vm, const char *prop)
{
	char v[256];
	bool d;
	struct admin_err err;
	assert_int_equal(app_prop_get(&f->s->app, vm ? dom(f, vm) : NULL, prop, v, sizeof v, &d,
				      NULL, &err),
			 0);
	return d;
}

static void prep_net(struct fx *f)
{
	mk(f, VMC_APP, "test-net", "red", "test-template");
	pset(f, "test-net", "provides_network", "True");
}
static void prep_net_none(struct fx *f)
{
	prep_net(f);
	pset(f, "test-net", "netvm", "");
}
/* test-vm1 provides network through test-net; test-vm1 is the default
 * netvm: test-net back on the default would loop */
static void prep_net_default_via_vm1(struct fx *f)
{
	prep_net_none(f);
	pset(f, "test-vm1", "provides_network", "True");
	pset(f, "test-vm1", "netvm", "test-net");
	pset(f, NULL, "default_netvm", "test-vm1");
}
static void post_default_netvm(struct fx *f)
{
	char v[64];
	assert_string_equal(pget(f, "test-vm1", "netvm", v, sizeof v), "test-net");
	assert_true(pdefault(f, "test-vm1", "netvm"));
	assert_string_equal(pget(f, "test-net", "netvm", v, sizeof v), "");
}
static void prep_provides(struct fx *f) { pset(f, "test-vm1", "provides_network", "True"); }
static void prep_kernelopts(struct fx *f)
{
	pset(f, "test-vm1", "kernelopts", "opt1\nopt2\nopt3\\opt4");
}
static void prep_default_user(struct fx *f) { pset(f, "test-vm1", "default_user", "x"); }
static void prep_feature(struct fx *f) { feat(f, "test-vm1", "test-feature", "some-value"); }
static void prep_tpl_feature(struct fx *f) { feat(f, "test-template", "test-feature", "tv"); }
static void prep_tags(struct fx *f)
{
	tag(f, "test-vm1", "tag1");
	tag(f, "test-vm1", "tag2");
}
static void prep_tag1(struct fx *f) { tag(f, "test-vm1", "tag1"); }
static void prep_running(struct fx *f) { app_set_state(&f->s->app, dom(f, "test-vm1"), PS_RUNNING); }
static void prep_rpm(struct fx *f) { pset(f, "test-vm1", "installed_by_rpm", "True"); }
static void prep_dispvm_tpl(struct fx *f) { pset(f, "test-vm1", "template_for_dispvms", "1"); }
static void prep_default_dispvm(struct fx *f)
{
	prep_dispvm_tpl(f);
	pset(f, "test-vm1", "default_dispvm", "test-vm1");
}
static void prep_tag_with(struct fx *f) { feat(f, "test-vm1", "tag-created-vm-with", "t-a t-b"); }
static void prep_clockvm(struct fx *f) { pset(f, NULL, "clockvm", "test-vm1"); }
static void prep_vm2(struct fx *f)
{
	mk(f, VMC_APP, "test-vm2", "green", "test-template");
	mk(f, VMC_APP, "other", "green", "test-template");
}
static void prep_filter(struct fx *f)
{
	policy(f, "admin.vm.List * @anyvm @adminvm allow\n"
		  "admin.vm.List * @anyvm test-vm1 allow\n");
}
static void prep_filter_tag(struct fx *f)
{
	prep_vm2(f);
	tag(f, "test-vm2", "created-by-test-vm1");
	policy(f, "admin.vm.List * test-vm1 @tag:created-by-test-vm1 allow target=dom0\n"
		  "admin.vm.List * test-vm1 test-vm1 allow target=dom0\n");
}
static void prep_filter_ask(struct fx *f)
{
	policy(f, "admin.vm.List * @anyvm @adminvm ask default_target=dom0\n"
		  "admin.vm.List * @anyvm test-vm1 allow\n");
}
static void prep_filter_deny_all(struct fx *f) { policy(f, "admin.vm.List * @anyvm @anyvm deny\n"); }

static void post_netvm_net(struct fx *f)
{
	char v[64];
	assert_string_equal(pget(f, "test-vm1", "netvm", v, sizeof v), "test-net");
	assert_false(pdefault(f, "test-vm1", "netvm"));
	expect_ev(f, "test-vm1 property-set:netvm name=netvm newvalue=test-net");
}
static void post_netvm_none(struct fx *f)
{
	char v[64];
	assert_string_equal(pget(f, "test-vm1", "netvm", v, sizeof v), "");
	assert_false(pdefault(f, "test-vm1", "netvm"));
}
static void post_autostart_true(struct fx *f)
{
	char v[16];
	assert_string_equal(pget(f, "test-vm1", "autostart", v, sizeof v), "True");
}
static void post_autostart_false(struct fx *f)
{
	char v[16];
	assert_string_equal(pget(f, "test-vm1", "autostart", v, sizeof v), "False");
	assert_false(pdefault(f, "test-vm1", "autostart"));
}
static void post_kernel(struct fx *f)
{
	char v[16];
	assert_string_equal(pget(f, "test-vm1", "kernel", v, sizeof v), "1.0");
	assert_false(pdefault(f, "test-vm1", "kernel"));
}
static void post_maxmem(struct fx *f)
{
	char v[16];
	assert_string_equal(pget(f, "test-vm1", "maxmem", v, sizeof v), "1024000");
}
static void post_label_green(struct fx *f)
{
	char v[16];
	assert_string_equal(pget(f, "test-vm1", "label", v, sizeof v), "green");
}
static void post_default_user_reset(struct fx *f)
{
	assert_true(pdefault(f, "test-vm1", "default_user"));
	expect_ev(f, "test-vm1 property-reset:default_user name=default_user oldvalue=x");
}
static void post_unchanged_vm1(struct fx *f)
{
	char v[64];
	assert_string_equal(pget(f, "test-vm1", "label", v, sizeof v), "red");
	assert_true(pdefault(f, "test-vm1", "netvm"));
	assert_true(pdefault(f, "test-vm1", "autostart"));
	assert_true(pdefault(f, "test-vm1", "maxmem"));
	assert_true(pdefault(f, "test-vm1", "kernel"));
	assert_string_equal(dom(f, "test-vm1")->name, "test-vm1");
}
static void post_feature_gone(struct fx *f)
{
	assert_null(app_feature(dom(f, "test-vm1"), "test-feature"));
	expect_ev(f, "test-vm1 domain-feature-delete:test-feature feature=test-feature");
}
static void post_feature_set(struct fx *f)
{
	assert_string_equal(app_feature(dom(f, "test-vm1"), "test-feature"), "some-value");
	expect_ev(f, "test-vm1 domain-feature-set:test-feature feature=test-feature "
		     "value=some-value");
}
static void post_feature_empty(struct fx *f)
{
	assert_string_equal(app_feature(dom(f, "test-vm1"), "test-feature"), "");
}
static void post_no_feature(struct fx *f)
{
	assert_int_equal(dom(f, "test-vm1")->nfeatures, 0);
}
static void post_vm2_standalone(struct fx *f)
{
	struct domain *d = dom(f, "test-vm2");
	char v[32];
	assert_int_equal(d->cls, VMC_STANDALONE);
	assert_string_equal(app_prop_str(&f->s->app, d, "label", v, sizeof v), "red");
	assert_true(app_has_tag(d, "created-by-dom0"));
	expect_ev(f, " domain-add vm=test-vm2");
}
static void post_vm2_app(struct fx *f)
{
	struct domain *d = dom(f, "test-vm2");
	char v[32];
	assert_int_equal(d->cls, VMC_APP);
	assert_string_equal(app_prop_str(&f->s->app, d, "label", v, sizeof v), "red");
	assert_string_equal(app_prop_str(&f->s->app, d, "template", v, sizeof v),
			    "test-template");
	assert_true(app_has_tag(d, "created-by-dom0"));
	assert_true(app_has_tag(d, "guivm-dom0"));
	assert_true(app_has_tag(d, "audiovm-dom0"));
}
static void post_no_vm2(struct fx *f)
{
	assert_null(app_find(&f->s->app, "test-vm2"));
	assert_null(app_find(&f->s->app, "test-vm3"));
	assert_int_equal(f->s->app.ndoms, 3);
}
/* Exactly one new qube: a DispVM of test-vm1 named disp<1..9999>, with
 * auto_cleanup and the created-by tags of `by`. */
static void check_one_disposable(struct fx *f, const char *by)
{
	assert_int_equal(f->s->app.ndoms, 4);
	struct domain *d = NULL;
	for (size_t i = 0; i < f->s->app.ndoms; i++)
		if (strncmp(f->s->app.doms[i]->name, "disp", 4) == 0)
			d = f->s->app.doms[i];
	assert_non_null(d);
	assert_int_equal(d->cls, VMC_DISP);
	char *end;
	long n = strtol(d->name + 4, &end, 10);
	assert_true(*end == '\0' && n >= 1 && n <= 9999);
	char v[32], tg[80];
	assert_string_equal(app_prop_str(&f->s->app, d, "template", v, sizeof v), "test-vm1");
	assert_string_equal(app_prop_str(&f->s->app, d, "auto_cleanup", v, sizeof v), "True");
	assert_string_equal(app_prop_str(&f->s->app, d, "dispid", v, sizeof v), d->name + 4);
	assert_string_equal(app_prop_str(&f->s->app, d, "label", v, sizeof v), "red");
	snprintf(tg, sizeof tg, "created-by-%s", by);
	assert_true(app_has_tag(d, tg));
	snprintf(tg, sizeof tg, "disp-created-by-%s", by);
	assert_true(app_has_tag(d, tg));
	/* the answer names it (or its uuid) */
	const char *c = (const char *)f->out.p + 2;
	size_t cl = f->out.len - 2;
	if (cl > 5 && memcmp(c, "uuid:", 5) == 0)
		assert_true(cl == 41 && memcmp(c + 5, d->uuid, 36) == 0);
	else
		assert_true(cl == strlen(d->name) && memcmp(c, d->name, cl) == 0);
}
static void post_one_disposable(struct fx *f) { check_one_disposable(f, "dom0"); }
static void post_one_disposable_by_vm1(struct fx *f) { check_one_disposable(f, "test-vm1"); }
static void post_vm2_by_vm1(struct fx *f)
{
	struct domain *d = dom(f, "test-vm2");
	assert_true(app_has_tag(d, "created-by-test-vm1"));
	assert_false(app_has_tag(d, "created-by-dom0"));
}
static void post_vm2_tagged_with(struct fx *f)
{
	struct domain *d = dom(f, "test-vm2");
	assert_true(app_has_tag(d, "t-a"));
	assert_true(app_has_tag(d, "t-b"));
}
static void post_disp(struct fx *f)
{
	char v[32];
	struct domain *d = dom(f, "test-vm2");
	assert_int_equal(d->cls, VMC_DISP);
	assert_string_equal(app_prop_str(&f->s->app, d, "template", v, sizeof v), "test-vm1");
}
static void post_removed(struct fx *f)
{
	assert_null(app_find(&f->s->app, "test-vm1"));
	expect_ev(f, " domain-delete vm=test-vm1");
}
static void post_still_there(struct fx *f)
{
	dom(f, "test-vm1");
	dom(f, "test-template");
	dom(f, "dom0");
	assert_int_equal(f->s->app.ndoms, 3);
}
static void post_tag1_gone(struct fx *f)
{
	assert_false(app_has_tag(dom(f, "test-vm1"), "tag1"));
	expect_ev(f, "test-vm1 domain-tag-delete:tag1 tag=tag1");
}
static void post_tag1_set(struct fx *f)
{
	assert_true(app_has_tag(dom(f, "test-vm1"), "tag1"));
	expect_ev(f, "test-vm1 domain-tag-add:tag1 tag=tag1");
}
static void post_forged_tag(struct fx *f)
{
	assert_true(app_has_tag(dom(f, "test-vm1"), "created-by-test-vm2"));
}
static void post_created_by_kept(struct fx *f)
{
	assert_true(app_has_tag(dom(f, "test-vm1"), "created-by-dom0"));
}
static void post_gkernel(struct fx *f)
{
	char v[16];
	assert_string_equal(pget(f, NULL, "default_kernel", v, sizeof v), "1.0");
	assert_false(pdefault(f, NULL, "default_kernel"));
}
static void post_clockvm_reset(struct fx *f)
{
	assert_true(pdefault(f, NULL, "clockvm"));
	expect_ev(f, " property-reset:clockvm");
}
static void post_stream_all(struct fx *f)
{
	assert_true(f->res.streaming);
	assert_string_equal(f->res.stream_dest, "");
	assert_string_equal(f->res.src, "dom0");
	assert_true(f->res.src_is_dom0);
}
static void post_stream_vm1(struct fx *f)
{
	assert_true(f->res.streaming);
	assert_string_equal(f->res.stream_dest, "test-vm1");
	assert_string_equal(f->res.src, "test-vm1");
	assert_false(f->res.src_is_dom0);
}

#define APPVM_PROPS                                                                     \
	"autostart\ndebug\ndefault_user\nicon\ninclude_in_backups\ninstalled_by_rpm\nip\n" \
	"kernel\nkernelopts\nkeyboard_layout\nklass\nlabel\nmac\nmaxmem\nmemory\nname\n"  \
	"provides_network\nqid\nqrexec_timeout\nshutdown_timeout\nstart_time\n"           \
	"template_for_dispvms\nupdateable\nuuid\nvcpus\nvirt_mode\nxid\naudiovm\n"        \
	"default_dispvm\nguivm\nmanagement_dispvm\nnetvm\ntemplate\n"
#define ADMINVM_PROPS                                                                   \
	"icon\ninclude_in_backups\nkeyboard_layout\nklass\nlabel\nname\nqid\nupdateable\n" \
	"uuid\nxid\ndefault_dispvm\n"
#define GLOBAL_PROPS                                                                    \
	"check_updates_vm\ndefault_kernel\ndefault_pool\ndefault_qrexec_timeout\n"         \
	"default_shutdown_timeout\nmaxmem\nno_cpus\nstats_interval\nclockvm\n"             \
	"default_audiovm\ndefault_dispvm\ndefault_guivm\ndefault_netvm\ndefault_template\n" \
	"management_dispvm\nupdatevm\n"
#define LIST_ALL                                                                        \
	"dom0 class=AdminVM state=Running uuid=00000000-0000-0000-0000-000000000000\n"     \
	"test-template class=TemplateVM state=Halted uuid={uuid:test-template}\n"          \
	"test-vm1 class=AppVM state=Halted uuid={uuid:test-vm1}\n"
#define LIST_VM1 "test-vm1 class=AppVM state=Halted uuid={uuid:test-vm1}\n"
#define LIST_DOM0 "dom0 class=AdminVM state=Running uuid=00000000-0000-0000-0000-000000000000\n"

static const struct tcase table[] = {
	/* admin.vm.List, vmclass.List */
	{.name = "000_vm_list", .call = "admin.vm.List", .content = LIST_ALL},
	{.name = "000_vm_list_plus", .call = "admin.vm.List+", .content = LIST_ALL},
	{.name = "000_vm_list_keyword", .call = "admin.vm.List", .dest = "@adminvm",
	 .content = LIST_ALL},
	{.name = "001_vm_list_single", .call = "admin.vm.List", .dest = "test-vm1",
	 .content = LIST_VM1},
	{.name = "001_vm_list_single_uuid", .call = "admin.vm.List",
	 .dest = "uuid:{uuid:test-vm1}", .content = LIST_VM1},
	{.name = "001_vm_list_dom0_uuid", .call = "admin.vm.List",
	 .dest = "uuid:00000000-0000-0000-0000-000000000000", .content = LIST_ALL},
	{.name = "001_vm_list_single_invalid_name", .call = "admin.vm.List", .dest = ".test-vm1",
	 .exc = "QubesValueError", .has = {"VM name cannot start with hyphen, underscore, dot "
					   "or numbers"}},
	{.name = "001_vm_list_single_invalid_uuid", .call = "admin.vm.List", .dest = "uuid:",
	 .exc = "QubesVMInvalidUUIDError"},
	{.name = "001_vm_list_uuid_uppercase", .call = "admin.vm.List",
	 .dest = "uuid:C9024A97-9B15-46CC-8341-38D75D5D421B", .exc = "QubesVMInvalidUUIDError"},
	{.name = "001_vm_list_uuid_long", .call = "admin.vm.List",
	 .dest = "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b0", .exc = "QubesVMInvalidUUIDError"},
	{.name = "001_vm_list_uuid_unknown", .call = "admin.vm.List",
	 .dest = "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", .exc = "QubesVMNotFoundError"},
	{.name = "001_vm_list_name_unknown", .call = "admin.vm.List", .dest = "missing",
	 .exc = "QubesVMNotFoundError", .has = {"No such domain: 'missing'"}},
	{.name = "002_vm_list_filter", .src = "test-vm1", .call = "admin.vm.List",
	 .prep = prep_filter, .content = LIST_DOM0 LIST_VM1},
	{.name = "002_vm_list_filter_ask_is_deny", .src = "test-vm1", .call = "admin.vm.List",
	 .prep = prep_filter_ask, .content = LIST_VM1},
	{.name = "002_vm_list_filter_tag", .src = "test-vm1", .call = "admin.vm.List",
	 .prep = prep_filter_tag,
	 .content = LIST_VM1 "test-vm2 class=AppVM state=Halted uuid={uuid:test-vm2}\n"},
	{.name = "002_vm_list_filter_none", .src = "test-vm1", .call = "admin.vm.List",
	 .prep = prep_filter_deny_all, .content = ""},
	{.name = "002_vm_list_no_policy_hides_all", .src = "test-vm1", .call = "admin.vm.List",
	 .content = ""},
	{.name = "002_vm_list_single_filtered", .src = "test-vm1", .call = "admin.vm.List",
	 .dest = "test-template", .prep = prep_filter, .content = ""},
	{.name = "002_vm_list_single_allowed", .src = "test-vm1", .call = "admin.vm.List",
	 .dest = "test-vm1", .prep = prep_filter, .content = LIST_VM1},
	{.name = "003_vm_list_after_create", .call = "admin.vm.List", .prep = prep_vm2,
	 .has = {"other class=AppVM state=Halted uuid={uuid:other}\n"
		 "test-template class", "test-vm2 class=AppVM"}},
	{.name = "004_vm_list_running", .call = "admin.vm.List", .dest = "test-vm1",
	 .prep = prep_running,
	 .content = "test-vm1 class=AppVM state=Running uuid={uuid:test-vm1}\n"},
	{.name = "005_vmclass_list", .call = "admin.vmclass.List",
	 .content = "AdminVM\nAppVM\nDispVM\nStandaloneVM\nTemplateVM\n"},

	/* admin.vm.property.* */
	{.name = "010_vm_property_list", .call = "admin.vm.property.List", .dest = "test-vm1",
	 .content = APPVM_PROPS},
	{.name = "010_vm_property_list_dom0", .call = "admin.vm.property.List",
	 .content = ADMINVM_PROPS},
	{.name = "020_vm_property_get_str", .call = "admin.vm.property.Get+name",
	 .dest = "test-vm1", .content = "default=False type=str test-vm1"},
	{.name = "021_vm_property_get_int", .call = "admin.vm.property.Get+vcpus",
	 .dest = "test-vm1", .content = "default=True type=int 2"},
	{.name = "021_vm_property_get_int_stateless", .call = "admin.vm.property.Get+xid",
	 .dest = "test-vm1", .content = "default=True type=int -1"},
	{.name = "021_vm_property_get_qid", .call = "admin.vm.property.Get+qid",
	 .dest = "test-vm1", .content = "default=False type=int 2"},
	{.name = "022_vm_property_get_bool", .call = "admin.vm.property.Get+provides_network",
	 .dest = "test-vm1", .content = "default=True type=bool False"},
	{.name = "023_vm_property_get_label", .call = "admin.vm.property.Get+label",
	 .dest = "test-vm1", .content = "default=False type=label red"},
	{.name = "024_vm_property_get_vm", .call = "admin.vm.property.Get+template",
	 .dest = "test-vm1", .content = "default=False type=vm test-template"},
	{.name = "025_vm_property_get_vm_none", .call = "admin.vm.property.Get+netvm",
	 .dest = "test-vm1", .content = "default=True type=vm "},
	{.name = "025_vm_property_get_default_vm_none", .call = "admin.vm.property.GetDefault+template",
	 .dest = "test-vm1", .content = ""},
	{.name = "025_vm_property_get_default_netvm_none",
	 .call = "admin.vm.property.GetDefault+netvm", .dest = "test-vm1",
	 .content = "type=vm "},
	{.name = "026_vm_property_get_default_bool",
	 .call = "admin.vm.property.GetDefault+provides_network", .dest = "test-vm1",
	 .prep = prep_provides, .content = "type=bool False"},
	{.name = "026_vm_property_get_default_int", .call = "admin.vm.property.GetDefault+vcpus",
	 .dest = "test-vm1", .content = "type=int 2"},
	{.name = "026_vm_property_get_default_kernel", .call = "admin.vm.property.GetDefault+kernel",
	 .dest = "test-vm1", .content = "type=str 1.0"},
	{.name = "026_vm_property_get_default_guivm", .call = "admin.vm.property.GetDefault+guivm",
	 .dest = "test-vm1", .content = "type=vm dom0"},
	{.name = "026_vm_property_get_default_unknown",
	 .call = "admin.vm.property.GetDefault+no-such-property", .dest = "test-vm1",
	 .exc = "QubesNoSuchPropertyError"},
	{.name = "027_vm_property_get_all", .call = "admin.vm.property.GetAll",
	 .dest = "test-vm1", .prep = prep_kernelopts,
	 .has = {"\nkernelopts default=False type=str opt1\\nopt2\\nopt3\\\\opt4\n",
		 "\nnetvm default=True type=vm \n", "\nname default=False type=str test-vm1\n",
		 "\nqrexec_timeout default=True type=int 60\n"}},
	{.name = "027_vm_property_get_all_shape", .call = "admin.vm.property.GetAll",
	 .dest = "test-vm1",
	 .has = {"autostart default=True type=bool False\ndebug default=True type=bool False\n",
		 "\nlabel default=False type=label red\n",
		 "\ntemplate default=False type=vm test-template\n",
		 "\nuuid default=False type=str {uuid:test-vm1}\n"}},
	{.name = "027_vm_property_get_all_dom0", .call = "admin.vm.property.GetAll",
	 .has = {"icon default=True type=str adminvm-black\n",
		 "\nklass default=True type=str AdminVM\n",
		 "\nuuid default=False type=str 00000000-0000-0000-0000-000000000000\n",
		 "\ndefault_dispvm default=True type=vm \n"}},
	{.name = "028_vm_property_get_dom0_netvm", .call = "admin.vm.property.Get+netvm",
	 .exc = "QubesNoSuchPropertyError"},
	{.name = "029_vm_property_get_unknown", .call = "admin.vm.property.Get+no-such-property",
	 .dest = "test-vm1", .exc = "QubesNoSuchPropertyError"},
	{.name = "030_vm_property_set_vm", .call = "admin.vm.property.Set+netvm",
	 .dest = "test-vm1", .payload = "test-net", .prep = prep_net, .saved = 1,
	 .content = "", .post = post_netvm_net},
	{.name = "031_vm_property_set_vm_none", .call = "admin.vm.property.Set+netvm",
	 .dest = "test-vm1", .prep = prep_net, .saved = 1, .content = "",
	 .post = post_netvm_none},
	{.name = "032_vm_property_set_vm_invalid1", .call = "admin.vm.property.Set+netvm",
	 .dest = "test-vm1", .payload = "forbidden-chars/../!", .exc = "QubesValueError",
	 .post = post_unchanged_vm1},
	{.name = "033_vm_property_set_vm_invalid2", .call = "admin.vm.property.Set+netvm",
	 .dest = "test-vm1", .payload = "\x80\x90\xa0", .exc = "QubesValueError",
	 .post = post_unchanged_vm1},
	{.name = "033_vm_property_set_vm_no_network", .call = "admin.vm.property.Set+netvm",
	 .dest = "test-vm1", .payload = "test-template", .exc = "QubesValueError",
	 .post = post_unchanged_vm1},
	{.name = "033_vm_property_set_vm_missing", .call = "admin.vm.property.Set+netvm",
	 .dest = "test-vm1", .payload = "nonexistent", .exc = "QubesVMNotFoundError",
	 .post = post_unchanged_vm1},
	{.name = "034_vm_property_set_bool_true", .call = "admin.vm.property.Set+autostart",
	 .dest = "test-vm1", .payload = "True", .saved = 1, .content = "",
	 .post = post_autostart_true},
	{.name = "035_vm_property_set_bool_false", .call = "admin.vm.property.Set+autostart",
	 .dest = "test-vm1", .payload = "False", .saved = 1, .content = "",
	 .post = post_autostart_false},
	{.name = "036_vm_property_set_bool_invalid1", .call = "admin.vm.property.Set+autostart",
	 .dest = "test-vm1", .payload = "some string", .exc = "QubesValueError",
	 .post = post_unchanged_vm1},
	{.name = "037_vm_property_set_bool_invalid2", .call = "admin.vm.property.Set+autostart",
	 .dest = "test-vm1", .payload = "\x80\x90@#$%^&*(", .exc = "QubesValueError",
	 .post = post_unchanged_vm1},
	{.name = "038_vm_property_set_str", .call = "admin.vm.property.Set+kernel",
	 .dest = "test-vm1", .payload = "1.0", .saved = 1, .content = "",
	 .post = post_kernel},
	{.name = "039_vm_property_set_str_invalid1", .call = "admin.vm.property.Set+kernel",
	 .dest = "test-vm1", .payload = "some, non-ASCII: \x80\xd2", .exc = "QubesValueError",
	 .post = post_unchanged_vm1},
	{.name = "040_vm_property_set_int", .call = "admin.vm.property.Set+maxmem",
	 .dest = "test-vm1", .payload = "1024000", .saved = 1, .content = "",
	 .post = post_maxmem},
	{.name = "041_vm_property_set_int_invalid1", .call = "admin.vm.property.Set+maxmem",
	 .dest = "test-vm1", .payload = "fourty two", .exc = "QubesValueError",
	 .post = post_unchanged_vm1},
	{.name = "042_vm_property_set_label", .call = "admin.vm.property.Set+label",
	 .dest = "test-vm1", .payload = "green", .saved = 1, .content = "",
	 .post = post_label_green},
	{.name = "043_vm_property_set_label_invalid1", .call = "admin.vm.property.Set+maxmem",
	 .dest = "test-vm1", .payload = "some, non-ASCII: \x80\xd2", .exc = "QubesValueError",
	 .post = post_unchanged_vm1},
	{.name = "044_vm_property_set_label_invalid2", .call = "admin.vm.property.Set+label",
	 .dest = "test-vm1", .payload = "non-existing-color", .exc = "QubesLabelNotFoundError",
	 .post = post_unchanged_vm1},
	{.name = "045_vm_property_set_name", .call = "admin.vm.property.Set+name",
	 .dest = "test-vm1", .payload = "renamed", .exc = "QubesPropertyAccessError",
	 .post = post_unchanged_vm1},
	{.name = "045_vm_property_set_readonly", .call = "admin.vm.property.Set+klass",
	 .dest = "test-vm1", .payload = "TemplateVM", .exc = "QubesPropertyAccessError"},
	{.name = "046_vm_property_set_unknown", .call = "admin.vm.property.Set+no-such-property",
	 .dest = "test-vm1", .payload = "1", .exc = "QubesNoSuchPropertyError"},
	{.name = "047_vm_property_set_dom0_netvm", .call = "admin.vm.property.Set+netvm",
	 .payload = "", .exc = "QubesNoSuchPropertyError"},
	{.name = "050_vm_property_help", .call = "admin.vm.property.Help+label",
	 .dest = "test-vm1", .content = "Colourful label of the qube"},
	{.name = "052_vm_property_help_invalid_property",
	 .call = "admin.vm.property.Help+no-such-property", .dest = "test-vm1",
	 .exc = "QubesNoSuchPropertyError"},
	{.name = "060_vm_property_reset", .call = "admin.vm.property.Reset+default_user",
	 .dest = "test-vm1", .prep = prep_default_user, .saved = 1, .content = "",
	 .post = post_default_user_reset},
	{.name = "062_vm_property_reset_invalid_property",
	 .call = "admin.vm.property.Reset+no-such-property", .dest = "test-vm1",
	 .exc = "QubesNoSuchPropertyError"},
	{.name = "063_vm_property_reset_name", .call = "admin.vm.property.Reset+name",
	 .dest = "test-vm1", .exc = "QubesPropertyAccessError"},
	{.name = "063_vm_property_reset_template", .call = "admin.vm.property.Reset+template",
	 .dest = "test-vm1", .exc = "QubesPropertyAccessError"},

	/* labels */
	{.name = "180_label_list", .call = "admin.label.List",
	 .content = "red\norange\nyellow\ngreen\ngray\nblue\npurple\nblack\n"},
	{.name = "190_label_get", .call = "admin.label.Get+red", .content = "0xcc0000"},
	{.name = "190_label_get_black", .call = "admin.label.Get+black", .content = "0x000000"},
	{.name = "191_label_get_invalid", .call = "admin.label.Get+re@d",
	 .exc = "QubesInvalidLabelError"},
	{.name = "191_label_get_unknown", .call = "admin.label.Get+nope",
	 .exc = "QubesLabelNotFoundError"},
	{.name = "195_label_index", .call = "admin.label.Index+red", .content = "1"},
	{.name = "195_label_index_black", .call = "admin.label.Index+black", .content = "8"},
	{.name = "196_label_index_invalid", .call = "admin.label.Index+b/ad",
	 .exc = "QubesInvalidLabelError"},

	/* lifecycle, through the fake backend */
	{.name = "220_start", .call = "admin.vm.Start", .dest = "test-vm1", .content = "",
	 .backend = "start"},
	{.name = "221_start_dom0", .call = "admin.vm.Start", .content = ""},
	{.name = "230_shutdown", .call = "admin.vm.Shutdown", .dest = "test-vm1", .content = "",
	 .backend = "shutdown"},
	{.name = "231_shutdown_force", .call = "admin.vm.Shutdown+force", .dest = "test-vm1",
	 .content = "", .backend = "shutdown force"},
	{.name = "232_shutdown_wait", .call = "admin.vm.Shutdown+wait", .dest = "test-vm1",
	 .content = "", .backend = "shutdown wait"},
	{.name = "233_shutdown_wait_force", .call = "admin.vm.Shutdown+wait+force",
	 .dest = "test-vm1", .content = "", .backend = "shutdown force wait"},
	{.name = "234_shutdown_force_wait", .call = "admin.vm.Shutdown+force+wait",
	 .dest = "test-vm1", .content = "", .backend = "shutdown force wait"},
	{.name = "234_shutdown_force_wait_invalid", .call = "admin.vm.Shutdown+forcewait",
	 .dest = "test-vm1", .exc = "ProtocolError"},
	{.name = "234_shutdown_invalid", .call = "admin.vm.Shutdown+force+now",
	 .dest = "test-vm1", .exc = "ProtocolError"},
	{.name = "234_shutdown_trailing_plus", .call = "admin.vm.Shutdown+force+",
	 .dest = "test-vm1", .exc = "ProtocolError"},
	{.name = "234_shutdown_empty_word", .call = "admin.vm.Shutdown+force++wait",
	 .dest = "test-vm1", .exc = "ProtocolError"},
	{.name = "234_shutdown_only_plus", .call = "admin.vm.Shutdown++", .dest = "test-vm1",
	 .exc = "ProtocolError"},
	{.name = "234_shutdown_twice", .call = "admin.vm.Shutdown+wait+wait", .dest = "test-vm1",
	 .content = "", .backend = "shutdown wait"},
	{.name = "235_shutdown_dom0", .call = "admin.vm.Shutdown", .exc = "QubesVMError"},
	{.name = "240_pause", .call = "admin.vm.Pause", .dest = "test-vm1", .content = "",
	 .backend = "pause"},
	{.name = "250_unpause", .call = "admin.vm.Unpause", .dest = "test-vm1", .content = "",
	 .backend = "unpause"},
	{.name = "260_kill", .call = "admin.vm.Kill", .dest = "test-vm1", .content = "",
	 .backend = "kill"},
	{.name = "261_kill_dom0", .call = "admin.vm.Kill", .exc = "QubesVMError"},

	/* events */
	{.name = "270_events", .call = "admin.Events", .post = post_stream_all},
	{.name = "273_events_single", .src = "test-vm1", .call = "admin.Events",
	 .dest = "test-vm1", .post = post_stream_vm1},

	/* features */
	{.name = "280_feature_list", .call = "admin.vm.feature.List", .dest = "test-vm1",
	 .prep = prep_feature, .content = "test-feature\n"},
	{.name = "280_feature_list_empty", .call = "admin.vm.feature.List", .dest = "test-vm1",
	 .content = ""},
	{.name = "290_feature_get", .call = "admin.vm.feature.Get+test-feature",
	 .dest = "test-vm1", .prep = prep_feature, .content = "some-value"},
	{.name = "291_feature_get_none", .call = "admin.vm.feature.Get+test-feature",
	 .dest = "test-vm1", .exc = "QubesFeatureNotFoundError"},
	{.name = "300_feature_remove", .call = "admin.vm.feature.Remove+test-feature",
	 .dest = "test-vm1", .prep = prep_feature, .saved = 1, .content = "",
	 .post = post_feature_gone},
	{.name = "301_feature_remove_none", .call = "admin.vm.feature.Remove+test-feature",
	 .dest = "test-vm1", .exc = "QubesFeatureNotFoundError"},
	{.name = "303_feature_prohibited_set", .call = "admin.vm.feature.Set+preload-dispvm",
	 .dest = "test-vm1", .payload = "some-value", .exc = "PermissionDenied",
	 .post = post_no_feature},
	{.name = "303_feature_prohibited_remove",
	 .call = "admin.vm.feature.Remove+deferred-netvm-original", .dest = "test-vm1",
	 .exc = "PermissionDenied"},
	{.name = "310_feature_checkwithtemplate",
	 .call = "admin.vm.feature.CheckWithTemplate+test-feature", .dest = "test-vm1",
	 .prep = prep_feature, .content = "some-value"},
	{.name = "311_feature_checkwithtemplate_tpl",
	 .call = "admin.vm.feature.CheckWithTemplate+test-feature", .dest = "test-vm1",
	 .prep = prep_tpl_feature, .content = "tv"},
	{.name = "312_feature_checkwithtemplate_none",
	 .call = "admin.vm.feature.CheckWithTemplate+test-feature", .dest = "test-vm1",
	 .exc = "QubesFeatureNotFoundError"},
	{.name = "320_feature_set", .call = "admin.vm.feature.Set+test-feature",
	 .dest = "test-vm1", .payload = "some-value", .saved = 1, .content = "",
	 .post = post_feature_set},
	{.name = "321_feature_set_empty", .call = "admin.vm.feature.Set+test-feature",
	 .dest = "test-vm1", .saved = 1, .content = "", .post = post_feature_empty},
	{.name = "322_feature_set_invalid_value", .call = "admin.vm.feature.Set+test-feature",
	 .dest = "test-vm1", .payload = "\x02\x03\xffsome-value", .exc = "ProtocolError",
	 .post = post_no_feature},
	{.name = "322_feature_set_non_ascii", .call = "admin.vm.feature.Set+test-feature",
	 .dest = "test-vm1", .payload = "\xc3\xb6", .exc = "ProtocolError",
	 .post = post_no_feature},
	{.name = "322_feature_set_invalid_key", .call = "admin.vm.feature.Set+a/b",
	 .dest = "test-vm1", .payload = "", .exc = "ProtocolError", .post = post_no_feature},
	{.name = "322_feature_set_empty_key", .call = "admin.vm.feature.Set+",
	 .dest = "test-vm1", .payload = "value", .exc = "ProtocolError",
	 .has = {"expected an argument"}, .post = post_no_feature},
	{.name = "323_feature_set_service_too_long",
	 .call = "admin.vm.feature.Set+service.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	 .dest = "test-vm1", .payload = "1", .exc = "QubesValueError", .post = post_no_feature},
	{.name = "325_feature_set_service_empty_name", .call = "admin.vm.feature.Set+service.",
	 .dest = "test-vm1", .exc = "QubesValueError", .post = post_no_feature},

	/* creation */
	{.name = "330_vm_create_standalone", .call = "admin.vm.Create.StandaloneVM",
	 .payload = "name=test-vm2 label=red", .saved = 1, .content = "",
	 .post = post_vm2_standalone},
	{.name = "331_vm_create_standalone_spurious_template",
	 .call = "admin.vm.Create.StandaloneVM+test-template",
	 .payload = "name=test-vm2 label=red", .exc = "ProtocolError", .post = post_no_vm2},
	{.name = "332_vm_create_app", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2 label=red", .saved = 1, .content = "", .post = post_vm2_app},
	{.name = "333_vm_create_appvm_invalid_template",
	 .call = "admin.vm.Create.AppVM+test-template-inexistent",
	 .payload = "name=test-vm2 label=red", .exc = "QubesVMNotFoundError",
	 .post = post_no_vm2},
	{.name = "333_vm_create_app_default_template", .call = "admin.vm.Create.AppVM",
	 .payload = "name=test-vm2 label=red", .saved = 1, .content = "", .post = post_vm2_app},
	{.name = "333_vm_create_app_template_not_template",
	 .call = "admin.vm.Create.AppVM+test-vm1", .payload = "name=test-vm2 label=red",
	 .exc = "QubesValueError", .post = post_no_vm2},
	{.name = "334_vm_create_invalid_name", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-###", .exc = "QubesValueError", .post = post_no_vm2},
	{.name = "334_vm_create_invalid_name_help", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=--helpVM", .exc = "QubesValueError", .post = post_no_vm2},
	{.name = "334_vm_create_invalid_name_digit", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=1stVM", .exc = "QubesValueError", .post = post_no_vm2},
	{.name = "335_vm_create_missing_name", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "label=red", .exc = "ProtocolError", .post = post_no_vm2},
	{.name = "335_vm_create_missing_label", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2", .exc = "ProtocolError", .post = post_no_vm2},
	{.name = "336_vm_create_spurious_pool", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2 label=red pool=default", .exc = "ProtocolError",
	 .post = post_no_vm2},
	{.name = "337_vm_create_duplicate_name", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm1 label=red", .exc = "QubesVMAlreadyExistsError",
	 .post = post_still_there},
	{.name = "338_vm_create_name_twice", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2 name=test-vm3 label=red", .exc = "ProtocolError",
	 .post = post_no_vm2},
	{.name = "339_vm_create_spurious_params", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2 label=red what=is", .exc = "ProtocolError",
	 .has = {"does not match"}, .post = post_no_vm2},
	{.name = "339_vm_create_no_equals", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2 label=red junk", .exc = "ProtocolError", .post = post_no_vm2},
	{.name = "339_vm_create_non_ascii", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2 label=r\xc3\xa9", .exc = "ProtocolError",
	 .post = post_no_vm2},
	{.name = "339_vm_create_label_unknown", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2 label=no-such", .exc = "QubesLabelNotFoundError",
	 .post = post_no_vm2},
	{.name = "339_vm_create_label_digit", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2 label=1", .exc = "QubesInvalidLabelError",
	 .post = post_no_vm2},
	{.name = "339_vm_create_label_invalid", .call = "admin.vm.Create.AppVM+test-template",
	 .payload = "name=test-vm2 label=r/d", .exc = "QubesInvalidLabelError",
	 .post = post_no_vm2},
	{.name = "340_vm_create_in_pool_app", .call = "admin.vm.CreateInPool.AppVM+test-template",
	 .payload = "name=test-vm2 label=red pool=test", .saved = 1, .content = "",
	 .post = post_vm2_app},
	{.name = "341_vm_create_in_pool_private",
	 .call = "admin.vm.CreateInPool.AppVM+test-template",
	 .payload = "name=test-vm2 label=red pool:private=test", .saved = 1, .content = "",
	 .post = post_vm2_app},
	{.name = "344_vm_create_in_pool_invalid_volume",
	 .call = "admin.vm.CreateInPool.AppVM+test-template",
	 .payload = "name=test-vm2 label=red pool:invalid=test", .exc = "ProtocolError",
	 .post = post_no_vm2},
	{.name = "346_vm_create_in_pool_duplicate_pool",
	 .call = "admin.vm.CreateInPool.AppVM+test-template",
	 .payload = "name=test-vm2 label=red pool=test pool:root=test", .exc = "ProtocolError",
	 .post = post_no_vm2},
	{.name = "346_vm_create_in_pool_duplicate_volume",
	 .call = "admin.vm.CreateInPool.AppVM+test-template",
	 .payload = "name=test-vm2 label=red pool:private=a pool:private=b",
	 .exc = "ProtocolError", .post = post_no_vm2},
	{.name = "347_vm_create_dispvm", .call = "admin.vm.Create.DispVM+test-vm1",
	 .payload = "name=test-vm2 label=red", .prep = prep_dispvm_tpl, .saved = 1,
	 .content = "", .post = post_disp},
	{.name = "347_vm_create_dispvm_not_template", .call = "admin.vm.Create.DispVM+test-vm1",
	 .payload = "name=test-vm2 label=red", .exc = "QubesValueError", .post = post_no_vm2},
	{.name = "349_create_disposable", .call = "admin.vm.CreateDisposable", .dest = "test-vm1",
	 .prep = prep_dispvm_tpl, .saved = 1, .has = {"disp"}, .post = post_one_disposable},
	{.name = "349_create_disposable_uuid", .call = "admin.vm.CreateDisposable",
	 .dest = "test-vm1", .payload = "uuid", .prep = prep_dispvm_tpl, .saved = 1,
	 .has = {"uuid:"}, .post = post_one_disposable},
	{.name = "349_create_disposable_by_vm", .src = "test-vm1",
	 .call = "admin.vm.CreateDisposable", .dest = "test-vm1", .prep = prep_dispvm_tpl,
	 .saved = 1, .has = {"disp"}, .post = post_one_disposable_by_vm1},
	{.name = "349_create_disposable_default_dispvm", .src = "test-vm1",
	 .call = "admin.vm.CreateDisposable", .prep = prep_default_dispvm, .saved = 1,
	 .has = {"disp"}, .post = post_one_disposable_by_vm1},
	{.name = "349_create_disposable_no_default", .call = "admin.vm.CreateDisposable",
	 .exc = "QubesException", .post = post_no_vm2},
	{.name = "349_create_disposable_not_dispvm_template", .call = "admin.vm.CreateDisposable",
	 .dest = "test-vm1", .exc = "QubesException", .post = post_no_vm2},
	{.name = "349_create_disposable_of_template", .call = "admin.vm.CreateDisposable",
	 .dest = "test-template", .exc = "QubesException", .post = post_no_vm2},
	{.name = "349_create_disposable_preload", .call = "admin.vm.CreateDisposable",
	 .dest = "test-vm1", .payload = "preload", .prep = prep_dispvm_tpl,
	 .exc = "QubesValueError", .post = post_no_vm2},
	{.name = "349_create_disposable_bad_payload", .call = "admin.vm.CreateDisposable",
	 .dest = "test-vm1", .payload = "uuid ", .prep = prep_dispvm_tpl,
	 .exc = "ProtocolError", .post = post_no_vm2},
	{.name = "349_create_disposable_arg", .call = "admin.vm.CreateDisposable+x",
	 .dest = "test-vm1", .prep = prep_dispvm_tpl, .exc = "ProtocolError",
	 .post = post_no_vm2},
	{.name = "348_vm_create_by_mgmt", .src = "test-vm1", .call = "admin.vm.Create.AppVM",
	 .payload = "name=test-vm2 label=red", .saved = 1, .content = "",
	 .post = post_vm2_by_vm1},
	{.name = "348_vm_create_tag_created_vm_with", .src = "test-vm1",
	 .call = "admin.vm.Create.AppVM", .payload = "name=test-vm2 label=red",
	 .prep = prep_tag_with, .saved = 1, .content = "", .post = post_vm2_tagged_with},
	{.name = "349_vm_create_adminvm", .call = "admin.vm.Create.AdminVM",
	 .payload = "name=test-vm2 label=red", .exc = "ProtocolError", .post = post_no_vm2},

	/* global properties */
	{.name = "400_property_list", .call = "admin.property.List", .content = GLOBAL_PROPS},
	{.name = "410_property_get_str", .call = "admin.property.Get+default_kernel",
	 .content = "default=False type=str 1.0"},
	{.name = "410_property_get_keyword", .call = "admin.property.Get+default_template",
	 .dest = "@adminvm", .content = "default=False type=vm test-template"},
	{.name = "411_property_get_all", .call = "admin.property.GetAll",
	 .has = {"check_updates_vm default=True type=bool True\n",
		 "\nclockvm default=True type=vm \ndefault_audiovm default=True type=vm dom0\n",
		 "\ndefault_template default=False type=vm test-template\n",
		 "\nstats_interval default=True type=int 3\n"}},
	{.name = "411_property_get_default_none", .call = "admin.property.GetDefault+default_template",
	 .content = ""},
	{.name = "411_property_get_default_vm", .call = "admin.property.GetDefault+updatevm",
	 .content = "type=vm "},
	{.name = "411_property_get_default_int",
	 .call = "admin.property.GetDefault+default_qrexec_timeout", .content = "type=int 60"},
	{.name = "420_property_set_str", .call = "admin.property.Set+default_kernel",
	 .payload = "1.0", .saved = 1, .content = "", .post = post_gkernel},
	{.name = "421_property_set_default_template_app",
	 .call = "admin.property.Set+default_template", .payload = "test-vm1",
	 .exc = "QubesValueError"},
	{.name = "423_property_set_default_netvm_loop", .call = "admin.property.Set+default_netvm",
	 .payload = "test-net", .prep = prep_net, .exc = "QubesValueError",
	 .has = {"Network loop on 'test-net'"}},
	{.name = "423_property_set_default_netvm", .call = "admin.property.Set+default_netvm",
	 .payload = "test-net", .prep = prep_net_none, .saved = 1, .content = "",
	 .post = post_default_netvm},
	{.name = "424_vm_property_reset_netvm_loop", .call = "admin.vm.property.Reset+netvm",
	 .dest = "test-net", .prep = prep_net_default_via_vm1, .exc = "QubesValueError"},
	{.name = "422_property_set_readonly", .call = "admin.property.Set+no_cpus",
	 .payload = "4", .exc = "QubesPropertyAccessError"},
	{.name = "440_property_help", .call = "admin.property.Help+clockvm",
	 .content = "Qube that keeps the time"},
	{.name = "450_property_reset", .call = "admin.property.Reset+clockvm",
	 .prep = prep_clockvm, .saved = 1, .content = "", .post = post_clockvm_reset},
	{.name = "450_property_reset_unset", .call = "admin.property.Reset+clockvm",
	 .content = "", .post = post_clockvm_reset},
	{.name = "451_property_get_on_vm", .call = "admin.property.Get+default_kernel",
	 .dest = "test-vm1", .exc = "ProtocolError",
	 .has = {"expected destination to be AdminVM"}},
	{.name = "452_property_get_unknown", .call = "admin.property.Get+netvm",
	 .exc = "QubesNoSuchPropertyError"},

	/* removal */
	{.name = "500_vm_remove", .call = "admin.vm.Remove", .dest = "test-vm1", .saved = 1,
	 .content = "", .post = post_removed},
	{.name = "501_vm_remove_running", .call = "admin.vm.Remove", .dest = "test-vm1",
	 .prep = prep_running, .exc = "QubesVMNotHaltedError", .post = post_still_there},
	{.name = "502_vm_remove_in_use", .call = "admin.vm.Remove", .dest = "test-template",
	 .exc = "QubesVMInUseError", .post = post_still_there},
	{.name = "503_vm_remove_dom0", .call = "admin.vm.Remove", .exc = "QubesVMInUseError",
	 .post = post_still_there},
	{.name = "504_vm_remove_installed_by_rpm", .call = "admin.vm.Remove", .dest = "test-vm1",
	 .prep = prep_rpm, .exc = "QubesVMInUseError", .post = post_still_there},

	/* tags */
	{.name = "530_tag_list", .call = "admin.vm.tag.List", .dest = "test-vm1",
	 .prep = prep_tags,
	 .content = "audiovm-dom0\ncreated-by-dom0\nguivm-dom0\ntag1\ntag2\n"},
	{.name = "540_tag_get", .call = "admin.vm.tag.Get+tag1", .dest = "test-vm1",
	 .prep = prep_tag1, .content = "1"},
	{.name = "541_tag_get_absent", .call = "admin.vm.tag.Get+tag1", .dest = "test-vm1",
	 .content = "0"},
	{.name = "542_tag_get_invalid", .call = "admin.vm.tag.Get+a.b", .dest = "test-vm1",
	 .exc = "QubesInvalidTagError"},
	{.name = "550_tag_remove", .call = "admin.vm.tag.Remove+tag1", .dest = "test-vm1",
	 .prep = prep_tag1, .saved = 1, .content = "", .post = post_tag1_gone},
	{.name = "551_tag_remove_absent", .call = "admin.vm.tag.Remove+tag1", .dest = "test-vm1",
	 .exc = "QubesTagNotFoundError"},
	{.name = "560_tag_set", .call = "admin.vm.tag.Set+tag1", .dest = "test-vm1", .saved = 1,
	 .content = "", .post = post_tag1_set},
	{.name = "561_tag_set_invalid", .call = "admin.vm.tag.Set++.some-tag", .dest = "test-vm1",
	 .exc = "QubesInvalidTagError"},
	{.name = "562_tag_set_invalid_empty", .call = "admin.vm.tag.Set+", .dest = "test-vm1",
	 .exc = "ProtocolError"},
	{.name = "562_tag_set_invalid_plus", .call = "admin.vm.tag.Set++", .dest = "test-vm1",
	 .exc = "QubesInvalidTagError"},
	{.name = "563_tag_set_created_by_from_vm", .src = "test-vm1",
	 .call = "admin.vm.tag.Set+created-by-test-vm2", .dest = "test-vm1",
	 .exc = "PermissionDenied"},
	{.name = "563_tag_remove_created_by_from_vm", .src = "test-vm1",
	 .call = "admin.vm.tag.Remove+created-by-dom0", .dest = "test-vm1",
	 .exc = "PermissionDenied", .post = post_created_by_kept},
	{.name = "564_tag_set_created_by_from_dom0", .call = "admin.vm.tag.Set+created-by-test-vm2",
	 .dest = "test-vm1", .saved = 1, .content = "", .post = post_forged_tag},
	{.name = "565_tag_set_other_from_vm", .src = "test-vm1", .call = "admin.vm.tag.Set+tag1",
	 .dest = "test-vm1", .saved = 1, .content = "", .post = post_tag1_set},

	/* current state */
	{.name = "900_current_state_default", .call = "admin.vm.CurrentState", .dest = "test-vm1",
	 .content = "mem=0 mem_static_max=0 cputime=0 power_state=Halted"},
	{.name = "901_current_state_dom0", .call = "admin.vm.CurrentState",
	 .content = "mem=0 mem_static_max=0 cputime=0 power_state=Running"},

	/* the dispatcher itself */
	{.name = "910_no_such_method", .call = "admin.vm.NoSuchMethod", .exc = "ProtocolError",
	 .has = {"no such method"}},
	{.name = "911_internal_on_admin_socket", .call = "internal.GetSystemInfo",
	 .exc = "ProtocolError"},
	{.name = "912_unknown_source", .src = "ghost", .call = "admin.vm.List",
	 .exc = "QubesVMNotFoundError"},
	{.name = "913_method_case", .call = "admin.vm.list", .exc = "ProtocolError"},
	{.name = "914_framing_error", .call = "admin.vm.List extra", .exc = "ProtocolError"},
};

/* ---- the sweeps (upstream test_990-994) ---- */

/* upstream's lists, which name methods we do not have: those fail with
 * "no such method", a ProtocolError too */
static const char *const up_vm_no_payload[] = {
	"admin.vm.List", "admin.vm.Remove", "admin.vm.property.List", "admin.vm.property.Get",
	"admin.vm.property.Help", "admin.vm.property.Reset", "admin.vm.feature.List",
	"admin.vm.feature.Get", "admin.vm.feature.CheckWithTemplate", "admin.vm.feature.Remove",
	"admin.vm.tag.List", "admin.vm.tag.Get", "admin.vm.tag.Remove", "admin.vm.tag.Set",
	"admin.vm.firewall.Get", "admin.vm.firewall.Reload", "admin.deviceclass.List",
	"admin.vm.device.pci.Available", "admin.vm.device.pci.Assigned",
	"admin.vm.device.pci.Attached", "admin.vm.device.pci.Unassign",
	"admin.vm.device.pci.Detach", "admin.vm.device.denied.List",
	"admin.vm.volume.ListSnapshots", "admin.vm.volume.List", "admin.vm.volume.Info",
	"admin.vm.Start", "admin.vm.Shutdown", "admin.vm.Pause", "admin.vm.Unpause",
	"admin.vm.Kill", "admin.vm.Console", "admin.Events", NULL};
static const char *const up_vm_no_arg[] = {
	"admin.vm.List", "admin.vm.Remove", "admin.vm.property.List", "admin.vm.feature.List",
	"admin.vm.tag.List", "admin.vm.firewall.Get", "admin.vm.firewall.Set",
	"admin.vm.firewall.Reload", "admin.deviceclass.List", "admin.vm.device.denied.List",
	"admin.vm.volume.List", "admin.vm.Start", "admin.vm.Pause", "admin.vm.Unpause",
	"admin.vm.Kill", "admin.vm.Console", "admin.Events", NULL};
static const char *const up_dom0_no_payload[] = {
	"admin.deviceclass.List", "admin.vmclass.List", "admin.vm.List", "admin.pool.volume.List",
	"admin.label.List", "admin.label.Get", "admin.label.Remove", "admin.property.List",
	"admin.property.Get", "admin.property.Help", "admin.property.Reset", "admin.pool.List",
	"admin.pool.ListDrivers", "admin.pool.Info", "admin.pool.Remove", "admin.backup.Execute",
	"admin.Events", NULL};
static const char *const up_dom0_no_arg[] = {
	"admin.deviceclass.List", "admin.vmclass.List", "admin.vm.List", "admin.label.List",
	"admin.property.List", "admin.pool.List", "admin.pool.ListDrivers", "admin.Events", NULL};
static const char *const up_dom0_only[] = {
	"admin.deviceclass.List", "admin.vmclass.List", "admin.vm.Create.AppVM",
	"admin.vm.CreateInPool.AppVM", "admin.label.List", "admin.label.Create",
	"admin.label.Get", "admin.label.Remove", "admin.pool.volume.List", "admin.property.List",
	"admin.property.Get", "admin.property.Set", "admin.property.Help", "admin.property.Reset",
	"admin.pool.List", "admin.pool.ListDrivers", "admin.pool.Info", "admin.pool.Add",
	"admin.pool.Remove", "admin.backup.Execute", "admin.backup.Info", NULL};

struct sweep {
	struct tcase *c;
	size_t n, cap;
	char **strs;
	size_t nstrs, scap;
};

static const char *keep(struct sweep *s, char *str)
{
	assert_non_null(str);
	if (s->nstrs == s->scap) {
		s->scap = s->scap ? 2 * s->scap : 256;
		s->strs = realloc(s->strs, s->scap * sizeof *s->strs);
		assert_non_null(s->strs);
	}
	s->strs[s->nstrs++] = str;
	return str;
}

static void add(struct sweep *s, const char *tag, const char *method, const char *arg,
		const char *dest, const char *payload)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->c = realloc(s->c, s->cap * sizeof *s->c);
		assert_non_null(s->c);
	}
	char *name = NULL, *call = NULL;
	if (asprintf(&name, "99x_%s %s%s%s%s", tag, method, arg ? "+" : "", arg ? arg : "",
		     payload ? " +payload" : "") < 0 ||
	    asprintf(&call, "%s%s%s", method, arg ? "+" : "", arg ? arg : "") < 0)
		fail();
	s->c[s->n++] = (struct tcase){
		.name = keep(s, name), .call = keep(s, call), .dest = dest, .payload = payload,
		.exc = "ProtocolError", .post = post_still_there};
}

static const char *vm_or_dom0(const struct method *m)
{
	return m->dest == M_DEST_DOM0 ? "dom0" : "test-vm1";
}

static void build_sweeps(struct sweep *s)
{
	size_t n;
	const struct method *t = method_table(&n);
	for (size_t i = 0; i < n; i++) {
		const struct method *m = &t[i];
		if (m->socket != M_ADMIN)
			continue;
		const char *d = vm_or_dom0(m);
		/* 990/992: unexpected payload, with or without an argument */
		if (m->payload == M_NO) {
			add(s, "990_unexpected_payload", m->name, NULL, d, "unexpected-payload");
			add(s, "990_unexpected_payload", m->name, "some-arg", d,
			    "unexpected-payload");
		}
		/* 991/993: unexpected argument, with or without a payload */
		if (m->arg == M_NO) {
			add(s, "991_unexpected_argument", m->name, "some-arg", d, NULL);
			add(s, "991_unexpected_argument", m->name, "unexpected-arg", d,
			    "some-payload");
		}
		/* a required argument or payload missing */
		if (m->arg == M_REQ)
			add(s, "996_expected_argument", m->name, NULL, d,
			    m->payload == M_REQ ? "name=x label=red" : NULL);
		if (m->payload == M_REQ)
			add(s, "997_expected_payload", m->name, NULL, d, NULL);
		/* 994: dom0-only methods called on a qube */
		if (m->dest == M_DEST_DOM0) {
			add(s, "994_dom0_only", m->name, NULL, "test-vm1", NULL);
			add(s, "994_dom0_only", m->name, "some-arg", "test-vm1", NULL);
			add(s, "994_dom0_only", m->name, NULL, "test-vm1", "payload");
			add(s, "994_dom0_only", m->name, "some-arg", "test-vm1", "some-payload");
		}
	}
	/* upstream's own lists */
	for (size_t i = 0; up_vm_no_payload[i]; i++) {
		add(s, "990_up", up_vm_no_payload[i], NULL, "test-vm1", "unexpected-payload");
		add(s, "990_up", up_vm_no_payload[i], "some-arg", "test-vm1", "unexpected-payload");
	}
	for (size_t i = 0; up_vm_no_arg[i]; i++) {
		add(s, "991_up", up_vm_no_arg[i], "some-arg", "test-vm1", NULL);
		add(s, "991_up", up_vm_no_arg[i], "unexpected-arg", "test-vm1", "some-payload");
	}
	for (size_t i = 0; up_dom0_no_payload[i]; i++) {
		add(s, "992_up", up_dom0_no_payload[i], NULL, "dom0", "unexpected-payload");
		add(s, "992_up", up_dom0_no_payload[i], "some-arg", "dom0", "unexpected-payload");
	}
	for (size_t i = 0; up_dom0_no_arg[i]; i++) {
		add(s, "993_up", up_dom0_no_arg[i], "some-arg", "dom0", NULL);
		add(s, "993_up", up_dom0_no_arg[i], "unexpected-arg", "dom0", "some-payload");
	}
	for (size_t i = 0; up_dom0_only[i]; i++) {
		add(s, "994_up", up_dom0_only[i], NULL, "test-vm1", NULL);
		add(s, "994_up", up_dom0_only[i], "some-arg", "test-vm1", NULL);
		add(s, "994_up", up_dom0_only[i], NULL, "test-vm1", "payload");
		add(s, "994_up", up_dom0_only[i], "some-arg", "test-vm1", "some-payload");
	}
}

int main(void)
{
	struct sweep s = {0};
	log_set_quiet(1); /* refusals are logged at info level */
	build_sweeps(&s);
	size_t nt = sizeof table / sizeof table[0];
	size_t total = nt + s.n;
	struct CMUnitTest *tests = calloc(total, sizeof *tests);
	if (!tests)
		return 1;
	for (size_t i = 0; i < total; i++) {
		const struct tcase *c = i < nt ? &table[i] : &s.c[i - nt];
		tests[i] = (struct CMUnitTest){c->name, run_case, setup, teardown, (void *)c};
	}
	print_message("%zu hand-written cases, %zu sweep cases\n", nt, s.n);
	int r = _cmocka_run_group_tests("admin_api", tests, total, NULL, NULL);
	free(tests);
	for (size_t i = 0; i < s.nstrs; i++)
		free(s.strs[i]);
	free(s.strs);
	free(s.c);
	return r;
}
