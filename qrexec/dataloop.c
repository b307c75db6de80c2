/* dataloop: the data phase of a qrexec call (see dataloop.h).
 *
 * One poll loop per call, built to move bulk data with few system calls:
 * - Toward the link: one readv() takes up to LOCAL_BATCH bytes of local
 *   output straight into message slots of `vout` (gaps are left for the
 *   headers, filled in afterwards), and one send() passes all of `vout`
 *   on. Local reads stop while `vout` is above a high-water mark.
 * - From the link: one read() fills `rx` (fixed size, RX_CAP). The bodies
 *   of consecutive data messages bound for the local side are written
 *   from `rx` with one writev(), with no copy in between; any other
 *   message is handled only once all data before it is out, which keeps
 *   the order of data and EOF. What the local side does not take stays in
 *   `rx`, and the link is not read while `rx` is (nearly) full: memory
 *   stays bounded and a slow reader slows the sender down.
 * Larger kernel buffers (data link sockets, local pipes) let each side do
 * more per wakeup; on this path wakeups and system calls cost more than
 * the copies. */
#include "qrexec/dataloop.h"
#include "qrexec/filter.h"
#include "qrexec/proto.h"
#include "lib/fdio.h"
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* local output taken per read, and queued output above which local
 * reads pause */
#define LOCAL_BATCH (1024 * 1024)
#define VOUT_HIGH_WATER (1024 * 1024)
/* link input buffer; it must hold any whole non-data message */
#define RX_CAP (1024 * 1024)
#define RX_MIN_READ (64 * 1024)
/* kernel buffers asked for on the data link (the kernel caps them) */
#define LINK_SOCKBUF (1024 * 1024)
/* size local pipes (our stdin/stdout in a pipeline) are grown to for the
 * call, so that each side of them wakes up less often */
#define LOCAL_PIPE_SZ (1024 * 1024)
/* messages per readv/writev */
#define MAX_IOV 256

_Static_assert(RX_CAP >= 2 * (QREXEC_HDR_LEN + MAX_DATA_CHUNK_V3),
	       "rx must hold a whole message with room to read");

struct queue {
	uint8_t *p;
	size_t head, tail, cap;
};

static size_t q_len(const struct queue *q)
{
	return q->tail - q->head;
}

static int q_reserve(struct queue *q, size_t n)
{
	if (q->cap - q->tail >= n)
		return 0;
	if (q->head > 0) {
		memmove(q->p, q->p + q->head, q_len(q));
		q->tail -= q->head;
		q->head = 0;
		if (q->cap - q->tail >= n)
			return 0;
	}
	size_t ncap = q->cap ? q->cap : 65536;
	while (ncap - q->tail < n)
		ncap *= 2;
	uint8_t *np = realloc(q->p, ncap);
	if (!np)
		return -1;
	q->p = np;
	q->cap = ncap;
	return 0;
}

static int q_put(struct queue *q, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (q_reserve(q, n) < 0)
		return -1;
	memcpy(q->p + q->tail, p, n);
	q->tail += n;
	return 0;
}

static void q_drop(struct queue *q, size_t n)
{
	q->head += n;
	if (q->head == q->tail)
		q->head = q->tail = 0;
}

struct loop {
	struct dataloop *dl;
	struct dataloop_result *res;
	struct queue vout, rx;
	/* body bytes of the data message at the head of rx still to come
	 * (its header is already consumed); 0: rx starts at a header */
	size_t rx_left;
	bool in_blocked;  /* rx holds data the local side did not take yet */
	bool in_open, out_open, err_open;
	bool shared;      /* in_fd and out_fd are one socket */
	int saved_in;     /* in_fd even after SHUT_WR, for SIGUSR1 */
	bool stdout_eof_sent;
	bool stdin_eof_sent;
	bool vchan_rd_open, vchan_wr_ok;
	bool finished;    /* service role: exit code queued */
	bool warned_stdout;
	int saved_flags[3];
	int saved_pipe_sz[2]; /* of in_fd, out_fd if grown, else -1 */
	int owned[2];     /* local fds closed when the loop ends */
};

int dataloop_signals_setup(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* The link cannot take our output any more: drop what is queued. */
static void link_write_failed(struct loop *l)
{
	l->vchan_wr_ok = false;
	l->vout.head = l->vout.tail = 0;
}

static void queue_msg(struct loop *l, uint32_t type, const void *p, size_t n)
{
	if (!l->vchan_wr_ok)
		return;
	uint8_t h[QREXEC_HDR_LEN];
	proto_hdr_encode(h, type, (uint32_t)n);
	if (q_put(&l->vout, h, sizeof h) < 0 || q_put(&l->vout, p, n) < 0) {
		LOG_ERR("out of memory queueing %s", proto_type_name(type));
		link_write_failed(l);
		l->res->vchan_error = true;
	}
}

static void queue_data(struct loop *l, uint32_t type, const void *p, size_t n)
{
	size_t max = proto_data_chunk_max(l->dl->version);
	const uint8_t *b = p;
	do {
		size_t c = n > max ? max : n;
		queue_msg(l, type, b, c);
		b += c;
		n -= c;
	} while (n > 0);
}

static bool is_socket(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Gives owned[i] back as we found it: file flags and pipe size (best
 * effort: a pipe still holding more than its old size stays larger). */
static void restore_fd(struct loop *l, int i)
{
	if (l->saved_flags[i] >= 0)
		fcntl(l->owned[i], F_SETFL, l->saved_flags[i]);
	if (l->saved_pipe_sz[i] > 0)
		fcntl(l->owned[i], F_SETPIPE_SZ, l->saved_pipe_sz[i]);
}

/* Closes one direction of a local fd. Sockets are shut down and kept
 * (the other direction, or a later SIGUSR1 switch, may still use them;
 * they are closed when the loop ends); anything else is closed now. */
static void close_fd_dir(struct loop *l, int fd, int how)
{
	if (is_socket(fd)) {
		shutdown(fd, how);
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (l->owned[i] == fd) {
			restore_fd(l, i);
			l->owned[i] = -1;
		}
	}
	close(fd);
	if (fd == l->saved_in)
		l->saved_in = -1;
}

static void close_out(struct loop *l);

/* Closes the local input side; data for it that is still in rx, or that
 * comes later, is discarded. */
static void close_in(struct loop *l)
{
	struct dataloop *dl = l->dl;
	if (dl->service_role && dl->exit_on_client_eof && !l->finished) {
		/* upstream exit-on-client-eof: stdout EOF, then finish */
		if (l->out_open && !l->stdout_eof_sent) {
			queue_msg(l, MSG_DATA_STDOUT, NULL, 0);
			l->stdout_eof_sent = true;
		}
		if (l->out_open) {
			l->out_open = false;
			close_fd_dir(l, dl->out_fd, SHUT_RD);
		}
	}
	if (!l->in_open)
		return;
	l->in_open = false;
	l->in_blocked = false;
	close_fd_dir(l, dl->in_fd, SHUT_WR);
}

static void close_out(struct loop *l)
{
	if (!l->out_open)
		return;
	l->out_open = false;
	close_fd_dir(l, l->dl->out_fd, SHUT_RD);
}

static void close_err(struct loop *l)
{
	if (!l->err_open)
		return;
	l->err_open = false;
	close(l->dl->err_fd);
}

static int flush_vout(struct loop *l, bool block)
{
	while (q_len(&l->vout) > 0) {
		if (!l->vchan_wr_ok) {
			link_write_failed(l);
			return -1;
		}
		ssize_t w = send(l->dl->vchan, l->vout.p + l->vout.head,
				 q_len(&l->vout), MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				if (!block)
					return 0;
				struct pollfd pfd = {.fd = l->dl->vchan, .events = POLLOUT};
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR) {
					link_write_failed(l);
					return -1;
				}
				continue;
			}
			link_write_failed(l);
			return -1;
		}
		q_drop(&l->vout, (size_t)w);
	}
	return 0;
}

static void handle_remote_exit(struct loop *l, int status)
{
	l->res->remote_status = status;
	if (l->out_open && !l->stdin_eof_sent) {
		queue_msg(l, MSG_DATA_STDIN, NULL, 0);
		l->stdin_eof_sent = true;
	}
	close_out(l);
}

/* Is `type` data for the local in_fd in our role? */
static bool is_local_data(struct loop *l, uint32_t type)
{
	if (!l->dl->service_role)
		return type == MSG_DATA_STDOUT;
	if (type == MSG_DATA_STDOUT && !l->warned_stdout) {
		LOG_WARN("received DATA_STDOUT in the service role; treating it as DATA_STDIN");
		l->warned_stdout = true;
	}
	return type == MSG_DATA_STDIN || type == MSG_DATA_STDOUT;
}

/* Handles one complete message other than non-empty local data. Returns
 * -1 on a protocol violation. */
static int handle_msg(struct loop *l, const struct qrexec_hdr *h, uint8_t *body)
{
	struct dataloop *dl = l->dl;
	if (is_local_data(l, h->type)) {
		/* only EOFs get here: data is written by write_local_data */
		if (h->len == 0)
			close_in(l);
		return 0;
	}
	if (dl->service_role) {
		switch (h->type) {
		case MSG_DATA_STDERR:
		case MSG_DATA_EXIT_CODE:
			/* QSB-087: never trust these from the calling side */
			LOG_WARN("ignoring %s from the calling side", proto_type_name(h->type));
			return 0;
		}
		return -1;
	}
	switch (h->type) {
	case MSG_DATA_STDERR:
		if (h->len == 0 || dl->remote_err_fd < 0)
			return 0;
		if (dl->filter_stderr)
			filter_escape_chars(body, h->len);
		if (write_all(dl->remote_err_fd, body, h->len) < 0)
			dl->remote_err_fd = -1;
		return 0;
	case MSG_DATA_EXIT_CODE:
		handle_remote_exit(l, proto_exit_code_decode(body, h->len));
		return 0;
	case MSG_DATA_STDIN:
		LOG_WARN("ignoring DATA_STDIN in the client role");
		return 0;
	}
	return -1;
}

/* Finds, from the head of rx, the body bytes of consecutive non-empty data
 * messages for the local side (skipping their headers), up to a message of
 * another kind, an EOF or the end of rx. Fills iov and, per entry, the
 * length of the message whose header precedes it (0: it continues the
 * body at the head). Returns the number of entries, or -1 on a bad
 * header. Nothing is consumed. */
static int rx_gather(struct loop *l, struct iovec *iov, uint32_t *hlen,
		     size_t *total)
{
	size_t pos = l->rx.head, end = l->rx.tail, left = l->rx_left;
	bool filter = !l->dl->service_role && l->dl->filter_stdout;
	int n = 0;
	*total = 0;
	while (n < MAX_IOV) {
		uint32_t hl = 0;
		if (left == 0) {
			if (end - pos < QREXEC_HDR_LEN)
				break;
			struct qrexec_hdr h;
			proto_hdr_decode(l->rx.p + pos, &h);
			if (proto_data_hdr_check(&h, l->dl->version) != PROTO_OK) {
				if (n > 0)
					break; /* the data before it goes out first */
				LOG_ERR("bad message on data link: type 0x%x, length %u",
					h.type, h.len);
				return -1;
			}
			if (h.len == 0 || !is_local_data(l, h.type))
				break;
			hl = h.len;
			left = h.len;
			pos += QREXEC_HDR_LEN;
		}
		size_t take = end - pos < left ? end - pos : left;
		if (take == 0)
			break;
		/* filtering is idempotent: a retried range may pass again */
		if (filter)
			filter_escape_chars(l->rx.p + pos, take);
		iov[n] = (struct iovec){.iov_base = l->rx.p + pos, .iov_len = take};
		hlen[n] = hl;
		n++;
		pos += take;
		left -= take;
		*total += take;
	}
	return n;
}

/* Consumes the first `w` body bytes of what rx_gather found. */
static void rx_consume(struct loop *l, const struct iovec *iov,
		       const uint32_t *hlen, int n, size_t w)
{
	for (int i = 0; i < n && w > 0; i++) {
		if (hlen[i]) {
			q_drop(&l->rx, QREXEC_HDR_LEN);
			l->rx_left = hlen[i];
		}
		size_t take = w < iov[i].iov_len ? w : iov[i].iov_len;
		q_drop(&l->rx, take);
		l->rx_left -= take;
		w -= take;
	}
}

/* Writes gathered data to the local side. Returns how much it took; all
 * of it once the local side is gone (the rest is discarded). */
static size_t write_local_data(struct loop *l, const struct iovec *iov, int n,
			       size_t total)
{
	if (!l->in_open)
		return total;
	for (;;) {
		ssize_t w = writev(l->dl->in_fd, iov, n);
		if (w >= 0)
			return (size_t)w;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		/* EPIPE and friends: the reader is gone */
		close_in(l);
		return total;
	}
}

/* Takes what it can from rx: local data goes out (many messages per
 * writev), other messages are handled once the data before them is out.
 * Sets in_blocked when the local side has to drain first. Returns -1 on a
 * protocol violation. */
static int process_rx(struct loop *l)
{
	l->in_blocked = false;
	for (;;) {
		struct iovec iov[MAX_IOV];
		uint32_t hlen[MAX_IOV];
		size_t total;
		int n = rx_gather(l, iov, hlen, &total);
		if (n < 0)
			return -1;
		if (n > 0) {
			size_t w = write_local_data(l, iov, n, total);
			rx_consume(l, iov, hlen, n, w);
			if (w < total) {
				l->in_blocked = true;
				return 0;
			}
			continue;
		}
		/* a whole message of another kind (its header is checked) */
		if (l->rx_left > 0 || q_len(&l->rx) < QREXEC_HDR_LEN)
			return 0;
		struct qrexec_hdr h;
		uint8_t *p = l->rx.p + l->rx.head;
		proto_hdr_decode(p, &h);
		if (q_len(&l->rx) < QREXEC_HDR_LEN + (size_t)h.len)
			return 0;
		q_drop(&l->rx, QREXEC_HDR_LEN + (size_t)h.len);
		if (handle_msg(l, &h, p + QREXEC_HDR_LEN) < 0) {
			LOG_ERR("unexpected %s on data link", proto_type_name(h.type));
			return -1;
		}
	}
}

/* Room in rx for the next read of the link. */
static size_t rx_room(const struct loop *l)
{
	return l->rx.cap - q_len(&l->rx);
}

static void read_vchan(struct loop *l)
{
	struct queue *q = &l->rx;
	if (q->head > 0 && q->cap - q->tail < RX_MIN_READ) {
		memmove(q->p, q->p + q->head, q_len(q));
		q->tail -= q->head;
		q->head = 0;
	}
	if (q->cap == q->tail)
		return;
	ssize_t r = read(l->dl->vchan, q->p + q->tail, q->cap - q->tail);
	if (r < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		r = 0;
	}
	if (r == 0) {
		l->vchan_rd_open = false;
		return;
	}
	q->tail += (size_t)r;
}

/* Local EOF (or read error) on out_fd or err_fd. */
static void local_eof(struct loop *l, uint32_t type, bool is_err)
{
	queue_msg(l, type, NULL, 0);
	if (is_err) {
		close_err(l);
		return;
	}
	if (type == MSG_DATA_STDOUT)
		l->stdout_eof_sent = true;
	else
		l->stdin_eof_sent = true;
	if (l->dl->service_role && l->dl->exit_on_service_eof) {
		l->out_open = false;
		if (l->in_open) {
			l->in_open = false;
			l->in_blocked = false;
		}
		return;
	}
	close_out(l);
}

/* Reads local output and queues it as `type` messages: one readv fills
 * up to LOCAL_BATCH bytes of message slots in vout, headers after. */
static void read_local(struct loop *l, int fd, uint32_t type, bool is_err)
{
	size_t max = proto_data_chunk_max(l->dl->version);
	size_t slot = QREXEC_HDR_LEN + max;
	size_t k = LOCAL_BATCH / max;
	if (k > MAX_IOV)
		k = MAX_IOV;
	if (k == 0)
		k = 1;
	if (q_reserve(&l->vout, k * slot) < 0) {
		LOG_ERR("out of memory reading local output");
		link_write_failed(l);
		l->res->vchan_error = true;
		l->vchan_rd_open = false;
		return;
	}
	uint8_t *base = l->vout.p + l->vout.tail;
	struct iovec iov[MAX_IOV];
	for (size_t i = 0; i < k; i++)
		iov[i] = (struct iovec){.iov_base = base + i * slot + QREXEC_HDR_LEN,
					.iov_len = max};
	ssize_t r;
	do
		r = readv(fd, iov, (int)k);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno == EAGAIN)
		return;
	if (r > 0) {
		if (!l->vchan_wr_ok)
			return; /* nobody to send to: drop */
		size_t full = (size_t)r / max, rem = (size_t)r % max;
		for (size_t i = 0; i < full; i++)
			proto_hdr_encode(base + i * slot, type, (uint32_t)max);
		if (rem)
			proto_hdr_encode(base + full * slot, type, (uint32_t)rem);
		l->vout.tail += full * slot + (rem ? QREXEC_HDR_LEN + rem : 0);
		return;
	}
	local_eof(l, type, is_err);
}

static void reap(struct loop *l)
{
	if (l->dl->pid <= 0 || l->res->local_status >= 0)
		return;
	int st;
	pid_t r = waitpid(l->dl->pid, &st, WNOHANG);
	if (r == l->dl->pid) {
		l->res->local_status = WIFSIGNALED(st) ? 128 + WTERMSIG(st)
						       : WEXITSTATUS(st);
		close_in(l);
	}
}

static void handle_signals(struct loop *l)
{
	struct signalfd_siginfo si;
	bool usr1 = false;
	while (read(l->dl->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
		if (si.ssi_signo == SIGUSR1)
			usr1 = true;
	reap(l);
	if (usr1 && !l->shared && l->saved_in >= 0 && is_socket(l->saved_in)) {
		/* the local process asks to use its stdin socket both ways */
		bool was_open = l->out_open;
		if (l->dl->out_fd >= 0 && l->dl->out_fd != l->saved_in) {
			for (int i = 0; i < 2; i++)
				if (l->owned[i] == l->dl->out_fd)
					l->owned[i] = -1;
			close(l->dl->out_fd);
		}
		l->dl->out_fd = l->saved_in;
		l->out_open = was_open;
		l->shared = true;
	}
}

static bool done(struct loop *l)
{
	struct dataloop *dl = l->dl;
	if (l->in_open || l->out_open || l->err_open)
		return false;
	if (dl->pid > 0 && l->res->local_status < 0)
		return false;
	if (dl->service_role)
		return true;
	return l->res->remote_status >= 0;
}

/* Makes the local fds non-blocking and grows local pipes, remembering
 * what to give back. */
static void prepare_local_fds(struct loop *l)
{
	int fds[3] = {l->dl->in_fd, l->dl->out_fd, l->dl->err_fd};
	for (int i = 0; i < 3; i++) {
		l->saved_flags[i] = fds[i] >= 0 ? fcntl(fds[i], F_GETFL) : -1;
		if (fds[i] >= 0)
			set_nonblock(fds[i], true);
	}
	for (int i = 0; i < 2; i++)
		l->saved_pipe_sz[i] = l->owned[i] >= 0 ? pipe_grow(l->owned[i], LOCAL_PIPE_SZ) : -1;
}

void dataloop_run(struct dataloop *dl, struct dataloop_result *res)
{
	struct loop l;
	memset(&l, 0, sizeof l);
	l.dl = dl;
	l.res = res;
	res->remote_status = -1;
	res->local_status = -1;
	res->vchan_error = false;
	l.in_open = dl->in_fd >= 0;
	l.out_open = dl->out_fd >= 0;
	l.err_open = dl->service_role && dl->err_fd >= 0;
	l.shared = dl->in_fd >= 0 && dl->in_fd == dl->out_fd;
	l.saved_in = dl->in_fd;
	l.owned[0] = dl->in_fd;
	l.owned[1] = dl->out_fd != dl->in_fd ? dl->out_fd : -1;
	l.vchan_rd_open = l.vchan_wr_ok = true;
	prepare_local_fds(&l);
	set_nonblock(dl->vchan, true);
	/* bigger kernel buffers mean fewer wakeups; without them (not a
	 * socket, or refused) the call works all the same */
	if (sock_set_buffers(dl->vchan, LINK_SOCKBUF) < 0)
		LOG_DEBUG("data link: cannot enlarge socket buffers: %m");
	l.rx.p = malloc(RX_CAP);
	if (!l.rx.p) {
		LOG_ERR("out of memory for the data link buffer");
		res->vchan_error = true;
		l.vchan_rd_open = false;
		link_write_failed(&l);
	}
	l.rx.cap = l.rx.p ? RX_CAP : 0;

	if (dl->service_role && !l.err_open)
		queue_msg(&l, MSG_DATA_STDERR, NULL, 0);
	if (!dl->service_role && dl->prefix_len > 0)
		queue_data(&l, MSG_DATA_STDIN, dl->prefix, dl->prefix_len);

	for (;;) {
		/* while the local side is full, wait for it (POLLOUT below) */
		if (!l.in_blocked && process_rx(&l) < 0) {
			res->vchan_error = true;
			break;
		}
		/* without a signal fd, SIGCHLD cannot wake us: poll the child */
		if (dl->sigfd < 0)
			reap(&l);
		if (done(&l)) {
			if (dl->service_role) {
				int code = dl->pid > 0 ? res->local_status : 0;
				uint8_t b[4];
				buf_put_le32(b, (uint32_t)code);
				queue_msg(&l, MSG_DATA_EXIT_CODE, b, sizeof b);
			}
			if (flush_vout(&l, true) < 0 && dl->service_role)
				res->vchan_error = true;
			break;
		}
		if (!l.vchan_rd_open && !l.in_blocked) {
			/* link closed and everything received was handled */
			if (q_len(&l.rx) > 0 || l.rx_left > 0 || dl->service_role ||
			    res->remote_status < 0)
				res->vchan_error = true;
			break;
		}

		struct pollfd pfd[5];
		int n = 0, io = -1, ie = -1, ii = -1, is = -1;
		bool can_read_local = q_len(&l.vout) < VOUT_HIGH_WATER;
		short in_ev = l.in_blocked ? POLLOUT : 0;
		short out_ev = can_read_local ? POLLIN : 0;
		pfd[n] = (struct pollfd){.fd = dl->vchan};
		if (l.vchan_rd_open && rx_room(&l) >= RX_MIN_READ)
			pfd[n].events |= POLLIN;
		if (q_len(&l.vout) > 0 && l.vchan_wr_ok)
			pfd[n].events |= POLLOUT;
		n++;
		if (l.shared) {
			/* one socket both ways: one entry */
			if (l.in_open || l.out_open) {
				pfd[n] = (struct pollfd){.fd = dl->in_fd,
					.events = (short)((l.in_open ? in_ev : 0) |
							  (l.out_open ? out_ev : 0))};
				io = ii = n++;
			}
		} else {
			if (l.out_open && out_ev) {
				pfd[n] = (struct pollfd){.fd = dl->out_fd, .events = out_ev};
				io = n++;
			}
			if (l.in_open) {
				pfd[n] = (struct pollfd){.fd = dl->in_fd, .events = in_ev};
				ii = n++;
			}
		}
		if (l.err_open && can_read_local) {
			pfd[n] = (struct pollfd){.fd = dl->err_fd, .events = POLLIN};
			ie = n++;
		}
		if (dl->sigfd >= 0) {
			pfd[n] = (struct pollfd){.fd = dl->sigfd, .events = POLLIN};
			is = n++;
		}
		int r = poll(pfd, (nfds_t)n, -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			LOG_ERR("poll: %m");
			res->vchan_error = true;
			break;
		}
		if (pfd[0].revents & POLLOUT)
			flush_vout(&l, false);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))
			read_vchan(&l);
		if (io >= 0 && l.out_open && (pfd[io].revents & (POLLIN | POLLHUP | POLLERR)))
			read_local(&l, dl->out_fd, dl->service_role ? MSG_DATA_STDOUT : MSG_DATA_STDIN, false);
		if (ii >= 0 && l.in_open) {
			short re = pfd[ii].revents;
			/* data the local side can take now goes before a hangup */
			if ((re & POLLOUT) && process_rx(&l) < 0) {
				res->vchan_error = true;
				break;
			}
			if (l.in_open && (re & (POLLHUP | POLLERR)))
				close_in(&l);
		}
		if (ie >= 0 && l.err_open && (pfd[ie].revents & (POLLIN | POLLHUP | POLLERR)))
			read_local(&l, dl->err_fd, MSG_DATA_STDERR, true);
		/* signals last: output written before the exit is read first */
		if (is >= 0 && pfd[is].revents)
			handle_signals(&l);
		if (q_len(&l.vout) > 0)
			flush_vout(&l, false);
	}

	close_in(&l);
	close_out(&l);
	close_err(&l);
	for (int i = 0; i < 2; i++) {
		if (l.owned[i] >= 0) {
			restore_fd(&l, i);
			close(l.owned[i]);
		}
	}
	if (dl->pid > 0 && res->local_status < 0) {
		int st;
		if (waitpid(dl->pid, &st, 0) == dl->pid)
			res->local_status = WIFSIGNALED(st) ? 128 + WTERMSIG(st)
							    : WEXITSTATUS(st);
	}
	free(l.vout.p);
	free(l.rx.p);
}

int data_link_handshake(int fd, int timeout_ms)
{
	uint8_t m[QREXEC_HDR_LEN + 4];
	proto_hdr_encode(m, MSG_HELLO, 4);
	buf_put_le32(m + QREXEC_HDR_LEN, QREXEC_PROTOCOL_VERSION);
	if (write_all(fd, m, sizeof m) < 0)
		return -1;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	if (timeout_ms >= 0 && poll(&pfd, 1, timeout_ms) <= 0)
		return -1;
	if (read_all(fd, m, sizeof m) != (ssize_t)sizeof m)
		return -1;
	struct qrexec_hdr h;
	uint32_t v;
	proto_hdr_decode(m, &h);
	if (proto_hello_decode(&h, m + QREXEC_HDR_LEN, &v) != PROTO_OK || v < 2) {
		LOG_ERR("bad HELLO on data link");
		return -1;
	}
	return v < QREXEC_PROTOCOL_VERSION ? (int)v : QREXEC_PROTOCOL_VERSION;
}
