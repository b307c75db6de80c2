#!/usr/bin/python3
"""pass_show: median time of `qvm-pass show NAME` from work, through real
qrexec agents and daemons to bulkhead-pass-vault in vault (ruddo.PassRead),
against a local `pass show NAME` of the same entry in the same store with
the same key, in the same run. Target: ratio <= 1.3.
Needs /usr/bin/pass and gpg (scripts/deps.sh installs them)."""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))
from conftest import BIN, BUILD, World  # noqa: E402

N = int(os.environ.get("BENCH_CALLS", 40))
VAULT = os.path.abspath(os.path.join(BUILD, "pass", "vault", "bulkhead-pass-vault"))
QVM_PASS = os.path.abspath(os.path.join(BUILD, "pass", "client", "qvm-pass"))


def median_ms(cmd, env):
    t = []
    for _ in range(N):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        t.append(time.perf_counter() - t0)
        assert r.returncode == 0 and r.stdout, (cmd, r)
    return statistics.median(t) * 1000


def main():
    if not shutil.which("pass"):
        print("pass_show: skipped (no /usr/bin/pass)")
        return
    top = tempfile.mkdtemp(prefix="bh-passbench.")
    home = os.path.join(top, "home")
    os.makedirs(os.path.join(home, ".gnupg"), mode=0o700)
    env = dict(os.environ, HOME=home, GNUPGHOME=os.path.join(home, ".gnupg"),
               PASSWORD_STORE_DIR=os.path.join(home, ".password-store"))
    for k in ("PASSWORD_STORE_KEY", "PASSWORD_STORE_GPG_OPTS"):
        env.pop(k, None)
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                    "bench <bench@example.org>", "future-default", "default", "never"],
                   env=env, check=True, capture_output=True)
    subprocess.run(["pass", "init", "bench@example.org"], env=env, check=True,
                   capture_output=True)
    subprocess.run(["pass", "insert", "-m", "work/site"], env=env, check=True,
                   input=b"s3cret-password\nuser: bench\n", capture_output=True)
    # the vault's agent (and so its services) runs with this environment
    saved = dict(os.environ)
    os.environ.update(HOME=env["HOME"], GNUPGHOME=env["GNUPGHOME"],
                      PASSWORD_STORE_DIR=env["PASSWORD_STORE_DIR"])
    os.mkdir(os.path.join(top, "world"))
    w = World.up(os.path.join(top, "world"))
    os.environ.clear()
    os.environ.update(saved)
    try:
        rpc = os.path.join(w.root, "vault", "rpc")
        for svc in ("ruddo.PassRead", "ruddo.PassManage"):
            os.symlink(VAULT, os.path.join(rpc, svc))
        w.rule("ruddo.PassRead * work vault allow")
        client = os.path.join(top, "qrexec-client-vm")
        with open(client, "w") as f:
            f.write(f"#!/bin/sh\nexec {BIN}/qrexec-client-vm "
                    f"--agent-socket={w.agent_socket('work')} \"$@\"\n")
        os.chmod(client, 0o755)
        cenv = dict(w.env(1), QVM_PASS_QREXEC_CLIENT=client, QUBES_PASS_DOMAIN="vault")
        for k in ("GNUPGHOME", "PASSWORD_STORE_DIR"):
            cenv.pop(k, None)
        cmd = [QVM_PASS, "show", "work/site"]
        first = subprocess.run(cmd, env=cenv, capture_output=True)
        assert first.stdout == b"s3cret-password\nuser: bench\n", first
        ours = median_ms(cmd, cenv)
        base = median_ms(["pass", "show", "work/site"], env)
        print(f"pass_show: ours {ours:.1f} ms (qvm-pass through qrexec to the vault), "
              f"baseline (local pass show) {base:.1f} ms, ratio {ours / base:.2f} "
              f"({N} calls, median)", flush=True)
    finally:
        w.down()
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True)
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
