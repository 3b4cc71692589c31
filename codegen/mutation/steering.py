"""Mutants steering tests (ACH-style): which new tests pass on the module and kill a survivor,
and the new test file with the others taken out."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..execution import _make_spec, run_tests_async
from ..execution.mutant_runs import MutantJob, run_mutants_async
from ..shaping.merging import statement_lines
from ..source import parse_or_none
from ..test_files import DeclaredClass, declared_test, read_test_file
from .engine import TIMEOUT_FACTOR, TIMEOUT_FLOOR
from .report import Mutant


@dataclass
class SteerVerdicts:
    """What became of each new test: kept (with the survivors it kills) or dropped (and why)."""

    kept: dict[str, list[int]] = field(default_factory=dict)  # test id -> mutant ids it kills
    dropped: dict[str, str] = field(default_factory=dict)  # test id -> why
    kept_source: str = ""  # the new test file with the dropped tests taken out

    def as_dict(self) -> dict[str, Any]:
        return {"kept": self.kept, "dropped": self.dropped}


def survivors_text(mutants: Sequence[Mutant]) -> str:
    """The prompt's list of unnoticed changes: each survivor's line, change and diff."""
    return "\n".join(
        f"Change {number} (line {mutant.line}, {mutant.description}):\n{mutant.diff.rstrip()}\n"
        for number, mutant in enumerate(mutants, 1)
    )


async def judge_new_tests(
    module_code: str,
    new_tests: str,
    survivors: Sequence[Mutant],
    *,
    run_settings: dict[str, Any],
) -> SteerVerdicts:
    """Run ``new_tests`` on the module, then each passing test against the survivors alone, in the
    sandbox; a test is kept when it passes on the module and fails on at least one survivor.

    ``run_settings``: run_tests_async's keyword arguments besides the sources (module_name,
    python, timeout, framework, ...).
    """
    verdicts = SteerVerdicts()
    declared = [test.id for test in read_test_file(new_tests).tests]
    clean = await run_tests_async(module_code, new_tests, **run_settings, repeats=1)
    failures: dict[str, str] = {}  # declared test -> its first failure, "" when it passed
    for case in clean.tests:  # a parametrized test's cases count for the test as written
        name = declared_test(case.test_id)
        if case.outcome != "passed" and not failures.get(name):
            failures[name] = case.message or case.outcome
        else:
            failures.setdefault(name, "")
    passing = []
    for test_id in declared:
        why = failures.get(test_id, clean.problem or "it did not run")
        if why:
            verdicts.dropped[test_id] = f"fails on the function as it is: {why}"
        else:
            passing.append(test_id)
    per_mutant = TIMEOUT_FACTOR * clean.duration + TIMEOUT_FLOOR
    jobs = [
        MutantJob(mutant.id, mutant.change, (mutant.line,), True)
        for mutant in survivors
        if mutant.change is not None
    ]
    for test_id in passing:
        killed = await _killed_by(test_id, module_code, new_tests, jobs, run_settings, per_mutant)
        if killed:
            verdicts.kept[test_id] = killed
        else:
            verdicts.dropped[test_id] = "passes on every surviving mutant: it catches none of them"
    verdicts.kept_source = without_tests(new_tests, set(verdicts.dropped))
    return verdicts


async def _killed_by(
    test_id: str,
    module_code: str,
    tests: str,
    jobs: list[MutantJob],
    run_settings: dict[str, Any],
    per_mutant: float,
) -> list[int]:
    """The survivors that one test, run alone against each of them, fails on (or hangs on)."""
    arguments = {"memory_mb": 2048, **run_settings}
    arguments.update(
        module_source=module_code,
        test_source=tests,
        timeout=per_mutant + run_settings["timeout"],
        repeats=1,
        only=(test_id,),
    )
    spec = _make_spec(**arguments)
    result = await run_mutants_async(spec, jobs, per_mutant)
    return sorted(
        mutant_id
        for mutant_id, outcome in result.outcomes.items()
        if outcome.status in ("killed", "timeout")
    )


def without_tests(source: str, test_ids: set[str]) -> str:
    """``source`` with the named tests taken out (decorators included), and a test class left
    with no test at all taken out with them."""
    tree = parse_or_none(source)
    if tree is None or not test_ids:
        return source
    removed: list[tuple[int, int]] = []
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    for entry in read_test_file(source).entries:
        tests = entry.tests if isinstance(entry, DeclaredClass) else (entry,)
        gone = [test for test in tests if test.id in test_ids]
        if isinstance(entry, DeclaredClass) and len(gone) == len(tests):
            removed.append(statement_lines(classes[entry.name]))
        else:
            removed.extend(statement_lines(test.node) for test in gone)
    lines = source.splitlines(keepends=True)
    for start, end in sorted(removed, reverse=True):
        del lines[start:end]
    return "".join(lines)
