/* policy: a loaded qrexec policy: every rule in evaluation order (the
 * fully expanded include tree), an index by service for fast lookup, and
 * the list of files and directories it was read from (for watching).
 *
 * Loading (policy_load) follows Qubes 4.1+: the policy directories
 * (default /run/qubes/policy.d, then /etc/qubes/policy.d) are merged by
 * file name (the first directory wins), files are taken in byte order of
 * their names; only regular files named *.policy and not starting with
 * "." count, and such a file whose name is not [0-9a-z_.-] makes the whole
 * load fail. !include and friends resolve against the directory of the
 * top-level file being loaded (the legacy directory inside !compat-4.0).
 * Any error anywhere fails the whole load: the caller keeps its previous
 * policy or denies everything.
 *
 * Differences from upstream, all failing closed or avoiding a crash: an
 * include cycle or nesting deeper than POLICY_MAX_DEPTH is an error (a
 * RecursionError upstream); a missing policy or legacy directory counts
 * as empty (upstream refuses to load). */
#ifndef BULKHEAD_POLICY_POLICY_H
#define BULKHEAD_POLICY_POLICY_H

#include "lib/arena.h"
#include "lib/strmap.h"
#include "policy/rule.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICY_MAX_DEPTH 16
#define POLICY_RUN_DIR "/run/qubes/policy.d"
#define POLICY_ETC_DIR "/etc/qubes/policy.d"
#define POLICY_COMPAT_DIR "/etc/qubes-rpc/policy"

struct rule_index {
	uint32_t *v;
	size_t n, cap;
};

struct policy {
	struct arena a;
	struct rule *rules;       /* in evaluation order */
	size_t nrules, cap;
	struct strmap by_service; /* service -> struct rule_index * */
	struct rule_index wild;   /* rules whose service is * */
	struct strmap names;      /* every plain qube name in a rule -> its one
				     interned copy, which the rules' tokens
				     point at (so matching compares pointers) */
	const char **paths;       /* files and directories read */
	uint64_t *hashes;         /* per path: a hash of the file's content (0: a directory) */
	size_t npaths, pcap;
	unsigned refs;            /* policy_new sets 1; policy_free drops one */
};

/* Content standing in for a file during a load (validation of a change
 * before it is written). content NULL: the file is being removed. */
struct policy_override {
	const char *path;
	const char *content;
	size_t len;
};

struct policy_load_opts {
	const char *const *dirs; /* NULL: the two default directories */
	size_t ndirs;
	const char *compat_dir;  /* NULL: POLICY_COMPAT_DIR */
	const struct policy_override *overrides;
	size_t noverrides;
	/* Refuse to read a file that some process has open for writing (a
	 * read lease cannot be taken then; needs root or the file's owner,
	 * else the check is skipped): the load fails and *busy is set, so the
	 * caller retries instead of trusting a half-written file. */
	bool busy_check;
	bool *busy;
};

/* Returns the policy, or NULL with "file:line: message" (or a load error)
 * in err. */
struct policy *policy_load(const struct policy_load_opts *o, char *err, size_t errlen);
/* Drops one reference; the last one frees. */
void policy_free(struct policy *p);
/* Takes one more reference (a request still using an old policy). */
struct policy *policy_ref(struct policy *p);

/* The rule indexes to scan for `service`: its own list and the wildcard
 * list, to be merged in ascending order. */
void policy_lists_for(const struct policy *p, const char *service,
		      const struct rule_index **own, const struct rule_index **wild);

/* Adds a rule (copied) to p; used by the loader and by tests that build a
 * policy from text. Returns 0 or -1 (out of memory). */
int policy_add_rule(struct policy *p, const struct rule *r);
/* Builds the service index once all rules are in. */
int policy_finish(struct policy *p);
struct policy *policy_new(void);

/* Whether every file p was read from still has the content it had then
 * (a daemon checks this before trusting a fresh load). */
bool policy_files_unchanged(const struct policy *p);

/* Whether a policy.d file name is acceptable: [0-9a-z_.-]. */
bool policy_filename_valid(const char *name);

#endif
