/* methods: the Admin API as a table. Each method has its name, whether it
 * takes an argument and a payload, what its destination must be, its
 * scope (local: about one qube; global: about the system) and R/W/X
 * flags, and its handler. The dispatcher's checks and the default policy
 * files (90-admin-default.policy and include/admin-{local,global}-{ro,rwx})
 * are both generated from this table. */
#ifndef BULKHEAD_DOMAINS_METHODS_H
#define BULKHEAD_DOMAINS_METHODS_H

#include "domains/admin_proto.h"
#include "domains/app.h"

#include <stdbool.h>

enum m_need { M_NO, M_REQ, M_OPT };
enum m_dest {
	M_DEST_DOM0,   /* must be the AdminVM */
	M_DEST_VM,     /* any qube, dom0 included */
	M_DEST_NOT0,   /* any qube but dom0 */
	M_DEST_ANY,    /* dom0 (meaning all) or one qube */
};
enum m_scope { M_LOCAL, M_GLOBAL };
enum { M_R = 1, M_W = 2, M_X = 4 };
enum m_socket { M_ADMIN, M_INTERNAL };

struct server;

/* One call being handled. */
struct call {
	struct app *app;
	struct server *srv;            /* bulkheadd's server (events, lifecycle) */
	const struct admin_request *rq;
	const struct method *m;
	struct domain *src;            /* the caller */
	struct domain *dest;
	struct wbuf *out;              /* the OK content */
	struct admin_err err;
	int conn;                      /* the connection's id in the server */
	bool streaming;                /* the handler turned it into an event stream */
	bool deferred;                 /* the answer comes later (e.g. Shutdown+wait) */
};

typedef int (*method_fn)(struct call *c);

struct method {
	const char *name;
	enum m_need arg, payload;
	enum m_dest dest;
	enum m_scope scope;
	unsigned rwx;
	enum m_socket socket;
	method_fn fn;
};

const struct method *method_find(const char *name, enum m_socket sock);
const struct method *method_table(size_t *n);
/* The checks done before a handler runs (method, payload, argument,
 * destination), with upstream's ProtocolError texts. */
int method_check(const struct method *m, const struct admin_request *rq,
		 const struct domain *dest, struct admin_err *err);
/* Writes the default admin policy into dir (90-admin-default.policy) and
 * dir/include (the four include files, unless they already exist). */
int method_write_policy(const char *dir, char *err, size_t errlen);

/* Handlers (handlers_*.c). */
int h_vmclass_list(struct call *c);
int h_vm_list(struct call *c);
int h_label_list(struct call *c);
int h_label_get(struct call *c);
int h_label_index(struct call *c);
int h_vm_create(struct call *c);
int h_vm_remove(struct call *c);
int h_vm_current_state(struct call *c);
int h_prop_list(struct call *c);
int h_prop_get(struct call *c);
int h_prop_get_all(struct call *c);
int h_prop_get_default(struct call *c);
int h_prop_set(struct call *c);
int h_prop_reset(struct call *c);
int h_prop_help(struct call *c);
int h_tag_list(struct call *c);
int h_tag_get(struct call *c);
int h_tag_set(struct call *c);
int h_tag_remove(struct call *c);
int h_feature_list(struct call *c);
int h_feature_get(struct call *c);
int h_feature_check_with_template(struct call *c);
int h_feature_set(struct call *c);
int h_feature_remove(struct call *c);
int h_vm_create_disposable(struct call *c);
int h_vm_start(struct call *c);
int h_vm_shutdown(struct call *c);
int h_vm_kill(struct call *c);
int h_vm_pause(struct call *c);
int h_vm_unpause(struct call *c);
int h_events(struct call *c);
int h_internal_system_info(struct call *c);

/* The second check qubesd makes (admin-permission:<method>): may the
 * caller act (for List and Events, see a given qube)? Implemented by the
 * server with the policy engine; dom0 may do everything. */
bool call_may_see(struct call *c, const struct domain *target, const char *arg);
int call_permission(struct call *c);

/* Content helpers. */
int call_printf(struct call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
