/* transport: running the qrexec client for one call (see transport.h). */
#include "pass/client/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *qrexec_client(void)
{
	const char *e = getenv("QVM_PASS_QREXEC_CLIENT");
	if (e && e[0])
		return e;
	static const char *const where[] = {
		"/usr/lib/qubes/qrexec-client-vm", "/opt/bulkhead/bin/qrexec-client-vm",
		"/usr/local/bin/qrexec-client-vm", "/usr/bin/qrexec-client-vm",
	};
	for (size_t i = 0; i < sizeof where / sizeof *where; i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

int transport_call(const char *vault, enum pass_service svc, const char *scope,
		   const struct wbuf *req, struct wbuf *reply)
{
	const char *client = qrexec_client();
	char service[128];
	snprintf(service, sizeof service, "%s+%s", passproto_service_name(svc), scope);
	if (!client) {
		fprintf(stderr, "qvm-pass: no qrexec-client-vm (looked in /usr/lib/qubes, "
			"/opt/bulkhead/bin, /usr/local/bin, /usr/bin)\n");
		return 125;
	}
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		perror("qvm-pass: pipe");
		return 125;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("qvm-pass: fork");
		return 125;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		char *argv[] = {(char *)client, (char *)vault, service, NULL};
		execve(client, argv, environ);
		fprintf(stderr, "qvm-pass: cannot run %s: %s\n", client, strerror(errno));
		_exit(125);
	}
	close(in[0]);
	close(out[1]);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t off = 0;
	bool too_big = false;
	struct pollfd p[2] = {{in[1], POLLOUT, 0}, {out[0], POLLIN, 0}};
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].fd >= 0 && p[0].revents) {
			ssize_t w = write(in[1], req->p + off, req->len - off);
			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EINTR && errno != EAGAIN) || off == req->len) {
				close(in[1]);
				p[0].fd = -1;
			}
		}
		if (p[1].fd >= 0 && p[1].revents) {
			if (wbuf_reserve(reply, 65536) != BUF_OK &&
			    wbuf_reserve(reply, 1) != BUF_OK) {
				too_big = true;
				close(out[0]);
				p[1].fd = -1;
				continue;
			}
			ssize_t r = read(out[0], reply->p + reply->len, reply->cap - reply->len);
			if (r > 0)
				reply->len += (size_t)r;
			else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(out[0]);
				p[1].fd = -1;
			}
		}
	}
	signal(SIGPIPE, old);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (too_big) {
		fprintf(stderr, "qvm-pass: the reply of %s from %s is too large\n", service, vault);
		return 1;
	}
	if (reply->len >= PASS_HDR_LEN && rc == 0)
		return 0;
	if (reply->len >= PASS_HDR_LEN)
		return 0; /* a reply is there: its status decides */
	if (rc == 126)
		fprintf(stderr, "qvm-pass: the policy refused %s to %s\n", service, vault);
	else if (rc == 127)
		fprintf(stderr, "qvm-pass: %s has no service %s\n", vault,
			passproto_service_name(svc));
	else if (rc == 125)
		fprintf(stderr, "qvm-pass: the call %s to %s could not be started\n", service,
			vault);
	else
		fprintf(stderr, "qvm-pass: no reply from %s for %s (exit %d)\n", vault, service, rc);
	return rc == 126 || rc == 127 || rc == 125 ? rc : 1;
}
