#!/usr/bin/python3
"""qrexec_latency: median of N sequential domain -> domain calls of a trivial
service (work -> vault, through real agents and daemons), against a local
fork+exec of the same service in the same run."""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from conftest import BIN, World  # noqa: E402

N = int(os.environ.get("BENCH_CALLS", 500))


def median_ms(fn):
    t = []
    for _ in range(N):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return statistics.median(t) * 1000


def main():
    w = World.up(tempfile.mkdtemp(prefix="bh-bench."))
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
        print(f"qrexec_latency: ours {ours:.3f} ms, baseline (local fork+exec) "
              f"{base:.3f} ms, ratio {ours / base:.2f} ({N} calls, median)")
    finally:
        w.down()


if __name__ == "__main__":
    main()
