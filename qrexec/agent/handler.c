/* handler: one qrexec call on the domain side (see handler.h). */
#include "qrexec/agent/handler.h"
#include "qrexec/cmdline.h"
#include "qrexec/dataloop.h"
#include "qrexec/proto.h"
#include "qrexec/services/spawn.h"
#include "lib/buf.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/vchan.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define HANDLER_CONNECT_TIMEOUT_MS 120000
/* After our last message, how long the peer may still send (see
 * linger_close): its early data must not fail with EPIPE. */
#define FAIL_LINGER_MS 200
#define END_LINGER_MS 100

static void send_failure(int fd, int code, bool just_exec)
{
	struct wbuf w;
	wbuf_init(&w, 64);
	if (!just_exec) {
		proto_put_data(&w, MSG_DATA_STDOUT, NULL, 0);
		proto_put_data(&w, MSG_DATA_STDERR, NULL, 0);
	}
	proto_put_exit_code(&w, code);
	write_all(fd, w.p, w.len);
	wbuf_free(&w);
}

_Noreturn void handler_run(uint32_t connect_domain, uint32_t connect_port,
			   const char *cmdline, size_t cmd_len, bool just_exec)
{
	char pidbuf[32];
	snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
	setenv("QREXEC_AGENT_PID", pidbuf, 1);
	int sigfd = dataloop_signals_setup();

	struct qrexec_cmd cmd;
	const char *err = NULL;
	int perr = qrexec_cmd_parse(cmdline, cmd_len, true, &cmd, &err);
	if (perr < 0)
		LOG_ERR("bad command from dom0: %s", err);

	int fd = vchan_client_connect((int)connect_domain, (int)connect_port,
				      HANDLER_CONNECT_TIMEOUT_MS);
	if (fd < 0) {
		LOG_ERR("cannot connect data vchan to %u:%u: %m", connect_domain,
			connect_port);
		_exit(1);
	}
	int version = data_link_handshake(fd, HANDLER_CONNECT_TIMEOUT_MS);
	if (version < 0) {
		LOG_ERR("data vchan handshake failed");
		_exit(1);
	}
	if (perr < 0) {
		send_failure(fd, QREXEC_EXIT_PROBLEM, just_exec);
		linger_close(fd, FAIL_LINGER_MS);
		_exit(0);
	}
	struct spawn_opts so = {.mode = SPAWN_DOMAIN, .just_exec = just_exec};
	struct local_side ls;
	int r = spawn_prepare(&so, &cmd, &ls);
	if (r != 0) {
		send_failure(fd, r, just_exec);
		linger_close(fd, FAIL_LINGER_MS);
		_exit(0);
	}
	if (just_exec) {
		if (ls.pid < 0)
			close(ls.out_fd); /* socket service: descriptor sent */
		send_failure(fd, 0, true);
		linger_close(fd, FAIL_LINGER_MS);
		_exit(0);
	}
	struct dataloop dl = {
		.vchan = fd,
		.version = version,
		.service_role = true,
		.in_fd = ls.in_fd,
		.out_fd = ls.out_fd,
		.err_fd = ls.err_fd,
		.pid = ls.pid,
		.remote_err_fd = -1,
		.exit_on_service_eof = ls.exit_on_service_eof,
		.exit_on_client_eof = ls.exit_on_client_eof,
		.sigfd = sigfd,
	};
	struct dataloop_result res;
	dataloop_run(&dl, &res);
	linger_close(fd, END_LINGER_MS);
	qrexec_cmd_free(&cmd);
	_exit(res.vchan_error ? 1 : 0);
}
