/* batch: a method on many qubes at once (see batch.h). */
#include "tools/batch.h"
#include "tools/report.h"

#include <stdlib.h>

void batch_call(struct session *s, const struct vm_info *const *vms, size_t n,
		const char *method, const char *arg, int timeout_ms, struct admin_result *res)
{
	struct admin_call *calls = calloc(n ? n : 1, sizeof *calls);
	if (!calls) {
		report_error(s->prog, "out of memory");
		exit(1);
	}
	for (size_t i = 0; i < n; i++)
		calls[i] = (struct admin_call){.dest = vms[i]->name, .method = method, .arg = arg,
					       .timeout_ms = timeout_ms};
	admin_call_many(&s->ctx, calls, n, res, 0);
	free(calls);
}

void batch_report(const char *what, const char *name, const struct admin_result *r)
{
	report_line("Error", "%s: %s: %s", what, name, admin_result_text(r));
}

void batch_free(struct admin_result *res, size_t n)
{
	for (size_t i = 0; i < n; i++)
		admin_result_free(&res[i]);
	free(res);
}
