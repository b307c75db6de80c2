/* fdio: small helpers for file descriptors: read/write all, flags. */
#ifndef BULKHEAD_FDIO_H
#define BULKHEAD_FDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Write all n bytes (retrying on EINTR/short writes, polling on EAGAIN).
 * Returns 0 or -1 with errno set. */
int write_all(int fd, const void *buf, size_t n);
/* Read exactly n bytes. Returns n, the short count at EOF, or -1. */
ssize_t read_all(int fd, void *buf, size_t n);
struct wbuf;
/* Appends everything until EOF to b. 0 at EOF, or -1: errno set, or 0
 * when b's limit was reached first. */
int read_to_eof(int fd, struct wbuf *b);
int set_nonblock(int fd, bool on);
int set_cloexec(int fd, bool on);
/* Moves fd to a number >= 3 if it is 0..2 (so dup2 games are safe). */
int fd_above_stdio(int fd);
/* Asks for `bytes` of kernel send and receive buffer on a socket (the
 * kernel caps it at net.core.[wr]mem_max). Returns 0 or -1. */
int sock_set_buffers(int fd, int bytes);
/* If fd is a pipe smaller than `bytes`, asks for that size (the kernel
 * caps it at fs.pipe-max-size for unprivileged users). Returns the size
 * before, or -1 if fd is not a pipe or its size was left alone. */
int pipe_grow(int fd, int bytes);
/* Returns true if fd is a socket of type SOCK_STREAM. */
bool fd_is_stream_socket(int fd);
/* Opens /dev/null onto any of fds 0..2 that are closed. */
void ensure_stdio_open(void);
/* Ends a connection gracefully: shuts down our sending side so the peer
 * sees EOF, discards what the peer still sends for at most linger_ms (so
 * its last writes do not fail with EPIPE), then closes. */
void linger_close(int fd, int linger_ms);
/* Reads a whole small file (at most max bytes); NUL-terminates. */
char *read_small_file(const char *path, size_t max, size_t *len);

#endif
