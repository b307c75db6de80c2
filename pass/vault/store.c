/* store: the password store on disk (see store.h). */
#include "pass/vault/store.h"

#include "pass/passproto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TREE_MAX_DEPTH 32
#define TREE_MAX_NODES 200000

int store_init(struct store *s, char *err, size_t errlen)
{
	s->lock_fd = -1;
	const char *d = getenv("PASSWORD_STORE_DIR");
	int n;
	if (d && d[0]) {
		n = snprintf(s->root, sizeof s->root, "%s", d);
	} else {
		const char *home = getenv("HOME");
		if (!home || !home[0]) {
			snprintf(err, errlen, "neither PASSWORD_STORE_DIR nor HOME is set");
			return -1;
		}
		n = snprintf(s->root, sizeof s->root, "%s/.password-store", home);
	}
	if (n < 0 || (size_t)n >= sizeof s->root - 8) {
		snprintf(err, errlen, "store path too long");
		return -1;
	}
	while (n > 1 && s->root[n - 1] == '/')
		s->root[--n] = '\0';
	return 0;
}

int store_lock(struct store *s, int timeout_ms)
{
	if (s->lock_fd >= 0)
		return 0;
	if (mkdir(s->root, 0700) < 0 && errno != EEXIST)
		return -1;
	int fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (int waited = 0;; waited += 10) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK || waited >= timeout_ms) {
			close(fd);
			return -1;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	s->lock_fd = fd;
	return 0;
}

void store_unlock(struct store *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
}

int store_dir_path(const struct store *s, const uint8_t *name, size_t n, char out[PATH_MAX])
{
	while (n && name[n - 1] == '/')
		n--;
	int l = n ? snprintf(out, PATH_MAX, "%s/%.*s", s->root, (int)n, (const char *)name)
		  : snprintf(out, PATH_MAX, "%s", s->root);
	return l < 0 || l >= PATH_MAX ? -1 : 0;
}

int store_file_path(const struct store *s, const uint8_t *name, size_t n, char out[PATH_MAX])
{
	while (n && name[n - 1] == '/')
		n--;
	int l = snprintf(out, PATH_MAX, "%s/%.*s.gpg", s->root, (int)n, (const char *)name);
	return l < 0 || l >= PATH_MAX || n == 0 ? -1 : 0;
}

bool path_is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

bool path_is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

bool path_exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

const char *store_rel(const struct store *s, const char *path)
{
	size_t n = strlen(s->root);
	if (strncmp(path, s->root, n) == 0 && (path[n] == '/' || path[n] == '\0'))
		return path[n] ? path + n + 1 : path + n;
	return path;
}

int read_file(const char *path, struct wbuf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		if (wbuf_reserve(b, 65536) != BUF_OK) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		ssize_t r = read(fd, b->p + b->len, b->cap - b->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		b->len += (size_t)r;
	}
	close(fd);
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char d[PATH_MAX];
	snprintf(d, sizeof d, "%s", path);
	char *slash = strrchr(d, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	int fd = open(d[0] ? d : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

int write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int l = slash ? snprintf(tmp, sizeof tmp, "%.*s/.%s.XXXXXX", (int)(slash - path), path,
				 slash + 1)
		      : -1;
	if (l < 0 || (size_t)l >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	const uint8_t *p = data;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	fsync_dir_of(path);
	return 0;
fail:;
	int e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}

int mkdir_parents(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s", path);
	char *slash = strrchr(p, '/');
	if (!slash || slash == p)
		return 0;
	*slash = '\0';
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		*q = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return -1;
	return path_is_dir(p) ? 0 : (errno = ENOTDIR, -1);
}

void prune_empty(const struct store *s, const char *dir)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s", dir);
	size_t rootlen = strlen(s->root);
	while (strlen(p) > rootlen && strncmp(p, s->root, rootlen) == 0 && p[rootlen] == '/') {
		if (rmdir(p) < 0)
			return;
		char *slash = strrchr(p, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
}

static int put_removed(const struct store *s, const char *path, struct wbuf *removed,
		       uint32_t *n)
{
	if (!removed)
		return 0;
	(*n)++;
	return passproto_put_str(removed, store_rel(s, path)) == BUF_OK ? 0 : -1;
}

int remove_tree(const struct store *s, const char *path, struct wbuf *removed, uint32_t *nremoved)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return -1;
		return put_removed(s, path, removed, nremoved);
	}
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char c[PATH_MAX];
		int l = snprintf(c, sizeof c, "%s/%s", path, e->d_name);
		if (l < 0 || (size_t)l >= sizeof c || remove_tree(s, c, removed, nremoved) < 0)
			rc = -1;
	}
	closedir(d);
	if (rc == 0 && rmdir(path) < 0)
		rc = -1;
	if (rc == 0)
		rc = put_removed(s, path, removed, nremoved);
	return rc;
}

/* The recipient lines of a .gpg-id file (comments after '#' and blank
 * lines dropped, surrounding blanks trimmed). */
static int gpg_id_lines(const char *path, char *out, size_t outlen)
{
	struct wbuf b;
	wbuf_init(&b, 1 << 20);
	if (read_file(path, &b) < 0) {
		wbuf_free(&b);
		return -1;
	}
	size_t o = 0;
	out[0] = '\0';
	const char *p = (const char *)b.p, *end = p + b.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(le - p));
		const char *e = hash ? hash : le;
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (e > p) {
			size_t n = (size_t)(e - p);
			if (o + n + 2 > outlen) {
				wbuf_free(&b);
				return -1;
			}
			memcpy(out + o, p, n);
			o += n;
			out[o++] = '\n';
			out[o] = '\0';
		}
		p = nl ? nl + 1 : end;
	}
	wbuf_free(&b);
	return o ? 0 : -1;
}

int store_recipients(const struct store *s, const char *path, char *out, size_t outlen)
{
	const char *key = getenv("PASSWORD_STORE_KEY");
	if (key && key[0]) {
		size_t o = 0;
		for (const char *p = key; *p;) {
			while (*p == ' ')
				p++;
			size_t n = strcspn(p, " ");
			if (n && o + n + 2 <= outlen) {
				memcpy(out + o, p, n);
				o += n;
				out[o++] = '\n';
			}
			p += n;
		}
		out[o] = '\0';
		return o ? 0 : -1;
	}
	char d[PATH_MAX];
	snprintf(d, sizeof d, "%s", path);
	size_t rootlen = strlen(s->root);
	/* start at the folder holding path (or path itself if a folder) */
	if (!path_is_dir(d)) {
		char *slash = strrchr(d, '/');
		if (slash)
			*slash = '\0';
	}
	for (;;) {
		char id[PATH_MAX + 8];
		snprintf(id, sizeof id, "%s/.gpg-id", d);
		if (path_is_file(id))
			return gpg_id_lines(id, out, outlen);
		if (strlen(d) <= rootlen)
			return -1;
		char *slash = strrchr(d, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
}

/* ---- tree nodes ---- */

struct entry {
	char *name;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static bool term_match(const char *name, const char *const *terms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char pat[PASS_MAX_NAME + 8];
		snprintf(pat, sizeof pat, "*%s*", terms[i]);
		if (fnmatch(pat, name, FNM_CASEFOLD) == 0)
			return true;
	}
	return false;
}

static int put_node(struct wbuf *b, uint32_t *n, char kind, unsigned depth, const char *name,
		    const char *target)
{
	if (*n >= TREE_MAX_NODES)
		return -1;
	size_t nl = strlen(name), tl = target ? strlen(target) + 1 : 0;
	uint8_t hdr[3] = {(uint8_t)kind, (uint8_t)depth, (uint8_t)(depth >> 8)};
	if (wbuf_put_u32le(b, (uint32_t)(3 + nl + tl)) != BUF_OK ||
	    wbuf_put_bytes(b, hdr, 3) != BUF_OK || wbuf_put_bytes(b, name, nl) != BUF_OK)
		return -1;
	if (target && (wbuf_put_bytes(b, "", 1) != BUF_OK ||
		       wbuf_put_bytes(b, target, tl - 1) != BUF_OK))
		return -1;
	(*n)++;
	return 0;
}

/* Walks dir at depth; with terms, only matching parts (returns via
 * *any whether anything was put). */
static int walk(const char *dir, unsigned depth, const char *const *terms, size_t n_terms,
		bool files_too, struct wbuf *b, uint32_t *n, bool *any)
{
	*any = false;
	if (depth > TREE_MAX_DEPTH)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct entry *ents = NULL;
	size_t ne = 0, cap = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (ne == cap) {
			cap = cap ? cap * 2 : 16;
			struct entry *ne2 = realloc(ents, cap * sizeof *ents);
			if (!ne2) {
				rc = -1;
				break;
			}
			ents = ne2;
		}
		ents[ne].name = strdup(e->d_name);
		if (!ents[ne].name) {
			rc = -1;
			break;
		}
		ne++;
	}
	closedir(d);
	if (ne)
		qsort(ents, ne, sizeof *ents, cmp_entry);
	for (size_t i = 0; rc == 0 && i < ne; i++) {
		char p[PATH_MAX];
		int l = snprintf(p, sizeof p, "%s/%s", dir, ents[i].name);
		if (l < 0 || (size_t)l >= sizeof p)
			continue;
		struct stat lst, st;
		if (lstat(p, &lst) < 0)
			continue;
		bool link = S_ISLNK(lst.st_mode);
		bool isdir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
		char target[PATH_MAX];
		if (link) {
			ssize_t tl = readlink(p, target, sizeof target - 1);
			target[tl > 0 ? tl : 0] = '\0';
		}
		char kind = link ? 'l' : isdir ? 'd' : 'f';
		bool self_match = n_terms && term_match(ents[i].name, terms, n_terms);
		if (!isdir) {
			if (n_terms && !self_match && !files_too)
				continue;
			rc = put_node(b, n, kind, depth, ents[i].name, link ? target : NULL);
			*any = true;
			continue;
		}
		/* a folder: its node, then its children. With terms, as tree
		 * 2.1 does it (-P --prune --matchdirs): a folder whose name
		 * matches is shown even when empty; the files directly in a
		 * matching top-level folder are shown; anything else only when
		 * its own name matches or something below it is shown */
		size_t mark = b->len;
		uint32_t nmark = *n;
		rc = put_node(b, n, kind, depth, ents[i].name, link ? target : NULL);
		bool sub = false;
		if (rc == 0)
			rc = walk(p, depth + 1, terms, n_terms, self_match && depth == 0, b, n, &sub);
		if (n_terms && !self_match && !sub) {
			b->len = mark;
			*n = nmark;
			continue;
		}
		*any = true;
	}
	for (size_t i = 0; i < ne; i++)
		free(ents[i].name);
	free(ents);
	return rc;
}

int store_tree(const char *dir, const char *const *terms, size_t n_terms,
	       struct wbuf *b, uint32_t *n)
{
	bool any;
	return walk(dir, 0, terms, n_terms, false, b, n, &any);
}
