/* bulkheadd: the qubesd of bulkhead. Owns the registry of qubes, serves the
 * Admin API on /run/qubesd.sock and internal.* on
 * /run/qubesd.internal.sock with qubesd's framing (admin_proto.h), starts
 * and stops qubes (lifecycle.h), and streams events. One poll loop; a
 * connection carries one request: read to EOF, dispatch through the
 * method table (methods.h), answer, close — or stay open for an event
 * stream or a reply that comes later. Callers other than dom0 see only
 * the qubes the policy lets them list (the same policy files as qrexec). */
#include "domains/server.h"
#include "domains/admin_proto.h"
#include "domains/dispatch.h"
#include "domains/registry.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/vchan.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_TIMEOUT_MS 30000
#define OUT_LIMIT DISPATCH_CONTENT_MAX
#define STREAM_BACKLOG (4u * 1024 * 1024) /* an event reader this far behind is dropped */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- connections ---- */

static void conn_free(struct server *s, size_t i)
{
	struct conn *c = s->conns[i];
	close(c->fd);
	free(c->in);
	wbuf_free(&c->out);
	free(c);
	s->conns[i] = s->conns[--s->nconns];
}

static void put_exception(struct conn *c, const struct admin_err *e)
{
	wbuf_reset(&c->out);
	admin_put_exception(&c->out, e->type ? e->type : "QubesException", e->msg);
}

static void dispatch(struct server *s, size_t ci)
{
	struct conn *c = s->conns[ci];
	struct dispatch_result res;
	c->deadline = 0;
	c->close_when_flushed = true;
	dispatch_request(s, c->sock, c->fd, c->in, c->inlen, &c->out, &res);
	snprintf(c->src, sizeof c->src, "%s", res.src);
	c->src_is_dom0 = res.src_is_dom0;
	if (res.streaming) {
		c->streaming = true;
		c->close_when_flushed = false;
		snprintf(c->stream_dest, sizeof c->stream_dest, "%s", res.stream_dest);
	} else if (res.deferred) {
		c->deferred = true;
		c->close_when_flushed = false;
	}
}

void server_reply_later(struct server *s, int conn, const struct admin_err *err)
{
	for (size_t i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];
		if (c->fd != conn || !c->deferred)
			continue;
		c->deferred = false;
		c->close_when_flushed = true;
		if (err && err->type)
			put_exception(c, err);
		else
			admin_put_ok(&c->out, "", 0);
		return;
	}
}

/* ---- events ---- */

static void on_event(void *ctx, const char *subject, const char *event,
		     const char *const *kv, size_t n)
{
	struct server *s = ctx;
	s->si_dirty = true;
	/* the target an event is about, for filters: its subject, or the vm
	 * of a global domain-add/delete, else the AdminVM */
	const char *about = subject && subject[0] ? subject : NULL;
	for (size_t k = 0; !about && k < n; k++)
		if (strcmp(kv[2 * k], "vm") == 0)
			about = kv[2 * k + 1];
	char arg[300];
	snprintf(arg, sizeof arg, "+%s", event);
	for (char *p = arg; *p; p++)
		if (*p == ':')
			*p = '_';
	for (size_t i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];
		if (!c->streaming)
			continue;
		if (c->stream_dest[0] && (!about || strcmp(about, c->stream_dest) != 0))
			continue;
		if (!c->src_is_dom0 &&
		    !dispatch_policy_allows(s, c->src, "admin.Events", arg,
					    about ? about : "@adminvm"))
			continue;
		if (c->out.len - c->outoff > STREAM_BACKLOG) {
			LOG_WARN("event reader %s is too slow; dropping it", c->src);
			c->streaming = false;
			c->close_when_flushed = true;
			continue;
		}
		admin_put_event(&c->out, subject, event, kv, n);
	}
}

/* ---- the loop ---- */

static int listen_socket(const char *path)
{
	mode_t old = umask(0117);
	int fd = unix_listen(path, 128);
	umask(old);
	if (fd < 0) {
		LOG_ERR("cannot listen on %s: %m", path);
		return -1;
	}
	struct group *g = getgrnam("qubes");
	if (g && chown(path, 0, g->gr_gid) < 0)
		LOG_WARN("cannot give %s to group qubes: %m", path);
	set_nonblock(fd, true);
	return fd;
}

static void accept_on(struct server *s, int lfd, enum m_socket sock)
{
	int fd;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct conn *c = calloc(1, sizeof *c);
		if (!c || s->nconns == SERVER_MAX_CONNS) {
			LOG_ERR("too many connections; refusing one");
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->sock = sock;
		c->deadline = now_ms() + READ_TIMEOUT_MS;
		wbuf_init(&c->out, OUT_LIMIT);
		s->conns[s->nconns++] = c;
	}
}

/* Reads what is there; dispatches at EOF. */
static void on_readable(struct server *s, size_t i)
{
	struct conn *c = s->conns[i];
	for (;;) {
		if (c->inlen == c->incap) {
			if (c->incap > ADMIN_REQUEST_MAX) {
				struct admin_err e;
				admin_err_set(&e, "ProtocolError", "request larger than 64 KiB");
				LOG_WARN("request larger than 64 KiB; closing");
				put_exception(c, &e);
				c->done_reading = true;
				c->close_when_flushed = true;
				c->deadline = 0;
				return;
			}
			size_t nc = c->incap ? c->incap * 2 : 4096;
			uint8_t *ni = realloc(c->in, nc);
			if (!ni) {
				c->done_reading = true;
				c->close_when_flushed = true;
				return;
			}
			c->in = ni;
			c->incap = nc;
		}
		ssize_t r = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			c->done_reading = true;
			dispatch(s, i);
			return;
		}
		c->inlen += (size_t)r;
	}
}

/* Returns true when the connection is finished. */
static bool flush(struct conn *c)
{
	while (c->outoff < c->out.len) {
		ssize_t w = send(c->fd, c->out.p + c->outoff, c->out.len - c->outoff,
				 MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno != EAGAIN;
		}
		c->outoff += (size_t)w;
	}
	wbuf_reset(&c->out);
	c->outoff = 0;
	return c->close_when_flushed;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bulkheadd [options]\n"
		"The bulkhead daemon: registry of qubes, Admin API, lifecycle, events.\n"
		"  --socket-dir DIR     where qubesd.sock and qubesd.internal.sock live (/run)\n"
		"  --db FILE            the registry (%s)\n"
		"  --lib-dir DIR        per-domain private data (/var/lib/bulkhead)\n"
		"  --run-dir DIR        runtime state (/run/bulkhead)\n"
		"  --policy-dir DIR     policy for filtering List/Events (repeatable)\n"
		"  --compat-path DIR    legacy policy directory\n"
		"  --write-policy DIR   write the default admin policy files into DIR, exit\n"
		"  --qrexec-socket-dir DIR  where qrexec-daemons put qrexec.NAME (/run/qubes)\n"
		"  --policy-socket P    the policy daemon's socket, for the qrexec-daemons\n"
		"  --agent P, --init P, --qubesdb-read P, --client-vm P, --qrexec-daemon P,\n"
		"  --bwrap P, --vchan-broker P  the programs a qube needs (default: installed\n"
		"                       ones; --vchan-broker= runs no broker)\n"
		"  --domain-tool P      one more program for the qubes' /opt/bulkhead/bin\n"
		"                       (repeatable, at most 4; default: the installed\n"
		"                       qvm-pass and bulkhead-pass-vault when present)\n"
		"  --dom0-rpc-path P    dom0's services, for the qrexec-daemons\n"
		"                       (QREXEC_SERVICE_PATH; default: qrexec's own)\n",
		REGISTRY_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	const char *sock_dir = "/run", *db = REGISTRY_DEFAULT_PATH;
	const char *lib_dir = "/var/lib/bulkhead", *run_dir = "/run/bulkhead";
	const char *policy_dirs[PCACHE_MAX_DIRS], *compat = NULL;
	size_t npolicy = 0;
	struct lifecycle_paths lp = {
		.agent = BULKHEAD_SBINDIR "/qrexec-agent",
		.init = BULKHEAD_LIBEXECDIR "/bulkhead/bulkhead-init",
		.qubesdb_read = BULKHEAD_LIBEXECDIR "/bulkhead/qubesdb-read",
		.client_vm = BULKHEAD_BINDIR "/qrexec-client-vm",
		.qrexec_daemon = BULKHEAD_SBINDIR "/qrexec-daemon",
		.broker = BULKHEAD_SBINDIR "/qrexec-vchan-broker",
		.qrexec_socket_dir = "/run/qubes",
	};
	static const struct option opts[] = {
		{"socket-dir", required_argument, 0, 's'},
		{"db", required_argument, 0, 'd'},
		{"lib-dir", required_argument, 0, 'l'},
		{"run-dir", required_argument, 0, 'r'},
		{"policy-dir", required_argument, 0, 'p'},
		{"compat-path", required_argument, 0, 'c'},
		{"write-policy", required_argument, 0, 'w'},
		{"qrexec-socket-dir", required_argument, 0, 'Q'},
		{"policy-socket", required_argument, 0, 'P'},
		{"agent", required_argument, 0, 'A'},
		{"init", required_argument, 0, 'I'},
		{"qubesdb-read", required_argument, 0, 'B'},
		{"client-vm", required_argument, 0, 'C'},
		{"qrexec-daemon", required_argument, 0, 'D'},
		{"bwrap", required_argument, 0, 'W'},
		{"vchan-broker", required_argument, 0, 'V'},
		{"dom0-rpc-path", required_argument, 0, 'R'},
		{"domain-tool", required_argument, 0, 'T'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock_dir = optarg; break;
		case 'd': db = optarg; break;
		case 'l': lib_dir = optarg; break;
		case 'r': run_dir = optarg; break;
		case 'p':
			if (npolicy == PCACHE_MAX_DIRS)
				return 2;
			policy_dirs[npolicy++] = optarg;
			break;
		case 'c': compat = optarg; break;
		case 'Q': lp.qrexec_socket_dir = optarg; break;
		case 'P': lp.policy_socket = optarg; break;
		case 'A': lp.agent = optarg; break;
		case 'I': lp.init = optarg; break;
		case 'B': lp.qubesdb_read = optarg; break;
		case 'C': lp.client_vm = optarg; break;
		case 'D': lp.qrexec_daemon = optarg; break;
		case 'W': lp.bwrap = optarg; break;
		case 'V': lp.broker = optarg; break;
		case 'R': lp.dom0_rpc_path = optarg; break;
		case 'T':
			if (lp.n_tools == sizeof lp.tools / sizeof lp.tools[0]) {
				fprintf(stderr, "bulkheadd: at most %zu --domain-tool\n",
					sizeof lp.tools / sizeof lp.tools[0]);
				return 2;
			}
			lp.tools[lp.n_tools++] = optarg;
			break;
		case 'w': {
			char err[512];
			if (method_write_policy(optarg, err, sizeof err) < 0) {
				fprintf(stderr, "bulkheadd: %s\n", err);
				return 1;
			}
			return 0;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (lp.n_tools == 0) {
		/* the split services' programs, when installed */
		static const char *const installed[] = {
			BULKHEAD_BINDIR "/qvm-pass",
			BULKHEAD_LIBEXECDIR "/bulkhead/bulkhead-pass-vault",
		};
		for (size_t i = 0; i < sizeof installed / sizeof *installed; i++)
			if (access(installed[i], X_OK) == 0)
				lp.tools[lp.n_tools++] = installed[i];
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGIO, SIG_IGN);
	static struct server s;
	char err[1024];
	struct registry *reg;
	if (registry_open(db, &reg, err, sizeof err) < 0) {
		LOG_ERR("%s", err);
		return 1;
	}
	struct admin_err ae = {0};
	if (app_init(&s.app, reg, &ae) < 0) {
		LOG_ERR("%s", ae.msg);
		registry_close(reg);
		return 1;
	}
	s.app.on_event = on_event;
	s.app.event_ctx = &s;
	s.si_dirty = true;
	if (pcache_init(&s.pc, npolicy ? policy_dirs : NULL, npolicy, compat) == 0)
		s.have_policy = true;
	char p0[4096], p1[4096];
	snprintf(p0, sizeof p0, "%s/qubesd.sock", sock_dir);
	snprintf(p1, sizeof p1, "%s/qubesd.internal.sock", sock_dir);
	lp.qubesd_socket = p0;
	if (lifecycle_init(&s.lc, &s, lib_dir, run_dir, &lp, &ae) < 0) {
		LOG_ERR("%s", ae.msg);
		return 1;
	}
	lifecycle_reattach(&s.lc);
	s.lfd[0] = listen_socket(p0);
	s.lfd[1] = listen_socket(p1);
	if (s.lfd[0] < 0 || s.lfd[1] < 0)
		return 1;
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	int sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	LOG_INFO("serving %s and %s (%zu qubes)", p0, p1, s.app.ndoms);

	struct pollfd pfd[SERVER_MAX_CONNS + 64];
	int owner[SERVER_MAX_CONNS + 64];
	bool stop = false;
	while (!stop) {
		nfds_t n = 0;
		for (int k = 0; k < 2; k++) {
			pfd[n] = (struct pollfd){.fd = s.lfd[k], .events = POLLIN};
			owner[n++] = -1 - k;
		}
		pfd[n] = (struct pollfd){.fd = sigfd, .events = POLLIN};
		owner[n++] = -3;
		if (s.have_policy) {
			pfd[n] = (struct pollfd){.fd = pcache_fd(&s.pc), .events = POLLIN};
			owner[n++] = -4;
		}
		int lfds[32];
		int nl = lifecycle_fds(&s.lc, lfds, 32);
		for (int k = 0; k < nl; k++) {
			pfd[n] = (struct pollfd){.fd = lfds[k], .events = POLLIN};
			owner[n++] = -100 - k;
		}
		long long now = now_ms(), next = -1;
		for (size_t i = 0; i < s.nconns; i++) {
			struct conn *c = s.conns[i];
			short ev = 0;
			if (!c->done_reading)
				ev |= POLLIN;
			if (c->outoff < c->out.len)
				ev |= POLLOUT;
			pfd[n] = (struct pollfd){.fd = c->fd, .events = ev};
			owner[n++] = (int)i;
			if (c->deadline && (next < 0 || c->deadline < next))
				next = c->deadline;
		}
		int t1 = s.have_policy ? pcache_timeout_ms(&s.pc) : -1;
		int t2 = lifecycle_timeout_ms(&s.lc);
		if (t1 >= 0 && (next < 0 || now + t1 < next))
			next = now + t1;
		if (t2 >= 0 && (next < 0 || now + t2 < next))
			next = now + t2;
		int r = poll(pfd, n, next < 0 ? -1 : (int)(next > now ? next - now : 0));
		if (r < 0 && errno != EINTR) {
			LOG_ERR("poll: %m");
			break;
		}
		bool done[SERVER_MAX_CONNS] = {false};
		size_t nconns = s.nconns;
		for (nfds_t k = 0; r > 0 && k < n; k++) {
			if (!pfd[k].revents || owner[k] < 0)
				continue;
			size_t i = (size_t)owner[k];
			struct conn *c = s.conns[i];
			if ((pfd[k].revents & (POLLIN | POLLHUP)) && !c->done_reading)
				on_readable(&s, i);
			else if ((pfd[k].revents & (POLLHUP | POLLERR)) && c->done_reading &&
				 (c->streaming || c->deferred))
				done[i] = true; /* the reader went away */
		}
		for (nfds_t k = 0; r > 0 && k < n; k++) {
			if (!pfd[k].revents || owner[k] >= 0)
				continue;
			if (owner[k] == -1)
				accept_on(&s, s.lfd[0], M_ADMIN);
			else if (owner[k] == -2)
				accept_on(&s, s.lfd[1], M_INTERNAL);
			else if (owner[k] == -3)
				stop = true;
			else if (owner[k] == -4)
				pcache_on_events(&s.pc);
			else
				lifecycle_on_fd(&s.lc, pfd[k].fd);
		}
		now = now_ms();
		for (size_t i = 0; i < nconns && i < s.nconns; i++) {
			struct conn *c = s.conns[i];
			if (c->deadline && c->deadline <= now && !c->done_reading) {
				LOG_WARN("request not completed in time; closing");
				done[i] = true;
			}
			if (!done[i] && c->done_reading && !c->deferred &&
			    (c->outoff < c->out.len || c->close_when_flushed))
				done[i] = flush(c);
		}
		for (size_t i = s.nconns; i-- > 0;)
			if (done[i])
				conn_free(&s, i);
		if (s.have_policy)
			pcache_tick(&s.pc);
		lifecycle_tick(&s.lc);
	}
	LOG_INFO("stopping (qubes keep running)");
	while (s.nconns)
		conn_free(&s, 0);
	unlink(p0);
	unlink(p1);
	lifecycle_free(&s.lc);
	if (s.have_policy)
		pcache_free(&s.pc);
	sysinfo_free(s.si);
	app_free(&s.app);
	registry_close(reg);
	return 0;
}
