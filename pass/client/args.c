/* args: qvm-pass's command line (see args.h). */
#include "pass/client/args.h"

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

const char *qp_usage(enum qp_cmd c)
{
	switch (c) {
	case QP_INIT: return "init [--path=subfolder,-p subfolder] [gpg-id...]";
	case QP_SHOW: return "show [--clip[=line-number],-c[line-number]] "
			     "[--qrcode[=line-number],-q[line-number]] [pass-name]";
	case QP_FIND: return "find pass-names...";
	case QP_GREP: return "grep [GREPOPTIONS] search-string";
	case QP_INSERT: return "insert [--echo,-e | --multiline,-m] [--force,-f] pass-name";
	case QP_EDIT: return "edit pass-name";
	case QP_GENERATE: return "generate [--no-symbols,-n] [--clip,-c] [--qrcode,-q] "
				 "[--in-place,-i | --force,-f] pass-name [pass-length]";
	case QP_RM: return "rm [--recursive,-r] [--force,-f] pass-name";
	case QP_MV: return "mv [--force,-f] old-path new-path";
	case QP_CP: return "cp [--force,-f] old-path new-path";
	case QP_GIT: return "git git-command-args...";
	case QP_GETGEN: return "get-or-generate [--no-symbols,-n] [--clip,-c] [--qrcode,-q] "
			       "pass-name [pass-length]";
	case QP_HELP: return "help";
	case QP_VERSION: return "version";
	}
	return "";
}

/* An optional line number: "" is 1, digits are the number (0 is 1, as
 * pass's tail -n +0 | head -n 1). */
static int line_arg(const char *s, unsigned *out, char *err, size_t errlen)
{
	if (!s || !*s) {
		*out = 1;
		return 0;
	}
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > 100000000) {
			snprintf(err, errlen, "Error: Clip location '%.64s' is not a simple integer.",
				 s);
			return -1;
		}
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*out = v ? (unsigned)v : 1;
	return 0;
}

/* Which options a command takes. */
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

#define USAGE(a) do { snprintf(err, errlen, "Usage: %%s %s", qp_usage((a)->cmd)); \
		      return -1; } while (0)

static int set_flag(struct qp_args *a, char o, const char *val, bool has_val, char *err,
		    size_t errlen)
{
	switch (o) {
	case 'c':
		if (a->cmd != QP_SHOW && has_val)
			USAGE(a);
		return line_arg(val, &a->clip, err, errlen);
	case 'q':
		if (a->cmd != QP_SHOW && has_val)
			USAGE(a);
		return line_arg(val, &a->qrcode, err, errlen);
	case 'e': a->echo = true; return 0;
	case 'm': a->multiline = true; return 0;
	case 'f': a->force = true; return 0;
	case 'n': a->no_symbols = true; return 0;
	case 'i': a->in_place = true; return 0;
	case 'r': a->recursive = true; return 0;
	case 'p': a->path = val; return 0;
	}
	USAGE(a);
}

static int add_pos(struct qp_args *a, const char *s, char *err, size_t errlen)
{
	if (a->npos == QP_MAX_POS) {
		snprintf(err, errlen, "Error: too many arguments");
		return -1;
	}
	a->pos[a->npos++] = s;
	return 0;
}

int qp_parse(int argc, char *const *argv, struct qp_args *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	/* the vault option, anywhere before a "--" */
	const char *rest[512];
	size_t nrest = 0;
	bool dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!dashdash && (!strcmp(s, "-d") || !strcmp(s, "--dest-vm"))) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "Error: %s needs the vault qube's name", s);
				return -1;
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
		if (nrest == sizeof rest / sizeof rest[0]) {
			snprintf(err, errlen, "Error: too many arguments");
			return -1;
		}
		rest[nrest++] = s;
	}
	size_t i = 0;
	a->cmd = QP_SHOW;
	if (nrest > 0) {
		for (size_t w = 0; w < sizeof WORDS / sizeof WORDS[0]; w++)
			if (!strcmp(rest[0], WORDS[w].word)) {
				a->cmd = WORDS[w].cmd;
				a->cmd_word = rest[0];
				i = 1;
				break;
			}
	}
	/* grep and git pass everything on; help and version take nothing */
	if (a->cmd == QP_GREP || a->cmd == QP_GIT) {
		for (; i < nrest; i++)
			if (add_pos(a, rest[i], err, errlen) < 0)
				return -1;
		return 0;
	}
	bool opts = true;
	for (; i < nrest; i++) {
		const char *s = rest[i];
		if (!opts || s[0] != '-' || s[1] == '\0') {
			if (add_pos(a, s, err, errlen) < 0)
				return -1;
			continue;
		}
		if (!strcmp(s, "--")) {
			opts = false;
			continue;
		}
		if (s[1] == '-') {
			const char *name = s + 2, *eq = strchr(name, '=');
			size_t nl = eq ? (size_t)(eq - name) : strlen(name);
			char o = 0;
			size_t matches = 0;
			/* unique prefixes, as getopt */
			for (size_t l = 0; l < sizeof LONGS / sizeof LONGS[0]; l++)
				if (!strncmp(LONGS[l].name, name, nl) && takes(a->cmd, LONGS[l].o)) {
					if (strlen(LONGS[l].name) == nl) {
						o = LONGS[l].o;
						matches = 1;
						break;
					}
					o = LONGS[l].o;
					matches++;
				}
			if (matches != 1)
				USAGE(a);
			const char *val = eq ? eq + 1 : NULL;
			if (o == 'p' && !val) {
				if (i + 1 >= nrest)
					USAGE(a);
				val = rest[++i];
			}
			if (eq && o != 'c' && o != 'q' && o != 'p')
				USAGE(a);
			if (set_flag(a, o, val, eq != NULL, err, errlen) < 0)
				return -1;
			continue;
		}
		/* bundled short options; -c/-q take the rest as their line,
		 * -p the rest or the next word */
		for (const char *p = s + 1; *p; p++) {
			if (!takes(a->cmd, *p))
				USAGE(a);
			if ((*p == 'c' || *p == 'q') && a->cmd == QP_SHOW) {
				if (set_flag(a, *p, p + 1, p[1] != '\0', err, errlen) < 0)
					return -1;
				break;
			}
			if (*p == 'p') {
				const char *val = p[1] ? p + 1 : (i + 1 < nrest ? rest[++i] : NULL);
				if (!val)
					USAGE(a);
				a->path = val;
				break;
			}
			if (set_flag(a, *p, NULL, false, err, errlen) < 0)
				return -1;
		}
	}
	/* per command checks, as pass */
	switch (a->cmd) {
	case QP_SHOW:
		if (a->clip && a->qrcode)
			USAGE(a);
		break;
	case QP_INSERT:
		if ((a->echo && a->multiline) || a->npos != 1)
			USAGE(a);
		break;
	case QP_EDIT:
		if (a->npos != 1)
			USAGE(a);
		break;
	case QP_GENERATE:
	case QP_GETGEN:
		if ((a->force && a->in_place) || (a->clip && a->qrcode) || a->npos < 1 ||
		    a->npos > 2)
			USAGE(a);
		break;
	case QP_RM:
		if (a->npos != 1)
			USAGE(a);
		break;
	case QP_MV:
	case QP_CP:
		if (a->npos != 2)
			USAGE(a);
		break;
	case QP_FIND:
		if (a->npos < 1)
			USAGE(a);
		break;
	case QP_HELP:
	case QP_VERSION:
		break;
	default:
		break;
	}
	return 0;
}
