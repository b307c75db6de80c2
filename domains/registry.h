/* registry: bulkheadd's persistent state in SQLite (WAL): qubes, their
 * explicit property values, tags and features, global properties and
 * labels. Every write call of the Admin API is one transaction touching
 * only the rows it changes (O(1) in the number of qubes). A database with
 * a newer schema version, or one SQLite cannot read, is refused with a
 * clear message and left untouched. */
#ifndef BULKHEAD_DOMAINS_REGISTRY_H
#define BULKHEAD_DOMAINS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REGISTRY_SCHEMA_VERSION 1
#define REGISTRY_DEFAULT_PATH "/var/lib/bulkhead/qubes.db"

struct registry;
struct app;
struct domain;
struct label;

/* Opens (creating a new database with the current schema when the file
 * does not exist). Returns 0, or -1 with err naming the file. */
int registry_open(const char *path, struct registry **out, char *err, size_t errlen);
void registry_close(struct registry *r);
/* Whether the database was created by this open (nothing to load). */
bool registry_is_new(const struct registry *r);

/* Reads everything into a (which must hold only dom0 and defaults). */
int registry_load(struct registry *r, struct app *a, char *err, size_t errlen);

int registry_begin(struct registry *r);
int registry_commit(struct registry *r);
void registry_rollback(struct registry *r);

int registry_add_domain(struct registry *r, const struct domain *d);
int registry_del_domain(struct registry *r, uint32_t qid);
/* d NULL: a global property. value NULL: back to the default. */
int registry_set_prop(struct registry *r, const struct domain *d, const char *name,
		      const char *value);
int registry_set_tag(struct registry *r, const struct domain *d, const char *tag, bool on);
int registry_set_feature(struct registry *r, const struct domain *d, const char *name,
			 const char *value);
int registry_put_label(struct registry *r, const struct label *l);
/* The last SQLite error message. */
const char *registry_error(const struct registry *r);

#endif
