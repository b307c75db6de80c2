/* test_vchan_broker: unit tests for the vchan broker's request parser
 * (qrexec/broker/request), the request formatter of lib/vchan that must
 * agree with it, its pairing table (qrexec/broker/conns), and where
 * lib/vchan puts socket files (VCHAN_SOCKET_DIR vs VCHAN_SOCKET_DIR_BASE). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vchan.h"
#include "qrexec/broker/conns.h"
#include "qrexec/broker/request.h"

static enum broker_parse parse(const char *s, struct broker_request *r)
{
	return broker_request_parse((const uint8_t *)s, strlen(s), r);
}

/* ---- broker_request_parse: valid requests ---- */

static void parse_listen(void **state)
{
	(void)state;
	struct broker_request r;
	assert_int_equal(parse("LISTEN 2 514\n", &r), BROKER_PARSE_OK);
	assert_int_equal(r.op, BROKER_LISTEN);
	assert_int_equal(r.remote, 2);
	assert_int_equal(r.port, 514);
}

static void parse_connect(void **state)
{
	(void)state;
	struct broker_request r;
	assert_int_equal(parse("CONNECT 43 768\n", &r), BROKER_PARSE_OK);
	assert_int_equal(r.op, BROKER_CONNECT);
	assert_int_equal(r.remote, 43);
	assert_int_equal(r.port, 768);
}

static void parse_bounds(void **state)
{
	(void)state;
	struct broker_request r;
	assert_int_equal(parse("CONNECT 1 513\n", &r), BROKER_PARSE_OK);
	assert_int_equal(parse("CONNECT 32751 768\n", &r), BROKER_PARSE_OK);
	assert_int_equal(r.remote, VCHAN_MAX_DOMID);
	assert_int_equal(parse("CONNECT 32752 768\n", &r), BROKER_PARSE_BAD);
	assert_int_equal(parse("CONNECT 0 600\n", &r), BROKER_PARSE_BAD);
	assert_int_equal(parse("CONNECT 1 512\n", &r), BROKER_PARSE_BAD);
	assert_int_equal(parse("CONNECT 1 769\n", &r), BROKER_PARSE_BAD);
	assert_int_equal(parse("CONNECT 99999 600\n", &r), BROKER_PARSE_BAD);
	assert_int_equal(parse("CONNECT 4294967297 600\n", &r), BROKER_PARSE_BAD);
}

/* Every proper prefix of a valid request asks for more; the request
 * itself is OK; it is not written on MORE. */
static void parse_every_prefix_is_more(void **state)
{
	(void)state;
	const char *valid[] = {"LISTEN 2 514\n", "CONNECT 32751 768\n", "LISTEN 1 513\n"};
	for (size_t k = 0; k < sizeof valid / sizeof *valid; k++) {
		size_t n = strlen(valid[k]);
		for (size_t i = 0; i < n; i++) {
			struct broker_request r = {.remote = 12345};
			assert_int_equal(broker_request_parse((const uint8_t *)valid[k], i, &r),
					 BROKER_PARSE_MORE);
			assert_int_equal(r.remote, 12345);
		}
		struct broker_request r;
		assert_int_equal(broker_request_parse((const uint8_t *)valid[k], n, &r),
				 BROKER_PARSE_OK);
	}
}

/* ---- broker_request_parse: malformed input ---- */

static void parse_bad_verbs(void **state)
{
	(void)state;
	struct broker_request r;
	const char *bad[] = {"listen 2 514\n", "LISTENX 2 514\n", "LISTEN\t2 514\n",
			     "CONN 2 514\n", "CONNECTX", "X", " LISTEN 2 514\n",
			     "LISTEN2 514\n", "\n", "L\n", "ACCEPT 2 514\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(parse(bad[i], &r), BROKER_PARSE_BAD);
}

static void parse_bad_numbers(void **state)
{
	(void)state;
	struct broker_request r;
	const char *bad[] = {"LISTEN 02 514\n", "LISTEN 2 0514\n", "LISTEN +2 514\n",
			     "LISTEN -2 514\n", "LISTEN 2  514\n", "LISTEN  2 514\n",
			     "LISTEN 2 514 \n", "LISTEN 2 514\r\n", "LISTEN 0x2 514\n",
			     "LISTEN 2 5a4\n", "LISTEN 2\n", "LISTEN  \n", "LISTEN 2 \n",
			     "LISTEN 2 514 1\n", "LISTEN 00 514\n", "LISTEN 0 0\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(parse(bad[i], &r), BROKER_PARSE_BAD);
}

static void parse_bytes_after_newline(void **state)
{
	(void)state;
	struct broker_request r;
	assert_int_equal(parse("LISTEN 2 514\nX", &r), BROKER_PARSE_BAD);
	assert_int_equal(parse("LISTEN 2 514\nLISTEN 2 515\n", &r), BROKER_PARSE_BAD);
	assert_int_equal(parse("LISTEN 2 514\n\n", &r), BROKER_PARSE_BAD);
}

static void parse_nul_inside(void **state)
{
	(void)state;
	struct broker_request r;
	static const uint8_t a[] = "LISTEN 2\0 514\n";
	static const uint8_t b[] = "LISTEN 2 514\0\n";
	static const uint8_t c[] = "LISTEN 2 514\n\0";
	assert_int_equal(broker_request_parse(a, sizeof a - 1, &r), BROKER_PARSE_BAD);
	assert_int_equal(broker_request_parse(b, sizeof b - 1, &r), BROKER_PARSE_BAD);
	assert_int_equal(broker_request_parse(c, sizeof c - 1, &r), BROKER_PARSE_BAD);
}

static void parse_length_limit(void **state)
{
	(void)state;
	struct broker_request r;
	uint8_t big[VCHAN_BROKER_REQ_MAX + 1];
	memset(big, 'L', sizeof big);
	assert_int_equal(broker_request_parse(big, sizeof big, &r), BROKER_PARSE_BAD);
	/* a valid request never comes close to the limit */
	assert_true(strlen("CONNECT 32751 768\n") < VCHAN_BROKER_REQ_MAX);
	/* the parser only reads the given length */
	static const uint8_t cut[] = "LISTEN 2 514\n";
	assert_int_equal(broker_request_parse(cut, 12, &r), BROKER_PARSE_MORE);
	assert_int_equal(broker_request_parse(cut, 0, &r), BROKER_PARSE_MORE);
}

static void parse_all_bytes_at_each_position(void **state)
{
	(void)state;
	/* changing any single byte of a valid request into anything else is
	 * either still a valid request with the same shape or refused */
	const char *v = "CONNECT 12 600\n";
	size_t n = strlen(v);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < 256; c++) {
			uint8_t buf[32];
			memcpy(buf, v, n);
			buf[i] = (uint8_t)c;
			struct broker_request r;
			enum broker_parse p = broker_request_parse(buf, n, &r);
			bool digit_pos = (i >= 8 && i <= 9) || (i >= 11 && i <= 13);
			if (c == (uint8_t)v[i])
				assert_int_equal(p, BROKER_PARSE_OK);
			else if (digit_pos && c >= '0' && c <= '9') {
				if (p == BROKER_PARSE_OK)
					assert_true(r.port >= 513 && r.port <= 768 &&
						    r.remote >= 1 && r.remote <= 99);
			} else {
				assert_int_not_equal(p, BROKER_PARSE_OK);
			}
		}
	}
}

/* ---- broker_domid_parse ---- */

static void domid_parse(void **state)
{
	(void)state;
	uint32_t id = 0;
	assert_int_equal(broker_domid_parse("1", 1, &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(broker_domid_parse("32751", 5, &id), 0);
	assert_int_equal(id, 32751);
	assert_int_equal(broker_domid_parse("42x", 2, &id), 0); /* length is explicit */
	assert_int_equal(id, 42);
	const char *bad[] = {"", "0", "01", "32752", "99999", "100000", "-1", "+1", "1a",
			     " 1", "1 ", "..", "broker.sock"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(broker_domid_parse(bad[i], strlen(bad[i]), &id), -1);
}

/* ---- vchan_broker_format agrees with the parser ---- */

static void format_round_trip(void **state)
{
	(void)state;
	int doms[] = {1, 2, 9, 10, 99, 100, 4242, VCHAN_MAX_DOMID};
	for (size_t k = 0; k < sizeof doms / sizeof *doms; k++)
		for (int port = VCHAN_BROKER_PORT_MIN; port <= VCHAN_BROKER_PORT_MAX; port++)
			for (int listen = 0; listen < 2; listen++) {
				char buf[VCHAN_BROKER_REQ_MAX];
				int n = vchan_broker_format(buf, sizeof buf, listen, doms[k], port);
				assert_true(n > 0);
				struct broker_request r;
				assert_int_equal(broker_request_parse((uint8_t *)buf, (size_t)n, &r),
						 BROKER_PARSE_OK);
				assert_int_equal(r.op, listen ? BROKER_LISTEN : BROKER_CONNECT);
				assert_int_equal(r.remote, doms[k]);
				assert_int_equal(r.port, port);
			}
}

static void format_refuses_out_of_range(void **state)
{
	(void)state;
	char buf[VCHAN_BROKER_REQ_MAX];
	assert_int_equal(vchan_broker_format(buf, sizeof buf, true, 0, 600), -1);
	assert_int_equal(vchan_broker_format(buf, sizeof buf, true, -1, 600), -1);
	assert_int_equal(vchan_broker_format(buf, sizeof buf, true, VCHAN_MAX_DOMID + 1, 600), -1);
	assert_int_equal(vchan_broker_format(buf, sizeof buf, true, 2, 512), -1);
	assert_int_equal(vchan_broker_format(buf, sizeof buf, true, 2, 769), -1);
	assert_int_equal(vchan_broker_format(buf, 5, true, 2, 600), -1);
}

/* ---- conns: the pairing table ---- */

static struct broker_request req(enum broker_op op, uint32_t remote, uint32_t port)
{
	return (struct broker_request){.op = op, .remote = remote, .port = port};
}

static size_t add_pending(struct conn_table *t, int fd, uint32_t dom, struct broker_request r)
{
	size_t i = conns_add(t, fd, dom, 1000 + fd);
	assert_int_not_equal(i, CONN_NONE);
	t->v[i].state = CONN_PENDING;
	t->v[i].req = r;
	return i;
}

static void conns_pairs_only_the_mirror_request(void **state)
{
	(void)state;
	struct conn_table t;
	conns_init(&t);
	size_t a = add_pending(&t, 10, 1, req(BROKER_LISTEN, 2, 600));
	/* the mirror: domain 2 connects to 1 on 600 */
	struct broker_request m = req(BROKER_CONNECT, 1, 600);
	assert_int_equal(conns_find_peer(&t, 2, &m), a);
	/* not from another domain, port, or with the same operation */
	assert_int_equal(conns_find_peer(&t, 3, &m), CONN_NONE);
	struct broker_request other = req(BROKER_CONNECT, 1, 601);
	assert_int_equal(conns_find_peer(&t, 2, &other), CONN_NONE);
	struct broker_request same_op = req(BROKER_LISTEN, 1, 600);
	assert_int_equal(conns_find_peer(&t, 2, &same_op), CONN_NONE);
	/* a third domain naming either party gets nothing */
	struct broker_request third = req(BROKER_CONNECT, 2, 600);
	assert_int_equal(conns_find_peer(&t, 3, &third), CONN_NONE);
	third = req(BROKER_CONNECT, 1, 600);
	assert_int_equal(conns_find_peer(&t, 3, &third), CONN_NONE);
	conns_free(&t);
}

static void conns_never_pairs_a_domain_with_itself(void **state)
{
	(void)state;
	struct conn_table t;
	conns_init(&t);
	add_pending(&t, 10, 5, req(BROKER_LISTEN, 5, 600));
	struct broker_request m = req(BROKER_CONNECT, 5, 600);
	assert_int_equal(conns_find_peer(&t, 5, &m), CONN_NONE);
	conns_free(&t);
}

static void conns_reading_is_not_pending(void **state)
{
	(void)state;
	struct conn_table t;
	conns_init(&t);
	size_t i = conns_add(&t, 10, 1, 5);
	t.v[i].req = req(BROKER_LISTEN, 2, 600); /* parsed but not yet pending */
	struct broker_request m = req(BROKER_CONNECT, 1, 600);
	assert_int_equal(conns_find_peer(&t, 2, &m), CONN_NONE);
	assert_int_equal(conns_find_same(&t, 1, &t.v[i].req), CONN_NONE);
	assert_int_equal(conns_count(&t, 1, false), 1);
	assert_int_equal(conns_count(&t, 1, true), 0);
	conns_free(&t);
}

static void conns_same_counts_release_and_deadlines(void **state)
{
	(void)state;
	struct conn_table t;
	conns_init(&t);
	assert_int_equal(conns_next_deadline(&t), -1);
	size_t a = add_pending(&t, 10, 1, req(BROKER_LISTEN, 2, 600));
	struct broker_request dup = req(BROKER_LISTEN, 2, 600);
	assert_int_equal(conns_find_same(&t, 1, &dup), a);
	assert_int_equal(conns_find_same(&t, 2, &dup), CONN_NONE);
	struct broker_request opp = req(BROKER_CONNECT, 2, 600);
	assert_int_equal(conns_find_same(&t, 1, &opp), CONN_NONE);
	/* many connections: the table grows; counts are per domain */
	for (int k = 0; k < 200; k++)
		conns_add(&t, 100 + k, k % 2 ? 1 : 3, 500 + k);
	assert_int_equal(t.live, 201);
	assert_int_equal(conns_count(&t, 1, false), 101);
	assert_int_equal(conns_count(&t, 1, true), 1);
	assert_int_equal(conns_count(&t, 3, false), 100);
	assert_int_equal(conns_next_deadline(&t), 500);
	a = conns_find_same(&t, 1, &dup);
	conns_release(&t, a);
	conns_release(&t, a); /* twice is harmless */
	assert_int_equal(t.live, 200);
	assert_int_equal(conns_find_same(&t, 1, &dup), CONN_NONE);
	/* a freed slot is reused */
	size_t b = conns_add(&t, 7, 9, 1);
	assert_int_equal(b, a);
	assert_int_equal(conns_next_deadline(&t), 1);
	conns_free(&t);
}

/* ---- lib/vchan: where the socket files are ---- */

static void path_shared_dir(void **state)
{
	(void)state;
	char p[108];
	unsetenv("VCHAN_SOCKET_DIR_BASE");
	setenv("VCHAN_SOCKET_DIR", "/d", 1);
	setenv("VCHAN_DOMAIN", "0", 1);
	assert_int_equal(vchan_path(p, sizeof p, 0, 5, 513), 0);
	assert_string_equal(p, "/d/vchan.0.5.513.sock");
	setenv("VCHAN_DOMAIN", "5", 1);
	assert_int_equal(vchan_path(p, sizeof p, 5, 0, 512), 0);
	assert_string_equal(p, "/d/vchan.5.0.512.sock");
}

static void path_per_domain_dirs_for_dom0(void **state)
{
	(void)state;
	char p[108];
	setenv("VCHAN_SOCKET_DIR", "/d", 1);
	setenv("VCHAN_SOCKET_DIR_BASE", "/base", 1);
	setenv("VCHAN_DOMAIN", "0", 1);
	assert_int_equal(vchan_path(p, sizeof p, 0, 5, 513), 0);
	assert_string_equal(p, "/base/5/vchan.0.5.513.sock");
	assert_int_equal(vchan_path(p, sizeof p, 7, 0, 512), 0);
	assert_string_equal(p, "/base/7/vchan.7.0.512.sock");
	/* a domain ignores the base: it sees only its own directory */
	setenv("VCHAN_DOMAIN", "7", 1);
	assert_int_equal(vchan_path(p, sizeof p, 7, 0, 512), 0);
	assert_string_equal(p, "/d/vchan.7.0.512.sock");
	/* too long for sun_path */
	char longdir[200];
	memset(longdir, 'x', sizeof longdir - 1);
	longdir[0] = '/';
	longdir[sizeof longdir - 1] = '\0';
	setenv("VCHAN_DOMAIN", "0", 1);
	setenv("VCHAN_SOCKET_DIR_BASE", longdir, 1);
	assert_int_equal(vchan_path(p, sizeof p, 0, 5, 513), -1);
	/* nothing set: dom0 uses bulkheadd's per-domain directories, a
	 * domain its own default directory */
	unsetenv("VCHAN_SOCKET_DIR_BASE");
	unsetenv("VCHAN_SOCKET_DIR");
	assert_int_equal(vchan_path(p, sizeof p, 0, 5, 513), 0);
	assert_string_equal(p, VCHAN_DEFAULT_BASE "/5/vchan.0.5.513.sock");
	setenv("VCHAN_DOMAIN", "5", 1);
	assert_int_equal(vchan_path(p, sizeof p, 0, 5, 513), 0);
	assert_string_equal(p, VCHAN_DEFAULT_DIR "/vchan.0.5.513.sock");
	unsetenv("VCHAN_DOMAIN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_listen),
		cmocka_unit_test(parse_connect),
		cmocka_unit_test(parse_bounds),
		cmocka_unit_test(parse_every_prefix_is_more),
		cmocka_unit_test(parse_bad_verbs),
		cmocka_unit_test(parse_bad_numbers),
		cmocka_unit_test(parse_bytes_after_newline),
		cmocka_unit_test(parse_nul_inside),
		cmocka_unit_test(parse_length_limit),
		cmocka_unit_test(parse_all_bytes_at_each_position),
		cmocka_unit_test(domid_parse),
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(format_refuses_out_of_range),
		cmocka_unit_test(conns_pairs_only_the_mirror_request),
		cmocka_unit_test(conns_never_pairs_a_domain_with_itself),
		cmocka_unit_test(conns_reading_is_not_pending),
		cmocka_unit_test(conns_same_counts_release_and_deadlines),
		cmocka_unit_test(path_shared_dir),
		cmocka_unit_test(path_per_domain_dirs_for_dom0),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
