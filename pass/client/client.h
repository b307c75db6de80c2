/* client: what qvm-pass's modules share: the run's context, output and
 * error helpers (out.c), one split-pass call (call.c), terminal input
 * (prompt.c), and the commands (cmd_*.c, edit.c). */
#ifndef BULKHEAD_PASS_CLIENT_H
#define BULKHEAD_PASS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "pass/client/args.h"
#include "pass/client/render.h"
#include "pass/passproto.h"

struct qp_ctx {
	const char *prog;   /* "qvm-pass", or "pass" through the PATH shim */
	const char *vault;
	bool out_tty, err_tty, in_tty, utf8;
	unsigned out_text;  /* render_text flags for vault bytes on stdout */
	unsigned err_text;  /* and on stderr */
	struct tree_colors colors;
};

/* ---- out.c ---- */
/* stdout through a buffer of ours (wiped by out_finish, which flushes) */
void out_init(void);
int out_finish(void);
void out_bytes(const void *p, size_t n);
void out_wbuf(const struct wbuf *b);
void out_str(const char *s);
/* Vault-originated text to stdout, escaped on a terminal (names: flags
 * without RT_KEEP_NL). */
void out_text(const struct qp_ctx *c, const void *p, size_t n, unsigned extra_flags);
/* A message to stderr (escaped when stderr is a terminal), newline added. */
void errmsg(const struct qp_ctx *c, const void *p, size_t n);
__attribute__((format(printf, 2, 3)))
int die(const struct qp_ctx *c, const char *fmt, ...);
/* Runs f(arg, b) into a fresh buffer, retrying once after memlock_relax()
 * when it runs out of memory; returns f's enum render_rc. */
int render_retry(int (*f)(void *arg, struct wbuf *b), void *arg, size_t limit, bool secret,
		 struct wbuf *b);

/* ---- call.c ---- */
struct reply {
	struct wbuf raw; /* secret: may hold decrypted bytes */
	struct pass_msg m;
};
void reply_free(struct reply *r);
/* One call of op with n fields (f[i], fl[i] bytes). svc 0: the service
 * passproto_op_service says. Returns 0 with r parsed (any status), or the
 * exit code after the error was printed. */
int call(const struct qp_ctx *c, uint8_t op, const void *const *f, const size_t *fl, size_t n,
	 enum pass_service svc, struct reply *r);
int call_s(const struct qp_ctx *c, uint8_t op, const char *const *s, size_t n,
	   enum pass_service svc, struct reply *r);
/* The exit code of a non-OK reply after printing its message (frees r). */
int fail_reply(const struct qp_ctx *c, struct reply *r);
bool field_is(const struct pass_field *f, const char *s);
/* EXISTS on PassManage (no secret moves): *kind "file", "dir" or "none". */
int exists_manage(const struct qp_ctx *c, const char *name, char kind[8]);

/* ---- prompt.c ---- */
/* pass's yesno: on a terminal asks "<question> [y/N] " and answers true for
 * y or Y; without a terminal, true. name is escaped. */
bool yesno(const struct qp_ctx *c, const char *before, const char *name, const char *after);
/* One line (without its newline) into b; on a terminal the prompt and, unless
 * echo, no echo. -1 at EOF with nothing read. */
int read_line(const struct qp_ctx *c, bool echo, const char *prompt, struct wbuf *b);
int read_all_stdin(struct wbuf *b);

/* ---- the commands ---- */
int cmd_show(const struct qp_ctx *c, const struct qp_args *a);
int cmd_find(const struct qp_ctx *c, const struct qp_args *a);
int cmd_grep(const struct qp_ctx *c, const struct qp_args *a);
int cmd_git(const struct qp_ctx *c, const struct qp_args *a);
int cmd_insert(const struct qp_ctx *c, const struct qp_args *a);
int cmd_edit(const struct qp_ctx *c, const struct qp_args *a);
int cmd_generate(const struct qp_ctx *c, const struct qp_args *a);
int cmd_getgen(const struct qp_ctx *c, const struct qp_args *a);
int cmd_rm(const struct qp_ctx *c, const struct qp_args *a);
int cmd_mv(const struct qp_ctx *c, const struct qp_args *a);
int cmd_cp(const struct qp_ctx *c, const struct qp_args *a);
int cmd_init(const struct qp_ctx *c, const struct qp_args *a);
int cmd_help(const struct qp_ctx *c, const struct qp_args *a);
int cmd_version(const struct qp_ctx *c, const struct qp_args *a);

/* clip.c, qrcode.c: the secret goes to the tool's stdin only. */
int clip_copy(const struct qp_ctx *c, const char *name, const uint8_t *secret, size_t len);
int qrcode_show(const struct qp_ctx *c, const char *name, const uint8_t *secret, size_t len);
/* pipe_through (clip.c): runs argv (PATH lookup) with data on its stdin
 * (never in its argv or environment); its stdout into out, or to ours
 * (out NULL, quiet false), or to /dev/null (quiet). Its exit code, or -1
 * when it could not be started. */
int pipe_through(char *const *argv, const void *data, size_t len, struct wbuf *out, bool quiet);
/* Whether prog is an executable in $PATH. */
bool in_path(const char *prog);

#endif
