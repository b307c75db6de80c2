/* policy_call: asking the policy about a call (see policy_call.h). */
#include "qrexec/daemon/policy_call.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/vchan.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_reply(int fd, char *buf, size_t *len)
{
	ssize_t r = read_all(fd, buf, POLICY_REPLY_MAX + 1);
	if (r < 0)
		return -1;
	if ((size_t)r > POLICY_REPLY_MAX) {
		LOG_ERR("policy reply too long");
		return -1;
	}
	*len = (size_t)r;
	return 0;
}

static int ask_socket(const char *path, const struct policy_query *q,
		      struct policy_reply *reply)
{
	int fd = unix_connect(path);
	if (fd < 0)
		return -1;
	char req[8192];
	int n = snprintf(req, sizeof req, "source=%s\n", q->source);
	if (q->requested_source && *q->requested_source)
		n += snprintf(req + n, sizeof req - (size_t)n, "requested_source=%s\n",
			      q->requested_source);
	n += snprintf(req + n, sizeof req - (size_t)n,
		      "intended_target=%s\nservice_and_arg=%s\n\n", q->target, q->service);
	char buf[POLICY_REPLY_MAX + 1];
	size_t len = 0;
	int r = -1;
	if (n < (int)sizeof req && write_all(fd, req, (size_t)n) == 0) {
		shutdown(fd, SHUT_WR);
		if (read_reply(fd, buf, &len) == 0) {
			const char *err;
			r = policy_reply_parse(buf, len, reply, &err);
			if (r < 0)
				LOG_ERR("malformed reply from %s: %s", path, err);
		}
	}
	close(fd);
	return r;
}

static int ask_program(const char *prog, const struct policy_query *q,
		       struct policy_reply *reply)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		closefrom(3);
		execl(prog, "qrexec-policy-exec", "--", q->source, q->target,
		      q->service, (char *)NULL);
		fprintf(stderr, "cannot execute %s: %s\n", prog, strerror(errno));
		_exit(125);
	}
	close(sv[1]);
	char buf[POLICY_REPLY_MAX + 1];
	size_t len = 0;
	int rr = read_reply(sv[0], buf, &len);
	close(sv[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rr < 0)
		return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		/* the program refused (or failed): not an allow */
		memset(reply, 0, sizeof *reply);
		reply->allow = false;
		return 0;
	}
	const char *err;
	if (policy_reply_parse(buf, len, reply, &err) < 0) {
		LOG_ERR("malformed reply from %s: %s", prog, err);
		return -1;
	}
	return 0;
}

int policy_ask(const struct policy_where *w, const struct policy_query *q,
	       struct policy_reply *reply)
{
	if (w->socket && ask_socket(w->socket, q, reply) == 0)
		return 0;
	if (w->program)
		return ask_program(w->program, q, reply);
	return -1;
}
