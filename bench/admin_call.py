#!/usr/bin/python3
"""admin_call: median round trip of one admin.vm.property.Get (connect,
request, half-close, read the answer to EOF) on a scratch bulkheadd,
against a baseline measured in the same run: a connect and close on the
same socket (what any call costs before bulkheadd does anything)."""
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from test_bulkheadd import Daemon  # noqa: E402

N = int(os.environ.get("BENCH_CALLS", 2000))


def get(path, req):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(req)
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        out += c
    s.close()
    return out


def connect_close(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.close()


def median_us(fn):
    t = []
    for _ in range(N):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return statistics.median(t) * 1e6


def main():
    d = Daemon().start()
    try:
        d.ok("admin.vm.Create.TemplateVM", payload="name=tpl label=black")
        d.ok("admin.property.Set+default_template", payload="tpl")
        d.ok("admin.vm.Create.AppVM", payload="name=work label=blue")
        req = b"admin.vm.property.Get+netvm dom0 name work\0"
        assert get(d.sock, req) == b"0\0default=True type=vm "
        ours = median_us(lambda: get(d.sock, req))
        base = median_us(lambda: connect_close(d.sock))
        print(f"admin_call: ours {ours:.1f} us, baseline (connect+close on the same "
              f"socket) {base:.1f} us, ratio {ours / base:.2f} "
              f"({N} calls of admin.vm.property.Get+netvm, median)")
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()
