/* lifecycle: qubes as sandboxes with their qrexec-daemons (see
 * lifecycle.h). Each running qube has a sandbox (its init's pidfd tells
 * when it ends) and a qrexec-daemon child of bulkheadd (started with
 * --direct; its qrexec.NAME socket appearing means the agent inside has
 * connected: the qube is Running). */
#include "domains/lifecycle.h"
#include "domains/sandbox.h"
#include "domains/server.h"
#include "lib/fdio.h"
#include "lib/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WAITERS 16
#define KILL_WAIT_MS 3000

enum lcs { LC_STARTING, LC_RUNNING, LC_HALTING };

struct lcdom {
	char name[32];
	uint32_t qid;
	enum lcs st;
	struct sandbox sb;
	pid_t daemon_pid;
	int daemon_pidfd;
	int start_conn;             /* -1: nobody waits for the start */
	long long deadline;         /* start: qrexec_timeout; halting: shutdown_timeout */
	int waiters[MAX_WAITERS];   /* Shutdown+wait callers */
	size_t nwait;
	bool killed;
};

struct impl {
	struct lcdom **v;
	size_t n, cap;
	pid_t broker_pid;
	int broker_pidfd;
	long long broker_restart_ms;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static struct impl *IMPL(struct lifecycle *lc)
{
	return lc->impl;
}

static struct lcdom *find(struct lifecycle *lc, const char *name)
{
	struct impl *im = IMPL(lc);
	for (size_t i = 0; i < im->n; i++)
		if (strcmp(im->v[i]->name, name) == 0)
			return im->v[i];
	return NULL;
}

static struct lcdom *add(struct lifecycle *lc, const struct domain *d)
{
	struct impl *im = IMPL(lc);
	if (im->n == im->cap) {
		size_t nc = im->cap ? im->cap * 2 : 16;
		struct lcdom **nv = realloc(im->v, nc * sizeof *nv);
		if (!nv)
			return NULL;
		im->v = nv;
		im->cap = nc;
	}
	struct lcdom *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	snprintf(x->name, sizeof x->name, "%s", d->name);
	x->qid = d->qid;
	x->daemon_pid = -1;
	x->daemon_pidfd = -1;
	x->start_conn = -1;
	x->sb.init_pidfd = x->sb.bwrap_pidfd = -1;
	im->v[im->n++] = x;
	return x;
}

static void drop(struct lifecycle *lc, struct lcdom *x)
{
	struct impl *im = IMPL(lc);
	for (size_t i = 0; i < im->n; i++) {
		if (im->v[i] != x)
			continue;
		if (x->daemon_pidfd >= 0)
			close(x->daemon_pidfd);
		if (x->sb.init_pidfd >= 0 || x->sb.bwrap_pidfd >= 0)
			sandbox_release(&x->sb);
		free(x);
		im->v[i] = im->v[--im->n];
		return;
	}
}

static int mkdirs(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static pid_t read_pid(const char *file, const char *must_contain)
{
	FILE *f = fopen(file, "r");
	int pid = -1;
	if (!f)
		return -1;
	if (fscanf(f, "%d", &pid) != 1)
		pid = -1;
	fclose(f);
	if (pid <= 0)
		return -1;
	char cmd[64], buf[4096];
	snprintf(cmd, sizeof cmd, "/proc/%d/cmdline", pid);
	int fd = open(cmd, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strstr(buf, must_contain) ? pid : -1;
}

/* The broker: reuse a running one (it outlived an earlier bulkheadd),
 * else start one. */
static void broker_ensure(struct lifecycle *lc)
{
	struct impl *im = IMPL(lc);
	if (!lc->paths.broker || !lc->paths.broker[0] || im->broker_pidfd >= 0)
		return;
	char pf[PATH_MAX], base[PATH_MAX], log[PATH_MAX];
	snprintf(pf, sizeof pf, "%s/vchan-broker.pid", lc->run_dir);
	snprintf(base, sizeof base, "%s/vchan", lc->run_dir);
	snprintf(log, sizeof log, "%s/vchan-broker.log", lc->run_dir);
	pid_t pid = read_pid(pf, "qrexec-vchan-broker");
	if (pid <= 0) {
		pid = fork();
		if (pid < 0)
			return;
		if (pid == 0) {
			setsid();
			int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
			if (lfd >= 0) {
				dup2(lfd, 1);
				dup2(lfd, 2);
			}
			sigset_t none;
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			signal(SIGPIPE, SIG_DFL);
			closefrom(3);
			execl(lc->paths.broker, "qrexec-vchan-broker", "--base", base, (char *)NULL);
			fprintf(stderr, "cannot run %s: %s\n", lc->paths.broker, strerror(errno));
			_exit(127);
		}
		FILE *f = fopen(pf, "w");
		if (f) {
			fprintf(f, "%d\n", (int)pid);
			fclose(f);
		}
		LOG_INFO("started qrexec-vchan-broker (pid %d) on %s", (int)pid, base);
	}
	im->broker_pid = pid;
	im->broker_pidfd = pidfd_open_(pid);
}

int lifecycle_init(struct lifecycle *lc, struct server *srv, const char *lib_dir,
		   const char *run_dir, const struct lifecycle_paths *paths,
		   struct admin_err *err)
{
	memset(lc, 0, sizeof *lc);
	lc->srv = srv;
	lc->lib_dir = lib_dir;
	lc->run_dir = run_dir;
	lc->paths = *paths;
	lc->impl = calloc(1, sizeof(struct impl));
	if (!lc->impl) {
		admin_err_set(err, "QubesException", "out of memory");
		return -1;
	}
	IMPL(lc)->broker_pidfd = -1;
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/domains", lib_dir);
	if (mkdirs(p, 0711) < 0) {
		admin_err_set(err, "QubesException", "%s: %s", p, strerror(errno));
		return -1;
	}
	snprintf(p, sizeof p, "%s/vchan", run_dir);
	if (mkdirs(p, 0711) < 0) {
		admin_err_set(err, "QubesException", "%s: %s", p, strerror(errno));
		return -1;
	}
	snprintf(p, sizeof p, "%s/domains", run_dir);
	if (mkdirs(p, 0711) < 0 || mkdirs(paths->qrexec_socket_dir, 0755) < 0) {
		admin_err_set(err, "QubesException", "%s: %s", p, strerror(errno));
		return -1;
	}
	broker_ensure(lc);
	return 0;
}

void lifecycle_free(struct lifecycle *lc)
{
	struct impl *im = IMPL(lc);
	if (!im)
		return;
	/* qubes and their daemons keep running: only let go of them */
	while (im->n)
		drop(lc, im->v[0]);
	if (im->broker_pidfd >= 0)
		close(im->broker_pidfd); /* the broker keeps running too */
	free(im->v);
	free(im);
	lc->impl = NULL;
}

/* ---- helpers ---- */

static void qrexec_socket(struct lifecycle *lc, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/qrexec.%s", lc->paths.qrexec_socket_dir, name);
}

static void pidfile(struct lifecycle *lc, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/domains/%s/qrexec-daemon.pid", lc->run_dir, name);
}

/* The template whose root and services a qube runs: follow template
 * properties to a qube without one. */
static const struct domain *root_template(struct app *a, const struct domain *d)
{
	const struct domain *t = d;
	for (int i = 0; i < 8; i++) {
		const struct domain *n = prop_find(t->cls, "template") ? app_prop_vm(a, t, "template")
								     : NULL;
		if (!n)
			return t;
		t = n;
	}
	return t;
}

static pid_t spawn_daemon(struct lifecycle *lc, const struct domain *d, int *pidfd)
{
	struct app *a = &lc->srv->app;
	char qid[16], uuid[64], sockdir[PATH_MAX + 16], vdir[PATH_MAX], vbase[PATH_MAX];
	char user[64], log[PATH_MAX], pol[PATH_MAX + 32];
	snprintf(qid, sizeof qid, "%u", d->qid);
	snprintf(uuid, sizeof uuid, "--uuid=%s", d->uuid);
	snprintf(sockdir, sizeof sockdir, "--socket-dir=%s", lc->paths.qrexec_socket_dir);
	snprintf(vbase, sizeof vbase, "%s/vchan", lc->run_dir);
	snprintf(vdir, sizeof vdir, "%s/vchan/%u", lc->run_dir, d->qid);
	snprintf(log, sizeof log, "%s/domains/%s/qrexec-daemon.log", lc->run_dir, d->name);
	app_prop_str(a, d, "default_user", user, sizeof user);
	if (lc->paths.policy_socket)
		snprintf(pol, sizeof pol, "--policy-socket=%s", lc->paths.policy_socket);
	char qsock[PATH_MAX + 32];
	if (lc->paths.qubesd_socket)
		snprintf(qsock, sizeof qsock, "--qubesd-socket=%s", lc->paths.qubesd_socket);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setsid();
		int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (lfd >= 0) {
			dup2(lfd, 1);
			dup2(lfd, 2);
		}
		int nfd = open("/dev/null", O_RDONLY);
		if (nfd >= 0)
			dup2(nfd, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		closefrom(3);
		setenv("VCHAN_DOMAIN", "0", 1);
		/* this daemon talks to one qube: its directory is enough; the
		 * base is for dom0 programs that reach several */
		setenv("VCHAN_SOCKET_DIR", vdir, 1);
		setenv("VCHAN_SOCKET_DIR_BASE", vbase, 1);
		if (lc->paths.dom0_rpc_path)
			setenv("QREXEC_SERVICE_PATH", lc->paths.dom0_rpc_path, 1);
		const char *argv[12];
		int k = 0;
		argv[k++] = "qrexec-daemon";
		argv[k++] = "--direct";
		argv[k++] = uuid;
		argv[k++] = sockdir;
		if (lc->paths.policy_socket)
			argv[k++] = pol;
		if (lc->paths.qubesd_socket)
			argv[k++] = qsock;
		argv[k++] = qid;
		argv[k++] = d->name;
		argv[k++] = user[0] ? user : "user";
		argv[k] = NULL;
		execv(lc->paths.qrexec_daemon, (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", lc->paths.qrexec_daemon, strerror(errno));
		_exit(127);
	}
	*pidfd = pidfd_open_(pid);
	char pf[PATH_MAX];
	pidfile(lc, d->name, pf, sizeof pf);
	FILE *f = fopen(pf, "w");
	if (f) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	return pid;
}

static void stop_daemon(struct lcdom *x)
{
	if (x->daemon_pid > 0) {
		kill(x->daemon_pid, SIGTERM);
		if (x->daemon_pidfd >= 0) {
			struct pollfd p = {.fd = x->daemon_pidfd, .events = POLLIN};
			if (poll(&p, 1, 1000) <= 0)
				kill(x->daemon_pid, SIGKILL);
		}
		waitpid(x->daemon_pid, NULL, WNOHANG);
	}
	if (x->daemon_pidfd >= 0)
		close(x->daemon_pidfd);
	x->daemon_pidfd = -1;
	x->daemon_pid = -1;
}

static void reply_waiters(struct lifecycle *lc, struct lcdom *x, const struct admin_err *err)
{
	for (size_t i = 0; i < x->nwait; i++)
		server_reply_later(lc->srv, x->waiters[i], err);
	x->nwait = 0;
	if (x->start_conn >= 0) {
		server_reply_later(lc->srv, x->start_conn, err);
		x->start_conn = -1;
	}
}

/* The qube's init has exited (or never came up): everything goes. */
static void halted(struct lifecycle *lc, struct lcdom *x, const char *why)
{
	struct app *a = &lc->srv->app;
	struct domain *d = app_find(a, x->name);
	bool was_starting = x->st == LC_STARTING;
	int code = -1;
	if (x->sb.init_pidfd >= 0 || x->sb.bwrap_pidfd >= 0) {
		if (sandbox_reap(&x->sb, &code) == 0) {
			sandbox_stop(&x->sb, 1000);
		}
	}
	stop_daemon(x);
	char pf[PATH_MAX], qs[PATH_MAX];
	pidfile(lc, x->name, pf, sizeof pf);
	unlink(pf);
	qrexec_socket(lc, x->name, qs, sizeof qs);
	struct admin_err e = {0};
	if (was_starting)
		admin_err_set(&e, "QubesVMError", "%s: %s", x->name, why ? why : "start failed");
	reply_waiters(lc, x, was_starting ? &e : NULL);
	drop(lc, x);
	if (!d)
		return;
	app_set_state(a, d, PS_HALTED);
	d->start_time = 0;
	d->pid = 0;
	if (was_starting) {
		const char *kv[] = {"reason", why ? why : "start failed"};
		app_emit(a, d->name, "domain-start-failed", kv, 1);
	}
	const char *kv2[] = {"xid", "-1"};
	app_emit(a, d->name, "domain-shutdown", kv2, 1);
	LOG_INFO("%s halted%s%s", d->name, why ? ": " : "", why ? why : "");
	char b[8];
	if (d->cls == VMC_DISP &&
	    strcmp(app_prop_str(a, d, "auto_cleanup", b, sizeof b), "True") == 0) {
		struct admin_err re;
		if (app_remove(a, d, &re) < 0)
			LOG_WARN("cannot remove disposable %s: %s", x->name, re.msg);
	}
}

/* A sanitizer build passes its ASan/UBSan options on into domains (their
 * programs are built the same way), without LeakSanitizer, which needs
 * ptrace, denied there. Returns how many entries it put in env. Other
 * builds pass nothing. */
#if defined(__SANITIZE_ADDRESS__)
#define LC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LC_SANITIZED 1
#endif
#endif
static size_t sanitizer_env(char *asan, size_t na, char *ubsan, size_t nu, const char **env)
{
	size_t n = 0;
#ifdef LC_SANITIZED
	const char *a = getenv("ASAN_OPTIONS"), *u = getenv("UBSAN_OPTIONS");
	size_t len = (size_t)snprintf(asan, na, "ASAN_OPTIONS=");
	for (const char *p = a ? a : ""; *p;) {
		size_t l = strcspn(p, ":");
		if (l && strncmp(p, "detect_leaks", 12) != 0 && len + l + 1 < na)
			len += (size_t)snprintf(asan + len, na - len, "%.*s:", (int)l, p);
		p += l + (p[l] == ':');
	}
	snprintf(asan + len, na - len, "detect_leaks=0");
	env[n++] = asan;
	if (u && snprintf(ubsan, nu, "UBSAN_OPTIONS=%s", u) < (int)nu)
		env[n++] = ubsan;
#else
	(void)asan, (void)na, (void)ubsan, (void)nu, (void)env;
#endif
	return n;
}

/* ---- start ---- */

static int build_qdb(struct app *a, const struct domain *d, struct qdb_entry *e, size_t max,
		     char bufs[][128])
{
	size_t n = 0;
	const struct domain *t = root_template(a, d);
	char v[128];
#define QDB(p, val) do { if (n < max) { snprintf(bufs[n], 128, "%s", (val)); \
		e[n].path = (p); e[n].value = bufs[n]; n++; } } while (0)
	QDB("/name", d->name);
	QDB("/type", vm_class_name(d->cls));
	QDB("/qubes-vm-type", d->cls == VMC_TEMPLATE ? "TemplateVM" : "AppVM");
	QDB("/default-user", app_prop_str(a, d, "default_user", v, sizeof v));
	QDB("/qubes-vm-updateable", app_prop_str(a, d, "updateable", v, sizeof v));
	QDB("/qubes-vm-persistence", d->cls == VMC_DISP ? "none"
				     : (d->cls == VMC_APP ? "rw-only" : "full"));
	QDB("/qubes-debug-mode", strcmp(app_prop_str(a, d, "debug", v, sizeof v), "True") == 0
					 ? "1" : "0");
	if (t != d)
		QDB("/qubes-base-template", t->name);
	for (size_t i = 0; i < d->nfeatures && n < max; i++) {
		const char *k = d->features[i].key;
		if (strncmp(k, "service.", 8) == 0 && strlen(k) < 8 + 48) {
			static char paths[64][80];
			snprintf(paths[n % 64], sizeof paths[0], "/qubes-service/%s", k + 8);
			QDB(paths[n % 64], d->features[i].value[0] ? "1" : "0");
		}
	}
#undef QDB
	return (int)n;
}

int lifecycle_start(struct lifecycle *lc, struct domain *d, int conn, struct admin_err *err)
{
	struct app *a = &lc->srv->app;
	if (d->state != PS_HALTED)
		return 0; /* already (being) started */
	if (d->cls == VMC_TEMPLATE || d->cls == VMC_ADMIN) {
		/* templates have nothing of their own to run on the host template */
	}
	struct lcdom *x = add(lc, d);
	if (!x) {
		admin_err_set(err, "QubesException", "out of memory");
		return -1;
	}
	const struct domain *t = root_template(a, d);
	char priv[PATH_MAX], rpc[PATH_MAX], rpcconf[PATH_MAX], vdir[PATH_MAX], rdir[PATH_MAX];
	snprintf(priv, sizeof priv, "%s/domains/%s/private", lc->lib_dir, d->name);
	snprintf(rpc, sizeof rpc, "%s/domains/%s/qubes-rpc", lc->lib_dir, t->name);
	snprintf(rpcconf, sizeof rpcconf, "%s/domains/%s/rpc-config", lc->lib_dir, t->name);
	snprintf(vdir, sizeof vdir, "%s/vchan/%u", lc->run_dir, d->qid);
	snprintf(rdir, sizeof rdir, "%s/domains", lc->run_dir);
	char pdir[PATH_MAX];
	snprintf(pdir, sizeof pdir, "%s/domains/%s", lc->lib_dir, d->name);
	if (mkdirs(pdir, 0711) < 0 || mkdirs(rpc, 0755) < 0 || mkdirs(rpcconf, 0755) < 0 ||
	    mkdirs(vdir, 0700) < 0) {
		admin_err_set(err, "QubesException", "cannot create the directories of %s: %s",
			      d->name, strerror(errno));
		drop(lc, x);
		return -1;
	}
	const char *rootfs = app_feature(t, "bulkhead.root");
	struct qdb_entry qdb[96];
	char qbufs[96][128];
	int nq = build_qdb(a, d, qdb, 96, qbufs);
	char broker[PATH_MAX];
	snprintf(broker, sizeof broker, "VCHAN_BROKER=%s/broker.sock", SB_IN_VCHAN);
	const char *env[3] = {broker};
	size_t n_env = 1;
	char asan[512], ubsan[512];
	n_env += sanitizer_env(asan, sizeof asan, ubsan, sizeof ubsan, env + 1);
	struct sandbox_spec spec = {
		.name = d->name,
		.qid = d->qid,
		.run_dir = rdir,
		.template_root = rootfs && rootfs[0] ? rootfs : NULL,
		.rpc_dir = rpc,
		.rpc_config_dir = rpcconf,
		.private_dir = priv,
		.vchan_dir = vdir,
		.network = app_prop_vm(a, d, "netvm") != NULL,
		.init_path = lc->paths.init,
		.agent_path = lc->paths.agent,
		.qubesdb_read_path = lc->paths.qubesdb_read,
		.client_vm_path = lc->paths.client_vm,
		.n_tools = lc->paths.n_tools,
		.bwrap_path = lc->paths.bwrap,
		.qdb = qdb,
		.n_qdb = (size_t)nq,
		.env = env,
		.n_env = n_env,
	};
	for (size_t ti = 0; ti < lc->paths.n_tools && ti < SANDBOX_TOOLS_MAX; ti++)
		spec.tools[ti] = lc->paths.tools[ti];
	app_emit(a, d->name, "domain-pre-start", NULL, 0);
	char e[1024];
	if (sandbox_start(&spec, &x->sb, e, sizeof e) < 0) {
		LOG_ERR("cannot start %s: %s", d->name, e);
		admin_err_set(err, "QubesVMError", "cannot start %s: %s", d->name, e);
		const char *kv[] = {"reason", e};
		app_emit(a, d->name, "domain-start-failed", kv, 1);
		x->sb.init_pidfd = x->sb.bwrap_pidfd = -1;
		drop(lc, x);
		return -1;
	}
	app_set_state(a, d, PS_TRANSIENT);
	d->pid = x->sb.init_pid;
	app_emit(a, d->name, "domain-spawn", NULL, 0);
	char qs[PATH_MAX];
	qrexec_socket(lc, d->name, qs, sizeof qs);
	unlink(qs);
	x->daemon_pid = spawn_daemon(lc, d, &x->daemon_pidfd);
	if (x->daemon_pid < 0) {
		admin_err_set(err, "QubesVMError", "cannot start the qrexec-daemon of %s", d->name);
		x->st = LC_STARTING;
		halted(lc, x, "no qrexec-daemon");
		return -1;
	}
	char tb[32];
	long tmo = strtol(app_prop_str(a, d, "qrexec_timeout", tb, sizeof tb), NULL, 10);
	x->st = LC_STARTING;
	x->deadline = now_ms() + (tmo > 0 ? tmo : 60) * 1000;
	x->start_conn = conn;
	return 1;
}

/* ---- stop ---- */

int lifecycle_shutdown(struct lifecycle *lc, struct domain *d, bool force, bool wait, int conn,
		       struct admin_err *err)
{
	struct app *a = &lc->srv->app;
	struct lcdom *x = find(lc, d->name);
	if (d->state == PS_HALTED || !x) {
		admin_err_set(err, "QubesVMNotStartedError", "Domain is powered off: '%s'", d->name);
		return -1;
	}
	if (!force) {
		for (size_t i = 0; i < a->ndoms; i++) {
			struct domain *o = a->doms[i];
			if (o != d && o->state != PS_HALTED && prop_find(o->cls, "netvm") &&
			    app_prop_vm(a, o, "netvm") == d) {
				admin_err_set(err, "QubesVMError",
					      "There are other VMs connected to this VM: %s", o->name);
				return -1;
			}
		}
	}
	if (x->st != LC_HALTING) {
		if (d->state == PS_PAUSED)
			lifecycle_pause(lc, d, false, err);
		app_emit(a, d->name, "domain-pre-shutdown", NULL, 0);
		kill(x->sb.init_pid, SIGTERM);
		char tb[32];
		long tmo = strtol(app_prop_str(a, d, "shutdown_timeout", tb, sizeof tb), NULL, 10);
		x->deadline = now_ms() + (tmo > 0 ? tmo : 60) * 1000;
		x->st = LC_HALTING;
		app_set_state(a, d, PS_HALTING);
	}
	if (!wait)
		return 0;
	if (x->nwait == MAX_WAITERS) {
		admin_err_set(err, "QubesException", "too many callers waiting for %s", d->name);
		return -1;
	}
	x->waiters[x->nwait++] = conn;
	return 1;
}

int lifecycle_kill(struct lifecycle *lc, struct domain *d, struct admin_err *err)
{
	struct lcdom *x = find(lc, d->name);
	if (d->state == PS_HALTED || !x) {
		admin_err_set(err, "QubesVMNotStartedError", "Domain is powered off: '%s'", d->name);
		return -1;
	}
	kill(x->sb.init_pid, SIGKILL);
	if (x->sb.init_pidfd >= 0) {
		struct pollfd p = {.fd = x->sb.init_pidfd, .events = POLLIN};
		poll(&p, 1, KILL_WAIT_MS);
	}
	halted(lc, x, "killed");
	return 0;
}

/* Stops or continues every process of the qube (its pid namespace). */
static int signal_all(pid_t init, int sig)
{
	char path[64], ns0[64], ns[64];
	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)init);
	ssize_t l0 = readlink(path, ns0, sizeof ns0 - 1);
	if (l0 < 0)
		return -1;
	ns0[l0] = '\0';
	DIR *dir = opendir("/proc");
	if (!dir)
		return -1;
	struct dirent *de;
	int n = 0;
	while ((de = readdir(dir))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/ns/pid", pid);
		ssize_t l = readlink(path, ns, sizeof ns - 1);
		if (l < 0)
			continue;
		ns[l] = '\0';
		if (strcmp(ns, ns0) == 0 && kill((pid_t)pid, sig) == 0)
			n++;
	}
	closedir(dir);
	return n;
}

int lifecycle_pause(struct lifecycle *lc, struct domain *d, bool pause, struct admin_err *err)
{
	struct app *a = &lc->srv->app;
	struct lcdom *x = find(lc, d->name);
	if (!x || (pause && d->state != PS_RUNNING) || (!pause && d->state != PS_PAUSED)) {
		admin_err_set(err, pause ? "QubesVMNotRunningError" : "QubesVMNotPausedError",
			      "Domain is not %s: '%s'", pause ? "running" : "paused", d->name);
		return -1;
	}
	if (signal_all(x->sb.init_pid, pause ? SIGSTOP : SIGCONT) < 0) {
		admin_err_set(err, "QubesVMError", "cannot %s %s", pause ? "pause" : "unpause",
			      d->name);
		return -1;
	}
	app_set_state(a, d, pause ? PS_PAUSED : PS_RUNNING);
	app_emit(a, d->name, pause ? "domain-paused" : "domain-unpaused", NULL, 0);
	return 0;
}

void lifecycle_forget(struct lifecycle *lc, const struct domain *d)
{
	struct lcdom *x = find(lc, d->name);
	if (x)
		drop(lc, x);
}

/* ---- re-attach ---- */

static pid_t running_daemon(struct lifecycle *lc, const char *name)
{
	char pf[PATH_MAX], cmd[PATH_MAX], buf[4096];
	pidfile(lc, name, pf, sizeof pf);
	FILE *f = fopen(pf, "r");
	int pid = -1;
	if (!f)
		return -1;
	if (fscanf(f, "%d", &pid) != 1)
		pid = -1;
	fclose(f);
	if (pid <= 0)
		return -1;
	snprintf(cmd, sizeof cmd, "/proc/%d/cmdline", pid);
	int fd = open(cmd, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* argv: qrexec-daemon --direct ... QID NAME USER */
	if (!strstr(buf, "qrexec-daemon"))
		return -1;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
		if (strcmp(buf + i, name) == 0)
			return pid;
	return -1;
}

void lifecycle_reattach(struct lifecycle *lc)
{
	struct app *a = &lc->srv->app;
	char rdir[PATH_MAX];
	snprintf(rdir, sizeof rdir, "%s/domains", lc->run_dir);
	for (size_t i = 0; i < a->ndoms; i++) {
		struct domain *d = a->doms[i];
		if (d->cls == VMC_ADMIN)
			continue;
		struct sandbox sb;
		char e[512];
		int r = sandbox_attach(rdir, d->name, &sb, e, sizeof e);
		if (r < 0)
			LOG_WARN("%s: %s", d->name, e);
		if (r != 1)
			continue;
		struct lcdom *x = add(lc, d);
		if (!x) {
			sandbox_release(&sb);
			continue;
		}
		x->sb = sb;
		x->st = LC_RUNNING;
		d->pid = sb.init_pid;
		d->start_time = time(NULL);
		app_set_state(a, d, PS_RUNNING);
		pid_t dp = running_daemon(lc, d->name);
		if (dp > 0) {
			/* not our child any more: watch it by pidfd only */
			x->daemon_pid = dp;
			x->daemon_pidfd = pidfd_open_(dp);
		} else {
			x->daemon_pid = spawn_daemon(lc, d, &x->daemon_pidfd);
		}
		LOG_INFO("re-attached to %s (init %d)", d->name, (int)sb.init_pid);
	}
}

/* ---- the loop's side ---- */

int lifecycle_fds(struct lifecycle *lc, int *fds, int max)
{
	struct impl *im = IMPL(lc);
	int n = 0;
	if (im->broker_pidfd >= 0 && max > 0)
		fds[n++] = im->broker_pidfd;
	for (size_t i = 0; i < im->n && n + 2 <= max; i++) {
		if (im->v[i]->sb.init_pidfd >= 0)
			fds[n++] = im->v[i]->sb.init_pidfd;
		if (im->v[i]->daemon_pidfd >= 0)
			fds[n++] = im->v[i]->daemon_pidfd;
	}
	return n;
}

void lifecycle_on_fd(struct lifecycle *lc, int fd)
{
	struct impl *im = IMPL(lc);
	if (fd == im->broker_pidfd) {
		waitpid(im->broker_pid, NULL, WNOHANG);
		close(im->broker_pidfd);
		im->broker_pidfd = -1;
		im->broker_pid = -1;
		LOG_WARN("qrexec-vchan-broker exited; starting a new one in 1 s");
		im->broker_restart_ms = now_ms() + 1000;
		return;
	}
	for (size_t i = 0; i < im->n; i++) {
		struct lcdom *x = im->v[i];
		if (x->sb.init_pidfd == fd) {
			halted(lc, x, x->st == LC_STARTING ? "the domain's init exited" : NULL);
			return;
		}
		if (x->daemon_pidfd == fd) {
			waitpid(x->daemon_pid, NULL, WNOHANG);
			close(x->daemon_pidfd);
			x->daemon_pidfd = -1;
			x->daemon_pid = -1;
			if (x->st == LC_HALTING)
				return;
			LOG_WARN("the qrexec-daemon of %s exited; starting a new one", x->name);
			struct domain *d = app_find(&lc->srv->app, x->name);
			if (d)
				x->daemon_pid = spawn_daemon(lc, d, &x->daemon_pidfd);
			return;
		}
	}
}

int lifecycle_timeout_ms(struct lifecycle *lc)
{
	struct impl *im = IMPL(lc);
	long long now = now_ms(), next = im->broker_restart_ms ? im->broker_restart_ms : -1;
	for (size_t i = 0; i < im->n; i++) {
		struct lcdom *x = im->v[i];
		long long t = x->st == LC_STARTING ? now + 5 /* poll for the socket */
			      : x->st == LC_HALTING ? x->deadline : -1;
		if (t >= 0 && (next < 0 || t < next))
			next = t;
	}
	return next < 0 ? -1 : (int)(next > now ? next - now : 0);
}

void lifecycle_tick(struct lifecycle *lc)
{
	struct impl *im = IMPL(lc);
	struct app *a = &lc->srv->app;
	long long now = now_ms();
	if (im->broker_restart_ms && now >= im->broker_restart_ms) {
		im->broker_restart_ms = 0;
		char pf[PATH_MAX];
		snprintf(pf, sizeof pf, "%s/vchan-broker.pid", lc->run_dir);
		unlink(pf);
		broker_ensure(lc);
	}
	for (size_t i = 0; i < im->n; i++) {
		struct lcdom *x = im->v[i];
		if (x->st == LC_STARTING) {
			char qs[PATH_MAX];
			struct stat st;
			qrexec_socket(lc, x->name, qs, sizeof qs);
			if (stat(qs, &st) == 0 && S_ISSOCK(st.st_mode)) {
				struct domain *d = app_find(a, x->name);
				x->st = LC_RUNNING;
				if (d) {
					app_set_state(a, d, PS_RUNNING);
					d->start_time = time(NULL);
					char xid[16];
					snprintf(xid, sizeof xid, "%u", d->qid);
					const char *kv[] = {"start_guid", "False", "xid", xid};
					app_emit(a, d->name, "domain-start", kv, 2);
				}
				reply_waiters(lc, x, NULL);
				LOG_INFO("%s is running", x->name);
			} else if (now >= x->deadline) {
				kill(x->sb.init_pid, SIGKILL);
				if (x->sb.init_pidfd >= 0) {
					struct pollfd p = {.fd = x->sb.init_pidfd, .events = POLLIN};
					poll(&p, 1, KILL_WAIT_MS);
				}
				halted(lc, x, "Cannot connect to qrexec agent in time");
				return; /* im changed */
			}
		} else if (x->st == LC_HALTING && !x->killed && now >= x->deadline) {
			LOG_WARN("%s did not shut down in time; killing it", x->name);
			kill(x->sb.init_pid, SIGKILL);
			x->killed = true;
		}
	}
}
