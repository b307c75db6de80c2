/* fuzz_passproto: the split-pass request and reply parsers and the op
 * table (pass/passproto), as the vault and the client run them on bytes
 * from the other side. Checks that an accepted message re-encodes to the
 * same bytes, that an accepted request's scope is one the vault admits,
 * that a request in a non-empty scope has every name inside it, and that
 * an accepted name is never absolute, dotted or carrying control bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pass/passproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static void check_reencode(const struct pass_msg *m, bool reply, const uint8_t *data,
			   size_t size)
{
	struct wbuf b;
	wbuf_init(&b, PASS_MAX_MSG);
	int r = reply ? passproto_put_reply_hdr(&b, m->code, m->nfields)
		      : passproto_put_request_hdr(&b, m->code, m->nfields);
	for (uint32_t i = 0; r == BUF_OK && i < m->nfields; i++)
		r = passproto_put_field(&b, m->fields[i].p, m->fields[i].len);
	CHECK(r == BUF_OK && b.len == size && memcmp(b.p, data, size) == 0);
	wbuf_free(&b);
}

static void check_name(const uint8_t *p, size_t len)
{
	if (!passproto_name_ok(p, len, true, true))
		return;
	CHECK(len <= PASS_MAX_NAME);
	CHECK(len == 0 || p[0] != '/');
	for (size_t i = 0; i < len; i++) {
		CHECK(p[i] >= 0x20 && p[i] != 0x7f);
		if (i == 0 || p[i - 1] == '/')
			CHECK(p[i] != '.' && p[i] != '/');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pass_msg m = {0};
	if (passproto_parse(data, size, false, &m) == PASS_PERR_OK) {
		check_reencode(&m, false, data, size);
		for (int svc = PASS_SVC_READ; svc <= PASS_SVC_MANAGE; svc++) {
			char err[256];
			if (!passproto_check_request(&m, svc, err, sizeof err)) {
				CHECK(err[0] != '\0' && memchr(err, 0, sizeof err));
				continue;
			}
			char scope[PASS_MAX_SCOPE + 1];
			passproto_request_scope(&m, scope);
			CHECK(strlen(scope) <= PASS_MAX_SCOPE);
			CHECK(passproto_in_scope(&m, scope));
			CHECK(passproto_in_scope(&m, ""));
			if (scope[0]) {
				/* the scope is the first component of every name */
				size_t sl = strlen(scope);
				CHECK(m.nfields >= 1);
				const struct pass_field *f = &m.fields[0];
				if (strcmp(scope, "_") != 0)
					CHECK(f->len >= sl && memcmp(f->p, scope, sl) == 0 &&
					      (f->len == sl || f->p[sl] == '/'));
			}
			CHECK(passproto_op_name(m.code) != NULL);
		}
	}
	if (passproto_parse(data, size, true, &m) == PASS_PERR_OK)
		check_reencode(&m, true, data, size);
	passproto_msg_free(&m);
	check_name(data, size);
	char s[PASS_MAX_SCOPE + 1];
	passproto_scope(data, size, s);
	CHECK(strlen(s) <= PASS_MAX_SCOPE);
	return 0;
}
