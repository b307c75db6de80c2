/* sandbox_stage: user namespace and staged mounts for a domain launch (see
 * sandbox_stage.h). */
#include "domains/sandbox_stage.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <unistd.h>

#define UID_RANGE 65536u

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = strlen(s);
	ssize_t w = write(fd, s, n);
	int e = errno;
	close(fd);
	if (w != (ssize_t)n) {
		errno = w < 0 ? e : EIO;
		return -1;
	}
	return 0;
}

int stage_userns(uint32_t uid_base, char *err, size_t errlen)
{
	int up[2], down[2];
	if (pipe2(up, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "userns: pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(down, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "userns: pipe: %s", strerror(errno));
		close(up[0]);
		close(up[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "userns: fork: %s", strerror(errno));
		close(up[0]);
		close(up[1]);
		close(down[0]);
		close(down[1]);
		return -1;
	}
	if (pid == 0) {
		/* helper: become BASE so the namespace is owned by BASE */
		close(up[0]);
		close(down[1]);
		char st = 'x';
		if (setgroups(0, NULL) == 0 && setresgid(uid_base, uid_base, uid_base) == 0 &&
		    setresuid(uid_base, uid_base, uid_base) == 0 && unshare(CLONE_NEWUSER) == 0)
			st = 'y';
		if (write(up[1], &st, 1) != 1)
			_exit(1);
		char b;
		(void)!read(down[0], &b, 1); /* parent done with our namespace */
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	int fd = -1;
	char st = 0;
	if (read(up[0], &st, 1) != 1 || st != 'y') {
		snprintf(err, errlen, "userns: the helper could not switch to uid %u and "
			 "unshare a user namespace", uid_base);
		goto out;
	}
	char path[64], map[64];
	snprintf(map, sizeof map, "0 %u %u\n", uid_base, UID_RANGE);
	static const char *const maps[] = {"uid_map", "gid_map"};
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, maps[i]);
		if (write_file(path, map) < 0) {
			snprintf(err, errlen, "userns: writing %s (%s): %s", path, map,
				 strerror(errno));
			goto out;
		}
	}
	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "userns: opening %s: %s", path, strerror(errno));
out:
	close(up[0]);
	close(down[1]); /* lets the helper exit */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/* ---- mounts ---- */

static int sys_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static int sys_move_mount(int from, const char *to)
{
	return (int)syscall(SYS_move_mount, from, "", AT_FDCWD, to, MOVE_MOUNT_F_EMPTY_PATH);
}

static int sys_mount_setattr(int fd, struct mount_attr *a)
{
	return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, a,
			    sizeof *a);
}

#define STAGE_ITEMS_MAX (STAGE_TOP_MAX + STAGE_BIN_MAX + 4)

/* One source to attach in the stage: cloned (and idmapped) first, while
 * the host's paths are all visible, attached once the stage exists. */
struct item {
	char dst[PATH_MAX];
	int tree;
	bool dir;
};

struct stager {
	int userns_fd;
	int tpl_etc;         /* the template's /etc, opened before the stage covers paths */
	uint32_t base;
	bool try_idmap;      /* still trying idmapped mounts */
	struct stage_result *r;
	struct item items[STAGE_ITEMS_MAX];
	size_t n;
	char *err;
	size_t errlen;
};

/* Clones src (with its submounts): read-only and idmapped to the domain
 * when `idmap`, nosuid and nodev always; `nofollow`: src must not be a
 * symlink (a domain-writable place). */
static int clone_tree(struct stager *s, const char *src, const char *dst, bool ro, bool idmap,
		      bool nofollow)
{
	if (s->n == STAGE_ITEMS_MAX) {
		snprintf(s->err, s->errlen, "stage: too many sources");
		return -1;
	}
	struct item *it = &s->items[s->n];
	if (snprintf(it->dst, sizeof it->dst, "%s", dst) >= (int)sizeof it->dst) {
		snprintf(s->err, s->errlen, "stage: path too long");
		return -1;
	}
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE;
	if (nofollow)
		flags |= AT_SYMLINK_NOFOLLOW;
	int t = sys_open_tree(AT_FDCWD, src, flags);
	if (t < 0) {
		snprintf(s->err, s->errlen, "stage: open_tree(%s): %s", src, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(t, &st) < 0) {
		snprintf(s->err, s->errlen, "stage: stat %s: %s", src, strerror(errno));
		close(t);
		return -1;
	}
	struct mount_attr a = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (ro ? MOUNT_ATTR_RDONLY : 0),
	};
	if (idmap && s->try_idmap) {
		struct mount_attr ai = a;
		ai.attr_set |= MOUNT_ATTR_IDMAP;
		ai.userns_fd = (uint64_t)s->userns_fd;
		if (sys_mount_setattr(t, &ai) == 0)
			goto done;
		/* fall back for this and every later tree, loudly */
		snprintf(s->r->warning, sizeof s->r->warning,
			 "idmapped mount of %s refused (%s); template trees are bound without "
			 "idmapping: host root's files appear owned by nobody in the domain",
			 src, strerror(errno));
		s->try_idmap = false;
		s->r->idmapped = false;
	}
	if (sys_mount_setattr(t, &a) < 0) {
		snprintf(s->err, s->errlen, "stage: mount_setattr(%s): %s", src, strerror(errno));
		close(t);
		return -1;
	}
done:
	it->tree = t;
	it->dir = S_ISDIR(st.st_mode);
	s->n++;
	return 0;
}

/* Attaches every cloned tree at its place in the stage. */
static int attach_all(struct stager *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct item *it = &s->items[i];
		int r;
		if (it->dir) {
			r = mkdir(it->dst, 0755);
		} else {
			int fd = open(it->dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			r = fd < 0 ? -1 : close(fd);
		}
		if (r < 0) {
			snprintf(s->err, s->errlen, "stage: creating %s: %s", it->dst,
				 strerror(errno));
			return -1;
		}
		if (sys_move_mount(it->tree, it->dst) < 0) {
			snprintf(s->err, s->errlen, "stage: move_mount(%s): %s", it->dst,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void close_items(struct stager *s)
{
	for (size_t i = 0; i < s->n; i++)
		close(s->items[i].tree);
	s->n = 0;
}

static int stage_dir(struct stager *s, const char *path, mode_t mode, uint32_t owner)
{
	if (mkdir(path, mode) < 0 || chmod(path, mode) < 0 || chown(path, owner, owner) < 0) {
		snprintf(s->err, s->errlen, "stage: creating %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int clone_all(struct stager *s, const struct stage_plan *p)
{
	char src[PATH_MAX + 32], dst[PATH_MAX];
	for (size_t i = 0; i < p->n_tops; i++) {
		if (p->tops[i].symlink)
			continue;
		snprintf(src, sizeof src, "%s/%s", p->template_root, p->tops[i].name);
		if (strcmp(p->tops[i].name, "etc") == 0)
			snprintf(dst, sizeof dst, STAGE_ETC_LOWER);
		else
			snprintf(dst, sizeof dst, STAGE_TOP_DIR "/%s", p->tops[i].name);
		if (clone_tree(s, src, dst, true, true, false) < 0)
			return -1;
	}
	snprintf(src, sizeof src, "%s/etc", p->template_root);
	s->tpl_etc = open(src, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->tpl_etc < 0) {
		snprintf(s->err, s->errlen, "stage: opening %s: %s", src, strerror(errno));
		return -1;
	}
	if (p->rpc_dir && clone_tree(s, p->rpc_dir, STAGE_RPC, true, true, false) < 0)
		return -1;
	if (p->rpc_config_dir &&
	    clone_tree(s, p->rpc_config_dir, STAGE_RPC_CONFIG, true, true, false) < 0)
		return -1;
	if (clone_tree(s, p->private_dir, STAGE_PRIVATE, false, false, true) < 0 ||
	    clone_tree(s, p->vchan_dir, STAGE_VCHAN, false, false, true) < 0)
		return -1;
	for (size_t i = 0; i < p->n_bins; i++) {
		snprintf(dst, sizeof dst, STAGE_BIN "/%s", p->bins[i].name);
		if (clone_tree(s, p->bins[i].src, dst, true, true, false) < 0)
			return -1;
	}
	return 0;
}

/* Host owner of a layer entry standing for a template entry owned by host
 * uid u: what the idmapped template shows for u. */
static uint32_t mapped_owner(const struct stager *s, uint32_t u)
{
	if (!s->r->idmapped)
		return u; /* as the template shows: unmapped */
	return s->base + (u < UID_RANGE ? u : 65534);
}

/* Creates dir rel in the top layer with the mode and (mapped) owner of the
 * template's /etc/rel ("" for /etc itself), unless it exists. */
static int top_dir_like(struct stager *s, const char *rel)
{
	char dst[PATH_MAX];
	snprintf(dst, sizeof dst, STAGE_ETC_TOP "%s%s", *rel ? "/" : "", rel);
	struct stat st;
	if (fstatat(s->tpl_etc, rel, &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode)) {
		snprintf(s->err, s->errlen, "stage: template /etc/%s is not a directory", rel);
		return -1;
	}
	if (mkdir(dst, 0700) < 0) {
		if (errno == EEXIST)
			return 0;
		snprintf(s->err, s->errlen, "stage: creating %s: %s", dst, strerror(errno));
		return -1;
	}
	if (chown(dst, mapped_owner(s, st.st_uid), mapped_owner(s, st.st_gid)) < 0 ||
	    chmod(dst, st.st_mode & 07777) < 0) {
		snprintf(s->err, s->errlen, "stage: setting up %s: %s", dst, strerror(errno));
		return -1;
	}
	return 0;
}

/* An opaque directory in the top layer: hides the template's one. */
static int top_opaque(struct stager *s, const char *rel)
{
	char dst[PATH_MAX];
	snprintf(dst, sizeof dst, STAGE_ETC_TOP "/%s", rel);
	if (stage_dir(s, dst, 0755, s->base) < 0)
		return -1;
	if (setxattr(dst, "trusted.overlay.opaque", "y", 1, 0) < 0) {
		snprintf(s->err, s->errlen, "stage: marking %s opaque: %s", dst, strerror(errno));
		return -1;
	}
	return 0;
}

/* The top layer of the domain's /etc (see sandbox_stage.h). */
static int etc_top(struct stager *s, const struct stage_plan *p)
{
	char dst[PATH_MAX], rel[PATH_MAX];
	if (top_dir_like(s, "") < 0)
		return -1;
	for (size_t i = 0; i < p->n_etc_files; i++) {
		snprintf(dst, sizeof dst, STAGE_ETC_TOP "/%s", p->etc_files[i].name);
		int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
		size_t n = strlen(p->etc_files[i].data);
		if (fd < 0 || write(fd, p->etc_files[i].data, n) != (ssize_t)n ||
		    fchown(fd, s->base, s->base) < 0 || fchmod(fd, 0444) < 0) {
			snprintf(s->err, s->errlen, "stage: writing %s: %s", dst, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	if (top_opaque(s, "qubes") < 0 || top_opaque(s, "qubes-rpc") < 0 ||
	    stage_dir(s, STAGE_ETC_TOP "/qubes/rpc-config", 0755, s->base) < 0)
		return -1;
	/* whiteouts, with the directories leading to them */
	size_t len = 0;
	for (;;) {
		if (len == p->etc_hide_cap) {
			snprintf(s->err, s->errlen, "stage: the list of hidden /etc entries is "
				 "over %zu bytes", p->etc_hide_cap);
			return -1;
		}
		ssize_t n = read(p->etc_hide_fd, p->etc_hide_buf + len, p->etc_hide_cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len == 0 || p->etc_hide_buf[len - 1] != '\n') {
		snprintf(s->err, s->errlen, "stage: the list of hidden /etc entries is incomplete");
		return -1;
	}
	len--;
	for (size_t off = 0; off < len; off += strlen(p->etc_hide_buf + off) + 1) {
		const char *h = p->etc_hide_buf + off;
		if (memchr(h, '\0', len - off) == NULL || !*h || *h == '/' || strstr(h, "..")) {
			snprintf(s->err, s->errlen, "stage: bad entry in the list of hidden /etc entries");
			return -1;
		}
		if (snprintf(rel, sizeof rel, "%s", h) >= (int)sizeof rel) {
			snprintf(s->err, s->errlen, "stage: path too long: %.64s", h);
			return -1;
		}
		for (char *slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			int r = top_dir_like(s, rel);
			*slash = '/';
			if (r < 0)
				return -1;
		}
		snprintf(dst, sizeof dst, STAGE_ETC_TOP "/%s", h);
		if (mknod(dst, S_IFCHR | 0000, makedev(0, 0)) < 0 && errno != EEXIST) {
			snprintf(s->err, s->errlen, "stage: whiteout %s: %s", dst, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int build_stage(struct stager *s, const struct stage_plan *p)
{
	uint32_t root = p->uid_base;
	if (mount("bulkhead-stage", SANDBOX_STAGE, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755,size=1m") < 0) {
		snprintf(s->err, s->errlen, "stage: tmpfs on %s: %s", SANDBOX_STAGE,
			 strerror(errno));
		return -1;
	}
	if (stage_dir(s, STAGE_TOP_DIR, 0755, 0) < 0 || stage_dir(s, STAGE_BIN, 0755, root) < 0)
		return -1;
	if (!p->rpc_dir && stage_dir(s, STAGE_RPC, 0755, root) < 0)
		return -1;
	if (!p->rpc_config_dir && stage_dir(s, STAGE_RPC_CONFIG, 0755, root) < 0)
		return -1;
	if (attach_all(s) < 0 || etc_top(s, p) < 0)
		return -1;
	if (mkdir(STAGE_TOP_DIR "/etc", 0755) < 0 ||
	    mount("bulkhead-etc", STAGE_TOP_DIR "/etc", "overlay",
		  MS_RDONLY | MS_NOSUID | MS_NODEV,
		  "lowerdir=" STAGE_ETC_TOP ":" STAGE_ETC_LOWER) < 0) {
		snprintf(s->err, s->errlen, "stage: overlay for /etc: %s%s", strerror(errno),
			 errno == ENODEV ? " (no overlayfs: modprobe overlay)" : "");
		return -1;
	}
	/* nothing more gets added: bubblewrap only reads the stage */
	if (mount(NULL, SANDBOX_STAGE, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
		  "mode=0755,size=1m") < 0) {
		snprintf(s->err, s->errlen, "stage: remounting %s read-only: %s", SANDBOX_STAGE,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int stage_prepare(const struct stage_plan *p, struct stage_result *r, char *err, size_t errlen)
{
	struct stager s = {.userns_fd = r->userns_fd, .tpl_etc = -1, .base = p->uid_base,
			   .try_idmap = true, .r = r, .err = err, .errlen = errlen};
	r->idmapped = true;
	r->warning[0] = '\0';
	if (unshare(CLONE_NEWNS) < 0) {
		snprintf(err, errlen, "stage: unshare(CLONE_NEWNS): %s", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		snprintf(err, errlen, "stage: making / private: %s", strerror(errno));
		return -1;
	}
	/* every source is taken before the stage covers SANDBOX_STAGE */
	int rc = clone_all(&s, p) < 0 || build_stage(&s, p) < 0 ? -1 : 0;
	close_items(&s);
	if (s.tpl_etc >= 0)
		close(s.tpl_etc);
	return rc;
}
