"""qrexec with one socket directory per domain: each agent has its own
VCHAN_SOCKET_DIR (vchan/1, vchan/2), dom0 processes use
VCHAN_SOCKET_DIR_BASE=vchan, and a qrexec-vchan-broker joins the
domain <-> domain data links (socketpair ends passed by SCM_RIGHTS).
Calls in every direction, bulk data, concurrency, and the broker's own
rules: identity by directory, refusals, limits, timeouts, garbage."""
import array
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import BIN, wait_for

ECHO = "#!/bin/sh\necho \"from $QREXEC_REMOTE_DOMAIN arg=$1\"; cat; echo err >&2; exit 3\n"


# ---------------------------------------------------------------- helpers

def request(path, line, timeout=5.0, shut=False):
    """Sends one broker request on the socket at path (then half-closes
    if shut); returns (reply bytes, received fd or None). A connection
    reset by the broker counts as an empty reply."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)   # blocking: waits while the broker's backlog is full
    s.settimeout(timeout)
    try:
        try:
            s.sendall(line)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except BrokenPipeError:
            pass   # refused at once: the reply is there to read
        return recv_reply(s)
    except ConnectionResetError:
        return b"", None
    finally:
        s.close()


def recv_reply(s):
    """Reads the broker's reply on s: (bytes, fd or None)."""
    data, fd = b"", None
    while not data.endswith(b"\n"):
        fds = array.array("i")
        msg, anc, _, _ = s.recvmsg(64, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
                for extra in fds[1:]:
                    os.close(extra)
                if fds and fd is None:
                    fd = fds[0]
        if not msg:
            break
        data += msg
    return data, fd


def open_request(path, line):
    """Sends a request and leaves the connection open (for a reply that
    comes when the peer asks)."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(line)
    return s


def no_reply_within(s, seconds):
    s.settimeout(seconds)
    try:
        s.recv(1, socket.MSG_PEEK)
    except socket.timeout:
        return True
    return False


def linked(fd_a, fd_b):
    """True if the two fds are the two ends of one stream."""
    a = socket.socket(fileno=fd_a)
    b = socket.socket(fileno=fd_b)
    try:
        a.settimeout(5)
        b.settimeout(5)
        a.sendall(b"ping")
        if b.recv(16) != b"ping":
            return False
        b.sendall(b"pong")
        return a.recv(16) == b"pong"
    finally:
        a.close()
        b.close()


def vchan_files(base):
    """All vchan socket files under base, as paths relative to it."""
    out = []
    for d, _, files in os.walk(base):
        for f in files:
            if f.startswith("vchan."):
                out.append(os.path.relpath(os.path.join(d, f), base))
    return out


def broker_alive(w):
    return w.broker.poll() is None


@pytest.fixture
def raw_broker():
    """A broker alone on a scratch base with domain dirs 1, 2 and 3, short
    timeouts and small limits; yields (base, proc, log path)."""
    base = tempfile.mkdtemp(prefix="bh-broker.")
    for d in ("1", "2", "3"):
        os.makedirs(os.path.join(base, d))
    log = base + ".log"
    with open(log, "wb") as f:
        p = subprocess.Popen([f"{BIN}/qrexec-vchan-broker", f"--base={base}",
                              "--hold-timeout=2", "--request-timeout=1",
                              "--max-pending=4", "--max-connections=6"], stderr=f)
    for d in ("1", "2", "3"):
        wait_for(os.path.join(base, d, "broker.sock"))
    yield base, p, log
    p.terminate()
    rc = p.wait(timeout=10)
    shutil.rmtree(base, ignore_errors=True)
    with open(log) as f:
        text = f.read()
    os.unlink(log)
    assert_clean_exit(rc, text)


def assert_clean_exit(rc, log):
    """The broker ended on SIGTERM with status 0 and no sanitizer report
    (leaks included, in the ASan build)."""
    assert rc == 0, log[-2000:]
    assert "Sanitizer" not in log and "runtime error" not in log, log[-4000:]


def sock(base, dom):
    return os.path.join(base, str(dom), "broker.sock")


# ---------------------------------------------------- calls through it all

def test_vm_to_vm_streams_and_exit_code(split_world):
    w = split_world
    w.service("vault", "test.Echo", ECHO)
    w.allow("work", "vault", "test.Echo+a1")
    r = w.client_vm("work", "vault", "test.Echo+a1", input=b"hello\n")
    assert r.stdout == b"from work arg=a1\nhello\n"
    assert r.stderr == b"err\n"
    assert r.returncode == 3


def test_vm_to_vm_other_direction(split_world):
    w = split_world
    w.service("work", "test.Echo", ECHO)
    w.allow("vault", "work", "test.Echo")
    r = w.client_vm("vault", "work", "test.Echo", input=b"back\n")
    assert (r.returncode, r.stdout, r.stderr) == (3, b"from vault arg=\nback\n", b"err\n")


def test_vm_to_vm_refused_and_missing(split_world):
    w = split_world
    w.service("vault", "test.Echo", ECHO)
    r = w.client_vm("work", "vault", "test.Echo")
    assert (r.returncode, r.stderr) == (126, b"Request refused\n")
    w.allow("work", "vault", "test.Nope")
    assert w.client_vm("work", "vault", "test.Nope").returncode == 127


def test_vm_to_dom0(split_world):
    w = split_world
    w.service("dom0", "test.Dom0",
              "#!/bin/sh\nread x; echo \"dom0 got $x from $QREXEC_REMOTE_DOMAIN\"; exit 4\n")
    w.allow("work", "@adminvm", "test.Dom0", "dom0")
    r = w.client_vm("work", "@adminvm", "test.Dom0", input=b"ping\n")
    assert r.returncode == 4, r.stderr
    assert r.stdout == b"dom0 got ping from work\n"


def test_dom0_to_vm(split_world):
    w = split_world
    user = __import__("getpass").getuser()
    r = w.client("-d", "vault", f"{user}:cat; echo out; echo err >&2; exit 7", input=b"in\n")
    assert (r.returncode, r.stdout, r.stderr) == (7, b"in\nout\n", b"err\n")
    w.service("work", "test.Echo", ECHO)
    r = w.client("-d", "work", "DEFAULT:QUBESRPC test.Echo+x dom0", input=b"z\n")
    assert (r.returncode, r.stdout, r.stderr) == (3, b"from dom0 arg=x\nz\n", b"err\n")


def test_each_domain_uses_only_its_own_directory(split_world):
    """While a VM->VM call runs, no socket file exists for a link between
    two domains, and each domain's directory holds only its own links
    with dom0 (and its broker socket)."""
    w = split_world
    w.service("vault", "test.Slow", "#!/bin/sh\necho started; sleep 2\n")
    w.allow("work", "vault", "test.Slow")
    p = w.popen_client_vm("work", "vault", "test.Slow", stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE)
    assert p.stdout.readline() == b"started\n"
    files = vchan_files(w.vchan)
    assert p.wait(timeout=30) == 0
    for f in files:
        d, name = f.split("/")
        server, client = name.split(".")[1:3]
        assert "0" in (server, client), f
        assert d in (server, client), f
    assert set(os.listdir(w.vchan)) == {"1", "2"}
    # each agent (and so its call handlers and services) cannot even see
    # the other domain's directory
    for name, other in (("work", 2), ("vault", 1)):
        with open(f"/proc/{w.agents[name].pid}/mountinfo") as f:
            mounts = [line.split()[4] for line in f]
        assert w.vchan_dir(other) in mounts, mounts
        assert w.vchan_dir(w.domids[name]) not in mounts
    seen = subprocess.run([*w.wrap(1), "ls", "-A", w.vchan_dir(2)], capture_output=True)
    assert (seen.returncode, seen.stdout) == (0, b"")
    for d in ("1", "2"):
        assert "broker.sock" in os.listdir(os.path.join(w.vchan, d))


def test_one_gib_vm_to_vm_with_checksum(split_world):
    w = split_world
    size = int(os.environ.get("BULKHEAD_BIG_BYTES", 1 << 30))
    w.service("vault", "test.Sum", "#!/bin/sh\nexec sha256sum\n")
    w.allow("work", "vault", "test.Sum")
    block = os.urandom((1 << 20) + 4093)
    h = hashlib.sha256()
    p = w.popen_client_vm("work", "vault", "test.Sum",
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    sent = 0
    while sent < size:
        n = min(len(block), size - sent)
        p.stdin.write(block[:n])
        h.update(block[:n])
        sent += n
    p.stdin.close()
    out = p.stdout.read()
    assert p.wait(timeout=300) == 0
    assert out.split()[0].decode() == h.hexdigest()


def test_fifty_concurrent_vm_to_vm_calls(split_world):
    w = split_world
    w.service("vault", "test.Id", "#!/bin/sh\nread x; echo \"id $x\"; exit $((x % 7))\n")
    w.allow("work", "vault", "test.Id")
    procs = [w.popen_client_vm("work", "vault", "test.Id", stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(50)]
    for i, p in enumerate(procs):
        p.stdin.write(b"%d\n" % i)
        p.stdin.close()
    for i, p in enumerate(procs):
        out = p.stdout.read()
        assert p.wait(timeout=60) == i % 7, p.stderr.read()
        assert out == b"id %d\n" % i


def test_running_call_survives_a_broker_restart(split_world):
    """Once joined, the two domains talk over their socketpair: the
    broker is not in the data path."""
    w = split_world
    w.service("vault", "test.Cat", "#!/bin/sh\necho started; exec cat\n")
    w.allow("work", "vault", "test.Cat")
    p = w.popen_client_vm("work", "vault", "test.Cat", stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE)
    assert p.stdout.readline() == b"started\n"
    w.broker.terminate()
    assert w.broker.wait(timeout=10) == 0
    assert not os.path.exists(w.broker_socket(1))
    p.stdin.write(b"after the broker left\n")
    p.stdin.flush()
    assert p.stdout.readline() == b"after the broker left\n"
    p.stdin.close()
    assert p.wait(timeout=30) == 0
    # without a broker, a new VM->VM call fails cleanly ...
    r = w.client_vm("work", "vault", "test.Cat", timeout=60)
    assert r.returncode == 125
    # ... and works again once it is back
    w.start_broker()
    r = w.client_vm("work", "vault", "test.Cat", input=b"x\n")
    assert (r.returncode, r.stdout) == (0, b"started\nx\n"), r.stderr


def test_garbage_and_abuse_do_not_disturb_calls(split_world):
    w = split_world
    w.service("vault", "test.Echo", ECHO)
    w.allow("work", "vault", "test.Echo")
    # a third domain floods its own broker socket
    os.makedirs(os.path.join(w.vchan, "3"))
    wait_for(w.broker_socket(3))
    flood = []
    for i in range(400):   # more than the broker allows one domain
        s = socket.socket(socket.AF_UNIX)   # blocking: waits while the backlog is full
        flood.append(s)
        s.connect(w.broker_socket(3))
        try:
            s.send(b"LISTEN 1 %d\n" % (513 + i) if i < 200 else b"LIST")
        except OSError:
            pass   # refused and closed already
    for i in range(100):   # and garbage of every kind
        request(w.broker_socket(3), [b"\xff" * 40, b"CONNECT 2 600\n", b"LISTEN 3 600\n",
                                     b"CONNECT 1 0600\n"][i % 4], timeout=2, shut=True)
    # junk on the calling domain's own socket
    for junk in (b"", b"\0" * 100, b"LISTEN 2 514\nLISTEN 2 515\n", b"CONNECT 2 99999\n",
                 b"connect 2 514\n", b"LISTEN  2 514\n", b"LISTEN 02 514\n", b"X" * 5000):
        data, fd = request(w.broker_socket(1), junk, shut=True)
        assert fd is None
        assert data.startswith(b"ERR ") or data == b"", (junk, data)
    # calls work meanwhile, and again after the flood is gone
    for _ in range(3):
        r = w.client_vm("work", "vault", "test.Echo", input=b"still\n")
        assert (r.returncode, r.stdout) == (3, b"from work arg=\nstill\n"), r.stderr
    for s in flood:
        s.close()
    r = w.client_vm("work", "vault", "test.Echo", input=b"after\n")
    assert (r.returncode, r.stdout) == (3, b"from work arg=\nafter\n"), r.stderr
    assert broker_alive(w)
    with open(w.broker_log) as f:
        log = f.read()
    assert "from domain 3: too many connections" in log
    assert "from domain 1: malformed request" in log
    w.broker.terminate()
    rc = w.broker.wait(timeout=10)
    with open(w.broker_log) as f:
        assert_clean_exit(rc, f.read())


def test_no_link_for_a_pair_the_domain_is_not_part_of(split_world):
    """Requests name only the remote end: domain 3 can neither take over
    the link work (1) waits for from vault (2) nor be linked to anyone who
    did not ask for it."""
    w = split_world
    os.makedirs(os.path.join(w.vchan, "3"))
    wait_for(w.broker_socket(3))
    work = open_request(w.broker_socket(1), b"LISTEN 2 700\n")
    intruders = [open_request(w.broker_socket(3), line) for line in
                 (b"CONNECT 1 700\n", b"CONNECT 2 700\n", b"LISTEN 1 700\n",
                  b"LISTEN 2 700\n")]
    assert no_reply_within(work, 0.5)
    for s in intruders:
        assert no_reply_within(s, 0.1)
    vault = open_request(w.broker_socket(2), b"CONNECT 1 700\n")
    a, fa = recv_reply(work)
    b, fb = recv_reply(vault)
    assert (a, b) == (b"OK\n", b"OK\n")
    assert linked(fa, fb)
    for s in intruders:
        assert no_reply_within(s, 0.1)
        s.close()
    for s in (work, vault):
        s.close()
    # spoofing the own id or dom0 is refused outright
    for line, why in ((b"LISTEN 3 700\n", b"itself"), (b"CONNECT 0 700\n", b"malformed"),
                      (b"LISTEN 1 700 2\n", b"malformed"), (b"CONNECT 9 700\n", b"no such")):
        data, fd = request(w.broker_socket(3), line)
        assert fd is None and data.startswith(b"ERR ") and why in data, (line, data)


# ------------------------------------------------ the broker on its own

def test_pairing_either_order_and_fd_is_a_stream(raw_broker):
    base, _, _ = raw_broker
    for first, second in (((1, b"LISTEN 2 513\n"), (2, b"CONNECT 1 513\n")),
                          ((2, b"CONNECT 1 514\n"), (1, b"LISTEN 2 514\n"))):
        s1 = open_request(sock(base, first[0]), first[1])
        assert no_reply_within(s1, 0.2)
        s2 = open_request(sock(base, second[0]), second[1])
        (r1, f1), (r2, f2) = recv_reply(s1), recv_reply(s2)
        assert (r1, r2) == (b"OK\n", b"OK\n")
        assert linked(f1, f2)
        s1.close()
        s2.close()


def test_refusals(raw_broker):
    base, p, log = raw_broker
    cases = [(1, b"LISTEN 1 513\n", b"itself"), (1, b"CONNECT 0 513\n", b"malformed"),
             (1, b"CONNECT 2 512\n", b"malformed"), (1, b"CONNECT 2 769\n", b"malformed"),
             (1, b"CONNECT 32752 600\n", b"malformed"), (1, b"CONNECT 7 600\n", b"no such"),
             (2, b"LISTEN 1 513", b"closed before"), (2, b"LISTEN 1 513\r\n", b"malformed"),
             (2, b"LISTEN -1 513\n", b"malformed"), (2, b"\n", b"malformed")]
    for dom, line, why in cases:
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock(base, dom))
        s.sendall(line)
        s.shutdown(socket.SHUT_WR)
        data, fd = recv_reply(s)
        s.close()
        assert fd is None and data.startswith(b"ERR ") and why in data, (line, data)
    # a duplicate of a waiting request
    s1 = open_request(sock(base, 1), b"LISTEN 2 600\n")
    assert no_reply_within(s1, 0.2)
    data, fd = request(sock(base, 1), b"LISTEN 2 600\n")
    assert data == b"ERR duplicate request\n" and fd is None
    s1.close()
    time.sleep(0.2)
    # ... but not once the first one has gone away
    s1 = open_request(sock(base, 1), b"LISTEN 2 600\n")
    assert no_reply_within(s1, 0.2)
    s1.close()
    assert p.poll() is None
    with open(log) as f:
        text = f.read()
    assert "refused LISTEN 1 513 from domain 1: link with itself" in text
    assert "refused CONNECT 7 600 from domain 1: no such domain" in text
    assert "refused LISTEN 2 600 from domain 1: duplicate request" in text


def test_timeouts(raw_broker):
    base, _, _ = raw_broker
    t0 = time.time()
    data, fd = request(sock(base, 1), b"LISTEN 2 601\n", timeout=10)
    assert data == b"ERR no peer in time\n" and fd is None
    assert 1.5 < time.time() - t0 < 5
    s = open_request(sock(base, 1), b"LISTEN 2")   # never finished
    s.settimeout(10)
    data, fd = recv_reply(s)
    assert data == b"ERR no complete request in time\n"


def test_limits_per_domain(raw_broker):
    base, p, log = raw_broker
    waiting = [open_request(sock(base, 3), b"LISTEN 1 %d\n" % port)
               for port in range(700, 704)]
    for s in waiting:
        assert no_reply_within(s, 0.05)
    data, _ = request(sock(base, 3), b"LISTEN 1 704\n")
    assert data == b"ERR too many waiting requests\n"
    extra = [open_request(sock(base, 3), b"") for _ in range(2)]   # 6 connections
    time.sleep(0.2)
    data, _ = request(sock(base, 3), b"LISTEN 2 513\n")
    assert data == b"ERR too many connections\n"
    # the other domains are not affected
    s1 = open_request(sock(base, 1), b"LISTEN 2 513\n")
    s2 = open_request(sock(base, 2), b"CONNECT 1 513\n")
    (r1, f1), (r2, f2) = recv_reply(s1), recv_reply(s2)
    assert (r1, r2) == (b"OK\n", b"OK\n") and linked(f1, f2)
    # and domain 1 can still complete a waiting request of domain 3
    s = open_request(sock(base, 1), b"CONNECT 3 700\n")
    (r1, f1), (r3, f3) = recv_reply(s), recv_reply(waiting[0])
    assert (r1, r3) == (b"OK\n", b"OK\n") and linked(f1, f3)
    for x in waiting + extra + [s, s1, s2]:
        x.close()
    assert p.poll() is None
    with open(log) as f:
        assert "from domain 3: too many connections" in f.read()


def test_bytes_after_request_are_refused(raw_broker):
    base, _, _ = raw_broker
    s = open_request(sock(base, 1), b"LISTEN 2 650\n")
    assert no_reply_within(s, 0.2)
    s.sendall(b"more")
    data, fd = recv_reply(s)
    assert data == b"ERR bytes after the request\n" and fd is None
    s.close()


def test_directories_come_and_go(raw_broker):
    base, p, _ = raw_broker
    os.makedirs(os.path.join(base, "4"))
    wait_for(sock(base, 4))
    s1 = open_request(sock(base, 1), b"LISTEN 4 520\n")
    s4 = open_request(sock(base, 4), b"CONNECT 1 520\n")
    (r1, f1), (r4, f4) = recv_reply(s1), recv_reply(s4)
    assert (r1, r4) == (b"OK\n", b"OK\n") and linked(f1, f4)
    s1.close()
    s4.close()
    # a request waiting for a domain that goes away is refused
    s1 = open_request(sock(base, 1), b"LISTEN 4 521\n")
    assert no_reply_within(s1, 0.2)
    shutil.rmtree(os.path.join(base, "4"))
    s1.settimeout(5)
    assert recv_reply(s1)[0] == b"ERR peer domain gone\n"
    s1.close()
    assert request(sock(base, 1), b"LISTEN 4 522\n")[0] == b"ERR no such domain\n"
    # a symlink or a badly named entry is never a domain
    os.symlink(os.path.join(base, "1"), os.path.join(base, "5"))
    os.makedirs(os.path.join(base, "06"))
    os.makedirs(os.path.join(base, "x"))
    time.sleep(0.5)
    assert not os.path.exists(os.path.join(base, "06", "broker.sock"))
    assert not os.path.exists(os.path.join(base, "x", "broker.sock"))
    assert request(sock(base, 1), b"LISTEN 5 523\n")[0] == b"ERR no such domain\n"
    # domain 1's socket is still domain 1's
    s1 = open_request(sock(base, 1), b"LISTEN 2 524\n")
    s2 = open_request(sock(base, 2), b"CONNECT 1 524\n")
    assert recv_reply(s1)[0] == recv_reply(s2)[0] == b"OK\n"
    s1.close()
    s2.close()
    # a removed socket file is made again
    os.unlink(sock(base, 2))
    wait_for(sock(base, 2), timeout=6)
    assert p.poll() is None


def test_broker_survives_random_garbage(raw_broker):
    base, p, _ = raw_broker
    rnd = __import__("random").Random(7)
    for i in range(300):
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock(base, 1 + i % 3))
        n = rnd.randrange(0, 64)
        try:
            s.sendall(bytes(rnd.randrange(256) for _ in range(n)))
            if rnd.random() < 0.5:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        s.close()
    time.sleep(0.5)
    threads = []

    def pair(port):
        a = open_request(sock(base, 1), b"LISTEN 2 %d\n" % port)
        b = open_request(sock(base, 2), b"CONNECT 1 %d\n" % port)
        a.settimeout(10)
        b.settimeout(10)
        (ra, fa), (rb, fb) = recv_reply(a), recv_reply(b)
        assert (ra, rb) == (b"OK\n", b"OK\n") and linked(fa, fb)
        a.close()
        b.close()

    for port in range(530, 534):
        t = threading.Thread(target=pair, args=(port,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join(20)
    pair(540)
    assert p.poll() is None
