"""Integration tests of the policy admin tools, run as built binaries:
qubes-policy (-l/-g/-r/-d, locally and through a stand-in
qrexec-client-vm), qubes-policy-admin driven as qrexec drives it
(environment + stdin), and qrexec-legacy-convert on a realistic legacy
4.0 policy, checked with qrexec-policy-explain before and after."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

import pytest

import conftest

POLICY_BIN = getattr(conftest, "POLICY_BIN",
                     os.path.abspath(os.path.join(conftest.BUILD, "policy")))
QUBES_POLICY = os.path.join(POLICY_BIN, "qubes-policy")
ADMIN = os.path.join(POLICY_BIN, "qubes-policy-admin")
CONVERT = os.path.join(POLICY_BIN, "qrexec-legacy-convert")
EXPLAIN = os.path.join(POLICY_BIN, "qrexec-policy-explain")


def token(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="bh-ptools.")
    yield os.path.realpath(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def pdir(tmp):
    d = os.path.join(tmp, "policy.d")
    os.makedirs(os.path.join(d, "include"))
    return d


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


def tree(*dirs):
    """Names, modes and contents of everything under dirs."""
    out = {}
    for d in dirs:
        for root, subdirs, files in os.walk(d):
            for name in subdirs + files:
                p = os.path.join(root, name)
                st = os.lstat(p)
                out[p] = (st.st_mode, None if name in subdirs else read(p))
    return out


# ---- qubes-policy ----

def qp(pdir, *args, input="", env=None):
    return subprocess.run([QUBES_POLICY, "--policy-dir", pdir, "--compat-path",
                           os.path.join(pdir, "..", "no-compat"), *args],
                          input=input.encode(), capture_output=True, timeout=30, env=env)


def test_qubes_policy_round_trip(pdir):
    r = qp(pdir, "-l")
    assert (r.returncode, r.stdout, r.stderr) == (0, b"\n", b"")
    r = qp(pdir)  # list is the default
    assert (r.returncode, r.stdout) == (0, b"\n")

    rule = "srv +arg src dst deny\n"
    r = qp(pdir, "-r", "file1", input=rule)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")
    assert read(os.path.join(pdir, "file1.policy")) == rule
    assert os.stat(os.path.join(pdir, "file1.policy")).st_mode & 0o7777 == 0o664
    open(os.path.join(pdir, "file2.policy"), "w").close()
    open(os.path.join(pdir, "file3"), "w").close()
    r = qp(pdir, "--list")
    assert r.stdout == b"file1\nfile2\n"
    r = qp(pdir, "--get", "file1")
    assert (r.returncode, r.stdout) == (0, b"srv +arg src dst deny\n")

    r = qp(pdir, "-r", "include/inc", input="@anyvm @anyvm deny\n\n\n")
    assert r.returncode == 0, r.stderr
    r = qp(pdir, "-l", "include")
    assert r.stdout == b"inc\n"
    r = qp(pdir, "-l", "include/")
    assert r.stdout == b"inc\n"
    r = qp(pdir, "-g", "include/inc")
    assert r.stdout == b"@anyvm @anyvm deny\n"  # trailing whitespace stripped
    r = qp(pdir, "-r", "file2", input="!include-service srv * include/inc\n")
    assert r.returncode == 0, r.stderr

    # a removal that breaks an includer is refused
    r = qp(pdir, "-d", "include/inc")
    assert r.returncode == 1
    assert b"including a file that will be removed" in r.stderr
    assert os.path.exists(os.path.join(pdir, "include", "inc"))
    # an invalid replacement is refused and changes nothing
    before = tree(pdir)
    r = qp(pdir, "-r", "file1", input="srv +arg src dst\n")
    assert r.returncode == 1
    assert r.stderr.startswith(b"Policy change validation failed: ")
    assert b"file1.policy:1: wrong number of fields" in r.stderr
    assert tree(pdir) == before

    r = qp(pdir, "-d", "file2")
    assert r.returncode == 0, r.stderr
    r = qp(pdir, "-d", "include/inc")
    assert r.returncode == 0, r.stderr
    r = qp(pdir, "-d", "file1")
    assert r.returncode == 0, r.stderr
    r = qp(pdir, "-l")
    assert r.stdout == b"\n"
    r = qp(pdir, "-g", "include/inc")
    assert r.returncode == 1
    assert r.stderr.decode() == "Not found: %s\n" % os.path.join(pdir, "include", "inc")


def test_qubes_policy_usage_errors(pdir):
    r = qp(pdir, "--get", "unexistent")
    assert r.returncode == 1
    assert r.stderr.startswith(b"Not found: ")
    r = qp(pdir, "--list", "file")
    assert r.returncode == 2
    assert b"--list doesn't work with a file name" in r.stderr
    assert r.stderr.startswith(b"usage: qubes-policy")
    r = qp(pdir, "--get", "fi*le")
    assert r.returncode == 2
    assert b"invalid character(s) in RPCNAME: '*'" in r.stderr
    r = qp(pdir, "-g", "a b'/")
    assert r.returncode == 2
    # Python's repr() of the sorted invalid characters
    assert b"qubes-policy: error: invalid character(s) in RPCNAME: \" '/\"\n" in r.stderr
    r = qp(pdir, "-g")
    assert r.returncode == 2
    assert b"you need to provide a file name" in r.stderr
    r = qp(pdir, "-d", "include")
    assert r.returncode == 2
    assert b"you need to provide a file name" in r.stderr
    # a name valid for RPC but not as a file name: the service refuses it
    r = qp(pdir, "-g", "a.b")
    assert r.returncode == 1
    assert b"Invalid policy file name: a.b" in r.stderr
    r = subprocess.run([QUBES_POLICY, "--help"], capture_output=True)
    assert r.returncode == 0 and b"usage: qubes-policy" in r.stdout


def fake_qrexec_client_vm(tmp, pdir, log):
    """A qrexec-client-vm stand-in that runs the service the way qrexec
    would in dom0."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    script = os.path.join(bindir, "qrexec-client-vm")
    write(script, f"""#!/bin/sh
[ "$1" = dom0 ] || {{ echo "bad target $1" >&2; exit 125; }}
echo "$2" >> '{log}'
exec env QREXEC_SERVICE_FULL_NAME="$2" QREXEC_REMOTE_DOMAIN=work \\
    QREXEC_POLICY_DIR='{pdir}' QREXEC_POLICY_ADMIN_LOG='{tmp}/admin.log' '{ADMIN}'
""")
    os.chmod(script, 0o755)
    env = dict(os.environ)
    env["PATH"] = bindir + ":" + env.get("PATH", "/usr/bin:/bin")
    return env


def test_qubes_policy_through_qrexec(tmp, pdir):
    calls = os.path.join(tmp, "calls")
    env = fake_qrexec_client_vm(tmp, pdir, calls)

    def vm(*args, input=""):
        return subprocess.run([QUBES_POLICY, "--vm", *args], input=input.encode(),
                              capture_output=True, timeout=30, env=env)

    r = vm("-r", "30-user", input="qubes.Gpg * work vault allow\n")
    assert r.returncode == 0, r.stderr
    r = vm("-l")
    assert (r.returncode, r.stdout) == (0, b"30-user\n")
    r = vm("-g", "30-user")
    assert r.stdout == b"qubes.Gpg * work vault allow\n"
    r = vm("-r", "include/x", input="@anyvm @anyvm deny\n")
    assert r.returncode == 0, r.stderr
    r = vm("-l", "include")
    assert r.stdout == b"x\n"
    # the exception class is stripped, as upstream's client does
    r = vm("-g", "nothere")
    assert r.returncode == 1
    assert r.stderr.decode() == "Not found: %s\n" % os.path.join(pdir, "nothere.policy")
    r = vm("-r", "30-user", input="broken\n")
    assert r.returncode == 1
    assert r.stderr.startswith(b"Policy change validation failed: ")
    r = vm("-d", "include/x")
    assert r.returncode == 0, r.stderr
    r = vm("-d", "30-user")
    assert r.returncode == 0, r.stderr
    assert read(calls).split() == [
        "policy.Replace+30-user", "policy.List", "policy.Get+30-user",
        "policy.include.Replace+x", "policy.include.List", "policy.Get+nothere",
        "policy.Replace+30-user", "policy.include.Remove+x", "policy.Remove+30-user"]
    assert os.listdir(pdir) == ["include"]
    assert "policy.Remove+30-user (work)" in read(os.path.join(tmp, "admin.log"))

    # a failure that is not the service's: "Command failed"
    write(os.path.join(tmp, "bin", "qrexec-client-vm"), "#!/bin/sh\necho refused >&2\nexit 126\n")
    r = vm("-l")
    assert r.returncode == 1
    assert r.stderr.startswith(b"Command failed\n")
    assert b"refused" in r.stderr


# ---- qubes-policy-admin as qrexec runs it ----

def admin(tmp, pdir, service, payload=b"", source="work", extra=None):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "QREXEC_SERVICE_FULL_NAME": service, "QREXEC_REMOTE_DOMAIN": source,
           "QREXEC_POLICY_DIR": pdir,
           "QREXEC_POLICY_COMPAT_DIR": os.path.join(tmp, "compat"),
           "QREXEC_POLICY_ADMIN_LOG": os.path.join(tmp, "admin.log")}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(extra or {})
    return subprocess.run([ADMIN], input=payload, capture_output=True, timeout=30, env=env)


def test_admin_service(tmp, pdir):
    r = admin(tmp, pdir, "policy.List")
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")
    for name in ("file2.policy", "file1.policy", "file3"):
        open(os.path.join(pdir, name), "w").close()
    r = admin(tmp, pdir, "policy.List")
    assert (r.returncode, r.stdout) == (0, b"file1\nfile2\n")

    r = admin(tmp, pdir, "policy.List", b"test\n")
    assert (r.returncode, r.stdout) == (1, b"")
    assert r.stderr == b"PolicyAdminProtocolException Unexpected payload"
    r = admin(tmp, pdir, "policy.List+x")
    assert r.stderr == b"PolicyAdminProtocolException Unexpected argument"
    r = admin(tmp, pdir, "policy.Frobnicate")
    assert r.stderr == b"PolicyAdminProtocolException unrecognized method: policy.Frobnicate"

    content = b"qubes.Gpg * work vault allow\n"
    r = admin(tmp, pdir, "policy.Replace+30-user", b"new\n" + content)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")
    r = admin(tmp, pdir, "policy.Get+30-user")
    assert r.returncode == 0
    assert r.stdout == token(content).encode() + b"\n" + content
    tok = token(content).encode()

    content2 = b"qubes.Gpg * work vault deny\n"
    r = admin(tmp, pdir, "policy.Replace+30-user", tok + b"\n" + content2)
    assert r.returncode == 0, r.stderr
    # the same (now stale) token again
    r = admin(tmp, pdir, "policy.Replace+30-user", tok + b"\nqubes.Gpg * @anyvm vault allow\n")
    assert (r.returncode, r.stderr) == (1, b"PolicyAdminTokenException Token mismatch")
    assert read(os.path.join(pdir, "30-user.policy")).encode() == content2
    r = admin(tmp, pdir, "policy.Replace+30-user", b"new\n")
    assert r.stderr == b"PolicyAdminTokenException File exists but token is 'new'"
    r = admin(tmp, pdir, "policy.Replace+30-user", b"bogus\n")
    assert r.stderr == b"PolicyAdminProtocolException Unrecognized token"
    r = admin(tmp, pdir, "policy.Replace+30-user", b"any")
    assert r.stderr == (b"PolicyAdminProtocolException "
                        b"Payload needs to include first line with token")
    r = admin(tmp, pdir, "policy.Replace+Upper", b"any\n")
    assert r.returncode == 1 and b"invalid filename" in r.stderr
    assert not os.path.exists(os.path.join(pdir, "Upper.policy"))
    r = admin(tmp, pdir, "policy.Get+..")
    assert r.stderr.startswith(b"PolicyAdminInvalidFileNameException Invalid policy file name: ..")
    r = admin(tmp, pdir, "policy.Get+a/b")
    assert r.stderr.startswith(b"PolicyAdminProtocolException Invalid argument: \"a/b\"")

    r = admin(tmp, pdir, "policy.GetFiles+qubes.Gpg")
    assert (r.returncode, r.stdout) == (0, b"30-user\n")
    r = admin(tmp, pdir, "policy.GetFiles+qubes.Gpg+x")
    assert r.stderr == (b"PolicyAdminProtocolException Service 'qubes.Gpg+x' contains "
                        b"invalid characters: ('+',)")

    r = admin(tmp, pdir, "policy.include.Replace+ro", b"any\n@anyvm @anyvm deny\n")
    assert r.returncode == 0, r.stderr
    r = admin(tmp, pdir, "policy.include.List")
    assert r.stdout == b"ro\n"
    r = admin(tmp, pdir, "policy.Remove+30-user", token(content2).encode())
    assert r.returncode == 0, r.stderr
    r = admin(tmp, pdir, "policy.include.Remove+ro", b"any")
    assert r.returncode == 0, r.stderr
    r = admin(tmp, pdir, "policy.Remove+30-user", b"any")
    assert r.stderr.startswith(b"PolicyAdminFileNotFoundException Not found: ")

    log = read(os.path.join(tmp, "admin.log"))
    assert "policy.Remove+30-user (work)\n" in log
    assert "policy.Replace+30-user (work): error: Token mismatch\n" in log


def test_admin_service_internal_error(tmp, pdir):
    shutil.rmtree(pdir)
    r = admin(tmp, pdir, "policy.List")
    assert r.returncode == 2
    logf = os.path.join(tmp, "admin.log")
    assert r.stderr == f"Internal error. See '{logf}' in dom0 for details.".encode()
    assert "cannot lock the policy directory" in read(logf)
    # not started by qrexec
    r = subprocess.run([ADMIN], input=b"", capture_output=True,
                       env={"PATH": "/usr/bin:/bin", "QREXEC_SERVICE_FULL_NAME": "policy.List"})
    assert r.returncode == 2
    assert b"QREXEC_REMOTE_DOMAIN" in r.stderr


def test_admin_service_concurrent(tmp, pdir):
    """Writers started together with the same token: exactly one wins."""
    write(os.path.join(pdir, "file1.policy"), "# A\n")
    tok = token(b"# A\n").encode()
    procs = []
    for i in range(4):
        env = {"PATH": "/usr/bin:/bin", "QREXEC_SERVICE_FULL_NAME": "policy.Replace+file1",
               "QREXEC_REMOTE_DOMAIN": "work", "QREXEC_POLICY_DIR": pdir,
               "QREXEC_POLICY_ADMIN_LOG": os.path.join(tmp, "admin.log")}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        procs.append(subprocess.Popen([ADMIN], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, env=env))
    for i, p in enumerate(procs):
        p.stdin.write(tok + b"\n# writer %d\n" % i)
        p.stdin.close()
    results = []
    for p in procs:
        p.wait(timeout=30)
        results.append((p.returncode, p.stderr.read()))
        p.stdout.close()
        p.stderr.close()
    assert sorted(rc for rc, _ in results) == [0, 1, 1, 1], results
    assert all(e == b"PolicyAdminTokenException Token mismatch" for rc, e in results if rc)
    winner = [i for i, (rc, _) in enumerate(results) if rc == 0][0]
    assert read(os.path.join(pdir, "file1.policy")) == "# writer %d\n" % winner


# ---- qrexec-legacy-convert ----

SYSTEM_INFO = {"domains": {
    "dom0": {"tags": ["dom0-tag"], "type": "AdminVM", "template_for_dispvms": False,
             "default_dispvm": "default-dvm", "power_state": "Running",
             "uuid": "00000000-0000-0000-0000-000000000000", "icon": "adminvm-black",
             "label": "black", "guivm": None},
    "sys-net": {"tags": ["sys"], "type": "AppVM", "template_for_dispvms": False,
                "default_dispvm": None, "power_state": "Running",
                "uuid": "5c2a1f4e-0a1b-4c3d-8e9f-101112131415", "icon": "servicevm-red",
                "label": "red", "guivm": "dom0"},
    "sys-usb": {"tags": ["sys", "usb"], "type": "DispVM", "template_for_dispvms": False,
                "default_dispvm": "default-dvm", "power_state": "Running",
                "uuid": "6d3b2a5f-1b2c-4d4e-9fa0-212223242526", "icon": "servicevm-green",
                "label": "green", "guivm": "dom0"},
    "work": {"tags": ["work", "split-gpg-client"], "type": "AppVM",
             "template_for_dispvms": False, "default_dispvm": "work-dvm",
             "power_state": "Running", "uuid": "7e4c3b6a-2c3d-4e5f-a0b1-323334353637",
             "icon": "appvm-blue", "label": "blue", "guivm": "dom0"},
    "personal": {"tags": [], "type": "AppVM", "template_for_dispvms": False,
                 "default_dispvm": "default-dvm", "power_state": "Halted",
                 "uuid": "8f5d4c7b-3d4e-4f60-b1c2-434445464748", "icon": "appvm-yellow",
                 "label": "yellow", "guivm": "dom0"},
    "vault": {"tags": ["split-gpg-server"], "type": "AppVM", "template_for_dispvms": False,
              "default_dispvm": None, "power_state": "Paused",
              "uuid": "90e6d58c-4e5f-4071-82d3-545556575859", "icon": "appvm-black",
              "label": "black", "guivm": "dom0"},
    "fedora-40": {"tags": [], "type": "TemplateVM", "template_for_dispvms": False,
                  "default_dispvm": "default-dvm", "power_state": "Halted",
                  "uuid": "a1f7e69d-5f60-4182-93e4-656667686970", "icon": "templatevm-black",
                  "label": "black"},
    "default-dvm": {"tags": ["dvm"], "type": "AppVM", "template_for_dispvms": True,
                    "default_dispvm": "default-dvm", "power_state": "Halted",
                    "uuid": "b208f7ae-6071-4293-a4f5-767778797a7b", "icon": "appvm-red",
                    "label": "red", "guivm": "dom0"},
    "work-dvm": {"tags": ["dvm", "work"], "type": "AppVM", "template_for_dispvms": True,
                 "default_dispvm": "work-dvm", "power_state": "Halted",
                 "uuid": "c31908bf-7182-43a4-b506-87898a8b8c8d", "icon": "dispvm-blue",
                 "label": "blue", "guivm": "dom0"},
}}


def legacy_world(tmp):
    """A policy.d with !compat-4.0 between user and default rules, and a
    realistic legacy directory."""
    pd = os.path.join(tmp, "policy.d")
    lg = os.path.join(tmp, "qubes-rpc-policy")
    si = os.path.join(tmp, "system-info.json")
    with open(si, "w") as f:
        json.dump(SYSTEM_INFO, f)
    write(os.path.join(pd, "30-user.policy"),
          "qubes.Gpg * personal vault deny\n"
          "qubes.VMShell * @anyvm @anyvm deny notify=no\n")
    write(os.path.join(pd, "35-compat.policy"),
          "# Legacy policy, as shipped in 4.1\n"
          "!compat-4.0\n"
          "# after it\n")
    write(os.path.join(pd, "90-default.policy"),
          "qubes.Filecopy * @anyvm @anyvm ask\n"
          "qubes.Gpg * @anyvm @anyvm allow\n"
          "qubes.StartApp * @anyvm @dispvm ask default_target=@dispvm\n"
          "qubes.StartApp * @anyvm @anyvm ask\n"
          "test.Fallthrough * @anyvm @anyvm allow target=vault\n"
          "admin.vm.List * @anyvm @adminvm deny\n"
          "* * @anyvm @anyvm deny\n")
    write(os.path.join(pd, "include", "admin-local-ro"), "")
    write(os.path.join(lg, "qubes.Filecopy"),
          "## Note that policy parsing stops at the first match,\n"
          "## so adding anything below \"$anyvm $anyvm action\" line will have no effect\n"
          "\n"
          "$tag:work vault deny\n"
          "$anyvm $dispvm allow\n"
          "  $anyvm\t$dispvm:work-dvm   allow  \n"
          "$tag:work $tag:work allow,notify=yes\n"
          "$anyvm $anyvm ask,default_target=$dispvm\n")
    write(os.path.join(lg, "qubes.Gpg"),
          "$tag:split-gpg-client vault ask,default_target=vault\n"
          "$anyvm $anyvm deny\n")
    write(os.path.join(lg, "qubes.Gpg+sign"),
          "work vault allow\n"
          "sys-usb vault allow,user=user,autostart=no\n")
    write(os.path.join(lg, "qubes.VMShell"),
          "work dom0 allow,target=dom0,user=root\n"
          "work $adminvm ask,default_target=$adminvm\n")
    write(os.path.join(lg, "qubes.StartApp+firefox"),
          "$anyvm $dispvm:default-dvm allow\n"
          "$type:AppVM $default allow,target=$dispvm:work-dvm\n")
    write(os.path.join(lg, "test.Fallthrough"), "work vault deny\n")
    write(os.path.join(lg, "test.Fallthrough+arg"), "work personal allow\n")
    write(os.path.join(lg, "test.Empty+"), "$anyvm vault allow\n")
    write(os.path.join(lg, "admin.vm.List"),
          "$include:/etc/qubes-rpc/policy/include/admin-local-ro\n".replace(
              "/etc/qubes-rpc/policy", lg) +
          "$include:include/admin-global-ro\n"
          "$adminvm $anyvm allow,target=$adminvm\n")
    write(os.path.join(lg, "include", "admin-local-ro"),
          "work $adminvm allow,target=$adminvm\n")
    write(os.path.join(lg, "include", "admin-global-ro"),
          "$tag:sys $adminvm ask,default_target=$adminvm,user=root\n")
    # entries the compat loader ignores
    write(os.path.join(lg, "qubes.Gpg.rpmnew"), "$anyvm $anyvm allow\n")
    write(os.path.join(lg, ".hidden"), "$anyvm $anyvm allow\n")
    write(os.path.join(lg, "bad name"), "$anyvm $anyvm allow\n")
    return pd, lg, si


SERVICES = ["qubes.Filecopy", "qubes.Gpg", "qubes.Gpg+sign", "qubes.Gpg+other",
            "qubes.VMShell", "qubes.VMShell+x", "qubes.StartApp+firefox",
            "qubes.StartApp+xterm", "qubes.StartApp", "test.Fallthrough",
            "test.Fallthrough+arg", "test.Fallthrough+other", "test.Empty",
            "test.Empty+", "test.Empty+x", "admin.vm.List", "admin.vm.List+x",
            "qubes.NotLegacy"]
TARGETS = list(SYSTEM_INFO["domains"]) + [
    "", "@default", "@dispvm", "@dispvm:default-dvm", "@dispvm:work-dvm", "@adminvm",
    "uuid:7e4c3b6a-2c3d-4e5f-a0b1-323334353637", "nonexistent"]


def decisions(pd, lg, si):
    """Every request's decision, without where it came from."""
    lines = []
    for svc in SERVICES:
        for src in SYSTEM_INFO["domains"]:
            for tgt in TARGETS:
                lines.append(f"{src}\t{tgt}\t{svc}")
    r = subprocess.run([EXPLAIN, "--batch", "-", "--path", pd, "--compat-path", lg,
                        "--system-info", si], input="\n".join(lines).encode() + b"\n",
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = {}
    for line, res in zip(lines, r.stdout.decode().splitlines()):
        d = json.loads(res)
        assert d["result"] != "error", d
        d.pop("rule", None)
        d.pop("reason", None)
        out[line] = d
    assert len(out) == len(lines)
    return out


def explain_json(pd, lg, si, src, tgt, svc):
    r = subprocess.run([EXPLAIN, "--json", "--path", pd, "--compat-path", lg,
                        "--system-info", si, src, tgt, svc], capture_output=True, timeout=30)
    d = json.loads(r.stdout)
    return d


def convert(pd, lg, si, *extra):
    return subprocess.run([CONVERT, "--policy-dir", pd, "--compat-path", lg,
                           "--system-info", si, *extra], capture_output=True, timeout=300)


def test_legacy_convert(tmp):
    pd, lg, si = legacy_world(tmp)
    before = decisions(pd, lg, si)
    # the legacy rules matter: some decisions come from them
    kinds = {d["result"] for d in before.values()}
    assert kinds == {"allow", "deny", "ask"}
    j = explain_json(pd, lg, si, "work", "vault", "qubes.Gpg+sign")
    assert j["result"] == "allow" and j["rule"] == os.path.join(lg, "qubes.Gpg+sign") + ":1"
    # the implicit deny after an argument-specific file
    j = explain_json(pd, lg, si, "personal", "vault", "test.Fallthrough+arg")
    assert j["result"] == "deny" and j["rule"].endswith("test.Fallthrough+arg:implicit")
    j = explain_json(pd, lg, si, "personal", "vault", "test.Fallthrough")
    assert j["result"] == "allow" and j["rule"].startswith(os.path.join(pd, "90-default"))

    # --dry-run prints the result and changes nothing
    snap = tree(pd, lg)
    r = convert(pd, lg, si, "--dry-run")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert "all identical" in out
    assert "=== %s (converted) ===" % os.path.join(pd, "35-compat.policy") in out
    assert "qubes.Gpg +sign sys-usb vault allow user=user autostart=no\n" in out
    assert tree(pd, lg) == snap

    r = convert(pd, lg, si)
    assert r.returncode == 0, r.stderr + r.stdout

    # backups and retired legacy files
    compat = os.path.join(pd, "35-compat.policy")
    assert read(compat + ".bak") == snap[compat][1]
    legacy = ["qubes.Filecopy", "qubes.Gpg", "qubes.Gpg+sign", "qubes.VMShell",
              "qubes.StartApp+firefox", "test.Fallthrough", "test.Fallthrough+arg",
              "test.Empty+", "admin.vm.List"]
    for name in legacy:
        assert not os.path.exists(os.path.join(lg, name)), name
        assert read(os.path.join(lg, name + ".rpmsave")) == snap[os.path.join(lg, name)][1]
    # ignored entries and the include directory stay
    for name in ("qubes.Gpg.rpmnew", ".hidden", "bad name", "include"):
        assert os.path.exists(os.path.join(lg, name)), name
    assert sorted(os.listdir(pd)) == ["30-user.policy", "35-compat.policy",
                                      "35-compat.policy.bak", "90-default.policy", "include"]

    text = read(compat)
    assert "!compat-4.0" not in text.replace('"!compat-4.0"', "")
    assert text.startswith("# Legacy policy, as shipped in 4.1\n")
    assert text.endswith("# after it\n")
    assert "qubes.Filecopy * @anyvm @dispvm:work-dvm allow\n" in text
    assert "qubes.VMShell * work dom0 allow target=dom0 user=root\n" in text
    assert f"!include-service admin.vm.List * {lg}/include/admin-local-ro\n" in text
    assert f"!include-service admin.vm.List * {lg}/include/admin-global-ro\n" in text
    assert ("test.Fallthrough +arg @anyvm @anyvm deny\n"
            "test.Fallthrough +arg @anyvm @adminvm deny\n") in text
    assert "test.Empty + @anyvm vault allow\n" in text
    # comments are kept
    assert "## so adding anything below" in text
    # the order is the compat merge order
    order = [text.index(f"# --- {lg}/{n} ") for n in
             ["admin.vm.List", "qubes.Filecopy", "qubes.Gpg+sign", "qubes.Gpg",
              "qubes.StartApp+firefox", "qubes.VMShell", "test.Empty+",
              "test.Fallthrough+arg", "test.Fallthrough"]]
    assert order == sorted(order)

    after = decisions(pd, lg, si)
    assert after == before
    j = explain_json(pd, lg, si, "work", "vault", "qubes.Gpg+sign")
    assert j["result"] == "allow" and j["rule"].startswith(compat + ":")
    j = explain_json(pd, lg, si, "personal", "vault", "test.Fallthrough+arg")
    assert j["result"] == "deny" and j["rule"].startswith(compat + ":")

    # nothing left to convert
    r = convert(pd, lg, si)
    assert r.returncode == 0
    assert b"nothing to convert" in r.stdout


def test_legacy_convert_refuses_a_change(tmp):
    pd, lg, si = legacy_world(tmp)
    # a relative include inside an included file resolves against the
    # legacy directory under !compat-4.0, against policy.d after
    with open(os.path.join(lg, "include", "admin-global-ro"), "a") as f:
        f.write("$include:include/nested\n")
    write(os.path.join(lg, "include", "nested"), "personal $adminvm allow,target=$adminvm\n")
    write(os.path.join(pd, "include", "nested"), "personal $adminvm deny\n")
    before = decisions(pd, lg, si)
    snap = tree(pd, lg)
    for extra in ((), ("--dry-run",)):
        r = convert(pd, lg, si, *extra)
        assert r.returncode == 1
        err = r.stderr.decode()
        assert "personal -> @adminvm admin.vm.List" in err
        assert "decisions would change" in err and "nothing changed" in err
        assert tree(pd, lg) == snap
    assert decisions(pd, lg, si) == before

    # without the look-alike file the converted policy would not load
    os.unlink(os.path.join(pd, "include", "nested"))
    snap = tree(pd, lg)
    r = convert(pd, lg, si)
    assert r.returncode == 1
    assert b"would not load" in r.stderr and b"admin-global-ro:2: not a file" in r.stderr
    assert tree(pd, lg) == snap


def test_legacy_convert_include_of_a_legacy_file(tmp):
    pd, lg, si = legacy_world(tmp)
    # a legacy file including another one, which is about to be retired
    write(os.path.join(lg, "test.Alias"), f"$include:{lg}/test.Fallthrough\n")
    snap = tree(pd, lg)
    r = convert(pd, lg, si)
    assert r.returncode == 1
    assert b"including a file that will be removed" in r.stderr
    assert tree(pd, lg) == snap


def test_legacy_convert_directive_in_an_included_file(tmp):
    pd, lg, si = legacy_world(tmp)
    os.unlink(os.path.join(pd, "35-compat.policy"))
    write(os.path.join(pd, "35-compat.policy"), "!include include/compat\n")
    write(os.path.join(pd, "include", "compat"), "!compat-4.0\n")
    before = decisions(pd, lg, si)
    r = convert(pd, lg, si)
    assert r.returncode == 0, r.stderr
    inc = os.path.join(pd, "include", "compat")
    assert read(inc + ".bak") == "!compat-4.0\n"
    assert "qubes.Gpg +sign work vault allow\n" in read(inc)
    assert read(os.path.join(pd, "35-compat.policy")) == "!include include/compat\n"
    assert decisions(pd, lg, si) == before


def test_legacy_convert_nothing_to_do(tmp):
    pd, lg, si = legacy_world(tmp)
    # no !compat-4.0: the legacy files are not used
    write(os.path.join(pd, "35-compat.policy"), "# nothing\n")
    snap = tree(pd, lg)
    r = convert(pd, lg, si)
    assert r.returncode == 0
    assert b"not used: nothing to convert" in r.stdout
    assert tree(pd, lg) == snap
    # no legacy directory at all
    r = convert(pd, os.path.join(tmp, "none"), si)
    assert r.returncode == 0
    assert b"nothing to convert" in r.stdout
    # a broken current policy is not touched
    write(os.path.join(pd, "35-compat.policy"), "!compat-4.0\n")
    write(os.path.join(pd, "40-bad.policy"), "broken\n")
    snap = tree(pd, lg)
    r = convert(pd, lg, si)
    assert r.returncode == 1
    assert b"40-bad.policy:1: wrong number of fields" in r.stderr
    assert tree(pd, lg) == snap
    r = subprocess.run([CONVERT, "--help"], capture_output=True)
    assert r.returncode == 0 and b"--dry-run" in r.stdout
