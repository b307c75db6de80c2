#!/usr/bin/python3
"""qvm_ls: a full listing the way upstream's qvm-ls makes it (admin.vm.List,
then admin.vm.property.GetAll for every qube, one connection per call)
against a scratch bulkheadd holding 100 and 1000 qubes; median of several
runs, against a baseline measured in the same run: the same data read
from the registry's SQLite file with one query (what the listing costs
without the Admin API). Also shows the listing of a single qube."""
import os
import socket
import sqlite3
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from test_bulkheadd import Daemon  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", 9))
SIZES = [int(n) for n in os.environ.get("BENCH_QUBES", "100,1000").split(",")]


def call(path, header):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(header)
    s.shutdown(socket.SHUT_WR)
    chunks = []
    while True:
        c = s.recv(262144)
        if not c:
            break
        chunks.append(c)
    s.close()
    out = b"".join(chunks)
    if not out.startswith(b"0\0"):
        raise RuntimeError(out[:200])
    return out[2:]


def qvm_ls(path, dest=b"dom0"):
    """List, then GetAll per qube; returns {name: {prop: value}}."""
    listing = call(path, b"admin.vm.List+ dom0 name " + dest + b"\0")
    result = {}
    for line in listing.decode().splitlines():
        name = line.split(" ", 1)[0]
        props = {}
        for p in call(path, f"admin.vm.property.GetAll+ dom0 name {name}\0".encode()) \
                .decode().splitlines():
            key, rest = p.split(" ", 1)
            props[key] = rest
        result[name] = props
    return result


def sqlite_read(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT d.name, p.name, p.value FROM domains d "
                       "LEFT JOIN props p ON p.qid = d.qid ORDER BY d.name").fetchall()
    con.close()
    out = {}
    for name, key, value in rows:
        out.setdefault(name, {})[key] = value
    return out


def cpu_ms(pid):
    """utime + stime of a process, in ms."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def median_ms(fn):
    t = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return statistics.median(t) * 1000


def populate(d, n):
    have = len(d.names()) - 2  # dom0 and the template
    for i in range(have, n):
        d.ok("admin.vm.Create.AppVM", payload=f"name=q{i} label=blue")
        if i % 3 == 0:
            d.ok("admin.vm.property.Set+vcpus", f"q{i}", payload="4")
        if i % 5 == 0:
            d.ok("admin.vm.tag.Set+bench", f"q{i}")


def main():
    d = Daemon().start()
    try:
        d.ok("admin.vm.Create.TemplateVM", payload="name=tpl label=black")
        d.ok("admin.property.Set+default_template", payload="tpl")
        for n in SIZES:
            populate(d, n)
            got = qvm_ls(d.sock)
            assert len(got) == n + 2 and "q0" in got, len(got)
            assert len(sqlite_read(d.db)) == n + 2
            cpu0 = cpu_ms(d.proc.pid)
            ours = median_ms(lambda: qvm_ls(d.sock))
            server = (cpu_ms(d.proc.pid) - cpu0) / RUNS
            base = median_ms(lambda: sqlite_read(d.db))
            one = median_ms(lambda: qvm_ls(d.sock, b"q0"))
            print(f"qvm_ls ({n} qubes): ours {ours:.2f} ms, baseline {base:.2f} ms, "
                  f"ratio {ours / base:.2f} (baseline: one SQLite query for the same "
                  f"data; bulkheadd's CPU per listing {server:.1f} ms; a single qube's "
                  f"listing {one:.3f} ms; median of {RUNS}; {n + 3} calls per listing)")
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()
