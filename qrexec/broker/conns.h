/* conns: the broker's table of connections from domains and the pairing
 * rules over it (pure bookkeeping: the caller does all I/O and closes
 * the fds). A connection belongs to the domain whose socket accepted it;
 * it first reads its request, then waits (pending) for the peer's. */
#ifndef BULKHEAD_BROKER_CONNS_H
#define BULKHEAD_BROKER_CONNS_H

#include "qrexec/broker/request.h"
#include "lib/vchan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conn_state { CONN_FREE, CONN_READING, CONN_PENDING };

struct conn {
	enum conn_state state;
	int fd;
	uint32_t dom;              /* the requesting domain */
	long long deadline_ms;     /* for reading the request, or for the peer */
	size_t have;
	uint8_t buf[VCHAN_BROKER_REQ_MAX];
	struct broker_request req; /* CONN_PENDING */
};

struct conn_table {
	struct conn *v;
	size_t n;    /* slots in v */
	size_t live; /* slots not free */
};

#define CONN_NONE ((size_t)-1)

void conns_init(struct conn_table *t);
void conns_free(struct conn_table *t);
/* Takes a slot for a new connection (state READING). Returns its index,
 * or CONN_NONE when out of memory. */
size_t conns_add(struct conn_table *t, int fd, uint32_t dom, long long deadline_ms);
/* Frees slot i (the caller has closed or handed on its fd). */
void conns_release(struct conn_table *t, size_t i);
/* Connections of `dom`, all of them or only the pending ones. */
size_t conns_count(const struct conn_table *t, uint32_t dom, bool pending_only);
/* The pending request of another connection that pairs with request r of
 * domain dom (r.remote's opposite request toward dom on r.port), or
 * CONN_NONE. */
size_t conns_find_peer(const struct conn_table *t, uint32_t dom,
		       const struct broker_request *r);
/* A pending connection of dom with the same request as r, or CONN_NONE. */
size_t conns_find_same(const struct conn_table *t, uint32_t dom,
		       const struct broker_request *r);
/* The earliest deadline of a live connection, or -1 if none. */
long long conns_next_deadline(const struct conn_table *t);

#endif
