"""Domain sandboxes as real processes (run as root): what a domain cannot
see or do (other domains' files, sockets and processes; the host's /root,
/home, /var/lib/bulkhead, /etc/qubes/policy.d, secrets in /etc; network
interfaces other than lo; TIOCSTI, ptrace, the blocked system calls; any
socket toward dom0 but its qrexec socket dir), who it runs as (its own
host uid range, idmapped template), persistence of /rw, /home and
/usr/local across restarts (not /tmp), a qrexec call end to end from a
host qrexec-daemon into the domain, init (agent restarts, rc.local,
shutdown), and detaching: a domain outlives the process that started it
and is re-attached from its state file."""
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from sandboxlib import (PROBE, TOOL, Domain, host_uids, install_probe, proc_read,
                        uid_base, wait_until)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="domain sandboxes need root")


def kernel_has_userns():
    return os.path.exists("/proc/self/ns/user") and \
        open("/proc/sys/user/max_user_namespaces").read().strip() != "0"


if not kernel_has_userns():
    pytestmark = pytest.mark.skip(reason="this kernel has no user namespaces")


@pytest.fixture
def scratch():
    root = tempfile.mkdtemp(prefix="bh-sandbox.")
    os.chmod(root, 0o755)
    doms = []

    def make(name, qid, **kw):
        d = Domain(root, name, qid, **kw)
        doms.append(d)
        return d

    yield make
    for d in doms:
        d.destroy()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def dom():
    """One running domain with the probe in /rw, shared by read-only tests."""
    root = tempfile.mkdtemp(prefix="bh-sandbox-mod.")
    os.chmod(root, 0o755)
    d = Domain(root, "work", 101)
    with open(os.path.join(d.rpc, "test.Echo"), "w") as f:
        f.write("#!/bin/sh\necho \"echo from $QREXEC_REMOTE_DOMAIN arg=$1 "
                "user=$(id -un)\"; cat; exit 5\n")
    os.chmod(os.path.join(d.rpc, "test.Echo"), 0o755)
    d.probe = install_probe(d)
    d.start()
    yield d
    d.destroy()
    shutil.rmtree(root, ignore_errors=True)


# ---- identity ----

def test_domain_root_is_not_host_root(dom):
    base = uid_base(dom.qid)
    assert int(dom.info["uid_base"]) == base
    assert dom.out("id -u; id -g") == "0\n0\n"
    assert dom.out("cat /proc/self/uid_map").split() == ["0", str(base), "65536"]
    assert dom.out("cat /proc/self/gid_map").split() == ["0", str(base), "65536"]
    pids = dom.host_pids()
    assert len(pids) >= 2  # init and the agent
    for pid in pids:
        ids = host_uids(pid)
        if ids is None:
            continue  # a call's process that has finished meanwhile
        for u in ids[0] + ids[1]:
            assert base <= u < base + 65536, (pid, ids)
    # bwrap's monitor outside the domain's pid namespace is not root either
    uids, gids = host_uids(int(dom.info["bwrap"]))
    assert set(uids) == {base} and set(gids) == {base}


def test_user_is_real_and_maps_to_its_own_host_uid(dom):
    assert dom.out("id -u; id -un", user="user") == "1000\nuser\n"
    assert dom.out("id -un") == "root\n"
    # a process of "user", seen from the host
    dom.run("setsid sleep 30 >/dev/null 2>&1 </dev/null &", user="user")
    pid = wait_until(lambda: next((p for p in dom.host_pids()
                                   if (proc_read(p, "cmdline", "rb") or b"")
                                   .startswith(b"sleep\x0030")), None))
    assert pid
    uids, _ = host_uids(pid)
    assert set(uids) == {uid_base(dom.qid) + 1000}
    os.kill(pid, signal.SIGKILL)


def test_capabilities(dom):
    caps = dict(line.split(":\t") for line in dom.out("grep ^Cap /proc/self/status")
                .splitlines())
    # root keeps only CAP_SETUID and CAP_SETGID (to run calls as "user")
    # and CAP_KILL (to stop the domain's own processes of other users)
    assert int(caps["CapEff"], 16) == (1 << 5) | (1 << 6) | (1 << 7)
    assert int(caps["CapBnd"], 16) == (1 << 5) | (1 << 6) | (1 << 7)
    caps = dict(line.split(":\t") for line in dom.out("grep ^Cap /proc/self/status",
                                                      user="user").splitlines())
    assert int(caps["CapEff"], 16) == 0 and int(caps["CapPrm"], 16) == 0
    # and a bounded number of processes per uid, which root cannot raise
    assert dom.out("ulimit -u; ulimit -Hu") == "4096\n4096\n"
    assert dom.run("ulimit -Hu 100000").returncode != 0


def test_no_setid_caps_drops_everything(scratch):
    d = scratch("nocaps", 102, extra=["--no-setid-caps"])
    d.start()
    caps = dict(line.split(":\t") for line in d.out("grep ^Cap /proc/self/status")
                .splitlines())
    assert all(int(v, 16) == 0 for v in caps.values()), caps
    r = d.run("id", user="user")
    assert r.returncode != 0


def test_idmapped_template(dom):
    if dom.info.get("idmapped") != "yes":
        pytest.skip("idmapped mounts unavailable here: " + dom.start_stderr)
    # host root's files belong to the domain's root, read-only
    assert dom.out("stat -c %u:%g /usr/bin/ls /etc/fstab") == "0:0\n0:0\n"
    r = dom.run("touch /usr/bin/bh-x")
    assert r.returncode != 0 and b"Read-only" in r.stderr
    assert os.stat("/usr/bin/ls").st_uid == 0  # the host's view is unchanged


def test_idmap_refused_falls_back_loudly(scratch):
    """A template /etc on ramfs (no idmapped mounts there): the domain still
    starts, with a warning, and host root's files show as nobody."""
    tpl = tempfile.mkdtemp(prefix="bh-ramfs-tpl.")
    r = subprocess.run(["mount", "-t", "ramfs", "ramfs", tpl], capture_output=True)
    if r.returncode != 0:
        os.rmdir(tpl)
        pytest.skip("cannot mount a ramfs here: " + r.stderr.decode())
    usr = os.path.join(tpl, "usr")
    try:
        os.mkdir(usr)
        subprocess.run(["mount", "--bind", "/usr", usr], check=True)
        subprocess.run(["cp", "-a", "/etc", os.path.join(tpl, "etc")], check=True)
        for top in ("bin", "sbin", "lib", "lib64"):
            if os.path.islink("/" + top):
                os.symlink(os.readlink("/" + top), os.path.join(tpl, top))
        d = scratch("fallback", 116, extra=["--template-root", tpl])
        d.start()
        assert d.info["idmapped"] == "no"
        assert "WARNING: idmapped mount of" in d.start_stderr
        assert d.out("stat -c %u /etc/fstab; cat /etc/hostname") == "65534\nfallback\n"
        assert d.run("test -e /etc/shadow").returncode == 1
        d.stop()
    finally:
        subprocess.run(["umount", usr], capture_output=True)
        subprocess.run(["umount", tpl], capture_output=True)
        os.rmdir(tpl)


def test_failed_start_leaves_nothing_running(scratch):
    d = scratch("broken", 117, extra=["--init", "/bin/false"])
    r = d.tool(*d.start_args(), check=False)
    assert r.returncode == 1 and "init" in r.stderr and "startup" in r.stderr, r.stderr
    assert d.status()[0] == 3
    base = uid_base(117)

    def live_in_range():
        out = []
        for p in filter(str.isdigit, os.listdir("/proc")):
            ids, stat = host_uids(p), proc_read(p, "stat")
            if ids and stat and ids[0][0] == base and stat.rsplit(")", 1)[1].split()[0] != "Z":
                out.append(p)
        return out
    assert wait_until(lambda: not live_in_range()), live_in_range()
    # a bad template is refused before anything starts
    d2 = scratch("notpl", 118, extra=["--template-root", "/nonexistent-template"])
    r = d2.tool(*d2.start_args(), check=False)
    assert r.returncode == 1 and "/nonexistent-template" in r.stderr


def test_hostname_and_qubesdb(dom):
    assert dom.out("hostname; cat /etc/hostname") == "work\nwork\n"
    assert dom.out("qubesdb-read /name /type /default-user /qubes-vm-persistence",
                   user="user") == "work\nAppVM\nuser\nrw-only\n"
    r = dom.run("qubesdb-read /no-such-key")
    assert r.returncode == 2 and b"Failed to read /no-such-key" in r.stderr
    r = dom.run("qubesdb-read -q /no-such-key")
    assert r.returncode == 2 and r.stderr == b""
    assert dom.out("qubesdb-read -e fallback /no-such-key") == "fallback\n"
    assert dom.out("qubesdb-read -f /name") == "/name = work\n"
    assert dom.run("echo x > /run/qubes/qubesdb").returncode != 0


def test_passwd_group_synthesized(dom):
    pw = dom.out("cat /etc/passwd")
    assert [line.split(":")[0] for line in pw.splitlines()] == ["root", "user", "nobody"]
    assert dom.out("getent passwd user").startswith("user:x:1000:1000:")
    assert "root" not in dom.out("cat /etc/group | cut -d: -f1 | grep -v root || true")


# ---- what a domain cannot see ----

MARK = "bh-secret-" + secrets.token_hex(6)


@pytest.fixture
def host_secrets():
    """Files with a known marker in the host's private places (removed
    afterwards; directories are created only if missing, and removed only
    if created here)."""
    made_dirs, made_files = [], []

    def mkdir(p):
        if not os.path.isdir(p):
            mkdir(os.path.dirname(p))
            os.mkdir(p)
            made_dirs.append(p)

    def put(path, mode=0o644):
        mkdir(os.path.dirname(path))
        with open(path, "w") as f:
            f.write(MARK + "\n")
        os.chmod(path, mode)
        made_files.append(path)

    paths = {
        "root": f"/root/{MARK}",
        "home": f"/home/{MARK}/notes",
        "varlib": f"/var/lib/bulkhead/{MARK}",
        "policy": f"/etc/qubes/policy.d/10-{MARK}.policy",
        "dom0rpc": f"/etc/qubes-rpc/bh.{MARK}",
        "sshkey": f"/etc/ssh/ssh_host_{MARK}_key",
        "sudoers": f"/etc/sudoers.d/{MARK}",
        "etcsecret": f"/etc/{MARK}.conf",
        "hosttmp": f"/tmp/{MARK}",
        "hostrun": f"/run/{MARK}",
    }
    for k, p in paths.items():
        put(p, 0o600 if k in ("sshkey", "etcsecret") else 0o644)
    if f"/home/{MARK}" not in made_dirs:
        made_dirs.append(f"/home/{MARK}")
    yield paths
    for p in made_files:
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass
    for p in reversed(made_dirs):
        shutil.rmtree(p, ignore_errors=True)


def test_host_secrets_and_state_are_invisible(scratch, host_secrets):
    d = scratch("seer", 103)
    d.start()
    for k, p in host_secrets.items():
        r = d.run(f"cat {p}")
        assert MARK.encode() not in r.stdout, (k, p, r)
    # whole trees: not there at all
    assert d.out("ls -A /root") == ""
    assert d.out("ls -A /home") == "user\n"
    assert d.run("test -e /var/lib/bulkhead").returncode == 1
    assert d.out("ls -A /etc/qubes") == "rpc-config\n"
    assert d.run("test -e /etc/qubes/policy.d").returncode == 1
    assert d.out("ls -A /etc/qubes-rpc") == ""  # the template's (empty), not dom0's
    # secrets in /etc do not exist at all
    for p in ("/etc/shadow", "/etc/gshadow", host_secrets["sshkey"],
              host_secrets["etcsecret"], "/etc/sudoers.d", "/etc/ssl/private"):
        assert d.run(f"test -e {p} || test -L {p}").returncode == 1, p
    assert MARK not in d.out("ls -a /etc /etc/ssh")
    # and nothing readable anywhere carries the marker
    r = d.run(f"grep -rIl {MARK} /etc /root /home /var /run /tmp /rw /usr/local /opt "
              "2>/dev/null; true")
    assert r.stdout == b"", r.stdout


def test_domains_cannot_see_each_other(scratch):
    a = scratch("alpha", 104)
    b = scratch("beta", 105)
    a.start()
    b.start()
    pa, pb = install_probe(a), install_probe(b)
    amark = "alpha-" + secrets.token_hex(6)
    a.out(f"echo {amark} > /rw/{amark}; echo {amark} > /tmp/{amark}")
    a.out(f"echo {amark} > /home/user/{amark}", user="user")
    # a process, a path socket and an abstract socket in alpha
    a.run(f"setsid python3 -c 'import socket,time;"
          f"s=socket.socket(socket.AF_UNIX);s.bind(\"/tmp/{amark}.sock\");s.listen();"
          f"t=socket.socket(socket.AF_UNIX);t.bind(\"\\0{amark}\");t.listen();"
          f"time.sleep(300)' {amark} >/dev/null 2>&1 </dev/null &")
    assert wait_until(lambda: amark in a.out("cat /proc/net/unix"))
    # beta: none of it
    r = b.run(f"grep -rl {amark} /rw /tmp /home /run /var 2>/dev/null; true")
    assert r.stdout == b""
    assert amark not in b.out("ps -eo args")
    assert amark not in b.out("cat /proc/net/unix")
    assert b.out(f"{pb} connect-abstract {amark}") == "ECONNREFUSED\n"
    assert b.out(f"{pb} connect /tmp/{amark}.sock") == "ENOENT\n"
    # alpha's processes are not even addressable from beta
    for hp in a.host_pids():
        assert b.out(f"{pb} kill {hp}") in ("ESRCH\n",), hp
    # from the host: disjoint uid ranges, disjoint pid namespaces
    ra = {u for p in a.host_pids() for u in (host_uids(p) or ([], []))[0]}
    rb = {u for p in b.host_pids() for u in (host_uids(p) or ([], []))[0]}
    assert ra and rb and not (ra & rb)
    assert not set(a.host_pids()) & set(b.host_pids())
    assert os.stat(os.path.join(a.private, amark)).st_uid == a.base
    assert a.out(f"{pa} connect-abstract {amark}") == "ok\n"  # works in its own domain


def test_no_network_but_lo(dom):
    devs = [line.split(":")[0].strip() for line in
            dom.out("cat /proc/net/dev").splitlines()[2:]]
    assert devs == ["lo"]
    links = dom.out("ip -o link show | cut -d: -f2").split()
    assert links == ["lo"]
    r = dom.run("python3 -c 'import socket; socket.create_connection((\"192.0.2.1\", 53), 2)'")
    assert r.returncode != 0 and b"unreachable" in r.stderr.lower()


def test_networked_domain_shares_host_net_but_not_abstract_sockets(scratch):
    d = scratch("netter", 106, net=True)
    d.start()
    probe = install_probe(d)
    host_devs = sorted(line.split(":")[0].strip() for line in
                       open("/proc/net/dev").read().splitlines()[2:])
    devs = sorted(line.split(":")[0].strip() for line in
                  d.out("cat /proc/net/dev").splitlines()[2:])
    assert devs == host_devs
    if d.info.get("landlock") != "yes":
        pytest.skip("kernel without Landlock scopes (ABI 6): " + d.start_stderr)
    name = "bh-host-" + secrets.token_hex(6)
    s = socket.socket(socket.AF_UNIX)
    s.bind("\0" + name)
    s.listen()
    try:
        assert d.out(f"{probe} connect-abstract {name}") == "EPERM\n"
        # an abstract socket of the domain's own is fine
        d.run(f"setsid python3 -c 'import socket,time;t=socket.socket(socket.AF_UNIX);"
              f"t.bind(\"\\0{name}-in\");t.listen();time.sleep(60)' "
              ">/dev/null 2>&1 </dev/null &")
        assert wait_until(lambda: d.out(f"{probe} connect-abstract {name}-in") == "ok\n")
        # and signals do not leave the domain
        assert d.out(f"{probe} kill {os.getpid()}") in ("EPERM\n", "ESRCH\n")
    finally:
        s.close()


# ---- what a domain cannot do ----

BLOCKED = {
    "ptrace-traceme": "EPERM", "ptrace-attach 1": "EPERM", "vm-read 1": "EPERM",
    "keyctl": "EPERM", "add-key": "EPERM", "request-key": "EPERM", "bpf": "EPERM",
    "perf": "EPERM", "userfaultfd": "EPERM", "mount": "EPERM", "umount": "EPERM",
    "pivot-root": "EPERM", "open-tree": "EPERM", "fsopen": "EPERM", "fsmount": "EPERM",
    "fspick": "EPERM", "move-mount": "EPERM", "mount-setattr": "EPERM",
    "open-tree-attr": "EPERM", "kexec": "EPERM", "init-module": "EPERM",
    "finit-module": "EPERM", "delete-module": "EPERM", "setns": "EPERM",
    "unshare-user": "EPERM", "clone-user": "EPERM", "clone3": "ENOSYS",
    "io-uring": "ENOSYS", "syslog": "EPERM", "nr 470": "ENOSYS", "nr 460": "ENOSYS",
    "socket 40": "EAFNOSUPPORT",   # AF_VSOCK
    "socket 17": "EAFNOSUPPORT",   # AF_PACKET
    "socket 38": "EAFNOSUPPORT",   # AF_ALG
    "socket 15": "EAFNOSUPPORT",   # AF_KEY
    "socket 31": "EAFNOSUPPORT",   # AF_BLUETOOTH
    "socket 0x100000001": "EAFNOSUPPORT",  # AF_UNIX with high bits: refused
    "socket 1": "ok", "socket 2": "ok", "socket 10": "ok", "socket 16": "ok",
    "tiocsti": "EPERM", "tiocsti-hi": "EPERM", "tioclinux": "EPERM",
}


def probe_all(d, probe, ops, user="root"):
    script = "; ".join(f"echo \"{op}=$({probe} {op})\"" for op in ops)
    out = d.out(script, user=user)
    return dict(line.split("=", 1) for line in out.splitlines())


def test_seccomp_blocks(dom):
    got = probe_all(dom, dom.probe, BLOCKED)
    assert got == BLOCKED
    assert probe_all(dom, dom.probe, BLOCKED, user="user") == BLOCKED


def test_tiocsti_blocked_although_the_kernel_allows_it(dom):
    # on the host, unfiltered, the kernel accepts TIOCSTI on our own tty
    # (dev.tty.legacy_tiocsti=1): the domain's refusal is the filter's
    host = subprocess.run([PROBE, "tiocsti"], capture_output=True, text=True).stdout
    legacy = open("/proc/sys/dev/tty/legacy_tiocsti").read().strip() \
        if os.path.exists("/proc/sys/dev/tty/legacy_tiocsti") else "1"
    if legacy == "1":
        assert host == "ok\n"
    assert dom.out(f"{dom.probe} tiocsti; {dom.probe} tiocsti-hi") == "EPERM\nEPERM\n"


def test_other_architectures_are_killed(dom):
    # x32 system calls: SIGSYS, the process dies
    assert dom.out(f"{dom.probe} x32; echo rc=$?") == f"rc={128 + signal.SIGSYS}\n"
    # the i386 entry point (int 0x80), where the machine has it
    host = subprocess.run([PROBE, "int80"], capture_output=True, text=True)
    if host.returncode != 0:
        pytest.skip(f"int 0x80 does not work on this machine even unfiltered "
                    f"(signal {-host.returncode})")
    assert dom.out(f"{dom.probe} int80; echo rc=$?") == f"rc={128 + signal.SIGSYS}\n"


def test_ptrace_and_signals_do_not_reach_outside(dom):
    me = os.getpid()
    assert dom.out(f"{dom.probe} ptrace-attach {me}") in ("EPERM\n", "ESRCH\n")
    assert dom.out(f"{dom.probe} kill {me}") == "ESRCH\n"
    # the domain's /proc shows its own processes only
    cmds = dom.out("ps -eo args").splitlines()[1:]
    assert cmds[0].startswith("/opt/bulkhead/bin/bulkhead-init")
    assert all("pytest" not in c and "qrexec-daemon" not in c for c in cmds)
    # init's descriptors (the host log) are out of reach
    r = dom.run("ls -l /proc/1/fd")
    assert r.returncode != 0 and b"Permission denied" in r.stderr


def test_only_socket_path_toward_dom0_is_the_vchan_dir(dom):
    # path sockets reachable in the domain's file system
    out = dom.out("find / -xdev -type s 2>/dev/null; "
                  "find /run /tmp /rw /home /var /dev/shm -type s 2>/dev/null; true")
    socks = set(out.split())
    assert socks, "no sockets at all?"
    for s in socks:
        assert s.startswith("/run/vchan/") or s == "/run/qubes/qrexec-agent", s
    # the sockets the domain's network namespace knows
    paths = {line.split()[7] for line in dom.out("cat /proc/net/unix").splitlines()[1:]
             if len(line.split()) > 7}
    for p in paths:
        # (a socket keeps the name it was bound with: the agent binds a
        # temporary name through /var/run, a symlink to /run)
        assert re.match(r"(/var)?/run/(vchan|qubes)/|@|/tmp/", p), p
    # the only read-write mounts of host storage: private dir and vchan dir
    rw = set()
    for line in dom.out("cat /proc/self/mountinfo").splitlines():
        f = line.split()
        mnt, opts, src = f[4], f[5], f[f.index("-") + 2]
        if src.startswith("/dev/") and "rw" in opts.split(","):
            rw.add(mnt)
    assert rw == {"/rw", "/home", "/usr/local", "/run/vchan"}, rw
    # the host's own sockets (daemon socket dir, /run, /tmp) do not exist here
    for p in (os.path.join(dom.sockets, "qrexec.work"), "/run/qubes/policy.sock",
              "/run/qubesd.sock"):
        assert dom.out(f"{dom.probe} connect {p}") == "ENOENT\n", p


def test_vchan_dir_is_dom0s_and_takes_no_symlinks(dom):
    st = os.stat(dom.vchan)
    assert (st.st_uid, st.st_mode & 0o7777) == (0, 0o1777)
    # the domain can make sockets there, not symlinks (a planted symlink
    # could lead a dom0 process that connects there to a host socket)
    r = dom.run("ln -s /run/qubesd.sock /run/vchan/vchan.101.0.9999.sock")
    assert r.returncode != 0 and b"Permission denied" in r.stderr, r
    assert not os.path.lexists(os.path.join(dom.vchan, "vchan.101.0.9999.sock"))
    # and dom0's sockets there are not the domain's to remove
    path = os.path.join(dom.vchan, "vchan.0.101.9998.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    try:
        r = dom.run("rm -f /run/vchan/vchan.0.101.9998.sock; mv /run/vchan/vchan.0.101.9998.sock "
                    "/run/vchan/x 2>&1; true")
        assert os.path.exists(path)
    finally:
        s.close()
        os.unlink(path)
    # elsewhere symlinks and renames across directories work as usual
    assert dom.out("ln -sf /etc/hostname /tmp/l && cat /tmp/l && mkdir -p /rw/a /rw/b && "
                   "touch /rw/a/f && mv /rw/a/f /rw/b/f && ln /rw/b/f /rw/a/g && echo ok; "
                   "rm -rf /rw/a /rw/b") == "work\nok\n"


def test_readonly_root_and_etc(dom):
    for path in ("/etc/bh-x", "/bh-x", "/usr/bh-x", "/opt/bulkhead/bin/bh-x"):
        assert dom.run(f"touch {path}").returncode != 0, path


def test_environment_is_clean(scratch):
    d = scratch("envy", 107, env={"BH_EXTRA": "yes"})
    d.start(env=dict(os.environ, BH_LEAK="leaked"))
    env = d.out("env")
    assert "BH_LEAK" not in env
    assert "BH_EXTRA=yes" in env
    assert "VCHAN_DOMAIN=107" in env


# ---- persistence ----

def test_rw_home_usrlocal_persist_tmp_does_not(scratch):
    d = scratch("keeper", 108)
    d.start()
    d.out("echo rw > /rw/p; echo ul > /usr/local/p; echo tmp > /tmp/p; echo var > /var/p; "
          "echo root > /root/p")
    d.out("echo home > ~/p", user="user")
    assert d.stop().returncode == 0
    d.start()
    assert d.out("cat /rw/p /usr/local/p") == "rw\nul\n"
    # (root has no CAP_DAC_OVERRIDE: user's 0700 home is user's)
    assert d.out("cat /home/user/p", user="user") == "home\n"
    assert d.out("ls -A /tmp /var/tmp; test -e /var/p || echo novar; "
                 "test -e /root/p || echo noroot") == "/tmp:\n\n/var/tmp:\nnovar\nnoroot\n"
    # /home is /rw/home, /usr/local is /rw/usrlocal
    assert d.out("cat /rw/home/user/p /rw/usrlocal/p", user="user") == "home\nul\n"
    assert os.stat(os.path.join(d.private, "home", "user", "p")).st_uid == d.base + 1000


# ---- qrexec into the domain ----

def test_qrexec_call_end_to_end(dom):
    r = dom.run("id -u")
    assert (r.stdout, r.returncode) == (b"0\n", 0)
    r = dom.run("id -u", user="user")
    assert (r.stdout, r.returncode) == (b"1000\n", 0)
    r = dom.run("echo out; echo err >&2; exit 7")
    assert (r.stdout, r.stderr, r.returncode) == (b"out\n", b"err\n", 7)
    # an RPC service from the template's /etc/qubes-rpc, as the default user
    e = dict(os.environ, VCHAN_SOCKET_DIR=dom.vchan, VCHAN_DOMAIN="0")
    from conftest import BIN
    r = subprocess.run([f"{BIN}/qrexec-client", f"--socket-dir={dom.sockets}", "-d", "work",
                        "user:QUBESRPC test.Echo+a1 dom0"], input=b"ping\n",
                       capture_output=True, env=e, preexec_fn=lambda: os.umask(0), timeout=30)
    assert r.stdout == b"echo from dom0 arg=a1 user=user\nping\n", r
    assert r.returncode == 5


# ---- init ----

def test_init_restarts_the_agent(scratch):
    d = scratch("phoenix", 109)
    d.start()
    init = d.pid()

    def agents():
        out = []
        for p in d.host_pids():
            comm, stat = proc_read(p, "comm"), proc_read(p, "stat")
            if comm and stat and comm.strip() == "qrexec-agent" and \
                    int(stat.rsplit(")", 1)[1].split()[1]) == init:
                out.append(p)
        return out
    first = agents()
    assert len(first) == 1
    os.kill(first[0], signal.SIGKILL)
    again = wait_until(lambda: [p for p in agents() if p != first[0]], timeout=5)
    assert again
    d.start_daemon()  # reconnect to the new agent
    assert wait_until(lambda: d.run("echo back").stdout == b"back\n", timeout=10)


def test_rc_local_runs_at_start(scratch):
    d = scratch("rcer", 110)
    os.makedirs(os.path.join(d.private, "config"))
    rc = os.path.join(d.private, "config", "rc.local")
    with open(rc, "w") as f:
        f.write("#!/bin/sh\nid -u > /rw/rc-ran\nhostname >> /rw/rc-ran\n")
    os.chmod(rc, 0o755)
    d.start(daemon=False)
    out = os.path.join(d.private, "rc-ran")
    assert wait_until(lambda: os.path.exists(out) and open(out).read() == "0\nrcer\n")


def test_stop_is_clean_and_kills_after_timeout(scratch):
    d = scratch("stopper", 111)
    d.start()
    assert d.stop().stdout == "stopped stopper exit=0\n"
    assert d.status()[0] == 3
    d.start()
    # a process that ignores SIGTERM holds init's orderly shutdown (3 s
    # grace); a 300 ms stop timeout ends it with SIGKILL
    d.run("setsid sh -c 'trap \"\" TERM; : > /rw/trapped; exec sleep 100' "
          ">/dev/null 2>&1 </dev/null &")
    # the background shell must have set its trap before the stop starts
    assert wait_until(lambda: os.path.exists(os.path.join(d.private, "trapped")))
    t0 = time.time()
    r = d.stop(timeout_ms=300)
    assert r.stdout == f"stopped stopper exit={128 + signal.SIGKILL}\n", r
    assert time.time() - t0 < 2.5


def test_daemons_of_other_users_do_not_hold_the_stop(scratch):
    # a daemon of "user" (as gpg-agent in a vault) gets init's TERM, and
    # one that ignores it dies with init after the grace period
    d = scratch("userd", 113)
    d.start()
    d.run("setsid sleep 1000 >/dev/null 2>&1 </dev/null &", user="user")
    d.run("setsid sh -c 'trap \"\" TERM; : > /tmp/t; exec sleep 1000' "
          ">/dev/null 2>&1 </dev/null &", user="user")
    assert wait_until(lambda: d.run("test -e /tmp/t").returncode == 0)
    t0 = time.time()
    r = d.stop(timeout_ms=20000)
    assert r.stdout == "stopped userd exit=0\n", r
    assert time.time() - t0 < 10
    assert d.status()[0] == 3


# ---- lifecycle: detach and re-attach ----

def test_domain_survives_its_starter_and_reattaches(scratch):
    d = scratch("survivor", 112)
    # the starter is a process of its own that is SIGKILLed right away
    starter = subprocess.Popen([TOOL, *d.start_args(), "--run-dir", d.run_dir],
                               stdout=subprocess.PIPE, text=True)
    line = starter.stdout.readline()
    starter.kill()
    starter.wait()
    info = dict(kv.split("=", 1) for kv in line.split()[2:])
    init, bwrap = int(info["pid"]), int(info["bwrap"])
    assert os.path.exists(f"/proc/{init}")
    # not our child, own session
    ppid = int(open(f"/proc/{bwrap}/stat").read().rsplit(")", 1)[1].split()[1])
    assert ppid != os.getpid() and ppid != starter.pid
    assert os.getsid(init) != os.getsid(0)
    # a new process finds it from the state file
    code, st = d.status()
    assert code == 0 and st["pid"] == str(init) and st["uid_base"] == str(d.base)
    d.info = {"pid": str(init)}
    d.start_daemon()
    assert d.out("hostname") == "survivor\n"
    r = d.stop()
    assert r.stdout == "stopped survivor exit=0\n"
    assert not os.path.exists(os.path.join(d.run_dir, "survivor", "state"))
    assert wait_until(lambda: not os.path.exists(f"/proc/{init}"))


def test_start_refused_when_running_or_private_dir_is_foreign(scratch):
    d = scratch("twice", 113)
    d.start(daemon=False)
    r = d.tool(*d.start_args(), check=False)
    assert r.returncode == 1 and "already running" in r.stderr
    # another domain (other qid) must not take this one's private dir
    other = scratch("thief", 114)
    other.private = d.private
    r = other.tool(*other.start_args(), check=False)
    assert r.returncode == 1 and "outside this domain's range" in r.stderr, r.stderr


def test_stale_state_is_cleaned(scratch):
    d = scratch("ghost", 115)
    d.start(daemon=False)
    init = d.pid()
    os.kill(init, signal.SIGKILL)
    assert wait_until(lambda: d.status()[0] == 3)
    assert not os.path.exists(os.path.join(d.run_dir, "ghost", "state"))
    d.start(daemon=False)  # and it starts again
    assert d.status()[0] == 0
