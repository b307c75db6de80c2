/* bulkhead-init: pid 1 inside a domain.
 *
 *   bulkhead-init [--] AGENT [ARGS...]
 *
 * Runs AGENT (the qrexec agent) with init's environment (the launcher set
 * VCHAN_DOMAIN, VCHAN_SOCKET_DIR, QREXEC_SERVICE_PATH, QUBES_RPC_CONFIG_PATH
 * and any extra variables), restarts it when it dies (backoff from 100 ms,
 * doubling up to 5 s, back to 100 ms after it ran 10 s), runs
 * /rw/config/rc.local once if it is an executable file, reaps every
 * orphan, and on SIGTERM/SIGINT sends SIGTERM to every process of the
 * domain, waits up to BULKHEAD_INIT_GRACE_MS (default 3000) for them,
 * SIGKILLs the rest and exits 0.
 *
 * Readiness: once the agent is started, init writes two bytes (below) to
 * the descriptor in $BULKHEAD_READY_FD and closes it. Output: init's own messages go to
 * its stderr (the launcher's log on the host); everything it starts writes
 * to /var/log/bulkhead.log inside the domain instead, so no domain process
 * holds a host file. init is not dumpable: the domain's processes cannot
 * reach its descriptors through /proc.
 *
 * Before starting anything, init applies the domain's Landlock rule set
 * (init_landlock.h) to itself: it refuses to start when that fails, and
 * warns when the kernel lacks Landlock or its scopes. The readiness
 * message says what was applied: "R1" (symlinks confined and scopes
 * applied) or "R0" (not all of it). */
#include "domains/init/init_landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RC_LOCAL "/rw/config/rc.local"
#define CHILD_LOG "/var/log/bulkhead.log"
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define STABLE_MS 10000
#define DEFAULT_GRACE_MS 3000

struct init {
	char **agent_argv;
	pid_t agent;
	pid_t rc_local;
	long long agent_started;    /* ms */
	long long restart_at;       /* ms, 0: none pending */
	int backoff_ms;
	int sigfd;
	int child_log;
	bool stopping;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(stderr, "bulkhead-init: %s\n", buf);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void noop_handler(int sig)
{
	(void)sig;
}

/* In a new child: default signals, stdio to /dev/null and the domain's
 * log, no other descriptors. */
static void child_setup(const struct init *in)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE};
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		signal(sigs[i], SIG_DFL);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || in->child_log < 0 ||
	    dup2(in->child_log, 1) < 0 || dup2(in->child_log, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	umask(022);
}

static pid_t spawn(const struct init *in, char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		child_setup(in);
		/* make the domain's children dumpable again (init is not) */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		execv(argv[0], argv);
		fprintf(stderr, "bulkhead-init: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static void start_agent(struct init *in)
{
	in->restart_at = 0;
	in->agent = spawn(in, in->agent_argv);
	in->agent_started = now_ms();
	if (in->agent < 0)
		in->restart_at = now_ms() + in->backoff_ms;
}

static void start_rc_local(struct init *in)
{
	struct stat st;
	if (stat(RC_LOCAL, &st) < 0 || !S_ISREG(st.st_mode) || access(RC_LOCAL, X_OK) < 0)
		return;
	char *argv[] = {(char *)RC_LOCAL, NULL};
	in->rc_local = spawn(in, argv);
}

static void agent_exited(struct init *in, int status)
{
	in->agent = 0;
	if (in->stopping)
		return;
	long long ran = now_ms() - in->agent_started;
	if (ran >= STABLE_MS)
		in->backoff_ms = BACKOFF_MIN_MS;
	say("agent exited (%s %d) after %lld ms; restarting in %d ms",
	    WIFSIGNALED(status) ? "signal" : "status",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), ran, in->backoff_ms);
	in->restart_at = now_ms() + in->backoff_ms;
	in->backoff_ms *= 2;
	if (in->backoff_ms > BACKOFF_MAX_MS)
		in->backoff_ms = BACKOFF_MAX_MS;
}

static void reap(struct init *in)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == in->agent) {
			agent_exited(in, status);
		} else if (pid == in->rc_local) {
			in->rc_local = 0;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				say(RC_LOCAL " failed (%s %d)", WIFSIGNALED(status) ? "signal" : "status",
				    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		}
	}
}

static int grace_ms(void)
{
	const char *s = getenv("BULKHEAD_INIT_GRACE_MS");
	if (!s || !*s)
		return DEFAULT_GRACE_MS;
	char *end;
	long v = strtol(s, &end, 10);
	return *end || v < 0 || v > 600000 ? DEFAULT_GRACE_MS : (int)v;
}

/* TERM to everything, wait, KILL the rest; never returns. */
static _Noreturn void shutdown_domain(struct init *in)
{
	in->stopping = true;
	kill(-1, SIGTERM);
	long long deadline = now_ms() + grace_ms();
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == ECHILD)
			break;
		if (pid > 0)
			continue;
		if (now_ms() >= deadline) {
			/* what is left dies with us: the kernel kills every
			 * process of a pid namespace whose init exits (also
			 * those our signals cannot reach) */
			say("processes left after the grace period: killing them");
			kill(-1, SIGKILL);
			break;
		}
		struct pollfd p = {.fd = in->sigfd, .events = POLLIN};
		if (poll(&p, 1, 20) > 0) {
			struct signalfd_siginfo si;
			while (read(in->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
				;
		}
	}
	exit(0);
}

static void report_ready(bool confined)
{
	const char *s = getenv("BULKHEAD_READY_FD");
	if (!s)
		return;
	char *end;
	long fd = strtol(s, &end, 10);
	if (*s && !*end && fd > 2 && fd < 65536) {
		if (write((int)fd, confined ? "R1" : "R0", 2) != 2)
			say("cannot report readiness: %s", strerror(errno));
		close((int)fd);
	}
	unsetenv("BULKHEAD_READY_FD");
}

static void log_caps(void)
{
	cap_t caps = cap_get_proc();
	if (!caps)
		return;
	char *text = cap_to_text(caps, NULL);
	if (text && strcmp(text, "=") != 0)
		say("capabilities: %s", text);
	cap_free(text);
	cap_free(caps);
}

int main(int argc, char **argv)
{
	int first = 1;
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc) {
		fprintf(stderr, "usage: bulkhead-init [--] AGENT [ARGS...]\n");
		return 2;
	}
	if (getpid() != 1)
		say("warning: not running as pid 1 (pid %d)", (int)getpid());
	struct init in = {.agent_argv = argv + first, .backoff_ms = BACKOFF_MIN_MS,
			  .child_log = -1};
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(022);
	if (chdir("/") < 0)
		say("chdir /: %s", strerror(errno));

	/* only stdio and the readiness descriptor are ours to keep */
	const char *rfd = getenv("BULKHEAD_READY_FD");
	long keep = rfd ? strtol(rfd, NULL, 10) : -1;
	if (keep > 2 && keep < 65536) {
		if (keep > 3)
			close_range(3, (unsigned)keep - 1, 0);
		close_range((unsigned)keep + 1, ~0U, 0);
	} else {
		close_range(3, ~0U, 0);
	}

	sigset_t set;
	sigemptyset(&set);
	int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa = {.sa_handler = noop_handler};
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		sigaddset(&set, sigs[i]);
		/* a handler, not SIG_DFL: signals to a namespace's init with
		 * the default action are dropped by the kernel */
		sigaction(sigs[i], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	in.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (in.sigfd < 0) {
		say("signalfd: %s", strerror(errno));
		return 1;
	}
	if (mkdir("/var/log", 0755) < 0 && errno != EEXIST)
		say("mkdir /var/log: %s", strerror(errno));
	in.child_log = open(CHILD_LOG, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (in.child_log < 0)
		say("opening " CHILD_LOG ": %s", strerror(errno));
	log_caps();
	struct landlock_result ll;
	if (init_landlock_apply(&ll) < 0) {
		say("cannot apply the domain's Landlock rules: %s", ll.why);
		return 1;
	}
	if (!ll.symlinks || !ll.scoped)
		say("warning: Landlock incomplete: %s", ll.why);

	start_agent(&in);
	report_ready(ll.symlinks && ll.scoped);
	start_rc_local(&in);

	for (;;) {
		int timeout = -1;
		if (in.restart_at) {
			long long left = in.restart_at - now_ms();
			timeout = left < 0 ? 0 : (int)left;
		}
		struct pollfd p = {.fd = in.sigfd, .events = POLLIN};
		int r = poll(&p, 1, timeout);
		if (r < 0 && errno != EINTR) {
			say("poll: %s", strerror(errno));
			continue;
		}
		if (r > 0) {
			struct signalfd_siginfo si;
			bool term = false;
			while (read(in.sigfd, &si, sizeof si) == (ssize_t)sizeof si)
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
					term = true;
			reap(&in);
			if (term)
				shutdown_domain(&in);
		}
		if (in.restart_at && now_ms() >= in.restart_at && !in.agent)
			start_agent(&in);
	}
}
