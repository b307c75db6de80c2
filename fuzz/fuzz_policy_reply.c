/* fuzz_policy_reply: libFuzzer target for the policy reply parser. */
#include "qrexec/policy_reply.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_reply r;
	const char *err;
	if (policy_reply_parse((const char *)data, size, &r, &err) == 0) {
		if (r.allow && (!r.user || !r.target || !r.requested_target))
			abort();
		if (!r.allow && (r.user || r.target || r.requested_target))
			abort();
		if (size > POLICY_REPLY_MAX || memchr(data, 0, size))
			abort();
		policy_reply_free(&r);
	} else if (!err) {
		abort();
	}
	return 0;
}
