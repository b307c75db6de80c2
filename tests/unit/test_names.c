/* test_names: unit tests for lib/names (qrexec name rules): sanitizing to
 * '_', request-id syntax (the cases of upstream's daemon socket tests),
 * trigger service names, VM domain names and dom0 target aliases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/names.h"

/* ---- names_sanitize ---- */

static void sanitize_keeps_base_chars(void **state)
{
	(void)state;
	char s[] = "abcXYZ019_.-";
	names_sanitize(s, NULL);
	assert_string_equal(s, "abcXYZ019_.-");
}

static void sanitize_replaces_without_extras(void **state)
{
	(void)state;
	char s[] = "a b/c+d@e:f$g";
	names_sanitize(s, NULL);
	assert_string_equal(s, "a_b_c_d_e_f_g");
}

static void sanitize_empty_extra_is_like_null(void **state)
{
	(void)state;
	char s[] = "a+b@c";
	names_sanitize(s, "");
	assert_string_equal(s, "a_b_c");
}

static void sanitize_extra_plus(void **state)
{
	(void)state;
	char s[] = "svc+arg/x@y";
	names_sanitize(s, "+");
	assert_string_equal(s, "svc+arg_x_y");
}

static void sanitize_extra_at_colon(void **state)
{
	(void)state;
	char s[] = "@dispvm:foo+bar$";
	names_sanitize(s, "@:");
	assert_string_equal(s, "@dispvm:foo_bar_");
}

static void sanitize_high_and_control_bytes(void **state)
{
	(void)state;
	char s[] = "\x80\xff\t\n\x1b\x7f" "a";
	names_sanitize(s, "+@:");
	assert_string_equal(s, "______a");
}

static void sanitize_empty_string(void **state)
{
	(void)state;
	char s[4] = {0, '$', '$', 0};
	names_sanitize(s, NULL);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[1], '$'); /* nothing after the NUL is touched */
}

static void sanitize_stops_at_nul(void **state)
{
	(void)state;
	char s[] = {'a', '$', 0, '$', 'b', 0};
	names_sanitize(s, NULL);
	static const char want[] = {'a', '_', 0, '$', 'b', 0};
	assert_memory_equal(s, want, sizeof want);
}

/* ---- names_valid_request_id ---- */

static void ident_from(uint8_t out[QREXEC_IDENT_LEN], const void *p, size_t n)
{
	memset(out, 0, QREXEC_IDENT_LEN);
	memcpy(out, p, n);
}

static void reqid_bad_control_bytes(void **state)
{
	(void)state;
	uint8_t id[QREXEC_IDENT_LEN];
	ident_from(id, "\1\2\3", 3);
	assert_false(names_valid_request_id(id));
}

static void reqid_empty_ok(void **state)
{
	(void)state;
	uint8_t id[QREXEC_IDENT_LEN];
	ident_from(id, "", 0);
	assert_true(names_valid_request_id(id));
}

static void reqid_byte_after_nul_bad(void **state)
{
	(void)state;
	uint8_t id[QREXEC_IDENT_LEN];
	ident_from(id, "a\0b", 3);
	assert_false(names_valid_request_id(id));
}

static void reqid_byte_at_end_after_nul_bad(void **state)
{
	(void)state;
	uint8_t id[QREXEC_IDENT_LEN];
	ident_from(id, "SOCKET1", 7);
	id[31] = 'x';
	assert_false(names_valid_request_id(id));
	id[31] = 0xff;
	assert_false(names_valid_request_id(id));
}

static void reqid_full_32_without_nul_ok(void **state)
{
	(void)state;
	uint8_t id[QREXEC_IDENT_LEN];
	memcpy(id, "0123456789abcdefghijABCDEFGHIJ_.", 32);
	assert_true(names_valid_request_id(id));
}

static void reqid_31_then_nul_ok(void **state)
{
	(void)state;
	uint8_t id[QREXEC_IDENT_LEN];
	memset(id, 'z', 31);
	id[31] = 0;
	assert_true(names_valid_request_id(id));
}

static void reqid_space_allowed(void **state)
{
	(void)state;
	uint8_t id[QREXEC_IDENT_LEN];
	ident_from(id, "a b", 3);
	assert_true(names_valid_request_id(id));
	ident_from(id, " ", 1);
	assert_true(names_valid_request_id(id));
}

static void reqid_typical(void **state)
{
	(void)state;
	uint8_t id[QREXEC_IDENT_LEN];
	ident_from(id, "SOCKET42", 8);
	assert_true(names_valid_request_id(id));
	ident_from(id, "ab", 2);
	assert_true(names_valid_request_id(id));
	ident_from(id, "a-b_c.d", 7);
	assert_true(names_valid_request_id(id));
}

static void reqid_bad_chars(void **state)
{
	(void)state;
	static const char bad[] = "+@:/$\t\n\x7f\x80\xff";
	uint8_t id[QREXEC_IDENT_LEN];
	for (size_t i = 0; i < sizeof bad - 1; i++) {
		ident_from(id, "ab", 2);
		id[1] = (uint8_t)bad[i];
		assert_false(names_valid_request_id(id));
	}
}

static void reqid_bad_char_in_last_byte(void **state)
{
	(void)state;
	uint8_t id[QREXEC_IDENT_LEN];
	memset(id, 'a', 32);
	id[31] = '+';
	assert_false(names_valid_request_id(id));
}

/* ---- names_check_service_name ---- */

static void svc_empty_refused(void **state)
{
	(void)state;
	char s[] = "";
	assert_false(names_check_service_name(s));
}

static void svc_plus_first_refused(void **state)
{
	(void)state;
	char a[] = "+x";
	char b[] = "+";
	char c[] = "++";
	assert_false(names_check_service_name(a));
	assert_false(names_check_service_name(b));
	assert_false(names_check_service_name(c));
}

static void svc_valid_unchanged(void **state)
{
	(void)state;
	char s[] = "qubes.Service+arg-1_2.x";
	assert_true(names_check_service_name(s));
	assert_string_equal(s, "qubes.Service+arg-1_2.x");
}

static void svc_bad_bytes_sanitized(void **state)
{
	(void)state;
	char s[] = "svc+a/b c@d:e$f\xff";
	assert_true(names_check_service_name(s));
	assert_string_equal(s, "svc+a_b_c_d_e_f_");
}

static void svc_bad_first_byte_sanitized_not_refused(void **state)
{
	(void)state;
	char s[] = "$svc";
	assert_true(names_check_service_name(s));
	assert_string_equal(s, "_svc");
}

static void svc_dash_first_ok(void **state)
{
	(void)state;
	char s[] = "-svc";
	assert_true(names_check_service_name(s));
	assert_string_equal(s, "-svc");
}

static void svc_trailing_plus_ok(void **state)
{
	(void)state;
	char s[] = "svc++";
	assert_true(names_check_service_name(s));
	assert_string_equal(s, "svc++");
}

/* ---- names_valid_domain_name ---- */

#define DN(s) names_valid_domain_name((s), strlen(s))

static void dom_simple_ok(void **state)
{
	(void)state;
	assert_true(DN("work"));
	assert_true(DN("a"));
	assert_true(DN("Z"));
	assert_true(DN("sys-net"));
	assert_true(DN("a-b_c.d9"));
	assert_true(DN("dom0"));
}

static void dom_empty_bad(void **state)
{
	(void)state;
	assert_false(DN(""));
	assert_false(names_valid_domain_name("work", 0));
}

static void dom_length_31_ok_32_bad(void **state)
{
	(void)state;
	char s[40];
	memset(s, 'a', sizeof s);
	assert_true(names_valid_domain_name(s, 31));
	assert_false(names_valid_domain_name(s, 32));
	assert_false(names_valid_domain_name(s, 40));
}

static void dom_bad_first_char(void **state)
{
	(void)state;
	assert_false(DN("1abc"));
	assert_false(DN("_abc"));
	assert_false(DN("-abc"));
	assert_false(DN(".abc"));
	assert_false(DN("@dispvm"));
	assert_false(DN("\xc3\xa9t\xc3\xa9"));
}

static void dom_bad_inner_chars(void **state)
{
	(void)state;
	assert_false(DN("a b"));
	assert_false(DN("a@b"));
	assert_false(DN("a:b"));
	assert_false(DN("a+b"));
	assert_false(DN("a/b"));
	assert_false(DN("ab\n"));
	assert_false(DN("a\x7f"));
}

static void dom_reserved_words(void **state)
{
	(void)state;
	assert_false(DN("none"));
	assert_false(DN("default"));
	/* case-sensitive and exact, as upstream's validate_name */
	assert_true(DN("None"));
	assert_true(DN("Default"));
	assert_true(DN("non"));
	assert_true(DN("nonex"));
	assert_true(DN("defaults"));
}

/* Qubes also refuses "Domain-0" and any name ending in "-dm" (reserved for
 * Xen device-model stubdomains; research/admin-api.md 3.2, core-admin
 * validate_name). */
static void dom_reserved_domain0(void **state)
{
	(void)state;
	assert_false(DN("Domain-0"));
	assert_true(DN("Domain-1"));
	assert_true(DN("domain-0"));
}

static void dom_reserved_dm_suffix(void **state)
{
	(void)state;
	assert_false(DN("sys-usb-dm"));
	assert_false(DN("a-dm"));
	assert_true(DN("dm"));
	assert_true(DN("a-dmx"));
	assert_true(DN("a_dm"));
}

static void dom_len_bounds_input(void **state)
{
	(void)state;
	/* only the first len bytes count */
	assert_true(names_valid_domain_name("work$$$", 4));
	assert_false(names_valid_domain_name("nonesuch", 4));
	/* an embedded NUL within len is a bad byte */
	assert_false(names_valid_domain_name("wo\0rk", 5));
}

/* ---- names_target_is_dom0 ---- */

static void dom0_aliases(void **state)
{
	(void)state;
	assert_true(names_target_is_dom0("dom0"));
	assert_true(names_target_is_dom0("@adminvm"));
	assert_true(names_target_is_dom0("uuid:00000000-0000-0000-0000-000000000000"));
}

static void dom0_near_misses(void **state)
{
	(void)state;
	assert_false(names_target_is_dom0(""));
	assert_false(names_target_is_dom0("dom0 "));
	assert_false(names_target_is_dom0("Dom0"));
	assert_false(names_target_is_dom0("dom01"));
	assert_false(names_target_is_dom0("dom"));
	assert_false(names_target_is_dom0("adminvm"));
	assert_false(names_target_is_dom0("@adminvm2"));
	assert_false(names_target_is_dom0("@default"));
	assert_false(names_target_is_dom0("uuid:00000000-0000-0000-0000-000000000001"));
	assert_false(names_target_is_dom0("uuid:00000000-0000-0000-0000-00000000000"));
	assert_false(names_target_is_dom0("work"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sanitize_keeps_base_chars),
		cmocka_unit_test(sanitize_replaces_without_extras),
		cmocka_unit_test(sanitize_empty_extra_is_like_null),
		cmocka_unit_test(sanitize_extra_plus),
		cmocka_unit_test(sanitize_extra_at_colon),
		cmocka_unit_test(sanitize_high_and_control_bytes),
		cmocka_unit_test(sanitize_empty_string),
		cmocka_unit_test(sanitize_stops_at_nul),
		cmocka_unit_test(reqid_bad_control_bytes),
		cmocka_unit_test(reqid_empty_ok),
		cmocka_unit_test(reqid_byte_after_nul_bad),
		cmocka_unit_test(reqid_byte_at_end_after_nul_bad),
		cmocka_unit_test(reqid_full_32_without_nul_ok),
		cmocka_unit_test(reqid_31_then_nul_ok),
		cmocka_unit_test(reqid_space_allowed),
		cmocka_unit_test(reqid_typical),
		cmocka_unit_test(reqid_bad_chars),
		cmocka_unit_test(reqid_bad_char_in_last_byte),
		cmocka_unit_test(svc_empty_refused),
		cmocka_unit_test(svc_plus_first_refused),
		cmocka_unit_test(svc_valid_unchanged),
		cmocka_unit_test(svc_bad_bytes_sanitized),
		cmocka_unit_test(svc_bad_first_byte_sanitized_not_refused),
		cmocka_unit_test(svc_dash_first_ok),
		cmocka_unit_test(svc_trailing_plus_ok),
		cmocka_unit_test(dom_simple_ok),
		cmocka_unit_test(dom_empty_bad),
		cmocka_unit_test(dom_length_31_ok_32_bad),
		cmocka_unit_test(dom_bad_first_char),
		cmocka_unit_test(dom_bad_inner_chars),
		cmocka_unit_test(dom_reserved_words),
		cmocka_unit_test(dom_reserved_domain0),
		cmocka_unit_test(dom_reserved_dm_suffix),
		cmocka_unit_test(dom_len_bounds_input),
		cmocka_unit_test(dom0_aliases),
		cmocka_unit_test(dom0_near_misses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
