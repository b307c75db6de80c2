/* bh_layout: where the `bulkhead` command finds everything: the host's
 * files (policy, registry, sockets, pid files, logs), all under one root
 * directory ("/" normally, a scratch directory for tests and trials), and
 * the programs it starts (installed ones, or all from one directory). */
#ifndef BULKHEAD_TOOLS_BH_LAYOUT_H
#define BULKHEAD_TOOLS_BH_LAYOUT_H

#include <limits.h>
#include <stddef.h>

struct bh_layout {
	char root[PATH_MAX];           /* "" for the real host */
	char policy_dir[PATH_MAX];     /* ROOT/etc/qubes/policy.d */
	char compat_dir[PATH_MAX];     /* ROOT/etc/qubes-rpc/policy (legacy 4.0) */
	char rpc_dir[PATH_MAX];        /* ROOT/etc/qubes-rpc: dom0's services */
	char lib_dir[PATH_MAX];        /* ROOT/var/lib/bulkhead */
	char db[PATH_MAX];             /* ROOT/var/lib/bulkhead/qubes.db */
	char log_dir[PATH_MAX];        /* ROOT/var/log/bulkhead */
	char sock_dir[PATH_MAX];       /* ROOT/run: qubesd.sock */
	char run_dir[PATH_MAX];        /* ROOT/run/bulkhead: pid files, vchan/ */
	char vchan_base[PATH_MAX];     /* ROOT/run/bulkhead/vchan */
	char qrexec_dir[PATH_MAX];     /* ROOT/run/qubes: qrexec.NAME, policy.sock */
	char qubesd_sock[PATH_MAX];
	char qubesd_internal_sock[PATH_MAX];
	char policy_sock[PATH_MAX];
	char ask_sock[PATH_MAX];
};

struct bh_programs {
	char bulkheadd[PATH_MAX], policy_daemon[PATH_MAX], qrexec_client[PATH_MAX];
	char qrexec_daemon[PATH_MAX], agent[PATH_MAX], client_vm[PATH_MAX];
	char init[PATH_MAX], qubesdb_read[PATH_MAX], broker[PATH_MAX];
	char explain[PATH_MAX], qvm_ls[PATH_MAX];
	char qvm_pass[PATH_MAX], pass_vault[PATH_MAX]; /* split pass, for the qubes */
	char template_rpc[PATH_MAX];   /* the services every new template gets */
	char shipped_policy[PATH_MAX]; /* policy files `up` installs when missing */
};

/* Fills the layout for root (NULL or "" or "/": the host itself). Returns
 * 0, or -1 when a path would not fit (a unix socket path must stay under
 * 108 bytes) with a message in err. */
int bh_layout_init(struct bh_layout *l, const char *root, char *err, size_t errlen);

/* The installed programs, or with dir all of them in dir (a build tree's
 * programs gathered in one place; template-rpc/ beside them). */
void bh_programs_init(struct bh_programs *p, const char *dir);

/* mkdir -p with mode for the directories created; 0 or -1 (errno). */
int bh_mkdirs(const char *path, unsigned mode);

#endif
