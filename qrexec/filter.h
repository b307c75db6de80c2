/* filter: terminal escape filtering for remote output (qrexec -t/-T).
 * Every byte outside 0x20..0x7e becomes '_', except \t \n \r \b \a. */
#ifndef BULKHEAD_QREXEC_FILTER_H
#define BULKHEAD_QREXEC_FILTER_H

#include <stddef.h>
#include <stdint.h>

void filter_escape_chars(uint8_t *p, size_t n);

#endif
