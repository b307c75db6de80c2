/* app: bulkheadd's state: every qube with its explicit property values,
 * tags and features, the global properties and labels, and what is
 * running. Every change goes through here: it is checked, written to the
 * registry in one transaction (registry.h) and then announced as an event
 * (the callback). Errors carry Qubes' exception class names. */
#ifndef BULKHEAD_DOMAINS_APP_H
#define BULKHEAD_DOMAINS_APP_H

#include "domains/model.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kv {
	char *key;
	char *value;
};

struct domain {
	uint32_t qid;
	char uuid[37];
	char name[32];
	enum vm_class cls;
	struct kv *props;       /* explicit values, sorted by key */
	size_t nprops;
	char **tags;            /* sorted */
	size_t ntags;
	struct kv *features;    /* sorted by key */
	size_t nfeatures;
	/* runtime, not persisted */
	enum power_state state;
	long long start_time;   /* CLOCK_REALTIME seconds, 0 when halted */
	int pid;                /* the sandbox's init, or 0 */
};

/* An Admin API failure: Qubes' exception class and its message. */
struct admin_err {
	const char *type;
	char msg[512];
};

void admin_err_set(struct admin_err *e, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Events: subject (a qube name, or "" for the app), event name, and n
 * key/value pairs. */
typedef void (*app_event_fn)(void *ctx, const char *subject, const char *event,
			     const char *const *kv, size_t n);

struct registry;

struct app {
	struct domain **doms;   /* sorted by name; doms[?] is dom0 */
	size_t ndoms, cap;
	struct kv *gprops;      /* explicit global values, sorted */
	size_t ngprops;
	struct label labels[LABEL_MAX];
	size_t nlabels;
	struct registry *reg;   /* NULL: nothing is persisted (tests) */
	app_event_fn on_event;
	void *event_ctx;
};

/* A fresh app with dom0 and the default labels, or the one the registry
 * holds. Returns 0 or -1 with err. */
int app_init(struct app *a, struct registry *reg, struct admin_err *err);
void app_free(struct app *a);

/* By name, or "uuid:UUID". */
struct domain *app_find(const struct app *a, const char *key);
struct domain *app_find_qid(const struct app *a, uint32_t qid);
const struct label *app_label(const struct app *a, const char *name_or_index);
const struct label *app_label_by_index(const struct app *a, int index);

/* Property access. d NULL: the global object. */
/* Writes the effective value into out; *is_default tells whether it came
 * from the default. Returns 0, or -1 with err (QubesNoSuchPropertyError). */
int app_prop_get(const struct app *a, const struct domain *d, const char *name,
		 char *out, size_t n, bool *is_default, const struct prop_def **def,
		 struct admin_err *err);
/* The default alone: 1 with a value, 0 when there is none, -1 on error. */
int app_prop_default(const struct app *a, const struct domain *d, const char *name,
		     char *out, size_t n, const struct prop_def **def, struct admin_err *err);
int app_prop_set(struct app *a, struct domain *d, const char *name, const char *value,
		 size_t len, struct admin_err *err);
int app_prop_reset(struct app *a, struct domain *d, const char *name, struct admin_err *err);
/* The effective value of a VM-typed property as a qube (NULL: none). */
struct domain *app_prop_vm(const struct app *a, const struct domain *d, const char *name);
/* Convenience: explicit-or-default value of a property, "" if unset. */
const char *app_prop_str(const struct app *a, const struct domain *d, const char *name,
			 char *buf, size_t n);

/* Creation and removal. template may be NULL (the default template for
 * classes that need one). caller names the calling qube (created-by-). */
struct domain *app_create(struct app *a, enum vm_class c, const char *name,
			  const char *label, const char *template, const char *caller,
			  struct admin_err *err);
/* A new disposable (DispVM disp<N>, N random) of tpl, which must have
 * template_for_dispvms: label of tpl, auto_cleanup, tags created-by- and
 * disp-created-by-CALLER, all in one registry transaction. */
struct domain *app_create_disposable(struct app *a, const struct domain *tpl,
				     const char *caller, struct admin_err *err);
int app_remove(struct app *a, struct domain *d, struct admin_err *err);

int app_tag_set(struct app *a, struct domain *d, const char *tag, struct admin_err *err);
int app_tag_remove(struct app *a, struct domain *d, const char *tag, struct admin_err *err);
bool app_has_tag(const struct domain *d, const char *tag);
const char *app_feature(const struct domain *d, const char *name);
int app_feature_set(struct app *a, struct domain *d, const char *name, const char *value,
		    size_t len, struct admin_err *err);
int app_feature_remove(struct app *a, struct domain *d, const char *name,
		       struct admin_err *err);

/* Power state changes (from the lifecycle code), announced as events. */
void app_set_state(struct app *a, struct domain *d, enum power_state s);

/* internal.GetSystemInfo: {"domains": {...}} as the policy daemon reads it.
 * malloc'd. */
char *app_system_info_json(const struct app *a);

void app_emit(struct app *a, const char *subject, const char *event,
	      const char *const *kv, size_t n);

#endif
