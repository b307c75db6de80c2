/* qvm-shutdown: shuts qubes down (admin.vm.Shutdown with argument force,
 * wait or force+wait), several at once, as upstream's qvm-shutdown:
 * VMNAME... or --all [--exclude VM], --wait, --force (implied by --all
 * without --exclude), --dry-run. A qube that is not running is not an
 * error. Qubes still in use by others are retried (their users may be
 * going down at the same time); qubes that time out are retried once,
 * then killed. Exit code: the number of qubes that failed. */
#include "tools/batch.h"
#include "tools/cli.h"
#include "tools/report.h"
#include "tools/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct failure {
	const struct vm_info *vm;
	struct admin_result r;
};

struct failures {
	struct failure *v;
	size_t n;
};

static void add(struct failures *f, const struct vm_info *vm, struct admin_result *r)
{
	struct failure *g = realloc(f->v, (f->n + 1) * sizeof *g);
	if (!g) {
		admin_result_free(r);
		return;
	}
	f->v = g;
	f->v[f->n].vm = vm;
	f->v[f->n].r = *r;
	memset(r, 0, sizeof *r);
	f->n++;
}

static void clear(struct failures *f)
{
	for (size_t i = 0; i < f->n; i++)
		admin_result_free(&f->v[i].r);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* the qubes of f (malloc'd) */
static const struct vm_info **qubes_of(const struct failures *f)
{
	const struct vm_info **v = calloc(f->n ? f->n : 1, sizeof *v);
	for (size_t i = 0; v && i < f->n; i++)
		v[i] = f->v[i].vm;
	return v;
}

static char *names_of(const struct failures *f)
{
	size_t len = 1;
	for (size_t i = 0; i < f->n; i++)
		len += strlen(f->v[i].vm->name) + 2;
	char *s = calloc(len, 1);
	for (size_t i = 0; s && i < f->n; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, f->v[i].vm->name);
	}
	return s;
}

static void announce(const char *what, const struct failures *f)
{
	char *names = names_of(f);
	report_line("Error", "%s: %s", what, names ? names : "?");
	free(names);
}

/* One round of shutdowns; failures are sorted into the three kinds. */
static void round_of(struct session *s, const struct vm_info *const *vms, size_t n,
		     const char *arg, int timeout_ms, struct failures *unhandled,
		     struct failures *used, struct failures *timedout)
{
	struct admin_result *res = calloc(n ? n : 1, sizeof *res);
	if (!res) {
		report_error(s->prog, "out of memory");
		exit(1);
	}
	batch_call(s, vms, n, "admin.vm.Shutdown", arg, timeout_ms, res);
	for (size_t i = 0; i < n; i++) {
		if (res[i].status == ADMIN_OK || admin_exc_isa(&res[i], "QubesVMNotStartedError"))
			admin_result_free(&res[i]);
		else if (admin_exc_isa(&res[i], "QubesVMInUseError"))
			add(used, vms[i], &res[i]);
		else if (admin_exc_isa(&res[i], "QubesVMShutdownTimeoutError") ||
			 res[i].status == ADMIN_TIMEOUT)
			add(timedout, vms[i], &res[i]);
		else
			add(unhandled, vms[i], &res[i]);
	}
	free(res);
}

static void move_all(struct failures *to, struct failures *from)
{
	for (size_t i = 0; i < from->n; i++)
		add(to, from->v[i].vm, &from->v[i].r);
	clear(from);
}

int main(int argc, char **argv)
{
	int verbose = 0, quiet = 0;
	bool all = false, wait = false, force = false, dry_run = false;
	const char *timeout = NULL;
	struct cli_list exclude = {0};
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--all", CLI_FLAG, &all, NULL, "shut down all qubes (but dom0)", NULL},
		{"--exclude", CLI_APPEND, &exclude, "VMNAME", "with --all: leave this qube out",
		 NULL},
		{"--wait", CLI_FLAG, &wait, NULL,
		 "wait for the qubes to shut down (the server waits up to each qube's "
		 "shutdown_timeout; qubes that do not make it are killed)", NULL},
		{"--timeout", CLI_VALUE, &timeout, "SECONDS",
		 "implies --wait; give up waiting after SECONDS (then kill)", NULL},
		{"--force", CLI_FLAG, &force, NULL,
		 "shut down even if other qubes depend on this one (e.g. as netvm)", NULL},
		{"--dry-run", CLI_FLAG, &dry_run, NULL, "do not really shut down anything", NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] [--all | VMNAME ...]",
		.description = "Shut down qubes.",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	int timeout_ms = -1;
	if (timeout) {
		char *end;
		long t = strtol(timeout, &end, 10);
		if (*end || end == timeout || t <= 0 || t > 86400)
			cli_usage_error(&spec, "argument --timeout: expected a number of seconds, "
					"not '%s'", timeout);
		timeout_ms = (int)t * 1000;
		wait = true;
	}
	struct session s;
	session_open(&s, &spec);
	struct vm_choice ch = {.all = all, .names = pos, .nnames = npos, .exclude = exclude.v,
			       .nexclude = exclude.n, .required = true};
	const struct vm_info **vms;
	size_t n = session_choose(&s, &ch, &vms);
	if (dry_run) {
		free(vms);
		free(pos);
		cli_list_free(&exclude);
		session_close(&s);
		return 0;
	}
	force = force || (all && exclude.n == 0);
	const char *arg = force && wait ? "force+wait" : force ? "force" : wait ? "wait" : NULL;

	struct failures unhandled = {0}, used = {0}, timedout = {0};
	round_of(&s, vms, n, arg, timeout_ms, &unhandled, &used, &timedout);
	/* qubes in use: their users may have been shutting down at the same
	 * time; retry while that makes progress */
	if (used.n) {
		report_line("Error", "Retrying shutdown of qubes that were in use for %zu time(s)",
			    used.n);
		size_t tries = used.n;
		for (size_t t = 0; t < tries && used.n; t++) {
			announce("Retrying shutdown of qubes that were in use", &used);
			size_t before = used.n;
			const struct vm_info **again = qubes_of(&used);
			struct failures used2 = {0};
			if (!again)
				break;
			round_of(&s, again, used.n, arg, timeout_ms, &unhandled, &used2, &timedout);
			free(again);
			clear(&used);
			used = used2;
			if (used.n == before)
				break;
		}
	}
	if (timedout.n) {
		announce("Retrying shutdown of qubes that timed out", &timedout);
		const struct vm_info **again = qubes_of(&timedout);
		size_t cnt = timedout.n;
		struct failures t2 = {0};
		clear(&timedout);
		if (again)
			round_of(&s, again, cnt, arg, timeout_ms, &unhandled, &used, &t2);
		free(again);
		timedout = t2;
	}
	if (timedout.n) {
		announce("Killing timed out qubes", &timedout);
		const struct vm_info **kill = qubes_of(&timedout);
		size_t cnt = timedout.n;
		struct admin_result *res = calloc(cnt ? cnt : 1, sizeof *res);
		if (kill && res) {
			batch_call(&s, kill, cnt, "admin.vm.Kill", NULL, -1, res);
			struct failures left = {0};
			for (size_t i = 0; i < cnt; i++) {
				if (res[i].status == ADMIN_OK ||
				    admin_exc_isa(&res[i], "QubesVMNotStartedError"))
					admin_result_free(&res[i]);
				else
					add(&left, kill[i], &res[i]);
			}
			clear(&timedout);
			timedout = left;
		}
		free(res);
		free(kill);
	}
	move_all(&unhandled, &used);
	move_all(&unhandled, &timedout);
	for (size_t i = 0; i < unhandled.n; i++)
		batch_report("Failed to shut down", unhandled.v[i].vm->name, &unhandled.v[i].r);
	size_t failed = unhandled.n;
	clear(&unhandled);
	free(vms);
	free(pos);
	cli_list_free(&exclude);
	session_close(&s);
	return failed > 255 ? 255 : (int)failed;
}
