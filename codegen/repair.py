"""What to tell the model about failing tests, and which failures look like bugs in the code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from .test_files import declared_test, functions_used_by_tests

if TYPE_CHECKING:  # keep this module light: the language server imports it after a test run
    from .execution import TestRunResult

MAX_REPORT_CHARS = 6000


@dataclass(frozen=True)
class PossibleBug:
    """A test that still fails with an assertion after repair: the code, not the test, may be
    wrong."""

    function: str
    test_id: str
    message: str
    line: int | None

    def as_dict(self) -> dict:
        return asdict(self)


def needs_repair(result: TestRunResult) -> bool:
    return result.failed + result.errored > 0 or (result.run == 0 and result.problem is not None)


def failure_report(result: TestRunResult) -> str:
    """The failing tests with their messages and tracebacks, trimmed to fit a prompt."""
    parts = []
    if result.problem:
        parts.append(f"The test run itself went wrong: {result.problem}")
    for test in result.tests:
        if test.outcome in ("failed", "errored"):
            detail = test.traceback.strip() or test.message
            parts.append(f"{test.outcome.upper()}: {test.test_id} (line {test.line})\n{detail}")
    report = "\n\n".join(parts) or "No details were reported."
    return (
        report if len(report) <= MAX_REPORT_CHARS else report[:MAX_REPORT_CHARS] + "\n[…truncated]"
    )


def failure_count(result: TestRunResult) -> int:
    """Failures + errors, with a run that never reported any test counted as worst."""
    return result.failed + result.errored + (1_000_000 if result.run == 0 else 0)


def possible_bugs(
    test_source: str,
    result: TestRunResult,
    function_names: list[str],
    used_by: Mapping[str, set[str]] | None = None,
) -> list[PossibleBug]:
    """Assertion failures (not errors) mapped to the module functions their test method uses
    (`used_by`: `functions_used_by_tests` when the caller has it already)."""
    if used_by is None:
        used_by = functions_used_by_tests(test_source, set(function_names))
    bugs = []
    for test in result.tests:
        if test.outcome != "failed":
            continue
        for function in sorted(used_by.get(declared_test(test.test_id), ())) or ["(unknown)"]:
            bugs.append(
                PossibleBug(
                    function=function, test_id=test.test_id, message=test.message, line=test.line
                )
            )
    return bugs
