/* sandbox_seccomp: compiles the domain's system call filter (the policy is
 * listed in sandbox_seccomp.h). */
#include "domains/sandbox_seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef AF_NETLINK
#define AF_NETLINK 16
#endif

/* System calls numbered from here up are newer than this filter (x86_64:
 * 451 is cachestat, Linux 6.5); they get ENOSYS up to the x32 range. */
#define X86_64_FIRST_UNLISTED 451
#define X86_64_X32_RANGE 512
/* open_tree_attr (Linux 6.15) is part of the mount API: EPERM like the
 * rest; libseccomp 2.5 does not know its name yet. */
#define X86_64_OPEN_TREE_ATTR 467

struct rule {
	const char *name;
	int err;
};

static const struct rule denied[] = {
	{"ptrace", EPERM}, {"process_vm_readv", EPERM}, {"process_vm_writev", EPERM},
	{"pidfd_getfd", EPERM},
	{"keyctl", EPERM}, {"add_key", EPERM}, {"request_key", EPERM},
	{"bpf", EPERM}, {"perf_event_open", EPERM}, {"userfaultfd", EPERM},
	{"mount", EPERM}, {"umount2", EPERM}, {"pivot_root", EPERM},
	{"move_mount", EPERM}, {"open_tree", EPERM}, {"fsopen", EPERM},
	{"fsmount", EPERM}, {"fsconfig", EPERM}, {"fspick", EPERM},
	{"mount_setattr", EPERM},
	{"kexec_load", EPERM}, {"kexec_file_load", EPERM}, {"init_module", EPERM},
	{"finit_module", EPERM}, {"delete_module", EPERM},
	{"setns", EPERM},
	{"acct", EPERM}, {"swapon", EPERM}, {"swapoff", EPERM}, {"reboot", EPERM},
	{"syslog", EPERM}, {"quotactl", EPERM}, {"quotactl_fd", EPERM},
	{"open_by_handle_at", EPERM}, {"lookup_dcookie", EPERM}, {"iopl", EPERM},
	{"ioperm", EPERM}, {"settimeofday", EPERM}, {"clock_settime", EPERM},
	{"clock_adjtime", EPERM}, {"adjtimex", EPERM}, {"vhangup", EPERM},
	{"uselib", EPERM}, {"nfsservctl", EPERM},
	{"clone3", ENOSYS},
	{"io_uring_setup", ENOSYS}, {"io_uring_enter", ENOSYS}, {"io_uring_register", ENOSYS},
};

/* One rule with one argument comparison (spelled out: libseccomp's SCMP_A*
 * macros leave fields to the compiler's zeroing, which clang warns about). */
static int rule1(scmp_filter_ctx ctx, uint32_t action, int sys, unsigned arg,
		 enum scmp_compare op, scmp_datum_t a, scmp_datum_t b)
{
	struct scmp_arg_cmp c = {.arg = arg, .op = op, .datum_a = a, .datum_b = b};
	return seccomp_rule_add_array(ctx, action, sys, 1, &c);
}

/* Address families a domain may open sockets in. */
static const int allowed_families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};

static bool family_allowed(int f)
{
	for (size_t i = 0; i < sizeof allowed_families / sizeof *allowed_families; i++)
		if (allowed_families[i] == f)
			return true;
	return false;
}

/* Refuses every family below the largest allowed one that is not in the
 * list, and (with one comparison on the whole 64-bit argument) every value
 * above it, including any with high bits set. */
static int deny_families(scmp_filter_ctx ctx, int sys, const char *name,
			 char *err, size_t errlen)
{
	int top = 0;
	for (size_t i = 0; i < sizeof allowed_families / sizeof *allowed_families; i++)
		if (allowed_families[i] > top)
			top = allowed_families[i];
	for (int f = 0; f < top; f++) {
		if (family_allowed(f))
			continue;
		int r = rule1(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), sys, 0, SCMP_CMP_EQ,
			      (scmp_datum_t)f, 0);
		if (r < 0) {
			snprintf(err, errlen, "seccomp: %s family %d: %s", name, f, strerror(-r));
			return -1;
		}
	}
	int r = rule1(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), sys, 0, SCMP_CMP_GT,
		      (scmp_datum_t)top, 0);
	if (r < 0) {
		snprintf(err, errlen, "seccomp: %s families above %d: %s", name, top,
			 strerror(-r));
		return -1;
	}
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int r;
	for (size_t i = 0; i < sizeof denied / sizeof *denied; i++) {
		int sys = seccomp_syscall_resolve_name(denied[i].name);
		if (sys == __NR_SCMP_ERROR) {
			snprintf(err, errlen, "seccomp: libseccomp does not know %s", denied[i].name);
			return -1;
		}
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(denied[i].err), sys, 0);
		if (r < 0) {
			snprintf(err, errlen, "seccomp: rule for %s: %s", denied[i].name,
				 strerror(-r));
			return -1;
		}
	}
	/* terminal injection: the kernel compares the ioctl request as a
	 * 32-bit value, so must we (CVE-2019-10063) */
	static const unsigned long ioctls[] = {TIOCSTI, TIOCLINUX};
	for (size_t i = 0; i < 2; i++) {
		r = rule1(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1, SCMP_CMP_MASKED_EQ,
			  0xffffffffu, (scmp_datum_t)ioctls[i]);
		if (r < 0) {
			snprintf(err, errlen, "seccomp: ioctl rule: %s", strerror(-r));
			return -1;
		}
	}
	/* no nested user namespaces (on x86_64 clone's flags are argument 0) */
	r = rule1(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 0, SCMP_CMP_MASKED_EQ,
		  CLONE_NEWUSER, CLONE_NEWUSER);
	if (r == 0)
		r = rule1(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 0, SCMP_CMP_MASKED_EQ,
			  CLONE_NEWUSER, CLONE_NEWUSER);
	if (r < 0) {
		snprintf(err, errlen, "seccomp: user namespace rule: %s", strerror(-r));
		return -1;
	}
	if (deny_families(ctx, SCMP_SYS(socket), "socket", err, errlen) < 0 ||
	    deny_families(ctx, SCMP_SYS(socketpair), "socketpair", err, errlen) < 0)
		return -1;
#if defined(__x86_64__)
	if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
		for (int nr = X86_64_FIRST_UNLISTED; nr < X86_64_X32_RANGE; nr++) {
			int e = nr == X86_64_OPEN_TREE_ATTR ? EPERM : ENOSYS;
			r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(e), nr, 0);
			if (r < 0) {
				snprintf(err, errlen, "seccomp: rule for system call %d: %s", nr,
					 strerror(-r));
				return -1;
			}
		}
	}
#endif
	return 0;
}

int sandbox_seccomp_fd(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: seccomp_init failed");
		return -1;
	}
	int fd = -1;
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0) {
		snprintf(err, errlen, "seccomp: setting the bad-architecture action: %s",
			 strerror(-r));
		goto out;
	}
	if (add_rules(ctx, err, errlen) < 0)
		goto out;
	fd = memfd_create("bulkhead-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		snprintf(err, errlen, "seccomp: memfd_create: %s", strerror(errno));
		goto out;
	}
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0) {
		snprintf(err, errlen, "seccomp: exporting the filter: %s", strerror(-r));
		goto fail;
	}
	if (lseek(fd, 0, SEEK_SET) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		snprintf(err, errlen, "seccomp: sealing the filter memfd: %s", strerror(errno));
		goto fail;
	}
	goto out;
fail:
	close(fd);
	fd = -1;
out:
	seccomp_release(ctx);
	return fd;
}
