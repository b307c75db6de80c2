/* bh_daemon: background daemons with pid files (see bh_daemon.h). */
#include "tools/bh_daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pid_path(const struct bh_daemon *d, char *out, size_t n)
{
	snprintf(out, n, "%s/%s.pid", d->pid_dir, d->name);
}

static void log_path(const struct bh_daemon *d, char *out, size_t n)
{
	snprintf(out, n, "%s/%s.log", d->log_dir, d->name);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether pid runs `program` (compared as resolved paths; a binary
 * replaced since it started reads as "PATH (deleted)"). */
static bool runs(pid_t pid, const char *program)
{
	char link[64], exe[PATH_MAX], want[PATH_MAX];
	snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(link, exe, sizeof exe - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	const char *del = " (deleted)";
	size_t dl = strlen(del);
	if ((size_t)n > dl && strcmp(exe + n - dl, del) == 0)
		exe[n - dl] = '\0';
	if (!realpath(program, want))
		return false;
	return strcmp(exe, want) == 0;
}

pid_t bh_daemon_pid(const struct bh_daemon *d)
{
	char pf[PATH_MAX], buf[32];
	pid_path(d, pf, sizeof pf);
	int fd = open(pf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *end;
	long v = strtol(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || v <= 1 || v > INT_MAX)
		return 0;
	pid_t pid = (pid_t)v;
	if (kill(pid, 0) < 0 || !runs(pid, d->program))
		return 0;
	return pid;
}

bool bh_socket_alive(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof a.sun_path)
		return false;
	strcpy(a.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

/* The last lines of the log (at most ~600 bytes), for an error message. */
static void log_tail(const struct bh_daemon *d, char *out, size_t n)
{
	char lp[PATH_MAX], buf[600];
	out[0] = '\0';
	log_path(d, lp, sizeof lp);
	int fd = open(lp, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;
	ssize_t r = pread(fd, buf, sizeof buf - 1, from);
	close(fd);
	if (r <= 0)
		return;
	buf[r] = '\0';
	const char *s = buf;
	if (from > 0) {
		const char *nl = strchr(buf, '\n');
		if (nl)
			s = nl + 1;
	}
	snprintf(out, n, "%s", s);
}

pid_t bh_daemon_start(const struct bh_daemon *d, char *const argv[], char *const env[],
		      int timeout_ms, bool *started, char *err, size_t errlen)
{
	*started = false;
	pid_t pid = bh_daemon_pid(d);
	if (pid > 0 && (!d->ready_socket || bh_socket_alive(d->ready_socket)))
		return pid;
	if (pid > 0) {
		snprintf(err, errlen, "%s runs (pid %d) but does not answer on %s", d->name,
			 (int)pid, d->ready_socket);
		return -1;
	}
	if (d->ready_socket && bh_socket_alive(d->ready_socket))
		return 0; /* serving, started by someone else (systemd) */
	if (access(d->program, X_OK) < 0) {
		snprintf(err, errlen, "%s: %s", d->program, strerror(errno));
		return -1;
	}
	char lp[PATH_MAX], pf[PATH_MAX];
	log_path(d, lp, sizeof lp);
	pid_path(d, pf, sizeof pf);
	int lfd = open(lp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (lfd < 0) {
		snprintf(err, errlen, "%s: %s", lp, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(lfd);
		return -1;
	}
	if (pid == 0) {
		setsid();
		int nfd = open("/dev/null", O_RDONLY);
		if (nfd >= 0)
			dup2(nfd, 0);
		dup2(lfd, 1);
		dup2(lfd, 2);
		closefrom(3);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		for (size_t i = 0; env && env[i]; i++)
			putenv(env[i]);
		execv(d->program, argv);
		fprintf(stderr, "cannot run %s: %s\n", d->program, strerror(errno));
		_exit(127);
	}
	close(lfd);
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof tmp, "%s.new", pf);
	FILE *f = fopen(tmp, "we");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		if (fclose(f) == 0)
			rename(tmp, pf);
	}
	long long deadline = now_ms() + timeout_ms;
	for (;;) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			char tail[700];
			log_tail(d, tail, sizeof tail);
			unlink(pf);
			snprintf(err, errlen, "%s exited at start (%s %d); its log %s ends:\n%s",
				 d->name, WIFEXITED(status) ? "status" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), lp,
				 tail);
			return -1;
		}
		if (!d->ready_socket || bh_socket_alive(d->ready_socket))
			break;
		if (now_ms() > deadline) {
			snprintf(err, errlen, "%s (pid %d) did not open %s within %d ms; see %s",
				 d->name, (int)pid, d->ready_socket, timeout_ms, lp);
			return -1;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	*started = true;
	return pid;
}

static bool wait_gone(pid_t pid, int timeout_ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0)
		return errno == ESRCH;
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	int r = poll(&p, 1, timeout_ms);
	close(pfd);
	waitpid(pid, NULL, WNOHANG); /* our child when started in this process */
	return r > 0;
}

int bh_daemon_stop(const struct bh_daemon *d, int timeout_ms)
{
	pid_t pid = bh_daemon_pid(d);
	char pf[PATH_MAX];
	pid_path(d, pf, sizeof pf);
	if (pid <= 0) {
		unlink(pf);
		return 0;
	}
	kill(pid, SIGTERM);
	if (!wait_gone(pid, timeout_ms)) {
		kill(pid, SIGKILL);
		if (!wait_gone(pid, 2000))
			return -1;
	}
	unlink(pf);
	return 1;
}
