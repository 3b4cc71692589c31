"""Test-run results attached to the functions they concern, valid while each function's text is
unchanged."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from .features.test_explorer import results_notification
from .text import split_lines


@dataclass(frozen=True)
class TestFailure:
    """One test that did not pass, and whether it looks like a bug in the code rather than the
    test."""

    test_id: str
    outcome: str  # "failed" | "errored" | "flaky"
    message: str
    possible_bug: bool = False


@dataclass
class FunctionResults:
    """What the last run said about one function, and the text it said it about."""

    name: str
    source: str
    tests_run: int = 0
    tests_passed: int = 0
    failures: list[TestFailure] = field(default_factory=list)
    coverage_percent: float | None = None
    missing_offsets: tuple[int, ...] = ()  # uncovered lines, counted from the def line
    mutants_caught: int | None = None  # killed (or timed out) mutants; None: not measured
    mutants_counted: int = 0  # caught + survived
    survivors: list[SurvivingMutant] = field(default_factory=list)


@dataclass(frozen=True)
class SurvivingMutant:
    """A change to the function the tests do not notice."""

    id: int
    offset: int  # its line, counted from the def line
    description: str  # "`<` → `<=`"


@dataclass
class ModuleResults:
    """The last test run of one module."""

    functions: dict[str, FunctionResults]
    summary: str
    problem: str | None = None
    explorer: dict[str, Any] | None = None  # the codegen/testResults notification for this run


def module_results(
    module_text: str,
    test_text: str,
    run: Any,
    *,
    module_uri: str = "",
    test_uri: str = "",
    mutation: dict[str, Any] | None = None,
) -> ModuleResults:
    """Attach a codegen.execution TestRunResult to the module's top-level functions (each file
    parsed once)."""
    # Only after a test run: keeps server start light
    from codegen.repair import possible_bugs
    from codegen.test_files import declared_test, functions_used_by_tests

    # The functions the run measured (the generated ones, in a long module) are found without
    # parsing the whole module on the server's loop
    measured = tuple(c.name for c in run.functions) if run.coverage_measured else ()
    spans = top_level_functions(module_text, measured)
    targets = functions_used_by_tests(test_text, set(spans))
    bugs = {
        (bug.test_id, bug.function)
        for bug in possible_bugs(test_text, run, list(spans), used_by=targets)
    }
    results = {name: FunctionResults(name, source) for name, (_, _, source) in spans.items()}
    for test in run.tests:
        declared = declared_test(test.test_id)  # a parametrized case counts for its test
        names = targets.get(declared) or targets.get(declared.rpartition(".")[2]) or set()
        for name in names:
            entry = results[name]
            entry.tests_run += 1
            if test.outcome == "passed":
                entry.tests_passed += 1
            elif test.outcome in ("failed", "errored", "flaky"):
                entry.failures.append(
                    TestFailure(
                        test.test_id,
                        test.outcome,
                        test.message,
                        possible_bug=(test.test_id, name) in bugs,
                    )
                )
    if run.coverage_measured:
        for coverage in run.functions:
            covered = results.get(coverage.name)
            if covered is not None:
                start = spans[coverage.name][0]
                covered.coverage_percent = coverage.percent
                covered.missing_offsets = tuple(line - start for line in coverage.missing_lines)
    if mutation is not None:
        attach_mutation(results, spans, mutation)
    explorer = (
        results_notification(module_uri, test_uri, run, mutation)
        if module_uri and test_uri
        else None
    )
    return ModuleResults(results, summary(run), run.problem, explorer)


def attach_mutation(
    results: dict[str, FunctionResults],
    spans: dict[str, tuple[int, int, str]],
    mutation: dict[str, Any],
) -> None:
    """A mutation report (MutationReport.as_dict()) on its functions: the score, each survivor."""
    if mutation.get("status") != "mutated":
        return
    for name, entry in mutation["functions"].items():
        if name in results and entry["total"]:
            caught = entry["killed"] + entry["timeout"]
            results[name].mutants_caught = caught
            results[name].mutants_counted = caught + entry["survived"]
    for mutant in mutation["mutants"]:
        name = mutant["function"]
        if mutant["status"] == "survived" and name in results:
            results[name].survivors.append(
                SurvivingMutant(
                    mutant["id"], mutant["line"] - spans[name][0], mutant["description"]
                )
            )


def summary(run: Any) -> str:
    """`3/3 tests passed, 92% of lines covered` and the like."""
    if getattr(run, "not_run", False):
        return run.problem
    if run.run == 0 and run.problem:
        return f"The tests did not run: {run.problem}"
    text = f"{run.passed}/{run.run} tests passed"
    if run.failed or run.errored:
        text += f" ({run.failed} failed, {run.errored} errored)"
    if run.coverage_measured and run.line_coverage is not None:
        text += f", {run.line_coverage:.0f}% of lines covered"
    elif not run.coverage_measured:
        text += "; coverage was not measured"
    isolation = getattr(run, "isolation", "unknown")
    missing = getattr(run, "isolation_missing", None) if isolation != "full" else None
    text += (
        f" (sandbox: {isolation}" + (f"; missing: {'; '.join(missing)}" if missing else "") + ")"
    )
    if run.problem:
        text += f". {run.problem}"
    return text


def top_level_functions(text: str, names: tuple[str, ...] = ()) -> dict[str, tuple[int, int, str]]:
    """name -> (1-based def line, end line, source from the def line) for each top-level
    function (each of `names`, when given and all found at top level)."""
    from codegen.execution.coverage import module_tree
    from codegen.top_level import top_level_functions as functions_named

    named = functions_named(text, names) if names else None
    nodes: list[ast.stmt] = list(named) if named is not None else []
    if named is None:
        tree = module_tree(text)  # the run's coverage may have parsed this very text: cached
        nodes = [] if tree is None else tree.body
    lines = split_lines(text)
    spans: dict[str, tuple[int, int, str]] = {}
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            end = node.end_lineno or node.lineno
            spans[node.name] = (node.lineno, end, function_text(lines, node.lineno, end))
    return spans


def function_text(lines: Any, start_line: int, end_line: int) -> str:
    """A function's text from its 1-based def line to its end line, line endings normalized."""
    return "\n".join(line.rstrip() for line in lines[start_line - 1 : end_line])
