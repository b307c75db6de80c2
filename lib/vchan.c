/* vchan: the "vchan over unix sockets" transport (see vchan.h): socket
 * files in the link's directory, or for domain <-> domain links the
 * client side of the broker protocol. */
#include "lib/vchan.h"
#include "lib/fdio.h"
#include "lib/log.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
	const char *base = getenv("VCHAN_SOCKET_DIR_BASE");
	const char *dir = getenv("VCHAN_SOCKET_DIR");
	if ((!base || !*base) && (!dir || !*dir))
		base = VCHAN_DEFAULT_BASE;
	int r;
	if (base && *base && vchan_local_domain() == 0)
		/* dom0: the directory of the domain at the other end */
		r = snprintf(out, n, "%s/%d/vchan.%d.%d.%d.sock", base,
			     server_dom == 0 ? client_dom : server_dom,
			     server_dom, client_dom, port);
	else
		r = snprintf(out, n, "%s/vchan.%d.%d.%d.sock", vchan_socket_dir(),
			     server_dom, client_dom, port);
	return (r < 0 || (size_t)r >= n) ? -1 : 0;
}

int vchan_broker_format(char *out, size_t n, bool listen, int remote_dom, int port)
{
	if (remote_dom < 1 || remote_dom > VCHAN_MAX_DOMID ||
	    port < VCHAN_BROKER_PORT_MIN || port > VCHAN_BROKER_PORT_MAX)
		return -1;
	int r = snprintf(out, n, "%s %d %d\n", listen ? "LISTEN" : "CONNECT",
			 remote_dom, port);
	return (r < 0 || (size_t)r >= n) ? -1 : r;
}

/* The broker socket to use for a link with remote_dom, or NULL when the
 * link uses a socket file. */
static const char *broker_path(int remote_dom)
{
	if (remote_dom == 0 || vchan_local_domain() == 0)
		return NULL;
	const char *b = getenv("VCHAN_BROKER");
	return b && *b ? b : NULL;
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

/* Milliseconds left until deadline for poll (-1: no deadline). */
static int ms_left(int timeout_ms, long long deadline)
{
	if (timeout_ms < 0)
		return -1;
	long long left = deadline - now_ms();
	return left < 0 ? 0 : (left > 0x7fffffff ? 0x7fffffff : (int)left);
}

/* Connects to the broker and sends one request. Returns the connection
 * (which will carry the reply) or -1. */
static int broker_request(const char *broker, bool listen, int remote_dom, int port,
			  int timeout_ms)
{
	char req[VCHAN_BROKER_REQ_MAX];
	int len = vchan_broker_format(req, sizeof req, listen, remote_dom, port);
	if (len < 0) {
		errno = EINVAL;
		return -1;
	}
	int fd = unix_connect_retry(broker, timeout_ms);
	if (fd < 0) {
		LOG_ERR("cannot reach the vchan broker at %s: %m", broker);
		return -1;
	}
	size_t off = 0;
	while (off < (size_t)len) {
		ssize_t w = send(fd, req + off, (size_t)len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EPIPE)
			break; /* refused before it read: the reply says why */
		if (w <= 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		off += (size_t)w;
	}
	return fd;
}

/* Logs the reason of an "ERR <reason>\n" reply, printable bytes only. */
static void broker_log_refusal(const char *buf, size_t n, int remote_dom, int port)
{
	char why[VCHAN_BROKER_REPLY_MAX];
	size_t k = 0;
	for (size_t i = 4; i < n && buf[i] != '\n' && k + 1 < sizeof why; i++)
		why[k++] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '_';
	why[k] = '\0';
	LOG_WARN("vchan broker refused the link with domain %d port %d: %s",
		 remote_dom, port, why);
}

/* Waits within timeout_ms for the broker's reply on bfd and returns the
 * fd it carries, or -1 (ECONNREFUSED: refused; ETIMEDOUT; EPROTO: a
 * malformed reply). Does not close bfd. */
static int broker_receive(int bfd, int remote_dom, int port, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char buf[VCHAN_BROKER_REPLY_MAX];
	size_t have = 0;
	int got = -1;
	bool bad = false;
	while (have < sizeof buf && !memchr(buf, '\n', have)) {
		struct pollfd pfd = {.fd = bfd, .events = POLLIN};
		int r = poll(&pfd, 1, ms_left(timeout_ms, deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ETIMEDOUT;
			goto fail;
		}
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(4 * sizeof(int))];
		} cm;
		struct iovec iov = {.iov_base = buf + have, .iov_len = sizeof buf - have};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
				   .msg_control = cm.b, .msg_controllen = sizeof cm.b};
		ssize_t n = recvmsg(bfd, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nfd; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
				if (got < 0 && !bad) {
					got = fd;
				} else {
					close(fd);
					bad = true;
				}
			}
		}
		if (m.msg_flags & MSG_CTRUNC)
			bad = true;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	if (!bad && got >= 0 && have == 3 && memcmp(buf, "OK\n", 3) == 0 &&
	    fd_is_stream_socket(got))
		return got;
	if (have >= 5 && memcmp(buf, "ERR ", 4) == 0 && buf[have - 1] == '\n') {
		broker_log_refusal(buf, have, remote_dom, port);
		errno = ECONNREFUSED;
	} else {
		LOG_ERR("%s reply from the vchan broker", have ? "malformed" : "no");
		errno = EPROTO;
	}
fail:;
	int e = errno;
	if (got >= 0)
		close(got);
	errno = e;
	return -1;
}

#define BROKER_CONNECT_TIMEOUT_MS 5000

int vchan_server_listen(int remote_dom, int port)
{
	const char *broker = broker_path(remote_dom);
	if (broker)
		return broker_request(broker, true, remote_dom, port, BROKER_CONNECT_TIMEOUT_MS);
	char path[108];
	if (vchan_path(path, sizeof path, vchan_local_domain(), remote_dom, port) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* dom0 listening in a sandboxed domain's directory: the domain's
	 * (unprivileged) agent must be able to connect; the directory itself
	 * is visible to that domain only */
	mode_t old = umask(0111);
	int fd = unix_listen(path, 1);
	umask(old);
	return fd;
}

int vchan_server_accept(int lfd, int remote_dom, int port, int timeout_ms)
{
	if (broker_path(remote_dom)) {
		int fd = broker_receive(lfd, remote_dom, port, timeout_ms);
		int e = errno;
		close(lfd);
		errno = e;
		return fd;
	}
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
	const char *broker = broker_path(remote_dom);
	if (broker) {
		long long deadline = now_ms() + timeout_ms;
		int bfd = broker_request(broker, false, remote_dom, port, timeout_ms);
		if (bfd < 0)
			return -1;
		int fd = broker_receive(bfd, remote_dom, port, ms_left(timeout_ms, deadline));
		int e = errno;
		close(bfd);
		errno = e;
		return fd;
	}
	char path[108];
	if (vchan_path(path, sizeof path, remote_dom, vchan_local_domain(), port) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return unix_connect_retry(path, timeout_ms);
}
