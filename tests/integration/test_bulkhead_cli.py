"""The `bulkhead` command: up/status/demo/down on a scratch root with the
build's programs: the demo world comes up with real sandboxes and its
scenario holds (a date from vault, 126, 127, vault without network),
repeated runs change nothing, down leaves no process behind, and broken
starts are reported with the daemon's own words."""
import os
import re
import signal
import subprocess
import time

import pytest

from bhinst import BULKHEAD, PROGRAMS, inst  # noqa: F401 (fixture)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="domain sandboxes need root")


def domain_processes(root):
    """Processes running one of this instance's domains (their cwd or
    root is inside the scratch root), or daemons started from its farm."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
            cmd = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if root.encode() in cmd or (os.path.basename(exe) in PROGRAMS and
                                     os.stat(f"/proc/{pid}").st_uid >= 65536):
            found.append((int(pid), exe, cmd))
    return found


def test_demo_world_and_scenario(inst):
    r = inst("demo")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    steps = re.findall(r"-> exit (\d+) \(expected (\d+).*\) (ok|UNEXPECTED)", out)
    assert [(a, b) for a, b, _ in steps] == [("0", "0"), ("126", "126"), ("127", "127"),
                                             ("0", "0"), ("0", "0"),
                                             # split pass: init, insert, show,
                                             # generate, banking/ refused, no
                                             # store in work
                                             ("0", "0"), ("0", "0"), ("0", "0"),
                                             ("0", "0"), ("126", "126"), ("0", "0")], out
    assert all(s == "ok" for _, _, s in steps)
    assert re.search(r"^    \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", out, re.M)
    assert "interfaces: lo\n" in out
    assert "result: deny" in out
    table = {l.split()[0]: l.split() for l in out.splitlines()
             if re.match(r"^(dom0|host|work|vault|mgmt) ", l)}
    assert table["work"][1] == "Running" and table["vault"][1] == "Running"
    assert table["mgmt"][1] == "Halted" and table["host"][2] == "TemplateVM"
    # the template got its standard services, installed beside (not in) dom0's
    rpc = os.path.join(inst.root, "var/lib/bulkhead/domains/host/qubes-rpc")
    assert sorted(os.listdir(rpc)) == ["qubes.GetDate", "qubes.VMShell",
                                       "qubes.WaitForSession", "ruddo.PassManage",
                                       "ruddo.PassRead"]
    assert os.readlink(os.path.join(rpc, "ruddo.PassRead")) == \
        "/opt/bulkhead/bin/bulkhead-pass-vault"
    # split pass: the store and its key are in vault's private volume only
    assert "Password store initialized for" in out
    assert "\n    correct horse battery staple\n" in out
    priv = os.path.join(inst.root, "var/lib/bulkhead/domains")
    vault_store = [d for d, _, fs in os.walk(os.path.join(priv, "vault")) if ".gpg-id" in fs]
    assert len(vault_store) == 1, vault_store
    assert vault_store[0].endswith("/private/home/user/.password-store"), vault_store
    assert not [d for d, _, fs in os.walk(os.path.join(priv, "work")) if ".gpg-id" in fs]
    # the shipped split-pass policy (ask) is there; the demo's allow comes first
    assert os.path.exists(os.path.join(inst.root, "etc/qubes/policy.d/90-qubes-pass.policy"))
    assert not os.path.exists(os.path.join(inst.root, "etc/qubes-rpc/qubes.GetDate"))
    # the admin policy was generated
    assert os.path.exists(os.path.join(inst.root, "etc/qubes/policy.d/90-admin-default.policy"))

    st = inst("status")
    assert st.returncode == 0, st.stdout + st.stderr
    assert re.search(r"^bulkheadd: running \(pid \d+\)$", st.stdout, re.M)
    assert re.search(r"^qrexec-policy-daemon: running", st.stdout, re.M)
    assert re.search(r"^vchan-broker: running", st.stdout, re.M)

    # again: nothing is created twice, the same daemons serve
    pids = re.findall(r"pid (\d+)", r.stdout)[:2]
    r2 = inst("demo")
    assert r2.returncode == 0, r2.stdout + r2.stderr
    assert "created" not in r2.stdout
    assert re.findall(r"pid (\d+)", r2.stdout)[:2] == pids
    assert "already running" in r2.stdout

    d = inst("down")
    assert d.returncode == 0, d.stdout + d.stderr
    assert "killing vault" in d.stdout and "killing work" in d.stdout
    for name in ("bulkheadd", "qrexec-policy-daemon", "vchan-broker"):
        assert f"{name}: stopped" in d.stdout
    time.sleep(0.2)
    assert domain_processes(inst.root) == []
    st = inst("status")
    assert st.returncode == 3 and "bulkheadd: stopped" in st.stdout
    # the registry keeps the world for the next `up`
    u = inst("up")
    assert u.returncode == 0, u.stdout + u.stderr
    assert "created" not in u.stdout
    st = inst("status")
    assert re.search(r"^work +Halted ", st.stdout, re.M), st.stdout


def test_up_reports_a_daemon_that_dies_at_start(inst):
    db = os.path.join(inst.root, "var/lib/bulkhead")
    os.makedirs(db)
    with open(os.path.join(db, "qubes.db"), "wb") as f:
        f.write(b"this is not a database" * 100)
    r = inst("up")
    assert r.returncode == 1
    assert "bulkheadd exited at start" in r.stderr
    assert "qubes.db" in r.stderr  # bulkheadd's own message, from its log
    # nothing was overwritten
    assert open(os.path.join(db, "qubes.db"), "rb").read().startswith(b"this is not")


def test_stale_pid_file_names_another_process(inst):
    """A pid file left behind, naming a pid now used by an unrelated
    process: up starts the daemon anyway, down never signals the
    stranger."""
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        run = os.path.join(inst.root, "run/bulkhead")
        os.makedirs(run)
        with open(os.path.join(run, "bulkheadd.pid"), "w") as f:
            f.write(f"{stranger.pid}\n")
        assert inst("status").stdout.startswith("bulkheadd: stopped")
        r = inst("up")
        assert r.returncode == 0, r.stdout + r.stderr
        assert "bulkheadd: started" in r.stdout
        pidfile = os.path.join(run, "bulkheadd.pid")
        real = open(pidfile).read()
        with open(pidfile, "w") as f:
            f.write(f"{stranger.pid}\n")
        d = inst("down")
        assert "bulkheadd: serving" in d.stdout and "left alone" in d.stdout
        assert stranger.poll() is None
        with open(pidfile, "w") as f:
            f.write(real)
        assert "bulkheadd: stopped" in inst("down").stdout
    finally:
        stranger.send_signal(signal.SIGKILL)
        stranger.wait()


def test_usage_errors():
    r = subprocess.run([BULKHEAD], capture_output=True, text=True)
    assert r.returncode == 2 and "usage: bulkhead" in r.stderr
    r = subprocess.run([BULKHEAD, "frobnicate"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr
    r = subprocess.run([BULKHEAD, "--root", "relative", "status"], capture_output=True,
                       text=True)
    assert r.returncode == 1 and "absolute" in r.stderr
    r = subprocess.run([BULKHEAD, "--root", "/tmp/" + "x" * 120, "status"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "too long" in r.stderr


def test_daemons_started_elsewhere_are_used_and_left_alone(inst):
    """bulkheadd started by someone else (as systemd would, no pid file):
    up uses it instead of starting a second one, down does not stop it."""
    r = inst.root
    for d in ("run/qubes", "run/bulkhead", "var/lib/bulkhead", "etc/qubes/policy.d"):
        os.makedirs(os.path.join(r, d), exist_ok=True)
    p = subprocess.Popen([os.path.join(inst.farm, "bulkheadd"), "--socket-dir",
                          os.path.join(r, "run"), "--db", os.path.join(r, "var/lib/bulkhead/qubes.db"),
                          "--lib-dir", os.path.join(r, "var/lib/bulkhead"),
                          "--run-dir", os.path.join(r, "run/bulkhead"),
                          "--vchan-broker", os.path.join(inst.farm, "qrexec-vchan-broker")],
                         stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(inst.sock):
                break
            time.sleep(0.02)
        u = inst("up")
        assert u.returncode == 0, u.stdout + u.stderr
        assert "bulkheadd: already serving" in u.stdout
        st = inst("status")
        assert st.returncode == 0 and "bulkheadd: serving" in st.stdout, st.stdout
        d = inst("down")
        assert "bulkheadd: serving" in d.stdout and "left alone" in d.stdout
        assert p.poll() is None
    finally:
        p.terminate()
        p.wait()
        inst("down")  # the broker it started
