/* fuzz_cmdline: qrexec_cmd_parse on arbitrary bytes, with a user part or
 * without (bit 0 of the first byte selects); checks on success that the
 * parts are consistent with the input and with the documented limits,
 * and on failure that the result was released and zeroed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qrexec/cmdline.h"
#include "qrexec/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static void check_token(const char *t)
{
	CHECK(t != NULL);
	CHECK(t[0] != '\0');
	CHECK(strchr(t, ' ') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool with_user = data[0] & 1;
	size_t len = size - 1;
	char *buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	if (len)
		memcpy(buf, data + 1, len);

	struct qrexec_cmd c;
	const char *err = NULL;
	int r = qrexec_cmd_parse(buf, len, with_user, &c, &err);
	size_t tl = len > 0 && buf[len - 1] == '\0' ? len - 1 : len; /* text length */

	if (r != 0) {
		CHECK(r == -1);
		CHECK(err != NULL);
		CHECK(!c.user && !c.command && !c.descriptor && !c.service_name &&
		      !c.arg && !c.source && !c.target_type && !c.target);
		free(buf);
		return 0;
	}
	CHECK(memchr(buf, '\0', tl) == NULL);
	CHECK(tl <= MAX_QREXEC_CMD_LEN);
	CHECK(c.command != NULL);
	size_t cl = strlen(c.command);
	CHECK(cl <= tl);
	CHECK(memcmp(c.command, buf + tl - cl, cl) == 0); /* a suffix of the input */
	size_t pre = tl - cl; /* "USER:" and "nogui:" */
	if (with_user) {
		CHECK(c.user != NULL);
		size_t ul = strlen(c.user);
		CHECK(strchr(c.user, ':') == NULL);
		CHECK(memcmp(c.user, buf, ul) == 0 && buf[ul] == ':');
		CHECK(pre == ul + 1 + (c.nogui ? 6 : 0));
	} else {
		CHECK(c.user == NULL);
		CHECK(pre == (c.nogui ? 6u : 0u));
	}
	if (c.nogui)
		CHECK(memcmp(buf + pre - 6, "nogui:", 6) == 0);

	if (!c.is_rpc) {
		CHECK(strncmp(c.command, "QUBESRPC", 8) != 0);
		CHECK(!c.descriptor && !c.service_name && !c.arg && !c.source &&
		      !c.target_type && !c.target && c.ntokens == 0);
	} else {
		CHECK(strncmp(c.command, "QUBESRPC ", 9) == 0);
		check_token(c.descriptor);
		check_token(c.service_name);
		check_token(c.source);
		size_t dl = strlen(c.descriptor), nl = strlen(c.service_name);
		CHECK(dl <= MAX_SERVICE_NAME_LEN);
		CHECK(nl >= 1 && nl <= QREXEC_SERVICE_NAME_MAX);
		CHECK(strchr(c.service_name, '+') == NULL);
		CHECK(strncmp(c.descriptor, c.service_name, nl) == 0);
		CHECK(strncmp(c.command + 9, c.descriptor, dl) == 0);
		CHECK(c.command[9 + dl] == ' ');
		CHECK(strncmp(c.command + 10 + dl, c.source, strlen(c.source)) == 0);
		if (c.arg) {
			CHECK(c.descriptor[nl] == '+');
			CHECK(strcmp(c.descriptor + nl + 1, c.arg) == 0);
		} else {
			CHECK(dl == nl);
		}
		CHECK(c.ntokens >= 2);
		CHECK((c.target_type != NULL) == (c.ntokens >= 3));
		CHECK((c.target != NULL) == (c.ntokens >= 4));
		if (c.target_type)
			check_token(c.target_type);
		if (c.target)
			check_token(c.target);

		char *ln = qrexec_cmd_lookup_name(&c);
		CHECK(ln != NULL);
		if (c.arg) {
			CHECK(strcmp(ln, c.descriptor) == 0);
		} else {
			CHECK(strlen(ln) == dl + 1 && ln[dl] == '+');
			CHECK(strncmp(ln, c.descriptor, dl) == 0);
		}
		free(ln);
	}
	qrexec_cmd_free(&c);
	CHECK(c.command == NULL && c.user == NULL);
	free(buf);
	return 0;
}
