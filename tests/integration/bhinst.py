"""A whole bulkhead instance for tests: `bulkhead --root SCRATCH
--programs FARM`, where FARM gathers the build's programs (and the
template services) in one directory. The `inst` fixture runs the
bulkhead command and tears the instance down afterwards; helpers talk to
its admin socket and run dom0 qrexec programs against it."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD

BUILD_ABS = os.path.abspath(BUILD)
BULKHEAD = os.path.join(BUILD_ABS, "tools", "bulkhead")
PROGRAMS = {
    "bulkheadd": "domains", "bulkhead-init": "domains", "qubesdb-read": "domains",
    "qrexec-policy-daemon": "policy", "qrexec-policy-explain": "policy",
    "qrexec-client": "qrexec", "qrexec-daemon": "qrexec", "qrexec-agent": "qrexec",
    "qrexec-client-vm": "qrexec", "qrexec-vchan-broker": "qrexec", "qvm-ls": "tools",
    "qvm-pass": "pass/client", "bulkhead-pass-vault": "pass/vault",
}
SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Instance:
    def __init__(self, top):
        self.top = top
        self.farm = os.path.join(top, "programs")
        os.mkdir(self.farm)
        for name, sub in PROGRAMS.items():
            os.symlink(os.path.join(BUILD_ABS, sub, name), os.path.join(self.farm, name))
        os.symlink(os.path.join(SRC, "domains", "template-rpc"),
                   os.path.join(self.farm, "template-rpc"))
        os.symlink(os.path.join(SRC, "pass", "policy"), os.path.join(self.farm, "policy"))
        self.root = os.path.join(top, "r")
        self.sock = os.path.join(self.root, "run", "qubesd.sock")
        self.policy_dir = os.path.join(self.root, "etc", "qubes", "policy.d")

    def __call__(self, *args, timeout=120):
        return subprocess.run([BULKHEAD, "--root", self.root, "--programs", self.farm, *args],
                              capture_output=True, text=True, timeout=timeout)

    def env(self):
        e = dict(os.environ)
        e.pop("VCHAN_SOCKET_DIR", None)
        e.update(VCHAN_DOMAIN="0", QUBESD_SOCKET=self.sock,
                 VCHAN_SOCKET_DIR_BASE=os.path.join(self.root, "run", "bulkhead", "vchan"))
        return e

    def tool(self, name, *args, check=True, timeout=60):
        r = subprocess.run([os.path.join(BUILD_ABS, "tools", name), *args], env=self.env(),
                           capture_output=True, text=True, timeout=timeout)
        if check:
            assert r.returncode == 0, (name, args, r.stdout, r.stderr)
        return r

    def run_in(self, vm, command, user="user", timeout=60):
        """dom0 -> vm: runs command there through qrexec-client."""
        return subprocess.run([os.path.join(BUILD_ABS, "qrexec", "qrexec-client"),
                               "--socket-dir", os.path.join(self.root, "run", "qubes"),
                               "-d", vm, f"{user}:{command}"], env=self.env(),
                              capture_output=True, text=True, timeout=timeout)

    def call(self, method, dest="dom0", arg="", payload=b""):
        """One Admin API call as dom0; returns (ok, content or exception)."""
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        s.sendall(f"{method}{'+' + arg if arg else ''} dom0 name {dest}\0".encode() + payload)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        s.close()
        if data.startswith(b"0\0"):
            return True, data[2:].decode()
        return False, data.split(b"\0")[1].decode()

    def policy(self, name, text):
        path = os.path.join(self.policy_dir, name)
        with open(path + ".new", "w") as f:
            f.write(text)
        os.rename(path + ".new", path)

    def policy_says(self, src, dst, svc):
        """The policy daemon's answer (result=...) for a call, evaluated
        only."""
        s = socket.socket(socket.AF_UNIX)
        s.connect(os.path.join(self.root, "run", "qubes", "policy.sock"))
        s.sendall(f"source={src}\nintended_target={dst}\nservice_and_arg={svc}\n"
                  "assume_yes_for_ask=yes\njust_evaluate=yes\n\n".encode())
        s.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := s.recv(4096):
            data += chunk
        s.close()
        return data.decode().split("\n")[0]

    def policy_wait(self, src, dst, svc, want="result=allow", timeout=10.0):
        """Waits until the policy daemon has loaded what makes the call
        get `want` (a reload settles before it is used)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.policy_says(src, dst, svc) == want:
                return
            time.sleep(0.02)
        got = self.policy_says(src, dst, svc)
        assert got == want, (src, dst, svc, got)

    def state(self, vm):
        ok, out = self.call("admin.vm.CurrentState", vm)
        assert ok, out
        return dict(kv.split("=", 1) for kv in out.split())["power_state"]


@pytest.fixture
def inst():
    top = tempfile.mkdtemp(prefix="bh-inst.")
    i = Instance(top)
    yield i
    i("down")
    shutil.rmtree(top, ignore_errors=True)
