/* store: the vault's password store on disk, laid out as pass lays it out
 * (PASSWORD_STORE_DIR or ~/.password-store; NAME.gpg files; .gpg-id files
 * naming the recipients of their subtree). Paths from validated names,
 * the write lock, atomic replacement of files, pruning of empty folders,
 * and the tree nodes of the protocol. */
#ifndef BULKHEAD_PASS_STORE_H
#define BULKHEAD_PASS_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

struct store {
	char root[PATH_MAX];  /* no trailing '/' */
	int lock_fd;          /* -1 until store_lock */
};

/* Fills root from the environment (as pass). 0 or -1 with err. */
int store_init(struct store *s, char *err, size_t errlen);
/* Takes the store's write lock (flock on the store directory, creating
 * the directory if missing), waiting at most timeout_ms. 0, or -1. */
int store_lock(struct store *s, int timeout_ms);
void store_unlock(struct store *s);

/* root/NAME (slash: the trailing '/' dropped) and root/NAME.gpg. A name
 * of n bytes, validated by passproto_name_ok. 0 or -1 (too long). */
int store_dir_path(const struct store *s, const uint8_t *name, size_t n, char out[PATH_MAX]);
int store_file_path(const struct store *s, const uint8_t *name, size_t n, char out[PATH_MAX]);

bool path_is_file(const char *p);   /* following symlinks */
bool path_is_dir(const char *p);
bool path_exists(const char *p);    /* lstat */

/* Reads a whole file into b (limit: b's). 0 or -1 (errno). */
int read_file(const char *path, struct wbuf *b);
/* Replaces path atomically with data: a temporary file in the same
 * folder, fsync, rename, fsync of the folder. 0 or -1 (errno). */
int write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);
/* mkdir -p of the folder holding path (mode 0700 for new ones). */
int mkdir_parents(const char *path);
/* rmdir of dir and its empty parents, stopping at the store root. */
void prune_empty(const struct store *s, const char *dir);
/* rm -r (no symlink following). 0 or -1. Appends each removed file's
 * store-relative path to `removed` as a protocol field when not NULL. */
int remove_tree(const struct store *s, const char *path, struct wbuf *removed, uint32_t *nremoved);

/* The recipients for a file at path: the lines of the nearest .gpg-id at
 * or above its folder (comments and blank lines dropped), or
 * PASSWORD_STORE_KEY; as one newline-separated string in out. 0, or -1
 * when there is none (the store or folder is not initialised). */
int store_recipients(const struct store *s, const char *path, char *out, size_t outlen);

/* Appends tree nodes (passproto.h) of the folder dir to b, counting them
 * in *n. With terms (n_terms > 0): only names matching one of *TERM*
 * case-insensitively, folders whose names match shown whole, empty
 * folders pruned (tree -P --prune --matchdirs --ignore-case). */
int store_tree(const char *dir, const char *const *terms, size_t n_terms,
	       struct wbuf *b, uint32_t *n);

/* Store-relative form of an absolute path under root ("" for root). */
const char *store_rel(const struct store *s, const char *path);

#endif
