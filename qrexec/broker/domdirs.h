/* domdirs: the broker's view of the per-domain socket directories
 * BASE/<id>/ (id = a domain id, see broker_domid_parse): finds them at
 * start, follows their creation and removal with inotify on BASE, and
 * keeps one listening socket BASE/<id>/broker.sock in each (re-created
 * if it disappears or is replaced). Symlinks and non-directories are
 * never domains: a connection accepted on a domain's socket comes from
 * that domain. */
#ifndef BULKHEAD_BROKER_DOMDIRS_H
#define BULKHEAD_BROKER_DOMDIRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct broker_dom {
	uint32_t id;
	int dirfd;       /* the domain's directory (O_PATH) */
	dev_t dir_dev;
	ino_t dir_ino;
	int lfd;         /* listening socket, non-blocking, or -1 */
	dev_t sock_dev;  /* the socket file we bound */
	ino_t sock_ino;
	bool warned;     /* a failure to listen was logged */
	long long missing_since_ms; /* our socket file vanished (0: no) */
	/* refusal log rate limit (used by the main loop) */
	long long log_window_ms;
	unsigned log_lines, log_suppressed;
};

/* Called when a domain directory goes away (before its entry is freed). */
typedef void (*domdirs_gone_fn)(void *ctx, uint32_t id);

struct domdirs {
	const char *base;
	int basefd;
	int ifd;         /* inotify on base */
	struct broker_dom *v;
	size_t n, cap;
	domdirs_gone_fn gone;
	void *ctx;
};

/* Opens BASE, starts watching it and adds the domain directories already
 * there. Returns 0, or -1 (logged). */
int domdirs_open(struct domdirs *s, const char *base, domdirs_gone_fn gone, void *ctx);
/* Removes our sockets and frees everything (gone is not called). */
void domdirs_close(struct domdirs *s);
/* Handles pending inotify events. Returns 0, or -1 when BASE itself is
 * gone or inotify failed (logged). */
int domdirs_handle_events(struct domdirs *s);
/* Makes the set match the directory listing again (also after an
 * inotify overflow) and re-creates missing or replaced sockets. */
void domdirs_sync(struct domdirs *s);
struct broker_dom *domdirs_find(struct domdirs *s, uint32_t id);

#endif
