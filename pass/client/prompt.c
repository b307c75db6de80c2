/* prompt: terminal input as pass reads it: yesno ("... [y/N] " on stderr,
 * only y or Y is yes, no question without a terminal), password lines
 * (no echo on a terminal, restored on ^C) and whole-stdin reads. */
#include "pass/client/client.h"
#include "lib/fdio.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* bash's read with the default IFS: leading and trailing blanks go */
static void trim_blanks(struct wbuf *b)
{
	size_t s = 0, e = b->len;
	while (s < e && (b->p[s] == ' ' || b->p[s] == '\t'))
		s++;
	while (e > s && (b->p[e - 1] == ' ' || b->p[e - 1] == '\t'))
		e--;
	if (s)
		memmove(b->p, b->p + s, e - s);
	if (b->len > e - s)
		explicit_bzero(b->p + (e - s), b->len - (e - s));
	b->len = e - s;
}

/* reads up to a newline (dropped) or EOF; -1 when EOF came first */
static int get_line(struct wbuf *b)
{
	bool any = false;
	for (;;) {
		uint8_t ch;
		ssize_t r = read(0, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return any ? 0 : -1;
		any = true;
		if (ch == '\n')
			return 0;
		if (ch == '\0')
			continue; /* bash drops NUL bytes */
		if (wbuf_put_bytes(b, &ch, 1) != BUF_OK)
			return -1;
	}
}

bool yesno(const struct qp_ctx *c, const char *before, const char *name, const char *after)
{
	if (!c->in_tty)
		return true;
	struct wbuf q;
	wbuf_init(&q, 1 << 16);
	wbuf_put_bytes(&q, before, strlen(before));
	render_text(name, strlen(name), RT_TERMINAL | (c->utf8 ? RT_UTF8 : 0), &q);
	wbuf_put_bytes(&q, after, strlen(after));
	wbuf_put_bytes(&q, " [y/N] ", 7);
	fflush(stdout);
	fwrite(q.p, 1, q.len, stderr);
	fflush(stderr);
	wbuf_free(&q);
	struct wbuf a;
	wbuf_init(&a, 4096);
	int rc = get_line(&a);
	trim_blanks(&a);
	bool yes = rc == 0 && a.len == 1 && (a.p[0] == 'y' || a.p[0] == 'Y');
	wbuf_free(&a);
	return yes;
}

static struct termios saved;
static volatile sig_atomic_t echo_off;

static void restore_and_die(int sig)
{
	if (echo_off)
		tcsetattr(0, TCSAFLUSH, &saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

int read_line(const struct qp_ctx *c, bool echo, const char *prompt, struct wbuf *b)
{
	bool hide = c->in_tty && !echo && tcgetattr(0, &saved) == 0;
	if (c->in_tty && prompt) {
		fflush(stdout);
		fputs(prompt, stderr);
		fflush(stderr);
	}
	struct sigaction sa = {.sa_handler = restore_and_die}, oi, ot;
	if (hide) {
		sigaction(SIGINT, &sa, &oi);
		sigaction(SIGTERM, &sa, &ot);
		struct termios noecho = saved;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = 1;
		tcsetattr(0, TCSAFLUSH, &noecho);
	}
	int rc = get_line(b);
	if (hide) {
		tcsetattr(0, TCSAFLUSH, &saved);
		echo_off = 0;
		sigaction(SIGINT, &oi, NULL);
		sigaction(SIGTERM, &ot, NULL);
		out_str("\n"); /* pass: echo after read -s */
		fflush(stdout);
	}
	if (rc == 0)
		trim_blanks(b);
	return rc;
}

int read_all_stdin(struct wbuf *b)
{
	return read_to_eof(0, b);
}
