"""Regression tests for the Qubes security advisories about qrexec
(research/qrexec-protocol.md section 7) that the end-to-end tests do not
already cover: QSB-087 (the calling side's DATA_STDERR / EXIT_CODE must be
ignored by the service side) and QSB-089 (TRIGGER with no room for the NUL)."""
import getpass
import os
import socket
import struct
import subprocess
import time

from conftest import BIN

MSG_STDIN, MSG_STDOUT, MSG_STDERR, MSG_EXIT = 0x190, 0x191, 0x192, 0x193
MSG_EXEC, MSG_HELLO, MSG_TRIGGER4 = 0x200, 0x300, 0x213


def msg(t, body=b""):
    return struct.pack("<LL", t, len(body)) + body


def connect(path, tries=100):
    s = socket.socket(socket.AF_UNIX)
    for _ in range(tries):
        try:
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.02)
    s.connect(path)
    return s


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            break
        b += c
    return b


def recv_all_msgs(s):
    out = []
    while True:
        h = recv_exact(s, 8)
        if len(h) < 8:
            return out
        t, n = struct.unpack("<LL", h)
        out.append((t, recv_exact(s, n)))


def test_qsb_087_service_side_ignores_stderr_and_exit_code(tmp_path):
    rpc = tmp_path / "rpc"
    rpc.mkdir()
    svc = rpc / "test.Cat"
    svc.write_text("#!/bin/sh\ncat\nexit 5\n")
    svc.chmod(0o755)
    env = dict(os.environ, VCHAN_SOCKET_DIR=str(tmp_path), VCHAN_DOMAIN="7",
               QREXEC_SERVICE_PATH=str(rpc), QUBES_RPC_CONFIG_PATH=str(tmp_path / "cfg"))
    agent = subprocess.Popen([f"{BIN}/qrexec-agent", f"--agent-socket={tmp_path}/a.sock"],
                             env=env)
    try:
        dom0 = connect(str(tmp_path / "vchan.7.0.512.sock"))
        dom0.sendall(msg(MSG_HELLO, struct.pack("<L", 4)))
        assert recv_exact(dom0, 12) == msg(MSG_HELLO, struct.pack("<L", 4))
        srv = socket.socket(socket.AF_UNIX)
        srv.bind(str(tmp_path / "vchan.0.7.600.sock"))
        srv.listen(1)
        cmd = f"{getpass.getuser()}:QUBESRPC test.Cat src\0".encode()
        dom0.sendall(msg(MSG_EXEC, struct.pack("<LL", 0, 600) + cmd))
        data, _ = srv.accept()
        data.sendall(msg(MSG_HELLO, struct.pack("<L", 4)))
        assert recv_exact(data, 12)[:8] == struct.pack("<LL", MSG_HELLO, 4)
        # the calling side tries to inject stderr and an exit code
        data.sendall(msg(MSG_STDERR, b"\x1b[31mforged\n") + msg(MSG_EXIT, struct.pack("<L", 0)))
        data.sendall(msg(MSG_STDIN, b"real\n") + msg(MSG_STDIN))
        got = recv_all_msgs(data)
        assert (MSG_STDOUT, b"real\n") in got
        assert all(b"forged" not in body for _, body in got)
        assert got[-1] == (MSG_EXIT, struct.pack("<L", 5))
    finally:
        agent.terminate()
        agent.wait(timeout=5)


def test_qsb_089_trigger_without_room_for_nul_kills_link(world):
    # The daemon side of QSB-089 is covered by test_proto and upstream's
    # test_qsb_089. Here the agent side: a local client sending a TRIGGER4
    # whose body is only the fixed part (no service name, no NUL) is dropped
    # without forwarding, and calls keep working.
    s = connect(world.agent_socket("work"))
    s.sendall(msg(MSG_TRIGGER4, b"\0" * 160))
    s.settimeout(5)
    try:
        assert s.recv(8) == b""
    except ConnectionResetError:
        pass
    world.service("vault", "test.Ok", "#!/bin/sh\necho ok\n")
    world.allow("work", "vault", "test.Ok")
    assert world.client_vm("work", "vault", "test.Ok").stdout == b"ok\n"
