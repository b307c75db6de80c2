/* bulkhead-pass-vault: the vault side of split pass, run by qrexec as
 * ruddo.PassRead or ruddo.PassManage (the service name picks which ops
 * it serves). Reads one request (passproto.h) from stdin until EOF,
 * checks it against the service and the call's argument (the scope a
 * policy allowed), runs it on the vault's pass store and writes one reply
 * to stdout. Nothing secret goes to argv, the environment, logs or core
 * dumps; memory is locked where the limit allows. */
#include "lib/fdio.h"
#include "pass/passproto.h"
#include "pass/vault/crypt.h"
#include "pass/vault/git.h"
#include "pass/vault/ops.h"
#include "pass/vault/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

/* Locks memory (secrets never reach swap) when the limit allows the
 * largest request; otherwise says so once and goes on. */
static void lock_memory(void)
{
	struct rlimit rl;
	bool room = getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
		    (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= 4ull * PASS_MAX_MSG);
	if (geteuid() == 0)
		room = true;
	if (room && mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
		return;
	if (mlockall(MCL_CURRENT) == 0)
		return; /* what is there now; large requests stay unlocked */
	fprintf(stderr, "bulkhead-pass-vault: warning: cannot lock memory (%s); secrets may "
		"reach swap\n", strerror(errno));
}

/* The service name (before '+') decides the mode. */
static int service_mode(const char *argv0)
{
	const char *full = getenv("QREXEC_SERVICE_FULL_NAME");
	char name[128];
	if (full && full[0]) {
		snprintf(name, sizeof name, "%.*s", (int)strcspn(full, "+"), full);
	} else {
		const char *b = strrchr(argv0, '/');
		snprintf(name, sizeof name, "%s", b ? b + 1 : argv0);
	}
	if (!strcmp(name, "ruddo.PassRead"))
		return PASS_SVC_READ;
	if (!strcmp(name, "ruddo.PassManage"))
		return PASS_SVC_MANAGE;
	return 0;
}

static int read_request(struct wbuf *b)
{
	return read_to_eof(0, b);
}

/* A name for logs: control bytes as \xNN, at most 200 bytes. */
static void log_name(char *out, size_t outlen, const struct pass_field *f)
{
	size_t o = 0;
	for (size_t i = 0; i < f->len && o + 5 < outlen && i < 200; i++) {
		uint8_t c = f->p[i];
		if (c < 0x20 || c == 0x7f || c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

/* A known op sent to the other service: a refusal (PASS_REFUSED), not a
 * malformed request. EXISTS is served by both; GIT goes by its first
 * argument (passproto_op_service). */
static bool wrong_service(const struct pass_msg *m, int mode)
{
	if (!passproto_op_name(m->code))
		return false;
	if (m->code == PASS_OP_EXISTS)
		return false;
	if (m->code == PASS_OP_GIT && m->nfields == 0)
		return false;
	return (int)passproto_op_service(m) != mode;
}

int main(int argc, char **argv)
{
	prctl(PR_SET_DUMPABLE, 0);
	struct rlimit core = {0, 0};
	setrlimit(RLIMIT_CORE, &core);
	lock_memory();
	int mode = service_mode(argv[0]);
	const char *svcname = mode ? passproto_service_name(mode) : "bulkhead-pass-vault";
	openlog(svcname, LOG_PID, LOG_AUTHPRIV);
	/* the argument the policy saw: every place that carries it must
	 * agree (argv[1] and QREXEC_SERVICE_ARGUMENT from the agent, the
	 * part after '+' of QREXEC_SERVICE_FULL_NAME) */
	const char *full = getenv("QREXEC_SERVICE_FULL_NAME");
	const char *plus = full ? strchr(full, '+') : NULL;
	const char *cands[] = {argc > 1 ? argv[1] : NULL, getenv("QREXEC_SERVICE_ARGUMENT"),
			       plus ? plus + 1 : NULL};
	const char *arg = NULL;
	bool arg_conflict = false;
	for (size_t i = 0; i < 3; i++) {
		if (!cands[i])
			continue;
		if (arg && strcmp(arg, cands[i]) != 0)
			arg_conflict = true;
		if (!arg)
			arg = cands[i];
	}
	if (!arg)
		arg = "";
	const char *source = getenv("QREXEC_REMOTE_DOMAIN");
	struct vault v = {.source = source ? source : "?"};
	wbuf_init_secret(&v.reply, PASS_MAX_MSG);
	struct wbuf req;
	wbuf_init_secret(&req, PASS_MAX_MSG);
	struct pass_msg m = {0};
	char err[512];
	if (!mode) {
		/* not a call of either service: no reply, a clear error */
		fprintf(stderr, "bulkhead-pass-vault: error: run as ruddo.PassRead or "
			"ruddo.PassManage (QREXEC_SERVICE_FULL_NAME or the program name), "
			"not as %s\n", full && full[0] ? full : argv[0]);
		wbuf_free_secret(&req);
		wbuf_free_secret(&v.reply);
		return 1;
	} else if (arg_conflict) {
		vault_reply_error(&v, PASS_REFUSED, "Error: the service argument is not the same "
				  "in argv, QREXEC_SERVICE_ARGUMENT and QREXEC_SERVICE_FULL_NAME");
	} else if (read_request(&req) < 0) {
		vault_reply_error(&v, PASS_BAD_REQUEST, "Error: request %s",
				  errno ? strerror(errno) : "over the size limit");
	} else if (passproto_parse(req.p, req.len, false, &m) != PASS_PERR_OK) {
		vault_reply_error(&v, PASS_BAD_REQUEST, "Error: bad request: %s",
				  passproto_strerror(passproto_parse(req.p, req.len, false, &m)));
	} else if (wrong_service(&m, mode)) {
		vault_reply_error(&v, PASS_REFUSED, "Error: %s is not served by %s",
				  passproto_op_name(m.code), svcname);
	} else if (!passproto_check_request(&m, mode, err, sizeof err)) {
		vault_reply_error(&v, PASS_BAD_REQUEST, "Error: bad request: %s", err);
	} else if (strlen(arg) > PASS_MAX_SCOPE || !passproto_in_scope(&m, arg)) {
		vault_reply_error(&v, PASS_REFUSED, "Error: this call was allowed for %s+%s only, "
				  "and the request reaches beyond it", svcname, arg);
	} else if (store_init(&v.store, err, sizeof err) < 0) {
		vault_reply_error(&v, PASS_ERROR, "Error: %s", err);
	} else if (crypt_open(&v.crypt, err, sizeof err) < 0) {
		vault_reply_error(&v, PASS_ERROR, "Error: %s", err);
	} else {
		git_sanitize_env(v.store.root);
		char name[1024] = "";
		if (m.nfields)
			log_name(name, sizeof name, &m.fields[0]);
		if (m.code == PASS_OP_GREP || m.code == PASS_OP_FIND)
			name[0] = '\0'; /* search terms are not names */
		syslog(LOG_INFO, "%s: %s %s", v.source, passproto_op_name(m.code), name);
		vault_process(&v, &m);
		crypt_close(v.crypt);
	}
	int rc = write_all(1, v.reply.p, v.reply.len) == 0 ? 0 : 1;
	passproto_msg_free(&m);
	wbuf_free_secret(&req);
	wbuf_free_secret(&v.reply);
	return rc;
}
