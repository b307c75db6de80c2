/* loader: reads policy directories and follows !include, !include-dir,
 * !include-service and !compat-4.0 into one struct policy (see policy.h).
 * Also the small policy container functions (rules, index, paths). */
#include "policy/compat40.h"
#include "policy/parser.h"
#include "policy/policy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct policy *policy_new(void)
{
	struct policy *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	arena_init(&p->a);
	strmap_init(&p->by_service);
	strmap_init(&p->names);
	p->refs = 1;
	return p;
}

struct policy *policy_ref(struct policy *p)
{
	if (p)
		p->refs++;
	return p;
}

void policy_free(struct policy *p)
{
	if (!p || --p->refs > 0)
		return;
	for (size_t i = 0; i < p->by_service.cap; i++) {
		struct rule_index *ri = p->by_service.slots[i].val;
		if (ri)
			free(ri->v);
	}
	strmap_free(&p->by_service);
	strmap_free(&p->names);
	free(p->wild.v);
	free(p->rules);
	free(p->paths);
	free(p->hashes);
	arena_free(&p->a);
	free(p);
}

int policy_add_rule(struct policy *p, const struct rule *r)
{
	if (p->nrules >= UINT32_MAX - 1)
		return -1;
	if (p->nrules == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 64;
		struct rule *nr = realloc(p->rules, nc * sizeof *nr);
		if (!nr)
			return -1;
		p->rules = nr;
		p->cap = nc;
	}
	p->rules[p->nrules++] = *r;
	return 0;
}

static int index_push(struct rule_index *ri, uint32_t v)
{
	if (ri->n == ri->cap) {
		size_t nc = ri->cap ? ri->cap * 2 : 8;
		uint32_t *nv = realloc(ri->v, nc * sizeof *nv);
		if (!nv)
			return -1;
		ri->v = nv;
		ri->cap = nc;
	}
	ri->v[ri->n++] = v;
	return 0;
}

/* Points a plain-name token at the one interned copy of its text. */
static int intern(struct policy *p, struct ptoken *t)
{
	if (t->kind != PTOK_NAME)
		return 0;
	const char *c = strmap_get(&p->names, t->text);
	if (!c) {
		if (strmap_put(&p->names, t->text, (void *)t->text) < 0)
			return -1;
		c = t->text;
	}
	t->text = t->val = c;
	return 0;
}

int policy_finish(struct policy *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		struct rule *r = &p->rules[i];
		if (intern(p, &r->source) < 0 || intern(p, &r->target) < 0)
			return -1;
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const char *svc = p->rules[i].service;
		struct rule_index *ri = &p->wild;
		if (svc) {
			ri = strmap_get(&p->by_service, svc);
			if (!ri) {
				ri = arena_calloc(&p->a, 1, sizeof *ri);
				if (!ri || strmap_put(&p->by_service, svc, ri) < 0)
					return -1;
			}
		}
		if (index_push(ri, (uint32_t)i) < 0)
			return -1;
	}
	return 0;
}

void policy_lists_for(const struct policy *p, const char *service,
		      const struct rule_index **own, const struct rule_index **wild)
{
	*own = strmap_get(&p->by_service, service);
	*wild = &p->wild;
}

/* FNV-1a over the content, then the length: what a file said when it
 * was read (policy_files_unchanged compares). 0 is kept for directories. */
static uint64_t content_hash(const char *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 0x100000001b3ULL;
	}
	h ^= len;
	return h | 1;
}

static int add_path(struct policy *p, const char *path, uint64_t hash)
{
	for (size_t i = 0; i < p->npaths; i++)
		if (strcmp(p->paths[i], path) == 0) {
			if (hash)
				p->hashes[i] = hash;
			return 0;
		}
	if (p->npaths == p->pcap) {
		size_t nc = p->pcap ? p->pcap * 2 : 16;
		const char **np = realloc(p->paths, nc * sizeof *np);
		if (!np)
			return -1;
		p->paths = np;
		uint64_t *nh = realloc(p->hashes, nc * sizeof *nh);
		if (!nh)
			return -1;
		p->hashes = nh;
		p->pcap = nc;
	}
	const char *c = arena_strdup(&p->a, path);
	if (!c)
		return -1;
	p->hashes[p->npaths] = hash;
	p->paths[p->npaths++] = c;
	return 0;
}

bool policy_filename_valid(const char *name)
{
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '_' || *c == '.' || *c == '-'))
			return false;
	return true;
}

/* ---- the load ---- */

struct loader {
	struct policy *p;
	const struct policy_load_opts *o;
	const char *compat_dir;
	const char *base;            /* directory includes resolve against */
	const char *stack[POLICY_MAX_DEPTH + 1]; /* files being parsed */
	int depth;
	bool in_compat;
	const char *cur_file;        /* for error messages */
	char *err;
	size_t errlen;
	bool failed;
};

static int fail(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct loader *l, const char *fmt, ...)
{
	if (!l->failed) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(l->err, l->errlen, fmt, ap);
		va_end(ap);
		l->failed = true;
	}
	return -1;
}

static const struct policy_override *find_override(struct loader *l, const char *path)
{
	for (size_t i = 0; i < l->o->noverrides; i++)
		if (strcmp(l->o->overrides[i].path, path) == 0)
			return &l->o->overrides[i];
	return NULL;
}

/* Joins base and path (unless path is absolute) and resolves it as
 * Python's Path.resolve() does: symlinks and ".." in the existing part;
 * a missing tail is appended normalised. */
static void resolve_path(const char *base, const char *path, char *out, size_t outlen)
{
	char joined[PATH_MAX * 2];
	if (path[0] == '/')
		snprintf(joined, sizeof joined, "%s", path);
	else
		snprintf(joined, sizeof joined, "%s/%s", base, path);
	char res[PATH_MAX];
	if (realpath(joined, res)) {
		snprintf(out, outlen, "%s", res);
		return;
	}
	/* lexical normalisation, then resolve the longest existing prefix */
	char norm[PATH_MAX * 2] = "";
	size_t nl = 0;
	const char *s = joined;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t cl = (size_t)(e - s);
		if (cl == 0)
			break;
		if (cl == 1 && s[0] == '.') {
			/* skip */
		} else if (cl == 2 && s[0] == '.' && s[1] == '.') {
			while (nl > 0 && norm[nl - 1] != '/')
				nl--;
			if (nl > 0)
				nl--;
		} else if (nl + cl + 2 < sizeof norm) {
			norm[nl++] = '/';
			memcpy(norm + nl, s, cl);
			nl += cl;
		}
		norm[nl] = '\0';
		s = e;
	}
	if (nl == 0)
		snprintf(norm, sizeof norm, "/");
	char prefix[PATH_MAX * 2];
	snprintf(prefix, sizeof prefix, "%s", norm);
	char *cut = strrchr(prefix, '/');
	while (cut && cut != prefix) {
		*cut = '\0';
		if (realpath(prefix, res)) {
			snprintf(out, outlen, "%s%s", strcmp(res, "/") ? res : "",
				 norm + (cut - prefix));
			return;
		}
		cut = strrchr(prefix, '/');
	}
	snprintf(out, outlen, "%s", norm);
}

static int read_file(struct loader *l, const char *path, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(l, "failed to load %s file: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(l, "failed to load %s file: not a regular file", path);
	}
	bool leased = false;
	if (l->o->busy_check) {
		if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) {
			leased = true;
		} else if (errno == EAGAIN) {
			close(fd);
			if (l->o->busy)
				*l->o->busy = true;
			return fail(l, "%s is being written", path);
		}
	}
	if ((unsigned long long)st.st_size > POLICY_FILE_MAX) {
		close(fd);
		return fail(l, "failed to load %s file: larger than %u bytes", path,
			    POLICY_FILE_MAX);
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return fail(l, "failed to load %s file: out of memory", path);
	}
	for (;;) {
		if (n == cap) {
			if (cap > POLICY_FILE_MAX) {
				free(buf);
				close(fd);
				return fail(l, "failed to load %s file: larger than %u bytes",
					    path, POLICY_FILE_MAX);
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				close(fd);
				return fail(l, "failed to load %s file: out of memory", path);
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			return fail(l, "failed to load %s file: %s", path, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (leased)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);
	*data = buf;
	*len = n;
	return 0;
}

static int parse_file(struct loader *l, const char *path, enum pfmt fmt,
		      const char *svc, const char *arg, unsigned from_line);

/* parser callbacks */
static int cb_rule(void *ctx, const struct rule *r)
{
	struct loader *l = ctx;
	if (policy_add_rule(l->p, r) < 0)
		return fail(l, "out of memory");
	return 0;
}

static int cb_error(void *ctx, unsigned line, const char *msg)
{
	struct loader *l = ctx;
	return fail(l, "%s:%u: %s", l->cur_file, line, msg);
}

static int load_dir(struct loader *l, const char *dir, bool top, unsigned line);
static int load_compat(struct loader *l, unsigned line);

static int cb_directive(void *ctx, const struct pdirective_args *d, unsigned line)
{
	struct loader *l = ctx;
	const char *file = l->cur_file;
	char path[PATH_MAX * 2];
	if (d->kind == PDIR_COMPAT40) {
		if (l->in_compat)
			return fail(l, "%s:%u: !compat-4.0 is not recursive", file, line);
		return load_compat(l, line);
	}
	resolve_path(l->base, d->path, path, sizeof path);
	int rc;
	if (d->kind == PDIR_INCLUDE_DIR) {
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			return fail(l, "%s:%u: not a directory: %s", file, line, path);
		rc = load_dir(l, path, false, line);
	} else {
		const struct policy_override *ov = find_override(l, path);
		if (ov && !ov->content)
			return fail(l, "%s:%u: including a file that will be removed: %s",
				    file, line, path);
		struct stat st;
		if (!ov && (stat(path, &st) < 0 || !S_ISREG(st.st_mode)))
			return fail(l, "%s:%u: not a file: %s", file, line, path);
		if (d->kind == PDIR_INCLUDE)
			rc = parse_file(l, path, PFMT_POLICY, NULL, NULL, line);
		else
			rc = parse_file(l, path, PFMT_SERVICE, d->service, d->argument, line);
	}
	l->cur_file = file;
	return rc;
}

static int parse_file(struct loader *l, const char *path, enum pfmt fmt,
		      const char *svc, const char *arg, unsigned from_line)
{
	const char *including = l->cur_file;
	for (int i = 0; i < l->depth; i++)
		if (strcmp(l->stack[i], path) == 0)
			return fail(l, "%s:%u: circular include of %s", including, from_line, path);
	if (l->depth >= POLICY_MAX_DEPTH)
		return fail(l, "%s:%u: includes nested deeper than %d levels", including,
			    from_line, POLICY_MAX_DEPTH);
	const char *fpath = arena_strdup(&l->p->a, path);
	if (!fpath)
		return fail(l, "out of memory");
	char *data = NULL;
	size_t len = 0;
	const struct policy_override *ov = find_override(l, path);
	if (ov) {
		data = malloc(ov->len + 1);
		if (!data)
			return fail(l, "out of memory");
		if (ov->len)
			memcpy(data, ov->content, ov->len);
		len = ov->len;
	} else if (read_file(l, path, &data, &len) < 0) {
		return -1;
	}
	if (add_path(l->p, path, content_hash(data, len)) < 0) {
		free(data);
		return fail(l, "out of memory");
	}
	/* service and argument strings must live as long as the rules */
	const char *s2 = svc ? arena_strdup(&l->p->a, svc) : NULL;
	const char *a2 = arg ? arena_strdup(&l->p->a, arg) : NULL;
	if ((svc && !s2) || (arg && !a2)) {
		free(data);
		return fail(l, "out of memory");
	}
	l->stack[l->depth++] = fpath;
	l->cur_file = fpath;
	struct pparse_ops ops = {.ctx = l, .rule = cb_rule, .directive = cb_directive,
				 .error = cb_error};
	int rc = policy_parse_text(data, len, fpath, fmt, s2, a2, &l->p->a, &ops);
	l->depth--;
	l->cur_file = including;
	free(data);
	if (rc < 0 && !l->failed)
		fail(l, "%s: failed to parse", fpath);
	return rc;
}

struct dentry {
	char *name;
	char *path;
};

static int cmp_dentry(const void *x, const void *y)
{
	return strcmp(((const struct dentry *)x)->name, ((const struct dentry *)y)->name);
}

static bool is_policy_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 7 && strcmp(name + n - 7, ".policy") == 0;
}

/* Collects the *.policy files of dir into v (merged by name: an existing
 * name wins). */
static int collect_dir(struct loader *l, const char *dir, struct dentry **v,
		       size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return fail(l, "failed to load %s file: %s", dir, strerror(errno));
	}
	if (add_path(l->p, dir, 0) < 0) {
		closedir(d);
		return fail(l, "out of memory");
	}
	struct dentry *nv;
	struct dirent *de;
	int rc = 0;
	size_t first = *n;
	while ((de = readdir(d))) {
		if (!is_policy_name(de->d_name))
			continue;
		char path[PATH_MAX * 2];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		const struct policy_override *ov = find_override(l, path);
		if (ov && !ov->content)
			continue;
		struct stat st;
		if (!ov && (stat(path, &st) < 0 || !S_ISREG(st.st_mode)))
			continue;
		if (!policy_filename_valid(de->d_name)) {
			rc = fail(l, "invalid filename: %s", path);
			break;
		}
		bool dup = false;
		for (size_t i = 0; i < first && !dup; i++)
			dup = strcmp((*v)[i].name, de->d_name) == 0;
		if (dup)
			continue;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 32;
			nv = realloc(*v, nc * sizeof *nv);
			if (!nv) {
				rc = fail(l, "out of memory");
				break;
			}
			*v = nv;
			*cap = nc;
		}
		(*v)[*n].name = strdup(de->d_name);
		(*v)[*n].path = strdup(path);
		if (!(*v)[*n].name || !(*v)[*n].path) {
			free((*v)[*n].name);
			free((*v)[*n].path);
			rc = fail(l, "out of memory");
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (rc < 0)
		return rc;
	/* overrides adding new files to this directory */
	for (size_t i = 0; i < l->o->noverrides; i++) {
		const struct policy_override *ov = &l->o->overrides[i];
		const char *slash = strrchr(ov->path, '/');
		if (!ov->content || !slash || (size_t)(slash - ov->path) != strlen(dir) ||
		    strncmp(ov->path, dir, strlen(dir)) != 0 || !is_policy_name(slash + 1))
			continue;
		bool dup = false;
		for (size_t k = 0; k < *n && !dup; k++)
			dup = strcmp((*v)[k].path, ov->path) == 0;
		if (dup)
			continue;
		if (!policy_filename_valid(slash + 1))
			return fail(l, "invalid filename: %s", ov->path);
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 32;
			nv = realloc(*v, nc * sizeof *nv);
			if (!nv)
				return fail(l, "out of memory");
			*v = nv;
			*cap = nc;
		}
		(*v)[*n].name = strdup(slash + 1);
		(*v)[*n].path = strdup(ov->path);
		if (!(*v)[*n].name || !(*v)[*n].path) {
			free((*v)[*n].name);
			free((*v)[*n].path);
			return fail(l, "out of memory");
		}
		(*n)++;
	}
	return 0;
}

static void free_dentries(struct dentry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

/* Loads the *.policy files of one or more directories, sorted by name.
 * top: these are top-level files, each resetting the include base. */
static int load_files(struct loader *l, struct dentry *v, size_t n, bool top)
{
	if (n > 1) /* v is NULL when there is no file: qsort wants a pointer */
		qsort(v, n, sizeof v[0], cmp_dentry);
	for (size_t i = 0; i < n; i++) {
		const char *saved = l->base;
		char dir[PATH_MAX * 2];
		if (top) {
			snprintf(dir, sizeof dir, "%s", v[i].path);
			char *slash = strrchr(dir, '/');
			if (slash)
				*slash = '\0';
			l->base = dir;
		}
		int rc = parse_file(l, v[i].path, PFMT_POLICY, NULL, NULL, 0);
		l->base = saved;
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int load_dir(struct loader *l, const char *dir, bool top, unsigned line)
{
	(void)line;
	struct dentry *v = NULL;
	size_t n = 0, cap = 0;
	int rc = collect_dir(l, dir, &v, &n, &cap);
	if (rc == 0)
		rc = load_files(l, v, n, top);
	free_dentries(v, n);
	return rc;
}

static int load_compat(struct loader *l, unsigned line)
{
	const char *file = l->cur_file;
	struct compat40_entry *v;
	size_t n;
	if (compat40_list(l->compat_dir, &v, &n) < 0)
		return fail(l, "%s:%u: failed to read %s: %s", file, line, l->compat_dir,
			    strerror(errno));
	if (add_path(l->p, l->compat_dir, 0) < 0) {
		compat40_list_free(v, n);
		return fail(l, "out of memory");
	}
	const char *saved = l->base;
	l->base = l->compat_dir;
	l->in_compat = true;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char err[1024];
		const char *svc, *arg;
		if (rule_check_service_arg(v[i].service, v[i].argument ? v[i].argument : "*",
					   &svc, &arg, err, sizeof err) < 0) {
			rc = fail(l, "%s:%u: %s", file, line, err);
			break;
		}
		char path[PATH_MAX * 2];
		snprintf(path, sizeof path, "%s/%s", l->compat_dir, v[i].name);
		rc = parse_file(l, path, PFMT_SERVICE, svc, arg, line);
		if (rc < 0 || !v[i].argument)
			continue;
		/* the implicit denies after an argument-specific file */
		static const char *const tgts[] = {"@anyvm", "@adminvm"};
		for (int k = 0; k < 2 && rc == 0; k++) {
			struct rule r;
			const char *fp = arena_strdup(&l->p->a, path);
			const char *s2 = arena_strdup(&l->p->a, v[i].service);
			const char *a2 = arena_strdup(&l->p->a, v[i].argument);
			if (!fp || !s2 || !a2 ||
			    rule_build(&r, s2, a2, "@anyvm", tgts[k], "deny", NULL, 0, err,
				       sizeof err) < 0) {
				rc = fail(l, "%s: %s", path, fp ? err : "out of memory");
				break;
			}
			r.file = fp;
			r.line = 0;
			if (policy_add_rule(l->p, &r) < 0)
				rc = fail(l, "out of memory");
		}
	}
	l->in_compat = false;
	l->base = saved;
	l->cur_file = file;
	compat40_list_free(v, n);
	return rc;
}

struct policy *policy_load(const struct policy_load_opts *o, char *err, size_t errlen)
{
	static const char *const defdirs[] = {POLICY_RUN_DIR, POLICY_ETC_DIR};
	struct policy_load_opts dflt = {0};
	if (!o)
		o = &dflt;
	const char *const *dirs = o->dirs ? o->dirs : defdirs;
	size_t ndirs = o->dirs ? o->ndirs : 2;
	struct loader l = {.o = o, .err = err, .errlen = errlen,
			   .compat_dir = o->compat_dir ? o->compat_dir : POLICY_COMPAT_DIR,
			   .cur_file = "(policy)"};
	if (errlen)
		err[0] = '\0';
	l.p = policy_new();
	if (!l.p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	struct dentry *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (size_t i = 0; i < ndirs && rc == 0; i++)
		rc = collect_dir(&l, dirs[i], &v, &n, &cap);
	if (rc == 0)
		rc = load_files(&l, v, n, true);
	free_dentries(v, n);
	if (rc == 0 && policy_finish(l.p) < 0)
		rc = fail(&l, "out of memory");
	if (rc < 0) {
		policy_free(l.p);
		return NULL;
	}
	return l.p;
}

bool policy_files_unchanged(const struct policy *p)
{
	bool busy = false;
	struct policy_load_opts o = {.busy_check = true, .busy = &busy};
	char err[8];
	struct loader l = {.o = &o, .err = err, .errlen = sizeof err};
	for (size_t i = 0; i < p->npaths; i++) {
		if (!p->hashes[i])
			continue;
		char *data;
		size_t len;
		l.failed = false;
		if (read_file(&l, p->paths[i], &data, &len) < 0)
			return false;
		uint64_t h = content_hash(data, len);
		free(data);
		if (h != p->hashes[i])
			return false;
	}
	return true;
}
