"""The second red team's kernel attacks, run through the real `codegen score --run`: each must fail.

Keyrings, UDP and raw sockets where there is no network namespace, datagrams out of a socketpair,
inotify, memory, disk and process limits, and a parent hurt by deep folders or a hostile results
pipe.  Every attack runs at the level this machine reaches and at the `filesystem` level (no
namespaces, as on Ubuntu 24.04): the CLI is started where no user namespace can be made.  The
assertions look at the world outside the sandbox: the keyring, a listener, the process table, the
temporary folder, what the CLI printed.
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
import socket
import subprocess
import sys
import textwrap
import time
from typing import NamedTuple

import pytest

from codegen import execution
from codegen.execution.sandbox import MAX_DISK_MB
from tests.helpers import sandbox_attacks
from tests.helpers.sandbox_attacks import (
    MODULE,
    SECRET,
    Listener,
    assert_none_left,
    outcomes,
    probe,
    reached,
)

scene, isolation = sandbox_attacks.scene, sandbox_attacks.isolation
# Starts a command where no user namespace can be made, even by root: the `filesystem` level.
WITHOUT_USER_NAMESPACES = (
    "unshare",
    "--user",
    "--map-root-user",
    "sh",
    "-c",
    'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"',
    "sh",
)
LEVELS = ("as-is", "filesystem")


def _can_forbid_namespaces() -> bool:
    try:
        started = subprocess.run([*WITHOUT_USER_NAMESPACES, "true"], capture_output=True)
    except OSError:
        return False
    return started.returncode == 0


class Level(NamedTuple):
    name: str  # the isolation level the run must report
    prefix: tuple[str, ...]  # what starts the CLI there


@pytest.fixture(params=LEVELS)
def level(request, isolation) -> Level:
    if request.param == "as-is" or isolation.level in ("filesystem", "none"):
        return Level(isolation.level, ())
    if not _can_forbid_namespaces():
        pytest.fail("cannot turn user namespaces off here: `unshare --user --map-root-user` failed")
    return Level("filesystem", WITHOUT_USER_NAMESPACES)


def attack(
    scene: dict,
    level: Level,
    body: str,
    under: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> dict:
    """The probe `body` (after PROBE_HEADER) run by `codegen score --run` started at `level` (and
    `under` a wrapper command)."""
    return probe(scene, body, prefix=(*level.prefix, *under), env=env)


def assert_stopped_by(run: dict, problem: str, test_id: str, limit: str) -> None:
    """The run's problem says `problem`, and the sandbox stopped `test_id` at its `limit` limit."""
    assert problem in run["problem"], run["problem"]
    assert outcomes(run)[test_id] == ("errored", f"stopped: {limit} limit")


def all_blocked(run: dict, *allowed: str) -> None:
    for name, (outcome, message) in outcomes(run).items():
        if name.split(".")[-1] in allowed:
            assert outcome == "passed", (name, message)
        else:
            assert message == "AssertionError: blocked: PermissionError", (name, message)


# The C library as the probes and the keyring wrapper call it: `checked` raises the errno a failed
# call set, `call` makes a raw system call.
LIBC = """\
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def checked(result):
    if result < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return result


def call(*arguments):
    arguments = [ctypes.c_long(a) if isinstance(a, int) else a for a in arguments]
    return checked(libc.syscall(*arguments))
"""
LIBC_PROBE = "\n" + textwrap.indent(LIBC, "    ")  # to follow PROBE_HEADER

# --- 1. the kernel keyring --------------------------------------------------------------------

KEYCTL = {"x86_64": (248, 249, 250), "aarch64": (217, 218, 219)}.get(platform.machine())
# The CLI runs in a session keyring of its own holding one `user` key; afterwards the key must
# still be readable, unchanged, and the keyring must hold nothing else.
KEYRING_WRAPPER = (
    LIBC
    + """\
import json, sys
ADD_KEY, REQUEST_KEY, KEYCTL = {numbers}
try:
    call(KEYCTL, 1, None)  # KEYCTL_JOIN_SESSION_KEYRING: a new anonymous one
except OSError:
    sys.exit(3)  # keyrings refused to everyone here (a container's seccomp profile)
payload = sys.argv[2].encode()
key = call(ADD_KEY, b"user", b"codegen-red-team", payload, len(payload), -3)
status = os.waitpid(os.spawnv(os.P_NOWAIT, sys.argv[3], sys.argv[3:]), 0)[1]
buffer = ctypes.create_string_buffer(4096)
try:
    length = call(KEYCTL, 11, key, buffer, 4096)  # KEYCTL_READ
    read = buffer.raw[:length].decode()
except OSError as error:
    read = "unreadable: " + error.strerror
count = call(KEYCTL, 11, -3, buffer, 4096) // 4  # the session keyring's key ids
with open(sys.argv[1], "w") as stream:
    json.dump({{"read": read, "keys_in_session": count, "status": status}}, stream)
"""
)


@pytest.mark.skipif(KEYCTL is None, reason="the keyring probe knows x86-64 and arm64")
def test_the_session_keyring_can_be_neither_read_nor_revoked_nor_added_to(
    scene, isolation, level, tmp_path
):
    add_key, request_key, keyctl = KEYCTL
    wrapper, report = tmp_path / "keyring.py", tmp_path / "keyring.json"
    wrapper.write_text(KEYRING_WRAPPER.format(numbers=KEYCTL))
    payload = SECRET + "-keyring"
    if subprocess.run([sys.executable, str(wrapper), str(report), "", "/bin/true"]).returncode == 3:
        pytest.skip(
            "this machine refuses keyrings to every process (a container's seccomp profile)"
        )
    run = attack(
        scene,
        level,
        LIBC_PROBE
        + f"""
    def found():
        return call({keyctl}, 10, -3, b"user", b"codegen-red-team", 0)  # KEYCTL_SEARCH in @s


    def read():
        buffer = ctypes.create_string_buffer(4096)
        length = call({keyctl}, 11, found(), buffer, 4096)
        return buffer.raw[:length]


    class TestKeyring(unittest.TestCase):
        def test_read(self):
            self.fail(attempt(read))

        def test_revoke(self):
            self.fail(attempt(lambda: call({keyctl}, 3, found())))  # KEYCTL_REVOKE

        def test_plant(self):
            self.fail(attempt(lambda: call({add_key}, b"user", b"planted", b"x", 1, -3)))

        def test_request(self):
            self.fail(attempt(lambda: call({request_key}, b"user", b"codegen-red-team", None, -3)))

        def test_own_session(self):
            self.fail(attempt(lambda: call({keyctl}, 1, b"planted-ring")))
    """,
        under=(sys.executable, str(wrapper), str(report), payload),
    )
    after = json.loads(report.read_text())
    assert after == {"read": payload, "keys_in_session": 1, "status": 0}
    if reached(run, level.name):
        all_blocked(run)


# --- 2. no network without a network namespace -----------------------------------------------


def test_no_datagram_or_raw_packet_leaves_the_run(scene, isolation, level):
    listener = Listener()
    try:
        port = listener.udp.getsockname()[1]
        run = attack(
            scene,
            level,
            f"""
    import socket


    def send(family, kind, protocol=0, address=("127.0.0.1", {port})):
        sock = socket.socket(family, kind, protocol)
        return sock.sendto(b"udp", address)


    class TestDatagram(unittest.TestCase):
        def test_udp(self):
            self.fail(attempt(lambda: send(socket.AF_INET, socket.SOCK_DGRAM)))

        def test_udp_v4_mapped_v6(self):
            address = ("::ffff:127.0.0.1", {port})
            self.fail(attempt(lambda: send(socket.AF_INET6, socket.SOCK_DGRAM, 0, address)))

        def test_raw(self):
            self.fail(attempt(lambda: send(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)))

        def test_packet(self):
            self.fail(attempt(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW)))

        def test_netlink(self):
            self.fail(attempt(lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW)))

        def test_tcp_socket(self):
            self.fail(attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)))
    """,
        )
        time.sleep(0.5)  # let a datagram that did get out arrive before we look
    finally:
        listener.close()
    assert listener.received == []
    if not reached(run, level.name):
        return
    if "network-namespace" in isolation.layers and level.name == "full":
        # Inet sockets stay allowed in a namespace of its own: they reach only its loopback.
        found = outcomes(run)
        for name in ("packet", "netlink"):
            assert found[f"TestDatagram.test_{name}"][1].endswith("PermissionError"), found
    else:
        all_blocked(run)


# --- 3. datagrams out of a socketpair ----------------------------------------------------------


def test_a_raw_socketpair_cannot_send_to_a_datagram_socket_outside(scene, isolation, level):
    path = scene["home"] / "log.sock"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(str(path))
    receiver.setblocking(False)
    try:
        run = attack(
            scene,
            level,
            f"""
    import socket


    def send(kind):
        left, right = socket.socketpair(socket.AF_UNIX, kind)
        return left.sendto(b"datagram", {str(path)!r})


    class TestPair(unittest.TestCase):
        def test_raw(self):
            self.fail(attempt(lambda: send(socket.SOCK_RAW)))

        def test_dgram(self):
            self.fail(attempt(lambda: send(socket.SOCK_DGRAM)))

        def test_stream_pair_works(self):
            left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            left.sendall(b"x")
            self.assertEqual(right.recv(1), b"x")

        def test_seqpacket_pair_works(self):
            left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            left.sendall(b"x")
            self.assertEqual(right.recv(1), b"x")
    """,
        )
        time.sleep(0.2)
        try:
            received = receiver.recv(4096)
        except BlockingIOError:
            received = b""
    finally:
        receiver.close()
    assert received == b""
    if reached(run, level.name):
        all_blocked(run, "test_stream_pair_works", "test_seqpacket_pair_works")


# --- 7. inotify ---------------------------------------------------------------------------------


def test_no_watch_sees_what_the_user_does_meanwhile(scene, isolation, level):
    run = attack(
        scene,
        level,
        LIBC_PROBE
        + f"""
    def watch(init):
        descriptor = checked(init())
        if libc.inotify_add_watch(descriptor, {str(scene["home"]).encode()!r}, 0x100) < 0:
            raise OSError(ctypes.get_errno(), "add_watch: " + os.strerror(ctypes.get_errno()))
        return descriptor


    class TestWatch(unittest.TestCase):
        def test_inotify_init1(self):
            self.fail(attempt(lambda: watch(lambda: libc.inotify_init1(0))))

        def test_inotify_init(self):
            self.fail(attempt(lambda: watch(libc.inotify_init)))

        def test_fanotify(self):
            self.fail(attempt(lambda: checked(libc.fanotify_init(0, 0))))
    """,
    )
    if reached(run, level.name):
        all_blocked(run)


def test_no_system_v_segment_outlives_the_run(scene, isolation, level):
    key = 0x0C0D0000 | (os.getpid() & 0xFFFF)
    run = attack(
        scene,
        level,
        LIBC_PROBE
        + f"""
    class TestSystemV(unittest.TestCase):
        def test_shared_memory(self):
            self.fail(attempt(lambda: checked(libc.shmget({key}, 1 << 20, 0o1600))))  # IPC_CREAT

        def test_semaphores(self):
            self.fail(attempt(lambda: checked(libc.semget({key}, 1, 0o1600))))

        def test_message_queue(self):
            self.fail(attempt(lambda: checked(libc.msgget({key}, 0o1600))))
    """,
    )
    left = []
    for kind in ("shm", "sem", "msg"):
        with open(f"/proc/sysvipc/{kind}") as table:
            for row in table.read().splitlines()[1:]:
                if int(row.split()[0]) == key:
                    left.append((kind, int(row.split()[1])))
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, identifier in left:  # IPC_RMID
        {"shm": libc.shmctl, "sem": libc.semctl, "msg": libc.msgctl}[kind](identifier, 0, None)
    assert left == []
    if reached(run, level.name):
        all_blocked(run)


# --- 5. limits that count what the kernel counts ------------------------------------------------


@pytest.mark.parametrize("layers_off", [(), ("namespaces",)], ids=["as-is", "filesystem"])
def test_shared_anonymous_memory_held_by_forked_children_counts(layers_off):
    # Each child maps its own MAP_SHARED|MAP_ANONYMOUS region and touches every page: resident
    # memory the kernel calls shared, held by nobody outside the run.
    tests = textwrap.dedent("""\
        import mmap
        import os
        import time
        import unittest


        class TestHoard(unittest.TestCase):
            def test_shared_in_children(self):
                for _ in range(3):
                    if os.fork() == 0:
                        hoard = mmap.mmap(-1, 128 << 20, flags=mmap.MAP_SHARED)
                        for offset in range(0, len(hoard), 4096):
                            hoard[offset] = 1
                        time.sleep(20)
                        os._exit(0)
                time.sleep(20)
        """)
    result = execution.run_tests(
        MODULE, tests, module_name="victim", memory_mb=256, timeout=30, layers_off=layers_off
    )
    if result.isolation == "none":
        assert result.not_run
        return
    assert "used more than 256 MB of memory together" in (result.problem or ""), result.problem
    assert not result.timed_out
    [test] = result.tests
    assert (test.outcome, test.message) == ("errored", "stopped: memory limit")


@pytest.mark.parametrize("hold", ["open", "mapped"])
def test_files_written_then_deleted_count_against_the_disk_limit(scene, isolation, level, hold):
    keep = {
        "open": "held.append(stream)",
        "mapped": "held.append(mmap.mmap(stream.fileno(), 0)); stream.close()",
    }[hold]
    run = attack(
        scene,
        level,
        f"""
    import mmap
    import time


    class TestHidden(unittest.TestCase):
        def test_write_then_delete(self):
            held = []
            for index in range(6):  # 6 x 60 MB: each file under the 64 MB file limit
                stream = open("hidden-%d" % index, "w+b")
                for _ in range(60):
                    stream.write(b"x" * (1 << 20))
                stream.flush()
                os.remove("hidden-%d" % index)
                {keep}
            time.sleep(15)
    """,
        env={"CODEGEN_TEST_TIMEOUT": "40"},
    )
    if not reached(run, level.name):
        return
    problem = f"wrote more than {MAX_DISK_MB} MB into their folder"
    assert_stopped_by(run, problem, "TestHidden.test_write_then_delete", "disk")


def test_a_process_that_hides_its_files_from_the_supervisor_is_stopped(scene, isolation, level):
    # Running a program it may not read makes a process not dumpable: /proc then shows its open
    # files to root alone (to an unprivileged supervisor without namespaces, nothing).
    run = attack(
        scene,
        level,
        """
    import shutil
    import time


    class TestHide(unittest.TestCase):
        def test_hide(self):
            shutil.copy("/bin/sleep", "sleeper")
            os.chmod("sleeper", 0o111)
            if os.fork() == 0:  # 240 MB deleted, then held by a process that hides it
                for index in range(4):
                    fd = os.open("hidden-%d" % index, os.O_WRONLY | os.O_CREAT)
                    for _ in range(60):
                        os.write(fd, b"x" * (1 << 20))
                    os.remove("hidden-%d" % index)
                    os.set_inheritable(fd, True)
                os.execv("sleeper", ["sleeper", "15"])
            time.sleep(2)
            with open("visible", "wb") as stream:  # 120 MB more in the open: 360 MB in all
                for _ in range(60):
                    stream.write(b"x" * (1 << 20))
            with open("visible-2", "wb") as stream:
                for _ in range(60):
                    stream.write(b"x" * (1 << 20))
            time.sleep(15)
    """,
        env={"CODEGEN_TEST_TIMEOUT": "40"},
    )
    if reached(run, level.name):
        # Root, or a supervisor in the run's user namespace, sees the files: over the disk limit.
        assert (
            f"wrote more than {MAX_DISK_MB} MB into their folder" in run["problem"]
            or "hid their open files from the sandbox's supervisor" in run["problem"]
        ), run["problem"]
        assert outcomes(run)["TestHide.test_hide"][1].startswith("stopped: ")


def test_a_fork_bomb_is_stopped_at_the_process_cap_and_leaves_nothing(scene, isolation, level):
    marker = f"codegen-red-team-bomb-{os.getpid()}-{level.name}"
    run = attack(
        scene,
        level,
        f"""
    import time


    class TestBomb(unittest.TestCase):
        def test_bomb(self):
            # 1,000 shells (2,000 processes with their sleeps) if nothing stops it: bounded, so that
            # a sandbox without a cap does not take the machine down.  A refused fork is retried.
            started = 0
            while started < 1000:
                try:
                    pid = os.fork()
                except BlockingIOError:
                    time.sleep(0.005)
                    continue
                if pid == 0:
                    os.execv("/bin/sh", ["sh", "-c", "sleep 30; :", {marker!r}])
                started += 1
            time.sleep(30)
    """,
        env={"CODEGEN_TEST_TIMEOUT": "40"},
    )
    assert_none_left(marker)
    if reached(run, level.name):
        assert_stopped_by(run, "processes and threads at once", "TestBomb.test_bomb", "processes")


# --- 6. the parent is never hurt ----------------------------------------------------------------


def test_a_chain_deeper_than_path_max_is_measured_and_removed(scene, isolation, level):
    run = attack(
        scene,
        level,
        """
    import time


    class TestDeep(unittest.TestCase):
        def test_chain(self):
            for _ in range(3000):  # 6,000 characters of path: more than PATH_MAX
                os.mkdir("d")
                os.chdir("d")
            for index in range(5):  # 300 MB down there, every file closed
                with open("deep-%d" % index, "wb") as stream:
                    for _ in range(60):
                        stream.write(b"x" * (1 << 20))
            time.sleep(15)
    """,
        env={"CODEGEN_TEST_TIMEOUT": "40"},
    )
    if reached(run, level.name):
        assert f"wrote more than {MAX_DISK_MB} MB" in run["problem"], run["problem"]


@pytest.mark.parametrize("ending", ["line", "no-newline"])
def test_unbounded_nesting_in_the_results_pipe_is_distrusted(scene, isolation, ending):
    tail = {"line": "\\n", "no-newline": ""}[ending]
    run = probe(
        scene,
        f"""
    class TestNest(unittest.TestCase):
        def test_add(self):
            for fd in range(3, 256):
                try:
                    os.write(fd, b"[" * 200000 + b"{tail}")
                except OSError:
                    pass
            self.assertEqual(add(2, 2), 4)
    """,
    )
    if run["isolation"] == "none":
        assert run["not_run"]
        return
    assert run["passed"] == 0
    assert "interfered with the test run" in run["problem"], run["problem"]
