"""What a sandboxed test run asks for and reports: per-test outcomes, coverage, isolation."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

ISOLATION_LEVELS = ("full", "filesystem", "none")


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
    isolation: str = (
        "unknown"  # "full" | "filesystem" | "none": how far the sandbox confined the run
    )
    isolation_missing: list[str] = field(default_factory=list)  # the layers this machine lacked
    not_run: bool = False  # refused before any generated code ran (no sandbox, none allowed)
    repeats: int = 1  # how many times the tests ran (`duration` covers them all)
    # The module's executable lines (coverage.py)
    statement_lines: list[int] = field(default_factory=list)
    missing_lines: list[int] = field(default_factory=list)  # those no test executed

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        for entry, function in zip(data["functions"], self.functions, strict=True):
            entry["percent"] = function.percent
        return data


@dataclass(frozen=True)
class Isolation:
    """How far the sandbox confined a run, and what this machine lacked."""

    level: str  # "full" | "filesystem" | "none" | "unknown" (the run ended before saying)
    layers: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    def describe(self) -> str:
        """The level and what it guarantees, in a user's words; what the machine lacks."""
        text = self.level + _GUARANTEES.get(self.level, "")
        return text + (
            f"; missing: {'; '.join(self.missing)}" if self.missing and self.level != "full" else ""
        )


_COMMON = (
    "files confined by Landlock (it reads the interpreter and your project's sources without"
    " dotfiles and keys, and writes only its own run folder); no Unix sockets, kernel keyring or"
    " file watches (refused by seccomp); time, memory, disk and process-count limits"
)
_GUARANTEES = {
    "full": (
        f": {_COMMON}; no network (a network namespace of its own: only a private loopback); every"
        " process it starts ends with the run (a PID namespace of its own)"
    ),
    "filesystem": (
        f": {_COMMON}; no network (every socket but a connected pair refused by seccomp, UDP and"
        " raw included); no PID namespace (user namespaces are off here): the supervisor ends"
        " every process the run starts when it ends, and signals to processes outside are refused"
        " only where Landlock can scope them (Linux 6.12)"
    ),
    "none": ": no sandbox; generated code would run with your permissions",
}


UNSANDBOXED_REFUSAL = (
    "Tests not run: this machine offers no sandbox for generated code ({missing}), so it would run"
    " with your permissions. To run them anyway, pass --allow-unsandboxed (CLI), set"
    " CODEGEN_ALLOW_UNSANDBOXED=true, or turn on codegen.allowUnsandboxedTests in the editor's user"
    " settings."
)


@dataclass(frozen=True)
class RunSpec:
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
    only: tuple[
        str, ...
    ] = ()  # run just these tests or classes ("Class", "Class.test_x", "test_f")
    # The top-level functions whose coverage is measured (the generated ones in a long module);
    # empty: the whole module
    measured: tuple[str, ...] = ()
    conftest_source: str = ""  # the project's conftest.py fixtures, saved beside the tests

    @property
    def cpu_seconds(self) -> int:
        return max(1, math.ceil(self.timeout))


@dataclass
class ChildRun:
    """What one child process told us, and how it ended."""

    events: list[dict]
    exit_code: int | None  # of the test process; None if it did not exit normally
    signal: int | None  # the signal that ended the test process
    # "time" | "memory" | "disk" | "files" | "output" | "stopped": what the supervisor enforced
    limit: str | None
    stdout_tail: str
    stderr_tail: str
    foreign_lines: int = 0  # lines on the results pipe without this run's token
    start_error: str | None = None

    @property
    def finished(self) -> bool:
        return any(event["event"] == "done" for event in self.events)

    def first(self, name: str) -> dict | None:
        return next((event for event in self.events if event["event"] == name), None)
