/* policy_cache: load, watch, reload (see policy_cache.h). */
#include "policy/policyd/policy_cache.h"
#include "lib/log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SETTLE_MS 20      /* coalesce bursts of events */
#define RETRY_MS 2000     /* retry a failed load */
#define WRITER_MAX_MS 2000 /* do not wait longer for in-place writers */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define WATCH_MASK (IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
		    IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_CREATE | IN_ONLYDIR)

static void watch_dir(struct policy_cache *c, const char *dir)
{
	if (c->nwds == PCACHE_MAX_WATCHES)
		return;
	/* adding a watched path again returns its existing wd */
	int wd = inotify_add_watch(c->ifd, dir, WATCH_MASK);
	if (wd < 0) {
		/* a missing directory: watch its parent for its creation */
		if (errno == ENOENT || errno == ENOTDIR) {
			char parent[PATH_MAX];
			snprintf(parent, sizeof parent, "%s", dir);
			char *slash = strrchr(parent, '/');
			if (slash && slash != parent) {
				*slash = '\0';
				wd = inotify_add_watch(c->ifd, parent, WATCH_MASK);
			}
		}
		if (wd < 0)
			return;
	}
	for (size_t i = 0; i < c->nwds; i++)
		if (c->wds[i] == wd)
			return;
	c->wds[c->nwds++] = wd;
}

static void rewatch(struct policy_cache *c)
{
	int old[PCACHE_MAX_WATCHES];
	size_t nold = c->nwds;
	memcpy(old, c->wds, nold * sizeof old[0]);
	c->nwds = 0;
	for (size_t i = 0; i < c->ndirs; i++)
		watch_dir(c, c->dirs[i]);
	watch_dir(c, c->compat_dir);
	for (size_t i = 0; c->cur && i < c->cur->npaths; i++) {
		const char *p = c->cur->paths[i];
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			watch_dir(c, p);
			continue;
		}
		/* a file: its directory sees writes and atomic renames */
		char dir[PATH_MAX];
		snprintf(dir, sizeof dir, "%s", p);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			watch_dir(c, dir);
		}
	}
	for (size_t i = 0; i < nold; i++) {
		bool keep = false;
		for (size_t k = 0; k < c->nwds && !keep; k++)
			keep = c->wds[k] == old[i];
		if (!keep)
			inotify_rm_watch(c->ifd, old[i]);
	}
}

void pcache_reload(struct policy_cache *c)
{
	struct policy_load_opts o = {
		.dirs = c->dirs, .ndirs = c->ndirs, .compat_dir = c->compat_dir,
	};
	char err[2048];
	pcache_on_events(c);
	c->dirty = false;
	c->last_try_ms = now_ms();
	struct policy *p = policy_load(&o, err, sizeof err);
	/* a change during the load may have been read half-way: try again
	 * once things settle */
	pcache_on_events(c);
	if (c->dirty) {
		policy_free(p);
		rewatch(c);
		return;
	}
	if (!p) {
		if (!c->failed)
			LOG_ERR("policy not reloaded, %s: %s",
				c->cur ? "keeping the last good policy" : "denying every request",
				err);
		c->failed = true;
	} else {
		if (c->failed || c->generation > 0)
			LOG_INFO("policy loaded: %zu rules", p->nrules);
		policy_free(c->cur);
		c->cur = p;
		c->failed = false;
		c->generation++;
	}
	rewatch(c);
}

int pcache_init(struct policy_cache *c, const char *const *dirs, size_t ndirs,
		const char *compat_dir)
{
	memset(c, 0, sizeof *c);
	if (dirs && ndirs) {
		if (ndirs > PCACHE_MAX_DIRS)
			ndirs = PCACHE_MAX_DIRS;
		for (size_t i = 0; i < ndirs; i++)
			c->dirs[i] = dirs[i];
		c->ndirs = ndirs;
	} else {
		c->dirs[0] = POLICY_RUN_DIR;
		c->dirs[1] = POLICY_ETC_DIR;
		c->ndirs = 2;
	}
	c->compat_dir = compat_dir ? compat_dir : POLICY_COMPAT_DIR;
	c->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (c->ifd < 0)
		return -1;
	pcache_reload(c);
	if (c->cur)
		LOG_INFO("policy loaded: %zu rules", c->cur->nrules);
	return 0;
}

void pcache_free(struct policy_cache *c)
{
	policy_free(c->cur);
	c->cur = NULL;
	if (c->ifd >= 0)
		close(c->ifd);
	c->ifd = -1;
}

int pcache_fd(const struct policy_cache *c)
{
	return c->ifd;
}

/* Files written in place (IN_MODIFY seen, IN_CLOSE_WRITE not yet): a
 * reload waits for them, so a half-written file is never read. */
static void writing_set(struct policy_cache *c, int wd, const char *name, bool on)
{
	for (size_t i = 0; i < c->nwriting; i++) {
		if (c->writing[i].wd == wd && strcmp(c->writing[i].name, name) == 0) {
			if (!on)
				c->writing[i] = c->writing[--c->nwriting];
			return;
		}
	}
	if (on && c->nwriting < PCACHE_MAX_WRITING) {
		c->writing[c->nwriting].wd = wd;
		snprintf(c->writing[c->nwriting].name, sizeof c->writing[0].name, "%s", name);
		if (c->nwriting == 0)
			c->writing_since_ms = now_ms();
		c->nwriting++;
	}
}

void pcache_on_events(struct policy_cache *c)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(c->ifd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			const char *name = ev->len ? ev->name : "";
			if (ev->mask & IN_IGNORED)
				continue; /* a watch we removed */
			if (ev->mask & IN_MODIFY) {
				writing_set(c, ev->wd, name, true);
				continue;
			}
			if (ev->mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM))
				writing_set(c, ev->wd, name, false);
			if (!c->dirty)
				c->dirty_since_ms = now_ms();
			c->dirty = true;
		}
	}
}

int pcache_timeout_ms(const struct policy_cache *c)
{
	long long now = now_ms();
	if (c->dirty) {
		long long left = c->dirty_since_ms + SETTLE_MS - now;
		if (c->nwriting) {
			long long w = c->writing_since_ms + WRITER_MAX_MS - now;
			if (w > left)
				left = w;
		}
		return left > 0 ? (int)left : 0;
	}
	if (c->failed) {
		long long left = c->last_try_ms + RETRY_MS - now;
		return left > 0 ? (int)left : 0;
	}
	return -1;
}

void pcache_tick(struct policy_cache *c)
{
	if (pcache_timeout_ms(c) != 0)
		return;
	c->nwriting = 0; /* a writer that never closes is not waited for */
	pcache_reload(c);
}
