/* fuzz_names: every names_* function on arbitrary bytes, each checked
 * against a simple independent model of the rule it implements. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static bool base_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static void check_sanitize(const uint8_t *data, size_t size, const char *extra)
{
	char *s = malloc(size + 1);
	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	size_t n = strlen(s);
	names_sanitize(s, extra);
	CHECK(strlen(s) == n);
	for (size_t i = 0; i < n; i++) {
		uint8_t in = data[i], out = (uint8_t)s[i];
		bool ok = base_char(in) || (extra && in && strchr(extra, in));
		CHECK(out == (ok ? in : '_'));
	}
	CHECK(memcmp(s + n, data + n, size - n) == 0); /* after the NUL: untouched */
	free(s);
}

static bool model_request_id(const uint8_t id[QREXEC_IDENT_LEN])
{
	size_t k = 0;
	while (k < QREXEC_IDENT_LEN && (base_char(id[k]) || id[k] == ' '))
		k++;
	for (size_t i = k; i < QREXEC_IDENT_LEN; i++)
		if (id[i] != 0)
			return false;
	return true;
}

static bool model_domain(const uint8_t *s, size_t len)
{
	if (len < 1 || len > 31)
		return false;
	if (!((s[0] | 0x20) >= 'a' && (s[0] | 0x20) <= 'z'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!base_char(s[i]))
			return false;
	if ((len == 4 && !memcmp(s, "none", 4)) || (len == 7 && !memcmp(s, "default", 7)))
		return false;
	return true;
}

/* The further names Qubes refuses for a VM (see admin-api research 3.2). */
static bool model_domain_extra_reserved(const uint8_t *s, size_t len)
{
	return (len == 8 && !memcmp(s, "Domain-0", 8)) ||
	       (len >= 3 && !memcmp(s + len - 3, "-dm", 3));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_sanitize(data, size, NULL);
	check_sanitize(data, size, "+");
	check_sanitize(data, size, "@:");

	/* request id: a 32-byte window, zero-padded */
	uint8_t id[QREXEC_IDENT_LEN] = {0};
	memcpy(id, data, size < sizeof id ? size : sizeof id);
	CHECK(names_valid_request_id(id) == model_request_id(id));

	/* service name */
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	size_t n = strlen(s);
	bool ok = names_check_service_name(s);
	CHECK(ok == (n > 0 && data[0] != '+'));
	CHECK(strlen(s) == n);
	if (ok)
		for (size_t i = 0; i < n; i++)
			CHECK(base_char((uint8_t)s[i]) || s[i] == '+');

	/* dom0 aliases (on the NUL-terminated copy of the raw input) */
	memcpy(s, data, size);
	bool d0 = names_target_is_dom0(s);
	CHECK(d0 == (!strcmp(s, "dom0") || !strcmp(s, "@adminvm") ||
		     !strcmp(s, "uuid:00000000-0000-0000-0000-000000000000")));
	free(s);

	/* domain name on an exact-size copy (ASan catches over-reads) */
	uint8_t *d = malloc(size ? size : 1);
	if (!d)
		return 0;
	if (size)
		memcpy(d, data, size);
	/* valid => syntax, length and none/default rules hold; and every
	 * name that passes all of Qubes' rules is valid */
	bool valid = names_valid_domain_name((const char *)d, size);
	bool basic = model_domain(d, size);
	CHECK(!valid || basic);
	CHECK(!basic || valid || model_domain_extra_reserved(d, size));
	free(d);
	return 0;
}
