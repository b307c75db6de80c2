/* bulkhead-sandbox: starts, stops and inspects one domain sandbox from the
 * command line (a test and benchmark tool over domains/sandbox.h; bulkheadd
 * uses the library directly).
 *
 *   bulkhead-sandbox start --name N --qid Q --private DIR --vchan-dir DIR
 *       [--net] [--no-setid-caps] [--template-root DIR] [--rpc-dir DIR]
 *       [--rpc-config-dir DIR] [--agent PATH] [--init PATH]
 *       [--qubesdb-read PATH] [--client-vm PATH] [--type CLASS]
 *       [--default-user USER] [--qdb PATH=VALUE]... [--env NAME=VALUE]...
 *       [--run-dir DIR] [--timeout MS]
 *   bulkhead-sandbox stop --name N [--timeout MS] [--run-dir DIR]
 *   bulkhead-sandbox status --name N [--run-dir DIR]
 *
 * start prints "started NAME pid=INIT bwrap=PID uid_base=B idmapped=yes|no
 * landlock=yes|no" and exits 0 once the domain's init runs; the domain
 * keeps running after this program exits. status prints "running NAME
 * pid=... uid_base=..." (exit 0) or "stopped NAME" (exit 3). stop prints
 * "stopped NAME exit=CODE" (exit 0; CODE -1 when unknown) or "stopped NAME
 * (was not running)". The programs default to the build tree this binary
 * sits in (../qrexec/qrexec-agent, ./bulkhead-init, ...). Errors: exit 1. */
#include "domains/sandbox.h"
#include "lib/log.h"

#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LIST 64

struct opts {
	struct sandbox_spec spec;
	struct qdb_entry qdb[MAX_LIST];
	const char *env[MAX_LIST];
	char *qdb_copies[MAX_LIST];
	const char *type, *default_user;
	int timeout_ms;
	bool timeout_set;
};

static _Noreturn void usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: bulkhead-sandbox start --name N --qid Q --private DIR --vchan-dir DIR\n"
		"           [--net] [--no-setid-caps] [--template-root DIR] [--rpc-dir DIR]\n"
		"           [--rpc-config-dir DIR] [--agent PATH] [--init PATH]\n"
		"           [--qubesdb-read PATH] [--client-vm PATH] [--tool PATH]... [--type CLASS]\n"
		"           [--default-user USER] [--qdb PATH=VALUE]... [--env NAME=VALUE]...\n"
		"           [--run-dir DIR] [--timeout MS]\n"
		"       bulkhead-sandbox stop --name N [--timeout MS] [--run-dir DIR]\n"
		"       bulkhead-sandbox status --name N [--run-dir DIR]\n");
	exit(code);
}

/* path of a program next to this one (build tree) if it exists, else its
 * installed path if that exists */
static char *find_program(const char *rel, const char *installed)
{
	char *p = NULL;
	if (rel) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n > 0) {
			self[n] = '\0';
			if (asprintf(&p, "%s/%s", dirname(self), rel) >= 0) {
				char *real = realpath(p, NULL);
				free(p);
				if (real)
					return real;
			}
		}
	}
	return access(installed, X_OK) == 0 ? strdup(installed) : NULL;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"name", required_argument, 0, 'n'}, {"qid", required_argument, 0, 'q'},
		{"private", required_argument, 0, 'p'}, {"vchan-dir", required_argument, 0, 'v'},
		{"net", no_argument, 0, 'N'}, {"no-setid-caps", no_argument, 0, 'S'},
		{"template-root", required_argument, 0, 'T'}, {"rpc-dir", required_argument, 0, 'R'},
		{"rpc-config-dir", required_argument, 0, 'C'}, {"agent", required_argument, 0, 'a'},
		{"init", required_argument, 0, 'i'}, {"qubesdb-read", required_argument, 0, 'Q'},
		{"client-vm", required_argument, 0, 'c'}, {"type", required_argument, 0, 't'},
		{"default-user", required_argument, 0, 'u'}, {"qdb", required_argument, 0, 'd'},
		{"env", required_argument, 0, 'e'}, {"run-dir", required_argument, 0, 'r'},
		{"timeout", required_argument, 0, 'w'}, {"help", no_argument, 0, 'h'},
		{"tool", required_argument, 0, 'O'},
		{0, 0, 0, 0},
	};
	struct sandbox_spec *s = &o->spec;
	int c;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'n': s->name = optarg; break;
		case 'q':
			s->qid = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg) {
				fprintf(stderr, "bulkhead-sandbox: bad --qid %s\n", optarg);
				return -1;
			}
			break;
		case 'p': s->private_dir = optarg; break;
		case 'v': s->vchan_dir = optarg; break;
		case 'N': s->network = true; break;
		case 'S': s->no_setid_caps = true; break;
		case 'T': s->template_root = optarg; break;
		case 'R': s->rpc_dir = optarg; break;
		case 'C': s->rpc_config_dir = optarg; break;
		case 'a': s->agent_path = optarg; break;
		case 'i': s->init_path = optarg; break;
		case 'Q': s->qubesdb_read_path = optarg; break;
		case 'c': s->client_vm_path = optarg; break;
		case 'O':
			if (s->n_tools == SANDBOX_TOOLS_MAX) {
				fprintf(stderr, "bulkhead-sandbox: at most %d --tool\n",
					SANDBOX_TOOLS_MAX);
				return -1;
			}
			s->tools[s->n_tools++] = optarg;
			break;
		case 't': o->type = optarg; break;
		case 'u': o->default_user = optarg; break;
		case 'r': s->run_dir = optarg; break;
		case 'w':
			o->timeout_ms = (int)strtol(optarg, &end, 10);
			if (*end || !*optarg || o->timeout_ms < 0) {
				fprintf(stderr, "bulkhead-sandbox: bad --timeout %s\n", optarg);
				return -1;
			}
			o->timeout_set = true;
			break;
		case 'd': {
			if (s->n_qdb + 2 >= MAX_LIST) {
				fprintf(stderr, "bulkhead-sandbox: too many --qdb\n");
				return -1;
			}
			char *copy = strdup(optarg);
			char *eq = copy ? strchr(copy, '=') : NULL;
			if (!eq) {
				fprintf(stderr, "bulkhead-sandbox: --qdb wants PATH=VALUE\n");
				free(copy);
				return -1;
			}
			*eq = '\0';
			o->qdb_copies[s->n_qdb] = copy;
			o->qdb[s->n_qdb++] = (struct qdb_entry){copy, eq + 1};
			break;
		}
		case 'e':
			if (s->n_env >= MAX_LIST) {
				fprintf(stderr, "bulkhead-sandbox: too many --env\n");
				return -1;
			}
			o->env[s->n_env++] = optarg;
			break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (!s->name) {
		fprintf(stderr, "bulkhead-sandbox: --name is required\n");
		return -1;
	}
	return 0;
}

static bool has_qdb(const struct opts *o, const char *path)
{
	for (size_t i = 0; i < o->spec.n_qdb; i++)
		if (strcmp(o->qdb[i].path, path) == 0)
			return true;
	return false;
}

static int cmd_start(struct opts *o)
{
	struct sandbox_spec *s = &o->spec;
	if (!s->qid || !s->private_dir || !s->vchan_dir) {
		fprintf(stderr, "bulkhead-sandbox: start needs --qid, --private and --vchan-dir\n");
		return 1;
	}
	char *owned[4] = {0};
	if (!s->init_path)
		s->init_path = owned[0] = find_program("bulkhead-init",
			SANDBOX_INSTALLED_LIBEXEC "/bulkhead-init");
	if (!s->agent_path)
		s->agent_path = owned[1] = find_program("../qrexec/qrexec-agent",
			SANDBOX_INSTALLED_SBIN "/qrexec-agent");
	if (!s->qubesdb_read_path)
		s->qubesdb_read_path = owned[2] = find_program("qubesdb-read",
			SANDBOX_INSTALLED_LIBEXEC "/qubesdb-read");
	if (!s->client_vm_path)
		s->client_vm_path = owned[3] = find_program("../qrexec/qrexec-client-vm",
			SANDBOX_INSTALLED_BIN "/qrexec-client-vm");
	if (!s->init_path || !s->agent_path) {
		fprintf(stderr, "bulkhead-sandbox: give --init and --agent (found neither beside "
			"this program nor installed)\n");
		return 1;
	}
	/* Qubes' keys for an AppVM (core-admin create_qdb_entries) */
	if (!has_qdb(o, "/type"))
		o->qdb[s->n_qdb++] = (struct qdb_entry){"/type", o->type ? o->type : "AppVM"};
	if (!has_qdb(o, "/default-user"))
		o->qdb[s->n_qdb++] = (struct qdb_entry){"/default-user",
			o->default_user ? o->default_user : "user"};
	if (!has_qdb(o, "/qubes-vm-persistence") && s->n_qdb < MAX_LIST)
		o->qdb[s->n_qdb++] = (struct qdb_entry){"/qubes-vm-persistence", "rw-only"};
	s->qdb = o->qdb;
	s->env = o->env;
	if (o->timeout_set)
		s->ready_timeout_ms = o->timeout_ms;
	struct sandbox sb;
	char err[1024];
	int rc = 0;
	if (sandbox_start(s, &sb, err, sizeof err) < 0) {
		fprintf(stderr, "bulkhead-sandbox: starting %s: %s\n", s->name, err);
		rc = 1;
	} else {
		printf("started %s pid=%d bwrap=%d uid_base=%u idmapped=%s landlock=%s\n", sb.name,
		       (int)sb.init_pid, (int)sb.bwrap_pid, sb.uid_base, sb.idmapped ? "yes" : "no",
		       sb.landlocked ? "yes" : "no");
		sandbox_release(&sb);
	}
	for (size_t i = 0; i < 4; i++)
		free(owned[i]);
	return rc;
}

static int cmd_status(struct opts *o)
{
	struct sandbox sb;
	char err[512];
	int r = sandbox_attach(o->spec.run_dir, o->spec.name, &sb, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "bulkhead-sandbox: %s: %s\n", o->spec.name, err);
		return 1;
	}
	if (r == 0) {
		printf("stopped %s\n", o->spec.name);
		return 3;
	}
	printf("running %s pid=%d bwrap=%d qid=%u uid_base=%u idmapped=%s landlock=%s net=%s\n",
	       sb.name, (int)sb.init_pid, (int)sb.bwrap_pid, sb.qid, sb.uid_base,
	       sb.idmapped ? "yes" : "no", sb.landlocked ? "yes" : "no",
	       sb.network ? "yes" : "no");
	sandbox_release(&sb);
	return 0;
}

static int cmd_stop(struct opts *o)
{
	struct sandbox sb;
	char err[512];
	int r = sandbox_attach(o->spec.run_dir, o->spec.name, &sb, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "bulkhead-sandbox: %s: %s\n", o->spec.name, err);
		return 1;
	}
	if (r == 0) {
		printf("stopped %s (was not running)\n", o->spec.name);
		return 0;
	}
	int code = sandbox_stop(&sb, o->timeout_set ? o->timeout_ms : 5000);
	if (code == -2) {
		fprintf(stderr, "bulkhead-sandbox: stopping %s failed\n", o->spec.name);
		sandbox_release(&sb);
		return 1;
	}
	printf("stopped %s exit=%d\n", o->spec.name, code);
	return 0;
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	if (argc < 2)
		usage(2);
	const char *cmd = argv[1];
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0)
		usage(0);
	struct opts o = {0};
	if (parse(argc - 1, argv + 1, &o) < 0)
		return 1;
	int rc;
	if (strcmp(cmd, "start") == 0)
		rc = cmd_start(&o);
	else if (strcmp(cmd, "stop") == 0)
		rc = cmd_stop(&o);
	else if (strcmp(cmd, "status") == 0)
		rc = cmd_status(&o);
	else
		usage(2);
	for (size_t i = 0; i < MAX_LIST; i++)
		free(o.qdb_copies[i]);
	return rc;
}
