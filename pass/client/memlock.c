/* memlock: memory locking and no core dumps (see memlock.h). */
#include "pass/client/memlock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static bool future_locked;
static const char *who = "qvm-pass";

static void limit_text(char *b, size_t n)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		snprintf(b, n, " (ulimit -l is %llu KiB)",
			 (unsigned long long)(rl.rlim_cur / 1024));
	else
		b[0] = '\0';
}

void memlock_start(const char *prog)
{
	who = prog;
	struct rlimit core = {0, 0};
	setrlimit(RLIMIT_CORE, &core);
	prctl(PR_SET_DUMPABLE, 0);
	if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) {
		future_locked = true;
		return;
	}
	int e = errno;
	char lim[64];
	limit_text(lim, sizeof lim);
	fprintf(stderr, "%s: warning: cannot lock memory: %s%s; secrets may reach swap\n", who,
		strerror(e), lim);
}

bool memlock_relax(void)
{
	if (!future_locked)
		return false;
	future_locked = false;
	/* without MCL_FUTURE: what is locked stays, new memory is not */
	mlockall(MCL_CURRENT);
	char lim[64];
	limit_text(lim, sizeof lim);
	fprintf(stderr, "%s: warning: the memory lock limit is reached%s; memory from here on "
		"is not locked and may reach swap\n", who, lim);
	return true;
}
