/* buf: bounded buffers with checked getters and putters (see buf.h). */
#include "lib/buf.h"

#include <stdlib.h>
#include <string.h>

void rbuf_init(struct rbuf *b, const void *p, size_t len)
{
	b->p = p;
	b->len = p ? len : 0;
	b->off = 0;
}

size_t rbuf_left(const struct rbuf *b)
{
	return b->len - b->off;
}

const uint8_t *rbuf_cur(const struct rbuf *b)
{
	return b->p ? b->p + b->off : b->p;
}

int rbuf_get_u32le(struct rbuf *b, uint32_t *v)
{
	if (rbuf_left(b) < 4)
		return BUF_ESHORT;
	*v = buf_le32(b->p + b->off);
	b->off += 4;
	return BUF_OK;
}

int rbuf_get_bytes(struct rbuf *b, void *dst, size_t n)
{
	if (rbuf_left(b) < n)
		return BUF_ESHORT;
	if (n)
		memcpy(dst, b->p + b->off, n);
	b->off += n;
	return BUF_OK;
}

int rbuf_get_ptr(struct rbuf *b, const uint8_t **p, size_t n)
{
	if (rbuf_left(b) < n)
		return BUF_ESHORT;
	*p = rbuf_cur(b);
	b->off += n;
	return BUF_OK;
}

int rbuf_skip(struct rbuf *b, size_t n)
{
	if (rbuf_left(b) < n)
		return BUF_ESHORT;
	b->off += n;
	return BUF_OK;
}

int rbuf_get_until(struct rbuf *b, uint8_t delim, const uint8_t **p, size_t *n)
{
	if (rbuf_left(b) == 0)
		return BUF_EINVAL;
	const uint8_t *start = b->p + b->off;
	const uint8_t *end = memchr(start, delim, rbuf_left(b));
	if (!end)
		return BUF_EINVAL;
	*p = start;
	*n = (size_t)(end - start);
	b->off += *n + 1;
	return BUF_OK;
}

void wbuf_init(struct wbuf *b, size_t limit)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
	b->secret = false;
}

void wbuf_init_secret(struct wbuf *b, size_t limit)
{
	wbuf_init(b, limit);
	b->secret = true;
}

void wbuf_free(struct wbuf *b)
{
	free(b->p);
	wbuf_init(b, b->limit);
}

void wbuf_free_secret(struct wbuf *b)
{
	if (b->p)
		explicit_bzero(b->p, b->cap);
	wbuf_free(b);
}

void wbuf_reset(struct wbuf *b)
{
	b->len = 0;
}

int wbuf_reserve(struct wbuf *b, size_t n)
{
	if (n > b->limit || b->len > b->limit - n)
		return BUF_ELIMIT;
	if (b->len + n <= b->cap)
		return BUF_OK;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + n)
		ncap = ncap > SIZE_MAX / 2 ? b->len + n : ncap * 2;
	if (ncap > b->limit)
		ncap = b->limit;
	uint8_t *np;
	if (b->secret) {
		np = malloc(ncap);
		if (!np)
			return BUF_ENOMEM;
		if (b->p) {
			memcpy(np, b->p, b->len);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
	} else {
		np = realloc(b->p, ncap);
		if (!np)
			return BUF_ENOMEM;
	}
	b->p = np;
	b->cap = ncap;
	return BUF_OK;
}

int wbuf_put_bytes(struct wbuf *b, const void *src, size_t n)
{
	int r = wbuf_reserve(b, n);
	if (r)
		return r;
	if (n)
		memcpy(b->p + b->len, src, n);
	b->len += n;
	return BUF_OK;
}

int wbuf_put_u32le(struct wbuf *b, uint32_t v)
{
	uint8_t tmp[4];
	buf_put_le32(tmp, v);
	return wbuf_put_bytes(b, tmp, 4);
}

int wbuf_put_zeros(struct wbuf *b, size_t n)
{
	int r = wbuf_reserve(b, n);
	if (r || n == 0)
		return r;
	memset(b->p + b->len, 0, n);
	b->len += n;
	return BUF_OK;
}

int wbuf_put_fixed_str(struct wbuf *b, const char *str, size_t width)
{
	size_t n = strnlen(str, width);
	if (n >= width)
		return BUF_EINVAL;
	int r = wbuf_reserve(b, width);
	if (r)
		return r;
	memcpy(b->p + b->len, str, n);
	memset(b->p + b->len + n, 0, width - n);
	b->len += width;
	return BUF_OK;
}

void wbuf_consume(struct wbuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}
