/* sandbox_stage: the privileged part of a domain launch, run as host root
 * in the launcher's child just before it becomes bubblewrap.
 *
 *  1. The user namespace: a helper process switches to host uid/gid BASE
 *     (so the namespace is owned by BASE, which bubblewrap, running as
 *     BASE, needs in order to join it with --userns), unshares it, and we
 *     write "0 BASE 65536" to its uid_map and gid_map (allowed: we are
 *     root in the parent namespace). Domain uid N is host uid BASE+N.
 *     Why bubblewrap does not run as root: bwrap 0.8.0 run by root accepts
 *     --userns FD, but it then changes uid only when --uid differs from
 *     its real uid as a number; "--uid 0" equals root's 0, so the domain
 *     would run as host uid 0 (unmapped in its namespace, but still host
 *     root for every file it can reach). Run as BASE, bwrap joins the
 *     namespace it owns with all capabilities there and becomes uid 0
 *     inside, which is host uid BASE; it also never holds host root.
 *  2. A private mount namespace (never visible on the host: it goes away
 *     with the process) with a small tmpfs at SANDBOX_STAGE, where every
 *     source the domain gets is attached: the template trees read-only
 *     through idmapped mounts (host uid 0 appears as the domain's root),
 *     the private dir and the qrexec socket dir read-write, the bulkhead
 *     programs read-only. bubblewrap then runs as host uid BASE, which
 *     could not traverse root-only directories such as /var/lib/bulkhead;
 *     from the stage it only needs SANDBOX_STAGE itself.
 *     The domain's /etc is a read-only overlay mounted there: on top, a
 *     small layer made here with the synthesized files (passwd, group,
 *     hostname, hosts, machine-id), whiteouts for every hidden entry (so
 *     they do not exist at all inside), and opaque /etc/qubes (holding
 *     only the rpc-config mount point) and /etc/qubes-rpc; below it, the
 *     template's /etc (idmapped). Nothing is written to the template.
 *  3. If mount_setattr(MOUNT_ATTR_IDMAP) is refused (old kernel, file
 *     system without idmapped mount support), the trees are attached
 *     read-only without idmapping, loudly: host root's files then appear
 *     owned by nobody (65534), which is safe (the domain's root has fewer
 *     rights over them) but makes setuid ownership meaningless.
 *
 * Only system calls and fixed-size buffers here: the launcher may have
 * been forked from a multi-threaded process. */
#ifndef BULKHEAD_SANDBOX_STAGE_H
#define BULKHEAD_SANDBOX_STAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the stage tmpfs is mounted in the launcher's private mount
 * namespace. It covers the host's /run there only; the domain gets its
 * own /run. */
#define SANDBOX_STAGE "/run"
#define STAGE_TOP_MAX 8
#define STAGE_BIN_MAX 8
#define STAGE_ETC_FILES_MAX 8

struct stage_top {
	char name[16];      /* "usr", "etc", "lib64", ... */
	bool symlink;       /* replicated as a symlink, not bound */
	char target[64];    /* symlink target */
};

struct stage_bin {
	const char *src;    /* host path of the program */
	const char *name;   /* file name inside SB_IN_BIN */
};

struct stage_file {
	const char *name;   /* in /etc */
	const char *data;
};

struct stage_plan {
	uint32_t uid_base;
	char template_root[PATH_MAX];
	struct stage_top tops[STAGE_TOP_MAX];
	size_t n_tops;
	const char *rpc_dir;        /* or NULL: empty */
	const char *rpc_config_dir; /* or NULL: empty */
	const char *private_dir;
	const char *vchan_dir;
	struct stage_bin bins[STAGE_BIN_MAX];
	size_t n_bins;
	struct stage_file etc_files[STAGE_ETC_FILES_MAX];
	size_t n_etc_files;
	/* The /etc entries to hide arrive on etc_hide_fd while the stage is
	 * being built (the launcher scans the template meanwhile): paths
	 * relative to /etc, each NUL-terminated, then one '\n' marking the
	 * list complete, then EOF. Read into etc_hide_buf (etc_hide_cap
	 * bytes, allocated before the fork). */
	int etc_hide_fd;
	char *etc_hide_buf;
	size_t etc_hide_cap;
};

struct stage_result {
	int userns_fd;
	bool idmapped;
	char warning[256];  /* why idmapping was not used, or "" */
};

/* Paths inside the stage, for the bwrap arguments. */
#define STAGE_TOP_DIR SANDBOX_STAGE "/t"       /* template trees; t/etc: the overlay */
#define STAGE_ETC_LOWER SANDBOX_STAGE "/etc-lower"
#define STAGE_ETC_TOP SANDBOX_STAGE "/etc-top"
#define STAGE_RPC SANDBOX_STAGE "/rpc"
#define STAGE_RPC_CONFIG SANDBOX_STAGE "/rpc-config"
#define STAGE_PRIVATE SANDBOX_STAGE "/private"
#define STAGE_VCHAN SANDBOX_STAGE "/vchan"
#define STAGE_BIN SANDBOX_STAGE "/bin"

/* Creates the domain's user namespace (see above). Returns an fd for it,
 * or -1 with a message in err. */
int stage_userns(uint32_t uid_base, char *err, size_t errlen);
/* Steps 2 and 3 in the calling process (which must be root and keep
 * running as the launcher). Returns 0, or -1 with a message in err. */
int stage_prepare(const struct stage_plan *p, struct stage_result *r,
		  char *err, size_t errlen);

#endif
