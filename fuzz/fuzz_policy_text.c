/* fuzz_policy_text: libFuzzer target for the policy file parser
 * (policy/parser.c, with rule.c and token.c under it). The input is parsed
 * as a policy.d file and as a service-format file; every rule is printed
 * with rule_format and the printed form parsed again, which must give the
 * same rule. The error callback goes on for half of the inputs (a linter)
 * and stops for the other half (a loader). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

#define FILE_NAME "/etc/qubes/policy.d/30-fuzz.policy"

struct ctx {
	struct arena *a;
	enum pfmt fmt;
	const char *service, *argument; /* bound ones (service format) */
	unsigned nlines;
	bool go_on;       /* the error callback's answer */
	unsigned nerrors, nrules, ndirectives;
	unsigned last_line;
};

/* The rule printed then parsed again as a one-line policy.d file. */
struct reparse {
	const struct rule *orig;
	unsigned nrules;
};

static bool same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool same_token(const struct ptoken *a, const struct ptoken *b)
{
	return a->kind == b->kind && a->dom0like == b->dom0like &&
	       strcmp(a->text, b->text) == 0 && same_str(a->val, b->val);
}

static int reparse_rule(void *vctx, const struct rule *r)
{
	struct reparse *rp = vctx;
	const struct rule *o = rp->orig;
	const char *ou = o->user && o->user[0] ? o->user : NULL;
	const char *ru = r->user && r->user[0] ? r->user : NULL;

	rp->nrules++;
	CHECK(same_str(o->service, r->service));
	CHECK(same_str(o->argument, r->argument));
	CHECK(same_token(&o->source, &r->source));
	CHECK(same_token(&o->target, &r->target));
	CHECK(o->action == r->action);
	CHECK(o->has_redirect == r->has_redirect);
	if (o->has_redirect)
		CHECK(same_token(&o->redirect, &r->redirect));
	CHECK(o->has_default == r->has_default);
	if (o->has_default)
		CHECK(same_token(&o->default_target, &r->default_target));
	CHECK(same_str(ou, ru));
	return 0;
}

static int reparse_error(void *vctx, unsigned line, const char *msg)
{
	(void)vctx;
	(void)line;
	(void)msg;
	__builtin_trap(); /* a printed rule must parse */
}

static void check_token(const struct ptoken *t)
{
	CHECK(t->text && t->text[0]);
	if (t->val)
		CHECK(t->val[0] && t->val >= t->text &&
		      t->val + strlen(t->val) == t->text + strlen(t->text));
	CHECK(t->dom0like == ptoken_is_dom0(t->text));
}

static int on_rule(void *vctx, const struct rule *r)
{
	struct ctx *c = vctx;
	char *s;
	size_t extra = 0;

	c->nrules++;
	CHECK(r->file && strcmp(r->file, FILE_NAME) == 0);
	CHECK(r->line >= 1 && r->line <= c->nlines && r->line >= c->last_line);
	c->last_line = r->line;
	if (c->fmt == PFMT_SERVICE) {
		CHECK(same_str(r->service, c->service));
		CHECK(same_str(r->argument, c->argument));
	}
	CHECK(!r->argument || (r->argument[0] == '+' && r->service));
	check_token(&r->source);
	check_token(&r->target);
	if (r->has_redirect)
		check_token(&r->redirect);
	if (r->has_default) {
		check_token(&r->default_target);
		CHECK(r->action == PACT_ASK);
	}
	if (r->action == PACT_DENY)
		CHECK(!r->has_redirect && !r->user);
	CHECK(strcmp(pact_name(r->action), "?") != 0);

	s = rule_format(r, c->a);
	CHECK(s);
	CHECK(strchr(s, '\t'));

	/* rule_format keeps at most 1023 bytes of parameters: check the
	 * round trip only when nothing was cut */
	if (r->has_redirect)
		extra += strlen(r->redirect.text) + 8;
	if (r->has_default)
		extra += strlen(r->default_target.text) + 16;
	if (r->user)
		extra += strlen(r->user) + 6;
	if (extra < 1000) {
		struct reparse rp = {.orig = r};
		struct pparse_ops ops = {.ctx = &rp, .rule = reparse_rule,
					 .error = reparse_error};
		CHECK(policy_parse_text(s, strlen(s), FILE_NAME, PFMT_POLICY, NULL, NULL,
					c->a, &ops) == 0);
		CHECK(rp.nrules == 1);
	}
	return 0;
}

static int on_directive(void *vctx, const struct pdirective_args *d, unsigned line)
{
	struct ctx *c = vctx;

	c->ndirectives++;
	CHECK(line >= 1 && line <= c->nlines && line >= c->last_line);
	c->last_line = line;
	if (c->fmt == PFMT_SERVICE) {
		CHECK(d->kind == PDIR_INCLUDE_SERVICE);
		CHECK(same_str(d->service, c->service));
		CHECK(same_str(d->argument, c->argument));
	}
	switch (d->kind) {
	case PDIR_INCLUDE:
	case PDIR_INCLUDE_DIR:
		CHECK(d->path && d->path[0]);
		break;
	case PDIR_INCLUDE_SERVICE:
		CHECK(d->path && d->path[0]);
		CHECK(!d->argument || (d->argument[0] == '+' && d->service));
		break;
	case PDIR_COMPAT40:
		CHECK(!d->path);
		break;
	}
	return 0;
}

static int on_error(void *vctx, unsigned line, const char *msg)
{
	struct ctx *c = vctx;

	c->nerrors++;
	CHECK(msg && msg[0]);
	CHECK(line >= 1 && line <= c->nlines && line >= c->last_line);
	c->last_line = line;
	return c->go_on ? 0 : -1;
}

static unsigned count_lines(const uint8_t *data, size_t size)
{
	unsigned n = 1;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n')))
			n++;
	return n;
}

static void run(const uint8_t *data, size_t size, enum pfmt fmt, const char *service,
		const char *argument, bool go_on)
{
	struct arena a;
	struct ctx c = {.a = &a, .fmt = fmt, .service = service, .argument = argument,
			.nlines = count_lines(data, size), .go_on = go_on};
	struct pparse_ops ops = {.ctx = &c, .rule = on_rule, .directive = on_directive,
				 .error = on_error};
	int rc;

	arena_init(&a);
	rc = policy_parse_text((const char *)data, size, FILE_NAME, fmt, service, argument,
			       &a, &ops);
	if (go_on)
		CHECK(rc == 0);
	else
		CHECK(rc == (c.nerrors ? -1 : 0) && c.nerrors <= 1);
	arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* half of the inputs lint, half load; a cheap mix of the bytes */
	unsigned h = (unsigned)size;

	for (size_t i = 0; i < size && i < 16; i++)
		h = h * 31 + data[i];
	bool go_on = h & 1;

	run(data, size, PFMT_POLICY, NULL, NULL, go_on);
	switch (h >> 1 & 3) {
	case 0: run(data, size, PFMT_SERVICE, NULL, NULL, go_on); break;
	case 1: run(data, size, PFMT_SERVICE, "qubes.Filecopy", NULL, go_on); break;
	case 2: run(data, size, PFMT_SERVICE, "admin.vm.List", "+", go_on); break;
	default: run(data, size, PFMT_SERVICE, "qubes.StartApp", "+firefox", go_on); break;
	}
	return 0;
}
