/* usage: help and version. The banner keeps pass's first lines (tools and
 * password-store's own tests look for "= pass: the standard unix password
 * manager ="); the usage lines are pass's command synopses, with
 * qvm-pass's additions (-d, get-or-generate, the git subset), under the
 * name the program was called by. */
#include "pass/client/client.h"

#include <stdio.h>
#include <stdlib.h>

#define PASS_COMPAT_VERSION "1.7.4"

int cmd_version(const struct qp_ctx *c, const struct qp_args *a)
{
	(void)c;
	(void)a;
	printf("============================================\n"
	       "= pass: the standard unix password manager =\n"
	       "=                                          =\n"
	       "=     qvm-pass: pass's command line for    =\n"
	       "=    a store kept in a vault qube (split)  =\n"
	       "=                                          =\n"
	       "=      compatible with pass v%s         =\n"
	       "============================================\n", PASS_COMPAT_VERSION);
	return 0;
}

int cmd_help(const struct qp_ctx *c, const struct qp_args *a)
{
	cmd_version(c, a);
	const char *p = c->prog;
	const char *ct = getenv("PASSWORD_STORE_CLIP_TIME");
	const char *gl = getenv("PASSWORD_STORE_GENERATED_LENGTH");
	if (!ct || !ct[0])
		ct = "45";
	if (!gl || !gl[0])
		gl = "25";
	printf("\nUsage:\n");
	printf("    %s init [--path=subfolder,-p subfolder] [gpg-id...]\n"
	       "        Set the gpg-ids the vault encrypts the store (or a subfolder) for,\n"
	       "        re-encrypting what is there. Without an id the vault makes a key.\n", p);
	printf("    %s [ls] [subfolder]\n"
	       "        List the passwords.\n", p);
	printf("    %s find pass-names...\n"
	       "        List the passwords whose names match.\n", p);
	printf("    %s [show] [--clip[=line-number],-c[line-number]] "
	       "[--qrcode[=line-number],-q[line-number]] pass-name\n"
	       "        Show a password, or put one line of it on the clipboard (cleared\n"
	       "        after %s seconds) or in a QR code; only that line leaves the vault.\n",
	       p, ct);
	printf("    %s grep [GREPOPTIONS] search-string\n"
	       "        Search the decrypted passwords (in the vault) for search-string.\n", p);
	printf("    %s insert [--echo,-e | --multiline,-m] [--force,-f] pass-name\n"
	       "        Add a password, typed twice on a terminal (once with --echo), or\n"
	       "        several lines up to end of input; asks before overwriting unless\n"
	       "        forced.\n", p);
	printf("    %s edit pass-name\n"
	       "        Add or change a password with %s, in a private directory in\n"
	       "        /dev/shm that is wiped afterwards.\n",
	       p, getenv("EDITOR") && getenv("EDITOR")[0] ? getenv("EDITOR") : "editor");
	printf("    %s generate [--no-symbols,-n] [--clip,-c] [--qrcode,-q] "
	       "[--in-place,-i | --force,-f] pass-name [pass-length]\n"
	       "        Have the vault make a password of pass-length (else %s) characters,\n"
	       "        without symbols if asked; --in-place replaces only the first line.\n",
	       p, gl);
	printf("    %s get-or-generate [--no-symbols,-n] [--clip,-c] [--qrcode,-q] pass-name "
	       "[pass-length]\n"
	       "        Show the password, generating it first (atomically, in the vault)\n"
	       "        when there is none.\n", p);
	printf("    %s rm [--recursive,-r] [--force,-f] pass-name\n"
	       "        Remove a password or, recursively, a folder.\n", p);
	printf("    %s mv [--force,-f] old-path new-path\n"
	       "        Move or rename, re-encrypting for the destination's gpg-ids.\n", p);
	printf("    %s cp [--force,-f] old-path new-path\n"
	       "        Copy, re-encrypting for the destination's gpg-ids.\n", p);
	printf("    %s git init | log [args...] | status [args...]\n"
	       "        The store's git history in the vault (no other git commands).\n", p);
	printf("    %s help\n"
	       "        Show this text.\n", p);
	printf("    %s version\n"
	       "        Show version information.\n", p);
	printf("\nEvery command takes -d VAULT (--dest-vm VAULT): the vault qube; else\n"
	       "$QUBES_PASS_DOMAIN, else the first line of /rw/config/pass-split-domain\n"
	       "(this qube) or /etc/qubes/pass-split-domain (its template).\n"
	       "Reads go to ruddo.PassRead, changes to ruddo.PassManage, with the first\n"
	       "folder of the name as the call's argument (so the policy can decide per\n"
	       "folder).\n");
	return 0;
}
