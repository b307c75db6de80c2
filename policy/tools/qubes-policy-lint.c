/* qubes-policy-lint: checks policy files without loading them as a whole:
 * every syntax error of every line (not only the first), as
 * `path:line: error: message[: line]`, and warnings for rules that can
 * never match because an earlier rule in the same file matches everything
 * they do, and for `ask` without default_target=. Includes are not
 * followed (each file is linted on its own, as upstream's linter does).
 * -i lints files meant for !include-service (the service format).
 * Exit status 1 when there is an error (warnings alone exit 0). */
#include "lib/log.h"
#include "policy/parser.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lint {
	const char *path;
	const char *text;
	size_t len;
	bool show_line;
	bool warnings;
	unsigned errors, nwarn;
	struct rule *rules;
	size_t nrules, cap;
};

static void line_text(const struct lint *l, unsigned line, char *out, size_t n)
{
	unsigned cur = 1;
	size_t i = 0;
	while (i < l->len && cur < line) {
		if (l->text[i] == '\n' || (l->text[i] == '\r' &&
					   !(i + 1 < l->len && l->text[i + 1] == '\n')))
			cur++;
		i++;
	}
	size_t s = i;
	while (i < l->len && l->text[i] != '\n' && l->text[i] != '\r')
		i++;
	size_t k = 0;
	for (size_t j = s; j < i && k + 1 < n; j++) {
		unsigned char c = (unsigned char)l->text[j];
		out[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[k] = '\0';
}

static void report(struct lint *l, unsigned line, const char *kind, const char *msg)
{
	printf("%s:%u: %s: %s", l->path, line, kind, msg);
	if (l->show_line) {
		char t[1024];
		line_text(l, line, t, sizeof t);
		printf(": %s", t);
	}
	printf("\n");
}

static int on_error(void *ctx, unsigned line, const char *msg)
{
	struct lint *l = ctx;
	l->errors++;
	report(l, line, "error", msg);
	return 0; /* go on: report every error */
}

static int on_rule(void *ctx, const struct rule *r)
{
	struct lint *l = ctx;
	if (l->nrules == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		struct rule *nr = realloc(l->rules, nc * sizeof *nr);
		if (!nr)
			return -1;
		l->rules = nr;
		l->cap = nc;
	}
	l->rules[l->nrules++] = *r;
	return 0;
}

static int on_directive(void *ctx, const struct pdirective_args *d, unsigned line)
{
	(void)ctx;
	(void)d;
	(void)line;
	return 0;
}

static bool is_dom0_tok(const struct ptoken *t)
{
	return t->kind == PTOK_ADMINVM || (t->kind == PTOK_NAME && t->dom0like);
}

/* Whether every value token b matches is also matched by a (so a rule
 * with a here never lets a rule with b see a request). Conservative:
 * false when unsure. */
static bool covers(const struct ptoken *a, const struct ptoken *b, bool target_col)
{
	if (a->kind == PTOK_ANY)
		return true;
	if (strcmp(a->text, b->text) == 0)
		return true;
	if (is_dom0_tok(a))
		return is_dom0_tok(b);
	if (a->kind == PTOK_ANYVM) {
		switch (b->kind) {
		case PTOK_ANYVM: return true;
		case PTOK_NAME: return !b->dom0like;
		case PTOK_DEFAULT:
		case PTOK_DISPVM:
		case PTOK_DISPVM_VM:
		case PTOK_DISPVM_TAG:
			return target_col;
		default: return false;
		}
	}
	return false;
}

static void check_rules(struct lint *l)
{
	for (size_t j = 0; j < l->nrules; j++) {
		const struct rule *b = &l->rules[j];
		for (size_t i = 0; i < j; i++) {
			const struct rule *a = &l->rules[i];
			if (a->service && (!b->service || strcmp(a->service, b->service) != 0))
				continue;
			if (a->argument && (!b->argument || strcmp(a->argument, b->argument) != 0))
				continue;
			if (!covers(&a->source, &b->source, false) ||
			    !covers(&a->target, &b->target, true))
				continue;
			char msg[512];
			snprintf(msg, sizeof msg, "rule can never match: line %u matches every "
				 "request it would", a->line);
			l->nwarn++;
			report(l, b->line, "warning", msg);
			break;
		}
		if (b->action == PACT_ASK && !b->has_default && !b->has_redirect) {
			l->nwarn++;
			report(l, b->line, "warning",
			       "ask without default_target= (the user must pick a target every time)");
		}
	}
}

static char *read_input(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap > POLICY_FILE_MAX) {
				free(buf);
				buf = NULL;
				errno = EFBIG;
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: qubes-policy-lint [-s] [-i] [-W] FILE... | -\n"
		"Reports every syntax error of qrexec policy files, and warnings.\n"
		"  -s, --show-line        show the line that caused each message\n"
		"  -i, --include-service  the files are !include-service targets\n"
		"  -W, --no-warnings      errors only\n");
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	bool show = false, inc = false, warn = true;
	static const struct option opts[] = {
		{"show-line", no_argument, 0, 's'},
		{"include-service", no_argument, 0, 'i'},
		{"no-warnings", no_argument, 0, 'W'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "siWh", opts, NULL)) != -1) {
		switch (c) {
		case 's': show = true; break;
		case 'i': inc = true; break;
		case 'W': warn = false; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	int rc = 0;
	for (int k = optind; k < argc; k++) {
		struct lint l = {.path = argv[k], .show_line = show, .warnings = warn};
		l.text = read_input(argv[k], &l.len);
		if (!l.text) {
			printf("%s:0: error: %s\n", argv[k],
			       errno == ENOENT ? "File does not exist." : strerror(errno));
			rc = 1;
			continue;
		}
		struct arena a;
		arena_init(&a);
		struct pparse_ops ops = {.ctx = &l, .rule = on_rule, .directive = on_directive,
					 .error = on_error};
		policy_parse_text(l.text, l.len, argv[k], inc ? PFMT_SERVICE : PFMT_POLICY, NULL,
				  NULL, &a, &ops);
		if (warn)
			check_rules(&l);
		if (l.errors)
			rc = 1;
		free(l.rules);
		free((char *)l.text);
		arena_free(&a);
	}
	return rc;
}
