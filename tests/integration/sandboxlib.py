"""Helpers for tests and benchmarks of real domain sandboxes: a Domain
started with the bulkhead-sandbox tool on scratch directories (private
dir, qrexec socket dir, run dir), a host qrexec-daemon attached to it, and
commands run inside through qrexec-client (dom0 -> domain). Everything is
torn down by Domain.destroy()."""
import os
import shutil
import subprocess
import time

from conftest import BIN, BUILD, wait_for

SBIN = os.path.abspath(os.path.join(BUILD, "domains"))
TOOL = os.path.join(SBIN, "bulkhead-sandbox")
PROBE = os.path.join(SBIN, "sandbox-probe")
DENY_POLICY = "#!/bin/sh\necho result=deny\nexit 1\n"


def uid_base(qid):
    return 0x100000 + qid * 0x10000


def umask0():
    # host-side vchan sockets must be connectable by the domain's root,
    # which is not host root: the socket dir is the access boundary
    os.umask(0)


def parse_kv(line):
    out = {}
    for tok in line.split():
        k, sep, v = tok.partition("=")
        if sep:
            out[k] = v
    return out


class Domain:
    def __init__(self, root, name, qid, net=False, extra=(), env=None):
        self.root = root
        self.name = name
        self.qid = qid
        self.net = net
        self.extra = list(extra)
        self.env_extra = env or {}
        d = os.path.join(root, name)
        self.private = os.path.join(d, "private")
        self.vchan = os.path.join(d, "vchan")
        self.sockets = os.path.join(d, "sockets")
        self.rpc = os.path.join(d, "rpc")
        self.rpc_config = os.path.join(d, "rpc-config")
        self.run_dir = os.path.join(root, "run")
        self.policy = os.path.join(d, "deny-policy")
        for p in (self.sockets, self.rpc, self.rpc_config):
            os.makedirs(p, exist_ok=True)
        with open(self.policy, "w") as f:
            f.write(DENY_POLICY)
        os.chmod(self.policy, 0o755)
        self.daemon = None
        self.info = {}

    @property
    def base(self):
        return uid_base(self.qid)

    def tool(self, *args, check=True, env=None, timeout=60):
        r = subprocess.run([TOOL, *args, "--run-dir", self.run_dir], capture_output=True,
                           text=True, env=env, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError(f"bulkhead-sandbox {args[0]} failed ({r.returncode}): "
                               f"{r.stdout}{r.stderr}")
        return r

    def start_args(self):
        a = ["start", "--name", self.name, "--qid", str(self.qid), "--private", self.private,
             "--vchan-dir", self.vchan, "--rpc-dir", self.rpc,
             "--rpc-config-dir", self.rpc_config]
        if self.net:
            a.append("--net")
        for k, v in self.env_extra.items():
            a += ["--env", f"{k}={v}"]
        # sanitizer builds: the same options inside, minus LeakSanitizer,
        # which needs ptrace (blocked in domains)
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                v = os.environ[k]
                if k == "ASAN_OPTIONS":
                    v = ":".join([o for o in v.split(":") if not o.startswith("detect_leaks")]
                                 + ["detect_leaks=0"])
                a += ["--env", f"{k}={v}"]
        return a + self.extra

    def start(self, daemon=True, env=None):
        r = self.tool(*self.start_args(), env=env)
        self.info = parse_kv(r.stdout)
        self.start_stderr = r.stderr
        if daemon:
            self.start_daemon()
        return self.info

    def start_daemon(self):
        self.stop_daemon()
        e = dict(os.environ, VCHAN_SOCKET_DIR=self.vchan, VCHAN_DOMAIN="0")
        sock = os.path.join(self.sockets, f"qrexec.{self.name}")
        self.daemon = subprocess.Popen(
            [f"{BIN}/qrexec-daemon", "--direct",
             f"--uuid=00000000-0000-0000-0000-{self.qid:012d}",
             f"--socket-dir={self.sockets}", f"--policy-program={self.policy}",
             str(self.qid), self.name, "root"],
            env=e, preexec_fn=umask0, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(sock, timeout=20)

    def stop_daemon(self):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.terminate()
            try:
                self.daemon.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        self.daemon = None

    def run(self, cmd, user="root", input=b"", timeout=60):
        """Runs a shell command inside as USER through qrexec."""
        e = dict(os.environ, VCHAN_SOCKET_DIR=self.vchan, VCHAN_DOMAIN="0")
        return subprocess.run([f"{BIN}/qrexec-client", f"--socket-dir={self.sockets}",
                               "-d", self.name, f"{user}:{cmd}"],
                              input=input, capture_output=True, timeout=timeout, env=e,
                              preexec_fn=umask0)

    def out(self, cmd, user="root"):
        r = self.run(cmd, user)
        assert r.returncode == 0, (cmd, r)
        return r.stdout.decode()

    def status(self):
        r = self.tool("status", "--name", self.name, check=False)
        return r.returncode, parse_kv(r.stdout)

    def stop(self, timeout_ms=5000):
        self.stop_daemon()
        r = self.tool("stop", "--name", self.name, "--timeout", str(timeout_ms), check=False)
        return r

    def pid(self):
        return int(self.info["pid"])

    def host_pids(self):
        """Host pids of every process in the domain's pid namespace."""
        ns = os.readlink(f"/proc/{self.pid()}/ns/pid")
        pids = []
        for p in os.listdir("/proc"):
            if p.isdigit():
                try:
                    if os.readlink(f"/proc/{p}/ns/pid") == ns:
                        pids.append(int(p))
                except OSError:
                    pass
        return pids

    def destroy(self):
        self.stop(timeout_ms=1000)


def proc_read(pid, name, mode="r"):
    """/proc/PID/NAME, or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/{name}", mode) as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None


def host_uids(pid):
    """(uids, gids) of a process, or None once it is gone."""
    st = proc_read(pid, "status")
    if st is None:
        return None
    uids = gids = None
    for line in st.splitlines():
        if line.startswith("Uid:"):
            uids = [int(x) for x in line.split()[1:]]
        if line.startswith("Gid:"):
            gids = [int(x) for x in line.split()[1:]]
    return uids, gids


def wait_until(fn, timeout=5.0, step=0.02):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


def install_probe(dom):
    """Copies the probe into the domain's private dir (-> /rw/sandbox-probe)."""
    os.makedirs(dom.private, exist_ok=True)
    dst = os.path.join(dom.private, "sandbox-probe")
    shutil.copy(PROBE, dst)
    os.chmod(dst, 0o755)
    return "/rw/sandbox-probe"
