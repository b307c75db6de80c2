/* sandbox-probe: tries one operation a domain must not be able to do and
 * prints the outcome: "ok" when the system call succeeded, else the errno
 * name ("EPERM", ...). Run inside domains by tests/integration/
 * test_sandbox.py (and on the host, unfiltered, for comparison).
 *
 *   sandbox-probe OP [ARG]
 *
 * OPs: tiocsti, tiocsti-hi (request with high bits set), tioclinux,
 * ptrace-traceme, ptrace-attach PID, vm-read PID, kill PID, keyctl,
 * add-key, request-key, bpf, perf, userfaultfd, mount, umount, pivot-root,
 * open-tree, fsopen, fsmount, fspick, move-mount, mount-setattr,
 * open-tree-attr, kexec, init-module, finit-module, delete-module, setns,
 * unshare-user, clone-user, clone3, io-uring, syslog, nr NUMBER (a raw
 * system call), socket FAMILY, x32, int80, connect PATH, connect-abstract
 * NAME. */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static int report(long r)
{
	if (r >= 0)
		puts("ok");
	else
		puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	return 0;
}

/* A pty of our own as controlling terminal, so that TIOCSTI is allowed by
 * the kernel itself; returns the slave fd. */
static int own_tty(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -1;
	if (setsid() < 0 && errno != EPERM)
		return -1;
	int s = open(ptsname(m), O_RDWR);
	if (s < 0)
		return -1;
	ioctl(s, TIOCSCTTY, 0);
	return s;
}

static long tty_op(const char *op)
{
	/* setsid needs a non-leader: do it in a child and pass the answer */
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		int s = own_tty();
		long r;
		int e = 0;
		if (s < 0) {
			r = -1;
			e = errno;
		} else {
			char c = ' ';
			char sub = 0; /* TIOCLINUX subcode */
			if (strcmp(op, "tiocsti") == 0)
				r = ioctl(s, TIOCSTI, &c);
			else if (strcmp(op, "tiocsti-hi") == 0)
				r = syscall(SYS_ioctl, s, (unsigned long)TIOCSTI | (1UL << 32), &c);
			else
				r = ioctl(s, TIOCLINUX, &sub);
			e = errno;
		}
		int out[2] = {(int)r, e};
		(void)!write(p[1], out, sizeof out);
		_exit(0);
	}
	close(p[1]);
	int in[2] = {-1, EIO};
	if (read(p[0], in, sizeof in) != (ssize_t)sizeof in)
		in[1] = EIO;
	waitpid(pid, NULL, 0);
	errno = in[1];
	return in[0];
}

static long clone_user(void)
{
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	return r;
}

static long perf(void)
{
	struct perf_event_attr a = {.type = PERF_TYPE_SOFTWARE, .size = sizeof a,
				    .config = PERF_COUNT_SW_CPU_CLOCK, .exclude_kernel = 1,
				    .exclude_hv = 1};
	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static long bpf_map(void)
{
	/* BPF_MAP_CREATE of a 1-entry array: works for root on the host */
	uint32_t attr[16] = {2 /* BPF_MAP_TYPE_ARRAY */, 4, 4, 1};
	return syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof attr);
}

static long connect_to(const char *name, bool abstract)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t l = strlen(name);
	if (l + 1 >= sizeof a.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(a.sun_path + (abstract ? 1 : 0), name, l);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + l + (abstract ? 1 : 0));
	return connect(fd, (struct sockaddr *)&a, len);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sandbox-probe OP [ARG]\n");
		return 2;
	}
	const char *op = argv[1];
	const char *arg = argc > 2 ? argv[2] : "0";
	long n = strtol(arg, NULL, 0);
	char buf[16];
	struct iovec lv = {buf, sizeof buf}, rv = {buf, sizeof buf};

	if (!strncmp(op, "tio", 3))
		return report(tty_op(op));
	if (!strcmp(op, "ptrace-traceme"))
		return report(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
	if (!strcmp(op, "ptrace-attach"))
		return report(ptrace(PTRACE_ATTACH, (pid_t)n, NULL, NULL));
	if (!strcmp(op, "vm-read"))
		return report(process_vm_readv((pid_t)n, &lv, 1, &rv, 1, 0));
	if (!strcmp(op, "kill"))
		return report(kill((pid_t)n, 0));
	if (!strcmp(op, "keyctl"))
		return report(syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -2 /* PROCESS */, 1));
	if (!strcmp(op, "add-key"))
		return report(syscall(SYS_add_key, "user", "bh-probe", "x", 1, -3 /* SESSION */));
	if (!strcmp(op, "request-key"))
		return report(syscall(SYS_request_key, "user", "bh-probe", NULL, 0));
	if (!strcmp(op, "bpf"))
		return report(bpf_map());
	if (!strcmp(op, "perf"))
		return report(perf());
	if (!strcmp(op, "userfaultfd"))
		return report(syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* USER_MODE_ONLY */));
	if (!strcmp(op, "mount"))
		return report(syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(op, "umount"))
		return report(syscall(SYS_umount2, "/tmp", 2 /* MNT_DETACH */));
	if (!strcmp(op, "pivot-root"))
		return report(syscall(SYS_pivot_root, ".", "."));
	if (!strcmp(op, "open-tree"))
		return report(syscall(SYS_open_tree, AT_FDCWD, "/tmp", 1 /* CLONE */));
	if (!strcmp(op, "fsopen"))
		return report(syscall(SYS_fsopen, "tmpfs", 0));
	if (!strcmp(op, "fsmount"))
		return report(syscall(SYS_fsmount, -1, 0, 0));
	if (!strcmp(op, "fspick"))
		return report(syscall(SYS_fspick, AT_FDCWD, "/", 0));
	if (!strcmp(op, "move-mount"))
		return report(syscall(SYS_move_mount, -1, "", AT_FDCWD, "/tmp", 4));
	if (!strcmp(op, "mount-setattr"))
		return report(syscall(SYS_mount_setattr, -1, "", 0, NULL, 0));
	if (!strcmp(op, "open-tree-attr"))
		return report(syscall(467, AT_FDCWD, "/tmp", 1, NULL, 0));
	if (!strcmp(op, "kexec"))
		return report(syscall(SYS_kexec_load, 0, 0, NULL, 0));
	if (!strcmp(op, "init-module"))
		return report(syscall(SYS_init_module, NULL, 0, ""));
	if (!strcmp(op, "finit-module"))
		return report(syscall(SYS_finit_module, -1, "", 0));
	if (!strcmp(op, "delete-module"))
		return report(syscall(SYS_delete_module, "bh_probe", 0));
	if (!strcmp(op, "setns"))
		return report(syscall(SYS_setns, -1, 0));
	if (!strcmp(op, "unshare-user"))
		return report(unshare(CLONE_NEWUSER));
	if (!strcmp(op, "clone-user"))
		return report(clone_user());
	if (!strcmp(op, "clone3"))
		return report(syscall(SYS_clone3, NULL, 0));
	if (!strcmp(op, "io-uring"))
		return report(syscall(SYS_io_uring_setup, 1, NULL));
	if (!strcmp(op, "syslog"))
		return report(syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0));
	if (!strcmp(op, "nr"))
		return report(syscall(n, 0, 0, 0, 0, 0));
	if (!strcmp(op, "socket")) {
		long r = syscall(SYS_socket, n, SOCK_STREAM, 0);
		if (r < 0 && errno != EAFNOSUPPORT)
			r = syscall(SYS_socket, n, SOCK_DGRAM, 0);
		return report(r);
	}
	if (!strcmp(op, "x32")) {
		long r = syscall(0x40000000L | SYS_getpid);
		printf("survived x32 (%ld)\n", r);
		return 0;
	}
	if (!strcmp(op, "int80")) {
#if defined(__x86_64__)
		long r = 20; /* i386 getpid */
		__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
		printf("survived int80 (%ld)\n", r);
#endif
		return 0;
	}
	if (!strcmp(op, "connect"))
		return report(connect_to(arg, false));
	if (!strcmp(op, "connect-abstract"))
		return report(connect_to(arg, true));
	fprintf(stderr, "sandbox-probe: unknown op %s\n", op);
	return 2;
}
