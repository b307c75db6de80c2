/* domdirs: the broker's per-domain socket directories (see domdirs.h). */
#include "qrexec/broker/domdirs.h"
#include "qrexec/broker/request.h"
#include "lib/log.h"
#include "lib/vchan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SOCK_NAME VCHAN_BROKER_SOCKET_NAME
#define SOCK_TMP_NAME VCHAN_BROKER_SOCKET_NAME ".new"
#define LISTEN_BACKLOG 64
#define MAX_DOMAINS 4096
/* A missing socket is re-created only after this long, so that we do not
 * put it back into a directory that the host is removing (rm -r). */
#define RECREATE_AFTER_MS 2000

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Binds and listens on <dir>/broker.sock (through the directory fd, so a
 * renamed or replaced path component cannot redirect it), under a
 * temporary name first so the socket appears only once it listens. */
static int dom_listen(struct broker_dom *d)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int n = snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/%s", d->dirfd,
			 SOCK_TMP_NAME);
	if (n < 0 || (size_t)n >= sizeof a.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (unlinkat(d->dirfd, SOCK_TMP_NAME, 0) < 0 && errno != ENOENT)
		goto fail;
	mode_t old = umask(0); /* every user of the domain may connect */
	int r = bind(fd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (r < 0)
		goto fail;
	struct stat st;
	if (listen(fd, LISTEN_BACKLOG) < 0 ||
	    renameat(d->dirfd, SOCK_TMP_NAME, d->dirfd, SOCK_NAME) < 0 ||
	    fstatat(d->dirfd, SOCK_NAME, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		int e = errno;
		unlinkat(d->dirfd, SOCK_TMP_NAME, 0);
		errno = e;
		goto fail;
	}
	d->sock_dev = st.st_dev;
	d->sock_ino = st.st_ino;
	d->lfd = fd;
	d->warned = false;
	d->missing_since_ms = 0;
	return 0;
fail:;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

static bool sock_is_ours(const struct broker_dom *d)
{
	struct stat st;
	return d->lfd >= 0 && fstatat(d->dirfd, SOCK_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISSOCK(st.st_mode) && st.st_dev == d->sock_dev && st.st_ino == d->sock_ino;
}

static void dom_unlisten(struct broker_dom *d)
{
	if (d->lfd < 0)
		return;
	if (sock_is_ours(d))
		unlinkat(d->dirfd, SOCK_NAME, 0);
	close(d->lfd);
	d->lfd = -1;
}

/* Listens if we do not; logs a failure once until it works again. */
static void dom_ensure_listening(struct domdirs *s, struct broker_dom *d)
{
	if (d->lfd >= 0 && sock_is_ours(d)) {
		d->missing_since_ms = 0;
		return;
	}
	if (d->lfd >= 0) {
		/* our socket file was removed or replaced: wait a little (the
		 * directory may be on its way out), then make a new one */
		long long now = now_ms();
		if (d->missing_since_ms == 0) {
			d->missing_since_ms = now;
			return;
		}
		if (now - d->missing_since_ms < RECREATE_AFTER_MS)
			return;
		LOG_WARN("domain %u: %s/%u/%s was removed or replaced; making a new one",
			 d->id, s->base, d->id, SOCK_NAME);
		close(d->lfd);
		d->lfd = -1;
	}
	if (dom_listen(d) < 0 && !d->warned) {
		LOG_ERR("domain %u: cannot listen on %s/%u/%s: %m", d->id, s->base, d->id,
			SOCK_NAME);
		d->warned = true;
	}
}

struct broker_dom *domdirs_find(struct domdirs *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return &s->v[i];
	return NULL;
}

static void dom_remove(struct domdirs *s, struct broker_dom *d)
{
	LOG_INFO("domain %u: directory gone, no longer serving it", d->id);
	if (s->gone)
		s->gone(s->ctx, d->id);
	dom_unlisten(d);
	close(d->dirfd);
	*d = s->v[--s->n]; /* order does not matter */
}

static void dom_add(struct domdirs *s, uint32_t id, const char *name)
{
	if (s->n == MAX_DOMAINS) {
		LOG_ERR("more than %d domain directories; ignoring %s/%s", MAX_DOMAINS,
			s->base, name);
		return;
	}
	int dfd = openat(s->basefd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (dfd < 0 || fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (dfd >= 0)
			close(dfd);
		return; /* gone again, or a symlink: not a domain directory */
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct broker_dom *v = realloc(s->v, cap * sizeof *v);
		if (!v) {
			LOG_ERR("out of memory; ignoring domain %u", id);
			close(dfd);
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	struct broker_dom *d = &s->v[s->n++];
	memset(d, 0, sizeof *d);
	d->id = id;
	d->dirfd = dfd;
	d->dir_dev = st.st_dev;
	d->dir_ino = st.st_ino;
	d->lfd = -1;
	dom_ensure_listening(s, d);
	if (d->lfd >= 0)
		LOG_INFO("domain %u: serving %s/%u/%s", id, s->base, id, SOCK_NAME);
}

/* Makes the entry for domain `id` match BASE/<id> as it is now. */
static void refresh(struct domdirs *s, uint32_t id)
{
	char name[16];
	snprintf(name, sizeof name, "%u", id);
	struct stat st;
	bool there = fstatat(s->basefd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISDIR(st.st_mode);
	struct broker_dom *d = domdirs_find(s, id);
	if (d && (!there || st.st_dev != d->dir_dev || st.st_ino != d->dir_ino)) {
		dom_remove(s, d);
		d = NULL;
	}
	if (!d && there)
		dom_add(s, id, name);
}

void domdirs_sync(struct domdirs *s)
{
	for (size_t i = s->n; i-- > 0;)
		if (i < s->n)
			refresh(s, s->v[i].id);
	int fd = openat(s->basefd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		LOG_ERR("cannot list %s: %m", s->base);
		if (fd >= 0)
			close(fd);
	} else {
		struct dirent *e;
		while ((e = readdir(dir)) != NULL) {
			uint32_t id;
			if (broker_domid_parse(e->d_name, strlen(e->d_name), &id) == 0)
				refresh(s, id);
		}
		closedir(dir);
	}
	for (size_t i = 0; i < s->n; i++)
		dom_ensure_listening(s, &s->v[i]);
}

int domdirs_open(struct domdirs *s, const char *base, domdirs_gone_fn gone, void *ctx)
{
	memset(s, 0, sizeof *s);
	s->base = base;
	s->gone = gone;
	s->ctx = ctx;
	s->ifd = -1;
	s->basefd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->basefd < 0) {
		LOG_ERR("cannot open %s: %m", base);
		return -1;
	}
	s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->ifd < 0 ||
	    inotify_add_watch(s->ifd, base, IN_CREATE | IN_DELETE | IN_MOVED_FROM |
			      IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
			      IN_ONLYDIR) < 0) {
		LOG_ERR("cannot watch %s: %m", base);
		return -1;
	}
	domdirs_sync(s);
	return 0;
}

void domdirs_close(struct domdirs *s)
{
	for (size_t i = 0; i < s->n; i++) {
		dom_unlisten(&s->v[i]);
		close(s->v[i].dirfd);
	}
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
	if (s->ifd >= 0)
		close(s->ifd);
	if (s->basefd >= 0)
		close(s->basefd);
	s->ifd = s->basefd = -1;
}

int domdirs_handle_events(struct domdirs *s)
{
	union {
		struct inotify_event ev;
		char b[16 * (sizeof(struct inotify_event) + 256)];
	} u;
	bool resync = false;
	for (;;) {
		ssize_t r = read(s->ifd, u.b, sizeof u.b);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			LOG_ERR("inotify on %s: %s", s->base, r < 0 ? strerror(errno) : "EOF");
			return -1;
		}
		for (size_t off = 0; off + sizeof(struct inotify_event) <= (size_t)r;) {
			struct inotify_event ev;
			memcpy(&ev, u.b + off, sizeof ev);
			const char *name = u.b + off + sizeof ev;
			size_t next = off + sizeof ev + ev.len;
			if (next > (size_t)r)
				break;
			off = next;
			if (ev.mask & IN_Q_OVERFLOW) {
				resync = true;
				continue;
			}
			if (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
				LOG_ERR("%s was removed or moved", s->base);
				return -1;
			}
			uint32_t id;
			if (ev.len > 0 && broker_domid_parse(name, strnlen(name, ev.len), &id) == 0)
				refresh(s, id);
		}
	}
	if (resync)
		domdirs_sync(s);
	return 0;
}
