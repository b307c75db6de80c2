#!/usr/bin/python3
"""qrexec_throughput: MB/s through one domain -> domain call (work sends
BENCH_BYTES to a service in vault that discards it), against a local pipe
(head -c | cat > /dev/null) in the same run."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from conftest import BIN, World  # noqa: E402

SIZE = int(os.environ.get("BENCH_BYTES", 2 << 30))


def timed(cmd, env=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, shell=True, env=env)
    dt = time.perf_counter() - t0
    assert r.returncode == 0, cmd
    return SIZE / dt / 1e6


def main():
    w = World.up(tempfile.mkdtemp(prefix="bh-bench."))
    try:
        w.service("vault", "bench.Sink", "#!/bin/sh\nexec cat >/dev/null\n")
        w.allow("work", "vault", "bench.Sink")
        call = (f"head -c {SIZE} /dev/zero | {BIN}/qrexec-client-vm "
                f"--agent-socket={w.agent_socket('work')} vault bench.Sink")
        ours = timed(call, env=w.env(1))
        base = timed(f"head -c {SIZE} /dev/zero | cat >/dev/null")
        print(f"qrexec_throughput: ours {ours:.0f} MB/s, baseline (local pipe) "
              f"{base:.0f} MB/s, ratio {ours / base:.2f} ({SIZE >> 20} MiB)")
    finally:
        w.down()


if __name__ == "__main__":
    main()
