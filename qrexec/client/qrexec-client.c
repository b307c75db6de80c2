/* qrexec-client: dom0's client of the qrexec daemons.
 *
 *   -d DOMAIN USER:CMD            run CMD in DOMAIN, relay stdio (dom0 -> VM)
 *   -d DOMAIN -c ID,SRC,SRCID CMD start CMD in DOMAIN for SRC's pending
 *                                 request ID (VM -> VM)
 *   -d dom0 -c ID,SRC,SRCID CMD   run dom0 service CMD for that request
 *   -d dom0 DEFAULT:QUBESRPC ...  dom0 -> dom0 service call, in place
 * Exits with the remote exit code (125 problem, 126 refused, 127 no such
 * service). */
#include "qrexec/daemon/execute.h"
#include "qrexec/cmdline.h"
#include "qrexec/dataloop.h"
#include "qrexec/proto.h"
#include "qrexec/services/spawn.h"
#include "lib/buf.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/names.h"
#include "lib/vchan.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(const char *prog, int code)
{
	fprintf(code ? stderr : stdout,
		"usage: %s [options] -d DOMAIN [-l LOCAL_CMD | -c REQID,SRC,SRCID | -e] USER:CMD\n"
		"  -d DOMAIN       target: a name, uuid:UUID, or dom0/@adminvm\n"
		"  -l LOCAL_CMD    connect the remote stdio to LOCAL_CMD (run by bash -c)\n"
		"  -c ID,SRC,SRCID connect a pending service request of SRC\n"
		"  -e              just execute, do not relay stdio\n"
		"  -E, --no-exit-code  exit 0 whatever the remote exit code\n"
		"  -t / -T         filter escape chars in stdout / stderr\n"
		"  -w SECONDS      data connection timeout (default 10, 0: none)\n"
		"  -W              wait for the end of a VM-VM connection\n"
		"  -k              kill the domain at the end (not supported yet)\n"
		"  -p, --prefix-data=DATA  send DATA before stdin\n"
		"  --use-stdin-socket      fd 0 is a socket used both ways\n"
		"  --socket-dir=DIR        daemon socket dir (default " DEFAULT_DAEMON_SOCKET_DIR ")\n",
		prog);
	exit(code);
}

enum { OPT_SOCKDIR = 256, OPT_STDIN_SOCK };

/* dom0 -> VM, relaying our stdio (or LOCAL_CMD's). */
static int run_vm(const char *socket_dir, const char *domain, const char *cmd,
		  bool just_exec, const char *local_cmd, bool stdin_socket,
		  const char *prefix, int timeout_ms, bool filt_out, bool filt_err)
{
	int dfd = daemon_connect(socket_dir, domain);
	if (dfd < 0)
		return QREXEC_EXIT_PROBLEM;
	uint32_t dom, port;
	if (daemon_negotiate(dfd, just_exec ? MSG_JUST_EXEC : MSG_EXEC_CMDLINE, 0,
			     cmd, strlen(cmd) + 1, &dom, &port) < 0) {
		close(dfd);
		return QREXEC_EXIT_PROBLEM;
	}
	close(dfd);
	int sigfd = dataloop_signals_setup();
	struct local_side ls = {.in_fd = 1, .out_fd = 0, .err_fd = -1, .pid = -1};
	if (local_cmd) {
		struct qrexec_cmd lc;
		const char *err;
		if (qrexec_cmd_parse(local_cmd, strlen(local_cmd), false, &lc, &err) < 0) {
			LOG_ERR("bad local command: %s", err);
			return QREXEC_EXIT_PROBLEM;
		}
		struct spawn_opts so = {.mode = SPAWN_DOM0};
		int r = spawn_prepare(&so, &lc, &ls);
		qrexec_cmd_free(&lc);
		if (r)
			return r;
	} else if (stdin_socket) {
		ls.in_fd = 0;
	}
	int lfd = vchan_server_listen((int)dom, (int)port);
	if (lfd < 0) {
		LOG_ERR("cannot listen on the data vchan: %m");
		return QREXEC_EXIT_PROBLEM;
	}
	int fd = vchan_server_accept(lfd, (int)dom, (int)port, timeout_ms);
	if (fd < 0) {
		LOG_ERR("qrexec connection timeout");
		return QREXEC_EXIT_PROBLEM;
	}
	int version = data_link_handshake(fd, timeout_ms);
	if (version < 0)
		return QREXEC_EXIT_PROBLEM;
	struct dataloop dl = {
		.vchan = fd,
		.version = version,
		.service_role = false,
		.in_fd = ls.in_fd,
		.out_fd = ls.out_fd,
		.err_fd = -1,
		.pid = ls.pid,
		.remote_err_fd = 2,
		.filter_stdout = filt_out,
		.filter_stderr = filt_err,
		.prefix = prefix,
		.prefix_len = prefix ? strlen(prefix) : 0,
		.sigfd = sigfd,
	};
	struct dataloop_result res;
	dataloop_run(&dl, &res);
	close(fd);
	if (res.remote_status < 0)
		return 255;
	return res.remote_status;
}

/* dom0 -> dom0: DEFAULT:QUBESRPC SVC+ARG SRC TYPE TGT, exec'd in place. */
static int run_dom0_direct(const char *cmdline)
{
	if (strncmp(cmdline, "DEFAULT:", 8) != 0) {
		LOG_ERR("dom0 -> dom0 commands must be prefixed with DEFAULT:");
		return QREXEC_EXIT_PROBLEM;
	}
	struct qrexec_cmd cmd;
	const char *err;
	if (qrexec_cmd_parse(cmdline + 8, strlen(cmdline + 8), false, &cmd, &err) < 0) {
		LOG_ERR("bad command: %s", err);
		return QREXEC_EXIT_PROBLEM;
	}
	struct spawn_opts so = {.mode = SPAWN_DIRECT};
	struct local_side ls;
	return spawn_prepare(&so, &cmd, &ls);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket-dir", required_argument, 0, OPT_SOCKDIR},
		{"prefix-data", required_argument, 0, 'p'},
		{"use-stdin-socket", no_argument, 0, OPT_STDIN_SOCK},
		{"no-exit-code", no_argument, 0, 'E'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	log_init(argv[0]);
	const char *socket_dir = DEFAULT_DAEMON_SOCKET_DIR, *domain = NULL;
	const char *local_cmd = NULL, *request = NULL, *prefix = NULL;
	bool just_exec = false, no_exit_code = false, filt_out = false, filt_err = false;
	bool stdin_socket = false;
	int timeout_s = 10;
	int c;
	while ((c = getopt_long(argc, argv, "+d:l:c:eEtTw:Wkp:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': domain = optarg; break;
		case 'l': local_cmd = optarg; break;
		case 'c': request = optarg; break;
		case 'e': just_exec = true; break;
		case 'E': no_exit_code = true; break;
		case 't': filt_out = true; break;
		case 'T': filt_err = true; break;
		case 'w': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 0 || v > 86400) {
				fprintf(stderr, "%s: bad -w value\n", argv[0]);
				usage(argv[0], 1);
			}
			timeout_s = (int)v;
			break;
		}
		case 'W': break; /* calls end when the daemon says so */
		case 'k': break;
		case 'p': prefix = optarg; break;
		case OPT_SOCKDIR: socket_dir = optarg; break;
		case OPT_STDIN_SOCK: stdin_socket = true; break;
		case 'h': usage(argv[0], 0); break;
		default: usage(argv[0], 1);
		}
	}
	if (optind >= argc || !domain)
		usage(argv[0], 1);
	const char *cmd = argv[optind];
	if ((int)just_exec + (request != NULL) + (local_cmd != NULL) > 1) {
		fprintf(stderr, "%s: only one of -e, -l, -c can be given\n", argv[0]);
		usage(argv[0], 1);
	}
	if (local_cmd && stdin_socket) {
		fprintf(stderr, "%s: -l and --use-stdin-socket cannot be combined\n", argv[0]);
		usage(argv[0], 1);
	}
	signal(SIGPIPE, SIG_IGN);
	int timeout_ms = timeout_s == 0 ? -1 : timeout_s * 1000;
	char ident[QREXEC_IDENT_LEN] = "";
	char src_name[256] = "";
	unsigned long src_id = 0;
	if (request) {
		const char *c1 = strchr(request, ',');
		const char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (!c2 || (size_t)(c1 - request) >= sizeof ident || c1 == request ||
		    (size_t)(c2 - c1 - 1) >= sizeof src_name || c2 == c1 + 1 ||
		    c2[1] < '0' || c2[1] > '9') {
			fprintf(stderr, "%s: -c takes REQID,SRCNAME,SRCID\n", argv[0]);
			usage(argv[0], 1);
		}
		memcpy(ident, request, (size_t)(c1 - request));
		memcpy(src_name, c1 + 1, (size_t)(c2 - c1 - 1));
		char *end;
		src_id = strtoul(c2 + 1, &end, 10);
		if (*end || src_id == 0 || src_id > 0x7fff || names_target_is_dom0(src_name)) {
			fprintf(stderr, "%s: -c: the source cannot be dom0\n", argv[0]);
			usage(argv[0], 1);
		}
	}
	int rc;
	if (names_target_is_dom0(domain)) {
		if (request)
			rc = run_to_dom0(socket_dir, ident, src_name, (uint32_t)src_id, cmd,
					 timeout_ms);
		else if (local_cmd) {
			LOG_ERR("dom0 -> dom0 calls with a local command are not supported");
			rc = QREXEC_EXIT_PROBLEM;
		} else
			rc = run_dom0_direct(cmd);
	} else if (request) {
		rc = execute_in_vm(socket_dir, domain, (uint32_t)src_id, cmd, ident,
				   just_exec, NULL) ? 0 : 137;
	} else {
		rc = run_vm(socket_dir, domain, cmd, just_exec, local_cmd, stdin_socket,
			    prefix, timeout_ms, filt_out, filt_err);
	}
	return no_exit_code ? 0 : rc;
}
