/* filter: terminal escape filtering for remote output (see filter.h). */
#include "qrexec/filter.h"

void filter_escape_chars(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if ((c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\n' ||
		    c == '\r' || c == '\b' || c == '\a')
			continue;
		p[i] = '_';
	}
}
