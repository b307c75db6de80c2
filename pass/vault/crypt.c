/* crypt: OpenPGP through gpgme for the vault (see crypt.h). Plaintext
 * goes through gpgme data objects over our own buffers, so no copy of it
 * is left in memory we do not zero. */
#include "pass/vault/crypt.h"

#include "pass/vault/pgp.h"

#include <errno.h>
#include <fcntl.h>
#include <gpgme.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct crypt {
	gpgme_ctx_t ctx;
};

/* gpgme callbacks writing into a wbuf (so the plaintext lands in our
 * locked, zeroed-on-free memory) */
static ssize_t cb_write(void *h, const void *buf, size_t n)
{
	struct wbuf *b = h;
	if (wbuf_put_bytes(b, buf, n) != BUF_OK) {
		errno = EFBIG;
		return -1;
	}
	return (ssize_t)n;
}

static struct gpgme_data_cbs wbuf_cbs = {.write = cb_write};

int crypt_open(struct crypt **c, char *err, size_t errlen)
{
	if (!gpgme_check_version("1.11.0")) {
		snprintf(err, errlen, "gpgme 1.11 or newer is needed");
		return -1;
	}
	struct crypt *x = calloc(1, sizeof *x);
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	gpgme_error_t e = gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP);
	if (!e)
		e = gpgme_new(&x->ctx);
	if (e) {
		snprintf(err, errlen, "gpg: %s", gpgme_strerror(e));
		free(x);
		return -1;
	}
	gpgme_set_protocol(x->ctx, GPGME_PROTOCOL_OpenPGP);
	gpgme_set_armor(x->ctx, 0);
	*c = x;
	return 0;
}

void crypt_close(struct crypt *c)
{
	if (!c)
		return;
	gpgme_release(c->ctx);
	free(c);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts, dedups and joins ids into out (newline-separated). */
static int join_sorted(char **ids, size_t n, char *out, size_t outlen)
{
	qsort(ids, n, sizeof *ids, cmp_str);
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(ids[i], ids[i - 1]))
			continue;
		size_t l = strlen(ids[i]);
		if (o + l + 2 > outlen)
			return -1;
		memcpy(out + o, ids[i], l);
		o += l;
		out[o++] = '\n';
		out[o] = '\0';
	}
	return 0;
}

int crypt_decrypt_file(struct crypt *c, const char *path, struct wbuf *out,
		       char *keyids, size_t keyidslen, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	gpgme_data_t in = NULL, plain = NULL;
	gpgme_error_t e = gpgme_data_new_from_fd(&in, fd);
	if (!e)
		e = gpgme_data_new_from_cbs(&plain, &wbuf_cbs, out);
	if (!e)
		e = gpgme_op_decrypt(c->ctx, in, plain);
	int rc = 0;
	if (e) {
		snprintf(err, errlen, "gpg could not decrypt: %s", gpgme_strerror(e));
		rc = -1;
	} else if (keyids) {
		gpgme_decrypt_result_t r = gpgme_op_decrypt_result(c->ctx);
		char *ids[64];
		size_t n = 0;
		for (gpgme_recipient_t p = r ? r->recipients : NULL; p && n < 64; p = p->next)
			if (p->keyid)
				ids[n++] = p->keyid;
		if (join_sorted(ids, n, keyids, keyidslen) < 0)
			keyids[0] = '\0';
	}
	gpgme_data_release(in);
	gpgme_data_release(plain);
	close(fd);
	return rc;
}

int crypt_encrypt(struct crypt *c, const char *recipients, const void *plain, size_t len,
		  struct wbuf *out, char *err, size_t errlen)
{
	gpgme_data_t in = NULL, cipher = NULL;
	gpgme_error_t e = gpgme_data_new_from_mem(&in, plain, len, 0);
	if (!e)
		e = gpgme_data_new_from_cbs(&cipher, &wbuf_cbs, out);
	/* "--" first: every line after it is a key spec, never a gpgme
	 * keyword (a .gpg-id line "--hidden" must not hide recipients) */
	char *recp = NULL;
	if (!e && asprintf(&recp, "--\n%s", recipients) < 0) {
		recp = NULL;
		e = gpg_error(GPG_ERR_ENOMEM);
	}
	if (!e)
		e = gpgme_op_encrypt_ext(c->ctx, NULL, recp,
					 GPGME_ENCRYPT_ALWAYS_TRUST | GPGME_ENCRYPT_NO_ENCRYPT_TO |
					 GPGME_ENCRYPT_NO_COMPRESS,
					 in, cipher);
	free(recp);
	int rc = 0;
	if (e) {
		gpgme_encrypt_result_t r = gpgme_op_encrypt_result(c->ctx);
		if (r && r->invalid_recipients)
			snprintf(err, errlen, "gpg cannot encrypt to %s: %s",
				 r->invalid_recipients->fpr ? r->invalid_recipients->fpr : "?",
				 gpgme_strerror(r->invalid_recipients->reason));
		else
			snprintf(err, errlen, "gpg could not encrypt: %s", gpgme_strerror(e));
		rc = -1;
	}
	gpgme_data_release(in);
	gpgme_data_release(cipher);
	return rc;
}

/* What gpg encrypts to for these recipients (groups resolved by gpg, one
 * encryption subkey per key, as it picks them): the session key packets
 * of a trial encryption. */
int crypt_recipient_keyids(struct crypt *c, const char *recipients, char *out, size_t outlen)
{
	struct wbuf cipher;
	wbuf_init(&cipher, 1 << 20);
	char err[256];
	uint64_t ids[PGP_MAX_KEYIDS];
	int rc = crypt_encrypt(c, recipients, "x", 1, &cipher, err, sizeof err);
	int n = rc == 0 ? pgp_pkesk_keyids(cipher.p, cipher.len, ids, PGP_MAX_KEYIDS) : -1;
	wbuf_free(&cipher);
	if (n <= 0)
		return -1;
	return pgp_keyids_str(ids, (size_t)n, out, outlen);
}

int crypt_file_keyids(const char *path, char *out, size_t outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	uint8_t head[65536];
	size_t len = 0;
	while (len < sizeof head) {
		ssize_t r = read(fd, head + len, sizeof head - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	uint64_t ids[PGP_MAX_KEYIDS];
	int n = pgp_pkesk_keyids(head, len, ids, PGP_MAX_KEYIDS);
	if (n <= 0)
		return -1;
	return pgp_keyids_str(ids, (size_t)n, out, outlen);
}

int crypt_check_recipient(struct crypt *c, const char *id, char *err, size_t errlen)
{
	struct wbuf out;
	wbuf_init(&out, 1 << 16);
	char recip[600];
	snprintf(recip, sizeof recip, "%s\n", id);
	int rc = crypt_encrypt(c, recip, "x", 1, &out, err, errlen);
	wbuf_free(&out);
	return rc;
}

int crypt_generate_key(struct crypt *c, char *fpr, size_t fprlen, char *err, size_t errlen)
{
	unsigned flags = GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE | GPGME_CREATE_SIGN |
			 GPGME_CREATE_CERT;
	gpgme_error_t e = gpgme_op_createkey(c->ctx, "Password Store (bulkhead vault) <pass@vault>",
					     "future-default", 0, 0, NULL, flags);
	gpgme_genkey_result_t r = e ? NULL : gpgme_op_genkey_result(c->ctx);
	if (!e && (!r || !r->fpr))
		e = gpg_error(GPG_ERR_GENERAL);
	if (e) {
		snprintf(err, errlen, "gpg could not generate a key: %s", gpgme_strerror(e));
		return -1;
	}
	snprintf(fpr, fprlen, "%s", r->fpr);
	gpgme_key_t key;
	e = gpgme_get_key(c->ctx, fpr, &key, 0);
	if (!e) {
		e = gpgme_op_createsubkey(c->ctx, key, "future-default", 0, 0,
					  GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE |
					  GPGME_CREATE_ENCR);
		gpgme_key_unref(key);
	}
	if (e) {
		snprintf(err, errlen, "gpg could not add an encryption subkey: %s",
			 gpgme_strerror(e));
		return -1;
	}
	return 0;
}
