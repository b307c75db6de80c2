/* out: qvm-pass's output and error messages. Bytes that came from the
 * vault are escaped on a terminal (render_text) and passed exactly on a
 * pipe, as pass prints them. */
#include "pass/client/client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pass/client/memlock.h"

/* stdout's buffer is ours, so what went through it can be wiped */
static char stdout_buf[1 << 16];

void out_bytes(const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, stdout) != n) {
		explicit_bzero(stdout_buf, sizeof stdout_buf);
		_exit(1);
	}
}

void out_init(void)
{
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
}

int out_finish(void)
{
	int rc = fflush(stdout);
	explicit_bzero(stdout_buf, sizeof stdout_buf);
	return rc;
}

void out_str(const char *s)
{
	out_bytes(s, strlen(s));
}

void out_wbuf(const struct wbuf *b)
{
	out_bytes(b->p, b->len);
}

void out_text(const struct qp_ctx *c, const void *p, size_t n, unsigned extra)
{
	if (!(c->out_text & RT_TERMINAL)) {
		out_bytes(p, n);
		return;
	}
	struct wbuf b; /* may be a secret (get-or-generate's content) */
	wbuf_init_secret(&b, 4 * (size_t)PASS_MAX_MSG);
	if (render_text(p, n, c->out_text | extra, &b) == RENDER_OK)
		out_wbuf(&b);
	wbuf_free_secret(&b);
}

void errmsg(const struct qp_ctx *c, const void *p, size_t n)
{
	struct wbuf b;
	wbuf_init(&b, 1 << 20);
	render_text(p, n, c->err_text | RT_KEEP_NL, &b);
	fflush(stdout);
	if (b.len)
		fwrite(b.p, 1, b.len, stderr);
	if (!b.len || b.p[b.len - 1] != '\n')
		fputc('\n', stderr);
	wbuf_free(&b);
}

int die(const struct qp_ctx *c, const char *fmt, ...)
{
	char m[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	errmsg(c, m, strlen(m));
	return 1;
}

int render_retry(int (*f)(void *arg, struct wbuf *b), void *arg, size_t limit, bool secret,
		 struct wbuf *b)
{
	for (int attempt = 0;; attempt++) {
		if (secret)
			wbuf_init_secret(b, limit);
		else
			wbuf_init(b, limit);
		int rc = f(arg, b);
		if (rc != RENDER_NOMEM || attempt > 0 || !memlock_relax())
			return rc;
		if (secret)
			wbuf_free_secret(b);
		else
			wbuf_free(b);
	}
}
