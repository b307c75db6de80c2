/* qrexec-policy-agent: the user's side of "ask" and "notify". Listens on
 * /run/qubes/policy-agent.sock for the policy daemon's policy.Ask and
 * policy.Notify messages (askproto.h). An ask is shown as a terminal
 * prompt (source, service, argument, the targets that may be chosen, the
 * default) and answered "allow:TARGET" or "deny"; prompts are shown one
 * at a time, and no answer within --timeout is a deny. A notification
 * goes to notify-send when a desktop session exists (DISPLAY or
 * WAYLAND_DISPLAY, and notify-send installed), else it is printed. */
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/vchan.h"
#include "policy/askclient.h"
#include "policy/askproto.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_CLIENTS 64
#define READ_TIMEOUT_MS 10000

struct client {
	int fd;
	char *buf;
	size_t len, cap;
	long long deadline;
	bool complete;              /* the request has been read (EOF) */
	struct agent_request req;
};

struct agent {
	int lfd;
	int in_fd;                  /* where answers are read (the terminal) */
	FILE *out;                  /* where prompts go */
	int timeout_ms;
	bool desktop;
	struct client *clients[MAX_CLIENTS];
	size_t n;
	int prompting;              /* index of the client being asked, or -1 */
	long long prompt_deadline;
	char line[512];
	size_t linelen;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	char buf[4096];
	const char *p = path;
	while (*p) {
		const char *e = strchr(p, ':');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		snprintf(buf, sizeof buf, "%.*s/%s", (int)l, p, name);
		if (access(buf, X_OK) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

static void client_free(struct agent *a, size_t i)
{
	struct client *c = a->clients[i];
	close(c->fd);
	free(c->buf);
	agent_request_free(&c->req);
	free(c);
	a->clients[i] = a->clients[--a->n];
	if (a->prompting == (int)i)
		a->prompting = -1;
	else if (a->prompting == (int)a->n)
		a->prompting = (int)i; /* the last one moved into slot i */
}

static void reply(struct client *c, const char *s)
{
	set_nonblock(c->fd, false);
	if (write_all(c->fd, s, strlen(s)) < 0)
		LOG_WARN("could not answer the policy daemon: %m");
}

static const char *arg_text(const char *arg, char *buf, size_t n)
{
	if (!arg || !arg[0] || strcmp(arg, "+") == 0)
		return "no argument";
	snprintf(buf, n, "argument %s", arg[0] == '+' ? arg + 1 : arg);
	return buf;
}

static void notify(struct agent *a, const struct agent_request *r)
{
	char title[600], body[600], ab[300];
	bool allow = strcmp(r->resolution, "allow") == 0;
	snprintf(title, sizeof title, "qrexec: %s %s", r->req_service,
		 allow ? "allowed" : strcmp(r->resolution, "deny") == 0 ? "denied" : "failed");
	snprintf(body, sizeof body, "%s -> %s (%s)", r->source, r->target ? r->target : "?",
		 arg_text(r->argument, ab, sizeof ab));
	if (a->desktop) {
		char *argv[] = {"notify-send", "--app-name=qrexec", title, body, NULL};
		pid_t pid;
		if (posix_spawnp(&pid, "notify-send", NULL, NULL, argv, environ) == 0) {
			waitpid(pid, NULL, 0);
			return;
		}
	}
	fprintf(a->out, "%s: %s\n", title, body);
	fflush(a->out);
}

static void show_prompt(struct agent *a, struct client *c)
{
	const struct agent_request *r = &c->req;
	char ab[300];
	fprintf(a->out, "\n---- qrexec: %s wants to call %s (%s) ----\n", r->source,
		r->req_service, arg_text(r->argument, ab, sizeof ab));
	for (size_t i = 0; i < r->ntargets; i++)
		fprintf(a->out, "  %zu) %s%s\n", i + 1, r->targets[i],
			r->default_target && strcmp(r->default_target, r->targets[i]) == 0
				? "  (default)" : "");
	fprintf(a->out, "Allow? Enter a number or a target name, or \"n\" to deny");
	if (r->default_target)
		fprintf(a->out, " [Enter: %s]", r->default_target);
	fprintf(a->out, " (%d s): ", a->timeout_ms / 1000);
	fflush(a->out);
}

static void start_next_prompt(struct agent *a)
{
	if (a->prompting >= 0)
		return;
	for (size_t i = 0; i < a->n; i++) {
		struct client *c = a->clients[i];
		if (c->complete && strcmp(c->req.service, "policy.Ask") == 0) {
			a->prompting = (int)i;
			a->prompt_deadline = now_ms() + a->timeout_ms;
			a->linelen = 0;
			show_prompt(a, c);
			return;
		}
	}
}

/* Handles one answer line; returns true when the prompt is done. */
static bool handle_line(struct agent *a, const char *line)
{
	struct client *c = a->clients[a->prompting];
	const struct agent_request *r = &c->req;
	while (*line == ' ' || *line == '\t')
		line++;
	char t[300];
	snprintf(t, sizeof t, "%s", line);
	size_t l = strlen(t);
	while (l && (t[l - 1] == ' ' || t[l - 1] == '\t' || t[l - 1] == '\r'))
		t[--l] = '\0';
	const char *chosen = NULL;
	if (!strcmp(t, "n") || !strcmp(t, "no") || !strcmp(t, "deny") || !strcmp(t, "N")) {
		reply(c, "deny");
		fprintf(a->out, "denied.\n");
		fflush(a->out);
		return true;
	}
	if (l == 0) {
		chosen = r->default_target;
	} else {
		char *end;
		long k = strtol(t, &end, 10);
		if (*end == '\0' && k >= 1 && (size_t)k <= r->ntargets)
			chosen = r->targets[k - 1];
		for (size_t i = 0; !chosen && i < r->ntargets; i++)
			if (strcmp(r->targets[i], t) == 0)
				chosen = r->targets[i];
	}
	if (!chosen) {
		fprintf(a->out, "Not one of the choices. ");
		show_prompt(a, c);
		return false;
	}
	char ans[400];
	snprintf(ans, sizeof ans, "allow:%s", chosen);
	reply(c, ans);
	fprintf(a->out, "allowed to %s.\n", chosen);
	fflush(a->out);
	return true;
}

static void finish_prompt(struct agent *a)
{
	size_t i = (size_t)a->prompting;
	a->prompting = -1;
	client_free(a, i);
	start_next_prompt(a);
}

static void on_terminal(struct agent *a)
{
	char buf[256];
	ssize_t n = read(a->in_fd, buf, sizeof buf);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* no terminal any more: nobody can answer */
			a->in_fd = -1;
			if (a->prompting >= 0) {
				reply(a->clients[a->prompting], "deny");
				finish_prompt(a);
			}
		}
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (a->linelen < sizeof a->line - 1)
				a->line[a->linelen++] = buf[i];
			continue;
		}
		a->line[a->linelen] = '\0';
		a->linelen = 0;
		if (a->prompting < 0)
			continue; /* typed while nothing was asked */
		if (handle_line(a, a->line))
			finish_prompt(a);
	}
}

static void on_client(struct agent *a, size_t i)
{
	struct client *c = a->clients[i];
	for (;;) {
		if (c->len == c->cap) {
			if (c->cap >= ASK_MSG_MAX) {
				LOG_ERR("request from the policy daemon too large; dropped");
				client_free(a, i);
				return;
			}
			size_t nc = c->cap ? c->cap * 2 : 4096;
			char *nb = realloc(c->buf, nc);
			if (!nb) {
				client_free(a, i);
				return;
			}
			c->buf = nb;
			c->cap = nc;
		}
		ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r > 0) {
			c->len += (size_t)r;
			continue;
		}
		break;
	}
	char err[256];
	if (agent_request_parse(c->buf, c->len, &c->req, err, sizeof err) < 0) {
		LOG_ERR("bad request from the policy daemon: %s", err);
		client_free(a, i);
		return;
	}
	c->complete = true;
	if (strcmp(c->req.service, "policy.Notify") == 0) {
		notify(a, &c->req);
		client_free(a, i);
		return;
	}
	if (c->req.ntargets == 0 || a->in_fd < 0) {
		if (a->in_fd < 0)
			LOG_WARN("an ask from %s arrived but there is no terminal to answer it",
				 c->req.source);
		reply(c, "deny");
		client_free(a, i);
		return;
	}
	start_next_prompt(a);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qrexec-policy-agent [--socket PATH] [--timeout SEC]\n"
		"Answers qrexec \"ask\" prompts on this terminal and shows notifications.\n"
		"  --socket PATH   where the policy daemon connects (default %s)\n"
		"  --timeout SEC   deny when there is no answer in time (default 55)\n"
		"  --no-desktop    print notifications even in a desktop session\n",
		POLICY_AGENT_SOCKET);
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	static struct agent a;
	const char *sock = POLICY_AGENT_SOCKET;
	bool no_desktop = false;
	a.timeout_ms = 55000;
	a.prompting = -1;
	static const struct option opts[] = {
		{"socket", required_argument, 0, 's'},
		{"timeout", required_argument, 0, 't'},
		{"no-desktop", no_argument, 0, 'D'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 't': a.timeout_ms = atoi(optarg) * 1000; break;
		case 'D': no_desktop = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	a.desktop = !no_desktop && (getenv("DISPLAY") || getenv("WAYLAND_DISPLAY")) &&
		    have_program("notify-send");
	a.in_fd = STDIN_FILENO;
	a.out = stdout;
	mode_t old = umask(0077);
	a.lfd = unix_listen(sock, 16);
	umask(old);
	if (a.lfd < 0) {
		LOG_ERR("cannot listen on %s: %m", sock);
		return 1;
	}
	set_nonblock(a.lfd, true);
	fprintf(a.out, "qrexec-policy-agent: waiting for requests on %s\n", sock);
	fflush(a.out);
	for (;;) {
		struct pollfd pfd[MAX_CLIENTS + 2];
		nfds_t n = 0;
		pfd[n++] = (struct pollfd){.fd = a.lfd, .events = POLLIN};
		int ti = -1;
		if (a.in_fd >= 0) {
			ti = (int)n;
			pfd[n++] = (struct pollfd){.fd = a.in_fd, .events = POLLIN};
		}
		size_t base = n;
		long long now = now_ms(), next = -1;
		for (size_t i = 0; i < a.n; i++) {
			struct client *c = a.clients[i];
			pfd[n++] = (struct pollfd){.fd = c->complete ? -1 : c->fd, .events = POLLIN};
			if (!c->complete && (next < 0 || c->deadline < next))
				next = c->deadline;
		}
		if (a.prompting >= 0 && (next < 0 || a.prompt_deadline < next))
			next = a.prompt_deadline;
		int r = poll(pfd, n, next < 0 ? -1 : (int)(next > now ? next - now : 0));
		if (r < 0 && errno != EINTR)
			break;
		size_t nclients = a.n;
		for (size_t i = nclients; i-- > 0;)
			if (pfd[base + i].revents && i < a.n)
				on_client(&a, i);
		if (ti >= 0 && pfd[ti].revents)
			on_terminal(&a);
		if (pfd[0].revents) {
			int fd;
			while ((fd = accept4(a.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
				struct client *c = calloc(1, sizeof *c);
				if (!c || a.n == MAX_CLIENTS) {
					free(c);
					close(fd);
					continue;
				}
				c->fd = fd;
				c->deadline = now_ms() + READ_TIMEOUT_MS;
				a.clients[a.n++] = c;
			}
		}
		now = now_ms();
		if (a.prompting >= 0 && now >= a.prompt_deadline) {
			fprintf(a.out, "\nno answer in time: denied.\n");
			fflush(a.out);
			reply(a.clients[a.prompting], "deny");
			finish_prompt(&a);
		}
		for (size_t i = a.n; i-- > 0;)
			if (!a.clients[i]->complete && now >= a.clients[i]->deadline)
				client_free(&a, i);
	}
	return 1;
}
