/* test_policy_token: unit tests for policy/token (qube tokens): every
 * token kind in every context (source, target, redirect, intended
 * target), with the kind, value and dom0 flag it parses to or upstream's
 * exact error message; plus ptoken_is_dom0 and ptok_ctx_name. The table
 * was checked against upstream's Source/Target/Redirect/IntendedTarget
 * classes (qrexec.policy.parser). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "policy/token.h"

struct tcase {
	const char *tok;
	enum ptok_ctx ctx;
	int kind;        /* enum ptok_kind, or -1 for an error */
	const char *val; /* the value after the prefix (the name for a name) */
	const char *err;
};

static const struct tcase cases[] = {
	{"test-vm1", PTOK_CTX_SOURCE, PTOK_NAME, "test-vm1", NULL},
	{"test-vm1", PTOK_CTX_TARGET, PTOK_NAME, "test-vm1", NULL},
	{"test-vm1", PTOK_CTX_REDIRECT, PTOK_NAME, "test-vm1", NULL},
	{"test-vm1", PTOK_CTX_INTENDED, PTOK_NAME, "test-vm1", NULL},
	{"dom0", PTOK_CTX_SOURCE, PTOK_NAME, "dom0", NULL},
	{"dom0", PTOK_CTX_TARGET, PTOK_NAME, "dom0", NULL},
	{"dom0", PTOK_CTX_REDIRECT, PTOK_NAME, "dom0", NULL},
	{"dom0", PTOK_CTX_INTENDED, PTOK_NAME, "dom0", NULL},
	{"uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", PTOK_CTX_SOURCE, PTOK_NAME, "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", NULL},
	{"uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", PTOK_CTX_TARGET, PTOK_NAME, "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", NULL},
	{"uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", PTOK_CTX_REDIRECT, PTOK_NAME, "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", NULL},
	{"uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", PTOK_CTX_INTENDED, PTOK_NAME, "uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", NULL},
	{"uuid:00000000-0000-0000-0000-000000000000", PTOK_CTX_SOURCE, PTOK_NAME, "uuid:00000000-0000-0000-0000-000000000000", NULL},
	{"uuid:00000000-0000-0000-0000-000000000000", PTOK_CTX_TARGET, PTOK_NAME, "uuid:00000000-0000-0000-0000-000000000000", NULL},
	{"uuid:00000000-0000-0000-0000-000000000000", PTOK_CTX_REDIRECT, PTOK_NAME, "uuid:00000000-0000-0000-0000-000000000000", NULL},
	{"uuid:00000000-0000-0000-0000-000000000000", PTOK_CTX_INTENDED, PTOK_NAME, "uuid:00000000-0000-0000-0000-000000000000", NULL},
	{"*", PTOK_CTX_SOURCE, PTOK_ANY, NULL, NULL},
	{"*", PTOK_CTX_TARGET, PTOK_ANY, NULL, NULL},
	{"*", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '*'"},
	{"*", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '*'"},
	{"@anyvm", PTOK_CTX_SOURCE, PTOK_ANYVM, NULL, NULL},
	{"@anyvm", PTOK_CTX_TARGET, PTOK_ANYVM, NULL, NULL},
	{"@anyvm", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@anyvm'"},
	{"@anyvm", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@anyvm'"},
	{"@adminvm", PTOK_CTX_SOURCE, PTOK_ADMINVM, NULL, NULL},
	{"@adminvm", PTOK_CTX_TARGET, PTOK_ADMINVM, NULL, NULL},
	{"@adminvm", PTOK_CTX_REDIRECT, PTOK_ADMINVM, NULL, NULL},
	{"@adminvm", PTOK_CTX_INTENDED, PTOK_ADMINVM, NULL, NULL},
	{"@default", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@default'"},
	{"@default", PTOK_CTX_TARGET, PTOK_DEFAULT, NULL, NULL},
	{"@default", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@default'"},
	{"@default", PTOK_CTX_INTENDED, PTOK_DEFAULT, NULL, NULL},
	{"@dispvm", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@dispvm'"},
	{"@dispvm", PTOK_CTX_TARGET, PTOK_DISPVM, NULL, NULL},
	{"@dispvm", PTOK_CTX_REDIRECT, PTOK_DISPVM, NULL, NULL},
	{"@dispvm", PTOK_CTX_INTENDED, PTOK_DISPVM, NULL, NULL},
	{"@type:AppVM", PTOK_CTX_SOURCE, PTOK_TYPE, "AppVM", NULL},
	{"@type:AppVM", PTOK_CTX_TARGET, PTOK_TYPE, "AppVM", NULL},
	{"@type:AppVM", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@type:AppVM'"},
	{"@type:AppVM", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@type:AppVM'"},
	{"@tag:tag1", PTOK_CTX_SOURCE, PTOK_TAG, "tag1", NULL},
	{"@tag:tag1", PTOK_CTX_TARGET, PTOK_TAG, "tag1", NULL},
	{"@tag:tag1", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@tag:tag1'"},
	{"@tag:tag1", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@tag:tag1'"},
	{"@tag:a:b", PTOK_CTX_SOURCE, PTOK_TAG, "a:b", NULL},
	{"@tag:a:b", PTOK_CTX_TARGET, PTOK_TAG, "a:b", NULL},
	{"@tag:a:b", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@tag:a:b'"},
	{"@tag:a:b", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@tag:a:b'"},
	{"@dispvm:default-dvm", PTOK_CTX_SOURCE, PTOK_DISPVM_VM, "default-dvm", NULL},
	{"@dispvm:default-dvm", PTOK_CTX_TARGET, PTOK_DISPVM_VM, "default-dvm", NULL},
	{"@dispvm:default-dvm", PTOK_CTX_REDIRECT, PTOK_DISPVM_VM, "default-dvm", NULL},
	{"@dispvm:default-dvm", PTOK_CTX_INTENDED, PTOK_DISPVM_VM, "default-dvm", NULL},
	{"@dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21", PTOK_CTX_SOURCE, PTOK_DISPVM_VM, "uuid:f3e538bd-4427-4697-bed7-45ef3270df21", NULL},
	{"@dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21", PTOK_CTX_TARGET, PTOK_DISPVM_VM, "uuid:f3e538bd-4427-4697-bed7-45ef3270df21", NULL},
	{"@dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21", PTOK_CTX_REDIRECT, PTOK_DISPVM_VM, "uuid:f3e538bd-4427-4697-bed7-45ef3270df21", NULL},
	{"@dispvm:uuid:f3e538bd-4427-4697-bed7-45ef3270df21", PTOK_CTX_INTENDED, PTOK_DISPVM_VM, "uuid:f3e538bd-4427-4697-bed7-45ef3270df21", NULL},
	{"@dispvm:@tag:tag3", PTOK_CTX_SOURCE, PTOK_DISPVM_TAG, "tag3", NULL},
	{"@dispvm:@tag:tag3", PTOK_CTX_TARGET, PTOK_DISPVM_TAG, "tag3", NULL},
	{"@dispvm:@tag:tag3", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@dispvm:@tag:tag3'"},
	{"@dispvm:@tag:tag3", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@dispvm:@tag:tag3'"},
	{"@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b'"},
	{"@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b'"},
	{"@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b'"},
	{"@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@uuid:c9024a97-9b15-46cc-8341-38d75d5d421b'"},
	{"@uuid:", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@uuid:'"},
	{"@uuid:", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@uuid:'"},
	{"@uuid:", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@uuid:'"},
	{"@uuid:", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@uuid:'"},
	{"@invalid", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@invalid'"},
	{"@invalid", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@invalid'"},
	{"@invalid", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@invalid'"},
	{"@invalid", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@invalid'"},
	{"", PTOK_CTX_SOURCE, -1, NULL, "invalid empty source token"},
	{"", PTOK_CTX_TARGET, -1, NULL, "invalid empty target token"},
	{"", PTOK_CTX_REDIRECT, -1, NULL, "invalid empty redirect token"},
	{"", PTOK_CTX_INTENDED, -1, NULL, "invalid empty intendedtarget token"},
	{"@tag:", PTOK_CTX_SOURCE, -1, NULL, "invalid empty @tag: token: '@tag:'"},
	{"@tag:", PTOK_CTX_TARGET, -1, NULL, "invalid empty @tag: token: '@tag:'"},
	{"@tag:", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@tag:'"},
	{"@tag:", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@tag:'"},
	{"@type:", PTOK_CTX_SOURCE, -1, NULL, "invalid empty @type: token: '@type:'"},
	{"@type:", PTOK_CTX_TARGET, -1, NULL, "invalid empty @type: token: '@type:'"},
	{"@type:", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@type:'"},
	{"@type:", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@type:'"},
	{"@dispvm:", PTOK_CTX_SOURCE, -1, NULL, "invalid empty @dispvm: token: '@dispvm:'"},
	{"@dispvm:", PTOK_CTX_TARGET, -1, NULL, "invalid empty @dispvm: token: '@dispvm:'"},
	{"@dispvm:", PTOK_CTX_REDIRECT, -1, NULL, "invalid empty @dispvm: token: '@dispvm:'"},
	{"@dispvm:", PTOK_CTX_INTENDED, -1, NULL, "invalid empty @dispvm: token: '@dispvm:'"},
	{"@dispvm:@tag:", PTOK_CTX_SOURCE, -1, NULL, "invalid empty @dispvm:@tag: token: '@dispvm:@tag:'"},
	{"@dispvm:@tag:", PTOK_CTX_TARGET, -1, NULL, "invalid empty @dispvm:@tag: token: '@dispvm:@tag:'"},
	{"@dispvm:@tag:", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@dispvm:@tag:'"},
	{"@dispvm:@tag:", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@dispvm:@tag:'"},
	{"@dispvm:@foo", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@dispvm:@foo'"},
	{"@dispvm:@foo", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@dispvm:@foo'"},
	{"@dispvm:@foo", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@dispvm:@foo'"},
	{"@dispvm:@foo", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@dispvm:@foo'"},
	{"@dispvm:@dispvm:x", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@dispvm:@dispvm:x'"},
	{"@dispvm:@dispvm:x", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@dispvm:@dispvm:x'"},
	{"@dispvm:@dispvm:x", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@dispvm:@dispvm:x'"},
	{"@dispvm:@dispvm:x", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@dispvm:@dispvm:x'"},
	{"@tag:@x", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@tag:@x'"},
	{"@tag:@x", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@tag:@x'"},
	{"@tag:@x", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@tag:@x'"},
	{"@tag:@x", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@tag:@x'"},
	{"@type:@x", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@type:@x'"},
	{"@type:@x", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@type:@x'"},
	{"@type:@x", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@type:@x'"},
	{"@type:@x", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@type:@x'"},
	{"@dispvm:@tag:@x", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@dispvm:@tag:@x'"},
	{"@dispvm:@tag:@x", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@dispvm:@tag:@x'"},
	{"@dispvm:@tag:@x", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@dispvm:@tag:@x'"},
	{"@dispvm:@tag:@x", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@dispvm:@tag:@x'"},
	{"$anyvm", PTOK_CTX_SOURCE, PTOK_NAME, "$anyvm", NULL},
	{"$anyvm", PTOK_CTX_TARGET, PTOK_NAME, "$anyvm", NULL},
	{"$anyvm", PTOK_CTX_REDIRECT, PTOK_NAME, "$anyvm", NULL},
	{"$anyvm", PTOK_CTX_INTENDED, PTOK_NAME, "$anyvm", NULL},
	{"@", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@'"},
	{"@", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@'"},
	{"@", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@'"},
	{"@", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@'"},
	{"@anyvm2", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@anyvm2'"},
	{"@anyvm2", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@anyvm2'"},
	{"@anyvm2", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@anyvm2'"},
	{"@anyvm2", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@anyvm2'"},
	{"@ANYVM", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@ANYVM'"},
	{"@ANYVM", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@ANYVM'"},
	{"@ANYVM", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@ANYVM'"},
	{"@ANYVM", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@ANYVM'"},
	{"@a'b", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: \"@a'b\""},
	{"@a'b", PTOK_CTX_TARGET, -1, NULL, "invalid target token: \"@a'b\""},
	{"@a'b", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: \"@a'b\""},
	{"@a'b", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: \"@a'b\""},
	{"x'y", PTOK_CTX_SOURCE, PTOK_NAME, "x'y", NULL},
	{"x'y", PTOK_CTX_TARGET, PTOK_NAME, "x'y", NULL},
	{"x'y", PTOK_CTX_REDIRECT, PTOK_NAME, "x'y", NULL},
	{"x'y", PTOK_CTX_INTENDED, PTOK_NAME, "x'y", NULL},
	{"**", PTOK_CTX_SOURCE, PTOK_NAME, "**", NULL},
	{"**", PTOK_CTX_TARGET, PTOK_NAME, "**", NULL},
	{"**", PTOK_CTX_REDIRECT, PTOK_NAME, "**", NULL},
	{"**", PTOK_CTX_INTENDED, PTOK_NAME, "**", NULL},
	{"@default:x", PTOK_CTX_SOURCE, -1, NULL, "invalid source token: '@default:x'"},
	{"@default:x", PTOK_CTX_TARGET, -1, NULL, "invalid target token: '@default:x'"},
	{"@default:x", PTOK_CTX_REDIRECT, -1, NULL, "invalid redirect token: '@default:x'"},
	{"@default:x", PTOK_CTX_INTENDED, -1, NULL, "invalid intendedtarget token: '@default:x'"},
};

static void token_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tcase *c = &cases[i];
		struct ptoken t;
		char err[256] = "";
		int rc = ptoken_parse(&t, c->tok, c->ctx, err, sizeof err);
		if (c->kind < 0) {
			if (rc != -1)
				fail_msg("'%s' in %s: parsed, expected \"%s\"", c->tok,
					 ptok_ctx_name(c->ctx), c->err);
			if (strcmp(err, c->err) != 0)
				fail_msg("'%s' in %s: \"%s\", expected \"%s\"", c->tok,
					 ptok_ctx_name(c->ctx), err, c->err);
			continue;
		}
		if (rc != 0)
			fail_msg("'%s' in %s: %s", c->tok, ptok_ctx_name(c->ctx), err);
		if ((int)t.kind != c->kind)
			fail_msg("'%s' in %s: kind %d, expected %d", c->tok,
				 ptok_ctx_name(c->ctx), (int)t.kind, c->kind);
		assert_ptr_equal(t.text, c->tok);
		if (c->val)
			assert_string_equal(t.val, c->val);
		else
			assert_null(t.val);
		assert_int_equal(t.dom0like, ptoken_is_dom0(c->tok));
	}
}

static void dom0_spellings(void **state)
{
	(void)state;
	assert_true(ptoken_is_dom0("dom0"));
	assert_true(ptoken_is_dom0("@adminvm"));
	assert_true(ptoken_is_dom0(PTOK_DOM0_UUID));
	assert_string_equal(PTOK_DOM0_UUID, "uuid:00000000-0000-0000-0000-000000000000");
	assert_false(ptoken_is_dom0("Dom0"));
	assert_false(ptoken_is_dom0("dom0 "));
	assert_false(ptoken_is_dom0("uuid:00000000-0000-0000-0000-000000000001"));
	assert_false(ptoken_is_dom0("@dispvm:dom0"));
	assert_false(ptoken_is_dom0(""));
	/* the flag is set in every context where the token is valid */
	const char *d[] = {"dom0", "@adminvm", PTOK_DOM0_UUID};
	for (size_t i = 0; i < 3; i++)
		for (int ctx = PTOK_CTX_SOURCE; ctx <= PTOK_CTX_INTENDED; ctx++) {
			struct ptoken t;
			char err[128];
			assert_int_equal(ptoken_parse(&t, d[i], (enum ptok_ctx)ctx, err, sizeof err), 0);
			assert_true(t.dom0like);
		}
}

static void ctx_names(void **state)
{
	(void)state;
	assert_string_equal(ptok_ctx_name(PTOK_CTX_SOURCE), "source");
	assert_string_equal(ptok_ctx_name(PTOK_CTX_TARGET), "target");
	assert_string_equal(ptok_ctx_name(PTOK_CTX_REDIRECT), "redirect");
	assert_string_equal(ptok_ctx_name(PTOK_CTX_INTENDED), "intendedtarget");
}

/* Error messages are cut to the buffer, never overflow it. */
static void small_error_buffer(void **state)
{
	(void)state;
	struct ptoken t;
	char err[8];
	memset(err, 'x', sizeof err);
	assert_int_equal(ptoken_parse(&t, "@invalid-and-long", PTOK_CTX_SOURCE, err, sizeof err), -1);
	assert_int_equal(strlen(err), sizeof err - 1);
	char big[1200];
	memset(big, 'a', sizeof big - 1);
	big[0] = '@';
	big[sizeof big - 1] = '\0';
	char err2[2048];
	assert_int_equal(ptoken_parse(&t, big, PTOK_CTX_TARGET, err2, sizeof err2), -1);
	assert_true(strncmp(err2, "invalid target token: '@aaa", 27) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_table),
		cmocka_unit_test(dom0_spellings),
		cmocka_unit_test(ctx_names),
		cmocka_unit_test(small_error_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
