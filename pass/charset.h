/* charset: the tr(1) set syntax of PASSWORD_STORE_CHARACTER_SET (pass runs
 * `LC_ALL=C tr -dc "$CHARACTER_SET"`): literal bytes, ranges "a-z",
 * classes "[:alnum:]" (alnum alpha blank cntrl digit graph lower print punct
 * space upper xdigit, C locale), equivalence "[=c=]", backslash escapes
 * (\\ \a \b \f \n \r \t \v and octal \NNN). A pure parser over an
 * explicit-length buffer: the spec comes from the client, untrusted. */
#ifndef BULKHEAD_PASS_CHARSET_H
#define BULKHEAD_PASS_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PASS_CHARSET_MAX_SPEC 1024

/* Fills set[b] for every byte b the spec admits. Returns the number of
 * bytes in the set, or -1 with a message in err (bad class, reversed
 * range, spec too long, empty set). */
int pass_charset_parse(const uint8_t *spec, size_t len, bool set[256],
		       char *err, size_t errlen);

#endif
