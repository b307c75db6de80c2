/* policy_cache: the policy daemon's copy of the policy, parsed once and
 * reloaded when a file it was read from (or a directory it listed)
 * changes. A reload builds a fresh copy and swaps it in only when the
 * whole set parses; a broken edit keeps the last good policy and logs
 * file:line. While no valid policy was ever loaded, current() is NULL and
 * every request is denied. A failed state retries periodically, since a
 * fix may land in a file the failed load never reached. */
#ifndef BULKHEAD_POLICYD_POLICY_CACHE_H
#define BULKHEAD_POLICYD_POLICY_CACHE_H

#include "policy/policy.h"

#include <stdbool.h>

#define PCACHE_MAX_DIRS 32
#define PCACHE_MAX_WATCHES 4096
#define PCACHE_MAX_WRITING 64

struct pcache_watch {
	int wd;
	int role;          /* see policy_cache.c */
	char name[256];    /* the one name some roles care about */
};

struct pcache_writing {
	int wd;
	char name[256];
};

struct policy_cache {
	const char *dirs[PCACHE_MAX_DIRS];
	size_t ndirs;
	const char *compat_dir;
	struct policy *cur;        /* last good policy, or NULL */
	struct policy *cand;       /* loaded, waiting to settle (or NULL) */
	bool have_cand;            /* a load result (cand or cand_err) waits */
	char cand_err[2048];
	long long cand_ms;
	int ifd;                   /* inotify fd */
	struct pcache_watch w[PCACHE_MAX_WATCHES];
	size_t nwds;
	struct pcache_writing writing[PCACHE_MAX_WRITING];
	size_t nwriting;           /* files being written in place */
	long long writing_since_ms;
	bool dirty;                /* a change was seen, reload due */
	long long dirty_since_ms;
	bool failed;               /* the last load failed */
	long long last_try_ms;
	unsigned long generation;  /* bumped on every successful load */
};

/* dirs NULL: the defaults. Loads once (a failure is logged, not fatal).
 * Returns 0, or -1 if inotify cannot be set up. */
int pcache_init(struct policy_cache *c, const char *const *dirs, size_t ndirs,
		const char *compat_dir);
void pcache_free(struct policy_cache *c);
/* The fd to poll for changes. */
int pcache_fd(const struct policy_cache *c);
/* Reads pending inotify events (call when the fd is readable). */
void pcache_on_events(struct policy_cache *c);
/* Milliseconds until pcache_tick should run again (-1: no need). */
int pcache_timeout_ms(const struct policy_cache *c);
/* Reloads when due (a change settled for a few ms, or a retry of a failed
 * load). */
void pcache_tick(struct policy_cache *c);
/* Forces a reload now (SIGHUP). */
void pcache_reload(struct policy_cache *c);
static inline const struct policy *pcache_current(const struct policy_cache *c)
{
	return c->cur;
}

#endif
