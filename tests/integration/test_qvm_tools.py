"""The qvm-* tools (tools/) against a real bulkheadd on scratch paths: their
output formats (as upstream's tools print them), exit codes and error
messages, including the error answers bulkheadd gives today for
Start/Shutdown/Kill/Pause (no sandbox backend yet). The management-domain
transport runs through real qrexec (agent, daemon, policy daemon) into the
same bulkheadd. qvm-run's qrexec side runs against real agents and
daemons, with a small stand-in for qubesd that reports the qubes as
running (bulkheadd cannot start them yet)."""
import json
import os
import pty
import re
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import BIN, BUILD, World, kill_leftover_brokers, wait_for

TOOLS = os.path.abspath(os.path.join(BUILD, "tools"))
BULKHEADD = os.path.abspath(os.path.join(BUILD, "domains", "bulkheadd"))

SIMPLE_HEAD = "NAME  STATE    CLASS    LABEL  TEMPLATE  NETVM\n"
HELP = subprocess.run([BULKHEADD, "--help"], capture_output=True, text=True).stdout


def assert_clean(stderr):
    """No sanitizer report (ASan, LSan, UBSan builds)."""
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    assert "Sanitizer" not in stderr and "runtime error:" not in stderr, stderr


class Bulkhead:
    """A bulkheadd on a scratch directory, and the tools pointed at it."""

    def __init__(self, root, policy_dir=None):
        self.root = root
        self.policy_dir = policy_dir or os.path.join(root, "policy.d")
        for d in ("lib", "run", "policy.d"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        self.socket = os.path.join(root, "qubesd.sock")
        self.log = open(os.path.join(root, "bulkheadd.log"), "w")
        argv = [BULKHEADD, f"--socket-dir={root}", f"--db={root}/qubes.db",
                f"--lib-dir={root}/lib", f"--run-dir={root}/run",
                f"--policy-dir={self.policy_dir}"]
        if "--init" in HELP:
            # these tests launch no sandbox: starting a qube fails, always
            # the same way, whatever is installed on the host
            argv.append(f"--init={root}/no-bulkhead-init")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=self.log)
        wait_for(self.socket)

    def call(self, method, dest, arg="", payload=b""):
        """One raw Admin API call as dom0; returns the answer's bytes."""
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.socket)
        s.sendall(f"{method}+{arg} dom0 name {dest}\0".encode() + payload)
        s.shutdown(socket.SHUT_WR)
        with s.makefile("rb") as f:
            data = f.read()
        s.close()
        return data

    def exc_message(self, method, dest, arg=""):
        """The message of the exception bulkheadd answers to a call."""
        data = self.call(method, dest, arg)
        assert data.startswith(b"2\0"), data
        return data.split(b"\0")[3].decode()

    def env(self, **extra):
        e = dict(os.environ)
        e["QUBESD_SOCKET"] = self.socket
        e.pop("BULKHEAD_ADMIN_TRANSPORT", None)
        e.update(extra)
        return e

    def run(self, tool, *args, input=None, env=None, timeout=60):
        r = subprocess.run([os.path.join(TOOLS, tool), *args], input=input,
                           capture_output=True, text=True, timeout=timeout,
                           env=env or self.env())
        assert_clean(r.stderr)
        return r

    def ok(self, tool, *args, **kw):
        r = self.run(tool, *args, **kw)
        assert r.returncode == 0, (tool, args, r.stdout, r.stderr)
        return r.stdout

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def bh():
    root = tempfile.mkdtemp(prefix="bh-qvm.")
    b = Bulkhead(root)
    yield b
    b.stop()
    kill_leftover_brokers(root)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def qubes(bh):
    """tpl (TemplateVM, black) and work (AppVM on tpl, red)."""
    bh.ok("qvm-create", "--class", "TemplateVM", "--label", "black", "tpl")
    bh.ok("qvm-create", "-l", "red", "-t", "tpl", "work")
    return bh


# ---- qvm-ls ----

def test_ls_fresh_system(bh):
    assert bh.ok("qvm-ls") == SIMPLE_HEAD + "dom0  Running  AdminVM  black  -         -\n"


def test_ls_formats(qubes):
    bh = qubes
    assert bh.ok("qvm-ls") == (
        "NAME  STATE    CLASS       LABEL  TEMPLATE  NETVM\n"
        "dom0  Running  AdminVM     black  -         -\n"
        "tpl   Halted   TemplateVM  black  -         -\n"
        "work  Halted   AppVM       red    tpl       -\n")
    assert bh.ok("qvm-ls", "--raw-list") == "dom0\ntpl\nwork\n"
    assert bh.ok("qvm-ls", "--raw-data", "-O", "name,class,label,vcpus") == (
        "dom0|AdminVM|black|-\ntpl|TemplateVM|black|2\nwork|AppVM|red|2\n")
    full = bh.ok("qvm-ls", "-o", "full").splitlines()
    assert full[0].split() == ["NAME", "STATE", "CLASS", "LABEL", "QID", "XID", "UUID"]
    assert full[1].split()[:6] == ["dom0", "Running", "AdminVM", "black", "0", "0"]
    assert full[3].split()[:6] == ["work", "Halted", "AppVM", "red", "2", "-1"]
    assert re.fullmatch(r"[0-9a-f-]{36}", full[3].split()[6])
    assert bh.ok("qvm-ls", "-o", "prefs", "work") == (
        "NAME  LABEL  TEMPLATE  NETVM  VCPUS  INITIALMEM  MAXMEM  VIRT-MODE\n"
        "work  red    tpl       -      2      -           4000    pvh\n")
    assert bh.ok("qvm-ls", "--network", "work") == (
        "NAME  STATE   NETVM  IP  IPBACK  GATEWAY\n"
        "work  Halted  -      -   -       -\n")
    assert bh.ok("qvm-ls", "-k", "work") == (
        "NAME  STATE   CLASS  TEMPLATE  KERNEL  KERNELOPTS\n"
        "work  Halted  AppVM  tpl       -       -\n")
    assert bh.ok("qvm-ls", "-O", "name,flags,memory,virt_mode") == (
        "NAME  FLAGS     MEMORY  VIRT-MODE\n"
        "dom0  0rU-----  0       -\n"
        "tpl   t-U-----  -       pvh\n"
        "work  a-------  -       pvh\n")


def test_ls_filters_and_sorting(qubes):
    bh = qubes
    bh.ok("qvm-tags", "work", "add", "blue-team")
    assert bh.ok("qvm-ls", "--raw-list", "--class", "AppVM", "AdminVM") == "dom0\nwork\n"
    assert bh.ok("qvm-ls", "--raw-list", "--tags", "blue-team", "nothing") == "work\n"
    assert bh.ok("qvm-ls", "--raw-list", "--exclude-tags", "blue-team") == "dom0\ntpl\n"
    assert bh.ok("qvm-ls", "--raw-list", "--running") == "dom0\n"
    assert bh.ok("qvm-ls", "--raw-list", "--halted") == "tpl\nwork\n"
    assert bh.ok("qvm-ls", "--raw-list", "--label", "red") == "work\n"
    assert bh.ok("qvm-ls", "--raw-list", "--template-source", "tpl") == "work\n"
    assert bh.ok("qvm-ls", "--raw-list", "--prefs", "vcpus=2") == "tpl\nwork\n"
    assert bh.ok("qvm-ls", "--raw-list", "--all", "--exclude", "tpl") == "dom0\nwork\n"
    assert bh.ok("qvm-ls", "--raw-list", "w*", "t?l") == "tpl\nwork\n"
    assert bh.ok("qvm-ls", "--tags", "nothing") == "NAME  STATE  CLASS  LABEL  TEMPLATE  NETVM\n"
    rows = bh.ok("qvm-ls", "--sort", "CLASS").splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["dom0", "work", "tpl"]
    rows = bh.ok("qvm-ls", "--sort", "class", "--reverse").splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["tpl", "work", "dom0"]
    bh.ok("qvm-prefs", "work", "maxmem", "300")
    rows = bh.ok("qvm-ls", "-O", "name,maxmem", "--sort", "MAXMEM").splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["dom0", "work", "tpl"]


def test_ls_errors(qubes):
    r = qubes.run("qvm-ls", "nosuch")
    assert r.returncode == 2
    assert r.stderr.endswith("qvm-ls: error: no such domain: 'nosuch'\n")
    r = qubes.run("qvm-ls", "--format", "bogus")
    assert r.returncode == 2 and "invalid choice: 'bogus'" in r.stderr
    r = qubes.run("qvm-ls", "-o", "disk")
    assert r.returncode == 2 and "volume API" in r.stderr
    r = qubes.run("qvm-ls", "--exclude", "tpl")
    assert r.returncode == 2 and "--exclude can only be used with --all" in r.stderr
    r = qubes.run("qvm-ls", env=qubes.env(QUBESD_SOCKET=qubes.root + "/missing.sock"))
    assert r.returncode == 1
    assert "cannot connect to qubesd at " + qubes.root + "/missing.sock" in r.stderr


# ---- qvm-create ----

def test_create_errors(qubes):
    bh = qubes
    r = bh.run("qvm-create", "-l", "mauve", "x")
    assert r.returncode == 2
    assert r.stderr.endswith("qvm-create: error: no such label: 'mauve'; available: red, "
                             "orange, yellow, green, gray, blue, purple, black\n")
    r = bh.run("qvm-create", "-l", "red", "-t", "tpl", "work")
    assert r.returncode == 1
    assert r.stderr == ("qvm-create: error: cannot create work: A VM with the name 'work' "
                        "already exists in the system.\n")
    r = bh.run("qvm-create", "-l", "red", "-t", "tpl", "1st")
    assert r.returncode == 1 and "VM name cannot start with" in r.stderr
    r = bh.run("qvm-create", "x")
    assert r.returncode == 2 and "--label option is mandatory" in r.stderr
    r = bh.run("qvm-create", "-l", "red")
    assert r.returncode == 2 and "VMNAME is mandatory" in r.stderr
    r = bh.run("qvm-create", "-l", "red", "-C", "NoSuchVM", "x")
    assert r.returncode == 2 and "no such domain class: 'NoSuchVM'" in r.stderr
    r = bh.run("qvm-create", "-l", "red", "-t", "nosuch", "x")
    assert r.returncode == 1 and "cannot create x: No such domain: 'nosuch'" in r.stderr
    r = bh.run("qvm-create", "-l", "red", "--prop", "novalue", "x")
    assert r.returncode == 2 and "Invalid property token: 'novalue'" in r.stderr
    r = bh.run("qvm-create", "--standalone", "-t", "tpl", "-l", "red", "x")
    assert r.returncode == 1 and "volume API" in r.stderr
    assert bh.ok("qvm-ls", "--raw-list") == "dom0\ntpl\nwork\n"


def test_create_with_properties(qubes):
    bh = qubes
    r = bh.run("qvm-create", "-l", "4", "-t", "tpl", "--prop", "vcpus=3",
               "--prop", "memory=0", "--prop", "nosuch=1", "--property", "debug=yes", "p1")
    assert r.returncode == 2
    assert r.stderr == (
        "qvm-create: error: cannot set property memory (but the qube was created): "
        "memory must be greater than 0\n"
        "qvm-create: error: cannot set property nosuch (but the qube was created): "
        "Invalid property name: 'nosuch'\n")
    assert bh.ok("qvm-prefs", "p1", "label") == "green\n"
    assert bh.ok("qvm-prefs", "p1", "vcpus") == "3\n"
    assert bh.ok("qvm-prefs", "p1", "debug") == "True\n"
    assert bh.ok("qvm-tags", "p1") == "audiovm-dom0\ncreated-by-dom0\nguivm-dom0\n"
    bh.ok("qvm-create", "--standalone", "-l", "blue", "-P", "somepool", "s1")
    bh.ok("qvm-create", "-C", "TemplateVM", "-l", "black", "-p", "root=a", "-p",
          "private=b", "t2")
    assert bh.ok("qvm-ls", "--raw-data", "-O", "name,class", "s1", "t2") == (
        "s1|StandaloneVM\nt2|TemplateVM\n")
    assert bh.ok("qvm-create", "--help-classes") == (
        "AdminVM\nAppVM\nDispVM\nStandaloneVM\nTemplateVM\n")


# ---- qvm-prefs / qubes-prefs ----

def test_prefs_listing(qubes):
    out = qubes.ok("qvm-prefs", "work").splitlines()
    assert "audiovm               D  dom0" in out
    assert "default_dispvm        D  None" in out
    assert "ip                    D  " in out
    assert "label                 -  red" in out
    assert "template              -  tpl" in out
    assert "vcpus                 D  2" in out
    assert out == sorted(out)
    hidden = qubes.ok("qvm-prefs", "--hide-default", "work").splitlines()
    assert [l.split()[0] for l in hidden] == ["label", "name", "qid", "template", "uuid"]
    help_ = qubes.ok("qvm-prefs", "--help-properties", "work").splitlines()
    assert help_[0].startswith("  audiovm               Qube providing audio")
    assert qubes.ok("qvm-prefs", "dom0", "label") == "black\n"


def test_prefs_get_set_reset(qubes):
    bh = qubes
    assert bh.ok("qvm-prefs", "work", "netvm") == ""
    assert bh.ok("qvm-prefs", "work", "ip") == "\n"
    bh.ok("qvm-prefs", "work", "vcpus", "6")
    assert bh.ok("qvm-prefs", "work", "vcpus") == "6\n"
    assert "vcpus                 -  6" in bh.ok("qvm-prefs", "work")
    assert bh.ok("qvm-prefs", "--hide-default", "work", "vcpus") == "6\n"
    bh.ok("qvm-prefs", "work", "vcpus", "--default")
    assert bh.ok("qvm-prefs", "work", "vcpus") == "2\n"
    assert bh.ok("qvm-prefs", "--hide-default", "work", "vcpus") == ""
    bh.ok("qvm-prefs", "tpl", "provides-network", "true")
    bh.ok("qvm-prefs", "work", "netvm", "tpl")
    assert bh.ok("qvm-prefs", "work", "netvm") == "tpl\n"
    bh.ok("qvm-prefs", "work", "netvm", "None")
    assert bh.ok("qvm-prefs", "work", "netvm") == ""
    assert "netvm                 -  None" in bh.ok("qvm-prefs", "work")


def test_prefs_errors(qubes):
    bh = qubes
    r = bh.run("qvm-prefs", "work", "vcpus", "many")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "qvm-prefs: error: vcpus: invalid integer value\n"
    r = bh.run("qvm-prefs", "work", "vcpus", "0")
    assert r.returncode == 1 and r.stderr == "qvm-prefs: error: vcpus must be greater than 0\n"
    r = bh.run("qvm-prefs", "work", "nosuch")
    assert r.returncode == 2 and r.stderr.endswith("qvm-prefs: error: no such property: 'nosuch'\n")
    r = bh.run("qvm-prefs", "work", "nosuch", "1")
    assert r.returncode == 2 and "no such property: 'nosuch'" in r.stderr
    r = bh.run("qvm-prefs", "nosuch")
    assert r.returncode == 2 and r.stderr.endswith("qvm-prefs: error: no such domain: 'nosuch'\n")
    r = bh.run("qvm-prefs", "work", "xid", "3")
    assert r.returncode == 1 and "read-only" in r.stderr
    r = bh.run("qvm-prefs", "work", "label", "mauve")
    assert r.returncode == 1 and r.stderr.startswith("qvm-prefs: error: ")
    r = bh.run("qvm-prefs")
    assert r.returncode == 2 and "required: VMNAME" in r.stderr


def test_qubes_prefs(qubes):
    bh = qubes
    out = bh.ok("qubes-prefs").splitlines()
    assert "default_template          D  None" in out
    assert "default_qrexec_timeout    D  60" in out
    bh.ok("qubes-prefs", "default_template", "tpl")
    assert bh.ok("qubes-prefs", "default_template") == "tpl\n"
    assert "default_template          -  tpl" in bh.ok("qubes-prefs")
    bh.ok("qvm-create", "-l", "red", "t-default")  # uses the default template now
    assert bh.ok("qvm-prefs", "t-default", "template") == "tpl\n"
    bh.ok("qubes-prefs", "default_template", "none")
    assert bh.ok("qubes-prefs", "default_template") == ""
    bh.ok("qubes-prefs", "-D", "default_template")
    r = bh.run("qubes-prefs", "default_netvm", "work")
    assert r.returncode == 1 and "does not provide network" in r.stderr
    r = bh.run("qubes-prefs", "nosuch")
    assert r.returncode == 2 and "no such property: 'nosuch'" in r.stderr


# ---- tags and features ----

def test_tags(qubes):
    bh = qubes
    assert bh.ok("qvm-tags", "work") == "audiovm-dom0\ncreated-by-dom0\nguivm-dom0\n"
    bh.ok("qvm-tags", "work", "add", "zeta", "alpha")
    assert bh.ok("qvm-tags", "work", "list") == (
        "alpha\naudiovm-dom0\ncreated-by-dom0\nguivm-dom0\nzeta\n")
    assert bh.ok("qvm-tags", "work", "ls", "alpha") == "alpha\n"
    r = bh.run("qvm-tags", "work", "l", "absent")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "")
    bh.ok("qvm-tags", "work", "del", "alpha", "absent")
    bh.ok("qvm-tags", "work", "u", "zeta")
    assert bh.ok("qvm-tags", "work") == "audiovm-dom0\ncreated-by-dom0\nguivm-dom0\n"
    r = bh.run("qvm-tags", "work", "add", "bad!tag")
    assert (r.returncode, r.stderr) == (1, "qvm-tags: error: Invalid tag name\n")
    r = bh.run("qvm-tags", "work", "add", "two words")
    assert r.returncode == 1 and "cannot contain spaces" in r.stderr
    r = bh.run("qvm-tags", "work", "frobnicate")
    assert r.returncode == 2 and "invalid choice: 'frobnicate'" in r.stderr
    r = bh.run("qvm-tags", "nosuch")
    assert r.returncode == 2 and "no such domain: 'nosuch'" in r.stderr


def test_features(qubes):
    bh = qubes
    assert bh.ok("qvm-features", "work") == ""
    bh.ok("qvm-features", "work", "service.cups", "1")
    bh.ok("qvm-features", "work", "os", "Linux")
    bh.ok("qvm-features", "work", "empty", "")
    assert bh.ok("qvm-features", "work") == (
        "empty         \nos            Linux\nservice.cups  1\n")
    assert bh.ok("qvm-features", "work", "os") == "Linux\n"
    r = bh.run("qvm-features", "work", "absent")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "")
    bh.ok("qvm-features", "work", "-D", "os")
    bh.ok("qvm-features", "--unset", "work", "os")  # unsetting again is fine
    r = bh.run("qvm-features", "work", "os")
    assert r.returncode == 1
    r = bh.run("qvm-features", "work", "bad@name", "1")
    assert r.returncode == 1
    assert re.fullmatch(r"qvm-features: error: .*feature name.*\n", r.stderr, re.I)
    r = bh.run("qvm-features", "work", "-D", "x", "y")
    assert r.returncode == 2 and "cannot both set and unset" in r.stderr
    r = bh.run("qvm-features", "work", "preload-dispvm", "1")
    assert r.returncode == 1 and "cannot be set" in r.stderr


# ---- qvm-check ----

def test_check(qubes):
    bh = qubes
    r = bh.run("qvm-check", "work")
    assert (r.returncode, r.stderr) == (0, "qvm-check: work: exists\n")
    r = bh.run("qvm-check", "work", "nosuch")
    assert (r.returncode, r.stderr) == (1, "qvm-check: work: exists\n"
                                           "qvm-check: nosuch: non-existent!\n")
    r = bh.run("qvm-check", "--running", "work")
    assert (r.returncode, r.stderr) == (1, "qvm-check: None of qubes: running\n")
    r = bh.run("qvm-check", "--running", "dom0")
    assert (r.returncode, r.stderr) == (0, "qvm-check: dom0: running\n")
    r = bh.run("qvm-check", "--template", "tpl", "work")
    assert (r.returncode, r.stderr) == (3, "qvm-check: tpl: template\n")
    r = bh.run("qvm-check", "-q", "--template", "tpl")
    assert (r.returncode, r.stderr) == (0, "")
    r = bh.run("qvm-check", "--networked", "work")
    assert r.returncode == 1
    bh.ok("qvm-prefs", "tpl", "provides_network", "True")
    r = bh.run("qvm-check", "--networked", "tpl", "work")
    assert (r.returncode, r.stderr) == (3, "qvm-check: tpl: networked\n")
    r = bh.run("qvm-check", "--all")
    assert (r.returncode, r.stderr) == (0, "qvm-check: tpl: exists\nqvm-check: work: exists\n")


# ---- lifecycle: bulkheadd answers errors today ----

def test_start_reports_the_server_error(qubes):
    bh = qubes
    r = bh.run("qvm-start", "work", "tpl")
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"Error: Starting qube failed: work: \S.*", lines[0])
    assert re.fullmatch(r"Error: Starting qube failed: tpl: \S.*", lines[1])
    assert bh.ok("qvm-ls", "--raw-list", "--halted") == "tpl\nwork\n"
    r = bh.run("qvm-start", "dom0")
    assert (r.returncode, r.stderr) == (
        1, "Error: Starting qube failed: dom0: Domain is already running\n")
    assert bh.run("qvm-start", "--skip-if-running", "dom0").returncode == 0
    r = bh.run("qvm-start")
    assert r.returncode == 2 and "one of the arguments --all VMNAME is required" in r.stderr
    r = bh.run("qvm-start", "work", "nosuch")
    assert r.returncode == 2 and "no such domain: 'nosuch'" in r.stderr


def test_shutdown_kill_pause(qubes):
    bh = qubes
    # halted qubes: nothing to do, as upstream
    assert bh.run("qvm-shutdown", "work").returncode == 0
    assert bh.run("qvm-shutdown", "--wait", "--force", "work", "tpl").returncode == 0
    assert bh.run("qvm-shutdown", "--all").returncode == 0
    assert bh.run("qvm-shutdown", "--timeout", "5", "work").returncode == 0
    # the server's own answers, passed on
    msg = bh.exc_message("admin.vm.Shutdown", "dom0")
    r = bh.run("qvm-shutdown", "dom0", "work")
    assert (r.returncode, r.stderr) == (1, f"Error: Failed to shut down: dom0: {msg}\n")
    assert bh.run("qvm-kill", "work").returncode == 0
    msg = bh.exc_message("admin.vm.Kill", "dom0")
    r = bh.run("qvm-kill", "dom0", "work")
    assert (r.returncode, r.stderr) == (1, f"Error: Failed to kill: dom0: {msg}\n")
    msg = bh.exc_message("admin.vm.Pause", "work")
    r = bh.run("qvm-pause", "work")
    assert (r.returncode, r.stderr) == (1, f"Error: Failed to pause: work: {msg}\n")
    m1 = bh.exc_message("admin.vm.Unpause", "work")
    m2 = bh.exc_message("admin.vm.Unpause", "tpl")
    r = bh.run("qvm-unpause", "work", "tpl")
    assert (r.returncode, r.stderr) == (1, f"Error: Failed to unpause/resume: work: {m1}\n"
                                           f"Error: Failed to unpause/resume: tpl: {m2}\n")
    msg = bh.exc_message("admin.vm.Suspend", "work")
    r = bh.run("qvm-pause", "--suspend", "work")
    assert (r.returncode, r.stderr) == (1, f"Error: Failed to suspend: work: {msg}\n")
    r = bh.run("qvm-shutdown", "--timeout", "x", "work")
    assert r.returncode == 2


# ---- qvm-remove ----

def test_remove(qubes):
    bh = qubes
    bh.ok("qvm-create", "-l", "red", "-t", "tpl", "gone")
    r = bh.run("qvm-remove", "gone", input="n\n")
    assert (r.returncode, r.stdout) == (1, "  gone\nAre you sure? [y/N] ")
    assert r.stderr == "This will completely remove the selected VM(s)...\nRemove cancelled.\n"
    assert bh.run("qvm-remove", "gone", input="").returncode == 1
    r = bh.run("qvm-remove", "gone", input="y\n")
    assert r.returncode == 0, r.stderr
    assert bh.ok("qvm-ls", "--raw-list") == "dom0\ntpl\nwork\n"
    r = bh.run("qvm-remove", "-f", "dom0")
    assert (r.returncode, r.stderr) == (1, "Domain 'dom0' cannot be removed.\n")
    bh.ok("qubes-prefs", "default_template", "tpl")
    r = bh.run("qvm-remove", "--force", "tpl")
    assert r.returncode == 1
    assert r.stderr == ("VM tpl cannot be removed. It is in use as:\n"
                        " - global property default_template\n"
                        " - template for work\n"
                        "qvm-remove: error: VM in use: 'tpl' is used as template of 'work'\n")
    bh.ok("qvm-remove", "-f", "work")
    bh.ok("qubes-prefs", "-D", "default_template")
    bh.ok("qvm-remove", "-f", "tpl")
    assert bh.ok("qvm-ls", "--raw-list") == "dom0\n"
    r = bh.run("qvm-remove", "-f", "work")
    assert r.returncode == 2 and "no such domain: 'work'" in r.stderr


# ---- terminal safety ----

def run_on_pty(argv, env, timeout=20):
    """Runs argv with stdout and stderr on a pseudo-terminal; returns
    (exit code, bytes written)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    out = b""
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert_clean(out)
    return os.waitstatus_to_exitcode(status), out


def test_values_are_escaped_on_a_terminal(qubes):
    bh = qubes
    bh.ok("qvm-prefs", "work", "kernelopts", "a\nb\tc")
    assert bh.ok("qvm-prefs", "work", "kernelopts") == "a\nb\tc\n"  # raw into a pipe
    code, out = run_on_pty([os.path.join(TOOLS, "qvm-prefs"), "work", "kernelopts"], bh.env())
    assert code == 0
    assert out == b"a\\x0ab\\x09c\r\n"
    code, out = run_on_pty([os.path.join(TOOLS, "qvm-ls"), "-O", "name,kernelopts", "work"],
                           bh.env())
    assert out == b"NAME  KERNELOPTS\r\nwork  a\\x0ab\\x09c\r\n"


def test_help_for_every_tool(bh):
    for tool in ("qvm-ls", "qvm-prefs", "qubes-prefs", "qvm-create", "qvm-remove",
                 "qvm-start", "qvm-shutdown", "qvm-kill", "qvm-pause", "qvm-unpause",
                 "qvm-tags", "qvm-features", "qvm-check", "qvm-run"):
        r = bh.run(tool, "--help")
        assert r.returncode == 0, tool
        assert r.stdout.startswith(f"usage: {tool} "), tool
        r = bh.run(tool, "--no-such-option")
        assert r.returncode == 2, tool
        assert r.stderr.endswith(f"{tool}: error: unrecognized arguments: --no-such-option\n")


# ---- qvm-run ----

def test_run_needs_a_started_qube(qubes):
    r = qubes.run("qvm-run", "work", "echo hi")
    assert r.returncode == 255
    assert re.fullmatch(r"Running 'echo hi' on work\nwork: \S.*\n", r.stderr)
    r = qubes.run("qvm-run", "-n", "work", "echo hi")
    assert (r.returncode, r.stderr) == (1, "Qube 'work' not started\n")
    r = qubes.run("qvm-run", "-q", "-n", "work", "echo hi")
    assert (r.returncode, r.stderr) == (1, "")
    r = qubes.run("qvm-run", "--dispvm", "echo")
    assert r.returncode == 2 and "--dispvm is not supported" in r.stderr
    r = qubes.run("qvm-run", "work")
    assert r.returncode == 2


class FakeQubesd:
    """Answers admin.vm.List (qubes given as running) and admin.vm.Start
    like qubesd, for the qvm-run tests that need a running qube."""

    def __init__(self, path, qubes):
        self.path = path
        self.qubes = qubes
        self.calls = []
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(path)
        self.sock.listen(16)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            data = b""
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                data += chunk
            header = data.split(b"\0", 1)[0].decode()
            method, _, _, dest = header.split(" ")
            self.calls.append((method, dest))
            if method == "admin.vm.List+":
                body = "".join(f"{n} class={c} state={s}\n" for n, c, s in self.qubes)
                c.sendall(b"0\0" + body.encode())
            elif method in ("admin.vm.Start+", "admin.vm.Unpause+"):
                c.sendall(b"0\0")
            else:
                c.sendall(b"2\0QubesException\0\0not in this stand-in\0")
            c.close()

    def close(self):
        self.sock.close()


def write_wrapper(path, world, domid, command):
    """A script running `command "$@"` with the world's vchan environment
    of domain `domid` (what the tools find as qrexec-client[-vm])."""
    env = world.env(domid)
    lines = ["#!/bin/sh", "unset VCHAN_SOCKET_DIR VCHAN_SOCKET_DIR_BASE VCHAN_BROKER"]
    lines += [f"export {k}='{v}'" for k, v in sorted(env.items()) if k.startswith("VCHAN_")]
    lines.append(f'exec {command} "$@"')
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o755)
    return path


@pytest.fixture
def runworld():
    root = tempfile.mkdtemp(prefix="bh-qvmrun.")
    w = World.up(root)
    fake = FakeQubesd(os.path.join(root, "fake-qubesd.sock"),
                      [("dom0", "AdminVM", "Running"), ("vault", "AppVM", "Running"),
                       ("work", "AppVM", "Paused"), ("halted", "AppVM", "Halted")])
    wrapper = write_wrapper(os.path.join(root, "qrexec-client"), w, 0,
                            f"{BIN}/qrexec-client --socket-dir={w.sockets}")
    env = dict(os.environ, QUBESD_SOCKET=fake.path, BULKHEAD_QREXEC_CLIENT=wrapper)
    env.pop("BULKHEAD_ADMIN_TRANSPORT", None)
    yield w, fake, env
    fake.close()
    w.down()


def qvm_run(env, *args, input=None):
    r = subprocess.run([os.path.join(TOOLS, "qvm-run"), *args], input=input,
                       capture_output=True, timeout=60, env=env)
    assert_clean(r.stderr)
    return r


def test_run_pass_io_and_exit_code(runworld):
    w, fake, env = runworld
    r = qvm_run(env, "-p", "vault", "echo out; echo err >&2; exit 7")
    assert (r.returncode, r.stdout, r.stderr) == (7, b"out\n", b"err\n")
    r = qvm_run(env, "--pass-io", "vault", "cat; echo done", input=b"stdin data\n")
    assert (r.returncode, r.stdout) == (0, b"stdin data\ndone\n")
    r = qvm_run(env, "-p", "vault", "printf", "%s|", "a b", "it's")
    assert r.stdout == b"a b|it's|"
    r = qvm_run(env, "-p", "-u", "root", "vault", "id -u")
    assert r.stdout == b"0\n"
    assert ("admin.vm.Start+", "vault") not in fake.calls  # running: not started


def test_run_without_pass_io(runworld):
    w, fake, env = runworld
    r = qvm_run(env, "vault", "echo hidden; exit 3")
    assert (r.returncode, r.stdout) == (3, b"")
    assert r.stderr == b"Running 'echo hidden; exit 3' on vault\nvault: command failed with code: 3\n"
    # paused: unpaused first; halted: started first
    r = qvm_run(env, "-p", "work", "echo from-work")
    assert ("admin.vm.Unpause+", "work") in fake.calls
    r = qvm_run(env, "-n", "halted", "true")
    assert (r.returncode, r.stderr) == (1, b"Qube 'halted' not started\n")
    r = qvm_run(env, "-n", "work", "true")
    assert (r.returncode, r.stderr) == (1, b"Qube 'work' is paused\n")


def test_run_service(runworld):
    w, fake, env = runworld
    w.service("vault", "test.Echo",
              "#!/bin/sh\necho \"from $QREXEC_REMOTE_DOMAIN arg=$1\"\ncat\nexit 4\n")
    r = qvm_run(env, "-p", "--service", "vault", "test.Echo+xyz", input=b"payload\n")
    assert (r.returncode, r.stdout) == (4, b"from dom0 arg=xyz\npayload\n")
    r = qvm_run(env, "--service", "vault", "--no-shell", "test.Echo")
    assert r.returncode == 2 and b"--no-shell does not apply to --service" in r.stderr


def test_run_filters_escapes_on_a_terminal(runworld):
    w, fake, env = runworld
    exe = os.path.join(TOOLS, "qvm-run")
    cmd = "printf 'A\\033[2JB\\n'; printf 'C\\033]0;x\\007D\\n' >&2"
    code, out = run_on_pty([exe, "-p", "vault", cmd], env)
    assert code == 0
    # our own colouring around, the remote's escape bytes as '_'
    assert b"A_[2JB" in out and b"C_]0;x\x07D" in out
    assert b"\033[2J" not in out and b"\033]0" not in out
    assert out.startswith(b"\033[0;31m")
    code, out = run_on_pty([exe, "-p", "--no-filter-escape-chars", "--no-colour-stderr",
                            "vault", "printf 'A\\033[2JB\\n'"], env)
    assert b"A\033[2JB" in out


# ---- the management-domain transport (qrexec-client-vm) ----

@pytest.fixture
def mgmt():
    """A qrexec world (policy daemon, agents and daemons for work and
    vault) whose dom0 admin.* services are bulkheadd's socket; the tools run
    "in work" through qrexec-client-vm."""
    root = tempfile.mkdtemp(prefix="bh-qvmmgmt.")
    os.chmod(root, 0o755)
    w = World(root)
    with open(w.system_info) as f:
        si = json.load(f)
    si["domains"]["tpl"] = dict(si["domains"]["work"], type="TemplateVM",
                                uuid="00000000-0000-0000-0000-000000000009")
    with open(w.system_info, "w") as f:
        json.dump(si, f)
    w.start_policy_daemon()
    for name in ("work", "vault"):
        w.start_agent(name)
    for name in ("work", "vault"):
        w.start_daemon(name)
    bh = Bulkhead(os.path.join(root, "bulkhead"), policy_dir=w.policy_dir)
    bh.ok("qvm-create", "-C", "TemplateVM", "-l", "black", "tpl")
    bh.ok("qvm-create", "-l", "red", "-t", "tpl", "work")
    bh.ok("qvm-create", "-l", "blue", "-t", "tpl", "vault")
    for m in ("admin.vm.List", "admin.vm.property.GetAll", "admin.vm.property.Get",
              "admin.vm.property.List",
              "admin.vm.tag.Set", "admin.vm.tag.List"):
        os.symlink(bh.socket, os.path.join(root, "dom0-rpc", m))
    wrapper = write_wrapper(os.path.join(root, "qrexec-client-vm"), w, 1,
                            f"{BIN}/qrexec-client-vm --agent-socket={w.agent_socket('work')}")
    env = bh.env(BULKHEAD_ADMIN_TRANSPORT="qrexec", BULKHEAD_QREXEC_CLIENT_VM=wrapper)
    yield w, bh, env
    bh.stop()
    kill_leftover_brokers(root)
    w.down()


def test_mgmt_domain_lists_through_qrexec(mgmt):
    w, bh, env = mgmt
    w.rule("admin.vm.List * work @adminvm allow target=dom0")
    w.rule("admin.vm.List * work @anyvm allow target=dom0")
    w.rule("admin.vm.property.GetAll * work @anyvm allow target=dom0")
    w.rule("admin.vm.property.GetAll * work @adminvm allow target=dom0")
    expected = bh.ok("qvm-ls", "-O", "name,class,label,template,vcpus")  # as dom0
    assert bh.ok("qvm-ls", "-O", "name,class,label,template,vcpus", env=env) == expected
    # bulkheadd filters admin.vm.List by policy for work: only dom0 (the
    # @adminvm rule) and vault are left
    with open(w.user_policy, "w") as f:
        f.write("admin.vm.List * work @adminvm allow target=dom0\n"
                "admin.vm.List * work vault allow target=dom0\n")
    time.sleep(0.3)
    assert bh.ok("qvm-ls", "--raw-list", env=env) == "dom0\nvault\n"


def test_mgmt_domain_falls_back_to_get_when_getall_is_refused(mgmt):
    w, bh, env = mgmt
    w.rule("admin.vm.List * work @adminvm allow target=dom0")
    w.rule("admin.vm.List * work @anyvm allow target=dom0")
    w.rule("admin.vm.property.GetAll * work @anyvm deny notify=no")
    w.rule("admin.vm.property.Get * work @anyvm allow target=dom0")
    w.rule("admin.vm.property.List * work @anyvm allow target=dom0")
    out = bh.ok("qvm-ls", "-O", "name,class,label,template,vcpus", env=env)
    # dom0: neither GetAll nor Get is allowed, so its cells are empty
    assert out == ("NAME   CLASS       LABEL  TEMPLATE  VCPUS\n"
                   "dom0   AdminVM     -      -         -\n"
                   "tpl    TemplateVM  black  -         2\n"
                   "vault  AppVM       blue   tpl       2\n"
                   "work   AppVM       red    tpl       2\n")
    listing = bh.ok("qvm-prefs", "vault", env=env).splitlines()
    assert "label                 -  blue" in listing


def test_mgmt_domain_refusals_are_access_errors(mgmt):
    w, bh, env = mgmt
    r = bh.run("qvm-ls", env=env)
    assert r.returncode == 1
    assert r.stderr.startswith("qvm-ls: error: cannot list qubes: dom0 admin.vm.List: "
                               "refused by qrexec policy")
    w.rule("admin.vm.List * work @adminvm allow target=dom0")
    w.rule("admin.vm.List * work @anyvm allow target=dom0")
    w.rule("admin.vm.tag.Set * work vault allow target=dom0")
    bh.ok("qvm-tags", "vault", "add", "managed", env=env)
    assert "managed" in bh.ok("qvm-tags", "vault")
    r = bh.run("qvm-tags", "tpl", "add", "managed", env=env)
    assert r.returncode == 1
    assert "tpl admin.vm.tag.Set+managed: refused by qrexec policy" in r.stderr
    # bulkheadd's own rule: only dom0 sets created-by- tags
    r = bh.run("qvm-tags", "vault", "add", "created-by-work", env=env)
    assert r.returncode == 1
    assert "only dom0 may set or remove created-by- tags" in r.stderr
    r = bh.run("qvm-tags", "vault", "add", "bad!", env=env)
    assert r.returncode == 1 and "can travel through qrexec" in r.stderr


def test_mgmt_domain_run(mgmt):
    """qvm-run in a management domain: qubes.VMShell (or the service) through
    qrexec-client-vm; the policy, not the tool, starts the target."""
    w, bh, env = mgmt
    w.rule("admin.vm.List * work @adminvm allow target=dom0")
    w.rule("admin.vm.List * work @anyvm allow target=dom0")
    w.service("vault", "qubes.VMShell", "#!/bin/sh\nexec /bin/sh\n")
    w.service("vault", "test.Echo", "#!/bin/sh\necho \"arg=$1 from $QREXEC_REMOTE_DOMAIN\"\n")
    w.allow("work", "vault", "qubes.VMShell")
    w.allow("work", "vault", "test.Echo+x")
    r = bh.run("qvm-run", "-p", "vault", "echo out; echo err >&2; exit 5", env=env)
    assert (r.returncode, r.stdout, r.stderr) == (5, "out\n", "err\n")
    r = bh.run("qvm-run", "-p", "--service", "vault", "test.Echo+x", env=env)
    assert (r.returncode, r.stdout) == (0, "arg=x from work\n")
    r = bh.run("qvm-run", "-p", "--service", "vault", "test.Echo+y", env=env)
    assert r.returncode == 126
    r = bh.run("qvm-run", "-u", "root", "vault", "true", env=env)
    assert r.returncode == 2 and "--user is only available in dom0" in r.stderr
