/* qrexec-vchan-broker: joins the data links between two domains on the host.
 *
 * Each domain sees only its own socket directory BASE/<id>/. A domain
 * that needs a vchan to another domain asks on BASE/<id>/broker.sock
 * (protocol in lib/vchan.h): LISTEN or CONNECT <remote> <port>. The broker
 * pairs LISTEN(A, remote B, port P) with CONNECT(B, remote A, port P),
 * whichever comes first waiting up to --hold-timeout, and hands each side
 * one end of a fresh socketpair by SCM_RIGHTS: the two domains then talk
 * directly and no process copies their data. The requester's identity is
 * the directory its connection came in on, never anything it says. Links
 * with dom0, with itself, with unknown domains, duplicates and malformed
 * requests are refused; connections and waiting requests are bounded per
 * domain; every refusal is logged with the domain id (rate limited, with
 * a count of what was not logged). One poll loop, non-blocking sockets. */
#include "qrexec/broker/conns.h"
#include "qrexec/broker/domdirs.h"
#include "qrexec/broker/request.h"
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
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_HOLD_S 60
#define DEFAULT_REQUEST_S 5
#define DEFAULT_MAX_PENDING 256   /* a daemon hands out at most 256 ports */
#define DEFAULT_MAX_CONNS 320
#define LINK_SOCKBUF (1024 * 1024) /* as qrexec's data loop asks for */
#define ACCEPT_BATCH 16           /* per domain and loop turn: fairness */
#define FD_RESERVE 64
#define TICK_MS 1000
#define LOG_BURST 20              /* refusal lines per domain per second */
#define ACCEPT_PAUSE_MS 100

struct limits {
	int hold_ms, request_ms;
	size_t max_pending, max_conns;
};

struct broker {
	struct domdirs doms;
	struct conn_table conns;
	struct limits lim;
	int sigfd;
	size_t fd_limit;           /* RLIMIT_NOFILE */
	long long accept_pause_until;
	struct pollfd *pfd;        /* per loop turn */
	size_t *who;
	size_t pfd_cap;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Logs a refusal for domain dom, at most LOG_BURST lines a second per
 * domain; the rest are counted and the count is logged later. */
static void refusal_log(struct broker *b, uint32_t dom, const char *what, const char *why)
{
	struct broker_dom *d = domdirs_find(&b->doms, dom);
	if (d) {
		long long now = now_ms();
		if (now - d->log_window_ms >= 1000) {
			if (d->log_suppressed)
				LOG_WARN("domain %u: %u more refusals not logged", dom,
					 d->log_suppressed);
			d->log_window_ms = now;
			d->log_lines = d->log_suppressed = 0;
		}
		if (d->log_lines >= LOG_BURST) {
			d->log_suppressed++;
			return;
		}
		d->log_lines++;
	}
	LOG_WARN("refused %s from domain %u: %s", what, dom, why);
}

static void flush_suppressed(struct broker *b)
{
	long long now = now_ms();
	for (size_t i = 0; i < b->doms.n; i++) {
		struct broker_dom *d = &b->doms.v[i];
		if (d->log_suppressed && now - d->log_window_ms >= 1000) {
			LOG_WARN("domain %u: %u more refusals not logged", d->id, d->log_suppressed);
			d->log_suppressed = 0;
		}
	}
}

/* Sends a reply line, with fd attached if pass_fd >= 0. True if it was
 * sent whole. */
static bool send_reply(int fd, const char *text, int pass_fd)
{
	struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	if (pass_fd >= 0) {
		memset(&cm, 0, sizeof cm);
		m.msg_control = cm.b;
		m.msg_controllen = sizeof cm.b;
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	ssize_t w;
	do
		w = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)iov.iov_len;
}

/* Refuses a connection that has no slot: tells it why and closes it. */
static void refuse_fd(struct broker *b, int fd, uint32_t dom, const char *why)
{
	char line[VCHAN_BROKER_REPLY_MAX];
	snprintf(line, sizeof line, "ERR %s\n", why);
	send_reply(fd, line, -1);
	close(fd);
	refusal_log(b, dom, "connection", why);
}

static void drop(struct broker *b, size_t i)
{
	close(b->conns.v[i].fd);
	conns_release(&b->conns, i);
}

/* Refuses connection i (its request r, if it got that far). */
static void refuse(struct broker *b, size_t i, const struct broker_request *r,
		   const char *why)
{
	struct conn *c = &b->conns.v[i];
	char line[VCHAN_BROKER_REPLY_MAX], what[48];
	snprintf(line, sizeof line, "ERR %s\n", why);
	send_reply(c->fd, line, -1);
	if (r)
		snprintf(what, sizeof what, "%s %u %u", broker_op_name(r->op), r->remote,
			 r->port);
	else
		snprintf(what, sizeof what, "request");
	refusal_log(b, c->dom, what, why);
	drop(b, i);
}

/* Whether pending connection i still waits for its peer; if not, it is
 * dropped (gone) or refused (it sent more bytes). */
static bool conn_alive(struct broker *b, size_t i)
{
	struct conn *c = &b->conns.v[i];
	uint8_t x;
	ssize_t r;
	do
		r = recv(c->fd, &x, 1, MSG_PEEK | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == EAGAIN)
		return true;
	if (r > 0) {
		refuse(b, i, &c->req, "bytes after the request");
		return false;
	}
	LOG_DEBUG("domain %u gave up %s %u %u", c->dom, broker_op_name(c->req.op),
		  c->req.remote, c->req.port);
	drop(b, i);
	return false;
}

/* Joins connection i (request just read) and its waiting peer p. */
static void join(struct broker *b, size_t i, size_t p)
{
	struct conn *c = &b->conns.v[i], *q = &b->conns.v[p];
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		LOG_ERR("socketpair: %m");
		refuse(b, i, &c->req, "broker out of resources");
		refuse(b, p, &q->req, "broker out of resources");
		return;
	}
	for (int k = 0; k < 2; k++)
		if (sock_set_buffers(sv[k], LINK_SOCKBUF) < 0)
			LOG_DEBUG("cannot size link buffers: %m");
	if (!send_reply(c->fd, "OK\n", sv[0])) {
		/* the newcomer left already; its peer keeps waiting */
		drop(b, i);
	} else {
		if (!send_reply(q->fd, "OK\n", sv[1]))
			LOG_WARN("domain %u left while being linked to domain %u", q->dom, c->dom);
		else
			LOG_DEBUG("linked domain %u and domain %u on port %u", c->dom, q->dom,
				  c->req.port);
		drop(b, i);
		drop(b, p);
	}
	close(sv[0]);
	close(sv[1]);
}

static void handle_request(struct broker *b, size_t i, const struct broker_request *r)
{
	struct conn *c = &b->conns.v[i];
	c->req = *r;
	if (r->remote == c->dom) {
		refuse(b, i, r, "link with itself");
		return;
	}
	if (!domdirs_find(&b->doms, r->remote)) {
		refuse(b, i, r, "no such domain");
		return;
	}
	size_t same = conns_find_same(&b->conns, c->dom, r);
	if (same != CONN_NONE && conn_alive(b, same)) {
		refuse(b, i, r, "duplicate request");
		return;
	}
	for (;;) {
		size_t p = conns_find_peer(&b->conns, c->dom, r);
		if (p == CONN_NONE)
			break;
		if (conn_alive(b, p)) {
			join(b, i, p);
			return;
		}
	}
	if (conns_count(&b->conns, c->dom, true) >= b->lim.max_pending) {
		refuse(b, i, r, "too many waiting requests");
		return;
	}
	c->state = CONN_PENDING;
	c->deadline_ms = now_ms() + b->lim.hold_ms;
}

static void conn_readable(struct broker *b, size_t i)
{
	struct conn *c = &b->conns.v[i];
	if (c->state == CONN_PENDING) {
		conn_alive(b, i);
		return;
	}
	if (c->have >= sizeof c->buf) {
		refuse(b, i, NULL, "malformed request");
		return;
	}
	ssize_t r = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		refuse(b, i, NULL, r == 0 ? "closed before a complete request" : "read error");
		return;
	}
	c->have += (size_t)r;
	struct broker_request req;
	switch (broker_request_parse(c->buf, c->have, &req)) {
	case BROKER_PARSE_OK:
		handle_request(b, i, &req);
		break;
	case BROKER_PARSE_MORE:
		break;
	case BROKER_PARSE_BAD:
		refuse(b, i, NULL, "malformed request");
		break;
	}
}

static void expire(struct broker *b)
{
	long long now = now_ms();
	for (size_t i = 0; i < b->conns.n; i++) {
		struct conn *c = &b->conns.v[i];
		if (c->state == CONN_FREE || c->deadline_ms > now)
			continue;
		if (c->state == CONN_READING)
			refuse(b, i, NULL, "no complete request in time");
		else
			refuse(b, i, &c->req, "no peer in time");
	}
}

/* A domain directory went away: its connections go, and requests of
 * other domains waiting for it are refused. */
static void domain_gone(void *ctx, uint32_t id)
{
	struct broker *b = ctx;
	size_t dropped = 0;
	for (size_t i = 0; i < b->conns.n; i++) {
		struct conn *c = &b->conns.v[i];
		if (c->state == CONN_FREE)
			continue;
		if (c->dom == id) {
			drop(b, i);
			dropped++;
		} else if (c->state == CONN_PENDING && c->req.remote == id) {
			refuse(b, i, &c->req, "peer domain gone");
		}
	}
	if (dropped)
		LOG_INFO("domain %u gone: dropped %zu of its connections", id, dropped);
}

static size_t conn_budget(const struct broker *b)
{
	size_t fixed = FD_RESERVE + 2 * b->doms.n;
	return b->fd_limit > fixed ? b->fd_limit - fixed : 0;
}

static void accept_from(struct broker *b, uint32_t id, int lfd)
{
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN) {
				LOG_ERR("accept for domain %u: %m (pausing)", id);
				b->accept_pause_until = now_ms() + ACCEPT_PAUSE_MS;
			}
			return;
		}
		if (conns_count(&b->conns, id, false) >= b->lim.max_conns)
			refuse_fd(b, fd, id, "too many connections");
		else if (b->conns.live >= conn_budget(b))
			refuse_fd(b, fd, id, "broker busy");
		else if (conns_add(&b->conns, fd, id, now_ms() + b->lim.request_ms) == CONN_NONE)
			refuse_fd(b, fd, id, "broker out of memory");
	}
}

/* Sizes the per-turn poll arrays. Returns 0 or -1. */
static int pfd_reserve(struct broker *b, size_t n)
{
	if (n <= b->pfd_cap)
		return 0;
	struct pollfd *p = realloc(b->pfd, n * sizeof *p);
	if (!p)
		return -1;
	b->pfd = p;
	size_t *w = realloc(b->who, n * sizeof *w);
	if (!w)
		return -1;
	b->who = w;
	b->pfd_cap = n;
	return 0;
}

enum { SLOT_SIGNAL, SLOT_INOTIFY, SLOT_FIRST };

/* One turn of the loop. Returns 1 to go on, 0 to stop cleanly, -1 on
 * a fatal error. */
static int turn(struct broker *b, long long *next_tick)
{
	size_t cap = SLOT_FIRST + b->doms.n + b->conns.n;
	if (pfd_reserve(b, cap) < 0) {
		LOG_ERR("out of memory");
		return -1;
	}
	size_t n = 0;
	b->pfd[n++] = (struct pollfd){.fd = b->sigfd, .events = POLLIN};
	b->pfd[n++] = (struct pollfd){.fd = b->doms.ifd, .events = POLLIN};
	size_t first_dom = n;
	long long now = now_ms();
	if (now >= b->accept_pause_until)
		for (size_t i = 0; i < b->doms.n; i++)
			if (b->doms.v[i].lfd >= 0) {
				b->who[n] = b->doms.v[i].id;
				b->pfd[n++] = (struct pollfd){.fd = b->doms.v[i].lfd, .events = POLLIN};
			}
	size_t first_conn = n;
	for (size_t i = 0; i < b->conns.n; i++)
		if (b->conns.v[i].state != CONN_FREE) {
			b->who[n] = i;
			b->pfd[n++] = (struct pollfd){.fd = b->conns.v[i].fd, .events = POLLIN};
		}
	long long wake = *next_tick;
	long long dl = conns_next_deadline(&b->conns);
	if (dl >= 0 && dl < wake)
		wake = dl;
	if (b->accept_pause_until > now && b->accept_pause_until < wake)
		wake = b->accept_pause_until;
	int timeout = wake <= now ? 0 : (int)(wake - now);
	int r = poll(b->pfd, (nfds_t)n, timeout);
	if (r < 0 && errno != EINTR) {
		LOG_ERR("poll: %m");
		return -1;
	}
	if (r > 0 && b->pfd[SLOT_SIGNAL].revents) {
		struct signalfd_siginfo si;
		while (read(b->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
			if (si.ssi_signo != SIGHUP) {
				LOG_INFO("signal %u: exiting", si.ssi_signo);
				return 0;
			}
			LOG_INFO("SIGHUP: looking at %s again", b->doms.base);
			domdirs_sync(&b->doms);
		}
	}
	/* connections first: closing them may free fd numbers that the
	 * domain and accept steps below reuse */
	for (size_t k = first_conn; r > 0 && k < n; k++) {
		size_t i = b->who[k];
		if (b->pfd[k].revents && b->conns.v[i].state != CONN_FREE &&
		    b->conns.v[i].fd == b->pfd[k].fd)
			conn_readable(b, i);
	}
	expire(b);
	if (r > 0 && b->pfd[SLOT_INOTIFY].revents && domdirs_handle_events(&b->doms) < 0)
		return -1;
	for (size_t k = first_dom; r > 0 && k < first_conn; k++) {
		if (!b->pfd[k].revents)
			continue;
		struct broker_dom *d = domdirs_find(&b->doms, (uint32_t)b->who[k]);
		if (d && d->lfd == b->pfd[k].fd)
			accept_from(b, d->id, d->lfd);
	}
	if (now_ms() >= *next_tick) {
		domdirs_sync(&b->doms);
		flush_suppressed(b);
		*next_tick = now_ms() + TICK_MS;
	}
	return 1;
}

static void usage(const char *prog, int code)
{
	fprintf(code ? stderr : stdout,
		"usage: %s --base DIR [--hold-timeout SECONDS] [--request-timeout SECONDS]\n"
		"          [--max-pending N] [--max-connections N]\n"
		"  Joins vchan links between domains whose socket directories are\n"
		"  DIR/<domain id>/, listening on DIR/<id>/%s in each.\n"
		"  SIGHUP: look at DIR again; SIGTERM, SIGINT: exit.\n"
		"  --hold-timeout     how long a request waits for its peer (default %d)\n"
		"  --request-timeout  how long a connection may take to send its request (default %d)\n"
		"  --max-pending      waiting requests per domain (default %d)\n"
		"  --max-connections  open connections per domain (default %d)\n",
		prog, VCHAN_BROKER_SOCKET_NAME, DEFAULT_HOLD_S, DEFAULT_REQUEST_S,
		DEFAULT_MAX_PENDING, DEFAULT_MAX_CONNS);
	exit(code);
}

static long number_arg(const char *prog, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: bad number: %s\n", prog, s);
		exit(2);
	}
	return v;
}

/* Raises the soft fd limit to the hard one; returns the limit. */
static size_t raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t cur = rl.rlim_cur;
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rl.rlim_cur = cur;
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 20) ? (1u << 20)
									  : (size_t)rl.rlim_cur;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"base", required_argument, 0, 'b'},
		{"hold-timeout", required_argument, 0, 'H'},
		{"request-timeout", required_argument, 0, 'R'},
		{"max-pending", required_argument, 0, 'P'},
		{"max-connections", required_argument, 0, 'C'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	log_init(argv[0]);
	const char *base = NULL;
	struct limits lim = {DEFAULT_HOLD_S * 1000, DEFAULT_REQUEST_S * 1000,
			     DEFAULT_MAX_PENDING, DEFAULT_MAX_CONNS};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': base = optarg; break;
		case 'H': lim.hold_ms = (int)number_arg(argv[0], optarg, 1, 3600) * 1000; break;
		case 'R': lim.request_ms = (int)number_arg(argv[0], optarg, 1, 3600) * 1000; break;
		case 'P': lim.max_pending = (size_t)number_arg(argv[0], optarg, 1, 65536); break;
		case 'C': lim.max_conns = (size_t)number_arg(argv[0], optarg, 1, 65536); break;
		case 'h': usage(argv[0], 0); break;
		default: usage(argv[0], 2);
		}
	}
	if (!base || optind != argc)
		usage(argv[0], 2);
	ensure_stdio_open();
	signal(SIGPIPE, SIG_IGN);

	struct broker b;
	memset(&b, 0, sizeof b);
	b.lim = lim;
	b.fd_limit = raise_fd_limit();
	conns_init(&b.conns);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (b.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		LOG_ERR("signalfd: %m");
		return 1;
	}
	if (domdirs_open(&b.doms, base, domain_gone, &b) < 0) {
		domdirs_close(&b.doms);
		return 1;
	}
	LOG_INFO("serving %zu domain directories under %s", b.doms.n, base);
	long long next_tick = now_ms() + TICK_MS;
	int r;
	while ((r = turn(&b, &next_tick)) > 0)
		;
	for (size_t i = 0; i < b.conns.n; i++)
		if (b.conns.v[i].state != CONN_FREE)
			drop(&b, i);
	domdirs_close(&b.doms);
	conns_free(&b.conns);
	free(b.pfd);
	free(b.who);
	close(b.sigfd);
	return r < 0 ? 1 : 0;
}
