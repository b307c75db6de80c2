/* bulkhead: the umbrella command for a host without systemd:
 *   bulkhead [--root DIR] [--programs DIR] up|down|status|demo
 * `up` starts bulkheadd and qrexec-policy-daemon (each once; pid files and
 * logs), writes the default admin policy and makes the default `host`
 * template; `down` kills the running qubes and stops the daemons;
 * `status` tells what runs and lists the qubes; `demo` is `up` plus the
 * demo world and its scenario. --root keeps every file under DIR (a
 * trial or test instance beside the real one); --programs runs the
 * programs found in DIR instead of the installed ones. */
#include "tools/bh_demo.h"
#include "tools/bh_host.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bulkhead [--root DIR] [--programs DIR] up|down|status|demo\n"
		"  up       start bulkheadd and qrexec-policy-daemon, default policy and\n"
		"           the `host` template\n"
		"  down     kill the running qubes, stop the daemons\n"
		"  status   what runs, and the qubes (exit 3 when a daemon is not running)\n"
		"  demo     up, then create work, vault (no network) and mgmt, start work\n"
		"           and vault, and show policy-governed calls between them\n"
		"  --root DIR      keep all files under DIR instead of /etc, /var, /run\n"
		"  --programs DIR  use the programs in DIR (a build's, gathered) instead of\n"
		"                  the installed ones\n");
}

int main(int argc, char **argv)
{
	const char *root = NULL, *programs = NULL;
	static const struct option opts[] = {
		{"root", required_argument, 0, 'r'},
		{"programs", required_argument, 0, 'p'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'r': root = optarg; break;
		case 'p': programs = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	if (strcmp(cmd, "up") && strcmp(cmd, "down") && strcmp(cmd, "status") &&
	    strcmp(cmd, "demo")) {
		fprintf(stderr, "bulkhead: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (strcmp(cmd, "status") != 0 && geteuid() != 0) {
		fprintf(stderr, "bulkhead: %s needs root (domains are namespaces and uid "
				"ranges only root may set up)\n", cmd);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct bh b;
	char err[1024];
	if (bh_init(&b, root, programs, err, sizeof err) < 0) {
		fprintf(stderr, "bulkhead: %s\n", err);
		return 1;
	}
	if (strcmp(cmd, "up") == 0)
		return bh_up(&b);
	if (strcmp(cmd, "down") == 0)
		return bh_down(&b);
	if (strcmp(cmd, "status") == 0)
		return bh_status(&b);
	return bh_demo(&b);
}
