/* qrexec-daemon: dom0's end of one domain's qrexec control link.
 *
 * Connects to the domain's agent (control vchan, port 512), serves
 * <socket_dir>/qrexec.<domid> (plus qrexec.<name> and qrexec.uuid:<uuid>
 * links) for dom0 clients, allocates data ports, and for each service
 * request of the domain asks the policy in a child process that then
 * connects the call (to another domain or to a dom0 service). */
#include "qrexec/daemon/execute.h"
#include "qrexec/daemon/policy_call.h"
#include "qrexec/daemon/qubesd_ops.h"
#include "qrexec/proto.h"
#include "lib/buf.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/names.h"
#include "lib/qubesd.h"
#include "lib/vchan.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS QREXEC_MAX_FDS
#define MAX_PENDING QREXEC_MAX_FDS
#define NUM_PORTS 256
#define AGENT_OUT_MAX (1024 * 1024)
#define EXITED_GRACE_MS 5000

enum client_state { CL_FREE, CL_HELLO, CL_READY, CL_WAIT_END };
enum pending_state { PD_FREE, PD_PENDING, PD_EXITED_OK, PD_ALLOW };

struct client {
	int fd;
	enum client_state state;
	uint8_t *rx;
	size_t have;
	int port_slot; /* CL_WAIT_END: slot whose end it waits for */
};

struct pending {
	enum pending_state state;
	pid_t pid;
	uint8_t ident[QREXEC_IDENT_LEN];
	long long expires_ms;
};

struct port_slot {
	bool used;
	uint32_t domid;
};

struct daemon {
	uint32_t domid;
	const char *name;
	const char *uuid;
	const char *default_user;
	const char *socket_dir;
	const char *qubesd_socket; /* autostart and disposables */
	struct policy_where policy;
	int agent;        /* control link, or -1 while reconnecting */
	int version;
	int listen_fd;    /* client socket, or -1 */
	int sigfd;
	struct wbuf agent_out;
	uint8_t arx[QREXEC_HDR_LEN + TRIGGER_V4_HDR + MAX_SERVICE_NAME_LEN];
	size_t arx_have;
	struct client clients[MAX_CLIENTS];
	struct pending pending[MAX_PENDING];
	struct port_slot ports[NUM_PORTS];
	int ready_pipe;   /* to the waiting parent, or -1 */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void socket_paths(struct daemon *d, char *id, char *name, char *uuid, size_t n)
{
	snprintf(id, n, "%s/qrexec.%u", d->socket_dir, d->domid);
	snprintf(name, n, "%s/qrexec.%s", d->socket_dir, d->name);
	snprintf(uuid, n, "%s/qrexec.uuid:%s", d->socket_dir, d->uuid);
}

static void remove_sockets(struct daemon *d)
{
	char id[4096], name[4096], uuid[4096];
	socket_paths(d, id, name, uuid, sizeof id);
	unlink(name);
	unlink(uuid);
	unlink(id);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		d->listen_fd = -1;
	}
}

static int create_sockets(struct daemon *d)
{
	char id[4096], name[4096], uuid[4096], rel[64];
	socket_paths(d, id, name, uuid, sizeof id);
	mode_t old = umask(0);
	d->listen_fd = unix_listen(id, 64);
	umask(old);
	if (d->listen_fd < 0) {
		LOG_ERR("cannot create %s: %m", id);
		return -1;
	}
	set_nonblock(d->listen_fd, true);
	snprintf(rel, sizeof rel, "qrexec.%u", d->domid);
	unlink(name);
	unlink(uuid);
	if (symlink(rel, name) < 0 || symlink(rel, uuid) < 0) {
		LOG_ERR("cannot create socket links: %m");
		return -1;
	}
	return 0;
}

static void client_close(struct client *c)
{
	if (c->state == CL_FREE)
		return;
	close(c->fd);
	free(c->rx);
	c->rx = NULL;
	c->have = 0;
	c->state = CL_FREE;
}

static void agent_queue(struct daemon *d, const void *p, size_t n)
{
	if (d->agent < 0)
		return;
	if (wbuf_put_bytes(&d->agent_out, p, n) != BUF_OK)
		LOG_ERR("agent output queue full; dropping a message");
}

static void agent_flush(struct daemon *d)
{
	while (d->agent >= 0 && d->agent_out.len > 0) {
		ssize_t w = send(d->agent, d->agent_out.p, d->agent_out.len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or an error the reader will see */
		}
		wbuf_consume(&d->agent_out, (size_t)w);
	}
}

static void send_refused(struct daemon *d, const uint8_t ident[QREXEC_IDENT_LEN])
{
	uint8_t m[QREXEC_HDR_LEN + QREXEC_IDENT_LEN];
	proto_hdr_encode(m, MSG_SERVICE_REFUSED, QREXEC_IDENT_LEN);
	memcpy(m + QREXEC_HDR_LEN, ident, QREXEC_IDENT_LEN);
	agent_queue(d, m, sizeof m);
}

static void agent_lost(struct daemon *d, const char *why)
{
	LOG_WARN("connection to the agent of %s lost: %s", d->name, why);
	if (d->agent >= 0)
		close(d->agent);
	d->agent = -1;
	d->arx_have = 0;
	wbuf_reset(&d->agent_out);
	remove_sockets(d);
	for (int i = 0; i < MAX_CLIENTS; i++)
		client_close(&d->clients[i]);
	for (int i = 0; i < MAX_PENDING; i++)
		if (d->pending[i].state == PD_EXITED_OK)
			d->pending[i].state = PD_FREE;
		else if (d->pending[i].state != PD_FREE)
			d->pending[i].state = PD_ALLOW; /* reaped later, ignored */
}

/* Tries to (re)connect to the agent; returns 0 when connected. */
static int agent_connect(struct daemon *d, int timeout_ms)
{
	int fd = vchan_client_connect((int)d->domid, QREXEC_CONTROL_PORT, timeout_ms);
	if (fd < 0)
		return -1;
	uint8_t m[QREXEC_HDR_LEN + 4];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct qrexec_hdr h;
	uint32_t v;
	if (poll(&pfd, 1, 10000) <= 0 || read_all(fd, m, sizeof m) != (ssize_t)sizeof m) {
		LOG_ERR("no HELLO from the agent");
		close(fd);
		return -1;
	}
	proto_hdr_decode(m, &h);
	if (proto_hello_decode(&h, m + QREXEC_HDR_LEN, &v) != PROTO_OK || v < 2) {
		LOG_ERR("bad HELLO from the agent");
		close(fd);
		return -1;
	}
	d->version = v < QREXEC_PROTOCOL_VERSION ? (int)v : QREXEC_PROTOCOL_VERSION;
	/* echo the agent's version back, as upstream does */
	if (write_all(fd, m, sizeof m) < 0) {
		close(fd);
		return -1;
	}
	set_nonblock(fd, true);
	d->agent = fd;
	d->arx_have = 0;
	if (create_sockets(d) < 0)
		return -1;
	if (d->ready_pipe >= 0) {
		char ok = 0;
		write_all(d->ready_pipe, &ok, 1);
		close(d->ready_pipe);
		d->ready_pipe = -1;
	}
	return 0;
}

static int allocate_port(struct daemon *d, uint32_t peer)
{
	int start = 0, step = 1;
	if (peer != 0) {
		step = 2;
		start = peer > d->domid ? 1 : 0;
	}
	for (int i = start; i < NUM_PORTS; i += step) {
		if (!d->ports[i].used) {
			d->ports[i].used = true;
			d->ports[i].domid = peer;
			return i;
		}
	}
	return -1;
}

static void release_port(struct daemon *d, uint32_t dom, uint32_t port)
{
	int slot = (int)port - QREXEC_FIRST_DATA_PORT;
	if (!d->ports[slot].used || d->ports[slot].domid != dom) {
		/* normal for the calling side: the port was the target daemon's */
		LOG_DEBUG("CONNECTION_TERMINATED for port %u of domain %u, not ours", port, dom);
		return;
	}
	d->ports[slot].used = false;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (d->clients[i].state == CL_WAIT_END && d->clients[i].port_slot == slot)
			client_close(&d->clients[i]);
}

/* The agent broke the protocol: like upstream, stop serving this domain
 * (a supervisor restarts the daemon). */
_Noreturn static void agent_fatal(struct daemon *d)
{
	remove_sockets(d);
	agent_flush(d);
	linger_close(d->agent, 100);
	exit(1);
}

/* ---- service requests from the agent ---- */

/* An @dispvm:TEMPLATE target: a new disposable of TEMPLATE runs the call
 * and is killed (and so removed) when the call has ended, as upstream. */
static int call_disposable(struct daemon *d, const struct policy_reply *rep, const char *cmd,
			   const char *ident)
{
	if (!rep->autostart) {
		/* it would be created, never started, and time out */
		LOG_ERR("target %s with autostart=False makes no sense", rep->target);
		return QREXEC_EXIT_PROBLEM;
	}
	char disp[64];
	if (qubesd_vm_create_disposable(d->qubesd_socket, rep->target + 8, disp, sizeof disp) < 0)
		return QREXEC_EXIT_PROBLEM;
	int rc = QREXEC_EXIT_PROBLEM, wfd = -1;
	if (qubesd_vm_start(d->qubesd_socket, disp) == 0 &&
	    execute_in_vm(d->socket_dir, disp, d->domid, cmd, ident, false, &wfd)) {
		rc = 0;
		struct pollfd p = {.fd = wfd, .events = POLLIN};
		char b[256];
		/* the daemon of the disposable says nothing more: EOF ends it */
		while (poll(&p, 1, -1) >= 0 || errno == EINTR)
			if (p.revents && read(wfd, b, sizeof b) <= 0)
				break;
	}
	if (wfd >= 0)
		close(wfd);
	qubesd_vm_kill(d->qubesd_socket, disp);
	return rc;
}

_Noreturn static void request_child(struct daemon *d, struct trigger *t)
{
	struct policy_query q = {
		.source = d->name,
		.requested_source = t->source,
		.target = t->target,
		.service = t->service,
	};
	struct policy_reply rep;
	if (policy_ask(&d->policy, &q, &rep) < 0) {
		LOG_ERR("no policy answer for %s -> %s (%s): refusing", d->name,
			t->target, t->service);
		_exit(QREXEC_EXIT_PROBLEM);
	}
	if (!rep.allow) {
		LOG_INFO("%s -> %s (%s) denied by policy", d->name, t->target, t->service);
		_exit(QREXEC_EXIT_REQUEST_REFUSED);
	}
	const char *svc = rep.service ? rep.service : t->service;
	const char *src = rep.policy_source ? rep.policy_source : d->name;
	char ident[QREXEC_IDENT_LEN + 1];
	memcpy(ident, t->ident, QREXEC_IDENT_LEN);
	ident[QREXEC_IDENT_LEN] = '\0';
	const char *plus = strchr(svc, '+') ? "" : "+";
	char *cmd = NULL;
	int r;
	if (names_target_is_dom0(rep.target)) {
		const char *rt = rep.requested_target;
		const char *type = rt[0] == '@' ? "keyword" : "name";
		if (rt[0] == '@')
			rt++;
		if (asprintf(&cmd, "QUBESRPC %s%s %s %s %s", svc, plus, src, type, rt) < 0)
			_exit(QREXEC_EXIT_PROBLEM);
		r = run_to_dom0(d->socket_dir, ident, src, d->domid, cmd, 5000);
		_exit(r == 0 ? 0 : QREXEC_EXIT_PROBLEM);
	}
	if (asprintf(&cmd, "%s:QUBESRPC %s%s %s", rep.user, svc, plus, src) < 0)
		_exit(QREXEC_EXIT_PROBLEM);
	/* target_uuid is "uuid:UUID", as the policy daemon writes it */
	char target[160];
	if (rep.target_uuid && *rep.target_uuid)
		snprintf(target, sizeof target, "%s", rep.target_uuid);
	else
		snprintf(target, sizeof target, "%s", rep.target);
	if (strncmp(rep.target, "@dispvm:", 8) == 0)
		_exit(call_disposable(d, &rep, cmd, ident));
	if (rep.autostart && !daemon_socket_exists(d->socket_dir, target) &&
	    qubesd_vm_start(d->qubesd_socket, rep.target) < 0)
		_exit(QREXEC_EXIT_PROBLEM);
	bool ok = execute_in_vm(d->socket_dir, target, d->domid, cmd, ident, false, NULL);
	_exit(ok ? 0 : QREXEC_EXIT_PROBLEM);
}

static void handle_trigger(struct daemon *d, const struct qrexec_hdr *h, const uint8_t *body)
{
	struct trigger t;
	int r = proto_trigger_decode(h->type, d->version, body, h->len, &t);
	if (r == PROTO_EFATAL) {
		LOG_ERR("agent sent an invalid %s (length %u); exiting",
			proto_type_name(h->type), h->len);
		agent_fatal(d);
	}
	if (r == PROTO_EREFUSE) {
		LOG_ERR("agent sent an invalid service request; refused");
		send_refused(d, t.ident);
		return;
	}
	int slot = -1;
	for (int i = 0; i < MAX_PENDING; i++)
		if (d->pending[i].state == PD_FREE) {
			slot = i;
			break;
		}
	if (slot < 0) {
		LOG_ERR("too many pending requests; refused");
		send_refused(d, t.ident);
		trigger_free(&t);
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		LOG_ERR("fork: %m");
		send_refused(d, t.ident);
		trigger_free(&t);
		return;
	}
	if (pid == 0) {
		close(d->sigfd);
		if (d->agent >= 0)
			close(d->agent);
		if (d->listen_fd >= 0)
			close(d->listen_fd);
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (d->clients[i].state != CL_FREE)
				close(d->clients[i].fd);
		sigset_t set;
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGTERM, SIG_DFL);
		request_child(d, &t);
	}
	d->pending[slot].state = PD_PENDING;
	d->pending[slot].pid = pid;
	memcpy(d->pending[slot].ident, t.ident, QREXEC_IDENT_LEN);
	trigger_free(&t);
}

static bool agent_hdr_ok(struct daemon *d, const struct qrexec_hdr *h)
{
	switch (h->type) {
	case MSG_TRIGGER_SERVICE:
		return d->version < QREXEC_PROTOCOL_V3 && h->len == TRIGGER_V2_LEN;
	case MSG_TRIGGER_SERVICE3:
		return d->version >= QREXEC_PROTOCOL_V3 && h->len > TRIGGER_V3_HDR &&
		       h->len - TRIGGER_V3_HDR <= MAX_SERVICE_NAME_LEN;
	case MSG_TRIGGER_SERVICE4:
		return d->version >= QREXEC_PROTOCOL_VERSION && h->len > TRIGGER_V4_HDR &&
		       h->len - TRIGGER_V4_HDR <= MAX_SERVICE_NAME_LEN;
	case MSG_CONNECTION_TERMINATED:
		return h->len == 8;
	default:
		return false;
	}
}

static void agent_read(struct daemon *d)
{
	ssize_t r = read(d->agent, d->arx + d->arx_have, sizeof d->arx - d->arx_have);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		agent_lost(d, strerror(errno));
		return;
	}
	if (r == 0) {
		agent_lost(d, "EOF");
		return;
	}
	d->arx_have += (size_t)r;
	size_t off = 0;
	while (d->arx_have - off >= QREXEC_HDR_LEN) {
		struct qrexec_hdr h;
		proto_hdr_decode(d->arx + off, &h);
		if (!agent_hdr_ok(d, &h)) {
			/* upstream exits here too: the agent is broken or hostile */
			LOG_ERR("agent of %s sent a bad message: type 0x%x length %u; exiting",
				d->name, h.type, h.len);
			agent_fatal(d);
		}
		if (d->arx_have - off < QREXEC_HDR_LEN + h.len)
			break;
		const uint8_t *body = d->arx + off + QREXEC_HDR_LEN;
		if (h.type == MSG_CONNECTION_TERMINATED) {
			uint32_t dom, port;
			proto_terminated_decode(body, h.len, &dom, &port);
			if (port < QREXEC_FIRST_DATA_PORT ||
			    port >= QREXEC_FIRST_DATA_PORT + NUM_PORTS) {
				LOG_ERR("agent sent CONNECTION_TERMINATED for invalid port %u; exiting", port);
				agent_fatal(d);
			}
			release_port(d, dom, port);
		} else {
			handle_trigger(d, &h, body);
		}
		off += QREXEC_HDR_LEN + h.len;
	}
	memmove(d->arx, d->arx + off, d->arx_have - off);
	d->arx_have -= off;
}

/* ---- dom0 clients ---- */

static struct pending *pending_by_ident(struct daemon *d, const uint8_t *id, size_t n)
{
	uint8_t want[QREXEC_IDENT_LEN];
	memset(want, 0, sizeof want);
	size_t l = strnlen((const char *)id, n < QREXEC_IDENT_LEN ? n : QREXEC_IDENT_LEN);
	if (l >= QREXEC_IDENT_LEN)
		return NULL;
	memcpy(want, id, l);
	for (int i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &d->pending[i];
		if ((p->state == PD_PENDING || p->state == PD_EXITED_OK) &&
		    strncmp((const char *)p->ident, (const char *)want, QREXEC_IDENT_LEN) == 0)
			return p;
	}
	return NULL;
}

static void handle_client_msg(struct daemon *d, struct client *c,
			      const struct qrexec_hdr *h, uint8_t *body)
{
	struct exec_params ep;
	if (proto_exec_params_decode(body, h->len, &ep) != PROTO_OK) {
		client_close(c);
		return;
	}
	if (ep.connect_port != 0 && (ep.connect_port < QREXEC_FIRST_DATA_PORT ||
				     ep.connect_port >= QREXEC_FIRST_DATA_PORT + NUM_PORTS)) {
		LOG_ERR("client asked for invalid port %u", ep.connect_port);
		client_close(c);
		return;
	}
	struct pending *p = NULL;
	if (h->type == MSG_SERVICE_CONNECT) {
		p = pending_by_ident(d, ep.cmd, ep.cmd_len);
		if (!p) {
			LOG_ERR("SERVICE_CONNECT for a request that is not pending");
			client_close(c);
			return;
		}
	}
	uint32_t port = ep.connect_port;
	int slot = -1;
	if (port == 0) {
		slot = allocate_port(d, ep.connect_domain);
		if (slot < 0) {
			LOG_ERR("no free data port");
			client_close(c);
			return;
		}
		port = (uint32_t)(QREXEC_FIRST_DATA_PORT + slot);
		uint8_t rep[QREXEC_HDR_LEN + 8];
		proto_hdr_encode(rep, h->type, 8);
		buf_put_le32(rep + QREXEC_HDR_LEN, d->domid);
		buf_put_le32(rep + QREXEC_HDR_LEN + 4, port);
		if (write_all(c->fd, rep, sizeof rep) < 0) {
			d->ports[slot].used = false;
			client_close(c);
			return;
		}
	}
	struct wbuf w;
	wbuf_init(&w, QREXEC_HDR_LEN + 8 + MAX_QREXEC_CMD_LEN + 64);
	const uint8_t *cmd = ep.cmd;
	size_t cmd_len = ep.cmd_len;
	char *fixed = NULL;
	if (h->type != MSG_SERVICE_CONNECT && cmd_len >= 8 &&
	    memcmp(cmd, "DEFAULT:", 8) == 0) {
		size_t ul = strlen(d->default_user);
		fixed = malloc(ul + cmd_len - 7);
		if (fixed) {
			memcpy(fixed, d->default_user, ul);
			memcpy(fixed + ul, cmd + 7, cmd_len - 7);
			cmd = (const uint8_t *)fixed;
			cmd_len = ul + cmd_len - 7;
		}
	}
	if (proto_put_exec_params(&w, h->type, ep.connect_domain, port, cmd, cmd_len) == 0)
		agent_queue(d, w.p, w.len);
	wbuf_free(&w);
	free(fixed);
	if (p) {
		p->state = p->state == PD_EXITED_OK ? PD_FREE : PD_ALLOW;
		client_close(c);
		return;
	}
	if (slot >= 0) {
		c->state = CL_WAIT_END;
		c->port_slot = slot;
		return;
	}
	client_close(c);
}

static void client_read(struct daemon *d, struct client *c)
{
	if (c->state == CL_WAIT_END) {
		char b[64];
		ssize_t r = read(c->fd, b, sizeof b);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			client_close(c);
		return;
	}
	size_t cap = QREXEC_HDR_LEN + MAX_QREXEC_CMD_LEN;
	if (!c->rx && !(c->rx = malloc(cap))) {
		client_close(c);
		return;
	}
	size_t want = QREXEC_HDR_LEN;
	if (c->have >= QREXEC_HDR_LEN) {
		struct qrexec_hdr h;
		proto_hdr_decode(c->rx, &h);
		want = QREXEC_HDR_LEN + h.len;
	}
	ssize_t r = read(c->fd, c->rx + c->have, want - c->have);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		client_close(c);
		return;
	}
	c->have += (size_t)r;
	if (c->have < QREXEC_HDR_LEN)
		return;
	struct qrexec_hdr h;
	proto_hdr_decode(c->rx, &h);
	if (c->state == CL_HELLO) {
		uint32_t v;
		if (c->have < QREXEC_HDR_LEN + 4 && h.type == MSG_HELLO && h.len == 4)
			return;
		if (proto_hello_decode(&h, c->rx + QREXEC_HDR_LEN, &v) != PROTO_OK ||
		    v < QREXEC_CLIENT_PROTOCOL_VERSION) {
			LOG_ERR("client sent a bad HELLO");
			client_close(c);
			return;
		}
		c->state = CL_READY;
		c->have = 0;
		return;
	}
	bool ok;
	switch (h.type) {
	case MSG_EXEC_CMDLINE:
	case MSG_JUST_EXEC:
		ok = h.len > 8 && h.len <= MAX_QREXEC_CMD_LEN;
		break;
	case MSG_SERVICE_CONNECT:
		ok = h.len > 8 && h.len <= 8 + QREXEC_IDENT_LEN;
		break;
	default:
		ok = false;
	}
	if (!ok) {
		LOG_ERR("client sent a bad message: type 0x%x length %u", h.type, h.len);
		client_close(c);
		return;
	}
	if (c->have < QREXEC_HDR_LEN + h.len)
		return;
	if (h.type != MSG_SERVICE_CONNECT)
		c->rx[QREXEC_HDR_LEN + h.len - 1] = '\0';
	handle_client_msg(d, c, &h, c->rx + QREXEC_HDR_LEN);
	if (c->state != CL_FREE) {
		free(c->rx);
		c->rx = NULL;
		c->have = 0;
	}
}

static void client_accept(struct daemon *d)
{
	int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &d->clients[i];
		if (c->state != CL_FREE)
			continue;
		uint8_t m[QREXEC_HDR_LEN + 4];
		proto_hdr_encode(m, MSG_HELLO, 4);
		buf_put_le32(m + QREXEC_HDR_LEN, QREXEC_CLIENT_PROTOCOL_VERSION);
		if (write_all(fd, m, sizeof m) < 0)
			break;
		*c = (struct client){.fd = fd, .state = CL_HELLO, .port_slot = -1};
		return;
	}
	close(fd);
}

static void reap(struct daemon *d)
{
	struct signalfd_siginfo si;
	while (read(d->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			remove_sockets(d);
			exit(0);
		}
	}
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_PENDING; i++) {
			struct pending *p = &d->pending[i];
			if (p->state == PD_FREE || p->pid != pid)
				continue;
			bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
			if (p->state == PD_PENDING && ok) {
				/* its SERVICE_CONNECT may still be in flight */
				p->state = PD_EXITED_OK;
				p->expires_ms = now_ms() + EXITED_GRACE_MS;
			} else {
				if (p->state == PD_PENDING)
					send_refused(d, p->ident);
				else if (!ok && p->state == PD_ALLOW)
					LOG_WARN("request child exited with %d after allow",
						 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
				p->state = PD_FREE;
			}
			break;
		}
	}
}

static void expire_pending(struct daemon *d)
{
	long long t = now_ms();
	for (int i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &d->pending[i];
		if (p->state == PD_EXITED_OK && t >= p->expires_ms) {
			send_refused(d, p->ident);
			p->state = PD_FREE;
		}
	}
}

static void usage(const char *prog, int code)
{
	fprintf(code ? stderr : stdout,
		"usage: %s [-q] [-D|--direct] -u|--uuid=UUID [--socket-dir=DIR]\n"
		"          [-p|--policy-program=PATH] [--policy-socket=PATH]\n"
		"          [--qubesd-socket=PATH]\n"
		"          DOMID DOMNAME [DEFAULT_USER]\n", prog);
	exit(code);
}

/* Without --direct: the parent waits until the agent is connected. */
static void daemonize(struct daemon *d)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		LOG_ERR("pipe: %m");
		exit(1);
	}
	pid_t pid = fork();
	if (pid < 0) {
		LOG_ERR("fork: %m");
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		char c;
		ssize_t r = read_all(p[0], &c, 1);
		if (r != 1)
			exit(1);
		exit(c == 0 ? 0 : 3);
	}
	close(p[0]);
	d->ready_pipe = p[1];
	setsid();
	char logpath[4096];
	snprintf(logpath, sizeof logpath, "/var/log/qubes/qrexec.%s.log", d->name);
	int lfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (lfd >= 0) {
		dup2(lfd, 1);
		dup2(lfd, 2);
		close(lfd);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"uuid", required_argument, 0, 'u'},
		{"socket-dir", required_argument, 0, 'S'},
		{"policy-program", required_argument, 0, 'p'},
		{"policy-socket", required_argument, 0, 'P'},
		{"qubesd-socket", required_argument, 0, 'Q'},
		{"direct", no_argument, 0, 'D'},
		{"quiet", no_argument, 0, 'q'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	static struct daemon daemon;
	struct daemon *d = &daemon;
	log_init(argv[0]);
	d->socket_dir = DEFAULT_DAEMON_SOCKET_DIR;
	d->qubesd_socket = QUBESD_SOCKET;
	d->policy.socket = DEFAULT_POLICY_SOCKET;
	d->policy.program = DEFAULT_POLICY_PROGRAM;
	d->ready_pipe = -1;
	d->agent = d->listen_fd = -1;
	bool direct = false;
	int c;
	while ((c = getopt_long(argc, argv, "u:p:Dqh", opts, NULL)) != -1) {
		switch (c) {
		case 'u': d->uuid = optarg; break;
		case 'S': d->socket_dir = optarg; break;
		case 'p': d->policy.program = optarg; d->policy.socket = NULL; break;
		case 'P': d->policy.socket = optarg; break;
		case 'Q': d->qubesd_socket = optarg; break;
		case 'D': direct = true; break;
		case 'q': log_set_quiet(1); break;
		case 'h': usage(argv[0], 0); break;
		default: usage(argv[0], 1);
		}
	}
	if (argc - optind < 2 || argc - optind > 3 || !d->uuid)
		usage(argv[0], 1);
	char *end;
	long id = strtol(argv[optind], &end, 10);
	if (*end || id <= 0 || id > 0x7fff) {
		LOG_ERR("invalid domain id: %s", argv[optind]);
		return 1;
	}
	d->domid = (uint32_t)id;
	d->name = argv[optind + 1];
	d->default_user = argc - optind == 3 ? argv[optind + 2] : "user";
	if (strchr(d->name, '/') || strchr(d->uuid, '/')) {
		LOG_ERR("invalid domain name or uuid");
		return 1;
	}
	ensure_stdio_open();
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0) {
		dup2(devnull, 0);
		close(devnull);
	}
	signal(SIGPIPE, SIG_IGN);
	if (!direct)
		daemonize(d);
	wbuf_init(&d->agent_out, AGENT_OUT_MAX);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);

	long long startup_deadline = -1;
	if (d->ready_pipe >= 0 && !getenv("QREXEC_STARTUP_NOWAIT")) {
		const char *t = getenv("QREXEC_STARTUP_TIMEOUT");
		startup_deadline = now_ms() + 1000LL * (t ? atoi(t) : 60);
	}

	for (;;) {
		if (d->agent < 0) {
			if (agent_connect(d, 50) < 0) {
				if (d->agent >= 0)
					agent_lost(d, "setup failed");
				if (startup_deadline >= 0 && now_ms() > startup_deadline &&
				    d->ready_pipe >= 0) {
					char t = 1;
					write_all(d->ready_pipe, &t, 1);
					close(d->ready_pipe);
					d->ready_pipe = -1;
				}
				struct pollfd sp = {.fd = d->sigfd, .events = POLLIN};
				if (poll(&sp, 1, 50) > 0)
					reap(d);
				continue;
			}
		}
		struct pollfd pfd[3 + MAX_CLIENTS];
		struct client *who[3 + MAX_CLIENTS];
		int n = 0;
		bool room = d->agent_out.len < AGENT_OUT_MAX / 2;
		pfd[n++] = (struct pollfd){.fd = d->sigfd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = d->agent,
			.events = (short)(POLLIN | (d->agent_out.len ? POLLOUT : 0))};
		pfd[n++] = (struct pollfd){.fd = room ? d->listen_fd : -1, .events = POLLIN};
		for (int i = 0; room && i < MAX_CLIENTS; i++) {
			if (d->clients[i].state == CL_FREE)
				continue;
			who[n] = &d->clients[i];
			pfd[n++] = (struct pollfd){.fd = d->clients[i].fd, .events = POLLIN};
		}
		int timeout = -1;
		for (int i = 0; i < MAX_PENDING; i++)
			if (d->pending[i].state == PD_EXITED_OK)
				timeout = 200;
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			LOG_ERR("poll: %m");
			return 1;
		}
		/* clients first: a request child's SERVICE_CONNECT must be
		 * seen before its exit is */
		for (int i = 3; i < n; i++)
			if (pfd[i].revents && who[i]->state != CL_FREE && who[i]->fd == pfd[i].fd)
				client_read(d, who[i]);
		if (pfd[2].revents && d->listen_fd >= 0)
			client_accept(d);
		if (pfd[1].revents & POLLOUT)
			agent_flush(d);
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			agent_read(d);
		if (pfd[0].revents)
			reap(d);
		expire_pending(d);
		agent_flush(d);
	}
}
