/* dispatch: one Admin API request, from the bytes read up to EOF to the
 * reply frame: parse the header, find the method, resolve source and
 * destination as qubesd does, run the dispatcher checks and the handler.
 * Also the parts of the server the handlers need that are not about
 * connections: the per-caller policy filters of admin.vm.List and
 * admin.Events, admin.Events itself and internal.GetSystemInfo. The poll
 * loop (bulkheadd.c) owns the connections; tests and fuzz targets call
 * dispatch_request() on a struct server of their own. */
#ifndef BULKHEAD_DOMAINS_DISPATCH_H
#define BULKHEAD_DOMAINS_DISPATCH_H

#include "domains/server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the largest OK content a handler may produce */
#define DISPATCH_CONTENT_MAX (64u * 1024 * 1024)

struct dispatch_result {
	bool streaming;          /* admin.Events: keep the connection open */
	bool deferred;           /* the answer comes later (server_reply_later) */
	bool src_is_dom0;
	char src[32];            /* the caller, "" when unknown */
	char stream_dest[32];    /* events of this qube only; "" = all */
};

/* Handles the complete request buf[0..len) that arrived on socket sock
 * (connection id conn). Appends the reply to out: an OK frame, an
 * exception frame (framing errors too), or for an event stream its first
 * frame (connection-established); nothing for a deferred call. */
void dispatch_request(struct server *s, enum m_socket sock, int conn, const uint8_t *buf,
		      size_t len, struct wbuf *out, struct dispatch_result *res);

/* Would the policy allow src to call service+arg on target? (ask = no;
 * no policy loaded = no). */
bool dispatch_policy_allows(struct server *s, const char *src, const char *service,
			    const char *arg, const char *target);

#endif
