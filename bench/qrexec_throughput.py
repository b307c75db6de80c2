#!/usr/bin/python3
"""qrexec_throughput: MB/s through one domain -> domain call, both ways,
against a local pipe (head -c | cat > /dev/null) in the same run.
  qrexec_throughput: work sends BENCH_BYTES to a service in vault that
    discards them (cat > /dev/null);
  qrexec_throughput_rev: a service in vault writes BENCH_BYTES (head -c),
    work reads them through a pipe into cat > /dev/null."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from conftest import BIN, World  # noqa: E402

SIZE = int(os.environ.get("BENCH_BYTES", 2 << 30))
BASELINE = f"head -c {SIZE} /dev/zero | cat >/dev/null"


def timed(cmd, env=None):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, shell=True, env=env, stdin=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    assert r.returncode == 0, cmd
    return SIZE / dt / 1e6


def report(name, ours, base):
    print(f"{name}: ours {ours:.0f} MB/s, baseline (local pipe) "
          f"{base:.0f} MB/s, ratio {ours / base:.2f} ({SIZE >> 20} MiB)", flush=True)


def main():
    w = World.up(tempfile.mkdtemp(prefix="bh-bench."))
    try:
        w.service("vault", "bench.Sink", "#!/bin/sh\nexec cat >/dev/null\n")
        w.service("vault", "bench.Source", f"#!/bin/sh\nexec head -c {SIZE} /dev/zero\n")
        w.allow("work", "vault", "bench.Sink")
        w.allow("work", "vault", "bench.Source")
        client = f"{BIN}/qrexec-client-vm --agent-socket={w.agent_socket('work')} vault"
        ours = timed(f"head -c {SIZE} /dev/zero | {client} bench.Sink", env=w.env(1))
        report("qrexec_throughput", ours, timed(BASELINE))
        ours = timed(f"{client} bench.Source </dev/null | cat >/dev/null", env=w.env(1))
        report("qrexec_throughput_rev", ours, timed(BASELINE))
    finally:
        w.down()


if __name__ == "__main__":
    main()
