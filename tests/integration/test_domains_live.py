"""Real domains under bulkheadd, brought up with `bulkhead demo`:
disposables for @dispvm targets, autostart of a halted target, a domain
whose init dies is Halted with an event, a bulkheadd restart leaves the
domains running and re-attaches, and domain processes run as the
domain's own host uids."""
import os
import signal
import socket
import threading
import time

import pytest

from bhinst import inst  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="domain sandboxes need root")


def wait_until(fn, timeout=10.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


class Events:
    """admin.Events as dom0, collected in the background."""

    def __init__(self, sock):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(sock)
        self.s.sendall(b"admin.Events dom0 name dom0\0")
        self.s.shutdown(socket.SHUT_WR)
        self.buf = b""
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        while True:
            try:
                b = self.s.recv(65536)
            except OSError:
                return
            if not b:
                return
            with self.lock:
                self.buf += b

    def seen(self, subject, event):
        with self.lock:
            return f"1\0{subject}\0{event}\0".encode() in self.buf

    def close(self):
        self.s.close()


@pytest.fixture
def world(inst):
    r = inst("demo")
    assert r.returncode == 0, r.stdout + r.stderr
    return inst


def domain_status(inst, vm):
    path = os.path.join(inst.root, "run/bulkhead/domains", vm, "state")
    return dict(l.split("=", 1) for l in open(path).read().split())


def test_disposable_runs_the_call_and_is_removed(world):
    world.tool("qvm-create", "--class", "AppVM", "--label", "red", "dvm")
    world.tool("qvm-prefs", "dvm", "template_for_dispvms", "True")
    world.tool("qvm-prefs", "work", "default_dispvm", "dvm")
    world.policy("40-disp.policy", "qubes.GetDate * work @dispvm allow\n")
    ev = Events(world.sock)
    try:
        world.policy_wait("work", "@dispvm", "qubes.GetDate+")
        r = world.run_in("work", "qrexec-client-vm @dispvm qubes.GetDate")
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(time.strftime("%Y-", time.gmtime()))
        # one disposable came and went: created, started, killed, removed
        assert wait_until(lambda: ev.seen("", "domain-delete"))
        with ev.lock:
            frames = ev.buf.split(b"1\0")
        started = [f.split(b"\0")[0].decode() for f in frames if b"\0domain-start\0" in f]
        disp = [n for n in started if n.startswith("disp")]
        assert len(disp) == 1, started
        ok, out = world.call("admin.vm.List")
        assert disp[0] not in out
    finally:
        ev.close()
    # a disposable of a qube that is not a disposable template: the
    # policy refuses whatever the rules say, and nothing is created
    world.tool("qvm-prefs", "work", "default_dispvm", "")
    world.policy("40-disp.policy", "qubes.GetDate * work @dispvm:vault allow\n")
    r = world.run_in("work", "qrexec-client-vm @dispvm:vault qubes.GetDate")
    assert r.returncode == 126
    ok, out = world.call("admin.vm.List")
    assert "disp" not in out


def test_create_disposable_method(world):
    ok, out = world.call("admin.vm.CreateDisposable", "vault")
    assert not ok and out == "QubesException"
    world.tool("qvm-prefs", "vault", "template_for_dispvms", "True")
    ok, name = world.call("admin.vm.CreateDisposable", "vault")
    assert ok and name.startswith("disp"), name
    props = world.tool("qvm-prefs", name).stdout
    assert " auto_cleanup " not in props or "True" in props
    ok, tags = world.call("admin.vm.tag.List", name)
    assert set(tags.split()) >= {"created-by-dom0", "disp-created-by-dom0"}
    ok, v = world.call("admin.vm.property.Get", name, "auto_cleanup")
    assert ok and v.endswith(" True"), v
    ok, v = world.call("admin.vm.property.Get", name, "template")
    assert ok and v.endswith(" vault"), v
    ok, u = world.call("admin.vm.CreateDisposable", "vault", payload=b"uuid")
    assert ok and u.startswith("uuid:") and len(u) == 41, u
    ok, out = world.call("admin.vm.CreateDisposable", "vault", payload=b"preload")
    assert not ok and out == "QubesValueError"
    # dom0 as destination: the caller's default_dispvm (dom0 has none)
    ok, out = world.call("admin.vm.CreateDisposable", "dom0")
    assert not ok
    # a disposable that never ran is removed by qvm-remove as usual
    world.tool("qvm-remove", "-f", name)


def test_autostart_of_a_halted_target(world):
    world.tool("qvm-shutdown", "--wait", "vault")
    assert world.state("vault") == "Halted"
    r = world.run_in("work", "qrexec-client-vm vault qubes.GetDate")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(time.strftime("%Y-", time.gmtime()))
    assert world.state("vault") == "Running"


def test_killed_init_means_halted_with_an_event(world):
    st = domain_status(world, "vault")
    ev = Events(world.sock)
    try:
        os.kill(int(st["init_pid"]), signal.SIGKILL)
        assert wait_until(lambda: world.state("vault") == "Halted")
        assert wait_until(lambda: ev.seen("vault", "domain-shutdown"))
    finally:
        ev.close()
    # nothing of it is left: its qrexec socket is gone, it starts again
    assert not os.path.exists(os.path.join(world.root, "run/qubes/qrexec.vault"))
    world.tool("qvm-start", "vault")
    r = world.run_in("work", "qrexec-client-vm vault qubes.GetDate")
    assert r.returncode == 0, r.stderr


def test_bulkheadd_restart_keeps_domains_running(world):
    before = {vm: domain_status(world, vm)["init_pid"] for vm in ("work", "vault")}
    pid = int(open(os.path.join(world.root, "run/bulkhead/bulkheadd.pid")).read())
    os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: not os.path.exists(f"/proc/{pid}") or
                      open(f"/proc/{pid}/stat").read().split()[2] == "Z")
    for vm, init in before.items():
        assert os.path.exists(f"/proc/{init}"), vm
    r = world("up")
    assert r.returncode == 0, r.stdout + r.stderr
    for vm, init in before.items():
        assert world.state(vm) == "Running"
        assert domain_status(world, vm)["init_pid"] == init
    r = world.run_in("work", "qrexec-client-vm vault qubes.GetDate")
    assert r.returncode == 0, r.stderr
    # and it still manages them
    world.tool("qvm-shutdown", "--wait", "work")
    assert world.state("work") == "Halted"
    assert not os.path.exists(f"/proc/{before['work']}")


def test_domain_processes_run_as_its_own_host_uids(world):
    seen = {}
    for vm in ("work", "vault"):
        st = domain_status(world, vm)
        base = int(st["uid_base"])
        uids = [int(l.split()[1]) for l in open(f"/proc/{st['init_pid']}/status")
                if l.startswith("Uid:")]
        assert all(base <= u < base + 65536 for u in uids), (vm, uids, base)
        assert base >= 65536
        seen[vm] = base
    assert seen["work"] != seen["vault"]
    r = world.run_in("vault", "cat /proc/self/uid_map", user="root")
    assert r.stdout.split()[:3] == ["0", str(seen["vault"]), "65536"], r.stdout
