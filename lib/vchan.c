/* vchan: the "vchan over unix sockets" transport (see vchan.h). */
#include "lib/vchan.h"
#include "lib/log.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int vchan_local_domain(void)
{
	const char *s = getenv("VCHAN_DOMAIN");
	if (!s || !*s)
		return 0;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 0x7fff)
		return 0;
	return (int)v;
}

const char *vchan_socket_dir(void)
{
	const char *s = getenv("VCHAN_SOCKET_DIR");
	return s && *s ? s : VCHAN_DEFAULT_DIR;
}

int vchan_path(char *out, size_t n, int server_dom, int client_dom, int port)
{
	size_t lim = sizeof(((struct sockaddr_un *)0)->sun_path);
	if (n > lim)
		n = lim;
	int r = snprintf(out, n, "%s/vchan.%d.%d.%d.sock", vchan_socket_dir(),
			 server_dom, client_dom, port);
	return (r < 0 || (size_t)r >= n) ? -1 : 0;
}

static int fill_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	size_t l = strlen(path);
	if (l >= sizeof a->sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a->sun_path, path, l + 1);
	return 0;
}

int unix_listen(const char *path, int backlog)
{
	struct sockaddr_un a;
	if (fill_addr(&a, path) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* bind and listen under a temporary name, then rename into place:
	 * the socket appears only once it accepts connections */
	struct sockaddr_un t = a;
	int n = snprintf(t.sun_path, sizeof t.sun_path, "%s.%d~", path, (int)getpid());
	bool tmp = n > 0 && (size_t)n < sizeof t.sun_path;
	if (tmp)
		unlink(t.sun_path);
	else if (unlink(path) < 0 && errno != ENOENT)
		goto fail;
	if (bind(fd, (struct sockaddr *)(tmp ? &t : &a), sizeof a) < 0)
		goto fail;
	if (listen(fd, backlog) < 0 || (tmp && rename(t.sun_path, path) < 0)) {
		int e = errno;
		if (tmp)
			unlink(t.sun_path);
		errno = e;
		goto fail;
	}
	return fd;
fail:;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

int unix_connect(const char *path)
{
	struct sockaddr_un a;
	if (fill_addr(&a, path) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int unix_connect_retry(const char *path, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	long delay_us = 200;
	for (;;) {
		int fd = unix_connect(path);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT && errno != ECONNREFUSED)
			return -1;
		if (timeout_ms >= 0 && now_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct timespec ts = {0, delay_us * 1000};
		nanosleep(&ts, NULL);
		if (delay_us < 5000)
			delay_us *= 2;
	}
}

int vchan_server_listen(int remote_dom, int port)
{
	char path[108];
	if (vchan_path(path, sizeof path, vchan_local_domain(), remote_dom, port) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return unix_listen(path, 1);
}

int vchan_server_accept(int lfd, int remote_dom, int port, int timeout_ms)
{
	struct pollfd pfd = {.fd = lfd, .events = POLLIN};
	long long deadline = now_ms() + timeout_ms;
	int fd = -1;
	for (;;) {
		int wait = -1;
		if (timeout_ms >= 0) {
			long long left = deadline - now_ms();
			wait = left < 0 ? 0 : (int)left;
		}
		int r = poll(&pfd, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ETIMEDOUT;
			break;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		break;
	}
	int e = errno;
	char path[108];
	if (vchan_path(path, sizeof path, vchan_local_domain(), remote_dom, port) == 0)
		unlink(path);
	close(lfd);
	errno = e;
	return fd;
}

int vchan_client_connect(int remote_dom, int port, int timeout_ms)
{
	char path[108];
	if (vchan_path(path, sizeof path, remote_dom, vchan_local_domain(), port) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return unix_connect_retry(path, timeout_ms);
}
