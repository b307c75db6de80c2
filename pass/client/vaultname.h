/* vaultname: which vault qube qvm-pass calls: -d/--dest-vm, else
 * $QUBES_PASS_DOMAIN, else the first line of /rw/config/pass-split-domain
 * (this qube), else of /etc/qubes/pass-split-domain (its template). An
 * empty or unreadable file is an error naming it; a name that is not a
 * qube name (or an @-token such as @default) is refused before it can
 * reach qrexec-client-vm's command line. */
#ifndef BULKHEAD_PASS_VAULTNAME_H
#define BULKHEAD_PASS_VAULTNAME_H

#include <stdbool.h>
#include <stddef.h>

#define VAULTNAME_MAX 256

extern const char *const vaultname_files[2];

/* Picks the vault: opt (-d), env ($QUBES_PASS_DOMAIN; NULL or "" = unset),
 * then the files in order (a missing file is skipped). 0 with the name in
 * out, or -1 with a one-line message in err. */
int vaultname_pick(const char *opt, const char *env, const char *const *files, size_t nfiles,
		   char out[VAULTNAME_MAX], char *err, size_t errlen);

/* Whether s may be given to qrexec-client-vm as the target. */
bool vaultname_ok(const char *s);

#endif
