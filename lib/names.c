/* names: validation and sanitization of qrexec names (see names.h). */
#include "lib/names.h"

#include <string.h>

static bool base_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

void names_sanitize(char *s, const char *extra)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++) {
		if (base_char(*p))
			continue;
		if (extra && strchr(extra, *p))
			continue;
		*p = '_';
	}
}

bool names_valid_request_id(const uint8_t ident[QREXEC_IDENT_LEN])
{
	for (size_t i = 0; i < QREXEC_IDENT_LEN; i++) {
		uint8_t c = ident[i];
		if (base_char(c) || c == ' ')
			continue;
		if (c != '\0')
			return false;
		for (i++; i < QREXEC_IDENT_LEN; i++)
			if (ident[i])
				return false;
		return true;
	}
	return true;
}

bool names_check_service_name(char *s)
{
	if (s[0] == '\0' || s[0] == '+')
		return false;
	names_sanitize(s, "+");
	return true;
}

bool names_valid_domain_name(const char *s, size_t len)
{
	static const char *const reserved[] = {"none", "default", "Domain-0", NULL};
	if (len == 0 || len > 31)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!base_char((unsigned char)s[i]))
			return false;
	if (len >= 3 && memcmp(s + len - 3, "-dm", 3) == 0)
		return false; /* reserved for device-model stubdomains */
	for (size_t i = 0; reserved[i]; i++)
		if (strlen(reserved[i]) == len && memcmp(reserved[i], s, len) == 0)
			return false;
	return true;
}

bool names_target_is_dom0(const char *s)
{
	return strcmp(s, "dom0") == 0 || strcmp(s, "@adminvm") == 0 ||
	       strcmp(s, "uuid:00000000-0000-0000-0000-000000000000") == 0;
}
