#!/usr/bin/python3
"""qrexec_throughput: MB/s through one domain -> domain call, both ways,
against a local pipe (head -c | cat > /dev/null) in the same run.
  qrexec_throughput: work sends BENCH_BYTES to a service in vault that
    discards them (cat > /dev/null);
  qrexec_throughput_rev: a service in vault writes BENCH_BYTES (head -c),
    work reads them through a pipe into cat > /dev/null.
With BENCH_SPLIT=1 the same calls also run in a world where each domain
has its own socket directory and qrexec-vchan-broker joins the link
(the *_split lines, against the local pipe), and the *_split_vs_shared
lines compare the two worlds (baseline: the shared directory)."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from conftest import BIN, World  # noqa: E402

SIZE = int(os.environ.get("BENCH_BYTES", 2 << 30))
SPLIT = os.environ.get("BENCH_SPLIT", "0") not in ("", "0")
BASELINE = f"head -c {SIZE} /dev/zero | cat >/dev/null"


def timed(cmd, env=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, shell=True, env=env, stdin=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    assert r.returncode == 0, cmd
    return SIZE / dt / 1e6


def report(name, ours, base, what="local pipe"):
    print(f"{name}: ours {ours:.0f} MB/s, baseline ({what}) "
          f"{base:.0f} MB/s, ratio {ours / base:.2f} ({SIZE >> 20} MiB)", flush=True)


def measure(split):
    """(forward, reverse) MB/s in a fresh world."""
    w = World.up(tempfile.mkdtemp(prefix="bh-bench."), split=split)
    try:
        w.service("vault", "bench.Sink", "#!/bin/sh\nexec cat >/dev/null\n")
        w.service("vault", "bench.Source", f"#!/bin/sh\nexec head -c {SIZE} /dev/zero\n")
        w.allow("work", "vault", "bench.Sink")
        w.allow("work", "vault", "bench.Source")
        client = f"{BIN}/qrexec-client-vm --agent-socket={w.agent_socket('work')} vault"
        fwd = timed(f"head -c {SIZE} /dev/zero | {client} bench.Sink", env=w.env(1))
        rev = timed(f"{client} bench.Source </dev/null | cat >/dev/null", env=w.env(1))
        return fwd, rev
    finally:
        w.down()


def main():
    fwd, rev = measure(False)
    report("qrexec_throughput", fwd, timed(BASELINE))
    report("qrexec_throughput_rev", rev, timed(BASELINE))
    if SPLIT:
        sfwd, srev = measure(True)
        report("qrexec_throughput_split", sfwd, timed(BASELINE))
        report("qrexec_throughput_rev_split", srev, timed(BASELINE))
        report("qrexec_throughput_split_vs_shared", sfwd, fwd, "shared dir")
        report("qrexec_throughput_rev_split_vs_shared", srev, rev, "shared dir")


if __name__ == "__main__":
    main()
