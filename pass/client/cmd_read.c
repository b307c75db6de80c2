/* cmd_read: the commands that only read the store, all on ruddo.PassRead:
 * show (ls, list, a bare name; -c/-q with the line chosen in the vault),
 * find, grep, and git's log and status (git init goes to PassManage, as
 * passproto_op_service says). */
#include "pass/client/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tree_job {
	const struct qp_ctx *c;
	const struct pass_field *nodes;
	size_t n;
};

static int tree_job(void *arg, struct wbuf *b)
{
	const struct tree_job *j = arg;
	struct tree_opts o = {.utf8 = j->c->utf8, .text = j->c->out_text,
			      .colors = &j->c->colors};
	return render_tree(j->nodes, j->n, &o, b);
}

static int print_tree(const struct qp_ctx *c, const struct pass_field *nodes, size_t n)
{
	struct tree_job j = {c, nodes, n};
	struct wbuf b;
	int rc = render_retry(tree_job, &j, 4 * (size_t)PASS_MAX_MSG, false, &b);
	if (rc == RENDER_OK)
		out_wbuf(&b);
	wbuf_free(&b);
	if (rc == RENDER_MALFORMED)
		return die(c, "Error: malformed listing from %s", c->vault);
	if (rc != RENDER_OK)
		return die(c, "Error: out of memory");
	return 0;
}

/* The entry (or its line) on stdout, or to the clipboard or a QR code. */
static int use_secret(const struct qp_ctx *c, const struct qp_args *a, const char *name,
		      const struct pass_field *s)
{
	if (a->clip || a->qrcode) {
		size_t l = s->len;
		while (l && s->p[l - 1] == '\n') /* as $(...) in pass */
			l--;
		if (!l || memchr(s->p, '\n', l))
			return die(c, "There is no password to put on the clipboard at line %u.",
				   a->clip ? a->clip : a->qrcode);
		return a->clip ? clip_copy(c, name, s->p, l) : qrcode_show(c, name, s->p, l);
	}
	if (!(c->out_text & RT_TERMINAL)) {
		out_bytes(s->p, s->len);
		return 0;
	}
	struct wbuf b;
	wbuf_init_secret(&b, 4 * (size_t)PASS_MAX_MSG);
	int rc = render_text(s->p, s->len, c->out_text | RT_KEEP_NL, &b);
	if (rc == RENDER_OK)
		out_wbuf(&b);
	wbuf_free_secret(&b);
	return rc == RENDER_OK ? 0 : die(c, "Error: out of memory");
}

/* show: SHOW [name, line] on PassRead */
int cmd_show(const struct qp_ctx *c, const struct qp_args *a)
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
		/* pass: "Password Store", or the name without one trailing '/' */
		if (!name[0]) {
			out_str("Password Store\n");
		} else {
			size_t n = strlen(name);
			out_text(c, name, name[n - 1] == '/' ? n - 1 : n, 0);
			out_str("\n");
		}
		rc = print_tree(c, r.m.fields + 1, r.m.nfields - 1);
	} else if (r.m.nfields == 2 && field_is(&r.m.fields[0], "secret")) {
		rc = use_secret(c, a, name, &r.m.fields[1]);
	} else {
		rc = die(c, "Error: malformed reply from %s", c->vault);
	}
	reply_free(&r);
	return rc;
}

/* find: FIND [term...]; pass's "Search Terms: a,b" then the tree */
int cmd_find(const struct qp_ctx *c, const struct qp_args *a)
{
	struct reply r;
	int rc = call_s(c, PASS_OP_FIND, a->pos, a->npos, 0, &r);
	if (rc)
		return rc;
	out_str("Search Terms: ");
	for (size_t i = 0; i < a->npos; i++) {
		if (i)
			out_str(",");
		out_text(c, a->pos[i], strlen(a->pos[i]), 0);
	}
	out_str("\n");
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	rc = print_tree(c, r.m.fields, r.m.nfields);
	reply_free(&r);
	return rc;
}

/* grep: GREP [opts..., pattern]; per entry pass's blue folder, bold name,
 * then grep's coloured lines (only SGR sequences pass on a terminal) */
int cmd_grep(const struct qp_ctx *c, const struct qp_args *a)
{
	struct reply r;
	int rc = call_s(c, PASS_OP_GREP, a->pos, a->npos, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK)
		return fail_reply(c, &r);
	if (r.m.nfields % 2) {
		reply_free(&r);
		return die(c, "Error: malformed reply from %s", c->vault);
	}
	for (uint32_t i = 0; i + 1 < r.m.nfields; i += 2) {
		const struct pass_field *n = &r.m.fields[i], *o = &r.m.fields[i + 1];
		size_t dir = 0; /* "folder/" part */
		for (size_t k = n->len; k-- > 0;)
			if (n->p[k] == '/') {
				dir = k + 1;
				break;
			}
		out_str("\x1b[94m");
		out_text(c, n->p, dir, 0);
		out_str("\x1b[1m");
		out_text(c, n->p + dir, n->len - dir, 0);
		out_str("\x1b[0m:\n");
		size_t ol = o->len;
		while (ol && o->p[ol - 1] == '\n') /* echo "$(grep ...)" */
			ol--;
		struct wbuf b;
		wbuf_init_secret(&b, 4 * (size_t)PASS_MAX_MSG);
		if (render_text(o->p, ol, c->out_text | RT_KEEP_NL | RT_KEEP_SGR, &b) == RENDER_OK)
			out_wbuf(&b);
		wbuf_free_secret(&b);
		out_str("\n");
	}
	reply_free(&r);
	return 0;
}

/* git: GIT [args...]: init on PassManage, log and status on PassRead */
int cmd_git(const struct qp_ctx *c, const struct qp_args *a)
{
	struct reply r;
	int rc = call_s(c, PASS_OP_GIT, a->pos, a->npos, 0, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK && r.m.code != PASS_ERROR)
		return fail_reply(c, &r);
	if (r.m.nfields == 1)
		out_text(c, r.m.fields[0].p, r.m.fields[0].len, RT_KEEP_NL | RT_KEEP_SGR);
	rc = r.m.code == PASS_OK ? 0 : 1;
	reply_free(&r);
	return rc;
}
