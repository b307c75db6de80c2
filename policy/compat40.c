/* compat40: listing and ordering legacy policy files (see compat40.h). */
#include "policy/compat40.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Python's Path.suffix: from the last '.' of a name that is not only a
 * leading dot; the compat loader compares it with the ignored suffixes. */
static bool ignored_suffix(const char *name)
{
	static const char *const sfx[] = {".rpmsave", ".rpmnew", ".swp"};
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name || dot[1] == '\0')
		return false;
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
		if (strcmp(dot, sfx[i]) == 0)
			return true;
	return false;
}

bool compat40_name_ok(const char *name)
{
	if (name[0] == '\0' || name[0] == '.' || ignored_suffix(name))
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		unsigned char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == '_'))
			return false;
	}
	return true;
}

int compat40_entry_init(struct compat40_entry *e, const char *name)
{
	e->name = strdup(name);
	const char *plus = strchr(name, '+');
	e->service = plus ? strndup(name, (size_t)(plus - name)) : strdup(name);
	e->argument = plus ? strdup(plus) : NULL;
	if (!e->name || !e->service || (plus && !e->argument)) {
		compat40_entry_free(e);
		return -1;
	}
	return 0;
}

void compat40_entry_free(struct compat40_entry *e)
{
	free(e->name);
	free(e->service);
	free(e->argument);
	e->name = e->service = e->argument = NULL;
}

static int cmp_entry(const void *x, const void *y)
{
	const struct compat40_entry *a = x, *b = y;
	int c = strcmp(a->service, b->service);
	if (c)
		return c;
	if (!a->argument || !b->argument)
		return (a->argument == NULL) - (b->argument == NULL);
	return strcmp(a->argument, b->argument);
}

void compat40_sort(struct compat40_entry *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof v[0], cmp_entry);
}

void compat40_list_free(struct compat40_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		compat40_entry_free(&v[i]);
	free(v);
}

int compat40_list(const char *dir, struct compat40_entry **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	struct compat40_entry *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (!compat40_name_ok(de->d_name))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct compat40_entry *nv = realloc(v, nc * sizeof *nv);
			if (!nv) {
				rc = -1;
				break;
			}
			v = nv;
			cap = nc;
		}
		if (compat40_entry_init(&v[cnt], de->d_name) < 0) {
			rc = -1;
			break;
		}
		cnt++;
	}
	int saved = errno;
	closedir(d);
	if (rc < 0) {
		compat40_list_free(v, cnt);
		errno = saved;
		return -1;
	}
	compat40_sort(v, cnt);
	*out = v;
	*n = cnt;
	return 0;
}
