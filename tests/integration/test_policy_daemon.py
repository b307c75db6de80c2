"""qrexec-policy-daemon and qrexec-policy-agent as real processes on real
sockets: the request protocol, garbage and oversized requests, reload on
change (1,000 rewrites under load, broken edits, a directory of 1,000
files), ask through the agent (answers, timeouts, no agent, concurrency),
notifications, policy.EvalSimple/EvalGUI, and system info from a file or
from a qubesd-protocol socket (cached until an event)."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import POLICY_BIN, wait_for

SYSINFO = {"domains": {
    "dom0": {"type": "AdminVM", "tags": [], "uuid": "00000000-0000-0000-0000-000000000000",
             "power_state": "Running", "template_for_dispvms": False, "default_dispvm": None,
             "icon": "adminvm-black", "guivm": None},
    "work": {"type": "AppVM", "tags": ["guivm-gui"], "uuid": "11111111-0000-0000-0000-000000000001",
             "power_state": "Running", "template_for_dispvms": False,
             "default_dispvm": "dvm", "icon": "appvm-blue", "guivm": "dom0"},
    "vault": {"type": "AppVM", "tags": ["guivm-gui"], "uuid": "11111111-0000-0000-0000-000000000002",
              "power_state": "Running", "template_for_dispvms": False,
              "default_dispvm": None, "icon": "appvm-black", "guivm": "dom0"},
    "other": {"type": "AppVM", "tags": [], "uuid": "11111111-0000-0000-0000-000000000003",
              "power_state": "Running", "template_for_dispvms": False,
              "default_dispvm": None, "icon": "appvm-red", "guivm": "dom0"},
    "dvm": {"type": "AppVM", "tags": [], "uuid": "11111111-0000-0000-0000-000000000004",
            "power_state": "Halted", "template_for_dispvms": True,
            "default_dispvm": None, "icon": "appvm-red", "guivm": "dom0"},
}}

ALLOW_VAULT = ("user=DEFAULT\nresult=allow\ntarget=vault\n"
               "target_uuid=uuid:11111111-0000-0000-0000-000000000002\n"
               "autostart=True\nrequested_target=vault").encode()
ALLOW_OTHER = ("user=DEFAULT\nresult=allow\ntarget=other\n"
               "target_uuid=uuid:11111111-0000-0000-0000-000000000003\n"
               "autostart=True\nrequested_target=vault").encode()
DENY = b"result=deny"


def atomic_write(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


class Policyd:
    def __init__(self, root, sysinfo=None, extra=()):
        self.root = root
        self.dir = os.path.join(root, "policy.d")
        os.makedirs(self.dir, exist_ok=True)
        self.sock = os.path.join(root, "policy.sock")
        self.eval_sock = os.path.join(root, "policy.EvalSimple")
        self.gui_sock = os.path.join(root, "policy.EvalGUI")
        self.agent_sock = os.path.join(root, "agent.sock")
        self.sysinfo = os.path.join(root, "system-info.json")
        with open(self.sysinfo, "w") as f:
            json.dump(sysinfo or SYSINFO, f)
        self.log = open(os.path.join(root, "policyd.log"), "w+")
        self.extra = list(extra)
        self.proc = None

    def start(self, use_file=True):
        args = [f"{POLICY_BIN}/qrexec-policy-daemon", f"--policy-path={self.dir}",
                f"--compat-path={os.path.join(self.root, 'legacy')}",
                f"--socket-path={self.sock}", f"--eval-socket-path={self.eval_sock}",
                f"--gui-socket-path={self.gui_sock}", f"--ask-socket={self.agent_sock}",
                "--ask-timeout=3"] + self.extra
        if use_file:
            args.append(f"--system-info={self.sysinfo}")
        self.proc = subprocess.Popen(args, stderr=self.log)
        wait_for(self.sock)
        return self

    def logtext(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def write(self, name, text):
        atomic_write(os.path.join(self.dir, name), text)

    def request(self, raw, timeout=10):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(timeout)
        s.connect(self.sock)
        s.sendall(raw)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
        s.close()
        return out

    def ask(self, src, tgt, svc, **flags):
        extra = "".join(f"{k}={v}\n" for k, v in flags.items())
        return self.request(f"source={src}\nintended_target={tgt}\nservice_and_arg={svc}\n"
                            f"{extra}\n".encode())

    def wait_answer(self, expected, *args, timeout=5.0):
        end = time.time() + timeout
        while True:
            r = self.ask(*args)
            if r == expected or time.time() > end:
                return r
            time.sleep(0.02)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)


@pytest.fixture
def pd():
    root = tempfile.mkdtemp(prefix="bh-policyd.")
    d = Policyd(root)
    d.write("30-test.policy", "test.A * work vault allow\n* * @anyvm @anyvm deny\n")
    d.start()
    yield d
    d.stop()
    assert d.proc.returncode == 0, d.logtext()
    shutil.rmtree(root, ignore_errors=True)


def test_allow_reply_format(pd):
    assert pd.ask("work", "vault", "test.A") == ALLOW_VAULT
    assert pd.ask("work", "vault", "test.B") == DENY
    assert "qrexec: test.A: work -> vault: allowed to vault" in pd.logtext()


def test_request_with_requested_source_and_flags(pd):
    r = pd.ask("work", "vault", "test.A", just_evaluate="yes")
    assert r == b"result=allow"
    r = pd.ask("work", "vault", "test.A", assume_yes_for_ask="no")
    assert r == ALLOW_VAULT


@pytest.mark.parametrize("raw,why", [
    (b"garbage\n\n", "line without '='"),
    (b"source=work\nsource=work\nintended_target=vault\nservice_and_arg=x\n\n", "duplicate"),
    (b"source=work\nintended_target=vault\nservice_and_arg=x\ndomain_id=3\n\n", "unknown argument"),
    (b"source=work\nintended_target=vault\n\n", "required argument missing"),
    (b"source=work\nintended_target=vault\nservice_and_arg=x\njust_evaluate=maybe\n\n",
     "invalid bool"),
    (b"source=wo\0rk\nintended_target=vault\nservice_and_arg=x\n\n", "NUL"),
])
def test_malformed_requests_are_closed_and_logged(pd, raw, why):
    assert pd.request(raw) == b""
    assert why in pd.logtext()
    assert pd.ask("work", "vault", "test.A") == ALLOW_VAULT


def test_oversized_request_is_closed(pd):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(pd.sock)
    try:
        s.sendall(b"source=" + b"x" * (1 << 20))
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        assert s.recv(10) == b""
    except ConnectionResetError:
        pass  # closed with our data unread: also closed
    assert "too long" in pd.logtext()
    assert pd.ask("work", "vault", "test.A") == ALLOW_VAULT


def test_idle_and_half_sent_clients_do_not_block_others(pd):
    idle = []
    for _ in range(50):
        s = socket.socket(socket.AF_UNIX)
        s.connect(pd.sock)
        s.sendall(b"source=work\n")
        idle.append(s)
    t0 = time.time()
    assert pd.ask("work", "vault", "test.A") == ALLOW_VAULT
    assert time.time() - t0 < 1
    for s in idle:
        s.close()


def test_broken_edit_keeps_last_good_policy(pd):
    pd.write("30-test.policy", "test.A * work vault allow target=other\n")
    assert pd.wait_answer(ALLOW_OTHER, "work", "vault", "test.A") == ALLOW_OTHER
    pd.write("30-test.policy", "test.A * work vault allow\nnot a rule\n")
    time.sleep(0.3)
    assert pd.ask("work", "vault", "test.A") == ALLOW_OTHER
    assert "30-test.policy:2: wrong number of fields" in pd.logtext()
    assert "keeping the last good policy" in pd.logtext()
    pd.write("30-test.policy", "test.A * work vault allow\n")
    assert pd.wait_answer(ALLOW_VAULT, "work", "vault", "test.A") == ALLOW_VAULT


def test_no_valid_policy_ever_denies_everything():
    root = tempfile.mkdtemp(prefix="bh-policyd.")
    d = Policyd(root)
    d.write("30-test.policy", "test.A * work vault allow\n!bogus\n")
    d.start()
    try:
        assert d.ask("work", "vault", "test.A") == DENY
        assert "denying every request" in d.logtext()
        assert "30-test.policy:2: invalid directive" in d.logtext()
        d.write("30-test.policy", "test.A * work vault allow\n")
        assert d.wait_answer(ALLOW_VAULT, "work", "vault", "test.A") == ALLOW_VAULT
    finally:
        d.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_invalid_filename_fails_the_load(pd):
    pd.write("Bad.policy", "test.A * work vault allow target=other\n")
    time.sleep(0.3)
    assert pd.ask("work", "vault", "test.A") == ALLOW_VAULT
    assert "invalid filename" in pd.logtext()
    os.unlink(os.path.join(pd.dir, "Bad.policy"))


def test_rewritten_1000_times_under_load_never_gives_a_wrong_answer(pd):
    """Ten clients ask all the time while the file flips between two valid
    versions (atomic renames and in-place rewrites) with broken versions in
    between; every answer must be one of the two valid ones."""
    versions = ["test.A * work vault allow\n", "test.A * work vault allow target=other\n"]
    broken = "test.A * work vault allow\ntest.A * work vault frobnicate\n"
    path = os.path.join(pd.dir, "30-test.policy")
    stop = threading.Event()
    bad = []
    counts = [0] * 10

    def client(i):
        while not stop.is_set():
            try:
                r = pd.ask("work", "vault", "test.A")
            except OSError as e:
                bad.append(repr(e))
                continue
            counts[i] += 1
            if r not in (ALLOW_VAULT, ALLOW_OTHER):
                bad.append(r)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    try:
        for i in range(1000):
            text = broken if i % 10 == 5 else versions[i % 2]
            if i % 3 == 0:
                with open(path, "w") as f:  # in place: truncate, write, close
                    f.write(text)
            else:
                atomic_write(path, text)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert bad == []
    assert sum(counts) > 100
    assert pd.proc.poll() is None
    # the last version written wins once things settle
    assert pd.wait_answer(ALLOW_OTHER, "work", "vault", "test.A") == ALLOW_OTHER


def test_directory_of_1000_files(pd):
    for i in range(1000):
        with open(os.path.join(pd.dir, f"50-f{i:04d}.policy"), "w") as f:
            f.write(f"test.F{i} * work vault allow\n")
    os.unlink(os.path.join(pd.dir, "30-test.policy"))
    with open(os.path.join(pd.dir, "99-last.policy"), "w") as f:
        f.write("test.Z * work @anyvm allow target=other\n")
    assert pd.wait_answer(ALLOW_OTHER, "work", "vault", "test.Z", timeout=15) == ALLOW_OTHER
    assert pd.ask("work", "vault", "test.F999") == ALLOW_VAULT
    assert pd.ask("work", "vault", "test.F0") == ALLOW_VAULT
    assert pd.ask("work", "vault", "test.A") == DENY


# ---- ask and notify through the real agent ----

class Agent:
    def __init__(self, sock, timeout=5):
        self.p = subprocess.Popen([f"{POLICY_BIN}/qrexec-policy-agent", f"--socket={sock}",
                                   f"--timeout={timeout}", "--no-desktop"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.out = b""
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(sock)

    def _read(self):
        while True:
            d = self.p.stdout.read1(4096)
            if not d:
                return
            with self.lock:
                self.out += d

    def wait_for_text(self, text, timeout=5):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if text.encode() in self.out:
                    return True
            time.sleep(0.02)
        return False

    def answer(self, line):
        self.p.stdin.write(line.encode() + b"\n")
        self.p.stdin.flush()

    def stop(self):
        self.p.terminate()
        self.p.wait(timeout=5)


def ask_async(pd, *args):
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", pd.ask(*args)))
    t.start()
    return t, box


@pytest.fixture
def asking(pd):
    pd.write("30-test.policy", "test.Ask * work @anyvm ask default_target=vault\n"
                               "test.Notify * work vault allow notify=yes\n"
                               "* * @anyvm @anyvm deny\n")
    time.sleep(0.3)
    return pd


def test_ask_answered_by_number_and_by_default(asking):
    ag = Agent(asking.agent_sock)
    try:
        t, box = ask_async(asking, "work", "vault", "test.Ask")
        assert ag.wait_for_text("Allow?")
        text = ag.out.decode()
        assert "work wants to call test.Ask" in text
        for tgt in ("@dispvm:dvm", "dvm", "other", "vault  (default)"):
            assert tgt in text
        assert "dom0" not in text.split("----")[-1].split("Allow?")[0]
        ag.answer("other")
        t.join(10)
        assert box["r"] == ALLOW_OTHER
        t, box = ask_async(asking, "work", "vault", "test.Ask")
        assert ag.wait_for_text("allowed to other")
        time.sleep(0.2)
        ag.answer("")  # Enter: the default
        t.join(10)
        assert box["r"] == ALLOW_VAULT
    finally:
        ag.stop()


def test_ask_denied_by_user_invalid_choice_and_timeout(asking):
    ag = Agent(asking.agent_sock, timeout=1)
    try:
        t, box = ask_async(asking, "work", "vault", "test.Ask")
        assert ag.wait_for_text("Allow?")
        ag.answer("dom0")       # not a choice: asked again
        assert ag.wait_for_text("Not one of the choices")
        ag.answer("n")
        t.join(10)
        assert box["r"] == DENY
        assert "denied by the user" in asking.logtext()
        t0 = time.time()
        t, box = ask_async(asking, "work", "vault", "test.Ask")
        t.join(10)
        assert box["r"] == DENY          # nobody answered within 1 s
        assert time.time() - t0 < 5
    finally:
        ag.stop()


def test_ask_without_agent_is_denied(asking):
    assert asking.ask("work", "vault", "test.Ask") == DENY
    assert "no policy agent" in asking.logtext()


def test_ask_does_not_block_other_requests(asking):
    asking.write("30-test.policy", "test.Ask * work @anyvm ask default_target=vault\n"
                                   "test.A * work vault allow\n")
    time.sleep(0.3)
    ag = Agent(asking.agent_sock)
    try:
        t, box = ask_async(asking, "work", "vault", "test.Ask")
        assert ag.wait_for_text("Allow?")
        t0 = time.time()
        for _ in range(20):
            assert asking.ask("work", "vault", "test.A") == ALLOW_VAULT
        assert time.time() - t0 < 2
        ag.answer("1")
        t.join(10)
        assert box["r"].startswith(b"user=DEFAULT\nresult=allow\ntarget=@dispvm:dvm")
    finally:
        ag.stop()


def test_garbage_from_agent_is_a_deny(asking):
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(asking.agent_sock)
    srv.listen(1)

    def fake():
        c, _ = srv.accept()
        c.recv(65536)
        c.sendall(b"allow:vault with spaces\n")
        c.close()
    t = threading.Thread(target=fake)
    t.start()
    assert asking.ask("work", "vault", "test.Ask") == DENY
    t.join()
    srv.close()
    assert "invalid response" in asking.logtext()


def test_notify_on_deny_and_allow(asking):
    ag = Agent(asking.agent_sock)
    try:
        assert asking.ask("work", "vault", "test.Other") == DENY
        assert ag.wait_for_text("qrexec: test.Other denied: work -> vault")
        assert asking.ask("work", "vault", "test.Notify") == ALLOW_VAULT
        assert ag.wait_for_text("qrexec: test.Notify allowed: work -> vault")
    finally:
        ag.stop()


# ---- policy.EvalSimple / policy.EvalGUI socket services ----

def eval_call(path, header, payload):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    s.sendall(header + b"\0" + payload)
    s.shutdown(socket.SHUT_WR)
    out = s.recv(100)
    s.close()
    return out


def test_eval_simple(pd):
    assert eval_call(pd.eval_sock, b"policy.EvalSimple+test.A gui", b"work\0vault") == \
        b"result=allow\n"
    assert eval_call(pd.eval_sock, b"policy.EvalSimple+test.B gui", b"work\0vault") == \
        b"result=deny\n"
    # no argument, bad names, too long, wrong service name: silent close
    assert eval_call(pd.eval_sock, b"policy.EvalSimple gui", b"work\0vault") == b""
    assert eval_call(pd.eval_sock, b"policy.EvalSimple+test.A gui", b"wo rk\0vault") == b""
    assert eval_call(pd.eval_sock, b"policy.EvalSimple+test.A gui", b"w" * 40 + b"\0vault") == b""
    assert eval_call(pd.eval_sock, b"policy.EvalGUI+test.A gui", b"work\0vault") == b""


def test_eval_gui_needs_the_guivm_tag_on_both(pd):
    assert eval_call(pd.gui_sock, b"policy.EvalGUI+test.A gui", b"work\0vault") == \
        b"result=allow\n"
    assert eval_call(pd.gui_sock, b"policy.EvalGUI+test.A evil", b"work\0vault") == b""
    assert eval_call(pd.gui_sock, b"policy.EvalGUI+test.A gui", b"work\0other") == b""


# ---- system info ----

def test_system_info_file_change_is_picked_up(pd):
    assert pd.ask("work", "vault", "test.A") == ALLOW_VAULT
    si = json.loads(json.dumps(SYSINFO))
    del si["domains"]["vault"]
    atomic_write(pd.sysinfo, json.dumps(si))
    # vault no longer exists: the target becomes @default, no rule matches
    assert pd.wait_answer(DENY, "work", "vault", "test.A") == DENY
    atomic_write(pd.sysinfo, "{not json")
    time.sleep(0.2)
    assert pd.ask("work", "vault", "test.A") == DENY
    assert "keeping the previous system info" in pd.logtext()
    atomic_write(pd.sysinfo, json.dumps(SYSINFO))
    assert pd.wait_answer(ALLOW_VAULT, "work", "vault", "test.A") == ALLOW_VAULT


class FakeQubesd:
    """A stand-in for bulkheadd speaking qubesd's framing on two sockets,
    counting internal.GetSystemInfo calls and holding admin.Events
    subscribers (bulkheadd itself arrives with the domains work)."""

    def __init__(self, root):
        self.internal = os.path.join(root, "qubesd.internal.sock")
        self.admin = os.path.join(root, "qubesd.sock")
        self.calls = 0
        self.subscribers = []
        self.headers = []
        for path in (self.internal, self.admin):
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            s.listen(16)
            threading.Thread(target=self._serve, args=(s,), daemon=True).start()

    def _serve(self, srv):
        while True:
            c, _ = srv.accept()
            data = b""
            while True:
                d = c.recv(4096)
                if not d:
                    break
                data += d
            header = data.split(b"\0", 1)[0].decode()
            self.headers.append(header)
            if header.startswith("internal.GetSystemInfo"):
                self.calls += 1
                c.sendall(b"0\0" + json.dumps(SYSINFO).encode())
                c.close()
            elif header.startswith("admin.Events"):
                self.subscribers.append(c)
            else:
                c.sendall(b"2\0QubesException\0\0unknown\0")
                c.close()

    def event(self):
        for c in self.subscribers:
            c.sendall(b"1\0work\0domain-start\0\0")


def test_system_info_from_qubesd_cached_until_event():
    root = tempfile.mkdtemp(prefix="bh-policyd.")
    q = FakeQubesd(root)
    d = Policyd(root, extra=[f"--qubesd-socket={q.internal}",
                             f"--qubesd-events-socket={q.admin}"])
    d.write("30-test.policy", "test.A * work vault allow\n")
    d.start(use_file=False)
    try:
        end = time.time() + 5
        while not q.subscribers and time.time() < end:
            time.sleep(0.02)
        assert q.subscribers, q.headers
        for _ in range(20):
            assert d.ask("work", "vault", "test.A") == ALLOW_VAULT
        assert q.calls == 1
        assert "internal.GetSystemInfo+ dom0 name dom0" in q.headers
        assert "admin.Events+ dom0 name dom0" in q.headers
        q.event()
        time.sleep(0.2)
        assert d.ask("work", "vault", "test.A") == ALLOW_VAULT
        assert q.calls == 2
        # the event stream goes away: fetched for every request
        for c in q.subscribers:
            c.close()
        q.subscribers.clear()
        time.sleep(0.2)
        for _ in range(3):
            d.ask("work", "vault", "test.A")
        assert q.calls == 5
    finally:
        d.stop()
        shutil.rmtree(root, ignore_errors=True)
