/* pyrepr: Python's repr() of a string, as upstream's policy messages print
 * values ({!r}), so our error texts read the same. Pure. */
#ifndef BULKHEAD_POLICY_PYREPR_H
#define BULKHEAD_POLICY_PYREPR_H

#include <stddef.h>

/* Writes the quoted, escaped form of s into out (truncated to fit n) and
 * returns out. */
const char *pyrepr(const char *s, char *out, size_t n);

#endif
