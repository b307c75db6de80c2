/* sysinfo: the system information the policy is evaluated against, as
 * qubesd's internal.GetSystemInfo returns it: a JSON object
 * {"domains": {NAME: {"tags": [...], "type": ..., "template_for_dispvms":
 * bool, "default_dispvm": NAME|null, "power_state": ..., "uuid": ...,
 * "internal": any, "icon": ..., "label": ..., "guivm": ..., "relayvm": ...,
 * "transport_rpc": ...}}}. Parsing is pure (a buffer with its length) and
 * strict about types: a field of the wrong type is an error naming the
 * domain and field, and a domain name must be a valid qube name; unknown fields are ignored, missing ones take empty
 * defaults. Lookups accept a name or "uuid:UUID", as upstream's aliased
 * dictionary does. */
#ifndef BULKHEAD_POLICY_SYSINFO_H
#define BULKHEAD_POLICY_SYSINFO_H

#include "lib/arena.h"
#include "lib/strmap.h"

#include <stdbool.h>
#include <stddef.h>

#define SYSINFO_MAX_BYTES (64u * 1024 * 1024)

struct si_domain {
	const char *name;
	const char *uuid;          /* without "uuid:", or NULL */
	const char *type;          /* AdminVM, AppVM, ... ("" if missing) */
	const char **tags;
	size_t ntags;
	bool template_for_dispvms;
	const char *default_dispvm; /* NULL if none */
	const char *power_state;   /* "" if missing */
	bool internal;             /* the feature's value is truthy */
	const char *icon, *label, *guivm, *relayvm, *transport_rpc; /* or NULL */
};

struct sysinfo {
	struct arena a;
	struct si_domain *doms;    /* in the order of the JSON object */
	size_t n;
	struct strmap by_key;      /* name and "uuid:U" -> struct si_domain * */
	unsigned refs;             /* parse sets 1; sysinfo_free drops one */
};

/* Returns 0 with *out, or -1 with a message in err. */
int sysinfo_parse(const char *json, size_t len, struct sysinfo **out,
		  char *err, size_t errlen);
/* Drops one reference; the last one frees. */
void sysinfo_free(struct sysinfo *si);
struct sysinfo *sysinfo_ref(struct sysinfo *si);
/* A domain by name or by "uuid:UUID"; NULL if unknown. */
const struct si_domain *sysinfo_get(const struct sysinfo *si, const char *key);
bool si_has_tag(const struct si_domain *d, const char *tag);
/* Reads and parses a JSON file. */
int sysinfo_load_file(const char *path, struct sysinfo **out, char *err, size_t errlen);

#endif
