/* parser: policy file text to rules and directives (see parser.h). */
#include "policy/parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 64

bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		unsigned cp;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

struct pstate {
	const char *file;
	enum pfmt fmt;
	const char *service, *argument;
	struct arena *a;
	const struct pparse_ops *ops;
	unsigned line;
};

static int report(struct pstate *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int report(struct pstate *st, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!st->ops->error)
		return -1;
	return st->ops->error(st->ops->ctx, st->line, msg);
}

/* Splits s (modified in place) on runs of whitespace. */
static size_t split_fields(char *s, char **f, size_t max)
{
	size_t n = 0;
	while (*s) {
		while (*s && is_space(*s))
			s++;
		if (!*s)
			break;
		if (n == max)
			return max + 1;
		f[n++] = s;
		while (*s && !is_space(*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}

static int emit_rule(struct pstate *st, const char *svc, const char *arg,
		     char **f, size_t nf)
{
	struct rule r;
	char err[1024];
	if (rule_build(&r, svc, arg, f[0], f[1], f[2], f + 3, nf - 3, err, sizeof err) < 0)
		return report(st, "%s", err);
	r.file = st->file;
	r.line = st->line;
	return st->ops->rule ? st->ops->rule(st->ops->ctx, &r) : 0;
}

static int directive(struct pstate *st, char **f, size_t nf)
{
	struct pdirective_args d = {0};
	const char *name = f[0];
	size_t np = nf - 1;
	if (st->fmt == PFMT_SERVICE) {
		if (strcmp(name, "!include") != 0)
			return report(st, "invalid directive");
		if (np != 1)
			return report(st, "invalid number of params");
		d.kind = PDIR_INCLUDE_SERVICE;
		d.service = st->service;
		d.argument = st->argument;
		d.path = f[1];
	} else if (strcmp(name, "!include") == 0 || strcmp(name, "!include-dir") == 0) {
		if (np != 1)
			return report(st, "invalid number of params");
		d.kind = name[8] ? PDIR_INCLUDE_DIR : PDIR_INCLUDE;
		d.path = f[1];
	} else if (strcmp(name, "!include-service") == 0) {
		if (np != 3)
			return report(st, "invalid number of params");
		char err[1024];
		if (rule_check_service_arg(f[1], f[2], &d.service, &d.argument, err,
					   sizeof err) < 0)
			return report(st, "%s", err);
		d.kind = PDIR_INCLUDE_SERVICE;
		d.path = f[3];
	} else if (strcmp(name, "!compat-4.0") == 0) {
		if (np != 0)
			return report(st, "invalid number of params");
		d.kind = PDIR_COMPAT40;
	} else {
		return report(st, "invalid directive");
	}
	return st->ops->directive ? st->ops->directive(st->ops->ctx, &d, st->line) : 0;
}

/* Rewrites a service-format line the way upstream does, in order:
 * "$include:" -> "!include ", "$" -> "@", "," -> " ". */
static char *service_substitute(struct pstate *st, const char *s, size_t n)
{
	char *out = arena_alloc(st->a, n * 2 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (n - i >= 9 && memcmp(s + i, "$include:", 9) == 0) {
			memcpy(out + o, "!include ", 9);
			o += 9;
			i += 8;
		} else if (s[i] == '$') {
			out[o++] = '@';
		} else if (s[i] == ',') {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

static int parse_line(struct pstate *st, const char *s, size_t n)
{
	/* strip */
	while (n > 0 && is_space(*s)) {
		s++;
		n--;
	}
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n == 0 || s[0] == '#')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80)
			return report(st, "non-ASCII character in a rule or directive");
		if ((c < 0x20 && c != '\t' && c != '\v' && c != '\f') || c == 0x7f)
			return report(st, "control character 0x%02x in a rule or directive", c);
	}
	char *line = st->fmt == PFMT_SERVICE ? service_substitute(st, s, n)
					     : arena_strndup(st->a, s, n);
	if (!line)
		return report(st, "out of memory");
	char *f[MAX_FIELDS];
	size_t nf = split_fields(line, f, MAX_FIELDS);
	if (nf > MAX_FIELDS)
		return report(st, "too many fields (at most %d)", MAX_FIELDS);
	if (nf > 0 && f[0][0] == '!')
		return directive(st, f, nf);
	if (st->fmt == PFMT_SERVICE) {
		if (nf < 3)
			return report(st, "wrong number of fields");
		/* SOURCE TARGET ACTION...: put the bound service and argument
		 * in front */
		char *g[MAX_FIELDS + 2];
		g[0] = (char *)(st->service ? st->service : "*");
		g[1] = (char *)(st->argument ? st->argument : "*");
		memcpy(g + 2, f, nf * sizeof f[0]);
		return emit_rule(st, g[0], g[1], g + 2, nf);
	}
	if (nf < 5)
		return report(st, "wrong number of fields");
	return emit_rule(st, f[0], f[1], f + 2, nf - 2);
}

int policy_parse_text(const char *text, size_t len, const char *file,
		      enum pfmt fmt, const char *service, const char *argument,
		      struct arena *a, const struct pparse_ops *ops)
{
	struct pstate st = {.file = file, .fmt = fmt, .service = service,
			    .argument = argument, .a = a, .ops = ops, .line = 0};
	if (len > POLICY_FILE_MAX) {
		st.line = 1;
		report(&st, "file is larger than %u bytes", POLICY_FILE_MAX);
		return -1;
	}
	size_t i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && text[i] != '\n' && text[i] != '\r')
			i++;
		size_t end = i;
		if (i < len) {
			if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
				i++;
			i++;
		}
		st.line++;
		int r = utf8_valid((const unsigned char *)text + start, end - start)
				? parse_line(&st, text + start, end - start)
				: report(&st, "invalid UTF-8");
		if (r < 0)
			return -1;
	}
	return 0;
}
