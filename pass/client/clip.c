/* clip: -c/--clip as pass does it: wl-copy when WAYLAND_DISPLAY is set
 * (--primary for PASSWORD_STORE_X_SELECTION=primary), else xclip
 * -selection "${PASSWORD_STORE_X_SELECTION:-clipboard}" when DISPLAY is
 * set, else pass's error. The secret goes to the tool's stdin only. A
 * detached child (memory locked again: locks are not inherited) waits
 * PASSWORD_STORE_CLIP_TIME seconds (45) and puts the previous content
 * back if the clipboard still holds our secret; a newer qvm-pass -c ends
 * an older waiting child first (as pass's pkill of its sleeper), so the
 * older one restores before the newer one saves. */
#include "pass/client/client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLIP_MAX (16u << 20)
#define SLEEPER_NAME "qvm-pass-clip"

bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char dir[4096];
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		int l = snprintf(dir, sizeof dir, "%.*s/%s", (int)n, n ? p : ".", prog);
		if (l > 0 && (size_t)l < sizeof dir && access(dir, X_OK) == 0)
			return true;
		p += n;
		if (*p == ':')
			p++;
	}
	return false;
}

int pipe_through(char *const *argv, const void *data, size_t len, struct wbuf *out, bool quiet)
{
	int in[2], o[2] = {-1, -1};
	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (out && pipe2(o, O_CLOEXEC) < 0) {
		close(in[0]), close(in[1]);
		return -1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]), close(in[1]);
		if (out)
			close(o[0]), close(o[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		if (out)
			dup2(o[1], 1);
		else if (quiet) {
			int null = open("/dev/null", O_WRONLY);
			if (null >= 0)
				dup2(null, 1);
		}
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	if (out)
		close(o[1]);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(in[1], (const uint8_t *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(in[1]);
	if (out) {
		for (;;) {
			if (wbuf_reserve(out, 4096) != BUF_OK)
				break;
			ssize_t r = read(o[0], out->p + out->len, out->cap - out->len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			out->len += (size_t)r;
		}
		close(o[0]);
	}
	signal(SIGPIPE, old);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* sleep(1)'s number: digits, an optional fraction, an optional s/m/h/d;
 * anything else is no wait (sleep fails at once in pass) */
static double clip_seconds(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0 || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return 0;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return 0;
	}
	if (*end && end[1])
		return 0;
	return v > 31536000 ? 31536000 : v;
}

/* the file naming the waiting child of this display, in the user's
 * runtime directory only (no shared /tmp names) */
static bool sleeper_file(const char *display, char *out, size_t n)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (!rt || rt[0] != '/' || stat(rt, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid())
		return false;
	char safe[64];
	size_t k = 0;
	for (const char *p = display; *p && k + 1 < sizeof safe; p++)
		safe[k++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ? *p : '_';
	safe[k] = '\0';
	int l = snprintf(out, n, "%s/qvm-pass-clip.%s.pid", rt, safe);
	return l > 0 && (size_t)l < n;
}

/* ends an older waiting child of ours for this display (pass: pkill -f) */
static void end_older(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	char b[32] = {0};
	ssize_t r = read(fd, b, sizeof b - 1);
	close(fd);
	long pid = r > 0 ? strtol(b, NULL, 10) : 0;
	if (pid <= 1)
		return;
	char proc[64], comm[32] = {0};
	snprintf(proc, sizeof proc, "/proc/%ld/comm", pid);
	struct stat st;
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	r = read(fd, comm, sizeof comm - 1);
	bool ours = fstat(fd, &st) == 0 && st.st_uid == getuid();
	close(fd);
	if (ours && r > 0 && !strncmp(comm, SLEEPER_NAME, strlen(SLEEPER_NAME)) &&
	    kill((pid_t)pid, SIGTERM) == 0) {
		struct timespec ts = {0, 500000000};
		nanosleep(&ts, NULL);
	}
}

static volatile sig_atomic_t woken;

static void on_term(int sig)
{
	(void)sig;
	woken = 1;
}

static void close_from(int lowest)
{
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = lowest; fd < max; fd++)
		close(fd);
}

/* the detached child: wait, then restore if the clipboard is still ours */
static void restorer(char **copy, char **paste, const struct wbuf *before, const uint8_t *secret,
		     size_t len, double secs, const char *pidfile)
{
	mlockall(MCL_CURRENT | MCL_FUTURE);
	prctl(PR_SET_NAME, SLEEPER_NAME);
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	close_from(3);
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	if (pidfile) {
		char tmp[4200];
		snprintf(tmp, sizeof tmp, "%s.%ld", pidfile, (long)getpid());
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			dprintf(fd, "%ld\n", (long)getpid());
			close(fd);
			if (rename(tmp, pidfile) < 0)
				unlink(tmp);
		}
	}
	struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
	while (!woken && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	struct wbuf now;
	wbuf_init_secret(&now, CLIP_MAX);
	pipe_through(paste, "", 0, &now, true);
	if (now.len == len && (!len || !memcmp(now.p, secret, len)))
		pipe_through(copy, before->p ? (const void *)before->p : "", before->len, NULL, true);
	wbuf_free_secret(&now);
	/* clipboard managers keep a history in plain text: klipper's goes */
	char *qd[] = {"qdbus", "org.kde.klipper", "/klipper",
		      "org.kde.klipper.klipper.clearClipboardHistory", NULL};
	if (in_path("qdbus"))
		pipe_through(qd, "", 0, NULL, true);
	if (pidfile) {
		char b[32] = {0};
		int fd = open(pidfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0) {
			ssize_t r = read(fd, b, sizeof b - 1);
			close(fd);
			if (r > 0 && strtol(b, NULL, 10) == (long)getpid())
				unlink(pidfile);
		}
	}
}

int clip_copy(const struct qp_ctx *c, const char *name, const uint8_t *secret, size_t len)
{
	const char *sel = getenv("PASSWORD_STORE_X_SELECTION");
	if (!sel || !sel[0])
		sel = "clipboard";
	const char *ct = getenv("PASSWORD_STORE_CLIP_TIME");
	if (!ct || !ct[0])
		ct = "45";
	char *copy[5] = {0}, *paste[6] = {0};
	const char *display;
	if (getenv("WAYLAND_DISPLAY") && getenv("WAYLAND_DISPLAY")[0]) {
		display = getenv("WAYLAND_DISPLAY");
		bool primary = !strcmp(sel, "primary");
		copy[0] = "wl-copy";
		copy[1] = primary ? "--primary" : NULL;
		paste[0] = "wl-paste";
		paste[1] = "-n";
		paste[2] = primary ? "--primary" : NULL;
	} else if (getenv("DISPLAY") && getenv("DISPLAY")[0]) {
		display = getenv("DISPLAY");
		copy[0] = "xclip";
		copy[1] = "-selection";
		copy[2] = (char *)sel;
		paste[0] = "xclip";
		paste[1] = "-o";
		paste[2] = "-selection";
		paste[3] = (char *)sel;
	} else {
		return die(c, "Error: No X11 or Wayland display detected");
	}
	char pidfile[4096];
	bool have_pidfile = sleeper_file(display, pidfile, sizeof pidfile);
	if (have_pidfile)
		end_older(pidfile);
	struct wbuf before;
	wbuf_init_secret(&before, CLIP_MAX);
	pipe_through(paste, "", 0, &before, true);
	if (pipe_through(copy, secret, len, NULL, true) != 0) {
		wbuf_free_secret(&before);
		return die(c, "Error: Could not copy data to the clipboard");
	}
	double secs = clip_seconds(ct);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		if (fork() == 0) {
			restorer(copy, paste, &before, secret, len, secs,
				 have_pidfile ? pidfile : NULL);
			wbuf_free_secret(&before);
			_exit(0);
		}
		_exit(0);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	wbuf_free_secret(&before);
	out_str("Copied ");
	out_text(c, name, strlen(name), 0);
	printf(" to clipboard. Will clear in %s seconds.\n", ct);
	return 0;
}
