/* sandbox: launching, stopping and re-attaching to domains, each a
 * bubblewrap sandbox (DESIGN section 5). Used by bulkheadd and by the
 * bulkhead-sandbox test tool; the caller must be root.
 *
 * A domain gets new user, mount, pid, ipc, uts and cgroup namespaces, and
 * a new network namespace with only lo unless spec.network (then it shares
 * the host's network stack). Its users are real: domain uid N is host uid
 * SANDBOX_UID_BASE(qid) + N for N in 0..65535, a range no other domain
 * shares:
 *
 *     base = 0x100000 + qid * 0x10000     (qid 1: 0x110000 = 1114112,
 *                                          qid 10000: 0x27200000)
 *
 * The launcher creates that user namespace itself and hands it to
 * bubblewrap with --userns (sandbox_stage.h says why bubblewrap runs as
 * host uid base, not as root). Inside: hostname = domain name;
 * --new-session; --cap-drop ALL, plus CAP_SETUID/CAP_SETGID for the
 * domain's root unless spec.no_setid_caps (they let the qrexec agent run
 * calls as "user"; the user namespace confines them to the domain's own
 * uid range; root has no CAP_DAC_OVERRIDE: user's 0700 home is user's);
 * --clearenv; the seccomp filter of sandbox_seccomp.h; and the Landlock
 * rules bulkhead-init applies first thing (init/init_landlock.h);
 * RLIMIT_NPROC 4096 for each of its uids. bwrap itself sets no_new_privs:
 * setuid binaries do not elevate in a domain.
 *
 * File system (Qubes AppVM semantics), inside the domain:
 *   /usr (and /bin, /sbin, /lib* as the template has them: symlinks or
 *       directories)   the template, read-only, idmapped: host root's
 *                        files belong to the domain's root
 *   /etc                 a read-only overlay (sandbox_stage.h): the
 *                        template's /etc (idmapped) under the domain's own
 *                        passwd, group, hostname, hosts, machine-id, with
 *                        the entries of sandbox_etc.h not there at all
 *   /etc/qubes-rpc       spec.rpc_dir (read-only) or empty; nothing of
 *                        dom0's
 *   /etc/qubes           only rpc-config: spec.rpc_config_dir (read-only)
 *                        or empty (no policy.d)
 *   /rw                  spec.private_dir, read-write, persistent
 *   /home, /usr/local    /rw/home and /rw/usrlocal
 *   /tmp, /run, /var, /root, /dev/shm   fresh size-limited tmpfs at every
 *                        start
 *   /dev                 minimal (null, zero, full, random, urandom, tty,
 *                        pts, shm); /proc: the domain's own; no /sys
 *   SB_IN_VCHAN          spec.vchan_dir: the domain's qrexec sockets. On the
 *                        host it is made root's, mode 01777 (sticky): the
 *                        domain creates sockets there but cannot remove or
 *                        rename dom0's, nor create symlinks (Landlock).
 *                        Host code connecting to sockets in it must still
 *                        not follow symlinks (O_PATH|O_NOFOLLOW).
 *   SB_IN_BIN            bulkhead-init, qrexec-agent, qubesdb-read,
 *                        qrexec-client-vm, spec.tools (read-only)
 *   SB_IN_QUBESDB        the qubesdb file (qubesdb_file.h)
 *   /                    tmpfs, read-only after setup
 * Not there at all: the host's /root, /home, /var (so /var/lib/bulkhead),
 * /run, /tmp, /srv, /opt, /mnt, /media, /boot, /sys. Nothing is written to
 * the template.
 *
 * Lifecycle: the domain runs detached (double fork, its own session; no
 * --die-with-parent: it survives a restart of bulkheadd). Its state is in
 * RUN_DIR/NAME/ (root only): "state" (pids and start times of init and of
 * bwrap's monitor, uid base), "status" (bwrap's --json-status-fd output:
 * init's exit code once it exited) and "log" (bwrap's and bulkhead-init's
 * own messages; the domain's processes log inside, to
 * /var/log/bulkhead.log). sandbox_attach() rebuilds a struct sandbox from
 * "state" in another process, checking pids against their start times. */
#ifndef BULKHEAD_SANDBOX_H
#define BULKHEAD_SANDBOX_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "domains/qubesdb_file.h"

#define SANDBOX_QID_MAX 10000
#define SANDBOX_UID_FIRST 0x100000u
#define SANDBOX_UID_COUNT 0x10000u
#define SANDBOX_UID_BASE(qid) (SANDBOX_UID_FIRST + (uint32_t)(qid) * SANDBOX_UID_COUNT)
#define SANDBOX_DEFAULT_RUN_DIR "/run/bulkhead/domains"
#define SANDBOX_BWRAP "/usr/bin/bwrap"

/* Paths inside a domain. */
#define SB_IN_VCHAN "/run/vchan"
#define SB_IN_BIN "/opt/bulkhead/bin"
#define SANDBOX_TOOLS_MAX 4
#define SB_IN_QUBESDB "/run/qubes/qubesdb"
#define SB_IN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" SB_IN_BIN

struct sandbox_spec {
	const char *name;           /* domain name (a valid Qubes VM name) */
	unsigned qid;               /* 1..SANDBOX_QID_MAX: picks the uid range */
	const char *run_dir;        /* NULL: SANDBOX_DEFAULT_RUN_DIR */
	const char *template_root;  /* NULL: "/" (the "host" template) */
	const char *rpc_dir;        /* template's /etc/qubes-rpc, NULL: empty */
	const char *rpc_config_dir; /* template's /etc/qubes/rpc-config, NULL: empty */
	const char *private_dir;    /* created if missing; see sandbox_start */
	const char *vchan_dir;      /* host side of the qrexec socket dir */
	bool network;               /* share the host's network namespace */
	bool no_setid_caps;         /* domain root without CAP_SETUID/SETGID */
	const char *init_path;      /* host paths of the programs bound in */
	const char *agent_path;
	const char *qubesdb_read_path;  /* optional */
	const char *client_vm_path;     /* optional */
	/* more programs for SB_IN_BIN under their base names (qvm-pass,
	 * bulkhead-pass-vault); absolute paths, optional */
	const char *tools[SANDBOX_TOOLS_MAX];
	size_t n_tools;
	const char *bwrap_path;     /* NULL: SANDBOX_BWRAP */
	/* qubesdb entries; "/name" is added (= name) unless given */
	const struct qdb_entry *qdb;
	size_t n_qdb;
	/* extra "NAME=value" for init and the agent (cannot override
	 * VCHAN_*, BULKHEAD_*, PATH) */
	const char *const *env;
	size_t n_env;
	int ready_timeout_ms;       /* 0: 10 s */
};

struct sandbox {
	char name[32];
	char dir[PATH_MAX];     /* RUN_DIR/NAME */
	unsigned qid;
	uint32_t uid_base;
	pid_t init_pid;         /* host pid of the domain's pid 1 */
	pid_t bwrap_pid;        /* host pid of bwrap's monitor (init's parent) */
	int init_pidfd;         /* readable once init exited; -1 when closed */
	int bwrap_pidfd;
	bool idmapped;          /* template trees idmapped (else the fallback) */
	bool landlocked;        /* all of init's Landlock rules applied */
	bool network;
};

/* Starts the domain and returns once its init runs (it has started the
 * agent). The private dir is created if missing and given to the domain
 * (owner: its root; home/user: its user); an existing one must already
 * belong to this domain's root (or to host root, on first use), else it
 * belongs to another domain and the start is refused. The same holds for
 * vchan_dir. Returns 0, or -1 with a message in err (nothing is left
 * running). Refused when the domain is already running. */
int sandbox_start(const struct sandbox_spec *spec, struct sandbox *out,
		  char *err, size_t errlen);
/* Re-attaches to a running domain from RUN_DIR/NAME/state (run_dir NULL:
 * default). Returns 1 and fills out when it runs, 0 when it does not (a
 * stale state is removed), -1 on error. */
int sandbox_attach(const char *run_dir, const char *name, struct sandbox *out,
		   char *err, size_t errlen);
/* Non-blocking: 0 while the domain runs, 1 once it has exited (then
 * *exit_code is init's exit status as bwrap reports it: 0..255, 128+signal
 * when killed, -1 if unknown; the state file is removed and the pidfds
 * closed), -1 on error. */
int sandbox_reap(struct sandbox *sb, int *exit_code);
/* SIGTERM to init (which stops everything and exits 0), then SIGKILL
 * after timeout_ms (the whole domain dies with its pid 1). Waits for the
 * end and reaps; returns the exit code as sandbox_reap, or -2 on error. */
int sandbox_stop(struct sandbox *sb, int timeout_ms);
/* Closes the descriptors and leaves the domain running. */
void sandbox_release(struct sandbox *sb);

#endif
