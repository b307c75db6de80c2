/* fuzz_admin_call: libFuzzer target for a sequence of Admin API requests
 * dispatched in process by dispatch_request() (domains/dispatch.c, what
 * bulkheadd runs) against a fresh in-memory app (no registry): dom0, the
 * TemplateVM test-template and the AppVM test-vm1. The input is a list of
 * requests, each a 2-byte little-endian length (its top bit: sent to the
 * internal socket) and that many bytes (a header, NUL, payload). A fake lifecycle backend changes power states so
 * that state-dependent paths run. After every request: the reply is one
 * well-formed frame; a refused request changed nothing (the app's whole
 * state, serialised, is the same); and the app is consistent: qubes
 * sorted and unique by name, qid and uuid, dom0 at qid 0, valid names,
 * tags, feature names, only properties the class has, explicit VM-valued
 * properties naming existing qubes, templates of the right class, no
 * netvm loop, system info that parses. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/dispatch.h"
#include "lib/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

/* ---- a fake lifecycle backend ---- */

int lifecycle_start(struct lifecycle *lc, struct domain *d, int conn, struct admin_err *err)
{
	(void)lc;
	(void)conn;
	if (d->state != PS_HALTED)
		return 0;
	d->state = PS_RUNNING;
	(void)err;
	return 0;
}

int lifecycle_shutdown(struct lifecycle *lc, struct domain *d, bool force, bool wait, int conn,
		       struct admin_err *err)
{
	(void)lc;
	(void)force;
	(void)conn;
	if (d->state == PS_HALTED) {
		admin_err_set(err, "QubesVMNotStartedError", "Domain is powered off: '%s'", d->name);
		return -1;
	}
	d->state = PS_HALTED;
	return wait ? 1 : 0;
}

int lifecycle_kill(struct lifecycle *lc, struct domain *d, struct admin_err *err)
{
	(void)lc;
	if (d->state == PS_HALTED) {
		admin_err_set(err, "QubesVMNotStartedError", "Domain is powered off: '%s'", d->name);
		return -1;
	}
	d->state = PS_HALTED;
	return 0;
}

int lifecycle_pause(struct lifecycle *lc, struct domain *d, bool pause, struct admin_err *err)
{
	(void)lc;
	if (pause ? d->state != PS_RUNNING : d->state != PS_PAUSED) {
		admin_err_set(err, "QubesVMNotRunningError", "Domain is not running: '%s'",
			      d->name);
		return -1;
	}
	d->state = pause ? PS_PAUSED : PS_RUNNING;
	return 0;
}

/* ---- the app's state as one string ---- */

static void put(struct wbuf *w, const char *s)
{
	CHECK(wbuf_put_bytes(w, s, strlen(s) + 1) == BUF_OK);
}

static void snapshot(const struct app *a, struct wbuf *w)
{
	wbuf_reset(w);
	char num[32];
	for (size_t i = 0; i < a->ndoms; i++) {
		const struct domain *d = a->doms[i];
		snprintf(num, sizeof num, "%u/%d/%d", d->qid, (int)d->cls, (int)d->state);
		put(w, d->name);
		put(w, d->uuid);
		put(w, num);
		for (size_t k = 0; k < d->nprops; k++) {
			put(w, d->props[k].key);
			put(w, d->props[k].value);
		}
		put(w, "|tags");
		for (size_t k = 0; k < d->ntags; k++)
			put(w, d->tags[k]);
		put(w, "|features");
		for (size_t k = 0; k < d->nfeatures; k++) {
			put(w, d->features[k].key);
			put(w, d->features[k].value);
		}
	}
	put(w, "|global");
	for (size_t k = 0; k < a->ngprops; k++) {
		put(w, a->gprops[k].key);
		put(w, a->gprops[k].value);
	}
}

/* ---- consistency ---- */

static void check_app(struct app *a)
{
	CHECK(a->ndoms >= 1);
	const struct domain *dom0 = app_find(a, "dom0");
	CHECK(dom0 && dom0->qid == 0 && dom0->cls == VMC_ADMIN && dom0->state == PS_RUNNING);
	for (size_t i = 0; i < a->ndoms; i++) {
		const struct domain *d = a->doms[i];
		CHECK(!vm_name_invalid(d->name));
		CHECK(strlen(d->uuid) == 36);
		CHECK(d->cls < VMC__N);
		CHECK((d->cls == VMC_ADMIN) == (d->qid == 0));
		if (i)
			CHECK(strcmp(a->doms[i - 1]->name, d->name) < 0);
		for (size_t j = i + 1; j < a->ndoms; j++) {
			CHECK(a->doms[j]->qid != d->qid);
			CHECK(strcmp(a->doms[j]->uuid, d->uuid) != 0);
		}
		char key[48];
		snprintf(key, sizeof key, "uuid:%s", d->uuid);
		CHECK(app_find(a, key) == d);
		CHECK(app_find_qid(a, d->qid) == d);
		for (size_t k = 0; k < d->ntags; k++) {
			CHECK(tag_valid(d->tags[k]));
			if (k)
				CHECK(strcmp(d->tags[k - 1], d->tags[k]) < 0);
		}
		for (size_t k = 0; k < d->nfeatures; k++) {
			CHECK(feature_name_valid(d->features[k].key));
			if (k)
				CHECK(strcmp(d->features[k - 1].key, d->features[k].key) < 0);
			for (const char *v = d->features[k].value; *v; v++)
				CHECK(*v >= 0x20 && *v <= 0x7e);
		}
		for (size_t k = 0; k < d->nprops; k++) {
			const struct prop_def *p = prop_find((int)d->cls, d->props[k].key);
			CHECK(p);
			CHECK(!(p->flags & PF_READONLY));
			if (k)
				CHECK(strcmp(d->props[k - 1].key, d->props[k].key) < 0);
			if (p->type == PT_VM && d->props[k].value[0])
				CHECK(app_find(a, d->props[k].value));
			if (p->type == PT_LABEL)
				CHECK(app_label(a, d->props[k].value));
		}
		/* the label and, for App/DispVMs, the template are always there */
		char v[64];
		CHECK(app_label(a, app_prop_str(a, d, "label", v, sizeof v)));
		if (d->cls == VMC_APP || d->cls == VMC_DISP) {
			struct domain *t = app_prop_vm(a, d, "template");
			CHECK(t);
			if (d->cls == VMC_APP)
				CHECK(t->cls == VMC_TEMPLATE);
		}
		/* the netvm chain ends */
		if (prop_find((int)d->cls, "netvm")) {
			const struct domain *w = d;
			int hops = 0;
			while (w && prop_find((int)w->cls, "netvm") && hops <= (int)a->ndoms) {
				w = app_prop_vm(a, w, "netvm");
				hops++;
			}
			CHECK(hops <= (int)a->ndoms);
		}
	}
	for (size_t k = 0; k < a->ngprops; k++) {
		const struct prop_def *p = prop_find(-1, a->gprops[k].key);
		CHECK(p && !(p->flags & PF_READONLY));
		if (p->type == PT_VM && a->gprops[k].value[0])
			CHECK(app_find(a, a->gprops[k].value));
	}
	char *js = app_system_info_json(a);
	CHECK(js);
	struct sysinfo *si = NULL;
	char err[256];
	CHECK(sysinfo_parse(js, strlen(js), &si, err, sizeof err) == 0);
	CHECK(si->n == a->ndoms);
	sysinfo_free(si);
	free(js);
}

/* The reply is one frame of the kind the result says. */
static void check_reply(const struct wbuf *out, const struct dispatch_result *res)
{
	CHECK(out->len >= 2 && out->p[1] == 0);
	if (res->streaming) {
		static const char ce[] = "1\0\0connection-established\0\0";
		CHECK(out->len == sizeof ce - 1 && memcmp(out->p, ce, sizeof ce - 1) == 0);
	} else if (out->p[0] == '0') {
		/* content is text: no NUL inside */
		CHECK(!memchr(out->p + 2, 0, out->len - 2));
	} else {
		CHECK(out->p[0] == '2');
		/* TYPE \0 (empty traceback) \0 MESSAGE \0, nothing after */
		const uint8_t *t = out->p + 2, *end = out->p + out->len;
		const uint8_t *z1 = memchr(t, 0, (size_t)(end - t));
		CHECK(z1 && z1 > t && z1 + 1 < end && z1[1] == 0);
		const uint8_t *z3 = memchr(z1 + 2, 0, (size_t)(end - (z1 + 2)));
		CHECK(z3 && z3 + 1 == end);
		for (const uint8_t *q = t; q < z1; q++)
			CHECK((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'));
	}
}

static struct domain *mk(struct app *a, enum vm_class c, const char *name, const char *label)
{
	struct admin_err err = {0};
	struct domain *d = app_create(a, c, name, label, NULL, "dom0", &err);
	CHECK(d);
	return d;
}

/* struct server is over a megabyte (the policy cache's watch table);
 * allocating it per input costs more than the input, so the fuzzer keeps
 * one and clears every part dispatch uses before each input. */
static struct server *srv;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_quiet(1); /* refusals are logged; keep the fuzzer's output readable */
	srv = calloc(1, sizeof *srv);
	return srv ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server *s = srv;
	memset(s, 0, offsetof(struct server, pc));
	s->have_policy = false;
	s->si = NULL;
	memset(&s->lc, 0, sizeof s->lc);
	struct admin_err err = {0};
	CHECK(app_init(&s->app, NULL, &err) == 0);
	s->si_dirty = true;
	s->lc.srv = s;
	mk(&s->app, VMC_TEMPLATE, "test-template", "black");
	CHECK(app_prop_set(&s->app, NULL, "default_template", "test-template", 13, &err) == 0);
	mk(&s->app, VMC_APP, "test-vm1", "red");
	struct wbuf out, before, after;
	wbuf_init(&out, 1u << 24);
	wbuf_init(&before, 1u << 24);
	wbuf_init(&after, 1u << 24);
	size_t off = 0;
	for (int n = 0; n < 32 && off + 2 <= size; n++) {
		/* the top bit of the length picks the internal socket */
		size_t len = (size_t)data[off] | (size_t)(data[off + 1] & 0x7f) << 8;
		enum m_socket sock = data[off + 1] & 0x80 ? M_INTERNAL : M_ADMIN;
		off += 2;
		if (len > size - off)
			len = size - off;
		uint8_t *rq = malloc(len ? len : 1);
		CHECK(rq);
		if (len)
			memcpy(rq, data + off, len);
		off += len;
		snapshot(&s->app, &before);
		struct dispatch_result res;
		wbuf_reset(&out);
		dispatch_request(s, sock, 3, rq, len, &out, &res);
		free(rq);
		if (res.deferred) {
			/* Shutdown+wait: answered later by the server */
			CHECK(out.len == 0);
		} else {
			check_reply(&out, &res);
			if (out.p[0] == '2') {
				snapshot(&s->app, &after);
				CHECK(before.len == after.len &&
				      memcmp(before.p, after.p, before.len) == 0);
			}
		}
		check_app(&s->app);
	}
	wbuf_free(&out);
	wbuf_free(&before);
	wbuf_free(&after);
	sysinfo_free(s->si);
	s->si = NULL;
	app_free(&s->app);
	return 0;
}
