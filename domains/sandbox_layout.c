/* sandbox_layout: builds a domain's bubblewrap command line (see
 * sandbox_layout.h). */
#include "domains/sandbox_layout.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* tmpfs sizes: these bound what a domain can pin in host memory through
 * its volatile directories */
#define SIZE_TMP "536870912"     /* 512 MiB */
#define SIZE_VAR "268435456"     /* 256 MiB */
#define SIZE_RUN "67108864"      /* 64 MiB */
#define SIZE_SHM "67108864"
#define SIZE_ROOT "67108864"
#define ENV_NAME_MAX 256

struct builder {
	struct strlist *av;
	bool oom;
};

static void add(struct builder *b, const char *s)
{
	if (!b->oom && strlist_add(b->av, s) < 0)
		b->oom = true;
}

static void addv(struct builder *b, int n, ...)
{
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		add(b, va_arg(ap, const char *));
	va_end(ap);
}

/* a synthesized read-only file, readable by every user of the domain */
static void add_data(struct builder *b, int fd, const char *dst)
{
	char s[16];
	snprintf(s, sizeof s, "%d", fd);
	addv(b, 5, "--perms", "0444", "--ro-bind-data", s, dst);
}

static void addfd(struct builder *b, const char *opt, int fd)
{
	char s[16];
	snprintf(s, sizeof s, "%d", fd);
	addv(b, 2, opt, s);
}

static void setenv_arg(struct builder *b, const char *name, const char *value)
{
	addv(b, 3, "--setenv", name, value);
}

static const char *const reserved_env[] = {
	"VCHAN_DOMAIN", "VCHAN_SOCKET_DIR", "PATH", "BULKHEAD_",
};

bool layout_env_allowed(const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv || eq - kv >= ENV_NAME_MAX)
		return false;
	for (const char *p = kv; p < eq; p++) {
		char c = *p;
		bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (p > kv && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	size_t nl = (size_t)(eq - kv);
	for (size_t i = 0; i < sizeof reserved_env / sizeof *reserved_env; i++) {
		size_t rl = strlen(reserved_env[i]);
		bool prefix = reserved_env[i][rl - 1] == '_';
		if (prefix ? (nl >= rl && strncmp(kv, reserved_env[i], rl) == 0)
			   : (nl == rl && strncmp(kv, reserved_env[i], rl) == 0))
			return false;
	}
	return true;
}

static void add_env(struct builder *b, const struct layout_in *in, const struct layout_fds *fds)
{
	const struct sandbox_spec *s = in->spec;
	char qid[16], ready[16];
	snprintf(qid, sizeof qid, "%u", s->qid);
	snprintf(ready, sizeof ready, "%d", fds->ready);
	add(b, "--clearenv");
	setenv_arg(b, "PATH", SB_IN_PATH);
	setenv_arg(b, "HOME", "/root");
	setenv_arg(b, "LANG", "C.UTF-8");
	setenv_arg(b, "VCHAN_DOMAIN", qid);
	setenv_arg(b, "VCHAN_SOCKET_DIR", SB_IN_VCHAN);
	setenv_arg(b, "QREXEC_SERVICE_PATH",
		   "/run/qubes-rpc:/usr/local/etc/qubes-rpc:/etc/qubes-rpc");
	setenv_arg(b, "QUBES_RPC_CONFIG_PATH",
		   "/run/qubes/rpc-config:/usr/local/etc/qubes/rpc-config:/etc/qubes/rpc-config");
	setenv_arg(b, "BULKHEAD_DOMAIN", s->name);
	setenv_arg(b, "BULKHEAD_READY_FD", ready);
	for (size_t i = 0; i < s->n_env; i++) {
		const char *eq = strchr(s->env[i], '=');
		char name[ENV_NAME_MAX];
		size_t nl = (size_t)(eq - s->env[i]); /* < ENV_NAME_MAX: checked */
		memcpy(name, s->env[i], nl);
		name[nl] = '\0';
		setenv_arg(b, name, eq + 1);
	}
}

static void add_tmpfs(struct builder *b, const char *perms, const char *size, const char *dst)
{
	addv(b, 6, "--perms", perms, "--size", size, "--tmpfs", dst);
}

static void add_filesystem(struct builder *b, const struct layout_in *in,
			   const struct layout_fds *fds)
{
	const struct stage_plan *p = in->plan;
	char src[PATH_MAX], dst[64];
	/* the template: /usr first (the symlinked /bin etc. point into it),
	 * /etc (the stage's overlay of it) */
	for (size_t i = 0; i < p->n_tops; i++) {
		const struct stage_top *t = &p->tops[i];
		snprintf(dst, sizeof dst, "/%s", t->name);
		if (t->symlink) {
			addv(b, 3, "--symlink", t->target, dst);
		} else {
			snprintf(src, sizeof src, STAGE_TOP_DIR "/%s", t->name);
			addv(b, 3, "--ro-bind", src, dst);
		}
	}
	/* /etc is the stage's overlay; the template's qrexec services and
	 * their configuration go on its (opaque, empty) mount points */
	addv(b, 3, "--ro-bind", STAGE_RPC, "/etc/qubes-rpc");
	addv(b, 3, "--ro-bind", STAGE_RPC_CONFIG, "/etc/qubes/rpc-config");
	/* persistent storage, Qubes AppVM style */
	addv(b, 3, "--bind", STAGE_PRIVATE, "/rw");
	addv(b, 3, "--bind", STAGE_PRIVATE "/home", "/home");
	addv(b, 3, "--bind", STAGE_PRIVATE "/usrlocal", "/usr/local");
	/* the kernel interfaces and volatile directories */
	addv(b, 2, "--proc", "/proc");
	addv(b, 2, "--dev", "/dev");
	add_tmpfs(b, "01777", SIZE_SHM, "/dev/shm");
	add_tmpfs(b, "01777", SIZE_TMP, "/tmp");
	add_tmpfs(b, "0755", SIZE_VAR, "/var");
	addv(b, 3, "--symlink", "../run", "/var/run");
	addv(b, 4, "--perms", "01777", "--dir", "/var/tmp");
	addv(b, 2, "--dir", "/var/log");
	add_tmpfs(b, "0700", SIZE_ROOT, "/root");
	add_tmpfs(b, "0755", SIZE_RUN, "/run");
	addv(b, 2, "--dir", "/run/qubes");
	add_data(b, fds->qubesdb, SB_IN_QUBESDB);
	addv(b, 3, "--bind", STAGE_VCHAN, SB_IN_VCHAN);
	addv(b, 4, "--perms", "0755", "--dir", SB_IN_BIN);
	addv(b, 3, "--ro-bind", STAGE_BIN, SB_IN_BIN);
	addv(b, 2, "--remount-ro", "/");
}

int layout_bwrap_argv(const struct layout_in *in, const struct layout_fds *fds,
		      struct strlist *argv, char *err, size_t errlen)
{
	const struct sandbox_spec *s = in->spec;
	struct builder b = {.av = argv};
	for (size_t i = 0; i < s->n_env; i++)
		if (!layout_env_allowed(s->env[i])) {
			snprintf(err, errlen, "environment entry '%.64s' is not NAME=value or "
				 "sets a reserved name", s->env[i]);
			return -1;
		}
	add(&b, s->bwrap_path ? s->bwrap_path : SANDBOX_BWRAP);
	/* identity: the domain's own user namespace, as its root */
	addfd(&b, "--userns", fds->userns);
	addv(&b, 4, "--uid", "0", "--gid", "0");
	addv(&b, 4, "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup");
	if (!s->network)
		add(&b, "--unshare-net");
	addv(&b, 2, "--hostname", s->name);
	addv(&b, 2, "--new-session", "--as-pid-1");
	addv(&b, 2, "--cap-drop", "ALL");
	if (!s->no_setid_caps)
		/* root in the domain switches users and signals the domain's
		 * own processes (its pid and user namespaces bound both) */
		addv(&b, 6, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
		     "--cap-add", "CAP_KILL");
	add_env(&b, in, fds);
	addfd(&b, "--info-fd", fds->info);
	addfd(&b, "--json-status-fd", fds->status);
	addfd(&b, "--seccomp", fds->seccomp);
	add_filesystem(&b, in, fds);
	addv(&b, 2, "--chdir", "/");
	char init[64], agent[64];
	snprintf(init, sizeof init, SB_IN_BIN "/%s", in->init_name);
	snprintf(agent, sizeof agent, SB_IN_BIN "/%s", in->agent_name);
	addv(&b, 4, init, "--", agent, "--no-fork-server");
	if (b.oom) {
		snprintf(err, errlen, "bwrap arguments: out of memory");
		return -1;
	}
	return 0;
}
