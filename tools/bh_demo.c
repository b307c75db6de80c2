/* bh_demo: `bulkhead demo`: brings the host side up, creates the demo
 * world (AppVMs work, vault with no network, mgmt on the `host`
 * template), writes its policy, starts work and vault and runs the
 * scenario: from work, `qrexec-client-vm vault qubes.GetDate` prints a
 * date; a call the policy does not allow exits 126; an allowed call of a
 * service vault does not have exits 127; vault has no network but lo;
 * split pass: work inserts, reads and generates passwords kept in vault's
 * store, and the policy keeps one folder from it.
 * Each step says what it expects; the exit status is 0 only when every
 * step got it. The world keeps running afterwards (`bulkhead down`). */
#include "tools/bh_demo.h"

#include "tools/termsafe.h"
#include "tools/vmsel.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct demo_qube {
	const char *name, *label;
	bool no_network, start;
};

static const struct demo_qube QUBES[] = {
	{"work", "blue", false, true},
	{"vault", "black", true, true},
	{"mgmt", "purple", false, false},
};

static const char DEMO_POLICY[] =
	"## The bulkhead demo world: what work may ask of vault.\n"
	"## Written by `bulkhead demo` (again on each run); everything not\n"
	"## allowed here or in other files is denied.\n"
	"##\n"
	"## service          argument  source  target  action\n"
	"qubes.GetDate       *         work    vault   allow\n"
	"## allowed, but vault has no such service: the caller gets 127\n"
	"demo.NoSuchService  *         work    vault   allow\n"
	"## split pass: work uses the password store in vault, except the\n"
	"## banking/ folder (the argument is the top-level folder)\n"
	"ruddo.PassRead      +banking  work    vault   deny\n"
	"ruddo.PassRead      *         work    vault   allow\n"
	"ruddo.PassManage    *         work    vault   allow\n";

static int write_policy(struct bh *b)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	int l1 = snprintf(path, sizeof path, "%s/50-bulkhead-demo.policy", b->l.policy_dir);
	int l2 = snprintf(tmp, sizeof tmp, "%s.new", path);
	if (l1 < 0 || (size_t)l1 >= sizeof path || l2 < 0 || (size_t)l2 >= sizeof tmp) {
		fprintf(stderr, "bulkhead: %s: name too long\n", b->l.policy_dir);
		return -1;
	}
	size_t n = sizeof DEMO_POLICY - 1;
	char cur[sizeof DEMO_POLICY + 1];
	int cfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (cfd >= 0) {
		ssize_t got = read(cfd, cur, sizeof cur);
		close(cfd);
		if (got == (ssize_t)n && memcmp(cur, DEMO_POLICY, n) == 0) {
			printf("policy: %s\n", path);
			return 0; /* unchanged: no reload */
		}
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, DEMO_POLICY, n) != (ssize_t)n || fsync(fd) < 0 ||
	    close(fd) < 0 || rename(tmp, path) < 0) {
		fprintf(stderr, "bulkhead: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	printf("policy: %s\n", path);
	return 0;
}

static int make_world(struct bh *b)
{
	struct vm_table t = {0};
	struct admin_result r = {0};
	if (vm_table_fetch(&b->ac, &t, &r) < 0) {
		fprintf(stderr, "bulkhead: admin.vm.List: %s\n", admin_result_text(&r));
		admin_result_free(&r);
		return -1;
	}
	admin_result_free(&r);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof QUBES / sizeof QUBES[0]; i++) {
		const struct demo_qube *q = &QUBES[i];
		if (!vm_table_find(&t, q->name)) {
			char payload[128];
			snprintf(payload, sizeof payload, "name=%s label=%s", q->name, q->label);
			memset(&r, 0, sizeof r);
			rc = bh_call(b, "dom0", "admin.vm.Create.AppVM", NULL, payload, &r);
			admin_result_free(&r);
			if (rc == 0)
				printf("created %s (AppVM, label %s)\n", q->name, q->label);
		}
		if (rc == 0 && q->no_network) {
			memset(&r, 0, sizeof r);
			rc = bh_call(b, q->name, "admin.vm.property.Set", "netvm", "", &r);
			admin_result_free(&r);
		}
	}
	vm_table_free(&t);
	return rc;
}

static int start_qubes(struct bh *b)
{
	for (size_t i = 0; i < sizeof QUBES / sizeof QUBES[0]; i++) {
		if (!QUBES[i].start)
			continue;
		struct admin_result r = {0};
		struct admin_call c = {.dest = QUBES[i].name, .method = "admin.vm.Start",
				       .timeout_ms = 120000};
		enum admin_status s = admin_call(&b->ac, &c, &r);
		if (s == ADMIN_OK) {
			printf("%s: running\n", QUBES[i].name);
		} else if (admin_exc_isa(&r, "QubesVMNotHaltedError")) {
			printf("%s is already running\n", QUBES[i].name);
		} else {
			fprintf(stderr, "bulkhead: starting %s: %s\n", QUBES[i].name,
				admin_result_text(&r));
			admin_result_free(&r);
			return -1;
		}
		admin_result_free(&r);
	}
	return 0;
}

/* Prints captured output indented, with terminal controls made visible. */
static void show(const char *out)
{
	const char *s = out;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		fputs("    ", stdout);
		ts_write(stdout, s, len, true);
		fputc('\n', stdout);
		s += len + (nl ? 1 : 0);
	}
}

struct step {
	const char *what, *in_qube, *command;
	int want_exit;
	const char *want_output; /* NULL: anything; else an extended regex a line
				  * of the output must match */
};

static bool run_step(struct bh *b, const struct step *st)
{
	char target[64], cmd[512];
	snprintf(target, sizeof target, "%s", st->in_qube);
	snprintf(cmd, sizeof cmd, "user:%s", st->command);
	char *argv[] = {b->p.qrexec_client, "--socket-dir", b->l.qrexec_dir, "-d", target, cmd,
			NULL};
	printf("\n== %s\n[%s]$ %s\n", st->what, st->in_qube, st->command);
	fflush(stdout);
	char out[4096];
	int rc = bh_run(b, argv, out, sizeof out);
	show(out);
	bool ok = rc == st->want_exit;
	if (st->want_output) {
		regex_t re;
		if (regcomp(&re, st->want_output, REG_EXTENDED | REG_NEWLINE | REG_NOSUB) != 0) {
			ok = false;
		} else {
			ok = ok && regexec(&re, out, 0, NULL, 0) == 0;
			regfree(&re);
		}
	}
	printf("  -> exit %d (expected %d%s%s%s) %s\n", rc, st->want_exit,
	       st->want_output ? ", a line matching /" : "",
	       st->want_output ? st->want_output : "", st->want_output ? "/" : "",
	       ok ? "ok" : "UNEXPECTED");
	return ok;
}

static void explain(struct bh *b, const char *src, const char *dst, const char *svc)
{
	char *argv[] = {b->p.explain, "--path", b->l.policy_dir, "--compat-path", b->l.compat_dir,
			"--qubesd-socket", b->l.qubesd_internal_sock, (char *)src, (char *)dst,
			(char *)svc, NULL};
	printf("\n== why: qrexec-policy-explain %s %s %s\n", src, dst, svc);
	fflush(stdout);
	char out[8192];
	bh_run(b, argv, out, sizeof out);
	show(out);
}

int bh_demo(struct bh *b)
{
	/* the policy first, so a policy daemon started now loads it at once
	 * (a running one sees the same text again and answers as before) */
	if (bh_mkdirs(b->l.policy_dir, 0755) < 0) {
		fprintf(stderr, "bulkhead: %s: %s\n", b->l.policy_dir, strerror(errno));
		return 1;
	}
	if (write_policy(b) < 0)
		return 1;
	int rc = bh_up(b);
	if (rc != 0)
		return rc;
	if (make_world(b) < 0 || start_qubes(b) < 0)
		return 1;
	static const struct step steps[] = {
		{"work asks vault for the date: allowed by policy", "work",
		 "qrexec-client-vm vault qubes.GetDate", 0, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}"},
		{"work asks vault for a shell: no rule allows it", "work",
		 "qrexec-client-vm vault qubes.VMShell", 126, NULL},
		{"work calls a service vault does not have", "work",
		 "qrexec-client-vm vault demo.NoSuchService", 127, NULL},
		{"vault's network: nothing but lo", "vault",
		 "echo interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1)", 0,
		 "^interfaces: lo$"},
		{"inside work: a real user, and no process but its own", "work",
		 "id; echo processes: $(cat /proc/[0-9]*/comm)", 0, "^uid=1000\\(user\\)"},
		{"split pass: vault's store (made once, with a key vault generates)", "work",
		 "qvm-pass -d vault ls >/dev/null 2>&1 || qvm-pass -d vault init", 0, NULL},
		{"work stores a password in vault", "work",
		 "printf 'correct horse battery staple\\n' | qvm-pass -d vault insert -f demo/email",
		 0, NULL},
		{"work reads it back", "work", "qvm-pass -d vault show demo/email", 0,
		 "^correct horse battery staple$"},
		{"vault generates a 24-character password for work", "work",
		 "qvm-pass -d vault generate -f demo/bank 24 >/dev/null && "
		 "qvm-pass -d vault show demo/bank | tr -d '\\n' | wc -c", 0, "^24$"},
		{"the policy keeps banking/ from work", "work",
		 "qvm-pass -d vault show banking/pin", 126, NULL},
		{"work holds neither the store nor the key", "work",
		 "test ! -e ~/.password-store && test ! -e ~/.gnupg && echo nothing here", 0,
		 "^nothing here$"},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		bad += !run_step(b, &steps[i]);
	explain(b, "work", "vault", "qubes.VMShell");
	printf("\n== the qubes\n");
	fflush(stdout);
	char *argv[] = {b->p.qvm_ls, NULL};
	bh_run(b, argv, NULL, 0);
	printf("\n%s. The world keeps running: `bulkhead%s%s status`, `qvm-run -p "
	       "work ...`, `bulkhead%s%s down`.\n",
	       bad ? "SOME STEPS DID NOT GO AS EXPECTED" : "All steps went as expected",
	       b->l.root[0] ? " --root " : "", b->l.root, b->l.root[0] ? " --root " : "",
	       b->l.root);
	return bad ? 1 : 0;
}
