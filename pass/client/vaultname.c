/* vaultname: choosing the vault qube (see vaultname.h). */
#include "pass/client/vaultname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/names.h"

const char *const vaultname_files[2] = {"/rw/config/pass-split-domain",
					"/etc/qubes/pass-split-domain"};

bool vaultname_ok(const char *s)
{
	size_t n = strlen(s);
	if (names_valid_domain_name(s, n))
		return true;
	/* qrexec's tokens: @default, @dispvm, @dispvm:NAME, uuid:... */
	if (n == 0 || n > 80 || !(s[0] == '@' || !strncmp(s, "uuid:", 5)))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == ':' || c == '@'))
			return false;
	}
	return true;
}

static int checked(const char *name, const char *from, char out[VAULTNAME_MAX], char *err,
		   size_t errlen)
{
	if (!vaultname_ok(name)) {
		snprintf(err, errlen, "Error: '%.64s' (%s) is not a qube name", name, from);
		return -1;
	}
	snprintf(out, VAULTNAME_MAX, "%s", name);
	return 0;
}

int vaultname_pick(const char *opt, const char *env, const char *const *files, size_t nfiles,
		   char out[VAULTNAME_MAX], char *err, size_t errlen)
{
	if (opt)
		return checked(opt, "-d/--dest-vm", out, err, errlen);
	if (env && env[0])
		return checked(env, "QUBES_PASS_DOMAIN", out, err, errlen);
	for (size_t i = 0; i < nfiles; i++) {
		FILE *f = fopen(files[i], "re");
		if (!f) {
			if (errno == ENOENT)
				continue;
			snprintf(err, errlen, "Error: cannot read %s: %s", files[i], strerror(errno));
			return -1;
		}
		char line[VAULTNAME_MAX];
		bool got = fgets(line, sizeof line, f) != NULL;
		bool bad = ferror(f);
		fclose(f);
		if (bad) {
			snprintf(err, errlen, "Error: cannot read %s", files[i]);
			return -1;
		}
		if (!got)
			line[0] = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		/* stripped, as qubes-pass does */
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			s[--n] = '\0';
		if (!s[0]) {
			snprintf(err, errlen, "Error: %s is empty: its first line should name the "
				 "vault qube", files[i]);
			return -1;
		}
		return checked(s, files[i], out, err, errlen);
	}
	snprintf(err, errlen, "Error: no vault qube given. Use -d VAULT (or --dest-vm VAULT), "
		 "set QUBES_PASS_DOMAIN, or write the vault's name into %s (this qube) or %s "
		 "(its template).", nfiles > 0 ? files[0] : vaultname_files[0],
		 nfiles > 1 ? files[1] : vaultname_files[1]);
	return -1;
}
