/* qrexec-legacy-convert: turns the legacy Qubes 4.0 policy files
 * (/etc/qubes-rpc/policy/SERVICE[+ARG]) into 4.1 rules that evaluate
 * identically, and retires them.
 *
 * The converted rules take the place of the `!compat-4.0` line in each
 * policy file holding that directive, so they sit exactly where the
 * compat merge put them: every legacy file in merge order, each rule as
 * `SERVICE ARGUMENT SOURCE TARGET ACTION PARAMS` (the service-format
 * rewriting of $ to @ and commas to spaces applied), `$include:PATH` as
 * `!include-service SERVICE ARGUMENT ABSOLUTE_PATH`, comments kept, and
 * after each SERVICE+ARG file the two implicit deny rules the merge adds.
 *
 * Before anything is written, the change is checked: the policy as it is
 * and the policy with the rewritten files (given to the loader as
 * overrides, the legacy directory replaced by an empty one and the legacy
 * files marked as removed) are evaluated for every service and argument
 * of the legacy files (plus the empty argument, one named nowhere and
 * every argument the policy names for those services) x every source
 * domain x every target (domains, their uuid: forms, @default, @dispvm,
 * @dispvm:TEMPLATE, @adminvm, dom0): the verdict, target, user,
 * autostart, notify, the ask targets and default, and the replies of
 * qrexec-policy-exec --just-evaluate, plain and --assume-yes-for-ask must
 * all be equal. Only then is each changed file backed up as FILE.bak
 * (FILE.bak.bak... when taken) and rewritten atomically, and each legacy
 * file renamed to FILE.rpmsave (which the compat loader ignores). The
 * result is checked once more against the real files; a difference rolls
 * everything back. The policy directory is flocked throughout, as the
 * policy admin API does.
 *
 * The system info comes from --system-info FILE or bulkheadd. Only the
 * one policy directory is loaded (not /run/qubes/policy.d). Exit status:
 * 0 converted (or nothing to convert), 1 refused or failed (nothing
 * changed), 2 usage error. */
#include "lib/arena.h"
#include "lib/buf.h"
#include "policy/admin.h"
#include "policy/compat40.h"
#include "policy/eval.h"
#include "policy/parser.h"
#include "policy/tools/common.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROG "qrexec-legacy-convert"
#define MAX_DIFFS_SHOWN 10
#define UNLISTED_ARG "+qrexec-legacy-convert.unlisted"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [options]\n"
		"Converts the legacy 4.0 policy files into 4.1 rules in place of the\n"
		"!compat-4.0 directive, after checking that every decision stays the same.\n"
		"  --policy-dir DIR     policy directory (default %s)\n"
		"  --compat-path DIR    legacy policy directory (default %s)\n"
		"  --system-info FILE   system info JSON instead of asking bulkheadd\n"
		"  --qubesd-socket P    bulkheadd's internal socket\n"
		"  --dry-run            print the converted file(s); change nothing\n"
		"  -h, --help           this text\n", POLICY_ETC_DIR, POLICY_COMPAT_DIR);
}

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- text ---- */

/* a growing string with a sticky failure flag */
struct out {
	struct wbuf b;
	bool fail;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (!o->fail && wbuf_put_bytes(&o->b, s, n) != BUF_OK)
		o->fail = true;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->fail = true;
		return;
	}
	put(o, s, (size_t)n);
	free(s);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* Lines as the parser splits them (\n, \r\n or \r): [*start, *end) is the
 * line, *next where the following one starts. Returns false at the end. */
static bool next_line(const char *t, size_t len, size_t *pos, size_t *start, size_t *end,
		      size_t *next)
{
	size_t i = *pos;
	if (i >= len)
		return false;
	*start = i;
	while (i < len && t[i] != '\n' && t[i] != '\r')
		i++;
	*end = i;
	if (i < len) {
		if (t[i] == '\r' && i + 1 < len && t[i + 1] == '\n')
			i++;
		i++;
	}
	*next = *pos = i;
	return true;
}

static void strip(const char *t, size_t *s, size_t *e)
{
	while (*s < *e && is_space(t[*s]))
		(*s)++;
	while (*e > *s && is_space(t[*e - 1]))
		(*e)--;
}

/* Whether the line [s, e) is a `!compat-4.0` directive. (A loaded policy
 * has no parameters after it.) */
static bool is_compat_line(const char *t, size_t s, size_t e)
{
	strip(t, &s, &e);
	return e - s >= 11 && memcmp(t + s, "!compat-4.0", 11) == 0 &&
	       (e - s == 11 || is_space(t[s + 11]));
}

static bool has_compat_line(const char *t, size_t len)
{
	size_t pos = 0, s, e, nx;
	while (next_line(t, len, &pos, &s, &e, &nx))
		if (is_compat_line(t, s, e))
			return true;
	return false;
}

/* The service-format line [s, e) as a 4.1 rule body: the parser's
 * rewriting ("$include:" -> "!include ", "$" -> "@", "," -> " "), fields
 * joined by single spaces. */
static void put_service_line(struct out *o, const char *t, size_t s, size_t e)
{
	bool sep = false, infield = false;
	for (size_t i = s; i < e; i++) {
		const char *rep = NULL;
		char ch[2] = {t[i], 0};
		if (e - i >= 9 && memcmp(t + i, "$include:", 9) == 0) {
			rep = "!include ";
			i += 8;
		} else if (t[i] == '$') {
			rep = "@";
		} else if (t[i] == ',') {
			rep = " ";
		} else {
			rep = ch;
		}
		for (const char *r = rep; *r; r++) {
			if (is_space(*r)) {
				if (infield)
					sep = true;
				infield = false;
				continue;
			}
			if (sep)
				put(o, " ", 1);
			sep = false;
			infield = true;
			put(o, r, 1);
		}
	}
}

/* ---- the legacy files ---- */

struct legacy {
	struct compat40_entry e;
	char path[PATH_MAX];
	const char *svc, *arg;  /* checked; arg NULL for any */
};

enum lkind { L_OTHER, L_RULE, L_INCLUDE };

struct lparse {
	enum lkind *kind;       /* by line (1-based) */
	const char **incpath;   /* by line, for L_INCLUDE */
	size_t nlines;
	char msg[1024];
	unsigned errline;
	const char *file;
};

static int lp_rule(void *ctx, const struct rule *r)
{
	struct lparse *lp = ctx;
	if (r->line >= 1 && r->line <= lp->nlines)
		lp->kind[r->line] = L_RULE;
	return 0;
}

static int lp_directive(void *ctx, const struct pdirective_args *d, unsigned line)
{
	struct lparse *lp = ctx;
	if (line >= 1 && line <= lp->nlines && d->path) {
		lp->kind[line] = L_INCLUDE;
		lp->incpath[line] = d->path;
	}
	return 0;
}

static int lp_error(void *ctx, unsigned line, const char *msg)
{
	struct lparse *lp = ctx;
	lp->errline = line;
	snprintf(lp->msg, sizeof lp->msg, "%s", msg);
	return -1;
}

/* Appends the converted form of one legacy file to o. */
static int convert_legacy(const struct legacy *l, const char *compat_real, struct out *o)
{
	char *data;
	size_t len;
	if (padmin_read_file(l->path, POLICY_FILE_MAX, &data, &len) < 0) {
		err("cannot read %s: %s", l->path, strerror(errno));
		return -1;
	}
	size_t nlines = 0, pos = 0, s, e, nx;
	while (next_line(data, len, &pos, &s, &e, &nx))
		nlines++;
	struct lparse lp = {.nlines = nlines, .file = l->path};
	lp.kind = calloc(nlines + 1, sizeof *lp.kind);
	lp.incpath = calloc(nlines + 1, sizeof *lp.incpath);
	struct arena a;
	arena_init(&a);
	int rc = -1;
	if (!lp.kind || !lp.incpath) {
		err("out of memory");
		goto out;
	}
	struct pparse_ops ops = {.ctx = &lp, .rule = lp_rule, .directive = lp_directive,
				 .error = lp_error};
	if (policy_parse_text(data, len, l->path, PFMT_SERVICE, l->svc, l->arg, &a, &ops) < 0) {
		err("%s:%u: %s", l->path, lp.errline, lp.msg[0] ? lp.msg : "failed to parse");
		goto out;
	}
	const char *svc = l->svc ? l->svc : "*", *arg = l->arg ? l->arg : "*";
	putf(o, "# --- %s (%s, %s)\n", l->path, svc,
	     l->arg ? "this argument only" : "any argument");
	pos = 0;
	for (size_t ln = 1; next_line(data, len, &pos, &s, &e, &nx); ln++) {
		strip(data, &s, &e);
		if (lp.kind[ln] == L_RULE) {
			putf(o, "%s %s ", svc, arg);
			put_service_line(o, data, s, e);
			put(o, "\n", 1);
		} else if (lp.kind[ln] == L_INCLUDE) {
			const char *p = lp.incpath[ln];
			if (p[0] == '/')
				putf(o, "!include-service %s %s %s\n", svc, arg, p);
			else
				putf(o, "!include-service %s %s %s/%s\n", svc, arg, compat_real, p);
		} else if (e > s && data[s] == '#') {
			put(o, data + s, e - s);
			put(o, "\n", 1);
		}
	}
	if (l->arg) {
		puts_(o, "# the implicit denies of the 4.0 format after an argument-specific "
			 "file\n");
		putf(o, "%s %s @anyvm @anyvm deny\n", svc, arg);
		putf(o, "%s %s @anyvm @adminvm deny\n", svc, arg);
	}
	rc = 0;
out:
	arena_free(&a);
	free(lp.kind);
	free(lp.incpath);
	free(data);
	return rc;
}

/* ---- the files holding !compat-4.0 ---- */

struct target {
	char *path;             /* as the loader names it (for overrides) */
	char *real;             /* symlinks resolved (what is written) */
	char *orig;
	size_t olen;
	char *text;             /* rewritten */
	size_t tlen;
	struct stat st;
	char *backup;           /* once written */
	bool written;
};

/* Replaces each !compat-4.0 line of t->orig by block. */
static int rewrite(struct target *t, const char *block, size_t blen)
{
	struct out o = {0};
	wbuf_init(&o.b, 2 * (size_t)POLICY_FILE_MAX);
	size_t pos = 0, s, e, nx;
	while (next_line(t->orig, t->olen, &pos, &s, &e, &nx)) {
		if (is_compat_line(t->orig, s, e)) {
			/* the block ends with a newline; the line's own ending
			 * (if any) replaces it */
			put(&o, block, nx > e && blen ? blen - 1 : blen);
			put(&o, t->orig + e, nx - e);
		} else {
			put(&o, t->orig + s, nx - s);
		}
	}
	if (o.fail) {
		wbuf_free(&o.b);
		err("%s: the converted file is too large", t->path);
		return -1;
	}
	put(&o, "", 1); /* NUL */
	if (o.fail) {
		wbuf_free(&o.b);
		err("out of memory");
		return -1;
	}
	t->text = (char *)o.b.p;
	t->tlen = o.b.len - 1;
	return 0;
}

/* ---- verification ---- */

struct strs {
	const char **v;
	size_t n, cap;
};

static int strs_add(struct strs *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return 0;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 16;
		const char **nv = realloc(s->v, nc * sizeof *nv);
		if (!nv)
			return -1;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = x;
	return 0;
}

struct svc_args {
	const char *service;
	struct strs args;
};

struct requests {
	struct svc_args *svcs;
	size_t nsvcs;
	struct strs sources, targets;
	struct arena a;
};

static void requests_free(struct requests *r)
{
	for (size_t i = 0; i < r->nsvcs; i++)
		free(r->svcs[i].args.v);
	free(r->svcs);
	free(r->sources.v);
	free(r->targets.v);
	arena_free(&r->a);
}

static int build_requests(struct requests *r, const struct legacy *lg, size_t nlg,
			  const struct policy *before, const struct sysinfo *si)
{
	arena_init(&r->a);
	r->svcs = calloc(nlg ? nlg : 1, sizeof *r->svcs);
	if (!r->svcs)
		return -1;
	for (size_t i = 0; i < nlg; i++) {
		struct svc_args *sa = NULL;
		for (size_t k = 0; k < r->nsvcs && !sa; k++)
			if (strcmp(r->svcs[k].service, lg[i].e.service) == 0)
				sa = &r->svcs[k];
		if (!sa) {
			sa = &r->svcs[r->nsvcs++];
			sa->service = lg[i].e.service;
			if (strs_add(&sa->args, "+") < 0 || strs_add(&sa->args, UNLISTED_ARG) < 0)
				return -1;
		}
		if (lg[i].e.argument && strs_add(&sa->args, lg[i].e.argument) < 0)
			return -1;
	}
	/* every argument the policy names for these services */
	for (size_t i = 0; i < before->nrules; i++) {
		const struct rule *ru = &before->rules[i];
		if (!ru->service || !ru->argument)
			continue;
		for (size_t k = 0; k < r->nsvcs; k++)
			if (strcmp(r->svcs[k].service, ru->service) == 0 &&
			    strs_add(&r->svcs[k].args, ru->argument) < 0)
				return -1;
	}
	static const char *const kw[] = {"@default", "@dispvm", "@adminvm", "dom0"};
	for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
		if (strs_add(&r->targets, kw[i]) < 0)
			return -1;
	for (size_t i = 0; i < si->n; i++) {
		const struct si_domain *d = &si->doms[i];
		if (strs_add(&r->sources, d->name) < 0 || strs_add(&r->targets, d->name) < 0)
			return -1;
		if (d->uuid) {
			const char *u = arena_printf(&r->a, "uuid:%s", d->uuid);
			if (!u || strs_add(&r->targets, u) < 0)
				return -1;
		}
		if (d->template_for_dispvms) {
			const char *t = arena_printf(&r->a, "@dispvm:%s", d->name);
			if (!t || strs_add(&r->targets, t) < 0)
				return -1;
		}
	}
	return 0;
}

static void put_flat(struct out *o, const char *s)
{
	for (; s && *s; s++)
		put(o, *s == '\n' ? " " : s, 1);
}

/* Everything a decision consists of, as one string (malloc'd); *where
 * gets the deciding rule (for messages). */
static char *decision(const struct policy *p, const struct sysinfo *si,
		      const struct pol_request *rq, char *where, size_t wlen)
{
	struct out o = {0};
	wbuf_init(&o.b, 1u << 20);
	struct pol_result res;
	pol_evaluate(p, si, rq, &res, NULL, NULL);
	static const char *const vn[] = {"deny", "allow", "ask"};
	puts_(&o, vn[res.verdict]);
	if (res.verdict != POL_DENY)
		putf(&o, " target=%s user=%s autostart=%s", res.target ? res.target : "-",
		     res.user && res.user[0] ? res.user : "DEFAULT", res.autostart ? "yes" : "no");
	putf(&o, " notify=%s", res.notify ? "yes" : "no");
	if (res.verdict == POL_ASK) {
		puts_(&o, " targets=[");
		for (size_t i = 0; i < res.ntargets; i++)
			putf(&o, "%s%s", i ? "," : "", res.targets[i]);
		putf(&o, "] default_target=%s", res.default_target ? res.default_target : "-");
	}
	if (res.rule && res.rule->line)
		snprintf(where, wlen, "%s:%u", res.rule->file, res.rule->line);
	else if (res.rule)
		snprintf(where, wlen, "%s (implicit deny)", res.rule->file);
	else
		snprintf(where, wlen, "no rule");
	pol_result_free(&res);
	static const bool modes[3][2] = {{true, false}, {false, false}, {false, true}};
	static const char *const mname[3] = {"just-evaluate", "reply", "assume-yes"};
	for (int m = 0; m < 3; m++) {
		const char *reply = pol_decide(p, si, rq, modes[m][0], modes[m][1], &res);
		putf(&o, "; %s: ", mname[m]);
		put_flat(&o, reply);
		pol_result_free(&res);
	}
	put(&o, "", 1);
	if (o.fail) {
		wbuf_free(&o.b);
		return NULL;
	}
	return (char *)o.b.p;
}

/* Compares the decisions of a and b for every request. Returns the
 * number of differences (the first few printed), or -1 when out of
 * memory; *total gets the number of requests. */
static long compare(const struct policy *a, const struct policy *b, const struct sysinfo *si,
		    const struct requests *rs, const char *aname, const char *bname,
		    unsigned long *total)
{
	long diffs = 0;
	*total = 0;
	for (size_t i = 0; i < rs->nsvcs; i++) {
		const struct svc_args *sa = &rs->svcs[i];
		for (size_t k = 0; k < sa->args.n; k++)
			for (size_t s = 0; s < rs->sources.n; s++)
				for (size_t t = 0; t < rs->targets.n; t++) {
					struct pol_request rq = {
						.service = sa->service, .argument = sa->args.v[k],
						.source = rs->sources.v[s], .target = rs->targets.v[t]};
					char wa[PATH_MAX + 64], wb[PATH_MAX + 64];
					char *da = decision(a, si, &rq, wa, sizeof wa);
					char *db = decision(b, si, &rq, wb, sizeof wb);
					if (!da || !db) {
						free(da);
						free(db);
						return -1;
					}
					(*total)++;
					if (strcmp(da, db) != 0) {
						if (diffs < MAX_DIFFS_SHOWN)
							fprintf(stderr,
								"  %s -> %s %s%s:\n"
								"    %s: %s (%s)\n"
								"    %s: %s (%s)\n",
								rq.source, rq.target, rq.service,
								strcmp(rq.argument, "+") ? rq.argument : "",
								aname, da, wa, bname, db, wb);
						diffs++;
					}
					free(da);
					free(db);
				}
	}
	return diffs;
}

/* ---- main ---- */

struct state {
	char dir[PATH_MAX], compat[PATH_MAX];
	struct legacy *lg;
	size_t nlg;
	struct target *tg;
	size_t ntg;
	char **renamed;          /* the new names of the renamed legacy files */
	size_t nrenamed;
};

/* NAME + suffix, + suffix again while that exists (malloc'd). */
static char *free_name(const char *path, const char *suffix)
{
	size_t cap = strlen(path) + strlen(suffix) * 8 + 1;
	char *s = malloc(cap);
	if (!s)
		return NULL;
	snprintf(s, cap, "%s%s", path, suffix);
	struct stat st;
	for (int i = 1; lstat(s, &st) == 0; i++) {
		if (i >= 8) {
			free(s);
			errno = EEXIST;
			return NULL;
		}
		strcat(s, suffix);
	}
	return s;
}

static void rollback(struct state *S)
{
	for (size_t i = 0; i < S->nrenamed; i++)
		if (rename(S->renamed[i], S->lg[i].path) < 0)
			err("ROLLBACK: cannot rename %s back to %s: %s", S->renamed[i],
			    S->lg[i].path, strerror(errno));
	for (size_t i = 0; i < S->ntg; i++) {
		struct target *t = &S->tg[i];
		char e[2048];
		if (t->written &&
		    padmin_write_atomic(t->real, t->orig, t->olen, t->st.st_mode & 07777,
					t->st.st_uid, t->st.st_gid, e, sizeof e) < 0)
			err("ROLLBACK: %s (the original is in %s)", e, t->backup);
	}
}

/* Backs up and rewrites the files, renames the legacy ones. */
static int apply(struct state *S)
{
	char e[2048];
	for (size_t i = 0; i < S->ntg; i++) {
		struct target *t = &S->tg[i];
		mode_t mode = t->st.st_mode & 07777;
		if (!(t->backup = free_name(t->real, ".bak"))) {
			err("no free backup name for %s: %s", t->real, strerror(errno));
			return -1;
		}
		if (padmin_write_atomic(t->backup, t->orig, t->olen, mode, t->st.st_uid,
					t->st.st_gid, e, sizeof e) < 0) {
			err("backup: %s", e);
			return -1;
		}
		if (padmin_write_atomic(t->real, t->text, t->tlen, mode, t->st.st_uid,
					t->st.st_gid, e, sizeof e) < 0) {
			err("%s", e);
			return -1;
		}
		t->written = true;
		printf("Wrote %s (backup: %s)\n", t->real, t->backup);
	}
	S->renamed = calloc(S->nlg ? S->nlg : 1, sizeof *S->renamed);
	if (!S->renamed) {
		err("out of memory");
		return -1;
	}
	for (size_t i = 0; i < S->nlg; i++) {
		char *dst = free_name(S->lg[i].path, ".rpmsave");
		if (!dst) {
			err("no free name to retire %s: %s", S->lg[i].path, strerror(errno));
			return -1;
		}
		if (rename(S->lg[i].path, dst) < 0) {
			err("cannot rename %s to %s: %s", S->lg[i].path, dst, strerror(errno));
			free(dst);
			return -1;
		}
		S->renamed[S->nrenamed++] = dst;
		printf("Renamed %s to %s\n", S->lg[i].path, dst);
	}
	if (S->nlg && padmin_sync_parent(S->lg[0].path) < 0) {
		err("fsync of %s failed: %s", S->compat, strerror(errno));
		return -1;
	}
	return 0;
}

static void state_free(struct state *S)
{
	for (size_t i = 0; i < S->nlg; i++)
		compat40_entry_free(&S->lg[i].e);
	free(S->lg);
	for (size_t i = 0; i < S->ntg; i++) {
		free(S->tg[i].path);
		free(S->tg[i].real);
		free(S->tg[i].orig);
		free(S->tg[i].text);
		free(S->tg[i].backup);
	}
	free(S->tg);
	for (size_t i = 0; i < S->nrenamed; i++)
		free(S->renamed[i]);
	free(S->renamed);
}

/* Lists the legacy files. Returns 0, or -1 after a message. */
static int list_legacy(struct state *S)
{
	struct compat40_entry *v;
	size_t n;
	if (compat40_list(S->compat, &v, &n) < 0) {
		err("cannot list %s: %s", S->compat, strerror(errno));
		return -1;
	}
	S->lg = calloc(n ? n : 1, sizeof *S->lg);
	if (!S->lg) {
		compat40_list_free(v, n);
		err("out of memory");
		return -1;
	}
	/* the entries' strings now belong to S->lg */
	for (size_t i = 0; i < n; i++)
		S->lg[i].e = v[i];
	S->nlg = n;
	free(v);
	for (size_t i = 0; i < n; i++) {
		struct legacy *l = &S->lg[i];
		snprintf(l->path, sizeof l->path, "%s/%s", S->compat, l->e.name);
		char e[1024];
		if (rule_check_service_arg(l->e.service, l->e.argument ? l->e.argument : "*",
					   &l->svc, &l->arg, e, sizeof e) < 0) {
			err("%s: %s", l->path, e);
			return -1;
		}
	}
	return 0;
}

/* The files of the loaded policy holding !compat-4.0. */
static int find_targets(struct state *S, const struct policy *p)
{
	S->tg = calloc(p->npaths ? p->npaths : 1, sizeof *S->tg);
	if (!S->tg) {
		err("out of memory");
		return -1;
	}
	size_t cl = strlen(S->compat);
	for (size_t i = 0; i < p->npaths; i++) {
		const char *path = p->paths[i];
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (strncmp(path, S->compat, cl) == 0 && path[cl] == '/')
			continue; /* legacy files cannot hold the directive */
		char *data;
		size_t len;
		if (padmin_read_file(path, POLICY_FILE_MAX, &data, &len) < 0) {
			err("cannot read %s: %s", path, strerror(errno));
			return -1;
		}
		if (!has_compat_line(data, len)) {
			free(data);
			continue;
		}
		struct target *t = &S->tg[S->ntg++];
		t->path = strdup(path);
		t->real = realpath(path, NULL);
		t->orig = data;
		t->olen = len;
		t->st = st;
		if (!t->path || !t->real) {
			err("%s: %s", path, t->path ? strerror(errno) : "out of memory");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *policy_dir = POLICY_ETC_DIR, *compat_dir = POLICY_COMPAT_DIR;
	struct tool_src src = {0};
	bool dry_run = false;
	static const struct option opts[] = {
		{"policy-dir", required_argument, 0, 'p'},
		{"compat-path", required_argument, 0, 'c'},
		{"system-info", required_argument, 0, 's'},
		{"qubesd-socket", required_argument, 0, 'q'},
		{"dry-run", no_argument, 0, 'n'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': policy_dir = optarg; break;
		case 'c': compat_dir = optarg; break;
		case 's': src.system_info = optarg; break;
		case 'q': src.qubesd_socket = optarg; break;
		case 'n': dry_run = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	struct state S = {0};
	int rc = 1, lock = -1;
	struct policy *before = NULL, *after = NULL, *now = NULL;
	struct sysinfo *si = NULL;
	struct requests rs = {0};
	char *block = NULL;
	struct policy_override *ov = NULL;
	char empty[] = "/tmp/qrexec-legacy-convert.XXXXXX";
	bool empty_made = false;
	char e[4096];

	if (!realpath(policy_dir, S.dir)) {
		err("policy directory %s: %s", policy_dir, strerror(errno));
		goto out;
	}
	if ((lock = padmin_lock_dir(S.dir)) < 0) {
		err("cannot lock %s: %s", S.dir, strerror(errno));
		goto out;
	}
	if (!realpath(compat_dir, S.compat)) {
		if (errno == ENOENT) {
			printf("No legacy policy directory %s: nothing to convert.\n", compat_dir);
			rc = 0;
		} else {
			err("legacy policy directory %s: %s", compat_dir, strerror(errno));
		}
		goto out;
	}
	if (list_legacy(&S) < 0)
		goto out;
	if (S.nlg == 0) {
		printf("No legacy policy files in %s: nothing to convert.\n", S.compat);
		rc = 0;
		goto out;
	}

	const char *dirs[1] = {S.dir};
	struct policy_load_opts lo = {.dirs = dirs, .ndirs = 1, .compat_dir = S.compat};
	if (!(before = policy_load(&lo, e, sizeof e))) {
		err("the current policy does not load, fix it first: %s", e);
		goto out;
	}
	if (find_targets(&S, before) < 0)
		goto out;
	if (S.ntg == 0) {
		printf("No policy file in %s has !compat-4.0, so the %zu legacy file(s) in %s "
		       "are not used: nothing to convert.\n", S.dir, S.nlg, S.compat);
		rc = 0;
		goto out;
	}
	if (!(si = tool_load_sysinfo(&src, e, sizeof e))) {
		err("cannot get the system info (use --system-info FILE): %s", e);
		goto out;
	}

	/* the converted rules, once for every !compat-4.0 line */
	struct out bo = {0};
	wbuf_init(&bo.b, 2 * (size_t)POLICY_FILE_MAX);
	putf(&bo, "# qrexec-legacy-convert: the legacy 4.0 policy of %s, which\n"
		  "# \"!compat-4.0\" included here, converted in the same order.\n", S.compat);
	for (size_t i = 0; i < S.nlg; i++)
		if (convert_legacy(&S.lg[i], S.compat, &bo) < 0) {
			wbuf_free(&bo.b);
			goto out;
		}
	puts_(&bo, "# qrexec-legacy-convert: end of the converted legacy policy\n");
	put(&bo, "", 1);
	if (bo.fail) {
		wbuf_free(&bo.b);
		err("the converted rules are too large");
		goto out;
	}
	block = (char *)bo.b.p;
	for (size_t i = 0; i < S.ntg; i++)
		if (rewrite(&S.tg[i], block, strlen(block)) < 0)
			goto out;

	/* the policy as it will be: rewritten files, legacy files gone */
	if (!mkdtemp(empty)) {
		err("cannot create an empty directory in /tmp: %s", strerror(errno));
		goto out;
	}
	empty_made = true;
	ov = calloc(S.ntg + S.nlg, sizeof *ov);
	if (!ov) {
		err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < S.ntg; i++)
		ov[i] = (struct policy_override){S.tg[i].path, S.tg[i].text, S.tg[i].tlen};
	for (size_t i = 0; i < S.nlg; i++)
		ov[S.ntg + i] = (struct policy_override){S.lg[i].path, NULL, 0};
	struct policy_load_opts lo2 = {.dirs = dirs, .ndirs = 1, .compat_dir = empty,
				       .overrides = ov, .noverrides = S.ntg + S.nlg};
	if (!(after = policy_load(&lo2, e, sizeof e))) {
		err("the converted policy would not load, nothing changed: %s", e);
		goto out;
	}

	if (build_requests(&rs, S.lg, S.nlg, before, si) < 0) {
		err("out of memory");
		goto out;
	}
	unsigned long total;
	long diffs = compare(before, after, si, &rs, "before", "after", &total);
	if (diffs < 0) {
		err("out of memory");
		goto out;
	}
	if (diffs > 0) {
		err("%ld of %lu decisions would change (the first %d are above); nothing changed",
		    diffs, total, diffs < MAX_DIFFS_SHOWN ? (int)diffs : MAX_DIFFS_SHOWN);
		goto out;
	}
	printf("Checked %lu decisions (%zu services): all identical after the conversion.\n",
	       total, rs.nsvcs);

	if (dry_run) {
		for (size_t i = 0; i < S.ntg; i++) {
			printf("=== %s (converted) ===\n", S.tg[i].path);
			fwrite(S.tg[i].text, 1, S.tg[i].tlen, stdout);
			if (S.tg[i].tlen && S.tg[i].text[S.tg[i].tlen - 1] != '\n')
				putchar('\n');
			printf("=== end of %s ===\n", S.tg[i].path);
		}
		for (size_t i = 0; i < S.nlg; i++)
			printf("Would rename %s to %s.rpmsave\n", S.lg[i].path, S.lg[i].path);
		printf("Dry run: nothing changed.\n");
		rc = 0;
		goto out;
	}

	if (apply(&S) < 0) {
		rollback(&S);
		err("conversion failed and was rolled back");
		goto out;
	}
	/* the real files, once more */
	struct policy_load_opts lo3 = {.dirs = dirs, .ndirs = 1, .compat_dir = S.compat};
	if (!(now = policy_load(&lo3, e, sizeof e))) {
		err("the converted policy does not load: %s", e);
		rollback(&S);
		err("conversion rolled back");
		goto out;
	}
	diffs = compare(before, now, si, &rs, "before", "now", &total);
	if (diffs != 0) {
		err("the converted policy decides differently (changed meanwhile?)");
		rollback(&S);
		err("conversion rolled back");
		goto out;
	}
	printf("Converted %zu legacy file(s) into %zu policy file(s).\n", S.nlg, S.ntg);
	rc = 0;
out:
	if (empty_made)
		rmdir(empty);
	free(ov);
	free(block);
	requests_free(&rs);
	policy_free(before);
	policy_free(after);
	policy_free(now);
	sysinfo_free(si);
	state_free(&S);
	if (lock >= 0)
		close(lock);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
