/* call: one split-pass call: the request (checked against the protocol's
 * op table before it leaves), the service passproto_op_service names and
 * the argument passproto_request_scope gives, the transport, and the
 * reply; every way a call can fail becomes a message naming the vault,
 * the service and the argument, and an exit code (126 refused by policy,
 * 125 could not start, 127 no such service, 1 otherwise; never "0 and
 * empty"). */
#include "pass/client/client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pass/client/transport.h"

void reply_free(struct reply *r)
{
	passproto_msg_free(&r->m);
	wbuf_free_secret(&r->raw);
}

bool field_is(const struct pass_field *f, const char *s)
{
	return f->len == strlen(s) && !memcmp(f->p, s, f->len);
}

int call(const struct qp_ctx *c, uint8_t op, const void *const *f, const size_t *fl, size_t n,
	 enum pass_service svc, struct reply *r)
{
	memset(r, 0, sizeof *r);
	if (n > PASS_MAX_REQ_FIELDS)
		return die(c, "Error: too many arguments");
	struct wbuf req;
	wbuf_init_secret(&req, PASS_MAX_MSG);
	bool ok = passproto_put_request_hdr(&req, op, (uint32_t)n) == BUF_OK;
	for (size_t i = 0; ok && i < n; i++)
		ok = passproto_put_field(&req, f[i], fl[i]) == BUF_OK;
	struct pass_msg m = {0};
	if (!ok || passproto_parse(req.p, req.len, false, &m) != PASS_PERR_OK) {
		passproto_msg_free(&m);
		wbuf_free_secret(&req);
		return die(c, "Error: the request is too large");
	}
	if (!svc)
		svc = passproto_op_service(&m);
	char err[512];
	if (!passproto_check_request(&m, svc, err, sizeof err)) {
		passproto_msg_free(&m);
		wbuf_free_secret(&req);
		return die(c, "Error: %s", err);
	}
	char scope[PASS_MAX_SCOPE + 1];
	passproto_request_scope(&m, scope);
	passproto_msg_free(&m);
	char sa[128];
	snprintf(sa, sizeof sa, "%s+%s", passproto_service_name(svc), scope);

	const char *client = transport_client();
	if (!client) {
		wbuf_free_secret(&req);
		die(c, "Error: no qrexec client to call %s in %s: install qrexec-client-vm "
		    "(/usr/lib/qubes, /usr/local/bin, /usr/bin) or set QVM_PASS_QREXEC_CLIENT",
		    sa, c->vault);
		return 125;
	}
	struct transport_result res;
	wbuf_init_secret(&r->raw, PASS_MAX_MSG);
	int trc = transport_run(client, c->vault, sa, &req, &r->raw, &res);
	int e = errno;
	wbuf_free_secret(&req);
	if (res.err.len) {
		fflush(stdout);
		errmsg(c, res.err.p, res.err.len);
	}
	wbuf_free(&res.err);
	if (trc < 0) {
		wbuf_free_secret(&r->raw);
		die(c, "Error: cannot run %s for %s in %s: %s", client, sa, c->vault, strerror(e));
		return 125;
	}
	int code = res.exit_code;
	if (res.too_big) {
		wbuf_free_secret(&r->raw);
		return die(c, "Error: the reply of %s for %s is larger than %u bytes", c->vault, sa,
			   PASS_MAX_MSG);
	}
	if (r->raw.len == 0) {
		wbuf_free_secret(&r->raw);
		if (code == 126) {
			die(c, "Error: the policy refused %s to %s (qrexec exit code 126)", sa,
			    c->vault);
			return 126;
		}
		if (code == 125) {
			die(c, "Error: the call %s to %s could not be started (qrexec exit code 125)",
			    sa, c->vault);
			return 125;
		}
		if (code == 127) {
			die(c, "Error: %s has no service %s (qrexec exit code 127)", c->vault,
			    passproto_service_name(svc));
			return 127;
		}
		return die(c, "Error: no reply from %s for %s (exit code %d)", c->vault, sa, code);
	}
	int pe = passproto_parse(r->raw.p, r->raw.len, true, &r->m);
	if (pe != PASS_PERR_OK) {
		reply_free(r);
		return die(c, "Error: bad reply from %s for %s: %s (exit code %d)", c->vault, sa,
			   passproto_strerror(pe), code);
	}
	return 0;
}

int call_s(const struct qp_ctx *c, uint8_t op, const char *const *s, size_t n,
	   enum pass_service svc, struct reply *r)
{
	const void *f[PASS_MAX_REQ_FIELDS];
	size_t fl[PASS_MAX_REQ_FIELDS];
	if (n > PASS_MAX_REQ_FIELDS) {
		memset(r, 0, sizeof *r);
		return die(c, "Error: too many arguments");
	}
	for (size_t i = 0; i < n; i++) {
		f[i] = s[i];
		fl[i] = strlen(s[i]);
	}
	return call(c, op, f, fl, n, svc, r);
}

int fail_reply(const struct qp_ctx *c, struct reply *r)
{
	if (r->m.code == PASS_OK)
		errmsg(c, "Error: unexpected reply from the vault", 38);
	else if (r->m.nfields >= 1 && r->m.fields[0].len)
		errmsg(c, r->m.fields[0].p, r->m.fields[0].len);
	else
		errmsg(c, "Error: the vault failed", 23);
	int code = r->m.code == PASS_DECRYPT ? 2 : 1;
	reply_free(r);
	return code;
}

int exists_manage(const struct qp_ctx *c, const char *name, char kind[8])
{
	const char *f[] = {name};
	struct reply r;
	int rc = call_s(c, PASS_OP_EXISTS, f, 1, PASS_SVC_MANAGE, &r);
	if (rc)
		return rc;
	if (r.m.code != PASS_OK || r.m.nfields != 1 || r.m.fields[0].len >= 8)
		return fail_reply(c, &r);
	memcpy(kind, r.m.fields[0].p, r.m.fields[0].len);
	kind[r.m.fields[0].len] = '\0';
	reply_free(&r);
	return 0;
}
