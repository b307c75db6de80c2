/* test_policy_loader: unit tests for policy/loader and policy/compat40:
 * the order of the loaded rules (files of both directories merged by
 * name, sorted in byte order, includes spliced in place), the files and
 * directories recorded for watching, the service index, overrides (the
 * validation of a change before it is written, as upstream's
 * ValidateParser), load errors, and the legacy directory helpers
 * (compat40_name_ok, compat40_entry_init, compat40_sort, compat40_list).
 * End-to-end behaviour is in test_policy_conformance. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/compat40.h"
#include "policy/parser.h"
#include "policy/policy.h"

struct tree {
	char root[PATH_MAX];
	char d[PATH_MAX + 8], e[PATH_MAX + 8], l[PATH_MAX + 8];
	char err[1024];
};

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof *t);
	assert_non_null(t);
	char tmpl[] = "/tmp/bh-load-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	assert_non_null(realpath(tmpl, t->root));
	snprintf(t->d, sizeof t->d, "%s/d", t->root);
	snprintf(t->e, sizeof t->e, "%s/e", t->root);
	snprintf(t->l, sizeof t->l, "%s/l", t->root);
	assert_int_equal(mkdir(t->d, 0755), 0);
	assert_int_equal(mkdir(t->e, 0755), 0);
	assert_int_equal(mkdir(t->l, 0755), 0);
	*state = t;
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	nftw(t->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

/* Writes root/rel (parents created). */
static void put(const struct tree *t, const char *rel, const char *content)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof path, "%s/%s", t->root, rel);
	for (char *s = strchr(path + strlen(t->root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %s", path);
		*s = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static struct policy *load(struct tree *t, const struct policy_override *ov, size_t nov)
{
	const char *dirs[2] = {t->d, t->e};
	struct policy_load_opts o = {.dirs = dirs, .ndirs = 2, .compat_dir = t->l,
				     .overrides = ov, .noverrides = nov};
	return policy_load(&o, t->err, sizeof t->err);
}

/* Asserts rule i came from root/rel, line `line`. */
static void from(const struct tree *t, const struct policy *p, size_t i, const char *rel,
		 unsigned line)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof path, "%s/%s", t->root, rel);
	assert_true(i < p->nrules);
	if (strcmp(p->rules[i].file, path) != 0 || p->rules[i].line != line)
		fail_msg("rule %zu: %s:%u, expected %s:%u", i, p->rules[i].file, p->rules[i].line,
			 path, line);
}

/* ---- order ---- */

static void order_and_merge(void **state)
{
	struct tree *t = *state;
	put(t, "d/20-b.policy", "* * a b deny\n!include inc/x\n* * a b deny\n");
	put(t, "e/10-a.policy", "* * a b deny\n");
	put(t, "e/20-b.policy", "* * shadowed b deny\n");  /* hidden by d/20-b */
	put(t, "e/30-c.policy", "# c\n* * a b deny\n");
	put(t, "d/inc/x", "* * a b deny\n* * a b deny\n");
	put(t, "d/README", "not policy");
	struct policy *p = load(t, NULL, 0);
	assert_non_null(p);
	assert_int_equal(p->nrules, 6);
	from(t, p, 0, "e/10-a.policy", 1);
	from(t, p, 1, "d/20-b.policy", 1);
	from(t, p, 2, "d/inc/x", 1);
	from(t, p, 3, "d/inc/x", 2);
	from(t, p, 4, "d/20-b.policy", 3);
	from(t, p, 5, "e/30-c.policy", 2);
	/* what was read, for watching: directories and files, once each */
	size_t seen = 0;
	const char *want[] = {t->d, t->e};
	for (size_t i = 0; i < p->npaths; i++) {
		for (size_t k = 0; k < 2; k++)
			if (strcmp(p->paths[i], want[k]) == 0)
				seen |= 1u << k;
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(p->paths[i], p->paths[j]);
		assert_true(strstr(p->paths[i], "shadowed") == NULL);
		assert_true(strstr(p->paths[i], "e/20-b.policy") == NULL);
	}
	assert_int_equal(seen, 3);
	assert_int_equal(p->npaths, 2 + 4);
	policy_free(p);
}

static void service_index(void **state)
{
	struct tree *t = *state;
	put(t, "d/10.policy", "s1 * a b allow\n* * a b allow\ns2 +x a b allow\ns1 +y a b deny\n"
			      "* * c d deny\n");
	struct policy *p = load(t, NULL, 0);
	assert_non_null(p);
	const struct rule_index *own, *wild;
	policy_lists_for(p, "s1", &own, &wild);
	assert_non_null(own);
	assert_int_equal(own->n, 2);
	assert_int_equal(own->v[0], 0);
	assert_int_equal(own->v[1], 3);
	assert_int_equal(wild->n, 2);
	assert_int_equal(wild->v[0], 1);
	assert_int_equal(wild->v[1], 4);
	policy_lists_for(p, "s2", &own, &wild);
	assert_int_equal(own->n, 1);
	assert_int_equal(own->v[0], 2);
	policy_lists_for(p, "none", &own, &wild);
	assert_null(own);
	assert_int_equal(wild->n, 2);
	policy_free(p);
}

static void built_by_hand(void **state)
{
	(void)state;
	struct policy *p = policy_new();
	assert_non_null(p);
	char *f[] = {"s", "*", "@anyvm", "@anyvm", "allow"};
	char err[256];
	struct rule r;
	assert_int_equal(rule_build(&r, f[0], f[1], f[2], f[3], f[4], NULL, 0, err, sizeof err), 0);
	r.file = "hand";
	r.line = 7;
	for (int i = 0; i < 100; i++)
		assert_int_equal(policy_add_rule(p, &r), 0);
	assert_int_equal(policy_finish(p), 0);
	assert_int_equal(p->nrules, 100);
	const struct rule_index *own, *wild;
	policy_lists_for(p, "s", &own, &wild);
	assert_int_equal(own->n, 100);
	assert_int_equal(wild->n, 0);
	assert_string_equal(p->rules[99].file, "hand");
	policy_free(p);
	policy_free(NULL);
}

static void empty_and_missing(void **state)
{
	struct tree *t = *state;
	struct policy *p = load(t, NULL, 0);
	assert_non_null(p);
	assert_int_equal(p->nrules, 0);
	policy_free(p);
	/* differs from upstream: missing directories count as empty */
	const char *dirs[2] = {"/nonexistent/bh-a", "/nonexistent/bh-b"};
	struct policy_load_opts o = {.dirs = dirs, .ndirs = 2, .compat_dir = "/nonexistent/bh-l"};
	put(t, "d/x.policy", "!compat-4.0\n");
	dirs[0] = t->d;
	p = policy_load(&o, t->err, sizeof t->err);
	assert_non_null(p);
	assert_int_equal(p->nrules, 0);
	policy_free(p);
	/* no directory at all */
	o.ndirs = 0;
	p = policy_load(&o, t->err, sizeof t->err);
	assert_non_null(p);
	policy_free(p);
}

/* ---- errors ---- */

static void load_errors(void **state)
{
	struct tree *t = *state;
	/* a policy "directory" that is a file */
	put(t, "file", "");
	char fpath[PATH_MAX * 2];
	snprintf(fpath, sizeof fpath, "%s/file", t->root);
	const char *dirs[1] = {fpath};
	struct policy_load_opts o = {.dirs = dirs, .ndirs = 1, .compat_dir = t->l};
	assert_null(policy_load(&o, t->err, sizeof t->err));
	char want[PATH_MAX * 4];
	snprintf(want, sizeof want, "failed to load %s file: Not a directory", fpath);
	assert_string_equal(t->err, want);
	/* a legacy "directory" that is a file */
	put(t, "d/10.policy", "# x\n!compat-4.0\n");
	o.dirs = (const char *const[]){t->d};
	o.compat_dir = fpath;
	assert_null(policy_load(&o, t->err, sizeof t->err));
	snprintf(want, sizeof want, "%s/d/10.policy:2: failed to read %s: Not a directory", t->root,
		 fpath);
	assert_string_equal(t->err, want);
	/* ours: a file over POLICY_FILE_MAX */
	char big[PATH_MAX * 2];
	snprintf(big, sizeof big, "%s/d/10.policy", t->root);
	int fd = open(big, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)POLICY_FILE_MAX + 1), 0);
	close(fd);
	o.compat_dir = t->l;
	assert_null(policy_load(&o, t->err, sizeof t->err));
	snprintf(want, sizeof want, "failed to load %s file: larger than %u bytes", big,
		 POLICY_FILE_MAX);
	assert_string_equal(t->err, want);
	/* an unreadable file (not as root, who reads everything) */
	if (geteuid() != 0) {
		put(t, "d/10.policy", "");
		assert_int_equal(chmod(big, 0), 0);
		assert_null(policy_load(&o, t->err, sizeof t->err));
		snprintf(want, sizeof want, "failed to load %s file: Permission denied", big);
		assert_string_equal(t->err, want);
		chmod(big, 0644);
	}
	/* the error buffer may be small */
	put(t, "d/10.policy", "* * a b bad\n");
	char tiny[8];
	assert_null(policy_load(&o, tiny, sizeof tiny));
	assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

/* ---- overrides ---- */

static void overrides(void **state)
{
	struct tree *t = *state;
	put(t, "d/10-a.policy", "* * a b deny\n");
	put(t, "d/20-b.policy", "* * bad line\n");
	put(t, "d/30-c.policy", "!include include/x\n");
	put(t, "d/include/x", "* * x y deny\n");
	char pa[PATH_MAX * 2], pb[PATH_MAX * 2], pn[PATH_MAX * 2], px[PATH_MAX * 2],
		pn2[PATH_MAX * 2];
	snprintf(pa, sizeof pa, "%s/10-a.policy", t->d);
	snprintf(pb, sizeof pb, "%s/20-b.policy", t->d);
	snprintf(pn, sizeof pn, "%s/15-new.policy", t->d);
	snprintf(px, sizeof px, "%s/include/x", t->d);
	snprintf(pn2, sizeof pn2, "%s/15-new.txt", t->d);
	/* as written, 20-b is broken */
	assert_null(load(t, NULL, 0));
	/* replace 20-b, add 15-new, replace the include; a new file without the
	 * .policy suffix is no policy file. New files are sorted in with the
	 * others, as the next real load will read them (upstream's validator
	 * reads overrides after the existing files; it keeps no rules, so only
	 * which of several errors it reports first could differ) */
	const char *fixed = "* * c d allow\n";
	const char *added = "* * e f allow\n* * g h allow\n";
	const char *inc = "* * i j allow\n";
	struct policy_override ov[] = {
		{pb, fixed, strlen(fixed)},
		{pn, added, strlen(added)},
		{px, inc, strlen(inc)},
		{pn2, "garbage", 7},
	};
	struct policy *p = load(t, ov, 4);
	if (!p)
		fail_msg("%s", t->err);
	assert_int_equal(p->nrules, 5);
	from(t, p, 0, "d/10-a.policy", 1);
	from(t, p, 1, "d/15-new.policy", 1);
	from(t, p, 2, "d/15-new.policy", 2);
	from(t, p, 3, "d/20-b.policy", 1);
	from(t, p, 4, "d/include/x", 1);
	assert_string_equal(p->rules[3].source.text, "c");
	assert_string_equal(p->rules[4].source.text, "i");
	policy_free(p);
	/* remove the broken file: the rest loads */
	struct policy_override rm[] = {{pb, NULL, 0}};
	p = load(t, rm, 1);
	assert_non_null(p);
	assert_int_equal(p->nrules, 2);
	policy_free(p);
	/* removing a file that is still included */
	struct policy_override rm2[] = {{pb, NULL, 0}, {px, NULL, 0}};
	assert_null(load(t, rm2, 2));
	char want[PATH_MAX * 4];
	snprintf(want, sizeof want, "%s/30-c.policy:1: including a file that will be removed: %s",
		 t->d, px);
	assert_string_equal(t->err, want);
	/* an override naming an include that does not exist yet */
	put(t, "d/30-c.policy", "!include include/new\n");
	char pi[PATH_MAX * 2];
	snprintf(pi, sizeof pi, "%s/include/new", t->d);
	struct policy_override ov3[] = {{pb, NULL, 0}, {pi, "* * k l deny\n", 13}};
	p = load(t, ov3, 2);
	assert_non_null(p);
	assert_int_equal(p->nrules, 2);
	assert_string_equal(p->rules[1].source.text, "k");
	policy_free(p);
	/* an empty replacement */
	struct policy_override ov4[] = {{pb, "", 0}, {pi, "", 0}};
	p = load(t, ov4, 2);
	assert_non_null(p);
	assert_int_equal(p->nrules, 1);
	policy_free(p);
	/* a syntax error in an override names the override's path */
	struct policy_override ov5[] = {{pb, "# 1\n* * x\n", 10}, {pi, "", 0}};
	assert_null(load(t, ov5, 2));
	snprintf(want, sizeof want, "%s:2: wrong number of fields", pb);
	assert_string_equal(t->err, want);
	/* differs from upstream (whose validation skips the check and lets the
	 * next real load fail): a new file with a bad name is refused now */
	char pbad[PATH_MAX * 2];
	snprintf(pbad, sizeof pbad, "%s/Upper.policy", t->d);
	struct policy_override ov6[] = {{pb, NULL, 0}, {pi, "", 0}, {pbad, "", 0}};
	assert_null(load(t, ov6, 3));
	snprintf(want, sizeof want, "invalid filename: %s", pbad);
	assert_string_equal(t->err, want);
}

/* ---- the legacy directory ---- */

static void compat_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool ok;
	} t[] = {
		{"x", true},          {"x+y", true},        {"x.policy", true},
		{"x.RPMSAVE", true},  {"qubes.Filecopy+", true}, {"a-b_c.d+e+f", true},
		{"x.rpmsave", false}, {"x.rpmnew", false},  {"x.swp", false},
		{"a.b.swp", false},   {".x", false},        {".rpmsave", false},
		{"x y", false},       {"x~", false},        {"x:y", false},
		{"x@y", false},       {"", false},          {"ż", false},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (compat40_name_ok(t[i].name) != t[i].ok)
			fail_msg("'%s'", t[i].name);
}

static void compat_entry(void **state)
{
	(void)state;
	struct compat40_entry e;
	assert_int_equal(compat40_entry_init(&e, "qubes.Svc+a+b"), 0);
	assert_string_equal(e.name, "qubes.Svc+a+b");
	assert_string_equal(e.service, "qubes.Svc");
	assert_string_equal(e.argument, "+a+b");
	compat40_entry_free(&e);
	assert_int_equal(compat40_entry_init(&e, "qubes.Svc+"), 0);
	assert_string_equal(e.argument, "+");
	compat40_entry_free(&e);
	assert_int_equal(compat40_entry_init(&e, "qubes.Svc"), 0);
	assert_null(e.argument);
	compat40_entry_free(&e);
	assert_null(e.name);
}

/* Upstream's order (checked with parser_compat._sorted_compat_files):
 * services in byte order; within one, argument files by argument, then
 * the plain file. */
static void compat_order(void **state)
{
	(void)state;
	const char *in[] = {"b", "a+x", "a", "a+", "a+b", "a.b", "a-b+c", "A", "a+B", "a++",
			    "a+x+y", "a_b"};
	const char *want[] = {"A", "a+", "a++", "a+B", "a+b", "a+x", "a+x+y", "a", "a-b+c",
			      "a.b", "a_b", "b"};
	size_t n = sizeof in / sizeof in[0];
	struct compat40_entry v[sizeof in / sizeof in[0]];
	for (size_t i = 0; i < n; i++)
		assert_int_equal(compat40_entry_init(&v[i], in[i]), 0);
	compat40_sort(v, n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(v[i].name, want[i]);
		compat40_entry_free(&v[i]);
	}
	compat40_sort(v, 0);
}

static void compat_listing(void **state)
{
	struct tree *t = *state;
	put(t, "l/b.Svc", "");
	put(t, "l/a.Svc", "");
	put(t, "l/a.Svc+x", "");
	put(t, "l/a.Svc.rpmnew", "");
	put(t, "l/.hidden", "");
	put(t, "l/bad name", "");
	put(t, "l/include/common", "");
	char link[PATH_MAX * 2], dlink[PATH_MAX * 2];
	snprintf(link, sizeof link, "%s/c.Svc", t->l);
	assert_int_equal(symlink("a.Svc", link), 0);       /* a link to a file counts */
	snprintf(dlink, sizeof dlink, "%s/d.Svc", t->l);
	assert_int_equal(symlink("include", dlink), 0);    /* to a directory: not */
	struct compat40_entry *v;
	size_t n;
	assert_int_equal(compat40_list(t->l, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].name, "a.Svc+x");
	assert_string_equal(v[1].name, "a.Svc");
	assert_string_equal(v[2].name, "b.Svc");
	assert_string_equal(v[3].name, "c.Svc");
	compat40_list_free(v, n);
	/* a missing directory is empty; a file is an error */
	assert_int_equal(compat40_list("/nonexistent/bh-legacy", &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	char f[PATH_MAX * 2];
	snprintf(f, sizeof f, "%s/b.Svc", t->l);
	errno = 0;
	assert_int_equal(compat40_list(f, &v, &n), -1);
	assert_int_equal(errno, ENOTDIR);
}

static void filenames(void **state)
{
	(void)state;
	assert_true(policy_filename_valid("30-user.policy"));
	assert_true(policy_filename_valid("a_b.c-d.policy"));
	assert_true(policy_filename_valid("0123456789abcdefghijklmnopqrstuvwxyz"));
	assert_false(policy_filename_valid("Upper.policy"));
	assert_false(policy_filename_valid("a+b.policy"));
	assert_false(policy_filename_valid("a b.policy"));
	assert_false(policy_filename_valid("a:b.policy"));
	assert_false(policy_filename_valid("żółw.policy"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tree_setup, tree_teardown)
	const struct CMUnitTest tests[] = {
		T(order_and_merge),
		T(service_index),
		cmocka_unit_test(built_by_hand),
		T(empty_and_missing),
		T(load_errors),
		T(overrides),
		cmocka_unit_test(compat_names),
		cmocka_unit_test(compat_entry),
		cmocka_unit_test(compat_order),
		T(compat_listing),
		cmocka_unit_test(filenames),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
