/* qvm-run: runs a command (or, with --service, a qrexec service) in a
 * qube, as upstream's qvm-run. In dom0 it runs
 *   qrexec-client [-t] [-T] [-e] [-l LOCALCMD] -d VM USER:COMMAND
 * (USER: --user, or DEFAULT for the qube's default user; with --service
 * the command is `QUBESRPC SERVICE dom0`), starting the qube first
 * (admin.vm.Start) when it is halted and unpausing it when paused, unless
 * --no-autostart. In a management domain it runs
 *   qrexec-client-vm [-t] [-T] --prefix-data='COMMAND; exit' VM qubes.VMShell
 * (the policy starts the qube). Without --pass-io the command's stdio is
 * /dev/null; with it, the local stdio is connected and the command's exit
 * code is this tool's (the largest one with several qubes). Remote output
 * has its terminal escape sequences filtered when stdout is a terminal
 * (qrexec-client -t), stderr when stderr is one (-T). */
#include "tools/cli.h"
#include "tools/progpath.h"
#include "tools/report.h"
#include "tools/session.h"
#include "tools/termsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct run_opts {
	int verbose;               /* upstream's verbosity, minus one with --pass-io */
	const char *user, *localcmd;
	bool passio, service, no_shell;
	bool filter_out;           /* -t: remote stdout on our terminal */
	const char *color_out, *color_err;  /* NULL: none */
};

static bool quote_safe(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("@%+=:,./-_", c));
}

/* shlex.quote */
static char *shell_quote(const char *s)
{
	bool ok = *s != '\0';
	for (const char *p = s; ok && *p; p++)
		ok = quote_safe(*p);
	if (ok)
		return strdup(s);
	size_t n = 3;
	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 5 : 1;
	char *q = malloc(n);
	if (!q)
		return NULL;
	char *o = q;
	*o++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(o, "'\"'\"'", 5);
			o += 5;
		} else {
			*o++ = *p;
		}
	}
	*o++ = '\'';
	*o = '\0';
	return q;
}

/* COMMAND [ARGS...] as one shell command line (args quoted) */
static char *command_line(const char *cmd, const char *const *args, size_t nargs, bool quote)
{
	if (!quote && nargs == 0)
		return strdup(cmd);
	size_t len = 1;
	char **q = calloc(nargs + 1, sizeof *q);
	if (!q)
		return NULL;
	for (size_t i = 0; i <= nargs; i++) {
		q[i] = shell_quote(i ? args[i - 1] : cmd);
		if (!q[i])
			len = 0;
		else if (len)
			len += strlen(q[i]) + 1;
	}
	char *line = len ? calloc(len, 1) : NULL;
	for (size_t i = 0; i <= nargs; i++) {
		if (line) {
			if (i)
				strcat(line, " ");
			strcat(line, q[i]);
		}
		free(q[i]);
	}
	free(q);
	return line;
}

/* A message on stderr outside the stderr colour (upstream's print_no_color). */
static void note(const struct run_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(const struct run_opts *o, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (o->color_err)
		fputs("\033[0m", stderr);
	ts_puts(stderr, text ? text : "(out of memory)", true);
	if (o->color_err)
		fprintf(stderr, "\033[0;%sm", o->color_err);
	fputc('\n', stderr);
	fflush(stderr);
	free(text);
}

/* Starts argv[0] with stdio on /dev/null unless `passio`; returns its pid
 * or -1. */
static pid_t spawn(char *const *argv, bool passio, bool null_stdin_out)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (!passio || null_stdin_out) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || (!passio && dup2(fd, 2) < 0))
			_exit(125);
	}
	execv(argv[0], argv);
	fprintf(stderr, "cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(125);
}

/* The command for one qube, as argv for qrexec-client (dom0) or
 * qrexec-client-vm (management domain). *store holds the strings. */
static size_t build_argv(const struct session *s, const struct run_opts *o, const char *client,
			 const char *vm, const char *cmdline, char **argv, char **store)
{
	size_t n = 0;
	argv[n++] = (char *)client;
	/* as upstream: the stdout filter only when the output is ours, the
	 * stderr one whenever stderr is a terminal too */
	bool t = o->filter_out && o->passio && !o->localcmd;
	if (t)
		argv[n++] = (char *)"-t";
	if (t || ts_is_terminal(stderr))
		argv[n++] = (char *)"-T";
	if (s->ctx.transport == ADMIN_T_SOCKET) {
		if (o->localcmd) {
			argv[n++] = (char *)"-l";
			argv[n++] = (char *)o->localcmd;
		}
		if (o->service && !o->passio && !o->localcmd)
			argv[n++] = (char *)"-e";
		argv[n++] = (char *)"-d";
		argv[n++] = (char *)vm;
		const char *user = o->user ? o->user : "DEFAULT";
		int r = o->service ? asprintf(store, "%s:QUBESRPC %s%s dom0", user, cmdline,
					      strchr(cmdline, '+') ? "" : "+")
				   : asprintf(store, "%s:%s", user, cmdline);
		if (r < 0)
			return 0;
		argv[n++] = *store;
	} else {
		if (!o->service) {
			if (asprintf(store, "--prefix-data=%s; exit\n", cmdline) < 0)
				return 0;
			argv[n++] = *store;
		}
		argv[n++] = (char *)vm;
		argv[n++] = (char *)(o->service ? cmdline : "qubes.VMShell");
		if (o->localcmd) {
			argv[n++] = (char *)"/bin/sh";
			argv[n++] = (char *)"-c";
			argv[n++] = (char *)o->localcmd;
		}
	}
	argv[n] = NULL;
	return n;
}

/* Makes the qube ready: started when halted (dom0 only; in a management
 * domain the policy starts it), unpaused when paused. Returns 0, 1 to skip
 * it, or -1 for a failure that stops the tool (upstream returns -1). */
static int prepare(struct session *s, const struct run_opts *o, const struct vm_info *v,
		   bool autostart)
{
	if (!autostart && !vm_is_running(v)) {
		if (o->verbose > 0)
			note(o, "Qube '%s' not started", v->name);
		return 1;
	}
	struct admin_result r;
	if (vm_is_paused(v)) {
		if (!autostart) {
			if (o->verbose > 0)
				note(o, "Qube '%s' is paused", v->name);
			return 1;
		}
		struct admin_call call = {.dest = v->name, .method = "admin.vm.Unpause",
					  .timeout_ms = -1};
		if (admin_call(&s->ctx, &call, &r) != ADMIN_OK) {
			if (o->verbose > 0)
				note(o, "Qube '%s' cannot be unpaused", v->name);
			admin_result_free(&r);
			return 1;
		}
		admin_result_free(&r);
	}
	return 0;
}

static int start_if_halted(struct session *s, const struct run_opts *o, const struct vm_info *v)
{
	if (s->ctx.transport != ADMIN_T_SOCKET || !vm_is_halted(v))
		return 0;
	struct admin_call call = {.dest = v->name, .method = "admin.vm.Start", .timeout_ms = -1};
	struct admin_result r;
	if (admin_call(&s->ctx, &call, &r) != ADMIN_OK &&
	    !admin_exc_isa(&r, "QubesVMNotHaltedError")) {
		note(o, "%s: %s", v->name, admin_result_text(&r));
		admin_result_free(&r);
		return -1;
	}
	admin_result_free(&r);
	return 0;
}

int main(int argc, char **argv)
{
	int verbose = 1, quiet = 0;
	bool autostart = true, all = false, dispvm = false, ignored = false, gui = false;
	bool filter_on = false, filter_off = false, no_col_out = false, no_col_err = false;
	struct run_opts o = {0};
	struct cli_list exclude = {0};
	const char *color_out = NULL, *color_err = NULL;
	const struct cli_opt opt[] = {
		{"--verbose,-v", CLI_COUNT, &verbose, NULL, "increase verbosity", NULL},
		{"--quiet,-q", CLI_COUNT, &quiet, NULL, "decrease verbosity", NULL},
		{"--user,-u", CLI_VALUE, &o.user, "USER", "run the command as USER (dom0 only)",
		 NULL},
		{"--autostart,--auto,-a", CLI_FLAG, &ignored, NULL, "ignored; this is the default",
		 NULL},
		{"--no-autostart,--no-auto,-n", CLI_UNFLAG, &autostart, NULL,
		 "do not start or unpause the qube", NULL},
		{"--pass-io,-p", CLI_FLAG, &o.passio, NULL,
		 "connect the command's stdio to ours; exit with its exit code", NULL},
		{"--localcmd", CLI_VALUE, &o.localcmd, "COMMAND",
		 "with --pass-io: connect the command's stdio to this local command", NULL},
		{"--gui", CLI_FLAG, &gui, NULL, "accepted; bulkhead has no GUI", NULL},
		{"--no-gui,--nogui", CLI_UNFLAG, &gui, NULL, "accepted; bulkhead has no GUI", NULL},
		{"--colour-output,--color-output", CLI_VALUE, &color_out, "COLOUR",
		 "mark the qube's output with this ANSI colour (e.g. 31 for red)", NULL},
		{"--colour-stderr,--color-stderr", CLI_VALUE, &color_err, "COLOUR",
		 "mark the qube's stderr with this ANSI colour", NULL},
		{"--no-colour-output,--no-color-output", CLI_FLAG, &no_col_out, NULL,
		 "do not colour the output", NULL},
		{"--no-colour-stderr,--no-color-stderr", CLI_FLAG, &no_col_err, NULL,
		 "do not colour stderr", NULL},
		{"--filter-escape-chars", CLI_FLAG, &filter_on, NULL,
		 "filter terminal escape sequences (default when stdout is a terminal)", NULL},
		{"--no-filter-escape-chars", CLI_FLAG, &filter_off, NULL,
		 "do not filter them; DANGEROUS when the output is a terminal", NULL},
		{"--service", CLI_FLAG, &o.service, NULL,
		 "run the qrexec service named by COMMAND instead of a shell command", NULL},
		{"--no-shell", CLI_FLAG, &o.no_shell, NULL,
		 "treat COMMAND as a program, not a shell command (arguments are quoted)", NULL},
		{"--dispvm", CLI_FLAG, &dispvm, NULL, NULL, NULL},
		{"--all", CLI_FLAG, &all, NULL, "run the command in all running qubes", NULL},
		{"--exclude", CLI_APPEND, &exclude, "VMNAME", "with --all: leave this qube out",
		 NULL},
	};
	const struct cli_spec spec = {
		.prog = cli_prog(argv[0]),
		.usage = "[options] [--all | VMNAME] COMMAND [ARG ...]",
		.description = "Run a command in a qube.",
		.opts = opt,
		.nopts = sizeof opt / sizeof opt[0],
		.epilog = "Not supported: --dispvm (bulkheadd has no admin.vm.CreateDisposable), "
			  "GUI sessions;\ncommands always run through the shell of the qube's "
			  "user (no qubes.VMExec).",
		.rest_after = 2,
	};
	const char **pos;
	size_t npos;
	cli_parse(&spec, argc, argv, &pos, &npos);
	if (dispvm)
		cli_usage_error(&spec, "--dispvm is not supported (bulkheadd cannot create "
				"disposables yet)");
	size_t cmd_at = all ? 0 : 1;
	if (npos < cmd_at + 1)
		cli_usage_error(&spec, "the following arguments are required: %s",
				all || npos ? "COMMAND" : "VMNAME, COMMAND");
	const char *cmd = pos[cmd_at];
	const char *const *args = pos + cmd_at + 1;
	size_t nargs = npos - cmd_at - 1;
	o.filter_out = filter_off ? false : filter_on ? true : ts_is_terminal(stdout);
	o.color_out = no_col_out ? NULL : color_out;
	o.color_err = no_col_err ? NULL : color_err;
	if (o.passio) {
		if (!color_out && !no_col_out && o.filter_out)
			o.color_out = "31";
		if (!color_err && !no_col_err && ts_is_terminal(stderr))
			o.color_err = "31";
	}
	if (o.localcmd && !o.passio)
		cli_usage_error(&spec, "--localcmd have no effect without --pass-io");
	if (o.color_out && !o.filter_out)
		cli_usage_error(&spec, "--color-output must be used with --filter-escape-chars");
	if (o.service && o.no_shell)
		cli_usage_error(&spec, "--no-shell does not apply to --service");
	if (o.service && nargs)
		cli_usage_error(&spec, "unrecognized arguments: %s", args[0]);
	if (o.service && (cmd[0] == '-' || cmd[0] == '+' || !admin_arg_valid(cmd)))
		cli_usage_error(&spec, "invalid service name '%s': letters, digits, '_', '.', "
				"'-' and '+' only", cmd);
	const char *colors[2] = {o.color_out, o.color_err};
	for (int i = 0; i < 2; i++)
		if (colors[i] && strspn(colors[i], "0123456789;") != strlen(colors[i]))
			cli_usage_error(&spec, "a colour is a number like 31, not '%s'", colors[i]);
	o.verbose = verbose - quiet - (o.passio ? 1 : 0);

	struct session s;
	session_open(&s, &spec);
	if (o.user && s.ctx.transport != ADMIN_T_SOCKET)
		cli_usage_error(&spec, "--user is only available in dom0");
	const struct vm_info **vms;
	struct vm_choice ch = {.all = all, .names = pos, .nnames = all ? 0 : 1,
			       .exclude = exclude.v, .nexclude = exclude.n, .required = true};
	size_t n = session_choose(&s, &ch, &vms);
	if (all) {
		/* running, not internal, not paused */
		struct admin_call *calls = calloc(n ? n : 1, sizeof *calls);
		struct admin_result *res = calloc(n ? n : 1, sizeof *res);
		if (!calls || !res)
			return 1;
		for (size_t i = 0; i < n; i++)
			calls[i] = (struct admin_call){.dest = vms[i]->name,
						       .method = "admin.vm.feature.Get",
						       .arg = "internal", .timeout_ms = -1};
		admin_call_many(&s.ctx, calls, n, res, 0);
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			bool internal = res[i].status == ADMIN_OK && res[i].content_len > 0;
			if (vm_is_running(vms[i]) && !vm_is_paused(vms[i]) && !internal)
				vms[m++] = vms[i];
			admin_result_free(&res[i]);
		}
		n = m;
		free(calls);
		free(res);
	}
	if (n > 1 && o.passio && !o.localcmd)
		cli_usage_error(&spec, "--passio cannot be used when more than 1 qube is chosen "
				"and no --localcmd is used");
	for (size_t i = 0; i < n; i++)
		if (strcmp(vms[i]->klass, "AdminVM") == 0)
			cli_usage_error(&spec, "running commands in dom0 is not supported: run "
					"them directly");
	char client[4096];
	bool dom0 = s.ctx.transport == ADMIN_T_SOCKET;
	if (dom0)
		progpath_find("BULKHEAD_QREXEC_CLIENT", "qrexec-client",
			      "/usr/lib/qubes/qrexec-client", client, sizeof client);
	else
		snprintf(client, sizeof client, "%s", s.ctx.qrexec_client_vm);
	char *cmdline = command_line(cmd, args, nargs, o.no_shell);
	if (!cmdline)
		return 1;

	if (o.color_out) {
		printf("\033[0;%sm", o.color_out);
		fflush(stdout);
	}
	if (o.color_err) {
		fprintf(stderr, "\033[0;%sm", o.color_err);
		fflush(stderr);
	}
	pid_t *pids = calloc(n ? n : 1, sizeof *pids);
	const struct vm_info **ran = calloc(n ? n : 1, sizeof *ran);
	size_t nran = 0;
	int rc = 0;
	bool stop = false;
	for (size_t i = 0; pids && ran && i < n && !stop; i++) {
		int p = prepare(&s, &o, vms[i], autostart);
		if (p != 0) {
			rc = rc > 1 ? rc : 1;
			continue;
		}
		if (o.verbose > 0)
			note(&o, "Running '%s' on %s", cmd, vms[i]->name);
		if (autostart && start_if_halted(&s, &o, vms[i]) < 0) {
			rc = 255;
			stop = true;
			break;
		}
		char *av[16], *store = NULL;
		if (build_argv(&s, &o, client, vms[i]->name, cmdline, av, &store) == 0) {
			report_error(spec.prog, "out of memory");
			rc = 255;
			break;
		}
		pid_t pid = spawn(av, o.passio, o.localcmd != NULL);
		free(store);
		if (pid < 0) {
			note(&o, "%s: cannot run %s: %s", vms[i]->name, client, strerror(errno));
			rc = 255;
			break;
		}
		pids[nran] = pid;
		ran[nran++] = vms[i];
	}
	/* a ^C goes to the whole process group; let the children report */
	signal(SIGINT, SIG_IGN);
	for (size_t i = 0; i < nran; i++) {
		int st = 0;
		while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
		int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (code && o.verbose > 0)
			note(&o, "%s: command failed with code: %d", ran[i]->name, code);
		if (code > rc)
			rc = code;
	}
	if (o.color_out) {
		fputs("\033[0m", stdout);
		fflush(stdout);
	}
	if (o.color_err) {
		fputs("\033[0m", stderr);
		fflush(stderr);
	}
	free(pids);
	free(ran);
	free(cmdline);
	free(vms);
	free(pos);
	cli_list_free(&exclude);
	session_close(&s);
	return rc;
}
