/* parser: one policy file's text to rules and directives. Pure: it works
 * on a buffer with an explicit length and reports what it finds through
 * callbacks; following includes is the loader's job.
 *
 * Two formats:
 *  - PFMT_POLICY, the 4.1+ policy.d format: rules
 *    `SERVICE ARGUMENT SOURCE TARGET ACTION [PARAM=VALUE ...]` and the
 *    directives !include, !include-dir, !include-service, !compat-4.0;
 *  - PFMT_SERVICE, the format of !include-service targets and legacy 4.0
 *    files: `SOURCE TARGET ACTION[,PARAM=VALUE ...]` for one given service
 *    and argument, with `$` read as `@`, `,` as a space, `$include:PATH` as
 *    `!include PATH` (the only directive).
 *
 * Lines end at \n, \r\n or \r; surrounding whitespace is ignored; empty
 * lines and lines starting with # are comments (there are no inline
 * comments). The file must be UTF-8; a rule or directive line must be
 * printable ASCII (stricter than upstream, which accepts any character in
 * a qube name: such a name could never match a qube). */
#ifndef BULKHEAD_POLICY_PARSER_H
#define BULKHEAD_POLICY_PARSER_H

#include "lib/arena.h"
#include "policy/rule.h"

#include <stddef.h>

enum pfmt { PFMT_POLICY, PFMT_SERVICE };

enum pdirective {
	PDIR_INCLUDE,         /* path */
	PDIR_INCLUDE_DIR,     /* path */
	PDIR_INCLUDE_SERVICE, /* service, argument (NULL for *), path */
	PDIR_COMPAT40,
};

struct pdirective_args {
	enum pdirective kind;
	const char *service;
	const char *argument;
	const char *path;
};

/* Callbacks return 0 to go on or -1 to stop the parse. */
struct pparse_ops {
	void *ctx;
	/* r->file and r->line are set; its strings live in the arena. */
	int (*rule)(void *ctx, const struct rule *r);
	int (*directive)(void *ctx, const struct pdirective_args *d, unsigned line);
	/* A syntax error on `line`: return 0 to go on with the next line (a
	 * linter), -1 to stop (a loader). NULL means stop. */
	int (*error)(void *ctx, unsigned line, const char *msg);
};

#define POLICY_FILE_MAX (16u * 1024 * 1024)

/* Parses text[0..len). `file` names the file in rules and errors; for
 * PFMT_SERVICE, service and argument are the ones every rule gets (NULL
 * meaning *). Returns 0 when the whole text was read, -1 when a callback
 * stopped it or on a fatal error (reported through ops->error). */
int policy_parse_text(const char *text, size_t len, const char *file,
		      enum pfmt fmt, const char *service, const char *argument,
		      struct arena *a, const struct pparse_ops *ops);

/* Whether buf[0..len) is valid UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const unsigned char *buf, size_t len);

#endif
