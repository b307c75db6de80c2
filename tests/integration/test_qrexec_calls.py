"""End-to-end qrexec calls between real agents and daemons: VM->VM,
VM->dom0, dom0->VM, refusals, missing services, streams and exit codes,
large transfers, concurrency and failures."""
import hashlib
import os
import signal
import socket
import struct
import subprocess
import threading
import time

ECHO = "#!/bin/sh\necho \"from $QREXEC_REMOTE_DOMAIN arg=$1\"; cat; echo err >&2; exit 3\n"


def test_vm_to_vm_streams_and_exit_code(world):
    world.service("vault", "test.Echo", ECHO)
    world.allow("work", "vault", "test.Echo+a1")
    r = world.client_vm("work", "vault", "test.Echo+a1", input=b"hello\n")
    assert r.stdout == b"from work arg=a1\nhello\n"
    assert r.stderr == b"err\n"
    assert r.returncode == 3


def test_refused_by_policy_is_126(world):
    world.service("vault", "test.Echo", ECHO)
    r = world.client_vm("work", "vault", "test.Echo")
    assert r.returncode == 126
    assert r.stderr == b"Request refused\n"
    assert r.stdout == b""


def test_missing_service_is_127(world):
    world.allow("work", "vault", "test.Nope")
    r = world.client_vm("work", "vault", "test.Nope")
    assert r.returncode == 127


def test_vm_to_dom0(world):
    world.service("dom0", "test.Dom0",
                  "#!/bin/sh\nread x; echo \"dom0 got $x from $QREXEC_REMOTE_DOMAIN "
                  "target=$QREXEC_REQUESTED_TARGET_KEYWORD\"\n")
    world.allow("work", "@adminvm", "test.Dom0", "dom0")
    r = world.client_vm("work", "@adminvm", "test.Dom0", input=b"ping\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"dom0 got ping from work target=adminvm\n"


def test_dom0_to_vm(world):
    user = os.environ.get("USER") or __import__("getpass").getuser()
    r = world.client("-d", "vault", f"{user}:echo out; echo err >&2; exit 7")
    assert r.stdout == b"out\n"
    assert r.stderr == b"err\n"
    assert r.returncode == 7


def test_dom0_to_vm_rpc_with_default_user(world):
    world.service("vault", "test.Echo", ECHO)
    r = world.client("-d", "vault", "DEFAULT:QUBESRPC test.Echo+x dom0", input=b"z\n")
    assert r.stdout == b"from dom0 arg=x\nz\n"
    assert r.returncode == 3


def test_socket_service(world, tmp_path):
    path = os.path.join(world.root, "vault", "rpc", "test.Sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)

    def serve():
        c, _ = srv.accept()
        data = b""
        while not data.endswith(b"END"):
            chunk = c.recv(4096)
            if not chunk:
                break
            data += chunk
        c.sendall(b"got:" + data)
        c.close()

    t = threading.Thread(target=serve)
    t.start()
    world.allow("work", "vault", "test.Sock")
    r = world.client_vm("work", "vault", "test.Sock", input=b"END")
    t.join(10)
    srv.close()
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"got:test.Sock+ work\0END"


def test_one_gib_with_checksum(world):
    size = int(os.environ.get("BULKHEAD_BIG_BYTES", 1 << 30))
    world.service("vault", "test.Sum", "#!/bin/sh\nexec sha256sum\n")
    world.allow("work", "vault", "test.Sum")
    block = os.urandom(1 << 20)
    h = hashlib.sha256()
    p = world.popen_client_vm("work", "vault", "test.Sum",
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


def test_hundred_concurrent_calls(world):
    world.service("vault", "test.Id", "#!/bin/sh\nread x; echo \"id $x\"\n")
    world.allow("work", "vault", "test.Id")
    procs = [world.popen_client_vm("work", "vault", "test.Id", stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(100)]
    for i, p in enumerate(procs):
        p.stdin.write(b"%d\n" % i)
        p.stdin.close()
    for i, p in enumerate(procs):
        out = p.stdout.read()
        assert p.wait(timeout=60) == 0, p.stderr.read()
        assert out == b"id %d\n" % i


def test_killing_agent_mid_call_ends_client(world):
    world.service("vault", "test.Slow", "#!/bin/sh\necho started; sleep 30\n")
    world.allow("work", "vault", "test.Slow")
    p = world.popen_client_vm("work", "vault", "test.Slow",
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert p.stdout.readline() == b"started\n"
    # kill the target's agent and its call handler
    for line in subprocess.run(["pgrep", "-P", str(world.agents["vault"].pid)],
                               capture_output=True, text=True).stdout.split():
        os.kill(int(line), signal.SIGKILL)
    world.agents["vault"].kill()
    rc = p.wait(timeout=20)
    assert rc not in (0, None)


def test_daemon_survives_garbage_clients(world):
    path = os.path.join(world.sockets, "qrexec.vault")
    junk = [b"", b"\0" * 3, struct.pack("<LL", 0x300, 4) + b"\x01\0\0\0",
            struct.pack("<LL", 0x300, 4) + struct.pack("<L", 3) +
            struct.pack("<LL", 0x200, 0xffffffff),
            struct.pack("<LL", 0x300, 4) + struct.pack("<L", 3) +
            struct.pack("<LL", 0x999, 4) + b"abcd",
            struct.pack("<LL", 0x300, 4) + struct.pack("<L", 3) +
            struct.pack("<LLLL", 0x202, 12, 0, 0) + b"nope"]
    for j in junk:
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.sendall(j)
        s.shutdown(socket.SHUT_WR)
        s.settimeout(5)
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
        s.close()
    world.service("vault", "test.Echo", ECHO)
    world.allow("work", "vault", "test.Echo")
    r = world.client_vm("work", "vault", "test.Echo", input=b"still\n")
    assert r.stdout == b"from work arg=\nstill\n"


def test_qsb_038_dollar_is_not_expanded(world):
    world.service("vault", "test.Arg", "#!/bin/sh\nprintf '%s|%s' \"$1\" \"$QREXEC_SERVICE_ARGUMENT\"\n")
    world.allow("work", "vault", "test.Arg+_HOME")
    r = world.client_vm("work", "vault", "test.Arg+$HOME")
    # '$' is sanitized to '_' before policy, never shell-expanded
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"_HOME|_HOME"


def test_killing_daemon_while_policy_runs_ends_client(program_world):
    world = program_world
    world.service("vault", "test.Echo", ECHO)
    world.allow("work", "vault", "test.Echo")
    with open(world.rules + ".sleep", "w") as f:
        f.write("3")
    p = world.popen_client_vm("work", "vault", "test.Echo", stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(0.5)
    world.daemons["work"].kill()
    t0 = time.time()
    rc = p.wait(timeout=20)
    assert rc == 126
    assert p.stderr.read() == b"Request refused\n"
    assert time.time() - t0 < 5


def _rss_kib(pid):
    """resident memory of a process, 0 once it is gone"""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def _handlers(world, name, timeout=30):
    """pids of the call handlers under an agent (each serves one call),
    once there is one."""
    end = time.time() + timeout
    while True:
        out = subprocess.run(["pgrep", "-P", str(world.agents[name].pid)],
                             capture_output=True, text=True).stdout
        if out.split() or time.time() > end:
            return [int(p) for p in out.split()]
        time.sleep(0.05)


SOURCE = """#!/usr/bin/python3
# writes $1 bytes of fresh random blocks (odd-sized, so no message or
# buffer boundary lines up with them), then their sha256 on stderr
import hashlib, os, sys
left, h, out = int(sys.argv[1]), hashlib.sha256(), sys.stdout.buffer
while left:
    b = os.urandom(min(left, (1 << 20) + 4093))
    h.update(b)
    out.write(b)
    left -= len(b)
out.flush()
sys.stderr.write(h.hexdigest())
"""


def test_big_transfer_from_service_with_checksum(world):
    size = int(os.environ.get("BULKHEAD_BIG_BYTES", 1 << 30))
    world.service("vault", "test.Source", SOURCE)
    world.allow("work", "vault", f"test.Source+{size}")
    p = world.popen_client_vm("work", "vault", f"test.Source+{size}",
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    h, got = hashlib.sha256(), 0
    while True:
        b = p.stdout.read(1 << 20)
        if not b:
            break
        h.update(b)
        got += len(b)
    err = p.stderr.read()
    assert p.wait(timeout=300) == 0, err
    assert got == size
    assert err.decode() == h.hexdigest()


def test_slow_reader_keeps_memory_bounded_both_ways(world):
    """Neither side buffers without bound when the reader stalls: the
    writer is held back, and RSS stays small while far more is pending."""
    size = 512 << 20
    world.service("vault", "test.Flood", f"#!/bin/sh\nexec head -c {size} /dev/zero\n")
    world.service("vault", "test.Stall", "#!/bin/sh\nsleep 4\nexec cat >/dev/null\n")
    world.allow("work", "vault", "test.Flood")
    world.allow("work", "vault", "test.Stall")
    limit_kib = 96 << 10

    # vault -> work: nobody reads work's stdout for a while
    p = world.popen_client_vm("work", "vault", "test.Flood",
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    pids = [p.pid] + _handlers(world, "vault")
    assert len(pids) >= 2
    time.sleep(2)
    for pid in pids:
        assert _rss_kib(pid) < limit_kib, (pid, _rss_kib(pid))
    got = 0
    while True:
        b = p.stdout.read(1 << 20)
        if not b:
            break
        got += len(b)
    assert p.wait(timeout=120) == 0
    assert got == size

    # work -> vault: the service does not read its stdin for a while
    p = world.popen_client_vm("work", "vault", "test.Stall",
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    sent = [0]

    def feed():
        block = b"\0" * (1 << 20)
        while sent[0] < size:
            p.stdin.write(block)
            sent[0] += len(block)
        p.stdin.close()

    t = threading.Thread(target=feed)
    t.start()
    time.sleep(2)
    assert sent[0] < size // 4, "the writer was never held back"
    pids = [p.pid] + _handlers(world, "vault")
    assert len(pids) >= 2
    for pid in pids:
        assert _rss_kib(pid) < limit_kib, (pid, _rss_kib(pid))
    t.join(120)
    assert not t.is_alive()
    assert p.wait(timeout=120) == 0
    assert sent[0] == size


def test_escape_filter_on_bulk_output(world):
    world.service("vault", "test.Bytes", "#!/usr/bin/python3\nimport sys\n"
                  "sys.stdout.buffer.write(bytes(range(256)) * 4099)\n")
    world.allow("work", "vault", "test.Bytes")
    r = world.client_vm("work", "vault", "test.Bytes", opts=("-t",))
    assert r.returncode == 0, r.stderr
    keep = set(range(0x20, 0x7f)) | set(b"\t\n\r\b\a")
    assert r.stdout == bytes(b if b in keep else ord("_") for b in range(256)) * 4099


def test_big_stdout_and_stderr_together(world):
    world.service("vault", "test.Both", "#!/bin/sh\nhead -c 30000000 /dev/zero >&2 &\n"
                  "head -c 40000000 /dev/zero\nwait\nexit 5\n")
    world.allow("work", "vault", "test.Both")
    r = world.client_vm("work", "vault", "test.Both", timeout=120)
    assert r.returncode == 5
    assert len(r.stdout) == 40000000 and not r.stdout.strip(b"\0")
    assert len(r.stderr) == 30000000 and not r.stderr.strip(b"\0")
