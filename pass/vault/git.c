/* git: running git for the vault's store (see git.h). */
#include "pass/vault/git.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#define GIT "/usr/bin/git"

extern char **environ;

void git_sanitize_env(const char *root)
{
	for (;;) {
		char **e = environ;
		while (*e && strncmp(*e, "GIT_", 4) != 0)
			e++;
		if (!*e)
			break;
		char name[256];
		size_t n = strcspn(*e, "=");
		snprintf(name, sizeof name, "%.*s", (int)(n < 255 ? n : 255), *e);
		unsetenv(name);
	}
	char up[4096];
	snprintf(up, sizeof up, "%s", root);
	char *slash = strrchr(up, '/');
	if (slash && slash != up)
		*slash = '\0';
	setenv("GIT_CEILING_DIRECTORIES", up, 1);
}

bool git_is_repo(const char *root)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/.git", root);
	struct stat st;
	return stat(p, &st) == 0;
}

int git_run(const char *root, const char *const *args, size_t n, struct wbuf *out)
{
	const char *argv[32];
	size_t a = 0;
	argv[a++] = "git";
	argv[a++] = "-C";
	argv[a++] = root;
	for (size_t i = 0; i < n && a < 31; i++)
		argv[a++] = args[i];
	argv[a] = NULL;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execve(GIT, (char *const *)argv, environ);
		dprintf(2, "cannot run " GIT ": %s\n", strerror(errno));
		_exit(127);
	}
	close(p[1]);
	char buf[4096];
	for (;;) {
		ssize_t r = read(p[0], buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out)
			wbuf_put_bytes(out, buf, (size_t)r); /* over the limit: cut */
	}
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void git_commit(const char *root, const char *msg, const char *const *paths, size_t n)
{
	if (!git_is_repo(root))
		return;
	const char *args[24] = {"add", "-A", "--"};
	size_t a = 3;
	for (size_t i = 0; i < n && a < 24; i++)
		args[a++] = paths[i];
	if (git_run(root, args, a, NULL) != 0)
		syslog(LOG_WARNING, "git add failed in the store");
	/* nothing staged: nothing to commit, as pass */
	const char *quiet[] = {"diff", "--cached", "--quiet"};
	if (git_run(root, quiet, 3, NULL) == 0)
		return;
	/* a vault user without a git identity still gets commits (git
	 * refuses to guess one); a configured identity wins */
	const char *who[] = {"config", "user.email"};
	if (git_run(root, who, 2, NULL) != 0) {
		setenv("GIT_AUTHOR_NAME", "pass vault", 0);
		setenv("GIT_AUTHOR_EMAIL", "pass@vault", 0);
		setenv("GIT_COMMITTER_NAME", "pass vault", 0);
		setenv("GIT_COMMITTER_EMAIL", "pass@vault", 0);
	}
	const char *commit[] = {"commit", "-q", "-m", msg};
	if (git_run(root, commit, 4, NULL) != 0)
		syslog(LOG_WARNING, "git commit failed in the store");
}

int git_init_store(const char *root, struct wbuf *out)
{
	const char *init[] = {"init"};
	int rc = git_run(root, init, 1, out);
	if (rc != 0)
		return rc;
	const char *all[] = {"."};
	git_commit(root, "Add current contents of password store.", all, 1);
	char attr[4096];
	snprintf(attr, sizeof attr, "%s/.gitattributes", root);
	int fd = open(attr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || write(fd, "*.gpg diff=gpg\n", 15) != 15) {
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	const char *ga[] = {".gitattributes"};
	git_commit(root, "Configure git repository for gpg file diff.", ga, 1);
	const char *c1[] = {"config", "--local", "diff.gpg.binary", "true"};
	const char *c2[] = {"config", "--local", "diff.gpg.textconv", "gpg -d"};
	if (git_run(root, c1, 4, NULL) != 0 || git_run(root, c2, 4, NULL) != 0)
		return 1;
	return 0;
}
