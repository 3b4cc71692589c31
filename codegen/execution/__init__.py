"""Run a generated unittest file against its module in a sandboxed child Python; report results.

The child (``child_runner.py``) confines itself before any generated code runs: Landlock keeps it
to reading the interpreter and the project's sources and writing its own run folder, with no TCP
and no signals to outside processes; new user, network, PID and IPC namespaces leave it no network
at all and take every process it starts down with the run.  Each layer is used where the platform
has it, and the level reached is reported with every result.  The parent reads nothing from the run
folder: results come over an inherited pipe, each line carrying a per-run token, and only for tests
the test file defines.
"""

from __future__ import annotations

import ast
import asyncio
import atexit
import contextlib
import dataclasses
import functools
import importlib.util
import json
import math
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..scoring.quality import AST_LOCK

RUNNER_SCRIPT = Path(__file__).with_name("child_runner.py")

# The only variables generated code sees from our environment (plus LC_*); everything else,
# secrets included, stays out whatever its name.
ALLOWED_ENV = frozenset({"PATH", "LANG", "LANGUAGE", "TZ", "TERM", "LD_LIBRARY_PATH", "PYTHONUTF8", "NO_COLOR",
                         "SYSTEMROOT", "COMSPEC", "PATHEXT", "WINDIR"})
ISOLATION_LEVELS = ("full", "filesystem", "none")

MAX_OPEN_FILES = 256
TAIL_BYTES = 4096
MAX_FILE_MB = 64  # any one file the tests write
MAX_DISK_MB = 256  # everything in the run folder
MAX_RESULTS_BYTES = 16 * 1024 * 1024  # what the parent reads back from the results pipe
KILL_GRACE = 2.0  # seconds past the time limit before the parent kills the supervisor itself


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
    isolation: str = "unknown"  # "full" | "filesystem" | "none": how far the sandbox confined the run
    isolation_missing: list[str] = field(default_factory=list)  # the layers this machine lacked
    not_run: bool = False  # refused before any generated code ran (no sandbox, none allowed)
    statement_lines: list[int] = field(default_factory=list)  # the module's executable lines (coverage.py)
    missing_lines: list[int] = field(default_factory=list)  # those no test executed

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        for entry, function in zip(data["functions"], self.functions):
            entry["percent"] = function.percent
        return data


@dataclass(frozen=True)
class Isolation:
    """How far the sandbox confined a run, and what this machine lacked."""

    level: str  # "full" | "filesystem" | "none" | "unknown" (the run ended before saying)
    layers: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    def describe(self) -> str:
        text = {
            "full": "full (files, network and processes confined)",
            "filesystem": "filesystem only",
            "none": "none (generated code runs with your permissions)",
        }.get(self.level, self.level)
        return text + (f"; missing: {'; '.join(self.missing)}" if self.missing and self.level != "full" else "")


UNSANDBOXED_REFUSAL = (
    "Tests not run: this machine offers no sandbox for generated code ({missing}), so it would run with "
    "your permissions. To run them anyway, pass --allow-unsandboxed (CLI), set CODEGEN_ALLOW_UNSANDBOXED=true, "
    "or turn on codegen.allowUnsandboxedTests in the editor's user settings."
)


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
    allow_unsandboxed: bool
    layers_off: tuple[str, ...] = ()  # "namespaces", "landlock": for measuring what each costs
    framework: str = "unittest"  # "unittest" | "pytest"
    only: tuple[str, ...] = ()  # run just these tests or classes ("Class", "Class.test_x", "test_f")

    @property
    def cpu_seconds(self) -> int:
        return max(1, math.ceil(self.timeout))


@dataclass
class _ChildRun:
    """What one child process told us, and how it ended."""

    events: list[dict]
    exit_code: int | None  # of the test process; None if it did not exit normally
    signal: int | None  # the signal that ended the test process
    limit: str | None  # "time" | "memory" | "disk" | "files" | "output" | "stopped": what the supervisor enforced
    stdout_tail: str
    stderr_tail: str
    foreign_lines: int = 0  # lines on the results pipe without this run's token
    start_error: str | None = None

    @property
    def finished(self) -> bool:
        return any(event["event"] == "done" for event in self.events)

    def first(self, name: str) -> dict | None:
        return next((event for event in self.events if event["event"] == name), None)


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
    allow_unsandboxed: bool = False,
    layers_off: Sequence[str] = (),
    framework: str = "auto",
    only: Sequence[str] = (),
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
    allow_unsandboxed: bool = False,
    layers_off: Sequence[str] = (),
    framework: str = "auto",
    only: Sequence[str] = (),
) -> TestRunResult:
    """Run the tests in sandboxed children; cancelling the task ends every process of the run.

    ``extra_paths`` (the project's folders) are importable and readable, never writable; where the
    machine has no sandbox at all, nothing runs unless ``allow_unsandboxed``.
    """
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
        allow_unsandboxed=bool(arguments["allow_unsandboxed"]),
        layers_off=tuple(arguments.get("layers_off") or ()),
        framework=_framework(arguments.get("framework") or "auto", arguments["test_source"]),
        only=_only(arguments.get("only") or ()),
    )


# --- the sandbox directory ---------------------------------------------------------------------


class _SupportDirectory:
    """A per-process directory: a link to our coverage package, a bytecode cache, runner copies.

    Only the ``coverage`` package is exposed (not all of our site-packages, which would shadow the
    project's own numpy & co.), and its path stays the same all session so the bytecode cache works.
    Sandboxed children can read it, never write it.
    """

    _lock = threading.Lock()
    _path: Path | None = None

    @classmethod
    def get(cls) -> Path:
        with cls._lock:
            if cls._path is None or not (cls._path / "lib").is_dir():
                cls._path = cls._create()
            return cls._path

    @classmethod
    def remove(cls) -> None:
        with cls._lock:
            if cls._path is not None:
                remove_tree(cls._path)
                cls._path = None

    @staticmethod
    def _create() -> Path:
        path = Path(tempfile.mkdtemp(prefix="codegen-sandbox-support-"))
        for name in ("lib", "pycache", "idle", "runners"):
            (path / name).mkdir()
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


def remove_tree(path: Path) -> None:
    """Remove a folder whatever the tests left in it (read-only folders, FIFOs, symlinks)."""

    def make_writable_and_retry(function, failed_path, _):
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(failed_path), stat.S_IRWXU)
            if not os.path.islink(failed_path) and os.path.isdir(failed_path):
                os.chmod(failed_path, stat.S_IRWXU)
            function(failed_path)

    shutil.rmtree(path, onerror=make_writable_and_retry)
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


class _Sandbox:
    """A temporary folder holding a copy of the module and its tests, removed on exit."""

    def __init__(self, spec: _RunSpec):
        self.spec = spec
        self.root = Path(tempfile.mkdtemp(prefix="codegen-run-"))
        self.workdir = self.root / "work"
        for directory in (self.workdir, self.root / "tmp"):
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
        remove_tree(self.root)

    def job(self, index: int, token: str) -> dict:
        """The runner's instructions for repeat ``index``."""
        spec = self.spec
        return {
            "token": token,
            "run_root": str(self.root),
            "workdir": str(self.workdir),
            "env": self.env,
            "sys_path": self.sys_path,
            "project_paths": list(spec.extra_paths),
            "module_file": str(self.module_file),
            "test_file": str(self.test_file),
            "test_module": spec.test_module_name,
            "coverage": index == 0,  # coverage is measured on the first run only
            "timeout": spec.timeout,
            "cpu_seconds": spec.cpu_seconds,
            "memory_bytes": spec.memory_mb * 1024 * 1024,
            "max_file_bytes": MAX_FILE_MB * 1024 * 1024,
            "max_disk_bytes": MAX_DISK_MB * 1024 * 1024,
            "max_open_files": MAX_OPEN_FILES,
            "allow_unsandboxed": spec.allow_unsandboxed,
            "no_namespaces": "namespaces" in spec.layers_off,
            "no_landlock": "landlock" in spec.layers_off,
            "framework": spec.framework,
            "only": list(spec.only),
        }


def child_environment(
    base: Mapping[str, str], *, home: Path, tmpdir: Path, pythonpath: Sequence[str]
) -> dict[str, str]:
    """The child's environment: the few variables in ``ALLOWED_ENV`` and ``LC_*`` from ``base``, plus ours."""
    env = {name: value for name, value in base.items() if name in ALLOWED_ENV or name.startswith("LC_")}
    env.setdefault("PATH", os.defpath)
    env.update(
        PYTHONPATH=os.pathsep.join(pythonpath),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONHASHSEED="random",
        PYTHONIOENCODING="utf-8",
        HOME=str(home),
        TMPDIR=str(tmpdir),
    )
    return env


FRAMEWORKS = ("auto", "unittest", "pytest")


def detect_framework(test_source: str) -> str:
    """"pytest" for a file of plain test functions or one that imports pytest, else "unittest"."""
    try:
        with AST_LOCK:
            tree = ast.parse(test_source)
    except (SyntaxError, ValueError):
        return "unittest"
    imports = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    imports |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    functions = any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")
                    for node in tree.body)
    return "pytest" if "pytest" in imports or (functions and "unittest" not in imports) else "unittest"


def _only(names: Sequence[str]) -> tuple[str, ...]:
    for name in names:
        if not all(part.isidentifier() for part in name.partition("[")[0].split(".")):
            raise ValueError(f"{name!r} is not a test id: use Class, Class.test_name or test_name")
    return tuple(names)


def _framework(choice: str, test_source: str) -> str:
    if choice not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {', '.join(FRAMEWORKS)}")
    return detect_framework(test_source) if choice == "auto" else choice


def declared_test_ids(test_source: str, test_module: str) -> frozenset[str]:
    """Every result id a run of this file can honestly report: its tests, fixtures and import error."""
    ids = {test_module, "setUpModule", "tearDownModule"}
    try:
        with AST_LOCK:
            tree = ast.parse(test_source)
    except (SyntaxError, ValueError):
        return frozenset(ids)
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}

    def methods(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        node = classes.get(name)
        if node is None or name in seen:
            return set()
        found = {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        for base in node.bases:
            if isinstance(base, ast.Name):
                found |= methods(base.id, seen | {name})
        return found

    for name in classes:
        ids.update(f"{name}.{method}" for method in methods(name) if method.startswith("test"))
        ids.update((f"{name}.setUpClass", f"{name}.tearDownClass"))
    ids.update(node.name for node in tree.body  # pytest's plain test functions
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"))
    return frozenset(ids)


def _is_declared(test_id: str, known: frozenset[str]) -> bool:
    """A declared id, or a parametrized case of one (pytest's `test_f[1-2]`)."""
    return test_id in known or (test_id.endswith("]") and test_id.partition("[")[0] in known)


# --- runner processes -------------------------------------------------------------------------


@dataclass
class _Runner:
    """A started ``child_runner.py``: it imports unittest and coverage, then waits for its job."""

    process: subprocess.Popen
    results: int  # read end of the results pipe
    stdout: int  # read ends of its standard output and error
    stderr: int
    spawn_env: dict[str, str]
    started: float

    def send(self, job: dict) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it died early: the run reports how
            try:
                stdin.write(json.dumps(job).encode("utf-8") + b"\n")
            finally:
                stdin.close()

    def close_pipes(self) -> None:
        for fd in (self.results, self.stdout, self.stderr):
            with contextlib.suppress(OSError):
                os.close(fd)

    def discard(self) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            self.process.stdin.close()  # an idle runner exits on end of input
        _kill_group(self.process.pid)
        self.process.wait()
        self.close_pipes()


def _spawn_environment(support: Path) -> dict[str, str]:
    idle = support / "idle"
    return child_environment(os.environ, home=idle, tmpdir=idle, pythonpath=[str(support / "lib")])


@functools.cache
def _runner_source() -> bytes:
    """The runner script, read once: every runner gets a private copy of it."""
    return RUNNER_SCRIPT.read_bytes()


def _spawn_runner(python: str, support: Path, env: dict[str, str]) -> _Runner:
    """Start a runner from a private copy of the script it deletes at start, in its own process group."""
    script_fd, script = tempfile.mkstemp(prefix="runner-", suffix=".py", dir=support / "runners")
    with os.fdopen(script_fd, "wb") as stream:
        stream.write(_runner_source())
    pipes = [os.pipe() for _ in range(3)]  # results, stdout, stderr
    results_write = pipes[0][1]
    try:
        process = subprocess.Popen(
            [python, "-I", script, str(support / "lib"), str(support / "pycache"), str(results_write)],
            cwd=support / "idle",
            env=env,
            stdin=subprocess.PIPE,
            stdout=pipes[1][1],
            stderr=pipes[2][1],
            pass_fds=(results_write,),
            start_new_session=True,  # its own process group, so a kill reaches what it started
        )
    except OSError:
        for read_end, write_end in pipes:
            os.close(read_end)
            os.close(write_end)
        os.unlink(script)
        raise
    for _, write_end in pipes:
        os.close(write_end)
    return _Runner(process, pipes[0][0], pipes[1][0], pipes[2][0], env, time.monotonic())


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


_PROBED: dict[str, Isolation] = {}


async def probe_isolation(python: str | None = None) -> Isolation:
    """The isolation a run under ``python`` reaches here, found by confining a runner that runs nothing."""
    python = python or sys.executable
    if python not in _PROBED:
        spec = _make_spec(module_source="", test_source="", module_name="probe", test_module_name=None,
                          python=python, timeout=10.0, repeats=1, memory_mb=512, extra_paths=(),
                          allow_unsandboxed=False)
        with _Sandbox(spec) as sandbox:
            job = sandbox.job(0, "")
            job["probe"] = True
            run = await _run_job_async(sandbox, job)
        isolation = _isolation([run])
        if isolation.level == "unknown":
            return Isolation("unknown", missing=(f"the probe did not answer: {_last_output(run)}",))
        _PROBED[python] = isolation
    return _PROBED[python]


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


async def _wait_for_exit_async(
    process: subprocess.Popen, timeout: float | None, stop: asyncio.Event | None = None
) -> bool:
    """Wait until the runner exits, ``timeout`` passes or ``stop`` is set, without blocking the loop.

    True if it exited.
    """
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
    waiters = {exited} | ({asyncio.ensure_future(stop.wait())} if stop is not None else set())
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        return exited.done()
    finally:
        for waiter in waiters:
            waiter.cancel()
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
        signal=None,
        limit=None,
        stdout_tail="",
        stderr_tail="",
        start_error=f"Could not start the Python interpreter {spec.python}: {error}. "
        "Check the interpreter setting.",
    )


class _Collector:
    """Reads a runner's three pipes without blocking the loop: bounded results, output tails."""

    def __init__(self, runner: _Runner, token: str):
        self._loop = asyncio.get_running_loop()
        self._token = token
        self.events: list[dict] = []
        self.foreign_lines = 0
        self.overflowed = asyncio.Event()
        self._partial = b""
        self._received = 0
        self._tails = {runner.stdout: bytearray(), runner.stderr: bytearray()}
        self._fds = (runner.results, runner.stdout, runner.stderr)
        self._watched: set[int] = set()
        for fd in self._fds:
            os.set_blocking(fd, False)
            try:
                self._loop.add_reader(fd, self._readable, fd)
                self._watched.add(fd)
            except NotImplementedError:  # a loop without add_reader: read what is there at the end
                pass
        self._results_fd = runner.results

    def _readable(self, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._unwatch(fd)
                return
            if fd == self._results_fd:
                self._take_results(data)
            else:
                tail = self._tails[fd]
                tail += data
                del tail[:-TAIL_BYTES]

    def _unwatch(self, fd: int) -> None:
        if fd in self._watched:
            self._watched.discard(fd)
            self._loop.remove_reader(fd)

    def _take_results(self, data: bytes) -> None:
        self._received += len(data)
        if self._received > MAX_RESULTS_BYTES:
            self._unwatch(self._results_fd)
            self.overflowed.set()
            return
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            self._take_line(line)

    def _take_line(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if not isinstance(event, dict) or event.get("token") != self._token or not isinstance(event.get("event"), str):
            self.foreign_lines += 1
            return
        self.events.append(event)

    def finish(self) -> None:
        """Read what is left (the runner has exited), then stop watching."""
        for fd in self._fds:
            if fd != self._results_fd or not self.overflowed.is_set():
                self._readable(fd)
            self._unwatch(fd)
        if self._partial.strip():
            self._take_line(self._partial)
            self._partial = b""

    def tail(self, fd: int) -> str:
        return self._tails[fd].decode("utf-8", "replace")


async def _run_child_async(sandbox: _Sandbox, index: int) -> _ChildRun:
    return await _run_job_async(sandbox, sandbox.job(index, secrets.token_hex(16)))


async def _run_job_async(sandbox: _Sandbox, job: dict) -> _ChildRun:
    spec = sandbox.spec
    try:
        runner = _POOL.take(spec.python)
    except OSError as error:
        return _start_failure(spec, error)
    collector = _Collector(runner, job["token"])
    exited, limit = False, None
    try:
        runner.send(job)
        # The supervisor enforces the time limit itself; this is for a supervisor that cannot.
        exited = await _wait_for_exit_async(runner.process, spec.timeout + KILL_GRACE, collector.overflowed)
        if not exited:
            limit = "output" if collector.overflowed.is_set() else "time"
    finally:  # on cancellation too: the supervisor ends the run, and its group goes after it
        if not exited:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(runner.process.pid, signal.SIGTERM)
            exited = await asyncio.shield(_wait_for_exit_async(runner.process, KILL_GRACE))
        _kill_group(runner.process.pid)
        if not exited:
            await asyncio.shield(_wait_for_exit_async(runner.process, None))
        runner.process.wait()
        collector.finish()
        runner.close_pipes()
    _POOL.refill(spec.python)
    ending = next((event for event in collector.events if event["event"] == "exit"), {})
    code, number = ending.get("code"), ending.get("signal")
    if not ending and runner.process.returncode is not None:  # the supervisor itself did not finish
        code, number = (runner.process.returncode, None) if runner.process.returncode >= 0 else (
            None, -runner.process.returncode)
    return _ChildRun(
        events=[event for event in collector.events if event["event"] != "exit"],
        exit_code=code if isinstance(code, int) else None,
        signal=number if isinstance(number, int) else None,
        limit=limit or (ending.get("limit") if isinstance(ending.get("limit"), str) else None),
        stdout_tail=collector.tail(runner.stdout),
        stderr_tail=collector.tail(runner.stderr),
        foreign_lines=collector.foreign_lines,
    )


# --- turning child events into a TestRunResult -----------------------------------------------


def _isolation(runs: list[_ChildRun]) -> Isolation:
    event = next((run.first("isolation") for run in runs if run.first("isolation")), None)
    if event is None:
        return Isolation("unknown")
    level = event.get("level") if event.get("level") in ISOLATION_LEVELS else "unknown"
    return Isolation(level, tuple(map(str, event.get("layers") or ())), tuple(map(str, event.get("missing") or ())))


def _distrust(run: _ChildRun) -> str | None:
    """Why this run's results cannot be believed, if they cannot."""
    reasons = []
    if run.foreign_lines:
        reasons.append(f"it wrote {run.foreign_lines} line(s) of its own into the results channel")
    tampered = run.first("tampered")
    if tampered is not None:
        reasons.append(f"it changed the test framework ({', '.join(map(str, tampered.get('what') or []))})")
    seen: set[str] = set()
    for event in run.events:
        if event["event"] == "result":
            if event.get("id") in seen:
                reasons.append(f"{event.get('id')} was reported twice")
                break
            seen.add(event.get("id"))
    return "; ".join(reasons) or None


def _result_entries(run: _ChildRun, known: frozenset[str], ignored: set[str]) -> list[tuple[str, dict]]:
    """(test id, outcome entry) for each result of a test the test file defines."""
    entries = []
    for event in run.events:
        if event["event"] not in ("result", "import_error"):
            continue
        test_id = event.get("id")
        if not isinstance(test_id, str) or not _is_declared(test_id, known):
            ignored.add(str(test_id))
            continue
        outcome = "errored" if event["event"] == "import_error" else event.get("outcome")
        if outcome not in _OUTCOMES:
            ignored.add(test_id)
            continue
        entries.append((test_id, {
            "outcome": outcome,
            "message": str(event.get("message") or ""),
            "traceback": str(event.get("traceback") or ""),
            "line": event.get("line") if isinstance(event.get("line"), int) else None,
        }))
    return entries


def _summarize(spec: _RunSpec, runs: list[_ChildRun], duration: float) -> TestRunResult:
    known = declared_test_ids(spec.test_source, spec.test_module_name)
    isolation = _isolation(runs)
    outcomes: dict[str, list[dict]] = {}
    problems: list[str] = []
    ignored: set[str] = set()
    refused = any(run.first("refused") for run in runs)
    if refused:
        problems.append(UNSANDBOXED_REFUSAL.format(missing="; ".join(isolation.missing) or "no layer available"))
    for run in runs:
        distrust = _distrust(run)
        reported = set()
        for test_id, entry in _result_entries(run, known, ignored):
            if distrust:
                entry = {"outcome": "errored", "message": f"result not trusted: {distrust}", "traceback": "",
                         "line": None}
            outcomes.setdefault(test_id, []).append(entry)
            reported.add(test_id)
        if run.finished:  # a test that started and never reported, in a run that went on
            silent = f"result not trusted: {distrust}" if distrust else "the test reported no outcome"
            for event in run.events:
                test_id = event.get("id")
                if event["event"] == "start" and isinstance(test_id, str) and _is_declared(test_id, known) \
                        and test_id not in reported:
                    outcomes.setdefault(test_id, []).append(
                        {"outcome": "errored", "message": silent, "traceback": "", "line": None})
                    reported.add(test_id)
        if distrust:
            problems.append(f"The tested code interfered with the test run: {distrust}. Its results are not trusted.")
        for event in run.events:
            if event["event"] == "import_error":
                problems.append(f"The test file could not be imported: {event.get('message')}.")
            elif event["event"] == "aborted":
                where = event.get("id") or "a test"
                problems.append(
                    f"The test run stopped at {where} ({event.get('message')});"
                    " the tests after it did not run."
                )
        interrupted = None if refused else _interruption(spec, run, known)
        if interrupted is not None:
            test_id, sentence, message = interrupted
            problems.append(sentence)
            if test_id is not None:
                outcomes.setdefault(test_id, []).append(
                    {"outcome": "errored", "message": message, "traceback": "", "line": None}
                )
    if ignored - {"None"}:
        names = ", ".join(sorted(ignored)[:5])
        problems.append(f"Ignored results for tests the test file does not define: {names}.")

    tests = [_merge_outcomes(test_id, entries) for test_id, entries in outcomes.items()]
    out_of_memory = [test.test_id for test in tests if test.message.startswith("MemoryError")]
    if out_of_memory:
        problems.append(
            f"{', '.join(out_of_memory)} ran out of memory (the limit is {spec.memory_mb} MB)."
        )
    last = runs[-1]
    if last.finished and not outcomes:
        problems.append("The test file defines no tests: add TestCase methods named test_*.")

    coverage = _coverage(spec, runs[0])
    if coverage.problem and not refused:
        problems.append(coverage.problem)

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
        timed_out=any(run.limit == "time" or run.signal == signal.SIGXCPU for run in runs),
        exit_code=last.exit_code if last.signal is None else -last.signal,
        problem=" ".join(problems) or None,
        coverage_measured=coverage.measured,
        line_coverage=coverage.percent,
        functions=coverage.functions,
        statement_lines=sorted(coverage.statements),
        missing_lines=sorted(coverage.missing),
        stdout_tail=last.stdout_tail,
        stderr_tail=last.stderr_tail,
        isolation=isolation.level,
        isolation_missing=list(isolation.missing),
        not_run=refused,
    )


_OUTCOMES = ("passed", "failed", "errored", "skipped", "flaky")


def _last_output(run: _ChildRun) -> str:
    lines = (run.stderr_tail.strip() or run.stdout_tail.strip()).splitlines()
    return lines[-1][:200] if lines else "no output"


def _interruption(spec: _RunSpec, run: _ChildRun, known: frozenset[str]) -> tuple[str | None, str, str] | None:
    """For a run that did not finish: (the test it was in, a sentence for the user, a message)."""
    if run.finished:
        return None
    if run.start_error:
        return None, run.start_error, ""
    if run.first("runner") is None:  # the runner itself failed, e.g. an interpreter too old for it
        return None, (
            f"The test runner failed to start under {spec.python} (exit code {run.exit_code}): {_last_output(run)}"
        ), ""
    if run.first("isolation") is None:
        return None, f"The sandbox could not be set up under {spec.python}: {_last_output(run)}", ""
    finished_ids = {event.get("id") for event in run.events if event["event"] == "result"}
    started = [event.get("id") for event in run.events
               if event["event"] == "start" and isinstance(event.get("id"), str) and _is_declared(event["id"], known)]
    current = next((test for test in reversed(started) if test not in finished_ids), None)
    where = f"during {current}" if current else "before the tests finished"
    if run.limit == "time":
        limit = f"{spec.timeout:g} s"
        return (
            current,
            f"The tests did not finish within the {limit} time limit and were stopped {where}.",
            f"timed out after {limit}",
        )
    sizes = {"memory": f"used more than {spec.memory_mb} MB of memory together",
             "disk": f"wrote more than {MAX_DISK_MB} MB into their folder",
             "files": "created too many files in their folder",
             "output": f"sent more than {MAX_RESULTS_BYTES // (1024 * 1024)} MB of results"}
    if run.limit in sizes:
        return current, f"The test processes {sizes[run.limit]} and were stopped {where}.", f"stopped: {run.limit} limit"
    if run.signal == signal.SIGXCPU:
        limit = f"{spec.cpu_seconds} s"
        return (
            current,
            f"The tests used up their CPU time limit of {limit} and were stopped {where};"
            " look for an endless loop.",
            f"exceeded the CPU time limit of {limit}",
        )
    if run.signal is not None:
        name = _signal_name(run.signal)
        hint = ""
        if run.signal in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT):
            hint = f"; it may have gone over the memory limit of {spec.memory_mb} MB"
        return current, f"The test process was killed by {name} {where}{hint}.", f"killed by {name}"
    code = run.exit_code
    return (
        current,
        f"The test process ended early (exit code {code}) {where}; the tests after it did not run."
        f" Its last output: {_last_output(run)}",
        f"the test process ended (exit code {code}) during this test",
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


@dataclass
class _Coverage:
    measured: bool = False
    percent: float | None = None
    functions: list[FunctionCoverage] = field(default_factory=list)
    problem: str | None = None
    statements: set[int] = field(default_factory=set)  # the module's executable lines
    missing: set[int] = field(default_factory=set)  # those of them no test ran


def _coverage(spec: _RunSpec, run: _ChildRun) -> _Coverage:
    """What the first run measured, or why it did not."""
    data = next((event for event in run.events if event["event"] == "coverage"), None)
    if data is not None:
        statements, missing = _line_numbers(data.get("statements"), spec), _line_numbers(data.get("missing"), spec)
        missing &= statements
        covered = len(statements) - len(missing)
        percent = 100.0 if not statements else 100.0 * covered / len(statements)
        return _Coverage(True, percent, function_coverage(spec.module_source, statements, missing), None,
                         statements, missing)
    unavailable = next((e for e in run.events if e["event"] == "coverage_unavailable"), None)
    if unavailable is None:  # the run was interrupted, which is reported already
        return _Coverage(problem=None if not run.finished else "Coverage was not measured.")
    if not _parses(spec.module_source):  # the import error already says the module is broken
        return _Coverage()
    reason = str(unavailable.get("reason"))
    if "coverage" in reason and reason.startswith(("ModuleNotFoundError", "ImportError")):
        reason = f"coverage.py could not be imported by {spec.python} ({reason})"
    return _Coverage(problem=f"Coverage was not measured: {reason}.")


def _line_numbers(values: object, spec: _RunSpec) -> set[int]:
    """The child's line numbers, checked: ints within the module, whatever it sent."""
    if not isinstance(values, list):
        return set()
    last = spec.module_source.count("\n") + 1
    return {value for value in values if type(value) is int and 1 <= value <= last}


def _parses(module_source: str) -> bool:
    try:
        with AST_LOCK:
            ast.parse(module_source)
        return True
    except SyntaxError:
        return False


def function_spans(module_source: str) -> list[tuple[str, int, int, int | None]]:
    """Top-level functions and (nested) class methods: (name, def line, end line, first body line).

    The first body line skips a docstring; it is None when the body is only a docstring.
    """
    try:
        with AST_LOCK:
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
