"""Run a generated unittest file against its module in a sandboxed child Python; report results.

The child (the ``runner`` package) confines itself before any generated code runs: Landlock keeps it
to reading the interpreter and the project's sources and writing its own run folder, with no TCP
and no signals to outside processes; a seccomp filter refuses it what Landlock does not cover
(Unix-domain, UDP and raw sockets, the kernel keyring, file watches); new user, network, PID and
IPC namespaces leave it no network at all and take every process it starts down with the run.
Each layer is used where the platform has it, and the level reached is reported with every result.
The parent reads nothing from the run folder: results come over an inherited pipe, each line
carrying a per-run token, and only for tests the test file defines.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ParamSpec, TypeVar

from .frameworks import choose_framework, selected_tests
from .pool import POOL, kill_group, prestart_runners, warm_up
from .results import ChildRun, FunctionCoverage, Isolation, RunSpec, TestCaseResult, TestRunResult
from .sandbox import Sandbox
from .summary import isolation_of, last_output, summarize_runs
from .waiting import Collector, wait_for_exit_async

__all__ = [
    "FunctionCoverage",
    "Isolation",
    "TestCaseResult",
    "TestRunResult",
    "prestart_runners",
    "probe_isolation",
    "run_tests",
    "run_tests_async",
    "warm_up",
]

P = ParamSpec("P")
R = TypeVar("R")

KILL_GRACE = 2.0  # seconds past the time limit before the parent kills the supervisor itself


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
    measured: Sequence[str] = (),
    conftest_source: str = "",
) -> TestRunResult:
    """Run the tests in sandboxed children; cancelling the task ends every process of the run.

    ``conftest_source``: the project's pytest fixtures, saved as conftest.py beside the tests.

    ``extra_paths`` (the project's folders) are importable and readable, never writable; where the
    machine has no sandbox at all, nothing runs unless ``allow_unsandboxed``. ``measured``: the
    top-level functions whose coverage is reported (the rest of a long module is not analysed).
    """
    spec = _make_spec(**locals())
    started = time.monotonic()
    runs: list[ChildRun] = []
    with Sandbox(spec) as sandbox:
        for index in range(spec.repeats):
            runs.append(await _run_child_async(sandbox, index))
            if not runs[-1].finished:
                break
    return summarize_runs(spec, runs, time.monotonic() - started)


def _blocking(
    coroutine_function: Callable[P, Coroutine[Any, Any, R]], name: str, doc: str
) -> Callable[P, R]:
    """`coroutine_function` for synchronous callers: the same parameters, its own event loop."""

    @functools.wraps(coroutine_function)
    def blocking(*args: P.args, **kwargs: P.kwargs) -> R:
        return asyncio.run(coroutine_function(*args, **kwargs))

    blocking.__name__ = blocking.__qualname__ = name
    blocking.__doc__ = doc
    return blocking


# One signature for both: the blocking form is the coroutine run on an event loop of its own.
run_tests = _blocking(
    run_tests_async,
    "run_tests",
    """Run ``test_source`` against ``module_source`` in a sandboxed child, ``repeats`` times.

    Each repeat is a fresh child in the same temporary directory; ``timeout`` applies to each.
    For synchronous callers (it runs its own event loop); async code awaits ``run_tests_async``.
    """,
)


def _make_spec(**arguments) -> RunSpec:
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
    return RunSpec(
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
        framework=choose_framework(arguments.get("framework") or "auto", arguments["test_source"]),
        only=selected_tests(arguments.get("only") or ()),
        measured=tuple(arguments.get("measured") or ()),
        conftest_source=arguments.get("conftest_source") or "",
    )


def _short_run_spec(
    module_source: str,
    test_source: str,
    module_name: str,
    test_module_name: str | None,
    python: str | None,
) -> RunSpec:
    """One repeat of at most 10 s in 512 MB, in the sandbox, with no folder of the project's."""
    return _make_spec(
        module_source=module_source,
        test_source=test_source,
        module_name=module_name,
        test_module_name=test_module_name,
        python=python,
        timeout=10.0,
        repeats=1,
        memory_mb=512,
        extra_paths=(),
        allow_unsandboxed=False,
    )


_PROBED: dict[str, Isolation] = {}


async def probe_isolation(python: str | None = None) -> Isolation:
    """The isolation a run under ``python`` reaches here, found by confining a runner that runs
    nothing."""
    python = python or sys.executable
    if python not in _PROBED:
        spec = _short_run_spec("", "", "probe", None, python)
        with Sandbox(spec) as sandbox:
            job = sandbox.job(0, "")
            job["probe"] = True
            run = await _run_job_async(sandbox, job)
        isolation = isolation_of([run])
        if isolation.level == "unknown":
            return Isolation("unknown", missing=(f"the probe did not answer: {last_output(run)}",))
        _PROBED[python] = isolation
    return _PROBED[python]


def _start_failure(spec: RunSpec, error: OSError) -> ChildRun:
    return ChildRun(
        events=[],
        exit_code=None,
        signal=None,
        limit=None,
        stdout_tail="",
        stderr_tail="",
        start_error=(
            f"Could not start the Python interpreter {spec.python}: {error}. "
            "Check the interpreter setting."
        ),
    )


async def _run_child_async(sandbox: Sandbox, index: int) -> ChildRun:
    return await _run_job_async(sandbox, sandbox.job(index, secrets.token_hex(16)))


async def _run_job_async(sandbox: Sandbox, job: dict) -> ChildRun:
    spec = sandbox.spec
    try:
        runner = POOL.take(spec.python)
    except OSError as error:
        return _start_failure(spec, error)
    collector = Collector(runner, job["token"])
    exited, limit = False, None
    try:
        runner.send(job)
        # The supervisor enforces the time limit itself; this is for a supervisor that cannot.
        exited = await wait_for_exit_async(
            runner.process, spec.timeout + KILL_GRACE, collector.overflowed
        )
        if not exited:
            limit = "output" if collector.overflowed.is_set() else "time"
    finally:  # on cancellation too: the supervisor ends the run, and its group goes after it
        if not exited:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(runner.process.pid, signal.SIGTERM)
            exited = await asyncio.shield(wait_for_exit_async(runner.process, KILL_GRACE))
        kill_group(runner.process.pid)
        if not exited:
            await asyncio.shield(wait_for_exit_async(runner.process, None))
        runner.process.wait()
        collector.finish()
        runner.release()
    POOL.refill(spec.python)
    # The supervisor's word comes last; more than one "exit" means the tested code sent one too.
    exits = [event for event in collector.events if event["event"] == "exit"]
    ending = exits[-1] if exits else {}
    code, number = ending.get("code"), ending.get("signal")
    if not ending and runner.process.returncode is not None:  # the supervisor itself did not finish
        code, number = (
            (runner.process.returncode, None)
            if runner.process.returncode >= 0
            else (None, -runner.process.returncode)
        )
    return ChildRun(
        events=[event for event in collector.events if event["event"] != "exit"],
        exit_code=code if isinstance(code, int) else None,
        signal=number if isinstance(number, int) else None,
        limit=limit or (ending.get("limit") if isinstance(ending.get("limit"), str) else None),
        stdout_tail=collector.tail(runner.stdout),
        stderr_tail=collector.tail(runner.stderr),
        foreign_lines=collector.foreign_lines + max(0, len(exits) - 1),
    )
