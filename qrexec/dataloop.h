/* dataloop: the data phase of a qrexec call, on one side of a data link.
 *
 * Service role (the side running the service): local output and error are
 * sent as DATA_STDOUT/DATA_STDERR, received DATA_STDIN is written to the
 * service; when the service's streams are closed and it has exited, its
 * exit status is sent as DATA_EXIT_CODE.
 * Client role (the side that asked for the call): local input is sent as
 * DATA_STDIN, received DATA_STDOUT/DATA_STDERR go to local output/error,
 * and the remote exit code ends the call. */
#ifndef BULKHEAD_QREXEC_DATALOOP_H
#define BULKHEAD_QREXEC_DATALOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct dataloop {
	int vchan;        /* connected data link */
	int version;      /* negotiated protocol version */
	bool service_role;
	/* Local side. in_fd receives remote data (service: the service's
	 * stdin; client: local stdout). out_fd is read and sent (service: the
	 * service's stdout; client: local stdin). They may be the same
	 * socket. err_fd: service role only, the service's stderr, or -1. */
	int in_fd;
	int out_fd;
	int err_fd;
	pid_t pid;        /* local process to wait for, or -1 */
	/* client role: filter escape chars in remote stdout / stderr */
	bool filter_stdout;
	bool filter_stderr;
	/* client role: fd that receives remote stderr (normally 2), or -1 */
	int remote_err_fd;
	/* client role: bytes sent as DATA_STDIN before local input */
	const char *prefix;
	size_t prefix_len;
	/* service role, socket services (upstream rpc-config options) */
	bool exit_on_service_eof;
	bool exit_on_client_eof;
	/* Signal fd (signalfd for SIGCHLD and SIGUSR1), or -1. */
	int sigfd;
};

/* Outcome of a data phase. */
struct dataloop_result {
	int remote_status; /* client role: remote exit code, -1 if none came */
	int local_status;  /* status of the local process, -1 if none */
	bool vchan_error;  /* the link broke before the call finished */
};

/* Blocks SIGCHLD and SIGUSR1 and returns a signalfd for them. Call it
 * before spawning the local process (spawn restores the mask in the
 * child). */
int dataloop_signals_setup(void);

/* Runs the data phase. Closes in_fd/out_fd/err_fd; the caller closes the
 * vchan. */
void dataloop_run(struct dataloop *dl, struct dataloop_result *res);

/* HELLO exchange on a data link: send ours first, then read and check
 * theirs. Returns the negotiated version (>= 2) or -1. */
int data_link_handshake(int fd, int timeout_ms);

#endif
