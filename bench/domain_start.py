#!/usr/bin/python3
"""domain_start: median over BENCH_RUNS (default 20) of create + start of a
fresh domain, against a bare `bwrap --unshare-all --ro-bind /usr /usr ...
true` in the same run (runs interleaved, so load changes hit both alike):
 1. the sandbox alone: new private dir, bulkhead-sandbox start, until its
    qrexec agent is ready (its control vchan accepts and the HELLO
    handshake completes, as the host qrexec-daemon does);
 2. as a user gets it: admin.vm.Create.AppVM + admin.vm.Start over
    bulkheadd's socket (a `bulkhead --root` instance of the build), which
    answers once the domain's qrexec-daemon has its agent.
Needs root."""
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from sandboxlib import TOOL  # noqa: E402
from bhinst import Instance  # noqa: E402

N = int(os.environ.get("BENCH_RUNS", 20))
MSG_HELLO = 0x300
BARE = ["bwrap", "--unshare-all", "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64", "--proc", "/proc", "--dev", "/dev", "true"]


def agent_handshake(path, timeout=10.0):
    end = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > end:
                raise TimeoutError(path)
            time.sleep(0.0002)
    hdr = b""
    while len(hdr) < 12:
        chunk = s.recv(12 - len(hdr))
        if not chunk:
            raise RuntimeError("agent closed the control vchan")
        hdr += chunk
    t, ln, ver = struct.unpack("<III", hdr)
    assert t == MSG_HELLO and ln == 4, (t, ln)
    s.sendall(struct.pack("<III", MSG_HELLO, 4, min(ver, 3)))
    return s


def main():
    if os.geteuid() != 0:
        sys.exit("domain_start: needs root")
    root = tempfile.mkdtemp(prefix="bh-bench-dom.")
    run_dir = os.path.join(root, "run")
    ours, base = [], []
    try:
        subprocess.run(BARE, check=True)
        for i in range(N + 1):  # the first round warms caches, not counted
            name, qid = f"bench{i}", 9000 + i
            priv, vchan = os.path.join(root, f"p{i}"), os.path.join(root, f"v{i}")
            t0 = time.perf_counter()
            subprocess.run([TOOL, "start", "--name", name, "--qid", str(qid), "--private", priv,
                            "--vchan-dir", vchan, "--run-dir", run_dir],
                           check=True, stdout=subprocess.DEVNULL)
            s = agent_handshake(os.path.join(vchan, f"vchan.{qid}.0.512.sock"))
            t1 = time.perf_counter()
            s.close()
            subprocess.run([TOOL, "stop", "--name", name, "--run-dir", run_dir],
                           check=True, stdout=subprocess.DEVNULL)
            t2 = time.perf_counter()
            subprocess.run(BARE, check=True)
            t3 = time.perf_counter()
            if i:
                ours.append(t1 - t0)
                base.append(t3 - t2)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    o, b = statistics.median(ours) * 1000, statistics.median(base) * 1000
    print(f"domain_start: ours {o:.1f} ms, baseline (bare bwrap true) {b:.1f} ms, "
          f"ratio {o / b:.2f} ({N} runs, median; ours = create + start to agent ready)")
    via_bulkheadd()


def via_bulkheadd():
    top = tempfile.mkdtemp(prefix="bh-bench-inst.")
    inst = Instance(top)
    ours, base = [], []
    try:
        r = inst("up")
        if r.returncode:
            sys.exit(f"domain_start: bulkhead up failed: {r.stdout}{r.stderr}")
        for i in range(N + 1):
            name = f"bench{i}"
            t0 = time.perf_counter()
            ok, out = inst.call("admin.vm.Create.AppVM", payload=f"name={name} label=red".encode())
            assert ok, out
            ok, out = inst.call("admin.vm.Start", name)
            assert ok, out
            t1 = time.perf_counter()
            inst.call("admin.vm.Kill", name)
            while inst.state(name) != "Halted":
                time.sleep(0.005)
            ok, out = inst.call("admin.vm.Remove", name)
            assert ok, out
            t2 = time.perf_counter()
            subprocess.run(BARE, check=True)
            t3 = time.perf_counter()
            if i:
                ours.append(t1 - t0)
                base.append(t3 - t2)
    finally:
        inst("down")
        shutil.rmtree(top, ignore_errors=True)
    o, b = statistics.median(ours) * 1000, statistics.median(base) * 1000
    print(f"domain_start (bulkheadd): ours {o:.1f} ms, baseline (bare bwrap true) {b:.1f} ms, "
          f"ratio {o / b:.2f} ({N} runs, median; ours = admin.vm.Create.AppVM + "
          f"admin.vm.Start until qrexec is ready)")


if __name__ == "__main__":
    main()
