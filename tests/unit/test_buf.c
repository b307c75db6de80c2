/* test_buf: unit tests for lib/buf (bounded read/write buffers): every
 * getter at exact length and one short (offset untouched on failure),
 * rbuf_get_until, the wbuf hard limit, fixed-width strings and consume. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

static const uint8_t data8[8] = {0x78, 0x56, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde};

/* ---- rbuf ---- */

static void rbuf_init_sets_fields(void **state)
{
	(void)state;
	struct rbuf b;
	rbuf_init(&b, data8, sizeof data8);
	assert_ptr_equal(b.p, data8);
	assert_int_equal(b.len, 8);
	assert_int_equal(b.off, 0);
	assert_int_equal(rbuf_left(&b), 8);
	assert_ptr_equal(rbuf_cur(&b), data8);
}

static void rbuf_init_null_has_no_bytes(void **state)
{
	(void)state;
	struct rbuf b;
	rbuf_init(&b, NULL, 100);
	assert_int_equal(b.len, 0);
	assert_int_equal(rbuf_left(&b), 0);
	uint32_t v = 7;
	assert_int_equal(rbuf_get_u32le(&b, &v), BUF_ESHORT);
	assert_int_equal(v, 7);
	assert_int_equal(rbuf_skip(&b, 1), BUF_ESHORT);
}

static void rbuf_u32_exact(void **state)
{
	(void)state;
	struct rbuf b;
	uint32_t v = 0;
	rbuf_init(&b, data8, 4);
	assert_int_equal(rbuf_get_u32le(&b, &v), BUF_OK);
	assert_int_equal(v, 0x12345678u);
	assert_int_equal(b.off, 4);
	assert_int_equal(rbuf_left(&b), 0);
}

static void rbuf_u32_two_in_a_row(void **state)
{
	(void)state;
	struct rbuf b;
	uint32_t v1 = 0, v2 = 0;
	rbuf_init(&b, data8, 8);
	assert_int_equal(rbuf_get_u32le(&b, &v1), BUF_OK);
	assert_int_equal(rbuf_get_u32le(&b, &v2), BUF_OK);
	assert_int_equal(v1, 0x12345678u);
	assert_int_equal(v2, 0xdeadbeefu);
	assert_int_equal(b.off, 8);
}

static void rbuf_u32_one_short(void **state)
{
	(void)state;
	struct rbuf b;
	uint32_t v = 0xa5a5a5a5u;
	rbuf_init(&b, data8, 3);
	assert_int_equal(rbuf_get_u32le(&b, &v), BUF_ESHORT);
	assert_int_equal(v, 0xa5a5a5a5u);
	assert_int_equal(b.off, 0);
}

static void rbuf_u32_one_short_after_skip(void **state)
{
	(void)state;
	struct rbuf b;
	uint32_t v = 1;
	rbuf_init(&b, data8, 6);
	assert_int_equal(rbuf_skip(&b, 3), BUF_OK);
	assert_int_equal(rbuf_get_u32le(&b, &v), BUF_ESHORT);
	assert_int_equal(v, 1);
	assert_int_equal(b.off, 3);
	assert_int_equal(rbuf_left(&b), 3);
}

static void rbuf_bytes_exact(void **state)
{
	(void)state;
	struct rbuf b;
	uint8_t dst[8];
	memset(dst, 0xcc, sizeof dst);
	rbuf_init(&b, data8, 5);
	assert_int_equal(rbuf_get_bytes(&b, dst, 5), BUF_OK);
	assert_memory_equal(dst, data8, 5);
	assert_int_equal(dst[5], 0xcc);
	assert_int_equal(b.off, 5);
	assert_int_equal(rbuf_left(&b), 0);
}

static void rbuf_bytes_one_short(void **state)
{
	(void)state;
	struct rbuf b;
	uint8_t dst[8], want[8];
	memset(dst, 0xcc, sizeof dst);
	memset(want, 0xcc, sizeof want);
	rbuf_init(&b, data8, 5);
	assert_int_equal(rbuf_get_bytes(&b, dst, 6), BUF_ESHORT);
	assert_memory_equal(dst, want, sizeof dst);
	assert_int_equal(b.off, 0);
}

static void rbuf_bytes_zero(void **state)
{
	(void)state;
	struct rbuf b;
	rbuf_init(&b, data8, 2);
	assert_int_equal(rbuf_get_bytes(&b, NULL, 0), BUF_OK);
	assert_int_equal(b.off, 0);
	assert_int_equal(rbuf_skip(&b, 2), BUF_OK);
	assert_int_equal(rbuf_get_bytes(&b, NULL, 0), BUF_OK);
	assert_int_equal(b.off, 2);
}

static void rbuf_ptr_exact(void **state)
{
	(void)state;
	struct rbuf b;
	const uint8_t *p = NULL;
	rbuf_init(&b, data8, 8);
	assert_int_equal(rbuf_skip(&b, 2), BUF_OK);
	assert_int_equal(rbuf_get_ptr(&b, &p, 6), BUF_OK);
	assert_ptr_equal(p, data8 + 2);
	assert_int_equal(b.off, 8);
}

static void rbuf_ptr_one_short(void **state)
{
	(void)state;
	struct rbuf b;
	const uint8_t sentinel = 0;
	const uint8_t *p = &sentinel;
	rbuf_init(&b, data8, 8);
	assert_int_equal(rbuf_skip(&b, 2), BUF_OK);
	assert_int_equal(rbuf_get_ptr(&b, &p, 7), BUF_ESHORT);
	assert_ptr_equal(p, &sentinel);
	assert_int_equal(b.off, 2);
}

static void rbuf_skip_exact_and_short(void **state)
{
	(void)state;
	struct rbuf b;
	rbuf_init(&b, data8, 8);
	assert_int_equal(rbuf_skip(&b, 9), BUF_ESHORT);
	assert_int_equal(b.off, 0);
	assert_int_equal(rbuf_skip(&b, 8), BUF_OK);
	assert_int_equal(b.off, 8);
	assert_int_equal(rbuf_skip(&b, 1), BUF_ESHORT);
	assert_int_equal(b.off, 8);
	assert_int_equal(rbuf_skip(&b, 0), BUF_OK);
	assert_int_equal(b.off, 8);
}

static void rbuf_skip_huge(void **state)
{
	(void)state;
	struct rbuf b;
	rbuf_init(&b, data8, 8);
	assert_int_equal(rbuf_skip(&b, 1), BUF_OK);
	assert_int_equal(rbuf_skip(&b, SIZE_MAX), BUF_ESHORT);
	assert_int_equal(b.off, 1);
}

static void rbuf_cur_tracks_offset(void **state)
{
	(void)state;
	struct rbuf b;
	rbuf_init(&b, data8, 8);
	assert_int_equal(rbuf_skip(&b, 5), BUF_OK);
	assert_ptr_equal(rbuf_cur(&b), data8 + 5);
	assert_int_equal(rbuf_left(&b), 3);
}

static void rbuf_until_found_middle(void **state)
{
	(void)state;
	static const char s[] = "abc:def";
	struct rbuf b;
	const uint8_t *p = NULL;
	size_t n = 99;
	rbuf_init(&b, s, 7);
	assert_int_equal(rbuf_get_until(&b, ':', &p, &n), BUF_OK);
	assert_ptr_equal(p, (const uint8_t *)s);
	assert_int_equal(n, 3);
	assert_int_equal(b.off, 4); /* delimiter consumed */
	assert_int_equal(rbuf_left(&b), 3);
}

static void rbuf_until_found_first(void **state)
{
	(void)state;
	static const char s[] = ":x";
	struct rbuf b;
	const uint8_t *p = NULL;
	size_t n = 99;
	rbuf_init(&b, s, 2);
	assert_int_equal(rbuf_get_until(&b, ':', &p, &n), BUF_OK);
	assert_ptr_equal(p, (const uint8_t *)s);
	assert_int_equal(n, 0);
	assert_int_equal(b.off, 1);
}

static void rbuf_until_found_last(void **state)
{
	(void)state;
	static const char s[] = "abc"; /* the NUL is the 4th byte */
	struct rbuf b;
	const uint8_t *p = NULL;
	size_t n = 99;
	rbuf_init(&b, s, 4);
	assert_int_equal(rbuf_get_until(&b, '\0', &p, &n), BUF_OK);
	assert_int_equal(n, 3);
	assert_int_equal(b.off, 4);
	assert_int_equal(rbuf_left(&b), 0);
}

static void rbuf_until_missing(void **state)
{
	(void)state;
	static const char s[] = "abcdef";
	struct rbuf b;
	const uint8_t sentinel = 0;
	const uint8_t *p = &sentinel;
	size_t n = 99;
	rbuf_init(&b, s, 6); /* the NUL is outside the view */
	assert_int_equal(rbuf_get_until(&b, '\0', &p, &n), BUF_EINVAL);
	assert_ptr_equal(p, &sentinel);
	assert_int_equal(n, 99);
	assert_int_equal(b.off, 0);
}

static void rbuf_until_empty_view(void **state)
{
	(void)state;
	static const char s[] = "";
	struct rbuf b;
	const uint8_t *p = NULL;
	size_t n = 99;
	rbuf_init(&b, s, 0);
	assert_int_equal(rbuf_get_until(&b, '\0', &p, &n), BUF_EINVAL);
	assert_int_equal(b.off, 0);
	assert_int_equal(n, 99);
}

static void rbuf_until_successive(void **state)
{
	(void)state;
	static const uint8_t s[] = {'a', 0, 'b', 'c', 0, 'd'};
	struct rbuf b;
	const uint8_t *p = NULL;
	size_t n = 0;
	rbuf_init(&b, s, sizeof s);
	assert_int_equal(rbuf_get_until(&b, 0, &p, &n), BUF_OK);
	assert_ptr_equal(p, s);
	assert_int_equal(n, 1);
	assert_int_equal(rbuf_get_until(&b, 0, &p, &n), BUF_OK);
	assert_ptr_equal(p, s + 2);
	assert_int_equal(n, 2);
	assert_int_equal(b.off, 5);
	assert_int_equal(rbuf_get_until(&b, 0, &p, &n), BUF_EINVAL);
	assert_int_equal(b.off, 5);
	assert_ptr_equal(p, s + 2);
	assert_int_equal(n, 2);
}

static void rbuf_until_ignores_bytes_before_offset(void **state)
{
	(void)state;
	static const char s[] = "a:bc";
	struct rbuf b;
	const uint8_t *p = NULL;
	size_t n = 0;
	rbuf_init(&b, s, 4);
	assert_int_equal(rbuf_skip(&b, 2), BUF_OK);
	assert_int_equal(rbuf_get_until(&b, ':', &p, &n), BUF_EINVAL);
	assert_int_equal(b.off, 2);
}

static void le32_helpers(void **state)
{
	(void)state;
	uint8_t out[4];
	buf_put_le32(out, 0xdeadbeefu);
	assert_memory_equal(out, data8 + 4, 4);
	assert_int_equal(buf_le32(data8), 0x12345678u);
	assert_int_equal(buf_le32(out), 0xdeadbeefu);
	buf_put_le32(out, 0);
	assert_int_equal(buf_le32(out), 0);
}

/* ---- wbuf ---- */

static void wbuf_init_fields(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 123);
	assert_null(w.p);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.cap, 0);
	assert_int_equal(w.limit, 123);
}

static void wbuf_put_u32_le_bytes(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 16);
	assert_int_equal(wbuf_put_u32le(&w, 0x12345678u), BUF_OK);
	assert_int_equal(wbuf_put_u32le(&w, 0xdeadbeefu), BUF_OK);
	assert_int_equal(w.len, 8);
	assert_memory_equal(w.p, data8, 8);
	wbuf_free(&w);
}

static void wbuf_limit_exact_then_one_more(void **state)
{
	(void)state;
	struct wbuf w;
	uint8_t src[11];
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (uint8_t)(i + 1);
	wbuf_init(&w, 10);
	assert_int_equal(wbuf_put_bytes(&w, src, 10), BUF_OK);
	assert_int_equal(w.len, 10);
	assert_int_equal(wbuf_put_bytes(&w, src + 10, 1), BUF_ELIMIT);
	assert_int_equal(w.len, 10);
	assert_memory_equal(w.p, src, 10);
	assert_true(w.cap <= w.limit);
	wbuf_free(&w);
}

static void wbuf_limit_plus_one_at_once(void **state)
{
	(void)state;
	struct wbuf w;
	uint8_t src[11] = {0};
	wbuf_init(&w, 10);
	assert_int_equal(wbuf_put_bytes(&w, src, 11), BUF_ELIMIT);
	assert_int_equal(w.len, 0);
	assert_null(w.p);
	wbuf_free(&w);
}

static void wbuf_limit_u32(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 7);
	assert_int_equal(wbuf_put_u32le(&w, 1), BUF_OK);
	assert_int_equal(wbuf_put_u32le(&w, 2), BUF_ELIMIT);
	assert_int_equal(w.len, 4);
	assert_int_equal(buf_le32(w.p), 1);
	wbuf_free(&w);
}

static void wbuf_limit_zero(void **state)
{
	(void)state;
	struct wbuf w;
	uint8_t x = 1;
	wbuf_init(&w, 0);
	assert_int_equal(wbuf_put_bytes(&w, &x, 1), BUF_ELIMIT);
	assert_int_equal(wbuf_put_bytes(&w, NULL, 0), BUF_OK);
	assert_int_equal(w.len, 0);
	wbuf_free(&w);
}

static void wbuf_reserve_overflow(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 64);
	assert_int_equal(wbuf_put_u32le(&w, 5), BUF_OK);
	assert_int_equal(wbuf_reserve(&w, SIZE_MAX), BUF_ELIMIT);
	assert_int_equal(wbuf_reserve(&w, SIZE_MAX - 2), BUF_ELIMIT);
	assert_int_equal(wbuf_reserve(&w, 61), BUF_ELIMIT);
	assert_int_equal(wbuf_reserve(&w, 60), BUF_OK);
	assert_true(w.cap >= 64);
	assert_int_equal(w.len, 4);
	wbuf_free(&w);
}

static void wbuf_growth_keeps_contents(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 4096);
	for (uint32_t i = 0; i < 1000; i++) {
		uint8_t c = (uint8_t)(i * 7);
		assert_int_equal(wbuf_put_bytes(&w, &c, 1), BUF_OK);
	}
	assert_int_equal(w.len, 1000);
	assert_true(w.cap >= 1000 && w.cap <= 4096);
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(w.p[i], (uint8_t)(i * 7));
	wbuf_free(&w);
}

static void wbuf_cap_clamped_to_limit(void **state)
{
	(void)state;
	struct wbuf w;
	uint8_t src[300];
	memset(src, 'x', sizeof src);
	wbuf_init(&w, 300);
	assert_int_equal(wbuf_put_bytes(&w, src, 257), BUF_OK);
	assert_int_equal(w.cap, 300);
	assert_int_equal(wbuf_put_bytes(&w, src, 43), BUF_OK);
	assert_int_equal(w.len, 300);
	assert_int_equal(wbuf_put_bytes(&w, src, 1), BUF_ELIMIT);
	wbuf_free(&w);
}

static void wbuf_put_zeros_appends(void **state)
{
	(void)state;
	struct wbuf w;
	static const uint8_t want[5] = {'a', 'b', 0, 0, 0};
	wbuf_init(&w, 5);
	assert_int_equal(wbuf_put_bytes(&w, "ab", 2), BUF_OK);
	assert_int_equal(wbuf_put_zeros(&w, 3), BUF_OK);
	assert_int_equal(w.len, 5);
	assert_memory_equal(w.p, want, 5);
	assert_int_equal(wbuf_put_zeros(&w, 1), BUF_ELIMIT);
	assert_int_equal(w.len, 5);
	wbuf_free(&w);
}

static void wbuf_put_zeros_overwrites_old_bytes(void **state)
{
	(void)state;
	struct wbuf w;
	static const uint8_t ff[4] = {0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[4] = {0};
	wbuf_init(&w, 8);
	assert_int_equal(wbuf_put_bytes(&w, ff, 4), BUF_OK);
	wbuf_reset(&w);
	assert_int_equal(wbuf_put_zeros(&w, 4), BUF_OK);
	assert_memory_equal(w.p, zero, 4);
	wbuf_free(&w);
}

static void wbuf_fixed_str_fits(void **state)
{
	(void)state;
	struct wbuf w;
	static const uint8_t want[8] = {'a', 'b', 'c', 0, 0, 0, 0, 0};
	wbuf_init(&w, 64);
	assert_int_equal(wbuf_put_fixed_str(&w, "abc", 8), BUF_OK);
	assert_int_equal(w.len, 8);
	assert_memory_equal(w.p, want, 8);
	wbuf_free(&w);
}

static void wbuf_fixed_str_width_minus_one(void **state)
{
	(void)state;
	struct wbuf w;
	static const uint8_t want[8] = {'1', '2', '3', '4', '5', '6', '7', 0};
	wbuf_init(&w, 64);
	assert_int_equal(wbuf_put_fixed_str(&w, "1234567", 8), BUF_OK);
	assert_int_equal(w.len, 8);
	assert_memory_equal(w.p, want, 8);
	wbuf_free(&w);
}

static void wbuf_fixed_str_exact_width_no_fit(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 64);
	assert_int_equal(wbuf_put_fixed_str(&w, "12345678", 8), BUF_EINVAL);
	assert_int_equal(w.len, 0);
	assert_int_equal(wbuf_put_fixed_str(&w, "123456789", 8), BUF_EINVAL);
	assert_int_equal(w.len, 0);
	wbuf_free(&w);
}

static void wbuf_fixed_str_empty(void **state)
{
	(void)state;
	struct wbuf w;
	static const uint8_t want[4] = {0};
	wbuf_init(&w, 64);
	assert_int_equal(wbuf_put_fixed_str(&w, "", 4), BUF_OK);
	assert_int_equal(w.len, 4);
	assert_memory_equal(w.p, want, 4);
	assert_int_equal(wbuf_put_fixed_str(&w, "", 0), BUF_EINVAL);
	assert_int_equal(w.len, 4);
	wbuf_free(&w);
}

static void wbuf_fixed_str_over_limit(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 7);
	assert_int_equal(wbuf_put_fixed_str(&w, "a", 8), BUF_ELIMIT);
	assert_int_equal(w.len, 0);
	wbuf_free(&w);
}

static void wbuf_fixed_str_pads_over_old_bytes(void **state)
{
	(void)state;
	struct wbuf w;
	static const uint8_t junk[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t want[6] = {'x', 0, 0, 0, 0, 0};
	wbuf_init(&w, 16);
	assert_int_equal(wbuf_put_bytes(&w, junk, 6), BUF_OK);
	wbuf_reset(&w);
	assert_int_equal(wbuf_put_fixed_str(&w, "x", 6), BUF_OK);
	assert_memory_equal(w.p, want, 6);
	wbuf_free(&w);
}

static void wbuf_consume_partial(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 16);
	assert_int_equal(wbuf_put_bytes(&w, "abcdef", 6), BUF_OK);
	wbuf_consume(&w, 2);
	assert_int_equal(w.len, 4);
	assert_memory_equal(w.p, "cdef", 4);
	wbuf_consume(&w, 3);
	assert_int_equal(w.len, 1);
	assert_int_equal(w.p[0], 'f');
	wbuf_free(&w);
}

static void wbuf_consume_zero(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 16);
	assert_int_equal(wbuf_put_bytes(&w, "abc", 3), BUF_OK);
	wbuf_consume(&w, 0);
	assert_int_equal(w.len, 3);
	assert_memory_equal(w.p, "abc", 3);
	wbuf_free(&w);
}

static void wbuf_consume_all_and_more(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 16);
	assert_int_equal(wbuf_put_bytes(&w, "abc", 3), BUF_OK);
	wbuf_consume(&w, 3);
	assert_int_equal(w.len, 0);
	assert_int_equal(wbuf_put_bytes(&w, "xyz", 3), BUF_OK);
	wbuf_consume(&w, 1000);
	assert_int_equal(w.len, 0);
	wbuf_consume(&w, 1); /* on empty: still empty */
	assert_int_equal(w.len, 0);
	wbuf_free(&w);
}

static void wbuf_consume_frees_room_under_limit(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 8);
	assert_int_equal(wbuf_put_bytes(&w, "01234567", 8), BUF_OK);
	assert_int_equal(wbuf_put_bytes(&w, "8", 1), BUF_ELIMIT);
	wbuf_consume(&w, 4);
	assert_int_equal(wbuf_put_bytes(&w, "89ab", 4), BUF_OK);
	assert_int_equal(w.len, 8);
	assert_memory_equal(w.p, "456789ab", 8);
	assert_int_equal(wbuf_put_bytes(&w, "c", 1), BUF_ELIMIT);
	wbuf_free(&w);
}

static void wbuf_reset_keeps_storage(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 16);
	assert_int_equal(wbuf_put_bytes(&w, "abc", 3), BUF_OK);
	uint8_t *p = w.p;
	size_t cap = w.cap;
	wbuf_reset(&w);
	assert_int_equal(w.len, 0);
	assert_ptr_equal(w.p, p);
	assert_int_equal(w.cap, cap);
	assert_int_equal(w.limit, 16);
	wbuf_free(&w);
}

static void wbuf_free_resets_keeps_limit(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 16);
	assert_int_equal(wbuf_put_bytes(&w, "abc", 3), BUF_OK);
	wbuf_free(&w);
	assert_null(w.p);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.cap, 0);
	assert_int_equal(w.limit, 16);
	/* usable again after free */
	assert_int_equal(wbuf_put_bytes(&w, "de", 2), BUF_OK);
	assert_memory_equal(w.p, "de", 2);
	wbuf_free(&w);
	wbuf_free(&w); /* double free of an empty wbuf is harmless */
	assert_null(w.p);
}

static void wbuf_free_secret_resets(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 32);
	assert_int_equal(wbuf_put_bytes(&w, "secret", 6), BUF_OK);
	wbuf_free_secret(&w);
	assert_null(w.p);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.cap, 0);
	assert_int_equal(w.limit, 32);
	wbuf_free_secret(&w); /* on an empty wbuf */
	assert_null(w.p);
}

static void wbuf_put_bytes_zero_on_empty(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 4);
	assert_int_equal(wbuf_put_bytes(&w, NULL, 0), BUF_OK);
	assert_int_equal(w.len, 0);
	wbuf_free(&w);
}

/* A NULL view is explicitly allowed by rbuf_init (len forced to 0), so the
 * getters must handle it without undefined behaviour (UBSan: NULL + 0,
 * NULL passed to memchr). */
static void rbuf_null_view_getters(void **state)
{
	(void)state;
	struct rbuf b;
	const uint8_t sentinel = 0;
	const uint8_t *p = &sentinel;
	size_t n = 99;
	rbuf_init(&b, NULL, 0);
	assert_int_equal(rbuf_get_until(&b, 0, &p, &n), BUF_EINVAL);
	assert_ptr_equal(p, &sentinel);
	assert_int_equal(n, 99);
	assert_int_equal(rbuf_get_ptr(&b, &p, 0), BUF_OK);
	assert_int_equal(b.off, 0);
}

/* Zero bytes of zeros into a fresh wbuf (p == NULL): no-op, no UB. */
static void wbuf_put_zeros_zero_on_empty(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 4);
	assert_int_equal(wbuf_put_zeros(&w, 0), BUF_OK);
	assert_int_equal(w.len, 0);
	wbuf_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rbuf_init_sets_fields),
		cmocka_unit_test(rbuf_init_null_has_no_bytes),
		cmocka_unit_test(rbuf_u32_exact),
		cmocka_unit_test(rbuf_u32_two_in_a_row),
		cmocka_unit_test(rbuf_u32_one_short),
		cmocka_unit_test(rbuf_u32_one_short_after_skip),
		cmocka_unit_test(rbuf_bytes_exact),
		cmocka_unit_test(rbuf_bytes_one_short),
		cmocka_unit_test(rbuf_bytes_zero),
		cmocka_unit_test(rbuf_ptr_exact),
		cmocka_unit_test(rbuf_ptr_one_short),
		cmocka_unit_test(rbuf_skip_exact_and_short),
		cmocka_unit_test(rbuf_skip_huge),
		cmocka_unit_test(rbuf_cur_tracks_offset),
		cmocka_unit_test(rbuf_until_found_middle),
		cmocka_unit_test(rbuf_until_found_first),
		cmocka_unit_test(rbuf_until_found_last),
		cmocka_unit_test(rbuf_until_missing),
		cmocka_unit_test(rbuf_until_empty_view),
		cmocka_unit_test(rbuf_until_successive),
		cmocka_unit_test(rbuf_until_ignores_bytes_before_offset),
		cmocka_unit_test(le32_helpers),
		cmocka_unit_test(wbuf_init_fields),
		cmocka_unit_test(wbuf_put_u32_le_bytes),
		cmocka_unit_test(wbuf_limit_exact_then_one_more),
		cmocka_unit_test(wbuf_limit_plus_one_at_once),
		cmocka_unit_test(wbuf_limit_u32),
		cmocka_unit_test(wbuf_limit_zero),
		cmocka_unit_test(wbuf_reserve_overflow),
		cmocka_unit_test(wbuf_growth_keeps_contents),
		cmocka_unit_test(wbuf_cap_clamped_to_limit),
		cmocka_unit_test(wbuf_put_zeros_appends),
		cmocka_unit_test(wbuf_put_zeros_overwrites_old_bytes),
		cmocka_unit_test(wbuf_fixed_str_fits),
		cmocka_unit_test(wbuf_fixed_str_width_minus_one),
		cmocka_unit_test(wbuf_fixed_str_exact_width_no_fit),
		cmocka_unit_test(wbuf_fixed_str_empty),
		cmocka_unit_test(wbuf_fixed_str_over_limit),
		cmocka_unit_test(wbuf_fixed_str_pads_over_old_bytes),
		cmocka_unit_test(wbuf_consume_partial),
		cmocka_unit_test(wbuf_consume_zero),
		cmocka_unit_test(wbuf_consume_all_and_more),
		cmocka_unit_test(wbuf_consume_frees_room_under_limit),
		cmocka_unit_test(wbuf_reset_keeps_storage),
		cmocka_unit_test(wbuf_free_resets_keeps_limit),
		cmocka_unit_test(wbuf_free_secret_resets),
		cmocka_unit_test(wbuf_put_bytes_zero_on_empty),
		cmocka_unit_test(rbuf_null_view_getters),
		cmocka_unit_test(wbuf_put_zeros_zero_on_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
