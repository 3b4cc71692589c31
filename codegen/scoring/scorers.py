"""The pipeline's scores as `weave.Scorer`s, for `weave.Evaluation` and the CLI.

In weave 0.54 a scorer's `score` gets the model's `output` and dataset columns by name. An output
that is not a finished generation (None, which is what weave passes on when `predict` raised, or an
`{"error": ...}` row) scores as failed: zeros, never an exception, because an exception in a scorer
makes weave drop the whole row. Rows that weave never scored reach `summarize` as `{}` and count as
failed too, so every mean is over all rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import weave

from . import quality

SEED_SCORE_NAMES = ("code_quality_score", "test_coverage_score", "overall_score")


def generation_error(output: Any) -> str | None:
    """Why `output` is not a finished generation, or None when it is one."""
    if output is None:
        return "the pipeline raised before producing an output"
    if not isinstance(output, Mapping):
        return f"the pipeline returned {type(output).__name__}, not a result"
    if output.get("error"):
        return str(output["error"])
    if not isinstance(output.get("generated_code"), str) or not isinstance(
        output.get("unit_tests"), str
    ):
        return "the output has no generated code or unit tests"
    return None


def _rows_scored(score_rows: list) -> list[Mapping]:
    """The rows as mappings; `{}` for rows weave could not score (None, or not a dict)."""
    return [row if isinstance(row, Mapping) else {} for row in score_rows]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _succeeded(row: Mapping) -> bool:
    return bool(row.get("succeeded"))


class TestResultScorer(weave.Scorer):
    """The seed's static scores of the generated function and its tests (see
    codegen.scoring.quality)."""

    __test__ = False  # not a pytest test class, despite the name

    # weave passes dataset columns to `score` by parameter name, so every scorer narrows
    # Scorer.score(*, output, **kwargs): a **kwargs here would make weave pass every column.
    @weave.op
    def score(self, output: Any, prompt: str) -> dict:  # type: ignore[override]
        problem = generation_error(output)
        if problem is not None:
            return {**dict.fromkeys(SEED_SCORE_NAMES, 0.0), "succeeded": False}
        scores = quality.seed_scores(output["generated_code"], output["unit_tests"])
        return {**scores.as_dict(), "succeeded": True}

    @weave.op
    def summarize(self, score_rows: list) -> dict | None:
        """Mean of each score over all rows (a failed row counts 0), and how many rows succeeded."""
        rows = _rows_scored(score_rows)
        summary: dict[str, Any] = {
            name: {"mean": _mean([float(row.get(name) or 0.0) for row in rows])}
            for name in SEED_SCORE_NAMES
        }
        summary["succeeded"] = {"true_count": sum(map(_succeeded, rows)), "rows": len(rows)}
        return summary


class ExecutionScorer(weave.Scorer):
    """What running the generated tests showed: pass rate, failures, flaky tests, coverage, repair.

    Uses the run the pipeline already made (`output["execution"]`); when the pipeline did not run
    the tests, runs them here, in the same sandboxed child process the pipeline uses.
    """

    timeout: float = 30.0  # seconds, for a run made here
    repeats: int = 3  # runs per test, to find flaky tests
    python: str | None = None  # interpreter for a run made here (default: this one)
    allow_unsandboxed: bool = False  # run even where the machine has no sandbox

    # weave passes dataset columns to `score` by parameter name, so every scorer narrows
    # Scorer.score(*, output, **kwargs): a **kwargs here would make weave pass every column.
    @weave.op
    async def score(self, output: Any, prompt: str) -> dict:  # type: ignore[override]
        problem = generation_error(output)
        if problem is not None:
            return failed_execution_score(problem)
        execution = output.get("execution")
        ran_here = False
        if not isinstance(execution, Mapping):
            try:
                execution = await self._run(output, prompt)
            except Exception as error:  # a scorer must not raise: weave would drop the row
                return {
                    **failed_execution_score(f"the tests could not be run: {error}"),
                    "succeeded": True,
                }
            ran_here = True
        return {**execution_score(execution, output), "ran_here": ran_here}

    async def _run(self, output: Mapping, prompt: str) -> dict:
        return await run_generated_tests(
            output,
            prompt,
            timeout=self.timeout,
            repeats=self.repeats,
            python=self.python,
            allow_unsandboxed=self.allow_unsandboxed,
        )

    @weave.op
    def summarize(self, score_rows: list) -> dict | None:
        """Pass rate: mean over all rows (a failed row counts 0) and over all tests; counts
        summed."""
        rows = _rows_scored(score_rows)
        tests_run = sum(int(row.get("tests_run") or 0) for row in rows)
        passed = sum(int(row.get("passed") or 0) for row in rows)
        coverages = [
            float(row["line_coverage"]) for row in rows if row.get("line_coverage") is not None
        ]
        summary: dict[str, Any] = {
            "pass_rate": {"mean": _mean([float(row.get("pass_rate") or 0.0) for row in rows])},
            "tests_passed": {
                "sum": passed,
                "of": tests_run,
                "fraction": passed / tests_run if tests_run else None,
            },
            "line_coverage": {"mean": _mean(coverages), "measured": len(coverages)},
        }
        for name in ("tests_run", "failed", "errored", "flaky", "possible_bugs"):
            summary[name] = {"sum": sum(int(row.get(name) or 0) for row in rows)}
        for name in ("repaired", "timed_out", "succeeded"):
            summary[name] = {
                "true_count": sum(bool(row.get(name)) for row in rows),
                "rows": len(rows),
            }
        return summary


async def run_generated_tests(
    output: Mapping,
    prompt: str,
    *,
    timeout: float,
    repeats: int,
    python: str | None,
    allow_unsandboxed: bool,
) -> dict:
    """A finished generation's tests run on its module in the sandbox: TestRunResult.as_dict()."""
    from ..execution import run_tests_async
    from ..generation import join_module
    from ..shaping.naming import module_name_for

    module_name = output.get("module_name") or module_name_for(prompt)
    result = await run_tests_async(
        join_module(output["generated_code"], output.get("program_runner") or ""),
        output["unit_tests"],
        module_name=module_name,
        python=python,
        allow_unsandboxed=allow_unsandboxed,
        timeout=timeout,
        repeats=repeats,
        framework=output.get("test_framework") or "auto",
    )
    return result.as_dict()


def execution_score(execution: Mapping, output: Mapping) -> dict:
    """The ExecutionScorer row for a TestRunResult.as_dict() of `output`'s tests."""
    tests_run = int(execution.get("run") or 0)
    passed = int(execution.get("passed") or 0)
    measured = (
        bool(execution.get("coverage_measured")) and execution.get("line_coverage") is not None
    )
    return {
        "succeeded": True,
        "pass_rate": passed / tests_run if tests_run else 0.0,
        "tests_run": tests_run,
        "passed": passed,
        "failed": int(execution.get("failed") or 0),
        "errored": int(execution.get("errored") or 0),
        "flaky": int(execution.get("flaky") or 0),
        "line_coverage": float(execution["line_coverage"]) if measured else None,
        "repaired": bool(output.get("repaired")),
        "possible_bugs": len(output.get("possible_bugs") or ()),
        "timed_out": bool(execution.get("timed_out")),
        "problem": execution.get("problem"),
    }


def failed_execution_score(problem: str) -> dict:
    """The ExecutionScorer row of an output whose tests never ran."""
    return {
        "succeeded": False,
        "pass_rate": 0.0,
        "tests_run": 0,
        "passed": 0,
        "failed": 0,
        "errored": 0,
        "flaky": 0,
        "line_coverage": None,
        "repaired": False,
        "possible_bugs": 0,
        "timed_out": False,
        "problem": problem,
    }
