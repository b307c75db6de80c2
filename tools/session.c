/* session: transport, qube list and qube choice for the tools (see
 * session.h). */
#include "tools/session.h"
#include "tools/report.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void session_open(struct session *s, const struct cli_spec *spec)
{
	memset(s, 0, sizeof *s);
	s->prog = spec->prog;
	s->spec = spec;
	signal(SIGPIPE, SIG_IGN);
	char err[256];
	if (admin_ctx_init(&s->ctx, err, sizeof err) < 0) {
		report_error(s->prog, "%s", err);
		exit(1);
	}
}

void session_list(struct session *s)
{
	if (s->listed)
		return;
	struct admin_result r;
	if (vm_table_fetch(&s->ctx, &s->vms, &r) < 0) {
		report_call_error(s->prog, "cannot list qubes", &r);
		admin_result_free(&r);
		exit(1);
	}
	admin_result_free(&r);
	s->listed = true;
}

size_t session_choose(struct session *s, const struct vm_choice *ch,
		      const struct vm_info ***out)
{
	if (ch->all && ch->nnames)
		cli_usage_error(s->spec, "argument VMNAME: not allowed with argument --all");
	if (ch->required && !ch->all && !ch->nnames)
		cli_usage_error(s->spec, "one of the arguments --all VMNAME is required");
	if (!ch->all && ch->nexclude)
		cli_usage_error(s->spec, "--exclude can only be used with --all");
	session_list(s);
	size_t n;
	const char *bad;
	if (vm_select(&s->vms, ch, out, &n, &bad) < 0)
		cli_usage_error(s->spec, "no such domain: '%s'", bad);
	return n;
}

void session_close(struct session *s)
{
	vm_table_free(&s->vms);
	s->listed = false;
}
