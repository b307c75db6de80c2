/* qubesdb_file: encoding and lookup of the domain's qubesdb file (see
 * qubesdb_file.h). */
#include "domains/qubesdb_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool qdb_valid_path(const char *path)
{
	size_t n = strlen(path);
	if (n < 1 || n > QDB_MAX_PATH || path[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];
		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}

bool qdb_valid_value(const char *value)
{
	return strlen(value) <= QDB_MAX_VALUE;
}

int qdb_encode(const struct qdb_entry *e, size_t n, char **out, size_t *len,
	       char *err, size_t errlen)
{
	size_t total = sizeof QDB_MAGIC;
	for (size_t i = 0; i < n; i++) {
		if (!e[i].path || !qdb_valid_path(e[i].path)) {
			snprintf(err, errlen, "qubesdb: invalid path '%.80s'",
				 e[i].path ? e[i].path : "(null)");
			return -1;
		}
		if (!e[i].value || !qdb_valid_value(e[i].value)) {
			snprintf(err, errlen, "qubesdb: value of %s is missing or longer than %d bytes",
				 e[i].path, QDB_MAX_VALUE);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(e[i].path, e[j].path) == 0) {
				snprintf(err, errlen, "qubesdb: %s given twice", e[i].path);
				return -1;
			}
		total += strlen(e[i].path) + 1 + strlen(e[i].value) + 1;
	}
	if (total > QDB_MAX_FILE) {
		snprintf(err, errlen, "qubesdb: %zu bytes is too much", total);
		return -1;
	}
	char *p = malloc(total);
	if (!p) {
		snprintf(err, errlen, "qubesdb: out of memory");
		return -1;
	}
	size_t off = 0;
	memcpy(p, QDB_MAGIC, sizeof QDB_MAGIC);
	off += sizeof QDB_MAGIC;
	for (size_t i = 0; i < n; i++) {
		size_t kl = strlen(e[i].path) + 1, vl = strlen(e[i].value) + 1;
		memcpy(p + off, e[i].path, kl);
		off += kl;
		memcpy(p + off, e[i].value, vl);
		off += vl;
	}
	*out = p;
	*len = total;
	return 0;
}

int qdb_lookup(const char *data, size_t len, const char *path, const char **value)
{
	if (len < sizeof QDB_MAGIC || memcmp(data, QDB_MAGIC, sizeof QDB_MAGIC) != 0 ||
	    data[len - 1] != '\0')
		return -1;
	size_t off = sizeof QDB_MAGIC;
	int found = 0;
	while (off < len) {
		const char *k = data + off;
		size_t kl = strlen(k); /* bounded: data ends with NUL */
		off += kl + 1;
		if (off >= len)
			return -1; /* a path without a value */
		const char *v = data + off;
		off += strlen(v) + 1;
		if (!found && strcmp(k, path) == 0) {
			*value = v;
			found = 1;
		}
	}
	return found;
}
