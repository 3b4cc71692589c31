"""Mutants steering tests (ACH-style): which new tests pass on the module and kill a survivor,
and the test file with the kept ones appended."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..execution import _make_spec, run_tests_async
from ..execution.mutant_runs import MutantJob, run_mutants_async
from ..source import parse_or_none
from ..test_files import DeclaredClass, declared_test, read_test_file
from .engine import TIMEOUT_FACTOR, TIMEOUT_FLOOR
from .report import Mutant

_MAIN_GUARD = re.compile(r"^if\s+__name__\s*==\s*['\"]__main__['\"]", re.MULTILINE)
_KEPT_NODES = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign)


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
            removed.append(_span(classes[entry.name]))
        else:
            removed.extend(_span(test.node) for test in gone)
    lines = source.splitlines(keepends=True)
    for start, end in sorted(removed, reverse=True):
        del lines[start:end]
    return "".join(lines)


def _span(node: ast.stmt) -> tuple[int, int]:
    """[start, end) 0-based lines of a statement, decorators included."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first - 1, node.end_lineno or node.lineno


def append_tests(existing: str, new: str) -> str:
    """``existing`` with ``new``'s test classes and functions added (renamed on a clash, never
    replacing anything) before its ``__main__`` block, and the imports it lacks added to its
    own."""
    old_tree, new_tree = parse_or_none(existing), parse_or_none(new)
    if old_tree is None or new_tree is None:
        raise ValueError("a test file does not parse, so no test was added")
    taken = {getattr(node, "name", "") for node in old_tree.body}
    had = {
        ast.dump(node) for node in old_tree.body if isinstance(node, ast.Import | ast.ImportFrom)
    }
    new_lines = new.splitlines(keepends=True)
    imports, definitions = [], []
    for node in new_tree.body:
        start, end = _span(node)
        text = "".join(new_lines[start:end]).rstrip() + "\n"
        if isinstance(node, ast.Import | ast.ImportFrom) and ast.dump(node) not in had:
            imports.append(text)
        elif isinstance(node, _KEPT_NODES):
            definitions.append(_renamed(text, node, taken))
    if not definitions:
        return existing
    guard = _MAIN_GUARD.search(existing)
    head, tail = (existing[: guard.start()], existing[guard.start() :]) if guard else (existing, "")
    merged = head.rstrip() + "\n\n\n" + "\n\n".join(definitions) + ("\n\n" + tail if tail else "")
    return _with_imports(merged, imports, old_tree)


def _renamed(text: str, node: ast.stmt, taken: set[str]) -> str:
    name = getattr(node, "name", None)
    if name is None:
        return text
    fresh, number = name, 2
    while fresh in taken:
        fresh, number = f"{name}{number}", number + 1
    taken.add(fresh)
    pattern = rf"\b(class|def)(\s+){re.escape(name)}\b"
    return text if fresh == name else re.sub(pattern, rf"\1\g<2>{fresh}", text, count=1)


def _with_imports(text: str, imports: list[str], old_tree: ast.Module) -> str:
    """The imports put after the file's last top-level import (at its top when it has none)."""
    if not imports:
        return text
    last = [
        node.end_lineno or node.lineno
        for node in old_tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    lines = text.splitlines(keepends=True)
    at = max(last) if last else 0
    return "".join(lines[:at] + imports + (["\n"] if not last else []) + lines[at:])
