"""The mutation run of a module: clean run first, then every function's mutants in the sandbox."""

from __future__ import annotations

import ast
import asyncio
import time
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..execution import _make_spec, run_tests_async
from ..execution.coverage import function_spans
from ..execution.mutant_runs import FunctionChange, MutantJob, run_mutants_async
from ..execution.results import TestRunResult
from ..source import parse_or_none
from .diffs import describe_change, mutant_diff
from .equivalence import compile_module, is_equivalent
from .operators import FunctionText, function_mutants, function_text
from .report import FunctionScore, Mutant, MutationReport, RunStatus

MUTANTS_PER_FUNCTION = 50  # beyond this a function's mutants are sampled evenly, and it says so
# A mutant's time limit: this many times the clean run's wall time, plus the floor.
TIMEOUT_FACTOR = 3.0
TIMEOUT_FLOOR = 1.0


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _clean_failure(clean: TestRunResult) -> str | None:
    """Why the clean run rules mutation out, if it does."""
    if clean.not_run:
        return clean.problem or "the tests were not run"
    broken = [
        f"{count} {name}"
        for count, name in (
            (clean.failed, "failed"),
            (clean.errored, "errored"),
            (clean.flaky, "flaky"),
        )
        if count
    ]
    if broken:
        return f"the tests already fail: {', '.join(broken)}; nothing was mutated"
    if clean.timed_out:
        return "the tests did not finish in time; nothing was mutated"
    if clean.run == 0:
        reason = clean.problem or "the test file defines none"
        return f"no tests ran; nothing was mutated ({reason})"
    return None


Span = tuple[str, int, int, int | None]  # name, def line, end line, first body line


def _top_level(functions: Sequence[str] | None) -> tuple[str, ...]:
    """The functions as coverage's `measured`: top-level names only (a method is found by parsing
    its whole module, so none then)."""
    names = tuple(functions or ())
    return () if any("." in name for name in names) else names


def _chosen_spans(source: str, functions: Sequence[str] | None) -> list[Span]:
    # Named functions are found without parsing the rest of the module (a long one costs seconds)
    spans = function_spans(source, _top_level(functions))
    if functions is None:
        return spans
    known = {span[0] for span in spans}
    unknown = [name for name in functions if name not in known]
    if unknown:
        raise ValueError(f"no function named {', '.join(unknown)} in the module")
    return [span for span in spans if span[0] in functions]


def _statement_lines(tree: ast.Module | None, line: int) -> tuple[int, ...]:
    """The lines of the innermost statement on ``line`` (a compound one's header only) of
    ``tree``: a test that runs a multi-line statement may be traced on another of its lines."""
    found = None
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if found is None or node.lineno >= found.lineno:
                found = node
    if found is None:
        return (line,)
    body = getattr(found, "body", None)
    last = found.end_lineno or found.lineno
    if isinstance(body, list) and body:
        last = max(found.lineno, body[0].lineno - 1)
    return tuple(sorted(set(range(found.lineno, last + 1)) | {line}))


class _Builder:
    """Turns each function's mutated texts into Mutants, settling those that need no run.

    Everything here reads, compiles and diffs the function alone, never the whole module: the
    mutants of a function in a 20,000-line module cost what they cost in an 80-line one.
    """

    def __init__(self, source: str, file_name: str):
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.file_name = file_name
        self.mutants: list[Mutant] = []
        self.jobs: list[MutantJob] = []

    def add_function(self, span: Span, cap: int) -> FunctionScore:
        name, start, end, first = span
        original = function_text(self.lines, start, end)
        made, offered = function_mutants(original, cap)
        compiled = compile_module(original.text, self.file_name)
        tree = parse_or_none(original.text)
        for made_mutant in made:
            mutated = made_mutant.function.splitlines(keepends=True)[original.prefix_lines :]
            at_import = first is None or made_mutant.line < first
            mutant = Mutant(
                id=len(self.mutants) + 1,
                function=name,
                line=made_mutant.line,
                operator=made_mutant.operator,
                description=describe_change(original.text, made_mutant.function),
                diff=mutant_diff(self.lines, mutated, start, end, self.file_name),
                change=FunctionChange(
                    name,
                    made_mutant.function,
                    original.prefix_lines,
                    start,
                    end,
                    in_signature=at_import,
                ),
            )
            self.mutants.append(mutant)
            self._settle_or_queue(mutant, original, compiled, tree)
        return FunctionScore(name, capped_from=offered if offered > cap else None)

    def _settle_or_queue(
        self,
        mutant: Mutant,
        original: FunctionText,
        compiled_original: types.CodeType | str,
        tree: ast.Module | None,
    ) -> None:
        change = mutant.change
        assert change is not None
        compiled = compile_module(change.text, self.file_name)
        if isinstance(compiled, str):
            mutant.status, mutant.detail = "error", f"the mutant does not compile: {compiled}"
        elif not isinstance(compiled_original, str) and is_equivalent(compiled_original, compiled):
            mutant.status, mutant.detail = "equivalent", "compiles to the same bytecode"
        else:
            in_text = mutant.line - original.start + 1 + original.prefix_lines
            lines = tuple(original.module_line(line) for line in _statement_lines(tree, in_text))
            self.jobs.append(MutantJob(mutant.id, change, lines, change.in_signature))


def _tally(functions: list[FunctionScore], mutants: list[Mutant]) -> None:
    by_name = {entry.name: entry for entry in functions}
    for mutant in mutants:
        entry = by_name[mutant.function]
        entry.total += 1
        setattr(entry, mutant.status, getattr(entry, mutant.status) + 1)


async def mutation_test(
    module: Path,
    tests: Path,
    *,
    functions: Sequence[str] | None = None,
    framework: str = "auto",
    python: str | None = None,
    timeout: float = 30.0,
    memory_mb: int = 2048,
    extra_paths: Sequence[str] = (),
    allow_unsandboxed: bool = False,
    max_mutants: int = MUTANTS_PER_FUNCTION,
    module_source: str | None = None,
    test_source: str | None = None,
    clean: TestRunResult | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> MutationReport:
    """Mutate ``module``'s functions (all, or those named in ``functions``: "f" or "Class.m") and
    run ``tests`` against each mutant in the sandbox.

    The clean tests run first (``timeout`` applies to that run); if any fails or errors, nothing is
    mutated and the report's status is ``tests_fail``.  Each mutant then runs only the tests that
    cover its line, with a timeout derived from the clean run, inside the same boundary as every
    test run.  ``module_source``/``test_source`` override the files' text (the paths name them).
    ``clean``: a run of these very texts the caller just made (a generation's) stands for the
    clean run: a long module then costs one sandboxed import less.  ``progress`` hears a sentence
    as each stage starts.  Never raises for anything the tested code does; bad arguments raise
    ValueError.
    """
    started = time.monotonic()
    source = _read(module) if module_source is None else module_source
    test_text = _read(tests) if test_source is None else test_source
    settings: dict[str, Any] = dict(
        module_source=source,
        test_source=test_text,
        module_name=module.stem,
        test_module_name=tests.stem,
        python=python,
        timeout=timeout,
        memory_mb=memory_mb,
        extra_paths=extra_paths,
        allow_unsandboxed=allow_unsandboxed,
        framework=framework,
        measured=_top_level(functions),
    )
    spans = _chosen_spans(source, functions)
    progress(
        ("" if clean is not None else "running the tests (sandboxed); ")
        + f"making the mutants of {len(spans)} function(s)…"
    )
    builder = _Builder(source, module.name)
    # The mutants are made while the clean run's child works: it mostly waits on that process.
    making = asyncio.create_task(
        asyncio.to_thread(lambda: [builder.add_function(span, max_mutants) for span in spans])
    )
    if clean is None:
        clean = await run_tests_async(**settings, repeats=1)
    try:
        scores = await making
    except Exception as error:  # parso or an operator failing on code Python accepts
        message = f"the mutants could not be made: {type(error).__name__}: {error}"
        return MutationReport("not_run", message, clean=clean, duration=time.monotonic() - started)
    failure = _clean_failure(clean)
    if failure is not None:
        status: RunStatus = "not_run" if clean.not_run else "tests_fail"
        return MutationReport(status, failure, clean=clean, duration=time.monotonic() - started)
    progress(f"running {len(builder.jobs)} mutant(s) (sandboxed)…")
    message = await _judge(builder, settings, clean)
    _tally(scores, builder.mutants)
    return MutationReport(
        "mutated", message, scores, builder.mutants, clean, time.monotonic() - started
    )


async def mutation_test_of_texts(
    module_source: str,
    test_source: str,
    *,
    module_name: str,
    test_module_name: str,
    **options: Any,
) -> MutationReport:
    """`mutation_test` of a module and its tests held in memory (an editor's buffers, a
    generation's files), named as the files they stand for."""
    return await mutation_test(
        Path(f"{module_name}.py"),
        Path(f"{test_module_name}.py"),
        module_source=module_source,
        test_source=test_source,
        **options,
    )


async def _judge(builder: _Builder, settings: dict, clean: TestRunResult) -> str:
    """Run the queued mutants; returns a sentence when something kept them from being judged."""
    if not builder.jobs:
        return ""
    per_mutant = TIMEOUT_FACTOR * clean.duration / max(1, clean.repeats) + TIMEOUT_FLOOR
    spec = _make_spec(
        **dict(settings, timeout=per_mutant + settings["timeout"], repeats=1, only=())
    )
    result = await run_mutants_async(spec, builder.jobs, per_mutant)
    by_id = {mutant.id: mutant for mutant in builder.mutants}
    for job in builder.jobs:
        outcome = result.outcomes.get(job.id)
        mutant = by_id[job.id]
        if outcome is None:
            mutant.status, mutant.detail = "error", result.problem or "no verdict came back"
        else:
            mutant.status, mutant.detail, mutant.tests_run = (
                outcome.status,  # type: ignore[assignment]
                outcome.detail,
                outcome.tests_run,
            )
    if result.problem:
        return f"Some mutants could not be judged: {result.problem}."
    if not any(result.lines_by_test.values()):
        return "No test runs any line of the module: does the test file import it?"
    return ""
