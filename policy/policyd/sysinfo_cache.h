/* sysinfo_cache: the policy daemon's system info. From a file
 * (--system-info, for tests and hosts without bulkheadd): parsed once,
 * re-read when the file changes. From bulkheadd: fetched with
 * internal.GetSystemInfo and kept until bulkheadd reports an event on an
 * admin.Events subscription; while no subscription is up, it is fetched
 * for every request (as upstream does), and the subscription is retried. */
#ifndef BULKHEAD_POLICYD_SYSINFO_CACHE_H
#define BULKHEAD_POLICYD_SYSINFO_CACHE_H

#include "policy/sysinfo.h"

#include <stdbool.h>

struct sysinfo_cache {
	const char *file;          /* or NULL */
	const char *internal_sock; /* bulkheadd's internal socket */
	const char *events_sock;   /* bulkheadd's admin socket, for events */
	struct sysinfo *cur;
	bool valid;
	int ifd;                   /* file mode: inotify on its directory */
	int evfd;                  /* bulkheadd mode: the event stream, or -1 */
	long long ev_retry_ms;
	unsigned long fetches;     /* statistics */
};

int sicache_init(struct sysinfo_cache *c, const char *file, const char *internal_sock,
		 const char *events_sock);
void sicache_free(struct sysinfo_cache *c);
/* fds to poll (file watch, event stream); -1 when unused. */
int sicache_watch_fd(const struct sysinfo_cache *c);
int sicache_event_fd(const struct sysinfo_cache *c);
void sicache_on_watch(struct sysinfo_cache *c);
void sicache_on_event(struct sysinfo_cache *c);
/* Milliseconds until sicache_tick (subscription retry); -1: none. */
int sicache_timeout_ms(const struct sysinfo_cache *c);
void sicache_tick(struct sysinfo_cache *c);
/* The current system info with a reference for the caller (free it with
 * sysinfo_free), or NULL with err. */
struct sysinfo *sicache_get(struct sysinfo_cache *c, char *err, size_t errlen);

#endif
