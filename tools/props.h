/* props: property answers of the Admin API, for a qube
 * (admin.vm.property.*) or the global object (admin.property.*, dest
 * dom0). Get answers `default=True|False type=T VALUE`; GetAll one
 * `NAME default=... type=... VALUE` line per property with backslash and
 * newline escaped. Values keep upstream's client meaning: an empty int or
 * bool is "unavailable" (qvm-prefs' U), an empty vm or label is None. */
#ifndef BULKHEAD_TOOLS_PROPS_H
#define BULKHEAD_TOOLS_PROPS_H

#include "tools/adminclient.h"

#include <stdbool.h>
#include <stddef.h>

enum pv_type { PV_STR, PV_INT, PV_BOOL, PV_VM, PV_LABEL };

struct propval {
	char *name;        /* GetAll: the property; single Get: NULL (malloc'd) */
	bool is_default;
	enum pv_type type;
	char *value;       /* unescaped, NUL-terminated (malloc'd) */
	size_t len;        /* of value (it may hold NULs) */
};

struct propset {
	struct propval *v;
	size_t n;
};

/* Parses a Get answer (name NULL). Returns 0, or -1 with *err. Free with
 * propval_free. */
int prop_parse_get(const char *s, size_t n, struct propval *out, const char **err);
void propval_free(struct propval *p);
/* Parses a GetAll answer. Returns 0, or -1 with *err. */
int propset_parse(const char *s, size_t n, struct propset *out, const char **err);
const struct propval *propset_find(const struct propset *ps, const char *name);
void propset_free(struct propset *ps);

/* int/bool with no value: upstream's client raises AttributeError */
bool pv_unavailable(const struct propval *p);
/* vm/label with no value: None */
bool pv_is_none(const struct propval *p);

/* The method prefix for a target: "admin.vm.property." for a qube,
 * "admin.property." for the global object (global = true). */
const char *props_prefix(bool global);

/* Properties of several targets at once: GetAll for each; where GetAll is
 * refused (policy, PermissionDenied), property.Get for each name in
 * `fallback` (NULL: property.List then Get for every property), leaving
 * out those that fail. out[i] answers dests[i]; failed[i] (may be NULL)
 * gets a copy of a GetAll failure that was not a refusal (e.g. the qube
 * is gone), with out[i] empty. Returns 0, or -1 when out of memory. */
int props_fetch_many(const struct admin_ctx *c, bool global, const char *const *dests,
		     size_t n, const char *const *fallback, size_t nfallback,
		     struct propset *out, struct admin_result *failed);

#endif
