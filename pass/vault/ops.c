/* ops: the vault's operations, one process_* each (see ops.h). They
 * follow pass 1.7.4 on disk (same files, .gpg-id rules, re-encryption,
 * git commit messages) and answer in the protocol's reply. */
#include "pass/vault/ops.h"

#include "pass/charset.h"
#include "pass/vault/git.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#define LOCK_TIMEOUT_MS 30000
#define RECIPIENTS_MAX 8192
#define KEYIDS_MAX 8192
#define MAX_SECRET PASS_MAX_FIELD
#define GREP "/bin/grep"

void vault_reply_error(struct vault *v, enum pass_status st, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	wbuf_reset(&v->reply);
	passproto_put_reply_hdr(&v->reply, st, 1);
	passproto_put_str(&v->reply, msg);
}

static void reply_ok0(struct vault *v)
{
	wbuf_reset(&v->reply);
	passproto_put_reply_hdr(&v->reply, PASS_OK, 0);
}

/* A field as a C string (names and small fields: validated, no NUL). */
static char *fstr(const struct pass_field *f)
{
	char *s = malloc(f->len + 1);
	if (!s)
		abort();
	memcpy(s, f->p, f->len);
	s[f->len] = '\0';
	return s;
}

/* The name for messages: without a trailing '/' (as pass prints it). */
static const char *shown(char *name)
{
	size_t n = strlen(name);
	while (n && name[n - 1] == '/')
		name[--n] = '\0';
	return name;
}

static bool ends_slash(const struct pass_field *f)
{
	return f->len && f->p[f->len - 1] == '/';
}

static bool locked(struct vault *v)
{
	if (store_lock(&v->store, LOCK_TIMEOUT_MS) == 0)
		return true;
	vault_reply_error(v, PASS_BUSY, "Error: cannot lock the password store: %s",
			  strerror(errno));
	return false;
}

/* Encrypts plain for the recipients of path and writes it atomically. */
static int encrypt_to(struct vault *v, const char *path, const void *plain, size_t len,
		      enum pass_status *st, char *err, size_t errlen)
{
	char recip[RECIPIENTS_MAX];
	if (store_recipients(&v->store, path, recip, sizeof recip) < 0) {
		*st = PASS_NO_INIT;
		snprintf(err, errlen, "Error: You must run:\n    pass init your-gpg-id\n"
			 "before you may use the password store.");
		return -1;
	}
	struct wbuf cipher;
	wbuf_init(&cipher, PASS_MAX_MSG);
	int rc = crypt_encrypt(v->crypt, recip, plain, len, &cipher, err, errlen);
	if (rc == 0 && (mkdir_parents(path) < 0 ||
			write_file_atomic(path, cipher.p, cipher.len, 0600) < 0)) {
		snprintf(err, errlen, "Error: cannot write %s: %s",
			 store_rel(&v->store, path), strerror(errno));
		rc = -1;
	}
	if (rc < 0 && *st == PASS_OK)
		*st = PASS_ERROR;
	wbuf_free(&cipher);
	return rc;
}

/* pass's reencrypt_path: every .gpg under path (or path itself) whose
 * recipients differ from what its place asks for is decrypted and
 * encrypted again; others stay byte for byte. */
static int reencrypt(struct vault *v, const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode))
		return 0;
	if (S_ISDIR(st.st_mode)) {
		struct wbuf names;
		wbuf_init(&names, 1 << 24);
		DIR *d = opendir(path);
		if (!d)
			return 0;
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				wbuf_put_bytes(&names, e->d_name, strlen(e->d_name) + 1);
		closedir(d);
		int rc = 0;
		for (size_t o = 0; rc == 0 && o < names.len; o += strlen((char *)names.p + o) + 1) {
			char c[PATH_MAX];
			int l = snprintf(c, sizeof c, "%s/%s", path, (char *)names.p + o);
			if (l > 0 && (size_t)l < sizeof c)
				rc = reencrypt(v, c, err, errlen);
		}
		wbuf_free(&names);
		return rc;
	}
	size_t n = strlen(path);
	if (n < 4 || strcmp(path + n - 4, ".gpg") != 0)
		return 0;
	char recip[RECIPIENTS_MAX], have[KEYIDS_MAX];
	if (store_recipients(&v->store, path, recip, sizeof recip) < 0)
		return 0; /* de-initialised all the way up: left as it is */
	/* what gpg would encrypt to here (one trial encryption per distinct
	 * recipient list) against what the file is encrypted to (its session
	 * key packets, no decryption): equal means byte for byte unchanged */
	static char last_recip[RECIPIENTS_MAX], last_want[KEYIDS_MAX];
	static bool have_last;
	if (!have_last || strcmp(last_recip, recip) != 0) {
		snprintf(last_recip, sizeof last_recip, "%s", recip);
		if (crypt_recipient_keyids(v->crypt, recip, last_want, sizeof last_want) < 0)
			last_want[0] = '\0';
		have_last = true;
	}
	if (last_want[0] && crypt_file_keyids(path, have, sizeof have) == 0 &&
	    strcmp(last_want, have) == 0)
		return 0;
	struct wbuf plain;
	wbuf_init_secret(&plain, MAX_SECRET);
	int rc = crypt_decrypt_file(v->crypt, path, &plain, NULL, 0, err, errlen);
	if (rc == 0) {
		enum pass_status s = PASS_OK;
		rc = encrypt_to(v, path, plain.p, plain.len, &s, err, errlen);
	}
	wbuf_free_secret(&plain);
	return rc;
}

/* ---- PassRead ---- */

static void reply_tree(struct vault *v, const char *kind, const char *dir)
{
	struct wbuf nodes;
	wbuf_init(&nodes, PASS_MAX_MSG);
	uint32_t n = 0;
	if (store_tree(dir, NULL, 0, &nodes, &n) < 0) {
		wbuf_free(&nodes);
		vault_reply_error(v, PASS_ERROR, "Error: the folder is too large to list");
		return;
	}
	wbuf_reset(&v->reply);
	passproto_put_reply_hdr(&v->reply, PASS_OK, n + (kind ? 1 : 0));
	if (kind)
		passproto_put_str(&v->reply, kind);
	wbuf_put_bytes(&v->reply, nodes.p, nodes.len);
	wbuf_free(&nodes);
}

static void process_list(struct vault *v, const struct pass_msg *m)
{
	char dir[PATH_MAX];
	char *name = fstr(&m->fields[0]);
	if (store_dir_path(&v->store, m->fields[0].p, m->fields[0].len, dir) < 0 ||
	    !path_is_dir(dir)) {
		if (name[0])
			vault_reply_error(v, PASS_NOT_FOUND,
					  "Error: %s is not in the password store.", shown(name));
		else
			vault_reply_error(v, PASS_NOT_FOUND,
					  "Error: password store is empty. Try \"pass init\".");
	} else {
		reply_tree(v, NULL, dir);
	}
	free(name);
}

/* Line `line` (1-based) of the secret, without its newline. */
static bool select_line(struct wbuf *s, unsigned long line, size_t *off, size_t *len)
{
	size_t o = 0;
	for (unsigned long i = 1; i < line; i++) {
		uint8_t *nl = memchr(s->p + o, '\n', s->len - o);
		if (!nl)
			return false;
		o = (size_t)(nl - s->p) + 1;
	}
	if (o >= s->len)
		return false;
	uint8_t *nl = memchr(s->p + o, '\n', s->len - o);
	*off = o;
	*len = nl ? (size_t)(nl - (s->p + o)) : s->len - o;
	return *len > 0;
}

static void process_show(struct vault *v, const struct pass_msg *m)
{
	const struct pass_field *nf = &m->fields[0];
	char *name = fstr(nf), *ls = fstr(&m->fields[1]);
	unsigned long line = strtoul(ls, NULL, 10);
	free(ls);
	char file[PATH_MAX], dir[PATH_MAX];
	bool has_file = nf->len && !ends_slash(nf) &&
			store_file_path(&v->store, nf->p, nf->len, file) == 0 && path_is_file(file);
	bool has_dir = store_dir_path(&v->store, nf->p, nf->len, dir) == 0 && path_is_dir(dir);
	if (has_file) {
		struct wbuf plain;
		wbuf_init_secret(&plain, MAX_SECRET);
		char err[512];
		if (crypt_decrypt_file(v->crypt, file, &plain, NULL, 0, err, sizeof err) < 0) {
			vault_reply_error(v, PASS_DECRYPT, "Error: %s: %s", shown(name), err);
		} else {
			size_t off = 0, len = plain.len;
			if (line && !select_line(&plain, line, &off, &len)) {
				vault_reply_error(v, PASS_ERROR,
						  "There is no password to put on the clipboard "
						  "at line %lu.", line);
			} else {
				wbuf_reset(&v->reply);
				passproto_put_reply_hdr(&v->reply, PASS_OK, 2);
				passproto_put_str(&v->reply, "secret");
				/* an empty entry has no buffer at all */
				const uint8_t *sp = plain.p ? plain.p + off : (const uint8_t *)"";
				if (passproto_put_field(&v->reply, sp, len) != BUF_OK)
					vault_reply_error(v, PASS_ERROR, "Error: entry too large");
			}
		}
		wbuf_free_secret(&plain);
	} else if (has_dir) {
		reply_tree(v, "tree", dir);
	} else if (!nf->len) {
		vault_reply_error(v, PASS_NOT_FOUND,
				  "Error: password store is empty. Try \"pass init\".");
	} else {
		vault_reply_error(v, PASS_NOT_FOUND, "Error: %s is not in the password store.",
				  shown(name));
	}
	free(name);
}

static void process_exists(struct vault *v, const struct pass_msg *m)
{
	const struct pass_field *nf = &m->fields[0];
	char file[PATH_MAX], dir[PATH_MAX];
	const char *what = "none";
	if (nf->len && !ends_slash(nf) && store_file_path(&v->store, nf->p, nf->len, file) == 0 &&
	    path_is_file(file))
		what = "file";
	else if (store_dir_path(&v->store, nf->p, nf->len, dir) == 0 && path_is_dir(dir))
		what = "dir";
	wbuf_reset(&v->reply);
	passproto_put_reply_hdr(&v->reply, PASS_OK, 1);
	passproto_put_str(&v->reply, what);
}

static void process_find(struct vault *v, const struct pass_msg *m)
{
	char *terms[PASS_MAX_REQ_FIELDS];
	for (uint32_t i = 0; i < m->nfields; i++)
		terms[i] = fstr(&m->fields[i]);
	struct wbuf nodes;
	wbuf_init(&nodes, PASS_MAX_MSG);
	uint32_t n = 0;
	if (!path_is_dir(v->store.root)) {
		vault_reply_error(v, PASS_NOT_FOUND,
				  "Error: password store is empty. Try \"pass init\".");
	} else if (store_tree(v->store.root, (const char *const *)terms, m->nfields, &nodes,
			      &n) < 0) {
		vault_reply_error(v, PASS_ERROR, "Error: the store is too large to search");
	} else {
		wbuf_reset(&v->reply);
		passproto_put_reply_hdr(&v->reply, PASS_OK, n);
		wbuf_put_bytes(&v->reply, nodes.p, nodes.len);
	}
	wbuf_free(&nodes);
	for (uint32_t i = 0; i < m->nfields; i++)
		free(terms[i]);
}

/* grep over one decrypted entry: the options, -e PATTERN, the content on
 * grep's stdin (a pipe, written by a child so neither side blocks). */
static int grep_one(const struct pass_msg *m, const struct wbuf *plain, struct wbuf *out)
{
	const char *argv[PASS_MAX_REQ_FIELDS + 6];
	size_t a = 0;
	char *own[PASS_MAX_REQ_FIELDS];
	argv[a++] = "grep";
	argv[a++] = "--color=always";
	for (uint32_t i = 0; i + 1 < m->nfields; i++)
		argv[a++] = own[i] = fstr(&m->fields[i]);
	argv[a++] = "-e";
	char *pat = fstr(&m->fields[m->nfields - 1]);
	argv[a++] = pat;
	argv[a] = NULL;
	int in[2], o[2];
	int rc = -1;
	if (pipe2(in, O_CLOEXEC) < 0)
		goto out;
	if (pipe2(o, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		goto out;
	}
	pid_t g = fork();
	if (g == 0) {
		dup2(in[0], 0);
		dup2(o[1], 1);
		char *env[] = {"LC_ALL=C.UTF-8", NULL};
		execve(GREP, (char *const *)argv, env);
		_exit(2);
	}
	pid_t w = g > 0 ? fork() : -1;
	if (w == 0) {
		close(o[0]);
		size_t off = 0;
		while (off < plain->len) {
			ssize_t r = write(in[1], plain->p + off, plain->len - off);
			if (r <= 0)
				break;
			off += (size_t)r;
		}
		_exit(0);
	}
	close(in[0]);
	close(in[1]);
	close(o[1]);
	char buf[4096];
	ssize_t r;
	while ((r = read(o[0], buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			wbuf_put_bytes(out, buf, (size_t)r);
	close(o[0]);
	int st = 0;
	if (w > 0)
		waitpid(w, NULL, 0);
	if (g > 0 && waitpid(g, &st, 0) > 0)
		rc = WIFEXITED(st) ? WEXITSTATUS(st) : 2;
out:
	for (uint32_t i = 0; i + 1 < m->nfields; i++)
		free(own[i]);
	free(pat);
	return rc;
}

struct grep_walk {
	struct vault *v;
	const struct pass_msg *m;
	struct wbuf results;
	uint32_t n;
	int failed;          /* entries that did not decrypt */
	int grep_failed;     /* grep runs that failed (exit 2: a bad pattern) */
	char first_failed[PATH_MAX];
};

static void grep_dir(struct grep_walk *g, const char *dir, unsigned depth)
{
	if (depth > 32)
		return;
	struct wbuf names;
	wbuf_init(&names, 1 << 24);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			wbuf_put_bytes(&names, e->d_name, strlen(e->d_name) + 1);
	closedir(d);
	/* sorted, so the output does not depend on the file system */
	size_t cnt = 0;
	for (size_t o = 0; o < names.len; o += strlen((char *)names.p + o) + 1)
		cnt++;
	char **list = calloc(cnt ? cnt : 1, sizeof *list);
	size_t k = 0;
	for (size_t o = 0; list && o < names.len; o += strlen((char *)names.p + o) + 1)
		list[k++] = (char *)names.p + o;
	for (size_t i = 1; list && i < cnt; i++)
		for (size_t j = i; j > 0 && strcmp(list[j - 1], list[j]) > 0; j--) {
			char *t = list[j];
			list[j] = list[j - 1];
			list[j - 1] = t;
		}
	for (size_t i = 0; list && i < cnt; i++) {
		char p[PATH_MAX];
		int l = snprintf(p, sizeof p, "%s/%s", dir, list[i]);
		if (l < 0 || (size_t)l >= sizeof p)
			continue;
		if (path_is_dir(p)) {
			grep_dir(g, p, depth + 1);
			continue;
		}
		size_t n = strlen(p);
		if (n < 4 || strcmp(p + n - 4, ".gpg") || !path_is_file(p))
			continue;
		struct wbuf plain, out;
		wbuf_init_secret(&plain, MAX_SECRET);
		wbuf_init_secret(&out, MAX_SECRET);
		char err[512];
		int grc = -1;
		if (crypt_decrypt_file(g->v->crypt, p, &plain, NULL, 0, err, sizeof err) < 0) {
			if (!g->failed++)
				snprintf(g->first_failed, sizeof g->first_failed, "%s",
					 store_rel(&g->v->store, p));
		} else if ((grc = grep_one(g->m, &plain, &out)) != 0 && grc != 1) {
			g->grep_failed++;
		} else if (grc == 0) { /* as pass: a match with no output (binary) is listed */
			char rel[PATH_MAX];
			snprintf(rel, sizeof rel, "%s", store_rel(&g->v->store, p));
			rel[strlen(rel) - 4] = '\0';
			passproto_put_str(&g->results, rel);
			passproto_put_field(&g->results, out.p, out.len);
			g->n += 2;
		}
		wbuf_free_secret(&plain);
		wbuf_free_secret(&out);
	}
	free(list);
	wbuf_free(&names);
}

static void process_grep(struct vault *v, const struct pass_msg *m)
{
	struct grep_walk g = {.v = v, .m = m};
	wbuf_init_secret(&g.results, PASS_MAX_MSG);
	grep_dir(&g, v->store.root, 0);
	if (g.grep_failed) {
		vault_reply_error(v, PASS_ERROR, "Error: grep failed (is the pattern valid?)");
		wbuf_free_secret(&g.results);
		return;
	}
	if (g.failed) {
		vault_reply_error(v, PASS_DECRYPT, "Error: %d entr%s could not be decrypted "
				  "(%s first); no results", g.failed, g.failed == 1 ? "y" : "ies",
				  g.first_failed);
		wbuf_free_secret(&g.results);
		return;
	}
	wbuf_reset(&v->reply);
	passproto_put_reply_hdr(&v->reply, PASS_OK, g.n);
	if (wbuf_put_bytes(&v->reply, g.results.p, g.results.len) != BUF_OK)
		vault_reply_error(v, PASS_ERROR, "Error: too much output");
	wbuf_free_secret(&g.results);
}

static void process_git(struct vault *v, const struct pass_msg *m)
{
	struct wbuf out;
	wbuf_init(&out, 1 << 20);
	int rc;
	if (m->nfields == 1 && m->fields[0].len == 4 && !memcmp(m->fields[0].p, "init", 4)) {
		if (!locked(v)) {
			wbuf_free(&out);
			return;
		}
		rc = git_init_store(v->store.root, &out);
	} else {
		char *args[8];
		for (uint32_t i = 0; i < m->nfields; i++)
			args[i] = fstr(&m->fields[i]);
		rc = git_run(v->store.root, (const char *const *)args, m->nfields, &out);
		for (uint32_t i = 0; i < m->nfields; i++)
			free(args[i]);
	}
	wbuf_reset(&v->reply);
	passproto_put_reply_hdr(&v->reply, rc == 0 ? PASS_OK : PASS_ERROR, 1);
	passproto_put_field(&v->reply, out.p, out.len);
	wbuf_free(&out);
}

/* ---- PassManage ---- */

static void process_insert(struct vault *v, const struct pass_msg *m)
{
	char *name = fstr(&m->fields[0]);
	bool force = m->fields[2].len == 1;
	char file[PATH_MAX];
	if (store_file_path(&v->store, m->fields[0].p, m->fields[0].len, file) < 0) {
		vault_reply_error(v, PASS_BAD_REQUEST, "Error: name too long");
	} else if (locked(v)) {
		enum pass_status st = PASS_OK;
		char err[1024];
		if (!force && path_exists(file)) {
			vault_reply_error(v, PASS_EXISTS, "An entry already exists for %s.", name);
		} else if (encrypt_to(v, file, m->fields[1].p, m->fields[1].len, &st, err,
				      sizeof err) < 0) {
			vault_reply_error(v, st, "%s", err);
		} else {
			char msg[PASS_MAX_NAME + 64];
			snprintf(msg, sizeof msg, "Add given password for %s to store.", name);
			const char *paths[] = {file};
			git_commit(v->store.root, msg, paths, 1);
			reply_ok0(v);
		}
	}
	free(name);
}

static void process_generate(struct vault *v, const struct pass_msg *m)
{
	char *name = fstr(&m->fields[0]), *ls = fstr(&m->fields[1]);
	size_t length = strtoul(ls, NULL, 10);
	free(ls);
	const struct pass_field *fl = &m->fields[3];
	bool force = memchr(fl->p, 'f', fl->len), inplace = memchr(fl->p, 'i', fl->len),
	     create = memchr(fl->p, 'x', fl->len);
	bool set[256];
	char err[1024];
	char file[PATH_MAX];
	struct wbuf pw, content, old;
	wbuf_init_secret(&pw, length + 1);
	wbuf_init_secret(&content, MAX_SECRET);
	wbuf_init_secret(&old, MAX_SECRET);
	int count = pass_charset_parse(m->fields[2].p, m->fields[2].len, set, err, sizeof err);
	if (count < 0) {
		vault_reply_error(v, PASS_BAD_REQUEST, "Error: %s", err);
		goto out;
	}
	if (store_file_path(&v->store, m->fields[0].p, m->fields[0].len, file) < 0) {
		vault_reply_error(v, PASS_BAD_REQUEST, "Error: name too long");
		goto out;
	}
	if (!locked(v))
		goto out;
	bool exists = path_exists(file);
	char dir[PATH_MAX];
	if (create && !exists &&
	    store_dir_path(&v->store, m->fields[0].p, m->fields[0].len, dir) == 0 &&
	    path_is_dir(dir)) {
		vault_reply_error(v, PASS_ERROR, "Error: %s is a folder, not a password.", name);
		goto out;
	}
	if (exists && !force && !inplace) {
		vault_reply_error(v, PASS_EXISTS, "An entry already exists for %s.", name);
		goto out;
	}
	if (inplace && !exists) {
		vault_reply_error(v, PASS_NOT_FOUND, "Error: %s is not in the password store.",
				  name);
		goto out;
	}
	/* uniform bytes of the set: rejection sampling of random bytes */
	while (pw.len < length) {
		uint8_t r[256];
		ssize_t got = getrandom(r, sizeof r, 0);
		if (got <= 0) {
			vault_reply_error(v, PASS_ERROR, "Error: no randomness: %s", strerror(errno));
			explicit_bzero(r, sizeof r);
			goto out;
		}
		for (ssize_t i = 0; i < got && pw.len < length; i++)
			if (set[r[i]])
				wbuf_put_bytes(&pw, &r[i], 1);
		explicit_bzero(r, sizeof r);
	}
	if (inplace) {
		if (crypt_decrypt_file(v->crypt, file, &old, NULL, 0, err, sizeof err) < 0) {
			vault_reply_error(v, PASS_DECRYPT, "Error: %s: %s", name, err);
			goto out;
		}
		uint8_t *nl = memchr(old.p, '\n', old.len);
		wbuf_put_bytes(&content, pw.p, pw.len);
		if (nl)
			wbuf_put_bytes(&content, nl, old.len - (size_t)(nl - old.p));
		else
			wbuf_put_bytes(&content, "\n", 1);
	} else {
		wbuf_put_bytes(&content, pw.p, pw.len);
		wbuf_put_bytes(&content, "\n", 1);
	}
	enum pass_status st = PASS_OK;
	if (encrypt_to(v, file, content.p, content.len, &st, err, sizeof err) < 0) {
		vault_reply_error(v, st, "%s", err);
		goto out;
	}
	char msg[PASS_MAX_NAME + 64];
	snprintf(msg, sizeof msg, "%s generated password for %s%s",
		 inplace ? "Replace" : "Add", name, inplace ? "." : ".");
	const char *paths[] = {file};
	git_commit(v->store.root, msg, paths, 1);
	wbuf_reset(&v->reply);
	passproto_put_reply_hdr(&v->reply, PASS_OK, 1);
	passproto_put_field(&v->reply, pw.p, pw.len);
out:
	wbuf_free_secret(&pw);
	wbuf_free_secret(&content);
	wbuf_free_secret(&old);
	free(name);
}

static void process_rm(struct vault *v, const struct pass_msg *m)
{
	const struct pass_field *nf = &m->fields[0];
	char *name = fstr(nf);
	bool recursive = memchr(m->fields[1].p, 'r', m->fields[1].len);
	char file[PATH_MAX], dir[PATH_MAX];
	if (store_file_path(&v->store, nf->p, nf->len, file) < 0 ||
	    store_dir_path(&v->store, nf->p, nf->len, dir) < 0) {
		vault_reply_error(v, PASS_BAD_REQUEST, "Error: name too long");
		free(name);
		return;
	}
	if (!locked(v)) {
		free(name);
		return;
	}
	/* as pass: the folder when the name ends with '/' or no entry exists */
	bool is_file = path_exists(file) && !(ends_slash(nf) && path_is_dir(dir));
	const char *target = is_file ? file : dir;
	if (!path_exists(target)) {
		vault_reply_error(v, PASS_NOT_FOUND, "Error: %s is not in the password store.",
				  shown(name));
	} else if (!is_file && !recursive) {
		vault_reply_error(v, PASS_ERROR, "Error: %s is a folder: remove it with -r.",
				  shown(name));
	} else {
		struct wbuf removed;
		wbuf_init(&removed, PASS_MAX_MSG);
		uint32_t n = 0;
		int rc = remove_tree(&v->store, target, &removed, &n);
		char parent[PATH_MAX];
		snprintf(parent, sizeof parent, "%s", target);
		char *slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		prune_empty(&v->store, parent);
		char msg[PASS_MAX_NAME + 64];
		snprintf(msg, sizeof msg, "Remove %s from store.", shown(name));
		const char *paths[] = {target};
		git_commit(v->store.root, msg, paths, 1);
		if (rc < 0) {
			vault_reply_error(v, PASS_ERROR, "Error: removing %s: %s", name,
					  strerror(errno));
		} else {
			wbuf_reset(&v->reply);
			passproto_put_reply_hdr(&v->reply, PASS_OK, n);
			wbuf_put_bytes(&v->reply, removed.p, removed.len);
		}
		wbuf_free(&removed);
	}
	free(name);
}

/* Whether target (not necessarily existing) is dir or inside it, after
 * resolving symlinks of both (the folder holding target exists). */
static bool inside(const char *dir, const char *target)
{
	char rd[PATH_MAX], parent[PATH_MAX], rp[PATH_MAX];
	if (!realpath(dir, rd))
		return false;
	snprintf(parent, sizeof parent, "%s", target);
	char *slash = strrchr(parent, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if (!realpath(parent, rp))
		return false;
	size_t n = strlen(rd);
	return strncmp(rp, rd, n) == 0 && (rp[n] == '/' || rp[n] == '\0');
}

/* cp -r of a file or folder (no symlink following). */
static int copy_tree(const char *from, const char *to)
{
	struct stat st;
	if (lstat(from, &st) < 0)
		return -1;
	if (S_ISLNK(st.st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlink(from, t, sizeof t - 1);
		if (n < 0)
			return -1;
		t[n] = '\0';
		unlink(to);
		return symlink(t, to);
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(to, 0700) < 0 && errno != EEXIST)
			return -1;
		DIR *d = opendir(from);
		if (!d)
			return -1;
		int rc = 0;
		struct dirent *e;
		while (rc == 0 && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char a[PATH_MAX], b[PATH_MAX];
			snprintf(a, sizeof a, "%s/%s", from, e->d_name);
			snprintf(b, sizeof b, "%s/%s", to, e->d_name);
			rc = copy_tree(a, b);
		}
		closedir(d);
		return rc;
	}
	struct wbuf data;
	wbuf_init(&data, PASS_MAX_MSG);
	int rc = read_file(from, &data);
	if (rc == 0)
		rc = write_file_atomic(to, data.p, data.len, st.st_mode & 0777);
	wbuf_free(&data);
	return rc;
}

static void process_mv_cp(struct vault *v, const struct pass_msg *m, bool move)
{
	const struct pass_field *sf = &m->fields[0], *df = &m->fields[1];
	char *src = fstr(sf), *dst = fstr(df);
	bool force = m->fields[2].len == 1;
	char old_file[PATH_MAX], old_dir[PATH_MAX], new_path[PATH_MAX + 8];
	if (store_file_path(&v->store, sf->p, sf->len, old_file) < 0 ||
	    store_dir_path(&v->store, sf->p, sf->len, old_dir) < 0 ||
	    snprintf(new_path, PATH_MAX, "%s/%s", v->store.root, dst) >= PATH_MAX) {
		vault_reply_error(v, PASS_BAD_REQUEST, "Error: name too long");
		goto out;
	}
	if (!locked(v))
		goto out;
	/* as pass: the folder when the source ends with '/' and both exist,
	 * or when there is no entry */
	bool from_dir = !path_is_file(old_file) || (ends_slash(sf) && path_is_dir(old_dir));
	const char *old_path = from_dir ? old_dir : old_file;
	if (!path_exists(old_path)) {
		vault_reply_error(v, PASS_NOT_FOUND, "Error: %s is not in the password store.",
				  shown(src));
		goto out;
	}
	if (mkdir_parents(new_path) < 0) {
		vault_reply_error(v, PASS_ERROR, "Error: cannot create the folder of %s: %s",
				  dst, strerror(errno));
		goto out;
	}
	size_t nl = strlen(new_path);
	bool into = ends_slash(df);
	if (into)
		new_path[--nl] = '\0';
	char target[PATH_MAX + 300];
	if (path_is_dir(new_path)) {
		const char *base = strrchr(old_path, '/') + 1;
		snprintf(target, sizeof target, "%s/%s", new_path, base);
	} else if (from_dir) {
		snprintf(target, sizeof target, "%s", new_path);
	} else {
		snprintf(target, sizeof target, "%s.gpg", new_path);
	}
	if (strlen(target) >= PATH_MAX) {
		vault_reply_error(v, PASS_BAD_REQUEST, "Error: name too long");
		goto out;
	}
	if (!strcmp(target, old_path)) {
		vault_reply_error(v, PASS_ERROR, "Error: %s and %s are the same entry",
				  shown(src), shown(dst));
		goto out;
	}
	if (from_dir && inside(old_path, target)) {
		vault_reply_error(v, PASS_ERROR, "Error: cannot %s %s into itself (%s)",
				  move ? "move" : "copy", shown(src), shown(dst));
		goto out;
	}
	if (path_exists(target) && !force) {
		vault_reply_error(v, PASS_EXISTS, "An entry already exists for %s.", shown(dst));
		goto out;
	}
	int rc;
	if (move) {
		rc = rename(old_path, target);
		if (rc < 0 && (errno == ENOTEMPTY || errno == EEXIST || errno == EISDIR ||
			       errno == ENOTDIR)) {
			vault_reply_error(v, PASS_ERROR, "Error: cannot move %s onto %s: %s",
					  shown(src), shown(dst), strerror(errno));
			goto out;
		}
	} else {
		if (path_exists(target) && !path_is_dir(target) && from_dir) {
			vault_reply_error(v, PASS_ERROR, "Error: cannot copy a folder onto %s",
					  shown(dst));
			goto out;
		}
		rc = copy_tree(old_path, target);
	}
	char err[1024] = "";
	if (rc == 0)
		rc = reencrypt(v, target, err, sizeof err);
	else
		snprintf(err, sizeof err, "%s", strerror(errno));
	char msg[2 * PASS_MAX_NAME + 64];
	snprintf(msg, sizeof msg, "%s %s to %s.", move ? "Rename" : "Copy", src, dst);
	if (move) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof parent, "%s", old_path);
		*strrchr(parent, '/') = '\0';
		prune_empty(&v->store, parent);
		const char *paths[] = {old_path, target};
		git_commit(v->store.root, msg, paths, 2);
	} else {
		const char *paths[] = {target};
		git_commit(v->store.root, msg, paths, 1);
	}
	if (rc < 0)
		vault_reply_error(v, PASS_ERROR, "Error: %s", err);
	else
		reply_ok0(v);
out:
	free(src);
	free(dst);
}

static void process_init(struct vault *v, const struct pass_msg *m)
{
	char *sub = fstr(&m->fields[0]);
	shown(sub);
	char dir[PATH_MAX], idfile[PATH_MAX + 16];
	if (store_dir_path(&v->store, m->fields[0].p, m->fields[0].len, dir) < 0) {
		vault_reply_error(v, PASS_BAD_REQUEST, "Error: name too long");
		free(sub);
		return;
	}
	snprintf(idfile, sizeof idfile, "%s/.gpg-id", dir);
	if (!locked(v)) {
		free(sub);
		return;
	}
	char err[1024], ids[RECIPIENTS_MAX] = "", shown_ids[RECIPIENTS_MAX] = "";
	struct wbuf lines;
	wbuf_init(&lines, 1 << 20);
	uint32_t nlines = 0;
	bool deinit = m->nfields == 2 && m->fields[1].len == 0;
	if (m->nfields == 1) {
		char fpr[128];
		if (crypt_generate_key(v->crypt, fpr, sizeof fpr, err, sizeof err) < 0) {
			vault_reply_error(v, PASS_ERROR, "Error: %s", err);
			goto out;
		}
		snprintf(ids, sizeof ids, "%s\n", fpr);
		snprintf(shown_ids, sizeof shown_ids, "%s", fpr);
		char l[256];
		snprintf(l, sizeof l, "Generated key %s in the vault (no passphrase; keep a "
			 "backup of the vault's ~/.gnupg).", fpr);
		passproto_put_str(&lines, l);
		nlines++;
	} else if (!deinit) {
		size_t o = 0, so = 0;
		for (uint32_t i = 1; i < m->nfields; i++) {
			char *id = fstr(&m->fields[i]);
			if (crypt_check_recipient(v->crypt, id, err, sizeof err) < 0) {
				vault_reply_error(v, PASS_ERROR, "Error: %s cannot be used: %s", id,
						  err);
				free(id);
				goto out;
			}
			o += (size_t)snprintf(ids + o, sizeof ids - o, "%s\n", id);
			so += (size_t)snprintf(shown_ids + so, sizeof shown_ids - so, "%s%s",
					       i > 1 ? ", " : "", id);
			free(id);
			if (o >= sizeof ids || so >= sizeof shown_ids) {
				vault_reply_error(v, PASS_BAD_REQUEST, "Error: too many key ids");
				goto out;
			}
		}
	}
	char msg[RECIPIENTS_MAX + PATH_MAX];
	if (deinit) {
		if (!path_is_file(idfile)) {
			vault_reply_error(v, PASS_ERROR, "Error: %s does not exist and so cannot be "
					  "removed.", store_rel(&v->store, idfile));
			goto out;
		}
		if (unlink(idfile) < 0) {
			vault_reply_error(v, PASS_ERROR, "Error: %s", strerror(errno));
			goto out;
		}
		char l[PATH_MAX + 64];
		snprintf(l, sizeof l, "Removed %s", store_rel(&v->store, idfile));
		passproto_put_str(&lines, l);
		nlines++;
		snprintf(msg, sizeof msg, "Deinitialize %s.", store_rel(&v->store, idfile));
		const char *paths[] = {idfile};
		git_commit(v->store.root, msg, paths, 1);
		prune_empty(&v->store, dir);
	} else {
		if (mkdir(v->store.root, 0700) < 0 && errno != EEXIST) {
			vault_reply_error(v, PASS_ERROR, "Error: %s", strerror(errno));
			goto out;
		}
		if (mkdir_parents(idfile) < 0 ||
		    write_file_atomic(idfile, ids, strlen(ids), 0600) < 0) {
			vault_reply_error(v, PASS_ERROR, "Error: cannot write %s: %s",
					  store_rel(&v->store, idfile), strerror(errno));
			goto out;
		}
		char l[RECIPIENTS_MAX + PATH_MAX];
		snprintf(l, sizeof l, "Password store initialized for %s%s%s%s", shown_ids,
			 sub[0] ? " (" : "", sub, sub[0] ? ")" : "");
		passproto_put_str(&lines, l);
		nlines++;
		snprintf(msg, sizeof msg, "Set GPG id to %s%s%s%s.", shown_ids,
			 sub[0] ? " (" : "", sub, sub[0] ? ")" : "");
		const char *paths[] = {idfile};
		git_commit(v->store.root, msg, paths, 1);
	}
	if (path_is_dir(dir) && reencrypt(v, dir, err, sizeof err) < 0) {
		vault_reply_error(v, PASS_ERROR, "Error: re-encryption failed: %s", err);
		goto out;
	}
	/* as pass, also after a de-init (what was re-encrypted to the
	 * inherited recipients) */
	snprintf(msg, sizeof msg, "Reencrypt password store using new GPG id %s%s%s%s.",
		 shown_ids, sub[0] ? " (" : "", sub, sub[0] ? ")" : "");
	const char *rpaths[] = {path_is_dir(dir) ? dir : v->store.root};
	git_commit(v->store.root, msg, rpaths, 1);
	wbuf_reset(&v->reply);
	passproto_put_reply_hdr(&v->reply, PASS_OK, nlines);
	wbuf_put_bytes(&v->reply, lines.p, lines.len);
out:
	wbuf_free(&lines);
	free(sub);
}

void vault_process(struct vault *v, const struct pass_msg *m)
{
	switch (m->code) {
	case PASS_OP_LIST: process_list(v, m); break;
	case PASS_OP_SHOW: process_show(v, m); break;
	case PASS_OP_EXISTS: process_exists(v, m); break;
	case PASS_OP_FIND: process_find(v, m); break;
	case PASS_OP_GREP: process_grep(v, m); break;
	case PASS_OP_GIT: process_git(v, m); break;
	case PASS_OP_INSERT: process_insert(v, m); break;
	case PASS_OP_GENERATE: process_generate(v, m); break;
	case PASS_OP_RM: process_rm(v, m); break;
	case PASS_OP_MV: process_mv_cp(v, m, true); break;
	case PASS_OP_CP: process_mv_cp(v, m, false); break;
	case PASS_OP_INIT: process_init(v, m); break;
	default:
		vault_reply_error(v, PASS_BAD_REQUEST, "Error: unknown operation %u", m->code);
	}
	store_unlock(&v->store);
}
