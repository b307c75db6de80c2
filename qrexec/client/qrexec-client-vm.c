/* qrexec-client-vm: call a qrexec service of another domain from inside a
 * domain: TARGET SERVICE[+ARG] [LOCAL_PROGRAM [ARGS...]].
 *
 * Sends the request to the local qrexec-agent, waits for the data port (or
 * a refusal: exit 126), serves the data vchan and relays stdio, or the
 * local program's stdio, to the service. Exits with the remote exit code. */
#include "qrexec/dataloop.h"
#include "qrexec/proto.h"
#include "lib/buf.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/vchan.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define DEFAULT_AGENT_SOCKET "/var/run/qubes/qrexec-agent"
#define DATA_CONNECT_TIMEOUT_MS 120000
/* kernel buffers of the local program's stdio sockets: large, so that
 * bulk data moves with few wakeups (the kernel caps them) */
#define LOCAL_SOCKBUF (1024 * 1024)

static void usage(const char *prog, int code)
{
	fprintf(code ? stderr : stdout,
		"usage: %s [options] TARGET SERVICE[+ARG] [LOCAL_PROGRAM [ARGS...]]\n"
		"  -a, --agent-socket=PATH   agent socket (default " DEFAULT_AGENT_SOCKET ")\n"
		"  -t, --filter-escape-chars-stdout   filter escape chars in stdout\n"
		"  -T, --filter-escape-chars-stderr   filter escape chars in stderr\n"
		"      --no-filter-escape-chars-stdout\n"
		"      --no-filter-escape-chars-stderr\n"
		"  -p, --prefix-data=DATA    send DATA before stdin\n"
		"      --use-stdin-socket    fd 0 is a socket used both ways\n"
		"  -s, --source-qube=NAME    request on behalf of NAME (relays)\n"
		"      --buffer-size=N       data vchan buffer size\n"
		"  -h, --help\n"
		"Exit code: the service's; 126 if refused by policy; 127 if the\n"
		"service does not exist; 125 on other problems.\n", prog);
	exit(code);
}

enum { OPT_NO_T = 256, OPT_NO_TT, OPT_STDIN_SOCK, OPT_BUFSIZE };

/* Starts the local program with its stdin/stdout on socketpairs. */
static pid_t start_local(char **argv, int *in_fd, int *out_fd)
{
	int a[2], b[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b) < 0)
		return -1;
	int socks[4] = {a[0], a[1], b[0], b[1]};
	for (int i = 0; i < 4; i++)
		if (sock_set_buffers(socks[i], LOCAL_SOCKBUF) < 0)
			LOG_DEBUG("cannot enlarge a local socket buffer: %m");
	char agent_pid[32], fd0[16], fd1[16], fd2[16];
	snprintf(agent_pid, sizeof agent_pid, "%d", (int)getpid());
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigprocmask(SIG_SETMASK, &set, NULL);
		signal(SIGPIPE, SIG_DFL);
		/* keep our original stdio reachable, as upstream does */
		int s0 = fcntl(0, F_DUPFD, 3), s1 = fcntl(1, F_DUPFD, 3);
		snprintf(fd0, sizeof fd0, "%d", s0);
		snprintf(fd1, sizeof fd1, "%d", s1);
		setenv("SAVED_FD_0", fd0, 1);
		setenv("SAVED_FD_1", fd1, 1);
		if (getenv("PASS_LOCAL_STDERR")) {
			int s2 = fcntl(2, F_DUPFD, 3);
			snprintf(fd2, sizeof fd2, "%d", s2);
			setenv("SAVED_FD_2", fd2, 1);
		}
		setenv("QREXEC_AGENT_PID", agent_pid, 1);
		dup2(a[1], 0);
		dup2(b[1], 1);
		const char *base = strrchr(argv[0], '/');
		char *path = argv[0];
		argv[0] = (char *)(base ? base + 1 : argv[0]);
		execv(path, argv);
		fprintf(stderr, "cannot execute %s: %s\n", path, strerror(errno));
		_exit(QREXEC_EXIT_PROBLEM);
	}
	close(a[1]);
	close(b[1]);
	*in_fd = a[0];
	*out_fd = b[0];
	return pid;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"agent-socket", required_argument, 0, 'a'},
		{"filter-escape-chars-stdout", no_argument, 0, 't'},
		{"filter-escape-chars-stderr", no_argument, 0, 'T'},
		{"no-filter-escape-chars-stdout", no_argument, 0, OPT_NO_T},
		{"no-filter-escape-chars-stderr", no_argument, 0, OPT_NO_TT},
		{"prefix-data", required_argument, 0, 'p'},
		{"use-stdin-socket", no_argument, 0, OPT_STDIN_SOCK},
		{"source-qube", required_argument, 0, 's'},
		{"buffer-size", required_argument, 0, OPT_BUFSIZE},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	log_init(argv[0]);
	const char *agent_socket = DEFAULT_AGENT_SOCKET;
	const char *prefix = NULL, *source = NULL;
	int filter_out = -1, filter_err = -1;
	bool stdin_socket = false;
	int c;
	while ((c = getopt_long(argc, argv, "+a:tTp:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': agent_socket = optarg; break;
		case 't': filter_out = 1; break;
		case 'T': filter_err = 1; break;
		case OPT_NO_T: filter_out = 0; break;
		case OPT_NO_TT: filter_err = 0; break;
		case 'p':
			if (prefix) {
				fprintf(stderr, "%s: --prefix-data given twice\n", argv[0]);
				usage(argv[0], 2);
			}
			prefix = optarg;
			break;
		case OPT_STDIN_SOCK: stdin_socket = true; break;
		case 's':
			if (source) {
				fprintf(stderr, "%s: --source-qube given twice\n", argv[0]);
				usage(argv[0], 2);
			}
			source = optarg;
			break;
		case OPT_BUFSIZE: {
			char *end;
			errno = 0;
			if (optarg[0] < '0' || optarg[0] > '9')
				usage(argv[0], 1);
			unsigned long v = strtoul(optarg, &end, 0);
			if (*end || errno || v > INT_MAX) {
				fprintf(stderr, "%s: bad --buffer-size\n", argv[0]);
				exit(1);
			}
			break;
		}
		case 'h': usage(argv[0], 0); break;
		default: usage(argv[0], 2);
		}
	}
	if (argc - optind < 2)
		usage(argv[0], 2);
	const char *target_arg = argv[optind];
	const char *service = argv[optind + 1];
	char **local = argc - optind > 2 ? &argv[optind + 2] : NULL;
	if (stdin_socket && local) {
		fprintf(stderr, "%s: --use-stdin-socket cannot be used with a local program\n", argv[0]);
		usage(argv[0], 2);
	}
	if (stdin_socket && !fd_is_stream_socket(0)) {
		fprintf(stderr, "%s: --use-stdin-socket: stdin is not a stream socket\n", argv[0]);
		exit(1);
	}
	if (strlen(service) >= MAX_SERVICE_NAME_LEN) {
		fprintf(stderr, "%s: service name too long\n", argv[0]);
		exit(1);
	}
	char target[64];
	snprintf(target, sizeof target, "%s", target_arg);
	for (char *p = target; *p; p++)
		if (*p == '$')
			*p = '@';
	if (source && strlen(source) >= 64) {
		fprintf(stderr, "%s: source qube name too long\n", argv[0]);
		exit(1);
	}
	signal(SIGPIPE, SIG_IGN);
	int sigfd = dataloop_signals_setup();

	int afd = unix_connect(agent_socket);
	if (afd < 0) {
		fprintf(stderr, "%s: cannot connect to the qrexec agent at %s: %s\n",
			argv[0], agent_socket, strerror(errno));
		exit(1);
	}
	struct wbuf w;
	wbuf_init(&w, QREXEC_HDR_LEN + TRIGGER_V4_HDR + MAX_SERVICE_NAME_LEN);
	if (proto_put_trigger4(&w, source ? source : "", target, "SOCKET", service) != 0 ||
	    write_all(afd, w.p, w.len) < 0) {
		fprintf(stderr, "%s: cannot send the request: %s\n", argv[0], strerror(errno));
		exit(1);
	}
	wbuf_free(&w);
	uint8_t reply[8];
	if (read_all(afd, reply, sizeof reply) != (ssize_t)sizeof reply) {
		fputs("Request refused\n", stderr);
		exit(QREXEC_EXIT_REQUEST_REFUSED);
	}
	int data_dom = (int)buf_le32(reply);
	int data_port = (int)buf_le32(reply + 4);
	int lfd = vchan_server_listen(data_dom, data_port);
	if (lfd < 0) {
		LOG_ERR("cannot listen on the data vchan: %m");
		exit(QREXEC_EXIT_PROBLEM);
	}
	int fd = vchan_server_accept(lfd, data_dom, data_port, DATA_CONNECT_TIMEOUT_MS);
	if (fd < 0) {
		LOG_ERR("data vchan connection timed out");
		exit(QREXEC_EXIT_PROBLEM);
	}
	int version = data_link_handshake(fd, DATA_CONNECT_TIMEOUT_MS);
	if (version < 0)
		exit(QREXEC_EXIT_PROBLEM);

	struct dataloop dl = {
		.vchan = fd,
		.version = version,
		.service_role = false,
		.in_fd = 1,
		.out_fd = 0,
		.err_fd = -1,
		.pid = -1,
		.remote_err_fd = 2,
		.prefix = prefix,
		.prefix_len = prefix ? strlen(prefix) : 0,
		.sigfd = sigfd,
	};
	if (local) {
		dl.pid = start_local(local, &dl.in_fd, &dl.out_fd);
		if (dl.pid < 0) {
			LOG_ERR("cannot start the local program: %m");
			exit(QREXEC_EXIT_PROBLEM);
		}
	} else if (stdin_socket) {
		dl.in_fd = 0;
	}
	dl.filter_stdout = filter_out >= 0 ? filter_out : (!local && isatty(1));
	dl.filter_stderr = filter_err >= 0 ? filter_err : isatty(2);
	struct dataloop_result res;
	dataloop_run(&dl, &res);
	close(fd);
	/* the agent sees the end of the call when this socket closes */
	close(afd);
	if (res.remote_status < 0)
		return 255;
	if (res.remote_status != 0)
		return res.remote_status;
	return local ? res.local_status : 0;
}
