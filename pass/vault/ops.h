/* ops: one process_* per split-pass operation in the vault, each taking a
 * checked request (passproto_check_request, passproto_in_scope done) and
 * writing exactly one reply. */
#ifndef BULKHEAD_PASS_OPS_H
#define BULKHEAD_PASS_OPS_H

#include "lib/buf.h"
#include "pass/passproto.h"
#include "pass/vault/crypt.h"
#include "pass/vault/store.h"

struct vault {
	struct store store;
	struct crypt *crypt;
	const char *source;  /* the calling qube, for logs */
	struct wbuf reply;   /* secret: zeroed when freed */
};

/* Runs the op of m, leaving the reply in v->reply. */
void vault_process(struct vault *v, const struct pass_msg *m);
/* A reply of one message field. */
void vault_reply_error(struct vault *v, enum pass_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
