"""Fixtures for qrexec integration tests: a world of two domains ("work",
id 1, and "vault", id 2) on a scratch socket dir, each with a real
qrexec-agent and a real qrexec-daemon. Policy comes from a real
qrexec-policy-daemon reading a policy.d directory (tests add rules with
World.allow/World.rule), or, for tests that need a slow policy, from a
policy program (World.up(..., policy="program")).

With split=True (fixture split_world) every domain has its own socket
directory vchan/<id>/ (its VCHAN_SOCKET_DIR), dom0 processes find them
through VCHAN_SOCKET_DIR_BASE=vchan, and domain <-> domain links are joined
by a qrexec-vchan-broker serving vchan/<id>/broker.sock (VCHAN_BROKER).
There each domain's processes (agent, qrexec-client-vm) also run in a
mount namespace where the other domains' directories are hidden under an
empty tmpfs, so a link that does not go through the broker cannot work."""
import getpass
import json
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
POLICY_BIN = os.path.abspath(os.path.join(BUILD, "policy"))

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


def system_info(domids):
    """System info JSON for dom0 and the test domains (uuids as the
    daemons are started with)."""
    doms = {"dom0": {"type": "AdminVM", "tags": [], "uuid": "00000000-0000-0000-0000-000000000000",
                     "power_state": "Running", "template_for_dispvms": False,
                     "default_dispvm": None, "icon": "adminvm-black", "guivm": None}}
    for name, domid in domids.items():
        doms[name] = {"type": "AppVM", "tags": [], "uuid": f"00000000-0000-0000-0000-00000000000{domid}",
                      "power_state": "Running", "template_for_dispvms": False,
                      "default_dispvm": None, "icon": "appvm-blue", "guivm": "dom0"}
    return {"domains": doms}


class World:
    def __init__(self, root, policy="daemon", split=False):
        self.root = root
        self.policy_mode = policy
        self.split = split
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
        self.policy_dir = os.path.join(root, "policy.d")
        os.makedirs(self.policy_dir)
        self.user_policy = os.path.join(self.policy_dir, "30-test.policy")
        open(self.user_policy, "w").close()
        self.policy_socket = os.path.join(root, "policy.sock")
        self.system_info = os.path.join(root, "system-info.json")
        self.procs = []
        self.daemons = {}
        self.agents = {}
        self.domids = {"work": 1, "vault": 2}
        os.makedirs(os.path.join(root, "dom0-rpc"))
        for name in self.domids:
            os.makedirs(os.path.join(root, name, "rpc"))
            os.makedirs(os.path.join(root, name, "rpc-config"))
        with open(self.system_info, "w") as f:
            json.dump(system_info(self.domids), f)
        if split:
            for domid in self.domids.values():
                os.makedirs(self.vchan_dir(domid))
        self.broker_log = os.path.join(root, "broker.log")

    def vchan_dir(self, domid):
        """The socket directory the processes of domain `domid` use (the
        base of all of them for dom0 in a split world)."""
        if self.split and domid != 0:
            return os.path.join(self.vchan, str(domid))
        return self.vchan

    def broker_socket(self, domid):
        return os.path.join(self.vchan, str(domid), "broker.sock")

    def wrap(self, domid):
        """Command prefix for the processes of domain `domid`: in a split
        world, a private mount namespace hiding the other domains'
        socket directories."""
        if not self.split or domid == 0:
            return []
        hide = [self.vchan_dir(d) for d in self.domids.values() if d != domid]
        script = ('while [ "$1" != -- ]; do mount -t tmpfs -o size=4k,mode=000 none "$1" '
                  '|| exit 125; shift; done; shift; exec "$@"')
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                *hide, "--"]

    def env(self, domid):
        e = dict(os.environ)
        for k in ("VCHAN_SOCKET_DIR", "VCHAN_SOCKET_DIR_BASE", "VCHAN_BROKER"):
            e.pop(k, None)
        e["VCHAN_DOMAIN"] = str(domid)
        if not self.split:
            e["VCHAN_SOCKET_DIR"] = self.vchan
        elif domid == 0:
            e["VCHAN_SOCKET_DIR_BASE"] = self.vchan
        else:
            e["VCHAN_SOCKET_DIR"] = self.vchan_dir(domid)
            e["VCHAN_BROKER"] = self.broker_socket(domid)
        return e

    def start_broker(self, *opts):
        """qrexec-vchan-broker on the vchan base; its log goes to
        broker_log."""
        with open(self.broker_log, "ab") as log:
            p = subprocess.Popen([f"{BIN}/qrexec-vchan-broker", f"--base={self.vchan}",
                                  *opts], stderr=log)
        self.procs.append(p)
        self.broker = p
        for domid in self.domids.values():
            wait_for(self.broker_socket(domid))
        return p

    def service(self, where, name, script):
        d = os.path.join(self.root, "dom0-rpc") if where == "dom0" \
            else os.path.join(self.root, where, "rpc")
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write(script)
        os.chmod(p, 0o755)
        return p

    def allow(self, src, tgt, svc, newtarget=""):
        """Allows SRC to call SVC[+ARG] on TGT (redirected to NEWTARGET)."""
        with open(self.rules, "a") as f:
            f.write(f"{src} {tgt} {svc} {newtarget}\n")
        s, _, a = svc.partition("+")
        redirect = f" target={newtarget}" if newtarget else ""
        self.rule(f"{s} +{a} {src} {tgt} allow{redirect}")

    def rule(self, line):
        """Appends a policy.d rule; waits until the policy daemon uses it."""
        tmp = self.user_policy + ".new"
        with open(self.user_policy) as f:
            text = f.read()
        with open(tmp, "w") as f:
            f.write(text + line + "\n")
        os.rename(tmp, self.user_policy)
        if self.policy_mode == "daemon" and "policyd" in self.__dict__:
            time.sleep(0.1)  # the daemon reloads ~20 ms after the change

    def start_policy_daemon(self):
        p = subprocess.Popen([f"{POLICY_BIN}/qrexec-policy-daemon",
                              f"--policy-path={self.policy_dir}",
                              f"--compat-path={os.path.join(self.root, 'compat')}",
                              f"--system-info={self.system_info}",
                              f"--socket-path={self.policy_socket}",
                              "--eval-socket-path=", "--gui-socket-path=",
                              f"--ask-socket={os.path.join(self.root, 'policy-agent.sock')}"])
        self.procs.append(p)
        self.policyd = p
        wait_for(self.policy_socket)
        return p

    def agent_socket(self, name):
        return os.path.join(self.root, name, "agent.sock")

    def start_agent(self, name):
        domid = self.domids[name]
        e = self.env(domid)
        e["QREXEC_SERVICE_PATH"] = os.path.join(self.root, name, "rpc")
        e["QUBES_RPC_CONFIG_PATH"] = os.path.join(self.root, name, "rpc-config")
        p = subprocess.Popen([*self.wrap(domid), f"{BIN}/qrexec-agent", "--no-fork-server",
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
                              f"--policy-program={self.policy}"
                              if self.policy_mode == "program" else
                              f"--policy-socket={self.policy_socket}",
                              str(domid), name, getpass.getuser()], env=e)
        self.procs.append(p)
        self.daemons[name] = p
        wait_for(os.path.join(self.sockets, f"qrexec.{name}"))
        return p

    def client_vm(self, src, target, service, *local, input=b"", timeout=60, opts=()):
        return subprocess.run(
            [*self.wrap(self.domids[src]),
             f"{BIN}/qrexec-client-vm", f"--agent-socket={self.agent_socket(src)}",
             *opts, target, service, *local],
            input=input, capture_output=True, timeout=timeout,
            env=self.env(self.domids[src]))

    def popen_client_vm(self, src, target, service, **kw):
        return subprocess.Popen(
            [*self.wrap(self.domids[src]),
             f"{BIN}/qrexec-client-vm", f"--agent-socket={self.agent_socket(src)}",
             target, service], env=self.env(self.domids[src]), **kw)

    def client(self, *args, input=b"", timeout=60):
        e = self.env(0)
        e["QREXEC_SERVICE_PATH"] = os.path.join(self.root, "dom0-rpc")
        return subprocess.run([f"{BIN}/qrexec-client", f"--socket-dir={self.sockets}", *args],
                              input=input, capture_output=True, timeout=timeout, env=e)

    @classmethod
    def up(cls, root, policy="daemon", split=False):
        """A world with both agents and both daemons running (and the
        vchan broker with split directories)."""
        os.chmod(root, 0o755)
        w = cls(root, policy, split)
        if policy == "daemon":
            w.start_policy_daemon()
        if split:
            w.start_broker()
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


@pytest.fixture
def program_world():
    """A world whose qrexec-daemons ask a policy program (which can be
    made slow) instead of the policy daemon."""
    w = World.up(tempfile.mkdtemp(prefix="bh-world."), policy="program")
    yield w
    w.down()


@pytest.fixture
def split_world():
    """A world where each domain has its own socket directory and the
    vchan broker joins domain <-> domain links."""
    w = World.up(tempfile.mkdtemp(prefix="bh-world."), split=True)
    yield w
    w.down()


def kill_leftover_brokers(root):
    """bulkheadd's qrexec-vchan-broker outlives bulkheadd on purpose (the
    domains' links need it across a restart); a test that drops a whole
    instance ends the brokers serving it."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"qrexec-vchan-broker") and \
                any(root.encode() in a for a in args[1:]):
            try:
                os.kill(int(pid), 9)
            except OSError:
                pass
