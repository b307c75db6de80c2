"""Fixtures for qrexec integration tests: a world of two domains ("work",
id 1, and "vault", id 2) on a scratch socket dir, each with a real
qrexec-agent and a real qrexec-daemon, plus a policy program that allows
what a test writes into its rules file."""
import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

BUILD = os.environ.get("BULKHEAD_BUILD",
                       os.path.join(os.path.dirname(__file__), "..", "..", "build"))
BIN = os.path.abspath(os.path.join(BUILD, "qrexec"))

POLICY = """#!/bin/sh
# -- SRC TARGET SERVICE: allow when "SRC TARGET SERVICE [NEWTARGET]" is a line of rules
src=$2 tgt=$3 svc=$4
[ -f "{rules}.sleep" ] && sleep "$(cat "{rules}.sleep")"
while read -r s t v n; do
  if [ "$s" = "$src" ] && [ "$t" = "$tgt" ] && [ "$v" = "$svc" ]; then
    printf 'result=allow\\nuser=%s\\ntarget=%s\\nrequested_target=%s\\nautostart=False\\n' \\
      "{user}" "${{n:-$tgt}}" "$tgt"
    exit 0
  fi
done < "{rules}"
echo result=deny
exit 1
"""


def wait_for(path, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path):
            return
        time.sleep(0.01)
    raise TimeoutError(path)


class World:
    def __init__(self, root):
        self.root = root
        self.vchan = os.path.join(root, "vchan")
        self.sockets = os.path.join(root, "run")
        os.makedirs(self.vchan)
        os.makedirs(self.sockets)
        self.rules = os.path.join(root, "rules")
        open(self.rules, "w").close()
        self.policy = os.path.join(root, "policy")
        with open(self.policy, "w") as f:
            f.write(POLICY.format(user=getpass.getuser(), rules=self.rules))
        os.chmod(self.policy, 0o755)
        self.procs = []
        self.daemons = {}
        self.agents = {}
        self.domids = {"work": 1, "vault": 2}
        os.makedirs(os.path.join(root, "dom0-rpc"))
        for name in self.domids:
            os.makedirs(os.path.join(root, name, "rpc"))
            os.makedirs(os.path.join(root, name, "rpc-config"))

    def env(self, domid):
        e = dict(os.environ)
        e["VCHAN_SOCKET_DIR"] = self.vchan
        e["VCHAN_DOMAIN"] = str(domid)
        return e

    def service(self, where, name, script):
        d = os.path.join(self.root, "dom0-rpc") if where == "dom0" \
            else os.path.join(self.root, where, "rpc")
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write(script)
        os.chmod(p, 0o755)
        return p

    def allow(self, src, tgt, svc, newtarget=""):
        with open(self.rules, "a") as f:
            f.write(f"{src} {tgt} {svc} {newtarget}\n")

    def agent_socket(self, name):
        return os.path.join(self.root, name, "agent.sock")

    def start_agent(self, name):
        domid = self.domids[name]
        e = self.env(domid)
        e["QREXEC_SERVICE_PATH"] = os.path.join(self.root, name, "rpc")
        e["QUBES_RPC_CONFIG_PATH"] = os.path.join(self.root, name, "rpc-config")
        p = subprocess.Popen([f"{BIN}/qrexec-agent", "--no-fork-server",
                              f"--agent-socket={self.agent_socket(name)}"], env=e)
        self.procs.append(p)
        self.agents[name] = p
        return p

    def start_daemon(self, name):
        domid = self.domids[name]
        e = self.env(0)
        e["QREXEC_SERVICE_PATH"] = os.path.join(self.root, "dom0-rpc")
        e["QUBES_RPC_CONFIG_PATH"] = os.path.join(self.root, "dom0-rpc-config")
        p = subprocess.Popen([f"{BIN}/qrexec-daemon", "--direct",
                              f"--uuid=00000000-0000-0000-0000-00000000000{domid}",
                              f"--socket-dir={self.sockets}",
                              f"--policy-program={self.policy}",
                              str(domid), name, getpass.getuser()], env=e)
        self.procs.append(p)
        self.daemons[name] = p
        wait_for(os.path.join(self.sockets, f"qrexec.{name}"))
        return p

    def client_vm(self, src, target, service, *local, input=b"", timeout=60, opts=()):
        return subprocess.run(
            [f"{BIN}/qrexec-client-vm", f"--agent-socket={self.agent_socket(src)}",
             *opts, target, service, *local],
            input=input, capture_output=True, timeout=timeout,
            env=self.env(self.domids[src]))

    def popen_client_vm(self, src, target, service, **kw):
        return subprocess.Popen(
            [f"{BIN}/qrexec-client-vm", f"--agent-socket={self.agent_socket(src)}",
             target, service], env=self.env(self.domids[src]), **kw)

    def client(self, *args, input=b"", timeout=60):
        e = self.env(0)
        e["QREXEC_SERVICE_PATH"] = os.path.join(self.root, "dom0-rpc")
        return subprocess.run([f"{BIN}/qrexec-client", f"--socket-dir={self.sockets}", *args],
                              input=input, capture_output=True, timeout=timeout, env=e)

    @classmethod
    def up(cls, root):
        """A world with both agents and both daemons running."""
        os.chmod(root, 0o755)
        w = cls(root)
        for name in ("work", "vault"):
            w.start_agent(name)
        for name in ("work", "vault"):
            w.start_daemon(name)
        return w

    def down(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture
def world():
    w = World.up(tempfile.mkdtemp(prefix="bh-world."))
    yield w
    w.down()
