/* test_sandbox_etc: unit tests for domains/sandbox_etc: which template
 * /etc entries a domain must not see (on a scratch tree), and the
 * synthesized passwd, group, hostname, hosts and machine-id. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domains/sandbox_etc.h"

static char root[64];

static void mk(const char *rel, mode_t mode, bool dir)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	if (dir) {
		assert_int_equal(mkdir(p, mode), 0);
	} else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, mode);
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/bh-etc-test.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	mk("passwd", 0644, false);       /* replaced: not listed */
	mk("shadow", 0640, false);       /* not world-readable */
	mk("gshadow-", 0644, false);     /* listed secret */
	mk("fstab", 0644, false);        /* visible */
	mk("ssh", 0755, true);
	mk("ssh/ssh_config", 0644, false);
	mk("ssh/ssh_host_ed25519_key", 0600, false);
	mk("ssh/ssh_host_ed25519_key.pub", 0644, false);
	mk("ssl", 0755, true);
	mk("ssl/private", 0710, true);   /* not world-searchable */
	mk("ssl/private/key.pem", 0644, false); /* inside a hidden dir: not walked */
	mk("sudoers.d", 0755, true);     /* listed secret dir */
	mk("qubes", 0755, true);         /* replaced */
	mk("qubes/secret", 0600, false);
	mk("deep", 0755, true);
	mk("deep/er", 0755, true);
	mk("deep/er/x", 0400, false);
	char link[256];
	snprintf(link, sizeof link, "%s/link", root);
	assert_int_equal(symlink("shadow", link), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static bool has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void hidden_entries(void **state)
{
	(void)state;
	struct strlist h = {0};
	char err[256];
	assert_int_equal(etc_hidden(root, &h, err, sizeof err), 0);
	assert_true(has(&h, "shadow"));
	assert_true(has(&h, "gshadow-"));
	assert_true(has(&h, "ssh/ssh_host_ed25519_key"));
	assert_true(has(&h, "ssh/ssh_host_ed25519_key.pub"));
	assert_true(has(&h, "deep/er/x"));
	assert_true(has(&h, "ssl/private"));
	assert_true(has(&h, "sudoers.d"));
	assert_false(has(&h, "passwd"));
	assert_false(has(&h, "fstab"));
	assert_false(has(&h, "ssh/ssh_config"));
	assert_false(has(&h, "ssl/private/key.pem"));
	assert_false(has(&h, "qubes/secret"));
	assert_false(has(&h, "qubes"));
	assert_false(has(&h, "link"));
	assert_int_equal(h.n, 7);
	strlist_free(&h);
}

static void missing_dir(void **state)
{
	(void)state;
	struct strlist h = {0};
	char err[256];
	assert_int_equal(etc_hidden("/nonexistent-bh", &h, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent-bh"));
}

static void replaced(void **state)
{
	(void)state;
	assert_true(etc_replaced("passwd"));
	assert_true(etc_replaced("qubes-rpc"));
	assert_false(etc_replaced("shadow"));
}

static void synthesized(void **state)
{
	(void)state;
	char *p = etc_passwd(), *g = etc_group(), *h = etc_hostname("work"),
	     *hs = etc_hosts("work"), *m = etc_machine_id(), *m2 = etc_machine_id();
	assert_non_null(strstr(p, "root:x:0:0:"));
	assert_non_null(strstr(p, "\nuser:x:1000:1000:user:/home/user:"));
	assert_non_null(strstr(g, "\nuser:x:1000:\n"));
	assert_string_equal(h, "work\n");
	assert_non_null(strstr(hs, "127.0.1.1\twork\n"));
	assert_int_equal(strlen(m), 33);
	assert_int_equal(strspn(m, "0123456789abcdef"), 32);
	assert_string_not_equal(m, m2);
	free(p);
	free(g);
	free(h);
	free(hs);
	free(m);
	free(m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hidden_entries),
		cmocka_unit_test(missing_dir),
		cmocka_unit_test(replaced),
		cmocka_unit_test(synthesized),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
