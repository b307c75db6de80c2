/* server: bulkheadd's connections: the admin and internal sockets, one
 * request per connection (read to EOF, answer, close), event streams that
 * stay open, replies that come later (Shutdown+wait), and the per-caller
 * filtering of List and Events by policy. */
#ifndef BULKHEAD_DOMAINS_SERVER_H
#define BULKHEAD_DOMAINS_SERVER_H

#include "domains/app.h"
#include "domains/lifecycle.h"
#include "domains/methods.h"
#include "lib/buf.h"
#include "policy/policyd/policy_cache.h"
#include "policy/sysinfo.h"

#include <stdbool.h>

#define SERVER_MAX_CONNS 1024

struct conn {
	int fd;
	enum m_socket sock;
	uint8_t *in;
	size_t inlen, incap;
	struct wbuf out;
	size_t outoff;
	bool done_reading;
	bool streaming;           /* admin.Events */
	bool deferred;            /* waiting for a lifecycle result */
	char stream_dest[32];     /* "" = every qube */
	char src[32];             /* the caller */
	bool src_is_dom0;
	long long deadline;       /* for the request; 0 once answered */
	bool close_when_flushed;
};

struct server {
	struct app app;
	struct conn *conns[SERVER_MAX_CONNS];
	size_t nconns;
	int lfd[2];                 /* admin, internal */
	struct policy_cache pc;     /* for List/Events filtering */
	bool have_policy;
	struct sysinfo *si;         /* system info for those evaluations */
	bool si_dirty;
	struct lifecycle lc;
};

/* Finishes a deferred call on connection id `conn` (OK or exception). */
void server_reply_later(struct server *s, int conn, const struct admin_err *err);

#endif
