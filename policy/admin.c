/* admin: the policy admin API (see admin.h): argument and name checks,
 * tokens, validation of a change against the whole directory, and
 * atomic writes, all under a flock on the policy directory. */
#include "policy/admin.h"
#include "policy/parser.h"
#include "policy/policy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- pure helpers ---- */

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool padmin_arg_valid(const char *arg)
{
	for (const unsigned char *p = (const unsigned char *)arg; *p; p++)
		if (!is_alnum(*p) && *p != '+' && *p != '-' && *p != '.' && *p != '_')
			return false;
	return true;
}

bool padmin_name_valid(const char *name)
{
	if (!name[0])
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (!is_alnum(*p) && *p != '-' && *p != '_')
			return false;
	return true;
}

int padmin_token(const void *data, size_t len, char out[PADMIN_TOKEN_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	out[0] = '\0';
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[PADMIN_TOKEN_LEN] = '\0';
	return 0;
}

int padmin_split_service(const char *full, char **method, const char **arg)
{
	const char *plus = strchr(full, '+');
	*method = plus ? strndup(full, (size_t)(plus - full)) : strdup(full);
	*arg = plus ? plus + 1 : "";
	return *method ? 0 : -1;
}

void padmin_out_free(struct padmin_out *out)
{
	free(out->data);
	out->data = NULL;
	out->len = 0;
}

/* ---- file helpers ---- */

int padmin_lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
	}
	return fd;
}

int padmin_read_file(const char *path, size_t max, char **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	size_t cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
	size_t n = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		if (n == cap) {
			/* the file grew since fstat */
			if (cap > max)
				break;
			size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, nc + 1);
			if (!nb) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return -1;
			}
			buf = nb;
			cap = nc;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

void padmin_policy_owner(uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam("root");
	struct group *gr = getgrnam("qubes");
	if (!pw || !gr) {
		/* upstream changes the owner only when both exist */
		*uid = (uid_t)-1;
		*gid = (gid_t)-1;
		return;
	}
	*uid = pw->pw_uid;
	*gid = gr->gr_gid;
}

int padmin_sync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash) {
		snprintf(dir, sizeof dir, ".");
	} else if (slash == path) {
		snprintf(dir, sizeof dir, "/");
	} else {
		if ((size_t)(slash - path) >= sizeof dir) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

static int write_fd_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int padmin_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
			uid_t uid, gid_t gid, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1]) {
		snprintf(err, errlen, "%s: not an absolute file path", path);
		return -1;
	}
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path,
			 slash + 1);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file for %s: %s", path,
			 strerror(errno));
		return -1;
	}
	const char *what = "write";
	if (write_fd_all(fd, data, len) < 0)
		goto fail;
	what = "fsync";
	if (fsync(fd) < 0)
		goto fail;
	what = "chmod";
	if (fchmod(fd, mode) < 0)
		goto fail;
	if (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0 && errno != EPERM) {
		what = "chown";
		goto fail;
	}
	what = "close";
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	what = "rename";
	if (rename(tmp, path) < 0)
		goto fail;
	if (padmin_sync_parent(path) < 0) {
		snprintf(err, errlen, "%s was written, but fsync of its directory failed: %s",
			 path, strerror(errno));
		return -1;
	}
	return 0;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	snprintf(err, errlen, "cannot write %s (%s of %s failed): %s", path, what, tmp,
		 strerror(e));
	return -1;
}

/* ---- the calls ---- */

struct call {
	char dir[PATH_MAX];    /* the policy directory, resolved */
	const char *compat;
	const char *arg;
	const char *payload;
	size_t plen;
	struct padmin_out *out;
	struct padmin_err *err;
};

static int user_err(struct call *c, const char *cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int internal_err(struct call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int user_err(struct call *c, const char *cls, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
	va_end(ap);
	c->err->cls = cls;
	return PADMIN_EUSER;
}

static int internal_err(struct call *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
	va_end(ap);
	c->err->cls = NULL;
	return PADMIN_EINTERNAL;
}

static int set_out(struct call *c, char *data, size_t len)
{
	c->out->data = data;
	c->out->len = len;
	return PADMIN_OK;
}

/* The file a name stands for: <dir>/<name>.policy or <dir>/include/<name>,
 * resolved (symlinks followed, as Python's Path.resolve) and required to
 * lie directly in that directory. */
static int get_path(struct call *c, bool include, char *path, size_t pathlen)
{
	if (!padmin_name_valid(c->arg))
		return user_err(c, PADMIN_EXC_FILE_NAME,
				"Invalid policy file name: %s\nNames must contain only "
				"alphanumeric characters, underscore and hyphen.", c->arg);
	char dirpath[PATH_MAX + 16], cand[PATH_MAX], res[PATH_MAX];
	snprintf(dirpath, sizeof dirpath, "%s%s", c->dir, include ? "/include" : "");
	int n = snprintf(cand, sizeof cand, "%s/%s%s", dirpath, c->arg,
			 include ? "" : ".policy");
	if (n < 0 || (size_t)n >= sizeof cand || strlen(dirpath) >= PATH_MAX)
		return user_err(c, PADMIN_EXC_FILE_PATH, "Expecting a path inside %s", dirpath);
	if (!realpath(cand, res)) {
		if (errno != ENOENT)
			return internal_err(c, "cannot resolve %s: %s", cand, strerror(errno));
		struct stat st;
		if (lstat(cand, &st) == 0)
			/* a dangling symlink: it could point anywhere */
			return user_err(c, PADMIN_EXC_FILE_PATH, "Expecting a path inside %s",
					dirpath);
		char rd[PATH_MAX];
		if (realpath(dirpath, rd))
			n = snprintf(res, sizeof res, "%s/%s%s", rd, c->arg,
				     include ? "" : ".policy");
		else if (errno == ENOENT)
			n = snprintf(res, sizeof res, "%s", cand);
		else
			return internal_err(c, "cannot resolve %s: %s", dirpath, strerror(errno));
		if (n < 0 || (size_t)n >= sizeof res)
			return user_err(c, PADMIN_EXC_FILE_PATH, "Expecting a path inside %s",
					dirpath);
	}
	const char *slash = strrchr(res, '/');
	if (!slash || (size_t)(slash - res) != strlen(dirpath) ||
	    strncmp(res, dirpath, strlen(dirpath)) != 0)
		return user_err(c, PADMIN_EXC_FILE_PATH, "Expecting a path inside %s", dirpath);
	snprintf(path, pathlen, "%s", res);
	return PADMIN_OK;
}

/* 1: a regular file, 0: absent or not a regular file, -1: error */
static int is_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return S_ISREG(st.st_mode) ? 1 : 0;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/* 1: exists, 0: absent, -1: error */
static int exists(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

static int check_token(struct call *c, const char *tok, size_t tlen, const char *path)
{
	if (tlen == 3 && memcmp(tok, "any", 3) == 0)
		return PADMIN_OK;
	int ex;
	if (tlen == 3 && memcmp(tok, "new", 3) == 0) {
		if ((ex = exists(path)) < 0)
			return internal_err(c, "cannot check %s: %s", path, strerror(errno));
		if (ex)
			return user_err(c, PADMIN_EXC_TOKEN, "File exists but token is 'new'");
		return PADMIN_OK;
	}
	if (tlen < 7 || memcmp(tok, "sha256:", 7) != 0)
		return user_err(c, PADMIN_EXC_PROTOCOL, "Unrecognized token");
	if ((ex = exists(path)) < 0)
		return internal_err(c, "cannot check %s: %s", path, strerror(errno));
	if (!ex)
		return user_err(c, PADMIN_EXC_TOKEN, "File doesn't exist, but token isn't 'new'");
	char *data;
	size_t len;
	if (padmin_read_file(path, PADMIN_PAYLOAD_MAX, &data, &len) < 0)
		return internal_err(c, "cannot read %s: %s", path, strerror(errno));
	char cur[PADMIN_TOKEN_LEN + 1];
	int rc = padmin_token(data, len, cur);
	free(data);
	if (rc < 0)
		return internal_err(c, "SHA-256 is not available");
	if (tlen != PADMIN_TOKEN_LEN || memcmp(tok, cur, PADMIN_TOKEN_LEN) != 0)
		return user_err(c, PADMIN_EXC_TOKEN, "Token mismatch");
	return PADMIN_OK;
}

/* Loads the whole directory (and the compat directory) with path
 * replaced by content (content NULL: removed). */
static int validate(struct call *c, const char *path, const char *content, size_t len)
{
	struct policy_override ov = {.path = path, .content = content, .len = len};
	const char *dirs[1] = {c->dir};
	struct policy_load_opts lo = {.dirs = dirs, .ndirs = 1, .compat_dir = c->compat,
				      .overrides = &ov, .noverrides = 1};
	char err[3072];
	struct policy *p = policy_load(&lo, err, sizeof err);
	if (!p)
		return user_err(c, PADMIN_EXC_SYNTAX, "Policy change validation failed: %s", err);
	policy_free(p);
	return PADMIN_OK;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The regular files of dir, sorted, one per line; with a suffix only the
 * names ending in it, with it stripped. */
static int common_list(struct call *c, const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	if (!d)
		return internal_err(c, "cannot list %s: %s", dir, strerror(errno));
	char **v = NULL;
	size_t n = 0, cap = 0, total = 0, slen = strlen(suffix);
	struct dirent *de;
	int rc = PADMIN_OK;
	errno = 0;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		size_t len = strlen(name);
		if (slen) {
			if (len < slen || strcmp(name + len - slen, suffix) != 0)
				continue;
			len -= slen;
		}
		for (size_t i = 0; i < len; i++) {
			if ((unsigned char)name[i] >= 0x80) {
				/* upstream fails encoding the list as ASCII */
				rc = internal_err(c, "%s: a file name is not ASCII", dir);
				goto out;
			}
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **nv = realloc(v, nc * sizeof *nv);
			if (!nv) {
				rc = internal_err(c, "out of memory");
				goto out;
			}
			v = nv;
			cap = nc;
		}
		if (!(v[n] = strndup(name, len))) {
			rc = internal_err(c, "out of memory");
			goto out;
		}
		n++;
		total += len + 1;
	}
	if (errno) {
		rc = internal_err(c, "cannot list %s: %s", dir, strerror(errno));
		goto out;
	}
	if (n > 1)
		qsort(v, n, sizeof v[0], cmp_str);
	char *buf = malloc(total + 1);
	if (!buf) {
		rc = internal_err(c, "out of memory");
		goto out;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(v[i]);
		memcpy(buf + o, v[i], l);
		o += l;
		buf[o++] = '\n';
	}
	buf[o] = '\0';
	set_out(c, buf, o);
out:
	closedir(d);
	free_names(v, n);
	return rc;
}

static int common_get(struct call *c, const char *path)
{
	int f = is_file(path);
	if (f < 0)
		return internal_err(c, "cannot check %s: %s", path, strerror(errno));
	if (!f)
		return user_err(c, PADMIN_EXC_NOT_FOUND, "Not found: %s", path);
	char *data;
	size_t len;
	if (padmin_read_file(path, PADMIN_PAYLOAD_MAX, &data, &len) < 0)
		return internal_err(c, "cannot read %s: %s", path, strerror(errno));
	char tok[PADMIN_TOKEN_LEN + 1];
	char *buf = NULL;
	if (padmin_token(data, len, tok) < 0) {
		free(data);
		return internal_err(c, "SHA-256 is not available");
	}
	buf = malloc(PADMIN_TOKEN_LEN + 1 + len + 1);
	if (!buf) {
		free(data);
		return internal_err(c, "out of memory");
	}
	memcpy(buf, tok, PADMIN_TOKEN_LEN);
	buf[PADMIN_TOKEN_LEN] = '\n';
	memcpy(buf + PADMIN_TOKEN_LEN + 1, data, len);
	buf[PADMIN_TOKEN_LEN + 1 + len] = '\0';
	free(data);
	return set_out(c, buf, PADMIN_TOKEN_LEN + 1 + len);
}

static int common_replace(struct call *c, const char *path)
{
	const char *nl = memchr(c->payload, '\n', c->plen);
	if (!nl)
		return user_err(c, PADMIN_EXC_PROTOCOL,
				"Payload needs to include first line with token");
	size_t tlen = (size_t)(nl - c->payload);
	const char *data = nl + 1;
	size_t len = c->plen - tlen - 1;
	int rc = check_token(c, c->payload, tlen, path);
	if (rc != PADMIN_OK)
		return rc;
	if (!utf8_valid((const unsigned char *)data, len))
		return user_err(c, PADMIN_EXC_SYNTAX,
				"Policy change validation failed: %s: not valid UTF-8", path);
	if ((rc = validate(c, path, data, len)) != PADMIN_OK)
		return rc;
	uid_t uid;
	gid_t gid;
	padmin_policy_owner(&uid, &gid);
	char err[2048];
	if (padmin_write_atomic(path, data, len, 0664, uid, gid, err, sizeof err) < 0)
		return internal_err(c, "%s", err);
	return PADMIN_OK;
}

static int common_remove(struct call *c, const char *path)
{
	int rc = check_token(c, c->payload, c->plen, path);
	if (rc != PADMIN_OK)
		return rc;
	int f = is_file(path);
	if (f < 0)
		return internal_err(c, "cannot check %s: %s", path, strerror(errno));
	if (!f)
		return user_err(c, PADMIN_EXC_NOT_FOUND, "Not found: %s", path);
	if ((rc = validate(c, path, NULL, 0)) != PADMIN_OK)
		return rc;
	if (unlink(path) < 0)
		return internal_err(c, "cannot remove %s: %s", path, strerror(errno));
	if (padmin_sync_parent(path) < 0)
		return internal_err(c, "%s was removed, but fsync of its directory failed: %s",
				    path, strerror(errno));
	return PADMIN_OK;
}

static int m_list(struct call *c)
{
	return common_list(c, c->dir, ".policy");
}

static int m_include_list(struct call *c)
{
	char dir[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/include", c->dir);
	return common_list(c, dir, "");
}

#define PATH_METHOD(fn, include, common)                          \
	static int fn(struct call *c)                             \
	{                                                         \
		char path[PATH_MAX];                              \
		int rc = get_path(c, include, path, sizeof path); \
		return rc != PADMIN_OK ? rc : common(c, path);    \
	}

PATH_METHOD(m_get, false, common_get)
PATH_METHOD(m_include_get, true, common_get)
PATH_METHOD(m_replace, false, common_replace)
PATH_METHOD(m_include_replace, true, common_replace)
PATH_METHOD(m_remove, false, common_remove)
PATH_METHOD(m_include_remove, true, common_remove)

/* Python's PurePath.stem of the last component of path */
static void stem(const char *path, const char **s, size_t *len)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	const char *dot = strrchr(base, '.');
	*s = base;
	*len = dot && dot != base && dot[1] ? (size_t)(dot - base) : n;
}

static int m_get_files(struct call *c)
{
	if (!c->arg[0])
		return user_err(c, PADMIN_EXC_PROTOCOL, "Service cannot be empty.");
	if (strchr(c->arg, '+'))
		return user_err(c, PADMIN_EXC_PROTOCOL,
				"Service '%s' contains invalid characters: ('+',)", c->arg);
	const char *dirs[1] = {c->dir};
	struct policy_load_opts lo = {.dirs = dirs, .ndirs = 1, .compat_dir = c->compat};
	char err[3072];
	struct policy *p = policy_load(&lo, err, sizeof err);
	if (!p)
		return internal_err(c, "the policy does not load: %s", err);
	/* files in order, each once */
	const char **files = calloc(p->nrules ? p->nrules : 1, sizeof *files);
	size_t nf = 0, total = 0, dl = strlen(c->dir);
	if (!files) {
		policy_free(p);
		return internal_err(c, "out of memory");
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		if (r->service && strcmp(r->service, c->arg) != 0)
			continue;
		bool seen = false;
		for (size_t k = 0; k < nf && !seen; k++)
			seen = files[k] == r->file || strcmp(files[k], r->file) == 0;
		if (!seen) {
			files[nf++] = r->file;
			total += strlen(r->file) + 1;
		}
	}
	char *buf = malloc(total + 1);
	if (!buf) {
		free(files);
		policy_free(p);
		return internal_err(c, "out of memory");
	}
	/* inside the policy directory: the stem; elsewhere the full path.
	 * Distinct files may share a stem; upstream lists it once. */
	size_t o = 0;
	for (size_t i = 0; i < nf; i++) {
		const char *s = files[i];
		size_t l = strlen(s);
		if (strncmp(s, c->dir, dl) == 0 && s[dl] == '/')
			stem(s, &s, &l);
		bool dup = false;
		for (size_t start = 0; start < o && !dup;) {
			const char *e = memchr(buf + start, '\n', o - start);
			size_t el = (size_t)(e - (buf + start));
			dup = el == l && memcmp(buf + start, s, l) == 0;
			start += el + 1;
		}
		if (dup)
			continue;
		memcpy(buf + o, s, l);
		o += l;
		buf[o++] = '\n';
	}
	buf[o] = '\0';
	free(files);
	policy_free(p);
	return set_out(c, buf, o);
}

struct method {
	const char *name;
	bool no_arg, no_payload;
	int (*fn)(struct call *c);
};

static const struct method methods[] = {
	{"policy.List", true, true, m_list},
	{"policy.include.List", true, true, m_include_list},
	{"policy.Get", false, true, m_get},
	{"policy.include.Get", false, true, m_include_get},
	{"policy.Replace", false, false, m_replace},
	{"policy.include.Replace", false, false, m_include_replace},
	{"policy.Remove", false, false, m_remove},
	{"policy.include.Remove", false, false, m_include_remove},
	{"policy.GetFiles", false, true, m_get_files},
};

int padmin_call(const struct padmin_opts *o, const char *method, const char *arg,
		const char *payload, size_t plen, struct padmin_out *out,
		struct padmin_err *err)
{
	struct call c = {.compat = o && o->compat_dir ? o->compat_dir : POLICY_COMPAT_DIR,
			 .arg = arg, .payload = payload ? payload : "", .plen = payload ? plen : 0,
			 .out = out, .err = err};
	out->data = NULL;
	out->len = 0;
	err->cls = NULL;
	err->msg[0] = '\0';
	if (!padmin_arg_valid(arg))
		return user_err(&c, PADMIN_EXC_PROTOCOL,
				"Invalid argument: \"%s\"\nValid characters are letters, numbers, "
				"dot, plus, hyphen and underline", arg);
	const struct method *m = NULL;
	for (size_t i = 0; i < sizeof methods / sizeof methods[0] && !m; i++)
		if (strcmp(methods[i].name, method) == 0)
			m = &methods[i];
	if (!m)
		return user_err(&c, PADMIN_EXC_PROTOCOL, "unrecognized method: %s", method);
	if (m->no_arg && arg[0])
		return user_err(&c, PADMIN_EXC_PROTOCOL, "Unexpected argument");
	if (m->no_payload && c.plen)
		return user_err(&c, PADMIN_EXC_PROTOCOL, "Unexpected payload");
	if (c.plen > PADMIN_PAYLOAD_MAX)
		return user_err(&c, PADMIN_EXC_PROTOCOL, "Payload larger than %u bytes",
				PADMIN_PAYLOAD_MAX);
	const char *dir = o && o->policy_dir ? o->policy_dir : POLICY_ETC_DIR;
	int lock = padmin_lock_dir(dir);
	if (lock < 0)
		return internal_err(&c, "cannot lock the policy directory %s: %s", dir,
				    strerror(errno));
	int rc;
	if (!realpath(dir, c.dir))
		rc = internal_err(&c, "cannot resolve the policy directory %s: %s", dir,
				  strerror(errno));
	else
		rc = m->fn(&c);
	close(lock);
	if (rc != PADMIN_OK)
		padmin_out_free(out);
	return rc;
}
