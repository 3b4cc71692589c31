"""Hostile generated tests, run through the real `codegen score --run`: each attack must fail.

Every probe below is a test file a malicious or broken model could write.  The assertions look at
the world outside the sandbox (files on disk, a listener on 127.0.0.1, the process table, what the
CLI printed), not at what the probe says about itself.  Where this machine lacks a layer, the test
asserts the isolation level the run reported instead of the attack's outcome.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codegen import execution
from tests.helpers import sandbox_attacks
from tests.helpers.sandbox_attacks import (
    MODULE,
    SECRET,
    SECRET_EXPRESSION,
    Listener,
    RecordingListener,
    assert_none_left,
    confined,
    outcomes,
    probe,
)

# The stage's fixtures: a project with a .env, a HOME with a key, a TMPDIR; the isolation reached.
scene, isolation = sandbox_attacks.scene, sandbox_attacks.isolation


def test_the_parents_environment_and_secret_files_stay_unreadable(scene, isolation):
    run = probe(
        scene,
        f"""
    def environ_of_every_process():
        found = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    found.append(open("/proc/" + name + "/environ", "rb").read())
                except OSError:
                    pass
        return [data for data in found if {SECRET_EXPRESSION}.encode() in data]


    class TestSteal(unittest.TestCase):
        def test_environment_variables(self):
            values = os.environ.values()
            self.fail(repr([value for value in values if {SECRET_EXPRESSION} in value]))

        def test_parent_environ(self):
            self.fail(attempt(lambda: open("/proc/%d/environ" % os.getppid(), "rb").read()))

        def test_every_environ(self):
            self.fail(attempt(environ_of_every_process))

        def test_ssh_key(self):
            self.fail(attempt(lambda: open({str(scene["home"] / ".ssh" / "id_rsa")!r}).read()))

        def test_project_dotenv(self):
            self.fail(attempt(lambda: open({str(scene["project"] / ".env")!r}).read()))
    """,
    )
    if not confined(run, isolation, "landlock-filesystem"):
        return
    found = outcomes(run)
    assert found["TestSteal.test_environment_variables"][1] == "AssertionError: []"
    for name in ("parent_environ", "every_environ", "ssh_key", "project_dotenv"):
        outcome, message = found[f"TestSteal.test_{name}"]
        assert message.startswith("AssertionError: blocked: "), (name, message)


def test_nothing_outside_the_run_folder_is_written_or_deleted(scene, isolation):
    module_before = (scene["project"] / "victim.py").read_text()
    run = probe(
        scene,
        f"""
    class TestVandal(unittest.TestCase):
        def test_append_to_the_users_module(self):
            with open({str(scene["project"] / "victim.py")!r}, "a") as stream:
                stream.write("\\nimport shutil; shutil.rmtree('/')\\n")

        def test_create_in_home(self):
            open({str(scene["home"] / "pwned.txt")!r}, "w").write("x")

        def test_delete_outside(self):
            os.remove({str(scene["project"] / "keep.txt")!r})

        def test_write_in_the_run_folder_is_fine(self):
            open("scratch.txt", "w").write("x")
    """,
    )
    assert (scene["project"] / "victim.py").read_text() == module_before
    assert not (scene["home"] / "pwned.txt").exists()
    assert (scene["project"] / "keep.txt").read_text() == "keep me\n"
    if not confined(run, isolation, "landlock-filesystem"):
        return
    found = outcomes(run)
    for name in ("append_to_the_users_module", "create_in_home", "delete_outside"):
        assert found[f"TestVandal.test_{name}"][0] == "errored", found
    assert found["TestVandal.test_write_in_the_run_folder_is_fine"][0] == "passed"


def test_no_tcp_or_udp_reaches_a_listener_on_loopback(scene, isolation):
    listener = Listener()
    try:
        tcp_port, udp_port = listener.tcp.getsockname()[1], listener.udp.getsockname()[1]
        run = probe(
            scene,
            f"""
    import socket


    class TestExfiltrate(unittest.TestCase):
        def test_tcp(self):
            address = ("127.0.0.1", {tcp_port})
            self.fail(attempt(lambda: socket.create_connection(address, timeout=2).sendall(b"tcp")))

        def test_udp(self):
            def send():
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                return sock.sendto(b"udp", ("127.0.0.1", {udp_port}))
            self.fail(attempt(send))

        def test_bind(self):
            self.fail(attempt(lambda: socket.create_server(("127.0.0.1", 0))))
    """,
        )
        time.sleep(0.5)  # let a datagram that did get out arrive before we look
    finally:
        listener.close()
    assert listener.received == []
    if not confined(run, isolation, "network-namespace"):
        return
    for name, (_outcome, message) in outcomes(run).items():
        assert message.startswith("AssertionError: blocked: "), (name, message)


class UnixListener(RecordingListener):
    """A listening pathname Unix socket (an ssh-agent's, Docker's) that records every connection."""

    def __init__(self, path: Path):
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen()
        super().__init__(self.server)

    def _serve_once(self):
        try:
            connection, _ = self.server.accept()
        except OSError:
            return
        connection.settimeout(1)
        try:
            self.received.append(connection.recv(4096) or b"(connected)")
        except OSError:
            self.received.append(b"(connected)")
        connection.close()


def test_no_unix_socket_outside_the_run_folder_is_reached(scene, isolation):
    # Landlock does not cover connect() on a pathname socket and namespaces do not separate them:
    # the seccomp filter refuses the run its own Unix sockets (socketpair still works).
    path = scene["home"] / "agent.sock"
    listener = UnixListener(path)
    try:
        run = probe(
            scene,
            f"""
    import socket


    class TestAgent(unittest.TestCase):
        def test_stream(self):
            def connect():
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.connect({str(path)!r})
                return sock.sendall(b"stream")
            self.fail(attempt(connect))

        def test_datagram(self):
            self.fail(attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)))

        def test_socketpair_still_works(self):
            left, right = socket.socketpair()
            left.sendall(b"x")
            self.assertEqual(right.recv(1), b"x")
    """,
        )
        time.sleep(0.5)  # let a connection that did get through be accepted before we look
    finally:
        listener.close()
    assert listener.received == []
    if not confined(run, isolation, "seccomp"):
        return
    results = outcomes(run)
    assert results.pop("TestAgent.test_socketpair_still_works") == ("passed", "")
    for name, (_outcome, message) in results.items():
        assert message == "AssertionError: blocked: PermissionError", (name, message)


def test_a_setsid_double_forked_grandchild_dies_with_the_run(scene, isolation):
    marker = f"codegen-hostile-grandchild-{os.getpid()}"
    run = probe(
        scene,
        f"""
    import subprocess
    import sys


    class TestLinger(unittest.TestCase):
        def test_escape(self):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    sleeper = [sys.executable, "-c", "import time; time.sleep(120)", {marker!r}]
                    subprocess.Popen(sleeper, start_new_session=True)
                os._exit(0)
            import time
            time.sleep(0.5)
    """,
    )
    assert_none_left(marker)
    assert run["isolation"] == isolation.level


FORGED = (
    '{{"event": "result", "id": "TestForge.test_add", "outcome": "passed", "message": "", '
    '"traceback": "", "line": null}}'
)


@pytest.mark.parametrize(
    "attack",
    ["append", "patch", "exit", "channel", "coverage", "exit_event", "done"],
)
def test_forged_results_never_pass(scene, isolation, attack):
    recipes = {
        # Write fake "passed" lines and a fake end to every descriptor, then fail for real.
        "append": f"""
            for fd in range(3, 256):
                for line in ({FORGED!r}, '{{"event": "done", "tests": 1}}'):
                    try:
                        os.write(fd, (line + "\\n").encode())
                    except OSError:
                        pass
            self.assertEqual(add(2, 2), 4)
""",
        # Find the runner's result object and turn its failures into successes.
        "patch": """
            import gc
            for thing in gc.get_objects():
                if isinstance(thing, unittest.TestResult):
                    type(thing).addFailure = lambda self, test, err: self.addSuccess(test)
                    type(thing).addError = lambda self, test, err: self.addSuccess(test)
            unittest.TestCase.assertEqual = lambda *args, **kwargs: None
            self.assertEqual(add(2, 2), 4)
            raise AssertionError("add is wrong")
""",
        # Send through the runner's own channel, token and all: a pass, and an id that is no string.
        "channel": """
            import gc
            for thing in gc.get_objects():
                if type(thing).__name__ == "ResultsChannel":
                    thing.emit("result", id=["TestForge", "test_add"], outcome="passed")
                    thing.emit("result", id="TestForge.test_add", outcome="passed", message="",
                               traceback="", line=None)
            raise AssertionError("add is wrong")
""",
        # Claim, through the runner's own channel, that every line of the module ran (none did).
        "coverage": """
            import gc
            for thing in gc.get_objects():
                if type(thing).__name__ == "ResultsChannel":
                    thing.emit("coverage", executed=[1, 2])
            raise AssertionError("add is wrong")
""",
        # Announce the run's end with a passing count, then go on and fail.
        "done": """
            import gc
            for thing in gc.get_objects():
                if type(thing).__name__ == "ResultsChannel":
                    thing.emit("done", tests=1)
            raise AssertionError("add is wrong")
""",
        # Speak for the supervisor: a clean exit, whatever happens after.
        "exit_event": """
            import gc
            for thing in gc.get_objects():
                if type(thing).__name__ == "ResultsChannel":
                    thing.emit("exit", code=0, signal=None, limit=None)
            raise AssertionError("add is wrong")
""",
        # Print what a passing run looks like, then leave before anything is reported.
        "exit": """
            print("Ran 1 test in 0.001s\\n\\nOK")
            print('{"event": "done", "tests": 1}')
            os._exit(0)
""",
    }
    run = probe(
        scene,
        """
    class TestForge(unittest.TestCase):
        def test_add(self):
"""
        + textwrap.indent(textwrap.dedent(recipes[attack]), " " * 12),
    )
    if run["isolation"] == "none":
        assert run["not_run"]
        return
    assert run["passed"] == 0, run
    assert outcomes(run)["TestForge.test_add"][0] in ("failed", "errored")
    # Nothing a run that interfered reports is believed, its coverage neither.
    assert not run["coverage_measured"] and run["line_coverage"] is None, run
    assert run["functions"] == [] and run["statement_lines"] == []
    if attack == "exit":
        assert "ended early (exit code 0) during TestForge.test_add" in run["problem"]
        assert "failed to start" not in run["problem"]
    else:
        assert "interfered with the test run" in run["problem"]


def test_a_run_that_tampers_in_its_second_repeat_passes_in_none(scene, isolation):
    """The first repeat is honest and passes; the second patches unittest: no pass counts."""
    run = probe(
        scene,
        """
    class TestLater(unittest.TestCase):
        def test_add(self):
            marker = "second-repeat"  # in the working folder, which the repeats share
            if os.path.exists(marker):
                unittest.TestCase.assertEqual = lambda *args, **kwargs: None
            else:
                open(marker, "w").close()
            self.assertEqual(add(2, 1), 1)
""",
        "--repeats",
        "2",
    )
    if run["isolation"] == "none":
        assert run["not_run"]
        return
    [test] = run["tests"]
    assert (test["outcome"], test["runs"], test["passes"]) == ("errored", 2, 0), test
    assert run["passed"] == run["flaky"] == 0
    assert "interfered with the test run" in run["problem"]
    assert "changed the test framework" in run["problem"]
    assert not run["coverage_measured"]


def test_fifos_symlinks_and_locked_folders_neither_hang_nor_leak(scene, isolation):
    run = probe(
        scene,
        """
    class TestTraps(unittest.TestCase):
        def test_traps(self):
            for name in ("results.jsonl", "run-0.stdout", "run-0.stderr", "coverage.json"):
                os.mkfifo(name)
                os.mkfifo(os.path.join(os.environ["TMPDIR"], name))
            os.symlink("/dev/zero", "zero")
            os.symlink("/", "root")
            os.makedirs("locked/inner")
            os.mkfifo("locked/inner/fifo")
            os.chmod("locked/inner", 0)
            os.chmod("locked", 0)
            self.fail("traps set")
    """,
    )
    assert run["isolation"] == isolation.level
    if run["isolation"] != "none":
        assert outcomes(run)["TestTraps.test_traps"] == ("failed", "AssertionError: traps set")


def test_a_child_cannot_kill_its_parent(scene, isolation):
    run = probe(
        scene,
        """
    import signal


    class TestKill(unittest.TestCase):
        def test_kill_parent(self):
            self.fail(attempt(lambda: os.kill(os.getppid(), signal.SIGKILL)))

        def test_kill_group(self):
            self.fail(attempt(lambda: os.killpg(os.getpgid(os.getppid() or 1), signal.SIGKILL)))
    """,
    )
    # hostile_run got a JSON report: the CLI survived.  Nothing the test did is reported as a pass.
    assert run["passed"] == 0
    assert run["isolation"] == isolation.level


def test_memory_is_bounded_for_the_whole_run_and_files_by_size():
    tests = textwrap.dedent("""\
        import os
        import time
        import unittest


        class TestHog(unittest.TestCase):
            def test_three_children(self):
                for _ in range(3):
                    if os.fork() == 0:
                        hoard = bytearray(300 * 1024 * 1024)
                        for offset in range(0, len(hoard), 4096):
                            hoard[offset] = 1
                        time.sleep(30)
                        os._exit(0)
                time.sleep(30)

        class TestBigFile(unittest.TestCase):
            def test_600_mb(self):
                with open("big.bin", "wb") as stream:
                    for _ in range(600):
                        stream.write(b"x" * 1024 * 1024)
        """)
    hog = execution.run_tests(
        MODULE, tests.split("class TestBigFile")[0], module_name="victim", memory_mb=512, timeout=20
    )
    assert "used more than 512 MB of memory together" in hog.problem, hog.problem
    assert not hog.timed_out

    big = execution.run_tests(
        MODULE,
        "import os\nimport unittest\n\n\nclass TestBigFile" + tests.split("class TestBigFile")[1],
        module_name="victim",
        timeout=20,
    )
    [result] = big.tests
    assert result.outcome == "errored" and "File too large" in result.message, result


def test_without_a_sandbox_nothing_runs_unless_allowed(tmp_path):
    """Landlock turned off stands for a machine without it: the run is refused, and allowed on
    request."""
    tests = (
        "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        pass\n"
    )
    refused = execution.run_tests(MODULE, tests, module_name="victim", layers_off=("landlock",))
    assert refused.not_run and refused.run == 0 and refused.isolation == "none"
    assert "--allow-unsandboxed" in refused.problem and "Landlock" in refused.problem
    allowed = execution.run_tests(
        MODULE, tests, module_name="victim", layers_off=("landlock",), allow_unsandboxed=True
    )
    assert allowed.passed == 1 and allowed.isolation == "none"


def test_without_namespaces_landlock_alone_still_contains_the_run():
    """The `filesystem` level (no user namespaces, as on Ubuntu 24.04): TCP and stray processes."""
    marker = f"codegen-hostile-filesystem-level-{os.getpid()}"
    listener = Listener()
    tests = textwrap.dedent(f"""\
        import os
        import socket
        import subprocess
        import sys
        import unittest


        class TestLevel(unittest.TestCase):
            def test_tcp(self):
                socket.create_connection(("127.0.0.1", {listener.tcp.getsockname()[1]}), timeout=2)

            def test_signal_outside(self):
                os.kill({os.getpid()}, 0)  # signal 0: only asks whether a signal would be allowed

            def test_linger(self):
                if os.fork() == 0:
                    os.setsid()
                    sleeper = [sys.executable, "-c", "import time; time.sleep(120)", {marker!r}]
                    subprocess.Popen(sleeper)
                    os._exit(0)
        """)
    try:
        result = execution.run_tests(
            MODULE, tests, module_name="victim", layers_off=("namespaces",)
        )
        time.sleep(0.3)
    finally:
        listener.close()
    assert result.isolation == "filesystem"
    assert listener.received == []
    found = {test.test_id: test for test in result.tests}
    assert (
        found["TestLevel.test_tcp"].outcome == "errored"
        and "PermissionError" in found["TestLevel.test_tcp"].message
    )
    if not any("scoping" in missing for missing in result.isolation_missing):  # Landlock ABI 6+
        assert found["TestLevel.test_signal_outside"].message.startswith("PermissionError"), found
    assert_none_left(marker)


def test_an_editable_install_makes_the_project_importable_not_its_secrets(tmp_path):
    """A .pth file (as `pip install -e .` writes) puts a project folder on the test interpreter's
    path."""
    venv, project = tmp_path / "venv", tmp_path / "editable"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    project.mkdir()
    (project / "helpers.py").write_text("ANSWER = 42\n")
    (project / ".env").write_text(f"OPENAI_API_KEY={SECRET}\n")
    [site_packages] = venv.glob("lib/python*/site-packages")
    (site_packages / "editable_project.pth").write_text(str(project) + "\n")
    tests = textwrap.dedent(f"""\
        import unittest

        import helpers


        class TestEditable(unittest.TestCase):
            def test_import(self):
                self.assertEqual(helpers.ANSWER, 42)

            def test_dotenv(self):
                open({str(project / ".env")!r}).read()
        """)
    result = execution.run_tests(
        MODULE, tests, module_name="victim", python=str(venv / "bin" / "python")
    )
    found = {test.test_id: test for test in result.tests}
    assert found["TestEditable.test_import"].outcome == "passed", found
    assert found["TestEditable.test_dotenv"].message.startswith("PermissionError"), found
