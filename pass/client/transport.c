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

#include "pass/client/memlock.h"

extern char **environ;

#define ERR_KEEP (64u << 10)

const char *transport_client(void)
{
	const char *e = getenv("QVM_PASS_QREXEC_CLIENT");
	if (e && e[0])
		return e;
	static const char *const where[] = {
		"/usr/lib/qubes/qrexec-client-vm", "/usr/local/bin/qrexec-client-vm",
		"/usr/bin/qrexec-client-vm",
		/* bulkhead's qubes get their extra programs here */
		"/opt/bulkhead/bin/qrexec-client-vm",
	};
	for (size_t i = 0; i < sizeof where / sizeof *where; i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

static void close_fd(struct pollfd *p)
{
	close(p->fd);
	p->fd = -1;
}

int transport_run(const char *client, const char *vault, const char *service_arg,
		  const struct wbuf *req, struct wbuf *reply, struct transport_result *res)
{
	memset(res, 0, sizeof *res);
	wbuf_init(&res->err, ERR_KEEP);
	/* in, out, err of the child, and a pipe that reports a failed exec */
	int fds[4][2];
	int made = 0;
	for (; made < 4; made++)
		if (pipe2(fds[made], O_CLOEXEC) < 0)
			break;
	pid_t pid = made == 4 ? fork() : -1;
	if (pid < 0) {
		for (int i = 0; i < made; i++)
			close(fds[i][0]), close(fds[i][1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[0][0], 0);
		dup2(fds[1][1], 1);
		dup2(fds[2][1], 2);
		signal(SIGPIPE, SIG_DFL);
		char *argv[] = {(char *)client, (char *)vault, (char *)service_arg, NULL};
		execve(client, argv, environ);
		int e = errno;
		if (write(fds[3][1], &e, sizeof e) < 0)
			_exit(125);
		_exit(125);
	}
	int in[2] = {fds[0][0], fds[0][1]}, out[2] = {fds[1][0], fds[1][1]};
	int er[2] = {fds[2][0], fds[2][1]};
	close(fds[3][1]);
	close(in[0]);
	close(out[1]);
	close(er[1]);
	int exec_errno = 0;
	ssize_t got;
	while ((got = read(fds[3][0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR)
		;
	close(fds[3][0]);
	if (got == (ssize_t)sizeof exec_errno) {
		close(in[1]), close(out[0]), close(er[0]);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		res->exit_code = 125;
		errno = exec_errno;
		return -1;
	}
	res->started = true;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t off = 0;
	struct pollfd p[3] = {{in[1], POLLOUT, 0}, {out[0], POLLIN, 0}, {er[0], POLLIN, 0}};
	if (req->len == 0)
		close_fd(&p[0]);
	while (p[0].fd >= 0 || p[1].fd >= 0 || p[2].fd >= 0) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].fd >= 0 && p[0].revents) {
			ssize_t w = write(p[0].fd, req->p + off, req->len - off);
			if (w > 0)
				off += (size_t)w;
			/* the other side may stop reading (a refusal): then the
			 * rest of the request is dropped */
			if ((w < 0 && errno != EINTR && errno != EAGAIN) || off == req->len)
				close_fd(&p[0]);
		}
		if (p[1].fd >= 0 && p[1].revents) {
			if (wbuf_reserve(reply, 65536) != BUF_OK && wbuf_reserve(reply, 1) != BUF_OK &&
			    !(memlock_relax() && wbuf_reserve(reply, 1) == BUF_OK)) {
				res->too_big = true;
				close_fd(&p[1]);
				continue;
			}
			ssize_t r = read(p[1].fd, reply->p + reply->len, reply->cap - reply->len);
			if (r > 0)
				reply->len += (size_t)r;
			else if (r == 0 || (errno != EINTR && errno != EAGAIN))
				close_fd(&p[1]);
		}
		if (p[2].fd >= 0 && p[2].revents) {
			char b[4096];
			ssize_t r = read(p[2].fd, b, sizeof b);
			if (r > 0) {
				size_t room = ERR_KEEP - res->err.len;
				wbuf_put_bytes(&res->err, b, (size_t)r < room ? (size_t)r : room);
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				close_fd(&p[2]);
			}
		}
	}
	for (int i = 0; i < 3; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	signal(SIGPIPE, old);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	res->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}
