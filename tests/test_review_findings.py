"""Defects found reviewing the runner package and per-folder settings, each shown by a test."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from codegen import execution
from tests.helpers import sandbox_attacks

# The hostile tests' fixtures: a project with a HOME and TMPDIR of its own, and this machine's
# isolation
scene = sandbox_attacks.scene
isolation = sandbox_attacks.isolation


def test_a_datagram_socketpair_cannot_send_to_a_unix_socket_outside_the_run(
    scene: dict, isolation: execution.Isolation
) -> None:
    # socketpair(AF_UNIX, SOCK_DGRAM) makes an unbound datagram socket: sendto() with an address
    # reaches any pathname datagram socket (journald's, /dev/log, a notify socket) that socket()
    # itself may not make
    path: Path = scene["home"] / "journal.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(path))
    listener.setblocking(False)
    try:
        run = sandbox_attacks.probe(
            scene,
            f"""
    import socket


    class TestJournal(unittest.TestCase):
        def test_sendto(self):
            def send():
                left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
                return left.sendto(b"datagram", {str(path)!r})
            self.fail(attempt(send))

        def test_stream_socketpair_still_works(self):
            left, right = socket.socketpair()
            left.sendall(b"x")
            self.assertEqual(right.recv(1), b"x")
    """,
        )
        time.sleep(0.2)
        received = []
        try:
            received.append(listener.recv(4096))
        except BlockingIOError:
            pass
    finally:
        listener.close()
    assert received == []
    if not sandbox_attacks.confined(run, isolation, "seccomp"):
        return
    results = sandbox_attacks.outcomes(run)
    assert results.pop("TestJournal.test_stream_socketpair_still_works") == ("passed", "")
    assert results == {
        "TestJournal.test_sendto": ("failed", "AssertionError: blocked: PermissionError")
    }
