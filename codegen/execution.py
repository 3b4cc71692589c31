"""Run a generated unittest file against its module in a sandboxed child Python; report results.

The child (``sandbox_runner.py``) runs in a fresh temporary copy of the two files, under
coverage.py, in its own process group (killed as a whole on timeout or cancellation), with CPU,
memory, open-file and core-dump rlimits, and an environment without secrets.  It guards against
accidents (endless loops, runaway memory, stray files, leaked keys); it is not a security boundary:
the code still runs as the user and can reach anything the user can by absolute path.
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import contextlib
import dataclasses
import fnmatch
import importlib.util
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

RUNNER_SCRIPT = Path(__file__).with_name("sandbox_runner.py")

# Environment variables never passed to generated code (matched case-insensitively).
SECRET_ENV_PATTERNS = (
    "*_API_KEY",
    "API_KEY",
    "*_TOKEN",
    "*_SECRET*",
    "*PASSWORD*",
    "*_ACCESS_KEY*",
    "*_PRIVATE_KEY*",
    "*CREDENTIALS*",
    "WANDB_*",
    "OPENAI_*",
    "AWS_*",
)
# Variables we set ourselves, or that would change how the child interpreter starts.
_OVERRIDDEN_ENV = frozenset(
    {
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONSTARTUP",
        "PYTHONINSPECT",
        "PYTHONPYCACHEPREFIX",
        "COVERAGE_PROCESS_START",
        "COVERAGE_RCFILE",
        "COVERAGE_CORE",
    }
)

MAX_OPEN_FILES = 256
TAIL_BYTES = 4096


@dataclass
class TestCaseResult:
    """The outcome of one test over all repeats."""

    __test__ = False  # not a pytest test class, despite the name

    test_id: str  # "TestMovingAverage.test_window_larger_than_series"
    outcome: str  # "passed" | "failed" | "errored" | "skipped" | "flaky"
    message: str  # "" when passed; "ExcType: first line of the message" otherwise
    line: int | None  # line in the test file where the failure surfaced
    runs: int  # how many times it ran
    passes: int  # how many of those passed
    traceback: str = ""  # the failure's traceback, truncated to its last ~4,000 characters


@dataclass
class FunctionCoverage:
    """Line coverage of one function or method.

    ``start_line``/``end_line`` span the whole ``def`` (decorators excluded).  Counted lines are
    coverage.py's executable statements from the first body statement after the docstring to
    ``end_line``: the ``def`` line and the docstring, which run at import, are not counted.
    """

    name: str  # "moving_average" or "Class.method"
    start_line: int
    end_line: int
    covered_lines: int
    total_lines: int
    missing_lines: list[int]

    @property
    def percent(self) -> float:
        return 100.0 if self.total_lines == 0 else 100.0 * self.covered_lines / self.total_lines


@dataclass
class TestRunResult:
    """Everything one call to ``run_tests`` found out."""

    __test__ = False

    tests: list[TestCaseResult]
    run: int
    passed: int
    failed: int
    errored: int
    skipped: int
    flaky: int
    duration: float  # seconds, wall clock, all repeats
    timed_out: bool  # a wall-clock or CPU time limit stopped the run
    exit_code: int | None  # of the last child; negative: killed by that signal
    problem: str | None  # a user-facing sentence when the run itself went wrong
    coverage_measured: bool
    line_coverage: float | None  # percent of the module's executable lines covered
    functions: list[FunctionCoverage] = field(default_factory=list)
    stdout_tail: str = ""
    stderr_tail: str = ""

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        for entry, function in zip(data["functions"], self.functions):
            entry["percent"] = function.percent
        return data


@dataclass(frozen=True)
class _RunSpec:
    module_source: str
    test_source: str
    module_name: str
    test_module_name: str
    python: str
    timeout: float
    repeats: int
    memory_mb: int
    extra_paths: tuple[str, ...]

    @property
    def cpu_seconds(self) -> int:
        return max(1, math.ceil(self.timeout))


@dataclass
class _ChildRun:
    """What one child process left behind."""

    events: list[dict]
    exit_code: int | None
    killed_on_timeout: bool
    stdout_tail: str
    stderr_tail: str
    start_error: str | None = None

    @property
    def finished(self) -> bool:
        return any(event["event"] == "done" for event in self.events)


def run_tests(
    module_source: str,
    test_source: str,
    *,
    module_name: str,
    test_module_name: str | None = None,
    python: str | None = None,
    timeout: float = 30.0,
    repeats: int = 1,
    memory_mb: int = 2048,
    extra_paths: Sequence[str] = (),
) -> TestRunResult:
    """Run ``test_source`` against ``module_source`` in a sandboxed child, ``repeats`` times.

    Each repeat is a fresh child in the same temporary directory; ``timeout`` applies to each.
    For synchronous callers (it runs its own event loop); async code awaits ``run_tests_async``.
    """
    return asyncio.run(run_tests_async(**locals()))


async def run_tests_async(
    module_source: str,
    test_source: str,
    *,
    module_name: str,
    test_module_name: str | None = None,
    python: str | None = None,
    timeout: float = 30.0,
    repeats: int = 1,
    memory_mb: int = 2048,
    extra_paths: Sequence[str] = (),
) -> TestRunResult:
    """Run the tests in sandboxed children; cancelling the task kills the child's whole process group."""
    spec = _make_spec(**locals())
    started = time.monotonic()
    runs: list[_ChildRun] = []
    with _Sandbox(spec) as sandbox:
        for index in range(spec.repeats):
            runs.append(await _run_child_async(sandbox, index))
            if not runs[-1].finished:
                break
    return _summarize(spec, runs, time.monotonic() - started)


def _make_spec(**arguments) -> _RunSpec:
    module_name = arguments["module_name"]
    test_module_name = arguments["test_module_name"] or f"test_{module_name}"
    for name in (module_name, test_module_name):
        if not name.isidentifier():
            raise ValueError(
                f"{name!r} is not a valid module name: use letters, digits and underscores"
            )
    if module_name == test_module_name:
        raise ValueError("the module and its test module need different names")
    if arguments["timeout"] <= 0 or arguments["repeats"] < 1 or arguments["memory_mb"] < 1:
        raise ValueError("timeout, repeats and memory_mb must be positive")
    return _RunSpec(
        module_source=arguments["module_source"],
        test_source=arguments["test_source"],
        module_name=module_name,
        test_module_name=test_module_name,
        python=arguments["python"] or sys.executable,
        timeout=float(arguments["timeout"]),
        repeats=int(arguments["repeats"]),
        memory_mb=int(arguments["memory_mb"]),
        extra_paths=tuple(os.path.abspath(path) for path in arguments["extra_paths"]),
    )


# --- the sandbox directory ---------------------------------------------------------------------


class _SupportDirectory:
    """A per-process directory: the runner, a link to our coverage package, a bytecode cache.

    Only the ``coverage`` package is exposed (not all of our site-packages, which would shadow the
    project's own numpy & co.), and its path stays the same all session so the bytecode cache works.
    """

    _lock = threading.Lock()
    _path: Path | None = None

    @classmethod
    def get(cls) -> Path:
        with cls._lock:
            if cls._path is None or not (cls._path / "lib" / RUNNER_SCRIPT.name).exists():
                cls._path = cls._create()
            return cls._path

    @classmethod
    def remove(cls) -> None:
        with cls._lock:
            if cls._path is not None:
                shutil.rmtree(cls._path, ignore_errors=True)
                cls._path = None

    @staticmethod
    def _create() -> Path:
        path = Path(tempfile.mkdtemp(prefix="codegen-sandbox-support-"))
        for name in ("lib", "pycache", "idle", "logs"):
            (path / name).mkdir()
        shutil.copyfile(RUNNER_SCRIPT, path / "lib" / RUNNER_SCRIPT.name)
        coverage_dir = _coverage_package_dir()
        if coverage_dir is not None:
            os.symlink(coverage_dir, path / "lib" / "coverage", target_is_directory=True)
        return path


def _coverage_package_dir() -> Path | None:
    """Where our environment's coverage package lives, found without importing it."""
    spec = importlib.util.find_spec("coverage")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


class _Sandbox:
    """A temporary directory holding a copy of the module and its tests, removed on exit."""

    def __init__(self, spec: _RunSpec):
        self.spec = spec
        self._tempdir = tempfile.TemporaryDirectory(
            prefix="codegen-run-", ignore_cleanup_errors=True
        )
        self.root = Path(self._tempdir.name)
        self.workdir = self.root / "work"
        self.output = self.root / "output"
        for directory in (self.workdir, self.output, self.root / "tmp"):
            directory.mkdir()
        self.module_file = self.workdir / f"{spec.module_name}.py"
        self.test_file = self.workdir / f"{spec.test_module_name}.py"
        self.module_file.write_text(spec.module_source, encoding="utf-8")
        self.test_file.write_text(spec.test_source, encoding="utf-8")
        self.support = _SupportDirectory.get()
        self.sys_path = [str(self.workdir), *spec.extra_paths, str(self.support / "lib")]
        self.env = child_environment(
            os.environ, home=self.workdir, tmpdir=self.root / "tmp", pythonpath=self.sys_path
        )

    def __enter__(self) -> _Sandbox:
        return self

    def __exit__(self, *exc_info) -> None:
        self._tempdir.cleanup()

    def output_file(self, index: int, kind: str) -> Path:
        return self.output / f"run-{index}.{kind}"

    def job(self, index: int) -> dict:
        """The runner's instructions for repeat ``index``."""
        return {
            "workdir": str(self.workdir),
            "env": self.env,
            "sys_path": self.sys_path,
            "module_file": str(self.module_file),
            "test_file": str(self.test_file),
            "test_module": self.spec.test_module_name,
            "results_file": str(self.output_file(index, "jsonl")),
            "stdout_file": str(self.output_file(index, "stdout")),
            "stderr_file": str(self.output_file(index, "stderr")),
            "coverage": index == 0,  # coverage is measured on the first run only
            "cpu_seconds": self.spec.cpu_seconds,
            "memory_bytes": self.spec.memory_mb * 1024 * 1024,
            "max_open_files": MAX_OPEN_FILES,
        }

    def collect(
        self, index: int, runner: _Runner, exit_code: int | None, killed_on_timeout: bool
    ) -> _ChildRun:
        stderr = self.output_file(index, "stderr")
        if not stderr.exists():  # the runner died before its job: its own log says why
            stderr = runner.log
        run = _ChildRun(
            events=_read_events(self.output_file(index, "jsonl")),
            exit_code=exit_code,
            killed_on_timeout=killed_on_timeout,
            stdout_tail=_tail(self.output_file(index, "stdout")),
            stderr_tail=_tail(stderr),
        )
        runner.log.unlink(missing_ok=True)
        return run


def is_secret_env_name(name: str) -> bool:
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in SECRET_ENV_PATTERNS)


def child_environment(
    base: Mapping[str, str], *, home: Path, tmpdir: Path, pythonpath: Sequence[str]
) -> dict[str, str]:
    """The child's environment: ``base`` without secrets or start-up overrides, plus ours."""
    env = {
        name: value
        for name, value in base.items()
        if not is_secret_env_name(name) and name.upper() not in _OVERRIDDEN_ENV
    }
    if sys.platform.startswith("linux") and "PYTHONUSERBASE" not in env:
        # HOME moves into the sandbox; keep `pip install --user` packages importable all the same.
        env["PYTHONUSERBASE"] = os.path.expanduser("~/.local")
    env.update(
        PYTHONPATH=os.pathsep.join(pythonpath),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="random",
        PYTHONIOENCODING="utf-8",
        HOME=str(home),
        TMPDIR=str(tmpdir),
    )
    return env


def _read_events(path: Path) -> list[dict]:
    events = []
    try:
        lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        return events
    for line in lines:
        with contextlib.suppress(ValueError):
            event = json.loads(line)
            if isinstance(event, dict) and "event" in event:
                events.append(event)
    return events


def _tail(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            stream.seek(0, os.SEEK_END)
            stream.seek(max(0, stream.tell() - TAIL_BYTES))
            return stream.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


# --- runner processes -------------------------------------------------------------------------


@dataclass
class _Runner:
    """A started ``sandbox_runner.py``: it imports unittest and coverage, then waits for its job."""

    process: subprocess.Popen
    log: Path  # its stdout and stderr until the job redirects them
    spawn_env: dict[str, str]
    started: float

    def send(self, job: dict) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it died early: collect() reports how
            try:
                stdin.write(json.dumps(job).encode("utf-8") + b"\n")
            finally:
                stdin.close()

    def discard(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.process.stdin.close()  # an idle runner exits on end of input
        _kill_group(self.process.pid)
        self.process.wait()
        self.log.unlink(missing_ok=True)


def _spawn_environment(support: Path) -> dict[str, str]:
    idle = support / "idle"
    return child_environment(os.environ, home=idle, tmpdir=idle, pythonpath=[str(support / "lib")])


def _spawn_runner(python: str, support: Path, env: dict[str, str]) -> _Runner:
    log_fd, log_name = tempfile.mkstemp(prefix="runner-", suffix=".log", dir=support / "logs")
    try:
        process = subprocess.Popen(
            [python, str(support / "lib" / RUNNER_SCRIPT.name), str(support / "pycache")],
            cwd=support / "idle",
            env=env,
            stdin=subprocess.PIPE,
            stdout=log_fd,
            stderr=log_fd,
            start_new_session=True,  # its own process group, so a kill reaches grandchildren too
        )
    except OSError:
        os.unlink(log_name)
        raise
    finally:
        os.close(log_fd)
    return _Runner(process, Path(log_name), env, time.monotonic())


class _RunnerPool:
    """Keeps one runner started ahead of need per interpreter.

    Importing coverage costs a runner ~55 ms, more than a whole plain unittest run; a runner started
    while the previous job runs has paid it by the time the next job comes.  A spare is used only if
    it was started with the same environment and is younger than ``MAX_AGE`` seconds.
    """

    MAX_AGE = 300.0

    def __init__(self) -> None:
        self.enabled = True
        self._lock = threading.Lock()
        self._spares: dict[str, _Runner] = {}
        self._owner = os.getpid()

    def take(self, python: str) -> _Runner:
        """A runner for one job: the spare if it fits, else a new one (OSError if none starts)."""
        support = _SupportDirectory.get()
        env = _spawn_environment(support)
        with self._lock:
            if self._owner != os.getpid():  # a forked copy of the parent: the spares are not ours
                self._spares, self._owner = {}, os.getpid()
            spare = self._spares.pop(python, None)
        if spare is not None and not self._fits(spare, env):
            spare.discard()
            spare = None
        return spare or _spawn_runner(python, support, env)

    def refill(self, python: str) -> None:
        """Start the next spare in the background, after a job, so it does not compete with one."""
        if self.enabled:
            threading.Thread(target=self._replace, args=(python,), daemon=True).start()

    def _fits(self, spare: _Runner, env: dict[str, str]) -> bool:
        return (
            spare.process.poll() is None
            and spare.spawn_env == env
            and time.monotonic() - spare.started < self.MAX_AGE
        )

    def _replace(self, python: str) -> None:
        support = _SupportDirectory.get()
        try:
            replacement = _spawn_runner(python, support, _spawn_environment(support))
        except OSError:
            return
        with self._lock:
            unwanted = [self._spares.pop(python, None)]  # another job got there first
            if self.enabled:
                self._spares[python] = replacement
            else:  # turned off meanwhile
                unwanted.append(replacement)
        for runner in unwanted:
            if runner is not None:
                runner.discard()

    def set_enabled(self, enabled: bool) -> None:
        with self._lock:
            self.enabled = enabled
        if not enabled:
            self.clear()

    def clear(self) -> None:
        """Stop all idle runners."""
        with self._lock:
            spares, self._spares = list(self._spares.values()), {}
            owned = self._owner == os.getpid()
        if owned:
            for spare in spares:
                spare.discard()


_POOL = _RunnerPool()


@atexit.register
def _shut_down() -> None:
    """Stop idle runners first, then remove the directory they run from."""
    _POOL.set_enabled(False)
    if _POOL._owner == os.getpid():
        _SupportDirectory.remove()


def prestart_runners(enabled: bool) -> None:
    """Turn on (the default) or off keeping a runner started ahead of the next test run."""
    _POOL.set_enabled(enabled)


def warm_up(python: str | None = None) -> None:
    """Start a runner for ``python`` now, so even the first test run skips its start-up cost.

    Call it only where running tests is allowed: it starts that interpreter (no user code).
    """
    _POOL.refill(python or sys.executable)


def _kill_group(pgid: int) -> None:
    """SIGKILL the runner's process group: the runner if alive and whatever it left running."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _open_pidfd(process: subprocess.Popen) -> int | None:
    """A descriptor that becomes readable when the process exits, without reaping it."""
    try:
        return os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # not Linux 5.3+: callers fall back to Popen.wait
        return None


async def _wait_for_exit_async(process: subprocess.Popen, timeout: float | None) -> bool:
    """Wait until the runner exits or ``timeout`` passes, without blocking the loop; True if it exited."""
    pidfd = _open_pidfd(process)
    if pidfd is None:
        return await _wait_in_thread(process, timeout)
    loop = asyncio.get_running_loop()
    exited = loop.create_future()
    try:
        loop.add_reader(pidfd, lambda: exited.done() or exited.set_result(None))
    except NotImplementedError:  # an event loop without add_reader
        os.close(pidfd)
        return await _wait_in_thread(process, timeout)
    try:
        await asyncio.wait_for(exited, timeout)
        return True
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


async def _wait_in_thread(process: subprocess.Popen, timeout: float | None) -> bool:
    try:
        await asyncio.wait_for(asyncio.to_thread(process.wait), timeout)
        return True
    except TimeoutError:
        return False


def _start_failure(spec: _RunSpec, error: OSError) -> _ChildRun:
    return _ChildRun(
        events=[],
        exit_code=None,
        killed_on_timeout=False,
        stdout_tail="",
        stderr_tail="",
        start_error=f"Could not start the Python interpreter {spec.python}: {error}. "
        "Check the interpreter setting.",
    )


async def _run_child_async(sandbox: _Sandbox, index: int) -> _ChildRun:
    try:
        runner = _POOL.take(sandbox.spec.python)
    except OSError as error:
        return _start_failure(sandbox.spec, error)
    exited = False
    try:
        runner.send(sandbox.job(index))
        exited = await _wait_for_exit_async(runner.process, sandbox.spec.timeout)
    finally:  # on cancellation too: the whole group goes
        _kill_group(runner.process.pid)
        if not exited:
            await asyncio.shield(_wait_for_exit_async(runner.process, None))
        exit_code = runner.process.wait()
    _POOL.refill(sandbox.spec.python)
    return sandbox.collect(index, runner, exit_code, killed_on_timeout=not exited)


# --- turning child events into a TestRunResult -----------------------------------------------


def _summarize(spec: _RunSpec, runs: list[_ChildRun], duration: float) -> TestRunResult:
    outcomes: dict[str, list[dict]] = {}
    problems: list[str] = []
    for run in runs:
        for event in run.events:
            if event["event"] in ("result", "import_error"):
                outcome = "errored" if event["event"] == "import_error" else event["outcome"]
                outcomes.setdefault(event["id"], []).append({**event, "outcome": outcome})
            if event["event"] == "import_error":
                problems.append(f"The test file could not be imported: {event['message']}.")
            elif event["event"] == "aborted":
                where = event["id"] or "a test"
                problems.append(
                    f"The test run stopped at {where} ({event['message']});"
                    " the tests after it did not run."
                )
        interrupted = _interruption(spec, run)
        if interrupted is not None:
            test_id, sentence, message = interrupted
            problems.append(sentence)
            if test_id is not None:
                outcomes.setdefault(test_id, []).append(
                    {"outcome": "errored", "message": message, "traceback": "", "line": None}
                )

    tests = [_merge_outcomes(test_id, entries) for test_id, entries in outcomes.items()]
    out_of_memory = [test.test_id for test in tests if test.message.startswith("MemoryError")]
    if out_of_memory:
        problems.append(
            f"{', '.join(out_of_memory)} ran out of memory (the limit is {spec.memory_mb} MB)."
        )
    last = runs[-1]
    if last.finished and not outcomes:
        problems.append("The test file defines no tests: add TestCase methods named test_*.")

    coverage_measured, line_coverage, functions, coverage_problem = _coverage(spec, runs[0])
    if coverage_problem:
        problems.append(coverage_problem)

    count = {name: sum(test.outcome == name for test in tests) for name in _OUTCOMES}
    return TestRunResult(
        tests=tests,
        run=len(tests),
        passed=count["passed"],
        failed=count["failed"],
        errored=count["errored"],
        skipped=count["skipped"],
        flaky=count["flaky"],
        duration=duration,
        timed_out=any(run.killed_on_timeout or run.exit_code == -signal.SIGXCPU for run in runs),
        exit_code=last.exit_code,
        problem=" ".join(problems) or None,
        coverage_measured=coverage_measured,
        line_coverage=line_coverage,
        functions=functions,
        stdout_tail=last.stdout_tail,
        stderr_tail=last.stderr_tail,
    )


_OUTCOMES = ("passed", "failed", "errored", "skipped", "flaky")


def _interruption(spec: _RunSpec, run: _ChildRun) -> tuple[str | None, str, str] | None:
    """For a run that did not finish: (the test it was in, a sentence for the user, a message)."""
    if run.finished:
        return None
    if run.start_error:
        return None, run.start_error, ""
    finished_ids = {event["id"] for event in run.events if event["event"] == "result"}
    started = [event["id"] for event in run.events if event["event"] == "start"]
    current = next((test for test in reversed(started) if test not in finished_ids), None)
    where = f"during {current}" if current else "before the tests finished"
    code = run.exit_code
    if run.killed_on_timeout:
        limit = f"{spec.timeout:g} s"
        return (
            current,
            f"The tests did not finish within the {limit} time limit and were stopped {where}.",
            f"timed out after {limit}",
        )
    if code == -signal.SIGXCPU:
        limit = f"{spec.cpu_seconds} s"
        return (
            current,
            f"The tests used up their CPU time limit of {limit} and were stopped {where};"
            " look for an endless loop.",
            f"exceeded the CPU time limit of {limit}",
        )
    if code is not None and code < 0:
        name = _signal_name(-code)
        hint = ""
        if code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
            hint = f"; it may have gone over the memory limit of {spec.memory_mb} MB"
        return current, f"The test process was killed by {name} {where}{hint}.", f"killed by {name}"
    if not run.events:  # the runner itself failed, e.g. an interpreter too old for it
        last_line = (run.stderr_tail.strip().splitlines() or ["no output"])[-1]
        return None, (
            f"The test runner failed to start under {spec.python} (exit code {code}): {last_line}"
        ), ""
    return (
        current,
        f"The test process exited early (exit code {code}) {where};"
        " the tests after it did not run.",
        f"the test process exited (exit code {code}) during this test",
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _merge_outcomes(test_id: str, entries: list[dict]) -> TestCaseResult:
    """One result per test: passed or failed in every run, or flaky when runs disagree."""
    ran = [entry for entry in entries if entry["outcome"] != "skipped"]
    passes = sum(entry["outcome"] == "passed" for entry in ran)
    failures = [entry for entry in ran if entry["outcome"] != "passed"]
    if not ran:
        outcome, source = "skipped", entries[0]
    elif not failures:
        outcome, source = "passed", None
    elif passes:
        outcome, source = "flaky", failures[0]
    else:
        outcome, source = failures[0]["outcome"], failures[0]
    message = "" if source is None else source.get("message", "")
    if outcome == "flaky":
        message = f"passed {passes} of {len(ran)} runs; otherwise {message}"
    return TestCaseResult(
        test_id=test_id,
        outcome=outcome,
        message=message,
        line=None if source is None else source.get("line"),
        runs=len(entries),
        passes=passes,
        traceback="" if source is None else source.get("traceback", ""),
    )


def _coverage(
    spec: _RunSpec, run: _ChildRun
) -> tuple[bool, float | None, list[FunctionCoverage], str | None]:
    """(measured, line coverage, per-function coverage, why it was not measured)."""
    data = next((event for event in run.events if event["event"] == "coverage"), None)
    if data is not None:
        statements, missing = set(data["statements"]), set(data["missing"])
        covered = len(statements) - len(missing)
        percent = 100.0 if not statements else 100.0 * covered / len(statements)
        return True, percent, function_coverage(spec.module_source, statements, missing), None
    unavailable = next((e for e in run.events if e["event"] == "coverage_unavailable"), None)
    if unavailable is None:  # the run was interrupted, which is reported already
        return False, None, [], None if not run.finished else "Coverage was not measured."
    if not _parses(spec.module_source):  # the import error already says the module is broken
        return False, None, [], None
    reason = unavailable["reason"]
    if "coverage" in reason and reason.startswith(("ModuleNotFoundError", "ImportError")):
        reason = f"coverage.py could not be imported by {spec.python} ({reason})"
    return False, None, [], f"Coverage was not measured: {reason}."


def _parses(module_source: str) -> bool:
    try:
        ast.parse(module_source)
        return True
    except SyntaxError:
        return False


def function_spans(module_source: str) -> list[tuple[str, int, int, int | None]]:
    """Top-level functions and (nested) class methods: (name, def line, end line, first body line).

    The first body line skips a docstring; it is None when the body is only a docstring.
    """
    try:
        tree = ast.parse(module_source)
    except SyntaxError:
        return []
    spans: list[tuple[str, int, int, int | None]] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                statements = node.body
                if ast.get_docstring(node, clean=False) is not None:
                    statements = statements[1:]
                first = statements[0].lineno if statements else None
                end = node.end_lineno or node.lineno
                spans.append((prefix + node.name, node.lineno, end, first))
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return spans


def function_coverage(
    module_source: str, statements: set[int], missing: set[int]
) -> list[FunctionCoverage]:
    """Intersect coverage.py's executable and missing lines with each function's body."""
    result = []
    for name, start, end, first in function_spans(module_source):
        body = set() if first is None else {line for line in statements if first <= line <= end}
        body_missing = sorted(body & missing)
        result.append(
            FunctionCoverage(
                name=name,
                start_line=start,
                end_line=end,
                covered_lines=len(body) - len(body_missing),
                total_lines=len(body),
                missing_lines=body_missing,
            )
        )
    return result
