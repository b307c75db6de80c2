/* cmd_write: the commands that change the store, all on ruddo.PassManage
 * (existence checks too: EXISTS there never decrypts, so a writer never
 * needs PassRead): insert, generate, rm, mv, cp, init; and
 * get-or-generate (SHOW on PassRead; when missing, GENERATE "x" = create
 * only, atomic in the vault). On a terminal the questions are pass's, and
 * a write the user did not confirm is sent without "f", so an entry made
 * meanwhile is refused by the vault rather than overwritten. */
#include "pass/client/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* name without one trailing '/' (pass's ${1%/}), into buf */
static const char *strip1(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);
	if (n && s[n - 1] == '/' && n < len) {
		memcpy(buf, s, n - 1);
		buf[n - 1] = '\0';
		return buf;
	}
	return s;
}

static int send_insert(const struct qp_ctx *c, const char *name, const struct wbuf *content,
		       const char *flags)
{
	const void *f[] = {name, content->p ? (const void *)content->p : "", flags};
	size_t fl[] = {strlen(name), content->len, strlen(flags)};
	struct reply r;
	int rc = call(c, PASS_OP_INSERT, f, fl, 3, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	reply_free(&r);
	return 0;
}

/* On a terminal without -f: pass's question when the entry exists.
 * 0 = go on (*flags "f" when overwriting is agreed), else the exit code. */
static int confirm_overwrite(const struct qp_ctx *c, const char *name, bool force,
			     const char **flags)
{
	*flags = "f";
	if (force || !c->in_tty)
		return 0;
	char kind[8];
	int rc = exists_manage(c, name, kind);
	if (rc)
		return rc;
	if (strcmp(kind, "file") != 0) {
		*flags = ""; /* nothing to overwrite: the vault refuses a newcomer */
		return 0;
	}
	return yesno(c, "An entry already exists for ", name, ". Overwrite it?") ? 0 : 1;
}

int cmd_insert(const struct qp_ctx *c, const struct qp_args *a)
{
	char nb[PASS_MAX_NAME + 2];
	const char *name = strip1(a->pos[0], nb, sizeof nb);
	const char *flags;
	int rc = confirm_overwrite(c, name, a->force, &flags);
	if (rc)
		return rc;
	struct wbuf content;
	wbuf_init_secret(&content, PASS_MAX_FIELD);
	size_t pl = strlen(name) + 64;
	char *prompt = malloc(pl);
	if (!prompt)
		abort();
	if (a->multiline) {
		out_str("Enter contents of ");
		out_text(c, name, strlen(name), 0);
		out_str(" and press Ctrl+D when finished:\n\n");
		fflush(stdout);
		if (read_all_stdin(&content) < 0)
			rc = die(c, "Error: the content is too large");
	} else if (a->echo) {
		snprintf(prompt, pl, "Enter password for %s: ", name);
		read_line(c, true, prompt, &content); /* pass: EOF stores an empty line */
		wbuf_put_bytes(&content, "\n", 1);
	} else if (!c->in_tty) {
		/* one line from a pipe, nothing printed (pass wants it twice) */
		if (read_line(c, false, NULL, &content) < 0)
			rc = 1;
		else
			wbuf_put_bytes(&content, "\n", 1);
	} else {
		struct wbuf again;
		wbuf_init_secret(&again, PASS_MAX_FIELD);
		snprintf(prompt, pl, "Enter password for %s: ", name);
		if (read_line(c, false, prompt, &content) < 0)
			rc = 1;
		snprintf(prompt, pl, "Retype password for %s: ", name);
		if (!rc && read_line(c, false, prompt, &again) < 0)
			rc = 1;
		if (!rc && (again.len != content.len ||
			    (content.len && memcmp(again.p, content.p, content.len))))
			rc = die(c, "Error: the entered passwords do not match.");
		wbuf_free_secret(&again);
		if (!rc)
			wbuf_put_bytes(&content, "\n", 1);
	}
	free(prompt);
	if (rc == 0)
		rc = send_insert(c, name, &content, flags);
	wbuf_free_secret(&content);
	return rc;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && v[0] ? v : dflt;
}

/* pass's checks of the length: 0, or 1 after its message */
static int check_length(const struct qp_ctx *c, const char *len)
{
	bool digits = len[0] != '\0';
	for (const char *p = len; *p; p++)
		digits = digits && *p >= '0' && *p <= '9';
	if (!digits)
		return die(c, "Error: pass-length \"%s\" must be a number.", len);
	if (strspn(len, "0") == strlen(len))
		return die(c, "Error: pass-length must be greater than zero.");
	return 0;
}

static const char *gen_length(const struct qp_args *a)
{
	return a->npos > 1 ? a->pos[1] : env_or("PASSWORD_STORE_GENERATED_LENGTH", "25");
}

static int generate_call(const struct qp_ctx *c, const struct qp_args *a, const char *flags,
			 struct reply *r)
{
	const char *set = a->no_symbols
		? env_or("PASSWORD_STORE_CHARACTER_SET_NO_SYMBOLS", "[:alnum:]")
		: env_or("PASSWORD_STORE_CHARACTER_SET", "[:punct:][:alnum:]");
	const char *f[] = {a->pos[0], gen_length(a), set, flags};
	return call_s(c, PASS_OP_GENERATE, f, 4, 0, r);
}

/* generate's output: to the clipboard, as a QR code, or pass's banner */
static int show_generated(const struct qp_ctx *c, const struct qp_args *a,
			  const struct pass_field *pw)
{
	const char *name = a->pos[0];
	if (a->clip)
		return clip_copy(c, name, pw->p, pw->len);
	if (a->qrcode)
		return qrcode_show(c, name, pw->p, pw->len);
	struct wbuf b;
	wbuf_init_secret(&b, 4 * (size_t)PASS_MAX_FIELD);
	wbuf_put_bytes(&b, "\x1b[1mThe generated password for \x1b[4m", 35);
	render_text(name, strlen(name), c->out_text, &b);
	wbuf_put_bytes(&b, "\x1b[24m is:\x1b[0m\n\x1b[1m\x1b[93m", 23);
	render_text(pw->p, pw->len, c->out_text, &b);
	wbuf_put_bytes(&b, "\x1b[0m\n", 5);
	out_wbuf(&b);
	wbuf_free_secret(&b);
	return 0;
}

int cmd_generate(const struct qp_ctx *c, const struct qp_args *a)
{
	int rc = check_length(c, gen_length(a));
	if (rc)
		return rc;
	const char *flags = "i";
	if (!a->in_place && (rc = confirm_overwrite(c, a->pos[0], a->force, &flags)))
		return rc;
	struct reply r;
	if ((rc = generate_call(c, a, flags, &r)))
		return rc;
	if (r.m.code != PASS_OK || r.m.nfields != 1)
		return fail_reply(c, &r);
	rc = show_generated(c, a, &r.m.fields[0]);
	reply_free(&r);
	return rc;
}

/* get-or-generate: the entry's content either way (or its first line for
 * -c/-q, chosen in the vault); a folder is an error */
int cmd_getgen(const struct qp_ctx *c, const struct qp_args *a)
{
	const char *name = a->pos[0];
	int rc = check_length(c, gen_length(a));
	if (rc)
		return rc;
	for (int attempt = 0; attempt < 3; attempt++) {
		const char *f[] = {name, a->clip || a->qrcode ? "1" : "0"};
		struct reply r;
		if ((rc = call_s(c, PASS_OP_SHOW, f, 2, 0, &r)))
			return rc;
		if (r.m.code == PASS_OK && r.m.nfields == 2 && field_is(&r.m.fields[0], "secret")) {
			const struct pass_field *s = &r.m.fields[1];
			if (a->clip || a->qrcode) {
				size_t l = s->len;
				while (l && s->p[l - 1] == '\n')
					l--;
				rc = !l ? die(c, "There is no password to put on the clipboard at "
					      "line 1.")
					: a->clip ? clip_copy(c, name, s->p, l)
						  : qrcode_show(c, name, s->p, l);
			} else if (c->out_text & RT_TERMINAL) {
				out_text(c, s->p, s->len, RT_KEEP_NL);
			} else {
				out_bytes(s->p, s->len);
			}
			reply_free(&r);
			return rc;
		}
		if (r.m.code == PASS_OK) {
			reply_free(&r);
			return die(c, "Error: %s is a folder, not a password.", name);
		}
		if (r.m.code != PASS_NOT_FOUND)
			return fail_reply(c, &r);
		reply_free(&r);
		if ((rc = generate_call(c, a, "x", &r)))
			return rc;
		if (r.m.code == PASS_EXISTS) {
			reply_free(&r);
			continue; /* made meanwhile by someone else: read theirs */
		}
		if (r.m.code != PASS_OK || r.m.nfields != 1)
			return fail_reply(c, &r);
		const struct pass_field *pw = &r.m.fields[0];
		if (a->clip)
			rc = clip_copy(c, name, pw->p, pw->len);
		else if (a->qrcode)
			rc = qrcode_show(c, name, pw->p, pw->len);
		else {
			/* the entry as stored: the password and a newline */
			out_text(c, pw->p, pw->len, 0);
			out_str("\n");
		}
		reply_free(&r);
		return rc;
	}
	return die(c, "Error: %s keeps changing in the vault", name);
}

int cmd_rm(const struct qp_ctx *c, const struct qp_args *a)
{
	const char *name = a->pos[0];
	if (!a->force && c->in_tty) {
		char kind[8];
		int rc = exists_manage(c, name, kind);
		if (rc)
			return rc;
		if (!strcmp(kind, "none"))
			return die(c, "Error: %s is not in the password store.", name);
		if (!yesno(c, "Are you sure you would like to delete ", name, "?"))
			return 1;
	}
	const char *f[] = {name, a->recursive ? "r" : ""};
	struct reply r;
	int rc = call_s(c, PASS_OP_RM, f, 2, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	/* rm -v's lines, with store-relative paths */
	for (uint32_t i = 0; i < r.m.nfields; i++) {
		const struct pass_field *p = &r.m.fields[i];
		bool file = p->len >= 4 && !memcmp(p->p + p->len - 4, ".gpg", 4);
		out_str(file ? "removed '" : "removed directory '");
		out_text(c, p->p, p->len, 0);
		out_str("'\n");
	}
	reply_free(&r);
	return 0;
}

/* Prints each field of an OK reply as a line, then frees the reply. */
static void print_lines(const struct qp_ctx *c, struct reply *r)
{
	for (uint32_t i = 0; i < r->m.nfields; i++) {
		out_text(c, r->m.fields[i].p, r->m.fields[i].len, 0);
		out_str("\n");
	}
	reply_free(r);
}

static int mv_cp(const struct qp_ctx *c, const struct qp_args *a, bool move)
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
			/* mv -i / cp -i's question; "no" leaves both as they are
			 * and, as there, is not an error */
			if (!yesno(c, move ? "mv: overwrite '" : "cp: overwrite '", a->pos[1], "'?"))
				return 0;
			force = true;
			continue;
		}
		if (r.m.code != PASS_OK)
			return fail_reply(c, &r);
		print_lines(c, &r);
		return 0;
	}
}

int cmd_mv(const struct qp_ctx *c, const struct qp_args *a)
{
	return mv_cp(c, a, true);
}

int cmd_cp(const struct qp_ctx *c, const struct qp_args *a)
{
	return mv_cp(c, a, false);
}

/* init: INIT [path, id...]; no id: the vault makes a key; "" de-inits */
int cmd_init(const struct qp_ctx *c, const struct qp_args *a)
{
	const char *f[PASS_MAX_REQ_FIELDS];
	size_t n = 0;
	f[n++] = a->path ? a->path : "";
	if (a->npos + 1 > PASS_MAX_REQ_FIELDS)
		return die(c, "Error: too many gpg-ids");
	for (size_t i = 0; i < a->npos; i++)
		f[n++] = a->pos[i];
	struct reply r;
	int rc = call_s(c, PASS_OP_INIT, f, n, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	print_lines(c, &r);
	return 0;
}
