#!/usr/bin/python3
"""policy_eval_upstream: the upstream side of bench/policy_eval: evaluates
the requests of a file ("SRC TGT SVC+ARG" lines) with upstream's Python
policy engine (QubesOS/qubes-core-qrexec checkout given as argument, used
read-only, never copied here) on the same policy directory and system info,
and prints evaluations per second.
usage: policy_eval_upstream.py UPSTREAM POLICY_DIR SYSTEM_INFO REQUESTS"""
import json
import pathlib
import sys
import tempfile
import time
import types


def main():
    up, pdir, si_path, req_path = sys.argv[1:5]
    # upstream's policy.utils imports pyinotify, unused here
    sys.modules.setdefault("pyinotify", types.ModuleType("pyinotify"))
    sys.path.insert(0, up)
    from qrexec import exc  # noqa: E402
    from qrexec.policy import parser  # noqa: E402
    with open(si_path) as f:
        si = json.load(f)
    for name, d in list(si["domains"].items()):
        d["name"] = name
        si["domains"]["uuid:" + d["uuid"]] = d
    policy = parser.FilePolicy(policy_path=[pathlib.Path(pdir)])
    reqs = []
    with open(req_path) as f:
        for line in f:
            src, tgt, sa = line.split()
            svc, _, arg = sa.partition("+")
            reqs.append((svc, "+" + arg, src, tgt))
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 2.0:
        for svc, arg, src, tgt in reqs:
            try:
                r = parser.Request(svc, arg, src, tgt, system_info=si)
                policy.evaluate(r)
            except exc.AccessDenied:
                pass
            n += 1
    print(n / (time.perf_counter() - t0))


if __name__ == "__main__":
    main()
