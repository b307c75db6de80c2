/* test_proto: unit tests for qrexec/proto (wire messages): header and
 * fixed-size bodies, exec_params, the TRIGGER_SERVICE/3/4 validation of
 * upstream qrexec-daemon (incl. QSB-089 lengths and the name cases of
 * upstream's test_bad_old_style_request / test_bad_new_style_request),
 * byte-exact encoders, and the data-link header check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "qrexec/proto.h"

/* A string literal with its length, embedded NULs included. */
#define B(s) (s), (sizeof(s) - 1)

static void field(uint8_t *dst, size_t width, const void *s, size_t n)
{
	memset(dst, 0, width);
	memcpy(dst, s, n < width ? n : width);
}

/* TRIGGER_SERVICE body: service_name[64], target_domain[32], request_id[32]. */
static void mk_v2(uint8_t out[TRIGGER_V2_LEN], const void *svc, size_t sl,
		  const char *tgt, const void *id, size_t il)
{
	field(out, 64, svc, sl);
	field(out + 64, 32, tgt, strlen(tgt));
	field(out + 96, 32, id, il);
}

/* TRIGGER_SERVICE3/4 body; `name` is appended raw (callers add the NUL). */
static uint8_t *mk_v34(uint32_t type, const char *src, const char *tgt,
		       const void *id, size_t il, const void *name, size_t nl,
		       size_t *len)
{
	size_t head = type == MSG_TRIGGER_SERVICE4 ? TRIGGER_V4_HDR : TRIGGER_V3_HDR;
	uint8_t *b = malloc(head + nl + 1);
	assert_non_null(b);
	uint8_t *p = b;
	if (type == MSG_TRIGGER_SERVICE4) {
		field(p, 64, src, strlen(src));
		p += 64;
	}
	field(p, 64, tgt, strlen(tgt));
	field(p + 64, 32, id, il);
	if (nl)
		memcpy(b + head, name, nl);
	*len = head + nl;
	return b;
}

static void assert_ident(const struct trigger *t, const void *id, size_t il)
{
	uint8_t want[QREXEC_IDENT_LEN];
	field(want, QREXEC_IDENT_LEN, id, il);
	assert_memory_equal(t->ident, want, QREXEC_IDENT_LEN);
}

/* ---- header ---- */

static void hdr_encode_bytes(void **state)
{
	(void)state;
	uint8_t out[8];
	static const uint8_t want[8] = {0x13, 0x02, 0, 0, 0x04, 0x03, 0x02, 0x01};
	proto_hdr_encode(out, MSG_TRIGGER_SERVICE4, 0x01020304u);
	assert_memory_equal(out, want, 8);
}

static void hdr_round_trip(void **state)
{
	(void)state;
	static const uint32_t vals[][2] = {
		{0, 0}, {MSG_HELLO, 4}, {0xffffffffu, 0xffffffffu}, {0x80000000u, 1}};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		uint8_t out[8];
		struct qrexec_hdr h = {1, 1};
		proto_hdr_encode(out, vals[i][0], vals[i][1]);
		proto_hdr_decode(out, &h);
		assert_int_equal(h.type, vals[i][0]);
		assert_int_equal(h.len, vals[i][1]);
	}
}

static void hdr_decode_le(void **state)
{
	(void)state;
	static const uint8_t in[8] = {0x00, 0x03, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00};
	struct qrexec_hdr h;
	proto_hdr_decode(in, &h);
	assert_int_equal(h.type, MSG_HELLO);
	assert_int_equal(h.len, 4);
}

static void chunk_max_by_version(void **state)
{
	(void)state;
	assert_int_equal(proto_data_chunk_max(2), 4096);
	assert_int_equal(proto_data_chunk_max(3), 65536);
	assert_int_equal(proto_data_chunk_max(4), 65536);
	assert_int_equal(proto_data_chunk_max(1), 4096);
}

static void type_names(void **state)
{
	(void)state;
	assert_string_equal(proto_type_name(MSG_HELLO), "HELLO");
	assert_string_equal(proto_type_name(MSG_TRIGGER_SERVICE4), "TRIGGER_SERVICE4");
	assert_string_equal(proto_type_name(MSG_DATA_EXIT_CODE), "DATA_EXIT_CODE");
	assert_string_equal(proto_type_name(MSG_SERVICE_REFUSED), "SERVICE_REFUSED");
	assert_string_equal(proto_type_name(0x1234), "unknown");
}

/* ---- HELLO ---- */

static void hello_ok(void **state)
{
	(void)state;
	static const uint8_t body[4] = {4, 0, 0, 0};
	struct qrexec_hdr h = {MSG_HELLO, 4};
	uint32_t v = 0;
	assert_int_equal(proto_hello_decode(&h, body, &v), PROTO_OK);
	assert_int_equal(v, 4);
}

static void hello_bad_len_fatal(void **state)
{
	(void)state;
	static const uint8_t body[8] = {3, 0, 0, 0, 0, 0, 0, 0};
	static const uint32_t lens[] = {0, 3, 5, 8, 0xffffffffu};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		struct qrexec_hdr h = {MSG_HELLO, lens[i]};
		uint32_t v = 77;
		assert_int_equal(proto_hello_decode(&h, body, &v), PROTO_EFATAL);
		assert_int_equal(v, 77);
	}
}

static void hello_wrong_type_fatal(void **state)
{
	(void)state;
	static const uint8_t body[4] = {3, 0, 0, 0};
	struct qrexec_hdr h = {MSG_DATA_STDIN, 4};
	uint32_t v = 77;
	assert_int_equal(proto_hello_decode(&h, body, &v), PROTO_EFATAL);
	assert_int_equal(v, 77);
}

static void hello_encode_bytes(void **state)
{
	(void)state;
	static const uint8_t want[12] = {0x00, 0x03, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0};
	struct wbuf w;
	wbuf_init(&w, 64);
	assert_int_equal(proto_put_hello(&w, 3), 0);
	assert_int_equal(w.len, 12);
	assert_memory_equal(w.p, want, 12);
	wbuf_free(&w);
}

static void hello_encode_limit(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 11);
	assert_int_equal(proto_put_hello(&w, 3), BUF_ELIMIT);
	wbuf_free(&w);
}

/* ---- exec_params ---- */

static void exec_params_short_fatal(void **state)
{
	(void)state;
	static const uint8_t body[8] = {1, 0, 0, 0, 2, 0, 0, 0};
	struct exec_params ep;
	for (size_t len = 0; len < 8; len++)
		assert_int_equal(proto_exec_params_decode(body, len, &ep), PROTO_EFATAL);
	assert_int_equal(proto_exec_params_decode(NULL, 0, &ep), PROTO_EFATAL);
}

static void exec_params_len8_empty_cmd(void **state)
{
	(void)state;
	static const uint8_t body[8] = {0x2a, 0, 0, 0, 0x01, 0x02, 0, 0};
	struct exec_params ep;
	memset(&ep, 0xcc, sizeof ep);
	assert_int_equal(proto_exec_params_decode(body, 8, &ep), PROTO_OK);
	assert_int_equal(ep.connect_domain, 42);
	assert_int_equal(ep.connect_port, 513);
	assert_int_equal(ep.cmd_len, 0);
	assert_ptr_equal(ep.cmd, body + 8);
}

static void exec_params_with_cmd(void **state)
{
	(void)state;
	static const uint8_t body[] = {0, 0, 0, 0, 0x05, 0x02, 0, 0,
				       'u', 's', 'e', 'r', ':', 'l', 's', 0};
	struct exec_params ep;
	assert_int_equal(proto_exec_params_decode(body, sizeof body, &ep), PROTO_OK);
	assert_int_equal(ep.connect_domain, 0);
	assert_int_equal(ep.connect_port, 517);
	assert_int_equal(ep.cmd_len, 8);
	assert_ptr_equal(ep.cmd, body + 8);
	assert_memory_equal(ep.cmd, "user:ls", 8);
}

static void exec_params_encode_bytes(void **state)
{
	(void)state;
	static const uint8_t want[] = {0x00, 0x02, 0, 0, 18, 0, 0, 0,
				       7, 0, 0, 0, 0x01, 0x02, 0, 0,
				       'u', 's', 'e', 'r', ':', 't', 'r', 'u', 'e', 0};
	struct wbuf w;
	wbuf_init(&w, 1024);
	assert_int_equal(proto_put_exec_params(&w, MSG_EXEC_CMDLINE, 7, 513,
					       "user:true", 10), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(w.p, want, sizeof want);
	wbuf_free(&w);
}

static void exec_params_round_trip(void **state)
{
	(void)state;
	struct wbuf w;
	struct qrexec_hdr h;
	struct exec_params ep;
	wbuf_init(&w, 1024);
	assert_int_equal(proto_put_exec_params(&w, MSG_SERVICE_CONNECT, 0xfffffffeu,
					       768, "SOCKET9", 8), 0);
	proto_hdr_decode(w.p, &h);
	assert_int_equal(h.type, MSG_SERVICE_CONNECT);
	assert_int_equal(h.len, 16);
	assert_int_equal(w.len, 8 + h.len);
	assert_int_equal(proto_exec_params_decode(w.p + 8, h.len, &ep), PROTO_OK);
	assert_int_equal(ep.connect_domain, 0xfffffffeu);
	assert_int_equal(ep.connect_port, 768);
	assert_int_equal(ep.cmd_len, 8);
	assert_memory_equal(ep.cmd, "SOCKET9", 8);
	wbuf_free(&w);
}

static void exec_params_encode_empty_cmd(void **state)
{
	(void)state;
	static const uint8_t want[] = {0x11, 0x02, 0, 0, 8, 0, 0, 0,
				       1, 0, 0, 0, 2, 0, 0, 0};
	struct wbuf w;
	wbuf_init(&w, 64);
	assert_int_equal(proto_put_exec_params(&w, MSG_CONNECTION_TERMINATED, 1, 2,
					       NULL, 0), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(w.p, want, sizeof want);
	wbuf_free(&w);
}

static void exec_params_encode_limit(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 17);
	assert_int_equal(proto_put_exec_params(&w, MSG_EXEC_CMDLINE, 0, 0, "ab", 2),
			 BUF_ELIMIT);
	wbuf_free(&w);
	wbuf_init(&w, 18);
	assert_int_equal(proto_put_exec_params(&w, MSG_EXEC_CMDLINE, 0, 0, "ab", 2), 0);
	assert_int_equal(w.len, 18);
	wbuf_free(&w);
}

/* ---- TRIGGER_SERVICE (v2) ---- */

static void v2_ok(void **state)
{
	(void)state;
	uint8_t b[TRIGGER_V2_LEN];
	struct trigger t;
	mk_v2(b, B("qubes.Filecopy+x"), "work", B("SOCKET7"));
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 2, b, sizeof b, &t),
			 PROTO_OK);
	assert_non_null(t.service);
	assert_string_equal(t.service, "qubes.Filecopy+x");
	assert_string_equal(t.target, "work");
	assert_string_equal(t.source, "");
	assert_ident(&t, B("SOCKET7"));
	trigger_free(&t);
	assert_null(t.service);
}

static void v2_wrong_length_fatal(void **state)
{
	(void)state;
	uint8_t b[TRIGGER_V2_LEN + 1];
	struct trigger t;
	mk_v2(b, B("svc"), "work", B("ab"));
	b[TRIGGER_V2_LEN] = 0;
	static const size_t lens[] = {0, 1, 96, 127, 129};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 2, b,
						      lens[i], &t), PROTO_EFATAL);
		assert_null(t.service);
	}
}

static void v2_with_version_3_or_4_fatal(void **state)
{
	(void)state;
	uint8_t b[TRIGGER_V2_LEN];
	struct trigger t;
	mk_v2(b, B("svc"), "work", B("ab"));
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 3, b, sizeof b, &t),
			 PROTO_EFATAL);
	assert_null(t.service);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 4, b, sizeof b, &t),
			 PROTO_EFATAL);
	assert_null(t.service);
}

/* upstream test_bad_old_style_request: every one refused, ident echoed */
static void v2_bad_name(const void *name, size_t nl)
{
	uint8_t b[TRIGGER_V2_LEN];
	struct trigger t;
	mk_v2(b, name, nl, "target_domain", B("ab"));
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 2, b, sizeof b, &t),
			 PROTO_EREFUSE);
	assert_null(t.service);
	assert_ident(&t, B("ab"));
}

static void v2_name_nul(void **state) { (void)state; v2_bad_name(B("\0")); }
static void v2_name_empty(void **state) { (void)state; v2_bad_name(B("")); }
static void v2_name_nul_a(void **state) { (void)state; v2_bad_name(B("\0a")); }
static void v2_name_nul_plus_a(void **state) { (void)state; v2_bad_name(B("\0+a")); }
static void v2_name_plus(void **state) { (void)state; v2_bad_name(B("+")); }
static void v2_name_plus_a(void **state) { (void)state; v2_bad_name(B("+a")); }

static void v2_service_64_without_nul_truncated(void **state)
{
	(void)state;
	uint8_t b[TRIGGER_V2_LEN];
	char name[64];
	struct trigger t;
	memset(name, 'a', sizeof name);
	mk_v2(b, name, 64, "work", B("ab"));
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 2, b, sizeof b, &t),
			 PROTO_OK);
	assert_int_equal(strlen(t.service), 63);
	assert_memory_equal(t.service, name, 63);
	trigger_free(&t);
}

static void v2_target_32_without_nul_truncated(void **state)
{
	(void)state;
	uint8_t b[TRIGGER_V2_LEN];
	struct trigger t;
	mk_v2(b, B("svc"), "", B("ab"));
	memset(b + 64, 'y', 32);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 2, b, sizeof b, &t),
			 PROTO_OK);
	assert_int_equal(strlen(t.target), 31);
	assert_int_equal(t.target[0], 'y');
	assert_int_equal(t.target[30], 'y');
	trigger_free(&t);
}

static void v2_sanitizes_target_and_service(void **state)
{
	(void)state;
	uint8_t b[TRIGGER_V2_LEN];
	struct trigger t;
	mk_v2(b, B("svc+a/b c\xff"), "a b/c@d:e$", B("ab"));
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 2, b, sizeof b, &t),
			 PROTO_OK);
	assert_string_equal(t.service, "svc+a_b_c_");
	assert_string_equal(t.target, "a_b_c@d:e_");
	trigger_free(&t);
}

static void v2_bad_ident_refused_raw(void **state)
{
	(void)state;
	uint8_t b[TRIGGER_V2_LEN];
	struct trigger t;
	mk_v2(b, B("svc"), "work", B("\1\2\3"));
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 2, b, sizeof b, &t),
			 PROTO_EREFUSE);
	assert_null(t.service);
	assert_ident(&t, B("\1\2\3"));
}

static void v2_ident_byte_after_nul_refused(void **state)
{
	(void)state;
	uint8_t b[TRIGGER_V2_LEN];
	struct trigger t;
	mk_v2(b, B("svc"), "work", B("a\0b"));
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 2, b, sizeof b, &t),
			 PROTO_EREFUSE);
	assert_null(t.service);
	assert_ident(&t, B("a\0b"));
}

static void v2_ident_full_32_ok(void **state)
{
	(void)state;
	uint8_t b[TRIGGER_V2_LEN];
	struct trigger t;
	mk_v2(b, B("svc"), "work", B("0123456789abcdef0123456789ABCDEF"));
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE, 2, b, sizeof b, &t),
			 PROTO_OK);
	assert_ident(&t, B("0123456789abcdef0123456789ABCDEF"));
	trigger_free(&t);
}

/* ---- TRIGGER_SERVICE3 / TRIGGER_SERVICE4 ---- */

static void v3_ok(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE3, NULL, "@default", B("SOCKET3"),
			    B("qubes.Gpg+arg\0"), &len);
	assert_int_equal(len, 96 + 14);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, b, len, &t),
			 PROTO_OK);
	assert_string_equal(t.service, "qubes.Gpg+arg");
	assert_string_equal(t.target, "@default");
	assert_string_equal(t.source, "");
	assert_ident(&t, B("SOCKET3"));
	trigger_free(&t);
	free(b);
}

static void v3_ok_with_version_4(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE3, NULL, "work", B("ab"),
			    B("svc\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 4, b, len, &t),
			 PROTO_OK);
	assert_string_equal(t.service, "svc");
	trigger_free(&t);
	free(b);
}

static void v3_with_version_2_fatal(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE3, NULL, "work", B("ab"),
			    B("svc\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 2, b, len, &t),
			 PROTO_EFATAL);
	assert_null(t.service);
	free(b);
}

static void v4_ok(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "sys-usb", "@dispvm:dvm", B("SOCKET11"),
			    B("qubes.Svc\0"), &len);
	assert_int_equal(len, 160 + 10);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, len, &t),
			 PROTO_OK);
	assert_string_equal(t.service, "qubes.Svc");
	assert_string_equal(t.source, "sys-usb");
	assert_string_equal(t.target, "@dispvm:dvm");
	assert_ident(&t, B("SOCKET11"));
	trigger_free(&t);
	free(b);
}

static void v4_with_version_3_fatal(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "a", "b", B("ab"), B("svc\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 3, b, len, &t),
			 PROTO_EFATAL);
	assert_null(t.service);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 2, b, len, &t),
			 PROTO_EFATAL);
	free(b);
}

static void unknown_trigger_type_fatal(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "a", "b", B("ab"), B("svc\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_HELLO, 4, b, len, &t), PROTO_EFATAL);
	assert_int_equal(proto_trigger_decode(MSG_CONNECTION_TERMINATED, 4, b, len, &t),
			 PROTO_EFATAL);
	assert_int_equal(proto_trigger_decode(0x214, 4, b, len, &t), PROTO_EFATAL);
	assert_null(t.service);
	free(b);
}

/* QSB-089: no room for the name's NUL is fatal, not a refusal. */
static void v3_qsb089_header_only_fatal(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE3, NULL, "target_domain", B("ab"),
			    B(""), &len);
	assert_int_equal(len, 96);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, b, 96, &t),
			 PROTO_EFATAL);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, b, 95, &t),
			 PROTO_EFATAL);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, b, 1, &t),
			 PROTO_EFATAL);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, NULL, 0, &t),
			 PROTO_EFATAL);
	assert_null(t.service);
	free(b);
}

static void v4_qsb089_header_only_fatal(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "src", "target_domain", B("ab"),
			    B(""), &len);
	assert_int_equal(len, 160);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, 160, &t),
			 PROTO_EFATAL);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, 159, &t),
			 PROTO_EFATAL);
	/* a v3-sized body (96 bytes) sent as TRIGGER4 */
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, 96, &t),
			 PROTO_EFATAL);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, 0, &t),
			 PROTO_EFATAL);
	assert_null(t.service);
	free(b);
}

static void v3_header_plus_nul_refused(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE3, NULL, "work", B("ab"), B("\0"), &len);
	assert_int_equal(len, 97);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, b, len, &t),
			 PROTO_EREFUSE);
	assert_null(t.service);
	free(b);
}

static void v34_max_name(uint32_t type, size_t name_bytes, int want)
{
	char *name = malloc(name_bytes);
	size_t len;
	struct trigger t;
	assert_non_null(name);
	memset(name, 'a', name_bytes - 1);
	name[name_bytes - 1] = '\0';
	uint8_t *b = mk_v34(type, "src", "dst", B("ab"), name, name_bytes, &len);
	assert_int_equal(proto_trigger_decode(type, 4, b, len, &t), want);
	if (want == PROTO_OK) {
		assert_non_null(t.service);
		assert_int_equal(strlen(t.service), name_bytes - 1);
		trigger_free(&t);
	} else {
		assert_null(t.service);
	}
	free(b);
	free(name);
}

static void v3_name_65000_ok(void **state)
{
	(void)state;
	v34_max_name(MSG_TRIGGER_SERVICE3, 65000, PROTO_OK);
}

static void v3_name_65001_fatal(void **state)
{
	(void)state;
	v34_max_name(MSG_TRIGGER_SERVICE3, 65001, PROTO_EFATAL);
}

static void v4_name_65000_ok(void **state)
{
	(void)state;
	v34_max_name(MSG_TRIGGER_SERVICE4, 65000, PROTO_OK);
}

static void v4_name_65001_fatal(void **state)
{
	(void)state;
	v34_max_name(MSG_TRIGGER_SERVICE4, 65001, PROTO_EFATAL);
}

static void v3_missing_nul_refused(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE3, NULL, "target_domain", B("ab"),
			    B("a"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, b, len, &t),
			 PROTO_EREFUSE);
	assert_null(t.service);
	assert_ident(&t, B("ab"));
	free(b);
}

static void v4_missing_nul_refused(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "src", "target_domain", B("ab"),
			    B("qubes.Svc"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, len, &t),
			 PROTO_EREFUSE);
	assert_null(t.service);
	assert_ident(&t, B("ab"));
	free(b);
}

/* upstream test_bad_new_style_request: name + NUL, every one refused */
static void v34_bad_name(uint32_t type, const void *name, size_t nl)
{
	char *n = malloc(nl + 1);
	size_t len;
	struct trigger t;
	assert_non_null(n);
	memcpy(n, name, nl);
	n[nl] = '\0';
	uint8_t *b = mk_v34(type, "src", "target_domain", B("ab"), n, nl + 1, &len);
	assert_int_equal(proto_trigger_decode(type, 4, b, len, &t), PROTO_EREFUSE);
	assert_null(t.service);
	assert_ident(&t, B("ab"));
	free(b);
	free(n);
}

#define BAD_NAME_TESTS(tag, lit)                                         \
	static void v3_name_##tag(void **state)                          \
	{                                                                \
		(void)state;                                             \
		v34_bad_name(MSG_TRIGGER_SERVICE3, B(lit));              \
	}                                                                \
	static void v4_name_##tag(void **state)                          \
	{                                                                \
		(void)state;                                             \
		v34_bad_name(MSG_TRIGGER_SERVICE4, B(lit));              \
	}

BAD_NAME_TESTS(nul, "\0")
BAD_NAME_TESTS(empty, "")
BAD_NAME_TESTS(a_nul, "a\0")
BAD_NAME_TESTS(nul_a, "\0a")
BAD_NAME_TESTS(nul_plus_a, "\0+a")
BAD_NAME_TESTS(plus, "+")
BAD_NAME_TESTS(plus_a, "+a")
BAD_NAME_TESTS(a_nul_a, "a\0a")

static void v3_sanitizes_target_and_service(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE3, NULL, "a b/c@d:e$\x80", B("ab"),
			    B("qubes.Svc+a/b c@d\x01\xff\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, b, len, &t),
			 PROTO_OK);
	assert_string_equal(t.target, "a_b_c@d:e__");
	assert_string_equal(t.service, "qubes.Svc+a_b_c_d__");
	trigger_free(&t);
	free(b);
}

static void v4_sanitizes_source(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "src;rm -rf", "@adminvm", B("ab"),
			    B("svc\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, len, &t),
			 PROTO_OK);
	assert_string_equal(t.source, "src_rm_-rf");
	assert_string_equal(t.target, "@adminvm");
	trigger_free(&t);
	free(b);
}

static void v4_domains_64_without_nul_truncated(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "", "", B("ab"), B("svc\0"), &len);
	memset(b, 's', 64);
	memset(b + 64, 't', 64);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, len, &t),
			 PROTO_OK);
	assert_int_equal(strlen(t.source), 63);
	assert_int_equal(strlen(t.target), 63);
	assert_int_equal(t.source[62], 's');
	assert_int_equal(t.target[62], 't');
	trigger_free(&t);
	free(b);
}

static void v3_target_bytes_after_nul_ignored(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE3, NULL, "", B("ab"), B("svc\0"), &len);
	memcpy(b, "vm\0$$junk", 9);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, b, len, &t),
			 PROTO_OK);
	assert_string_equal(t.target, "vm");
	trigger_free(&t);
	free(b);
}

static void v3_bad_ident_refused_raw(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE3, NULL, "work", B("\1\2\3"),
			    B("svc\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE3, 3, b, len, &t),
			 PROTO_EREFUSE);
	assert_null(t.service);
	assert_ident(&t, B("\1\2\3"));
	free(b);
}

static void v4_ident_byte_after_nul_refused_raw(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "src", "work", B("a\0b"),
			    B("svc\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, len, &t),
			 PROTO_EREFUSE);
	assert_null(t.service);
	assert_ident(&t, B("a\0b"));
	free(b);
}

static void v4_ident_kept_raw_full_32(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "src", "work",
			    B("SOCKET 1.2-3_4 abcdefghijklmnopq"), B("svc\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, len, &t),
			 PROTO_OK);
	assert_ident(&t, B("SOCKET 1.2-3_4 abcdefghijklmnopq"));
	trigger_free(&t);
	free(b);
}

static void v4_empty_ident_ok(void **state)
{
	(void)state;
	size_t len;
	struct trigger t;
	uint8_t *b = mk_v34(MSG_TRIGGER_SERVICE4, "src", "work", B(""), B("svc\0"), &len);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, b, len, &t),
			 PROTO_OK);
	assert_ident(&t, B(""));
	trigger_free(&t);
	free(b);
}

/* ---- TRIGGER_SERVICE4 encoder ---- */

static void trigger4_encode_bytes(void **state)
{
	(void)state;
	uint8_t want[8 + 160 + 14];
	memset(want, 0, sizeof want);
	want[0] = 0x13;
	want[1] = 0x02;
	want[4] = 174; /* 160 + strlen("qubes.Svc+arg") + 1 */
	memcpy(want + 8, "src", 3);
	memcpy(want + 8 + 64, "dst", 3);
	memcpy(want + 8 + 128, "SOCKET5", 7);
	memcpy(want + 8 + 160, "qubes.Svc+arg", 14);

	struct wbuf w;
	wbuf_init(&w, 1 << 20);
	assert_int_equal(proto_put_trigger4(&w, "src", "dst", "SOCKET5", "qubes.Svc+arg"), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(w.p, want, sizeof want);
	wbuf_free(&w);
}

static void trigger4_encode_decode(void **state)
{
	(void)state;
	struct wbuf w;
	struct qrexec_hdr h;
	struct trigger t;
	wbuf_init(&w, 1 << 20);
	assert_int_equal(proto_put_trigger4(&w, "sys-net", "@default", "SOCKET0",
					    "qubes.UpdatesProxy+"), 0);
	proto_hdr_decode(w.p, &h);
	assert_int_equal(h.type, MSG_TRIGGER_SERVICE4);
	assert_int_equal(h.len, w.len - 8);
	assert_int_equal(proto_trigger_decode(h.type, 4, w.p + 8, h.len, &t), PROTO_OK);
	assert_string_equal(t.source, "sys-net");
	assert_string_equal(t.target, "@default");
	assert_string_equal(t.service, "qubes.UpdatesProxy+");
	assert_ident(&t, B("SOCKET0"));
	trigger_free(&t);
	wbuf_free(&w);
}

static void trigger4_encode_max_service(void **state)
{
	(void)state;
	char *svc = malloc(65001);
	struct wbuf w;
	struct trigger t;
	assert_non_null(svc);
	memset(svc, 'b', 65000);
	svc[64999] = '\0';
	wbuf_init(&w, 1 << 20);
	assert_int_equal(proto_put_trigger4(&w, "a", "b", "c", svc), 0);
	assert_int_equal(w.len, 8 + 160 + 65000);
	assert_int_equal(proto_trigger_decode(MSG_TRIGGER_SERVICE4, 4, w.p + 8,
					      w.len - 8, &t), PROTO_OK);
	assert_int_equal(strlen(t.service), 64999);
	trigger_free(&t);
	wbuf_free(&w);
	svc[64999] = 'b';
	svc[65000] = '\0';
	wbuf_init(&w, 1 << 20);
	assert_int_equal(proto_put_trigger4(&w, "a", "b", "c", svc), BUF_EINVAL);
	assert_int_equal(w.len, 0);
	wbuf_free(&w);
	free(svc);
}

static void trigger4_encode_fields_too_long(void **state)
{
	(void)state;
	char s64[65];
	struct wbuf w;
	memset(s64, 'x', 64);
	s64[64] = '\0';
	wbuf_init(&w, 1 << 20);
	assert_int_equal(proto_put_trigger4(&w, s64, "b", "c", "svc"), BUF_EINVAL);
	wbuf_reset(&w);
	assert_int_equal(proto_put_trigger4(&w, "a", s64, "c", "svc"), BUF_EINVAL);
	wbuf_reset(&w);
	assert_int_equal(proto_put_trigger4(&w, "a", "b", s64 + 32, "svc"), BUF_EINVAL);
	wbuf_reset(&w);
	/* 63 / 63 / 31 bytes fit */
	assert_int_equal(proto_put_trigger4(&w, s64 + 1, s64 + 1, s64 + 33, "svc"), 0);
	assert_int_equal(w.len, 8 + 160 + 4);
	wbuf_free(&w);
}

/* ---- SERVICE_REFUSED, CONNECTION_TERMINATED, EXIT_CODE, data ---- */

static void refused_encode_bytes(void **state)
{
	(void)state;
	uint8_t id[32];
	uint8_t want[40];
	field(id, 32, B("a\0b"));
	memset(want, 0, sizeof want);
	want[0] = 0x03;
	want[1] = 0x02;
	want[4] = 32;
	memcpy(want + 8, id, 32);
	struct wbuf w;
	wbuf_init(&w, 64);
	assert_int_equal(proto_put_refused(&w, id), 0);
	assert_int_equal(w.len, 40);
	assert_memory_equal(w.p, want, 40);
	wbuf_free(&w);
}

static void terminated_decode_ok(void **state)
{
	(void)state;
	static const uint8_t body[8] = {0x2b, 0, 0, 0, 0x02, 0x02, 0, 0};
	uint32_t dom = 0, port = 0;
	assert_int_equal(proto_terminated_decode(body, 8, &dom, &port), PROTO_OK);
	assert_int_equal(dom, 43);
	assert_int_equal(port, 514);
}

static void terminated_bad_len_fatal(void **state)
{
	(void)state;
	static const uint8_t body[9] = {0};
	uint32_t dom = 5, port = 6;
	assert_int_equal(proto_terminated_decode(body, 7, &dom, &port), PROTO_EFATAL);
	assert_int_equal(proto_terminated_decode(body, 9, &dom, &port), PROTO_EFATAL);
	assert_int_equal(proto_terminated_decode(body, 0, &dom, &port), PROTO_EFATAL);
	assert_int_equal(dom, 5);
	assert_int_equal(port, 6);
}

static void terminated_encode_round_trip(void **state)
{
	(void)state;
	static const uint8_t want[16] = {0x11, 0x02, 0, 0, 8, 0, 0, 0,
					 0x2b, 0, 0, 0, 0x02, 0x02, 0, 0};
	struct wbuf w;
	uint32_t dom = 0, port = 0;
	wbuf_init(&w, 64);
	assert_int_equal(proto_put_terminated(&w, 43, 514), 0);
	assert_int_equal(w.len, 16);
	assert_memory_equal(w.p, want, 16);
	assert_int_equal(proto_terminated_decode(w.p + 8, 8, &dom, &port), PROTO_OK);
	assert_int_equal(dom, 43);
	assert_int_equal(port, 514);
	wbuf_free(&w);
}

static void exit_code_decode(void **state)
{
	(void)state;
	static const uint8_t b126[5] = {126, 0, 0, 0, 9};
	static const uint8_t neg[4] = {0xff, 0xff, 0xff, 0xff};
	static const uint8_t big[4] = {0x00, 0x01, 0x00, 0x00};
	assert_int_equal(proto_exit_code_decode(b126, 4), 126);
	assert_int_equal(proto_exit_code_decode(b126, 5), 126);
	assert_int_equal(proto_exit_code_decode(big, 4), 256);
	assert_int_equal(proto_exit_code_decode(neg, 4), -1);
}

static void exit_code_short_is_255(void **state)
{
	(void)state;
	static const uint8_t b[4] = {0, 0, 0, 0};
	for (size_t len = 0; len < 4; len++)
		assert_int_equal(proto_exit_code_decode(b, len), 255);
	assert_int_equal(proto_exit_code_decode(NULL, 0), 255);
	assert_int_equal(proto_exit_code_decode(b, 4), 0);
}

static void exit_code_encode_bytes(void **state)
{
	(void)state;
	static const uint8_t want[12] = {0x93, 0x01, 0, 0, 4, 0, 0, 0, 126, 0, 0, 0};
	static const uint8_t want_neg[4] = {0xff, 0xff, 0xff, 0xff};
	struct wbuf w;
	wbuf_init(&w, 64);
	assert_int_equal(proto_put_exit_code(&w, QREXEC_EXIT_REQUEST_REFUSED), 0);
	assert_int_equal(w.len, 12);
	assert_memory_equal(w.p, want, 12);
	wbuf_reset(&w);
	assert_int_equal(proto_put_exit_code(&w, -1), 0);
	assert_memory_equal(w.p + 8, want_neg, 4);
	assert_int_equal(proto_exit_code_decode(w.p + 8, 4), -1);
	wbuf_free(&w);
}

static void data_encode_bytes(void **state)
{
	(void)state;
	static const uint8_t want[10] = {0x91, 0x01, 0, 0, 2, 0, 0, 0, 'h', 'i'};
	static const uint8_t eof[8] = {0x90, 0x01, 0, 0, 0, 0, 0, 0};
	struct wbuf w;
	wbuf_init(&w, 64);
	assert_int_equal(proto_put_data(&w, MSG_DATA_STDOUT, "hi", 2), 0);
	assert_int_equal(w.len, 10);
	assert_memory_equal(w.p, want, 10);
	wbuf_reset(&w);
	assert_int_equal(proto_put_data(&w, MSG_DATA_STDIN, NULL, 0), 0);
	assert_int_equal(w.len, 8);
	assert_memory_equal(w.p, eof, 8);
	wbuf_free(&w);
}

static void data_encode_limit(void **state)
{
	(void)state;
	struct wbuf w;
	wbuf_init(&w, 9);
	assert_int_equal(proto_put_data(&w, MSG_DATA_STDOUT, "hi", 2), BUF_ELIMIT);
	wbuf_free(&w);
}

static int dchk(uint32_t type, uint32_t len, int version)
{
	struct qrexec_hdr h = {type, len};
	return proto_data_hdr_check(&h, version);
}

static void data_hdr_v2_limit(void **state)
{
	(void)state;
	static const uint32_t types[] = {MSG_DATA_STDIN, MSG_DATA_STDOUT,
					 MSG_DATA_STDERR, MSG_DATA_EXIT_CODE};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(dchk(types[i], 0, 2), PROTO_OK);
		assert_int_equal(dchk(types[i], 4096, 2), PROTO_OK);
		assert_int_equal(dchk(types[i], 4097, 2), PROTO_EFATAL);
		assert_int_equal(dchk(types[i], 65536, 2), PROTO_EFATAL);
	}
}

static void data_hdr_v3_v4_limit(void **state)
{
	(void)state;
	static const uint32_t types[] = {MSG_DATA_STDIN, MSG_DATA_STDOUT,
					 MSG_DATA_STDERR, MSG_DATA_EXIT_CODE};
	for (int v = 3; v <= 4; v++) {
		for (size_t i = 0; i < 4; i++) {
			assert_int_equal(dchk(types[i], 4097, v), PROTO_OK);
			assert_int_equal(dchk(types[i], 65536, v), PROTO_OK);
			assert_int_equal(dchk(types[i], 65537, v), PROTO_EFATAL);
			assert_int_equal(dchk(types[i], 0xffffffffu, v), PROTO_EFATAL);
		}
	}
}

static void data_hdr_unknown_type_fatal(void **state)
{
	(void)state;
	static const uint32_t bad[] = {0, 0x18f, 0x194, MSG_EXEC_CMDLINE,
				       MSG_SERVICE_CONNECT, MSG_TRIGGER_SERVICE4,
				       MSG_HELLO, 0x80000190u};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(dchk(bad[i], 0, 4), PROTO_EFATAL);
		assert_int_equal(dchk(bad[i], 1, 2), PROTO_EFATAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hdr_encode_bytes),
		cmocka_unit_test(hdr_round_trip),
		cmocka_unit_test(hdr_decode_le),
		cmocka_unit_test(chunk_max_by_version),
		cmocka_unit_test(type_names),
		cmocka_unit_test(hello_ok),
		cmocka_unit_test(hello_bad_len_fatal),
		cmocka_unit_test(hello_wrong_type_fatal),
		cmocka_unit_test(hello_encode_bytes),
		cmocka_unit_test(hello_encode_limit),
		cmocka_unit_test(exec_params_short_fatal),
		cmocka_unit_test(exec_params_len8_empty_cmd),
		cmocka_unit_test(exec_params_with_cmd),
		cmocka_unit_test(exec_params_encode_bytes),
		cmocka_unit_test(exec_params_round_trip),
		cmocka_unit_test(exec_params_encode_empty_cmd),
		cmocka_unit_test(exec_params_encode_limit),
		cmocka_unit_test(v2_ok),
		cmocka_unit_test(v2_wrong_length_fatal),
		cmocka_unit_test(v2_with_version_3_or_4_fatal),
		cmocka_unit_test(v2_name_nul),
		cmocka_unit_test(v2_name_empty),
		cmocka_unit_test(v2_name_nul_a),
		cmocka_unit_test(v2_name_nul_plus_a),
		cmocka_unit_test(v2_name_plus),
		cmocka_unit_test(v2_name_plus_a),
		cmocka_unit_test(v2_service_64_without_nul_truncated),
		cmocka_unit_test(v2_target_32_without_nul_truncated),
		cmocka_unit_test(v2_sanitizes_target_and_service),
		cmocka_unit_test(v2_bad_ident_refused_raw),
		cmocka_unit_test(v2_ident_byte_after_nul_refused),
		cmocka_unit_test(v2_ident_full_32_ok),
		cmocka_unit_test(v3_ok),
		cmocka_unit_test(v3_ok_with_version_4),
		cmocka_unit_test(v3_with_version_2_fatal),
		cmocka_unit_test(v4_ok),
		cmocka_unit_test(v4_with_version_3_fatal),
		cmocka_unit_test(unknown_trigger_type_fatal),
		cmocka_unit_test(v3_qsb089_header_only_fatal),
		cmocka_unit_test(v4_qsb089_header_only_fatal),
		cmocka_unit_test(v3_header_plus_nul_refused),
		cmocka_unit_test(v3_name_65000_ok),
		cmocka_unit_test(v3_name_65001_fatal),
		cmocka_unit_test(v4_name_65000_ok),
		cmocka_unit_test(v4_name_65001_fatal),
		cmocka_unit_test(v3_missing_nul_refused),
		cmocka_unit_test(v4_missing_nul_refused),
		cmocka_unit_test(v3_name_nul),
		cmocka_unit_test(v3_name_empty),
		cmocka_unit_test(v3_name_a_nul),
		cmocka_unit_test(v3_name_nul_a),
		cmocka_unit_test(v3_name_nul_plus_a),
		cmocka_unit_test(v3_name_plus),
		cmocka_unit_test(v3_name_plus_a),
		cmocka_unit_test(v3_name_a_nul_a),
		cmocka_unit_test(v4_name_nul),
		cmocka_unit_test(v4_name_empty),
		cmocka_unit_test(v4_name_a_nul),
		cmocka_unit_test(v4_name_nul_a),
		cmocka_unit_test(v4_name_nul_plus_a),
		cmocka_unit_test(v4_name_plus),
		cmocka_unit_test(v4_name_plus_a),
		cmocka_unit_test(v4_name_a_nul_a),
		cmocka_unit_test(v3_sanitizes_target_and_service),
		cmocka_unit_test(v4_sanitizes_source),
		cmocka_unit_test(v4_domains_64_without_nul_truncated),
		cmocka_unit_test(v3_target_bytes_after_nul_ignored),
		cmocka_unit_test(v3_bad_ident_refused_raw),
		cmocka_unit_test(v4_ident_byte_after_nul_refused_raw),
		cmocka_unit_test(v4_ident_kept_raw_full_32),
		cmocka_unit_test(v4_empty_ident_ok),
		cmocka_unit_test(trigger4_encode_bytes),
		cmocka_unit_test(trigger4_encode_decode),
		cmocka_unit_test(trigger4_encode_max_service),
		cmocka_unit_test(trigger4_encode_fields_too_long),
		cmocka_unit_test(refused_encode_bytes),
		cmocka_unit_test(terminated_decode_ok),
		cmocka_unit_test(terminated_bad_len_fatal),
		cmocka_unit_test(terminated_encode_round_trip),
		cmocka_unit_test(exit_code_decode),
		cmocka_unit_test(exit_code_short_is_255),
		cmocka_unit_test(exit_code_encode_bytes),
		cmocka_unit_test(data_encode_bytes),
		cmocka_unit_test(data_encode_limit),
		cmocka_unit_test(data_hdr_v2_limit),
		cmocka_unit_test(data_hdr_v3_v4_limit),
		cmocka_unit_test(data_hdr_unknown_type_fatal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
