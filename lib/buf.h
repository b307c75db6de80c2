/* buf: bounded buffers with checked getters and putters.
 *
 * Every read of untrusted bytes in bulkhead goes through a struct rbuf: a
 * read-only view with an offset, where each getter either succeeds and
 * advances or fails with an error code and leaves the offset untouched.
 * struct wbuf is the growing counterpart with a hard size limit.
 */
#ifndef BULKHEAD_BUF_H
#define BULKHEAD_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum buf_err {
	BUF_OK = 0,
	BUF_ESHORT = -1,  /* not enough bytes left to read */
	BUF_ENOMEM = -2,  /* allocation failed */
	BUF_ELIMIT = -3,  /* write would exceed the buffer's limit */
	BUF_EINVAL = -4,  /* bad argument (e.g. missing NUL terminator) */
};

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
};

void rbuf_init(struct rbuf *b, const void *p, size_t len);
size_t rbuf_left(const struct rbuf *b);
const uint8_t *rbuf_cur(const struct rbuf *b);
int rbuf_get_u32le(struct rbuf *b, uint32_t *v);
int rbuf_get_bytes(struct rbuf *b, void *dst, size_t n);
/* Points *p at the next n bytes without copying. */
int rbuf_get_ptr(struct rbuf *b, const uint8_t **p, size_t n);
int rbuf_skip(struct rbuf *b, size_t n);
/* Reads bytes up to (not including) the next `delim`, which is consumed.
 * Fails with BUF_EINVAL if there is no delimiter before the end. */
int rbuf_get_until(struct rbuf *b, uint8_t delim, const uint8_t **p, size_t *n);

struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t limit; /* hard maximum of len */
	bool secret;  /* growth zeroes the old block before freeing it */
};

void wbuf_init(struct wbuf *b, size_t limit);
/* For buffers that will hold secrets: no copy is left behind when the
 * buffer grows; free with wbuf_free_secret. */
void wbuf_init_secret(struct wbuf *b, size_t limit);
void wbuf_free(struct wbuf *b);
/* Zeroes the contents before freeing (for buffers that held secrets). */
void wbuf_free_secret(struct wbuf *b);
void wbuf_reset(struct wbuf *b);
int wbuf_reserve(struct wbuf *b, size_t n);
int wbuf_put_u32le(struct wbuf *b, uint32_t v);
int wbuf_put_bytes(struct wbuf *b, const void *src, size_t n);
int wbuf_put_zeros(struct wbuf *b, size_t n);
/* Copies str into a fixed field of `width` bytes, NUL-padded; fails with
 * BUF_EINVAL when str (plus its NUL) does not fit. */
int wbuf_put_fixed_str(struct wbuf *b, const char *str, size_t width);
/* Drops the first n bytes (consumed output). */
void wbuf_consume(struct wbuf *b, size_t n);

static inline uint32_t buf_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void buf_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif
