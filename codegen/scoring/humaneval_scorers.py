"""HumanEval's scorers: the hidden test's verdict, the generated tests' worth against known code.

Every check runs in the same sandbox as the pipeline's own test runs. The hidden test and the
canonical solution are looked up here by `task_id`, after the pipeline has finished: nothing the
model was asked, and no input of its traced calls, contains them. A scorer never raises (weave would
drop the whole row): a row it cannot judge scores 0 with its reason, or None where the score does
not apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import weave
from pydantic import PrivateAttr

from ..humaneval.checks import SandboxOptions, SharedRuns, verdict_of
from ..humaneval.problems import Problem, problem
from .scorers import generation_error, run_generated_tests


def _module(output: Mapping) -> str:
    from ..generation import join_module

    return join_module(output["generated_code"], output.get("program_runner") or "")


def _module_name(output: Mapping, task: Problem) -> str:
    return str(output.get("module_name") or task.module_name)


def _framework(output: Mapping) -> str:
    return str(output.get("test_framework") or "auto")


def _rows(score_rows: list) -> list[Mapping]:
    return [row if isinstance(row, Mapping) else {} for row in score_rows]


def _share(scores: list[Any]) -> dict[str, Any]:
    """The mean of a 0/1 score over the rows where it applies (not None), and the counts."""
    values = [int(score) for score in scores if score is not None]
    return {
        "mean": sum(values) / len(values) if values else None,
        "count": sum(values),
        "of": len(values),
    }


def _pass_share(score_rows: list, key: str) -> dict[str, dict[str, Any]]:
    """The share of rows scoring 1 on `key` over all rows: a row that failed counts 0."""
    return {key: _share([row.get(key) or 0 for row in _rows(score_rows)])}


def _zero_without_generation(output: Any, key: str, missing: str) -> dict[str, Any] | None:
    """The row's 0 on `key` when the pipeline generated nothing (`missing`: what is absent)."""
    problem_text = generation_error(output)
    return None if problem_text is None else {key: 0, "reason": f"{missing}: {problem_text}"}


class _SharedRunScorer(weave.Scorer):
    """A scorer whose sandboxed runs (`SharedRuns`) the row's other HumanEval scorers share."""

    timeout: float = 30.0  # seconds per sandboxed run
    python: str | None = None  # the test interpreter (default: this one)
    allow_unsandboxed: bool = False
    _runs: SharedRuns = PrivateAttr()

    @classmethod
    def sharing(cls, runs: SharedRuns) -> Any:
        options = runs.options
        scorer = cls(
            timeout=options.timeout,
            python=options.python,
            allow_unsandboxed=options.allow_unsandboxed,
        )
        scorer._runs = runs
        return scorer


class FunctionalCorrectnessScorer(_SharedRunScorer):
    """1 when the generated module passes the problem's hidden `check(candidate)`, else 0; the mean
    is pass@1."""

    # weave passes dataset columns to `score` by parameter name: only the task id, never a test.
    @weave.op
    async def score(self, output: Any, task_id: str) -> dict:  # type: ignore[override]
        if zero := _zero_without_generation(output, "functional_correctness", "no code"):
            return zero
        task = problem(task_id)
        verdict = await self._runs.hidden_verdict(task, _module(output), _module_name(output, task))
        return {"functional_correctness": int(verdict.passed), "reason": verdict.reason}

    @weave.op
    def summarize(self, score_rows: list) -> dict | None:
        """pass@1: the mean over all rows (a failed row counts 0), and how many passed."""
        return _pass_share(score_rows, "functional_correctness")


class TestsValidScorer(_SharedRunScorer):
    """1 when the generated tests all pass on the canonical solution (no test is wrong), else 0."""

    __test__ = False  # not a pytest test class, despite the name

    @weave.op
    async def score(self, output: Any, task_id: str) -> dict:  # type: ignore[override]
        if zero := _zero_without_generation(output, "tests_valid", "no tests"):
            return zero
        task = problem(task_id)
        try:
            report = await self._runs.canonical_mutation(
                task, output["unit_tests"], _module_name(output, task), _framework(output)
            )
        except Exception as error:  # a scorer must not raise: weave would drop the row
            return {"tests_valid": 0, "reason": f"the tests could not be run: {error}"}
        if report.clean is None:
            return {"tests_valid": 0, "reason": report.message}
        verdict = verdict_of(report.clean.as_dict())
        return {"tests_valid": int(verdict.passed), "reason": verdict.reason}

    @weave.op
    def summarize(self, score_rows: list) -> dict | None:
        """The share of rows whose tests all pass on the canonical solution."""
        return _pass_share(score_rows, "tests_valid")


class MutationScoreScorer(_SharedRunScorer):
    """The share of the canonical entry point's mutants the generated tests catch; None when the
    tests fail on the canonical solution itself (then no mutant is run) or nothing was generated."""

    @weave.op
    async def score(self, output: Any, task_id: str) -> dict:  # type: ignore[override]
        task = problem(task_id)
        if generation_error(output) is not None:
            return {"mutation_score": None, "reason": "no tests were generated"}
        try:
            report = await self._runs.canonical_mutation(
                task, output["unit_tests"], _module_name(output, task), _framework(output)
            )
        except Exception as error:  # a scorer must not raise: weave would drop the row
            return {"mutation_score": None, "reason": f"the mutants could not be run: {error}"}
        counts = {
            status: sum(mutant.status == status for mutant in report.mutants)
            for status in ("killed", "survived", "timeout", "error", "equivalent")
        }
        return {
            "mutation_score": report.score if report.status == "mutated" else None,
            **counts,
            "mutants": len(report.mutants),
            "reason": report.message or None,
        }

    @weave.op
    def summarize(self, score_rows: list) -> dict | None:
        """The mean over the rows whose tests could be mutated, and how many mutants were caught."""
        return {"mutation_score": mutation_summary(_rows(score_rows))}


def mutation_summary(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The mean mutation score over the rows that have one, and the mutants caught and missed
    (rows: `mutation_score`, `killed`, `timeout`, `survived`); the ordinary dataset's too."""
    scores = [float(row["mutation_score"]) for row in rows if row.get("mutation_score") is not None]
    return {
        "mean": sum(scores) / len(scores) if scores else None,
        "of": len(scores),
        "killed": sum(int(row.get("killed") or 0) + int(row.get("timeout") or 0) for row in rows),
        "survived": sum(int(row.get("survived") or 0) for row in rows),
    }


class CatchesWrongScorer(_SharedRunScorer):
    """For generated code that fails the hidden test: 1 when its generated tests fail on it too
    (they noticed the bug), else 0; None when the code is right or nothing was generated."""

    @weave.op
    async def score(self, output: Any, task_id: str) -> dict:  # type: ignore[override]
        task = problem(task_id)
        if generation_error(output) is not None:
            return {"catches_wrong": None, "reason": "no function and tests were generated"}
        hidden = await self._runs.hidden_verdict(task, _module(output), _module_name(output, task))
        if hidden.passed:
            return {"catches_wrong": None, "reason": "the function passes the hidden test"}
        execution = output.get("execution")
        if not isinstance(execution, Mapping):  # the pipeline did not run them (--no-run)
            try:
                execution = await run_generated_tests(
                    output,
                    task.prompt,
                    timeout=self.timeout,
                    repeats=1,
                    python=self.python,
                    allow_unsandboxed=self.allow_unsandboxed,
                )
            except Exception as error:  # a scorer must not raise: weave would drop the row
                return {"catches_wrong": None, "reason": f"the tests could not be run: {error}"}
        own = verdict_of(execution)
        if own.passed:
            return {"catches_wrong": 0, "reason": "every generated test passes on the wrong code"}
        return {"catches_wrong": 1, "reason": own.reason}

    @weave.op
    def summarize(self, score_rows: list) -> dict | None:
        """The mean over the rows whose code is wrong; the others are left out."""
        return {"catches_wrong": _share([row.get("catches_wrong") for row in _rows(score_rows)])}


def humaneval_scorers(options: SandboxOptions) -> list[weave.Scorer]:
    """HumanEval's scorers, sharing each row's hidden check and canonical mutation run."""
    runs = SharedRuns(options)
    return [
        FunctionalCorrectnessScorer.sharing(runs),
        TestsValidScorer.sharing(runs),
        MutationScoreScorer.sharing(runs),
        CatchesWrongScorer.sharing(runs),
    ]
