/* bh_demo: `bulkhead demo`: the demo world and its scenario (see
 * bh_demo.c). */
#ifndef BULKHEAD_TOOLS_BH_DEMO_H
#define BULKHEAD_TOOLS_BH_DEMO_H

#include "tools/bh_host.h"

/* Returns a process exit code: 0 when every step went as expected. */
int bh_demo(struct bh *b);

#endif
