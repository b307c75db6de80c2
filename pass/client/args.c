/* args: qvm-pass's command line (see args.h). */
#include "pass/client/args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *word;
	enum qp_cmd cmd;
} WORDS[] = {
	{"init", QP_INIT}, {"help", QP_HELP}, {"--help", QP_HELP}, {"-h", QP_HELP},
	{"version", QP_VERSION}, {"--version", QP_VERSION}, {"show", QP_SHOW},
	{"ls", QP_SHOW}, {"list", QP_SHOW}, {"find", QP_FIND}, {"search", QP_FIND},
	{"grep", QP_GREP}, {"insert", QP_INSERT}, {"add", QP_INSERT}, {"edit", QP_EDIT},
	{"generate", QP_GENERATE}, {"delete", QP_RM}, {"rm", QP_RM}, {"remove", QP_RM},
	{"rename", QP_MV}, {"mv", QP_MV}, {"copy", QP_CP}, {"cp", QP_CP}, {"git", QP_GIT},
	{"get-or-generate", QP_GETGEN},
};

const char *qp_word(enum qp_cmd c)
{
	static const char *const w[] = {
		[QP_SHOW] = "show", [QP_FIND] = "find", [QP_GREP] = "grep",
		[QP_INSERT] = "insert", [QP_EDIT] = "edit", [QP_GENERATE] = "generate",
		[QP_RM] = "rm", [QP_MV] = "mv", [QP_CP] = "cp", [QP_INIT] = "init",
		[QP_GIT] = "git", [QP_HELP] = "help", [QP_VERSION] = "version",
		[QP_GETGEN] = "get-or-generate",
	};
	return (unsigned)c < sizeof w / sizeof *w ? w[c] : "";
}

const char *qp_usage(enum qp_cmd c)
{
	switch (c) {
	case QP_INIT: return "[--path=subfolder,-p subfolder] [gpg-id...]";
	case QP_SHOW: return "[--clip[=line-number],-c[line-number]] "
			     "[--qrcode[=line-number],-q[line-number]] [pass-name]";
	case QP_FIND: return "pass-names...";
	case QP_GREP: return "[GREPOPTIONS] search-string";
	case QP_INSERT: return "[--echo,-e | --multiline,-m] [--force,-f] pass-name";
	case QP_EDIT: return "pass-name";
	case QP_GENERATE: return "[--no-symbols,-n] [--clip,-c] [--qrcode,-q] "
				 "[--in-place,-i | --force,-f] pass-name [pass-length]";
	case QP_RM: return "[--recursive,-r] [--force,-f] pass-name";
	case QP_MV: return "[--force,-f] old-path new-path";
	case QP_CP: return "[--force,-f] old-path new-path";
	case QP_GIT: return "init | log [git-log-args...] | status [git-status-args...]";
	case QP_GETGEN: return "[--no-symbols,-n] [--clip,-c] [--qrcode,-q] pass-name "
			       "[pass-length]";
	case QP_HELP: return "";
	case QP_VERSION: return "";
	}
	return "";
}

/* Which short options a command takes. */
static bool takes(enum qp_cmd c, char o)
{
	switch (c) {
	case QP_SHOW: return o == 'c' || o == 'q';
	case QP_INSERT: return o == 'e' || o == 'm' || o == 'f';
	case QP_GENERATE: return o == 'n' || o == 'c' || o == 'q' || o == 'i' || o == 'f';
	case QP_GETGEN: return o == 'n' || o == 'c' || o == 'q';
	case QP_RM: return o == 'r' || o == 'f';
	case QP_MV: case QP_CP: return o == 'f';
	case QP_INIT: return o == 'p';
	default: return false;
	}
}

static const struct {
	const char *name;
	char o;
} LONGS[] = {
	{"clip", 'c'}, {"qrcode", 'q'}, {"echo", 'e'}, {"multiline", 'm'}, {"force", 'f'},
	{"no-symbols", 'n'}, {"in-place", 'i'}, {"recursive", 'r'}, {"path", 'p'},
};

struct parse {
	struct qp_args *a;
	const char *prog, *word;
	char *err;
	size_t errlen;
	size_t used; /* bytes of err already written (a getopt complaint) */
};

/* getopt's complaint, then the usage line follows */
__attribute__((format(printf, 2, 3)))
static void complain(struct parse *p, const char *fmt, ...)
{
	if (p->used)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	p->used = n < 0 ? 0 : (size_t)n < p->errlen ? (size_t)n : p->errlen - 1;
}

static int usage(struct parse *p)
{
	size_t off = p->used;
	if (off && off + 1 < p->errlen)
		p->err[off++] = '\n';
	if (off < p->errlen)
		snprintf(p->err + off, p->errlen - off, "Usage: %s %s %s", p->prog, p->word,
			 qp_usage(p->a->cmd));
	return -1;
}

/* An optional line number: "" is 1, digits are the number (0 is 1, as
 * pass's tail -n +0 | head -n 1). */
static int line_arg(struct parse *p, const char *s, unsigned *out)
{
	if (!s || !*s) {
		*out = 1;
		return 0;
	}
	unsigned long long v = 0;
	for (const char *q = s; *q; q++) {
		if (*q < '0' || *q > '9') {
			snprintf(p->err, p->errlen, "Clip location '%.200s' is not a number.", s);
			return -1;
		}
		v = v * 10 + (unsigned)(*q - '0');
		if (v > 4294967295ull)
			v = 4294967295ull;
	}
	*out = v ? (unsigned)v : 1;
	return 0;
}

static int set_flag(struct parse *p, char o, const char *val)
{
	struct qp_args *a = p->a;
	switch (o) {
	case 'c':
		if (a->cmd == QP_SHOW)
			return line_arg(p, val, &a->clip);
		a->clip = 1;
		return 0;
	case 'q':
		if (a->cmd == QP_SHOW)
			return line_arg(p, val, &a->qrcode);
		a->qrcode = 1;
		return 0;
	case 'e': a->echo = true; return 0;
	case 'm': a->multiline = true; return 0;
	case 'f': a->force = true; return 0;
	case 'n': a->no_symbols = true; return 0;
	case 'i': a->in_place = true; return 0;
	case 'r': a->recursive = true; return 0;
	case 'p': a->path = val; return 0;
	}
	return usage(p);
}

static int add_pos(struct parse *p, const char *s)
{
	if (p->a->npos == QP_MAX_POS) {
		snprintf(p->err, p->errlen, "Error: too many arguments");
		return -1;
	}
	p->a->pos[p->a->npos++] = s;
	return 0;
}

/* One "--name[=value]" word; *i may advance for "--path VALUE". */
static int long_opt(struct parse *p, const char *const *rest, size_t nrest, size_t *i)
{
	const char *s = rest[*i];
	const char *name = s + 2, *eq = strchr(name, '=');
	size_t nl = eq ? (size_t)(eq - name) : strlen(name);
	char o = 0;
	size_t matches = 0;
	for (size_t l = 0; l < sizeof LONGS / sizeof LONGS[0]; l++) {
		if (!takes(p->a->cmd, LONGS[l].o) || strncmp(LONGS[l].name, name, nl))
			continue;
		o = LONGS[l].o;
		if (strlen(LONGS[l].name) == nl) {
			matches = 1;
			break;
		}
		matches++;
	}
	if (matches == 0) {
		complain(p, "%s: unrecognized option '--%.*s'", p->prog, (int)(nl > 200 ? 200 : nl),
			 name);
		return usage(p);
	}
	if (matches > 1) {
		complain(p, "%s: option '--%.*s' is ambiguous", p->prog, (int)(nl > 200 ? 200 : nl),
			 name);
		return usage(p);
	}
	const char *full = "";
	for (size_t l = 0; l < sizeof LONGS / sizeof LONGS[0]; l++)
		if (LONGS[l].o == o)
			full = LONGS[l].name;
	bool optional = (o == 'c' || o == 'q') && p->a->cmd == QP_SHOW;
	const char *val = eq ? eq + 1 : NULL;
	if (o == 'p' && !val) {
		if (*i + 1 >= nrest) {
			complain(p, "%s: option '--%s' requires an argument", p->prog, full);
			return usage(p);
		}
		val = rest[++*i];
	}
	if (eq && o != 'p' && !optional) {
		complain(p, "%s: option '--%s' doesn't allow an argument", p->prog, full);
		return usage(p);
	}
	return set_flag(p, o, val);
}

/* One "-xyz" word; *i may advance for "-p VALUE". */
static int short_opts(struct parse *p, const char *const *rest, size_t nrest, size_t *i)
{
	const char *s = rest[*i];
	for (const char *q = s + 1; *q; q++) {
		if (!takes(p->a->cmd, *q)) {
			complain(p, "%s: invalid option -- '%c'", p->prog, *q);
			return usage(p);
		}
		if ((*q == 'c' || *q == 'q') && p->a->cmd == QP_SHOW)
			return set_flag(p, *q, q + 1); /* the rest is its line */
		if (*q == 'p') {
			const char *val = q[1] ? q + 1 : (*i + 1 < nrest ? rest[++*i] : NULL);
			if (!val) {
				complain(p, "%s: option requires an argument -- 'p'", p->prog);
				return usage(p);
			}
			p->a->path = val;
			return 0;
		}
		if (set_flag(p, *q, NULL) < 0)
			return -1;
	}
	return 0;
}

int qp_parse(int argc, char *const *argv, const char *prog, struct qp_args *a, char *err,
	     size_t errlen)
{
	memset(a, 0, sizeof *a);
	if (errlen)
		err[0] = '\0';
	struct parse p = {.a = a, .prog = prog, .err = err, .errlen = errlen};
	/* the vault option, anywhere before a "--" */
	const char **rest = calloc((size_t)(argc > 0 ? argc : 1), sizeof *rest);
	if (!rest) {
		snprintf(err, errlen, "Error: out of memory");
		return -1;
	}
	size_t nrest = 0;
	bool dashdash = false;
	int rc = 0;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!dashdash && (!strcmp(s, "-d") || !strcmp(s, "--dest-vm"))) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "Error: %s needs the vault qube's name", s);
				rc = -1;
				goto out;
			}
			a->vault = argv[++i];
			continue;
		}
		if (!dashdash && !strncmp(s, "--dest-vm=", 10)) {
			a->vault = s + 10;
			continue;
		}
		if (!strcmp(s, "--"))
			dashdash = true;
		rest[nrest++] = s;
	}
	size_t i = 0;
	a->cmd = QP_SHOW;
	p.word = "show";
	for (size_t w = 0; nrest > 0 && w < sizeof WORDS / sizeof WORDS[0]; w++)
		if (!strcmp(rest[0], WORDS[w].word)) {
			a->cmd = WORDS[w].cmd;
			a->cmd_word = p.word = rest[0];
			i = 1;
			break;
		}
	if (a->cmd == QP_HELP || a->cmd == QP_VERSION)
		goto out; /* as pass: the rest is ignored */
	/* these take their words as they are */
	if (a->cmd == QP_GREP || a->cmd == QP_GIT || a->cmd == QP_FIND || a->cmd == QP_EDIT) {
		for (; i < nrest && rc == 0; i++)
			rc = add_pos(&p, rest[i]);
		if (rc == 0 && ((a->cmd == QP_EDIT && a->npos != 1) ||
				(a->cmd != QP_EDIT && a->npos < 1)))
			rc = usage(&p);
		goto out;
	}
	bool opts = true;
	for (; i < nrest && rc == 0; i++) {
		const char *s = rest[i];
		if (!opts || s[0] != '-' || s[1] == '\0')
			rc = add_pos(&p, s);
		else if (!strcmp(s, "--"))
			opts = false;
		else if (s[1] == '-')
			rc = long_opt(&p, rest, nrest, &i);
		else
			rc = short_opts(&p, rest, nrest, &i);
	}
	if (rc)
		goto out;
	/* each command's own checks, as pass makes them */
	switch (a->cmd) {
	case QP_SHOW:
		if (a->clip && a->qrcode)
			rc = usage(&p);
		break;
	case QP_INSERT:
		if ((a->echo && a->multiline) || a->npos != 1)
			rc = usage(&p);
		break;
	case QP_GENERATE:
	case QP_GETGEN:
		if ((a->force && a->in_place) || (a->clip && a->qrcode) || a->npos < 1 ||
		    a->npos > 2)
			rc = usage(&p);
		break;
	case QP_RM:
		if (a->npos != 1)
			rc = usage(&p);
		break;
	case QP_MV:
	case QP_CP:
		if (a->npos != 2)
			rc = usage(&p);
		break;
	default:
		break;
	}
out:
	free(rest);
	return rc;
}
