/* Unit tests for admin: the policy admin API (policy.List, Get, Replace,
 * Remove, GetFiles and the include variants) on temporary directories:
 * every method, token, name check and error, validation before writing,
 * atomic writes and the directory lock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "policy/admin.h"

struct fx {
	char root[64];
	char dir[PATH_MAX];    /* policy dir, with include/ */
	char compat[PATH_MAX]; /* legacy dir (absent unless a test makes it) */
	struct padmin_opts o;
	struct padmin_out out;
	struct padmin_err err;
};

static int setup(void **st)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->root, sizeof f->root, "/tmp/bh-padmin.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	char real[PATH_MAX];
	assert_non_null(realpath(f->root, real));
	assert_true((size_t)snprintf(f->dir, sizeof f->dir, "%s/policy.d", real) < sizeof f->dir);
	assert_true((size_t)snprintf(f->compat, sizeof f->compat, "%s/compat", real) <
		    sizeof f->compat);
	assert_int_equal(mkdir(f->dir, 0755), 0);
	char inc[PATH_MAX + 16];
	snprintf(inc, sizeof inc, "%s/include", f->dir);
	assert_int_equal(mkdir(inc, 0755), 0);
	f->o.policy_dir = f->dir;
	f->o.compat_dir = f->compat;
	*st = f;
	return 0;
}

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char sub[PATH_MAX];
			snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
			rm_rf(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int teardown(void **st)
{
	struct fx *f = *st;
	padmin_out_free(&f->out);
	rm_rf(f->root);
	free(f);
	return 0;
}

/* path relative to the policy dir */
static void pathof(struct fx *f, const char *rel, char *buf, size_t n)
{
	assert_true((size_t)snprintf(buf, n, "%s/%s", f->dir, rel) < n);
}

static void put_file(struct fx *f, const char *rel, const char *content)
{
	char p[PATH_MAX];
	pathof(f, rel, p, sizeof p);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(content, fp);
	assert_int_equal(fclose(fp), 0);
}

/* the content, or NULL when absent (malloc'd) */
static char *get_file(struct fx *f, const char *rel)
{
	char p[PATH_MAX], *data;
	size_t len;
	pathof(f, rel, p, sizeof p);
	if (padmin_read_file(p, 1 << 20, &data, &len) < 0)
		return NULL;
	return data;
}

static bool exists(struct fx *f, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	pathof(f, rel, p, sizeof p);
	return lstat(p, &st) == 0;
}

static int call_n(struct fx *f, const char *method, const char *arg, const char *payload,
		  size_t plen)
{
	padmin_out_free(&f->out);
	return padmin_call(&f->o, method, arg, payload, plen, &f->out, &f->err);
}

static int call(struct fx *f, const char *method, const char *arg, const char *payload)
{
	return call_n(f, method, arg, payload, strlen(payload));
}

static void expect_ok(struct fx *f, const char *method, const char *arg, const char *payload,
		      const char *output)
{
	int rc = call(f, method, arg, payload);
	if (rc != PADMIN_OK)
		fail_msg("%s+%s: %s %s", method, arg, f->err.cls ? f->err.cls : "(internal)",
			 f->err.msg);
	if (output) {
		assert_non_null(f->out.data);
		assert_int_equal(f->out.len, strlen(output));
		assert_string_equal(f->out.data, output);
	}
}

static void expect_err(struct fx *f, const char *method, const char *arg, const char *payload,
		       const char *cls, const char *msg_part)
{
	int rc = call(f, method, arg, payload);
	assert_int_equal(rc, PADMIN_EUSER);
	assert_non_null(f->err.cls);
	assert_string_equal(f->err.cls, cls);
	if (!strstr(f->err.msg, msg_part))
		fail_msg("\"%s\" does not contain \"%s\"", f->err.msg, msg_part);
	assert_null(f->out.data);
}

/* A snapshot of a directory tree: names and contents, sorted. */
static char *snapshot(const char *dir)
{
	char cmd[PATH_MAX + 128];
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && find . -print0 | sort -z | xargs -0 -r ls -ld --time-style=+ "
		 "| awk '{print $1, $5, $NF}'; find . -type f -print0 | sort -z | "
		 "xargs -0 -r cat", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	char chunk[4096];
	size_t r;
	while ((r = fread(chunk, 1, sizeof chunk, p)) > 0)
		fwrite(chunk, 1, r, m);
	fclose(m);
	assert_int_equal(pclose(p), 0);
	return buf;
}

/* ---- pure helpers ---- */

static void token_vectors(void **st)
{
	(void)st;
	char t[PADMIN_TOKEN_LEN + 1];
	assert_int_equal(padmin_token("", 0, t), 0);
	assert_string_equal(t, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(padmin_token("abc", 3, t), 0);
	assert_string_equal(t, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	assert_int_equal(padmin_token(m, strlen(m), t), 0);
	assert_string_equal(t, "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *a = malloc(1000000);
	assert_non_null(a);
	memset(a, 'a', 1000000);
	assert_int_equal(padmin_token(a, 1000000, t), 0);
	assert_string_equal(t, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
	assert_int_equal(strlen(t), PADMIN_TOKEN_LEN);
}

static void name_checks(void **st)
{
	(void)st;
	assert_true(padmin_arg_valid(""));
	assert_true(padmin_arg_valid("30-user"));
	assert_true(padmin_arg_valid("a+b.c_d-E9"));
	assert_false(padmin_arg_valid("a b"));
	assert_false(padmin_arg_valid("a/b"));
	assert_false(padmin_arg_valid("a*"));
	assert_false(padmin_arg_valid("\xc3\xa9"));
	assert_true(padmin_name_valid("30-user_X9"));
	assert_false(padmin_name_valid(""));
	assert_false(padmin_name_valid(".hidden"));
	assert_false(padmin_name_valid(".."));
	assert_false(padmin_name_valid("a.b"));
	assert_false(padmin_name_valid("a+b"));
}

static void split_service(void **st)
{
	(void)st;
	char *m;
	const char *a;
	assert_int_equal(padmin_split_service("policy.Get+30-user", &m, &a), 0);
	assert_string_equal(m, "policy.Get");
	assert_string_equal(a, "30-user");
	free(m);
	assert_int_equal(padmin_split_service("policy.List", &m, &a), 0);
	assert_string_equal(m, "policy.List");
	assert_string_equal(a, "");
	free(m);
	assert_int_equal(padmin_split_service("policy.GetFiles+a+b", &m, &a), 0);
	assert_string_equal(m, "policy.GetFiles");
	assert_string_equal(a, "a+b");
	free(m);
}

/* ---- the calls ---- */

static void api_basic(void **st)
{
	struct fx *f = *st;
	expect_err(f, "policy.NonExistent", "", "", "PolicyAdminProtocolException",
		   "unrecognized method: policy.NonExistent");
	expect_err(f, "policy.List", "arg", "", "PolicyAdminProtocolException",
		   "Unexpected argument");
	expect_err(f, "policy.List", "", "payload", "PolicyAdminProtocolException",
		   "Unexpected payload");
	expect_err(f, "policy.include.List", "x", "", "PolicyAdminProtocolException",
		   "Unexpected argument");
	expect_err(f, "policy.Get", "file1", "x", "PolicyAdminProtocolException",
		   "Unexpected payload");
	expect_err(f, "policy.GetFiles", "svc", "x", "PolicyAdminProtocolException",
		   "Unexpected payload");
	/* the argument check comes first, even before the method */
	expect_err(f, "policy.NonExistent", "a b", "", "PolicyAdminProtocolException",
		   "Invalid argument: \"a b\"\nValid characters are letters, numbers, dot, "
		   "plus, hyphen and underline");
	assert_string_equal(f->err.msg, "Invalid argument: \"a b\"\nValid characters are "
			    "letters, numbers, dot, plus, hyphen and underline");
}

static void api_list(void **st)
{
	struct fx *f = *st;
	expect_ok(f, "policy.List", "", "", "");
	put_file(f, "file2.policy", "");
	put_file(f, "file1.policy", "");
	put_file(f, "file3", "");
	put_file(f, "file4.policy.bak", "");
	char p[PATH_MAX];
	pathof(f, "sub.policy", p, sizeof p);
	assert_int_equal(mkdir(p, 0755), 0); /* not a file */
	pathof(f, "link.policy", p, sizeof p);
	assert_int_equal(symlink("file1.policy", p), 0); /* a file through a link */
	expect_ok(f, "policy.List", "", "", "file1\nfile2\nlink\n");
	expect_ok(f, "policy.include.List", "", "", "");
	put_file(f, "include/inc", "");
	put_file(f, "include/b.txt", "");
	put_file(f, "include/A", "");
	expect_ok(f, "policy.include.List", "", "", "A\nb.txt\ninc\n");
	/* a missing include directory is an internal error, as upstream */
	rm_rf(strcat(strcpy(p, f->dir), "/include"));
	assert_int_equal(call(f, "policy.include.List", "", ""), PADMIN_EINTERNAL);
	assert_null(f->err.cls);
}

static void api_get(void **st)
{
	struct fx *f = *st;
	put_file(f, "file1.policy", "policy text");
	char tok[PADMIN_TOKEN_LEN + 1], want[256];
	padmin_token("policy text", 11, tok);
	snprintf(want, sizeof want, "%s\npolicy text", tok);
	expect_ok(f, "policy.Get", "file1", "", want);
	put_file(f, "include/inc", "include text");
	padmin_token("include text", 12, tok);
	snprintf(want, sizeof want, "%s\ninclude text", tok);
	expect_ok(f, "policy.include.Get", "inc", "", want);

	char p[PATH_MAX + 64];
	snprintf(p, sizeof p, "Not found: %s/nonexistent.policy", f->dir);
	expect_err(f, "policy.Get", "nonexistent", "", "PolicyAdminFileNotFoundException", p);
	assert_string_equal(f->err.msg, p);
	expect_err(f, "policy.Get", ".hidden_evil_policy", "",
		   "PolicyAdminInvalidFileNameException",
		   "Invalid policy file name: .hidden_evil_policy\nNames must contain only "
		   "alphanumeric characters, underscore and hyphen.");
	expect_err(f, "policy.include.Get", "..", "", "PolicyAdminInvalidFileNameException",
		   "Invalid policy file name");
	expect_err(f, "policy.include.Get", "", "", "PolicyAdminInvalidFileNameException",
		   "Invalid policy file name");
	expect_err(f, "policy.Get", "a.b", "", "PolicyAdminInvalidFileNameException",
		   "Invalid policy file name");
	expect_err(f, "policy.include.Get", "space in argument", "",
		   "PolicyAdminProtocolException", "Invalid argument");
	/* a directory is not found */
	snprintf(p, sizeof p, "%s/dir.policy", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	expect_err(f, "policy.Get", "dir", "", "PolicyAdminFileNotFoundException", "Not found");
}

static void api_paths_stay_inside(void **st)
{
	struct fx *f = *st;
	char p[PATH_MAX], want[PATH_MAX + 64];
	/* a symlink out of the directory */
	pathof(f, "include/evil", p, sizeof p);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	snprintf(want, sizeof want, "Expecting a path inside %s/include", f->dir);
	expect_err(f, "policy.include.Get", "evil", "", "PolicyAdminInvalidFilePathException",
		   want);
	assert_string_equal(f->err.msg, want);
	expect_err(f, "policy.include.Replace", "evil", "any\n",
		   "PolicyAdminInvalidFilePathException", want);
	expect_err(f, "policy.include.Remove", "evil", "any",
		   "PolicyAdminInvalidFilePathException", want);
	/* a dangling symlink could point anywhere */
	pathof(f, "dangling.policy", p, sizeof p);
	assert_int_equal(symlink("/nonexistent/x", p), 0);
	snprintf(want, sizeof want, "Expecting a path inside %s", f->dir);
	expect_err(f, "policy.Replace", "dangling", "any\n",
		   "PolicyAdminInvalidFilePathException", want);
	assert_false(exists(f, "../x"));
	/* a policy.d file linking into include/ is outside policy.d */
	put_file(f, "include/inc", "");
	pathof(f, "toinc.policy", p, sizeof p);
	assert_int_equal(symlink("include/inc", p), 0);
	expect_err(f, "policy.Get", "toinc", "", "PolicyAdminInvalidFilePathException", want);
	/* a link inside the directory is followed */
	put_file(f, "real.policy", "x * @anyvm @anyvm deny\n");
	pathof(f, "alias.policy", p, sizeof p);
	assert_int_equal(symlink("real.policy", p), 0);
	char tok[PADMIN_TOKEN_LEN + 1];
	padmin_token("x * @anyvm @anyvm deny\n", 23, tok);
	snprintf(want, sizeof want, "%s\nx * @anyvm @anyvm deny\n", tok);
	expect_ok(f, "policy.Get", "alias", "", want);
}

static void api_replace(void **st)
{
	struct fx *f = *st;
	expect_ok(f, "policy.Replace", "file1", "any\n", NULL);
	assert_null(f->out.data);
	char *c = get_file(f, "file1.policy");
	assert_string_equal(c, "");
	free(c);
	expect_ok(f, "policy.Replace", "file1", "any\nrpc.Name * * * deny", NULL);
	assert_string_equal(c = get_file(f, "file1.policy"), "rpc.Name * * * deny");
	free(c);
	expect_ok(f, "policy.include.Replace", "inc", "any\nrpc.Name * * * deny", NULL);
	assert_string_equal(c = get_file(f, "include/inc"), "rpc.Name * * * deny");
	free(c);
	expect_ok(f, "policy.Replace", "file1", "any\n!include include/inc", NULL);
	/* mode 0664, and no temporary file left behind */
	char p[PATH_MAX];
	struct stat st2;
	pathof(f, "file1.policy", p, sizeof p);
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0664);
	expect_ok(f, "policy.List", "", "", "file1\n");
	DIR *d = opendir(f->dir);
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fail_msg("temporary file left: %s", de->d_name);
	closedir(d);
	/* binary-safe: the content after the first newline is kept as is */
	expect_ok(f, "policy.Replace", "file2", "any\n\n# a\r\n\n", NULL);
	assert_string_equal(c = get_file(f, "file2.policy"), "\n# a\r\n\n");
	free(c);
}

static void api_replace_token(void **st)
{
	struct fx *f = *st;
	const char *sample = "rpc.Name * * * deny";
	char pl[256], tok[PADMIN_TOKEN_LEN + 1], *c;
	snprintf(pl, sizeof pl, "new\n%s", sample);
	expect_ok(f, "policy.Replace", "file1", pl, NULL);
	assert_string_equal(c = get_file(f, "file1.policy"), sample);
	free(c);
	padmin_token(sample, strlen(sample), tok);
	snprintf(pl, sizeof pl, "%s\n", tok);
	expect_ok(f, "policy.Replace", "file1", pl, NULL);
	assert_string_equal(c = get_file(f, "file1.policy"), "");
	free(c);
	/* the old token is stale now */
	expect_err(f, "policy.Replace", "file1", pl, "PolicyAdminTokenException",
		   "Token mismatch");
	expect_err(f, "policy.Replace", "file1", "new", "PolicyAdminProtocolException",
		   "Payload needs to include first line with token");
	expect_err(f, "policy.Replace", "file1", "oops\n", "PolicyAdminProtocolException",
		   "Unrecognized token");
	expect_err(f, "policy.Replace", "file1", "ANY\n", "PolicyAdminProtocolException",
		   "Unrecognized token");
	expect_err(f, "policy.Replace", "file1", "new\n", "PolicyAdminTokenException",
		   "File exists but token is 'new'");
	expect_err(f, "policy.Replace", "file1", "sha256:aaaa\n", "PolicyAdminTokenException",
		   "Token mismatch");
	expect_err(f, "policy.Replace", "file2", "sha256:aaaa\n", "PolicyAdminTokenException",
		   "File doesn't exist, but token isn't 'new'");
	assert_false(exists(f, "file2.policy"));
	/* the current token, with a trailing byte, does not match */
	padmin_token("", 0, tok);
	snprintf(pl, sizeof pl, "%s \nx * @anyvm @anyvm deny", tok);
	expect_err(f, "policy.Replace", "file1", pl, "PolicyAdminTokenException",
		   "Token mismatch");
	/* a failed check changes nothing */
	assert_string_equal(c = get_file(f, "file1.policy"), "");
	free(c);
	/* include files use tokens too */
	expect_ok(f, "policy.include.Replace", "inc", "new\na", NULL);
	expect_err(f, "policy.include.Replace", "inc", "new\nb", "PolicyAdminTokenException",
		   "File exists");
}

static void api_replace_validate(void **st)
{
	struct fx *f = *st;
	put_file(f, "10-a.policy", "svc * @anyvm @anyvm deny\n");
	put_file(f, "include/x", "@anyvm @anyvm deny\n");
	char *before = snapshot(f->dir);
	expect_err(f, "policy.Replace", "file1", "any\nxxx", "PolicyAdminSyntaxException",
		   "wrong number of fields");
	char want[PATH_MAX + 128];
	snprintf(want, sizeof want, "Policy change validation failed: %s/file1.policy:1: "
		 "wrong number of fields", f->dir);
	assert_string_equal(f->err.msg, want);
	/* a nonexistent include */
	expect_err(f, "policy.Replace", "file1", "any\n!include include/inc",
		   "PolicyAdminSyntaxException", "not a file");
	/* a broken replacement of an existing file */
	expect_err(f, "policy.Replace", "10-a", "any\nsvc * @anyvm @anyvm allow\nbad line",
		   "PolicyAdminSyntaxException", "10-a.policy:2: wrong number of fields");
	/* an include file that breaks its includer */
	put_file(f, "20-b.policy", "!include-service svc * include/x\n");
	char *before2 = snapshot(f->dir);
	expect_err(f, "policy.include.Replace", "x", "any\nnot a valid line at all",
		   "PolicyAdminSyntaxException", "include/x:1:");
	/* a name the loader would refuse */
	expect_err(f, "policy.Replace", "Upper", "any\n", "PolicyAdminSyntaxException",
		   "invalid filename");
	/* not UTF-8 */
	expect_err(f, "policy.Replace", "file9", "any\n# \xff\n", "PolicyAdminSyntaxException",
		   "UTF-8");
	char *after = snapshot(f->dir);
	assert_string_equal(before2, after);
	free(after);
	/* undo 20-b and compare with the first snapshot */
	expect_ok(f, "policy.Remove", "20-b", "any", NULL);
	after = snapshot(f->dir);
	assert_string_equal(before, after);
	free(after);
	free(before);
	free(before2);

	/* an include file that can be !included but not !include-service'd */
	expect_ok(f, "policy.include.Replace", "inc", "any\nrpc.Name * * * deny", NULL);
	expect_ok(f, "policy.Replace", "file1", "any\n!include include/inc", NULL);
	expect_err(f, "policy.Replace", "file1", "any\n!include-service include/inc",
		   "PolicyAdminSyntaxException", "invalid number of params");
	expect_err(f, "policy.Replace", "file1", "any\n!include-service rpc.Name * include/inc",
		   "PolicyAdminSyntaxException", "include/inc:1: invalid action: *");
}

static void api_validate_compat(void **st)
{
	struct fx *f = *st;
	assert_int_equal(mkdir(f->compat, 0755), 0);
	char p[PATH_MAX + 32];
	snprintf(p, sizeof p, "%s/test.Svc", f->compat);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("$anyvm $default allow\n", fp); /* a syntax error since 4.1 */
	fclose(fp);
	expect_err(f, "policy.Replace", "35-compat", "any\n!compat-4.0\n",
		   "PolicyAdminSyntaxException", "test.Svc:1:");
	assert_false(exists(f, "35-compat.policy"));
	fp = fopen(p, "w");
	fputs("$anyvm $default allow,target=dom0\n", fp);
	fclose(fp);
	expect_ok(f, "policy.Replace", "35-compat", "any\n!compat-4.0\n", NULL);
}

static void api_remove(void **st)
{
	struct fx *f = *st;
	put_file(f, "file1.policy", "");
	put_file(f, "include/inc", "");
	expect_ok(f, "policy.Remove", "file1", "any", NULL);
	assert_null(f->out.data);
	assert_false(exists(f, "file1.policy"));
	expect_ok(f, "policy.include.Remove", "inc", "any", NULL);
	assert_false(exists(f, "include/inc"));
	expect_err(f, "policy.Remove", "file1", "any", "PolicyAdminFileNotFoundException",
		   "Not found");
	/* "new" passes the token check, then the file is not found */
	expect_err(f, "policy.Remove", "file1", "new", "PolicyAdminFileNotFoundException",
		   "Not found");
	/* an empty payload is no token */
	put_file(f, "file1.policy", "");
	expect_err(f, "policy.Remove", "file1", "", "PolicyAdminProtocolException",
		   "Unrecognized token");
}

static void api_remove_token(void **st)
{
	struct fx *f = *st;
	char tok[PADMIN_TOKEN_LEN + 1];
	put_file(f, "file1.policy", "");
	padmin_token("", 0, tok);
	expect_ok(f, "policy.Remove", "file1", tok, NULL);
	assert_false(exists(f, "file1.policy"));
	put_file(f, "file1.policy", "");
	/* the payload is the whole token: a newline makes it differ */
	expect_err(f, "policy.Remove", "file1", "sha256:aaaa\n", "PolicyAdminTokenException",
		   "Token mismatch");
	char pl[PADMIN_TOKEN_LEN + 2];
	snprintf(pl, sizeof pl, "%s\n", tok);
	expect_err(f, "policy.Remove", "file1", pl, "PolicyAdminTokenException",
		   "Token mismatch");
	expect_err(f, "policy.Remove", "file1", "any\n", "PolicyAdminProtocolException",
		   "Unrecognized token");
	expect_err(f, "policy.Remove", "file1", "new", "PolicyAdminTokenException",
		   "File exists but token is 'new'");
	expect_err(f, "policy.Remove", "file2", tok, "PolicyAdminTokenException",
		   "File doesn't exist, but token isn't 'new'");
	assert_true(exists(f, "file1.policy"));
}

static void api_remove_validate(void **st)
{
	struct fx *f = *st;
	put_file(f, "file1.policy", "!include include/inc");
	put_file(f, "include/inc", "");
	expect_err(f, "policy.include.Remove", "inc", "any", "PolicyAdminSyntaxException",
		   "including a file that will be removed");
	char want[3 * PATH_MAX];
	snprintf(want, sizeof want, "Policy change validation failed: %s/file1.policy:1: "
		 "including a file that will be removed: %s/include/inc", f->dir, f->dir);
	assert_string_equal(f->err.msg, want);
	assert_true(exists(f, "include/inc"));
	/* also through !include-service */
	put_file(f, "file1.policy", "!include-service svc * include/inc");
	expect_err(f, "policy.include.Remove", "inc", "any", "PolicyAdminSyntaxException",
		   "including a file that will be removed");
	expect_err(f, "policy.Remove", "file100000", "any", "PolicyAdminFileNotFoundException",
		   "Not found");
	/* removing the includer first is fine */
	expect_ok(f, "policy.Remove", "file1", "any", NULL);
	expect_ok(f, "policy.include.Remove", "inc", "any", NULL);
}

static void api_get_files(void **st)
{
	struct fx *f = *st;
	put_file(f, "file1.policy", "test.service * $any dom0 deny\ntest.service * $any $any allow");
	put_file(f, "file2.policy", "other.service * dom0 dom0 allow\nthird.service * $any $any deny");
	expect_ok(f, "policy.GetFiles", "test.service", "", "file1\n");
	expect_ok(f, "policy.GetFiles", "other.service", "", "file2\n");
	expect_ok(f, "policy.GetFiles", "nothing.here", "", "");
	/* legacy files are listed by full path */
	put_file(f, "compat.policy", "!compat-4.0");
	assert_int_equal(mkdir(f->compat, 0755), 0);
	char p[PATH_MAX + 32], want[PATH_MAX + 64];
	snprintf(p, sizeof p, "%s/third.service", f->compat);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("dom0 dom0 allow\n@anyvm @anyvm deny", fp);
	fclose(fp);
	snprintf(want, sizeof want, "%s\nfile2\n", p);
	expect_ok(f, "policy.GetFiles", "third.service", "", want);
	/* wildcard rules count; include files inside the directory by stem */
	put_file(f, "include/inc.d", "@anyvm @anyvm deny\n");
	put_file(f, "0-any.policy", "* * @anyvm @anyvm deny\n"
				    "!include-service test.service * include/inc.d\n"
				    "!include-service test.service +a include/inc.d\n");
	expect_ok(f, "policy.GetFiles", "test.service", "", "0-any\ninc\nfile1\n");
	expect_err(f, "policy.GetFiles", "", "", "PolicyAdminProtocolException",
		   "Service cannot be empty.");
	expect_err(f, "policy.GetFiles", "service+param", "", "PolicyAdminProtocolException",
		   "Service 'service+param' contains invalid characters: ('+',)");
	/* a policy that does not load: internal error */
	put_file(f, "9-bad.policy", "bad");
	assert_int_equal(call(f, "policy.GetFiles", "test.service", ""), PADMIN_EINTERNAL);
	assert_null(f->err.cls);
	assert_non_null(strstr(f->err.msg, "9-bad.policy:1"));
}

static void api_payload_limit(void **st)
{
	struct fx *f = *st;
	size_t n = PADMIN_PAYLOAD_MAX + 1;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, '#', n);
	memcpy(big, "any\n", 4);
	assert_int_equal(call_n(f, "policy.Replace", "big", big, n), PADMIN_EUSER);
	assert_string_equal(f->err.cls, "PolicyAdminProtocolException");
	assert_false(exists(f, "big.policy"));
	free(big);
}

static void api_missing_dir(void **st)
{
	struct fx *f = *st;
	char p[PATH_MAX + 16];
	snprintf(p, sizeof p, "%s/nope", f->dir);
	struct padmin_opts o = {.policy_dir = p, .compat_dir = f->compat};
	assert_int_equal(padmin_call(&o, "policy.List", "", "", 0, &f->out, &f->err),
			 PADMIN_EINTERNAL);
	assert_null(f->err.cls);
	assert_non_null(strstr(f->err.msg, p));
}

static void write_atomic_helper(void **st)
{
	struct fx *f = *st;
	char p[PATH_MAX], e[512];
	pathof(f, "w.txt", p, sizeof p);
	assert_int_equal(padmin_write_atomic(p, "abc", 3, 0640, (uid_t)-1, (gid_t)-1, e,
					     sizeof e), 0);
	char *c = get_file(f, "w.txt");
	assert_string_equal(c, "abc");
	free(c);
	struct stat st2;
	assert_int_equal(stat(p, &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0640);
	pathof(f, "nodir/w.txt", p, sizeof p);
	assert_int_equal(padmin_write_atomic(p, "abc", 3, 0640, (uid_t)-1, (gid_t)-1, e,
					     sizeof e), -1);
	assert_non_null(strstr(e, "nodir/w.txt"));
}

/* Two writers started while the directory is locked both wait; once it
 * is unlocked they run one after the other, so exactly one of two
 * Replace calls carrying the same token wins. */
static void concurrent_writers_serialised(void **st)
{
	struct fx *f = *st;
	put_file(f, "file1.policy", "# A\n");
	char tok[PADMIN_TOKEN_LEN + 1];
	padmin_token("# A\n", 4, tok);
	int lock = padmin_lock_dir(f->dir);
	assert_true(lock >= 0);
	pid_t pids[2];
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(lock);
			char pl[256];
			snprintf(pl, sizeof pl, "%s\n# writer %d\n", tok, i);
			struct padmin_out out;
			struct padmin_err err;
			int rc = padmin_call(&f->o, "policy.Replace", "file1", pl, strlen(pl),
					     &out, &err);
			padmin_out_free(&out);
			if (rc == PADMIN_OK)
				_exit(0);
			if (rc == PADMIN_EUSER && strcmp(err.msg, "Token mismatch") == 0)
				_exit(1);
			_exit(3);
		}
	}
	struct timespec ts = {0, 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	for (int i = 0; i < 2; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, WNOHANG), 0); /* still waiting */
	}
	char *c = get_file(f, "file1.policy");
	assert_string_equal(c, "# A\n");
	free(c);
	close(lock);
	int wins = 0, mismatches = 0;
	for (int i = 0; i < 2; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			wins++;
		else if (WEXITSTATUS(status) == 1)
			mismatches++;
	}
	assert_int_equal(wins, 1);
	assert_int_equal(mismatches, 1);
	c = get_file(f, "file1.policy");
	assert_true(strcmp(c, "# writer 0\n") == 0 || strcmp(c, "# writer 1\n") == 0);
	free(c);
}

/* Many concurrent "any" writers of different files: every file ends
 * complete (no torn or lost writes). */
static void concurrent_writers_many(void **st)
{
	struct fx *f = *st;
	enum { N = 6 };
	pid_t pids[N];
	for (int i = 0; i < N; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			char name[16], pl[128];
			snprintf(name, sizeof name, "f%d", i);
			snprintf(pl, sizeof pl, "any\nsvc%d * @anyvm @anyvm deny\n", i);
			struct padmin_out out;
			struct padmin_err err;
			int ok = 1;
			for (int k = 0; k < 5 && ok; k++) {
				ok = padmin_call(&f->o, "policy.Replace", name, pl, strlen(pl),
						 &out, &err) == PADMIN_OK;
				padmin_out_free(&out);
			}
			_exit(ok ? 0 : 1);
		}
	}
	for (int i = 0; i < N; i++) {
		int status;
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	expect_ok(f, "policy.List", "", "", "f0\nf1\nf2\nf3\nf4\nf5\n");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_vectors),
		cmocka_unit_test(name_checks),
		cmocka_unit_test(split_service),
		T(api_basic),
		T(api_list),
		T(api_get),
		T(api_paths_stay_inside),
		T(api_replace),
		T(api_replace_token),
		T(api_replace_validate),
		T(api_validate_compat),
		T(api_remove),
		T(api_remove_token),
		T(api_remove_validate),
		T(api_get_files),
		T(api_payload_limit),
		T(api_missing_dir),
		T(write_atomic_helper),
		T(concurrent_writers_serialised),
		T(concurrent_writers_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
