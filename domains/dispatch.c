/* dispatch: one request from bytes to reply, and the server-side parts
 * of the handlers (policy filters, admin.Events, internal.GetSystemInfo);
 * see dispatch.h. */
#include "domains/dispatch.h"
#include "domains/admin_proto.h"
#include "lib/log.h"
#include "policy/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- policy filtering (qubesd's admin-permission filters) ---- */

static const struct sysinfo *server_sysinfo(struct server *s)
{
	if (s->si && !s->si_dirty)
		return s->si;
	char *js = app_system_info_json(&s->app);
	struct sysinfo *si = NULL;
	char err[256];
	if (js && sysinfo_parse(js, strlen(js), &si, err, sizeof err) < 0)
		LOG_ERR("system info for policy: %s", err);
	free(js);
	if (si) {
		sysinfo_free(s->si);
		s->si = si;
		s->si_dirty = false;
	}
	return s->si;
}

bool dispatch_policy_allows(struct server *s, const char *src, const char *service,
			    const char *arg, const char *target)
{
	const struct policy *p = s->have_policy ? pcache_current(&s->pc) : NULL;
	const struct sysinfo *si = server_sysinfo(s);
	if (!p || !si)
		return false;
	struct pol_request rq = {.service = service, .argument = arg, .source = src,
				 .target = target};
	struct pol_result res;
	pol_evaluate(p, si, &rq, &res, NULL, NULL);
	bool ok = res.verdict == POL_ALLOW;
	pol_result_free(&res);
	return ok;
}

int call_permission(struct call *c)
{
	(void)c;
	/* qrexec policy already decided this call; the vetoes qubesd's
	 * extensions add (created-by- tags, prohibited features) are in the
	 * handlers and in app.c */
	return 0;
}

bool call_may_see(struct call *c, const struct domain *target, const char *arg)
{
	(void)arg;
	if (c->src->cls == VMC_ADMIN)
		return true;
	return dispatch_policy_allows(c->srv, c->src->name, "admin.vm.List", "+", target->name);
}

/* ---- handlers that need the server ---- */

/* admin.Events: the connection becomes an event stream; its first frame
 * is connection-established (subject empty). */
int h_events(struct call *c)
{
	if (call_permission(c) < 0)
		return -1;
	if (admin_put_event(c->out, "", "connection-established", NULL, 0) != BUF_OK) {
		admin_err_set(&c->err, "QubesException", "out of memory");
		return -1;
	}
	c->streaming = true;
	return 0;
}

int h_internal_system_info(struct call *c)
{
	char *js = app_system_info_json(c->app);
	if (!js) {
		admin_err_set(&c->err, "QubesException", "out of memory");
		return -1;
	}
	int r = wbuf_put_bytes(c->out, js, strlen(js)) == BUF_OK ? 0 : -1;
	free(js);
	return r;
}

/* ---- one request ---- */

/* Resolves the destination as qubesd does. */
static struct domain *resolve_dest(struct server *s, const struct admin_request *rq,
				   struct admin_err *err)
{
	if (rq->dest_type == ADMIN_DEST_KEYWORD)
		return app_find(&s->app, "dom0");
	const char *d = rq->dest;
	if (strncmp(d, "uuid:", 5) == 0) {
		const char *u = d + 5;
		bool ok = strlen(u) == 36;
		for (int i = 0; ok && i < 36; i++)
			ok = (i == 8 || i == 13 || i == 18 || i == 23)
				     ? u[i] == '-' : strchr("0123456789abcdef", u[i]) && u[i];
		if (!ok) {
			admin_err_set(err, "QubesVMInvalidUUIDError", "Invalid UUID: %s", u);
			return NULL;
		}
	} else if (vm_name_invalid(d)) {
		admin_err_set(err, "QubesValueError", "%s", vm_name_invalid(d));
		return NULL;
	}
	struct domain *dom = app_find(&s->app, d);
	if (!dom)
		admin_err_set(err, "QubesVMNotFoundError", "No such domain: '%s'", d);
	return dom;
}

static void put_exception(struct wbuf *out, const struct admin_err *e)
{
	admin_put_exception(out, e->type ? e->type : "QubesException", e->msg);
}

void dispatch_request(struct server *s, enum m_socket sock, int conn, const uint8_t *buf,
		      size_t len, struct wbuf *out, struct dispatch_result *res)
{
	struct admin_request rq;
	const char *perr;
	struct admin_err err = {0};
	memset(res, 0, sizeof *res);
	enum admin_parse pr = admin_request_parse(buf, len, true, &rq, &perr);
	if (pr != ADMIN_PARSE_OK) {
		LOG_WARN("malformed request: %s", perr);
		admin_err_set(&err, "ProtocolError", "%s", perr);
		put_exception(out, &err);
		return;
	}
	const struct method *m = method_find(rq.method, sock);
	struct domain *src = app_find(&s->app, rq.source);
	struct domain *dest = NULL;
	if (!m)
		admin_err_set(&err, "ProtocolError", "no such method");
	else if (!src)
		admin_err_set(&err, "QubesVMNotFoundError", "No such domain: '%s'", rq.source);
	else if (!(dest = resolve_dest(s, &rq, &err)))
		;
	else
		method_check(m, &rq, dest, &err);
	if (err.type) {
		put_exception(out, &err);
		return;
	}
	snprintf(res->src, sizeof res->src, "%s", src->name);
	res->src_is_dom0 = src->cls == VMC_ADMIN;
	struct wbuf content;
	wbuf_init(&content, DISPATCH_CONTENT_MAX);
	struct call call = {.app = &s->app, .srv = s, .rq = &rq, .m = m, .src = src,
			    .dest = dest, .out = &content, .conn = conn};
	int r = m->fn(&call);
	if (r < 0) {
		if (!call.err.type)
			admin_err_set(&call.err, "QubesException", "failed");
		LOG_INFO("%s+%s from %s to %s: %s: %s", rq.method, rq.arg, rq.source, rq.dest,
			 call.err.type, call.err.msg);
		put_exception(out, &call.err);
	} else if (call.streaming) {
		res->streaming = true;
		snprintf(res->stream_dest, sizeof res->stream_dest, "%s",
			 dest->cls == VMC_ADMIN ? "" : dest->name);
		wbuf_put_bytes(out, content.p, content.len);
	} else if (call.deferred) {
		res->deferred = true;
	} else {
		admin_put_ok(out, content.p, content.len);
	}
	wbuf_free(&content);
}
