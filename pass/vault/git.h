/* git: the vault's git, as pass uses it: commits after each change when
 * the store is a git repository, `git init` with pass's gpg diff setup,
 * and the read-only log and status. /usr/bin/git through fork+execve with
 * an argv, never a shell; GIT_* from the environment never reach it. */
#ifndef BULKHEAD_PASS_GIT_H
#define BULKHEAD_PASS_GIT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* Drops GIT_* from our environment and sets GIT_CEILING_DIRECTORIES to
 * the folder above root (call once at start). */
void git_sanitize_env(const char *root);
bool git_is_repo(const char *root);
/* git add -A -- PATHS; git commit -m MSG, when root is a repository
 * (failures are logged, not fatal: the change itself is done). */
void git_commit(const char *root, const char *msg, const char *const *paths, size_t n);
/* Runs git -C root ARGS..., its stdout and stderr into out. Returns git's
 * exit status (or -1 when it could not run). */
int git_run(const char *root, const char *const *args, size_t n, struct wbuf *out);
/* pass git init: init, .gitattributes, diff config, first commit. */
int git_init_store(const char *root, struct wbuf *out);

#endif
