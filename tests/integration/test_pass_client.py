"""qvm-pass, the split-pass client (pass/client).

(a) Against a recording stub qrexec client (QVM_PASS_QREXEC_CLIENT): a
    small Python program that logs its argv, environment and request and
    answers with canned replies. Checks the service and argument of every
    call, that existence checks are EXISTS on PassManage, that reads never
    use PassManage and writes never PassRead, pass's option syntax, the
    vault name's precedence, exit codes (126, 125, 2, missing and
    truncated replies), terminal escaping, clip/QR/edit without the secret
    in any argv or environment, and memory locking.
(b) Against the real vault (bulkhead-pass-vault) through a loopback
    wrapper, differentially against real /usr/bin/pass on the same command
    sequences over a fresh GnuPG home: same stdout, exit codes, resulting
    tree and decrypted contents, except the differences listed in
    KNOWN_DIFFERENCES (each test says which it relies on).
"""
import json
import os
import pty
import re
import select
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time

import pytest

import conftest

QVM_PASS = os.path.abspath(os.path.join(conftest.BUILD, "pass", "client", "qvm-pass"))
VAULT = os.path.abspath(os.path.join(conftest.BUILD, "pass", "vault", "bulkhead-pass-vault"))
PASS = shutil.which("pass") or "/usr/bin/pass"

READ, MANAGE = "ruddo.PassRead", "ruddo.PassManage"
OPS = {1: "LIST", 2: "SHOW", 3: "EXISTS", 4: "FIND", 5: "GREP", 6: "GIT", 10: "INSERT",
       11: "GENERATE", 12: "RM", 13: "MV", 14: "CP", 15: "INIT"}
OK, ERROR, NOT_FOUND, EXISTS, DECRYPT = 0, 1, 2, 3, 4

# Where qvm-pass and pass differ on purpose or by the split design.
KNOWN_DIFFERENCES = """
- init/insert/generate/edit/mv/cp/rm: pass prints what mkdir -v, mv -v, cp -v and rm -v say,
  with the vault's absolute paths (and mv/cp's stray "$old_path" line); qvm-pass prints rm's
  lines with store-relative paths and nothing for mkdir/mv/cp, so the vault's layout stays in
  the vault.
- insert without a terminal: one line is read and nothing is printed (pass reads the password
  twice and prints two newlines, and fails when the second line is missing: W14).
- grep: entries come in name order (pass: find's directory order).
- links in the store: a dangling link gets the link colour (tree: the orphan colour), and a link
  to a folder already listed is followed (tree: "[recursive, not followed]"): the tree nodes
  carry no target state.
- init without a gpg-id makes a key in the vault (pass: usage error).
- git: only init, log and status; a failing git command exits 1 (pass exits 0).
- -h is help; -d/--dest-vm are qvm-pass's own options (a name "-d" needs "--").
- mv/cp on a terminal ask "mv: overwrite 'NEW'?" with the name as given (mv -i: the file's
  absolute path).
"""

pytestmark = pytest.mark.skipif(not os.path.exists(QVM_PASS),
                                 reason=f"qvm-pass not built ({QVM_PASS})")


# ---- protocol helpers ----------------------------------------------------------

def field(b):
    return struct.pack("<I", len(b)) + b


def reply(status, *fields):
    fs = [f.encode() if isinstance(f, str) else f for f in fields]
    return b"BHPR" + bytes([1, status]) + struct.pack("<I", len(fs)) + b"".join(map(field, fs))


def parse_request(data):
    assert data[:4] == b"BHPQ" and data[4] == 1, data[:10]
    op, n = data[5], struct.unpack("<I", data[6:10])[0]
    off, fields = 10, []
    for _ in range(n):
        ln = struct.unpack("<I", data[off:off + 4])[0]
        fields.append(data[off + 4:off + 4 + ln])
        off += 4 + ln
    assert off == len(data)
    return OPS[op], fields


def node(kind, depth, name, target=None):
    b = kind.encode() + struct.pack("<H", depth) + name.encode()
    if target is not None:
        b += b"\0" + target.encode()
    return b


STUB = r'''#!/usr/bin/python3
import json, os, sys
log, plan = os.environ["STUB_LOG"], json.load(open(os.environ["STUB_PLAN"]))
calls = [l for l in open(log)] if os.path.exists(log) else []
step = plan[min(len(calls), len(plan) - 1)]
req = sys.stdin.buffer.read()
vmlck = None
try:
    for l in open("/proc/%d/status" % os.getppid()):
        if l.startswith("VmLck:"):
            vmlck = int(l.split()[1])
except OSError:
    pass
with open(log, "a") as f:
    f.write(json.dumps({"argv": sys.argv[1:], "req": req.hex(), "env": dict(os.environ),
                        "vmlck": vmlck}) + "\n")
if step.get("stderr"):
    sys.stderr.write(step["stderr"])
sys.stdout.buffer.write(bytes.fromhex(step.get("out", "")))
sys.exit(step.get("exit", 0))
'''


class Stub:
    """A recording qrexec client; plan: one step per call (the last repeats)."""

    def __init__(self, tmp):
        self.dir = tmp
        self.prog = os.path.join(tmp, "qrexec-client-vm")
        with open(self.prog, "w") as f:
            f.write(STUB)
        os.chmod(self.prog, 0o755)
        self.log = os.path.join(tmp, "calls.jsonl")
        self.planfile = os.path.join(tmp, "plan.json")
        self.plan([reply(OK)])

    def plan(self, steps):
        out = []
        for s in steps:
            out.append({"out": s.hex()} if isinstance(s, bytes) else
                       dict(s, out=s.get("out", b"").hex()))
        with open(self.planfile, "w") as f:
            json.dump(out, f)
        if os.path.exists(self.log):
            os.unlink(self.log)

    def calls(self):
        if not os.path.exists(self.log):
            return []
        res = []
        for l in open(self.log):
            c = json.loads(l)
            op, fields = parse_request(bytes.fromhex(c["req"]))
            vault, svcarg = c["argv"]
            svc, _, arg = svcarg.partition("+")
            assert "+" in svcarg, svcarg  # always an explicit argument
            res.append({"vault": vault, "svc": svc, "arg": arg, "op": op, "fields": fields,
                        "env": c["env"], "argv": c["argv"], "vmlck": c["vmlck"]})
        return res

    def env(self, **extra):
        e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8",
             "QVM_PASS_QREXEC_CLIENT": self.prog, "STUB_LOG": self.log,
             "STUB_PLAN": self.planfile, "QUBES_PASS_DOMAIN": "vault", "TERM": "xterm"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                e[k] = os.environ[k]
        e.update(extra)
        return {k: v for k, v in e.items() if v is not None}

    def run(self, *args, input=b"", env=None, prog=QVM_PASS, **kw):
        return subprocess.run([prog, *args], input=input, capture_output=True,
                              env=env or self.env(), timeout=60, **kw)


@pytest.fixture
def stub(tmp_path):
    return Stub(str(tmp_path))


def run_pty(argv, env, answers=(), timeout=30):
    """Runs argv on a pseudo-terminal (stdin, stdout, stderr); answers are
    (prompt substring, text to type) pairs, typed once the prompt shows."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    out, pending = b"", list(answers)
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            out += chunk
        if pending and pending[0][0].encode() in out:
            time.sleep(0.05)
            os.write(fd, pending.pop(0)[1].encode())
    _, st = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(st), out


# ---- (a) against the recording stub ---------------------------------------------

def test_show_and_ls_go_to_passread_with_the_folder_as_argument(stub):
    stub.plan([reply(OK, "secret", "hunter2\nuser: me\n")])
    p = stub.run("show", "work/github")
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"hunter2\nuser: me\n"
    (c,) = stub.calls()
    assert (c["vault"], c["svc"], c["arg"], c["op"]) == ("vault", READ, "work", "SHOW")
    assert c["fields"] == [b"work/github", b"0"]
    # the bare name, ls of the root (explicit empty argument), an odd first component
    stub.plan([reply(OK, "tree", node("f", 0, "a.gpg"))])
    for args, name, arg in ((["work/x"], b"work/x", "work"), (["ls"], b"", ""),
                            ([], b"", ""), (["list", "a b/c"], b"a b/c", "_"),
                            (["show", "--", "-lead"], b"-lead", "-lead")):
        stub.plan([reply(OK, "tree", node("f", 0, "a.gpg"))])
        p = stub.run(*args)
        assert p.returncode == 0, (args, p.stderr)
        (c,) = stub.calls()
        assert (c["svc"], c["arg"], c["op"], c["fields"][0]) == (READ, arg, "SHOW", name), args


def test_tree_output_header_and_colours(stub):
    stub.plan([reply(OK, "tree", node("f", 0, "z.gpg"), node("d", 0, "a"),
                     node("f", 1, "b.gpg"))])
    p = stub.run("ls", "a/")
    assert p.stdout == (b"a\n"  # pass: ${path%/}
                        b"\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 \x1b[01;34ma\x1b[0m\n"
                        b"\xe2\x94\x82\xc2\xa0\xc2\xa0 \xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 "
                        b"\x1b[00mb\x1b[0m\n"
                        b"\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 \x1b[00mz\x1b[0m\n")
    p = stub.run("ls", env=stub.env(TERM=None, LC_ALL="C"))
    assert p.stdout == b"Password Store\n|-- a\n|   `-- b\n`-- z\n"


@pytest.mark.parametrize("args,line", [
    (["-c2", "x"], b"2"), (["--clip=2", "x"], b"2"), (["x", "--clip"], b"1"),
    (["-q3", "x"], b"3"), (["--qr=4", "x"], b"4"), (["-c0", "x"], b"1"),
    (["show", "-c", "x"], b"1")])
def test_clip_line_is_chosen_in_the_vault(stub, args, line):
    stub.plan([reply(OK, "secret", "")])
    p = stub.run(*args, env=stub.env(DISPLAY=None, WAYLAND_DISPLAY=None))
    (c,) = stub.calls()
    assert (c["op"], c["fields"][1]) == ("SHOW", line)
    # an empty line is a missing one: exit 1 (W1-style "0 and empty" is wrong)
    assert p.returncode == 1
    assert b"There is no password to put on the clipboard at line" in p.stderr


@pytest.mark.parametrize("args", [["show", "-c", "-q", "x"], ["-c2", "-q", "x"],
                                  ["insert", "-e", "-m", "x"], ["generate", "-i", "-f", "x"],
                                  ["show", "-z", "x"], ["rm"], ["mv", "a"], ["generate"],
                                  ["generate", "-c2", "x"], ["find"], ["grep"]])
def test_usage_errors_make_no_call(stub, args):
    p = stub.run(*args)
    assert p.returncode == 1
    assert b"Usage: qvm-pass " in p.stderr or b"Error" in p.stderr
    assert stub.calls() == []


def test_reads_never_use_passmanage(stub):
    cases = [(["show", "a/b"], [reply(OK, "secret", "x\n")]),
             (["ls"], [reply(OK, "tree")]),
             (["find", "a", "b"], [reply(OK)]),
             (["grep", "-i", "pat"], [reply(OK)]),
             (["git", "log"], [reply(OK, "")]),
             (["get-or-generate", "a/x"], [reply(OK, "secret", "old\n")])]
    for args, plan in cases:
        stub.plan(plan)
        p = stub.run(*args)
        assert p.returncode == 0, (args, p.stderr)
        calls = stub.calls()
        assert calls and all(c["svc"] == READ for c in calls), args
    # find and grep span the whole store: the empty argument
    stub.plan([reply(OK)])
    stub.run("grep", "x")
    assert stub.calls()[0]["arg"] == ""


def test_writes_never_use_passread(stub):
    cases = [(["insert", "-m", "a/b"], b"l1\nl2\n", [reply(OK)]),
             (["insert", "-e", "a/b"], b"pw\n", [reply(OK)]),
             (["insert", "-f", "a/b"], b"pw\n", [reply(OK)]),
             (["generate", "a/b", "12"], b"", [reply(OK, "pw")]),
             (["generate", "-i", "a/b"], b"", [reply(OK, "pw")]),
             (["rm", "-r", "a"], b"", [reply(OK, "a/b.gpg", "a")]),
             (["mv", "a/b", "c/d"], b"", [reply(OK)]),
             (["cp", "-f", "a/b", "a/c"], b"", [reply(OK)]),
             (["init", "-p", "a", "KEY"], b"", [reply(OK, "Password store initialized")]),
             (["init"], b"", [reply(OK, "Generated key")]),
             (["git", "init"], b"", [reply(OK, "Initialized")])]
    for args, inp, plan in cases:
        stub.plan(plan)
        p = stub.run(*args, input=inp)
        assert p.returncode == 0, (args, p.stderr)
        calls = stub.calls()
        assert calls and all(c["svc"] == MANAGE for c in calls), (args, calls)
    # mv across folders: both names in one scope or the whole store
    stub.plan([reply(OK)])
    stub.run("mv", "a/b", "c/d")
    assert stub.calls()[0]["arg"] == ""
    stub.run("cp", "-f", "a/b", "a/c")
    assert stub.calls()[-1]["arg"] == "a"


def test_insert_from_a_pipe_reads_one_line_and_prints_nothing(stub):
    """W14: one line, no prompt, no stray newlines; without a tty the
    entry is overwritten as pass does ("f")."""
    stub.plan([reply(OK)])
    p = stub.run("insert", "a/b", input=b"  hunter2  \nsecond line\n")
    assert (p.returncode, p.stdout, p.stderr) == (0, b"", b"")
    (c,) = stub.calls()
    assert (c["op"], c["fields"]) == ("INSERT", [b"a/b", b"hunter2\n", b"f"])
    assert b"hunter2" not in json.dumps(c["argv"]).encode()
    stub.plan([reply(OK)])
    p = stub.run("insert", "-m", "a/b/", input=b"l1\n\x00bin\n\n")
    assert p.stdout == b"Enter contents of a/b and press Ctrl+D when finished:\n\n"
    assert stub.calls()[0]["fields"] == [b"a/b", b"l1\n\x00bin\n\n", b"f"]
    # nothing on stdin: nothing stored
    stub.plan([reply(OK)])
    p = stub.run("insert", "a/b", input=b"")
    assert p.returncode == 1 and stub.calls() == []


def test_generate_sends_the_charset_and_length(stub):
    stub.plan([reply(OK, "Abc")])
    p = stub.run("generate", "web/x")
    assert p.stdout == (b"\x1b[1mThe generated password for \x1b[4mweb/x\x1b[24m is:\x1b[0m\n"
                        b"\x1b[1m\x1b[93mAbc\x1b[0m\n")
    assert stub.calls()[0]["fields"] == [b"web/x", b"25", b"[:punct:][:alnum:]", b"f"]
    stub.plan([reply(OK, "Abc")])
    stub.run("generate", "-n", "web/x", env=stub.env(PASSWORD_STORE_GENERATED_LENGTH="31"))
    assert stub.calls()[0]["fields"] == [b"web/x", b"31", b"[:alnum:]", b"f"]
    stub.plan([reply(OK, "Abc")])
    stub.run("generate", "-i", "web/x", "7",
             env=stub.env(PASSWORD_STORE_CHARACTER_SET="a-c"))
    assert stub.calls()[0]["fields"] == [b"web/x", b"7", b"a-c", b"i"]
    for bad, msg in (("x1", b'Error: pass-length "x1" must be a number.'),
                     ("00", b"Error: pass-length must be greater than zero.")):
        stub.plan([reply(OK, "Abc")])
        p = stub.run("generate", "web/x", bad)
        assert p.returncode == 1 and msg in p.stderr and stub.calls() == []


def test_get_or_generate(stub):
    """W7: the entry's content either way; W2: a folder is an error;
    creation is GENERATE "x" (create only) and a lost race reads again."""
    stub.plan([reply(NOT_FOUND, "Error: a/x is not in the password store."),
               reply(OK, "Gen3rated")])
    p = stub.run("get-or-generate", "a/x", "9")
    assert (p.returncode, p.stdout) == (0, b"Gen3rated\n")
    c1, c2 = stub.calls()
    assert (c1["svc"], c1["op"]) == (READ, "SHOW")
    assert (c2["svc"], c2["op"], c2["fields"]) == (MANAGE, "GENERATE",
                                                  [b"a/x", b"9", b"[:punct:][:alnum:]", b"x"])
    stub.plan([reply(NOT_FOUND, "no"), reply(EXISTS, "An entry already exists for a/x."),
               reply(OK, "secret", "theirs\nmore\n")])
    p = stub.run("get-or-generate", "a/x")
    assert (p.returncode, p.stdout) == (0, b"theirs\nmore\n")
    assert [c["op"] for c in stub.calls()] == ["SHOW", "GENERATE", "SHOW"]
    stub.plan([reply(OK, "tree", node("f", 0, "x.gpg"))])
    p = stub.run("get-or-generate", "a")
    assert p.returncode == 1 and b"folder" in p.stderr and p.stdout == b""
    stub.plan([reply(DECRYPT, "Error: a/x: decryption failed")])
    p = stub.run("get-or-generate", "a/x")
    assert p.returncode == 2 and len(stub.calls()) == 1


def test_vault_name_precedence(stub):
    stub.plan([reply(OK, "tree")])
    stub.run("ls", "-d", "optvault", env=stub.env(QUBES_PASS_DOMAIN="envvault"))
    stub.run("--dest-vm", "opt2", "ls", env=stub.env(QUBES_PASS_DOMAIN="envvault"))
    stub.run("ls", "--dest-vm=opt3")
    stub.run("ls", env=stub.env(QUBES_PASS_DOMAIN="envvault"))
    assert [c["vault"] for c in stub.calls()] == ["optvault", "opt2", "opt3", "envvault"]
    p = stub.run("ls", "-d", "--help")
    assert p.returncode == 1 and b"not a qube name" in p.stderr
    if not any(os.path.exists(f) for f in ("/rw/config/pass-split-domain",
                                           "/etc/qubes/pass-split-domain")):
        p = stub.run("ls", env=stub.env(QUBES_PASS_DOMAIN=None))
        assert p.returncode == 1
        for what in (b"-d VAULT", b"QUBES_PASS_DOMAIN", b"/rw/config/pass-split-domain",
                     b"/etc/qubes/pass-split-domain"):
            assert what in p.stderr
    assert len(stub.calls()) == 4


@pytest.mark.parametrize("code", [126, 125, 127])
def test_qrexec_exit_codes_pass_through(stub, code):
    stub.plan([{"exit": code, "stderr": "Request refused\n" if code == 126 else ""}])
    p = stub.run("show", "bank/x")
    assert p.returncode == code
    assert b"vault" in p.stderr and b"ruddo.PassRead" in p.stderr
    if code != 127:
        assert b"ruddo.PassRead+bank" in p.stderr
    assert p.stdout == b""


def test_missing_truncated_and_bad_replies_are_errors(stub):
    """W1: never "0 and empty"."""
    for step in ({"exit": 0}, {"out": reply(OK, "secret", "x")[:-3]},
                 {"out": b"garbage!!!!!!"}, {"out": reply(OK, "secret", "x") + b"z"}):
        stub.plan([step])
        p = stub.run("show", "x")
        assert p.returncode == 1, step
        assert p.stdout == b"" and b"vault" in p.stderr
    stub.plan([reply(DECRYPT, "Error: x: no secret key")])
    p = stub.run("show", "x")
    assert (p.returncode, p.stderr) == (2, b"Error: x: no secret key\n")
    p = stub.run("ls", env=stub.env(QVM_PASS_QREXEC_CLIENT="/nonexistent/qrexec"))
    assert p.returncode == 125 and b"/nonexistent/qrexec" in p.stderr


def test_terminal_escaping(stub):
    """W4: on a terminal, vault-chosen names and messages are escaped; our
    colours stay; on a pipe the exact bytes (as pass)."""
    evil = "evil\x1b]0;owned\x07\x1b[2J"
    stub.plan([reply(OK, "tree", node("f", 0, evil + ".gpg"))])
    p = stub.run("ls")
    assert evil.encode() in p.stdout
    rc, out = run_pty([QVM_PASS, "ls"], stub.env())
    assert rc == 0
    assert b"\x1b]" not in out and b"\x1b[2J" not in out
    assert b"evil\\x1b]0;owned\\x07\\x1b[2J" in out and b"\x1b[00m" in out
    stub.plan([reply(OK, "secret", "pw\x1b[2J\x9b\n\tline2\n")])
    rc, out = run_pty([QVM_PASS, "show", "x"], stub.env())
    # (the str's U+009B is C2 9B in UTF-8: a C1 control, escaped)
    assert out.replace(b"\r\n", b"\n") == b"pw\\x1b[2J\\xc2\\x9b\n\tline2\n"
    stub.plan([reply(ERROR, "Error: bad\x1b[31m name")])
    rc, out = run_pty([QVM_PASS, "show", "x"], stub.env())
    assert rc == 1 and b"bad\\x1b[31m name" in out
    # grep: only SGR colour sequences survive
    stub.plan([reply(OK, "d/e\x1b]x", "\x1b[01;31m\x1b[Kpw\x1b[m\x1b[K\x1b]2;t\x07\n")])
    rc, out = run_pty([QVM_PASS, "grep", "pw"], stub.env())
    assert b"\x1b[01;31m\x1b[Kpw\x1b[m\x1b[K\\x1b]2;t\\x07" in out
    assert b"\x1b[94md/\x1b[1me\\x1b]x\x1b[0m:" in out


def test_tty_questions_use_exists_on_passmanage(stub):
    """On a terminal: the existence checks are EXISTS on PassManage (no
    secret moves); "n" is honoured (W3 for mv/cp)."""
    stub.plan([reply(OK, "file")])
    rc, out = run_pty([QVM_PASS, "generate", "a/x"], stub.env(),
                      [("Overwrite it? [y/N]", "n\n")])
    assert rc == 1 and b"An entry already exists for a/x. Overwrite it? [y/N]" in out
    (c,) = stub.calls()
    assert (c["svc"], c["op"], c["fields"]) == (MANAGE, "EXISTS", [b"a/x"])
    stub.plan([reply(OK, "file"), reply(OK, "pw")])
    rc, out = run_pty([QVM_PASS, "generate", "a/x"], stub.env(),
                      [("Overwrite it? [y/N]", "y\n")])
    assert rc == 0 and [c["op"] for c in stub.calls()] == ["EXISTS", "GENERATE"]
    assert stub.calls()[1]["fields"][3] == b"f"
    # nothing there: written without "f", so a newcomer is not overwritten
    stub.plan([reply(OK, "none"), reply(OK, "pw")])
    rc, out = run_pty([QVM_PASS, "generate", "a/x"], stub.env())
    assert rc == 0 and stub.calls()[1]["fields"][3] == b""
    # rm: EXISTS, then pass's question
    stub.plan([reply(OK, "file"), reply(OK, "a/x.gpg")])
    rc, out = run_pty([QVM_PASS, "rm", "a/x"], stub.env(),
                      [("delete a/x? [y/N]", "y\n")])
    assert rc == 0 and [(c["svc"], c["op"]) for c in stub.calls()] == [(MANAGE, "EXISTS"),
                                                                     (MANAGE, "RM")]
    assert b"removed 'a/x.gpg'" in out
    stub.plan([reply(OK, "none")])
    rc, out = run_pty([QVM_PASS, "rm", "a/x"], stub.env())
    assert rc == 1 and b"Error: a/x is not in the password store." in out
    # mv: the vault refuses to overwrite; "n" leaves both, "y" forces
    stub.plan([reply(EXISTS, "An entry already exists for b.")])
    rc, out = run_pty([QVM_PASS, "mv", "a", "b"], stub.env(), [("overwrite 'b'?", "n\n")])
    assert rc == 0 and len(stub.calls()) == 1 and stub.calls()[0]["fields"][2] == b""
    stub.plan([reply(EXISTS, "exists"), reply(OK)])
    rc, out = run_pty([QVM_PASS, "cp", "a", "b"], stub.env(), [("overwrite 'b'?", "y\n")])
    assert rc == 0 and [c["fields"][2] for c in stub.calls()] == [b"", b"f"]


def test_insert_prompts_on_a_tty(stub):
    stub.plan([reply(OK, "none"), reply(OK)])
    rc, out = run_pty([QVM_PASS, "insert", "a/x"], stub.env(),
                      [("Enter password for a/x: ", "s3cret\n"),
                       ("Retype password for a/x: ", "s3cret\n")])
    assert rc == 0, out
    assert b"s3cret" not in out  # no echo
    assert [c["op"] for c in stub.calls()] == ["EXISTS", "INSERT"]
    assert stub.calls()[1]["fields"] == [b"a/x", b"s3cret\n", b""]
    stub.plan([reply(OK, "none"), reply(OK)])
    rc, out = run_pty([QVM_PASS, "insert", "a/x"], stub.env(),
                      [("Enter password", "one\n"), ("Retype password", "two\n")])
    assert rc == 1 and b"Error: the entered passwords do not match." in out
    assert [c["op"] for c in stub.calls()] == ["EXISTS"]
    stub.plan([reply(OK)])
    rc, out = run_pty([QVM_PASS, "insert", "-e", "-f", "a/x"], stub.env(),
                      [("Enter password for a/x: ", "visible\n")])
    assert rc == 0 and b"visible" in out and b"Retype" not in out
    assert [c["op"] for c in stub.calls()] == ["INSERT"]


def fake_tools(tmp):
    """xclip, wl-copy/wl-paste and qrencode that record argv, environment
    and stdin; the clipboard is a file."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    tool = r'''#!/usr/bin/python3
import json, os, sys
d = os.environ["FAKE_DIR"]
name = os.path.basename(sys.argv[0])
paste = name == "wl-paste" or "-o" in sys.argv
data = b"" if paste else sys.stdin.buffer.read()
with open(os.path.join(d, "log.jsonl"), "a") as f:
    f.write(json.dumps({"argv": sys.argv, "env": dict(os.environ), "stdin": data.hex()}) + "\n")
clip = os.path.join(d, "clipboard")
if name == "qrencode":
    sys.stdout.write("QR<%s>\n" % data.hex())
elif paste:
    sys.stdout.buffer.write(open(clip, "rb").read() if os.path.exists(clip) else b"")
else:
    open(clip, "wb").write(data)
'''
    for n in ("xclip", "wl-copy", "wl-paste", "qrencode"):
        p = os.path.join(bindir, n)
        with open(p, "w") as f:
            f.write(tool)
        os.chmod(p, 0o755)
    return bindir


def tool_log(tmp):
    p = os.path.join(tmp, "log.jsonl")
    return [json.loads(l) for l in open(p)] if os.path.exists(p) else []


def test_clip_restores_and_keeps_the_secret_out_of_argv_and_env(stub, tmp_path):
    tmp = str(tmp_path)
    bindir = fake_tools(tmp)
    with open(os.path.join(tmp, "clipboard"), "wb") as f:
        f.write(b"previous")
    secret = "S3cr3t-line-two"
    stub.plan([reply(OK, "secret", secret)])
    env = stub.env(PATH=bindir + ":" + os.environ["PATH"], DISPLAY=":42", FAKE_DIR=tmp,
                   PASSWORD_STORE_CLIP_TIME="1", PASSWORD_STORE_X_SELECTION="primary")
    p = stub.run("-c2", "web/x", env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"Copied web/x to clipboard. Will clear in 1 seconds.\n"
    assert open(os.path.join(tmp, "clipboard"), "rb").read() == secret.encode()
    deadline = time.time() + 10
    while time.time() < deadline:
        if open(os.path.join(tmp, "clipboard"), "rb").read() == b"previous":
            break
        time.sleep(0.1)
    assert open(os.path.join(tmp, "clipboard"), "rb").read() == b"previous"
    log = tool_log(tmp)
    assert ["-selection", "primary"] == log[1]["argv"][1:]
    for entry in log + [{"argv": c["argv"], "env": c["env"]} for c in stub.calls()]:
        assert secret not in json.dumps(entry["argv"])
        assert secret not in json.dumps(entry["env"])
    # no display: pass's error
    p = stub.run("-c", "web/x", env=stub.env(DISPLAY=None, WAYLAND_DISPLAY=None))
    assert (p.returncode, p.stderr) == (1, b"Error: No X11 or Wayland display detected\n")


def test_qrcode_without_display(stub, tmp_path):
    tmp = str(tmp_path)
    bindir = fake_tools(tmp)
    stub.plan([reply(OK, "secret", "line1\n")])
    p = stub.run("show", "-q", "x", env=stub.env(PATH=bindir + ":" + os.environ["PATH"],
                                                 FAKE_DIR=tmp, DISPLAY=None,
                                                 WAYLAND_DISPLAY=None))
    assert p.returncode == 0, p.stderr
    assert p.stdout == b"QR<" + b"line1".hex().encode() + b">\n"
    (q,) = tool_log(tmp)
    assert q["argv"][1:] == ["-t", "utf8"]
    assert "line1" not in json.dumps(q["argv"]) + json.dumps(q["env"])


EDITOR = r'''#!/bin/sh
# records the file and the modes of it and its folder, then appends a line
f="$1"
stat -c '%a' "$(dirname "$f")" "$f" > "$EDIT_LOG"
echo "$f" >> "$EDIT_LOG"
[ -n "$EDIT_APPEND" ] && printf '%s\n' "$EDIT_APPEND" >> "$f"
exit 0
'''


def test_edit(stub, tmp_path):
    ed = os.path.join(str(tmp_path), "ed")
    with open(ed, "w") as f:
        f.write(EDITOR)
    os.chmod(ed, 0o755)
    log = os.path.join(str(tmp_path), "ed.log")
    stub.plan([reply(OK, "secret", "old\n"), reply(OK)])
    p = stub.run("edit", "web/x", env=stub.env(EDITOR=ed, EDIT_LOG=log, EDIT_APPEND="new"))
    assert p.returncode == 0, p.stderr
    dmode, fmode, path = open(log).read().split("\n")[:3]
    assert (dmode, fmode) == ("700", "600")
    assert path.startswith("/dev/shm/") and path.endswith("-web-x.txt")
    assert not os.path.exists(os.path.dirname(path))
    c1, c2 = stub.calls()
    assert (c1["svc"], c1["op"]) == (READ, "SHOW")
    assert (c2["svc"], c2["op"], c2["fields"]) == (MANAGE, "INSERT",
                                                  [b"web/x", b"old\nnew\n", b"f"])
    stub.plan([reply(OK, "secret", "old\n")])
    p = stub.run("edit", "web/x", env=stub.env(EDITOR=ed, EDIT_LOG=log, EDIT_APPEND=""))
    assert (p.returncode, p.stderr) == (1, b"Password unchanged.\n")
    assert len(stub.calls()) == 1
    path = open(log).read().split("\n")[2]
    assert not os.path.exists(os.path.dirname(path))


def test_help_version_and_the_pass_shim(stub, tmp_path):
    p = stub.run("--help")
    assert p.returncode == 0
    assert b"= pass: the standard unix password manager =" in p.stdout
    assert b"qvm-pass get-or-generate" in p.stdout and stub.calls() == []
    shim = os.path.join(str(tmp_path), "pass")
    os.symlink(QVM_PASS, shim)
    p = stub.run("help", prog=shim)
    assert b"    pass init" in p.stdout and b"qvm-pass init" not in p.stdout
    p = stub.run("rm", prog=shim)
    assert p.stderr == b"Usage: pass rm [--recursive,-r] [--force,-f] pass-name\n"
    for w in ("version", "--version"):
        assert b"= pass: the standard unix password manager =" in stub.run(w).stdout


def _no_ipc_lock(limit):
    import resource
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (limit, limit))


def test_memory_locked_or_one_warning(stub):
    """mlockall works (VmLck > 0, seen by the qrexec client from
    /proc/PPID); under a tiny limit without CAP_IPC_LOCK: one warning
    line, and the command still works (W12)."""
    with open(QVM_PASS, "rb") as f:
        if b"__asan_init" in f.read():
            pytest.skip("ASan's shadow memory cannot be locked")
    stub.plan([reply(OK, "secret", "x\n")])
    p = stub.run("show", "x")
    assert p.returncode == 0
    if os.geteuid() == 0 or _memlock_limit() >= 16 << 20:
        assert stub.calls()[0]["vmlck"] > 0
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv:
        argv = [setpriv, "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock", QVM_PASS]
    elif os.geteuid() != 0:
        argv = [QVM_PASS]
    else:
        pytest.skip("no setpriv to drop CAP_IPC_LOCK")
    stub.plan([reply(OK, "secret", "x\n")])
    p = subprocess.run(argv + ["show", "x"], capture_output=True, env=stub.env(),
                       preexec_fn=lambda: _no_ipc_lock(64 << 10), timeout=60)
    assert p.returncode == 0 and p.stdout == b"x\n"
    lines = p.stderr.decode().splitlines()
    assert len(lines) == 1 and "warning: cannot lock memory" in lines[0], p.stderr
    # a limit that holds the start but not a large reply: it relaxes once
    big = "y" * (12 << 20)
    stub.plan([reply(OK, "secret", big)])
    p = subprocess.run(argv + ["show", "x"], capture_output=True, env=stub.env(),
                       preexec_fn=lambda: _no_ipc_lock(8 << 20), timeout=60)
    assert p.returncode == 0, p.stderr
    assert len(p.stdout) == len(big)
    assert len(p.stderr.decode().splitlines()) <= 1


def _memlock_limit():
    import resource
    return resource.getrlimit(resource.RLIMIT_MEMLOCK)[0]


# ---- (b) against the real vault, differentially against pass --------------------

LOOPBACK = """#!/bin/sh
# loopback qrexec client: VAULT SERVICE+ARG -> the vault binary, here
export QREXEC_SERVICE_FULL_NAME="$2" QREXEC_SERVICE_ARGUMENT="${2#*+}"
export QREXEC_REMOTE_DOMAIN=work
exec "$VAULT_BIN" "${2#*+}"
"""

needs_vault = pytest.mark.skipif(
    not os.path.exists(VAULT) or not os.path.exists(PASS) or not shutil.which("gpg"),
    reason=f"needs the vault binary ({VAULT}), pass and gpg")


@pytest.fixture(scope="module")
def gpghome():
    home = tempfile.mkdtemp(prefix="bh-qp-gpg.")
    os.chmod(home, 0o700)
    env = dict(os.environ, GNUPGHOME=home)
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                    "qvm-pass test <qp@test>", "future-default", "default", "never"],
                   env=env, check=True, capture_output=True)
    yield home
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env)
    shutil.rmtree(home, ignore_errors=True)


class Pair:
    """The same commands on a store served by our vault (through qvm-pass)
    and on another store run by pass."""

    def __init__(self, tmp, gpghome):
        self.tmp = tmp
        self.ours = os.path.join(tmp, "ours")
        self.theirs = os.path.join(tmp, "theirs")
        self.loop = os.path.join(tmp, "loopback")
        with open(self.loop, "w") as f:
            f.write(LOOPBACK)
        os.chmod(self.loop, 0o755)
        os.makedirs(os.path.join(tmp, "home"))
        self.base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C.UTF-8",
                     "GNUPGHOME": gpghome, "HOME": os.path.join(tmp, "home"),
                     "TERM": "xterm"}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.base[k] = os.environ[k]

    def env(self, which, **extra):
        e = dict(self.base, PASSWORD_STORE_DIR=self.ours if which == "ours" else self.theirs)
        if which == "ours":
            e.update(QVM_PASS_QREXEC_CLIENT=self.loop, VAULT_BIN=VAULT,
                     QUBES_PASS_DOMAIN="vault")
        e.update(extra)
        return {k: v for k, v in e.items() if v is not None}

    def run(self, which, *args, input=b"", **extra):
        prog = QVM_PASS if which == "ours" else PASS
        return subprocess.run([prog, *args], input=input, capture_output=True,
                              env=self.env(which, **extra), timeout=120)

    def both(self, *args, input=b"", stdout=True, stderr=False, **extra):
        a = self.run("ours", *args, input=input, **extra)
        b = self.run("theirs", *args, input=input, **extra)
        # pass's mkdir -v lines name the vault's paths (KNOWN_DIFFERENCES)
        b.stdout = re.sub(rb"(?m)^mkdir: created directory '[^\n]*'\n", b"", b.stdout)
        assert a.returncode == b.returncode, (args, a.stderr, b.stderr)
        if stdout:
            assert a.stdout == b.stdout, (args, a.stdout, b.stdout)
        if stderr:
            assert a.stderr == b.stderr, (args, a.stderr, b.stderr)
        return a, b

    def tree(self, which):
        root = self.ours if which == "ours" else self.theirs
        res = set()
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x != ".git"]
            for n in dirs + files:
                if n.startswith("."):
                    continue
                res.add(os.path.relpath(os.path.join(d, n), root))
        return res

    def contents(self, which):
        root = self.ours if which == "ours" else self.theirs
        res = {}
        for rel in self.tree(which):
            if rel.endswith(".gpg") and os.path.isfile(os.path.join(root, rel)):
                res[rel] = subprocess.run(["gpg", "-d", "--batch", "--quiet",
                                           os.path.join(root, rel)], capture_output=True,
                                          env=self.base, check=True).stdout
        return res

    def same_store(self):
        assert self.tree("ours") == self.tree("theirs")
        assert self.contents("ours") == self.contents("theirs")


@pytest.fixture
def pair(tmp_path, gpghome):
    p = Pair(str(tmp_path), gpghome)
    a = p.run("ours", "init", "qp@test")
    b = p.run("theirs", "init", "qp@test")
    assert a.returncode == b.returncode == 0, (a.stderr, b.stderr)
    return p


NAMES = ["plain", "a b/with space", "uni/🏠 ünï", "-lead", "deep/er/and/deeper/x",
         "dots.in.name", "UPPER/Case"]


@needs_vault
def test_differential_insert_show_ls_find(pair):
    for i, n in enumerate(NAMES):
        pair.both("insert", "-e", "--", n, input=f"pw{i}\n".encode())
    pair.both("insert", "-m", "multi/line", input=b"first\nsecond\n\nthird\n\n")
    pair.both("insert", "-m", "bin/ary", input=bytes(range(256)) + b"\x00\n\x00")
    pair.both("insert", "-m", "no/newline", input=b"no newline at end")
    pair.same_store()
    for n in NAMES + ["multi/line", "bin/ary", "no/newline"]:
        pair.both("show", "--", n)
        pair.both("--", n) if not n.startswith("-") else None
    for args in ([], ["ls"], ["list", "a b"], ["ls", "a b/"], ["show", "deep/er"],
                 ["find", "x"], ["find", "A", "🏠"], ["search", "nothing-matches"],
                 ["ls", "nope"], ["show", "nope/x"], ["multi/line"]):
        pair.both(*args, stderr=True)
    for env in ({"TERM": None}, {"LC_ALL": "C"},
                {"LS_COLORS": "di=01;31:*.gpg=01;33:fi=35"}, {"TREE_COLORS": "di=32"}):
        pair.both("ls", **env)
        pair.both("find", "e", **env)


@needs_vault
def test_differential_clip_lines_and_errors(pair):
    pair.both("insert", "-m", "m", input=b"one\ntwo\n\nfour\n")
    env = {"DISPLAY": None, "WAYLAND_DISPLAY": None}
    for args in (["-c", "m"], ["-c2", "m"], ["--clip=3", "m"], ["-c9", "m"], ["-q5", "m"],
                 ["show", "-c", "-q", "m"], ["-cx", "m"]):
        a, b = pair.both(*args, stdout=True, **env)
        assert a.returncode == 1
        assert a.stderr.replace(b"qvm-pass", b"pass") == b.stderr, (args, a.stderr, b.stderr)
    for args in (["insert", "-e", "-m", "x"], ["generate", "-f", "-i", "x"],
                 ["generate", "x", "abc"], ["generate", "x", "0"], ["mv", "a"]):
        a, b = pair.both(*args)
        assert a.returncode == 1
    # the usage lines differ only in the program's name
    a = pair.run("ours", "rm", "a", "b")
    b = pair.run("theirs", "rm", "a", "b")
    assert a.stderr.replace(b"qvm-pass", b"pass") == b.stderr


@needs_vault
def test_differential_generate(pair):
    for args in (["generate", "g/one"], ["generate", "-n", "g/two", "40"],
                 ["generate", "-f", "g/one", "8"]):
        a, b = pair.both(*args, stdout=False)
        assert a.returncode == 0
        pat = rb"\x1b\[1mThe generated password for \x1b\[4m(.*)\x1b\[24m is:\x1b\[0m\n" \
              rb"\x1b\[1m\x1b\[93m(.*)\x1b\[0m\n"
        ma, mb = re.fullmatch(pat, a.stdout), re.fullmatch(pat, b.stdout)
        assert ma and mb and ma.group(1) == mb.group(1)
        assert len(ma.group(2)) == len(mb.group(2))
        if "-n" in args:
            assert re.fullmatch(rb"[A-Za-z0-9]+", ma.group(2))
    assert pair.tree("ours") == pair.tree("theirs")
    # -i keeps the rest of the entry
    pair.both("insert", "-m", "g/in", input=b"old\nuser: me\n")
    pair.both("generate", "-i", "g/in", "12", stdout=False)
    for w in ("ours", "theirs"):
        c = pair.run(w, "show", "g/in").stdout.split(b"\n")
        assert len(c[0]) == 12 and c[1:] == [b"user: me", b""]
    # get-or-generate (not in pass): later runs print what was made first
    a = pair.run("ours", "get-or-generate", "g/gog", "16")
    assert a.returncode == 0 and len(a.stdout) == 17 and a.stdout.endswith(b"\n")
    assert pair.run("ours", "show", "g/gog").stdout == a.stdout
    assert pair.run("ours", "get-or-generate", "g/gog").stdout == a.stdout
    a = pair.run("ours", "get-or-generate", "g")
    assert a.returncode == 1 and a.stdout == b""  # W2: a folder is no secret


@needs_vault
def test_differential_grep(pair):
    pair.both("insert", "-m", "x/a", input=b"user: alice\npin: 1234\n")
    pair.both("insert", "-m", "b", input=b"nothing here\n")
    for args in (["grep", "alice"], ["grep", "-i", "ALICE"], ["grep", "nomatch"],
                 ["grep", "-v", "pin"]):
        a, b = pair.both(*args, stdout=False)
        blocks = lambda out: sorted(re.split(rb"(?=\x1b\[94m)", out))  # noqa: E731
        assert blocks(a.stdout) == blocks(b.stdout), (args, a.stdout, b.stdout)


@needs_vault
def test_differential_mv_cp_rm(pair):
    for n in ("a/one", "a/two", "b/three", "top"):
        pair.both("insert", "-e", n, input=b"v-" + n.encode() + b"\n")
    # pass prints absolute paths here (KNOWN_DIFFERENCES): exit codes, trees, contents
    for args in (["mv", "a/one", "c/moved"], ["cp", "a/two", "d/"], ["mv", "top", "b/"],
                 ["cp", "b", "e"], ["mv", "-f", "e/three", "c/moved"], ["mv", "nope", "x"],
                 ["rm", "d/two"], ["rm", "nope"], ["rm", "-r", "e"], ["rm", "-rf", "b/"]):
        pair.both(*args, stdout=False)
        pair.same_store()
    pair.both("ls")


@needs_vault
def test_decrypt_failure_is_exit_2(pair):
    pair.both("insert", "-e", "c", input=b"x\n")
    for root in (pair.ours, pair.theirs):
        with open(os.path.join(root, "c.gpg"), "wb") as f:
            f.write(b"\x85\x01\x0cnot a real packet at all")
    a, b = pair.both("show", "c", stdout=True)
    assert a.returncode == 2


@needs_vault
def test_real_vault_on_a_terminal(pair):
    """W3 and the insert prompts against the real vault; W4: a name made
    in the vault directly reaches the terminal escaped."""
    pair.both("insert", "-e", "a", input=b"A\n")
    pair.both("insert", "-e", "b", input=b"B\n")
    rc, out = run_pty([QVM_PASS, "mv", "a", "b"], pair.env("ours"), [("overwrite", "n\n")])
    assert rc == 0
    assert pair.run("ours", "show", "b").stdout == b"B\n"
    assert pair.run("ours", "show", "a").stdout == b"A\n"
    rc, out = run_pty([QVM_PASS, "mv", "a", "b"], pair.env("ours"), [("overwrite", "y\n")])
    assert rc == 0 and pair.run("ours", "show", "b").stdout == b"A\n"
    rc, out = run_pty([QVM_PASS, "insert", "n/x"], pair.env("ours"),
                      [("Enter password for n/x: ", "p w\n"),
                       ("Retype password for n/x: ", "p w\n")])
    assert rc == 0, out
    assert pair.run("ours", "show", "n/x").stdout == b"p w\n"
    pair.run("theirs", "mv", "-f", "a", "b")
    pair.run("theirs", "insert", "-e", "n/x", input=b"p w\n")
    pair.same_store()
    shutil.copy(os.path.join(pair.ours, "b.gpg"),
                os.path.join(pair.ours, "evil\x1b]0;x\x07.gpg"))
    shutil.copy(os.path.join(pair.theirs, "b.gpg"),
                os.path.join(pair.theirs, "evil\x1b]0;x\x07.gpg"))
    pair.both("ls")  # a pipe: the bytes, as pass
    rc, out = run_pty([QVM_PASS, "ls"], pair.env("ours"))
    assert rc == 0 and b"\x1b]0" not in out and b"evil\\x1b]0;x\\x07" in out


@needs_vault
def test_real_vault_edit_and_init_path(pair, tmp_path):
    ed = os.path.join(str(tmp_path), "ed")
    with open(ed, "w") as f:
        f.write(EDITOR)
    os.chmod(ed, 0o755)
    log = os.path.join(str(tmp_path), "ed.log")
    pair.both("insert", "-e", "e/x", input=b"old\n")
    for w in ("ours", "theirs"):
        p = pair.run(w, "edit", "e/x", EDITOR=ed, EDIT_LOG=log, EDIT_APPEND="added")
        assert p.returncode == 0, p.stderr
        p = pair.run(w, "edit", "e/x", EDITOR=ed, EDIT_LOG=log, EDIT_APPEND="")
        assert (p.returncode, p.stderr) == (1, b"Password unchanged.\n")
    pair.same_store()
    # init -p: a subfolder's own .gpg-id (output: pass adds mkdir -v lines)
    a, b = pair.both("init", "-p", "sub", "qp@test", stdout=False)
    assert a.returncode == 0
    assert os.path.exists(os.path.join(pair.ours, "sub", ".gpg-id"))
