/* test_filter: unit tests for qrexec/filter (terminal escape filtering of
 * remote output): printable ASCII and \t \n \r \b \a are kept, every other
 * byte (other controls, DEL, 0x80..0xff) becomes '_'. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "qrexec/filter.h"

static uint8_t filter1(uint8_t c)
{
	uint8_t b[3] = {'x', c, 'y'};
	filter_escape_chars(b + 1, 1);
	assert_int_equal(b[0], 'x');
	assert_int_equal(b[2], 'y');
	return b[1];
}

static void kept_tab(void **state) { (void)state; assert_int_equal(filter1('\t'), '\t'); }
static void kept_newline(void **state) { (void)state; assert_int_equal(filter1('\n'), '\n'); }
static void kept_cr(void **state) { (void)state; assert_int_equal(filter1('\r'), '\r'); }
static void kept_backspace(void **state) { (void)state; assert_int_equal(filter1('\b'), '\b'); }
static void kept_bell(void **state) { (void)state; assert_int_equal(filter1('\a'), '\a'); }

static void replaced_nul(void **state) { (void)state; assert_int_equal(filter1(0x00), '_'); }
static void replaced_esc(void **state) { (void)state; assert_int_equal(filter1(0x1b), '_'); }
static void replaced_vt_ff(void **state)
{
	(void)state;
	assert_int_equal(filter1(0x0b), '_');
	assert_int_equal(filter1(0x0c), '_');
}
static void replaced_del(void **state) { (void)state; assert_int_equal(filter1(0x7f), '_'); }
static void replaced_ff_byte(void **state) { (void)state; assert_int_equal(filter1(0xff), '_'); }
static void replaced_c1_csi(void **state)
{
	(void)state;
	assert_int_equal(filter1(0x80), '_');
	assert_int_equal(filter1(0x9b), '_');
	assert_int_equal(filter1(0x9d), '_');
}

static void every_other_control_replaced(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 0x20; c++) {
		if (c == '\t' || c == '\n' || c == '\r' || c == '\b' || c == '\a')
			continue;
		assert_int_equal(filter1((uint8_t)c), '_');
	}
}

static void every_high_byte_replaced(void **state)
{
	(void)state;
	for (unsigned c = 0x80; c <= 0xff; c++)
		assert_int_equal(filter1((uint8_t)c), '_');
}

static void printable_unchanged(void **state)
{
	(void)state;
	for (unsigned c = 0x20; c <= 0x7e; c++)
		assert_int_equal(filter1((uint8_t)c), c);
}

static void full_table(void **state)
{
	(void)state;
	uint8_t b[256], want[256];
	for (unsigned i = 0; i < 256; i++) {
		b[i] = (uint8_t)i;
		bool keep = (i >= 0x20 && i <= 0x7e) || i == 7 || i == 8 || i == 9 ||
			    i == 10 || i == 13;
		want[i] = keep ? (uint8_t)i : '_';
	}
	filter_escape_chars(b, sizeof b);
	assert_memory_equal(b, want, sizeof b);
}

static void ansi_sequence(void **state)
{
	(void)state;
	uint8_t b[] = "\x1b]0;title\x07\x1b[31mred\x1b[0m\r\n";
	filter_escape_chars(b, sizeof b - 1);
	assert_string_equal((char *)b, "_]0;title\a_[31mred_[0m\r\n");
}

static void zero_length_and_bounds(void **state)
{
	(void)state;
	uint8_t b[4] = {0x1b, 0x1b, 0x1b, 0x1b};
	filter_escape_chars(b, 0);
	assert_int_equal(b[0], 0x1b);
	filter_escape_chars(b + 1, 2);
	assert_int_equal(b[0], 0x1b);
	assert_int_equal(b[1], '_');
	assert_int_equal(b[2], '_');
	assert_int_equal(b[3], 0x1b);
	filter_escape_chars(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kept_tab),
		cmocka_unit_test(kept_newline),
		cmocka_unit_test(kept_cr),
		cmocka_unit_test(kept_backspace),
		cmocka_unit_test(kept_bell),
		cmocka_unit_test(replaced_nul),
		cmocka_unit_test(replaced_esc),
		cmocka_unit_test(replaced_vt_ff),
		cmocka_unit_test(replaced_del),
		cmocka_unit_test(replaced_ff_byte),
		cmocka_unit_test(replaced_c1_csi),
		cmocka_unit_test(every_other_control_replaced),
		cmocka_unit_test(every_high_byte_replaced),
		cmocka_unit_test(printable_unchanged),
		cmocka_unit_test(full_table),
		cmocka_unit_test(ansi_sequence),
		cmocka_unit_test(zero_length_and_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
