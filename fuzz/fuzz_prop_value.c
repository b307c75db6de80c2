/* fuzz_prop_value: libFuzzer target for property values: the input is a
 * value, given to prop_normalise for every type and to app_prop_set for
 * every property of every class (and every global property) on a fresh
 * in-memory app (dom0, a TemplateVM, an AppVM, a StandaloneVM, a DispVM).
 * prop_normalise must give the canonical form of its type (True/False, a
 * decimal integer that reads back the same, the string itself, a valid
 * VM name or empty); a successful set must read back as that value (a
 * label as its name), explicitly; a refused set must leave the value and
 * its default flag unchanged. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static void check_normalised(enum prop_type t, const char *in, size_t len, const char *out)
{
	switch (t) {
	case PT_BOOL:
		CHECK(strcmp(out, "True") == 0 || strcmp(out, "False") == 0);
		break;
	case PT_INT: {
		char *end;
		long long v = strtoll(out, &end, 10);
		CHECK(*out && !*end);
		char again[32];
		snprintf(again, sizeof again, "%lld", v);
		CHECK(strcmp(again, out) == 0);
		break;
	}
	case PT_VM:
		CHECK(!*out || !vm_name_invalid(out));
		/* fallthrough: the text itself */
	case PT_STR:
	case PT_LABEL:
		CHECK(strlen(out) == len && memcmp(out, in, len) == 0);
		break;
	}
}

static void one_property(struct app *a, struct domain *d, const struct prop_def *p,
			 const char *val, size_t len)
{
	char before[1100], after[1100];
	bool d0, d1;
	struct admin_err err = {0};
	CHECK(app_prop_get(a, d, p->name, before, sizeof before, &d0, NULL, &err) == 0);
	int r = app_prop_set(a, d, p->name, val, len, &err);
	CHECK(app_prop_get(a, d, p->name, after, sizeof after, &d1, NULL, &err) == 0);
	if (r < 0) {
		CHECK(err.type && err.type[0]);
		CHECK(strcmp(before, after) == 0 && d0 == d1);
		return;
	}
	CHECK(r == 0);
	CHECK(!(p->flags & (PF_READONLY | PF_WRITE_ONCE)));
	CHECK(!d1);
	char norm[1100];
	CHECK(prop_normalise(p->type, val, len, norm, sizeof norm) == NULL);
	if (p->type == PT_LABEL) {
		const struct label *l = app_label(a, norm);
		CHECK(l && strcmp(l->name, after) == 0);
	} else {
		CHECK(strcmp(norm, after) == 0);
	}
	if (p->type == PT_VM && after[0])
		CHECK(app_find(a, after));
	/* and back, when there is a default to go back to */
	if (!(p->flags & PF_NO_RESET)) {
		CHECK(app_prop_reset(a, d, p->name, &err) == 0);
		CHECK(app_prop_get(a, d, p->name, after, sizeof after, &d1, NULL, &err) == 0);
		CHECK(d1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 2048)
		return 0;
	const char *val = (const char *)data;

	/* prop_normalise, every type, two output sizes */
	static const enum prop_type types[] = {PT_STR, PT_INT, PT_BOOL, PT_VM, PT_LABEL};
	for (size_t i = 0; i < 5; i++) {
		char out[1024], small[8];
		const char *bad = prop_normalise(types[i], val, size, out, sizeof out);
		if (!bad)
			check_normalised(types[i], val, size, out);
		else
			CHECK(bad[0]);
		bad = prop_normalise(types[i], val, size, small, sizeof small);
		if (!bad)
			CHECK(strlen(small) < sizeof small);
	}

	struct app a;
	struct admin_err err = {0};
	CHECK(app_init(&a, NULL, &err) == 0);
	struct domain *tpl = app_create(&a, VMC_TEMPLATE, "tpl", "black", NULL, "dom0", &err);
	CHECK(tpl);
	CHECK(app_prop_set(&a, NULL, "default_template", "tpl", 3, &err) == 0);
	struct domain *net = app_create(&a, VMC_APP, "net", "red", NULL, "dom0", &err);
	CHECK(net);
	CHECK(app_prop_set(&a, net, "provides_network", "1", 1, &err) == 0);
	CHECK(app_prop_set(&a, net, "template_for_dispvms", "1", 1, &err) == 0);
	struct domain *sa = app_create(&a, VMC_STANDALONE, "sa", "blue", NULL, "dom0", &err);
	struct domain *dv = app_create(&a, VMC_DISP, "disp1", "red", "net", "dom0", &err);
	CHECK(sa && dv);
	struct domain *doms[] = {app_find(&a, "dom0"), tpl, net, sa, dv};
	size_t n;
	const struct prop_def *vp = vm_props(&n);
	for (size_t k = 0; k < 5; k++)
		for (size_t i = 0; i < n; i++)
			if (vp[i].classes & (1u << doms[k]->cls))
				one_property(&a, doms[k], &vp[i], val, size);
	const struct prop_def *gp = global_props(&n);
	for (size_t i = 0; i < n; i++)
		one_property(&a, NULL, &gp[i], val, size);
	app_free(&a);
	return 0;
}
