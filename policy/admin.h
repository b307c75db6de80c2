/* admin: the policy admin API of Qubes 4.1+ (upstream's policy/admin.py)
 * as a library: policy.List, policy.Get, policy.Replace, policy.Remove,
 * policy.GetFiles+SERVICE and policy.include.{List,Get,Replace,Remove}
 * on one policy directory (default /etc/qubes/policy.d; the /run
 * directory is never edited).
 *
 * Every call holds an exclusive flock on the directory. Files are
 * <dir>/<name>.policy or <dir>/include/<name>, name [A-Za-z0-9_-]+ and
 * resolving inside that directory. Get returns "sha256:<hex>\n" and the
 * content; Replace takes "TOKEN\n" and the content, Remove "TOKEN", where
 * TOKEN is any, new (the file must not exist) or sha256:<hex> (the file's
 * current hash). A change is validated by loading the whole directory
 * (and the legacy compat directory) with the change applied before
 * anything is written; a write goes to a temporary dotfile in the same
 * directory (which the loader ignores), is fsynced, made 0664 root:qubes
 * (the owner only when possible) and renamed over the file, and the
 * directory is fsynced.
 *
 * Errors are an upstream exception class name and a message, as the
 * service prints them ("<Class> <message>"); internal errors (I/O, a
 * current policy that does not load for GetFiles) have no class.
 *
 * Differences from upstream, failing closed: a Replace whose content is
 * not UTF-8 is a PolicyAdminSyntaxException (upstream: internal error);
 * validation also checks the file name of a new policy.d file, so
 * policy.Replace+Upper is refused instead of breaking every later load. */
#ifndef BULKHEAD_POLICY_ADMIN_H
#define BULKHEAD_POLICY_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* "sha256:" and 64 hex digits */
#define PADMIN_TOKEN_LEN 71
/* the largest payload a call takes: a policy file and its token line */
#define PADMIN_PAYLOAD_MAX (16u * 1024 * 1024 + 128)

/* exception class names, as upstream spells them */
#define PADMIN_EXC "PolicyAdminException"
#define PADMIN_EXC_TOKEN "PolicyAdminTokenException"
#define PADMIN_EXC_NOT_FOUND "PolicyAdminFileNotFoundException"
#define PADMIN_EXC_PROTOCOL "PolicyAdminProtocolException"
#define PADMIN_EXC_SYNTAX "PolicyAdminSyntaxException"
#define PADMIN_EXC_FILE_NAME "PolicyAdminInvalidFileNameException"
#define PADMIN_EXC_FILE_PATH "PolicyAdminInvalidFilePathException"

enum padmin_rc {
	PADMIN_OK = 0,
	PADMIN_EUSER = 1,     /* err.cls and err.msg say why */
	PADMIN_EINTERNAL = 2, /* err.cls is NULL; err.msg is for the log */
};

struct padmin_err {
	const char *cls;      /* one of PADMIN_EXC_*, or NULL */
	char msg[4096];
};

struct padmin_opts {
	const char *policy_dir; /* NULL: /etc/qubes/policy.d */
	const char *compat_dir; /* NULL: /etc/qubes-rpc/policy */
};

/* What a call returns (malloc'd; data is NUL-terminated, len excludes it;
 * data NULL and len 0 when the method returns nothing). */
struct padmin_out {
	char *data;
	size_t len;
};

/* Runs one call: method is the service name ("policy.Get"), arg its
 * argument ("" when none), payload what the caller sent. Returns a
 * padmin_rc; on success *out holds the result (free with
 * padmin_out_free). */
int padmin_call(const struct padmin_opts *o, const char *method, const char *arg,
		const char *payload, size_t plen, struct padmin_out *out,
		struct padmin_err *err);
void padmin_out_free(struct padmin_out *out);

/* Splits a full service name "policy.Get+30-user" at the first '+' into
 * a malloc'd method and a pointer to the argument ("" when none). Returns
 * 0 or -1 (out of memory). */
int padmin_split_service(const char *full, char **method, const char **arg);

/* Pure checks and helpers. */
/* [A-Za-z0-9+._-]* (RPCNAME_ALLOWED_CHARSET) */
bool padmin_arg_valid(const char *arg);
/* [A-Za-z0-9_-]+ (upstream's ^[\w-]+$ on an already valid argument) */
bool padmin_name_valid(const char *name);
/* out = "sha256:" + hex SHA-256 of data, NUL-terminated. Returns 0, or
 * -1 when the digest is unavailable. */
int padmin_token(const void *data, size_t len, char out[PADMIN_TOKEN_LEN + 1]);

/* File helpers shared with qrexec-legacy-convert. */
/* Opens dir and takes an exclusive flock on it (waits). Returns the fd
 * (close it to unlock) or -1 with errno. */
int padmin_lock_dir(const char *dir);
/* Reads a regular file of at most max bytes into a malloc'd,
 * NUL-terminated buffer. Returns 0, or -1 with errno (EFBIG when larger,
 * EINVAL when not a regular file). */
int padmin_read_file(const char *path, size_t max, char **data, size_t *len);
/* Writes path atomically: a temporary ".NAME.XXXXXX" in the same
 * directory, fsync, fchmod(mode), fchown(uid, gid) unless uid is
 * (uid_t)-1 (an EPERM is ignored), rename, fsync of the directory.
 * Returns 0, or -1 with a message naming the file in err. */
int padmin_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			uid_t uid, gid_t gid, char *err, size_t errlen);
/* The owner upstream gives policy files: root and the "qubes" group (gid
 * -1 when there is no such group). */
void padmin_policy_owner(uid_t *uid, gid_t *gid);
/* fsyncs the directory holding path. Returns 0 or -1 with errno. */
int padmin_sync_parent(const char *path);

#endif
