/* qubesdb_file: the read-only key/value file that answers qubesdb-read in a
 * domain (the launcher writes it, the domain only reads it).
 *
 * Format: the magic "QDB1" and a NUL, then entries "path\0value\0" in the
 * order given. Paths are Qubes DB paths: start with '/', at most
 * QDB_MAX_PATH bytes of printable ASCII; values are at most QDB_MAX_VALUE
 * bytes without NUL (the limits of Qubes' qubesdb.h). All functions are
 * pure and work on caller-owned memory. */
#ifndef BULKHEAD_QUBESDB_FILE_H
#define BULKHEAD_QUBESDB_FILE_H

#include <stdbool.h>
#include <stddef.h>

#define QDB_MAGIC "QDB1"
#define QDB_MAX_PATH 64
#define QDB_MAX_VALUE 3072
#define QDB_MAX_FILE (1024 * 1024)

struct qdb_entry {
	const char *path;
	const char *value;
};

bool qdb_valid_path(const char *path);
bool qdb_valid_value(const char *value);
/* Encodes n entries (validated; a path given twice is an error) into a
 * malloc'd buffer. Returns 0, or -1 with a reason in err. */
int qdb_encode(const struct qdb_entry *e, size_t n, char **out, size_t *len,
	       char *err, size_t errlen);
/* Looks path up in an encoded file. Returns 1 with *value pointing into
 * data (NUL-terminated there), 0 if absent, -1 if data is malformed. */
int qdb_lookup(const char *data, size_t len, const char *path, const char **value);

#endif
