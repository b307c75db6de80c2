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

#define SETTLE_MS 50      /* quiet time before a load is read, and trusted */
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

/* What a watched directory is watched for: an event on a name counts
 * only if some role of its directory says so. */
enum wrole {
	W_POLICY_DIR, /* *.policy files (and paths the policy read) */
	W_ALL,        /* every name: the legacy directory */
	W_FILE,       /* one file (an include) */
	W_CHILD,      /* one missing directory, watched in its parent */
};

static void add_watch(struct policy_cache *c, const char *dir, enum wrole role,
		      const char *name)
{
	if (c->nwds == PCACHE_MAX_WATCHES)
		return;
	/* adding a watched path again returns its existing wd */
	int wd = inotify_add_watch(c->ifd, dir, WATCH_MASK);
	if (wd < 0) {
		if ((errno == ENOENT || errno == ENOTDIR) && role != W_CHILD) {
			/* a missing directory: watch its parent for its creation */
			char parent[PATH_MAX];
			snprintf(parent, sizeof parent, "%s", dir);
			char *slash = strrchr(parent, '/');
			if (slash && slash != parent) {
				*slash = '\0';
				add_watch(c, parent, W_CHILD, slash + 1);
			}
		}
		return;
	}
	struct pcache_watch *w = &c->w[c->nwds++];
	w->wd = wd;
	w->role = (int)role;
	snprintf(w->name, sizeof w->name, "%s", name ? name : "");
}

static void split_path(const char *p, char *dir, size_t n, const char **base)
{
	snprintf(dir, n, "%s", p);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		*base = p + (slash - dir) + 1;
	} else {
		*base = p;
	}
}

static void drop_candidate(struct policy_cache *c)
{
	policy_free(c->cand);
	c->cand = NULL;
	c->have_cand = false;
}

static void rewatch(struct policy_cache *c)
{
	struct pcache_watch old[PCACHE_MAX_WATCHES];
	size_t nold = c->nwds;
	memcpy(old, c->w, nold * sizeof old[0]);
	c->nwds = 0;
	for (size_t i = 0; i < c->ndirs; i++)
		add_watch(c, c->dirs[i], W_POLICY_DIR, NULL);
	add_watch(c, c->compat_dir, W_ALL, NULL);
	for (size_t i = 0; c->cur && i < c->cur->npaths; i++) {
		const char *p = c->cur->paths[i];
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			add_watch(c, p, W_POLICY_DIR, NULL); /* an !include-dir */
			continue;
		}
		/* a file: its directory sees writes and atomic renames */
		char dir[PATH_MAX];
		const char *base;
		split_path(p, dir, sizeof dir, &base);
		add_watch(c, dir, W_FILE, base);
	}
	for (size_t i = 0; i < nold; i++) {
		bool keep = false;
		for (size_t k = 0; k < c->nwds && !keep; k++)
			keep = c->w[k].wd == old[i].wd;
		if (!keep)
			inotify_rm_watch(c->ifd, old[i].wd);
	}
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Whether an event on `name` in watch wd can change the policy. Dotfiles
 * (editors' and atomic writers' temporaries) never do: the loader ignores
 * them, and their rename into place is an event of its own. */
static bool relevant(const struct policy_cache *c, int wd, const char *name)
{
	if (name[0] == '\0')
		return true; /* the directory itself */
	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < c->nwds; i++) {
		const struct pcache_watch *w = &c->w[i];
		if (w->wd != wd)
			continue;
		switch ((enum wrole)w->role) {
		case W_POLICY_DIR:
			if (ends_with(name, ".policy"))
				return true;
			break;
		case W_ALL:
			return true;
		case W_FILE:
		case W_CHILD:
			if (strcmp(w->name, name) == 0)
				return true;
			break;
		}
	}
	return false;
}

/* Loads into a fresh policy, which becomes a candidate: it is swapped in
 * only if no relevant event arrives for SETTLE_MS after the load (a file
 * truncated or half-written while it was read always produces one). A
 * file being written in place postpones the load (force: load anyway, for
 * a writer that never closes). A failed load is reported the same way,
 * once it has settled. */
static void reload(struct policy_cache *c, bool force)
{
	bool busy = false;
	struct policy_load_opts o = {
		.dirs = c->dirs, .ndirs = c->ndirs, .compat_dir = c->compat_dir,
		.busy_check = true, .busy = &busy,
	};
	pcache_on_events(c);
	if (c->nwriting && !force)
		return;
	c->nwriting = 0;
	c->dirty = false;
	c->last_try_ms = now_ms();
	drop_candidate(c);
	c->cand = policy_load(&o, c->cand_err, sizeof c->cand_err);
	if (busy && !force) {
		/* a file is open for writing: come back when it is closed */
		c->dirty = true;
		c->dirty_since_ms = now_ms();
		rewatch(c);
		return;
	}
	c->have_cand = true;
	c->cand_ms = now_ms();
	rewatch(c);
	pcache_on_events(c);
}

/* The candidate has settled: make it current (or report why not). */
static void promote(struct policy_cache *c)
{
	struct policy *p = c->cand;
	if (p && !policy_files_unchanged(p)) {
		/* a change without an event (or with a late one): read again */
		drop_candidate(c);
		c->dirty = true;
		c->dirty_since_ms = now_ms();
		return;
	}
	c->cand = NULL;
	c->have_cand = false;
	if (!p) {
		if (!c->failed)
			LOG_ERR("policy not reloaded, %s: %s",
				c->cur ? "keeping the last good policy" : "denying every request",
				c->cand_err);
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

void pcache_reload(struct policy_cache *c)
{
	reload(c, true);
	promote(c);
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
	drop_candidate(c);
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
			if (!(ev->mask & IN_Q_OVERFLOW) && !relevant(c, ev->wd, name))
				continue;
			if (ev->mask & IN_MODIFY) {
				writing_set(c, ev->wd, name, true);
				if (!c->dirty)
					c->dirty_since_ms = now_ms();
				c->dirty = true;
				continue;
			}
			if (ev->mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM))
				writing_set(c, ev->wd, name, false);
			if (!c->dirty)
				c->dirty_since_ms = now_ms();
			c->dirty = true;
		}
	}
	/* anything relevant since the candidate was read makes it suspect */
	if (c->have_cand && (c->dirty || c->nwriting))
		drop_candidate(c);
}

int pcache_timeout_ms(const struct policy_cache *c)
{
	long long now = now_ms();
	if (c->have_cand) {
		long long left = c->cand_ms + SETTLE_MS - now;
		return left > 0 ? (int)left : 0;
	}
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
	if (c->have_cand) {
		promote(c);
		return;
	}
	/* a writer that never closes is not waited for beyond WRITER_MAX_MS */
	bool stale_writer = c->nwriting &&
			    now_ms() - c->writing_since_ms >= WRITER_MAX_MS;
	reload(c, stale_writer);
}
