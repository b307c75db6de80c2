/* edit: pass's edit with the store in the vault. The entry (SHOW on
 * PassRead) goes into a private directory in /dev/shm (mkdtemp, 0700; the
 * file 0600, named as pass names it), $EDITOR runs on it as pass runs it
 * (the words of ${EDITOR:-editor}, no shell; vi when there is no
 * `editor`), and the result goes back with INSERT "f" on PassManage.
 * Unchanged: "Password unchanged.", exit 1. Every file left in the
 * directory (the editor's backups too) is overwritten with zeros, synced
 * and unlinked before the directory goes. */
#include "pass/client/client.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void wipe_file(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		static const char z[4096];
		for (off_t o = 0; o < st.st_size; o += (off_t)sizeof z)
			if (write(fd, z, sizeof z) < 0)
				break;
		fsync(fd);
	}
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, name, 0);
}

/* zeros over everything in dir, then gone (one level: editors make no
 * subfolders there) */
static void wipe_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		DIR *d = fdopendir(dup(dfd));
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				wipe_file(dfd, e->d_name);
		if (d)
			closedir(d);
		close(dfd);
	}
	rmdir(dir);
}

/* ${EDITOR:-editor} "$file": the words of EDITOR, as bash splits them */
static int run_editor(const char *file)
{
	const char *ed = getenv("EDITOR");
	char *copy = strdup(ed && ed[0] ? ed : in_path("editor") ? "editor" : "vi");
	char *argv[64];
	int n = 0;
	for (char *save = NULL, *w = strtok_r(copy, " \t\n", &save); w && n < 62;
	     w = strtok_r(NULL, " \t\n", &save))
		argv[n++] = w;
	if (n == 0)
		argv[n++] = "vi";
	argv[n++] = (char *)file;
	argv[n] = NULL;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(copy);
	int st = 0;
	/* the editor owns the terminal: ^C is for it */
	void (*oi)(int) = signal(SIGINT, SIG_IGN), (*oq)(int) = signal(SIGQUIT, SIG_IGN);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	signal(SIGINT, oi);
	signal(SIGQUIT, oq);
	return pid < 0 ? -1 : st;
}

int cmd_edit(const struct qp_ctx *c, const struct qp_args *a)
{
	/* pass: path="${1%/}" */
	size_t nl = strlen(a->pos[0]);
	char *name = strdup(a->pos[0]);
	if (!name)
		abort();
	if (nl && name[nl - 1] == '/')
		name[--nl] = '\0';
	const char *f[] = {name, "0"};
	struct reply r;
	int rc = call_s(c, PASS_OP_SHOW, f, 2, 0, &r);
	if (rc) {
		free(name);
		return rc;
	}
	bool existed = r.m.code == PASS_OK;
	if (existed && !(r.m.nfields == 2 && field_is(&r.m.fields[0], "secret"))) {
		reply_free(&r);
		rc = die(c, "Error: %s is a folder.", name);
		free(name);
		return rc;
	}
	if (!existed && r.m.code != PASS_NOT_FOUND) {
		free(name);
		return fail_reply(c, &r);
	}
	struct wbuf old, now;
	wbuf_init_secret(&old, PASS_MAX_FIELD);
	wbuf_init_secret(&now, PASS_MAX_FIELD);
	if (existed)
		wbuf_put_bytes(&old, r.m.fields[1].p, r.m.fields[1].len);
	reply_free(&r);

	char dir[] = "/dev/shm/qvm-pass.XXXXXXXXXXXXX";
	mode_t um = umask(077);
	if (!mkdtemp(dir)) {
		umask(um);
		rc = die(c, "Error: cannot make a private directory in /dev/shm: %s",
			 strerror(errno));
		goto done;
	}
	/* pass's name: XXXXXX-<path with '/' as '-'>.txt */
	char *file = malloc(sizeof dir + nl + 16);
	if (!file)
		abort();
	snprintf(file, sizeof dir + nl + 16, "%s/XXXXXX-", dir);
	size_t fo = strlen(file);
	for (size_t i = 0; i < nl; i++)
		file[fo++] = name[i] == '/' ? '-' : name[i];
	memcpy(file + fo, ".txt", 5);
	int fd = mkstemps(file, (int)(nl + 5));
	umask(um);
	if (fd < 0 || fchmod(fd, 0600) < 0 ||
	    (old.len && write(fd, old.p, old.len) != (ssize_t)old.len)) {
		rc = die(c, "Error: cannot write the temporary file: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		goto wipe;
	}
	close(fd);
	run_editor(file);
	int in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		rc = die(c, "New password not saved.");
		goto wipe;
	}
	for (;;) {
		if (wbuf_reserve(&now, 65536) != BUF_OK && wbuf_reserve(&now, 1) != BUF_OK) {
			rc = die(c, "Error: the entry is too large");
			break;
		}
		ssize_t got = read(in, now.p + now.len, now.cap - now.len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		now.len += (size_t)got;
	}
	close(in);
	if (rc)
		goto wipe;
	if (now.len == old.len && (!now.len || !memcmp(now.p, old.p, now.len))) {
		rc = die(c, "Password unchanged.");
		goto wipe;
	}
	rc = 0;
	{
		const void *fields[] = {name, now.p ? (const void *)now.p : "", "f"};
		size_t fl[] = {nl, now.len, 1};
		struct reply w;
		rc = call(c, PASS_OP_INSERT, fields, fl, 3, 0, &w);
		if (!rc && w.m.code != PASS_OK)
			rc = fail_reply(c, &w);
		else if (!rc)
			reply_free(&w);
	}
wipe:
	wipe_dir(dir);
	free(file);
done:
	wbuf_free_secret(&old);
	wbuf_free_secret(&now);
	free(name);
	return rc;
}
