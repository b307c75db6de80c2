/* askclient: blocking agent call (see askclient.h). */
#include "policy/askclient.h"
#include "lib/fdio.h"
#include "lib/vchan.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long ask_call(const char *sock, const char *msg, size_t len, int timeout_ms,
	      char *answer, size_t anslen)
{
	int fd = unix_connect(sock);
	if (fd < 0)
		return -1;
	if (write_all(fd, msg, len) < 0 || shutdown(fd, SHUT_WR) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	long long deadline = now_ms() + timeout_ms;
	size_t n = 0;
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			close(fd);
			errno = ETIMEDOUT;
			return -1;
		}
		ssize_t r = read(fd, answer + n, anslen - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == anslen - 1) {
			close(fd);
			errno = EMSGSIZE;
			return -1;
		}
	}
	close(fd);
	answer[n] = '\0';
	return (long)n;
}
