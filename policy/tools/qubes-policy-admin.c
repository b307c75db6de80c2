/* qubes-policy-admin: the qrexec service behind policy.List, policy.Get,
 * policy.Replace, policy.Remove, policy.GetFiles and
 * policy.include.{List,Get,Replace,Remove} (each /etc/qubes-rpc/<name> is
 * a symlink to this program), as upstream's qubes-policy-admin.
 *
 * The call comes from the environment qrexec sets:
 * QREXEC_SERVICE_FULL_NAME ("policy.Get+30-user") and
 * QREXEC_REMOTE_DOMAIN; the payload is stdin (at most
 * PADMIN_PAYLOAD_MAX bytes). QREXEC_POLICY_DIR overrides the policy
 * directory, QREXEC_POLICY_COMPAT_DIR the legacy one (for tests), and
 * QREXEC_POLICY_ADMIN_LOG the log file (default
 * /var/log/qubes/policy-admin.log; not logging when it cannot be opened).
 *
 * The result goes to stdout. A refused call prints "<ExceptionClass>
 * <message>" on stderr and exits 1; an internal error prints a pointer to
 * the log and exits 2. */
#include "policy/admin.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LOG "/var/log/qubes/policy-admin.log"

/* One line "YYYY-MM-DD HH:MM:SS,mmm message" appended to the log. */
static void log_line(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void log_line(const char *file, const char *fmt, ...)
{
	FILE *f = fopen(file, "ae");
	if (!f)
		return;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	char ts[64] = "";
	if (localtime_r(&tv.tv_sec, &tm))
		strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "%s,%03ld ", ts, (long)(tv.tv_usec / 1000));
	va_list ap;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

/* Reads all of stdin, at most max bytes. Returns 0, 1 when larger, -1 on
 * a read error. */
static int read_stdin(size_t max, char **data, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -1;
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(buf);
				return 1;
			}
			size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, nc);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap = nc;
		}
		ssize_t r = read(0, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		return 1;
	}
	*data = buf;
	*len = n;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: qubes-policy-admin (run by qrexec as policy.List, policy.Get, ...)\n"
		       "Environment: QREXEC_SERVICE_FULL_NAME, QREXEC_REMOTE_DOMAIN,\n"
		       "QREXEC_POLICY_DIR (default /etc/qubes/policy.d), QREXEC_POLICY_COMPAT_DIR,\n"
		       "QREXEC_POLICY_ADMIN_LOG (default " DEFAULT_LOG ").\n"
		       "The payload is read from stdin; the result is written to stdout.\n");
		return 0;
	}
	const char *full = getenv("QREXEC_SERVICE_FULL_NAME");
	const char *source = getenv("QREXEC_REMOTE_DOMAIN");
	const char *logf = getenv("QREXEC_POLICY_ADMIN_LOG");
	if (!logf || !logf[0])
		logf = DEFAULT_LOG;
	if (!full || !source) {
		fprintf(stderr, "qubes-policy-admin: %s is not set (this program is run by "
			"qrexec)\n", !full ? "QREXEC_SERVICE_FULL_NAME" : "QREXEC_REMOTE_DOMAIN");
		return 2;
	}
	struct padmin_opts o = {.policy_dir = getenv("QREXEC_POLICY_DIR"),
				.compat_dir = getenv("QREXEC_POLICY_COMPAT_DIR")};
	if (o.policy_dir && !o.policy_dir[0])
		o.policy_dir = NULL;
	if (o.compat_dir && !o.compat_dir[0])
		o.compat_dir = NULL;
	char *method;
	const char *arg;
	if (padmin_split_service(full, &method, &arg) < 0) {
		fprintf(stderr, "qubes-policy-admin: out of memory\n");
		return 2;
	}
	char *payload = NULL;
	size_t plen = 0;
	struct padmin_out out = {0};
	struct padmin_err err = {0};
	int rc;
	int r = read_stdin(PADMIN_PAYLOAD_MAX, &payload, &plen);
	if (r > 0) {
		err.cls = PADMIN_EXC_PROTOCOL;
		snprintf(err.msg, sizeof err.msg, "Payload larger than %u bytes",
			 PADMIN_PAYLOAD_MAX);
		rc = PADMIN_EUSER;
	} else if (r < 0) {
		snprintf(err.msg, sizeof err.msg, "cannot read the payload: %s", strerror(errno));
		rc = PADMIN_EINTERNAL;
	} else {
		rc = padmin_call(&o, method, arg, payload, plen, &out, &err);
	}
	int status = 0;
	if (rc == PADMIN_OK) {
		log_line(logf, "%s+%s (%s)", method, arg, source);
		if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len)
			status = 2;
		if (fflush(stdout) != 0)
			status = 2;
	} else if (rc == PADMIN_EUSER) {
		log_line(logf, "%s+%s (%s): error: %s", method, arg, source, err.msg);
		fprintf(stderr, "%s %s", err.cls, err.msg);
		status = 1;
	} else {
		log_line(logf, "%s+%s (%s): exception: %s", method, arg, source, err.msg);
		fprintf(stderr, "Internal error. See '%s' in dom0 for details.", logf);
		status = 2;
	}
	padmin_out_free(&out);
	free(payload);
	free(method);
	return status;
}
