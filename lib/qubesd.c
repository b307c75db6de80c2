/* qubesd: qubesd socket protocol client (see qubesd.h). */
#include "lib/qubesd.h"
#include "lib/fdio.h"
#include "lib/vchan.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int qubesd_reply_parse(const char *buf, size_t len, struct qubesd_reply *out,
		       const char **err)
{
	memset(out, 0, sizeof *out);
	if (len < 2 || buf[1] != '\0') {
		*err = "reply shorter than its header";
		return -1;
	}
	if (buf[0] == '0') {
		out->ok = 1;
		out->content = buf + 2;
		out->content_len = len - 2;
		return 0;
	}
	if (buf[0] != '2') {
		*err = buf[0] == '1' ? "unexpected event frame" : "unknown reply type";
		return -1;
	}
	/* TYPE\0TRACEBACK\0MESSAGE\0 */
	const char *f[3];
	size_t off = 2;
	for (int i = 0; i < 3; i++) {
		const char *nul = memchr(buf + off, '\0', len - off);
		if (!nul) {
			*err = "exception reply with missing fields";
			return -1;
		}
		f[i] = buf + off;
		off = (size_t)(nul - buf) + 1;
	}
	if (off != len) {
		*err = "trailing bytes after an exception reply";
		return -1;
	}
	out->ok = 0;
	out->exc_type = f[0];
	out->message = f[2];
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int qubesd_call_raw(const char *socket_path, const char *method, const char *src,
		    const char *dest_type, const char *dest, const void *payload,
		    size_t payload_len, int timeout_ms, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	int fd = unix_connect(socket_path);
	if (fd < 0)
		return -1;
	int hl = snprintf(NULL, 0, "%s %s %s %s", method, src, dest_type, dest);
	char *hdr = hl >= 0 ? malloc((size_t)hl + 1) : NULL;
	if (!hdr) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	snprintf(hdr, (size_t)hl + 1, "%s %s %s %s", method, src, dest_type, dest);
	/* the header's NUL is part of the request */
	int rc = write_all(fd, hdr, (size_t)hl + 1);
	free(hdr);
	if (rc == 0 && payload_len)
		rc = write_all(fd, payload, payload_len);
	if (rc == 0)
		rc = shutdown(fd, SHUT_WR);
	if (rc < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	long long deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : -1;
	while (b) {
		if (n + 1 >= cap) {
			if (cap >= QUBESD_REPLY_MAX) {
				free(b);
				close(fd);
				errno = EMSGSIZE;
				return -1;
			}
			char *nb = realloc(b, cap * 2);
			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
		if (deadline >= 0) {
			long long left = deadline - now_ms();
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			int pr = left > 0 ? poll(&pfd, 1, (int)left) : 0;
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr <= 0) {
				free(b);
				close(fd);
				errno = ETIMEDOUT;
				return -1;
			}
		}
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(b);
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0) {
			close(fd);
			b[n] = '\0';
			*buf = b;
			*len = n;
			return 0;
		}
		n += (size_t)r;
	}
	free(b);
	close(fd);
	errno = ENOMEM;
	return -1;
}
