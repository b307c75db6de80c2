#!/usr/bin/python3
"""qrexec_latency: median of N sequential domain -> domain calls of a trivial
service (work -> vault, through real agents and daemons), against a local
fork+exec of the same service in the same run.
With BENCH_SPLIT=1 the calls also run in a world where each domain has its
own socket directory and qrexec-vchan-broker joins the link
(qrexec_latency_split, against the local fork+exec), and
qrexec_latency_split_vs_shared compares the two worlds (baseline: the
shared directory)."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from conftest import BIN, World  # noqa: E402

N = int(os.environ.get("BENCH_CALLS", 500))
SPLIT = os.environ.get("BENCH_SPLIT", "0") not in ("", "0")


def median_ms(fn):
    t = []
    for _ in range(N):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return statistics.median(t) * 1000


def report(name, ours, base, what="local fork+exec"):
    print(f"{name}: ours {ours:.3f} ms, baseline ({what}) "
          f"{base:.3f} ms, ratio {ours / base:.2f} ({N} calls, median)", flush=True)


def measure(split):
    """(median ms of a call, median ms of the local baseline) in a fresh world."""
    w = World.up(tempfile.mkdtemp(prefix="bh-bench."), split=split)
    try:
        svc = w.service("vault", "bench.Nop", "#!/bin/sh\nexit 0\n")
        w.allow("work", "vault", "bench.Nop")
        env = w.env(1)
        call = [f"{BIN}/qrexec-client-vm", f"--agent-socket={w.agent_socket('work')}",
                "vault", "bench.Nop"]
        assert subprocess.run(call, env=env, stdin=subprocess.DEVNULL).returncode == 0
        ours = median_ms(lambda: subprocess.run(call, env=env, stdin=subprocess.DEVNULL,
                                                stdout=subprocess.DEVNULL))
        base = median_ms(lambda: subprocess.run([svc], stdin=subprocess.DEVNULL,
                                                stdout=subprocess.DEVNULL))
        return ours, base
    finally:
        w.down()


def main():
    ours, base = measure(False)
    report("qrexec_latency", ours, base)
    if SPLIT:
        split, sbase = measure(True)
        report("qrexec_latency_split", split, sbase)
        report("qrexec_latency_split_vs_shared", split, ours, "shared dir")


if __name__ == "__main__":
    main()
