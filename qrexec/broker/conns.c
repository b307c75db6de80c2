/* conns: the broker's connection table and pairing rules (see conns.h). */
#include "qrexec/broker/conns.h"

#include <stdlib.h>
#include <string.h>

void conns_init(struct conn_table *t)
{
	memset(t, 0, sizeof *t);
}

void conns_free(struct conn_table *t)
{
	free(t->v);
	memset(t, 0, sizeof *t);
}

size_t conns_add(struct conn_table *t, int fd, uint32_t dom, long long deadline_ms)
{
	size_t i = 0;
	if (t->live < t->n) {
		while (t->v[i].state != CONN_FREE)
			i++;
	} else {
		size_t cap = t->n ? t->n * 2 : 64;
		struct conn *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return CONN_NONE;
		for (size_t k = t->n; k < cap; k++)
			v[k].state = CONN_FREE;
		i = t->n;
		t->v = v;
		t->n = cap;
	}
	struct conn *c = &t->v[i];
	memset(c, 0, sizeof *c);
	c->state = CONN_READING;
	c->fd = fd;
	c->dom = dom;
	c->deadline_ms = deadline_ms;
	t->live++;
	return i;
}

void conns_release(struct conn_table *t, size_t i)
{
	if (i >= t->n || t->v[i].state == CONN_FREE)
		return;
	t->v[i].state = CONN_FREE;
	t->v[i].fd = -1;
	t->live--;
}

size_t conns_count(const struct conn_table *t, uint32_t dom, bool pending_only)
{
	size_t k = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct conn *c = &t->v[i];
		if (c->state != CONN_FREE && c->dom == dom &&
		    (!pending_only || c->state == CONN_PENDING))
			k++;
	}
	return k;
}

size_t conns_find_peer(const struct conn_table *t, uint32_t dom,
		       const struct broker_request *r)
{
	if (r->remote == dom)
		return CONN_NONE; /* never pair a domain with itself */
	for (size_t i = 0; i < t->n; i++) {
		const struct conn *c = &t->v[i];
		if (c->state == CONN_PENDING && c->dom == r->remote &&
		    c->req.remote == dom && c->req.port == r->port && c->req.op != r->op)
			return i;
	}
	return CONN_NONE;
}

size_t conns_find_same(const struct conn_table *t, uint32_t dom,
		       const struct broker_request *r)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct conn *c = &t->v[i];
		if (c->state == CONN_PENDING && c->dom == dom && c->req.op == r->op &&
		    c->req.remote == r->remote && c->req.port == r->port)
			return i;
	}
	return CONN_NONE;
}

long long conns_next_deadline(const struct conn_table *t)
{
	long long d = -1;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].state != CONN_FREE && (d < 0 || t->v[i].deadline_ms < d))
			d = t->v[i].deadline_ms;
	return d;
}
