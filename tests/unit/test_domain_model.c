/* test_domain_model: unit tests for domains/model (the Qubes domain model
 * as bulkheadd keeps it): class and power state names, VM names (every
 * rule of upstream's validate_name), tags, labels and feature names, the
 * default labels, prop_normalise for every property type (booleans in
 * every spelling, integers, printable strings, VM names, labels, limits),
 * and the property table: listing order, which class has which property,
 * flags (write-once, read-only, no reset), fixed defaults and the
 * computed ones (klass, icon, updateable, xid) on a bare app. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/app.h"
#include "domains/model.h"

static void class_names(void **state)
{
	(void)state;
	static const char *const n[] = {"AdminVM", "AppVM", "TemplateVM", "StandaloneVM",
					"DispVM"};
	for (int i = 0; i < VMC__N; i++) {
		assert_string_equal(vm_class_name((enum vm_class)i), n[i]);
		assert_int_equal(vm_class_parse(n[i]), i);
	}
	assert_int_equal(vm_class_parse("appvm"), -1);
	assert_int_equal(vm_class_parse("RemoteVM"), -1);
	assert_int_equal(vm_class_parse(""), -1);
	assert_int_equal(vm_class_parse("AppVM "), -1);
	assert_string_equal(vm_class_name(VMC__N), "?");
}

static void power_states(void **state)
{
	(void)state;
	static const char *const n[] = {"Halted", "Transient", "Running", "Paused", "Suspended",
					"Halting", "Dying", "Crashed", "NA"};
	for (int i = 0; i <= PS_NA; i++)
		assert_string_equal(power_state_name((enum power_state)i), n[i]);
	assert_string_equal(power_state_name((enum power_state)99), "NA");
}

static void names_valid(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"a", "work", "sys-net", "test-vm1", "A_b.c-d", "Z9", "dom0",
		"a234567890123456789012345678901", /* 31 */
		"vm-d", "dm", "a-dmx", "noneX", "defaults", "Domain-1",
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (vm_name_invalid(ok[i]))
			fail_msg("\"%s\" refused: %s", ok[i], vm_name_invalid(ok[i]));
}

static void names_invalid(void **state)
{
	(void)state;
	static const struct {
		const char *name, *why;
	} bad[] = {
		{"", "empty"},
		{"a2345678901234567890123456789012", "shorter than 32"},
		{"1stVM", "cannot start with"},
		{"--helpVM", "cannot start with"},
		{"_x", "cannot start with"},
		{".x", "cannot start with"},
		{"-x", "cannot start with"},
		{"test-###", "illegal"},
		{"a b", "illegal"},
		{"a/b", "illegal"},
		{"a+b", "illegal"},
		{"a:b", "illegal"},
		{"w\xc3\xb6rk", "illegal"},
		{"\xc3\xb6", "cannot start with"},
		{"none", "none"},
		{"default", "default"},
		{"Domain-0", "Domain-0"},
		{"sys-net-dm", "-dm"},
		{"a-dm", "-dm"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = vm_name_invalid(bad[i].name);
		if (!why)
			fail_msg("\"%s\" accepted", bad[i].name);
		if (!strstr(why, bad[i].why))
			fail_msg("\"%s\": \"%s\" should mention \"%s\"", bad[i].name, why, bad[i].why);
	}
}

static void tags_labels_features(void **state)
{
	(void)state;
	assert_true(tag_valid("tag1"));
	assert_true(tag_valid("created-by-dom0"));
	assert_true(tag_valid("a_b-C9"));
	assert_false(tag_valid(""));
	assert_false(tag_valid("+"));
	assert_false(tag_valid("+.some-tag"));
	assert_false(tag_valid("a.b")); /* no dots in tags */
	assert_false(tag_valid("a b"));
	assert_false(tag_valid("t\xc3\xa4g"));

	assert_true(label_name_valid("red"));
	assert_true(label_name_valid("my.label-1_x"));
	assert_true(label_name_valid("1"));
	assert_false(label_name_valid(""));
	assert_false(label_name_valid(" "));
	assert_false(label_name_valid("re@d"));
	assert_false(label_name_valid("r\xc3\xa9" "d"));

	assert_true(feature_name_valid("service.qubes-firewall"));
	assert_true(feature_name_valid("gui-default.secure-copy-sequence"));
	assert_true(feature_name_valid("a_B-9."));
	assert_false(feature_name_valid(""));
	assert_false(feature_name_valid(" "));
	assert_false(feature_name_valid("a/b"));
	assert_false(feature_name_valid("a+b"));
	assert_false(feature_name_valid("a=b"));
}

static void labels(void **state)
{
	(void)state;
	static const char *const names[] = {"red", "orange", "yellow", "green",
					    "gray", "blue", "purple", "black"};
	static const char *const colors[] = {"0xcc0000", "0xf57900", "0xedd400", "0x73d216",
					     "0x555555", "0x3465a4", "0x75507b", "0x000000"};
	for (int i = 0; i < 8; i++) {
		assert_int_equal(default_labels[i].index, i + 1);
		assert_string_equal(default_labels[i].name, names[i]);
		assert_string_equal(default_labels[i].color, colors[i]);
		assert_true(label_name_valid(default_labels[i].name));
	}
}

static void type_names(void **state)
{
	(void)state;
	assert_string_equal(prop_type_name(PT_STR), "str");
	assert_string_equal(prop_type_name(PT_INT), "int");
	assert_string_equal(prop_type_name(PT_BOOL), "bool");
	assert_string_equal(prop_type_name(PT_VM), "vm");
	assert_string_equal(prop_type_name(PT_LABEL), "label");
}

/* ---- prop_normalise ---- */

static void norm_ok(enum prop_type t, const char *in, size_t len, const char *want)
{
	char out[64];
	const char *bad = prop_normalise(t, in, len, out, sizeof out);
	if (bad)
		fail_msg("type %s, \"%.*s\": refused (%s)", prop_type_name(t), (int)len, in, bad);
	if (strcmp(out, want) != 0)
		fail_msg("type %s, \"%.*s\": \"%s\", expected \"%s\"", prop_type_name(t),
			 (int)len, in, out, want);
}

static void norm_bad(enum prop_type t, const char *in, size_t len, const char *why)
{
	char out[64];
	const char *bad = prop_normalise(t, in, len, out, sizeof out);
	if (!bad)
		fail_msg("type %s, \"%.*s\": accepted as \"%s\"", prop_type_name(t), (int)len, in,
			 out);
	if (why && !strstr(bad, why))
		fail_msg("type %s: \"%s\" should mention \"%s\"", prop_type_name(t), bad, why);
}

#define OK(t, s, w) norm_ok(t, s, sizeof s - 1, w)
#define BAD(t, s, why) norm_bad(t, s, sizeof s - 1, why)

static void normalise_bool(void **state)
{
	(void)state;
	static const char *const yes[] = {"1", "yes", "true", "on", "YES", "True", "tRuE", "On"};
	static const char *const no[] = {"0", "no", "false", "off", "NO", "False", "FALSE", "oFf"};
	for (size_t i = 0; i < 8; i++) {
		norm_ok(PT_BOOL, yes[i], strlen(yes[i]), "True");
		norm_ok(PT_BOOL, no[i], strlen(no[i]), "False");
	}
	BAD(PT_BOOL, "", "boolean");
	BAD(PT_BOOL, "some string", "boolean");
	BAD(PT_BOOL, "2", "boolean");
	BAD(PT_BOOL, "truee", "boolean");
	BAD(PT_BOOL, " true", "boolean");
	BAD(PT_BOOL, "y", "boolean");
	BAD(PT_BOOL, "\x80\x90@#$%^&*(", "ASCII");
}

static void normalise_int(void **state)
{
	(void)state;
	OK(PT_INT, "0", "0");
	OK(PT_INT, "2", "2");
	OK(PT_INT, "1024000", "1024000");
	OK(PT_INT, "-1", "-1");
	OK(PT_INT, "+5", "5");
	OK(PT_INT, "007", "7");
	OK(PT_INT, "999999999999", "999999999999");
	BAD(PT_INT, "", "integer");
	BAD(PT_INT, "fourty two", "integer");
	BAD(PT_INT, "0x10", "integer");
	BAD(PT_INT, "1.5", "integer");
	BAD(PT_INT, "12a", "integer");
	BAD(PT_INT, "5 ", "integer");
	BAD(PT_INT, "-", "integer");
	BAD(PT_INT, "9999999999999", "integer");
	BAD(PT_INT, "99999999999999999999999", "integer");
	BAD(PT_INT, "some, non-ASCII: \x80\xd2", "ASCII");
}

static void normalise_str(void **state)
{
	(void)state;
	OK(PT_STR, "", "");
	OK(PT_STR, "1.0", "1.0");
	OK(PT_STR, "with space", "with space");
	OK(PT_STR, "tab\tand\nnewline", "tab\tand\nnewline");
	OK(PT_STR, "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./", "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./");
	BAD(PT_STR, "some, non-ASCII: \x80\xd2", "ASCII");
	BAD(PT_STR, "a\0b", "ASCII");
	BAD(PT_STR, "bell\a", "printable");
	BAD(PT_STR, "esc\x1b[0m", "printable");
	BAD(PT_STR, "del\x7f", "printable");
	/* length: the output buffer bounds it */
	char big[64];
	memset(big, 'a', sizeof big);
	norm_bad(PT_STR, big, sizeof big, "too long");
	norm_bad(PT_STR, big, 63 + 1, "too long");
	char out[64];
	assert_null(prop_normalise(PT_STR, big, 63, out, sizeof out));
	assert_int_equal(strlen(out), 63);
}

static void normalise_vm_and_label(void **state)
{
	(void)state;
	OK(PT_VM, "", "");
	OK(PT_VM, "test-net", "test-net");
	OK(PT_VM, "dom0", "dom0");
	BAD(PT_VM, "forbidden-chars/../!", "illegal");
	BAD(PT_VM, "1stVM", "cannot start");
	BAD(PT_VM, "none", "none");
	BAD(PT_VM, "\x80\x90\xa0", "ASCII");
	BAD(PT_VM, "a23456789012345678901234567890123", "shorter");
	/* labels: any printable text here; existence is app.c's check */
	OK(PT_LABEL, "green", "green");
	OK(PT_LABEL, "3", "3");
	OK(PT_LABEL, "label-4", "label-4");
	BAD(PT_LABEL, "some, non-ASCII: \x80\xd2", "ASCII");
}

/* ---- the property table ---- */

static void table_order(void **state)
{
	(void)state;
	size_t n[2];
	const struct prop_def *t[2] = {vm_props(&n[0]), global_props(&n[1])};
	for (int k = 0; k < 2; k++) {
		assert_true(n[k] > 5);
		for (size_t i = 0; i < n[k]; i++) {
			assert_non_null(t[k][i].name);
			assert_non_null(t[k][i].help);
			assert_true(t[k][i].help[0] != '\0');
			if (k == 0)
				assert_int_not_equal(t[k][i].classes, 0);
			else
				assert_int_equal(t[k][i].classes, 0);
			if (t[k][i].type == PT_VM)
				assert_true(t[k][i].flags & PF_LATE);
			if (i == 0)
				continue;
			const struct prop_def *a = &t[k][i - 1], *b = &t[k][i];
			bool al = a->flags & PF_LATE, bl = b->flags & PF_LATE;
			/* plain ones by name, then the late ones by name */
			if (al == bl && strcmp(a->name, b->name) >= 0)
				fail_msg("%s before %s", a->name, b->name);
			if (al && !bl)
				fail_msg("late %s before plain %s", a->name, b->name);
		}
	}
}

static unsigned classes_of(const char *name)
{
	unsigned m = 0;
	for (int c = 0; c < VMC__N; c++)
		if (prop_find(c, name))
			m |= 1u << c;
	return m;
}

#define CL(c) (1u << (c))

static void table_classes(void **state)
{
	(void)state;
	unsigned all = (1u << VMC__N) - 1, qubes = all & ~CL(VMC_ADMIN);
	assert_int_equal(classes_of("name"), all);
	assert_int_equal(classes_of("qid"), all);
	assert_int_equal(classes_of("uuid"), all);
	assert_int_equal(classes_of("label"), all);
	assert_int_equal(classes_of("klass"), all);
	assert_int_equal(classes_of("icon"), all);
	assert_int_equal(classes_of("default_dispvm"), all);
	assert_int_equal(classes_of("include_in_backups"), all);
	assert_int_equal(classes_of("updateable"), all);
	assert_int_equal(classes_of("keyboard_layout"), all);
	assert_int_equal(classes_of("netvm"), qubes);
	assert_int_equal(classes_of("vcpus"), qubes);
	assert_int_equal(classes_of("memory"), qubes);
	assert_int_equal(classes_of("guivm"), qubes);
	assert_int_equal(classes_of("audiovm"), qubes);
	assert_int_equal(classes_of("installed_by_rpm"), qubes);
	assert_int_equal(classes_of("template"), CL(VMC_APP) | CL(VMC_DISP));
	assert_int_equal(classes_of("template_for_dispvms"), CL(VMC_APP) | CL(VMC_STANDALONE));
	/* every QubesVM has the network mixin upstream, DispVMs too (qvm-ls
	 * --tree reads it from every qube) */
	assert_int_equal(classes_of("provides_network"), qubes);
	assert_int_equal(classes_of("auto_cleanup"), CL(VMC_DISP));
	assert_int_equal(classes_of("dispid"), CL(VMC_DISP));
	assert_int_equal(classes_of("no-such-property"), 0);
	assert_int_equal(classes_of("default_netvm"), 0); /* global only */
	/* global properties, and none of the VM ones */
	static const char *const g[] = {"default_template", "default_netvm", "default_dispvm",
					"management_dispvm", "default_guivm", "default_audiovm",
					"updatevm", "clockvm", "default_kernel", "default_pool",
					"default_qrexec_timeout", "default_shutdown_timeout",
					"stats_interval", "check_updates_vm", "maxmem", "no_cpus"};
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
		if (!prop_find(-1, g[i]))
			fail_msg("global %s missing", g[i]);
	assert_null(prop_find(-1, "netvm"));
	assert_null(prop_find(-1, "name"));
	assert_null(prop_find(-1, ""));
}

static void table_flags(void **state)
{
	(void)state;
	static const char *const once[] = {"name", "qid", "uuid"};
	for (size_t i = 0; i < 3; i++) {
		const struct prop_def *p = prop_find(VMC_APP, once[i]);
		assert_true(p->flags & PF_WRITE_ONCE);
		assert_true(p->flags & PF_NO_RESET);
	}
	assert_true(prop_find(VMC_DISP, "dispid")->flags & PF_WRITE_ONCE);
	static const char *const ro[] = {"klass", "icon", "updateable", "xid", "ip",
					 "start_time"};
	for (size_t i = 0; i < sizeof ro / sizeof ro[0]; i++)
		if (!(prop_find(VMC_APP, ro[i])->flags & PF_READONLY))
			fail_msg("%s should be read-only", ro[i]);
	assert_true(prop_find(-1, "maxmem")->flags & PF_READONLY);
	assert_true(prop_find(-1, "no_cpus")->flags & PF_READONLY);
	assert_true(prop_find(VMC_APP, "label")->flags & PF_NO_RESET);
	assert_true(prop_find(VMC_APP, "template")->flags & PF_NO_RESET);
	assert_false(prop_find(VMC_APP, "template")->flags & PF_NULLABLE);
	assert_true(prop_find(VMC_APP, "netvm")->flags & PF_NULLABLE);
	assert_true(prop_find(VMC_APP, "guivm")->flags & PF_NULLABLE);
	assert_false(prop_find(VMC_APP, "vcpus")->flags &
		     (PF_READONLY | PF_WRITE_ONCE | PF_NO_RESET));
	/* types */
	assert_int_equal(prop_find(VMC_APP, "vcpus")->type, PT_INT);
	assert_int_equal(prop_find(VMC_APP, "xid")->type, PT_INT);
	assert_int_equal(prop_find(VMC_APP, "provides_network")->type, PT_BOOL);
	assert_int_equal(prop_find(VMC_APP, "label")->type, PT_LABEL);
	assert_int_equal(prop_find(VMC_APP, "netvm")->type, PT_VM);
	assert_int_equal(prop_find(VMC_APP, "template")->type, PT_VM);
	assert_int_equal(prop_find(VMC_APP, "name")->type, PT_STR);
	assert_int_equal(prop_find(-1, "default_template")->type, PT_VM);
	assert_int_equal(prop_find(-1, "stats_interval")->type, PT_INT);
}

static void table_fixed_defaults(void **state)
{
	(void)state;
	static const struct {
		int cls;
		const char *name, *fixed;
	} t[] = {
		{VMC_APP, "vcpus", "2"},
		{VMC_APP, "memory", "400"},
		{VMC_APP, "default_user", "user"},
		{VMC_APP, "virt_mode", "pvh"},
		{VMC_APP, "autostart", "False"},
		{VMC_APP, "debug", "False"},
		{VMC_APP, "include_in_backups", "True"},
		{VMC_APP, "installed_by_rpm", "False"},
		{VMC_APP, "provides_network", "False"},
		{VMC_APP, "mac", "00:16:3e:5e:6c:00"},
		{VMC_APP, "qrexec_timeout", "@global:default_qrexec_timeout"},
		{VMC_APP, "shutdown_timeout", "@global:default_shutdown_timeout"},
		{VMC_APP, "kernel", "@global:default_kernel"},
		{VMC_APP, "guivm", "@global:default_guivm"},
		{VMC_APP, "audiovm", "@global:default_audiovm"},
		{-1, "default_qrexec_timeout", "60"},
		{-1, "default_shutdown_timeout", "60"},
		{-1, "stats_interval", "3"},
		{-1, "check_updates_vm", "True"},
		{-1, "default_guivm", "dom0"},
		{-1, "default_audiovm", "dom0"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const struct prop_def *p = prop_find(t[i].cls, t[i].name);
		assert_non_null(p);
		if (!p->fixed || strcmp(p->fixed, t[i].fixed) != 0)
			fail_msg("%s: default \"%s\", expected \"%s\"", t[i].name,
				 p->fixed ? p->fixed : "(none)", t[i].fixed);
	}
	/* no default at all */
	assert_null(prop_find(VMC_APP, "label")->fixed);
	assert_null(prop_find(VMC_APP, "label")->dflt);
	assert_null(prop_find(VMC_APP, "template")->fixed);
	assert_null(prop_find(VMC_APP, "template")->dflt);
	assert_null(prop_find(-1, "default_template")->fixed);
}

/* Computed defaults, on an app without registry. */
static void computed_defaults(void **state)
{
	(void)state;
	struct app a;
	struct admin_err err;
	assert_int_equal(app_init(&a, NULL, &err), 0);
	struct domain *dom0 = app_find(&a, "dom0");
	char v[128];
	bool dflt;
	assert_int_equal(app_prop_get(&a, dom0, "klass", v, sizeof v, &dflt, NULL, &err), 0);
	assert_string_equal(v, "AdminVM");
	assert_true(dflt);
	assert_string_equal(app_prop_str(&a, dom0, "icon", v, sizeof v), "adminvm-black");
	assert_string_equal(app_prop_str(&a, dom0, "updateable", v, sizeof v), "True");
	assert_string_equal(app_prop_str(&a, dom0, "xid", v, sizeof v), "0");
	struct domain *t = app_create(&a, VMC_TEMPLATE, "tpl", "black", NULL, "dom0", &err);
	assert_non_null(t);
	assert_string_equal(app_prop_str(&a, t, "klass", v, sizeof v), "TemplateVM");
	assert_string_equal(app_prop_str(&a, t, "icon", v, sizeof v), "templatevm-black");
	assert_string_equal(app_prop_str(&a, t, "updateable", v, sizeof v), "True");
	assert_string_equal(app_prop_str(&a, t, "xid", v, sizeof v), "-1");
	assert_string_equal(app_prop_str(&a, t, "start_time", v, sizeof v), "");
	assert_int_equal(app_prop_set(&a, NULL, "default_template", "tpl", 3, &err), 0);
	struct domain *w = app_create(&a, VMC_APP, "work", "blue", NULL, "dom0", &err);
	assert_non_null(w);
	assert_string_equal(app_prop_str(&a, w, "icon", v, sizeof v), "appvm-blue");
	assert_string_equal(app_prop_str(&a, w, "updateable", v, sizeof v), "False");
	assert_string_equal(app_prop_str(&a, w, "template", v, sizeof v), "tpl");
	/* no netvm: no ip */
	assert_string_equal(app_prop_str(&a, w, "ip", v, sizeof v), "");
	/* the global host facts are positive numbers */
	long cpus = atol(app_prop_str(&a, NULL, "no_cpus", v, sizeof v));
	assert_true(cpus >= 1);
	assert_true(atol(app_prop_str(&a, NULL, "maxmem", v, sizeof v)) > 0);
	app_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(class_names),
		cmocka_unit_test(power_states),
		cmocka_unit_test(names_valid),
		cmocka_unit_test(names_invalid),
		cmocka_unit_test(tags_labels_features),
		cmocka_unit_test(labels),
		cmocka_unit_test(type_names),
		cmocka_unit_test(normalise_bool),
		cmocka_unit_test(normalise_int),
		cmocka_unit_test(normalise_str),
		cmocka_unit_test(normalise_vm_and_label),
		cmocka_unit_test(table_order),
		cmocka_unit_test(table_classes),
		cmocka_unit_test(table_flags),
		cmocka_unit_test(table_fixed_defaults),
		cmocka_unit_test(computed_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
