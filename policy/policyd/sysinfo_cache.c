/* sysinfo_cache: system info for the policy daemon (see sysinfo_cache.h). */
#include "policy/policyd/sysinfo_cache.h"
#include "policy/sysinfo_source.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/qubesd.h"
#include "lib/vchan.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EV_RETRY_MS 5000

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void subscribe(struct sysinfo_cache *c)
{
	c->ev_retry_ms = now_ms() + EV_RETRY_MS;
	int fd = unix_connect(c->events_sock);
	if (fd < 0)
		return;
	static const char req[] = "admin.Events+ dom0 name dom0";
	if (write_all(fd, req, sizeof req) < 0 || shutdown(fd, SHUT_WR) < 0) {
		close(fd);
		return;
	}
	set_nonblock(fd, true);
	c->evfd = fd;
	c->valid = false; /* events may have been missed before now */
	LOG_INFO("subscribed to bulkheadd events on %s", c->events_sock);
}

int sicache_init(struct sysinfo_cache *c, const char *file, const char *internal_sock,
		 const char *events_sock)
{
	memset(c, 0, sizeof *c);
	c->ifd = c->evfd = -1;
	c->file = file;
	c->internal_sock = internal_sock ? internal_sock : QUBESD_INTERNAL_SOCKET;
	c->events_sock = events_sock ? events_sock : QUBESD_SOCKET;
	if (file) {
		c->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (c->ifd < 0)
			return -1;
		char dir[PATH_MAX];
		snprintf(dir, sizeof dir, "%s", file);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof dir, ".");
		if (inotify_add_watch(c->ifd, slash == dir ? "/" : dir,
				      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE) < 0)
			return -1;
	} else {
		subscribe(c);
	}
	return 0;
}

void sicache_free(struct sysinfo_cache *c)
{
	sysinfo_free(c->cur);
	c->cur = NULL;
	if (c->ifd >= 0)
		close(c->ifd);
	if (c->evfd >= 0)
		close(c->evfd);
	c->ifd = c->evfd = -1;
}

int sicache_watch_fd(const struct sysinfo_cache *c)
{
	return c->ifd;
}

int sicache_event_fd(const struct sysinfo_cache *c)
{
	return c->evfd;
}

void sicache_on_watch(struct sysinfo_cache *c)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base = strrchr(c->file, '/');
	base = base ? base + 1 : c->file;
	ssize_t n;
	while ((n = read(c->ifd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->len && strcmp(ev->name, base) == 0)
				c->valid = false;
		}
	}
}

void sicache_on_event(struct sysinfo_cache *c)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(c->evfd, buf, sizeof buf);
		if (n > 0) {
			c->valid = false; /* any registry event */
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		LOG_WARN("bulkheadd event stream closed; fetching system info per request");
		close(c->evfd);
		c->evfd = -1;
		c->valid = false;
		c->ev_retry_ms = now_ms() + EV_RETRY_MS;
		return;
	}
}

int sicache_timeout_ms(const struct sysinfo_cache *c)
{
	if (c->file || c->evfd >= 0)
		return -1;
	long long left = c->ev_retry_ms - now_ms();
	return left > 0 ? (int)left : 0;
}

void sicache_tick(struct sysinfo_cache *c)
{
	if (!c->file && c->evfd < 0 && now_ms() >= c->ev_retry_ms)
		subscribe(c);
}

struct sysinfo *sicache_get(struct sysinfo_cache *c, char *err, size_t errlen)
{
	if (!c->valid || !c->cur) {
		struct sysinfo *si;
		c->fetches++;
		if (sysinfo_fetch(c->file, c->internal_sock, &si, err, errlen) < 0) {
			if (c->file && c->cur) {
				/* a broken edit of the file: keep the last good one */
				LOG_ERR("%s; keeping the previous system info", err);
				c->valid = true;
				return sysinfo_ref(c->cur);
			}
			return NULL;
		}
		sysinfo_free(c->cur);
		c->cur = si;
		/* without a file watch or an event stream, nothing tells us
		 * when it changes: do not cache */
		c->valid = c->file != NULL || c->evfd >= 0;
	}
	return sysinfo_ref(c->cur);
}
