/* init_landlock: builds and applies the domain's Landlock rule set (see
 * init_landlock.h). The scope definitions of ABI 6 are local because
 * Debian 12's kernel headers predate them. */
#include "domains/init/init_landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)
#define LL_ABI_SCOPES 6

/* struct landlock_ruleset_attr as of ABI 6 */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

/* where a domain may create symlinks: everything writable but /run/vchan */
static const char *const writable[] = {
	"/tmp", "/var", "/root", "/rw", "/home", "/usr/local", "/dev/shm", "/run/qubes",
};

static int allow(int ruleset, const char *path, uint64_t access, struct landlock_result *r)
{
	int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(r->why, sizeof r->why, "opening %s: %s", path, strerror(errno));
		return -1;
	}
	struct landlock_path_beneath_attr pb = {.allowed_access = access, .parent_fd = dir};
	long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(dir);
	if (rc < 0) {
		snprintf(r->why, sizeof r->why, "landlock_add_rule(%s): %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int init_landlock_apply(struct landlock_result *r)
{
	*r = (struct landlock_result){0};
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0) {
		snprintf(r->why, sizeof r->why, "no Landlock (%s)", strerror(errno));
		return 0;
	}
	uint64_t refer = abi >= 2 ? LANDLOCK_ACCESS_FS_REFER : 0;
	struct ll_ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_SYM | refer,
		.scoped = abi >= LL_ABI_SCOPES
			  ? LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL : 0,
	};
	/* older kernels know a shorter struct */
	size_t size = abi >= LL_ABI_SCOPES ? sizeof attr : 2 * sizeof(uint64_t);
	if (abi < 4)
		size = sizeof(uint64_t);
	int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (fd < 0) {
		snprintf(r->why, sizeof r->why, "landlock_create_ruleset: %s", strerror(errno));
		return -1;
	}
	int rc = -1;
	if (refer && allow(fd, "/", refer, r) < 0)
		goto out;
	for (size_t i = 0; i < sizeof writable / sizeof *writable; i++)
		if (allow(fd, writable[i], LANDLOCK_ACCESS_FS_MAKE_SYM | refer, r) < 0)
			goto out;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		snprintf(r->why, sizeof r->why, "landlock_restrict_self: %s", strerror(errno));
		goto out;
	}
	r->symlinks = true;
	r->scoped = attr.scoped != 0;
	if (!r->scoped)
		snprintf(r->why, sizeof r->why, "Landlock ABI %ld has no scopes (needs %d)", abi,
			 LL_ABI_SCOPES);
	rc = 0;
out:
	close(fd);
	return rc;
}
