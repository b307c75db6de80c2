"""bulkheadd as a real process on scratch paths: framing errors (an
exception frame, the connection closed, the daemon still serving), the
64 KiB limit, unknown methods, destination checks, persistence across a
restart and across kill -9 in the middle of a create storm (registry
consistent, nothing half-created), 50 concurrent clients next to an event
stream, idle connections and a reader that never reads (none starved),
the event stream itself, the per-caller filtering of admin.vm.List and
admin.Events by policy.d, the created-by- tag guard, the policy files of
--write-policy checked by qubes-policy-lint and qrexec-policy-explain,
and the policy daemon caching system info from the real bulkheadd until
a registry event (counted by a proxy in front of the internal socket)."""
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import BUILD, POLICY_BIN, kill_leftover_brokers, wait_for

BULKHEADD = os.path.abspath(os.path.join(BUILD, "domains", "bulkheadd"))


class Reply:
    def __init__(self, raw):
        self.raw = raw
        if raw.startswith(b"0\0"):
            self.ok, self.content = True, raw[2:]
            self.type = self.msg = None
        elif raw.startswith(b"2\0"):
            parts = raw[2:].split(b"\0")
            # TYPE, traceback (empty), MESSAGE, and the final NUL
            assert len(parts) == 4 and parts[1] == b"" and parts[3] == b"", raw
            self.ok, self.content = False, None
            self.type, self.msg = parts[0].decode(), parts[2].decode()
        else:
            raise AssertionError(f"not a reply frame: {raw[:80]!r}")

    def __repr__(self):
        return f"Reply({self.raw[:120]!r})"


class Daemon:
    def __init__(self, root=None):
        self.root = root or tempfile.mkdtemp(prefix="bh-d.")
        os.chmod(self.root, 0o755)
        self.policy_dir = os.path.join(self.root, "policy.d")
        os.makedirs(self.policy_dir, exist_ok=True)
        self.db = os.path.join(self.root, "qubes.db")
        self.sock = os.path.join(self.root, "qubesd.sock")
        self.internal = os.path.join(self.root, "qubesd.internal.sock")
        self.logpath = os.path.join(self.root, "bulkheadd.log")
        self.proc = None

    def start(self):
        log = open(self.logpath, "a")
        self.proc = subprocess.Popen(
            [BULKHEADD, f"--socket-dir={self.root}", f"--db={self.db}",
             f"--lib-dir={os.path.join(self.root, 'lib')}",
             f"--run-dir={os.path.join(self.root, 'run')}",
             f"--policy-dir={self.policy_dir}"], stderr=log)
        log.close()
        end = time.time() + 10
        while time.time() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"bulkheadd exited {self.proc.returncode}: "
                                     f"{self.logtext()}")
            try:
                self.raw(b"admin.vm.List+ dom0 name dom0\0", timeout=1)
                return self
            except OSError:
                time.sleep(0.02)
        raise TimeoutError("bulkheadd did not come up")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self, sig=signal.SIGTERM):
        self.stop(sig)
        return self.start()

    def cleanup(self):
        self.stop(signal.SIGKILL)
        kill_leftover_brokers(self.root)
        shutil.rmtree(self.root, ignore_errors=True)

    def logtext(self):
        with open(self.logpath) as f:
            return f.read()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def raw(self, data, timeout=30, path=None, shut=True):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(timeout)
        s.connect(path or self.sock)
        try:
            try:
                s.sendall(data)
                if shut:
                    s.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError):
                pass  # it answered and closed before reading everything
            out = b""
            while True:
                try:
                    d = s.recv(65536)
                except ConnectionResetError:
                    break
                if not d:
                    break
                out += d
            return out
        finally:
            s.close()

    def call(self, method, dest="dom0", payload=b"", src="dom0", keyword=False, **kw):
        dtype = "keyword" if keyword else "name"
        if isinstance(payload, str):
            payload = payload.encode()
        return Reply(self.raw(f"{method} {src} {dtype} {dest}".encode() + b"\0" + payload,
                              **kw))

    def ok(self, *a, **kw):
        r = self.call(*a, **kw)
        assert r.ok, (a, r)
        return r.content.decode()

    def exc(self, exc_type, *a, **kw):
        r = self.call(*a, **kw)
        assert not r.ok and r.type == exc_type, (a, r)
        return r.msg

    def names(self, src="dom0"):
        return [line.split(" ")[0] for line in
                self.ok("admin.vm.List", src=src).splitlines()]

    def policy(self, text, name="30-test.policy"):
        path = os.path.join(self.policy_dir, name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, path)
        time.sleep(0.3)  # bulkheadd reloads a settled change after a few ms


SANITIZER_REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


@pytest.fixture
def d():
    dm = Daemon().start()
    yield dm
    dm.stop()  # a clean exit, so that a sanitizer build reports leaks
    log = dm.logtext()
    dm.cleanup()
    for r in SANITIZER_REPORTS:
        assert r not in log, log[log.find(r) - 200:][:3000]


def world(d):
    """test-template, test-vm1 on it, the default template set."""
    d.ok("admin.vm.Create.TemplateVM", payload="name=test-template label=black")
    d.ok("admin.property.Set+default_template", payload="test-template")
    d.ok("admin.vm.Create.AppVM+test-template", payload="name=test-vm1 label=red")


# ---- framing ----

FRAMING_ERRORS = [
    (b"admin.vm.List+ dom0 name dom0", "NUL"),
    (b"admin.vm.List+ dom0 uuid dom0\0", "destination type"),
    (b"admin.vm.List+ dom0 keyword dispvm\0", "keyword"),
    (b"admin.vm.List+ dom0 name\0", "header"),
    (b"admin.vm.List+ dom0 name dom0 extra\0", "header"),
    (b"admin.vm.List+  dom0 name dom0\0", "header"),
    (b"admin.vm.List+ d\xc3\xb6m0 name dom0\0", "header"),
    (b"+ dom0 name dom0\0", "method"),
    (b"", "NUL"),
    (b"\0", "header"),
]


@pytest.mark.parametrize("raw,why", FRAMING_ERRORS)
def test_framing_error_gets_exception_frame_then_close(d, raw, why):
    r = Reply(d.raw(raw))  # raw() reads to EOF: the connection was closed
    assert r.type == "ProtocolError" and why in r.msg, r
    assert d.alive()
    assert d.names() == ["dom0"]


def test_framing_error_before_eof_is_answered_at_eof(d):
    """A header without NUL is only an error once EOF says no NUL comes."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(d.sock)
    s.sendall(b"admin.vm.List+ dom0 name")
    time.sleep(0.2)
    s.sendall(b" dom0")  # still fine: more may come
    time.sleep(0.2)
    s.sendall(b"\0")
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        c = s.recv(4096)
        if not c:
            break
        out += c
    s.close()
    assert Reply(out).ok and out.startswith(b"0\0dom0 class=AdminVM")


def test_64k_limit(d):
    hdr = b"admin.vm.feature.Set+f dom0 name dom0\0"
    # exactly 64 KiB: read in full and handled (the value is too long for
    # a feature, which is the handler's answer, not a framing error)
    r = Reply(d.raw(hdr + b"a" * (65536 - len(hdr))))
    assert r.type == "QubesValueError", r
    # one byte more, and much more, with and without a NUL
    for raw in (hdr + b"a" * (65537 - len(hdr)), hdr + b"a" * 300000, b"x" * 300000):
        r = Reply(d.raw(raw))
        assert r.type == "ProtocolError" and "64 KiB" in r.msg, r
    assert d.alive()
    assert d.names() == ["dom0"]
    assert "larger than 64 KiB" in d.logtext()


def test_unknown_method(d):
    assert "no such method" in d.exc("ProtocolError", "admin.vm.NoSuchThing")
    assert "no such method" in d.exc("ProtocolError", "internal.GetSystemInfo")
    # the internal socket knows only internal.*
    r = d.call("admin.vm.List", path=d.internal)
    assert r.type == "ProtocolError" and "no such method" in r.msg
    assert d.call("internal.GetSystemInfo", path=d.internal).content.startswith(b"{")


def test_destination_checks(d):
    world(d)
    uuid = d.ok("admin.vm.property.Get+uuid", "test-vm1").split(" ")[2]
    assert "expected destination to be AdminVM" in d.exc(
        "ProtocolError", "admin.property.Get+default_kernel", "test-vm1")
    assert "expected destination to be AdminVM" in d.exc(
        "ProtocolError", "admin.vm.Create.AppVM", "test-vm1", payload="name=x label=red")
    d.exc("QubesVMNotFoundError", "admin.vm.List", "missing")
    d.exc("QubesValueError", "admin.vm.List", ".test-vm1")
    d.exc("QubesValueError", "admin.vm.List", "a-dm")
    d.exc("QubesVMInvalidUUIDError", "admin.vm.List", "uuid:" + uuid.upper())
    d.exc("QubesVMInvalidUUIDError", "admin.vm.List", "uuid:1234")
    d.exc("QubesVMNotFoundError", "admin.vm.List",
          "uuid:00000000-0000-4000-8000-000000000001")
    assert d.ok("admin.vm.List", f"uuid:{uuid}").startswith("test-vm1 class=AppVM")
    assert d.ok("admin.property.Get+default_template", "adminvm",
                keyword=True) == "default=False type=vm test-template"
    d.exc("QubesVMNotFoundError", "admin.vm.List", src="ghost")
    assert "unexpected payload" in d.exc("ProtocolError", "admin.vm.List", payload="x")
    assert "unexpected argument" in d.exc("ProtocolError", "admin.vm.List+x")
    assert "expected an argument" in d.exc("ProtocolError", "admin.vm.property.Get",
                                           "test-vm1")


# ---- persistence ----

def snapshot(d):
    """Everything the Admin API shows about every qube."""
    state = {"list": d.ok("admin.vm.List"), "global": d.ok("admin.property.GetAll")}
    for name in d.names():
        state[name] = (d.ok("admin.vm.property.GetAll", name),
                       d.ok("admin.vm.tag.List", name),
                       {f: d.ok(f"admin.vm.feature.Get+{f}", name)
                        for f in d.ok("admin.vm.feature.List", name).split()})
    return state


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_persistence_across_restart(d, how):
    world(d)
    d.ok("admin.vm.Create.StandaloneVM", payload="name=sa label=blue")
    d.ok("admin.vm.property.Set+provides_network", "sa", payload="True")
    d.ok("admin.vm.property.Set+netvm", "test-vm1", payload="sa")
    d.ok("admin.vm.property.Set+vcpus", "test-vm1", payload="4")
    d.ok("admin.vm.property.Set+kernelopts", "test-vm1", payload="a\nb\\c")
    d.ok("admin.vm.property.Set+guivm", "test-vm1", payload="sa")
    d.ok("admin.vm.tag.Set+tag1", "test-vm1")
    d.ok("admin.vm.feature.Set+service.x", "test-vm1", payload="1")
    d.ok("admin.vm.feature.Set+empty", "test-vm1", payload="")
    d.ok("admin.property.Set+default_kernel", payload="1.0")
    d.ok("admin.vm.Create.StandaloneVM", payload="name=gone label=red")
    d.ok("admin.vm.Remove", "gone")
    before = snapshot(d)
    assert "vcpus default=False type=int 4\n" in before["test-vm1"][0]
    assert "kernelopts default=False type=str a\\nb\\\\c\n" in before["test-vm1"][0]
    assert "guivm-sa\n" in before["test-vm1"][1]
    d.restart(how)
    assert snapshot(d) == before
    assert "gone" not in d.names()


def refused_start(d):
    """Starts bulkheadd on d's registry, expecting it to refuse and exit."""
    with open(d.db, "rb") as f:
        before = f.read()
    r = subprocess.run([BULKHEADD, f"--socket-dir={d.root}", f"--db={d.db}",
                        f"--lib-dir={os.path.join(d.root, 'lib')}",
                        f"--run-dir={os.path.join(d.root, 'run')}"],
                       capture_output=True, text=True, timeout=10)
    with open(d.db, "rb") as f:
        assert f.read() == before, "the refused registry was changed"
    assert r.returncode != 0
    assert not os.path.exists(d.sock)
    return r.stderr


def test_refuses_newer_corrupt_and_foreign_registries():
    d = Daemon().start()
    try:
        world(d)
        d.stop()
        db = sqlite3.connect(d.db)
        db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
        db.commit()
        db.close()
        err = refused_start(d)
        assert "schema version 99 is newer" in err and d.db in err, err
        db = sqlite3.connect(d.db)
        db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
        db.commit()
        db.close()
        d.start()  # fine again
        assert "test-vm1" in d.names()
        d.stop()
        with open(d.db, "r+b") as f:
            f.seek(4096)
            f.write(bytes(range(256)) * 8)
        err = refused_start(d)
        assert "refusing to use it" in err and d.db in err, err
        with open(d.db, "wb") as f:
            f.write(b"<qubes/>\n")
        err = refused_start(d)
        assert "refusing" in err, err
    finally:
        d.cleanup()


def check_registry(path):
    """Every qube has all its rows; nothing refers to a missing qube."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        for t in ("props", "tags", "features"):
            assert db.execute(f"SELECT count(*) FROM {t} WHERE qid NOT IN "
                              "(SELECT qid FROM domains)").fetchone()[0] == 0
        doms = db.execute("SELECT qid, name, class FROM domains WHERE qid != 0").fetchall()
        for qid, name, cls in doms:
            props = dict(db.execute("SELECT name, value FROM props WHERE qid=?", (qid,)))
            tags = {r[0] for r in db.execute("SELECT tag FROM tags WHERE qid=?", (qid,))}
            assert "label" in props, name
            if cls in ("AppVM", "DispVM"):
                assert "template" in props, name
            assert {"created-by-dom0", "guivm-dom0", "audiovm-dom0"} <= tags, (name, tags)
        return {name for _, name, _ in doms}
    finally:
        db.close()


def test_kill9_during_create_storm(d):
    world(d)
    for rnd in range(3):
        acked, tried = set(), set()
        lock = threading.Lock()
        stop = threading.Event()

        def storm(t):
            i = 0
            while not stop.is_set():
                name = f"r{rnd}t{t}n{i}"
                i += 1
                with lock:
                    tried.add(name)
                try:
                    r = d.call("admin.vm.Create.AppVM", payload=f"name={name} label=green",
                               timeout=5)
                    if r.ok:
                        with lock:
                            acked.add(name)
                        d.call("admin.vm.property.Set+vcpus", name, payload="3", timeout=5)
                        d.call("admin.vm.tag.Set+storm", name, timeout=5)
                except (OSError, AssertionError):
                    return  # the daemon is gone

        threads = [threading.Thread(target=storm, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.5 + 0.3 * rnd)
        d.proc.kill()
        d.proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=10)
        assert acked, "no create completed before the kill"
        d.start()
        listed = set(d.names()) - {"dom0", "test-template", "test-vm1"}
        listed = {n for n in listed if n.startswith(f"r{rnd}")}
        # what was acknowledged is there; nothing appeared that was not asked for
        assert acked <= listed, acked - listed
        assert listed <= tried
        for name in listed:
            props = d.ok("admin.vm.property.GetAll", name)
            assert "label default=False type=label green\n" in props
            assert "template default=False type=vm test-template\n" in props
            assert "created-by-dom0" in d.ok("admin.vm.tag.List", name)
    d.stop()
    names = check_registry(d.db)
    assert {"test-template", "test-vm1"} <= names


# ---- concurrency ----

class EventReader:
    """Reads an admin.Events stream into a list of (subject, event, dict)."""

    def __init__(self, d, dest="dom0", src="dom0", read=True):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(d.sock)
        self.sock.sendall(f"admin.Events {src} name {dest}".encode() + b"\0")
        self.sock.shutdown(socket.SHUT_WR)
        self.events = []
        self.closed = False
        self.cond = threading.Condition()
        if read:
            threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        buf = b""
        while True:
            try:
                c = self.sock.recv(65536)
            except OSError:
                c = b""
            if not c:
                with self.cond:
                    self.closed = True
                    self.cond.notify_all()
                return
            buf += c
            while True:
                ev, buf = self._frame(buf)
                if ev is None:
                    break
                with self.cond:
                    self.events.append(ev)
                    self.cond.notify_all()

    @staticmethod
    def _frame(buf):
        if len(buf) < 2:
            return None, buf
        assert buf[:2] == b"1\0", buf[:40]
        fields, pos = [], 2
        while True:
            end = buf.find(b"\0", pos)
            if end < 0:
                return None, buf
            field = buf[pos:end]
            pos = end + 1
            if len(fields) >= 2 and len(fields) % 2 == 0 and field == b"":
                break
            fields.append(field.decode())
        kv = dict(zip(fields[2::2], fields[3::2]))
        return (fields[0], fields[1], kv), buf[pos:]

    def wait(self, pred, timeout=10):
        end = time.time() + timeout
        with self.cond:
            while True:
                for e in self.events:
                    if pred(e):
                        return e
                left = end - time.time()
                if left <= 0 or self.closed:
                    return None
                self.cond.wait(left)

    def named(self, name):
        return [e for e in self.events if e[1] == name]

    def close(self):
        self.sock.close()


def test_fifty_clients_and_an_event_stream_none_starved(d):
    world(d)
    for i in range(50):
        d.ok("admin.vm.Create.StandaloneVM", payload=f"name=c{i} label=blue")
    events = EventReader(d)
    assert events.wait(lambda e: e[1] == "connection-established")
    # a subscriber that never reads, and connections that never finish
    # their request, must not hold anybody up
    stalled = EventReader(d, read=False)
    idle = []
    for _ in range(5):
        s = socket.socket(socket.AF_UNIX)
        s.connect(d.sock)
        s.sendall(b"admin.vm.List+ dom0 name")
        idle.append(s)
    calls_per_client = 40
    worst = [0.0] * 50
    done = [0] * 50
    errors = []

    def client(i):
        try:
            for k in range(calls_per_client // 4):
                for op in range(4):
                    t0 = time.time()
                    if op == 0:
                        assert f"c{i} class=StandaloneVM" in d.ok("admin.vm.List")
                    elif op == 1:
                        d.ok(f"admin.vm.property.Set+vcpus", f"c{i}", payload=str(k + 1))
                    elif op == 2:
                        assert d.ok("admin.vm.property.Get+vcpus", f"c{i}") == \
                            f"default=False type=int {k + 1}"
                    else:
                        d.ok(f"admin.vm.tag.Set+t{k}", f"c{i}")
                    worst[i] = max(worst[i], time.time() - t0)
                    done[i] += 1
        except Exception as e:  # reported below
            errors.append((i, repr(e)))

    t0 = time.time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.time() - t0
    assert not errors, errors[:5]
    assert done == [calls_per_client] * 50
    assert elapsed < 60, elapsed
    assert max(worst) < 10, max(worst)
    # the reading subscriber saw every change
    want = 50 * calls_per_client // 4
    assert events.wait(lambda e: len(events.named("property-set:vcpus")) >= want, 20) \
        is not None, len(events.named("property-set:vcpus"))
    assert len(events.named("domain-tag-add:t0")) == 50
    assert d.alive()
    for s in idle:
        s.close()
    stalled.close()
    events.close()
    assert d.ok("admin.vm.property.Get+vcpus", "c7") == \
        f"default=False type=int {calls_per_client // 4}"


# ---- events ----

def test_events(d):
    world(d)
    ev = EventReader(d)
    single = EventReader(d, dest="test-vm1")
    first = ev.wait(lambda e: True)
    assert first == ("", "connection-established", {})
    assert single.wait(lambda e: True) == ("", "connection-established", {})
    d.ok("admin.vm.Create.StandaloneVM", payload="name=new1 label=green")
    assert ev.wait(lambda e: e[1] == "domain-add") == ("", "domain-add", {"vm": "new1"})
    d.ok("admin.vm.property.Set+vcpus", "test-vm1", payload="3")
    e = ev.wait(lambda e: e[1] == "property-set:vcpus")
    assert e == ("test-vm1", "property-set:vcpus", {"name": "vcpus", "newvalue": "3"})
    d.ok("admin.vm.property.Set+vcpus", "test-vm1", payload="4")
    e = ev.wait(lambda e: e[1] == "property-set:vcpus" and e[2]["newvalue"] == "4")
    assert e[2] == {"name": "vcpus", "newvalue": "4", "oldvalue": "3"}
    d.ok("admin.vm.property.Reset+vcpus", "test-vm1")
    e = ev.wait(lambda e: e[1] == "property-reset:vcpus")
    assert e == ("test-vm1", "property-reset:vcpus", {"name": "vcpus", "oldvalue": "4"})
    d.ok("admin.vm.tag.Set+tag1", "test-vm1")
    assert ev.wait(lambda e: e[1] == "domain-tag-add:tag1") == \
        ("test-vm1", "domain-tag-add:tag1", {"tag": "tag1"})
    d.ok("admin.vm.tag.Remove+tag1", "test-vm1")
    assert ev.wait(lambda e: e[1] == "domain-tag-delete:tag1") == \
        ("test-vm1", "domain-tag-delete:tag1", {"tag": "tag1"})
    d.ok("admin.vm.feature.Set+f1", "new1", payload="v1")
    assert ev.wait(lambda e: e[1] == "domain-feature-set:f1") == \
        ("new1", "domain-feature-set:f1", {"feature": "f1", "value": "v1"})
    d.ok("admin.vm.feature.Remove+f1", "new1")
    assert ev.wait(lambda e: e[1] == "domain-feature-delete:f1") == \
        ("new1", "domain-feature-delete:f1", {"feature": "f1"})
    d.ok("admin.property.Set+default_kernel", payload="2.0")
    assert ev.wait(lambda e: e[1] == "property-set:default_kernel")[0] == ""
    d.ok("admin.vm.Remove", "new1")
    assert ev.wait(lambda e: e[1] == "domain-delete") == ("", "domain-delete", {"vm": "new1"})
    # the single-qube stream saw test-vm1's events only
    assert single.wait(lambda e: e[1] == "domain-tag-delete:tag1")
    subjects = {e[0] for e in single.events[1:]}
    assert subjects == {"test-vm1"}, single.events
    # failed calls announce nothing
    n = len(ev.events)
    d.exc("QubesValueError", "admin.vm.property.Set+vcpus", "test-vm1", payload="0")
    d.ok("admin.vm.List")
    time.sleep(0.2)
    assert len(ev.events) == n
    ev.close()
    single.close()
    assert d.alive()


# ---- policy filtering ----

MGMT_LIST = ("admin.vm.List * mgmt @tag:created-by-mgmt allow target=dom0\n"
             "admin.vm.List * mgmt mgmt allow target=dom0\n")


def mgmt_world(d):
    world(d)
    d.ok("admin.vm.Create.StandaloneVM", payload="name=mgmt label=purple")
    # created by mgmt (over the socket, the source is what qrexec says)
    d.ok("admin.vm.Create.AppVM", src="mgmt", payload="name=managed1 label=green")
    d.ok("admin.vm.Create.StandaloneVM", payload="name=other label=green")


def test_vm_list_filtered_by_policy(d):
    mgmt_world(d)
    assert "created-by-mgmt" in d.ok("admin.vm.tag.List", "managed1")
    # no policy: a qube sees nothing; dom0 sees everything
    assert d.names(src="mgmt") == []
    assert set(d.names()) == {"dom0", "managed1", "mgmt", "other", "test-template",
                              "test-vm1"}
    d.policy(MGMT_LIST)
    assert d.names(src="mgmt") == ["managed1", "mgmt"]
    d.policy(MGMT_LIST + "admin.vm.List * mgmt @adminvm allow target=dom0\n")
    assert d.names(src="mgmt") == ["dom0", "managed1", "mgmt"]
    # a destination of one qube is filtered the same way
    assert d.ok("admin.vm.List", "other", src="mgmt") == ""
    assert d.ok("admin.vm.List", "managed1", src="mgmt").startswith("managed1 class=AppVM")
    # ask counts as deny; other callers are not affected by mgmt's rules
    d.policy("admin.vm.List * mgmt @anyvm ask default_target=other\n")
    assert d.names(src="mgmt") == []
    assert d.names(src="other") == []
    # a qube created later by mgmt shows up at once
    d.policy(MGMT_LIST)
    d.ok("admin.vm.Create.AppVM", src="mgmt", payload="name=managed2 label=green")
    assert d.names(src="mgmt") == ["managed1", "managed2", "mgmt"]


def test_events_filtered_by_policy(d):
    mgmt_world(d)
    d.policy("admin.Events * mgmt @tag:created-by-mgmt allow target=dom0\n"
             "admin.Events +property-set_vcpus mgmt other allow target=dom0\n")
    ev = EventReader(d, src="mgmt")
    assert ev.wait(lambda e: True) == ("", "connection-established", {})
    d.ok("admin.vm.property.Set+vcpus", "other", payload="2")       # allowed by event name
    d.ok("admin.vm.property.Set+memory", "other", payload="500")    # not allowed
    d.ok("admin.vm.tag.Set+x", "test-vm1")                           # not allowed
    d.ok("admin.vm.property.Set+memory", "managed1", payload="600")  # its own qube
    d.ok("admin.vm.Create.AppVM", src="mgmt", payload="name=managed2 label=green")
    d.ok("admin.vm.Create.StandaloneVM", payload="name=other2 label=green")
    d.ok("admin.property.Set+default_kernel", payload="3")          # global: @adminvm
    assert ev.wait(lambda e: e[1] == "domain-add")
    assert ev.wait(lambda e: e[1] == "property-set:memory" and e[0] == "managed1")
    time.sleep(0.3)
    seen = [(e[0], e[1]) for e in ev.events]
    assert ("other", "property-set:vcpus") in seen
    assert ("", "domain-add") in seen and ev.named("domain-add")[0][2] == {"vm": "managed2"}
    assert ("other", "property-set:memory") not in seen
    assert not [e for e in seen if e[0] == "test-vm1"]
    assert len(ev.named("domain-add")) == 1  # other2 is not mgmt's
    assert not ev.named("property-set:default_kernel")
    # dom0 sees it all
    ev.close()


def test_created_by_tags_guarded(d):
    mgmt_world(d)
    assert "only dom0" in d.exc("PermissionDenied", "admin.vm.tag.Set+created-by-other",
                                "managed1", src="mgmt")
    d.exc("PermissionDenied", "admin.vm.tag.Remove+created-by-mgmt", "managed1", src="mgmt")
    d.exc("PermissionDenied", "admin.vm.tag.Set+created-by-mgmt", "other", src="mgmt")
    assert "created-by-mgmt" in d.ok("admin.vm.tag.List", "managed1")
    assert "created-by-mgmt" not in d.ok("admin.vm.tag.List", "other")
    # other tags are fine from a qube, and dom0 may do anything
    d.ok("admin.vm.tag.Set+managed", "managed1", src="mgmt")
    d.ok("admin.vm.tag.Set+created-by-mgmt", "other")
    d.ok("admin.vm.tag.Remove+created-by-mgmt", "other")


# ---- the generated policy ----

def test_write_policy_loads_with_policy_tools(d):
    mgmt_world(d)
    pdir = os.path.join(d.root, "generated")
    r = subprocess.run([BULKHEADD, f"--write-policy={pdir}"], capture_output=True)
    assert r.returncode == 0, r.stderr
    main = os.path.join(pdir, "90-admin-default.policy")
    with open(main) as f:
        text = f.read()
    assert "!include-service admin.vm.List * include/admin-global-ro\n" in text
    assert "!include-service admin.vm.property.Set * include/admin-local-rwx\n" in text
    assert "!include-service admin.vm.Remove * include/admin-global-rwx\n" in text
    assert "internal." not in text
    incs = [os.path.join(pdir, "include", f"admin-{s}-{m}")
            for s in ("local", "global") for m in ("ro", "rwx")]
    lint = f"{POLICY_BIN}/qubes-policy-lint"
    r = subprocess.run([lint, main], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([lint, "-i", *incs], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    # the documented delegation works with the policy engine and the real
    # system info from bulkheadd
    with open(os.path.join(pdir, "include", "admin-local-rwx"), "a") as f:
        f.write("mgmt @tag:created-by-mgmt allow target=dom0\n")
    explain = f"{POLICY_BIN}/qrexec-policy-explain"

    def verdict(src, tgt, svc):
        r = subprocess.run([explain, "--json", f"--path={pdir}",
                            f"--qubesd-socket={d.internal}", src, tgt, svc],
                           capture_output=True, text=True)
        assert r.returncode in (0, 1), r.stderr
        return r.stdout

    assert '"allow"' in verdict("mgmt", "managed1", "admin.vm.property.Set+netvm")
    assert '"allow"' in verdict("mgmt", "managed1", "admin.vm.property.Get+netvm")
    assert '"allow"' not in verdict("mgmt", "test-vm1", "admin.vm.property.Set+netvm")
    # global methods are not covered by the local include
    assert '"allow"' not in verdict("mgmt", "managed1", "admin.vm.Remove")
    # a second run keeps edited include files
    r = subprocess.run([BULKHEADD, f"--write-policy={pdir}"], capture_output=True)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(pdir, "include", "admin-local-rwx")) as f:
        assert "mgmt @tag:created-by-mgmt allow target=dom0" in f.read()


# ---- the policy daemon with the real bulkheadd ----

class CountingProxy:
    """Listens on a socket of its own and relays every connection to
    bulkheadd's internal socket, counting the internal.GetSystemInfo
    requests that pass."""

    def __init__(self, path, target):
        self.path, self.target = path, target
        self.count = 0
        self.lock = threading.Lock()
        self.srv = socket.socket(socket.AF_UNIX)
        self.srv.bind(path)
        self.srv.listen(64)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(c,), daemon=True).start()

    def _relay(self, c):
        data = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
        if data.startswith(b"internal.GetSystemInfo"):
            with self.lock:
                self.count += 1
        u = socket.socket(socket.AF_UNIX)
        try:
            u.connect(self.target)
            u.sendall(data)
            u.shutdown(socket.SHUT_WR)
            while True:
                chunk = u.recv(65536)
                if not chunk:
                    break
                c.sendall(chunk)
        except OSError:
            pass
        finally:
            u.close()
            c.close()

    def close(self):
        self.srv.close()


def test_policy_daemon_caches_system_info_from_bulkheadd(d):
    world(d)
    root = d.root
    proxy = CountingProxy(os.path.join(root, "counting.sock"), d.internal)
    pdir = os.path.join(root, "policyd.d")
    os.makedirs(pdir)
    with open(os.path.join(pdir, "30-test.policy"), "w") as f:
        f.write("test.Svc * test-vm1 @tag:trusted allow\n")
    psock = os.path.join(root, "policy.sock")
    log = open(os.path.join(root, "policyd.log"), "w")
    pd = subprocess.Popen([f"{POLICY_BIN}/qrexec-policy-daemon", f"--policy-path={pdir}",
                           f"--compat-path={os.path.join(root, 'legacy')}",
                           f"--socket-path={psock}", "--eval-socket-path=",
                           "--gui-socket-path=", f"--qubesd-socket={proxy.path}",
                           f"--qubesd-events-socket={d.sock}"], stderr=log)
    try:
        wait_for(psock)

        def ask():
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(10)
            s.connect(psock)
            s.sendall(b"source=test-vm1\nintended_target=test-template\n"
                      b"service_and_arg=test.Svc+\n\n")
            s.shutdown(socket.SHUT_WR)
            out = b""
            while True:
                c = s.recv(4096)
                if not c:
                    break
                out += c
            s.close()
            return out

        # warm up until the subscription is up and the cache is valid
        end = time.time() + 5
        while True:
            assert ask() == b"result=deny"
            before = proxy.count
            time.sleep(0.2)
            assert ask() == b"result=deny"
            if proxy.count == before or time.time() > end:
                break
        assert proxy.count >= 1
        n = proxy.count
        for _ in range(30):
            assert ask() == b"result=deny"
        assert proxy.count == n, "system info fetched again without an event"
        # a registry event: the next request fetches once, and sees the change
        d.ok("admin.vm.tag.Set+trusted", "test-template")
        time.sleep(0.3)
        assert ask().startswith(b"user=DEFAULT\nresult=allow\ntarget=test-template\n")
        assert proxy.count == n + 1
        for _ in range(10):
            assert ask().startswith(b"user=DEFAULT\nresult=allow")
        assert proxy.count == n + 1
        # events that do not touch the policy's data invalidate as well
        d.ok("admin.vm.property.Set+vcpus", "test-vm1", payload="3")
        time.sleep(0.3)
        ask()
        ask()
        assert proxy.count == n + 2
        d.ok("admin.vm.tag.Remove+trusted", "test-template")
        time.sleep(0.3)
        assert ask() == b"result=deny"
        assert proxy.count == n + 3
    finally:
        pd.terminate()
        pd.wait(timeout=10)
        log.close()
        proxy.close()
