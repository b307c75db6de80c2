/* bh_daemon: starting and stopping a background daemon without systemd:
 * a pid file in the run directory, a log file, readiness when its socket
 * accepts a connection. A pid file is believed only when the process it
 * names still runs the expected program (/proc/PID/exe), so a stale file
 * or a reused pid is never signalled. */
#ifndef BULKHEAD_TOOLS_BH_DAEMON_H
#define BULKHEAD_TOOLS_BH_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct bh_daemon {
	const char *name;      /* pid file NAME.pid, log NAME.log */
	const char *program;   /* path of the executable */
	const char *pid_dir, *log_dir;
	const char *ready_socket;  /* unix socket that accepts when it is up */
};

/* The daemon's pid if it is running (checked as above), else 0. */
pid_t bh_daemon_pid(const struct bh_daemon *d);
/* Starts it (argv[0] is the program's name; env entries NAME=VALUE are
 * added to ours) unless it already runs, and waits up to timeout_ms for
 * its socket. Returns the pid (0: someone else's daemon, systemd's say,
 * already serves the socket), or -1 with a message in err (ending in the
 * tail of the daemon's log when it died). *started says whether it was
 * started now. */
pid_t bh_daemon_start(const struct bh_daemon *d, char *const argv[], char *const env[],
		      int timeout_ms, bool *started, char *err, size_t errlen);
/* SIGTERM, then SIGKILL after timeout_ms; removes the pid file. Returns 1
 * if it was running, 0 if not, -1 if it would not die. */
int bh_daemon_stop(const struct bh_daemon *d, int timeout_ms);
/* Whether a unix stream socket at path accepts a connection. */
bool bh_socket_alive(const char *path);

#endif
