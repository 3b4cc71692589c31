"""The sandboxed runs HumanEval's scorers judge by: the hidden test on generated code, the
generated tests on the canonical solution and its mutants."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..execution import run_tests_async
from .hidden_test import hidden_test_file
from .problems import Problem

if TYPE_CHECKING:  # the engine imports cosmic-ray: only when a mutation run is asked for
    from ..mutation.report import MutationReport


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


async def mutation_on_canonical(
    problem: Problem, test_source: str, module_name: str, framework: str, options: SandboxOptions
) -> MutationReport:
    """Generated tests against the canonical solution, then against its entry point's mutants.

    The clean run (`report.clean`) says whether the tests are right: one that fails on correct code
    is a wrong test, and then nothing is mutated (`report.status` "tests_fail").
    """
    from ..mutation.engine import mutation_test

    return await mutation_test(
        Path(f"{module_name}.py"),
        Path(f"test_{module_name}.py"),
        functions=[problem.entry_point],
        framework=framework,
        python=options.python,
        timeout=options.timeout,
        allow_unsandboxed=options.allow_unsandboxed,
        module_source=problem.canonical_module,
        test_source=test_source,
    )


class SharedRuns:
    """The sandboxed runs a row's scorers share: each runs once, whichever scorer asks first."""

    def __init__(self, options: SandboxOptions):
        self.options = options
        self._runs: dict[tuple[str, ...], asyncio.Future[Any]] = {}

    def _once(self, key: tuple[str, ...], make: Callable[[], Awaitable[Any]]) -> Awaitable[Any]:
        if key not in self._runs:
            self._runs[key] = asyncio.ensure_future(make())
        return asyncio.shield(self._runs[key])

    async def hidden_verdict(
        self, problem: Problem, module_source: str, module_name: str
    ) -> Verdict:
        """The hidden test's verdict on a generated module; never raises."""
        key = ("hidden", problem.task_id, module_name, _digest(module_source))
        return await self._once(key, lambda: self._hidden(problem, module_source, module_name))

    async def _hidden(self, problem: Problem, module_source: str, module_name: str) -> Verdict:
        try:
            return await hidden_check(problem, module_source, module_name, self.options)
        except Exception as error:  # a scorer must not raise: weave would drop the whole row
            return Verdict(False, f"the hidden test could not be run: {error}")

    async def canonical_mutation(
        self, problem: Problem, test_source: str, module_name: str, framework: str
    ) -> MutationReport:
        """`mutation_on_canonical`, once per test file; raises what it raises."""
        key = ("canonical", problem.task_id, module_name, framework, _digest(test_source))
        return await self._once(
            key,
            lambda: mutation_on_canonical(
                problem, test_source, module_name, framework, self.options
            ),
        )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
