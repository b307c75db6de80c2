/* spawn: preparing the local side of a qrexec call (see spawn.h). */
#include "qrexec/services/spawn.h"
#include "qrexec/services/lookup.h"
#include "qrexec/proto.h"
#include "qrexec/rpcconfig.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/vchan.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static bool strip_env(const char *e)
{
	if (strncmp(e, "QREXEC", 6) != 0)
		return false;
	return strncmp(e, "QREXEC_SERVICE_PATH=", 20) != 0 &&
	       strncmp(e, "QREXEC_AGENT_PID=", 17) != 0;
}

/* Builds the environment of an RPC service: ours minus QREXEC* (but
 * QREXEC_SERVICE_PATH and QREXEC_AGENT_PID), plus the call's variables. */
static char **rpc_env(const struct qrexec_cmd *cmd, size_t *first_own)
{
	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **env = calloc(n + 8, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	for (char **e = environ; *e; e++)
		if (!strip_env(*e))
			env[k++] = *e;
	*first_own = k;
	char *v;
	bool ok = true;
#define ADD(...) \
	do { if (asprintf(&v, __VA_ARGS__) < 0) ok = false; else env[k++] = v; } while (0)
	if (cmd->ntokens >= 4) {
		ADD("QREXEC_REQUESTED_TARGET_TYPE=%s", cmd->target_type);
		if (strcmp(cmd->target_type, "name") == 0)
			ADD("QREXEC_REQUESTED_TARGET=%s", cmd->target);
		else if (strcmp(cmd->target_type, "keyword") == 0)
			ADD("QREXEC_REQUESTED_TARGET_KEYWORD=%s", cmd->target);
	} else {
		ADD("QREXEC_REQUESTED_TARGET_TYPE=");
	}
	ADD("QREXEC_SERVICE_FULL_NAME=%s", cmd->descriptor);
	ADD("QREXEC_REMOTE_DOMAIN=%s", cmd->source);
	if (cmd->arg)
		ADD("QREXEC_SERVICE_ARGUMENT=%s", cmd->arg);
#undef ADD
	env[k] = NULL;
	if (!ok) {
		for (size_t i = *first_own; i < k; i++)
			free(env[i]);
		free(env);
		return NULL;
	}
	return env;
}

/* Looks up the account to run as. In a domain as root: any user; as
 * non-root: only ourselves. */
static int check_user(const char *user, struct passwd **pw_out)
{
	*pw_out = NULL;
	if (!user)
		return 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		LOG_ERR("no such user: %s", user);
		return -1;
	}
	if (geteuid() != 0 && pw->pw_uid != geteuid()) {
		LOG_ERR("cannot run as %s: not root", user);
		return -1;
	}
	*pw_out = pw;
	return 0;
}

/* In the child: become the user (when root). */
static void become_user(const struct passwd *pw)
{
	if (!pw || geteuid() != 0)
		return;
	if (pw->pw_uid != 0 || pw->pw_gid != 0) {
		if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
		    setuid(pw->pw_uid) < 0) {
			fprintf(stderr, "cannot switch to user %s: %s\n", pw->pw_name,
				strerror(errno));
			_exit(QREXEC_EXIT_PROBLEM);
		}
	}
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	setenv("LOGNAME", pw->pw_name, 1);
	setenv("SHELL", pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh", 1);
	if (chdir(pw->pw_dir) < 0 && chdir("/") < 0)
		_exit(QREXEC_EXIT_PROBLEM);
}

static void child_reset_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
}

/* Places fds 0, 1, 2 and closes everything else. */
static void child_stdio(int in, int out, int err)
{
	int fds[3] = {in, out, err};
	/* first move every source above 2 so dup2 order cannot clobber */
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0 && fds[i] <= 2)
			fds[i] = fcntl(fds[i], F_DUPFD, 3);
	for (int i = 0; i < 3; i++) {
		if (fds[i] >= 0) {
			dup2(fds[i], i);
		}
	}
	closefrom(3);
}

static int waitforsession(const struct qrexec_cmd *cmd, const char *user)
{
	struct service_file f;
	int r = service_lookup_exact(service_search_path(), "qubes.WaitForSession", &f);
	if (r == LOOKUP_NOT_FOUND) {
		LOG_WARN("wait-for-session requested but qubes.WaitForSession is not installed");
		return 0;
	}
	if (r != LOOKUP_FOUND)
		return -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		child_reset_signals();
		int devnull = open("/dev/null", O_RDWR);
		setenv("QREXEC_REMOTE_DOMAIN", cmd->source, 1);
		child_stdio(p[0], devnull, 2);
		const char *argv[] = {"qubes.WaitForSession", NULL};
		execv(f.path, (char *const *)argv);
		_exit(QREXEC_EXIT_PROBLEM);
	}
	close(p[0]);
	char line[256];
	int n = snprintf(line, sizeof line, "%s\n", user ? user : "");
	if (n > 0)
		write_all(p[1], line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	close(p[1]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static int connect_unix_service(const char *path)
{
	int fd = unix_connect(path);
	if (fd < 0 && errno == ENAMETOOLONG) {
		/* reach it through its directory's fd: /proc/self/fd/N/name */
		const char *slash = strrchr(path, '/');
		char *dir = strndup(path, slash ? (size_t)(slash - path) : 0);
		int dfd = dir ? open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
		free(dir);
		if (dfd >= 0) {
			char alt[108];
			snprintf(alt, sizeof alt, "/proc/self/fd/%d/%s", dfd, slash + 1);
			fd = unix_connect(alt);
			close(dfd);
		}
	}
	return fd;
}

static int connect_tcp_service(const struct service_file *f, const struct qrexec_cmd *cmd)
{
	char host[256], port[8];
	const char *err;
	if (tcp_target_parse(f->tcp_link, cmd->arg, host, sizeof host, port,
			     sizeof port, &err) < 0) {
		LOG_ERR("%s: bad TCP service target: %s", f->path, err);
		return -1;
	}
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM,
				 .ai_protocol = IPPROTO_TCP};
	hints.ai_family = (strchr(host, ':') || strchr(host, '%')) ? AF_INET6 : AF_UNSPEC;
	struct addrinfo *ai;
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		LOG_ERR("%s: host is not a numeric address", f->path);
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		LOG_ERR("%s: connect: %m", f->path);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* Kernel buffers of the service's stdio: large, so that a bulk transfer
 * moves in big pieces with few wakeups; each stays bounded (the kernel
 * caps socket buffers at net.core.[wr]mem_max, pipes at
 * fs.pipe-max-size). Best effort: the defaults work, only slower. */
#define STDIO_SOCKBUF (1024 * 1024)
#define STDERR_PIPE_SZ (256 * 1024)

static void tune_stdio_buffers(const int in[2], const int out[2], const int err[2])
{
	int socks[4] = {in[0], in[1], out[0], out[1]};
	for (int i = 0; i < 4; i++)
		if (sock_set_buffers(socks[i], STDIO_SOCKBUF) < 0)
			LOG_DEBUG("cannot enlarge a service socket buffer: %m");
	if (err[0] >= 0 && fcntl(err[0], F_SETPIPE_SZ, STDERR_PIPE_SZ) < 0)
		LOG_DEBUG("cannot enlarge the service stderr pipe: %m");
}

static int spawn_process(const struct spawn_opts *o, const char *path,
			 char *const argv[], char **envp,
			 const struct passwd *pw, struct local_side *ls)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	bool capture_err = o->mode == SPAWN_DOMAIN && !o->just_exec;
	if (!o->just_exec) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0 ||
		    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) < 0)
			goto fail;
	}
	if (capture_err && pipe2(err, O_CLOEXEC) < 0)
		goto fail;
	if (!o->just_exec)
		tune_stdio_buffers(in, out, err);
	pid_t pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		child_reset_signals();
		if (o->just_exec) {
			int dn = open("/dev/null", O_RDWR);
			child_stdio(dn, dn, 2);
			if (setsid() < 0)
				_exit(QREXEC_EXIT_PROBLEM);
		} else {
			child_stdio(in[1], out[1], capture_err ? err[1] : 2);
		}
		if (envp)
			environ = envp;
		become_user(pw);
		execv(path, argv);
		int e = errno;
		fprintf(stderr, "cannot execute %s: %s\n", path, strerror(e));
		_exit(e == ENOENT ? QREXEC_EXIT_SERVICE_NOT_FOUND : QREXEC_EXIT_PROBLEM);
	}
	if (!o->just_exec) {
		close(in[1]);
		close(out[1]);
	}
	if (capture_err)
		close(err[1]);
	ls->in_fd = in[0];
	ls->out_fd = out[0];
	ls->err_fd = capture_err ? err[0] : -1;
	ls->pid = pid;
	return 0;
fail:
	LOG_ERR("cannot start service: %m");
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0) close(in[i]);
		if (out[i] >= 0) close(out[i]);
		if (err[i] >= 0) close(err[i]);
	}
	return QREXEC_EXIT_PROBLEM;
}

static int prepare_rpc(const struct spawn_opts *o, struct qrexec_cmd *cmd,
		       struct local_side *ls)
{
	struct rpc_config cfg;
	if (service_config_load(rpc_config_search_path(), cmd, &cfg) < 0)
		return QREXEC_EXIT_PROBLEM;
	if (cfg.force_user) {
		free(cmd->user);
		cmd->user = strdup(cfg.force_user);
	}
	struct passwd *pw = NULL;
	if (o->mode == SPAWN_DOMAIN && check_user(cmd->user, &pw) < 0) {
		rpc_config_free(&cfg);
		return QREXEC_EXIT_PROBLEM;
	}
	if (cfg.wait_for_session && !cmd->nogui && o->mode != SPAWN_DIRECT &&
	    waitforsession(cmd, cmd->user) < 0) {
		rpc_config_free(&cfg);
		return QREXEC_EXIT_PROBLEM;
	}
	struct service_file f;
	int r = service_lookup(service_search_path(), cmd, &f);
	if (r == LOOKUP_NOT_FOUND) {
		LOG_ERR("service %s not found", cmd->descriptor);
		rpc_config_free(&cfg);
		return QREXEC_EXIT_SERVICE_NOT_FOUND;
	}
	if (r != LOOKUP_FOUND) {
		rpc_config_free(&cfg);
		return QREXEC_EXIT_PROBLEM;
	}
	if (f.kind == SERVICE_SOCKET || f.kind == SERVICE_TCP) {
		if (o->mode == SPAWN_DIRECT) {
			LOG_ERR("dom0 -> dom0 calls cannot use socket services");
			rpc_config_free(&cfg);
			return QREXEC_EXIT_PROBLEM;
		}
		int fd = f.kind == SERVICE_SOCKET ? connect_unix_service(f.path)
						  : connect_tcp_service(&f, cmd);
		if (fd < 0) {
			if (f.kind == SERVICE_SOCKET)
				LOG_ERR("cannot connect to %s: %m", f.path);
			rpc_config_free(&cfg);
			return QREXEC_EXIT_PROBLEM;
		}
		if (!cfg.skip_service_descriptor) {
			/* the text after "QUBESRPC ", NUL-terminated */
			const char *desc = cmd->command + 9;
			if (write_all(fd, desc, strlen(desc) + 1) < 0) {
				LOG_ERR("cannot send the service descriptor: %m");
				close(fd);
				rpc_config_free(&cfg);
				return QREXEC_EXIT_PROBLEM;
			}
		}
		ls->in_fd = ls->out_fd = fd;
		ls->err_fd = -1;
		ls->pid = -1;
		ls->exit_on_client_eof = cfg.exit_on_client_eof;
		ls->exit_on_service_eof = cfg.exit_on_service_eof;
		rpc_config_free(&cfg);
		return 0;
	}
	rpc_config_free(&cfg);
	if (f.path[0] != '/') {
		LOG_ERR("service path %s is not absolute", f.path);
		return QREXEC_EXIT_PROBLEM;
	}
	if (cmd->ntokens != 2 && cmd->ntokens != 4) {
		LOG_ERR("invalid number of words in the command: %zu", cmd->ntokens);
		return QREXEC_EXIT_PROBLEM;
	}
	size_t first_own;
	char **env = rpc_env(cmd, &first_own);
	if (!env)
		return QREXEC_EXIT_PROBLEM;
	char *argv[3] = {f.path, NULL, NULL};
	if (cmd->arg && cmd->arg[0])
		argv[1] = cmd->arg;
	if (o->mode == SPAWN_DIRECT) {
		child_reset_signals();
		execve(f.path, argv, env);
		int e = errno;
		LOG_ERR("cannot execute %s: %s", f.path, strerror(e));
		return e == ENOENT ? QREXEC_EXIT_SERVICE_NOT_FOUND : QREXEC_EXIT_PROBLEM;
	}
	r = spawn_process(o, f.path, argv, env, pw, ls);
	for (size_t i = first_own; env[i]; i++)
		free(env[i]);
	free(env);
	return r;
}

int spawn_prepare(const struct spawn_opts *o, struct qrexec_cmd *cmd,
		  struct local_side *ls)
{
	memset(ls, 0, sizeof *ls);
	ls->in_fd = ls->out_fd = ls->err_fd = -1;
	ls->pid = -1;
	if (cmd->is_rpc)
		return prepare_rpc(o, cmd, ls);
	if (o->mode == SPAWN_DIRECT) {
		LOG_ERR("dom0 -> dom0 calls must be qrexec service calls");
		return QREXEC_EXIT_PROBLEM;
	}
	/* legacy plain command */
	struct passwd *pw = NULL;
	if (o->mode == SPAWN_DOMAIN && check_user(cmd->user, &pw) < 0)
		return QREXEC_EXIT_PROBLEM;
	const char *shell = o->shell;
	if (!shell) {
		if (o->mode == SPAWN_DOM0)
			shell = "/bin/bash";
		else if (pw && geteuid() == 0 && pw->pw_shell && *pw->pw_shell)
			shell = pw->pw_shell;
		else
			shell = "/bin/sh";
	}
	char *argv[] = {(char *)shell, "-c", cmd->command, NULL};
	return spawn_process(o, shell, argv, NULL, pw, ls);
}
