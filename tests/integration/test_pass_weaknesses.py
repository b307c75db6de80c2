"""Split pass: each weakness W1-W18 of the original qubes-pass
(research/split-pass.md section 2) as a regression test, on qvm-pass and
bulkhead-pass-vault with real gpg and a real pass store. The client talks
to the vault through a loopback transport (QVM_PASS_QREXEC_CLIENT: runs the
vault binary as qrexec would, with QREXEC_SERVICE_FULL_NAME set); the
qrexec path itself is covered by the demo world (test_bulkhead_cli) and
the per-folder policy test below. Terminal cases run under a pty."""
import os
import pty
import select
import shutil
import struct
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD, World

BUILD_ABS = os.path.abspath(BUILD)
VAULT = os.path.join(BUILD_ABS, "pass", "vault", "bulkhead-pass-vault")
QVM_PASS = os.path.join(BUILD_ABS, "pass", "client", "qvm-pass")

pytestmark = pytest.mark.skipif(not shutil.which("pass") or not shutil.which("gpg"),
                                reason="needs pass and gpg")


class Store:
    """A HOME with a gpg key and an initialised pass store; the vault
    runs there (loopback), and so does real pass."""

    def __init__(self, top):
        self.top = top
        self.home = os.path.join(top, "home")
        os.makedirs(os.path.join(self.home, ".gnupg"), mode=0o700)
        self.dir = os.path.join(self.home, ".password-store")
        self.env = dict(os.environ, HOME=self.home, GNUPGHOME=os.path.join(self.home, ".gnupg"),
                        PASSWORD_STORE_DIR=self.dir, LC_ALL="C.UTF-8")
        for k in list(self.env):
            if k.startswith(("PASSWORD_STORE_", "QUBES_PASS", "GIT_")) and \
                    k != "PASSWORD_STORE_DIR":
                del self.env[k]
        self.log = os.path.join(top, "calls.log")
        self.loop = os.path.join(top, "loop.sh")
        with open(self.loop, "w") as f:
            f.write("#!/bin/sh\n"
                    f"echo \"$2\" >> {self.log}\n"
                    "export QREXEC_SERVICE_FULL_NAME=\"$2\" QREXEC_SERVICE_ARGUMENT=\"${2#*+}\" "
                    "QREXEC_REMOTE_DOMAIN=work\n"
                    f"exec {VAULT}\n")
        os.chmod(self.loop, 0o755)
        self.cenv = dict(self.env, QVM_PASS_QREXEC_CLIENT=self.loop, QUBES_PASS_DOMAIN="vault")
        gen = subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                              "test <test@example.org>", "future-default", "default", "never"],
                             env=self.env, capture_output=True)
        assert gen.returncode == 0, gen.stderr
        self.pass_("init", "test@example.org")

    def pass_(self, *args, input=b""):
        r = subprocess.run(["pass", *args], env=self.env, input=input, capture_output=True)
        assert r.returncode == 0, (args, r)
        return r.stdout

    def qp(self, *args, input=b"", env=None):
        return subprocess.run([QVM_PASS, *args], env=dict(self.cenv, **(env or {})),
                              input=input, capture_output=True, timeout=60)

    def calls(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log) as f:
            calls = f.read().split()
        os.unlink(self.log)
        return calls

    def tty(self, *args, answers=(), timeout=30):
        """qvm-pass on a pty; answers are written one per prompt.
        Returns (exit code, everything the terminal got)."""
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(QVM_PASS, [QVM_PASS, *args], self.cenv)
        out = b""
        pending = list(answers)
        end = time.time() + timeout
        while time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
                if pending and (b"[y/N]" in chunk or b": " in chunk):
                    os.write(fd, pending.pop(0))
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        return os.waitstatus_to_exitcode(status), out


@pytest.fixture
def store():
    top = tempfile.mkdtemp(prefix="bh-pass.")
    s = Store(top)
    yield s
    subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=s.env, capture_output=True)
    shutil.rmtree(top, ignore_errors=True)


def vault_raw(store, service, data, arg=None):
    """The vault binary on raw request bytes; returns (status, fields)."""
    full = service if arg is None else f"{service}+{arg}"
    r = subprocess.run([VAULT], input=data, capture_output=True, timeout=60,
                       env=dict(store.env, QREXEC_SERVICE_FULL_NAME=full))
    assert r.returncode == 0, r
    b = r.stdout
    assert b[:5] == b"BHPR\x01", b[:40]
    n = struct.unpack("<I", b[6:10])[0]
    fields, o = [], 10
    for _ in range(n):
        ln = struct.unpack("<I", b[o:o + 4])[0]
        fields.append(b[o + 4:o + 4 + ln])
        o += 4 + ln
    assert o == len(b)
    return b[5], fields


def request(op, *fields):
    b = b"BHPQ\x01" + bytes([op]) + struct.pack("<I", len(fields))
    for f in fields:
        f = f.encode() if isinstance(f, str) else f
        b += struct.pack("<I", len(f)) + f
    return b


# ---- W1: failures are failures ----

def test_w1_decrypt_failure_and_sneaky_path_are_errors(store):
    store.pass_("insert", "-m", "broken", input=b"x\n")
    with open(os.path.join(store.dir, "broken.gpg"), "wb") as f:
        f.write(b"this is not an OpenPGP message")
    r = store.qp("show", "broken")
    assert r.returncode == 2 and r.stdout == b"" and b"decrypt" in r.stderr
    r = store.qp("get-or-generate", "broken")
    assert r.returncode == 2 and r.stdout == b""
    r = store.qp("show", "../etc/passwd")
    assert r.returncode == 1 and b"invalid name" in r.stderr


# ---- W2: a folder is not a secret ----

def test_w2_folder_is_not_returned_as_a_secret(store):
    store.pass_("insert", "-m", "dir/entry", input=b"x\n")
    r = store.qp("get-or-generate", "dir")
    assert r.returncode == 1 and r.stdout == b"" and b"folder" in r.stderr
    # show of a folder lists it, as pass does
    assert store.qp("show", "dir").stdout == store.pass_("show", "dir")


# ---- W3: the overwrite answer is honoured ----

def test_w3_mv_cp_overwrite_answer_is_honoured(store):
    store.pass_("insert", "-m", "a", input=b"AAA\n")
    store.pass_("insert", "-m", "b", input=b"BBB\n")
    for cmd in ("mv", "cp"):
        rc, out = store.tty(cmd, "a", "b", answers=[b"n\n"])
        # as mv -i / cp -i: "no" is not an error, and nothing changes
        assert rc == 0 and f"{cmd}: overwrite 'b'?".encode() in out, out
        assert store.pass_("show", "b") == b"BBB\n" and store.pass_("show", "a") == b"AAA\n"
    rc, out = store.tty("cp", "a", "b", answers=[b"y\n"])
    assert rc == 0 and store.pass_("show", "b") == b"AAA\n"


# ---- W4: names from the vault cannot drive the terminal ----

def test_w4_control_bytes_escaped_on_a_terminal(store):
    evil = "x\x1b]0;pwned\x07"
    # names with control bytes cannot even be created through the vault
    r = store.qp("insert", "-e", evil, input=b"s\n")
    assert r.returncode == 1 and b"invalid name" in r.stderr
    # one made in the vault by other means is listed escaped on a tty
    os.makedirs(os.path.join(store.dir, "d"))
    store.pass_("insert", "-m", "d/plain", input=b"s\n")
    os.rename(os.path.join(store.dir, "d", "plain.gpg"),
              os.path.join(store.dir, "d", evil + ".gpg"))
    rc, out = store.tty("ls")
    assert rc == 0 and b"\x1b]0;" not in out and b"x\\x1b]0;pwned\\x07" in out
    # on a pipe the bytes are exact, as pass prints them
    assert store.qp("ls").stdout == store.pass_("ls")


# ---- W5: per-folder authorisation through the qrexec argument ----

def test_w5_argument_is_the_folder_and_the_vault_enforces_it(store):
    store.pass_("insert", "-m", "work/a", input=b"W\n")
    store.pass_("insert", "-m", "banking/b", input=b"B\n")
    assert store.qp("show", "work/a").stdout == b"W\n"
    assert store.calls() == ["ruddo.PassRead+work"]
    store.qp("ls")
    assert store.calls() == ["ruddo.PassRead+"]
    store.qp("mv", "work/a", "banking/")
    assert store.calls() == ["ruddo.PassManage+"]
    # a call allowed for +work cannot reach banking/
    st, f = vault_raw(store, "ruddo.PassRead", request(2, "banking/b", "0"), arg="work")
    assert st == 5 and b"beyond" in f[0]
    st, f = vault_raw(store, "ruddo.PassRead", request(1, ""), arg="work")
    assert st == 5


def test_w5_per_folder_policy_through_real_qrexec(store):
    """work may read work/* and nothing else, decided by the policy
    daemon on ruddo.PassRead+FOLDER, through real agents and daemons."""
    store.pass_("insert", "-m", "work/a", input=b"W\n")
    store.pass_("insert", "-m", "banking/b", input=b"B\n")
    saved = dict(os.environ)
    os.environ.update(HOME=store.home, GNUPGHOME=store.env["GNUPGHOME"],
                      PASSWORD_STORE_DIR=store.dir)
    root = os.path.join(store.top, "world")
    os.mkdir(root)
    try:
        w = World.up(root)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        from conftest import BIN
        for svc in ("ruddo.PassRead", "ruddo.PassManage"):
            os.symlink(VAULT, os.path.join(w.root, "vault", "rpc", svc))
        w.rule("ruddo.PassRead +work work vault allow")
        client = os.path.join(store.top, "qcvm")
        with open(client, "w") as f:
            f.write(f"#!/bin/sh\nexec {BIN}/qrexec-client-vm "
                    f"--agent-socket={w.agent_socket('work')} \"$@\"\n")
        os.chmod(client, 0o755)
        env = dict(w.env(1), QVM_PASS_QREXEC_CLIENT=client, QUBES_PASS_DOMAIN="vault")
        ok = subprocess.run([QVM_PASS, "show", "work/a"], env=env, capture_output=True)
        assert ok.returncode == 0 and ok.stdout == b"W\n", ok
        no = subprocess.run([QVM_PASS, "show", "banking/b"], env=env, capture_output=True)
        assert no.returncode == 126 and no.stdout == b"", no
        assert b"refused ruddo.PassRead+banking" in no.stderr
        whole = subprocess.run([QVM_PASS, "ls"], env=env, capture_output=True)
        assert whole.returncode == 126
        write = subprocess.run([QVM_PASS, "insert", "-e", "work/new"], env=env, input=b"x\n",
                               capture_output=True)
        assert write.returncode == 126  # PassManage: no rule
    finally:
        w.down()


# ---- W6: existence checks send no secret; writes never need PassRead ----

def test_w6_writes_use_only_passmanage_and_exists(store):
    store.pass_("insert", "-m", "e", input=b"SECRET\n")
    rc, out = store.tty("generate", "e", "12", answers=[b"n\n"])
    assert rc == 1 and b"already exists" in out and b"SECRET" not in out
    assert store.calls() == ["ruddo.PassManage+e"]  # EXISTS only
    rc, out = store.tty("insert", "e", answers=[b"n\n"])
    assert rc == 1 and store.calls() == ["ruddo.PassManage+e"]
    r = store.qp("generate", "g", "16")
    assert r.returncode == 0 and store.calls() == ["ruddo.PassManage+g"]
    r = store.qp("insert", "-f", "-e", "h", input=b"x\n")
    assert r.returncode == 0 and store.calls() == ["ruddo.PassManage+h"]
    st, f = vault_raw(store, "ruddo.PassManage", request(3, "e"))
    assert st == 0 and f == [b"file"]


# ---- W7: get-or-generate is atomic and prints one format ----

def test_w7_get_or_generate_same_output_first_and_later(store):
    first = store.qp("get-or-generate", "site", "20")
    assert first.returncode == 0 and len(first.stdout) == 21 and first.stdout.endswith(b"\n")
    again = store.qp("get-or-generate", "site", "20")
    assert again.stdout == first.stdout
    assert store.pass_("show", "site") == first.stdout
    # create-only in the vault: an existing entry is never replaced
    st, f = vault_raw(store, "ruddo.PassManage", request(11, "site", "8", "[:alnum:]", "x"))
    assert st == 3 and store.pass_("show", "site") == first.stdout


# ---- W8: a versioned, framed protocol; unknown ops are errors ----

@pytest.mark.parametrize("data,status", [
    (request(99, "x"), 6), (b"BHPQ\x02\x02\x00\x00\x00\x00", 6), (b"", 6),
    (b"garbage", 6), (request(2, "x", "0")[:-1], 6), (request(2, "x", "0") + b"!", 6),
    (b"BHPQ\x01\x02" + struct.pack("<I", 1000000), 6),
    (b"BHPQ\x01\x02\x01\x00\x00\x00" + struct.pack("<I", 0xffffffff), 6),
])
def test_w8_malformed_requests_get_explicit_errors(store, data, status):
    st, f = vault_raw(store, "ruddo.PassRead", data)
    assert st == status and f[0].startswith(b"Error")


# ---- W9, W10: init validates keys; a bad init does not wedge the store ----

def test_w9_w10_init_checks_keys_and_recovers(store):
    gpg_id = open(os.path.join(store.dir, ".gpg-id")).read()
    r = store.qp("init", "-p", "sub", "no-such-key@example.org")
    assert r.returncode == 1 and b"cannot be used" in r.stderr
    assert not os.path.exists(os.path.join(store.dir, "sub"))
    r = store.qp("init", "--", "-p")
    assert r.returncode == 1
    assert open(os.path.join(store.dir, ".gpg-id")).read() == gpg_id
    r = store.qp("init", "-p", "sub", "test@example.org")
    assert r.returncode == 0 and b"Password store initialized for test@example.org (sub)" \
        in r.stdout
    # re-init is allowed (pass semantics), so a wrong key can be fixed
    assert store.qp("init", "test@example.org").returncode == 0


# ---- W11: names are validated on both sides ----

@pytest.mark.parametrize("name", ["../x", "a/../../b", "/abs", "a//b", ".git/config",
                                  "nl\nname", "tab\tname"])
def test_w11_bad_names_refused_nothing_written(store, name):
    before = sorted(os.listdir(store.top))
    r = store.qp("insert", "-f", "-e", name, input=b"x\n")
    assert r.returncode == 1 and b"invalid name" in r.stderr
    st, f = vault_raw(store, "ruddo.PassManage", request(10, name, "x", "f"))
    assert st == 6
    assert sorted(os.listdir(store.top)) == before
    assert not os.path.exists(os.path.join(store.home, "x.gpg"))


# ---- W12: mlockall failure is not fatal ----

def test_w12_memlock_limit_gives_a_warning_not_a_failure(store):
    with open(QVM_PASS, "rb") as f:
        if b"__asan_init" in f.read():
            pytest.skip("ASan's shadow memory cannot be locked")
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "prlimit", "--memlock=0:0", QVM_PASS, "version"],
                       capture_output=True, env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r
    assert b"= pass: the standard unix password manager =" in r.stdout
    assert b"cannot lock memory" in r.stderr


# ---- W13: the commands pass has ----

def test_w13_edit_grep_find_git_and_friends(store):
    store.pass_("insert", "-m", "mail/home", input=b"pw1\nuser: me\n")
    editor = os.path.join(store.top, "ed.sh")
    with open(editor, "w") as f:
        f.write("#!/bin/sh\ncase \"$1\" in /dev/shm/*) ;; *) exit 3;; esac\n"
                "cp \"$1\" \"$1.bak\"\nprintf 'changed\\n' > \"$1\"\n")
    os.chmod(editor, 0o755)
    shm_before = set(os.listdir("/dev/shm"))
    r = store.qp("edit", "mail/home", env={"EDITOR": editor})
    assert r.returncode == 0, r
    assert store.pass_("show", "mail/home") == b"changed\n"
    assert set(os.listdir("/dev/shm")) == shm_before  # nothing left behind
    r = store.qp("edit", "mail/home", env={"EDITOR": "true"})
    assert r.returncode == 1 and b"Password unchanged." in r.stderr
    assert store.qp("grep", "-i", "CHANGED").stdout == store.pass_("grep", "-i", "CHANGED")
    assert store.qp("find", "home").stdout == store.pass_("find", "home")
    assert store.qp("ls", "mail").stdout == store.pass_("ls", "mail")
    assert store.qp("search", "home").returncode == 0
    assert store.qp("git", "init").returncode == 0
    store.qp("insert", "-f", "-e", "x", input=b"1\n")
    log = store.qp("git", "log", "--oneline").stdout
    assert b"Add given password for x to store." in log
    assert store.qp("git", "config", "alias.x", "!sh").returncode == 1
    store.qp("generate", "-i", "mail/home", "10")
    assert store.pass_("show", "mail/home").count(b"\n") == 1
    os.environ.get("x")
    r = store.qp("generate", "long", env={"PASSWORD_STORE_GENERATED_LENGTH": "40",
                                          "PASSWORD_STORE_CHARACTER_SET": "ab"})
    pw = store.pass_("show", "long").strip()
    assert len(pw) == 40 and set(pw) <= {ord("a"), ord("b")}


# ---- W14: insert from a pipe ----

def test_w14_insert_from_a_pipe_reads_one_line_and_prints_nothing(store):
    r = store.qp("insert", "p", input=b"first\nsecond\n")
    assert r.returncode == 0 and r.stdout == b""
    assert store.pass_("show", "p") == b"first\n"
    r = store.qp("insert", "-e", "-m", "q", input=b"x\n")
    assert r.returncode == 1 and b"Usage" in r.stderr
    r = store.qp("insert", "-m", "bin", input=b"\x00\x01\xff\nline2")
    assert r.returncode == 0 and store.pass_("show", "bin") == b"\x00\x01\xff\nline2"


# ---- W15: rm of a folder needs -r ----

def test_w15_rm_folder_without_r_fails_and_keeps_it(store):
    store.pass_("insert", "-m", "f/a", input=b"x\n")
    r = store.qp("rm", "f")
    assert r.returncode == 1 and os.path.exists(os.path.join(store.dir, "f", "a.gpg"))
    r = store.qp("rm", "-r", "f")
    assert r.returncode == 0 and not os.path.exists(os.path.join(store.dir, "f"))


# ---- W16: vault logs carry escaped names (syslog) ----

def test_w16_vault_log_escapes_names(store):
    # the log goes to syslog; what it would say is checked through the
    # vault's refusal of such names before anything is logged verbatim
    st, f = vault_raw(store, "ruddo.PassRead", request(2, "a\x1b[31m", "0"))
    assert st == 6 and b"\x1b" not in f[0]


# ---- W17: no shell, and a lock for concurrent writers ----

def test_w17_twenty_concurrent_writers(store):
    procs = [subprocess.Popen([QVM_PASS, "insert", "-f", "-m", f"c/{i % 5}"],
                              env=store.cenv, stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for i in range(20)]
    for i, p in enumerate(procs):
        p.stdin.write(f"content {i}\n".encode() * 1000)
        p.stdin.close()
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    names = sorted(os.listdir(os.path.join(store.dir, "c")))
    assert names == [f"{i}.gpg" for i in range(5)]  # no temporary file left
    for i in range(5):
        body = store.pass_("show", f"c/{i}")
        assert body.count(b"\n") == 1000 and len(set(body.split(b"\n")[:-1])) == 1


# ---- W18: help, version, bad options ----

def test_w18_help_version_and_unknown_options(store):
    h = store.qp("help")
    assert h.returncode == 0 and b"= pass: the standard unix password manager =" in h.stdout
    assert b"qvm-pass generate" in h.stdout and b"get-or-generate" in h.stdout
    assert store.qp("--version").returncode == 0
    r = store.qp("-?")
    assert r.returncode == 1 and b"Usage" in r.stderr
    r = store.qp("show", "--nonsense", "x")
    assert r.returncode == 1 and b"Usage: qvm-pass show" in r.stderr
    shim = os.path.join(store.top, "pass")
    os.symlink(QVM_PASS, shim)
    r = subprocess.run([shim, "show", "-z"], env=store.cenv, capture_output=True)
    assert b"Usage: pass show" in r.stderr


def test_vault_name_precedence_and_missing(store):
    env = dict(store.cenv)
    del env["QUBES_PASS_DOMAIN"]
    r = subprocess.run([QVM_PASS, "ls"], env=env, capture_output=True)
    if os.path.exists("/rw/config/pass-split-domain") or \
            os.path.exists("/etc/qubes/pass-split-domain"):
        pytest.skip("this host names a vault")
    assert r.returncode == 1
    for where in (b"-d", b"QUBES_PASS_DOMAIN", b"/rw/config/pass-split-domain",
                  b"/etc/qubes/pass-split-domain"):
        assert where in r.stderr
    # -d wins over the environment: the transport is told which vault
    rec = os.path.join(store.top, "rec.sh")
    with open(rec, "w") as f:
        f.write(f"#!/bin/sh\necho \"$1\" > {store.top}/vault-name\nexit 126\n")
    os.chmod(rec, 0o755)
    r = store.qp("-d", "other", "ls", env={"QVM_PASS_QREXEC_CLIENT": rec})
    assert r.returncode == 126 and b"refused" in r.stderr
    assert open(os.path.join(store.top, "vault-name")).read() == "other\n"
    r = store.qp("ls", env={"QVM_PASS_QREXEC_CLIENT": rec})
    assert open(os.path.join(store.top, "vault-name")).read() == "vault\n"


def test_ten_mib_entry_through_the_vault(store):
    data = os.urandom(10 << 20)
    r = store.qp("insert", "-f", "-m", "big", input=data)
    assert r.returncode == 0, r.stderr
    assert store.qp("show", "big").stdout == data
    assert store.pass_("show", "big") == data
