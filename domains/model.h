/* model: the Qubes domain model as bulkheadd keeps it: classes, power
 * states, labels, naming rules, and the property table (which properties
 * each class has, their types, defaults, and what a new value must
 * satisfy). Values travel as strings, as the Admin API carries them; the
 * in-memory state (struct app, app.h) stores explicit values only, and
 * the table computes defaults (from the template, the global properties,
 * or constants). Pure apart from the host facts some defaults read. */
#ifndef BULKHEAD_DOMAINS_MODEL_H
#define BULKHEAD_DOMAINS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vm_class {
	VMC_ADMIN,      /* dom0, qid 0 */
	VMC_APP,        /* root from a TemplateVM */
	VMC_TEMPLATE,
	VMC_STANDALONE,
	VMC_DISP,       /* from a template_for_dispvms AppVM/StandaloneVM */
	VMC__N
};

enum power_state {
	PS_HALTED, PS_TRANSIENT, PS_RUNNING, PS_PAUSED, PS_SUSPENDED,
	PS_HALTING, PS_DYING, PS_CRASHED, PS_NA
};

const char *vm_class_name(enum vm_class c);
/* -1 when unknown */
int vm_class_parse(const char *s);
const char *power_state_name(enum power_state s);

/* A VM name as Qubes allows it: letter first, then [A-Za-z0-9_.-], at most
 * 31 bytes, not none/default/Domain-0, not ending in -dm. Returns NULL, or
 * the reason (QubesValueError's text). */
const char *vm_name_invalid(const char *name);
/* Tags and labels: [A-Za-z0-9_-]+ / [A-Za-z0-9_.-]+; features
 * [A-Za-z0-9_.-]+. */
bool tag_valid(const char *tag);
bool label_name_valid(const char *name);
bool feature_name_valid(const char *name);

#define LABEL_MAX 64
struct label {
	int index;
	char name[32];
	char color[16]; /* 0xRRGGBB */
};
/* The eight default labels, index 1..8. */
extern const struct label default_labels[8];

enum prop_type { PT_STR, PT_INT, PT_BOOL, PT_VM, PT_LABEL };
const char *prop_type_name(enum prop_type t);

/* What a property is, for one class of qube (or for the global object). */
enum prop_flags {
	PF_WRITE_ONCE = 1u << 0, /* name, qid, uuid, dispid */
	PF_READONLY = 1u << 1,   /* computed; never set */
	PF_NULLABLE = 1u << 2,   /* a VM property that may be empty (None) */
	PF_LATE = 1u << 3,       /* listed after the others (refers to qubes) */
	PF_NO_RESET = 1u << 4,   /* has no default to go back to */
};

struct prop_def;
struct app;
struct domain;

/* The default of p for d (NULL: the global object). Writes the value and
 * returns 1, or returns 0 when there is no default (GetDefault answers
 * empty, Get shows an empty value). */
typedef int (*prop_default_fn)(const struct app *a, const struct domain *d,
			       const struct prop_def *p, char *out, size_t n);

struct prop_def {
	const char *name;
	enum prop_type type;
	unsigned classes;  /* bit per enum vm_class; 0 for global props */
	unsigned flags;
	prop_default_fn dflt;
	const char *fixed; /* constant default, when dflt is NULL */
	const char *help;
};

/* The VM properties, and the global (app) ones, each sorted in listing
 * order (plain ones by name, then PF_LATE ones by name). */
const struct prop_def *vm_props(size_t *n);
const struct prop_def *global_props(size_t *n);
/* The definition of name for class c (c < 0: global). NULL if the class
 * has no such property. */
const struct prop_def *prop_find(int c, const char *name);

/* Normalises a new value of type t as upstream's setters read payloads:
 * bool from 1/yes/true/on/0/no/false/off (any case) to True/False, int in
 * decimal, str printable ASCII. Returns NULL, or the error text
 * (QubesValueError). */
const char *prop_normalise(enum prop_type t, const char *in, size_t len, char *out,
			   size_t n);

#endif
