/* qrexec-agent: the qrexec endpoint inside a domain.
 *
 * Serves the control vchan (port 512) toward the domain's qrexec-daemon in
 * dom0, runs the calls dom0 sends (one handler process each), and accepts
 * service requests from local qrexec-client-vm processes on the agent
 * socket, forwarding them to dom0 and handing back the data port. */
#include "qrexec/agent/handler.h"
#include "qrexec/proto.h"
#include "lib/buf.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/vchan.h"

#include <errno.h>
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
#include <unistd.h>

#define DEFAULT_AGENT_SOCKET "/var/run/qubes/qrexec-agent"
#define MAX_CLIENTS QREXEC_MAX_FDS
#define HELLO_TIMEOUT_MS 10000

enum client_state { CL_FREE, CL_READING, CL_WAITING, CL_CONNECTED };

struct client {
	int fd;
	enum client_state state;
	uint8_t *buf;   /* request being read */
	size_t have, need;
	uint32_t dom, port;
};

struct handler {
	pid_t pid;
	uint32_t dom, port;
};

struct agent {
	const char *socket_path;
	int listen_vchan;    /* control vchan listening socket, or -1 */
	int ctrl;            /* control link to dom0, or -1 */
	int trigger_listen;
	int sigfd;
	struct client clients[MAX_CLIENTS];
	struct handler handlers[MAX_CLIENTS];
	uint8_t rx[QREXEC_HDR_LEN + MAX_QREXEC_CMD_LEN + 1];
	size_t rx_have;
};

static void ctrl_drop(struct agent *a, const char *why)
{
	if (a->ctrl < 0)
		return;
	LOG_WARN("control connection closed: %s", why);
	close(a->ctrl);
	a->ctrl = -1;
	a->rx_have = 0;
	/* requests waiting for dom0's answer are refused */
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &a->clients[i];
		if (c->state == CL_WAITING) {
			close(c->fd);
			c->state = CL_FREE;
		}
	}
	a->listen_vchan = vchan_server_listen(0, QREXEC_CONTROL_PORT);
	if (a->listen_vchan < 0)
		LOG_ERR("cannot listen on the control vchan: %m");
}

static void ctrl_send(struct agent *a, const struct wbuf *w)
{
	if (a->ctrl < 0)
		return;
	if (write_all(a->ctrl, w->p, w->len) < 0)
		ctrl_drop(a, "write failed");
}

static void send_terminated(struct agent *a, uint32_t dom, uint32_t port)
{
	struct wbuf w;
	wbuf_init(&w, 64);
	proto_put_terminated(&w, dom, port);
	ctrl_send(a, &w);
	wbuf_free(&w);
}

static void ctrl_accept(struct agent *a)
{
	int fd = vchan_server_accept(a->listen_vchan, 0, QREXEC_CONTROL_PORT, 0);
	a->listen_vchan = -1;
	if (fd < 0) {
		a->listen_vchan = vchan_server_listen(0, QREXEC_CONTROL_PORT);
		return;
	}
	uint8_t m[QREXEC_HDR_LEN + 4];
	proto_hdr_encode(m, MSG_HELLO, 4);
	buf_put_le32(m + QREXEC_HDR_LEN, QREXEC_PROTOCOL_VERSION);
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct qrexec_hdr h;
	uint32_t v = 0;
	if (write_all(fd, m, sizeof m) < 0 || poll(&pfd, 1, HELLO_TIMEOUT_MS) <= 0 ||
	    read_all(fd, m, sizeof m) != (ssize_t)sizeof m) {
		LOG_ERR("no HELLO from dom0");
		goto fail;
	}
	proto_hdr_decode(m, &h);
	if (proto_hello_decode(&h, m + QREXEC_HDR_LEN, &v) != PROTO_OK || v < 2) {
		LOG_ERR("bad HELLO from dom0");
		goto fail;
	}
	set_nonblock(fd, true);
	a->ctrl = fd;
	a->rx_have = 0;
	return;
fail:
	close(fd);
	a->listen_vchan = vchan_server_listen(0, QREXEC_CONTROL_PORT);
}

static struct client *client_by_ident(struct agent *a, const uint8_t *ident, size_t n)
{
	char id[QREXEC_IDENT_LEN + 1];
	size_t l = n < QREXEC_IDENT_LEN ? n : QREXEC_IDENT_LEN;
	memcpy(id, ident, l);
	id[l] = '\0';
	if (strncmp(id, "SOCKET", 6) != 0)
		return NULL;
	char *end;
	long fd = strtol(id + 6, &end, 10);
	if (end == id + 6 || *end || fd < 0)
		return NULL;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (a->clients[i].state == CL_WAITING && a->clients[i].fd == fd)
			return &a->clients[i];
	return NULL;
}

static void start_handler(struct agent *a, const struct qrexec_hdr *h, uint8_t *body)
{
	struct exec_params ep;
	proto_exec_params_decode(body, h->len, &ep);
	int slot = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (a->handlers[i].pid == 0) {
			slot = i;
			break;
		}
	if (slot < 0) {
		LOG_ERR("too many calls in progress; dropping %s", proto_type_name(h->type));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		LOG_ERR("fork: %m");
		return;
	}
	if (pid == 0) {
		/* the handler keeps nothing of the agent's */
		if (a->ctrl >= 0)
			close(a->ctrl);
		if (a->listen_vchan >= 0)
			close(a->listen_vchan);
		close(a->trigger_listen);
		close(a->sigfd);
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (a->clients[i].state != CL_FREE)
				close(a->clients[i].fd);
		sigset_t set;
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGTERM, SIG_DFL);
		handler_run(ep.connect_domain, ep.connect_port, (const char *)ep.cmd,
			    ep.cmd_len, h->type == MSG_JUST_EXEC);
	}
	a->handlers[slot] = (struct handler){pid, ep.connect_domain, ep.connect_port};
}

static void handle_ctrl_msg(struct agent *a, const struct qrexec_hdr *h, uint8_t *body)
{
	switch (h->type) {
	case MSG_EXEC_CMDLINE:
	case MSG_JUST_EXEC:
		body[h->len - 1] = '\0';
		start_handler(a, h, body);
		return;
	case MSG_SERVICE_CONNECT: {
		struct exec_params ep;
		body[h->len - 1] = '\0';
		proto_exec_params_decode(body, h->len, &ep);
		struct client *c = client_by_ident(a, ep.cmd, ep.cmd_len);
		if (!c) {
			LOG_WARN("SERVICE_CONNECT for an unknown request");
			return;
		}
		uint8_t reply[8];
		buf_put_le32(reply, ep.connect_domain);
		buf_put_le32(reply + 4, ep.connect_port);
		if (write_all(c->fd, reply, sizeof reply) < 0) {
			close(c->fd);
			c->state = CL_FREE;
			send_terminated(a, ep.connect_domain, ep.connect_port);
			return;
		}
		c->state = CL_CONNECTED;
		c->dom = ep.connect_domain;
		c->port = ep.connect_port;
		return;
	}
	case MSG_SERVICE_REFUSED: {
		struct client *c = client_by_ident(a, body, QREXEC_IDENT_LEN);
		if (c) {
			close(c->fd);
			c->state = CL_FREE;
		}
		return;
	}
	}
}

/* Checks a control header from dom0 as upstream does. */
static bool ctrl_hdr_ok(const struct qrexec_hdr *h)
{
	switch (h->type) {
	case MSG_EXEC_CMDLINE:
	case MSG_JUST_EXEC:
	case MSG_SERVICE_CONNECT:
		return h->len > 8 && h->len <= MAX_QREXEC_CMD_LEN;
	case MSG_SERVICE_REFUSED:
		return h->len == QREXEC_IDENT_LEN;
	default:
		return false;
	}
}

static void ctrl_read(struct agent *a)
{
	ssize_t r = read(a->ctrl, a->rx + a->rx_have, sizeof a->rx - a->rx_have);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		ctrl_drop(a, strerror(errno));
		return;
	}
	if (r == 0) {
		ctrl_drop(a, "EOF");
		return;
	}
	a->rx_have += (size_t)r;
	size_t off = 0;
	while (a->rx_have - off >= QREXEC_HDR_LEN) {
		struct qrexec_hdr h;
		proto_hdr_decode(a->rx + off, &h);
		if (!ctrl_hdr_ok(&h)) {
			LOG_ERR("bad message from dom0: type 0x%x length %u", h.type, h.len);
			ctrl_drop(a, "protocol error");
			return;
		}
		if (a->rx_have - off < QREXEC_HDR_LEN + h.len)
			break;
		handle_ctrl_msg(a, &h, a->rx + off + QREXEC_HDR_LEN);
		if (a->ctrl < 0)
			return;
		off += QREXEC_HDR_LEN + h.len;
	}
	memmove(a->rx, a->rx + off, a->rx_have - off);
	a->rx_have -= off;
}

static void client_accept(struct agent *a)
{
	int fd = accept4(a->trigger_listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &a->clients[i];
		if (c->state == CL_FREE) {
			*c = (struct client){.fd = fd, .state = CL_READING,
					     .need = QREXEC_HDR_LEN};
			return;
		}
	}
	LOG_ERR("too many local clients");
	close(fd);
}

static void client_close(struct client *c)
{
	close(c->fd);
	free(c->buf);
	c->buf = NULL;
	c->state = CL_FREE;
}

static void client_read(struct agent *a, struct client *c)
{
	if (c->state == CL_CONNECTED || c->state == CL_WAITING) {
		/* watching for the client to go away */
		char b[256];
		ssize_t r = read(c->fd, b, sizeof b);
		if (r > 0 || (r < 0 && errno == EAGAIN))
			return;
		if (c->state == CL_CONNECTED)
			send_terminated(a, c->dom, c->port);
		client_close(c);
		return;
	}
	if (!c->buf && !(c->buf = malloc(TRIGGER_V4_HDR + MAX_SERVICE_NAME_LEN + QREXEC_HDR_LEN))) {
		client_close(c);
		return;
	}
	ssize_t r = read(c->fd, c->buf + c->have, c->need - c->have);
	if (r < 0 && errno == EAGAIN)
		return;
	if (r <= 0) {
		client_close(c);
		return;
	}
	c->have += (size_t)r;
	if (c->have < c->need)
		return;
	if (c->need == QREXEC_HDR_LEN) {
		struct qrexec_hdr h;
		proto_hdr_decode(c->buf, &h);
		if (h.type != MSG_TRIGGER_SERVICE4 || h.len <= TRIGGER_V4_HDR ||
		    h.len > TRIGGER_V4_HDR + MAX_SERVICE_NAME_LEN) {
			LOG_ERR("bad request from a local client: type 0x%x length %u",
				h.type, h.len);
			client_close(c);
			return;
		}
		c->need += h.len;
		return;
	}
	if (a->ctrl < 0) {
		LOG_ERR("no connection to dom0; refusing a local request");
		client_close(c);
		return;
	}
	/* rewrite the request id to the one dom0 will answer with */
	char id[QREXEC_IDENT_LEN];
	snprintf(id, sizeof id, "SOCKET%d", c->fd);
	memcpy(c->buf + QREXEC_HDR_LEN + 128, id, strlen(id) + 1);
	struct wbuf w = {.p = c->buf, .len = c->have, .cap = c->have, .limit = c->have};
	c->state = CL_WAITING;
	ctrl_send(a, &w);
	free(c->buf);
	c->buf = NULL;
}

static void reap_handlers(struct agent *a)
{
	struct signalfd_siginfo si;
	bool term = false;
	while (read(a->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			term = true;
	if (term) {
		unlink(a->socket_path);
		exit(0);
	}
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_CLIENTS; i++) {
			struct handler *hd = &a->handlers[i];
			if (hd->pid == pid) {
				hd->pid = 0;
				send_terminated(a, hd->dom, hd->port);
				break;
			}
		}
	}
}

static void usage(const char *prog, int code)
{
	fprintf(code ? stderr : stdout,
		"usage: %s [-a|--agent-socket=PATH] [-s|--fork-server-socket=PATH]\n"
		"          [-S|--no-fork-server] [-h]\n", prog);
	exit(code);
}

static void notify_ready(void)
{
	const char *ns = getenv("NOTIFY_SOCKET");
	if (!ns || (ns[0] != '/' && ns[0] != '@'))
		return;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	struct sockaddr_un { sa_family_t f; char p[108]; } addr = {.f = AF_UNIX};
	size_t l = strnlen(ns, sizeof addr.p - 1);
	memcpy(addr.p, ns, l);
	if (addr.p[0] == '@')
		addr.p[0] = '\0';
	sendto(fd, "READY=1", 7, 0, (struct sockaddr *)&addr,
	       (socklen_t)(sizeof(sa_family_t) + l));
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"agent-socket", required_argument, 0, 'a'},
		{"fork-server-socket", required_argument, 0, 's'},
		{"no-fork-server", no_argument, 0, 'S'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	static struct agent agent;
	struct agent *a = &agent;
	log_init(argv[0]);
	a->socket_path = DEFAULT_AGENT_SOCKET;
	int c;
	while ((c = getopt_long(argc, argv, "a:s:Sh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': a->socket_path = optarg; break;
		case 's': case 'S': break; /* no fork server: handlers are forked */
		case 'h': usage(argv[0], 2); break;
		default: usage(argv[0], 2);
		}
	}
	if (optind != argc)
		usage(argv[0], 2);
	ensure_stdio_open();
	signal(SIGPIPE, SIG_IGN);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	a->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	a->ctrl = -1;
	a->listen_vchan = vchan_server_listen(0, QREXEC_CONTROL_PORT);
	if (a->listen_vchan < 0) {
		LOG_ERR("cannot listen on the control vchan in %s: %m", vchan_socket_dir());
		return 1;
	}
	mode_t old = umask(0);
	a->trigger_listen = unix_listen(a->socket_path, 64);
	umask(old);
	if (a->trigger_listen < 0) {
		LOG_ERR("cannot create agent socket %s: %m", a->socket_path);
		return 1;
	}
	set_nonblock(a->trigger_listen, true);
	notify_ready();

	for (;;) {
		struct pollfd pfd[3 + MAX_CLIENTS];
		struct client *who[3 + MAX_CLIENTS];
		int n = 0;
		pfd[n++] = (struct pollfd){.fd = a->sigfd, .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = a->ctrl >= 0 ? a->ctrl : a->listen_vchan,
					   .events = POLLIN};
		pfd[n++] = (struct pollfd){.fd = a->trigger_listen, .events = POLLIN};
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (a->clients[i].state == CL_FREE)
				continue;
			who[n] = &a->clients[i];
			pfd[n++] = (struct pollfd){.fd = a->clients[i].fd, .events = POLLIN};
		}
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			LOG_ERR("poll: %m");
			return 1;
		}
		if (pfd[0].revents)
			reap_handlers(a);
		if (pfd[1].revents && pfd[1].fd >= 0) {
			if (a->ctrl >= 0)
				ctrl_read(a);
			else if (a->listen_vchan >= 0)
				ctrl_accept(a);
		}
		if (pfd[2].revents)
			client_accept(a);
		for (int i = 3; i < n; i++)
			if (pfd[i].revents && who[i]->state != CL_FREE && who[i]->fd == pfd[i].fd)
				client_read(a, who[i]);
	}
}
