/* token: the qube tokens of the qrexec policy language, as Qubes 4.1+
 * defines them: which keywords exist, where each may appear (source and
 * target columns, target=/default_target= values, a caller's requested
 * target), and their text forms. Parsing is pure; matching and expansion
 * against system info live in eval. */
#ifndef BULKHEAD_POLICY_TOKEN_H
#define BULKHEAD_POLICY_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

enum ptok_kind {
	PTOK_NAME,       /* a plain qube name, dom0, or uuid:U (no check) */
	PTOK_ANY,        /* * */
	PTOK_ANYVM,      /* @anyvm */
	PTOK_ADMINVM,    /* @adminvm */
	PTOK_DEFAULT,    /* @default */
	PTOK_TYPE,       /* @type:T */
	PTOK_TAG,        /* @tag:X */
	PTOK_DISPVM,     /* @dispvm */
	PTOK_DISPVM_VM,  /* @dispvm:NAME or @dispvm:uuid:U */
	PTOK_DISPVM_TAG, /* @dispvm:@tag:X */
};

/* Where a token appears; each context allows a subset of kinds. The names
 * are the ones upstream prints in its error messages. */
enum ptok_ctx {
	PTOK_CTX_SOURCE,   /* "source": column 3 */
	PTOK_CTX_TARGET,   /* "target": column 4 */
	PTOK_CTX_REDIRECT, /* "redirect": target= and default_target= */
	PTOK_CTX_INTENDED, /* "intendedtarget": what a caller asked for */
};

struct ptoken {
	enum ptok_kind kind;
	bool dom0like;    /* dom0, @adminvm or uuid:0...0 */
	bool uuid;        /* a plain name of the form uuid:U */
	const char *text; /* the whole token, as written */
	const char *val;  /* after the prefix (T, X, NAME); else NULL */
};

#define PTOK_DOM0_UUID "uuid:00000000-0000-0000-0000-000000000000"

/* Parses the NUL-terminated `s` (which the token keeps pointing into) in
 * context `ctx`. Returns 0, or -1 with an upstream-worded message in err. */
int ptoken_parse(struct ptoken *t, const char *s, enum ptok_ctx ctx,
		 char *err, size_t errlen);
/* dom0, @adminvm, uuid:00000000-0000-0000-0000-000000000000 */
bool ptoken_is_dom0(const char *s);
const char *ptok_ctx_name(enum ptok_ctx ctx);

#endif
