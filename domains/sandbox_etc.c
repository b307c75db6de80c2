/* sandbox_etc: the domain's synthesized /etc files and the template /etc
 * entries it must not see (see sandbox_etc.h). */
#include "domains/sandbox_etc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define ETC_MAX_DEPTH 16

int strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	char *d = strdup(s);
	if (!d)
		return -1;
	l->v[l->n++] = d;
	return 0;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct strlist){0};
}

/* entries directly in /etc that the launcher replaces itself */
static const char *const replaced[] = {
	"passwd", "group", "hostname", "hosts", "machine-id", "qubes", "qubes-rpc",
};

/* world-readable entries that still must not reach a domain (relative to
 * /etc); a trailing '*' matches a prefix */
static const char *const secret_files[] = {
	"passwd-", "group-", "shadow", "shadow-", "gshadow", "gshadow-",
	"subuid", "subuid-", "subgid", "subgid-", "security/opasswd",
	"ssh/ssh_host_*",
};
static const char *const secret_dirs[] = {
	"sudoers.d", "bulkhead", "ssl/private", "NetworkManager/system-connections",
	"wireguard",
};

bool etc_replaced(const char *name)
{
	for (size_t i = 0; i < sizeof replaced / sizeof *replaced; i++)
		if (strcmp(name, replaced[i]) == 0)
			return true;
	return false;
}

static bool listed(const char *rel, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list[i]);
		if (l && list[i][l - 1] == '*') {
			if (strncmp(rel, list[i], l - 1) == 0)
				return true;
		} else if (strcmp(rel, list[i]) == 0) {
			return true;
		}
	}
	return false;
}

struct walk {
	struct strlist *hide;
	char *err;
	size_t errlen;
};

static int add_hidden(struct walk *w, const char *rel)
{
	if (strlist_add(w->hide, rel) < 0) {
		snprintf(w->err, w->errlen, "etc: out of memory");
		return -1;
	}
	return 0;
}

/* Walks the directory open as dfd, whose path relative to /etc is rel
 * ("" for /etc itself). Takes ownership of dfd. */
static int walk_dir(struct walk *w, int dfd, const char *rel, int depth)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		snprintf(w->err, w->errlen, "etc: opening /etc/%s: %s", rel, strerror(errno));
		close(dfd);
		return -1;
	}
	int rc = 0;
	struct dirent *de;
	errno = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!*rel && etc_replaced(de->d_name))
			continue;
		char sub[PATH_MAX];
		int n = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (n < 0 || (size_t)n >= sizeof sub) {
			snprintf(w->err, w->errlen, "etc: path too long under /etc/%.64s", rel);
			rc = -1;
			break;
		}
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* went away meanwhile */
			snprintf(w->err, w->errlen, "etc: stat /etc/%s: %s", sub, strerror(errno));
			rc = -1;
			break;
		}
		if (S_ISLNK(st.st_mode))
			continue; /* resolved inside the domain, where targets are covered */
		bool dir = S_ISDIR(st.st_mode);
		bool hide;
		if (dir)
			hide = (st.st_mode & (S_IROTH | S_IXOTH)) != (S_IROTH | S_IXOTH) ||
			       listed(sub, secret_dirs, sizeof secret_dirs / sizeof *secret_dirs);
		else
			hide = !(st.st_mode & S_IROTH) ||
			       listed(sub, secret_files, sizeof secret_files / sizeof *secret_files);
		if (hide) {
			rc = add_hidden(w, sub);
			continue;
		}
		if (!dir)
			continue;
		if (depth >= ETC_MAX_DEPTH) {
			snprintf(w->err, w->errlen, "etc: /etc/%s is nested too deep", sub);
			rc = -1;
			break;
		}
		int cfd = openat(dirfd(d), de->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0) {
			snprintf(w->err, w->errlen, "etc: opening /etc/%s: %s", sub, strerror(errno));
			rc = -1;
			break;
		}
		rc = walk_dir(w, cfd, sub, depth + 1);
		errno = 0;
	}
	if (rc == 0 && errno != 0) {
		snprintf(w->err, w->errlen, "etc: reading /etc/%s: %s", rel, strerror(errno));
		rc = -1;
	}
	closedir(d);
	return rc;
}

int etc_hidden(const char *etc_dir, struct strlist *hide, char *err, size_t errlen)
{
	int fd = open(etc_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "etc: opening %s: %s", etc_dir, strerror(errno));
		return -1;
	}
	struct walk w = {.hide = hide, .err = err, .errlen = errlen};
	return walk_dir(&w, fd, "", 0);
}

char *etc_passwd(void)
{
	return strdup("root:x:0:0:root:/root:/bin/bash\n"
		      "user:x:1000:1000:user:/home/user:/bin/bash\n"
		      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
}

char *etc_group(void)
{
	return strdup("root:x:0:\n"
		      "user:x:1000:\n"
		      "nogroup:x:65534:\n");
}

char *etc_hostname(const char *name)
{
	char *s = NULL;
	return asprintf(&s, "%s\n", name) < 0 ? NULL : s;
}

char *etc_hosts(const char *name)
{
	char *s = NULL;
	return asprintf(&s, "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n"
			"::1\tlocalhost ip6-localhost ip6-loopback\n", name) < 0 ? NULL : s;
}

char *etc_machine_id(void)
{
	unsigned char r[16];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return NULL;
	char *s = malloc(34);
	if (!s)
		return NULL;
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(s + 2 * i, 3, "%02x", r[i]);
	s[32] = '\n';
	s[33] = '\0';
	return s;
}
