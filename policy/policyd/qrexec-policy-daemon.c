/* qrexec-policy-daemon: answers qrexec-daemon's policy requests on
 * /run/qubes/policy.sock with upstream's protocol (key=value request, the
 * reply qrexec-daemon parses), and serves the policy.EvalSimple and
 * policy.EvalGUI socket services. The policy is parsed once and reloaded
 * on change (policy_cache); system info comes from bulkheadd or a file
 * (sysinfo_cache). An "ask" goes to the user's qrexec-policy-agent without
 * blocking other requests; no agent, or no answer in time, is a deny.
 *
 * One single-threaded poll loop; every connection is a small state
 * machine: read the request, evaluate, maybe wait for the agent, write
 * the reply, close. */
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/vchan.h"
#include "policy/askclient.h"
#include "policy/askproto.h"
#include "policy/eval.h"
#include "policy/policyd/policy_cache.h"
#include "policy/policyd/sysinfo_cache.h"
#include "policy/request.h"

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
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define READ_TIMEOUT_MS 10000
#define WRITE_TIMEOUT_MS 10000
#define EVAL_MAX (1024 + 96)

#define DEFAULT_SOCKET "/run/qubes/policy.sock"
#define DEFAULT_EVAL_SOCKET "/etc/qubes-rpc/policy.EvalSimple"
#define DEFAULT_GUI_SOCKET "/etc/qubes-rpc/policy.EvalGUI"

enum conn_kind { CK_MAIN, CK_EVAL, CK_GUI };
enum conn_state { CS_READ, CS_ASK, CS_WRITE };

struct conn {
	int fd;
	enum conn_kind kind;
	enum conn_state st;
	char in[POLICY_REQUEST_MAX + 1];
	size_t inlen;
	bool in_eof;
	long long deadline;
	/* the request being decided */
	struct policyd_request req;
	char *service;
	struct pol_request rq;
	struct pol_result res;
	bool have_res;
	struct policy *p;       /* references held while deciding */
	struct sysinfo *si;
	/* the ask agent */
	int ask_fd;
	char *ask_msg;
	size_t ask_len, ask_off;
	char ans[ASK_ANSWER_MAX + 2];
	size_t anslen;
	/* the reply */
	char *out;
	size_t outlen, outoff;
};

struct daemon {
	struct policy_cache pc;
	struct sysinfo_cache sc;
	int lfd[3];             /* main, EvalSimple, EvalGUI (-1: off) */
	const char *ask_sock;
	int ask_timeout_ms;
	struct conn *conns[MAX_CONNS];
	size_t nconns;
	int sigfd;
	bool stop;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int listen_at(const char *path)
{
	mode_t old = umask(0007);
	int fd = unix_listen(path, 128);
	umask(old);
	if (fd < 0)
		LOG_ERR("cannot listen on %s: %m", path);
	else
		set_nonblock(fd, true);
	return fd;
}

static void conn_close(struct daemon *d, size_t i)
{
	struct conn *c = d->conns[i];
	close(c->fd);
	if (c->ask_fd >= 0)
		close(c->ask_fd);
	free(c->ask_msg);
	free(c->out);
	free(c->service);
	policyd_request_free(&c->req);
	if (c->have_res)
		pol_result_free(&c->res);
	policy_free(c->p);
	sysinfo_free(c->si);
	free(c);
	d->conns[i] = d->conns[--d->nconns];
}

static void set_reply(struct conn *c, const char *reply)
{
	free(c->out);
	c->out = strdup(reply);
	c->outlen = c->out ? strlen(c->out) : 0;
	c->outoff = 0;
	c->st = CS_WRITE;
	c->deadline = now_ms() + WRITE_TIMEOUT_MS;
}

/* Fire-and-forget policy.Notify to the agent. */
static void send_notify(struct daemon *d, const char *resolution, const struct pol_request *rq,
			const char *source, const char *target)
{
	size_t len;
	char *m = notify_request_build(resolution, rq, source, target, &len);
	if (!m)
		return;
	int fd = unix_connect(d->ask_sock);
	if (fd >= 0) {
		set_nonblock(fd, true);
		if (send(fd, m, len, MSG_NOSIGNAL) == (ssize_t)len)
			shutdown(fd, SHUT_WR);
		close(fd);
	} else {
		LOG_DEBUG("no agent to notify at %s: %m", d->ask_sock);
	}
	free(m);
}

static const char *label(const struct conn *c)
{
	return c->kind == CK_MAIN ? "" : c->kind == CK_EVAL ? " (policy.EvalSimple)"
							      : " (policy.EvalGUI)";
}

/* The decision is final: log, notify, reply. */
static void finish(struct daemon *d, struct conn *c)
{
	struct pol_result *res = &c->res;
	const char *reply = "result=deny";
	bool just_eval = c->req.just_evaluate;
	if (res->verdict == POL_ALLOW) {
		if (just_eval) {
			reply = "result=allow";
		} else {
			const char *out = pol_format_allow(res, c->si, &c->rq);
			if (out)
				reply = out;
		}
	}
	const char *svc = c->req.service_and_arg;
	if (res->verdict == POL_ALLOW) {
		LOG_INFO("qrexec: %s: %s -> %s: allowed to %s%s", svc, c->rq.source,
			 c->rq.target, res->target, label(c));
		if (res->notify && !just_eval)
			send_notify(d, "allow", &c->rq, res->source, res->target);
	} else {
		LOG_INFO("qrexec: %s: %s -> %s: denied: %s%s", svc, c->rq.source, c->rq.target,
			 res->reason, label(c));
		if (res->notify && !res->syntax && !just_eval && c->si &&
		    sysinfo_get(c->si, res->source ? res->source : c->rq.source))
			send_notify(d, "deny", &c->rq, res->source ? res->source : c->rq.source,
				    c->rq.target);
	}
	if (c->kind != CK_MAIN) {
		char r[32];
		snprintf(r, sizeof r, "%s\n", res->verdict == POL_ALLOW ? "result=allow"
									 : "result=deny");
		set_reply(c, r);
	} else {
		set_reply(c, reply);
	}
}

static void deny_now(struct conn *c, const char *why)
{
	if (!c->have_res) {
		memset(&c->res, 0, sizeof c->res);
		arena_init(&c->res.a);
		c->have_res = true;
	}
	c->res.verdict = POL_DENY;
	c->res.notify = false;
	snprintf(c->res.reason, sizeof c->res.reason, "%s", why);
}

/* Starts the ask: connect to the agent and queue the question. */
static void start_ask(struct daemon *d, struct conn *c)
{
	const struct si_domain *sd = sysinfo_get(c->si, c->res.source);
	const char *guivm = sd ? sd->guivm : NULL;
	if (!guivm || strcmp(guivm, "dom0") != 0) {
		LOG_ERR("%s not allowed from %s: the resolution was \"ask\", but the "
			"source's GuiVM is %s (only dom0 can prompt)", c->req.service_and_arg,
			c->res.source, guivm ? guivm : "not set");
		pol_ask_answer(&c->res, c->si, NULL);
		finish(d, c);
		return;
	}
	c->ask_msg = ask_request_build(&c->rq, &c->res, c->si, &c->ask_len);
	c->ask_fd = c->ask_msg ? unix_connect(d->ask_sock) : -1;
	if (c->ask_fd < 0) {
		LOG_ERR("ask for %s from %s: no policy agent at %s: %m", c->req.service_and_arg,
			c->res.source, d->ask_sock);
		pol_ask_answer(&c->res, c->si, NULL);
		snprintf(c->res.reason, sizeof c->res.reason, "no policy agent to ask the user");
		finish(d, c);
		return;
	}
	set_nonblock(c->ask_fd, true);
	c->ask_off = 0;
	c->anslen = 0;
	c->st = CS_ASK;
	c->deadline = now_ms() + d->ask_timeout_ms;
}

static void ask_done(struct daemon *d, struct conn *c, bool ok)
{
	char *chosen = NULL;
	int a = ok ? ask_answer_parse(c->ans, c->anslen, &chosen) : -1;
	if (a < 0) {
		pol_ask_answer(&c->res, c->si, NULL);
		snprintf(c->res.reason, sizeof c->res.reason, "%s",
			 ok ? "invalid response" : "no answer from the user in time");
		c->res.notify = true;
	} else {
		pol_ask_answer(&c->res, c->si, a == 1 ? chosen : NULL);
	}
	free(chosen);
	close(c->ask_fd);
	c->ask_fd = -1;
	finish(d, c);
}

static void decide(struct daemon *d, struct conn *c, const char *source, const char *target,
		   const char *svc_and_arg, bool just_eval, bool assume_yes)
{
	char err[1024];
	if (pol_split_service(svc_and_arg, &c->service, &c->rq.argument) < 0) {
		deny_now(c, "out of memory");
		finish(d, c);
		return;
	}
	c->rq.service = c->service;
	c->rq.source = source;
	c->rq.target = target;
	c->rq.requested_source = c->req.requested_source;
	c->req.just_evaluate = just_eval;
	const struct policy *cur = pcache_current(&d->pc);
	if (!cur) {
		deny_now(c, "no valid policy was loaded");
		finish(d, c);
		return;
	}
	c->si = sicache_get(&d->sc, err, sizeof err);
	if (!c->si) {
		LOG_ERR("error getting system info: %s", err);
		deny_now(c, "no system info");
		finish(d, c);
		return;
	}
	c->p = policy_ref((struct policy *)cur);
	pol_evaluate(c->p, c->si, &c->rq, &c->res, NULL, NULL);
	c->have_res = true;
	if (c->res.verdict == POL_ASK) {
		if (assume_yes) {
			pol_ask_answer(&c->res, c->si, c->res.intended_target);
		} else if (just_eval) {
			c->res.verdict = POL_DENY;
			c->res.notify = false;
			snprintf(c->res.reason, sizeof c->res.reason, "denied for non-interactive ask");
		} else {
			start_ask(d, c);
			return;
		}
	}
	finish(d, c);
}

static void got_main_request(struct daemon *d, struct conn *c)
{
	const char *err;
	if (policyd_request_parse(c->in, c->inlen, &c->req, &err) < 0) {
		LOG_ERR("error parsing policy request: %s", err);
		c->st = CS_WRITE; /* close without a reply, as upstream */
		c->outlen = 0;
		return;
	}
	/* decide() keeps pointers into c->req */
	decide(d, c, c->req.source, c->req.intended_target, c->req.service_and_arg,
	       c->req.just_evaluate, c->req.assume_yes_for_ask);
}

static void got_eval_request(struct daemon *d, struct conn *c)
{
	size_t hl;
	char *service, *arg, *remote;
	const char *name = c->kind == CK_EVAL ? "policy.EvalSimple" : "policy.EvalGUI";
	int r = policyd_qrexec_header_parse(c->in, c->inlen, &hl, &service, &arg, &remote);
	char src[32], tgt[64];
	bool ok = false;
	if (r != 1) {
		LOG_WARN("%s: malformed service header", name);
	} else if (strcmp(service, name) != 0) {
		LOG_ERR("%s invoked with incorrect name %s by %s", name, service, remote);
	} else if (!arg || !arg[0] || arg[0] == '+') {
		LOG_WARN("%s requires an argument (the service to query), but %s did not "
			 "provide one", name, remote);
	} else if (policyd_eval_payload_parse(c->in + hl, c->inlen - hl, src, tgt) < 0) {
		LOG_WARN("%s: invalid data from qube %s", name, remote);
	} else {
		ok = true;
	}
	if (ok && c->kind == CK_GUI) {
		char err[512];
		struct sysinfo *si = sicache_get(&d->sc, err, sizeof err);
		char tag[300];
		snprintf(tag, sizeof tag, "guivm-%s", remote);
		const struct si_domain *a = si ? sysinfo_get(si, src) : NULL;
		const struct si_domain *b = si ? sysinfo_get(si, tgt) : NULL;
		if (!a || !b || !si_has_tag(a, tag) || !si_has_tag(b, tag)) {
			LOG_WARN("%s can only be invoked by a domain that provides GUI to both "
				 "the source and target domains, not %s", name, remote);
			ok = false;
		}
		sysinfo_free(si);
	}
	if (!ok) {
		free(service);
		free(arg);
		free(remote);
		c->st = CS_WRITE;
		c->outlen = 0;
		return;
	}
	/* keep the strings for the decision in the request struct */
	c->req.source = strdup(src);
	c->req.intended_target = strdup(tgt);
	c->req.service_and_arg = arg;
	free(service);
	free(remote);
	if (!c->req.source || !c->req.intended_target) {
		c->st = CS_WRITE;
		c->outlen = 0;
		return;
	}
	decide(d, c, c->req.source, c->req.intended_target, c->req.service_and_arg, true, true);
}

static void on_readable(struct daemon *d, struct conn *c)
{
	size_t cap = c->kind == CK_MAIN ? POLICY_REQUEST_MAX + 1 : EVAL_MAX + 1;
	for (;;) {
		if (c->inlen == cap) {
			LOG_ERR("policy request too long%s; closing", label(c));
			c->st = CS_WRITE;
			c->outlen = 0;
			return;
		}
		ssize_t r = read(c->fd, c->in + c->inlen, cap - c->inlen);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			c->st = CS_WRITE;
			c->outlen = 0;
			return;
		}
		if (r == 0) {
			c->in_eof = true;
			break;
		}
		c->inlen += (size_t)r;
	}
	if (c->kind == CK_MAIN) {
		if (c->in_eof || policyd_request_complete(c->in, c->inlen))
			got_main_request(d, c);
	} else if (c->in_eof) {
		got_eval_request(d, c);
	}
}

static void on_ask_io(struct daemon *d, struct conn *c, short rev)
{
	if (c->ask_off < c->ask_len && (rev & (POLLOUT | POLLERR | POLLHUP))) {
		ssize_t w = send(c->ask_fd, c->ask_msg + c->ask_off, c->ask_len - c->ask_off,
				 MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			ask_done(d, c, false);
			return;
		}
		if (w > 0)
			c->ask_off += (size_t)w;
		if (c->ask_off == c->ask_len)
			shutdown(c->ask_fd, SHUT_WR);
		return;
	}
	if (rev & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t r = read(c->ask_fd, c->ans + c->anslen, sizeof c->ans - 1 - c->anslen);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r > 0) {
			c->anslen += (size_t)r;
			if (c->anslen == sizeof c->ans - 1)
				ask_done(d, c, false);
			return;
		}
		ask_done(d, c, r == 0);
	}
}

/* Returns true when the connection is finished. */
static bool on_writable(struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno != EAGAIN;
		}
		c->outoff += (size_t)w;
	}
	return true;
}

static void accept_on(struct daemon *d, int lfd, enum conn_kind kind)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (d->nconns == MAX_CONNS) {
			LOG_ERR("too many connections; refusing one");
			close(fd);
			continue;
		}
		struct conn *c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->kind = kind;
		c->st = CS_READ;
		c->ask_fd = -1;
		c->deadline = now_ms() + READ_TIMEOUT_MS;
		d->conns[d->nconns++] = c;
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qrexec-policy-daemon [options]\n"
		"Evaluates qrexec policy for qrexec-daemon and the policy.Eval* services.\n"
		"  --policy-path DIR       policy directory (repeatable; default\n"
		"                          /run/qubes/policy.d, /etc/qubes/policy.d)\n"
		"  --compat-path DIR       legacy 4.0 policy directory\n"
		"  --socket-path PATH      main socket (default %s)\n"
		"  --eval-socket-path P    policy.EvalSimple socket (default %s; \"\" = off)\n"
		"  --gui-socket-path P     policy.EvalGUI socket (default %s; \"\" = off)\n"
		"  --system-info FILE      system info JSON instead of bulkheadd\n"
		"  --qubesd-socket P       bulkheadd's internal socket\n"
		"  --qubesd-events-socket P  bulkheadd's admin socket (events)\n"
		"  --ask-socket PATH       the ask agent's socket (default %s)\n"
		"  --ask-timeout SEC       wait this long for the user (default 60)\n",
		DEFAULT_SOCKET, DEFAULT_EVAL_SOCKET, DEFAULT_GUI_SOCKET, POLICY_AGENT_SOCKET);
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	const char *paths[PCACHE_MAX_DIRS];
	size_t npaths = 0;
	const char *compat = NULL, *sock = DEFAULT_SOCKET, *eval_sock = DEFAULT_EVAL_SOCKET;
	const char *gui_sock = DEFAULT_GUI_SOCKET, *si_file = NULL, *qsock = NULL;
	const char *qev = NULL;
	static struct daemon d;
	d.ask_sock = POLICY_AGENT_SOCKET;
	d.ask_timeout_ms = 60000;
	static const struct option opts[] = {
		{"policy-path", required_argument, 0, 'p'},
		{"compat-path", required_argument, 0, 'c'},
		{"socket-path", required_argument, 0, 's'},
		{"eval-socket-path", required_argument, 0, 'e'},
		{"gui-socket-path", required_argument, 0, 'g'},
		{"system-info", required_argument, 0, 'i'},
		{"qubesd-socket", required_argument, 0, 'q'},
		{"qubesd-events-socket", required_argument, 0, 'E'},
		{"ask-socket", required_argument, 0, 'a'},
		{"ask-timeout", required_argument, 0, 't'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			if (npaths == PCACHE_MAX_DIRS) {
				fprintf(stderr, "too many --policy-path options\n");
				return 2;
			}
			paths[npaths++] = optarg;
			break;
		case 'c': compat = optarg; break;
		case 's': sock = optarg; break;
		case 'e': eval_sock = optarg; break;
		case 'g': gui_sock = optarg; break;
		case 'i': si_file = optarg; break;
		case 'q': qsock = optarg; break;
		case 'E': qev = optarg; break;
		case 'a': d.ask_sock = optarg; break;
		case 't': d.ask_timeout_ms = atoi(optarg) * 1000; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* the policy loader takes short read leases; a writer opening a file
	 * meanwhile breaks them with SIGIO, which must not kill us */
	signal(SIGIO, SIG_IGN);
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	d.sigfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	if (pcache_init(&d.pc, npaths ? paths : NULL, npaths, compat) < 0 ||
	    sicache_init(&d.sc, si_file, qsock, qev) < 0) {
		LOG_ERR("cannot set up inotify: %m");
		return 1;
	}
	const char *lpaths[3] = {sock, eval_sock, gui_sock};
	for (int i = 0; i < 3; i++) {
		d.lfd[i] = -1;
		if (lpaths[i] && lpaths[i][0]) {
			d.lfd[i] = listen_at(lpaths[i]);
			if (d.lfd[i] < 0 && i == 0)
				return 1;
		}
	}
	LOG_INFO("serving %s", sock);

	struct pollfd *pfd = calloc(MAX_CONNS * 2 + 8, sizeof *pfd);
	int *owner = calloc(MAX_CONNS * 2 + 8, sizeof *owner);
	if (!pfd || !owner)
		return 1;
	while (!d.stop) {
		nfds_t n = 0;
		for (int i = 0; i < 3; i++)
			if (d.lfd[i] >= 0) {
				pfd[n] = (struct pollfd){.fd = d.lfd[i], .events = POLLIN};
				owner[n++] = -1 - i;
			}
		pfd[n] = (struct pollfd){.fd = pcache_fd(&d.pc), .events = POLLIN};
		owner[n++] = -10;
		if (sicache_watch_fd(&d.sc) >= 0) {
			pfd[n] = (struct pollfd){.fd = sicache_watch_fd(&d.sc), .events = POLLIN};
			owner[n++] = -11;
		}
		if (sicache_event_fd(&d.sc) >= 0) {
			pfd[n] = (struct pollfd){.fd = sicache_event_fd(&d.sc), .events = POLLIN};
			owner[n++] = -12;
		}
		pfd[n] = (struct pollfd){.fd = d.sigfd, .events = POLLIN};
		owner[n++] = -13;
		long long now = now_ms();
		long long next = -1;
		int t1 = pcache_timeout_ms(&d.pc), t2 = sicache_timeout_ms(&d.sc);
		if (t1 >= 0)
			next = now + t1;
		if (t2 >= 0 && (next < 0 || now + t2 < next))
			next = now + t2;
		for (size_t i = 0; i < d.nconns; i++) {
			struct conn *c = d.conns[i];
			if (next < 0 || c->deadline < next)
				next = c->deadline;
			switch (c->st) {
			case CS_READ:
				pfd[n] = (struct pollfd){.fd = c->fd, .events = POLLIN};
				owner[n++] = (int)i * 2;
				break;
			case CS_WRITE:
				pfd[n] = (struct pollfd){.fd = c->fd, .events = POLLOUT};
				owner[n++] = (int)i * 2;
				break;
			case CS_ASK:
				pfd[n] = (struct pollfd){.fd = c->ask_fd,
					.events = (short)(c->ask_off < c->ask_len ? POLLOUT : POLLIN)};
				owner[n++] = (int)i * 2 + 1;
				break;
			}
		}
		int timeout = next < 0 ? -1 : (int)(next > now ? next - now : 0);
		int r = poll(pfd, n, timeout);
		if (r < 0 && errno != EINTR) {
			LOG_ERR("poll: %m");
			break;
		}
		/* connections first, by index, before any removal reorders them */
		bool done[MAX_CONNS] = {false};
		for (nfds_t k = 0; r > 0 && k < n; k++) {
			if (!pfd[k].revents || owner[k] < 0)
				continue;
			size_t ci = (size_t)owner[k] / 2;
			struct conn *c = d.conns[ci];
			if (owner[k] % 2 == 1) {
				if (c->st == CS_ASK)
					on_ask_io(&d, c, pfd[k].revents);
			} else if (c->st == CS_READ) {
				on_readable(&d, c);
			} else if (c->st == CS_WRITE) {
				done[ci] = on_writable(c);
			}
			if (c->st == CS_WRITE && !done[ci] && c->outlen == 0)
				done[ci] = true;
			else if (c->st == CS_WRITE && !done[ci] && c->outoff < c->outlen)
				done[ci] = on_writable(c);
		}
		for (nfds_t k = 0; r > 0 && k < n; k++) {
			if (!pfd[k].revents || owner[k] >= 0)
				continue;
			switch (owner[k]) {
			case -1: accept_on(&d, d.lfd[0], CK_MAIN); break;
			case -2: accept_on(&d, d.lfd[1], CK_EVAL); break;
			case -3: accept_on(&d, d.lfd[2], CK_GUI); break;
			case -10: pcache_on_events(&d.pc); break;
			case -11: sicache_on_watch(&d.sc); break;
			case -12: sicache_on_event(&d.sc); break;
			case -13: {
				struct signalfd_siginfo si;
				while (read(d.sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
					if (si.ssi_signo == SIGHUP)
						pcache_reload(&d.pc);
					else
						d.stop = true;
				}
				break;
			}
			}
		}
		/* timeouts */
		now = now_ms();
		for (size_t i = 0; i < d.nconns; i++) {
			struct conn *c = d.conns[i];
			if (done[i] || c->deadline > now)
				continue;
			if (c->st == CS_ASK) {
				LOG_WARN("no answer from the policy agent within %d s",
					 d.ask_timeout_ms / 1000);
				ask_done(&d, c, false);
				if (c->outoff < c->outlen)
					done[i] = on_writable(c);
			} else {
				done[i] = true;
			}
		}
		for (size_t i = d.nconns; i-- > 0;)
			if (done[i])
				conn_close(&d, i);
		pcache_tick(&d.pc);
		sicache_tick(&d.sc);
	}
	for (int i = 0; i < 3; i++)
		if (d.lfd[i] >= 0) {
			close(d.lfd[i]);
			unlink(lpaths[i]);
		}
	while (d.nconns)
		conn_close(&d, 0);
	pcache_free(&d.pc);
	sicache_free(&d.sc);
	free(pfd);
	free(owner);
	return 0;
}
