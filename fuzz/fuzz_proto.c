/* fuzz_proto: treats the input as a stream of qrexec messages (8-byte
 * header + body, the body cut short by the end of the input) and runs
 * every body decoder on every body, checking each result against the
 * documented rules, plus an encode/decode round trip of exec_params. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qrexec/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static bool is_data_type(uint32_t t)
{
	return t == MSG_DATA_STDIN || t == MSG_DATA_STDOUT ||
	       t == MSG_DATA_STDERR || t == MSG_DATA_EXIT_CODE;
}

static void exec_params_round_trip(uint32_t type, const struct exec_params *ep)
{
	struct wbuf w;
	struct qrexec_hdr h;
	struct exec_params ep2;
	wbuf_init(&w, QREXEC_HDR_LEN + 8 + ep->cmd_len);
	CHECK(proto_put_exec_params(&w, type, ep->connect_domain, ep->connect_port,
				    ep->cmd, ep->cmd_len) == 0);
	CHECK(w.len == QREXEC_HDR_LEN + 8 + ep->cmd_len);
	proto_hdr_decode(w.p, &h);
	CHECK(h.type == type);
	CHECK(h.len == 8 + ep->cmd_len);
	CHECK(proto_exec_params_decode(w.p + QREXEC_HDR_LEN, h.len, &ep2) == PROTO_OK);
	CHECK(ep2.connect_domain == ep->connect_domain);
	CHECK(ep2.connect_port == ep->connect_port);
	CHECK(ep2.cmd_len == ep->cmd_len);
	CHECK(ep2.cmd == w.p + QREXEC_HDR_LEN + 8);
	CHECK(ep->cmd_len == 0 || memcmp(ep2.cmd, ep->cmd, ep->cmd_len) == 0);
	/* one byte less of room must fail */
	wbuf_free(&w);
	wbuf_init(&w, QREXEC_HDR_LEN + 8 + ep->cmd_len - 1);
	CHECK(proto_put_exec_params(&w, type, ep->connect_domain, ep->connect_port,
				    ep->cmd, ep->cmd_len) == BUF_ELIMIT);
	wbuf_free(&w);
}

static void one_message(const struct qrexec_hdr *h, const uint8_t *body, size_t blen)
{
	struct qrexec_hdr eff = {h->type, (uint32_t)blen};
	uint32_t v = 0xabababab, dom = 1, port = 2;
	struct exec_params ep;
	struct trigger t;

	int r = proto_hello_decode(&eff, body, &v);
	CHECK((r == PROTO_OK) == (h->type == MSG_HELLO && blen == 4));
	CHECK(r == PROTO_OK ? v == buf_le32(body) : v == 0xabababab);

	r = proto_exec_params_decode(body, blen, &ep);
	CHECK((r == PROTO_OK) == (blen >= 8));
	if (r == PROTO_OK) {
		CHECK(ep.connect_domain == buf_le32(body));
		CHECK(ep.connect_port == buf_le32(body + 4));
		CHECK(ep.cmd == body + 8 && ep.cmd_len == blen - 8);
		exec_params_round_trip(h->type, &ep);
	} else {
		CHECK(r == PROTO_EFATAL);
	}

	r = proto_terminated_decode(body, blen, &dom, &port);
	CHECK((r == PROTO_OK) == (blen == 8));
	if (r == PROTO_OK)
		CHECK(dom == buf_le32(body) && port == buf_le32(body + 4));
	else
		CHECK(dom == 1 && port == 2);

	int code = proto_exit_code_decode(body, blen);
	CHECK(blen < 4 ? code == 255 : code == (int)buf_le32(body));

	for (int ver = 2; ver <= 4; ver++) {
		r = proto_data_hdr_check(h, ver);
		bool ok = is_data_type(h->type) && h->len <= proto_data_chunk_max(ver);
		CHECK(r == (ok ? PROTO_OK : PROTO_EFATAL));
		r = proto_trigger_decode(h->type, ver, body, blen, &t);
		CHECK(r == PROTO_OK || r == PROTO_EFATAL || r == PROTO_EREFUSE);
		CHECK((r == PROTO_OK) == (t.service != NULL));
		trigger_free(&t);
	}
	CHECK(proto_type_name(h->type) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rbuf b;
	rbuf_init(&b, data, size);
	while (rbuf_left(&b) >= QREXEC_HDR_LEN) {
		const uint8_t *hp;
		struct qrexec_hdr h;
		uint8_t enc[QREXEC_HDR_LEN];
		CHECK(rbuf_get_ptr(&b, &hp, QREXEC_HDR_LEN) == BUF_OK);
		proto_hdr_decode(hp, &h);
		proto_hdr_encode(enc, h.type, h.len);
		CHECK(memcmp(enc, hp, QREXEC_HDR_LEN) == 0);

		size_t blen = h.len < rbuf_left(&b) ? h.len : rbuf_left(&b);
		const uint8_t *body;
		CHECK(rbuf_get_ptr(&b, &body, blen) == BUF_OK);
		/* exact-size heap copy so that ASan sees any over-read */
		uint8_t *copy = malloc(blen ? blen : 1);
		if (!copy)
			return 0;
		if (blen)
			memcpy(copy, body, blen);
		one_message(&h, copy, blen);
		free(copy);
	}
	return 0;
}
