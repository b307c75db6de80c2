/* crypt: the vault's OpenPGP operations through gpgme (gpg's own keyring
 * of the vault user; no shell, no argv built from requests). */
#ifndef BULKHEAD_PASS_CRYPT_H
#define BULKHEAD_PASS_CRYPT_H

#include <stddef.h>

#include "lib/buf.h"

struct crypt;

/* 0, or -1 with err (gpgme missing or too old). */
int crypt_open(struct crypt **c, char *err, size_t errlen);
void crypt_close(struct crypt *c);

/* Decrypts the file at path into out (a secret: the caller zeroes it).
 * When keyids is not NULL, also puts the file's recipient key ids there
 * (sorted, newline-separated). 0, or -1 with err. */
int crypt_decrypt_file(struct crypt *c, const char *path, struct wbuf *out,
		       char *keyids, size_t keyidslen, char *err, size_t errlen);
/* Encrypts plain for the recipients (newline-separated ids, groups
 * allowed) into out. 0, or -1 with err. */
int crypt_encrypt(struct crypt *c, const char *recipients, const void *plain, size_t len,
		  struct wbuf *out, char *err, size_t errlen);
/* The key ids gpg encrypts to for the recipients (groups resolved), as
 * sorted, newline-terminated 16-digit hex, from the session key packets
 * of a trial encryption. 0, or -1 (cannot encrypt to them). */
int crypt_recipient_keyids(struct crypt *c, const char *recipients, char *out, size_t outlen);
/* The key ids a .gpg file is encrypted to (same form), read from its
 * session key packets without decrypting (gpg --list-only). 0, or -1
 * when the file is not such a message. */
int crypt_file_keyids(const char *path, char *out, size_t outlen);
/* Whether one recipient id can be encrypted to. 0, or -1 with err. */
int crypt_check_recipient(struct crypt *c, const char *id, char *err, size_t errlen);
/* Generates an unprotected key with an encryption subkey; its
 * fingerprint into fpr. 0, or -1 with err. */
int crypt_generate_key(struct crypt *c, char *fpr, size_t fprlen, char *err, size_t errlen);

#endif
