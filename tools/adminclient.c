/* adminclient: Admin API calls over qubesd's socket or qrexec-client-vm
 * (see adminclient.h). Each call has its own connection or child
 * process; admin_call_many multiplexes them with poll. */
#include "tools/adminclient.h"
#include "tools/progpath.h"
#include "lib/qubesd.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_MAX 65536 /* qubesd reads at most this much */
#define STDERR_KEEP 2048  /* of qrexec-client-vm's stderr, for messages */
#define DEFAULT_PARALLEL 16

int admin_ctx_init(struct admin_ctx *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	const char *sock = getenv("QUBESD_SOCKET");
	const char *t = getenv("BULKHEAD_ADMIN_TRANSPORT");
	snprintf(c->socket_path, sizeof c->socket_path, "%s",
		 sock && *sock ? sock : QUBESD_SOCKET);
	bool have_vm_client = progpath_find("BULKHEAD_QREXEC_CLIENT_VM", "qrexec-client-vm",
					    "/usr/bin/qrexec-client-vm", c->qrexec_client_vm,
					    sizeof c->qrexec_client_vm);
	if (t && *t) {
		if (strcmp(t, "socket") == 0) {
			c->transport = ADMIN_T_SOCKET;
		} else if (strcmp(t, "qrexec") == 0) {
			c->transport = ADMIN_T_QREXEC;
		} else {
			snprintf(err, errlen,
				 "BULKHEAD_ADMIN_TRANSPORT must be 'socket' or 'qrexec', not '%.64s'",
				 t);
			return -1;
		}
		return 0;
	}
	struct stat st;
	if ((sock && *sock) || (stat(c->socket_path, &st) == 0 && S_ISSOCK(st.st_mode)))
		c->transport = ADMIN_T_SOCKET;
	else
		c->transport = have_vm_client ? ADMIN_T_QREXEC : ADMIN_T_SOCKET;
	return 0;
}

/* ---- results ---- */

void admin_result_free(struct admin_result *r)
{
	free(r->content);
	free(r->exc_type);
	free(r->message);
	memset(r, 0, sizeof *r);
}

static enum admin_status set_result(struct admin_result *r, enum admin_status s,
				    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum admin_status set_result(struct admin_result *r, enum admin_status s,
				    const char *fmt, ...)
{
	free(r->message);
	r->message = NULL;
	r->status = s;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r->message, fmt, ap) < 0)
		r->message = NULL;
	va_end(ap);
	return s;
}

static char *dup_bytes(const char *p, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

/* Turns a whole answer into the result. */
static void parse_answer(const char *buf, size_t len, struct admin_result *r)
{
	if (len == 0) {
		set_result(r, ADMIN_DENIED,
			   "got an empty answer from qubesd (access denied, or the call failed: "
			   "see the daemon's log)");
		return;
	}
	struct qubesd_reply rep;
	const char *perr;
	if (qubesd_reply_parse(buf, len, &rep, &perr) < 0) {
		set_result(r, ADMIN_FAILED, "malformed answer from qubesd: %s", perr);
		return;
	}
	if (rep.ok) {
		r->content = dup_bytes(rep.content, rep.content_len);
		if (!r->content) {
			set_result(r, ADMIN_FAILED, "out of memory");
			return;
		}
		r->content_len = rep.content_len;
		r->status = ADMIN_OK;
		return;
	}
	r->exc_type = strdup(rep.exc_type);
	r->message = strdup(rep.message);
	if (!r->exc_type || !r->message) {
		set_result(r, ADMIN_FAILED, "out of memory");
		return;
	}
	r->status = ADMIN_EXCEPTION;
}

/* ---- one call in flight ---- */

struct pending {
	int fd;          /* the answer is read from here; -1 when finished */
	pid_t pid;       /* qrexec transport: the client, else -1 */
	int errfd;       /* qrexec transport: its stderr (a memfd), else -1 */
	char *buf;
	size_t len, cap;
	long long deadline; /* CLOCK_MONOTONIC ms, or -1 */
	int timeout_ms;
	char what[256];  /* "DEST METHOD+ARG", for messages */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool admin_arg_valid(const char *s)
{
	if (!s || !*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!(isascii(*p) && isalnum(*p)) && !strchr("_.-+", *p))
			return false;
	return true;
}

static bool method_valid(const char *s)
{
	if (!s || !*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!(isascii(*p) && isalnum(*p)) && *p != '_' && *p != '.')
			return false;
	return true;
}

/* printable ASCII, no spaces (what fits in the request header) */
static bool printable_word(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return false;
	return true;
}

/* (never an option to qrexec-client-vm) */
static bool dest_valid(const char *s)
{
	return s && *s && *s != '-' && strlen(s) <= 64 && printable_word(s);
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *b = p;
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_all_fd(int fd, const void *p, size_t n)
{
	const char *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int begin_socket(const struct admin_ctx *c, const struct admin_call *call,
			const char *arg, struct pending *p, struct admin_result *r)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(c->socket_path) >= sizeof a.sun_path) {
		set_result(r, ADMIN_FAILED, "qubesd socket path too long: %s", c->socket_path);
		return -1;
	}
	memcpy(a.sun_path, c->socket_path, strlen(c->socket_path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_result(r, ADMIN_FAILED, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		set_result(r, ADMIN_FAILED, "cannot connect to qubesd at %s: %s", c->socket_path,
			   strerror(errno));
		close(fd);
		return -1;
	}
	/* as upstream's client: the '+' is always there */
	char *hdr;
	int hl = asprintf(&hdr, "%s+%s dom0 name %s", call->method, arg, call->dest);
	if (hl < 0) {
		close(fd);
		set_result(r, ADMIN_FAILED, "out of memory");
		return -1;
	}
	int bad = send_all(fd, hdr, (size_t)hl + 1) < 0 ||
		  (call->payload_len && send_all(fd, call->payload, call->payload_len) < 0) ||
		  shutdown(fd, SHUT_WR) < 0;
	int e = errno;
	free(hdr);
	if (bad) {
		set_result(r, ADMIN_FAILED, "sending the request to qubesd at %s: %s",
			   c->socket_path, strerror(e));
		close(fd);
		return -1;
	}
	p->fd = fd;
	return 0;
}

static int begin_qrexec(const struct admin_ctx *c, const struct admin_call *call,
			const char *arg, struct pending *p, struct admin_result *r)
{
	char svc[1400];
	snprintf(svc, sizeof svc, "%s%s%s", call->method, *arg ? "+" : "", arg);
	if (access(c->qrexec_client_vm, X_OK) < 0) {
		set_result(r, ADMIN_FAILED, "cannot run %s: %s", c->qrexec_client_vm,
			   strerror(errno));
		return -1;
	}
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	int errfd = memfd_create("qrexec-client-vm-stderr", MFD_CLOEXEC);
	if (errfd < 0 || pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		set_result(r, ADMIN_FAILED, "pipe: %s", strerror(errno));
		goto fail;
	}
	pid_t pid = fork();
	if (pid < 0) {
		set_result(r, ADMIN_FAILED, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(errfd, 2) < 0)
			_exit(125);
		signal(SIGPIPE, SIG_DFL);
		execl(c->qrexec_client_vm, c->qrexec_client_vm, call->dest, svc, (char *)NULL);
		dprintf(2, "cannot execute %s: %s\n", c->qrexec_client_vm, strerror(errno));
		_exit(125);
	}
	close(in[0]);
	close(out[1]);
	/* EPIPE here just means the client ended early; its exit says why */
	if (call->payload_len)
		(void)write_all_fd(in[1], call->payload, call->payload_len);
	close(in[1]);
	p->fd = out[0];
	p->pid = pid;
	p->errfd = errfd;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	if (errfd >= 0)
		close(errfd);
	return -1;
}

static int begin(const struct admin_ctx *c, const struct admin_call *call, struct pending *p,
		 struct admin_result *r)
{
	memset(p, 0, sizeof *p);
	memset(r, 0, sizeof *r);
	p->fd = p->errfd = -1;
	p->pid = -1;
	const char *arg = call->arg ? call->arg : "";
	snprintf(p->what, sizeof p->what, "%.64s %.64s%s%.100s",
		 dest_valid(call->dest) ? call->dest : "?", method_valid(call->method) ? call->method : "?",
		 *arg ? "+" : "", *arg && printable_word(arg) ? arg : "");
	if (!method_valid(call->method)) {
		set_result(r, ADMIN_FAILED, "invalid Admin API method name");
		return -1;
	}
	if (*arg && !printable_word(arg)) {
		set_result(r, ADMIN_FAILED,
			   "invalid argument '%.100s' for %s: it cannot contain spaces or "
			   "non-ASCII or control characters", arg, call->method);
		return -1;
	}
	if (*arg && c->transport == ADMIN_T_QREXEC && !admin_arg_valid(arg)) {
		set_result(r, ADMIN_FAILED,
			   "invalid argument '%.100s' for %s: only letters, digits, '_', '.', "
			   "'-' and '+' can travel through qrexec", arg, call->method);
		return -1;
	}
	if (!dest_valid(call->dest)) {
		set_result(r, ADMIN_FAILED, "invalid destination for %s", call->method);
		return -1;
	}
	if (strlen(call->method) + strlen(arg) + strlen(call->dest) + 16 + call->payload_len >
	    REQUEST_MAX) {
		set_result(r, ADMIN_FAILED, "request for %s larger than 64 KiB", call->method);
		return -1;
	}
	p->timeout_ms = call->timeout_ms;
	p->deadline = call->timeout_ms >= 0 ? now_ms() + call->timeout_ms : -1;
	return c->transport == ADMIN_T_QREXEC ? begin_qrexec(c, call, arg, p, r)
					      : begin_socket(c, call, arg, p, r);
}

/* Reaps the qrexec client; returns its wait status. */
static int reap(pid_t pid)
{
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* The client's stderr, trimmed to its last line-ish part. */
static void read_stderr(int fd, char *out, size_t n)
{
	out[0] = '\0';
	off_t end = lseek(fd, 0, SEEK_END);
	if (end <= 0)
		return;
	off_t from = end > (off_t)(n - 1) ? end - (off_t)(n - 1) : 0;
	ssize_t got = pread(fd, out, n - 1, from);
	if (got <= 0)
		return;
	out[got] = '\0';
	while (got > 0 && (out[got - 1] == '\n' || out[got - 1] == ' '))
		out[--got] = '\0';
}

static void finish(const struct admin_ctx *c, struct pending *p, struct admin_result *r,
		   bool timed_out, int read_errno)
{
	(void)c;
	close(p->fd);
	p->fd = -1;
	int st = 0;
	char errtext[STDERR_KEEP] = "";
	if (p->pid > 0) {
		if (timed_out)
			kill(p->pid, SIGTERM);
		st = reap(p->pid);
		read_stderr(p->errfd, errtext, sizeof errtext);
		close(p->errfd);
		p->errfd = -1;
		p->pid = -1;
	}
	if (timed_out) {
		set_result(r, ADMIN_TIMEOUT, "%s: no answer within %d s", p->what,
			   (p->timeout_ms + 999) / 1000);
	} else if (read_errno == EMSGSIZE) {
		set_result(r, ADMIN_FAILED, "%s: answer larger than %u bytes", p->what,
			   QUBESD_REPLY_MAX);
	} else if (read_errno) {
		set_result(r, ADMIN_FAILED, "%s: reading the answer: %s", p->what,
			   strerror(read_errno));
	} else if (c->transport == ADMIN_T_QREXEC && WIFEXITED(st) && WEXITSTATUS(st) == 126) {
		set_result(r, ADMIN_DENIED, "%s: refused by qrexec policy%s%s", p->what,
			   errtext[0] ? ": " : "", errtext);
	} else if (c->transport == ADMIN_T_QREXEC && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		if (WIFEXITED(st))
			set_result(r, ADMIN_FAILED, "%s: qrexec call failed (exit %d%s)%s%s",
				   p->what, WEXITSTATUS(st),
				   WEXITSTATUS(st) == 127 ? ": no such service" : "",
				   errtext[0] ? ": " : "", errtext);
		else
			set_result(r, ADMIN_FAILED, "%s: qrexec-client-vm killed by signal %d",
				   p->what, WTERMSIG(st));
	} else {
		parse_answer(p->buf ? p->buf : "", p->len, r);
	}
	free(p->buf);
	p->buf = NULL;
}

/* Reads what is there. Returns 1 at EOF, 0 for more, -errno on error. */
static int read_some(struct pending *p)
{
	if (p->len == p->cap) {
		if (p->cap >= QUBESD_REPLY_MAX)
			return -EMSGSIZE;
		size_t nc = p->cap ? p->cap * 2 : 4096;
		char *nb = realloc(p->buf, nc);
		if (!nb)
			return -ENOMEM;
		p->buf = nb;
		p->cap = nc;
	}
	ssize_t n = read(p->fd, p->buf + p->len, p->cap - p->len);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		return 1;
	p->len += (size_t)n;
	return 0;
}

void admin_call_many(const struct admin_ctx *c, const struct admin_call *calls, size_t n,
		     struct admin_result *res, int parallel)
{
	if (n == 0)
		return;
	size_t max = parallel > 0 ? (size_t)parallel : DEFAULT_PARALLEL;
	struct pending *p = calloc(n, sizeof *p);
	struct pollfd *pfd = calloc(max, sizeof *pfd);
	size_t *idx = calloc(max, sizeof *idx);
	if (!p || !pfd || !idx) {
		for (size_t i = 0; i < n; i++) {
			memset(&res[i], 0, sizeof res[i]);
			set_result(&res[i], ADMIN_FAILED, "out of memory");
		}
		free(p);
		free(pfd);
		free(idx);
		return;
	}
	size_t next = 0, active = 0;
	for (;;) {
		while (next < n && active < max) {
			if (begin(c, &calls[next], &p[next], &res[next]) == 0)
				active++;
			next++;
		}
		if (active == 0)
			break;
		size_t np = 0;
		long long now = now_ms(), wait = -1;
		for (size_t i = 0; i < next; i++) {
			if (p[i].fd < 0)
				continue;
			pfd[np] = (struct pollfd){.fd = p[i].fd, .events = POLLIN};
			idx[np++] = i;
			if (p[i].deadline >= 0) {
				long long left = p[i].deadline > now ? p[i].deadline - now : 0;
				if (wait < 0 || left < wait)
					wait = left;
			}
		}
		int pr = poll(pfd, np, wait < 0 ? -1 : (int)(wait > 86400000 ? 86400000 : wait));
		if (pr < 0 && errno != EINTR) {
			int e = errno;
			for (size_t k = 0; k < np; k++) {
				finish(c, &p[idx[k]], &res[idx[k]], false, e);
				active--;
			}
			continue;
		}
		now = now_ms();
		for (size_t k = 0; k < np; k++) {
			struct pending *q = &p[idx[k]];
			if (pr > 0 && pfd[k].revents) {
				int r = read_some(q);
				if (r != 0) {
					finish(c, q, &res[idx[k]], false, r < 0 ? -r : 0);
					active--;
					continue;
				}
			}
			if (q->deadline >= 0 && now >= q->deadline) {
				finish(c, q, &res[idx[k]], true, 0);
				active--;
			}
		}
	}
	free(p);
	free(pfd);
	free(idx);
}

enum admin_status admin_call(const struct admin_ctx *c, const struct admin_call *call,
			     struct admin_result *res)
{
	admin_call_many(c, call, 1, res, 1);
	return res->status;
}

/* ---- exception classes ---- */

/* upstream's hierarchy (qubesadmin.exc), child then parent */
static const char *const exc_parent[][2] = {
	{"QubesVMNotFoundError", "QubesException"},
	{"QubesVMInvalidUUIDError", "QubesException"},
	{"QubesVMError", "QubesException"},
	{"QubesVMInUseError", "QubesVMError"},
	{"QubesVMNotStartedError", "QubesVMError"},
	{"QubesVMNotRunningError", "QubesVMNotStartedError"},
	{"QubesVMNotPausedError", "QubesVMNotStartedError"},
	{"QubesVMNotSuspendedError", "QubesVMError"},
	{"QubesVMNotHaltedError", "QubesVMError"},
	{"QubesVMShutdownTimeoutError", "QubesVMError"},
	{"QubesNoTemplateError", "QubesVMError"},
	{"QubesVMAlreadyStartedError", "QubesVMError"},
	{"QubesMemoryError", "QubesVMError"},
	{"QubesPoolInUseError", "QubesException"},
	{"QubesValueError", "QubesException"},
	{"QubesPropertyValueError", "QubesValueError"},
	{"QubesNoSuchPropertyError", "QubesException"},
	{"QubesNotImplementedError", "QubesException"},
	{"QubesFeatureNotFoundError", "QubesException"},
	{"QubesTagNotFoundError", "QubesException"},
	{"QubesLabelNotFoundError", "QubesException"},
	{"QubesPropertyAccessError", "QubesException"},
	{"StoragePoolException", "QubesException"},
};

bool admin_exc_isa(const struct admin_result *r, const char *cls)
{
	if (r->status != ADMIN_EXCEPTION || !r->exc_type)
		return false;
	const char *t = r->exc_type;
	for (int depth = 0; t && depth < 8; depth++) {
		if (strcmp(t, cls) == 0)
			return true;
		const char *up = NULL;
		for (size_t i = 0; i < sizeof exc_parent / sizeof exc_parent[0]; i++)
			if (strcmp(exc_parent[i][0], t) == 0)
				up = exc_parent[i][1];
		t = up;
	}
	return false;
}

bool admin_refused(const struct admin_result *r)
{
	return r->status == ADMIN_DENIED ||
	       (r->status == ADMIN_EXCEPTION && strcmp(r->exc_type, "PermissionDenied") == 0);
}

const char *admin_result_text(const struct admin_result *r)
{
	if (r->status == ADMIN_OK)
		return "";
	if (r->status == ADMIN_EXCEPTION && r->message && !r->message[0])
		return r->exc_type ? r->exc_type : "unknown error";
	return r->message ? r->message : "out of memory";
}
