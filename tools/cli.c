/* cli: argparse-like command-line parsing (see cli.h). */
#include "tools/cli.h"
#include "tools/termsafe.h"
#include "tools/wrap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cli_prog(const char *argv0)
{
	const char *s = argv0 && *argv0 ? strrchr(argv0, '/') : NULL;
	return s ? s + 1 : argv0 && *argv0 ? argv0 : "qvm-tool";
}

void cli_list_free(struct cli_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void usage_line(const struct cli_spec *s, FILE *f)
{
	fprintf(f, "usage: %s %s\n", s->prog, s->usage);
}

void cli_usage_error(const struct cli_spec *s, const char *fmt, ...)
{
	usage_line(s, stderr);
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	fprintf(stderr, "%s: error: ", s->prog);
	ts_puts(stderr, text ? text : "usage error", true);
	fputc('\n', stderr);
	free(text);
	exit(2);
}

static bool takes_value(enum cli_kind k)
{
	return k == CLI_VALUE || k == CLI_APPEND || k == CLI_NARGS;
}

/* The names of o, as displayed: "--format FORMAT, -o FORMAT". */
static void opt_label(const struct cli_opt *o, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	const char *p = o->names;
	while (*p && len + 1 < n) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		int w = snprintf(out + len, n - len, "%s%.*s%s%s", len ? ", " : "", (int)l, p,
				 takes_value(o->kind) ? " " : "",
				 takes_value(o->kind) ? (o->metavar ? o->metavar : "VALUE") : "");
		if (w < 0 || (size_t)w >= n - len)
			break;
		len += (size_t)w;
		if (o->kind == CLI_NARGS && len + 6 < n) {
			int w2 = snprintf(out + len, n - len, " [%s ...]",
					  o->metavar ? o->metavar : "VALUE");
			if (w2 > 0 && (size_t)w2 < n - len)
				len += (size_t)w2;
		}
		p = comma ? comma + 1 : p + l;
	}
}

static void print_help(const struct cli_spec *s)
{
	usage_line(s, stdout);
	if (s->description)
		printf("\n%s\n", s->description);
	printf("\noptions:\n  -h, --help            show this help message and exit\n");
	for (size_t i = 0; i < s->nopts; i++) {
		const struct cli_opt *o = &s->opts[i];
		if (!o->help)
			continue;
		char label[200], *line = NULL;
		static const char indent[] = "                        ";
		opt_label(o, label, sizeof label);
		if (strlen(label) <= 20) {
			if (asprintf(&line, "  %-20s  %s", label, o->help) < 0)
				line = NULL;
			wrap_fill(stdout, line ? line : o->help, 80, "", indent);
		} else {
			printf("  %s\n", label);
			wrap_fill(stdout, o->help, 80, indent, indent);
		}
		free(line);
	}
	if (s->epilog)
		printf("\n%s\n", s->epilog);
	exit(0);
}

/* Finds the option for a long name (without "--"): exact, else a unique
 * prefix. */
static const struct cli_opt *find_long(const struct cli_spec *s, const char *name, size_t nl)
{
	const struct cli_opt *prefix_hit = NULL;
	int hits = 0;
	for (size_t i = 0; i < s->nopts; i++) {
		const char *p = s->opts[i].names;
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t l = comma ? (size_t)(comma - p) : strlen(p);
			if (l > 2 && p[0] == '-' && p[1] == '-') {
				if (l - 2 == nl && memcmp(p + 2, name, nl) == 0)
					return &s->opts[i];
				if (l - 2 > nl && memcmp(p + 2, name, nl) == 0 &&
				    prefix_hit != &s->opts[i]) {
					prefix_hit = &s->opts[i];
					hits++;
				}
			}
			p = comma ? comma + 1 : p + l;
		}
	}
	if (hits > 1) {
		struct cli_spec copy = *s;
		cli_usage_error(&copy, "ambiguous option: --%.*s", (int)nl, name);
	}
	return prefix_hit;
}

static const struct cli_opt *find_short(const struct cli_spec *s, char c)
{
	for (size_t i = 0; i < s->nopts; i++) {
		const char *p = s->opts[i].names;
		while (*p) {
			const char *comma = strchr(p, ',');
			size_t l = comma ? (size_t)(comma - p) : strlen(p);
			if (l == 2 && p[0] == '-' && p[1] == c)
				return &s->opts[i];
			p = comma ? comma + 1 : p + l;
		}
	}
	return NULL;
}

/* argparse refuses "-x"-like words as option values */
static bool looks_like_option(const char *a)
{
	if (a[0] != '-' || a[1] == '\0')
		return false;
	const char *p = a + 1;
	bool num = *p != '\0';
	for (; *p; p++)
		if ((*p < '0' || *p > '9') && *p != '.')
			num = false;
	return !num;
}

static void list_add(const struct cli_spec *s, struct cli_list *l, const char *v)
{
	const char **g = realloc(l->v, (l->n + 1) * sizeof *g);
	if (!g)
		cli_usage_error(s, "out of memory");
	l->v = g;
	l->v[l->n++] = v;
}

static const char *display_name(const struct cli_opt *o, char *buf, size_t n)
{
	snprintf(buf, n, "%s", o->names);
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '/';
	return buf;
}

/* Applies o; `attached` is a value given with the option ("--x=V",
 * "-xV") or NULL. Returns the index of the last argv element used. */
static int apply(const struct cli_spec *s, const struct cli_opt *o, const char *attached,
		 int argc, char **argv, int i)
{
	char dn[128];
	switch (o->kind) {
	case CLI_FLAG:
	case CLI_UNFLAG:
	case CLI_COUNT:
	case CLI_CONST:
		if (attached)
			cli_usage_error(s, "argument %s: ignored explicit argument '%s'",
					display_name(o, dn, sizeof dn), attached);
		if (o->kind == CLI_FLAG)
			*(bool *)o->dest = true;
		else if (o->kind == CLI_UNFLAG)
			*(bool *)o->dest = false;
		else if (o->kind == CLI_COUNT)
			(*(int *)o->dest)++;
		else
			*(const char **)o->dest = o->konst;
		return i;
	case CLI_VALUE:
	case CLI_APPEND: {
		const char *v = attached;
		if (!v) {
			if (i + 1 >= argc || looks_like_option(argv[i + 1]) ||
			    strcmp(argv[i + 1], "--") == 0)
				cli_usage_error(s, "argument %s: expected one argument",
						display_name(o, dn, sizeof dn));
			v = argv[++i];
		}
		if (o->kind == CLI_VALUE)
			*(const char **)o->dest = v;
		else
			list_add(s, o->dest, v);
		return i;
	}
	case CLI_NARGS: {
		struct cli_list *l = o->dest;
		size_t before = l->n;
		if (attached)
			list_add(s, l, attached);
		while (i + 1 < argc && !looks_like_option(argv[i + 1]) &&
		       strcmp(argv[i + 1], "--") != 0)
			list_add(s, l, argv[++i]);
		if (l->n == before)
			cli_usage_error(s, "argument %s: expected at least one argument",
					display_name(o, dn, sizeof dn));
		return i;
	}
	}
	return i;
}

void cli_parse(const struct cli_spec *s, int argc, char **argv, const char ***pos,
	       size_t *npos)
{
	const char **p = calloc((size_t)argc + 1, sizeof *p);
	if (!p)
		cli_usage_error(s, "out of memory");
	size_t n = 0;
	bool rest = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (rest || (s->rest_after && n >= s->rest_after)) {
			p[n++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			rest = true;
			continue;
		}
		if (a[0] == '-' && a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			if (nl == 4 && memcmp(a + 2, "help", 4) == 0 && !eq)
				print_help(s);
			const struct cli_opt *o = find_long(s, a + 2, nl);
			if (!o) {
				if (nl > 0 && memcmp("help", a + 2, nl < 4 ? nl : 4) == 0 && nl <= 4)
					print_help(s);
				cli_usage_error(s, "unrecognized arguments: %s", a);
			}
			i = apply(s, o, eq ? eq + 1 : NULL, argc, argv, i);
			continue;
		}
		if (a[0] == '-' && a[1] != '\0' && looks_like_option(a)) {
			for (const char *c = a + 1; *c; c++) {
				if (*c == 'h')
					print_help(s);
				const struct cli_opt *o = find_short(s, *c);
				if (!o)
					cli_usage_error(s, "unrecognized arguments: %s", a);
				if (takes_value(o->kind)) {
					i = apply(s, o, c[1] ? c + 1 : NULL, argc, argv, i);
					break;
				}
				apply(s, o, NULL, argc, argv, i);
			}
			continue;
		}
		p[n++] = a;
	}
	*pos = p;
	*npos = n;
}
