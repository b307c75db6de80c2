/* sandbox: starting a domain -- validate, prepare its directories, plan
 * the template and the stage, detach, stage, exec bubblewrap, wait for
 * init (see sandbox.h; the state file, re-attaching, reaping and stopping
 * are in sandbox_state.c). */
#include "domains/sandbox.h"
#include "domains/sandbox_etc.h"
#include "domains/sandbox_layout.h"
#include "domains/sandbox_seccomp.h"
#include "domains/sandbox_stage.h"
#include "domains/sandbox_state.h"
#include "lib/fdio.h"
#include "lib/names.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_READY_TIMEOUT_MS 10000
#define MSG_MAX 1024
#define HIDE_LIST_MAX (256 * 1024)
#define DOMAIN_NPROC_MAX 4096

/* ---- small helpers ---- */

static void fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int memfd_with(const char *name, const char *data, size_t len, char *err, size_t errlen)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		fail(err, errlen, "memfd_create(%s): %s", name, strerror(errno));
		return -1;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fail(err, errlen, "writing memfd %s: %s", name, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		fail(err, errlen, "sealing memfd %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Creates dir (mode) if missing, with owner uid/gid; an existing one must
 * be a real directory that belongs to the domain (an owner in the range of
 * base) or to root (then it is given to uid/gid). parent_fd: AT_FDCWD and
 * an absolute path, or a directory fd and a name. Returns an O_PATH fd for
 * it, or -1. */
static int owned_dir(int parent_fd, const char *path, uint32_t base, uid_t uid, gid_t gid,
		     mode_t mode, char *err, size_t errlen)
{
	if (mkdirat(parent_fd, path, mode) == 0) {
		/* new: set owner and mode below */
	} else if (errno != EEXIST) {
		fail(err, errlen, "creating %s: %s", path, strerror(errno));
		return -1;
	}
	int fd = openat(parent_fd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fail(err, errlen, "opening %s: %s%s", path, strerror(errno),
		     errno == ELOOP || errno == ENOTDIR ? " (not a directory)" : "");
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		fail(err, errlen, "stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_uid >= base && st.st_uid - base < SANDBOX_UID_COUNT)
		return fd;
	if (st.st_uid != 0) {
		fail(err, errlen, "%s belongs to uid %u, outside this domain's range %u..%u: "
		     "refusing to hand it over", path, (unsigned)st.st_uid, (unsigned)base,
		     (unsigned)(base + SANDBOX_UID_COUNT - 1));
		close(fd);
		return -1;
	}
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0 || chmod(proc, mode) < 0) {
		fail(err, errlen, "giving %s to uid %u: %s", path, (unsigned)uid, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* mkdir -p for the run dir (root only: 0755 parents, 0700 leaf). */
static int make_run_dir(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
		fail(err, errlen, "run dir path too long");
		return -1;
	}
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
			fail(err, errlen, "creating %s: %s", tmp, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST) {
		fail(err, errlen, "creating %s: %s", tmp, strerror(errno));
		return -1;
	}
	struct stat st;
	if (lstat(tmp, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0) {
		fail(err, errlen, "%s is not a directory owned by root", tmp);
		return -1;
	}
	return 0;
}

/* The last lines of the domain's log, for error messages. */
static void log_tail(const char *dir, char *out, size_t n)
{
	char path[PATH_MAX + 8], buf[600];
	out[0] = '\0';
	snprintf(path, sizeof path, "%s/log", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof buf - 1 ? size - (off_t)sizeof buf + 1 : 0;
	ssize_t r = pread(fd, buf, sizeof buf - 1, from);
	close(fd);
	if (r <= 0)
		return;
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == ' '))
		buf[--r] = '\0';
	const char *start = buf;
	for (int lines = 0; r > 0 && lines < 3; r--)
		if (buf[r - 1] == '\n' && ++lines == 3)
			start = buf + r;
	size_t l = strlen(start);
	if (l >= n)
		l = n - 1;
	memcpy(out, start, l);
	out[l] = '\0';
	for (char *p = out; *p; p++)
		if (*p == '\n')
			*p = '|';
}

/* ---- start ---- */

struct launch {
	const struct sandbox_spec *spec;
	struct sandbox *sb;
	struct stage_plan plan;
	struct strlist argv;
	int hide[2];                /* the /etc hide list, launcher -> stage */
	char *etc_data[STAGE_ETC_FILES_MAX];
	struct layout_fds fds;      /* numbers for bwrap */
	int userns_slot;            /* reserved number for the userns fd */
	int log_fd, status_fd, devnull;
	int info[2], ready[2], msg[2];
	int private_fd, vchan_fd;
	char **exec_argv;
};

static void launch_close(struct launch *l)
{
	int *fds[] = {&l->fds.seccomp, &l->fds.qubesdb, &l->userns_slot,
		      &l->log_fd, &l->status_fd, &l->devnull, &l->info[0], &l->info[1],
		      &l->ready[0], &l->ready[1], &l->msg[0], &l->msg[1], &l->private_fd,
		      &l->vchan_fd, &l->hide[0], &l->hide[1]};
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		close_fd(fds[i]);
	for (size_t i = 0; i < STAGE_ETC_FILES_MAX; i++)
		free(l->etc_data[i]);
	free(l->plan.etc_hide_buf);
	strlist_free(&l->argv);
	free(l->exec_argv);
}

static int validate(const struct sandbox_spec *s, char *err, size_t errlen)
{
	if (!s->name || !names_valid_domain_name(s->name, strlen(s->name)) ||
	    strcmp(s->name, "dom0") == 0) {
		fail(err, errlen, "invalid domain name '%.40s'", s->name ? s->name : "");
		return -1;
	}
	if (s->qid < 1 || s->qid > SANDBOX_QID_MAX) {
		fail(err, errlen, "qid %u out of range 1..%d", s->qid, SANDBOX_QID_MAX);
		return -1;
	}
	const char *paths[][2] = {{"private dir", s->private_dir}, {"vchan dir", s->vchan_dir},
				  {"init", s->init_path}, {"agent", s->agent_path}};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
		if (!paths[i][1] || paths[i][1][0] != '/') {
			fail(err, errlen, "%s: an absolute path is needed", paths[i][0]);
			return -1;
		}
	const char *opt[] = {s->template_root, s->rpc_dir, s->rpc_config_dir,
			     s->qubesdb_read_path, s->client_vm_path, s->run_dir, s->bwrap_path};
	for (size_t i = 0; i < sizeof opt / sizeof *opt; i++)
		if (opt[i] && opt[i][0] != '/') {
			fail(err, errlen, "%s: an absolute path is needed", opt[i]);
			return -1;
		}
	if (geteuid() != 0) {
		fail(err, errlen, "starting a domain needs root");
		return -1;
	}
	return 0;
}

/* The qrexec socket dir: every user of the domain may create vchan sockets
 * there (qrexec-client-vm runs as "user"), but the directory belongs to
 * host root and is sticky, like /tmp: the domain can neither remove nor
 * rename the sockets dom0 creates there, and (with fs.protected_symlinks)
 * dom0 does not follow symlinks the domain plants there; bulkhead-init
 * also forbids the domain to create any (Landlock). */
static int vchan_dir(struct launch *l, char *err, size_t errlen)
{
	const char *path = l->spec->vchan_dir;
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		fail(err, errlen, "creating %s: %s", path, strerror(errno));
		return -1;
	}
	l->vchan_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (l->vchan_fd < 0) {
		fail(err, errlen, "opening %s: %s", path, strerror(errno));
		return -1;
	}
	if (fchown(l->vchan_fd, 0, 0) < 0 || fchmod(l->vchan_fd, 01777) < 0) {
		fail(err, errlen, "setting owner and mode of %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The domain's private storage: /rw, /rw/home (-> /home, with user's
 * home), /rw/usrlocal (-> /usr/local), /rw/config. */
static int prepare_private(struct launch *l, char *err, size_t errlen)
{
	uint32_t b = l->sb->uid_base, u = b + 1000;
	l->private_fd = owned_dir(AT_FDCWD, l->spec->private_dir, b, b, b, 0755, err, errlen);
	if (l->private_fd < 0)
		return -1;
	static const char *const subs[] = {"home", "usrlocal", "config"};
	for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
		int f = owned_dir(l->private_fd, subs[i], b, b, b, 0755, err, errlen);
		if (f < 0)
			return -1;
		close(f);
	}
	int home = openat(l->private_fd, "home", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (home < 0) {
		fail(err, errlen, "opening home in %s: %s", l->spec->private_dir, strerror(errno));
		return -1;
	}
	int f = owned_dir(home, "user", b, u, u, 0700, err, errlen);
	close(home);
	if (f < 0)
		return -1;
	close(f);
	return vchan_dir(l, err, errlen);
}

/* The template's top-level trees and the domain's own /etc files. */
static int plan_template(struct launch *l, char *err, size_t errlen)
{
	static const char *const tops[] = {"usr", "bin", "sbin", "lib", "lib32", "lib64",
					   "libx32", "etc"};
	struct stage_plan *p = &l->plan;
	const char *root = l->spec->template_root ? l->spec->template_root : "/";
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl == 1)
		rl = 0; /* "/" */
	if (rl >= sizeof p->template_root) {
		fail(err, errlen, "template path too long");
		return -1;
	}
	memcpy(p->template_root, root, rl);
	p->template_root[rl] = '\0';
	char path[PATH_MAX + 32];
	for (size_t i = 0; i < sizeof tops / sizeof *tops; i++) {
		snprintf(path, sizeof path, "%s/%s", p->template_root, tops[i]);
		struct stat st;
		if (lstat(path, &st) < 0) {
			if (errno == ENOENT && strcmp(tops[i], "usr") != 0 &&
			    strcmp(tops[i], "etc") != 0)
				continue;
			fail(err, errlen, "template: %s: %s", path, strerror(errno));
			return -1;
		}
		struct stage_top *t = &p->tops[p->n_tops];
		snprintf(t->name, sizeof t->name, "%s", tops[i]);
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(path, t->target, sizeof t->target - 1);
			if (n <= 0 || (size_t)n >= sizeof t->target - 1) {
				fail(err, errlen, "template: reading link %s failed", path);
				return -1;
			}
			t->target[n] = '\0';
			t->symlink = true;
		} else if (!S_ISDIR(st.st_mode)) {
			fail(err, errlen, "template: %s is neither a directory nor a symlink", path);
			return -1;
		}
		p->n_tops++;
	}
	/* the domain's own files in /etc */
	const char *names[] = {"passwd", "group", "hostname", "hosts", "machine-id"};
	char *data[] = {etc_passwd(), etc_group(), etc_hostname(l->spec->name),
			etc_hosts(l->spec->name), etc_machine_id()};
	bool oom = false;
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		l->etc_data[i] = data[i];
		oom |= !data[i];
		p->etc_files[p->n_etc_files++] = (struct stage_file){names[i], data[i]};
	}
	if (oom) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int make_qubesdb(struct launch *l, char *err, size_t errlen)
{
	const struct sandbox_spec *s = l->spec;
	bool has_name = false;
	for (size_t i = 0; i < s->n_qdb; i++)
		if (s->qdb[i].path && strcmp(s->qdb[i].path, "/name") == 0)
			has_name = true;
	struct qdb_entry *e = calloc(s->n_qdb + 1, sizeof *e);
	if (!e) {
		fail(err, errlen, "qubesdb: out of memory");
		return -1;
	}
	size_t n = 0;
	if (!has_name)
		e[n++] = (struct qdb_entry){"/name", s->name};
	for (size_t i = 0; i < s->n_qdb; i++)
		e[n++] = s->qdb[i];
	char *data = NULL;
	size_t len = 0;
	int r = qdb_encode(e, n, &data, &len, err, errlen);
	free(e);
	if (r < 0)
		return -1;
	l->fds.qubesdb = memfd_with("bulkhead-qubesdb", data, len, err, errlen);
	free(data);
	return l->fds.qubesdb < 0 ? -1 : 0;
}

static int open_files(struct launch *l, char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/log", l->sb->dir);
	l->log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
			 0600);
	if (l->log_fd < 0) {
		fail(err, errlen, "opening %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof path, "%s/status", l->sb->dir);
	l->status_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
			    0644);
	if (l->status_fd < 0) {
		fail(err, errlen, "opening %s: %s", path, strerror(errno));
		return -1;
	}
	l->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* a descriptor number kept for the user namespace made in the child */
	l->userns_slot = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (l->devnull < 0 || l->userns_slot < 0) {
		fail(err, errlen, "opening /dev/null: %s", strerror(errno));
		return -1;
	}
	if (pipe2(l->info, O_CLOEXEC) < 0 || pipe2(l->ready, O_CLOEXEC) < 0 ||
	    pipe2(l->msg, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, l->hide) < 0) {
		fail(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	l->fds.seccomp = sandbox_seccomp_fd(err, errlen);
	if (l->fds.seccomp < 0)
		return -1;
	if (make_qubesdb(l, err, errlen) < 0)
		return -1;
	l->plan.etc_hide_fd = l->hide[0];
	l->plan.etc_hide_cap = HIDE_LIST_MAX;
	l->plan.etc_hide_buf = malloc(HIDE_LIST_MAX);
	if (!l->plan.etc_hide_buf) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	l->fds.userns = l->userns_slot;
	l->fds.info = l->info[1];
	l->fds.status = l->status_fd;
	l->fds.ready = l->ready[1];
	return 0;
}

static int plan_bins(struct launch *l, char *err, size_t errlen)
{
	const struct sandbox_spec *s = l->spec;
	struct { const char *src, *name; } b[] = {
		{s->init_path, "bulkhead-init"}, {s->agent_path, "qrexec-agent"},
		{s->qubesdb_read_path, "qubesdb-read"}, {s->client_vm_path, "qrexec-client-vm"},
	};
	for (size_t i = 0; i < sizeof b / sizeof *b; i++) {
		if (!b[i].src)
			continue;
		if (access(b[i].src, X_OK) < 0) {
			fail(err, errlen, "%s: %s", b[i].src, strerror(errno));
			return -1;
		}
		l->plan.bins[l->plan.n_bins++] = (struct stage_bin){b[i].src, b[i].name};
	}
	for (size_t i = 0; i < s->n_tools && i < SANDBOX_TOOLS_MAX; i++) {
		const char *src = s->tools[i], *slash = strrchr(src, '/');
		const char *name = slash ? slash + 1 : src;
		if (src[0] != '/' || !name[0] || access(src, X_OK) < 0) {
			fail(err, errlen, "tool %s: %s", src,
			     src[0] != '/' ? "an absolute path is needed" : strerror(errno));
			return -1;
		}
		for (size_t j = 0; j < l->plan.n_bins; j++)
			if (strcmp(l->plan.bins[j].name, name) == 0) {
				fail(err, errlen, "tool %s: %s is there already", src, name);
				return -1;
			}
		l->plan.bins[l->plan.n_bins++] = (struct stage_bin){src, name};
	}
	return 0;
}

/* Child side messages to the launcher, one per line: "P<pid>" (the bwrap
 * process), "I1" or "I<warning>" (idmapped or not), "E<error>" (then the
 * child exits). */
static void child_msg(int fd, char kind, const char *text)
{
	char buf[MSG_MAX];
	int n = snprintf(buf, sizeof buf, "%c%s\n", kind, text);
	if (n > 0)
		(void)!write(fd, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* The launcher's grandchild: stage, drop to the domain's uid base, exec
 * bubblewrap. Never returns. */
static _Noreturn void child_exec(struct launch *l)
{
	char err[MSG_MAX - 8], num[32];
	int mfd = l->msg[1];
	close(l->hide[1]); /* EOF on the list must mean the launcher is done */
	snprintf(num, sizeof num, "%d", (int)getpid());
	child_msg(mfd, 'P', num);

	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);

	struct stage_result r = {.userns_fd = -1};
	int ns = stage_userns(l->sb->uid_base, err, sizeof err);
	if (ns < 0)
		goto die;
	if (dup2(ns, l->userns_slot) < 0) {
		snprintf(err, sizeof err, "dup2 userns: %s", strerror(errno));
		goto die;
	}
	close(ns);
	r.userns_fd = l->userns_slot;
	if (stage_prepare(&l->plan, &r, err, sizeof err) < 0)
		goto die;
	child_msg(mfd, 'I', r.idmapped ? "1" : r.warning);

	/* a fork bomb in a domain stops here (per uid of the domain: its
	 * range is its own; no cgroup limits yet) */
	struct rlimit nproc = {DOMAIN_NPROC_MAX, DOMAIN_NPROC_MAX};
	if (setrlimit(RLIMIT_NPROC, &nproc) < 0) {
		snprintf(err, sizeof err, "setrlimit(RLIMIT_NPROC): %s", strerror(errno));
		goto die;
	}
	uint32_t b = l->sb->uid_base;
	if (setgroups(0, NULL) < 0 || setresgid(b, b, b) < 0 || setresuid(b, b, b) < 0) {
		snprintf(err, sizeof err, "switching to uid %u: %s", b, strerror(errno));
		goto die;
	}
	if (dup2(l->devnull, 0) < 0 || dup2(l->log_fd, 1) < 0 || dup2(l->log_fd, 2) < 0) {
		snprintf(err, sizeof err, "stdio: %s", strerror(errno));
		goto die;
	}
	/* only what bubblewrap needs crosses the exec */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		snprintf(err, sizeof err, "close_range: %s", strerror(errno));
		goto die;
	}
	const int keep[] = {l->fds.userns, l->fds.info, l->fds.status, l->fds.seccomp,
			    l->fds.ready, l->fds.qubesdb};
	for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
		if (fcntl(keep[i], F_SETFD, 0) < 0) {
			snprintf(err, sizeof err, "fd %d: %s", keep[i], strerror(errno));
			goto die;
		}
	execv(l->exec_argv[0], l->exec_argv);
	snprintf(err, sizeof err, "exec %s: %s", l->exec_argv[0], strerror(errno));
die:
	child_msg(mfd, 'E', err);
	_exit(127);
}

/* Reads the child's messages until EOF (its exec, or its death). */
static int read_child_msgs(struct launch *l, long long deadline, char *err, size_t errlen)
{
	char buf[4 * MSG_MAX];
	size_t have = 0;
	for (;;) {
		int w = sb_wait_readable(l->msg[0], deadline);
		if (w <= 0) {
			fail(err, errlen, "the launcher child did not finish staging in time");
			return -1;
		}
		ssize_t n = read(l->msg[0], buf + have, sizeof buf - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		if (have == sizeof buf - 1)
			break;
	}
	buf[have] = '\0';
	bool got_pid = false;
	for (char *line = buf, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		switch (line[0]) {
		case 'P':
			l->sb->bwrap_pid = (pid_t)strtol(line + 1, NULL, 10);
			got_pid = l->sb->bwrap_pid > 0;
			break;
		case 'I':
			l->sb->idmapped = strcmp(line + 1, "1") == 0;
			if (!l->sb->idmapped)
				fprintf(stderr, "bulkhead sandbox %s: WARNING: %s\n", l->sb->name,
					line + 1);
			break;
		case 'E':
			fail(err, errlen, "%s", line + 1);
			return -1;
		}
	}
	if (!got_pid) {
		fail(err, errlen, "the launcher child died before starting");
		return -1;
	}
	return 0;
}

static pid_t read_child_pid(struct launch *l, long long deadline)
{
	char buf[2048];
	size_t have = 0;
	for (;;) {
		if (sb_wait_readable(l->info[0], deadline) <= 0)
			return -1;
		ssize_t n = read(l->info[0], buf + have, sizeof buf - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		if (have == sizeof buf - 1)
			break;
	}
	buf[have] = '\0';
	char *p = strstr(buf, "\"child-pid\"");
	if (!p || !(p = strchr(p, ':')))
		return -1;
	long v = strtol(p + 1, NULL, 10);
	return v > 0 ? (pid_t)v : -1;
}

/* Kills what a failed start left running (not our children: no wait). */
static void kill_leftovers(struct sandbox *sb)
{
	if (sb->init_pid > 0)
		kill(sb->init_pid, SIGKILL);
	if (sb->bwrap_pid > 0)
		kill(sb->bwrap_pid, SIGKILL);
	if (sb->bwrap_pid > 0)
		waitpid(sb->bwrap_pid, NULL, WNOHANG); /* if we are its subreaper */
}

/* Scans the template's /etc and sends the list to the staging child
 * (format in sandbox_stage.h). Without the final marker the child gives
 * up, so an error here cannot leave a domain with a partial list. */
static int send_all(int fd, const char *p, size_t n, long long deadline)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			long long left = deadline - sb_now_ms();
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			if (left <= 0 || poll(&pf, 1, (int)left) <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			continue;
		}
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_hide_list(struct launch *l, long long deadline, char *err, size_t errlen)
{
	char path[PATH_MAX + 8];
	struct strlist hide = {0};
	snprintf(path, sizeof path, "%s/etc", l->plan.template_root);
	int rc = etc_hidden(path, &hide, err, errlen);
	for (size_t i = 0; rc == 0 && i <= hide.n; i++) {
		const char *e = i < hide.n ? hide.v[i] : "\n";
		if (send_all(l->hide[1], e, i < hide.n ? strlen(e) + 1 : 1, deadline) < 0) {
			fail(err, errlen, "sending the /etc hide list: %s", strerror(errno));
			rc = -1;
		}
	}
	strlist_free(&hide);
	return rc;
}

static int launch(struct launch *l, char *err, size_t errlen)
{
	struct sandbox *sb = l->sb;
	long long deadline = sb_now_ms() + (l->spec->ready_timeout_ms > 0
					 ? l->spec->ready_timeout_ms : DEFAULT_READY_TIMEOUT_MS);
	l->exec_argv = calloc(l->argv.n + 1, sizeof *l->exec_argv);
	if (!l->exec_argv) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < l->argv.n; i++)
		l->exec_argv[i] = l->argv.v[i];

	pid_t a = fork();
	if (a < 0) {
		fail(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (a == 0) {
		/* detach: a new session, and the domain's tree is reparented
		 * once we exit */
		if (setsid() < 0) {
			child_msg(l->msg[1], 'E', "setsid failed");
			_exit(1);
		}
		pid_t b = fork();
		if (b < 0) {
			child_msg(l->msg[1], 'E', "fork failed");
			_exit(1);
		}
		if (b == 0)
			child_exec(l);
		_exit(0);
	}
	/* meanwhile: which /etc entries the domain must not see */
	close_fd(&l->hide[0]);
	int scan = send_hide_list(l, deadline, err, errlen);
	close_fd(&l->hide[1]);
	int st;
	while (waitpid(a, &st, 0) < 0 && errno == EINTR)
		;
	close_fd(&l->msg[1]);
	close_fd(&l->info[1]);
	close_fd(&l->ready[1]);
	char cerr[MSG_MAX];
	if (read_child_msgs(l, deadline, cerr, sizeof cerr) < 0 || scan < 0) {
		kill_leftovers(sb);
		if (scan == 0)
			fail(err, errlen, "%s", cerr);
		return -1;
	}
	char tail[512];
	sb->init_pid = read_child_pid(l, deadline);
	if (sb->init_pid < 0) {
		kill_leftovers(sb);
		log_tail(sb->dir, tail, sizeof tail);
		fail(err, errlen, "bwrap failed: %s", *tail ? tail : "(no message)");
		return -1;
	}
	char c[2] = {0, 0};
	int w = sb_wait_readable(l->ready[0], deadline);
	if (w <= 0 || read_all(l->ready[0], c, 2) != 2 || c[0] != 'R') {
		kill_leftovers(sb);
		log_tail(sb->dir, tail, sizeof tail);
		fail(err, errlen, "the domain's init %s: %s",
		     w == 0 ? "did not report ready in time" : "exited during startup",
		     *tail ? tail : "(no message)");
		return -1;
	}
	sb->landlocked = c[1] == '1';
	if (!sb->landlocked)
		fprintf(stderr, "bulkhead sandbox %s: warning: the domain's Landlock rules are "
			"incomplete (see its log)%s\n", sb->name,
			l->spec->network ? "; host abstract unix sockets may be reachable" : "");
	return 0;
}

int sandbox_start(const struct sandbox_spec *spec, struct sandbox *out, char *err, size_t errlen)
{
	if (validate(spec, err, errlen) < 0)
		return -1;
	const char *run_dir = spec->run_dir ? spec->run_dir : SANDBOX_DEFAULT_RUN_DIR;
	struct sandbox probe;
	int running = sandbox_attach(run_dir, spec->name, &probe, err, errlen);
	if (running < 0)
		return -1;
	if (running) {
		sandbox_release(&probe);
		fail(err, errlen, "domain %s is already running (pid %d)", spec->name,
		     (int)probe.init_pid);
		return -1;
	}
	*out = (struct sandbox){.qid = spec->qid, .uid_base = SANDBOX_UID_BASE(spec->qid),
				.init_pidfd = -1, .bwrap_pidfd = -1, .network = spec->network};
	snprintf(out->name, sizeof out->name, "%s", spec->name);
	if (snprintf(out->dir, sizeof out->dir, "%s/%s", run_dir, spec->name) >=
	    (int)sizeof out->dir) {
		fail(err, errlen, "run dir path too long");
		return -1;
	}
	if (make_run_dir(out->dir, err, errlen) < 0)
		return -1;

	struct launch l = {.spec = spec, .sb = out};
	int *fds[] = {&l.fds.seccomp, &l.fds.qubesdb, &l.userns_slot, &l.hide[0], &l.hide[1],
		      &l.log_fd, &l.status_fd, &l.devnull, &l.info[0], &l.info[1],
		      &l.ready[0], &l.ready[1], &l.msg[0], &l.msg[1], &l.private_fd, &l.vchan_fd};
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		*fds[i] = -1;
	l.plan.uid_base = out->uid_base;
	l.plan.rpc_dir = spec->rpc_dir;
	l.plan.rpc_config_dir = spec->rpc_config_dir;
	l.plan.private_dir = spec->private_dir;
	l.plan.vchan_dir = spec->vchan_dir;

	int rc = -1;
	if (prepare_private(&l, err, errlen) < 0 || plan_template(&l, err, errlen) < 0 ||
	    plan_bins(&l, err, errlen) < 0 || open_files(&l, err, errlen) < 0)
		goto out;
	struct layout_in in = {
		.spec = spec, .plan = &l.plan, .init_name = "bulkhead-init", .agent_name = "qrexec-agent",
	};
	if (layout_bwrap_argv(&in, &l.fds, &l.argv, err, errlen) < 0)
		goto out;
	if (launch(&l, err, errlen) < 0)
		goto out;
	unsigned long long is = proc_start_time(out->init_pid);
	unsigned long long bs = proc_start_time(out->bwrap_pid);
	out->init_pidfd = pidfd_open(out->init_pid, 0);
	out->bwrap_pidfd = pidfd_open(out->bwrap_pid, 0);
	if (out->init_pidfd < 0 || out->bwrap_pidfd < 0 || is == 0 || bs == 0) {
		fail(err, errlen, "the domain died right after starting");
		kill_leftovers(out);
		sandbox_release(out);
		goto out;
	}
	if (state_write(out, is, bs, err, errlen) < 0) {
		kill_leftovers(out);
		sandbox_release(out);
		goto out;
	}
	rc = 0;
out:
	launch_close(&l);
	return rc;
}
