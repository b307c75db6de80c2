/* token: parsing qube tokens by context (see token.h). The rules follow
 * Qubes' VMToken classes: a token that is not `*` and does not start with
 * `@` is a plain name; otherwise it must be an exact keyword or a known
 * prefix with a non-empty value that does not itself start with `@`, and
 * the kind must be allowed in the context. */
#include "policy/pyrepr.h"
#include "policy/token.h"

#include <stdio.h>
#include <string.h>

/* Bit per context in which a kind may appear. */
#define S (1u << PTOK_CTX_SOURCE)
#define T (1u << PTOK_CTX_TARGET)
#define R (1u << PTOK_CTX_REDIRECT)
#define I (1u << PTOK_CTX_INTENDED)

static const struct {
	const char *word;
	enum ptok_kind kind;
	unsigned ctx;
} exacts[] = {
	{"*", PTOK_ANY, S | T},
	{"@adminvm", PTOK_ADMINVM, S | T | R | I},
	{"@anyvm", PTOK_ANYVM, S | T},
	{"@default", PTOK_DEFAULT, T | I},
	{"@dispvm", PTOK_DISPVM, T | R | I},
};

/* In upstream's order: a value starting with '@' falls through to the
 * next (longer) prefix, which is how @dispvm:@tag: is reached. */
static const struct {
	const char *prefix;
	enum ptok_kind kind;
	unsigned ctx;
} prefixes[] = {
	{"@type:", PTOK_TYPE, S | T},
	{"@tag:", PTOK_TAG, S | T},
	{"@dispvm:", PTOK_DISPVM_VM, S | T | R | I},
	{"@dispvm:@tag:", PTOK_DISPVM_TAG, S | T},
};

const char *ptok_ctx_name(enum ptok_ctx ctx)
{
	switch (ctx) {
	case PTOK_CTX_SOURCE: return "source";
	case PTOK_CTX_TARGET: return "target";
	case PTOK_CTX_REDIRECT: return "redirect";
	case PTOK_CTX_INTENDED: return "intendedtarget";
	}
	return "?";
}

bool ptoken_is_dom0(const char *s)
{
	switch (s[0]) {
	case 'd': return strcmp(s, "dom0") == 0;
	case '@': return strcmp(s, "@adminvm") == 0;
	case 'u': return strcmp(s, PTOK_DOM0_UUID) == 0;
	default: return false;
	}
}

int ptoken_parse(struct ptoken *t, const char *s, enum ptok_ctx ctx,
		 char *err, size_t errlen)
{
	char rb[512];
	unsigned bit = 1u << ctx;
	t->text = s;
	t->val = NULL;
	t->dom0like = ptoken_is_dom0(s);
	t->uuid = false;
	if (s[0] == '\0') {
		snprintf(err, errlen, "invalid empty %s token", ptok_ctx_name(ctx));
		return -1;
	}
	if (s[0] != '@' && strcmp(s, "*") != 0) {
		t->kind = PTOK_NAME;
		t->val = s;
		t->uuid = strncmp(s, "uuid:", 5) == 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof exacts / sizeof exacts[0]; i++) {
		if ((exacts[i].ctx & bit) && strcmp(s, exacts[i].word) == 0) {
			t->kind = exacts[i].kind;
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		if (!(prefixes[i].ctx & bit))
			continue;
		size_t pl = strlen(prefixes[i].prefix);
		if (strncmp(s, prefixes[i].prefix, pl) != 0)
			continue;
		const char *v = s + pl;
		if (*v == '\0') {
			snprintf(err, errlen, "invalid empty %s token: %s",
				 prefixes[i].prefix, pyrepr(s, rb, sizeof rb));
			return -1;
		}
		if (*v == '@')
			continue;
		t->kind = prefixes[i].kind;
		t->val = v;
		return 0;
	}
	snprintf(err, errlen, "invalid %s token: %s", ptok_ctx_name(ctx),
		 pyrepr(s, rb, sizeof rb));
	return -1;
}
