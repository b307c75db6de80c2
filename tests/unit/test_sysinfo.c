/* test_sysinfo: unit tests for policy/sysinfo (internal.GetSystemInfo
 * JSON): a valid system info with every field, lookups by name and by
 * uuid:UUID, the Python truthiness of `internal`, defaults for missing
 * fields, fields of the wrong type (errors naming the domain and the
 * field), garbage, and reading from a file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/sysinfo.h"

static const char valid[] =
	"{\"domains\": {"
	"\"dom0\": {\"tags\": [\"dom0-tag\"], \"type\": \"AdminVM\", \"default_dispvm\": \"dvm\","
	" \"template_for_dispvms\": false, \"power_state\": \"Running\","
	" \"uuid\": \"00000000-0000-0000-0000-000000000000\", \"icon\": \"adminvm-black\","
	" \"label\": \"0x000000\", \"guivm\": null, \"relayvm\": null, \"transport_rpc\": null,"
	" \"internal\": null},"
	"\"work\": {\"tags\": [\"a\", \"b\"], \"type\": \"AppVM\", \"default_dispvm\": null,"
	" \"template_for_dispvms\": false, \"power_state\": \"Halted\","
	" \"uuid\": \"c9024a97-9b15-46cc-8341-38d75d5d421b\", \"icon\": \"appvm-blue\","
	" \"label\": \"0x3384d6\", \"guivm\": \"dom0\", \"unknown\": [1, {\"x\": 2}]},"
	"\"dvm\": {\"tags\": [], \"type\": \"AppVM\", \"template_for_dispvms\": true,"
	" \"uuid\": \"f3e538bd-4427-4697-bed7-45ef3270df21\", \"internal\": true},"
	"\"remote\": {\"type\": \"RemoteVM\", \"relayvm\": \"work\","
	" \"transport_rpc\": \"qubesair.SSHProxy\"}"
	"}}";

static struct sysinfo *parse_ok(const char *json)
{
	struct sysinfo *si = NULL;
	char err[512];
	if (sysinfo_parse(json, strlen(json), &si, err, sizeof err) < 0)
		fail_msg("%s", err);
	return si;
}

static void parse_bad(const char *json, const char *msg)
{
	struct sysinfo *si = (struct sysinfo *)1;
	char err[512] = "";
	assert_int_equal(sysinfo_parse(json, strlen(json), &si, err, sizeof err), -1);
	assert_null(si);
	if (msg && strcmp(err, msg) != 0)
		fail_msg("\"%s\": got \"%s\", expected \"%s\"", json, err, msg);
}

static void valid_fields(void **state)
{
	(void)state;
	struct sysinfo *si = parse_ok(valid);
	assert_int_equal(si->n, 4);
	/* in the order of the JSON object */
	assert_string_equal(si->doms[0].name, "dom0");
	assert_string_equal(si->doms[3].name, "remote");
	const struct si_domain *d = sysinfo_get(si, "dom0");
	assert_ptr_equal(d, &si->doms[0]);
	assert_string_equal(d->type, "AdminVM");
	assert_string_equal(d->uuid, "00000000-0000-0000-0000-000000000000");
	assert_string_equal(d->default_dispvm, "dvm");
	assert_string_equal(d->power_state, "Running");
	assert_string_equal(d->icon, "adminvm-black");
	assert_string_equal(d->label, "0x000000");
	assert_null(d->guivm);
	assert_null(d->relayvm);
	assert_null(d->transport_rpc);
	assert_false(d->internal);
	assert_false(d->template_for_dispvms);
	assert_int_equal(d->ntags, 1);
	assert_true(si_has_tag(d, "dom0-tag"));
	assert_false(si_has_tag(d, "dom0"));
	d = sysinfo_get(si, "work");
	assert_null(d->default_dispvm);
	assert_string_equal(d->guivm, "dom0");
	assert_int_equal(d->ntags, 2);
	assert_true(si_has_tag(d, "a"));
	assert_true(si_has_tag(d, "b"));
	assert_false(si_has_tag(d, "c"));
	d = sysinfo_get(si, "dvm");
	assert_true(d->template_for_dispvms);
	assert_true(d->internal);
	assert_int_equal(d->ntags, 0);
	/* missing fields: empty type and power state, NULL strings, false */
	assert_string_equal(d->power_state, "");
	assert_null(d->icon);
	d = sysinfo_get(si, "remote");
	assert_string_equal(d->type, "RemoteVM");
	assert_string_equal(d->relayvm, "work");
	assert_string_equal(d->transport_rpc, "qubesair.SSHProxy");
	assert_null(d->uuid);
	assert_int_equal(d->ntags, 0);
	assert_string_equal(d->power_state, "");
	assert_false(d->template_for_dispvms);
	assert_false(d->internal);
	sysinfo_free(si);
	sysinfo_free(NULL);
}

static void uuid_aliases(void **state)
{
	(void)state;
	struct sysinfo *si = parse_ok(valid);
	assert_ptr_equal(sysinfo_get(si, "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b"),
			 sysinfo_get(si, "work"));
	assert_ptr_equal(sysinfo_get(si, "uuid:00000000-0000-0000-0000-000000000000"),
			 sysinfo_get(si, "dom0"));
	/* the alias is exact: no case folding, no bare uuid */
	assert_null(sysinfo_get(si, "uuid:C9024A97-9B15-46CC-8341-38D75D5D421B"));
	assert_null(sysinfo_get(si, "c9024a97-9b15-46cc-8341-38d75d5d421b"));
	assert_null(sysinfo_get(si, "uuid:"));
	assert_null(sysinfo_get(si, "nope"));
	assert_null(sysinfo_get(si, ""));
	assert_null(sysinfo_get(NULL, "work"));
	sysinfo_free(si);
	/* a domain named uuid:... would shadow an alias: refused */
	parse_bad("{\"domains\": {\"uuid:x\": {}}}",
		  "system info: invalid qube name 'uuid:x'");
	/* nor may a name look like a token (found by fuzz_sysinfo) */
	parse_bad("{\"domains\": {\"@dispvm:x\": {}, \"x\": {}}}",
		  "system info: invalid qube name '@dispvm:x'");
	parse_bad("{\"domains\": {\"1vm\": {}}}", "system info: invalid qube name '1vm'");
	/* with no uuid there is no alias; a null uuid is allowed */
	si = parse_ok("{\"domains\": {\"a\": {\"uuid\": null}, \"b\": {}}}");
	assert_null(sysinfo_get(si, "a")->uuid);
	assert_int_equal(si->by_key.n, 2);
	sysinfo_free(si);
}

/* `internal` is a feature value: Python truthiness decides */
static void internal_truthiness(void **state)
{
	(void)state;
	static const struct {
		const char *v;
		bool internal;
	} t[] = {
		{"true", true},   {"false", false}, {"null", false},  {"\"\"", false},
		{"\"1\"", true},  {"\"0\"", true},  {"\"no\"", true}, {"0", false},
		{"1", true},      {"-1", true},     {"0.0", false},   {"0.5", true},
		{"[]", false},    {"[0]", true},    {"{}", false},    {"{\"a\": 1}", true},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char json[128];
		snprintf(json, sizeof json, "{\"domains\": {\"q\": {\"internal\": %s}}}", t[i].v);
		struct sysinfo *si = parse_ok(json);
		if (si->doms[0].internal != t[i].internal)
			fail_msg("internal: %s", t[i].v);
		sysinfo_free(si);
	}
}

static void wrong_types(void **state)
{
	(void)state;
	static const struct {
		const char *dom, *msg;
	} t[] = {
		{"{\"uuid\": 1}", "system info: domain 'q': field 'uuid' is not a string or null"},
		{"{\"type\": null}", "system info: domain 'q': field 'type' is not a string"},
		{"{\"type\": 3}", "system info: domain 'q': field 'type' is not a string"},
		{"{\"power_state\": false}",
		 "system info: domain 'q': field 'power_state' is not a string"},
		{"{\"default_dispvm\": []}",
		 "system info: domain 'q': field 'default_dispvm' is not a string or null"},
		{"{\"icon\": {}}", "system info: domain 'q': field 'icon' is not a string or null"},
		{"{\"label\": 1}", "system info: domain 'q': field 'label' is not a string or null"},
		{"{\"guivm\": true}", "system info: domain 'q': field 'guivm' is not a string or null"},
		{"{\"relayvm\": 0}", "system info: domain 'q': field 'relayvm' is not a string or null"},
		{"{\"transport_rpc\": [\"x\"]}",
		 "system info: domain 'q': field 'transport_rpc' is not a string or null"},
		{"{\"template_for_dispvms\": \"yes\"}",
		 "system info: domain 'q': field 'template_for_dispvms' is not a boolean"},
		{"{\"template_for_dispvms\": 1}",
		 "system info: domain 'q': field 'template_for_dispvms' is not a boolean"},
		{"{\"tags\": \"a\"}", "system info: domain 'q': field 'tags' is not a list"},
		{"{\"tags\": {}}", "system info: domain 'q': field 'tags' is not a list"},
		{"{\"tags\": [\"a\", 1]}", "system info: domain 'q': tag 1 is not a string"},
		{"{\"tags\": [null]}", "system info: domain 'q': tag 0 is not a string"},
		{"{\"tags\": [\"a\\u0000b\"]}", "system info: domain 'q': tag 0 is not a string"},
		{"{\"uuid\": \"a\\u0000b\"}", "system info: domain 'q': field 'uuid' contains NUL"},
		{"[]", "system info: domain 'q' is not an object"},
		{"\"x\"", "system info: domain 'q' is not an object"},
		{"null", "system info: domain 'q' is not an object"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char json[256];
		snprintf(json, sizeof json, "{\"domains\": {\"ok\": {}, \"q\": %s}}", t[i].dom);
		parse_bad(json, t[i].msg);
	}
	/* null tags and a null template_for_dispvms count as missing */
	struct sysinfo *si = parse_ok("{\"domains\": {\"q\": {\"tags\": null, "
				      "\"template_for_dispvms\": null}}}");
	assert_int_equal(si->doms[0].ntags, 0);
	assert_false(si->doms[0].template_for_dispvms);
	sysinfo_free(si);
}

static void garbage(void **state)
{
	(void)state;
	parse_bad("", NULL);
	parse_bad("{", NULL);
	parse_bad("not json", NULL);
	parse_bad("{\"domains\": {}} trailing", NULL);
	parse_bad("[]", "system info: no \"domains\" object");
	parse_bad("{}", "system info: no \"domains\" object");
	parse_bad("{\"domains\": []}", "system info: no \"domains\" object");
	parse_bad("{\"domains\": null}", "system info: no \"domains\" object");
	parse_bad("{\"Domains\": {}}", "system info: no \"domains\" object");
	parse_bad("{\"domains\": {\"\": {}}}", "system info: empty domain name or NUL in a name");
	/* (jansson itself refuses a NUL in a key) */
	parse_bad("{\"domains\": {\"a\\u0000b\": {}}}", NULL);
	/* a repeated domain is refused (which one would count?) */
	parse_bad("{\"domains\": {\"a\": {}, \"a\": {}}}", NULL);
	/* no domains at all is valid */
	struct sysinfo *si = parse_ok("{\"domains\": {}, \"other\": 1}");
	assert_int_equal(si->n, 0);
	assert_null(sysinfo_get(si, "dom0"));
	sysinfo_free(si);
	/* a message is always set and the buffer never overflows */
	char err[16];
	struct sysinfo *o = NULL;
	assert_int_equal(sysinfo_parse("{", 1, &o, err, sizeof err), -1);
	assert_true(strlen(err) < sizeof err);
	/* over SYSINFO_MAX_BYTES */
	size_t n = (size_t)SYSINFO_MAX_BYTES + 1;
	char *big = calloc(1, n);
	assert_non_null(big);
	char e2[128];
	assert_int_equal(sysinfo_parse(big, n, &o, e2, sizeof e2), -1);
	char want[128];
	snprintf(want, sizeof want, "system info: larger than %u bytes", SYSINFO_MAX_BYTES);
	assert_string_equal(e2, want);
	free(big);
	/* the buffer needs no NUL terminator */
	const char json[] = "{\"domains\": {\"a\": {}}}XXXX";
	assert_int_equal(sysinfo_parse(json, sizeof json - 5, &o, e2, sizeof e2), 0);
	assert_non_null(sysinfo_get(o, "a"));
	sysinfo_free(o);
}

static void from_file(void **state)
{
	(void)state;
	char path[] = "/tmp/bh-si-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, valid, strlen(valid)), (ssize_t)strlen(valid));
	close(fd);
	struct sysinfo *si = NULL;
	char err[512];
	assert_int_equal(sysinfo_load_file(path, &si, err, sizeof err), 0);
	assert_int_equal(si->n, 4);
	sysinfo_free(si);
	/* parse errors name the file */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"domains\": []}", f);
	fclose(f);
	assert_int_equal(sysinfo_load_file(path, &si, err, sizeof err), -1);
	char want[256];
	snprintf(want, sizeof want, "%s: system info: no \"domains\" object", path);
	assert_string_equal(err, want);
	unlink(path);
	assert_int_equal(sysinfo_load_file(path, &si, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	assert_string_equal(err, want);
	assert_int_equal(sysinfo_load_file("/tmp", &si, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_fields),
		cmocka_unit_test(uuid_aliases),
		cmocka_unit_test(internal_truthiness),
		cmocka_unit_test(wrong_types),
		cmocka_unit_test(garbage),
		cmocka_unit_test(from_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
