/* sandbox_state: a running domain's state file and what is done with
 * it: writing it at start, re-attaching from it (pids checked against their
 * start times), reaping (the exit code from bwrap's status file), stopping
 * (see sandbox.h for the public side). */
#include "domains/sandbox_state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/names.h"

#define BWRAP_EXIT_WAIT_MS 2000
#define KILL_WAIT_MS 5000

static void fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

long long sb_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Waits until fd is readable or deadline (ms, monotonic) passes. Returns
 * 1 readable, 0 timeout, -1 error. */
int sb_wait_readable(int fd, long long deadline)
{
	for (;;) {
		long long left = deadline - sb_now_ms();
		if (left < 0)
			left = 0;
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r > 0;
	}
}

/* Start time of a process in clock ticks since boot (/proc/PID/stat field
 * 22), 0 if it cannot be read. */
unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	/* fields 3..22 follow the command name: starttime is the 20th */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return 0;
	}
	return strtoull(p + 1, NULL, 10);
}

/* ---- state file ---- */

static int state_path(const struct sandbox *sb, const char *file, char *out, size_t n)
{
	return snprintf(out, n, "%s/%s", sb->dir, file) < (int)n ? 0 : -1;
}

int state_write(const struct sandbox *sb, unsigned long long init_start,
		       unsigned long long bwrap_start, char *err, size_t errlen)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 16];
	if (state_path(sb, "state", path, sizeof path) < 0 ||
	    state_path(sb, "state.new", tmp, sizeof tmp) < 0) {
		fail(err, errlen, "state path too long");
		return -1;
	}
	FILE *f = fopen(tmp, "we");
	if (!f) {
		fail(err, errlen, "writing %s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "name=%s\nqid=%u\nuid_base=%u\ninit_pid=%d\ninit_start=%llu\n"
		"bwrap_pid=%d\nbwrap_start=%llu\nidmapped=%d\nlandlocked=%d\nnetwork=%d\n",
		sb->name, sb->qid, sb->uid_base, (int)sb->init_pid, init_start,
		(int)sb->bwrap_pid, bwrap_start, sb->idmapped, sb->landlocked, sb->network);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
		fail(err, errlen, "writing %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		fail(err, errlen, "renaming %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void state_remove(const struct sandbox *sb)
{
	char path[PATH_MAX + 16];
	if (state_path(sb, "state", path, sizeof path) == 0)
		unlink(path);
}

/* Exit code from bwrap's --json-status-fd output ("exit-code": N), or -1. */
static int status_exit_code(const struct sandbox *sb)
{
	char path[PATH_MAX + 16], buf[4096];
	if (state_path(sb, "status", path, sizeof path) < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strstr(buf, "\"exit-code\"");
	if (!p || !(p = strchr(p, ':')))
		return -1;
	char *end;
	long v = strtol(p + 1, &end, 10);
	return end == p + 1 || v < 0 || v > 255 ? -1 : (int)v;
}

/* ---- attach, reap, stop ---- */

static int parse_state(const char *path, struct sandbox *sb, unsigned long long *is,
		       unsigned long long *bs)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char line[512];
	int seen = 0;
	while (fgets(line, sizeof line, f)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *k = line, *v = eq + 1;
		unsigned long long n = strtoull(v, NULL, 10);
		if (strcmp(k, "qid") == 0) sb->qid = (unsigned)n, seen |= 1;
		else if (strcmp(k, "uid_base") == 0) sb->uid_base = (uint32_t)n, seen |= 2;
		else if (strcmp(k, "init_pid") == 0) sb->init_pid = (pid_t)n, seen |= 4;
		else if (strcmp(k, "init_start") == 0) *is = n, seen |= 8;
		else if (strcmp(k, "bwrap_pid") == 0) sb->bwrap_pid = (pid_t)n, seen |= 16;
		else if (strcmp(k, "bwrap_start") == 0) *bs = n, seen |= 32;
		else if (strcmp(k, "idmapped") == 0) sb->idmapped = n != 0;
		else if (strcmp(k, "landlocked") == 0) sb->landlocked = n != 0;
		else if (strcmp(k, "network") == 0) sb->network = n != 0;
	}
	fclose(f);
	return seen == 63 && sb->init_pid > 0 && sb->bwrap_pid > 0 ? 0 : -1;
}

/* A pidfd for pid if it is still the process that started at `start`. */
static int pidfd_checked(pid_t pid, unsigned long long start)
{
	int fd = pidfd_open(pid, 0);
	if (fd < 0)
		return -1;
	/* checked after opening: the pidfd pins the process we compared */
	if (proc_start_time(pid) != start) {
		close(fd);
		return -1;
	}
	return fd;
}

int sandbox_attach(const char *run_dir, const char *name, struct sandbox *out,
		   char *err, size_t errlen)
{
	if (!name || !names_valid_domain_name(name, strlen(name))) {
		fail(err, errlen, "invalid domain name");
		return -1;
	}
	*out = (struct sandbox){.init_pidfd = -1, .bwrap_pidfd = -1};
	snprintf(out->name, sizeof out->name, "%s", name);
	if (snprintf(out->dir, sizeof out->dir, "%s/%s", run_dir ? run_dir : SANDBOX_DEFAULT_RUN_DIR,
		     name) >= (int)sizeof out->dir) {
		fail(err, errlen, "run dir path too long");
		return -1;
	}
	char path[PATH_MAX + 16];
	if (state_path(out, "state", path, sizeof path) < 0) {
		fail(err, errlen, "run dir path too long");
		return -1;
	}
	unsigned long long is = 0, bs = 0;
	if (parse_state(path, out, &is, &bs) < 0) {
		if (errno == ENOENT)
			return 0;
		fail(err, errlen, "%s is unreadable or incomplete", path);
		return -1;
	}
	out->init_pidfd = pidfd_checked(out->init_pid, is);
	if (out->init_pidfd < 0) {
		state_remove(out);
		return 0;
	}
	/* bwrap may be gone (killed) while init runs on: still running */
	out->bwrap_pidfd = pidfd_checked(out->bwrap_pid, bs);
	return 1;
}

void sandbox_release(struct sandbox *sb)
{
	close_fd(&sb->init_pidfd);
	close_fd(&sb->bwrap_pidfd);
}

int sandbox_reap(struct sandbox *sb, int *exit_code)
{
	if (sb->init_pidfd < 0)
		return -1;
	int r = sb_wait_readable(sb->init_pidfd, sb_now_ms());
	if (r < 0)
		return -1;
	if (r == 0)
		return 0;
	/* init is gone; bwrap writes the exit code and follows */
	if (sb->bwrap_pidfd >= 0)
		sb_wait_readable(sb->bwrap_pidfd, sb_now_ms() + BWRAP_EXIT_WAIT_MS);
	waitpid(sb->bwrap_pid, NULL, WNOHANG); /* only if we are its (sub)reaper */
	*exit_code = status_exit_code(sb);
	state_remove(sb);
	sandbox_release(sb);
	return 1;
}

int sandbox_stop(struct sandbox *sb, int timeout_ms)
{
	if (sb->init_pidfd < 0)
		return -2;
	int code;
	int r = sandbox_reap(sb, &code);
	if (r != 0)
		return r < 0 ? -2 : code;
	if (pidfd_send_signal(sb->init_pidfd, SIGTERM, NULL, 0) < 0 && errno != ESRCH)
		return -2;
	if (sb_wait_readable(sb->init_pidfd, sb_now_ms() + (timeout_ms > 0 ? timeout_ms : 0)) == 0) {
		if (pidfd_send_signal(sb->init_pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
			return -2;
		if (sb_wait_readable(sb->init_pidfd, sb_now_ms() + KILL_WAIT_MS) <= 0)
			return -2;
	}
	r = sandbox_reap(sb, &code);
	return r == 1 ? code : -2;
}
