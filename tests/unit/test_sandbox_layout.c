/* test_sandbox_layout: unit tests for domains/sandbox_layout: the extra
 * environment rules and the shape of a domain's bubblewrap command line
 * (namespaces, identity, capabilities, no --die-with-parent, ordering of
 * the file system operations). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "domains/sandbox_layout.h"

static void env_rules(void **state)
{
	(void)state;
	assert_true(layout_env_allowed("FOO=bar"));
	assert_true(layout_env_allowed("_x1="));
	assert_true(layout_env_allowed("QREXEC_SERVICE_PATH=/x"));
	assert_false(layout_env_allowed("FOO"));
	assert_false(layout_env_allowed("=x"));
	assert_false(layout_env_allowed("1FOO=x"));
	assert_false(layout_env_allowed("FO-O=x"));
	assert_false(layout_env_allowed("VCHAN_DOMAIN=0"));
	assert_false(layout_env_allowed("VCHAN_SOCKET_DIR=/"));
	assert_false(layout_env_allowed("PATH=/x"));
	assert_false(layout_env_allowed("BULKHEAD_READY_FD=1"));
	assert_true(layout_env_allowed("VCHAN_DOMAINX=1"));
	assert_true(layout_env_allowed("PATHS=1"));
	char longname[300];
	memset(longname, 'A', sizeof longname);
	memcpy(longname + 280, "=x", 3);
	assert_false(layout_env_allowed(longname));
}

static int find(const struct strlist *a, const char *s, size_t from)
{
	for (size_t i = from; i < a->n; i++)
		if (strcmp(a->v[i], s) == 0)
			return (int)i;
	return -1;
}

static void build(struct strlist *av, bool network, bool no_setid, const char *const *env,
		  size_t n_env, int expect)
{
	struct sandbox_spec spec = {.name = "work", .qid = 7, .network = network,
				    .no_setid_caps = no_setid, .env = env, .n_env = n_env};
	struct stage_plan plan = {.uid_base = SANDBOX_UID_BASE(7), .n_tops = 3};
	snprintf(plan.tops[0].name, sizeof plan.tops[0].name, "usr");
	snprintf(plan.tops[1].name, sizeof plan.tops[1].name, "bin");
	plan.tops[1].symlink = true;
	snprintf(plan.tops[1].target, sizeof plan.tops[1].target, "usr/bin");
	snprintf(plan.tops[2].name, sizeof plan.tops[2].name, "etc");
	struct layout_in in = {.spec = &spec, .plan = &plan,
			       .init_name = "bulkhead-init", .agent_name = "qrexec-agent"};
	struct layout_fds fds = {.userns = 10, .info = 11, .status = 12, .seccomp = 13,
				 .ready = 14, .qubesdb = 20};
	char err[256];
	assert_int_equal(layout_bwrap_argv(&in, &fds, av, err, sizeof err), expect);
}

static void command_line(void **state)
{
	(void)state;
	struct strlist av = {0};
	const char *env[] = {"FOO=bar"};
	build(&av, false, false, env, 1, 0);
	assert_string_equal(av.v[0], SANDBOX_BWRAP);
	int u = find(&av, "--userns", 0);
	assert_true(u > 0);
	assert_string_equal(av.v[u + 1], "10");
	assert_true(find(&av, "--unshare-net", 0) > 0);
	assert_true(find(&av, "--unshare-user", 0) < 0);
	assert_true(find(&av, "--die-with-parent", 0) < 0);
	assert_true(find(&av, "--new-session", 0) > 0);
	assert_true(find(&av, "--as-pid-1", 0) > 0);
	int cd = find(&av, "--cap-drop", 0);
	assert_string_equal(av.v[cd + 1], "ALL");
	assert_true(find(&av, "CAP_SETUID", 0) > cd);
	int h = find(&av, "--hostname", 0);
	assert_string_equal(av.v[h + 1], "work");
	int ce = find(&av, "--clearenv", 0);
	int foo = find(&av, "FOO", 0);
	assert_true(ce > 0 && foo > ce);
	assert_string_equal(av.v[foo + 1], "bar");
	int vd = find(&av, "VCHAN_DOMAIN", 0);
	assert_string_equal(av.v[vd + 1], "7");
	/* template first, then the qrexec mount points in its /etc */
	int usr = find(&av, "/usr", 0), etc = find(&av, "/etc", 0);
	int rpc = find(&av, "/etc/qubes-rpc", 0), cfg = find(&av, "/etc/qubes/rpc-config", 0);
	assert_true(usr > 0 && etc > usr && rpc > etc && cfg > etc);
	assert_string_equal(av.v[etc - 1], STAGE_TOP_DIR "/etc");
	int bin = find(&av, "/bin", 0);
	assert_string_equal(av.v[bin - 2], "--symlink");
	assert_string_equal(av.v[bin - 1], "usr/bin");
	int rw = find(&av, "/rw", 0), home = find(&av, "/home", 0);
	assert_true(rw > 0 && home > rw);
	int ro = find(&av, "--remount-ro", 0);
	assert_string_equal(av.v[ro + 1], "/");
	assert_string_equal(av.v[av.n - 1], "--no-fork-server");
	assert_string_equal(av.v[av.n - 4], SB_IN_BIN "/bulkhead-init");
	assert_true(ro < (int)av.n - 4);
	strlist_free(&av);
}

static void network_and_caps(void **state)
{
	(void)state;
	struct strlist av = {0};
	build(&av, true, true, NULL, 0, 0);
	assert_true(find(&av, "--unshare-net", 0) < 0);
	assert_true(find(&av, "--unshare-pid", 0) > 0);
	assert_true(find(&av, "CAP_SETUID", 0) < 0);
	assert_true(find(&av, "--cap-add", 0) < 0);
	strlist_free(&av);
}

static void reserved_env_refused(void **state)
{
	(void)state;
	struct strlist av = {0};
	const char *env[] = {"VCHAN_DOMAIN=0"};
	build(&av, false, false, env, 1, -1);
	strlist_free(&av);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(env_rules),
		cmocka_unit_test(command_line),
		cmocka_unit_test(network_and_caps),
		cmocka_unit_test(reserved_env_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
