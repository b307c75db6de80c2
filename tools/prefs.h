/* prefs: what qvm-prefs and qubes-prefs do with a property holder (a
 * qube, or the global object): list every property with upstream's D
 * (default) / - (set) / U (unavailable) marks, print one value, set one,
 * reset one (--default), or describe them all (--help-properties). */
#ifndef BULKHEAD_TOOLS_PREFS_H
#define BULKHEAD_TOOLS_PREFS_H

#include "tools/session.h"

#include <stdbool.h>

struct prefs_args {
	const char *property;   /* NULL: list */
	const char *value;      /* NULL: get (or reset with reset) */
	bool reset;             /* --default / -D */
	bool hide_default;
	bool help_properties;
};

/* Runs the action on the qube `dest` (global false) or on the global
 * object (global true, dest "dom0"). Returns the exit code; usage errors
 * (no such property) exit 2 from inside. */
int prefs_run(struct session *s, const struct prefs_args *a, bool global, const char *dest);

#endif
