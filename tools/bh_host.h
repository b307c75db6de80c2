/* bh_host: the `bulkhead` command's host side: bringing the daemons up
 * (bulkheadd, qrexec-policy-daemon; bulkheadd runs qrexec-vchan-broker),
 * the default `host` template with its services and the default admin
 * policy; bringing everything down again; telling what runs. */
#ifndef BULKHEAD_TOOLS_BH_HOST_H
#define BULKHEAD_TOOLS_BH_HOST_H

#include "tools/adminclient.h"
#include "tools/bh_daemon.h"
#include "tools/bh_layout.h"

#include <stdbool.h>

struct bh {
	struct bh_layout l;
	struct bh_programs p;
	struct admin_ctx ac;
	struct bh_daemon bulkheadd, policyd, broker;
};

/* Fills b for root (see bh_layout_init) and programs dir (NULL:
 * installed). Returns 0 or -1 with a message in err. */
int bh_init(struct bh *b, const char *root, const char *programs, char *err, size_t errlen);

/* Each returns a process exit code and reports on stdout/stderr. */
int bh_up(struct bh *b);
int bh_down(struct bh *b);
int bh_status(struct bh *b);

/* One Admin API call as dom0; on failure prints "bulkhead: WHAT: why" and
 * returns -1. r is always to be freed. */
int bh_call(struct bh *b, const char *dest, const char *method, const char *arg,
	    const char *payload, struct admin_result *r);
/* Runs argv with the environment a dom0 qrexec program needs here
 * (VCHAN_DOMAIN=0, the vchan base, QUBESD_SOCKET). With out, stdout and
 * stderr are captured into it (NUL-terminated, truncated to n). Returns the exit
 * status (128+signal when killed), or -1. */
int bh_run(struct bh *b, char *const argv[], char *out, size_t n);

#endif
