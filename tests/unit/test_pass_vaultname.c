/* test_pass_vaultname: unit tests for qvm-pass's choice of the vault
 * (pass/client/vaultname): -d over QUBES_PASS_DOMAIN over the files in
 * order, the first line stripped, an empty or unreadable file an error
 * naming it, no source at all an error naming every one, and names that
 * could be taken for options refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pass/client/vaultname.h"

static char dir[] = "/tmp/test_pass_vaultname.XXXXXX";
static char f1[64], f2[64];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(f1, sizeof f1, "%s/rw", dir);
	snprintf(f2, sizeof f2, "%s/etc", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(f1);
	unlink(f2);
	rmdir(dir);
	return 0;
}

static void precedence(void **state)
{
	(void)state;
	const char *files[] = {f1, f2};
	char out[VAULTNAME_MAX], err[512];
	unlink(f1);
	unlink(f2);
	assert_int_equal(vaultname_pick(NULL, NULL, files, 2, out, err, sizeof err), -1);
	assert_non_null(strstr(err, "-d VAULT"));
	assert_non_null(strstr(err, "QUBES_PASS_DOMAIN"));
	assert_non_null(strstr(err, f1));
	assert_non_null(strstr(err, f2));
	put(f2, "  tmpl-vault  \nignored\n");
	assert_int_equal(vaultname_pick(NULL, "", files, 2, out, err, sizeof err), 0);
	assert_string_equal(out, "tmpl-vault");
	put(f1, "vm-vault\n");
	assert_int_equal(vaultname_pick(NULL, NULL, files, 2, out, err, sizeof err), 0);
	assert_string_equal(out, "vm-vault");
	assert_int_equal(vaultname_pick(NULL, "env-vault", files, 2, out, err, sizeof err), 0);
	assert_string_equal(out, "env-vault");
	assert_int_equal(vaultname_pick("opt-vault", "env-vault", files, 2, out, err, sizeof err),
			 0);
	assert_string_equal(out, "opt-vault");
	assert_int_equal(vaultname_pick("@default", NULL, files, 2, out, err, sizeof err), 0);
	assert_int_equal(vaultname_pick("@dispvm:tpl", NULL, files, 2, out, err, sizeof err), 0);
}

static void bad_files_and_names(void **state)
{
	(void)state;
	const char *files[] = {f1, f2};
	char out[VAULTNAME_MAX], err[512];
	put(f1, "\n");
	put(f2, "fine\n");
	assert_int_equal(vaultname_pick(NULL, NULL, files, 2, out, err, sizeof err), -1);
	assert_non_null(strstr(err, f1));
	assert_non_null(strstr(err, "empty"));
	put(f1, "");
	assert_int_equal(vaultname_pick(NULL, NULL, files, 2, out, err, sizeof err), -1);
	assert_non_null(strstr(err, "empty"));
	if (geteuid() != 0) {
		put(f1, "v\n");
		chmod(f1, 0);
		assert_int_equal(vaultname_pick(NULL, NULL, files, 2, out, err, sizeof err), -1);
		assert_non_null(strstr(err, "cannot read"));
		chmod(f1, 0600);
	}
	/* a directory cannot be read as a file */
	const char *dirs[] = {dir};
	assert_int_equal(vaultname_pick(NULL, NULL, dirs, 1, out, err, sizeof err), -1);
	assert_non_null(strstr(err, dir));
	put(f1, "--help\n");
	assert_int_equal(vaultname_pick(NULL, NULL, files, 2, out, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a qube name"));
	assert_int_equal(vaultname_pick("-x", NULL, files, 2, out, err, sizeof err), -1);
	assert_int_equal(vaultname_pick("", NULL, files, 2, out, err, sizeof err), -1);
	assert_int_equal(vaultname_pick(NULL, "a b", files, 2, out, err, sizeof err), -1);
	assert_false(vaultname_ok("dom0-dm"));
	assert_false(vaultname_ok("@x y"));
	assert_true(vaultname_ok("vault"));
	assert_true(vaultname_ok("uuid:00000000-0000-0000-0000-000000000001"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(precedence),
		cmocka_unit_test(bad_files_and_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
