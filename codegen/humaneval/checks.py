"""The sandboxed runs HumanEval's scorers judge by: the hidden test on a module, tests on the
canonical solution."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..execution import run_tests_async
from .hidden_test import hidden_test_file
from .problems import Problem


@dataclass(frozen=True)
class SandboxOptions:
    """How the checks run: the same sandbox, limits and interpreter as the pipeline's test runs."""

    timeout: float = 30.0  # seconds per run
    python: str | None = None  # the test interpreter (default: this one)
    allow_unsandboxed: bool = False


@dataclass(frozen=True)
class Verdict:
    """Whether every test of a run passed, and if not, why not (one sentence)."""

    passed: bool
    reason: str | None = None


def verdict_of(run: Mapping[str, Any]) -> Verdict:
    """A run (TestRunResult.as_dict()) passed only when tests ran, none failed or errored, and the
    run itself went right."""
    if run.get("problem"):
        return Verdict(False, str(run["problem"]))
    failing = [
        test for test in run.get("tests") or () if test.get("outcome") not in ("passed", "skipped")
    ]
    if failing:
        first = failing[0]
        message = f"{first.get('test_id')} {first.get('outcome')}: {first.get('message') or ''}"
        return Verdict(False, message.strip())
    if not run.get("run"):
        return Verdict(False, "no test ran")
    return Verdict(True)


async def hidden_check(
    problem: Problem, module_source: str, module_name: str, options: SandboxOptions
) -> Verdict:
    """The problem's hidden test against `module_source`, saved as module `module_name`."""
    result = await run_tests_async(
        module_source,
        hidden_test_file(problem, module_name),
        module_name=module_name,
        python=options.python,
        timeout=options.timeout,
        allow_unsandboxed=options.allow_unsandboxed,
        framework="unittest",
    )
    return verdict_of(result.as_dict())


async def tests_on_canonical(
    problem: Problem, test_source: str, module_name: str, framework: str, options: SandboxOptions
) -> Verdict:
    """Generated tests against the canonical solution: a test that fails there is a wrong test."""
    result = await run_tests_async(
        problem.canonical_module,
        test_source,
        module_name=module_name,
        python=options.python,
        timeout=options.timeout,
        allow_unsandboxed=options.allow_unsandboxed,
        framework=framework,
    )
    return verdict_of(result.as_dict())


class HiddenChecks:
    """Each generated module's hidden check, run once however many scorers ask for its verdict."""

    def __init__(self, options: SandboxOptions):
        self.options = options
        self._runs: dict[tuple[str, str, str], asyncio.Future[Verdict]] = {}

    async def verdict(self, problem: Problem, module_source: str, module_name: str) -> Verdict:
        digest = hashlib.sha256(module_source.encode()).hexdigest()
        key = (problem.task_id, module_name, digest)
        if key not in self._runs:
            self._runs[key] = asyncio.ensure_future(
                self._checked(problem, module_source, module_name)
            )
        return await asyncio.shield(self._runs[key])

    async def _checked(self, problem: Problem, module_source: str, module_name: str) -> Verdict:
        try:
            return await hidden_check(problem, module_source, module_name, self.options)
        except Exception as error:  # a scorer must not raise: weave would drop the whole row
            return Verdict(False, f"the hidden test could not be run: {error}")
