/* cmdline: parser for qrexec command lines, as carried in EXEC_CMDLINE:
 *   to a domain:  USER:[nogui:]QUBESRPC SVC[+ARG] SOURCE
 *                 USER:shell command          (legacy, plain command)
 *   to dom0:      [nogui:]QUBESRPC SVC[+ARG] SOURCE TYPE TARGET
 * Pure: works on a buffer with an explicit length, allocates the result. */
#ifndef BULKHEAD_QREXEC_CMDLINE_H
#define BULKHEAD_QREXEC_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define QREXEC_SERVICE_NAME_MAX 255 /* NAME_MAX: one path component */

struct qrexec_cmd {
	char *user;      /* NULL when parsed without a user part */
	bool nogui;
	char *command;   /* text after USER: and nogui: */
	/* Set only for QUBESRPC commands: */
	bool is_rpc;
	char *descriptor;   /* SVC+ARG exactly as received ("SVC" if no '+') */
	char *service_name; /* SVC */
	char *arg;          /* ARG, "" for "SVC+", NULL if no '+' at all */
	char *source;       /* SOURCE */
	size_t ntokens;     /* whitespace-separated tokens after QUBESRPC */
	char *target_type;  /* token 3, or NULL */
	char *target;       /* token 4, or NULL */
};

/* Returns 0, or -1 with *err set to a static message. Rejects interior
 * NULs (a trailing NUL in the buffer is allowed and ignored). */
int qrexec_cmd_parse(const char *buf, size_t len, bool with_user,
		     struct qrexec_cmd *out, const char **err);
void qrexec_cmd_free(struct qrexec_cmd *c);
/* The descriptor with '+' appended when there was none (lookup name). */
char *qrexec_cmd_lookup_name(const struct qrexec_cmd *c);

#endif
