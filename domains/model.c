/* model: classes, states, labels, names and the property table (see
 * model.h). The defaults that depend on other qubes are computed in app.c
 * (app_prop_get) through the dflt functions declared here. */
#include "domains/model.h"
#include "domains/app.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const class_names[VMC__N] = {
	"AdminVM", "AppVM", "TemplateVM", "StandaloneVM", "DispVM",
};

const char *vm_class_name(enum vm_class c)
{
	return c < VMC__N ? class_names[c] : "?";
}

int vm_class_parse(const char *s)
{
	for (int i = 0; i < VMC__N; i++)
		if (strcmp(s, class_names[i]) == 0)
			return i;
	return -1;
}

const char *power_state_name(enum power_state s)
{
	static const char *const n[] = {"Halted", "Transient", "Running", "Paused",
					"Suspended", "Halting", "Dying", "Crashed", "NA"};
	return s <= PS_NA ? n[s] : "NA";
}

const char *vm_name_invalid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0)
		return "VM name must not be empty";
	if (n > 31)
		return "VM name must be shorter than 32 characters";
	if (!isalpha((unsigned char)name[0]) || (unsigned char)name[0] >= 0x80)
		return "VM name cannot start with hyphen, underscore, dot or numbers";
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!(isalnum(c) && c < 0x80) && c != '_' && c != '.' && c != '-')
			return "VM name contains illegal characters";
	}
	if (strcmp(name, "none") == 0 || strcmp(name, "default") == 0 ||
	    strcmp(name, "Domain-0") == 0)
		return "VM name cannot be 'none', 'default' or 'Domain-0'";
	if (n >= 3 && strcmp(name + n - 3, "-dm") == 0)
		return "VM name cannot end with -dm";
	return NULL;
}

static bool charset_ok(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (!(isalnum(*p) && *p < 0x80) && !strchr(extra, *p))
			return false;
	return true;
}

bool tag_valid(const char *tag)
{
	return charset_ok(tag, "_-");
}

bool label_name_valid(const char *name)
{
	return charset_ok(name, "_.-");
}

bool feature_name_valid(const char *name)
{
	return charset_ok(name, "_.-");
}

const struct label default_labels[8] = {
	{1, "red", "0xcc0000"},    {2, "orange", "0xf57900"}, {3, "yellow", "0xedd400"},
	{4, "green", "0x73d216"},  {5, "gray", "0x555555"},   {6, "blue", "0x3465a4"},
	{7, "purple", "0x75507b"}, {8, "black", "0x000000"},
};

const char *prop_type_name(enum prop_type t)
{
	switch (t) {
	case PT_STR: return "str";
	case PT_INT: return "int";
	case PT_BOOL: return "bool";
	case PT_VM: return "vm";
	case PT_LABEL: return "label";
	}
	return "str";
}

/* ---- defaults ---- */

/* the same property of the template, if the qube has one, else `fixed`
 * (which may name a global property as "@global:NAME") */
static int dflt_tpl(const struct app *a, const struct domain *d, const struct prop_def *p,
		    char *out, size_t n);

static int put(char *out, size_t n, const char *v)
{
	snprintf(out, n, "%s", v);
	return 1;
}

static int dflt_fixed_or_global(const struct app *a, const char *fixed, char *out, size_t n)
{
	if (!fixed)
		return 0;
	if (strncmp(fixed, "@global:", 8) == 0) {
		bool is_default;
		struct admin_err err;
		if (app_prop_get(a, NULL, fixed + 8, out, n, &is_default, NULL, &err) < 0)
			return 0;
		return 1;
	}
	return put(out, n, fixed);
}

static int dflt_tpl(const struct app *a, const struct domain *d, const struct prop_def *p,
		    char *out, size_t n)
{
	struct domain *t = d ? app_prop_vm(a, d, "template") : NULL;
	if (t && t != d) {
		bool is_default;
		struct admin_err err;
		if (app_prop_get(a, t, p->name, out, n, &is_default, NULL, &err) == 0)
			return 1;
	}
	return dflt_fixed_or_global(a, p->fixed, out, n);
}

static int dflt_klass(const struct app *a, const struct domain *d, const struct prop_def *p,
		      char *out, size_t n)
{
	(void)a;
	(void)p;
	return put(out, n, vm_class_name(d->cls));
}

static int dflt_icon(const struct app *a, const struct domain *d, const struct prop_def *p,
		     char *out, size_t n)
{
	(void)p;
	static const char *const kind[VMC__N] = {"adminvm", "appvm", "templatevm",
						  "standalonevm", "dispvm"};
	char lb[64];
	app_prop_str(a, d, "label", lb, sizeof lb);
	snprintf(out, n, "%s-%s", kind[d->cls], lb[0] ? lb : "black");
	return 1;
}

static int dflt_updateable(const struct app *a, const struct domain *d,
			   const struct prop_def *p, char *out, size_t n)
{
	(void)a;
	(void)p;
	bool has_tpl = d->cls == VMC_APP || d->cls == VMC_DISP;
	return put(out, n, has_tpl ? "False" : "True");
}

static int dflt_netvm(const struct app *a, const struct domain *d, const struct prop_def *p,
		      char *out, size_t n)
{
	(void)p;
	if (d->cls == VMC_TEMPLATE)
		return 0;
	return dflt_fixed_or_global(a, "@global:default_netvm", out, n) && out[0];
}

static int dflt_default_dispvm(const struct app *a, const struct domain *d,
			       const struct prop_def *p, char *out, size_t n)
{
	(void)p;
	if (d && d->cls == VMC_DISP) {
		struct domain *t = app_prop_vm(a, d, "template");
		return t ? put(out, n, t->name) : 0;
	}
	return dflt_fixed_or_global(a, "@global:default_dispvm", out, n) && out[0];
}

static int dflt_vm_global(const struct app *a, const struct domain *d,
			  const struct prop_def *p, char *out, size_t n)
{
	(void)d;
	return dflt_fixed_or_global(a, p->fixed, out, n) && out[0];
}

static int dflt_xid(const struct app *a, const struct domain *d, const struct prop_def *p,
		    char *out, size_t n)
{
	(void)a;
	(void)p;
	if (d->cls == VMC_ADMIN)
		return put(out, n, "0");
	if (d->state == PS_HALTED)
		return put(out, n, "-1");
	snprintf(out, n, "%u", d->qid);
	return 1;
}

static int dflt_start_time(const struct app *a, const struct domain *d,
			   const struct prop_def *p, char *out, size_t n)
{
	(void)a;
	(void)p;
	if (!d->start_time)
		return 0;
	snprintf(out, n, "%lld", d->start_time);
	return 1;
}

static int dflt_ip(const struct app *a, const struct domain *d, const struct prop_def *p,
		   char *out, size_t n)
{
	(void)p;
	if (!app_prop_vm(a, d, "netvm"))
		return 0;
	snprintf(out, n, "10.137.%u.%u", (d->qid >> 8) & 0xff, d->qid & 0xff);
	return 1;
}

static int dflt_host_cpus(const struct app *a, const struct domain *d,
			  const struct prop_def *p, char *out, size_t n)
{
	(void)a;
	(void)d;
	(void)p;
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(out, n, "%ld", c > 0 ? c : 1);
	return 1;
}

static int dflt_host_maxmem(const struct app *a, const struct domain *d,
			    const struct prop_def *p, char *out, size_t n)
{
	(void)a;
	(void)d;
	(void)p;
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	long long mb = pages > 0 && psz > 0 ? (long long)pages * psz / (1024 * 1024) : 0;
	snprintf(out, n, "%lld", mb);
	return 1;
}

/* ---- the tables ---- */

#define A (1u << VMC_ADMIN)
#define P (1u << VMC_APP)
#define T (1u << VMC_TEMPLATE)
#define S (1u << VMC_STANDALONE)
#define D (1u << VMC_DISP)
#define Q (P | T | S | D)
#define ALL (A | Q)

/* plain properties sorted by name, then the late (qube-referencing) ones */
static const struct prop_def vmprops[] = {
	{"auto_cleanup", PT_BOOL, D, 0, NULL, "False",
	 "Automatically remove this qube when it halts"},
	{"autostart", PT_BOOL, Q, 0, NULL, "False", "Start the qube when bulkhead starts"},
	{"debug", PT_BOOL, Q, 0, NULL, "False", "Debug mode: more logging"},
	{"default_user", PT_STR, Q, 0, dflt_tpl, "user",
	 "Default user for commands run in the qube"},
	{"dispid", PT_INT, D, PF_WRITE_ONCE | PF_NO_RESET, NULL, NULL,
	 "Number of the disposable"},
	{"icon", PT_STR, ALL, PF_READONLY, dflt_icon, NULL, "Icon name (class and label)"},
	{"include_in_backups", PT_BOOL, ALL, 0, NULL, "True",
	 "Whether the qube is backed up by default"},
	{"installed_by_rpm", PT_BOOL, Q, 0, NULL, "False",
	 "Installed by a package: cannot be removed through the Admin API"},
	{"ip", PT_STR, Q, PF_READONLY, dflt_ip, NULL, "IPv4 address of the qube"},
	{"kernel", PT_STR, Q, 0, dflt_tpl, "@global:default_kernel",
	 "Kernel (unused by sandboxes)"},
	{"kernelopts", PT_STR, Q, 0, dflt_tpl, "", "Kernel command line (unused by sandboxes)"},
	{"keyboard_layout", PT_STR, ALL, 0, NULL, "us++", "Keyboard layout"},
	{"klass", PT_STR, ALL, PF_READONLY, dflt_klass, NULL, "Class of the qube"},
	{"label", PT_LABEL, ALL, PF_NO_RESET, NULL, NULL, "Colourful label of the qube"},
	{"mac", PT_STR, Q, 0, NULL, "00:16:3e:5e:6c:00", "MAC address of the qube"},
	{"maxmem", PT_INT, Q, 0, dflt_tpl, "4000", "Maximum memory (MiB)"},
	{"memory", PT_INT, Q, 0, dflt_tpl, "400", "Initial memory (MiB)"},
	{"name", PT_STR, ALL, PF_WRITE_ONCE | PF_NO_RESET, NULL, NULL, "User-visible name"},
	{"provides_network", PT_BOOL, Q, 0, NULL, "False",
	 "Whether the qube provides network to others"},
	{"qid", PT_INT, ALL, PF_WRITE_ONCE | PF_NO_RESET, NULL, NULL, "Internal number"},
	{"qrexec_timeout", PT_INT, Q, 0, dflt_tpl, "@global:default_qrexec_timeout",
	 "Seconds to wait for qrexec to come up when starting"},
	{"shutdown_timeout", PT_INT, Q, 0, dflt_tpl, "@global:default_shutdown_timeout",
	 "Seconds to wait for a clean shutdown"},
	{"start_time", PT_STR, Q, PF_READONLY, dflt_start_time, NULL,
	 "When the qube started (seconds since the epoch)"},
	{"template_for_dispvms", PT_BOOL, P | S, 0, NULL, "False",
	 "Whether disposables may be based on this qube"},
	{"updateable", PT_BOOL, ALL, PF_READONLY, dflt_updateable, NULL,
	 "Whether changes to the root survive a restart"},
	{"uuid", PT_STR, ALL, PF_WRITE_ONCE | PF_NO_RESET, NULL, NULL, "UUID of the qube"},
	{"vcpus", PT_INT, Q, 0, dflt_tpl, "2", "Number of virtual CPUs"},
	{"virt_mode", PT_STR, Q, 0, dflt_tpl, "pvh", "Virtualisation mode (fixed for sandboxes)"},
	{"xid", PT_INT, ALL, PF_READONLY, dflt_xid, NULL, "Runtime domain id, -1 when halted"},
	/* late: they refer to other qubes */
	{"audiovm", PT_VM, Q, PF_NULLABLE | PF_LATE, dflt_vm_global,
	 "@global:default_audiovm", "Qube providing audio"},
	{"default_dispvm", PT_VM, ALL, PF_NULLABLE | PF_LATE, dflt_default_dispvm, NULL,
	 "Default disposable template for calls from this qube"},
	{"guivm", PT_VM, Q, PF_NULLABLE | PF_LATE, dflt_vm_global, "@global:default_guivm",
	 "Qube providing the GUI"},
	{"management_dispvm", PT_VM, Q, PF_NULLABLE | PF_LATE, dflt_tpl,
	 "@global:management_dispvm", "Disposable template for management tasks"},
	{"netvm", PT_VM, Q, PF_NULLABLE | PF_LATE, dflt_netvm, NULL,
	 "Qube providing network (empty: none)"},
	{"template", PT_VM, P | D, PF_LATE | PF_NO_RESET, NULL, NULL,
	 "Template of this qube"},
};

/* a fixed "" is a default of none; no default at all (default_template,
 * default_kernel upstream) is NULL */
static const struct prop_def gprops[] = {
	{"check_updates_vm", PT_BOOL, 0, 0, NULL, "True", "Check for updates in qubes"},
	{"default_kernel", PT_STR, 0, 0, NULL, "", "Default kernel"},
	{"default_pool", PT_STR, 0, 0, NULL, "varlibbulkhead", "Default storage pool"},
	{"default_qrexec_timeout", PT_INT, 0, 0, NULL, "60",
	 "Default time to wait for qrexec"},
	{"default_shutdown_timeout", PT_INT, 0, 0, NULL, "60",
	 "Default time to wait for a shutdown"},
	{"maxmem", PT_INT, 0, PF_READONLY, dflt_host_maxmem, NULL, "Host memory (MiB)"},
	{"no_cpus", PT_INT, 0, PF_READONLY, dflt_host_cpus, NULL, "Number of host CPUs"},
	{"stats_interval", PT_INT, 0, 0, NULL, "3", "Seconds between statistics"},
	{"clockvm", PT_VM, 0, PF_NULLABLE | PF_LATE, NULL, "", "Qube that keeps the time"},
	{"default_audiovm", PT_VM, 0, PF_NULLABLE | PF_LATE, NULL, "dom0",
	 "Default qube providing audio"},
	{"default_dispvm", PT_VM, 0, PF_NULLABLE | PF_LATE, NULL, "",
	 "Default disposable template"},
	{"default_guivm", PT_VM, 0, PF_NULLABLE | PF_LATE, NULL, "dom0",
	 "Default qube providing the GUI"},
	{"default_netvm", PT_VM, 0, PF_NULLABLE | PF_LATE, NULL, "",
	 "Default qube providing network"},
	{"default_template", PT_VM, 0, PF_NULLABLE | PF_LATE, NULL, NULL,
	 "Default template for new qubes"},
	{"management_dispvm", PT_VM, 0, PF_NULLABLE | PF_LATE, NULL, "",
	 "Default disposable template for management"},
	{"updatevm", PT_VM, 0, PF_NULLABLE | PF_LATE, NULL, "", "Qube that downloads updates"},
};

const struct prop_def *vm_props(size_t *n)
{
	*n = sizeof vmprops / sizeof vmprops[0];
	return vmprops;
}

const struct prop_def *global_props(size_t *n)
{
	*n = sizeof gprops / sizeof gprops[0];
	return gprops;
}

const struct prop_def *prop_find(int c, const char *name)
{
	size_t n;
	const struct prop_def *t = c < 0 ? global_props(&n) : vm_props(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return c < 0 || (t[i].classes & (1u << c)) ? &t[i] : NULL;
	return NULL;
}

const char *prop_normalise(enum prop_type t, const char *in, size_t len, char *out, size_t n)
{
	if (len >= n)
		return "value too long";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x80 || c == 0)
			return "value must be ASCII";
		if ((c < 0x20 && !isspace(c)) || c == 0x7f)
			return "value must be printable";
	}
	memcpy(out, in, len);
	out[len] = '\0';
	switch (t) {
	case PT_BOOL: {
		static const char *const yes[] = {"1", "yes", "true", "on"};
		static const char *const no[] = {"0", "no", "false", "off"};
		for (int i = 0; i < 4; i++) {
			if (strcasecmp(out, yes[i]) == 0)
				return snprintf(out, n, "True"), NULL;
			if (strcasecmp(out, no[i]) == 0)
				return snprintf(out, n, "False"), NULL;
		}
		return "invalid boolean value";
	}
	case PT_INT: {
		if (!len)
			return "invalid integer value";
		char *end;
		long long v = strtoll(out, &end, 10);
		if (*end || len > 12)
			return "invalid integer value";
		snprintf(out, n, "%lld", v);
		return NULL;
	}
	case PT_VM:
		if (len && vm_name_invalid(out))
			return vm_name_invalid(out);
		return NULL;
	case PT_STR:
	case PT_LABEL:
		return NULL;
	}
	return NULL;
}
