/* execute: the dom0 side of connecting a call (see execute.h). */
#include "qrexec/daemon/execute.h"
#include "qrexec/cmdline.h"
#include "qrexec/dataloop.h"
#include "qrexec/proto.h"
#include "qrexec/services/spawn.h"
#include "lib/buf.h"
#include "lib/fdio.h"
#include "lib/log.h"
#include "lib/vchan.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAEMON_REPLY_TIMEOUT_MS 30000

static int read_msg_timeout(int fd, void *buf, size_t n, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	int r = poll(&pfd, 1, timeout_ms);
	if (r <= 0)
		return -1;
	return read_all(fd, buf, n) == (ssize_t)n ? 0 : -1;
}

int daemon_connect(const char *socket_dir, const char *domain)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/qrexec.%s", socket_dir, domain) >= (int)sizeof path)
		return -1;
	int fd = unix_connect(path);
	if (fd < 0) {
		LOG_ERR("cannot connect to %s: %m", path);
		return -1;
	}
	uint8_t m[QREXEC_HDR_LEN + 4];
	struct qrexec_hdr h;
	uint32_t v;
	if (read_msg_timeout(fd, m, sizeof m, DAEMON_REPLY_TIMEOUT_MS) < 0)
		goto fail;
	proto_hdr_decode(m, &h);
	if (proto_hello_decode(&h, m + QREXEC_HDR_LEN, &v) != PROTO_OK ||
	    v < QREXEC_CLIENT_PROTOCOL_VERSION)
		goto fail;
	proto_hdr_encode(m, MSG_HELLO, 4);
	buf_put_le32(m + QREXEC_HDR_LEN, QREXEC_CLIENT_PROTOCOL_VERSION);
	if (write_all(fd, m, sizeof m) < 0)
		goto fail;
	return fd;
fail:
	LOG_ERR("handshake with %s failed", path);
	close(fd);
	return -1;
}

int daemon_negotiate(int fd, uint32_t type, uint32_t dom, const void *payload,
		     size_t len, uint32_t *data_dom, uint32_t *data_port)
{
	struct wbuf w;
	wbuf_init(&w, QREXEC_HDR_LEN + 8 + MAX_QREXEC_CMD_LEN + 1);
	if (proto_put_exec_params(&w, type, dom, 0, payload, len) != 0) {
		wbuf_free(&w);
		LOG_ERR("command too long");
		return -1;
	}
	int r = write_all(fd, w.p, w.len);
	wbuf_free(&w);
	if (r < 0)
		return -1;
	uint8_t m[QREXEC_HDR_LEN + 8];
	struct qrexec_hdr h;
	if (read_msg_timeout(fd, m, sizeof m, DAEMON_REPLY_TIMEOUT_MS) < 0) {
		LOG_ERR("no answer from qrexec-daemon");
		return -1;
	}
	proto_hdr_decode(m, &h);
	if (h.type != type || h.len != 8) {
		LOG_ERR("bad answer from qrexec-daemon");
		return -1;
	}
	*data_dom = buf_le32(m + QREXEC_HDR_LEN);
	*data_port = buf_le32(m + QREXEC_HDR_LEN + 4);
	return 0;
}

int daemon_service_connect(int fd, uint32_t dom, uint32_t port, const char *ident)
{
	struct wbuf w;
	wbuf_init(&w, 64);
	char id[QREXEC_IDENT_LEN];
	memset(id, 0, sizeof id);
	strncpy(id, ident, sizeof id - 1);
	int r = proto_put_exec_params(&w, MSG_SERVICE_CONNECT, dom, port, id, sizeof id);
	if (r == 0)
		r = write_all(fd, w.p, w.len);
	wbuf_free(&w);
	return r ? -1 : 0;
}

bool daemon_socket_exists(const char *socket_dir, const char *domain)
{
	char path[4096];
	if (snprintf(path, sizeof path, "%s/qrexec.%s", socket_dir, domain) >= (int)sizeof path)
		return false;
	struct stat st;
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

bool execute_in_vm(const char *socket_dir, const char *target,
		   uint32_t src_domid, const char *cmd, const char *ident,
		   bool just_exec, int *wait_fd)
{
	if (wait_fd)
		*wait_fd = -1;
	int fd = daemon_connect(socket_dir, target);
	if (fd < 0)
		return false;
	uint32_t dom, port;
	int r = daemon_negotiate(fd, just_exec ? MSG_JUST_EXEC : MSG_EXEC_CMDLINE,
				 src_domid, cmd, strlen(cmd) + 1, &dom, &port);
	if (r < 0 || !wait_fd)
		close(fd);
	else
		*wait_fd = fd;
	if (r < 0)
		return false;
	char src[16];
	snprintf(src, sizeof src, "%u", src_domid);
	fd = daemon_connect(socket_dir, src);
	if (fd < 0)
		return false;
	r = daemon_service_connect(fd, dom, port, ident);
	close(fd);
	return r == 0;
}

static void send_prepare_failure(int fd, int code)
{
	struct wbuf w;
	wbuf_init(&w, 64);
	proto_put_data(&w, MSG_DATA_STDERR, NULL, 0);
	proto_put_data(&w, MSG_DATA_STDOUT, NULL, 0);
	proto_put_exit_code(&w, code);
	write_all(fd, w.p, w.len);
	wbuf_free(&w);
}

int run_to_dom0(const char *socket_dir, const char *ident, const char *src_name,
		uint32_t src_domid, const char *cmdline, int timeout_ms)
{
	setenv("QREXEC_REMOTE_DOMAIN", src_name, 1);
	char src[16];
	snprintf(src, sizeof src, "%u", src_domid);
	int dfd = daemon_connect(socket_dir, src);
	if (dfd < 0)
		return QREXEC_EXIT_PROBLEM;
	if (daemon_service_connect(dfd, 0, 0, ident) < 0) {
		close(dfd);
		return QREXEC_EXIT_PROBLEM;
	}
	uint8_t m[QREXEC_HDR_LEN + 8];
	struct qrexec_hdr h;
	if (read_msg_timeout(dfd, m, sizeof m, DAEMON_REPLY_TIMEOUT_MS) < 0) {
		LOG_ERR("no answer from the source's qrexec-daemon");
		close(dfd);
		return QREXEC_EXIT_PROBLEM;
	}
	close(dfd);
	proto_hdr_decode(m, &h);
	if (h.type != MSG_SERVICE_CONNECT || h.len != 8) {
		LOG_ERR("bad answer from the source's qrexec-daemon");
		return QREXEC_EXIT_PROBLEM;
	}
	uint32_t data_dom = buf_le32(m + QREXEC_HDR_LEN);
	uint32_t data_port = buf_le32(m + QREXEC_HDR_LEN + 4);

	char pidbuf[32];
	snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
	setenv("QREXEC_AGENT_PID", pidbuf, 1);
	int sigfd = dataloop_signals_setup();
	struct qrexec_cmd cmd;
	const char *err;
	struct local_side ls;
	int prep;
	if (qrexec_cmd_parse(cmdline, strlen(cmdline), false, &cmd, &err) < 0) {
		LOG_ERR("bad command: %s", err);
		prep = QREXEC_EXIT_PROBLEM;
	} else {
		struct spawn_opts so = {.mode = SPAWN_DOM0};
		prep = spawn_prepare(&so, &cmd, &ls);
		qrexec_cmd_free(&cmd); /* the service is started: not needed any more */
	}
	int fd = vchan_client_connect((int)data_dom, (int)data_port, timeout_ms);
	if (fd < 0) {
		LOG_ERR("cannot connect the data vchan: %m");
		return QREXEC_EXIT_PROBLEM;
	}
	uint8_t hello[QREXEC_HDR_LEN + 4];
	uint32_t v;
	if (read_msg_timeout(fd, hello, sizeof hello, timeout_ms < 0 ? -1 : timeout_ms) < 0)
		return QREXEC_EXIT_PROBLEM;
	proto_hdr_decode(hello, &h);
	if (proto_hello_decode(&h, hello + QREXEC_HDR_LEN, &v) != PROTO_OK || v < 2) {
		LOG_ERR("bad HELLO on the data vchan");
		return QREXEC_EXIT_PROBLEM;
	}
	int version = v < QREXEC_PROTOCOL_VERSION ? (int)v : QREXEC_PROTOCOL_VERSION;
	proto_hdr_encode(hello, MSG_HELLO, 4);
	buf_put_le32(hello + QREXEC_HDR_LEN, (uint32_t)version);
	if (write_all(fd, hello, sizeof hello) < 0)
		return QREXEC_EXIT_PROBLEM;
	if (prep != 0) {
		send_prepare_failure(fd, prep);
		linger_close(fd, 200);
		return prep;
	}
	struct dataloop dl = {
		.vchan = fd,
		.version = version,
		.service_role = true,
		.in_fd = ls.in_fd,
		.out_fd = ls.out_fd,
		.err_fd = -1,
		.pid = ls.pid,
		.remote_err_fd = -1,
		.exit_on_service_eof = ls.exit_on_service_eof,
		.exit_on_client_eof = ls.exit_on_client_eof,
		.sigfd = sigfd,
	};
	struct dataloop_result res;
	dataloop_run(&dl, &res);
	linger_close(fd, 100);
	if (res.vchan_error)
		return QREXEC_EXIT_PROBLEM;
	return ls.pid > 0 ? res.local_status : 0;
}
