"""Sandboxed test execution: real child processes, real files, no mocks."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codegen.execution import (
    FunctionCoverage,
    TestRunResult,
    pool,
    run_tests,
    run_tests_async,
    sandbox,
)
from codegen.execution.coverage import function_coverage, function_spans
from codegen.execution.sandbox import child_environment

TIMEOUT = 5.0

MODULE = textwrap.dedent(
    '''\
    """Statistics helpers."""


    def mean(values):
        """Return the arithmetic mean."""
        if not values:
            raise ValueError("no values")
        return sum(values) / len(values)


    def clamp(value, low, high):
        if value < low:
            return low
        if value > high:
            return high
        return value


    class Window:
        def __init__(self, size):
            self.size = size

        def take(self, values):
            return values[-self.size:]
    '''
)


def source(text: str) -> str:
    return textwrap.dedent(text)


def run(test_source: str, module_source: str = MODULE, **options) -> TestRunResult:
    options.setdefault("timeout", TIMEOUT)
    return run_tests(module_source, source(test_source), module_name="stats", **options)


def by_id(result: TestRunResult) -> dict:
    return {test.test_id: test for test in result.tests}


def line_of(text: str, fragment: str) -> int:
    lines = source(text).splitlines()
    return next(number for number, line in enumerate(lines, 1) if fragment in line)


def marked_processes(marker: str) -> list[int]:
    """Processes whose command line holds ``marker`` (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() not in (entry / "cmdline").read_bytes():
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def wait_until(condition, wait: float = 5.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def sleeper_command(marker: str) -> str:
    """Python source for a test that starts a long-lived process we can find by ``marker``."""
    return f'subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {marker!r}])'


PASSING = """\
    import unittest

    from stats import Window, clamp, mean


    class TestStats(unittest.TestCase):
        def test_mean(self):
            self.assertEqual(mean([1, 2, 3]), 2)

        def test_clamp_low(self):
            self.assertEqual(clamp(-5, 0, 10), 0)

        def test_clamp_inside(self):
            self.assertEqual(clamp(5, 0, 10), 5)

        def test_window(self):
            self.assertEqual(Window(2).take([1, 2, 3]), [2, 3])


    if __name__ == "__main__":
        unittest.main()
    """


def test_passing_file_counts_and_per_function_coverage() -> None:
    result = run(PASSING)

    assert result.problem is None
    assert (result.run, result.passed, result.failed, result.errored) == (4, 4, 0, 0)
    assert result.exit_code == 0 and not result.timed_out
    assert all(test.outcome == "passed" and test.message == "" for test in result.tests)
    assert by_id(result)["TestStats.test_mean"].runs == 1

    assert result.coverage_measured
    functions = {function.name: function for function in result.functions}
    assert list(functions) == ["mean", "clamp", "Window.__init__", "Window.take"]
    # Never run: mean's empty-list branch and clamp's `return high`.
    assert functions["mean"].missing_lines == [line_of(MODULE, 'raise ValueError("no values")')]
    assert (functions["mean"].covered_lines, functions["mean"].total_lines) == (2, 3)
    assert functions["clamp"].missing_lines == [line_of(MODULE, "return high")]
    assert functions["clamp"].percent == pytest.approx(80.0)
    assert functions["Window.take"].percent == 100.0
    assert (functions["mean"].start_line, functions["mean"].end_line) == (4, 8)
    assert 0 < result.line_coverage < 100

    as_dict = json.loads(json.dumps(result.as_dict()))
    assert as_dict["functions"][0]["percent"] == pytest.approx(200 / 3)


def test_failing_assertion_reports_message_and_line() -> None:
    tests = """\
        import unittest

        from stats import mean


        class TestMean(unittest.TestCase):
            def test_wrong_expectation(self):
                values = [1, 2]
                self.assertEqual(mean(values), 2)

            def test_error_inside_the_module(self):
                mean([])
        """
    result = run(tests)

    failed = by_id(result)["TestMean.test_wrong_expectation"]
    assert failed.outcome == "failed"
    assert failed.message == "AssertionError: 1.5 != 2"
    assert failed.line == line_of(tests, "self.assertEqual(mean(values), 2)")
    assert "assertEqual" in failed.traceback and "unittest" not in failed.traceback

    errored = by_id(result)["TestMean.test_error_inside_the_module"]
    assert errored.outcome == "errored"
    assert errored.message == "ValueError: no values"
    assert errored.line == line_of(tests, "mean([])")
    assert "stats.py" in errored.traceback
    assert (result.failed, result.errored, result.problem) == (1, 1, None)


def test_endless_test_times_out_and_leaves_no_process_behind() -> None:
    marker = f"codegen-sleeper-{os.getpid()}-timeout"
    tests = f"""\
        import subprocess
        import sys
        import time
        import unittest


        class TestHangs(unittest.TestCase):
            def test_finishes(self):
                pass

            def test_spawns_and_hangs(self):
                {sleeper_command(marker)}
                while True:
                    time.sleep(0.05)
        """
    started = time.monotonic()
    result = run(tests, timeout=1.5)

    assert time.monotonic() - started < 5
    assert result.timed_out
    assert "1.5 s time limit" in result.problem
    assert "during TestHangs.test_spawns_and_hangs" in result.problem
    assert by_id(result)["TestHangs.test_finishes"].outcome == "passed"
    assert by_id(result)["TestHangs.test_spawns_and_hangs"].outcome == "errored"
    assert not result.coverage_measured
    assert wait_until(lambda: not marked_processes(marker))


def test_processes_left_running_by_passing_tests_are_ended() -> None:
    marker = f"codegen-sleeper-{os.getpid()}-daemon"
    tests = f"""\
        import subprocess
        import sys
        import unittest


        class TestBackground(unittest.TestCase):
            def test_starts_a_daemon(self):
                {sleeper_command(marker)}
        """
    result = run(tests)

    assert result.passed == 1 and result.problem is None
    assert wait_until(lambda: not marked_processes(marker))


def test_unbounded_allocation_hits_the_memory_limit() -> None:
    tests = """\
        import unittest


        class TestGreedy(unittest.TestCase):
            def test_allocates_forever(self):
                hoard = []
                while True:
                    hoard.append(bytearray(10_000_000))

            def test_still_runs_afterwards(self):
                self.assertTrue(True)
        """
    result = run(tests, memory_mb=256)

    greedy = by_id(result)["TestGreedy.test_allocates_forever"]
    assert greedy.outcome == "errored"
    assert greedy.message.startswith("MemoryError")
    assert "memory" in result.problem and "256 MB" in result.problem
    assert by_id(result)["TestGreedy.test_still_runs_afterwards"].outcome == "passed"


def test_secrets_are_not_passed_to_generated_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    monkeypatch.setenv("WANDB_API_KEY", "wandb-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-secret")
    monkeypatch.setenv("DB_PASSWORD", "hunter2")
    monkeypatch.setenv("LC_CODEGEN_HARMLESS", "kept")
    tests = """\
        import os
        import unittest


        class TestEnvironment(unittest.TestCase):
            def test_no_openai_key(self):
                self.assertIsNone(os.environ.get("OPENAI_API_KEY"))

            def test_no_other_secrets(self):
                names = ("WANDB_API_KEY", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "DB_PASSWORD")
                for name in names:
                    self.assertNotIn(name, os.environ)
                for value in ("sk-test-secret", "wandb-secret", "aws-secret", "hunter2"):
                    self.assertNotIn(value, repr(dict(os.environ)))

            def test_ordinary_variables_and_sandbox_settings(self):
                self.assertEqual(os.environ["LC_CODEGEN_HARMLESS"], "kept")
                self.assertEqual(os.environ["PYTHONDONTWRITEBYTECODE"], "1")
                self.assertEqual(os.environ["HOME"], os.getcwd())
                self.assertEqual(os.path.expanduser("~"), os.getcwd())
        """
    result = run(tests)

    assert result.passed == 3, [(test.test_id, test.message) for test in result.tests]


def test_written_files_stay_in_the_sandbox(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    tests = """\
        import os
        import pathlib
        import tempfile
        import unittest

        import stats


        class TestWrites(unittest.TestCase):
            def test_writes_everywhere_it_is_pointed(self):
                pathlib.Path("relative.txt").write_text("x")
                with self.assertRaises(PermissionError):  # the copies' folder is read-only
                    pathlib.Path(stats.__file__).with_name("next_to_module.txt").write_text("x")
                pathlib.Path(os.path.expanduser("~/in_home.txt")).write_text("x")
                with tempfile.NamedTemporaryFile(delete=False) as stream:
                    stream.write(b"x")
                os.makedirs("nested/deeper")
                print("cwd:", os.getcwd(), "tmp:", stream.name)
        """
    (project / "stats.py").write_text(MODULE)
    (project / "test_stats.py").write_text(source(tests))
    before = sorted(path.relative_to(project) for path in project.rglob("*"))

    result = run((project / "test_stats.py").read_text(), (project / "stats.py").read_text())

    assert result.passed == 1, result.tests
    assert sorted(path.relative_to(project) for path in project.rglob("*")) == before
    cwd = Path(result.stdout_tail.split("cwd:")[1].split()[0])
    temporary_file = Path(result.stdout_tail.split("tmp:")[1].split()[0])
    assert cwd != project and not cwd.exists(), "the sandbox is removed after the run"
    assert not temporary_file.exists(), "TMPDIR points into the sandbox too"
    assert not list(project.parent.glob("**/relative.txt"))


def test_sys_exit_in_a_test_is_an_error_not_the_end_of_the_run() -> None:
    tests = """\
        import sys
        import unittest


        class TestExit(unittest.TestCase):
            def test_a_calls_sys_exit(self):
                sys.exit(0)

            def test_b_runs_afterwards(self):
                pass
        """
    result = run(tests)

    exiting = by_id(result)["TestExit.test_a_calls_sys_exit"]
    assert exiting.outcome == "errored"
    assert exiting.message == "SystemExit: 0"
    assert by_id(result)["TestExit.test_b_runs_afterwards"].outcome == "passed"
    assert result.problem is None and result.coverage_measured


def test_os_exit_keeps_earlier_results_and_says_where_it_stopped() -> None:
    tests = """\
        import os
        import unittest


        class TestHardExit(unittest.TestCase):
            def test_a_passes(self):
                pass

            def test_b_fails(self):
                self.fail("expected")

            def test_c_exits(self):
                print("about to leave", flush=True)
                os._exit(3)

            def test_d_never_runs(self):
                pass
        """
    result = run(tests)

    assert result.exit_code == 3
    assert "ended early (exit code 3) during TestHardExit.test_c_exits" in result.problem
    assert "Its last output: about to leave" in result.problem
    outcomes = {test_id: test.outcome for test_id, test in by_id(result).items()}
    assert outcomes == {
        "TestHardExit.test_a_passes": "passed",
        "TestHardExit.test_b_fails": "failed",
        "TestHardExit.test_c_exits": "errored",
    }
    assert "exit code 3" in by_id(result)["TestHardExit.test_c_exits"].message
    assert "about to leave" in result.stdout_tail
    assert not result.coverage_measured


def test_test_file_that_fails_to_import_is_a_single_error() -> None:
    tests = """\
        import unittest

        from stats import median


        class TestMedian(unittest.TestCase):
            def test_median(self):
                self.assertEqual(median([1, 2, 3]), 2)
        """
    result = run(tests)

    assert (result.run, result.errored) == (1, 1)
    [entry] = result.tests
    assert entry.test_id == "test_stats"
    assert entry.message.startswith("ImportError: cannot import name 'median'")
    assert entry.line == line_of(tests, "from stats import median")
    assert "could not be imported" in result.problem and "median" in result.problem
    # The module itself was imported (the name lookup failed), but none of its functions ran.
    assert result.coverage_measured
    assert result.functions and all(f.covered_lines == 0 for f in result.functions)


def test_module_with_a_syntax_error() -> None:
    broken = "def mean(values):\n    return sum(values) / len(values\n"
    result = run(PASSING, broken)

    [entry] = result.tests
    assert entry.outcome == "errored"
    assert entry.message.startswith("SyntaxError")
    assert "stats.py" in entry.message or "stats.py" in entry.traceback
    assert entry.line == line_of(PASSING, "from stats import")
    assert "could not be imported" in result.problem
    assert "Coverage" not in result.problem, "the syntax error is the one thing to say"
    assert not result.coverage_measured and result.functions == []


def test_keyboard_interrupt_in_a_test_stops_the_run_with_a_reason() -> None:
    tests = """\
        import unittest


        class TestInterrupt(unittest.TestCase):
            def test_a_passes(self):
                pass

            def test_b_interrupts(self):
                raise KeyboardInterrupt

            def test_c_never_runs(self):
                pass
        """
    result = run(tests)

    outcomes = {test.test_id: test.outcome for test in result.tests}
    assert outcomes == {
        "TestInterrupt.test_a_passes": "passed",
        "TestInterrupt.test_b_interrupts": "errored",
    }
    assert by_id(result)["TestInterrupt.test_b_interrupts"].message == "KeyboardInterrupt"
    assert "stopped at TestInterrupt.test_b_interrupts (KeyboardInterrupt)" in result.problem


def test_module_side_effects_at_import_are_contained(tmp_path: Path) -> None:
    module = MODULE + textwrap.dedent(
        """
        import os
        print("importing stats from", os.getcwd())
        with open("side_effect.txt", "w") as stream:
            stream.write("written at import")
        """
    )
    before = sorted(tmp_path.iterdir())
    result = run(PASSING, module)

    assert result.passed == 4
    assert "importing stats from" in result.stdout_tail
    assert sorted(tmp_path.iterdir()) == before
    assert not Path("side_effect.txt").exists()


def test_flaky_test_is_detected_over_repeats() -> None:
    tests = """\
        import pathlib
        import unittest


        class TestFlaky(unittest.TestCase):
            def test_passes_only_the_first_time(self):
                counter = pathlib.Path("counter.txt")
                runs = int(counter.read_text()) if counter.exists() else 0
                counter.write_text(str(runs + 1))
                self.assertEqual(runs, 0)

            def test_stable(self):
                pass
        """
    result = run(tests, repeats=3)

    flaky = by_id(result)["TestFlaky.test_passes_only_the_first_time"]
    assert (flaky.outcome, flaky.runs, flaky.passes) == ("flaky", 3, 1)
    assert flaky.message.startswith("passed 1 of 3 runs")
    assert "AssertionError" in flaky.message
    stable = by_id(result)["TestFlaky.test_stable"]
    assert (stable.outcome, stable.runs, stable.passes) == ("passed", 3, 3)
    assert (result.flaky, result.passed, result.failed) == (1, 1, 0)
    assert result.coverage_measured


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real virtual environment with nothing installed: no coverage."""
    path = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    missing = subprocess.run([str(python), "-c", "import coverage"], capture_output=True)
    assert missing.returncode != 0, "the bare venv must not have coverage of its own"
    return python


def test_interpreter_without_coverage_gets_ours_on_its_path(bare_venv: Path) -> None:
    result = run(PASSING, python=str(bare_venv))

    assert result.passed == 4 and result.problem is None
    assert result.coverage_measured
    assert {function.name for function in result.functions} >= {"mean", "clamp"}


def test_coverage_missing_still_runs_the_tests(
    bare_venv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A server environment without coverage.py: the support folder then has none to lend.
    monkeypatch.setattr(sandbox, "_coverage_package_dir", lambda: None)
    sandbox.SupportDirectory.remove()
    try:
        result = run(PASSING, python=str(bare_venv))
    finally:
        sandbox.SupportDirectory.remove()

    assert result.passed == 4
    assert not result.coverage_measured
    assert result.line_coverage is None and result.functions == []
    assert "Coverage was not measured" in result.problem
    assert "No module named 'coverage'" in result.problem


def test_missing_interpreter_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    result = run(PASSING, python=str(tmp_path / "no-such-python"))

    assert result.run == 0 and result.exit_code is None
    assert "Could not start the Python interpreter" in result.problem


def test_class_fixture_errors_and_skips_are_reported() -> None:
    tests = """\
        import unittest


        class TestBrokenSetup(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                raise RuntimeError("database unavailable")

            def test_never_runs(self):
                pass


        class TestSkips(unittest.TestCase):
            @unittest.skip("not on this platform")
            def test_skipped(self):
                pass

            @unittest.expectedFailure
            def test_known_bug(self):
                self.assertEqual(1, 2)

            def test_subtests(self):
                for value in (1, 2, 3):
                    with self.subTest(value=value):
                        self.assertLess(value, 3)
        """
    result = run(tests)
    tests_by_id = by_id(result)

    setup = tests_by_id["TestBrokenSetup.setUpClass"]
    assert (setup.outcome, setup.message) == ("errored", "RuntimeError: database unavailable")
    skipped = tests_by_id["TestSkips.test_skipped"]
    assert (skipped.outcome, skipped.message) == ("skipped", "not on this platform")
    assert tests_by_id["TestSkips.test_known_bug"].outcome == "passed"
    subtests = tests_by_id["TestSkips.test_subtests"]
    assert subtests.outcome == "failed"
    assert subtests.message == "(value=3): AssertionError: 3 not less than 3"
    assert result.skipped == 1


def test_file_without_tests_says_so() -> None:
    result = run("import unittest\n")

    assert result.run == 0
    assert "defines no tests" in result.problem


def test_extra_paths_come_after_the_sandbox(tmp_path: Path) -> None:
    library = tmp_path / "project_src"
    library.mkdir()
    (library / "helpers.py").write_text("def double(x):\n    return 2 * x\n")
    (library / "stats.py").write_text("raise RuntimeError('the project copy must not win')\n")
    tests = """\
        import unittest

        from helpers import double
        from stats import mean


        class TestProjectImports(unittest.TestCase):
            def test_both(self):
                self.assertEqual(double(mean([1, 3])), 4)
        """
    result = run(tests, extra_paths=[str(library)])

    assert result.passed == 1, result.tests


async def test_async_run_matches_the_sync_one() -> None:
    result = await run_tests_async(MODULE, source(PASSING), module_name="stats", timeout=TIMEOUT)

    assert (result.passed, result.problem, result.coverage_measured) == (4, None, True)


async def test_cancelling_an_async_run_ends_every_process_of_the_run() -> None:
    marker = f"codegen-sleeper-{os.getpid()}-cancel"
    tests = f"""\
        import subprocess
        import sys
        import time
        import unittest


        class TestSlow(unittest.TestCase):
            def test_slow(self):
                {sleeper_command(marker)}
                time.sleep(60)
        """
    task = asyncio.create_task(
        run_tests_async(MODULE, source(tests), module_name="stats", timeout=30)
    )
    deadline = time.monotonic() + 5
    while not marked_processes(marker) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert marked_processes(marker), "the test started its process"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_until(lambda: not marked_processes(marker))


def test_a_prestarted_runner_behaves_like_a_fresh_one(monkeypatch: pytest.MonkeyPatch) -> None:
    tests = """\
        import os
        import sys
        import unittest


        class TestProcessState(unittest.TestCase):
            def test_state(self):
                self.assertEqual(os.environ["LC_CODEGEN_MARKER"], "on")
                self.assertEqual(sys.path[0], os.path.dirname(__file__))
                self.assertEqual(os.environ["HOME"], os.getcwd())
                self.assertIsNone(os.environ.get("OPENAI_API_KEY"))
        """
    monkeypatch.setenv("LC_CODEGEN_MARKER", "on")
    first = run(tests)
    assert wait_until(lambda: sys.executable in pool.POOL._spares)
    spare = pool.POOL._spares[sys.executable]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-set-between-runs")  # secrets do not change the spare
    second = run(tests)

    assert first.passed == second.passed == 1, (first.tests, second.tests)
    assert spare.process.poll() is not None, "the second run used the spare"
    assert pool.POOL._spares.get(sys.executable) is not spare
    assert second.coverage_measured and second.functions


def test_lines_run_in_threads_the_tests_start_are_covered() -> None:
    """Runners record coverage with coverage.py's compiled tracer alone: threads are traced too."""
    tests = """\
        import threading
        import unittest

        from stats import clamp


        class TestInThreads(unittest.TestCase):
            def test_clamp_in_a_thread(self):
                results = []
                workers = [
                    threading.Thread(target=lambda value=value: results.append(clamp(value, 0, 10)))
                    for value in (-1, 5, 11)
                ]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
                self.assertEqual(sorted(results), [0, 5, 10])
        """
    result = run(tests)

    assert result.passed == 1 and result.problem is None, (result.tests, result.problem)
    functions = {function.name: function for function in result.functions}
    assert functions["clamp"].percent == 100.0, functions["clamp"]
    assert functions["mean"].percent == 0.0, functions["mean"]


def test_a_runner_deletes_its_private_copy_before_any_test_runs() -> None:
    tests = """\
        import os
        import sys
        import unittest


        class TestCopy(unittest.TestCase):
            def test_copy(self):
                [job] = [
                    module for name, module in sys.modules.items() if name.endswith("runner.job")
                ]
                self.assertFalse(os.path.exists(job.__file__))
                self.assertNotIn(os.path.dirname(os.path.dirname(job.__file__)), sys.path)
        """
    result = run(tests)

    assert result.passed == 1, result.tests
    runners = sandbox.SupportDirectory.get() / "runners"  # the copies, the spare's included
    assert wait_until(lambda: not any(runners.iterdir())), list(runners.iterdir())


def test_function_spans_skip_docstrings_and_nest_classes() -> None:
    module = textwrap.dedent(
        '''\
        def documented():
            """Only a docstring."""


        class Outer:
            class Inner:
                async def method(self):
                    """Doc."""
                    return 1
        '''
    )
    assert function_spans(module) == [
        ("documented", 1, 2, None),
        ("Outer.Inner.method", 7, 9, 9),
    ]
    [documented, method] = function_coverage(module, statements={1, 5, 6, 7, 9}, missing={9})
    assert documented.total_lines == 0 and documented.percent == 100.0
    assert method == FunctionCoverage("Outer.Inner.method", 7, 9, 0, 1, [9])
    assert function_spans("def broken(:\n") == []


def test_the_child_environment_is_an_allowlist(tmp_path: Path) -> None:
    base = {
        "PATH": "/usr/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "DATABASE_URL": "postgres://user:hunter2@db/app",
        "GH_PAT": "ghp_x",
        "ANTHROPIC_KEY": "sk-ant",
        "OPENAI_API_KEY": "sk-x",
        "WANDB_API_KEY": "w",
        "PYTHONSTARTUP": "/evil.py",
        "VIRTUAL_ENV": "/venv",
        "SSH_AUTH_SOCK": "/run/agent.sock",
    }
    env = child_environment(base, home=tmp_path, tmpdir=tmp_path / "tmp", pythonpath=["/work"])

    assert {name: env[name] for name in ("PATH", "LANG", "LC_ALL", "TZ")} == {
        "PATH": "/usr/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
    }
    assert env["HOME"] == str(tmp_path) and env["PYTHONPATH"] == "/work"
    for name in (
        "DATABASE_URL",
        "GH_PAT",
        "ANTHROPIC_KEY",
        "OPENAI_API_KEY",
        "WANDB_API_KEY",
        "PYTHONSTARTUP",
        "VIRTUAL_ENV",
        "SSH_AUTH_SOCK",
    ):
        assert name not in env


def test_invalid_module_names_are_refused() -> None:
    with pytest.raises(ValueError, match="not a valid module name"):
        run_tests(MODULE, PASSING, module_name="../escape")
    with pytest.raises(ValueError, match="different names"):
        run_tests(MODULE, PASSING, module_name="stats", test_module_name="stats")


RUNNER_PACKAGE = Path(__file__).resolve().parent.parent / "codegen" / "execution" / "runner"


def test_sandbox_runner_imports_only_the_standard_library() -> None:
    imported = set()
    for module in RUNNER_PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif (
                isinstance(node, ast.ImportFrom) and not node.level
            ):  # its own modules are relative
                imported.add((node.module or "").split(".")[0])
    # coverage, and pytest only for pytest files: both from the test interpreter when it has them
    assert imported - set(sys.stdlib_module_names) == {"coverage", "pytest", "_pytest"}


def test_every_runner_module_keeps_to_python_3_8() -> None:
    # The runner runs under the project's interpreter, which may be as old as 3.8.
    modules = sorted(RUNNER_PACKAGE.glob("*.py"))
    assert len(modules) > 1
    for module in modules:
        ast.parse(module.read_text(), filename=str(module), feature_version=(3, 8))


def run_filter(
    program: list[tuple[int, int, int, int]], nr: int, arch: int, arg0: int = 0, arg1: int = 0
) -> int:
    """What a classic BPF seccomp program returns for one system call (the few opcodes it uses;
    a 32-bit load of an argument reads its low half, as the kernel's does on little-endian)."""
    data = {0: nr, 4: arch, 16: arg0 & 0xFFFFFFFF, 24: arg1 & 0xFFFFFFFF}
    accumulator, pc = 0, 0
    while True:
        code, jt, jf, k = program[pc]
        pc += 1
        if code == 0x20:  # ld [k]
            accumulator = data[k]
        elif code in (0x15, 0x35):  # jeq / jge k
            taken = accumulator == k if code == 0x15 else accumulator >= k
            pc += jt if taken else jf
        elif code == 0x54:  # and k
            accumulator &= k
        elif code == 0x06:  # ret k
            return k
        else:
            raise AssertionError(f"unexpected opcode {code:#x}")


SECCOMP_ALLOW, SECCOMP_EACCES = 0x7FFF0000, 0x00050000 | 13
# machine: (AUDIT_ARCH_*, socket, socketpair, prctl, keyctl, add_key, request_key, inotify_init1,
# fanotify_init, shmget, semget, msgget)
SECCOMP_NUMBERS = {
    "x86_64": (0xC000003E, 41, 53, 157, 250, 248, 249, 294, 300, 29, 64, 68),
    "aarch64": (0xC00000B7, 198, 199, 167, 219, 217, 218, 26, 262, 194, 190, 186),
}


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
@pytest.mark.parametrize("inet", [True, False], ids=["network-namespace", "no-namespace"])
def test_the_seccomp_filter_allows_only_the_sockets_the_run_needs(machine, inet) -> None:
    from codegen.execution.runner import seccomp

    arch, socket_nr, socketpair_nr, *_ = SECCOMP_NUMBERS[machine]
    program = seccomp.filter_program(*seccomp._ARCHITECTURES[machine], inet=inet)

    def verdict(nr: int, arg0: int = 0, arg1: int = 0, on: int = arch) -> int:
        return run_filter(program, nr, on, arg0, arg1)

    inet_verdict = SECCOMP_ALLOW if inet else SECCOMP_EACCES
    for family in (2, 10):  # AF_INET, AF_INET6: only in a network namespace of its own
        for kind in (1, 2, 3):  # stream, datagram, raw
            assert verdict(socket_nr, family, kind) == inet_verdict, (family, kind)
    for family in (1, 16, 17, 0, 38, 40):  # unix, netlink, packet, unspec, alg, vsock
        assert verdict(socket_nr, family, 1) == SECCOMP_EACCES, family
    assert verdict(socket_nr, 2 | (1 << 32), 2) == inet_verdict  # the kernel reads 32 bits
    assert verdict(socketpair_nr, 1, 1) == SECCOMP_ALLOW  # AF_UNIX, SOCK_STREAM
    assert verdict(socketpair_nr, 1, 5 | 0o2000000 | 0o4000) == SECCOMP_ALLOW  # seqpacket, flags
    for kind in (2, 3, 2 | 0o2000000):  # datagram, raw (made a datagram pair), with CLOEXEC
        assert verdict(socketpair_nr, 1, kind) == SECCOMP_EACCES, kind
    assert verdict(socketpair_nr, 30, 1) == SECCOMP_EACCES  # a pair of another family (TIPC)


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_seccomp_filter_refuses_keyrings_watches_and_foreign_calls(machine) -> None:
    from codegen.execution.runner import seccomp

    arch, _, _, prctl_nr, *refused = SECCOMP_NUMBERS[machine]
    program = seccomp.filter_program(*seccomp._ARCHITECTURES[machine], inet=True)
    for nr in [*refused, 425]:  # keyrings, watches, System V IPC, io_uring_setup
        assert run_filter(program, nr, arch) == SECCOMP_EACCES, nr
    if machine == "x86_64":
        assert run_filter(program, 253, arch) == SECCOMP_EACCES  # inotify_init
        assert run_filter(program, 0x40000000 | 41, arch, 2) == SECCOMP_EACCES  # x32
    assert run_filter(program, prctl_nr, arch, 4) == SECCOMP_EACCES  # PR_SET_DUMPABLE
    assert run_filter(program, prctl_nr, arch, 15) == SECCOMP_ALLOW  # PR_SET_NAME
    assert run_filter(program, 0, arch) == SECCOMP_ALLOW
    assert run_filter(program, 102, 0x40000003, 1) == SECCOMP_EACCES  # i386 socketcall on x86-64


def test_a_run_leaves_the_callers_environment_alone() -> None:
    before = dict(os.environ)
    run(PASSING)
    assert dict(os.environ) == before


def test_runners_record_lines_with_the_compiled_tracer_of_the_coverage_installed() -> None:
    """A canary for the coverage.py internals `runner/line_tracer.py` drives (CTracer's
    attributes): with the coverage this project installs, a runner takes the fast path. A coverage
    release that changes them makes runners fall back to importing coverage.py whole (28 ms a cold
    start) without any other test noticing; this one fails then, naming the version."""
    probe = (
        "import importlib.util, os\n"
        "from codegen.execution.runner.line_tracer import load_tracer\n"
        "location = list(importlib.util.find_spec('coverage').submodule_search_locations)[0]\n"
        "print(load_tracer(os.path.dirname(location)) is not None)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    from importlib.metadata import version

    assert completed.stdout.strip() == "True", (version("coverage"), completed.stderr[-2000:])
