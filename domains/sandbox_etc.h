/* sandbox_etc: what a domain's /etc looks like on top of the template's
 * (the stage lays it out as an overlay, see sandbox_stage.h).
 *
 * Synthesized per domain: /etc/passwd and /etc/group (root, user 1000,
 * nobody), /etc/hostname, /etc/hosts, /etc/machine-id.
 *
 * Hidden (not there at all: whiteouts in the overlay): every entry of
 * the template's /etc that not everybody on the host may read (for files:
 * no read bit for others; for directories: no read or search bit for
 * others) -- through the idmapped template, host root's files belong to
 * the domain's root, so "root-only" on the host would otherwise mean
 * "readable by the domain" -- plus host identity and secrets that are
 * world-readable: the ssh host keys (/etc/ssh/ssh_host_*), backup
 * account files (passwd-, group-, shadow-, gshadow-), subuid/subgid,
 * /etc/sudoers.d, /etc/bulkhead, NetworkManager and WireGuard
 * configuration. /etc/qubes and /etc/qubes-rpc are replaced as a whole
 * (the domain never sees dom0's policy or services). */
#ifndef BULKHEAD_SANDBOX_ETC_H
#define BULKHEAD_SANDBOX_ETC_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **v;
	size_t n, cap;
};

int strlist_add(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

/* Entries of etc_dir (the template's /etc on the host) to hide, as paths
 * relative to it ("shadow", "ssh/ssh_host_rsa_key"); a hidden directory is
 * listed, not what is in it. Returns 0, or -1 with a message in err. */
int etc_hidden(const char *etc_dir, struct strlist *hide, char *err, size_t errlen);
/* Whether the launcher replaces this /etc entry itself (synthesized file,
 * or /etc/qubes, /etc/qubes-rpc), so etc_hidden leaves it out. */
bool etc_replaced(const char *name);

/* Synthesized contents (malloc'd, NUL-terminated), NULL when out of
 * memory. */
char *etc_passwd(void);
char *etc_group(void);
char *etc_hostname(const char *name);
char *etc_hosts(const char *name);
/* 32 random hex digits and a newline. */
char *etc_machine_id(void);

#endif
