"""Turning the children's events into a TestRunResult: outcomes, interruptions, distrust."""

from __future__ import annotations

import signal

from ..test_files import declared_test_ids, is_declared
from .coverage import MeasuredCoverage, forged_coverage, measured_coverage
from .results import (
    ISOLATION_LEVELS,
    UNSANDBOXED_REFUSAL,
    ChildRun,
    Isolation,
    RunSpec,
    TestCaseResult,
    TestRunResult,
)
from .sandbox import MAX_DISK_MB, MAX_TASKS
from .waiting import MAX_RESULTS_BYTES


def isolation_of(runs: list[ChildRun]) -> Isolation:
    event = next((run.first("isolation") for run in runs if run.first("isolation")), None)
    if event is None:
        return Isolation("unknown")
    level = str(event.get("level"))
    if level not in ISOLATION_LEVELS:
        level = "unknown"
    return Isolation(
        level,
        tuple(map(str, event.get("layers") or ())),
        tuple(map(str, event.get("missing") or ())),
    )


def _distrust(run: ChildRun) -> str | None:
    """Why this run's results cannot be believed, if they cannot.

    The tested code runs in the process that reports, so it can reach the results channel, token
    and all: what it sends is only told apart from the runner's own by the order a run keeps.
    """
    reasons = []
    if run.foreign_lines:
        reasons.append(f"it wrote {run.foreign_lines} line(s) of its own into the results channel")
    tampered = run.first("tampered")
    if tampered is not None:
        reasons.append(
            f"it changed the test framework ({', '.join(map(str, tampered.get('what') or []))})"
        )
    reasons += _out_of_order(run.events)
    return "; ".join(reasons) or None


def _out_of_order(events: list[dict]) -> list[str]:
    """Events a real run never sends: a result twice, coverage twice, anything after the end."""
    seen: set[str] = set()
    for event in events:
        if event["event"] == "result":
            key = repr(event.get("id"))  # whatever the child sent: a list is no set member
            if key in seen:
                return [f"{event.get('id')} was reported twice"]
            seen.add(key)
    reasons = []
    names = [event["event"] for event in events]
    if names.count("coverage") + names.count("coverage_unavailable") > 1:
        reasons.append("it reported coverage more than once")
    if "done" in names and (names.count("done") > 1 or names[-1] != "done"):
        reasons.append("it sent events after the run's end")
    return reasons


def _result_entries(
    run: ChildRun, known: frozenset[str], ignored: set[str]
) -> list[tuple[str, dict]]:
    """(test id, outcome entry) for each result of a test the test file defines."""
    entries = []
    for event in run.events:
        if event["event"] not in ("result", "import_error"):
            continue
        test_id = event.get("id")
        if not isinstance(test_id, str) or not is_declared(test_id, known):
            ignored.add(str(test_id))
            continue
        outcome = "errored" if event["event"] == "import_error" else event.get("outcome")
        if outcome not in _OUTCOMES:
            ignored.add(test_id)
            continue
        entries.append(
            (
                test_id,
                {
                    "outcome": outcome,
                    "message": str(event.get("message") or ""),
                    "traceback": str(event.get("traceback") or ""),
                    "line": event.get("line") if isinstance(event.get("line"), int) else None,
                },
            )
        )
    return entries


def summarize_runs(spec: RunSpec, runs: list[ChildRun], duration: float) -> TestRunResult:
    known = declared_test_ids(spec.test_source, spec.test_module_name)
    isolation = isolation_of(runs)
    outcomes: dict[str, list[dict]] = {}
    problems: list[str] = []
    ignored: set[str] = set()
    refused = any(run.first("refused") for run in runs)
    if refused:
        problems.append(
            UNSANDBOXED_REFUSAL.format(missing="; ".join(isolation.missing) or "no layer available")
        )
    # One distrusted run is distrust of them all: no test of any repeat passes, no coverage counts.
    reasons = {reason for run in runs if (reason := _distrust(run))}
    reasons.add(forged_coverage(spec, runs[0]) or "")
    distrust = "; ".join(sorted(reasons - {""})) or None
    if distrust:
        problems.append(
            f"The tested code interfered with the test run: {distrust}. None of its results or"
            " coverage are trusted."
        )
    for run in runs:
        problems += _collect_run(spec, run, known, refused, distrust, outcomes, ignored)
    tests = [_merge_outcomes(test_id, entries) for test_id, entries in outcomes.items()]
    problems += _closing_problems(spec, runs[-1], tests, ignored)
    coverage = MeasuredCoverage() if distrust else measured_coverage(spec, runs[0])
    if coverage.problem and not refused:
        problems.append(coverage.problem)

    last = runs[-1]
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
        repeats=len(runs),
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


def _errored(message: str) -> dict:
    """An outcome entry for a test the runner did not (or could not honestly) report."""
    return {"outcome": "errored", "message": message, "traceback": "", "line": None}


def _collect_run(
    spec: RunSpec,
    run: ChildRun,
    known: frozenset[str],
    refused: bool,
    distrust: str | None,
    outcomes: dict[str, list[dict]],
    ignored: set[str],
) -> list[str]:
    """Add one run's outcome entries to ``outcomes`` (all errored when ``distrust`` says why they
    cannot be believed); return the problems the run shows."""
    _add_outcomes(run, known, distrust, outcomes, ignored)
    problems = _event_problems(run)
    interrupted = None if refused else _interruption(spec, run, known)
    if interrupted is not None:
        current, sentence, message = interrupted
        problems.append(sentence)
        if current is not None:
            outcomes.setdefault(current, []).append(_errored(message))
    return problems


def _add_outcomes(
    run: ChildRun,
    known: frozenset[str],
    distrust: str | None,
    outcomes: dict[str, list[dict]],
    ignored: set[str],
) -> None:
    """The run's results (all errored if it is distrusted), and for a run that went on, an error
    for each test that started and never reported."""
    reported = set()
    for test_id, entry in _result_entries(run, known, ignored):
        if distrust:
            entry = _errored(f"result not trusted: {distrust}")
        outcomes.setdefault(test_id, []).append(entry)
        reported.add(test_id)
    if not run.finished:
        return  # the interruption accounts for the test it stopped in
    silent = f"result not trusted: {distrust}" if distrust else "the test reported no outcome"
    for test_id in _started_ids(run, known):
        if test_id not in reported:
            outcomes.setdefault(test_id, []).append(_errored(silent))
            reported.add(test_id)


def _started_ids(run: ChildRun, known: frozenset[str]) -> list[str]:
    """The tests the test file defines that the run started, in order."""
    return [
        event["id"]
        for event in run.events
        if event["event"] == "start"
        and isinstance(event.get("id"), str)
        and is_declared(event["id"], known)
    ]


def _event_problems(run: ChildRun) -> list[str]:
    """Sentences for the test file failing to import and for a run that stopped part-way."""
    problems = []
    for event in run.events:
        if event["event"] == "import_error":
            problems.append(f"The test file could not be imported: {event.get('message')}.")
        elif event["event"] == "aborted":
            where = event.get("id") or "a test"
            problems.append(
                f"The test run stopped at {where} ({event.get('message')});"
                " the tests after it did not run."
            )
    return problems


def _closing_problems(
    spec: RunSpec, last: ChildRun, tests: list[TestCaseResult], ignored: set[str]
) -> list[str]:
    """Problems seen over all runs: results ignored, memory run out, no tests at all."""
    problems = []
    if ignored - {"None"}:
        names = ", ".join(sorted(ignored)[:5])
        problems.append(f"Ignored results for tests the test file does not define: {names}.")
    out_of_memory = [test.test_id for test in tests if test.message.startswith("MemoryError")]
    if out_of_memory:
        problems.append(
            f"{', '.join(out_of_memory)} ran out of memory (the limit is {spec.memory_mb} MB)."
        )
    if last.finished and not tests:
        problems.append("The test file defines no tests: add TestCase methods named test_*.")
    return problems


_OUTCOMES = ("passed", "failed", "errored", "skipped", "flaky")


def last_output(run: ChildRun) -> str:
    lines = (run.stderr_tail.strip() or run.stdout_tail.strip()).splitlines()
    return lines[-1][:200] if lines else "no output"


def _interruption(
    spec: RunSpec, run: ChildRun, known: frozenset[str]
) -> tuple[str | None, str, str] | None:
    """For a run that did not finish: (the test it was in, a sentence for the user, a message)."""
    if run.finished:
        return None
    if run.start_error:
        return None, run.start_error, ""
    if run.first("runner") is None:  # the runner itself failed, e.g. an interpreter too old for it
        return (
            None,
            (
                f"The test runner failed to start under {spec.python} (exit code {run.exit_code}):"
                f" {last_output(run)}"
            ),
            "",
        )
    if run.first("isolation") is None:
        return None, f"The sandbox could not be set up under {spec.python}: {last_output(run)}", ""
    finished_ids = {event.get("id") for event in run.events if event["event"] == "result"}
    started = _started_ids(run, known)
    current = next((test for test in reversed(started) if test not in finished_ids), None)
    where = f"during {current}" if current else "before the tests finished"
    if run.limit == "time":
        limit = f"{spec.timeout:g} s"
        return (
            current,
            f"The tests did not finish within the {limit} time limit and were stopped {where}.",
            f"timed out after {limit}",
        )
    sizes = {
        "memory": f"used more than {spec.memory_mb} MB of memory together",
        "disk": f"wrote more than {MAX_DISK_MB} MB into their folder",
        "files": "created too many files in their folder",
        "processes": f"ran more than {MAX_TASKS} processes and threads at once",
        "hidden": "hid their open files from the sandbox's supervisor",
        "output": f"sent more than {MAX_RESULTS_BYTES // (1024 * 1024)} MB of results",
    }
    if run.limit in sizes:
        return (
            current,
            f"The test processes {sizes[run.limit]} and were stopped {where}.",
            f"stopped: {run.limit} limit",
        )
    if run.signal == signal.SIGXCPU:
        limit = f"{spec.cpu_seconds} s"
        return (
            current,
            (
                f"The tests used up their CPU time limit of {limit} and were stopped {where};"
                " look for an endless loop."
            ),
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
        (
            f"The test process ended early (exit code {code}) {where}; the tests after it did not"
            f" run. Its last output: {last_output(run)}"
        ),
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
