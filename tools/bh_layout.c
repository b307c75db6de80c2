/* bh_layout: paths of the `bulkhead` command (see bh_layout.h). */
#include "tools/bh_layout.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#ifndef BULKHEAD_SBINDIR
#define BULKHEAD_SBINDIR "/usr/local/sbin"
#endif
#ifndef BULKHEAD_BINDIR
#define BULKHEAD_BINDIR "/usr/local/bin"
#endif
#ifndef BULKHEAD_LIBEXECDIR
#define BULKHEAD_LIBEXECDIR "/usr/local/libexec"
#endif
#ifndef BULKHEAD_DATADIR
#define BULKHEAD_DATADIR "/usr/local/share"
#endif

static bool put(char *dst, size_t n, const char *root, const char *rel)
{
	int r = snprintf(dst, n, "%s%s", root, rel);
	return r >= 0 && (size_t)r < n;
}

int bh_layout_init(struct bh_layout *l, const char *root, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	if (!root || strcmp(root, "/") == 0)
		root = "";
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl >= sizeof l->root) {
		snprintf(err, errlen, "root directory name too long");
		return -1;
	}
	if (rl && root[0] != '/') {
		snprintf(err, errlen, "root directory must be an absolute path: %s", root);
		return -1;
	}
	memcpy(l->root, root, rl);
	l->root[rl] = '\0';
	const char *r = l->root;
	size_t sun = sizeof(((struct sockaddr_un *)0)->sun_path);
	bool ok = put(l->policy_dir, sizeof l->policy_dir, r, "/etc/qubes/policy.d") &&
		  put(l->compat_dir, sizeof l->compat_dir, r, "/etc/qubes-rpc/policy") &&
		  put(l->rpc_dir, sizeof l->rpc_dir, r, "/etc/qubes-rpc") &&
		  put(l->lib_dir, sizeof l->lib_dir, r, "/var/lib/bulkhead") &&
		  put(l->db, sizeof l->db, r, "/var/lib/bulkhead/qubes.db") &&
		  put(l->log_dir, sizeof l->log_dir, r, "/var/log/bulkhead") &&
		  put(l->sock_dir, sizeof l->sock_dir, r, "/run") &&
		  put(l->run_dir, sizeof l->run_dir, r, "/run/bulkhead") &&
		  put(l->vchan_base, sizeof l->vchan_base, r, "/run/bulkhead/vchan") &&
		  put(l->qrexec_dir, sizeof l->qrexec_dir, r, "/run/qubes") &&
		  put(l->qubesd_sock, sun, r, "/run/qubesd.sock") &&
		  put(l->qubesd_internal_sock, sun, r, "/run/qubesd.internal.sock") &&
		  put(l->policy_sock, sun, r, "/run/qubes/policy.sock") &&
		  put(l->ask_sock, sun, r, "/run/qubes/policy-agent.sock");
	/* the longest socket a domain's link needs: VCHAN_BASE/QID/vchan.A.B.P.sock */
	ok = ok && strlen(l->vchan_base) + sizeof "/32751/vchan.32751.32751.65535.sock" <= sun;
	if (!ok) {
		snprintf(err, errlen, "root directory too long for unix socket paths: %s", r);
		return -1;
	}
	return 0;
}

static void prog(char *dst, size_t n, const char *dir, const char *installed_dir,
		 const char *name)
{
	snprintf(dst, n, "%s/%s", dir ? dir : installed_dir, name);
}

void bh_programs_init(struct bh_programs *p, const char *dir)
{
	memset(p, 0, sizeof *p);
	const char *libexec = BULKHEAD_LIBEXECDIR "/bulkhead";
	prog(p->bulkheadd, sizeof p->bulkheadd, dir, BULKHEAD_SBINDIR, "bulkheadd");
	prog(p->policy_daemon, sizeof p->policy_daemon, dir, BULKHEAD_BINDIR,
	     "qrexec-policy-daemon");
	prog(p->qrexec_client, sizeof p->qrexec_client, dir, BULKHEAD_BINDIR, "qrexec-client");
	prog(p->qrexec_daemon, sizeof p->qrexec_daemon, dir, BULKHEAD_SBINDIR, "qrexec-daemon");
	prog(p->agent, sizeof p->agent, dir, BULKHEAD_SBINDIR, "qrexec-agent");
	prog(p->client_vm, sizeof p->client_vm, dir, BULKHEAD_BINDIR, "qrexec-client-vm");
	prog(p->init, sizeof p->init, dir, libexec, "bulkhead-init");
	prog(p->qubesdb_read, sizeof p->qubesdb_read, dir, libexec, "qubesdb-read");
	prog(p->broker, sizeof p->broker, dir, BULKHEAD_SBINDIR, "qrexec-vchan-broker");
	prog(p->explain, sizeof p->explain, dir, BULKHEAD_BINDIR, "qrexec-policy-explain");
	prog(p->qvm_ls, sizeof p->qvm_ls, dir, BULKHEAD_BINDIR, "qvm-ls");
	prog(p->qvm_pass, sizeof p->qvm_pass, dir, BULKHEAD_BINDIR, "qvm-pass");
	prog(p->pass_vault, sizeof p->pass_vault, dir, libexec, "bulkhead-pass-vault");
	prog(p->template_rpc, sizeof p->template_rpc, dir, BULKHEAD_DATADIR "/bulkhead",
	     "template-rpc");
	prog(p->shipped_policy, sizeof p->shipped_policy, dir, BULKHEAD_DATADIR "/bulkhead",
	     "policy");
}

int bh_mkdirs(const char *path, unsigned mode)
{
	char p[PATH_MAX];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		p[i] = c;
	}
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}
