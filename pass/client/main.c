/* qvm-pass: pass's command line for a password store that lives in a
 * vault qube. Each command becomes one or more split-pass calls
 * (passproto.h) through qrexec: reads go to ruddo.PassRead, writes to
 * ruddo.PassManage, with the top-level folder as the call's argument so
 * the policy can decide per folder. Output is pass's, byte for byte on a
 * pipe; on a terminal, what the vault sends is made safe first.
 * Installed also as /usr/libexec/qubes-pass/pass (then it calls itself
 * "pass"). */
#include "pass/client/args.h"
#include "pass/client/render.h"
#include "pass/client/transport.h"
#include "pass/passproto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

#define VERSION "1.7.4"

struct ctx {
	const char *prog;   /* "qvm-pass" or "pass" */
	const char *vault;
	bool out_tty, err_tty, in_tty, utf8;
};

/* ---- output ---- */

static void out_bytes(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n)
		exit(1);
}

static void out_wbuf(struct wbuf *b)
{
	out_bytes(b->p, b->len);
}

static void errmsg(const struct ctx *c, const void *p, size_t n)
{
	struct wbuf b;
	wbuf_init(&b, 1 << 20);
	render_text(p, n, c->err_tty, false, &b);
	fflush(stdout);
	if (b.len)
		fwrite(b.p, 1, b.len, stderr);
	if (!b.len || b.p[b.len - 1] != '\n')
		fputc('\n', stderr);
	wbuf_free(&b);
}

__attribute__((format(printf, 2, 3)))
static int die(const struct ctx *c, const char *fmt, ...)
{
	char m[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	errmsg(c, m, strlen(m));
	return 1;
}

/* ---- calls ---- */

struct reply {
	struct wbuf raw;    /* secret */
	struct pass_msg m;
};

static void reply_free(struct reply *r)
{
	passproto_msg_free(&r->m);
	wbuf_free_secret(&r->raw);
}

/* One call: op with fields (n of them, lens given). Returns 0 with r
 * parsed, or the exit code after the error was printed. A non-OK status
 * is returned as 0 too (the caller looks at r->m.code). */
static int call(const struct ctx *c, uint8_t op, const void *const *f, const size_t *fl,
		size_t n, enum pass_service svc_override, struct reply *r)
{
	struct wbuf req;
	wbuf_init_secret(&req, PASS_MAX_MSG);
	passproto_put_request_hdr(&req, op, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		if (passproto_put_field(&req, f[i], fl[i]) != BUF_OK) {
			wbuf_free_secret(&req);
			return die(c, "Error: the request is too large");
		}
	struct pass_msg m = {0};
	if (passproto_parse(req.p, req.len, false, &m) != PASS_PERR_OK) {
		wbuf_free_secret(&req);
		return die(c, "Error: the request is too large");
	}
	enum pass_service svc = svc_override ? svc_override : passproto_op_service(&m);
	char err[256];
	if (!passproto_check_request(&m, svc, err, sizeof err)) {
		passproto_msg_free(&m);
		wbuf_free_secret(&req);
		return die(c, "Error: %s", err);
	}
	char scope[PASS_MAX_SCOPE + 1];
	passproto_request_scope(&m, scope);
	passproto_msg_free(&m);
	wbuf_init_secret(&r->raw, PASS_MAX_MSG);
	memset(&r->m, 0, sizeof r->m);
	int rc = transport_call(c->vault, svc, scope, &req, &r->raw);
	wbuf_free_secret(&req);
	if (rc != 0) {
		wbuf_free_secret(&r->raw);
		return rc;
	}
	int pe = passproto_parse(r->raw.p, r->raw.len, true, &r->m);
	if (pe != PASS_PERR_OK) {
		reply_free(r);
		return die(c, "qvm-pass: bad reply from %s: %s", c->vault, passproto_strerror(pe));
	}
	return 0;
}

static int call_s(const struct ctx *c, uint8_t op, const char *const *s, size_t n,
		  enum pass_service svc, struct reply *r)
{
	const void *f[PASS_MAX_REQ_FIELDS];
	size_t fl[PASS_MAX_REQ_FIELDS];
	for (size_t i = 0; i < n && i < PASS_MAX_REQ_FIELDS; i++) {
		f[i] = s[i];
		fl[i] = strlen(s[i]);
	}
	return call(c, op, f, fl, n, svc, r);
}

/* The exit code of a non-OK reply, after printing its message. */
static int fail_reply(const struct ctx *c, struct reply *r)
{
	if (r->m.nfields >= 1)
		errmsg(c, r->m.fields[0].p, r->m.fields[0].len);
	else
		errmsg(c, "Error: the vault failed", 23);
	int code = r->m.code == PASS_DECRYPT ? 2 : 1;
	reply_free(r);
	return code;
}

static bool field_is(const struct pass_field *f, const char *s)
{
	return f->len == strlen(s) && !memcmp(f->p, s, f->len);
}

/* ---- terminal input ---- */

static bool yesno(const struct ctx *c, const char *before, const char *name, const char *after)
{
	if (!c->in_tty)
		return true; /* as pass: without a terminal, yes */
	struct wbuf b;
	wbuf_init(&b, 1 << 16);
	render_text(name, strlen(name), true, false, &b);
	wbuf_put_bytes(&b, "", 1);
	fprintf(stderr, "%s%s%s", before, (char *)b.p, after);
	fputs(" [y/N] ", stderr);
	wbuf_free(&b);
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

/* Reads one line (without its newline) into b; echo off on a terminal. */
static int read_line(const struct ctx *c, bool echo, const char *prompt, struct wbuf *b)
{
	struct termios old, noecho;
	bool tty = c->in_tty && !echo && tcgetattr(0, &old) == 0;
	if (c->in_tty && prompt) {
		fputs(prompt, stderr);
		fflush(stderr);
	}
	if (tty) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(0, TCSAFLUSH, &noecho);
	}
	int ch, rc = -1;
	while ((ch = getchar()) != EOF) {
		rc = 0;
		if (ch == '\n')
			break;
		uint8_t x = (uint8_t)ch;
		if (wbuf_put_bytes(b, &x, 1) != BUF_OK)
			break;
	}
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return rc == 0 || b->len ? 0 : -1;
}

static int read_all_stdin(struct wbuf *b)
{
	for (;;) {
		if (wbuf_reserve(b, 65536) != BUF_OK)
			return -1;
		ssize_t r = read(0, b->p + b->len, b->cap - b->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		b->len += (size_t)r;
	}
}

/* ---- clipboard and QR code ---- */

/* Runs argv with data on its stdin; its stdout into out when not NULL. */
static int pipe_through(char *const *argv, const void *data, size_t len, struct wbuf *out)
{
	int in[2], o[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(in[0], 0);
		if (out)
			dup2(o[1], 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(o[1]);
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(in[1], (const uint8_t *)data + off, len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(in[1]);
	char buf[4096];
	ssize_t r;
	while ((r = read(o[0], buf, sizeof buf)) > 0)
		if (out)
			wbuf_put_bytes(out, buf, (size_t)r);
	close(o[0]);
	signal(SIGPIPE, old);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int clip(const struct ctx *c, const char *name, const uint8_t *secret, size_t len)
{
	const char *sel = getenv("PASSWORD_STORE_X_SELECTION");
	if (!sel || !sel[0])
		sel = "clipboard";
	const char *ct = getenv("PASSWORD_STORE_CLIP_TIME");
	long secs = ct && ct[0] ? strtol(ct, NULL, 10) : 45;
	if (secs <= 0)
		secs = 45;
	char *copy_argv[6], *paste_argv[6];
	if (getenv("WAYLAND_DISPLAY")) {
		char *cp[] = {"wl-copy", NULL}, *pp[] = {"wl-paste", "-n", NULL};
		memcpy(copy_argv, cp, sizeof cp);
		memcpy(paste_argv, pp, sizeof pp);
		if (!strcmp(sel, "primary")) {
			char *cp2[] = {"wl-copy", "--primary", NULL};
			char *pp2[] = {"wl-paste", "-n", "--primary", NULL};
			memcpy(copy_argv, cp2, sizeof cp2);
			memcpy(paste_argv, pp2, sizeof pp2);
		}
	} else if (getenv("DISPLAY")) {
		char *cp[] = {"xclip", "-selection", (char *)sel, NULL};
		char *pp[] = {"xclip", "-o", "-selection", (char *)sel, NULL};
		memcpy(copy_argv, cp, sizeof cp);
		memcpy(paste_argv, pp, sizeof pp);
	} else {
		return die(c, "Error: No X11 or Wayland display detected");
	}
	struct wbuf before;
	wbuf_init_secret(&before, 1 << 24);
	pipe_through(paste_argv, "", 0, &before);
	if (pipe_through(copy_argv, secret, len, NULL) != 0) {
		wbuf_free_secret(&before);
		return die(c, "Error: Could not copy data to the clipboard");
	}
	/* a detached child restores the old content after the delay, if the
	 * clipboard still holds our secret */
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		mlockall(MCL_CURRENT | MCL_FUTURE);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		sleep((unsigned)secs);
		struct wbuf now;
		wbuf_init_secret(&now, 1 << 24);
		pipe_through(paste_argv, "", 0, &now);
		if (now.len == len && !memcmp(now.p, secret, len))
			pipe_through(copy_argv, before.p, before.len, NULL);
		wbuf_free_secret(&now);
		wbuf_free_secret(&before);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	wbuf_free_secret(&before);
	struct wbuf n;
	wbuf_init(&n, 1 << 16);
	render_text(name, strlen(name), c->out_tty, false, &n);
	printf("Copied %.*s to clipboard. Will clear in %ld seconds.\n", (int)n.len,
	       (char *)n.p, secs);
	wbuf_free(&n);
	return 0;
}

static int qrcode(const struct ctx *c, const uint8_t *secret, size_t len)
{
	char *argv[] = {"qrencode", "-t", "utf8", "-o", "-", NULL};
	struct wbuf out;
	wbuf_init(&out, 1 << 20);
	fflush(stdout);
	int rc = pipe_through(argv, secret, len, &out);
	if (rc != 0) {
		wbuf_free(&out);
		return die(c, "Error: qrencode failed (is it installed?)");
	}
	out_wbuf(&out);
	wbuf_free(&out);
	return 0;
}

/* ---- commands ---- */

static void print_tree(const struct ctx *c, const char *header, const struct pass_field *nodes,
		       size_t n)
{
	struct wbuf b;
	wbuf_init(&b, PASS_MAX_MSG);
	if (header) {
		render_text(header, strlen(header), c->out_tty, false, &b);
		wbuf_put_bytes(&b, "\n", 1);
	}
	if (render_tree(nodes, n, c->utf8, c->out_tty, &b) < 0)
		die(c, "qvm-pass: malformed listing from %s", c->vault);
	out_wbuf(&b);
	wbuf_free(&b);
}

static char *without_slash(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	size_t n = strlen(d);
	while (n && d[n - 1] == '/')
		d[--n] = '\0';
	return d;
}

static int cmd_show(const struct ctx *c, const struct qp_args *a)
{
	const char *name = a->npos ? a->pos[0] : "";
	unsigned line = a->clip ? a->clip : a->qrcode;
	char ls[16];
	snprintf(ls, sizeof ls, "%u", line);
	const char *f[] = {name, ls};
	struct reply r;
	int rc = call_s(c, PASS_OP_SHOW, f, 2, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	if (r.m.nfields >= 1 && field_is(&r.m.fields[0], "tree")) {
		char *h = without_slash(name);
		print_tree(c, name[0] ? h : "Password Store", r.m.fields + 1, r.m.nfields - 1);
		free(h);
	} else if (r.m.nfields == 2 && field_is(&r.m.fields[0], "secret")) {
		const struct pass_field *s = &r.m.fields[1];
		if (a->clip)
			rc = clip(c, name, s->p, s->len);
		else if (a->qrcode)
			rc = qrcode(c, s->p, s->len);
		else if (c->out_tty) {
			struct wbuf b;
			wbuf_init_secret(&b, PASS_MAX_MSG * 4);
			render_text(s->p, s->len, true, false, &b);
			out_wbuf(&b);
			wbuf_free_secret(&b);
		} else {
			out_bytes(s->p, s->len);
		}
	} else {
		rc = die(c, "qvm-pass: malformed reply from %s", c->vault);
	}
	reply_free(&r);
	return rc;
}

static int cmd_find(const struct ctx *c, const struct qp_args *a)
{
	struct reply r;
	int rc = call_s(c, PASS_OP_FIND, a->pos, a->npos, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	struct wbuf h;
	wbuf_init(&h, 1 << 20);
	wbuf_put_bytes(&h, "Search Terms: ", 14);
	for (size_t i = 0; i < a->npos; i++) {
		if (i)
			wbuf_put_bytes(&h, ",", 1);
		render_text(a->pos[i], strlen(a->pos[i]), c->out_tty, false, &h);
	}
	wbuf_put_bytes(&h, "\n", 1);
	out_wbuf(&h);
	wbuf_free(&h);
	print_tree(c, NULL, r.m.fields, r.m.nfields);
	reply_free(&r);
	return 0;
}

static int cmd_grep(const struct ctx *c, const struct qp_args *a)
{
	if (a->npos < 1)
		return die(c, "Usage: %s grep [GREPOPTIONS] search-string", c->prog);
	struct reply r;
	int rc = call_s(c, PASS_OP_GREP, a->pos, a->npos, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	struct wbuf b;
	wbuf_init_secret(&b, PASS_MAX_MSG * 4);
	for (uint32_t i = 0; i + 1 < r.m.nfields; i += 2) {
		const struct pass_field *n = &r.m.fields[i], *o = &r.m.fields[i + 1];
		const uint8_t *slash = NULL;
		for (size_t k = n->len; k-- > 0;)
			if (n->p[k] == '/') {
				slash = n->p + k;
				break;
			}
		wbuf_put_bytes(&b, "\x1b[94m", 5);
		if (slash)
			render_text(n->p, (size_t)(slash - n->p) + 1, c->out_tty, false, &b);
		wbuf_put_bytes(&b, "\x1b[1m", 4);
		size_t off = slash ? (size_t)(slash - n->p) + 1 : 0;
		render_text(n->p + off, n->len - off, c->out_tty, false, &b);
		wbuf_put_bytes(&b, "\x1b[0m:\n", 6);
		size_t ol = o->len;
		while (ol && o->p[ol - 1] == '\n')
			ol--;
		render_text(o->p, ol, c->out_tty, true, &b);
		wbuf_put_bytes(&b, "\n", 1);
	}
	out_wbuf(&b);
	wbuf_free_secret(&b);
	reply_free(&r);
	return 0;
}

/* Asks PassManage whether an entry exists (no secret moves). */
static int exists_manage(const struct ctx *c, const char *name, bool *file)
{
	const char *f[] = {name};
	struct reply r;
	int rc = call_s(c, PASS_OP_EXISTS, f, 1, PASS_SVC_MANAGE, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	*file = r.m.nfields == 1 && field_is(&r.m.fields[0], "file");
	reply_free(&r);
	return 0;
}

static int send_insert(const struct ctx *c, const char *name, const struct wbuf *content)
{
	const void *f[] = {name, content->p ? (const void *)content->p : "", "f"};
	size_t fl[] = {strlen(name), content->len, 1};
	struct reply r;
	int rc = call(c, PASS_OP_INSERT, f, fl, 3, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	reply_free(&r);
	return 0;
}

static int cmd_insert(const struct ctx *c, const struct qp_args *a)
{
	const char *name = a->pos[0];
	if (!a->force && c->in_tty) {
		bool file = false;
		int rc = exists_manage(c, name, &file);
		if (rc)
			return rc;
		if (file && !yesno(c, "An entry already exists for ", name, ". Overwrite it?"))
			return 1;
	}
	struct wbuf content;
	wbuf_init_secret(&content, PASS_MAX_FIELD);
	char prompt[PASS_MAX_NAME + 64];
	int rc = 0;
	if (a->multiline) {
		printf("Enter contents of %s and press Ctrl+D when finished:\n\n", name);
		fflush(stdout);
		if (read_all_stdin(&content) < 0)
			rc = die(c, "Error: the content is too large");
	} else {
		snprintf(prompt, sizeof prompt, "Enter password for %s: ", name);
		if (read_line(c, a->echo, prompt, &content) < 0) {
			rc = 1;
		} else if (!a->echo && c->in_tty) {
			struct wbuf again;
			wbuf_init_secret(&again, PASS_MAX_FIELD);
			snprintf(prompt, sizeof prompt, "Retype password for %s: ", name);
			if (read_line(c, false, prompt, &again) < 0 || again.len != content.len ||
			    (content.len && memcmp(again.p, content.p, content.len)))
				rc = die(c, "Error: the entered passwords do not match.");
			wbuf_free_secret(&again);
		}
		if (rc == 0)
			wbuf_put_bytes(&content, "\n", 1);
	}
	if (rc == 0)
		rc = send_insert(c, name, &content);
	wbuf_free_secret(&content);
	return rc;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && v[0] ? v : dflt;
}

/* generate, and get-or-generate's second step ("x": create only). */
static int generate(const struct ctx *c, const struct qp_args *a, const char *flags,
		    struct reply *r)
{
	const char *name = a->pos[0];
	const char *len = a->npos > 1 ? a->pos[1]
				      : env_or("PASSWORD_STORE_GENERATED_LENGTH", "25");
	for (const char *p = len; *p || p == len; p++)
		if (*p < '0' || *p > '9')
			return die(c, "Error: pass-length \"%s\" must be a number.", len);
	if (strtoul(len, NULL, 10) == 0)
		return die(c, "Error: pass-length must be greater than zero.");
	const char *set = a->no_symbols
		? env_or("PASSWORD_STORE_CHARACTER_SET_NO_SYMBOLS", "[:alnum:]")
		: env_or("PASSWORD_STORE_CHARACTER_SET", "[:punct:][:alnum:]");
	const char *f[] = {name, len, set, flags};
	return call_s(c, PASS_OP_GENERATE, f, 4, 0, r);
}

static int show_secret(const struct ctx *c, const struct qp_args *a, const char *name,
		       const struct pass_field *s, bool banner)
{
	if (a->clip || a->qrcode) {
		size_t l = 0;
		while (l < s->len && s->p[l] != '\n')
			l++;
		return a->clip ? clip(c, name, s->p, l) : qrcode(c, s->p, l);
	}
	struct wbuf b;
	wbuf_init_secret(&b, PASS_MAX_MSG * 4);
	if (banner) {
		wbuf_put_bytes(&b, "\x1b[1mThe generated password for \x1b[4m", 35);
		render_text(name, strlen(name), c->out_tty, false, &b);
		wbuf_put_bytes(&b, "\x1b[24m is:\x1b[0m\n\x1b[1m\x1b[93m", 23);
		render_text(s->p, s->len, c->out_tty, false, &b);
		wbuf_put_bytes(&b, "\x1b[0m\n", 5);
	} else {
		render_text(s->p, s->len, c->out_tty, false, &b);
	}
	out_wbuf(&b);
	wbuf_free_secret(&b);
	return 0;
}

static int cmd_generate(const struct ctx *c, const struct qp_args *a)
{
	const char *name = a->pos[0];
	char flags[4] = "";
	if (a->in_place) {
		strcpy(flags, "i");
	} else if (a->force || !c->in_tty) {
		strcpy(flags, "f");
	} else {
		bool file = false;
		int rc = exists_manage(c, name, &file);
		if (rc)
			return rc;
		if (file && !yesno(c, "An entry already exists for ", name, ". Overwrite it?"))
			return 1;
		strcpy(flags, "f");
	}
	struct reply r;
	int rc = generate(c, a, flags, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK || r.m.nfields != 1)
		return fail_reply(c, &r);
	rc = show_secret(c, a, name, &r.m.fields[0], true);
	reply_free(&r);
	return rc;
}

static int cmd_getgen(const struct ctx *c, const struct qp_args *a)
{
	const char *name = a->pos[0];
	for (int attempt = 0; attempt < 2; attempt++) {
		const char *f[] = {name, "0"};
		struct reply r;
		int rc = call_s(c, PASS_OP_SHOW, f, 2, 0, &r);
		if (rc)
			return rc;
		if (r.m.code == PASS_OK && r.m.nfields == 2 && field_is(&r.m.fields[0], "secret")) {
			rc = show_secret(c, a, name, &r.m.fields[1], false);
			reply_free(&r);
			return rc;
		}
		if (r.m.code == PASS_OK) {
			reply_free(&r);
			return die(c, "Error: %s is a folder, not an entry.", name);
		}
		if (r.m.code != PASS_NOT_FOUND)
			return fail_reply(c, &r);
		reply_free(&r);
		rc = generate(c, a, "x", &r);
		if (rc)
			return rc;
		if (r.m.code == PASS_EXISTS) {
			reply_free(&r);
			continue; /* someone was first: read theirs */
		}
		if (r.m.code != PASS_OK || r.m.nfields != 1)
			return fail_reply(c, &r);
		/* the entry as it is stored: the password and a newline */
		struct pass_field s = r.m.fields[0];
		rc = show_secret(c, a, name, &s, false);
		if (!a->clip && !a->qrcode && rc == 0)
			out_bytes("\n", 1);
		reply_free(&r);
		return rc;
	}
	return die(c, "Error: %s keeps changing", name);
}

static void wipe_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		int w = openat(dirfd(d), e->d_name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		struct stat sb;
		if (w >= 0 && fstat(w, &sb) == 0 && S_ISREG(sb.st_mode)) {
			static const char z[4096];
			for (off_t o = 0; o < sb.st_size; o += (off_t)sizeof z)
				if (write(w, z, sizeof z) < 0)
					break;
			fsync(w);
		}
		if (w >= 0)
			close(w);
		unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

static int cmd_edit(const struct ctx *c, const struct qp_args *a)
{
	const char *name = a->pos[0];
	const char *f[] = {name, "0"};
	struct reply r;
	int rc = call_s(c, PASS_OP_SHOW, f, 2, 0, &r);
	if (rc)
		return rc;
	bool existed = r.m.code == PASS_OK;
	if (existed && !(r.m.nfields == 2 && field_is(&r.m.fields[0], "secret"))) {
		reply_free(&r);
		return die(c, "Error: %s is a folder.", name);
	}
	if (!existed && r.m.code != PASS_NOT_FOUND)
		return fail_reply(c, &r);
	char dir[] = "/dev/shm/qvm-pass.XXXXXX";
	if (!mkdtemp(dir)) {
		reply_free(&r);
		return die(c, "Error: no private directory in /dev/shm: %s", strerror(errno));
	}
	const char *base = strrchr(name, '/');
	char file[sizeof dir + PASS_MAX_COMPONENT + 8];
	snprintf(file, sizeof file, "%s/%s.txt", dir, base ? base + 1 : name);
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	struct wbuf old, now;
	wbuf_init_secret(&old, PASS_MAX_FIELD);
	wbuf_init_secret(&now, PASS_MAX_FIELD);
	if (existed)
		wbuf_put_bytes(&old, r.m.fields[1].p, r.m.fields[1].len);
	reply_free(&r);
	if (fd < 0 || (old.len && write(fd, old.p, old.len) != (ssize_t)old.len)) {
		rc = die(c, "Error: cannot write %s: %s", file, strerror(errno));
		goto wipe;
	}
	close(fd);
	fd = -1;
	pid_t pid = fork();
	if (pid == 0) {
		if (!getenv("EDITOR"))
			setenv("EDITOR", "vi", 1);
		char *argv[] = {"/bin/sh", "-c", "$EDITOR \"$1\"", "sh", file, NULL};
		execve("/bin/sh", argv, environ);
		_exit(127);
	}
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	int in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		rc = die(c, "New password not saved.");
		goto wipe;
	}
	char buf[65536];
	ssize_t got;
	while ((got = read(in, buf, sizeof buf)) > 0)
		wbuf_put_bytes(&now, buf, (size_t)got);
	explicit_bzero(buf, sizeof buf);
	close(in);
	if (existed && now.len == old.len && (!now.len || !memcmp(now.p, old.p, now.len))) {
		rc = die(c, "Password unchanged.");
		goto wipe;
	}
	rc = send_insert(c, name, &now);
wipe:
	if (fd >= 0)
		close(fd);
	/* overwrite everything the editor left there (the file, its
	 * backups and swap files), then remove it */
	wipe_dir(dir);
	rmdir(dir);
	wbuf_free_secret(&old);
	wbuf_free_secret(&now);
	return rc;
}

static int cmd_rm(const struct ctx *c, const struct qp_args *a)
{
	const char *name = a->pos[0];
	if (!a->force && c->in_tty &&
	    !yesno(c, "Are you sure you would like to delete ", name, "?"))
		return 1;
	const char *f[] = {name, a->recursive ? "r" : ""};
	struct reply r;
	int rc = call_s(c, PASS_OP_RM, f, 2, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	struct wbuf b;
	wbuf_init(&b, PASS_MAX_MSG);
	for (uint32_t i = 0; i < r.m.nfields; i++) {
		wbuf_put_bytes(&b, "removed '", 9);
		render_text(r.m.fields[i].p, r.m.fields[i].len, c->out_tty, false, &b);
		wbuf_put_bytes(&b, "'\n", 2);
	}
	out_wbuf(&b);
	wbuf_free(&b);
	reply_free(&r);
	return 0;
}

static int cmd_mv_cp(const struct ctx *c, const struct qp_args *a, bool move)
{
	uint8_t op = move ? PASS_OP_MV : PASS_OP_CP;
	bool force = a->force || !c->in_tty;
	for (;;) {
		const char *f[] = {a->pos[0], a->pos[1], force ? "f" : ""};
		struct reply r;
		int rc = call_s(c, op, f, 3, 0, &r);
		if (rc)
			return rc;
		if (r.m.code == PASS_EXISTS && !force) {
			reply_free(&r);
			if (!yesno(c, "An entry already exists for ", a->pos[1], ". Overwrite it?"))
				return 1; /* the answer is honoured: nothing changes */
			force = true;
			continue;
		}
		if (r.m.code != PASS_OK)
			return fail_reply(c, &r);
		reply_free(&r);
		return 0;
	}
}

static int cmd_init(const struct ctx *c, const struct qp_args *a)
{
	const char *f[PASS_MAX_REQ_FIELDS];
	size_t n = 0;
	f[n++] = a->path ? a->path : "";
	for (size_t i = 0; i < a->npos && n < PASS_MAX_REQ_FIELDS; i++)
		f[n++] = a->pos[i];
	struct reply r;
	int rc = call_s(c, PASS_OP_INIT, f, n, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	struct wbuf b;
	wbuf_init(&b, 1 << 20);
	for (uint32_t i = 0; i < r.m.nfields; i++) {
		render_text(r.m.fields[i].p, r.m.fields[i].len, c->out_tty, false, &b);
		wbuf_put_bytes(&b, "\n", 1);
	}
	out_wbuf(&b);
	wbuf_free(&b);
	reply_free(&r);
	return 0;
}

static int cmd_git(const struct ctx *c, const struct qp_args *a)
{
	if (a->npos < 1)
		return die(c, "Usage: %s git git-command-args... (init, log, status)", c->prog);
	struct reply r;
	int rc = call_s(c, PASS_OP_GIT, a->pos, a->npos, 0, &r);
	if (rc)
		return rc;
	if (r.m.nfields == 1) {
		struct wbuf b;
		wbuf_init(&b, 1 << 22);
		render_text(r.m.fields[0].p, r.m.fields[0].len, c->out_tty, true, &b);
		out_wbuf(&b);
		wbuf_free(&b);
	}
	/* as pass: git's own failure does not fail the command, a refusal does */
	rc = r.m.code == PASS_BAD_REQUEST || r.m.code == PASS_REFUSED ? 1 : 0;
	if (rc && r.m.nfields == 1)
		errmsg(c, "", 0);
	reply_free(&r);
	return rc;
}

static void version(void)
{
	printf("============================================\n"
	       "= pass: the standard unix password manager =\n"
	       "=                                          =\n"
	       "=  qvm-pass: its command line, with the    =\n"
	       "=  store kept in a vault qube (bulkhead)   =\n"
	       "=        compatible with pass v%s       =\n"
	       "============================================\n", VERSION);
}

static void usage(const char *prog)
{
	version();
	printf("\nUsage:\n");
	static const enum qp_cmd order[] = {QP_INIT, QP_SHOW, QP_FIND, QP_GREP, QP_INSERT,
		QP_EDIT, QP_GENERATE, QP_GETGEN, QP_RM, QP_MV, QP_CP, QP_GIT, QP_HELP, QP_VERSION};
	for (size_t i = 0; i < sizeof order / sizeof *order; i++)
		printf("    %s %s\n", prog, qp_usage(order[i]));
	printf("\nOptions for every command: -d VAULT, --dest-vm VAULT: the vault qube\n"
	       "(else $QUBES_PASS_DOMAIN, /rw/config/pass-split-domain,\n"
	       "/etc/qubes/pass-split-domain). `ls`, `list` and a bare name mean `show`;\n"
	       "`add`, `remove`/`delete`, `rename`, `copy` and `search` are aliases.\n"
	       "git runs in the vault: init, log and status only.\n");
}

/* The vault: -d, $QUBES_PASS_DOMAIN, /rw/config/pass-split-domain,
 * /etc/qubes/pass-split-domain. */
static int find_vault(struct ctx *c, const char *opt, char *buf, size_t len)
{
	if (opt && opt[0]) {
		c->vault = opt;
		return 0;
	}
	const char *e = getenv("QUBES_PASS_DOMAIN");
	if (e && e[0]) {
		c->vault = e;
		return 0;
	}
	static const char *const files[] = {"/rw/config/pass-split-domain",
					    "/etc/qubes/pass-split-domain"};
	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "re");
		if (!f) {
			if (errno == ENOENT)
				continue;
			return die(c, "Error: cannot read %s: %s", files[i], strerror(errno));
		}
		bool ok = fgets(buf, (int)len, f) != NULL;
		fclose(f);
		buf[strcspn(buf, "\r\n")] = '\0';
		char *s = buf;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			s[--n] = '\0';
		if (!ok || !s[0])
			return die(c, "Error: %s is empty: it should name the vault qube", files[i]);
		c->vault = s;
		return 0;
	}
	return die(c, "Error: no vault qube given. Use -d VAULT, set QUBES_PASS_DOMAIN, or "
		   "write the vault's name into /rw/config/pass-split-domain (this qube) or "
		   "/etc/qubes/pass-split-domain (its template).");
}

static void lock_memory(void)
{
	if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
		return;
	int e = errno;
	if (mlockall(MCL_CURRENT) == 0)
		return;
	fprintf(stderr, "qvm-pass: warning: cannot lock memory (%s); secrets may reach swap "
		"(raise the memlock limit, ulimit -l)\n", strerror(e));
}

int main(int argc, char **argv)
{
	prctl(PR_SET_DUMPABLE, 0);
	struct rlimit core = {0, 0};
	setrlimit(RLIMIT_CORE, &core);
	setlocale(LC_CTYPE, "");
	struct ctx c = {
		.out_tty = isatty(1), .err_tty = isatty(2), .in_tty = isatty(0),
		.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8"),
	};
	const char *b = strrchr(argv[0], '/');
	c.prog = b ? b + 1 : argv[0];
	if (strcmp(c.prog, "pass") != 0)
		c.prog = "qvm-pass";
	struct rlimit ml;
	/* lock when the limit can hold what a call may carry */
	if (geteuid() == 0 || (getrlimit(RLIMIT_MEMLOCK, &ml) == 0 &&
			       (ml.rlim_cur == RLIM_INFINITY || ml.rlim_cur >= 4ull * PASS_MAX_MSG)))
		lock_memory();
	else if (mlockall(MCL_CURRENT) < 0)
		fprintf(stderr, "qvm-pass: warning: cannot lock memory (%s); secrets may reach "
			"swap\n", strerror(errno));
	struct qp_args a;
	char err[512];
	if (qp_parse(argc, argv, &a, err, sizeof err) < 0) {
		if (!strncmp(err, "Usage: %s ", 10))
			fprintf(stderr, "Usage: %s %s\n", c.prog, err + 10);
		else
			errmsg(&c, err, strlen(err));
		return 1;
	}
	if (a.cmd == QP_HELP) {
		usage(c.prog);
		return 0;
	}
	if (a.cmd == QP_VERSION) {
		version();
		return 0;
	}
	char vbuf[256];
	int rc = find_vault(&c, a.vault, vbuf, sizeof vbuf);
	if (rc)
		return rc;
	switch (a.cmd) {
	case QP_SHOW: rc = cmd_show(&c, &a); break;
	case QP_FIND: rc = cmd_find(&c, &a); break;
	case QP_GREP: rc = cmd_grep(&c, &a); break;
	case QP_INSERT: rc = cmd_insert(&c, &a); break;
	case QP_EDIT: rc = cmd_edit(&c, &a); break;
	case QP_GENERATE: rc = cmd_generate(&c, &a); break;
	case QP_GETGEN: rc = cmd_getgen(&c, &a); break;
	case QP_RM: rc = cmd_rm(&c, &a); break;
	case QP_MV: rc = cmd_mv_cp(&c, &a, true); break;
	case QP_CP: rc = cmd_mv_cp(&c, &a, false); break;
	case QP_INIT: rc = cmd_init(&c, &a); break;
	case QP_GIT: rc = cmd_git(&c, &a); break;
	default: rc = 1;
	}
	fflush(stdout);
	return rc;
}
