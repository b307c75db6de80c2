/* sandbox_seccomp: the system call filter of every process in a domain,
 * compiled with libseccomp to classic BPF for bubblewrap's --seccomp FD.
 *
 * Default allow; denied (the list is the domain's seccomp policy, keep it
 * in step with the kernel):
 *  - EPERM: ptrace, process_vm_readv/writev, pidfd_getfd; keyctl, add_key,
 *    request_key; bpf, perf_event_open, userfaultfd; the mount API after
 *    setup (mount, umount2, pivot_root, move_mount, open_tree, fsopen,
 *    fsmount, fsconfig, fspick, mount_setattr, open_tree_attr); kexec_load,
 *    kexec_file_load, init_module, finit_module, delete_module; setns,
 *    unshare/clone with CLONE_NEWUSER (no nested user namespaces: they
 *    would hand back capabilities); ioctl TIOCSTI and TIOCLINUX (request
 *    compared masked to 32 bits, as the kernel does); acct, swapon,
 *    swapoff, reboot, syslog, quotactl, quotactl_fd, open_by_handle_at,
 *    lookup_dcookie, iopl, ioperm, settimeofday, clock_settime,
 *    clock_adjtime, adjtimex, vhangup, uselib, nfsservctl.
 *  - ENOSYS: clone3 (its flags are in memory a filter cannot read; libc
 *    falls back to clone), io_uring_setup/enter/register (io_uring
 *    operations bypass this filter), and on x86_64 every system call
 *    number from 451 up (newer than this list; programs fall back).
 *  - EAFNOSUPPORT: socket/socketpair for any family but AF_UNIX, AF_INET,
 *    AF_INET6 and AF_NETLINK (no AF_VSOCK, AF_PACKET, AF_ALG, AF_KEY, ...).
 *  - Other architectures (i386, x32 system calls on x86_64): the process
 *    is killed. */
#ifndef BULKHEAD_SANDBOX_SECCOMP_H
#define BULKHEAD_SANDBOX_SECCOMP_H

#include <stddef.h>

/* Compiles the filter into a sealed memfd (close-on-exec, offset 0).
 * Returns the fd, or -1 with a message in err. */
int sandbox_seccomp_fd(char *err, size_t errlen);

#endif
