/* methods: the Admin API table, the dispatcher's checks and the default
 * policy generated from the table (see methods.h). */
#include "domains/methods.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define R M_R
#define W M_W
#define X M_X
#define L M_LOCAL
#define G M_GLOBAL

static const struct method table[] = {
	/* name                              arg    payload dest         scope rwx    socket */
	{"admin.vmclass.List",               M_NO,  M_NO,  M_DEST_DOM0, G, R,     M_ADMIN, h_vmclass_list},
	{"admin.vm.List",                    M_NO,  M_NO,  M_DEST_ANY,  G, R,     M_ADMIN, h_vm_list},
	{"admin.label.List",                 M_NO,  M_NO,  M_DEST_DOM0, G, R,     M_ADMIN, h_label_list},
	{"admin.label.Get",                  M_REQ, M_NO,  M_DEST_DOM0, G, R,     M_ADMIN, h_label_get},
	{"admin.label.Index",                M_REQ, M_NO,  M_DEST_DOM0, G, R,     M_ADMIN, h_label_index},
	{"admin.vm.property.List",           M_NO,  M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_prop_list},
	{"admin.vm.property.Get",            M_REQ, M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_prop_get},
	{"admin.vm.property.GetAll",         M_NO,  M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_prop_get_all},
	{"admin.vm.property.GetDefault",     M_REQ, M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_prop_get_default},
	{"admin.vm.property.Set",            M_REQ, M_OPT, M_DEST_VM,   L, R | W, M_ADMIN, h_prop_set},
	{"admin.vm.property.Reset",          M_REQ, M_NO,  M_DEST_VM,   L, R | W, M_ADMIN, h_prop_reset},
	{"admin.vm.property.Help",           M_REQ, M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_prop_help},
	{"admin.property.List",              M_NO,  M_NO,  M_DEST_DOM0, G, R,     M_ADMIN, h_prop_list},
	{"admin.property.Get",               M_REQ, M_NO,  M_DEST_DOM0, G, R,     M_ADMIN, h_prop_get},
	{"admin.property.GetAll",            M_NO,  M_NO,  M_DEST_DOM0, G, R,     M_ADMIN, h_prop_get_all},
	{"admin.property.GetDefault",        M_REQ, M_NO,  M_DEST_DOM0, G, R,     M_ADMIN, h_prop_get_default},
	{"admin.property.Set",               M_REQ, M_OPT, M_DEST_DOM0, G, R | W, M_ADMIN, h_prop_set},
	{"admin.property.Reset",             M_REQ, M_NO,  M_DEST_DOM0, G, R | W, M_ADMIN, h_prop_reset},
	{"admin.property.Help",              M_REQ, M_NO,  M_DEST_DOM0, G, R,     M_ADMIN, h_prop_help},
	{"admin.vm.Create.AppVM",            M_OPT, M_REQ, M_DEST_DOM0, G, R | W, M_ADMIN, h_vm_create},
	{"admin.vm.Create.TemplateVM",       M_OPT, M_REQ, M_DEST_DOM0, G, R | W, M_ADMIN, h_vm_create},
	{"admin.vm.Create.StandaloneVM",     M_OPT, M_REQ, M_DEST_DOM0, G, R | W, M_ADMIN, h_vm_create},
	{"admin.vm.Create.DispVM",           M_OPT, M_REQ, M_DEST_DOM0, G, R | W, M_ADMIN, h_vm_create},
	{"admin.vm.CreateInPool.AppVM",      M_OPT, M_REQ, M_DEST_DOM0, G, R | W, M_ADMIN, h_vm_create},
	{"admin.vm.CreateInPool.TemplateVM", M_OPT, M_REQ, M_DEST_DOM0, G, R | W, M_ADMIN, h_vm_create},
	{"admin.vm.CreateInPool.StandaloneVM", M_OPT, M_REQ, M_DEST_DOM0, G, R | W, M_ADMIN, h_vm_create},
	{"admin.vm.CreateInPool.DispVM",     M_OPT, M_REQ, M_DEST_DOM0, G, R | W, M_ADMIN, h_vm_create},
	{"admin.vm.CreateDisposable",        M_NO,  M_OPT, M_DEST_VM,   G, R | W, M_ADMIN, h_vm_create_disposable},
	{"admin.vm.Remove",                  M_NO,  M_NO,  M_DEST_VM,   G, R | W, M_ADMIN, h_vm_remove},
	{"admin.vm.Start",                   M_NO,  M_NO,  M_DEST_VM,   L, R | X, M_ADMIN, h_vm_start},
	{"admin.vm.Shutdown",                M_OPT, M_NO,  M_DEST_VM,   L, R | X, M_ADMIN, h_vm_shutdown},
	{"admin.vm.Kill",                    M_NO,  M_NO,  M_DEST_VM,   L, R | X, M_ADMIN, h_vm_kill},
	{"admin.vm.Pause",                   M_NO,  M_NO,  M_DEST_VM,   L, R | X, M_ADMIN, h_vm_pause},
	{"admin.vm.Unpause",                 M_NO,  M_NO,  M_DEST_VM,   L, R | X, M_ADMIN, h_vm_unpause},
	{"admin.vm.CurrentState",            M_NO,  M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_vm_current_state},
	{"admin.vm.tag.List",                M_NO,  M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_tag_list},
	{"admin.vm.tag.Get",                 M_REQ, M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_tag_get},
	{"admin.vm.tag.Set",                 M_REQ, M_NO,  M_DEST_VM,   L, R | W, M_ADMIN, h_tag_set},
	{"admin.vm.tag.Remove",              M_REQ, M_NO,  M_DEST_VM,   L, R | W, M_ADMIN, h_tag_remove},
	{"admin.vm.feature.List",            M_NO,  M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_feature_list},
	{"admin.vm.feature.Get",             M_REQ, M_NO,  M_DEST_VM,   L, R,     M_ADMIN, h_feature_get},
	{"admin.vm.feature.CheckWithTemplate", M_REQ, M_NO, M_DEST_VM,  L, R,     M_ADMIN, h_feature_check_with_template},
	{"admin.vm.feature.Set",             M_REQ, M_OPT, M_DEST_VM,   L, R | W, M_ADMIN, h_feature_set},
	{"admin.vm.feature.Remove",          M_REQ, M_NO,  M_DEST_VM,   L, R | W, M_ADMIN, h_feature_remove},
	{"admin.Events",                     M_NO,  M_NO,  M_DEST_ANY,  G, R,     M_ADMIN, h_events},
	{"internal.GetSystemInfo",           M_NO,  M_NO,  M_DEST_DOM0, G, R,     M_INTERNAL, h_internal_system_info},
};

const struct method *method_table(size_t *n)
{
	*n = sizeof table / sizeof table[0];
	return table;
}

const struct method *method_find(const char *name, enum m_socket sock)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (table[i].socket == sock && strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

int method_check(const struct method *m, const struct admin_request *rq,
		 const struct domain *dest, struct admin_err *err)
{
	bool has_payload = rq->payload_len > 0;
	bool has_arg = rq->arg[0] != '\0';
	if (m->payload == M_NO && has_payload) {
		admin_err_set(err, "ProtocolError", "unexpected payload");
		return -1;
	}
	if (m->payload == M_REQ && !has_payload) {
		admin_err_set(err, "ProtocolError", "expected payload");
		return -1;
	}
	if (m->arg == M_NO && has_arg) {
		admin_err_set(err, "ProtocolError", "unexpected argument");
		return -1;
	}
	if (m->arg == M_REQ && !has_arg) {
		admin_err_set(err, "ProtocolError", "expected an argument");
		return -1;
	}
	bool is0 = dest->cls == VMC_ADMIN;
	if (m->dest == M_DEST_DOM0 && !is0) {
		admin_err_set(err, "ProtocolError", "expected destination to be AdminVM");
		return -1;
	}
	if (m->dest == M_DEST_NOT0 && is0) {
		admin_err_set(err, "ProtocolError", "expected destination not to be AdminVM");
		return -1;
	}
	return 0;
}

int call_printf(struct call *c, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof buf)
		return wbuf_put_bytes(c->out, buf, (size_t)n) == BUF_OK ? 0 : -1;
	char *p = malloc((size_t)n + 1);
	if (!p)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	int r = wbuf_put_bytes(c->out, p, (size_t)n) == BUF_OK ? 0 : -1;
	free(p);
	return r;
}

/* ---- the default policy ---- */

static int write_file(const char *path, const char *text, bool keep_existing, char *err,
		      size_t errlen)
{
	if (keep_existing && access(path, F_OK) == 0)
		return 0;
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	if (w != (ssize_t)n || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int method_write_policy(const char *dir, char *err, size_t errlen)
{
	size_t cap = 16384, len = 0;
	char *text = malloc(cap);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	len += (size_t)snprintf(text + len, cap - len,
		"# Generated by bulkheadd from its method table: every Admin API method\n"
		"# includes one of four files. Allow rules go into those files, e.g. in\n"
		"# include/admin-local-rwx:  mgmt @tag:created-by-mgmt allow target=dom0\n"
		"# Do not edit this file: it is rewritten by bulkheadd --write-policy.\n\n");
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const struct method *m = &table[i];
		if (m->socket != M_ADMIN)
			continue;
		if (len + 256 > cap) {
			cap *= 2;
			char *nt = realloc(text, cap);
			if (!nt) {
				free(text);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			text = nt;
		}
		len += (size_t)snprintf(text + len, cap - len,
					"!include-service %s * include/admin-%s-%s\n", m->name,
					m->scope == M_LOCAL ? "local" : "global",
					m->rwx & (M_W | M_X) ? "rwx" : "ro");
	}
	char path[4400], inc[4200];
	snprintf(inc, sizeof inc, "%s/include", dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		free(text);
		return -1;
	}
	if (mkdir(inc, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", inc, strerror(errno));
		free(text);
		return -1;
	}
	snprintf(path, sizeof path, "%s/90-admin-default.policy", dir);
	int rc = write_file(path, text, false, err, errlen);
	free(text);
	static const char *const scopes[] = {"local", "global"};
	for (int s = 0; rc == 0 && s < 2; s++) {
		char body[1024];
		snprintf(path, sizeof path, "%s/admin-%s-rwx", inc, scopes[s]);
		snprintf(body, sizeof body,
			 "# Who may call Admin API methods that change things (%s scope).\n"
			 "# Lines: SOURCE TARGET ACTION [PARAMS]; every allow needs target=dom0.\n",
			 scopes[s]);
		rc = write_file(path, body, true, err, errlen);
		if (rc)
			break;
		snprintf(path, sizeof path, "%s/admin-%s-ro", inc, scopes[s]);
		snprintf(body, sizeof body,
			 "# Who may call read-only Admin API methods (%s scope).\n"
			 "# Whoever may change things may read them too:\n"
			 "!include include/admin-%s-rwx\n", scopes[s], scopes[s]);
		rc = write_file(path, body, true, err, errlen);
	}
	return rc;
}
