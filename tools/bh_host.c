/* bh_host: bringing bulkhead's host side up and down (see bh_host.h). */
#include "tools/bh_host.h"

#include "tools/vmsel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOST_TEMPLATE "host"

int bh_init(struct bh *b, const char *root, const char *programs, char *err, size_t errlen)
{
	memset(b, 0, sizeof *b);
	if (bh_layout_init(&b->l, root, err, errlen) < 0)
		return -1;
	bh_programs_init(&b->p, programs);
	if (admin_ctx_init(&b->ac, err, errlen) < 0)
		return -1;
	b->ac.transport = ADMIN_T_SOCKET;
	snprintf(b->ac.socket_path, sizeof b->ac.socket_path, "%s", b->l.qubesd_sock);
	b->bulkheadd = (struct bh_daemon){"bulkheadd", b->p.bulkheadd, b->l.run_dir,
					  b->l.log_dir, b->l.qubesd_sock};
	b->policyd = (struct bh_daemon){"qrexec-policy-daemon", b->p.policy_daemon, b->l.run_dir,
					b->l.log_dir, b->l.policy_sock};
	/* started by bulkheadd, which keeps its pid file and log in run_dir */
	b->broker = (struct bh_daemon){"vchan-broker", b->p.broker, b->l.run_dir, b->l.run_dir,
				       NULL};
	return 0;
}

int bh_call(struct bh *b, const char *dest, const char *method, const char *arg,
	    const char *payload, struct admin_result *r)
{
	struct admin_call c = {
		.dest = dest, .method = method, .arg = arg,
		.payload = payload, .payload_len = payload ? strlen(payload) : 0,
		.timeout_ms = 120000,
	};
	if (admin_call(&b->ac, &c, r) == ADMIN_OK)
		return 0;
	fprintf(stderr, "bulkhead: %s%s%s %s: %s%s%s\n", method, arg && *arg ? "+" : "",
		arg ? arg : "", dest, r->exc_type ? r->exc_type : "",
		r->exc_type ? ": " : "", admin_result_text(r));
	return -1;
}

/* The environment of a dom0 qrexec program here, in store. */
static void dom0_env(const struct bh *b, char store[3][PATH_MAX + 32], char *env[4])
{
	snprintf(store[0], PATH_MAX + 32, "VCHAN_SOCKET_DIR_BASE=%s", b->l.vchan_base);
	snprintf(store[1], PATH_MAX + 32, "QUBESD_SOCKET=%s", b->l.qubesd_sock);
	snprintf(store[2], PATH_MAX + 32, "VCHAN_DOMAIN=0");
	for (int i = 0; i < 3; i++)
		env[i] = store[i];
	env[3] = NULL;
}

int bh_run(struct bh *b, char *const argv[], char *out, size_t n)
{
	char store[3][PATH_MAX + 32], *env[4];
	dom0_env(b, store, env);
	int p[2] = {-1, -1};
	if (out && pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		if (out) {
			close(p[0]);
			close(p[1]);
		}
		return -1;
	}
	if (pid == 0) {
		if (out) {
			dup2(p[1], 1);
			dup2(p[1], 2);
		}
		for (size_t i = 0; env[i]; i++)
			putenv(env[i]);
		unsetenv("VCHAN_SOCKET_DIR");
		signal(SIGPIPE, SIG_DFL);
		execv(argv[0], argv);
		fprintf(stderr, "bulkhead: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (out) {
		close(p[1]);
		size_t len = 0;
		for (;;) {
			char tmp[4096];
			ssize_t r = read(p[0], tmp, sizeof tmp);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			size_t take = (size_t)r;
			if (len + take > n - 1)
				take = n - 1 - len;
			memcpy(out + len, tmp, take);
			len += take;
		}
		out[len] = '\0';
		close(p[0]);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Copies the files of src into dst that dst does not have yet (a user's
 * own version of a service stays). A symbolic link is copied as a link:
 * its target is a path inside the qubes (/opt/bulkhead/bin/...). */
static int install_missing(const char *src, const char *dst, unsigned mode)
{
	DIR *d = opendir(src);
	if (!d) {
		fprintf(stderr, "bulkhead: %s: %s\n", src, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char s[PATH_MAX], t[PATH_MAX];
		int ls = snprintf(s, sizeof s, "%s/%s", src, e->d_name);
		int lt = snprintf(t, sizeof t, "%s/%s", dst, e->d_name);
		struct stat st;
		if (ls < 0 || (size_t)ls >= sizeof s || lt < 0 || (size_t)lt >= sizeof t ||
		    lstat(t, &st) == 0 || lstat(s, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(s, target, sizeof target - 1);
			if (n <= 0 || (target[n] = '\0', symlink(target, t) < 0)) {
				fprintf(stderr, "bulkhead: installing %s into %s: %s\n",
					e->d_name, dst, strerror(errno));
				rc = -1;
			}
			continue;
		}
		if (stat(s, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		int in = open(s, O_RDONLY | O_CLOEXEC);
		int out = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		char buf[8192];
		ssize_t r = 0;
		while (in >= 0 && out >= 0 && (r = read(in, buf, sizeof buf)) > 0)
			if (write(out, buf, (size_t)r) != r) {
				r = -1;
				break;
			}
		if (in < 0 || out < 0 || r < 0) {
			fprintf(stderr, "bulkhead: installing %s into %s: %s\n", e->d_name, dst,
				strerror(errno));
			rc = -1;
			if (out >= 0)
				unlink(t);
		}
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
	}
	closedir(d);
	return rc;
}

/* The default template: the host's own system, read-only, with its own
 * qubes-rpc directory holding the standard services. */
static int ensure_host_template(struct bh *b)
{
	struct vm_table t = {0};
	struct admin_result r = {0};
	if (vm_table_fetch(&b->ac, &t, &r) < 0) {
		fprintf(stderr, "bulkhead: admin.vm.List: %s\n", admin_result_text(&r));
		admin_result_free(&r);
		return -1;
	}
	admin_result_free(&r);
	bool have = vm_table_find(&t, HOST_TEMPLATE) != NULL;
	vm_table_free(&t);
	if (!have) {
		memset(&r, 0, sizeof r);
		int rc = bh_call(b, "dom0", "admin.vm.Create.TemplateVM", NULL,
				 "name=" HOST_TEMPLATE " label=black", &r);
		admin_result_free(&r);
		if (rc < 0)
			return -1;
		printf("created template %s (the host's system, read-only)\n", HOST_TEMPLATE);
	}
	memset(&r, 0, sizeof r);
	if (bh_call(b, "dom0", "admin.property.Get", "default_template", NULL, &r) < 0) {
		admin_result_free(&r);
		return -1;
	}
	/* "default=True type=vm " when unset */
	size_t l = r.content_len;
	bool unset = l >= 8 && memcmp(r.content + l - 8, "type=vm ", 8) == 0;
	admin_result_free(&r);
	if (unset) {
		memset(&r, 0, sizeof r);
		int rc = bh_call(b, "dom0", "admin.property.Set", "default_template",
				 HOST_TEMPLATE, &r);
		admin_result_free(&r);
		if (rc < 0)
			return -1;
	}
	char rpc[PATH_MAX];
	int l2 = snprintf(rpc, sizeof rpc, "%s/domains/%s/qubes-rpc", b->l.lib_dir, HOST_TEMPLATE);
	if (l2 < 0 || (size_t)l2 >= sizeof rpc)
		errno = ENAMETOOLONG;
	if (l2 < 0 || (size_t)l2 >= sizeof rpc || bh_mkdirs(rpc, 0755) < 0) {
		fprintf(stderr, "bulkhead: %s: %s\n", rpc, strerror(errno));
		return -1;
	}
	if (install_missing(b->p.template_rpc, rpc, 0755) < 0)
		return -1;
	/* the split-pass services: links into the qubes' /opt/bulkhead/bin
	 * (made here: an installer cannot copy a link whose target is only
	 * there inside the qubes) */
	static const char *const pass_services[] = {"ruddo.PassRead", "ruddo.PassManage"};
	for (size_t i = 0; i < 2; i++) {
		char link[PATH_MAX + 32];
		struct stat st;
		snprintf(link, sizeof link, "%s/%s", rpc, pass_services[i]);
		if (lstat(link, &st) < 0 &&
		    symlink("/opt/bulkhead/bin/bulkhead-pass-vault", link) < 0) {
			fprintf(stderr, "bulkhead: %s: %s\n", link, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int write_admin_policy(struct bh *b)
{
	char *argv[] = {b->p.bulkheadd, "--write-policy", b->l.policy_dir, NULL};
	int rc = bh_run(b, argv, NULL, 0);
	if (rc != 0)
		fprintf(stderr, "bulkhead: writing the admin policy into %s failed\n",
			b->l.policy_dir);
	return rc == 0 ? 0 : -1;
}

int bh_up(struct bh *b)
{
	const struct { const char *p; unsigned mode; } dirs[] = {
		{b->l.policy_dir, 0755}, {b->l.compat_dir, 0755}, {b->l.rpc_dir, 0755},
		{b->l.lib_dir, 0711},    {b->l.log_dir, 0750},    {b->l.sock_dir, 0755},
		{b->l.run_dir, 0755},    {b->l.qrexec_dir, 0755},
	};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (bh_mkdirs(dirs[i].p, dirs[i].mode) < 0) {
			fprintf(stderr, "bulkhead: %s: %s\n", dirs[i].p, strerror(errno));
			return 1;
		}
	if (write_admin_policy(b) < 0)
		return 1;
	/* the split services' default policy (ask), unless the user has one */
	if (access(b->p.shipped_policy, F_OK) == 0 &&
	    install_missing(b->p.shipped_policy, b->l.policy_dir, 0644) < 0)
		return 1;
	char err[1024];
	bool started;
	char dom0_rpc[PATH_MAX + 32];
	snprintf(dom0_rpc, sizeof dom0_rpc, "--dom0-rpc-path=%s", b->l.rpc_dir);
	char *bargv[] = {
		"bulkheadd", "--socket-dir", b->l.sock_dir, "--db", b->l.db,
		"--lib-dir", b->l.lib_dir, "--run-dir", b->l.run_dir,
		"--policy-dir", b->l.policy_dir, "--compat-path", b->l.compat_dir,
		"--qrexec-socket-dir", b->l.qrexec_dir, "--policy-socket", b->l.policy_sock,
		"--agent", b->p.agent, "--init", b->p.init, "--qubesdb-read", b->p.qubesdb_read,
		"--client-vm", b->p.client_vm, "--qrexec-daemon", b->p.qrexec_daemon,
		"--vchan-broker", b->p.broker,
		/* filled below: the host's own defaults need no override; the
		 * split-pass programs go into the qubes when they are there */
		NULL, NULL, NULL, NULL, NULL, NULL,
	};
	size_t na = sizeof bargv / sizeof *bargv - 6;
	if (b->l.root[0])
		bargv[na++] = dom0_rpc;
	const char *tools[] = {b->p.qvm_pass, b->p.pass_vault};
	for (size_t i = 0; i < 2; i++)
		if (access(tools[i], X_OK) == 0) {
			bargv[na++] = "--domain-tool";
			bargv[na++] = (char *)tools[i];
		}
	pid_t pid = bh_daemon_start(&b->bulkheadd, bargv, NULL, 15000, &started, err, sizeof err);
	if (pid < 0) {
		fprintf(stderr, "bulkhead: %s\n", err);
		return 1;
	}
	if (pid == 0)
		printf("bulkheadd: already serving %s (not started by bulkhead)\n",
		       b->l.qubesd_sock);
	else
		printf("bulkheadd: %s (pid %d), %s\n", started ? "started" : "already running",
		       (int)pid, b->l.qubesd_sock);
	char eval[PATH_MAX + 32], gui[PATH_MAX + 32];
	snprintf(eval, sizeof eval, "%s/policy.EvalSimple", b->l.rpc_dir);
	snprintf(gui, sizeof gui, "%s/policy.EvalGUI", b->l.rpc_dir);
	char *pargv[] = {
		"qrexec-policy-daemon", "--policy-path", b->l.policy_dir,
		"--compat-path", b->l.compat_dir, "--socket-path", b->l.policy_sock,
		"--eval-socket-path", eval, "--gui-socket-path", gui,
		"--qubesd-socket", b->l.qubesd_internal_sock,
		"--qubesd-events-socket", b->l.qubesd_sock, "--ask-socket", b->l.ask_sock, NULL,
	};
	pid = bh_daemon_start(&b->policyd, pargv, NULL, 15000, &started, err, sizeof err);
	if (pid < 0) {
		fprintf(stderr, "bulkhead: %s\n", err);
		return 1;
	}
	if (pid == 0)
		printf("qrexec-policy-daemon: already serving %s (not started by bulkhead)\n",
		       b->l.policy_sock);
	else
		printf("qrexec-policy-daemon: %s (pid %d), policy in %s\n",
		       started ? "started" : "already running", (int)pid, b->l.policy_dir);
	if (ensure_host_template(b) < 0)
		return 1;
	return 0;
}

static int kill_running_qubes(struct bh *b)
{
	struct vm_table t = {0};
	struct admin_result r = {0};
	int rc = 0;
	for (int round = 0; round < 100; round++) {
		if (vm_table_fetch(&b->ac, &t, &r) < 0) {
			fprintf(stderr, "bulkhead: admin.vm.List: %s\n", admin_result_text(&r));
			admin_result_free(&r);
			return -1;
		}
		admin_result_free(&r);
		memset(&r, 0, sizeof r);
		size_t running = 0;
		for (size_t i = 0; i < t.n; i++) {
			const struct vm_info *v = &t.v[i];
			if (strcmp(v->klass, "AdminVM") == 0 || vm_is_halted(v))
				continue;
			running++;
			if (round == 0) {
				printf("killing %s\n", v->name);
				struct admin_result kr = {0};
				struct admin_call c = {.dest = v->name, .method = "admin.vm.Kill",
						       .timeout_ms = 30000};
				if (admin_call(&b->ac, &c, &kr) != ADMIN_OK &&
				    !admin_exc_isa(&kr, "QubesVMNotStartedError")) {
					fprintf(stderr, "bulkhead: admin.vm.Kill %s: %s\n", v->name,
						admin_result_text(&kr));
					rc = -1;
				}
				admin_result_free(&kr);
			}
		}
		vm_table_free(&t);
		memset(&t, 0, sizeof t);
		if (!running)
			return rc;
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "bulkhead: qubes still running after 10 s\n");
	return -1;
}

int bh_down(struct bh *b)
{
	int rc = 0;
	if (bh_daemon_pid(&b->bulkheadd) > 0 && bh_socket_alive(b->l.qubesd_sock))
		if (kill_running_qubes(b) < 0)
			rc = 1;
	struct bh_daemon *ds[] = {&b->policyd, &b->bulkheadd, &b->broker};
	for (size_t i = 0; i < 3; i++) {
		int r = bh_daemon_stop(ds[i], 5000);
		if (r < 0) {
			fprintf(stderr, "bulkhead: %s would not stop\n", ds[i]->name);
			rc = 1;
		} else if (!r && ds[i]->ready_socket && bh_socket_alive(ds[i]->ready_socket)) {
			printf("%s: serving %s, not started by bulkhead: left alone "
			       "(systemctl stop?)\n", ds[i]->name, ds[i]->ready_socket);
		} else {
			printf("%s: %s\n", ds[i]->name, r ? "stopped" : "was not running");
		}
	}
	return rc;
}

int bh_status(struct bh *b)
{
	struct bh_daemon *ds[] = {&b->bulkheadd, &b->policyd, &b->broker};
	bool all = true;
	for (size_t i = 0; i < 3; i++) {
		pid_t pid = bh_daemon_pid(ds[i]);
		bool other = pid <= 0 && ds[i]->ready_socket && bh_socket_alive(ds[i]->ready_socket);
		if (pid > 0)
			printf("%s: running (pid %d)\n", ds[i]->name, (int)pid);
		else if (other)
			printf("%s: serving %s (not started by bulkhead)\n", ds[i]->name,
			       ds[i]->ready_socket);
		else
			printf("%s: stopped\n", ds[i]->name);
		all = all && (pid > 0 || other);
	}
	if (bh_socket_alive(b->l.qubesd_sock)) {
		fflush(stdout);
		char *argv[] = {b->p.qvm_ls, NULL};
		if (bh_run(b, argv, NULL, 0) != 0)
			all = false;
	}
	return all ? 0 : 3;
}
